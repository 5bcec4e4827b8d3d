"""Provider webhooks: ``POST /webhooks/{provider_id}`` applied to the booking it names.

Signature and age first (401, ``booking.signing``), then the event id: a delivery of an event id we
already answered gets that answer again and changes nothing (``webhook_deliveries``). Then the event
moves the booking through ``booking.transitions.move`` like any other change, with the provider as
the actor: ``instance.running`` -> active, ``instance.failed`` -> failed, ``instance.terminated`` ->
completed (cancelled if it never ran; an acknowledged no-op if it had already ended).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.audit import Actor
from accounts.service import Ctx, now_utc, record
from booking import repository, signing
from booking.errors import ConcurrentUpdate, IllegalTransition, InvalidSignature
from booking.models import TERMINAL_STATES, Booking, BookingState, WebhookDelivery
from booking.schemas import ProviderEvent
from booking.transitions import ALLOWED, S, flush, move
from core.errors import InvalidInput, NotFound
from core.observability import current_trace_id
from core.secrets import webhook_secret
from core.settings import DEV_WEBHOOK_SECRET

log = logging.getLogger(__name__)

# What each provider event asks for.
EVENT_TARGETS: dict[str, BookingState] = {
    "instance.running": S.ACTIVE,
    "instance.failed": S.FAILED,
    "instance.terminated": S.COMPLETED,
}
_PROVIDER_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,39}")


def _parse_event(body: bytes) -> ProviderEvent:
    try:
        return ProviderEvent.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValidationError) as exc:
        fields = (
            [".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()]
            if isinstance(exc, ValidationError)
            else []
        )
        raise InvalidInput(
            "the webhook body is not a provider event",
            details=[{"field": f} for f in fields] or [{"field": "body"}],
        ) from None


def _ran_before_it_ended(session: Session, booking: Booking, event: ProviderEvent) -> bool:
    """Whether a late ``instance.running`` belongs before the ``instance.terminated`` that cancelled
    ``booking``: the cancel came from that webhook, and this event happened before it did."""
    if event.occurred_at is None or booking.ended_at is None:
        return False
    last = repository.transitions(session, booking.id)[-1]
    if last.source != "webhook" or (last.details or {}).get("event_type") != "instance.terminated":
        return False
    started = event.occurred_at if event.occurred_at.tzinfo else event.occurred_at.replace(tzinfo=UTC)
    ended = booking.ended_at if booking.ended_at.tzinfo else booking.ended_at.replace(tzinfo=UTC)
    return started <= ended


def _replay(prior: WebhookDelivery) -> dict[str, Any]:
    return {"status_code": prior.status_code, "body": prior.response, "replayed": True}


def _apply_event(
    session: Session,
    ctx: Ctx,
    booking: Booking,
    event: ProviderEvent,
    provider_id: str,
    source: str = "webhook",
) -> tuple[int, dict[str, Any]]:
    """Moves the booking as the event says; the answer to keep for this event id. ``source``: "webhook",
    or "poll" when the worker saw it by reading the provider's API (``booking.tracking``)."""
    actor = (
        Actor("client", f"provider:{provider_id}")
        if source == "webhook"
        else Actor("system", f"poller:{provider_id}")
    )
    current = BookingState(booking.state)
    target = EVENT_TARGETS[event.type]
    answer: dict[str, Any] = {"received": True, "event_id": event.id, "booking_id": booking.id}
    if (
        event.type == "instance.running"
        and current is S.CANCELLED
        and _ran_before_it_ended(session, booking, event)
    ):
        # The provider's deliveries crossed (retries with backoff): "terminated" came first and made a
        # booking that never started look cancelled, but the instance did run, from this event's time
        # until the terminated event's. Record that it ran, so it is billed for the time it ran.
        transition = move(
            session,
            ctx,
            booking,
            S.COMPLETED,
            source=source,
            actor=actor,
            event_id=event.id,
            details={
                "event_type": event.type,
                "correction": "instance.running arrived after instance.terminated",
            },
            happened_at=event.occurred_at,
            correction=True,
        )
        booking.activated_at = transition.occurred_at
        flush(session)
        return 200, {**answer, "applied": True, "from": current.value, "state": S.COMPLETED.value}
    if event.type == "instance.terminated":
        if current in TERMINAL_STATES:
            # The instance went away after the booking ended (our own cancel, or a failure): expected.
            target = current
        elif current is not S.ACTIVE:
            target = S.CANCELLED
    if target is current:
        return 200, {**answer, "applied": False, "state": current.value}
    if target not in ALLOWED[current]:
        error = IllegalTransition(current.value, target.value)
        record(
            session,
            ctx,
            "booking.webhook_rejected",
            "failure",
            tenant_id=booking.tenant_id,
            actor=actor,
            target=f"booking:{booking.id}",
            details={
                "event_id": event.id,
                "event_type": event.type,
                "from": current.value,
                "to": target.value,
            },
        )
        envelope = {
            "code": error.code,
            "message": error.message,
            "details": error.details,
            "trace_id": current_trace_id(),
        }
        return 409, {"error": envelope}
    if target is S.FAILED:
        booking.failure_reason = event.reason or "the provider reported a failure"
    details = (
        {"event_type": event.type, "reason": event.reason} if event.reason else {"event_type": event.type}
    )
    move(
        session,
        ctx,
        booking,
        target,
        source=source,
        actor=actor,
        event_id=event.id,
        details=details,
        happened_at=event.occurred_at,
    )
    return 200, {**answer, "applied": True, "from": current.value, "state": target.value}


def apply_webhook(
    session: Session, ctx: Ctx, provider_id: str, body: bytes, headers: Mapping[str, str]
) -> dict[str, Any]:
    """One provider delivery: signature and age (401), then the answer for its event id.

    Returns ``{"status_code", "body", "replayed"}``. A delivery of an event id already answered gets
    that answer again and changes nothing. An instance we do not know is a 404 that is *not* kept:
    a provider retries, and the retry succeeds once the submit that created the instance has
    committed. An event the booking's state does not allow is a 409 that is kept, with an audit entry.
    """
    if not _PROVIDER_ID.fullmatch(provider_id):
        raise NotFound(f"no provider {provider_id[:40]!r}", code="unknown_provider")
    secret = webhook_secret(ctx.settings, provider_id)
    if ctx.settings.env == "production" and secret == DEV_WEBHOOK_SECRET:
        # Anyone can sign with the public dev secret: in production no webhook is trusted until one is set.
        log.error("webhook of %s refused: GPUBROKER_WEBHOOK_SECRET is not configured", provider_id)
        raise InvalidSignature("webhooks are not accepted: no webhook secret is configured for this provider")
    signing.verify(secret, body, headers, ctx.settings.webhook_tolerance_s, time.time())
    event = _parse_event(body)
    if (prior := repository.delivery(session, provider_id, event.id)) is not None:
        return _replay(prior)
    booking: Booking | None = None
    if event.type in EVENT_TARGETS:
        booking = repository.booking_by_ref(session, provider_id, event.instance_id, lock=True)
        if booking is None:
            raise NotFound(
                f"no booking of provider {provider_id!r} has instance {event.instance_id!r}",
                code="unknown_instance",
            )
        # Again, now that we hold the booking: a delivery of the same event may have committed meanwhile.
        if (prior := repository.delivery(session, provider_id, event.id)) is not None:
            return _replay(prior)
        status, answer = _apply_event(session, ctx, booking, event, provider_id)
    else:
        status, answer = (
            200,
            {"received": True, "event_id": event.id, "ignored": f"unhandled event type {event.type}"},
        )
    session.add(
        WebhookDelivery(
            provider_id=provider_id,
            event_id=event.id,
            event_type=event.type,
            received_at=now_utc(),
            booking_id=booking.id if booking else None,
            status_code=status,
            response=answer,
            payload=orjson.loads(body),
        )
    )
    try:
        flush(session)
    except IntegrityError as exc:
        # Another delivery of this event id got there first; the caller retries and replays its answer.
        raise ConcurrentUpdate(f"event {event.id!r} is being applied by another delivery") from exc
    return {"status_code": status, "body": answer, "replayed": False}


def apply_observed(
    session: Session,
    ctx: Ctx,
    booking: Booking,
    event_type: str,
    *,
    reason: str | None = None,
    occurred_at: datetime | None = None,
) -> dict[str, Any]:
    """What a poll of the provider saw, applied exactly as the webhook ``event_type`` would be: the event id
    is ``poll:<instance>:<type>``, so a second poll (or a second worker) seeing the same thing replays the
    first answer and changes nothing. ``booking`` must be locked by the caller."""
    assert booking.provider_ref is not None  # nosec B101  # callers pass bookings with an instance
    event_id = f"poll:{booking.provider_ref}:{event_type}"
    if (prior := repository.delivery(session, booking.provider_id, event_id)) is not None:
        return _replay(prior)
    event = ProviderEvent(
        id=event_id, type=event_type, instance_id=booking.provider_ref, occurred_at=occurred_at, reason=reason
    )
    status, answer = _apply_event(session, ctx, booking, event, booking.provider_id, source="poll")
    payload = {"id": event_id, "type": event_type, "instance_id": booking.provider_ref, "reason": reason}
    session.add(
        WebhookDelivery(
            provider_id=booking.provider_id,
            event_id=event_id,
            event_type=event_type,
            received_at=now_utc(),
            booking_id=booking.id,
            status_code=status,
            response=answer,
            payload=payload,
        )
    )
    try:
        flush(session)
    except IntegrityError as exc:
        raise ConcurrentUpdate(f"event {event_id!r} is being applied by another poller") from exc
    return {"status_code": status, "body": answer, "replayed": False}
