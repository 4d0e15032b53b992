"""The ASGI app of Evidex's temporary Prefect server (``uvicorn --factory flows.tempapp:create``).

Prefect's own app (``prefect.server.api.server.create_app``) as an ephemeral, final server: no UI, only the
services an ephemeral server runs. One change, in this server's
process only: Prefect turns its settings into environment variables (a full serialisation of the settings tree
at every level of it) each time the app's start asks for a cache key or the logging set-up reads them, eight
times per boot; here each settings object is converted once, which is about a tenth of the boot's CPU. Prefect's
settings objects are not changed in place (new ones are made for temporary settings), so the same object
always gives the same variables.
"""

from __future__ import annotations

import functools
from typing import Any


def _memoize_environment_variables() -> None:
    from prefect.settings.base import PrefectBaseSettings

    convert = PrefectBaseSettings.to_environment_variables
    if getattr(convert, "evidex_memoized", False):
        return
    seen: dict[tuple, tuple[Any, dict[str, str]]] = {}

    @functools.wraps(convert)
    def once(self: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
        key = (id(self), args, tuple(sorted(kwargs.items())))
        if key not in seen:  # the object is kept with its result: its id is not reused meanwhile
            seen[key] = (self, convert(self, *args, **kwargs))
        return dict(seen[key][1])

    once.evidex_memoized = True  # type: ignore[attr-defined]
    PrefectBaseSettings.to_environment_variables = once  # type: ignore[method-assign]


def create() -> Any:
    """The app uvicorn serves."""
    _memoize_environment_variables()
    from prefect.server.api.server import create_app

    return create_app(ephemeral=True, final=True)
