"""The accounts API: sign-in (``/auth/...``), the caller (``/me``), team administration
(``/tenants/...``, ``/users/...``), the audit log (``/audit``, ``/audit/verify``) and GDPR requests
(``/data-request``). Thin: validate, call one service function, return.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from accounts import admin, api_keys, email_tokens, gdpr, mfa, oidc, service, tokens, webauthn
from accounts.audit import public_view
from accounts.deps import (
    AccountsCtx,
    AccountsDb,
    CanDeleteTenant,
    CanEraseData,
    CanExportData,
    CanInviteUsers,
    CanManageApiKeys,
    CanManageMfa,
    CanManageSessions,
    CanManageUsers,
    CanReadAccount,
    CanReadAudit,
    CanReadTenant,
    CanReadUsers,
    CanUpdateTenant,
    accounts_unit,
    get_ctx,
)
from accounts.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    AuditEntryOut,
    AuditVerifyOut,
    EmailVerifiedOut,
    ErasureOut,
    IntrospectionOut,
    InvitationOut,
    InviteIn,
    JwksOut,
    LoginIn,
    MailSentOut,
    MeOut,
    MfaChallenge,
    MfaCodeIn,
    PasskeyLoginIn,
    PasswordForgotIn,
    PasswordResetIn,
    RecoveryCodes,
    RefreshIn,
    RegisterIn,
    RegisterOut,
    TenantOut,
    TenantUpdate,
    TokenPair,
    TotpCodeIn,
    TotpEnrollment,
    UserOut,
    UserUpdate,
    VerifyEmailIn,
    WebAuthnCredentialOut,
    WebAuthnLoginIn,
    WebAuthnLoginOptionsIn,
    WebAuthnOptions,
    WebAuthnRegisterIn,
)
from core.deps import SettingsDep
from core.errors import Forbidden, InvalidInput

router = APIRouter()


def bearer(request: Request) -> str | None:
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


async def introspected_token(request: Request) -> str:
    """The ``token`` parameter, form-encoded as RFC 7662 says, or in a JSON body."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            body = None
        token = body.get("token") if isinstance(body, dict) else None
    else:
        token = (await request.form()).get("token")
    if not isinstance(token, str) or not token.strip() or len(token) > 8192:
        raise InvalidInput("token is required (the access token to introspect)", details=[{"field": "token"}])
    return token.strip()


# --- sign-in -----------------------------------------------------------------------------------


@router.get(
    "/.well-known/jwks.json",
    response_model=JwksOut,
    tags=["auth"],
    summary="The public keys that verify our access tokens (empty with HS256)",
)
def jwks(settings: SettingsDep) -> JwksOut:
    return JwksOut.model_validate(tokens.jwks(settings))


@router.post(
    "/auth/introspect",
    response_model=IntrospectionOut,
    response_model_exclude_none=True,
    tags=["auth"],
    summary="RFC 7662: is this access token active now, and whose is it (operators and services only)",
)
async def introspect(request: Request, session: AccountsDb, settings: SettingsDep) -> IntrospectionOut:
    caller = bearer(request)
    service_token = settings.introspection_token
    if not (
        service_token is not None
        and caller is not None
        and hmac.compare_digest(caller, service_token.get_secret_value())
    ):
        principal = await run_in_threadpool(service.authenticate, session, settings, caller or "")
        if not principal.operator:
            raise Forbidden(
                "token introspection is for platform operators and services", code="operator_only"
            )
    token = await introspected_token(request)
    return IntrospectionOut.model_validate(
        await run_in_threadpool(service.introspect, session, settings, token)
    )


@router.post(
    "/auth/register",
    response_model=RegisterOut,
    status_code=201,
    tags=["auth"],
    summary="Create an account (and a team, unless an invitation joins one); mails a link to confirm the address",
)
def register(body: RegisterIn, request: Request) -> RegisterOut:
    settings = request.app.state.settings
    with accounts_unit(request) as session:
        ctx = get_ctx(request)
        user, tenant, pair = service.register(session, ctx, body)
        out = RegisterOut(
            **pair.model_dump(), user=service.user_out(session, user), tenant=service.tenant_out(tenant)
        )
        outgoing = email_tokens.verification_mail(
            session, ctx, user, email_tokens.link_base(settings, str(request.base_url))
        )
    # After the commit: no one is mailed a link to an account that was rolled back.
    email_tokens.deliver(settings, outgoing)
    return out


# --- email verification and password reset (accounts.email_tokens) ----------------------------------
# Each mail is sent after its unit of work commits, so no link reaches anyone whose row was rolled back.


def mail_after_commit(request: Request, build: Callable[..., email_tokens.OutgoingMail | None]) -> None:
    """Runs ``build(session, ctx, link_base)`` in a unit of work, then sends what it built."""
    settings = request.app.state.settings
    with accounts_unit(request) as session:
        outgoing = build(session, get_ctx(request), email_tokens.link_base(settings, str(request.base_url)))
    email_tokens.deliver(settings, outgoing)


@router.post(
    "/auth/verify-email",
    response_model=EmailVerifiedOut,
    tags=["auth"],
    summary="Confirm an email address with the token of the link mailed to it",
)
def verify_email(body: VerifyEmailIn, request: Request) -> EmailVerifiedOut:
    with accounts_unit(request) as session:
        user = email_tokens.verify_email(session, get_ctx(request), body.token)
        return EmailVerifiedOut.model_validate(user, from_attributes=True)


@router.post(
    "/auth/verify-email/send",
    response_model=MailSentOut,
    status_code=202,
    tags=["account"],
    summary="Mail the caller a new link to confirm their address (earlier links stop working)",
)
def send_verification(principal: CanReadAccount, request: Request) -> MailSentOut:
    mail_after_commit(
        request, lambda session, ctx, base: email_tokens.resend_verification(session, ctx, principal, base)
    )
    return MailSentOut(message=f"a confirmation link was mailed to {principal.email}")


@router.post(
    "/auth/password/forgot",
    response_model=MailSentOut,
    status_code=202,
    tags=["auth"],
    summary="Mail a password reset link; the answer is the same whether or not the address has an account",
)
def password_forgot(body: PasswordForgotIn, request: Request) -> MailSentOut:
    mail_after_commit(
        request, lambda session, ctx, base: email_tokens.password_reset_mail(session, ctx, body.email, base)
    )
    return MailSentOut(message=f"if an account uses {body.email}, a reset link was mailed to it")


@router.post(
    "/auth/password/reset",
    status_code=204,
    tags=["auth"],
    summary="Set a new password with the token of a reset link; ends every session of the account",
)
def password_reset(body: PasswordResetIn, request: Request) -> Response:
    with accounts_unit(request) as session:
        email_tokens.reset_password(session, get_ctx(request), body.token, body.password)
    return Response(status_code=204)


@router.post("/auth/login", response_model=TokenPair | MfaChallenge, tags=["auth"])
def login(body: LoginIn, session: AccountsDb, ctx: AccountsCtx) -> TokenPair | MfaChallenge:
    return service.login(session, ctx, body.email, body.password)


@router.post(
    "/auth/login/mfa", response_model=TokenPair, tags=["auth"], summary="Second factor: TOTP or recovery code"
)
def login_mfa(body: MfaCodeIn, session: AccountsDb, ctx: AccountsCtx) -> TokenPair:
    return mfa.complete_with_code(session, ctx, body.mfa_token, body.code)


@router.post("/auth/webauthn/login/options", response_model=WebAuthnOptions, tags=["auth"])
def webauthn_login_options(
    body: WebAuthnLoginOptionsIn, session: AccountsDb, ctx: AccountsCtx
) -> WebAuthnOptions:
    return webauthn.login_options(session, ctx, body.mfa_token)


@router.post(
    "/auth/webauthn/login", response_model=TokenPair, tags=["auth"], summary="Second factor: security key"
)
def webauthn_login(body: WebAuthnLoginIn, session: AccountsDb, ctx: AccountsCtx) -> TokenPair:
    return webauthn.login(session, ctx, body.mfa_token, body.credential)


@router.post(
    "/auth/passkey/options",
    response_model=WebAuthnOptions,
    tags=["auth"],
    summary="Sign in with a passkey, step 1: a challenge (no email or password)",
)
def passkey_options(session: AccountsDb, ctx: AccountsCtx) -> WebAuthnOptions:
    return webauthn.passkey_options(session, ctx)


@router.post(
    "/auth/passkey/login",
    response_model=TokenPair,
    tags=["auth"],
    summary="Sign in with a passkey, step 2: the authenticator's assertion, with the user verified",
)
def passkey_login(body: PasskeyLoginIn, session: AccountsDb, ctx: AccountsCtx) -> TokenPair:
    return webauthn.passkey_login(session, ctx, body.flow_id, body.credential)


@router.post("/auth/refresh", response_model=TokenPair, tags=["auth"])
def refresh(body: RefreshIn, session: AccountsDb, ctx: AccountsCtx) -> TokenPair:
    return service.refresh(session, ctx, body.refresh_token)


@router.post("/auth/logout", status_code=204, tags=["auth"])
def logout(me: CanManageSessions, session: AccountsDb, ctx: AccountsCtx) -> Response:
    service.logout(session, ctx, me)
    return Response(status_code=204)


@router.get(
    "/auth/oidc/login",
    tags=["auth"],
    summary="Start an OIDC sign-in (redirects to the provider)",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses={302: {"description": "to the identity provider's authorization endpoint (`Location`)"}},
)
def oidc_login(
    request: Request,
    session: AccountsDb,
    ctx: AccountsCtx,
    next: Annotated[str | None, Query(max_length=200)] = None,
) -> RedirectResponse:
    redirect_uri = ctx.settings.oidc_redirect_uri or str(request.url_for("oidc_callback"))
    return RedirectResponse(oidc.start(session, ctx, redirect_uri, next), status_code=status.HTTP_302_FOUND)


@router.get(
    "/auth/oidc/callback", response_model=TokenPair | MfaChallenge, tags=["auth"], name="oidc_callback"
)
def oidc_callback(
    session: AccountsDb,
    ctx: AccountsCtx,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    state: Annotated[str | None, Query(max_length=200)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> TokenPair | MfaChallenge:
    return oidc.callback(session, ctx, code, state, error).outcome


# --- the caller and their factors --------------------------------------------------------------


@router.get("/me", response_model=MeOut, tags=["account"])
def me(principal: CanReadAccount, session: AccountsDb) -> MeOut:
    user, tenant = service.me(session, principal)
    return MeOut(**service.user_out(session, user).model_dump(), tenant=service.tenant_out(tenant))


@router.post(
    "/auth/mfa/totp", response_model=TotpEnrollment, tags=["account"], summary="Start TOTP enrolment"
)
def totp_start(principal: CanManageMfa, session: AccountsDb, ctx: AccountsCtx) -> TotpEnrollment:
    return mfa.start_totp(session, ctx, principal)


@router.post("/auth/mfa/totp/confirm", response_model=RecoveryCodes, tags=["account"])
def totp_confirm(
    principal: CanManageMfa, body: TotpCodeIn, session: AccountsDb, ctx: AccountsCtx
) -> RecoveryCodes:
    return mfa.confirm_totp(session, ctx, principal, body.code)


@router.post("/auth/mfa/totp/disable", status_code=204, tags=["account"])
def totp_disable(
    principal: CanManageMfa, body: TotpCodeIn, session: AccountsDb, ctx: AccountsCtx
) -> Response:
    mfa.disable_totp(session, ctx, principal, body.code)
    return Response(status_code=204)


@router.post("/auth/webauthn/register/options", response_model=WebAuthnOptions, tags=["account"])
def webauthn_register_options(
    principal: CanManageMfa, session: AccountsDb, ctx: AccountsCtx
) -> WebAuthnOptions:
    return webauthn.registration_options(session, ctx, principal)


@router.post(
    "/auth/webauthn/register", response_model=WebAuthnCredentialOut, status_code=201, tags=["account"]
)
def webauthn_register(
    principal: CanManageMfa, body: WebAuthnRegisterIn, session: AccountsDb, ctx: AccountsCtx
) -> WebAuthnCredentialOut:
    return webauthn.register(session, ctx, principal, body.flow_id, body.credential, body.name)


# --- team administration -----------------------------------------------------------------------


@router.get("/tenants/{tenant_id}", response_model=TenantOut, tags=["admin"])
def get_tenant(principal: CanReadTenant, tenant_id: str, session: AccountsDb) -> TenantOut:
    return service.tenant_out(admin.own_tenant(session, principal, tenant_id))


@router.patch(
    "/tenants/{tenant_id}", response_model=TenantOut, tags=["admin"], summary="Rename, change plan or limits"
)
def update_tenant(
    principal: CanUpdateTenant, tenant_id: str, body: TenantUpdate, session: AccountsDb, ctx: AccountsCtx
) -> TenantOut:
    return service.tenant_out(admin.update_tenant(session, ctx, principal, tenant_id, body))


@router.delete("/tenants/{tenant_id}", status_code=204, tags=["admin"], summary="Close the team")
def delete_tenant(
    principal: CanDeleteTenant, tenant_id: str, session: AccountsDb, ctx: AccountsCtx
) -> Response:
    admin.deactivate_tenant(session, ctx, principal, tenant_id)
    return Response(status_code=204)


@router.get("/tenants/{tenant_id}/users", response_model=list[UserOut], tags=["admin"])
def list_users(principal: CanReadUsers, tenant_id: str, session: AccountsDb) -> list[UserOut]:
    return [service.user_out(session, u) for u in admin.list_users(session, principal, tenant_id)]


@router.post(
    "/tenants/{tenant_id}/invitations", response_model=InvitationOut, status_code=201, tags=["admin"]
)
def invite(principal: CanInviteUsers, tenant_id: str, body: InviteIn, request: Request) -> InvitationOut:
    """The invitation is mailed to the invitee once it has committed; the token is also in the answer."""
    settings = request.app.state.settings
    with accounts_unit(request) as session:
        invitation = admin.invite(session, get_ctx(request), principal, tenant_id, body)
        team = admin.own_tenant(session, principal, tenant_id).name
    email_tokens.deliver(
        settings,
        email_tokens.invitation_mail(
            invitation, team, principal.email, email_tokens.link_base(settings, str(request.base_url))
        ),
    )
    return invitation


@router.get("/users/{user_id}", response_model=UserOut, tags=["admin"])
def get_user(principal: CanReadUsers, user_id: str, session: AccountsDb) -> UserOut:
    return service.user_out(session, admin.own_user(session, principal, user_id))


@router.patch(
    "/users/{user_id}", response_model=UserOut, tags=["admin"], summary="Change a user's role or disable them"
)
def update_user(
    principal: CanManageUsers, user_id: str, body: UserUpdate, session: AccountsDb, ctx: AccountsCtx
) -> UserOut:
    return service.user_out(session, admin.update_user(session, ctx, principal, user_id, body))


# --- team API keys -----------------------------------------------------------------------------


@router.get("/api-keys", response_model=list[ApiKeyOut], tags=["admin"], summary="The team's API keys")
def list_api_keys(principal: CanManageApiKeys, session: AccountsDb) -> list[dict[str, Any]]:
    return [api_keys.key_out(k) for k in api_keys.list_keys(session, principal)]


@router.post(
    "/api-keys",
    response_model=ApiKeyCreated,
    status_code=201,
    tags=["admin"],
    summary="Create a team API key (the key is in this answer only)",
)
def create_api_key(
    principal: CanManageApiKeys, body: ApiKeyIn, session: AccountsDb, ctx: AccountsCtx
) -> dict[str, Any]:
    row, key = api_keys.create(session, ctx, principal, body.name, body.scopes)
    return {**api_keys.key_out(row), "key": key}


@router.delete(
    "/api-keys/{key_id}", response_model=ApiKeyOut, tags=["admin"], summary="Revoke a team API key"
)
def revoke_api_key(
    principal: CanManageApiKeys, key_id: str, request: Request, session: AccountsDb, ctx: AccountsCtx
) -> dict[str, Any]:
    teams = getattr(request.app.state, "key_teams", None)
    return api_keys.key_out(api_keys.revoke(session, ctx, principal, key_id, teams))


# --- audit -------------------------------------------------------------------------------------


@router.get(
    "/audit",
    response_model=list[AuditEntryOut],
    tags=["audit"],
    summary="The team's audit entries, newest first",
)
def audit_log(
    principal: CanReadAudit,
    session: AccountsDb,
    event_type: Annotated[str | None, Query(max_length=60)] = None,
    # Within the id column (INTEGER: 32 bits on PostgreSQL); past it the database refuses the value.
    before_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    entries = admin.audit_log(session, principal, event_type=event_type, before_id=before_id, limit=limit)
    return [public_view(e) for e in entries]


@router.get(
    "/audit/verify", response_model=AuditVerifyOut, tags=["audit"], summary="Walk the team's hash chain"
)
def audit_verify(principal: CanReadAudit, session: AccountsDb) -> AuditVerifyOut:
    result = admin.verify_audit(session, principal)
    return AuditVerifyOut(**result.__dict__)


# --- GDPR --------------------------------------------------------------------------------------


@router.get("/data-request", tags=["gdpr"], summary="Everything we hold about you, as one JSON document")
async def data_export(principal: CanExportData, request: Request, ctx: AccountsCtx) -> dict[str, Any]:
    return await gdpr.export_personal_data(
        request.app.state.session_factory, ctx, principal, request.app.state
    )


@router.delete("/data-request", response_model=ErasureOut, tags=["gdpr"], summary="Erase your personal data")
async def data_erase(principal: CanEraseData, request: Request, ctx: AccountsCtx) -> ErasureOut:
    return await gdpr.erase_personal_data(
        request.app.state.session_factory, ctx, principal, request.app.state
    )
