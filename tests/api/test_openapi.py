"""The OpenAPI document (api/openapi.py): every operation lists the errors it can give, each with the
envelope schema, and the media types it really sends. tests/api/test_openapi_fuzz.py holds it against
the running app; these tests pin the derivation and the declarations."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import Settings

ENVELOPE = {"$ref": "#/components/schemas/ErrorEnvelope"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    doc: dict[str, Any] = create_app(
        Settings(database_url="sqlite://", redis_url=None, embedded_worker=False)
    ).openapi()
    return doc


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, ops in document["paths"].items() for m, op in ops.items()]


def statuses(document: dict[str, Any], method: str, path: str) -> set[int]:
    return {int(s) for s in document["paths"][path][method.lower()]["responses"]}


def test_every_error_of_every_operation_is_the_envelope(document: dict[str, Any]) -> None:
    assert len(operations(document)) >= 66
    for method, path, op in operations(document):
        codes = {int(s) for s in op["responses"]}
        assert {422, 429, 500} <= codes, (method, path)
        for status, response in op["responses"].items():
            if status[0] in "45":
                assert response["content"] == {"application/json": {"schema": ENVELOPE}}, (
                    method,
                    path,
                    status,
                )
                assert response["description"], (method, path, status)
        assert op["responses"]["429"]["headers"]["Retry-After"]["required"] is True
    # FastAPI's own 422 shape is gone: it was never what we send.
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_the_envelope_says_trace_id_is_a_string(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert schemas["ErrorEnvelope"]["required"] == ["error"]
    body = schemas["ErrorBody"]
    assert set(body["required"]) == {"code", "message", "details", "trace_id"}
    assert body["properties"]["trace_id"]["type"] == "string"
    assert body["properties"]["trace_id"]["pattern"] == "^[0-9a-f]{32}$"
    assert body["additionalProperties"] is False


def test_errors_are_derived_from_what_the_route_depends_on(document: dict[str, Any]) -> None:
    # Public catalog routes: no sign-in, so no 401/403; the database, so 503.
    public = statuses(document, "GET", "/providers")
    assert 503 in public and not {401, 403} & public
    # Sign-in (401), the role policy (403), a path parameter and the service's NotFound (404).
    assert {401, 403, 404, 503} <= statuses(document, "GET", "/tenants/{tenant_id}")
    # Conflicts the booking service raises, named by their codes.
    created = document["paths"]["/bookings"]["post"]["responses"]
    assert "`idempotency_key_reused`" in created["409"]["description"]
    assert {413, 415} <= {int(s) for s in created}
    # A route with neither database nor sign-in.
    assert statuses(document, "GET", "/info") == {200, 422, 429, 500}
    # The webhook reads its raw body (413) and answers a refused transition with an envelope it builds.
    assert {401, 404, 409, 413} <= statuses(document, "POST", "/webhooks/{provider_id}")
    # Operators: 403 from the operator check, not from the role policy.
    assert "`operator_only`" in document["paths"]["/ops/tenants"]["get"]["responses"]["403"]["description"]


def test_every_package_of_ours_is_read_for_its_errors(document: dict[str, Any]) -> None:
    """A package left out of the reader hides its errors (GET /alerts/deliveries answered an
    undocumented 404 until ``alerts`` was read)."""
    import tomllib
    from pathlib import Path

    from api.openapi import OUR_PACKAGES

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    shipped = {p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert shipped - {"evals"} <= OUR_PACKAGES
    assert 404 in statuses(document, "GET", "/alerts/deliveries")


def test_a_parameter_named_like_a_function_is_not_followed(document: dict[str, Any]) -> None:
    # logout's parameter `me` once led the reader into the `me` route's service and its 404.
    assert 404 not in statuses(document, "POST", "/auth/logout")
    # Neither are local variables: register's `refresh` token is not the refresh route's 401s.
    assert 401 not in statuses(document, "POST", "/auth/register")


def test_errors_a_route_declares_are_kept_with_the_envelope(document: dict[str, Any]) -> None:
    # The provisioner is chosen at run time; the booking routes declare the provider's 502 themselves.
    for action in ("submit", "cancel", "stop"):
        response = document["paths"][f"/bookings/{{booking_id}}/{action}"]["post"]["responses"]["502"]
        assert "`provider_error`" in response["description"]
        assert response["content"] == {"application/json": {"schema": ENVELOPE}}


def test_success_media_types_are_the_ones_sent(document: dict[str, Any]) -> None:
    paths = document["paths"]

    def media(method: str, path: str, status: str = "200") -> set[str]:
        return set(paths[path][method]["responses"][status].get("content", {}))

    assert media("get", "/providers/export") == {"text/csv", "application/json"}
    assert media("get", "/invoices/{invoice_id}.pdf") == {"application/pdf"}
    assert media("get", "/providers/stream") == {"text/event-stream"}
    for path in ("/ai/chat/stream", "/runs/stream", "/threads/{thread_id}/runs/stream"):
        assert media("post", path) == {"text/event-stream"}, path
        event = paths[path]["post"]["responses"]["200"]["content"]["text/event-stream"]["schema"]
        assert "error" in event["properties"]["event"]["enum"]
    oidc = paths["/auth/oidc/login"]["get"]["responses"]
    assert "302" in oidc and "200" not in oidc
    # The HTML pages stay out of the document.
    assert not [p for p in paths if p.startswith(("/account", "/admin", "/ops/console", "/static"))]


def test_the_served_document_is_the_built_one(app: Any, client: TestClient) -> None:
    assert client.get("/openapi.json").json() == app.openapi()


def test_sse_answers_are_sent_as_documented(client: TestClient, auth_headers: dict[str, str]) -> None:
    r = client.post("/ai/chat/stream", json={"prompt": "cheapest H100"}, headers=auth_headers)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    assert r.text.startswith("event: metadata") and "event: end" in r.text
