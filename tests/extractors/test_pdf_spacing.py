"""PDF: Korean word spaces rebuilt from glyph positions where pdfium's text lost them."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from extractors import Status, extract_path
from extractors.pdfspacing import needs_spacing
from tests.extractors.pdf_fixtures import glyph_by_glyph_pdf

LINES = ["11월 코스피는 10월 미국 물가지표가 예상보다 낮게 나오며 상승했다.",
         "외국인 투자자의 순매수가 이어졌고 반도체 업종이 강세를 보였다."]
BILL = "pdf/opendataloader-pdf/2125318_의사국 의안과_의안원문_hwp.pdf"


@pytest.mark.parametrize("per_glyph_objects", [True, False], ids=["text-object-per-glyph", "one-TJ-per-line"])
def test_tight_word_gaps_get_their_spaces_back(tmp_path, ctx, per_glyph_objects):
    pdf = tmp_path / "fund.pdf"
    glyph_by_glyph_pdf(pdf, LINES, gap_em=0.15, per_glyph_objects=per_glyph_objects)
    r = extract_path(pdf, ctx)
    assert r.status == Status.OK
    assert r.text.splitlines() == LINES
    assert r.pages[0].reader == "pdfium+spacing" and r.metadata["respaced_pages"] == 1


def test_rebuilt_words_match_pdftotext(tmp_path, ctx):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler's pdftotext is not installed")
    pdf = tmp_path / "fund.pdf"
    glyph_by_glyph_pdf(pdf, LINES, gap_em=0.15)
    poppler = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
    assert extract_path(pdf, ctx).text.split() == poppler.stdout.decode().split()


def test_normal_word_gaps_keep_pdfiums_text(tmp_path, ctx):
    pdf = tmp_path / "spaced.pdf"
    glyph_by_glyph_pdf(pdf, LINES, gap_em=0.3)
    r = extract_path(pdf, ctx)
    assert r.text.splitlines() == LINES
    assert r.pages[0].reader == "pdfium" and "respaced_pages" not in r.metadata


def test_scripts_without_spaces_are_not_candidates():
    chinese = "项目描述：负责四川省甘孜州丹巴磨子电站引水隧洞爆破方案优化设计及爆破震动监测工作。" * 3
    japanese = "みんなのおのおののなかのすべてですから宇宙塵をたべ、または空気や塩水を呼吸しながら" * 3
    assert not needs_spacing(chinese) and not needs_spacing(japanese)
    assert needs_spacing("11월코스피는10월미국물가지표가예상보다낮게나오며상승했다.")
    assert not needs_spacing(" ".join(LINES))


def test_well_spaced_korean_pages_are_untouched(corpus, ctx):
    r = extract_path(corpus / BILL, ctx)
    assert {p.reader for p in r.pages} == {"pdfium"} and "respaced_pages" not in r.metadata
