"""Uploaded files encrypted at rest, whatever backend holds them.

Files are sealed with the PII cipher and current key in the chunked format of
``onestop.core.sealing``: the key id is in each file, and the file's name is bound into every
record, so a file that is altered, cut short, reordered, replaced in clear or swapped with
another stored file is refused on open, never served. A file is written and read one chunk at
a time; opening reads it twice, first to check all of it (and, for a material, the digest
taken at upload), then to hand it out, so a refused file yields no byte and memory does not
grow with its size. Files sealed whole by earlier releases are still read (whole: they are at
most 10 MB) until ``manage.py reencrypt_materials`` rewrites them.
"""

import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.module_loading import import_string

from onestop.core import pii, sealing

log = logging.getLogger(__name__)


class StoredFileRefused(PermissionDenied):
    """A stored file failed its integrity check: shown as a refusal, never as its bytes."""


def refusal_message() -> str:
    return "该材料文件未通过完整性校验（可能已被替换或损坏），已拒绝打开并记录。请联系系统管理员。"


def _refuse(name: str, reason: object) -> StoredFileRefused:
    log.error("stored file %s refused: %s", name, reason)
    return StoredFileRefused(refusal_message())


class EncryptedStorage(Storage):
    """Seals on save and opens (after checking) on read; everything else goes to ``backend``."""

    def __init__(
        self,
        backend: str = "django.core.files.storage.FileSystemStorage",
        options: dict[str, Any] | None = None,
        chunk: int = sealing.CHUNK,
    ):
        self.inner: Storage = import_string(backend)(**(options or {}))
        self.chunk = chunk

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("encrypted files are written through save(), not opened for writing")
        return self.open_checked(name)

    def open_checked(self, name: str, *, sha256: str = "") -> File:
        """The file's content as a stream, once a first pass has checked all of it and, given
        ``sha256``, found the content whose digest was taken at upload."""
        digest = hashlib.sha256()
        size = 0
        for block in self._content(name):
            if sha256:
                digest.update(block)
            size += len(block)
        if sha256 and digest.hexdigest() != sha256:
            raise _refuse(name, "it does not match the upload digest")
        file = File(sealing.reader(self._content(name)), name=name)
        file.size = size
        return file

    def _content(self, name: str) -> Iterator[bytes]:
        try:
            with self.inner.open(name, "rb") as handle:
                yield from sealing.opened(name, handle)
        except sealing.Refused as exc:
            raise _refuse(name, exc) from None

    def _sealed(self, name: str, content: IO[bytes]) -> File:
        if getattr(content, "seekable", lambda: False)():
            content.seek(0)
        return File(sealing.reader(sealing.sealed_records(name, content, self.chunk)), name=name)

    def _save(self, name: str, content: File) -> str:
        stored = self.inner.save(name, self._sealed(name, content))
        if stored != name:  # a concurrent save took the name: seal again, bound to the new one
            self.rewrite(stored, content)
        return stored

    def rewrite(self, name: str, content: IO[bytes]) -> None:
        """Seal ``content`` for ``name`` and put it in that file's place atomically: a reader
        sees the old file or the new one. ``content`` may stream from the old file."""
        sealed = self._sealed(name, content)
        replace = getattr(self.inner, "replace", None)
        if replace is not None:  # the database storage: one transaction
            replace(name, sealed)
        elif isinstance(self.inner, FileSystemStorage):
            path = self.inner.path(name)
            temp = path + TEMP_SUFFIX
            with open(temp, "wb") as handle:
                for block in sealed.chunks():
                    handle.write(block)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        else:  # an object store replaces an object whole, under the name given
            self.inner._save(name, sealed)  # type: ignore[attr-defined]

    def _head(self, name: str) -> bytes:
        with self.inner.open(name, "rb") as handle:
            return sealing.read_full(handle, sealing.HEAD_BYTES)

    def sealed_state(self, name: str) -> tuple[str, str | None]:
        """The stored file's format (``sealing.format_of``) and key id, from its first bytes."""
        head = self._head(name)
        return sealing.format_of(head), sealing.key_id_of(head)

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
        """The size of the content (what ``open`` gives), from the stored size and header."""
        head = self._head(name)
        stored = self.inner.size(name)
        if sealing.format_of(head) in ("chunked", "whole"):
            return sealing.content_size(head, stored)
        return stored

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
    upgraded: int = 0  # were sealed whole under the current key: now in chunks
    current: int = 0
    refused: list[str] = field(default_factory=list)  # failed their check: left as they are


def _walk(storage: Storage, folder: str = "") -> Iterator[str]:
    names = getattr(storage, "names", None)
    if names is not None:  # the database storage lists every name in one query
        yield from names()
        return
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:  # nothing stored yet
        return
    for file in sorted(files):
        yield f"{folder}/{file}" if folder else file
    for sub in sorted(dirs):
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)


def reencrypt_all(progress: Callable[[int, int], None] | None = None) -> ReencryptReport:
    """Seal every clear stored file, and rewrite in chunks under the current key every file
    under an old key or sealed whole.

    Each file is replaced atomically, so a crash leaves it either old or new (both readable)
    and a rerun carries on; files already in chunks under the current key are left alone."""
    storage = storages["default"]
    if not isinstance(storage, EncryptedStorage):
        raise ImproperlyConfigured(
            'STORAGES["default"] must be onestop.core.storage.EncryptedStorage.'
        )
    names = [n for n in _walk(storage.inner) if not n.endswith(TEMP_SUFFIX)]
    report = ReencryptReport(total=len(names))
    current = pii.keyring().current
    for done, name in enumerate(names, 1):
        state, kid = storage.sealed_state(name)
        if state == "chunked" and kid == current:
            report.current += 1
        elif state == "clear":
            with storage.inner.open(name, "rb") as handle:
                storage.rewrite(name, handle)
            report.sealed += 1
        else:
            try:
                if state == "unknown":
                    raise _refuse(name, "unknown sealed format")
                with storage.open(name) as handle:
                    storage.rewrite(name, handle)
            except StoredFileRefused:
                report.refused.append(name)
            else:
                if kid == current:
                    report.upgraded += 1
                else:
                    report.rekeyed += 1
        if progress is not None:
            progress(done, report.total)
    return report


@dataclass
class CopyReport:
    total: int = 0
    copied: int = 0
    present: int = 0  # already in the target under that name: left as it is


def copy_all(source: Storage, progress: Callable[[int, int], None] | None = None) -> CopyReport:
    """Copy every file of ``source`` into the default storage's backend as it is (sealed, under
    the same name, to which it is bound), e.g. from a folder into the database."""
    storage = storages["default"]
    if not isinstance(storage, EncryptedStorage):
        raise ImproperlyConfigured(
            'STORAGES["default"] must be onestop.core.storage.EncryptedStorage.'
        )
    names = [n for n in _walk(source) if not n.endswith(TEMP_SUFFIX)]
    report = CopyReport(total=len(names))
    for done, name in enumerate(names, 1):
        if storage.inner.exists(name):
            report.present += 1
        else:
            with source.open(name, "rb") as handle:
                stored = storage.inner.save(name, handle)
            if stored != name:  # taken meanwhile: the copy would not open under another name
                storage.inner.delete(stored)
                report.present += 1
            else:
                report.copied += 1
        if progress is not None:
            progress(done, report.total)
    return report
