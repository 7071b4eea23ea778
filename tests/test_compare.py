"""Scenario comparison: the table, its differences, missing venues, escalation cases, the CLI,
and the bundled scenario variants."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import hourly_variant

from greenkommon.cli import main
from greenkommon.compare import compare_results, format_comparison, scenario_kpis
from greenkommon.errors import ScenarioError
from greenkommon.pipeline import run_scenario
from greenkommon.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
BASELINE = SCENARIOS / "greenkommon.toml"


def _variant(folder: Path, name: str, extra: str = "") -> Path:
    return hourly_variant(folder, name, extra, title=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cmp")
    base = run_scenario(load_scenario(_variant(tmp, "base")))
    leaves = run_scenario(
        load_scenario(
            _variant(tmp, "leaves", '[[venues]]\nname = "Mains d\'Œuvres"\nremove = true\n')
        )
    )
    return base, leaves


def test_every_bundled_scenario_is_valid_and_extends_the_baseline():
    files = sorted(SCENARIOS.glob("*.toml"))
    variants = [f for f in files if f.name != "greenkommon.toml"]
    assert len(variants) >= 9
    base = load_scenario(BASELINE)
    for f in variants:
        text = f.read_text(encoding="utf-8")
        assert 'extends = "greenkommon.toml"' in text, f.name
        s = load_scenario(f)
        assert s.name != base.name, f.name
    assert load_scenario(SCENARIOS / "plant-800kwp.toml").plant.peak_power_kwp == 800
    assert load_scenario(SCENARIOS / "plant-200kwp.toml").plant.peak_power_kwp == 200
    assert {
        load_scenario(SCENARIOS / f"key-{k}.toml").key.type
        for k in ("static", "redistributed", "optimised")
    } == {"static", "redistributed", "optimised"}
    leaves = load_scenario(SCENARIOS / "venue-leaves.toml")
    assert len(leaves.venues) == 3 and "Mains d'Œuvres" not in leaves.finance.equity_eur
    assert len(load_scenario(SCENARIOS / "fifth-venue.toml").venues) == 5
    low = load_scenario(SCENARIOS / "escalation-low.toml").finance.escalation_rates_per_year
    high = load_scenario(SCENARIOS / "escalation-high.toml").finance.escalation_rates_per_year
    assert low[0] < high[0]


def test_differences_are_against_the_first_and_missing_venues_are_nan(runs):
    base, leaves = runs
    table = compare_results([base, leaves])
    assert list(table.columns) == ["unit", "base", "leaves", "Δ leaves"]
    assert np.allclose(table["Δ leaves"], table["leaves"] - table["base"], equal_nan=True)
    # the consumption difference is exactly the leaving venue's yearly consumption
    gone = float(base.consumption_kwh["Mains d'Œuvres"].sum())
    assert table.loc[("collective", "consumption_kwh"), "Δ leaves"] == pytest.approx(
        -gone, rel=1e-12
    )
    # same plant, same weather: same production
    assert table.loc[("collective", "production_kwh"), "Δ leaves"] == pytest.approx(0.0, abs=1e-6)
    assert math.isnan(table.loc[("Mains d'Œuvres", "savings_eur"), "leaves"])
    assert not math.isnan(table.loc[("Mains d'Œuvres", "savings_eur"), "base"])
    text = format_comparison(table)
    assert "Mains d'Œuvres" in text and "—" in text and "Δ columns: value minus 'base'" in text


def test_kpis_match_the_result_and_its_projection(runs):
    base, _ = runs
    k = scenario_kpis(base)
    fin = base.extras["finance"]
    first = next(iter(fin.cases))
    assert k["case"] == first
    m = fin.cases[first].metrics
    assert k["collective"]["producer_irr_pct"] == pytest.approx(
        100 * m.loc["producer (project)", "irr"]
    )
    for name in base.scenario.venue_names:
        life = fin.cases[first].venues.loc[name, "savings_eur"].sum()
        assert k["venues"][name]["lifetime_savings_eur"] == pytest.approx(life)
        # 20-year savings: years 1..20 of the projection (the baseline runs over 25 years)
        first20 = fin.cases[first].venues.loc[name].loc[1:20, "savings_eur"].sum()
        assert k["venues"][name]["savings_20y_eur"] == pytest.approx(first20)
        assert fin.lifetime_years > 20 and k["venues"][name]["savings_20y_eur"] != pytest.approx(
            life
        )
        assert k["venues"][name]["savings_eur"] == pytest.approx(
            base.bills.loc[name, "savings_eur"]
        )
    # another case: money over the life grows with the escalation of the grid prices it avoids
    names = list(fin.cases)
    k_last = scenario_kpis(base, names[-1])
    assert k_last["case"] == names[-1]
    if fin.cases[names[-1]].index[-1] > fin.cases[first].index[-1]:
        for name in base.scenario.venue_names:
            assert (
                k_last["venues"][name]["lifetime_savings_eur"]
                > k["venues"][name]["lifetime_savings_eur"]
            )
    with pytest.raises(ScenarioError, match="escalation case"):
        scenario_kpis(base, "no such case")


def test_comparing_a_run_with_itself_gives_zero_differences(runs):
    base, _ = runs
    table = compare_results([base, base])
    assert list(table.columns)[1:3] == ["base", "base (2)"]
    deltas = table["Δ base (2)"].to_numpy(dtype=float)
    assert np.all((deltas == 0) | np.isnan(deltas))


def test_cli_compare_prints_and_writes_csv(tmp_path, capsys):
    a = _variant(tmp_path, "A")
    b = _variant(
        tmp_path,
        "B",
        '[key]\ntype = "static"\ncoefficients = { "Les Poussières" = 0.1, '
        '"Villa Mais d\'Ici" = 0.2, "le 6b" = 0.4, "Mains d\'Œuvres" = 0.3 }\n',
    )
    out = tmp_path / "cmp.csv"
    assert main(["compare", str(a), str(b), "--csv", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Δ B" in printed and "producer NPV" in printed
    frame = pd.read_csv(out)
    assert {"section", "metric", "unit", "A", "B", "Δ B"} <= set(frame.columns)
    row = frame[(frame.section == "collective") & (frame.metric == "self_consumption_pct")].iloc[0]
    assert row["Δ B"] == pytest.approx(row["B"] - row["A"])
    assert main(["compare", str(a), str(tmp_path / "missing.toml")]) == 2
