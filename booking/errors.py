"""Errors of bookings, each an :class:`~core.errors.AppError` with the status the API answers.

An illegal move of the state machine names both states, so a client (or the agent) can tell a
booking that already ended from one that is not submitted yet. A provider that cannot be reached is
a 502: the request did nothing and may be retried.
"""

from __future__ import annotations

from core.errors import AppError, Conflict, Unauthorized


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, from_state: str, to_state: str, message: str | None = None) -> None:
        super().__init__(
            message or f"a booking cannot go from {from_state} to {to_state}",
            details={"from": from_state, "to": to_state},
        )
        self.from_state = from_state
        self.to_state = to_state


class ConcurrentUpdate(Conflict):
    """Someone else changed the booking between our read and our write; nothing of ours was kept."""

    code = "booking_changed"


class ProviderError(AppError):
    """The provider refused or could not be reached; mapped here from the provisioner's transport."""

    code = "provider_error"
    status = 502


class InvalidSignature(Unauthorized):
    code = "invalid_signature"


class StaleWebhook(Unauthorized):
    code = "stale_webhook"


class CredentialsRefused(AppError):
    """The provider refused the team's credentials (a cheap read call said so); the provider's answer is in
    the message."""

    code = "credentials_refused"
    status = 422


class ProviderRefused(ProviderError):
    """The provider understood and said no (no capacity, an unknown instance type, a bid too low): asking
    again will not help, so a booking being provisioned fails with the provider's words."""

    code = "provider_refused"


class ProviderRateLimited(ProviderError):
    """The provider kept answering 429 after our retries; ``retry_after_s`` is what it last asked for."""

    code = "provider_rate_limited"
    status = 503

    def __init__(self, message: str, retry_after_s: float, details: object = None) -> None:
        super().__init__(message, details=details)
        self.retry_after_s = retry_after_s


class NoCredentials(Conflict):
    code = "no_provider_credentials"


class NoSshKey(Conflict):
    code = "no_ssh_key"
