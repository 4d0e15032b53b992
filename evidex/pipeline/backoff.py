"""Waiting out an unavailable or timing-out Elasticsearch: retries with exponential backoff, then a typed stop.

Bulk writes are idempotent (every document has a stable id), so a request that failed half way is simply sent
again. When the cluster stays away longer than the run's budget, ``IndexUnavailable`` tells the flow to stop
the batch with a summary; the items not yet marked done stay pending for the next run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from evidex.node.local import NodeError

T = TypeVar("T")

OnWait = Callable[[float, str], None]
"""Told ``(seconds until the next try, why)`` before each wait."""

FIRST_DELAY_S = 1.0
MAX_DELAY_S = 15.0
RETRY_STATUSES = frozenset({408, 429, 502, 503, 504})


class IndexUnavailable(NodeError):
    """Elasticsearch did not answer within the run's budget; the message says for how long and why."""


def is_unavailable(exc: BaseException) -> bool:
    """True for errors that mean "the cluster is away or overloaded" rather than "this request is wrong"."""
    if isinstance(exc, IndexUnavailable):
        return True
    module = type(exc).__module__ or ""
    name = type(exc).__name__
    if module.startswith(("elastic_transport", "elasticsearch")) and name in {"ConnectionError", "ConnectionTimeout"}:
        return True
    status = getattr(getattr(exc, "meta", None), "status", None)
    if isinstance(status, int) and status in RETRY_STATUSES:
        return True
    return isinstance(exc, (NodeError, ConnectionError, TimeoutError))


def describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__


def with_backoff(call: Callable[[], T], budget_s: float, on_wait: OnWait | None = None,
                 what: str = "Elasticsearch") -> T:
    """``call()``, retried while it fails with an unavailability error, for at most ``budget_s`` seconds."""
    started = time.monotonic()
    delay = FIRST_DELAY_S
    while True:
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - only unavailability is retried, the rest goes on up
            if not is_unavailable(exc):
                raise
            waited = time.monotonic() - started
            if waited + delay > budget_s:
                raise IndexUnavailable(
                    f"{what} unavailable for {waited:.0f} s (budget {budget_s:g} s): {describe(exc)}") from exc
            if on_wait is not None:
                on_wait(delay, describe(exc))
            time.sleep(delay)
            delay = min(MAX_DELAY_S, delay * 2)
