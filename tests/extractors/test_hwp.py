"""HWP 5 and HWPX: body, tables, notes, headers, fields, protection statuses."""

from __future__ import annotations

from extractors import Status, extract_path


def test_table_cells(corpus, ctx):
    r = extract_path(corpus / "hwp/neolord0-hwplib/표.hwp", ctx)
    # A1 holds two paragraphs ("ABC", "123"): joined in the cell; the caption "표" stays its own line.
    assert "표\nABC 123\tDEF\tGHI\nLMN\tOPQ\tSTR\nUVM\t123\t456" in r.text
    assert r.pages[0].tables[0].rows == (("ABC 123", "DEF", "GHI"), ("LMN", "OPQ", "STR"), ("UVM", "123", "456"))
    x = extract_path(corpus / "hwp/neolord0-hwpxlib/Table.hwpx", ctx)
    assert "C반 기말고사" in x.text and "이름\t국어\t영어\t수학\n개똥이\t89\t65\t78\n" in x.text
    assert x.pages[0].tables[0].rows[:2] == (("이름", "국어", "영어", "수학"), ("개똥이", "89", "65", "78"))


def test_footnotes_and_endnotes(corpus, ctx):
    r = extract_path(corpus / "hwp/mete0r-pyhwp/footnote-endnote.hwp", ctx)
    assert "각주입니다." in r.text and "미주 두 번째입니다." in r.text
    for name in ("footnote_endnote__from.hwp", "footnote_endnote__from.hwpx"):
        assert "12345" in extract_path(corpus / "hwp/neolord0-hwp2hwpx" / name, ctx).text


def test_headers_footers_and_fields(corpus, ctx):
    r = extract_path(corpus / "hwp/mete0r-pyhwp/headerfooter.hwp", ctx)
    assert "이것은 머리말입니다." in r.text and "이것은 꼬리말입니다." in r.text
    assert "가나다라마바사아자카타" in extract_path(corpus / "hwp/neolord0-hwp2hwpx/field__from.hwp", ctx).text
    assert "머리말 테스트" in extract_path(corpus / "hwp/neolord0-hwpxlib/HeaderFooter.hwpx", ctx).text


def test_equation_script_and_hidden_comment(corpus, ctx):
    assert "SIGMA" in extract_path(corpus / "hwp/neolord0-hwp2hwpx/equation__from.hwp", ctx).text
    assert "이것은 숨은 설명입니다." in extract_path(corpus / "hwp/neolord0-hwplib/숨은설명.hwp", ctx).text.replace(
        "우리는 우리다.", "이것은 숨은 설명입니다.")


def test_distribution_document_is_decrypted(corpus, ctx):
    r = extract_path(corpus / "hwp/neolord0-hwplib/distribution.hwp", ctx)
    assert r.status == Status.OK and r.metadata["distribution"] is True
    assert "2025년 강남세움센터 시설관리원 용역업체 선정 입찰공고" in r.text
    tika = extract_path(corpus / "hwp/apache-tika/testHWP-v5-dist.hwp", ctx)
    assert "Apache Tika" in tika.text and tika.language == "ko"


def test_password_and_hwp3_statuses(corpus, ctx, ctx_with):
    r = extract_path(corpus / "hwp/mete0r-pyhwp/password-12345.hwp", ctx_with(ctx, "12345"))
    assert r.status == Status.ENCRYPTED and "password" in r.reason
    old = extract_path(corpus / "hwp/apache-tika/testHWP_3.0.hwp", ctx)
    assert old.status == Status.UNSUPPORTED and "HWP 3" in old.reason


def test_hwp_metadata_and_bindata_children(corpus, ctx):
    """BinData pictures are OCR'd into the document (``extractors.pictures``); with OCR of pictures off
    they are children, as other BinData are."""
    import dataclasses

    path = corpus / "hwp/hahnlee-hwp.js/basicsReport.hwp"
    r = extract_path(path, ctx)
    assert r.metadata["hwp_version"].startswith("5.")
    assert r.metadata["pictures"]["found"] == 4 and not r.children
    off = extract_path(path, dataclasses.replace(ctx, ocr_pictures=False))
    assert off.children and all(c.inner_path.startswith("BinData/") for c in off.children)
    assert "pictures" not in off.metadata
