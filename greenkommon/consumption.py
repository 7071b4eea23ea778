"""Consumption: each venue's energy withdrawn per interval [kWh].

Contract (used by :mod:`greenkommon.pipeline`)::

    build_consumption(loads, names, index, weather=None) -> pandas.DataFrame

returns one column per venue (``names``, in order) on ``index`` (the simulation grid,
interval-start labels), in kWh per interval, ≥ 0.

Two paths lead to the same output:

1. A measured curve (``load_file``): an Enedis export or a generic CSV, read, checked, converted and
   resampled by :mod:`greenkommon.consumption_io` (re-exported here:
   :func:`read_enedis_load_curve`, :func:`import_load_curves`), then aligned onto the simulation
   year when it was measured in another year.
2. A synthetic profile: a weighted mix of archetypes (:data:`ARCHETYPES`, defined in
   ``greenkommon/data/load_archetypes.toml``) built on the local calendar (French public holidays
   from the ``holidays`` package, summer slowdown, end-of-year closure), plus an optional
   temperature-driven heating/cooling share from the scenario's weather, scaled to the annual
   consumption of the scenario.

Why not the BDEW standard load profiles (as packaged by demandlib)? They are well kept and a sound
base for shops and offices, but they describe German commercial customers of the late 1990s, on
German holidays, with three seasons and three day types and no summer closure. None has evening
shows that run past midnight, a cantine lunch peak or an August shutdown, which are what shape
these venues' curves against midday PV production. The archetypes here are explicit hourly shapes
in a data file (labelled ASSUMPTION, easy to review and replace); the ``offices`` archetype follows
the logic of BDEW G1 (weekdays 8-18 h) for comparison. Real Enedis curves should replace them.
"""

from __future__ import annotations

import math
import tomllib
import warnings
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .config.load import LOAD_FORMATS, TIMESTAMP_CONVENTIONS, UNITS, LoadConfig  # noqa: F401
from .errors import DataError, GreenkommonWarning
from .timegrid import step_hours

# ------------------------------------------------------------------------------------------------
# Archetype library
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Archetype:
    """One synthetic load shape (read from ``data/load_archetypes.toml``).

    Attributes
    ----------
    name : str
    description : str
    shapes : dict of str to ndarray (24,)
        Relative average power per local clock hour for each day type [-].
    week : tuple of str
        Day type of Monday..Sunday.
    holiday : str
        Day type of French public holidays.
    day_factors : ndarray (7,)
        Relative daily level Monday..Sunday [-].
    monthly_factors : ndarray (12,)
        Relative level January..December [-].
    year_end_factor : float
        Level multiplier from 24 December to 1 January [-].
    """

    name: str
    description: str
    shapes: dict[str, np.ndarray]
    week: tuple[str, ...]
    holiday: str
    day_factors: np.ndarray
    monthly_factors: np.ndarray
    year_end_factor: float


def _archetype_from_table(name: str, table: Mapping[str, Any]) -> Archetype:
    where = f"data/load_archetypes.toml: [{name}]"
    try:
        shapes = {k: np.asarray(v, dtype=float) for k, v in table["shapes"].items()}
        week = tuple(table["week"])
        arch = Archetype(
            name=name,
            description=str(table.get("description", "")),
            shapes=shapes,
            week=week,
            holiday=str(table["holiday"]),
            day_factors=np.asarray(table.get("day_factors", [1.0] * 7), dtype=float),
            monthly_factors=np.asarray(table.get("monthly_factors", [1.0] * 12), dtype=float),
            year_end_factor=float(table.get("year_end_factor", 1.0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"{where}: malformed archetype ({exc})") from None
    for k, v in shapes.items():
        if v.shape != (24,) or not np.all(np.isfinite(v)) or np.any(v < 0):
            raise DataError(f"{where}: shapes.{k}: expected 24 finite values >= 0")
    if len(week) != 7 or any(d not in shapes for d in (*week, arch.holiday)):
        raise DataError(f"{where}: week/holiday: expected 7 day types among {sorted(shapes)}")
    if arch.day_factors.shape != (7,) or arch.monthly_factors.shape != (12,):
        raise DataError(f"{where}: expected 7 day_factors and 12 monthly_factors")
    return arch


@cache
def load_archetypes() -> dict[str, Archetype]:
    """The archetype library bundled in ``greenkommon/data/load_archetypes.toml``."""
    text = resources.files("greenkommon").joinpath("data/load_archetypes.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return {name: _archetype_from_table(name, table) for name, table in data.items()}


#: Names of the bundled archetypes.
ARCHETYPES: tuple[str, ...] = tuple(load_archetypes())


# ------------------------------------------------------------------------------------------------
# Synthetic profiles
# ------------------------------------------------------------------------------------------------


def french_holidays(years: Sequence[int]) -> dict:
    """French (metropolitan) public holidays of ``years``: ``{datetime.date: name}``."""
    return dict(_french_holidays(tuple(sorted(set(int(y) for y in years)))))


@cache
def _french_holidays(years: tuple[int, ...]) -> dict:
    # looked up once per set of years: every synthetic venue of a run asks for the same calendar
    import holidays

    return dict(holidays.France(years=list(years)))


def _calendar(index: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    local = index.tz_convert(index.tz) if index.tz is not None else index
    dates = local.normalize().tz_localize(None) if local.tz is not None else local.normalize()
    hol = french_holidays(sorted(set(local.year)))
    hol_dates = pd.DatetimeIndex(pd.to_datetime(list(hol))) if hol else pd.DatetimeIndex([])
    month = local.month.to_numpy()
    day = local.day.to_numpy()
    return {
        "hour": local.hour.to_numpy(),
        "weekday": local.day_of_week.to_numpy(),
        "month": month,
        "holiday": dates.isin(hol_dates),
        "year_end": ((month == 12) & (day >= 24)) | ((month == 1) & (day == 1)),
    }


def archetype_power(archetype: str | Archetype, index: pd.DatetimeIndex) -> np.ndarray:
    """Relative average power of an archetype on ``index`` [-] (unscaled).

    The value of an interval is the shape value of its local clock hour for the day type of its
    local date (public holidays take the ``holiday`` day type), times the day, month and
    end-of-year factors. A 25-hour October day repeats the 02:00 hour; a 23-hour March day skips
    it: the local clock drives activity, not UTC.
    """
    arch = load_archetypes()[archetype] if isinstance(archetype, str) else archetype
    cal = _calendar(index)
    day_types = sorted(arch.shapes)
    table = np.stack([arch.shapes[d] for d in day_types])  # (D, 24)
    week_code = np.array([day_types.index(d) for d in arch.week])
    code = week_code[cal["weekday"]]
    code = np.where(cal["holiday"], day_types.index(arch.holiday), code)
    power = table[code, cal["hour"]]
    power = power * arch.day_factors[cal["weekday"]] * arch.monthly_factors[cal["month"] - 1]
    return power * np.where(cal["year_end"], arch.year_end_factor, 1.0)


def _interval_hours(index: pd.DatetimeIndex) -> np.ndarray:
    freq = index.freq
    if freq is None and len(index) > 1:
        freq = pd.Timedelta(index[1] - index[0])
    return np.full(len(index), pd.Timedelta(freq).total_seconds() / 3600.0)


def _temperature_on(index: pd.DatetimeIndex, weather: pd.DataFrame) -> np.ndarray:
    if "temp_air" not in weather.columns:
        raise DataError(
            "weather: no 'temp_air' column; needed for the heating/cooling share of the loads"
        )
    temp = weather["temp_air"].astype(float)
    if not isinstance(temp.index, pd.DatetimeIndex) or temp.index.tz is None:
        raise DataError("weather: expected a tz-aware DatetimeIndex for the heating/cooling share")
    # hourly (or finer) interval-start values: an interval takes the value of the weather interval
    # that contains its start
    temp = temp.sort_index().dropna()
    hour = pd.Timedelta(hours=1)
    if temp.empty or temp.index[0] > index[0] + hour or temp.index[-1] + hour < index[-1]:
        span = (
            f"{temp.index[0].isoformat()} to {temp.index[-1].isoformat()}"
            if len(temp)
            else "nothing"
        )
        raise DataError(
            f"weather: temp_air covers {span}: the heating/cooling share of the loads needs the whole "
            f"year {index[0].year} (from {index[0].isoformat()} to {index[-1].isoformat()})"
        )
    out = temp.reindex(index, method="ffill").bfill()
    return out.to_numpy()


def synthetic_consumption(
    load: LoadConfig,
    index: pd.DatetimeIndex,
    weather: pd.DataFrame | None = None,
    *,
    name: str = "",
) -> pd.Series:
    """A synthetic venue curve scaled to ``load.annual_consumption_kwh`` [kWh per interval].

    Parameters
    ----------
    load : LoadConfig
        Archetype mix, annual energy, thermal shares, noise.
    index : pandas.DatetimeIndex
        Simulation grid (interval-start, tz-aware).
    weather : pandas.DataFrame, optional
        With ``temp_air`` [°C]; drives the heating/cooling share.
    name : str
        Venue name (seeds the noise so two venues do not share it).

    Returns
    -------
    pandas.Series
        Energy per interval [kWh]. Every calendar year sums to ``annual_consumption_kwh``; an
        index covering part of a year gets that part of the year's profile.

    Notes
    -----
    The profile is built on whole local calendar years (same step and zone as ``index``) and then
    cut to ``index``.

    Non-thermal part: ``E_base = A (1 - h - c)`` spread as ``Σ_k w_k p_k(t) Δt / Σ_t p_k(t) Δt``,
    with ``p_k`` the relative power of archetype k and ``w_k`` its weight.

    Thermal part (degree-hours weighted by occupancy): heating power ∝
    ``max(0, T_h - T(t)) · (0.4 + 0.6 o(t))`` where ``o`` is the mix's relative power normalised to
    its maximum (setback when closed), scaled to ``A h``; cooling likewise with
    ``max(0, T(t) - T_c)`` and ``A c``. If the year has no degree-hour (or no weather is given) the
    share falls back onto the base profile (with a warning when weather is missing).

    Noise: ``x_t = φ x_{t-1} + sqrt(1 - φ²) σ z_t`` (φ = 0.7 per interval), factor ``exp(x_t - σ²/2)``,
    applied to the total and rescaled so that the annual energy stays exact.
    """
    if load.annual_consumption_kwh is None:
        raise DataError(f"{name or 'venue'}: a synthetic profile needs annual_consumption_kwh")
    if len(index) == 0:
        return pd.Series([], index=index, dtype=float, name=name or None)
    if index.tz is None:
        raise DataError(
            f"{name or 'venue'}: the simulation index must be tz-aware (interval-start labels)"
        )
    step = pd.Timedelta(_interval_hours(index)[0], unit="h")
    parts = []
    for year in sorted(set(index.year)):
        full = pd.date_range(
            pd.Timestamp(year=year, month=1, day=1),
            pd.Timestamp(year=year + 1, month=1, day=1),
            freq=step,
            tz=index.tz,
            inclusive="left",
            name=index.name,
        )
        parts.append(_synthetic_year(load, full, weather, name, year))
    out = pd.concat(parts).reindex(index)
    if out.isna().any():
        raise DataError(
            f"{name or 'venue'}: the simulation index is not on a regular grid from local midnight"
        )
    return out.rename(name or None)


def _synthetic_year(
    load: LoadConfig, index: pd.DatetimeIndex, weather: pd.DataFrame | None, name: str, year: int
) -> pd.Series:
    annual = float(load.annual_consumption_kwh)  # type: ignore[arg-type]
    dt_h = _interval_hours(index)
    occupancy = np.zeros(len(index))
    base = np.zeros(len(index))
    for arch_name, weight in load.archetypes:
        p = archetype_power(arch_name, index)
        e = p * dt_h
        base += weight * e / e.sum()
        occupancy += weight * p / p.max()
    thermal = {"heating": load.heating_share, "cooling": load.cooling_share}
    base_share = 1.0 - sum(thermal.values())
    profile = base_share * base
    if any(thermal.values()):
        if weather is None:
            warnings.warn(
                f"{name or 'venue'}: heating/cooling share given but no weather: the whole annual energy follows the archetype shape",
                GreenkommonWarning,
                stacklevel=2,
            )
            profile = base.copy()
        else:
            temp = _temperature_on(index, weather)
            occ = 0.4 + 0.6 * occupancy / occupancy.max()
            degree = {
                "heating": np.maximum(0.0, load.heating_base_temp_c - temp),
                "cooling": np.maximum(0.0, temp - load.cooling_base_temp_c),
            }
            for kind, share in thermal.items():
                if share <= 0:
                    continue
                w = degree[kind] * occ * dt_h
                if w.sum() > 0:
                    profile += share * w / w.sum()
                else:
                    warnings.warn(
                        f"{name or 'venue'}: no {kind} degree-hours in the weather year: the {kind} share follows the archetype shape",
                        GreenkommonWarning,
                        stacklevel=2,
                    )
                    profile += share * base
    if load.noise_pct > 0:
        sigma = load.noise_pct / 100.0
        rng = np.random.default_rng([load.seed, zlib.crc32(name.encode("utf-8")), year])
        z = rng.standard_normal(len(index))
        phi = 0.7
        x = np.empty(len(index))
        x[0] = sigma * z[0]
        scale = math.sqrt(1 - phi * phi) * sigma
        for t in range(1, len(index)):
            x[t] = phi * x[t - 1] + scale * z[t]
        profile = profile * np.exp(x - sigma * sigma / 2)
    profile = profile / profile.sum() * annual
    return pd.Series(profile, index=index, name=name or None)


# ------------------------------------------------------------------------------------------------
# Stage entry point
# ------------------------------------------------------------------------------------------------


def build_consumption(
    loads: Sequence[LoadConfig],
    names: Sequence[str],
    index: pd.DatetimeIndex,
    weather: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every venue's consumption on the simulation grid.

    Parameters
    ----------
    loads : sequence of LoadConfig
        One per venue, in the order of ``names``.
    names : sequence of str
        Venue names (the output columns, in order).
    index : pandas.DatetimeIndex
        The simulation grid (:func:`greenkommon.timegrid.make_index`).
    weather : pandas.DataFrame, optional
        Hourly weather with ``temp_air`` [°C] (heating/cooling shares of synthetic profiles).

    Returns
    -------
    pandas.DataFrame
        ``(T × N)`` energy withdrawn per interval [kWh], ≥ 0, columns ``names``, index ``index``.

    Raises
    ------
    DataError
        A load file is malformed or does not cover the simulation year (message names file,
        line and value; meter ids are redacted).
    """
    if len(loads) != len(names):
        raise DataError(
            f"build_consumption: {len(loads)} load config(s) for {len(names)} venue name(s)"
        )
    from ._cache import cached

    # the weather counts only for weather-driven (heating/cooling) shares
    reacts = any(
        load.load_file is None and (load.heating_share > 0 or load.cooling_share > 0)
        for load in loads
    )
    return cached(
        "consumption",
        (list(loads), list(names), index, weather if reacts else None),
        lambda: _build_consumption(loads, names, index, weather),
    )


def _build_consumption(
    loads: Sequence[LoadConfig],
    names: Sequence[str],
    index: pd.DatetimeIndex,
    weather: pd.DataFrame | None,
) -> pd.DataFrame:
    """:func:`build_consumption` without the cache."""
    columns = {}
    for load, name in zip(loads, names, strict=True):
        if load.load_file is not None:
            from .consumption_io import measured_consumption

            series = measured_consumption(load, index, name=name)
        else:
            series = synthetic_consumption(load, index, weather, name=name)
        values = series.to_numpy(dtype=float)
        if values.shape != (len(index),) or not np.all(np.isfinite(values)) or np.any(values < 0):
            raise DataError(f"{name}: consumption curve not finite and >= 0 on the simulation grid")
        columns[name] = values
    out = pd.DataFrame(columns, index=index, columns=list(names))
    out.columns.name = "venue"
    return out


def step_of(index: pd.DatetimeIndex) -> float:
    """Length of the grid's intervals [h] (helper for summaries)."""
    return float(_interval_hours(index)[0]) if len(index) else step_hours("30min")


__all__ = [
    "ARCHETYPES",
    "LOAD_FORMATS",
    "VARIABLE_MAP",
    "align_to_index",
    "import_load_curves",
    "read_enedis_load_curve",
    "write_load_csv",
    "Archetype",
    "LoadConfig",
    "archetype_power",
    "build_consumption",
    "french_holidays",
    "load_archetypes",
    "synthetic_consumption",
]


# the readers live in consumption_io (which does not import this module); re-exported here so
# that ``consumption`` stays the public module of the stage, imported on first use only (a run
# whose loads come from the stage cache never reads a load file)
_FROM_IO = (
    "VARIABLE_MAP",
    "align_to_index",
    "import_load_curves",
    "read_enedis_load_curve",
    "write_load_csv",
)


if TYPE_CHECKING:  # pragma: no cover
    from .consumption_io import (
        VARIABLE_MAP,
        align_to_index,
        import_load_curves,
        read_enedis_load_curve,
        write_load_csv,
    )


def __getattr__(name: str) -> Any:
    if name in _FROM_IO:
        from . import consumption_io

        return getattr(consumption_io, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
