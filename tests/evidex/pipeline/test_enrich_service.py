"""The enrichment service (``evidex.pipeline.enrich_service``): a real service process with the shipped models,
the same results as a run's own workers, refused with another key, and nothing lost when it goes away."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from evidex.pipeline.batch import enrich_config, start_text_workers
from evidex.pipeline.enrich_service import ServiceWorkers
from evidex.pipeline.workers import TextWorkers
from evidex.settings import load_settings
from flows.serverctl import enricher_running, start_enricher, stop_enricher

PHONE = "010-2345-6789"
TEXTS = [f"개인정보 유출 사고로 김철수 팀장이 서울에서 {PHONE} 번호로 연락했다.",
         "John Smith of Microsoft visited Seoul on Monday about the breach."]
LANGUAGES = ["ko", "en"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_service_enriches_as_the_run_would_and_the_run_takes_over_when_it_dies(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "evidex.toml").write_text('hmac_secret = "service-test"\nenrich_workers = 1\n')
    settings = load_settings(data_dir=data, hmac_secret="service-test", enrich_workers=1)
    pid = start_enricher(settings)
    try:
        assert enricher_running(settings) == pid
        workers = start_text_workers(settings)
        assert isinstance(workers, ServiceWorkers) and workers.pid == pid
        served = workers.run(TEXTS, LANGUAGES, [None, None])
        own = TextWorkers(enrich_config(settings), 1).run(TEXTS, LANGUAGES, [None, None])
        assert served == own
        assert "PHONE" in {e.label for e in served[0][0].entities}
        assert PHONE not in served[0][1][0]  # the index analysis never sees the raw identifier

        # another deployment's key: the service is not theirs, the run uses its own workers
        other = load_settings(data_dir=data, hmac_secret="another-key", enrich_workers=1)
        theirs = start_text_workers(other)
        assert isinstance(theirs, TextWorkers)
        theirs.close()

        # the service goes away during the batch: the run's own workers enrich the chunk again, the same way
        os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        again = workers.run(TEXTS, LANGUAGES, [None, None])
        assert again == own
        assert workers.fallback and "took over" in workers.fallback
        workers.close()
    finally:
        stop_enricher(settings)
    assert enricher_running(settings) is None
