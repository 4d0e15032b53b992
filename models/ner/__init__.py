"""Named-entity recognition for Korean and English text, with one shared label set.

``NerTagger(NerConfig()).tag(texts, languages)`` returns, per text, :class:`models.types.Entity` objects whose
offsets slice the original text. English uses spaCy's ``en_core_web_sm`` (NER component only); Korean uses the
pipeline trained by ``python -m models.ner.train_ko`` (Kiwi tokens, shipped in ``models/artifacts/ko_ner``);
both run the case gazetteer ``models/ner/data/case_entities.tsv``. Importing this package loads no model.
"""

from models.ner.labels import NER_LABELS
from models.ner.tagger import SOURCE_EN, SOURCE_KO, SOURCE_RULER, NerConfig, NerModelMissing, NerTagger

__all__ = [
    "NER_LABELS",
    "SOURCE_EN",
    "SOURCE_KO",
    "SOURCE_RULER",
    "NerConfig",
    "NerModelMissing",
    "NerTagger",
]
