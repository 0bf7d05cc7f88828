"""The Mongolian web font: Noto Sans Mongolian from the npm registry (@fontsource's build,
newer shaping than Debian's fonts-noto-core 2.001), pinned by version and integrity digest,
unpacked under ``settings.WEBFONT_DIR`` and served as a static file."""

import base64
import hashlib
import io
import tarfile
import urllib.request
from pathlib import Path

from django.conf import settings

VERSION = "5.3.0"
TARBALL = (
    "https://registry.npmjs.org/@fontsource/noto-sans-mongolian/-/"
    f"noto-sans-mongolian-{VERSION}.tgz"
)
INTEGRITY = (
    "sha512-/0CnBiuUOjfdnE5vZXOiu36iu0ETlXCY40t3/IG1n4n+"
    "fL/knRTJ0/jgu/jxELacS301kg4YduK+r9JYJ8/gSA=="
)
FILES = {  # the font last: its presence means everything is there
    "package/LICENSE": "noto-sans-mongolian-LICENSE.txt",
    "package/files/noto-sans-mongolian-mongolian-400-normal.woff2": "noto-sans-mongolian.woff2",
}


class FontUnavailable(Exception):
    pass


def font_path() -> Path:
    return Path(settings.WEBFONT_DIR) / "noto-sans-mongolian.woff2"


def fetch(url: str = TARBALL) -> Path:
    """Download and unpack the font unless it is there; refuse a tarball whose digest differs."""
    target = font_path()
    if target.exists():
        return target
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - a fixed https URL
            data = response.read()
    except OSError as exc:
        raise FontUnavailable(f"无法下载蒙古文字体（{url}）：{exc}") from None
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY:
        raise FontUnavailable(f"下载的蒙古文字体校验值不符（{url}），已拒绝使用。")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member, name in FILES.items():
            source = tar.extractfile(member)
            if source is None:
                raise FontUnavailable(f"字体包中缺少 {member}。")
            partial = target.parent / f"{name}.partial"
            partial.write_bytes(source.read())
            partial.replace(target.parent / name)
    return target
