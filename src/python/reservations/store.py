"""Redis adapter: a hash per flight (seat → customer), bookings, and one stream as the event log.

Every change is one Lua script (``lua/*.lua``) that checks, changes and appends the events:
Redis runs a script atomically, so no other command sees a change without its events, or
half a booking. Scripts run by EVALSHA and are reloaded by redis-py when the server forgot
them (``NOSCRIPT`` after a restart).

Redis errors that mean "unreachable or too slow" become ``StoreUnavailable``; anything else
(a script bug, a wrong key type) is a real error and propagates.

A command given up on must not run later: every script that changes something carries a
deadline, the moment this process stops waiting for it (less an allowance for clock skew),
and changes nothing once Redis' clock is past it. Otherwise a booking that answered 503 could
arrive after a partition heals and hold seats for a client that was told it failed
(docs/adr/0007, 0014).
"""

from __future__ import annotations

import base64
import os
import socket
import struct
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any, cast
from urllib.parse import urlsplit

import redis
from redis.commands.core import Script
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

from reservations.model import (
    Booked,
    Booking,
    BookingOutcome,
    BookingRequest,
    BookingStatus,
    Cancelled,
    Event,
    EventType,
    KeyReused,
    Released,
    Reservation,
    Reserved,
    SeatsHeld,
    time_of,
    utc_time,
)
from reservations.services import StoreUnavailable

# Ids cannot contain ":", so no id's key can collide with another kind's. The scripts build
# some of these names too (lua/bookings.lua).
EVENTS_KEY = "reservations:events"


def seats_key(flight_id: str) -> str:
    """Hash: seat → the customer holding it."""
    return f"reservations:seats:{flight_id}"


def seat_bookings_key(flight_id: str) -> str:
    """Hash: seat → the booking holding it."""
    return f"reservations:seat-bookings:{flight_id}"


def booking_key(booking_id: str) -> str:
    """Hash: flight_id, customer_id, seats (comma-joined), status, created_at and
    cancelled_at (ms since the epoch)."""
    return f"reservations:booking:{booking_id}"


def customer_bookings_key(customer_id: str) -> str:
    """Sorted set of booking ids, all scored 0, so they sort by id: by creation (ULIDs)."""
    return f"reservations:customer-bookings:{customer_id}"


def idempotency_key(customer_id: str, key: str) -> str:
    """String: "<booking id> <flight id> <seat>,<seat>...", the booking a key made and the
    request it made it for. Kept IDEMPOTENCY_KEY_TTL seconds."""
    return f"reservations:idempotency:{customer_id}:{key}"


IDEMPOTENCY_KEY_TTL = 24 * 3600


# ReadOnlyError: a failover turned the node we talk to into a replica; writes cannot succeed.
_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ReadOnlyError)

# How far Redis' clock may lag this host's while the deadline fence still holds: a command
# then runs only before this process has given up on it. NTP-synced hosts are within a few
# milliseconds of each other (AWS Time Sync: well under one).
CLOCK_SKEW_ALLOWANCE = 0.05  # seconds


def _lua(name: str) -> str:
    return (resources.files("reservations") / "lua" / name).read_text(encoding="utf-8")


# RFC 4648 base32 digits to Crockford's, digit for digit (the same 5-bit values).
_CROCKFORD = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)


def _random_part() -> str:
    """A ULID's 80 random bits, as 16 Crockford base32 digits; book.lua puts the time first."""
    return base64.b32encode(os.urandom(10)).translate(_CROCKFORD).decode()


class RedisStore:
    """Implements ``services.ReservationStore``. Thread-safe: redis-py's pool hands each
    command its own connection. Creating a store opens no connection."""

    def __init__(self, client: redis.Redis, *, events_maxlen: int, timeout: float) -> None:
        self._client = client
        self._events_maxlen = str(events_maxlen)
        self._timeout = timeout
        shared = _lua("events.lua") + _lua("bookings.lua")
        self._book = client.register_script(shared + _lua("book.lua"))
        self._release = client.register_script(shared + _lua("release.lua"))
        self._cancel = client.register_script(shared + _lua("cancel.lua"))

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        pool_size: int,
        pool_timeout: float,
        connect_timeout: float,
        timeout: float,
        events_maxlen: int,
    ) -> RedisStore:
        options: dict[str, Any] = {"socket_timeout": timeout}
        if urlsplit(url).scheme == "redis":  # TLS (rediss://) keeps redis-py's own timeouts
            options = {"connection_class": _KernelTimeoutConnection, "io_timeout": timeout}
        # A blocking pool bounds the connections a process opens; a request that finds all of
        # them busy waits at most pool_timeout, then fails like any other unavailability.
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=pool_size,
            timeout=pool_timeout,
            socket_connect_timeout=connect_timeout,
            decode_responses=True,
            **options,
        )
        return cls(redis.Redis(connection_pool=pool), events_maxlen=events_maxlen, timeout=timeout)

    def reserve(self, reservation: Reservation) -> Reserved:
        flight_id, seat_num, customer_id = _fields(reservation)
        reply = self._book_seats(flight_id, customer_id, [seat_num])
        if reply[0] == "booked":
            return Reserved.NEWLY
        _, holder = reply[1]  # "taken": [seat, holder]
        return Reserved.ALREADY if holder == customer_id else Reserved.TAKEN

    def book(self, request: BookingRequest) -> BookingOutcome:
        reply = self._book_seats(
            request.flight_id, request.customer_id, request.seats, request.idempotency_key
        )
        if reply[0] == "taken":
            return SeatsHeld(tuple(reply[1][::2]))  # [seat, holder, seat, holder, ...]
        if reply[0] == "key_mismatch":
            return KeyReused()
        booking = _booking(reply[1], _pairs(reply[2]))
        return Booked(booking, replayed=reply[0] == "replayed")

    def _book_seats(
        self, flight_id: str, customer_id: str, seats: Sequence[str], key: str | None = None
    ) -> list[Any]:
        keys = [
            seats_key(flight_id),
            EVENTS_KEY,
            seat_bookings_key(flight_id),
            customer_bookings_key(customer_id),
        ]
        if key is not None:
            keys.append(idempotency_key(customer_id, key))
        args = (flight_id, customer_id, ",".join(seats), _random_part(), IDEMPOTENCY_KEY_TTL)
        return self._change(self._book, keys, args)

    def release(self, reservation: Reservation) -> Released:
        flight_id = reservation.flight_id
        keys = [seats_key(flight_id), EVENTS_KEY, seat_bookings_key(flight_id)]
        return Released(self._change(self._release, keys, _fields(reservation))[0])

    def cancel(self, booking_id: str, customer_id: str) -> Cancelled:
        keys = [booking_key(booking_id), EVENTS_KEY]
        return Cancelled(self._change(self._cancel, keys, [customer_id])[0])

    def _change(self, script: Script, keys: list[str], args: Sequence[str | int]) -> list[Any]:
        """Run SCRIPT with the deadline fence (module docstring); its reply. Every script
        that changes something takes the stream's cap and the deadline as its last ARGV."""
        deadline = time.time() + self._timeout - CLOCK_SKEW_ALLOWANCE
        with _unavailable():
            reply = script(keys=keys, args=[*args, self._events_maxlen, int(deadline * 1000)])
        if reply[0] == "expired":
            raise StoreUnavailable("Redis: the command reached Redis after its deadline")
        return cast(list[Any], reply)

    def booking(self, booking_id: str) -> Booking | None:
        with _unavailable():
            fields = cast(dict[str, str], self._client.hgetall(booking_key(booking_id)))
        return _booking(booking_id, fields) if fields else None

    def customer_bookings(self, customer_id: str, before: str | None, count: int) -> list[Booking]:
        newest = "+" if before is None else f"({before}"  # "(": exclusive
        with _unavailable():
            ids = cast(
                list[str],
                self._client.zrange(
                    customer_bookings_key(customer_id),
                    newest,  # type: ignore[arg-type] # redis-py types only indexes, not BYLEX
                    "-",  # type: ignore[arg-type]
                    desc=True,
                    bylex=True,
                    offset=0,
                    num=count,
                ),
            )
            # Bookings are never deleted, so reading them after the ids is safe.
            pipeline = self._client.pipeline(transaction=False)
            for booking_id in ids:
                pipeline.hgetall(booking_key(booking_id))
            rows = cast(list[dict[str, str]], pipeline.execute())
        return [_booking(booking_id, fields) for booking_id, fields in zip(ids, rows, strict=True)]

    def holders(self, flight_id: str) -> dict[str, str]:
        with _unavailable():
            # redis-py types sync and async replies as one union; this client is sync.
            return cast(dict[str, str], self._client.hgetall(seats_key(flight_id)))

    def events_after(self, event_id: str, count: int) -> list[Event]:
        with _unavailable():
            # "(" makes the start exclusive: the cursor is the last event already seen.
            entries = cast(
                list[tuple[str, dict[str, str]]],
                self._client.xrange(EVENTS_KEY, min=f"({event_id}", count=count),
            )
        return [
            Event(
                id=entry_id,
                type=EventType(fields["type"]),
                time=time_of(entry_id),
                flight_id=fields["flight_id"],
                seat_num=fields["seat_num"],
                customer_id=fields["customer_id"],
            )
            for entry_id, fields in entries
        ]

    def ping(self) -> None:
        """The health probe: raises when Redis does not answer (the chassis times it)."""
        self._client.ping()

    def close(self) -> None:
        # A pool passed in explicitly is not closed by Redis.close(); ours is ours to close.
        self._client.connection_pool.disconnect()


class _KernelTimeoutConnection(redis.Connection):
    """A TCP connection whose read and write timeouts the kernel enforces (SO_RCVTIMEO,
    SO_SNDTIMEO) on a blocking socket.

    With redis-py's ``socket_timeout``, Python polls the socket before every send and recv:
    two more system calls per command, each releasing and re-taking the GIL, which under a
    threaded server costs more CPU than the command itself (measured with strace and the
    benchmark). Timing out still fails the command: the recv or send raises
    ``BlockingIOError``, which redis-py reports as a ConnectionError."""

    def __init__(self, *, io_timeout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        seconds, fraction = divmod(io_timeout, 1)
        self._timeval = struct.pack("ll", int(seconds), int(fraction * 1_000_000))

    def _connect(self) -> socket.socket:
        sock: socket.socket = super()._connect()  # type: ignore[no-untyped-call]
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, self._timeval)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, self._timeval)
        return sock


def _fields(reservation: Reservation) -> tuple[str, str, str]:
    return reservation.flight_id, reservation.seat_num, reservation.customer_id


def _pairs(flat: list[str]) -> dict[str, str]:
    """A hash as a script returns HGETALL: [field, value, field, value, ...]."""
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _booking(booking_id: str, fields: Mapping[str, str]) -> Booking:
    cancelled_at = fields.get("cancelled_at")
    return Booking(
        id=booking_id,
        flight_id=fields["flight_id"],
        customer_id=fields["customer_id"],
        seats=tuple(fields["seats"].split(",")),
        status=BookingStatus(fields["status"]),
        created_at=utc_time(int(fields["created_at"])),
        cancelled_at=None if cancelled_at is None else utc_time(int(cancelled_at)),
    )


@contextmanager
def _unavailable() -> Iterator[None]:
    try:
        yield
    except _UNAVAILABLE as exc:
        raise StoreUnavailable(f"Redis: {exc}") from exc
