"""FastAPI dependencies shared by every router, as ``Annotated`` aliases.

The application object keeps the engine's session factory, the cache and the bus on ``app.state``;
these dependencies hand them to routes. A request owns one session and commits at its end.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from core.settings import Settings as SettingsModel


def get_session(request: Request) -> Iterator[Session]:
    session: Session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_cache(request: Request) -> Any:
    return request.app.state.cache


def get_bus(request: Request) -> Any:
    return request.app.state.bus


def get_app_settings(request: Request) -> SettingsModel:
    settings: SettingsModel = request.app.state.settings
    return settings


# scope="function": the commit runs before the response is sent. FastAPI's default for dependencies
# with yield ("request") ends them after the response has gone out, so a client could read its own
# write before it was committed, and a failed commit would be lost behind a 2xx already sent.
DbSession = Annotated[Session, Depends(get_session, scope="function")]
CacheDep = Annotated[Any, Depends(get_cache)]
BusDep = Annotated[Any, Depends(get_bus)]
SettingsDep = Annotated[SettingsModel, Depends(get_app_settings)]
