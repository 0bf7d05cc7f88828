"""Accepting an application or refusing it at the window, and its withdrawal."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from onestop.cases.acceptance import application_accept, application_refuse, application_withdraw
from onestop.cases.chains import Outcome
from onestop.cases.errors import CaseError
from onestop.cases.models import Application, Step
from onestop.regions.models import OrgUnit

from .helpers import at, decide, submit

pytestmark = pytest.mark.django_db


def test_refusal_of_acceptance(staff, applicant):
    app = submit(staff, applicant, accept=False)
    with pytest.raises(ValidationError):
        application_refuse(actor=staff["clerk"], application=app, reason=" ")
    app = application_refuse(actor=staff["clerk"], application=app, reason="不属于本窗口受理范围")
    assert app.status == Application.Status.REFUSED
    assert set(app.matters.values_list("status", flat=True)) == {"withdrawn"}
    with pytest.raises(CaseError):
        application_accept(actor=staff["clerk"], application=app)


def test_withdrawal_only_before_a_decision(staff, applicant):
    app = submit(staff, applicant, matters=["MEDICAL", "CERT"])
    decide(
        staff["cdpf"],
        app,
        "CERT",
        date(2026, 10, 9),
        Outcome.TRANSFER,
        reason="转本旗另一残联",
        transfer_to=OrgUnit.objects.get(code="cdpf-150781"),
    )
    with at(date(2026, 10, 10)):
        withdrawn = application_withdraw(actor=None, application=app, reason="不需要了")
    assert withdrawn.status == Application.Status.WITHDRAWN
    assert not Step.objects.filter(matter__application=app, status=Step.Status.ACTIVE).exists()

    other = submit(staff, applicant, matters=["MEDICAL"])
    decide(staff["medical"], other, "MEDICAL", date(2026, 10, 9))
    with pytest.raises(CaseError, match="已有事项作出了决定"):
        application_withdraw(actor=None, application=other)
