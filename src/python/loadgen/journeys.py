"""What simulated customers do, and how each answer is judged: plain Python, no Locust (so that
tests can import it without gevent's monkey-patching).

Journeys (one per Locust task run, picked at random):

- ``book``: search a seeded route on a date the seed covers, view the seat map of one of the
  flights found, book 1-4 free seats (side by side in a row when possible), then cancel some
  of them, sometimes twice (a double click: the second cancel finds the seat free, a 404).
- ``contended``: everyone wants the front seats of one "hot" flight (the first JFK-LHR flight
  the search returns). Book 1-2 of those seats, hold them briefly, cancel them all. Users race
  for the same few seats, so 409s are the expected outcome of many of these bookings.
- ``browse``: search and look at a seat map, book nothing.

Each simulated customer first gets a bearer token from the local development issuer
(``POST /token``, customer=<id>) and sends it with its booking requests: the customer is the
token's subject, so bodies and queries name none (docs/adr/0015).

Every answer is classified into an :class:`Outcome`: the Locust request name it is counted
under (expected 409s and 404s get their own name, e.g. ``POST /bookings [contended]``) and
whether it is a success. Any 5xx, connection error, undocumented status (a 401 included: the
tokens are good) or body that is not the documented shape (src/python/api/openapi.yaml) is a
failure.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, TypeGuard

# Request names as Locust counts them.
TOKEN = "POST /token"  # noqa: S105 - a request name; the development issuer, once per customer
SEARCH = "GET /flights"
SEATS = "GET /flights/{id}/seats"
BOOK = "POST /bookings"
BOOK_TAKEN = "POST /bookings [taken]"  # 409 of an ordinary booking: lost a race
BOOK_HOT = "POST /bookings [hot]"  # a booking of the hot seats (201, or a failure)
BOOK_CONTENDED = "POST /bookings [contended]"  # 409 of a hot-seat booking: expected
CANCEL = "DELETE /bookings/{id}/{seat}"
CANCEL_AGAIN = "DELETE /bookings/{id}/{seat} [again]"  # a repeated cancel (a failure)
# 404 of a repeated cancel: the customer holds the seat no more (free, or rebooked by someone
# else since: the API layer answers both alike, so nobody learns who holds a seat).
CANCEL_NOT_HELD = "DELETE /bookings/{id}/{seat} [not held]"

# Routes of src/python/flights/seed_data/routes.json (tests keep this copy honest); the seed
# flies each of them both ways every day, some of them with a weekday off.
SEED_ROUTES: tuple[tuple[str, str], ...] = (
    ("JFK", "LAX"),
    ("JFK", "SFO"),
    ("ATL", "BOS"),
    ("ATL", "DFW"),
    ("DFW", "LAX"),
    ("DFW", "ORD"),
    ("DFW", "MIA"),
    ("DEN", "DFW"),
    ("ORD", "SEA"),
    ("BOS", "JFK"),
    ("BOS", "ORD"),
    ("ATL", "MIA"),
    ("DEN", "SEA"),
    ("SFO", "SEA"),
    ("LAX", "SEA"),
    ("JFK", "LHR"),
    ("ORD", "LHR"),
    ("MIA", "LHR"),
    ("DFW", "NRT"),
    ("LAX", "NRT"),
)
# The hot flight: the first JFK-LHR flight by departure time (a daily 787 in the seed), which
# every user finds with the same search. Ordinary journeys leave this direction alone, so the
# contention on its front seats is only the deliberate one.
HOT_ROUTE = ("JFK", "LHR")
ORDINARY_ROUTES = tuple(
    leg
    for origin, destination in SEED_ROUTES
    for leg in ((origin, destination), (destination, origin))
    if leg != HOT_ROUTE
)

JourneyKind = Literal["book", "contended", "browse"]


@dataclass(frozen=True)
class JourneyOptions:
    """How users behave; the CLI sets these."""

    days: int = 3  # dates searched: today .. today + days - 1 (UTC); systemtests seed 3
    contention: float = 0.3  # share of journeys that go for the hot seats
    browse: float = 0.15  # share of journeys that only look
    hot_seats: int = 4  # the first seats of the hot flight's seat map
    cancel_share: float = 0.5  # share of bookings of which some seats are cancelled
    repeat_cancel_share: float = 0.2  # share of those where a cancel is sent twice
    pause: tuple[float, float] = (0.5, 2.0)  # think time between journeys, seconds
    hold: tuple[float, float] = (0.2, 1.0)  # think time within a journey, seconds


def user_rng(seed: int | None, index: int) -> random.Random:
    """Each user's own random choices: reproducible with a seed (timing is not)."""
    # Not for secrets: a reproducible simulation.
    return random.Random(None if seed is None else f"{seed}-{index}")  # noqa: S311


def pick_journey(rng: random.Random, options: JourneyOptions) -> JourneyKind:
    draw = rng.random()
    if draw < options.contention:
        return "contended"
    if draw < options.contention + options.browse:
        return "browse"
    return "book"


def pick_search(rng: random.Random, today: date, days: int) -> dict[str, str]:
    """Query parameters of an ordinary search: a seeded route on a seeded date."""
    origin, destination = rng.choice(ORDINARY_ROUTES)
    day = today + timedelta(days=rng.randrange(days))
    return {"origin": origin, "destination": destination, "departure_date": day.isoformat()}


def hot_search() -> dict[str, str]:
    origin, destination = HOT_ROUTE
    return {"origin": origin, "destination": destination, "limit": "1"}


def party_size(rng: random.Random) -> int:
    """How many seats a booking asks for: mostly one or two travellers."""
    return rng.choices((1, 2, 3, 4), weights=(40, 35, 15, 10))[0]


@dataclass(frozen=True)
class Seat:
    number: str
    row: int
    available: bool


def seats_of(seat_map: Mapping[str, Any]) -> list[Seat]:
    """Every seat of a (validated) seat map, front to back, left to right."""
    return [
        Seat(seat["number"], row["number"], seat["available"])
        for cabin in seat_map["cabins"]
        for row in cabin["rows"]
        for seat in row["seats"]
    ]


def hot_seats(seats: Sequence[Seat], count: int) -> list[str]:
    """The contended seats: the first ``count`` of the map, the same for every user."""
    return [seat.number for seat in seats[:count]]


def choose_seats(
    seats: Sequence[Seat], count: int, rng: random.Random, exclude: frozenset[str] = frozenset()
) -> list[str]:
    """Up to ``count`` free seats, side by side in one row when the map has such a block,
    else free seats anywhere; ``[]`` when the flight is full."""
    free = [s for s in seats if s.available and s.number not in exclude]
    count = min(count, len(free))
    if count == 0:
        return []
    rows: dict[int, list[Seat]] = {}
    for seat in seats:
        rows.setdefault(seat.row, []).append(seat)
    free_numbers = {s.number for s in free}
    blocks = [
        row_seats[i : i + count]
        for row_seats in rows.values()
        for i in range(len(row_seats) - count + 1)
        if all(s.number in free_numbers for s in row_seats[i : i + count])
    ]
    if blocks:
        return [s.number for s in rng.choice(blocks)]
    picked = set(rng.sample([s.number for s in free], count))
    return [s.number for s in free if s.number in picked]


def choose_contended(
    seats: Sequence[Seat], hot: Sequence[str], count: int, rng: random.Random
) -> list[str]:
    """``count`` of the hot seats: those the map shows free first, then taken ones (the
    customer insists on the front row, or looked at the map a moment too early)."""
    count = min(count, len(hot))
    free = {s.number for s in seats if s.available}
    wanted = [n for n in hot if n in free]
    picked = rng.sample(wanted, min(count, len(wanted)))
    rest = [n for n in hot if n not in picked]
    picked += rng.sample(rest, count - len(picked))
    return [n for n in hot if n in picked]


def cancel_plan(rng: random.Random, booked: Sequence[str], share: float) -> list[str]:
    """The booked seats this customer cancels: none, or a random non-empty subset."""
    if not booked or rng.random() >= share:
        return []
    picked = set(rng.sample(list(booked), rng.randint(1, len(booked))))
    return [n for n in booked if n in picked]


# ---------------------------------------------------------------------------------------------
# Answers and how they are judged


@dataclass(frozen=True)
class Reply:
    """What came back: status 0 when there was no HTTP answer (``error`` says why); ``body``
    is the parsed JSON, or None when the body is not JSON."""

    status: int
    content_type: str = ""
    body: Any = None
    error: str | None = None


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    reason: str = ""


class ShapeError(ValueError):
    """A body that is not the documented shape."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ShapeError(message)


_AIRPORT = re.compile(r"^[A-Z]{3}$")
_SEAT_NUM = re.compile(r"^[1-9][0-9]{0,2}[A-Z]$")
_CABIN_CLASSES = {"first", "business", "premium_economy", "economy"}
_POSITIONS = {"window", "aisle", "middle"}
_SEAT_KEYS = set("number column position cabin_class exit_row extra_legroom available".split())


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ShapeError(f"{what}: not an object")
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_str_list(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def check_token(body: object) -> None:
    """A bearer JWT in ``access_token``."""
    body = _object(body, "token response")
    token = body.get("access_token")
    _check(isinstance(token, str) and token.count(".") == 2, "token response: no JWT")
    _check(str(body.get("token_type", "")).lower() == "bearer", "token response: not Bearer")


def check_flight_page(body: object, criteria: Mapping[str, str]) -> list[dict[str, Any]]:
    """A FlightPage whose flights match the search's criteria; returns the flights."""
    body = _object(body, "FlightPage")
    items = body.get("items")
    if not isinstance(items, list):
        raise ShapeError("FlightPage: items is not a list")
    _check("next_cursor" in body, "FlightPage: no next_cursor")
    _check(body["next_cursor"] is None or isinstance(body["next_cursor"], str), "bad next_cursor")
    for flight in items:
        _check(isinstance(flight, dict), "Flight: not an object")
        _check(_is_int(flight.get("id")), "Flight: id is not an integer")
        for key in ("flight_no", "departure_date", "departure_time", "arrival_time"):
            _check(isinstance(flight.get(key), str), f"Flight: {key} is not a string")
        _check(isinstance(flight.get("aircraft_type"), str), "Flight: no aircraft_type")
        for key in ("origin", "destination", "departure_date"):
            if key in criteria:
                _check(flight.get(key) == criteria[key], f"Flight: {key} does not match search")
            elif key != "departure_date":
                _check(bool(_AIRPORT.match(str(flight.get(key)))), f"Flight: bad {key}")
    return items


def check_seat_map(body: object, flight_id: int) -> list[Seat]:
    """A SeatAvailability of the flight asked for, seat numbers unique; returns its seats."""
    body = _object(body, "SeatAvailability")
    _check(body.get("flight_id") == flight_id, "SeatAvailability: another flight_id")
    _check(isinstance(body.get("aircraft_type"), str), "SeatAvailability: no aircraft_type")
    _check(isinstance(body.get("configuration"), str), "SeatAvailability: no configuration")
    cabins = body.get("cabins")
    if not isinstance(cabins, list) or not cabins:
        raise ShapeError("SeatAvailability: no cabins")
    for cabin in cabins:
        _check(isinstance(cabin, dict), "cabin: not an object")
        _check(cabin.get("cabin_class") in _CABIN_CLASSES, "cabin: bad cabin_class")
        _check(_is_str_list(cabin.get("columns")), "cabin: columns")
        _check(_is_str_list(cabin.get("aisles_after")), "cabin: aisles_after")
        _check(isinstance(cabin.get("rows"), list), "cabin: rows is not a list")
        for row in cabin["rows"]:
            _check(isinstance(row, dict), "row: not an object")
            _check(_is_int(row.get("number")), "row: number")
            _check(isinstance(row.get("exit_row"), bool), "row: exit_row")
            _check(isinstance(row.get("seats"), list), "row: seats is not a list")
            for seat in row["seats"]:
                _check(isinstance(seat, dict) and set(seat) == _SEAT_KEYS, "seat: wrong keys")
                _check(bool(_SEAT_NUM.match(str(seat["number"]))), "seat: bad number")
                _check(seat["position"] in _POSITIONS, "seat: bad position")
                _check(seat["cabin_class"] in _CABIN_CLASSES, "seat: bad cabin_class")
                for key in ("exit_row", "extra_legroom", "available"):
                    _check(isinstance(seat[key], bool), f"seat: {key} is not a boolean")
    seats = seats_of(body)
    _check(len({s.number for s in seats}) == len(seats), "SeatAvailability: duplicate seats")
    return seats


def check_booking(body: object, request: Mapping[str, Any], customer: str) -> None:
    """A new confirmed Booking echoing the request, for the customer whose token it carried:
    every requested seat is that customer's."""
    body = _object(body, "Booking")
    keys = {"id", "flight_id", "customer_id", "seats", "status", "created_at"}
    _check(set(body) == keys, "Booking: wrong keys")
    _check(body["status"] == "confirmed", "Booking: not confirmed")
    _check(body["flight_id"] == request["flight_id"], "Booking: another flight_id")
    _check(body["customer_id"] == customer, "Booking: not the token's customer")
    _check(
        isinstance(body["seats"], list) and sorted(body["seats"]) == sorted(request["seats"]),
        "Booking: not the requested seats",
    )


def check_problem(reply: Reply, status: int) -> dict[str, Any]:
    """An RFC 9457 problem (application/problem+json) with this status."""
    _check(
        reply.content_type.startswith("application/problem+json"),
        f"problem: content-type {reply.content_type!r}",
    )
    body = _object(reply.body, "problem")
    _check(isinstance(body.get("type"), str), "problem: no type")
    _check(isinstance(body.get("title"), str), "problem: no title")
    _check(body.get("status") == status, "problem: status does not match")
    return body


def _json(reply: Reply) -> None:
    content_type = reply.content_type
    _check(content_type.startswith("application/json"), f"content-type {content_type!r}")


def _unexpected(name: str, reply: Reply) -> Outcome:
    if reply.status == 0:
        return Outcome(name, ok=False, reason=f"no answer: {reply.error}")
    if reply.status >= 500:
        return Outcome(name, ok=False, reason=f"{reply.status} server error")
    return Outcome(name, ok=False, reason=f"unexpected status {reply.status}")


def _shape_failure(name: str, reply: Reply, error: ShapeError) -> Outcome:
    return Outcome(name, ok=False, reason=f"{reply.status} not the documented shape: {error}")


def _classify_200(name: str, reply: Reply, check: Callable[[object], object]) -> Outcome:
    """200 with a JSON body that CHECK accepts is a success; anything else a failure."""
    if reply.status != 200:
        return _unexpected(name, reply)
    try:
        _json(reply)
        check(reply.body)
    except ShapeError as exc:
        return _shape_failure(name, reply, exc)
    return Outcome(name, ok=True)


def classify_token(reply: Reply) -> Outcome:
    """The development issuer's token response (RFC 6749 5.1): an ``access_token``."""
    return _classify_200(TOKEN, reply, check_token)


def classify_search(reply: Reply, criteria: Mapping[str, str]) -> Outcome:
    return _classify_200(SEARCH, reply, lambda body: check_flight_page(body, criteria))


def classify_seats(reply: Reply, flight_id: int) -> Outcome:
    return _classify_200(SEATS, reply, lambda body: check_seat_map(body, flight_id))


def classify_booking(
    reply: Reply, request: Mapping[str, Any], customer: str, *, contended: bool
) -> Outcome:
    """201: booked for ``customer`` (the token's). 409 (a SeatsProblem naming only requested
    seats): expected, counted as ``[contended]`` for the hot seats and ``[taken]`` for an
    ordinary booking that lost a race. Anything else is a failure."""
    name = BOOK_HOT if contended else BOOK
    try:
        if reply.status == 201:
            _json(reply)
            check_booking(reply.body, request, customer)
            return Outcome(name, ok=True)
        if reply.status == 409:
            problem = check_problem(reply, 409)
            taken = problem.get("seats")
            if not _is_str_list(taken) or not taken:
                raise ShapeError("SeatsProblem: no seats")
            _check(set(taken) <= set(request["seats"]), "SeatsProblem: seats not requested")
            return Outcome(BOOK_CONTENDED if contended else BOOK_TAKEN, ok=True)
    except ShapeError as exc:
        return _shape_failure(name, reply, exc)
    return _unexpected(name, reply)


def classify_cancel(reply: Reply, *, again: bool) -> Outcome:
    """A first cancel of a seat this customer holds must answer 204; a 404 there means the
    booking was lost or someone else holds the seat: a failure. A repeated cancel (``again``)
    finds the seat no longer the customer's (404, whether it is free or was rebooked by
    someone else in between)."""
    name = CANCEL_AGAIN if again else CANCEL
    try:
        if reply.status == 204 and not again:
            return Outcome(CANCEL, ok=True)
        if reply.status == 404 and again:
            check_problem(reply, 404)
            return Outcome(CANCEL_NOT_HELD, ok=True)
    except ShapeError as exc:
        return _shape_failure(name, reply, exc)
    return _unexpected(name, reply)


# ---------------------------------------------------------------------------------------------
# Who holds what, as the answers say


@dataclass
class Ledger:
    """Seats each simulated customer holds according to the answers it got (201 books, 204
    releases). At the end of a run the system's seat maps must agree with it, and no seat may
    have two holders."""

    holders: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    flights: set[int] = field(default_factory=set)

    def booked(self, flight_id: int, customer_id: str, seats: Sequence[str]) -> None:
        self.flights.add(flight_id)
        for seat in seats:
            holders = self.holders.setdefault((flight_id, seat), [])
            if customer_id not in holders:
                holders.append(customer_id)

    def cancelled(self, flight_id: int, customer_id: str, seat: str) -> None:
        holders = self.holders.get((flight_id, seat), [])
        if customer_id in holders:
            holders.remove(customer_id)

    def holdings(self) -> list[tuple[int, str, str]]:
        """(flight id, seat, customer) of every seat held, sorted."""
        return sorted(
            (flight_id, seat, customer)
            for (flight_id, seat), holders in self.holders.items()
            for customer in holders
        )

    def double_booked(self) -> list[tuple[int, str]]:
        return sorted(key for key, holders in self.holders.items() if len(holders) > 1)
