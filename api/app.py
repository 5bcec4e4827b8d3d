"""The FastAPI application factory.

``create_app`` wires settings, the database engine, the cache and the event bus onto ``app.state``
and mounts the routers of each domain and the web pages. Nothing here holds business rules.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from accounts import cors
from accounts.connections import make_connection_slots
from accounts.endpoints import router as accounts_router
from accounts.ops_endpoints import router as ops_router
from accounts.ratelimit import install_request_guards
from accounts.service import Ctx
from agent.run_events import make_run_events
from agent.runs import RunManager
from agent.service import Assistant, open_checkpointer
from alerts.endpoints import router as alerts_router
from analytics.endpoints import router as analytics_router
from api.chat import router as chat_router
from api.chat_ws import router as chat_ws_router
from api.health import router as health_router
from api.langgraph_api import router as langgraph_router
from api.langgraph_runs import router as langgraph_runs_router
from api.openapi import install_openapi
from api.price_stream import close_hub
from api.price_stream import router as price_stream_router
from api.worker import Background
from billing.endpoints import router as billing_router
from booking.account_endpoints import router as booking_accounts_router
from booking.endpoints import router as booking_router
from booking.sandbox import SandboxProvider, create_sandbox_app
from catalog.endpoints import router as catalog_router
from core import heap
from core.bus import make_bus
from core.cache import make_cache
from core.db import make_engine, make_session_factory
from core.errors import install_error_handlers
from core.jobs import Runtime
from core.observability import install_observability
from core.settings import Settings, get_settings
from web.account_pages import router as account_pages_router
from web.account_security_pages import router as account_security_pages_router
from web.alert_pages import router as alert_pages_router
from web.billing_ops_pages import router as billing_ops_pages_router
from web.billing_pages import router as billing_pages_router
from web.booking_pages import router as booking_pages_router
from web.chat import router as chat_page_router
from web.errors import error_page
from web.kpi_pages import router as kpi_pages_router
from web.onboarding_pages import router as onboarding_pages_router
from web.ops_pages import router as ops_pages_router
from web.provisioning_pages import router as provisioning_pages_router
from web.routes import STATIC_DIR
from web.routes import router as web_router
from web.security import install as install_security

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, freeze_heap: bool = False) -> FastAPI:
    """``freeze_heap``: keep the start-up heap out of the garbage collector's full passes
    (core.heap; the served entry point, api.main, asks for it; tests start many apps and do not)."""
    settings = settings or get_settings()
    # GPUBROKER_ENV=production refuses unsafe settings here, naming every one, before anything starts.
    settings.check_production()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            checkpointer = await open_checkpointer(settings, stack)
            app.state.assistant = Assistant(
                app.state.session_factory, settings, cache=app.state.cache, checkpointer=checkpointer
            )
            background: Background | None = None
            if settings.runs_embedded_worker:
                # make run: the worker's jobs and consumers in this process (SQLite, one process).
                background = Background(
                    Runtime(settings, app.state.session_factory, app.state.cache, app.state.bus)
                )
                background.start(concurrency=1, name="embedded")
            sandbox_driver = app.state.sandbox_provider.start() if settings.sandbox_mounted else None
            freezing = asyncio.create_task(heap.freeze_when_warm()) if freeze_heap else None
            try:
                yield
            finally:
                if freezing is not None:
                    freezing.cancel()
                await app.state.runs.close()
                if sandbox_driver is not None:
                    await app.state.sandbox_provider.stop()
                if background is not None:
                    await background.close(settings.shutdown_timeout_s)
                await close_hub(app)
        app.state.engine.dispose()

    # FastAPIOffline: /docs (Swagger UI) and /redoc from assets bundled in the package, served under
    # /static-offline-docs, so the API documentation works with no network (no CDN).
    # FastAPI's native OpenTelemetry stays off, as it always was here (no global OTel provider is ever
    # set; core.tracing traces requests): left on, it looks the global providers up in os.environ on
    # every request to find that out (3.2 us a request, about 1% of a cached search; issue 14).
    app = FastAPIOffline(
        title="GPUBroker",
        version="0.1.0",
        description="GPU and cloud compute marketplace with an AI assistant.",
        lifespan=lifespan,
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url, pool_size=settings.database_pool_size)
    app.state.session_factory = make_session_factory(app.state.engine)
    app.state.cache = make_cache(settings.redis_url, settings.cache_max_entries)
    app.state.bus = make_bus(
        settings.redis_url,
        claim_idle_s=settings.consumer_claim_idle_s,
        max_deliveries=settings.consumer_max_deliveries,
    )
    app.state.connection_slots = make_connection_slots(settings.redis_url)
    # Assistant runs: run by the replica that accepts them, their events readable from any replica.
    app.state.runs = RunManager(
        lambda: app.state.session_factory,
        settings,
        make_run_events(settings.redis_url),
        lambda: app.state.assistant,
        lambda source: Ctx(
            settings=app.state.settings,
            source=source,
            bus=getattr(app.state, "bus", None),
            limiter=getattr(app.state, "rate_limiter", None),
            tenant_limits=getattr(app.state, "tenant_limits", None),
        ),
    )

    install_error_handlers(app, page=error_page)
    # Innermost: the CSRF checks read a form's body through the request guard's size limit.
    install_security(app)
    install_request_guards(app)
    # Last, so it wraps the request guards: their 429/413 answers carry the trace id too.
    install_observability(app)
    # Outside the guards: preflights are answered first and every answer carries the CORS headers.
    cors.install(app)

    if settings.trusted_proxy_list:
        # Outermost: every guard and log sees the client address the trusted proxy reports.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)

    app.include_router(health_router)
    app.include_router(price_stream_router)  # before the catalog's /providers/{offer_id}
    app.include_router(catalog_router)
    app.include_router(accounts_router)
    app.include_router(billing_router)
    app.include_router(chat_router)
    app.include_router(langgraph_runs_router)
    app.include_router(langgraph_router)
    app.include_router(chat_ws_router)
    app.include_router(ops_router)
    app.include_router(chat_page_router)
    app.include_router(account_pages_router)
    app.include_router(account_security_pages_router)
    app.include_router(onboarding_pages_router)
    app.include_router(ops_pages_router)
    app.include_router(billing_pages_router)
    app.include_router(billing_ops_pages_router)
    app.include_router(booking_router)
    app.include_router(booking_accounts_router)
    app.include_router(booking_pages_router)
    app.include_router(provisioning_pages_router)
    app.include_router(alerts_router)
    app.include_router(alert_pages_router)
    app.include_router(analytics_router)
    app.include_router(kpi_pages_router)
    app.include_router(web_router)
    if settings.sandbox_mounted:
        # The provider every booking provisions through by default, reached over HTTP like any other.
        app.state.sandbox_provider = SandboxProvider(
            lambda: app.state.settings, lambda: app.state.session_factory
        )
        app.mount("/sandbox-provider", create_sandbox_app(app.state.sandbox_provider))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_openapi(app)
    return app
