"""The census page in a real browser (Debian's Chromium through Playwright): a privacy officer signed in by the
workbench's session sees the report's tables and both server-drawn charts; an investigator sees only a refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidex.search.factory import search_service
from evidex.web.app import create_app
from tests.evidex.census.test_census_web import web  # noqa: F401 - the two agencies' reports
from tests.web.workbench_world import Server, free_port

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]


def _signed_in(browser, url: str, bearer: str):  # noqa: ANN001, ANN202
    context = browser.new_context(viewport={"width": 1280, "height": 1600}, locale="ko-KR")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(url + "/census")
    token = bearer.removeprefix("Bearer ")
    status = page.evaluate("""async (token) => (await fetch('/api/session', {method: 'POST',
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify({token})})).status""", token)
    assert status == 200
    page.reload()
    return page


def test_officer_sees_report_and_charts_investigator_is_refused(web, tmp_path: Path) -> None:  # noqa: F811
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    _, truth, who, settings = web
    with Server(create_app(settings, search_service(settings)), free_port()) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        page = _signed_in(browser, server.url, who["admin"]["Authorization"])
        page.locator("#census-report").wait_for()
        page.wait_for_function("() => ['chart-types', 'chart-agencies'].every(id => "
                               "document.getElementById(id).complete && document.getElementById(id).naturalWidth > 0)")
        types = page.locator("#census-types").inner_text()
        assert "PHONE" in types and f"{truth['PHONE']:,}" in types
        assert "knpa" in page.locator("#census-agency-overlap").inner_text()
        assert page.locator("#census-files tr").count() == 1 + 5
        assert page.locator("#census-pdf").get_attribute("href").startswith("/api/census/report.pdf?case=")
        page.screenshot(path=str(tmp_path / "census.png"), full_page=True)
        assert not page.errors

        police = _signed_in(browser, server.url, who["knpa"]["Authorization"])
        police.locator("#census-report").wait_for()
        assert "75 rows scanned" in police.locator("#census-totals").inner_text()

        refused = _signed_in(browser, server.url, who["investigator"]["Authorization"])
        refused.locator("#census-message").wait_for()
        assert "privacy_officer" in refused.locator("#census-message").inner_text()
        assert refused.locator("#census-report").is_hidden()
        browser.close()
