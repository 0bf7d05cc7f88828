"""The database storage: files as rows of 256 KB, written in one transaction, read one row at a
time, on SQLite and on PostgreSQL."""

import io
import os
from datetime import UTC, datetime

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from onestop.core import clock, sealing
from onestop.core.dbstorage import ROW_BYTES, DatabaseStorage
from onestop.core.models import StoredChunk, StoredFile
from onestop.core.storage import EncryptedStorage

pytestmark = pytest.mark.django_db
MOMENT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


@pytest.fixture
def storage():
    return DatabaseStorage()


def test_a_file_is_kept_in_rows_of_256_kb_and_comes_back_whole(storage):
    content = os.urandom(2 * ROW_BYTES + 1000)
    with clock.frozen(MOMENT):
        name = storage.save("materials/3/scan", ContentFile(content))
    assert name == "materials/3/scan"
    rows = StoredChunk.objects.filter(file__name=name).order_by("seq")
    assert [len(r.data) for r in rows] == [ROW_BYTES, ROW_BYTES, 1000]
    assert storage.exists(name) and storage.size(name) == len(content)
    assert storage.get_created_time(name) == storage.get_modified_time(name) == MOMENT
    with storage.open(name) as handle:
        assert handle.size == len(content)
        assert handle.read() == content


def test_reading_fetches_one_row_at_a_time(storage):
    content = os.urandom(3 * ROW_BYTES)
    name = storage.save("materials/3/big", ContentFile(content))
    with CaptureQueriesContext(connection) as opened:
        handle = storage.open(name)
    with CaptureQueriesContext(connection) as first:
        assert handle.read(1000) == content[:1000]
    with CaptureQueriesContext(connection) as rest:
        assert handle.read() == content[1000:]
    handle.close()
    assert len(opened.captured_queries) == 1  # the file's row only: no bytes yet
    assert len(first.captured_queries) == 1 and len(rest.captured_queries) == 2


def test_an_empty_file_is_a_file(storage):
    name = storage.save("payments/empty.csv", ContentFile(b""))
    assert storage.exists(name) and storage.size(name) == 0
    with storage.open(name) as handle:
        assert handle.read() == b""


def test_a_second_file_of_the_same_name_gets_a_name_of_its_own(storage):
    first = storage.save("materials/4/same", ContentFile(b"one"))
    second = storage.save("materials/4/same", ContentFile(b"two"))
    assert first == "materials/4/same" and second.startswith("materials/4/same_")
    assert storage.open(first).read() == b"one" and storage.open(second).read() == b"two"


class Failing(io.RawIOBase):
    """A source that breaks after a few hundred KB, as an upload cut off midway."""

    def __init__(self):
        self.sent = 0

    def readable(self):
        return True

    def readinto(self, target):
        if self.sent > ROW_BYTES:
            raise OSError("connection reset")
        target[:] = b"\x01" * len(target)
        self.sent += len(target)
        return len(target)


def test_a_write_that_fails_midway_leaves_no_file_behind(storage):
    with pytest.raises(OSError, match="connection reset"):
        storage.save("materials/5/cut", File(io.BufferedReader(Failing())))
    assert not storage.exists("materials/5/cut")
    assert not StoredChunk.objects.exists() and not StoredFile.objects.exists()


def test_a_file_stored_by_a_service_that_rolls_back_is_gone_with_it(storage):
    with pytest.raises(RuntimeError), transaction.atomic():
        storage.save("materials/6/draft", ContentFile(b"%PDF-1.4"))
        raise RuntimeError("the service refused")
    assert not storage.exists("materials/6/draft")


def test_replace_swaps_the_bytes_in_one_step_and_may_read_the_old_ones(storage):
    with clock.frozen(MOMENT):
        name = storage.save("materials/7/scan", ContentFile(os.urandom(ROW_BYTES + 5)))
    old = storage.open(name).read()
    storage.replace(name, io.BytesIO(old[::-1]))  # a rewrite reads the file it replaces
    assert storage.open(name).read() == old[::-1]
    assert StoredFile.objects.get().name == name and StoredChunk.objects.count() == 2
    assert storage.get_created_time(name) == MOMENT
    storage.replace("materials/7/new", io.BytesIO(b"x"))  # nothing there before
    assert storage.open("materials/7/new").read() == b"x"


def test_delete_removes_the_file_and_its_rows(storage):
    keep = storage.save("materials/8/keep", ContentFile(b"k" * 10))
    gone = storage.save("materials/8/gone", ContentFile(b"g" * (ROW_BYTES + 1)))
    storage.delete(gone)
    storage.delete("materials/8/never-there")
    assert not storage.exists(gone) and storage.exists(keep)
    assert list(StoredChunk.objects.values_list("file__name", flat=True)) == [keep]
    with pytest.raises(FileNotFoundError):
        storage.open(gone)


def test_listdir_and_names_see_folders_and_files(storage):
    for name in ("materials/1/a", "materials/1/b", "materials/2/c", "payments/run.csv", "top"):
        storage.save(name, ContentFile(b"."))
    assert storage.listdir("") == (["materials", "payments"], ["top"])
    assert storage.listdir("materials") == (["1", "2"], [])
    assert storage.listdir("materials/1/") == ([], ["a", "b"])
    assert storage.listdir("nothing") == ([], [])
    assert storage.names() == [
        "materials/1/a",
        "materials/1/b",
        "materials/2/c",
        "payments/run.csv",
        "top",
    ]


def test_a_file_replaced_while_it_is_read_stops_the_reader_instead_of_mixing_versions(storage):
    name = storage.save("materials/9/scan", ContentFile(os.urandom(2 * ROW_BYTES)))
    handle = storage.open(name)
    handle.read(10)
    storage.replace(name, io.BytesIO(os.urandom(2 * ROW_BYTES)))
    with pytest.raises(OSError, match="changed while it was read"):
        handle.read()


def test_files_kept_in_a_folder_are_copied_into_the_database_sealed_as_they_are(
    settings, tmp_path, capsys
):
    """A deployment that kept its materials in var/media moves to PostgreSQL's default."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "onestop.core.storage.EncryptedStorage",
            "OPTIONS": {"backend": "onestop.core.dbstorage.DatabaseStorage"},
        },
    }
    folder = EncryptedStorage(options={"location": str(tmp_path / "media")})
    scan = folder.save("materials/1/scan", ContentFile(b"%PDF-1.4 scan" * 10_000))
    old = folder.inner.save(
        "materials/2/old", ContentFile(sealing.seal_whole("materials/2/old", b"\x89PNG old"))
    )
    call_command("copy_materials", "--from-dir", str(tmp_path / "media"))
    assert "共 2 个文件，已复制 2 个，目标中已有 0 个" in capsys.readouterr().out
    assert default_storage.read_sealed(scan) == folder.read_sealed(scan)  # still sealed
    assert default_storage.open(scan).read() == b"%PDF-1.4 scan" * 10_000
    assert default_storage.open(old).read() == b"\x89PNG old"
    call_command("copy_materials", "--from-dir", str(tmp_path / "media"))
    assert "已复制 0 个，目标中已有 2 个" in capsys.readouterr().out
