"""Configuration from the environment: defaults, overrides, and errors naming the variable."""

from __future__ import annotations

import pytest

from api.settings import Settings
from chassis import ConfigError

REQUIRED = {"FLIGHTS_URL": "http://flights:8081", "RESERVATIONS_URL": "http://reservations:8082"}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "PORT",
        "API_WORKERS",
        "UPSTREAM_CONNECT_TIMEOUT",
        "UPSTREAM_READ_TIMEOUT",
        "UPSTREAM_RETRIES",
        "SEAT_MAP_MAX_AGE",
        "LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)


def test_defaults() -> None:
    settings = Settings.from_env()
    assert (settings.port, settings.flights_url) == (8080, "http://flights:8081")
    assert settings.workers == 1
    assert (settings.upstream.connect_timeout, settings.upstream.read_timeout) == (0.5, 3.0)
    assert settings.upstream.retries == 1
    assert settings.seat_map_max_age == 300
    assert settings.log_level == "INFO"


def test_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9000")
    monkeypatch.setenv("API_WORKERS", "2")
    monkeypatch.setenv("UPSTREAM_READ_TIMEOUT", "1.5")
    monkeypatch.setenv("UPSTREAM_RETRIES", "0")
    monkeypatch.setenv("SEAT_MAP_MAX_AGE", "0")
    settings = Settings.from_env()
    assert settings.port == 9000
    assert settings.workers == 2
    assert settings.upstream.read_timeout == 1.5
    assert settings.upstream.retries == 0
    assert settings.seat_map_max_age == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FLIGHTS_URL", ""),
        ("RESERVATIONS_URL", "reservations:8082"),
        ("UPSTREAM_READ_TIMEOUT", "0"),
        ("UPSTREAM_RETRIES", "9"),
        ("PORT", "http"),
        ("API_WORKERS", "0"),
        ("SEAT_MAP_MAX_AGE", "-1"),
    ],
)
def test_a_bad_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        Settings.from_env()
