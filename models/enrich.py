"""The enrichment stage: text → identifiers, named entities, personal-data counts and topics."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.types import Enrichment, Entity, Topic

PIPELINE_VERSION = "enrich.v1"
MAX_ENRICH_CHARS = 1_000_000
"""Text beyond this many characters is not scanned for names and topics (identifiers are scanned whole)."""


@dataclass(frozen=True)
class EnrichConfig:
    """What to run; picklable so worker processes can build their own ``Enricher``."""

    secret: bytes
    ner: bool = True
    topics: bool = True
    topics_dir: Path | None = None


def topic_model_file(config: EnrichConfig) -> Path:
    """The topic model file ``config`` runs, found without importing the topic package (scikit-learn): the
    model directory's ``model.joblib`` (``models.topics.model.MODEL_FILE``), by default the shipped one
    (``models.topics.model.CURRENT_DIR``)."""
    from models import ARTIFACTS_DIR

    return Path(config.topics_dir or ARTIFACTS_DIR / "topics" / "current") / "model.joblib"


def drop_overlapping(names: list[Entity], identifiers: list[Entity]) -> list[Entity]:
    """Named-entity spans that neither overlap a validated identifier nor look like one.

    Models tag resident numbers as QUANTITY or e-mail addresses as ORG; such a span would carry the raw value
    into entity fields and facets, so it is dropped whatever its label.
    """
    from bisect import bisect_left

    from models.identifiers.tokens import looks_like_identifier

    taken = sorted((e.start, e.end) for e in identifiers)  # detectors never return overlapping spans
    starts = [start for start, _ in taken]
    kept = []
    for name in names:
        if looks_like_identifier(name.text) or looks_like_identifier(name.norm):
            continue
        before = bisect_left(starts, name.end) - 1  # the last identifier starting before the name ends
        if before >= 0 and taken[before][1] > name.start:
            continue
        kept.append(name)
    return kept


class Enricher:
    """Runs every enrichment model over batches of texts; models load on first use."""

    def __init__(self, config: EnrichConfig) -> None:
        self.config = config
        self._ner: Any = None
        self._topics: Any = None

    def _tagger(self) -> Any:
        if self._ner is None:
            from models.ner import NerTagger

            self._ner = NerTagger()
        return self._ner

    def _topic_model(self) -> Any:
        if self._topics is None:
            from models.topics import CURRENT_DIR, TopicModel

            self._topics = TopicModel.load(self.config.topics_dir or CURRENT_DIR)
        return self._topics

    def warm(self) -> None:
        """Load now what the first texts would load (the NER pipelines, the topic model, the process's Kiwi and
        the model it builds on its first analysis: 8-10 s of CPU), so a worker does it while the batch starts."""
        from models.ner.morphemes import shared_kiwi

        shared_kiwi().tokenize("가나다 라마바.")
        if self.config.ner:
            tagger = self._tagger()
            for language in ("ko", "en"):
                tagger.pipeline(language)
        if self.config.topics:
            self._topic_model()

    def adopt(self, other: Enricher) -> None:
        """Use the models ``other`` has loaded, where both run the same models (the key may differ: it only
        keys identifier tokens). A worker forked from a process that warmed ``other`` starts with them."""
        if (other.config.ner, other.config.topics, other.config.topics_dir) == (
                self.config.ner, self.config.topics, self.config.topics_dir):
            self._ner = self._ner or other._ner
            self._topics = self._topics or other._topics

    def version(self) -> str:
        """Versions of every model that ran, for ``Enrichment.pipeline_version``."""
        from models.identifiers import SOURCE

        parts = [PIPELINE_VERSION, SOURCE]
        if self.config.ner:
            parts.append(self._tagger().version())
        if self.config.topics:
            parts.append(f"topics-{self._topic_model().version}")
        return "+".join(parts)

    def enrich_many(self, texts: list[str], languages: list[str | None],
                    morphemes: list[Any] | None = None) -> list[Enrichment]:
        """Enrichment of each text; ``morphemes`` (``models.ner.morphemes.document_morphemes`` of the same texts)
        spares the Korean NER its own Kiwi run."""
        from models.identifiers import find_identifiers

        ids = [find_identifiers(t, secret=self.config.secret) if t else [] for t in texts]
        cut = [t[:MAX_ENRICH_CHARS] for t in texts]
        names: list[list[Entity]] = [[] for _ in texts]
        if self.config.ner and any(cut):
            names = self._tagger().tag(cut, languages, morphemes)
        topics: list[list[Topic]] = [[] for _ in texts]
        if self.config.topics and any(cut):
            from models.ner.morphemes import PIECE_CHARS
            from models.topics.morphs import given_morphemes

            wanted = [i for i, t in enumerate(cut) if t.strip()]
            # a Korean text Kiwi analysed whole (one piece) gives the topic features its morphemes: no second run
            found = {cut[i]: morphemes[i].items for i in wanted
                     if morphemes and morphemes[i] is not None and len(cut[i]) <= PIECE_CHARS}
            with given_morphemes(found):
                predicted = self._topic_model().predict([cut[i] for i in wanted])
            for i, found in zip(wanted, predicted):
                topics[i] = list(found)
        version = self.version()
        out = []
        for found_ids, found_names, found_topics in zip(ids, names, topics):
            found_names = drop_overlapping(found_names, found_ids)
            pii = Counter(e.label for e in found_ids if e.sensitive)
            out.append(
                Enrichment(
                    entities=tuple(found_ids) + tuple(found_names),
                    pii=dict(pii),
                    topics=tuple(found_topics),
                    pipeline_version=version,
                )
            )
        return out
