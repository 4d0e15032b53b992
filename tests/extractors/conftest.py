"""Shared fixtures: the sample corpus (skipped when absent) and an extraction context."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from extractors import ExtractContext, Limits

REPO = Path(__file__).resolve().parents[2]


def corpus_root() -> Path:
    """``$EVIDEX_CORPUS`` or ``<repo>/../shared/corpus``."""
    return Path(os.environ.get("EVIDEX_CORPUS") or REPO.parent / "shared" / "corpus")


@pytest.fixture(scope="session")
def corpus() -> Path:
    root = corpus_root()
    if not (root / "pdf").is_dir():
        pytest.skip(f"sample corpus not found at {root} (set EVIDEX_CORPUS to run corpus tests)")
    return root


@pytest.fixture
def ctx(tmp_path: Path) -> ExtractContext:
    return ExtractContext(tmp_dir=tmp_path / "children", limits=Limits(timeout_s=60))


@pytest.fixture
def ctx_with():
    """Build a context with batch passwords: ``ctx_with(ctx, "pw1", "pw2")``."""
    import dataclasses

    return lambda ctx, *passwords: dataclasses.replace(ctx, passwords=passwords)
