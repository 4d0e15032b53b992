"""Damaged copies of corpus files (truncated, bytes flipped) end with a status, never an unexpected error."""

from __future__ import annotations

import random
from pathlib import Path

from extractors import ExtractContext, Limits, Status
from extractors.containment import ContainedPool

PICKS = (
    "pdf/opendataloader-pdf/2125318_의사국 의안과_의안원문_hwp.pdf", "pdf/pdfplumber/chelsea_pdta.pdf",
    "hwp/neolord0-hwplib/표.hwp", "hwp/neolord0-hwplib/distribution.hwp", "hwp/neolord0-hwpxlib/Table.hwpx",
    "email/tika/testMSG_att_doc.msg", "email/tika/testRFC822_multipart_attachments.eml",
    "email/hoover-testdata/flags_jane_doe.pst", "office/tika/testWORD.docx", "office/tika/testEXCEL.xlsx",
    "office/tika/testEXCEL.xls", "office/tika/testPPT.pptx", "office/tika/testWORD.doc",
    "office/ingest-file/Plan.odt", "office/tika/testRTFJapanese.rtf",
)


def test_damaged_copies(corpus: Path, tmp_path: Path):
    rng = random.Random(7)
    jobs = []
    for rel in PICKS:
        data = (corpus / rel).read_bytes()
        cut = tmp_path / f"cut-{Path(rel).name}"
        cut.write_bytes(data[: len(data) // 2])
        flipped = bytearray(data)
        for _ in range(30):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        flip = tmp_path / f"flip-{Path(rel).name}"
        flip.write_bytes(bytes(flipped))
        jobs += [cut, flip]
    limits = Limits(timeout_s=30)
    ctx = ExtractContext(tmp_dir=tmp_path / "children", limits=limits, ocr_enabled=False)
    with ContainedPool(2, limits) as pool:
        results = list(pool.map((job, ctx) for job in jobs))
    bad = [(j.name, r.status.value, r.reason) for j, r in zip(jobs, results)
           if r.status in (Status.ERROR, Status.TIMEOUT) or "unexpected" in (r.reason or "")]
    assert not bad
    assert all(r.reason for r in results if r.status not in (Status.OK,))
