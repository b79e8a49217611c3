"""Configuration from the environment."""

from __future__ import annotations

import pytest

from chassis.config import ConfigError
from flights.settings import DatabaseConfig, Settings
from testsupport.environment import clear_environment, set_environment


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_environment(monkeypatch)


def test_only_the_database_url_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLIGHTS_DATABASE_URL", "mysql://flights:secret@db.internal:3307/flights")
    settings = Settings.from_env()
    assert settings.database == DatabaseConfig("db.internal", 3307, "flights", "secret", "flights")
    assert (settings.port, settings.pool_size, settings.connect_timeout, settings.log_level) == (
        8081,
        10,
        2,
        "INFO",
    )
    assert settings.search_cache_ttl == 30.0


def test_every_setting_comes_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    set_environment(
        monkeypatch,
        {
            "FLIGHTS_DATABASE_URL": "mysql://u:p@h/db",
            "PORT": "9000",
            "HOST": "127.0.0.1",
            "FLIGHTS_DB_POOL_SIZE": "32",
            "FLIGHTS_DB_CONNECT_TIMEOUT": "1",
            "FLIGHTS_DB_READ_TIMEOUT": "3",
            "FLIGHTS_SEAT_MAP_CACHE_TTL": "60",
            "FLIGHTS_FLIGHT_CACHE_TTL": "0",
            "FLIGHTS_SEARCH_CACHE_TTL": "5",
            "LOG_LEVEL": "debug",
        },
    )
    settings = Settings.from_env()
    assert settings.database.port == 3306
    assert (settings.host, settings.port, settings.pool_size) == ("127.0.0.1", 9000, 32)
    assert (settings.connect_timeout, settings.read_timeout) == (1, 3)
    assert (settings.seat_map_cache_ttl, settings.flight_cache_ttl, settings.log_level) == (
        60.0,
        0.0,
        "DEBUG",
    )
    assert settings.search_cache_ttl == 5.0


def test_credentials_may_be_percent_encoded() -> None:
    config = DatabaseConfig.from_url("mysql://app%40x:p%3Ass%2Fw@127.0.0.1:3306/flights")
    assert (config.user, config.password) == ("app@x", "p:ss/w")
    assert "p:ss/w" not in repr(config)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FLIGHTS_DATABASE_URL", None),
        ("FLIGHTS_DATABASE_URL", "postgres://u:p@h/db"),
        ("FLIGHTS_DATABASE_URL", "mysql://u:p@h/"),
        ("PORT", "eighty"),
        ("FLIGHTS_DB_POOL_SIZE", "0"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_a_bad_variable_is_named_in_the_error(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str | None
) -> None:
    monkeypatch.setenv("FLIGHTS_DATABASE_URL", "mysql://u:secret@h/db")
    if value is None:
        monkeypatch.delenv(name)
    else:
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        Settings.from_env()
    message = str(raised.value)
    assert name in message or "database URL" in message
    assert "secret" not in message
