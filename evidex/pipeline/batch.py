"""Batch ingestion steps, free of Prefect: register a batch, then process its items chunk by chunk.

``flows/ingest_flow.py`` wires these steps into a Prefect flow; tests and benchmarks may call them directly.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from evidex.custody.catalog import Catalog, Item, item_id_for
from evidex.pipeline.indexer import BulkIndexer
from evidex.settings import Settings
from evidex.custody.store import EvidenceStore
from extractors.base import ExtractContext, Extracted, Limits, Status
from evidex.pipeline.workers import TextWorkers
from index_config.documents import build_document, refused_document
from models.enrich import EnrichConfig
from models.types import Enrichment


UNREAD = ""
"""The ``sha256`` of an item whose file could not be read into the store (nothing to extract)."""


@dataclass(frozen=True)
class BatchSpec:
    """What a clerk hands over: a path and its manifest fields."""

    source: Path
    agency: str
    case_id: str
    exhibit: str | None = None
    submitted_by: str | None = None
    passwords: tuple[str, ...] = ()
    shared_with: tuple[str, ...] = ()
    ocr_languages: str | None = None


def spec_of_stored_batch(row: dict[str, Any], passwords: tuple[str, ...] = ()) -> BatchSpec:
    """The spec a stored batch was ingested with (passwords are never stored: give them again)."""
    return BatchSpec(
        source=Path(row["source"] or "."), agency=row["agency"], case_id=row["case_id"], exhibit=row["exhibit"],
        submitted_by=row["submitted_by"], passwords=passwords,
        shared_with=tuple(json.loads(row.get("shared_with") or "[]")), ocr_languages=row.get("ocr_languages"),
    )


@dataclass(frozen=True)
class BatchInfo:
    batch_id: str
    files: int
    bytes: int
    new: bool
    unreadable: tuple[tuple[str, str], ...] = ()


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

    def merge(self, other: "ChunkReport") -> None:
        self.items += other.items
        self.bytes += other.bytes
        self.statuses.update(other.statuses)
        self.reasons.update(other.reasons)
        self.created += other.created
        self.updated += other.updated
        self.children += other.children
        self.timings.update(other.timings)


def readable_name(name: str) -> tuple[str, str | None]:
    """A file name as text, and its raw bytes (hex) when they were not UTF-8.

    Names from Korean Windows machines are often CP949 bytes, which Python keeps as lone surrogates; they are
    decoded as CP949 when that works, else with replacement characters, and the raw bytes are kept.
    """
    try:
        name.encode("utf-8")
        return name, None
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        text = raw.decode("cp949")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
    return text, raw.hex()


def _walk(source: Path) -> list[tuple[Path, str]]:
    """Every regular file under ``source`` with its path relative to the upload, sorted; links not followed."""
    if source.is_file():
        return [(source, source.name)]
    found: list[tuple[Path, str]] = []
    for root, dirs, files in os.walk(source, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            found.append((path, path.relative_to(source).as_posix()))
    return found


def register_batch(store: EvidenceStore, catalog: Catalog, spec: BatchSpec) -> BatchInfo:
    """Hash and store every file, write the manifest and the custody record, and queue the items."""
    store.ensure()
    entries: list[dict[str, Any]] = []
    unreadable: list[tuple[str, str]] = []
    for path, raw_rel in _walk(spec.source):
        rel, raw_hex = readable_name(raw_rel)
        if path.is_symlink() or not path.is_file():
            unreadable.append((rel, "not a regular file (link or device); not followed"))
            continue
        try:
            blob = store.put(path)
        except OSError as exc:
            unreadable.append((rel, f"could not be read: {exc.strerror or exc}"))
            continue
        entry = {"path": rel, "size": blob.size, "sha256": blob.sha256}
        if raw_hex:
            entry["path_bytes"] = raw_hex
        entries.append(entry)
    listing = "\n".join(f"{e['path']}\t{e['sha256']}" for e in entries)
    source_name = readable_name(str(spec.source.resolve()))[0]
    key = "\x00".join([spec.agency, spec.case_id, spec.exhibit or "", source_name, listing])
    batch_id = hashlib.sha256(key.encode()).hexdigest()[:24]
    known = catalog.batch(batch_id)
    total = sum(e["size"] for e in entries)
    if known is None:
        manifest = {
            "batch_id": batch_id,
            "agency": spec.agency,
            "case_id": spec.case_id,
            "exhibit": spec.exhibit,
            "submitted_by": spec.submitted_by,
            "received_at": datetime.now(timezone.utc).isoformat(),
            "source": source_name,
            "files": entries,
            "unreadable": [{"path": p, "reason": r} for p, r in unreadable],
            "shared_with": list(spec.shared_with),
            "hash_algorithm": "sha256",
        }
        manifest_sha = store.write_manifest(batch_id, manifest)
        store.custody.append(
            "batch_received", batch_id=batch_id, agency=spec.agency, case_id=spec.case_id,
            exhibit=spec.exhibit, submitted_by=spec.submitted_by, files=len(entries), bytes=total,
            manifest_sha256=manifest_sha,
        )
        roots = [
            Item(
                item_id=(iid := item_id_for(spec.agency, spec.case_id, spec.exhibit, None, e["path"], e["sha256"])),
                batch_id=batch_id, sha256=e["sha256"], size=e["size"], path=e["path"],
                name=Path(e["path"]).name, parent_id=None, root_id=iid, depth=0,
                agency=spec.agency, case_id=spec.case_id, exhibit=spec.exhibit,
            )
            for e in entries
        ]
        # Files that could not be read still become documents (status error, with the reason).
        roots += [
            Item(
                item_id=(iid := item_id_for(spec.agency, spec.case_id, spec.exhibit, None, rel, UNREAD)),
                batch_id=batch_id, sha256=UNREAD, size=0, path=rel, name=Path(rel).name, parent_id=None,
                root_id=iid, depth=0, agency=spec.agency, case_id=spec.case_id, exhibit=spec.exhibit, reason=why,
            )
            for rel, why in unreadable
        ]
        catalog.add_items(roots)
        catalog.adopt_pending(batch_id, [r.item_id for r in roots])
        catalog.add_batch(
            batch_id=batch_id, agency=spec.agency, case_id=spec.case_id, exhibit=spec.exhibit,
            submitted_by=spec.submitted_by, received_at=manifest["received_at"], source=manifest["source"],
            manifest_sha256=manifest_sha, files=len(entries), bytes=total,
            shared_with=json.dumps(list(spec.shared_with)), ocr_languages=spec.ocr_languages,
        )
    return BatchInfo(batch_id, len(entries), total, known is None, tuple(unreadable))


class ChunkProcessor:
    """Extract, enrich and index chunks of items; holds the worker pool and models across chunks."""

    def __init__(self, settings: Settings, store: EvidenceStore, catalog: Catalog, client: Any, spec: BatchSpec,
                 *, enrich: EnrichConfig | None = None, index: str | None = None) -> None:
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
        self.pool = ContainedPool(settings.workers, self.limits)
        self.enrich_config = enrich or EnrichConfig(
            secret=settings.secret_bytes(), ner=settings.ner_enabled, topics=settings.topics_enabled,
            topics_dir=settings.active_topics_dir())
        self.text_workers = TextWorkers(self.enrich_config, settings.enrich_workers)
        self.indexer = BulkIndexer(client, index or f"{settings.es_index_prefix}-docs", settings.bulk_max_bytes)
        self.workdir = store.tmp_workdir()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evidex-prefetch")
        self._ahead: tuple[tuple[str, ...], Future[list[Extracted]]] | None = None

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
        extracted = self._take(items)
        self.prefetch(upcoming or [])
        t1 = time.perf_counter()
        report.children = self._store_children(items, extracted, report)
        t2 = time.perf_counter()
        # whole texts: identifiers are counted over everything extracted; index analysis caps its own input
        streams = [self._stream_of(item, ex) for item, ex in zip(items, extracted)]
        worked = self.text_workers.run([e.text for e in extracted], [e.language for e in extracted], streams)
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
            {"extract": t1 - t0, "store": t2 - t1, "enrich+analyse": t3 - t2, "build": t4 - t3, "index": t5 - t4}
        )
        return report

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
        for item, ex in zip(items, extracted):
            for child in ex.children:
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
