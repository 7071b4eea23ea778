"""Shared fixtures.

``shared_dir`` points at the read-only ``../shared`` folder next to the repository (reference
weather years, rules). Tests that need it are skipped, with the reason, when it is absent.

In CI (``CI=true``) nothing may pass by being skipped: a skipped test (missing reference data,
no headless Chromium, a missing tool) is reported as a failure naming what to install, so a
green CI run means every test ran.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: ``CI=true``: skips fail (see module docstring).
IN_CI = os.environ.get("CI", "").strip().lower() == "true"


def _fail_skip_in_ci(report: pytest.TestReport | pytest.CollectReport) -> None:
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI=true: a skipped test fails in CI, install what it needs: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # noqa: ANN001, ANN201
    outcome = yield
    _fail_skip_in_ci(outcome.get_result())


def pytest_collectreport(report):  # noqa: ANN001, ANN201
    _fail_skip_in_ci(report)


SCENARIOS = REPO / "scenarios"


def _shared_dir() -> Path:
    env = os.environ.get("GREENKOMMON_SHARED")
    return Path(env) if env else REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = _shared_dir()
    if not (path / "data" / "weather").is_dir():
        pytest.skip(f"reference data folder {path}/data/weather is absent (set GREENKOMMON_SHARED)")
    return path


@pytest.fixture(scope="session")
def baseline_scenario_path() -> Path:
    return SCENARIOS / "greenkommon.toml"


def pytest_addoption(parser):
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="rewrite the golden reference files of the end-to-end tests instead of comparing",
    )


@pytest.fixture(scope="session")
def regen_golden(request) -> bool:
    return bool(request.config.getoption("--regen-golden"))


@pytest.fixture(autouse=True, scope="session")
def _stage_cache_dir(tmp_path_factory: pytest.TempPathFactory):
    """Keep the stage cache (greenkommon._cache) of the test session out of the user's home."""
    old = os.environ.get("GREENKOMMON_CACHE_DIR")
    os.environ["GREENKOMMON_CACHE_DIR"] = str(tmp_path_factory.mktemp("stage-cache"))
    yield
    if old is None:
        os.environ.pop("GREENKOMMON_CACHE_DIR", None)
    else:
        os.environ["GREENKOMMON_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def hourly_result(tmp_path_factory):
    """A real run of the bundled scenario on the hourly grid, computed once per session: it
    warms the stage cache (greenkommon._cache), so commands on that scenario (or one differing
    only in what does not change the energy: names, keys, prices, meter ids) run in a fraction
    of a second."""
    from helpers import hourly_variant

    from greenkommon.config import read_scenario
    from greenkommon.evaluate import run_scenario

    path = hourly_variant(tmp_path_factory.mktemp("hourly"))
    return path, run_scenario(read_scenario(path))


@pytest.fixture
def cached_run(hourly_result):
    """The hourly scenario's path, its energy already simulated (see :func:`hourly_result`)."""
    path, _ = hourly_result
    return path
