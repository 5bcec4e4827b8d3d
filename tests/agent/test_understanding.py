"""What real users write, read right: other languages, split names, alternatives, pointers at the previous
answer, resets, carried constraints and messages with nothing to act on (issue 13's examples)."""

from __future__ import annotations

import pytest

from agent.parser import carried_over, parse_request
from agent.parser.lang import detect_language
from agent.planner import understand


def test_spanish_cost_question_keeps_place_and_duration() -> None:
    r = parse_request("¿cuánto cuesta una A100 en Francia durante 3 días?")
    assert (r.language, r.intent, r.gpu_family, r.country, r.hours) == ("es", "forecast", "A100", "FR", 72.0)


@pytest.mark.parametrize(
    ("text", "lang", "hours", "place"),
    [
        ("Ich brauche eine H100 für eine Woche in Europa", "de", 168.0, ("eu", None)),
        ("deux semaines de H100 en Allemagne", "fr", 336.0, ("eu", "DE")),
        ("una L4 en Alemania durante dos semanas", "es", 336.0, ("eu", "DE")),
    ],
)
def test_durations_and_places_in_other_languages(
    text: str, lang: str, hours: float, place: tuple[str, str | None]
) -> None:
    r = parse_request(text)
    assert r.language == lang and r.hours == hours and (r.geo, r.country) == place


def test_budget_and_count_words() -> None:
    r = parse_request("menos de 5 dólares la hora, dos RTX 4090")
    assert (r.max_price_per_hour, r.min_gpu_count, r.gpu_family) == (5.0, 2, "RTX4090")
    r = parse_request("vier A100 unter 10 Euro pro Stunde")
    assert (r.max_price_per_hour, r.min_gpu_count) == (10.0, 4)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("what does HBM3 change", "en"),
        ("Was ist FP8?", "de"),
        ("Qu'est-ce que InfiniBand ?", "fr"),
        ("¿Qué es NVLink?", "es"),
    ],
)
def test_questions_of_knowledge(text: str, lang: str) -> None:
    r = parse_request(text)
    assert r.intent == "explain" and r.language == lang


def test_a_bare_gpu_name_tells_no_language() -> None:
    assert detect_language("H100?") is None
    assert understand(["Ich brauche zwei H100", "H100?"]).language == "de"


def test_split_name_a_100_is_the_gpu_but_a_100_hours_is_not() -> None:
    assert parse_request("how much is a 100 in the US").gpu_family == "A100"
    r = parse_request("I need a 100 hours on an h 100")
    assert (r.gpu_family, r.hours) == ("H100", 100.0)


def test_alternatives_for_a_task_are_a_comparison_and_alone_a_search() -> None:
    r = parse_request("a 100 or h 100 for fine-tuning llama 70b?")
    assert r.intent == "compare" and r.compare_families == ["A100", "H100"]
    r = parse_request("an L4 or an A10G under $1/h")
    assert r.intent == "recommend" and r.compare_families == ["L4", "A10G"]


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("the second one", "2"),
        ("how much is the cheaper one for a week?", "cheaper"),
        ("terraform for that one", "that"),
        ("das zweite", "2"),
        ("la moins chère des deux", "cheaper"),
        ("el último", "last"),
    ],
)
def test_references_to_the_previous_answer(text: str, ref: str) -> None:
    assert parse_request(text, parse_request("8x H100 in Europe")).reference == ref


def test_a_new_constraint_is_a_new_search_not_a_reference() -> None:
    assert parse_request("the cheapest one in Germany", parse_request("H100 in Europe")).reference is None


def test_resets_drop_what_came_before() -> None:
    req = understand(["spot H100 in Germany for a week, 70b fine-tune", "never mind. 2 A100 in the US"])
    assert (req.gpu_family, req.country, req.spot, req.workload, req.hours) == (
        "A100",
        "US",
        None,
        None,
        None,
    )
    assert understand(["8x H100", "never mind"]).intent == "reset"
    assert understand(["8x H100", "forget it", "L4"]).min_gpu_count is None


def test_carried_constraints_are_named() -> None:
    req = understand(["8x H100 in Germany", "make it spot"])
    assert set(carried_over(req)) == {"gpu_family", "min_gpu_count", "geo", "country"}
    assert carried_over(understand(["8x H100 in Germany"])) == []


@pytest.mark.parametrize(
    "text", ["asdkjh qwpoe zxmnv", "qwertyuiop", "", "I like turtles", "what is the weather in Paris"]
)
def test_nothing_to_act_on_is_unclear(text: str) -> None:
    assert parse_request(text).intent == "unclear"


def test_gibberish_in_a_thread_does_not_repeat_the_last_search() -> None:
    assert understand(["8x H100 in Europe", "xkcd qwop"]).intent == "unclear"


def test_trend_and_hosting_and_workloads() -> None:
    r = parse_request("should I wait for B200 prices to fall?")
    assert r.trend and r.intent == "forecast" and r.gpu_family == "B200"
    r = parse_request("host llama 3 8b 24/7")
    assert r.hosting and r.hours == 720.0
    r = parse_request("transcribe 200 hours of audio with whisper large")
    assert r.workload is not None and (r.workload.kind, r.workload.audio_hours, r.hours) == (
        "speech",
        200.0,
        None,
    )
    assert parse_request("cheapest gpu for flux dev").workload.kind == "diffusion"  # type: ignore[union-attr]
