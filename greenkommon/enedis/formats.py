"""Enedis file formats: the quantities' names, column layouts and number/time conventions.

What every file greenkommon exchanges with Enedis or a PMO shares: the six quantity names, the
0.1 % coefficient resolution, the header columns, what is UNCONFIRMED about each layout
(:data:`UNCONFIRMED_LAYOUT`, printed by ``export-key``), the meter labels (a PRM only where the
user gave one), and the helpers that write numbers with a ``,`` or ``.`` decimal separator, turn
interval starts into ``Horodate`` strings and parse them back with line-numbered errors. The
layouts themselves are described in the package docstring (:mod:`greenkommon.enedis`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._io import atomic_write_text, shared_mode
from ..allocation import PERMILLE
from ..config.load import INTERVAL_LABELS as TIMESTAMP_CONVENTIONS
from ..errors import DataError
from ..timegrid import index_step

#: Producer quantities then consumer quantities, as Enedis names them.
PRODUCER_QUANTITIES = ("PROD", "AUTOPROD", "SURPLUS")
CONSUMER_QUANTITIES = ("CONS", "AUTOCONS", "COMPLEMENT")
QUANTITIES = PRODUCER_QUANTITIES + CONSUMER_QUANTITIES

#: Resolution of uploaded coefficients: 0.1 % (:data:`greenkommon.allocation.PERMILLE`, read from
#: ``data/keys.toml``: third-party PMO tool; official value UNCONFIRMED).
DEFAULT_STEP = PERMILLE

#: What is not confirmed about each file greenkommon writes for Enedis (printed by export-key).
UNCONFIRMED_LAYOUT: dict[str, tuple[str, ...]] = {
    "dynamic_key.csv": (
        "layout 'Horodate;<meter>;...' is a third-party PMO tool's, not an official Enedis one",
        "whether Enedis reads Horodate as the interval end (written by default) or start",
        "the 0.1 % resolution of uploaded coefficients",
    ),
    "static_key.csv": (
        "layout 'Identifiant PRM;Coefficient (%)'",
        "that Enedis does not redistribute a consumer's unused static share",
        "the 0.1 % resolution of uploaded coefficients",
    ),
    "quantities.csv": (
        "greenkommon's own layout: the PMO-facing Enedis statement file is not documented",
        "Enedis's rounding of the quantities (written unrounded, in Wh)",
    ),
}

STATEMENT_COLUMNS = ("Horodate", "Identifiant PRM", "Grandeur", "Valeur")
STATIC_KEY_COLUMNS = ("Identifiant PRM", "Coefficient (%)")


# ------------------------------------------------------------------------------------------------
# helpers


def _atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder (never half-written)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise DataError(f"{path}: folder {path.parent} does not exist")
    return atomic_write_text(path, text, newline="", mode=shared_mode())


def meter_labels(
    names: Sequence[str], meter_ids: Mapping[str, str | None] | Sequence[str | None] | None = None
) -> list[str]:
    """Label of each consumer in files: its meter id where supplied, else its venue name.

    Parameters
    ----------
    names : sequence of str
        Venue names (the columns of the allocation frames).
    meter_ids : mapping name → id, or sequence aligned with ``names``, optional
        ``None`` entries fall back to the venue name.

    Raises
    ------
    DataError
        If two consumers end up with the same label.
    """
    names = list(names)
    if meter_ids is None:
        ids: list[str | None] = [None] * len(names)
    elif isinstance(meter_ids, Mapping):
        unknown = [k for k in meter_ids if k not in names]
        if unknown:
            raise DataError(
                f"meter_ids: {unknown[0]!r} is not a venue ({', '.join(map(repr, names))})"
            )
        ids = [meter_ids.get(n) for n in names]
    else:
        ids = list(meter_ids)
        if len(ids) != len(names):
            raise DataError(f"meter_ids: {len(ids)} ids for {len(names)} venues")
    labels = [str(i) if i else n for n, i in zip(names, ids, strict=True)]
    if len(set(labels)) != len(labels):
        raise DataError(
            "meter_ids: two consumers share a meter label (duplicate id or an id equal to a venue name)"
        )
    return labels


def _format_number(value: float, decimals: int, decimal: str) -> str:
    text = f"{value:.{decimals}f}"
    return text.replace(".", decimal) if decimal != "." else text


def _check_decimal(decimal: str) -> None:
    if decimal not in (",", "."):
        raise DataError(f"decimal = {decimal!r}: expected ',' or '.'")


def _check_timestamps(timestamps: str) -> None:
    if timestamps not in TIMESTAMP_CONVENTIONS:
        raise DataError(f"timestamps = {timestamps!r}: expected 'end' or 'start'")


def _horodates(index: pd.DatetimeIndex, timestamps: str) -> list[str]:
    _check_timestamps(timestamps)
    labels = index + index_step(index) if timestamps == "end" else index
    return [ts.isoformat() for ts in labels]


def _step_decimals(step: float) -> int:
    """Decimals needed to print multiples of ``step`` as percentages exactly."""
    pct = step * 100.0
    return max(0, -math.floor(math.log10(pct) + 1e-12)) if pct < 1 else 0


def _parse_horodates(values: pd.Series, path: Path) -> pd.DatetimeIndex:
    """ISO 8601 local times with UTC offset → UTC index; errors name the first bad line."""
    text = pd.Series(values, dtype=str).str.strip()
    has_offset = text.str.contains(r"(?:[+-]\d\d:?\d\d|Z)$", regex=True)
    parsed = None
    if has_offset.all():
        try:
            parsed = pd.DatetimeIndex(pd.to_datetime(text, format="ISO8601", utc=True))
        except (ValueError, TypeError):
            parsed = None
    if parsed is not None:
        return parsed
    for line, (value, offset) in enumerate(zip(text, has_offset, strict=True), start=2):
        if not offset:
            raise DataError(
                f"{path}: line {line}: Horodate = {value!r}: expected a UTC offset (+01:00 / +02:00)"
            )
        try:
            pd.Timestamp(value)
        except (ValueError, TypeError):
            raise DataError(
                f"{path}: line {line}: Horodate = {value!r}: expected ISO 8601 with offset, "
                "e.g. 2026-06-21T12:30:00+02:00"
            ) from None
    raise DataError(f"{path}: Horodate: cannot parse the timestamps as ISO 8601 with offset")


def _parse_numbers(values: pd.Series, path: Path, column: object) -> pd.Series:
    text = values.astype(str).str.strip().str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() | ~np.isfinite(numbers.to_numpy(dtype=float))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{path}: line {pos + 2}: {column} = {values.iloc[pos]!r}: expected a number"
        )
    return numbers.astype(float)
