"""Sharing coefficients as Enedis receives them: flooring to 0.1 % and its effect.

From a simulated allocation to what Enedis would allocate once the key is uploaded: the
per-interval coefficients ``α = A / P`` (:func:`dynamic_coefficients`), floored to the upload
resolution so that a set never sums over 100 % (:func:`floor_coefficients`,
:func:`floor_counts`), and the allocation Enedis computes from a floored dynamic or static key
(:func:`apply_floored_key`, :func:`apply_floored_static_key`, :func:`uploaded_key_allocation`),
with the production the flooring turns into surplus.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..allocation import floor_coefficients as _floor_to_step
from ..errors import DataError
from .formats import DEFAULT_STEP

# Coefficient sums above 1 by less than this are floating-point noise of A/P.
_SUM_TOLERANCE = 1e-9


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
