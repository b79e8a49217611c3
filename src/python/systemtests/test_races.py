"""No double booking under contention, through the whole system: the API layer's one booking
command to the real reservations service and Redis, many requests racing for the same seats."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from systemtests.stack import Stack
from systemtests.system import (
    assert_holds_are_bookings,
    book_all,
    bookings_of,
    flights_today,
    free_seats,
    holders,
    replayed_events,
)


def test_300_single_seat_bookings_over_60_seats_book_each_seat_once(stack: Stack) -> None:
    flight_id = flights_today(stack)[0]
    seats = free_seats(stack, flight_id)[:60]
    assert len(seats) == 60
    # Five customers want each seat, all at the same moment.
    bookings_asked = [(f"race-{i}", [seats[i % 60]]) for i in range(300)]

    outcomes = asyncio.run(
        book_all(stack.api_url, flight_id, bookings_asked, timeout=30, token=stack.token)
    )

    statuses = Counter(outcome.status for outcome in outcomes)
    assert statuses == {201: 60, 409: 240}, [o for o in outcomes if o.status not in (201, 409)]
    winners = {o.seats[0]: o.customer_id for o in outcomes if o.status == 201}
    assert sorted(winners) == sorted(seats)  # every seat has exactly one winner
    assert holders(stack, flight_id) == winners
    assert replayed_events(stack, flight_id) == winners
    for outcome in outcomes:
        if outcome.status == 409:
            assert outcome.content_type.startswith("application/problem+json")
    # Exactly one booking record per winner, holding its seat; none for the losers.
    bookings = bookings_of(stack, {c for c, _ in bookings_asked})
    assert sorted(b["id"] for b in bookings) == sorted(
        o.booking_id for o in outcomes if o.status == 201
    )
    assert_holds_are_bookings(stack, flight_id, {c for c, _ in bookings_asked})


def test_overlapping_multi_seat_bookings_are_all_or_nothing_and_refused_only_for_sold_seats(
    stack: Stack,
) -> None:
    flight_id = flights_today(stack)[1]
    pool = free_seats(stack, flight_id)[:30]
    rng = random.Random(8)  # noqa: S311 - a reproducible test workload
    asked = [(f"multi-{i}", rng.sample(pool, rng.randint(2, 4))) for i in range(200)]

    outcomes = asyncio.run(
        book_all(stack.api_url, flight_id, asked, timeout=30, token=stack.token)
    )

    assert {o.status for o in outcomes} <= {201, 409}, [
        o for o in outcomes if o.status not in (201, 409)
    ]
    booked = [o for o in outcomes if o.status == 201]
    assert booked  # someone got seats
    expected = {seat: o.customer_id for o in booked for seat in o.seats}
    assert holders(stack, flight_id) == expected  # winners hold all their seats, losers none
    assert len(expected) == sum(len(o.seats) for o in booked)  # no seat in two bookings
    assert replayed_events(stack, flight_id) == expected
    # One atomic step per booking: a booking is refused only for a seat that is sold.
    spurious = [o for o in outcomes if o.status == 409 and not set(o.seats) & expected.keys()]
    assert not spurious, spurious[:3]
    assert_holds_are_bookings(stack, flight_id, {customer for customer, _ in asked})
