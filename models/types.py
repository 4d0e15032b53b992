"""Typed results of the enrichment stage."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entity:
    """One mention: a named entity or a validated identifier.

    ``label`` is from the shared label set (PERSON, ORG, LOCATION, DATE, TIME, QUANTITY, MONEY, ... for names;
    EMAIL, PHONE, RRN, CARD, ... for identifiers). ``norm`` is the normalised value used for pivots;
    ``hashed`` is the keyed hash of ``norm`` for sensitive identifiers (raw values are then never indexed).
    """

    label: str
    text: str
    norm: str
    start: int
    end: int
    source: str
    sensitive: bool = False
    hashed: str | None = None


@dataclass(frozen=True)
class Topic:
    label: str
    score: float


@dataclass(frozen=True)
class Enrichment:
    """Entities, personal-data counts and topics of one document."""

    entities: tuple[Entity, ...] = ()
    pii: dict[str, int] = field(default_factory=dict)
    topics: tuple[Topic, ...] = ()
    pipeline_version: str = "0"
