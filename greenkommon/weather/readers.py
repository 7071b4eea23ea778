"""Weather file readers (PVGIS TMY and hourly series, EPW, TMY3, RT2012, plain CSV), the CSV
writer, and the placing of a year of data on the simulation year."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._io import atomic_write
from .._pvlib import quiet_pvlib
from ..config.weather import WEATHER_FORMATS, WEATHER_SOURCES, WeatherConfig  # noqa: F401
from ..errors import DataError, GreenkommonWarning
from .synthetic import hourly_index

#: Columns of every weather frame the package returns.
WEATHER_COLUMNS = ("ghi", "dni", "dhi", "temp_air", "wind_speed")


# ---------------------------------------------------------------------------------------------
# file readers
# ---------------------------------------------------------------------------------------------
def _finish_frame(data: pd.DataFrame, what: str) -> pd.DataFrame:
    missing = [c for c in ("ghi", "dni", "dhi", "temp_air") if c not in data]
    if missing:
        raise DataError(f"{what}: missing column(s) {', '.join(missing)}")
    out = pd.DataFrame(index=data.index.rename("interval_start"))
    for col in WEATHER_COLUMNS:
        if col in data:
            out[col] = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype=float)
        elif col == "wind_speed":
            warnings.warn(f"{what}: no wind speed, using 1 m/s", GreenkommonWarning, stacklevel=3)
            out[col] = 1.0
    if out[["ghi", "dni", "dhi"]].isna().any().any():
        n = int(out[["ghi", "dni", "dhi"]].isna().any(axis=1).sum())
        warnings.warn(
            f"{what}: {n} hour(s) with missing irradiance set to 0",
            GreenkommonWarning,
            stacklevel=3,
        )
        out[["ghi", "dni", "dhi"]] = out[["ghi", "dni", "dhi"]].fillna(0.0)
    if out[["temp_air", "wind_speed"]].isna().any().any():
        out[["temp_air", "wind_speed"]] = out[["temp_air", "wind_speed"]].interpolate(
            limit_direction="both"
        )
    for col in ("ghi", "dni", "dhi"):
        if (out[col] < -1.0).any():
            raise DataError(
                f"{what}: negative {col} at {out.index[(out[col] < -1.0).to_numpy()][0]}"
            )
        out[col] = out[col].clip(lower=0.0)
    return out


def _pvgis_location(meta: Any) -> tuple[Any, Any, Any]:
    """Latitude, longitude, elevation from any PVGIS metadata layout (json, csv, epw)."""
    if not isinstance(meta, dict):
        return None, None, None
    inputs = meta.get("inputs", meta)
    loc = inputs.get("location", inputs) if isinstance(inputs, dict) else {}
    return (
        loc.get("latitude", meta.get("latitude")),
        loc.get("longitude", meta.get("longitude")),
        loc.get("elevation", meta.get("altitude")),
    )


def _pvgis_components_to_horizontal(
    data: pd.DataFrame, meta: Any, lat: Any, lon: Any, what: str
) -> pd.DataFrame:
    """GHI/DNI/DHI from PVGIS hourly components of a horizontal plane (``Gb(i)``, ``Gd(i)``, ``Gr(i)``)."""
    import pvlib

    if "ghi" in data and "dni" in data and "dhi" in data:
        return data
    if not all(c in data for c in ("poa_direct", "poa_sky_diffuse")):
        raise DataError(
            f"{what}: PVGIS hourly data without irradiance components (request components=1)"
        )
    inputs = meta.get("inputs", {}) if isinstance(meta, dict) else {}
    mounting = inputs.get("mounting_system", {}) if isinstance(inputs, dict) else {}
    tilt = (
        next((v for k, v in inputs.items() if str(k).lower() == "slope"), None)
        if isinstance(inputs, dict)
        else None
    )
    for v in mounting.values() if isinstance(mounting, dict) else ():
        if isinstance(v, dict) and "slope" in v:
            slope = v["slope"]
            tilt = slope.get("value") if isinstance(slope, dict) else slope
    try:
        tilt_val = float(str(tilt).split()[0]) if tilt is not None else 0.0
    except ValueError:
        tilt_val = 0.0
    if tilt_val != 0.0:
        raise DataError(
            f"{what}: PVGIS hourly data on a tilted plane ({tilt_val:g} deg): download it for a horizontal plane (angle=0)"
        )
    if lat is None or lon is None:
        raise DataError(f"{what}: PVGIS hourly data without latitude/longitude")
    beam = data["poa_direct"].astype(float)
    diffuse = data["poa_sky_diffuse"].astype(float)
    if "poa_ground_diffuse" in data:
        diffuse = diffuse + data["poa_ground_diffuse"].astype(float)
    out = data.copy()
    out["ghi"] = beam + diffuse
    out["dhi"] = diffuse
    mid = out.index.floor("h") + pd.Timedelta(minutes=30)
    sp = pvlib.solarposition.get_solarposition(mid, float(lat), float(lon))
    cos_z = np.cos(np.radians(sp["zenith"].to_numpy()))
    out["dni"] = np.where(cos_z > 0.065, beam.to_numpy() / np.maximum(cos_z, 0.065), 0.0)
    return out


def _file_meta(
    latitude: Any,
    longitude: Any,
    altitude: Any,
    source: str,
    path: Path,
    fmt: str,
    *,
    typical_year: bool,
    **extra: Any,
) -> dict[str, Any]:
    """The metadata dict every weather-file reader returns (location, source, file, format)."""
    return {
        "latitude": latitude,
        "longitude": longitude,
        "altitude": altitude,
        "source": source,
        "file": str(path),
        "format": fmt,
        "typical_year": typical_year,
        **extra,
    }


@quiet_pvlib
def read_pvgis_tmy(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """PVGIS typical meteorological year (csv, json or epw) through :mod:`pvlib.iotools`.

    PVGIS time stamps are UTC; each row is taken as the hour starting at its label. The result
    keeps its mixed source years: use :func:`roll_to_year` to place it on a simulation year.
    """
    import pvlib

    path = Path(path)
    try:
        data, meta = pvlib.iotools.read_pvgis_tmy(path, map_variables=True)[:2]
    except Exception as exc:  # pvlib raises bare ValueError/KeyError on malformed files
        raise DataError(f"{path}: not a readable PVGIS TMY file ({exc})") from None
    lat, lon, alt = _pvgis_location(meta)
    if data.index.tz is None:
        data.index = data.index.tz_localize("UTC")
    out = _finish_frame(data, str(path))
    out.index = out.index.floor("h")
    return out, _file_meta(lat, lon, alt, "PVGIS TMY", path, "pvgis_tmy", typical_year=True)


@quiet_pvlib
def read_pvgis_hourly(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """PVGIS hourly radiation series (csv or json, with ``components``) via pvlib.

    Notes
    -----
    PVGIS series give, at ``HH:MM`` (e.g. ``HH:10`` for SARAH), the irradiance of the hour
    ``HH:00–HH+1:00`` [#]_; labels are floored to the hour (interval start, UTC). ``ghi`` is
    ``poa_direct + poa_sky_diffuse + poa_ground_diffuse`` of a horizontal plane when the file
    holds components (``Gb(i)``, ``Gd(i)``, ``Gr(i)``); DNI = beam / cos(zenith).

    .. [#] PVGIS user manual, "Hourly radiation": values are hourly averages.
    """
    import pvlib

    path = Path(path)
    try:
        data, meta = pvlib.iotools.read_pvgis_hourly(path, map_variables=True)[:2]
    except Exception as exc:
        raise DataError(f"{path}: not a readable PVGIS hourly file ({exc})") from None
    if data.index.tz is None:
        data.index = data.index.tz_localize("UTC")
    lat, lon, alt = _pvgis_location(meta)
    data = _pvgis_components_to_horizontal(data, meta, lat, lon, str(path))
    out = _finish_frame(data, str(path))
    out.index = out.index.floor("h")
    return out, _file_meta(lat, lon, alt, "PVGIS hourly", path, "pvgis_hourly", typical_year=False)


@quiet_pvlib
def read_epw_file(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """EnergyPlus EPW via :func:`pvlib.iotools.read_epw`.

    EPW rows are labelled by hour *end* (1..24) in local standard time; pvlib already labels
    them by interval start (hour − 1), which is kept. EPW files are typical years (mixed
    source years).
    """
    import pvlib

    path = Path(path)
    try:
        data, meta = pvlib.iotools.read_epw(path)
    except Exception as exc:
        raise DataError(f"{path}: not a readable EPW file ({exc})") from None
    out = _finish_frame(data, str(path))
    return out, _file_meta(
        meta.get("latitude"),
        meta.get("longitude"),
        meta.get("altitude"),
        f"EPW {meta.get('city', '')}".strip(),
        path,
        "epw",
        typical_year=True,
    )


@quiet_pvlib
def read_tmy3_file(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """NREL TMY3 csv via :func:`pvlib.iotools.read_tmy3` (hour-ending labels moved to start)."""
    import pvlib

    path = Path(path)
    try:
        data, meta = pvlib.iotools.read_tmy3(path, map_variables=True)
    except Exception as exc:
        raise DataError(f"{path}: not a readable TMY3 file ({exc})") from None
    data = data.copy()
    data.index = data.index - pd.Timedelta(hours=1)
    out = _finish_frame(data, str(path))
    return out, _file_meta(
        meta.get("latitude"),
        meta.get("longitude"),
        meta.get("altitude"),
        f"TMY3 {meta.get('Name', '')}".strip(),
        path,
        "tmy3",
        typical_year=True,
    )


@quiet_pvlib
def read_rt2012(
    path: str | Path, year: int = 2001, time_reference: str = "auto"
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """French RT2012 reference year (BuildSysPro Modelica ``CombiTable``).

    Parameters
    ----------
    path : path
        ``RT2012_<zone>_<station>.txt``: 8760 rows ``Time(s)`` (mid-hour stamps),
        ``FDIRN`` (DNI), ``FDIFH`` (DHI) [W/m²], ``Tdry`` [°C], ..., ``WindSpeed`` [m/s], ...,
        ``Lat``, ``Lon`` [°].
    year : int
        Nominal (non-leap) year given to the typical year; roll it with :func:`roll_to_year`.
    time_reference : {'auto', 'solar', 'standard'}
        Time base of ``Time(s)``: ``solar`` = true solar time (what the BuildSysPro README
        states), ``standard`` = French standard time UTC+1 (no DST); ``auto`` picks the one
        that puts the irradiance-weighted mean hour angle closest to solar noon.

    Returns
    -------
    data, meta
        Hourly frame in UTC, interval-start labels (clock hours); ``typical_year`` True;
        ``meta['time_reference']`` tells which time base was used.

    Notes
    -----
    GHI = DNI · cos(zenith) + DHI, with the zenith at the record's mid-hour. Each record is the
    mean over one hour [h, h+1) of the file's time base; true solar time = UTC + λ/15 h + EoT
    (Spencer 1971 equation of time, λ east-positive). The piecewise-constant series is
    re-averaged onto UTC clock hours by integrating it (energy is conserved exactly).

    The H1a Trappes file shipped with BuildSysPro is, despite its README, in standard time: its
    diffuse-weighted diurnal centroid sits at 13:00 ± the equation of time (UTC+1), not at
    12:00 every month as true solar time would give; ``auto`` detects this.
    """
    import pvlib

    if time_reference not in ("auto", "solar", "standard"):
        raise DataError(
            f"time_reference = {time_reference!r}: expected 'auto', 'solar' or 'standard'"
        )
    path = Path(path)
    try:
        raw = np.loadtxt(path, dtype=float, ndmin=2, usecols=range(12), **_rt2012_skip(path))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: not a readable RT2012 table ({exc})") from None
    if raw.shape[0] != 8760:
        raise DataError(f"{path}: expected 8760 hourly rows, got {raw.shape[0]}")
    t_mid = raw[:, 0]
    if not np.allclose(np.diff(t_mid), 3600.0):
        raise DataError(f"{path}: Time(s) column is not hourly")
    lat, lon = float(raw[0, 10]), float(raw[0, 11])
    start = pd.Timestamp(year=year, month=1, day=1, tz="UTC")
    file_mid = start + pd.to_timedelta(t_mid, unit="s")
    doy = file_mid.day_of_year.to_numpy()
    eot_min = np.asarray(pvlib.solarposition.equation_of_time_spencer71(doy))
    candidates = {
        "solar": file_mid - pd.to_timedelta(lon * 4.0 + eot_min, unit="min"),
        "standard": file_mid - pd.Timedelta(hours=1),
    }
    if time_reference == "auto":
        dhi_w = raw[:, 2]

        def centroid_deg(times: pd.DatetimeIndex) -> float:
            ha = pvlib.solarposition.hour_angle(times, lon, eot_min)
            return abs(float(np.sum(dhi_w * ha) / np.sum(dhi_w)))

        time_reference = min(candidates, key=lambda k: centroid_deg(candidates[k]))
    utc_mid = candidates[time_reference]
    sp = pvlib.solarposition.get_solarposition(utc_mid, lat, lon)
    cos_z = np.clip(np.cos(np.radians(sp["zenith"].to_numpy())), 0.0, None)
    dni, dhi = raw[:, 1], raw[:, 2]
    ghi = dni * cos_z + dhi
    cols = {"ghi": ghi, "dni": dni, "dhi": dhi, "temp_air": raw[:, 3], "wind_speed": raw[:, 8]}
    # integrate piecewise-constant solar-hour records onto clock hours
    hour = pd.Timedelta(hours=1)
    rec_start = ((utc_mid - pd.Timedelta(minutes=30)) - start) / hour  # hours since 1 Jan 00:00 UTC
    rec_start = np.asarray(rec_start, dtype=float)
    edges = np.concatenate([rec_start, [rec_start[-1] + 1.0]])
    out_index = pd.date_range(start, periods=8760, freq="1h", name="interval_start")
    out_edges = np.arange(8761, dtype=float)
    resampled = {}
    for name, val in cols.items():
        # wrap the typical year circularly so the first and last clock hours are complete
        e = np.concatenate([edges[-2:-1] - 8760.0, edges, edges[1:2] + 8760.0])
        v = np.concatenate([val[-1:], val, val[:1]])
        cum = np.concatenate([[0.0], np.cumsum(v * np.diff(e))])
        c_out = np.interp(out_edges, e, cum)
        resampled[name] = np.diff(c_out) / np.diff(out_edges)
    data = pd.DataFrame(resampled, index=out_index)
    data = _finish_frame(data, str(path))
    return data, _file_meta(
        lat,
        lon,
        0.0,
        f"RT2012 {path.stem}",
        path,
        "rt2012",
        typical_year=True,
        time_reference=time_reference,
    )


def _rt2012_skip(path: Path) -> dict[str, Any]:
    with path.open("r", encoding="latin-1") as fh:
        for i, line in enumerate(fh):
            s = line.strip()
            if s and (s[0].isdigit() or s[0] == "-") and len(s.split()) >= 12:
                return {"skiprows": i, "encoding": "latin-1"}
            if i > 200:
                break
    raise DataError(
        f"{path}: no numeric table found (expected a Modelica 'double data(8760,12)' table)"
    )


#: Column names accepted by :func:`read_weather_csv` (first match wins).
CSV_TIME_COLUMNS = ("time", "timestamp", "interval_start", "datetime")


@quiet_pvlib
def read_weather_csv(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Plain CSV weather file.

    Format: comma-separated, one header row, hourly rows; columns

    - ``time``: ISO 8601 start of the hour **with** its UTC offset (``2026-06-01T12:00+02:00``)
      or in UTC (``...Z``);
    - ``ghi``, ``dni``, ``dhi`` [W/m², mean over the hour] (one of the three may be omitted and
      is completed by GHI = DNI·cos(zenith) + DHI when ``latitude``/``longitude`` are given);
    - ``temp_air`` [°C], ``wind_speed`` [m/s] (optional, default 1 m/s).

    Optional comment lines before the header, ``# latitude = 48.9``, ``# longitude = 2.37``,
    ``# altitude = 35``, ``# source = ...``, give the metadata.
    """
    path = Path(path)
    meta: dict[str, Any] = {
        "source": f"CSV {path.name}",
        "file": str(path),
        "format": "csv",
        "typical_year": False,
    }
    skip = 0
    with path.open("r", encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            skip += 1
            m = re.match(r"#\s*(\w+)\s*[=:]\s*(.+)", line.strip())
            if m:
                key, val = m.group(1).lower(), m.group(2).strip()
                if key in ("latitude", "longitude", "altitude"):
                    try:
                        meta[key] = float(val)
                    except ValueError:
                        raise DataError(
                            f"{path}: line {skip}: {key} = {val!r}: expected a number"
                        ) from None
                elif key in ("source", "typical_year"):
                    meta[key] = val if key == "source" else val.lower() in ("1", "true", "yes")
    try:
        df = pd.read_csv(path, skiprows=skip)
    except Exception as exc:
        raise DataError(f"{path}: not a readable CSV ({exc})") from None
    df.columns = [c.strip().lower() for c in df.columns]
    tcol = next((c for c in CSV_TIME_COLUMNS if c in df.columns), None)
    if tcol is None:
        raise DataError(f"{path}: no time column (expected one of {', '.join(CSV_TIME_COLUMNS)})")
    try:
        idx = pd.DatetimeIndex(pd.to_datetime(df[tcol], utc=True, format="ISO8601"))
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"{path}: column {tcol}: expected ISO 8601 times with UTC offset ({exc})"
        ) from None
    if not df[tcol].astype(str).str.contains(r"(?:Z|[+-]\d\d:?\d\d)$").all():
        raise DataError(
            f"{path}: column {tcol}: every time needs its UTC offset (e.g. +01:00) or Z"
        )
    df.index = idx.rename("interval_start")
    df = df.drop(columns=[tcol])
    if (
        len(df) > 1
        and idx.is_monotonic_increasing
        and (idx[1:] - idx[:-1]).min() < pd.Timedelta(hours=1)
    ):
        # sub-hourly records (interval start): hour means, the package's weather resolution
        df = df.apply(pd.to_numeric, errors="coerce").resample("1h").mean()
    have = [c for c in ("ghi", "dni", "dhi") if c in df]
    if len(have) == 2:
        import pvlib

        if "latitude" not in meta or "longitude" not in meta:
            raise DataError(
                f"{path}: two irradiance columns only: give # latitude and # longitude to complete the third"
            )
        sp = pvlib.solarposition.get_solarposition(
            df.index + pd.Timedelta(minutes=30), meta["latitude"], meta["longitude"]
        )
        cos_z = np.clip(np.cos(np.radians(sp["zenith"].to_numpy())), 0.0, None)
        if "ghi" not in df:
            df["ghi"] = df["dni"] * cos_z + df["dhi"]
        elif "dni" not in df:
            df["dni"] = np.where(
                cos_z > 0.065, (df["ghi"] - df["dhi"]).clip(lower=0) / np.maximum(cos_z, 0.065), 0.0
            )
        else:
            df["dhi"] = (df["ghi"] - df["dni"] * cos_z).clip(lower=0)
    if "wind_speed" not in df:
        df["wind_speed"] = 1.0
    return _finish_frame(df, str(path)), meta


def _sniff_format(path: Path) -> str:
    ext = path.suffix.lower()
    with path.open("r", encoding="latin-1", errors="replace") as fh:
        head = fh.read(4000)
    if ext == ".epw":
        return "pvgis_tmy" if "PVGIS" in head.split("\n", 1)[0] else "epw"
    if ext == ".json":
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: invalid JSON ({exc})") from None
        outputs = doc.get("outputs", {}) if isinstance(doc, dict) else {}
        if "tmy_hourly" in outputs:
            return "pvgis_tmy"
        if "hourly" in outputs:
            return "pvgis_hourly"
        raise DataError(f"{path}: JSON file is neither a PVGIS TMY nor a PVGIS hourly series")
    if "double data(8760" in head or "CombiTable" in head or head.lstrip().startswith("#1"):
        return "rt2012"
    if "time(UTC)" in head and ("T2m" in head or "G(h)" in head):
        return "pvgis_tmy" if "Gb(n)" in head else "pvgis_hourly"
    if "time,G(i)" in head or "time,Gb(i)" in head or "time,Gb(n)" in head:
        return "pvgis_hourly"
    first = head.split("\n", 1)[0]
    if len(first.split(",")) in (6, 7) and "Date (MM/DD/YYYY)" in head:
        return "tmy3"
    return "csv"


def read_weather_file(path: str | Path, fmt: str = "auto") -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read any supported weather file (see :data:`WEATHER_FORMATS`).

    Returns the file's own hourly frame (tz-aware, interval-start labels, possibly a typical
    year with mixed source years) and its metadata. :func:`load_weather` rolls it onto the
    simulation year.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: weather file not found")
    if fmt == "auto":
        fmt = _sniff_format(path)
    readers = {
        "pvgis_tmy": read_pvgis_tmy,
        "pvgis_hourly": read_pvgis_hourly,
        "epw": read_epw_file,
        "tmy3": read_tmy3_file,
        "rt2012": read_rt2012,
        "csv": read_weather_csv,
    }
    if fmt not in readers:
        raise DataError(f"{path}: format {fmt!r}: expected one of {', '.join(WEATHER_FORMATS)}")
    return readers[fmt](path)


def write_weather_csv(data: pd.DataFrame, meta: dict[str, Any], path: str | Path) -> Path:
    """Write a weather frame in the plain CSV format of :func:`read_weather_csv` (atomically)."""

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"# {k} = {meta[k]}"
        for k in ("latitude", "longitude", "altitude", "source", "typical_year")
        if meta.get(k) is not None
    ]
    frame = data[list(WEATHER_COLUMNS)].copy()
    frame.index = pd.Index([t.isoformat() for t in frame.index], name="time")

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write("\n".join(lines) + "\n")
            frame.to_csv(fh, float_format="%.3f", lineterminator="\n")

    return atomic_write(path, write)


# ---------------------------------------------------------------------------------------------
# placing a year of data on the simulation year
# ---------------------------------------------------------------------------------------------
def roll_to_year(
    data: pd.DataFrame, year: int, tz: str = "Europe/Paris", what: str = "weather"
) -> pd.DataFrame:
    """Place an hourly weather year on the local calendar ``year``.

    Parameters
    ----------
    data : pandas.DataFrame
        Hourly, tz-aware (any fixed offset or UTC), interval-start labels. Either a real series
        that covers the local ``year`` (it is then simply converted) or a typical year (8760
        or 8784 rows, possibly with mixed source years, e.g. a PVGIS TMY in UTC or an EPW in
        standard time).
    year : int
        Target local calendar year.
    tz : str
        Target time zone.

    Returns
    -------
    pandas.DataFrame
        Exactly the hours of :func:`hourly_index` ``(year, tz)``.

    Notes
    -----
    Each target hour takes the record with the same (month, day, hour) in the data's own time
    reference (the offset of its labels), so the sun stays where the data put it: a TMY in UTC
    keeps its UTC hours, and local clock time (with DST) is only a relabelling. 29 February of
    a leap target year reuses 28 February; a leap source's 29 February is dropped otherwise.
    The local year starts at 00:00 local, i.e. on the previous UTC day: those hours wrap to
    the end of the typical year (31 December).
    """
    target = hourly_index(year, tz)
    if not isinstance(data.index, pd.DatetimeIndex) or data.index.tz is None:
        raise DataError(f"{what}: weather index must be tz-aware")
    data = data[~data.index.duplicated(keep="first")].sort_index()
    utc_target = target.tz_convert("UTC")
    if data.index[0] <= utc_target[0] and data.index[-1] >= utc_target[-1]:
        sel = data.reindex(utc_target.tz_convert(data.index.tz))
        if not sel.isna().any().any():
            sel.index = target
            return sel
    # typical year: match (month, day, hour) in the data's own offset
    src_tz = data.index.tz
    if len(data) > 8784:
        # a multi-year series that does not cover the target year: use its latest complete year
        counts = data.index.year.value_counts()
        complete = sorted(int(y) for y, n in counts.items() if n >= 8760)
        if not complete:
            raise DataError(
                f"{what}: {len(data)} hourly records but no complete calendar year to use for {year}"
            )
        keep = complete[-1]
        warnings.warn(
            f"{what}: the series does not cover {year}; using its year {keep} as a typical year",
            GreenkommonWarning,
            stacklevel=2,
        )
        data = data[data.index.year == keep]
    key_src = data.index.month * 10000 + data.index.day * 100 + data.index.hour
    if pd.Index(key_src).has_duplicates:
        raise DataError(
            f"{what}: several records for the same month/day/hour: not a single typical year"
        )
    lookup = pd.Series(np.arange(len(data)), index=key_src)
    tgt_local = target.tz_convert(src_tz)
    month, day, hour = (
        tgt_local.month.to_numpy(),
        tgt_local.day.to_numpy(),
        tgt_local.hour.to_numpy(),
    )
    if not ((data.index.month == 2) & (data.index.day == 29)).any():
        day = np.where((month == 2) & (day == 29), 28, day)
    # local year's first hours fall on 31 Dec of the previous year in the source frame
    key_tgt = month * 10000 + day * 100 + hour
    pos = lookup.reindex(key_tgt).to_numpy()
    if np.isnan(pos).any():
        first = target[np.isnan(pos)][0]
        raise DataError(
            f"{what}: no data for {first.isoformat()} (month/day/hour missing in the typical year)"
        )
    out = data.iloc[pos.astype(int)].copy()
    out.index = target
    return out
