"""The development-only issuer's configuration: defaults fit docker-compose.yml, overrides and
errors name the variable."""

from __future__ import annotations

import pytest

from devissuer.settings import Settings
from testsupport.environment import assert_rejected, clear_environment


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_environment(monkeypatch)


def test_defaults_are_what_the_api_container_expects() -> None:
    settings = Settings.from_env()
    assert settings.issuer == "http://devissuer:8090"
    assert settings.audience == "flightres-api"
    assert settings.token_lifetime == 3600
    assert settings.port == 8090


def test_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVISSUER_ISSUER", "http://127.0.0.1:9999/")
    monkeypatch.setenv("DEVISSUER_AUDIENCE", "other")
    monkeypatch.setenv("DEVISSUER_TOKEN_LIFETIME", "120")
    monkeypatch.setenv("PORT", "9999")
    settings = Settings.from_env()
    assert settings.issuer == "http://127.0.0.1:9999"  # no trailing slash in iss
    assert (settings.audience, settings.token_lifetime, settings.port) == ("other", 120, 9999)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEVISSUER_ISSUER", "devissuer:8090"),
        ("DEVISSUER_TOKEN_LIFETIME", "10"),
        ("DEVISSUER_TOKEN_LIFETIME", "forever"),
        ("PORT", "0"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    assert_rejected(monkeypatch, Settings.from_env, name, value)
