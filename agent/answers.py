"""The offline planner's answers, written in the user's language through :mod:`agent.i18n`.

Every sentence goes through the translator ``t``; figures come from the tool results only. The
planner (:mod:`agent.planner`) decides what to call; this module says what came back.

Quotes from the knowledge base stay as written (English) on lines of their own that start with "> ",
each followed by its source number; everything else is in the user's language.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from agent.i18n import Translator
from agent.parser import ParsedRequest
from catalog.gpus import GPUS

GEO_NAMES = {
    "na": "North America",
    "sa": "South America",
    "eu": "Europe",
    "asia": "Asia",
    "oceania": "Oceania",
    "me": "the Middle East",
    "af": "Africa",
}

RELAX_WORDS = {
    "max_price": "raise the hourly budget",
    "max_price_per_gpu": "raise the per-GPU-hour budget",
    "gpu_count": "accept fewer GPUs",
    "gpu_memory_gb": "accept less memory per GPU",
    "total_gpu_memory_gb": "accept less total GPU memory",
    "spot": "allow both spot and on-demand",
    "country": "widen the country",
    "region": "widen the region",
    "geo": "look outside that continent",
    "provider": "allow other providers",
    "q": "drop the keyword",
    "gpu_type": "consider another GPU type",
}

#: Example requests shown when a message could not be understood (one per language).
EXAMPLES = {
    "en": (
        "8x H100 in Europe under $30/h",
        "What will an L4 cost for a week?",
        "A100 or H100 for fine-tuning a 70B model?",
        "Does JAX run on TPUs?",
    ),
    "de": (
        "8x H100 in Europa unter 30 $ pro Stunde",
        "Was kostet eine L4 für eine Woche?",
        "A100 oder H100 für das Fine-Tuning eines 70B-Modells?",
        "Läuft JAX auf TPUs?",
    ),
    "fr": (
        "8x H100 en Europe à moins de 30 $ de l'heure",
        "Combien coûte une L4 pendant une semaine ?",
        "A100 ou H100 pour affiner un modèle 70B ?",
        "Est-ce que JAX tourne sur des TPU ?",
    ),
    "es": (
        "8x H100 en Europa por menos de 30 $ la hora",
        "¿Cuánto cuesta una L4 durante una semana?",
        "¿A100 o H100 para hacer fine-tuning de un modelo 70B?",
        "¿JAX funciona en TPUs?",
    ),
}


def geo_name(t: Translator, geo: str | None) -> str:
    names = {
        "na": t("North America"),
        "sa": t("South America"),
        "eu": t("Europe"),
        "asia": t("Asia"),
        "oceania": t("Oceania"),
        "me": t("the Middle East"),
        "af": t("Africa"),
    }
    return names.get(geo or "", geo or t("unspecified region"))


def relax_words(t: Translator, drop: str) -> str:
    words = {
        "max_price": t("raise the hourly budget"),
        "max_price_per_gpu": t("raise the per-GPU-hour budget"),
        "gpu_count": t("accept fewer GPUs"),
        "gpu_memory_gb": t("accept less memory per GPU"),
        "total_gpu_memory_gb": t("accept less total GPU memory"),
        "spot": t("allow both spot and on-demand"),
        "country": t("widen the country"),
        "region": t("widen the region"),
        "geo": t("look outside that continent"),
        "provider": t("allow other providers"),
        "q": t("drop the keyword"),
        "gpu_type": t("consider another GPU type"),
    }
    return words.get(drop, t("drop {name}", name=drop))


def offer_line(t: Translator, i: int, o: dict[str, Any]) -> str:
    variant = f" {o['gpu_variant']}" if o.get("gpu_variant") else ""
    place = o["region"] or geo_name(t, o.get("geo"))
    market = t("spot") if o.get("spot") else t("on-demand")
    return t(
        "{i}. {provider} {name}: {count}x {family}{variant} {memory} GB, {place}, {market}, "
        "{price}/h ({per_gpu}/GPU-h)",
        i=i,
        provider=o["provider"],
        name=o["name"],
        count=o["gpu_count"],
        family=o["gpu_family"],
        variant=variant,
        memory=t.number(float(o["gpu_memory_gb"])),
        place=place,
        market=market,
        price=t.money(float(o["price_per_hour"])),
        per_gpu=t.money(float(o["price_per_gpu_hour"])),
    ) + price_age(t, o.get("price_as_of"))


def price_age(t: Translator, as_of: str | None, today: date | None = None) -> str:
    """How old a quoted price is (the provider's or our observation's date, never the import's)."""
    if not as_of:
        return ""
    day = date.fromisoformat(as_of[:10])
    days = ((today or datetime.now(UTC).date()) - day).days
    if days <= 0:
        return t("; price as of today")
    return t.tn(
        "; price as of {day}, {n} day old", "; price as of {day}, {n} days old", days, day=day.isoformat()
    )


def describe_filters(t: Translator, f: dict[str, Any]) -> str:
    parts = []
    if f.get("min_gpu_count"):
        parts.append(t("{n}+ GPUs", n=f["min_gpu_count"]))
    if f.get("gpu_type"):
        parts.append(str(f["gpu_type"]))
    if f.get("gpu_types"):
        parts.append(t(" or ").join(str(g) for g in f["gpu_types"]))
    if f.get("min_gpu_memory_gb"):
        parts.append(t(">= {gb} GB per GPU", gb=t.number(float(f["min_gpu_memory_gb"]))))
    if f.get("min_total_gpu_memory_gb"):
        parts.append(t(">= {gb} GB GPU memory in total", gb=t.number(float(f["min_total_gpu_memory_gb"]))))
    if f.get("geo") and not f.get("country"):
        parts.append(t("in {place}", place=geo_name(t, f["geo"])))
    if f.get("country"):
        parts.append(t("in {place}", place=f["country"]))
    if f.get("region"):
        parts.append(t("in region {region}", region=f["region"]))
    if f.get("provider"):
        parts.append(t("on {provider}", provider=f["provider"]))
    if f.get("max_price_per_hour"):
        parts.append(t("under {price}/h", price=t.money(float(f["max_price_per_hour"]))))
    if f.get("max_price_per_gpu_hour"):
        parts.append(t("under {price}/GPU-h", price=t.money(float(f["max_price_per_gpu_hour"]))))
    if f.get("spot") is True:
        parts.append(t("spot"))
    if f.get("spot") is False:
        parts.append(t("on-demand"))
    return ", ".join(parts) or t("any GPU")


def carried_line(t: Translator, req: ParsedRequest, fields: list[str]) -> str | None:
    """ "Kept from earlier: H100, 8+ GPUs, in Germany." — what earlier messages still decide."""
    parts: list[str] = []
    for name in fields:
        value = getattr(req, name)
        if name == "gpu_family":
            parts.append(value + (f" {req.gpu_variant}" if req.gpu_variant else ""))
        elif name == "compare_families":
            parts.append(t(" or ").join(value))
        elif name == "min_gpu_count":
            parts.append(t("{n}+ GPUs", n=value))
        elif name == "min_gpu_memory_gb":
            parts.append(t(">= {gb} GB per GPU", gb=t.number(float(value))))
        elif name == "max_price_per_hour":
            parts.append(t("under {price}/h", price=t.money(float(value))))
        elif name == "max_price_per_gpu_hour":
            parts.append(t("under {price}/GPU-h", price=t.money(float(value))))
        elif name == "total_budget":
            parts.append(t("a budget of {price}", price=t.money(float(value))))
        elif name == "hours":
            parts.append(t("{hours} h", hours=t.number(float(value))))
        elif name == "geo" and not req.country:
            parts.append(t("in {place}", place=geo_name(t, value)))
        elif name == "country":
            parts.append(t("in {place}", place=value))
        elif name == "region":
            parts.append(t("in region {region}", region=value))
        elif name == "provider":
            parts.append(t("on {provider}", provider=value))
        elif name == "spot":
            parts.append(t("spot") if value else t("on-demand"))
        elif name == "workload":
            parts.append(
                t("the workload ({what})", what=value.model_name or t("{b}B model", b=value.model_params_b))
            )
    if not parts:
        return None
    return t("Kept from earlier: {items}.", items=", ".join(dict.fromkeys(parts)))


def unclear_answer(t: Translator, small_talk: bool) -> str:
    lead = (
        t("Hello! I find and price GPU offers, compare GPUs, size workloads and answer questions about GPUs.")
        if small_talk
        else t(
            "I did not understand that. I can find and price GPU offers, compare GPUs, size a workload "
            "and answer questions about GPUs."
        )
    )
    examples = EXAMPLES.get(t.lang, EXAMPLES["en"])
    return "\n".join([lead, t("For example:"), *[f"- {e}" for e in examples]])


def reset_answer(t: Translator, dropped: bool) -> str:
    head = t("OK, I dropped the earlier request.") if dropped else t("OK, starting over.")
    return (
        head
        + " "
        + t("What do you need? For example: {example}", example=EXAMPLES.get(t.lang, EXAMPLES["en"])[0])
    )


def no_previous_offers(t: Translator) -> str:
    return t(
        "I have no earlier list of offers to pick from in this conversation. Ask for offers first, "
        "for example: {example}",
        example=EXAMPLES.get(t.lang, EXAMPLES["en"])[0],
    )


def reference_line(t: Translator, reference: str, o: dict[str, Any]) -> str:
    which = {
        "1": t("The first offer"),
        "2": t("The second offer"),
        "3": t("The third offer"),
        "4": t("The fourth offer"),
        "5": t("The fifth offer"),
        "last": t("The last offer"),
        "cheapest": t("The cheapest offer"),
        "cheaper": t("The cheaper offer"),
        "that": t("That offer"),
    }[reference]
    return t("{which} of my last answer:", which=which) + "\n" + offer_line(t, 1, o)[3:]


def sizing_line(t: Translator, requirement: dict[str, Any]) -> str:
    kind = requirement.get("kind", "llm")
    if kind == "llm":
        return t("Sizing: {rule}", rule=requirement["rule"])
    if kind == "embeddings":
        return t("Sizing: embedding models are small and fit on any GPU, so the cheapest offer will do.")
    line = t(
        "Sizing: about {gb} GB of GPU memory per GPU (source: {source}).",
        gb=t.number(float(requirement["min_gpu_memory_gb"] or 0)),
        source=", ".join(requirement.get("sources") or []) or "-",
    )
    if kind == "speech" and requirement.get("gpu_hours"):
        line += " " + t(
            "The audio takes about {hours} GPU-hours with faster-whisper, the duration priced below.",
            hours=t.number(float(requirement["gpu_hours"])),
        )
    return line


def spot_note(t: Translator, chosen: bool, long_job: bool) -> str:
    if chosen and long_job:
        return t(
            "You asked for spot: the provider can take a spot machine back at short notice (AWS warns two "
            "minutes ahead, Google Cloud and Azure may stop it at any time), so a job longer than a day should "
            "checkpoint often and restart on its own."
        )
    return t("Spot offers are cheaper but can be interrupted at short notice; checkpoint your work.")


def on_demand_note(t: Translator, hosting: bool) -> str:
    if hosting:
        return t(
            "Running around the clock, so I searched on-demand offers only: spot machines can be taken back "
            "at short notice. Priced for a month (720 h)."
        )
    return t(
        "The job runs longer than a day, so I searched on-demand offers only: spot machines can be taken "
        "back at short notice. Say 'spot is fine' to include them."
    )


def cost_lines(t: Translator, forecast: dict[str, Any] | None, iac: dict[str, Any] | None) -> list[str]:
    lines = []
    if forecast is not None and "error" not in forecast:
        f = forecast
        lines.append(
            t(
                "Cost for {hours} h: about {total} ({hourly}/h, {daily}/day); likely range {low}-{high}/h.",
                hours=t.number(float(f["hours"])),
                total=t.money(float(f["total"])),
                hourly=t.money(float(f["hourly"])),
                daily=t.money(float(f["daily"])),
                low=t.money(float(f["ci_low"])),
                high=t.money(float(f["ci_high"])),
            )
        )
        if f.get("trend"):
            lines.append(trend_sentence(t, f["trend"]))
        if _stale(f):
            lines.append(age_sentence(t, f))
    elif forecast is not None:
        lines.append(t("I could not price it: {error}", error=forecast["error"]))
    if iac is not None and "error" not in iac:
        lines.append(t("Terraform ({template}) is below.", template=iac["template"]))
        lines.extend(t("Note: {note}", note=n) for n in iac.get("notes", []))
    elif iac is not None:
        lines.append(t("I could not write the Terraform: {error}", error=iac["error"]))
    return lines


def _stale(f: dict[str, Any]) -> bool:
    return any("of the past" in str(w) for w in f.get("warnings") or [])


def direction_word(t: Translator, direction: str) -> str:
    return {"up": t("up"), "down": t("down"), "flat": t("flat")}.get(direction, direction)


def trend_sentence(t: Translator, trend: dict[str, Any]) -> str:
    text = t(
        "Market index: {direction} ({change} over the next {days} days, 80%: {low} to {high})",
        direction=direction_word(t, str(trend["direction"])),
        change=t.percent(float(trend["change_pct_30d"])),
        days=trend.get("days", 30),
        low=t.percent(float(trend["low80_pct"])),
        high=t.percent(float(trend["high80_pct"])),
    )
    if trend.get("past_change_pct_30d") is not None:
        text += t(
            "; it moved {change} in the 30 days to {end}",
            change=t.percent(float(trend["past_change_pct_30d"])),
            end=trend["history_end"],
        )
    return text + "."


def age_sentence(t: Translator, f: dict[str, Any]) -> str:
    end = (f.get("trend") or {}).get("history_end") or f.get("history_end")
    age = f.get("data_age_days")
    if end and age is not None:
        return t(
            "Note: the price data end on {end}, {days} days ago, so this forecast covers the past, not the coming weeks.",
            end=end,
            days=age,
        )
    return t("Note: the price data are old, so this forecast covers the past, not the coming weeks.")


def trend_answer(t: Translator, subject: str, f: dict[str, Any]) -> list[str]:
    """Direction and size first ("H100: flat, +0.0% over 30 days ..."), then what to do and the data's age."""
    trend = f.get("trend")
    if not trend:
        lines = [
            t(
                "{gpu}: there is too little price history to forecast a direction; today's price is about "
                "{hourly}/h.",
                gpu=subject,
                hourly=t.money(float(f["hourly"])),
            )
        ]
    else:
        change = float(trend["change_pct_30d"])
        lines = [
            t(
                "{gpu}: prices are expected to go {direction}, {change} over the next {days} days "
                "(80% range {low} to {high}).",
                gpu=subject,
                direction=direction_word(t, str(trend["direction"])),
                change=t.percent(change),
                days=trend.get("days", 30),
                low=t.percent(float(trend["low80_pct"])),
                high=t.percent(float(trend["high80_pct"])),
            )
        ]
        if trend["direction"] == "down":
            lines.append(
                t(
                    "Waiting may save about {pct} if you can; the range still allows a rise.",
                    pct=t.percent(abs(change))[1:],
                )
            )
        elif trend["direction"] == "up":
            lines.append(t("Booking sooner is likely cheaper than waiting."))
        else:
            lines.append(t("No clear move either way: waiting is unlikely to save much."))
        if trend.get("past_change_pct_30d") is not None:
            lines.append(
                t(
                    "Over the 30 days to {end} prices moved {change}.",
                    end=trend["history_end"],
                    change=t.percent(float(trend["past_change_pct_30d"])),
                )
            )
    lines.append(t("Today: about {hourly}/h.", hourly=t.money(float(f["hourly"]))))
    end = (trend or {}).get("history_end") or f.get("history_end")
    age = f.get("data_age_days")
    if end and age is not None:
        if age > 7:
            lines.append(age_sentence(t, f))
        else:
            lines.append(t("The price data end on {end} ({days} days ago).", end=end, days=age))
    return lines


def compare_answer(t: Translator, result: dict[str, Any], requirement: dict[str, Any] | None) -> list[str]:
    if "error" in result:
        return [t("I could not compare them: {error}", error=result["error"])]
    lines = []
    if requirement:
        lines.append(sizing_line(t, requirement))
    lines.append(t("Side by side:"))
    counts = (requirement or {}).get("gpu_count_by_family") or {}
    priced = []
    for g in result.get("gpus", []):
        cheapest = g.get("cheapest")
        price = (
            t(
                "cheapest {provider} {count}x at {price}/h ({per_gpu}/GPU-h)",
                provider=cheapest["provider"],
                count=cheapest["gpu_count"],
                price=t.money(float(cheapest["price_per_hour"])),
                per_gpu=t.money(float(cheapest["price_per_gpu_hour"])),
            )
            if cheapest
            else t("no offer in the catalog")
        )
        need = t(", {n} needed", n=counts[g["family"]]) if g["family"] in counts else ""
        lines.append(
            t(
                "- {family} ({vendor} {architecture}, {memory} GB{need}): {offers} offers, {price}",
                family=g["family"],
                vendor=g["vendor"],
                architecture=g["architecture"],
                memory=t.number(float(g["memory_gb"])),
                need=need,
                offers=g["offers"],
                price=price,
            )
        )
        if cheapest:
            priced.append((float(cheapest["price_per_hour"]), g["family"]))
    if len(priced) >= 2:
        low, family = min(priced)
        lines.append(t("Cheaper for this: {family} at {price}/h.", family=family, price=t.money(low)))
    return lines


def gpu_facts(t: Translator, families: list[str], compare: dict[str, Any] | None) -> list[str]:
    cheapest = {g["family"]: g.get("cheapest") for g in (compare or {}).get("gpus", [])}
    lines = []
    for fam in families:
        model = GPUS.get(fam)
        if model is None:
            continue
        memory = ", ".join(f"{v} {t.number(float(g))} GB" for v, g in model.memory_gb.items())
        line = t(
            "{family}: {vendor} {architecture}; memory {memory}.",
            family=fam,
            vendor=model.vendor,
            architecture=model.architecture,
            memory=memory,
        )
        offer = cheapest.get(fam)
        if offer:
            line += " " + t(
                "Cheapest today: {provider} at {price}/GPU-h.",
                provider=offer["provider"],
                price=t.money(float(offer["price_per_gpu_hour"])),
            )
        lines.append(line)
    return lines


def knowledge_lines(t: Translator, query_words: list[str], passages: list[dict[str, Any]]) -> list[str]:
    """Quotes of the passages (the sentences that carry the question's words) and their sources."""
    if not passages:
        return []
    lines = [t("From my sources:")]
    sources = []
    for n, p in enumerate(passages, 1):
        quote = best_sentences(p["text"], query_words)
        lines.append(f"> {quote} [{n}]")
        sources.append(f"[{n}] {p['source_title']}: {p['source_url']}")
    lines.append(t("Sources:"))
    lines.extend(sources)
    return lines


def best_sentences(text: str, words: list[str], most: int = 2) -> str:
    """The passage's sentences that share the most words with the question, in their order."""
    import re

    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9])", text) if s.strip()]
    if len(sentences) <= most:
        return " ".join(sentences)
    lowered = [s.lower() for s in sentences]
    scores = [sum(1 for w in words if w in s) for s in lowered]
    keep = sorted(sorted(range(len(sentences)), key=lambda i: (-scores[i], i))[:most])
    return " ".join(sentences[i] for i in keep)


def no_knowledge(t: Translator) -> str:
    return t(
        "I did not find that in my sources, so I will not guess. I can answer questions about GPU memory and "
        "bandwidth, CUDA, ROCm and JAX, sizing for inference and fine-tuning, spot interruptions and "
        "networking, or find and price offers."
    )
