"""Configuration from the environment: defaults, overrides, and errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Settings
from chassis import ConfigError
from devissuer.keys import SigningKey
from testsupport.environment import assert_rejected, clear_environment, set_environment

REQUIRED = {
    "FLIGHTS_URL": "http://flights:8081",
    "RESERVATIONS_URL": "http://reservations:8082",
    "AUTH_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc",
    "AUTH_AUDIENCE": "app-client-1",
    "AUTH_JWKS_URL": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/jwks.json",
}


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_environment(monkeypatch)
    set_environment(monkeypatch, REQUIRED)


def test_defaults() -> None:
    settings = Settings.from_env()
    assert (settings.port, settings.flights_url) == (8080, "http://flights:8081")
    assert settings.workers == 1
    assert (settings.upstream.connect_timeout, settings.upstream.read_timeout) == (0.5, 3.0)
    assert settings.upstream.retries == 1
    assert settings.seat_map_max_age == 300
    assert settings.log_level == "INFO"
    assert settings.auth.issuer == REQUIRED["AUTH_ISSUER"]
    assert (settings.auth.audience, settings.auth.audience_claim) == ("app-client-1", "aud")
    assert settings.auth.jwks_url == REQUIRED["AUTH_JWKS_URL"]
    assert settings.auth.public_key_file is None
    assert settings.auth.leeway == 30


def test_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    set_environment(
        monkeypatch,
        {
            "PORT": "9000",
            "API_WORKERS": "2",
            "UPSTREAM_READ_TIMEOUT": "1.5",
            "UPSTREAM_RETRIES": "0",
            "SEAT_MAP_MAX_AGE": "0",
        },
    )
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
        ("AUTH_ISSUER", ""),
        ("AUTH_AUDIENCE", ""),
        ("AUTH_JWKS_URL", "jwks.json"),
        ("AUTH_LEEWAY", "3600"),
    ],
)
def test_a_bad_value_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    assert_rejected(monkeypatch, Settings.from_env, name, value)


def test_the_issuers_keys_come_from_exactly_one_place(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pem = tmp_path / "issuer.pem"
    pem.write_bytes(SigningKey.generate().public_pem())
    monkeypatch.setenv("AUTH_PUBLIC_KEY_FILE", str(pem))
    with pytest.raises(ConfigError, match="exactly one of AUTH_JWKS_URL"):
        Settings.from_env()  # both

    monkeypatch.delenv("AUTH_JWKS_URL")
    assert Settings.from_env().auth.public_key_file == str(pem)

    monkeypatch.delenv("AUTH_PUBLIC_KEY_FILE")
    with pytest.raises(ConfigError, match="exactly one of AUTH_JWKS_URL"):
        Settings.from_env()  # neither


@pytest.mark.parametrize("content", [None, b"not a key", b"-----BEGIN PUBLIC KEY-----\nAA==\n"])
def test_a_key_file_without_a_public_key_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: bytes | None
) -> None:
    pem = tmp_path / "issuer.pem"
    if content is not None:
        pem.write_bytes(content)
    monkeypatch.delenv("AUTH_JWKS_URL")
    monkeypatch.setenv("AUTH_PUBLIC_KEY_FILE", str(pem))
    with pytest.raises(ConfigError, match="AUTH_PUBLIC_KEY_FILE"):
        Settings.from_env()
