"""The batched uncertainty path against the per-year reference: weather years, production years,
load draws, the projection of many samples, and whole sample rows (to 1e-9 relative)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest
from helpers import hourly_variant
from hypothesis import given, settings
from hypothesis import strategies as st

from greenkommon import production
from greenkommon.economics.finance import irr as irr_one
from greenkommon.economics.finance import payback_years
from greenkommon.economics.finance.batch import irr_rows, npv_rows, payback_rows
from greenkommon.production_years import section_power_kernel, simulate_production_years
from greenkommon.scenario import load_scenario
from greenkommon.timegrid import make_index
from greenkommon.uncertainty import load_variation
from greenkommon.uncertainty.batch import load_variations, sample_chunks
from greenkommon.uncertainty.reference import _sample, _single_context
from greenkommon.weather import (
    DEFAULT_CLIMATOLOGY,
    interannual_factors,
    load_climatology,
    synthetic_weather,
)
from greenkommon.weather.batch import (
    SampledWeather,
    interannual_factors_years,
    synthetic_years,
)

REPO = Path(__file__).resolve().parents[1]
COEF = (
    'coefficients = { "Les Poussières" = 0.081, "Villa Mais d\'Ici" = 0.2004, "le 6b" = 0.39, '
    '"Mains d\'Œuvres" = 0.3286 }\n'
)
SITE = (48.8985, 2.3770, 35.0, 2026, "Europe/Paris")


def close(got: np.ndarray, want: np.ndarray, rtol: float = 1e-9) -> None:
    """Equal to ``rtol`` relative to each value, or to the series' scale near zero."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    scale = np.nanmax(np.abs(want)) if np.isfinite(want).any() else 1.0
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale, equal_nan=True)


# -- weather -----------------------------------------------------------------------------------
@pytest.mark.parametrize("interannual", [True, False])
def test_synthetic_years_equal_the_one_seed_generator(interannual):
    clim = load_climatology(DEFAULT_CLIMATOLOGY)
    seeds = [1, 2, 9]
    batch = synthetic_years(
        *SITE, seeds=seeds, climatology=clim, interannual=interannual, annual_sd_pct=6.0
    )
    assert batch.ghi.shape == (3, 8760)
    for i, s in enumerate(seeds):
        ref = synthetic_weather(
            *SITE, seed=s, climatology=clim, interannual=interannual, annual_sd_pct=6.0
        )
        got = batch.frame(i)
        assert got.index.equals(ref.index)
        for col in ref:
            close(got[col].to_numpy(), ref[col].to_numpy())
    # the years differ: each has its own stream
    assert not np.allclose(batch.ghi[0], batch.ghi[1])


def test_interannual_factors_of_many_seeds_equal_one_seed_each():
    clim = load_climatology(DEFAULT_CLIMATOLOGY)
    cap = np.full(12, 1.1)
    got = interannual_factors_years(np.array([1, 5, 77]), clim, 8.0, max_factor=cap)
    for i, seed in enumerate((1, 5, 77)):
        np.testing.assert_array_equal(got[i], interannual_factors(seed, clim, 8.0, cap))
    assert (got == 1.1).any()  # the cap bites at 8 %


def test_synthetic_years_dirint_runs_the_generator_per_seed():
    batch = synthetic_years(*SITE, seeds=[3], decomposition="dirint")
    ref = synthetic_weather(*SITE, seed=3, decomposition="dirint")
    for col in ref:
        close(batch.frame(0)[col].to_numpy(), ref[col].to_numpy())


def _typical_years(scenario, seeds):
    """Synthetic typical years (no year-to-year factors) at the scenario's plant."""
    plant, sim = scenario.plant, scenario.simulation
    site = (plant.latitude_deg, plant.longitude_deg, plant.altitude_m, sim.year, sim.timezone)
    return [synthetic_weather(*site, seed=s) for s in seeds]


# -- production --------------------------------------------------------------------------------
def test_production_years_equal_simulate_production():
    scenario = load_scenario(REPO / "scenarios" / "greenkommon.toml")
    plant, sim = scenario.plant, scenario.simulation
    frames = _typical_years(scenario, (4, 5))
    for step in ("30min", "1h", "15min"):
        index = make_index(sim.year, step, sim.timezone)
        got = simulate_production_years(
            SampledWeather.stack(frames, np.array([4, 5])), plant, index
        )
        for i, wx in enumerate(frames):
            ref = production._simulate_production(wx, plant, index).to_numpy()
            assert (ref > 0).any()
            close(got[i], ref)


@pytest.mark.parametrize(
    ("tilt", "azimuth", "racking", "dc_ac"),
    [
        (10.0, 90.0, "open_rack", 1.2),
        (35.0, 180.0, "close_mount", 1.5),
        (0.0, 270.0, "insulated_back", 1.0),
        (90.0, 200.0, "open_rack", 2.5),
    ],
)
def test_section_kernel_equals_the_pvlib_chain(tilt, azimuth, racking, dc_ac):
    """The numba twin of section_power_per_kwp on a real sun and rough weather: zeros, no diffuse,
    no beam, the sun below the horizon, clipping inverters."""
    scenario = load_scenario(REPO / "scenarios" / "greenkommon.toml")
    plant = scenario.plant
    index = make_index(2026, "1h", "Europe/Paris")
    sun = production._sun_on_grid(index, plant.latitude_deg, plant.longitude_deg, 35.0)
    rng = np.random.default_rng(int(tilt + azimuth))
    shape = (3, len(index))
    ghi_h = rng.random(shape) * 1100.0 * (rng.random(shape) > 0.1)
    dhi_h = ghi_h * rng.choice([0.0, 0.3, 1.0, 1.2], size=shape)
    ghi, dni, dhi = production._spread_hourly(ghi_h, dhi_h, sun)
    grid = {
        "ghi": ghi,
        "dni": dni,
        "dhi": dhi,
        "temp_air": rng.normal(15.0, 10.0, shape),
        "wind_speed": rng.random(shape) * 8.0,
        "zenith": sun.zenith,
        "apparent_zenith": sun.apparent_zenith,
        "azimuth": sun.azimuth,
        "dni_extra": sun.dni_extra,
    }
    sec = dataclasses.replace(
        plant.sections[0], tilt_deg=tilt, azimuth_deg=azimuth, racking=racking, dc_ac_ratio=dc_ac
    )
    want = production.section_power_per_kwp(grid, sec, 0.25, "perez")
    got = section_power_kernel(grid, sec, 0.25)
    assert (want > 0).any() and (want == 0).any()
    close(got, want)


# -- loads -------------------------------------------------------------------------------------
@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    vol=st.sampled_from([0.0, 5.0, 30.0]),
    noise=st.sampled_from([0.0, 5.0, 80.0]),
)
def test_load_variations_equal_one_draw_per_sample(seed, vol, noise):
    base = np.random.default_rng(seed).random((3, 50)) * 10.0
    base[1, :10] = 0.0
    samples = [1, 4, 2]
    got, factors = load_variations(np.broadcast_to(base, (3, 3, 50)), seed, samples, vol, noise)
    for i, k in enumerate(samples):
        want, want_f = load_variation(base, np.random.default_rng([seed, k]), vol, noise)
        np.testing.assert_array_equal(factors[i], want_f)
        close(got[i], want, rtol=1e-12)


# -- money metrics -----------------------------------------------------------------------------
flows = st.lists(
    st.floats(-1e6, 1e6, allow_nan=False).filter(lambda v: v == 0 or abs(v) > 1e-3),
    min_size=2,
    max_size=26,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(flows, min_size=1, max_size=4).filter(lambda r: len({len(x) for x in r}) == 1))
def test_irr_npv_payback_rows_equal_the_one_row_metrics(rows):
    cf = np.array(rows, dtype=float)
    irr = irr_rows(cf)
    pay = payback_rows(cf)
    npv = npv_rows(0.05, cf)
    for r, row in enumerate(cf):
        assert np.array_equal(irr[r], irr_one(row), equal_nan=True)
        want = payback_years(row)
        assert (np.isnan(pay[r]) and np.isnan(want)) or pay[r] == pytest.approx(want, rel=1e-12)
        assert npv[r] == pytest.approx(float(npf.npv(0.05, row)), rel=1e-12, abs=1e-6)


# -- whole rows --------------------------------------------------------------------------------
def _rows_agree(scenario, samples, volume=5.0, noise=5.0, jobs=None):
    ctx = _single_context(scenario, volume, noise, 3.9, 7, 1147.6)
    jobs = jobs or [(k, k, None) for k in samples]
    got = pd.concat(list(sample_chunks(ctx, jobs, chunk_years=2)), ignore_index=True)
    want = pd.DataFrame([_sample(ctx, k, label, wx) for k, label, wx in jobs])
    assert list(got.columns) == list(want.columns)
    for col in want.columns:
        if want[col].dtype == object:
            assert got[col].tolist() == want[col].tolist(), col
        else:
            close(got[col].to_numpy(), want[col].to_numpy())
    return got


@pytest.mark.parametrize(
    "extra",
    [
        "",  # pro rata (the bundled key)
        '[key]\ntype = "static"\nfloor_to_permille = true\n' + COEF,
        '[key]\ntype = "redistributed"\n' + COEF,
        '[key]\ntype = "priority"\npriority_order = ["le 6b", "Les Poussières", "Villa Mais d\'Ici", '
        '"Mains d\'Œuvres"]\n',
        # the optimiser's dynamic key, set once on the scenario's year (allocate's path)
        '[key]\ntype = "optimised"\n[optimise]\nmodel = "dynamic"\nfairness = ["vs_prorata"]\n',
    ],
)
def test_batched_rows_equal_the_reference(tmp_path, extra):
    scenario = load_scenario(hourly_variant(tmp_path, extra=extra))
    got = _rows_agree(scenario, [1, 2, 5])
    assert got["production_kwh"].nunique() == 3


def test_batched_rows_of_file_years_equal_the_reference(tmp_path):
    scenario = load_scenario(hourly_variant(tmp_path))
    frames = _typical_years(scenario, (11, 12))
    jobs = [(1, 2011, frames[0]), (2, 2012, frames[1]), (3, 2011, frames[0])]
    got = _rows_agree(scenario, [], jobs=jobs)
    assert got["weather"].tolist() == ["2011", "2012", "2011"]


@pytest.mark.slow
def test_batched_rows_of_the_bundled_scenario_equal_the_reference():
    scenario = load_scenario(REPO / "scenarios" / "greenkommon.toml")
    _rows_agree(scenario, [1, 2, 3], volume=10.0, noise=20.0)


def test_run_uncertainty_takes_the_batched_path_and_keeps_the_reference_rows(tmp_path):
    from greenkommon.uncertainty import run_uncertainty

    scenario = load_scenario(hourly_variant(tmp_path))
    fast = run_uncertainty(scenario, 3, progress=False)
    slow = run_uncertainty(scenario, 3, progress=False, batched=False)
    assert list(fast.samples.columns) == list(slow.samples.columns)
    for col in slow.samples.columns:
        if slow.samples[col].dtype == object:
            assert fast.samples[col].tolist() == slow.samples[col].tolist()
        else:
            close(fast.samples[col].to_numpy(), slow.samples[col].to_numpy())
    close(fast.summary.to_numpy(), slow.summary.to_numpy())
