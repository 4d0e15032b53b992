"""Every corpus file ends readable with text, or with the expected failure status."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from extractors import Status, extract_path

FAMILIES = ("pdf", "hwp", "email", "office")

#: Files that must not end ok-with-text, and the status they must end with.
EXPECTED = {
    "pdf/pdf.js/issue3371.pdf": Status.ENCRYPTED,
    "pdf/pdf.js/saslprep-r6.pdf": Status.ENCRYPTED,
    "pdf/pdfminer.six/aes-256-r6.pdf": Status.ENCRYPTED,
    "pdf/pdfminer.six/rc4-40.pdf": Status.ENCRYPTED,
    "pdf/pdfplumber/password-example.pdf": Status.ENCRYPTED,
    "pdf/py-pdf-sample-files/libreoffice-writer-password.pdf": Status.ENCRYPTED,
    "pdf/pdfplumber/empty.pdf": Status.CORRUPT,
    "hwp/apache-tika/testHWP_3.0.hwp": Status.UNSUPPORTED,
    "hwp/mete0r-pyhwp/password-12345.hwp": Status.ENCRYPTED,
    "email/hoover-testdata/encrypted-machine-learning-comes.eml": Status.ENCRYPTED,
    "office/ingest-file/password_protected.xlsx": Status.ENCRYPTED,
    "office/tika/testEXCEL_protected_passtika.xlsx": Status.ENCRYPTED,
    "office/tika/testWORD_protected_passtika.docx": Status.ENCRYPTED,
    "office/tika/testWORD_truncated.docx": Status.CORRUPT,
}
#: Documents that are really empty (or hold only a tiny image): ok without text.
EMPTY_OK = {
    "pdf/py-pdf-sample-files/imagemagick-CCITTFaxDecode.pdf",
    "hwp/mete0r-pyhwp/table.hwp",
    "hwp/neolord0-hwp2hwpx/빈파일__from.hwp",
    "hwp/neolord0-hwp2hwpx/빈파일__from.hwpx",
    "hwp/neolord0-hwplib/차트.hwp",
    "hwp/neolord0-hwpxlib/2022.hwpx",
    "hwp/neolord0-hwpxlib/blank.hwpx",
    "office/python-docx/doc-coreprops.docx",
    "office/python-docx/tbl-having-tables.docx",
    "office/tika/testWORD_multi_authors.docx",
}


def _files() -> list[str]:
    root = Path(os.environ.get("EVIDEX_CORPUS") or Path(__file__).resolve().parents[3] / "shared" / "corpus")
    if not root.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix() for fam in FAMILIES for p in (root / fam).rglob("*") if p.is_file()
    )


@pytest.mark.parametrize("rel", _files() or ["(corpus absent)"])
def test_corpus_file(rel: str, corpus: Path, ctx) -> None:
    result = extract_path(corpus / rel, ctx)
    assert result.reason is None or result.reason.strip()
    if rel in EXPECTED:
        assert result.status == EXPECTED[rel], (result.status, result.reason)
        assert result.reason
        return
    assert result.status in (Status.OK, Status.PARTIAL), (result.status, result.reason)
    if rel not in EMPTY_OK:
        assert result.text.strip(), "readable file gave no text"
    if result.status == Status.PARTIAL:
        assert result.reason


def test_expectation_table_names_real_files(corpus: Path) -> None:
    for rel in [*EXPECTED, *EMPTY_OK]:
        assert (corpus / rel).is_file(), rel
