"""Signatures of provider webhooks: HMAC-SHA256 over ``<timestamp>.<raw body>``.

The timestamp (unix seconds) travels in ``X-GPUBroker-Timestamp`` and is part of what is signed, so a
captured delivery cannot be replayed later with a new time; deliveries older (or newer) than the
tolerance are refused. ``X-GPUBroker-Signature`` is ``v1=<hex>``; several comma-separated values are
accepted so that a provider can sign with an old and a new secret while the secret rotates. The
sandbox provider signs with :func:`signed_headers`, the webhook endpoint checks with :func:`verify`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

from booking.errors import InvalidSignature, StaleWebhook

TIMESTAMP_HEADER = "X-GPUBroker-Timestamp"
SIGNATURE_HEADER = "X-GPUBroker-Signature"
SCHEME = "v1"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = int(now if now is not None else time.time())
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        "Content-Type": "application/json",
    }


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # Starlette's headers are case-insensitive already; a plain dict from a test or a task is not.
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def verify(
    secret: str, body: bytes, headers: Mapping[str, str], tolerance_s: int, now: float | None = None
) -> int:
    """Checks the signature, then the age; returns the signed timestamp. 401 on any failure."""
    raw_ts = _header(headers, TIMESTAMP_HEADER)
    raw_sig = _header(headers, SIGNATURE_HEADER)
    if not raw_ts or not raw_sig:
        raise InvalidSignature(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    try:
        timestamp = int(raw_ts)
    except ValueError:
        raise InvalidSignature(f"{TIMESTAMP_HEADER} must be unix seconds") from None
    expected = signature(secret, timestamp, body)
    offered = [part.strip() for part in raw_sig.split(",")]
    # compare_digest on each candidate: the time taken says nothing about how much of it matched.
    if not any(hmac.compare_digest(expected.encode(), o.encode()) for o in offered):
        raise InvalidSignature("the webhook signature does not match")
    age = (now if now is not None else time.time()) - timestamp
    if abs(age) > tolerance_s:
        raise StaleWebhook(
            f"the webhook timestamp is {int(abs(age))} s from our clock (at most {tolerance_s} s)",
            details={"tolerance_s": tolerance_s},
        )
    return timestamp
