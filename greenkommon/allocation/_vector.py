"""Single-scenario engine of the vectorisable keys, in numpy, bit-identical to the kernels.

:func:`greenkommon.allocation.allocate` on one scenario is a few streams over (N, T) arrays. In
a process where numba has not started (a one-shot ``greenkommon run``), numpy does it without
numba's start-up (its first call in a process builds its typing tables, ~0.4 s; a first run
also compiles the kernel, seconds): the static, pro-rata, simple dynamic and priority keys of
one scenario run here, and numba serves the redistribution rounds and the full dynamic key. Once
numba runs, the kernels of :mod:`._checked` are faster (the checks fused in, one pass per key).

Every function repeats its kernel's arithmetic in the same order (vectorised over time,
sequential over venues): the results are the same floating-point numbers, which
``tests/test_allocation_engines.py`` and ``tests/test_allocation_twins.py`` check bit for bit
against :mod:`._checked` and :mod:`._kernels`. (The plain numpy twins of :mod:`.reference` are
the independent check; they sum in another order.)
"""

from __future__ import annotations

import numpy as np


def _finish(production_kwh: np.ndarray, allocated: np.ndarray) -> np.ndarray:
    # S_t = P_t - A_{0,t} - A_{1,t} - ..., venue by venue as the kernels subtract, then >= 0
    surplus = production_kwh.copy()
    for row in allocated:
        surplus -= row
    surplus[surplus < 0.0] = 0.0
    return surplus


def static(
    production_kwh: np.ndarray, coefficients: np.ndarray, consumption_kwh: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A_{i,t} = min(alpha_i P_t, C_{i,t}): (allocated, surplus, import)."""
    with np.errstate(over="ignore"):  # as the kernel: an overflow is capped by C below
        allocated = coefficients[:, None] * production_kwh[None, :]
    # min(a, c) is the kernel's ``a if a < c else c`` for numbers (no NaN passes validation)
    np.minimum(allocated, consumption_kwh, out=allocated)
    return allocated, _finish(production_kwh, allocated), consumption_kwh - allocated


def dynamic(
    production_kwh: np.ndarray, coefficients: np.ndarray, consumption_kwh: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A_{i,t} = min(alpha_{i,t} P_t, C_{i,t}): (allocated, surplus, import)."""
    with np.errstate(over="ignore"):
        allocated = coefficients * production_kwh[None, :]
    np.minimum(allocated, consumption_kwh, out=allocated)
    return allocated, _finish(production_kwh, allocated), consumption_kwh - allocated


def prorata(
    production_kwh: np.ndarray, consumption_kwh: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A_{i,t} = C_{i,t} min(1, P_t / sum_k C_{k,t}), 0 when sum_k C_{k,t} = 0."""
    total = np.zeros(production_kwh.shape)
    for row in consumption_kwh:
        total += row
    ratio = np.zeros(production_kwh.shape)
    with np.errstate(over="ignore"):  # P / subnormal ΣC = inf, capped at 1 below (as the kernel)
        np.divide(production_kwh, total, out=ratio, where=total > 0.0)
    np.minimum(ratio, 1.0, out=ratio)  # the kernel's ``r if r < 1.0 else 1.0`` (no NaN here)
    allocated = consumption_kwh * ratio[None, :]
    return allocated, _finish(production_kwh, allocated), consumption_kwh - allocated


def priority(
    production_kwh: np.ndarray, order: np.ndarray, consumption_kwh: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Venues served in ``order``, each up to C_{i,t}: (allocated, surplus, import)."""
    allocated = np.empty_like(consumption_kwh)
    left = production_kwh.copy()
    for i in order:
        c = consumption_kwh[i]
        a = np.where(c < left, c, left)
        allocated[i] = a
        left = left - a
    left[left < 0.0] = 0.0
    return allocated, left, consumption_kwh - allocated
