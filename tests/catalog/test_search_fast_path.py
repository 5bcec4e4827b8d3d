"""GET /providers served from its cache before validation (catalog.endpoints.CachedSearchRoute): the same
bytes and headers as the search that stored them, no database session on a hit, the 422 envelope for a
bad query, a miss after any catalog change (here and in another app instance sharing Redis), and the
rate limit enforced on hits. Every test runs on the in-process cache and on Redis."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from catalog.ingest import run_sync
from core.settings import Settings
from tests.catalog.test_ingest import FixedRowsAdapter, row

# Headers that differ between any two answers: the trace, the clock and the caller's remaining tokens.
PER_REQUEST = {"x-trace-id", "traceresponse", "date", "x-ratelimit-remaining", "server-timing"}


class CountingFactory:
    """The app's real session factory, counting the sessions opened through it."""

    def __init__(self, factory: Any) -> None:
        self.factory = factory
        self.opened = 0

    def __call__(self) -> Session:
        self.opened += 1
        session: Session = self.factory()
        return session


@pytest.fixture
def sessions(app: Any) -> Iterator[CountingFactory]:
    counting = CountingFactory(app.state.session_factory)
    app.state.session_factory = counting
    yield counting
    app.state.session_factory = counting.factory


def stable_headers(headers: Any) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in PER_REQUEST}


def test_a_hit_is_the_same_bytes_and_headers_without_a_session(
    client: TestClient, app: Any, sessions: CountingFactory
) -> None:
    url = "/providers?gpu_type=H100&page_size=7&sort=price_desc"
    first = client.get(url)
    assert first.status_code == 200 and sessions.opened == 1
    hits = app.state.cache.stats()["hits"]
    second = client.get(url)
    # The same parameters in another order and spelling are the same search.
    third = client.get("/providers?sort=price_desc&page_size=%37&gpu_type=H100")
    assert sessions.opened == 1, "a hit must not open a database session"
    assert app.state.cache.stats()["hits"] == hits + 2
    for again in (second, third):
        assert again.status_code == 200
        assert again.content == first.content
        assert stable_headers(again.headers) == stable_headers(first.headers)
        assert again.headers["x-ratelimit-limit"] == first.headers["x-ratelimit-limit"]
        assert again.headers["x-trace-id"] != first.headers["x-trace-id"]
    assert first.json()["page_size"] == 7


def test_a_bad_query_is_never_a_hit_and_gets_the_envelope(
    client: TestClient, sessions: CountingFactory
) -> None:
    for _ in range(2):
        r = client.get("/providers", params={"page_size": 0, "gpu_type": "H100"})
        assert r.status_code == 422
        err = r.json()["error"]
        assert err["code"] == "validation_error" and err["trace_id"]
        assert any(d["field"] == "page_size" for d in err["details"])
    for _ in range(2):
        r = client.get("/providers", params={"gpu_type": "H1000"})
        assert r.status_code == 422 and "gpu_type" in r.json()["error"]["message"]


def ingest_a_price_change(factory: sessionmaker[Session], settings: Settings, cache: Any) -> None:
    adapters = {"lambda": FixedRowsAdapter(settings, [row(Price="19")])}
    run_sync(factory, settings, providers=["lambda"], adapters=adapters, cache=cache)


def test_an_ingestion_makes_the_next_search_a_miss(
    client: TestClient,
    app: Any,
    sessions: CountingFactory,
    factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    url = "/providers?gpu_type=H100&provider=lambda&page_size=100"
    before = client.get(url)
    client.get(url)
    assert sessions.opened == 1
    ingest_a_price_change(factory, settings, app.state.cache)
    after = client.get(url)
    assert sessions.opened == 2, "the search after an ingestion must be a miss"
    assert after.content != before.content
    assert client.get(url).content == after.content and sessions.opened == 2


def test_another_instance_misses_after_an_ingestion_elsewhere(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    """Two app instances share a cache through Redis (on either database backend): a catalog change made
    through one turns the other's next lookup into a miss, with no message between them."""
    from api.app import create_app
    from core.bus import make_bus
    from core.cache import make_cache
    from tests.conftest import REDIS_URL

    shared = settings.model_copy(update={"redis_url": settings.redis_url or REDIS_URL})
    here, there = create_app(shared), create_app(shared)
    counting = CountingFactory(factory)
    for instance, sessions in ((here, factory), (there, counting)):
        instance.state.session_factory = sessions
        instance.state.cache = make_cache(shared.redis_url)  # each its own process-local view of the version
        instance.state.bus = make_bus(shared.redis_url)
    here.state.cache.bump_version()  # nothing stored by an earlier test is a hit here
    url = "/providers?gpu_type=A100&page_size=50"
    with TestClient(here) as client, TestClient(there) as replica:
        first = replica.get(url)
        assert replica.get(url).content == first.content and counting.opened == 1
        # The same bytes are a hit on this instance too: one shared cache.
        assert client.get(url).content == first.content
        # This instance ingests (the worker's job elsewhere); the replica learns it on its next lookup.
        ingest_a_price_change(factory, settings, here.state.cache)
        replica.get(url)
        assert counting.opened == 2
        replica.get(url)
        assert counting.opened == 2


def test_hits_are_rate_limited(client: TestClient, app: Any, sessions: CountingFactory) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={"rate_limit_anonymous_burst": 4, "rate_limit_anonymous_rps": 0.01}
    )
    answers = [client.get("/providers", params={"gpu_type": "L4"}) for _ in range(5)]
    assert [r.status_code for r in answers] == [200] * 4 + [429]
    assert sessions.opened == 1
    assert [r.headers["x-ratelimit-remaining"] for r in answers] == ["3", "2", "1", "0", "0"]
    refused = answers[-1]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.headers["x-ratelimit-limit"] == "4" and int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]["trace_id"] == refused.headers["x-trace-id"]
