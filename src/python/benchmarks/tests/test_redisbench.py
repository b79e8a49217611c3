from __future__ import annotations

import pytest

from benchmarks import redisbench

CSV = """\
"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"HSETNX bench:hsetnx __rand_int__ v","45669.41","0.636","0.160","0.599","0.999","1.447","4.279"
"""

# redis-benchmark 7.0 -q: progress lines overwritten with \r, then the result.
QUIET_7 = (
    "HSETNX k __rand_int__ v: rps=9697.2 (overall: 18916.1) avg_msec=2.451 (overall: 1.174)\r"
    + " " * 40
    + "\rHSETNX k __rand_int__ v: 14981.27 requests per second, p50=0.943 msec\n"
)
QUIET_6 = "HSETNX k __rand_int__ v: 51020.41 requests per second\n"


def test_csv() -> None:
    result = redisbench.parse(CSV)
    assert result.test == "HSETNX bench:hsetnx __rand_int__ v"
    assert (result.requests_per_s, result.p50_ms, result.p99_ms) == (45669.41, 0.599, 1.447)


def test_quiet_output_takes_the_final_line_not_the_progress() -> None:
    result = redisbench.parse(QUIET_7)
    assert (result.requests_per_s, result.p50_ms, result.p99_ms) == (14981.27, 0.943, None)


def test_quiet_output_without_percentiles() -> None:
    assert redisbench.parse(QUIET_6).requests_per_s == 51020.41
    assert redisbench.parse(QUIET_6).p50_ms is None


@pytest.mark.parametrize("output", ["", "Could not connect to Redis at 127.0.0.1:1\n", CSV[:100]])
def test_no_result_is_an_error(output: str) -> None:
    with pytest.raises(ValueError, match="redis-benchmark"):
        redisbench.parse(output)


def test_command_writes_a_new_field_each_time() -> None:
    argv = redisbench.command("redis", 6379, clients=32, requests=1000, password="pw")
    assert argv[argv.index("-c") + 1] == "32"
    assert argv[argv.index("-a") + 1] == "pw"  # the stack's Redis asks for its password
    assert "-r" in argv  # without it every HSETNX would hit the same field and write nothing
    assert argv[-4:] == ["HSETNX", redisbench.KEY, "__rand_int__", "v"]
