"""The index contract on a real node: templates, aliases, refusals turned into visible errors."""

from __future__ import annotations

from evidex.custody.catalog import Item
from evidex.node.client import make_client
from evidex.pipeline.indexer import BulkIndexer
from extractors.base import Extracted, Method, Status
from index_config import ensure_indices, specs
from index_config.documents import IndexDoc, build_document, refused_document
from models.types import Enrichment, Entity


def _item(n: int) -> Item:
    return Item(f"id{n}", "b", "0" * 64, 10, f"f{n}.txt", f"f{n}.txt", None, f"id{n}", 0, "knpa", "C", None)


def test_templates_are_versioned_and_applied_idempotently(settings) -> None:
    client = make_client(settings)
    first = ensure_indices(client, settings.es_index_prefix)
    second = ensure_indices(client, settings.es_index_prefix)
    assert first == second
    for name, spec in specs().items():
        assert first[f"{settings.es_index_prefix}-{name}"] == f"{settings.es_index_prefix}-{name}-v{spec.version}"


def test_sensitive_identifiers_are_indexed_only_as_hashes(settings) -> None:
    client = make_client(settings)
    ensure_indices(client, settings.es_index_prefix)
    phone = Entity("PHONE", "010-1234-5678", "+821012345678", 0, 13, "identifiers.v1", True, "h" * 32)
    org = Entity("ORG", "쿠팡", "쿠팡", 20, 22, "ko-ner")
    extracted = Extracted(status=Status.OK, text="010-1234-5678 에 연락. 쿠팡 관련", method=Method.TEXT_LAYER)
    doc = build_document(_item(1), extracted, Enrichment(entities=(phone, org), pii={"PHONE": 1}), shared_with=[])
    assert doc.source["pii_hashes"] == ["h" * 32]
    assert doc.source["entities"] == {"ORG": ["쿠팡"]}
    assert "+821012345678" not in str({k: v for k, v in doc.source.items() if k != "text"})
    BulkIndexer(client, f"{settings.es_index_prefix}-docs").index([doc])


def test_refused_document_becomes_a_visible_error(settings) -> None:
    client = make_client(settings)
    ensure_indices(client, settings.es_index_prefix)
    indexer = BulkIndexer(client, f"{settings.es_index_prefix}-docs")
    good = build_document(_item(2), Extracted(status=Status.OK, text="fine"), Enrichment(), shared_with=[])
    bad = IndexDoc("id3", {**good.source, "item_id": "id3", "not_in_the_mapping": 1})
    result = indexer.index([good, bad], raise_on_error=False)
    assert result.created == 1 and [doc_id for doc_id, _ in result.failed] == ["id3"]
    retry = indexer.index([refused_document(bad, result.failed[0][1])])
    assert retry.created == 1
    client.indices.refresh(index=f"{settings.es_index_prefix}-docs")
    stored = client.get(index=f"{settings.es_index_prefix}-docs", id="id3")["_source"]
    assert stored["status"] == "error" and "strict" in stored["reason"]


def test_a_field_added_to_the_mapping_is_used_only_once_every_document_has_it(settings) -> None:
    """An index of the version in use before ``text_tri`` existed: ``ensure_indices`` adds the field, the
    index is not marked complete (its documents lack it) until a reindex marks it."""
    import copy

    from index_config import COMPLETE, LATE_FIELDS, complete_fields, mark_complete

    client = make_client(settings)
    prefix = settings.es_index_prefix
    spec = specs()["docs"]
    old = copy.deepcopy(spec.body["mappings"])
    for added in LATE_FIELDS["docs"]:
        old["properties"].pop(added)
        old["_source"]["excludes"].remove(added)
    client.indices.create(index=spec.index(prefix), aliases={spec.alias(prefix): {"is_write_index": True}},
                          mappings=old, settings={"number_of_replicas": 0})
    ensure_indices(client, prefix)
    mapping = client.indices.get_mapping(index=spec.alias(prefix))[spec.index(prefix)]["mappings"]
    assert {"text_tri", "text_ko_pairs"} <= set(mapping["properties"]) and mapping["_meta"][COMPLETE] == []
    assert not complete_fields(client, spec.alias(prefix))
    ensure_indices(client, prefix)  # applied again: still not complete
    mark_complete(client, spec.alias(prefix))
    assert complete_fields(client, spec.alias(prefix)) == {"text_tri", "text_ko_pairs"}
    ensure_indices(client, prefix)  # the mark survives a later template change check
    assert complete_fields(client, spec.alias(prefix)) == {"text_tri", "text_ko_pairs"}


def test_a_new_index_has_every_added_field(settings) -> None:
    from index_config import complete_fields

    client = make_client(settings)
    ensure_indices(client, settings.es_index_prefix)
    assert complete_fields(client, f"{settings.es_index_prefix}-docs") == {"text_tri", "text_ko_pairs"}


def test_added_fields_keep_their_words_whole(settings) -> None:
    """``text_tri`` and ``text_ko_pairs`` are made in Python; the standard analyzer must keep their words whole
    (a pair ``개인_정보`` is one term), or the phrases a query builds from them would read other positions."""
    from elasticsearch import Elasticsearch

    client: Elasticsearch = make_client(settings)
    prefix = settings.es_index_prefix
    ensure_indices(client, prefix)
    extracted = Extracted(status=Status.OK, text="고객 개인정보를 유출한 미래정보통신", method=Method.TEXT_LAYER)
    doc = build_document(_item(7), extracted, Enrichment(), shared_with=[])
    assert "개인_정보" in doc.source["text_ko_pairs"].split() and "개인정" in doc.source["text_tri"].split()
    BulkIndexer(client, f"{prefix}-docs").index([doc])
    client.indices.refresh(index=f"{prefix}-docs")
    for field, term in (("text_ko_pairs", "개인_정보"), ("text_ko_pairs", "고객_개인"), ("text_tri", "미래정")):
        assert client.count(index=f"{prefix}-docs", query={"term": {field: term}})["count"] == 1, (field, term)


def test_a_template_change_the_live_index_cannot_take_is_one_clear_error(settings) -> None:
    import uuid

    import pytest

    from index_config import MappingConflict

    client = make_client(settings)
    prefix = f"conflict{uuid.uuid4().hex[:8]}"
    try:
        # a live index of the current version whose field was mapped otherwise (an older edit of the template)
        client.indices.create(index=f"{prefix}-docs-v1", aliases={f"{prefix}-docs": {"is_write_index": True}},
                              mappings={"_meta": {"evidex_fingerprint": "older"},
                                        "properties": {"text_tri": {"type": "keyword"}}})
        with pytest.raises(MappingConflict) as refused:
            ensure_indices(client, prefix)
        message = str(refused.value)
        assert f"{prefix}-docs-v1" in message and "docs.v2.json" in message and "evidex reindex" in message
        assert "text_tri" in message and "\n" not in message
    finally:
        client.indices.delete(index=",".join(spec.index(prefix) for spec in specs().values()),
                              ignore_unavailable=True)
        for name in specs():
            client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-{name}")
