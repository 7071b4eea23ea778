"""Enedis interop: key files a PMO can send, the six ACC quantities, reconciliation.

Three jobs, all on the outputs of the allocation stage (``production_kwh`` (T,) Series,
``consumption_kwh`` / ``allocated_kwh`` (T × N) DataFrames with venue names as columns, tz-aware
interval-start index):

* **Key files.** :func:`export_static_key` writes one percentage per consumer meter;
  :func:`export_dynamic_key` writes one coefficient per consumer meter and per interval
  (``Horodate;<meter>;<meter>…``), floored to 0.1 % (:func:`floor_coefficients`) so that a row
  never sums over 100 %, and returns the extra surplus the flooring causes.
* **The six quantities** Enedis reports to the PMO per meter and interval
  (:func:`six_quantities`): PROD, AUTOPROD, SURPLUS for the producer; CONS, AUTOCONS,
  COMPLEMENT for each consumer, in Wh.
* **Reconciliation** (:func:`reconcile`) of simulated quantities with a statement file, line by
  line.

File conventions
----------------
All files are ``;``-separated UTF-8 text with a header line, written atomically (temporary file,
then :func:`os.replace`). Numbers use a comma as decimal separator by default (``decimal=','``,
French convention of Enedis and PMO tools); readers accept ``,`` and ``.``.

``Horodate`` is an ISO 8601 local time with its UTC offset (``2026-06-21T12:30:00+02:00``), so
DST days are unambiguous. By default (``timestamps='end'``) it is the **end** of the interval, as
in Enedis's C5 load curves (R50, customer-portal CSV, R63: the first point of a day is 00:30 and
carries 00:00→00:30; ``acc-rules.md`` §5.2). ``timestamps='start'`` writes and reads interval
starts instead. Which convention Enedis expects in an uploaded dynamic key is UNCONFIRMED.

Dynamic key (``export_dynamic_key``), layout of a third-party PMO tool (``acc-rules.md`` §1.5;
the official layout is UNCONFIRMED)::

    Horodate;<meter 1>;<meter 2>;…
    2026-06-21T12:30:00+02:00;12,3;45,6;…      (coefficients in %, floored to 0.1 %)

Static key (``export_static_key``)::

    Identifiant PRM;Coefficient (%)
    <meter 1>;25,0

Statement / quantities layout (``write_quantities``, ``read_statement``): greenkommon's own
layout, one line per interval, meter and quantity, mirroring the six quantities, because the real
PMO-facing Enedis file is UNCONFIRMED (``acc-rules.md`` §5.4)::

    Horodate;Identifiant PRM;Grandeur;Valeur
    2026-06-21T12:30:00+02:00;<meter>;AUTOCONS;10000

``Valeur`` is an energy in Wh over the interval; ``Grandeur`` is one of :data:`QUANTITIES`; an
optional fifth column ``Unite`` may say ``Wh`` or ``kWh``.

Meter identifiers
-----------------
A consumer's meter id (PRM) is used only where the user supplied it (``meter_ids``); otherwise the
venue name stands in for it. The producer is labelled ``producer_id`` (default ``'producer'``).
Nothing here prints or logs a meter id.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._io import atomic_write_text, shared_mode
from ..allocation import PERMILLE
from ..allocation import floor_coefficients as _floor_to_step
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

# Coefficient sums above 1 by less than this are floating-point noise of A/P.
_SUM_TOLERANCE = 1e-9


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


def _check_frames(
    production_kwh: pd.Series, allocated_kwh: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(allocated_kwh, pd.DataFrame):
        raise DataError("allocated_kwh: expected a DataFrame (intervals × venues)")
    if not production_kwh.index.equals(allocated_kwh.index):
        raise DataError("production_kwh and allocated_kwh: different time indexes")
    p = production_kwh.to_numpy(dtype=float)
    a = allocated_kwh.to_numpy(dtype=float)
    if not (np.isfinite(p).all() and np.isfinite(a).all()):
        raise DataError("production_kwh / allocated_kwh: non-finite values")
    if (p < 0).any() or (a < 0).any():
        raise DataError("production_kwh / allocated_kwh: negative energies")
    over = a.sum(axis=1) - p
    bad = np.flatnonzero(over > 1e-9 * np.maximum(1.0, p))
    if bad.size:
        raise DataError(
            f"allocated_kwh: at {production_kwh.index[bad[0]]} the allocations sum to more than the production "
            f"(by {over[bad[0]]:.6g} kWh)"
        )
    return p, a


# ------------------------------------------------------------------------------------------------
# coefficients


def floor_counts(
    coefficients: np.ndarray | Sequence[float], step: float = DEFAULT_STEP
) -> np.ndarray:
    """Coefficients floored to a multiple of ``step``, as integer counts of ``step``.

    See :func:`floor_coefficients`; ``counts * step`` are the floored coefficients, and integer
    counts make "Σ ≤ 100 %" an exact test (``counts.sum(-1) <= floor(1 / step)``).
    """
    return np.rint(floor_coefficients(coefficients, step) / step).astype(np.int64)


def _check_shares(coefficients: np.ndarray | Sequence[float], step: float) -> np.ndarray:
    """Validated shares: ``step`` in [1e-6, 1], finite values in [0, 1], each set summing ≤ 1."""
    c = np.asarray(coefficients, dtype=float)
    if not (1e-6 <= step <= 1):
        raise DataError(f"step = {step!r}: expected a share in [1e-6, 1], e.g. 0.001 for 0.1 %")
    if not np.isfinite(c).all() or (c < 0).any() or (c > 1 + _SUM_TOLERANCE).any():
        raise DataError("coefficients: expected finite shares in [0, 1]")
    sums = c.sum(axis=-1) if c.ndim else c
    if np.any(sums > 1 + _SUM_TOLERANCE):
        worst = float(np.max(sums))
        raise DataError(f"coefficients: a set of coefficients sums to {worst:.9g} > 1")
    return c


def floor_coefficients(
    coefficients: np.ndarray | Sequence[float], step: float = DEFAULT_STEP
) -> np.ndarray:
    """Floor sharing coefficients to a multiple of ``step`` (0.1 % by default).

    Parameters
    ----------
    coefficients : array_like
        Shares in [0, 1] [-]; the last axis runs over consumers (shape ``(N,)`` or ``(T, N)``),
        each set summing to at most 1.
    step : float
        Resolution [-] (0.001 = 0.1 %).

    Returns
    -------
    numpy.ndarray
        Same shape; multiples of ``step``, each ≤ its input, each set summing to ≤ 1.

    Raises
    ------
    DataError
        Negative, non-finite or > 1 coefficients, or a set summing to more than 1.

    Notes
    -----
    Flooring (rather than rounding) guarantees Σ ≤ 100 % in the uploaded file, the choice of a
    third-party PMO tool (``math.floor(share*1000)/10`` %). The production share lost,
    ``Σ_i (α_i − ⌊α_i⌋) P``, becomes surplus.

    The flooring itself is :func:`greenkommon.allocation.floor_coefficients`: ``⌊α/step + 1e-9⌋``
    (0.3 / 0.001 is 299.99999999999994 in binary floating point and must floor to 300), so
    Σ counts ≤ Σ (α/step + 1e-9) ≤ (1 + tol)/step + N·1e-9 < ⌊1/step⌋ + 1 for step ≥ 1e-6 and any
    realistic N: the floored set never exceeds 100 %.
    """
    return _floor_to_step(_check_shares(coefficients, step), step)


def dynamic_coefficients(production_kwh: pd.Series, allocated_kwh: pd.DataFrame) -> pd.DataFrame:
    """Per-interval coefficients that reproduce an allocation: ``α_i,t = A_i,t / P_t`` [-].

    Intervals without production get 0 for every consumer (nothing to share).
    """
    p, a = _check_frames(production_kwh, allocated_kwh)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(p[:, None] > 0, a / np.where(p > 0, p, 1.0)[:, None], 0.0)
    return pd.DataFrame(
        np.clip(alpha, 0.0, 1.0), index=allocated_kwh.index, columns=allocated_kwh.columns
    )


def apply_floored_key(
    production_kwh: pd.Series, allocated_kwh: pd.DataFrame, step: float = DEFAULT_STEP
) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """What Enedis would allocate from the floored dynamic key of an allocation.

    Parameters
    ----------
    production_kwh : pandas.Series
        Pooled injection per interval [kWh] (T,).
    allocated_kwh : pandas.DataFrame
        Simulated allocation (AUTOCONS) per interval and venue [kWh] (T × N).
    step : float
        Coefficient resolution [-].

    Returns
    -------
    coefficients : pandas.DataFrame
        Floored coefficients [-] (T × N).
    allocated_kwh : pandas.DataFrame
        Allocation under the floored key [kWh] (T × N).
    extra_surplus_kwh : float
        Production that flooring turns into surplus over the whole period [kWh] (≥ 0).

    Notes
    -----
    Enedis applies ``A'_i = min(α'_i P, C_i)`` (D315-4). Since ``α'_i ≤ α_i`` and
    ``α_i P = A_i ≤ C_i``, ``A'_i = α'_i P``; it is computed as ``min(α'_i P, A_i)`` so that a
    count rounded up by the floating-point guard of :func:`floor_counts` cannot allocate more
    than the simulation. Conservation: ``Σ_i A'_i + surplus' = P`` and
    ``extra = Σ_t,i (A_i − A'_i)``.
    """
    alpha = dynamic_coefficients(production_kwh, allocated_kwh)
    floored = floor_coefficients(alpha.to_numpy(), step)
    a = allocated_kwh.to_numpy(dtype=float)
    a_floored = np.minimum(floored * production_kwh.to_numpy(dtype=float)[:, None], a)
    extra = float((a - a_floored).sum())
    idx, cols = allocated_kwh.index, allocated_kwh.columns
    return (
        pd.DataFrame(floored, index=idx, columns=cols),
        pd.DataFrame(a_floored, index=idx, columns=cols),
        extra,
    )


def apply_floored_static_key(
    production_kwh: pd.Series,
    consumption_kwh: pd.DataFrame,
    coefficients: Sequence[float] | np.ndarray,
    step: float = DEFAULT_STEP,
) -> tuple[pd.DataFrame, np.ndarray]:
    """What Enedis would allocate from a static key uploaded floored to ``step``.

    Parameters
    ----------
    production_kwh : pandas.Series
        Pooled injection per interval [kWh] (T,).
    consumption_kwh : pandas.DataFrame
        Withdrawal per interval and venue [kWh] (T × N).
    coefficients : array_like
        Static shares per venue [-] (N,), Σ ≤ 1.
    step : float
        Resolution of the uploaded shares [-].

    Returns
    -------
    allocated_kwh : pandas.DataFrame
        ``min(⌊α_i⌋ P_t, C_i,t)`` [kWh] (T × N).
    coefficients : numpy.ndarray
        The floored shares [-].

    Notes
    -----
    D315-4 with no redistribution of a venue's unused share (the reference's reading of the
    Enedis static key; the no-redistribution part is UNCONFIRMED).
    """
    floored = floor_coefficients(coefficients, step)
    if floored.shape != (consumption_kwh.shape[1],):
        raise DataError(
            f"apply_floored_static_key: {floored.size} coefficients for {consumption_kwh.shape[1]} venues"
        )
    if not production_kwh.index.equals(consumption_kwh.index):
        raise DataError("production_kwh and consumption_kwh: different time indexes")
    p = production_kwh.to_numpy(dtype=float)
    a = np.minimum(floored[None, :] * p[:, None], consumption_kwh.to_numpy(dtype=float))
    return pd.DataFrame(a, index=consumption_kwh.index, columns=consumption_kwh.columns), floored


def uploaded_key_allocation(
    production_kwh: pd.Series,
    consumption_kwh: pd.DataFrame,
    allocated_kwh: pd.DataFrame,
    key_type: str,
    static_coefficients: Sequence[float] | np.ndarray | None = None,
    step: float = DEFAULT_STEP,
) -> tuple[pd.DataFrame, float, str]:
    """The allocation Enedis would report for a simulated run, given how its key is sent.

    Parameters
    ----------
    production_kwh, consumption_kwh, allocated_kwh
        The simulated run [kWh].
    key_type : str
        ``[key].type`` of the scenario.
    static_coefficients : array_like, optional
        The static shares when the key is a static one (``static``, or ``optimised`` with a
        static result) [-].
    step : float
        Resolution of uploaded coefficients [-].

    Returns
    -------
    allocated_kwh : pandas.DataFrame
        [kWh] (T × N).
    extra_surplus_kwh : float
        Simulated minus Enedis-side allocation over the period [kWh] (≥ 0 up to rounding).
    how : str
        One line saying which case applied.

    Notes
    -----
    * ``prorata``: Enedis computes its default key itself (D315-6): no file, no flooring.
    * static shares: uploaded once, floored; Enedis applies ``min(⌊α⌋ P, C)``.
    * every other key (dynamic file, redistributed, priority, optimised per interval): sent as
      a dynamic key ``α_t = A_t / P_t`` floored per interval (:func:`apply_floored_key`).
    """
    if key_type == "prorata":
        return allocated_kwh, 0.0, "default key (prorata) computed by Enedis: no flooring"
    if key_type in ("static", "optimised") and static_coefficients is not None:
        a, _ = apply_floored_static_key(production_kwh, consumption_kwh, static_coefficients, step)
        extra = float((allocated_kwh.to_numpy() - a.to_numpy()).sum())
        return a, extra, f"static key uploaded floored to {100 * step:g} %"
    _, a, extra = apply_floored_key(production_kwh, allocated_kwh, step)
    return a, extra, f"dynamic key uploaded floored to {100 * step:g} % per interval"


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


# ------------------------------------------------------------------------------------------------
# six quantities


def six_quantities(
    production_kwh: pd.Series,
    consumption_kwh: pd.DataFrame,
    allocated_kwh: pd.DataFrame,
    surplus_kwh: pd.Series | None = None,
    *,
    meter_ids: Mapping[str, str | None] | Sequence[str | None] | None = None,
    producer_id: str = "producer",
    layout: str = "long",
) -> pd.DataFrame:
    """The six quantities Enedis reports to the PMO, per meter and interval, in Wh.

    Parameters
    ----------
    production_kwh : pandas.Series
        Pooled injection per interval [kWh] (one producer).
    consumption_kwh : pandas.DataFrame
        Withdrawal per interval and venue [kWh] (T × N).
    allocated_kwh : pandas.DataFrame
        Allocation per interval and venue [kWh] (T × N), same index and columns.
    surplus_kwh : pandas.Series, optional
        Surplus per interval [kWh]; when given it must equal ``production − Σ allocated``.
    meter_ids : optional
        Consumers' meter ids (PRM); venue names stand in where missing.
    producer_id : str
        Label of the producer's meter.
    layout : {'long', 'wide'}
        ``'long'``: columns ``interval_start``, ``meter``, ``quantity``, ``energy_wh``, one row
        per interval, meter and quantity, sorted by time then producer, consumers in venue
        order, quantities in :data:`QUANTITIES` order. ``'wide'``: index ``interval_start``,
        columns a (meter, quantity) MultiIndex.

    Returns
    -------
    pandas.DataFrame
        Energies [Wh] per interval (not rounded: Enedis's rounding is UNCONFIRMED).

    Raises
    ------
    DataError
        Misaligned frames, negative energies, an allocation above consumption or production, or
        a surplus that does not balance.

    Notes
    -----
    Producer: PROD = P, AUTOPROD = Σ_i A_i, SURPLUS = PROD − AUTOPROD. Consumer i: CONS = C_i,
    AUTOCONS = A_i, COMPLEMENT = CONS − AUTOCONS (D315-4; ``acc-rules.md`` §1.1). One producer:
    the split of AUTOPROD between several producers is UNCONFIRMED.
    """
    if layout not in ("long", "wide"):
        raise DataError(f"layout = {layout!r}: expected 'long' or 'wide'")
    p, a = _check_frames(production_kwh, allocated_kwh)
    if not consumption_kwh.index.equals(allocated_kwh.index) or list(
        consumption_kwh.columns
    ) != list(allocated_kwh.columns):
        raise DataError("consumption_kwh and allocated_kwh: different index or venue columns")
    c = consumption_kwh.to_numpy(dtype=float)
    if not np.isfinite(c).all() or (c < 0).any():
        raise DataError("consumption_kwh: negative or non-finite energies")
    over = a - c
    if (over > 1e-9 * np.maximum(1.0, c)).any():
        t, i = (int(v) for v in np.unravel_index(np.argmax(over), over.shape))
        raise DataError(
            f"allocated_kwh: {allocated_kwh.columns[i]!r} at {allocated_kwh.index[t]} gets more than it consumes"
        )
    autoprod = a.sum(axis=1)
    surplus = p - autoprod
    if surplus_kwh is not None:
        s = surplus_kwh.reindex(production_kwh.index).to_numpy(dtype=float)
        gap = np.abs(s - surplus)
        if not np.isfinite(s).all() or (gap > 1e-6 * np.maximum(1.0, p)).any():
            t = int(np.nanargmax(np.where(np.isfinite(gap), gap, np.inf)))
            raise DataError(
                f"surplus_kwh: at {production_kwh.index[t]} surplus {s[t]:.6g} kWh != production − allocations "
                f"{surplus[t]:.6g} kWh"
            )
    surplus = np.maximum(surplus, 0.0)  # allocations within 1e-9 relative of P
    labels = meter_labels(list(allocated_kwh.columns), meter_ids)
    if producer_id in labels:
        raise DataError(f"producer_id {producer_id!r} is also a consumer's label")
    blocks = {
        (producer_id, "PROD"): p,
        (producer_id, "AUTOPROD"): autoprod,
        (producer_id, "SURPLUS"): surplus,
    }
    for j, label in enumerate(labels):
        blocks[(label, "CONS")] = c[:, j]
        blocks[(label, "AUTOCONS")] = a[:, j]
        blocks[(label, "COMPLEMENT")] = np.maximum(c[:, j] - a[:, j], 0.0)
    wide = pd.DataFrame(
        {k: v * 1000.0 for k, v in blocks.items()},
        index=pd.DatetimeIndex(allocated_kwh.index, name="interval_start"),
    )
    wide.columns = pd.MultiIndex.from_tuples(wide.columns, names=["meter", "quantity"])
    if layout == "wide":
        return wide
    return _wide_to_long(wide)


def _wide_to_long(wide: pd.DataFrame) -> pd.DataFrame:
    t, m = wide.shape
    cols = wide.columns
    return pd.DataFrame(
        {
            "interval_start": wide.index.repeat(m),
            "meter": np.tile(cols.get_level_values("meter").to_numpy(dtype=object), t),
            "quantity": np.tile(cols.get_level_values("quantity").to_numpy(dtype=object), t),
            "energy_wh": wide.to_numpy().reshape(-1),
        }
    )


def identity_residuals(quantities: pd.DataFrame, producer_id: str = "producer") -> pd.DataFrame:
    """Check the identities between the six quantities of a long frame.

    Returns
    -------
    pandas.DataFrame
        Per interval [Wh]: ``surplus_gap`` = PROD − AUTOPROD − SURPLUS, ``autoprod_gap`` =
        AUTOPROD − Σ AUTOCONS, and the largest ``complement_gap`` = |CONS − AUTOCONS −
        COMPLEMENT| over consumers. All ≈ 0 for a consistent statement.
    """
    wide = quantities.pivot_table(
        index="interval_start", columns=["meter", "quantity"], values="energy_wh", aggfunc="sum"
    )
    prod = wide[(producer_id, "PROD")]
    autoprod = wide[(producer_id, "AUTOPROD")]
    surplus = wide[(producer_id, "SURPLUS")]
    consumers = [m for m in wide.columns.get_level_values(0).unique() if m != producer_id]
    autocons = sum(wide[(m, "AUTOCONS")] for m in consumers)
    comp = pd.concat(
        [
            (wide[(m, "CONS")] - wide[(m, "AUTOCONS")] - wide[(m, "COMPLEMENT")]).abs()
            for m in consumers
        ],
        axis=1,
    )
    return pd.DataFrame(
        {
            "surplus_gap": prod - autoprod - surplus,
            "autoprod_gap": autoprod - autocons,
            "complement_gap": comp.max(axis=1),
        }
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


__all__ = [
    "CONSUMER_QUANTITIES",
    "DEFAULT_STEP",
    "PRODUCER_QUANTITIES",
    "QUANTITIES",
    "apply_floored_key",
    "apply_floored_static_key",
    "dynamic_coefficients",
    "export_dynamic_key",
    "export_static_key",
    "floor_coefficients",
    "floor_counts",
    "identity_residuals",
    "meter_labels",
    "read_dynamic_key",
    "read_statement",
    "reconcile",
    "six_quantities",
    "uploaded_key_allocation",
    "write_quantities",
]
