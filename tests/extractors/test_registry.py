"""The extractor registry: snapshot, duplicate refusal, exported names, describe()."""

from __future__ import annotations

import json

import pytest

import extractors
from extractors import Status, describe, extract_path, registered
from extractors.registry import PRIORITY_FORMAT, Registration, Registry, RegistryError, builtin_registrations

SNAPSHOT = [
    ("7z", 50), ("compressed", 50), ("doc", 50), ("docx", 50), ("eml", 50), ("emlx", 100), ("html", 50),
    ("hwp-chart", 100), ("hwp3", 50), ("hwp5", 50), ("hwpx", 100), ("image", 50), ("mbox", 50), ("msg", 50),
    ("odf", 50),
    ("office-encrypted", 100), ("pdf", 50), ("ppt", 50), ("pptx", 50), ("pst", 50), ("rtf", 50), ("tar", 50),
    ("text", 0), ("xls", 50), ("xlsx", 50), ("xml", 50), ("zip", 10),
]


def test_registered_snapshot():
    rows = registered()
    assert [(r.name, r.priority) for r in rows] == SNAPSHOT
    by_name = {r.name: r for r in rows}
    assert "application/pdf" in by_name["pdf"].content_types and "hwpx" in by_name["hwpx"].extensions


def test_every_target_imports():
    for reg in builtin_registrations():
        assert callable(reg.load()), reg.name


def test_duplicates_and_ambiguity_refused():
    reg = Registry().extend(builtin_registrations())
    with pytest.raises(RegistryError, match="already registered"):
        reg.add(Registration("pdf", ("application/x-other",), (), PRIORITY_FORMAT, "extractors.pdf:extract_pdf"))
    with pytest.raises(RegistryError, match="claims"):
        reg.add(Registration("pdf2", ("application/pdf",), (), PRIORITY_FORMAT, "extractors.pdf:extract_pdf"))
    with pytest.raises(TypeError):
        Registration("x", (), (), 1, "a:b", colour="red")  # unknown field


def test_exported_names():
    assert set(extractors.__all__) >= {"extract_path", "detect_type", "registered", "describe", "Extracted"}
    for name in extractors.__all__:
        assert hasattr(extractors, name)


def test_describe_is_json_ready(tmp_path, ctx):
    p = tmp_path / "a.txt"
    p.write_text("한국어 문서입니다. " * 400)
    r = extract_path(p, ctx)
    short = describe(r)
    assert short["status"] == "ok" and short["text_truncated"] and len(short["text"]) < len(r.text)
    full = describe(r, full=True)
    assert full["text"] == r.text
    json.dumps(full)


def test_never_raises_on_missing_or_odd_paths(tmp_path, ctx):
    assert extract_path(tmp_path / "missing.pdf", ctx).status == Status.ERROR
    assert extract_path(tmp_path, ctx).status == Status.UNSUPPORTED
    link = tmp_path / "link.txt"
    link.symlink_to("/etc/hostname")
    assert extract_path(link, ctx).status == Status.UNSUPPORTED


def test_damaged_files_get_reasons(tmp_path, ctx):
    samples = {
        "bad.pdf": b"%PDF-1.7\n garbage",
        "bad.docx": b"PK\x03\x04 not really",
        "bad.hwp": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
        "bad.png": b"\x89PNG\r\n\x1a\n broken",
        "bad.7z": b"7z\xbc\xaf\x27\x1c broken",
        "bad.gz": b"\x1f\x8b broken",
    }
    for name, data in samples.items():
        (tmp_path / name).write_bytes(data)
        r = extract_path(tmp_path / name, ctx)
        assert r.status in (Status.CORRUPT, Status.UNSUPPORTED, Status.ERROR), (name, r.status)
        assert r.reason and "unexpected" not in r.reason, (name, r.reason)


def test_choice_sniffed_type_first_then_extension():
    from extractors.registry import default_registry

    reg = default_registry()
    assert reg.choose("application/pdf", "txt").name == "pdf"  # content wins over a wrong extension
    assert reg.choose("application/octet-stream", "hwp").name == "hwp5"  # unknown content: extension
    assert reg.choose("text/plain", "eml").name == "eml"  # generic sniff defers to a specific extension
    assert reg.choose("application/zip", "docx").name == "docx"
    assert reg.choose("text/plain", "csv").name == "text"
    assert reg.choose("application/octet-stream", "") is None


BLOB_SAMPLES = (
    "email/hoover-testdata/1498.partial.emlx", "email/tika/testEMLX.emlx", "email/tika/testEmailWithPNGAtt.eml",
    "email/tika/single_mail.mbox", "email/mail-parser/mail_test_3", "email/tika/testMSG.msg",
    "email/hoover-testdata/flags_jane_doe.pst", "office/tika/testWORD_truncated.docx", "office/tika/testWORD6.doc",
    "office/tika/testRTFJapanese.rtf", "office/ingest-file/Plan.odt", "office/tika/testEXCEL_protected_passtika.xlsx",
    "hwp/neolord0-hwpxlib/Table.hwpx", "hwp/apache-tika/testHWP_3.0.hwp", "pdf/pdfplumber/scotus-transcript-p1.pdf",
)


def test_content_addressed_blobs_read_like_named_files(corpus, tmp_path, ctx):
    """The store keeps blobs under their SHA-256; ``ctx.filename`` restores the extension hint."""
    import dataclasses
    import hashlib
    import shutil

    for rel in BLOB_SAMPLES:
        original = corpus / rel
        blob = tmp_path / hashlib.sha256(original.read_bytes()).hexdigest()
        shutil.copyfile(original, blob)
        named = extract_path(original, ctx)
        hinted = extract_path(blob, dataclasses.replace(ctx, filename=original.name))
        assert (hinted.status, hinted.extractor, hinted.text) == (named.status, named.extractor, named.text), rel
        bare = extract_path(blob, ctx)  # without a hint, content sniffing alone
        if rel != "office/tika/testWORD_truncated.docx":  # only its extension says it was a DOCX
            assert (bare.status, bare.text) == (named.status, named.text), rel


def test_a_disguised_file_is_read_by_its_content_and_flagged(tmp_path):
    """A ZIP named ``.pdf`` is read as the archive it is (its members listed and read), and a warning says the
    name and the content disagree; a ZIP-based format named for it (``.docx``) still reaches its reader."""
    import zipfile

    from extractors.base import ExtractContext

    fake = tmp_path / "판결문.pdf"
    with zipfile.ZipFile(fake, "w") as zf:
        zf.writestr("dropper.js", "var payload = 'hidden';")
    ctx = ExtractContext(tmp_dir=tmp_path / "tmp")
    r = extract_path(fake, ctx)
    assert r.status == Status.OK and r.extractor == "zip" and "dropper.js" in r.text
    assert any(".pdf" in w and "application/zip" in w for w in r.metadata["warnings"])
    text_named_pdf = tmp_path / "memo.pdf"
    text_named_pdf.write_text("압수물 목록: 노트북 2대, 외장 디스크 1개", encoding="utf-8")
    r = extract_path(text_named_pdf, ctx)
    assert r.status == Status.OK and "외장 디스크" in r.text and r.extractor == "text"
    from extractors.registry import default_registry

    assert default_registry().choose("application/zip", "docx").name == "docx"
    assert default_registry().choose("text/plain", "eml").name == "eml"
    assert default_registry().choose("application/zip", "pdf").name == "zip"
