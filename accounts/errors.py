"""Errors of sign-in and authorization.

Some failures must leave a trace even though the request fails: a wrong password counts towards the
lockout, a reused refresh token revokes its family, a refused action is audited. Those errors carry
``persist = True`` and the accounts session dependency commits what the service wrote before raising
them (every other error rolls the request back, as usual).
"""

from __future__ import annotations

from typing import Any

from core.errors import AppError, Forbidden, TooManyRequests, Unauthorized


class NotAuthenticated(Unauthorized):
    code = "not_authenticated"


class InvalidToken(Unauthorized):
    code = "invalid_token"


class TokenExpired(Unauthorized):
    code = "token_expired"


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    persist = True

    def __init__(self, message: str = "invalid email or password", **kw: Any) -> None:
        super().__init__(message, **kw)


class RefreshTokenReused(Unauthorized):
    code = "refresh_token_reused"
    persist = True


class InvalidMfaCode(Unauthorized):
    code = "invalid_mfa_code"
    persist = True


class LoginThrottled(TooManyRequests):
    code = "login_throttled"
    persist = True


class AccountLocked(TooManyRequests):
    code = "account_locked"
    persist = True


class PermissionDenied(Forbidden):
    code = "forbidden"


class RoleNotGrantable(PermissionDenied):
    """Granting a role above one's own; audited like any refusal."""

    persist = True


class OidcError(AppError):
    code = "oidc_error"
    status = 400
    persist = True


class WebAuthnFailed(AppError):
    code = "webauthn_failed"
    status = 400
    persist = True


class LinkNotValid(AppError):
    """A mailed link (email verification, password reset) or an invitation that is unknown, expired or
    already used."""

    code = "invalid_link"
    status = 400
