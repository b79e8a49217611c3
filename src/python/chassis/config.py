"""Settings from environment variables, failing early with messages an operator can act on.

Services compose these into a frozen ``Settings.from_env()`` dataclass. An empty value
counts as unset, because ``FOO=`` in a compose file usually means "not configured".
``default=None`` (the default) makes a variable required.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Sequence
from typing import TypeVar
from urllib.parse import urlsplit

from chassis import logs

T = TypeVar("T")

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """A variable is missing or invalid; the message names it and says what is expected."""


def settings_or_exit(service: str, from_env: Callable[[], T]) -> T:
    """A starting process's settings (``Settings.from_env``); on a ``ConfigError``, the reason
    as a critical JSON log line of ``<service>.cli`` and exit status 2, without a traceback."""
    try:
        return from_env()
    except ConfigError as exc:
        logs.configure(service)
        logging.getLogger(f"{service}.cli").critical("cannot start: %s", exc)
        raise SystemExit(2) from None


def env_str(name: str, default: str | None = None) -> str:
    return _read(name, default, "a non-empty string", str)


def env_int(
    name: str,
    default: int | None = None,
    *,
    min_value: int | None = None,
    max_value: int | None = None,
) -> int:
    def parse(raw: str) -> int:
        return _within(int(raw), min_value, max_value)

    return _read(name, default, "an integer" + _bounds(min_value, max_value), parse)


def env_float(
    name: str,
    default: float | None = None,
    *,
    min_value: float | None = None,
    max_value: float | None = None,
) -> float:
    def parse(raw: str) -> float:
        number = float(raw)
        if not math.isfinite(number):
            raise ValueError(raw)
        return _within(number, min_value, max_value)

    return _read(name, default, "a finite number" + _bounds(min_value, max_value), parse)


_BOOLS = dict.fromkeys(("1", "true", "yes", "on"), True) | dict.fromkeys(
    ("0", "false", "no", "off"), False
)


def env_bool(name: str, default: bool | None = None) -> bool:
    def parse(raw: str) -> bool:
        try:
            return _BOOLS[raw.lower()]
        except KeyError:
            raise ValueError(raw) from None

    return _read(name, default, "one of true/false, yes/no, on/off, 1/0", parse)


def env_choice(name: str, choices: Sequence[str], default: str | None = None) -> str:
    """Exact (case-sensitive) match against ``choices``."""

    def parse(raw: str) -> str:
        if raw not in choices:
            raise ValueError(raw)
        return raw

    return _read(name, default, "one of " + ", ".join(choices), parse)


def env_url(
    name: str,
    default: str | None = None,
    *,
    schemes: Sequence[str] = ("http", "https"),
) -> str:
    """A URL with one of ``schemes`` and a host, e.g. ``schemes=("mysql+pymysql",)``."""

    def parse(raw: str) -> str:
        parts = urlsplit(raw)
        _ = parts.port  # raises ValueError for a bad port
        if parts.scheme not in schemes or not parts.hostname:
            raise ValueError("wrong scheme or no host")
        return raw

    expected = "a URL with scheme " + " or ".join(schemes) + " and a host"
    # URLs often carry credentials and this error ends up in logs, so never echo the value.
    return _read(name, default, expected, parse, echo=False)


def log_level() -> str:
    """The ``LOG_LEVEL`` convention shared by all services: a logging level name, default INFO."""
    return _read("LOG_LEVEL", "INFO", "one of " + ", ".join(LOG_LEVELS), _level)


def _level(raw: str) -> str:
    if raw.upper() not in LOG_LEVELS:
        raise ValueError(raw)
    return raw.upper()


def _read(
    name: str, default: T | None, expected: str, parse: Callable[[str], T], *, echo: bool = True
) -> T:
    raw = os.environ.get(name, "").strip()
    if not raw:
        if default is None:
            raise ConfigError(f"{name} is required but not set (expected {expected})")
        return default
    try:
        return parse(raw)
    except ValueError:
        got = f"got {raw!r}" if echo else "value not shown"
        raise ConfigError(f"{name} must be {expected} ({got})") from None


N = TypeVar("N", int, float)


def _within(number: N, low: N | None, high: N | None) -> N:
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(number)
    return number


def _bounds(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f" between {low} and {high}"
    if low is not None:
        return f" >= {low}"
    if high is not None:
        return f" <= {high}"
    return ""
