"""Every error is the same JSON envelope, with a trace id, and never a bare 500 for bad input."""

from __future__ import annotations

from fastapi.testclient import TestClient


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
