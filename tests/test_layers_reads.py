"""Screens read through selectors: no module of a screen builds a queryset of its own.

Issue 14: "no staff-visible queryset built in a view". The check is syntactic: a call of one of
the queryset-building methods, or any ``.objects`` manager, in a screen module fails it, unless
the module is a services or selectors module, or is listed below with its reason. Below it, the
selectors the screens read through return nothing outside the caller's scope.
"""

import ast
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from onestop.accounts.roles import Role
from onestop.cases.selectors import (
    application_submitted_with,
    applications_detailed,
    matter_active_step,
    matter_visible_to,
    transfer_targets,
)
from onestop.delivery.models import Handover
from onestop.delivery.selectors import handovers_of
from onestop.documents.models import DocumentKind
from onestop.documents.selectors import issued_document, issued_document_superseded
from onestop.documents.services import document_issue
from onestop.people.selectors import guardian_of, persons_listed
from onestop.people.services import guardian_add
from onestop.regions.models import Level, Region
from onestop.regions.selectors import EVERYWHERE, regions_under

from . import factories

ROOT = Path(__file__).resolve().parent.parent / "onestop"
SCREENS = [
    ROOT / "workbench",
    ROOT / "portal",
    ROOT / "documents" / "views.py",
    ROOT / "reports" / "views.py",
]
NOT_SCREENS = {"services.py", "selectors.py"}  # writes and reads, not views
BUILDERS = {"filter", "exclude", "select_related", "prefetch_related", "annotate", "order_by"}
# (path under onestop/, reason): modules that may build a queryset because what they build is
# not something staff or applicants see. Empty today; an entry needs a reason a reviewer accepts.
ALLOWED: dict[str, str] = {}


def screen_modules() -> list[Path]:
    files: list[Path] = []
    for place in SCREENS:
        files.extend(sorted(place.rglob("*.py")) if place.is_dir() else [place])
    return [f for f in files if f.name not in NOT_SCREENS and "migrations" not in f.parts]


def queryset_building(path: Path) -> list[str]:
    """Each ``.objects`` or builder call in the module, as "line: what"."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            found.append(f"{node.lineno}: .objects")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in BUILDERS
        ):
            found.append(f"{node.lineno}: .{node.func.attr}(")
    return sorted(found, key=lambda f: int(f.split(":")[0]))


def test_the_check_sees_the_screens():
    names = {str(f.relative_to(ROOT)) for f in screen_modules()}
    assert {"workbench/urls.py", "portal/forms.py", "documents/views.py"} <= names
    assert "portal/services.py" not in names and "portal/selectors.py" not in names


def test_screens_build_no_querysets():
    offences = {}
    for path in screen_modules():
        name = str(path.relative_to(ROOT))
        if name in ALLOWED:
            continue
        if found := queryset_building(path):
            offences[name] = found
    assert not offences, f"build these in a selector of the owning app: {offences}"


def test_every_allowance_is_still_needed():
    for name in ALLOWED:
        assert queryset_building(ROOT / name), f"{name} builds no queryset: drop its allowance"


# --- the selectors the screens read through keep to the caller's scope -------------------------
@pytest.fixture
def hailar_case(db):
    """A 海拉尔 pension application, accepted, and the staff who may or may not see it."""
    staff = {
        key: factories.staff(f"s_{key}", role, unit)
        for key, (role, unit) in {
            "clerk": (Role.WINDOW_CLERK, "cdpf-150702"),
            "hrss": (Role.HRSS_OFFICER, "hrss-150702"),
            "medical": (Role.MEDICAL_OFFICER, "medical-150702"),
            "mzl_clerk": (Role.WINDOW_CLERK, "cdpf-150781"),
        }.items()
    }
    app = factories.application_accepted(staff["clerk"], factories.holder("150702001"))
    return app, staff


def test_regions_under_a_scope_stay_inside_it(db):
    hailar = Region.objects.get(code="150702")
    townships = list(regions_under(hailar, Level.TOWNSHIP))
    assert townships and all(hailar.contains(r) and r.level == Level.TOWNSHIP for r in townships)
    assert not regions_under(None, Level.TOWNSHIP).exists()
    everywhere = regions_under(EVERYWHERE, Level.COUNTY)
    assert everywhere.filter(code="150781").exists()
    assert not regions_under(hailar, Level.COUNTY).exclude(code="150702").exists()


def test_case_selectors_show_nothing_outside_the_callers_scope(hailar_case):
    app, staff = hailar_case
    matter = app.matters.get()
    assert applications_detailed(staff["clerk"]).filter(pk=app.pk).exists()
    assert matter_visible_to(staff["clerk"], matter.pk) == matter
    assert matter_visible_to(staff["hrss"], matter.pk) == matter
    # Another county's window, and an officer of a unit the matter never reaches, see nothing.
    assert not applications_detailed(staff["mzl_clerk"]).filter(pk=app.pk).exists()
    assert matter_visible_to(staff["mzl_clerk"], matter.pk) is None
    assert matter_visible_to(staff["medical"], matter.pk) is None
    assert matter_visible_to(AnonymousUser(), matter.pk) is None
    app.idempotency_key = "form-test"
    app.save(update_fields=["idempotency_key"])
    assert application_submitted_with(staff["clerk"], "form-test") == app
    assert application_submitted_with(staff["mzl_clerk"], "form-test") is None


def test_transfer_targets_are_the_same_departments_other_units_beside_the_step(hailar_case):
    app, _ = hailar_case
    step = matter_active_step(app.matters.get())
    assert step is not None
    targets = list(transfer_targets(step))
    assert targets and step.unit not in targets
    assert {u.department for u in targets} == {step.unit.department}
    assert {u.region.parent_id for u in targets} == {step.unit.region.parent_id}


def test_people_selectors_show_nothing_outside_the_callers_scope(hailar_case):
    app, staff = hailar_case
    person = app.applicant
    assert persons_listed(staff["clerk"]).filter(pk=person.pk).exists()
    assert not persons_listed(staff["mzl_clerk"]).filter(pk=person.pk).exists()
    other = factories.person("150702001", name="王五")
    guardian = guardian_add(
        actor=None,
        person=other,
        kind="agent",
        name="李强",
        id_number=factories.id_number(birth=date(1985, 1, 1)),
        relation="儿子",
        phone="13900000000",
    )
    assert guardian_of(other, guardian.pk) == guardian
    assert guardian_of(person, guardian.pk) is None  # someone else's agent is not this person's


def test_an_issued_document_is_found_by_its_own_code_only(hailar_case):
    app, staff = hailar_case
    receipt = document_issue(actor=staff["clerk"], kind=DocumentKind.RECEIPT, application=app)
    assert issued_document(receipt.code) == receipt
    assert issued_document("0000000000") is None
    assert not issued_document_superseded(receipt)


def test_an_applications_handovers_are_its_own(hailar_case):
    app, staff = hailar_case
    officers = {Role.HRSS_OFFICER: staff["hrss"]}
    done = factories.application_concluded(staff["clerk"], officers, factories.holder("150702001"))
    assert handovers_of(done).exists()
    assert set(handovers_of(done)) == set(Handover.objects.filter(application=done))
    assert not handovers_of(app).exists()  # still in progress: nothing to hand over yet
