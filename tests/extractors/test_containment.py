"""ContainedPool: time and memory limits, crashes, hostile files, order, worker reuse."""

from __future__ import annotations

import dataclasses
import io
import os
import sys
import time
import zipfile
from pathlib import Path

import psutil
import pytest

from extractors import ExtractContext, Limits, Status, extract_path
from extractors.containment import ContainedPool

sys.path.insert(0, str(Path(__file__).parent))
from hostile_extractors import HOSTILE  # noqa: E402

LIMITS = Limits(timeout_s=6, memory_bytes=768 * 1024**2, max_file_bytes=1024**3)


def _billion_laughs_docx(path: Path) -> None:
    ents = ['<!ENTITY a0 "lol">'] + [f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 12)]
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE w:document [{"".join(ents)}]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        "<w:p><w:r><w:t>visible words</w:t></w:r></w:p><w:p><w:r><w:t>&a11;</w:t></w:r></w:p></w:body></w:document>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("word/document.xml", doc)


def _bomb(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.bin", b"\0" * 100_000_000)


@pytest.fixture
def batch(tmp_path: Path) -> list[Path]:
    files = []

    def add(name: str, data: bytes | None = None) -> Path:
        p = tmp_path / name
        if data is not None:
            p.write_bytes(data)
        files.append(p)
        return p

    add("first.txt", "첫 번째 문서입니다. 정상적으로 읽혀야 합니다.".encode())
    add("hang.evidexslow", os.urandom(4096))
    add("hog.evidexhog", os.urandom(4096))
    add("crash.evidexcrash", os.urandom(4096))
    _bomb(add("bomb.zip"))
    _billion_laughs_docx(add("laughs.docx"))
    sparse = add("sparse.img")
    with open(sparse, "wb") as fh:
        fh.truncate(3 * 1024**3)  # sparse: 3 GB apparent, no disk used
    add("last.txt", b"the last document of the batch is indexed too")
    return files


def test_hostile_batch_ends_with_statuses(batch: list[Path], tmp_path: Path):
    ctx = ExtractContext(tmp_dir=tmp_path / "children", limits=LIMITS)
    started = time.monotonic()
    with ContainedPool(2, LIMITS, extra_registrations=HOSTILE) as pool:
        results = dict(zip((p.name for p in batch), pool.map((p, ctx) for p in batch)))
        pids = pool.worker_pids()
        for pid in pids:  # survivors stay within the memory limit
            assert psutil.Process(pid).memory_info().vms <= LIMITS.memory_bytes
    elapsed = time.monotonic() - started
    status = {name: r.status for name, r in results.items()}
    assert status["first.txt"] == Status.OK and "첫 번째 문서" in results["first.txt"].text
    assert status["last.txt"] == Status.OK
    assert status["hang.evidexslow"] == Status.TIMEOUT and "6 s" in results["hang.evidexslow"].reason
    assert status["hog.evidexhog"] == Status.TOO_LARGE and "memory" in results["hog.evidexhog"].reason
    assert status["crash.evidexcrash"] == Status.ERROR and "SIGSEGV" in results["crash.evidexcrash"].reason
    assert status["bomb.zip"] == Status.TOO_LARGE
    assert status["sparse.img"] == Status.TOO_LARGE and "limit" in results["sparse.img"].reason
    laughs = results["laughs.docx"]
    assert laughs.status in (Status.OK, Status.PARTIAL, Status.CORRUPT)
    assert "lollol" not in laughs.text and len(laughs.text) < 10_000
    assert elapsed < 30
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_workers_are_reused_and_restarted(tmp_path: Path):
    ctx = ExtractContext(tmp_dir=tmp_path / "children", limits=LIMITS)
    files = []
    for i in range(6):
        p = tmp_path / f"doc{i}.txt"
        p.write_text(f"document number {i} with some words")
        files.append(p)
    with ContainedPool(2, LIMITS, extra_registrations=HOSTILE) as pool:
        out = list(pool.map((p, ctx) for p in files))
        assert [f"document number {i}" in r.text for i, r in enumerate(out)] == [True] * 6
        before = set(pool.worker_pids())
        list(pool.map((p, ctx) for p in files))
        assert set(pool.worker_pids()) == before and pool.restarts == 0
        hang = tmp_path / "x.evidexslow"
        hang.write_bytes(os.urandom(512))
        (r,) = list(pool.map([(hang, ctx)]))
        assert r.status == Status.TIMEOUT and pool.restarts == 1
        assert len(pool.worker_pids()) == 2 and set(pool.worker_pids()) != before


def test_sparse_file_in_process_not_opened(tmp_path: Path):
    p = tmp_path / "huge.bin"
    with open(p, "wb") as fh:
        fh.truncate(5 * 1024**3)
    ctx = ExtractContext(tmp_dir=tmp_path / "c", limits=dataclasses.replace(LIMITS, max_file_bytes=2 * 1024**3))
    r = extract_path(p, ctx)
    assert r.status == Status.TOO_LARGE and str(5 * 1024**3) in r.reason


def test_abandoned_map_frees_workers(tmp_path: Path):
    ctx = ExtractContext(tmp_dir=tmp_path / "children", limits=LIMITS)
    files = []
    for i in range(8):
        p = tmp_path / f"d{i}.txt"
        p.write_text(f"document {i}")
        files.append(p)
    with ContainedPool(2, LIMITS) as pool:
        for _ in pool.map((p, ctx) for p in files):
            break  # caller stops early
        again = list(pool.map((p, ctx) for p in files[:3]))
        assert [r.text for r in again] == ["document 0", "document 1", "document 2"]


def test_worker_start_up_is_not_charged_to_its_job(tmp_path: Path):
    """A worker's start-up (imports taking longer than the job limit) does not turn its first job into a
    timeout: the job's clock starts when the worker says it is ready."""
    from slowstart_extractors import IMPORT_S, SLOW_START  # noqa: E402  (its import sleeps in each worker)

    limits = dataclasses.replace(LIMITS, timeout_s=IMPORT_S / 2)
    ctx = ExtractContext(tmp_dir=tmp_path / "children", limits=limits)
    doc = tmp_path / "note.evidexquick"
    doc.write_text("read at once by a worker that took long to start")
    with ContainedPool(1, limits, extra_registrations=SLOW_START) as pool:
        (r,) = list(pool.map([(doc, ctx)]))
    assert r.status == Status.OK, r.reason
    assert "took long to start" in r.text
