"""Health, metrics, trace context and logs as an operator and a caller see them.

Probes (/healthz, /ready), the Prometheus text of /metrics (route templates, errors, cache, sync, bookings,
the assistant, WebSockets), W3C ``traceparent`` honoured and answered (``X-Trace-Id``, ``traceresponse``,
the trace id of every error envelope), outgoing calls carrying it, and log lines stamped with the trace and
the tenant. Exporting spans over OTLP is in tests/core/test_tracing_export.py.
"""

from __future__ import annotations

import io
import json
import logging
import re
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from accounts import crypto
from accounts.deps import CurrentUser
from api.health import migration_heads
from core import tracing
from core.observability import JsonFormatter, log_handler, redact, redact_path
from core.settings import Settings
from tests.support import run_async, serve

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE}-{PARENT}-01"
HEX32 = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def register(client: TestClient) -> dict[str, Any]:
    import uuid

    email = f"obs-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post("/auth/register", json={"email": email, "password": "correct horse battery staple"})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return {"tenant_id": body["tenant"]["id"], "headers": {"Authorization": f"Bearer {body['access_token']}"}}


def metric(client: TestClient, name: str, **labels: str) -> float:
    """The sum of the samples called ``name`` whose labels include ``labels``, as /metrics shows them."""
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    total = 0.0
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                total += s.value
    return total


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- W3C traceparent ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "parsed"),
    [
        (TRACEPARENT, (TRACE, PARENT, 1)),
        (f"00-{TRACE}-{PARENT}-00", (TRACE, PARENT, 0)),
        (f"  {TRACEPARENT}\t", (TRACE, PARENT, 1)),  # optional whitespace around the value
        (f"01-{TRACE}-{PARENT}-01-what-a-later-version-adds", (TRACE, PARENT, 1)),
        (f"ff-{TRACE}-{PARENT}-01", None),  # version ff is invalid
        (f"00-{TRACE.upper()}-{PARENT}-01", None),  # ids are lowercase hex
        (f"00-{'0' * 32}-{PARENT}-01", None),  # all-zero trace id
        (f"00-{TRACE}-{'0' * 16}-01", None),  # all-zero parent id
        (f"00-{TRACE}-{PARENT}-01-extra", None),  # version 00 is exactly 55 characters
        (f"01-{TRACE}-{PARENT}-01extra", None),  # a later version's extra fields follow a dash
        (f"00-{TRACE[:-1]}-{PARENT}-01", None),
        ("00-xyz", None),
        ("", None),
    ],
)
def test_traceparent_follows_the_w3c_rules(header: str, parsed: tuple[str, str, int] | None) -> None:
    assert tracing.parse_traceparent(header) == parsed


def test_an_incoming_trace_is_continued_with_a_new_span(client: TestClient) -> None:
    r = client.get(
        "/providers", params={"gpu_type": "L4", "page_size": 2}, headers={"traceparent": TRACEPARENT}
    )
    assert r.status_code == 200
    assert r.headers["x-trace-id"] == TRACE
    version, trace_id, span_id, flags = r.headers["traceresponse"].split("-")
    assert (version, trace_id, flags) == ("00", TRACE, "01")
    assert re.fullmatch(r"[0-9a-f]{16}", span_id) and span_id != PARENT  # our span, child of the caller's


@pytest.mark.parametrize(
    "headers",
    [
        [("traceparent", f"00-{TRACE}-{PARENT}-0")],  # malformed
        [("traceparent", TRACEPARENT), ("traceparent", f"00-{'1' * 32}-{PARENT}-01")],  # two of them
        [],
    ],
)
def test_without_a_valid_traceparent_a_new_trace_starts(client: TestClient, headers: list[Any]) -> None:
    r = client.get("/providers", params={"page_size": 1}, headers=headers)
    assert r.status_code == 200
    trace_id = r.headers["x-trace-id"]
    assert HEX32.fullmatch(trace_id) and trace_id not in (TRACE, "1" * 32)
    assert r.headers["traceresponse"].startswith(f"00-{trace_id}-")


# --- the trace id of every error ---------------------------------------------------------------------------


def assert_traced_error(r: httpx.Response, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code
    assert error["trace_id"] and HEX32.fullmatch(error["trace_id"])
    assert r.headers["x-trace-id"] == error["trace_id"]
    assert r.headers["traceresponse"].split("-")[1] == error["trace_id"]
    return str(error["trace_id"])


def test_client_errors_carry_the_trace_id(client: TestClient) -> None:
    assert_traced_error(client.get("/no/such/route"), 404, "not_found")
    assert_traced_error(client.get("/providers", params={"page_size": 0}), 422, "validation_error")
    r = client.get("/providers/no-such-offer", headers={"traceparent": TRACEPARENT})
    assert assert_traced_error(r, 404, "not_found") == TRACE


def test_errors_raised_in_middleware_carry_the_trace_id(app: FastAPI, client: TestClient) -> None:
    # The request guard answers before any route: too large a body, then too many requests.
    app.state.settings = app.state.settings.model_copy(update={"max_request_body_bytes": 64})
    r = client.post("/auth/register", content=b"{" + b" " * 200 + b"}", headers={"traceparent": TRACEPARENT})
    assert assert_traced_error(r, 413, "payload_too_large") == TRACE
    app.state.settings = app.state.settings.model_copy(
        update={"rate_limit_anonymous_burst": 1, "rate_limit_anonymous_rps": 0.001}
    )
    client.get("/providers", params={"page_size": 1})
    r = client.get("/providers", params={"page_size": 1})
    assert_traced_error(r, 429, "rate_limited")
    assert int(r.headers["retry-after"]) >= 1


def test_an_unexpected_500_carries_the_trace_id_in_body_header_and_log(
    app: FastAPI, settings: Settings
) -> None:
    def boom() -> None:
        raise RuntimeError("the database password is hunter2")

    app.add_api_route("/test/boom", boom)
    stream = io.StringIO()
    handler = log_handler(settings.model_copy(update={"log_format": "json"}), stream)
    errors_log = logging.getLogger("core.errors")
    errors_log.addHandler(handler)
    try:
        raw = TestClient(app, raise_server_exceptions=False)
        r = raw.get("/test/boom", headers={"traceparent": TRACEPARENT})
    finally:
        errors_log.removeHandler(handler)
    assert assert_traced_error(r, 500, "internal_error") == TRACE
    assert "hunter2" not in r.text  # the exception's text stays in the log
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["message"] == "unhandled error" and line["trace_id"] == TRACE and line["level"] == "error"
    assert "RuntimeError" in line["exception"]


# --- logs ----------------------------------------------------------------------------------------------------


def test_log_lines_name_the_trace_span_and_tenant_of_the_request(
    app: FastAPI, client: TestClient, settings: Settings
) -> None:
    def whoami(user: CurrentUser) -> dict[str, str]:
        logging.getLogger("tests.observability").info("serving %s", user.email)
        return {"tenant_id": user.tenant_id}

    app.add_api_route("/test/whoami", whoami)
    account = register(client)
    stream = io.StringIO()
    handler = log_handler(settings.model_copy(update={"log_format": "json"}), stream)
    logger = logging.getLogger("tests.observability")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        r = client.get("/test/whoami", headers={**account["headers"], "traceparent": TRACEPARENT})
        outside = logging.LogRecord(
            "tests.observability", logging.INFO, __file__, 1, "no request", None, None
        )
        handler.handle(outside)
    finally:
        logger.removeHandler(handler)
    assert r.status_code == 200
    served, idle = (json.loads(line) for line in stream.getvalue().splitlines())
    span_id = r.headers["traceresponse"].split("-")[2]
    assert served["trace_id"] == TRACE and served["span_id"] == span_id
    assert served["tenant_id"] == account["tenant_id"] == r.json()["tenant_id"]
    assert served["logger"] == "tests.observability" and served["message"].startswith("serving obs-")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", served["timestamp"])
    # Outside any request every field is still there, empty.
    assert (idle["trace_id"], idle["span_id"], idle["tenant_id"]) == (None, None, None)


def test_secrets_never_reach_a_log_line() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXZhbHVl"
    assert token not in redact(f"calling with Authorization: Bearer {token}")
    assert "Bearer ***" in redact("Authorization: Bearer opaque-token-value")
    assert redact_path("/auth/oidc/callback?code=abc123&state=xyz&page=2") == (
        "/auth/oidc/callback?code=***&state=***&page=2"
    )
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "token %s", (token,), None)
    assert token not in JsonFormatter().format(record)


# --- probes -----------------------------------------------------------------------------------------------


def test_ready_checks_the_database_migrations_and_redis(client: TestClient, settings: Settings) -> None:
    r = client.get("/ready")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ready"
    checks = body["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["migrations"] == {"status": "ok", "revision": ",".join(sorted(migration_heads()))}
    assert checks["redis"]["status"] == ("ok" if settings.redis_url else "skipped")
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_database_behind_the_code_is_not_ready(client: TestClient, db: Session) -> None:
    db.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    r = client.get("/ready")
    assert r.status_code == 503
    assert r.headers["retry-after"] == "5"
    error = r.json()["error"]
    assert error["code"] == "not_ready" and error["trace_id"]
    checks = error["details"]["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["migrations"]["status"] == "failed"
    head = ",".join(sorted(migration_heads()))
    assert f"at 0001, the code needs {head}" in checks["migrations"]["reason"]
    assert "migrations" in error["message"] and "gpubroker migrate" in error["message"]


def test_unreachable_database_and_redis_are_named_while_liveness_stays_up(settings: Settings) -> None:
    port = closed_port()
    down = settings.model_copy(
        update={
            "database_url": f"postgresql://postgres@127.0.0.1:{port}/gone",
            "redis_url": f"redis://127.0.0.1:{port}/0",
        }
    )
    from api.app import create_app

    client = TestClient(create_app(down))  # no lifespan: it would need the database
    r = client.get("/ready")
    assert r.status_code == 503
    error = r.json()["error"]
    checks = error["details"]["checks"]
    assert checks["database"]["status"] == "failed" and "OperationalError" in checks["database"]["reason"]
    assert checks["redis"]["status"] == "failed" and "ConnectionError" in checks["redis"]["reason"]
    assert checks["migrations"]["status"] == "unknown"
    assert error["message"].startswith("not ready: database: OperationalError")
    assert "redis: ConnectionError" in error["message"]
    assert client.get("/healthz").status_code == 200  # liveness depends on nothing


# --- metrics -------------------------------------------------------------------------------------------------


def test_requests_are_measured_by_route_template_never_the_raw_path(client: TestClient) -> None:
    route = {"route": "/providers/{offer_id}", "method": "GET", "status": "404"}
    before = metric(client, "gpubroker_http_request_duration_seconds_count", **route)
    errors_before = metric(client, "gpubroker_http_errors_total", **route)
    unmatched_before = metric(client, "gpubroker_http_requests_total", route="unmatched", status="404")
    for name in ("one-offer", "another-offer"):
        assert client.get(f"/providers/{name}").status_code == 404
    client.get("/definitely/not/here")
    assert metric(client, "gpubroker_http_request_duration_seconds_count", **route) == before + 2
    assert metric(client, "gpubroker_http_errors_total", **route) == errors_before + 2
    assert (
        metric(client, "gpubroker_http_requests_total", route="unmatched", status="404")
        == unmatched_before + 1
    )
    text = client.get("/metrics").text
    assert "one-offer" not in text and "/definitely/not/here" not in text
    assert (
        'gpubroker_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/providers/{offer_id}"'
        in text
    )


def test_cache_hits_and_misses_are_counted_by_backend(client: TestClient, app: FastAPI) -> None:
    backend = app.state.cache.backend
    hits = metric(client, "gpubroker_search_cache_hits_total", backend=backend)
    misses = metric(client, "gpubroker_search_cache_misses_total", backend=backend)
    params = {"gpu_type": "A10G", "geo": "na", "page_size": 3}
    client.get("/providers", params=params)
    client.get("/providers", params=params)
    assert metric(client, "gpubroker_search_cache_misses_total", backend=backend) == misses + 1
    assert metric(client, "gpubroker_search_cache_hits_total", backend=backend) == hits + 1
    assert metric(client, "gpubroker_catalog_version") == app.state.cache.version()


def test_a_sync_counts_its_rows_duration_and_fetch(
    client: TestClient, factory: sessionmaker[Session], settings: Settings
) -> None:
    from catalog.ingest import run_sync

    unchanged = metric(client, "gpubroker_sync_records_total", provider="lambda", outcome="unchanged")
    syncs = metric(client, "gpubroker_sync_duration_seconds_count", provider="lambda")
    fetches = metric(client, "gpubroker_provider_fetch_seconds_count", provider="lambda")
    report = run_sync(factory, settings, providers=["lambda"])
    lam = report.providers[0]
    assert lam.error is None and lam.unchanged > 0
    assert metric(client, "gpubroker_sync_records_total", provider="lambda", outcome="unchanged") == (
        unchanged + lam.unchanged
    )
    assert metric(client, "gpubroker_sync_duration_seconds_count", provider="lambda") == syncs + 1
    assert metric(client, "gpubroker_provider_fetch_seconds_count", provider="lambda") == fetches + 1


def test_booking_transitions_are_counted(client: TestClient, factory: sessionmaker[Session]) -> None:
    from tests.booking.conftest import offer_ids

    account = register(client)
    labels = {"from_state": "draft", "to_state": "cancelled"}
    before = metric(client, "gpubroker_booking_transitions_total", **labels)
    r = client.post(
        "/bookings", json={"offer_id": offer_ids(factory)[0], "hours": 2}, headers=account["headers"]
    )
    assert r.status_code == 201, r.text
    r = client.post(f"/bookings/{r.json()['id']}/cancel", headers=account["headers"])
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert metric(client, "gpubroker_booking_transitions_total", **labels) == before + 1


def test_assistant_turns_tools_and_model_calls_are_timed(client: TestClient) -> None:
    account = register(client)
    model = {"model": "offline"}

    def count(name: str, **labels: str) -> float:
        return metric(client, name, **labels)

    json_turns = count("gpubroker_assistant_turn_seconds_count", transport="json", **model)
    sse_turns = count("gpubroker_assistant_turn_seconds_count", transport="sse", **model)
    sse_first = count("gpubroker_assistant_first_event_seconds_count", transport="sse")
    graph_turns = count("gpubroker_assistant_turn_seconds_count", transport="langgraph", **model)
    searches = count("gpubroker_assistant_tool_seconds_count", tool="search_offers", outcome="ok")
    llm = count("gpubroker_llm_request_seconds_count", **model)

    r = client.post("/ai/chat", json={"prompt": "cheapest 8x H100 in the US"}, headers=account["headers"])
    assert r.status_code == 200 and r.json()["recommendations"]
    with client.stream(
        "POST", "/ai/chat/stream", json={"prompt": "L4 in europe"}, headers=account["headers"]
    ) as stream:
        assert stream.status_code == 200
        assert "event: end" in "".join(stream.iter_text())
    run = {
        "assistant_id": "gpubroker",
        "input": {"messages": [{"role": "user", "content": "A100 in the US"}]},
    }
    with client.stream("POST", "/runs/stream", json=run, headers=account["headers"]) as stream:
        assert stream.status_code == 200
        "".join(stream.iter_text())

    assert count("gpubroker_assistant_turn_seconds_count", transport="json", **model) == json_turns + 1
    assert count("gpubroker_assistant_turn_seconds_count", transport="sse", **model) == sse_turns + 1
    assert count("gpubroker_assistant_first_event_seconds_count", transport="sse") == sse_first + 1
    assert count("gpubroker_assistant_turn_seconds_count", transport="langgraph", **model) == graph_turns + 1
    assert count("gpubroker_assistant_tool_seconds_count", tool="search_offers", outcome="ok") >= searches + 3
    assert count("gpubroker_llm_request_seconds_count", **model) >= llm + 6  # plan, then plan after the tools


def test_open_websockets_are_counted_and_their_turns_timed(client: TestClient) -> None:
    account = register(client)
    endpoint = {"endpoint": "/ai/chat/ws"}
    open_before = metric(client, "gpubroker_websocket_connections", **endpoint)
    turns = metric(client, "gpubroker_assistant_turn_seconds_count", transport="ws", model="offline")
    first = metric(client, "gpubroker_assistant_first_event_seconds_count", transport="ws")
    with client.websocket_connect("/ai/chat/ws", headers=account["headers"]) as ws:
        assert ws.receive_json()["event"] == "ready"
        assert metric(client, "gpubroker_websocket_connections", **endpoint) == open_before + 1
        ws.send_json({"type": "chat", "prompt": "cheapest L4"})
        while ws.receive_json()["event"] != "end":
            pass
    assert metric(client, "gpubroker_websocket_connections", **endpoint) == open_before
    assert (
        metric(client, "gpubroker_assistant_turn_seconds_count", transport="ws", model="offline") == turns + 1
    )
    assert metric(client, "gpubroker_assistant_first_event_seconds_count", transport="ws") == first + 1


def test_job_outbox_and_event_helpers_show_in_the_scrape(client: TestClient) -> None:
    from core import metrics

    ok = metric(client, "gpubroker_job_runs_total", job="test.job", status="succeeded")
    failed = metric(client, "gpubroker_job_runs_total", job="test.job", status="failed")
    with metrics.job_run("test.job"):
        pass
    with pytest.raises(ValueError, match="bad"), metrics.job_run("test.job"):
        raise ValueError("bad")
    metrics.set_jobs_queued("default", 3)
    metrics.set_outbox_pending(2)
    metrics.event_handled("booking_events", "billing", "duplicate")
    assert metric(client, "gpubroker_job_runs_total", job="test.job", status="succeeded") == ok + 1
    assert metric(client, "gpubroker_job_runs_total", job="test.job", status="failed") == failed + 1
    assert metric(client, "gpubroker_job_duration_seconds_count", job="test.job") >= 2
    assert metric(client, "gpubroker_jobs_queued", queue="default") == 3
    assert metric(client, "gpubroker_outbox_pending") == 2
    assert metric(client, "gpubroker_events_handled_total", topic="booking_events", group="billing") >= 1


# --- outgoing calls carry the trace --------------------------------------------------------------------------


class Recorder:
    """A loopback HTTP server that records each request's headers and answers 200 ``{"id": ...}``."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []

    async def handle(self, request: Request) -> Response:
        self.seen.append(dict(request.headers))
        return JSONResponse({"id": "inst-1"})


@pytest.fixture
def recorder() -> Iterator[tuple[Recorder, str]]:
    rec = Recorder()
    app = Starlette(routes=[Route("/{path:path}", rec.handle, methods=["GET", "POST"])])
    with serve(app) as url:
        yield rec, url


def in_trace(ctx: tracing.TraceContext, work: Any) -> Any:
    token = tracing.activate(ctx)
    try:
        return work()
    finally:
        tracing.deactivate(token)


def test_provisioner_and_webhook_calls_carry_traceparent(
    recorder: tuple[Recorder, str], settings: Settings
) -> None:
    from booking.provisioners.sandbox import SandboxProvisioner

    rec, url = recorder
    ctx = tracing.context_from_headers(TRACEPARENT)
    provisioner = SandboxProvisioner(settings.model_copy(update={"sandbox_provider_url": url}))
    booking = type("B", (), {"id": "b-1", "provider_ref": "inst-1"})()
    in_trace(ctx, lambda: provisioner.stop(booking))  # type: ignore[arg-type]
    assert rec.seen[-1]["traceparent"] == f"00-{TRACE}-{ctx.span_id}-01"

    async def deliver() -> None:
        token = tracing.activate(ctx)
        try:
            async with tracing.async_http_client() as client:
                await client.post(f"{url}/webhooks/sandbox", content=b"{}")
        finally:
            tracing.deactivate(token)

    run_async(deliver())
    assert rec.seen[-1]["traceparent"] == f"00-{TRACE}-{ctx.span_id}-01"
    # Outside any trace nothing is invented.
    with tracing.http_client() as client:
        client.get(f"{url}/plain")
    assert "traceparent" not in rec.seen[-1]


def test_the_llm_request_carries_traceparent(factory: sessionmaker[Session], settings: Settings) -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    from agent.service import Assistant
    from tests.agent.test_openai_model import completions

    seen: list[dict[str, str]] = []

    async def recording(request: Request) -> Response:
        seen.append(dict(request.headers))
        return await completions(request)

    app = Starlette(routes=[Route("/v1/chat/completions", recording, methods=["POST"])])
    with serve(app) as url:
        s = settings.model_copy(update={"llm_base_url": f"{url}/v1", "llm_api_key": "sk-test"})
        assistant = Assistant(factory, s, checkpointer=InMemorySaver(), model_spec="openai:gpt-test")
        ctx = tracing.context_from_headers(TRACEPARENT)

        async def turn() -> Any:
            token = tracing.activate(ctx)
            try:
                return await assistant.run("8 H100s in Europe please", "obs-llm")
            finally:
                tracing.deactivate(token)

        result = run_async(turn())
    assert result.recommendations
    assert len(seen) == 2 and {h["traceparent"] for h in seen} == {f"00-{TRACE}-{ctx.span_id}-01"}
    assert "sk-test" in seen[0]["authorization"]  # the client is still the model's, with its key


def test_a_cli_run_or_job_gets_a_trace_of_its_own(settings: Settings) -> None:
    stream = io.StringIO()
    handler = log_handler(settings, stream)  # the text format names the trace too
    logger = logging.getLogger("tests.observability.cli")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with tracing.trace_run("gpubroker sync") as ctx:
            logger.info("syncing")
            assert tracing.outgoing_traceparent() == ctx.traceparent
        logger.info("done")
    finally:
        logger.removeHandler(handler)
    during, after = stream.getvalue().splitlines()
    assert f"[trace={ctx.trace_id} tenant=None]: syncing" in during
    assert "[trace=None tenant=None]: done" in after
    assert tracing.current() is None


def test_the_workers_probe_app_serves_liveness_and_metrics(settings: Settings) -> None:
    from pydantic import SecretStr

    from api.health import create_probe_app

    probe = TestClient(create_probe_app(settings.model_copy(update={"metrics_token": SecretStr("scrape")})))
    assert probe.get("/healthz").json() == {"status": "ok"}
    assert probe.get("/metrics").status_code == 401
    scrape = probe.get("/metrics", headers={"Authorization": "Bearer scrape"})
    assert scrape.status_code == 200 and "# TYPE gpubroker_job_runs_total counter" in scrape.text
