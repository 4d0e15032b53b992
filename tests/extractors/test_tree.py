"""extract_tree: a container and every member, with member paths (never temporary paths) and text."""

from __future__ import annotations

import zipfile

from extractors import Status, extract_tree, render_tree


def test_nested_containers_keep_member_paths_and_text(tmp_path, ctx):
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("메모/ledger.txt", "장부 금액 1,092,760원 송금 확인")
    outer = tmp_path / "exhibit.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.write(inner, "nested/inner.zip")
        zf.writestr("readme.txt", "seized drive listing")
    root = extract_tree(outer, ctx)
    paths = [n.member_path for n in root.walk()]
    assert paths == ["exhibit.zip", "exhibit.zip › nested/inner.zip",
                     "exhibit.zip › nested/inner.zip › 메모/ledger.txt", "exhibit.zip › readme.txt"]
    leaf = root.children[0].children[0]
    assert leaf.result.status == Status.OK and "1,092,760원" in leaf.result.text
    assert all(not n.result.children for n in root.walk())
    assert not any(p.is_file() for p in ctx.tmp_dir.rglob("*")), "temporary children left behind"
    shown = render_tree(root)
    assert "exhibit.zip › nested/inner.zip › 메모/ledger.txt  [text/plain] ok" in shown
    assert "| 장부 금액 1,092,760원 송금 확인" in shown
    assert str(ctx.tmp_dir) not in shown


def test_tree_of_embedded_office_objects(corpus, ctx):
    root = extract_tree(corpus / "office/tika/test_recursive_embedded.docx", ctx)
    deepest = max(root.walk(), key=lambda n: n.member_path.count("›"))
    assert deepest.member_path.endswith("embed3/embed4.zip › embed4.txt")
    assert "embed_4" in deepest.result.text


def test_plain_tree_shows_warnings(tmp_path):
    """The plain tree lists a node's warnings under it (a disguised member here), at most five and a count."""
    import zipfile

    from extractors import ExtractContext, extract_tree, render_tree
    from extractors.tree import SHOWN_WARNINGS

    outer = tmp_path / "evidence.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        inner = tmp_path / "inner.zip"
        with zipfile.ZipFile(inner, "w") as iz:
            iz.writestr("run.js", "var x = 1;")
        zf.write(inner, "invoice.pdf")
    text = render_tree(extract_tree(outer, ExtractContext(tmp_dir=tmp_path / "t")))
    assert "warning: the name says .pdf (pdf) but the content is application/zip: read as zip" in text
    from extractors.base import Extracted
    from extractors.tree import ExtractedNode

    many = Extracted(status=Status.OK, text="x", metadata={"warnings": [f"w{k}" for k in range(8)]})
    lines = render_tree(ExtractedNode("a", "a", many)).splitlines()
    assert [line for line in lines if "warning:" in line][-1].endswith(f"… and {8 - SHOWN_WARNINGS} more")
    assert sum("warning: w" in line for line in lines) == SHOWN_WARNINGS
