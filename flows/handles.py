"""Process-local handles for what a flow must not receive as a parameter.

Prefect records every flow parameter in its database. Settings carry credentials and the HMAC key, batch
specs carry passwords, so flows receive an opaque handle plus a few descriptive strings (agency, case,
source) and look the objects up here. Flows started through ``flows.runtime`` run in the same process.
"""

from __future__ import annotations

import uuid
from typing import Any

_held: dict[str, tuple[Any, ...]] = {}


def hold(*objects: Any) -> str:
    """Keep ``objects`` for one flow run and return the handle naming them."""
    key = uuid.uuid4().hex
    _held[key] = objects
    return key


def take(key: str) -> tuple[Any, ...]:
    try:
        return _held[key]
    except KeyError:
        raise LookupError(f"no objects held under {key!r}: flows must be started through flows.runtime") from None


def release(key: str) -> None:
    _held.pop(key, None)
