"""The workbench page's static files: their weight (printed), no remote code, and the rules of the page code."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "evidex" / "web" / "static"
BUDGET_BYTES = 150_000


def files() -> list[Path]:
    return sorted(p for p in STATIC.rglob("*") if p.is_file())


def test_page_weight_is_reported_and_small(capsys) -> None:
    sizes = {p.name: p.stat().st_size for p in files()}
    total = sum(sizes.values())
    with capsys.disabled():
        print(f"\nworkbench page weight: {total:,} bytes in {len(sizes)} files "
              + ", ".join(f"{name} {size:,}" for name, size in sorted(sizes.items())))
    assert {"index.html", "app.js", "app.css", "i18n.js"} <= set(sizes)
    assert total < BUDGET_BYTES, f"the page weighs {total:,} bytes (budget {BUDGET_BYTES:,})"


def test_no_remote_code_and_every_script_is_same_origin() -> None:
    for path in files():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=\"(https?:)?//", text), f"{path.name} loads something remote"
        assert not re.search(r"""import\s[^;]*from\s+["'](?!\./)""", text), f"{path.name} imports a non-local module"
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in html, "inline scripts need a CSP hash; ship them as files"


def test_markup_is_parsed_only_for_snippets_and_the_token_is_never_stored() -> None:
    for path in STATIC.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        uses = len(re.findall(r"\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write", text))
        assert uses == (1 if path.name == "dom.js" else 0), f"{path.name} parses markup ({uses} places)"
        assert "sessionStorage" not in text, path.name
        if "localStorage" in text:
            assert path.name == "i18n.js", f"{path.name} uses localStorage (only the interface language may be kept)"


def test_korean_and_english_have_the_same_strings() -> None:
    def keys(name: str) -> set[str]:
        return set(re.findall(r'"([\w.]+)":', (STATIC / name).read_text(encoding="utf-8")))

    ko, en = keys("i18n-ko.js"), keys("i18n-en.js")
    assert ko == en, f"only Korean: {sorted(ko - en)}; only English: {sorted(en - ko)}"
    used = set()
    for path in [*STATIC.glob("*.js"), STATIC / "index.html"]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt\("([\w.]+)"', text)) | set(re.findall(r'data-i18n(?:-\w+)?="([\w.]+)"', text))
    used = {key for key in used if not key.endswith(".")}  # prefixes completed at run time, e.g. t("doc.tab." + name)
    assert not used - en, f"strings used but not defined: {sorted(used - en)}"
