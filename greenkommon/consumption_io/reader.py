"""One entry point for every layout: :func:`read_load_curve` detects the format, runs its reader and
turns the raw rows into checked intervals (timestamps, values, steps, duplicates, plausibility)."""

from __future__ import annotations

import math
import re
import warnings
from datetime import date
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from ..errors import GreenkommonWarning
from ..prm import redact
from ._common import (
    _ATOM_S,
    INPUT_STEPS_MINUTES,
    UNIT_FACTORS,
    _csv_rows,
    _display,
    _err,
    _norm,
    _Raw,
    _read_text,
    _sniff_separator,
    _split,
)
from .portal import _parse_portal
from .table import _parse_table
from .xlsx import _parse_xlsx


def _detect_format(lines: list[str], name: str) -> str:
    first_idx = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first_idx is None:
        raise _err(f"{name}: file is empty: expected a load curve")
    first = lines[first_idx]
    if first.lstrip().startswith("#"):
        return "greenkommon" if "greenkommon" in first.lower() else "generic"
    head = [_norm(c) for c in _split(first, ";")]
    if (
        head
        and head[0] in ("identifiant prm", "prm")
        and "horodate" not in head
        and "date de la mesure" not in head
    ):
        return "enedis_portal"
    if "horodate" in head or "date de la mesure" in head or "grandeur metier" in head:
        return "enedis_r63"
    return "generic"


def _parse_csv(
    path: Path, fmt: str, unit_opt: str | None, timestamp_opt: str, encoding: str | None
) -> _Raw:
    name = _display(path)
    text, enc = _read_text(path, encoding)
    lines = text.splitlines()
    if fmt == "auto":
        fmt = _detect_format(lines, name)
    if fmt == "enedis_portal":
        raw = _parse_portal(lines, name, unit_opt)
    else:
        idx = next(
            i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")
        )
        sep = _sniff_separator(lines[idx], name, idx + 1)
        header = [c.strip() for c in _split(lines[idx], sep)]
        if fmt == "greenkommon":
            unit_opt, timestamp_opt = unit_opt or "kWh", timestamp_opt
        raw = _parse_table(
            header,
            _csv_rows(lines, idx + 1, sep),
            name,
            fmt,
            unit_opt=unit_opt,
            timestamp_opt=timestamp_opt,
            header_line=idx + 1,
        )
        raw.meta["separator"] = sep
    raw.meta["encoding"] = enc
    return raw


# ------------------------------------------------------------------------------------------------
# From raw rows to intervals
# ------------------------------------------------------------------------------------------------

_OFFSET_RE = re.compile(r"(Z|[+-]\d\d:?\d\d)$")


def _parse_timestamps(raw: _Raw, tz: str) -> pd.DatetimeIndex:
    texts = [t.strip() for t in raw.timestamps]
    lines = raw.lines
    for t, ln in zip(texts, lines, strict=True):
        if not t:
            raise _err(f"{raw.file}: line {ln}: empty timestamp")
    aware = np.array([bool(_OFFSET_RE.search(t)) for t in texts])
    if aware.any() and not aware.all():
        k = int(np.argmin(aware)) if aware[0] else int(np.argmax(aware))
        raise _err(
            f"{raw.file}: line {lines[k]}: timestamp {texts[k]!r}: mixed timestamps with and without UTC offset"
        )
    if aware.all():
        parsed = pd.to_datetime(pd.Series(texts), format="ISO8601", utc=True, errors="coerce")
        _first_bad(
            parsed, texts, raw, "an ISO 8601 timestamp with offset (2021-03-28T03:00:00+02:00)"
        )
        return pd.DatetimeIndex(parsed).tz_convert(tz)
    parsed = None
    for fmt in ("ISO8601", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        attempt = pd.to_datetime(pd.Series(texts), format=fmt, errors="coerce")
        if parsed is None or attempt.notna().sum() > parsed.notna().sum():
            parsed = attempt
        if attempt.notna().all():
            break
    _first_bad(parsed, texts, raw, "a date and time (2023-03-13 00:30:00 or 13/03/2023 00:30)")
    return _localize(pd.DatetimeIndex(parsed), tz, raw)


def _first_bad(parsed: pd.Series, texts: list[str], raw: _Raw, expected: str) -> None:
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if len(bad):
        k = int(bad[0])
        raise _err(f"{raw.file}: line {raw.lines[k]}: timestamp {texts[k]!r}: expected {expected}")


def _localize(naive: pd.DatetimeIndex, tz: str, raw: _Raw) -> pd.DatetimeIndex:
    """Local wall times → tz-aware, with the explicit DST rules of the module docstring."""
    probe = naive.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    bad = np.flatnonzero(probe.isna())
    if not len(bad):
        return probe
    as_dst = naive.tz_localize(tz, ambiguous=True, nonexistent="NaT")
    nonexistent = np.flatnonzero(as_dst.isna())
    if len(nonexistent):
        k = int(nonexistent[0])
        raise _err(
            f"{raw.file}: line {raw.lines[k]}: local time {naive[k]} does not exist in {tz} (clocks jump forward "
            "that night): expected a time outside the spring-forward hour, or timestamps with UTC offset"
        )
    is_dst = np.ones(len(naive), dtype=bool)
    seen_max: dict[date, pd.Timestamp] = {}
    passed: set[date] = set()
    for k in map(int, bad):  # file order
        wall = naive[k]
        day = wall.date()
        if day in passed or (day in seen_max and wall <= seen_max[day]):
            passed.add(day)
            is_dst[k] = False
        seen_max[day] = max(wall, seen_max.get(day, wall))
    return naive.tz_localize(tz, ambiguous=is_dst)


def _parse_values(raw: _Raw) -> np.ndarray:
    texts = raw.values
    out = np.empty(len(texts))
    for k, v in enumerate(texts):
        if isinstance(v, int | float) and not isinstance(v, bool):
            x = float(v)
        elif v == "" or v is None:
            x = math.nan
        else:
            s = str(v).strip().replace("\u00a0", "").replace(" ", "")
            if s.count(",") == 1 and "." not in s:
                s = s.replace(",", ".")  # decimal comma of French exports
            try:
                x = float(s)
            except ValueError:
                raise _err(
                    f"{raw.file}: line {raw.lines[k]}: value {str(v)!r} is not a number: expected a number >= 0"
                ) from None
            if not math.isfinite(x):
                raise _err(
                    f"{raw.file}: line {raw.lines[k]}: value {str(v)!r}: expected a finite number >= 0"
                )
        if x < 0:
            raise _err(
                f"{raw.file}: line {raw.lines[k]}: value {str(v)!r} is negative: expected consumption >= 0 "
                "(an injection or production curve?)"
            )
        out[k] = x
    return out


def _infer_steps(
    times_s: np.ndarray, declared: list[int | None], convention: str, raw: _Raw
) -> np.ndarray:
    steps = np.array([d if d is not None else 0 for d in declared], dtype=np.int64)
    todo = steps == 0
    if not todo.any():
        return steps
    uniq = np.unique(times_s)
    diffs = np.diff(uniq) // 60
    valid = np.isin(diffs, INPUT_STEPS_MINUTES)
    if not valid.any():
        k = int(np.flatnonzero(todo)[0])
        raise _err(
            f"{raw.file}: line {raw.lines[k]}: cannot infer the time step from the timestamps: declare it (Pas / step)"
        )
    vals, counts = np.unique(diffs[valid], return_counts=True)
    mode = int(vals[np.argmax(counts)])
    n = len(uniq)
    back = np.full(n, -1, dtype=np.int64)  # diff to the previous timestamp
    fwd = np.full(n, -1, dtype=np.int64)  # diff to the next timestamp
    back[1:] = np.where(valid, diffs, -1)
    fwd[:-1] = np.where(valid, diffs, -1)
    # primary: the diff that spans the row's own interval (end labels: back; start labels: fwd)
    primary, secondary = (back, fwd) if convention == "end" else (fwd, back)
    # the primary diff is trusted when it continues the previous row's step (a regime) or matches
    # the diff on the other side; a lone larger diff is a missing row, not a longer step: take the
    # smaller valid diff. Rows are visited in the primary direction so "previous" is resolved.
    big = np.iinfo(np.int64).max
    smallest = np.minimum(
        np.where(primary > 0, primary, big), np.where(secondary > 0, secondary, big)
    )
    fallback = np.where(smallest < big, smallest, mode)
    per_uniq = np.empty(n, dtype=np.int64)
    order = range(n) if convention == "end" else range(n - 1, -1, -1)
    prev = -1
    p_list, s_list, f_list = primary.tolist(), secondary.tolist(), fallback.tolist()
    for i in order:
        p = p_list[i]
        step = p if p > 0 and (p == prev or p == s_list[i]) else f_list[i]
        per_uniq[i] = step
        prev = step
    pos = np.searchsorted(uniq, times_s)
    steps[todo] = per_uniq[pos[todo]]
    return steps


def _raw_to_frame(raw: _Raw, tz: str) -> pd.DataFrame:
    if not raw.lines:
        raise _err(f"{raw.file}: no measurement rows: expected a load curve")
    stamps = _parse_timestamps(raw, tz)
    values = _parse_values(raw)
    t_s = stamps.as_unit("s").asi8
    steps = _infer_steps(t_s, raw.steps, raw.convention, raw)
    start_s = t_s - steps * 60 if raw.convention == "end" else t_s
    off = np.flatnonzero(start_s % _ATOM_S)
    if len(off):
        k = int(off[0])
        raise _err(
            f"{raw.file}: line {raw.lines[k]}: timestamp {raw.timestamps[k]!r} is not on a 5-minute boundary"
        )
    units = cast(
        list[str], raw.units
    )  # the parsers resolve every unit (or raise) before this point
    kind = np.array([UNIT_FACTORS[u][0] for u in units])
    factor = np.array([UNIT_FACTORS[u][1] for u in units])
    energy = np.where(kind == "power", values * factor * steps / 60.0, values * factor)
    start = pd.DatetimeIndex(pd.to_datetime(start_s, unit="s", utc=True)).tz_convert(tz)
    frame = pd.DataFrame(
        {
            "energy_kwh": energy,
            "power_kw": energy / (steps / 60.0),
            "step_minutes": steps,
            "line": np.asarray(raw.lines, dtype=np.int64),
            "filled": np.asarray(raw.flags, dtype=bool),
            "file": raw.file,
        },
        index=start.rename("interval_start"),
    )
    return frame.sort_index(kind="stable")


def _resolve_duplicates(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Drop identical duplicates, raise on conflicting ones and on overlaps. Frame sorted by start."""
    start = frame.index.as_unit("s").asi8
    end = start + frame["step_minutes"].to_numpy() * 60
    energy = frame["energy_kwh"].to_numpy()
    keep = np.ones(len(frame), dtype=bool)
    same = np.flatnonzero(start[1:] == start[:-1])
    for k in map(int, same + 1):
        j = k - 1
        while not keep[j]:
            j -= 1
        a, b = energy[j], energy[k]
        if end[j] != end[k] or (
            not math.isnan(a) and not math.isnan(b) and abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b))
        ):
            raise _err(
                f"{frame['file'].iat[j]}: line {frame['line'].iat[j]} and {frame['file'].iat[k]}: line {frame['line'].iat[k]}: "
                f"duplicated interval starting {frame.index[k].isoformat()} with different values "
                f"({_fmt_kwh(a)} vs {_fmt_kwh(b)}): expected one value per interval"
            )
        if math.isnan(a):  # keep the measured one
            keep[j] = False
        else:
            keep[k] = False
    dropped = int((~keep).sum())
    kept = frame[keep]
    ks = start[keep]
    ke = end[keep]
    overlap = np.flatnonzero(ks[1:] < ke[:-1])
    if len(overlap):
        j, k = int(overlap[0]), int(overlap[0]) + 1
        raise _err(
            f"{kept['file'].iat[j]}: line {kept['line'].iat[j]} and {kept['file'].iat[k]}: line {kept['line'].iat[k]}: "
            f"overlapping intervals ({kept.index[j].isoformat()} + {kept['step_minutes'].iat[j]} min and "
            f"{kept.index[k].isoformat()}): expected non-overlapping measurements"
        )
    return kept, dropped


def _fmt_kwh(x: float) -> str:
    return "missing" if math.isnan(x) else f"{x:.6g} kWh"


#: Plausible peak power of a venue's meter [kW]. Below 0.2 kW, values declared in W are most
#: likely kW (a venue peaking under 200 kW, read as W, peaks under 200 W): a warning. Above
#: 100 MW, values are W declared as kW or corrupt (a sanity bound): an error.
PLAUSIBLE_PEAK_KW = (0.2, 1e5)


def _check_power_plausible(frame: pd.DataFrame, units: list[str], name: str) -> None:
    """Warn when a curve declared in W peaks below :data:`PLAUSIBLE_PEAK_KW` (kW read as W) and
    refuse one whose peak exceeds it (W read as kW, or a corrupt value)."""
    power = frame["power_kw"].to_numpy(dtype=float)
    power = power[np.isfinite(power)]
    if not power.size:
        return
    peak = float(power.max())
    low, high = PLAUSIBLE_PEAK_KW
    if peak > high:
        k = int(np.nanargmax(frame["power_kw"].to_numpy(dtype=float)))
        raise _err(
            f"{name}: line {frame['line'].iat[k]}: average power {peak:,.0f} kW "
            f"(unit {'/'.join(sorted(set(units)))}): expected at most {high:,.0f} kW for a venue's "
            "meter; check the unit (values in W declared as kW are 1000x too large)"
        )
    if peak < low and "W" in units:
        warnings.warn(
            redact(
                f"{name}: values declared in W peak at {1000 * peak:,.1f} W: expected a venue to "
                f"draw more than {1000 * low:,.0f} W; if they are kW, declare unit = 'kW' "
                "(--unit kW), else they are 1000x too small"
            ),
            GreenkommonWarning,
            stacklevel=4,
        )


def read_load_curve(
    path: str | Path,
    *,
    format: str = "auto",
    unit: str | None = None,
    timestamp: str = "auto",
    tz: str = "Europe/Paris",
    encoding: str | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read one load-curve file (Enedis export or generic CSV).

    Parameters
    ----------
    path : str or Path
        The file (``.csv``/``.txt`` or ``.xlsx``).
    format : {'auto', 'enedis_portal', 'enedis_r63', 'enedis_xlsx', 'generic', 'greenkommon'}
        File layout (``auto`` sniffs it).
    unit : {'W', 'kW', 'Wh', 'kWh'}, optional
        Unit of the values when the file does not declare it.
    timestamp : {'auto', 'start', 'end'}
        Interval convention of the timestamps (``auto``: Enedis formats end, others start).
    tz : str
        Time zone of the output labels and of local times without offset.
    encoding : str, optional
        Text encoding; by default UTF-8, then cp1252/latin-1.

    Returns
    -------
    data : pandas.DataFrame
        Index ``interval_start`` (tz-aware, sorted, unique); columns ``energy_kwh`` [kWh in the
        interval, NaN where the file has no value], ``power_kw`` [average kW], ``step_minutes``,
        ``line`` (line in the file) and ``file``.
    meta : dict
        ``format``, ``file``, ``convention``, ``units``, ``steps_minutes``, ``rows``,
        ``missing_values``, ``duplicates_dropped``, ``dropped_rows`` (other quantities), ``prm``
        (list of :class:`MeterId`, printed redacted), ``encoding``.

    Raises
    ------
    DataError
        Empty or unreadable file, wrong separator, text in a numeric column, negative value,
        unknown unit or step, nonexistent local time, conflicting duplicates: one line naming
        file, line and value (meter ids redacted).
    """
    path = Path(path)
    fmt = format
    if fmt not in ("auto", "enedis_portal", "enedis_r63", "enedis_xlsx", "generic", "greenkommon"):
        raise _err(
            f"format = {fmt!r}: expected auto, enedis_portal, enedis_r63, enedis_xlsx, generic or greenkommon"
        )
    if unit is not None and unit not in UNIT_FACTORS:
        raise _err(f"unit = {unit!r}: expected W, kW, Wh or kWh")
    if not path.is_file():
        raise _err(f"{_display(path)}: no such file")
    is_zip = path.read_bytes()[:2] == b"PK"
    if fmt == "enedis_xlsx" or (
        fmt == "auto" and (is_zip or path.suffix.lower() in (".xlsx", ".xlsm"))
    ):
        raw = _parse_xlsx(path, unit, timestamp)
    else:
        raw = _parse_csv(path, fmt, unit, timestamp, encoding)
    frame = _raw_to_frame(raw, tz)
    frame, dropped = _resolve_duplicates(frame)
    _check_power_plausible(frame, cast(list[str], raw.units), raw.file)
    meta = {
        "format": raw.fmt,
        "file": raw.file,
        "convention": raw.convention,
        "units": sorted(set(cast(list[str], raw.units))),  # resolved by the parsers
        "steps_minutes": sorted({int(s) for s in frame["step_minutes"]}),
        "rows": len(raw.lines),
        "missing_values": int(frame["energy_kwh"].isna().sum()),
        "duplicates_dropped": dropped,
        **raw.meta,
    }
    return frame, meta
