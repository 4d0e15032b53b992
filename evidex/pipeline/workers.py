"""CPU-heavy text work (enrichment models and index-time analysis) in worker processes.

The workers are forked from a server that has loaded the models once (spaCy, the Korean NER pipeline, Kiwi, the
topic classifier; :mod:`evidex.pipeline.zygote`), and then serve slices of chunks. With one worker everything
runs in the calling process instead.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from dataclasses import replace
from pathlib import Path
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from evidex.pipeline import zygote
from evidex.pipeline.lifeline import arm_worker
from evidex.pipeline.pii_count import count_identifiers_in_file
from index_config.analysis import analyse_many
from index_config.documents import MAX_INDEXED_CHARS
from models.enrich import EnrichConfig, Enricher
from models.identifiers.tokens import blank_identifiers
from models.types import Enrichment

TextResult = tuple[Enrichment, tuple[str, str]]
Stream = tuple[Path, str] | None

_worker_enricher: Enricher | None = None
_loaded_s = 0.0


def _init_worker(config: EnrichConfig, main_pid: int) -> None:
    global _worker_enricher, _loaded_s
    arm_worker(main_pid)  # never outlive the run (parent-death signal and a watchdog on the main process)
    started = time.perf_counter()
    _worker_enricher = Enricher(config)
    zygote.adopt(_worker_enricher)  # the models its server loaded, when they are the ones it runs
    try:
        _worker_enricher.warm()  # the models load as the worker starts, not with its first slice
    except Exception:  # noqa: BLE001 - a model that cannot load says why where it is used, per chunk
        pass
    _loaded_s = time.perf_counter() - started


def _ready() -> float:
    """How long the worker that runs this took to load its models (its server's load included)."""
    return zygote.preload_s + _loaded_s if _worker_enricher is not None else 0.0


def _run_slice(texts: list[str], languages: list[str | None], streams: list[Stream]) -> list[TextResult]:
    assert _worker_enricher is not None
    return _enrich(_worker_enricher, texts, languages, streams)


def _enrich(enricher: Enricher, texts: list[str], languages: list[str | None],
            streams: list[Stream]) -> list[TextResult]:
    from models.ner.morphemes import document_morphemes, for_analysis  # in the workers: spaCy stays out of the run

    morphemes = document_morphemes(texts)  # Kiwi once per Korean text, shared by the NER and index analysis
    enrichments = enricher.enrich_many(texts, languages, morphemes)
    for i, stream in enumerate(streams):
        if stream is not None:  # the text was cut: count identifiers over the whole stored file
            pii = count_identifiers_in_file(stream[0], stream[1], enricher.config.secret)
            enrichments[i] = replace(enrichments[i], pii=pii)
    # index-time analysis never sees an identifier: its digits must not become searchable morphemes
    blanked = [blank_identifiers(t, e.entities) for t, e in zip(texts, enrichments)]
    kept = [for_analysis(m, e.entities) for m, e in zip(morphemes, enrichments)]
    return list(zip(enrichments, _analyse(blanked, kept)))


def _analyse(texts: list[str], morphemes: list[Any] | None = None) -> list[tuple[str, str]]:
    return analyse_many([t[:MAX_INDEXED_CHARS] for t in texts], morphemes)


class TextWorkers:
    """Enrich and analyse texts, split over ``workers`` processes."""

    def __init__(self, config: EnrichConfig, workers: int) -> None:
        self.workers = max(1, workers)
        self._local: Enricher | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._loading: list[Any] = []
        self._starter: threading.Thread | None = None
        self._zygote = False
        self.loaded_s = 0.0
        """The longest a worker took to load its models (known once the first texts were given)."""
        if self.workers == 1:
            self._local = Enricher(config)
        else:
            self._config = config
            try:
                mp_context = zygote.context_for(config)  # the server starts loading the models now
                self._zygote = True
            except OSError:
                mp_context = multiprocessing.get_context("forkserver")
            self._pool = self._new_pool(mp_context)
            # the workers fork once their server has the models: started from a thread, so the run goes on
            self._starter = threading.Thread(target=self._start_workers, name="evidex-enrich-start", daemon=True)
            self._starter.start()

    def _new_pool(self, mp_context: Any) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=mp_context, initializer=_init_worker,
                                   initargs=(self._config, os.getpid()))

    def _start_workers(self) -> None:
        assert self._pool is not None
        try:
            self._loading = [self._pool.submit(_ready) for _ in range(self.workers)]
        except Exception:  # noqa: BLE001 - the model server failed: workers that load their own models
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool(multiprocessing.get_context("forkserver"))
            self._loading = [self._pool.submit(_ready) for _ in range(self.workers)]

    def _started(self) -> None:
        if self._starter is not None:
            self._starter.join()
            self._starter = None

    @property
    def local(self) -> Enricher | None:
        """The in-process enricher when there is one worker, else None."""
        return self._local

    def loading(self) -> bool:
        """True until :meth:`await_models` has seen the workers' models loaded."""
        return self._starter is not None or bool(self._loading)

    def await_models(self) -> float:
        """Wait until the workers have loaded their models; the seconds waited (0 once they are loaded, and
        with one worker, whose models load in this process as they are first used)."""
        started = time.perf_counter()
        self._started()
        if not self._loading:
            return time.perf_counter() - started
        try:
            self.loaded_s = max(f.result() for f in self._loading)
        except Exception:  # noqa: BLE001 - a worker that died: the texts' own call says so
            pass
        self._loading = []
        return time.perf_counter() - started

    def run(self, texts: list[str], languages: list[str | None],
            streams: list[Stream] | None = None) -> list[TextResult]:
        """Enrichment and ``(text_ko, text_en)`` for each text, in order.

        ``streams[i]`` = (stored file, encoding) when text ``i`` was cut: its identifiers are counted whole.
        """
        if not texts:
            return []
        streams = streams or [None] * len(texts)
        if self._local is not None:
            return _enrich(self._local, texts, languages, streams)
        self._started()
        assert self._pool is not None
        slices = _balanced_slices(texts, self.workers)
        futures = [self._pool.submit(_run_slice, [texts[i] for i in idx], [languages[i] for i in idx],
                                     [streams[i] for i in idx])
                   for idx in slices]
        results: list[Any] = [None] * len(texts)
        for idx, future in zip(slices, futures):
            for i, value in zip(idx, future.result()):
                results[i] = value
        return results

    def close(self) -> None:
        self._started()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._zygote:
            zygote.release(self._config)
            self._zygote = False


def _balanced_slices(texts: list[str], parts: int) -> list[list[int]]:
    """Split indices into ``parts`` groups of similar total text length (longest first, greedy)."""
    groups: list[list[int]] = [[] for _ in range(parts)]
    sizes = [0] * parts
    for i in sorted(range(len(texts)), key=lambda k: -len(texts[k])):
        target = sizes.index(min(sizes))
        groups[target].append(i)
        sizes[target] += len(texts[i]) + 1
    return [sorted(g) for g in groups if g]
