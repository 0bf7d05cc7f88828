"""Uploaded files encrypted at rest, whatever backend holds them.

Each file is sealed whole with the PII cipher and current key (``onestop.core.pii``) and stored
as ``MAGIC | key id length | key id | nonce | ciphertext | tag``. The file's name is bound in as
associated data, so the tag is a keyed digest of name and content: a file altered, replaced by
a clear one or swapped with another stored file is refused on open, never served.
Files are read and sealed in memory (uploads are at most 10 MB).
"""

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages
from django.utils.module_loading import import_string

from onestop.core import pii

log = logging.getLogger(__name__)

MAGIC = b"OSE\x01"


class StoredFileRefused(PermissionDenied):
    """A stored file failed its integrity check: shown as a refusal, never as its bytes."""


def refusal_message() -> str:
    return "该材料文件未通过完整性校验（可能已被替换或损坏），已拒绝打开并记录。请联系系统管理员。"


def _context(name: str) -> str:
    return f"onestop.file:{name}"


def key_id_of(blob: bytes) -> str | None:
    """The key id a stored file is sealed under, or None when it is not sealed (clear)."""
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 1:
        return None
    size = blob[len(MAGIC)]
    return blob[len(MAGIC) + 1 : len(MAGIC) + 1 + size].decode(errors="replace")


def seal_file(name: str, plaintext: bytes) -> bytes:
    kid, raw = pii.seal(plaintext, context=_context(name))
    return MAGIC + bytes([len(kid)]) + kid.encode() + raw


def open_file(name: str, blob: bytes) -> bytes:
    kid = key_id_of(blob)
    try:
        if kid is None:
            raise pii.DecryptionError("not sealed")
        return pii.unseal(kid, blob[len(MAGIC) + 1 + len(kid) :], context=_context(name))
    except pii.DecryptionError as exc:
        log.error("stored file %s refused: %s", name, exc)
        raise StoredFileRefused(refusal_message()) from None


class EncryptedStorage(Storage):
    """Seals on save and opens (after checking) on read; everything else goes to ``backend``."""

    def __init__(
        self,
        backend: str = "django.core.files.storage.FileSystemStorage",
        options: dict[str, Any] | None = None,
    ):
        self.inner: Storage = import_string(backend)(**(options or {}))

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("encrypted files are written through save(), not opened for writing")
        with self.inner.open(name, "rb") as handle:
            blob = handle.read()
        file = ContentFile(open_file(name, blob), name=name)
        file.mode = mode
        return file

    def _save(self, name: str, content: File) -> str:
        content.seek(0)
        plaintext = content.read()
        stored = self.inner.save(name, ContentFile(seal_file(name, plaintext)))
        if stored != name:  # a concurrent save took the name: seal again, bound to the new one
            self.rewrite(stored, seal_file(stored, plaintext))
        return stored

    def rewrite(self, name: str, blob: bytes) -> None:
        """Replace a stored file's bytes atomically (local backends only)."""
        path = self.inner.path(name)
        temp = path + TEMP_SUFFIX
        with open(temp, "wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)

    def read_sealed(self, name: str) -> bytes:
        with self.inner.open(name, "rb") as handle:
            return handle.read()

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self.inner.get_available_name(name, max_length=max_length)

    def get_valid_name(self, name: str) -> str:
        return self.inner.get_valid_name(name)

    def generate_filename(self, filename: str | os.PathLike[str]) -> str:
        return self.inner.generate_filename(filename)

    def path(self, name: str) -> str:
        return self.inner.path(name)

    def delete(self, name: str) -> None:
        return self.inner.delete(name)

    def exists(self, name: str) -> bool:
        return self.inner.exists(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.inner.listdir(path)

    def size(self, name: str) -> int:
        return self.inner.size(name)

    def url(self, name: str | None) -> str:
        return self.inner.url(name)

    def get_accessed_time(self, name: str) -> datetime:
        return self.inner.get_accessed_time(name)

    def get_created_time(self, name: str) -> datetime:
        return self.inner.get_created_time(name)

    def get_modified_time(self, name: str) -> datetime:
        return self.inner.get_modified_time(name)


TEMP_SUFFIX = ".reencrypt"


@dataclass
class ReencryptReport:
    total: int = 0
    sealed: int = 0  # were clear
    rekeyed: int = 0  # were under an older key
    current: int = 0
    refused: list[str] = field(default_factory=list)  # failed their check: left as they are


def _walk(storage: Storage, folder: str = "") -> Iterator[str]:
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:  # nothing stored yet
        return
    for file in sorted(files):
        yield f"{folder}/{file}" if folder else file
    for sub in sorted(dirs):
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)


def reencrypt_all(progress: Callable[[int, int], None] | None = None) -> ReencryptReport:
    """Seal every clear stored file and move every file under an old key to the current one.

    Each file is replaced atomically, so a crash leaves it either old or new (both readable)
    and a rerun carries on; files already under the current key are left alone."""
    storage = storages["default"]
    if not isinstance(storage, EncryptedStorage):
        raise ImproperlyConfigured(
            'STORAGES["default"] must be onestop.core.storage.EncryptedStorage.'
        )
    names = [n for n in _walk(storage.inner) if not n.endswith(TEMP_SUFFIX)]
    report = ReencryptReport(total=len(names))
    current = pii.keyring().current
    for done, name in enumerate(names, 1):
        blob = storage.read_sealed(name)
        kid = key_id_of(blob)
        if kid == current:
            report.current += 1
        elif kid is None:
            storage.rewrite(name, seal_file(name, blob))
            report.sealed += 1
        else:
            try:
                plaintext = open_file(name, blob)
            except StoredFileRefused:
                report.refused.append(name)
            else:
                storage.rewrite(name, seal_file(name, plaintext))
                report.rekeyed += 1
        if progress is not None:
            progress(done, report.total)
    return report
