"""Dump readers on generated files: every format gives its known rows, header and encoding; bad input is data."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

import extractors.dumps as dumps
from extractors.dumps import iter_tables


def tables(path: Path) -> list[tuple[str, str, tuple[str, ...], list[tuple], str]]:
    return [(t.source, t.format, t.header, [tuple(r) for r in t.rows], t.status) for t in iter_tables(path)]


def test_public_names() -> None:
    assert sorted(dumps.__all__) == ["DUMP_EXTENSIONS", "DumpError", "Row", "Table", "dump_format", "iter_tables",
                                     "read_stream"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949", "utf-16"])
def test_csv_encodings_and_quotes(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "members.csv"
    path.write_text('이름,휴대폰,메모\r\n김철수,010-4821-7735,"쉼표, 그리고 ""따옴표"""\r\n이영희,010-1234-5678,'
                    '"줄\n바꿈"\r\n', encoding=encoding)
    [(source, fmt, header, rows, status)] = tables(path)
    assert (source, fmt, status) == ("members.csv", "csv", "ok")
    assert header == ("이름", "휴대폰", "메모")
    assert rows == [("김철수", "010-4821-7735", '쉼표, 그리고 "따옴표"'), ("이영희", "010-1234-5678", "줄\n바꿈")]


@pytest.mark.parametrize(("delimiter", "name"), [("\t", "a.tsv"), (";", "a.csv"), ("|", "a.csv"), ("\t", "a.csv")])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str, name: str) -> None:
    path = tmp_path / name
    lines = [delimiter.join(["id", "email", "note"])] + [delimiter.join([str(i), f"u{i}@x.kr", "a,b"])
                                                           for i in range(5)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [(_, _, header, rows, _)] = tables(path)
    assert header == ("id", "email", "note")
    assert rows[4] == ("4", "u4@x.kr", "a,b")


def test_csv_without_header_gets_column_names(tmp_path: Path) -> None:
    path = tmp_path / "raw.csv"
    path.write_text("김철수,010-4821-7735\n이영희,010-1234-5678\n", encoding="utf-8")
    [(_, _, header, rows, _)] = tables(path)
    assert header == ("column_1", "column_2") and len(rows) == 2


MYSQL = """-- MySQL dump 10.13
/*!40101 SET NAMES utf8mb4 */;
# a hash comment; with a semicolon
CREATE TABLE `members` (
  `id` int NOT NULL AUTO_INCREMENT,
  `name` varchar(40) DEFAULT 'a,b',
  `phone` varchar(20) DEFAULT NULL,
  PRIMARY KEY (`id`), KEY `ix_phone` (`phone`,`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO `members` VALUES (1,'O\\'Brien; Jr.','010-4821-7735'),(2,'줄\\n바꿈',NULL),
(3,'back\\\\slash','010-1234-5678');
INSERT INTO `orders` (`id`, `memo`, `amount`) VALUES (1,'it''s -- not a comment',-12.5),(2,"dq \\" x",now());
"""
POSTGRES = """--
-- PostgreSQL database dump
--
SET standard_conforming_strings = on;
CREATE TABLE public.customers (
    id integer NOT NULL,
    email text,
    note text
);
COPY public.customers (id, email, note) FROM stdin;
1\tkim@example.com\tC:\\\\temp
2\t\\N\ttab\\there
\\.
INSERT INTO public.customers VALUES (3, 'lee@example.com', 'C:\\new'), (4, E'e\\'s', 'it''s');
"""


def test_mysql_inserts(tmp_path: Path) -> None:
    path = tmp_path / "shop.sql"
    path.write_text(MYSQL, encoding="utf-8")
    found = tables(path)
    assert [(s, h) for s, _, h, _, _ in found] == [("shop.sql#members", ("id", "name", "phone")),
                                                     ("shop.sql#orders", ("id", "memo", "amount"))]
    assert found[0][3] == [("1", "O'Brien; Jr.", "010-4821-7735"), ("2", "줄\n바꿈", None),
                           ("3", "back\\slash", "010-1234-5678")]
    assert found[1][3] == [("1", "it's -- not a comment", "-12.5"), ("2", 'dq " x', "now()")]


def test_postgres_copy_and_inserts(tmp_path: Path) -> None:
    path = tmp_path / "crm.dump"
    path.write_text(POSTGRES, encoding="utf-8")
    [(source, fmt, header, rows, status)] = tables(path)
    assert (source, fmt, header, status) == ("crm.dump#customers", "sql", ("id", "email", "note"), "ok")
    assert rows == [("1", "kim@example.com", "C:\\temp"), ("2", None, "tab\there"),
                    ("3", "lee@example.com", "C:\\new"), ("4", "e's", "it's")]


def test_sql_statements_longer_than_the_read_buffer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from extractors.dumps import sql

    monkeypatch.setattr(sql, "_READ", 7)  # every quote, comment and doubled quote lands on a buffer edge somewhere
    path = tmp_path / "edge.sql"
    path.write_text(MYSQL, encoding="utf-8")
    assert [len(t[3]) for t in tables(path)] == [3, 2]
    path.write_text(POSTGRES, encoding="utf-8")
    assert len(tables(path)[0][3]) == 4


def test_truncated_sql_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "cut.sql"
    path.write_text("INSERT INTO t (a) VALUES ('never closed", encoding="utf-8")
    [(_, _, _, rows, status)] = tables(path)
    assert status == "corrupt" and rows == []


def test_json_lines_flatten_and_keep_late_keys(tmp_path: Path) -> None:
    path = tmp_path / "users.jsonl"
    path.write_text('{"name": "김", "contact": {"phone": "010-4821-7735"}, "tags": ["a"]}\n\n'
                    '{"name": "이", "age": 3, "vip": true}\n', encoding="utf-8")
    [(_, fmt, header, rows, _)] = tables(path)
    assert fmt == "jsonl" and header == ("name", "contact.phone", "tags", "age", "vip", "_more")
    assert rows == [("김", "010-4821-7735", '["a"]', None, None), ("이", None, None, "3", "true")]


def test_bad_json_line_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n{oops\n', encoding="utf-8")
    assert tables(path)[0][4] == "corrupt"


def test_xlsx_sheets(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "회원"
    sheet.append([None])
    sheet.append(["이름", "주민등록번호", "가입"])
    sheet.append(["김철수", "790326-2708605", 1234.0])
    other = book.create_sheet("빈 시트")
    other.append([])
    book.save(tmp_path / "members.xlsx")
    assert tables(tmp_path / "members.xlsx") == [
        ("members.xlsx#회원", "xlsx", ("이름", "주민등록번호", "가입"), [("김철수", "790326-2708605", "1234")], "ok")]


def test_zip_members_nested_and_encrypted(tmp_path: Path) -> None:
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("deep/b.tsv", "email\tname\nkim@example.com\t김\n")
    outer = tmp_path / "leak.zip"
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.csv", "phone,name\n010-4821-7735,김\n")
        archive.write(inner, "inner.zip")
        archive.writestr("readme.md", "not a dump")
        archive.writestr("broken.jsonl", "{nope\n")
    found = {t[0]: t for t in tables(outer)}
    assert found["leak.zip/a.csv"][3] == [("010-4821-7735", "김")]
    assert found["leak.zip/inner.zip/deep/b.tsv"][1:4] == ("tsv", ("email", "name"), [("kim@example.com", "김")])
    assert found["leak.zip/broken.jsonl"][4] == "corrupt"
    assert "leak.zip/readme.md" not in found


def test_unknown_format_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n")
    assert tables(path)[0][4] == "unsupported"
