"""Compensation: inline first, then background retries with bounded backoff, and a loud
log line for every hold that could not be given back."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from prometheus_client import CollectorRegistry

from api.compensation import CompensationMetrics, Compensator, Hold, RetryPolicy
from api.ports import Released
from api.tests.fakes import FakeReservations

HOLD_A, HOLD_B = Hold(1, "12A", "alice"), Hold(1, "12B", "alice")


class FlakyReservations(FakeReservations):
    """Releases fail ``failures`` times, then work; each can be slowed by ``delay``."""

    def __init__(self, failures: int = 0, delay: float = 0.0) -> None:
        super().__init__({(1, "12A"): "alice", (1, "12B"): "alice"})
        self.failures = failures
        self.delay = delay
        self.attempts = 0

    async def release(self, flight_id: int, seat: str, customer_id: str) -> Released:
        self.attempts += 1
        await asyncio.sleep(self.delay)
        self.down = self.attempts <= self.failures
        return await super().release(flight_id, seat, customer_id)


def compensator(
    reservations: FakeReservations, **policy: float
) -> tuple[Compensator, CollectorRegistry]:
    registry = CollectorRegistry()
    options: dict[str, float] = {"first_delay": 0.001, "max_delay": 0.002, **policy}
    retry = RetryPolicy(
        attempts=int(options.pop("attempts", 5)),
        capacity=int(options.pop("capacity", 100)),
        **options,
    )
    return Compensator(reservations, retry, CompensationMetrics(registry)), registry


def released(registry: CollectorRegistry, outcome: str) -> float:
    value = registry.get_sample_value("booking_compensation_releases_total", {"outcome": outcome})
    return value or 0.0


def test_holds_are_released_at_once_when_the_service_answers() -> None:
    reservations = FlakyReservations()
    undo, registry = compensator(reservations)

    assert asyncio.run(undo.release([HOLD_A, HOLD_B])) == ()
    assert reservations.holding("alice") == set()
    assert released(registry, "inline") == 2


def test_a_failed_release_is_retried_in_the_background_until_it_succeeds() -> None:
    reservations = FlakyReservations(failures=3)  # the inline attempt and two retries fail
    undo, registry = compensator(reservations)

    async def scenario() -> tuple[Hold, ...]:
        deferred = await undo.release([HOLD_A])
        assert undo.pending == (HOLD_A,)
        assert registry.get_sample_value("booking_compensation_pending") == 1
        await undo.drain()
        return deferred

    assert asyncio.run(scenario()) == (HOLD_A,)
    assert reservations.attempts == 4
    assert reservations.holding("alice") == {"12B"}
    assert released(registry, "background") == 1
    assert registry.get_sample_value("booking_compensation_pending") == 0


def test_backoff_doubles_up_to_its_bound() -> None:
    reservations = FlakyReservations(failures=5)
    undo, _ = compensator(reservations, first_delay=0.02, max_delay=0.04, attempts=6)

    async def scenario() -> float:
        await undo.release([HOLD_A])
        started = time.monotonic()
        await undo.drain()
        return time.monotonic() - started

    elapsed = asyncio.run(scenario())
    # Delays before attempts 1..5: 0.02, 0.04, 0.04, 0.04, 0.04 with jitter x0.5..1.
    assert 0.09 <= elapsed < 1.0
    assert reservations.holding("alice") == {"12B"}


def test_a_release_slower_than_the_inline_timeout_is_left_to_the_background() -> None:
    reservations = FlakyReservations(delay=0.3)
    undo, _ = compensator(reservations, inline_timeout=0.05)

    async def scenario() -> tuple[tuple[Hold, ...], float]:
        started = time.monotonic()
        deferred = await undo.release([HOLD_A])
        waited = time.monotonic() - started
        await undo.drain()
        return deferred, waited

    deferred, waited = asyncio.run(scenario())
    assert deferred == (HOLD_A,)
    assert waited < 0.25  # the failing request did not wait for the slow service
    assert reservations.holding("alice") == {"12B"}


def test_holds_beyond_the_capacity_are_logged_not_queued(caplog: pytest.LogCaptureFixture) -> None:
    reservations = FlakyReservations(failures=100)
    undo, registry = compensator(reservations, capacity=1, first_delay=10)

    async def scenario() -> None:
        await undo.release([HOLD_A, HOLD_B])
        assert undo.pending == (HOLD_A,)
        await undo.close()

    with caplog.at_level(logging.ERROR, logger="api.compensation"):
        asyncio.run(scenario())
    assert [vars(r)["seat_num"] for r in caplog.records] == ["12B", "12A"]  # dropped, then at close
    assert "too many holds" in caplog.records[0].getMessage()
    assert released(registry, "abandoned") == 2


def test_closing_gives_pending_holds_a_last_attempt() -> None:
    reservations = FlakyReservations(failures=1)  # only the inline attempt fails
    undo, registry = compensator(reservations, first_delay=10)  # no retry before close

    async def scenario() -> None:
        await undo.release([HOLD_A])
        await undo.close()

    asyncio.run(scenario())
    assert reservations.holding("alice") == {"12B"}
    assert released(registry, "background") == 1
    assert released(registry, "abandoned") == 0
