"""The next chunk is enriched while this one is built and indexed: every document once, with its entities, and a
chunk retried item by item (after a failure) is not mixed up with the enrichment started ahead of it."""

from __future__ import annotations

from pathlib import Path

from evidex.custody.backends import open_catalog, open_store
from evidex.node.client import make_client
from evidex.pipeline.batch import BatchSpec, ChunkProcessor, register_batch
from evidex.samples import write_generated_batch
from index_config import ensure_indices

FILES = 24
CHUNK = 6


def _world(settings, tmp_path: Path):
    s = settings.model_copy(update={"topics_enabled": False, "chunk_size": CHUNK})
    client = make_client(s)
    ensure_indices(client, s.es_index_prefix)
    store, catalog = open_store(s).ensure(), open_catalog(s)
    spec = BatchSpec(write_generated_batch(tmp_path / "batch", FILES), "knpa", "C-7", "E-2")
    info = register_batch(store, catalog, spec)
    return s, client, store, catalog, spec, info


def test_next_chunk_enriched_ahead_and_every_document_once(settings, tmp_path: Path) -> None:
    s, client, store, catalog, spec, info = _world(settings, tmp_path)
    chunks = [catalog.claim(info.batch_id, CHUNK, "w") for _ in range(FILES // CHUNK)]
    assert all(len(c) == CHUNK for c in chunks) and not catalog.claim(info.batch_id, CHUNK, "w")
    processor = ChunkProcessor(s, store, catalog, client, spec)
    ahead = 0.0
    try:
        for n, items in enumerate(chunks):
            report = processor.process(items, chunks[n + 1] if n + 1 < len(chunks) else None)
            ahead += report.timings.get("enrich.ahead", 0.0)
            assert report.statuses == {"ok": CHUNK}
            assert report.timings["enrich+analyse"] > 0 and report.timings["enrich.waited"] >= 0
        # the first chunk waits for the models and starts the second's enrichment; every later one is ready
        assert ahead == len(chunks) - 1
        # a chunk whose enrichment was started ahead, then retried item by item: each item alone, once
        extra = write_generated_batch(tmp_path / "more", 2 * CHUNK)
        more = register_batch(store, catalog, BatchSpec(extra, "knpa", "C-7", "E-3"))
        first, second = (catalog.claim(more.batch_id, CHUNK, "w") for _ in range(2))
        processor.process(first, second)  # second's enrichment starts ahead
        isolated = processor.process_isolated(second, RuntimeError("as if the chunk had failed"))
        assert isolated.statuses == {"ok": CHUNK} and isolated.timings.get("enrich.ahead", 0.0) == 0.0
    finally:
        processor.close()
    index = f"{s.es_index_prefix}-docs"
    client.indices.refresh(index=index)
    assert client.count(index=index)["count"] == FILES + 2 * CHUNK
    assert catalog.counts(info.batch_id) == {"ok": FILES}
    hits = client.search(index=index, query={"exists": {"field": "entities"}}, size=0)["hits"]["total"]["value"]
    assert hits > 0  # enrichment's output reached the documents
