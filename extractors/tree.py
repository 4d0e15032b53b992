"""A file and everything inside it, extracted recursively, for ``evidex extract --tree``.

``extract_tree(path, ctx)`` reads the file, then each child (archive member, attachment, embedded
object, message of a mailbox) and their children in turn, each within ``ctx.limits``. A child's
temporary file is deleted once it has been read: nodes name members by their path inside the
container (``mail.eml › attachments/report.docx › word/embeddings/sheet.xlsx``), never by a
temporary path. ``render_tree(node)`` prints the tree with each node's status, reason and text.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from extractors.base import ExtractContext, Extracted, Status
from extractors.dispatch import extract_path

#: Nodes read at most per tree (a zip of a million files is summarised, not printed).
MAX_NODES = 10_000
SEPARATOR = " › "


@dataclass(frozen=True)
class ExtractedNode:
    """One file of the tree: its place in the container and what was read from it.

    ``result.children`` is emptied (the temporary files are gone); the children are ``children``.
    """

    name: str
    member_path: str
    result: Extracted
    children: tuple["ExtractedNode", ...] = ()

    def walk(self):
        """This node, then every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


def extract_tree(path: Path, ctx: ExtractContext, max_nodes: int = MAX_NODES) -> ExtractedNode:
    """Extract ``path`` and, recursively, its children; never raises."""
    path = Path(path)
    ctx.tmp_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tree-", dir=ctx.tmp_dir))
    budget = [max_nodes]
    try:
        name = Path(ctx.filename).name if ctx.filename else path.name
        return _node(path, name, name, dataclasses.replace(ctx, tmp_dir=work), budget)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _node(path: Path, name: str, member_path: str, ctx: ExtractContext, budget: list[int]) -> ExtractedNode:
    budget[0] -= 1
    result = extract_path(path, ctx)
    kids: list[ExtractedNode] = []
    for child in result.children:
        where = f"{member_path}{SEPARATOR}{child.inner_path}"
        if child.status is not None and not Path(child.path).is_file():
            kids.append(ExtractedNode(child.name, where, Extracted.failure(child.status, child.reason or "")))
            continue
        if budget[0] <= 0:
            kids.append(ExtractedNode(child.name, where, Extracted.failure(
                Status.TOO_LARGE, "not read: the tree passed its node limit")))
            Path(child.path).unlink(missing_ok=True)
            continue
        sub = dataclasses.replace(ctx, depth=ctx.depth + 1, filename=child.name,
                                  tmp_dir=Path(tempfile.mkdtemp(prefix="c-", dir=ctx.tmp_dir)))
        try:
            kids.append(_node(Path(child.path), child.name, where, sub, budget))
        finally:
            Path(child.path).unlink(missing_ok=True)
            shutil.rmtree(sub.tmp_dir, ignore_errors=True)
    for skipped in result.metadata.get("skipped", []):
        kids.append(ExtractedNode(skipped["inner_path"].rsplit("/", 1)[-1],
                                  f"{member_path}{SEPARATOR}{skipped['inner_path']}",
                                  Extracted.failure(Status(skipped["status"]), skipped["reason"])))
    return ExtractedNode(name, member_path, dataclasses.replace(result, children=()), tuple(kids))


#: Warnings shown under a node in the plain tree (the rest are counted).
SHOWN_WARNINGS = 5


def render_tree(node: ExtractedNode, text_chars: int | None = 2000, indent: str = "") -> str:
    """Plain text: one heading line per node (member path, type, status, reason, warnings), then its text
    indented below it, cut to ``text_chars`` characters (``None``: whole text)."""
    r = node.result
    head = f"{indent}{node.member_path}  [{r.content_type or '?'}] {r.status.value}"
    if r.method.value != "none":
        head += f" ({r.method.value})"
    lines = [head]
    if r.reason:
        lines.append(f"{indent}  reason: {r.reason}")
    warnings = [str(w) for w in (r.metadata or {}).get("warnings", [])]
    lines += [f"{indent}  warning: {w}" for w in warnings[:SHOWN_WARNINGS]]
    if len(warnings) > SHOWN_WARNINGS:
        lines.append(f"{indent}  warning: … and {len(warnings) - SHOWN_WARNINGS} more")
    text = r.text.strip()
    if text:
        if text_chars is not None and len(text) > text_chars:
            text = text[:text_chars] + "…"
        lines += [f"{indent}  | {line}" for line in text.splitlines()]
    for child in node.children:
        lines.append(render_tree(child, text_chars, indent + "    "))
    return "\n".join(lines)
