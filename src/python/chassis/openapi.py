"""Every service serves its committed OpenAPI document, ``<package>/openapi.yaml``, at
``/openapi.json`` (design-first: nothing is generated from the code). The tests check every
response against the same file (``testsupport.openapi``), so what clients read is what the
service does. The service's BUILD declares the file: importlib.resources hides it from Pants.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def committed(package: str) -> dict[str, Any]:
    text = (resources.files(package) / "openapi.yaml").read_text(encoding="utf-8")
    spec: dict[str, Any] = yaml.safe_load(text)
    return spec
