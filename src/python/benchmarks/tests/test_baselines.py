from __future__ import annotations

import ast
import inspect

import api.cli
from benchmarks.baselines import UVICORN_OPTIONS


def test_the_fastapi_baseline_is_served_like_the_api_layer() -> None:
    """The baseline's uvicorn options are api/cli.py's, host and port aside: change one, and
    the comparison is no longer like for like."""
    calls = [
        node
        for node in ast.walk(ast.parse(inspect.getsource(api.cli)))
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "uvicorn.run"
    ]
    assert len(calls) == 1
    options = {
        keyword.arg: ast.literal_eval(keyword.value)
        for keyword in calls[0].keywords
        if keyword.arg not in ("host", "port")
    }
    assert options == UVICORN_OPTIONS
