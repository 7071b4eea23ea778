"""End-to-end runs of the bundled scenario: conservation, bills, CLI, golden references.

The golden files in ``tests/golden/`` are regression references, regenerated on purpose with
``python -m pytest tests/test_end_to_end.py --regen-golden`` after a reviewed model change; the
physical checks (conservation, caps, bills adding up) never depend on them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from greenkommon.cli import main
from greenkommon.pipeline import run_scenario
from greenkommon.scenario import load_scenario

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def baseline(baseline_scenario_path):
    return run_scenario(load_scenario(baseline_scenario_path))


def test_grid_and_shapes(baseline):
    index = baseline.index
    assert index.tz is not None and str(index.tz) == "Europe/Paris"
    assert len(index) == 17520  # 2026 at 30 min: 365 days x 48, DST days included
    names = baseline.scenario.venue_names
    for frame in (baseline.consumption_kwh, baseline.allocated_kwh, baseline.grid_import_kwh):
        assert list(frame.columns) == names
        assert frame.index.equals(index)
    assert baseline.production_kwh.index.equals(index)


def test_energy_is_conserved_at_every_step(baseline):
    production = baseline.production_kwh.to_numpy()
    allocated = baseline.allocated_kwh.to_numpy()
    consumption = baseline.consumption_kwh.to_numpy()
    surplus = baseline.surplus_kwh.to_numpy()
    np.testing.assert_allclose(allocated.sum(axis=1) + surplus, production, rtol=0, atol=1e-9)
    assert (allocated >= -1e-12).all()
    assert (allocated <= consumption + 1e-9).all()
    assert (surplus >= -1e-12).all()
    np.testing.assert_allclose(
        baseline.grid_import_kwh.to_numpy(), consumption - allocated, atol=1e-9
    )


def test_production_is_plausible(baseline):
    coll = baseline.collective_summary()
    # Île-de-France yields are commonly 950-1,150 kWh/kWp for optimal tilt; a 10° east-west roof
    # yields less (the reference's pvlib run on IWEC gave 941 kWh/kWp at 10° south).
    assert 750 < coll["specific_yield_kwh_per_kwp"] < 1150
    assert (baseline.production_kwh >= 0).all()
    night = baseline.production_kwh[baseline.index.hour.isin([0, 1, 2, 3])]
    assert night.max() == 0


def test_bills_add_up(baseline):
    bills = baseline.bills
    np.testing.assert_allclose(
        bills["savings_eur"], bills["bill_without_eur"] - bills["bill_with_eur"], atol=1e-6
    )
    assert (bills["bill_with_eur"] > 0).all()
    coll = baseline.collective_summary()
    assert math.isclose(coll["savings_eur"], bills["savings_eur"].sum(), rel_tol=1e-12)


def test_static_key_leaves_more_surplus_than_prorata(baseline, tmp_path, baseline_scenario_path):
    # Same shares as the yearly consumption shares: pro rata redistributes at every step, a static
    # key cannot, so its surplus can only be larger (D315-4 cap, no redistribution).
    cons = baseline.consumption_kwh.sum()
    shares = (cons / cons.sum()).round(6)
    shares.iloc[-1] = 1 - shares.iloc[:-1].sum() - 1e-9
    body = ", ".join(f'"{n}" = {v:.9f}' for n, v in shares.items())
    variant = tmp_path / "static.toml"
    variant.write_text(
        f'extends = "{baseline_scenario_path.as_posix()}"\n[key]\ntype = "static"\ncoefficients = {{ {body} }}\n',
        encoding="utf-8",
    )
    static = run_scenario(load_scenario(variant))
    assert static.surplus_kwh.sum() >= baseline.surplus_kwh.sum() - 1e-6
    np.testing.assert_allclose(static.production_kwh, baseline.production_kwh)


def test_cli_run_prints_venues_and_writes_results(tmp_path, capsys, baseline_scenario_path):
    out = tmp_path / "results"
    assert main(["run", str(baseline_scenario_path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for name in load_scenario(baseline_scenario_path).venue_names:
        assert name in printed
    assert "Collective:" in printed and "self-consumption" in printed
    ts = pd.read_csv(out / "timeseries.csv", index_col=0)
    assert len(ts) == 17520
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["collective"]["production_kwh"] == pytest.approx(
        ts["production_kwh"].sum(), rel=1e-6
    )
    assert not list(tmp_path.glob(".results.*")), "temporary folder left behind"


def _golden_payload(result) -> dict:
    venues = result.venue_summary()
    return {
        "collective": result.collective_summary(),
        "venues": {name: {k: float(v) for k, v in row.items()} for name, row in venues.iterrows()},
    }


@pytest.mark.parametrize(
    "scenario_name", ["greenkommon", "key-redistributed", "plant-800kwp", "venue-leaves"]
)
def test_golden_scenarios(scenario_name, baseline, regen_golden):
    scenario_file = Path(__file__).resolve().parents[1] / "scenarios" / f"{scenario_name}.toml"
    result = (
        baseline if scenario_name == "greenkommon" else run_scenario(load_scenario(scenario_file))
    )
    path = GOLDEN / f"{scenario_name}.json"
    payload = _golden_payload(result)
    if regen_golden:
        path.write_text(
            json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        pytest.skip(f"golden file {path.name} regenerated")
    if not path.exists():
        pytest.fail(f"{path} is missing: run pytest {__file__} --regen-golden and review it")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert set(payload["venues"]) == set(expected["venues"])
    for key, value in expected["collective"].items():
        assert payload["collective"][key] == pytest.approx(value, rel=1e-6, abs=1e-6), key
    for name, row in expected["venues"].items():
        for key, value in row.items():
            assert payload["venues"][name][key] == pytest.approx(value, rel=1e-6, abs=1e-6), (
                name,
                key,
            )


def test_cli_resolution_reports_three_steps(capsys, baseline_scenario_path):
    assert main(["resolution", str(baseline_scenario_path)]) == 0
    out = capsys.readouterr().out
    for step in ("15min", "30min", "1h"):
        assert step in out
    assert "scenario (prorata)" in out and "35040 steps" in out


def test_outputs_get_normal_permissions(tmp_path):
    """Temporary files are private (0600); the finished outputs follow the umask like any file."""
    import os

    from greenkommon._io import atomic_write_text, shared_mode

    out = atomic_write_text(tmp_path / "a.txt", "x")
    assert (os.stat(out).st_mode & 0o777) == shared_mode()
    assert shared_mode(directory=True) & 0o700 == 0o700
