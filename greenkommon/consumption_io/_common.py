"""Shared pieces of the load-curve readers: units, column names, raw rows, text reading."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..prm import redact

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


def _csv_rows(lines: list[str], start: int, sep: str) -> Iterable[tuple[int, list[str]]]:
    for i in range(start, len(lines)):
        if lines[i].strip():
            yield i + 1, _split(lines[i], sep)
