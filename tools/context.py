"""What a tool needs from the run: database sessions, the cache, settings, and the caller.

The tenant and user come from here, never from model arguments.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings


@dataclass
class ToolContext:
    session_factory: sessionmaker[Session]
    settings: Settings
    cache: Any = None
    tenant_id: str | None = None
    user_id: str | None = None

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
