"""Environment helpers fail early, naming the variable and what it should be."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from chassis import (
    ConfigError,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_str,
    env_url,
    log_level,
)
from chassis.config import settings_or_exit
from testsupport.environment import clear_environment, set_environment


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_environment(monkeypatch)


def test_values_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    set_environment(
        monkeypatch,
        {
            "PORT": " 8080 ",
            "NAME": "flights",
            "RATIO": "0.25",
            "FLAG": "Yes",
            "MODE": "fast",
            "DB_URL": "mysql+pymysql://app:secret@db:3306/flights",
        },
    )
    assert env_int("PORT", min_value=1, max_value=65535) == 8080
    assert env_str("NAME") == "flights"
    assert env_float("RATIO", min_value=0, max_value=1) == 0.25
    assert env_bool("FLAG") is True
    assert env_choice("MODE", ("fast", "safe")) == "fast"
    assert (
        env_url("DB_URL", schemes=("mysql+pymysql",))
        == "mysql+pymysql://app:secret@db:3306/flights"
    )


def test_defaults_apply_when_unset_or_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAME", "")
    assert env_str("NAME", "fallback") == "fallback"
    assert env_int("PORT", 8000) == 8000
    assert env_float("RATIO", 0.5) == 0.5
    assert env_bool("FLAG", False) is False
    assert env_choice("MODE", ("fast", "safe"), "safe") == "safe"
    assert env_url("DB_URL", "http://localhost:1") == "http://localhost:1"
    assert log_level() == "INFO"


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        (lambda: env_str("NAME"), "NAME is required but not set (expected a non-empty string)"),
        (lambda: env_int("PORT"), "PORT is required but not set (expected an integer)"),
        (lambda: env_url("DB_URL"), "DB_URL is required but not set"),
    ],
)
def test_missing_required_variable_is_named(read: object, expected: str) -> None:
    assert callable(read)
    with pytest.raises(ConfigError) as caught:
        read()
    assert str(caught.value).startswith(expected)


@pytest.mark.parametrize(
    ("name", "value", "read", "expected"),
    [
        ("PORT", "eighty", lambda: env_int("PORT", 1), "PORT must be an integer (got 'eighty')"),
        (
            "PORT",
            "70000",
            lambda: env_int("PORT", 1, min_value=1, max_value=65535),
            "PORT must be an integer between 1 and 65535 (got '70000')",
        ),
        (
            "RATIO",
            "nan",
            lambda: env_float("RATIO", 1.0),
            "RATIO must be a finite number (got 'nan')",
        ),
        (
            "RATIO",
            "-1",
            lambda: env_float("RATIO", 1.0, min_value=0),
            "RATIO must be a finite number >= 0",
        ),
        ("FLAG", "maybe", lambda: env_bool("FLAG", True), "FLAG must be one of true/false"),
        (
            "MODE",
            "Fast",
            lambda: env_choice("MODE", ("fast", "safe")),
            "MODE must be one of fast, safe",
        ),
        ("LOG_LEVEL", "verbose", log_level, "LOG_LEVEL must be one of DEBUG, INFO, WARNING"),
    ],
)
def test_invalid_value_names_variable_and_expectation(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, read: object, expected: str
) -> None:
    assert callable(read)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        read()
    assert str(caught.value).startswith(expected)


@pytest.mark.parametrize(
    "url", ["redis://:hunter2@cache:6379/0", "http://:hunter2@", "http://db:port/", "hunter2"]
)
def test_invalid_url_is_rejected_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("DB_URL", url)
    with pytest.raises(ConfigError) as caught:
        env_url("DB_URL", schemes=("http", "https"))
    message = str(caught.value)
    assert message.startswith("DB_URL must be a URL with scheme http or https and a host")
    assert "hunter2" not in message


def test_log_level_is_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "warning")
    assert log_level() == "WARNING"


def test_settings_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    @dataclass(frozen=True)
    class Settings:
        port: int
        db_url: str

        @classmethod
        def from_env(cls) -> Settings:
            return cls(
                port=env_int("PORT", 8000, min_value=1, max_value=65535),
                db_url=env_url("DB_URL", schemes=("mysql+pymysql",)),
            )

    monkeypatch.setenv("DB_URL", "mysql+pymysql://db/flights")
    assert Settings.from_env() == Settings(8000, "mysql+pymysql://db/flights")
    monkeypatch.setenv("DB_URL", "postgres://db/flights")
    with pytest.raises(ConfigError, match="DB_URL"):
        Settings.from_env()


def test_settings_or_exit_logs_why_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    def from_env() -> int:
        raise ConfigError("PORT must be an integer")

    assert settings_or_exit("flights", lambda: 8080) == 8080
    with pytest.raises(SystemExit) as exited:
        settings_or_exit("flights", from_env)
    assert exited.value.code == 2
    line = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert line["level"] == "CRITICAL"
    assert line["service"] == "flights"
    assert line["logger"] == "flights.cli"
    assert line["message"] == "cannot start: PORT must be an integer"
