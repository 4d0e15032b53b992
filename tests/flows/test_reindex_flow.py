"""The index is derived: it can be rebuilt from the evidence store, labels included."""

from __future__ import annotations

import json
from pathlib import Path

from evidex.node.client import make_client
from evidex.search.identity import User
from evidex.pipeline.batch import BatchSpec
from evidex.search.labels import LabelStore
from evidex.samples import write_demo_batch
from evidex.search.factory import search_service
from flows.runtime import run_ingest, run_reindex
from index_config import specs


def test_rebuild_after_losing_the_index_and_after_a_mapping_version_bump(settings, tmp_path: Path) -> None:
    batch = write_demo_batch(tmp_path / "b")
    first = run_ingest(BatchSpec(batch, "knpa", "R1", shared_with=("moel",)), settings)
    service = search_service(settings)
    analyst = User("choi", "knpa", ("analyst",))
    hit = service.search(analyst, "쿠팡").hits[0]
    LabelStore(settings.data_dir, service).set(analyst, hit.doc_id, "leak_scale_legal",
                                               known_topics={"leak_scale_legal"})
    client = make_client(settings)
    alias = f"{settings.es_index_prefix}-docs"
    index = specs()["docs"].index(settings.es_index_prefix)

    # 1. the index is lost: every document comes back from the store, sharing and labels included
    client.indices.delete(index=index)
    rebuilt = run_reindex(settings, None)
    assert rebuilt.items_processed == first.items_processed
    assert client.count(index=alias)["count"] == first.items_processed
    moel = service.search(User("lee", "moel"), "쿠팡")
    assert moel.total == service.search(analyst, "쿠팡").total > 0
    assert client.get(index=alias, id=hit.doc_id)["_source"]["labels"] == ["leak_scale_legal"]

    # 2. a newer template version: documents go to a new index, then the alias moves
    template = Path(__file__).resolve().parents[2] / "index_config" / "templates" / "docs.v1.json"
    bumped = template.with_name("docs.v2.json")
    bumped.write_text(template.read_text(encoding="utf-8"), encoding="utf-8")
    try:
        moved = run_reindex(settings, None)
    finally:
        bumped.unlink()
    assert moved.alias_swapped and moved.index.endswith("-docs-v2") and moved.previous_index == index
    assert list(client.indices.get_alias(name=alias)) == [moved.index]
    assert client.count(index=alias)["count"] == first.items_processed
    client.indices.delete(index=moved.index)
    assert json.dumps(moved.failures) == "{}"


def test_reindex_keeps_tags_notes_stars_and_accepted_shares(settings, tmp_path: Path) -> None:
    from evidex.search.factory import search_service
    from evidex.search.identity import User
    from evidex.search.workspace import Annotations
    from flows.runtime import run_reindex

    batch = tmp_path / "b"
    batch.mkdir()
    (batch / "memo.txt").write_text("야간 배송 기사 근무 기록 검토 메모", encoding="utf-8")
    run_ingest(BatchSpec(batch, "knpa", "R9"), settings)
    service = search_service(settings)
    kim = User("kim", "knpa", ("investigator",))
    doc = service.search(kim, "근무 기록").hits[0].doc_id
    Annotations(service, settings.data_dir).change(kim, doc, tag="야간")
    Annotations(service, settings.data_dir).change(kim, doc, text="다시 볼 것")
    with open(settings.data_dir / "shares.jsonl", "a", encoding="utf-8") as fh:  # as an accepted request writes
        fh.write(json.dumps({"request_id": "r1", "agency": "moel", "doc_ids": [doc], "time": "now"}) + "\n")
    import index_config
    from index_config import COMPLETE, LATE_FIELDS, complete_fields

    concrete, mapping = next(iter(service.client.indices.get_mapping(index=service.docs).items()))
    service.client.indices.put_mapping(index=concrete, meta={**mapping["mappings"]["_meta"], COMPLETE: []})
    index_config._complete_cache.clear()  # as an index given the added fields by put_mapping: not complete
    summary = run_reindex(settings, None)
    assert complete_fields(service.client, service.docs) == set(LATE_FIELDS["docs"])  # every document rebuilt
    assert summary.work_reapplied == {"annotations": 2, "shares": 1}
    rebuilt = search_service(settings).get(kim, doc)
    assert rebuilt["tags"] == ["야간"] and rebuilt["notes"][0]["text"] == "다시 볼 것"
    assert search_service(settings).search(User("lee", "moel"), "근무 기록").total == 1
