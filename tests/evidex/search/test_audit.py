"""Audit records leave the request path without being lost: journal first, index copies sent in the background."""

from __future__ import annotations

import json

from elasticsearch import Elasticsearch

from evidex.node.client import make_client
from evidex.search.audit import AuditTrail, verify_audit
from evidex.search.identity import User
from index_config import ensure_indices

KIM = User("kim", "knpa", ("investigator",))


def test_records_wait_for_an_unreachable_index_and_are_all_sent(settings) -> None:
    client = make_client(settings)
    ensure_indices(client, settings.es_index_prefix)
    journal = settings.data_dir / "audit.jsonl"
    trail = AuditTrail(Elasticsearch("http://127.0.0.1:9", max_retries=0, request_timeout=1),
                       f"{settings.es_index_prefix}-audit", journal)
    for n in range(30):
        trail.write(KIM, "search", query=f"q{n}", result_count=n)
    lines = journal.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 30 and json.loads(lines[-1])["query"] == "q29"  # on disk before write returned
    assert not trail.flush(timeout=1.5)  # the index is unreachable: nothing is dropped, the records wait
    trail.client = client  # the cluster is back
    assert trail.flush(timeout=30)
    client.indices.refresh(index=trail.alias)
    assert client.count(index=trail.alias)["count"] == 30
    report = verify_audit(journal, client, trail.alias)
    assert not report.problems and report.records == 30 and report.anchors_checked == 30, report
    trail.close()


def test_journal_lines_are_in_the_file_at_once_and_fsynced_by_the_background_thread(tmp_path) -> None:
    import time

    journal = tmp_path / "audit.jsonl"
    trail = AuditTrail(Elasticsearch("http://127.0.0.1:9", max_retries=0, request_timeout=1), "none-audit", journal)
    for n in range(5):
        trail.write(KIM, "search", query=f"q{n}", result_count=n)
        assert len(journal.read_text(encoding="utf-8").splitlines()) == n + 1  # readable when write returns
    chain = trail.chain
    deadline = time.monotonic() + 10
    while chain._synced < chain._written and time.monotonic() < deadline:
        time.sleep(0.01)
    assert chain._synced == chain._written == 5  # one background fsync covers the lines written meanwhile
    trail.write(KIM, "view", doc_ids=["d1"])
    trail.sync()  # what close, flush and interpreter exit wait for
    assert chain._synced == 6
    report = verify_audit(journal, None, "none-audit")
    assert not report.problems and report.records == 6
    trail._sender.stop()


def test_a_released_sender_holds_up_no_later_flush_and_comes_back_with_its_next_record(settings) -> None:
    import time

    from evidex.search import audit

    client = make_client(settings)
    ensure_indices(client, settings.es_index_prefix)
    stuck = AuditTrail(Elasticsearch("http://127.0.0.1:9", max_retries=0, request_timeout=1),
                       f"{settings.es_index_prefix}-audit", settings.data_dir / "stuck.jsonl")
    stuck.write(KIM, "search", query="never indexed", result_count=0)
    assert not stuck.flush(timeout=1.0)  # retrying: a flush of every sender would wait its whole timeout on it
    audit.release_all()
    started = time.monotonic()
    audit.flush_all(timeout=20)
    assert time.monotonic() - started < 10  # not the 20 s the stuck sender would cost
    lines = (settings.data_dir / "stuck.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1  # the journal kept the record the index never got

    live = AuditTrail(client, f"{settings.es_index_prefix}-audit", settings.data_dir / "audit.jsonl")
    live.write(KIM, "search", query="after release", result_count=1)
    audit.release_all()
    live.write(KIM, "search", query="next record", result_count=2)  # in use again: flushed like any sender
    audit.flush_all(timeout=30)
    client.indices.refresh(index=live.alias)
    assert client.count(index=live.alias, query={"match": {"query": "next record"}})["count"] == 1
    live.close()


def test_records_written_together_share_one_bulk_request(settings) -> None:
    import time

    from evidex.search import audit

    client = make_client(settings)
    ensure_indices(client, settings.es_index_prefix)
    trail = AuditTrail(client, f"{settings.es_index_prefix}-audit", settings.data_dir / "audit.jsonl")
    sent: list[int] = []
    send = trail._sender._send
    trail._sender._send = lambda records: (sent.append(len(records)), send(records))[1]  # counts, then sends
    for n in range(5):
        trail.write(KIM, "search", query=f"burst {n}", result_count=n)
    time.sleep(audit.GATHER_S * 3)
    assert trail.flush(timeout=30)
    assert sent == [5]  # one index write for the burst, not one per search
    trail.write(KIM, "search", query="flushed at once", result_count=1)
    assert trail.flush(timeout=30) and sent == [5, 1]  # a flush does not wait out the gathering
    trail.close()
