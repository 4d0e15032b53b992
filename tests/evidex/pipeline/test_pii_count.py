"""A dump larger than the text kept for search still has all its identifiers counted."""

from __future__ import annotations

import json
from pathlib import Path

from evidex.node.client import make_client
from evidex.pipeline.batch import BatchSpec
from evidex.pipeline.pii_count import count_identifiers_in_file
from flows.runtime import run_ingest


def _dump(path: Path, rows: int, encoding: str = "utf-8") -> Path:
    lines = ["이름,휴대전화,이메일"]
    lines += [f"고객{i},010-{2000 + i % 7000:04d}-{i % 10000:04d},user{i}@example.com" for i in range(rows)]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def test_streamed_count_matches_rows(tmp_path: Path) -> None:
    dump = _dump(tmp_path / "dump.csv", 3000, "cp949")
    counts = count_identifiers_in_file(dump, "cp949", b"k")
    assert counts == {"PHONE": 3000, "EMAIL": 3000}


def test_cut_dump_is_counted_whole_in_the_index(settings, tmp_path: Path) -> None:
    batch = tmp_path / "b"
    batch.mkdir()
    _dump(batch / "customers.csv", 60000)  # ~2.6 MB, far more than the 100k characters kept below
    settings = settings.model_copy(update={"max_text_chars": 100_000})
    summary = run_ingest(BatchSpec(batch, "pipc", "D1"), settings)
    assert summary.statuses == {"partial": 1}
    assert "60000" not in json.dumps(summary.as_dict())
    client = make_client(settings)
    source = client.search(index=f"{settings.es_index_prefix}-docs", size=1)["hits"]["hits"][0]["_source"]
    assert source["pii"] == {"PHONE": 60000, "EMAIL": 60000}
    assert source["text_chars"] == 100_000
