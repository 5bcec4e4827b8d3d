"""What a tool needs from the run: database sessions, the cache, settings, and the caller.

The tenant and user come from here, never from model arguments. The caller of a run (who is signed
in, and the request's source for the audit log) travels in a context variable that the API sets
around each run (:func:`acting_as`); the graph and its tool threads inherit it. Tools that act for
a user (bookings, billing) refuse to run without one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from accounts.errors import NotAuthenticated
from accounts.service import Ctx, Principal
from core.db import session_scope
from core.settings import Settings


@dataclass(frozen=True)
class Caller:
    """Who a run acts for: the signed-in principal and the request context (source, bus)."""

    principal: Principal
    ctx: Ctx


_caller: ContextVar[Caller | None] = ContextVar("gpubroker_run_caller", default=None)


@contextmanager
def acting_as(caller: Caller | None) -> Iterator[None]:
    """Run the enclosed graph steps on behalf of ``caller`` (None: an anonymous, in-process run)."""
    token = _caller.set(caller)
    try:
        yield
    finally:
        _caller.reset(token)


def current_caller() -> Caller:
    """The run's caller; tools acting for a user raise 401 when the run has none (evals, scripts)."""
    caller = _caller.get()
    if caller is None:
        raise NotAuthenticated("sign in to book or see bookings and invoices")
    return caller


@dataclass
class ToolContext:
    session_factory: sessionmaker[Session]
    settings: Settings
    cache: Any = None
    tenant_id: str | None = None
    user_id: str | None = None

    @contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """A unit of work; ``read_only``: reads only, each statement its own transaction on PostgreSQL (no
        BEGIN and COMMIT round trips; under READ COMMITTED every statement takes its own snapshot anyway)."""
        with session_scope(self.session_factory, autocommit=read_only) as session:
            yield session
