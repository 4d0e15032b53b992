"""The Elasticsearch contract: versioned templates behind aliases, applied idempotently.

Each ``templates/<name>.v<N>.json`` defines index ``<prefix>-<name>-v<N>`` reached through alias
``<prefix>-<name>``. A mapping change is a new file with a higher N, a new index filled from the evidence
store, and an alias swap. Shards and replicas come from the settings (``es_shards``, ``es_replicas``), not the
files: the shard count of an existing index stays (a new version and a reindex change it), its replicas follow.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any

from elasticsearch import BadRequestError, NotFoundError

__all__ = ["IndexSpec", "MappingConflict", "specs", "ensure_indices", "alias_name", "layout", "complete_fields",
           "mark_complete"]

_NAME = re.compile(r"^(?P<name>[a-z_]+)\.v(?P<version>\d+)\.json$")


@dataclass(frozen=True)
class IndexSpec:
    """One versioned index definition."""

    name: str
    version: int
    body: dict[str, Any]

    def index(self, prefix: str) -> str:
        return f"{prefix}-{self.name}-v{self.version}"

    def alias(self, prefix: str) -> str:
        return f"{prefix}-{self.name}"


class MappingConflict(ValueError):
    """A template changed within its version in a way the live index cannot take (a field's type or options):
    said in one line, with what to do, instead of Elasticsearch's refusal."""

    def __init__(self, spec: "IndexSpec", live: str, error: Exception) -> None:
        reason = getattr(error, "message", "") or str(error)
        info = getattr(error, "info", None)
        if isinstance(info, dict):
            reason = info.get("error", {}).get("reason", reason)
        super().__init__(
            f"index {live}: templates/{spec.name}.v{spec.version}.json changed in a way the index cannot take "
            f"({' '.join(str(reason).split())[:200]}); ship the change as {spec.name}.v{spec.version + 1}.json "
            "and run `evidex reindex`")


def specs() -> dict[str, IndexSpec]:
    """The newest version of every index definition shipped in ``templates/``."""
    found: dict[str, IndexSpec] = {}
    for entry in resources.files(__package__).joinpath("templates").iterdir():
        match = _NAME.match(entry.name)
        if not match:
            continue
        body = json.loads(entry.read_text(encoding="utf-8"))
        body.pop("_comment", None)
        spec = IndexSpec(match["name"], int(match["version"]), body)
        if spec.name not in found or found[spec.name].version < spec.version:
            found[spec.name] = spec
    return found


LATE_FIELDS: dict[str, tuple[str, ...]] = {"docs": ("text_tri", "text_ko_pairs")}
"""Fields added to an index version's mapping after indices of that version were in use. An index made from
the template has them in every document; one that got them by ``put_mapping`` has them only in documents
written since, until a reindex of everything (:func:`mark_complete`). Readers ask :func:`complete_fields`
before relying on one."""
COMPLETE = "evidex_complete_fields"
"""The mapping ``_meta`` key listing the late fields every document of the index carries."""
_COMPLETE_TTL_S = 30.0
_complete_cache: dict[tuple[int, str], tuple[float, frozenset[str]]] = {}


def complete_fields(client: Any, alias: str) -> frozenset[str]:
    """The late fields (``LATE_FIELDS``) every document behind ``alias`` carries; read at most every 30 s
    per client, and empty when the index cannot be read (a reader then keeps to the older fields)."""
    key = (id(client), alias)
    now = time.monotonic()
    cached = _complete_cache.get(key)
    if cached and now - cached[0] < _COMPLETE_TTL_S:
        return cached[1]
    try:
        found = client.indices.get_mapping(index=alias)
        fields = frozenset.intersection(*(frozenset(m.get("mappings", {}).get("_meta", {}).get(COMPLETE, []))
                                          for m in found.values())) if found else frozenset()
    except Exception:  # noqa: BLE001 - a missing or unreadable index: the older fields serve
        fields = frozenset()
    _complete_cache[key] = (now, fields)
    return fields


def mark_complete(client: Any, index: str, name: str = "docs") -> None:
    """Record that every document of ``index`` now carries the late fields of ``name`` (after a full reindex)."""
    found = client.indices.get_mapping(index=index)
    for concrete, mapping in found.items():
        meta = dict(mapping.get("mappings", {}).get("_meta", {}))
        meta[COMPLETE] = sorted(set(meta.get(COMPLETE, [])) | set(LATE_FIELDS.get(name, ())))
        client.indices.put_mapping(index=concrete, meta=meta)
    _complete_cache.clear()


def _version_of(index: str) -> int:
    match = re.search(r"-v(\d+)$", index)
    return int(match.group(1)) if match else -1


def alias_name(prefix: str, name: str) -> str:
    return f"{prefix}-{name}"


def layout(shards: int | None = None, replicas: int | None = None) -> tuple[int, int]:
    """Shards and replicas: those given, else the settings' ``es_shards`` / ``es_replicas`` (environment and
    ``evidex.toml`` of ``EVIDEX_DATA_DIR``)."""
    if shards is None or replicas is None:
        from evidex.settings import load_settings

        configured = load_settings()
        shards = configured.es_shards if shards is None else shards
        replicas = configured.es_replicas if replicas is None else replicas
    return shards, replicas


def _fingerprint(spec: IndexSpec, shards: int, replicas: int) -> str:
    """What a template was applied from: a changed file, shard or replica count makes a new fingerprint."""
    text = json.dumps([spec.version, spec.body, shards, replicas], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _index_setting(found: dict[str, Any], index: str, key: str) -> Any:
    return found.get(index, {}).get("settings", {}).get("index", {}).get(key)


def ensure_indices(client: Any, prefix: str, *, shards: int | None = None,
                   replicas: int | None = None) -> dict[str, str]:
    """Apply templates and create missing indices and aliases; returns alias → concrete index. ``shards`` and
    ``replicas`` default to the settings' (see :func:`layout`).

    Everything is read first (templates, aliases, mapping fingerprints, settings: four requests) and only
    what differs is written, so the call a batch makes at its start costs next to nothing once the indices
    exist. A refresh left off by a killed load is turned back on and replicas follow the settings."""
    shards, replicas = layout(shards, replicas)
    wanted = specs()
    try:
        listed = client.indices.get_index_template(name=f"{prefix}-*").get("index_templates", [])
    except NotFoundError:
        listed = []
    templates = {t["name"]: t.get("index_template", {}).get("_meta", {}) for t in listed}
    aliases: dict[str, list[str]] = {}
    for index, info in client.indices.get_alias(index=f"{prefix}-*", ignore_unavailable=True).items():
        for alias in info.get("aliases", {}):
            aliases.setdefault(alias, []).append(index)
    current = {spec.alias(prefix): max(aliases[spec.alias(prefix)], key=_version_of)
               for spec in wanted.values() if spec.alias(prefix) in aliases}
    metas = client.indices.get_mapping(index=",".join(current.values())) if current else {}
    found = client.indices.get_settings(index=",".join(current.values()),
                                        name="index.refresh_interval,index.number_of_replicas") if current else {}
    result: dict[str, str] = {}
    for spec in wanted.values():
        index, alias = spec.index(prefix), spec.alias(prefix)
        mark = _fingerprint(spec, shards, replicas)
        if templates.get(f"{prefix}-{spec.name}", {}).get("evidex_fingerprint") != mark:
            index_settings = {**spec.body["settings"], "number_of_shards": shards, "number_of_replicas": replicas}
            client.indices.put_index_template(
                name=f"{prefix}-{spec.name}", index_patterns=[f"{prefix}-{spec.name}-v*"],
                template={"settings": index_settings, "mappings": {**spec.body["mappings"], "_meta": {
                    **spec.body["mappings"].get("_meta", {}), COMPLETE: list(LATE_FIELDS.get(spec.name, ()))}}},
                priority=100,
                meta={"evidex_version": spec.version, "evidex_fingerprint": mark})
        if alias in current:
            live = current[alias]
            live_meta = metas.get(live, {}).get("mappings", {}).get("_meta", {})
            if live == index and live_meta.get("evidex_fingerprint") != mark:
                # Fields added to the current version's mapping; a conflicting change needs a new version. The
                # documents already there lack the added fields until a reindex (``COMPLETE`` stays as it was).
                try:
                    client.indices.put_mapping(index=live, properties=spec.body["mappings"]["properties"],
                                               meta={**spec.body["mappings"].get("_meta", {}), "evidex_fingerprint": mark,
                                                     COMPLETE: live_meta.get(COMPLETE, [])})
                except BadRequestError as exc:
                    raise MappingConflict(spec, live, exc) from exc
            if live == index and _index_setting(found, live, "refresh_interval") == "-1":  # a killed load's
                client.indices.put_settings(index=live, settings={
                    "index": {"refresh_interval": spec.body["settings"].get("refresh_interval", "1s")}})
            value = _index_setting(found, live, "number_of_replicas")
            if value is not None and int(value) != replicas:
                client.indices.put_settings(index=live, settings={"index": {"number_of_replicas": replicas}})
            result[alias] = live
            continue
        if not client.indices.exists(index=index):
            client.indices.create(index=index, aliases={alias: {"is_write_index": True}},
                                  mappings={"_meta": {**spec.body["mappings"].get("_meta", {}),
                                                      "evidex_fingerprint": mark,
                                                      COMPLETE: list(LATE_FIELDS.get(spec.name, ()))}})
        else:
            client.indices.put_alias(index=index, name=alias)
        result[alias] = index
    return result
