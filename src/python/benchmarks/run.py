"""The system benchmark's entry point (``make bench``); runner.py has the details:

    python3 src/python/benchmarks/run.py [--duration 20] [--quick] [--rounds N] [--help]
    python3 src/python/benchmarks/run.py --worker-models [--rounds N]

Standard library only, so any Python 3.11 runs it from a checkout once ``./pants package``
has built the PEX files it starts.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    if sys.version_info < (3, 11):  # noqa: UP036 - python3 may be older than the code
        sys.exit("benchmarks: needs Python 3.11 or later (python3.11 src/python/benchmarks/run.py)")
    # Run as a file: import the package from src/python, not from this directory (its module
    # names must not shadow anything).
    sys.path[0] = str(Path(__file__).resolve().parents[1])
    sys.dont_write_bytecode = True  # no __pycache__ left in the checkout by `make bench`
    from benchmarks.runner import guard, main

    sys.exit(guard(main))
