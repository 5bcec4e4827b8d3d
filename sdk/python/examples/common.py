"""What every example shares: a client from the environment, and errors raised as exceptions.

``GPUBROKER_URL`` is the API's base URL; ``GPUBROKER_API_KEY`` a team API key (``gbk_...``, from the API
keys page or ``POST /api-keys``), or ``GPUBROKER_ACCESS_TOKEN`` a user's access token (``POST
/auth/login``) where a key's scopes do not reach (invoices). Both go as ``Authorization: Bearer``.

The generated functions return the error envelope (``ErrorEnvelope``) for the error answers the OpenAPI
document lists, and raise ``errors.UnexpectedStatus`` for any other; :func:`ok` turns the first into
:class:`GPUBrokerError` too, so an example reads as a sequence of calls.
"""

from __future__ import annotations

import os
from typing import TypeVar

import httpx
from gpubroker_client import AuthenticatedClient
from gpubroker_client.models import ErrorEnvelope

T = TypeVar("T")


class GPUBrokerError(Exception):
    """An error answer: the API's envelope ``{"error": {"code", "message", "details", "trace_id"}}``."""

    def __init__(self, envelope: ErrorEnvelope) -> None:
        self.envelope = envelope
        self.code = envelope.error.code
        self.trace_id = envelope.error.trace_id
        super().__init__(f"{self.code}: {envelope.error.message} (trace {self.trace_id})")


def client_from_env() -> AuthenticatedClient:
    token = os.environ.get("GPUBROKER_ACCESS_TOKEN") or os.environ["GPUBROKER_API_KEY"]
    return AuthenticatedClient(
        base_url=os.environ["GPUBROKER_URL"],
        token=token,
        timeout=httpx.Timeout(60.0),
        raise_on_unexpected_status=True,
    )


def ok(result: T | ErrorEnvelope | None) -> T:
    """The answer's model, or :class:`GPUBrokerError` for an error answer."""
    if isinstance(result, ErrorEnvelope):
        raise GPUBrokerError(result)
    if result is None:
        raise RuntimeError("the API answered with a status the SDK does not know")
    return result
