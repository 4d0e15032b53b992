"""One batch, many workers: the owner of a batch's ingest starts helper runs (``ingest-chunks``) in the work pool.

``EVIDEX_SPREAD_WORKERS=N`` (or ``evidex ingest --spread N``) with a Prefect server: after registering the batch,
the owning run asks the pool for N runs of the ``ingest-chunks`` deployment and claims chunks itself as well.
Every worker claims from the shared catalogue, so an item is processed once. When nothing is left to claim,
the owner waits for the claims others still hold; the claims of a helper whose run crashed, failed or was
cancelled (a killed process, a machine gone) are given back at once, and claims older than
``EVIDEX_CLAIM_TIMEOUT_S`` in any case, and the owner processes them. The helpers' counts (Prefect artifacts)
join the run report. A batch given passwords is not spread: passwords never leave the owner's process.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from evidex.settings import Settings

DEPLOYMENT = "evidex-ingest-chunks"
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def ensure_chunk_deployment(client: Any, settings: Settings) -> str:
    """The ``ingest-chunks`` deployment of the work pool (made once; unscheduled)."""
    from flows.chunk_flow import ingest_chunks
    from flows.deployments import apply_in_pool

    return str(apply_in_pool(client, settings, ingest_chunks, "flows.chunk_flow:ingest_chunks", name=DEPLOYMENT,
                             tags=["evidex", "ingest"],
                             description="Helpers of one batch's ingest: claim and process chunks"))


@dataclass
class Spread:
    """The helper runs of one batch, and how the owner waits for them."""

    settings: Settings
    batch_id: str
    catalog: Any
    runs: list[str] = field(default_factory=list)
    released: int = 0
    notes: list[str] = field(default_factory=list)

    def _states(self) -> dict[str, str]:
        from prefect.client.orchestration import get_client

        states = {}
        with get_client(sync_client=True) as client:
            for run_id in self.runs:
                run = client.read_flow_run(UUID(run_id))
                states[run_id] = run.state.type.value if run.state else "PENDING"
        return states

    def settled(self) -> bool:
        """Nothing pending: True once no claim is held; else gives back dead helpers' claims, waits a little."""
        claimed = self.catalog.counts(self.batch_id).get("claimed", 0)
        if not claimed:
            return True
        try:
            states = self._states()
        except Exception:  # noqa: BLE001 - the server away: only the claim timeout can free claims
            states = {}
        for run_id, state in states.items():
            if state in ("FAILED", "CRASHED", "CANCELLED"):
                self.released += self.catalog.release(self.batch_id, worker=f"run:{run_id}")
        self.released += self.catalog.release(self.batch_id, older_than_s=self.settings.claim_timeout_s)
        time.sleep(1.0)
        return False

    def collect(self, summary: Any, wait_s: float = 60.0) -> list[dict[str, Any]]:
        """Add the helpers' counts to ``summary`` (helpers still starting find nothing to claim and end)."""
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                if all(state in FINAL for state in self._states().values()):
                    break
            except Exception:  # noqa: BLE001 - counts are then those the owner saw
                break
            time.sleep(1.0)
        reports: list[dict[str, Any]] = []
        try:
            with get_client(sync_client=True) as client:
                found = client.read_artifacts(artifact_filter=ArtifactFilter(
                    key=ArtifactFilterKey(any_=[f"chunks-{self.batch_id}"])), limit=200)
        except Exception:  # noqa: BLE001
            found = []
        mine = set(self.runs)
        for artifact in found:
            if str(artifact.flow_run_id) not in mine:
                continue
            data = artifact.data
            if isinstance(data, str):
                import json

                data = json.loads(data)
            reports.extend(data if isinstance(data, list) else [data])
        for report in reports:
            summary.items_processed += int(report.get("items_processed", 0))
            summary.children += int(report.get("children", 0))
            summary.indexed_new += int(report.get("indexed_new", 0))
            summary.indexed_updated += int(report.get("indexed_updated", 0))
        if self.released:
            self.notes.append(f"{self.released} claimed item(s) of helpers that stopped were processed by others")
        return reports


def start_spread(settings: Settings, batch_id: str, catalog: Any, spec: Any) -> Spread | None:
    """Ask the pool for ``spread_workers`` helper runs of the batch; None when the batch is not spread."""
    if settings.spread_workers <= 0:
        return None
    spread = Spread(settings, batch_id, catalog)
    if spec.passwords:
        spread.notes.append("not spread over the work pool: the batch was given passwords")
        return spread
    if not os.environ.get("PREFECT_API_URL"):
        spread.notes.append("not spread over the work pool: no Prefect server (`evidex server start`)")
        return spread
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    try:
        with get_client(sync_client=True) as client:
            ensure_chunk_deployment(client, settings)
        for _ in range(settings.spread_workers):
            run = run_deployment(f"ingest-chunks/{DEPLOYMENT}", parameters={"batch_id": batch_id}, timeout=0,
                                 as_subflow=False)
            spread.runs.append(str(run.id))
    except Exception as exc:  # noqa: BLE001 - the owner alone still ingests the whole batch
        spread.notes.append(f"helpers not started ({type(exc).__name__}); this run processed the batch alone")
    return spread
