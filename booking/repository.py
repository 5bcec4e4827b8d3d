"""Every query of the booking domain.

Reads that precede a state change lock the booking row on PostgreSQL (``SELECT ... FOR UPDATE``), so
two writers queue instead of both acting on the same state; SQLite has no row locks and relies on the
``version`` column checked by every UPDATE (see ``booking.models``). ``populate_existing`` makes a
locked read refresh an object the session already holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from booking.models import Booking, BookingTransition, WebhookDelivery
from catalog.models import Offer


def _locked(session: Session, query: Select[Booking], lock: bool) -> Select[Booking]:
    if lock:
        query = query.execution_options(populate_existing=True)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
    return query


def offer(session: Session, offer_id: str) -> Offer | None:
    return session.get(Offer, offer_id)


def booking(session: Session, booking_id: str, *, lock: bool = False) -> Booking | None:
    query = _locked(session, select(Booking).where(Booking.id == booking_id), lock)
    return session.execute(query).scalar_one_or_none()


def booking_by_ref(
    session: Session, provider_id: str, provider_ref: str, *, lock: bool = False
) -> Booking | None:
    query = select(Booking).where(Booking.provider_id == provider_id, Booking.provider_ref == provider_ref)
    return session.execute(_locked(session, query, lock)).scalar_one_or_none()


def booking_by_key(session: Session, tenant_id: str, key: str) -> Booking | None:
    query = select(Booking).where(Booking.tenant_id == tenant_id, Booking.idempotency_key == key)
    return session.execute(query).scalar_one_or_none()


def list_bookings(
    session: Session, tenant_id: str, state: str | None, offset: int, limit: int
) -> tuple[Sequence[Booking], int]:
    where = [Booking.tenant_id == tenant_id]
    if state is not None:
        where.append(Booking.state == state)
    total = session.execute(select(func.count()).select_from(Booking).where(*where)).scalar_one()
    rows = (
        session.execute(
            select(Booking)
            .where(*where)
            .order_by(Booking.created_at.desc(), Booking.id)
            .offset(offset)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    return rows, int(total)


def transitions(session: Session, booking_id: str) -> Sequence[BookingTransition]:
    query = (
        select(BookingTransition)
        .where(BookingTransition.booking_id == booking_id)
        .order_by(BookingTransition.id)
    )
    return session.execute(query).scalars().all()


def delivery(session: Session, provider_id: str, event_id: str) -> WebhookDelivery | None:
    query = select(WebhookDelivery).where(
        WebhookDelivery.provider_id == provider_id, WebhookDelivery.event_id == event_id
    )
    return session.execute(query).scalar_one_or_none()
