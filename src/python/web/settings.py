"""Configuration, from environment variables only (the README has the table)."""

from __future__ import annotations

from dataclasses import dataclass

from chassis import ConfigError, env_bool, env_float, env_int, env_str, env_url, log_level


@dataclass(frozen=True)
class Settings:
    api_url: str  # the API layer, the only service this one talks to
    oidc_issuer: str  # its discovery document names the sign-in and token endpoints
    oidc_client_id: str  # a public client: no secret, PKCE instead
    public_url: str  # where browsers reach this site; the sign-in redirect comes back here
    secret_key: str  # signs the session cookie
    cookie_secure: bool = True
    host: str = "0.0.0.0"  # noqa: S104 - a container must listen on its pod address
    port: int = 8000
    workers: int = 2
    threads: int = 4
    api_timeout: float = 3.0
    log_level: str = "INFO"

    @classmethod
    def from_env(cls) -> Settings:
        secret_key = env_str("WEB_SECRET_KEY")
        if len(secret_key) < 32:
            # Anyone who can guess it can forge a session, and with it a signed-in customer.
            raise ConfigError("WEB_SECRET_KEY must be at least 32 characters")
        return cls(
            api_url=env_url("WEB_API_URL").rstrip("/"),
            oidc_issuer=env_url("WEB_OIDC_ISSUER").rstrip("/"),
            oidc_client_id=env_str("WEB_OIDC_CLIENT_ID"),
            public_url=env_url("WEB_PUBLIC_URL").rstrip("/"),
            secret_key=secret_key,
            cookie_secure=env_bool("WEB_COOKIE_SECURE", cls.cookie_secure),
            host=env_str("HOST", cls.host),
            port=env_int("PORT", cls.port, min_value=1, max_value=65535),
            workers=env_int("WEB_WORKERS", cls.workers, min_value=1, max_value=64),
            threads=env_int("WEB_THREADS", cls.threads, min_value=1, max_value=256),
            api_timeout=env_float("WEB_API_TIMEOUT", cls.api_timeout, min_value=0.1, max_value=60),
            log_level=log_level(),
        )
