"""PDFs per second for the 附件4 form (残疾人两项补贴申请审批表), on one core.

Target (issue 8): at least 5 per second. Measured through ``document_pdf`` as a download does it
(decrypt the stored snapshot, lay out, subset and embed the fonts, write the audit event), beside a
baseline measured in the same run: a one-line page with the same embedded fonts, which is the
floor any PDF with CJK text costs here.

Run: .venv/bin/python bench/documents.py [--seconds 10]
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # bench/calendar.py must not shadow the standard library's calendar

import argparse  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402


def rate(seconds: float, work) -> float:
    work()  # warm: font cache, imports
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        work()
        done += 1
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    os.environ.setdefault("ONESTOP_VAR_DIR", tempfile.mkdtemp(prefix="onestop-bench-docs-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
    os.environ.setdefault("ONESTOP_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from onestop.accounts.roles import Role
    from onestop.core import clock
    from onestop.documents.models import DocumentKind
    from onestop.documents.render import Sheet
    from onestop.documents.services import document_issue, document_pdf
    from tests import factories
    from tests.test_documents import subsidy_case

    names = {"township": "朱丽娜", "cdpf": "马晓东", "county": "王振华"}
    team = {
        key: factories.staff(f"bench_{key}", role, unit, name=names.get(key, "测试员"))
        for key, (role, unit) in {
            "clerk": (Role.WINDOW_CLERK, "cdpf-150702"),
            "township": (Role.TOWNSHIP_CIVIL, "civil-150702001"),
            "cdpf": (Role.CDPF_REVIEWER, "cdpf-150702"),
            "county": (Role.COUNTY_CIVIL, "civil-150702"),
        }.items()
    }
    app = subsidy_case(team)
    form = document_issue(actor=team["clerk"], kind=DocumentKind.SUBSIDY_FORM, application=app)
    size = len(document_pdf(actor=team["clerk"], document=form))

    def floor():
        sheet = Sheet(
            title="基线", code=form.code, digest=form.content_hash, issued=clock.now(), text="基线"
        )
        sheet.add_page()
        sheet.cell(text="残疾人两项补贴申请审批表")
        sheet.output()

    baseline = rate(args.seconds, floor)
    forms = rate(args.seconds, lambda: document_pdf(actor=team["clerk"], document=form))
    print(f"附件4 PDF ({size:,} bytes), one process on one core:")
    print(f"  baseline, one line with the same embedded fonts: {baseline:6.1f} PDFs/s")
    print(
        f"  附件4 through document_pdf (audited):             {forms:6.1f} PDFs/s"
        f"   ratio {forms / baseline:.2f} (target at least 5 PDFs/s)"
    )


if __name__ == "__main__":
    main()
