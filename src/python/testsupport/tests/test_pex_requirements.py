"""Every requirement a service's PEX carries is imported by the sources in that PEX.

Pants adds a requirement to a PEX when a source imports it, but also when a BUILD file says
so (an override's ``dependencies``, a type stub it infers along): those can outlive the
import that justified them, as httpx did in the API's PEX. This reads the PEXes Pants built for
the test (``runtime_package_dependencies`` in BUILD): the requirements in ``PEX-INFO``, the
top-level modules of each requirement's wheel in ``.deps/``, and the imports of the PEX's own
sources, and fails for a requirement none of them imports.
"""

from __future__ import annotations

import ast
import json
import re
import zipfile
from pathlib import Path

import pytest

SERVICES = ("api", "flights", "reservations", "web")
_NOT_SOURCES = (".bootstrap/", ".deps/", "__pex__/", "__main__.py")


def _project(name: str) -> str:
    """The canonical project name (PEP 503) of a requirement, e.g. ``uvicorn[standard]<1``."""
    found = re.match(r"[A-Za-z0-9._-]+", name)
    assert found is not None, name
    return re.sub(r"[-_.]+", "-", found[0]).lower()


def _imports(source: str) -> set[str]:
    """Top-level names of the absolute imports in SOURCE."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def unimported_requirements(pex: Path) -> set[str]:
    with zipfile.ZipFile(pex) as archive:
        names = archive.namelist()
        requirements = json.loads(archive.read("PEX-INFO"))["requirements"]
        imported = set().union(
            *(
                _imports(archive.read(name).decode())
                for name in names
                if name.endswith(".py") and not name.startswith(_NOT_SOURCES)
            )
        )
    # .deps/<project>-<version>-<tags>.whl/<what it installs>: packages, modules, extensions.
    modules: dict[str, set[str]] = {}
    for name in names:
        parts = name.split("/")
        if parts[0] == ".deps" and len(parts) > 2 and parts[2]:
            project = _project(parts[1].split("-")[0])
            modules.setdefault(project, set()).add(parts[2].split(".")[0])
    return {
        requirement
        for requirement in requirements
        if not modules.get(_project(requirement), set()) & imported
    }


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_pex_carries_only_requirements_its_sources_import(service: str) -> None:
    assert unimported_requirements(Path(f"src.python.{service}/{service}.pex")) == set()
