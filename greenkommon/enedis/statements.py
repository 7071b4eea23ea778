"""Statement files and reconciliation: the six quantities on disk and line-by-line comparison.

:func:`write_quantities` writes a long six-quantities frame in greenkommon's statement layout
(``Horodate;Identifiant PRM;Grandeur;Valeur``, Wh), :func:`read_statement` reads that layout
(optional ``Unite`` column, errors naming the line), and :func:`reconcile` lists the intervals,
meters and quantities where a simulated run and a statement differ, over the statement's period.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ..timegrid import index_step
from .formats import (
    QUANTITIES,
    STATEMENT_COLUMNS,
    _atomic_write_text,
    _check_decimal,
    _check_timestamps,
    _format_number,
    _parse_horodates,
    _parse_numbers,
)

# ------------------------------------------------------------------------------------------------
# statement files


def write_quantities(
    path: str | Path,
    quantities: pd.DataFrame,
    *,
    timestamps: str = "end",
    decimal: str = ",",
    decimals: int = 3,
) -> Path:
    """Write a long six-quantities frame in the statement layout (see the module docstring).

    Parameters
    ----------
    path : str or Path
        Output CSV (written atomically).
    quantities : pandas.DataFrame
        Long frame of :func:`six_quantities` [Wh].
    timestamps : {'end', 'start'}
        Horodate convention.
    decimal : str
        Decimal separator.
    decimals : int
        Decimals of the Wh values.
    """
    _check_decimal(decimal)
    _check_timestamps(timestamps)
    starts = pd.DatetimeIndex(quantities["interval_start"])
    unique = starts.unique().sort_values()
    if timestamps == "end":
        shift = index_step(unique) if len(unique) > 1 else None
        if shift is None:
            raise DataError(
                "write_quantities: one interval only, cannot know the step for end timestamps"
            )
        starts = starts + shift
    buf = io.StringIO()
    buf.write(";".join(STATEMENT_COLUMNS) + "\n")
    for h, meter, q, v in zip(
        starts, quantities["meter"], quantities["quantity"], quantities["energy_wh"], strict=True
    ):
        buf.write(f"{h.isoformat()};{meter};{q};{_format_number(float(v), decimals, decimal)}\n")
    return _atomic_write_text(path, buf.getvalue())


def read_statement(
    path: str | Path,
    *,
    timestamps: str = "end",
    step: pd.Timedelta | str | None = None,
    tz: str = "Europe/Paris",
) -> pd.DataFrame:
    """Read a statement file (layout in the module docstring) as a long frame [Wh].

    Parameters
    ----------
    path : str or Path
    timestamps : {'end', 'start'}
        Whether ``Horodate`` is the end (default) or the start of the interval.
    step : Timedelta or str, optional
        Interval length (e.g. ``'30min'``); inferred from the file's distinct horodates if not
        given (needed for end timestamps).
    tz : str
        Zone of the returned ``interval_start``.

    Returns
    -------
    pandas.DataFrame
        Columns ``interval_start`` (tz-aware), ``meter``, ``quantity``, ``energy_wh``.

    Raises
    ------
    DataError
        Wrong header, unparsable line (the message gives the line number), unknown quantity or
        unit, duplicate (interval, meter, quantity).
    """
    _check_timestamps(timestamps)
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh, delimiter=";"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read the statement: {exc}") from None
    if not rows:
        raise DataError(f"{path}: empty file: expected the header {';'.join(STATEMENT_COLUMNS)}")
    header = [h.strip() for h in rows[0]]
    if tuple(header[:4]) != STATEMENT_COLUMNS or header[4:] not in ([], ["Unite"]):
        raise DataError(
            f"{path}: line 1 = {';'.join(header)!r}: expected {';'.join(STATEMENT_COLUMNS)}[;Unite]"
        )
    body = [r for r in rows[1:] if any(cell.strip() for cell in r)]
    if not body:
        raise DataError(f"{path}: no data line after the header")
    width = len(header)
    for n, r in enumerate(rows[1:], start=2):
        if any(cell.strip() for cell in r) and len(r) != width:
            raise DataError(f"{path}: line {n}: {len(r)} fields, expected {width}")
    frame = pd.DataFrame(body, columns=header)
    horodate = _parse_horodates(frame["Horodate"], path)
    energy = _parse_numbers(frame["Valeur"], path, "Valeur")
    quantity = frame["Grandeur"].str.strip().str.upper()
    unknown = ~quantity.isin(QUANTITIES)
    if unknown.any():
        pos = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DataError(
            f"{path}: line {pos + 2}: Grandeur = {frame['Grandeur'].iloc[pos]!r}: expected one of {', '.join(QUANTITIES)}"
        )
    if "Unite" in frame:
        unit = frame["Unite"].str.strip()
        factor = unit.map({"Wh": 1.0, "kWh": 1000.0, "": 1.0})
        if factor.isna().any():
            pos = int(np.flatnonzero(factor.isna().to_numpy())[0])
            raise DataError(
                f"{path}: line {pos + 2}: Unite = {unit.iloc[pos]!r}: expected 'Wh' or 'kWh'"
            )
        energy = energy * factor.to_numpy()
    starts = horodate
    if timestamps == "end":
        if step is None:
            distinct = horodate.unique().sort_values()
            if len(distinct) < 2:
                raise DataError(
                    f"{path}: one Horodate only: give the step to convert interval ends to starts"
                )
            step_td = pd.Timedelta((distinct[1:] - distinct[:-1]).min())
        else:
            step_td = pd.Timedelta(step)
        starts = horodate - step_td
    out = pd.DataFrame(
        {
            "interval_start": starts.tz_convert(tz),
            "meter": frame["Identifiant PRM"].str.strip().to_numpy(dtype=object),
            "quantity": quantity.to_numpy(dtype=object),
            "energy_wh": energy.to_numpy(dtype=float),
        }
    )
    dup = out.duplicated(["interval_start", "meter", "quantity"])
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(
            f"{path}: line {pos + 2}: the same interval, meter and quantity appear twice"
        )
    return out


def reconcile(
    simulated: pd.DataFrame,
    statement_path: str | Path | pd.DataFrame,
    *,
    tolerance_wh: float = 1.0,
    timestamps: str = "end",
    step: pd.Timedelta | str | None = None,
) -> pd.DataFrame:
    """Compare simulated quantities with a statement, line by line.

    Parameters
    ----------
    simulated : pandas.DataFrame
        Long frame of :func:`six_quantities` [Wh] (meters labelled as in the statement: pass
        the real meter ids to :func:`six_quantities`).
    statement_path : str or Path or pandas.DataFrame
        Statement in the layout of the module docstring, or already read by
        :func:`read_statement`.
    tolerance_wh : float
        Differences up to this are not listed [Wh].
    timestamps : {'end', 'start'}
        Horodate convention of the statement.
    step : Timedelta or str, optional
        Interval length; by default the simulation's.

    Returns
    -------
    pandas.DataFrame
        One row per differing line: ``interval_start``, ``meter``, ``quantity``,
        ``simulated_wh``, ``statement_wh``, ``difference_wh`` (statement − simulated), ``status``
        (``'differs'``, ``'missing_in_statement'``, ``'missing_in_simulation'``), sorted by time,
        meter, quantity. Empty when everything agrees. Only the statement's period (first to
        last interval) is compared: a monthly statement checks one month of a simulated year.
    """
    if tolerance_wh < 0:
        raise DataError(f"tolerance_wh = {tolerance_wh!r}: expected >= 0")
    needed = {"interval_start", "meter", "quantity", "energy_wh"}
    if not needed <= set(simulated.columns):
        raise DataError(
            f"simulated: expected the long layout of six_quantities (columns {sorted(needed)})"
        )
    if step is None:
        sim_times = pd.DatetimeIndex(simulated["interval_start"].unique()).sort_values()
        step = index_step(sim_times) if len(sim_times) > 1 else None
    tz = pd.DatetimeIndex(simulated["interval_start"]).tz
    if isinstance(statement_path, pd.DataFrame):
        statement = statement_path
    else:
        statement = read_statement(
            statement_path, timestamps=timestamps, step=step, tz=str(tz) if tz else "Europe/Paris"
        )
    first, last = statement["interval_start"].min(), statement["interval_start"].max()
    sim = simulated[(simulated["interval_start"] >= first) & (simulated["interval_start"] <= last)]
    keys = ["interval_start", "meter", "quantity"]
    merged = (
        sim[keys + ["energy_wh"]]
        .rename(columns={"energy_wh": "simulated_wh"})
        .merge(statement.rename(columns={"energy_wh": "statement_wh"}), on=keys, how="outer")
    )
    merged["difference_wh"] = merged["statement_wh"] - merged["simulated_wh"]
    status = np.where(
        merged["statement_wh"].isna(),
        "missing_in_statement",
        np.where(merged["simulated_wh"].isna(), "missing_in_simulation", "differs"),
    )
    merged["status"] = status
    keep = (merged["status"] != "differs") | (merged["difference_wh"].abs() > tolerance_wh)
    order = {q: k for k, q in enumerate(QUANTITIES)}
    out = merged[keep].assign(_q=lambda f: f["quantity"].map(order))
    out = (
        out.sort_values(["interval_start", "meter", "_q"]).drop(columns="_q").reset_index(drop=True)
    )
    return out[
        [
            "interval_start",
            "meter",
            "quantity",
            "simulated_wh",
            "statement_wh",
            "difference_wh",
            "status",
        ]
    ]
