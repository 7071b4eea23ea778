"""Uncertainty: percentile convention, load variations, agreement of each sampled year with a
full run, multi-year weather files, outputs and the CLI."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import hourly_variant
from hypothesis import given, settings
from hypothesis import strategies as st

from greenkommon.cli import main
from greenkommon.errors import GreenkommonWarning, ScenarioError
from greenkommon.pipeline import run_scenario
from greenkommon.scenario import load_scenario
from greenkommon.uncertainty import (
    exceedance,
    format_summary,
    load_variation,
    plot_histograms,
    run_uncertainty,
    write_uncertainty,
)

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "greenkommon.toml"


# -- percentiles -------------------------------------------------------------------------------
def test_exceedance_hand_computed():
    # 1..101: the 10th percentile is the 11th value, the median the 51st, the 90th the 91st
    assert exceedance(np.arange(1, 102)) == {"P90": 11.0, "P50": 51.0, "P10": 91.0}
    # 0..10 with linear interpolation: 10th percentile = 1.0, 90th = 9.0
    assert exceedance(np.arange(11.0)) == {"P90": 1.0, "P50": 5.0, "P10": 9.0}
    assert np.isnan(exceedance([np.nan])["P50"])


@given(st.lists(st.floats(-1e6, 1e6), min_size=20, max_size=300))
def test_p90_is_exceeded_by_at_least_90_percent(values):
    p = exceedance(values)
    arr = np.asarray(values)
    assert p["P90"] <= p["P50"] <= p["P10"]
    # linear interpolation: at least 90 % of the samples are >= P90 up to one order statistic
    assert (arr >= p["P90"]).mean() >= 0.9 - 1.0 / arr.size
    assert (arr > p["P10"]).mean() <= 0.1 + 1.0 / arr.size


# -- load variations ---------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), vol=st.floats(0, 30), noise=st.floats(0, 50))
def test_load_variation_keeps_volume_times_factor_and_is_reproducible(seed, vol, noise):
    base = np.abs(np.random.default_rng(1).normal(3.0, 1.0, size=(3, 500)))
    out, factors = load_variation(base, np.random.default_rng(seed), vol, noise)
    assert (out >= 0).all()
    assert np.allclose(out.sum(axis=1), factors * base.sum(axis=1), rtol=1e-12)
    again, f2 = load_variation(base, np.random.default_rng(seed), vol, noise)
    assert np.array_equal(out, again) and np.array_equal(factors, f2)
    if vol == 0 and noise == 0:
        assert np.array_equal(out, base) and np.all(factors == 1)


def test_volume_factor_is_lognormal_with_mean_one_and_the_given_sd():
    base = np.ones((20_000, 2))
    _out, factors = load_variation(base, np.random.default_rng(0), 10.0, 0.0)
    # 20,000 draws: standard error of the mean 0.1/sqrt(2e4) = 0.0007
    assert factors.mean() == pytest.approx(1.0, abs=0.003)
    assert factors.std() == pytest.approx(0.10, rel=0.03)
    assert (factors > 0).all()
    with pytest.raises(ScenarioError):
        load_variation(base, np.random.default_rng(0), -1.0, 0.0)


# -- each sampled year is a full run -----------------------------------------------------------
@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """Three sampled synthetic years without load variations (each must equal a full run)."""
    path = hourly_variant(tmp_path_factory.mktemp("unc"))
    scenario = load_scenario(path)
    # default: the climatology's year-to-year variability, no warning (warnings are errors)
    result = run_uncertainty(scenario, 3, volume_sd_pct=0.0, profile_noise_pct=0.0, progress=False)
    return scenario, result


@pytest.mark.slow
def test_sampled_year_equals_run_scenario_with_that_seed(plain):
    scenario, result = plain
    assert result.settings["irradiation_sd_pct"] == 3.9
    assert "UNCONFIRMED" in result.settings["irradiation_sd_source"]
    for k in (1, 3):
        row = result.samples.set_index("sample").loc[k]
        # sample k is the scenario run on the sampled year k ([weather] interannual_variability)
        sampled = dataclasses.replace(scenario.weather, seed=k, interannual_variability=True)
        full = run_scenario(dataclasses.replace(scenario, weather=sampled))
        ghi = float(full.weather["ghi"].sum()) / 1000.0
        assert row["ghi_kwh_per_m2"] == pytest.approx(ghi, rel=1e-12)
        assert row["irradiation_factor"] == pytest.approx(ghi / 1147.6, rel=1e-12)
        coll = full.collective_summary()
        for col in (
            "production_kwh",
            "allocated_kwh",
            "surplus_kwh",
            "self_consumption_pct",
            "savings_eur",
        ):
            assert row[col] == pytest.approx(coll[col], rel=1e-9), col
        vs = full.venue_summary()
        for n in scenario.venue_names:
            assert row[f"{n}.savings_eur"] == pytest.approx(
                vs.loc[n, "savings_eur"], rel=1e-9, abs=1e-6
            )
        fin = full.extras["finance"]
        case = next(iter(fin.cases))
        npv = fin.cases[case].metrics.loc["producer (project)", "npv_eur"]
        assert row[f"producer.npv_eur[{case}]"] == pytest.approx(npv, rel=1e-9)
    # different seeds, different weather
    assert result.samples["production_kwh"].nunique() == 3


@pytest.mark.slow
def test_variations_spread_the_outcomes_and_are_seeded(plain, tmp_path):
    scenario, _ = plain
    kw = dict(volume_sd_pct=10.0, profile_noise_pct=10.0, irradiation_sd_pct=5.0, progress=False)
    a = run_uncertainty(scenario, 4, seed=7, **kw)
    b = run_uncertainty(scenario, 4, seed=7, **kw)
    pd.testing.assert_frame_equal(a.samples, b.samples)
    c = run_uncertainty(scenario, 4, seed=8, **kw)
    assert not np.allclose(a.samples["savings_eur"], c.samples["savings_eur"])
    s = a.summary
    assert (s["P90"] <= s["P50"]).all() and (s["P50"] <= s["P10"]).all()
    assert "producer NPV" in " ".join(s.index)
    assert (a.samples["irradiation_factor"] != 1.0).all()
    text = format_summary(a)
    assert "P90 = value exceeded in 90 %" in text
    out = write_uncertainty(a, tmp_path / "u", image="svg")
    assert {p.name for p in out.iterdir()} == {
        "samples.parquet",
        "samples.csv",
        "summary.csv",
        "histogram.svg",
        "greenkommon-output.json",  # the manifest of the files greenkommon wrote there
    }
    assert (out / "histogram.svg").read_text().lstrip().startswith("<?xml")
    fig = plot_histograms(a, tmp_path / "h.png")
    assert len(fig.axes) == 3 and (tmp_path / "h.png").stat().st_size > 1000
    mapping = a.report_mapping()
    assert np.array_equal(mapping["savings_eur_samples"], a.samples["savings_eur"].to_numpy())


@pytest.mark.slow
def test_multi_year_file_gives_one_sample_per_year(plain, tmp_path):
    from greenkommon.weather import synthetic_weather

    scenario, _ = plain
    plant = scenario.plant
    frames = [
        synthetic_weather(
            plant.latitude_deg, plant.longitude_deg, plant.altitude_m, y, "UTC", seed=s
        )
        for y, s in ((2021, 5), (2022, 6))
    ]
    data = pd.concat(frames)
    csv = tmp_path / "two_years.csv"
    lines = ["# latitude = 48.8967", "# longitude = 2.3776", "time,ghi,dni,dhi,temp_air,wind_speed"]
    lines += [
        f"{t.strftime('%Y-%m-%dT%H:%MZ')},{r.ghi},{r.dni},{r.dhi},{r.temp_air},{r.wind_speed}"
        for t, r in zip(data.index, data.itertuples(), strict=True)
    ]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.warns(GreenkommonWarning, match="reused in turn"):
        res = run_uncertainty(
            scenario, 3, weather_file=csv, volume_sd_pct=5.0, profile_noise_pct=0.0, progress=False
        )
    s = res.samples
    assert s["weather"].tolist() == ["2021", "2022", "2021"]
    assert s.loc[0, "production_kwh"] != s.loc[1, "production_kwh"]
    # the third sample reuses 2021's weather (same production) with other load draws
    assert s.loc[2, "production_kwh"] == s.loc[0, "production_kwh"]
    assert s.loc[2, "savings_eur"] != s.loc[0, "savings_eur"]


def test_refuses_a_single_weather_file_and_bad_arguments(tmp_path):
    scenario = load_scenario(hourly_variant(tmp_path))
    with pytest.raises(ScenarioError, match="at least 1"):
        run_uncertainty(scenario, 0, progress=False)
    one_file = dataclasses.replace(
        scenario, weather=dataclasses.replace(scenario.weather, source="file")
    )
    with pytest.raises(ScenarioError, match="multi-year"):
        run_uncertainty(one_file, 2, progress=False, irradiation_sd_pct=1.0)
    for bad in (-1.0, 60.0):
        with pytest.raises(ScenarioError, match="0 to 50"):
            run_uncertainty(scenario, 2, progress=False, irradiation_sd_pct=bad)
    with pytest.raises(ScenarioError, match="own year-to-year variability"):
        run_uncertainty(
            scenario, 2, progress=False, irradiation_sd_pct=3.0, weather_file=tmp_path / "y.csv"
        )
    # a climatology without a variability figure: the user must give one
    from greenkommon.weather import DEFAULT_CLIMATOLOGY

    bare = tmp_path / "bare.toml"
    bare.write_text(
        DEFAULT_CLIMATOLOGY.read_text(encoding="utf-8").split("[interannual]")[0], encoding="utf-8"
    )
    no_figure = dataclasses.replace(
        scenario, weather=dataclasses.replace(scenario.weather, climatology=bare)
    )
    with pytest.raises(ScenarioError, match="--irradiation-sd"):
        run_uncertainty(no_figure, 2, progress=False)


@pytest.mark.slow
def test_sampled_years_spread_production_and_sd_zero_does_not(plain):
    """8 sampled years: with the climatology's 3.9 % the production spreads by percents and
    follows the irradiation; with sd 0 (typical-climatology years, a warning) it stays near
    0.1 %, the finding that motivated the sampled years."""
    scenario, _ = plain
    kw = dict(volume_sd_pct=0.0, profile_noise_pct=0.0, progress=False)
    varied = run_uncertainty(scenario, 8, **kw).samples
    prod, irr = varied["production_kwh"], varied["irradiation_factor"]
    # sd of 8 samples of a 3.9 % spread: a 1.5 % floor is about 3 standard errors below
    assert prod.std() / prod.mean() > 0.015
    assert np.corrcoef(prod, irr)[0, 1] > 0.9
    with pytest.warns(GreenkommonWarning, match="year-to-year"):
        flat = run_uncertainty(scenario, 8, irradiation_sd_pct=0.0, **kw).samples
    assert flat["production_kwh"].std() / flat["production_kwh"].mean() < 0.005
    np.testing.assert_allclose(flat["irradiation_factor"], 1.0, rtol=1e-9)


@pytest.mark.slow
def test_cli_uncertainty(tmp_path, capsys):
    path = hourly_variant(tmp_path)
    code = main(
        [
            "uncertainty",
            str(path),
            "--years",
            "2",
            "--no-progress",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "P90" in printed and "producer NPV" in printed
    # default: the climatology's figure, its label printed with it
    assert "annual irradiation ±3.9 %" in printed and "UNCONFIRMED" in printed
    assert (tmp_path / "out" / "histogram.png").is_file()
    assert len(pd.read_parquet(tmp_path / "out" / "samples.parquet")) == 2
    report = tmp_path / "report.html"
    assert (
        main(
            [
                "uncertainty",
                str(path),
                "--years",
                "3",
                "--irradiation-sd",
                "3",
                "--no-progress",
                "--report",
                str(report),
            ]
        )
        == 0
    )
    html = report.read_text(encoding="utf-8")
    assert 'id="fig-uncertainty"' in html and "P90" in html


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_samples(plain):
    distributed = pytest.importorskip("dask.distributed")
    scenario, _ = plain
    kw = dict(
        volume_sd_pct=8.0, profile_noise_pct=5.0, irradiation_sd_pct=3.0, seed=3, progress=False
    )
    # Dask runs the per-year reference path: exactly the local reference path, and the local
    # batched path to 1e-9 (tests/test_uncertainty_batch.py)
    local = run_uncertainty(scenario, 3, batched=False, **kw)
    batched = run_uncertainty(scenario, 3, **kw)
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = run_uncertainty(scenario, 3, dask_address=client, **kw)
    pd.testing.assert_frame_equal(local.samples, remote.samples, check_exact=True)
    pd.testing.assert_frame_equal(local.summary, remote.summary, check_exact=True)
    pd.testing.assert_frame_equal(batched.samples, local.samples, check_exact=False, rtol=1e-9)


@pytest.mark.slow
def test_scenario_interannual_sd_is_used_and_reported(tmp_path):
    from greenkommon.weather import synthetic_weather

    path = tmp_path / "sd6.toml"
    path.write_text(
        f'extends = "{BASELINE.as_posix()}"\n[simulation]\nstep = "1h"\n'
        "[weather]\ninterannual_variability = true\ninterannual_sd_pct = 6.0\n",
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    res = run_uncertainty(scenario, 1, volume_sd_pct=0.0, profile_noise_pct=0.0, progress=False)
    assert res.settings["irradiation_sd_pct"] == 6.0
    assert "interannual_sd_pct" in res.settings["irradiation_sd_source"]
    plant = scenario.plant
    wx = synthetic_weather(
        plant.latitude_deg,
        plant.longitude_deg,
        plant.altitude_m,
        scenario.simulation.year,
        scenario.simulation.timezone,
        seed=1,
        interannual=True,
        annual_sd_pct=6.0,
    )
    assert res.samples.loc[0, "ghi_kwh_per_m2"] == pytest.approx(wx["ghi"].sum() / 1000.0)
    # the scenario's own run is that sampled year too ([weather] interannual_variability)
    assert run_scenario(scenario).weather["ghi"].sum() == pytest.approx(wx["ghi"].sum())
