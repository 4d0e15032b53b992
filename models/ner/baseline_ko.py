"""Dictionary and rule baseline for Korean NER, scored the same way as the model.

Names: a gazetteer of every PS/LC/OG surface seen in training (most frequent tag wins), longest match at word
starts. Dates, times and quantities: regular expressions over digits and Korean units. Used only to put the
model's figures in context.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from models.ner.corpus_ko import LabelledText

_NAME_TAGS = {"PS", "LC", "OG", "PER", "LOC", "CORP", "GRP"}
_TO_KLUE = {"PER": "PS", "LOC": "LC", "CORP": "OG", "GRP": "OG"}
_NUM = r"\d[\d,.]*"
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("TI", re.compile(rf"(?:오전|오후|새벽|밤|낮)\s?{_NUM}\s?시(?:\s?{_NUM}\s?분)?(?:\s?{_NUM}\s?초)?"
                      rf"|{_NUM}\s?시\s?{_NUM}\s?분|{_NUM}\s?(?:시간|분|초)(?![가-힣])|오전|오후|새벽|저녁|아침")),
    ("DT", re.compile(rf"{_NUM}\s?년(?:\s?{_NUM}\s?월)?(?:\s?{_NUM}\s?일)?|{_NUM}\s?월(?:\s?{_NUM}\s?일)?"
                      rf"|{_NUM}\s?일(?![가-힣])|(?:지난|올|내|작|이|전)(?:해|날|달|년)|오늘|어제|내일|현재|최근"
                      r"|[월화수목금토일]요일")),
    ("QT", re.compile(rf"{_NUM}\s?(?:만|억|천|조)?\s?(?:명|개|원|달러|%|점|번|회|차례|위|살|세|kg|km|m|cm|건|곳"
                      rf"|대|편|장|배|호|층|마리|권|명분|가지)|{_NUM}")),
)


class DictionaryBaseline:
    """Gazetteer + rules tagger: ``fit`` on training texts, then ``predict`` character spans."""

    def __init__(self, min_length: int = 2, max_length: int = 20) -> None:
        self.min_length = min_length
        self.max_length = max_length

    def fit(self, texts: Iterable[LabelledText]) -> DictionaryBaseline:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for item in texts:
            for span in item.spans:
                if span.tag in _NAME_TAGS:
                    surface = item.text[span.start:span.end].strip()
                    counts[surface][_TO_KLUE.get(span.tag, span.tag)] += 1
        self.gazetteer_ = {
            surface: tags.most_common(1)[0][0]
            for surface, tags in counts.items()
            if self.min_length <= len(surface) <= self.max_length
        }
        return self

    def predict(self, text: str) -> set[tuple[int, int, str]]:
        """KLUE-tagged (start, end, tag) spans in ``text``; rules first, then the gazetteer in the gaps."""
        taken = [False] * len(text)
        found: set[tuple[int, int, str]] = set()
        for tag, pattern in _RULES:
            for match in pattern.finditer(text):
                start, end = match.span()
                if start == end or any(taken[start:end]):
                    continue
                found.add((start, end, tag))
                taken[start:end] = [True] * (end - start)
        i = 0
        while i < len(text):
            if taken[i] or (i > 0 and text[i - 1].isalnum()):
                i += 1
                continue
            for length in range(min(self.max_length, len(text) - i), self.min_length - 1, -1):
                tag = self.gazetteer_.get(text[i:i + length])
                if tag and not any(taken[i:i + length]):
                    found.add((i, i + length, tag))
                    i += length
                    break
            else:
                i += 1
        return found
