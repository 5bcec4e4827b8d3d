"""W3C trace context for every request, job and outgoing call; OpenTelemetry spans when they are exported.

Always on, at the cost of a header parse and two random numbers a request: each request (and each job or
CLI run) holds a :class:`TraceContext` in a context variable. A valid incoming ``traceparent`` (W3C Trace
Context, https://www.w3.org/TR/trace-context/#traceparent-header) is honoured: its trace id is kept, its
span id becomes our parent and we take a new span id; an absent, duplicated or malformed header starts a
new trace. Error envelopes, the ``X-Trace-Id`` and ``traceresponse`` response headers, every log line and
every outgoing call made through :func:`http_client`, :func:`async_http_client` or
:func:`requests_session` carry that context, the calls as ``traceparent`` with our span as the parent.

With ``OTEL_EXPORTER_OTLP_ENDPOINT`` set (:func:`build_provider`), spans are also built and exported in
batches over OTLP/HTTP (protobuf, ``<endpoint>/v1/traces``; https://opentelemetry.io/docs/specs/otlp/#otlphttp):
a SERVER span per request (core.observability), a CLIENT span per SQL statement (:func:`instrument_engine`),
Redis command (:func:`instrument_redis`) and outgoing HTTP call, and INTERNAL spans for graph nodes and tools
(:func:`span`). Without it no span object is ever built.

Invariants: a trace id is 32 lowercase hex digits and a span id 16, neither all zeros. The tracer is found
through the request's context (or the process default that :func:`configure_tracing` sets for the worker
and the CLI), never through OpenTelemetry's global provider, so two apps in one process (the tests) do not
share one and nothing is set process-wide by building an app.
"""

from __future__ import annotations

import contextvars
import functools
import random
import re
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from core.settings import Settings

if TYPE_CHECKING:
    import requests
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span, SpanContext, Tracer
    from sqlalchemy.engine import Engine

_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16


@dataclass(slots=True)
class TraceContext:
    """One request's (or job's) place in a trace. ``tenant_id`` is filled in when the caller signs in
    (mutable, so the sign-in in a worker thread is seen by the request's own task); ``tracer`` is set
    only while spans are exported."""

    trace_id: str
    span_id: str
    sampled: bool = True
    parent_id: str | None = None
    tenant_id: str | None = None
    tracer: Tracer | None = None

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{'01' if self.sampled else '00'}"


_current: contextvars.ContextVar[TraceContext | None] = contextvars.ContextVar(
    "gpubroker_trace", default=None
)
_default_tracer: Tracer | None = None
_traced_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def new_trace_id() -> str:
    # random's generator, as OpenTelemetry's own id generator: ids must be unique, not secret.
    while True:
        value = random.getrandbits(128)  # nosec B311  # trace ids (W3C), not secrets
        if value:
            return f"{value:032x}"


def new_span_id() -> str:
    while True:
        value = random.getrandbits(64)  # nosec B311  # trace ids (W3C), not secrets
        if value:
            return f"{value:016x}"


def parse_traceparent(value: str | None) -> tuple[str, str, int] | None:
    """``(trace_id, parent_span_id, flags)`` of a valid ``traceparent``, else None.

    The W3C rules: version ``ff`` is invalid; version ``00`` is exactly 55 characters; a later version
    may append fields after a ``-``; ids are lowercase hex and not all zeros."""
    if not value:
        return None
    value = value.strip(" \t")
    match = _TRACEPARENT.match(value)
    if match is None:
        return None
    version, trace_id, span_id, flags = match.groups()
    if version == "ff" or trace_id == _ZERO_TRACE or span_id == _ZERO_SPAN:
        return None
    if len(value) != 55 and (version == "00" or value[55] != "-"):
        return None
    return trace_id, span_id, int(flags, 16)


def context_from_headers(traceparent: str | None, *, tracer: Tracer | None = None) -> TraceContext:
    """A request's context: the incoming trace continued, or a new one."""
    parent = parse_traceparent(traceparent)
    if parent is None:
        return TraceContext(new_trace_id(), new_span_id(), tracer=tracer)
    trace_id, parent_id, flags = parent
    return TraceContext(trace_id, new_span_id(), bool(flags & 1), parent_id, tracer=tracer)


def activate(ctx: TraceContext) -> contextvars.Token[TraceContext | None]:
    return _current.set(ctx)


def deactivate(token: contextvars.Token[TraceContext | None]) -> None:
    _current.reset(token)


def current() -> TraceContext | None:
    return _current.get()


def current_trace_id() -> str | None:
    ctx = _current.get()
    return ctx.trace_id if ctx is not None else None


def bind_tenant(tenant_id: str | None) -> None:
    """Names the signed-in caller's tenant in the logs of the rest of the request."""
    ctx = _current.get()
    if ctx is not None:
        ctx.tenant_id = tenant_id


def current_tracer() -> Tracer | None:
    ctx = _current.get()
    if ctx is not None and ctx.tracer is not None:
        return ctx.tracer
    return _default_tracer


def _otel_ids() -> tuple[str, str] | None:
    from opentelemetry import trace

    sc = trace.get_current_span().get_span_context()
    return (f"{sc.trace_id:032x}", f"{sc.span_id:016x}") if sc.is_valid else None


def current_ids() -> tuple[str | None, str | None]:
    """The trace id and the innermost span id, for log lines."""
    if current_tracer() is not None:
        ids = _otel_ids()
        if ids is not None:
            return ids
    ctx = _current.get()
    return (ctx.trace_id, ctx.span_id) if ctx is not None else (None, None)


def outgoing_traceparent() -> str | None:
    """The ``traceparent`` an outgoing call carries: our innermost span as its parent."""
    if current_tracer() is not None:
        from opentelemetry import trace

        sc = trace.get_current_span().get_span_context()
        if sc.is_valid:
            return _format(sc)
    ctx = _current.get()
    return ctx.traceparent if ctx is not None else None


def _format(sc: SpanContext) -> str:
    return f"00-{sc.trace_id:032x}-{sc.span_id:016x}-{int(sc.trace_flags) & 0xFF:02x}"


def response_headers() -> dict[str, str]:
    """``X-Trace-Id`` and ``traceresponse`` (Trace Context Level 2) of the current request."""
    ctx = _current.get()
    if ctx is None:
        return {}
    return {"X-Trace-Id": ctx.trace_id, "traceresponse": ctx.traceparent}


@contextmanager
def trace_run(name: str) -> Iterator[TraceContext]:
    """A trace of its own for a job or a CLI run (a root span when spans are exported)."""
    ctx = TraceContext(new_trace_id(), new_span_id())
    token = _current.set(ctx)
    try:
        tracer = _default_tracer
        if tracer is None:
            yield ctx
            return
        from opentelemetry import context as otel_context

        with tracer.start_as_current_span(name, context=otel_context.Context()) as root:
            sc = root.get_span_context()
            ctx.trace_id, ctx.span_id = f"{sc.trace_id:032x}", f"{sc.span_id:016x}"
            ctx.tracer = tracer
            yield ctx
    finally:
        _current.reset(token)


class _NoSpan:
    """What :func:`span` gives when nothing is exported: a no-op, shared, so it costs no allocation."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None

    def set_attribute(self, key: str, value: Any) -> None:
        return None


_NO_SPAN = _NoSpan()


def span(name: str, attributes: Mapping[str, Any] | None = None) -> Any:
    """An INTERNAL span around a block (a graph node, a tool, a provider fetch), current inside it so
    SQL, Redis and HTTP spans nest under it; a shared no-op when no tracer is set."""
    tracer = current_tracer()
    if tracer is None:
        return _NO_SPAN
    return tracer.start_as_current_span(name, attributes=dict(attributes or {}))


# --- OpenTelemetry setup -------------------------------------------------------------------------------


def traces_url(endpoint: str) -> str:
    """OTEL_EXPORTER_OTLP_ENDPOINT is a base URL; OTLP/HTTP appends the signal's path to it."""
    return endpoint.rstrip("/") + "/v1/traces"


def build_provider(settings: Settings) -> TracerProvider | None:
    """An SDK tracer provider exporting over OTLP/HTTP, or None when no endpoint is configured; one per
    endpoint and service name in a process (the app's requests and the process's jobs share it)."""
    if not settings.otel_exporter_otlp_endpoint:
        return None
    return _provider(settings.otel_exporter_otlp_endpoint, settings.otel_service_name)


@functools.cache
def _provider(endpoint: str, service_name: str) -> TracerProvider:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=traces_url(endpoint))))
    return provider


def configure_tracing(settings: Settings) -> TracerProvider | None:
    """The process's default tracer, for work outside requests (the worker's jobs, CLI commands)."""
    global _default_tracer
    provider = build_provider(settings)
    _default_tracer = provider.get_tracer("gpubroker") if provider is not None else None
    return provider


def instrument_engine(engine: Engine) -> None:
    """A CLIENT span per SQL statement run on ``engine``, nested under the current span.

    Our own three event listeners rather than opentelemetry-instrumentation-sqlalchemy, which also wraps
    ``sqlalchemy.create_engine`` process-wide; the tracer is looked up per statement, so an engine
    instrumented once serves every app and job of the process."""
    from opentelemetry.trace import SpanKind, StatusCode
    from sqlalchemy import event

    if engine in _traced_engines:
        return
    _traced_engines.add(engine)
    system = engine.dialect.name
    namespace = engine.url.database or ""

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        tracer = current_tracer()
        if tracer is None or context is None:
            return
        operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        context._gpubroker_span = tracer.start_span(
            operation,
            kind=SpanKind.CLIENT,
            attributes={
                "db.system.name": system,
                "db.namespace": namespace,
                "db.operation.name": operation,
                # Statements carry bound parameters, never values.
                "db.query.text": statement[:2000],
            },
        )

    @event.listens_for(engine, "after_cursor_execute")
    def _end(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        started = getattr(context, "_gpubroker_span", None)
        if started is not None:
            context._gpubroker_span = None
            started.end()

    @event.listens_for(engine, "handle_error")
    def _error(exc_context: Any) -> None:
        started = getattr(exc_context.execution_context, "_gpubroker_span", None)
        if started is not None:
            exc_context.execution_context._gpubroker_span = None
            started.set_status(StatusCode.ERROR, type(exc_context.original_exception).__name__)
            started.end()


def instrument_redis(client: Any, provider: TracerProvider) -> None:
    """A CLIENT span per command of this Redis client (arguments replaced by ``?``)."""
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    RedisInstrumentor.instrument_client(client, tracer_provider=provider)


# --- outgoing HTTP ---------------------------------------------------------------------------------------


def _client_span(tracer: Tracer, method: str, url: httpx.URL | str) -> Any:
    from opentelemetry.trace import SpanKind

    parsed = httpx.URL(str(url))
    return tracer.start_as_current_span(
        method,
        kind=SpanKind.CLIENT,
        attributes={
            "http.request.method": method,
            # Without the query string: some APIs take keys there.
            "url.full": str(parsed.copy_with(query=None, fragment=None)),
            "server.address": parsed.host,
        },
    )


def _finish_client_span(current_span: Span, status: int) -> None:
    from opentelemetry.trace import StatusCode

    current_span.set_attribute("http.response.status_code", status)
    if status >= 500:
        current_span.set_status(StatusCode.ERROR)


def _inject(headers: Any) -> None:
    header = outgoing_traceparent()
    if header is not None:
        headers["traceparent"] = header


class TracingTransport(httpx.BaseTransport):
    """Wraps a transport: each request carries ``traceparent``, and gets a CLIENT span when exporting."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        tracer = current_tracer()
        if tracer is None:
            _inject(request.headers)
            return self._inner.handle_request(request)
        with _client_span(tracer, request.method, request.url) as current_span:
            _inject(request.headers)
            response = self._inner.handle_request(request)
            _finish_client_span(current_span, response.status_code)
            return response

    def close(self) -> None:
        self._inner.close()


class AsyncTracingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        tracer = current_tracer()
        if tracer is None:
            _inject(request.headers)
            return await self._inner.handle_async_request(request)
        with _client_span(tracer, request.method, request.url) as current_span:
            _inject(request.headers)
            response = await self._inner.handle_async_request(request)
            _finish_client_span(current_span, response.status_code)
            return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def http_client(
    *, transport: httpx.BaseTransport | None = None, verify: Any = True, **kwargs: Any
) -> httpx.Client:
    """An ``httpx.Client`` whose requests carry the trace (``transport``: one to wrap, e.g. a test's)."""
    inner = transport if transport is not None else httpx.HTTPTransport(verify=verify)
    return httpx.Client(transport=TracingTransport(inner), **kwargs)


def async_http_client(
    *, transport: httpx.AsyncBaseTransport | None = None, verify: Any = True, **kwargs: Any
) -> httpx.AsyncClient:
    inner = transport if transport is not None else httpx.AsyncHTTPTransport(verify=verify)
    return httpx.AsyncClient(transport=AsyncTracingTransport(inner), **kwargs)


def requests_session(verify: bool | str = True) -> requests.Session:
    """A ``requests`` session (hvac's, for Vault) whose requests carry the trace."""
    import requests
    from requests.adapters import HTTPAdapter

    class TracingAdapter(HTTPAdapter):
        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            tracer = current_tracer()
            if tracer is None:
                _inject(request.headers)
                return super().send(request, *args, **kwargs)
            with _client_span(tracer, request.method or "GET", request.url or "") as current_span:
                _inject(request.headers)
                response = super().send(request, *args, **kwargs)
                _finish_client_span(current_span, response.status_code)
                return response

    session = requests.Session()
    session.verify = verify
    adapter = TracingAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
