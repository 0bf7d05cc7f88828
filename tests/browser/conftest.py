"""Browser tests: Debian's Chromium driven by Playwright against the live test server."""

import os

import pytest
from playwright.sync_api import sync_playwright

from onestop.policy.holidays import load_bundled
from onestop.policy.models import HolidayDay, HolidayNotice
from onestop.regions.loader import load_regions
from onestop.regions.models import OrgUnit, Region

CHROMIUM = os.environ.get("ONESTOP_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Playwright's sync API runs an event loop in this thread; the ORM calls our tests make around it
# are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Live-server tests commit for real and the database is emptied after each one; put the
    reference data the migrations load (regions, org units, holidays) back before each."""
    if not Region.objects.exists():
        load_regions(Region, OrgUnit)
        load_bundled(HolidayNotice, HolidayDay)


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
