"""Server-rendered pages: the marketplace, the offer detail and provider health.

Pages are plain HTML from Jinja2 templates and work with JavaScript off: the marketplace is a GET
form whose query string is the same ``OfferFilters`` the REST API takes, so a page URL, an export
link and an API call all mean the same search. Routes stay thin: they read the query, call the
catalog service and shape its answer for the template. A bad filter value renders the marketplace
again with the user's values and names the field (422), never a JSON error or a crash.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy.orm import Session

from catalog import service
from catalog.predict import predict_offer
from catalog.schemas import OfferFilters
from core.deps import CacheDep, DbSession, SettingsDep
from core.errors import InvalidInput, NotFound, validation_details
from web.chart import price_chart
from web.session import nav_user

STATIC_DIR = Path(__file__).parent / "static"
TEMPLATES_DIR = Path(__file__).parent / "templates"

router = APIRouter(include_in_schema=False)

templates = Jinja2Templates(directory=TEMPLATES_DIR)

FIELD_LABELS = {
    "gpu_type": "GPU",
    "gpu_count": "Min GPUs",
    "gpu_count_exact": "Exactly N GPUs",
    "include_gpu_only": "GPU-only prices",
    "gpu_memory_gb": "Min GPU memory (GB)",
    "max_price": "Max $/h",
    "max_price_per_gpu": "Max $/GPU-h",
    "geo": "Geo",
    "country": "Country",
    "region": "Region",
    "provider": "Provider",
    "spot": "Pricing",
    "q": "Search",
    "availability": "Availability",
    "tags": "Tags",
    "sort": "Sort",
    "page": "Page",
    "page_size": "Page size",
}
# Filters with an input of their own in the form (the others travel as hidden fields).
FORM_FIELDS = frozenset(
    {
        "gpu_type",
        "gpu_count",
        "gpu_count_exact",
        "include_gpu_only",
        "gpu_memory_gb",
        "max_price",
        "max_price_per_gpu",
        "geo",
        "country",
        "region",
        "provider",
        "spot",
        "q",
    }
)
GEO_LABELS = {
    "na": "North America",
    "sa": "South America",
    "eu": "Europe",
    "asia": "Asia",
    "oceania": "Oceania",
    "me": "Middle East",
    "af": "Africa",
}
SORT_LABELS = {
    "price_asc": "price, lowest first",
    "price_desc": "price, highest first",
    "price_per_gpu_asc": "price per GPU-hour, lowest first",
    "updated_desc": "most recently updated",
}
DEFAULT_SORT = "price_asc"
# Query keys that choose how results are shown rather than which offers match.
VIEW_KEYS = ("sort", "page", "page_size")


# --- template helpers ----------------------------------------------------------------------------


def _money(value: Any, currency: str = "USD") -> str:
    if value is None:
        return "—"
    v = float(value)
    # Cents, except for sub-dollar prices that really have a tenth of a cent ($0.125/h).
    text = f"{v:.3f}" if v < 1 and round(v, 2) != round(v, 3) else f"{v:,.2f}"
    return f"${text}" if currency == "USD" else f"{text} {currency}"


def _number(value: Any) -> str:
    if value is None:
        return "—"
    v = float(value)
    return f"{int(v):,}" if v.is_integer() else f"{v:,.1f}"


def _as_datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _when(value: Any) -> str:
    dt = _as_datetime(value)
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if dt else "never"


def _day(value: Any) -> str:
    dt = _as_datetime(value)
    return dt.astimezone(UTC).strftime("%Y-%m-%d") if dt else "—"


def _iso(value: Any) -> str:
    dt = _as_datetime(value)
    return dt.isoformat() if dt else ""


def _age(value: Any) -> str:
    return service.price_age(value)


def _gpu_label(offer: dict[str, Any]) -> str:
    variant = f" {offer['gpu_variant']}" if offer.get("gpu_variant") else ""
    return f"{offer['gpu_count']}× {offer['gpu_family']}{variant}"


templates.env.filters.update(
    money=_money, number=_number, when=_when, day=_day, iso=_iso, gpu_label=_gpu_label, age=_age
)
templates.env.globals.update(geo_labels=GEO_LABELS, field_labels=FIELD_LABELS, form_fields=FORM_FIELDS)
# The navigation shows Login, or Security/Admin/Logout by role (base.html).
templates.env.globals.update(nav_user=nav_user)


# --- query handling ------------------------------------------------------------------------------


def form_values(request: Request) -> dict[str, str]:
    """The query as the form sent it, minus empty fields (a browser sends ``gpu_count=``)."""
    values: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        value = value.strip()
        if value:
            values[key] = value
    return values


def page_url(path: str, params: dict[str, str], **changes: Any) -> str:
    """``path`` with ``params`` plus ``changes`` (None removes a key); defaults are left out."""
    merged = dict(params)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    if merged.get("page") == "1":
        merged.pop("page")
    if merged.get("sort") == DEFAULT_SORT:
        merged.pop("sort")
    return f"{path}?{urlencode(merged)}" if merged else path


def _errors_from_validation(exc: ValidationError) -> list[dict[str, Any]]:
    out = []
    for d in validation_details([dict(e) for e in exc.errors()]):
        field = str(d["field"])
        out.append({"field": field, "label": FIELD_LABELS.get(field, field), "message": d["message"]})
    return out


def _errors_from_invalid_input(exc: InvalidInput) -> list[dict[str, Any]]:
    details = exc.details if isinstance(exc.details, list) else []
    fields = [str(d["field"]) for d in details if isinstance(d, dict) and d.get("field")] or ["request"]
    return [{"field": f, "label": FIELD_LABELS.get(f, f), "message": exc.message} for f in fields]


def _sort_headers(form: dict[str, str], current: str) -> dict[str, dict[str, Any]]:
    """Link and ``aria-sort`` state of each sortable column header."""

    def header(aria: str | None, next_sort: str) -> dict[str, Any]:
        return {"aria_sort": aria, "url": page_url("/", form, sort=next_sort, page=None)}

    if current == "price_asc":
        price = header("ascending", "price_desc")
    elif current == "price_desc":
        price = header("descending", "price_asc")
    else:
        price = header(None, "price_asc")
    return {
        "price": price,
        "gpu_price": header("ascending" if current == "price_per_gpu_asc" else None, "price_per_gpu_asc"),
        "updated": header("descending" if current == "updated_desc" else None, "updated_desc"),
    }


def _relaxations(session: Session, cache: Any, ttl_s: int, form: dict[str, str]) -> list[dict[str, Any]]:
    """For an empty result, how many offers each filter alone is hiding (most helpful first)."""
    active = [k for k in form if k not in VIEW_KEYS]
    out = []
    for key in active:
        rest: dict[str, Any] = {k: v for k, v in form.items() if k != key and k not in VIEW_KEYS}
        try:
            filters = OfferFilters.model_validate({**rest, "page_size": 1})
            total = service.search(session, filters, cache, ttl_s)["total"]
        except (ValidationError, InvalidInput):
            continue
        if total:
            out.append(
                {
                    "field": key,
                    "label": FIELD_LABELS.get(key, key),
                    "value": form[key],
                    "total": total,
                    "url": page_url("/", form, **{key: None, "page": None}),
                }
            )
    return sorted(out, key=lambda r: -int(r["total"]))


def _render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


# --- pages ---------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
@router.get("/marketplace", response_class=HTMLResponse)
def marketplace(request: Request, session: DbSession, cache: CacheDep, settings: SettingsDep) -> HTMLResponse:
    form = form_values(request)
    form.pop("cursor", None)  # the page numbers its pages; cursors are the API's
    context: dict[str, Any] = {
        "active": "marketplace",
        "form": form,
        "facets": service.facets(session, cache),
        "providers": service.providers(session),
        "errors": [],
        "result": None,
    }
    try:
        filters = OfferFilters.model_validate(form)
        result = service.search(session, filters, cache, settings.cache_ttl_s)
    except ValidationError as exc:
        context["errors"] = _errors_from_validation(exc)
    except InvalidInput as exc:
        context["errors"] = _errors_from_invalid_input(exc)
    if context["errors"]:
        context["error_fields"] = {e["field"] for e in context["errors"]}
        return _render(request, "marketplace.html", context, status_code=422)

    now = datetime.now(UTC)
    result = {
        **result,
        "items": [{**o, "freshness": service.freshness(o, now, settings)} for o in result["items"]],
    }
    pages = max(1, math.ceil(result["total"] / filters.page_size))
    filter_params = {k: v for k, v in form.items() if k not in ("page", "page_size")}
    context.update(
        result=result,
        sort=filters.sort,
        sort_label=SORT_LABELS[filters.sort],
        sort_headers=_sort_headers(form, filters.sort),
        page=filters.page,
        pages=pages,
        first_index=(filters.page - 1) * filters.page_size + 1,
        prev_url=page_url("/", form, page=filters.page - 1) if 1 < filters.page <= pages else None,
        next_url=page_url("/", form, page=filters.page + 1) if filters.page < pages else None,
        last_url=page_url("/", form, page=pages) if filters.page > pages else None,
        export_csv=page_url("/providers/export", {"format": "csv", **filter_params}),
        export_json=page_url("/providers/export", {"format": "json", **filter_params}),
        relaxations=[] if result["total"] else _relaxations(session, cache, settings.cache_ttl_s, form),
        has_filters=any(k not in VIEW_KEYS for k in form),
        page_url=page_url,
        pricing_urls={
            kind: page_url("/", form, spot=value, page=None)
            for kind, value in (("any", None), ("on-demand", "false"), ("spot", "true"))
        },
        stream_filters={k: v for k, v in form.items() if k not in VIEW_KEYS},
    )
    return _render(request, "marketplace.html", context)


def _back_url(request: Request) -> str:
    # Return to the search the user came from; only our own marketplace path and query are kept,
    # so the link can never point at another site.
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.path in ("/", "/marketplace") and referer.netloc == request.url.netloc:
        return "/" + (f"?{referer.query}" if referer.query else "")
    return "/"


def _offer_forecast(session: Session, offer: dict[str, Any]) -> dict[str, Any]:
    """The next 30 days of this offer's $/GPU-h: its own price moved by its market index's forecast
    (catalog.predict.predict_offer), per GPU like the chart."""
    forecast = predict_offer(session, offer["id"], hours=30 * 24)
    gpus = max(1, int(offer["gpu_count"]))
    for key in ("hourly", "ci_low", "ci_high"):
        forecast[key] = round(float(forecast[key]) / gpus, 4)
    forecast["series"] = [
        {**p, **{k: round(float(p[k]) / gpus, 4) for k in ("value", "low", "high")}}
        for p in forecast["series"]
    ]
    return forecast


@router.get("/offers/{offer_id}", response_class=HTMLResponse)
def offer_page(offer_id: str, request: Request, session: DbSession, settings: SettingsDep) -> HTMLResponse:
    try:
        offer = service.get_offer(session, offer_id)
    except NotFound:
        missing: dict[str, Any] = {"offer_id": offer_id, "active": None}
        return _render(request, "not_found.html", missing, status_code=404)
    history = service.history(session, offer_id)
    provider = next((p for p in service.providers(session) if p["id"] == offer["provider"]), None)
    similar = service.similar_cheaper(session, offer_id)
    forecast = _offer_forecast(session, offer)
    offer["freshness"] = service.freshness(offer, datetime.now(UTC), settings)
    context: dict[str, Any] = {
        "active": None,
        "offer": offer,
        "provider": provider,
        "history": history,
        "forecast": forecast,
        "chart": price_chart(history, offer["price_per_gpu_hour"], forecast),
        "similar": similar,
        "back_url": _back_url(request),
        "family_url": page_url("/", {"gpu_type": offer["gpu_family"]}),
    }
    return _render(request, "offer.html", context)


@router.get("/health", response_class=HTMLResponse)
def health_page(request: Request, session: DbSession, settings: SettingsDep) -> HTMLResponse:
    rows = service.provider_health(session, settings=settings)
    counts = {
        s: sum(1 for r in rows if r["status"] == s)
        for s in ("up", "stale", "snapshot-old", "degraded", "down")
    }
    return _render(request, "health.html", {"active": "health", "rows": rows, "counts": counts})
