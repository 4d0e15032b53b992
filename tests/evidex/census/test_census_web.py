"""The census page and its API for two agencies: privacy officers read their agency's report (JSON, SVG charts,
PDF, PNG), investigators are refused, and neither the figures nor the documents carry a raw identifier."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pypdfium2
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from evidex.census import case_sources, finish, plan, scan_source, scope_key
from evidex.search.factory import search_service
from evidex.search.identity import User
from evidex.search.users import UserDirectory
from evidex.web.app import create_app
from tests.evidex.census.test_census import PEOPLE, _register, write_dumps

CASE = "LEAK-1"


def _census(settings, agency: str, is_admin: bool = False) -> None:
    """The report of one agency's view, as ``evidex census --case --no-records`` computes it (without Prefect)."""
    secret = settings.secret_bytes()
    view = "*" if is_admin else agency
    sources = case_sources(settings, secret, CASE, None, agency, is_admin)
    work = plan(settings.data_dir, {"case_id": CASE, "batch_id": "", "agency": view}, sources,
                scope_key(CASE, None, view), "blake2b")
    for source in sources:
        scan_source(work, source.index, secret)
    finish(work, secret)


@pytest.fixture
def web(settings, tmp_path: Path):
    truth = write_dumps(tmp_path / "all")
    for agency, names in (("knpa", ("회원.csv", "shop.sql", "app.jsonl")), ("pipc", ("명단.xlsx", "extra.zip"))):
        folder = tmp_path / agency
        folder.mkdir()
        for name in names:
            (tmp_path / "all" / name).rename(folder / name)
        _register(settings, folder, agency, f"B-{agency}", CASE)
        _census(settings, agency)
    _census(settings, "pipc", is_admin=True)
    users = UserDirectory(settings.data_dir)

    def bearer(name: str, agency: str, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {users.add(User(name, agency, (role,)))}"}

    client = TestClient(create_app(settings, search_service(settings)))
    return client, truth, {"knpa": bearer("park", "knpa", "privacy_officer"), "pipc": bearer("yoon", "pipc",
                           "privacy_officer"), "investigator": bearer("kim", "knpa", "investigator"),
                           "admin": bearer("root", "pipc", "admin")}, settings


def _raw_values() -> list[str]:
    return [v for p in PEOPLE for v in (p.rrn, p.rrn.replace("-", ""), p.phone, p.email, p.card)]


def test_each_agency_reads_its_own_report_and_investigators_none(web) -> None:
    client, truth, who, settings = web
    police = client.get("/api/census", params={"case": CASE}, headers=who["knpa"]).json()
    regulator = client.get("/api/census", params={"case": CASE}, headers=who["pipc"]).json()
    assert police["rows"] == 40 + 25 + 10 and regulator["rows"] == 10 + 20
    assert {f["agency"] for f in police["files"]} == {"knpa"} and {f["agency"] for f in regulator["files"]} == {"pipc"}
    everyone = client.get("/api/census", params={"case": CASE}, headers=who["admin"]).json()
    assert everyone["rows"] == truth["rows"] and everyone["distinct"]["PHONE"] == truth["PHONE"]
    assert {(o["label"], o["a"], o["b"]) for o in everyone["agency_overlap"]} >= {("PHONE", "knpa", "pipc")}

    listed = client.get("/api/census/cases", headers=who["knpa"]).json()["reports"]
    assert [(r["case_id"], r["rows"]) for r in listed] == [(CASE, 75)]
    for path in ("/api/census", "/api/census/cases", "/api/census/chart.svg", "/api/census/report.pdf",
                 "/api/census/report.png"):
        refused = client.get(path, params={"case": CASE}, headers=who["investigator"])
        assert refused.status_code == 403 and "privacy_officer" in refused.json()["detail"], path
    assert client.get("/api/census", params={"case": CASE}).status_code == 401
    missing = client.get("/api/census", params={"case": "NOPE"}, headers=who["knpa"])
    assert missing.status_code == 404 and "evidex census" in missing.json()["detail"]
    assert client.get("/api/census/chart.svg", params={"case": CASE, "kind": "pie"},
                      headers=who["knpa"]).status_code == 422
    journal = (settings.data_dir / "audit.jsonl").read_text(encoding="utf-8")
    assert journal.count('"outcome": "refused: role"') == 5 and '"action": "census_report"' in journal

    page = client.get("/census")
    assert page.status_code == 200 and '<script type="module" src="/static/census.js">' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/static/census.js").status_code == 200


def test_charts_pdf_and_png_carry_the_figures(web) -> None:
    client, truth, who, _ = web
    params = {"case": CASE}
    types = client.get("/api/census/chart.svg", params={**params, "kind": "types"}, headers=who["admin"])
    assert types.headers["content-type"].startswith("image/svg+xml")
    svg = ET.fromstring(types.text)  # well-formed
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert {"PHONE", "EMAIL", "RRN", "CARD"} <= set(texts) and f"{truth['PHONE']:,}" in texts
    assert len([r for r in svg.iter("{http://www.w3.org/2000/svg}rect")]) >= 4 * 3
    agencies = client.get("/api/census/chart.svg", params={**params, "kind": "agencies"}, headers=who["admin"]).text
    assert ">knpa<" in agencies and ">pipc<" in agencies

    pdf = client.get("/api/census/report.pdf", params=params, headers=who["admin"])
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(pdf.content)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    for needed in ("PHONE", "RRN", "knpa", "pipc", "회원.csv", f"{truth['rows']:,} rows scanned",
                   "Overlap between agencies"):
        assert needed in text, needed
    bars = [o for o in document[0].get_objects() if o.type == pypdfium2.raw.FPDF_PAGEOBJ_PATH]
    assert len(bars) >= 12  # the bars of both figures
    document.close()

    png = client.get("/api/census/report.png", params=params, headers=who["knpa"])
    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG" and image.width > 600 and image.height > 800
    colours = {c for _, c in image.convert("RGB").getcolors(maxcolors=1 << 20)}
    assert (0x2F, 0x6D, 0xB5) in colours  # the bars are drawn

    for body in (types.text, agencies, text):
        assert not [v for v in _raw_values() if v in body]
