"""The web app's engine: cached energy + evaluation equal the CLI's ``run_scenario``."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from greenkommon.pipeline import run_scenario
from greenkommon.scenario import load_scenario, parse_scenario, read_scenario_mapping
from greenkommon.sweep import apply_overrides
from greenkommon.web import _engine

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.mark.parametrize(
    "name", ["greenkommon.toml", "key-static.toml", "venue-leaves.toml", "portfolio.toml"]
)
def test_evaluate_on_simulated_energy_equals_run_scenario(name):
    scenario = load_scenario(SCENARIOS / name)
    expected = run_scenario(scenario)
    got = _engine.evaluate(scenario, _engine.simulate(scenario))
    assert got.venues == expected.venues
    assert got.collective == expected.collective
    for op, ref in zip(got.operations, expected.operations, strict=True):
        pd.testing.assert_frame_equal(op.bills, ref.bills)
        pd.testing.assert_frame_equal(op.finance.summary(), ref.finance.summary())


@pytest.mark.parametrize("name", ["greenkommon.toml", "portfolio.toml"])
def test_resized_energy_equals_a_fresh_simulation(name):
    """Production is proportional to the plant size when every section scales with it."""
    file = SCENARIOS / name
    base = read_scenario_mapping(file)
    energy = _engine.simulate(parse_scenario(base, file))
    tables = base["plants"] if "plants" in base else [base["plant"]]
    for factor in (0.3, 1.8):
        mapping = copy.deepcopy(base)
        for plant in mapping["plants"] if "plants" in mapping else [mapping["plant"]]:
            for section in plant["sections"]:
                section["peak_power_kwp"] *= factor
        scenario = parse_scenario(mapping, file)
        fresh = _engine.simulate(scenario).result
        resized = energy.for_scenario(scenario)
        assert list(resized.production_kwh.columns) == [t["name"] for t in tables]
        np.testing.assert_allclose(
            resized.production_kwh.to_numpy(), fresh.production_kwh.to_numpy(), rtol=1e-9
        )
        pd.testing.assert_frame_equal(resized.consumption_kwh, fresh.consumption_kwh)
        pd.testing.assert_frame_equal(resized.own_production_kwh, fresh.own_production_kwh)


def test_energy_signature_ignores_money_and_size_but_not_physics():
    base = read_scenario_mapping(SCENARIOS / "greenkommon.toml")
    sig = _engine.energy_signature(base)
    cheap = apply_overrides(
        base,
        {
            "plant.peak_power_kwp": 650,
            "key.type": "static",
            "prices.internal_price_eur_per_kwh": 0.12,
            "finance.loan_amount_eur": 1.0,
            "venues.le 6b.contract.subscribed_kva": 200,
        },
    )
    assert _engine.energy_signature(cheap) == sig
    for physics in (
        {"venues.le 6b.load.annual_consumption_kwh": 1.0},
        {"simulation.year": 2025},
        {"weather.seed": 2},
        {"plant.latitude_deg": 45.0},
    ):
        assert _engine.energy_signature(apply_overrides(base, physics)) != sig, physics
    # one section resized alone changes the layout, hence the production's shape
    layout = copy.deepcopy(base)
    layout["plant"]["sections"][0]["peak_power_kwp"] = 50.0
    assert _engine.energy_signature(layout) != sig
    # a host load behind the meter makes the injection non-proportional: the size counts
    host = apply_overrides(base, {"plant.host_load_kw": 10.0})
    host_big = apply_overrides(host, {"plant.peak_power_kwp": 800})
    assert _engine.energy_signature(host) != _engine.energy_signature(host_big)
