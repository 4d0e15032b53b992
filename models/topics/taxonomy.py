"""The topic taxonomy: topics and agencies read from TOML files, validated and merged.

The base taxonomy ships in ``data/taxonomy.toml``. Agencies add topics by placing more ``*.toml`` files in
extra directories; every file has the same shape (``version``, ``[agencies.<id>]``, ``[[topics]]``), unknown
fields and duplicate ids are rejected, and every topic must name agencies defined somewhere in the merge.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from models.topics.errors import TaxonomyError

BASE_TAXONOMY = Path(__file__).with_name("data") / "taxonomy.toml"
SUPPORTED_VERSION = 1

_FILE_FIELDS = frozenset({"version", "agencies", "topics"})
_AGENCY_FIELDS = frozenset({"name_ko", "name_en"})
_TOPIC_REQUIRED = frozenset({"id", "name_ko", "name_en", "agencies"})
_TOPIC_OPTIONAL = frozenset({"description_ko", "description_en", "keywords_ko", "keywords_en"})
_ID = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


@dataclass(frozen=True)
class Agency:
    """An agency of the task force."""

    id: str
    name_ko: str
    name_en: str


@dataclass(frozen=True)
class TopicDef:
    """One question of the task force: a label documents can carry (several at once)."""

    id: str
    name_ko: str
    name_en: str
    agencies: tuple[str, ...]
    description_ko: str = ""
    description_en: str = ""
    keywords_ko: tuple[str, ...] = ()
    keywords_en: tuple[str, ...] = ()
    source: str = ""

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.keywords_ko + self.keywords_en


@dataclass(frozen=True)
class Taxonomy:
    """All topics and agencies, in file order (base file first)."""

    topics: tuple[TopicDef, ...]
    agencies: tuple[Agency, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.topics)

    def __iter__(self) -> Iterator[TopicDef]:
        return iter(self.topics)

    def __len__(self) -> int:
        return len(self.topics)

    def __contains__(self, topic_id: object) -> bool:
        return topic_id in self.ids

    def get(self, topic_id: str) -> TopicDef:
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise TaxonomyError(f"unknown topic {topic_id!r}; known topics: {', '.join(self.ids)}", "T106")

    def for_agency(self, agency_id: str) -> tuple[TopicDef, ...]:
        """Topics that concern ``agency_id``."""
        return tuple(t for t in self.topics if agency_id in t.agencies)

    def sha256(self) -> str:
        """Digest of the taxonomy's content, stored with model artifacts."""
        blob = json.dumps([asdict(t) | {"source": ""} for t in self.topics], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _check_fields(where: str, got: Iterable[str], allowed: frozenset[str], required: frozenset[str]) -> None:
    unknown = sorted(set(got) - allowed)
    if unknown:
        raise TaxonomyError(f"{where}: unknown field(s) {unknown}; allowed: {sorted(allowed)}", "T102")
    missing = sorted(required - set(got))
    if missing:
        raise TaxonomyError(f"{where}: missing field(s) {missing}", "T103")


def _str_tuple(where: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise TaxonomyError(f"{where}: expected a list of non-empty strings, got {value!r}", "T104")
    return tuple(value)


def _parse_topic(raw: dict[str, object], where: str, source: str) -> TopicDef:
    _check_fields(where, raw, _TOPIC_REQUIRED | _TOPIC_OPTIONAL, _TOPIC_REQUIRED)
    topic_id = raw["id"]
    if not isinstance(topic_id, str) or not _ID.match(topic_id):
        raise TaxonomyError(f"{where}: id {topic_id!r} must match {_ID.pattern}", "T104")
    for name in ("name_ko", "name_en", "description_ko", "description_en"):
        if not isinstance(raw.get(name, ""), str):
            raise TaxonomyError(f"{where}: {name} must be a string", "T104")
    agencies = _str_tuple(f"{where}.agencies", raw["agencies"])
    if not agencies:
        raise TaxonomyError(f"{where}: a topic must concern at least one agency", "T104")
    return TopicDef(
        id=topic_id, name_ko=str(raw["name_ko"]), name_en=str(raw["name_en"]), agencies=agencies,
        description_ko=str(raw.get("description_ko", "")), description_en=str(raw.get("description_en", "")),
        keywords_ko=_str_tuple(f"{where}.keywords_ko", raw.get("keywords_ko", [])),
        keywords_en=_str_tuple(f"{where}.keywords_en", raw.get("keywords_en", [])),
        source=source,
    )


def parse_taxonomy_file(path: Path) -> tuple[list[TopicDef], list[Agency]]:
    """Topics and agencies of one TOML file, checked field by field (not yet merged)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TaxonomyError(f"{path}: cannot read taxonomy file: {exc}", "T101") from exc
    _check_fields(str(path), raw, _FILE_FIELDS, frozenset())
    version = raw.get("version", SUPPORTED_VERSION)
    if version != SUPPORTED_VERSION:
        raise TaxonomyError(f"{path}: version {version!r} not supported (expected {SUPPORTED_VERSION})", "T105")
    agencies = []
    for agency_id, fields in dict(raw.get("agencies", {})).items():
        where = f"{path}: agencies.{agency_id}"
        if not isinstance(fields, dict):
            raise TaxonomyError(f"{where}: expected a table", "T104")
        _check_fields(where, fields, _AGENCY_FIELDS, _AGENCY_FIELDS)
        agencies.append(Agency(agency_id, str(fields["name_ko"]), str(fields["name_en"])))
    topics_raw = raw.get("topics", [])
    if not isinstance(topics_raw, list):
        raise TaxonomyError(f"{path}: 'topics' must be an array of tables ([[topics]])", "T104")
    topics = [_parse_topic(t, f"{path}: topics[{i}]", path.name) for i, t in enumerate(topics_raw)]
    return topics, agencies


def merge_taxonomies(parts: Iterable[tuple[list[TopicDef], list[Agency]]]) -> Taxonomy:
    """Merge parsed files; duplicate topic or agency ids and unknown agency references are errors."""
    topics: dict[str, TopicDef] = {}
    agencies: dict[str, Agency] = {}
    for part_topics, part_agencies in parts:
        for agency in part_agencies:
            if agency.id in agencies:
                raise TaxonomyError(f"agency {agency.id!r} is defined twice", "T107")
            agencies[agency.id] = agency
        for topic in part_topics:
            if topic.id in topics:
                raise TaxonomyError(f"topic {topic.id!r} is defined twice ({topics[topic.id].source} and "
                                    f"{topic.source}); choose another id", "T107")
            topics[topic.id] = topic
    for topic in topics.values():
        unknown = [a for a in topic.agencies if a not in agencies]
        if unknown:
            raise TaxonomyError(f"topic {topic.id!r} names unknown agencies {unknown}; known: "
                                f"{sorted(agencies)}", "T108")
    return Taxonomy(tuple(topics.values()), tuple(agencies.values()))


def load_taxonomy(extra_dirs: Iterable[str | Path] = (), base: Path = BASE_TAXONOMY) -> Taxonomy:
    """The base taxonomy merged with every ``*.toml`` in ``extra_dirs`` (sorted by name).

    Raises:
        TaxonomyError: a file cannot be parsed, has unknown or missing fields, or conflicts with another.
    """
    paths = [Path(base)]
    for directory in extra_dirs:
        directory = Path(directory)
        if not directory.is_dir():
            raise TaxonomyError(f"extra taxonomy directory {directory} does not exist", "T101")
        paths += sorted(directory.glob("*.toml"))
    return merge_taxonomies(parse_taxonomy_file(p) for p in paths)
