"""Originals are stored under their hash, without an extension: extraction must not depend on the path's name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extractors import extract_path
from extractors.base import ExtractContext

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"
FILES = sorted(p for family in ("office", "email") for p in (CORPUS / family).rglob("*") if p.is_file()) \
    if CORPUS.is_dir() else []


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"sample corpus not found at {CORPUS}")
@pytest.mark.parametrize("original", FILES, ids=[str(p.relative_to(CORPUS)) for p in FILES])
def test_same_result_under_a_hash_name(original: Path, tmp_path: Path) -> None:
    stored = tmp_path / "3f2a9c0d"
    shutil.copyfile(original, stored)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    by_name = extract_path(original, ExtractContext(tmp_dir=tmp_path / "a"))
    by_hash = extract_path(stored, ExtractContext(tmp_dir=tmp_path / "b", filename=original.name))
    assert (by_hash.status, by_hash.reason) == (by_name.status, by_name.reason)
    assert by_hash.text == by_name.text
