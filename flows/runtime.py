"""Run flows in Prefect's local mode with its state under the data directory.

Prefect reads its settings when first imported, so this module sets them before importing any flow.
"""

from __future__ import annotations

import os
from typing import Any

from evidex.settings import Settings


def configure_prefect(settings: Settings) -> None:
    """Point Prefect at a home under the data directory and quiet its offline telemetry."""
    settings.prefect_home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
    os.environ.setdefault("PREFECT_RESULTS_PERSIST_BY_DEFAULT", "false")


def run_ingest(spec: Any, settings: Settings, progress: Any = None) -> Any:
    """Run ``ingest_batch`` for one batch and return its summary."""
    settings.check_agency(spec.agency)
    for target in spec.shared_with:
        settings.check_agency(target, share=True)
    configure_prefect(settings)
    from flows.handles import hold, release
    from flows.ingest_flow import ingest_batch, redactor

    handle = hold(spec, settings, progress)
    try:
        # Prefect keeps flow parameters in its database: the source path only with identifiers masked
        return ingest_batch(handle, spec.agency, spec.case_id, redactor(settings)(str(spec.source)))
    finally:
        release(handle)


def run_retrain(settings: Settings, user: Any, seed: int = 0) -> Any:
    """Run ``retrain_topics`` and return its summary."""
    configure_prefect(settings)
    from flows.handles import hold, release
    from flows.retrain_flow import retrain_topics

    handle = hold(settings, user)
    try:
        return retrain_topics(handle, user.name, user.agency, seed)
    finally:
        release(handle)


def run_reindex(settings: Settings, batch_ids: list[str] | None, passwords: tuple[str, ...] = (),
                progress: Any = None) -> Any:
    """Run ``reindex_from_store`` and return its summary."""
    configure_prefect(settings)
    from flows.handles import hold, release
    from flows.reindex_flow import reindex_from_store

    handle = hold(settings, passwords, progress)
    try:
        return reindex_from_store(handle, batch_ids)
    finally:
        release(handle)
