"""Fast checks of the NER building blocks: tokenizer, chunking, gazetteer, metrics, registrations, exports."""

from __future__ import annotations

import pytest
import spacy
from spacy.util import registry

import models.ner
from models.ner import registrations
from models.ner.case_ruler import CaseRuler, PatternFileError, read_patterns
from models.ner.chunking import chunk_text, script_language
from models.ner.corpus_ko import bio_spans
from models.ner.kiwi_tokenizer import KiwiTokenizer, segment
from models.ner.labels import KLUE_TO_SHARED, NER_LABELS, ONTONOTES_TO_SHARED, refine_quantity
from models.ner.metrics import paired_bootstrap, score

TRICKY = [
    "",
    "   ",
    "경찰은 또 성매매 알선 자금을 관리한 박씨의 딸(32)과",
    "  두 칸  띄어쓰기\t탭\n\n줄바꿈 \r\n 했다. 갔었다",
    "쿠팡(Coupang Inc.)은 2025년 11월 29일 오후 3시 개인정보보호위원회에 신고했다 😀",
    "漢字 ㅋㅋㅋ ᄒᄒ 1,234,567원 50% e-mail: a@b.co",
]


@pytest.fixture(scope="module")
def kiwi_nlp():
    nlp = spacy.blank("ko", config={"nlp": {"tokenizer": {"@tokenizers": registrations.TOKENIZER_NAME}}})
    assert isinstance(nlp.tokenizer, KiwiTokenizer)
    return nlp


def test_exports_are_exactly_these():
    assert sorted(models.ner.__all__) == sorted(
        ["NER_LABELS", "SOURCE_EN", "SOURCE_KO", "SOURCE_RULER", "NerConfig", "NerModelMissing", "NerTagger"]
    )
    for name in models.ner.__all__:
        assert hasattr(models.ner, name)


def test_registered_names_snapshot():
    assert registrations.ensure_registered() == ("evidex.KiwiTokenizer.v1", "evidex_case_ruler")
    assert registry.tokenizers.get("evidex.KiwiTokenizer.v1") is registrations.create_kiwi_tokenizer
    assert "evidex_case_ruler" in spacy.registry.factories


@pytest.mark.parametrize("text", TRICKY)
def test_kiwi_tokens_rebuild_the_text_exactly(kiwi_nlp, text):
    doc = kiwi_nlp.make_doc(text)
    assert doc.text == text
    for token in doc:
        assert text[token.idx:token.idx + len(token.text)] == token.text
        assert token.text.isspace() or not any(c.isspace() for c in token.text)


def test_kiwi_splits_particles_and_keeps_contractions(kiwi_nlp):
    doc = kiwi_nlp.make_doc("쿠팡은 개인정보보호위원회에서 조사했다.")
    words = [t.text for t in doc]
    assert words[:2] == ["쿠팡", "은"]
    assert "에서" in words
    assert "했" in words  # 하+었 overlap on one syllable: one token, not two
    assert doc[0].tag_ == "NNP"


def test_segment_merges_overlapping_morphemes():
    pieces = segment("했다", [(0, 1, "VV"), (0, 1, "EP"), (1, 2, "EF")])
    assert pieces == [(0, 1, "VV+EP"), (1, 2, "EF")]


def test_chunks_are_slices_and_respect_the_limit():
    text = ("첫 문장입니다. 두 번째 문장.\n\n" * 40) + "x" * 120
    chunks = chunk_text(text, 100)
    assert all(len(c.text) <= 100 for c in chunks)
    assert all(text[c.start:c.start + len(c.text)] == c.text for c in chunks)
    covered = "".join(text[c.start:c.start + len(c.text)] for c in chunks)
    assert covered.replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
    with pytest.raises(ValueError, match="max_chars"):
        chunk_text("abc", 0)


def test_script_routing():
    assert script_language("쿠팡은 신고했다", 0.3) == "ko"
    assert script_language("Coupang filed a report", 0.3) == "en"
    assert script_language("쿠팡 Coupang Korea Inc.", 0.3) == "en"
    assert script_language("2025-11-29 12:00", 0.3) is None
    assert script_language("東京都", 0.3) is None


def test_case_ruler_norms_and_boundaries():
    ruler = CaseRuler()
    found = {(text[s:e], p.norm) for text in ["Coupang Inc. and 쿠팡은 KFTC, 공정위에"] for s, e, p in ruler.matches(text)}
    assert found == {("Coupang Inc.", "쿠팡"), ("쿠팡", "쿠팡"), ("KFTC", "공정거래위원회"), ("공정위", "공정거래위원회")}
    assert ruler.matches("울산경찰청") == []  # inside a longer word: a different agency
    assert ruler.matches("kt") == []  # all-capital acronyms are case-sensitive
    assert [p.norm for _, _, p in ruler.matches("COUPANG")] == ["쿠팡"]


def test_case_ruler_rejects_bad_rows(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("label\tnorm\tsurface\nORG\t쿠팡\n", encoding="utf-8")
    with pytest.raises(PatternFileError, match="bad.tsv:2"):
        read_patterns(path)


def test_label_tables_point_into_the_shared_set():
    assert set(ONTONOTES_TO_SHARED.values()) <= NER_LABELS
    assert set(KLUE_TO_SHARED.values()) <= NER_LABELS
    assert refine_quantity("4800만원") == "MONEY"
    assert refine_quantity("15%") == "PERCENT"
    assert refine_quantity("16명") == "QUANTITY"


def test_bio_spans_handles_bio_and_iob1():
    offsets = [(i, i + 1) for i in range(6)]
    assert [(s.start, s.end, s.tag) for s in bio_spans(["B-PS", "I-PS", "O", "I-OG", "I-OG", "B-OG"], offsets)] == [
        (0, 2, "PS"), (3, 5, "OG"), (5, 6, "OG")
    ]


def test_metrics_exact_edges():
    result = score([{(0, 2, "PS"), (3, 5, "OG")}], [{(0, 2, "PS"), (3, 4, "OG")}], ["PS", "OG"]).by_label()
    assert (result["PS"].tp, result["PS"].fp, result["PS"].fn) == (1, 0, 0)
    assert (result["OG"].tp, result["OG"].fp, result["OG"].fn) == (0, 1, 1)


def test_language_codes_are_normalised():
    from models.ner.tagger import normalise_language

    assert [normalise_language(c) for c in ["ko", "ko-KR", "KOR", "en_US", "eng", "ja", None, ""]] == [
        "ko", "ko", "ko", "en", "en", None, None, None
    ]


def test_english_mentions_lose_determiner_and_possessive():
    from models.ner.tagger import trim_english

    for text, expected in [("the VI Corps", "VI Corps"), ("Jubal Early 's", "Jubal Early"), ("The", "The"),
                           ("Theodore", "Theodore"), ("Apple’s", "Apple")]:
        start, end = trim_english(text, 0, len(text))
        assert text[start:end] == expected


def test_held_out_part_is_never_trained_or_tuned_on():
    from models.ner.corpus_ko import CorpusMissing, corpus_root, held_out, training_texts, tuning_texts

    try:
        root = corpus_root()
    except CorpusMissing as missing:
        pytest.skip(str(missing))
    evaluation = held_out(root)
    assert len(evaluation) == 1000
    assert evaluation[0].ident.startswith("klue-ner-v1_dev_03000")
    assert evaluation[-1].ident.startswith("klue-ner-v1_dev_03999")
    learned = {item.ident for item in training_texts(root)} | {item.ident for item in tuning_texts(root)}
    assert not learned & {item.ident for item in evaluation}
    assert not {item.text for item in tuning_texts(root)} & {item.text for item in evaluation} - {""}


def test_pretraining_text_leaves_out_the_held_out_and_tuning_parts():
    from models.ner.corpus_ko import CorpusMissing, corpus_root, held_out, raw_texts, tuning_texts

    try:
        root = corpus_root()
    except CorpusMissing as missing:
        pytest.skip(str(missing))
    raw = set(raw_texts(root))
    assert len(raw) > 20_000
    assert not raw & {item.text for item in held_out(root) + tuning_texts(root)}


def test_paired_bootstrap_gives_the_lead_and_its_interval():
    gold = [{(0, 2, "PS")}, {(0, 3, "OG")}, {(1, 4, "LC")}, {(0, 2, "DT")}] * 25
    better = [set(g) for g in gold]
    worse = [set(g) if i % 4 else set() for i, g in enumerate(gold)]
    lead, low, high, share = paired_bootstrap(gold, better, worse, ("PS", "OG", "LC", "DT"), rounds=200)
    assert lead > 0 and 0 < low <= lead <= high and share == 1.0
    same, low, high, share = paired_bootstrap(gold, better, better, ("PS", "OG", "LC", "DT"), rounds=50)
    assert same == low == high == 0.0 and share == 0.0
    with pytest.raises(ValueError):
        paired_bootstrap(gold, better[:-1], worse, ("PS",))
