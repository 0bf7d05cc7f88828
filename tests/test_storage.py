"""Uploaded materials at rest: sealed in chunks in a folder or in the database, opened only after
the whole file passed its check, served as a stream, keys and old formats moved forward."""

import hashlib
import logging
import os
import struct
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from onestop.accounts.roles import Role
from onestop.cases.models import Application
from onestop.core import pii, sealing
from onestop.core.storage import TEMP_SUFFIX

from . import factories
from .test_workbench import as_user, take

pytestmark = pytest.mark.django_db
MARKER = bytes(range(64))  # a byte sequence no real file would repeat by chance
# Three chunks of the sealed format, the marker in each, so records can be moved and dropped.
PNG = b"\x89PNG\r\n\x1a\n" + (MARKER + b"\x00" * 65536) * 2 + MARKER
NEW_KEY = "k2:" + "ab" * 16
BACKENDS = {
    "filesystem": "django.core.files.storage.FileSystemStorage",
    "database": "onestop.core.dbstorage.DatabaseStorage",
}


@pytest.fixture(autouse=True, params=list(BACKENDS))
def media(request, settings, tmp_path):
    """Each test runs with the files in a folder and in the database (on either engine)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "onestop.core.storage.EncryptedStorage",
            "OPTIONS": {"backend": BACKENDS[request.param]},
        },
    }
    return request.param


def upload(client, content: bytes) -> dict:
    clerk = factories.staff("s_clerk", Role.WINDOW_CLERK, "cdpf-150702")
    township = factories.staff("s_township", Role.TOWNSHIP_CIVIL, "civil-150702001")
    person = factories.person("150702001", name="斯琴", birth=date(1970, 1, 1))
    file = SimpleUploadedFile("p.png", content)
    assert take(client, clerk, person, matters=["LIVING"], file_photo=file).status_code == 302
    material = Application.objects.get().materials.get(code="photo")
    return {"material": material, "township": township}


@pytest.fixture
def uploaded(client):
    return upload(client, PNG)


def stored(name: str) -> bytes:
    """The bytes the backend holds (a file's, or its rows')."""
    return default_storage.read_sealed(name)


def put(name: str, blob: bytes) -> None:
    """Write ``blob`` as the backend's bytes of ``name``, bypassing the seal: a tamperer."""
    default_storage.inner.delete(name)
    assert default_storage.inner.save(name, ContentFile(blob)) == name


def served(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_material_is_sealed_in_chunks_at_rest_and_served_whole_to_an_officer(client, uploaded):
    material = uploaded["material"]
    blob = stored(material.file.name)
    assert MARKER not in blob and sealing.format_of(blob) == "chunked"
    assert sealing.key_id_of(blob) == pii.keyring().current  # the key id is kept for rotation
    assert len(blob) == sealing.sealed_size(len(PNG), len(pii.keyring().current))
    assert material.file.size == len(PNG)  # the content's size, not the sealed one
    as_user(client, uploaded["township"])
    response = client.get(f"/workbench/materials/{material.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Length"] == str(len(PNG))
    assert response["Content-Disposition"] == f'inline; filename="material-{material.pk}.png"'
    assert served(response) == PNG


def test_files_in_the_database_are_rows_not_files(uploaded, media, settings):
    files = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert len(files) == (1 if media == "filesystem" else 0)


def _records(blob: bytes) -> tuple[bytes, list[bytes]]:
    kid_length = blob[len(sealing.MAGIC_CHUNKED)]
    end = len(sealing.MAGIC_CHUNKED) + 1 + kid_length + 4 + sealing.FILE_ID
    header, rest, records = blob[:end], blob[end:], []
    while rest:
        length = struct.unpack(">cI", rest[:5])[1]
        records.append(rest[: 5 + length])
        rest = rest[5 + length :]
    return header, records


def _without_last_chunk(name: str) -> bytes:
    header, records = _records(stored(name))
    return header + b"".join(records[:-2] + records[-1:])


def _cut_short(name: str) -> bytes:
    header, records = _records(stored(name))
    return header + b"".join(records[:-1])


def _reordered(name: str) -> bytes:
    header, records = _records(stored(name))
    return header + b"".join([records[1], records[0], *records[2:]])


@pytest.mark.parametrize(
    "replacement",
    [
        pytest.param(lambda name: sealing.seal_whole("materials/999/other", PNG), id="swapped"),
        pytest.param(lambda name: PNG, id="clear"),
        pytest.param(lambda name: (b := stored(name))[:-1] + bytes([b[-1] ^ 1]), id="altered"),
        pytest.param(_without_last_chunk, id="chunk-removed"),
        pytest.param(_cut_short, id="cut-short"),
        pytest.param(_reordered, id="reordered"),
    ],
)
def test_a_swapped_clear_altered_or_cut_file_is_refused_before_a_byte_and_logged(
    client, uploaded, caplog, replacement
):
    material = uploaded["material"]
    put(material.file.name, replacement(material.file.name))
    as_user(client, uploaded["township"])
    with caplog.at_level(logging.ERROR, logger="onestop.core.storage"):
        response = client.get(f"/workbench/materials/{material.pk}/")
    assert response.status_code == 403
    assert "未通过完整性校验" in response.content.decode() and MARKER not in response.content
    assert any(material.file.name in r.getMessage() for r in caplog.records)


def test_a_material_pointed_at_another_stored_file_is_refused(client, uploaded, caplog):
    """A database writer who moves a row onto another application's (validly sealed) file."""
    material = uploaded["material"]
    other = default_storage.save("materials/999/other", ContentFile(b"%PDF-1.4 other"))
    type(material).objects.filter(pk=material.pk).update(file=other)
    as_user(client, uploaded["township"])
    with caplog.at_level(logging.ERROR, logger="onestop.core.storage"):
        response = client.get(f"/workbench/materials/{material.pk}/")
    assert response.status_code == 403 and "未通过完整性校验" in response.content.decode()
    assert any("upload digest" in r.getMessage() for r in caplog.records)


def test_a_material_sealed_whole_by_an_earlier_release_is_still_served(client, uploaded):
    material = uploaded["material"]
    put(material.file.name, sealing.seal_whole(material.file.name, PNG))
    as_user(client, uploaded["township"])
    response = client.get(f"/workbench/materials/{material.pk}/")
    assert response.status_code == 200 and served(response) == PNG
    assert material.file.size == len(PNG)


def test_reencrypt_seals_clear_files_moves_old_keys_and_whole_files_forward_and_reruns_safely(
    uploaded, settings, capsys, media
):
    material = uploaded["material"]
    old_key = pii.keyring().current
    legacy = default_storage.inner.save("materials/legacy/scan", ContentFile(PNG))  # in clear
    whole_old = default_storage.inner.save(
        "materials/legacy/whole-old",
        ContentFile(sealing.seal_whole("materials/legacy/whole-old", PNG)),
    )
    broken = default_storage.inner.save("materials/legacy/broken", ContentFile(b"OSE\x01\x04dev1!"))
    settings.PII_KEYS = f"{settings.PII_KEYS},{NEW_KEY}"
    settings.PII_KEY_ID = "k2"
    whole_new = default_storage.inner.save(
        "materials/legacy/whole-new",
        ContentFile(sealing.seal_whole("materials/legacy/whole-new", PNG)),
    )
    if media == "filesystem":  # a run that stopped between writing a new copy and moving it
        Path(default_storage.path(material.file.name) + TEMP_SUFFIX).write_bytes(b"half")

    call_command("reencrypt_materials")
    out, err = capsys.readouterr()
    assert "已处理 5/5 个文件" in out
    assert "新加密 1 个，换用当前密钥 2 个，改为分块格式 1 个，已是当前密钥 0 个" in out
    assert f"未通过完整性校验，未处理：{broken}" in err
    for name in (material.file.name, legacy, whole_old, whole_new):
        blob = stored(name)
        assert sealing.format_of(blob) == "chunked" and sealing.key_id_of(blob) == "k2"
        assert MARKER not in blob
        with default_storage.open(name) as handle:
            assert handle.read() == PNG
    assert stored(broken) == b"OSE\x01\x04dev1!"  # left as it was, for someone to look at
    assert old_key != "k2"
    if media == "filesystem":
        assert not Path(default_storage.path(material.file.name) + TEMP_SUFFIX).exists()

    call_command("reencrypt_materials")
    assert "已是当前密钥 4 个" in capsys.readouterr().out


def test_a_material_of_several_mb_is_served_without_holding_it_in_memory(client):
    """The page streams a 6 MB material: the process's memory grows by a few chunks, not by
    the file (the whole file was checked before the first byte went out)."""
    size = 6 * 1024 * 1024
    content = b"%PDF-1.4\n" + os.urandom(size - 9)
    item = upload(client, content)
    material = item["material"]
    as_user(client, item["township"])
    client.get("/workbench/")  # the session and the page machinery warmed up, not measured

    digest = hashlib.sha256()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        response = client.get(f"/workbench/materials/{material.pk}/")
        for block in response.streaming_content:
            digest.update(block)
        response.close()
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    assert response.status_code == 200 and response["Content-Length"] == str(size)
    assert digest.hexdigest() == hashlib.sha256(content).hexdigest()
    print(f"memory peak serving {size // 1024 // 1024} MB: {peak / 1024:.0f} KB")
    assert peak < size / 6, f"peak {peak} bytes while serving {size} bytes"
