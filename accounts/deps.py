"""FastAPI dependencies of accounts, as ``Annotated`` aliases.

``CurrentUser`` is the signed-in caller (401 without a valid access token or team API key, sent as
``Authorization: Bearer`` or ``X-Api-Key``); ``require(action)`` adds the policy check (403, audited), and
for an API key its scopes, and is how every protected route names its action.
``AccountsDb`` is the request's session with one difference from ``core.deps.DbSession``: an error
marked ``persist`` (a failed sign-in, a reused refresh token) commits what was written before it,
so counters, revocations and audit entries survive the failed request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from accounts import api_keys, service
from accounts.audit import Source
from accounts.errors import NotAuthenticated, PermissionDenied
from accounts.policy import Action, allowed, key_allows
from accounts.service import Ctx, Principal
from core.db import session_scope
from core.observability import current_trace_id

bearer = HTTPBearer(auto_error=False, description="an access token from POST /auth/login, or a team API key")
api_key_header = APIKeyHeader(name="X-Api-Key", auto_error=False, description="a team API key (gbk_...)")


@contextmanager
def accounts_unit(request: Request) -> Iterator[Session]:
    """A unit of work for accounts calls: an error marked ``persist`` (a failed sign-in, a reused
    refresh token) still commits its trace (lockout counters, audit entries) before it propagates."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException as exc:
        if getattr(exc, "persist", False):
            session.commit()
        else:
            session.rollback()
        raise
    finally:
        session.close()


def get_accounts_session(request: Request) -> Iterator[Session]:
    with accounts_unit(request) as session:
        yield session


def request_source(request: HTTPConnection) -> Source:
    return Source(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
        trace_id=current_trace_id(),
    )


def get_ctx(request: HTTPConnection) -> Ctx:
    state = request.app.state
    return Ctx(
        settings=state.settings,
        source=request_source(request),
        bus=getattr(state, "bus", None),
        limiter=getattr(state, "rate_limiter", None),
        tenant_limits=getattr(state, "tenant_limits", None),
    )


def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    api_key: Annotated[str | None, Depends(api_key_header)],
) -> Principal:
    token = credentials.credentials if credentials is not None else api_key
    if not token:
        raise NotAuthenticated(
            "sign in first: send 'Authorization: Bearer <access token>' or 'X-Api-Key: <team API key>'"
        )
    # Its own short unit of work, so a long streamed response does not hold a session open. A token's check is
    # one query: no transaction around it. An API key's may write its last use (in a savepoint): a transaction.
    factory = request.app.state.session_factory
    if api_keys.is_api_key(token):
        with session_scope(factory) as session:
            principal = api_keys.authenticate(session, token)
    else:
        with session_scope(factory, autocommit=True) as session:
            principal = service.authenticate(session, request.app.state.settings, token)
    request.state.principal = principal
    return principal


CurrentUser = Annotated[Principal, Depends(current_user)]
# Committed before the response is sent (see core.deps.DbSession).
AccountsDb = Annotated[Session, Depends(get_accounts_session, scope="function")]
AccountsCtx = Annotated[Ctx, Depends(get_ctx)]


def require(action: Action) -> Callable[[Request, Principal], Awaitable[Principal]]:
    """A dependency that lets the caller through only if the policy allows their role ``action``.

    Async: an allowed caller is a lookup in the policy table, done on the event loop (a sync dependency
    costs every request a hop to the thread pool and back); only a refusal writes, in the pool."""

    async def dependency(request: Request, principal: CurrentUser) -> Principal:
        by_key = principal.api_key_id is None or key_allows(principal.scopes, action)
        if not (allowed(principal.role, action) and by_key):

            def record() -> None:
                with session_scope(request.app.state.session_factory) as session:
                    service.record_denied(
                        session, get_ctx(request), principal, action.value, request.url.path
                    )

            await run_in_threadpool(record)
            reason = (
                f"your role ({principal.role}) may not do this ({action.value})"
                if by_key
                else f"this API key's scopes ({', '.join(sorted(principal.scopes)) or 'none'}) do not allow "
                f"{action.value}"
            )
            raise PermissionDenied(reason, details={"action": action.value, "role": principal.role})
        return principal

    dependency.__policy_action__ = action  # type: ignore[attr-defined]
    dependency.__name__ = f"require_{action.name.lower()}"
    return dependency


# One alias per action, so a route's signature names what it needs.
CanReadAccount = Annotated[Principal, Depends(require(Action.ACCOUNT_READ))]
CanManageMfa = Annotated[Principal, Depends(require(Action.ACCOUNT_MFA))]
CanManageSessions = Annotated[Principal, Depends(require(Action.ACCOUNT_SESSIONS))]
CanExportData = Annotated[Principal, Depends(require(Action.DATA_EXPORT))]
CanEraseData = Annotated[Principal, Depends(require(Action.DATA_ERASE))]
AssistantUser = Annotated[Principal, Depends(require(Action.ASSISTANT_USE))]
CanReadTenant = Annotated[Principal, Depends(require(Action.TENANT_READ))]
CanUpdateTenant = Annotated[Principal, Depends(require(Action.TENANT_UPDATE))]
CanDeleteTenant = Annotated[Principal, Depends(require(Action.TENANT_DELETE))]
CanReadUsers = Annotated[Principal, Depends(require(Action.USERS_READ))]
CanInviteUsers = Annotated[Principal, Depends(require(Action.USERS_INVITE))]
CanManageUsers = Annotated[Principal, Depends(require(Action.USERS_MANAGE))]
CanReadAudit = Annotated[Principal, Depends(require(Action.AUDIT_READ))]
CanManageApiKeys = Annotated[Principal, Depends(require(Action.API_KEYS_MANAGE))]
