from evidex.search.snippets import MARK_END, MARK_START, render


def _mask(text: str) -> list[tuple[int, int, str]]:
    start = text.find("010-1234-5678")
    return [] if start < 0 else [(start, start + 13, "010-****-5678")]


def test_highlight_markers_become_tags() -> None:
    assert render(f"{MARK_START}쿠팡의{MARK_END} 고객", None) == "[쿠팡의] 고객"


def test_masked_value_is_never_revealed_by_a_highlight() -> None:
    fragment = f"연락처 {MARK_START}010-1234{MARK_END}-5678 끝"
    out = render(fragment, _mask)
    assert "1234" not in out
    assert out == "연락처 [010-****-5678] 끝"


def test_html_markup_with_and_without_a_masked_value() -> None:
    import html

    tags = {"open_tag": "<mark>", "close_tag": "</mark>", "escape": html.escape}
    assert render(f" a<b {MARK_START}쿠팡{MARK_END} & c ", _mask, **tags) == "a&lt;b <mark>쿠팡</mark> &amp; c"
    assert render(f"<{MARK_START}010-1234{MARK_END}-5678>", _mask, **tags) == "&lt;<mark>010-****-5678</mark>&gt;"
