"""Measured load curves: readers, units, steps, DST, gaps, duplicates, alignment, CLI.

Reference energies are computed by hand from the written values (W × minutes / 60 = Wh), never
from the code under test.
"""

from __future__ import annotations

import re
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greenkommon._config import Section
from greenkommon.cli import main
from greenkommon.consumption import LoadConfig, build_consumption
from greenkommon.consumption_io import (
    LoadImport,
    align_to_index,
    choose_source_days,
    import_load_curves,
    read_enedis_load_curve,
    write_load_csv,
)
from greenkommon.errors import DataError, GreenkommonWarning, ScenarioError
from greenkommon.timegrid import make_index

DATA = Path(__file__).parent / "data" / "loads"
TZ = "Europe/Paris"
PRM = "12345678901234"
PRM_RE = re.compile(r"\d{14}")


# -- sample writers (the documented layouts) ------------------------------------------------------


def _truth(
    start: str, periods: int, step_min: int, seed: int = 0
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Interval starts (absolute time) and integer average powers [W]."""
    starts = pd.date_range(pd.Timestamp(start, tz=TZ), periods=periods, freq=f"{step_min}min")
    watts = np.random.default_rng(seed).integers(0, 20000, periods)
    return starts, watts


def _iso(ts: pd.Timestamp) -> str:
    return ts.isoformat()


def write_portal(
    path: Path, starts, watts, step_min: int, *, unit: str = "W", declare_step: bool = False
) -> Path:
    lines = [
        "Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;Grandeur metier;Etape metier;Unite;Pas en minutes",
        f"{PRM};Courbe de charge;01/01/2025;31/12/2025;Energie active;Consommation;Comptage Brut;{unit};{step_min if declare_step else ''}",
        "Horodate;Valeur",
    ]
    step = pd.Timedelta(minutes=step_min)
    for s, w in zip(starts, watts, strict=True):
        lines.append(f"{_iso(s + step)};{'' if w is None else w}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_r63(path: Path, starts, watts, step_min: int) -> Path:
    head = "Identifiant PRM;Date de début;Date de fin;Grandeur physique;Grandeur métier;Etape métier;Unité;Horodate;Valeur;Nature;Pas;Indice de vraisemblance;Etat complémentaire"
    lines = [head]
    step = pd.Timedelta(minutes=step_min)
    for s, w in zip(starts, watts, strict=True):
        wall = (s + step).tz_convert(TZ).strftime("%Y-%m-%d %H:%M:%S")  # naive local, interval end
        lines.append(
            f"{PRM};2025-01-01 00:00:00;2026-01-01 00:00:00;PA;CONS;BRUT;W;{wall};{w};B;PT{step_min}M;0;0"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_generic(path: Path, starts, energy_kwh, *, header="timestamp,energy_kwh") -> Path:
    lines = [header] + [f"{_iso(s)},{float(e)!r}" for s, e in zip(starts, energy_kwh, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, starts, watts, step_min: int) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Identifiant PRM", PRM])
    ws.append(["Unité", "W"])
    ws.append([])
    ws.append(["Horodate", "Valeur"])
    step = pd.Timedelta(minutes=step_min)
    for s, w in zip(starts, watts, strict=True):
        ws.append([(s + step).tz_localize(None).to_pydatetime(), int(w)])  # naive local end times
    wb.save(path)
    return path


def _wh(watts, step_min) -> float:
    return float(np.sum(np.asarray(watts, dtype=float)) * step_min / 60.0)


# -- round trips per format ------------------------------------------------------------------------


@pytest.mark.parametrize("step_min", [10, 15, 30, 60])
def test_round_trip_portal(tmp_path, step_min):
    # 3 days across the October 2025 fall-back (25-hour day)
    starts, watts = _truth(
        "2025-10-25", 3 * 24 * 60 // step_min + 60 // step_min, step_min, seed=step_min
    )
    f = write_portal(tmp_path / "c.csv", starts, watts, step_min)
    data, meta = read_enedis_load_curve(f)
    assert meta["format"] == "enedis_portal" and meta["steps_minutes"] == [step_min]
    assert data.index.equals(starts.rename("interval_start"))  # end labels → start labels
    r = import_load_curves([f], step="30min", max_missing_pct=0)
    assert r.energy_kwh.sum() * 1000 == pytest.approx(_wh(watts, step_min), abs=1e-6)
    assert not r.filled.any()


def test_round_trip_r63_naive_local_times_across_both_transitions(tmp_path):
    starts, watts = _truth("2025-03-29", 48 * 3, 30, seed=1)
    starts2, watts2 = _truth("2025-10-25", 50 + 48 * 2, 30, seed=2)
    f1 = write_r63(tmp_path / "march.csv", starts, watts, 30)
    f2 = write_r63(tmp_path / "october.csv", starts2, watts2, 30)
    for f, s, w in ((f1, starts, watts), (f2, starts2, watts2)):
        data, meta = read_enedis_load_curve(f)
        assert meta["format"] == "enedis_r63"
        assert data.index.equals(s.rename("interval_start"))
        np.testing.assert_allclose(data["energy_kwh"].to_numpy(), w * 0.5 / 1000)
    r = import_load_curves([f1, f2], step="1h", max_missing_pct=100, fill_gaps=True)
    # the months between the two files are one long gap, filled and flagged; the measured
    # intervals keep their energy
    measured = r.energy_kwh[~r.filled]
    assert measured.sum() * 1000 == pytest.approx(_wh(watts, 30) + _wh(watts2, 30), abs=1e-6)


def test_round_trip_generic_and_greenkommon(tmp_path):
    starts, watts = _truth("2025-06-02", 48 * 7, 30, seed=3)
    kwh = watts * 0.5 / 1000
    f = write_generic(tmp_path / "g.csv", starts, kwh)
    r = import_load_curves([f], step="15min")
    assert r.energy_kwh.sum() * 1000 == pytest.approx(_wh(watts, 30), abs=1e-6)
    out = write_load_csv(r, tmp_path / "out.csv")
    data, meta = read_enedis_load_curve(out)
    assert meta["format"] == "greenkommon" and meta["units"] == ["kWh"]
    assert data.index.equals(r.energy_kwh.index)
    # 6 decimals of kWh: each value within 0.5 mWh, the sum to the Wh
    assert abs(data["energy_kwh"].sum() - r.energy_kwh.sum()) * 1000 < 0.5


def test_round_trip_generic_power_end_convention_with_unit_option(tmp_path):
    starts, watts = _truth("2025-06-02", 24, 60, seed=4)
    lines = ["date;puissance"] + [
        f"{(s + pd.Timedelta(hours=1)).strftime('%d/%m/%Y %H:%M')};{w / 1000:.3f}".replace(".", ",")
        for s, w in zip(starts, watts, strict=True)
    ]
    f = tmp_path / "kw.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="no unit declared"):
        read_enedis_load_curve(f)
    data, _ = read_enedis_load_curve(f, unit="kW", timestamp="end")
    assert data.index[0] == pd.Timestamp("2025-06-02 00:00", tz=TZ)
    assert data["energy_kwh"].sum() * 1000 == pytest.approx(_wh(watts, 60), abs=1e-6)


def test_round_trip_xlsx_seven_day_chunks_stitched(tmp_path):
    starts, watts = _truth("2025-01-06", 48 * 21, 30, seed=5)
    files = []
    for k in range(3):  # three 7-day chunks, the last one overlapping the second by a day
        sl = slice(k * 48 * 7 - (48 if k == 2 else 0), (k + 1) * 48 * 7)
        files.append(write_xlsx(tmp_path / f"chunk{k}.xlsx", starts[sl], watts[sl], 30))
    r = import_load_curves(list(reversed(files)), step="30min", max_missing_pct=0)
    assert r.report.formats == ["enedis_xlsx"] and r.report.files == 3
    assert r.report.duplicates_dropped == 48
    assert r.energy_kwh.sum() * 1000 == pytest.approx(_wh(watts, 30), abs=1e-6)


def test_units_wh_kwh_kw_give_the_same_energy(tmp_path):
    starts, watts = _truth("2025-02-03", 48, 30, seed=6)
    ref = import_load_curves([write_portal(tmp_path / "w.csv", starts, watts, 30)]).energy_kwh
    for unit, values in (("kW", watts / 1000), ("Wh", watts * 0.5), ("kWh", watts * 0.5 / 1000)):
        f = write_portal(
            tmp_path / f"{unit}.csv", starts, [f"{v:.6f}" for v in values], 30, unit=unit
        )
        np.testing.assert_allclose(
            import_load_curves([f]).energy_kwh.to_numpy(), ref.to_numpy(), rtol=1e-12
        )


# -- the committed samples, by hand ------------------------------------------------------------------


def test_portal_spring_forward_sample_by_hand():
    data, meta = read_enedis_load_curve(DATA / "enedis_portal_march_dst.csv")
    # end 03:00+02:00 closes the interval that started at 01:30+01:00; 270 W × 0.5 h = 0.135 kWh
    assert data.loc[pd.Timestamp("2021-03-28T01:30:00+01:00"), "energy_kwh"] == pytest.approx(0.135)
    assert data.index[0] == pd.Timestamp("2021-03-28T00:00:00+01:00")
    assert len(data) == 6 and meta["steps_minutes"] == [30]
    # (300+280+250+270+392+410) W × 0.5 h = 951 Wh
    assert data["energy_kwh"].sum() == pytest.approx(0.951)
    assert str(meta["prm"][0]) == "<PRM>"


def test_r63_fall_back_sample_by_hand():
    data, meta = read_enedis_load_curve(DATA / "enedis_r63_october_dst.csv")
    # wall ends 02:00, 02:30 (summer, UTC+2) then 02:00, 02:30 again (winter, UTC+1): starts
    # 01:30+02, 02:00+02, 02:30+02, 02:00+01, 02:30+01 (= 23:30, 00:00, 00:30, 01:00, 01:30 UTC)
    expected = pd.DatetimeIndex(
        [
            "2025-10-25T23:00Z",
            "2025-10-25T23:30Z",
            "2025-10-26T00:00Z",
            "2025-10-26T00:30Z",
            "2025-10-26T01:00Z",
            "2025-10-26T01:30Z",
        ]
    ).tz_convert(TZ)
    assert data.index.equals(expected.rename("interval_start"))
    np.testing.assert_allclose(data["energy_kwh"], [0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
    assert meta["dropped_rows"] == 1  # the PROD row


def test_r63_single_occurrence_of_ambiguous_time_follows_file_order(tmp_path):
    lines = (DATA / "enedis_r63_october_dst.csv").read_text(encoding="utf-8").splitlines()
    del lines[3]  # drop the first (summer) 02:30 end: the next 02:00 is still the second one
    f = tmp_path / "r.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data, _ = read_enedis_load_curve(f)
    assert pd.Timestamp("2025-10-26T00:30Z") in data.index  # 4000 W row: winter 02:00 end
    assert data.loc[pd.Timestamp("2025-10-26T00:30Z"), "energy_kwh"] == pytest.approx(2.0)
    assert len(data) == 5


def test_nonexistent_local_time_is_an_error_naming_the_line(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("timestamp;value_kwh\n2025-03-30 01:30;1\n2025-03-30 02:00;1\n", encoding="utf-8")
    with pytest.raises(
        DataError, match=r"x\.csv: line 3: local time 2025-03-30 02:00:00 does not exist"
    ):
        read_enedis_load_curve(f)


def test_latin1_export_and_generic_decimal_comma():
    data, meta = read_enedis_load_curve(DATA / "enedis_portal_latin1.csv")
    assert meta["encoding"] in ("cp1252", "latin-1")
    assert data["energy_kwh"].sum() == pytest.approx((1200 + 800) * 0.5 / 1000)
    with pytest.raises(DataError, match=r"line 1: byte .* is not valid utf-8"):
        read_enedis_load_curve(DATA / "enedis_portal_latin1.csv", encoding="utf-8")
    g, gm = read_enedis_load_curve(DATA / "generic_hourly_kwh.csv")
    assert gm["format"] == "generic" and g.index[0] == pd.Timestamp("2025-01-06 00:00", tz=TZ)
    np.testing.assert_allclose(g["energy_kwh"], [1.5, 2.25, 0.75])
    assert list(g["step_minutes"]) == [60, 60, 60]


# -- bad input: one-line errors naming file, line, value ------------------------------------------------


@pytest.mark.parametrize(
    "body,pattern",
    [
        (
            "timestamp;value_kwh\n2025-01-06 00:00;1\n2025-01-06 00:30;-2\n",
            r"line 3: value '-2' is negative",
        ),
        (
            "timestamp;value_kwh\n2025-01-06 00:00;1\n2025-01-06 00:30;abc\n",
            r"line 3: value 'abc' is not a number",
        ),
        ("timestamp;value_kwh\n2025-01-06 00:00;1\nlundi;2\n", r"line 3: timestamp 'lundi'"),
        ("timestamp value\n2025-01-06T00:00 1\n", r"line 1: .* has no ';', ',' or tab separator"),
        (
            "timestamp;value_kwh\n2025-01-06 00:00;1;7\n2025-01-06 00:30\n",
            r"line 3: 1 field\(s\) where the header has 2",
        ),
        ("timestamp;value;unit\n2025-01-06 00:00;1;kVArh\n", r"line 2: unit 'kVArh'"),
        ("\n\n", r"file is empty"),
    ],
)
def test_bad_files_raise_one_line_errors(tmp_path, body, pattern):
    f = tmp_path / f"venue_{PRM}.csv"  # Enedis puts the PRM in file names
    f.write_text(body, encoding="utf-8")
    with pytest.raises(DataError, match=pattern) as exc:
        read_enedis_load_curve(f)
    msg = str(exc.value)
    assert "\n" not in msg and "venue_<PRM>.csv" in msg and not PRM_RE.search(msg)


def test_conflicting_duplicates_name_both_rows(tmp_path):
    starts, watts = _truth("2025-01-06", 48, 30, seed=7)
    a = write_portal(tmp_path / "a.csv", starts, watts, 30)
    w2 = watts.copy()
    w2[10] += 1
    b = write_portal(tmp_path / "b.csv", starts[5:20], w2[5:20], 30)
    with pytest.raises(
        DataError,
        match=r"a\.csv: line 14 and .*b\.csv: line 9: duplicated interval starting 2025-01-06T05:00:00\+01:00",
    ):
        import_load_curves([a, b])
    ok = write_portal(tmp_path / "c.csv", starts[5:20], watts[5:20], 30)
    r = import_load_curves([a, ok])
    assert r.report.duplicates_dropped == 15
    assert r.energy_kwh.sum() * 1000 == pytest.approx(_wh(watts, 30))


def test_absent_row_is_a_gap_not_a_longer_step(tmp_path):
    starts, watts = _truth("2025-01-06", 12, 30, seed=12)
    keep = np.ones(12, dtype=bool)
    keep[5] = False  # the row is absent (not an empty value)
    f = write_portal(tmp_path / "g.csv", starts[keep], watts[keep], 30)
    data, _ = read_enedis_load_curve(f)
    assert list(data["step_minutes"]) == [30] * 11
    r = import_load_curves([f], max_missing_pct=10)
    assert r.filled.tolist() == [k == 5 for k in range(12)]
    assert r.energy_kwh.iloc[5] == pytest.approx((watts[4] + watts[6]) / 2 * 0.5 / 1000)


def test_step_change_inside_a_file(tmp_path):
    # hourly then half-hourly (like the Enedis HDM sample): the hourly row that ends the regime
    # keeps its 60 minutes
    s1, w1 = _truth("2025-01-06", 24, 60, seed=13)
    s2, w2 = _truth("2025-01-07", 48, 30, seed=14)
    f = write_portal(tmp_path / "c.csv", s1.append(s2), np.concatenate([w1, w2]), 60)
    lines = f.read_text().splitlines()
    # rewrite the 30-min part with its own end labels
    lines = lines[: 3 + 24] + [
        f"{(s + pd.Timedelta(minutes=30)).isoformat()};{w}" for s, w in zip(s2, w2, strict=True)
    ]
    f.write_text("\n".join(lines) + "\n")
    data, _ = read_enedis_load_curve(f)
    assert list(data["step_minutes"]) == [60] * 24 + [30] * 48
    assert data["energy_kwh"].sum() * 1000 == pytest.approx(_wh(w1, 60) + _wh(w2, 30))


def test_short_gap_interpolated_and_flagged(tmp_path):
    starts = pd.date_range(pd.Timestamp("2025-01-06", tz=TZ), periods=6, freq="30min")
    watts = [100, None, None, 400, 400, 400]
    f = write_portal(tmp_path / "g.csv", starts, watts, 30)
    r = import_load_curves([f], max_missing_pct=50)
    # neighbours 0.05 kWh (100 W) and 0.2 kWh (400 W): the two missing half-hours get 0.1 and 0.15
    np.testing.assert_allclose(r.energy_kwh.to_numpy(), [0.05, 0.1, 0.15, 0.2, 0.2, 0.2])
    assert r.filled.tolist() == [False, True, True, False, False, False]
    assert r.report.missing_values == 2 and r.report.gaps.interpolated_intervals == 2
    # the flags survive a round trip through the greenkommon CSV
    back = import_load_curves([write_load_csv(r, tmp_path / "o.csv")])
    assert back.filled.tolist() == r.filled.tolist()
    np.testing.assert_allclose(back.energy_kwh.to_numpy(), r.energy_kwh.to_numpy(), atol=5e-7)
    with pytest.raises(
        DataError, match=r"33\.33 % of the intervals missing, more than max_missing_pct = 5 %"
    ):
        import_load_curves([f])


def test_long_gap_needs_fill_gaps(tmp_path):
    starts, watts = _truth("2025-01-06", 48 * 28, 30, seed=8)
    keep = np.ones(len(starts), dtype=bool)
    keep[500:510] = False  # a 5-hour hole
    f = write_portal(tmp_path / "g.csv", starts[keep], watts[keep], 30)
    with pytest.raises(
        DataError,
        match=r"1 gap\(s\) longer than max_gap_hours = 2 h, the first 5 h from 2025-01-16T10:00:00\+01:00",
    ):
        import_load_curves([f])
    r = import_load_curves([f], fill_gaps=True)
    assert r.filled.sum() == 10 and r.report.gaps.typical_week_intervals == 10
    # typical week: mean of the same half-hour 1..4 weeks before and after, where measured
    t = starts[500]
    # (2 weeks before is outside the record; 2 and 3 weeks after: one inside)
    expected = np.mean([watts[500 - 336], watts[500 + 336], watts[500 + 672]]) * 0.5 / 1000
    assert r.energy_kwh[t] == pytest.approx(expected)


# -- conservation (property) ------------------------------------------------------------------------


@st.composite
def segments(draw):
    n = draw(st.integers(1, 4))
    # every segment has at least two rows (a single-row segment's step cannot be inferred)
    return [(draw(st.sampled_from([10, 15, 30, 60])), draw(st.integers(2, 6))) for _ in range(n)]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    segs=segments(),
    day=st.sampled_from(["2025-03-30", "2025-10-26", "2025-06-15"]),
    hour=st.integers(0, 23),
    grid=st.sampled_from(["15min", "30min", "1h"]),
    seed=st.integers(0, 2**16),
)
def test_import_and_resample_conserve_energy(tmp_path, segs, day, hour, grid, seed):
    rng = np.random.default_rng(seed)
    t = pd.Timestamp(day, tz=TZ) + pd.Timedelta(hours=hour)
    t = t.tz_convert("UTC").floor("h").tz_convert(TZ)
    starts, watts, expected_wh = [], [], 0.0
    for step, hours in segs:  # steps change inside the file, each segment whole hours
        for _ in range(hours * 60 // step):
            w = int(rng.integers(0, 100000))
            starts.append(t)
            watts.append(w)
            expected_wh += w * step / 60
            t = t + pd.Timedelta(minutes=step)
    lines = ["Identifiant PRM;Unite;Pas en minutes", f"{PRM};W;", "Horodate;Valeur"]
    ends = [*starts[1:], t]
    lines += [f"{e.isoformat()};{w}" for e, w in zip(ends, watts, strict=True)]
    f = tmp_path / "p.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = import_load_curves([f], step=grid, max_missing_pct=0)
    assert r.energy_kwh.sum() * 1000 == pytest.approx(expected_wh, rel=1e-12, abs=1e-6)


# -- alignment onto the simulation year ---------------------------------------------------------------


def _coded_year(year: int, step: str = "30min") -> pd.Series:
    """Energy = day of year + minute of day / 10^4: the source day is readable from the value."""
    idx = make_index(year, step)
    return pd.Series(idx.day_of_year + (idx.hour * 60 + idx.minute) / 1e4, index=idx, dtype=float)


def _source_day(value: float, year: int) -> date:
    return (pd.Timestamp(year=year, month=1, day=1) + pd.Timedelta(days=int(value) - 1)).date()


def test_alignment_keeps_weekdays_and_moves_holidays():
    src = _coded_year(2025)
    target = make_index(2026, "30min")
    out, filled, info = align_to_index(src, pd.Series(False, index=src.index), target)
    assert info["source_years"] == [2025] and not filled.any() and out.notna().all()
    noon = out[(out.index.hour == 12) & (out.index.minute == 0)]
    days = {t.date(): _source_day(v, 2025) for t, v in noon.items()}
    # Monday 5 Jan 2026 ← Monday 6 Jan 2025
    assert days[date(2026, 1, 5)] == date(2025, 1, 6)
    assert all(d.weekday() == s.weekday() for d, s in days.items() if d not in _hol(2026))
    # Ascension Thursday 14 May 2026 ← Ascension 29 May 2025; Easter Monday 6 Apr 2026 ← 21 Apr 2025
    assert days[date(2026, 5, 14)] == date(2025, 5, 29)
    assert days[date(2026, 4, 6)] == date(2025, 4, 21)
    # Monday 20 Apr 2026 would take 21 Apr 2025 (Easter Monday): it takes the Monday before
    assert days[date(2026, 4, 20)] == date(2025, 4, 14)
    # clock times preserved (minute code), including both DST days of 2026
    tod = np.round((out.to_numpy() % 1) * 1e4)
    np.testing.assert_array_equal(tod, out.index.hour * 60 + out.index.minute)


def _hol(year):
    import holidays

    return set(holidays.France(years=year))


def test_alignment_dst_days_both_directions():
    # 2026 target: 29 Mar (23 h) and 25 Oct (25 h); sources: 2025 days of normal length
    src = _coded_year(2025)
    target = make_index(2026, "30min")
    out, _, _ = align_to_index(src, pd.Series(False, index=src.index), target)
    mar = out["2026-03-29"]
    octo = out["2026-10-25"]
    assert len(mar) == 46 and len(octo) == 50
    # the repeated 02:00-03:00 hour of 25 Oct reuses the source 02:00-03:00 values
    two = octo[octo.index.hour == 2]
    assert len(two) == 4 and two.iloc[0] == two.iloc[2] and two.iloc[1] == two.iloc[3]
    # reverse: the 2025 source 30 Mar lacks 02:xx; a 2026 target day mapped to it must not be NaN
    src26 = _coded_year(2026)
    back, _, _ = align_to_index(
        src26, pd.Series(False, index=src26.index), make_index(2025, "30min")
    )
    assert back.notna().all()
    d = back["2025-03-30"]  # Sunday 30 Mar 2025 ← Sunday 29 Mar 2026 (23 h): 02:xx from 01:30
    assert len(d) == 46


def test_same_year_alignment_is_identity():
    src = _coded_year(2026)
    out, _, info = align_to_index(src, pd.Series(False, index=src.index), src.index)
    np.testing.assert_array_equal(out.to_numpy(), src.to_numpy())
    assert info["moved_days"] == 0


def test_alignment_with_too_little_data_errors_unless_filled():
    src = _coded_year(2025)["2025-01-01":"2025-06-30"]
    target = make_index(2026, "30min")
    with pytest.raises(
        DataError,
        match=r"no measured day to use for \d+ day\(s\) of the simulation, the first 2026-07",
    ):
        align_to_index(src, pd.Series(False, index=src.index), target)
    out, filled, _ = align_to_index(src, pd.Series(False, index=src.index), target, fill_long=True)
    assert out.notna().all() and filled["2026-08"].all() and not filled["2026-02"].any()


def test_choose_source_days_prefers_nearest_year():
    usable = {date(2024, 3, 4), date(2025, 3, 3)}
    assert choose_source_days([date(2026, 3, 2)], usable)[date(2026, 3, 2)] == date(2025, 3, 3)


# -- scenario load_file and build_consumption -----------------------------------------------------------


def _year_file(tmp_path: Path, year: int, seed: int = 9) -> tuple[Path, pd.Series]:
    idx = make_index(year, "30min")
    e = pd.Series(np.random.default_rng(seed).uniform(1, 5, len(idx)), index=idx)
    res = LoadImport(energy_kwh=e, filled=pd.Series(False, index=idx), report=None)  # type: ignore[arg-type]
    return write_load_csv(res, tmp_path / f"load_{year}.csv", venue="v"), e


def test_load_file_in_scenario(tmp_path, baseline_scenario_path):
    f, e = _year_file(tmp_path, 2026)
    sec = Section({"load_file": f.name}, "venues[0].load", tmp_path / "s.toml")
    cfg = LoadConfig.from_section(sec)
    idx = make_index(2026, "30min")
    df = build_consumption([cfg, LoadConfig(annual_consumption_kwh=10.0)], ["m", "s"], idx)
    np.testing.assert_allclose(df["m"].to_numpy(), e.to_numpy(), atol=5e-7)
    # rescaling a measured curve is explicit and always reported with both totals
    scaled = LoadConfig.from_section(
        Section({"load_file": str(f), "rescale_to_annual_kwh": 1000.0}, "l", None)
    )
    with pytest.warns(GreenkommonWarning, match=r"measured curve \(.* kWh\) rescaled to 1,000 kWh"):
        assert build_consumption([scaled], ["m"], idx)["m"].sum() == pytest.approx(1000.0)
    # the old spelling next to the file still rescales for one release, with a warning
    with pytest.warns(GreenkommonWarning, match="write rescale_to_annual_kwh instead"):
        old = LoadConfig.from_section(
            Section({"load_file": str(f), "annual_consumption_kwh": 1000.0}, "l", None)
        )
    assert old.rescale_to_annual_kwh == 1000.0
    with pytest.raises(ScenarioError, match="rescale_to_annual_kwh = 1000.0: expected a load_file"):
        LoadConfig.from_section(Section({"rescale_to_annual_kwh": 1000.0}, "l", None))
    # a past year is aligned onto the simulation year
    past, _ = _year_file(tmp_path, 2024)
    cfg = LoadConfig.from_section(Section({"load_file": str(past)}, "l", None))
    out = build_consumption([cfg], ["p"], idx)
    assert out.notna().all().all() and len(out) == len(idx)


def test_load_file_missing_is_redacted_scenario_error(tmp_path):
    with pytest.raises(ScenarioError, match="expected an existing load-curve file") as exc:
        LoadConfig.from_section(
            Section({"load_file": f"Enedis_{PRM}.csv"}, "venues[0].load", tmp_path / "s.toml")
        )
    assert not PRM_RE.search(str(exc.value))


def test_filled_intervals_warn_in_build_consumption(tmp_path):
    starts, watts = _truth("2026-01-01", 17520, 30, seed=10)
    watts = watts.astype(object)
    watts[100] = None
    f = write_portal(tmp_path / "p.csv", starts, watts, 30)
    cfg = LoadConfig.from_section(Section({"load_file": str(f)}, "l", None))
    with pytest.warns(GreenkommonWarning, match="1 interval"):
        df = build_consumption([cfg], ["v"], make_index(2026, "30min"))
    assert df["v"].iloc[100] == pytest.approx((watts[99] + watts[101]) / 2 * 0.5 / 1000)


# -- CLI -----------------------------------------------------------------------------------------------


def test_cli_import_writes_csv_and_hides_prm(tmp_path, capsys):
    starts, watts = _truth("2025-01-06", 48 * 7, 30, seed=11)
    f = write_portal(tmp_path / f"Enedis_{PRM}.csv", starts, watts, 30)
    out = tmp_path / "v.csv"
    assert main(["load", "import", str(f), "--venue", "Villa", "--out", str(out)]) == 0
    text = capsys.readouterr()
    assert "Villa: 1 file(s), 336 row(s)" in text.out
    assert not PRM_RE.search(text.out + text.err + out.read_text())
    data, _ = read_enedis_load_curve(out)
    assert data["energy_kwh"].sum() * 1000 == pytest.approx(_wh(watts, 30), abs=0.5)


def test_cli_import_failure_writes_nothing(tmp_path, capsys):
    f = tmp_path / f"Enedis_{PRM}.csv"
    f.write_text("timestamp;value_kwh\n2025-01-06 00:00;-1\n", encoding="utf-8")
    out = tmp_path / "v.csv"
    out.write_text("previous\n")
    assert main(["load", "import", str(f), "--venue", "V", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "line 2: value '-1' is negative" in err and not PRM_RE.search(err)
    assert out.read_text() == "previous\n" and not list(tmp_path.glob(".v.csv*"))
    assert main(["load", "import", str(f), "--venue", "V", "--out", str(out), "--show-prm"]) == 2
    assert PRM in capsys.readouterr().err
    ok = write_portal(tmp_path / "ok.csv", *_truth("2025-01-06", 4, 30), 30)
    assert main(["load", "import", str(ok), "--venue", "V", "--out", str(out)]) == 0
    assert "meter <PRM>" in capsys.readouterr().out
    assert main(["load", "import", str(ok), "--venue", "V", "--out", str(out), "--show-prm"]) == 0
    assert f"meter {PRM}" in capsys.readouterr().out
    assert PRM not in out.read_text()  # never in the written curve


def test_cli_import_with_year_alignment(tmp_path, capsys):
    f, _ = _year_file(tmp_path, 2025)
    out = tmp_path / "a.csv"
    assert (
        main(["load", "import", str(f), "--venue", "V", "--out", str(out), "--year", "2026"]) == 0
    )
    assert "aligned onto 2026: measured year(s) [2025]" in capsys.readouterr().out
    data, _ = read_enedis_load_curve(out)
    assert data.index.equals(make_index(2026, "30min"))


def test_cli_show_bundled_scenario(baseline_scenario_path, capsys):
    assert main(["load", "show", str(baseline_scenario_path)]) == 0
    out = capsys.readouterr().out
    for name in ("Les Poussières", "Villa Mais d'Ici", "le 6b", "Mains d'Œuvres"):
        assert name in out
    assert "annual 300,000 kWh" in out and "peak" in out and "base load" in out
    assert out.count("typical week") == 4


def _measured_scenario(folder, base, venue: str, load_file: str, extra: str = ""):  # noqa: ANN001, ANN202
    """``folder/measured.toml`` extending a copy of ``base`` with ``venue`` measured, read back."""
    import shutil

    from greenkommon.scenario import load_scenario

    shutil.copy(base, folder / "greenkommon.toml")
    (folder / "measured.toml").write_text(
        f'extends = "greenkommon.toml"\n\n[[venues]]\nname = "{venue}"\n[venues.load]\n'
        f'load_file = "{load_file}"\n{extra}',
        encoding="utf-8",
    )
    return load_scenario(folder / "measured.toml")


def test_scenario_toml_load_file_past_year_and_show(tmp_path, baseline_scenario_path, capsys):
    f, measured = _year_file(tmp_path, 2025)
    sc = _measured_scenario(
        tmp_path, baseline_scenario_path, "le 6b", f"{f.name}", "rescale_to_annual_kwh = 300000.0\n"
    )
    load = sc.venues[sc.venue_names.index("le 6b")].load
    assert load.load_file == tmp_path / f.name
    index = make_index(sc.simulation.year, sc.simulation.step, sc.simulation.timezone)
    with pytest.warns(GreenkommonWarning, match="rescaled to 300,000 kWh"):
        df = build_consumption([v.load for v in sc.venues], sc.venue_names, index)
    assert df["le 6b"].sum() == pytest.approx(300000.0)
    # Monday 2 Feb 2026 ← Monday 3 Feb 2025, scaled by the annual total
    unscaled = build_consumption([LoadConfig(load_file=load.load_file)], ["x"], index)["x"]
    scale = 300000.0 / unscaled.sum()
    np.testing.assert_allclose(
        df["le 6b"]["2026-02-02"].to_numpy(), measured["2025-02-03"].to_numpy() * scale, rtol=1e-5
    )
    capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # the command prints warnings as 'warning: ...' lines
        assert main(["load", "show", str(tmp_path / "measured.toml"), "--venue", "le 6b"]) == 0
    printed = capsys.readouterr()
    out = printed.out
    assert "rescaled to 300,000 kWh" in printed.err  # said on every run, not only the first
    assert "le 6b [measured (load_2025.csv)]" in out and "annual 300,000 kWh" in out
    assert "Mains" not in out


def test_a_measured_curve_never_inherits_the_base_total(tmp_path, baseline_scenario_path):
    """The base's annual_consumption_kwh described the synthetic profile the extending file
    replaces: the measured curve is taken as measured (it was silently rescaled to 150,000)."""
    f, measured = _year_file(tmp_path, 2026)
    sc = _measured_scenario(tmp_path, baseline_scenario_path, "Villa Mais d'Ici", f.name)
    load = sc.venues[sc.venue_names.index("Villa Mais d'Ici")].load
    assert load.annual_consumption_kwh is None and load.rescale_to_annual_kwh is None
    index = make_index(sc.simulation.year, sc.simulation.step, sc.simulation.timezone)
    df = build_consumption([load], ["v"], index)
    assert df["v"].sum() == pytest.approx(measured.sum(), rel=1e-6)  # file rounding
    assert abs(df["v"].sum() - 150_000.0) > 1.0


def test_c4_portal_without_unit_assumes_watts_with_a_warning(tmp_path):
    # C4 sample layout: 'Unite' empty, 10-minute step, interval-end labels
    starts, watts = _truth("2025-02-03", 6 * 24, 10, seed=15)
    f = write_portal(tmp_path / "c4.csv", starts, watts, 10, unit="")
    with pytest.warns(GreenkommonWarning, match="assuming average power in W"):
        data, meta = read_enedis_load_curve(f)
    assert meta["steps_minutes"] == [10] and meta["units"] == ["W"]
    assert data["energy_kwh"].sum() * 1000 == pytest.approx(_wh(watts, 10))


def test_utf16_and_unreadable_workbook_are_clear_errors(tmp_path):
    f = tmp_path / "u16.csv"
    f.write_text("timestamp;value_kwh\n2025-01-06 00:00;1\n", encoding="utf-16")
    with pytest.raises(DataError, match=r"u16\.csv: not a text file \(binary, or UTF-16 text\)"):
        read_enedis_load_curve(f)
    x = tmp_path / "broken.xlsx"
    x.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(DataError, match=r"broken\.xlsx: not a readable \.xlsx workbook"):
        read_enedis_load_curve(x)


def test_load_file_glob_and_list_stitch_chunks(tmp_path):
    starts, watts = _truth("2026-01-01", 17520, 30, seed=16)
    folder = tmp_path / "villa"
    folder.mkdir()
    chunks = np.array_split(np.arange(17520), 5)
    for k, ix in enumerate(chunks):
        write_portal(folder / f"chunk{k}.csv", starts[ix], watts[ix], 30)
    index = make_index(2026, "30min")
    cfg = LoadConfig.from_section(
        Section({"load_file": "villa/chunk*.csv"}, "l", tmp_path / "s.toml")
    )
    assert len(cfg.load_files) == 5 and cfg.load_file == folder / "chunk0.csv"
    df = build_consumption([cfg], ["v"], index)
    assert df["v"].sum() * 1000 == pytest.approx(_wh(watts, 30), abs=1e-6)
    listed = LoadConfig.from_section(
        Section({"load_file": ["villa/chunk1.csv", "villa/chunk0.csv"]}, "l", tmp_path / "s.toml")
    )
    assert listed.load_files == (folder / "chunk1.csv", folder / "chunk0.csv")
    with pytest.raises(ScenarioError, match=r"load_file = 'villa/none\*\.csv': expected a pattern"):
        LoadConfig.from_section(Section({"load_file": "villa/none*.csv"}, "l", tmp_path / "s.toml"))


def test_measure_date_and_time_columns_variant(tmp_path):
    # variant seen in third-party parsers: separate date and time columns, step in minutes
    f = tmp_path / "v.csv"
    f.write_text(
        "Date de la mesure;Heure de la mesure;Valeur;Statut de la mesure;PRM;Type de données;Unité;Pas en minutes\n"
        f"06/01/2025;00:30:00;1000;R;{PRM};Courbe de charge;W;30\n"
        f"06/01/2025;01:00:00;3000;R;{PRM};Courbe de charge;W;30\n",
        encoding="utf-8",
    )
    data, meta = read_enedis_load_curve(f)
    assert data.index[0] == pd.Timestamp("2025-01-06 00:00", tz=TZ)  # interval-end → start
    np.testing.assert_allclose(data["energy_kwh"], [0.5, 1.5])
    assert str(meta["prm"][0]) == "<PRM>" and meta["prm"][0].reveal() == PRM


def test_xlsx_with_date_time_columns_and_unit_in_header(tmp_path):
    from datetime import datetime, time

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Export de la courbe de charge"])
    ws.append(["Date", "Heure", "Puissance (kW)"])
    ws.append([datetime(2025, 1, 6), time(0, 30), 1.2])
    ws.append([datetime(2025, 1, 6), time(1, 0), None])
    ws.append([datetime(2025, 1, 6), time(1, 30), 2.4])
    f = tmp_path / "x.xlsx"
    wb.save(f)
    data, meta = read_enedis_load_curve(f)
    assert meta["format"] == "enedis_xlsx" and meta["units"] == ["kW"]
    assert data.index[0] == pd.Timestamp("2025-01-06 00:00", tz=TZ)
    np.testing.assert_allclose(data["energy_kwh"], [0.6, np.nan, 1.2])
    assert meta["missing_values"] == 1


@settings(max_examples=25, deadline=None)
@given(src_year=st.integers(2015, 2030), tgt_year=st.integers(2015, 2030))
def test_choose_source_days_properties(src_year, tgt_year):
    import holidays

    usable = set(pd.date_range(f"{src_year}-01-01", f"{src_year}-12-31", freq="D").date)
    targets = list(pd.date_range(f"{tgt_year}-01-01", f"{tgt_year}-12-31", freq="D").date)
    mapping = choose_source_days(targets, usable)
    h_src = holidays.France(years=src_year)
    h_tgt = holidays.France(years=tgt_year)
    by_name = {n: d for d, n in h_src.items()}
    for day, src in mapping.items():
        assert src is not None and src.year == src_year
        if day in h_tgt:
            # same holiday of the measured year, or a Sunday when it has none
            assert src == by_name.get(h_tgt[day], src) and (
                h_tgt[day] in by_name or src.weekday() == 6
            )
        else:
            assert src.weekday() == day.weekday() and src not in h_src
            # same time of year: at most 3 days of weekday shift plus 2 weeks around a holiday
            # (and around the turn of the year, the nearest same-weekday day stays in the year)
            doy_gap = abs(pd.Timestamp(src).day_of_year - pd.Timestamp(day).day_of_year)
            assert doy_gap <= 17 or doy_gap >= 365 - 17
