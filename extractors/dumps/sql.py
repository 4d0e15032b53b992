"""SQL dumps: ``INSERT`` statements (MySQL and PostgreSQL quoting, multi-row, with or without a column list,
columns from ``CREATE TABLE`` otherwise) and PostgreSQL ``COPY … FROM stdin`` blocks, streamed statement by statement.

MySQL strings take backslash escapes; PostgreSQL strings only double their quotes (``E'…'`` takes escapes), chosen
from the dump's own markers (``PostgreSQL database dump``, ``standard_conforming_strings``). Function calls in
values (``now()``) are kept as their text.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from typing import IO

from extractors.dumps.base import SAMPLE_BYTES, DumpError, Row, Table, synthetic_header
from extractors.dumps.delimited import choose_encoding

MAX_STATEMENT_CHARS = 256 * 1024 * 1024
_READ = 1024 * 1024
_PG_MARKERS = re.compile(r"PostgreSQL database dump|standard_conforming_strings|pg_dump|\bCOPY\s", re.I)
_NAME = r"(?:`[^`]+`|\"[^\"]+\"|\[[^\]]+\]|[\w$.]+)"
_INSERT = re.compile(r"\s*(?:INSERT|REPLACE)\s+(?:(?:IGNORE|LOW_PRIORITY|DELAYED|HIGH_PRIORITY)\s+)*(?:INTO\s+)?"
                     r"(?P<table>" + _NAME + r"(?:\s*\.\s*" + _NAME + r")?)\s*(?:\((?P<cols>[^)]*)\))?\s*VALUES\s*",
                     re.I | re.S)
_CREATE = re.compile(r"\s*CREATE\s+(?:TEMPORARY\s+|UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<table>"
                     + _NAME + r"(?:\s*\.\s*" + _NAME + r")?)\s*\(", re.I | re.S)
_COPY = re.compile(r"\s*COPY\s+(?P<table>" + _NAME + r"(?:\s*\.\s*" + _NAME + r")?)\s*(?:\((?P<cols>[^)]*)\))?"
                   r"\s+FROM\s+stdin", re.I | re.S)
_NOT_COLUMNS = frozenset({"PRIMARY", "KEY", "UNIQUE", "CONSTRAINT", "INDEX", "FOREIGN", "CHECK", "FULLTEXT",
                          "SPATIAL", "EXCLUDE", "LIKE", "PERIOD"})
_MYSQL_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a", "\\": "\\", "'": "'",
                  '"': '"', "%": "\\%", "_": "\\_"}
_ESCAPE = re.compile(r"\\(.)", re.S)
_COPY_ESCAPE = re.compile(r"\\(N|.)", re.S)
# One value of a VALUES list: a quoted string (group s: MySQL, p: PostgreSQL, e: E'…'), NULL, or a bare token.
_MYSQL_VALUE = re.compile(r"\s*(?:'(?P<s>(?:[^'\\]|\\.|'')*)'|\"(?P<d>(?:[^\"\\]|\\.|\"\")*)\"|(?P<null>NULL)(?![\w])"
                          r"|(?P<bare>[^,()'\"\s]+(?:\([^()']*\))?))\s*", re.S | re.I)
_PG_VALUE = re.compile(r"\s*(?:[Ee]'(?P<e>(?:[^'\\]|\\.|'')*)'|'(?P<p>(?:[^']|'')*)'(?:::[\w\s\[\]]+)?"
                       r"|(?P<null>NULL)(?![\w])|(?P<bare>[^,()'\s]+(?:\([^()']*\))?))\s*", re.S | re.I)


def unquote_name(name: str) -> str:
    """A table or column name without its quotes or schema (```users```, ``"public"."users"`` → ``users``)."""
    last = re.split(r"\s*\.\s*(?=[`\"\[\w$])", name.strip())[-1]
    return last.strip("`\"[] ")


def _split_top(body: str) -> list[str]:
    """``body`` split at commas outside quotes and parentheses."""
    parts, depth, start, quote = [], 0, 0, ""
    for i, ch in enumerate(body):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return parts


def create_columns(statement: str) -> tuple[str, list[str]] | None:
    """Table name and column names of a ``CREATE TABLE`` statement."""
    match = _CREATE.match(statement)
    if not match:
        return None
    body = statement[match.end() : statement.rfind(")")]
    columns = []
    for part in _split_top(body):
        words = part.split()
        if words and unquote_name(words[0]).upper() not in _NOT_COLUMNS:
            columns.append(unquote_name(words[0]))
    return unquote_name(match["table"]), columns


def _unescape(value: str, quote: str) -> str:
    doubled = value.replace(quote * 2, quote) if quote * 2 in value else value
    if "\\" not in doubled:
        return doubled
    return _ESCAPE.sub(lambda m: _MYSQL_ESCAPES.get(m.group(1), m.group(1)), doubled)


def parse_values(text: str, start: int, postgres: bool) -> Iterator[Row]:
    """Every ``( … )`` tuple of a VALUES list beginning at ``start``."""
    pattern = _PG_VALUE if postgres else _MYSQL_VALUE
    pos, end = start, len(text)
    while pos < end:
        while pos < end and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= end or text[pos] in ";":
            return
        if text[pos] != "(":
            raise DumpError(f"expected '(' in VALUES at character {pos}", "corrupt")
        pos += 1
        row: list[str | None] = []
        while True:
            match = pattern.match(text, pos)
            if match is None:
                raise DumpError(f"unreadable value at character {pos}", "corrupt")
            if match["null"] is not None:
                row.append(None)
            elif match["bare"] is not None:
                row.append(match["bare"])
            elif postgres:
                row.append(_unescape(match["e"], "'") if match["e"] is not None else match["p"].replace("''", "'"))
            elif match["s"] is not None:
                row.append(_unescape(match["s"], "'"))
            else:
                row.append(_unescape(match["d"], '"'))
            pos = match.end()
            if pos < end and text[pos] == ",":
                pos += 1
                continue
            if pos < end and text[pos] == ")":
                pos += 1
                break
            raise DumpError(f"expected ',' or ')' in VALUES at character {pos}", "corrupt")
        yield tuple(row)


def _copy_cell(cell: str) -> str | None:
    if cell == "\\N":
        return None
    if "\\" not in cell:
        return cell
    return _COPY_ESCAPE.sub(lambda m: _MYSQL_ESCAPES.get(m.group(1), m.group(1)), cell)


class _Statements:
    """Splits a text stream into statements at semicolons outside quotes and comments; reads COPY data lines."""

    def __init__(self, stream: IO[str], postgres: bool) -> None:
        self.stream = stream
        self.postgres = postgres
        self.buffer = ""
        self.pos = 0
        self.eof = False
        self._special = re.compile(r"[;'\"`]|--|/\*|#" if not postgres else r"[;'\"]|--|/\*")

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.stream.read(_READ)
        if not chunk:
            self.eof = True
            return False
        self.buffer = self.buffer[self.pos :] + chunk
        self.pos = 0
        return True

    def statement(self) -> str | None:
        """The next statement (without its ``;``), or None at the end of the stream."""
        scan = self.pos
        while True:
            match = self._special.search(self.buffer, scan)
            if match is None:
                scan_from = max(0, len(self.buffer) - self.pos - 1)  # "--" or "/*" may be cut in two
                if not self._more():
                    rest = self.buffer[self.pos :].strip()
                    self.pos = len(self.buffer)
                    return rest or None
                scan = scan_from
                continue
            token, at = match.group(0), match.start()
            if token == ";":
                text = self.buffer[self.pos : at]
                self.pos = at + 1
                return text
            close = {"'": "'", '"': '"', "`": "`", "--": "\n", "#": "\n", "/*": "*/"}[token]
            escapes = (token in "'\"" and not self.postgres) or (token == "'" and self._e_string(at))
            found = self._close(at + len(token), close, escapes)
            if found < 0:
                offset = at - self.pos
                if not self._more():
                    raise DumpError("the dump ends inside a quoted value or comment", "corrupt")
                if len(self.buffer) > MAX_STATEMENT_CHARS:
                    raise DumpError("a statement is longer than 256 MB", "too_large")
                scan = self.pos + offset
                continue
            scan = found

    def _e_string(self, at: int) -> bool:
        return at > 0 and self.buffer[at - 1] in "Ee" and (at < 2 or not self.buffer[at - 2].isalnum())

    def _close(self, start: int, close: str, backslashes: bool) -> int:
        """Position after the end of a quoted value / comment opened before ``start``, or -1 if not yet read."""
        buffer, i = self.buffer, start
        while True:
            j = buffer.find(close, i)
            if j < 0:
                return -1
            if backslashes:
                k = j - 1
                while k >= start and buffer[k] == "\\":
                    k -= 1
                if (j - 1 - k) % 2:  # an odd number of backslashes escapes this quote
                    i = j + 1
                    continue
            if close in "'\"`":
                if j + 1 >= len(buffer) and not self.eof:
                    return -1  # a doubled quote may be cut by the buffer's end
                if buffer.startswith(close, j + 1):
                    i = j + 2
                    continue
            return j + len(close)

    def copy_lines(self) -> Iterator[str]:
        """The data lines of a COPY block, up to ``\\.`` (the rest of the COPY statement's line skipped)."""
        skip = True
        while True:
            newline = self.buffer.find("\n", self.pos)
            if newline < 0:
                if not self._more():
                    line = self.buffer[self.pos :]
                    self.pos = len(self.buffer)
                    if line and line.rstrip("\r") != "\\.":
                        yield line.rstrip("\r")
                    return
                continue
            line = self.buffer[self.pos : newline].rstrip("\r")
            self.pos = newline + 1
            if skip:
                skip = False
                continue
            if line == "\\.":
                return
            yield line


_LEADING_COMMENTS = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|#[^\n]*(?:\n|$)|/\*(?!!).*?\*/)*", re.S)


def _names(columns: str | None) -> list[str] | None:
    return [unquote_name(c) for c in _split_top(columns)] if columns and columns.strip() else None


def _rows(statements: _Statements) -> Iterator[tuple[str, tuple[str, ...], Row]]:
    """(table, header, row) for every record of the dump, in order."""
    declared: dict[str, list[str]] = {}
    while (statement := statements.statement()) is not None:
        statement = statement[_LEADING_COMMENTS.match(statement).end() :]  # type: ignore[union-attr]
        head = statement[:12].upper()
        if head.startswith("CREATE"):
            found = create_columns(statement)
            if found:
                declared[found[0]] = found[1]
        elif head.startswith(("INSERT", "REPLACE")):
            match = _INSERT.match(statement)
            if not match:
                continue
            table = unquote_name(match["table"])
            columns = _names(match["cols"]) or declared.get(table)
            for row in parse_values(statement, match.end(), statements.postgres):
                yield table, tuple(columns) if columns else synthetic_header(len(row)), row
        elif head.startswith("COPY"):
            match = _COPY.match(statement)
            if not match:
                continue
            table = unquote_name(match["table"])
            columns = _names(match["cols"]) or declared.get(table)
            for line in statements.copy_lines():
                row = tuple(_copy_cell(cell) for cell in line.split("\t"))
                yield table, tuple(columns) if columns else synthetic_header(len(row)), row


def read_sql(fh: IO[bytes], source: str) -> Iterator[Table]:
    """One table per run of consecutive records of the same table (``fh`` must be seekable)."""
    sample = fh.read(SAMPLE_BYTES)
    fh.seek(0)
    encoding = choose_encoding(sample)
    postgres = bool(_PG_MARKERS.search(sample.decode("latin-1")))
    stream = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")
    records = _rows(_Statements(stream, postgres))
    for (table, header), group in itertools.groupby(records, key=lambda r: (r[0], r[1])):
        yield Table(f"{source}#{table}", "sql", header, (row for _, _, row in group), encoding=encoding)
