"""``python -m models.ner.facets``: what PERSON/ORG/LOCATION values real files give, and what hygiene drops.

Reads the shared corpus's PDF, HWP, office and mail files (text layer only, first ``--chars`` characters of each),
tags them with the document language the extractors detect, and prints the mentions the hygiene filter
(``models.ner.hygiene``) would drop by reason, with examples, then a random sample of the values kept, for a
person to judge.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from models.ner.corpus_ko import corpus_root
from models.ner.hygiene import NAME_LABELS, junk_reason
from models.ner.tagger import NerConfig, NerTagger

FAMILIES = ("hwp", "email", "pdf", "office")


def corpus_texts(root: Path, chars: int) -> list[tuple[str, str | None, str]]:
    """``(relative path, language, text)`` of every readable file of ``FAMILIES`` under ``root``."""
    from extractors import extract_path
    from extractors.base import ExtractContext

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for family in FAMILIES:
            for path in sorted(p for p in (root / family).rglob("*") if p.is_file()):
                extracted = extract_path(path, ExtractContext(tmp_dir=Path(tmp), ocr_enabled=False))
                if extracted.text.strip():
                    out.append((str(path.relative_to(root)), extracted.language, extracted.text[:chars]))
    return out


def main(argv: list[str] | None = None) -> None:
    """Print hygiene reasons and a sample of kept values for the corpus files."""
    parser = argparse.ArgumentParser(prog="python -m models.ner.facets", description=main.__doc__)
    parser.add_argument("--chars", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args(argv)
    docs = corpus_texts(corpus_root(), args.chars)
    raw = NerTagger(NerConfig(hygiene=False))  # every mention, judged below
    found = raw.tag([text for _, _, text in docs], [language for _, language, _ in docs])
    reasons: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    kept = []
    for entities in found:
        for entity in entities:
            if entity.label not in NAME_LABELS or entity.source == "ruler":
                continue
            why = junk_reason(entity.label, entity.text, entity.source)
            reasons[why or "kept"] += 1
            if why is None:
                kept.append(f"{entity.label[:3]}:{entity.text}")
            elif len(examples[why]) < 8:
                examples[why].append(repr(entity.text))
    total = sum(reasons.values())
    print(f"{len(docs)} files, {total} PERSON/ORG/LOCATION model mentions")
    for why, count in reasons.most_common():
        print(f"  {why:11} {count:5}  {', '.join(examples.get(why, []))}")
    random.Random(args.seed).shuffle(kept)
    print(f"random sample of {min(args.sample, len(kept))} kept values:")
    print("  " + " | ".join(kept[: args.sample]))


if __name__ == "__main__":
    main()
