"""Measured intervals onto the simulation grid: energy-conserving resampling, gap filling,
alignment onto another year."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from ..timegrid import index_step
from ..timegrid import step_minutes as _grid_step_minutes
from ._common import (
    _ATOM_S,
    _err,
)

# ------------------------------------------------------------------------------------------------
# Resampling, gaps, alignment
# ------------------------------------------------------------------------------------------------


def resample_energy(
    frame: pd.DataFrame, step: str, tz: str = "Europe/Paris"
) -> tuple[pd.Series, pd.Series]:
    """Put measured intervals on a regular grid of ``step``, conserving energy.

    Parameters
    ----------
    frame : pandas.DataFrame
        As returned by :func:`~greenkommon.consumption_io.read_load_curve` (non-overlapping intervals).
    step : {'15min', '30min', '1h'}
        Target step.

    Returns
    -------
    energy_kwh : pandas.Series
        Energy per target interval [kWh] (NaN where not completely measured), from the first to the
        last interval touched by the data.
    complete : pandas.Series of bool
        Whether the interval was completely measured.

    Notes
    -----
    Each measured interval of n·5 minutes gives n atoms of ``E/n``; a target interval sums its
    atoms. Σ output = Σ input whenever every touched target interval is complete.
    """
    bin_atoms = _grid_step_minutes(step) * 60 // _ATOM_S
    start = frame.index.as_unit("s").asi8
    n = frame["step_minutes"].to_numpy().astype(np.int64) * 60 // _ATOM_S
    energy = frame["energy_kwh"].to_numpy()
    origin = (start.min() // (bin_atoms * _ATOM_S)) * bin_atoms * _ATOM_S
    first_atom = (start - origin) // _ATOM_S
    rows = np.repeat(np.arange(len(frame)), n)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(n) - n, n)
    atoms = first_atom[rows] + offsets
    bins = atoms // bin_atoms
    nbins = int(bins.max()) + 1
    atom_e = (energy / n)[rows]
    ok = ~np.isnan(atom_e)
    e = np.bincount(bins[ok], weights=atom_e[ok], minlength=nbins)
    cover = np.bincount(bins[ok], minlength=nbins)
    complete = cover == bin_atoms
    index = (
        pd.DatetimeIndex(
            pd.to_datetime(origin + np.arange(nbins) * bin_atoms * _ATOM_S, unit="s", utc=True)
        )
        .tz_convert(tz)
        .rename("interval_start")
    )
    return pd.Series(np.where(complete, e, np.nan), index=index, name="energy_kwh"), pd.Series(
        complete, index=index
    )


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of runs of True."""
    if not mask.any():
        return []
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def typical_week_fill(series: pd.Series) -> pd.Series:
    """Fill NaNs with the typical week (see module docstring). Returns a new series."""
    s = series.copy()
    missing = s.isna().to_numpy()
    if not missing.any():
        return s
    idx = s.index
    est = np.zeros(len(s))
    cnt = np.zeros(len(s))
    for k in (1, 2, 3, 4):
        for sign in (-1, 1):
            shifted = series.reindex(idx + sign * pd.Timedelta(days=7 * k)).to_numpy()
            ok = ~np.isnan(shifted)
            est[ok] += shifted[ok]
            cnt[ok] += 1
    values = s.to_numpy().copy()
    near = missing & (cnt > 0)
    values[near] = est[near] / cnt[near]
    rest = missing & ~near
    if rest.any():
        key = pd.MultiIndex.from_arrays([idx.day_of_week, idx.hour, idx.minute])
        slot_mean = series.groupby(key).mean()
        fill = slot_mean.reindex(key).to_numpy()
        values[rest] = fill[rest]
        still = np.isnan(values)
        if still.any():
            values[still] = np.nanmean(series.to_numpy()) if series.notna().any() else 0.0
    return pd.Series(values, index=idx, name=series.name)


@dataclass
class GapReport:
    """What was missing and how it was filled (per venue)."""

    intervals: int = 0
    missing_intervals: int = 0
    gaps: list[tuple[pd.Timestamp, float]] = field(default_factory=list)  # (start, hours)
    interpolated_intervals: int = 0
    typical_week_intervals: int = 0

    @property
    def missing_pct(self) -> float:
        return 100.0 * self.missing_intervals / self.intervals if self.intervals else 0.0


def fill_missing(
    energy: pd.Series,
    *,
    max_gap_hours: float = 2.0,
    max_missing_pct: float = 5.0,
    fill_long: bool = False,
    what: str = "load curve",
) -> tuple[pd.Series, pd.Series, GapReport]:
    """Fill the NaNs of a regular energy series (rules in the module docstring).

    Returns
    -------
    filled_energy, filled_flag, report
    """
    values = energy.to_numpy(dtype=float)
    missing = np.isnan(values)
    step_h = index_step(energy.index).total_seconds() / 3600 if len(energy) > 1 else 0.5
    report = GapReport(intervals=len(values), missing_intervals=int(missing.sum()))
    runs = _runs(missing)
    report.gaps = [(energy.index[a], (b - a) * step_h) for a, b in runs]
    long_runs = [(a, b) for a, b in runs if (b - a) * step_h > max_gap_hours + 1e-9]
    if not fill_long:
        if long_runs:
            a, b = long_runs[0]
            raise _err(
                f"{what}: {len(long_runs)} gap(s) longer than max_gap_hours = {max_gap_hours:g} h, the first "
                f"{(b - a) * step_h:g} h from {energy.index[a].isoformat()}: expected a complete curve, or ask to "
                "fill it (--fill-gaps / fill_gaps = true)"
            )
        if report.missing_pct > max_missing_pct:
            raise _err(
                f"{what}: {report.missing_pct:.2f} % of the intervals missing, more than max_missing_pct = "
                f"{max_missing_pct:g} %: expected a more complete curve, or ask to fill it (--fill-gaps / fill_gaps = true)"
            )
    out = values.copy()
    flag = missing.copy()
    positions = np.arange(len(values))
    known = ~missing
    short = [(a, b) for a, b in runs if (a, b) not in long_runs]
    for a, b in short:
        if a == 0 or b == len(values):  # no neighbour on one side: typical week below
            long_runs.append((a, b))
            continue
        out[a:b] = np.interp(positions[a:b], positions[known], values[known])
        report.interpolated_intervals += b - a
    if long_runs:
        partial = pd.Series(np.where(missing, np.nan, values), index=energy.index)
        tw = typical_week_fill(partial).to_numpy()
        for a, b in long_runs:
            out[a:b] = tw[a:b]
            report.typical_week_intervals += b - a
    return (
        pd.Series(out, index=energy.index, name=energy.name),
        pd.Series(flag, index=energy.index, name="filled"),
        report,
    )


def _holiday_dates(years: Iterable[int]) -> dict[date, str]:
    import holidays

    return dict(holidays.France(years=sorted(set(years))))


def _same_weekday_near(target: date, year: int) -> date:
    try:
        base = target.replace(year=year)
    except ValueError:  # 29 February
        base = date(year, 2, 28)
    delta = (target.weekday() - base.weekday()) % 7
    if delta > 3:
        delta -= 7
    return base + timedelta(days=delta)


def choose_source_days(target_days: Sequence[date], usable: set[date]) -> dict[date, date | None]:
    """Pick a measured day for every simulated day (rules of the module docstring)."""
    if not usable:
        return dict.fromkeys(target_days)
    src_years = sorted({d.year for d in usable})
    tgt_years = {d.year for d in target_days}
    hol = _holiday_dates(set(src_years) | tgt_years)
    by_name: dict[tuple[int, str], date] = {(d.year, n): d for d, n in hol.items()}
    out: dict[date, date | None] = {}
    for day in target_days:
        years = sorted(src_years, key=lambda y: (abs(y - day.year), -y))
        chosen = None
        for y in years:
            name = hol.get(day)
            if name is not None:
                cand = by_name.get((y, name))
                if cand is not None and cand in usable:
                    chosen = cand
                    break
                # a holiday whose twin was not measured behaves like a Sunday
                base = _same_weekday_near(day, y)
                sunday = base + timedelta(days=(6 - base.weekday()))
                options = [sunday, sunday - timedelta(days=7), sunday + timedelta(days=7)]
                chosen = next((c for c in options if c in usable), None)
            else:
                base = _same_weekday_near(day, y)
                options = [base + timedelta(days=7 * k) for k in (0, -1, 1, -2, 2)]
                chosen = next((c for c in options if c in usable and c not in hol), None)
            if chosen is not None:
                break
        out[day] = chosen
    return out


def _wall_keys(index: pd.DatetimeIndex) -> pd.DataFrame:
    wall = index.tz_localize(None) if index.tz is not None else index
    tod = (wall.hour * 60 + wall.minute).to_numpy()
    frame = pd.DataFrame({"date": wall.normalize(), "tod": tod})
    frame["fold"] = frame.groupby(["date", "tod"]).cumcount().to_numpy()
    return frame


def align_to_index(
    energy: pd.Series,
    flags: pd.Series,
    index: pd.DatetimeIndex,
    *,
    fill_long: bool = False,
    what: str = "load curve",
) -> tuple[pd.Series, pd.Series, dict[str, Any]]:
    """Map a measured series (same step as ``index``) onto ``index``, day by day.

    Days measured in the target's own year map onto themselves; other days take the measured day
    chosen by :func:`choose_source_days`.

    Returns
    -------
    energy_kwh, filled, info
        ``info`` gives ``source_years`` and ``unmatched_days``.
    """
    src = _wall_keys(energy.index)
    src["energy"] = energy.to_numpy()
    src["filled"] = flags.to_numpy()
    # a day is usable when all its intervals are measured (or filled)
    step = index_step(energy.index) if len(energy) > 1 else pd.Timedelta(minutes=30)
    first_day = energy.index[0].normalize()
    last_day = energy.index[-1].normalize() + pd.Timedelta(days=1)
    full = pd.date_range(first_day.tz_localize(None), last_day.tz_localize(None), freq="D")
    full = full.tz_localize(energy.index.tz)  # local midnights (never ambiguous in Europe)
    expected = pd.Series(
        np.diff(full.as_unit("s").asi8) // int(step.total_seconds()),
        index=full[:-1].tz_localize(None),
    )
    got_days = src[src["energy"].notna()].groupby("date").size()
    complete = got_days.index[got_days.to_numpy() == expected.reindex(got_days.index).to_numpy()]
    usable = {d.date() for d in complete}
    tgt = _wall_keys(index)
    days = sorted({d.date() for d in tgt["date"]})
    mapping = choose_source_days(days, usable)
    src_dates = pd.DatetimeIndex(
        [
            pd.Timestamp(mapping[d.date()]) if mapping[d.date()] is not None else pd.NaT
            for d in tgt["date"]
        ]
    )
    has_src = src_dates.notna()
    table = src.set_index(["date", "tod", "fold"])[["energy", "filled"]]
    key = pd.MultiIndex.from_arrays([src_dates, tgt["tod"], tgt["fold"]])
    got = table.reindex(key)
    # 25-hour target day on a 24-hour source day: the repeated hour reuses fold 0
    miss = got["energy"].isna().to_numpy() & has_src
    if miss.any():
        key0 = pd.MultiIndex.from_arrays(
            [src_dates, tgt["tod"], np.zeros(len(tgt), dtype=np.int64)]
        )
        alt = table.reindex(key0)
        got.loc[miss, :] = alt.loc[miss, :].to_numpy()
    out = pd.Series(got["energy"].to_numpy(dtype=float), index=index, name="energy_kwh")
    filled = pd.Series(got["filled"].fillna(False).to_numpy(dtype=bool), index=index, name="filled")
    # 24-hour target day on the 23-hour (March) source day: the skipped hour takes the previous one
    day_key = tgt["date"].to_numpy()
    gap = out.isna().to_numpy() & has_src
    if gap.any():
        ff = out.groupby(day_key).ffill().bfill()
        out[gap] = ff[gap].to_numpy()
    unmatched = [d for d, s in mapping.items() if s is None]
    if unmatched:
        if not fill_long:
            raise _err(
                f"{what}: no measured day to use for {len(unmatched)} day(s) of the simulation, the first "
                f"{unmatched[0].isoformat()} (the record covers {len(usable)} complete day(s)): expected a full "
                "year of measurements, or ask to fill (--fill-gaps / fill_gaps = true)"
            )
        miss = out.isna().to_numpy()
        out = typical_week_fill(out)
        filled = filled | pd.Series(miss, index=index)
    info = {
        "source_years": sorted({s.year for s in mapping.values() if s is not None}),
        "unmatched_days": len(unmatched),
        "moved_days": sum(1 for d, s in mapping.items() if s is not None and s != d),
    }
    return out, filled.rename("filled"), info
