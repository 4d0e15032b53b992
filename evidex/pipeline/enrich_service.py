"""The enrichment service: enrichment workers whose models stay loaded from batch to batch, for the runs of one
data directory, while ``evidex server start`` runs.

Loading the enrichment models costs each worker about 5 s of CPU (Kiwi alone 4 s): once a Prefect server
runs, most of a batch's fixed cost. The service (``python -m evidex.pipeline.enrich_service``, started and
stopped with the server) keeps ``enrich_workers`` workers with their models loaded and answers the runs of the
same data directory on a local socket: an abstract Unix socket named after the data directory, authenticated
with a key derived from the deployment's HMAC key, so only a process that can read that key may send texts or
read results. A run uses the service when it answers with the same configuration (key, NER and topic
switches, topic model file, code version); else, or when the service goes away during a batch, the run starts
its own workers and does the chunk again with them: nothing is lost, the loading is only paid again.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any

from evidex.settings import Settings, load_settings
from models.enrich import EnrichConfig

PROTOCOL = "evidex-enrich/1"
#: Seconds a run waits for the service's greeting (it answers at once when it runs).
HELLO_TIMEOUT_S = 5.0


def address(settings: Settings) -> str:
    """The service's socket for this data directory (Linux abstract namespace: no path length limit, no file)."""
    digest = hashlib.sha256(str(Path(settings.data_dir).resolve()).encode()).hexdigest()[:24]
    return f"\0evidex-enrich-{digest}"


def _authkey(config: EnrichConfig) -> bytes:
    return hmac.new(config.secret, b"evidex enrichment service", hashlib.sha256).digest()


def fingerprint(config: EnrichConfig) -> str:
    """What makes two configurations give the same enrichment: the key, the switches, the topic model file and
    the code (the modules that load and run the models); a retrained model or updated code changes it."""
    import models.enrich as enrich

    parts = [PROTOCOL, hashlib.sha256(config.secret).hexdigest(), str(config.ner), str(config.topics)]
    topics = enrich.topic_model_file(config) if config.topics else None
    for path in (topics, Path(enrich.__file__), Path(__file__).with_name("workers.py")):
        try:
            stat = path.stat() if path else None
            parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}" if stat else "-")
        except OSError:
            parts.append(f"{path}:missing")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class ServiceWorkers:
    """``TextWorkers``' interface over the service; its own workers take over if the service goes away."""

    def __init__(self, conn: Connection, config: EnrichConfig, workers: int, pid: int) -> None:
        self._conn, self._config, self._workers, self.pid = conn, config, workers, pid
        self._own: Any = None
        self._lock = threading.Lock()
        self.loaded_s = 0.0
        self.fallback: str | None = None
        """Why the run's own workers took over (the service went away), else None."""

    def loading(self) -> bool:
        return self._own is not None and self._own.loading()

    def await_models(self) -> float:
        return self._own.await_models() if self._own is not None else 0.0

    def run(self, texts: list[str], languages: list[str | None], streams: list[Any] | None = None) -> list[Any]:
        if not texts:
            return []
        if self._own is None:
            try:
                with self._lock:
                    self._conn.send(("run", texts, languages, streams))
                    kind, value = self._conn.recv()
            except (OSError, EOFError) as exc:
                self._take_over(f"{type(exc).__name__}: {exc}")
            else:
                if kind == "ok":
                    return value
                raise RuntimeError(f"the enrichment service failed: {value}")
        return self._own.run(texts, languages, streams)

    def _take_over(self, reason: str) -> None:
        from evidex.pipeline.workers import TextWorkers

        self.fallback = f"the enrichment service went away ({reason[:160]}); the run's own workers took over"
        self.close_connection()
        self._own = TextWorkers(self._config, self._workers)
        self._own.await_models()

    def close_connection(self) -> None:
        try:
            self._conn.close()
        except OSError:
            pass

    def close(self) -> None:
        self.close_connection()
        if self._own is not None:
            self._own.close()


def connect(settings: Settings, config: EnrichConfig) -> ServiceWorkers | None:
    """The service of this data directory when it runs with ``config``'s fingerprint, else None (at once when
    no service listens)."""
    if not settings.enrich_service:
        return None
    try:
        conn = Client(address(settings), family="AF_UNIX", authkey=_authkey(config))
    except Exception:  # noqa: BLE001 - refused (none listens), or another key: no service for this run
        return None
    try:
        conn.send(("hello", PROTOCOL))
        if not conn.poll(HELLO_TIMEOUT_S):
            raise TimeoutError("no greeting")
        kind, theirs, pid = conn.recv()
        if kind == "hello" and theirs == fingerprint(config):
            return ServiceWorkers(conn, config, settings.enrich_workers, int(pid))
    except (OSError, EOFError, TimeoutError, ValueError):
        pass
    conn.close()
    return None


def serve(settings: Settings, ready: Any = None) -> None:
    """Load the workers' models, then answer runs until SIGTERM (``ready()`` is called once listening)."""
    from evidex.pipeline.batch import enrich_config
    from evidex.pipeline.workers import TextWorkers

    config = enrich_config(settings)
    workers = TextWorkers(config, settings.enrich_workers)
    started = time.perf_counter()
    workers.await_models()
    if workers.local is not None:  # one worker, in this process: its models are loaded here, now
        workers.local.warm()
    mine = fingerprint(config)
    listener = Listener(address(settings), family="AF_UNIX", authkey=_authkey(config))
    one_at_a_time = threading.Lock() if workers.workers == 1 else None  # one in-process Enricher: no threads in it
    _log(f"models loaded in {time.perf_counter() - started:.1f} s by {workers.workers} worker(s); listening")
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if ready is not None:
        ready()
    while True:
        try:
            conn = listener.accept()
        except Exception as exc:  # noqa: BLE001 - a client with the wrong key, or one that hung up
            _log(f"refused a connection ({type(exc).__name__})")
            continue
        threading.Thread(target=_answer, args=(conn, workers, mine, one_at_a_time), daemon=True).start()


def _answer(conn: Connection, workers: Any, mine: str, lock: threading.Lock | None) -> None:
    try:
        hello = conn.recv()
        if not (isinstance(hello, tuple) and hello[:1] == ("hello",)):
            return
        conn.send(("hello", mine, os.getpid()))
        while True:
            request = conn.recv()
            if request[0] != "run":
                return
            try:
                if lock is not None:
                    with lock:
                        result = workers.run(*request[1:])
                else:
                    result = workers.run(*request[1:])
                conn.send(("ok", result))
            except Exception as exc:  # noqa: BLE001 - the run raises it as its own chunk's failure
                conn.send(("error", f"{type(exc).__name__}: {str(exc)[:300]}"))
    except (EOFError, OSError):
        return
    finally:
        conn.close()


def _log(message: str) -> None:
    sys.stdout.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} enrichment service: {message}\n")
    sys.stdout.flush()


def main() -> None:
    from evidex.pipeline.runlog import route_library_output

    settings = load_settings()
    route_library_output(settings.data_dir)
    serve(settings)


if __name__ == "__main__":
    main()
