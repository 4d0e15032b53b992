"""Browser sessions: a user's token exchanged once for an HttpOnly, SameSite=Strict cookie, writes CSRF-checked.

The page never holds the token: it sends it once to ``POST /api/session`` and then lives on the cookie. A session
stores only the token's hash, so revoking or expiring the token ends the session at its next request. Every
request that changes something (POST, PUT, PATCH, DELETE) made with the cookie must carry the session's CSRF token
in ``X-CSRF-Token``; bearer-token clients (scripts, the CLI) need none.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

COOKIE = "evidex_session"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Session:
    token: str
    csrf: str
    expires: float


class SessionStore:
    """Sessions of one server process, in memory (a restart signs everyone out)."""

    def __init__(self, ttl_s: float = 8 * 3600) -> None:
        self.ttl_s = ttl_s
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(session_id: str) -> str:
        return hashlib.sha256(session_id.encode()).hexdigest()

    def open(self, token: str) -> tuple[str, Session]:
        session_id = secrets.token_urlsafe(32)
        session = Session(token, secrets.token_urlsafe(24), time.time() + self.ttl_s)
        with self._lock:
            now = time.time()
            self._sessions = {k: s for k, s in self._sessions.items() if s.expires > now}
            self._sessions[self._key(session_id)] = session
        return session_id, session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(self._key(session_id))
        if session is None or session.expires <= time.time():
            return None
        return session

    def close(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._sessions.pop(self._key(session_id), None)

    @staticmethod
    def csrf_ok(session: Session, header: str | None) -> bool:
        return bool(header) and hmac.compare_digest(session.csrf, header or "")
