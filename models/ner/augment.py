"""More web-text training sentences for the English NER from the ones there are: mention replacement.

UNER-EWT's training part is the only web text with PER/ORG/LOC gold (about 1,300 sentences), and the model learns
its names as much as its contexts. A variant of a sentence keeps its words and puts other gold mentions of the
same label (from every set's training part) in place of its own, so the same context is seen with names the
model has not learnt by heart; some variants are written in lower case, as web text often is. Unannotated
ranges stay as they are and stay unannotated; offsets are rebuilt for the new text.
"""

from __future__ import annotations

import random
from collections import defaultdict

from models.ner.corpus_ko import CharSpan, LabelledText

#: Share of a sentence's mentions kept as they are in a variant.
KEEP = 0.2
#: Share of variants written in lower case.
LOWER = 0.15


def mention_pool(items: list[LabelledText]) -> dict[str, list[str]]:
    """The gold mentions of ``items`` by label (single-line ones, as they are written)."""
    pool: dict[str, set[str]] = defaultdict(set)
    for item in items:
        for span in item.spans:
            mention = item.text[span.start:span.end]
            if mention.strip() and "\n" not in mention:
                pool[span.tag].add(mention)
    return {tag: sorted(found) for tag, found in pool.items()}


def variant(item: LabelledText, pool: dict[str, list[str]], rng: random.Random) -> LabelledText:
    """``item`` with most of its mentions replaced by others of their label (``item`` itself when it has none,
    or when its gold and unannotated ranges overlap)."""
    marks = sorted([(s.start, s.end, s.tag) for s in item.spans] + [(a, b, "") for a, b in item.missing])
    if not item.spans or any(a[1] > b[0] for a, b in zip(marks, marks[1:])):
        return item
    pieces: list[str] = []
    spans: list[CharSpan] = []
    missing: list[tuple[int, int]] = []
    at = length = 0
    for start, end, tag in marks:
        pieces.append(item.text[at:start])
        length += start - at
        written = item.text[start:end]
        if tag and pool.get(tag) and rng.random() >= KEEP:
            written = rng.choice(pool[tag])
        (spans.append(CharSpan(length, length + len(written), tag)) if tag
         else missing.append((length, length + len(written))))
        pieces.append(written)
        length += len(written)
        at = end
    pieces.append(item.text[at:])
    text = "".join(pieces)
    if rng.random() < LOWER and len(text.lower()) == len(text):
        text = text.lower()
    return LabelledText(text, tuple(spans), tuple(missing), item.ident + "~", item.corpus)
