#!/usr/bin/env python3
"""Sums the JUnit XML reports Pants writes (`[test].report`) into one line per outcome.

Pants reports per test file; CI wants the number of tests. Exits 1 when any test failed or
errored, or when no test ran at all (an empty run must not look green). JUnit counts an
expected failure (pytest's xfail: a known bug pinned by a test) as skipped; a line before the
summary says how many of the skipped are that, so that no real skip hides among them.
"""

import sys
import xml.etree.ElementTree as ET  # noqa: N817 - the conventional alias
from pathlib import Path


def main(report_dir: str) -> int:
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    xfailed = 0
    for report in sorted(Path(report_dir).rglob("*.xml")):
        root = ET.parse(report).getroot()  # noqa: S314 - our own test reports
        suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
        for suite in suites:
            for key in totals:
                totals[key] += int(suite.get(key, 0))
            xfailed += sum(1 for s in suite.iter("skipped") if s.get("type") == "pytest.xfail")
    failed = totals["failures"] + totals["errors"]
    passed = totals["tests"] - failed - totals["skipped"]
    other = totals["skipped"] - xfailed
    print(f"of the skipped: {xfailed} xfail (known bugs pinned by tests), {other} other skips")
    print(f"tests: {passed} passed, {failed} failed, {totals['skipped']} skipped")
    return 1 if failed or totals["tests"] == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "dist/test/reports"))
