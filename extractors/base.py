"""The shape every extractor returns, the context it receives and its error tree.

Exception tree (stable codes, each maps to one ``Status``)::

    ExtractionError            code "error"
    ├── EncryptedError         code "encrypted"
    ├── CorruptError           code "corrupt"
    ├── UnsupportedError       code "unsupported"
    ├── TooLargeError          code "too_large"
    └── ExtractionTimeout      code "timeout"
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Status(str, enum.Enum):
    """Outcome of reading one file; every non-``ok`` status carries a reason."""

    OK = "ok"
    PARTIAL = "partial"
    ENCRYPTED = "encrypted"
    CORRUPT = "corrupt"
    UNSUPPORTED = "unsupported"
    TOO_LARGE = "too_large"
    TIMEOUT = "timeout"
    ERROR = "error"

    @property
    def readable(self) -> bool:
        """True when the file gave usable text."""
        return self in (Status.OK, Status.PARTIAL)


class Method(str, enum.Enum):
    """How the text was obtained."""

    TEXT_LAYER = "text_layer"
    OCR = "ocr"
    MIXED = "mixed"
    NONE = "none"


@dataclass(frozen=True)
class Limits:
    """Containment limits applied to one extraction."""

    max_file_bytes: int = 2 * 1024**3
    timeout_s: float = 120.0
    memory_bytes: int = 2 * 1024**3
    max_text_chars: int = 20_000_000
    archive_max_total_bytes: int = 4 * 1024**3
    archive_max_ratio: float = 200.0
    archive_max_depth: int = 8
    archive_max_members: int = 20_000
    max_pages_ocr: int = 500
    #: Pictures OCR'd per document (``extractors.pictures``); the rest make the document partial.
    max_pictures_ocr: int = 40


@dataclass(frozen=True)
class ExtractContext:
    """Everything an extractor may know besides the file itself."""

    tmp_dir: Path
    limits: Limits = field(default_factory=Limits)
    passwords: tuple[str, ...] = ()
    ocr_languages: str = "kor+eng"
    ocr_enabled: bool = True
    depth: int = 0
    #: The file's original name when ``path`` is a content-addressed blob without one; its
    #: extension is the hint used after content sniffing (``.emlx``, ``.eml``, ``.docx``…).
    filename: str | None = None
    #: Find ruled tables in PDF pages (rows as tab-separated lines, cells in ``pages[].tables``); only pages
    #: with enough path objects are looked at further, within a per-document cap (``extractors.pdflayout``).
    pdf_tables: bool = True
    #: OCR the pictures inside documents (DOCX/PPTX/XLSX/ODF/HWP media, pictures of DOC/XLS/PPT), their text
    #: appended as ``[picture NAME]`` sections (``extractors.pictures``); needs ``ocr_enabled`` too.
    ocr_pictures: bool = True


#: A sheet's rows past this many are in its page text only, not in its ``Table`` (memory bound).
MAX_TABLE_ROWS = 100_000


@dataclass(frozen=True)
class Table:
    """One table of a page: rows of cell texts (also in the page text, one row per line, cells tab-separated)."""

    rows: tuple[tuple[str, ...], ...]

    def as_text(self) -> str:
        """Rows on their own lines, cells separated by tabs (tabs and line breaks inside cells become spaces)."""
        return "\n".join("\t".join(" ".join(cell.split()) for cell in row) for row in self.rows)


@dataclass(frozen=True)
class Page:
    """Text of one page (PDF page, slide, sheet).

    ``reader`` names what produced the text (``pdfium``, ``pdftotext``, ``tesseract:kor+eng``…) and
    ``score`` is its quality score (``extractors.quality``), both set where a quality gate ran.
    """

    number: int
    text: str
    method: Method = Method.TEXT_LAYER
    score: float | None = None
    reader: str | None = None
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True)
class Child:
    """An embedded file (archive member, attachment, embedded object), written to ``path``."""

    path: Path
    name: str
    inner_path: str
    content_type: str | None = None
    status: Status | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Extracted:
    """Text and structure read from one file; never raises past the stage boundary."""

    status: Status
    text: str = ""
    reason: str | None = None
    pages: tuple[Page, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    language: str | None = None
    languages: tuple[str, ...] = ()
    method: Method = Method.NONE
    content_type: str | None = None
    extractor: str | None = None
    children: tuple[Child, ...] = ()

    @classmethod
    def failure(cls, status: Status, reason: str, **kw: Any) -> "Extracted":
        """A record for a file that could not be read."""
        return cls(status=status, reason=reason, **kw)


class ExtractionError(Exception):
    """Base of every extraction failure; ``status`` says which one."""

    status: Status = Status.ERROR

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EncryptedError(ExtractionError):
    status = Status.ENCRYPTED


class CorruptError(ExtractionError):
    status = Status.CORRUPT


class UnsupportedError(ExtractionError):
    status = Status.UNSUPPORTED


class TooLargeError(ExtractionError):
    status = Status.TOO_LARGE


class ExtractionTimeout(ExtractionError):
    status = Status.TIMEOUT
