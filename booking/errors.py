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
