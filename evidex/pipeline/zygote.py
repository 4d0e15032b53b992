"""A fork server that has loaded the enrichment models: the workers forked from it start with them loaded.

Each enrichment worker used to load its own models (Kiwi and the model it builds on its first analysis, the NER
pipelines, the topic model: ~5 s of CPU each), two workers at once on a two-core machine, beside Prefect's start.
Here one process loads them once, as the batch starts, and the workers are forked from it: they share its memory
and are ready as soon as they exist.

It is :mod:`multiprocessing`'s own fork server (a fresh interpreter, not a fork of the run and its threads) with
the models as its preload, as a second instance beside the standard one: extraction workers keep forking from
that one and never wait for the models. Kiwi is loaded without its thread pool, which does not survive a fork
(:func:`models.ner.morphemes.load_single_threaded`).

The server lives as long as the process that started it, so a later batch of the same process (the enrichment
service, a long-lived worker) forks from it at once, or until a batch that runs other models replaces it.
"""

from __future__ import annotations

import io
import json
import logging
import os
import threading
import time
from multiprocessing import context, forkserver, popen_forkserver, spawn, util
from pathlib import Path
from typing import Any

from models.enrich import EnrichConfig, Enricher, topic_model_file

log = logging.getLogger(__name__)

PRELOAD_ENV = "EVIDEX_ENRICH_PRELOAD"
"""How the run tells its fork server which models to load (the server is a fresh interpreter)."""
PRELOAD_MODULE = "evidex.pipeline.zygote_preload"

_lock = threading.Lock()
_servers: dict[str, tuple[forkserver.ForkServer, int]] = {}
"""This process's model servers by :func:`models_key`, with the number of pools using each."""

preloaded: Enricher | None = None
"""In the fork server and the workers forked from it: the enricher whose models it loaded."""
preload_s = 0.0
"""In the same processes: how long the server took to load them."""


def models_key(config: EnrichConfig) -> str:
    """What decides which models a worker of ``config`` runs (the key is not part of it: it only keys tokens).
    A retrained topic model file is another key, so a server never hands out a model that was replaced."""
    stamp: list[int] = []
    if config.topics:
        try:
            info = topic_model_file(config).stat()
            stamp = [info.st_mtime_ns, info.st_size]
        except OSError:
            stamp = []
    return json.dumps({"ner": config.ner, "topics": config.topics,
                       "topics_dir": str(config.topics_dir) if config.topics_dir else None, "stamp": stamp},
                      sort_keys=True)


def context_for(config: EnrichConfig) -> context.BaseContext:
    """A multiprocessing context whose processes are forked from a server that loads ``config``'s models
    (started now if this process has none for them, or again if it died; it loads them while the caller goes on).
    Call :func:`release` with the same configuration when its pool is shut down.

    Raises:
        OSError: the server could not be started (the caller then uses the standard fork server).
    """
    key = models_key(config)
    with _lock:
        for other, (server, users) in list(_servers.items()):
            if other != key and users == 0:  # no pool uses it (stopping a server ends its workers)
                _stop(server)
                del _servers[other]
        server, users = _servers.get(key) or (forkserver.ForkServer(), 0)
        server.set_forkserver_preload([PRELOAD_MODULE])
        previous = os.environ.get(PRELOAD_ENV)
        os.environ[PRELOAD_ENV] = key  # read by the server as it starts
        try:
            try:
                server.ensure_running()  # starts it again if it died
            except ChildProcessError:  # it died and was reaped by someone else: a new one
                server = forkserver.ForkServer()
                server.set_forkserver_preload([PRELOAD_MODULE])
                server.ensure_running()
        finally:
            if previous is None:
                os.environ.pop(PRELOAD_ENV, None)
            else:
                os.environ[PRELOAD_ENV] = previous
        _servers[key] = (server, users + 1)
    return _ZygoteContext(key)


def release(config: EnrichConfig) -> None:
    """A pool of ``config`` is shut down: its server stays for the next one, or for another configuration to
    replace."""
    key = models_key(config)
    with _lock:
        if key in _servers:
            server, users = _servers[key]
            _servers[key] = (server, max(0, users - 1))


def stop() -> None:
    """Stop this process's model servers (the workers forked from them end with them)."""
    with _lock:
        for server, _ in _servers.values():
            _stop(server)
        _servers.clear()


def server_pid(config: EnrichConfig) -> int | None:
    """The process id of the model server for ``config``, None when this process has none."""
    entry = _servers.get(models_key(config))
    return entry[0]._forkserver_pid if entry else None


def _stop(server: forkserver.ForkServer) -> None:
    try:
        server._stop()
    except OSError:
        pass


def load_preloaded() -> None:
    """In the fork server as it starts: load the models the environment names. Never raises (an exception here
    would end the server): a model that cannot load is loaded again by each worker, which says why."""
    global preloaded, preload_s
    spec = os.environ.pop(PRELOAD_ENV, None)  # the workers forked from here must not see it
    if not spec:
        return
    started = time.perf_counter()
    try:
        from models.ner.morphemes import load_single_threaded

        wanted = json.loads(spec)
        load_single_threaded()
        topics_dir = Path(wanted["topics_dir"]) if wanted.get("topics_dir") else None
        enricher = Enricher(EnrichConfig(b"", bool(wanted["ner"]), bool(wanted["topics"]), topics_dir))
        enricher.warm()
        preloaded = enricher
    except Exception:  # noqa: BLE001 - see the docstring
        log.warning("the enrichment models could not be preloaded; each worker loads its own", exc_info=True)
    preload_s = time.perf_counter() - started


def adopt(enricher: Enricher) -> None:
    """Give ``enricher`` the models this process inherited from its server, where they are the ones it runs."""
    if preloaded is not None:
        enricher.adopt(preloaded)


class _ZygotePopen(popen_forkserver.Popen):
    """Starts a process through a model server instead of the standard one (otherwise the same steps as
    :class:`multiprocessing.popen_forkserver.Popen`: the child's preparation data and process object are
    written to the pipe the server hands the new child, and the server sends back its pid)."""

    def _launch(self, process_obj: Any) -> None:
        entry = _servers.get(process_obj.zygote_key)
        if entry is None:
            raise OSError("the enrichment model server was stopped")
        data = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            context.reduction.dump(spawn.get_preparation_data(process_obj._name), data)
            context.reduction.dump(process_obj, data)
        finally:
            context.set_spawning_popen(None)
        self.sentinel, write_fd = entry[0].connect_to_new_process(self._fds)
        kept = os.dup(write_fd)  # the child watches this end to know its parent is alive
        self.finalizer = util.Finalize(self, util.close_fds, (kept, self.sentinel))
        with open(write_fd, "wb", closefd=True) as pipe:
            pipe.write(data.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _ZygoteProcess(context.ForkServerProcess):
    zygote_key = ""

    @staticmethod
    def _Popen(process_obj: Any) -> _ZygotePopen:  # noqa: N802 - multiprocessing's name
        return _ZygotePopen(process_obj)


class _ZygoteContext(context.ForkServerContext):
    def __init__(self, key: str) -> None:
        super().__init__()
        self._key = key

    def Process(self, *args: Any, **kwargs: Any) -> _ZygoteProcess:  # type: ignore[override]  # noqa: N802
        process = _ZygoteProcess(*args, **kwargs)
        process.zygote_key = self._key
        return process
