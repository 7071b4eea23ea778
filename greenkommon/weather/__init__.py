"""Weather: the hourly meteorological year that drives PV production.

Contract (used by :mod:`greenkommon.pipeline`)::

    load_weather(config, latitude_deg, longitude_deg, altitude_m, year, tz) -> (data, meta)

``data`` is an hourly, tz-aware frame in ``tz`` labelled by interval start, covering the whole
simulation ``year``, with columns ``ghi``, ``dni``, ``dhi`` [W/m², mean over the hour],
``temp_air`` [°C] and ``wind_speed`` [m/s]. ``meta`` holds ``latitude``, ``longitude``,
``altitude`` and ``source``.

Modules: :mod:`.synthetic` (climatology and the offline generator), :mod:`.readers` (weather
files, CSV writer, :func:`roll_to_year`), :mod:`.fetch` (PVGIS download); this package's
:func:`load_weather` is the entry point, cached by content (:mod:`greenkommon._cache`).

Sources
-------
``synthetic`` (default, offline)
    A stochastic hourly year generated from twelve monthly irradiation sums and mean
    temperatures stored in ``weather/`` (see :func:`synthetic_weather`). One seed = one
    plausible year; many seeds = many years for the uncertainty work.
``file``
    A weather file: PVGIS TMY (csv/json/epw), PVGIS hourly series (csv/json), EnergyPlus EPW,
    TMY3, the French RT2012 reference years (BuildSysPro Modelica tables) or a plain CSV
    (:func:`read_weather_csv`). Typical years (several source years, UTC or standard time) are
    rolled onto the simulation year in local time (:func:`roll_to_year`).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import pandas as pd

from ..config.weather import WEATHER_FORMATS, WEATHER_SOURCES, WeatherConfig  # noqa: F401
from ..errors import DataError, GreenkommonWarning

# re-exported: the package's public names (and the private ones the tests check)
from .fetch import fetch_pvgis  # noqa: F401
from .readers import (  # noqa: F401
    CSV_TIME_COLUMNS,
    WEATHER_COLUMNS,
    read_epw_file,
    read_pvgis_hourly,
    read_pvgis_tmy,
    read_rt2012,
    read_tmy3_file,
    read_weather_csv,
    read_weather_file,
    roll_to_year,
    write_weather_csv,
)
from .synthetic import (  # noqa: F401
    DAILY_KT_LAG1,
    DEFAULT_CLIMATOLOGY,
    ERBS_TEMPERATURE_COEFFS,
    HOLLANDS_HUGET_KT_MAX,
    INTERANNUAL_MAX_FILL,
    KT_UPPER_FACTOR,
    WEATHER_DIR,
    Climatology,
    _hollands_huget_lambda,
    _hollands_huget_ppf,
    _sky_geometry,
    hourly_index,
    interannual_factors,
    load_climatology,
    synthetic_weather,
    synthetic_weather_for_seed,
)


# ---------------------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------------------
def load_weather(
    config: WeatherConfig,
    latitude_deg: float,
    longitude_deg: float,
    altitude_m: float,
    year: int,
    tz: str = "Europe/Paris",
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Hourly weather of the simulation year at the plant.

    Parameters
    ----------
    config : WeatherConfig
    latitude_deg, longitude_deg : float
        Plant location [°].
    altitude_m : float
        Plant altitude [m].
    year : int
        Simulation year.
    tz : str
        IANA time zone of the labels.

    Returns
    -------
    data : pandas.DataFrame
        Hourly frame, interval-start labels in ``tz``, columns :data:`WEATHER_COLUMNS`
        (irradiances [W/m²] as hour means, ``temp_air`` [°C], ``wind_speed`` [m/s]).
    meta : dict
        ``latitude``, ``longitude``, ``altitude`` (of the weather data), ``source`` and, for
        files, ``file`` and ``format``.

    Notes
    -----
    Cached by content (:mod:`greenkommon._cache`): the same settings, site, year and files give
    the stored frame without recomputing the sun's course.
    """
    from .._cache import cached

    climatology = (
        (config.climatology or DEFAULT_CLIMATOLOGY) if config.source == "synthetic" else None
    )
    return cached(
        "weather",
        (config, climatology, latitude_deg, longitude_deg, altitude_m, year, tz),
        lambda: _load_weather(config, latitude_deg, longitude_deg, altitude_m, year, tz),
    )


def _load_weather(
    config: WeatherConfig,
    latitude_deg: float,
    longitude_deg: float,
    altitude_m: float,
    year: int,
    tz: str,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """:func:`load_weather` without the cache."""
    if config.source == "synthetic":
        clim = load_climatology(config.climatology or DEFAULT_CLIMATOLOGY)
        data = synthetic_weather(
            latitude_deg,
            longitude_deg,
            altitude_m,
            year,
            tz,
            seed=config.seed,
            climatology=clim,
            decomposition=config.decomposition,
            interannual=config.interannual_variability,
            annual_sd_pct=config.interannual_sd_pct,
        )
        # the typical year keeps its historical label (reports quote it)
        kind = "synthetic sampled year" if config.interannual_variability else "synthetic"
        meta = {
            "latitude": latitude_deg,
            "longitude": longitude_deg,
            "altitude": altitude_m,
            "source": f"{kind} (seed {config.seed}, climatology {clim.name})",
            "climatology_source": clim.source,
        }
        if config.interannual_variability:
            sd = clim.annual_sd_pct(config.interannual_sd_pct)
            meta["interannual_sd_pct"] = sd
            meta["interannual_source"] = (
                "scenario [weather].interannual_sd_pct"
                if config.interannual_sd_pct is not None
                else clim.interannual_source
            )
        return data, meta
    if config.file is None:  # pragma: no cover - guarded by WeatherConfig
        raise DataError("weather.file: expected a weather file for source = 'file'")
    data, meta = read_weather_file(config.file, config.format)
    data = roll_to_year(data, year, tz, what=str(config.file))
    meta = dict(meta)
    meta.setdefault("latitude", latitude_deg)
    meta.setdefault("longitude", longitude_deg)
    meta.setdefault("altitude", altitude_m)
    _warn_if_far(meta, latitude_deg, longitude_deg, str(config.file))
    return data, meta


def _warn_if_far(meta: dict[str, Any], lat: float, lon: float, what: str) -> None:
    try:
        dlat = abs(float(meta["latitude"]) - lat)
        dlon = abs(float(meta["longitude"]) - lon) * math.cos(math.radians(lat))
    except (KeyError, TypeError, ValueError):
        return
    km = 111.2 * math.hypot(dlat, dlon)
    if km > 50:
        warnings.warn(
            f"{what}: weather location is {km:.0f} km from the plant",
            GreenkommonWarning,
            stacklevel=3,
        )


__all__ = [
    "Climatology",
    "fetch_pvgis",
    "write_weather_csv",
    "WeatherConfig",
    "hourly_index",
    "interannual_factors",
    "load_climatology",
    "load_weather",
    "read_epw_file",
    "read_pvgis_hourly",
    "read_pvgis_tmy",
    "read_rt2012",
    "read_tmy3_file",
    "read_weather_csv",
    "read_weather_file",
    "roll_to_year",
    "synthetic_weather",
    "synthetic_weather_for_seed",
]
