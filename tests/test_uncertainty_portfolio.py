"""Uncertainty of a portfolio: each sampled year is ``evaluate`` on that year's energy, and the
per-operation figures add up to the collective's."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from greenkommon.cli import main
from greenkommon.energy import simulate_energy
from greenkommon.errors import ScenarioError
from greenkommon.evaluate import evaluate
from greenkommon.scenario import load_scenario
from greenkommon.uncertainty import load_variation, run_uncertainty

REPO = Path(__file__).resolve().parents[1]
PORTFOLIO = REPO / "scenarios" / "portfolio.toml"


def _hourly_portfolio(folder: Path, extra: str = "") -> Path:
    path = folder / "portfolio-hourly.toml"
    path.write_text(
        f'extends = "{PORTFOLIO.as_posix()}"\n[simulation]\nstep = "1h"\n{extra}', encoding="utf-8"
    )
    return path


@pytest.fixture(scope="module")
def varied(tmp_path_factory):
    scenario = load_scenario(_hourly_portfolio(tmp_path_factory.mktemp("unc-portfolio")))
    result = run_uncertainty(
        scenario, 2, volume_sd_pct=10.0, profile_noise_pct=10.0, seed=3, progress=False
    )
    return scenario, result


def _year_by_hand(scenario, k, seed, volume_sd, noise, irradiation_sd):
    """Sampled year k rebuilt outside the module: weather seed k, then the seeded load draw."""
    wx = dataclasses.replace(
        scenario.weather, seed=k, interannual_variability=True, interannual_sd_pct=irradiation_sd
    )
    energy = simulate_energy(dataclasses.replace(scenario, weather=wx))
    gross = energy.consumption_kwh
    loads, factors = load_variation(
        gross.to_numpy(dtype=float).T, np.random.default_rng([seed, k]), volume_sd, noise
    )
    energy = dataclasses.replace(
        energy, consumption_kwh=pd.DataFrame(loads.T, index=gross.index, columns=gross.columns)
    )
    return energy, evaluate(scenario, energy), factors


def test_portfolio_sampled_year_equals_evaluate_on_its_energy(varied):
    scenario, result = varied
    assert len(scenario.operations) == 2
    sd = result.settings["irradiation_sd_pct"]
    case = result.case
    assert case is not None
    for k in (1, 2):
        row = result.samples.set_index("sample").loc[k]
        energy, full, factors = _year_by_hand(scenario, k, 3, 10.0, 10.0, sd)
        coll = full.collective
        for col, want in (
            ("production_kwh", coll.shared_production_kwh),
            ("own_production_kwh", coll.own_production_kwh),
            ("allocated_kwh", coll.allocated_kwh),
            ("surplus_kwh", coll.surplus_kwh),
            ("self_sufficiency_pct", coll.self_sufficiency_pct),
            ("savings_eur", coll.savings_eur),
        ):
            assert row[col] == pytest.approx(want, rel=1e-9), col
        for i, v in enumerate(full.venues):
            assert row[f"{v.name}.volume_factor"] == pytest.approx(factors[i], rel=1e-12)
            assert row[f"{v.name}.self_sufficiency_pct"] == pytest.approx(
                v.self_sufficiency_pct, rel=1e-9
            )
            assert row[f"{v.name}.savings_eur"] == pytest.approx(v.savings_eur, rel=1e-9, abs=1e-6)
        npv_total = 0.0
        for op in full.operations:
            assert row[f"{op.name}.production_kwh"] == pytest.approx(
                float(op.production_kwh.sum()), rel=1e-9
            )
            npv = op.finance.cases[case].metrics.loc["producer (project)", "npv_eur"]
            assert row[f"{op.name}.producer.npv_eur[{case}]"] == pytest.approx(npv, rel=1e-9)
            npv_total += npv
        assert row[f"producer.npv_eur[{case}]"] == pytest.approx(npv_total, rel=1e-9)
        ghi = float(energy.weather["ghi"].sum()) / 1000.0
        assert row["ghi_kwh_per_m2"] == pytest.approx(ghi, rel=1e-12)
    # sampled years differ in weather and loads
    assert result.samples["production_kwh"].nunique() == 2
    assert result.samples["Les Poussières.volume_factor"].nunique() == 2


def test_portfolio_production_adds_up(varied):
    scenario, result = varied
    ops = [op.name for op in scenario.operations]
    for _, row in result.samples.iterrows():
        per_op = sum(row[f"{op}.production_kwh"] for op in ops)
        assert per_op == pytest.approx(row["production_kwh"], rel=1e-12)
        # the operations pool their roofs and the own-roof surplus given to them: nothing made
        # twice, nothing lost
        assert row["allocated_kwh"] + row["surplus_kwh"] == pytest.approx(per_op, rel=1e-9)
        venues = scenario.venue_names
        assert row["savings_eur"] == pytest.approx(
            sum(row[f"{n}.savings_eur"] for n in venues), rel=1e-9
        )
    labels = " ".join(result.summary.index)
    for op in ops:
        assert f"{op}: production [kWh/yr]" in labels
        assert f"{op}: producer NPV" in labels
    s = result.summary
    assert (s["P90"] <= s["P50"]).all() and (s["P50"] <= s["P10"]).all()


def test_portfolio_plant_production_is_the_energy_stage(varied, tmp_path):
    # independent of evaluate: the pooled production is the plants' plus the surplus given
    scenario, result = varied
    energy, full, _f = _year_by_hand(
        scenario, 1, 3, 10.0, 10.0, result.settings["irradiation_sd_pct"]
    )
    given = sum(v.own_surplus_to_operation_kwh for v in full.venues)
    plants = float(energy.production_kwh.to_numpy().sum())
    row = result.samples.set_index("sample").loc[1]
    assert row["production_kwh"] == pytest.approx(plants + given, rel=1e-9)
    assert given > 0  # the portfolio's Villa gives its own-roof surplus to its operation


def test_portfolio_with_an_optimised_key_is_refused_in_one_line(tmp_path):
    path = _hourly_portfolio(
        tmp_path,
        extra="",
    )
    scenario = load_scenario(path)
    op = scenario.operations[0]
    key = dataclasses.replace(op.key, type="optimised")
    ops = (dataclasses.replace(op, key=key), *scenario.operations[1:])
    with pytest.raises(ScenarioError, match="optimised"):
        run_uncertainty(dataclasses.replace(scenario, operations=ops), 1, progress=False)


@pytest.mark.slow
def test_cli_runs_the_bundled_portfolio(tmp_path, capsys):
    out = tmp_path / "u"
    code = main(["uncertainty", str(PORTFOLIO), "--years", "2", "--no-progress", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "Millénaire: production [kWh/yr]" in text
    assert "producers' NPV, all operations" in text
    assert (out / "summary.csv").exists()


def test_cli_refuses_a_report_of_several_operations_in_one_line(tmp_path, capsys):
    code = main(
        ["uncertainty", str(PORTFOLIO), "--years", "1", "--report", str(tmp_path / "r.html")]
    )
    err = capsys.readouterr().err
    assert code != 0 and "--report" in err and "Traceback" not in err
    assert not (tmp_path / "r.html").exists()
