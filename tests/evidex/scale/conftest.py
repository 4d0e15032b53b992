"""Real PostgreSQL and S3 servers for the scale-out tests, started once per session and stopped after it.

PostgreSQL (Debian's package) runs as the system user ``evidex-pg`` under root, with its data directory under the
test data directory, on a free loopback port; each test gets a fresh database. s3proxy (Maven Central, filesystem
backend) runs on another free port; each test gets a fresh bucket. Tests skip only when the binaries are absent.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from evidex.custody.localparts import LocalPostgres, LocalS3, PartMissing

REPO = Path(__file__).resolve().parents[3]
SESSION_DIR = Path(os.environ.get("EVIDEX_TEST_DATA_DIR", REPO / ".test-data")).resolve()


def _running(kind, name: str):
    """A local part (PostgreSQL, s3proxy) for the session under the test data directory; skipped when absent."""
    home = SESSION_DIR / f"scale-{name}-{os.getpid()}"
    server = kind(home)
    try:
        server.start()
    except PartMissing as exc:
        pytest.skip(str(exc))
    yield server
    server.stop()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    yield from _running(LocalPostgres, "pg")


@pytest.fixture(scope="session")
def s3_server():
    yield from _running(LocalS3, "s3")


@pytest.fixture
def pg_url(pg_server: LocalPostgres):
    """A fresh, empty database of the session's PostgreSQL."""
    from evidex.custody.pg import close_pools

    name = f"t{uuid.uuid4().hex[:12]}"
    url = pg_server.create_database(name)
    yield url
    close_pools()
    pg_server.drop_database(name)


def s3_client(server: LocalS3):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id=server.access_key, aws_secret_access_key=server.secret_key,
                        config=Config(request_checksum_calculation="when_required",
                                      response_checksum_validation="when_required", s3={"addressing_style": "path"}))


@pytest.fixture
def bucket(s3_server: LocalS3):
    """A fresh bucket (its name) on the session's s3proxy; buckets go with the server's directory at the end."""
    name = f"evidex-{uuid.uuid4().hex[:12]}"
    s3_client(s3_server).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_settings(s3_server: LocalS3) -> dict:
    """The settings that point a store at the session's s3proxy (store_url added by the test)."""
    return {"s3_endpoint": s3_server.endpoint, "s3_access_key": s3_server.access_key,
            "s3_secret_key": s3_server.secret_key}
