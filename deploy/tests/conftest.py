from __future__ import annotations

from pathlib import Path

import pytest

from deploytest import charts


@pytest.fixture(scope="session")
def chart_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """deploy/helm copied to a temporary directory with each chart's service-lib packed."""
    return charts.copy_charts(tmp_path_factory.mktemp("helm") / "helm")


@pytest.fixture(scope="session")
def rendered(chart_root: Path) -> charts.Render:
    """Renders (service, values file) once per session."""
    cache: dict[tuple[str, str], list[charts.Manifest]] = {}

    def render(service: str, values_file: str) -> list[charts.Manifest]:
        if (service, values_file) not in cache:
            chart = chart_root / service
            cache[service, values_file] = charts.render(
                chart, charts.load_values(chart, values_file)
            )
        return cache[service, values_file]

    return render
