"""A two-node Elasticsearch cluster on loopback (the project's own distribution, two homes, two ports, seed hosts).

A batch is indexed through a client given both nodes' URLs (``es_url`` with a comma), into indices made with two
shards and one replica from the settings; the shards and their replicas sit on both nodes, the cluster is green,
the batch is searchable. (Stopping one of two master-eligible nodes leaves no quorum: the survivor answers 503
until the node is back; taking a node out needs a voting exclusion, a cluster privilege the service user lacks, or
a third node.)
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from evidex.custody.backends import open_catalog, open_store
from evidex.node.client import make_client
from evidex.node.cluster import LocalCluster
from evidex.node.local import NodeError
from evidex.pipeline.batch import BatchSpec, ChunkProcessor, register_batch
from evidex.samples import write_generated_batch
from evidex.search.builder import SearchService
from evidex.search.identity import User
from evidex.settings import load_settings
from index_config import ensure_indices
from tests.evidex.scale.conftest import SESSION_DIR

ADMIN = User("root", "local", ("admin",))
FILES = 60


@pytest.fixture(scope="module")
def cluster():
    import shutil

    base = SESSION_DIR / "cluster"  # the unpacked distributions are kept for the next session, not the data
    for data in base.glob("node-*/data"):
        shutil.rmtree(data)
    template = load_settings(data_dir=base / "unused", es_heap="512m")
    two = LocalCluster(base, template, size=2)
    try:
        two.start()
    except NodeError as exc:
        two.stop()
        pytest.fail(f"the two-node cluster did not form: {exc}")
    yield two
    two.stop()


@pytest.mark.slow
def test_two_node_cluster(cluster: LocalCluster, tmp_path: Path) -> None:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    s = cluster.settings().model_copy(update={
        "data_dir": tmp_path / "data", "es_index_prefix": prefix, "hmac_secret": "test-secret", "workers": 1,
        "enrich_workers": 1, "ner_enabled": False, "topics_enabled": False, "chunk_size": 20,
        "es_shards": 2, "es_replicas": 1})
    assert len(s.es_url.split(",")) == 2
    client = make_client(s)
    assert len(client.transport.node_pool.all()) == 2  # requests go round both nodes
    ensure_indices(client, prefix, shards=s.es_shards, replicas=s.es_replicas)
    store, catalog = open_store(s).ensure(), open_catalog(s)
    spec = BatchSpec(write_generated_batch(tmp_path / "batch", FILES), "knpa", "C-1")
    info = register_batch(store, catalog, spec)
    processor = ChunkProcessor(s, store, catalog, client, spec)
    try:
        while items := catalog.claim(info.batch_id, s.chunk_size, "w"):
            processor.process(items)
    finally:
        processor.close()
    index = f"{prefix}-docs"
    client.indices.refresh(index=index)
    assert client.count(index=index)["count"] == FILES
    health = client.cluster.health(index=index, wait_for_status="green", timeout="60s")
    assert health["status"] == "green" and health["number_of_nodes"] == 2
    shards = client.cat.shards(index=index, format="json")
    assert {(row["prirep"], row["state"]) for row in shards} == {("p", "STARTED"), ("r", "STARTED")}
    assert len(shards) == 4 and {row["node"] for row in shards} == {"evidex-1", "evidex-2"}
    settings = client.indices.get_settings(index=index)
    only = next(iter(settings.values()))["settings"]["index"]
    assert (only["number_of_shards"], only["number_of_replicas"]) == ("2", "1")

    service = SearchService(client, prefix, s.data_dir, s.secret_bytes())
    assert "doc000007.txt" in {h.path.rsplit("/", 1)[-1] for h in service.search(ADMIN, '"document 000007"').hits}

    catalog.close()
