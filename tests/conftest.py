"""Shared fixtures: one real local Elasticsearch node for the session, a fresh data directory per test, and the
scaled-out parts (a real PostgreSQL and an s3proxy, started once per session when a test needs them).

The ingest, search and verify tests named in ``ON_EVERY_BACKEND`` run once per backend of
``EVIDEX_TEST_BACKENDS`` (default ``sqlite,postgres-s3``): ``[sqlite]`` with the embedded SQLite catalogue and
store directory, ``[postgres-s3]`` with the ``settings`` fixture (and the ``EVIDEX_*`` environment, for the CLI
and subprocesses) pointing at a fresh database of the session's PostgreSQL and a fresh s3proxy bucket.
``-m postgres_s3`` selects that second pass alone; ``EVIDEX_TEST_BACKENDS=sqlite`` leaves it out;
``EVIDEX_TEST_BACKENDS_ALL=1`` runs every test that takes ``settings`` on each backend (to try one out).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SESSION_DIR = Path(os.environ.get("EVIDEX_TEST_DATA_DIR", REPO / ".test-data")).resolve()
# Under pytest-xdist (`make test` runs two processes) each worker has its own Prefect home (its own temporary
# server and database); they share the session's Elasticsearch node, started by whichever worker comes first.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER:  # not inherited from the controlling process, which set its own below
    os.environ["PREFECT_HOME"] = str(SESSION_DIR / f"prefect-{XDIST_WORKER}")
os.environ.setdefault("PREFECT_HOME", str(SESSION_DIR / "prefect"))
Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True, mode=0o700)  # Prefect makes only its last part
# Prefect reads its settings when first imported, which a test module may do before any fixture runs: its own
# temporary server gets flows.runtime's start-up allowance (Prefect's 20 s is too short on a loaded machine).
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

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


def _node_settings() -> Settings:
    port = int(os.environ.get("EVIDEX_TEST_ES_PORT", "9260"))  # another port lets two checkouts test side by side
    return load_settings(data_dir=SESSION_DIR, es_dir=SESSION_DIR / "es", es_local_port=port)


@pytest.fixture(scope="session")
def es_node():
    """The session's Elasticsearch: EVIDEX_ES_URL if set, else a local node started (and stopped) here. Under
    xdist the first worker starts it (the others wait on a lock) and the controlling process stops it."""
    import fcntl

    from evidex.node.local import LocalNode

    base = _node_settings()
    configure_prefect(base)
    if not base.local_es:
        yield base
        return
    node = LocalNode(base)
    SESSION_DIR.mkdir(parents=True, exist_ok=True)
    with open(SESSION_DIR / ".node-start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        was_running = node.status().running
        node.start()
    yield base
    _drop_test_indices(base)
    if not XDIST_WORKER and not was_running and not os.environ.get("EVIDEX_KEEP_NODE"):
        node.stop()


def _xdist_controller(config) -> bool:  # noqa: ANN001
    return bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")


def pytest_sessionstart(session) -> None:  # noqa: ANN001
    """The controlling process of an xdist run notes whether the node ran before the workers started."""
    if _xdist_controller(session.config):
        from evidex.node.local import LocalNode

        base = _node_settings()
        session.config._evidex_node_ran = not base.local_es or LocalNode(base).status().running


def pytest_sessionfinish(session) -> None:  # noqa: ANN001
    """... and stops it after the last worker, unless it ran before or EVIDEX_KEEP_NODE is set."""
    if _xdist_controller(session.config) and not getattr(session.config, "_evidex_node_ran", True) \
            and not os.environ.get("EVIDEX_KEEP_NODE"):
        from evidex.node.local import LocalNode

        LocalNode(_node_settings()).stop()


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


@pytest.fixture(autouse=True)
def _audit_senders_released():
    """After each test, the process forgets its audit senders (until their next record): a test that dropped its
    indices would leave a sender retrying into them, and every later flush (``verify``, exit) waiting 30 s on it."""
    yield
    import sys

    if (audit := sys.modules.get("evidex.search.audit")) is not None:
        audit.release_all()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` (the embedded default) or ``postgres-s3``, for the tests of ``ON_EVERY_BACKEND``."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def settings(es_node: Settings, tmp_path: Path, backend: str, request: pytest.FixtureRequest,
             monkeypatch: pytest.MonkeyPatch):
    """Settings with a fresh data directory and index prefix, sharing the session's node; for ``postgres-s3`` also
    a fresh database and bucket, set in the environment too (the CLI and subprocesses read it)."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    parts: dict = {}
    if backend == "postgres-s3":
        parts = request.getfixturevalue("scaled_out")
        for name, value in parts.items():
            monkeypatch.setenv(f"EVIDEX_{name.upper()}", value)
    settings = load_settings(
        data_dir=tmp_path / "data", es_dir=es_node.es_home, es_local_port=es_node.es_local_port,
        es_index_prefix=prefix, workers=1, enrich_workers=1, hmac_secret="test-secret", **parts,
    )
    yield settings
    from evidex.node.client import make_client

    drop_indices(make_client(settings), prefix)
    if parts:
        _check_scaled_out(settings.data_dir, parts)


# What only the embedded default keeps under the data directory: with PostgreSQL + S3 none of it may appear.
EMBEDDED_ONLY = ("store/catalog.sqlite", "store/custody.jsonl", "store/blobs", "store/manifests", "audit.jsonl",
                 "xref_holders.sqlite", "xref_excluded.json")


def _check_scaled_out(data_dir: Path, parts: dict) -> None:
    """A test of the PostgreSQL + S3 pass left no embedded catalogue, store or journal behind (something went round
    the backends) and no password of the parts in a local file."""
    local = [name for name in EMBEDDED_ONLY if (data_dir / name).exists()]
    secrets = [parts["s3_secret_key"], parts["catalog_url"].split("@")[0].rsplit(":", 1)[-1]]
    files = [p for p in data_dir.rglob("*") if p.is_file() and not p.is_symlink()
             and "cache" not in p.relative_to(data_dir).parts[:2]]  # the store's cache holds evidence only
    leaked = [str(p.relative_to(data_dir)) for p in files if any(x.encode() in p.read_bytes() for x in secrets)]
    if local or leaked:
        pytest.fail(f"on PostgreSQL + S3 the test left {local} (embedded-only files) and {leaked} (files holding a "
                    f"password of the parts) under {data_dir}", pytrace=False)


def drop_indices(client, prefix: str) -> None:  # noqa: ANN001
    """Delete every index a test made under ``prefix`` (docs, audit, records …), by name."""
    names = list(client.indices.get(index=f"{prefix}-*", ignore_unavailable=True, allow_no_indices=True))
    if names:
        client.indices.delete(index=",".join(names), ignore_unavailable=True)


# -- the same tests on PostgreSQL + S3 (issue 14) ----------------------------------------------------------------
BACKENDS = tuple(b.strip() for b in os.environ.get("EVIDEX_TEST_BACKENDS", "sqlite,postgres-s3").split(",")
                 if b.strip())

# Ingest, search and verify tests that reach the catalogue, the store and the journals only through the settings
# (evidex/custody/backends.py), chosen to cover every backend path in a few minutes: register, claim, process,
# answer a finished batch again from the catalogue, statuses and reasons, receipts (and their copy in the bucket),
# custody anchors, search audit records, CLI ingest/search/verify, reindex from the store, the shared
# cross-reference table. Tests that open catalog.sqlite, store/blobs or audit.jsonl themselves (test_app's audit
# read, test_ingest_flow's verify and attachment tests, test_resilience, test_spread, census) stay on the default.
ON_EVERY_BACKEND: dict[str, set[str]] = {
    "tests/flows/test_ingest_flow.py": {"test_demo_batch_is_ingested_and_found_in_korean_and_english",
                                        "test_failed_file_is_indexed_with_status_and_reason",
                                        "test_prefect_records_no_password_or_key"},
    "tests/evidex/cli/test_cli.py": {"test_search_and_ingest_commands"},
    "tests/flows/test_reindex_flow.py": {"test_rebuild_after_losing_the_index_and_after_a_mapping_version_bump"},
    # the cross-reference flow on PostgreSQL: tests/evidex/scale/test_xref_pg.py (its second run cost a minute)
}
BACKEND_MARK = "postgres_s3"


def pytest_configure(config) -> None:  # noqa: ANN001
    config.addinivalue_line("markers", f"{BACKEND_MARK}: the PostgreSQL + S3 run of a test of ON_EVERY_BACKEND")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "settings" not in metafunc.fixturenames or BACKENDS == ("sqlite",):
        return
    where = Path(str(metafunc.definition.path)).resolve()
    rel = where.relative_to(REPO).as_posix() if where.is_relative_to(REPO) else where.as_posix()
    if metafunc.function.__name__ in ON_EVERY_BACKEND.get(rel, ()) or os.environ.get("EVIDEX_TEST_BACKENDS_ALL"):
        metafunc.parametrize("backend", [pytest.param(b, marks=[getattr(pytest.mark, BACKEND_MARK)]
                                                      if b == "postgres-s3" else []) for b in BACKENDS],
                             indirect=True)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:  # noqa: ANN001
    """A test of ON_EVERY_BACKEND that was renamed or removed is named instead of quietly leaving the pass."""
    import warnings

    if BACKENDS == ("sqlite",):
        return
    modules: dict[str, object] = {}
    for item in items:
        where = Path(str(item.path)).resolve()
        if where.is_relative_to(REPO) and getattr(item, "module", None) is not None:
            modules[where.relative_to(REPO).as_posix()] = item.module
    for rel, names in ON_EVERY_BACKEND.items():
        if rel in modules and (gone := {n for n in names if not hasattr(modules[rel], n)}):
            warnings.warn(pytest.PytestConfigWarning(f"ON_EVERY_BACKEND names {sorted(gone)} of {rel}, which "
                                                     f"it does not hold: update tests/conftest.py"))


def _running(kind, name: str):  # noqa: ANN001
    """A local part (PostgreSQL, s3proxy) for the session under the test data directory; its tests skip, saying
    why, when it is not installed or does not start."""
    from evidex.custody.localparts import PartMissing

    home = SESSION_DIR / f"scale-{name}-{os.getpid()}"
    server = kind(home)
    try:
        server.start()
    except PartMissing as exc:
        pytest.skip(f"{kind.__name__} not available: {exc}")
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"{kind.__name__} did not start: {exc}")
    yield server
    server.stop()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    """The session's PostgreSQL (Debian's package, as ``evidex-pg`` under root, free loopback port)."""
    from evidex.custody.localparts import LocalPostgres

    yield from _running(LocalPostgres, "pg")


@pytest.fixture(scope="session")
def s3_server():
    """The session's s3proxy (Maven Central, filesystem backend, free loopback port)."""
    from evidex.custody.localparts import LocalS3

    yield from _running(LocalS3, "s3")


@pytest.fixture
def pg_url(pg_server):  # noqa: ANN001
    """A fresh, empty database of the session's PostgreSQL."""
    from evidex.custody.pg import close_pools

    name = f"t{uuid.uuid4().hex[:12]}"
    url = pg_server.create_database(name)
    yield url
    close_pools()
    pg_server.drop_database(name)


@pytest.fixture
def bucket(s3_server) -> str:  # noqa: ANN001
    """A fresh bucket (its name) on the session's s3proxy; buckets go with the server's directory at the end."""
    return s3_server.create_bucket(f"evidex-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def s3_settings(s3_server) -> dict:  # noqa: ANN001
    """The settings that point a store at the session's s3proxy (store_url added by the test)."""
    return {"s3_endpoint": s3_server.endpoint, "s3_access_key": s3_server.access_key,
            "s3_secret_key": s3_server.secret_key}


@pytest.fixture
def scaled_out(pg_url: str, bucket: str, s3_settings: dict) -> dict:
    """The settings of a scaled-out deployment on the session's parts: a fresh database and bucket."""
    return {"catalog_url": pg_url, "store_url": f"s3://{bucket}/evidence", **s3_settings}


def pytest_unconfigure(config) -> None:  # noqa: ANN001
    """Prefect logs the stop of its temporary server at interpreter exit, after pytest closed its streams; that
    message is dropped instead of printing a logging traceback under the test summary."""
    import logging

    logging.raiseExceptions = False
