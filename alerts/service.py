"""Price alert rules: creating alerts, deciding crossings, and delivering notifications.

When does an alert fire? ``evaluate`` reads the price events an ingestion committed (catalog.stream).
For each active alert whose saved search an event's offer matches, the offer is *under* when it is
available and its price (per hour or per GPU-hour, as the alert says) is at or below the threshold.
The alert fires only when an offer goes from not-under to under (``AlertOfferState``, locked while
deciding on PostgreSQL): once per offer per crossing, however many syncs see it there. Offers already
under when the alert is created are recorded as under without a notice: the alert is about prices
that *arrive*.

Exactly once, and the failure story:

- ``price_updates`` is consumed by the ``alerts`` consumer group (one worker handles each message) and
  the handler records the event id with ``core.bus.first_handling`` in the same transaction as the
  firings, so a redelivered message fires nothing twice.
- Each firing is one in-app notification and one ``AlertDelivery`` row per outside channel, written
  in that transaction. A sender takes a due delivery with one conditional UPDATE
  (``repository.claim_delivery``) that only one process can win, sends it, and records the result;
  a process that dies while sending leaves the delivery due again after the lease, so delivery is at
  least once in that case only (the webhook carries a stable delivery id for the receiver to dedupe).
- Webhooks are HMAC-SHA256 signed over ``<timestamp>.<body>`` with the alert's own secret (header
  ``X-GPUBroker-Signature: t=<unix>,v1=<hex>``, like our inbound webhooks); 5xx, 429 and network
  errors are retried with exponential backoff (``alert_retry_base_s * 2^(n-1)``) up to
  ``alert_webhook_attempts`` tries, other 4xx are final. Email goes through ``core.mail`` with the
  same retries. Every try is in the delivery log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from accounts import crypto
from accounts.service import Principal
from alerts import repository as repo
from alerts.models import AlertDelivery, AlertFiring, AlertOfferState, PriceAlert
from alerts.schemas import AlertCreate
from catalog import repository as catalog_repo
from catalog.schemas import OfferFilters
from catalog.service import build_spec
from catalog.stream import matches
from core import mail
from core.db import session_scope
from core.errors import AppError, InvalidInput, NotFound
from core.settings import Settings

log = logging.getLogger(__name__)

SEND_LEASE_S = 120.0
VIEW_FIELDS = {"sort", "page", "page_size"}


def _filters(raw: dict[str, Any]) -> OfferFilters:
    bad = sorted(k for k in raw if k in VIEW_FIELDS)
    if bad:
        raise InvalidInput(
            "an alert watches offers, not a page of them",
            details=[{"field": f"filters.{k}", "message": "not an alert filter"} for k in bad],
        )
    try:
        return OfferFilters.model_validate(raw)
    except Exception as exc:  # pydantic's ValidationError, rendered with the field names
        from pydantic import ValidationError

        from core.errors import validation_details

        if isinstance(exc, ValidationError):
            details = validation_details([dict(e) for e in exc.errors()])
            for d in details:
                d["field"] = f"filters.{d['field']}"
            raise InvalidInput("invalid filters", details=details) from exc
        raise


def describe(filters: dict[str, Any], threshold: Decimal, per: str) -> str:
    """A name a person reads: "8x H100 in eu at or below $16/h"."""
    parts = []
    count = filters.get("gpu_count_exact") or filters.get("gpu_count")
    gpu = filters.get("gpu_type") or "any GPU"
    parts.append(f"{count}x {gpu}" if count else str(gpu))
    for key, word in (("geo", "in"), ("country", "in"), ("region", "in"), ("provider", "from")):
        if filters.get(key):
            parts.append(f"{word} {filters[key]}")
    if filters.get("spot") is True:
        parts.append("spot")
    unit = "/GPU-h" if per == "gpu_hour" else "/h"
    return f"{' '.join(parts)} at or below ${format(threshold.normalize(), 'f')}{unit}"


def create_alert(
    session: Session, settings: Settings, principal: Principal, body: AlertCreate, now: datetime | None = None
) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    filters = _filters(body.filters)
    spec, _ = build_spec(filters, limit=100_000)  # unknown GPU or provider: InvalidInput naming it
    if repo.count_user_alerts(session, principal.user_id) >= settings.alerts_per_user:
        raise AppError(
            f"you have {settings.alerts_per_user} alerts, the most one user may keep; delete one first",
            code="too_many_alerts",
            status=409,
        )
    saved = filters.model_dump(
        exclude_none=True,
        exclude=VIEW_FIELDS | ({"include_gpu_only"} if not filters.include_gpu_only else set()),
    )
    secret = crypto.random_token(24) if "webhook" in body.channels else None
    alert = PriceAlert(
        id=str(uuid.uuid4()),
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        name=body.name or describe(saved, body.threshold, body.per),
        filters=json.loads(json.dumps(saved, default=str)),
        threshold=body.threshold,
        per=body.per,
        channels=list(body.channels),
        email=(body.email or principal.email) if "email" in body.channels else None,
        webhook_url=body.webhook_url,
        webhook_secret=crypto.encrypt(settings.jwt_secret.get_secret_value(), secret) if secret else None,
        active=True,
        created_at=now,
    )
    session.add(alert)
    session.flush()
    # Offers already under the threshold are recorded as under: the alert tells of prices that arrive.
    if body.per == "hour":
        spec.max_price = body.threshold
    else:
        spec.max_price_per_gpu = body.threshold
    spec.availability = "up"
    _total, under = catalog_repo.search_offers(session, spec)
    for row in under:
        session.add(AlertOfferState(alert_id=alert.id, offer_id=row["id"], under=True, since=now))
    session.flush()
    return {**alert_out(alert), "webhook_secret": secret, "currently_under": len(under)}


def alert_out(alert: PriceAlert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "name": alert.name,
        "filters": alert.filters,
        "threshold": alert.threshold,
        "per": alert.per,
        "channels": alert.channels,
        "email": alert.email,
        "webhook_url": alert.webhook_url,
        "active": alert.active,
        "created_at": alert.created_at,
    }


def list_alerts(session: Session, principal: Principal) -> list[dict[str, Any]]:
    return [alert_out(a) for a in repo.user_alerts(session, principal.user_id)]


def _own(session: Session, principal: Principal, alert_id: str) -> PriceAlert:
    alert = repo.get_alert(session, alert_id)
    if alert is None or alert.user_id != principal.user_id:
        raise NotFound(f"alert {alert_id!r} not found")
    return alert


def delete_alert(session: Session, principal: Principal, alert_id: str) -> None:
    session.delete(_own(session, principal, alert_id))
    session.flush()


def notifications(session: Session, principal: Principal) -> list[AlertFiring]:
    return repo.firings(session, principal.user_id)


def unread(session: Session, user_id: str) -> int:
    return repo.unread_count(session, user_id)


def mark_read(session: Session, principal: Principal, now: datetime | None = None) -> int:
    return repo.mark_read(session, principal.user_id, now or datetime.now(UTC))


def delivery_log(session: Session, principal: Principal, alert_id: str | None = None) -> list[AlertDelivery]:
    ids = [alert_id] if alert_id else [a.id for a in repo.user_alerts(session, principal.user_id)]
    if alert_id:
        _own(session, principal, alert_id)
    return repo.deliveries(session, ids)


# --- crossings --------------------------------------------------------------------------------------


def _price(event: dict[str, Any], per: str) -> Decimal:
    m = event.get("match") or {}
    return Decimal(str(m["price_per_gpu_hour"] if per == "gpu_hour" else m["price_per_hour"]))


def evaluate(session: Session, events: Iterable[dict[str, Any]], now: datetime | None = None) -> list[str]:
    """Decides the crossings the events bring, in the caller's transaction; returns the new firings' ids."""
    now = now or datetime.now(UTC)
    alerts = [(a, build_spec(OfferFilters.model_validate(a.filters))[0]) for a in repo.active_alerts(session)]
    fired: list[str] = []
    if not alerts:
        return fired
    for event in events:
        for alert, spec in alerts:
            if not matches(spec, {**event, "match": {**(event.get("match") or {}), "availability": "up"}}):
                continue
            price = _price(event, alert.per)
            under = event.get("availability") != "down" and price <= alert.threshold
            state = repo.offer_state(session, alert.id, event["offer_id"])
            if state is None:
                session.add(
                    AlertOfferState(alert_id=alert.id, offer_id=event["offer_id"], under=under, since=now)
                )
                session.flush()
            elif state.under != under:
                state.under, state.since = under, now
            else:
                continue
            if under:
                fired.append(_fire(session, alert, event, price, now))
    return fired


def _fire(session: Session, alert: PriceAlert, event: dict[str, Any], price: Decimal, now: datetime) -> str:
    m = event.get("match") or {}
    as_of = event.get("price_as_of")
    firing = AlertFiring(
        id=str(uuid.uuid4()),
        alert_id=alert.id,
        user_id=alert.user_id,
        offer_id=event["offer_id"],
        price=price,
        price_per_hour=Decimal(str(m.get("price_per_hour", event.get("new_price")))),
        threshold=alert.threshold,
        per=alert.per,
        offer={
            "id": event["offer_id"],
            "provider": event.get("provider"),
            "gpu_type": event.get("gpu_type"),
            "gpu_count": m.get("gpu_count"),
            "region": event.get("region"),
            "external_id": event.get("external_id"),
            "spot": m.get("spot"),
        },
        price_as_of=datetime.fromisoformat(as_of) if as_of else None,
        event_seq=event.get("seq"),
        fired_at=now,
        read_at=None,
    )
    session.add(firing)
    session.flush()
    for channel, target in (("email", alert.email), ("webhook", alert.webhook_url)):
        if channel in alert.channels and target:
            session.add(
                AlertDelivery(
                    id=str(uuid.uuid4()),
                    firing_id=firing.id,
                    alert_id=alert.id,
                    channel=channel,
                    target=target,
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    session.flush()
    return firing.id


# --- delivery ---------------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_body(delivery: AlertDelivery, firing: AlertFiring, alert: PriceAlert) -> bytes:
    return json.dumps(
        {
            "type": "price_alert.fired",
            "delivery_id": delivery.id,
            "firing_id": firing.id,
            "alert": {
                "id": alert.id,
                "name": alert.name,
                "threshold": float(alert.threshold),
                "per": alert.per,
            },
            "offer": firing.offer,
            "price": float(firing.price),
            "price_per_hour": float(firing.price_per_hour),
            "price_as_of": firing.price_as_of.isoformat() if firing.price_as_of else None,
            "fired_at": firing.fired_at.isoformat(),
        },
        separators=(",", ":"),
    ).encode()


def _email(firing: AlertFiring, alert: PriceAlert, settings: Settings) -> tuple[str, str]:
    o = firing.offer
    unit = "GPU-hour" if firing.per == "gpu_hour" else "hour"
    as_of = firing.price_as_of.strftime("%Y-%m-%d %H:%M UTC") if firing.price_as_of else "unknown"
    subject = f"Price alert: {o.get('gpu_type')} at ${firing.price:.2f}/{unit} ({o.get('provider')})"
    link = f"{settings.base_url}/offers/{o.get('id')}"
    text = (
        f'Your alert "{alert.name}" fired.\n\n'
        f"{o.get('gpu_count')}x {o.get('gpu_type')} from {o.get('provider')} in {o.get('region')} is now "
        f"${firing.price:.4f} per {unit} (${firing.price_per_hour:.2f}/h), at or below your ${firing.threshold:g}.\n"
        f"Price as of {as_of}.\n\n{link}\n\nManage your alerts: {settings.base_url}/account/alerts\n"
    )
    return subject, text


def deliver_due(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    client: httpx.Client | None = None,
    now: datetime | None = None,
) -> int:
    """Sends every due delivery once (claimed first, so two senders never send the same one); returns
    how many were tried."""
    now = now or datetime.now(UTC)
    with session_scope(factory) as session:
        due = repo.due_deliveries(session, now)
    tried = 0
    own = client is None
    http = client or httpx.Client(timeout=settings.http_timeout_s)
    try:
        for delivery_id in due:
            with session_scope(factory) as session:
                if not repo.claim_delivery(session, delivery_id, now, now + timedelta(seconds=SEND_LEASE_S)):
                    continue
                delivery, firing, alert = repo.delivery_with_context(session, delivery_id)
                attempt = delivery.attempts
                channel, target = delivery.channel, delivery.target
                payload = webhook_body(delivery, firing, alert) if channel == "webhook" else b""
                secret = (
                    crypto.decrypt(settings.jwt_secret.get_secret_value(), alert.webhook_secret)
                    if alert.webhook_secret
                    else None
                )
                subject, text = _email(firing, alert, settings) if channel == "email" else ("", "")
            tried += 1
            if channel == "email":
                sent = mail.send(settings, target, subject, text)
                ok, status, error, final = sent.ok, None, sent.detail, False
            else:
                ok, status, error, final = _post(http, target, payload, secret, delivery_id)
            _record(factory, settings, delivery_id, attempt, ok, status, error, final)
    finally:
        if own:
            http.close()
    return tried


def _post(
    http: httpx.Client, url: str, body: bytes, secret: str | None, delivery_id: str
) -> tuple[bool, int | None, str | None, bool]:
    """(sent, HTTP status, error, final failure)."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GPUBroker-Alerts/1",
        "X-GPUBroker-Event": "price_alert.fired",
        "X-GPUBroker-Delivery": delivery_id,
    }
    if secret:
        headers["X-GPUBroker-Signature"] = sign(secret, int(time.time()), body)
    try:
        response = http.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return False, None, f"{type(exc).__name__}: {exc}"[:400], False
    status = response.status_code
    if 200 <= status < 300:
        return True, status, None, False
    final = 400 <= status < 500 and status not in (408, 429)
    return False, status, f"HTTP {status}: {response.text[:200]}", final


def _record(
    factory: sessionmaker[Session],
    settings: Settings,
    delivery_id: str,
    attempt: int,
    ok: bool,
    status: int | None,
    error: str | None,
    final: bool,
) -> None:
    now = datetime.now(UTC)
    values: dict[str, Any] = {"response_status": status, "last_error": error}
    if ok:
        values.update(status="sent", delivered_at=now, next_attempt_at=None, last_error=None)
    elif final or attempt >= settings.alert_webhook_attempts:
        values.update(status="failed", next_attempt_at=None)
    else:
        wait = settings.alert_retry_base_s * (2 ** (attempt - 1))
        values.update(status="pending", next_attempt_at=now + timedelta(seconds=wait))
    with session_scope(factory) as session:
        repo.record_result(session, delivery_id, values)
    if not ok:
        log.warning("alert delivery %s try %d failed: %s", delivery_id, attempt, error)
