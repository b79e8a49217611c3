"""What one test writes, the next one does not see. The tests run in file order."""

from typing import Any

import mysql.connector
import redis

from testsupport.servers import MysqlServer, RedisServer
from testsupport.urls import MysqlUrl, RedisUrl

_first: dict[str, Any] = {}


def test_first_writes_a_table_and_a_key(mysql_url: str, redis_url: str) -> None:
    url = MysqlUrl.parse(mysql_url)
    assert url.host == "127.0.0.1"
    conn = mysql.connector.connect(**url.connect_kwargs())
    cursor = conn.cursor()
    cursor.execute("CREATE TABLE seats (id INT PRIMARY KEY)")
    cursor.execute("INSERT INTO seats VALUES (1)")
    # Left open with the transaction uncommitted, like a leaky connection pool: it holds a
    # metadata lock, so the teardown's DROP DATABASE must end it rather than hang.
    _first["mysql_database"] = url.database
    _first["mysql_connection"] = conn

    redis.Redis.from_url(redis_url).set("hold:1A", "alice")
    _first["redis_url"] = redis_url


def test_second_sees_neither(mysql_url: str, redis_url: str, mysql_server: MysqlServer) -> None:
    url = MysqlUrl.parse(mysql_url)
    conn = mysql.connector.connect(**url.connect_kwargs())
    cursor = conn.cursor()
    cursor.execute("SHOW TABLES")
    assert cursor.fetchall() == []
    conn.close()
    if "mysql_database" in _first:
        assert url.database != _first["mysql_database"]
        admin = mysql_server.connect()
        admin_cursor = admin.cursor()
        admin_cursor.execute("SHOW DATABASES LIKE %s", (_first["mysql_database"],))
        assert admin_cursor.fetchall() == [], "the first test's database was not dropped"
        admin.close()

    client = redis.Redis.from_url(redis_url)
    assert client.get("hold:1A") is None
    assert client.dbsize() == 0


def test_ports_are_published_on_loopback_only(
    mysql_server: MysqlServer, redis_server: RedisServer
) -> None:
    for server, port in ((mysql_server, "3306/tcp"), (redis_server, "6379/tcp")):
        if not server.controllable:
            continue  # external server: not ours to inspect
        container = server._container
        assert container is not None
        bindings = container.get_wrapped_container().attrs["HostConfig"]["PortBindings"]
        assert [b["HostIp"] for b in bindings[port]] == ["127.0.0.1"]
        assert set(bindings) == {port}


def test_redis_url_names_the_server_db(redis_url: str, redis_server: RedisServer) -> None:
    assert RedisUrl.parse(redis_url) == redis_server.url
