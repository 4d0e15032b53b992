"""Analysts' topic labels on indexed documents.

Labels are kept in ``<data_dir>/labels.jsonl`` (append-only: who, when, document, topic, add/remove) — the
source of truth that survives an index rebuild — and mirrored into each document's ``labels`` field so they
can be searched and faceted. A user can label only documents they may see.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from evidex.search.builder import SearchService
from evidex.search.identity import User
from models.identifiers.tokens import detokenize

LABELLING_ROLES = ("analyst", "investigator", "admin")


@dataclass(frozen=True)
class LabelEvent:
    doc_id: str
    topic: str
    action: str
    user: str
    agency: str
    time: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())


def read_label_events(data_dir: Path) -> list[LabelEvent]:
    """Every label event of a deployment, oldest first."""
    path = data_dir / "labels.jsonl"
    if not path.exists():
        return []
    return [LabelEvent(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line]


def replay(events: list[LabelEvent]) -> dict[str, set[str]]:
    """Document id → topics, after applying every add and remove in order."""
    labels: dict[str, set[str]] = {}
    for event in events:
        topics = labels.setdefault(event.doc_id, set())
        (topics.add if event.action == "add" else topics.discard)(event.topic)
    return {doc: topics for doc, topics in labels.items() if topics}


class LabelStore:
    """Reads and writes analysts' labels."""

    def __init__(self, data_dir: Path, service: SearchService) -> None:
        self.path = data_dir / "labels.jsonl"
        self.service = service

    def current(self) -> dict[str, set[str]]:
        """Document id → topics, after replaying every add and remove."""
        return replay(read_label_events(self.path.parent))

    def set(self, user: User, doc_id: str, topic: str, *, remove: bool = False, known_topics: set[str]) -> set[str]:
        """Add (or remove) one label; returns the document's labels afterwards."""
        if not any(role in user.roles for role in LABELLING_ROLES):
            raise PermissionError(f"role(s) {', '.join(user.roles)} may not label documents")
        if topic not in known_topics:
            raise ValueError(f"unknown topic {topic!r}; known topics: {', '.join(sorted(known_topics))}")
        source = self.service.get(user, doc_id, action="label")  # access check + audit record
        owner = source.get("owner_agency") or source.get("agency")
        if not user.is_admin and owner != user.agency:
            raise PermissionError(f"only the owning agency ({owner}) or an admin may label document {doc_id}; "
                                  f"{user.agency} sees it because it was shared")
        event = LabelEvent(doc_id, topic, "remove" if remove else "add", user.name, user.agency)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(event), ensure_ascii=False) + "\n")
        labels = sorted(self.current().get(doc_id, set()))
        self.service.client.update(index=self.service.docs, id=doc_id, doc={"labels": labels}, refresh=True)
        return set(labels)

    def training_pairs(self, user: User) -> list[tuple[str, list[str]]]:
        """``(text, topics)`` for every labelled document ``user`` may see (one audited read)."""
        labels = self.current()
        docs = self.service.fetch(user, sorted(labels), action="export_for_training", fields=["text"])
        # identifier tokens become their label ("[PHONE]"): a keyed hash is no feature of a topic
        return [(detokenize(docs[d]["text"], {}), sorted(labels[d])) for d in sorted(docs) if docs[d].get("text")]
