"""Validated identifiers: normalisation, keyed hashes, checksums, masking, redaction and the labelled set."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # running ``pytest`` without the repository on sys.path
    sys.path.insert(0, str(ROOT))

import models.identifiers as identifiers  # noqa: E402
from models.identifiers import (  # noqa: E402
    count_by_label, find_identifiers, keyed_hash, mask, normalize, redact_text,
)
from models.identifiers.checksums import base58check_ok, eip55_ok, segwit_ok  # noqa: E402
from models.identifiers.evaluate import CHECKSUMMED, evaluate, load  # noqa: E402
from models.identifiers.keccak import keccak256  # noqa: E402
from models.identifiers.make_testset import DEFAULT_PATH, generate  # noqa: E402

SECRET = b"test-deployment-secret"
TESTSET = ROOT / DEFAULT_PATH


def labels(text: str) -> list[tuple[str, str]]:
    return [(e.label, e.text) for e in find_identifiers(text, secret=SECRET)]


def test_exported_names() -> None:
    assert sorted(identifiers.__all__) == [
        "LABELS", "SENSITIVE_LABELS", "SOURCE", "count_by_label", "find_identifiers", "keyed_hash", "mask",
        "normalize", "redact_text",
    ]


def test_same_phone_written_differently_shares_norm_and_hash() -> None:
    first = find_identifiers("담당자 연락처: 010-1234-5678로 연락 바람", secret=SECRET)
    second = find_identifiers("Call him on +82 10 1234 5678 tonight.", secret=SECRET)
    assert [(e.label, e.norm) for e in first] == [("PHONE", "+821012345678")]
    assert [(e.label, e.norm) for e in second] == [("PHONE", "+821012345678")]
    assert first[0].hashed == second[0].hashed == keyed_hash("PHONE", "+821012345678", SECRET)
    assert len(first[0].hashed) == 32 and first[0].sensitive
    assert normalize("PHONE", "+82 10 1234 5678") == normalize("PHONE", "01012345678") == "+821012345678"
    assert keyed_hash("PHONE", "+821012345678", b"other-secret") != first[0].hashed


@pytest.mark.parametrize(
    ("label", "raw", "norm"),
    [
        ("PHONE", "(02) 123-4567", "+8221234567"),
        ("PHONE", "+82-(0)31-555-0123", "+82315550123"),
        ("PHONE", "+1 415 555 2671", "+14155552671"),
        ("PHONE", "1588-1234", "+8215881234"),
        ("EMAIL", "John.Doe@Example.COM", "john.doe@example.com"),
        ("IP", "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("IP", "192.168.0.1", "192.168.0.1"),
        ("IP", "::ffff:192.168.0.1", "192.168.0.1"),
        ("IP", "010.1.1.1", None),
        ("URL", "HTTPS://Example.CO.KR:443/Login?x=1", "https://example.co.kr/Login?x=1"),
        ("DOMAIN", "Naver.COM", "naver.com"),
        ("CARD", "4111 1111 1111 1111", "4111111111111111"),
        ("CARD", "3782-822463-10005", "378282246310005"),
        ("RRN", "9001011234568", "900101-1234568"),
        ("BRN", "1248100998", "124-81-00998"),
        ("CRN", "110111-0012340", None),
        ("PASSPORT", "m12345678", "M12345678"),
        ("PASSPORT", "M123A4567", "M123A4567"),
        ("DRIVER_LICENSE", "서울 12-345678-90", "11-12-345678-90"),
        ("VEHICLE_PLATE", "서울 12가 3456", "서울12가3456"),
        ("BANK_ACCOUNT", "110-123-456789", "110123456789"),
        ("CRYPTO", "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
        ("CRYPTO", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
        ("ADDRESS", "서울 강남구  테헤란로 152", "서울특별시 강남구 테헤란로 152"),
        ("RRN", "900101-1234567", None),
        ("CARD", "4111 1111 1111 1112", None),
        ("PHONE", "2023-12-25", None),
    ],
)
def test_normalize(label: str, raw: str, norm: str | None) -> None:
    assert normalize(label, raw) == norm


def test_normalize_rejects_unknown_label() -> None:
    with pytest.raises(ValueError, match="known labels"):
        normalize("SSN", "123-45-6789")


def test_invalid_checksums_are_rejected() -> None:
    text = (
        "주민등록번호 900101-1234567, 카드 4111-1111-1111-1112, 사업자등록번호 124-81-00999, "
        "법인등록번호 110111-0012341, 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb, "
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5, 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"
    )
    assert labels(text) == []


def test_valid_checksums_are_found() -> None:
    text = (
        "주민등록번호 900101-1234568, 카드 4111-1111-1111-1111, 사업자등록번호 124-81-00998, "
        "BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa, bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4, "
        "ETH 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    )
    assert [label for label, _ in labels(text)] == ["RRN", "CARD", "BRN", "CRYPTO", "CRYPTO", "CRYPTO"]


def test_post_2020_registration_numbers_need_context() -> None:
    # Born 2021-03-15, issued after the October 2020 change: random final digits, no valid check digit.
    number = "210315-3123456"
    assert normalize("RRN", number) == number
    assert labels(f"신생아 주민등록번호 {number}") == [("RRN", number)]
    assert labels(f"접수번호 {number}") == []
    # Pre-2020 birth date with a wrong check digit is rejected even with context.
    assert labels("주민등록번호 900101-1234567") == []
    # Foreigners registered after 2020 may be of any age: context makes the number acceptable.
    assert [lab for lab, _ in labels("외국인등록번호 850505-5123456")] == ["FRN"]


def test_corporate_number_that_also_reads_as_rrn_follows_its_label() -> None:
    # 1101 11 ... reads as 1911-01-11 with a valid RRN check digit *and* a valid CRN check digit.
    number = next(
        f"110111-{s}" for s in (f"{i:07d}" for i in range(10**6, 10**7))
        if normalize("RRN", f"110111-{s}") and normalize("CRN", f"110111-{s}")
    )
    assert labels(f"법인등록번호 {number}") == [("CRN", number)]
    assert labels(f"주민등록번호 {number}") == [("RRN", number)]


def test_email_after_a_colon_and_not_inside_a_url() -> None:
    assert labels("이메일:hong@naver.com") == [("EMAIL", "hong@naver.com")]
    assert [lab for lab, _ in labels("ftp://user:secret@files.example.com/x")] == ["URL"]


def test_look_alikes_are_not_tagged() -> None:
    text = (
        "주문일 2023-12-25 14:30:59, 주문번호 ORD-20231225-000123, 송장번호 6012-3456-7890, "
        "version 10.0.0.1, v1.2.3.4, Chrome/120.0.6099.109, 금액 1,234,567원, 좌표 37.5665, 126.9780, "
        "icon@2x.png, report.pdf, 12가구 3456명, 서울로 3명이 갔다, MAC 00:1A:2B:3C:4D:5E, 14:30:59.123, "
        "문서번호 110-123-456789, 모델 M12345678, 부품 11-12-345678-90"
    )
    assert labels(text) == []


def test_prose_after_a_province_name_is_not_an_address() -> None:
    # 경기 is a province and 경기 부진 an economic slump; 으로/로 there are particles, the number a quantity
    for text in ("수출은 경기 부진으로 40 포인트 하락했다", "경기 침체로 40 포인트 내렸다", "서울 출장으로 3 가지를 샀다"):
        assert labels(text) == [], text
    assert labels("경기 성남시 분당구 판교역로 235 에이치스퀘어") == [("ADDRESS", "경기 성남시 분당구 판교역로 235")]
    assert labels("서울 강남구 테헤란로 40 대성빌딩") == [("ADDRESS", "서울 강남구 테헤란로 40")]


def test_full_width_digits_keep_original_offsets() -> None:
    text = "주민번호 ９００１０１－１２３４５６８, 전화 ０１０－１２３４－５６７８"
    entities = find_identifiers(text, secret=SECRET)
    assert [(e.label, e.norm) for e in entities] == [("RRN", "900101-1234568"), ("PHONE", "+821012345678")]
    assert all(text[e.start : e.end] == e.text for e in entities)
    assert "１２３４５６８" not in redact_text(text, entities)
    assert mask("RRN", entities[0].text) == "900101-1******"


def test_entities_are_sorted_and_do_not_overlap() -> None:
    text = "mail hong@naver.com, https://www.leak-corp.com/a, 10.0.0.1, 서울특별시 강남구 테헤란로 152 " * 3
    entities = find_identifiers(text, secret=SECRET)
    assert [e.start for e in entities] == sorted(e.start for e in entities)
    assert all(a.end <= b.start for a, b in zip(entities, entities[1:]))
    assert all(text[e.start : e.end] == e.text for e in entities)
    assert count_by_label(entities) == {"ADDRESS": 3, "EMAIL": 3, "IP": 3, "URL": 3}
    assert all(e.hashed is None for e in entities if not e.sensitive)


def test_masks() -> None:
    assert mask("RRN", "900101-1234568") == "900101-1******"
    assert mask("RRN", "9001011234568") == "900101-1******"
    assert mask("CARD", "4111 1111 1111 1111") == "4111-****-****-1111"
    assert mask("PHONE", "+82 10 1234 5678") == "010-****-5678"
    assert mask("PHONE", "02-123-4567") == "02-***-4567"
    assert mask("EMAIL", "John.Doe@Example.com") == "j***@example.com"
    assert mask("DOMAIN", "naver.com") == "naver.com"
    assert mask("RRN", "not a number 123") == "n** * ****** ***"


def _records() -> list[dict[str, object]]:
    return load(TESTSET)


def test_masking_never_shows_a_full_rrn_or_card() -> None:
    for record in _records():
        for entity in record["entities"]:  # type: ignore[union-attr]
            if entity["label"] in ("RRN", "FRN", "CARD"):
                masked = mask(entity["label"], entity["text"])
                digits = re.sub(r"\D", "", entity["text"])
                assert digits not in re.sub(r"\D", "", masked)
                assert entity["text"] not in masked


def test_redact_text_leaves_no_raw_rrn_or_card_digits() -> None:
    for record in _records():
        text = str(record["text"])
        entities = find_identifiers(text, secret=SECRET)
        redacted = redact_text(text, entities)
        flat = re.sub(r"\D", "", redacted)
        for entity in entities:
            if entity.label in ("RRN", "FRN", "CARD"):
                assert entity.text not in redacted
                assert re.sub(r"\D", "", entity.text) not in flat


def test_testset_is_reproducible_and_large_enough() -> None:
    records = generate()
    committed = _records()
    assert records == committed
    assert sum(len(r["entities"]) for r in committed) >= 300  # type: ignore[arg-type]
    assert {r["lang"] for r in committed} >= {"ko", "en"}
    assert {r["kind"] for r in committed} >= {"prose", "table", "csv", "registry", "negatives", "hard"}


def test_evaluation_meets_targets_for_checksummed_types() -> None:
    report = evaluate(_records())
    for label in CHECKSUMMED:
        score = report.by_label[label]
        assert score.precision >= 0.99, (label, score)
        assert score.norm_accuracy == 1.0, (label, score)
    for label in ("CARD", "BRN", "CRN", "CRYPTO"):
        assert report.by_label[label].recall >= 0.98, (label, report.by_label[label])
    assert report.by_subtype["RRN/pre2020"].recall >= 0.98
    overall_fp = sum(s.fp for s in report.by_label.values())
    assert overall_fp <= 5, report.errors


def test_checksum_primitives_against_published_vectors() -> None:
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert eip55_ok("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    assert eip55_ok("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
    assert not eip55_ok("0xfb6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
    assert base58check_ok("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
    assert base58check_ok("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy")
    assert segwit_ok("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3")
    assert segwit_ok("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0")
    # A v1 program encoded with plain bech32 (BIP-173 style) is invalid since BIP-350.
    assert not segwit_ok("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx")


def test_jsonl_lines_parse() -> None:
    with TESTSET.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            for entity in record["entities"]:
                assert record["text"][entity["start"] : entity["end"]] == entity["text"]


KLUE_DEV = ROOT.parent / "shared" / "corpus" / "ko-ner" / "klue-ner-v1.1_dev_0000-3999.tsv"


@pytest.mark.skipif(not KLUE_DEV.exists(), reason="shared corpus (../shared/corpus/ko-ner) not present")
def test_real_korean_news_text_has_no_state_identifiers() -> None:
    """4,000 KLUE news/web sentences: personal numbers would all be false positives there."""
    sentences, current = [], []
    for line in KLUE_DEV.read_text(encoding="utf-8").splitlines():
        if line.startswith("##"):
            continue
        if not line.strip():
            if current:
                sentences.append("".join(current))
                current = []
            continue
        current.append(line.split("\t")[0] or " ")
    entities = find_identifiers("\n".join(sentences), secret=SECRET)
    found = count_by_label(entities)
    assert not {"RRN", "FRN", "CARD", "BRN", "CRN", "PASSPORT", "DRIVER_LICENSE", "BANK_ACCOUNT"} & set(found)
    assert found.get("ADDRESS", 0) <= 5
