"""``greenkommon optimise`` and the scenario-level optimiser, on synthetic energy curves.

The physical stages are replaced by a small deterministic week so that these tests exercise only
the optimiser, the report and the written scenario.
"""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from greenkommon.cli import main
from greenkommon.cli import optimise as cli_optimise
from greenkommon.optimise import optimise_scenario, optimised_key_coefficients, scenario_prices
from greenkommon.scenario import load_scenario


def _week(scenario):
    index = pd.date_range("2026-06-01", periods=48 * 7, freq="30min", tz="Europe/Paris")
    hour = index.hour + index.minute / 60
    sun = np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None)
    production = pd.Series(150.0 * sun, index=index)
    rng = np.random.default_rng(0)
    names = scenario.venue_names
    scale = np.linspace(0.5, 2.0, len(names))
    cons = pd.DataFrame(
        rng.uniform(5, 30, (len(index), len(names))) * scale, index=index, columns=names
    )
    return production, cons


@pytest.fixture
def scenario_dir(tmp_path, baseline_scenario_path):
    shutil.copy(baseline_scenario_path, tmp_path / "greenkommon.toml")
    return tmp_path


@pytest.fixture
def fake_energy(monkeypatch):
    monkeypatch.setattr(cli_optimise, "_simulate", _week)


def test_optimise_prints_key_and_writes_a_runnable_scenario(scenario_dir, fake_energy, capsys):
    out = scenario_dir / "optimised.toml"
    report_file = scenario_dir / "report.json"
    code = main(
        [
            "optimise",
            str(scenario_dir / "greenkommon.toml"),
            "--fairness",
            "no_loss",
            "--write",
            str(out),
            "--json",
            str(report_file),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    base = load_scenario(scenario_dir / "greenkommon.toml")
    for name in base.venue_names:
        assert name in text
    assert "re-simulated" in text and "vs pro-rata" in text
    written = load_scenario(out)
    assert written.key.type == "static"
    k = np.array(written.key.coefficients)
    assert k.sum() <= 1 + 1e-12
    np.testing.assert_allclose(k * 1000, np.round(k * 1000), atol=1e-6)  # floored to 0.1 %
    assert written.venue_names == base.venue_names
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["fairness"] == ["no_loss"]
    np.testing.assert_allclose(
        [report["coefficients_rounded"][n] for n in base.venue_names], k, atol=1e-9
    )
    assert min(report["savings_eur"].values()) >= 0


def test_optimise_errors_are_one_line(scenario_dir, fake_energy, capsys):
    code = main(["optimise", str(scenario_dir / "greenkommon.toml"), "--size", "--dynamic"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: --size") and "--dynamic" in err[-1]
    code = main(["optimise", str(scenario_dir / "greenkommon.toml"), "--fairness", "kind"])
    assert code == 2
    assert "unknown option 'kind'" in capsys.readouterr().err


def test_sizing_writes_scaled_plant(scenario_dir, fake_energy, capsys):
    extra = scenario_dir / "sized.toml"
    extra.write_text(
        'extends = "greenkommon.toml"\n[optimise]\ncapex_eur_per_kwp = 900.0\nmax_peak_power_kwp = 600.0\n',
        encoding="utf-8",
    )
    out = scenario_dir / "sized_opt.toml"
    assert main(["optimise", str(extra), "--size", "--write", str(out)]) == 0
    written = load_scenario(out)
    text = capsys.readouterr().out
    assert "plant size:" in text
    assert 0 <= written.plant.peak_power_kwp <= 600 + 1e-6


def test_pipeline_hook_returns_rounded_static_key_and_report(baseline_scenario_path):
    scenario = load_scenario(baseline_scenario_path)
    production, cons = _week(scenario)
    k, report = optimised_key_coefficients(scenario, production, cons)
    assert k.shape == (len(scenario.venue_names),)
    assert k.sum() <= 1 + 1e-12
    # the optimiser's value is an upper bound of the re-simulated value of the floored key, and
    # flooring by at most 0.1 % per venue costs little
    assert report["resimulated_value_eur"] <= report["optimiser_value_eur"] + 1e-9
    assert report["resimulated_value_eur"] >= 0.98 * report["optimiser_value_eur"]
    # the re-simulated value, from the definition (A = min(k P, C)) and the scenario's prices
    p = production.to_numpy()
    c = cons.to_numpy().T
    alloc = np.minimum(k[:, None] * p, c)
    priced = scenario_prices(scenario, production.index, len(p), c)
    expected = float(((priced.value_eur_per_kwh - priced.surplus_eur_per_kwh) * alloc).sum())
    assert report["resimulated_value_eur"] == pytest.approx(expected, rel=1e-12)


def test_scenario_prices_come_from_the_economics_stage_when_available(baseline_scenario_path):
    from greenkommon import economics

    scenario = load_scenario(baseline_scenario_path)
    production, cons = _week(scenario)
    priced = scenario_prices(scenario, production.index, len(production), cons.to_numpy().T)
    contracts = [v.contract for v in scenario.venues]
    kwp = scenario.plant.peak_power_kwp
    if hasattr(economics, "allocated_kwh_value_eur_per_kwh"):
        np.testing.assert_allclose(
            priced.value_eur_per_kwh,
            economics.allocated_kwh_value_eur_per_kwh(
                production.index, contracts, scenario.prices, kwp, include_internal_price=False
            ),
        )
        saving = priced.value_eur_per_kwh - priced.internal_eur_per_kwh
        np.testing.assert_allclose(
            saving,
            economics.allocated_kwh_value_eur_per_kwh(
                production.index, contracts, scenario.prices, kwp, include_internal_price=True
            ),
        )
    else:
        flat = scenario.prices.supply_price_eur_per_kwh
        np.testing.assert_allclose(priced.value_eur_per_kwh, flat)
        assert priced.internal_eur_per_kwh == scenario.prices.internal_price_eur_per_kwh


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit):
        main(["optimise", "--help"])
    text = capsys.readouterr().out
    for flag in ("--fairness", "--size", "--write", "--dynamic"):
        assert flag in text


def test_scenario_options_bounds_fairness_and_dynamic(scenario_dir):
    extra = scenario_dir / "fair.toml"
    extra.write_text(
        'extends = "greenkommon.toml"\n'
        '[key]\ntype = "optimised"\n'
        '[optimise]\nfairness = ["no_loss", "maxmin"]\n'
        '[optimise.bounds]\n"le 6b" = [0.2, 0.35]\n',
        encoding="utf-8",
    )
    scenario = load_scenario(extra)
    assert scenario.key.type == "optimised"
    production, cons = _week(scenario)
    k, report = optimised_key_coefficients(scenario, production, cons)
    i = scenario.venue_names.index("le 6b")
    assert 0.2 - 1e-12 <= k[i] <= 0.35 + 1e-12
    assert report["min_relative_saving"] > 0
    assert min(report["savings_eur"].values()) >= 0
    dyn = dataclasses.replace(scenario.optimise, model="dynamic", bounds=(), fairness=())
    result, report = optimise_scenario(scenario, production, cons, config=dyn)
    assert result.coefficients.shape == (len(scenario.venue_names), len(production))
    assert (result.coefficients.sum(axis=0) <= 1 + 1e-9).all()
    # the pro-rata allocation is one dynamic allocation among others: the optimum is worth at least as much
    assert report["optimiser_value_eur"] >= report["prorata_value_eur"] - 1e-9
    # flooring every interval's coefficients to 0.1 % loses at most 0.1 % of P per venue and interval
    assert report["resimulated_value_eur"] <= report["optimiser_value_eur"] + 1e-9


def test_dynamic_key_is_written_as_a_key_file_run_can_read(scenario_dir, fake_energy):
    from greenkommon.enedis import read_dynamic_key

    out = scenario_dir / "dyn.toml"
    report_file = scenario_dir / "dyn.json"
    assert (
        main(
            [
                "optimise",
                str(scenario_dir / "greenkommon.toml"),
                "--dynamic",
                "--write",
                str(out),
                "--json",
                str(report_file),
            ]
        )
        == 0
    )
    written = load_scenario(out)
    assert written.key.type == "dynamic"
    assert written.key.coefficients_file == scenario_dir / "dyn_key.csv"
    key = read_dynamic_key(written.key.coefficients_file)
    production, _ = _week(written)
    assert list(key.columns) == written.venue_names
    assert (key.index == production.index).all()
    assert (key.sum(axis=1) <= 1 + 1e-9).all()
    # the file holds the reported key: its production-weighted mean is the report's
    report = json.loads(report_file.read_text(encoding="utf-8"))
    weighted = (key.to_numpy() * production.to_numpy()[:, None]).sum(axis=0) / production.sum()
    np.testing.assert_allclose(
        weighted, [report["weighted_coefficients"][n] for n in written.venue_names], atol=1e-9
    )
