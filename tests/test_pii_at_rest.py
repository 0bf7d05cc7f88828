"""After a window, API and portal journey, no full ID number and no uploaded byte sequence is
anywhere at rest in clear: the whole database (the SQLite files, or a pg_dump), the media folder
and var/, and the logs; with the uploads kept in a folder and in the database."""

import hashlib
import json
import logging
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from onestop.accounts.roles import Role
from onestop.cases.models import Application, Matter
from onestop.core.models import StoredFile
from onestop.exchange.models import IdempotentRequest
from onestop.exchange.services import api_key_create
from onestop.people.models import Person
from onestop.people.services import certificate_record, guardian_add

from . import factories
from .test_portal import sign_in
from .test_workbench import as_user

pytestmark = pytest.mark.django_db(transaction=True)


def marker(label: str) -> bytes:
    """64 bytes that no other file holds."""
    return hashlib.sha512(f"onestop-pii-at-rest:{label}".encode()).digest()


PNG_MARK, PDF_MARK, PORTAL_MARK = marker("window"), marker("api"), marker("portal")
WINDOW_ID = factories.id_number("150702", date(1958, 8, 8), seq=771)
WARD_ID = factories.id_number("150702", date(1988, 9, 9), seq=772)
GUARDIAN_ID = factories.id_number("150702", date(1962, 2, 6), seq=773)


def window_journey(client):
    """The clerk looks the number up, registers the person and takes an application with a
    photo; the intake accepts it, so the township has a step open."""
    clerk = factories.staff("p_clerk", Role.WINDOW_CLERK, "cdpf-150702")
    as_user(client, clerk)
    assert client.post("/workbench/intake/", {"id_number": WINDOW_ID}).status_code == 302
    registered = client.post(
        "/workbench/intake/register/",
        {
            "name": "乌云",
            "id_number": WINDOW_ID,
            "township": "150702001",
            "phone": "13947000777",
            "dibao_category": "urban",
            "tekun_category": "none",
        },
    )
    assert registered.status_code == 302
    person = Person.objects.get(name="乌云")
    page = client.get(f"/workbench/intake/{person.pk}/").content.decode()
    key = page.split('name="form_token" value="')[1].split('"')[0]
    taken = client.post(
        f"/workbench/intake/{person.pk}/",
        {
            "matters": ["LIVING"],
            "delivery": "pickup",
            "consent_share": "on",
            "consent_sensitive": "on",
            "form_token": key,
            "file_photo": SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n" + PNG_MARK),
        },
    )
    assert taken.status_code == 302, taken.content.decode()
    client.logout()
    return Matter.objects.get(application__applicant=person)


def api_journey(client, matter):
    admin = factories.staff("p_admin", Role.ADMIN, "gov-150700")
    unit = matter.steps.get(status="active").unit
    _, key = api_key_create(actor=admin, unit=unit, role=Role.TOWNSHIP_CIVIL, name="民政系统")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    base = f"/api/v1/matters/{matter.pk}"
    listing = client.get("/api/v1/matters", **auth).json()
    assert listing["items"][0]["applicant"]["id_number"] == WINDOW_ID[:6] + "*" * 8 + WINDOW_ID[14:]
    read = client.get(base, **auth).json()
    assert read["applicant"]["id_number"] == WINDOW_ID  # the officer's system may see it whole
    for _ in range(2):  # the retry gets the stored answer
        claimed = client.post(f"{base}/claim", HTTP_IDEMPOTENCY_KEY="claim-1", **auth)
        assert claimed.status_code == 200
    attached = client.post(
        f"{base}/documents",
        {"code": "visit", "file": SimpleUploadedFile("走访.pdf", b"%PDF-1.4\n" + PDF_MARK)},
        HTTP_IDEMPOTENCY_KEY="doc-1",
        **auth,
    )
    assert attached.status_code == 201, attached.content.decode()
    decided = client.post(
        f"{base}/decision",
        json.dumps({"step_id": read["current_step"]["id"], "outcome": "approve"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="decide-1",
        **auth,
    )
    assert decided.status_code == 200, decided.content.decode()
    assert IdempotentRequest.objects.count() == 3


def portal_journey(client):
    ward = factories.person(
        "150702001", name="巴图", id_number=WARD_ID, phone="", dibao_category="urban"
    )
    certificate_record(actor=None, person=ward, number=WARD_ID + "52", issue_date=date(2024, 1, 5))
    guardian_add(
        actor=None,
        person=ward,
        kind="guardian",
        name="其木格",
        relation="母亲",
        id_number=GUARDIAN_ID,
        phone="13904700777",
    )
    sign_in(client, phone="13904700777")
    client.post(f"/portal/apply/{ward.pk}/matters/", {"matters": ["LIVING", "NURSING", "PENSION"]})
    client.post(
        f"/portal/apply/{ward.pk}/details/",
        {
            "living_reason": "家里困难",
            "file_photo": SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n" + PORTAL_MARK),
        },
    )
    client.post(
        f"/portal/apply/{ward.pk}/delivery/",
        {"delivery": "post", "delivery_address": "正阳街道8号"},
    )
    confirm = client.get(f"/portal/apply/{ward.pk}/confirm/").content.decode()
    token = confirm.split('name="form_token" value="')[1].split('"')[0]
    client.post(
        f"/portal/apply/{ward.pk}/confirm/",
        {"consent_share": "on", "consent_sensitive": "on", "form_token": token},
    )
    assert Application.objects.get(applicant=ward).materials.filter(code="photo").exists()


def files_under(folder: Path):
    return [p for p in folder.rglob("*") if p.is_file()]


def database_bytes() -> bytes:
    if connection.vendor == "sqlite":
        name = connection.settings_dict["NAME"]
        files = [Path(name + suffix) for suffix in ("", "-wal", "-shm")]
        return b"".join(p.read_bytes() for p in files if p.exists())
    env = {"PATH": "/usr/bin:/bin", "PGCONNECT_TIMEOUT": "10"}
    return subprocess.run(  # noqa: S603 - fixed arguments, the test database
        ["/usr/bin/pg_dump", "-h", "127.0.0.1", "-U", "postgres", connection.settings_dict["NAME"]],
        capture_output=True,
        check=True,
        timeout=120,
        env=env,
    ).stdout


MEDIA_BACKENDS = {
    "filesystem": "django.core.files.storage.FileSystemStorage",
    "database": "onestop.core.dbstorage.DatabaseStorage",
}


def stored_files(media: str) -> int:
    if media == "filesystem":
        return len(files_under(Path(django_settings.MEDIA_ROOT)))
    return StoredFile.objects.count()


@pytest.mark.parametrize("media", list(MEDIA_BACKENDS))
def test_no_id_number_or_uploaded_bytes_at_rest_in_clear(
    client, reference_data, settings, tmp_path, caplog, media
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "onestop.core.storage.EncryptedStorage",
            "OPTIONS": {"backend": MEDIA_BACKENDS[media]},
        },
    }
    with caplog.at_level(logging.DEBUG):
        matter = window_journey(client)
        api_journey(client, matter)
        portal_journey(client)

    secrets = [n.encode() for n in (WINDOW_ID, WARD_ID, GUARDIAN_ID)]
    uploads = [PNG_MARK, PDF_MARK, PORTAL_MARK]
    # pg_dump writes bytea columns (the database storage's rows) as hex.
    uploads += [mark.hex().encode() for mark in uploads]
    dump = database_bytes()
    assert b"idempotentrequest" in dump.lower() or connection.vendor == "sqlite"
    places = {"database": dump}
    for path in files_under(Path(settings.MEDIA_ROOT)) + files_under(django_settings.VAR_DIR):
        places[str(path)] = path.read_bytes()
    assert stored_files(media) == 3  # every upload was stored
    found = [
        (where, needle[:8].hex())
        for where, data in places.items()
        for needle in secrets + uploads
        if needle in data
    ]
    assert found == []
    # Sessions are stored encoded, not encrypted: what they hold is looked at decoded.
    for session in Session.objects.all():
        decoded = json.dumps(session.get_decoded(), ensure_ascii=False)
        assert not any(n.decode() in decoded for n in secrets)
    assert not any(n.decode() in caplog.text for n in secrets)
