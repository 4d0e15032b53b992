"""Shared fixtures: one real local Elasticsearch node for the session, a fresh data directory per test."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SESSION_DIR = Path(os.environ.get("EVIDEX_TEST_DATA_DIR", REPO / ".test-data")).resolve()
os.environ.setdefault("PREFECT_HOME", str(SESSION_DIR / "prefect"))

from evidex.settings import Settings, load_settings  # noqa: E402
from flows.runtime import configure_prefect  # noqa: E402


def corpus_dir() -> Path:
    """The shared sample corpus (``EVIDEX_CORPUS`` or ``../shared/corpus``)."""
    return Path(os.environ.get("EVIDEX_CORPUS", REPO.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def corpus() -> Path:
    path = corpus_dir()
    if not path.is_dir():
        pytest.skip(f"sample corpus not found at {path} (set EVIDEX_CORPUS to run these tests)")
    return path


@pytest.fixture(scope="session")
def es_node():
    """The session's Elasticsearch: EVIDEX_ES_URL if set, else a local node started (and stopped) here."""
    from evidex.node.local import LocalNode

    base = load_settings(data_dir=SESSION_DIR, es_dir=SESSION_DIR / "es", es_local_port=9260)
    configure_prefect(base)
    if not base.local_es:
        yield base
        return
    node = LocalNode(base)
    was_running = node.status().running
    node.start()
    yield base
    _drop_test_indices(base)
    if not was_running and not os.environ.get("EVIDEX_KEEP_NODE"):
        node.stop()


def _drop_test_indices(settings: Settings) -> None:
    """Indices a killed run left behind, hours old: the shared node has a shard limit."""
    import re
    import time

    from evidex.node.client import make_client

    try:
        client = make_client(settings)
        # Only leftovers of killed runs (hours old): a second session on the same node keeps its live indices.
        cutoff_ms = (time.time() - 6 * 3600) * 1000
        rows = client.cat.indices(index="*", h="index,creation.date", format="json")
        names = [r["index"] for r in rows
                 if re.match(r"^(t|rc)[0-9a-f]{8,10}-", r["index"]) and int(r["creation.date"]) < cutoff_ms]
        for start in range(0, len(names), 50):
            client.indices.delete(index=",".join(names[start : start + 50]), ignore_unavailable=True)
    except Exception:  # noqa: BLE001 - cleaning up must never fail the session
        pass


@pytest.fixture
def settings(es_node: Settings, tmp_path: Path):
    """Settings with a fresh data directory and index prefix, sharing the session's node."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    settings = load_settings(
        data_dir=tmp_path / "data", es_dir=es_node.es_home, es_local_port=es_node.es_local_port,
        es_index_prefix=prefix, workers=1, enrich_workers=1, hmac_secret="test-secret",
    )
    yield settings
    from evidex.node.client import make_client

    drop_indices(make_client(settings), prefix)


def drop_indices(client, prefix: str) -> None:  # noqa: ANN001
    """Delete every index a test made under ``prefix`` (docs, audit, records …), by name."""
    names = list(client.indices.get(index=f"{prefix}-*", ignore_unavailable=True, allow_no_indices=True))
    if names:
        client.indices.delete(index=",".join(names), ignore_unavailable=True)


def pytest_unconfigure(config) -> None:  # noqa: ANN001
    """Prefect logs the stop of its temporary server at interpreter exit, after pytest closed its streams; that
    message is dropped instead of printing a logging traceback under the test summary."""
    import logging

    logging.raiseExceptions = False
