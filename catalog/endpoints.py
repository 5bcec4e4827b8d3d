"""Marketplace REST API: search, offer, history, export and provider health.

Routers are thin: validate, call one service function, return. Search responses are built as plain
dicts (and cached as such), so they are returned as ready JSON; the response models document them.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field

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
from core.deps import CacheDep, DbSession, SettingsDep
from core.responses import json_response

router = APIRouter(tags=["marketplace"])


class ExportParams(OfferFilters):
    format: Literal["csv", "json"] = "csv"
    limit: int = Field(10_000, ge=1, le=10_000, description="rows to export (at most 10,000)")


@router.get("/providers", response_model=SearchResult, summary="Search offers")
def search_offers(
    filters: Annotated[OfferFilters, Query()], session: DbSession, cache: CacheDep, settings: SettingsDep
) -> Response:
    return json_response(service.search(session, filters, cache, settings.cache_ttl_s))


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
