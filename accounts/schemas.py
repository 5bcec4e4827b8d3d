"""Request and response models of the accounts API.

Inputs are strict (unknown fields are a 422) and bounded, and text that people type may not hold
control characters, so hostile values end as a 422 in the envelope rather than deeper down.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from accounts.models import Plan, Role
from core.types import UtcDateTime

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError("not an email address")
    return value


def _plain_text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


def _password(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL is not allowed in a password")
    return value


PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256
#: What a new password must be, as the sign-up and reset pages tell people (enforced by ``Password`` and
#: ``service.check_password``).
PASSWORD_RULES = (
    f"at least {PASSWORD_MIN_LENGTH} characters (a few words make a good one)",
    f"at most {PASSWORD_MAX_LENGTH} characters",
    "not your email address",
)

Email = Annotated[str, Field(min_length=3, max_length=320), AfterValidator(_email)]
PlainText = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_plain_text)]
#: A label stored in a 100-character column (an API key's, a passkey's name): refused by name when longer.
ShortName = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_plain_text)]
Password = Annotated[
    str, Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH), AfterValidator(_password)
]
LoginPassword = Annotated[str, Field(min_length=1, max_length=PASSWORD_MAX_LENGTH), AfterValidator(_password)]
OpaqueToken = Annotated[str, Field(min_length=8, max_length=200, pattern=r"^[A-Za-z0-9_\-\.]+$")]


_ORIGIN = re.compile(r"^https?://[a-z0-9.\-]+(:[0-9]{1,5})?$")


def _cors_origin(value: str) -> str:
    value = value.strip().lower().rstrip("/")
    if value != "*" and not _ORIGIN.match(value):
        raise ValueError('an origin is scheme://host[:port] (no path), or "*"')
    return value


CorsOrigin = Annotated[str, Field(min_length=1, max_length=300), AfterValidator(_cors_origin)]
ApiKeyScope = Literal["catalog:read", "assistant", "bookings"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterIn(Strict):
    email: Email
    password: Password
    name: PlainText | None = None
    tenant_name: PlainText | None = Field(None, description="name of the new team (when not invited)")
    invite_token: OpaqueToken | None = Field(None, description="joins the inviting team with its role")


class LoginIn(Strict):
    email: Email
    password: LoginPassword


class VerifyEmailIn(Strict):
    token: OpaqueToken = Field(description="the token of the link mailed to the address")


class EmailVerifiedOut(BaseModel):
    email: str
    email_verified_at: UtcDateTime


class PasswordForgotIn(Strict):
    email: Email


class PasswordResetIn(Strict):
    token: OpaqueToken = Field(description="the token of the reset link mailed to the address")
    password: Password


class MailSentOut(BaseModel):
    message: str = Field(description="what was done; the same whether or not the address has an account")


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class MfaChallenge(BaseModel):
    mfa_required: Literal[True] = True
    mfa_token: str
    methods: list[str]
    expires_in: int


class MfaCodeIn(Strict):
    mfa_token: OpaqueToken
    code: str = Field(min_length=6, max_length=20, pattern=r"^[A-Za-z0-9\-]+$")


class RefreshIn(Strict):
    refresh_token: str = Field(min_length=10, max_length=4096)


class TotpEnrollment(BaseModel):
    secret: str
    otpauth_uri: str
    qr_svg: str = Field(description="the otpauth URI as a QR code, an SVG document")


class TotpCodeIn(Strict):
    code: str = Field(min_length=6, max_length=6, pattern=r"^[0-9]{6}$")


class RecoveryCodes(BaseModel):
    recovery_codes: list[str] = Field(description="shown once; each works once instead of a code")


class WebAuthnOptions(BaseModel):
    flow_id: str
    options: dict[str, Any] = Field(description="PublicKeyCredential creation/request options (JSON)")


class WebAuthnRegisterIn(Strict):
    flow_id: OpaqueToken
    credential: dict[str, Any]
    name: ShortName = "security key"


class PasskeyNameIn(Strict):
    """A passkey's name as the security page takes it."""

    name: ShortName


class WebAuthnLoginOptionsIn(Strict):
    mfa_token: OpaqueToken


class WebAuthnLoginIn(Strict):
    mfa_token: OpaqueToken
    credential: dict[str, Any]


class PasskeyLoginIn(Strict):
    flow_id: OpaqueToken
    credential: dict[str, Any]


class WebAuthnCredentialOut(BaseModel):
    id: str
    name: str
    created_at: UtcDateTime
    recovery_codes: list[str] | None = None


class TenantOut(BaseModel):
    id: str
    name: str
    plan: str
    rate_limit_rps: float
    burst: int
    seats: int
    ws_limit: int
    active: bool
    cors_origins: list[str] = Field(default_factory=list)
    created_at: UtcDateTime


class TenantUpdate(Strict):
    name: PlainText | None = None
    plan: Plan | None = None
    rate_limit_rps: float | None = Field(None, gt=0, le=100_000)
    burst: int | None = Field(None, ge=1, le=1_000_000)
    seats: int | None = Field(None, ge=1, le=100_000)
    ws_limit: int | None = Field(None, ge=0, le=100_000)
    cors_origins: list[CorsOrigin] | None = Field(
        None,
        max_length=50,
        description='origins whose pages may call the API with the team\'s API keys ("https://app.example.com", '
        'or "*" for any)',
    )


class UserOut(BaseModel):
    id: str
    tenant_id: str
    email: str
    name: str | None
    role: str
    active: bool
    mfa: list[str]
    created_at: UtcDateTime


class MeOut(UserOut):
    tenant: TenantOut


class UserUpdate(Strict):
    role: Role | None = None
    active: bool | None = None


class InviteIn(Strict):
    email: Email
    role: Role = Role.USER


class InvitationOut(BaseModel):
    id: str
    email: str
    role: str
    expires_at: UtcDateTime
    token: str = Field(description="shown once; the invitee registers with it")


class RegisterOut(TokenPair):
    user: UserOut
    tenant: TenantOut


class AuditEntryOut(BaseModel):
    id: int
    chain_id: str
    seq: int
    ts: str
    event_type: str
    outcome: str
    tenant_id: str | None
    actor_type: str
    actor_id: str | None
    target: str | None
    trace_id: str | None
    details: dict[str, Any]
    source_ip: str | None
    user_agent: str | None
    erased: bool
    pii_digest: str
    hash_prev: str
    hash_curr: str


class AuditVerifyOut(BaseModel):
    chain_id: str
    ok: bool
    entries_checked: int
    head_seq: int
    first_broken: dict[str, Any] | None


class ErasureOut(BaseModel):
    erased: bool
    user_id: str
    audit_entries_anonymised: int
    removed: dict[str, int]


class IntrospectionOut(BaseModel):
    """RFC 7662: ``active`` alone when the token would not sign in now."""

    active: bool
    token_type: str | None = None
    sub: str | None = None
    username: str | None = None
    tenant_id: str | None = None
    role: str | None = None
    sid: str | None = None
    jti: str | None = None
    iss: str | None = None
    aud: str | None = None
    iat: int | None = None
    exp: int | None = None


class JwksOut(BaseModel):
    keys: list[dict[str, str]]


class ApiKeyIn(Strict):
    name: ShortName
    scopes: list[ApiKeyScope] = Field(min_length=1, max_length=3)


class ApiKeyOut(BaseModel):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    created_by: str
    created_at: UtcDateTime
    last_used_at: UtcDateTime | None
    revoked_at: UtcDateTime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="the key itself: shown this once, stored only as a hash")
