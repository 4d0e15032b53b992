"""Retrain the Korean NER pipeline and write it to ``models/artifacts/ko_ner``.

    python -m models.ner.train_ko [--max-steps N] [--workdir DIR] [--output DIR] [--pretrain-epochs N]
        [--klue-finetune-steps N --finetune-rate R --finetune-decay --finetune-eval-frequency N] [--from-model DIR]
        [--vectors DIR] [--klue-with-tuning --average-evals K,K…]

Reads ``ko-ner`` from the shared corpus, optionally pretrains the tok2vec on the raw training sentences
(``--pretrain-epochs N``: ``spacy pretrain``, characters objective; or ``--init-tok2vec FILE``), converts the
labelled sentences to spaCy DocBins over Kiwi tokens, trains with ``models/ner/ko_config.cfg`` on CPU and copies the
best checkpoint (chosen on KLUE train 4500–4999) into the artifact folder, after KLUE-only updates
(``--klue-finetune-steps``); ``--from-model DIR`` runs only those, from a pipeline already trained. ``--vectors DIR``
feeds static vectors (``models.ner.vectors_ko``) to the tok2vec. ``--klue-with-tuning`` also trains the KLUE-only
updates on the tuning part (KLUE train 4500–4999), which then cannot choose a checkpoint: ``--average-evals`` names
the evaluations to average beforehand (1.4.0: 2,7,8,9, the ones 1.3.0's choice on the tuning part had found). KLUE
dev 3000–3999 is never read here, and neither it nor the tuning part is in the pretraining or vector text.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import DocBin
from spacy.util import load_config, load_model_from_config
from thinc.api import Config

from models.ner import registrations
from models.ner.corpus_ko import HELD_OUT, TUNING, corpus_root, raw_texts, training_texts, tuning_texts
from models.ner.docs_ko import AlignmentStats, to_docs

CONFIG_PATH = Path(__file__).with_name("ko_config.cfg")
ARTIFACT_PATH = Path(__file__).resolve().parents[1] / "artifacts" / "ko_ner"
MODEL_NAME = "evidex_ko_ner"
MODEL_VERSION = "1.4.0"
#: MultiCoNER sentences used: 5,000 of 15,300 scored better on the tuning set (F 0.796 vs 0.776 with all) and
#: trains in ~12 instead of ~18 minutes; KLUE's news and review sentences then weigh more.
MULTICONER_LIMIT = 5000
#: Updates on KLUE alone after the main training (``finetune_on_klue``), learning rate and how often to score.
KLUE_FINETUNE_STEPS = 1500
FINETUNE_LEARN_RATE = 0.0003
FINETUNE_EVAL_FREQUENCY = 500
KLUE_ONLY = "train-klue.spacy"
#: The KLUE-only sentences with the tuning part too (``--klue-with-tuning``).
KLUE_WITH_TUNING = "train-klue-tuning.spacy"
#: Where the KLUE-only run keeps every evaluation's weights (``out-klue/steps/eval-NNN``).
STEPS_DIR = "steps"
#: Epochs of ``spacy pretrain`` over the ~23,600 raw sentences before the NER is trained. Off: one epoch (with
#: hash rows doubled) scored macro F1 0.772 on the tuning part against 0.774 without (2026-12-01), ~41 min here.
PRETRAIN_EPOCHS = 0


def pretrain_tok2vec(root: Path, workdir: Path, config_path: Path, epochs: int) -> Path:
    """Pretrain the tok2vec on the raw training sentences; returns the weights file of the last epoch."""
    from spacy.training.pretrain import pretrain

    raw_path = workdir / "raw.jsonl"
    with raw_path.open("w", encoding="utf-8") as handle:
        for text in raw_texts(root):
            handle.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    overrides = {"paths.raw": str(raw_path), "pretraining.max_epochs": epochs}
    config = load_config(config_path, overrides=overrides).interpolate()
    output = workdir / "pretrain"
    output.mkdir(parents=True, exist_ok=True)
    pretrain(config, output, silent=False, skip_last=True)
    return output / f"model{epochs - 1}.bin"


def finetune_config(
    best: Path, train_path: Path, dev_path: Path, steps: int, learn_rate: float = FINETUNE_LEARN_RATE,
    decay: bool = False, eval_frequency: int = FINETUNE_EVAL_FREQUENCY, seed: int | None = None,
) -> Config:
    """The config that goes on training the pipeline in ``best`` on ``train_path`` for ``steps`` updates of 1,000
    words at ``learn_rate`` (constant, or falling linearly to 0 over the steps with ``decay``), scoring on
    ``dev_path`` every ``eval_frequency`` updates."""
    config = load_config(best / "config.cfg")
    if config["components"]["tok2vec"].get("model", {}).get("embed", {}).get("include_static_vectors") is True:
        config["paths"]["vectors"] = str(best)  # the static vectors travel with the pipeline folder
    for name in ("tok2vec", "ner"):
        config["components"][name] = {"source": str(best)}
    config["paths"]["train"] = str(train_path)
    config["paths"]["dev"] = str(dev_path)
    config["training"].update({"max_steps": steps, "eval_frequency": eval_frequency})
    rate: object = learn_rate
    if decay:
        rate = {"@schedules": "warmup_linear.v1", "warmup_steps": 1, "total_steps": steps, "initial_rate": learn_rate}
    config["training"]["optimizer"]["learn_rate"] = rate
    config["training"]["batcher"]["size"] = {"@schedules": "constant.v1", "rate": 1000}
    if seed is not None:  # shuffling and dropout (runs of one recipe with other seeds can be averaged)
        config["system"]["seed"] = seed
    return config


def finetune_on_klue(
    best: Path, workdir: Path, dev_path: Path, steps: int, learn_rate: float = FINETUNE_LEARN_RATE,
    decay: bool = False, eval_frequency: int = FINETUNE_EVAL_FREQUENCY, train_name: str = KLUE_ONLY,
    seed: int | None = None,
) -> Path:
    """Go on training ``best`` on the KLUE sentences alone (MultiCoNER's annotation differs) for ``steps`` updates
    at a lower rate (:func:`finetune_config`); returns the best checkpoint on the tuning part (``best`` itself at
    step 0). Every evaluation's weights are kept in ``out-klue/steps/eval-NNN`` (:func:`keep_every_checkpoint`)."""
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as train_nlp

    config = finetune_config(best, workdir / train_name, dev_path, steps, learn_rate, decay, eval_frequency, seed)
    config.to_disk(workdir / "finetune.cfg")
    output = workdir / "out-klue"
    output.mkdir(parents=True, exist_ok=True)
    nlp = init_nlp(config, use_gpu=-1)
    keep_every_checkpoint(nlp, output / STEPS_DIR)
    train_nlp(nlp, output, use_gpu=-1, stdout=sys.stdout, stderr=sys.stderr)
    return output / "model-best"


def keep_every_checkpoint(nlp: Language, folder: Path) -> None:
    """Copy each ``model-last`` the training loop writes (once per evaluation, averaged weights) to
    ``folder/eval-NNN``; the loop's closing save of the same weights is not copied again."""
    folder.mkdir(parents=True, exist_ok=True)
    save = nlp.to_disk

    def to_disk(path: str | Path, **kwargs: Any) -> None:
        save(path, **kwargs)
        path = Path(path)
        if path.name != "model-last":
            return
        kept = sorted(folder.glob("eval-*"))
        if kept and filecmp.cmp(kept[-1] / "ner" / "model", path / "ner" / "model", shallow=False):
            return
        shutil.copytree(path, folder / f"eval-{len(kept):03d}")

    nlp.to_disk = to_disk  # type: ignore[method-assign]


def average_pipelines(folders: Sequence[Path], output: Path, dev_path: Path | None = None) -> Path:
    """Write the pipeline whose weights are the mean of ``folders``' (checkpoints of one run: same architecture,
    labels and lineage) to ``output``; with ``dev_path`` its scores there become the meta's ``performance``."""
    import spacy
    from spacy.training import Corpus

    from models.ner.averaging import average_into

    merged = average_into([spacy.load(folder) for folder in folders], ("tok2vec", "ner"))
    if dev_path is not None:
        scores = merged.evaluate(Corpus(str(dev_path))(merged))
        merged.meta["performance"] = {k: v for k, v in scores.items() if k.startswith("ents_")}
    merged.to_disk(output)
    return output


def write_docbins(root: Path, workdir: Path, multiconer_limit: int | None) -> tuple[Path, Path, AlignmentStats]:
    """Convert the training and tuning texts; returns both paths and the alignment counts."""
    config = load_config(CONFIG_PATH)
    nlp = load_model_from_config(config, auto_fill=True)
    stats = AlignmentStats()
    train_path = workdir / "train.spacy"
    dev_path = workdir / "dev.spacy"
    texts = training_texts(root, multiconer_limit)
    docs = list(to_docs(nlp, texts, stats))
    DocBin(docs=docs).to_disk(train_path)
    klue = [d for d, t in zip(docs, texts) if t.corpus == "klue"]
    DocBin(docs=klue).to_disk(workdir / KLUE_ONLY)
    tuning = list(to_docs(nlp, tuning_texts(root), AlignmentStats()))
    DocBin(docs=tuning).to_disk(dev_path)
    DocBin(docs=klue + tuning).to_disk(workdir / KLUE_WITH_TUNING)
    return train_path, dev_path, stats


def finish_artifact(
    best: Path, output: Path, alignment: str, seconds: float, multiconer_limit: int | None, pretraining: str,
    finetune_steps: int = 0, note: str = "", with_tuning: bool = False,
) -> None:
    """Copy the best checkpoint and record what it was trained on."""
    if output.exists():
        shutil.rmtree(output)
    shutil.copytree(best, output)
    meta_path = output / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update(
        {
            "name": MODEL_NAME,
            "version": MODEL_VERSION,
            "description": "Korean NER over Kiwi morphemes (evidex). Labels are the shared Evidex set.",
            "license": "CC BY-SA 4.0 (trained on KLUE-NER; see models/ner/LICENSE-DATA.md)",
            "sources": [
                {"name": "KLUE-NER v1.1", "license": "CC BY-SA 4.0", "url": "https://klue-benchmark.com"},
                {"name": "MultiCoNER v1 Korean", "license": "CC BY 4.0", "author": "Malmasi et al. 2022"},
            ],
            "evidex": {
                "training": "KLUE train 0-4499, KLUE dev 0-2999, MultiCoNER ko train "
                + (f"first {multiconer_limit} sentences" if multiconer_limit else "all sentences")
                + " (PER/LOC/CORP/GRP)"
                + (f", then up to {finetune_steps} updates on the KLUE sentences alone" if finetune_steps else "")
                + (f" (with KLUE {TUNING[0]} {TUNING[1]}-{TUNING[2] - 1} too)" if with_tuning else "")
                + note,
                "tok2vec_pretraining": pretraining,
                "checkpoint_selection": ("fixed beforehand (the tuning part is trained on)" if with_tuning
                                         else f"KLUE {TUNING[0]} {TUNING[1]}-{TUNING[2] - 1}"),
                "held_out": f"KLUE {HELD_OUT[0]} {HELD_OUT[1]}-{HELD_OUT[2] - 1} (never trained on)",
                "alignment": alignment,
                "train_seconds": round(seconds),
                "performance_note": ("'performance' above is on the tuning part, which this model learnt from"
                                     if with_tuning else
                                     "'performance' above is on the checkpoint-selection set, not the held-out part"),
            },
        }
    )
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    config = load_config(output / "config.cfg", interpolate=False)
    for key in ("train", "dev", "vectors"):  # the vectors are in the folder's vocab, not at a build path
        config["paths"][key] = None
    config.to_disk(output / "config.cfg")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-steps", type=int, default=None, help="override [training] max_steps")
    parser.add_argument("--workdir", type=Path, default=None, help="where DocBins and checkpoints go")
    parser.add_argument("--output", type=Path, default=ARTIFACT_PATH)
    parser.add_argument("--multiconer-limit", type=int, default=MULTICONER_LIMIT,
                        help=f"use only the first N MultiCoNER sentences (default {MULTICONER_LIMIT}; 0 for all)")
    parser.add_argument("--config", type=Path, default=CONFIG_PATH, help="training config (default ko_config.cfg)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="config override, e.g. components.tok2vec.model.encode.width=128 (repeatable)")
    parser.add_argument("--pretrain-epochs", type=int, default=PRETRAIN_EPOCHS,
                        help=f"epochs of tok2vec pretraining on the raw sentences (default {PRETRAIN_EPOCHS})")
    parser.add_argument("--init-tok2vec", type=Path, default=None,
                        help="pretrained tok2vec weights (skips pretraining)")
    parser.add_argument("--klue-finetune-steps", type=int, default=KLUE_FINETUNE_STEPS,
                        help=f"then train on KLUE alone for N updates (default {KLUE_FINETUNE_STEPS}; 0 for none)")
    parser.add_argument("--finetune-rate", type=float, default=FINETUNE_LEARN_RATE,
                        help=f"learning rate of the KLUE-only updates (default {FINETUNE_LEARN_RATE})")
    parser.add_argument("--finetune-decay", action="store_true",
                        help="let the KLUE-only rate fall linearly to 0 over the steps (default constant)")
    parser.add_argument("--finetune-eval-frequency", type=int, default=FINETUNE_EVAL_FREQUENCY,
                        help=f"score on the tuning part every N KLUE-only updates (default {FINETUNE_EVAL_FREQUENCY})")
    parser.add_argument("--finetune-seed", type=int, default=None,
                        help="seed of the KLUE-only updates (default: the pipeline's config's system.seed)")
    parser.add_argument("--from-model", type=Path, default=None,
                        help="skip the main training: KLUE-only updates from this pipeline folder")
    parser.add_argument("--average-from", type=int, default=None, metavar="K",
                        help="ship the mean of the KLUE-only run's checkpoints from evaluation K on (eval-000 is "
                             "the starting model) instead of its best one")
    parser.add_argument("--average", type=Path, nargs="+", default=None, metavar="DIR",
                        help="train nothing: ship the mean of these pipelines (checkpoints of one run)")
    parser.add_argument("--vectors", type=Path, default=None, metavar="DIR",
                        help="static vectors for the tok2vec (a folder from python -m models.ner.vectors_ko)")
    parser.add_argument("--klue-with-tuning", action="store_true",
                        help="the KLUE-only updates also learn from the tuning part (choose with --average-evals)")
    parser.add_argument("--average-evals", default=None, metavar="K,K…",
                        help="ship the mean of these evaluations of the KLUE-only run (eval-000 is the start)")
    parser.add_argument("--reuse-docbins", action="store_true",
                        help="keep train.spacy/dev.spacy already in --workdir (same data options)")
    args = parser.parse_args(argv)
    if args.klue_with_tuning and not (args.average_evals or args.average):
        parser.error("--klue-with-tuning trains on the tuning part, which then cannot choose the checkpoint: "
                     "name the evaluations to ship with --average-evals")

    from spacy.cli.train import train

    registrations.ensure_registered()
    root = corpus_root()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="evidex-ko-ner-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    limit = args.multiconer_limit or None
    alignment_path = workdir / "alignment.txt"
    reusable = [workdir / name for name in ("train.spacy", "dev.spacy", KLUE_ONLY, KLUE_WITH_TUNING)]
    reusable.append(alignment_path)
    if args.reuse_docbins and all(path.exists() for path in reusable):
        train_path, dev_path = workdir / "train.spacy", workdir / "dev.spacy"
    else:
        train_path, dev_path, stats = write_docbins(root, workdir, limit)
        alignment_path.write_text(stats.summary(), encoding="utf-8")
    alignment = alignment_path.read_text(encoding="utf-8")
    print(f"converted in {time.monotonic() - started:.0f}s; alignment: {alignment}", flush=True)
    overrides: dict[str, object] = {"paths.train": str(train_path), "paths.dev": str(dev_path)}
    init_tok2vec = args.init_tok2vec
    if init_tok2vec is None and args.pretrain_epochs > 0:
        init_tok2vec = pretrain_tok2vec(root, workdir, args.config, args.pretrain_epochs)
        print(f"pretrained tok2vec in {time.monotonic() - started:.0f}s", flush=True)
    if init_tok2vec is not None:
        overrides["paths.init_tok2vec"] = str(init_tok2vec)
    if args.max_steps is not None:
        overrides["training.max_steps"] = args.max_steps
    if args.vectors is not None:
        overrides["paths.vectors"] = str(args.vectors)
        overrides["components.tok2vec.model.embed.include_static_vectors"] = True
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key] = json.loads(value)
    averaged: list[Path] = list(args.average or [])
    steps = 0 if averaged else args.klue_finetune_steps
    if averaged:
        best = averaged[0]
    elif args.from_model is None:
        train(args.config, workdir / "out", use_gpu=-1, overrides=overrides)
        best = workdir / "out" / "model-best"
    else:
        best = args.from_model
    if steps > 0:
        best = finetune_on_klue(best, workdir, dev_path, steps, args.finetune_rate, args.finetune_decay,
                                args.finetune_eval_frequency, KLUE_WITH_TUNING if args.klue_with_tuning else KLUE_ONLY,
                                args.finetune_seed)
        kept = sorted((workdir / "out-klue" / STEPS_DIR).glob("eval-*"))
        if args.average_evals:
            averaged = [kept[int(k)] for k in args.average_evals.split(",")]
        elif args.average_from is not None:
            averaged = kept[args.average_from:]
    note = ""
    if averaged:
        best = average_pipelines(averaged, workdir / "averaged", dev_path)
        note = f"; weights: the mean of {len(averaged)} checkpoints ({', '.join(p.name for p in averaged)})"
    pretraining = "none"
    if init_tok2vec is not None:
        epochs = f"{args.pretrain_epochs} epoch(s)" if args.init_tok2vec is None else f"weights {init_tok2vec.name}"
        pretraining = f"spacy pretrain ([pretraining] of the config, characters objective) on raw_texts, {epochs}"
    if args.vectors is not None:
        note += "; static floret vectors (models.ner.vectors_ko) in the tok2vec"
    if args.klue_with_tuning and averaged:
        note += "; the mean's evaluations chosen beforehand"
    finish_artifact(best, args.output, alignment, time.monotonic() - started, limit, pretraining,
                    steps or (args.klue_finetune_steps if args.klue_with_tuning else 0), note, args.klue_with_tuning)
    print(f"wrote {args.output} in {time.monotonic() - started:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
