"""The certificate matter's consequences for the matters that wait for it."""

from datetime import date

import pytest

from onestop.cases.chains import Outcome
from onestop.cases.models import Application, Matter

from .helpers import decide, matter, submit

pytestmark = pytest.mark.django_db


def test_a_refused_certificate_ends_the_matters_waiting_for_it(staff, applicant):
    app = submit(staff, applicant, matters=["CERT", "NURSING"])
    decide(
        staff["cdpf"], app, "CERT", date(2026, 10, 9), Outcome.REJECT, reason="评定未达到残疾标准"
    )
    assert matter(app, "NURSING").status == Matter.Status.REJECTED
    app.refresh_from_db()
    assert app.status == Application.Status.CONCLUDED
