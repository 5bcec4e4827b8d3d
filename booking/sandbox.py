"""The sandbox provider: a small, real HTTP provider that provisions pretend GPU instances and reports
on them through signed webhooks, the way a cloud's API does.

It is mounted in our own app at ``/sandbox-provider`` (so ``make run`` books end to end with no other
process) and can run on its own (``uvicorn booking.sandbox:app``); our provisioner only ever talks to
it over HTTP. Its API::

    POST /instances                {booking_id, provider_id, offer_name, gpu_type, gpu_count, hours,
                                    callback_url}; Idempotency-Key header -> 201 {id, status}
                                    (the same key again: 200 with the same instance)
    POST /instances/{id}/stop      -> 202 {id, status}; stopping a stopped instance is a no-op
    GET  /instances/{id}           -> the instance, with every webhook delivery attempt
    POST /control/fail             {count, reason} -> the next `count` instances fail to start (test hook)

Each instance runs in a background task: after ``sandbox_start_delay_s`` it reports
``instance.running`` (or ``instance.failed`` when told to fail), then ``instance.terminated`` when
asked to stop or when its booked hours have passed (``sandbox_time_scale`` times faster than real
time). Webhooks are signed like any provider's (``booking.signing``, the provider's secret from
settings) and retried with backoff on network errors, 404, 429 and 5xx, as real providers retry: a
webhook that overtakes the commit of the submit that created its instance finds it on a later try.
Instances live in memory; a restart forgets them, as a sandbox may. It only calls back our own
``/webhooks/`` (``GPUBROKER_PUBLIC_URL``), and it is not mounted when ``GPUBROKER_ENV=production``
unless ``GPUBROKER_SANDBOX_PROVIDER_ENABLED=true`` says so: its fail hook has no authentication.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
import orjson
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from booking.signing import signed_headers
from core import tracing
from core.secrets import webhook_secret
from core.settings import Settings, get_settings

# Delivery attempts per event and the first backoff (doubling, capped): about 13 s in all.
MAX_ATTEMPTS = 9
FIRST_BACKOFF_S = 0.05
MAX_BACKOFF_S = 5.0
FINAL_STATUSES = frozenset(range(200, 300)) | {400, 401, 403, 409, 410, 413, 422}


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


@dataclass
class Instance:
    id: str
    booking_id: str
    provider_id: str
    callback_url: str
    hours: float
    offer_name: str
    created_at: datetime
    status: str = "provisioning"  # provisioning | running | failed | terminated
    fail_reason: str | None = None
    stop_requested: bool = False
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "booking_id": self.booking_id,
            "provider_id": self.provider_id,
            "status": self.status,
            "hours": self.hours,
            "offer_name": self.offer_name,
            "created_at": self.created_at.isoformat(),
            "stop_requested": self.stop_requested,
            "deliveries": list(self.deliveries),
        }


class SandboxProvider:
    """The provider's state and its instances' lifecycles. ``settings`` is read at each use, so a
    test (or an operator) changing the app's settings changes the sandbox's timing too."""

    def __init__(self, settings: Callable[[], Settings] = get_settings) -> None:
        self._settings = settings
        self.instances: dict[str, Instance] = {}
        self._by_key: dict[str, str] = {}
        self._fail_next: list[str] = []
        self._tasks: dict[asyncio.Task[None], asyncio.AbstractEventLoop] = {}
        self._lock = threading.Lock()

    def settings(self) -> Settings:
        return self._settings()

    # -- the API's actions --

    def create(self, data: CreateInstance, key: str | None) -> tuple[Instance, bool]:
        with self._lock:
            if key and key in self._by_key:
                return self.instances[self._by_key[key]], False
            instance = Instance(
                id=f"sbx-{uuid.uuid4().hex[:16]}",
                booking_id=data.booking_id,
                provider_id=data.provider_id,
                callback_url=data.callback_url,
                hours=data.hours,
                offer_name=data.offer_name,
                created_at=datetime.now(UTC),
                fail_reason=self._fail_next.pop(0) if self._fail_next else None,
            )
            self.instances[instance.id] = instance
            if key:
                self._by_key[key] = instance.id
        task = asyncio.get_running_loop().create_task(self._lifecycle(instance))
        self._tasks[task] = asyncio.get_running_loop()
        task.add_done_callback(lambda t: self._tasks.pop(t, None))
        return instance, True

    def request_stop(self, instance: Instance) -> None:
        instance.stop_requested = True
        instance.stop.set()

    def fail_next(self, count: int, reason: str) -> None:
        with self._lock:
            self._fail_next.extend([reason] * count)

    def close(self) -> None:
        """Cancels every running lifecycle (from any thread); pending webhooks are not sent."""
        for task, loop in list(self._tasks.items()):
            if not loop.is_closed():
                loop.call_soon_threadsafe(task.cancel)

    # -- the lifecycle --

    async def _wait_for_stop(self, instance: Instance, seconds: float) -> bool:
        """Sleeps up to ``seconds``; True when a stop request cut it short."""
        try:
            await asyncio.wait_for(instance.stop.wait(), timeout=max(0.0, seconds))
        except TimeoutError:
            return False
        return True

    async def _lifecycle(self, instance: Instance) -> None:
        settings = self._settings()
        if await self._wait_for_stop(instance, settings.sandbox_start_delay_s):
            instance.status = "terminated"
            await self._deliver(instance, "instance.terminated", "stopped before it started")
            return
        if instance.fail_reason is not None:
            instance.status = "failed"
            await self._deliver(instance, "instance.failed", instance.fail_reason)
            return
        instance.status = "running"
        await self._deliver(instance, "instance.running", None)
        booked_s = instance.hours * 3600 / self._settings().sandbox_time_scale
        stopped = await self._wait_for_stop(instance, booked_s)
        instance.status = "terminated"
        await self._deliver(
            instance, "instance.terminated", "stopped on request" if stopped else "booked hours ended"
        )

    async def _deliver(self, instance: Instance, event_type: str, reason: str | None) -> None:
        event = {
            "id": f"evt_{uuid.uuid4().hex}",
            "type": event_type,
            "instance_id": instance.id,
            "booking_reference": instance.booking_id,
            "occurred_at": datetime.now(UTC).isoformat(),
            "reason": reason,
        }
        body = orjson.dumps(event)
        backoff = FIRST_BACKOFF_S
        # The webhook continues the trace of the request that started this instance's change.
        async with tracing.async_http_client(timeout=self._settings().http_timeout_s) as client:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                # Signed at each attempt: the timestamp is the attempt's, the event id stays.
                headers = signed_headers(webhook_secret(self._settings(), instance.provider_id), body)
                status: int | None = None
                try:
                    response = await client.post(instance.callback_url, content=body, headers=headers)
                    status = response.status_code
                except httpx.HTTPError:
                    pass
                instance.deliveries.append(
                    {"event_id": event["id"], "type": event_type, "attempt": attempt, "status": status}
                )
                if status in FINAL_STATUSES:
                    return
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)


def create_sandbox_app(provider: SandboxProvider | None = None) -> FastAPI:
    """The sandbox's HTTP API around ``provider`` (a new one when not given)."""
    sandbox = provider or SandboxProvider()
    # Another provider's API, not ours: no OpenAPI of its own and none of its routes in ours.
    app = FastAPI(title="GPUBroker sandbox provider", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.provider = sandbox

    def instance_or_404(instance_id: str) -> Instance:
        instance = sandbox.instances.get(instance_id)
        if instance is None:
            raise HTTPException(404, f"no instance {instance_id!r}")
        return instance

    @app.post("/instances", status_code=201, include_in_schema=False)
    async def create_instance(
        data: CreateInstance, idempotency_key: Annotated[str | None, Header(max_length=200)] = None
    ) -> JSONResponse:
        # It calls back only our own webhook endpoint: a caller cannot make it post anywhere else.
        allowed = f"{sandbox.settings().base_url}/webhooks/"
        if not data.callback_url.startswith(allowed):
            raise HTTPException(422, f"callback_url must start with {allowed}")
        instance, created = sandbox.create(data, idempotency_key)
        return JSONResponse(
            {"id": instance.id, "status": instance.status}, status_code=201 if created else 200
        )

    @app.post("/instances/{instance_id}/stop", status_code=202, include_in_schema=False)
    async def stop_instance(instance_id: str) -> dict[str, Any]:
        instance = instance_or_404(instance_id)
        sandbox.request_stop(instance)
        return {"id": instance.id, "status": instance.status}

    @app.get("/instances/{instance_id}", include_in_schema=False)
    async def get_instance(instance_id: str) -> dict[str, Any]:
        return instance_or_404(instance_id).view()

    @app.post("/control/fail", include_in_schema=False)
    async def control_fail(data: FailControl) -> dict[str, Any]:
        sandbox.fail_next(data.count, data.reason)
        return {"fail_next": data.count, "reason": data.reason}

    return app


app = create_sandbox_app()
