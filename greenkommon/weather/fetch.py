"""Download of a PVGIS year (the only network access of the package, on request)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._pvlib import quiet_pvlib
from ..config.weather import WEATHER_FORMATS, WEATHER_SOURCES, WeatherConfig  # noqa: F401
from ..errors import DataError
from .readers import _finish_frame, _pvgis_components_to_horizontal, _pvgis_location


@quiet_pvlib
def fetch_pvgis(
    latitude_deg: float,
    longitude_deg: float,
    years: tuple[int, int] | None = None,
    timeout_s: float = 30.0,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Download a PVGIS TMY (``years=None``) or hourly series with pvlib's PVGIS client.

    Raises
    ------
    DataError
        One line when PVGIS cannot be reached (offline machine) or refuses the request.
    """
    import pvlib
    import requests

    try:
        if years is None:
            data, meta = pvlib.iotools.get_pvgis_tmy(
                latitude_deg,
                longitude_deg,
                outputformat="json",
                map_variables=True,
                timeout=timeout_s,
            )
            kind, typical = "PVGIS TMY", True
        else:
            data, meta = pvlib.iotools.get_pvgis_hourly(
                latitude_deg,
                longitude_deg,
                start=int(years[0]),
                end=int(years[1]),
                components=True,
                surface_tilt=0,
                outputformat="json",
                map_variables=True,
                timeout=timeout_s,
            )
            kind, typical = f"PVGIS hourly {years[0]}-{years[1]}", False
    except requests.exceptions.ConnectionError:
        raise DataError(
            "PVGIS is unreachable (no internet connection?): use source = 'synthetic' or a weather file"
        ) from None
    except requests.exceptions.RequestException as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(
            f"PVGIS request failed for lat={latitude_deg}, lon={longitude_deg}: {msg}"
        ) from None
    lat, lon, alt = _pvgis_location(meta)
    if data.index.tz is None:
        data.index = data.index.tz_localize("UTC")
    data = _pvgis_components_to_horizontal(data, meta, lat, lon, kind)
    out = _finish_frame(data, kind)
    out.index = out.index.floor("h")
    db = (
        meta.get("inputs", {}).get("meteo_data", {}).get("radiation_db", "")
        if isinstance(meta, dict)
        else ""
    )
    return out, {
        "latitude": lat if lat is not None else latitude_deg,
        "longitude": lon if lon is not None else longitude_deg,
        "altitude": alt,
        "source": f"{kind} {db}".strip(),
        "typical_year": typical,
    }
