"""Every page carries the Content-Security-Policy, and no page needs what it forbids: no inline
script, no inline event handler, no inline style."""

import re
from datetime import date
from pathlib import Path

import pytest

from onestop.accounts.roles import Role
from onestop.cases.acceptance import application_accept
from onestop.cases.intake import application_submit

from . import factories
from .test_workbench import as_user

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parent.parent / "onestop" / "templates"

# An executable <script> without src (a JSON data block is not executed, so it is allowed).
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.DOTALL)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.DOTALL)


def assert_clean(response, url):
    assert response.status_code == 200, url
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'", url
    assert directives["style-src"] == "'self'", url
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), (url, INLINE_SCRIPT.search(html))
    assert not HANDLER.search(html), (url, HANDLER.search(html))
    assert not STYLE_ATTRIBUTE.search(html), (url, STYLE_ATTRIBUTE.search(html))


@pytest.fixture
def case(db):
    clerk = factories.staff("c_clerk", Role.WINDOW_CLERK, "cdpf-150702")
    person = factories.certified_person(birth=date(1970, 1, 1), dibao_category="urban")
    app = application_submit(
        actor=clerk,
        channel="window",
        applicant=person,
        matters=["LIVING", "PENSION"],
        delivery="pickup",
        consent_given=True,
        sensitive_consent_given=True,
    )
    return clerk, person, application_accept(actor=clerk, application=app)


def test_public_pages(client):
    for url in (
        "/portal/",
        "/portal/check/",
        "/portal/sign-in/",
        "/portal/lookup/",
        "/accounts/login/",
        "/v/",
        "/api/v1/docs",
    ):
        assert_clean(client.get(url), url)


def test_staff_pages(client, case):
    clerk, person, app = case
    matter = app.matters.get(kind="LIVING")
    as_user(client, clerk)
    for url in (
        "/workbench/",
        "/workbench/intake/",
        f"/workbench/intake/{person.pk}/",
        "/workbench/window/",
        f"/workbench/applications/{app.pk}/",
        f"/workbench/applications/{app.pk}/receipt/",
        f"/workbench/matters/{matter.pk}/",
        "/workbench/persons/",
    ):
        assert_clean(client.get(url), url)
    as_user(client, factories.staff("c_super", Role.SUPERVISOR, "gov-150700"))
    for url in ("/workbench/supervise/", "/reports/"):
        assert_clean(client.get(url), url)


def test_admin_pages(client, case):
    as_user(client, factories.staff("c_admin", Role.ADMIN, "gov-150700"))
    for url in (
        "/admin/",
        "/admin/accounts/staffuser/",
        "/admin/cases/chainversion/add/",
        "/admin/policy/holidaynotice/",
    ):
        assert_clean(client.get(url), url)


def test_no_template_has_inline_script_handlers_or_styles():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for pattern in (INLINE_SCRIPT, HANDLER, STYLE_ATTRIBUTE):
            assert not pattern.search(text), (template, pattern.search(text))
