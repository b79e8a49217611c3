"""Configuration, from environment variables only (the README has the table)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from api.auth import AuthConfig, KeyFile
from api.clients.http import ClientConfig
from chassis import ConfigError, env_float, env_int, env_str, env_url, log_level


@dataclass(frozen=True)
class Settings:
    flights_url: str
    reservations_url: str
    auth: AuthConfig
    host: str = "0.0.0.0"  # noqa: S104 - a container must listen on its pod address
    port: int = 8080
    # uvicorn worker processes. `make bench BENCH_ARGS=--worker-models` compares the choices
    # (docs/benchmarks-worker-models.md).
    workers: int = 1
    upstream: ClientConfig = field(default_factory=ClientConfig)
    seat_map_cache_size: int = 1024  # flights
    seat_map_max_age: float = 300.0  # seconds, caps the flights service's max-age
    log_level: str = "INFO"

    @classmethod
    def from_env(cls) -> Settings:
        defaults = ClientConfig()
        return cls(
            flights_url=env_url("FLIGHTS_URL"),
            reservations_url=env_url("RESERVATIONS_URL"),
            auth=auth_from_env(),
            host=env_str("HOST", cls.host),
            port=env_int("PORT", cls.port, min_value=1, max_value=65535),
            workers=workers_from_env(),
            upstream=ClientConfig(
                connect_timeout=_seconds("UPSTREAM_CONNECT_TIMEOUT", defaults.connect_timeout),
                read_timeout=_seconds("UPSTREAM_READ_TIMEOUT", defaults.read_timeout),
                pool_timeout=_seconds("UPSTREAM_POOL_TIMEOUT", defaults.pool_timeout),
                max_connections=env_int(
                    "UPSTREAM_MAX_CONNECTIONS", defaults.max_connections, min_value=1
                ),
                retries=env_int("UPSTREAM_RETRIES", defaults.retries, min_value=0, max_value=5),
            ),
            seat_map_cache_size=env_int(
                "SEAT_MAP_CACHE_SIZE", cls.seat_map_cache_size, min_value=1
            ),
            seat_map_max_age=env_float(
                "SEAT_MAP_MAX_AGE", cls.seat_map_max_age, min_value=0, max_value=3600
            ),
            log_level=log_level(),
        )


def auth_from_env() -> AuthConfig:
    """The token issuer to trust: required, there is no unauthenticated mode."""
    jwks_url, key_file = os.environ.get("AUTH_JWKS_URL"), os.environ.get("AUTH_PUBLIC_KEY_FILE")
    if bool(jwks_url) == bool(key_file):
        raise ConfigError(
            "set exactly one of AUTH_JWKS_URL (the issuer's JWKS) and AUTH_PUBLIC_KEY_FILE"
            " (a PEM file)"
        )
    if key_file:
        try:
            KeyFile(key_file)
        except (OSError, ValueError) as exc:  # joserfc's errors are ValueErrors
            raise ConfigError(f"AUTH_PUBLIC_KEY_FILE: no RSA or EC public key ({exc})") from None
    return AuthConfig(
        issuer=env_str("AUTH_ISSUER"),
        audience=env_str("AUTH_AUDIENCE"),
        audience_claim=env_str("AUTH_AUDIENCE_CLAIM", "aud"),
        jwks_url=env_url("AUTH_JWKS_URL") if jwks_url else None,
        public_key_file=key_file or None,
        leeway=env_int("AUTH_LEEWAY", AuthConfig.leeway, min_value=0, max_value=300),
    )


def workers_from_env() -> int:
    """API_WORKERS, also read by the benchmark's minimal FastAPI app to be served alike."""
    return env_int("API_WORKERS", Settings.workers, min_value=1, max_value=16)


def _seconds(name: str, default: float) -> float:
    return env_float(name, default, min_value=0.001, max_value=60)
