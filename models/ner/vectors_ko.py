"""Static Korean vectors for the NER tok2vec, pretrained on the shared raw Korean text (build time only).

    nice -n 10 python -m models.ner.vectors_ko --workdir DIR [--dim 64 --bucket 40000 --epoch 10]

1. :func:`vector_texts` gathers unlabelled Korean text from disk: the sentences the trainer may learn from
   (``corpus_ko.raw_texts``: KLUE train 0–4499 and dev 0–2999, MultiCoNER-ko train and dev) and the Korean lines of
   the shared PDF, HWP, office and mail files (text layer, the project's extractors). The tuning part (KLUE train
   4500–4999) and the held-out part (KLUE dev 3000–3999) are never in it.
2. :func:`write_token_lines` cuts each text with the NER's own tokenizer (``ko_config.cfg``'s Kiwi tokenizer) and
   writes one line of space-separated token NORMs per text: the attribute the vectors are looked up by
   (:data:`KEY_ATTR`), so the table and the tok2vec see the same strings.
3. :func:`train_floret` trains floret vectors (hashed subwords, so a name never seen still gets a vector) and
   :func:`to_spacy` turns them into a spaCy pipeline folder with a floret table keyed by NORM, the value of
   ``train_ko --vectors DIR``. spaCy reads floret tables itself: the ``floret`` package is needed here only.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from models.ner.corpus_ko import corpus_root, held_out, raw_texts, tuning_texts

#: Token attribute the vectors are keyed by (spaCy's ``Vectors.attr``): the tok2vec's first hash feature too.
KEY_ATTR = "NORM"
#: floret settings: 64 dimensions × 40,000 hashed rows of float32 is ~10 MB in the artifact.
DIM = 64
BUCKET = 40_000
#: Kiwi tokens are short (a morpheme: 1–4 syllables); character n-grams of 2–4 with the word boundary marks.
MINN, MAXN = 2, 4
HASH_COUNT = 2
EPOCH = 10
MIN_COUNT = 2
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LETTER = re.compile(r"[^\W\d_]")


def korean_lines(text: str, min_share: float = 0.3, min_hangul: int = 4) -> list[str]:
    """The lines of ``text`` whose letters are at least ``min_share`` Hangul (and hold ``min_hangul`` syllables)."""
    out = []
    for line in text.splitlines():
        line = " ".join(line.split())
        hangul = len(_HANGUL.findall(line))
        letters = len(_LETTER.findall(line))
        if hangul >= min_hangul and hangul >= min_share * letters:
            out.append(line)
    return out


def document_lines(root: Path) -> list[str]:
    """Korean lines of the shared corpus files (``facets.corpus_texts``: PDF, HWP, office, mail; no OCR)."""
    from models.ner.facets import corpus_texts

    lines: list[str] = []
    for _, _, text in corpus_texts(root, chars=10**9):
        lines += korean_lines(text)
    return lines


def vector_texts(root: Path) -> tuple[list[str], dict[str, int]]:
    """Unique raw texts for the vectors and how many came from each source; never a tuning or held-out one."""
    sentences = raw_texts(root)
    documents = document_lines(root)
    excluded = {t.text for t in held_out(root) + tuning_texts(root)}
    seen: set[str] = set()
    texts: list[str] = []
    for text in sentences + documents:
        if text not in seen and text not in excluded:
            seen.add(text)
            texts.append(text)
    counts = {"sentences": len(set(sentences) - excluded), "document_lines": len(set(documents) - excluded),
              "unique": len(texts)}
    return texts, counts


def blank_pipeline():  # type: ignore[no-untyped-def]
    """A blank pipeline with the NER's tokenizer and lexical attributes (from ``ko_config.cfg``)."""
    from spacy.util import load_config, load_model_from_config

    from models.ner import registrations
    from models.ner.train_ko import CONFIG_PATH

    registrations.ensure_registered()
    return load_model_from_config(load_config(CONFIG_PATH), auto_fill=True)


def write_token_lines(texts: Iterable[str], path: Path) -> int:
    """Write one line of space-separated token NORMs per text (whitespace tokens left out); returns tokens."""
    nlp = blank_pipeline()
    tokens = 0
    with path.open("w", encoding="utf-8") as handle:
        for doc in nlp.tokenizer.pipe(texts):
            words = [t.norm_ for t in doc if not t.is_space and t.norm_.strip()]
            words = [w for w in words if not any(c.isspace() for c in w)]
            if words:
                handle.write(" ".join(words) + "\n")
                tokens += len(words)
    return tokens


def train_floret(
    corpus: Path, output: Path, dim: int = DIM, bucket: int = BUCKET, epoch: int = EPOCH,
    min_count: int = MIN_COUNT, threads: int = 1,
) -> Path:
    """Train floret skipgram vectors on ``corpus`` and write ``output`` (``.floret`` text); returns it."""
    import floret

    model = floret.train_unsupervised(
        str(corpus), model="skipgram", mode="floret", dim=dim, bucket=bucket, minn=MINN, maxn=MAXN,
        hashCount=HASH_COUNT, epoch=epoch, minCount=min_count, thread=threads, verbose=0,
    )
    model.save_floret_vectors(str(output))
    return output


def to_spacy(floret_file: Path, output: Path) -> Path:
    """A pipeline folder holding the floret table keyed by :data:`KEY_ATTR` (``[initialize] vectors``)."""
    from spacy.training.initialize import convert_vectors

    nlp = blank_pipeline()
    convert_vectors(nlp, floret_file, truncate=0, prune=-1, mode="floret", attr=KEY_ATTR)
    nlp.to_disk(output)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.ner.vectors_ko", description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, required=True, help="corpus, floret file and the vectors folder")
    parser.add_argument("--dim", type=int, default=DIM)
    parser.add_argument("--bucket", type=int, default=BUCKET)
    parser.add_argument("--epoch", type=int, default=EPOCH)
    parser.add_argument("--min-count", type=int, default=MIN_COUNT)
    parser.add_argument("--reuse-corpus", action="store_true", help="keep tokens.txt already in --workdir")
    args = parser.parse_args(argv)
    started = time.monotonic()
    args.workdir.mkdir(parents=True, exist_ok=True)
    corpus = args.workdir / "tokens.txt"
    if not (args.reuse_corpus and corpus.exists()):
        texts, counts = vector_texts(corpus_root())
        print(f"raw texts {counts} in {time.monotonic() - started:.0f}s", flush=True)
        tokens = write_token_lines(texts, corpus)
        print(f"{tokens} tokens written to {corpus} in {time.monotonic() - started:.0f}s", flush=True)
    floret_file = train_floret(corpus, args.workdir / "vectors.floret", args.dim, args.bucket, args.epoch,
                               args.min_count)
    print(f"floret trained in {time.monotonic() - started:.0f}s", flush=True)
    output = to_spacy(floret_file, args.workdir / "vectors")
    print(f"wrote {output} in {time.monotonic() - started:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
