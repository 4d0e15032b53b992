"""Text-like files: encodings (CP949/EUC-KR, UTF-16, BOMs), CSV/JSON, XML without entities, HTML."""

from __future__ import annotations

import codecs

import pytest

from extractors import Status, detect_type, extract_path

KOREAN = "공정거래위원회 조사 결과, 입찰 담합 정황이 확인되었다.\n"


@pytest.mark.parametrize(
    "data,encoding",
    [
        (KOREAN.encode("cp949") * 3, "cp949"),
        (("똠방각하 " + KOREAN).encode("cp949") * 2, "cp949"),  # 똠 exists only in CP949, not EUC-KR
        (KOREAN.encode("euc-kr") * 3, "cp949"),
        (codecs.BOM_UTF8 + KOREAN.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF16_LE + KOREAN.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + KOREAN.encode("utf-16-be"), "utf-16-be"),
        (("log line " + KOREAN).encode("utf-16-le") * 3, "utf-16-le"),
    ],
)
def test_encodings(tmp_path, ctx, data, encoding):
    p = tmp_path / "note.txt"
    p.write_bytes(data)
    r = extract_path(p, ctx)
    assert r.status == Status.OK and r.metadata["encoding"] == encoding
    assert "입찰 담합 정황이 확인되었다." in r.text and "\ufeff" not in r.text
    assert r.language == "ko"


def test_csv_tsv_json_log(tmp_path, ctx):
    files = {
        "rows.csv": "이름,전화번호\n홍길동,010-1234-5678\n".encode("cp949"),
        "rows.tsv": "a\tb\n1\t2\n".encode(),
        "data.json": '{"name": "홍길동", "phone": "010-1234-5678"}'.encode(),
        "app.log": b"2024-01-01 12:00:00 INFO login user=kim\n" * 5,
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        r = extract_path(tmp_path / name, ctx)
        assert r.status == Status.OK and r.text.strip(), name
    assert "홍길동,010-1234-5678" in extract_path(tmp_path / "rows.csv", ctx).text
    assert detect_type(tmp_path / "rows.csv") == "text/csv"


def test_xml_entities_are_not_expanded(tmp_path, ctx):
    lol = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    xml = f'<?xml version="1.0"?><!DOCTYPE r [{"".join(lol)}<!ENTITY ext SYSTEM "file:///etc/passwd">]>' \
          "<r><a>safe text</a><b>&lol9;</b><c>&ext;</c></r>"
    p = tmp_path / "laughs.xml"
    p.write_text(xml)
    r = extract_path(p, ctx)
    assert r.status in (Status.OK, Status.PARTIAL)
    assert "safe text" in r.text and "lollol" not in r.text and "root:" not in r.text


def test_html_visible_text_and_charset(tmp_path, ctx):
    page = '<html><head><meta charset="euc-kr"><title>보도자료</title><style>p{}</style>' \
           "<script>var x='숨김';</script></head><body><p>장관 방문</p><br>일정</body></html>"
    p = tmp_path / "page.html"
    p.write_bytes(page.encode("euc-kr"))
    r = extract_path(p, ctx)
    assert r.metadata["title"] == "보도자료"
    assert "장관 방문" in r.text and "숨김" not in r.text


def test_binary_garbage_is_unsupported(tmp_path, ctx):
    p = tmp_path / "blob.bin"
    p.write_bytes(bytes(range(256)) * 100)
    r = extract_path(p, ctx)
    assert r.status == Status.UNSUPPORTED and "application/octet-stream" in r.reason


def test_one_broken_sequence_keeps_utf8(tmp_path, ctx):
    text = "Профессионалы — деловая сеть России. " * 20
    data = bytearray(text.encode("utf-8"))
    data[101] = 0x66  # one damaged continuation byte
    p = tmp_path / "ru.txt"
    p.write_bytes(bytes(data))
    r = extract_path(p, ctx)
    assert r.metadata["encoding"] == "utf-8" and r.language == "ru"
