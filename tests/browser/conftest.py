"""Browser tests: Debian's Chromium driven by Playwright against the live test server."""

import os
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import sync_playwright

from onestop.core import clock
from onestop.people.services import certificate_record, guardian_add
from onestop.people.shared_data import shared_record_upsert
from tests import factories

CHROMIUM = os.environ.get("ONESTOP_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Playwright's sync API runs an event loop in this thread; the ORM calls our tests make around it
# are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _reference(reference_data):
    """Every live-server test needs the reference data back after the previous one's flush."""


# 10:00 in Beijing on a Tuesday: pages and the data behind them agree on "today".
LIVE_MOMENT = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def live_clock():
    """The platform's clock pinned for the test and the live server's threads alike."""
    with clock.frozen(LIVE_MOMENT, every_thread=True):
        yield LIVE_MOMENT


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def focus_lands_on(page, element_id: str) -> None:
    """The focus reaches the element: Chromium applies ``autofocus`` while it next renders, a
    moment after the page loads on a busy machine, so this waits for it (and fails if it never
    comes)."""
    page.wait_for_function(
        "id => document.activeElement && document.activeElement.id === id",
        arg=element_id,
        timeout=5_000,
    )


def csp_violations(page) -> list[str]:
    """The Content-Security-Policy violations Chromium reports on this page from now on."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


PHONES = iter(f"139047{n:05d}" for n in range(10_000, 99_999))


@pytest.fixture
def phone():
    # A fresh number per test: the live server's rate-limit counters outlive a single test.
    return next(PHONES)


@pytest.fixture
def ward(reference_data, phone):
    """An adult with a level-2 intellectual disability, in 低保, with his mother as guardian
    (whose phone signs in)."""
    person = factories.person(
        "150702001", name="巴图", birth=date(1990, 4, 4), phone="", dibao_category="urban"
    )
    certificate_record(
        actor=None, person=person, number=person.id_number + "52", issue_date=date(2024, 1, 5)
    )
    for fact, value in {
        "long_term_care": True,
        "work_injury_nursing": False,
        "employee_pension": False,
        "student": False,
        "orphan_support": False,
    }.items():
        shared_record_upsert(
            actor=None,
            person=person,
            fact=fact,
            value=value,
            source="测试",
            source_time=datetime(2026, 1, 1, tzinfo=UTC),
        )
    guardian_add(
        actor=None,
        person=person,
        kind="guardian",
        name="其木格",
        relation="母亲",
        id_number=factories.id_number(birth=date(1965, 2, 2)),
        phone=phone,
    )
    return person
