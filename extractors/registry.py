"""One table of extractors, keyed by content type and file extension.

Extractors are named by import path (``"extractors.pdf:extract_pdf"``) and imported
only when a file needs them, so importing this module does no I/O and loads no parser.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Iterable, NamedTuple

from extractors.base import ExtractContext, Extracted

ExtractFn = Callable[..., Extracted]

#: Used only when nothing more specific claims the file (plain text guesses).
PRIORITY_FALLBACK = 0
#: Generic readers for a broad family (any ZIP, any OLE storage, any text).
PRIORITY_GENERIC = 10
#: The normal reader of one format.
PRIORITY_FORMAT = 50
#: A reader that knows a sub-format better than the format reader (e.g. HWPX inside ZIP).
PRIORITY_SPECIFIC = 100


class RegistryError(ValueError):
    """A registration was refused (code ``registry``)."""


@dataclass(frozen=True)
class Registration:
    """One extractor: what it reads and where its function lives."""

    name: str
    content_types: tuple[str, ...]
    extensions: tuple[str, ...]
    priority: int
    target: str

    def load(self) -> ExtractFn:
        """Import and return the extractor function."""
        module, _, attr = self.target.partition(":")
        fn = getattr(importlib.import_module(module), attr)
        if not callable(fn):
            raise RegistryError(f"{self.target} is not callable")
        return fn


class RegisteredRow(NamedTuple):
    """What ``registered()`` reports for one extractor."""

    name: str
    content_types: tuple[str, ...]
    extensions: tuple[str, ...]
    priority: int


class Registry:
    """Extractor table; refuses duplicate names and ambiguous claims."""

    def __init__(self) -> None:
        self._by_name: dict[str, Registration] = {}

    def add(self, reg: Registration) -> None:
        """Add one registration; raise ``RegistryError`` on a duplicate or ambiguity."""
        if not reg.name or not reg.target or ":" not in reg.target:
            raise RegistryError(f"registration {reg.name!r} needs a name and a 'module:function' target")
        if reg.name in self._by_name:
            raise RegistryError(f"extractor {reg.name!r} is already registered; existing names: {sorted(self._by_name)}")
        for other in self._by_name.values():
            if other.priority != reg.priority:
                continue
            clash = set(other.content_types) & set(reg.content_types)
            clash |= set(other.extensions) & set(reg.extensions)
            if clash:
                raise RegistryError(
                    f"extractor {reg.name!r} claims {sorted(clash)} at priority {reg.priority}, "
                    f"as {other.name!r} already does; give one of them another priority"
                )
        if any(e != e.lower() or e.startswith(".") for e in reg.extensions):
            raise RegistryError(f"extensions of {reg.name!r} must be lower case without a dot")
        self._by_name[reg.name] = reg

    def extend(self, regs: Iterable[Registration]) -> "Registry":
        for reg in regs:
            self.add(reg)
        return self

    def rows(self) -> list[RegisteredRow]:
        """Every registration, sorted by name."""
        return [
            RegisteredRow(r.name, r.content_types, r.extensions, r.priority)
            for r in sorted(self._by_name.values(), key=lambda r: r.name)
        ]

    def choose(self, content_type: str, extension: str) -> Registration | None:
        """The extractor for a sniffed type, else for the extension; highest priority wins.

        When the sniffed type only reaches a generic reader (plain text, any ZIP) and the
        extension names a more specific one of the same family (``.eml`` for text, ``.docx`` for a ZIP), the
        specific one is used; an extension of another family (a ZIP named ``.pdf``) does not override the content.
        """
        best_type = self.by_type(content_type)
        best_ext = self.by_extension(extension)
        if best_type is None:
            return best_ext
        if best_ext is not None and best_type.priority <= PRIORITY_GENERIC < best_ext.priority and \
                _same_family(content_type, best_ext):
            return best_ext
        return best_type

    def by_type(self, content_type: str) -> Registration | None:
        """The highest-priority extractor claiming the content type."""
        found = [r for r in self._by_name.values() if content_type in r.content_types]
        return max(found, key=lambda r: (r.priority, r.name)) if found else None

    def by_extension(self, extension: str) -> Registration | None:
        """The highest-priority extractor claiming the file extension (without its dot)."""
        found = [r for r in self._by_name.values() if extension and extension in r.extensions]
        return max(found, key=lambda r: (r.priority, r.name)) if found else None

    def get(self, name: str) -> Registration:
        return self._by_name[name]


#: Formats stored as a ZIP package, and formats that are text: a generic sniff of either family gives way to an
#: extension of the same family only.
_ZIP_FAMILY = ("application/vnd.openxmlformats-", "application/vnd.oasis.opendocument.", "application/hwp+zip",
               "application/zip", "application/epub+zip")
_TEXT_FAMILY = ("text/", "message/", "application/xml", "application/json", "application/mbox", "application/rtf",
                "application/x-emlx")


def _same_family(content_type: str, reg: Registration) -> bool:
    """Whether ``reg`` reads formats of the family the generic ``content_type`` belongs to."""
    for family in (_ZIP_FAMILY, _TEXT_FAMILY):
        if content_type.startswith(family):
            return any(t.startswith(family) for t in reg.content_types)
    return True


def _reg(name: str, types: str, exts: str, priority: int, target: str) -> Registration:
    return Registration(name, tuple(types.split()), tuple(exts.split()), priority, target)


def builtin_registrations() -> list[Registration]:
    """The extractors Evidex ships with."""
    return [
        _reg("pdf", "application/pdf", "pdf", PRIORITY_FORMAT, "extractors.pdf:extract_pdf"),
        _reg("image", "image/png image/jpeg image/tiff image/bmp image/gif image/webp",
             "png jpg jpeg tif tiff bmp gif webp", PRIORITY_FORMAT, "extractors.ocr:extract_image"),
        _reg("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "docx docm dotx", PRIORITY_FORMAT, "extractors.office.ooxml:extract_docx"),
        _reg("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "xlsx xlsm xltx", PRIORITY_FORMAT, "extractors.office.ooxml:extract_xlsx"),
        _reg("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
             "pptx pptm potx ppsx", PRIORITY_FORMAT, "extractors.office.ooxml:extract_pptx"),
        _reg("office-encrypted", "application/x-office-encrypted", "", PRIORITY_SPECIFIC,
             "extractors.office.crypto:extract_encrypted_office"),
        _reg("doc", "application/msword", "doc dot", PRIORITY_FORMAT, "extractors.office.legacy:extract_doc"),
        _reg("xls", "application/vnd.ms-excel", "xls xlt", PRIORITY_FORMAT, "extractors.office.legacy:extract_xls"),
        _reg("ppt", "application/vnd.ms-powerpoint", "ppt pps pot", PRIORITY_FORMAT,
             "extractors.office.legacy:extract_ppt"),
        _reg("rtf", "application/rtf text/rtf", "rtf", PRIORITY_FORMAT, "extractors.office.rtf:extract_rtf"),
        _reg("odf", "application/vnd.oasis.opendocument.text application/vnd.oasis.opendocument.spreadsheet "
             "application/vnd.oasis.opendocument.presentation", "odt ods odp ott", PRIORITY_FORMAT,
             "extractors.office.odf:extract_odf"),
        _reg("hwp5", "application/x-hwp", "hwp", PRIORITY_FORMAT, "extractors.hwp.hwp5:extract_hwp5"),
        _reg("hwp3", "application/x-hwp3", "", PRIORITY_FORMAT, "extractors.hwp.hwp5:extract_hwp3"),
        _reg("hwpx", "application/hwp+zip", "hwpx", PRIORITY_SPECIFIC, "extractors.hwp.hwpx:extract_hwpx"),
        _reg("hwp-chart", "application/x-hwp-chart", "", PRIORITY_SPECIFIC, "extractors.hwp.chart:extract_hwp_chart"),
        _reg("eml", "message/rfc822", "eml msg822 mht", PRIORITY_FORMAT, "extractors.mail.eml:extract_eml"),
        _reg("emlx", "application/x-emlx", "emlx", PRIORITY_SPECIFIC, "extractors.mail.eml:extract_emlx"),
        _reg("msg", "application/vnd.ms-outlook", "msg", PRIORITY_FORMAT, "extractors.mail.msg:extract_msg"),
        _reg("mbox", "application/mbox", "mbox mbx", PRIORITY_FORMAT, "extractors.mail.mbox:extract_mbox"),
        _reg("pst", "application/vnd.ms-outlook-pst", "pst ost", PRIORITY_FORMAT, "extractors.mail.pst:extract_pst"),
        _reg("zip", "application/zip", "zip jar", PRIORITY_GENERIC, "extractors.archive.zip:extract_zip"),
        _reg("tar", "application/x-tar", "tar tgz tbz2 txz", PRIORITY_FORMAT, "extractors.archive.tar:extract_tar"),
        _reg("7z", "application/x-7z-compressed", "7z", PRIORITY_FORMAT, "extractors.archive.sevenzip:extract_7z"),
        _reg("compressed", "application/gzip application/x-bzip2 application/x-xz", "gz bz2 xz",
             PRIORITY_FORMAT, "extractors.archive.stream:extract_compressed"),
        _reg("html", "text/html", "html htm xhtml", PRIORITY_FORMAT, "extractors.text:extract_html"),
        _reg("xml", "application/xml text/xml", "xml", PRIORITY_FORMAT, "extractors.text:extract_xml"),
        _reg("text", "text/plain text/csv text/tab-separated-values application/json",
             "txt csv tsv json log md text", PRIORITY_FALLBACK, "extractors.text:extract_text"),
    ]


_DEFAULT: Registry | None = None


def default_registry() -> Registry:
    """The shared registry of built-in extractors, built on first use."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Registry().extend(builtin_registrations())
    return _DEFAULT


def install_extra(regs: Iterable[Registration]) -> None:
    """Add extra extractors (e.g. test-only ones) to the shared registry of this process."""
    registry = default_registry()
    for reg in regs:
        if reg.name not in {r.name for r in registry.rows()}:
            registry.add(reg)


__all__ = [
    "PRIORITY_FALLBACK", "PRIORITY_GENERIC", "PRIORITY_FORMAT", "PRIORITY_SPECIFIC",
    "Registration", "RegisteredRow", "Registry", "RegistryError", "builtin_registrations",
    "default_registry", "install_extra", "ExtractContext",
]
