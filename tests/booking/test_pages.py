"""The booking pages as a user sees them, through TestClient on both backends: the Book form of the
offer page, the list with its state badges and empty state, a booking's timeline and buttons, and
the same refusals as the API (another team's booking, an auditor, bad input)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from tests.booking.conftest import PASSWORD, Account, QuietProvisioner, create, invite, register
from tests.support import use_page_token
from tests.web.dom import Element, parse


def browser_of(app: Any, who: Account) -> TestClient:
    """A client of its own (its own cookie jar), signed in through the login form."""
    client = TestClient(app)
    r = client.post(
        "/login", data={"email": who.email, "password": PASSWORD, "next": "/"}, follow_redirects=False
    )
    assert r.status_code == 303, r.text[:300]
    use_page_token(client)
    return client


def page(client: TestClient, url: str, status: int = 200) -> Element:
    r = client.get(url)
    assert r.status_code == status, r.text[:500]
    return parse(r.text)


def book(web: TestClient, offer_id: str, hours: str = "2", key: str = "") -> Any:
    data = {"offer_id": offer_id, "hours": hours, "idempotency_key": key}
    return web.post("/account/bookings", data=data, follow_redirects=False)


def buttons(doc: Element) -> list[str]:
    return [b.text() for b in doc.find("main").find_all("button")]


def test_signing_in_is_needed(client: TestClient, offer_id: str) -> None:
    r = client.get("/account/bookings", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/account/bookings"
    r = client.post("/account/bookings", data={"offer_id": offer_id, "hours": "1"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next=/offers/{offer_id}"
    offer = page(client, f"/offers/{offer_id}")
    assert offer.find("a", href=f"/login?next=/offers/{offer_id}").text() == "Sign in to book"
    assert not offer.find_all("form", action="/account/bookings")


def test_empty_state_then_book_from_the_offer_page(
    client: TestClient, app: Any, quiet: QuietProvisioner, alice: Account, offer_id: str
) -> None:
    web = browser_of(app, alice)
    empty = page(web, "/account/bookings")
    assert empty.find("h1").text() == "Bookings"
    assert empty.find(cls="empty-state").find("h3").text() == "No bookings yet"
    assert "Bookings" in [a.text() for a in empty.find("nav", cls="site-nav").find_all("a")]

    form = page(web, f"/offers/{offer_id}").find("form", action="/account/bookings")
    assert form.find("input", name="offer_id").get("value") == offer_id
    key = form.find("input", name="idempotency_key").get("value") or ""
    assert len(key) == 32
    assert form.find("button").text() == "Book"

    r = book(web, offer_id, "3", key)
    assert r.status_code == 303
    location = urlsplit(r.headers["location"])
    assert location.path.startswith("/account/bookings/") and parse_qs(location.query) == {
        "done": ["submitted"]
    }
    booking_id = location.path.rsplit("/", 1)[1]
    # The same form posted again (a double click) is the same booking, not a second one.
    assert book(web, offer_id, "3", key).headers["location"] == f"/account/bookings/{booking_id}"

    detail = page(web, r.headers["location"])
    assert detail.find(cls="price-box").find("span", data_state=True).get("data-state") == "pending_provision"
    assert "The provider is starting the instance" in detail.find("p", cls="notice-ok").text()
    assert detail.find("meta", http_equiv="refresh").get("content") == "3"
    steps = [li.get("data-step") for li in detail.find("ol", cls="timeline").find_all("li")]
    assert steps == ["created", "pending_provision"]
    assert buttons(detail) == ["Cancel booking"]
    assert quiet.provisioned == [f"quiet-{booking_id}"]

    listing = page(web, "/account/bookings")
    rows = listing.find("table", cls="bookings").find("tbody").find_all("tr")
    assert [r.get("data-booking-id") for r in rows] == [booking_id]
    assert rows[0].find("span", cls="badge").text() == "Provisioning"
    assert listing.find("h2", cls="result-count").get("data-total") == "1"


def test_cancel_button_and_the_timeline(
    client: TestClient, app: Any, quiet: QuietProvisioner, alice: Account, offer_id: str
) -> None:
    web = browser_of(app, alice)
    booking_id = urlsplit(book(web, offer_id).headers["location"]).path.rsplit("/", 1)[1]
    r = web.post(f"/account/bookings/{booking_id}/cancel", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/account/bookings/{booking_id}?done=cancelled"
    detail = page(web, r.headers["location"])
    assert detail.find("span", data_state=True).text() == "Cancelled"
    assert buttons(detail) == []
    assert not detail.find_all("meta", http_equiv="refresh")
    timeline = [li.find("span", cls="what").text() for li in detail.find("ol", cls="timeline").find_all("li")]
    assert timeline == ["Created as a draft", "Draft → Provisioning", "Provisioning → Cancelled"]
    # A second cancel is refused with both states, on the page, with the API's status.
    again = web.post(f"/account/bookings/{booking_id}/cancel", follow_redirects=False)
    assert again.status_code == 409
    assert "cancelled to cancelled" in parse(again.text).find("p", cls="notice-error").text()

    filtered = page(web, "/account/bookings?state=cancelled")
    assert filtered.find("select", name="state").find("option", selected=True).get("value") == "cancelled"
    assert len(filtered.find("tbody").find_all("tr")) == 1
    none_active = page(web, "/account/bookings?state=active")
    assert none_active.find(cls="empty-state").find("h3").text() == "No active bookings"


def test_a_draft_shows_submit_and_a_provider_error_keeps_it(
    client: TestClient, app: Any, alice: Account, offer_id: str
) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    from tests.booking.conftest import tune

    tune(app, sandbox_provider_url=f"http://127.0.0.1:{port}", http_timeout_s=2)
    web = browser_of(app, alice)
    r = book(web, offer_id)
    assert r.status_code == 303 and "error=" in r.headers["location"]
    detail = page(web, r.headers["location"])
    assert "Created, but not submitted" in detail.find("p", cls="notice-error").text()
    assert buttons(detail) == ["Submit", "Cancel booking"]
    booking_id = urlsplit(r.headers["location"]).path.rsplit("/", 1)[1]
    failed = web.post(f"/account/bookings/{booking_id}/submit", follow_redirects=False)
    assert failed.status_code == 502
    assert "could not be reached" in parse(failed.text).find("p", cls="notice-error").text()


def test_another_teams_booking_is_not_found(
    client: TestClient, app: Any, quiet: QuietProvisioner, alice: Account, mallory: Account, offer_id: str
) -> None:
    booking = create(client, alice, offer_id)
    web = browser_of(app, mallory)
    doc = page(web, f"/account/bookings/{booking['id']}", 404)
    assert doc.find("h1").text() == "Booking not found"
    r = web.post(f"/account/bookings/{booking['id']}/cancel", follow_redirects=False)
    assert r.status_code == 404
    assert page(web, "/account/bookings").find(cls="empty-state")


def test_an_auditor_sees_no_buttons_and_is_refused(
    client: TestClient, app: Any, quiet: QuietProvisioner, alice: Account, offer_id: str
) -> None:
    booking = create(client, alice, offer_id)
    auditor = invite(client, alice, "auditor")
    web = browser_of(app, auditor)
    detail = page(web, f"/account/bookings/{booking['id']}")
    assert buttons(detail) == []
    assert not page(web, f"/offers/{offer_id}").find_all("form", action="/account/bookings")
    r = web.post(f"/account/bookings/{booking['id']}/submit", follow_redirects=False)
    assert (
        r.status_code == 403 and "may look at bookings" in parse(r.text).find("p", cls="notice-error").text()
    )
    r = book(web, offer_id)
    assert r.status_code == 403
    assert quiet.provisioned == []


def test_bad_form_input_names_the_problem(
    client: TestClient, app: Any, alice: Account, offer_id: str
) -> None:
    web = browser_of(app, alice)
    for hours, status in (("", 422), ("lots", 422), ("-2", 422), ("99999", 422), ("nan", 422)):
        r = book(web, offer_id, hours)
        assert r.status_code == status, hours
        assert "hours" in parse(r.text).find("p", cls="notice-error").text()
    r = book(web, "no-such-offer")
    assert r.status_code == 422 and "no offer" in r.text
    assert page(web, "/account/bookings?state=bogus&page=zzz").find("p", cls="notice-warn")


def test_another_user_of_the_team_sees_the_teams_bookings(
    client: TestClient, app: Any, quiet: QuietProvisioner, alice: Account, offer_id: str
) -> None:
    create(client, alice, offer_id)
    member = invite(client, alice, "user")
    rows = page(browser_of(app, member), "/account/bookings").find("tbody").find_all("tr")
    assert len(rows) == 1
    stranger = register(client)
    assert page(browser_of(app, stranger), "/account/bookings").find(cls="empty-state")
