"""Forward-only schema migrations: ``migrations/NNNN_description.sql``, applied in order.

``schema_migrations`` records each applied version with the SHA-256 of its file, so a run
applies only what is missing and refuses to continue when an applied file was edited (the
fix for a wrong migration is a new migration). Runs hold a named lock (``GET_LOCK``, in
MySQL and MariaDB alike) for the whole run, so two instances starting at once apply each
migration exactly once: the second waits, then finds nothing left to do.

MySQL commits DDL implicitly, so a migration cannot be rolled back halfway; each statement
is written to be re-runnable (``CREATE TABLE IF NOT EXISTS`` ...) so that a run interrupted
mid-file can simply be repeated. Statements are separated by a ``;`` at the end of a line.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any, cast

from flights.repository import Connection

log = logging.getLogger(__name__)

_FILE_NAME = re.compile(r"(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql")
_STATEMENT_END = re.compile(r";[ \t]*$", re.MULTILINE)

_HISTORY_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INT UNSIGNED NOT NULL,
    name VARCHAR(200) NOT NULL,
    checksum CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    applied_at DATETIME NOT NULL,
    PRIMARY KEY (version)
) ENGINE = InnoDB
"""


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self) -> list[str]:
        without_comments = "\n".join(
            line for line in self.sql.splitlines() if not line.lstrip().startswith("--")
        )
        return [part.strip() for part in _STATEMENT_END.split(without_comments) if part.strip()]


def bundled() -> list[Migration]:
    """The migrations shipped in this package, in version order."""
    directory = resources.files("flights").joinpath("migrations")
    found = []
    for entry in directory.iterdir():
        match = _FILE_NAME.fullmatch(entry.name)
        if match:
            found.append(Migration(int(match["version"]), match["name"], entry.read_text("utf-8")))
        elif entry.name.endswith(".sql"):
            raise MigrationError(f"{entry.name}: name it NNNN_description.sql")
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"migration versions must be 1, 2, 3, ... without gaps: {versions}")
    return found


def migrate(
    connection: Connection, migrations: list[Migration] | None = None, *, lock_timeout: int = 120
) -> list[Migration]:
    """Apply what is missing; returns the migrations this call applied."""
    migrations = bundled() if migrations is None else migrations
    connection.autocommit = True
    with named_lock(connection, "migrate", lock_timeout):
        run(connection, _HISTORY_TABLE)
        applied = dict(
            query(connection, "SELECT version, checksum FROM schema_migrations ORDER BY version")
        )
        for migration in migrations:
            recorded = applied.get(migration.version)
            if recorded is not None and recorded != migration.checksum:
                raise MigrationError(
                    f"migration {migration.version:04d}_{migration.name} changed after it was "
                    "applied; add a new migration instead of editing an applied one"
                )
        pending = [migration for migration in migrations if migration.version not in applied]
        for migration in pending:
            log.info("applying migration %04d_%s", migration.version, migration.name)
            for statement in migration.statements():
                run(connection, statement)
            run(
                connection,
                "INSERT INTO schema_migrations (version, name, checksum, applied_at)"
                " VALUES (%s, %s, %s, %s)",
                (
                    migration.version,
                    migration.name,
                    migration.checksum,
                    datetime.now(UTC).replace(tzinfo=None, microsecond=0),
                ),
            )
        return pending


class named_lock:  # noqa: N801 - used like contextlib's lower-case context managers
    """``GET_LOCK`` scoped to the current database (lock names are server-wide, and one
    server may host several databases, e.g. one per test). Released with the connection
    too, so a crashed run cannot leave it held."""

    def __init__(self, connection: Connection, purpose: str, timeout: int) -> None:
        self.connection = connection
        self.timeout = timeout
        database = str(query(connection, "SELECT DATABASE()")[0][0])
        # MySQL limits lock names to 64 characters.
        self.name = f"flights.{purpose}:{hashlib.sha256(database.encode()).hexdigest()[:32]}"

    def __enter__(self) -> None:
        (got,) = query(self.connection, "SELECT GET_LOCK(%s, %s)", (self.name, self.timeout))[0]
        if got != 1:
            raise MigrationError(f"could not take lock {self.name} within {self.timeout}s")

    def __exit__(self, *exc_info: object) -> None:
        query(self.connection, "SELECT RELEASE_LOCK(%s)", (self.name,))


def run(connection: Connection, sql: str, params: Sequence[Any] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def query(connection: Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cast(list[tuple[Any, ...]], cursor.fetchall())
