"""The web front end in a real headless Chromium (Debian's, driven by Playwright) against the
whole stack: sign in at the dev issuer, search, pick two seats on a 787-9's cabin, book, see
them as mine, cancel one; another customer's browser sees them taken; a seat someone takes
between page load and booking gives the "taken meanwhile" message.

Controls are found the way a screen reader user finds them, by role and accessible name
("Seat 33A, window, free"): if the labels go, these tests fail.

WEB_SCREENSHOT_DIR (optional): save the search page and the cabin there (docs/images).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from systemtests.stack import Stack

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Tomorrow's wide-body flights: the other system tests book on today's.
ROUTE = ("MIA", "LHR")  # one Boeing 787-9 a day
TOMORROW = str(datetime.now(UTC).date() + timedelta(days=1))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        # --no-sandbox: tests run as root in CI, where Chromium's sandbox refuses to start.
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def signed_in(browser: Browser, stack: Stack, customer: str) -> Page:
    """A browser of its own (cookies included) for ``customer``, signed in through the dev
    issuer's page, as a person would."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    page.goto(stack.url("web"))
    page.get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign in (development)")).to_be_visible()
    page.get_by_label("Name").fill(customer)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text(f"Signed in as {customer}").first).to_be_visible()
    return page


def flight_page(page: Page, stack: Stack) -> str:
    """Search for tomorrow's flight on ROUTE and open its cabin; returns its URL."""
    page.goto(stack.url("web"))
    page.get_by_label("From").fill(ROUTE[0])
    page.get_by_label("To").fill(ROUTE[1])
    page.get_by_label("Date").fill(TOMORROW)
    page.get_by_role("button", name="Search").click()
    results = page.get_by_role("heading", name=re.compile(r"^1 flight from MIA to LHR"))
    expect(results).to_be_visible()
    page.get_by_role("link", name=re.compile("^Choose seats on")).click()
    expect(page.get_by_role("heading", name=re.compile("Boeing 787-9"))).to_be_visible()
    return page.url


def seat(page: Page, number: str, state: str) -> Locator:
    return page.get_by_role("checkbox", name=re.compile(rf"^Seat {number}, .*, {state}$"))


def test_search_pick_two_seats_book_see_them_as_mine_and_cancel_one(
    browser: Browser, stack: Stack
) -> None:
    alice = signed_in(browser, stack, "alice-web")
    cabin = flight_page(alice, stack)
    screenshots = os.environ.get("WEB_SCREENSHOT_DIR")

    # Keyboard: focus a seat, Space chooses it, the arrow key moves to the next free seat.
    first = alice.get_by_role("checkbox", name="Seat 33A, window, free")
    first.focus()
    alice.keyboard.press("Space")
    alice.keyboard.press("ArrowRight")
    expect(alice.get_by_role("checkbox", name="Seat 33B, middle, free")).to_be_focused()
    alice.keyboard.press("Space")
    expect(alice.locator("#selection")).to_have_text("2 seats chosen: 33A, 33B")
    if screenshots:
        alice.screenshot(path=str(Path(screenshots, "web-cabin-787.png")), full_page=True)
    alice.get_by_role("button", name="Book the chosen seats").click()

    expect(alice.get_by_role("status")).to_contain_text("Booked 33A, 33B on flight")
    alice.goto(cabin)
    for number in ("33A", "33B"):
        mine = alice.get_by_role("checkbox", name=re.compile(rf"^Seat {number}, .*, yours$"))
        expect(mine).to_be_disabled()

    # Another customer sees them taken (and cannot choose them).
    bob = browser.new_context().new_page()
    bob.goto(cabin)
    for number in ("33A", "33B"):
        expect(seat(bob, number, "taken")).to_be_disabled()

    # Cancel one seat: it is free again for everyone, the other stays alice's.
    alice.get_by_role("link", name="My bookings").click()
    alice.get_by_role("button", name=re.compile(r"^Cancel seat 33A on flight")).click()
    expect(alice.get_by_role("status")).to_contain_text("Seat 33A on flight")
    bob.reload()
    expect(seat(bob, "33A", "free")).to_be_enabled()
    expect(seat(bob, "33B", "taken")).to_be_disabled()

    if screenshots:
        alice.goto(
            f"{stack.url('web')}/?origin={ROUTE[0]}&destination={ROUTE[1]}&date={TOMORROW}"
        )
        alice.screenshot(path=str(Path(screenshots, "web-search.png")), full_page=True)


def test_a_seat_taken_between_page_load_and_booking_gives_the_taken_message(
    browser: Browser, stack: Stack
) -> None:
    carol = signed_in(browser, stack, "carol-web")
    flight_page(carol, stack)
    flight_id = int(carol.url.rstrip("/").rsplit("/", 1)[1])
    carol.get_by_role("checkbox", name="Seat 34C, aisle, free").check()
    carol.get_by_role("checkbox", name="Seat 34D, aisle, free").check()

    # Meanwhile someone else books 34C through the API.
    taken = httpx.post(
        f"{stack.api_url}/bookings",
        json={"flight_id": flight_id, "seats": ["34C"]},
        headers=stack.auth("dave-web"),
        timeout=10,
    )
    assert taken.status_code == 201, taken.text

    carol.get_by_role("button", name="Book the chosen seats").click()
    expect(carol.get_by_role("alert")).to_contain_text(
        "34C was taken by someone else a moment ago. Nothing was booked"
    )
    expect(seat(carol, "34C", "taken")).to_be_disabled()
    # The seat still free stays chosen, ready to book again.
    expect(carol.get_by_role("checkbox", name="Seat 34D, aisle, free")).to_be_checked()
    carol.get_by_role("button", name="Book the chosen seats").click()
    expect(carol.get_by_role("status")).to_contain_text("Booked 34D on flight")
