"""Stored files kept in the database, so that every app server reads what any of them stored.

A file is a ``StoredFile`` row and its bytes are ``StoredChunk`` rows of at most ``ROW_BYTES``,
keyed by the file and their order. A file is written in one transaction (nested in the
caller's, so a service that rolls back leaves no file behind) and read one row at a time, so
neither a write nor a read holds a whole file in memory. This backend sits under
``EncryptedStorage``: the bytes it keeps are already sealed.
"""

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from django.core.files.base import File
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.utils.deconstruct import deconstructible

from onestop.core import clock
from onestop.core.models import StoredChunk, StoredFile
from onestop.core.sealing import read_full, reader

ROW_BYTES = 256 * 1024


@deconstructible(path="onestop.core.dbstorage.DatabaseStorage")
class DatabaseStorage(Storage):
    def __init__(self, row_bytes: int = ROW_BYTES):
        self.row_bytes = row_bytes

    def _open(self, name: str, mode: str = "rb") -> File:
        if mode != "rb":
            raise ValueError("database files are written through save(), not opened for writing")
        found = StoredFile.objects.filter(name=name).values_list("pk", "chunks", "size").first()
        if found is None:
            raise FileNotFoundError(name)
        pk, chunks, size = found
        file = File(reader(self._rows(name, pk, chunks)), name=name)
        file.size = size
        return file

    def _rows(self, name: str, pk: int, chunks: int) -> Iterator[bytes | memoryview]:
        rows = StoredChunk.objects.filter(file_id=pk).values_list("data", flat=True)
        for seq in range(chunks):
            data = rows.filter(seq=seq).first()
            if data is None:  # replaced or deleted since it was opened
                raise OSError(f"stored file {name} changed while it was read")
            yield data
            del data  # one row held at a time: not this one while the next is fetched

    def _save(self, name: str, content: File) -> str:
        with transaction.atomic():
            pk, name = self._claim(name)
            self._fill(pk, content)
        return name

    def _claim(self, name: str) -> tuple[int, str]:
        """A row for ``name``, or for a free name near it when another save took it meanwhile."""
        now = clock.now()
        while True:
            try:
                with transaction.atomic():
                    row = StoredFile.objects.create(name=name, created_at=now, modified_at=now)
                return row.pk, name
            except IntegrityError:
                name = self.get_available_name(name)

    def _fill(self, pk: int, content: IO[bytes]) -> None:
        if getattr(content, "seekable", lambda: False)():
            content.seek(0)
        seq = size = 0
        while block := read_full(content, self.row_bytes):
            StoredChunk.objects.create(file_id=pk, seq=seq, data=block)
            seq += 1
            size += len(block)
        StoredFile.objects.filter(pk=pk).update(size=size, chunks=seq)

    def replace(self, name: str, content: IO[bytes]) -> None:
        """Put ``content`` in the place of file ``name`` in one transaction: a reader sees the
        old bytes or the new ones, and the old ones may be what ``content`` streams from."""
        with transaction.atomic():
            old = StoredFile.objects.select_for_update().filter(name=name).first()
            pk, _ = self._claim(f"{name}.~{uuid.uuid4().hex[:12]}")
            self._fill(pk, content)
            if old is not None:
                self._drop([old.pk])
            StoredFile.objects.filter(pk=pk).update(
                name=name, created_at=old.created_at if old else clock.now()
            )

    def _drop(self, pks: list[int]) -> None:
        StoredChunk.objects.filter(file_id__in=pks).delete()
        StoredFile.objects.filter(pk__in=pks).delete()

    def delete(self, name: str) -> None:
        with transaction.atomic():
            self._drop(list(StoredFile.objects.filter(name=name).values_list("pk", flat=True)))

    def exists(self, name: str) -> bool:
        return StoredFile.objects.filter(name=name).exists()

    def size(self, name: str) -> int:
        return self._field(name, "size")

    def names(self) -> list[str]:
        """Every stored name, in order (one query, where ``listdir`` takes one per folder)."""
        return list(StoredFile.objects.order_by("name").values_list("name", flat=True))

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        folder = path.strip("/")
        prefix = f"{folder}/" if folder else ""
        dirs: set[str] = set()
        files: list[str] = []
        names = StoredFile.objects.filter(name__startswith=prefix).values_list("name", flat=True)
        for name in names.order_by("name"):
            head, sep, _ = name[len(prefix) :].partition("/")
            if sep:
                dirs.add(head)
            else:
                files.append(head)
        return sorted(dirs), files

    def get_created_time(self, name: str) -> datetime:
        return self._field(name, "created_at")

    def get_modified_time(self, name: str) -> datetime:
        return self._field(name, "modified_at")

    def _field(self, name: str, field: str) -> Any:
        found = StoredFile.objects.filter(name=name).values_list(field, flat=True).first()
        if found is None:
            raise FileNotFoundError(name)
        return found
