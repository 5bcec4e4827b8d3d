"""Marketplace REST API: search, offer, history, export and provider health.

Routers are thin: validate, call one service function, return. Search responses are built as plain
dicts (and cached as such), so they are returned as ready JSON; the response models document them.

``GET /providers`` first looks its answer up, from the event loop, by the normalised raw query string
(:class:`CachedSearchRoute`): a hit is the bytes a validated search answered before, sent as they are,
with no validation, no database session and no worker thread. A miss runs the route as declared
(validation, the session, the search in the thread pool) and stores the bytes it answered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import Field

from accounts.ratelimit import PREFETCHED
from catalog import predict, service
from catalog.predict import PredictRequest
from catalog.schemas import (
    EXPORT_FIELDS,
    OfferFilters,
    OfferHistory,
    OfferOut,
    PredictResult,
    ProviderHealthOut,
    SearchResult,
)
from core.cache import MemoryCache, RedisCache, query_digest, raw_search_key
from core.deps import CacheDep, DbSession, SettingsDep
from core.responses import json_response

router = APIRouter(tags=["marketplace"])


class ExportParams(OfferFilters):
    format: Literal["csv", "json"] = "csv"
    limit: int = Field(10_000, ge=1, le=10_000, description="rows to export (at most 10,000)")


async def cached_search(request: Request) -> bytes | None:
    """The stored answer of this search, or None. The request guard may have looked it up already,
    with its rate-limit draw (accounts.ratelimit); otherwise one async Redis script, or the in-process
    LRU. Never blocks, never validates: only validated queries were stored."""
    scope = request.scope
    if PREFETCHED in scope:
        found: bytes | None = scope[PREFETCHED]
        return found
    cache = request.app.state.cache
    if isinstance(cache, RedisCache):
        return await cache.aget_bytes(query_digest(scope["query_string"]))
    if isinstance(cache, MemoryCache):
        return cache.get_bytes(raw_search_key(cache.version(), query_digest(scope["query_string"])))
    return None


class CachedSearchRoute(APIRoute):
    """Answers from :func:`cached_search` when it hits; otherwise the route as declared, whose
    OpenAPI description, validation and error envelope are unchanged."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        declared = super().get_route_handler()

        async def handler(request: Request) -> Response:
            body = await cached_search(request)
            if body is not None:
                return Response(body, media_type="application/json")
            return await declared(request)

        return handler


def search_offers(
    filters: Annotated[OfferFilters, Query()],
    request: Request,
    session: DbSession,
    cache: CacheDep,
    settings: SettingsDep,
) -> Response:
    version = cache.version()  # before the search: a bump during it leaves these bytes unread
    body = orjson.dumps(
        service.search(session, filters, cache, settings.cache_ttl_s, version=version), default=str
    )
    if isinstance(cache, RedisCache | MemoryCache):
        key = raw_search_key(version, query_digest(request.scope["query_string"]))
        cache.set_bytes(key, body, settings.cache_ttl_s)
    return Response(body, media_type="application/json")


router.add_api_route(
    "/providers",
    search_offers,
    methods=["GET"],
    response_model=SearchResult,
    summary="Search offers",
    route_class_override=CachedSearchRoute,
)


EXPORT_JSON = {
    "type": "object",
    "required": ["total", "items"],
    "properties": {
        "total": {"type": "integer"},
        "items": {"type": "array", "items": {"type": "object", "required": list(EXPORT_FIELDS)}},
    },
}


@router.get(
    "/providers/export",
    summary="Export offers as CSV or JSON (<= 10k rows)",
    response_class=Response,
    responses={
        200: {
            "description": "`format=csv` (the default): a CSV attachment; `format=json`: the same rows as JSON",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": EXPORT_JSON},
            },
        }
    },
)
def export_offers(
    params: Annotated[ExportParams, Query()], session: DbSession, settings: SettingsDep
) -> Response:
    filters = OfferFilters(**params.model_dump(exclude={"format", "limit"}))
    rows = service.export_rows(session, filters, min(params.limit, settings.export_max_rows))
    if params.format == "json":
        return Response(service.to_json(rows), media_type="application/json")
    return Response(
        service.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="gpubroker-offers.csv"'},
    )


@router.get("/providers/health", response_model=list[ProviderHealthOut], summary="Provider sync health")
def providers_health(session: DbSession, settings: SettingsDep) -> list[dict[str, object]]:
    return service.provider_health(session, settings=settings)


@router.get("/providers/{offer_id}", response_model=OfferOut, summary="One offer")
def get_offer(offer_id: str, session: DbSession) -> Response:
    return json_response(service.get_offer(session, offer_id))


@router.get("/providers/{offer_id}/history", response_model=OfferHistory, summary="Price history of an offer")
def offer_history(offer_id: str, session: DbSession) -> Response:
    return json_response(service.history(session, offer_id))


@router.post(
    "/predict",
    response_model=PredictResult,
    tags=["forecast"],
    summary="Forecast the cost of a GPU configuration",
)
def predict_cost(
    body: PredictRequest, session: DbSession, cache: CacheDep, settings: SettingsDep
) -> Response:
    key = f"predict:v{cache.version()}:{hashlib.sha1(body.model_dump_json().encode(), usedforsecurity=False).hexdigest()}"
    hit = cache.get(key)
    if hit is None:
        hit = predict.predict(session, body)
        cache.set(key, hit, settings.cache_ttl_s)
    return json_response(hit)


@router.get("/catalog/providers", summary="Providers in the catalog with their offer counts")
def list_providers(session: DbSession) -> list[dict[str, object]]:
    return service.providers(session)
