"""Every spaCy registration of the NER package, in one place.

Importing this module registers the names below with spaCy's registries; loaders and the trainer call
:func:`ensure_registered` first so the saved pipeline's config can be resolved. Nothing is loaded here.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.util import registry
from spacy.vocab import Vocab

from models.ner.case_ruler import CaseRuler
from models.ner.kiwi_tokenizer import KiwiTokenizer

#: Registered names, versioned; a snapshot test keeps this list honest.
TOKENIZER_NAME = "evidex.KiwiTokenizer.v1"
CASE_RULER_FACTORY = "evidex_case_ruler"


@registry.tokenizers(TOKENIZER_NAME)
def create_kiwi_tokenizer(num_workers: int = 0, model_type: str | None = None):  # type: ignore[no-untyped-def]
    """Config entry point: ``[nlp.tokenizer] @tokenizers = "evidex.KiwiTokenizer.v1"``."""

    def make(nlp: Language) -> KiwiTokenizer:
        return KiwiTokenizer(nlp.vocab, num_workers=num_workers, model_type=model_type)

    return make


@Language.factory(
    CASE_RULER_FACTORY,
    default_config={"patterns_path": None},
    assigns=["doc.ents"],
)
def create_case_ruler(nlp: Language, name: str, patterns_path: str | None) -> CaseRuler:
    """Gazetteer of the case's agencies, companies and places; overrides overlapping model entities."""
    return CaseRuler(patterns_path)


def ensure_registered() -> tuple[str, ...]:
    """Return the names this module registered (importing it did the work)."""
    return (TOKENIZER_NAME, CASE_RULER_FACTORY)


__all__ = ["CASE_RULER_FACTORY", "TOKENIZER_NAME", "Vocab", "ensure_registered"]
