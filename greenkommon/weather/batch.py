"""Many sampled years of the synthetic generator at once (an uncertainty run's weather).

:func:`synthetic_years` gives, for seeds ``k_1..k_Y``, the hourly weather that
:func:`~greenkommon.weather.synthetic_weather` gives seed by seed, as (Y, H) arrays. The sun's
course, the clear sky and everything else that depends only on the site and the calendar are
computed once; each year keeps its own random stream (``numpy.random.default_rng(seed)`` for the
day-to-day draws, ``default_rng([seed, 2])`` for the year-to-year factors), consumed in the same
order, so every year equals the one-seed generator up to floating-point summation order (tested
to 1e-9 relative in ``tests/test_weather_batch.py``).

The per-day loops of the generator (the TAG hourly model with its redraws, the water-filling
rescaling of days and months, the autoregressive daily processes) run in numba kernels over a
whole block of years; :func:`synthetic_weather` stays the reference they are tested against.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numba import njit

from .._pvlib import quiet_pvlib
from ..errors import GreenkommonWarning
from .synthetic import (
    DAILY_KT_LAG1,
    DEFAULT_CLIMATOLOGY,
    ERBS_TEMPERATURE_COEFFS,
    Climatology,
    _daily_base_temperature,
    _day_grid,
    _max_month_factor,
    _month_bounds,
    _sky_geometry,
    load_climatology,
    synthetic_weather,
)

#: Grid of the Hollands–Huget density (as :func:`synthetic._hollands_huget_ppf`).
_HH_POINTS = 2001


@dataclass(frozen=True)
class SampledWeather:
    """Hourly weather of Y sampled years on one calendar (interval-start labels).

    Attributes
    ----------
    index : pandas.DatetimeIndex
        (H,) hourly labels of the simulated year.
    seeds : numpy.ndarray
        (Y,) seed of each year.
    ghi, dni, dhi : numpy.ndarray
        (Y, H) irradiance [W/m², hour means].
    temp_air : numpy.ndarray
        (Y, H) air temperature [°C].
    wind_speed : numpy.ndarray
        (Y, H) wind speed [m/s].
    """

    index: pd.DatetimeIndex
    seeds: np.ndarray
    ghi: np.ndarray
    dni: np.ndarray
    dhi: np.ndarray
    temp_air: np.ndarray
    wind_speed: np.ndarray

    @classmethod
    def stack(cls, frames: list[pd.DataFrame], seeds: np.ndarray) -> SampledWeather:
        """Hourly frames of one calendar (the same index) as one block of years."""
        index = frames[0].index
        for f in frames[1:]:
            if not f.index.equals(index):
                raise ValueError("SampledWeather.stack: the years are not on one calendar")
        cols = {
            c: np.vstack([f[c].to_numpy(dtype=float) for f in frames])
            for c in ("ghi", "dni", "dhi", "temp_air", "wind_speed")
        }
        return cls(index, np.asarray(seeds), **cols)

    def frame(self, i: int) -> pd.DataFrame:
        """Year ``i`` as the frame :func:`~greenkommon.weather.synthetic_weather` returns."""
        return pd.DataFrame(
            {
                "ghi": self.ghi[i],
                "dni": self.dni[i],
                "dhi": self.dhi[i],
                "temp_air": self.temp_air[i],
                "wind_speed": self.wind_speed[i],
            },
            index=self.index,
        )


@dataclass(frozen=True)
class _Grid:
    """What every sampled year of a site and calendar shares."""

    geo: pd.DataFrame
    day_pos: np.ndarray
    hour_in_day: np.ndarray
    day_month: np.ndarray
    grid_sin: np.ndarray
    grid_e0: np.ndarray
    grid_cap: np.ndarray
    e0_day: np.ndarray
    e0_month: np.ndarray
    kt_upper: np.ndarray
    month_hours: list[np.ndarray]
    theta: np.ndarray


def site_grid(
    latitude_deg: float, longitude_deg: float, altitude_m: float, year: int, tz: str
) -> _Grid:
    """The days × hours layout and sun of a site and calendar (computed once per process)."""
    return _site_grid(float(latitude_deg), float(longitude_deg), float(altitude_m), int(year), tz)


@functools.lru_cache(maxsize=8)
def _site_grid(
    latitude_deg: float, longitude_deg: float, altitude_m: float, year: int, tz: str
) -> _Grid:
    return _grid(_sky_geometry(latitude_deg, longitude_deg, altitude_m, year, tz), longitude_deg)


def _grid(geo: pd.DataFrame, longitude_deg: float) -> _Grid:
    """Days × hours layout of the year and its sun (as :func:`synthetic_weather` builds it)."""
    day_pos, hour_in_day, grid_sin, grid_e0, grid_cap, day_month = _day_grid(geo)
    e0_month, kt_upper = _month_bounds(geo)
    months = geo["month"].to_numpy()
    # normalised diurnal temperature profile at each hour (as synthetic._synthetic_temperature)
    mid_utc = geo.index.tz_convert("UTC") + pd.Timedelta(minutes=30)
    solar_h = (mid_utc.hour + mid_utc.minute / 60.0 + longitude_deg / 15.0) % 24.0
    tstar = 2 * np.pi * (solar_h + 0.5 - 1) / 24.0
    theta = sum(c * np.cos((i + 1) * tstar - b) for i, (c, b) in enumerate(ERBS_TEMPERATURE_COEFFS))
    return _Grid(
        geo=geo,
        day_pos=day_pos,
        hour_in_day=hour_in_day,
        day_month=day_month,
        grid_sin=grid_sin,
        grid_e0=grid_e0,
        grid_cap=grid_cap,
        e0_day=np.array([grid_e0[d].sum() for d in range(grid_e0.shape[0])]),
        e0_month=e0_month,
        kt_upper=kt_upper,
        month_hours=[np.flatnonzero(months == m) for m in range(1, 13)],
        theta=np.asarray(theta),
    )


# ---------------------------------------------------------------------------------------------
# kernels (their numpy reference: the loops of greenkommon.weather.synthetic)
# ---------------------------------------------------------------------------------------------
@njit(cache=True)
def _hh_weights(lam: float, kt_max: float, k: np.ndarray, out: np.ndarray) -> None:
    """exp(λ k_j − max(λ K, 0)) on the grid k_j = j K / (n − 1), by powers of exp(λ Δk).

    A product of j factors instead of j exponentials: relative error below j ulp (4e-13 at
    j = 2000), far under the tolerance the generator is reproduced to.
    """
    shift = max(lam * kt_max, 0.0)
    n = k.size
    step = kt_max / (n - 1)
    r = math.exp(lam * step)
    e = math.exp(-shift)
    # restart from an exact exponential every 64 points to bound the accumulated rounding
    for j in range(n):
        if j % 64 == 0:
            e = math.exp(lam * k[j] - shift)
        out[j] = e
        e *= r


@njit(cache=True, fastmath={"reassoc", "contract"})
def _hh_mean(lam: float, kt_max: float, k: np.ndarray) -> tuple[float, float]:
    """Mean of the discretised Hollands–Huget density and its derivative in λ."""
    ex = np.empty(k.size)
    _hh_weights(lam, kt_max, k, ex)
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    w_prev = (kt_max - k[0]) * ex[0]
    for j in range(1, k.size):
        w = (kt_max - k[j]) * ex[j]
        dk = k[j] - k[j - 1]
        s0 += 0.5 * (w + w_prev) * dk
        s1 += 0.5 * (k[j] * w + k[j - 1] * w_prev) * dk
        s2 += 0.5 * (k[j] * k[j] * w + k[j - 1] * k[j - 1] * w_prev) * dk
        w_prev = w
    mean = s1 / s0
    return mean, s2 / s0 - mean * mean


#: λ of the table that starts the search of each month's λ [-].
_HH_TABLE = np.linspace(-60.0, 60.0, 31)


@njit(cache=True)
def _hh_lambda(target: float, kt_max: float, k: np.ndarray, table: np.ndarray) -> float:
    """λ of the density whose (discretised) mean is ``target``, in [−60, 60] (the bracket of
    :func:`synthetic._hollands_huget_lambda`): safeguarded Newton on the same function, started
    inside the bracket of ``table`` (the means at :data:`_HH_TABLE`) holding the target."""
    lams = _HH_TABLE
    if table[-1] <= target:
        return lams[-1]
    if table[0] >= target:
        return lams[0]
    j = np.searchsorted(table, target) - 1
    lo, hi = lams[j], lams[j + 1]
    lam = lo + (hi - lo) * (target - table[j]) / (table[j + 1] - table[j])
    for _ in range(100):
        m, d = _hh_mean(lam, kt_max, k)
        if m < target:
            lo = lam
        else:
            hi = lam
        new = lam + (target - m) / d if d > 0 else 0.5 * (lo + hi)
        if not (lo < new < hi):
            new = 0.5 * (lo + hi)
        if abs(new - lam) <= 1e-14 * max(1.0, abs(lam)) or hi - lo <= 1e-14:
            return new
        lam = new
    return lam


@njit(cache=True)
def _hh_tables(kt_upper: np.ndarray) -> np.ndarray:
    """(12, len(_HH_TABLE)) means of each month's density at the λ of :data:`_HH_TABLE`."""
    out = np.empty((kt_upper.size, _HH_TABLE.size))
    for m in range(kt_upper.size):
        k = np.linspace(0.0, kt_upper[m], _HH_POINTS)
        for j in range(_HH_TABLE.size):
            out[m, j] = _hh_mean(_HH_TABLE[j], kt_upper[m], k)[0]
    return out


@njit(cache=True, nogil=True)
def _daily_kt_kernel(
    day_month: np.ndarray,
    mean_kt: np.ndarray,
    kt_upper: np.ndarray,
    quant: np.ndarray,
    out: np.ndarray,
) -> None:
    """Daily clearness index of each year: the Hollands–Huget quantile of ``quant`` (Y, D) per
    month (``mean_kt`` (Y, 12), bounds ``kt_upper`` (12,))."""
    n_years, n_days = out.shape
    tables = _hh_tables(kt_upper)
    for y in range(n_years):
        for m in range(12):
            target = min(
                max(mean_kt[y, m], 0.02),
                kt_upper[m] / 3.0 + (2 * kt_upper[m] / 3.0 - 0.02) * 0.999,
            )
            k = np.linspace(0.0, kt_upper[m], _HH_POINTS)
            lam = _hh_lambda(target, kt_upper[m], k, tables[m])
            w = np.empty(_HH_POINTS)
            _hh_weights(lam, kt_upper[m], k, w)
            w *= kt_upper[m] - k
            cdf = np.empty(_HH_POINTS)
            cdf[0] = 0.0
            acc = 0.0
            for j in range(1, _HH_POINTS):
                acc += 0.5 * (w[j] + w[j - 1]) * (k[j] - k[j - 1])
                cdf[j] = acc
            cdf /= cdf[-1]
            for d in range(n_days):
                if day_month[d] == m + 1:
                    out[y, d] = np.interp(quant[y, d], cdf, k)


@njit(cache=True)
def _ar1(
    normals: np.ndarray, start: int, n: int, rho: float, innov: float, first: float
) -> np.ndarray:
    out = np.empty(n)
    a = first
    for d in range(n):
        a = rho * a + innov * normals[start + d]
        out[d] = a
    return out


@njit(cache=True, nogil=True)
def _daily_normals_kernel(
    normals: np.ndarray, n_days: int, rho: float, innov: float, u: np.ndarray
) -> None:
    """The daily AR(1) Gaussian process of each year: first normal, then one per day."""
    for y in range(normals.shape[0]):
        u[y] = _ar1(normals[y], 1, n_days, rho, innov, normals[y, 0])


@njit(cache=True, nogil=True)
def _tag_kernel(
    normals: np.ndarray,
    start: int,
    ktm: np.ndarray,
    sigma: np.ndarray,
    phi: np.ndarray,
    innov: np.ndarray,
    day: np.ndarray,
    kt_cap: np.ndarray,
    out: np.ndarray,
    used: np.ndarray,
) -> None:
    """TAG hourly clearness of each year (``ktm``, ``sigma`` (Y, D, 24), ``phi``, ``innov``
    (Y, D)), drawing from ``normals[y, start:]`` in the order of ``synthetic._tag_hourly_kt``;
    ``used[y]``: the position after the last normal drawn."""
    n_years, n_days, n_hours = ktm.shape
    for y in range(n_years):
        p = start
        y_prev = np.zeros(n_days)
        yy = np.empty(n_days)
        val = np.empty(n_days)
        bad = np.empty(n_days, dtype=np.bool_)
        for h in range(n_hours):
            any_bad = False
            for d in range(n_days):
                yy[d] = phi[y, d] * y_prev[d] + innov[y, d] * normals[y, p + d]
                val[d] = ktm[y, d, h] + sigma[y, d, h] * yy[d]
                bad[d] = (val[d] < 0) or (val[d] > kt_cap[d, h])
                any_bad = any_bad or bad[d]
            p += n_days
            for _ in range(6):
                if not any_bad:
                    break
                any_bad = False
                for d in range(n_days):
                    if bad[d]:
                        yy[d] = phi[y, d] * y_prev[d] + innov[y, d] * normals[y, p + d]
                    val[d] = ktm[y, d, h] + sigma[y, d, h] * yy[d]
                    bad[d] = (val[d] < 0) or (val[d] > kt_cap[d, h])
                    any_bad = any_bad or bad[d]
                p += n_days
            for d in range(n_days):
                v = min(max(val[d], 0.0), kt_cap[d, h])
                out[y, d, h] = v if day[d, h] else 0.0
                y_prev[d] = yy[d] if day[d, h] else 0.0
        used[y] = p


@njit(cache=True)
def _scale_to_target(v: np.ndarray, cap: np.ndarray, target: float) -> None:
    """In place: ``synthetic._scale_to_target`` (water-filling under ``cap``)."""
    n = v.size
    total = 0.0
    for j in range(n):
        total += v[j]
    if target <= 0:
        v[:] = 0.0 * v
        return
    if total <= 0:
        return
    for _ in range(20):
        fixed = 0.0
        free_sum = 0.0
        for j in range(n):
            if v[j] < cap[j] - 1e-12:
                free_sum += v[j]
            else:
                fixed += v[j]
        if free_sum <= 0:
            break
        factor = (target - fixed) / free_sum
        for j in range(n):
            if v[j] < cap[j] - 1e-12:
                v[j] *= factor
        over = False
        for j in range(n):
            if v[j] > cap[j]:
                over = True
                v[j] = cap[j]
        if not over:
            break
    for j in range(n):
        v[j] = min(v[j], cap[j])


@njit(cache=True, nogil=True)
def _rescale_kernel(
    ghi_grid: np.ndarray,
    cap_grid: np.ndarray,
    day_target: np.ndarray,
    day_pos: np.ndarray,
    hour_in_day: np.ndarray,
    month_start: np.ndarray,
    month_hours: np.ndarray,
    month_target: np.ndarray,
    out: np.ndarray,
) -> None:
    """Each day to its daily index, then each month to its irradiation, under the clear sky."""
    n_years, n_days, _h = ghi_grid.shape
    for y in range(n_years):
        for d in range(n_days):
            _scale_to_target(ghi_grid[y, d], cap_grid[d], day_target[y, d])
        for t in range(out.shape[1]):
            out[y, t] = ghi_grid[y, day_pos[t], hour_in_day[t]]
        for m in range(12):
            sel = month_hours[month_start[m] : month_start[m + 1]]
            v = np.empty(sel.size)
            c = np.empty(sel.size)
            for j in range(sel.size):
                v[j] = out[y, sel[j]]
                c[j] = cap_grid[day_pos[sel[j]], hour_in_day[sel[j]]]
            _scale_to_target(v, c, month_target[y, m])
            for j in range(sel.size):
                out[y, sel[j]] = v[j]


# ---------------------------------------------------------------------------------------------
# the generator over many seeds
# ---------------------------------------------------------------------------------------------
@quiet_pvlib
def synthetic_years(
    latitude_deg: float,
    longitude_deg: float,
    altitude_m: float,
    year: int,
    tz: str = "Europe/Paris",
    seeds: Sequence[int] | np.ndarray = (1,),
    climatology: Climatology | str | Path | None = None,
    decomposition: str = "erbs",
    interannual: bool = False,
    annual_sd_pct: float | None = None,
    normals: np.ndarray | None = None,
) -> SampledWeather:
    """The synthetic years of ``seeds``, each equal to :func:`synthetic_weather` of that seed.

    Parameters
    ----------
    latitude_deg, longitude_deg : float
        Site [°].
    altitude_m : float
        Site altitude [m].
    year : int
        Calendar year of the labels.
    tz : str
        IANA time zone of the labels.
    seeds : sequence of int
        One year per seed.
    climatology, decomposition, interannual, annual_sd_pct
        As :func:`~greenkommon.weather.synthetic_weather` (a ``'dirint'`` decomposition runs
        that function seed by seed).
    normals : numpy.ndarray, optional
        (Y, :func:`normals_per_year`) the years' draws (:func:`draw_normals`), drawn ahead by
        the caller (e.g. in another thread while the previous block computes).

    Returns
    -------
    SampledWeather
    """
    seeds_arr = np.asarray(seeds, dtype=np.int64).reshape(-1)
    if climatology is None:
        climatology = DEFAULT_CLIMATOLOGY
    clim = climatology if isinstance(climatology, Climatology) else load_climatology(climatology)
    if decomposition != "erbs":
        frames = [
            synthetic_weather(
                latitude_deg,
                longitude_deg,
                altitude_m,
                year,
                tz,
                seed=int(s),
                climatology=clim,
                decomposition=decomposition,
                interannual=interannual,
                annual_sd_pct=annual_sd_pct,
            )
            for s in seeds_arr
        ]
        return SampledWeather.stack(frames, seeds_arr)
    g = site_grid(latitude_deg, longitude_deg, altitude_m, year, tz)
    return finish_years(
        g, clim, horizontal_years(g, clim, seeds_arr, interannual, annual_sd_pct, normals)
    )


@dataclass(frozen=True)
class HorizontalYears:
    """Steps 1–3 of the generator for a block of years: the hourly GHI [W/m²] (Y, H) and what
    steps 4–5 need (daily clearness (Y, D), monthly mean clearness and targets (Y, 12), the
    normals and where each year's TAG draws ended)."""

    seeds: np.ndarray
    ghi: np.ndarray
    daily_kt: np.ndarray
    mean_kt: np.ndarray
    target_month: np.ndarray
    normals: np.ndarray
    used: np.ndarray


def horizontal_years(
    g: _Grid,
    clim: Climatology,
    seeds: np.ndarray,
    interannual: bool,
    annual_sd_pct: float | None,
    normals: np.ndarray | None = None,
) -> HorizontalYears:
    """Steps 1–3 of :func:`~greenkommon.weather.synthetic_weather` for every seed: numpy and
    numba only (no pvlib, no warning), so a worker thread can run them ahead."""
    from scipy.special import ndtr

    seeds_arr = np.asarray(seeds, dtype=np.int64).reshape(-1)
    geo = g.geo
    n_years, n_days, n_hours = seeds_arr.size, g.day_month.size, len(geo)

    # year-to-year factors and monthly targets [kWh/m²] (Y, 12)
    target_month = np.tile(np.asarray(clim.ghi_kwh_per_m2, dtype=float), (n_years, 1))
    if interannual:
        target_month = target_month * interannual_factors_years(
            seeds_arr, clim, annual_sd_pct, max_factor=_max_month_factor(geo, clim)
        )
    mean_kt = np.clip(
        target_month / np.where(g.e0_month > 0, g.e0_month, np.nan), 0.03, 0.95 * g.kt_upper
    )

    # each year's normals, in the order the one-seed generator draws them: the daily process
    # (1 + D), the TAG hours (at most 7 D per hour), the temperature anomaly (D)
    if normals is None:
        normals = draw_normals(seeds_arr, _normals_per_year(g))
    elif normals.shape != (n_years, _normals_per_year(g)):
        raise ValueError(
            f"normals: shape {normals.shape}; expected {(n_years, _normals_per_year(g))}"
        )

    u = np.empty((n_years, n_days))
    _daily_normals_kernel(normals, n_days, DAILY_KT_LAG1, math.sqrt(1 - DAILY_KT_LAG1**2), u)
    daily_kt = np.empty((n_years, n_days))
    _daily_kt_kernel(g.day_month, mean_kt, g.kt_upper, ndtr(u), daily_kt)

    # TAG model: the coefficients with numpy's exp (as the reference), the draws in the kernel
    kt = daily_kt[:, :, None]
    lam = -0.19 + 1.12 * kt + 0.24 * np.exp(-8.0 * kt)
    eps = 0.32 - 1.6 * (kt - 0.5) ** 2
    kap = 0.19 + 2.27 * kt**2 - 2.51 * kt**3
    a = 0.14 * np.exp(-20.0 * (kt - 0.35) ** 2)
    b = 3.0 * (kt - 0.45) ** 2 + 16.0 * kt**5
    phi = (0.38 + 0.06 * np.cos(7.4 * kt - 2.5))[:, :, 0]
    day = g.grid_sin > 0
    s_el = np.where(day, g.grid_sin, 1.0)
    ktm = lam + eps * np.exp(-kap / s_el)
    sigma = a * np.exp(b * (1.0 - s_el))
    kt_h = np.empty((n_years, n_days, 24))
    used = np.empty(n_years, dtype=np.int64)
    _tag_kernel(
        normals,
        1 + n_days,
        np.ascontiguousarray(ktm),
        np.ascontiguousarray(sigma),
        phi,
        np.sqrt(1.0 - phi**2),
        day,
        g.grid_cap,
        kt_h,
        used,
    )

    # rescaled to each day's index, then to each month's irradiation
    ghi_grid = kt_h * g.grid_e0
    cap_grid = g.grid_cap * g.grid_e0
    month_start = np.concatenate([[0], np.cumsum([h.size for h in g.month_hours])])
    ghi = np.empty((n_years, n_hours))
    _rescale_kernel(
        ghi_grid,
        cap_grid,
        daily_kt * g.e0_day,
        g.day_pos,
        g.hour_in_day,
        month_start,
        np.concatenate(g.month_hours),
        target_month * 1000.0,
        ghi,
    )
    return HorizontalYears(seeds_arr, ghi, daily_kt, mean_kt, target_month, normals, used)


@quiet_pvlib
def finish_years(g: _Grid, clim: Climatology, h: HorizontalYears) -> SampledWeather:
    """Steps 4–5 of :func:`~greenkommon.weather.synthetic_weather` (the months the clear sky
    bounds said, Erbs decomposition, temperature, wind) after :func:`horizontal_years`."""
    import pvlib

    geo = g.geo
    ghi, target_month = h.ghi, h.target_month
    n_years, n_hours = ghi.shape
    for m, hours in enumerate(g.month_hours):
        reached = ghi[:, hours].sum(axis=1) / 1000.0
        short = reached < 0.995 * target_month[:, m]
        if short.any():
            i = int(np.flatnonzero(short)[0])
            warnings.warn(
                f"synthetic weather: month {m + 1} reaches {reached[i]:.1f} of "
                f"{target_month[i, m]:.1f} kWh/m² (the clear sky bounds it): climatology too "
                "sunny for this site?",
                GreenkommonWarning,
                stacklevel=2,
            )

    # Erbs decomposition, with the sun of the reference (hour mid-points)
    # (hours without irradiance in any year give 0 and 0, as in the reference: left out)
    lit = np.flatnonzero((ghi != 0).any(axis=0))
    zen = geo["zenith"].to_numpy()[lit]
    doy = (geo.index + pd.Timedelta(minutes=30)).dayofyear.to_numpy()[lit]
    parts = pvlib.irradiance.erbs(ghi[:, lit], zen, doy)
    dni = np.zeros_like(ghi)
    dhi = np.zeros_like(ghi)
    # as the reference's fillna(0.0)
    dni[:, lit] = np.nan_to_num(
        np.asarray(parts["dni"], dtype=float), nan=0.0, posinf=np.inf, neginf=-np.inf
    )
    dhi[:, lit] = np.nan_to_num(
        np.asarray(parts["dhi"], dtype=float), nan=0.0, posinf=np.inf, neginf=-np.inf
    )

    temp = _temperature(g, clim, h.daily_kt, h.mean_kt, h.normals, h.used)
    wind = np.broadcast_to(
        np.asarray(clim.wind_speed_m_per_s, dtype=float)[geo.index.month - 1], (n_years, n_hours)
    )
    return SampledWeather(geo.index, h.seeds, ghi, dni, dhi, temp, np.array(wind))


def interannual_factors_years(
    seeds: np.ndarray,
    climatology: Climatology,
    annual_sd_pct: float | None = None,
    max_factor: np.ndarray | None = None,
) -> np.ndarray:
    """(Y, 12) :func:`~greenkommon.weather.interannual_factors` of each seed (its own stream
    ``default_rng([seed, 2])``, the arithmetic once for all)."""
    c = climatology.monthly_sd_fraction(annual_sd_pct)
    z = np.empty((len(seeds), 12))
    for i, seed in enumerate(seeds):
        z[i] = np.random.default_rng([int(seed), 2]).standard_normal(12)
    sigma = np.sqrt(np.log1p(c * c))
    factors = np.exp(sigma * z - sigma * sigma / 2.0)
    if max_factor is not None:
        factors = np.minimum(factors, np.asarray(max_factor, dtype=float))
    return factors


def _normals_per_year(g: _Grid) -> int:
    n_days, n_hours = g.grid_sin.shape
    return 1 + n_days + 7 * n_hours * n_days + n_days


def normals_per_year(
    latitude_deg: float, longitude_deg: float, altitude_m: float, year: int, tz: str
) -> int:
    """Standard normals a year of :func:`synthetic_years` may draw: the daily process (1 + D),
    the TAG hours (at most 7 D per hour of the day), the temperature anomaly (D)."""
    g = _site_grid(float(latitude_deg), float(longitude_deg), float(altitude_m), int(year), tz)
    return _normals_per_year(g)


def draw_normals(seeds: Sequence[int] | np.ndarray, per_year: int) -> np.ndarray:
    """(Y, per_year) the first standard normals of ``default_rng(seed)`` for each seed: the
    stream :func:`~greenkommon.weather.synthetic_weather` draws from, in its order."""
    seeds = np.asarray(seeds, dtype=np.int64).reshape(-1)
    out = np.empty((seeds.size, per_year))
    for i, seed in enumerate(seeds):
        np.random.default_rng(int(seed)).standard_normal(out=out[i])
    return out


def _temperature(
    g: _Grid,
    clim: Climatology,
    daily_kt: np.ndarray,
    mean_kt: np.ndarray,
    normals: np.ndarray,
    used: np.ndarray,
) -> np.ndarray:
    """``synthetic._synthetic_temperature`` for every year (Y, H) [°C]."""
    n_years, n_days = daily_kt.shape
    t_month = np.asarray(clim.temp_air_c)
    base = _daily_base_temperature(clim, n_days)
    anomaly = np.empty((n_years, n_days))
    innov = math.sqrt(1 - 0.49) * 2.0
    for i in range(n_years):
        anomaly[i] = _ar1(normals[i], int(used[i]), n_days, 0.7, innov, 0.0)
    day_month = g.day_month
    kt_anom = daily_kt - mean_kt[:, day_month - 1]
    season = np.cos(2 * np.pi * (day_month - 7) / 12.0)
    anomaly += 8.0 * kt_anom * season
    t_day = base + anomaly
    for m in range(1, 13):
        sel = day_month == m
        if sel.any():
            t_day[:, sel] += (t_month[m - 1] - t_day[:, sel].mean(axis=1))[:, None]
    theta = g.theta
    rng_month = np.asarray(clim.temp_range_c)
    ratio = np.clip(daily_kt / mean_kt[:, day_month - 1], 0.4, 1.8)
    day_range = rng_month[day_month - 1] * ratio
    return t_day[:, g.day_pos] + day_range[:, g.day_pos] * np.asarray(theta)
