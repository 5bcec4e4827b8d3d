"""Request trace ids and logging setup.

A trace id follows one request (or one CLI run) through logs, error envelopes and events.
"""

from __future__ import annotations

import contextvars
import logging
import uuid

_trace_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("trace_id", default=None)


def new_trace_id() -> str:
    return uuid.uuid4().hex


def set_trace_id(value: str | None) -> contextvars.Token[str | None]:
    return _trace_id.set(value)


def reset_trace_id(token: contextvars.Token[str | None]) -> None:
    _trace_id.reset(token)


def current_trace_id() -> str | None:
    return _trace_id.get()


def configure_logging(level: str = "info") -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
