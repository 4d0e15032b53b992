"""API users and their tokens: ``<data_dir>/users.json`` keeps only SHA-256 hashes of the tokens."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path

from evidex.search.identity import User


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserDirectory:
    """Issues tokens and resolves them to users."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "users.json"

    def _load(self) -> dict[str, dict]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def add(self, user: User) -> str:
        """Register ``user`` and return a new bearer token (shown once, stored hashed)."""
        token = secrets.token_urlsafe(32)
        users = self._load()
        users[_digest(token)] = {"name": user.name, "agency": user.agency, "roles": list(user.roles)}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(users, fh, ensure_ascii=False, indent=1)
        os.replace(tmp, self.path)
        return token

    def resolve(self, token: str) -> User | None:
        entry = self._load().get(_digest(token))
        if entry is None:
            return None
        return User(entry["name"], entry["agency"], tuple(entry["roles"]))
