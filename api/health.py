"""Probes and metrics: ``GET /healthz`` (liveness), ``GET /ready`` (readiness), ``GET /metrics`` (Prometheus).

``/healthz`` answers 200 while the process serves requests; it touches no dependency, so a database outage
never gets healthy replicas restarted. ``/ready`` says whether this replica should get traffic: the database
answers ``SELECT 1``, Redis answers ``PING`` (when configured) and the database's alembic revision is the
code's head; each check gets ``GPUBROKER_READY_TIMEOUT_S``. 200 ``{"status": "ready", "checks": {...}}``, or
503 in the error envelope (``not_ready``) naming each failing check and why, with ``Retry-After``.
``/metrics`` is the Prometheus text (core.metrics), behind ``Authorization: Bearer $GPUBROKER_METRICS_TOKEN``
when that is set. None of them is rate limited (accounts.ratelimit).
"""

from __future__ import annotations

import functools
import hmac
import time
from collections.abc import Callable
from typing import Any

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core import metrics
from core.errors import Unauthorized, envelope
from core.settings import ROOT, Settings

router = APIRouter(include_in_schema=False)
RETRY_AFTER_S = 5
# Probes that hang (a database that stopped answering) hold at most this many threads between them.
_PROBE_THREADS = anyio.CapacityLimiter(4)


@functools.cache
def migration_heads() -> frozenset[str]:
    """The code's alembic head(s), read once: the scripts do not change while the process runs."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    return frozenset(ScriptDirectory.from_config(cfg).get_heads())


def _reason(exc: BaseException) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__


def check_database(state: Any) -> dict[str, dict[str, Any]]:
    """The database and its migrations, on one connection of the app's own pool."""
    started = time.perf_counter()
    try:
        with state.session_factory() as session:
            session.execute(text("SELECT 1"))
            database = {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}
            try:
                with session.begin_nested():
                    found = frozenset(
                        session.execute(text("SELECT version_num FROM alembic_version")).scalars()
                    )
            except SQLAlchemyError:
                found = frozenset()
    except Exception as exc:
        failed = {"status": "failed", "reason": _reason(exc)}
        return {
            "database": failed,
            "migrations": {"status": "unknown", "reason": "the database did not answer"},
        }
    heads = migration_heads()
    if found == heads:
        migrations: dict[str, Any] = {"status": "ok", "revision": ",".join(sorted(found))}
    else:
        at = ",".join(sorted(found)) or "no alembic_version (never migrated)"
        migrations = {
            "status": "failed",
            "reason": f"the database is at {at}, the code needs {','.join(sorted(heads))}: run `gpubroker migrate`",
        }
    return {"database": database, "migrations": migrations}


def _redis_client(state: Any, settings: Settings) -> Any:
    client = getattr(state, "ready_redis", None)
    if client is None:
        import redis

        client = redis.Redis.from_url(
            settings.redis_url or "",
            socket_connect_timeout=settings.ready_timeout_s,
            socket_timeout=settings.ready_timeout_s,
        )
        state.ready_redis = client
    return client


def _check_redis(state: Any, settings: Settings) -> dict[str, dict[str, Any]]:
    started = time.perf_counter()
    try:
        _redis_client(state, settings).ping()
    except Exception as exc:
        return {"redis": {"status": "failed", "reason": _reason(exc)}}
    return {"redis": {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}}


async def _bounded(
    check: Callable[[], dict[str, dict[str, Any]]], names: tuple[str, ...], timeout_s: float
) -> dict[str, dict[str, Any]]:
    with anyio.move_on_after(timeout_s):
        return await anyio.to_thread.run_sync(check, abandon_on_cancel=True, limiter=_PROBE_THREADS)
    reason = f"no answer within {timeout_s:g} s"
    return {name: {"status": "failed", "reason": reason} for name in names}


async def readiness(state: Any) -> dict[str, dict[str, Any]]:
    settings: Settings = state.settings
    checks: dict[str, dict[str, Any]] = {}
    timeout = settings.ready_timeout_s

    async def database() -> None:
        checks.update(await _bounded(lambda: check_database(state), ("database", "migrations"), timeout))

    async def redis() -> None:
        if not settings.redis_url:
            checks["redis"] = {"status": "skipped", "reason": "GPUBROKER_REDIS_URL is not set"}
            return
        checks.update(await _bounded(lambda: _check_redis(state, settings), ("redis",), timeout))

    async with anyio.create_task_group() as group:
        group.start_soon(database)
        group.start_soon(redis)
    return {name: checks[name] for name in ("database", "migrations", "redis")}


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    checks = await readiness(request.app.state)
    failing = {name: check for name, check in checks.items() if check["status"] not in ("ok", "skipped")}
    if not failing:
        return JSONResponse({"status": "ready", "checks": checks})
    message = "not ready: " + "; ".join(f"{name}: {check['reason']}" for name, check in failing.items())
    return JSONResponse(
        envelope("not_ready", message, {"checks": checks}),
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def check_metrics_token(request: Request, settings: Settings) -> None:
    token = settings.metrics_token
    if token is None:
        return
    scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token.get_secret_value()):
        raise Unauthorized("metrics need 'Authorization: Bearer <GPUBROKER_METRICS_TOKEN>'")


@router.get("/metrics")
def metrics_endpoint(request: Request) -> Response:
    state = request.app.state
    check_metrics_token(request, state.settings)
    cache = getattr(state, "cache", None)
    if cache is not None:
        metrics.CATALOG_VERSION.set(cache.version())
    body, content_type = metrics.render(state.settings)
    return Response(body, media_type=content_type)


def create_probe_app(settings: Settings) -> FastAPI:
    """``/healthz`` and ``/metrics`` alone, for processes that serve no API (the worker, on
    ``GPUBROKER_WORKER_METRICS_PORT``)."""
    from core.errors import install_error_handlers

    app = FastAPI(title="GPUBroker probes", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.settings = settings
    install_error_handlers(app)
    app.add_api_route("/healthz", healthz, methods=["GET"])
    app.add_api_route("/metrics", metrics_endpoint, methods=["GET"])
    return app
