"""Weather stage: synthetic year, file readers, rolling onto the simulation year.

Independent references used here:
- the monthly GHI sums of the IWEC Paris-Orly EPW and of the RT2012 H1a year tabulated in
  ../shared/reference/greenkommon-context.md (computed outside greenkommon);
- pvlib's bundled TMY3 file (703165TY.csv, Sand Point AK);
- hand-written PVGIS sample files in tests/data/weather/ (documented PVGIS formats).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenkommon.errors import DataError
from greenkommon.weather import (
    DEFAULT_CLIMATOLOGY,
    WEATHER_COLUMNS,
    WeatherConfig,
    _hollands_huget_lambda,
    _hollands_huget_ppf,
    _sky_geometry,
    fetch_pvgis,
    hourly_index,
    load_climatology,
    load_weather,
    read_epw_file,
    read_rt2012,
    read_weather_csv,
    read_weather_file,
    roll_to_year,
    synthetic_weather,
    write_weather_csv,
)

DATA = Path(__file__).parent / "data" / "weather"
LAT, LON, ALT = 48.8967, 2.3776, 35.0

# greenkommon-context.md, "Weather figures for the offline default"
IWEC_GHI_KWH = [24.1, 39.0, 70.7, 108.9, 142.8, 159.3, 166.0, 150.8, 93.5, 63.0, 31.3, 18.8]
H1A_GHI_KWH = [28.6, 40.6, 81.0, 125.3, 159.1, 165.3, 176.2, 152.1, 105.1, 65.4, 27.7, 21.2]
H1A_T_C = [5.63, 7.12, 8.04, 11.07, 14.36, 18.09, 19.50, 19.81, 15.63, 11.92, 7.97, 5.47]


@pytest.fixture(scope="module")
def synth() -> pd.DataFrame:
    return synthetic_weather(LAT, LON, ALT, 2026, "Europe/Paris", seed=1)


def _check_contract(data: pd.DataFrame, year: int, tz: str = "Europe/Paris") -> None:
    assert list(data.columns) == list(WEATHER_COLUMNS)
    assert str(data.index.tz) == tz
    expected = pd.date_range(
        f"{year}-01-01", f"{year + 1}-01-01", freq="1h", tz=tz, inclusive="left"
    )
    assert data.index.equals(expected)
    assert not data.isna().any().any()
    assert (data[["ghi", "dni", "dhi"]] >= 0).all().all()


# --------------------------------------------------------------------------------- climatology
def test_bundled_climatology_is_the_reference_table():
    clim = load_climatology(DEFAULT_CLIMATOLOGY)
    assert list(clim.ghi_kwh_per_m2) == H1A_GHI_KWH
    assert list(clim.temp_air_c) == H1A_T_C
    assert math.isclose(sum(clim.ghi_kwh_per_m2), 1147.6, abs_tol=0.05)  # table's "year" row
    assert "RT2012" in clim.source


def test_climatology_errors_name_the_field(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text(
        'source = "x"\nghi_kwh_per_m2 = [1, 2]\ntemp_air_c = [0,0,0,0,0,0,0,0,0,0,0,0]\n'
    )
    with pytest.raises(Exception, match="ghi_kwh_per_m2"):
        load_climatology(bad)
    with pytest.raises(DataError, match="not found"):
        load_climatology(tmp_path / "missing.toml")


# --------------------------------------------------------------------------------- synthetic
def test_synthetic_contract_and_reproducibility(synth):
    _check_contract(synth, 2026)
    again = synthetic_weather(LAT, LON, ALT, 2026, "Europe/Paris", seed=1)
    pd.testing.assert_frame_equal(synth, again)
    other = synthetic_weather(LAT, LON, ALT, 2026, "Europe/Paris", seed=2)
    assert not np.allclose(other["ghi"], synth["ghi"])
    # different seeds: same climate (monthly sums), different days
    daily_1 = synth["ghi"].resample("D").sum()
    daily_2 = other["ghi"].resample("D").sum()
    assert np.corrcoef(daily_1, daily_2)[0, 1] < 0.9


def test_synthetic_leap_year_has_8784_hours():
    data = synthetic_weather(LAT, LON, ALT, 2028, "Europe/Paris", seed=3)
    _check_contract(data, 2028)
    assert len(data) == 8784


def test_synthetic_reproduces_monthly_climatology(synth):
    monthly_ghi = synth["ghi"].groupby(synth.index.month).sum() / 1000.0
    np.testing.assert_allclose(monthly_ghi.to_numpy(), H1A_GHI_KWH, rtol=1e-3)
    monthly_t = synth["temp_air"].groupby(synth.index.month).mean()
    np.testing.assert_allclose(monthly_t.to_numpy(), H1A_T_C, atol=0.15)


def test_synthetic_physical_bounds(synth):
    geo = _sky_geometry(LAT, LON, ALT, 2026, "Europe/Paris")
    # never above the (1.05 x) Ineichen clear sky, nothing at night
    assert (synth["ghi"].to_numpy() <= 1.05 * geo["ghi_clear"].to_numpy() + 1e-6).all()
    assert (synth["ghi"].to_numpy()[geo["e0h"].to_numpy() == 0] == 0).all()
    # closure of the decomposition: GHI = DNI cos(z) + DHI
    cos_z = np.cos(np.radians(geo["zenith"].to_numpy()))
    day = cos_z > 0.1
    np.testing.assert_allclose(
        (synth["dni"] * cos_z + synth["dhi"]).to_numpy()[day],
        synth["ghi"].to_numpy()[day],
        atol=1.0,
    )


def test_synthetic_is_not_an_average_day(synth):
    # day-to-day variability: within every month, the sunniest day gets at least 3x the
    # irradiation of the darkest one (a smooth average day would give ~1x)
    daily = synth["ghi"].resample("D").sum()
    ratio = daily.groupby(daily.index.month).max() / daily.groupby(daily.index.month).min()
    assert (ratio > 3).all(), ratio
    # hour-to-hour variability: clearness within a day is not a smooth bell
    jun = synth.loc["2026-06"]
    assert jun["ghi"].diff().abs().max() > 300


@settings(max_examples=25, deadline=None)
@given(mean=st.floats(0.1, 0.6), upper=st.floats(0.65, 0.864))
def test_hollands_huget_mean_matches_target(mean, upper):
    u = (np.arange(20000) + 0.5) / 20000
    sample = _hollands_huget_ppf(u, mean, upper)
    assert abs(sample.mean() - mean) < 0.003
    assert sample.min() >= 0 and sample.max() <= upper


def test_hollands_huget_uniform_case():
    # λ = 0 gives the triangular density 2 (K_u - K)/K_u², mean K_u/3 (hand-computed)
    assert abs(_hollands_huget_lambda(0.864 / 3, 0.864)) < 1e-3


def test_daily_variability_close_to_reference_year(shared_dir, synth):
    """Std of the daily clearness index per month, synthetic vs RT2012 H1a (issue criterion)."""
    ref, _ = read_rt2012(shared_dir / "data" / "weather" / "RT2012_H1a_Trappes.txt")
    ref = roll_to_year(ref, 2026, "Europe/Paris")
    geo = _sky_geometry(LAT, LON, ALT, 2026, "Europe/Paris")

    def daily_kt_std(data: pd.DataFrame) -> pd.Series:
        frame = pd.DataFrame(
            {"g": data["ghi"].to_numpy(), "e": geo["e0h"].to_numpy()}, index=data.index
        )
        daily = frame.resample("D").sum()
        kt = daily["g"] / daily["e"]
        return kt.groupby(kt.index.month).std()

    ref_std = daily_kt_std(ref)
    syn_std = daily_kt_std(synth)
    # the year as a whole within 20 %, every month within 0.07 (one month = 30 draws)
    assert abs(syn_std.mean() / ref_std.mean() - 1) < 0.20, (syn_std.mean(), ref_std.mean())
    assert (abs(syn_std - ref_std) < 0.07).all(), pd.DataFrame({"syn": syn_std, "ref": ref_std})
    # averaged over ten seeds the generator's variability stays in the same band
    many = pd.concat(
        [daily_kt_std(synthetic_weather(LAT, LON, ALT, 2026, seed=s)) for s in range(10, 20)],
        axis=1,
    )
    assert abs(many.mean(axis=1).mean() / ref_std.mean() - 1) < 0.20


# --------------------------------------------------------------------------------- readers
def test_read_iwec_epw_matches_reference_table(shared_dir):
    data, meta = read_epw_file(shared_dir / "data" / "weather" / "FRA_Paris.Orly.071490_IWEC.epw")
    assert meta["latitude"] == pytest.approx(48.73) and meta["longitude"] == pytest.approx(2.40)
    monthly = data["ghi"].groupby(data.index.month).sum() / 1000.0
    np.testing.assert_allclose(monthly.to_numpy(), IWEC_GHI_KWH, atol=0.06)
    # EPW first record covers 00:00-01:00 standard time (hour-ending label 1)
    assert data.index[0].hour == 0 and data.index[0].utcoffset() == pd.Timedelta(hours=1)


def test_read_rt2012_reference_year(shared_dir):
    path = shared_dir / "data" / "weather" / "RT2012_H1a_Trappes.txt"
    data, meta = read_rt2012(path)
    assert len(data) == 8760 and str(data.index.tz) == "UTC"
    assert meta["latitude"] == 48.8 and meta["longitude"] == 2.0
    # the file is in standard time: auto-detection must say so, and then the irradiance is
    # centred on solar noon (Trappes: about 11:52 UTC) to within a few minutes
    assert meta["time_reference"] == "standard"
    hours = data.index.hour + 0.5
    centroid = float((data["dhi"] * hours).sum() / data["dhi"].sum())
    assert abs(centroid - (12.0 - 2.0 / 15.0)) < 0.15
    monthly_t = data["temp_air"].groupby(data.index.month).mean()
    np.testing.assert_allclose(monthly_t.to_numpy(), H1A_T_C, atol=0.05)
    # under the README's solar-time reading the GHI sums are those of the reference table
    solar, _ = read_rt2012(path, time_reference="solar")
    monthly_ghi = solar["ghi"].groupby(solar.index.month).sum() / 1000.0
    np.testing.assert_allclose(monthly_ghi.to_numpy(), H1A_GHI_KWH, rtol=0.015)
    assert solar["ghi"].sum() / 1000 == pytest.approx(1147.6, rel=0.002)
    # the integration onto clock hours conserves the file's DHI and temperature sums
    raw = np.loadtxt(path, skiprows=2, encoding="latin-1", usecols=range(12))
    assert data["dhi"].sum() == pytest.approx(raw[:, 2].sum(), rel=1e-9)
    assert data["temp_air"].sum() == pytest.approx(raw[:, 3].sum(), rel=1e-9)


def test_read_tmy3_bundled_with_pvlib():
    path = Path(pvlib.__file__).parent / "data" / "703165TY.csv"
    data, meta = read_weather_file(path)
    assert meta["format"] == "tmy3"
    assert len(data) == 8760
    raw = pd.read_csv(path, skiprows=1)
    # hour-ending label 01:00 becomes interval start 00:00, values unchanged
    assert data.index[0].hour == 0
    assert data["ghi"].iloc[:48].tolist() == raw["GHI (W/m^2)"].iloc[:48].astype(float).tolist()


def test_read_pvgis_tmy_json_sample():
    data, meta = read_weather_file(DATA / "pvgis_tmy_sample.json")
    assert meta["format"] == "pvgis_tmy" and meta["typical_year"]
    assert (meta["latitude"], meta["longitude"], meta["altitude"]) == (48.897, 2.378, 35.0)
    assert str(data.index.tz) == "UTC" and len(data) == 48
    # values straight from the file: 15 Jan 2007 12:00 UTC, G(h) = 251, Gd(h) = 95.4
    row = data.loc["2007-01-15 12:00+00:00"]
    assert (row["ghi"], row["dhi"], row["temp_air"], row["wind_speed"]) == (251.0, 95.4, 4.6, 3.1)


def test_read_pvgis_hourly_csv_sample():
    data, meta = read_weather_file(DATA / "pvgis_hourly_sample.csv")
    assert meta["format"] == "pvgis_hourly"
    # HH:10 stamps are the hour starting at HH:00
    assert data.index[0] == pd.Timestamp("2020-06-21 00:00", tz="UTC")
    raw = pd.read_csv(DATA / "pvgis_hourly_sample.csv", skiprows=8, nrows=24)
    np.testing.assert_allclose(data["ghi"], raw["Gb(i)"] + raw["Gd(i)"] + raw["Gr(i)"])
    np.testing.assert_allclose(data["dhi"], raw["Gd(i)"] + raw["Gr(i)"])
    # DNI = beam horizontal / cos(zenith at mid-hour)
    sp = pvlib.solarposition.get_solarposition(data.index + pd.Timedelta(minutes=30), 48.897, 2.378)
    cos_z = np.cos(np.radians(sp["zenith"].to_numpy()))
    noon = data.index.hour == 12
    np.testing.assert_allclose(
        data["dni"].to_numpy()[noon], raw["Gb(i)"].to_numpy()[noon] / cos_z[noon]
    )


def test_pvgis_tmy_csv_rolled_onto_leap_and_dst_year(tmp_path):
    """A full PVGIS TMY csv (UTC, one source year per month) placed on local 2024."""
    src = synthetic_weather(LAT, LON, ALT, 2026, seed=5).tz_convert("UTC")
    src = src.sort_index()
    # the TMY year runs 1 Jan 00:00 UTC .. 31 Dec 23:00 UTC: rebuild it from the local year
    idx = pd.date_range("2026-01-01", periods=8760, freq="1h", tz="UTC")
    vals = src.reindex(idx).ffill().bfill()
    years = {m: (2007 + m) for m in range(1, 13)}  # mixed source years, as PVGIS does
    lines = [
        "Latitude (decimal degrees): 48.897",
        "Longitude (decimal degrees): 2.378",
        "Elevation (m): 35",
        "month,year",
    ] + [f"{m},{y}" for m, y in years.items()]
    lines.append("time(UTC),T2m,RH,G(h),Gb(n),Gd(h),IR(h),WS10m,WD10m,SP")
    for t, r in zip(idx, vals.itertuples(), strict=True):
        stamp = t.replace(year=years[t.month]).strftime("%Y%m%d:%H%M")
        lines.append(
            f"{stamp},{r.temp_air:.2f},80,{r.ghi:.2f},{r.dni:.2f},{r.dhi:.2f},300,{r.wind_speed:.2f},200,101300"
        )
    lines += [
        "",
        "T2m: 2-m air temperature (degree Celsius)",
        "G(h): Global irradiance on the horizontal plane (W/m2)",
    ]
    path = tmp_path / "tmy.csv"
    path.write_text("\r\n".join(lines) + "\r\n")
    data, meta = read_weather_file(path)
    assert meta["format"] == "pvgis_tmy" and len(data) == 8760
    rolled = roll_to_year(data, 2024, "Europe/Paris")
    _check_contract(rolled, 2024)
    assert len(rolled) == 8784
    # 29 Feb reuses 28 Feb (same UTC hours)
    feb28 = rolled.loc["2024-02-28 01:00":"2024-02-28 23:00", "ghi"].to_numpy()
    feb29 = rolled.loc["2024-02-29 01:00":"2024-02-29 23:00", "ghi"].to_numpy()
    np.testing.assert_array_equal(feb28, feb29)
    # summer time: 1 July 14:00 CEST is 12:00 UTC in the TMY
    src_val = data.loc[
        data.index[(data.index.month == 7) & (data.index.day == 1) & (data.index.hour == 12)][0],
        "ghi",
    ]
    assert rolled.loc["2024-07-01 14:00+02:00", "ghi"] == src_val
    # local 1 Jan 00:00 CET = 31 Dec 23:00 UTC: wraps to the end of the TMY
    last = data.loc[
        data.index[(data.index.month == 12) & (data.index.day == 31) & (data.index.hour == 23)][0]
    ]
    assert rolled.iloc[0]["temp_air"] == last["temp_air"]
    # rolling keeps every record of the TMY (one extra day in a leap year)
    assert rolled["ghi"].sum() == pytest.approx(
        data["ghi"].sum() + feb28.sum() + rolled.loc["2024-02-29 00:00", "ghi"], rel=1e-9
    )


@settings(max_examples=15, deadline=None)
@given(year=st.integers(1995, 2060))
def test_roll_typical_year_onto_any_year(year):
    base = pd.DataFrame(
        {c: np.arange(8760, dtype=float) for c in WEATHER_COLUMNS},
        index=pd.date_range("2001-01-01", periods=8760, freq="1h", tz="UTC"),
    )
    rolled = roll_to_year(base, year, "Europe/Paris")
    assert rolled.index.equals(hourly_index(year, "Europe/Paris"))
    leap = pd.Timestamp(year=year, month=12, day=31).day_of_year == 366
    assert len(rolled) == (8784 if leap else 8760)
    # every UTC hour of the typical year is used exactly once (plus 24 for 29 Feb)
    counts = pd.Series(rolled["ghi"].to_numpy()).value_counts()
    assert counts.index.size == 8760
    assert (counts > 1).sum() == (24 if leap else 0)


def test_real_series_covering_the_year_is_only_relabelled():
    idx = pd.date_range("2025-12-31 20:00", "2027-01-01 05:00", freq="1h", tz="UTC")
    data = pd.DataFrame({c: np.arange(len(idx), dtype=float) for c in WEATHER_COLUMNS}, index=idx)
    out = roll_to_year(data, 2026, "Europe/Paris")
    _check_contract(out, 2026)
    first_utc = pd.Timestamp("2025-12-31 23:00", tz="UTC")
    assert out["ghi"].iloc[0] == data.loc[first_utc, "ghi"]


# --------------------------------------------------------------------------------- CSV
def test_csv_round_trip(tmp_path, synth):
    meta = {"latitude": LAT, "longitude": LON, "altitude": ALT, "source": "test"}
    path = write_weather_csv(synth, meta, tmp_path / "w.csv")
    data, meta2 = read_weather_csv(path)
    assert meta2["latitude"] == LAT and meta2["source"] == "test"
    pd.testing.assert_frame_equal(
        data.tz_convert("Europe/Paris"), synth, atol=1e-3, check_freq=False, check_index_type=False
    )
    assert not list(tmp_path.glob("*.tmp"))


def test_csv_requires_offsets_and_columns(tmp_path):
    naive = tmp_path / "naive.csv"
    naive.write_text("time,ghi,dni,dhi,temp_air\n2026-01-01T00:00,0,0,0,3\n")
    with pytest.raises(DataError, match="UTC offset"):
        read_weather_csv(naive)
    missing = tmp_path / "missing.csv"
    missing.write_text("time,ghi,temp_air\n2026-01-01T00:00+01:00,0,3\n")
    with pytest.raises(DataError, match="missing column"):
        read_weather_csv(missing)


def test_csv_completes_the_third_component(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text(
        "# latitude = 48.9\n# longitude = 2.37\ntime,dni,dhi,temp_air\n"
        "2026-06-21T11:00+00:00,800,100,20\n2026-06-21T12:00+00:00,700,120,21\n"
    )
    data, _ = read_weather_csv(path)
    sp = pvlib.solarposition.get_solarposition(data.index + pd.Timedelta(minutes=30), 48.9, 2.37)
    expected = 800 * math.cos(math.radians(sp["zenith"].iloc[0])) + 100
    assert data["ghi"].iloc[0] == pytest.approx(expected)


# --------------------------------------------------------------------------------- entry point
def test_load_weather_synthetic_contract():
    data, meta = load_weather(WeatherConfig(seed=4), LAT, LON, ALT, 2026, "Europe/Paris")
    _check_contract(data, 2026)
    assert set(meta) >= {"latitude", "longitude", "altitude", "source"}
    assert "seed 4" in meta["source"]


def test_load_weather_file(shared_dir):
    cfg = WeatherConfig(
        source="file", file=shared_dir / "data" / "weather" / "FRA_Paris.Orly.071490_IWEC.epw"
    )
    data, meta = load_weather(cfg, LAT, LON, ALT, 2026, "Europe/Paris")
    _check_contract(data, 2026)
    assert meta["source"].startswith("EPW") and meta["latitude"] == pytest.approx(48.73)
    # rolling a typical year keeps its annual irradiation (no leap day in 2026)
    assert data["ghi"].sum() / 1000 == pytest.approx(sum(IWEC_GHI_KWH), abs=0.5)


def test_fetch_fails_in_one_line_when_offline(monkeypatch):
    import requests

    def offline(*args, **kwargs):
        raise requests.exceptions.ConnectionError("Max retries exceeded\nwith url ...")

    monkeypatch.setattr(pvlib.iotools, "get_pvgis_tmy", offline)
    with pytest.raises(DataError) as err:
        fetch_pvgis(48.9, 2.37)
    assert "\n" not in str(err.value) and "unreachable" in str(err.value)


def test_fetch_parses_pvgis_client_output(monkeypatch, tmp_path):
    """The client output (here our PVGIS json sample parsed by pvlib) is saved as a readable CSV."""
    sample = pvlib.iotools.read_pvgis_tmy(DATA / "pvgis_tmy_sample.json")
    monkeypatch.setattr(pvlib.iotools, "get_pvgis_tmy", lambda *a, **k: sample)
    data, meta = fetch_pvgis(48.897, 2.378)
    assert meta["source"].startswith("PVGIS TMY") and meta["typical_year"] is True
    path = write_weather_csv(data, meta, tmp_path / "pvgis.csv")
    again, meta2 = read_weather_file(path)
    np.testing.assert_allclose(again["ghi"], data["ghi"], atol=1e-3)
    assert meta2["typical_year"] is True


def test_cli_weather_fetch_offline_exit_code(monkeypatch, capsys):
    import requests

    from greenkommon.cli import main

    def offline(*args, **kwargs):
        raise requests.exceptions.ConnectionError("no route")

    monkeypatch.setattr(pvlib.iotools, "get_pvgis_tmy", offline)
    assert main(["weather", "fetch", "--lat", "48.9", "--lon", "2.37"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: PVGIS is unreachable")


def test_cli_weather_info(capsys):
    from greenkommon.cli import main

    assert main(["weather", "info", str(DATA / "pvgis_tmy_sample.json")]) == 0
    out = capsys.readouterr().out
    assert "PVGIS TMY" in out and "Jan" in out


def test_seed_helper_monthly_cv():
    from greenkommon.weather import synthetic_weather_for_seed

    same = synthetic_weather_for_seed(7)
    pd.testing.assert_frame_equal(same, synthetic_weather(LAT, LON, ALT, 2026, seed=7))
    varied = synthetic_weather_for_seed(7, monthly_cv=0.1)
    ratio = (varied["ghi"].groupby(varied.index.month).sum() / 1000.0).to_numpy() / np.asarray(
        H1A_GHI_KWH
    )
    assert 0.7 <= ratio.min() and ratio.max() <= 1.3 and ratio.std() > 0.01
    pd.testing.assert_frame_equal(varied, synthetic_weather_for_seed(7, monthly_cv=0.1))
    with pytest.raises(DataError, match="monthly_factors"):
        synthetic_weather(LAT, LON, ALT, 2026, monthly_factors=[1.0] * 11)


def test_dirint_decomposition_keeps_closure():
    data = synthetic_weather(LAT, LON, ALT, 2026, seed=1, decomposition="dirint")
    geo = _sky_geometry(LAT, LON, ALT, 2026, "Europe/Paris")
    cos_z = np.clip(np.cos(np.radians(geo["zenith"].to_numpy())), 0, None)
    np.testing.assert_allclose(data["dni"] * cos_z + data["dhi"], data["ghi"], atol=1e-6)
    assert (data["dhi"] >= -1e-9).all()
    assert data["ghi"].sum() == pytest.approx(
        synthetic_weather(LAT, LON, ALT, 2026, seed=1)["ghi"].sum()
    )


def test_multi_year_series_uses_latest_complete_year():
    from greenkommon.errors import GreenkommonWarning

    idx = pd.date_range("2019-01-01", "2021-12-31 23:00", freq="1h", tz="UTC")
    data = pd.DataFrame({c: idx.year.to_numpy(dtype=float) for c in WEATHER_COLUMNS}, index=idx)
    with pytest.warns(GreenkommonWarning, match="using its year 2021"):
        out = roll_to_year(data, 2026, "Europe/Paris")
    _check_contract(out, 2026)
    assert (out["ghi"] == 2021).all()
    # a series covering the target year is used as is, without warning
    inside = roll_to_year(data, 2020, "UTC")
    assert (inside["ghi"] == 2020).all() and len(inside) == 8784


def test_cli_weather_synth_writes_readable_csv(tmp_path):
    from greenkommon.cli import main

    out = tmp_path / "s.csv"
    assert (
        main(["weather", "synth", "--weather-seed", "3", "--year", "2026", "--out", str(out)]) == 0
    )
    data, meta = read_weather_file(out)
    expected = synthetic_weather(LAT, LON, ALT, 2026, seed=3)
    np.testing.assert_allclose(data["ghi"].to_numpy(), expected["ghi"].to_numpy(), atol=1e-3)
    assert "seed 3" in meta["source"]


def test_csv_sub_hourly_records_become_hour_means(tmp_path):
    path = tmp_path / "q.csv"
    rows = ["time,ghi,dni,dhi,temp_air,wind_speed"]
    for i, g in enumerate([100, 200, 300, 400, 0, 0, 0, 40]):
        t = pd.Timestamp("2026-06-01 10:00", tz="UTC") + pd.Timedelta(minutes=15 * i)
        rows.append(f"{t.isoformat()},{g},0,{g},{20 + i},2")
    path.write_text("\n".join(rows) + "\n")
    data, _ = read_weather_csv(path)
    assert len(data) == 2
    assert data["ghi"].tolist() == [250.0, 10.0]  # (100+200+300+400)/4, (0+0+0+40)/4
    assert data["temp_air"].tolist() == [21.5, 25.5]


def test_synthetic_diurnal_temperature_peaks_in_the_afternoon(synth):
    """Erbs et al. profile: minimum around sunrise, maximum mid-afternoon (solar time)."""
    july = synth.loc["2026-07"]
    by_hour = july["temp_air"].groupby(july.index.hour).mean()  # local CEST hours
    assert 14 <= by_hour.idxmax() <= 17
    assert 4 <= by_hour.idxmin() <= 7


def test_unreachable_climatology_warns(tmp_path):
    from greenkommon.errors import GreenkommonWarning

    with pytest.warns(GreenkommonWarning, match="clear sky bounds it"):
        synthetic_weather(LAT, LON, ALT, 2026, seed=1, monthly_factors=[3.0] + [1.0] * 11)


# -- sampled years: year-to-year variability of the monthly irradiation ------------------------
def _h1a_clim_without_interannual(tmp_path: Path, extra: str = "") -> Path:
    text = DEFAULT_CLIMATOLOGY.read_text(encoding="utf-8").split("[interannual]")[0]
    path = tmp_path / "clim.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def test_bundled_climatology_has_a_sourced_labelled_variability():
    clim = load_climatology(DEFAULT_CLIMATOLOGY)
    assert clim.ghi_annual_sd_pct == 3.9
    assert "Thevenard" in clim.interannual_source
    assert clim.interannual_confidence.startswith("UNCONFIRMED")
    # equal relative sd c of independent months giving 3.9 % on the year:
    # Σ H_m = 1147.6 kWh/m², Σ H_m² = 817.96 + 1648.36 + ... + 449.44 = 148 085.06 (kWh/m²)², √ = 384.82,
    # c = 0.039 · 1147.6 / 384.82 = 0.11631
    assert sum(H1A_GHI_KWH) == pytest.approx(1147.6)
    assert sum(h * h for h in H1A_GHI_KWH) == pytest.approx(148085.06)
    np.testing.assert_allclose(clim.monthly_sd_fraction(), 0.11630, atol=5e-5)
    np.testing.assert_allclose(clim.monthly_sd_fraction(10.0), 0.29822, atol=5e-5)


def test_interannual_factors_have_the_configured_moments():
    """4000 draws: mean 1, monthly sd c, annual sd 3.9 %, months uncorrelated.

    Sampling tolerances (n = 4000): the relative standard error of a standard deviation is
    about 1/√(2n) = 1.1 % (a little more for the lognormal), of the annual mean
    3.9 %/√n = 0.06 %, of a correlation 1/√n = 0.016; the bounds below are 4-5 of those.
    """
    from greenkommon.weather import interannual_factors

    clim = load_climatology(DEFAULT_CLIMATOLOGY)
    h = np.asarray(H1A_GHI_KWH)
    f = np.array([interannual_factors(s, clim) for s in range(1, 4001)])
    assert (f > 0).all()
    annual = f @ h
    assert annual.mean() / h.sum() == pytest.approx(1.0, abs=0.003)
    assert annual.std(ddof=1) / h.sum() == pytest.approx(0.039, rel=0.05)
    np.testing.assert_allclose(f.mean(axis=0), 1.0, atol=0.009)  # SE 0.116/√4000 = 0.0018
    np.testing.assert_allclose(f.std(axis=0, ddof=1), 0.1163, rtol=0.07)
    corr = np.corrcoef(f.T)[np.triu_indices(12, 1)]
    assert np.abs(corr).max() < 0.07
    # a seed always gives the same factors; another override scales the spread
    np.testing.assert_array_equal(interannual_factors(5, clim), interannual_factors(5, clim))
    wide = np.array([interannual_factors(s, clim, 8.0) for s in range(1, 2001)]) @ h
    assert wide.std(ddof=1) / h.sum() == pytest.approx(0.08, rel=0.07)
    np.testing.assert_array_equal(interannual_factors(5, clim, 0.0), np.ones(12))


def test_sampled_year_reaches_its_monthly_targets_and_is_reproducible(synth):
    from greenkommon.weather import interannual_factors, synthetic_weather_for_seed

    a = synthetic_weather(LAT, LON, ALT, 2026, seed=3, interannual=True)
    _check_contract(a, 2026)
    monthly = (a["ghi"].groupby(a.index.month).sum() / 1000.0).to_numpy()
    target = np.asarray(H1A_GHI_KWH) * interannual_factors(3)
    np.testing.assert_allclose(monthly, target, rtol=1e-9)
    assert np.abs(monthly / np.asarray(H1A_GHI_KWH) - 1).max() > 0.05  # it does vary
    pd.testing.assert_frame_equal(a, synthetic_weather_for_seed(3, variability=True))
    pd.testing.assert_frame_equal(
        a, synthetic_weather(LAT, LON, ALT, 2026, seed=3, interannual=True)
    )
    b = synthetic_weather(LAT, LON, ALT, 2026, seed=4, interannual=True)
    assert a["ghi"].sum() != b["ghi"].sum()
    # sd 0: the sampled year is the typical year, bit for bit
    pd.testing.assert_frame_equal(
        synthetic_weather(LAT, LON, ALT, 2026, seed=1, interannual=True, annual_sd_pct=0.0),
        synth,
        check_exact=True,
    )
    # the default year stays the typical one: climatology sums to the rounding of the file
    typical = (synth["ghi"].groupby(synth.index.month).sum() / 1000.0).to_numpy()
    np.testing.assert_allclose(typical, H1A_GHI_KWH, rtol=1e-9)
    with pytest.raises(DataError, match="variability"):
        synthetic_weather_for_seed(3, variability=-1.0)


@pytest.mark.slow  # ~5 s: 100 full years; the factor test covers the statistics fast
def test_sampled_years_over_100_seeds_match_the_climatology_and_its_spread():
    """100 full sampled years: annual GHI mean within 1.2 % (3 standard errors of
    3.9 %/√100), sd within ±25 % of 3.9 % (about 3.5 standard errors of an sd from 100
    samples); each month's relative sd, pooled over the 12 months, within ±10 % of 11.63 %."""
    from greenkommon.weather import synthetic_weather_for_seed

    h = np.asarray(H1A_GHI_KWH)
    sums = []
    for s in range(1, 101):
        y = synthetic_weather_for_seed(s, variability=True)
        sums.append((y["ghi"].groupby(y.index.month).sum() / 1000.0).to_numpy())
    sums = np.array(sums)
    annual = sums.sum(axis=1)
    assert annual.mean() / h.sum() == pytest.approx(1.0, abs=0.012)
    assert annual.std(ddof=1) / annual.mean() == pytest.approx(0.039, rel=0.25)
    rel = sums / h
    pooled = np.sqrt(np.mean(rel.var(axis=0, ddof=1)))
    assert pooled == pytest.approx(0.1163, rel=0.10)
    # the typical year's spread is an order of magnitude smaller (only the day sequence moves)
    typical = np.array([synthetic_weather_for_seed(s)["ghi"].sum() / 1000.0 for s in range(1, 6)])
    assert typical.std(ddof=1) / typical.mean() < 0.001


def test_weather_config_interannual_fields(tmp_path):
    from greenkommon._config import Section
    from greenkommon.errors import ScenarioError

    cfg = WeatherConfig.from_section(
        Section({"interannual_variability": True, "interannual_sd_pct": 5}, "weather")
    )
    assert cfg.interannual_variability and cfg.interannual_sd_pct == 5.0
    assert WeatherConfig.from_section(Section({}, "weather")).interannual_variability is False
    with pytest.raises(ScenarioError, match="interannual_sd_pct"):
        WeatherConfig.from_section(Section({"interannual_sd_pct": 5}, "weather"))
    with pytest.raises(ScenarioError, match="interannual_variability"):
        WeatherConfig.from_section(Section({"interannual_variability": "yes"}, "weather"))
    with pytest.raises(ScenarioError, match="interannual_sd_pct"):
        WeatherConfig.from_section(
            Section({"interannual_variability": True, "interannual_sd_pct": -1}, "weather")
        )
    data, meta = load_weather(cfg, LAT, LON, ALT, 2026)
    expected = synthetic_weather(LAT, LON, ALT, 2026, seed=1, interannual=True, annual_sd_pct=5.0)
    pd.testing.assert_frame_equal(data, expected)
    assert "sampled year" in meta["source"] and meta["interannual_sd_pct"] == 5.0
    data, meta = load_weather(WeatherConfig(), LAT, LON, ALT, 2026)
    assert meta["source"].startswith("synthetic (seed 1,") and "interannual_sd_pct" not in meta


def test_climatology_interannual_table_validation(tmp_path):
    from greenkommon.errors import ScenarioError

    bare = load_climatology(_h1a_clim_without_interannual(tmp_path))
    assert bare.ghi_annual_sd_pct is None
    with pytest.raises(DataError, match="interannual_sd_pct"):
        synthetic_weather(LAT, LON, ALT, 2026, seed=1, climatology=bare, interannual=True)
    # an explicit figure works without one in the climatology
    ok = synthetic_weather(
        LAT, LON, ALT, 2026, seed=1, climatology=bare, interannual=True, annual_sd_pct=3.0
    )
    assert ok["ghi"].sum() > 0
    # monthly figures only: the annual sd of independent months, hand case with equal months
    # is c/√12 when every month has the same sum; here H varies so use the formula
    monthly = _h1a_clim_without_interannual(
        tmp_path,
        "[interannual]\nghi_monthly_sd_pct = [20, 20, 15, 12, 10, 10, 10, 10, 12, 15, 20, 20]\n"
        'source = "test figures"\n',
    )
    clim = load_climatology(monthly)
    h = np.asarray(H1A_GHI_KWH)
    m = np.array([20, 20, 15, 12, 10, 10, 10, 10, 12, 15, 20, 20], dtype=float)
    assert clim.annual_sd_pct() == pytest.approx(math.sqrt(((h * m) ** 2).sum()) / h.sum())
    np.testing.assert_allclose(clim.monthly_sd_fraction(), m / 100)
    for extra, match in (
        ("[interannual]\nghi_annual_sd_pct = 4\n", "source"),
        (
            '[interannual]\nghi_annual_sd_pct = 4\nghi_monthly_sd_pct = [1,1,1,1,1,1,1,1,1,1,1,1]\nsource = "x"\n',
            "not both",
        ),
        ('[interannual]\nghi_annual_sd_pct = -4\nsource = "x"\n', "ghi_annual_sd_pct"),
        ('[interannual]\nghi_anual_sd_pct = 4\nsource = "x"\n', "ghi_anual_sd_pct"),
    ):
        with pytest.raises(ScenarioError, match=match):
            load_climatology(_h1a_clim_without_interannual(tmp_path, extra))
