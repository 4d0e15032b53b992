"""The investigator's workbench driven in a real browser (Debian's Chromium through Playwright, no download).

One real server of the application over a real Elasticsearch node and a batch ingested by the real flow. A
police clerk uploads a zip and reads its receipt; an investigator of the financial commission, with whom only
case K1 is shared, searches in Korean, pages to page 3, removes one facet filter (and one of two entity filters),
reads a PDF page as an image, follows a mail thread, opens a near-duplicate from its hit's count and compares the
two word by word, sees which values another agency also holds (counts only) and asks it to share, tags and notes
a document, reloads and finds the tag, and exports the result set.
Screenshots go to ``tests/web/artifacts/``.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path

import pytest

from evidex.pipeline.batch import BatchSpec
from evidex.search.factory import search_service
from evidex.search.identity import User
from evidex.search.query import MAX_QUERY_WORDS
from evidex.search.users import UserDirectory
from evidex.settings import load_settings
from evidex.web.app import create_app
from flows.runtime import run_ingest
from tests.web.workbench_world import MEMOS, PHONE, Server, clerk_zip, free_port, pipc_case, police_case

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
KOREAN_TEXTS = MEMOS + 2  # the memos and the two near-duplicate memos: every text/plain document says 쿠팡


@pytest.fixture(scope="module")
def world(es_node, tmp_path_factory):
    """Case K1 of the police, shared with fsc, ingested once; users of both agencies; a running server."""
    root = tmp_path_factory.mktemp("workbench")
    # not a t…/rc… prefix: another session's end-of-run sweep of the shared node would drop this run's indices
    prefix = f"wb{uuid.uuid4().hex[:10]}"
    settings = load_settings(data_dir=root / "data", es_dir=es_node.es_home, es_local_port=es_node.es_local_port,
                             es_index_prefix=prefix, workers=1, enrich_workers=1, hmac_secret="browser-secret")
    run_ingest(BatchSpec(police_case(root / "k1"), "knpa", "K1", "E-1", shared_with=("fsc",)), settings)
    run_ingest(BatchSpec(pipc_case(root / "p1"), "pipc", "P1", "E-9"), settings)  # not shared with anyone
    service = search_service(settings)
    service.client.indices.refresh(index=f"{prefix}-docs")
    directory = UserDirectory(settings.data_dir)
    tokens = {"clerk": directory.add(User("clerk-kim", "knpa", ("clerk",))),
              "fsc": directory.add(User("inv-park", "fsc", ("investigator",)))}
    ARTIFACTS.mkdir(exist_ok=True)
    with Server(create_app(settings, service), free_port()) as server:
        yield {"url": server.url, "tokens": tokens, "root": root, "service": service}
    names = list(service.client.indices.get(index=f"{prefix}-*", ignore_unavailable=True, allow_no_indices=True))
    if names:
        service.client.indices.delete(index=",".join(names), ignore_unavailable=True)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def new_page(browser, world):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ko-KR", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and "Failed to load resource" not in msg.text
            and page.errors.append(msg.text))
    page.goto(world["url"] + "/")
    return page


def sign_in(page, token: str) -> None:
    page.locator("#token").fill(token)
    page.locator("#signin-form button[type=submit]").click()
    page.locator("#who-name").wait_for()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def settled(page) -> None:
    """The last search request has been answered, and not with an error."""
    page.wait_for_function("() => !document.querySelector('#results').hasAttribute('aria-busy')")
    assert page.locator("#banner").is_hidden(), page.locator("#banner-text").inner_text()


def search(page, q: str) -> None:
    page.locator("#q").fill(q)
    page.locator("#search-form button[type=submit]").click()
    settled(page)
    page.locator("#summary").filter(has_text=re.compile(r"\d")).wait_for()


def fresh(page) -> None:
    """Start a step from an empty search (no filters left by an earlier step), still signed in."""
    page.evaluate("() => history.replaceState(null, '', '#')")
    page.reload()
    page.locator("#who-name").wait_for()


def total(page) -> int:
    return int(re.sub(r"\D", "", page.locator("#summary").inner_text()))


@pytest.fixture(scope="module")
def investigator(browser, world):
    """The fsc investigator's page, signed in once for the steps that follow."""
    page = new_page(browser, world)
    sign_in(page, world["tokens"]["fsc"])
    yield page
    assert not page.errors, page.errors
    page.context.close()


def test_a_clerk_uploads_a_zip_and_reads_its_receipt(browser, world) -> None:
    page = new_page(browser, world)
    page.locator("#signin").wait_for(state="visible")  # shown once the page has asked whether a session exists
    assert page.evaluate("() => localStorage.length + sessionStorage.length") == 0
    sign_in(page, world["tokens"]["clerk"])
    assert page.evaluate("() => document.cookie") == "", "the session cookie must be HttpOnly"
    assert world["tokens"]["clerk"] not in page.evaluate("() => JSON.stringify({...localStorage, ...sessionStorage})")
    page.locator("#tabs [data-view=upload]").click()
    page.locator("#up-files").set_input_files(str(clerk_zip(world["root"] / "압수물.zip")))
    page.locator("#up-case").fill("K3")
    page.locator("#up-exhibit").fill("E-3")
    page.locator("#up-by").fill("clerk-kim")
    page.locator("#up-on").fill("2024-05-02")
    page.locator("#upload-form button[type=submit]").click()
    page.locator("#upload-state").filter(has_text=re.compile("K3|queued|대기|접수")).wait_for()
    row = page.locator("#batches tr[data-batch]").filter(has_text="K3")
    row.wait_for(timeout=100_000)
    page.locator("#batches tr.pending").first.wait_for(state="detached", timeout=100_000)
    row.locator(".receipt-link").click()
    items = page.locator("#receipt-items tbody tr")
    items.first.wait_for()
    text = page.locator("#receipt").inner_text()
    assert "K3" in text and "압수물.zip" in text and "비공개_메모_2.txt" in text, text[:500]
    shot(page, "01-clerk-receipt")
    page.locator("#signout").click()
    page.locator("#signin").wait_for()
    assert page.request.get(world["url"] + "/api/session").status == 401
    page.context.close()


def test_another_agency_sees_only_what_is_shared(investigator) -> None:
    page = investigator
    fresh(page)
    assert page.locator("#who-agency").inner_text() == "fsc"
    search(page, "쿠팡")
    agencies = page.locator("#facets [data-facet=agency] .facet-value").all_inner_texts()
    cases = page.locator("#facets [data-facet=case] .facet-value").all_inner_texts()
    assert agencies and all(a.startswith("knpa") for a in agencies), agencies
    assert cases and all(c.startswith("K1") for c in cases), cases
    assert total(page) == KOREAN_TEXTS + 1  # and the first mail; nothing of the clerk's unshared K3
    assert "비공개" not in page.locator("#hits").inner_text()
    shot(page, "02-shared-only")


def test_korean_search_pages_to_page_three_and_back(investigator) -> None:
    page = investigator
    fresh(page)
    page.locator("#limit").select_option("10")
    search(page, "쿠팡 물류센터")
    assert total(page) >= 21
    first = page.locator("#hits .hit").first.get_attribute("data-id")
    seen = set()
    for n in (1, 2, 3):
        page.locator(f"#page-no[data-page='{n}']").wait_for()
        ids = page.locator("#hits .hit").evaluate_all("els => els.map(e => e.dataset.id)")
        assert ids and not (set(ids) & seen), f"page {n} repeats hits"
        seen |= set(ids)
        if n < 3:
            page.locator("#next").click()
            settled(page)
    assert page.locator("#hits mark").count() > 0, "no highlighted snippet"
    assert page.locator("#next").is_disabled()
    shot(page, "03-page-three")
    page.locator("#prev").click()
    settled(page)
    page.locator("#page-no[data-page='2']").wait_for()
    page.locator("#prev").click()
    settled(page)
    page.locator("#page-no[data-page='1']").wait_for()
    assert page.locator("#hits .hit").first.get_attribute("data-id") == first


def test_one_facet_filter_is_removed_on_its_own(investigator) -> None:
    page = investigator
    fresh(page)
    search(page, "쿠팡")
    before = total(page)
    page.locator("#facets [data-facet=case] .facet-value").first.click()
    page.locator("#chips [data-filter=case]").wait_for()
    page.locator("#facets [data-facet=type] .facet-value", has_text="text/plain").click()
    page.locator("#chips [data-filter=type]").wait_for()
    page.wait_for_function(f"() => !/\\b{before}\\b/.test(document.querySelector('#summary').textContent)")
    narrowed = total(page)
    assert narrowed == KOREAN_TEXTS
    shot(page, "04-two-filters")
    page.locator("#chips [data-filter=type] .chip-x").click()
    page.locator("#chips [data-filter=type]").wait_for(state="detached")
    assert page.locator("#chips [data-filter=case]").is_visible()
    page.wait_for_function(f"() => !/\\b{narrowed}\\b/.test(document.querySelector('#summary').textContent)")
    assert total(page) == before
    assert "f.case=" in page.url and "f.type=" not in page.url
    page.locator("#chips [data-filter=case] .chip-x").click()
    page.locator("#chips .chip").first.wait_for(state="detached")


def open_hit(page, text: str | re.Pattern) -> str:
    """Open the first hit whose title matches; returns its id once the document pane shows it."""
    hit = page.locator("#hits .hit").filter(has=page.locator(".hit-title", has_text=text)).first
    doc_id = hit.get_attribute("data-id")
    hit.locator(".hit-title").click()
    page.wait_for_url(re.compile("doc=" + re.escape(doc_id)))
    page.locator("#doc-title").wait_for()
    return doc_id


def test_a_pdf_page_is_shown_as_an_image(investigator) -> None:
    page = investigator
    fresh(page)
    search(page, "audit")
    open_hit(page, "audit_report")
    page.locator("#doc [data-tab=pages]").click()
    image = page.locator("#page-image")
    image.wait_for()
    page.wait_for_function("() => document.querySelector('#page-image')?.naturalWidth > 100", timeout=30_000)
    assert page.locator("#doc .pager").inner_text().count("2") >= 1  # "page 1 of 2"
    shot(page, "05-pdf-page")
    page.locator("#doc [data-tab=text]").click()
    assert "Logistics audit report" in page.locator("#doc-text").inner_text()


def test_a_mail_thread_is_followed(investigator) -> None:
    page = investigator
    fresh(page)
    search(page, "회의 일정")
    opened = open_hit(page, re.compile("회의 일정|thread_"))
    page.locator("#doc [data-tab=family]").click()
    thread = page.locator("#doc [data-part=thread] a")
    thread.first.wait_for()
    assert thread.count() == 2, thread.all_inner_texts()  # the other two messages
    shot(page, "06-mail-thread")
    target = thread.last
    other = target.get_attribute("data-doc")
    assert other != opened
    target.click()
    page.wait_for_url(re.compile("doc=" + re.escape(other)))
    page.locator("#doc [data-part=thread] a").first.wait_for()  # the family tab stays open on the next message


def test_near_duplicates_are_counted_on_the_hit_and_diffed_word_by_word(investigator) -> None:
    page = investigator
    fresh(page)
    search(page, "재고 점검 보고")
    hit = page.locator("#hits .hit").filter(has=page.locator(".hit-title", has_text="memo_long.txt")).first
    badge = hit.locator("button.linkish", has_text=re.compile("유사 문서 1건|1 similar"))
    badge.wait_for()
    badge.click()
    page.locator("#doc [data-tab=similar].active").wait_for()
    similar = page.locator("#doc .tab-body li", has_text="memo_long_edited")
    similar.first.wait_for()
    score = int(re.sub(r"\D", "", similar.first.locator(".score").inner_text()))
    assert score >= 90
    similar.first.locator("button").click()
    page.locator("#diff ins").first.wait_for()
    assert page.locator("#diff ins").all_inner_texts() == ["불필요."]
    assert page.locator("#diff del").all_inner_texts() == ["필요."]
    assert page.locator("#diff .cut").count() >= 1  # the long unchanged start is cut, not repeated
    shot(page, "10-near-duplicate-word-diff")


def test_two_entity_filters_and_one_removed(investigator) -> None:
    page = investigator
    fresh(page)
    search(page, "쿠팡")
    entity_facets = "#facets [data-facet=person] .facet-value, #facets [data-facet=org] .facet-value, " \
                    "#facets [data-facet=location] .facet-value"
    page.locator(entity_facets).first.click()
    page.locator("#chips [data-filter=entity]").first.wait_for()
    settled(page)
    one = total(page)
    first = page.locator("#chips [data-filter=entity]").first.get_attribute("data-value")
    # a second entity of the narrowed result: both filters hold at once, each a chip of its own
    page.locator(entity_facets.replace(".facet-value", ".facet-value:not(.active)")).first.click()
    page.wait_for_function("() => document.querySelectorAll('#chips [data-filter=entity]').length === 2")
    settled(page)
    both = total(page)
    assert 1 <= both <= one
    assert page.url.count("f.entity=") == 2
    href = page.locator("#exports a.export[data-format=csv]").get_attribute("href")
    assert href.count("entity=") == 2  # the export is exactly what is shown: both entity filters
    shot(page, "11-two-entity-filters")
    second = page.locator(f"#chips [data-filter=entity]:not([data-value='{first}'])")
    page.locator(f"#chips [data-filter=entity][data-value='{first}'] .chip-x").click()
    page.wait_for_function("() => document.querySelectorAll('#chips [data-filter=entity]').length === 1")
    settled(page)
    assert second.count() == 1 and page.url.count("f.entity=") == 1
    assert page.locator("#exports a[data-format=csv]").is_visible()
    second.locator(".chip-x").click()
    page.locator("#chips [data-filter=entity]").first.wait_for(state="detached")
    settled(page)
    page.locator("#summary").filter(has_text=re.compile(r"\d")).wait_for()


def test_values_another_agency_also_holds_are_badged_and_asked_for(investigator, world) -> None:
    page = investigator
    fresh(page)
    search(page, "협력업체 연락 담당자")
    open_hit(page, "contact_sheet")
    page.locator("#doc [data-tab=entities]").click()
    match = page.locator("#xref-list .xref-match", has_text="5926")
    match.wait_for()
    assert "pipc (1)" in match.inner_text() and PHONE not in match.inner_text()
    names = page.locator("#doc .held[data-entity]:not([hidden])")
    body = page.locator("#doc").inner_text()
    assert "pipc_leaked_list" not in body and "유출 명단" not in body and "broker" not in body
    assert PHONE not in page.content()  # the raw number never reaches a masked role's page
    shot(page, "12-also-held-by")
    assert names.count() == 1 and names.first.get_attribute("data-entity").startswith("ORG:Northwind")
    assert "pipc (1)" in names.first.inner_text()  # the company's name, matched on its key, badged in place
    identifier = page.locator("#identifiers li.identifier", has_text="5926")
    assert "pipc (1)" in identifier.locator(".held").inner_text()
    match.locator(".xref-ask[data-to=pipc]").click()
    page.locator("#xref-list .xref-asked").first.wait_for()
    journal = (world["root"] / "data" / "audit.jsonl").read_text(encoding="utf-8")
    assert '"access_request"' in journal and '"view_xref"' in journal
    # the masked number pivots by its keyed hash to every document the investigator may read that names it
    identifier.locator("button.ident").click()
    settled(page)
    page.locator("#hits .hit").first.wait_for()
    assert page.locator("#hits .hit-title").all_inner_texts() == ["contact_sheet.txt"]
    assert PHONE not in page.content()


def test_a_tag_and_a_note_survive_a_reload(investigator) -> None:
    page = investigator
    fresh(page)
    search(page, "쿠팡")
    doc_id = open_hit(page, "memo_0")
    page.locator("#tag-input").fill("검토필요")
    page.locator("#tag-form button").click()
    page.locator("#doc .chip.tag[data-tag=검토필요]").wait_for()
    page.locator("#doc [data-tab=notes]").click()
    page.locator("#note-text").fill("현장 확인이 필요함")
    page.locator("#note-form button").click()
    page.locator("#notes .note", has_text="현장 확인이 필요함").wait_for()
    page.locator("#star").click()
    page.locator("#star.on").wait_for()
    page.reload()
    page.locator("#doc-title").wait_for()
    assert doc_id in page.url
    page.locator("#doc .chip.tag[data-tag=검토필요]").wait_for()
    page.locator("#star.on").wait_for()
    page.locator("#facets [data-facet=tag] .facet-value", has_text="검토필요").click()
    page.locator("#chips [data-filter=tag]").wait_for()
    page.wait_for_function("() => document.querySelectorAll('#hits .hit').length === 1")
    page.locator("#doc [data-tab=notes]").click()
    page.locator("#notes .note", has_text="현장 확인이 필요함").wait_for()
    shot(page, "07-tag-after-reload")
    page.locator("#chips [data-filter=tag] .chip-x").click()
    page.locator("#chips [data-filter=tag]").wait_for(state="detached")


def test_the_result_set_is_exported(investigator) -> None:
    page = investigator
    fresh(page)
    search(page, "쿠팡")
    expected = total(page)
    with page.expect_download() as info:
        page.locator("#exports a[data-format=csv]").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == expected
    assert not [r for r in rows if "K3" in r.values() or "비공개" in " ".join(map(str, r.values()))]


def test_a_saved_search_and_a_term_list(investigator) -> None:
    page = investigator
    fresh(page)
    search(page, "쿠팡")
    page.locator("#facets [data-facet=type] .facet-value", has_text="text/plain").click()
    page.locator("#chips [data-filter=type]").wait_for()
    settled(page)
    page.locator("#save-name").fill("메모만")
    page.locator("#save-form button").click()
    saved = page.locator("#saved-list li[data-name=메모만]")
    saved.wait_for()
    fresh(page)
    saved.locator(".linkish").click()
    page.locator("#chips [data-filter=type]").wait_for()
    settled(page)
    assert total(page) == KOREAN_TEXTS and page.locator("#q").input_value() == "쿠팡"
    saved.locator(".chip-x").click()
    saved.wait_for(state="detached")
    page.locator("#tabs [data-view=terms]").click()
    page.locator("#terms").fill("쿠팡\n# a comment\n회의 일정\n")
    page.locator("#terms-form button").click()
    rows = page.locator("#terms-out tbody tr")
    rows.nth(1).wait_for()
    # the term list runs with the search's current filters (type text/plain, kept from the saved search)
    assert rows.count() == 2 and rows.first.locator("td").nth(2).inner_text() == str(KOREAN_TEXTS)
    shot(page, "09-term-list")
    page.locator("#tabs [data-view=search]").click()


def test_errors_clear_stale_results_and_401_returns_to_sign_in(investigator, world) -> None:
    page = investigator
    fresh(page)
    search(page, "쿠팡")
    assert page.locator("#hits .hit").count() > 0
    page.locator("#q").fill(" ".join(["쿠팡"] * (MAX_QUERY_WORDS + 1)))
    page.locator("#search-form button[type=submit]").click()
    page.locator("#banner").wait_for()
    assert "422" in page.locator("#banner-text").inner_text()
    assert page.locator("#hits .hit").count() == 0 and page.locator("#summary").inner_text() == ""
    shot(page, "08-error-banner")
    page.locator("#lang").select_option("en")
    assert page.locator("#search-form button[type=submit]").inner_text() == "Search"
    search(page, "쿠팡")
    assert page.locator("#banner").is_hidden()
    page.context.clear_cookies()
    page.locator("#search-form button[type=submit]").click()
    page.locator("#signin").wait_for()
    assert page.locator("#hits .hit").count() == 0
    assert "Sign in" in page.locator("#banner-text").inner_text()
    page.locator("#lang").select_option("ko")
    sign_in(page, world["tokens"]["fsc"])
