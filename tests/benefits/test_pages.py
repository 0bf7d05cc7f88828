"""The payment pages: an officer prepares the roll, another approves and releases it, the file
downloads and verifies, the agent's results come back, and nobody outside sees the roll."""

import hashlib
import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from onestop.benefits.entitlements import entitlements_end
from onestop.benefits.models import EndReason, PayeeAccount, PaymentLine, PaymentRun, Recovery
from onestop.benefits.prepare import run_prepare
from onestop.benefits.reviews import review_open
from onestop.benefits.runs import run_approve, run_release
from onestop.benefits.selectors import payments_of
from onestop.benefits.services import returns_import
from onestop.core.actions import ActionRefused
from onestop.exchange.services import api_key_create
from onestop.people.models import Person
from onestop.regions.models import OrgUnit

from .. import factories
from ..cases.helpers import at, decide, submit
from ..test_portal import last_code, sign_in
from .conftest import approved_living


def _signed_in(client, user):
    client.force_login(user)
    return client


def test_a_roll_from_preparing_to_the_agents_results_through_the_pages(client, staff, hailar):
    approved_living(staff, applied=date(2026, 1, 15), approved=date(2026, 3, 10))
    with at(date(2026, 4, 5)):
        officer = _signed_in(client, staff["county"])
        page = officer.get("/workbench/payments/")
        assert "生成发放名册" in page.content.decode()
        made = officer.post(
            "/workbench/payments/new/", {"county": "150702", "kind": "LIVING", "month": "2026-04"}
        )
        run = PaymentRun.objects.get()
        assert made.url == f"/workbench/payments/{run.pk}/"
        own = officer.get(made.url).content.decode()
        assert "须由生成人以外的工作人员审核" in own and "400.00" in own and "补发" in own

        head = _signed_in(client, staff["head"])
        unticked = head.post(f"/workbench/payments/{run.pk}/approve/", {}, follow=True)
        assert "请先勾选“我已核对名册的人数和金额”" in unticked.content.decode()
        head.post(f"/workbench/payments/{run.pk}/approve/", {"confirm": "on"})
        head.post(
            f"/workbench/payments/{run.pk}/release/",
            {"agent": "yikatong", "fmt": "csv", "confirm": "on"},
        )
        run.refresh_from_db()
        assert run.status == "released"
        download = head.get(f"/workbench/payments/{run.pk}/file/")
        data = b"".join(download.streaming_content)
        assert hashlib.new("sm3", data).hexdigest() == run.digest
        assert download["Content-Disposition"].startswith("attachment")
        assert download["Content-Length"] == str(len(data))

        line = run.lines.get(month=date(2026, 2, 1))
        results = f"流水号,结果,原因\n{line.pk},失败,户名不符\n".encode()
        bad = head.post(
            "/workbench/payments/returns/",
            {"file": SimpleUploadedFile("r.csv", b"id,ok\n1,2\n", content_type="text/csv")},
        )
        assert bad.status_code == 400 and "文件有误，未导入任何结果" in bad.content.decode()
        done = head.post(
            "/workbench/payments/returns/",
            {"file": SimpleUploadedFile("r.csv", results, content_type="text/csv")},
        )
        body = done.content.decode()
        assert "退回 1 笔" in body and "户名不符" in body
    assert PaymentLine.objects.get(pk=line.pk).status == "returned"


def test_another_countys_officer_and_the_window_do_not_see_the_roll(client, staff, hailar):
    approved_living(staff, applied=date(2026, 4, 2), approved=date(2026, 4, 20))
    with at(date(2026, 4, 25)):
        _signed_in(client, staff["county"]).post(
            "/workbench/payments/new/", {"county": "150702", "kind": "LIVING", "month": "2026-04"}
        )
        run = PaymentRun.objects.get()
        for who in ("mzl", "clerk", "medical"):
            other = _signed_in(client, staff[who])
            assert other.get(f"/workbench/payments/{run.pk}/").status_code == 404
            assert other.get(f"/workbench/payments/{run.pk}/file/").status_code == 404
            assert "共 0 份名册" in other.get("/workbench/payments/").content.decode()
        refused = _signed_in(client, staff["mzl"]).post(
            "/workbench/payments/new/", {"county": "150702", "kind": "LIVING", "month": "2026-05"}
        )
        assert refused.status_code == 400  # 海拉尔区 is not among 满洲里's choices
    assert PaymentRun.objects.count() == 1


def test_the_applicant_sees_what_they_receive_and_each_payment(client, staff, hailar):
    entitlement = approved_living(
        staff, applied=date(2026, 1, 15), approved=date(2026, 3, 10), phone="13900001111"
    )
    with at(date(2026, 4, 5)):
        run = run_prepare(
            actor=staff["county"], county=hailar, kind="LIVING", month=date(2026, 4, 1)
        ).run
        run = run_release(actor=staff["head"], run=run_approve(actor=staff["head"], run=run))
        line = run.lines.get(month=date(2026, 1, 1))
        returns_import(actor=None, data=f"流水号,结果,原因\n{line.pk},失败,户名不符\n".encode())
        page = sign_in(client, "13900001111").get("/portal/benefits/").content.decode()
        client.post("/language/", {"language": "mn-mong", "next": "/portal/benefits/"})
        mongolian = client.get("/portal/benefits/").content.decode()
    assert "从 2026年1月 起享受，每月 100.00 元" in page
    assert page.count("已发（4月5日）") == 3 and "（补发）：100.00 元，退回（户名不符）" in page
    assert entitlement.person.name in page
    # The same record for a reader of Mongolian: the platform's words all Mongolian.
    main = mongolian.split('<main id="main"')[1].split("</main>")[0]
    words = re.findall(r"[\u4e00-\u9fff]+", main.replace(entitlement.person.name, ""))
    assert '<html lang="mn-Mong">' in mongolian and words == ["户名不符"]  # the bank's reason


def test_the_status_look_up_shows_the_payments_and_follows_each_change(client, staff, hailar):
    entitlement = approved_living(
        staff, applied=date(2026, 1, 15), approved=date(2026, 3, 10), phone="13900001112"
    )
    person, app = entitlement.person, entitlement.matter.application
    with at(date(2026, 4, 5)):
        run = run_prepare(
            actor=staff["county"], county=hailar, kind="LIVING", month=date(2026, 4, 1)
        ).run
        client.get("/portal/")  # the browser has its CSRF cookie, so the page is kept
        client.post(
            "/portal/lookup/", {"tracking_no": app.tracking_no, "id_last6": person.id_number[-6:]}
        )
        client.post("/portal/lookup/code/", {"code": last_code("13900001112")})
        page = client.get("/portal/lookup/status/").content.decode()
        assert app.tracking_no in page and "补贴和发放记录" in page
        assert "从 2026年1月 起享受，每月 100.00 元" in page
        assert page.count("待发（4月名册审核中）") == 4

        # Changes to the payments alone (the application's own record is unchanged) show.
        run = run_release(actor=staff["head"], run=run_approve(actor=staff["head"], run=run))
        page = client.get("/portal/lookup/status/").content.decode()
        assert page.count("已发（4月5日）") == 4 and "待发" not in page
        line = run.lines.get(month=date(2026, 2, 1))
        returns_import(actor=None, data=f"流水号,结果,原因\n{line.pk},失败,户名不符\n".encode())
        page = client.get("/portal/lookup/status/").content.decode()
        assert "（补发）：100.00 元，退回（户名不符）" in page

    with at(date(2026, 11, 2)):
        assert "定期复核正在进行" not in client.get("/portal/lookup/status/").content.decode()
        review_open(actor=staff["county"], county=hailar, year=2026)
        page = client.get("/portal/lookup/status/").content.decode()
    assert "2026 年的定期复核正在进行" in page and "2026年11月23日 前与您核实情况" in page
    # A look-up by tracking number: no ID number, no account, not even masked.
    assert person.id_number not in page and person.id_number[-6:] not in page
    assert "6228480000000000017" not in page and "****0017" not in page


def test_the_applicants_payments_are_read_in_four_queries_however_many_they_receive(
    staff, hailar, django_assert_max_num_queries
):
    """Persons, entitlements, each entitlement's newest lines (windowed) and pending reviews."""
    people = []
    for name in ("巴图", "乌兰", "斯琴"):
        person = factories.certified_person(dibao_category="urban", name=name)
        app = submit(staff, person, matters=["LIVING", "NURSING"], day=date(2026, 1, 15))
        for kind in ("LIVING", "NURSING"):
            for officer in ("township", "cdpf", "county"):
                decide(staff[officer], app, kind, date(2026, 1, 20))
        people.append(person)
    for month in (2, 3, 4):
        with at(date(2026, month, 5)):
            for kind in ("LIVING", "NURSING"):
                run_prepare(
                    actor=staff["county"], county=hailar, kind=kind, month=date(2026, month, 1)
                )
    with at(date(2026, 11, 2)):
        review_open(actor=staff["county"], county=hailar, year=2026)
    persons = Person.objects.filter(pk__in=[p.pk for p in people])
    with django_assert_max_num_queries(4):
        found = payments_of(persons, recent=2)
    assert [p.person.name for p in found] == ["巴图", "乌兰", "斯琴"]
    for payments in found:
        assert [e.kind for e, _ in payments.rows] == ["LIVING", "NURSING"]
        for _, lines in payments.rows:
            # Four months owed (January's arrears included), the newest two shown.
            assert [(line.month.month, line.run.month.month) for line in lines] == [(4, 4), (3, 3)]
        assert payments.review is not None and payments.review.round.year == 2026


def test_a_department_system_reads_the_roll_and_posts_the_agents_results(client, staff, hailar):
    approved_living(staff, applied=date(2026, 2, 3), approved=date(2026, 3, 10))
    _, key = api_key_create(
        actor=None,
        unit=OrgUnit.objects.get(code="civil-150702"),
        role="county_civil",
        name="民政资金系统",
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    with at(date(2026, 4, 5)):
        run = run_prepare(
            actor=staff["county"], county=hailar, kind="LIVING", month=date(2026, 4, 1)
        ).run
        run_release(actor=staff["head"], run=run_approve(actor=staff["head"], run=run))
        runs = client.get("/api/v1/payments/runs", **auth).json()
        assert [(r["month"], r["line_count"], r["total"]) for r in runs["items"]] == [
            ("2026-04", 3, "300.00")
        ]
        lines = client.get(f"/api/v1/payments/runs/{run.pk}/lines?limit=2", **auth).json()
        rest = client.get(
            f"/api/v1/payments/runs/{run.pk}/lines?after={lines['next_after']}", **auth
        ).json()
        items = lines["items"] + rest["items"]
        assert sorted(i["month"] for i in items) == ["2026-02", "2026-03", "2026-04"]
        assert all("*" in i["id_number"] for i in items)
        body = {"results": [{"line": items[0]["id"], "paid": False, "reason": "户名不符"}]}
        post = {"content_type": "application/json", "HTTP_IDEMPOTENCY_KEY": "r-1", **auth}
        first = client.post("/api/v1/payments/results", body, **post)
        again = client.post("/api/v1/payments/results", body, **post)
        assert first.json() == again.json() == {"paid": 0, "returned": 1, "unchanged": 0}
        unknown = client.post(
            "/api/v1/payments/results",
            {"results": [{"line": 999999, "paid": True}]},
            **{**post, "HTTP_IDEMPOTENCY_KEY": "r-2"},
        )
        assert unknown.status_code == 404 and "不是已发放名册中的明细" in unknown.json()["detail"]
    assert PaymentLine.objects.get(pk=items[0]["id"]).return_reason == "户名不符"
    _, other = api_key_create(
        actor=None,
        unit=OrgUnit.objects.get(code="civil-150781"),
        role="county_civil",
        name="满洲里",
    )
    elsewhere = {"HTTP_AUTHORIZATION": f"Bearer {other}"}
    assert client.get("/api/v1/payments/runs", **elsewhere).json()["items"] == []
    assert client.get(f"/api/v1/payments/runs/{run.pk}/lines", **elsewhere).status_code == 404


def test_the_reports_count_the_payments_per_county_and_month(client, staff, hailar):
    approved_living(staff, applied=date(2026, 2, 3), approved=date(2026, 3, 10))
    with at(date(2026, 4, 5)):
        run = run_prepare(
            actor=staff["county"], county=hailar, kind="LIVING", month=date(2026, 4, 1)
        ).run
        run_release(actor=staff["head"], run=run_approve(actor=staff["head"], run=run))
    page = _signed_in(client, staff["head"]).get(
        "/reports/", {"date_from": "2026-04-01", "date_to": "2026-04-30"}
    )
    body = page.content.decode()
    assert "待遇发放：各旗县（市、区）按月已发放的名册" in body
    assert re.search(
        r"海拉尔区</t[hd]>\s*<td>2026-04</td>\s*<td>困难残疾人生活补贴</td>\s*<td[^>]*>3</td>\s*<td[^>]*>300.00</td>",
        body,
    )
    export = _signed_in(client, staff["head"]).get(
        "/reports/",
        {"date_from": "2026-04-01", "date_to": "2026-04-30", "export": "csv", "table": "payments"},
    )
    assert "海拉尔区,2026-04,困难残疾人生活补贴,3,300.00,0" in export.content.decode("utf-8-sig")


def test_a_recovery_is_followed_up_to_recovered_or_written_off(client, staff, hailar):
    entitlement = approved_living(staff, applied=date(2026, 4, 2), approved=date(2026, 4, 20))
    for month in (4, 5):
        with at(date(2026, month, 5)):
            run = run_prepare(
                actor=staff["county"], county=hailar, kind="LIVING", month=date(2026, month, 1)
            ).run
            run_release(actor=staff["head"], run=run_approve(actor=staff["head"], run=run))
    with at(date(2026, 5, 20)):
        entitlements_end(
            actor=None,
            person=entitlement.person,
            reason=EndReason.DECEASED,
            event_day=date(2026, 4, 10),
        )
    recovery = Recovery.objects.get()
    officer = _signed_in(client, staff["county"])
    page = officer.get("/workbench/payments/returns/").content.decode()
    assert "2026年5月困难残疾人生活补贴 100.00 元" in page
    url = f"/workbench/payments/recoveries/{recovery.pk}/resolve/"
    blank = officer.post(url, {f"recovery-{recovery.pk}-outcome": "waived"}, follow=True)
    assert "请选择处理结果，并写明追回方式或核销依据" in blank.content.decode()
    officer.post(
        url,
        {
            f"recovery-{recovery.pk}-outcome": "waived",
            f"recovery-{recovery.pk}-note": "海民发〔2026〕12号",
        },
    )
    recovery.refresh_from_db()
    assert (recovery.status, recovery.note) == ("waived", "海民发〔2026〕12号")
    assert _signed_in(client, staff["mzl"]).post(url, {}).status_code == 404
    assert "没有待追回款" in officer.get("/workbench/payments/returns/").content.decode()


def test_the_rolls_and_the_returns_export_to_excel(client, staff, hailar):
    approved_living(staff, applied=date(2026, 2, 3), approved=date(2026, 3, 10))
    with at(date(2026, 4, 5)):
        run = run_prepare(
            actor=staff["county"], county=hailar, kind="LIVING", month=date(2026, 4, 1)
        ).run
        run = run_release(actor=staff["head"], run=run_approve(actor=staff["head"], run=run))
        line = run.lines.order_by("month").first()
        returns_import(actor=None, data=f"流水号,结果,原因\n{line.pk},失败,户名不符\n".encode())
    officer = _signed_in(client, staff["county"])
    rolls = load_workbook(io.BytesIO(officer.get("/workbench/payments/?export=xlsx").content))
    assert list(rolls["发放名册"].iter_rows(values_only=True))[1][:5] == (
        "海拉尔区",
        "2026年4月",
        "困难残疾人生活补贴",
        3,
        300,
    )
    back = load_workbook(
        io.BytesIO(officer.get("/workbench/payments/returns/?export=xlsx").content)
    )
    assert list(back["退回待处理"].iter_rows(values_only=True))[1][:3] == (
        line.pk,
        line.person.name,
        "海拉尔区",
    )


def test_a_supervisor_sees_the_figures_not_the_rolls_and_the_api_only_released_rolls(
    client, staff, hailar
):
    approved_living(staff, applied=date(2026, 4, 2), approved=date(2026, 4, 20))
    supervisor = factories.staff("b_sup", "supervisor", "gov-150700")
    with at(date(2026, 4, 25)):
        run = run_prepare(
            actor=staff["county"], county=hailar, kind="LIVING", month=date(2026, 4, 1)
        ).run
    _, key = api_key_create(
        actor=None, unit=OrgUnit.objects.get(code="civil-150702"), role="county_civil", name="资金"
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get("/api/v1/payments/runs", **auth).json()["items"] == []
    assert client.get(f"/api/v1/payments/runs/{run.pk}/lines", **auth).status_code == 404
    looking = _signed_in(client, supervisor)
    assert looking.get(f"/workbench/payments/{run.pk}/").status_code == 404
    assert looking.get("/workbench/payments/returns/").status_code == 403
    assert "待遇发放" not in looking.get("/workbench/").content.decode()


def test_the_window_records_the_account_and_a_roll_without_one_is_not_released(
    client, staff, hailar
):
    entitlement = approved_living(staff, applied=date(2026, 4, 2), approved=date(2026, 4, 20))
    person = entitlement.person
    PayeeAccount.objects.filter(person=person).delete()  # as if it was never recorded
    with at(date(2026, 5, 5)):
        run = run_prepare(
            actor=staff["county"], county=hailar, kind="LIVING", month=date(2026, 5, 1)
        ).run
        run = run_approve(actor=staff["head"], run=run)
        with pytest.raises(ActionRefused, match="还没有登记收款账户"):
            run_release(actor=staff["head"], run=run)
    clerk = _signed_in(client, staff["clerk"])
    page = clerk.get(f"/workbench/persons/{person.pk}/").content.decode()
    assert "未登记收款账户" in page
    bad = clerk.post(
        f"/workbench/persons/{person.pk}/account/",
        {"bank": "农业银行", "holder": person.name, "number": "12ab"},
    )
    assert bad.status_code == 400 and "账号应为 10 到 30 位数字" in bad.content.decode()
    clerk.post(
        f"/workbench/persons/{person.pk}/account/",
        {"bank": "农业银行", "holder": person.name, "number": "6228 4800 0000 0000 017"},
    )
    page = clerk.get(f"/workbench/persons/{person.pk}/").content.decode()
    assert "****0017" in page and "6228480000000000017" not in page
    assert (
        _signed_in(client, staff["mzl"])
        .post(
            f"/workbench/persons/{person.pk}/account/",
            {"bank": "x", "holder": "x", "number": "1" * 16},
        )
        .status_code
        == 404
    )
    with at(date(2026, 5, 6)):
        assert run_release(actor=staff["head"], run=run).status == "released"


def test_the_payment_pages_read_in_mongolian(client, staff, hailar):
    """An officer reading Mongolian prepares, another approves and releases, a bad result file
    is refused with its reasons: every page and refusal in the catalog's words."""
    from django.conf import settings

    from onestop.accounts.models import StaffUser
    from onestop.lang import catalog
    from tests.test_lang import _chinese_left, _staff_known

    approved_living(staff, applied=date(2026, 1, 15), approved=date(2026, 3, 10), name="巴特尔")
    StaffUser.objects.filter(pk__in=[staff["county"].pk, staff["head"].pk]).update(
        language=catalog.MONGOLIAN
    )
    shipped = catalog.shipped()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = catalog.MONGOLIAN
    with at(date(2026, 4, 5)):
        officer = _signed_in(client, staff["county"])
        pages = {"payments": officer.get("/workbench/payments/").content.decode()}
        made = officer.post(
            "/workbench/payments/new/",
            {"county": "150702", "kind": "LIVING", "month": "2026-04"},
            follow=True,
        )
        pages["prepared"] = made.content.decode()
        assert shipped["发放名册已生成，请另一名工作人员审核。"].text in pages["prepared"]
        run = PaymentRun.objects.get()
        head = _signed_in(client, staff["head"])
        pages["unticked"] = head.post(
            f"/workbench/payments/{run.pk}/approve/", {}, follow=True
        ).content.decode()
        head.post(f"/workbench/payments/{run.pk}/approve/", {"confirm": "on"})
        pages["released"] = head.post(
            f"/workbench/payments/{run.pk}/release/",
            {"agent": "yikatong", "fmt": "csv", "confirm": "on"},
            follow=True,
        ).content.decode()
        bad = head.post(
            "/workbench/payments/returns/",
            {"file": SimpleUploadedFile("r.csv", b"id,ok\n1,2\n", content_type="text/csv")},
        )
        pages["returns"] = bad.content.decode()
    assert shipped["文件有误，未导入任何结果"].text in pages["returns"]
    assert shipped["{y}年{m}月"].text.format(y=2026, m=4) in pages["released"]
    agent = settings.BENEFITS_AGENTS["yikatong"]["name"]
    known = _staff_known("巴特尔", "county员", "head员", agent, "流水号", "结果", "原因")
    for name, html in pages.items():
        assert '<html lang="mn-Mong">' in html, name
        assert not _chinese_left(html, *known), (name, _chinese_left(html, *known))
