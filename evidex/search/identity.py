"""Who is asking: users belong to one agency and hold roles."""

from __future__ import annotations

import os
from dataclasses import dataclass

ROLES = ("investigator", "analyst", "clerk", "privacy_officer", "admin")
TASK_FORCE = "task-force"
"""Share target meaning: every agency of the joint investigation."""


@dataclass(frozen=True)
class User:
    """An authenticated caller; ``reveal_pii`` roles may see raw personal identifiers."""

    name: str
    agency: str
    roles: tuple[str, ...] = ("investigator",)

    def __post_init__(self) -> None:
        unknown = [r for r in self.roles if r not in ROLES]
        if unknown:
            raise ValueError(f"unknown role(s) {unknown}; known roles: {', '.join(ROLES)}")
        if not self.agency:
            raise ValueError("a user must belong to an agency")

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def may_reveal_pii(self) -> bool:
        return "privacy_officer" in self.roles or self.is_admin


def parse_user(spec: str) -> User:
    """Parse ``name@agency[:role,role]`` (the form of ``EVIDEX_USER`` and ``--as``)."""
    who, _, roles = spec.partition(":")
    name, sep, agency = who.partition("@")
    if not sep or not name or not agency:
        raise ValueError(f"user must look like name@agency[:role,role], got {spec!r}")
    parsed = tuple(r.strip() for r in roles.split(",") if r.strip()) or ("investigator",)
    return User(name=name, agency=agency, roles=parsed)


def cli_user(spec: str | None = None) -> User:
    """The CLI's caller: ``--as`` or ``EVIDEX_USER``, else the local operator (admin of this data directory)."""
    spec = spec or os.environ.get("EVIDEX_USER")
    if spec:
        return parse_user(spec)
    return User(name=os.environ.get("USER", "operator") or "operator", agency="local", roles=("admin",))
