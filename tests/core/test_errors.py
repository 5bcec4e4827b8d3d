"""Every error is the same JSON envelope, with a trace id, and never a bare 500 for bad input."""

from __future__ import annotations

import math
import sqlite3
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from core.deps import DbSession
from core.errors import ErrorEnvelope, envelope


def test_unknown_route_is_enveloped_404(client: TestClient) -> None:
    r = client.get("/no/such/route")
    assert r.status_code == 404
    body = r.json()
    assert set(body["error"]) == {"code", "message", "details", "trace_id"}
    assert body["error"]["trace_id"] == r.headers["x-trace-id"]


def test_wrong_method_is_enveloped_405(client: TestClient) -> None:
    r = client.delete("/providers")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_incoming_trace_id_is_in_the_error(client: TestClient) -> None:
    # W3C Trace Context: the caller's trace continues here, so its trace id names our error too.
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    r = client.get("/providers", params={"page_size": 0}, headers={"traceparent": traceparent})
    assert r.status_code == 422
    assert r.json()["error"]["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"


# --- found by schemathesis (tests/api/test_openapi_fuzz.py) ------------------------------------------


def test_a_body_that_is_not_utf8_is_a_422_naming_the_body(client: TestClient) -> None:
    # Was a 400 "There was an error parsing the body" with code http_error, documented nowhere.
    r = client.post("/predict", content=b"\x00;EA\xe5J\xa0$z", headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "validation_error" and error["details"][0]["field"] == "body"
    assert error["trace_id"] == r.headers["x-trace-id"]


def test_a_json_syntax_error_names_the_body_not_an_offset(client: TestClient) -> None:
    r = client.post("/auth/login", content=b"{bad", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "body"
    assert r.json()["error"]["message"] == "invalid body: JSON decode error"


def test_a_body_in_another_media_type_is_a_415(client: TestClient) -> None:
    r = client.post("/auth/login", content=b"email=a&password=b", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415, r.text
    assert r.json()["error"]["code"] == "unsupported_media_type"
    assert r.json()["error"]["details"] == [{"field": "Content-Type"}]
    # Without a body it is still the missing fields that are named.
    empty = client.post("/auth/login", headers={"Content-Type": "text/plain"})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "validation_error"


def test_an_integer_the_database_cannot_bind_is_a_422(app: Any, client: TestClient) -> None:
    # SQLite's driver raises a bare OverflowError for integers over 64 bits (schemathesis found one in
    # GET /ops/tenants?page=...); PostgreSQL's a DataError. Both are the client's value, not our failure.
    @app.get("/_test/bind")
    def bind(value: int, session: DbSession) -> dict[str, Any]:
        return {"value": session.execute(text("SELECT CAST(:v AS BIGINT)"), {"v": value}).scalar_one()}

    assert client.get("/_test/bind", params={"value": 7}).json() == {"value": 7}
    r = client.get("/_test/bind", params={"value": 2**70})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_value"


def test_an_overflow_of_our_own_stays_a_500_with_its_trace_id(app: Any) -> None:
    @app.get("/_test/overflow")
    def overflow() -> dict[str, Any]:
        return {"value": math.exp(1000)}

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/_test/overflow")
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error" and r.json()["error"]["trace_id"]


def test_the_envelope_has_a_trace_id_even_outside_a_request() -> None:
    error = envelope("x", "y")["error"]
    assert isinstance(error["trace_id"], str) and len(error["trace_id"]) == 32
    assert ErrorEnvelope.model_validate(envelope("x", "y", [{"field": "a"}]))


def test_a_locked_sqlite_database_is_a_503_to_retry_not_a_500(app: Any, tmp_path: Any) -> None:
    """SQLite has one writer: a write that cannot get the lock fails with "database is locked". It is
    contention, not a failure of ours, and the same request succeeds a moment later."""
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})

    @app.post("/_test/write")
    def write() -> dict[str, Any]:
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            conn.exec_driver_sql("COMMIT")
        return {"written": True}

    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        with TestClient(app, raise_server_exceptions=False) as c:
            r = c.post("/_test/write")
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] == "database_busy" and r.headers["Retry-After"] == "1"
            holder.execute("COMMIT")
            assert c.post("/_test/write").json() == {"written": True}
    finally:
        holder.close()
        engine.dispose()
