"""Analysts' labels feed the retrain_topics flow; labelling respects access."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidex.search.identity import User
from evidex.pipeline.batch import BatchSpec
from evidex.search.labels import LabelStore
from evidex.search.factory import search_service
from flows.runtime import run_ingest, run_retrain
from models.topics import load_taxonomy

KNOWN = {t.id for t in load_taxonomy().topics}


def test_labels_feed_retraining(settings, tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    for i in range(3):
        (batch / f"roster{i}.txt").write_text(
            f"물류센터 {i}조 근무표: 22시부터 익일 7시까지 상하차, 휴게 30분. 건강검진 미실시 인원 {i + 4}명.",
            encoding="utf-8")
    run_ingest(BatchSpec(batch, "moel", "L1"), settings)
    service = search_service(settings)
    analyst = User("choi", "moel", ("analyst",))
    hits = service.search(analyst, "근무표", limit=10).hits
    assert len(hits) == 3
    store = LabelStore(settings.data_dir, service)
    for hit in hits:
        assert store.set(analyst, hit.doc_id, "night_work_health", known_topics=KNOWN) == {"night_work_health"}
    assert store.set(analyst, hits[0].doc_id, "night_work_health", remove=True, known_topics=KNOWN) == set()
    with pytest.raises(PermissionError):
        store.set(User("kang", "nts", ("analyst",)), hits[1].doc_id, "tax_matters", known_topics=KNOWN)
    with pytest.raises(ValueError):
        store.set(analyst, hits[1].doc_id, "no_such_topic", known_topics=KNOWN)
    labelled = service.search(analyst, "", limit=10)
    assert sum(1 for h in labelled.hits) == 3

    stages: list[dict] = []
    summary = run_retrain(settings, analyst, seed=0, progress=stages.append)
    assert [s["step"] for s in stages] == [1, 2, 3] and "2 labelled" in stages[1]["stage"]
    assert summary.labelled_documents == 2
    assert summary.candidate_macro_f1 > summary.keyword_macro_f1
    assert (settings.topics_root / "current" / "model.joblib").is_file()
    assert summary.promoted == (summary.current_macro_f1 is None
                                or summary.candidate_macro_f1 >= summary.current_macro_f1)
