"""The French tariff figures (``greenkommon/data/tariffs_fr.toml``) and the tariff calendar.

Every regulatory figure lives in the data file with its date, source and confidence label; this
module only reads it, resolves dated values on the simulation grid and builds the period masks
(HP/HC hours per site, high/low season of the 4-period options).
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, ScenarioError

#: Tariff periods of the 4-period options (high season = "H", low season = "B").
PERIODS_4 = ("HPH", "HCH", "HPB", "HCB")

#: Confidence labels that an output must flag.
FLAGGED_CONFIDENCE = ("UNCONFIRMED", "ASSUMPTION", "EXTRAPOLATED", "CONTESTED")

BUNDLED_NAME = "tariffs_fr.toml"


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@lru_cache(maxsize=1)
def _bundled() -> dict[str, Any]:
    path = Path(__file__).resolve().parents[1] / "data" / BUNDLED_NAME
    with path.open("rb") as fh:
        return tomllib.load(fh)


@dataclass(frozen=True)
class Tariffs:
    """The tariff data file, merged with an optional override file.

    Attributes
    ----------
    data : dict
        Parsed TOML (see ``greenkommon/data/tariffs_fr.toml`` for the layout).
    file : str
        Where the figures come from (for messages and outputs).
    """

    data: dict[str, Any] = field(repr=False)
    file: str = BUNDLED_NAME

    def get(self, *path: str) -> Any:
        """The value at ``path`` (keys of nested tables); :class:`DataError` naming it if absent."""
        node: Any = self.data
        for i, key in enumerate(path):
            if not isinstance(node, Mapping) or key not in node:
                raise DataError(
                    f"{self.file}: {'.'.join(path[: i + 1])} is missing: expected a figure of the tariff file"
                )
            node = node[key]
        return node

    def number(self, *path: str, min: float = 0.0) -> float:
        """A finite number ≥ ``min`` at ``path``."""
        value = self.get(*path)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not np.isfinite(value)
            or value < min
        ):
            raise DataError(
                f"{self.file}: {'.'.join(path)} = {value!r}: expected a number >= {min:g}"
            )
        return float(value)

    def period_table(self, *path: str) -> dict[str, float]:
        """A ``{period: number >= 0}`` table at ``path``."""
        table = self.get(*path)
        if not isinstance(table, Mapping):
            raise DataError(f"{self.file}: {'.'.join(path)}: expected a table {{period = number}}")
        return {str(k): self.number(*path, k) for k in table}


def load_tariffs(override_file: str | Path | None = None) -> Tariffs:
    """Read the bundled tariff file, with ``override_file`` merged over it.

    Parameters
    ----------
    override_file : path, optional
        A TOML file with the same layout; its values win (tables merged recursively).

    Raises
    ------
    ScenarioError
        If the override file is missing or not valid TOML.
    """
    data = _bundled()
    if override_file is None:
        return Tariffs(copy.deepcopy(data), BUNDLED_NAME)
    path = Path(override_file)
    if not path.is_file():
        raise ScenarioError(f"{path}: no such tariff file (prices.tariffs_file)")
    try:
        with path.open("rb") as fh:
            override = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    return Tariffs(_merge(data, override), f"{BUNDLED_NAME} + {path.name}")


# -- grid helpers --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Calendar:
    """Calendar fields of one index, read-only: computed once, shared by every venue's prices
    (a sweep asks for the prices of the same grid hundreds of times)."""

    hours: np.ndarray | None  # None: not a valid interval-start grid (interval_hours says why)
    year: np.ndarray
    month: np.ndarray
    minute_of_day: np.ndarray
    wall: np.ndarray


#: A few recent indexes and their calendar, by identity (an index is immutable).
_CALENDARS: dict[int, tuple[pd.DatetimeIndex, _Calendar]] = {}


def _calendar(index: pd.DatetimeIndex) -> _Calendar:
    hit = _CALENDARS.get(id(index))
    if hit is not None and hit[0] is index:
        return hit[1]
    try:
        hours: np.ndarray | None = _interval_hours(index)
    except DataError:
        hours = None
    arrays = (
        index.year.to_numpy(),
        index.month.to_numpy(),
        (index.hour * 60 + index.minute).to_numpy(),
        index.tz_localize(None).to_numpy().astype("datetime64[ns]"),
    )
    for a in (hours, *arrays):
        if a is not None:
            a.flags.writeable = False
    cal = _Calendar(hours, *arrays)
    if len(_CALENDARS) >= 8:
        _CALENDARS.pop(next(iter(_CALENDARS)))
    _CALENDARS[id(index)] = (index, cal)
    return cal


def interval_hours(index: pd.DatetimeIndex) -> np.ndarray:
    """Length of each interval of an interval-start index [h].

    The last interval takes the length of the one before (or the index ``freq``).
    """
    hours = _calendar(index).hours if isinstance(index, pd.DatetimeIndex) else None
    return _interval_hours(index) if hours is None else hours.copy()


def _interval_hours(index: pd.DatetimeIndex) -> np.ndarray:
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise DataError("economics: expected a tz-aware DatetimeIndex of interval starts")
    n = len(index)
    if n == 0:
        raise DataError("economics: empty time index")
    if n == 1:
        if index.freq is None:
            raise DataError("economics: a one-label index needs a freq to know the interval length")
        return np.array([pd.Timedelta(index.freq).total_seconds() / 3600.0])
    # index resolution varies (ns, us): go through timedelta64 arithmetic
    d = np.diff(index.tz_convert("UTC").tz_localize(None).to_numpy()) / np.timedelta64(1, "h")
    if (d <= 0).any():
        raise DataError("economics: time index not strictly increasing")
    last = pd.Timedelta(index.freq).total_seconds() / 3600.0 if index.freq is not None else d[-1]
    return np.append(d, last)


def wall_datetimes(index: pd.DatetimeIndex) -> np.ndarray:
    """Local wall-clock time of each label as ``datetime64[ns]`` (for date comparisons).

    Read-only and shared: computed once per index (the dated figures of every venue and
    variant are resolved on it, see :func:`dated_values`)."""
    return _calendar(index).wall


def year_fraction(index: pd.DatetimeIndex) -> np.ndarray:
    """Share of its calendar year covered by each interval [-] (Σ = 1 over a full year)."""
    cal = _calendar(index)
    if cal.hours is None:
        interval_hours(index)  # raises what is wrong with the grid
    assert cal.hours is not None
    years = cal.year
    leap = (years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0))
    return cal.hours / np.where(leap, 8784.0, 8760.0)


def _as_datetime64(value: Any, what: str) -> np.datetime64:
    if isinstance(value, dt.datetime):
        return np.datetime64(value.replace(tzinfo=None), "ns")
    if isinstance(value, dt.date):
        return np.datetime64(value, "ns")
    raise DataError(f"{what} = {value!r}: expected a date (YYYY-MM-DD)")


@dataclass(frozen=True)
class Figure:
    """A figure actually used, with its provenance (for the outputs' source list)."""

    key: str
    value: float | str
    unit: str
    confidence: str
    source: str

    @property
    def flagged(self) -> bool:
        return any(c in self.confidence.upper() for c in FLAGGED_CONFIDENCE)

    def __deepcopy__(self, memo: dict[int, Any]) -> Figure:
        # immutable (frozen, str and float fields): pandas deep-copies a bill table's
        # attrs['figures'] on every row or column access, field by field without this
        return self


#: Recent resolutions of a dated table on a read-only time array, by identity of both (a sweep
#: resolves the same tables on the same grid for every venue and plant size).
_DATED: dict[tuple[int, int, str], tuple[Any, np.ndarray, np.ndarray, list[Figure]]] = {}


def dated_values(
    tariffs: Tariffs, path: Sequence[str], when: np.ndarray, unit: str
) -> tuple[np.ndarray, list[Figure]]:
    """Resolve a dated series (``values = [{from, value, ...}]``) on wall-clock times ``when``.

    Returns the value in force at each time and the figures used (labelled "extrapolated back"
    before the first date, and with the table's ``carried_on_label`` after ``carried_on_after``).
    """
    table = tariffs.get(*path)
    if when.flags.writeable:  # a caller's array may change: no memo
        return _dated_values(tariffs, path, table, when, unit)
    memo_key = (id(table), id(when), unit)
    hit = _DATED.get(memo_key)
    if hit is not None and hit[0] is table and hit[1] is when:
        return hit[2].copy(), list(hit[3])
    out, figures = _dated_values(tariffs, path, table, when, unit)
    if len(_DATED) >= 64:
        _DATED.pop(next(iter(_DATED)))
    _DATED[memo_key] = (table, when, out, figures)
    return out.copy(), list(figures)


def _dated_values(
    tariffs: Tariffs, path: Sequence[str], table: Any, when: np.ndarray, unit: str
) -> tuple[np.ndarray, list[Figure]]:
    entries = table["values"] if isinstance(table, Mapping) and "values" in table else table
    name = ".".join(path)
    if not isinstance(entries, list) or not entries:
        raise DataError(
            f"{tariffs.file}: {name}: expected a non-empty list of {{from = date, value = number}}"
        )
    starts = np.array(
        [_as_datetime64(e.get("from"), f"{tariffs.file}: {name}.from") for e in entries]
    )
    if (np.diff(starts) <= np.timedelta64(0)).any():
        raise DataError(f"{tariffs.file}: {name}: dates must be increasing")
    values = np.array([float(e["value"]) for e in entries])
    pos = np.searchsorted(starts, when, side="right") - 1
    out = values[np.clip(pos, 0, None)]
    figures = []
    for i in np.unique(np.clip(pos, 0, None)):
        e = entries[int(i)]
        conf = str(e.get("confidence", "UNCONFIRMED"))
        if (pos < 0).any() and i == 0:
            conf += "; extrapolated back before " + str(e["from"])
        figures.append(
            Figure(
                f"{name} from {e['from']}", float(e["value"]), unit, conf, str(e.get("source", ""))
            )
        )
    after = table.get("carried_on_after") if isinstance(table, Mapping) else None
    if after is not None and (when >= _as_datetime64(after, f"{name}.carried_on_after")).any():
        last = entries[-1]
        figures.append(
            Figure(
                f"{name} after {after}",
                float(last["value"]),
                unit,
                str(table.get("carried_on_label", "UNCONFIRMED: carried on")),
                str(last.get("source", "")),
            )
        )
    return out, figures


# -- calendar -------------------------------------------------------------------------------------
def parse_hours(ranges: Sequence[str], what: str) -> list[tuple[int, int]]:
    """Parse ``["22:00-06:00", ...]`` into minute ranges ``[(start, end), ...]`` (end exclusive)."""
    out = []
    for text in ranges:
        try:
            a, b = str(text).split("-")
            ha, ma = (int(x) for x in a.strip().split(":"))
            hb, mb = (int(x) for x in b.strip().split(":"))
            if not (0 <= ha <= 24 and 0 <= hb <= 24 and 0 <= ma < 60 and 0 <= mb < 60):
                raise ValueError
        except ValueError:
            raise ScenarioError(
                f"{what} = {text!r}: expected a range 'HH:MM-HH:MM' such as '22:00-06:00'"
            ) from None
        out.append((ha * 60 + ma, hb * 60 + mb))
    return out


def offpeak_mask(index: pd.DatetimeIndex, ranges: Sequence[tuple[int, int]]) -> np.ndarray:
    """True where the interval starts within an off-peak (HC) range, in local time.

    Notes
    -----
    A range ``a-b`` with ``b <= a`` wraps over midnight. The label's local wall-clock time decides
    (interval-start convention), which is exact for steps that divide the HC boundaries.
    """
    minutes = _calendar(index).minute_of_day
    mask = np.zeros(len(index), dtype=bool)
    for a, b in ranges:
        mask |= (minutes >= a) & (minutes < b) if a < b else (minutes >= a) | (minutes < b)
    return mask


def high_season_mask(index: pd.DatetimeIndex, months: Sequence[int]) -> np.ndarray:
    """True in the high season of the 4-period options (by local month)."""
    return np.isin(_calendar(index).month, np.asarray(list(months), dtype=int))


def period_codes(hc: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Index into :data:`PERIODS_4` per interval (0 HPH, 1 HCH, 2 HPB, 3 HCB)."""
    return np.where(high, 0, 2) + hc.astype(int)


def by_period(
    table: Mapping[str, float], hc: np.ndarray, high: np.ndarray, what: str
) -> np.ndarray:
    """Per-interval value of a table keyed by ``base``, ``HP/HC`` or ``HPH/HCH/HPB/HCB``."""
    keys = set(table)
    if keys == {"base"}:
        return np.full(hc.shape, float(table["base"]))
    if keys == {"HP", "HC"}:
        return np.where(hc, float(table["HC"]), float(table["HP"]))
    if keys == set(PERIODS_4):
        return np.array([float(table[p]) for p in PERIODS_4])[period_codes(hc, high)]
    raise ScenarioError(
        f"{what} = {dict(table)!r}: expected the periods {{base}}, {{HP, HC}} or {{HPH, HCH, HPB, HCB}}"
    )
