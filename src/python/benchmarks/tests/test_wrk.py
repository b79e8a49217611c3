from __future__ import annotations

import json

import pytest

from benchmarks import wrk

# What wrk 4.1 prints with lua/common.lua's done(): its own summary, then our line.
OUTPUT = """\
Running 3s test @ http://127.0.0.1:40111
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    18.02ms    7.11ms  97.60ms   81.13%
    Req/Sec     0.90k   133.47     1.20k    70.00%
  5374 requests in 3.01s, 1.06MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:   1786.08
Transfer/sec:    361.72KB
BENCH_RESULT {"requests":5374,"duration_us":3008842,"p50_us":16874,"p99_us":45013,\
"max_us":97600,"non_2xx_3xx":3,"connect":0,"read":1,"write":0,"timeout":2,\
"max_thread_requests":2700}
"""


def test_parse_reads_the_result_line() -> None:
    result = wrk.parse(OUTPUT)
    assert result.requests == 5374
    assert result.duration_s == pytest.approx(3.008842)
    assert result.throughput == pytest.approx(5374 / 3.008842)
    assert (result.p50_ms, result.p99_ms, result.max_ms) == (16.874, 45.013, 97.6)
    assert result.socket_errors == {"connect": 0, "read": 1, "write": 0, "timeout": 2}
    assert result.max_thread_requests == 2700


def test_errors_are_bad_statuses_plus_socket_errors() -> None:
    assert wrk.parse(OUTPUT).errors(expected_status=201) == 3 + 1 + 2


def test_an_expected_error_status_cannot_be_told_apart() -> None:
    with pytest.raises(ValueError, match="cannot separate"):
        wrk.parse(OUTPUT).errors(expected_status=409)


@pytest.mark.parametrize(
    "output",
    [
        "Running 3s test @ http://127.0.0.1:1\n  0 requests in 3.00s\n",  # no done() line
        OUTPUT + OUTPUT.splitlines()[-1] + "\n",  # two of them
    ],
)
def test_parse_wants_exactly_one_result_line(output: str) -> None:
    with pytest.raises(ValueError, match="BENCH_RESULT"):
        wrk.parse(output)


def test_parse_refuses_a_zero_duration() -> None:
    line = OUTPUT.splitlines()[-1].replace('"duration_us":3008842', '"duration_us":0')
    with pytest.raises(ValueError, match="implausible"):
        wrk.parse(line)


def test_lua_values() -> None:
    assert wrk.lua_value(3) == "3"
    assert wrk.lua_value('say "hi"') == '"say \\"hi\\""'
    assert wrk.lua_value([[63, 1], ["1A", "1B"]]) == '{{63,1},{"1A","1B"}}'
    with pytest.raises(TypeError):
        wrk.lua_value(True)


def test_script_puts_the_variables_first_then_common_then_the_workload() -> None:
    source = wrk.script("booking.lua", {"RUN": "b11m", "SEATS": 3})
    assert source.startswith('RUN = "b11m"\nSEATS = 3\n')
    assert source.index("function done(") < source.index("function request(")
    assert "function request(" not in wrk.script(None, {})


def test_every_workload_script_reports_through_common() -> None:
    for path in wrk.LUA_DIR.glob("*.lua"):
        if path.name != "common.lua":
            assert "function done(" not in path.read_text(), path.name


def test_command() -> None:
    argv = wrk.command(
        "http://127.0.0.1:1/x", wrk.LUA_DIR / "common.lua", seconds=0.4, connections=32, threads=2
    )
    assert argv[:4] == ["wrk", "-t2", "-c32", "-d1s"]  # wrk's shortest run is a second
    assert argv[-1] == "http://127.0.0.1:1/x"


def test_the_result_line_is_valid_json_for_any_integers() -> None:
    # common.lua formats every field with %d: the line must stay JSON.
    common = (wrk.LUA_DIR / "common.lua").read_text()
    template = common.split("'BENCH_RESULT ", 1)[1].split("\\n'", 1)[0]
    template = template.replace("'\n      .. '", "")
    assert json.loads(template.replace("%d", "7"))["max_thread_requests"] == 7
