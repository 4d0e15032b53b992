"""Prefect flow ``xref_refresh``: keep the cross-reference holder table current as batches land.

Only orchestration lives here; the counting is ``evidex.search.xref.Recount``. A full run counts every value of
the index; an incremental run (``batch_ids``) only the values the new batches name — but those across the
whole index and for every viewing agency, because a new document changes what each other agency holds of the
same value. Values of batches marked "no cross-reference" are counted without those batches' documents. One
task run per chunk of values, not per value.

When a batch ends, ``ingest_batch`` hands its refresh to the work pool (``hand_to_pool``: a run of the
``xref-after-batch`` deployment, which a worker of the pool runs with its own settings, like the drop-folder
polls) when a Prefect server and a ready worker are there, so the batch's receipt does not wait for it; else it
counts in the batch's own process, within its flow run (``refresh_after_batch``).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from evidex.search.xref import RECOUNT_CHUNK, Recount
from evidex.settings import Settings
from flows.handles import take


@dataclass
class XrefSummary:
    mode: str
    """``full`` or ``incremental``."""
    batch_ids: list[str] = field(default_factory=list)
    values: dict[str, int] = field(default_factory=dict)
    """Values counted again, per field."""
    still_held: int = 0
    chunks: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@task(name="xref-values", cache_policy=NO_CACHE)
def values_task(recount: Recount, selector: dict[str, Any]) -> dict[str, list[str]]:
    return recount.values(selector)


@task(name="xref-recount", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def recount_task(recount: Recount, field_: str, values: list[str]) -> int:
    return recount.recount(field_, values)


def _name_of_run() -> str:
    from prefect.runtime import flow_run

    batches = flow_run.parameters.get("batch_ids") or []
    return f"xref {'full' if not batches else ', '.join(batches[:3]) + ('…' if len(batches) > 3 else '')}"


@flow(name="xref_refresh", flow_run_name=_name_of_run, log_prints=False, persist_result=False)
def xref_refresh(handle: str, batch_ids: list[str] | None = None) -> XrefSummary:
    """Count again the values of ``batch_ids`` (all values when None) and store them in the holder table.

    ``handle`` names the settings and the Elasticsearch client (``flows.handles``); batch ids only describe
    the run. An incremental run on a table no full run has filled becomes a full run.
    """
    settings, client = take(handle)
    return _refresh(settings, client, batch_ids)


def _refresh(settings: Settings, client: Any, batch_ids: list[str] | None, as_tasks: bool = True) -> XrefSummary:
    started = time.perf_counter()
    values_of, recount_of = (values_task, recount_task) if as_tasks else (values_task.fn, recount_task.fn)
    recount = Recount(client, f"{settings.es_index_prefix}-docs", settings.data_dir, list(settings.agencies))
    full = not batch_ids or not recount.table.complete()
    summary = XrefSummary("full" if full else "incremental", [] if full else list(batch_ids or []))
    if full:
        recount.table.mark(complete="0")  # readers aggregate live while the table is rebuilt
        recount.table.clear()
        selector: dict[str, Any] = {"match_all": {}}
    else:
        selector = {"terms": {"batch_id": list(batch_ids or [])}}
    try:
        for field_, values in values_of(recount, selector).items():
            summary.values[field_] = len(values)
            for start in range(0, len(values), RECOUNT_CHUNK):
                summary.still_held += recount_of(recount, field_, values[start : start + RECOUNT_CHUNK])
                summary.chunks += 1
    except Exception:
        recount.table.mark(complete="0")  # half-counted values must not be read: live until a full run
        raise
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    if full:
        recount.table.mark(complete="1", viewers=json.dumps(sorted(settings.agencies)), built=now)
    recount.table.mark(updated=now)
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def _pool_run_name() -> str:
    from prefect.runtime import flow_run

    batches = flow_run.parameters.get("batch_ids") or []
    return "xref " + ", ".join(batches[:3]) + ("…" if len(batches) > 3 else "")


@flow(name="xref-after-batch", flow_run_name=_pool_run_name, log_prints=False, persist_result=False)
def xref_in_pool(batch_ids: list[str]) -> dict[str, Any]:
    """The refresh after a batch, run by a worker of the pool with the worker machine's settings (``EVIDEX_*``
    and its ``evidex.toml``: the same cluster and index prefix as the batch's)."""
    from evidex.settings import load_settings
    from flows.runtime import configure_prefect, wait_for_cluster

    settings = load_settings()
    configure_prefect(settings)
    client = wait_for_cluster(settings)
    client.indices.refresh(index=f"{settings.es_index_prefix}-docs")
    return _refresh(settings, client, batch_ids).as_dict()


POOL_DEPLOYMENT = "evidex-xref"


def hand_to_pool(settings: Settings, batch_ids: list[str]) -> str | None:
    """Ask the work pool for the refresh of ``batch_ids`` (a run of ``xref-after-batch/evidex-xref``, made once)
    and return that run's id at once; None when there is no Prefect server (a temporary one dies with this
    process) or no worker polls the pool: then the caller counts in its own process."""
    from flows.tempserver import started_here

    if not os.environ.get("PREFECT_API_URL") or started_here():
        return None
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import WorkPoolStatus
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            pool = client.read_work_pool(settings.work_pool)
            if pool.is_paused or pool.status != WorkPoolStatus.READY:  # no worker polled it lately
                return None
            try:
                deployment_id = client.read_deployment_by_name(f"xref-after-batch/{POOL_DEPLOYMENT}").id
            except ObjectNotFound:
                deployment_id = _make_deployment(client, settings)
            run = client.create_flow_run_from_deployment(deployment_id, parameters={"batch_ids": list(batch_ids)},
                                                         tags=["evidex", "xref"])
    except Exception:  # noqa: BLE001 - the server away or refusing: the batch's process counts instead
        return None
    return str(run.id)


def _make_deployment(client: Any, settings: Settings) -> Any:
    """The unscheduled ``xref-after-batch`` deployment of the work pool, by module path (any machine runs it)."""
    from flows.deployments import apply_in_pool

    return apply_in_pool(client, settings, xref_in_pool, "flows.xref_flow:xref_in_pool", name=POOL_DEPLOYMENT,
                         tags=["evidex", "xref"], description="Cross-reference refresh after a batch lands")


def run_xref_refresh(settings: Settings, batch_ids: list[str] | None = None, client: Any = None) -> XrefSummary:
    """Run ``xref_refresh`` in this process (Prefect's temporary local API unless a server runs)."""
    from evidex.node.client import make_client
    from flows.handles import hold, release
    from flows.runtime import configure_prefect

    configure_prefect(settings)
    handle = hold(settings, client if client is not None else make_client(settings))
    try:
        return xref_refresh(handle, batch_ids)
    finally:
        release(handle)


def refresh_after_batch(settings: Settings, client: Any, batch_id: str, notes: list[str]) -> None:
    """The hook at the end of an ingest: the new batch's values counted again (a note, never a failed batch).

    Counted as part of the ingest's own flow run, not as a subflow with task runs: on Prefect's temporary
    server those cost about 1 s for a batch of 300 files (the refresh itself 0.2–0.3 s)."""
    try:
        client.indices.refresh(index=f"{settings.es_index_prefix}-docs")
        _refresh(settings, client, [batch_id], as_tasks=False)
    except Exception as exc:  # noqa: BLE001 - the batch is in; `evidex xref refresh` catches up
        notes.append(f"cross-reference not updated ({type(exc).__name__}: {str(exc)[:200]}); "
                     "run `evidex xref refresh`")
