"""The scale-out tests' real PostgreSQL and S3 servers are the session fixtures of ``tests/conftest.py``
(``pg_server``, ``s3_server``, ``pg_url``, ``bucket``, ``s3_settings``), shared with the ingest, search and verify
tests that run on PostgreSQL + S3 too; tests skip, saying why, when a server cannot be started."""

from __future__ import annotations

import os
from pathlib import Path

from evidex.custody.localparts import LocalS3

REPO = Path(__file__).resolve().parents[3]
SESSION_DIR = Path(os.environ.get("EVIDEX_TEST_DATA_DIR", REPO / ".test-data")).resolve()


def s3_client(server: LocalS3):  # noqa: ANN201
    """A boto3 client of the session's s3proxy."""
    return server.client()
