"""Uploaded materials at rest: sealed on disk, opened only after their check, keys moved forward."""

import logging
from datetime import date
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from onestop.accounts.roles import Role
from onestop.cases.models import Application
from onestop.core import pii
from onestop.core.storage import MAGIC, TEMP_SUFFIX, key_id_of, seal_file

from . import factories
from .test_workbench import as_user, take

pytestmark = pytest.mark.django_db
MARKER = bytes(range(64))  # a byte sequence no real file would repeat by chance
PNG = b"\x89PNG\r\n\x1a\n" + MARKER + b"\x00" * 32
NEW_KEY = "k2:" + "ab" * 16


@pytest.fixture(autouse=True)
def own_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def uploaded(client):
    clerk = factories.staff("s_clerk", Role.WINDOW_CLERK, "cdpf-150702")
    township = factories.staff("s_township", Role.TOWNSHIP_CIVIL, "civil-150702001")
    person = factories.person("150702001", name="斯琴", birth=date(1970, 1, 1))
    take(client, clerk, person, matters=["LIVING"], file_photo=SimpleUploadedFile("p.png", PNG))
    material = Application.objects.get().materials.get(code="photo")
    return {"material": material, "township": township}


def on_disk(name: str) -> bytes:
    return Path(default_storage.path(name)).read_bytes()


def test_a_material_is_sealed_on_disk_and_opens_whole_for_an_officer(client, uploaded):
    material = uploaded["material"]
    blob = on_disk(material.file.name)
    assert MARKER not in blob and blob.startswith(MAGIC)
    assert key_id_of(blob) == pii.keyring().current  # the key id is kept for rotation
    as_user(client, uploaded["township"])
    response = client.get(f"/workbench/materials/{material.pk}/")
    assert response.status_code == 200 and response.content == PNG


def _flip_last_bit(blob: bytes) -> bytes:
    return blob[:-1] + bytes([blob[-1] ^ 1])


@pytest.mark.parametrize(
    "replacement",
    [
        pytest.param(lambda name: seal_file("materials/999/other", PNG), id="swapped"),
        pytest.param(lambda name: PNG, id="clear"),
        pytest.param(lambda name: _flip_last_bit(seal_file(name, PNG)), id="altered"),
    ],
)
def test_a_swapped_clear_or_altered_file_is_refused_and_logged(
    client, uploaded, caplog, replacement
):
    material = uploaded["material"]
    Path(default_storage.path(material.file.name)).write_bytes(replacement(material.file.name))
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


def test_reencrypt_seals_clear_files_moves_old_keys_forward_and_reruns_safely(
    uploaded, settings, capsys
):
    material = uploaded["material"]
    legacy = default_storage.inner.save("materials/legacy/scan", ContentFile(PNG))  # from before
    settings.PII_KEYS = f"{settings.PII_KEYS},{NEW_KEY}"
    settings.PII_KEY_ID = "k2"
    # A run that stopped between writing a file's new copy and putting it in place:
    Path(default_storage.path(material.file.name) + TEMP_SUFFIX).write_bytes(b"half")

    call_command("reencrypt_materials")
    out = capsys.readouterr().out
    assert "已处理 2/2 个文件" in out and "新加密 1 个，换用当前密钥 1 个" in out
    for name in (material.file.name, legacy):
        blob = on_disk(name)
        assert key_id_of(blob) == "k2" and MARKER not in blob
        with default_storage.open(name) as handle:
            assert handle.read() == PNG
    assert not Path(default_storage.path(material.file.name) + TEMP_SUFFIX).exists()

    call_command("reencrypt_materials")
    assert "已是当前密钥 2 个" in capsys.readouterr().out
