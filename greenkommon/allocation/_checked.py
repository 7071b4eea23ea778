"""numba kernels of one allocation with the validation fused into their pass (private).

:func:`greenkommon.allocation.allocate` in a process where numba already runs calls these:
each checks every consumption (and production, when asked) is finite and ≥ 0 in the pass that
computes with it, and writes the allocation, the surplus and the complement into preallocated
arrays (AUTOPROD, Σ_i A_{i,t}, is summed by :class:`~greenkommon.allocation.Allocation` when
read). It returns 0, or :data:`BAD_PRODUCTION` / :data:`BAD_CONSUMPTION` for the first argument
holding a bad value: the wrapper then runs the numpy-checked path, which raises the one-line
error naming the index and the value.

Same arithmetic in the same order as :mod:`._kernels` and :mod:`._vector` (the surplus is
P_t − A_{0,t} − A_{1,t} − …): the same floating-point numbers, which
``tests/test_allocation_engines.py`` checks bit for bit. The loops run venue by venue over time
and touch as few arrays as the arithmetic allows: summing AUTOPROD in the same loop cost ~12 µs
on a year at 30 min × 4 venues (measured), more than summing it afterwards, so it is summed
only if read.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._checks import numba_running as numba_running
from ._kernels import _clamp_surplus

#: Return codes of the checked kernels.
BAD_PRODUCTION = 1
BAD_CONSUMPTION = 2


@njit(cache=True)
def _production_ok(production_kwh):
    ok = True
    for t in range(production_kwh.shape[0]):
        p = production_kwh[t]
        ok &= (p >= 0.0) & (p < np.inf)  # NaN fails both
    return ok


@njit(cache=True)
def static_checked(
    production_kwh,
    coefficients,
    consumption_kwh,
    check_production,
    allocated_out,
    surplus_out,
    import_out,
):
    """A_{i,t} = min(alpha_i P_t, C_{i,t}) with the checks of P (if asked) and C."""
    if check_production and not _production_ok(production_kwh):
        return BAD_PRODUCTION
    n, t_len = consumption_kwh.shape
    ok = True
    for i in range(n):
        alpha = coefficients[i]
        if i == 0:  # the first venue starts the surplus: one pass less over it
            for t in range(t_len):
                c = consumption_kwh[0, t]
                ok &= (c >= 0.0) & (c < np.inf)
                p = production_kwh[t]
                a = alpha * p
                a = a if a < c else c
                allocated_out[0, t] = a
                import_out[0, t] = c - a
                surplus_out[t] = p - a
            continue
        for t in range(t_len):
            c = consumption_kwh[i, t]
            ok &= (c >= 0.0) & (c < np.inf)
            a = alpha * production_kwh[t]
            a = a if a < c else c
            allocated_out[i, t] = a
            import_out[i, t] = c - a
            surplus_out[t] -= a
    if not ok:
        return BAD_CONSUMPTION
    _clamp_surplus(surplus_out)
    return 0


@njit(cache=True)
def _dynamic(production_kwh, coefficients, consumption_kwh, allocated_out, surplus_out, import_out):
    # A_{i,t} = min(alpha_{i,t} P_t, C_{i,t}); False if a consumption is bad
    n, t_len = consumption_kwh.shape
    ok = True
    for i in range(n):
        if i == 0:  # the first venue starts the surplus: one pass less over it
            for t in range(t_len):
                c = consumption_kwh[0, t]
                ok &= (c >= 0.0) & (c < np.inf)
                p = production_kwh[t]
                a = coefficients[0, t] * p
                a = a if a < c else c
                allocated_out[0, t] = a
                import_out[0, t] = c - a
                surplus_out[t] = p - a
            continue
        for t in range(t_len):
            c = consumption_kwh[i, t]
            ok &= (c >= 0.0) & (c < np.inf)
            a = coefficients[i, t] * production_kwh[t]
            a = a if a < c else c
            allocated_out[i, t] = a
            import_out[i, t] = c - a
            surplus_out[t] -= a
    _clamp_surplus(surplus_out)
    return ok


@njit(cache=True)
def dynamic_checked(
    production_kwh,
    coefficients,
    consumption_kwh,
    check_production,
    allocated_out,
    surplus_out,
    import_out,
):
    """A_{i,t} = min(alpha_{i,t} P_t, C_{i,t}) (``coefficients`` (N, T), checked by the key)."""
    if check_production and not _production_ok(production_kwh):
        return BAD_PRODUCTION
    if not _dynamic(
        production_kwh, coefficients, consumption_kwh, allocated_out, surplus_out, import_out
    ):
        return BAD_CONSUMPTION
    return 0


@njit(cache=True)
def prorata_checked(
    production_kwh, consumption_kwh, check_production, allocated_out, surplus_out, import_out
):
    """A_{i,t} = C_{i,t} min(1, P_t / sum_k C_{k,t}), and 0 when sum_k C_{k,t} = 0."""
    if check_production and not _production_ok(production_kwh):
        return BAD_PRODUCTION
    n, t_len = consumption_kwh.shape
    ok = True
    ratio = np.zeros(t_len)
    for i in range(n):
        for t in range(t_len):
            c = consumption_kwh[i, t]
            ok &= (c >= 0.0) & (c < np.inf)
            ratio[t] += c
    if not ok:
        return BAD_CONSUMPTION
    for t in range(t_len):
        total_c = ratio[t]
        r = production_kwh[t] / total_c if total_c > 0.0 else 0.0
        ratio[t] = r if r < 1.0 else 1.0
    surplus_out[:] = production_kwh
    for i in range(n):
        for t in range(t_len):
            c = consumption_kwh[i, t]
            a = c * ratio[t]
            allocated_out[i, t] = a
            import_out[i, t] = c - a
            surplus_out[t] -= a
    _clamp_surplus(surplus_out)
    return 0


@njit(cache=True)
def _rescale_step(
    production_kwh, consumption_kwh, coefficients, allocated_out, surplus_out, import_out, t
):
    # Σ_i α_{i,t} in index order (numpy's coef.sum(axis=0)); above 1 (rounding), the step's α
    # is divided by it, as the key a PMO uploads must sum to ≤ 1, and the step recomputed
    n = consumption_kwh.shape[0]
    s = 0.0
    for i in range(n):
        s += coefficients[i, t]
    if not s > 1.0:
        return
    p = production_kwh[t]
    left = p
    for i in range(n):
        alpha = coefficients[i, t] / s
        coefficients[i, t] = alpha
        c = consumption_kwh[i, t]
        a = alpha * p
        a = a if a < c else c
        allocated_out[i, t] = a
        import_out[i, t] = c - a
        left -= a
    surplus_out[t] = left if left > 0.0 else 0.0


@njit(cache=True)
def _replay(production_kwh, consumption_kwh, coefficients, allocated_out, surplus_out, import_out):
    # The strategy's α uploaded as a dynamic key and applied by Enedis; the steps whose α sums
    # above 1 (rare) are then rescaled and recomputed alone (a strided column).
    n, t_len = consumption_kwh.shape
    total = np.zeros(t_len)
    for i in range(n):
        for t in range(t_len):
            total[t] += coefficients[i, t]
    ok = _dynamic(
        production_kwh, coefficients, consumption_kwh, allocated_out, surplus_out, import_out
    )
    for t in range(t_len):
        if total[t] > 1.0:
            _rescale_step(
                production_kwh,
                consumption_kwh,
                coefficients,
                allocated_out,
                surplus_out,
                import_out,
                t,
            )
    return ok


@njit(cache=True)
def priority_checked(
    production_kwh,
    order,
    consumption_kwh,
    check_production,
    coefficients_out,
    allocated_out,
    surplus_out,
    import_out,
):
    """The priority strategy sent to Enedis as a dynamic key and applied by it.

    Venues served in ``order``: A^s_{o_k,t} = min(C_{o_k,t}, L_{k−1,t}), L_k = L_{k−1} − A^s_{o_k}
    from L_0 = P_t; alpha_{i,t} = A^s_{i,t} / P_t (0 where P_t = 0, written to
    ``coefficients_out``), replayed as :func:`replay_checked` does (A_{i,t} = min(alpha_{i,t} P_t,
    C_{i,t}) in the same pass), without materialising A^s.
    """
    if check_production and not _production_ok(production_kwh):
        return BAD_PRODUCTION
    n, t_len = consumption_kwh.shape
    ok = True
    left = production_kwh.copy()
    for k in range(n):
        i = order[k]
        for t in range(t_len):
            c = consumption_kwh[i, t]
            ok &= (c >= 0.0) & (c < np.inf)
            p = production_kwh[t]
            rest = left[t]
            a = c if c < rest else rest
            left[t] = rest - a
            # branch-free so the loop vectorises: where P_t = 0 nothing was allocated (a = 0)
            q = a / (p if p > 0.0 else 1.0)
            alpha = q if p > 0.0 else 0.0
            coefficients_out[i, t] = alpha
            # Enedis's replay of alpha, while C_{i,t} is at hand
            a = alpha * p
            a = a if a < c else c
            allocated_out[i, t] = a
            import_out[i, t] = c - a
    if not ok:
        return BAD_CONSUMPTION
    # the surplus and Σ_i alpha in index order, as the replay of a dynamic key sums them
    total = np.empty(t_len)
    for t in range(t_len):
        surplus_out[t] = production_kwh[t] - allocated_out[0, t]
        total[t] = coefficients_out[0, t]
    for i in range(1, n):
        for t in range(t_len):
            surplus_out[t] -= allocated_out[i, t]
            total[t] += coefficients_out[i, t]
    _clamp_surplus(surplus_out)
    for t in range(t_len):
        if total[t] > 1.0:
            _rescale_step(
                production_kwh,
                consumption_kwh,
                coefficients_out,
                allocated_out,
                surplus_out,
                import_out,
                t,
            )
    return 0


@njit(cache=True)
def replay_checked(
    production_kwh,
    strategy_kwh,
    consumption_kwh,
    check_production,
    coefficients_out,
    allocated_out,
    surplus_out,
    import_out,
):
    """A PMO strategy's allocation ``strategy_kwh`` (N, T) sent to Enedis as a dynamic key.

    alpha_{i,t} = A^s_{i,t} / P_t (0 where P_t = 0), rescaled at a step where rounding makes
    sum_i alpha_{i,t} > 1 (written to ``coefficients_out``); then A_{i,t} = min(alpha_{i,t} P_t,
    C_{i,t}) as :func:`dynamic_checked`.
    """
    if check_production and not _production_ok(production_kwh):
        return BAD_PRODUCTION
    n, t_len = consumption_kwh.shape
    for i in range(n):
        for t in range(t_len):
            p = production_kwh[t]
            q = strategy_kwh[i, t] / (p if p > 0.0 else 1.0)
            coefficients_out[i, t] = q if p > 0.0 else 0.0
    if not _replay(
        production_kwh, consumption_kwh, coefficients_out, allocated_out, surplus_out, import_out
    ):
        return BAD_CONSUMPTION
    return 0


@njit(cache=True)
def copy_checked_coefficients(coefficients, out, limit):
    """Copy (N, T) coefficients into ``out``; True if every value is finite, ≥ 0 and every
    step's sum over venues (A_{0,t} + A_{1,t} + …, numpy's order) is ≤ ``limit``."""
    n, t_len = coefficients.shape
    ok = True
    total = np.zeros(t_len)
    for i in range(n):
        for t in range(t_len):
            x = coefficients[i, t]
            ok &= (x >= 0.0) & (x < np.inf)
            out[i, t] = x
            total[t] += x
    for t in range(t_len):
        ok &= total[t] <= limit
    return ok
