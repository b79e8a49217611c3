"""The system benchmark's entry point: `make bench` builds it into
dist/src.python.benchmarks/bench.pex (src/python/benchmarks:bench) and runs it from the
repository's root. runner.py has the details and the options (BENCH_ARGS="--help")."""

import sys

from benchmarks.runner import guard, main

if __name__ == "__main__":
    sys.exit(guard(main))
