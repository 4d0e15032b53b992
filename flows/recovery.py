"""What a killed run left behind, put right by the next run: refresh turned back on, its Prefect run crashed."""

from __future__ import annotations

from typing import Any

from evidex.pipeline.backoff import IndexUnavailable
from evidex.pipeline.indexer import restore_refresh
from evidex.pipeline.ledger import RunLedger, RunRecord

CRASH_MESSAGE = "the process running this flow ended without finishing it (killed or its machine stopped)"


def mark_crashed(flow_run_id: str, message: str = CRASH_MESSAGE) -> bool:
    """Set a flow run that no process runs any more to Crashed; False when Prefect could not be told."""
    from prefect import get_client
    from prefect.states import Crashed

    try:
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(flow_run_id)
            if run.state is not None and run.state.is_final():
                return True
            client.set_flow_run_state(flow_run_id, Crashed(message=message), force=True)
        return True
    except Exception:  # noqa: BLE001 - another Prefect API, or the run is gone: the ledger still says crashed
        return False


def recover_stale_runs(ledger: RunLedger, es: Any, wait_s: float = 10.0) -> list[RunRecord]:
    """Restore the refresh of every index a dead run left relaxed and close its records as crashed."""
    recovered = []
    for record in ledger.stale():
        left = []
        for index in record.relaxed:
            try:
                restore_refresh(es, index, wait_s)
            except IndexUnavailable:
                left.append(index)
            except Exception as exc:  # noqa: BLE001 - e.g. the index was deleted since: nothing to restore
                if getattr(getattr(exc, "meta", None), "status", None) != 404:
                    left.append(index)
        record.relaxed = left
        if left:  # try again on the next start
            ledger.save(record)
            continue
        if record.flow_run_id:
            mark_crashed(record.flow_run_id)
        ledger.finish(record, "crashed", message=CRASH_MESSAGE)
        recovered.append(record)
    return recovered
