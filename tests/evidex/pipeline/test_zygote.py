"""Enrichment workers forked from a server that loaded the models once (``evidex.pipeline.zygote``): real
processes and the shipped models; the workers inherit the models and give the same results as the run's own
process, a second pool reuses the server, other models get another, and a server that died is started again."""

from __future__ import annotations

import os
import signal
import time

from evidex.pipeline import zygote
from evidex.pipeline.workers import TextWorkers
from models.enrich import EnrichConfig

SECRET = b"zygote-test-key-0123456789abcdef"
LONG = "개인정보보호위원회는 넥스트데이터랩의 유출 사고를 조사했다. " * 900  # over one Kiwi piece (20,000 chars)
TEXTS = ["개인정보 유출 사고로 김철수 팀장이 서울에서 010-2345-6789 번호로 연락했다.",
         "John Smith of Microsoft visited Seoul on Monday about the breach.",
         "노라로누은 중심으로 누아사가 블루문서버를 옮겼다. Kim Minsu of Nextdata Lab joined.",
         LONG]
LANGUAGES = ["ko", "en", "ko", "ko"]


def _probe() -> tuple[int, bool, bool, float, float]:
    """In a worker: its parent, whether it inherited the models and a Kiwi without a pool, its own load time
    and its server's."""
    from evidex.pipeline import workers
    from models.ner import morphemes

    return (os.getppid(), zygote.preloaded is not None, morphemes._single_threaded, workers._loaded_s,
            zygote.preload_s)


def _running(pid: int) -> bool:
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def _probes(pool: TextWorkers) -> list[tuple[int, bool, bool, float, float]]:
    assert pool._pool is not None
    return [pool._pool.submit(_probe).result(timeout=120) for _ in range(4)]


def test_workers_start_with_the_servers_models_and_enrich_as_the_run_would() -> None:
    config = EnrichConfig(SECRET)
    pool = TextWorkers(config, 2)
    try:
        pool.await_models()
        server = zygote.server_pid(config)
        assert server is not None
        for parent, inherited, single, own_s, server_s in _probes(pool):
            assert parent == server and inherited and single
            assert own_s < server_s / 4, (own_s, server_s)  # the worker adopted the models, it did not load them
        forked = pool.run(TEXTS, LANGUAGES)
    finally:
        pool.close()
    own = TextWorkers(config, 1).run(TEXTS, LANGUAGES)  # this process: a Kiwi with its thread pool
    assert forked == own
    assert {"PERSON", "PHONE"} <= {e.label for e in forked[0][0].entities}
    assert "010-2345-6789" not in forked[0][1][0]

    again = TextWorkers(config, 2)  # the next pool of the process forks from the same server
    try:
        assert again.await_models() < 60
        assert zygote.server_pid(config) == server
        assert {p[0] for p in _probes(again)} == {server}
    finally:
        again.close()


def test_other_models_get_another_server_and_a_dead_server_is_started_again() -> None:
    config = EnrichConfig(SECRET)
    first = TextWorkers(config, 2)
    first.await_models()
    server = zygote.server_pid(config)
    assert server is not None
    other = EnrichConfig(SECRET, topics=False)
    second = TextWorkers(other, 2)  # the first pool still uses its server: both stay
    try:
        second.await_models()
        assert zygote.server_pid(config) == server
        assert zygote.server_pid(other) not in (None, server)
        assert all(e.topics == () for e, _ in second.run(TEXTS[:2], LANGUAGES[:2]))
    finally:
        first.close()
        second.close()
    third = TextWorkers(other, 2)  # no pool uses the first server any more: it is stopped
    third.close()
    assert zygote.server_pid(config) is None

    dead = zygote.server_pid(other)
    assert dead is not None
    os.kill(dead, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _running(dead) and time.monotonic() < deadline:
        time.sleep(0.1)
    revived = TextWorkers(other, 2)
    try:
        revived.await_models()
        assert zygote.server_pid(other) not in (None, dead)
        assert revived.run(TEXTS[:2], LANGUAGES[:2]) == TextWorkers(other, 1).run(TEXTS[:2], LANGUAGES[:2])
    finally:
        revived.close()
