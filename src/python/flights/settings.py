"""Configuration, from environment variables only (the README has the table)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from chassis.config import ConfigError, env_float, env_int, env_str, env_url, log_level

DATABASE_URL = "FLIGHTS_DATABASE_URL"


@dataclass(frozen=True)
class DatabaseConfig:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    database: str

    @classmethod
    def from_url(cls, url: str) -> DatabaseConfig:
        """``mysql://user:pass@host:port/db``; user and password may be percent-encoded."""
        parts = urlsplit(url)
        database = parts.path.lstrip("/")
        if parts.scheme != "mysql" or not parts.hostname or not parts.username or not database:
            # The URL carries a password, so the message must not repeat it.
            raise ConfigError(
                "database URL must look like mysql://user:password@host:port/database"
            )
        return cls(
            host=parts.hostname,
            port=parts.port or 3306,
            user=unquote(parts.username),
            password=unquote(parts.password or ""),
            database=unquote(database),
        )


@dataclass(frozen=True)
class Settings:
    database: DatabaseConfig
    host: str = "0.0.0.0"  # noqa: S104 - a container must listen on its pod address
    port: int = 8081
    pool_size: int = 10
    # Whole seconds: the MySQL client library takes integers. Short, so that a down database
    # turns into a 503 quickly instead of piling up waiting requests.
    connect_timeout: int = 2
    read_timeout: int = 5
    seat_map_cache_ttl: float = 300.0
    flight_cache_ttl: float = 30.0
    search_cache_ttl: float = 30.0
    log_level: str = "INFO"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database=DatabaseConfig.from_url(env_url(DATABASE_URL, schemes=("mysql",))),
            host=env_str("HOST", "0.0.0.0"),  # noqa: S104
            port=env_int("PORT", 8081, min_value=1, max_value=65535),
            pool_size=env_int("FLIGHTS_DB_POOL_SIZE", 10, min_value=1, max_value=200),
            connect_timeout=env_int("FLIGHTS_DB_CONNECT_TIMEOUT", 2, min_value=1, max_value=60),
            read_timeout=env_int("FLIGHTS_DB_READ_TIMEOUT", 5, min_value=1, max_value=300),
            seat_map_cache_ttl=env_float("FLIGHTS_SEAT_MAP_CACHE_TTL", 300.0, min_value=0),
            flight_cache_ttl=env_float("FLIGHTS_FLIGHT_CACHE_TTL", 30.0, min_value=0),
            search_cache_ttl=env_float("FLIGHTS_SEARCH_CACHE_TTL", 30.0, min_value=0),
            log_level=log_level(),
        )
