"""Key files a PMO sends to Enedis: writers and reader.

:func:`export_static_key` writes one percentage per consumer meter, :func:`export_dynamic_key` one
floored coefficient per meter and interval (``Horodate;<meter>;…``) and returns the surplus the
flooring causes; :func:`read_dynamic_key` reads the latter back as coefficients on an
interval-start index. Layouts and conventions: :mod:`greenkommon.enedis`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ..timegrid import index_step
from .coefficients import apply_floored_key, dynamic_coefficients, floor_counts
from .formats import (
    DEFAULT_STEP,
    STATIC_KEY_COLUMNS,
    _atomic_write_text,
    _check_decimal,
    _check_timestamps,
    _format_number,
    _horodates,
    _parse_horodates,
    _parse_numbers,
    _step_decimals,
    meter_labels,
)

# ------------------------------------------------------------------------------------------------
# key files


def export_static_key(
    path: str | Path,
    coefficients: Sequence[float] | np.ndarray,
    names: Sequence[str],
    *,
    meter_ids: Mapping[str, str | None] | Sequence[str | None] | None = None,
    step: float = DEFAULT_STEP,
    decimal: str = ",",
) -> np.ndarray:
    """Write a static key table: one percentage per consumer meter.

    Parameters
    ----------
    path : str or Path
        Output CSV (written atomically).
    coefficients : array_like
        Static shares per venue [-], venue order, Σ ≤ 1.
    names : sequence of str
        Venue names.
    meter_ids : optional
        Meter ids (PRM) per venue; venues without one are written under their name.
    step : float
        Resolution of the written percentages [-] (0.001 → 0.1 %).
    decimal : str
        ``','`` (default) or ``'.'``.

    Returns
    -------
    numpy.ndarray
        The floored coefficients written [-].
    """
    _check_decimal(decimal)
    c = np.asarray(coefficients, dtype=float)
    if c.shape != (len(names),):
        raise DataError(f"export_static_key: {c.size} coefficients for {len(names)} venues")
    counts = floor_counts(c, step)
    labels = meter_labels(names, meter_ids)
    dec = _step_decimals(step)
    buf = io.StringIO()
    buf.write(";".join(STATIC_KEY_COLUMNS) + "\n")
    for label, k in zip(labels, counts, strict=True):
        buf.write(f"{label};{_format_number(k * step * 100.0, dec, decimal)}\n")
    _atomic_write_text(path, buf.getvalue())
    return counts * step


def export_dynamic_key(
    path: str | Path,
    production_kwh: pd.Series,
    allocated_kwh: pd.DataFrame,
    *,
    meter_ids: Mapping[str, str | None] | Sequence[str | None] | None = None,
    step: float = DEFAULT_STEP,
    timestamps: str = "end",
    decimal: str = ",",
) -> tuple[Path, float]:
    """Write the dynamic key that reproduces an allocation, floored to ``step``.

    Parameters
    ----------
    path : str or Path
        Output CSV (written atomically).
    production_kwh : pandas.Series
        Pooled injection per interval [kWh], tz-aware interval-start index.
    allocated_kwh : pandas.DataFrame
        Allocation per interval and venue [kWh] (T × N), venue names as columns.
    meter_ids : optional
        Meter ids (PRM) per venue; venues without one appear under their name.
    step : float
        Coefficient resolution [-] (0.001 → 0.1 %).
    timestamps : {'end', 'start'}
        ``Horodate`` is the interval end (default, Enedis C5 convention) or start.
    decimal : str
        ``','`` (default) or ``'.'``.

    Returns
    -------
    path : Path
        The file written.
    extra_surplus_kwh : float
        Production the flooring turns into surplus over the period [kWh] (≥ 0).

    Notes
    -----
    Layout ``Horodate;<meter 1>;…`` with coefficients in %, one line per interval; see the module
    docstring. Each line sums to at most 100 %.
    """
    _check_decimal(decimal)
    _check_timestamps(timestamps)
    alpha = dynamic_coefficients(production_kwh, allocated_kwh)
    counts = floor_counts(alpha.to_numpy(), step)
    _, _, extra = apply_floored_key(production_kwh, allocated_kwh, step)
    labels = meter_labels(list(allocated_kwh.columns), meter_ids)
    dec = _step_decimals(step)
    pct = counts * (step * 100.0)
    horodates = _horodates(allocated_kwh.index, timestamps)
    buf = io.StringIO()
    buf.write(";".join(["Horodate", *labels]) + "\n")
    for h, row in zip(horodates, pct, strict=True):
        buf.write(h + ";" + ";".join(_format_number(v, dec, decimal) for v in row) + "\n")
    return _atomic_write_text(path, buf.getvalue()), extra


def read_dynamic_key(
    path: str | Path,
    *,
    timestamps: str = "end",
    step: pd.Timedelta | None = None,
    tz: str = "Europe/Paris",
) -> pd.DataFrame:
    """Read a dynamic key written by :func:`export_dynamic_key`.

    Returns
    -------
    pandas.DataFrame
        Coefficients [-] (T × meters) with a tz-aware interval-start index (``step`` is inferred
        from the file when not given).
    """
    _check_timestamps(timestamps)
    path = Path(path)
    try:
        frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read the dynamic key: {exc}") from None
    if frame.columns[0] != "Horodate" or frame.shape[1] < 2:
        raise DataError(f"{path}: line 1: expected 'Horodate;<meter>;…'")
    index = _parse_horodates(frame["Horodate"], path)
    values = frame.iloc[:, 1:].apply(lambda s: _parse_numbers(s, path, s.name))
    values.index = index.tz_convert(tz)
    values = values / 100.0
    if timestamps == "end":
        values.index = values.index - (
            pd.Timedelta(step) if step is not None else index_step(values.index)
        )
    values.index.name = "interval_start"
    return values
