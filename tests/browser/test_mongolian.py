"""Pages in traditional Mongolian, in Chromium: chosen with the switch (no JavaScript needed),
laid out vertically in the platform's own font, fitting a phone and a desktop, accessible.

With ONESTOP_SCREENSHOTS=1 the pages are photographed into test-artifacts/."""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe

from .test_layout import ARTIFACTS, WCAG

pytestmark = pytest.mark.django_db(transaction=True)
FONT = "/static/fonts/noto-sans-mongolian.woff2"

# Elements holding Mongolian text whose content is larger than their box, and the page's own
# scrolling: a vertical page scrolls sideways, never downwards.
OVERFLOWING = """() => {
  const mongolian = /[\\u1800-\\u18af]/;
  const stuck = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && mongolian.test(n.textContent));
    if (own && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
        && getComputedStyle(el).display !== "inline") {
      stuck.push(el.tagName + "." + el.className);
    }
  }
  const root = document.documentElement;
  if (root.scrollHeight > innerHeight + 1) stuck.push("page scrolls downwards");
  return stuck;
}"""


@pytest.mark.parametrize("width", [320, 1280])
def test_a_mongolian_page_is_chosen_without_javascript_and_reads_vertically(
    browser, live_server, width
):
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        java_script_enabled=False,
        viewport={"width": width, "height": 800},
    )
    page = context.new_page()
    fonts = []
    page.on("response", lambda r: fonts.append(r.status) if r.url.endswith(FONT) else None)
    page.goto("/portal/")
    page.get_by_role("button", name="ᠮᠣᠩᠭᠣᠯ 蒙古文").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "mn-Mong"
    assert page.get_by_role("button", name="中文 ᠬᠢᠲᠠᠳ").is_visible()
    assert fonts and set(fonts) == {200}  # the platform serves the font itself

    tagline = page.locator(".site-tagline").bounding_box()
    assert tagline["height"] > tagline["width"]  # a column read top to bottom
    assert page.locator(".site-tagline").evaluate("e => getComputedStyle(e).writingMode") == (
        "vertical-lr"
    )
    assert page.evaluate(OVERFLOWING) == []
    if os.environ.get("ONESTOP_SCREENSHOTS") == "1":
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"mongolian-portal-home-{width}.png"))

    page.get_by_role("button", name="中文 ᠬᠢᠲᠠᠳ").click()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    context.close()


MONGOLIAN_PAGES = {
    "portal-home": "/portal/",
    "check": "/portal/check/",
    "sign-in": "/portal/sign-in/",
    "lookup": "/portal/lookup/",
}


@pytest.mark.parametrize("width", [320, 1280])
def test_the_mongolian_pages_pass_axe_and_fit(browser, live_server, width):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 800}
    )
    context.add_cookies([{"name": "django_language", "value": "mn-mong", "url": live_server.url}])
    page = context.new_page()
    for name, path in MONGOLIAN_PAGES.items():
        page.goto(path)
        page.evaluate("document.fonts.ready")
        assert page.evaluate("document.fonts.check('20px \"Noto Sans Mongolian\"', 'ᠮᠣᠩᠭᠣᠯ')")
        assert page.evaluate(OVERFLOWING) == [], path
        results = Axe().run(page, options=WCAG)
        assert results.violations_count == 0, (path, results.generate_report())
        if os.environ.get("ONESTOP_SCREENSHOTS") == "1":
            page.screenshot(path=str(ARTIFACTS / f"mongolian-{name}-{width}.png"))
    context.close()
