"""The sandbox provider: a small, real HTTP provider that provisions pretend GPU instances and reports
on them through signed webhooks, the way a cloud's API does.

It runs as its own process (``gpubroker sandbox-provider``) or mounted in our app at
``/sandbox-provider`` (so ``make run`` books end to end with no other process); our provisioner only
ever talks to it over HTTP. Its API::

    POST /instances                {booking_id, provider_id, offer_name, gpu_type, gpu_count, hours,
                                    callback_url}; Idempotency-Key header -> 201 {id, status}
                                    (the same key again: 200 with the same instance)
    POST /instances/{id}/stop      -> 202 {id, status}; stopping a stopped instance is a no-op
    GET  /instances/{id}           -> the instance, with every webhook delivery attempt
    POST /control/fail             {count, reason} -> the next `count` instances fail to start (test hook)
    GET  /healthz

State lives in the database (``sandbox_instances``, ``sandbox_events``, ``sandbox_fail_next``), so
any process serving this API sees every instance: a stop sent to one API replica stops an instance
another created, and a restart forgets nothing. An instance's lifecycle is a list of *scheduled
events*, written when it is created or asked to stop::

    create ─▶ instance.running (or instance.failed) due after ``sandbox_start_delay_s``
           └▶ instance.terminated "booked hours ended" due after the booked hours
              (``sandbox_time_scale`` times faster than real time)
    stop   ─▶ the events not yet sent are cancelled; instance.terminated "stopped ..." due now

A *driver* (an asyncio task in every process that serves the API) sends the events that are due:
it takes them with ``FOR UPDATE SKIP LOCKED`` and a lease (``next_attempt_at`` moved ``LEASE_S``
ahead), applies the instance's new status in the same transaction, commits, then posts the signed
webhook. A driver that dies mid-delivery leaves the lease to expire and another driver retries the
same event (same event id: our webhook endpoint is idempotent). Webhooks are signed like any
provider's and retried with backoff on network errors, 404, 429 and 5xx, as real providers retry: a
webhook that overtakes the commit of the submit that created its instance finds it on a later try.
It only calls back our own ``/webhooks/`` (``GPUBROKER_PUBLIC_URL``), and it is not mounted when
``GPUBROKER_ENV=production`` unless ``GPUBROKER_SANDBOX_PROVIDER_ENABLED=true`` says so: its fail hook
has no authentication.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import httpx
import orjson
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from booking.signing import signed_headers
from core import tracing
from core.db import Base, session_scope, write_transaction
from core.secrets import webhook_secret
from core.settings import Settings, get_settings

log = logging.getLogger(__name__)

# Delivery attempts per event and the first backoff (doubling, capped): about 13 s in all.
MAX_ATTEMPTS = 9
FIRST_BACKOFF_S = 0.05
MAX_BACKOFF_S = 5.0
FINAL_STATUSES = frozenset(range(200, 300)) | {400, 401, 403, 409, 410, 413, 422}
# A claimed event is another driver's to retry if its delivery has not finished by then.
LEASE_S = 30.0
# How often an idle driver looks for events written by other processes.
IDLE_POLL_S = 1.0
CLAIM_BATCH = 20


class SandboxInstance(Base):
    __tablename__ = "sandbox_instances"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    booking_id: Mapped[str] = mapped_column(String(100))
    provider_id: Mapped[str] = mapped_column(String(40))
    callback_url: Mapped[str] = mapped_column(String(500))
    hours: Mapped[float] = mapped_column(Float)
    offer_name: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="provisioning")
    fail_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    stop_requested: Mapped[bool] = mapped_column(default=False)


class SandboxEvent(Base):
    __tablename__ = "sandbox_events"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    instance_id: Mapped[str] = mapped_column(
        ForeignKey("sandbox_instances.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # pending (to send, at next_attempt_at) | delivered | cancelled | gave_up
    state: Mapped[str] = mapped_column(String(12), default="pending")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempt_log: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class SandboxFailNext(Base):
    """Reasons the next instances will fail to start with (the test hook), first in first out."""

    __tablename__ = "sandbox_fail_next"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reason: Mapped[str] = mapped_column(String(300))


class CreateInstance(BaseModel):
    model_config = ConfigDict(extra="ignore")

    booking_id: str = Field(min_length=1, max_length=100)
    provider_id: str = Field(min_length=1, max_length=40)
    offer_name: str = Field("", max_length=300)
    gpu_type: str = Field("", max_length=60)
    gpu_count: int = Field(1, ge=0)
    hours: float = Field(gt=0)
    callback_url: str = Field(min_length=1, max_length=500)


class FailControl(BaseModel):
    count: int = Field(1, ge=0, le=1000)
    reason: str = Field("no capacity in the sandbox region", max_length=300)


# Engines by database URL, the least recently used disposed beyond a few (tests give each its own).
_FACTORIES: OrderedDict[str, tuple[Engine, sessionmaker[Session]]] = OrderedDict()
_FACTORIES_LOCK = threading.Lock()
_MAX_ENGINES = 4


def _own_factory(url: str, *, create_tables: bool) -> sessionmaker[Session]:
    """Sessions on the sandbox's own database; a database of its own gets its tables on first use."""
    with _FACTORIES_LOCK:
        known = _FACTORIES.get(url)
        if known is not None:
            _FACTORIES.move_to_end(url)
            return known[1]
        from core.db import make_engine, make_session_factory

        engine = make_engine(url, pool_size=4)
        if create_tables:
            tables = [SandboxInstance.__table__, SandboxEvent.__table__, SandboxFailNext.__table__]
            Base.metadata.create_all(engine, tables=tables)  # type: ignore[arg-type]
        factory = make_session_factory(engine)
        _FACTORIES[url] = (engine, factory)
        while len(_FACTORIES) > _MAX_ENGINES:
            _url, (old, _f) = _FACTORIES.popitem(last=False)
            old.dispose()
        return factory


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _event(instance_id: str, type_: str, reason: str | None, due: datetime) -> SandboxEvent:
    return SandboxEvent(
        id=f"evt_{uuid.uuid4().hex}",
        instance_id=instance_id,
        type=type_,
        reason=reason,
        state="pending",
        next_attempt_at=due,
        attempts=0,
        attempt_log=[],
    )


def _locked(session: Session, query: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def view(session: Session, instance: SandboxInstance) -> dict[str, Any]:
    events = session.execute(
        select(SandboxEvent)
        .where(SandboxEvent.instance_id == instance.id)
        .order_by(SandboxEvent.next_attempt_at)
    ).scalars()
    deliveries = [attempt for e in events for attempt in (e.attempt_log or [])]
    deliveries.sort(key=lambda a: a.get("at", ""))
    return {
        "id": instance.id,
        "booking_id": instance.booking_id,
        "provider_id": instance.provider_id,
        "status": instance.status,
        "hours": instance.hours,
        "offer_name": instance.offer_name,
        "created_at": _utc(instance.created_at).isoformat(),
        "stop_requested": instance.stop_requested,
        "fail_reason": instance.fail_reason,
        "deliveries": deliveries,
    }


class SandboxProvider:
    """The provider's actions on its tables, and the driver that sends due events. ``settings`` and
    ``session_factory`` are read at each use, so a test (or an operator) changing the app's settings
    changes the sandbox's timing too."""

    def __init__(
        self,
        settings: Callable[[], Settings] = get_settings,
        session_factory: Callable[[], sessionmaker[Session]] | None = None,
    ) -> None:
        self._settings = settings
        self._factory = session_factory
        self._driver: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    def settings(self) -> Settings:
        return self._settings()

    def factory(self) -> sessionmaker[Session]:
        settings = self.settings()
        url = settings.sandbox_database_url
        if url is None and self._factory is not None:
            return self._factory()
        return _own_factory(url or settings.database_url, create_tables=url is not None)

    # -- the API's actions (blocking: called in a worker thread) --

    def create(self, data: CreateInstance, key: str | None) -> tuple[dict[str, Any], bool]:
        settings = self.settings()
        with session_scope(self.factory()) as session:
            write_transaction(session)
            if key:
                existing = session.execute(
                    select(SandboxInstance).where(SandboxInstance.idempotency_key == key)
                ).scalar_one_or_none()
                if existing is not None:
                    return {"id": existing.id, "status": existing.status}, False
            fail = session.execute(
                _locked(session, select(SandboxFailNext).order_by(SandboxFailNext.id).limit(1))
            ).scalar_one_or_none()
            if fail is not None:
                session.delete(fail)
            now = _now()
            instance = SandboxInstance(
                id=f"sbx-{uuid.uuid4().hex[:16]}",
                idempotency_key=key,
                booking_id=data.booking_id,
                provider_id=data.provider_id,
                callback_url=data.callback_url,
                hours=data.hours,
                offer_name=data.offer_name,
                created_at=now,
                status="provisioning",
                fail_reason=fail.reason if fail is not None else None,
                stop_requested=False,
            )
            session.add(instance)
            try:
                session.flush()
            except IntegrityError:
                if not key:
                    raise
                # The same key created concurrently (PostgreSQL; SQLite writers queue): that one wins.
                session.rollback()
                won = session.execute(
                    select(SandboxInstance).where(SandboxInstance.idempotency_key == key)
                ).scalar_one()
                return {"id": won.id, "status": won.status}, False
            start = now + timedelta(seconds=settings.sandbox_start_delay_s)
            if fail is not None:
                session.add(_event(instance.id, "instance.failed", fail.reason, start))
            else:
                session.add(_event(instance.id, "instance.running", None, start))
                booked = timedelta(seconds=data.hours * 3600 / settings.sandbox_time_scale)
                session.add(_event(instance.id, "instance.terminated", "booked hours ended", start + booked))
            return {"id": instance.id, "status": instance.status}, True

    def request_stop(self, instance_id: str) -> dict[str, Any] | None:
        """Cancels what was still to come and schedules the terminated event now; None if unknown."""
        with session_scope(self.factory()) as session:
            write_transaction(session)
            query = select(SandboxInstance).where(SandboxInstance.id == instance_id)
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update()
            instance = session.execute(query).scalar_one_or_none()
            if instance is None:
                return None
            if instance.stop_requested or instance.status in ("failed", "terminated"):
                return {"id": instance.id, "status": instance.status}
            instance.stop_requested = True
            pending = select(SandboxEvent).where(
                SandboxEvent.instance_id == instance.id,
                SandboxEvent.state == "pending",
                SandboxEvent.attempts == 0,
            )
            if session.get_bind().dialect.name == "postgresql":
                # Waits for a claimer that holds one of them: it skips this locked instance and ends.
                pending = pending.with_for_update()
            not_sent = session.execute(pending).scalars()
            for e in not_sent:
                e.state = "cancelled"
            reason = (
                "stopped before it started" if instance.status == "provisioning" else "stopped on request"
            )
            session.add(_event(instance.id, "instance.terminated", reason, _now()))
            return {"id": instance.id, "status": instance.status}

    def get(self, instance_id: str) -> dict[str, Any] | None:
        with session_scope(self.factory()) as session:
            instance = session.get(SandboxInstance, instance_id)
            return view(session, instance) if instance is not None else None

    def fail_next(self, count: int, reason: str) -> None:
        with session_scope(self.factory()) as session:
            session.add_all([SandboxFailNext(reason=reason) for _ in range(count)])

    # -- the driver --

    def start(self) -> asyncio.Task[None]:
        """Starts the driver on the running loop (the app's lifespan, or the sandbox process)."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._driver = self._loop.create_task(self._drive(), name="sandbox-driver")
        return self._driver

    async def stop(self) -> None:
        if self._driver is not None:
            self._driver.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await self._driver
            self._driver = None

    def close(self) -> None:
        """Stops the driver from any thread; events not yet sent stay pending in the database."""
        driver, loop = self._driver, self._loop
        if driver is not None and loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(driver.cancel)

    def wake(self) -> None:
        if self._wake is not None and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    async def _drive(self) -> None:
        assert self._wake is not None  # nosec B101  # set by start() before the driver runs
        while True:
            self._wake.clear()
            try:
                due, wait_s = await asyncio.to_thread(self._claim_due)
            except Exception:
                log.exception("sandbox driver: reading due events failed")
                due, wait_s = [], IDLE_POLL_S
            if due:
                for failed in await asyncio.gather(*(self._deliver(e) for e in due), return_exceptions=True):
                    if isinstance(failed, Exception):
                        # Its lease runs out and the event is sent again; the driver goes on.
                        log.error("sandbox driver: recording a delivery failed: %r", failed)
                continue
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait_s)

    def _claim_due(self) -> tuple[list[dict[str, Any]], float]:
        """Takes up to CLAIM_BATCH due events under a lease and applies their status changes; returns
        them and how long to wait for the next one (at most IDLE_POLL_S)."""
        now = _now()
        with session_scope(self.factory()) as session:
            write_transaction(session)
            events = list(
                session.execute(
                    _locked(
                        session,
                        select(SandboxEvent)
                        .where(SandboxEvent.state == "pending", SandboxEvent.next_attempt_at <= now)
                        .order_by(SandboxEvent.next_attempt_at)
                        .limit(CLAIM_BATCH),
                    )
                ).scalars()
            )
            claimed = []
            for e in events:
                # Locks in one order everywhere: the instance before its events. A stop holds the
                # instance while it cancels the events; a claimer waiting for that instance while
                # holding one of those events deadlocked the two (PostgreSQL aborted the stop: a 502).
                # So a claimer never waits: an instance locked elsewhere leaves its event for the next
                # round, untouched.
                instance = session.execute(
                    _locked(session, select(SandboxInstance).where(SandboxInstance.id == e.instance_id))
                ).scalar_one_or_none()
                if instance is None:
                    if session.get(SandboxInstance, e.instance_id) is None:
                        e.state = "cancelled"
                    continue
                if e.attempts == 0:  # first time: the instance changes now
                    e.occurred_at = now
                    instance.status = {
                        "instance.running": "running",
                        "instance.failed": "failed",
                        "instance.terminated": "terminated",
                    }[e.type]
                    if e.type != "instance.running":
                        # whatever else was scheduled for it will not happen any more
                        session.execute(
                            update(SandboxEvent)
                            .where(
                                SandboxEvent.instance_id == instance.id,
                                SandboxEvent.id != e.id,
                                SandboxEvent.state == "pending",
                                SandboxEvent.attempts == 0,
                            )
                            .values(state="cancelled")
                        )
                e.attempts += 1
                e.next_attempt_at = now + timedelta(seconds=LEASE_S)
                claimed.append(
                    {
                        "id": e.id,
                        "type": e.type,
                        "reason": e.reason,
                        "attempt": e.attempts,
                        "instance_id": instance.id,
                        "booking_reference": instance.booking_id,
                        "provider_id": instance.provider_id,
                        "callback_url": instance.callback_url,
                        "occurred_at": _utc(e.occurred_at or now).isoformat(),
                    }
                )
            upcoming = session.execute(
                select(SandboxEvent.next_attempt_at)
                .where(SandboxEvent.state == "pending")
                .order_by(SandboxEvent.next_attempt_at)
                .limit(1)
            ).scalar_one_or_none()
        wait_s = IDLE_POLL_S
        if upcoming is not None:
            wait_s = min(IDLE_POLL_S, max(0.005, (_utc(upcoming) - _now()).total_seconds()))
        return claimed, wait_s

    async def _deliver(self, claimed: dict[str, Any]) -> None:
        settings = self.settings()
        event = {
            "id": claimed["id"],
            "type": claimed["type"],
            "instance_id": claimed["instance_id"],
            "booking_reference": claimed["booking_reference"],
            "occurred_at": claimed["occurred_at"],
            "reason": claimed["reason"],
        }
        body = orjson.dumps(event)
        status: int | None = None
        try:
            secret = await asyncio.to_thread(webhook_secret, settings, claimed["provider_id"])
            # Signed at each attempt: the timestamp is the attempt's, the event id stays.
            headers = signed_headers(secret, body)
            async with tracing.async_http_client(timeout=settings.http_timeout_s) as client:
                response = await client.post(claimed["callback_url"], content=body, headers=headers)
            status = response.status_code
        except httpx.HTTPError:
            pass
        except Exception:
            log.exception("sandbox driver: delivering %s failed", claimed["id"])
        await asyncio.to_thread(self._record, claimed, status)

    def _record(self, claimed: dict[str, Any], status: int | None) -> None:
        attempt = claimed["attempt"]
        with session_scope(self.factory()) as session:
            # A writer from the start: on SQLite a read-then-write transaction failed at once with
            # "database is locked" when another driver wrote in between, and the attempt went unrecorded.
            write_transaction(session)
            e = session.get(SandboxEvent, claimed["id"])
            if e is None:
                return
            entry = {
                "event_id": e.id,
                "type": e.type,
                "attempt": attempt,
                "status": status,
                "at": _now().isoformat(),
            }
            e.attempt_log = [*(e.attempt_log or []), entry]
            if status in FINAL_STATUSES:
                e.state = "delivered"
            elif attempt >= MAX_ATTEMPTS:
                e.state = "gave_up"
            else:
                backoff = min(FIRST_BACKOFF_S * 2 ** (attempt - 1), MAX_BACKOFF_S)
                e.next_attempt_at = _now() + timedelta(seconds=backoff)


def create_sandbox_app(provider: SandboxProvider | None = None, *, standalone: bool = False) -> FastAPI:
    """The sandbox's HTTP API around ``provider`` (a new one when not given). ``standalone``: it runs
    its own driver in its lifespan (the ``gpubroker sandbox-provider`` process); mounted in our app,
    the app's lifespan runs it."""
    sandbox = provider or SandboxProvider()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if standalone:
            sandbox.start()
        try:
            yield
        finally:
            if standalone:
                await sandbox.stop()

    # Another provider's API, not ours: no OpenAPI of its own and none of its routes in ours.
    app = FastAPI(
        title="GPUBroker sandbox provider", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.provider = sandbox

    @app.post("/instances", status_code=201, include_in_schema=False)
    async def create_instance(
        data: CreateInstance, idempotency_key: Annotated[str | None, Header(max_length=200)] = None
    ) -> JSONResponse:
        # It calls back only our own webhook endpoint: a caller cannot make it post anywhere else.
        allowed = f"{sandbox.settings().base_url}/webhooks/"
        if not data.callback_url.startswith(allowed):
            raise HTTPException(422, f"callback_url must start with {allowed}")
        body, created = await asyncio.to_thread(sandbox.create, data, idempotency_key)
        sandbox.wake()
        return JSONResponse(body, status_code=201 if created else 200)

    @app.post("/instances/{instance_id}/stop", status_code=202, include_in_schema=False)
    async def stop_instance(instance_id: str) -> dict[str, Any]:
        body = await asyncio.to_thread(sandbox.request_stop, instance_id)
        if body is None:
            raise HTTPException(404, f"no instance {instance_id!r}")
        sandbox.wake()
        return body

    @app.get("/instances/{instance_id}", include_in_schema=False)
    async def get_instance(instance_id: str) -> dict[str, Any]:
        body = await asyncio.to_thread(sandbox.get, instance_id)
        if body is None:
            raise HTTPException(404, f"no instance {instance_id!r}")
        return body

    @app.post("/control/fail", include_in_schema=False)
    async def control_fail(data: FailControl) -> dict[str, Any]:
        await asyncio.to_thread(sandbox.fail_next, data.count, data.reason)
        return {"fail_next": data.count, "reason": data.reason}

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
