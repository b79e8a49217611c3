"""The environment paths: servers named by URL, and no server at all. Each runs pytest in a
subprocess so that its environment (and the session fixtures) are its own."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from testsupport import servers
from testsupport.fixtures import DEFAULT_REDIS_IMAGE
from testsupport.servers import MysqlServer, RedisServer, docker_engine_problem

NO_ENGINE = "unix:///nonexistent/docker.sock"

TWO_TESTS = """
def test_one(mysql_url, redis_url):
    pass

def test_two(mysql_url, redis_url):
    pass
"""

URL_OVERRIDE_TESTS = """
import mysql.connector
import redis
from testsupport.urls import MysqlUrl, RedisUrl

def test_uses_the_given_servers(mysql_url, redis_url, mysql_server, redis_server):
    url = MysqlUrl.parse(mysql_url)
    assert (url.host, url.port) == ("127.0.0.1", {mysql_port})
    assert url.database.startswith("t_")
    assert RedisUrl.parse(redis_url).db == 3
    assert not mysql_server.controllable and not redis_server.controllable
    conn = mysql.connector.connect(**url.connect_kwargs())
    conn.cursor().execute("CREATE TABLE seats (id INT)")
    conn.close()
    redis.Redis.from_url(redis_url).set("k", "v")

def test_isolated_from_the_previous_test(mysql_url, redis_url):
    conn = mysql.connector.connect(**MysqlUrl.parse(mysql_url).connect_kwargs())
    cursor = conn.cursor()
    cursor.execute("SHOW TABLES")
    assert cursor.fetchall() == []
    conn.close()
    assert redis.Redis.from_url(redis_url).dbsize() == 0

def test_outage_helpers_skip(mysql_server):
    mysql_server.stop()
"""


def _run_pytest(tmp_path: Path, tests: str, **env: str | None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(
        "from testsupport.fixtures import mysql_server, mysql_url, redis_server, redis_url"
        "  # noqa: F401\n"
    )
    (tmp_path / "test_inner.py").write_text(tests)
    # The child sees exactly what this interpreter sees (also inside a Pants sandbox/PEX).
    child_env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for name in ("TEST_MYSQL_URL", "TEST_REDIS_URL"):
        child_env.pop(name, None)
    for name, value in env.items():
        if value is None:
            child_env.pop(name, None)
        else:
            child_env[name] = value
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", str(tmp_path)],
        cwd=tmp_path,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_no_engine_and_no_urls_fail_with_one_clear_message(tmp_path: Path) -> None:
    result = _run_pytest(tmp_path, TWO_TESTS, DOCKER_HOST=NO_ENGINE)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "2 errors" in output, output
    assert "No MySQL server for the tests: TEST_MYSQL_URL is not set" in output
    assert NO_ENGINE in output
    assert "build-support/images/build.sh" in output
    assert "Traceback" not in output
    assert "docker/api" not in output  # no Docker SDK frames
    assert "skipped" not in output


def test_detection_reports_a_missing_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", NO_ENGINE)
    problem = docker_engine_problem()
    assert problem is not None
    assert "No such file or directory" in problem


def test_missing_image_is_reported_not_pulled(tmp_path: Path) -> None:
    if docker_engine_problem() is not None:
        pytest.skip("needs a Docker engine (this run uses TEST_*_URL servers)")
    result = _run_pytest(tmp_path, TWO_TESTS, MYSQL_IMAGE="flightres/not-built:0")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "image flightres/not-built:0 (MYSQL_IMAGE) is not in the local Docker engine" in output
    assert "Traceback" not in output


def test_urls_replace_containers(
    tmp_path: Path, mysql_server: MysqlServer, redis_server: RedisServer
) -> None:
    # The servers of this session, handed to a child session by URL; the child has no
    # Docker engine at all, so it can only pass by using the URLs.
    tests = URL_OVERRIDE_TESTS.replace("{mysql_port}", str(mysql_server.url.port))
    result = _run_pytest(
        tmp_path,
        tests,
        DOCKER_HOST=NO_ENGINE,
        TEST_MYSQL_URL=str(mysql_server.url),
        TEST_REDIS_URL=str(redis_server.url.with_db(3)),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "2 passed, 1 skipped" in output, output
    assert "TEST_MYSQL_URL names an external server" in output


def test_a_port_taken_meanwhile_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    if docker_engine_problem() is not None:
        pytest.skip("needs a Docker engine (this run uses TEST_*_URL servers)")
    image = os.environ.get("REDIS_IMAGE", DEFAULT_REDIS_IMAGE)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        picks = iter([taken])
        real_pick = servers._free_loopback_port
        monkeypatch.setattr(
            servers, "_free_loopback_port", lambda: next(picks, None) or real_pick()
        )
        server = servers.start_redis_container(image)
        try:
            assert server.url.port != taken
            assert server.probe() is None
        finally:
            server.remove()
