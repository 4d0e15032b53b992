"""Safe XML parsing (no entity expansion, no DTD, no network) and paragraph-aware text walking.

Tables (``TextRules.table``/``row``/``table_cell``) come out one row per line with cells separated
by tabs (paragraphs inside a cell joined with spaces), and ``walk_text_tables`` also returns their
cells as ``Table`` rows. A table nested in a cell is flattened into that cell's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from extractors.base import CorruptError, Table


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
    table: frozenset[str] = frozenset()
    row: frozenset[str] = frozenset()
    table_cell: frozenset[str] = frozenset()
    #: ``(local name, attribute)`` giving how many grid columns a cell spans (empty cells pad it).
    span: tuple[str, str] | None = None
    #: ``(local name, attribute)`` giving a cell's 0-based grid column, where cells covered by a
    #: cell spanning rows are left out of their row (HWPX ``cellAddr colAddr``); empty cells pad to it.
    column: tuple[str, str] | None = None


OOXML_RULES = TextRules(
    text=frozenset({"t", "delText"}),
    paragraph=frozenset({"p"}),
    skip=frozenset({"Fallback", "instrText", "rPr", "pPr", "sectPr"}),
    table=frozenset({"tbl"}),
    row=frozenset({"tr"}),
    table_cell=frozenset({"tc"}),
    span=("gridSpan", "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val"),
)
#: Cells of a table past this many are read as text only (not kept in ``Table`` rows).
MAX_TABLE_CELLS = 200_000


def walk_text(root: Any, rules: TextRules) -> str:
    """Text of ``root``: one line per paragraph, tabs and breaks kept, table rows on one line."""
    return walk_text_tables(root, rules)[0]


def walk_text_tables(root: Any, rules: TextRules) -> tuple[str, list[Table]]:
    """Text of ``root`` (see ``walk_text``) and its outermost tables."""
    tables: list[Table] = []
    text = _walk(root, rules, tables, [MAX_TABLE_CELLS])
    return text, tables


def _walk(root: Any, rules: TextRules, tables: list[Table] | None, budget: list[int]) -> str:
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
            if local in rules.table and el is not root:
                table = _table(el, rules, budget)
                out.append("\n" + table.as_text() + "\n\n")
                if tables is not None and any(any(row) for row in table.rows) and budget[0] >= 0:
                    tables.append(table)
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


def _table(el: Any, rules: TextRules, budget: list[int]) -> Table:
    """Rows of cell texts of one table element (rows of nested tables are not its rows)."""
    rows: list[tuple[str, ...]] = []
    for row in _children_named(el, rules.row, rules.table):
        cells: list[str] = []
        for cell in _children_named(row, rules.table_cell, rules.table):
            column = _cell_attribute(cell, rules.column, -1)
            cells.extend("" for _ in range(min(column, len(cells) + 64) - len(cells)))
            cells.append(" ".join(_walk(cell, rules, None, budget).split()))
            cells.extend("" for _ in range(_cell_attribute(cell, rules.span, 1) - 1))
        while cells and not cells[-1]:
            cells.pop()
        budget[0] -= len(cells)
        rows.append(tuple(cells))
    return Table(rows=tuple(rows))


def _children_named(el: Any, names: frozenset[str], stop: frozenset[str]) -> list[Any]:
    """Descendants of ``el`` named ``names``, not looking inside them nor inside nested ``stop`` elements."""
    found: list[Any] = []
    stack = list(el)
    while stack:
        node = stack.pop(0)
        if not isinstance(node.tag, str):
            continue
        local = node.tag.rsplit("}", 1)[-1]
        if local in names:
            found.append(node)
        elif local not in stop:
            stack[:0] = list(node)
    return found


def _cell_attribute(cell: Any, rule: tuple[str, str] | None, default: int) -> int:
    """The integer ``rule`` names on the cell or its (grand)children (span, column), else ``default``."""
    if rule is None:
        return default
    name, attribute = rule
    for node in (cell, *cell, *(grandchild for child in cell for grandchild in child)):
        if isinstance(node.tag, str) and node.tag.rsplit("}", 1)[-1] == name:
            value = node.get(attribute) or ""
            return min(int(value), 10_000) if value.isdigit() else default
    return default


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
