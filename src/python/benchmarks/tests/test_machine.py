from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks import machine

ID = "265da02cbc3b"
HYBRID = f"""12:pids:/docker/{ID}
3:cpu,cpuacct:/docker/{ID}
1:name=systemd:/docker/{ID}
0::/docker/{ID}
"""


def test_cgroup_v1_counts_cpu_in_cpuacct_usage() -> None:
    found = machine.cgroup_cpu_file(HYBRID, Path("/cg"))
    assert found == Path(f"/cg/cpu,cpuacct/docker/{ID}/cpuacct.usage")


def test_cgroup_v2_counts_cpu_in_cpu_stat() -> None:
    found = machine.cgroup_cpu_file(f"0::/system.slice/docker-{ID}.scope\n", Path("/cg"))
    assert found == Path(f"/cg/system.slice/docker-{ID}.scope/cpu.stat")


def test_no_cpu_cgroup_is_an_error() -> None:
    with pytest.raises(ValueError, match="no CPU accounting"):
        machine.cgroup_cpu_file("5:pids:/x\n")


def test_cpu_seconds_from_either_file(tmp_path: Path) -> None:
    v1 = tmp_path / "cpuacct.usage"
    v1.write_text("2500000000\n")
    v2 = tmp_path / "cpu.stat"
    v2.write_text("usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n")
    assert machine.cgroup_cpu(v1) == pytest.approx(2.5)
    assert machine.cgroup_cpu(v2) == pytest.approx(1.5)


def test_cpu_stat_without_usage_is_an_error(tmp_path: Path) -> None:
    v2 = tmp_path / "cpu.stat"
    v2.write_text("nr_periods 0\n")
    with pytest.raises(ValueError, match="usage_usec"):
        machine.cgroup_cpu(v2)


def test_meter_counts_the_cgroups_growth(tmp_path: Path) -> None:
    usage = tmp_path / "cpuacct.usage"
    usage.write_text("1000000000")
    meter = machine.CpuMeter([usage], [])
    meter.start()
    usage.write_text("1250000000")
    assert meter.stop()["servers_cpu_s"] == pytest.approx(0.25)


def test_engine_processes_include_each_containers_parent() -> None:
    # This test's process stands in for a container's main process; its parent for the shim.
    assert os.getppid() in machine.engine_pids(set(), [os.getpid()])
