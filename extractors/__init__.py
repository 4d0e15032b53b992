"""Extractors: bytes → ``Extracted`` (text, pages, metadata, children, language, status).

Public API::

    extract_path(path, ctx) -> Extracted     # in-process, never raises
    detect_type(path) -> str                 # sniffed MIME-like type
    registered() -> list[RegisteredRow]      # (name, content_types, extensions, priority)
    describe(extracted, full=False) -> dict  # JSON-ready view for the CLI
    extract_tree(path, ctx) -> ExtractedNode # the file and its children, recursively
    render_tree(node, text_chars=2000) -> str
    containment.ContainedPool(workers, limits)  # worker processes with time/memory limits
"""

from __future__ import annotations

from extractors.base import (
    Child,
    CorruptError,
    EncryptedError,
    ExtractContext,
    Extracted,
    ExtractionError,
    ExtractionTimeout,
    Limits,
    Method,
    Page,
    Status,
    Table,
    TooLargeError,
    UnsupportedError,
)
from extractors.describe import describe
from extractors.dispatch import extract_path
from extractors.registry import RegisteredRow, default_registry
from extractors.sniff import detect_type
from extractors.tree import ExtractedNode, extract_tree, render_tree


def registered() -> list[RegisteredRow]:
    """Every built-in extractor as ``(name, content_types, extensions, priority)``, sorted by name."""
    return default_registry().rows()


__all__ = [
    "Child",
    "CorruptError",
    "EncryptedError",
    "ExtractContext",
    "ExtractedNode",
    "Extracted",
    "ExtractionError",
    "ExtractionTimeout",
    "Limits",
    "Method",
    "Page",
    "RegisteredRow",
    "Status",
    "Table",
    "TooLargeError",
    "UnsupportedError",
    "describe",
    "detect_type",
    "extract_path",
    "extract_tree",
    "registered",
    "render_tree",
]
