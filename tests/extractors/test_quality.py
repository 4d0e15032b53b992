"""The quality gate: scores of text layers, fallback to pdftotext and OCR, partial when nothing reads."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from extractors import Method, Status, extract_path
from extractors.ocr import installed_languages
from extractors.quality import POOR_SCORE, score_text

sys.path.insert(0, str(Path(__file__).parent))
from pdf_fixtures import glyph_code_pdf  # noqa: E402

LATIN_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
HANJA_FONT = "/usr/share/fonts/truetype/nanum/NanumGothic.ttf"
FOX = ["The quick brown fox jumps over the lazy dog.", "Evidence seized from the office on Monday",
       "was sealed and signed by the investigator."]


def _shifted(text: str) -> str:
    return "".join(chr(ord(c) - 29) for c in text)


@pytest.mark.parametrize("text", [
    _shifted(" ".join(FOX)),                                   # codes of a font without a Unicode map
    _shifted(" ".join(FOX)).replace("\x03", " "),              # same, spaces rebuilt by the reader
    ("압수수색 영장 집행 결과 보고서" * 4).encode("cp949").decode("latin-1"),  # CJK bytes read as Latin-1
    '!"#$%&\'\'()*+,-./0123 9:;<=>?@#$AB!"#$%&',                # CJK codes handed out from "!"
])
def test_unreadable_layers_score_poorly(text):
    assert score_text(text).poor


@pytest.mark.parametrize("text", [
    " ".join(FOX),
    "11월 코스피는 10월 미국 물가지표가 발표된 뒤 상승했다. 외국인 순매수가 이어졌다.",
    "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 of exhibit EX-2024-0113",
    "1,092,760\t12.5%\t3,000\n" * 10,
    "목 차 ······························ 3\n" * 10,
    "中華人民共和國國務院關於加強金融監督管理工作的決定",
])
def test_readable_text_scores_well(text):
    q = score_text(text)
    assert q.score >= POOR_SCORE and not q.poor, q


def test_good_pdf_pages_keep_pdfium_with_score(corpus, ctx):
    r = extract_path(corpus / "pdf/opendataloader-pdf/2125318_의사국 의안과_의안원문_hwp.pdf", ctx)
    assert r.status == Status.OK and "fallback_pages" not in r.metadata
    assert all(p.reader == "pdfium" for p in r.pages)
    assert all(p.score >= 0.95 for p in r.pages if p.text.strip())
    assert all(p.score is None for p in r.pages if not p.text.strip())  # a blank page is not judged
    assert r.metadata["text_score"] >= 0.95


def test_shifted_glyph_codes_fall_back_to_ocr(tmp_path, ctx):
    path = tmp_path / "shifted.pdf"
    glyph_code_pdf(path, FOX, LATIN_FONT)
    r = extract_path(path, ctx)
    assert r.status == Status.OK, r.reason
    assert "quick brown fox" in r.text and "7KH" not in r.text
    assert r.method == Method.OCR and r.pages[0].reader.startswith("tesseract:")
    assert r.pages[0].score >= POOR_SCORE
    assert r.metadata["fallback_pages"] == {"shifted glyph codes": 1}


def test_unreadable_layer_without_ocr_is_partial(tmp_path, ctx):
    path = tmp_path / "shifted.pdf"
    glyph_code_pdf(path, FOX, LATIN_FONT)
    r = extract_path(path, dataclasses.replace(ctx, ocr_enabled=False))
    assert r.status == Status.PARTIAL
    assert "text layer unreadable (shifted glyph codes)" in r.reason and "pdftotext" in r.reason
    assert "OCR is disabled" in r.reason


@pytest.mark.skipif("chi_tra" not in installed_languages(), reason="tesseract chi_tra pack not installed")
def test_chinese_font_without_unicode_is_ocrd_in_chinese(tmp_path, ctx):
    path = tmp_path / "zh.pdf"
    glyph_code_pdf(path, ["中華人民共和國國務院", "關於加強金融監督管理工作的決定", "各省自治區直轄市人民政府"],
                   HANJA_FONT, shift=None, base_font="SimSun", size=30)
    r = extract_path(path, ctx)
    assert r.status == Status.OK, r.reason
    assert "chi_tra" in r.pages[0].reader and "kor" not in r.pages[0].reader
    assert "中華人民共和國" in r.text and "人民政府" in r.text and r.language == "zh"
    assert not any("\uac00" <= ch <= "\ud7a3" for ch in r.text), "OCR invented Hangul"


def test_other_formats_record_score_and_turn_partial(tmp_path, ctx):
    good = tmp_path / "memo.txt"
    good.write_text(" ".join(FOX) * 3, encoding="utf-8")
    g = extract_path(good, ctx)
    assert g.status == Status.OK and g.metadata["text_score"] >= 0.95
    bad = tmp_path / "codes.txt"
    bad.write_text(_shifted(" ".join(FOX)).replace("\x03", " ").replace("\x11", ".") * 3, encoding="utf-8")
    b = extract_path(bad, ctx)
    assert b.status == Status.PARTIAL and "text looks unreadable" in b.reason
