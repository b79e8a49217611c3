"""The result of a run as plain data: the summary table printed at the end and the JSON that
``--json`` writes. No Locust here (runner.py fills it in)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Row:
    """One Locust request name (or the total): counts and response times in milliseconds."""

    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    statuses: dict[str, int] = field(default_factory=dict)  # HTTP status -> count ("0": none)


@dataclass
class Report:
    rows: list[Row]
    total: Row
    seconds: float
    failures: dict[str, int] = field(default_factory=dict)  # "name: reason" -> count
    exceptions: list[str] = field(default_factory=list)  # errors in the journeys' own code
    holdings: list[tuple[int, str, str]] = field(default_factory=list)  # flight, seat, customer
    double_booked: list[tuple[int, str]] = field(default_factory=list)
    flights_booked: list[int] = field(default_factory=list)  # every flight a 201 touched

    @property
    def ok(self) -> bool:
        return (
            self.total.requests > 0
            and self.total.failures == 0
            and not self.exceptions
            and not self.double_booked
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"ok": self.ok}


def _statuses(row: Row) -> str:
    return " ".join(f"{code}:{count}" for code, count in sorted(row.statuses.items()))


def format_table(report: Report) -> str:
    header = ("Name", "Requests", "Failures", "Req/s", "p50 ms", "p95 ms", "p99 ms", "Statuses")
    lines = [
        (
            row.name,
            str(row.requests),
            str(row.failures),
            f"{row.rps:.1f}",
            f"{row.p50:.0f}",
            f"{row.p95:.0f}",
            f"{row.p99:.0f}",
            _statuses(row),
        )
        for row in [*sorted(report.rows, key=lambda r: r.name), report.total]
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]

    def render(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:-1], widths[1:-1], strict=True))
        return "  ".join([first, *rest, cells[-1]]).rstrip()

    rule = "-" * len(render(header))
    out = [render(header), rule, *(render(cells) for cells in lines[:-1]), rule, render(lines[-1])]
    out.append(f"{report.seconds:.1f} s, {len(report.holdings)} seats held at the end")
    for failure, count in sorted(report.failures.items()):
        out.append(f"FAILURE x{count}: {failure}")
    for exception in report.exceptions:
        out.append(f"ERROR in a journey: {exception}")
    for flight_id, seat in report.double_booked:
        out.append(f"DOUBLE BOOKING: flight {flight_id} seat {seat}")
    out.append("OK: no failures" if report.ok else "FAILED")
    return "\n".join(out)
