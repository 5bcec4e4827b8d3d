"""The agent's catalog tools: search, offer, compare, sizing, cost and Terraform.

Each function takes the run's :class:`ToolContext` and a Pydantic argument model and returns a
Pydantic result; :mod:`tools.registry` wraps them as LangChain tools. They hold no business rules of
their own: those live in the catalog services.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from agent.knowledge.sizing import size_media
from catalog import service
from catalog.gpus import GPUS, resolve_gpu
from catalog.predict import PredictRequest, predict, predict_offer
from catalog.schemas import OfferFilters
from catalog.sizing import estimate_requirements as size_workload
from catalog.stream import iso
from core.errors import AppError
from iac_templates.render import UnsafeTerraformValue, render_terraform
from tools.context import ToolContext
from tools.progress import report
from tools.schemas import (
    CompareOffersArgs,
    CompareOffersResult,
    EstimateRequirementsArgs,
    EstimateRequirementsResult,
    ForecastCostArgs,
    ForecastCostResult,
    GenerateTerraformArgs,
    GenerateTerraformResult,
    GetOfferArgs,
    GpuFacts,
    OfferBrief,
    Relaxation,
    SearchOffersArgs,
    SearchOffersResult,
)


class ToolInputError(AppError):
    code = "tool_input"
    status = 422


def brief(o: dict[str, Any]) -> OfferBrief:
    return OfferBrief(
        id=o["id"],
        provider=o["provider"],
        name=o["name"],
        gpu_family=o["gpu_family"],
        gpu_variant=o.get("gpu_variant"),
        gpu_count=o["gpu_count"],
        gpu_memory_gb=o["gpu_memory_gb"],
        price_per_hour=float(o["price_per_hour"]),
        price_per_gpu_hour=float(o["price_per_gpu_hour"]),
        region=o["region"],
        geo=o.get("geo"),
        country=o.get("country"),
        spot=bool(o["spot"]),
        availability=o["availability"],
        url=f"/offers/{o['id']}",
        price_as_of=iso(o.get("price_as_of")),
        price_age=service.price_age(o.get("price_as_of")) if o.get("price_as_of") else None,
    )


def to_filters(args: SearchOffersArgs, *, page_size: int | None = None) -> OfferFilters:
    return OfferFilters(
        gpu_type=args.gpu_type,
        gpu_count=args.min_gpu_count,
        gpu_memory_gb=args.min_gpu_memory_gb,
        total_gpu_memory_gb=args.min_total_gpu_memory_gb,
        max_price=args.max_price_per_hour,
        max_price_per_gpu=args.max_price_per_gpu_hour,
        geo=args.geo,
        country=args.country,
        region=args.region,
        provider=args.provider,
        spot=args.spot,
        q=args.q,
        availability="up",
        sort=args.sort,
        page_size=page_size or args.limit,
    )


def whole_machine(item: dict[str, Any]) -> bool:
    """A price for the whole machine, not the GPUs alone (GCP's accelerator rows: ``price_scope``)."""
    return bool(item.get("price_scope", "machine") == "machine")


def whole_machine_search(session: Any, filters: OfferFilters, ctx: ToolContext) -> dict[str, Any]:
    """``service.search`` over whole-machine prices only: the catalog's search leaves GPU-only prices out
    unless ``include_gpu_only`` is set, which the assistant never sets, so no recommendation or cost rests
    on a price that is not the whole machine."""
    found = service.search(
        session, filters.model_copy(update={"include_gpu_only": False}), ctx.cache, ctx.settings.cache_ttl_s
    )
    items = [o for o in found["items"] if whole_machine(o)]
    return {"total": int(found["total"]), "items": items, "warnings": list(found.get("warnings") or [])}


def search_offers(ctx: ToolContext, args: SearchOffersArgs) -> SearchOffersResult:
    """Find GPU offers matching the filters, cheapest first; when none match, say which constraint to relax.

    Every price is a whole machine's. Give ``gpu_types`` for alternatives ("an L4 or an A10G"): the
    cheapest offers of any of them, in one list."""
    types: list[str | None] = [args.gpu_type] if args.gpu_type else list(args.gpu_types)
    with ctx.session(read_only=True) as session:
        total = 0
        items: list[dict[str, Any]] = []
        warnings: list[str] = []
        for gpu_type in types or [None]:
            filters = to_filters(args.model_copy(update={"gpu_type": gpu_type}))
            found = whole_machine_search(session, filters, ctx)
            total += found["total"]
            items += found["items"]
            warnings += [w for w in found["warnings"] if w not in warnings]
        if len(types) > 1:
            items.sort(key=lambda o: (float(o["price_per_hour"]), o["id"]))
        items = items[: args.limit]
        report(f"found {total:,} matching offers", tool="search_offers", total=total)
        relaxed = (
            []
            if total
            else service.relaxations(
                session, to_filters(args.model_copy(update={"gpu_type": types[0] if types else None}))
            )
        )
    relaxations = []
    for r in relaxed:
        nearest = [brief(o) for o in r["nearest"] if whole_machine(o)]
        if nearest:
            relaxations.append(Relaxation(drop=r["drop"], total=r["total"], nearest=nearest))
    return SearchOffersResult(
        total=total,
        offers=[brief(o) for o in items],
        filters=args.model_dump(exclude_none=True, exclude={"limit", "sort"}, exclude_defaults=True),
        warnings=warnings,
        relaxations=relaxations,
    )


def get_offer(ctx: ToolContext, args: GetOfferArgs) -> OfferBrief:
    """One offer by id, with its current price and availability."""
    with ctx.session(read_only=True) as session:
        return brief(service.get_offer(session, args.offer_id))


def compare_offers(ctx: ToolContext, args: CompareOffersArgs) -> CompareOffersResult:
    """Offers side by side (by id), or GPU families side by side with each one's cheapest offer."""
    if not args.offer_ids and not args.gpu_types:
        raise ToolInputError("give offer_ids or gpu_types to compare")
    result = CompareOffersResult()
    with ctx.session(read_only=True) as session:
        for oid in args.offer_ids:
            result.offers.append(brief(service.get_offer(session, oid)))
        for gpu_type in args.gpu_types:
            gpu = resolve_gpu(gpu_type)
            if gpu is None:
                raise ToolInputError(f"unknown GPU {gpu_type!r}")
            model = GPUS[gpu.family]
            found = whole_machine_search(
                session,
                OfferFilters(
                    gpu_type=gpu_type,
                    gpu_count=args.min_gpu_count,
                    total_gpu_memory_gb=args.min_total_gpu_memory_gb,
                    max_price=args.max_price_per_hour,
                    geo=args.geo,
                    country=args.country,
                    provider=args.provider,
                    spot=args.spot,
                    availability="up",
                    page_size=1,
                ),
                ctx,
            )
            cheapest = found["items"][0] if found["items"] else None
            report(
                f"compared {found['total']:,} {gpu.family} offers"
                + (f", cheapest ${float(cheapest['price_per_hour']):,.2f}/h" if cheapest else ""),
                tool="compare_offers",
                gpu_type=gpu.family,
                total=found["total"],
            )
            result.gpus.append(
                GpuFacts(
                    family=gpu.family,
                    vendor=model.vendor,
                    architecture=model.architecture,
                    memory_gb=gpu.memory_gb or model.default_memory_gb,
                    cheapest=brief(cheapest) if cheapest else None,
                    offers=found["total"],
                )
            )
    return result


def estimate_requirements(ctx: ToolContext, args: EstimateRequirementsArgs) -> EstimateRequirementsResult:
    """GPU memory and GPU count a workload needs: a language model by its size and task (inference,
    fine-tune, LoRA, QLoRA, pre-train), or an image diffusion, speech (with the GPU-hours for the
    audio) or embedding model; the rule says where its figures come from."""
    if args.kind != "llm":
        media = size_media(args.kind, args.model, args.audio_hours)
        return EstimateRequirementsResult(
            kind=media.kind,
            total_memory_gb=media.min_gpu_memory_gb,
            min_gpu_memory_gb=media.min_gpu_memory_gb or None,
            gpu_count_by_family={},
            rule=media.rule,
            gpu_hours=media.gpu_hours,
            sources=media.sources,
        )
    if args.params_b is None:
        raise ToolInputError("give params_b for a language model (kind=llm)")
    try:
        req = size_workload(args.params_b, args.task, args.precision, args.context, args.batch)
    except ValueError as exc:
        raise ToolInputError(str(exc)) from exc
    return EstimateRequirementsResult(
        total_memory_gb=req.total_memory_gb,
        min_gpu_memory_gb=req.min_gpu_memory_gb,
        gpu_count_by_family=dict(req.gpu_count_by_family),
        rule=req.rule,
    )


def forecast_cost(ctx: ToolContext, args: ForecastCostArgs) -> ForecastCostResult:
    """What a GPU type or an offer will cost for a number of hours: hourly, daily, total, with an interval."""
    with ctx.session(read_only=True) as session:
        if args.offer_id:
            # The offer's own price, moved by its market index's forecast (catalog.predict).
            out = predict_offer(session, args.offer_id, args.hours)
        elif args.gpu_type:
            req = PredictRequest(
                gpu_type=args.gpu_type, hours=args.hours, count=args.count, region=args.region
            )
            out = predict(session, req)
        else:
            raise ToolInputError("give offer_id or gpu_type")
    ends = (out["trend"] or {}).get("history_end") or out["history_end"]
    report(
        f"forecast {out['hours']:,g} h with {out['model']}"
        + (f" from history ending {ends}" if ends else ""),
        tool="forecast_cost",
        history_end=ends,
    )
    return ForecastCostResult(
        hourly=out["hourly"],
        daily=out["daily"],
        total=out["total"],
        hours=out["hours"],
        ci_low=out["ci_low"],
        ci_high=out["ci_high"],
        basis=out["basis"],
        model=out["model"],
        warnings=out["warnings"],
        series=out["series"],
        trend=out["trend"],
        history_end=out["history_end"],
        # The trend's (market index's) data decide how old the forecast is; an offer's own history may be newer.
        data_age_days=_age_days(ends),
        offer_id=out["offer_id"],
    )


def _age_days(history_end: str | None) -> int | None:
    """Days from the end of the price history to today (UTC): how old the forecast's data is."""
    if not history_end:
        return None
    try:
        end = date.fromisoformat(str(history_end)[:10])
    except ValueError:
        return None
    return (datetime.now(UTC).date() - end).days


def _render(offer: dict[str, Any], name: str) -> tuple[str, str, list[str]]:
    try:
        return render_terraform(offer, name)
    except UnsafeTerraformValue as exc:
        raise ToolInputError(str(exc)) from None


def generate_terraform(ctx: ToolContext, args: GenerateTerraformArgs) -> GenerateTerraformResult:
    """Terraform (HCL) that launches an offer on its provider; says what to fill in where needed.

    Without an offer id it writes the configuration from provider, GPU type, count and region alone
    (for a configuration the catalog has no offer of) and says what to check."""
    if args.offer_id:
        with ctx.session(read_only=True) as session:
            offer = service.get_offer(session, args.offer_id)
        template, text, notes = _render(offer, args.name)
        provider = str(offer["provider"])
    else:
        if not args.provider or not args.gpu_type:
            raise ToolInputError("give offer_id, or provider and gpu_type")
        gpu = resolve_gpu(args.gpu_type)
        if gpu is None:
            raise ToolInputError(f"unknown GPU {args.gpu_type!r}")
        memory = gpu.memory_gb or GPUS[gpu.family].default_memory_gb
        spec: dict[str, Any] = {
            "id": "(none)",
            "provider": args.provider.lower(),
            "external_id": "REPLACE-instance-type",
            "name": f"{args.gpu_count}x {gpu.family}",
            "gpu_type": gpu.family,
            "gpu_family": gpu.family,
            "gpu_variant": gpu.variant,
            "gpu_count": args.gpu_count,
            "gpu_memory_gb": memory,
            "price_per_hour": 0.0,
            "region": args.region or "",
            "zone": None,
            "spot": args.spot,
            "tags": [],
        }
        template, text, notes = _render(spec, args.name)
        notes.insert(
            0,
            "no catalog offer matches this configuration: check the instance type and region before applying",
        )
        provider = str(spec["provider"])
    report(f"wrote Terraform for {provider} ({template})", tool="generate_terraform", provider=provider)
    return GenerateTerraformResult(provider=provider, template=template, terraform=text, notes=notes)
