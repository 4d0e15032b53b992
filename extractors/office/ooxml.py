"""DOCX, XLSX and PPTX: body, headers, footers, notes, comments, text boxes, tables, every sheet."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from extractors.base import MAX_TABLE_ROWS, CorruptError, ExtractContext, Extracted, Method, Page, Status, Table
from extractors.children import ChildSink
from extractors.office.numformat import display
from extractors.office.parts import (
    core_properties, embedded_objects, numbered, open_package, package_pictures, salvaged, xml_part,
)
from extractors.pictures import PictureOcr
from extractors.xmltext import OOXML_RULES, TextRules, walk_text, walk_text_tables

_DOCX_SECTIONS = (
    ("header", r"word/header(\d+)\.xml"),
    ("footer", r"word/footer(\d+)\.xml"),
    ("footnotes", r"word/footnotes()\.xml"),
    ("endnotes", r"word/endnotes()\.xml"),
    ("comments", r"word/comments()\.xml"),
)


def _numbered_any(names: list[str], pattern: str) -> list[str]:
    rx = re.compile(pattern)
    found = []
    for n in names:
        m = rx.fullmatch(n)
        if m:
            found.append((int(m.group(1) or 0), n))
    return [n for _, n in sorted(found)]


_PPT_COMMENT_RULES = TextRules(text=frozenset({"t", "text"}), paragraph=frozenset({"p", "cm"}))


def _text_of(zf: zipfile.ZipFile, part: str, problems: list[str], rules: TextRules = OOXML_RULES) -> str:
    try:
        return walk_text(xml_part(zf, part), rules)
    except CorruptError as exc:
        problems.append(f"{part}: {exc.reason}")
        return ""


def _tables_of(zf: zipfile.ZipFile, part: str, problems: list[str]) -> tuple[str, list[Table]]:
    try:
        return walk_text_tables(xml_part(zf, part), OOXML_RULES)
    except CorruptError as exc:
        problems.append(f"{part}: {exc.reason}")
        return "", []


def _charts(zf: zipfile.ZipFile, names: list[str], prefix: str, problems: list[str]) -> str:
    """Titles, axis titles, series names and category labels of the package's charts (values left out)."""
    out: list[str] = []
    for name in numbered(names, prefix + r"charts/chart(\d+)\.xml"):
        try:
            root = xml_part(zf, name)
        except CorruptError as exc:
            problems.append(f"{name}: {exc.reason}")
            continue
        lines: list[str] = []
        for el in root.iter():
            if not isinstance(el.tag, str) or not el.text or not el.text.strip():
                continue
            local = el.tag.rsplit("}", 1)[-1]
            if local == "t" or (local == "v" and _in_chart_labels(el)):
                lines.append(el.text.strip())
        if lines:
            out.append("\n".join(dict.fromkeys(lines)))
    return "\n\n".join(out)


def _in_chart_labels(el: Any) -> bool:
    """True for a cached value under a series name (``c:tx``) or the categories (``c:cat``)."""
    parent = el.getparent()
    while parent is not None:
        local = parent.tag.rsplit("}", 1)[-1] if isinstance(parent.tag, str) else ""
        if local in ("tx", "cat"):
            return True
        if local in ("val", "xVal", "yVal", "bubbleSize", "ser", "plotArea"):
            return False
        parent = parent.getparent()
    return False


def _result(pages: list[Page], sections: dict[str, str], meta: dict, sink: ChildSink,
            problems: list[str], pictures: PictureOcr) -> Extracted:
    parts = [p.text for p in pages if p.text.strip()]
    for label, text in sections.items():
        if text.strip():
            parts.append(f"[{label}]\n{text}")
    meta.update(sink.metadata())
    status = Status.PARTIAL if problems else Status.OK
    return pictures.finish(Extracted(
        status=status, text="\n\n".join(parts), reason="; ".join(problems) or None, pages=tuple(pages),
        metadata=meta, method=Method.TEXT_LAYER, children=tuple(sink.children)))


def extract_docx(path: Path, ctx: ExtractContext) -> Extracted:
    """See ``_read_docx``; truncated packages are read from the parts that survive."""
    return salvaged(_read_docx, path, ctx)


def _read_docx(path: Path, ctx: ExtractContext) -> Extracted:
    """Body (tables and text boxes included), then headers, footers, foot/endnotes and comments."""
    with open_package(path) as zf:
        names = zf.namelist()
        problems: list[str] = []
        main = "word/document.xml" if "word/document.xml" in names else None
        if main is None:
            main = next((n for n in names if re.fullmatch(r"word/document\d*\.xml", n)), None)
        if main is None:
            raise CorruptError("DOCX without word/document.xml")
        body, tables = _tables_of(zf, main, problems)
        sections: dict[str, str] = {}
        for label, pattern in _DOCX_SECTIONS:
            texts = [_text_of(zf, n, problems) for n in _numbered_any(names, pattern)]
            joined = "\n".join(dict.fromkeys(t for t in texts if t.strip()))
            if joined:
                sections[label] = joined
        charts = _charts(zf, names, "word/", problems)
        if charts:
            sections["charts"] = charts
        meta: dict = core_properties(zf)
        sink = ChildSink(ctx)
        embedded_objects(zf, "word/", sink)
        pictures = PictureOcr(ctx)
        package_pictures(zf, ("word/media/",), pictures)
    return _result([Page(1, body, tables=tuple(tables))], sections, meta, sink, problems, pictures)


def extract_pptx(path: Path, ctx: ExtractContext) -> Extracted:
    """See ``_read_pptx``; truncated packages are read from the parts that survive."""
    return salvaged(_read_pptx, path, ctx)


def _read_pptx(path: Path, ctx: ExtractContext) -> Extracted:
    """One page per slide (slide text, then its notes); comments at the end."""
    with open_package(path) as zf:
        names = zf.namelist()
        problems: list[str] = []
        pages: list[Page] = []
        slides = _slide_order(zf, names)
        for number, slide in enumerate(slides, start=1):
            text = _text_of(zf, slide, problems)
            notes = _slide_notes(zf, slide, names, problems)
            if notes:
                text = f"{text}\n[notes]\n{notes}" if text else f"[notes]\n{notes}"
            pages.append(Page(number, text))
        comments = [
            _text_of(zf, n, problems, _PPT_COMMENT_RULES) for n in names
            if re.fullmatch(r"ppt/comments/(modernComment_[^/]+|comment\d+)\.xml", n)
        ]
        sections = {"comments": "\n".join(c for c in comments if c.strip()),
                    "charts": _charts(zf, names, "ppt/", problems)}
        meta: dict = core_properties(zf)
        meta["slides"] = len(pages)
        sink = ChildSink(ctx)
        embedded_objects(zf, "ppt/", sink)
        pictures = PictureOcr(ctx)
        package_pictures(zf, ("ppt/media/",), pictures, _media_slides(zf, slides, names))
    return _result(pages, sections, meta, sink, problems, pictures)


def _slide_order(zf: zipfile.ZipFile, names: list[str]) -> list[str]:
    """Slides in presentation order (``sldIdLst``), falling back to file-name order."""
    fallback = numbered(names, r"ppt/slides/slide(\d+)\.xml")
    try:
        rels = {r.get("Id"): r.get("Target") or "" for r in xml_part(zf, "ppt/_rels/presentation.xml.rels")}
        pres = xml_part(zf, "ppt/presentation.xml")
    except (CorruptError, KeyError):
        return fallback
    rel_attr = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    ordered = []
    for el in pres.iter():
        if isinstance(el.tag, str) and el.tag.endswith("}sldId"):
            target = rels.get(el.get(rel_attr), "")
            part = "ppt/" + target.lstrip("/").removeprefix("ppt/") if target else ""
            if part in names and part not in ordered:
                ordered.append(part)
    return ordered + [n for n in fallback if n not in ordered] if ordered else fallback


def _media_slides(zf: zipfile.ZipFile, slides: list[str], names: list[str]) -> dict[str, str]:
    """``ppt/media/…`` part -> ``slide N`` of the first slide that shows it."""
    where: dict[str, str] = {}
    for number, slide in enumerate(slides, start=1):
        rels = slide.replace("ppt/slides/", "ppt/slides/_rels/") + ".rels"
        if rels not in names:
            continue
        try:
            root = xml_part(zf, rels)
        except CorruptError:
            continue
        for rel in root:
            target = rel.get("Target") or ""
            if "media/" in target:
                where.setdefault("ppt/media/" + target.rsplit("media/", 1)[1], f"slide {number}")
    return where


def _slide_notes(zf: zipfile.ZipFile, slide: str, names: list[str], problems: list[str]) -> str:
    rels = slide.replace("ppt/slides/", "ppt/slides/_rels/") + ".rels"
    if rels not in names:
        return ""
    try:
        root = xml_part(zf, rels)
    except CorruptError:
        return ""
    for rel in root:
        target = rel.get("Target") or ""
        if "notesSlide" in target:
            part = "ppt/" + target.replace("../", "")
            if part in names:
                return _text_of(zf, part, problems)
    return ""


def extract_xlsx(path: Path, ctx: ExtractContext) -> Extracted:
    """See ``_read_xlsx``; truncated packages are read from the parts that survive."""
    return salvaged(_read_xlsx, path, ctx)


def _read_xlsx(path: Path, ctx: ExtractContext) -> Extracted:
    """One page per sheet (hidden sheets too): cells row by row, tab-separated; then headers,
    footers, comments and drawing text boxes."""
    import openpyxl

    problems: list[str] = []
    pages: list[Page] = []
    budget = ctx.limits.max_text_chars
    # A file object, not a path: stored originals have no extension, and openpyxl judges paths by theirs.
    handle = open(path, "rb")
    try:
        wb = openpyxl.load_workbook(handle, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types on damaged packages
        handle.close()
        raise CorruptError(f"unreadable XLSX workbook: {type(exc).__name__}: {exc}") from exc
    try:
        for number, ws in enumerate(wb.worksheets, start=1):
            page, budget = _sheet_page(number, ws, budget, problems)
            pages.append(page)
            if budget < 0:
                problems.append(f"cells cut at {ctx.limits.max_text_chars} characters")
                break
    finally:
        wb.close()
        handle.close()
    with open_package(path) as zf:
        names = zf.namelist()
        sections = {
            "headers and footers": "\n".join(
                t for n in numbered(names, r"xl/worksheets/sheet(\d+)\.xml") if (t := _sheet_header_footer(zf, n))
            ),
            "comments": "\n".join(_text_of(zf, n, problems) for n in numbered(names, r"xl/comments(\d+)\.xml")),
            "text boxes": "\n".join(
                _text_of(zf, n, problems) for n in numbered(names, r"xl/drawings/drawing(\d+)\.xml")
            ),
            "charts": _charts(zf, names, "xl/", problems),
        }
        meta: dict = core_properties(zf)
        meta["sheets"] = len(pages)
        sink = ChildSink(ctx)
        embedded_objects(zf, "xl/", sink)
        pictures = PictureOcr(ctx)
        package_pictures(zf, ("xl/media/",), pictures)
    return _result(pages, sections, meta, sink, problems, pictures)


def _sheet_page(number: int, ws: Any, budget: int, problems: list[str]) -> tuple[Page, int]:
    """One sheet: its cells as displayed (number formats applied), a row per line, tab-separated,
    and as one ``Table``; ``budget`` is the characters left for the document."""
    lines = [f"[sheet] {ws.title}"]
    rows: list[tuple[str, ...]] = []
    try:
        for row in ws.iter_rows():
            cells = [display(c.value, getattr(c, "number_format", None)) for c in row]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                line = "\t".join(cells)
                budget -= len(line) + 1
                lines.append(line)
                if len(rows) < MAX_TABLE_ROWS:
                    rows.append(tuple(cells))
            if budget < 0:
                break
    except Exception as exc:  # openpyxl raises many types on damaged sheets
        problems.append(f"sheet {ws.title!r}: {type(exc).__name__}: {exc}")
    tables = (Table(rows=tuple(rows)),) if rows else ()
    return Page(number, "\n".join(lines), tables=tables), budget


_HF_TAGS = ("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter")
_HF_CODES = re.compile(r'&(?:"[^"]*"|\d+|[LCRPNDTZFAGKUESXYBIOH&])')


def _sheet_header_footer(zf: zipfile.ZipFile, part: str) -> str:
    """Header/footer strings of one sheet, formatting codes removed (read with a stream parser)."""
    from lxml import etree

    out: list[str] = []
    with zf.open(part) as fh:
        for _event, el in etree.iterparse(fh, events=("end",), resolve_entities=False, no_network=True,
                                         load_dtd=False, huge_tree=False, recover=True):
            local = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""
            if local in _HF_TAGS and el.text:
                text = _HF_CODES.sub(" ", el.text).strip()
                if text:
                    out.append(re.sub(r"\s{2,}", " ", text))
            if local in ("row", "c", "v"):
                el.clear()
    return "\n".join(dict.fromkeys(out))
