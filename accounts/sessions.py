"""A user's own sign-in sessions: which are open, and ending them (the security page).

Each :class:`~accounts.models.AuthSession` is one sign-in and the family of its refresh tokens. Ending
one sets ``revoked_at``, which is all it takes to end everything it issued: :func:`service.authenticate`
refuses its access tokens on the next request (every request checks the session row), and
:func:`service.refresh` refuses its refresh tokens before looking at them, so a browser holding its
cookies is signed out at its next page, whether its access token was still fresh or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accounts import repository
from accounts.service import Ctx, Principal, aware, now_utc, record
from core.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class SessionView:
    id: str
    method: str
    created_at: datetime
    last_seen_at: datetime | None
    expires_at: datetime
    user_agent: str | None
    source_ip: str | None
    current: bool


def open_sessions(session: Session, principal: Principal) -> list[SessionView]:
    """The caller's sessions that still sign in, the current one first, then the most recently seen."""
    rows = repository.active_sessions_of_user(session, principal.user_id, now_utc())
    views = [
        SessionView(
            id=row.id,
            method=row.method,
            created_at=aware(row.created_at) or row.created_at,
            last_seen_at=aware(row.last_seen_at),
            expires_at=aware(row.expires_at) or row.expires_at,
            user_agent=row.user_agent,
            source_ip=row.source_ip,
            current=row.id == principal.session_id,
        )
        for row in rows
    ]
    return sorted(views, key=lambda v: not v.current)


def end_session(session: Session, ctx: Ctx, principal: Principal, session_id: str) -> None:
    """Signs out one of the caller's other sessions (the current one signs out with Logout)."""
    if session_id == principal.session_id:
        raise InvalidInput("this is the session you are using: sign out of it with Logout")
    auth = repository.auth_session(session, session_id)
    if auth is None or auth.user_id != principal.user_id:
        raise NotFound("no such session on your account")
    if auth.revoked_at is None:
        auth.revoked_at = now_utc()
        auth.revoked_reason = "signed_out_by_user"
    record(
        session,
        ctx,
        "session.ended",
        "success",
        tenant_id=principal.tenant_id,
        actor=principal.actor,
        target=f"session:{auth.id}",
        details={"by_session": principal.session_id},
    )


def end_other_sessions(session: Session, ctx: Ctx, principal: Principal) -> int:
    """Signs out every session of the caller but the current one; returns how many were open."""
    ended = repository.revoke_other_sessions(
        session, principal.user_id, principal.session_id, now_utc(), "signed_out_by_user"
    )
    record(
        session,
        ctx,
        "session.ended_others",
        "success",
        tenant_id=principal.tenant_id,
        actor=principal.actor,
        target=f"user:{principal.user_id}",
        details={"ended": ended, "kept": principal.session_id},
    )
    return ended
