"""Spans exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, read by a collector of our own.

The collector is a loopback HTTP server that speaks OTLP/HTTP as the specification defines it
(https://opentelemetry.io/docs/specs/otlp/#otlphttp): ``POST /v1/traces`` with a binary protobuf
``ExportTraceServiceRequest`` (``Content-Type: application/x-protobuf``), answered 200 with an
``ExportTraceServiceResponse``. It decodes every span with opentelemetry-proto's generated classes, so
the test sees what Jaeger or Tempo would: trace ids, parents, kinds, names and attributes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from accounts import crypto
from core import tracing
from core.settings import Settings
from tests.support import serve

PARENT = "b7ad6b7169203331"
SERVER, CLIENT, INTERNAL = 2, 3, 1  # Span.SpanKind in the OTLP protobuf


@dataclass
class Exported:
    trace_id: str
    span_id: str
    parent_id: str
    name: str
    kind: int
    attributes: dict[str, Any]
    service: str


class Collector:
    def __init__(self) -> None:
        self.spans: list[Exported] = []
        self.content_types: set[str] = set()

    async def traces(self, request: Request) -> Response:
        self.content_types.add(request.headers.get("content-type", ""))
        message = ExportTraceServiceRequest()
        message.ParseFromString(await request.body())
        for resource_spans in message.resource_spans:
            resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for s in scope_spans.spans:
                    attributes = {a.key: _value(a.value) for a in s.attributes}
                    self.spans.append(
                        Exported(
                            s.trace_id.hex(),
                            s.span_id.hex(),
                            s.parent_span_id.hex(),
                            s.name,
                            s.kind,
                            attributes,
                            resource.get("service.name", ""),
                        )
                    )
        return Response(ExportTraceServiceResponse().SerializeToString(), media_type="application/x-protobuf")

    def trace(self, trace_id: str) -> list[Exported]:
        return [s for s in self.spans if s.trace_id == trace_id]


def _value(v: Any) -> Any:
    kind = v.WhichOneof("value")
    return getattr(v, kind) if kind else None


@pytest.fixture(scope="module")
def collector() -> Iterator[tuple[Collector, str]]:
    c = Collector()
    with serve(Starlette(routes=[Route("/v1/traces", c.traces, methods=["POST"])])) as url:
        yield c, url


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def traced_app(
    collector: tuple[Collector, str],
    settings: Settings,
    factory: sessionmaker[Session],
    engine: Any,
    cache: Any,  # empties the Redis database: the first search must miss and query
) -> FastAPI:
    from api.app import create_app

    exporting = settings.model_copy(
        update={"otel_exporter_otlp_endpoint": collector[1], "otel_service_name": "gpubroker-test"}
    )
    app = create_app(exporting)
    # The test's rolled-back transaction, on the session's engine: its statements become spans too.
    app.state.session_factory = factory
    tracing.instrument_engine(engine)
    return app


def flushed(app: FastAPI) -> None:
    assert app.state.tracer_provider.force_flush(10_000)


def test_a_request_becomes_a_server_span_under_the_callers_trace_with_sql_and_redis_children(
    traced_app: FastAPI, collector: tuple[Collector, str], settings: Settings
) -> None:
    spans, _ = collector
    trace_id = tracing.new_trace_id()  # each test its own: the collector outlives it
    client = TestClient(traced_app)
    r = client.get(
        "/providers",
        params={"gpu_type": "H100", "geo": "eu", "page_size": 3},
        headers={"traceparent": f"00-{trace_id}-{PARENT}-01"},
    )
    assert r.status_code == 200
    flushed(traced_app)
    assert spans.content_types == {"application/x-protobuf"}
    trace = spans.trace(trace_id)
    server = next(s for s in trace if s.kind == SERVER)
    assert server.parent_id == PARENT  # the caller's span is our parent
    assert server.name == "GET /providers" and server.attributes["http.route"] == "/providers"
    assert server.attributes["http.response.status_code"] == 200
    assert server.service == "gpubroker-test"
    # The response names the same span.
    assert r.headers["x-trace-id"] == trace_id
    assert r.headers["traceresponse"] == f"00-{trace_id}-{server.span_id}-01"
    sql = [s for s in trace if s.attributes.get("db.system.name") in ("sqlite", "postgresql")]
    assert sql and all(s.kind == CLIENT and s.parent_id == server.span_id for s in sql)
    assert any(s.name == "SELECT" for s in sql)
    if settings.redis_url:  # the limiter's script and the cache's reads
        redis = [s for s in trace if s.attributes.get("db.system") == "redis"]
        assert redis, [(s.name, s.attributes) for s in trace] and all(
            s.parent_id == server.span_id for s in redis
        )
        assert all("?" in str(s.attributes.get("db.statement", "?")) for s in redis if s.name != "GET")


def test_a_malformed_traceparent_starts_a_new_root(
    traced_app: FastAPI, collector: tuple[Collector, str]
) -> None:
    spans, _ = collector
    r = TestClient(traced_app).get("/providers", params={"page_size": 1}, headers={"traceparent": "00-nope"})
    flushed(traced_app)
    trace_id = r.headers["x-trace-id"]
    server = next(s for s in spans.trace(trace_id) if s.kind == SERVER)
    assert server.parent_id == "" and len(spans.trace(trace_id)) >= 2


def test_graph_nodes_tools_and_model_calls_are_spans_of_the_turn(
    traced_app: FastAPI, collector: tuple[Collector, str]
) -> None:
    spans, _ = collector
    trace_id = tracing.new_trace_id()
    with TestClient(traced_app) as client:
        email = "otel-" + trace_id[:8] + "@example.com"
        r = client.post("/auth/register", json={"email": email, "password": "correct horse battery staple"})
        assert r.status_code == 201, r.text
        headers = {
            "Authorization": f"Bearer {r.json()['access_token']}",
            "traceparent": f"00-{trace_id}-{PARENT}-01",
        }
        r = client.post("/ai/chat", json={"prompt": "cheapest 8x H100 in the US"}, headers=headers)
        assert r.status_code == 200 and r.json()["recommendations"]
    flushed(traced_app)
    trace = spans.trace(trace_id)
    by_id = {s.span_id: s for s in trace}
    server = next(s for s in trace if s.kind == SERVER)
    assert server.name == "POST /ai/chat" and server.parent_id == PARENT
    plans = [s for s in trace if s.name == "graph.node plan"]
    assert len(plans) >= 2 and any(s.name == "graph.node respond" for s in trace)
    llm = [s for s in trace if s.name == "llm.request"]
    assert llm and all(by_id[s.parent_id].name == "graph.node plan" for s in llm)
    assert llm[0].attributes["gen_ai.request.model"] == "offline"
    tool = next(s for s in trace if s.name == "tool search_offers")
    assert tool.attributes["gpubroker.tool.outcome"] == "ok" and tool.parent_id in by_id
    # The tool's queries nest under the tool: the span is current while it runs.
    assert any(s.parent_id == tool.span_id and s.kind == CLIENT for s in trace)
    # Every span of the turn hangs off the request's server span.
    for s in trace:
        walk = s
        while walk.parent_id in by_id:
            walk = by_id[walk.parent_id]
        assert walk is server


def test_log_lines_of_an_exported_request_name_its_spans(
    traced_app: FastAPI, collector: tuple[Collector, str], settings: Settings
) -> None:
    import io
    import json
    import logging

    from core.observability import log_handler

    def noisy() -> dict[str, str]:
        logging.getLogger("tests.export").warning("inside the request")
        return {}

    traced_app.add_api_route("/test/noisy", noisy)
    stream = io.StringIO()
    handler = log_handler(settings.model_copy(update={"log_format": "json"}), stream)
    logger = logging.getLogger("tests.export")
    logger.addHandler(handler)
    try:
        r = TestClient(traced_app).get("/test/noisy")
    finally:
        logger.removeHandler(handler)
    flushed(traced_app)
    line = json.loads(stream.getvalue())
    server = next(s for s in collector[0].trace(r.headers["x-trace-id"]) if s.kind == SERVER)
    assert (line["trace_id"], line["span_id"]) == (server.trace_id, server.span_id)
