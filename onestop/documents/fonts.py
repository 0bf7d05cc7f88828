"""Fonts for the PDFs, from Debian's packages (fonts-noto-cjk, fonts-hanazono), never the repo.

Embedding a CJK font means subsetting it for every document, which costs time in proportion to
the font's size. So the first use builds a *working font* (Noto Sans CJK SC cut down to ASCII,
punctuation and the 6,763 characters of GB 2312) into the cache folder, and a document only adds
the full fonts as fallbacks when its text needs a character outside that set, e.g. a 生僻字 in a
name. A character that no installed font has is reported, never dropped (``missing``)."""

import functools
import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings
from fontTools import subset, ttLib

from onestop.lang import webfont

NOTO = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NOTO_SC = 2  # the face of Simplified Chinese in the collection
# HanaMin covers CJK Extensions A to F, where most 生僻字 in names are.
FALLBACKS = [
    ("noto-full", NOTO, NOTO_SC),
    ("hanamin-a", Path("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf"), 0),
    ("hanamin-b", Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf"), 0),
]
DEBIAN_PACKAGES = "fonts-noto-cjk fonts-hanazono"


class FontMissing(RuntimeError):
    pass


def _basic_characters() -> set[int]:
    chars = set(range(0x20, 0x7F)) | set(range(0x3000, 0x3040)) | set(range(0xFF01, 0xFF5F))
    chars |= {0xB7, 0xD7, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x2160, 0x2161}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return chars


def _cache_dir() -> Path:
    folder = Path(settings.VAR_DIR) / "cache" / "fonts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _build(source: Path, target: Path) -> None:
    font = ttLib.TTFont(source, fontNumber=NOTO_SC)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.layout_features = []
    options.hinting = False
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_basic_characters())
    subsetter.subset(font)
    # Written beside the target and renamed: parallel workers never see half a font.
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".otf")
    os.close(handle)
    font.save(temporary)
    os.replace(temporary, target)


@functools.cache
def working_font() -> Path:
    source = NOTO
    if not source.exists():
        raise FontMissing(
            f"缺少字体文件 {source}：请安装 Debian 软件包 {DEBIAN_PACKAGES}"
            "（make test 和 make run 会自动安装）。"
        )
    stat = source.stat()
    key = hashlib.sha256(f"{source}|{stat.st_size}|{stat.st_mtime_ns}|1".encode()).hexdigest()[:16]
    target = _cache_dir() / f"work-{key}.otf"
    if not target.exists():
        _build(source, target)
    return target


@functools.cache
def _cmap(path: Path, number: int) -> frozenset[int]:
    if not path.exists():
        return frozenset()
    return frozenset(ttLib.TTFont(path, fontNumber=number, lazy=True).getBestCmap())


def basic_coverage() -> frozenset[int]:
    return _cmap(working_font(), 0)


def needs_fallback(text: str) -> bool:
    covered = basic_coverage()
    return any(ord(c) not in covered for c in text if not c.isspace())


def missing(text: str) -> list[str]:
    """Characters of ``text`` that no installed font can draw, in order, once each."""
    covered = basic_coverage()
    out: list[str] = []
    for c in text:
        if c.isspace() or ord(c) in covered or c in out:
            continue
        if not any(ord(c) in _cmap(path, number) for _, path, number in FALLBACKS):
            out.append(c)
    return out


@functools.cache
def mongolian_font() -> Path:
    """The platform's Mongolian web font as a TrueType file fpdf2 can embed and shape."""
    source = webfont.font_path()
    if not source.exists():
        raise FontMissing(
            "缺少蒙古文字体：请运行 manage.py fetch_webfont（make run 和 make test 会自动下载）。"
        )
    target = _cache_dir() / f"mongolian-{webfont.VERSION}.ttf"
    if not target.exists():
        font = ttLib.TTFont(source)
        font.flavor = None  # woff2 to plain TrueType
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".ttf")
        os.close(handle)
        font.save(temporary)
        os.replace(temporary, target)
    return target
