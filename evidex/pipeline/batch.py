"""Batch ingestion steps, free of Prefect: register a batch, then process its items chunk by chunk.

``flows/ingest_flow.py`` wires these steps into a Prefect flow; tests and benchmarks may call them directly.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidex.custody.catalog import Item, ItemCatalog, item_id_for
from evidex.pipeline.backoff import OnWait
from evidex.pipeline.derivatives import DerivativeStore
from evidex.pipeline.indexer import BulkIndexer
from evidex.pipeline.register import (UNREAD, BatchInfo, BatchSpec, batch_key, readable_name, register_batch,
                                      spec_of_stored_batch)
from evidex.settings import Settings
from evidex.custody.store import BlobStore
from extractors.base import ExtractContext, Extracted, Limits, Status
from evidex.pipeline.runlog import route_library_output
from evidex.pipeline.enrich_service import ServiceWorkers, connect
from evidex.pipeline.workers import TextWorkers
from index_config.documents import build_document, refused_document
from models.enrich import EnrichConfig
from models.types import Enrichment

__all__ = ["UNREAD", "BatchInfo", "BatchSpec", "ChunkProcessor", "ChunkReport", "batch_key", "readable_name",
           "register_batch", "spec_of_stored_batch"]


@dataclass
class ChunkReport:
    """What one chunk did; timings in seconds per stage."""

    items: int = 0
    bytes: int = 0
    statuses: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    created: int = 0
    updated: int = 0
    children: int = 0
    timings: Counter = field(default_factory=Counter)
    stopped: str | None = None
    """Why the batch must stop here (Elasticsearch unavailable past the budget); the items stay pending."""

    def merge(self, other: "ChunkReport") -> None:
        self.items += other.items
        self.bytes += other.bytes
        self.statuses.update(other.statuses)
        self.reasons.update(other.reasons)
        self.created += other.created
        self.updated += other.updated
        self.children += other.children
        self.timings.update(other.timings)


def enrich_config(settings: Settings) -> EnrichConfig:
    """What the enrichment workers load: the deployment's key, NER and topics as configured."""
    return EnrichConfig(secret=settings.secret_bytes(), ner=settings.ner_enabled, topics=settings.topics_enabled,
                        topics_dir=settings.active_topics_dir())


def start_text_workers(settings: Settings, config: EnrichConfig | None = None) -> TextWorkers | ServiceWorkers:
    """The enrichment workers for a :class:`ChunkProcessor`: the enrichment service's (``evidex server start``;
    models loaded already) when it answers with the same configuration, else the run's own, started now (they
    load their models at once)."""
    route_library_output(settings.data_dir)
    config = config or enrich_config(settings)
    return connect(settings, config) or TextWorkers(config, settings.enrich_workers)


class ChunkProcessor:
    """Extract, enrich and index chunks of items; holds the worker pool and models across chunks."""

    def __init__(self, settings: Settings, store: BlobStore, catalog: ItemCatalog, client: Any, spec: BatchSpec,
                 *, enrich: EnrichConfig | None = None, index: str | None = None, rebuild: bool = False,
                 text_workers: TextWorkers | None = None) -> None:
        """``rebuild``: the items were processed before (a reindex): children already catalogued are kept as
        they are, and a file a batch password once opened is rebuilt from its kept extraction.
        ``text_workers``: enrichment workers started earlier (:func:`start_text_workers`), taken over."""
        from extractors.containment import ContainedPool

        self.settings = settings
        self.store = store
        self.catalog = catalog
        self.spec = spec
        self.limits = Limits(
            max_file_bytes=settings.max_file_mb * 1024 * 1024,
            timeout_s=settings.extract_timeout_s,
            memory_bytes=settings.extract_memory_mb * 1024 * 1024,
            max_text_chars=settings.max_text_chars,
        )
        route_library_output(settings.data_dir)  # workers' warnings and helpers' output go to the run log
        self.pool = ContainedPool(settings.workers, self.limits)
        self.enrich_config = enrich or enrich_config(settings)
        self.text_workers = text_workers or start_text_workers(settings, self.enrich_config)
        self.on_wait: OnWait | None = None
        self.indexer = BulkIndexer(client, index or f"{settings.es_index_prefix}-docs", settings.bulk_max_bytes,
                                   wait_s=settings.index_wait_s, on_wait=self._waiting)
        self.rebuild = rebuild
        self.derivatives = DerivativeStore(store.root, settings.data_dir) if spec.passwords or rebuild else None
        self._children: dict[str, set[str]] | None = None
        self.workdir = store.tmp_workdir()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evidex-prefetch")
        self._ahead: tuple[tuple[str, ...], Future[list[Extracted]]] | None = None

    def _waiting(self, seconds: float, why: str) -> None:
        if self.on_wait is not None:
            self.on_wait(seconds, why)

    def close(self) -> None:
        if self._ahead:
            self._ahead[1].cancel()
            self._ahead = None
        self._executor.shutdown(wait=True)
        self.pool.close()
        self.text_workers.close()
        self.store.discard(self.workdir)

    def prefetch(self, items: list[Item]) -> None:
        """Start extracting the next chunk in the worker processes while this one is enriched and indexed."""
        if items and self._ahead is None:
            ids = tuple(i.item_id for i in items)
            self._ahead = (ids, self._executor.submit(self._extract, items))

    def _take(self, items: list[Item]) -> list[Extracted]:
        ids = tuple(i.item_id for i in items)
        if self._ahead is not None:
            ahead_ids, future = self._ahead
            self._ahead = None
            if ahead_ids == ids:
                return future.result()
            future.result()  # a different chunk: let it finish so the pool is used by one thread at a time
        return self._extract(items)

    def _extract(self, items: list[Item]) -> list[Extracted]:
        readable = [i for i in items if i.sha256 != UNREAD]
        results = iter(self._extract_stored(readable))
        return [next(results) if i.sha256 != UNREAD else
                Extracted.failure(Status.ERROR, i.reason or "the file could not be read when the batch was received")
                for i in items]

    def _extract_stored(self, items: list[Item]) -> list[Extracted]:
        jobs = []
        for item in items:
            tmp = self.workdir / item.item_id
            tmp.mkdir(parents=True, exist_ok=True)
            ctx = ExtractContext(
                tmp_dir=tmp, limits=self.limits, passwords=self.spec.passwords,
                ocr_languages=self.spec.ocr_languages or self.settings.ocr_languages,
                ocr_enabled=self.settings.ocr_enabled, depth=item.depth, filename=item.name,
                pdf_tables=self.settings.pdf_tables, ocr_pictures=self.settings.ocr_pictures,
            )
            jobs.append((self.store.blob_path(item.sha256), ctx))
        return list(self.pool.map(jobs))

    def process(self, items: list[Item], upcoming: list[Item] | None = None) -> ChunkReport:
        """Extract (or collect the prefetched extraction of), enrich and index ``items``.

        ``upcoming`` is the chunk after this one; its extraction starts as soon as this chunk's is done, so
        the worker processes and the enrichment models run at the same time. The ``extract`` timing is then
        the time spent waiting for extraction, not the extraction itself.
        """
        report = ChunkReport(items=len(items), bytes=sum(i.size for i in items))
        t0 = time.perf_counter()
        extracted = self._keep_or_restore(items, self._take(items))
        self.prefetch(upcoming or [])
        t1 = time.perf_counter()
        report.children = self._store_children(items, extracted, report)
        t2 = time.perf_counter()
        # whole texts: identifiers are counted over everything extracted; index analysis caps its own input
        streams = [self._stream_of(item, ex) for item, ex in zip(items, extracted)]
        loading = self.text_workers.loading()
        self.text_workers.await_models()  # the first chunk waits for the models: start-up, not work
        t2m = time.perf_counter()
        if loading:
            report.timings["workers.models_loaded"] = self.text_workers.loaded_s
        worked = self.text_workers.run([e.text for e in extracted], [e.language for e in extracted], streams)
        if isinstance(self.text_workers, ServiceWorkers):  # counted per chunk: the summary says who enriched
            report.timings["workers.enrich_service"] = 0.0 if self.text_workers.fallback else 1.0
        t3 = time.perf_counter()
        docs = [build_document(item, ex, en, shared_with=list(self.spec.shared_with), analysed=terms,
                               secret=self.enrich_config.secret)
                for item, ex, (en, terms) in zip(items, extracted, worked)]
        t4 = time.perf_counter()
        result = self.indexer.index(docs, raise_on_error=False)
        if result.failed:
            # A document Elasticsearch refuses is indexed again without its derived fields, as an error
            # with the refusal as its reason, so it stays visible and the batch goes on.
            refused = dict(result.failed)
            fallback = [refused_document(d, refused[d.doc_id]) for d in docs if d.doc_id in refused]
            retry = self.indexer.index(fallback)
            result.created += retry.created
            result.updated += retry.updated
            extracted = [
                Extracted.failure(Status.ERROR, f"index refused the document: {refused[i.item_id]}")
                if i.item_id in refused else e
                for i, e in zip(items, extracted)
            ]
        self.catalog.mark_done((i.item_id, e.status.value, e.reason) for i, e in zip(items, extracted))
        t5 = time.perf_counter()
        for item in items:
            self.store.discard(self.workdir / item.item_id)
        for ex in extracted:
            report.statuses[ex.status.value] += 1
            if ex.status not in (Status.OK,) and ex.reason:
                report.reasons[f"{ex.status.value}: {ex.reason[:120]}"] += 1
        report.created, report.updated = result.created, result.updated
        report.timings.update(
            {"extract": t1 - t0, "store": t2 - t1, "models": t2m - t2, "enrich+analyse": t3 - t2m, "build": t4 - t3,
             "index": t5 - t4}
        )
        return report

    def _keep_or_restore(self, items: list[Item], extracted: list[Extracted]) -> list[Extracted]:
        """Keep what a batch password opened; on a rebuild, use it when the file comes out encrypted again."""
        if self.derivatives is None:
            return extracted
        if self.rebuild:
            return [self.derivatives.prefer(i.sha256, e) if i.sha256 != UNREAD else e
                    for i, e in zip(items, extracted)]
        for item, ex in zip(items, extracted):
            if item.sha256 != UNREAD:
                self.derivatives.keep(item.sha256, ex)
        return extracted

    def _known_children(self, batch_id: str) -> dict[str, set[str]]:
        """Paths of the children already catalogued, by parent (read once per batch on a rebuild)."""
        if self._children is None:
            self._children = {}
            for item in self.catalog.items(batch_id):
                if item.parent_id:
                    self._children.setdefault(item.parent_id, set()).add(item.path)
        return self._children

    def _stream_of(self, item: Item, extracted: Extracted) -> tuple[Path, str] | None:
        """The stored file and its encoding when a text file's text was cut (its identifiers are counted whole)."""
        encoding = extracted.metadata.get("encoding")
        cut = item.size > 4 * len(extracted.text) + 1024 * 1024
        if extracted.status is Status.PARTIAL and isinstance(encoding, str) and cut and item.sha256 != UNREAD:
            return self.store.blob_path(item.sha256), encoding
        return None

    def process_isolated(self, items: list[Item], error: BaseException) -> ChunkReport:
        """After a chunk failed as a whole: each item alone; one that fails again is indexed as an error."""
        if isinstance(error, BrokenProcessPool):
            self._restart_text_workers()
        report = ChunkReport()
        for item in items:
            try:
                part = self.process([item])
            except Exception as exc:  # noqa: BLE001 - becomes the item's recorded reason
                if isinstance(exc, BrokenProcessPool):
                    self._restart_text_workers()
                part = self._record_failure(item, f"processing failed: {type(exc).__name__}: {exc}"[:500])
            report.merge(part)
        return report

    def _restart_text_workers(self) -> None:
        self.text_workers.close()
        self.text_workers = TextWorkers(self.enrich_config, self.settings.enrich_workers)

    def _record_failure(self, item: Item, reason: str) -> ChunkReport:
        failed = Extracted.failure(Status.ERROR, reason)
        doc = build_document(item, failed, Enrichment(), shared_with=list(self.spec.shared_with), analysed=("", ""),
                             secret=self.enrich_config.secret)
        result = self.indexer.index([doc], raise_on_error=False)
        self.catalog.mark_done([(item.item_id, failed.status.value, reason)])
        report = ChunkReport(items=1, bytes=item.size, created=result.created, updated=result.updated)
        report.statuses[failed.status.value] += 1
        report.reasons[f"error: {reason[:120]}"] += 1
        return report

    def _store_children(self, items: list[Item], extracted: list[Extracted], report: ChunkReport) -> int:
        new_items: list[Item] = []
        known = self._known_children(items[0].batch_id) if self.rebuild and items else {}
        for item, ex in zip(items, extracted):
            for child in ex.children:
                if f"{item.path}!/{child.inner_path}" in known.get(item.item_id, ()):
                    continue  # rebuilt from its own stored blob: never a second copy of the same member
                try:
                    blob = self.store.put(child.path)
                except OSError as exc:
                    report.reasons[f"error: an embedded file could not be stored: {exc.strerror or exc}"] += 1
                    continue
                inner = f"{item.path}!/{child.inner_path}"
                cid = item_id_for(item.agency, item.case_id, item.exhibit, item.item_id, child.inner_path, blob.sha256)
                new_items.append(
                    Item(
                        item_id=cid, batch_id=item.batch_id, sha256=blob.sha256, size=blob.size, path=inner,
                        name=child.name, parent_id=item.item_id, root_id=item.root_id, depth=item.depth + 1,
                        agency=item.agency, case_id=item.case_id, exhibit=item.exhibit,
                    )
                )
        if new_items:
            added = self.catalog.add_items(new_items)
            if added:
                for start in range(0, len(new_items), 1000):
                    part = new_items[start : start + 1000]
                    self.store.custody.append(
                        "items_derived", batch_id=items[0].batch_id, count=len(part),
                        children=[[n.parent_id, n.sha256, n.path] for n in part],
                    )
        return len(new_items)
