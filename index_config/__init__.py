"""The Elasticsearch contract: versioned templates behind aliases, applied idempotently.

Each ``templates/<name>.v<N>.json`` defines index ``<prefix>-<name>-v<N>`` reached through alias
``<prefix>-<name>``. A mapping change is a new file with a higher N, a new index filled from the evidence
store, and an alias swap. Shards and replicas come from the settings (``es_shards``, ``es_replicas``), not the
files: the shard count of an existing index stays (a new version and a reindex change it), its replicas follow.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["IndexSpec", "specs", "ensure_indices", "alias_name", "layout"]

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


def _version_of(index: str) -> int:
    match = re.search(r"-v(\d+)$", index)
    return int(match.group(1)) if match else -1


def _restore_refresh(client: Any, index: str, spec: IndexSpec) -> None:
    """Undo a refresh left off by a large load that was killed."""
    settings = client.indices.get_settings(index=index, name="index.refresh_interval")
    value = settings.get(index, {}).get("settings", {}).get("index", {}).get("refresh_interval")
    if value == "-1":
        client.indices.put_settings(index=index, settings={
            "index": {"refresh_interval": spec.body["settings"].get("refresh_interval", "1s")}})


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


def _follow_replicas(client: Any, index: str, replicas: int) -> None:
    current = client.indices.get_settings(index=index, name="index.number_of_replicas")
    value = current.get(index, {}).get("settings", {}).get("index", {}).get("number_of_replicas")
    if value is not None and int(value) != replicas:
        client.indices.put_settings(index=index, settings={"index": {"number_of_replicas": replicas}})


def ensure_indices(client: Any, prefix: str, *, shards: int | None = None,
                   replicas: int | None = None) -> dict[str, str]:
    """Apply templates and create missing indices and aliases; returns alias → concrete index. ``shards`` and
    ``replicas`` default to the settings' (see :func:`layout`)."""
    shards, replicas = layout(shards, replicas)
    result: dict[str, str] = {}
    for spec in specs().values():
        index = spec.index(prefix)
        alias = spec.alias(prefix)
        index_settings = {**spec.body["settings"], "number_of_shards": shards, "number_of_replicas": replicas}
        client.indices.put_index_template(
            name=f"{prefix}-{spec.name}",
            index_patterns=[f"{prefix}-{spec.name}-v*"],
            template={"settings": index_settings, "mappings": spec.body["mappings"]},
            priority=100,
            meta={"evidex_version": spec.version},
        )
        if client.indices.exists_alias(name=alias):
            current = max(client.indices.get_alias(name=alias).keys(), key=_version_of)
            if current == index:
                # Fields added to the current version's mapping; a conflicting change needs a new version.
                client.indices.put_mapping(index=current, properties=spec.body["mappings"]["properties"])
                _restore_refresh(client, current, spec)
            _follow_replicas(client, current, replicas)
            result[alias] = current
            continue
        if not client.indices.exists(index=index):
            client.indices.create(index=index, aliases={alias: {"is_write_index": True}})
        else:
            client.indices.put_alias(index=index, name=alias)
        result[alias] = index
    return result
