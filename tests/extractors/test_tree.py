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
