"""Looking is not changing: no portal page writes when it is opened; what does change the
applicant's data (drafts, their files, read marks) goes through the portal's services."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onestop.accounts.roles import Role
from onestop.audit.models import AuditAction, AuditEvent
from onestop.notices.models import Notice
from onestop.policy.matters import Matter as MatterType
from onestop.portal import guides
from onestop.portal.models import DraftFile

from . import factories
from .test_portal import GUARDIAN_PHONE, PNG, sign_in, ward  # noqa: F401 (ward: a fixture)

pytestmark = pytest.mark.django_db
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.I)


def writes(queries) -> list[str]:
    """The statements that changed a table other than the session's (which carries one-off
    messages and is the visitor's own state, not the platform's data)."""
    return [q["sql"] for q in queries if WRITE.match(q["sql"]) and "django_session" not in q["sql"]]


@pytest.fixture
def busy_guardian(client, ward):  # noqa: F811
    """Signed in, with an accepted application (so unread notices), and a draft with a file."""
    clerk = factories.staff("r_clerk", Role.WINDOW_CLERK, "cdpf-150702")
    app = factories.application_accepted(clerk, ward, matters=("PENSION",), online=True)
    sign_in(client)
    client.post(f"/portal/apply/{ward.pk}/matters/", {"matters": ["LIVING", "NURSING"]})
    client.post(
        f"/portal/apply/{ward.pk}/details/",
        {"living_reason": "家里困难", "file_photo": SimpleUploadedFile("照片.png", PNG)},
    )
    client.get("/portal/me/")  # the one-off messages are shown once, before anything is counted
    return client, app


def test_opening_any_portal_page_writes_nothing(busy_guardian, ward):  # noqa: F811
    client, app = busy_guardian
    assert Notice.objects.filter(channel="inbox", read_at=None).exists()
    pages = [
        "/portal/",
        "/portal/check/",
        f"/portal/guide/{guides.slug(MatterType.LIVING)}/",
        "/portal/accessibility/",
        "/portal/hotlines/",
        "/portal/sign-in/",
        "/portal/me/",
        "/portal/inbox/",
        f"/portal/apply/{ward.pk}/",
        f"/portal/apply/{ward.pk}/?renew=1",
        *(f"/portal/apply/{ward.pk}/{s}/" for s in ("matters", "details", "delivery", "confirm")),
        f"/portal/applications/{app.pk}/",
        f"/portal/applications/{app.pk}/withdraw/",
        "/portal/lookup/",
        "/portal/lookup/code/",
    ]
    visitor = Client()
    session = visitor.session
    session["lookup_application"] = app.pk
    session["lookup_tracking"] = app.tracking_no
    session.save()
    for url in pages:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200, url
        assert writes(ctx.captured_queries) == [], url
    with CaptureQueriesContext(connection) as ctx:
        assert app.tracking_no in visitor.get("/portal/lookup/status/").content.decode()
    assert writes(ctx.captured_queries) == []
    assert Notice.objects.filter(channel="inbox", read_at=None).exists()


def test_removing_a_draft_file_deletes_it_and_leaves_an_audit_event(busy_guardian, ward):  # noqa: F811
    client, _ = busy_guardian
    item = DraftFile.objects.get()
    stored = item.file.name
    storage = item.file.storage
    assert storage.exists(stored)
    response = client.post(f"/portal/apply/{ward.pk}/files/{item.pk}/remove/", follow=True)
    assert "已删除“照片.png”" in response.content.decode()
    assert not DraftFile.objects.exists() and not storage.exists(stored)
    event = AuditEvent.objects.get(action=AuditAction.DRAFT_FILE_REMOVE)
    assert event.subject_id == str(ward.pk) and event.detail["code"] == "photo"
    assert GUARDIAN_PHONE not in str(event.detail)


def test_another_numbers_draft_file_cannot_be_removed(busy_guardian, ward):  # noqa: F811
    _, _ = busy_guardian
    item = DraftFile.objects.get()
    stranger = Client()
    factories.person("150702001", name="陌生人", phone="13904799999")
    sign_in(stranger, phone="13904799999")
    assert stranger.post(f"/portal/apply/{ward.pk}/files/{item.pk}/remove/").status_code == 404
    assert DraftFile.objects.filter(pk=item.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.DRAFT_FILE_REMOVE).exists()
