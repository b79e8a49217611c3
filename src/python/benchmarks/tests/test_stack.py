from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import stack


def _built(dist: Path, target: str, image_id: str) -> None:
    folder = dist / f"src.python.{target}"
    folder.mkdir(parents=True)
    (folder / "image.docker-info.json").write_text(json.dumps({"image_id": image_id}))


def test_images_are_what_pants_built_into_dist(tmp_path: Path) -> None:
    for target in ("flights", "reservations", "api", "devissuer", "web", "benchmarks"):
        _built(tmp_path, target, f"id-{target}")
    images = stack.images(tmp_path)
    # Keyed by flightres/<name>: docker-compose.bench.yml runs flightres/baselines.
    assert images["baselines"] == "id-benchmarks"
    assert images["flights"] == "id-flights"
    assert len(images) == 6


def test_a_missing_image_says_what_to_build(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="is missing"):
        stack.images(tmp_path)
