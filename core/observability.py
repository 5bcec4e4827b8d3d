"""The request middleware (trace context, HTTP metrics, response headers) and the logging setup.

:class:`ObservabilityMiddleware` is the outermost of the app's own middlewares, a pure ASGI one (Starlette's
``BaseHTTPMiddleware`` cost 13 % of a cached search's CPU, issue 14). For each HTTP request and WebSocket
connection it activates a :class:`core.tracing.TraceContext` (the incoming ``traceparent`` continued, or a
new trace); it adds ``X-Trace-Id``, ``traceresponse`` and ``Server-Timing`` to the response and records the
request's duration, count and errors by route template; it counts open WebSockets. With spans exported it
opens the request's SERVER span, the parent of every span the request makes.

The trace id of a request that raised is left in its context on purpose: Starlette's 500 handler runs
outside every user middleware (in ``ServerErrorMiddleware``), and it must still log and answer with that
trace id (core.errors). The request's task ends right after, and its context with it.

Logs: :func:`configure_logging` (called by ``gpubroker`` commands and ``api.main``) sends every logger,
uvicorn's included, through one handler: ``text`` for a terminal, or ``json``, one object a line with
``timestamp``, ``level``, ``logger``, ``message``, ``trace_id``, ``span_id``, ``tenant_id`` and
``exception``; uvicorn's access lines add ``http``. Bearer tokens, JWTs and the values of secret-looking
query parameters (``code``, ``token``, ``password``...) are masked before a line is written.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import metrics, tracing
from core.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.trace import Tracer

# Re-exported: the rest of the code reads the trace id from here.
current_trace_id = tracing.current_trace_id

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(scope: Scope) -> str:
    """The matched route's template (with its mount's prefix), or ``unmatched``: bounded label values."""
    route = scope.get("route")
    if route is None:
        return "unmatched"
    if isinstance(route, Mount):
        # A mount answered without a router of its own (the static files): its template covers it.
        return str(route.path_format)
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    if path is None:
        return "unmatched"
    if "app_root_path" in scope:
        # Inside a mounted app: root_path grew by the mount's path.
        return str(scope.get("root_path", ""))[len(scope["app_root_path"]) :] + str(path)
    return str(path)


def _header(scope: Scope, name: bytes) -> str | None:
    found: str | None = None
    for key, value in scope["headers"]:
        if key == name:
            if found is not None:
                return None  # two traceparent headers: W3C says start over
            found = value.decode("latin-1")
    return found


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, tracer: Tracer | None = None) -> None:
        self.app = app
        self.tracer = tracer
        # Metric children by (route, method, status): the label lookup is done once per combination.
        self._children: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        ctx = tracing.context_from_headers(_header(scope, b"traceparent"), tracer=self.tracer)
        server_span = self._start_span(scope, ctx) if self.tracer is not None else None
        token = tracing.activate(ctx)
        status = 500
        extra = [
            (b"x-trace-id", ctx.trace_id.encode()),
            (b"traceresponse", ctx.traceparent.encode()),
        ]

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                timing = f"app;dur={(time.perf_counter() - started) * 1000:.1f}".encode()
                message["headers"] = [*message.get("headers", ()), *extra, (b"server-timing", timing)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            self._observe(scope, status, time.perf_counter() - started)
            if server_span is not None:
                self._end_span(scope, server_span, status)
        tracing.deactivate(token)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        ctx = tracing.context_from_headers(_header(scope, b"traceparent"), tracer=self.tracer)
        server_span = self._start_span(scope, ctx) if self.tracer is not None else None
        token = tracing.activate(ctx)
        gauge: Any = None

        async def counting_send(message: Message) -> None:
            nonlocal gauge
            if message["type"] == "websocket.accept" and gauge is None:
                gauge = metrics.WEBSOCKET_CONNECTIONS.labels(route_template(scope))
                gauge.inc()
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            if gauge is not None:
                gauge.dec()
            if server_span is not None:
                self._end_span(scope, server_span, 101)
        tracing.deactivate(token)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
        key = (route_template(scope), method, status)
        children = self._children.get(key)
        if children is None:
            labels = (key[0], method, str(status))
            children = (
                metrics.HTTP_REQUEST_DURATION.labels(*labels),
                metrics.HTTP_REQUESTS.labels(*labels),
                metrics.HTTP_ERRORS.labels(*labels) if status >= 400 else None,
            )
            self._children[key] = children
        children[0].observe(seconds)
        children[1].inc()
        if children[2] is not None:
            children[2].inc()

    def _start_span(self, scope: Scope, ctx: tracing.TraceContext) -> tuple[Any, Any]:
        """The SERVER span, child of the incoming traceparent (a new root without one), made current."""
        from opentelemetry import context as otel_context
        from opentelemetry import trace
        from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags

        assert self.tracer is not None  # nosec B101  # the caller checked that tracing is on
        if ctx.parent_id is not None:
            remote = SpanContext(
                int(ctx.trace_id, 16),
                int(ctx.parent_id, 16),
                is_remote=True,
                trace_flags=TraceFlags(TraceFlags.SAMPLED if ctx.sampled else TraceFlags.DEFAULT),
            )
            parent = trace.set_span_in_context(NonRecordingSpan(remote))
        else:
            parent = otel_context.Context()
        method = scope.get("method", "WS")
        server_span = self.tracer.start_span(
            method,
            context=parent,
            kind=SpanKind.SERVER,
            attributes={
                "http.request.method": method,
                "url.path": scope["path"],
                "url.scheme": scope["scheme"],
            },
        )
        sc = server_span.get_span_context()
        ctx.trace_id, ctx.span_id = f"{sc.trace_id:032x}", f"{sc.span_id:016x}"
        ctx.sampled = sc.trace_flags.sampled
        return server_span, otel_context.attach(trace.set_span_in_context(server_span))

    def _end_span(self, scope: Scope, started: tuple[Any, Any], status: int) -> None:
        from opentelemetry import context as otel_context
        from opentelemetry.trace import StatusCode

        server_span, otel_token = started
        route = route_template(scope)
        server_span.update_name(f"{scope.get('method', 'WS')} {route}")
        server_span.set_attribute("http.route", route)
        if scope["type"] == "http":
            server_span.set_attribute("http.response.status_code", status)
            if status >= 500:
                server_span.set_status(StatusCode.ERROR)
        server_span.end()
        otel_context.detach(otel_token)


def install_observability(app: FastAPI) -> None:
    """Tracing and metrics for an app: call after every other middleware is added (this one wraps them)."""
    settings: Settings = app.state.settings
    provider = tracing.build_provider(settings)
    app.state.tracer_provider = provider
    if provider is not None:
        tracing.instrument_engine(app.state.engine)
        # The app's Redis clients, wherever they were built (cache, bus, limiter, WebSocket slots).
        for name in ("cache", "bus", "rate_limiter", "connection_slots"):
            client = getattr(getattr(app.state, name, None), "_redis", None)
            if client is not None:
                tracing.instrument_redis(client, provider)
    metrics.mark_dead_at_exit(settings)
    tracer = provider.get_tracer("gpubroker") if provider is not None else None
    app.add_middleware(ObservabilityMiddleware, tracer=tracer)


# --- logs ---------------------------------------------------------------------------------------------------

_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")
_JWT = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")
SECRET_PARAMS = frozenset(
    {
        "code",
        "state",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "password",
        "secret",
        "key",
        "api_key",
        "apikey",
        "signature",
        "sig",
        "client_secret",
    }
)


def redact(text: str) -> str:
    """Masks bearer tokens and JWTs anywhere in a log line."""
    if "earer" in text or "eyJ" in text:
        text = _JWT.sub("***", _BEARER.sub(r"\1***", text))
    return text


def redact_path(path: str) -> str:
    """A request path with the values of secret-looking query parameters masked."""
    base, sep, query = path.partition("?")
    if not sep:
        return path
    pairs = parse_qsl(query, keep_blank_values=True)
    return (
        base + "?" + urlencode([(k, "***" if k.lower() in SECRET_PARAMS else v) for k, v in pairs], safe="*")
    )


class ContextFilter(logging.Filter):
    """Stamps each record with the trace, span and tenant of the context it was logged in."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.trace_id, record.span_id = tracing.current_ids()
        ctx = tracing.current()
        record.tenant_id = ctx.tenant_id if ctx is not None else None
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            record.args = (client, method, redact_path(str(path)), version, status)
            record.http = {
                "client": client,
                "method": method,
                "path": record.args[2],
                "version": version,
                "status": status,
            }
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
            "trace_id": getattr(record, "trace_id", None),
            "span_id": getattr(record, "span_id", None),
            "tenant_id": getattr(record, "tenant_id", None),
        }
        http = getattr(record, "http", None)
        if http is not None:
            entry["http"] = http
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = record.stack_info
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s [trace=%(trace_id)s tenant=%(tenant_id)s]: %(message)s"
        )

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def log_handler(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    return handler


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """One handler on the root logger for the whole process, uvicorn's loggers included; idempotent."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "gpubroker", False)]:
        root.removeHandler(old)
    handler = log_handler(settings, stream)
    handler.gpubroker = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn's own handlers would print its lines a second time, in its own format.
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    for name in ("httpx", "httpcore"):
        # They log every request at INFO, URL and query string included (where some APIs take keys).
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    # The job engine logs every start and end of every job at INFO (the outbox relay runs every 5 s);
    # our own metrics and job logs say what matters.
    logging.getLogger("procrastinate").setLevel(max(logging.WARNING, root.level))
