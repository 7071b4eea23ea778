"""The installed package carries its data files (a wheel has no repository around it)."""

from __future__ import annotations

import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _packages() -> list[str]:
    with (REPO / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)["tool"]["setuptools"]["packages"]


def test_every_subpackage_is_listed_for_the_wheel():
    listed = set(_packages())
    on_disk = {
        ".".join(p.parent.relative_to(REPO).parts)
        for p in (REPO / "greenkommon").rglob("__init__.py")
    }
    assert on_disk <= listed, f"add to [tool.setuptools] packages: {sorted(on_disk - listed)}"


@pytest.mark.slow
def test_wheel_contains_the_data_files(tmp_path):
    """Build the wheel as pip would and look inside: data files and the climatology are there."""
    import shutil
    import subprocess
    import sys

    leftovers = [REPO / "build", REPO / "greenkommon.egg-info"]
    existed = {p: p.exists() for p in leftovers}
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    for path, was_there in existed.items():
        if not was_there:  # in-tree build artefacts of this test only
            shutil.rmtree(path, ignore_errors=True)
    if proc.returncode != 0:
        pytest.fail(f"pip wheel failed: {proc.stderr[-2000:]}")
    (wheel,) = tmp_path.glob("greenkommon-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for data_file in (REPO / "greenkommon" / "data").glob("*.toml"):
        assert f"greenkommon/data/{data_file.name}" in names
    assert "greenkommon/climatology/climatology_saint_denis.toml" in names
    assert "greenkommon/cli/run.py" in names
    for asset in (REPO / "greenkommon" / "web" / "static").iterdir():
        assert f"greenkommon/web/static/{asset.name}" in names  # the serve page works offline
