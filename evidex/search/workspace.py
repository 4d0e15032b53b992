"""An agency's work on documents — tags, notes, stars — and each user's saved searches.

Tags, notes and stars belong to the agency that made them: stored in the index (``tags`` as ``agency|tag``,
``starred`` as agency names, ``notes`` as records) so they can be filtered and faceted, and in an append-only
journal (``annotations.jsonl``) that ``reapply`` replays after the index is rebuilt. Reading or writing one needs
read access to the document (checked and audited by the query builder).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from evidex.search.builder import SearchService
from evidex.search.identity import User
from evidex.search.query import QueryRefused
from evidex.search.results import own_annotations

MAX_TAG = 64
MAX_NOTE = 4000
WRITE_ROLES = ("investigator", "analyst", "privacy_officer", "admin")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _append(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")


class Annotations:
    def __init__(self, service: SearchService, data_dir: Path) -> None:
        self.service = service
        self.journal = data_dir / "annotations.jsonl"

    def _check(self, user: User) -> None:
        if not any(role in user.roles for role in WRITE_ROLES):
            raise PermissionError(f"role(s) {', '.join(user.roles)} may not annotate documents")

    def _current(self, doc_id: str) -> dict[str, Any]:
        response = self.service.client.get(index=self.service.docs, id=doc_id,
                                           source_includes=["tags", "notes", "starred"])
        return response["_source"]

    def _apply(self, doc_id: str, change: dict[str, Any]) -> None:
        current = self._current(doc_id)
        kind, agency = change["kind"], change["agency"]
        if kind == "tag":
            tags = set(current.get("tags") or [])
            (tags.discard if change.get("remove") else tags.add)(f"{agency}|{change['tag']}")
            update: dict[str, Any] = {"tags": sorted(tags)}
        elif kind == "star":
            starred = set(current.get("starred") or [])
            (starred.add if change.get("starred") else starred.discard)(agency)
            update = {"starred": sorted(starred)}
        else:
            notes = list(current.get("notes") or [])
            notes.append({k: change[k] for k in ("agency", "user", "time", "text")})
            update = {"notes": notes}
        self.service.client.update(index=self.service.docs, id=doc_id, doc=update, refresh=True)

    def change(self, user: User, doc_id: str, **change: Any) -> dict[str, Any]:
        """Tag (``tag``, ``remove``), note (``text``) or star (``starred``) one document for the caller's agency."""
        self._check(user)
        if "tag" in change:
            tag = " ".join(str(change["tag"]).split())
            if not tag or len(tag) > MAX_TAG or "|" in tag:
                raise QueryRefused(f"a tag is 1 to {MAX_TAG} characters without '|'", 422)
            change = {"kind": "tag", "tag": tag, "remove": bool(change.get("remove"))}
        elif "text" in change:
            text = str(change["text"]).strip()
            if not text or len(text) > MAX_NOTE:
                raise QueryRefused(f"a note is 1 to {MAX_NOTE} characters", 422)
            change = {"kind": "note", "text": text}
        else:
            change = {"kind": "star", "starred": bool(change.get("starred"))}
        self.service.get(user, doc_id, action=f"annotate_{change['kind']}")  # access check + audit
        record = {**change, "doc_id": doc_id, "agency": user.agency, "user": user.name, "time": _now()}
        _append(self.journal, record)
        self._apply(doc_id, record)
        return own_annotations(self._current(doc_id), user.agency)

    def reapply(self) -> int:
        """Replay the journal onto a rebuilt index; returns how many changes were applied."""
        if not self.journal.exists():
            return 0
        applied = 0
        for line in self.journal.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            try:
                self._apply(record["doc_id"], record)
                applied += 1
            except Exception:  # noqa: BLE001 - a document no longer in the index keeps its journal line
                continue
        return applied


class SavedSearches:
    """Each user's named searches (query and filters), in ``saved_searches.json``."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "saved_searches.json"

    def _load(self) -> dict[str, dict[str, Any]]:
        return json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}

    def _save(self, data: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
        os.replace(tmp, self.path)

    @staticmethod
    def _key(user: User) -> str:
        return f"{user.agency}/{user.name}"

    def list(self, user: User) -> list[dict[str, Any]]:
        return sorted(self._load().get(self._key(user), {}).values(), key=lambda s: s["name"])

    def save(self, user: User, name: str, query: str, filters: dict[str, Any]) -> dict[str, Any]:
        name = " ".join(name.split())[:100]
        if not name:
            raise QueryRefused("a saved search needs a name", 422)
        data = self._load()
        entry = {"name": name, "query": query[:4000], "filters": {k: str(v)[:512] for k, v in filters.items() if v},
                 "saved": _now()}
        data.setdefault(self._key(user), {})[name] = entry
        self._save(data)
        return entry

    def delete(self, user: User, name: str) -> bool:
        data = self._load()
        found = data.get(self._key(user), {}).pop(name, None) is not None
        if found:
            self._save(data)
        return found


def reapply_work(client: Any, index: str, data_dir: Path) -> dict[str, int]:
    """Replay the agencies' annotations and the shares accepted access requests made onto a rebuilt ``index``.

    Called by the reindex flow before it moves the alias, so a rebuilt index keeps tags, notes, stars and shares.
    """

    class _Target:  # the two attributes Annotations needs, pointed at the new index
        def __init__(self) -> None:
            self.client, self.docs = client, index

    applied = Annotations(_Target(), data_dir).reapply()  # type: ignore[arg-type]
    shared = 0
    shares = data_dir / "shares.jsonl"
    if shares.exists():
        for line in shares.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            for doc_id in record.get("doc_ids", []):
                try:
                    current = client.get(index=index, id=doc_id, source_includes=["shared_with"])["_source"]
                except Exception:  # noqa: BLE001 - a document no longer in the index
                    continue
                targets = sorted(set(current.get("shared_with") or []) | {record["agency"]})
                client.update(index=index, id=doc_id, doc={"shared_with": targets})
                shared += 1
    client.indices.refresh(index=index)
    return {"annotations": applied, "shares": shared}
