"""Filled-in PDF form fields (AcroForm widgets): their values are not part of the page text layer."""

from __future__ import annotations

import ctypes
from typing import Any

_UNSET = {"", "Off"}


def prepare_forms(doc: Any) -> bool:
    """Load the form environment (must happen before pages are opened); False when there is no form."""
    try:
        if not doc.get_formtype():
            return False
        doc.init_forms()
        return True
    except Exception:
        return False


def form_values(doc: Any, page: Any) -> list[tuple[str, str]]:
    """``(field name, value)`` of the filled widgets on one page."""
    import pypdfium2.raw as raw

    env = getattr(doc, "formenv", None)
    if env is None:
        return []
    found: list[tuple[str, str]] = []
    for i in range(raw.FPDFPage_GetAnnotCount(page.raw)):
        annot = raw.FPDFPage_GetAnnot(page.raw, i)
        if not annot:
            continue
        try:
            if raw.FPDFAnnot_GetSubtype(annot) != raw.FPDF_ANNOT_WIDGET:
                continue
            value = _wide(raw.FPDFAnnot_GetFormFieldValue, env.raw, annot)
            if value.strip() in _UNSET:
                continue
            found.append((_wide(raw.FPDFAnnot_GetFormFieldName, env.raw, annot), value.strip()))
        finally:
            raw.FPDFPage_CloseAnnot(annot)
    return found


def _wide(fn: Any, env: Any, annot: Any) -> str:
    import pypdfium2.raw as raw

    size = fn(env, annot, None, 0)
    if size <= 2:
        return ""
    buf = ctypes.create_string_buffer(size)
    fn(env, annot, ctypes.cast(buf, ctypes.POINTER(raw.FPDF_WCHAR)), size)
    return buf.raw.decode("utf-16-le", "replace").rstrip("\x00")
