"""Configuration of the development-only issuer, from environment variables only (the table
is in README.md): DEVISSUER_ISSUER, DEVISSUER_AUDIENCE, DEVISSUER_TOKEN_LIFETIME, HOST, PORT,
DEVISSUER_PUBLIC_URL, DEVISSUER_REDIRECT_URIS, LOG_LEVEL. The defaults are what
docker-compose.yml's API and web containers expect."""

from __future__ import annotations

from dataclasses import dataclass

from chassis import ConfigError, env_int, env_str, env_url, log_level


@dataclass(frozen=True)
class Settings:
    issuer: str = "http://devissuer:8090"
    audience: str = "flightres-api"
    token_lifetime: int = 3600
    # Where browsers reach it (the sign-in page); the issuer URL is where containers do.
    public_url: str = "http://127.0.0.1:8090"
    # The only places a sign-in may return to (the web front end's callback).
    redirect_uris: tuple[str, ...] = ("http://127.0.0.1:8000/signin/callback",)
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
            public_url=env_url("DEVISSUER_PUBLIC_URL", cls.public_url).rstrip("/"),
            redirect_uris=_redirect_uris(),
            host=env_str("HOST", cls.host),
            port=env_int("PORT", cls.port, min_value=1, max_value=65535),
            log_level=log_level(),
        )


def _redirect_uris() -> tuple[str, ...]:
    raw = env_str("DEVISSUER_REDIRECT_URIS", ",".join(Settings.redirect_uris))
    uris = tuple(uri.strip() for uri in raw.split(",") if uri.strip())
    if not uris or not all(uri.startswith(("http://", "https://")) for uri in uris):
        raise ConfigError("DEVISSUER_REDIRECT_URIS must be a comma-separated list of http(s) URLs")
    return uris
