"""The Locust user that walks the journeys of journeys.py against the API layer.

Imports Locust, which monkey-patches the process with gevent: only runner.py imports this,
in the process that generates load.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from locust import HttpUser, task
from locust.clients import ResponseContextManager

from loadgen import journeys
from loadgen.journeys import JourneyOptions, Ledger, Outcome, Reply

REQUEST_TIMEOUT = 10.0  # seconds; the API answers 503 itself well before that


def reply_of(response: ResponseContextManager) -> Reply:
    if response.status_code == 0:  # no HTTP answer: the exception's kind (e.g. ReadTimeout)
        return Reply(0, error=type(response.error).__name__)
    try:
        body = response.json()
    except ValueError:
        body = None
    return Reply(response.status_code, response.headers.get("content-type", ""), body)


class BookingUser(HttpUser):
    """A customer. runner.py makes a concrete subclass carrying the run's options, ledger,
    run tag (customer ids are ``lg-<run tag>-<user number>``) and the development issuer's
    base URL, where each customer gets its bearer token when it starts."""

    abstract = True
    options: ClassVar[JourneyOptions]
    ledger: ClassVar[Ledger]
    seed: ClassVar[int | None]
    run_tag: ClassVar[str]
    issuer: ClassVar[str]
    numbers: ClassVar[Iterator[int]] = itertools.count()

    def on_start(self) -> None:
        number = next(self.numbers)
        self.rng = journeys.user_rng(self.seed, number)
        self.customer_id = f"lg-{self.run_tag}-{number}"
        self.token: str | None = None
        self.sign_in()

    def sign_in(self) -> bool:
        """Get this customer's bearer token from the development issuer (counted as
        ``POST /token``); False when it did not answer with one (tried again later)."""
        reply, outcome = self.call(
            "POST",
            f"{self.issuer}/token",
            journeys.TOKEN,
            journeys.classify_token,
            data={"customer": self.customer_id},
        )
        if outcome.ok:
            self.token = str(reply.body["access_token"])
        return outcome.ok

    def authorization(self) -> dict[str, str] | None:
        """The Authorization header of this customer's booking requests (None: no token,
        and the issuer still gives none)."""
        if self.token is None and not self.sign_in():
            return None
        return {"Authorization": f"Bearer {self.token}"}

    def wait_time(self) -> float:
        return self.rng.uniform(*self.options.pause)

    def think(self) -> None:
        # time.sleep is gevent's here (Locust monkey-patches it): other users run meanwhile.
        # Within a journey the user stays "running", so a graceful stop lets it finish.
        time.sleep(self.rng.uniform(*self.options.hold))

    @task
    def journey(self) -> None:
        kind = journeys.pick_journey(self.rng, self.options)
        if kind == "contended":
            self.contended()
        elif kind == "browse":
            self.browse()
        else:
            self.book_and_cancel()

    # --- journeys ------------------------------------------------------------------------

    def browse(self) -> None:
        flight = self.search_ordinary()
        if flight is not None:
            self.seats(flight["id"])

    def book_and_cancel(self) -> None:
        flight = self.search_ordinary()
        if flight is None:
            return
        seats = self.seats(flight["id"])
        if not seats:
            return
        wanted = journeys.choose_seats(seats, journeys.party_size(self.rng), self.rng)
        if not wanted:
            return  # full
        self.think()
        if not self.book(flight["id"], wanted, contended=False):
            return
        self.think()
        cancelled = journeys.cancel_plan(self.rng, wanted, self.options.cancel_share)
        for seat in cancelled:
            self.cancel(flight["id"], seat)
        if cancelled and self.rng.random() < self.options.repeat_cancel_share:
            self.cancel(flight["id"], cancelled[0], again=True)

    def contended(self) -> None:
        found = self.search(journeys.hot_search())
        if not found:
            return
        flight_id = found[0]["id"]
        seats = self.seats(flight_id)
        if not seats:
            return
        hot = journeys.hot_seats(seats, self.options.hot_seats)
        wanted = journeys.choose_contended(seats, hot, self.rng.randint(1, 2), self.rng)
        if not self.book(flight_id, wanted, contended=True):
            return
        self.think()  # hold the front row a moment, then give it back
        for seat in wanted:
            self.cancel(flight_id, seat)

    # --- requests ------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        name: str,
        classify: Callable[[Reply], Outcome],
        **kwargs: Any,
    ) -> tuple[Reply, Outcome]:
        """One request, counted under the name its outcome gives it, marked success or
        failure by ``classify`` (never by the status code alone)."""
        with self.client.request(
            method, path, name=name, catch_response=True, timeout=REQUEST_TIMEOUT, **kwargs
        ) as response:
            reply = reply_of(response)
            outcome = classify(reply)
            response.request_meta["name"] = outcome.name  # reported when the block exits
            if outcome.ok:
                response.success()
            else:
                response.failure(outcome.reason)
        return reply, outcome

    def search_ordinary(self) -> dict[str, Any] | None:
        """A flight of a random seeded route and date; a few tries, as some days a route
        is not flown."""
        today = datetime.now(UTC).date()
        for _ in range(3):
            found = self.search(journeys.pick_search(self.rng, today, self.options.days))
            if found:
                return self.rng.choice(found)
            if found is None:
                return None
        return None

    def search(self, criteria: Mapping[str, str]) -> list[dict[str, Any]] | None:
        """The flights found ([] when none), or None when the search failed."""
        reply, outcome = self.call(
            "GET",
            "/flights",
            journeys.SEARCH,
            lambda r: journeys.classify_search(r, criteria),
            params=dict(criteria),
        )
        return cast(list[dict[str, Any]], reply.body["items"]) if outcome.ok else None

    def seats(self, flight_id: int) -> list[journeys.Seat] | None:
        reply, outcome = self.call(
            "GET",
            f"/flights/{flight_id}/seats",
            journeys.SEATS,
            lambda r: journeys.classify_seats(r, flight_id),
        )
        return journeys.seats_of(reply.body) if outcome.ok else None

    def book(self, flight_id: int, seats: list[str], *, contended: bool) -> bool:
        authorization = self.authorization()
        if authorization is None:
            return False
        request = {"flight_id": flight_id, "seats": seats}  # the token says who books
        reply, outcome = self.call(
            "POST",
            "/bookings",
            journeys.BOOK_HOT if contended else journeys.BOOK,
            lambda r: journeys.classify_booking(r, request, self.customer_id, contended=contended),
            json=request,
            # As a careful client does: a retry after a lost answer could not book twice.
            headers={"Idempotency-Key": uuid.uuid4().hex, **authorization},
        )
        if reply.status == 201 and outcome.ok:
            self.ledger.booked(flight_id, self.customer_id, seats)
            return True
        return False

    def cancel(self, flight_id: int, seat: str, *, again: bool = False) -> None:
        authorization = self.authorization()
        if authorization is None:
            return
        reply, outcome = self.call(
            "DELETE",
            f"/bookings/{flight_id}/{seat}",
            journeys.CANCEL_AGAIN if again else journeys.CANCEL,
            lambda r: journeys.classify_cancel(r, again=again),
            headers=authorization,
        )
        if reply.status == 204:
            self.ledger.cancelled(flight_id, self.customer_id, seat)
