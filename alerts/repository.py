"""Every SQL statement of alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from alerts.models import AlertDelivery, AlertFiring, AlertOfferState, PriceAlert


def active_alerts(session: Session) -> list[PriceAlert]:
    return list(session.execute(select(PriceAlert).where(PriceAlert.active.is_(True))).scalars())


def user_alerts(session: Session, user_id: str) -> list[PriceAlert]:
    q = select(PriceAlert).where(PriceAlert.user_id == user_id).order_by(PriceAlert.created_at.desc())
    return list(session.execute(q).scalars())


def count_user_alerts(session: Session, user_id: str) -> int:
    return int(session.execute(select(func.count()).where(PriceAlert.user_id == user_id)).scalar_one())


def get_alert(session: Session, alert_id: str) -> PriceAlert | None:
    return session.get(PriceAlert, alert_id)


def offer_state(session: Session, alert_id: str, offer_id: str) -> AlertOfferState | None:
    """The row is locked on PostgreSQL: two consumers deciding the same crossing take turns."""
    q = select(AlertOfferState).where(
        AlertOfferState.alert_id == alert_id, AlertOfferState.offer_id == offer_id
    )
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    return session.execute(q).scalar_one_or_none()


def firings(session: Session, user_id: str, limit: int = 100) -> list[AlertFiring]:
    q = (
        select(AlertFiring)
        .where(AlertFiring.user_id == user_id)
        .order_by(AlertFiring.fired_at.desc())
        .limit(limit)
    )
    return list(session.execute(q).scalars())


def unread_count(session: Session, user_id: str) -> int:
    q = select(func.count()).where(AlertFiring.user_id == user_id, AlertFiring.read_at.is_(None))
    return int(session.execute(q).scalar_one())


def mark_read(session: Session, user_id: str, now: datetime) -> int:
    result = session.execute(
        update(AlertFiring)
        .where(AlertFiring.user_id == user_id, AlertFiring.read_at.is_(None))
        .values(read_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def deliveries(session: Session, alert_ids: list[str], limit: int = 100) -> list[AlertDelivery]:
    if not alert_ids:
        return []
    q = (
        select(AlertDelivery)
        .where(AlertDelivery.alert_id.in_(alert_ids))
        .order_by(AlertDelivery.created_at.desc())
        .limit(limit)
    )
    return list(session.execute(q).scalars())


def due_deliveries(session: Session, now: datetime, limit: int = 100) -> list[str]:
    q = (
        select(AlertDelivery.id)
        .where(AlertDelivery.status == "pending", AlertDelivery.next_attempt_at <= now)
        .order_by(AlertDelivery.next_attempt_at)
        .limit(limit)
    )
    return list(session.execute(q).scalars())


def claim_delivery(session: Session, delivery_id: str, now: datetime, lease_until: datetime) -> bool:
    """Takes a due delivery for one sender: one UPDATE that only one transaction can win (the row's
    ``next_attempt_at`` moves past now, so nobody else finds it due while it is being sent)."""
    result = session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.id == delivery_id,
            AlertDelivery.status == "pending",
            AlertDelivery.next_attempt_at <= now,
        )
        .values(next_attempt_at=lease_until, attempts=AlertDelivery.attempts + 1)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def delivery_with_context(
    session: Session, delivery_id: str
) -> tuple[AlertDelivery, AlertFiring, PriceAlert]:
    delivery = session.get(AlertDelivery, delivery_id)
    assert delivery is not None  # nosec B101  # ids come from rows of the same transaction
    firing = session.get(AlertFiring, delivery.firing_id)
    alert = session.get(PriceAlert, delivery.alert_id)
    assert firing is not None and alert is not None  # nosec B101  # foreign keys hold these rows
    return delivery, firing, alert


def record_result(session: Session, delivery_id: str, values: dict[str, Any]) -> None:
    session.execute(update(AlertDelivery).where(AlertDelivery.id == delivery_id).values(**values))
