"""Password-protected Office files (OOXML in an encrypted OLE package, RC4/CryptoAPI DOC/XLS/PPT).

Each candidate password of the batch is tried (plus Excel's built-in default); the decrypted copy
is read by the ordinary extractor in this same process.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

from extractors.base import EncryptedError, ExtractContext, Extracted, UnsupportedError

#: Excel encrypts "read-only recommended" workbooks with this well-known password.
EXCEL_DEFAULT_PASSWORD = "VelvetSweatshop"


def is_encrypted(path: Path) -> bool:
    """True when msoffcrypto sees an encrypted Office file."""
    import msoffcrypto

    try:
        with open(path, "rb") as fh:
            return bool(msoffcrypto.OfficeFile(fh).is_encrypted())
    except Exception:
        return False


def decrypt_to(path: Path, ctx: ExtractContext) -> tuple[Path, int]:
    """Decrypt into a file under ``ctx.tmp_dir``; return it and which candidate worked.

    Raises ``EncryptedError`` when no candidate opens the file.
    """
    import msoffcrypto
    from msoffcrypto.exceptions import DecryptionError, InvalidKeyError

    candidates = [*ctx.passwords, EXCEL_DEFAULT_PASSWORD]
    ctx.tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="decrypted-", suffix=path.suffix, dir=ctx.tmp_dir)
    os.close(fd)
    target = Path(name)
    with open(path, "rb") as fh:
        try:
            office = msoffcrypto.OfficeFile(fh)
        except Exception as exc:
            target.unlink(missing_ok=True)
            raise UnsupportedError(f"encryption scheme not readable: {exc}") from exc
        scheme = getattr(office, "format", "office")
        for index, password in enumerate(candidates):
            try:
                _load_key(office, password)
            except DecryptionError as exc:
                if "unsupported" in str(exc).lower():
                    target.unlink(missing_ok=True)
                    raise UnsupportedError(f"{scheme} file uses an encryption method not supported: {exc}") from exc
                fh.seek(0)
                continue
            except (InvalidKeyError, ValueError, KeyError, AssertionError):
                fh.seek(0)
                continue
            except Exception as exc:  # msoffcrypto raises bare errors on damaged headers
                target.unlink(missing_ok=True)
                raise UnsupportedError(
                    f"{scheme} encryption header unreadable: {type(exc).__name__}: {exc}") from exc
            try:
                with open(target, "wb") as out:
                    office.decrypt(out)
                return target, index
            except Exception as exc:  # the password was right, the decryption itself failed
                target.unlink(missing_ok=True)
                raise UnsupportedError(
                    f"{scheme} file: the password is right but decryption failed: "
                    f"{type(exc).__name__}: {exc}") from exc
    target.unlink(missing_ok=True)
    given = len(ctx.passwords)
    raise EncryptedError(
        "Office file is password-protected; "
        + (f"none of the {given} batch passwords opened it" if given else "no password was given for the batch")
    )


def _load_key(office: object, password: str) -> None:
    """Give msoffcrypto one candidate; raise ``InvalidKeyError`` when it is wrong.

    OOXML files check the password only when asked (``verify_password``); the legacy
    DOC/XLS/PPT classes always check it in ``load_key`` and refuse that keyword.
    """
    from msoffcrypto.format.ooxml import OOXMLFile

    if isinstance(office, OOXMLFile):
        office.load_key(password=password, verify_password=True)
    else:
        office.load_key(password=password)


def extract_encrypted_office(path: Path, ctx: ExtractContext) -> Extracted:
    """Decrypt with a batch password, then read the plain copy with the matching extractor."""
    from extractors.dispatch import extract_path

    plain, _index = decrypt_to(path, ctx)
    try:
        inner = extract_path(plain, ctx)
    finally:
        plain.unlink(missing_ok=True)
    meta = dict(inner.metadata, decrypted=True, decrypted_content_type=inner.content_type)
    return dataclasses.replace(inner, metadata=meta, content_type=None, extractor=None)
