"""The shared entity label set and how each source's labels map onto it.

Defined once here; every pipeline, reader and metric goes through these tables.
"""

from __future__ import annotations

import re
from typing import Final

PERSON: Final = "PERSON"
ORG: Final = "ORG"
LOCATION: Final = "LOCATION"
NORP: Final = "NORP"
DATE: Final = "DATE"
TIME: Final = "TIME"
QUANTITY: Final = "QUANTITY"
MONEY: Final = "MONEY"
PERCENT: Final = "PERCENT"
EVENT: Final = "EVENT"
PRODUCT: Final = "PRODUCT"
WORK: Final = "WORK"
LAW: Final = "LAW"
LANGUAGE: Final = "LANGUAGE"

#: Every label an NER entity may carry (identifier labels live in models.identifiers).
NER_LABELS: Final[frozenset[str]] = frozenset(
    {PERSON, ORG, LOCATION, NORP, DATE, TIME, QUANTITY, MONEY, PERCENT, EVENT, PRODUCT, WORK, LAW, LANGUAGE}
)

#: spaCy English (OntoNotes) labels. CARDINAL and ORDINAL are dropped: bare numbers are noise as facets.
ONTONOTES_TO_SHARED: Final[dict[str, str]] = {
    "PERSON": PERSON,
    "ORG": ORG,
    "GPE": LOCATION,
    "LOC": LOCATION,
    "FAC": LOCATION,
    "NORP": NORP,
    "DATE": DATE,
    "TIME": TIME,
    "QUANTITY": QUANTITY,
    "MONEY": MONEY,
    "PERCENT": PERCENT,
    "EVENT": EVENT,
    "PRODUCT": PRODUCT,
    "WORK_OF_ART": WORK,
    "LAW": LAW,
    "LANGUAGE": LANGUAGE,
}

#: KLUE-NER tags. QT is refined into MONEY/PERCENT/QUANTITY by :func:`refine_quantity`.
KLUE_TO_SHARED: Final[dict[str, str]] = {
    "PS": PERSON,
    "LC": LOCATION,
    "OG": ORG,
    "DT": DATE,
    "TI": TIME,
    "QT": QUANTITY,
}

#: Shared label back to the KLUE tag, for scoring on KLUE.
SHARED_TO_KLUE: Final[dict[str, str]] = {
    PERSON: "PS",
    LOCATION: "LC",
    ORG: "OG",
    DATE: "DT",
    TIME: "TI",
    QUANTITY: "QT",
    MONEY: "QT",
    PERCENT: "QT",
}

#: MultiCoNER v1 tags. PROD and CW are not learned: their spans are marked as missing annotation.
MULTICONER_TO_SHARED: Final[dict[str, str]] = {
    "PER": PERSON,
    "LOC": LOCATION,
    "CORP": ORG,
    "GRP": ORG,
}

#: English evaluation corpora (CoNLL-style PER/LOC/ORG; MISC is not scored).
CONLL_TO_SHARED: Final[dict[str, str]] = {
    "PER": PERSON,
    "PERSON": PERSON,
    "LOC": LOCATION,
    "LOCATION": LOCATION,
    "GPE": LOCATION,
    "ORG": ORG,
    "ORGANIZATION": ORG,
}

#: WNUT-17 emerging-entity classes; creative-work and product are not learned (missing annotation).
WNUT_TO_SHARED: Final[dict[str, str]] = {
    "person": PERSON,
    "location": LOCATION,
    "corporation": ORG,
    "group": ORG,
}

_MONEY = re.compile(r"[원₩$€£¥]|달러|엔화|위안|유로|won|dollar", re.IGNORECASE)
_PERCENT = re.compile(r"%|퍼센트|프로|％")


def refine_quantity(text: str) -> str:
    """Return MONEY, PERCENT or QUANTITY for a Korean quantity mention."""
    if _PERCENT.search(text):
        return PERCENT
    if _MONEY.search(text):
        return MONEY
    return QUANTITY
