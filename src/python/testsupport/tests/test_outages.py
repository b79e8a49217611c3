"""Taking servers down mid-test, and getting them back (what services' 503 tests need)."""

import time

import mysql.connector
import pytest
import redis

from testsupport.servers import MysqlServer, RedisServer
from testsupport.urls import MysqlUrl

pytest_plugins = ["pytester"]


def _connect(mysql_url: str, timeout: int = 5) -> mysql.connector.abstracts.MySQLConnectionAbstract:
    conn = mysql.connector.connect(
        **MysqlUrl.parse(mysql_url).connect_kwargs(), connection_timeout=timeout
    )
    assert isinstance(conn, mysql.connector.abstracts.MySQLConnectionAbstract)
    return conn


def test_mysql_stopped_refuses_then_recovers_with_data(
    mysql_server: MysqlServer, mysql_url: str
) -> None:
    conn = _connect(mysql_url)
    conn.cursor().execute("CREATE TABLE flights (id INT PRIMARY KEY)")
    conn.close()

    with mysql_server.stopped():
        started = time.monotonic()
        with pytest.raises(mysql.connector.Error):
            _connect(mysql_url)
        assert time.monotonic() - started < 3, "a stopped server should refuse at once"

    conn = _connect(mysql_url)
    cursor = conn.cursor()
    cursor.execute("SHOW TABLES")
    assert cursor.fetchall() == [("flights",)]
    conn.close()


def test_mysql_paused_times_out_then_recovers(mysql_server: MysqlServer, mysql_url: str) -> None:
    with mysql_server.paused():
        started = time.monotonic()
        with pytest.raises(mysql.connector.Error):
            _connect(mysql_url, timeout=1)
        assert 0.9 < time.monotonic() - started < 10, "a paused server should hang, not refuse"
    _connect(mysql_url).close()


def test_redis_stopped_refuses_then_recovers_empty(
    redis_server: RedisServer, redis_url: str
) -> None:
    client = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
    client.set("k", "v")
    redis_server.stop()
    try:
        with pytest.raises(redis.ConnectionError):
            client.ping()
    finally:
        redis_server.start()
    assert client.ping()
    assert client.get("k") is None  # no persistence: a restart empties Redis


def test_redis_paused_times_out(redis_server: RedisServer, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
    client.set("k", "v")
    with redis_server.paused(), pytest.raises(redis.TimeoutError):
        client.get("k")
    assert client.get("k") == b"v"


# Run in a pytest session of its own, in this order: the fixtures must bring back what the
# first test leaves down before the second one gets them.
LEAVES_THE_SERVERS_DOWN = """
from testsupport.fixtures import mysql_server, mysql_url, redis_server, redis_url

def test_leaves_the_servers_down(mysql_server, redis_server, mysql_url, redis_url):
    mysql_server.stop()
    redis_server.pause()

def test_runs_after_it(mysql_server, redis_server, mysql_url, redis_url):
    assert mysql_server.probe() is None
    assert redis_server.probe() is None
"""


def test_a_test_that_leaves_the_servers_down_does_not_break_the_next(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(LEAVES_THE_SERVERS_DOWN)
    pytester.runpytest().assert_outcomes(passed=2)
