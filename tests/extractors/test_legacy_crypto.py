"""Password-protected legacy Office (RC4 CryptoAPI DOC, XLS, PPT) opened with the batch's passwords.

The encrypted files are made by the tests from plain corpus files (``legacy_crypto``), since no
tool here writes encrypted legacy Office files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from extractors import Status, extract_path

sys.path.insert(0, str(Path(__file__).parent))
from legacy_crypto import encrypt_doc, encrypt_ppt, encrypt_xls  # noqa: E402

CASES = [
    (encrypt_doc, "office/tika/testWORD.doc", "sample Microsoft Word Document"),
    (encrypt_xls, "office/tika/testEXCEL.xls", "Sample Excel Worksheet - Numbers and their Squares"),
    (encrypt_ppt, "office/tika/testPPT.ppt", "Sample Powerpoint Slide"),
]


@pytest.mark.parametrize("encrypt,rel,phrase", CASES, ids=["doc", "xls", "ppt"])
def test_legacy_office_opens_with_batch_password(corpus, ctx, ctx_with, tmp_path, encrypt, rel, phrase):
    locked = tmp_path / ("locked" + rel[rel.rindex("."):])
    encrypt(corpus / rel, locked, "S3cret-비번")
    r = extract_path(locked, ctx_with(ctx, "wrong", "S3cret-비번"))
    assert r.status == Status.OK, r.reason
    assert phrase in r.text and r.metadata["decrypted"] is True
    assert not any(ctx.tmp_dir.glob("decrypted-*")), "decrypted copy left behind"


@pytest.mark.parametrize("encrypt,rel,phrase", CASES, ids=["doc", "xls", "ppt"])
def test_legacy_office_wrong_passwords_stay_encrypted(corpus, ctx, ctx_with, tmp_path, encrypt, rel, phrase):
    locked = tmp_path / ("locked" + rel[rel.rindex("."):])
    encrypt(corpus / rel, locked, "S3cret-비번")
    r = extract_path(locked, ctx_with(ctx, "wrong", "other"))
    assert r.status == Status.ENCRYPTED and "none of the 2 batch passwords" in r.reason
    assert phrase not in r.text
    none = extract_path(locked, ctx)
    assert none.status == Status.ENCRYPTED and "no password was given" in none.reason


@pytest.mark.parametrize("encrypt,rel,phrase", CASES[:2], ids=["doc", "xls"])
def test_binary_rc4_office97_opens_with_batch_password(corpus, ctx, ctx_with, tmp_path, encrypt, rel, phrase):
    # The older RC4 scheme (not CryptoAPI) of Office 97/2000, as POI's password_tika_binaryrc4.doc uses.
    locked = tmp_path / ("locked" + rel[rel.rindex("."):])
    encrypt(corpus / rel, locked, "tika", binary_rc4=True)
    assert extract_path(locked, ctx_with(ctx, "wrong")).status == Status.ENCRYPTED
    r = extract_path(locked, ctx_with(ctx, "wrong", "tika"))
    assert r.status == Status.OK, r.reason
    assert phrase in r.text and r.metadata["decrypted"] is True
