"""Validated identifiers and personal data in Korean and English text.

``find_identifiers`` runs format + check-digit + context detectors for resident/foreigner registration numbers,
phones, e-mail, IP addresses, URLs, domains, payment cards, business/corporate registration numbers, passports,
driver's licences, bank accounts, vehicle plates, crypto addresses and Korean postal addresses. Every value gets
one normalised form (``norm``); sensitive values also get a keyed hash for equality pivots without the raw value.

Modules: ``scanner`` (passes, overlaps, entities, hashes), ``masking`` (display forms), one module per family
(``korean``, ``contact``, ``network``, ``payment``, ``crypto``, ``documents``, ``address``), ``checksums`` and
``keccak`` (check digits), and the labelled test set: ``python -m models.identifiers.make_testset`` writes
``tests/models/data/identifiers_testset.jsonl``, ``python -m models.identifiers.evaluate [-v]`` scores it.
"""

from models.identifiers.masking import count_by_label, mask, redact_text
from models.identifiers.scanner import LABELS, SENSITIVE_LABELS, SOURCE, find_identifiers, keyed_hash, normalize

__all__ = [
    "LABELS",
    "SENSITIVE_LABELS",
    "SOURCE",
    "count_by_label",
    "find_identifiers",
    "keyed_hash",
    "mask",
    "normalize",
    "redact_text",
]
