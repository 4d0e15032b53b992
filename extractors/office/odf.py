"""OpenDocument text, spreadsheets and presentations (ODT/ODS/ODP): body, headers/footers, notes."""

from __future__ import annotations

from pathlib import Path

from extractors.base import CorruptError, ExtractContext, Extracted, Method, Page, Status
from extractors.children import ChildSink
from extractors.office.parts import open_package, package_metadata, package_pictures, read_part, xml_part
from extractors.pictures import PictureOcr
from extractors.xmltext import TextRules, walk_text

_RULES = TextRules(
    text=frozenset({"p", "h", "span", "a", "note-citation", "sequence", "date", "time", "page-number",
                    "author-name", "title", "subject", "chapter", "file-name", "user-field-get"}),
    paragraph=frozenset({"p", "h"}),
    tab=frozenset({"tab"}),
    line_break=frozenset({"line-break"}),
    space=frozenset({"s"}),
    skip=frozenset({"tracked-changes", "forms"}),
)
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_META = {"title": "title", "subject": "subject", "creator": "last_modified_by", "initial-creator": "author",
         "creation-date": "created", "date": "modified", "keyword": "keywords", "description": "description"}


def extract_odf(path: Path, ctx: ExtractContext) -> Extracted:
    """Text of content.xml (one page per sheet or slide), then headers/footers from styles.xml."""
    with open_package(path) as zf:
        names = zf.namelist()
        if "content.xml" not in names:
            raise CorruptError("OpenDocument package without content.xml")
        root = xml_part(zf, "content.xml")
        pages: list[Page] = []
        body = root.find(f"{{{_OFFICE}}}body")
        units = []
        if body is not None:
            for kind in body:
                units = [el for el in kind if isinstance(el.tag, str) and el.tag.endswith(("}table", "}page"))]
                if not units:
                    pages.append(Page(1, walk_text(kind, _RULES)))
        for number, unit in enumerate(units, start=1):
            label = unit.get("{urn:oasis:names:tc:opendocument:xmlns:table:1.0}name") or unit.get(
                "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}name") or str(number)
            pages.append(Page(number, f"[{label}]\n{walk_text(unit, _RULES)}"))
        objects = _object_texts(zf, names)
        extra = ""
        if "styles.xml" in names:
            styles = xml_part(zf, "styles.xml")
            masters = styles.find(f"{{{_OFFICE}}}master-styles")
            if masters is not None:
                extra = walk_text(masters, _RULES)
        meta = _metadata(zf, names)
        sink = ChildSink(ctx)
        for name in names:
            if name.startswith("Object ") and not name.endswith((".xml", "/")):
                sink.add_bytes(name, read_part(zf, name))
        pictures = PictureOcr(ctx)
        package_pictures(zf, ("Pictures/",), pictures)
    text = "\n\n".join(p.text for p in pages if p.text.strip())
    if objects:
        text += "\n\n[charts and objects]\n" + objects
    if extra.strip():
        text += f"\n\n[headers and footers]\n{extra}"
    meta.update(sink.metadata())
    return pictures.finish(Extracted(status=Status.OK, text=text.strip(), pages=tuple(pages), metadata=meta,
                                     method=Method.TEXT_LAYER, children=tuple(sink.children)))


def _object_texts(zf, names: list[str]) -> str:  # noqa: ANN001 (a ZipFile)
    """Text of the embedded objects' own documents (``Object N/content.xml``: charts with their titles,
    axis titles, legends and data table; formulas), which the body only points at."""
    import re

    found = sorted((int(m.group(1)), n) for n in names if (m := re.fullmatch(r"Object (\d+)/content\.xml", n)))
    texts = []
    for _, name in found:
        try:
            text = walk_text(xml_part(zf, name), _RULES).strip()
        except CorruptError:
            continue
        if text:
            texts.append(text)
    return "\n\n".join(texts)


def _metadata(zf, names: list[str]) -> dict[str, str]:
    return package_metadata(zf, names, "meta.xml", _META)
