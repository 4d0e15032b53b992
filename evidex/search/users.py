"""API users and their tokens: ``<data_dir>/users.json`` keeps only SHA-256 hashes of the tokens.

Each token has an id (the first 12 hex characters of its hash, safe to show), a creation time, an expiry and
may be revoked; a revoked or expired token resolves to nobody.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from evidex.search.identity import User


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    name: str
    agency: str
    roles: tuple[str, ...]
    created: str | None
    expires: str | None
    revoked: str | None

    @property
    def state(self) -> str:
        if self.revoked:
            return "revoked"
        if self.expires and datetime.fromisoformat(self.expires) <= _now():
            return "expired"
        return "active"


class UserDirectory:
    """Issues tokens, resolves them to users, lists and revokes them."""

    def __init__(self, data_dir: Path, *, ttl_days: int = 90) -> None:
        self.path = data_dir / "users.json"
        self.ttl_days = ttl_days

    def _load(self) -> dict[str, dict]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def _save(self, users: dict[str, dict]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(users, fh, ensure_ascii=False, indent=1)
        os.replace(tmp, self.path)

    def add(self, user: User, *, ttl_days: int | None = None) -> str:
        """Register ``user`` and return a new bearer token (shown once, stored hashed)."""
        token = secrets.token_urlsafe(32)
        days = self.ttl_days if ttl_days is None else ttl_days
        now = _now()
        users = self._load()
        users[_digest(token)] = {
            "name": user.name, "agency": user.agency, "roles": list(user.roles),
            "created": now.isoformat(timespec="seconds"),
            "expires": (now + timedelta(days=days)).isoformat(timespec="seconds") if days != 0 else None,
        }
        self._save(users)
        return token

    def tokens(self) -> list[TokenInfo]:
        """Every token ever issued here (by id; the tokens themselves are not kept)."""
        return [TokenInfo(digest[:12], e["name"], e["agency"], tuple(e["roles"]), e.get("created"),
                          e.get("expires"), e.get("revoked"))
                for digest, e in sorted(self._load().items(), key=lambda kv: kv[1].get("created") or "")]

    def revoke(self, who: str) -> list[str]:
        """Revoke the token with this id, or every token of the user with this name; returns the ids revoked."""
        users = self._load()
        done = []
        stamp = _now().isoformat(timespec="seconds")
        for digest, entry in users.items():
            if (digest.startswith(who) and len(who) >= 8) or entry["name"] == who:
                if not entry.get("revoked"):
                    entry["revoked"] = stamp
                    done.append(digest[:12])
        if done:
            self._save(users)
        return done

    def resolve(self, token: str) -> User | None:
        entry = self._load().get(_digest(token))
        if entry is None or entry.get("revoked"):
            return None
        expires = entry.get("expires")
        if expires and datetime.fromisoformat(expires) <= _now():
            return None
        return User(entry["name"], entry["agency"], tuple(entry["roles"]))
