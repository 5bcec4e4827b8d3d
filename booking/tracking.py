"""Tracking real instances: asking the provider for them after the submit, polling them, ending them, and
reconciling the provider's list with our bookings. Run by the worker (``booking.jobs``).

::

    submit commits ──▶ booking_events {to: pending_provision} ──▶ consumer "booking-provisioner"
                                                                   provision_booking()
    every 15 s: poll_due() ──▶ each due pending/active booking ──▶ poll_booking()
        pending, no instance yet ──▶ provision_booking() (a missed event) or, after 10 min, failed
        instance running          ──▶ instance.running  ──▶ active, with `connection`
        still starting after 10 min ─▶ terminate ──▶ failed ("not running 10 minutes after submit")
        active past its hours     ──▶ terminate (stop_reason "booked hours ended")
        instance terminated       ──▶ instance.terminated ──▶ completed (reason: ours, the provider's, spot reclaim)
        instance gone / host lost ──▶ instance.failed ──▶ failed
    every 10 min: reconcile() ──▶ instances tagged by us that no live booking accounts for ──▶ provider_orphans

**One instance per booking.** ``provision_booking`` first *claims* the booking: one conditional UPDATE sets
``provision_claimed_at`` only where the booking is pending, has no instance and no live claim (younger than
``CLAIM_LEASE_S``), and commits; whoever's UPDATE counted a row asks the provider, the others return. The
provider call itself looks for an instance carrying the booking's tag or name before creating one (and EC2
gets the booking id as ``ClientToken``), so a claimant that died after the provider accepted, whose lease
then expired, is followed by one that finds the instance instead of making a second. A booking cancelled
while its instance was being created gets that instance terminated by the worker that created it.

**Same transitions as webhooks.** What a poll sees goes through ``booking.webhooks.apply_observed`` with
the event id ``poll:<instance>:<type>``: stored like a webhook delivery, so a second poll (or a second
worker) that sees the same thing replays the first answer and changes nothing, and a booking moves by the
same table of allowed moves.

**Backoff.** A booking's ``next_poll_at`` moves ``poll_interval_s`` ahead after a change and doubles (up to
``poll_max_interval_s``) while nothing changes; never past the moment its booked hours end or its 10
minutes to start run out. A 429 waits what the provider asked. Polls take no row lock while they wait on
the provider; the write that follows locks the booking and re-reads it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from accounts.audit import Actor, Source
from accounts.service import Ctx, record
from booking import credentials, repository
from booking.errors import (
    ConcurrentUpdate,
    CredentialsRefused,
    ProviderError,
    ProviderRateLimited,
    ProviderRefused,
)
from booking.models import TERMINAL_STATES, Booking, BookingState, ProviderCredential, ProviderOrphan
from booking.provisioners import SANDBOX, Credentials, Observation, has_provisioner, provisioner_for
from booking.transitions import S, flush, move
from booking.webhooks import apply_observed
from core.db import session_scope
from core.settings import Settings

log = logging.getLogger(__name__)

CLAIM_LEASE_S = 120.0
POLL_BATCH = 100
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _ctx(settings: Settings, bus: Any) -> Ctx:
    return Ctx(settings=settings, source=Source(), bus=bus)


def ends_at(booking: Booking) -> datetime | None:
    started = _aware(booking.activated_at)
    return started + timedelta(hours=booking.hours) if started else None


def time_left_s(booking: Booking, now: datetime) -> int | None:
    """Seconds of booked time left while active; None otherwise."""
    end = ends_at(booking)
    if booking.state != S.ACTIVE or end is None:
        return None
    return max(0, int((end - now).total_seconds()))


def cost_so_far(booking: Booking, now: datetime) -> Decimal | None:
    """What the instance has cost since it started, at the booked price, capped at the booked hours."""
    started = _aware(booking.activated_at)
    if started is None:
        return None
    until = _aware(booking.ended_at) or now
    hours = min(max((until - started).total_seconds(), 0) / 3600, booking.hours)
    return (Decimal(booking.hourly_price) * Decimal(str(hours))).quantize(Decimal("0.01"), ROUND_HALF_UP)


def connection_view(booking: Booking) -> dict[str, Any] | None:
    """``connection`` of the API: the stored address plus the command to type."""
    stored = booking.connection
    if not stored or booking.state != S.ACTIVE:
        return None
    user, host, port = (
        stored.get("ssh_user") or "root",
        stored["public_ip"],
        int(stored.get("ssh_port") or 22),
    )
    command = f"ssh {user}@{host}" if port == 22 else f"ssh -p {port} {user}@{host}"
    return {
        "public_ip": host,
        "ssh_user": user,
        "ssh_port": port,
        "ssh_command": command,
        "ports": list(stored.get("ports") or []),
    }


def _account(session: Session, settings: Settings, booking: Booking) -> Credentials | None:
    account = credentials.account_for(session, settings, booking.tenant_id, booking.provider_id)
    return account.credentials if account is not None else None


# --- asking for the instance -------------------------------------------------------------------------


def claim(session: Session, booking_id: str, now: datetime) -> bool:
    """Takes the right to ask the provider for this booking's instance (see the module docstring)."""
    stale = now - timedelta(seconds=CLAIM_LEASE_S)
    result = session.execute(
        update(Booking)
        .where(
            Booking.id == booking_id,
            Booking.state == S.PENDING_PROVISION.value,
            Booking.provider_ref.is_(None),
            Booking.provisioner.is_not(None),
            Booking.provisioner != SANDBOX,
            or_(Booking.provision_claimed_at.is_(None), Booking.provision_claimed_at < stale),
        )
        .values(provision_claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def _fail(session: Session, ctx: Ctx, booking: Booking, reason: str, *, source: str = "system") -> None:
    booking.failure_reason = reason
    move(
        session,
        ctx,
        booking,
        S.FAILED,
        source=source,
        actor=Actor("system", f"provisioner:{booking.provider_id}"),
        details={"reason": reason},
    )


def provision_booking(
    factory: sessionmaker[Session],
    settings: Settings,
    booking_id: str,
    *,
    bus: Any = None,
    clock: Clock = utcnow,
) -> str | None:
    """Asks the provider for a pending booking's instance, once (the claim); returns the instance id, or
    None when there was nothing to do (not pending, already has one, another worker holds the claim)."""
    with session_scope(factory) as session:
        if not claim(session, booking_id, clock()):
            return None
    ctx = _ctx(settings, bus)
    with session_scope(factory) as session:
        booking = repository.booking(session, booking_id)
        if booking is None:
            return None
        account = _account(session, settings, booking)
        if account is None:
            booking = repository.booking(session, booking_id, lock=True)
            if booking is not None and booking.state == S.PENDING_PROVISION:
                _fail(session, ctx, booking, f"the team's {booking.provider_id} credentials were removed")
            return None
        provisioner = provisioner_for(booking.provider_id, settings, account)
        try:
            ref = provisioner.provision(booking)
        except (ProviderRefused, CredentialsRefused) as exc:
            booking = repository.booking(session, booking_id, lock=True)
            if booking is not None and booking.state == S.PENDING_PROVISION and booking.provider_ref is None:
                _fail(session, ctx, booking, f"{booking.provider_id} refused the instance: {exc.message}")
            return None
        booking = repository.booking(session, booking_id, lock=True)
        assert booking is not None  # nosec B101  # locked again a moment after; bookings are never deleted
        booking.provider_ref = ref
        booking.next_poll_at = clock()
        booking.poll_streak = 0
        flush(session)
        record(
            session,
            ctx,
            "booking.provisioned",
            "success",
            tenant_id=booking.tenant_id,
            actor=Actor("system", f"provisioner:{booking.provider_id}"),
            target=f"booking:{booking.id}",
            details={"provider": booking.provider_id, "provider_ref": ref, "spot": booking.spot},
        )
        if booking.state != S.PENDING_PROVISION:
            # Cancelled (or failed) while the provider was creating it: nobody wants this instance.
            booking.stop_reason = f"the booking was {booking.state} before its instance started"
            provisioner.stop(booking)
        return ref


# --- polling -------------------------------------------------------------------------------------------


def due(session: Session, now: datetime, limit: int = POLL_BATCH) -> list[str]:
    query = (
        select(Booking.id)
        .where(
            Booking.state.in_([S.PENDING_PROVISION.value, S.ACTIVE.value]),
            Booking.provisioner.is_not(None),
            Booking.provisioner != SANDBOX,
            or_(Booking.next_poll_at.is_(None), Booking.next_poll_at <= now),
        )
        .order_by(Booking.next_poll_at)
        .limit(limit)
    )
    return list(session.execute(query).scalars())


@dataclass
class PollResult:
    booking_id: str
    seen: str | None = None
    state: str | None = None
    changed: bool = False
    error: str | None = None


def _next_poll(
    settings: Settings, booking: Booking, now: datetime, changed: bool, wait_s: float | None = None
) -> None:
    booking.poll_streak = 0 if changed else booking.poll_streak + 1
    if wait_s is None:
        step = settings.poll_interval_s * (2 ** min(booking.poll_streak, 16))
        wait_s = min(step, settings.poll_max_interval_s)
    when = now + timedelta(seconds=wait_s)
    deadlines: list[datetime] = []
    submitted = _aware(booking.submitted_at)
    if booking.state == S.PENDING_PROVISION and submitted is not None:
        deadlines.append(submitted + timedelta(seconds=settings.provision_timeout_s))
    if (end := ends_at(booking)) is not None and booking.stop_reason is None:
        deadlines.append(end)
    for deadline in deadlines:
        if deadline > now:
            when = min(when, deadline)
    booking.next_poll_at = when


def _pending_too_long(settings: Settings, booking: Booking, now: datetime) -> bool:
    submitted = _aware(booking.submitted_at)
    return submitted is not None and now - submitted >= timedelta(seconds=settings.provision_timeout_s)


def poll_booking(
    factory: sessionmaker[Session],
    settings: Settings,
    booking_id: str,
    *,
    bus: Any = None,
    clock: Clock = utcnow,
) -> PollResult:
    """One look at one booking's instance, and what follows from it (see the module docstring)."""
    result = PollResult(booking_id)
    now = clock()
    with session_scope(factory) as session:
        booking = repository.booking(session, booking_id)
        if booking is None or booking.state not in (S.PENDING_PROVISION, S.ACTIVE):
            return result
        if (
            booking.state == S.PENDING_PROVISION
            and booking.provider_ref is None
            and not _pending_too_long(settings, booking, now)
        ):
            session.rollback()
            ref = provision_booking(factory, settings, booking_id, bus=bus, clock=clock)
            result.seen = "provisioned" if ref else None
            return result
        account = _account(session, settings, booking)
        observation: Observation | None = None
        wait_s: float | None = None
        if account is not None and booking.provider_ref is not None:
            provisioner = provisioner_for(booking.provider_id, settings, account)
            try:
                observation = provisioner.observe(booking)
            except ProviderRateLimited as exc:
                wait_s, result.error = exc.retry_after_s, exc.message
            except (ProviderError, CredentialsRefused) as exc:
                result.error = exc.message
                log.warning(
                    "polling booking %s at %s failed: %s", booking_id, booking.provider_id, exc.message
                )
        booking = repository.booking(session, booking_id, lock=True)
        assert booking is not None  # nosec B101  # locked again a moment after; bookings are never deleted
        before = (booking.state, booking.connection, booking.stop_reason)
        ctx = _ctx(settings, bus)
        if observation is not None:
            result.seen = observation.status
            _apply(session, ctx, settings, booking, observation, now, account)
        if booking.state == S.PENDING_PROVISION and _pending_too_long(settings, booking, now):
            reason = f"not running {settings.provision_timeout_s / 60:g} minutes after submit; the instance was terminated"
            if booking.provider_ref is not None and account is not None:
                try:
                    provisioner_for(booking.provider_id, settings, account).stop(booking)
                except (ProviderError, CredentialsRefused) as exc:
                    reason = f"not running {settings.provision_timeout_s / 60:g} minutes after submit ({exc.message})"
            booking.stop_reason = "start timed out"
            _fail(session, ctx, booking, reason)
        result.changed = (booking.state, booking.connection, booking.stop_reason) != before
        result.state = booking.state
        _next_poll(settings, booking, now, result.changed, wait_s)
        flush(session)
    return result


def _apply(
    session: Session,
    ctx: Ctx,
    settings: Settings,
    booking: Booking,
    seen: Observation,
    now: datetime,
    account: Credentials | None,
) -> None:
    state = BookingState(booking.state)
    if seen.status == "lost" and booking.stop_reason is not None:
        # Asked to end it, and it is gone: some providers forget a terminated instance at once.
        seen = replace(seen, status="terminated", ended_by="us", reason=booking.stop_reason)
    if seen.status == "running":
        if seen.connection() != booking.connection:
            booking.connection = seen.connection()
        if state == S.PENDING_PROVISION:
            apply_observed(session, ctx, booking, "instance.running", occurred_at=now)
        elif state == S.ACTIVE and booking.stop_reason is None and (end := ends_at(booking)) and end <= now:
            assert account is not None  # nosec B101  # loaded above for every active booking
            booking.stop_reason = "booked hours ended"
            provisioner_for(booking.provider_id, settings, account).stop(booking)
    elif seen.status == "terminated":
        if seen.ended_by == "spot":
            reason = f"{booking.provider_id} reclaimed the spot instance ({seen.reason})"
        elif booking.stop_reason:
            reason = booking.stop_reason
        else:
            reason = f"{booking.provider_id} ended the instance: {seen.reason or 'terminated'}"
        if state == S.PENDING_PROVISION:
            apply_observed(session, ctx, booking, "instance.failed", reason=reason, occurred_at=now)
        else:
            apply_observed(session, ctx, booking, "instance.terminated", reason=reason, occurred_at=now)
    elif seen.status == "lost":
        reason = seen.reason or f"{booking.provider_id} lost the instance"
        apply_observed(session, ctx, booking, "instance.failed", reason=reason, occurred_at=now)
    elif seen.status == "failed":
        apply_observed(session, ctx, booking, "instance.failed", reason=seen.reason, occurred_at=now)


def poll_due(
    factory: sessionmaker[Session], settings: Settings, *, bus: Any = None, clock: Clock = utcnow
) -> list[PollResult]:
    with session_scope(factory) as session:
        ids = due(session, clock())
    results = []
    for booking_id in ids:
        try:
            results.append(poll_booking(factory, settings, booking_id, bus=bus, clock=clock))
        except ConcurrentUpdate:
            # Another poller or a webhook moved it meanwhile: the next round looks again.
            results.append(PollResult(booking_id, error="changed meanwhile"))
    return results


# --- reconciliation -------------------------------------------------------------------------------------


def _accounts(session: Session, settings: Settings, provider_id: str) -> list[tuple[str | None, Credentials]]:
    rows = session.execute(
        select(ProviderCredential).where(ProviderCredential.provider_id == provider_id)
    ).scalars()
    found: list[tuple[str | None, Credentials]] = []
    for row in rows:
        account = credentials.account_for(session, settings, row.tenant_id, provider_id)
        if account is not None:
            found.append((row.tenant_id, account.credentials))
    broker = credentials.broker_credentials(settings, provider_id)
    if broker is not None:
        found.append((None, broker))
    return found


def reconcile(
    factory: sessionmaker[Session], settings: Settings, providers: list[str], *, clock: Clock = utcnow
) -> list[ProviderOrphan]:
    """Lists every account's tagged instances and records the ones no live booking accounts for; orphans
    seen before and gone now are marked resolved. Returns the unresolved orphans."""
    now = clock()
    with session_scope(factory) as session:
        for provider_id in providers:
            if not has_provisioner(provider_id):
                continue
            for tenant_id, account in _accounts(session, settings, provider_id):
                try:
                    seen = provisioner_for(provider_id, settings, account).list_ours()
                except (ProviderError, CredentialsRefused) as exc:
                    log.warning("reconciling %s (team %s) failed: %s", provider_id, tenant_id, exc.message)
                    continue
                live_refs = set()
                for instance in seen:
                    if instance.status in ("terminated", "lost"):
                        continue
                    live_refs.add(instance.ref)
                    booking = (
                        repository.booking(session, instance.booking_id) if instance.booking_id else None
                    )
                    reason = _orphan_reason(booking, instance)
                    if reason is None:
                        continue
                    orphan = session.execute(
                        select(ProviderOrphan).where(
                            ProviderOrphan.provider_id == provider_id,
                            ProviderOrphan.instance_ref == instance.ref,
                        )
                    ).scalar_one_or_none()
                    if orphan is None:
                        orphan = ProviderOrphan(
                            provider_id=provider_id, instance_ref=instance.ref, first_seen_at=now
                        )
                        session.add(orphan)
                    orphan.tenant_id = tenant_id
                    orphan.booking_id = instance.booking_id
                    orphan.status = instance.status
                    orphan.reason = reason
                    orphan.last_seen_at = now
                    orphan.resolved_at = None
                open_query = select(ProviderOrphan).where(
                    ProviderOrphan.provider_id == provider_id,
                    ProviderOrphan.resolved_at.is_(None),
                    ProviderOrphan.tenant_id.is_(None)
                    if tenant_id is None
                    else ProviderOrphan.tenant_id == tenant_id,
                )
                for orphan in session.execute(open_query).scalars():
                    if orphan.instance_ref not in live_refs:
                        orphan.resolved_at = now
        session.flush()
        return open_orphans(session)


def _orphan_reason(booking: Booking | None, instance: Observation) -> str | None:
    if booking is None:
        return "tagged with a booking we do not have" if instance.booking_id else "no booking id in its tag"
    if booking.state in TERMINAL_STATES:
        return f"its booking is {booking.state}, but the instance is {instance.status}"
    if booking.provider_ref not in (None, instance.ref):
        return f"its booking runs on another instance ({booking.provider_ref})"
    return None


def open_orphans(session: Session) -> list[ProviderOrphan]:
    query = (
        select(ProviderOrphan)
        .where(ProviderOrphan.resolved_at.is_(None))
        .order_by(ProviderOrphan.first_seen_at, ProviderOrphan.id)
    )
    return list(session.execute(query).scalars())
