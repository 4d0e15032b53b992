"""Enumeration guard: a masked user sending many near-identical queries that differ only in digits or identifiers.

Each query of a role without the right to raw identifiers is reduced to its shape (identifier tokens and digit
runs replaced by placeholders). Many different queries of one shape by one user within a short window look like
someone recovering a masked value by trial: past ``flag_after`` the audit record is flagged, past
``throttle_after`` the query is refused with 429 until the window has passed. The window is kept in SQLite under
the data directory, so CLI invocations and API workers share it.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from evidex.custody.catalog import use_wal
from models.identifiers.tokens import TOKEN_PATTERN

_DIGITS = re.compile(r"\d+")
_HEX_RUN = re.compile(r"\b[0-9a-f]{6,}\b")


@dataclass(frozen=True)
class ProbeVerdict:
    flagged: bool
    throttled: bool
    variants: int


def shape_of(query: str) -> str:
    """The query with identifier tokens and digit runs replaced by placeholders, lower-cased."""
    shaped = TOKEN_PATTERN.sub(lambda m: f"<{m.group(1)}>", query.lower())
    shaped = _HEX_RUN.sub("<hex>", shaped)
    return " ".join(_DIGITS.sub("#", shaped).split())


class ProbeGuard:
    """Counts distinct variants of each query shape per user over a sliding window."""

    def __init__(self, path: Path, *, window_s: float = 600.0, flag_after: int = 12,
                 throttle_after: int = 30) -> None:
        self.path = path
        self.window_s = window_s
        self.flag_after = flag_after
        self.throttle_after = throttle_after
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10, check_same_thread=False, isolation_level=None)
            use_wal(conn)  # the API's workers may open it at once
            conn.execute("CREATE TABLE IF NOT EXISTS probes (user TEXT, shape TEXT, variant TEXT, at REAL, "
                         "PRIMARY KEY (user, shape, variant))")
            self._conn = conn
        return self._conn

    def check(self, user: str, query: str) -> ProbeVerdict:
        """Record ``query`` for ``user`` and judge the user's recent queries of the same shape."""
        shape = shape_of(query)
        if "#" not in shape and "<" not in shape:
            return ProbeVerdict(False, False, 0)  # no digits or identifiers: nothing to enumerate
        variant = hashlib.sha256(query.encode()).hexdigest()[:32]
        key = hashlib.sha256(shape.encode()).hexdigest()[:32]
        now = time.time()
        with self._lock:
            db = self._db()
            db.execute("DELETE FROM probes WHERE at < ?", (now - self.window_s,))
            count = db.execute("SELECT count(*) FROM probes WHERE user=? AND shape=?", (user, key)).fetchone()[0]
            if count >= self.throttle_after:
                return ProbeVerdict(True, True, count)
            db.execute("INSERT OR REPLACE INTO probes VALUES (?, ?, ?, ?)", (user, key, variant, now))
            count = db.execute("SELECT count(*) FROM probes WHERE user=? AND shape=?", (user, key)).fetchone()[0]
        return ProbeVerdict(count > self.flag_after, False, count)
