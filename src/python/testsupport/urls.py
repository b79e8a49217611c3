"""Parse and build the mysql:// and redis:// URLs that tests hand to services.

    mysql://user:password@host:port/database   (port defaults to 3306; database optional)
    redis://[:password@]host:port/db            (port defaults to 6379; db defaults to 0)

User names and passwords are percent-encoded in URLs and decoded here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import SplitResult, quote, unquote, urlsplit


def _split(url: str, scheme: str) -> tuple[SplitResult, str]:
    """The URL's parts and its host; ValueError unless it is a scheme:// URL with a host."""
    parts = urlsplit(url)
    # "mysql+driver://" (SQLAlchemy style) names the same server.
    if parts.scheme.split("+", 1)[0] != scheme:
        raise ValueError(f"expected a {scheme}:// URL, got {url!r}")
    if not parts.hostname:
        raise ValueError(f"no host in {url!r}")
    return parts, parts.hostname


@dataclass(frozen=True)
class MysqlUrl:
    host: str
    port: int
    user: str
    password: str
    database: str | None = None

    @classmethod
    def parse(cls, url: str) -> MysqlUrl:
        parts, host = _split(url, "mysql")
        database = unquote(parts.path.lstrip("/")) or None
        return cls(
            host=host,
            port=parts.port or 3306,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            database=database,
        )

    def with_database(self, database: str | None) -> MysqlUrl:
        return replace(self, database=database)

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for mysql.connector.connect()."""
        kwargs: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
        }
        if self.database:
            kwargs["database"] = self.database
        return kwargs

    def __str__(self) -> str:
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        return f"mysql://{auth}@{self.host}:{self.port}/{quote(self.database or '', safe='')}"


@dataclass(frozen=True)
class RedisUrl:
    host: str
    port: int
    db: int = 0
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> RedisUrl:
        parts, host = _split(url, "redis")
        db = parts.path.lstrip("/")
        return cls(
            host=host,
            port=parts.port or 6379,
            db=int(db) if db else 0,
            password=unquote(parts.password) if parts.password else None,
        )

    def with_db(self, db: int) -> RedisUrl:
        return replace(self, db=db)

    def __str__(self) -> str:
        auth = f":{quote(self.password, safe='')}@" if self.password else ""
        return f"redis://{auth}{self.host}:{self.port}/{self.db}"
