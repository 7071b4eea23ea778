"""Production of many weather years at once (an uncertainty run's sampled years).

:func:`simulate_production_years` is :func:`greenkommon.production.simulate_production` over a
(Y, T) block: the hourly weather spread onto the grid as :func:`~production.weather_on_grid`
does, the sun's course once. For the default chain (Perez transposition, SAPM cell temperature,
PVWatts module and inverter) the per-step physics runs in one numba kernel,
:func:`_pvwatts_perez_kernel`, whose reference is :func:`production.section_power_per_kwp` (pvlib)
on the same arrays: every geometric term (angle of incidence, its projection, the incidence
modifiers, the air mass) comes from pvlib once per section, and the kernel repeats pvlib's
per-step arithmetic in pvlib's order, NaN handling included (``tests/test_uncertainty_batch.py``
compares them to 1e-9 relative). Other chains run pvlib's functions on the (Y, T) arrays.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numba import njit

from ._pvlib import quiet_pvlib
from .errors import DataError
from .production import (
    RACKING_SAPM,
    PlantConfig,
    RoofSection,
    _marion_diffuse_physical,
    _step,
    _sun_on_grid,
    degradation_factor,
    host_load_kwh,
    section_power_per_kwp,
)

#: Upper bounds of pvlib's Perez sky-clearness bins (:func:`pvlib.irradiance.perez`).
PEREZ_EPSILON_BINS = np.array([0.0, 1.065, 1.23, 1.5, 1.95, 2.8, 4.5, 6.2])


def _kernel_applies(section: RoofSection, transposition: str) -> bool:
    return (
        transposition == "perez"
        and section.module_model == "pvwatts"
        and section.temperature_model == "sapm"
    )


@quiet_pvlib
def simulate_production_years(
    weather: Any, plant: PlantConfig, index: pd.DatetimeIndex
) -> np.ndarray:
    """:func:`~production.simulate_production` of Y weather years [kWh per interval], (Y, T).

    Parameters
    ----------
    weather : greenkommon.weather.batch.SampledWeather
        Hourly years on one calendar: ``index`` (H,), ``ghi``, ``dni``, ``dhi`` [W/m²],
        ``temp_air`` [°C], ``wind_speed`` [m/s], each (Y, H).
    plant : PlantConfig
    index : pandas.DatetimeIndex
        Simulation grid.

    Notes
    -----
    Intervals where no year has any irradiance are left out of the physics: every section gives
    0 there, as the year-by-year path does (no irradiance, no power).
    """
    hour_key = index.tz_convert("UTC").floor("h")
    w_utc = pd.DatetimeIndex(weather.index).tz_convert("UTC")
    first = ~w_utc.duplicated()
    found = w_utc[first].get_indexer(hour_key)
    if (found < 0).any():
        bad = hour_key[found < 0][0]
        raise DataError(
            f"weather: no hourly record for {bad.tz_convert(index.tz).isoformat()} of the "
            "simulation grid (is it the simulation year?)"
        )
    pos = np.flatnonzero(first)[found]
    sun = _sun_on_grid(index, plant.latitude_deg, plant.longitude_deg, plant.altitude_m)
    # intervals where some year has irradiance (GHI_i = GHI_h · shape_i)
    lit = np.flatnonzero((weather.ghi != 0).any(axis=0)[pos] & (sun.shape != 0))
    n_years = weather.ghi.shape[0]
    ghi, dni, dhi = (np.empty((n_years, lit.size)) for _ in range(3))
    _spread_kernel(
        np.ascontiguousarray(weather.ghi, dtype=float),
        np.ascontiguousarray(weather.dhi, dtype=float),
        pos[lit],
        sun.shape[lit],
        sun.cos_zenith[lit],
        ghi,
        dni,
        dhi,
    )
    grid = {
        "ghi": ghi,
        "dni": dni,
        "dhi": dhi,
        "temp_air": np.ascontiguousarray(weather.temp_air[:, pos[lit]]),
        "wind_speed": np.ascontiguousarray(weather.wind_speed[:, pos[lit]]),
        "zenith": sun.zenith[lit],
        "apparent_zenith": sun.apparent_zenith[lit],
        "azimuth": sun.azimuth[lit],
        "dni_extra": sun.dni_extra[lit],
    }
    step_h = _step(index) / pd.Timedelta(hours=1)
    year = int(pd.Series(index.year).mode().iloc[0])
    factor = degradation_factor(plant, year)
    lit_total = np.zeros((n_years, lit.size))
    for sec in plant.sections:
        if _kernel_applies(sec, plant.transposition):
            power = section_power_kernel(grid, sec, plant.albedo)
        else:
            power = section_power_per_kwp(grid, sec, plant.albedo, plant.transposition)
        lit_total += power * sec.peak_power_kwp * step_h / 1000.0 * factor
    total = np.zeros((n_years, len(index)))
    total[:, lit] = lit_total
    if plant.host_load_kw > 0 or plant.host_load_file is not None:
        total = np.clip(total - host_load_kwh(plant, index).to_numpy(), 0.0, None)
    return total


@quiet_pvlib
def section_power_kernel(grid: Any, section: RoofSection, albedo: float = 0.2) -> np.ndarray:
    """:func:`~production.section_power_per_kwp` (Perez, SAPM, PVWatts) through the kernel
    [W/kWp]: ``grid`` holds (Y, T) ``ghi``, ``dni``, ``dhi``, ``temp_air``, ``wind_speed`` and
    (T,) ``apparent_zenith``, ``azimuth``, ``dni_extra``."""
    import pvlib

    if not _kernel_applies(section, "perez"):
        raise DataError(f"plant section {section.name!r}: not the Perez/SAPM/PVWatts chain")
    tilt, az = section.tilt_deg, section.azimuth_deg
    zen = np.asarray(grid["apparent_zenith"], dtype=float)
    sazi = np.asarray(grid["azimuth"], dtype=float)
    airmass = np.asarray(pvlib.atmosphere.get_relative_airmass(zen), dtype=float)
    projection = pvlib.irradiance.aoi_projection(tilt, az, zen, sazi)
    aoi = pvlib.irradiance.aoi(tilt, az, zen, sazi)
    iam_beam = np.nan_to_num(np.asarray(pvlib.iam.physical(aoi), dtype=float))
    iam_diff = _marion_diffuse_physical(float(tilt))
    f1c, f2c = pvlib.irradiance._get_perez_coefficients("allsitescomposite1990")
    z = np.radians(zen)
    kz3 = 1.041 * (z**3)
    a_proj = np.maximum(projection, 0)
    b_cos = np.maximum(pvlib.tools.cosd(zen), pvlib.tools.cosd(85))
    params = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][RACKING_SAPM[section.racking]]
    eta = section.inverter_efficiency_pct / 100.0
    scalars = np.array(
        [
            1 + float(pvlib.tools.cosd(tilt)),
            float(pvlib.tools.sind(tilt)),
            albedo,
            1 - np.cos(np.radians(tilt)),
            float(iam_diff["sky"]),
            float(iam_diff["ground"]),
            float(params["a"]),
            float(params["b"]),
            float(params["deltaT"]),
            1.0 - section.total_losses_pct / 100.0,
            section.gamma_pdc_pct_per_c / 100.0,
            1000.0 / section.dc_ac_ratio / eta,
            eta,
        ]
    )
    out = np.empty(np.shape(grid["ghi"]))
    _pvwatts_perez_kernel(
        np.ascontiguousarray(grid["ghi"], dtype=float),
        np.ascontiguousarray(grid["dni"], dtype=float),
        np.ascontiguousarray(grid["dhi"], dtype=float),
        np.ascontiguousarray(grid["temp_air"], dtype=float),
        np.ascontiguousarray(grid["wind_speed"], dtype=float),
        np.asarray(grid["dni_extra"], dtype=float),
        airmass,
        z,
        kz3,
        a_proj,
        b_cos,
        np.cos(np.radians(aoi)),
        iam_beam,
        np.ascontiguousarray(f1c, dtype=float),
        np.ascontiguousarray(f2c, dtype=float),
        PEREZ_EPSILON_BINS,
        scalars,
        out,
    )
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def _spread_kernel(
    ghi_h: np.ndarray,
    dhi_h: np.ndarray,
    hour: np.ndarray,
    shape: np.ndarray,
    cos_z: np.ndarray,
    ghi: np.ndarray,
    dni: np.ndarray,
    dhi: np.ndarray,
) -> None:
    """:func:`~production._spread_hourly` at the intervals given by their ``hour`` (column of
    the hourly arrays), ``shape`` and ``cos_z``: the same operations, element by element."""
    n_years = ghi.shape[0]
    for y in range(n_years):
        for t in range(hour.size):
            gh = ghi_h[y, hour[t]]
            dh = min(dhi_h[y, hour[t]], gh)
            g = gh * shape[t]
            d = g * (dh / gh if gh > 0 else 1.0)
            if cos_z[t] < 0.065:
                ghi[y, t], dni[y, t], dhi[y, t] = g, 0.0, g
            else:
                ghi[y, t], dni[y, t], dhi[y, t] = g, (g - d) / cos_z[t], d


@njit(cache=True)
def _nan_max0(x: float) -> float:
    """``numpy.maximum(x, 0)``: NaN stays NaN."""
    if x != x:
        return x
    return x if x > 0.0 else 0.0


@njit(cache=True)
def _fill0(x: float) -> float:
    return 0.0 if x != x else x


@njit(cache=True, nogil=True, error_model="numpy")
def _pvwatts_perez_kernel(
    ghi: np.ndarray,
    dni: np.ndarray,
    dhi: np.ndarray,
    temp_air: np.ndarray,
    wind: np.ndarray,
    dni_extra: np.ndarray,
    airmass: np.ndarray,
    z: np.ndarray,
    kz3: np.ndarray,
    a_proj: np.ndarray,
    b_cos: np.ndarray,
    cos_aoi: np.ndarray,
    iam_beam: np.ndarray,
    f1c: np.ndarray,
    f2c: np.ndarray,
    bins: np.ndarray,
    s: np.ndarray,
    out: np.ndarray,
) -> None:
    """AC power per kWp [W/kWp] of a (Y, T) block: pvlib's Perez sky diffuse, ground diffuse
    and beam (:func:`pvlib.irradiance.get_total_irradiance`), NaN → 0 as ``fillna``, Marion and
    Fresnel modifiers, SAPM cell temperature, PVWatts DC with losses, PVWatts inverter, NaN → 0
    and clipped at 0 (:func:`~production.section_power_per_kwp`)."""
    one_cos, sin_t, albedo, ground_k, iam_sky, iam_ground = s[0], s[1], s[2], s[3], s[4], s[5]
    sa, sb, dtc, loss, gamma, pdc0, eta = s[6], s[7], s[8], s[9], s[10], s[11], s[12]
    pac0 = eta * pdc0
    eta_ratio = eta / 0.9637
    n_years, t_len = ghi.shape
    last_wind = math.nan
    wind_factor = math.nan
    for y in range(n_years):
        for t in range(t_len):
            g = ghi[y, t]
            bdn = dni[y, t]
            dh = dhi[y, t]
            # Perez (pvlib.irradiance.perez)
            delta = dh * airmass[t] / dni_extra[t]
            eps = ((dh + bdn) / dh + kz3[t]) / (1 + kz3[t])  # IEEE: x/0 = ±inf, 0/0 = NaN
            if eps != eps:
                e = -1
            else:
                e = 0
                for j in range(bins.size):
                    if eps >= bins[j]:
                        e = j + 1
                e -= 1
            if e < 0:
                sky = math.nan
            else:
                f1 = _nan_max0(f1c[e, 0] + f1c[e, 1] * delta + f1c[e, 2] * z[t])
                f2 = f2c[e, 0] + f2c[e, 1] * delta + f2c[e, 2] * z[t]
                term1 = 0.5 * (1 - f1) * one_cos
                term2 = f1 * a_proj[t] / b_cos[t]
                term3 = f2 * sin_t
                sky = _nan_max0(dh * (term1 + term2 + term3))
            if airmass[t] != airmass[t]:
                sky = 0.0
            ground = g * albedo * ground_k * 0.5
            direct = _nan_max0(bdn * cos_aoi[t])
            diffuse = sky + ground
            glob = direct + diffuse
            direct, sky, ground, glob = _fill0(direct), _fill0(sky), _fill0(ground), _fill0(glob)
            eff = direct * iam_beam[t] + sky * iam_sky + ground * iam_ground
            if eff < 0:
                eff = 0.0
            # SAPM cell temperature (pvlib.temperature.sapm_cell)
            if wind[y, t] != last_wind:  # the wind often holds (a month's mean): one exp
                last_wind = wind[y, t]
                wind_factor = math.exp(sa + sb * last_wind)
            module = glob * wind_factor + temp_air[y, t]
            cell = module + (glob / 1000.0) * dtc
            # PVWatts DC (pvlib.pvsystem.pvwatts_dc, pdc0 = 1000 W/kWp) with losses
            pdc = eff * 0.001 * 1000.0 * (1 + gamma * (cell - 25.0)) * loss
            # PVWatts inverter (pvlib.inverter.pvwatts)
            zeta = pdc / pdc0
            inv = 0.0059 / zeta if pdc != 0 else 0.0
            pac = eta_ratio * (-0.0162 * zeta - inv + 0.9858) * pdc
            # numpy.minimum/maximum keep NaN; the caller's nan_to_num then makes it 0
            out[y, t] = 0.0 if pac != pac else max(0.0, min(pac0, pac))


__all__ = ["PEREZ_EPSILON_BINS", "section_power_kernel", "simulate_production_years"]
