"""Safe XML parsing (no entity expansion, no DTD, no network) and paragraph-aware text walking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from extractors.base import CorruptError


def parse_xml(data: bytes, recover: bool = False) -> Any:
    """Parse XML with entity expansion, DTD loading and network access all off."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, recover=recover, remove_comments=True, remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise CorruptError(f"XML not well-formed: {exc}") from exc
    if root is None:
        raise CorruptError("XML part is empty")
    return root


@dataclass(frozen=True)
class TextRules:
    """Which local element names carry text, end paragraphs, or mean tab/line break/skip."""

    text: frozenset[str]
    paragraph: frozenset[str]
    tab: frozenset[str] = frozenset({"tab"})
    line_break: frozenset[str] = frozenset({"br", "cr", "line-break", "lineBreak"})
    skip: frozenset[str] = frozenset()
    cell: frozenset[str] = frozenset()
    space: frozenset[str] = frozenset()


OOXML_RULES = TextRules(
    text=frozenset({"t", "delText"}),
    paragraph=frozenset({"p"}),
    skip=frozenset({"Fallback", "instrText", "rPr", "pPr", "sectPr"}),
)


def walk_text(root: Any, rules: TextRules) -> str:
    """Text of ``root``: one line per paragraph, tabs and breaks kept."""
    from lxml import etree

    out: list[str] = []
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if not isinstance(tag, str):
            continue
        local = tag.rsplit("}", 1)[-1]
        if event == "start":
            if local in rules.skip:
                walker.skip_subtree()
                continue
            if local in rules.text:
                if el.text:
                    out.append(el.text)
            elif local in rules.tab:
                out.append("\t")
            elif local in rules.line_break:
                out.append("\n")
            elif local in rules.space:
                count = el.get("{urn:oasis:names:tc:opendocument:xmlns:text:1.0}c") or "1"
                out.append(" " * min(int(count) if count.isdigit() else 1, 100))
        else:
            if local in rules.paragraph:
                out.append("\n")
            elif local in rules.cell:
                out.append("\t")
            if el.tail and _inside_text(el, rules):
                out.append(el.tail)
    return _squeeze("".join(out))


def _inside_text(el: Any, rules: TextRules) -> bool:
    parent = el.getparent()
    if parent is None or not isinstance(parent.tag, str):
        return False
    return parent.tag.rsplit("}", 1)[-1] in rules.text


def _squeeze(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    blank = 0
    for line in lines:
        blank = blank + 1 if not line.strip() else 0
        if blank <= 1:
            out.append(line)
    return "\n".join(out).strip("\n")
