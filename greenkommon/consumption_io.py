"""Measured load curves in: Enedis exports and generic CSV, checked and put on the simulation grid.

Public entry points (re-exported by :mod:`greenkommon.consumption`):

- :func:`read_enedis_load_curve` ``(path) -> (data, meta)``, in the style of ``pvlib.iotools``: one
  file, native step, interval-start tz-aware index, energy per interval.
- :func:`import_load_curves` ``(paths, ...) -> LoadImport``: many files of one venue stitched,
  duplicates and gaps resolved, resampled to the simulation step conserving energy, optionally
  aligned onto the simulation year.
- :func:`write_load_csv`: the ``greenkommon`` CSV (what ``greenkommon load import`` writes and what
  ``load_file`` reads back).

Formats (see ``../shared/reference/acc-rules.md`` §5)
------------------------------------------------------
``enedis_portal``
    Customer-portal / SGE "historique de mesures" CSV: a metadata header line (``Identifiant
    PRM;Type de donnees;...;Unite;Pas en minutes``) and its values, then ``Horodate;Valeur`` and one
    line per point: ISO timestamps with UTC offset marking the END of the interval, average power
    in W (C4 exports leave ``Unite`` empty: W is assumed, with a warning), empty value = missing.
    The step may change inside a file; several blocks in one file are accepted.
``enedis_r63``
    Data-hub layout, one row per measure (``Identifiant PRM;Date de début;Date de fin;Grandeur
    physique;Grandeur métier;Etape métier;Unité;Horodate;Valeur;Nature;Pas;...``), interval-end
    timestamps (with or without offset), ``Pas`` as ``PT30M``. Only active consumption rows
    (``Grandeur métier`` CONS, ``Grandeur physique`` PA/EA) are kept. The variant with separate
    ``Date de la mesure;Heure de la mesure`` columns is accepted too.
``enedis_xlsx``
    Spreadsheet exports (typically 7-day chunks: pass all the files of a venue). The header row is
    found by its column names (``Horodate``/``Date``..., ``Valeur``/``Puissance``...), the unit by a
    ``Unité`` column, a unit in the value header (``Valeur (W)``) or a ``Unité`` cell above the
    table. The exact layout of these exports could not be checked against an Enedis sample
    (UNCONFIRMED): interval-end timestamps are assumed like every C5 export.
``generic``
    Any CSV (``;``, ``,`` or tab) with a timestamp column and a value column; the unit comes from
    the header (``energy_kwh``, ``power_w``, ``value (kWh)``), a ``unit`` column or the ``unit``
    option. Timestamps are interval-start unless ``timestamp='end'``.
``greenkommon``
    The output of ``greenkommon load import`` (``interval_start,energy_kwh,filled``, kWh,
    interval-start with offsets).

Conventions and rules
---------------------
- Units: W and kW are average power over the step (``E = P Δt``), Wh and kWh energy per interval.
- Steps: 5, 10, 15, 30 and 60 min, declared (``Pas``) or inferred row by row from consecutive
  timestamps: the difference spanning the row's interval is trusted when it repeats or matches the
  difference on the other side, otherwise the smaller of the two is taken (a missing row leaves a
  gap instead of stretching its neighbour). A file may change step; a segment of a single row
  between two other steps cannot be inferred reliably (declare the step).
- Local times without offset: a time that does not exist (spring-forward hour) is an error; an
  ambiguous time of the October night is resolved by file order: the first occurrence of a wall
  time is summer time (UTC+2), a repeated or backwards wall time marks the clock change and every
  later ambiguous time of that night is winter time (UTC+1). (If every summer-time row of the
  repeated hour is missing, the winter rows cannot be told apart from wall times alone: prefer
  exports with UTC offsets.)
- Resampling: every interval is split into 5-minute atoms of equal energy, atoms are summed into
  the simulation intervals. Energy is conserved exactly; an interval only partly measured counts
  as missing.
- Duplicates: identical rows (same interval, same energy to 1e-9 relative) are dropped and counted;
  the same interval with different values is an error naming both rows; partly overlapping
  intervals are an error.
- Gaps: runs of missing intervals up to ``max_gap_hours`` are filled by linear interpolation of
  the energy per interval between the measured neighbours (i.e. of the average power); longer
  runs, or a missing share above ``max_missing_pct``, raise unless ``fill_gaps`` is set, which
  fills them with the typical week: the mean of the same interval 1-4 weeks before and after,
  else of the same weekday and clock time over the whole record. Filled intervals are flagged.
- Alignment onto another year: each simulation day takes a measured day of the same weekday at
  the same time of year (nearest year first); a public holiday takes the same holiday of the
  measured year, a normal day never takes a measured holiday (holidays moved). Clock times are
  matched in local time (a 25-hour day repeats the 02:00 hour, a 23-hour day skips it).
- Meter ids (PRM, 14 digits) never appear in messages or outputs unless :data:`SHOW_PRM` is set
  (``--show-prm``); file names are redacted too, as Enedis puts the PRM in them.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from ._io import atomic_write_text
from .errors import DataError, GreenkommonWarning
from .prm import MeterId, redact
from .timegrid import step_minutes as _grid_step_minutes

#: Steps accepted in input files [min]; 5 min is the atom of the energy-conserving resampler.
INPUT_STEPS_MINUTES = (5, 10, 15, 30, 60)
_ATOM_S = 300

#: Unit → (kind, factor to kWh or kW).
UNIT_FACTORS: dict[str, tuple[str, float]] = {
    "W": ("power", 1e-3),
    "kW": ("power", 1.0),
    "Wh": ("energy", 1e-3),
    "kWh": ("energy", 1.0),
}

#: Column names of the supported formats (normalised: lower case, no accents, single spaces)
#: → canonical variable.
VARIABLE_MAP: dict[str, str] = {
    "identifiant prm": "prm",
    "prm": "prm",
    "point de livraison": "prm",
    "horodate": "timestamp",
    "horodatage": "timestamp",
    "date et heure": "timestamp",
    "date/heure": "timestamp",
    "date heure": "timestamp",
    "timestamp": "timestamp",
    "datetime": "timestamp",
    "time": "timestamp",
    "interval_start": "interval_start",
    "interval_end": "interval_end",
    "debut": "interval_start",
    "fin": "interval_end",
    "date": "date",
    "date de la mesure": "date",
    "heure": "clock",
    "heure de la mesure": "clock",
    "valeur": "value",
    "value": "value",
    "puissance": "value",
    "puissance moyenne": "value",
    "consommation": "value",
    "energie": "value",
    "energy": "value",
    "power": "value",
    "unite": "unit",
    "unit": "unit",
    "pas": "step",
    "pas en minutes": "step",
    "step": "step",
    "grandeur metier": "business_quantity",
    "grandeur physique": "physical_quantity",
    "type de donnees": "data_type",
    "filled": "filled",
}

#: Value columns that carry their unit in the name.
_UNIT_IN_NAME = {
    "energy_kwh": "kWh",
    "energy_wh": "Wh",
    "power_kw": "kW",
    "power_w": "W",
    "value_kwh": "kWh",
    "value_wh": "Wh",
    "value_kw": "kW",
    "value_w": "W",
    "kwh": "kWh",
    "wh": "Wh",
    "kw": "kW",
    "w": "W",
}


def _err(msg: str) -> DataError:
    return DataError(redact(msg))


def _norm(name: Any) -> str:
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return " ".join(text.strip().strip('"').lower().split())


def _canonical(name: Any) -> tuple[str | None, str | None]:
    """(canonical variable, unit declared in the name) of a header cell."""
    n = _norm(name)
    unit = None
    m = re.match(r"^(.*?)\s*[\(\[]\s*(k?wh?)\s*[\)\]]$", n)
    if m:
        n, unit = m.group(1), _unit_from_text(m.group(2))
    if n in _UNIT_IN_NAME:
        return "value", _UNIT_IN_NAME[n]
    return VARIABLE_MAP.get(n), unit


def _unit_from_text(text: str) -> str | None:
    t = text.strip().replace(" ", "")
    for u in UNIT_FACTORS:
        if t.lower() == u.lower():
            return u
    return None


# ------------------------------------------------------------------------------------------------
# Raw rows: what each format parser produces before the common conversion
# ------------------------------------------------------------------------------------------------


@dataclass
class _Raw:
    file: str
    fmt: str
    convention: str  # 'start' or 'end'
    lines: list[int] = field(default_factory=list)
    timestamps: list[str] = field(default_factory=list)
    values: list[str | float] = field(default_factory=list)  # text, or numbers read from xlsx cells
    units: list[str | None] = field(default_factory=list)
    steps: list[int | None] = field(default_factory=list)
    flags: list[bool] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def add(
        self,
        line: int,
        ts: str,
        value: str | float,
        unit: str | None,
        step: int | None,
        flag: bool = False,
    ) -> None:
        self.flags.append(flag)
        self.lines.append(line)
        self.timestamps.append(ts)
        self.values.append(value)
        self.units.append(unit)
        self.steps.append(step)


def _display(path: Path | str) -> str:
    return redact(str(path))


def _read_text(path: Path, encoding: str | None) -> tuple[str, str]:
    name = _display(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _err(f"{name}: cannot read: {exc.strerror}") from None
    if not data.strip():
        raise _err(f"{name}: file is empty: expected a load curve")
    if b"\x00" in data[:4096]:
        raise _err(
            f"{name}: not a text file (binary, or UTF-16 text): expected a CSV export in UTF-8 or latin-1"
        )
    encodings = [encoding] if encoding else ["utf-8-sig", "cp1252", "latin-1"]
    for enc in encodings:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as exc:
            if encoding:
                line = data[: exc.start].count(b"\n") + 1
                bad = data[exc.start : exc.end]
                raise _err(
                    f"{name}: line {line}: byte {bad!r} is not valid {encoding}: expected {encoding} text "
                    "(Enedis exports are often latin-1: try --encoding latin-1)"
                ) from None
        except LookupError:
            raise _err(f"{name}: unknown encoding {encoding!r}") from None
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _sniff_separator(line: str, name: str, lineno: int) -> str:
    counts = {sep: line.count(sep) for sep in (";", "\t", ",")}
    sep = max(counts, key=lambda s: counts[s])
    if counts[sep] == 0:
        raise _err(
            f"{name}: line {lineno}: {line[:60]!r} has no ';', ',' or tab separator: expected a CSV load curve"
        )
    return sep


def _split(line: str, sep: str) -> list[str]:
    return next(csv.reader([line], delimiter=sep))


def _step_from_text(text: str, name: str, lineno: int) -> int | None:
    t = text.strip().upper()
    if not t:
        return None
    m = re.fullmatch(r"(?:PT)?(\d+)\s*(M|MIN)?", t) or re.fullmatch(r"PT(\d+)H", t)
    if not m:
        raise _err(
            f"{name}: line {lineno}: step {text!r}: expected minutes (30) or an ISO duration (PT30M)"
        )
    minutes = int(m.group(1)) * (60 if t.endswith("H") else 1)
    if minutes not in INPUT_STEPS_MINUTES:
        raise _err(
            f"{name}: line {lineno}: step {text!r}: expected one of {INPUT_STEPS_MINUTES} minutes"
        )
    return minutes


def _unit_cell(text: str | None, name: str, lineno: int) -> str | None:
    if text is None or not text.strip():
        return None
    unit = _unit_from_text(text)
    if unit is None:
        raise _err(
            f"{name}: line {lineno}: unit {text.strip()!r}: expected W, kW, Wh or kWh (active power or energy)"
        )
    return unit


# -- format: customer portal / SGE HDM ------------------------------------------------------------


def _parse_portal(lines: list[str], name: str, unit_opt: str | None = None) -> _Raw:
    raw = _Raw(name, "enedis_portal", "end")
    unit: str | None = None
    step: int | None = None
    meta_header: list[str] | None = None
    in_data = False
    prms: set[str] = set()
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in _split(line, ";")]
        first = _norm(cells[0])
        if first in ("identifiant prm", "prm"):
            meta_header = [_norm(c) for c in cells]
            in_data = False
            continue
        if meta_header is not None and not in_data and first not in ("horodate",):
            info = dict(zip(meta_header, cells, strict=False))
            if info.get("identifiant prm") or info.get("prm"):
                prms.add(info.get("identifiant prm") or info.get("prm", ""))
            unit = _unit_cell(info.get("unite"), name, i)
            step = _step_from_text(info.get("pas en minutes", ""), name, i)
            kind = _norm(info.get("grandeur metier", ""))
            if kind and kind not in ("consommation", "cons"):
                raise _err(
                    f"{name}: line {i}: grandeur metier {info['grandeur metier']!r}: expected a consumption curve"
                )
            meta_header = None
            continue
        if first == "horodate":
            in_data = True
            if len(cells) < 2 or _norm(cells[1]) not in ("valeur", "value"):
                raise _err(f"{name}: line {i}: {line[:60]!r}: expected 'Horodate;Valeur'")
            continue
        if not in_data:
            raise _err(
                f"{name}: line {i}: {line[:60]!r}: expected the 'Horodate;Valeur' header of an Enedis load curve"
            )
        if len(cells) > 2 and any(c for c in cells[2:]):
            raise _err(f"{name}: line {i}: {line[:60]!r}: expected two fields 'timestamp;value'")
        raw.add(i, cells[0], cells[1] if len(cells) > 1 else "", unit, step)
    if any(u is None for u in raw.units) and unit_opt is None:
        warnings.warn(
            redact(f"{name}: no unit declared: assuming average power in W (Enedis C4 exports)"),
            GreenkommonWarning,
            stacklevel=4,
        )
    raw.units = [u or unit_opt or "W" for u in raw.units]
    prms.discard("")
    if len(prms) > 1:
        raise _err(
            f"{name}: the file holds {len(prms)} different meters: expected one venue's curve per import"
        )
    raw.meta["prm"] = [MeterId(p) for p in sorted(prms)]
    return raw


# -- tabular formats (R63, generic, greenkommon, xlsx) ---------------------------------------------


def _parse_table(
    header: list[Any],
    rows: Iterable[tuple[int, list[Any]]],
    name: str,
    fmt: str,
    *,
    unit_opt: str | None,
    timestamp_opt: str,
    header_line: int,
    unit_above: str | None = None,
) -> _Raw:
    cols: dict[str, int] = {}
    value_unit = None
    for j, cell in enumerate(header):
        var, unit = _canonical(cell)
        if var and var not in cols:
            cols[var] = j
            if var == "value" and unit:
                value_unit = unit
    has_ts = (
        "timestamp" in cols or "interval_start" in cols or "interval_end" in cols or "date" in cols
    )
    if "value" not in cols and fmt == "generic" and len(header) >= 2:
        # a bare two-column file: first timestamps, second values
        var, unit = _canonical(header[1])
        cols.setdefault("value", 1)
        value_unit = value_unit or unit
    if not has_ts and fmt == "generic" and header:
        cols["timestamp"] = 0
        has_ts = True
    if not has_ts or "value" not in cols:
        raise _err(
            f"{name}: line {header_line}: header {[str(h) for h in header][:8]}: expected a timestamp column "
            "(Horodate, Date, timestamp, interval_start) and a value column (Valeur, value, energy_kwh, ...)"
        )
    if "interval_start" in cols:
        ts_col, convention = cols["interval_start"], "start"
    elif "interval_end" in cols:
        ts_col, convention = cols["interval_end"], "end"
    elif "timestamp" in cols:
        ts_col = cols["timestamp"]
        convention = "end" if fmt in ("enedis_r63", "enedis_xlsx") else "start"
    else:
        ts_col, convention = (
            cols["date"],
            "end" if fmt in ("enedis_r63", "enedis_xlsx") else "start",
        )
    if timestamp_opt in ("start", "end"):
        convention = timestamp_opt
    clock_col = (
        cols.get("clock") if "timestamp" not in cols and "interval_start" not in cols else None
    )
    raw = _Raw(name, fmt, convention)
    unit_col, step_col, flag_col = cols.get("unit"), cols.get("step"), cols.get("filled")
    bq_col, pq_col, prm_col = (
        cols.get("business_quantity"),
        cols.get("physical_quantity"),
        cols.get("prm"),
    )
    fixed_unit = value_unit or unit_above or unit_opt
    prms: set[str] = set()
    dropped = 0
    ncols = len(header)
    for lineno, cells in rows:
        cells = ["" if c is None or (isinstance(c, float) and math.isnan(c)) else c for c in cells]
        if not any(str(c).strip() for c in cells):
            continue
        if len(cells) < ncols and fmt != "enedis_xlsx":
            raise _err(
                f"{name}: line {lineno}: {len(cells)} field(s) where the header has {ncols}: wrong separator or truncated line?"
            )

        def cell(j: int | None, cells: list[Any] = cells) -> str:
            return str(cells[j]).strip() if j is not None and j < len(cells) else ""

        if bq_col is not None and _norm(cell(bq_col)) not in ("", "cons", "consommation"):
            dropped += 1
            continue
        if pq_col is not None and _norm(cell(pq_col)) not in (
            "",
            "pa",
            "ea",
            "energie active",
            "puissance active",
        ):
            dropped += 1
            continue
        if prm_col is not None and cell(prm_col):
            prms.add(cell(prm_col))
        ts = cells[ts_col]
        if isinstance(ts, pd.Timestamp | np.datetime64) or hasattr(ts, "isoformat"):
            ts = pd.Timestamp(ts).isoformat()
        ts = str(ts).strip()
        if clock_col is not None:
            clk = cells[clock_col]
            clk = clk.isoformat() if hasattr(clk, "isoformat") else str(clk).strip()
            ts = f"{ts.split('T')[0].split(' ')[0]} {clk}"
        unit = _unit_cell(cell(unit_col), name, lineno) if unit_col is not None else None
        unit = unit or fixed_unit
        if unit is None:
            raise _err(
                f"{name}: line {header_line}: no unit declared for the values: expected a unit in the header "
                "(energy_kwh, 'Valeur (W)'), a unit column or the unit option (W, kW, Wh, kWh)"
            )
        step = _step_from_text(cell(step_col), name, lineno) if step_col is not None else None
        value = cells[cols["value"]]
        raw.add(
            lineno,
            ts,
            value if isinstance(value, int | float) else str(value).strip(),
            unit,
            step,
            flag=_norm(cell(flag_col)) in ("1", "true", "yes", "oui"),
        )
    if len(prms) > 1:
        raise _err(
            f"{name}: the file holds {len(prms)} different meters: expected one venue's curve per import"
        )
    raw.meta["prm"] = [MeterId(p) for p in sorted(prms)]
    raw.meta["dropped_rows"] = dropped
    return raw


def _csv_rows(lines: list[str], start: int, sep: str) -> Iterable[tuple[int, list[str]]]:
    for i in range(start, len(lines)):
        if lines[i].strip():
            yield i + 1, _split(lines[i], sep)


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


def _parse_xlsx(path: Path, unit_opt: str | None, timestamp_opt: str) -> _Raw:
    name = _display(path)
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise _err(f"{name}: not a readable .xlsx workbook ({type(exc).__name__})") from None
    for sheet, frame in sheets.items():
        rows = frame.to_numpy().tolist()
        unit_above = None
        for r, row in enumerate(rows):
            cells = [
                c for c in row if c is not None and not (isinstance(c, float) and math.isnan(c))
            ]
            normed = [_norm(c) for c in cells]
            if "unite" in normed:
                k = normed.index("unite")
                if k + 1 < len(cells):
                    unit_above = _unit_from_text(str(cells[k + 1])) or unit_above
            vars_ = {_canonical(c)[0] for c in row}
            if vars_ & {"timestamp", "date", "interval_start", "interval_end"} and "value" in vars_:
                body = ((r + 2 + k, list(rw)) for k, rw in enumerate(rows[r + 1 :]))
                raw = _parse_table(
                    list(row),
                    body,
                    f"{name} [{sheet}]",
                    "enedis_xlsx",
                    unit_opt=unit_opt,
                    timestamp_opt=timestamp_opt,
                    header_line=r + 1,
                    unit_above=unit_above,
                )
                raw.file = name
                raw.meta["sheet"] = sheet
                return raw
    raise _err(
        f"{name}: no sheet with a timestamp column and a value column (Horodate/Date and Valeur/Puissance)"
    )


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


def read_enedis_load_curve(
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
        As returned by :func:`read_enedis_load_curve` (non-overlapping intervals).
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
    step_h = (energy.index[1] - energy.index[0]).total_seconds() / 3600 if len(energy) > 1 else 0.5
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
    step = energy.index[1] - energy.index[0] if len(energy) > 1 else pd.Timedelta(minutes=30)
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


# ------------------------------------------------------------------------------------------------
# Import (many files of one venue) and the greenkommon CSV
# ------------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """Counts of one venue's import (printed by ``greenkommon load import``; no meter id)."""

    venue: str
    files: int = 0
    rows: int = 0
    formats: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    steps_minutes: list[int] = field(default_factory=list)
    missing_values: int = 0
    duplicates_dropped: int = 0
    dropped_rows: int = 0
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    measured_kwh: float = 0.0
    gaps: GapReport = field(default_factory=GapReport)
    aligned: dict[str, Any] | None = None
    meters: list[MeterId] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Printable summary; meter ids show as ``<PRM>`` unless :data:`SHOW_PRM` is set."""
        g = self.gaps
        out = [
            f"{self.venue}: {self.files} file(s), {self.rows} row(s), format {', '.join(self.formats)}, "
            f"unit {', '.join(self.units)}, step {', '.join(map(str, self.steps_minutes))} min",
            f"  measured {self.first.isoformat() if self.first is not None else '-'} to "
            f"{self.last.isoformat() if self.last is not None else '-'}: {self.measured_kwh:,.3f} kWh",
            f"  duplicates dropped {self.duplicates_dropped}, empty values {self.missing_values}, "
            f"other quantities dropped {self.dropped_rows}",
            f"  missing intervals {g.missing_intervals} of {g.intervals} ({g.missing_pct:.2f} %) in {len(g.gaps)} gap(s): "
            f"{g.interpolated_intervals} interpolated, {g.typical_week_intervals} from the typical week",
        ]
        if self.meters:
            out.append(f"  meter {', '.join(str(m) for m in self.meters)}")
        if self.aligned is not None:
            out.append(
                f"  aligned onto {self.aligned['target_year']}: measured year(s) {self.aligned['source_years']}, "
                f"{self.aligned['moved_days']} day(s) moved, {self.aligned['unmatched_days']} day(s) filled"
            )
        return out


@dataclass
class LoadImport:
    """Result of :func:`import_load_curves`."""

    energy_kwh: pd.Series
    filled: pd.Series
    report: ImportReport


def import_load_curves(
    paths: Sequence[str | Path],
    *,
    venue: str = "venue",
    step: str = "30min",
    tz: str = "Europe/Paris",
    index: pd.DatetimeIndex | None = None,
    format: str = "auto",
    unit: str | None = None,
    timestamp: str = "auto",
    encoding: str | None = None,
    fill_gaps: bool = False,
    max_gap_hours: float = 2.0,
    max_missing_pct: float = 5.0,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> LoadImport:
    """Read, stitch, check, resample (and optionally align) one venue's load-curve files.

    Parameters
    ----------
    paths : sequence of path
        The venue's files, in any order (e.g. 7-day spreadsheet chunks).
    venue : str
        Name used in messages and in the report.
    step : {'15min', '30min', '1h'}
        Output step.
    index : pandas.DatetimeIndex, optional
        A simulation grid (same step) to align the curve onto; default: the measured span.
    format, unit, timestamp, encoding
        See :func:`read_enedis_load_curve`.
    fill_gaps, max_gap_hours, max_missing_pct
        Gap rules (module docstring).
    progress : callable, optional
        Wraps the file iterable (e.g. ``tqdm``).

    Returns
    -------
    LoadImport
        ``energy_kwh`` [kWh per interval], ``filled`` flags, ``report``.
    """
    if not paths:
        raise _err(f"{venue}: no load-curve file given")
    report = ImportReport(venue=venue)
    frames = []
    prms: set[MeterId] = set()
    iterable: Iterable[Any] = progress(paths) if progress else paths
    for p in iterable:
        data, meta = read_enedis_load_curve(
            p, format=format, unit=unit, timestamp=timestamp, tz=tz, encoding=encoding
        )
        frames.append(data)
        report.files += 1
        report.rows += meta["rows"]
        report.missing_values += meta["missing_values"]
        report.duplicates_dropped += meta["duplicates_dropped"]
        report.dropped_rows += meta.get("dropped_rows", 0)
        report.formats = sorted(set(report.formats) | {meta["format"]})
        report.units = sorted(set(report.units) | set(meta["units"]))
        prms.update(meta.get("prm", []))
    if len(prms) > 1:
        raise _err(
            f"{venue}: the files come from {len(prms)} different meters: expected one venue's meter"
        )
    report.meters = sorted(prms, key=MeterId.reveal)
    frame = pd.concat(frames).sort_index(kind="stable")
    frame, dropped = _resolve_duplicates(frame)
    report.duplicates_dropped += dropped
    report.steps_minutes = sorted({int(s) for s in frame["step_minutes"]})
    report.measured_kwh = float(np.nansum(frame["energy_kwh"].to_numpy()))
    energy, complete = resample_energy(frame, step, tz)
    # intervals already flagged as filled in the input (a greenkommon CSV) stay flagged
    flag_frame = frame.assign(energy_kwh=frame["filled"].to_numpy(dtype=float))
    input_flags = resample_energy(flag_frame, step, tz)[0].fillna(0.0) > 0
    # trim partly measured edges, then fill what is missing inside
    ok = np.flatnonzero(complete.to_numpy())
    if not len(ok):
        raise _err(f"{venue}: no complete {step} interval in the data: expected measurements")
    energy = energy.iloc[ok[0] : ok[-1] + 1]
    report.first, report.last = energy.index[0], energy.index[-1]
    energy, flags, gaps = fill_missing(
        energy,
        max_gap_hours=max_gap_hours,
        max_missing_pct=max_missing_pct,
        fill_long=fill_gaps,
        what=venue,
    )
    report.gaps = gaps
    flags = flags | input_flags.reindex(energy.index, fill_value=False)
    if index is not None:
        if _grid_step_minutes(step) * 60 != (index[1] - index[0]).total_seconds():
            raise _err(f"{venue}: step {step!r} differs from the simulation grid")
        energy, flags, info = align_to_index(energy, flags, index, fill_long=fill_gaps, what=venue)
        info["target_year"] = int(index[len(index) // 2].year)
        report.aligned = info
    return LoadImport(
        energy_kwh=energy.rename("energy_kwh"), filled=flags.rename("filled"), report=report
    )


def _index_step(index: pd.DatetimeIndex) -> str:
    minutes = int((index[1] - index[0]).total_seconds() // 60)
    return {15: "15min", 30: "30min", 60: "1h"}.get(minutes, f"{minutes}min")


def measured_consumption(load: Any, index: pd.DatetimeIndex, *, name: str = "venue") -> pd.Series:
    """A venue's measured curve on ``index`` [kWh per interval] (``load_file`` of a LoadConfig).

    Filled intervals are announced by a :class:`GreenkommonWarning`; with
    ``rescale_to_annual_kwh`` the curve is rescaled to that total, announced the same way.
    """
    result = import_load_curves(
        list(load.load_files) or [load.load_file],
        venue=name,
        step=_index_step(index),
        tz=str(index.tz),
        index=index,
        format=load.load_format,
        unit=load.unit,
        timestamp=load.timestamp,
        fill_gaps=load.fill_gaps,
        max_gap_hours=load.max_gap_hours,
        max_missing_pct=load.max_missing_pct,
    )
    energy = result.energy_kwh
    n_filled = int(result.filled.sum())
    if n_filled:
        warnings.warn(
            f"{name}: {n_filled} interval(s) ({energy[result.filled].sum():,.1f} kWh) of the load curve were filled",
            GreenkommonWarning,
            stacklevel=3,
        )
    target = getattr(load, "rescale_to_annual_kwh", None)
    if target is not None:
        total = float(energy.sum())
        if total <= 0:
            raise _err(
                f"{name}: the measured curve sums to 0 kWh: cannot rescale it to rescale_to_annual_kwh"
            )
        # a measured curve changed by the user's choice: always said, with both totals
        warnings.warn(
            f"{name}: measured curve ({total:,.0f} kWh) rescaled to {target:,.0f} kWh "
            "(rescale_to_annual_kwh)",
            GreenkommonWarning,
            stacklevel=3,
        )
        energy = energy * (target / total)
    return energy.rename(name)


def write_load_csv(result: LoadImport, path: str | Path, *, venue: str | None = None) -> Path:
    """Write the greenkommon load CSV atomically (temp file then ``os.replace``).

    Columns: ``interval_start`` (ISO 8601 with offset), ``energy_kwh`` [kWh, 6 decimals],
    ``filled`` (0/1). Comment lines on top name the venue, unit and convention; no meter id.
    """
    path = Path(path)
    venue = venue or result.report.venue
    buf = io.StringIO()
    step = _index_step(result.energy_kwh.index) if len(result.energy_kwh) > 1 else "30min"
    buf.write(
        f"# greenkommon load curve; venue: {redact(venue)}; unit: kWh per interval; step: {step}; "
        "timestamps: interval start\n"
    )
    buf.write("interval_start,energy_kwh,filled\n")
    stamps = result.energy_kwh.index.strftime("%Y-%m-%dT%H:%M:%S%z")
    stamps = [s[:-2] + ":" + s[-2:] for s in stamps]
    for t, e, f in zip(stamps, result.energy_kwh.to_numpy(), result.filled.to_numpy(), strict=True):
        buf.write(f"{t},{e:.6f},{int(f)}\n")
    return atomic_write_text(path, buf.getvalue(), newline="")
