"""Undoing the holds of a booking that failed: at once while the reservations service
answers, and in the background, retried with backoff, while it does not.

The background retries live in this process (asyncio tasks): a crash or a restart loses
them, and each hold that is still pending at shutdown gets one last attempt and otherwise
an ERROR log line naming the seat, the customer and the request id, so an operator can
release it by hand (docs/adr/0007).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge

from api.ports import Released, Reservations, UpstreamError
from chassis import current_request_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hold:
    """A seat a booking reserved and must give back."""

    flight_id: int
    seat: str
    customer_id: str


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 10  # background attempts per hold after the inline one
    first_delay: float = 0.5  # seconds; doubles per attempt up to max_delay, with jitter
    max_delay: float = 30.0
    inline_timeout: float = 2.0  # how long the failing request waits for the first attempt
    capacity: int = 10_000  # holds waiting in the background at most; beyond, log and drop


class CompensationMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.releases = Counter(
            "booking_compensation_releases",
            "Holds of failed bookings, by how they ended.",
            ["outcome"],  # inline, background, abandoned
            registry=registry,
        )
        self.pending = Gauge(
            "booking_compensation_pending",
            "Holds of failed bookings waiting for a background retry.",
            registry=registry,
        )


class Compensator:
    def __init__(
        self,
        reservations: Reservations,
        policy: RetryPolicy | None = None,
        metrics: CompensationMetrics | None = None,
    ) -> None:
        self._reservations = reservations
        self.policy = policy or RetryPolicy()
        self._metrics = metrics or CompensationMetrics()
        # Each background retry and what it retries: the hold and the failed request's id.
        self._background: dict[asyncio.Task[None], tuple[Hold, str | None]] = {}

    @property
    def pending(self) -> tuple[Hold, ...]:
        return tuple(hold for hold, _ in self._background.values())

    async def release(self, holds: Sequence[Hold]) -> tuple[Hold, ...]:
        """Release ``holds`` concurrently, waiting at most ``inline_timeout``; whatever did
        not succeed in time goes to the background. Returns the holds left to it."""
        deferred = []
        for hold, released in zip(holds, await self._attempt_all(holds), strict=True):
            if released:
                self._metrics.releases.labels("inline").inc()
            else:
                deferred.append(hold)
                self._defer(hold)
        return tuple(deferred)

    async def drain(self) -> None:
        """Wait until every background retry has ended (tests, graceful shutdown)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def close(self) -> None:
        """Stop the background retries, giving each pending hold one last attempt."""
        pending = list(self._background.values())
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        holds = [hold for hold, _ in pending]
        for (hold, request_id), released in zip(
            pending, await self._attempt_all(holds), strict=True
        ):
            if released:
                self._metrics.releases.labels("background").inc()
            else:
                self._abandon(hold, request_id, "the API layer is shutting down")

    async def _attempt_all(self, holds: Sequence[Hold]) -> list[bool]:
        """One concurrent attempt per hold for at most ``inline_timeout``. A late attempt
        counts as failed and is cancelled; should its DELETE still land, a retry sees 404."""
        attempts = [asyncio.ensure_future(self._attempt(hold)) for hold in holds]
        if not attempts:
            return []
        _, late = await asyncio.wait(attempts, timeout=self.policy.inline_timeout)
        for attempt in late:
            attempt.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        results = []
        for attempt in attempts:
            error = None if attempt in late else attempt.exception()
            if error is not None:
                log.error("releasing a hold failed unexpectedly", exc_info=error)
            results.append(attempt not in late and error is None and attempt.result())
        return results

    async def _attempt(self, hold: Hold) -> bool:
        """One release; True when the seat is no longer this booking's (released, or not
        held at all, or someone else's), False when the outcome is unknown."""
        try:
            outcome = await self._reservations.release(hold.flight_id, hold.seat, hold.customer_id)
        except UpstreamError as exc:
            log.warning("releasing seat %s on flight %s failed: %s", hold.seat, hold.flight_id, exc)
            return False
        if outcome is Released.HELD_BY_OTHER:
            # Only possible if our hold never happened and someone took the seat since.
            log.info("seat %s on flight %s is held by another customer", hold.seat, hold.flight_id)
        return True

    def _defer(self, hold: Hold) -> None:
        request_id = current_request_id()
        if len(self._background) >= self.policy.capacity:
            self._abandon(hold, request_id, "too many holds are waiting for a retry")
            return
        # The task copies this context, so its log lines and its DELETEs carry the request id.
        task = asyncio.create_task(self._retry(hold, request_id))
        self._background[task] = (hold, request_id)
        self._metrics.pending.set(len(self._background))
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._background.pop(task, None)
        self._metrics.pending.set(len(self._background))

    async def _retry(self, hold: Hold, request_id: str | None) -> None:
        delay = self.policy.first_delay
        for _ in range(self.policy.attempts):
            # Jitter spreads the retries of many bookings that failed in the same outage.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 - not crypto
            if await self._attempt(hold):
                log.info(
                    "released seat %s on flight %s of a failed booking",
                    hold.seat,
                    hold.flight_id,
                    extra=_fields(hold, request_id),
                )
                self._metrics.releases.labels("background").inc()
                return
            delay = min(delay * 2, self.policy.max_delay)
        self._abandon(hold, request_id, f"{self.policy.attempts} background attempts failed")

    def _abandon(self, hold: Hold, request_id: str | None, why: str) -> None:
        log.error(
            "could not undo the hold of seat %s on flight %s for customer %s (%s):"
            " release it by hand",
            hold.seat,
            hold.flight_id,
            hold.customer_id,
            why,
            extra=_fields(hold, request_id),
        )
        self._metrics.releases.labels("abandoned").inc()


def _fields(hold: Hold, request_id: str | None) -> dict[str, object]:
    # The request id explicitly: at shutdown no request context is left to supply it.
    return {
        "flight_id": hold.flight_id,
        "seat_num": hold.seat,
        "customer_id": hold.customer_id,
        "request_id": request_id,
    }
