"""Sign-in: registration, password login with slow-down and lockout, second-factor hand-off, token
refresh with rotation and reuse detection, logout, and turning an access token into a caller.

A sign-in is an :class:`~accounts.models.AuthSession`; its refresh tokens form one family. Each
refresh uses up the presented token and issues the next; presenting a used one again means it was
stolen (or the client is confused), so the whole family is revoked and the user signs in anew.
Services take the session first and never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from accounts import audit, crypto, repository, tokens
from accounts.audit import Actor, Source
from accounts.errors import (
    AccountLocked,
    InvalidCredentials,
    InvalidToken,
    LinkNotValid,
    LoginThrottled,
    RefreshTokenReused,
    TokenExpired,
)
from accounts.models import (
    PLAN_LIMITS,
    AuthFlow,
    AuthSession,
    Invitation,
    Plan,
    RefreshToken,
    Role,
    Tenant,
    User,
)
from accounts.schemas import MfaChallenge, RegisterIn, TenantOut, TokenPair, UserOut
from core import tracing
from core.errors import Conflict, InvalidInput, NotFound, TooManyRequests
from core.settings import Settings

MFA_FLOW = "mfa"


@dataclass(frozen=True)
class Ctx:
    """What a service needs from the request besides the session."""

    settings: Settings
    source: Source
    bus: Any = None
    limiter: Any = None
    tenant_limits: Any = None


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, as routes and services see it."""

    user_id: str
    tenant_id: str
    role: str
    session_id: str
    email: str
    #: A platform operator (``users.operator``): may run the operator console, whatever the team role.
    operator: bool = False
    #: Set when the caller is a team API key (accounts.api_keys): it acts as its creator, within ``scopes``.
    api_key_id: str | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def actor(self) -> Actor:
        return Actor("user", self.user_id)


def now_utc() -> datetime:
    return datetime.now(UTC)


def aware(ts: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes; everything stored is UTC.
    if ts is None:
        return None
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def record(
    session: Session,
    ctx: Ctx,
    event_type: str,
    outcome: str,
    *,
    tenant_id: str | None,
    actor: Actor,
    target: str | None = None,
    details: dict[str, Any] | None = None,
    source: Source | None = None,
) -> None:
    audit.record(
        session,
        event_type=event_type,
        outcome=outcome,
        actor=actor,
        tenant_id=tenant_id,
        source=source or ctx.source,
        target=target,
        details=details,
        bus=ctx.bus,
    )


# --- views -------------------------------------------------------------------------------------


def mfa_methods(session: Session, user: User) -> list[str]:
    methods = []
    if user.totp_confirmed_at is not None:
        methods.append("totp")
    if repository.webauthn_credentials(session, user.id):
        methods.append("webauthn")
    if methods and any(c.used_at is None for c in repository.recovery_codes(session, user.id)):
        methods.append("recovery_code")
    return methods


def user_out(session: Session, user: User) -> UserOut:
    return UserOut(
        id=user.id,
        tenant_id=user.tenant_id,
        email=user.email,
        name=user.name,
        role=user.role,
        active=user.active,
        mfa=[m for m in mfa_methods(session, user) if m != "recovery_code"],
        created_at=user.created_at,
    )


def tenant_out(tenant: Tenant) -> TenantOut:
    return TenantOut.model_validate(tenant, from_attributes=True)


# --- registration ------------------------------------------------------------------------------


def new_tenant(session: Session, settings: Settings, name: str, plan: Plan = Plan.FREE) -> Tenant:
    now = now_utc()
    limits = PLAN_LIMITS[plan]
    tenant = Tenant(
        id=str(uuid.uuid4()),
        name=name,
        plan=plan.value,
        rate_limit_rps=settings.rate_limit_default_rps,
        burst=limits.burst,
        seats=limits.seats,
        ws_limit=limits.ws_limit,
        active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(tenant)
    session.flush()
    return tenant


def new_user(
    session: Session, tenant: Tenant, email: str, role: Role, password: str | None, name: str | None
) -> User:
    if repository.user_by_email(session, email) is not None:
        raise Conflict("an account with this email already exists", details=[{"field": "email"}])
    if repository.count_active_users(session, tenant.id) >= tenant.seats:
        raise Conflict(f"the team has used all {tenant.seats} seats of its plan", code="seats_exhausted")
    now = now_utc()
    user = User(
        id=str(uuid.uuid4()),
        tenant_id=tenant.id,
        email=email,
        name=name,
        password_hash=crypto.hash_password(password) if password else None,
        role=role.value,
        active=True,
        failed_logins=0,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    return user


def pending_invitation(session: Session, token: str) -> tuple[Invitation, Tenant]:
    """The invitation behind a token while it can still be accepted; else why not (for the invitee)."""
    invitation = repository.invitation_by_token_hash(session, crypto.sha256_hex(token))
    now = now_utc()
    details = [{"field": "invite_token"}]
    if invitation is None:
        raise LinkNotValid("this invitation link is not valid; check it was copied whole", details=details)
    if invitation.accepted_at is not None:
        raise LinkNotValid("this invitation was already accepted; sign in instead", details=details)
    if (aware(invitation.expires_at) or now) <= now:
        raise LinkNotValid("this invitation has expired; ask the team's admin for a new one", details=details)
    tenant = repository.tenant(session, invitation.tenant_id)
    if tenant is None or not tenant.active:
        raise LinkNotValid("the team of this invitation is closed", details=details)
    return invitation, tenant


def accept_invitation(session: Session, token: str, email: str) -> tuple[Tenant, Role]:
    try:
        invitation, tenant = pending_invitation(session, token)
    except LinkNotValid as exc:
        # The API has always answered one message for all of these, naming the field.
        raise InvalidInput("the invitation is not valid for this email", details=exc.details) from exc
    if invitation.email != email:
        raise InvalidInput("the invitation is not valid for this email", details=[{"field": "invite_token"}])
    invitation.accepted_at = now_utc()
    return tenant, Role(invitation.role)


def sign_up(
    session: Session,
    ctx: Ctx,
    email: str,
    password: str | None,
    name: str | None,
    membership: tuple[Tenant, Role] | None,
    details: dict[str, Any],
) -> tuple[User, Tenant]:
    """Create an account: in the invited team with its role, or as the admin of a new team.

    The one place both sign-up routes (password and OIDC) create users, so seats, duplicate
    emails and the audit entry follow the same rules.
    """
    tenant, role = membership or (new_tenant(session, ctx.settings, f"{email} team"), Role.ADMIN)
    user = new_user(session, tenant, email, role, password, name)
    record(
        session,
        ctx,
        "user.registered",
        "success",
        tenant_id=tenant.id,
        actor=Actor("user", user.id),
        target=f"user:{user.id}",
        details={"role": role.value, **details},
    )
    return user, tenant


def check_password(password: str, email: str) -> None:
    """The rule a schema cannot check alone (``schemas.PASSWORD_RULES``)."""
    if password.lower() == email.lower():
        raise InvalidInput("the password must not be the email", details=[{"field": "password"}])


def register(session: Session, ctx: Ctx, data: RegisterIn) -> tuple[User, Tenant, TokenPair]:
    check_password(data.password, data.email)
    membership: tuple[Tenant, Role] | None = None
    if data.invite_token:
        membership = accept_invitation(session, data.invite_token, data.email)
    elif data.tenant_name:
        membership = new_tenant(session, ctx.settings, data.tenant_name), Role.ADMIN
    user, tenant = sign_up(
        session, ctx, data.email, data.password, data.name, membership, {"invited": bool(data.invite_token)}
    )
    pair = start_session(session, ctx, user, "password")
    return user, tenant, pair


# --- login -------------------------------------------------------------------------------------


def _throttle_login_ip(ctx: Ctx) -> None:
    if ctx.limiter is None or not ctx.settings.rate_limit_enabled:
        return
    decision = ctx.limiter.hit(
        f"login-ip:{ctx.source.ip}", ctx.settings.login_ip_per_minute / 60.0, ctx.settings.login_ip_burst
    )
    if not decision.allowed:
        raise TooManyRequests(
            "too many sign-in attempts from this address",
            code="login_rate_limited",
            retry_after_s=decision.retry_after_s,
        )


def login_wait_s(settings: Settings, user: User, now: datetime) -> float:
    """Seconds the account must still wait before the next attempt (the slow-down)."""
    over = user.failed_logins - settings.login_slowdown_after
    last = aware(user.last_failed_at)
    if over < 0 or last is None:
        return 0.0
    wait: float = settings.login_slowdown_base_s * float(2 ** min(over, 16))
    return max(0.0, wait - (now - last).total_seconds())


def check_not_locked(session: Session, ctx: Ctx, user: User, now: datetime) -> None:
    locked_until = aware(user.locked_until)
    if locked_until is not None and locked_until > now:
        record(
            session,
            ctx,
            "login.blocked",
            "denied",
            tenant_id=user.tenant_id,
            actor=Actor("user", user.id),
            details={"reason": "locked"},
        )
        raise AccountLocked(
            "the account is locked after repeated failed sign-ins",
            retry_after_s=(locked_until - now).total_seconds(),
        )
    wait = login_wait_s(ctx.settings, user, now)
    if wait > 0:
        raise LoginThrottled("too many failed sign-ins; wait before trying again", retry_after_s=wait)


def register_failure(session: Session, ctx: Ctx, user: User, reason: str) -> None:
    now = now_utc()
    user.failed_logins += 1
    user.last_failed_at = now
    actor = Actor("user", user.id)
    record(
        session,
        ctx,
        "login.failed",
        "failure",
        tenant_id=user.tenant_id,
        actor=actor,
        details={"reason": reason, "failures": user.failed_logins},
    )
    if user.failed_logins >= ctx.settings.login_max_failures:
        user.locked_until = now + timedelta(seconds=ctx.settings.login_lockout_s)
        record(
            session,
            ctx,
            "account.locked",
            "success",
            tenant_id=user.tenant_id,
            actor=Actor("system"),
            target=f"user:{user.id}",
            details={"failures": user.failed_logins},
        )
    session.flush()


def login(session: Session, ctx: Ctx, email: str, password: str) -> TokenPair | MfaChallenge:
    _throttle_login_ip(ctx)
    user = repository.user_by_email(session, email)
    tenant = repository.tenant(session, user.tenant_id) if user is not None else None
    if (
        user is None
        or not user.active
        or user.erased_at is not None
        or user.password_hash is None
        or tenant is None
        or not tenant.active
    ):
        crypto.dummy_verify(password)
        record(
            session,
            ctx,
            "login.failed",
            "failure",
            tenant_id=user.tenant_id if user else None,
            actor=Actor("anonymous", user.id if user else None),
            details={"reason": "unknown_or_disabled"},
        )
        raise InvalidCredentials()
    now = now_utc()
    check_not_locked(session, ctx, user, now)
    if not crypto.verify_password(user.password_hash, password):
        register_failure(session, ctx, user, "bad_password")
        raise InvalidCredentials()
    if crypto.needs_rehash(user.password_hash):
        user.password_hash = crypto.hash_password(password)
    methods = mfa_methods(session, user)
    if methods:
        return begin_second_factor(session, ctx, user, methods, "password")
    reset_failures(user)
    return start_session(session, ctx, user, "password")


def reset_failures(user: User) -> None:
    user.failed_logins = 0
    user.last_failed_at = None
    user.locked_until = None


def begin_second_factor(
    session: Session, ctx: Ctx, user: User, methods: list[str], first: str
) -> MfaChallenge:
    now = now_utc()
    flow = AuthFlow(
        id=crypto.random_token(32),
        kind=MFA_FLOW,
        user_id=user.id,
        data={"first_factor": first},
        attempts=0,
        created_at=now,
        expires_at=now + timedelta(seconds=ctx.settings.mfa_challenge_ttl_s),
    )
    session.add(flow)
    session.flush()
    return MfaChallenge(mfa_token=flow.id, methods=methods, expires_in=ctx.settings.mfa_challenge_ttl_s)


def pending_second_factor(session: Session, ctx: Ctx, mfa_token: str) -> tuple[AuthFlow, User]:
    flow = repository.flow(session, mfa_token, MFA_FLOW)
    now = now_utc()
    if (
        flow is None
        or flow.consumed_at is not None
        or (aware(flow.expires_at) or now) <= now
        or flow.attempts >= ctx.settings.mfa_max_attempts
        or flow.user_id is None
    ):
        raise InvalidToken("the sign-in step expired or was already used; sign in again")
    user = repository.user(session, flow.user_id)
    if user is None or not user.active:
        raise InvalidToken("the sign-in step expired or was already used; sign in again")
    check_not_locked(session, ctx, user, now)
    return flow, user


def second_factor_failed(session: Session, ctx: Ctx, flow: AuthFlow, user: User, method: str) -> None:
    flow.attempts += 1
    register_failure(session, ctx, user, f"bad_{method}")


def finish_second_factor(session: Session, ctx: Ctx, flow: AuthFlow, user: User, method: str) -> TokenPair:
    if not repository.consume_flow(session, flow.id, now_utc()):
        raise InvalidToken("the sign-in step expired or was already used; sign in again")
    reset_failures(user)
    return start_session(session, ctx, user, f"{flow.data.get('first_factor', 'password')}+{method}")


# --- sessions and tokens -----------------------------------------------------------------------


def start_session(session: Session, ctx: Ctx, user: User, method: str) -> TokenPair:
    now = now_utc()
    auth = AuthSession(
        id=str(uuid.uuid4()),
        user_id=user.id,
        tenant_id=user.tenant_id,
        method=method,
        created_at=now,
        expires_at=now + timedelta(seconds=ctx.settings.refresh_token_ttl_s),
        user_agent=(ctx.source.user_agent or "")[:300] or None,
        source_ip=ctx.source.ip,
        last_seen_at=now,
    )
    session.add(auth)
    session.flush()
    pair = _issue_pair(session, ctx.settings, user, auth, now)
    record(
        session,
        ctx,
        "login.succeeded",
        "success",
        tenant_id=user.tenant_id,
        actor=Actor("user", user.id),
        target=f"session:{auth.id}",
        details={"method": method},
    )
    return pair


def _issue_pair(
    session: Session, settings: Settings, user: User, auth: AuthSession, now: datetime
) -> TokenPair:
    common: dict[str, Any] = {
        "user_id": user.id,
        "role": user.role,
        "tenant_id": user.tenant_id,
        "session_id": auth.id,
        "operator": bool(user.operator),
    }
    access = tokens.issue(settings, typ=tokens.ACCESS, now=now, ttl_s=settings.access_token_ttl_s, **common)
    ttl = int(((aware(auth.expires_at) or now) - now).total_seconds())
    refresh = tokens.issue(settings, typ=tokens.REFRESH, now=now, ttl_s=max(ttl, 1), **common)
    session.add(
        RefreshToken(jti=refresh.jti, session_id=auth.id, issued_at=now, expires_at=refresh.expires_at)
    )
    session.flush()
    return TokenPair(
        access_token=access.token, refresh_token=refresh.token, expires_in=settings.access_token_ttl_s
    )


def refresh(session: Session, ctx: Ctx, refresh_token: str) -> TokenPair:
    claims = tokens.decode(ctx.settings, refresh_token, tokens.REFRESH)
    stored = repository.refresh_token(session, claims["jti"])
    auth = repository.auth_session(session, claims["sid"])
    if stored is None or auth is None or stored.session_id != auth.id:
        raise InvalidToken("the refresh token is not valid")
    if auth.revoked_at is not None:
        raise InvalidToken("the session has ended; sign in again")
    now = now_utc()
    if not repository.mark_refresh_used(session, stored.jti, now):
        # A used token came back: whoever holds the family now cannot be told from a thief.
        auth.revoked_at = now
        auth.revoked_reason = "refresh_token_reused"
        record(
            session,
            ctx,
            "token.refresh_reused",
            "denied",
            tenant_id=auth.tenant_id,
            actor=Actor("user", auth.user_id),
            target=f"session:{auth.id}",
        )
        raise RefreshTokenReused("the refresh token was already used; the session is revoked, sign in again")
    user = repository.user(session, auth.user_id)
    tenant = repository.tenant(session, auth.tenant_id)
    if user is None or not user.active or tenant is None or not tenant.active:
        raise InvalidToken("the account is disabled")
    auth.last_seen_at = now
    return _issue_pair(session, ctx.settings, user, auth, now)


def logout(session: Session, ctx: Ctx, principal: Principal) -> None:
    auth = repository.auth_session(session, principal.session_id)
    if auth is not None and auth.revoked_at is None:
        auth.revoked_at = now_utc()
        auth.revoked_reason = "logout"
    record(
        session,
        ctx,
        "logout",
        "success",
        tenant_id=principal.tenant_id,
        actor=principal.actor,
        target=f"session:{principal.session_id}",
    )


def authenticate(session: Session, settings: Settings, access_token: str) -> Principal:
    """The caller behind an access token, checked against the database on every request: a logout,
    a revoked session, a disabled user or tenant, or a role change take effect at once."""
    claims = tokens.decode(settings, access_token, tokens.ACCESS)
    # One query for the three rows (issue 14: three round trips on every request); when it finds nothing,
    # the rows are read one by one to say which check failed.
    found = repository.signed_in(session, claims["sid"], claims["sub"])
    auth, user, tenant = found if found is not None else _signed_in_rows(session, claims)
    now = now_utc()
    if auth is None or auth.revoked_at is not None or (aware(auth.expires_at) or now) <= now:
        raise InvalidToken("the session has ended; sign in again")
    if user is None or not user.active or user.erased_at is not None or user.id != auth.user_id:
        raise InvalidToken("the account is disabled")
    if tenant is None or not tenant.active:
        raise InvalidToken("the account is disabled")
    # Every way in (API token, page cookie, WebSocket) passes here: the rest of the request logs its tenant.
    tracing.bind_tenant(user.tenant_id)
    return Principal(
        user_id=user.id,
        tenant_id=user.tenant_id,
        role=user.role,
        session_id=auth.id,
        email=user.email,
        operator=bool(user.operator),
    )


def _signed_in_rows(
    session: Session, claims: dict[str, Any]
) -> tuple[AuthSession | None, User | None, Tenant | None]:
    auth = repository.auth_session(session, claims["sid"])
    user = repository.user(session, claims["sub"])
    tenant = repository.tenant(session, user.tenant_id) if user is not None else None
    return auth, user, tenant


def introspect(session: Session, settings: Settings, token: str) -> dict[str, Any]:
    """RFC 7662 token introspection: ``{"active": false}`` for anything that would not sign in now
    (bad signature, expired, revoked session, disabled user or team, a refresh token), else the claims
    a gateway needs."""
    try:
        principal = authenticate(session, settings, token)
        claims = tokens.decode(settings, token, tokens.ACCESS)
    except (InvalidToken, TokenExpired):
        return {"active": False}
    return {
        "active": True,
        "token_type": "access_token",  # nosec B105  # a token type's name (RFC 7662), not a secret
        "sub": principal.user_id,
        "username": principal.email,
        "tenant_id": principal.tenant_id,
        "role": principal.role,
        "sid": principal.session_id,
        "jti": claims["jti"],
        "iss": claims["iss"],
        "aud": claims["aud"],
        "iat": claims["iat"],
        "exp": claims["exp"],
    }


def record_denied(session: Session, ctx: Ctx, principal: Principal, action: str, path: str) -> None:
    record(
        session,
        ctx,
        "authz.denied",
        "denied",
        tenant_id=principal.tenant_id,
        actor=principal.actor,
        target=path[:200],
        details={"action": action, "role": principal.role},
    )


def me(session: Session, principal: Principal) -> tuple[User, Tenant]:
    user = repository.user(session, principal.user_id)
    tenant = repository.tenant(session, principal.tenant_id)
    if user is None or tenant is None:
        raise NotFound("account not found")
    return user, tenant
