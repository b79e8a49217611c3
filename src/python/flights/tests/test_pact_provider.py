"""Provider verification: every pact in contracts/ whose provider is ``flights``, replayed
against the real service (the app served by uvicorn on 127.0.0.1) on a real, migrated and
seeded database, with provider states set up in that database.

The provider states (contracts/README.md) are served by ``provider_states.serve``: the
``a flight exists`` setup returns the seat map's current ETag, which Pact injects into the
conditional seat map request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import provider_states
from verification import verify

from flights.app import create_app
from flights.migrate import query, run
from flights.repository import connect
from flights.settings import DatabaseConfig, Settings
from testsupport.serving import serving_asgi

PROVIDER = "flights"
# What "a flight exists" flies: seeded, and its seat map has the seat the API layer books.
CONFIGURATION = "A320-J12Y150"
DEPARTS_AT = timedelta(hours=12, minutes=45)  # UTC, on the date the state names
BLOCK_TIME = timedelta(hours=6, minutes=25)


class FlightStates:
    """The flights provider states, set up for real in the service's database."""

    def __init__(self, database: DatabaseConfig, service_url: str) -> None:
        self.database = database
        self.service_url = service_url

    def handlers(self) -> dict[str, provider_states.Handler]:
        return {"a flight exists": self.flight_exists, "no flight exists": self.no_flight_exists}

    def flight_exists(self, action: str, params: Mapping[str, Any]) -> dict[str, str] | None:
        """Flight ``flight_id`` with that number, route and UTC departure date, on the seeded
        configuration. Returns the seat map's current ETag, fetched from the service."""
        if action != "setup":
            return None
        flight_id = int(params["flight_id"])
        day = date.fromisoformat(params["departure_date"])
        departs = datetime(day.year, day.month, day.day) + DEPARTS_AT
        connection = connect(self.database)
        try:
            found = query(
                connection,
                "SELECT id FROM aircraft_configurations WHERE code = %s",
                (CONFIGURATION,),
            )
            if not found:
                raise LookupError(f"aircraft configuration {CONFIGURATION} is not seeded")
            # Replace whatever holds the id or the natural key (flight_no, departure_date).
            run(
                connection,
                "DELETE FROM flights WHERE id = %s OR (flight_no = %s AND departure_date = %s)",
                (flight_id, params["flight_no"], departs.date()),
            )
            run(
                connection,
                "INSERT INTO flights (id, flight_no, origin, destination, departure_time,"
                " arrival_time, aircraft_configuration_id) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (
                    flight_id,
                    params["flight_no"],
                    params["origin"],
                    params["destination"],
                    departs,
                    departs + BLOCK_TIME,
                    found[0][0],
                ),
            )
        finally:
            connection.close()
        seat_map = httpx.get(f"{self.service_url}/flights/{flight_id}/seat_map", timeout=10)
        seat_map.raise_for_status()
        return {"etag": seat_map.headers["ETag"]}

    def no_flight_exists(self, action: str, params: Mapping[str, Any]) -> None:
        if action != "setup":
            return
        connection = connect(self.database)
        try:
            run(connection, "DELETE FROM flights WHERE id = %s", (int(params["flight_id"]),))
        finally:
            connection.close()


def test_flights_honours_every_pact(settings: Settings) -> None:
    # `settings`: a migrated database seeded from SEED_START (2026-12-01), see conftest.py.
    with serving_asgi(create_app(settings)) as service_url:
        states = FlightStates(settings.database, service_url)
        verify(PROVIDER, service_url, states.handlers())
