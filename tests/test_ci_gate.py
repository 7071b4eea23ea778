"""``CI=true`` turns a skipped test into a failure (tests/conftest.py), so a CI run cannot pass
by skipping what it could not run (a missing browser, missing reference data)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _run(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    shutil.copy(HERE / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_skips.py").write_text(
        "import pytest\n\n"
        "def test_runs():\n    assert True\n\n"
        "def test_needs_a_browser():\n    pytest.skip('no headless Chromium')\n\n"
        "@pytest.fixture\ndef data():\n    pytest.skip('reference data absent')\n\n"
        "def test_needs_data(data):\n    assert data\n\n"
        "@pytest.mark.xfail(reason='known', strict=True)\ndef test_known():\n    assert False\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", os.devnull, "."],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_skips_fail_in_ci_and_stay_skips_elsewhere(tmp_path):
    local = _run(tmp_path, None)
    assert local.returncode == 0, local.stdout
    assert "1 passed, 2 skipped, 1 xfailed" in local.stdout
    ci = _run(tmp_path, "true")
    assert ci.returncode == 1, ci.stdout
    assert "no headless Chromium" in ci.stdout and "reference data absent" in ci.stdout
    assert "1 failed, 1 passed, 1 xfailed, 1 error" in ci.stdout
