"""Faults under load, container by container: a database out of reach, a service killed. The
API layer must answer 503 problem+json in bounded time (never a 500, never hang), report it in
/health, and recover by itself once the part is back. Afterwards every held seat belongs to a
booking, and every booking whose answer was lost is found again by its Idempotency-Key."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import httpx

from systemtests.stack import Stack
from systemtests.system import (
    BookingLoad,
    Outcome,
    assert_holds_are_bookings,
    book,
    bookings_of,
    flights_today,
    free_seats,
    health,
    wait_for,
)

# The API's worst case for one booking: reservations' Redis timeouts are about 1.5 s, the
# API's read timeout 3 s per attempt; anything near the client's 15 s would be a hang.
BOUNDED = 10.0


def assert_clean_failures(outcomes: list[Outcome], allowed: set[int]) -> None:
    unexpected = [o for o in outcomes if o.status not in allowed]
    assert not unexpected, unexpected[:5]
    slow = [o for o in outcomes if o.elapsed > BOUNDED]
    assert not slow, slow[:5]
    for outcome in outcomes:
        if outcome.status >= 500:
            assert outcome.content_type.startswith("application/problem+json"), outcome
            assert '"detail"' in outcome.body, outcome


def settle(stack: Stack, load: BookingLoad) -> None:
    """Retry every booking that got no definite answer with its Idempotency-Key: each is
    201 (the booking it made, or makes now) or 409 (a seat is held), and no customer ends
    up with two bookings. Then every held seat is a booking's and vice versa."""
    with httpx.Client(base_url=stack.api_url, timeout=15) as client:
        answers = {
            o.customer_id: book(
                client, o.flight_id, o.customer_id, o.seats, o.key, token=stack.token
            )
            if o.status not in (201, 409)
            else o
            for o in load.outcomes
        }
    unsettled = [o for o in answers.values() if o.status not in (201, 409)]
    assert not unsettled, unsettled[:5]
    bookings = bookings_of(stack, answers)
    per_customer = Counter(str(b["customer_id"]) for b in bookings)
    assert max(per_customer.values(), default=1) == 1, per_customer.most_common(3)
    made = {str(b["customer_id"]): b["id"] for b in bookings}
    for outcome in answers.values():
        if outcome.status == 201:
            assert made[outcome.customer_id] == outcome.booking_id, outcome
        else:
            assert outcome.customer_id not in made, outcome
    for flight_id in {flight for flight, _ in load.work}:
        assert_holds_are_bookings(stack, flight_id, answers)


class Probe:
    """Single bookings on seats of their own, to tell when booking works again."""

    def __init__(self, stack: Stack, flight_id: int) -> None:
        self.stack = stack
        self.client = httpx.Client(base_url=stack.api_url, timeout=15)
        self.flight_id = flight_id
        self.seats = iter(free_seats(stack, flight_id))
        self.count = 0

    def books(self) -> bool:
        self.count += 1
        outcome = book(
            self.client,
            self.flight_id,
            f"probe-{self.count}",
            [next(self.seats)],
            token=self.stack.token,
        )
        assert outcome.status in (201, 503), outcome
        return outcome.status == 201


def load_on(stack: Stack, flights: list[int], **options: Any) -> BookingLoad:
    seats = {f: free_seats(stack, f) for f in flights}
    return BookingLoad(lambda: stack.api_url, seats, token=stack.token, **options)


def test_redis_out_of_reach_during_bookings(stack: Stack) -> None:
    flights = flights_today(stack)
    probe = Probe(stack, flights[12])
    with load_on(stack, flights[2:4]) as load:
        time.sleep(1)
        with stack.partitioned("redis"):
            time.sleep(1.5)  # requests in flight when Redis went away time out meanwhile
            status, verdict = health(stack)
            assert (status, verdict) == (503, "fail")
            during = len(load.outcomes)
            time.sleep(3)
            assert any(o.status == 503 for o in load.outcomes[during:]), [
                (o.status, round(o.elapsed, 2), o.body[:200]) for o in load.outcomes[-8:]
            ]
        wait_for(lambda: health(stack) == (200, "pass"), 30, "health after Redis came back")
        wait_for(probe.books, 20, "bookings succeed again")  # nothing was restarted
    assert_clean_failures(load.outcomes, {201, 503})
    settle(stack, load)


def test_redis_stopped_and_started_again(stack: Stack) -> None:
    flights = flights_today(stack)
    probe = Probe(stack, flights[12])
    with load_on(stack, flights[4:6]) as load:
        time.sleep(1)
        with stack.stopped("redis"):
            wait_for(lambda: health(stack) == (503, "fail"), 10, "health fails without Redis")
            time.sleep(2)
        wait_for(lambda: health(stack) == (200, "pass"), 30, "health after Redis restarted")
        wait_for(probe.books, 20, "bookings succeed again")
    assert any(o.status == 503 for o in load.outcomes)
    assert_clean_failures(load.outcomes, {201, 503})
    # No settle(): the test Redis keeps nothing on disk, so the restart emptied it.


def test_mysql_out_of_reach_seat_maps_serve_from_cache_or_503(stack: Stack) -> None:
    flight_ids = flights_today(stack)
    cached, uncached = flight_ids[6], flight_ids[7]
    api = httpx.Client(base_url=stack.api_url, timeout=15)
    assert api.get(f"/flights/{cached}/seats").status_code == 200  # now in the API's cache
    with stack.partitioned("mysql"):
        time.sleep(1)
        answers = [api.get(f"/flights/{cached}/seats") for _ in range(3)]
        answers += [api.get(f"/flights/{uncached}/seats"), api.get("/flights?origin=JFK")]
        for response in answers:
            assert response.status_code in (200, 503), response.text
            assert response.elapsed.total_seconds() < BOUNDED
            if response.status_code == 503:
                assert response.headers["content-type"].startswith("application/problem+json")
        assert answers[-1].status_code == 503  # a search needs the database
        assert health(stack) == (503, "fail")
    wait_for(lambda: health(stack) == (200, "pass"), 30, "health after MySQL came back")
    assert api.get(f"/flights/{uncached}/seats").status_code == 200
    assert api.get("/flights?origin=JFK").status_code == 200


def test_reservations_killed_mid_load_degrades_and_recovers(stack: Stack) -> None:
    flights = flights_today(stack)
    probe = Probe(stack, flights[12])
    reservations = stack.container("reservations")
    with load_on(stack, flights[8:10], size=3) as load:
        time.sleep(1)
        reservations.kill()  # SIGKILL: no graceful anything
        time.sleep(2)
        assert health(stack)[0] == 503
        reservations.start()
        wait_for(lambda: health(stack) == (200, "pass"), 30, "health after reservations restarted")
        wait_for(probe.books, 20, "bookings succeed again")
    assert any(o.status == 503 for o in load.outcomes)
    assert_clean_failures(load.outcomes, {201, 503})
    settle(stack, load)


def test_the_api_killed_three_times_mid_load_loses_and_duplicates_nothing(stack: Stack) -> None:
    """No replica keeps booking state: a SIGKILL at any moment leaves every held seat in a
    booking, and each request that got no answer, repeated with its key, finds its booking
    or makes it, never a second one (docs/adr/0014)."""
    api = stack.container("api")
    # About 45 bookings a second for 10 s: the load outlasts three kills and restarts.
    with load_on(stack, flights_today(stack)[19:31], size=4, threads=6) as load:
        for _ in range(3):
            time.sleep(1)
            api.kill()
            time.sleep(0.5)
            api.start()
            wait_for(lambda: health(stack) == (200, "pass"), 30, "the API back after SIGKILL")
    assert any(o.status == 0 for o in load.outcomes)  # the kills cut requests off
    assert_clean_failures(load.outcomes, {0, 201})
    settle(stack, load)
