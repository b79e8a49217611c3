"""The pages over an in-memory API layer (fakes.py) and a fake issuer transport: what each
page shows, what each form sends, and how every refusal reads."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from web.app import create_app
from web.settings import Settings
from web.signin import Issuer
from web.tests.fakes import FLIGHT, FakeApi

SETTINGS = Settings(
    api_url="http://api.test:8080",
    oidc_issuer="http://issuer.test",
    oidc_client_id="flightres-api",
    public_url="http://web.test",
    secret_key="k" * 32,
)
FLIGHT_PAGE = f"/flights/{FLIGHT['id']}"


def token_for(customer: str) -> str:
    """An unsigned JWT-shaped token: the site only reads its name (the API layer verifies)."""
    claims = base64.urlsafe_b64encode(json.dumps({"sub": customer}).encode()).decode()
    return f"eyJhbGciOiJSUzI1NiJ9.{claims.rstrip('=')}.sig"


class FakeIssuer(Issuer):
    """The real flow with a canned transport: the code is the customer's name."""

    def _endpoint(self, name: str) -> str:
        return {"authorization_endpoint": "http://issuer.test/authorize",
                "token_endpoint": "http://issuer.test/token"}[name]

    def _post_form(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        self.sent = form
        return {"access_token": token_for(form["code"]), "token_type": "Bearer"}


@pytest.fixture()
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture()
def issuer() -> FakeIssuer:
    return FakeIssuer(SETTINGS.oidc_issuer, SETTINGS.oidc_client_id)


@pytest.fixture()
def browser(api: FakeApi, issuer: FakeIssuer) -> Iterator[FlaskClient]:
    app = create_app(SETTINGS, api=api, issuer=issuer)  # type: ignore[arg-type]
    with app.test_client() as client:
        yield client


def sign_in(browser: FlaskClient, customer: str = "alice", next_page: str = "/") -> Any:
    started = browser.get("/signin", query_string={"next": next_page})
    assert started.status_code == 302
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    return browser.get("/signin/callback", query_string={"state": state, "code": customer})


def csrf(browser: FlaskClient, page: str = "/") -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', browser.get(page).text)
    assert match, "the page has no CSRF field"
    return match.group(1)


def book(browser: FlaskClient, *seats: str, key: str = "key-1") -> Any:
    form = {"csrf": csrf(browser, FLIGHT_PAGE), "seat": list(seats), "idempotency_key": key}
    return browser.post(FLIGHT_PAGE, data=form)


# Search


def test_search_lists_the_flights_with_a_link_to_their_cabin(browser: FlaskClient) -> None:
    page = browser.get("/", query_string={"origin": "jfk", "destination": "LAX",
                                          "date": "2026-12-04"})
    assert page.status_code == 200
    assert "FR100" in page.text
    assert 'href="/flights/7"' in page.text
    assert "1 flight from JFK to LAX on 2026-12-04" in page.text


def test_a_bad_search_says_what_to_fix_without_calling_the_api(
    browser: FlaskClient, api: FakeApi
) -> None:
    page = browser.get("/", query_string={"origin": "J", "destination": "LAX"})
    assert page.status_code == 422
    assert "three-letter codes" in page.text
    page = browser.get("/", query_string={"origin": "JFK", "destination": "LAX",
                                          "date": "tomorrow"})
    assert page.status_code == 422
    assert "YYYY-MM-DD" in page.text
    assert api.calls == []


def test_the_api_down_is_a_page_that_says_try_again(browser: FlaskClient, api: FakeApi) -> None:
    api.down = True
    page = browser.get("/", query_string={"origin": "JFK", "destination": "LAX",
                                          "date": "2026-12-04"})
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert "cannot be reached right now" in page.text
    assert "Traceback" not in page.text
    api.down = False
    assert browser.get(FLIGHT_PAGE).status_code == 200  # and it recovers by itself


# The cabin


def test_every_seat_is_a_labelled_control_and_taken_ones_cannot_be_chosen(
    browser: FlaskClient, api: FakeApi
) -> None:
    api.held["1B"] = "someone-else"
    page = browser.get(FLIGHT_PAGE).text
    assert 'aria-label="Seat 1A, window, free"' in page
    assert re.search(r'value="1B" aria-label="Seat 1B, aisle, taken" disabled', page)
    assert 'aria-label="Seat 2D, window, exit row, free"' in page
    assert "7 seats free" in page
    assert "FR100 JFK → LAX" in page  # the flight, from the API layer


def test_an_unknown_flight_is_a_404_page(browser: FlaskClient) -> None:
    page = browser.get("/flights/99")
    assert page.status_code == 404
    assert "No flight with id 99" in page.text


# Booking


def test_booking_needs_a_signed_in_customer(browser: FlaskClient, api: FakeApi) -> None:
    response = book(browser, "1A")
    assert response.status_code == 302
    assert response.headers["location"] == "/signin?next=/flights/7"
    assert not api.bookings_made


def test_a_form_without_its_csrf_token_changes_nothing(
    browser: FlaskClient, api: FakeApi
) -> None:
    sign_in(browser)
    response = browser.post(FLIGHT_PAGE, data={"seat": ["1A"], "csrf": "forged"})
    assert response.status_code == 400
    assert "expired" in response.text
    assert not api.bookings_made


def test_booking_two_seats_shows_them_as_mine(browser: FlaskClient, api: FakeApi) -> None:
    sign_in(browser)
    response = book(browser, "1A", "1B", key="k-42")
    assert response.status_code == 303
    assert response.headers["location"] == "/bookings"
    assert api.calls[-1] == ("book", token_for("alice"), 7, ("1A", "1B"), "k-42")
    listing = browser.get("/bookings").text
    assert "Booked 1A, 1B on flight 7." in listing
    assert "FR100 JFK → LAX" in listing
    assert 'aria-label="Cancel seat 1A on flight 7"' in listing
    cabin = browser.get(FLIGHT_PAGE).text
    assert 'aria-label="Seat 1A, window, yours" disabled' in cabin
    assert "2 yours" in cabin


def test_a_seat_taken_meanwhile_redraws_the_cabin_with_a_message(
    browser: FlaskClient, api: FakeApi
) -> None:
    sign_in(browser)
    api.taken_before_booking = {"1B"}
    page = book(browser, "1A", "1B")
    assert page.status_code == 409
    assert "1B was taken by someone else a moment ago. Nothing was booked" in page.text
    assert 'value="1B" aria-label="Seat 1B, aisle, taken" disabled' in page.text
    assert re.search(r'value="1A" aria-label="Seat 1A, window, free" checked', page.text)


@pytest.mark.parametrize(
    ("seats", "message"),
    [((), "at least one"), (tuple(f"{r}{c}" for r in (1, 2, 3) for c in "ABCD")[:10], "at most 9"),
     (("1A", "1A"), "not seats"), (("99Z",), "not seats")],
)
def test_a_bad_choice_of_seats_is_explained(
    browser: FlaskClient, api: FakeApi, seats: tuple[str, ...], message: str
) -> None:
    sign_in(browser)
    page = book(browser, *seats)
    assert page.status_code == 422
    assert message in page.text
    assert not api.bookings_made


def test_an_expired_session_goes_back_to_sign_in(browser: FlaskClient, api: FakeApi) -> None:
    sign_in(browser)
    api.expired_tokens.add(token_for("alice"))
    response = browser.get("/bookings")
    assert response.status_code == 302
    assert response.headers["location"] == "/signin?next=/bookings"
    assert "Sign in" in browser.get("/").text  # the token is gone from the session


# My bookings


def test_cancelling_a_seat_and_then_the_booking(browser: FlaskClient, api: FakeApi) -> None:
    sign_in(browser)
    book(browser, "1A", "1B")
    token = csrf(browser, "/bookings")
    response = browser.post("/bookings/7/1A/cancel", data={"csrf": token})
    assert response.status_code == 303
    assert "1A" not in api.held
    assert api.held["1B"] == token_for("alice")
    booking_id = api.bookings_made[0]["id"]
    browser.post(f"/bookings/{booking_id}/cancel", data={"csrf": token})
    listing = browser.get("/bookings").text
    assert f"Booking {booking_id} is cancelled." in listing
    assert "Cancelled" in listing
    assert not api.held


def test_someone_elses_booking_cannot_be_cancelled(browser: FlaskClient, api: FakeApi) -> None:
    sign_in(browser, "alice")
    book(browser, "1A")
    booking_id = api.bookings_made[0]["id"]
    browser.post("/signout", data={"csrf": csrf(browser)})
    sign_in(browser, "bob")
    response = browser.post(f"/bookings/{booking_id}/cancel", data={"csrf": csrf(browser)})
    assert response.status_code == 404
    assert "You have no booking" in response.text
    assert api.bookings_made[0]["status"] == "confirmed"


# Signing in


def test_sign_in_sends_the_browser_to_the_issuer_with_pkce(
    browser: FlaskClient, issuer: FakeIssuer
) -> None:
    response = browser.get("/signin", query_string={"next": "/bookings"})
    location = urlsplit(response.headers["location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert location.netloc == "issuer.test"
    assert location.path == "/authorize"
    assert query["client_id"] == "flightres-api"
    assert query["response_type"] == "code"
    assert query["redirect_uri"] == "http://web.test/signin/callback"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    back = browser.get("/signin/callback", query_string={"state": query["state"], "code": "al"})
    assert back.status_code == 303
    assert back.headers["location"] == "/bookings"
    assert len(issuer.sent["code_verifier"]) >= 43
    assert "Signed in as <strong>al</strong>" in browser.get("/bookings").text


def test_a_return_that_this_browser_did_not_start_signs_nobody_in(
    browser: FlaskClient,
) -> None:
    browser.get("/signin")
    page = browser.get("/signin/callback", query_string={"state": "forged", "code": "mallory"})
    assert page.status_code == 400
    assert "Sign-in did not complete" in page.text
    assert "mallory" not in browser.get("/").text
    orphan = browser.get("/signin/callback", query_string={"state": "x", "code": "mallory"})
    assert orphan.status_code == 400


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_sign_in_returns_only_to_this_site(browser: FlaskClient, target: str) -> None:
    back = sign_in(browser, next_page=target)
    assert back.headers["location"] == "/"


def test_the_session_cookie_is_httponly_secure_and_lax(browser: FlaskClient) -> None:
    cookie = sign_in(browser).headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "SameSite=Lax" in cookie
