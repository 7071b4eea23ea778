"""The decision's plan answer comes from the stage cache on a repeated run: the same answer,
no second solve, no Pyomo import."""

from __future__ import annotations

import dataclasses
import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import hourly_variant

import greenkommon.plan
from greenkommon import _cache
from greenkommon.decision import decide
from greenkommon.evaluate import run_scenario
from greenkommon.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]


def test_dates_are_keyed_by_their_value():
    day = datetime.date(2026, 1, 1)
    assert _cache.key_of("s", day) == _cache.key_of("s", datetime.date(2026, 1, 1))
    assert _cache.key_of("s", day) != _cache.key_of("s", datetime.date(2026, 1, 2))
    assert _cache.key_of("s", day) != _cache.key_of("s", datetime.datetime(2026, 1, 1))


@pytest.fixture
def counted(monkeypatch, tmp_path):
    monkeypatch.setenv("GREENKOMMON_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GREENKOMMON_CACHE", "on")
    _cache.clear_memory()
    calls: list[object] = []
    solve = greenkommon.plan.plan_scenario

    def counting(scenario, **kw):
        calls.append(scenario)
        return solve(scenario, **kw)

    monkeypatch.setattr(greenkommon.plan, "plan_scenario", counting)
    yield calls
    _cache.clear_memory()


@pytest.mark.slow
def test_repeated_decision_reads_the_plan_back(counted, tmp_path):
    scenario = load_scenario(hourly_variant(tmp_path))
    result = run_scenario(scenario)
    first = decide(result)
    assert not first.go and first.plan is not None  # the bundled layout is not eligible
    assert len(counted) == 1
    again = decide(result)
    _cache.clear_memory()  # a new process: from the disk
    from_disk = decide(result)
    assert len(counted) == 1
    for d in (again, from_disk):
        assert d.sentence() == first.sentence()
        assert d.sentence("fr") == first.sentence("fr")
        assert repr(d.plan.configurations) == repr(first.plan.configurations)
        assert d.plan.notes == first.plan.notes
    # a changed scenario is solved again
    prices = dataclasses.replace(scenario.prices, internal_price_eur_per_kwh=0.07)
    changed = dataclasses.replace(scenario, prices=prices)
    decide(run_scenario(changed))
    assert len(counted) == 2
    # a new process with the warm cache decides without importing Pyomo
    code = (
        "import sys\n"
        "from greenkommon.decision import decide\n"
        "from greenkommon.evaluate import run_scenario\n"
        "from greenkommon.scenario import load_scenario\n"
        f"d = decide(run_scenario(load_scenario({str(tmp_path / 'hourly.toml')!r})))\n"
        "print(d.sentence())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyomo', 'highspy')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={**os.environ},
    ).stdout.splitlines()
    assert out[-1] == "[]"
    assert "\n".join(out[:-1]) == first.sentence()
