"""Rate limits: headers on every response, 429 with Retry-After, per tenant and per IP, in-process
and on Redis (the PostgreSQL backend runs with Redis), plus the body-size and URL guards."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from accounts.ratelimit import make_rate_limiter
from core.settings import Settings
from tests.accounts.conftest import Account, register
from tests.support import platform_operator, set_team_limits


def test_every_response_carries_the_limit_headers(client: TestClient, configure: Callable[..., None]) -> None:
    configure(rate_limit_anonymous_rps=0.01)  # so no refill hides the count
    first = client.get("/providers", params={"page_size": 1})
    second = client.get("/no/such/route")
    third = client.get("/providers", params={"page_size": 0})
    for r in (first, second, third):
        assert r.headers["x-ratelimit-limit"] == "300"
    remaining = [int(r.headers["x-ratelimit-remaining"]) for r in (first, second, third)]
    assert remaining[0] > remaining[1] > remaining[2] >= 295


def test_anonymous_traffic_is_limited_per_address(client: TestClient, configure: Callable[..., None]) -> None:
    configure(rate_limit_anonymous_burst=5, rate_limit_anonymous_rps=0.5)
    answers = [client.get("/providers", params={"page_size": 1}) for _ in range(6)]
    assert [r.status_code for r in answers] == [200] * 5 + [429]
    refused = answers[-1]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.json()["error"]["trace_id"] == refused.headers["x-trace-id"]
    assert 1 <= int(refused.headers["retry-after"]) <= 2
    assert refused.headers["x-ratelimit-limit"] == "5" and refused.headers["x-ratelimit-remaining"] == "0"
    time.sleep(2.1)  # refills at 0.5 tokens a second
    assert client.get("/providers", params={"page_size": 1}).status_code == 200


def test_a_tenant_draws_from_its_own_bucket(client: TestClient, app: Any, admin: Account) -> None:
    other = register(client)
    set_team_limits(client, platform_operator(client, app), admin.tenant_id, burst=3, rate_limit_rps=0.1)
    answers = [client.get("/me", headers=admin.headers) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[0].headers["x-ratelimit-limit"] == "3"
    assert int(answers[-1].headers["retry-after"]) >= 9
    # Other tenants and anonymous visitors are not affected.
    assert client.get("/me", headers=other.headers).status_code == 200
    assert client.get("/me", headers=other.headers).headers["x-ratelimit-limit"] == "200"
    assert client.get("/providers", params={"page_size": 1}).status_code == 200


def test_raising_the_limits_takes_effect_on_the_next_request(
    client: TestClient, app: Any, admin: Account
) -> None:
    operator = platform_operator(client, app)
    set_team_limits(client, operator, admin.tenant_id, burst=3, rate_limit_rps=0.01)
    assert [client.get("/me", headers=admin.headers).status_code for _ in range(4)] == [200, 200, 200, 429]
    # The team's bucket is empty; the upgrade applies from a full bucket of the new plan.
    set_team_limits(client, operator, admin.tenant_id, burst=50, rate_limit_rps=10)
    answers = [client.get("/me", headers=admin.headers) for _ in range(5)]
    assert [r.status_code for r in answers] == [200] * 5
    assert answers[0].headers["x-ratelimit-limit"] == "50"


def test_a_forged_token_counts_as_anonymous(client: TestClient, configure: Callable[..., None]) -> None:
    configure(rate_limit_anonymous_burst=2, rate_limit_anonymous_rps=0.01)
    headers = {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJ0ZW5hbnRfaWQiOiJ4In0."}
    statuses = [client.get("/me", headers=headers).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_the_app_uses_the_configured_store(app: Any, settings: Settings) -> None:
    assert app.state.rate_limiter.backend == ("redis" if settings.redis_url else "memory")


def test_token_bucket_refills_and_is_atomic_under_concurrency(settings: Settings) -> None:
    limiter = make_rate_limiter(settings.redis_url)
    limiter.reset()
    allowed: list[bool] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(10):
            decision = limiter.hit("test:concurrent", rps=0.001, burst=25)
            with lock:
                allowed.append(decision.allowed)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 25 and len(allowed) == 80

    first = limiter.hit("test:refill", rps=20, burst=2)
    limiter.hit("test:refill", rps=20, burst=2)
    empty = limiter.hit("test:refill", rps=20, burst=2)
    assert first.allowed and first.remaining == 1 and not empty.allowed
    assert 0 < empty.retry_after_s <= 0.05 + 1e-6
    time.sleep(0.12)
    assert limiter.hit("test:refill", rps=20, burst=2).allowed
    limiter.reset()


def test_buckets_are_shared_between_replicas_only_through_redis(settings: Settings) -> None:
    replica_a, replica_b = make_rate_limiter(settings.redis_url), make_rate_limiter(settings.redis_url)
    replica_a.reset()
    for _ in range(3):
        replica_a.hit("test:shared", rps=0.001, burst=3)
    shared = not replica_b.hit("test:shared", rps=0.001, burst=3).allowed
    assert shared is bool(settings.redis_url)
    replica_a.reset()


def test_an_oversized_body_is_413(client: TestClient, configure: Callable[..., None]) -> None:
    configure(max_request_body_bytes=1000)
    r = client.post(
        "/auth/login", content=b"{" + b" " * 2000 + b"}", headers={"content-type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"

    def chunks() -> Any:
        yield b'{"email": "a@example.com", "password": "'
        for _ in range(20):
            yield b"x" * 100
        yield b'"}'

    # Without a Content-Length the body is counted as it arrives.
    r = client.post("/auth/login", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


def test_nul_bytes_in_the_url_are_422(client: TestClient) -> None:
    r = client.get("/providers?gpu_type=H100%00")
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"
    assert "x-ratelimit-remaining" in r.headers


def test_health_probe_is_not_limited(client: TestClient, configure: Callable[..., None]) -> None:
    configure(rate_limit_anonymous_burst=1)
    assert all(client.get("/healthz").status_code == 200 for _ in range(3))
