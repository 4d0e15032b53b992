"""Fine-tune the NER of ``en_core_web_sm`` on the shared English sets and write it to ``models/artifacts/en_ner``.

    nice -n 10 python -m models.ner.train_en [--epochs N] [--max-minutes M] [--workdir DIR] [--output DIR]

Only the NER component (with its own tok2vec) is kept, so the artifact is the English pipeline the tagger
loads. Training data: the ``train`` parts of the trainable sets in :mod:`models.ner.corpus_en` (UNER-EWT,
wikigold, WNUT-17, broad-twitter, MultiCoNER-en); the ``tune`` parts pick the checkpoint; ``test`` parts are
never read here.

The sets annotate only PER/ORG/LOC, so to keep what the shipped model knows (news-trained OntoNotes labels):

- **silver labels**: on each training sentence the original model's own DATE, MONEY, NORP, … mentions are kept
  as targets wherever they do not touch a gold or unannotated span; a gold LOC takes the GPE/LOC/FAC label the
  original model gave that span (GPE when it gave none);
- **rehearsal**: after each update, ``Language.rehearse`` pulls the model towards the original model's
  predictions on the same batch of texts, so formal text does not drift.

Every epoch is checkpointed (``WORKDIR/last``, best so far in ``WORKDIR/best``); a run stops after
``--max-minutes`` and ships the best checkpoint.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example, offsets_to_biluo_tags
from spacy.util import minibatch

from models.ner import english
from models.ner.averaging import average_into
from models.ner.chunking import Chunk
from models.ner.corpus_en import ENGLISH_SETS, english_part
from models.ner.corpus_ko import LabelledText, corpus_root
from models.ner.labels import LOCATION, ORG, PERSON
from models.ner.metrics import score

BASE_MODEL = english.SM_MODEL
ARTIFACT_PATH = Path(__file__).resolve().parents[1] / "artifacts" / "en_ner"
MODEL_NAME = "evidex_en_ner"
MODEL_VERSION = "1.4.0"
#: Components of the base package the NER does not need (its NER has its own tok2vec).
EXCLUDE = ("tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer")
#: OntoNotes labels the gold sets annotate (as PER/ORG/LOC); every other label comes from the original model.
GOLD_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC"})
PLACE_LABELS = ("GPE", "LOC", "FAC")
TO_ONTONOTES = {PERSON: "PERSON", ORG: "ORG"}
#: Times each set's training part is repeated per epoch: UNER-EWT is the web text we aim at and is small.
UPSAMPLE = {"uner-ewt": 3}
SCORED = (PERSON, ORG, LOCATION)


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 8
    max_minutes: float = 35.0
    dropout: float = 0.2
    batch_size: int = 32
    rehearse: bool = True
    seed: int = 7
    init: str = ""
    ewt_upsample: int = UPSAMPLE["uner-ewt"]
    #: Per-set repeat factors overriding ``UPSAMPLE`` (0 leaves a set out of training, not out of tuning).
    weights: tuple[tuple[str, float], ...] = ()
    learn_rate: float = 0.001
    #: Fall linearly from ``learn_rate`` to 0 over the planned epochs (else constant).
    decay: bool = False
    #: Rehearse after every n-th update only (0: never).
    rehearse_every: int = 1
    #: Weight of the UNER-EWT tuning score in the checkpoint choice (the rest: the mean over all sets).
    ewt_select: float = 0.0
    #: The published pipeline whose NER is fine-tuned and whose mentions are the silver labels.
    base: str = BASE_MODEL
    #: Learn the ``tune`` parts too: no checkpoint is chosen then, the last epoch is shipped (fix ``epochs``
    #: from a run that had them to choose by).
    learn_tune: bool = False
    #: Per set, how many of its repeats are variants with other mentions (``models.ner.augment``).
    augment: tuple[tuple[str, int], ...] = ()


def load_base(name: str = BASE_MODEL) -> Language:
    return english.load(name, exclude=EXCLUDE)


def example_for(nlp: Language, item: LabelledText, teacher: Doc) -> Example:
    """Gold PER/ORG/LOC, missing where the set does not annotate, the original model's other labels elsewhere."""
    taught = {(e.start_char, e.end_char): e.label_ for e in teacher.ents}
    entities: list[tuple[int, int, str]] = []
    for span in item.spans:
        if span.tag == LOCATION:
            given = taught.get((span.start, span.end))
            label = given if given in PLACE_LABELS else "GPE"
        else:
            label = TO_ONTONOTES[span.tag]
        entities.append((span.start, span.end, label))
    taken = [(s.start, s.end) for s in item.spans] + list(item.missing)
    for ent in teacher.ents:
        if ent.label_ in GOLD_LABELS:
            continue
        if not any(a < ent.end_char and ent.start_char < b for a, b in taken):
            entities.append((ent.start_char, ent.end_char, ent.label_))
    doc = nlp.make_doc(item.text)
    tags = offsets_to_biluo_tags(doc, sorted(entities))
    for start, end in item.missing:
        for token in doc:
            if token.idx < end and start < token.idx + len(token.text):
                tags[token.i] = "-"
    return Example.from_dict(doc, {"entities": tags})


def build_examples(nlp: Language, root: Path, upsample: dict[str, float],
                   parts: tuple[str, ...] = ("train",), augment: dict[str, int] | None = None,
                   seed: int = 7) -> list[Example]:
    """Training examples of every trainable set, repeated ``upsample[name]`` times (a fraction takes a fixed
    share of the sentences; 0 leaves the set out); ``augment[name]`` of a set's whole repeats are variants with
    other mentions (``models.ner.augment``) instead of copies."""
    from models.ner.augment import mention_pool, variant

    read = {spec.name: [i for part in parts for i in english_part(root, spec, part)]
            for spec in ENGLISH_SETS if upsample.get(spec.name, 1) > 0}
    pool = mention_pool([item for items in read.values() for item in items]) if augment else {}
    rng = random.Random(seed)
    examples: list[Example] = []
    for spec in ENGLISH_SETS:
        factor, items = upsample.get(spec.name, 1), read.get(spec.name, [])
        if not items:
            continue
        whole, share = int(factor), factor - int(factor)
        rounds = min((augment or {}).get(spec.name, 0), max(whole - 1, 0))
        variants = [variant(item, pool, rng) for _ in range(rounds) for item in items]
        texts = [item.text for item in items + variants]
        made = [example_for(nlp, item, teacher)
                for item, teacher in zip(items + variants, nlp.pipe(texts, batch_size=64))]
        plain, varied = made[:len(items)], made[len(items):]
        examples += plain * (whole - rounds) + varied + plain[: round(len(plain) * share)]
        print(f"  {spec.name}: {len(plain)} sentences x{factor:g}" + (f" ({rounds} as variants)" if rounds else ""),
              flush=True)
    return examples


def predicted_spans(nlp: Language, items: list[LabelledText]) -> list[set[tuple[int, int, str]]]:
    """Shared-label PER/ORG/LOC spans as the tagger reports them (trimmed, hygiene applied)."""
    from models.ner.tagger import doc_entities

    found = []
    for item, doc in zip(items, nlp.pipe((item.text for item in items), batch_size=64)):
        missing = item.missing
        found.append({
            (e.start, e.end, e.label) for e in doc_entities(doc, Chunk(0, item.text), "en")
            if not any(a < e.end and e.start < b for a, b in missing)
        })
    return found


def tuning_score(nlp: Language, tuning: dict[str, list[LabelledText]]) -> dict[str, float]:
    """Macro F1 (PER/ORG/LOC) per set's tuning part and their mean (key ``mean``)."""
    result = {}
    for name, items in tuning.items():
        gold = [{(s.start, s.end, s.tag) for s in item.spans} for item in items]
        result[name] = score(gold, predicted_spans(nlp, items), SCORED).macro_f1
    result["mean"] = sum(result.values()) / len(result)
    return result


def selection_score(scores: dict[str, float], ewt_weight: float) -> float:
    """What picks the checkpoint: the mean over the sets, optionally leaning on UNER-EWT (the target)."""
    return ewt_weight * scores.get("uner-ewt", 0.0) + (1 - ewt_weight) * scores["mean"]


def train(root: Path, workdir: Path, settings: TrainSettings) -> tuple[Path, dict[str, object]]:
    """Fine-tune; returns the best checkpoint's folder and the training record."""
    started = time.monotonic()
    random.seed(settings.seed)
    spacy.util.fix_random_seed(settings.seed)
    nlp = load_base(settings.base)
    examples = build_examples(nlp, root, {**UPSAMPLE, "uner-ewt": settings.ewt_upsample, **dict(settings.weights)},
                              ("train", "tune") if settings.learn_tune else ("train",),
                              dict(settings.augment), settings.seed)
    if settings.init:  # go on from a checkpoint; silver labels above still come from the published model
        nlp = english.load(settings.init)
    tuning = {spec.name: english_part(root, spec, "tune") for spec in ENGLISH_SETS if spec.trainable}
    baseline = tuning_score(nlp, tuning)
    print(f"built {len(examples)} examples in {time.monotonic() - started:.0f}s; starting model on tuning "
          f"parts: {baseline['mean']:.3f}", flush=True)
    optimizer = nlp.resume_training()
    optimizer.learn_rate = settings.learn_rate
    planned = settings.epochs * -(-len(examples) // settings.batch_size)
    best_score, best_epoch, history, step = -1.0, 0, [], 0
    if settings.init:  # the starting checkpoint is a candidate too
        best_score = selection_score(baseline, settings.ewt_select)
        nlp.to_disk(workdir / "best")
    for epoch in range(1, settings.epochs + 1):
        random.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=settings.batch_size):
            if settings.decay:
                optimizer.learn_rate = settings.learn_rate * max(0.0, 1 - step / planned)
            step += 1
            nlp.update(batch, drop=settings.dropout, sgd=optimizer, losses=losses)
            if settings.rehearse and settings.rehearse_every and step % settings.rehearse_every == 0:
                nlp.rehearse(batch, sgd=optimizer, losses=losses)
        scores = tuning_score(nlp, tuning)
        history.append({"epoch": epoch, "losses": {k: round(float(v), 1) for k, v in losses.items()},
                        "tuning": {k: round(float(v), 4) for k, v in scores.items()}})
        nlp.to_disk(workdir / "last")
        if settings.learn_tune or selection_score(scores, settings.ewt_select) > best_score:
            best_score, best_epoch = selection_score(scores, settings.ewt_select), epoch
            if (workdir / "best").exists():
                shutil.rmtree(workdir / "best")
            shutil.copytree(workdir / "last", workdir / "best")
        elapsed = (time.monotonic() - started) / 60
        print(f"epoch {epoch}: tuning mean {scores['mean']:.3f} "
              + " ".join(f"{k}={v:.3f}" for k, v in scores.items() if k != "mean")
              + f" losses {history[-1]['losses']} ({elapsed:.1f} min)", flush=True)
        if elapsed * (epoch + 1) / epoch > settings.max_minutes:
            print(f"stopping: next epoch would pass {settings.max_minutes} min", flush=True)
            break
    record = {"best_epoch": best_epoch, "history": history, "original_tuning": baseline,
              "train_seconds": round(time.monotonic() - started), "settings": settings.__dict__}
    return workdir / "best", record


def finish_artifact(best: Path, output: Path, record: dict[str, object], base: str = BASE_MODEL) -> None:
    """Copy the best checkpoint into the artifact folder and record what it was trained on; a static-vector
    table is left out and named in the meta (``english.strip_vectors``), to be read from the installed base."""
    if output.exists():
        shutil.rmtree(output)
    shutil.copytree(best, output)
    vectors = english.strip_vectors(output, base)
    meta_path = output / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    published = english.published_name(base)
    learnt_tune = bool((record.get("settings") or {}).get("learn_tune"))
    parts = "train and tune parts" if learnt_tune else "train part"
    meta.update({
        "name": MODEL_NAME,
        "version": MODEL_VERSION,
        "description": f"NER of {published} 3.8.0 fine-tuned on web, social and Wikipedia text (evidex); "
                       "OntoNotes labels.",
        "license": "CC BY-SA 4.0 (fine-tuned on UNER-EWT; see models/ner/LICENSE-DATA.md)",
        "sources": [
            {"name": f"{published} 3.8.0 (OntoNotes 5)", "license": "MIT"},
            {"name": f"UniversalNER English-EWT dev ({parts})", "license": "CC BY-SA 4.0"},
            {"name": "wikigold", "license": "CC BY 4.0"},
            {"name": "WNUT-17 train", "license": "CC BY 4.0"},
            {"name": "Broad Twitter Corpus a,b,e,f,g", "license": "CC BY 4.0"},
            {"name": "MultiCoNER v1 English train (first 4000)", "license": "CC BY 4.0"},
        ],
        "evidex": {
            "held_out": "test parts of models.ner.corpus_en (never trained or tuned on)",
            "checkpoint_selection": "none: the tune parts were learnt, the last epoch is shipped" if learnt_tune
            else "tune parts of models.ner.corpus_en",
            **({english.VECTORS_KEY: vectors} if vectors else {}),
            **record,
        },
    })
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


def average_checkpoints(folders: list[Path], workdir: Path) -> Path:
    """Write the pipeline whose NER weights are the mean of ``folders``' (runs of one recipe from one base, e.g.
    other seeds: same architecture and labels) to ``workdir/mean`` and return that folder."""
    try:
        merged = average_into([english.load(folder) for folder in folders], ("ner",))
    except ValueError as error:
        raise SystemExit(f"the checkpoints to average differ: {error}") from error
    merged.to_disk(workdir / "mean")
    return workdir / "mean"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    defaults = TrainSettings()
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--max-minutes", type=float, default=defaults.max_minutes)
    parser.add_argument("--no-rehearse", action="store_true")
    parser.add_argument("--init", default="", help="start from this checkpoint instead of the published model")
    parser.add_argument("--ewt-upsample", type=int, default=defaults.ewt_upsample)
    parser.add_argument("--weight", action="append", default=[], metavar="SET=FACTOR",
                        help="repeat a set's training part FACTOR times per epoch (0 drops it); repeatable")
    parser.add_argument("--learn-rate", type=float, default=defaults.learn_rate)
    parser.add_argument("--decay", action="store_true", help="linear warm-down of the rate to 0")
    parser.add_argument("--rehearse-every", type=int, default=defaults.rehearse_every)
    parser.add_argument("--ewt-select", type=float, default=defaults.ewt_select,
                        help="weight of the UNER-EWT tuning score in the checkpoint choice")
    parser.add_argument("--base", default=defaults.base,
                        help=f"published pipeline to start from: {BASE_MODEL} or {english.MD_MODEL}")
    parser.add_argument("--learn-tune", action="store_true",
                        help="train on the tune parts too and ship the last epoch (its tuning scores are not a choice)")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="shuffling and dropout seed")
    parser.add_argument("--augment", action="append", default=[], metavar="SET=N",
                        help="N of the set's repeats are variants with other gold mentions instead of copies")
    parser.add_argument("--average", nargs="+", type=Path, default=[], metavar="DIR",
                        help="train nothing: ship the mean of these runs' shipped checkpoints (same recipe and base; "
                        "each run's meta.json is kept in the record)")
    parser.add_argument("--workdir", type=Path, default=None, help="where checkpoints go")
    parser.add_argument("--output", type=Path, default=ARTIFACT_PATH)
    args = parser.parse_args(argv)
    settings = TrainSettings(epochs=args.epochs, max_minutes=args.max_minutes, rehearse=not args.no_rehearse,
                             init=args.init, ewt_upsample=args.ewt_upsample,
                             weights=tuple((k, float(v)) for k, v in (w.split("=", 1) for w in args.weight)),
                             learn_rate=args.learn_rate, decay=args.decay, rehearse_every=args.rehearse_every,
                             ewt_select=args.ewt_select, base=args.base,
                             learn_tune=args.learn_tune, seed=args.seed,
                             augment=tuple((k, int(v)) for k, v in (a.split("=", 1) for a in args.augment)))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="evidex-en-ner-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.average:
        runs = [json.loads((d / "meta.json").read_text(encoding="utf-8")).get("evidex", {}) for d in args.average]
        best = average_checkpoints(args.average, workdir)
        record = {"best_epoch": "mean",
                  "averaged": [f"seed {(run.get('settings') or {}).get('seed', '?')}" for run in runs],
                  "settings": (runs[0].get("settings") or settings.__dict__), "runs": runs}
        base = record["settings"].get("base", settings.base)
    else:
        best, record = train(corpus_root(), workdir, settings)
        base = settings.base
    finish_artifact(best, args.output, record, base)
    print(f"wrote {args.output} (best epoch {record['best_epoch']})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
