"""HWPX (OWPML): a ZIP of XML sections; text in ``<hp:t>``, paragraphs ``<hp:p>``."""

from __future__ import annotations

import re
from pathlib import Path

from extractors.base import CorruptError, ExtractContext, Extracted, Method, Page, Status
from extractors.children import ChildSink
from extractors.office.parts import open_package, package_metadata, read_part, xml_part
from extractors.pictures import PictureOcr
from extractors.xmltext import TextRules, walk_text_tables

_RULES = TextRules(
    text=frozenset({"t", "script", "mainText", "subText"}),
    paragraph=frozenset({"p"}),
    tab=frozenset({"tab"}),
    line_break=frozenset({"lineBreak"}),
    skip=frozenset({"linesegarray", "markpenBegin", "markpenEnd"}),
    table=frozenset({"tbl"}),
    row=frozenset({"tr"}),
    table_cell=frozenset({"tc"}),
    span=("cellSpan", "colSpan"),
    column=("cellAddr", "colAddr"),
)
_META = {"title": "title", "subject": "subject", "creator": "author", "lastsaveby": "last_modified_by",
         "CreatedDate": "created", "ModifiedDate": "modified", "keyword": "keywords", "description": "description"}


def extract_hwpx(path: Path, ctx: ExtractContext) -> Extracted:
    """Every section in order (body, tables, notes, headers/footers, boxes, equations), BinData as children."""
    with open_package(path) as zf:
        names = zf.namelist()
        sections = _section_order(names)
        if not any("section" in n for n in sections):
            raise CorruptError("HWPX package without Contents/section*.xml")
        pages: list[Page] = []
        problems: list[str] = []
        for number, name in enumerate(sections, start=1):
            try:
                text, tables = walk_text_tables(xml_part(zf, name), _RULES)
                pages.append(Page(number, text, tables=tuple(tables)))
            except CorruptError as exc:
                problems.append(f"{name}: {exc.reason}")
        meta = _metadata(zf, names)
        if "META-INF/manifest.xml" not in names:
            meta["warnings"] = ["package has no META-INF/manifest.xml"]
        sink = ChildSink(ctx)
        pictures = PictureOcr(ctx)
        for name in sorted(names):
            if name.startswith("BinData/") and not name.endswith("/"):
                data = read_part(zf, name)
                if not (pictures.enabled and pictures.offer(name, data)):
                    sink.add_bytes(name, data)
    if problems and not pages:
        raise CorruptError("; ".join(problems))
    meta.update(sink.metadata())
    text = "\n\n".join(p.text for p in pages if p.text.strip())
    return pictures.finish(Extracted(
        status=Status.PARTIAL if problems else Status.OK, text=text, reason="; ".join(problems) or None,
        pages=tuple(pages), metadata=meta, method=Method.TEXT_LAYER, children=tuple(sink.children)))


def _section_order(names: list[str]) -> list[str]:
    found = [
        (m.group(1) == "masterpage", int(m.group(2)), n)
        for n in names if (m := re.fullmatch(r"Contents/(section|masterpage)(\d+)\.xml", n))
    ]
    return [n for *_, n in sorted(found)]


def _metadata(zf, names: list[str]) -> dict:
    return package_metadata(zf, names, "Contents/content.hpf", _META,
                            key_of=lambda el, local: el.get("name") if local == "meta" else local)
