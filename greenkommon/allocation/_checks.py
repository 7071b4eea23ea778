"""Validation and coercion shared by the allocation wrappers (private).

Every public function of :mod:`greenkommon.allocation` coerces its arrays to C-contiguous
float64 and checks them here; a failure is a one-line :class:`~greenkommon.errors.DataError`
naming the argument, the index and the value.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ..errors import DataError

#: Tolerance on "coefficients sum to at most 1" (floating-point sums of decimal shares).
COEFFICIENT_SUM_TOLERANCE = 1e-9


def _as_array(values: Any, name: str, ndim: tuple[int, ...]) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64, order="C")
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name}: expected an array of numbers ({exc})") from None
    if arr.ndim not in ndim:
        want = " or ".join(f"{d}-D" for d in ndim)
        raise DataError(f"{name}: expected a {want} array, got shape {arr.shape}")
    return arr


def _check_finite_nonneg(arr: np.ndarray, name: str) -> None:
    # fast path, two vectorised reductions and no temporary: NaN propagates through min
    if arr.size == 0 or (arr.min() >= 0.0 and arr.max() < np.inf):
        return
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(k) for k in np.argwhere(bad)[0])
        raise DataError(
            f"{name}: non-finite value {arr[where]} at index {where}; expected finite numbers"
        )
    neg = arr < 0
    if neg.any():
        where = tuple(int(k) for k in np.argwhere(neg)[0])
        raise DataError(f"{name}: negative value {arr[where]:.6g} at index {where}; expected ≥ 0")


def _check_sum_le_one(coefficients: np.ndarray, axis: int, name: str) -> None:
    total = coefficients.sum(axis=axis)
    over = total > 1.0 + COEFFICIENT_SUM_TOLERANCE
    if np.any(over):
        where = tuple(int(k) for k in np.argwhere(np.atleast_1d(over))[0])
        value = float(np.atleast_1d(total)[where])
        at = "" if total.ndim == 0 else f" at index {where}"
        raise DataError(
            f"{name}: coefficients sum to {value:.9g}{at}; expected a sum ≤ 1 over venues"
        )


def _production(production_kwh: Any) -> np.ndarray:
    prod = _as_array(production_kwh, "production_kwh", (1, 2))
    _check_finite_nonneg(prod, "production_kwh")
    return prod


def _consumption(consumption_kwh: Any, t_len: int) -> np.ndarray:
    cons = _as_array(consumption_kwh, "consumption_kwh", (2,))
    if cons.shape[1] != t_len:
        raise DataError(
            f"consumption_kwh: shape {cons.shape} has {cons.shape[1]} steps but production_kwh has "
            f"{t_len}; expected (N venues, T steps)"
        )
    if cons.shape[0] == 0:
        raise DataError("consumption_kwh: no venue; expected shape (N ≥ 1, T)")
    _check_finite_nonneg(cons, "consumption_kwh")
    return cons


def _check_n(coef: np.ndarray, cons: np.ndarray, name: str) -> None:
    n = coef.shape[-2] if coef.ndim >= 2 else coef.shape[0]
    if n != cons.shape[0]:
        raise DataError(
            f"{name}: {n} venue(s) but consumption_kwh has {cons.shape[0]}; expected one per venue"
        )


def _pool(prod: np.ndarray) -> np.ndarray:
    return prod if prod.ndim == 1 else np.ascontiguousarray(prod.sum(axis=0))


def numba_running() -> bool:
    """True once this process has run a numba function (any module's).

    numba's first call in a process builds its typing and target contexts (~0.4 s); after that
    a kernel cached on disk loads in milliseconds. :func:`greenkommon.allocation.allocate`
    therefore uses these kernels only in a process that has paid the start-up already (a sweep,
    the uncertainty loop, the web server, a benchmark), and its numpy engine otherwise: the same
    numbers either way. Reads whether numba's runtime is initialised (it is on the first
    compilation or cache load, not at import or decoration); False if that attribute ever moves.
    """
    nrt = sys.modules.get("numba.core.runtime.nrt")
    return getattr(getattr(nrt, "rtsys", None), "_init", False) is True
