"""The whole journey of one application for all five matters, from the window to one delivery."""

import re
from datetime import date

import pytest

from onestop.audit.models import AuditAction, AuditEvent
from onestop.audit.verify import audit_verify
from onestop.cases.models import Application, Matter, Step
from onestop.cases.timeline import timeline
from onestop.delivery.models import Handover
from onestop.delivery.services import DeliveryRefused, handover_pickup
from onestop.notices.models import Notice
from onestop.people.models import Certificate

from .helpers import active, decide, matter, submit

pytestmark = pytest.mark.django_db


def test_window_application_for_all_five_matters_runs_to_one_delivery(staff, applicant):
    app = submit(staff, applicant)
    assert app.status == Application.Status.IN_PROGRESS and app.trips == 1
    # Accepted on Wednesday 30 September 2026, the eve of the National Day holiday (1-7 October).
    assert matter(app, "LIVING").status == Matter.Status.WAITING_CERT
    assert matter(app, "LIVING").due_date == date(2026, 10, 13)
    assert active(app, "CERT").due_date == date(2026, 10, 9)
    assert active(app, "MEDICAL").due_date == date(2026, 10, 13)
    assert not Step.objects.filter(
        matter__application=app, matter__kind__in=["LIVING", "NURSING", "PENSION"]
    ).exists()
    assert matter(app, "MEDICAL").prescreen["amount"] == "2100.00"  # 3000 x 70 % (低保)

    decide(staff["cdpf"], app, "CERT", date(2026, 10, 9))
    decide(staff["cdpf"], app, "CERT", date(2026, 10, 20), category=4, level=1)
    decide(staff["cdpf"], app, "CERT", date(2026, 10, 22))
    decide(staff["medical"], app, "MEDICAL", date(2026, 10, 9))  # keeps the calculated amount
    decide(staff["medical"], app, "MEDICAL", date(2026, 10, 12))
    decide(staff["medical"], app, "MEDICAL", date(2026, 10, 13))
    assert matter(app, "MEDICAL").status == Matter.Status.APPROVED
    assert matter(app, "MEDICAL").result["amount"] == "2100.00"

    decide(staff["cdpf"], app, "CERT", date(2026, 10, 23))  # 发证
    cert = Certificate.objects.get(person=applicant)
    assert (cert.category, cert.level, cert.valid_until) == (4, 1, date(2036, 10, 23))
    # The waiting matters resumed by themselves; their clock was stopped for the 13 working days
    # after 30 September up to 23 October (8, 9, 10 (make-up Saturday), 12-16, 19-23 October).
    living = matter(app, "LIVING")
    assert living.status == Matter.Status.IN_PROGRESS and living.paused_days == 13
    assert living.due_date == date(2026, 10, 30)
    assert living.prescreen["outcome_label"] == "符合"
    assert active(app, "LIVING").unit.name == "正阳街道民政办"
    assert active(app, "LIVING").due_date == date(2026, 10, 27)
    assert app.status == Application.Status.IN_PROGRESS

    for kind in ("LIVING", "NURSING"):
        decide(staff["township"], app, kind, date(2026, 10, 26))
        assert active(app, kind).unit.name == "海拉尔区残疾人联合会"
        decide(staff["cdpf"], app, kind, date(2026, 10, 27))
        assert active(app, kind).unit.name == "海拉尔区民政局"
        decide(staff["county"], app, kind, date(2026, 10, 28))
    decide(staff["hrss"], app, "PENSION", date(2026, 10, 26))
    # Results decided earlier (the certificate, medical aid) wait for the others.
    assert not Handover.objects.filter(application=app).exists()
    decide(staff["hrss"], app, "PENSION", date(2026, 10, 27))

    app.refresh_from_db()
    assert app.status == Application.Status.CONCLUDED
    assert {m.status for m in app.matters.all()} == {Matter.Status.APPROVED}
    assert matter(app, "LIVING").result["amount"] == "100.00"
    (handover,) = Handover.objects.filter(application=app)
    assert handover.matters.count() == 5 and handover.method == "pickup"
    ready = Notice.objects.get(application=app, event="ready", channel="inbox").text
    code = re.search(r"取件码 (\d{6})", ready).group(1)
    with pytest.raises(DeliveryRefused, match="取件码不对"):
        handover_pickup(
            actor=staff["clerk"], handover=handover, code="000000" if code != "000000" else "111111"
        )
    handover_pickup(actor=staff["clerk"], handover=handover, code=code)
    handover_pickup(
        actor=staff["clerk"], handover=handover, code=code
    )  # a retry hands over nothing more
    app.refresh_from_db()
    assert app.status == Application.Status.DELIVERED and app.trips == 2  # intake and pick-up
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.APPLICATION_DELIVER, subject_id=str(app.pk)
        ).count()
        == 1
    )
    assert audit_verify().ok

    texts = [e.text for e in timeline(app)]
    assert texts[0].startswith("提交申请：残疾人证新办、困难残疾人生活补贴")
    assert "受理，全部事项办结期限 2026-12-01" in texts  # CERT: 40 working days
    assert any("残疾人证已核发，自动继续办理" in t for t in texts)
    assert "办理结果已一次送达（窗口领取）" in texts
    township_entry = next(e for e in timeline(app) if "苏木乡镇（街道）民政审核：通过" in e.text)
    assert township_entry.who == "正阳街道民政办 township员"


def test_application_due_date_is_the_latest_of_its_matters(staff, applicant):
    app = submit(staff, applicant, matters=["MEDICAL", "PENSION"])
    dues = [m.due_date for m in app.matters.all()]
    assert app.due_date == max(dues) == date(2026, 10, 20)  # MEDICAL: 10 working days
