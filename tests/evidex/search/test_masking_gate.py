"""The cheap gate in front of identifier masking never lets a sensitive identifier through unscanned."""

from __future__ import annotations

import json
from pathlib import Path

from evidex.search.display import identifier_masker, may_hold_identifier
from models.identifiers import SENSITIVE_LABELS, find_identifiers

TESTSET = Path(__file__).resolve().parents[2] / "models" / "data" / "identifiers_testset.jsonl"


def test_every_sensitive_identifier_of_the_labelled_set_passes_the_gate() -> None:
    checked = 0
    for line in TESTSET.read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        for entity in find_identifiers(text, secret=b"gate"):
            if entity.sensitive:
                assert may_hold_identifier(entity.text), (entity.label, entity.text)
                assert may_hold_identifier(text[max(0, entity.start - 5) : entity.end + 5])
                checked += 1
    assert checked > 100
    for shape in ("M123A4567", "０１０－１２３４－５６７８", "(02) 123-4567", "+1 (555) 123-4567", "a@b.kr"):
        assert may_hold_identifier(shape), shape


def test_paths_and_dates_skip_the_scanner_and_masking_is_unchanged() -> None:
    for value in ("KNPA-2/exhibit-12/report_123456.txt", "회의록 2025-11", "v1.2.3 build 4567"):
        assert not may_hold_identifier(value), value
    masker = identifier_masker(b"gate")
    text = "연락처 010-2345-6789, 주민번호 900101-1234568"
    assert masker(text) == masker(text)  # memoised: the same spans again
    assert [label for label, _ in _labels(text)] == ["PHONE", "RRN"] or len(masker(text)) == len(_labels(text))


def _labels(text: str) -> list[tuple[str, str]]:
    return [(e.label, e.text) for e in find_identifiers(text, secret=b"gate") if e.label in SENSITIVE_LABELS]
