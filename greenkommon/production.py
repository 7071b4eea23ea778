"""Production: AC energy of the rooftop plant per interval, with pvlib.

Contract (used by :mod:`greenkommon.pipeline`)::

    simulate_production(weather, plant, index) -> pandas.Series

returns the energy injected into the network [kWh] in each interval of ``index`` (the
simulation grid, interval-start labels), i.e. what the operation can share.

Model chain (per roof section, pvlib functions): sun position at interval mid-points →
hourly irradiance spread onto the grid (:func:`weather_on_grid`) → Perez transposition with
pvlib's ``get_total_irradiance`` → Fresnel (``physical``) incidence-angle modifier on the beam
and Marion's integrated modifier on the diffuse parts → cell temperature (SAPM by default, PVsyst or Faiman) for the racking →
PVWatts DC (temperature coefficient) → PVWatts loss breakdown (soiling, shading, mismatch,
wiring, connections, LID, nameplate, age, availability) → PVWatts inverter with the section's
DC/AC ratio (clipping) → yearly degradation → minus the host's own consumption behind the meter
(the shopping centre), floored at zero: the injection curve.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._pvlib import quiet_pvlib
from ._sun import solar_position
from .config.plant import (  # noqa: F401
    PVWATTS_LOSS_DEFAULTS_PCT,
    RACKINGS,
    TEMPERATURE_MODELS,
    PlantConfig,
    RoofSection,
)
from .errors import DataError

#: Racking → pvlib SAPM temperature-model parameters (``TEMPERATURE_MODEL_PARAMETERS['sapm']``).
RACKING_SAPM = {
    "open_rack": "open_rack_glass_polymer",  # ballasted/tilted frames on a flat roof, ground
    "close_mount": "close_mount_glass_glass",  # modules a few cm above a pitched roof
    "insulated_back": "insulated_back_glass_polymer",  # building-integrated
}

#: Racking → pvlib PVsyst temperature-model parameters (``TEMPERATURE_MODEL_PARAMETERS['pvsyst']``).
RACKING_PVSYST = {
    "open_rack": "freestanding",
    "close_mount": "semi_integrated",
    "insulated_back": "insulated",
}


# ---------------------------------------------------------------------------------------------
# weather on the simulation grid
# ---------------------------------------------------------------------------------------------
def _step(index: pd.DatetimeIndex) -> pd.Timedelta:
    if len(index) < 2:
        raise DataError("simulation index: needs at least two labels")
    steps = np.unique(np.diff(index.asi8))
    if len(steps) != 1:
        raise DataError("simulation index: labels are not regularly spaced")
    step = index[1] - index[0]
    if step > pd.Timedelta(hours=1) or (pd.Timedelta(hours=1) % step) != pd.Timedelta(0):
        raise DataError(f"simulation index: step {step} must divide one hour (15min, 30min, 1h)")
    return step


@dataclass(frozen=True)
class _Sun:
    """The sun over a grid at interval mid-points: the same every year for a site, so computed
    once per grid and site (an uncertainty run spreads a thousand weather years on it)."""

    zenith: np.ndarray
    apparent_zenith: np.ndarray
    azimuth: np.ndarray
    dni_extra: np.ndarray
    cos_zenith: np.ndarray
    #: G0 at each sub-interval over its hour's mean (1 where the sun is down all hour) [-].
    shape: np.ndarray


_SUNS: OrderedDict[tuple[Any, ...], _Sun] = OrderedDict()


@quiet_pvlib
def _sun_on_grid(
    index: pd.DatetimeIndex, latitude_deg: float, longitude_deg: float, altitude_m: float
) -> _Sun:
    key = (
        hashlib.blake2b(index.asi8.tobytes(), digest_size=16).hexdigest(),
        str(index.tz),
        float(latitude_deg),
        float(longitude_deg),
        float(altitude_m),
    )
    hit = _SUNS.get(key)
    if hit is not None:
        _SUNS.move_to_end(key)
        return hit
    import pvlib

    step = _step(index)
    hour_key = index.tz_convert("UTC").floor("h")
    mid = index + step / 2
    # pvlib's SPA with its time terms shared by the sites of one grid (a plan's roofs)
    sp = solar_position(
        mid,
        latitude_deg,
        longitude_deg,
        altitude_m,
        pressure_pa=pvlib.atmosphere.alt2pres(altitude_m),
    )
    zen = sp["zenith"].to_numpy()
    cos_z = np.cos(np.radians(zen))
    dni_extra = pvlib.irradiance.get_extra_radiation(mid).to_numpy()
    g0 = dni_extra * np.clip(cos_z, 0.0, None)
    g0_mean = pd.Series(g0).groupby(hour_key.asi8).transform("mean").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        shape = np.where(g0_mean > 0, g0 / g0_mean, 1.0)
    sun = _Sun(
        zen,
        sp["apparent_zenith"].to_numpy(),
        sp["azimuth"].to_numpy(),
        dni_extra,
        cos_z,
        shape,
    )
    for f in dataclasses.fields(sun):
        getattr(sun, f.name).flags.writeable = False
    _SUNS[key] = sun
    while len(_SUNS) > 8:
        _SUNS.popitem(last=False)
    return sun


@quiet_pvlib
def weather_on_grid(
    weather: pd.DataFrame,
    index: pd.DatetimeIndex,
    latitude_deg: float,
    longitude_deg: float,
    altitude_m: float = 0.0,
) -> pd.DataFrame:
    """Hourly weather spread onto the simulation grid, with the sun at interval mid-points.

    Parameters
    ----------
    weather : pandas.DataFrame
        Hourly, tz-aware, interval-start (``ghi``, ``dni``, ``dhi`` [W/m²], ``temp_air`` [°C],
        ``wind_speed`` [m/s]); must cover every hour touched by ``index``.
    index : pandas.DatetimeIndex
        Simulation grid (15 min, 30 min or 1 h, interval start).

    Returns
    -------
    pandas.DataFrame
        On ``index``: ``ghi``, ``dni``, ``dhi`` [W/m², interval means], ``temp_air``,
        ``wind_speed``, and ``zenith``, ``apparent_zenith``, ``azimuth`` [°], ``dni_extra``
        [W/m²] at each interval's mid-point.

    Notes
    -----
    Irradiation is conserved hour by hour. Within an hour, GHI follows the shape of the
    extraterrestrial horizontal irradiance G0 = E0·max(cos θz, 0) evaluated at each
    sub-interval mid-point: GHI_i = GHI_h · G0_i / mean_i(G0_i) (uniform when the sun is
    below the horizon at every mid-point), so mean_i(GHI_i) = GHI_h exactly. The diffuse
    fraction of the hour is kept (DHI_i = GHI_i · DHI_h/GHI_h), and DNI is recomputed from the
    closure DNI_i = (GHI_i − DHI_i)/cos θz,i; when the sun is within 3.7° of the horizon
    (cos θz < 0.065) the beam part is counted as diffuse (a beam at grazing incidence is not
    resolvable). Hourly GHI is therefore always conserved, hourly DHI whenever the sun is above
    3.7° for the whole hour. The same closure is applied at a 1 h step, so all steps share one set of
    horizontal components. Temperature and wind are held over the hour.
    """
    missing = [c for c in ("ghi", "dni", "dhi", "temp_air", "wind_speed") if c not in weather]
    if missing:
        raise DataError(f"weather: missing column(s) {', '.join(missing)}")
    if not isinstance(weather.index, pd.DatetimeIndex) or weather.index.tz is None:
        raise DataError("weather: expected a tz-aware DatetimeIndex")
    w_utc = weather.copy()
    w_utc.index = weather.index.tz_convert("UTC")
    w_utc = w_utc[~w_utc.index.duplicated()]
    hour_key = index.tz_convert("UTC").floor("h")
    hourly = w_utc.reindex(hour_key)
    if hourly[["ghi", "dhi"]].isna().any().any():
        bad = hour_key[hourly["ghi"].isna().to_numpy()][0]
        raise DataError(
            f"weather: no hourly record for {bad.tz_convert(index.tz).isoformat()} of the simulation grid (is it the simulation year?)"
        )
    sun = _sun_on_grid(index, latitude_deg, longitude_deg, altitude_m)
    zen, dni_extra = sun.zenith, sun.dni_extra
    ghi, dni, dhi = _spread_hourly(
        hourly["ghi"].to_numpy(dtype=float), hourly["dhi"].to_numpy(dtype=float), sun
    )
    return pd.DataFrame(
        {
            "ghi": ghi,
            "dni": dni,
            "dhi": dhi,
            "temp_air": hourly["temp_air"].to_numpy(dtype=float),
            "wind_speed": hourly["wind_speed"].to_numpy(dtype=float),
            "zenith": zen,
            "apparent_zenith": sun.apparent_zenith,
            "azimuth": sun.azimuth,
            "dni_extra": dni_extra,
        },
        index=index,
    )


def _spread_hourly(
    ghi_h: np.ndarray, dhi_h: np.ndarray, sun: _Sun
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GHI, DNI, DHI on the grid from each interval's hourly GHI and DHI (the Notes of
    :func:`weather_on_grid`); leading axes (years) broadcast."""
    dhi_h = np.minimum(dhi_h, ghi_h)
    ghi = ghi_h * sun.shape
    with np.errstate(divide="ignore", invalid="ignore"):
        diffuse_fraction = np.where(ghi_h > 0, dhi_h / ghi_h, 1.0)
    dhi = ghi * diffuse_fraction
    low = sun.cos_zenith < 0.065
    dhi = np.where(low, ghi, dhi)
    dni = np.where(low, 0.0, (ghi - dhi) / np.where(low, 1.0, sun.cos_zenith))
    return ghi, dni, dhi


# ---------------------------------------------------------------------------------------------
# one section
# ---------------------------------------------------------------------------------------------
@quiet_pvlib
def section_power_per_kwp(
    grid: Any, section: RoofSection, albedo: float = 0.2, transposition: str = "perez"
) -> np.ndarray:
    """AC power of ``section`` per kWp of DC nameplate [W/kWp] on the grid of ``grid``.

    ``grid`` is the output of :func:`weather_on_grid`. The result is linear in the section's
    peak power (its inverter is sized by ``dc_ac_ratio``), so a sweep over plant sizes can
    multiply it instead of re-running pvlib.
    """
    import pvlib

    tilt, az = section.tilt_deg, section.azimuth_deg
    airmass = pvlib.atmosphere.get_relative_airmass(grid["apparent_zenith"])
    poa = pvlib.irradiance.get_total_irradiance(
        tilt,
        az,
        grid["apparent_zenith"],
        grid["azimuth"],
        grid["dni"],
        grid["ghi"],
        grid["dhi"],
        dni_extra=grid["dni_extra"],
        airmass=airmass,
        albedo=albedo,
        model=transposition,
    )
    # a frame from pandas inputs, a dict of (Y, T) arrays from a block of years
    poa = {k: _nan_to_zero(v) for k, v in poa.items()}
    aoi = pvlib.irradiance.aoi(tilt, az, grid["apparent_zenith"], grid["azimuth"])
    iam_beam = pvlib.iam.physical(aoi)
    iam_diff = _marion_diffuse_physical(float(tilt))
    effective = (
        poa["poa_direct"] * np.nan_to_num(np.asarray(iam_beam, dtype=float))
        + poa["poa_sky_diffuse"] * float(iam_diff["sky"])
        + poa["poa_ground_diffuse"] * float(iam_diff["ground"])
    )
    effective = np.clip(effective, 0.0, None)
    temp_cell = _cell_temperature(
        poa["poa_global"],
        np.asarray(grid["temp_air"], dtype=float),
        np.asarray(grid["wind_speed"], dtype=float),
        section,
    )
    loss = 1.0 - section.total_losses_pct / 100.0
    if section.module_model == "cec":
        return _cec_power_per_kwp(effective, np.asarray(temp_cell), section) * loss
    pdc = pvlib.pvsystem.pvwatts_dc(
        effective, temp_cell, pdc0=1000.0, gamma_pdc=section.gamma_pdc_pct_per_c / 100.0
    )
    pdc = np.asarray(pdc, dtype=float) * loss
    eta = section.inverter_efficiency_pct / 100.0
    pac = pvlib.inverter.pvwatts(pdc, pdc0=1000.0 / section.dc_ac_ratio / eta, eta_inv_nom=eta)
    return np.clip(np.nan_to_num(np.asarray(pac, dtype=float)), 0.0, None)


def _nan_to_zero(values: Any) -> np.ndarray:
    """As ``fillna(0.0)``: NaN → 0, infinities kept."""
    a = np.asarray(values, dtype=float)
    return np.where(np.isnan(a), 0.0, a)


@functools.lru_cache(maxsize=64)
def _marion_diffuse_physical(tilt_deg: float) -> dict[str, float]:
    """Diffuse IAM of a tilt (a numerical integration over the sky: once per tilt)."""
    import pvlib

    out = pvlib.iam.marion_diffuse("physical", tilt_deg)
    return {k: float(v) for k, v in out.items()}


def _cell_temperature(
    poa_global: np.ndarray, temp_air: np.ndarray, wind_speed: np.ndarray, section: RoofSection
) -> np.ndarray:
    """Cell temperature [°C] with the section's pvlib model and racking."""
    import pvlib

    params = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS
    if section.temperature_model == "pvsyst":
        return np.asarray(
            pvlib.temperature.pvsyst_cell(
                poa_global,
                temp_air,
                wind_speed,
                **params["pvsyst"][RACKING_PVSYST[section.racking]],
            )
        )
    if section.temperature_model == "faiman":
        return np.asarray(pvlib.temperature.faiman(poa_global, temp_air, wind_speed))
    return np.asarray(
        pvlib.temperature.sapm_cell(
            poa_global, temp_air, wind_speed, **params["sapm"][RACKING_SAPM[section.racking]]
        )
    )


@functools.lru_cache(maxsize=2)
def _sam_table(name: str) -> pd.DataFrame:
    """pvlib's bundled SAM table (read once: it takes about a second)."""
    import pvlib

    return pvlib.pvsystem.retrieve_sam(name)


def _cec_power_per_kwp(
    effective: np.ndarray, temp_cell: np.ndarray, section: RoofSection
) -> np.ndarray:
    """CEC single-diode module (+ optional Sandia inverter) per kWp [W/kWp]."""
    import pvlib

    modules = _sam_table("CECMod")
    if section.cec_module not in modules:
        raise DataError(
            f"plant section {section.name!r}: cec_module = {section.cec_module!r} is not in pvlib's CEC module table"
        )
    mod = modules[section.cec_module]
    il, i0, rs, rsh, nnsvth = pvlib.pvsystem.calcparams_cec(
        effective,
        temp_cell,
        mod["alpha_sc"],
        mod["a_ref"],
        mod["I_L_ref"],
        mod["I_o_ref"],
        mod["R_sh_ref"],
        mod["R_s"],
        mod["Adjust"],
    )
    mpp = pvlib.pvsystem.max_power_point(il, i0, rs, rsh, nnsvth, method="newton")
    p_stc = float(mod["STC"])
    n_per_kwp = 1000.0 / p_stc
    pdc = np.nan_to_num(np.asarray(mpp["p_mp"], dtype=float)) * n_per_kwp
    if section.cec_inverter is None:
        eta = section.inverter_efficiency_pct / 100.0
        return np.clip(
            pvlib.inverter.pvwatts(pdc, pdc0=1000.0 / section.dc_ac_ratio / eta, eta_inv_nom=eta),
            0.0,
            None,
        )
    inverters = _sam_table("cecinverter")
    if section.cec_inverter not in inverters:
        raise DataError(
            f"plant section {section.name!r}: cec_inverter = {section.cec_inverter!r} is not in pvlib's CEC inverter table"
        )
    inv = inverters[section.cec_inverter]
    # strings sized so the MPP voltage sits at the inverter's nominal DC voltage; inverter
    # count per kWp set by the DC/AC ratio
    per_string = max(1, round(float(inv["Vdco"]) / float(mod["V_mp_ref"])))
    v_dc = np.nan_to_num(np.asarray(mpp["v_mp"], dtype=float)) * per_string
    inv_per_kwp = 1000.0 / section.dc_ac_ratio / float(inv["Paco"])
    pac = pvlib.inverter.sandia(v_dc, pdc / inv_per_kwp, inv) * inv_per_kwp
    return np.clip(np.nan_to_num(np.asarray(pac, dtype=float)), 0.0, None)


def degradation_factor(plant: PlantConfig, year: int) -> float:
    """Share of the new-plant output left in ``year`` [-] (linear degradation)."""
    if plant.commissioning_year is None:
        return 1.0
    age = max(0, year - plant.commissioning_year)
    return max(0.0, 1.0 - plant.degradation_pct_per_year / 100.0 * age)


def production_per_kwp(
    weather: pd.DataFrame,
    plant: PlantConfig,
    index: pd.DatetimeIndex,
    section: RoofSection | None = None,
) -> pd.Series:
    """AC energy per kWp of one geometry [kWh/kWp per interval], before host load and degradation.

    ``section`` defaults to the plant's first section; only its geometry and loss settings
    matter (its ``peak_power_kwp`` is ignored). Multiply by a peak power to size a plant.
    """
    section = section or plant.sections[0]
    grid = weather_on_grid(
        weather, index, plant.latitude_deg, plant.longitude_deg, plant.altitude_m
    )
    step_h = _step(index) / pd.Timedelta(hours=1)
    power = section_power_per_kwp(grid, section, plant.albedo, plant.transposition)
    return pd.Series(power * step_h / 1000.0, index=index, name="energy_kwh_per_kwp")


def simulate_sections(
    weather: pd.DataFrame, plant: PlantConfig, index: pd.DatetimeIndex
) -> pd.DataFrame:
    """AC energy of each roof section [kWh per interval] (columns = section names), degraded.

    Host load is not subtracted here (see :func:`simulate_production`).
    """
    grid = weather_on_grid(
        weather, index, plant.latitude_deg, plant.longitude_deg, plant.altitude_m
    )
    step_h = _step(index) / pd.Timedelta(hours=1)
    year = int(pd.Series(index.year).mode().iloc[0])
    factor = degradation_factor(plant, year)
    out = {}
    for i, sec in enumerate(plant.sections):
        name = sec.name if sec.name not in out else f"{sec.name}_{i}"
        power = section_power_per_kwp(grid, sec, plant.albedo, plant.transposition)
        out[name] = power * sec.peak_power_kwp * step_h / 1000.0 * factor
    return pd.DataFrame(out, index=index)


def host_load_kwh(plant: PlantConfig, index: pd.DatetimeIndex) -> pd.Series:
    """Host building consumption behind the plant's meter [kWh per interval]."""
    step_h = _step(index) / pd.Timedelta(hours=1)
    load = pd.Series(plant.host_load_kw * step_h, index=index, name="host_load_kwh")
    if plant.host_load_file is not None:
        load = load + read_host_load(plant.host_load_file, index)
    return load


def read_host_load(path: str | Path, index: pd.DatetimeIndex) -> pd.Series:
    """Host consumption CSV (``time`` ISO 8601 with offset, interval start; ``energy_kwh``)."""
    from .timegrid import check_on_grid

    path = Path(path)
    try:
        df = pd.read_csv(path, comment="#")
    except Exception as exc:
        raise DataError(f"{path}: not a readable CSV ({exc})") from None
    df.columns = [c.strip().lower() for c in df.columns]
    if "time" not in df or "energy_kwh" not in df:
        raise DataError(f"{path}: expected columns time, energy_kwh")
    try:
        idx = pd.DatetimeIndex(pd.to_datetime(df["time"], utc=True, format="ISO8601")).tz_convert(
            index.tz
        )
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"{path}: column time: expected ISO 8601 times with UTC offset ({exc})"
        ) from None
    values = pd.to_numeric(df["energy_kwh"], errors="coerce")
    if values.isna().any() or (values < 0).any():
        line = int(np.flatnonzero(values.isna().to_numpy() | (values < 0).to_numpy())[0]) + 2
        raise DataError(
            f"{path}: line {line}: energy_kwh = {df['energy_kwh'].iloc[line - 2]!r}: expected a number >= 0"
        )
    series = pd.Series(
        values.to_numpy(dtype=float), index=idx.rename(index.name), name="host_load_kwh"
    )
    check_on_grid(series, index, str(path))
    return series


def simulate_production(
    weather: pd.DataFrame, plant: PlantConfig, index: pd.DatetimeIndex
) -> pd.Series:
    """Energy injected into the network by the plant [kWh per interval of ``index``].

    Parameters
    ----------
    weather : pandas.DataFrame
        Hourly weather (contract of :func:`greenkommon.weather.load_weather`).
    plant : PlantConfig
    index : pandas.DatetimeIndex
        Simulation grid from :func:`greenkommon.timegrid.make_index`.

    Returns
    -------
    pandas.Series
        ``production_kwh`` on ``index``, ≥ 0.

    Notes
    -----
    injection = max(Σ_sections AC energy − host load, 0): only what leaves the host's meter
    can be allocated in the operation; the host's self-consumption is invisible to Enedis.
    Cached by content (:mod:`greenkommon._cache`): a changed roof, weather or grid recomputes.
    """
    from ._cache import cached

    return cached(
        "production",
        (weather, plant, index),
        lambda: _simulate_production(weather, plant, index),
    )


def _simulate_production(
    weather: pd.DataFrame, plant: PlantConfig, index: pd.DatetimeIndex
) -> pd.Series:
    """:func:`simulate_production` without the cache."""
    sections = simulate_sections(weather, plant, index)
    total = sections.sum(axis=1).to_numpy()
    if plant.host_load_kw > 0 or plant.host_load_file is not None:
        total = np.clip(total - host_load_kwh(plant, index).to_numpy(), 0.0, None)
    return pd.Series(total, index=index, name="production_kwh")


def production_summary(production_kwh: pd.Series, peak_power_kwp: float) -> dict[str, Any]:
    """Annual energy [kWh], specific yield [kWh/kWp] and monthly energy [kWh] (12 values)."""
    monthly = (
        production_kwh.groupby(production_kwh.index.month)
        .sum()
        .reindex(range(1, 13), fill_value=0.0)
    )
    annual = float(production_kwh.sum())
    return {
        "annual_energy_kwh": annual,
        "specific_yield_kwh_per_kwp": annual / peak_power_kwp if peak_power_kwp > 0 else math.nan,
        "monthly_energy_kwh": [float(v) for v in monthly.to_numpy()],
    }


def loss_breakdown(section: RoofSection) -> dict[str, float]:
    """Loss categories of a section [%] and their PVWatts combination ``total``."""
    if section.losses_pct is not None:
        return {"total": float(section.losses_pct)}
    out = {k: float(getattr(section, f"{k}_pct")) for k in PVWATTS_LOSS_DEFAULTS_PCT}
    out["total"] = section.total_losses_pct
    return out


__all__ = [
    "PVWATTS_LOSS_DEFAULTS_PCT",
    "RACKING_PVSYST",
    "RACKING_SAPM",
    "TEMPERATURE_MODELS",
    "PlantConfig",
    "RoofSection",
    "degradation_factor",
    "host_load_kwh",
    "loss_breakdown",
    "production_per_kwp",
    "production_summary",
    "read_host_load",
    "section_power_per_kwp",
    "simulate_production",
    "simulate_sections",
    "weather_on_grid",
]
