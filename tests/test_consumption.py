"""Synthetic venue profiles and the build_consumption contract."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from greenkommon._config import Section
from greenkommon.consumption import (
    ARCHETYPES,
    LoadConfig,
    archetype_power,
    build_consumption,
    load_archetypes,
    synthetic_consumption,
)
from greenkommon.errors import DataError, GreenkommonWarning, ScenarioError
from greenkommon.scenario import load_scenario
from greenkommon.timegrid import make_index


@pytest.fixture(scope="module")
def grid30():
    return make_index(2026, "30min")


def _cfg(**kw) -> LoadConfig:
    return LoadConfig.from_section(Section(kw, "venues[0].load", None))


def test_contract_columns_sum_and_sign(grid30):
    loads = [
        _cfg(annual_consumption_kwh=1000.0, archetype="studios"),
        _cfg(annual_consumption_kwh=2500.0, archetype={"events_venue": 3, "cafe_kitchen": 1}),
    ]
    df = build_consumption(loads, ["b", "a"], grid30)
    assert list(df.columns) == ["b", "a"]
    assert df.index.equals(grid30)
    assert (df.to_numpy() >= 0).all()
    np.testing.assert_allclose(df.sum().to_numpy(), [1000.0, 2500.0], rtol=1e-12)


@pytest.mark.parametrize("step,per_day", [("15min", 96), ("30min", 48), ("1h", 24)])
def test_every_archetype_every_step_scales_exactly(step, per_day):
    index = make_index(2024, step)  # leap year
    assert len(index) == 366 * per_day
    for name in ARCHETYPES:
        s = synthetic_consumption(
            _cfg(annual_consumption_kwh=12345.0, archetype=name), index, name=name
        )
        assert s.sum() == pytest.approx(12345.0, rel=1e-12)
        assert (s > 0).all()


def test_holiday_takes_holiday_day_type(grid30):
    # 14 July 2026 is a Tuesday and a public holiday: studios use the 'sunday' shape, so at 10:00
    # the ratio to the previous Tuesday (7 July, same month factor) is sunday[10] / open[10].
    arch = load_archetypes()["studios"]
    p = pd.Series(archetype_power("studios", grid30), index=grid30)
    ratio = p["2026-07-14 10:00"] / p["2026-07-07 10:00"]
    assert ratio == pytest.approx(arch.shapes["sunday"][10] / arch.shapes["open"][10])
    assert ratio == pytest.approx(0.42 / 0.97)


def test_summer_slowdown_and_weekend(grid30):
    s = synthetic_consumption(_cfg(annual_consumption_kwh=1e5, archetype="studios"), grid30)
    by_month = s.groupby(s.index.month).sum() / s.groupby(s.index.month).size()
    assert by_month[8] < 0.7 * by_month[6]  # August slowdown
    wd = s[s.index.day_of_week == 2].groupby(lambda t: t.hour).mean()
    su = s[s.index.day_of_week == 6].groupby(lambda t: t.hour).mean()
    assert wd[11] > 1.8 * su[11]


def test_events_after_midnight_on_saturday(grid30):
    p = pd.Series(archetype_power("events_venue", grid30), index=grid30)
    # Friday-night shows end on Saturday morning; Tuesday has no show the night before
    assert p["2026-03-07 00:30"] > 2 * p["2026-03-03 00:30"]


def test_dst_days_follow_local_clock(grid30):
    s = synthetic_consumption(_cfg(annual_consumption_kwh=1e5, archetype="offices"), grid30)
    day = s.groupby(s.index.date).size()
    assert day[pd.Timestamp("2026-03-29").date()] == 46
    assert day[pd.Timestamp("2026-10-25").date()] == 50
    # on the 25-hour day the repeated 02:00 hour has the same power both times (closed shape)
    oct25 = s["2026-10-25"]
    assert (oct25.index.hour == 2).sum() == 4


def test_thermal_share_lands_on_cold_hours(grid30):
    hours = pd.date_range("2026-01-01", periods=8760, freq="1h", tz="Europe/Paris")
    temp = np.where(hours.month == 1, 5.0, 20.0)
    weather = pd.DataFrame({"temp_air": temp}, index=hours)
    base = synthetic_consumption(
        _cfg(annual_consumption_kwh=1e5, archetype="studios"), grid30, weather
    )
    heated = synthetic_consumption(
        _cfg(annual_consumption_kwh=1e5, archetype="studios", heating_share=0.2), grid30, weather
    )
    jan = heated.index.month == 1
    # all heating energy (0.2 * 1e5) lands in January; the rest is the base shape times 0.8
    assert heated[jan].sum() - 0.8 * base[jan].sum() == pytest.approx(0.2e5, rel=1e-9)
    np.testing.assert_allclose(heated[~jan].to_numpy(), 0.8 * base[~jan].to_numpy(), rtol=1e-12)


def test_thermal_share_without_weather_warns(grid30):
    cfg = _cfg(annual_consumption_kwh=1e5, archetype="studios", heating_share=0.2)
    with pytest.warns(GreenkommonWarning, match="no weather"):
        s = synthetic_consumption(cfg, grid30, None, name="x")
    assert s.sum() == pytest.approx(1e5)


def test_noise_is_seeded_and_conserves_energy(grid30):
    cfg = _cfg(annual_consumption_kwh=5e4, archetype="studios", noise_pct=10.0, seed=3)
    a = synthetic_consumption(cfg, grid30, name="v")
    b = synthetic_consumption(cfg, grid30, name="v")
    c = synthetic_consumption(cfg, grid30, name="w")
    smooth = synthetic_consumption(_cfg(annual_consumption_kwh=5e4, archetype="studios"), grid30)
    assert a.equals(b) and not a.equals(c)
    assert a.sum() == pytest.approx(5e4)
    rel = (a / smooth).to_numpy()
    assert 0.05 < np.std(np.log(rel)) < 0.15


def test_bad_archetype_config_is_one_line_error():
    with pytest.raises(ScenarioError, match="archetype.nightclub"):
        _cfg(annual_consumption_kwh=1.0, archetype={"nightclub": 1})
    with pytest.raises(ScenarioError, match="archetype = 'disco'"):
        _cfg(annual_consumption_kwh=1.0, archetype="disco")
    with pytest.raises(ScenarioError, match="heating_share"):
        _cfg(annual_consumption_kwh=1.0, heating_share=0.7, cooling_share=0.5)


def test_bundled_scenario_uses_matching_archetype_mixes(baseline_scenario_path):
    sc = load_scenario(baseline_scenario_path)
    mixes = {v.name: dict(v.load.archetypes) for v in sc.venues}
    assert all(abs(sum(m.values()) - 1) < 1e-12 for m in mixes.values())
    assert mixes["le 6b"]["studios"] >= 0.5  # ~200 artist studios
    assert (
        mixes["Mains d'Œuvres"]["events_venue"] >= 0.3 and "cafe_kitchen" in mixes["Mains d'Œuvres"]
    )
    assert {"studios", "fablab", "cafe_kitchen", "events_venue"} <= set(mixes["Villa Mais d'Ici"])
    assert mixes["Les Poussières"]["events_venue"] >= 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = build_consumption(
            [v.load for v in sc.venues], sc.venue_names, make_index(2026, "30min")
        )
    np.testing.assert_allclose(
        df.sum().to_numpy(), [v.load.annual_consumption_kwh for v in sc.venues]
    )


def test_partial_index_gets_its_part_of_the_year(grid30):
    cfg = _cfg(annual_consumption_kwh=8760.0, archetype="studios", noise_pct=5.0)
    year = synthetic_consumption(cfg, grid30, name="v")
    week = grid30[(grid30 >= "2026-03-02") & (grid30 < "2026-03-09")]
    part = synthetic_consumption(cfg, week, name="v")
    np.testing.assert_allclose(part.to_numpy(), year[week].to_numpy(), rtol=1e-12)
    two_years = make_index(2026, "1h").append(make_index(2027, "1h"))
    both = synthetic_consumption(_cfg(annual_consumption_kwh=100.0), two_years)
    np.testing.assert_allclose(both.groupby(both.index.year).sum().to_numpy(), [100.0, 100.0])


def test_thermal_share_needs_weather_over_the_whole_year(grid30):
    hours = pd.date_range("2026-01-01", periods=24 * 31, freq="1h", tz="Europe/Paris")
    weather = pd.DataFrame({"temp_air": 5.0}, index=hours)
    cfg = _cfg(annual_consumption_kwh=1e5, archetype="studios", heating_share=0.2)
    with pytest.raises(DataError, match="temp_air covers .* needs the whole year 2026"):
        synthetic_consumption(cfg, grid30, weather)


def test_loadconfig_constructor_keeps_archetype_field():
    assert LoadConfig(annual_consumption_kwh=1.0, archetype="studios").archetypes == (
        ("studios", 1.0),
    )
    mix = LoadConfig(annual_consumption_kwh=1.0, archetype={"studios": 3, "fablab": 1})
    assert mix.archetype == "studios" and mix.archetypes == (("studios", 0.75), ("fablab", 0.25))
    assert LoadConfig(annual_consumption_kwh=1.0).archetype == "offices"
    with pytest.raises(DataError, match="archetype 'disco'"):
        LoadConfig(annual_consumption_kwh=1.0, archetype="disco")


def test_readers_are_part_of_the_consumption_module():
    import greenkommon.consumption as consumption
    from greenkommon import consumption_io

    for name in (
        "read_enedis_load_curve",
        "import_load_curves",
        "VARIABLE_MAP",
        "write_load_csv",
        "align_to_index",
    ):
        assert getattr(consumption, name) is getattr(consumption_io, name)
        assert name in consumption.__all__
