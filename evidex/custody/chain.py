"""Keyed hash chains for append-only JSON-lines journals (the custody log and the audit journal).

Each line is one JSON record ``{..., "seq", "prev", "chain": "hmac-sha256", "hash"}``: ``hash`` is the
HMAC-SHA256, under the journal's key, of the canonical JSON of the record without ``hash``; ``prev`` is the
previous record's ``hash``. Editing, removing or reordering a line breaks the chain, and recomputing it needs the
key. The key is a random file next to the journal (``custody.jsonl`` → ``custody.key``, mode 0600, created
atomically on the first append), independent of the identifier key so rotating that one never breaks a chain.

Removing the last lines leaves a shorter valid chain, and whoever holds the key can rewrite all of it: so the head
(``seq`` + ``hash``) is also written elsewhere (receipts, the audit index) and checked here as *anchors*.

Lines from before keyed chains (plain SHA-256, or no chain at all) are reported as unproven until sealed; a line
torn by a crash is reported until recorded (``repair_torn``), and is then accepted with the hash of its bytes.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from evidex.settings import write_key_once

GENESIS = "0" * 64
CHAIN = "hmac-sha256"
TORN_RECORDED = "torn_line_recorded"
LEGACY_SEALED = "legacy_sealed"


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class ChainHead:
    """Where a chain ends: the last record's sequence number and hash."""

    seq: int
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash}


@dataclass(frozen=True)
class Anchor:
    """A head written somewhere else (a receipt, the audit index): the journal must hold that record."""

    seq: int
    hash: str
    source: str


@dataclass(frozen=True)
class ChainProblem:
    """One place where a journal does not prove itself; ``kind`` is ``tamper``, ``torn``, ``legacy`` or ``key``."""

    line: int
    reason: str
    kind: str = "tamper"


@dataclass
class ChainReport:
    """The outcome of one pass over a journal."""

    problems: list[ChainProblem] = field(default_factory=list)
    head: ChainHead | None = None
    records: int = 0
    anchors_checked: int = 0
    torn: list[tuple[int, str, int]] = field(default_factory=list)
    """Torn lines not yet recorded: (line number, SHA-256 of its bytes, length)."""
    legacy_lines: int = 0
    legacy_sha256: str = ""


def _read_key(path: Path) -> bytes | None:
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        return None


def _create_key(path: Path) -> bytes:
    write_key_once(path)
    key = _read_key(path)
    assert key is not None
    return key


class Journal:
    """An append-only JSON-lines file whose records are chained with a keyed hash.

    ``kind_field`` names the field that says what a record is (``event`` in custody, ``action`` in the audit):
    the journal's own records (torn line recorded, legacy sealed) use it too.
    """

    def __init__(self, path: Path, kind_field: str = "event", key_path: Path | None = None,
                 compact: bool = True) -> None:
        self.path = path
        self.kind_field = kind_field
        self.key_path = key_path or path.with_suffix(".key")
        self.compact = compact
        """Lines in canonical form; otherwise ``json.dumps`` defaults in field order (the hash is the same)."""

    # -- writing ---------------------------------------------------------------
    @property
    def label(self) -> str:
        """How problems name where the journal lives (``custody.jsonl`` line N)."""
        return f"{self.path.name} line"

    def append(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Append one record under an exclusive lock (seq, prev and hash added); returns the stored record."""
        key = self._key_for_append()

        def make(prev: str, seq: int) -> tuple[dict[str, Any], bytes]:
            record = {k: v for k, v in fields.items() if k not in ("seq", "prev", "chain", "hash")}
            record.setdefault("time", datetime.now(timezone.utc).isoformat(timespec="milliseconds"))
            record.update(seq=seq, prev=prev, chain=CHAIN)
            record["hash"] = hmac.new(key, canonical(record), hashlib.sha256).hexdigest()
            line = canonical(record) if self.compact else json.dumps(record, ensure_ascii=False).encode()
            return record, line

        return self._write(make)

    def _key_for_append(self) -> bytes:
        return _read_key(self.key_path) or _create_key(self.key_path)

    fsync_each = True
    """Fsync inside the lock on every append; a subclass that syncs in the background sets False."""

    def _write(self, make: Any) -> dict[str, Any]:
        """Lock the file, find the tail, write ``make(prev, seq)``'s line and fsync; returns the record."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                prev, seq = self._tail(fh)
                record, line = make(prev, seq)
                end = fh.seek(0, os.SEEK_END)
                if end:
                    fh.seek(end - 1)
                    if fh.read(1) != b"\n":
                        fh.write(b"\n")  # close a line torn by a crash, so the new record stands alone
                fh.write(line + b"\n")
                fh.flush()
                if self.fsync_each:
                    os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return record

    @staticmethod
    def _tail(fh: Any) -> tuple[str, int]:
        """Hash and next seq after the last whole chained record (torn or unchained lines are passed over)."""
        size = fh.seek(0, os.SEEK_END)
        block = min(size, 8192)
        while size:
            fh.seek(size - block)
            lines = fh.read(block).rstrip(b"\n").split(b"\n")
            whole = lines if block == size else lines[1:]  # the first line of a block may be cut
            for line in reversed(whole):
                try:
                    last = json.loads(line)
                    return str(last["hash"]), int(last["seq"]) + 1
                except (ValueError, KeyError, TypeError):
                    continue
            if block == size:
                break
            block = min(size, block * 4)
        return GENESIS, 0

    def head(self) -> ChainHead | None:
        """The last whole chained record's seq and hash (``None`` for an empty journal)."""
        if not self.path.exists():
            return None
        with open(self.path, "rb") as fh:
            prev, seq = self._tail(fh)
        return None if seq == 0 else ChainHead(seq - 1, prev)

    def exists(self) -> bool:
        return self.path.exists()

    def raw_lines(self) -> Iterator[tuple[int, bytes]]:
        """Every line with its number (1-based), newline removed."""
        if not self.path.exists():
            return
        with open(self.path, "rb") as fh:
            for number, raw in enumerate(fh, start=1):
                yield number, raw.rstrip(b"\n")

    def records(self) -> Iterator[dict[str, Any]]:
        """Every readable record; a damaged line is skipped here and reported by ``verify``."""
        for _, raw in self.raw_lines():
            if raw.strip():
                try:
                    yield json.loads(raw)
                except ValueError:
                    continue

    def repair_torn(self) -> list[dict[str, Any]]:
        """Record every torn line not yet recorded (its line number, length and SHA-256); returns the records."""
        report = Journal.verify(self)
        return [Journal.append(self, {self.kind_field: TORN_RECORDED, "line": line, "bytes": size, "sha256": digest})
                for line, digest, size in report.torn]

    def seal_legacy(self) -> dict[str, Any] | None:
        """Seal the lines written before keyed chains as they are now (count and SHA-256 of their bytes)."""
        report = Journal.verify(self)
        if not report.legacy_lines:
            return None
        return Journal.append(self, {self.kind_field: LEGACY_SEALED, "lines": report.legacy_lines,
                            "sha256": report.legacy_sha256})

    # -- checking --------------------------------------------------------------
    def verify(self, anchors: Iterable[Anchor] = (), *, presorted: bool = False) -> ChainReport:
        """One streaming pass: links, keyed hashes, torn and legacy lines, and every anchor.

        ``presorted``: the anchors already come in seq order (streamed, never held in memory).
        """
        report = ChainReport()
        pending = iter(anchors if presorted else sorted(anchors, key=lambda a: a.seq))
        anchor = next(pending, None)
        if not self.exists():
            for left in [anchor, *pending] if anchor else []:
                report.problems.append(ChainProblem(0, f"{left.source} names record {left.seq}, but the journal "
                                                       f"does not exist"))
            return report
        key = _read_key(self.key_path)
        prev, expected_seq, keyed_seen, line = GENESIS, 0, False, 0
        legacy = hashlib.sha256()
        torn: list[tuple[int, str, int]] = []
        recorded: set[tuple[int, str]] = set()
        sealed: tuple[int, str] | None = None
        for line, body in self.raw_lines():
            if not body.strip():
                continue
            try:
                record = json.loads(body)
                if not isinstance(record, dict):
                    raise ValueError("not an object")
            except ValueError:
                torn.append((line, hashlib.sha256(body).hexdigest(), len(body)))
                continue
            stated = record.pop("hash", None)
            if stated is None and not keyed_seen:  # written before the journal was chained at all
                report.legacy_lines += 1
                legacy.update(body + b"\n")
                continue
            report.records += 1
            keyed = record.get("chain") == CHAIN
            if not keyed:
                if keyed_seen:
                    report.problems.append(ChainProblem(line, "record without a keyed hash after keyed "
                                                              "records: the journal was rewritten"))
                else:
                    report.legacy_lines += 1
                    legacy.update(body + b"\n")
                    if hashlib.sha256(canonical(record)).hexdigest() != stated:
                        report.problems.append(ChainProblem(line, "record content does not match its hash"))
            else:
                keyed_seen = True
                if key is None:
                    report.problems.append(ChainProblem(line, f"chain key {self.key_path} is missing: keyed "
                                                              f"records cannot be checked", "key"))
                    key = b""  # report once
                elif key and not hmac.compare_digest(
                        hmac.new(key, canonical(record), hashlib.sha256).hexdigest(), str(stated)):
                    report.problems.append(ChainProblem(line, "record content does not match its keyed "
                                                              "hash (edited, or the chain was recomputed)"))
            # a torn line is passed over by the record after it; anything else that breaks the link is tamper
            if record.get("prev") != prev:
                report.problems.append(ChainProblem(line, "link to the previous record does not match "
                                                          "(a record was removed, inserted or replaced)"))
            if record.get("seq") != expected_seq:
                report.problems.append(ChainProblem(line, f"sequence number {record.get('seq')} where "
                                                          f"{expected_seq} was expected"))
            kind = record.get(self.kind_field)
            if keyed and kind == TORN_RECORDED:
                recorded.add((int(record.get("line", -1)), str(record.get("sha256"))))
            if keyed and kind == LEGACY_SEALED and sealed is None:
                sealed = (int(record.get("lines", -1)), str(record.get("sha256")))
            seq = record.get("seq")
            while anchor is not None and isinstance(seq, int) and anchor.seq <= seq:
                report.anchors_checked += 1
                if anchor.seq < seq:
                    report.problems.append(ChainProblem(line, f"{anchor.source} names record {anchor.seq}, "
                                                              f"which is not in the journal"))
                elif anchor.hash != stated:
                    report.problems.append(ChainProblem(line, f"record {seq} differs from the head kept in "
                                                              f"{anchor.source} (the chain was rewritten)"))
                anchor = next(pending, None)
            prev = str(stated)
            expected_seq = (seq if isinstance(seq, int) else expected_seq) + 1
        report.head = ChainHead(expected_seq - 1, prev) if report.records else None
        for left in [anchor, *pending] if anchor else []:
            report.anchors_checked += 1
            report.problems.append(ChainProblem(line, f"{left.source} names record {left.seq}, but the journal ends "
                                                      f"at {expected_seq - 1}: records were removed from its end"))
        for number, digest, size in torn:
            if (number, digest) in recorded:
                continue
            report.torn.append((number, digest, size))
            report.problems.append(ChainProblem(number, f"line is torn ({size} bytes that are not a whole record, "
                                                        f"e.g. a write cut short by a crash)", "torn"))
        report.legacy_sha256 = legacy.hexdigest()
        if report.legacy_lines and sealed != (report.legacy_lines, report.legacy_sha256):
            report.problems.append(ChainProblem(1, f"{report.legacy_lines} line(s) at the start were written before "
                                                   f"keyed chains: nothing proves they were not rewritten", "legacy"))
        return report
