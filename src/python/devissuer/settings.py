"""Configuration of the development-only issuer, from environment variables only (the table
is in README.md): DEVISSUER_ISSUER, DEVISSUER_AUDIENCE, DEVISSUER_TOKEN_LIFETIME, HOST, PORT,
LOG_LEVEL. The defaults are what docker-compose.yml's API container expects."""

from __future__ import annotations

from dataclasses import dataclass

from chassis import env_int, env_str, env_url, log_level


@dataclass(frozen=True)
class Settings:
    issuer: str = "http://devissuer:8090"
    audience: str = "flightres-api"
    token_lifetime: int = 3600
    host: str = "0.0.0.0"  # noqa: S104 - a container must listen on its own address
    port: int = 8090
    log_level: str = "INFO"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            issuer=env_url("DEVISSUER_ISSUER", cls.issuer).rstrip("/"),
            audience=env_str("DEVISSUER_AUDIENCE", cls.audience),
            token_lifetime=env_int(
                "DEVISSUER_TOKEN_LIFETIME", cls.token_lifetime, min_value=60, max_value=86400
            ),
            host=env_str("HOST", cls.host),
            port=env_int("PORT", cls.port, min_value=1, max_value=65535),
            log_level=log_level(),
        )
