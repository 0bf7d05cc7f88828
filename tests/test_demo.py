import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from onestop.accounts.models import StaffUser
from onestop.audit.verify import audit_verify
from onestop.demo.data import DEMO_ACCOUNTS, DEMO_PASSWORD
from onestop.notices.models import Notice
from onestop.people.models import Certificate, DibaoCategory, Person

pytestmark = pytest.mark.django_db


def test_demo_data_loads_idempotently_and_prints_the_accounts(capsys):
    call_command("load_demo")
    first = capsys.readouterr().out
    counts = (StaffUser.objects.count(), Person.objects.count(), Certificate.objects.count())
    call_command("load_demo")
    assert (
        StaffUser.objects.count(),
        Person.objects.count(),
        Certificate.objects.count(),
    ) == counts
    assert counts[0] == len(DEMO_ACCOUNTS) and counts[1] == 51  # 50, and one due for 换证
    renewal = Person.objects.get(name="乌云其其格")
    assert f"换证演示：用手机号 {renewal.phone} 登录" in first
    assert Notice.objects.filter(person=renewal, event="cert_expiry_90", channel="inbox").exists()
    assert all(a.username in first for a in DEMO_ACCOUNTS) and DEMO_PASSWORD in first
    assert Person.objects.filter(hukou_region__code__startswith="150702").count() >= 10
    assert Person.objects.exclude(dibao_category=DibaoCategory.NONE).exists()
    assert {c.level for c in Certificate.objects.all()} == {1, 2, 3, 4}
    assert audit_verify().ok


def test_demo_persons_are_dated_from_today_in_beijing(awkward_moment):
    from onestop.demo.data import load_demo_persons

    assert load_demo_persons(count=6) == 6
    today = awkward_moment.date()
    issued = list(Certificate.objects.values_list("issue_date", flat=True))
    assert issued and all(today - timedelta(days=3000) <= d <= today for d in issued)
    assert all(p.birth_date < today for p in Person.objects.all())


def test_demo_cases_fill_the_queues_documents_and_reports(capsys):
    from onestop.cases.models import Application, Matter
    from onestop.reports.models import ApplicationDay, StepDay

    call_command("load_demo")
    apps = Application.objects.count()
    assert apps >= 4 and f"{apps} 份申请" in capsys.readouterr().out
    assert Matter.objects.filter(status__in=["approved", "rejected"]).exists()
    assert Matter.objects.filter(status="in_progress").exists()  # something in the queues
    assert ApplicationDay.objects.exists() and StepDay.objects.exists()
    call_command("load_demo")
    assert Application.objects.count() == apps


def test_each_demo_account_signs_in_and_sees_its_name_and_unit(client):
    call_command("load_demo", stdout=io.StringIO())
    for account in DEMO_ACCOUNTS:
        response = client.post(
            "/accounts/login/",
            {"username": account.username, "password": DEMO_PASSWORD},
            follow=True,
        )
        page = response.content.decode()
        assert account.display_name in page, account.username
        assert StaffUser.objects.get(username=account.username).org_unit.name in page
        client.post("/accounts/logout/")
