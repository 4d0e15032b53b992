"""Run flows in Prefect's local mode (or against a configured Prefect server) with state under the data directory.

Prefect reads its settings when first imported, so this module sets them before importing any flow. A re-run
of a finished batch is answered from the catalogue before Prefect is imported at all.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

from evidex.settings import Settings


def configure_prefect(settings: Settings, early: bool = False) -> None:
    """Point Prefect at a home under the data directory (or at ``evidex server``) and quiet its telemetry.

    ``early``: with no server to use, start Prefect's temporary server now (``flows.tempserver``), so it boots
    while the caller gets ready; the caller calls ``flows.tempserver.await_api()`` before its flow."""
    settings.prefect_home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
    os.environ.setdefault("PREFECT_RESULTS_PERSIST_BY_DEFAULT", "false")
    if "PREFECT_LOGGING_SETTINGS_PATH" not in os.environ:
        os.environ["PREFECT_LOGGING_SETTINGS_PATH"] = str(_logging_config(settings))
    from flows.serverctl import running_api_url

    if "PREFECT_API_URL" not in os.environ and (url := running_api_url(settings)):
        os.environ["PREFECT_API_URL"] = url  # `evidex server start` runs one: use it instead of a temporary one
    if early:
        from flows.tempserver import start_early

        start_early(settings)


LOGGING = """version: 1
disable_existing_loggers: False
formatters:
  plain:
    format: "%(asctime)s %(process)d %(levelname)s %(name)s - %(message)s"
handlers:
  file:
    level: 0
    class: logging.FileHandler
    filename: {path}
    formatter: plain
  api:
    level: 0
    class: prefect.logging.handlers.APILogHandler
loggers:
  prefect:
    level: "${{PREFECT_LOGGING_LEVEL}}"
    handlers: [file]
    propagate: false
  prefect.flow_runs:
    level: NOTSET
    handlers: [api]
  prefect.task_runs:
    level: NOTSET
    handlers: [api]
  uvicorn:
    level: WARNING
    handlers: [file]
    propagate: false
  fastapi:
    level: WARNING
    handlers: [file]
    propagate: false
"""


def _logging_config(settings: Settings) -> Path:
    """Prefect's own messages (tracebacks of failed tasks included) go to ``<data_dir>/logs/prefect.log``."""
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = settings.prefect_home / "logging.yml"
    text = LOGGING.format(path=json.dumps(str(logs / "prefect.log")))
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)
    return path


def wait_for_cluster(settings: Settings, progress: Any = None) -> Any:
    """A client of the cluster, waited for with backoff (``index_wait_s``) when it is away or starting."""
    from evidex.node.client import make_client
    from evidex.pipeline.backoff import with_backoff

    on_wait = (lambda s, why: progress({"event": "waiting", "retry_in": s, "reason": why})) if progress else None
    return with_backoff(lambda: make_client(settings), settings.index_wait_s, on_wait)


class WarmWorkers:
    """The enrichment workers of a run, started before Prefect is where that pays, so their models (about 5 s
    of CPU a worker) load while Prefect's temporary server boots; the run's processor takes them over.

    Measured on 2 cores (``bench_ingest --files 300``, after the workers shared one Kiwi): with no server, batch
    wall 15.5 s with the workers started here against 18.1 s started at the first chunk (three runs each): the
    run waits seconds for the temporary server's boot. With a server running there is no such wait, and the
    loading slowed Prefect's import more than it saved (18.2 and 18.6 s against 16.4 and 15.3 s), so there
    they start with the first chunk unless a core is spare beside them."""

    def __init__(self, settings: Settings) -> None:
        from evidex.pipeline.batch import enrich_config, start_text_workers
        from evidex.pipeline.enrich_service import connect
        from flows.tempserver import booting

        # the enrichment service's workers, when it runs with this configuration: they cost nothing to take
        self._workers: Any = connect(settings, enrich_config(settings))
        self.served = self._workers is not None
        """The batch is enriched by the enrichment service (its models loaded, in its own processes)."""
        spare = (os.cpu_count() or 1) > max(1, settings.enrich_workers) + 1
        if self._workers is None and (spare or booting()):
            self._workers = start_text_workers(settings)

    def take(self) -> Any:
        workers, self._workers = self._workers, None
        return workers

    def close(self) -> None:
        """Stop the workers if nobody took them (a batch with nothing left to do)."""
        if self._workers is not None:
            self._workers.close()
            self._workers = None


class EarlyRegistration:
    """The batch hashed, stored and queued in a thread while Prefect gets its flow run going (or its temporary
    server boots); the flow's register task takes the result instead of registering again."""

    def __init__(self, spec: Any, settings: Settings) -> None:
        self._info: Any = None
        self._error: BaseException | None = None
        self.started = time.perf_counter()
        self.ended: float | None = None
        self.asked: float | None = None
        self._thread = threading.Thread(target=self._register, args=(spec, settings), name="evidex-register",
                                        daemon=True)
        self._thread.start()

    def _register(self, spec: Any, settings: Settings) -> None:
        from evidex.custody.backends import open_catalog, open_store
        from evidex.pipeline.batch import register_batch

        try:
            store = open_store(settings).ensure()
            catalog = open_catalog(settings)  # its own: a SQLite connection stays in the thread that opened it
            try:
                self._info = register_batch(store, catalog, spec)
            finally:
                catalog.close()
        except BaseException as exc:  # noqa: BLE001 - raised again where the flow asks for the result
            self._error = exc
        finally:
            self.ended = time.perf_counter()

    def result(self) -> Any:
        """The ``BatchInfo`` (waits for the thread; its exception is raised here)."""
        self.asked = self.asked or time.perf_counter()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._info

    def wait(self) -> None:
        self._thread.join()

    @property
    def info(self) -> Any:
        """The ``BatchInfo`` once the thread ended well, else None (not counted as asked for)."""
        return self._info if self.ended is not None and self._error is None else None

    @property
    def seconds(self) -> float:
        return (self.ended or time.perf_counter()) - self.started

    @property
    def ahead(self) -> float:
        """How much of the registration ran before the flow asked for it (time Prefect's start-up hid)."""
        if self.asked is None or self.ended is None:
            return 0.0
        return max(0.0, min(self.ended, self.asked) - self.started)


def prepare_indices(settings: Settings, client: Any, progress: Any = None) -> None:
    """Templates and indices in place (with backoff while the cluster is away): next to nothing when current."""
    from evidex.pipeline.backoff import with_backoff
    from index_config import ensure_indices

    on_wait = (lambda s, why: progress({"event": "waiting", "retry_in": s, "reason": why})) if progress else None
    with_backoff(lambda: ensure_indices(client, settings.es_index_prefix, shards=settings.es_shards,
                                       replicas=settings.es_replicas), settings.index_wait_s, on_wait)


def _receipt_here(settings: Settings, batch_id: str) -> Any:
    """The batch's receipt on this machine, fetched from the shared store when another machine wrote it."""
    from evidex.custody.backends import open_store
    from evidex.custody.receipts import local_receipt

    return local_receipt(settings.data_dir, batch_id, open_store(settings) if settings.store_url else None)


def finished_batch(spec: Any, settings: Settings) -> Any | None:
    """The summary of ``spec`` when that exact batch is already done (no Prefect, no workers), else None."""
    from evidex.custody.backends import open_catalog
    from evidex.pipeline.ledger import RunLedger
    from evidex.pipeline.register import batch_key
    from evidex.pipeline.report import BatchSummary, catalog_counts, redactor

    receipt = settings.data_dir / "receipts"
    if not settings.catalog_url and not (settings.store_dir / "catalog.sqlite").exists():
        return None
    if RunLedger(settings.data_dir).stale():  # a killed run must be put right first
        return None
    started = time.perf_counter()
    listing = batch_key(spec)
    catalog = open_catalog(settings)
    try:
        if catalog.batch(listing.batch_id) is None or catalog.pending(listing.batch_id, 1):
            return None
        if catalog.counts(listing.batch_id).get("claimed"):  # a killed run's claims: resume, do not answer
            return None
    finally:
        catalog.close()
    redact = redactor(settings)
    summary = BatchSummary(
        listing.batch_id, spec.agency, spec.case_id, len(listing.entries), listing.bytes, already_done=True,
        unreadable=[{"path": redact(p), "reason": redact(r)} for p, r in listing.unreadable],
        statuses=catalog_counts(settings, listing.batch_id), exhibit=spec.exhibit,
        receipt=str(_receipt_here(settings, listing.batch_id) or receipt / f"{listing.batch_id}.json"),
    )
    summary.timings = {"register": round(time.perf_counter() - started, 3)}
    return summary


def _import_engine() -> None:
    """What the first flow call of a process would import (Prefect's run engine; 0.08-0.13 s measured), imported
    before the wait for a temporary server instead of after it, while that server boots."""
    import prefect.artifacts  # noqa: F401
    import prefect.flow_engine  # noqa: F401
    import prefect.task_engine  # noqa: F401

    import flows.spread  # noqa: F401
    import flows.xref_flow  # noqa: F401


def run_ingest(spec: Any, settings: Settings, progress: Any = None) -> Any:
    """Run ``ingest_batch`` for one batch and return its summary (a finished batch: from the catalogue)."""
    started = time.perf_counter()
    settings.check_agency(spec.agency)
    for target in spec.shared_with:
        settings.check_agency(target, share=True)
    from evidex.pipeline.ledger import RunLedger
    from evidex.pipeline.report import redactor, run_name

    redact = redactor(settings)
    name = run_name("ingest", spec.agency, redact(spec.case_id), redact(spec.exhibit) if spec.exhibit else None)
    ledger = RunLedger(settings.data_dir)
    if (done := finished_batch(spec, settings)) is not None:
        record = ledger.start("ingest", name, done.batch_id)
        done.run_id = record.run_id
        done.seconds = round(time.perf_counter() - started, 3)
        ledger.finish(record, "completed", done.as_dict(), message="batch already ingested")
        return done
    from evidex.pipeline.lifeline import start_reaper

    start_reaper()  # a kill -9 of this process takes its workers and Prefect's temporary server with it
    configure_prefect(settings, early=True)  # the temporary server (if one is needed) boots from here on
    warm = WarmWorkers(settings)  # the enrichment workers load their models meanwhile too
    marks = {"before": time.perf_counter() - started}
    from flows.handles import hold, release
    from flows.tempserver import await_api

    try:
        ready = time.perf_counter()
        client = wait_for_cluster(settings, progress)  # before Prefect: a cluster away is one line, not a traceback
        prepare_indices(settings, client, progress)
        record = ledger.start("ingest", name)
        early = EarlyRegistration(spec, settings)  # while Prefect is imported, its server answers, the flow run is made
        head = _head_start(settings, spec, client, early, warm, progress, ledger, record)  # chunks meanwhile too
        imported = time.perf_counter()
        marks["cluster"] = imported - ready
        from flows.ingest_flow import ingest_batch

        engine = time.perf_counter()
        marks["import"] = engine - imported
        _import_engine()
        waited = time.perf_counter()
        marks["engine"] = waited - engine
        await_api()
        marks["api_wait"] = time.perf_counter() - waited
    except BaseException as exc:
        _give_up(locals().get("early"), locals().get("head"), exc)
        warm.close()
        raise
    handle = hold(spec, settings, progress, record, client, warm, early, head)
    try:
        # Prefect keeps flow parameters in its database: the source path only with identifiers masked
        summary = ingest_batch(handle, spec.agency, redact(spec.case_id), redact(str(spec.source)),
                               redact(spec.exhibit) if spec.exhibit else "")
    except BaseException as exc:
        _give_up(early, head, exc)
        ledger.finish(record, "failed", message=f"{type(exc).__name__}: {redact(str(exc))[:300]}")
        raise
    finally:
        release(handle)
        warm.close()
    # the time outside the flow's body, less what the registration did meanwhile (it is counted in "register")
    summary.timings["prefect_start"] = round(time.perf_counter() - started - summary.seconds - early.ahead, 3)
    summary.timings["register_ahead"] = round(early.ahead, 3)
    # what prefect_start is made of: before Prefect (catalogue check, guardian, workers started), importing it,
    # the cluster reached and its templates checked, waiting for a temporary server; the rest is Prefect
    # creating and closing the flow run
    summary.timings.update({f"prefect_start.{k}": round(v, 3) for k, v in marks.items()})
    summary.seconds = round(time.perf_counter() - started, 3)
    ledger.finish(record, "stopped" if summary.stopped else "completed", summary.as_dict(), message=summary.stopped)
    return summary


def _head_start(settings: Settings, spec: Any, client: Any, early: Any, warm: Any, progress: Any, ledger: Any,
                record: Any) -> Any:
    """The batch's first chunks processed while Prefect starts (``flows.headstart``), where wanted."""
    from flows.headstart import HeadStart, wanted

    if not wanted(settings, served=warm.served):
        return None
    from evidex.pipeline.drain import ledger_relax

    return HeadStart(settings, spec, client, early, warm, progress, ledger_relax(ledger, record))


def _give_up(early: Any, head: Any, exc: BaseException) -> None:
    """A run failing before or in its flow: a registration under way is finished, not cut, and a head start
    stops after its chunk in flight, its claims given back (a new run resumes either way)."""
    wait = not isinstance(exc, KeyboardInterrupt)
    if early is not None and wait:
        early.wait()
    if head is not None:
        head.abandon(wait=wait)


def run_retrain(settings: Settings, user: Any, seed: int = 0, progress: Any = None) -> Any:
    """Run ``retrain_topics`` and return its summary; ``progress`` hears each stage."""
    configure_prefect(settings, early=True)
    from flows.handles import hold, release
    from flows.retrain_flow import retrain_topics
    from flows.tempserver import await_api

    await_api()

    handle = hold(settings, user, progress)
    try:
        return retrain_topics(handle, user.name, user.agency, seed)
    finally:
        release(handle)


def run_reindex(settings: Settings, batch_ids: list[str] | None, passwords: tuple[str, ...] = (),
                progress: Any = None) -> Any:
    """Run ``reindex_from_store`` and return its summary."""
    from evidex.pipeline.ledger import RunLedger
    from evidex.pipeline.lifeline import start_reaper

    start_reaper()
    configure_prefect(settings, early=True)
    from flows.handles import hold, release
    from flows.reindex_flow import reindex_from_store
    from flows.tempserver import await_api

    client = wait_for_cluster(settings, progress)
    await_api()
    ledger = RunLedger(settings.data_dir)
    record = ledger.start("reindex", "reindex " + (", ".join(batch_ids) if batch_ids else "every batch"))
    handle = hold(settings, passwords, progress, record, client)
    try:
        summary = reindex_from_store(handle, batch_ids)
    except BaseException as exc:
        ledger.finish(record, "failed", message=f"{type(exc).__name__}: {str(exc)[:300]}")
        raise
    finally:
        release(handle)
    from dataclasses import asdict

    ledger.finish(record, "stopped" if summary.stopped else "completed", asdict(summary), message=summary.stopped)
    return summary
