"""The chat page (web/chat.py) and the forecast on the offer page, as a user sees them.

Without JavaScript (TestClient, both backends): sign in at /login, post the form, read the rendered
answer: offer cards that link to real offers, the forecast figures and chart, the Terraform, the
marketplace link; bad prompts come back as a 422 page. With JavaScript (Debian's Chromium against a
live server): the answer streams in, the result renders, Copy copies, and an offer card leads to an
offer page that shows its forecast. Screenshots land in var/screenshots/ for a person to look at.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hcl2
import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agent.service import MAX_PROMPT_CHARS
from catalog.predict import predict_offer
from tests.support import use_page_token
from tests.web.dom import Element, parse
from web.session import ACCESS_COOKIE, COOKIE_PATH

DONE_PROMPT = "4x A100 80GB in Europe under $8/h for 3 days, and give me terraform"
PASSWORD = "correct horse battery staple"
MONEY = r"\$[\d,]+\.\d{2,3}"


def money(text: str) -> float:
    return float(text.strip().lstrip("$").replace(",", ""))


def register(post: Callable[..., Any]) -> str:
    """A new user (the admin of a new team) through the API; returns the email."""
    email = f"chat-{uuid.uuid4().hex[:12]}@example.com"
    r = post("/auth/register", json={"email": email, "password": PASSWORD, "tenant_name": "Chat team"})
    assert r.status_code == 201, r.text
    return email


@pytest.fixture
def signed_in(client: TestClient) -> TestClient:
    """The client after signing in through the site's sign-in form (cookies, no script)."""
    email = register(client.post)
    form = {"email": email, "password": PASSWORD, "next": "/chat"}
    r = client.post("/login", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/chat"
    use_page_token(client)
    return client


def ask(client: TestClient, prompt: str, thread_id: str = "", status: int = 200) -> Element:
    r = client.post("/chat", data={"prompt": prompt, "thread_id": thread_id})
    assert r.status_code == status, r.text[:800]
    assert r.headers["content-type"].startswith("text/html")
    return parse(r.text)


def sign_in(page: Any, base: str, email: str) -> None:
    """Signs ``email`` in through the site's form in the browser and lands on the chat page."""
    page.goto(f"{base}/login?next=/chat")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base}/chat")


def alert(doc: Element) -> str:
    return " ".join(a.text() for a in doc.find_all(role="alert"))


# --- without JavaScript ---------------------------------------------------------------------------


def test_signed_out_the_page_asks_to_sign_in(client: TestClient) -> None:
    r = client.get("/chat")
    assert r.status_code == 200
    doc = parse(r.text)
    assert doc.find("a", href="/chat").get("aria-current") == "page"
    # A way to sign in that comes back here, and no prompt form.
    assert doc.find("section", cls="chat-signin").find("a").get("href") == "/login?next=/chat"
    assert not doc.find_all("form", action="/chat")
    # Posting a prompt anyway is refused with the reason, not run.
    doc = ask(client, DONE_PROMPT, status=401)
    assert "Sign in to ask the assistant" in alert(doc)


def test_the_form_has_a_labelled_prompt_send_and_examples(signed_in: TestClient) -> None:
    doc = parse(signed_in.get("/chat").text)
    assert doc.find("p", cls="chat-user").text().startswith("Signed in as chat-")
    form = doc.find("form", action="/chat")
    assert form.get("method") == "post"
    textarea = form.find("textarea", name="prompt")
    assert doc.find("label", **{"for": textarea.get("id") or ""}).text() == "Your request"
    assert form.find("input", type="hidden", name="thread_id").get("value") == ""
    assert form.find("button", type="submit", data_send=True).text() == "Send"
    examples = [b.get("value") for b in form.find_all("button", name="example")]
    assert DONE_PROMPT in examples


def test_the_done_when_prompt_renders_offers_forecast_and_terraform(signed_in: TestClient) -> None:
    doc = ask(signed_in, DONE_PROMPT)
    log = doc.find("ol", data_chat_log=True)
    assert log.find("li", cls="chat-msg-user").text() == f"You {DONE_PROMPT}"
    answer = log.find("p", data_answer=True).text()
    assert "offers match" in answer and "72 h" in answer

    cards = log.find_all("li", cls="rec-card")
    assert cards
    shown = []
    for card in cards:
        href = card.find("a", cls="rec-name").get("href") or ""
        assert href == f"/offers/{card.get('data-offer-id')}"
        offer = signed_in.get(f"/providers/{card.get('data-offer-id')}").json()
        assert offer["gpu_family"] == "A100" and offer["gpu_count"] >= 4 and offer["gpu_memory_gb"] >= 80
        assert offer["geo"] == "eu" and offer["price_per_hour"] <= 8
        facts = card.find("dl", cls="rec-facts").text()
        assert f"$/h ${offer['price_per_hour']:,.2f}" in facts
        assert f"{offer['gpu_count']}× A100" in facts
        assert offer["provider"] in card.text() and card.find("p", cls="rec-reason").text()
        shown.append(offer["price_per_hour"])
        assert signed_in.get(href).status_code == 200
    assert shown == sorted(shown)

    forecast = log.find("section", data_forecast="chat")
    figures = {dd.get("data-figure"): dd.text() for dd in forecast.find_all("dd")}
    hourly, daily, total = money(figures["hourly"]), money(figures["daily"]), money(figures["total"])
    low, high = (money(x) for x in figures["range"].split("–"))
    assert low <= hourly <= high
    assert daily == pytest.approx(hourly * 24, abs=0.01)
    assert total == pytest.approx(hourly * 72, abs=0.01)
    assert "Total for 72 h" in forecast.text()
    assert figures["model"]
    chart = forecast.find("svg", data_chart="forecast")
    assert chart.get("role") == "img" and "80% band" in (chart.get("aria-label") or "")
    assert (chart.find("path", cls="chart-forecast-line").get("d") or "").startswith("M")
    assert (chart.find("path", cls="chart-forecast-band").get("d") or "").endswith("Z")
    x_labels = [t.text() for t in chart.find("g", cls="chart-axis-x").find_all("text")]
    assert x_labels[0] == "day 1" and x_labels[-1] == "day 30"
    assert len(forecast.find("details", cls="chart-data").find("tbody").find_all("tr")) == 30
    # The cost is the recommended offer's own forecast, with its market index's trend and its age.
    assert cards[0].get("data-offer-id") in forecast.find("p", cls="forecast-basis").text()
    assert (
        forecast.find("p", cls="forecast-trend")
        .find("span", cls="trend-badge")
        .text()
        .startswith("market index ")
    )
    assert forecast.find("p", cls="forecast-history-end").text().startswith("Price history ends ")
    assert "of the past" in forecast.find("ul", cls="forecast-warnings").text()
    assert chart.find("text", data_chart_part="stale").text().startswith("Forecast of the past")
    assert "Market index: " in answer

    code = log.find("section", cls="chat-iac").find("pre").find("code")
    terraform = code.children[0]
    assert isinstance(terraform, str) and f"offer {cards[0].get('data-offer-id')}" in terraform
    hcl2.loads(terraform)
    # The Copy button needs the script; without it the button stays hidden.
    assert log.find("button", data_copy=True).get("hidden") is not None

    link = log.find("p", cls="chat-marketplace").find("a")
    assert link.text() == "Open these filters in the marketplace"
    assert (link.get("href") or "").startswith("/?") and "gpu_type=A100" in (link.get("href") or "")
    assert signed_in.get(link.get("href") or "").status_code == 200

    thread_id = doc.find("input", name="thread_id").get("value")
    assert thread_id and doc.find("a", data_new_chat=True).get("hidden") is None


def test_a_follow_up_continues_the_thread(signed_in: TestClient) -> None:
    first = ask(signed_in, "8x H100 in the US")
    thread_id = first.find("input", name="thread_id").get("value") or ""
    second = ask(signed_in, "make it spot", thread_id)
    assert second.find("input", name="thread_id").get("value") == thread_id
    turns = second.find("ol", data_chat_log=True).find_all("li", cls="chat-msg")
    assert [t.find("p", cls="chat-text").text() for t in turns[::2]] == ["8x H100 in the US", "make it spot"]
    assert len(turns) == 4
    for card in turns[-1].find_all("li", cls="rec-card"):
        offer = signed_in.get(f"/providers/{card.get('data-offer-id')}").json()
        assert offer["gpu_family"] == "H100" and offer["spot"] is True and offer["gpu_count"] >= 8


def test_no_match_shows_relax_advice_and_the_nearest_offers(signed_in: TestClient) -> None:
    doc = ask(signed_in, "8x H100 under $1/h")
    block = doc.find("section", cls="chat-nomatch")
    assert "Try relaxing:" in block.text()
    assert block.find_all("li", cls="rec-card")
    assert "No offer matches" in doc.find("p", data_answer=True).text()


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ("", "the prompt is empty"),
        ("   \n ", "the prompt is empty"),
        ("x" * (MAX_PROMPT_CHARS + 1), f"the limit is {MAX_PROMPT_CHARS:,}"),
    ],
)
def test_an_empty_or_overlong_prompt_is_a_422_page(signed_in: TestClient, prompt: str, message: str) -> None:
    doc = ask(signed_in, prompt, status=422)
    assert message in alert(doc)
    assert doc.find("textarea", name="prompt").text() == " ".join(prompt.split())
    assert not doc.find_all("li", cls="chat-msg")


def test_another_teams_thread_is_not_found(signed_in: TestClient) -> None:
    doc = ask(signed_in, "make it spot", thread_id=str(uuid.uuid4()), status=404)
    assert "not available any more" in alert(doc)
    assert doc.find("input", name="thread_id").get("value") == ""


def test_the_script_gets_a_token_for_the_api_and_signing_out_ends_it(signed_in: TestClient) -> None:
    r = signed_in.post("/chat/token")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    token = r.json()["access_token"]
    assert signed_in.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    r = signed_in.post("/logout", follow_redirects=False)
    assert r.status_code == 303
    assert signed_in.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert signed_in.post("/chat/token").status_code == 401
    assert parse(signed_in.get("/chat").text).find("section", cls="chat-signin")


def test_an_expired_access_cookie_is_renewed_from_the_refresh_cookie(signed_in: TestClient) -> None:
    signed_in.cookies.delete(ACCESS_COOKIE, path=COOKIE_PATH)
    r = signed_in.get("/chat")
    assert "Signed in as" in r.text
    renewed = [c for c in r.headers.get_list("set-cookie") if c.startswith(f"{ACCESS_COOKIE}=")]
    assert renewed and "HttpOnly" in renewed[0] and "SameSite=strict" in renewed[0]


# --- the forecast on the offer page --------------------------------------------------------------


def a100_offer(client: TestClient) -> dict[str, Any]:
    offers = client.get("/providers?gpu_type=A100&spot=false&page_size=1").json()["items"]
    return dict(offers[0])


def test_the_offer_page_shows_the_30_day_forecast(client: TestClient, db: Session) -> None:
    offer = a100_offer(client)
    expected = predict_offer(db, offer["id"], 720)
    gpus = offer["gpu_count"]
    doc = parse(client.get(f"/offers/{offer['id']}").text)
    line = doc.find("p", cls="forecast-line").text()
    m = re.fullmatch(
        rf"Next 30 days: ({MONEY})/GPU-h expected, 80% range ({MONEY})–({MONEY}) \(model (.+), no backtest\)",
        line,
    )
    assert m, line
    # The offer's own price per GPU, moved by its market index (flat on this market).
    assert money(m[1]) == pytest.approx(expected["hourly"] / gpus, abs=0.006)
    assert money(m[1]) == pytest.approx(offer["price_per_gpu_hour"], abs=0.006)
    assert money(m[2]) <= money(m[1]) <= money(m[3])
    assert m[4] == expected["model"] and "market index" in m[4]

    trend = doc.find("p", cls="forecast-trend")
    assert trend.get("data-trend") == expected["trend"]["direction"]
    assert trend.text().startswith(f"market index {expected['trend']['direction']}")
    assert (
        f"80%: {expected['trend']['low80_pct']:+.1f}% to {expected['trend']['high80_pct']:+.1f}%"
        in trend.text()
    )
    basis = doc.find("p", cls="forecast-basis").text()
    assert f"Price history ends {expected['history_end']}" in basis
    assert f"market index history ends {expected['market_history_end']}" in basis

    svg = doc.find("svg", data_chart="price-history")
    part = svg.find("g", data_chart_part="forecast")
    assert (part.find("path", cls="chart-forecast-line").get("d") or "").startswith("M")
    assert part.find("path", cls="chart-forecast-band")
    assert (svg.find("path", data_chart_part="market-index").get("d") or "").startswith("M")
    assert "forecast from" in svg.find("desc").text() and "market index" in svg.find("desc").text()
    # The bundled market history ends in 2026: the chart marks where and says the forecast is of the past.
    stale = svg.find("g", data_chart_part="stale").find("text").text()
    assert stale.startswith("Forecast of the past: market data end ")
    legend = doc.find("figcaption", cls="legend").text()
    assert f"forecast ({expected['model']}, 80% band)" in legend and "market index" in legend
    warnings = doc.find("ul", cls="forecast-warnings").text()
    assert "of the past" in warnings
    table = doc.find("table", data_table="forecast")
    assert len(table.find("tbody").find_all("tr")) == len(expected["series"])


def test_an_offer_without_a_market_index_keeps_its_price_with_a_wide_band(
    client: TestClient, db: Session
) -> None:
    # V100s are in the catalog but not in the bundled market history.
    offer = client.get("/providers?gpu_type=V100&spot=false&page_size=1").json()["items"][0]
    doc = parse(client.get(f"/offers/{offer['id']}").text)
    line = doc.find("p", cls="forecast-line").text()
    assert "(model current-price, no backtest)" in line
    assert "has no market index to forecast from" in doc.find("ul", cls="forecast-warnings").text()
    assert not doc.find_all("p", cls="forecast-trend")
    assert not doc.find_all("path", data_chart_part="market-index")


# --- in a browser, with JavaScript -----------------------------------------------------------------

# Records the answer's length on every animation frame until the structured result shows, so the
# test can tell text that grew while streaming from text that appeared at once; and every text a
# tool status line had, however briefly.
SAMPLE_ANSWER = """
window.__answerLengths = [];
window.__sendDisabled = [];
(function sample() {
  var answer = document.querySelector("[data-chat-log] [data-answer][aria-live]");
  if (answer && !answer.parentNode.querySelector("[data-chat-result]")) {
    var n = answer.textContent.length, s = window.__answerLengths;
    if (!s.length || s[s.length - 1] !== n) s.push(n);
    window.__sendDisabled.push(document.querySelector("[data-send]").disabled);
  }
  window.requestAnimationFrame(sample);
})();
window.__toolTexts = [];
new MutationObserver(function (records) {
  records.forEach(function (r) {
    Array.from(r.addedNodes).concat(Array.from(r.removedNodes)).forEach(function (n) {
      if (n.nodeType === 1 && n.classList.contains("tool-line")) window.__toolTexts.push(n.textContent);
      if (n.nodeType === 3 && r.target.classList && r.target.classList.contains("tool-line")) {
        window.__toolTexts.push(n.data);
      }
    });
  });
}).observe(document, { childList: true, subtree: true });
"""


def test_streamed_answer_copy_and_the_offer_forecast_in_a_browser(
    browser: Any, live_server: str, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    with httpx.Client(base_url=live_server) as http:
        email = register(http.post)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, color_scheme="light")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    context.add_init_script(SAMPLE_ANSWER)
    page = context.new_page()
    page.goto(f"{live_server}/chat")

    # Signed out, the page sends the user to the site's sign-in, which brings them back here.
    page.locator("section.chat-signin").get_by_role("link", name="Sign in").click()
    page.wait_for_url(re.compile(r"/login\?next=/chat$"))
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{live_server}/chat")
    expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()

    prompt = page.get_by_label("Your request")
    prompt.click()
    # Shift+Enter is a new line, not a send.
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    expect(prompt).to_have_value("first line\n")
    expect(page.locator(".chat-msg")).to_have_count(0)
    prompt.fill(DONE_PROMPT)
    prompt.press("Enter")

    turn = page.locator(".chat-msg-assistant").first
    result = turn.locator("[data-chat-result]")
    expect(result).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    expect(prompt).to_have_value("")

    # Send was disabled for as long as the answer was streaming.
    disabled = page.evaluate("window.__sendDisabled")
    assert disabled and all(disabled), disabled
    lengths = page.evaluate("window.__answerLengths")
    growing = [n for n in lengths if n > 0]
    assert len(growing) >= 2, lengths
    assert growing == sorted(growing) and growing[0] < growing[-1], lengths
    answer = turn.locator("[data-answer]")
    assert int(answer.get_attribute("data-tokens") or 0) >= 5
    assert answer.get_attribute("aria-live") == "polite"
    assert "offers match" in answer.inner_text()
    for tool in ("search_offers", "forecast_cost", "generate_terraform"):
        expect(turn.locator(f".tool-line[data-tool={tool}]").first).to_have_attribute("data-state", "done")
    # While a tool runs its line says so; when it is done, the line says what was done.
    seen = set(page.evaluate("window.__toolTexts"))
    assert {"Searching offers…", "Pricing…", "Writing Terraform…"} <= seen, seen
    expect(turn.locator(".tool-line[data-tool=search_offers]").first).to_have_text("Searched offers")
    expect(turn.locator(".tool-line[data-tool=generate_terraform]").first).to_have_text("Wrote Terraform")

    cards = result.locator(".rec-card")
    assert cards.count() >= 1
    expect(cards.first.locator(".rec-facts")).to_contain_text("$/GPU-h")
    expect(result.locator("[data-figure=total]")).to_have_text(re.compile(MONEY))
    # A flat forecast line has no height, so the chart is what must be visible; the line must exist.
    expect(result.locator("svg[data-chart=forecast]")).to_be_visible()
    expect(result.locator("svg[data-chart=forecast] path.chart-forecast-line")).to_have_attribute(
        "d", re.compile("^M")
    )
    expect(result.locator("svg[data-chart=forecast] path.chart-forecast-band")).to_be_visible()
    expect(result.get_by_text("Total for 72 h")).to_be_visible()
    expect(result.locator("p.forecast-trend .trend-badge")).to_contain_text("market index")
    expect(result.locator("svg[data-chart=forecast] text[data-chart-part=stale]")).to_contain_text(
        "Forecast of the past"
    )
    expect(result.locator("p.forecast-history-end")).to_contain_text("Price history ends")
    code = result.locator(".chat-iac pre code")
    expect(code).to_contain_text(cards.first.get_attribute("data-offer-id") or "?")
    expect(result.get_by_role("link", name="Open these filters in the marketplace")).to_have_attribute(
        "href", re.compile(r"^/\?.*gpu_type=A100")
    )
    thread_id = page.locator("input[name=thread_id]").input_value()
    assert thread_id
    page.screenshot(path=str(screenshots / "chat.png"), full_page=True)

    copy = result.get_by_role("button", name="Copy")
    copy.click()
    expect(page.locator("[data-chat-announce]")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == code.inner_text()

    # A follow-up goes to the same thread.
    prompt.fill("make it spot")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".chat-msg-assistant")).to_have_count(2)
    expect(page.locator(".chat-msg-assistant").last.locator("[data-chat-result]")).to_be_visible(
        timeout=30_000
    )
    assert page.locator("input[name=thread_id]").input_value() == thread_id

    name = cards.first.locator("a.rec-name").inner_text()
    cards.first.locator("a.rec-name").click()
    page.wait_for_url(re.compile(r"/offers/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("p.forecast-line")).to_contain_text("Next 30 days:")
    expect(page.locator("svg[data-chart='price-history'] g[data-chart-part='forecast']")).to_be_visible()
    expect(page.locator("figcaption.legend").first).to_contain_text("forecast (")
    expect(page.locator("p.forecast-line ~ figure svg[data-chart=forecast]")).to_be_visible()
    expect(page.locator("p.forecast-trend .trend-badge")).to_contain_text("market index")
    expect(
        page.locator("svg[data-chart='price-history'] path[data-chart-part='market-index']")
    ).to_be_visible()
    expect(page.locator("svg[data-chart='price-history'] g[data-chart-part='stale'] text")).to_contain_text(
        "Forecast of the past"
    )
    page.locator("section.chart-card").screenshot(path=str(screenshots / "offer-forecast.png"))
    context.close()


# Records in the page when the answer's token count changes: [tokens written so far, performance.now()].
TOKEN_TIMES = """
window.__tokenTimes = [];
new MutationObserver(function (records) {
  records.forEach(function (r) {
    if (r.attributeName === "data-tokens") {
      window.__tokenTimes.push([Number(r.target.getAttribute("data-tokens")), performance.now()]);
    }
  });
}).observe(document, { attributes: true, attributeFilter: ["data-tokens"], subtree: true });
"""


def test_answer_tokens_appear_as_the_model_writes_them(browser: Any, settings: Any, engine: Any) -> None:
    """A model that writes a piece every 80 ms: each piece is in the page about 80 ms after the one before,
    not all of them at the end (a buffered stream) nor two a frame (the page's typing of a burst)."""
    from playwright.sync_api import expect

    from api.app import create_app
    from tests.api.lg_support import use_slow_model
    from tests.support import serve

    delay = 0.08
    app = create_app(settings)
    with serve(app) as url:
        use_slow_model(app, delay)
        with httpx.Client(base_url=url) as http:
            email = register(http.post)
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.add_init_script(TOKEN_TIMES)
        page = context.new_page()
        sign_in(page, url, email)
        page.get_by_label("Your request").fill("what does HBM3 change")
        page.get_by_label("Your request").press("Enter")
        expect(page.locator(".chat-msg-assistant [data-chat-result]")).to_be_attached(timeout=30_000)
        expect(page.locator(".chat-msg-assistant")).not_to_have_attribute("aria-busy", "true")
        times = page.evaluate("window.__tokenTimes")
        context.close()
    counts = [n for n, _ in times]
    at = [ms for _, ms in times]
    assert counts == sorted(counts) and counts[-1] >= 10, times
    # One piece at a time: each change of the answer adds the piece that has just arrived.
    assert max(b - a for a, b in itertools.pairwise([0, *counts])) == 1, counts
    gaps = sorted(b - a for a, b in itertools.pairwise(at))
    assert gaps[len(gaps) // 2] >= delay * 1000 * 0.6, gaps  # median gap: the model's pace, not a frame's
    assert at[-1] - at[0] >= (counts[-1] - 1) * delay * 1000 * 0.6, times


def test_dark_theme_keyboard_and_no_match(browser: Any, live_server: str, screenshots: Path) -> None:
    from playwright.sync_api import expect

    with httpx.Client(base_url=live_server) as http:
        email = register(http.post)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, color_scheme="dark")
    page = context.new_page()
    page.goto(f"{live_server}/login?next=/chat")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")
    page.wait_for_url(f"{live_server}/chat")
    # From the prompt, Tab reaches Send and then the first example, with a visible focus ring;
    # Enter on the example sends its prompt.
    page.get_by_label("Your request").click()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=DONE_PROMPT)).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(page.locator("[data-chat-result]")).to_be_visible(timeout=30_000)
    expect(page.locator("body")).to_have_css("background-color", "rgb(14, 17, 22)")
    page.screenshot(path=str(screenshots / "chat-dark.png"), full_page=True)

    # No match: the relax advice and the nearest offers, rendered by the script as by the server.
    page.get_by_label("Your request").fill("8x H100 under $1/h")
    page.get_by_label("Your request").press("Enter")
    nomatch = page.locator(".chat-msg-assistant").nth(1).locator("section.chat-nomatch")
    expect(nomatch).to_contain_text("Try relaxing:", timeout=30_000)
    assert nomatch.locator(".rec-card a.rec-name").count() >= 1
    context.close()


def test_an_error_event_is_shown_and_the_prompt_comes_back(browser: Any, live_server: str) -> None:
    from playwright.sync_api import Route, expect

    with httpx.Client(base_url=live_server) as http:
        email = register(http.post)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/login?next=/chat")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")
    page.wait_for_url(f"{live_server}/chat")

    # A run that fails after it started: the stream says so with an `error` event, then `end`.
    body = (
        'event: metadata\ndata: {"run_id": "r1", "thread_id": "t1"}\n\n'
        'event: tool_start\ndata: {"id": "c1", "name": "search_offers", "args": {}}\n\n'
        'event: tool_end\ndata: {"id": "c1", "name": "search_offers", "ok": false, "error": "database is down"}\n\n'
        'event: error\ndata: {"code": "run_failed", "message": "RuntimeError: the model went away"}\n\n'
        "event: end\ndata: {}\n\n"
    )

    def stream(route: Route) -> None:
        assert route.request.headers["authorization"].startswith("Bearer ")
        route.fulfill(status=200, headers={"content-type": "text/event-stream"}, body=body)

    page.route("**/ai/chat/stream", stream)
    page.get_by_label("Your request").fill("4x A100")
    page.get_by_role("button", name="Send").click()
    turn = page.locator(".chat-msg-assistant")
    expect(turn.get_by_role("alert")).to_have_text("RuntimeError: the model went away")
    expect(turn.locator(".tool-line")).to_have_text("Searching offers failed: database is down")
    expect(turn.locator(".tool-line")).to_have_attribute("data-state", "failed")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    expect(page.get_by_label("Your request")).to_have_value("4x A100")
    # An empty prompt is not sent: the page says why.
    page.get_by_label("Your request").fill("  ")
    page.get_by_label("Your request").press("Enter")
    expect(page.locator("[data-chat-error]").get_by_role("alert")).to_contain_text("the prompt is empty")
    assert page.locator(".chat-msg-assistant").count() == 1
    context.close()


# --- conversations: listed, reopened, in other languages ---------------------------------------------


def test_conversations_are_listed_and_reopen_with_all_their_turns(signed_in: TestClient) -> None:
    first = ask(signed_in, "8x H100 in Germany")
    thread = first.find("input", name="thread_id").get("value")
    ask(signed_in, "make it spot", thread)
    ask(signed_in, "¿Qué es NVLink?")
    page = parse(signed_in.get("/chat").text)
    listed = page.find("nav", data_chat_threads=True).find_all("a")
    titles = [a.text() for a in listed]
    # Newest first, each titled by its first request.
    assert titles[:2] == ["¿Qué es NVLink?", "8x H100 in Germany"]
    assert listed[1].get("href") == f"/chat?thread={thread}"

    reopened = parse(signed_in.get(f"/chat?thread={thread}").text)
    texts = [p.text() for p in reopened.find_all("p", cls="chat-text")]
    assert texts[0] == "8x H100 in Germany" and texts[2] == "make it spot"
    assert "Kept from earlier" in texts[3] and "H100" in texts[3]
    assert reopened.find("input", name="thread_id").get("value") == thread
    current = reopened.find("nav", data_chat_threads=True).find("a", aria_current="page")
    assert current.text() == "8x H100 in Germany"


def test_another_users_conversation_does_not_open(client: TestClient, signed_in: TestClient) -> None:
    thread = ask(signed_in, "H100 in Europe").find("input", name="thread_id").get("value")
    signed_in.cookies.clear()
    email = register(client.post)
    r = client.post(
        "/login", data={"email": email, "password": PASSWORD, "next": "/chat"}, follow_redirects=False
    )
    assert r.status_code == 303
    r = client.get(f"/chat?thread={thread}")
    assert r.status_code == 404
    assert "not available" in alert(parse(r.text))
    assert client.get("/chat?thread=no-such-thread").status_code == 404


def test_the_answer_comes_in_the_users_language(signed_in: TestClient) -> None:
    doc = ask(signed_in, "Ich brauche zwei H100 in Deutschland für eine Woche")
    answer = doc.find("p", cls="chat-answer").text()
    assert "Angebote" in answer and "pro Stunde" in answer and "auf Abruf" in answer
    doc = ask(signed_in, "asdkjh qwpoe zxmnv")
    assert doc.find("p", cls="chat-answer").text().startswith("I did not understand")
    assert not doc.find_all("li", cls="rec-card")


def test_conversation_list_streamed_languages_and_reopening_in_a_browser(
    browser: Any, live_server: str, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    with httpx.Client(base_url=live_server) as http:
        email = register(http.post)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(SAMPLE_ANSWER)
    page = context.new_page()
    sign_in(page, live_server, email)
    threads = page.get_by_role("navigation", name="Your conversations")
    expect(threads.get_by_text("No conversations yet.")).to_be_visible()

    prompt = page.get_by_label("Your request")
    prompt.fill("¿cuánto cuesta una A100 en Francia durante 3 días?")
    prompt.press("Enter")
    turn = page.locator(".chat-msg-assistant").first
    expect(turn.locator("[data-chat-result]")).to_be_attached(timeout=30_000)
    expect(turn.locator("[data-answer]")).to_contain_text("ofertas cumplen")
    expect(turn.locator("[data-answer]")).to_contain_text("bajo demanda")
    # The answer was written over many frames, not at once.
    lengths = [n for n in page.evaluate("window.__answerLengths") if n > 0]
    assert len(lengths) >= 5, lengths
    # The new conversation is at the top of the list, current.
    first = threads.get_by_role("link").first
    expect(first).to_have_text("¿cuánto cuesta una A100 en Francia durante 3 días?")
    expect(first).to_have_attribute("aria-current", "page")

    prompt.fill("el segundo para una semana")
    prompt.press("Enter")
    second = page.locator(".chat-msg-assistant").nth(1)
    expect(second.locator("[data-answer]")).to_contain_text("de mi última respuesta", timeout=30_000)
    expect(second.locator("[data-answer]")).to_contain_text("Mantenido de mensajes anteriores")
    page.screenshot(path=str(screenshots / "chat-es-thread.png"), full_page=True)

    # A new conversation, then back to the first one from the list.
    page.get_by_role("link", name="New conversation").click()
    page.wait_for_url(f"{live_server}/chat")
    prompt = page.get_by_label("Your request")
    prompt.fill("Was ist FP8?")
    prompt.press("Enter")
    expect(page.locator(".chat-msg-assistant").first.locator("[data-answer]")).to_contain_text(
        "Aus meinen Quellen", timeout=30_000
    )
    expect(threads.get_by_role("link")).to_have_count(2)
    threads.get_by_role("link", name="¿cuánto cuesta una A100 en Francia durante 3 días?").click()
    page.wait_for_url(re.compile(r"/chat\?thread="))
    expect(page.locator(".chat-msg")).to_have_count(4)
    expect(page.locator(".chat-msg-assistant").last).to_contain_text("Mantenido de mensajes anteriores")
    page.screenshot(path=str(screenshots / "chat-conversations.png"), full_page=True)
    context.close()
