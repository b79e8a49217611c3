"""The ``flights`` command: migrate and seed against a real database, configuration errors."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from flights import cli, migrate, seed
from flights.repository import connect
from flights.settings import DatabaseConfig

START = date(2026, 12, 1)


def test_migrate_then_seed_then_both_again(
    monkeypatch: pytest.MonkeyPatch, mysql_url: str, database: DatabaseConfig
) -> None:
    monkeypatch.setenv("FLIGHTS_DATABASE_URL", mysql_url)
    assert cli.main(["migrate"]) == 0
    assert cli.main(["seed", "--start-date", START.isoformat(), "--days", "2"]) == 0
    assert cli.main(["migrate", "--wait", "0"]) == 0
    assert cli.main(["seed", "--start-date", START.isoformat(), "--days", "2"]) == 0
    connection = connect(database)
    try:
        ((flights, first, last),) = migrate.query(
            connection, "SELECT COUNT(*), MIN(departure_date), MAX(departure_date) FROM flights"
        )
        expected = seed.schedule(
            seed.timetable(seed.routes(), seed.airports()), seed.airports(), START, 2
        )
        assert flights == len(expected)  # two days of flights, once
        assert (first, last) == (
            min(f.departure_time.date() for f in expected),
            max(f.departure_time.date() for f in expected),
        )
    finally:
        connection.close()


def test_a_configuration_error_exits_2_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FLIGHTS_DATABASE_URL", raising=False)
    assert cli.main(["migrate"]) == 2
    assert "FLIGHTS_DATABASE_URL" in capsys.readouterr().err


def test_an_unreachable_database_ends_migrate_after_the_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "FLIGHTS_DATABASE_URL", "mysql://u:p@127.0.0.1:9/db"
    )  # discard port: refused
    with pytest.raises(SystemExit, match="cannot reach MySQL"):
        cli.main(["migrate", "--wait", "0"])


def test_serve_is_the_default_and_runs_uvicorn_on_the_configured_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLIGHTS_DATABASE_URL", "mysql://u:p@127.0.0.1:9/db")
    monkeypatch.setenv("PORT", "18081")
    calls: list[dict[str, Any]] = []

    def fake_run(app: Any, **options: Any) -> None:
        calls.append({"app": app, **options})

    monkeypatch.setattr("uvicorn.run", fake_run)
    assert cli.main([]) == 0
    [call] = calls
    assert (call["host"], call["port"], call["access_log"]) == ("0.0.0.0", 18081, False)  # noqa: S104
    assert call["app"].title == "Flights"
