"""Optimiser answers a member can use: which key, who gains or loses against the default key.

Regressions found by trying the command as a new user: ``--fairness no_loss,vs_prorata`` failed
("coefficients summing to 100.0 % > 100 %") where the answer is "keep the default key"; a static key
worse than the default was printed without saying so; ``--dynamic`` cut a venue's savings without a
warning; ``--size`` failed on every bundled scenario (no size limit). References are hand-computed
here: the pro-rata allocation from its definition ``C min(1, P / ΣC)`` (D315-6).
"""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from greenkommon.cli import main
from greenkommon.cli import optimise as cli_optimise
from greenkommon.optimise import optimise_scenario, scenario_prices
from greenkommon.optimise.advice import DEFAULT_KEY, advise_key
from greenkommon.optimise.fairness import _pct
from greenkommon.scenario import load_scenario


def _turns(scenario):
    """Each venue consumes alone, in turn, exactly what the plant produces.

    The default key gives every venue its whole consumption; a static key gives venue i at most
    ``k_i P``, so matching the default key would take ``k_i = 1`` for every venue.
    """
    index = pd.date_range("2026-06-01 08:00", periods=48, freq="30min", tz="Europe/Paris")
    names = scenario.venue_names
    production = pd.Series(20.0, index=index)
    cons = np.zeros((len(index), len(names)))
    for t in range(len(index)):
        cons[t, t % len(names)] = 20.0
    return production, pd.DataFrame(cons, index=index, columns=names)


def _prorata_reference(p, c):
    total = c.sum(axis=0)
    ratio = np.divide(p, total, out=np.ones_like(p), where=total > 0)
    return c * np.minimum(1.0, ratio)[None, :]


def _zero_accise(text: str) -> str:
    """These cases need allocated kWh worth more than the internal price: the 0 €/MWh accise case.

    Under the default case (accise paid on AUTOCONS kWh) a market venue's allocated kWh is worth
    supply 0.095 - internal 0.10 < 0 €/kWh, so the default key is no gain to protect.
    """
    old = 'accise_exemption = "does_not_apply"'
    assert old in text
    return text.replace(old, 'accise_exemption = "applies"')


@pytest.fixture
def scenario_dir(tmp_path, baseline_scenario_path):
    text = baseline_scenario_path.read_text(encoding="utf-8")
    (tmp_path / "greenkommon.toml").write_text(_zero_accise(text), encoding="utf-8")
    return tmp_path


def test_vs_prorata_without_a_static_solution_answers_keep_the_default(scenario_dir):
    scenario = load_scenario(scenario_dir / "greenkommon.toml")
    production, cons = _turns(scenario)
    cfg = dataclasses.replace(scenario.optimise, fairness=("no_loss", "vs_prorata"))
    result, report = optimise_scenario(scenario, production, cons, config=cfg)
    assert report["model"] == "prorata" and result.model == "prorata"
    advice = report["advice"]
    assert advice["keep_default"] and advice["use"] == DEFAULT_KEY
    assert advice["sentence"].startswith("Keep the Enedis default key")
    assert "400.00 %" not in advice["sentence"]  # 4 × 100 % is printed with one decimal
    assert "400.0 % > 100 %" in advice["sentence"]
    # the savings reported are the default key's, from its definition
    p, c = production.to_numpy(), cons.to_numpy().T
    priced = scenario_prices(scenario, production.index, len(p), c)
    saving = priced.value_eur_per_kwh - priced.internal_eur_per_kwh
    expected = (saving * _prorata_reference(p, c)).sum(axis=1)
    got = np.array([report["savings_eur"][n] for n in scenario.venue_names])
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_no_static_solution_writes_the_default_key(scenario_dir, monkeypatch, capsys):
    monkeypatch.setattr(cli_optimise, "_simulate", _turns)
    out = scenario_dir / "fair.toml"
    code = main(
        [
            "optimise",
            str(scenario_dir / "greenkommon.toml"),
            "--fairness",
            "no_loss,vs_prorata",
            "--write",
            str(out),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert text.startswith("answer: Keep the Enedis default key")
    assert load_scenario(out).key.type == "prorata"


def test_static_key_worse_than_the_default_says_keep_the_default(baseline_scenario_path):
    scenario = load_scenario(baseline_scenario_path)
    production, cons = _turns(scenario)
    cfg = dataclasses.replace(scenario.optimise, fairness=())
    _, report = optimise_scenario(scenario, production, cons, config=cfg)
    assert report["model"] == "static"
    advice = report["advice"]
    assert advice["keep_default"] and advice["sentence"].startswith("Keep the Enedis default")
    # the collective gain is the re-simulated value minus the default key's, both by definition
    p, c = production.to_numpy(), cons.to_numpy().T
    priced = scenario_prices(scenario, production.index, len(p), c)
    w = priced.value_eur_per_kwh - priced.surplus_eur_per_kwh
    k = np.array([report["coefficients_rounded"][n] for n in scenario.venue_names])
    static = float((w * np.minimum(k[:, None] * p, c)).sum())
    default = float((w * _prorata_reference(p, c)).sum())
    assert static < default
    assert advice["collective_gain_eur_per_year"] == pytest.approx(static - default, rel=1e-9)


def test_dynamic_key_warns_about_the_venue_it_cuts(scenario_dir, monkeypatch, capsys):
    from tests.test_optimise_cli import _week

    monkeypatch.setattr(cli_optimise, "_simulate", _week)
    report_file = scenario_dir / "dyn.json"
    args = ["optimise", str(scenario_dir / "greenkommon.toml"), "--dynamic", "--json"]
    assert main(args + [str(report_file)]) == 0
    text = capsys.readouterr().out
    report = json.loads(report_file.read_text(encoding="utf-8"))
    gains = {
        n: report["savings_eur"][n] - report["prorata_savings_eur"][n]
        for n in report["savings_eur"]
    }
    losers = [n for n, g in gains.items() if g < -0.005]
    assert losers, "the greedy dynamic key serves the dearest kWh first: someone loses"
    assert report["advice"]["warnings"]
    for name in losers:
        assert f"{name} {gains[name]:+,.2f} €/yr" in report["advice"]["warnings"][0]
    assert "warning:" in text and "--fairness vs_prorata" in text
    # with the fairness option nobody loses against the default (unrounded: rounding to the
    # upload grid may cost a venue a few cents, which the report notes)
    assert main(args + [str(report_file), "--fairness", "vs_prorata", "--no-round"]) == 0
    report = json.loads(report_file.read_text(encoding="utf-8"))
    for n in report["savings_eur"]:
        assert report["savings_eur"][n] >= report["prorata_savings_eur"][n] - 1e-6
    assert not report["advice"]["warnings"]


def test_size_without_a_limit_searches_up_to_the_scenario_plant(scenario_dir, monkeypatch, capsys):
    from tests.test_optimise_cli import _week

    monkeypatch.setattr(cli_optimise, "_simulate", _week)
    report_file = scenario_dir / "size.json"
    scenario_file = str(scenario_dir / "greenkommon.toml")
    assert main(["optimise", scenario_file, "--size", "--json", str(report_file)]) == 0
    report = json.loads(report_file.read_text(encoding="utf-8"))
    kwp = load_scenario(scenario_file).plant.peak_power_kwp
    assert 0 <= report["peak_power_kwp"] <= kwp + 1e-9
    assert any(f"up to the scenario's plant, {kwp:g} kWp" in n for n in report["notes"])
    assert "answer:" in capsys.readouterr().out


def test_columns_are_explained(scenario_dir, monkeypatch, capsys):
    from tests.test_optimise_cli import _week

    monkeypatch.setattr(cli_optimise, "_simulate", _week)
    assert main(["optimise", str(scenario_dir / "greenkommon.toml")]) == 0
    text = capsys.readouterr().out
    assert "key %: the coefficient to upload to Enedis" in text
    assert "optimal %: the optimiser's exact coefficient before rounding" in text


def test_advice_by_hand():
    names = ["a", "b"]
    # optimised key worth 0.5 €/yr more: below the threshold, keep the default
    adv = advise_key("static", (), names, np.array([10.0, 5.0]), np.array([9.0, 6.0]), 100.5, 100.0)
    assert adv.keep_default and adv.gain_vs_default_eur_per_year == (1.0, -1.0)
    # worth 50 €/yr more, b loses 3 €/yr against the default and 1 €/yr against no operation
    adv = advise_key("dynamic", (), names, np.array([60.0, -1.0]), np.array([10.0, 2.0]), 150, 100)
    assert not adv.keep_default and adv.collective_gain_eur_per_year == 50.0
    assert adv.gain_vs_default_eur_per_year == (50.0, -3.0)
    assert "b -3.00 €/yr" in adv.warnings[0] and "vs_prorata" in adv.warnings[0]
    assert "b -1.00 €/yr" in adv.warnings[1] and "no_loss" in adv.warnings[1]
    # the same with both options asked: no advice to ask for them
    adv = advise_key(
        "dynamic",
        ("no_loss", "vs_prorata"),
        names,
        np.array([60.0, 2.0]),
        np.array([10.0, 2.0]),
        150,
        100,
    )
    assert adv.warnings == ()


def test_percent_near_100_is_not_printed_as_100():
    assert _pct(1.0004) == "100.04 %"
    assert _pct(0.075) == "7.5 %"


def test_run_carries_the_answer_in_the_typed_report(baseline_scenario_path):
    from greenkommon.results import OptimiserReport

    scenario = load_scenario(baseline_scenario_path)
    production, cons = _turns(scenario)
    _, report = optimise_scenario(scenario, production, cons)
    typed = OptimiserReport.from_mapping(report)
    assert typed.advice.startswith(report["advice"]["sentence"])
    assert typed.advice.startswith("Keep the Enedis default key")


def test_size_drops_the_scenarios_fairness_it_cannot_honour(scenario_dir, monkeypatch, capsys):
    from tests.test_optimise_cli import _week

    monkeypatch.setattr(cli_optimise, "_simulate", _week)
    extra = scenario_dir / "fair.toml"
    extra.write_text(
        'extends = "greenkommon.toml"\n[optimise]\nfairness = ["no_loss", "vs_prorata"]\n',
        encoding="utf-8",
    )
    report_file = scenario_dir / "size.json"
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # the CLI prints warnings as one line on stderr
        assert main(["optimise", str(extra), "--size", "--json", str(report_file)]) == 0
    assert "vs_prorata dropped" in capsys.readouterr().err
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["fairness"] == ["no_loss"]
    assert min(report["savings_eur"].values()) >= -1e-6  # no_loss kept
