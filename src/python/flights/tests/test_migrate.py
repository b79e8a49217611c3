"""Migrations against a real MySQL-compatible server: from empty, again, and twice at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace

import pytest

from flights import migrate
from flights.migrate import Migration, MigrationError
from flights.repository import Connection, connect
from flights.settings import DatabaseConfig

from .conftest import twice_at_once

TABLES = {"airports", "aircraft_configurations", "flights", "schema_migrations"}


@pytest.fixture()
def connection(database: DatabaseConfig) -> Iterator[Connection]:
    with closing(connect(database)) as conn:
        yield conn


def tables(connection: Connection) -> set[str]:
    return {str(row[0]) for row in migrate.query(connection, "SHOW TABLES")}


def history(connection: Connection) -> list[tuple[int, str]]:
    rows = migrate.query(
        connection, "SELECT version, checksum FROM schema_migrations ORDER BY version"
    )
    return [(int(version), str(checksum)) for version, checksum in rows]


def test_the_bundled_migrations_are_numbered_in_order() -> None:
    bundled = migrate.bundled()
    assert [m.version for m in bundled] == list(range(1, len(bundled) + 1))
    assert len(bundled) >= 3
    assert all(m.statements() for m in bundled)


def test_statements_split_on_line_ending_semicolons_and_skip_comments() -> None:
    migration = Migration(
        9, "x", "-- a; comment\nCREATE TABLE a (x TEXT DEFAULT 'a;b');\n\nSELECT 1 ;\n"
    )
    assert migration.statements() == ["CREATE TABLE a (x TEXT DEFAULT 'a;b')", "SELECT 1"]


def test_from_empty_every_migration_is_applied_and_recorded(connection: Connection) -> None:
    applied = migrate.migrate(connection)
    assert [m.version for m in applied] == [m.version for m in migrate.bundled()]
    assert tables(connection) == TABLES
    assert history(connection) == [(m.version, m.checksum) for m in migrate.bundled()]


def test_running_again_applies_nothing(connection: Connection) -> None:
    migrate.migrate(connection)
    recorded = history(connection)
    assert migrate.migrate(connection) == []
    assert history(connection) == recorded


def test_a_new_migration_is_applied_on_top(connection: Connection) -> None:
    migrate.migrate(connection)
    extra = Migration(
        len(migrate.bundled()) + 1,
        "add_index",
        "CREATE INDEX ix_airports_city ON airports (city);\n",
    )
    assert migrate.migrate(connection, [*migrate.bundled(), extra]) == [extra]
    indexes = migrate.query(
        connection, "SHOW INDEX FROM airports WHERE Key_name = 'ix_airports_city'"
    )
    assert len(indexes) == 1


def test_an_edited_applied_migration_stops_the_run(connection: Connection) -> None:
    migrate.migrate(connection)
    first, *rest = migrate.bundled()
    edited = Migration(first.version, first.name, first.sql + "\n-- edited\n")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate.migrate(connection, [edited, *rest])


def test_two_runs_at_once_apply_each_migration_exactly_once(database: DatabaseConfig) -> None:
    # Slow the first migration down so the runs really overlap; the second must wait on the
    # lock rather than see a half-migrated schema.
    first, *rest = migrate.bundled()
    slow = Migration(first.version, first.name, "DO SLEEP(1);\n" + first.sql)
    migrations = [slow, *rest]
    results = twice_at_once(database, lambda conn: migrate.migrate(conn, migrations))
    assert sorted(len(applied) for applied in results) == [0, len(migrations)]
    with closing(connect(database)) as conn:
        assert [version for version, _ in history(conn)] == [m.version for m in migrations]


def test_a_run_waits_for_the_lock_and_gives_up_after_its_timeout(
    database: DatabaseConfig, connection: Connection
) -> None:
    holder = connect(database)
    try:
        with (
            migrate.named_lock(holder, "migrate", timeout=1),
            pytest.raises(MigrationError, match="could not take lock"),
        ):
            migrate.migrate(connection, lock_timeout=1)
        assert tables(connection) == set()
    finally:
        holder.close()
    assert len(migrate.migrate(connection)) == len(migrate.bundled())


def test_the_lock_is_per_database(database: DatabaseConfig, connection: Connection) -> None:
    other = replace(database, database=f"{database.database}_b")
    migrate.run(connection, f"CREATE DATABASE `{other.database}`")
    holder = connect(database)
    try:
        with migrate.named_lock(holder, "migrate", timeout=1):
            other_connection = connect(other)
            try:
                assert len(migrate.migrate(other_connection, lock_timeout=1)) == len(
                    migrate.bundled()
                )
            finally:
                other_connection.close()
    finally:
        holder.close()
        migrate.run(connection, f"DROP DATABASE `{other.database}`")
