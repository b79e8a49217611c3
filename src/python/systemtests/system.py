"""What the reliability tests read back from a running stack: flights and seats through the
API, holders and the event log straight from the reservations service. Bookings are made and
read as their customers, each with its bearer token (``Stack.token``)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from systemtests.stack import NotRunning, Stack


@dataclass(frozen=True)
class Outcome:
    """One booking attempt and its answer (status 0: no HTTP answer at all)."""

    customer_id: str
    seats: tuple[str, ...]
    status: int
    elapsed: float
    content_type: str = ""
    body: str = ""
    flight_id: int = 0
    key: str = ""  # the Idempotency-Key it was sent with, if any
    replayed: bool = False  # answered with Idempotent-Replayed: true

    @property
    def booking_id(self) -> str:
        """The booking a 201 made (or replayed)."""
        assert self.status == 201, self
        return str(json.loads(self.body)["id"])


ORIGINS = ("JFK", "LAX", "DFW", "ATL", "ORD", "SFO")


def flights_today(stack: Stack) -> list[int]:
    """Today's flights from a few hubs, always in the same order: tests pick their own by
    index, so that no two tests book on one flight."""
    today = datetime.now(UTC).date()
    found: list[int] = []
    for origin in ORIGINS:
        response = httpx.get(
            f"{stack.api_url}/flights",
            params={"origin": origin, "departure_date": str(today), "limit": 50},
            timeout=10,
        )
        response.raise_for_status()
        found += [flight["id"] for flight in response.json()["items"]]
    return found


def free_seats(stack: Stack, flight_id: int) -> list[str]:
    response = httpx.get(f"{stack.api_url}/flights/{flight_id}/seats", timeout=10)
    response.raise_for_status()
    return [
        seat["number"]
        for cabin in response.json()["cabins"]
        for row in cabin["rows"]
        for seat in row["seats"]
        if seat["available"]
    ]


def holders(stack: Stack, flight_id: int) -> dict[str, str]:
    """Seat -> customer, as the reservations service holds them now."""
    response = httpx.get(
        f"{stack.url('reservations')}/reservations", params={"flight_id": flight_id}, timeout=10
    )
    response.raise_for_status()
    held: dict[str, str] = response.json()
    return held


def replayed_events(stack: Stack, flight_id: int) -> dict[str, str]:
    """Seat -> customer, rebuilt from the reservations event log alone."""
    state: dict[str, str] = {}
    since = "0"
    with httpx.Client(base_url=stack.url("reservations"), timeout=10) as client:
        while True:
            page = client.get("/events", params={"since": since, "count": 1000}).json()
            for event in page["events"]:
                if event["flight_id"] != str(flight_id):
                    continue
                if event["type"] == "SeatReserved":
                    assert event["seat_num"] not in state, f"reserved twice: {event}"
                    state[event["seat_num"]] = event["customer_id"]
                else:
                    assert state.pop(event["seat_num"]) == event["customer_id"], event
            if not page["events"]:
                return state
            since = page["next"]


async def book_all(
    api_url: str,
    flight_id: int,
    bookings: Sequence[tuple[str, Sequence[str]]],
    timeout: float,
    token: Callable[[str], str],
) -> list[Outcome]:
    """Send every booking at once (one connection each), each as its customer with the token
    ``token(customer)``, and collect the answers."""
    # Every token first, so that nothing but the bookings happens once they are released.
    authorizations = {customer: bearer(token(customer)) for customer, _ in bookings}
    limits = httpx.Limits(max_connections=len(bookings), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=api_url, timeout=timeout, limits=limits) as client:
        start = asyncio.Event()

        async def book(customer_id: str, seats: Sequence[str]) -> Outcome:
            headers = authorizations[customer_id]
            body = {"flight_id": flight_id, "seats": list(seats)}
            await start.wait()
            began = asyncio.get_running_loop().time()
            try:
                response = await client.post("/bookings", json=body, headers=headers)
            except httpx.HTTPError as exc:
                elapsed = asyncio.get_running_loop().time() - began
                return Outcome(customer_id, tuple(seats), 0, elapsed, body=repr(exc))
            return Outcome(
                customer_id,
                tuple(seats),
                response.status_code,
                asyncio.get_running_loop().time() - began,
                response.headers.get("content-type", ""),
                response.text,
            )

        tasks = [asyncio.create_task(book(c, s)) for c, s in bookings]
        await asyncio.sleep(0.05)  # every task is waiting on the event: release them together
        start.set()
        return list(await asyncio.gather(*tasks))


class BookingLoad:
    """Bookings of ``size`` seats that no other request asks for, sent from a few threads
    over the given flights in turn until ``stop()`` or the seats run out, each by a customer
    of its own (with the token ``token(customer)``) and with an Idempotency-Key of its own.
    Every answer is kept in ``outcomes``. ``api_url`` is asked again after a request got no
    answer: while the API container is down it listens nowhere (``NotRunning``)."""

    def __init__(
        self,
        api_url: Callable[[], str],
        flights: Mapping[int, Sequence[str]],
        *,
        token: Callable[[str], str],
        threads: int = 4,
        size: int = 2,
        pause: float = 0.1,
    ) -> None:
        self.api_url = api_url
        self.token = token
        self.work = [
            (flight_id, tuple(seats[i : i + size]))
            for flight_id, seats in flights.items()
            for i in range(0, len(seats) - size + 1, size)
        ]
        self.threads = threads
        self.pause = pause
        self.run_id = f"{time.time_ns():x}"
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []

    def __enter__(self) -> BookingLoad:
        for worker in range(self.threads):
            thread = threading.Thread(target=self._run, args=(worker,), daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._workers:
            thread.join(timeout=30)

    @property
    def customers(self) -> list[str]:
        return [f"load-{self.run_id}-{index}" for index in range(len(self.work))]

    def _run(self, worker: int) -> None:
        client = self._client()
        for index in range(worker, len(self.work), self.threads):
            if client is None:
                break  # stopped while the API was down
            flight_id, seats = self.work[index]
            customer = self.customers[index]
            outcome = book(
                client, flight_id, customer, seats, key=f"{customer}-key", token=self.token
            )
            with self._lock:
                self.outcomes.append(outcome)
            if outcome.status == 0:
                client.close()
                client = self._client()
            time.sleep(self.pause)  # a steady trickle, so that the load outlasts the fault
            if self._stop.is_set():
                break
        if client is not None:
            client.close()

    def _client(self) -> httpx.Client | None:
        """A client for where the API listens now (None once stopped): while its container
        is down it listens nowhere, so wait."""
        while not self._stop.is_set():
            try:
                return httpx.Client(base_url=self.api_url(), timeout=15)
            except NotRunning:
                time.sleep(0.1)
        return None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def book(
    client: httpx.Client,
    flight_id: int,
    customer_id: str,
    seats: Sequence[str],
    key: str | None = None,
    *,
    token: Callable[[str], str],
) -> Outcome:
    """One booking as ``customer_id`` (its token: ``token(customer_id)``)."""
    body = {"flight_id": flight_id, "seats": list(seats)}
    headers = bearer(token(customer_id))
    if key:
        headers["Idempotency-Key"] = key
    began = time.monotonic()
    try:
        response = client.post("/bookings", json=body, headers=headers)
    except httpx.HTTPError as exc:
        elapsed = time.monotonic() - began
        return Outcome(
            customer_id, tuple(seats), 0, elapsed, "", repr(exc), flight_id, key or ""
        )
    return Outcome(
        customer_id,
        tuple(seats),
        response.status_code,
        time.monotonic() - began,
        response.headers.get("content-type", ""),
        response.text,
        flight_id,
        key or "",
        response.headers.get("idempotent-replayed") == "true",
    )


def bookings_of(stack: Stack, customers: Iterable[str]) -> list[dict[str, Any]]:
    """Every booking of these customers, read page by page through the API as each of them.
    Each carries ``customer_id``: the customer whose token found it."""
    found: list[dict[str, Any]] = []
    with httpx.Client(base_url=stack.api_url, timeout=10) as client:
        for customer in customers:
            cursor = None
            while True:
                params: dict[str, str | int] = {"limit": 100}
                if cursor is not None:
                    params["cursor"] = cursor
                page = client.get("/bookings", params=params, headers=stack.auth(customer))
                page.raise_for_status()
                items = page.json()["items"]
                for item in items:
                    assert item.get("customer_id", customer) == customer, item
                    item["customer_id"] = customer
                found += items
                cursor = page.json()["next_cursor"]
                if cursor is None:
                    break
    return found


def assert_holds_are_bookings(stack: Stack, flight_id: int, customers: Iterable[str]) -> None:
    """Every held seat of the flight belongs to exactly one confirmed booking of these
    customers, and every seat of those bookings is held by the booking's customer."""
    bookings = [b for b in bookings_of(stack, customers) if b["flight_id"] == flight_id]
    booked: dict[str, str] = {}
    for booking in bookings:
        if booking["status"] != "confirmed":
            continue
        for seat in booking["seats"]:
            assert seat not in booked, f"seat {seat} in two bookings: {booking}"
            booked[seat] = str(booking["customer_id"])
    held = holders(stack, flight_id)
    stray = {seat: who for seat, who in held.items() if booked.get(seat) != who}
    missing = {seat: who for seat, who in booked.items() if held.get(seat) != who}
    assert not stray, f"flight {flight_id}: held without a booking {stray}"
    assert not missing, f"flight {flight_id}: booked but not held {missing}"


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.25)


def health(stack: Stack) -> tuple[int, str]:
    """The API's /health: (status code, status field), (0, "") when it does not answer."""
    try:
        response = httpx.get(f"{stack.api_url}/health", timeout=10)
    except (httpx.HTTPError, NotRunning):
        return 0, ""
    return response.status_code, str(response.json().get("status", ""))
