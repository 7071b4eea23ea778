"""numba kernels of the allocation core.

Private: the public wrappers of :mod:`greenkommon.allocation` coerce every argument to a
C-contiguous float64 array, validate it and preallocate the outputs; the kernels below only
compute. They take no Python object, have no explicit signature (so nothing compiles at import)
and are cached on disk (``cache=True``): a second process loads the machine code instead of
compiling it again. The static, pro-rata and simple dynamic keys of one scenario, and the replay
of a PMO strategy as a dynamic key, are in :mod:`greenkommon.allocation._checked` (the
validation fused into their pass).

Conventions: ``production_kwh`` (T,) is the pooled injection P_t; ``consumption_kwh`` (N, T) is
venue-major C_{i,t}; outputs are written in place into ``allocated_out`` (N, T),
``surplus_out`` (T,) and ``import_out`` (N, T). The plain-numpy twin of every kernel lives in
:mod:`greenkommon.allocation.reference`; tests compare them to 1e-9.

The batch kernel parallelises over blocks of scenarios with ``prange``; each iteration writes
only the rows of its own block (disjoint slices), so no reduction crosses threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: Key codes of the batch kernels.
KEY_STATIC = 0
KEY_PRORATA = 1
KEY_REDISTRIBUTED = 2
KEY_PRIORITY = 3
KEY_DYNAMIC = 4

#: Steps processed together by the redistribution kernel (its working set stays in cache).
TILE = 32

#: Below this total weight of the venues still served, a redistribution round divides per venue
#: (alpha_i / weight ≤ 1) instead of once per step (rest / weight could overflow).
TINY_WEIGHT = 1e-250


# --------------------------------------------------------------------------------------------
# single scenario, materialised (N, T) outputs
# --------------------------------------------------------------------------------------------


@njit(cache=True)
def _finish_step_outputs(production_kwh, consumption_kwh, allocated_out, surplus_out, import_out):
    # Surplus and complement from the allocation, once, so every key shares the same identities:
    # SURPLUS = P - sum_i A_i, COMPLEMENT_i = C_i - A_i.
    n, t_len = consumption_kwh.shape
    for t in range(t_len):
        total = 0.0
        for i in range(n):
            a = allocated_out[i, t]
            total += a
            import_out[i, t] = consumption_kwh[i, t] - a
        s = production_kwh[t] - total
        surplus_out[t] = s if s > 0.0 else 0.0


# The single-scenario kernels run venue by venue over time (i outer, t inner): every array is
# then read and written as a few sequential streams, and the inner loop vectorises. The surplus
# starts at P_t and each venue's allocation is taken from it in venue order.


@njit(cache=True)
def _clamp_surplus(surplus_out):
    for t in range(surplus_out.shape[0]):
        if surplus_out[t] < 0.0:
            surplus_out[t] = 0.0


@njit(cache=True)
def full_dynamic_kernel(production_kwh, coefficients, consumption_kwh, allocated_out, autoprod_out):
    """Full dynamic key, one coefficient per (producer j, venue i, step t).

    R_{i,t} = sum_j beta_{j,i,t} P_{j,t}; A_{i,t} = min(R_{i,t}, C_{i,t}); when the cap binds,
    each pair is scaled by A_{i,t} / R_{i,t} so AUTOPROD_{j,t} = sum_i beta_{j,i,t} P_{j,t} A/R.
    ``production_kwh`` is (P, T), ``coefficients`` (P, N, T), ``autoprod_out`` (P, T).
    """
    n_p, t_len = production_kwh.shape
    n = consumption_kwh.shape[0]
    for t in range(t_len):
        for j in range(n_p):
            autoprod_out[j, t] = 0.0
        for i in range(n):
            requested = 0.0
            for j in range(n_p):
                requested += coefficients[j, i, t] * production_kwh[j, t]
            c = consumption_kwh[i, t]
            a = requested if requested < c else c
            allocated_out[i, t] = a
            if requested > 0.0:
                scale = a / requested
                for j in range(n_p):
                    autoprod_out[j, t] += coefficients[j, i, t] * production_kwh[j, t] * scale


@njit(cache=True)
def redistributed_kernel(
    production_kwh, coefficients, consumption_kwh, allocated_out, surplus_out, import_out
):
    """PMO-side static key with iterative redistribution of what capped venues leave.

    Round 1 gives alpha_i P_t capped at C_{i,t}; what capped venues leave (``over``) is shared
    among the venues still below their consumption and with a share (``act``) pro rata of their
    coefficients, until nothing is left or every venue is capped. Each round either absorbs a
    step's whole remainder or caps at least one more venue, so at most N rounds run. All steps
    advance together, round by round, with branch-free updates so the loops over time vectorise
    (the same arithmetic, step by step, as the batch kernel).
    """
    n, t_len = consumption_kwh.shape
    over = np.empty(TILE)
    rest = np.empty(TILE)
    weight = np.empty(TILE)  # sum of alpha_i over the venues still served, for the next round
    weight_now = np.empty(TILE)
    act = np.empty((n, TILE))
    a_tile = np.empty((n, TILE))  # local: no aliasing with the inputs, so the loops vectorise
    # Tiles of steps: a tile's working set stays in cache through all its rounds, and a tile
    # with nothing to redistribute (nights) stops after round 1. Each pass also sums the
    # weights of the next round, so a round is one pass over the tile.
    for t0 in range(0, t_len, TILE):
        m = min(TILE, t_len - t0)
        over[:m] = 0.0
        weight[:m] = 0.0
        for i in range(n):
            alpha = coefficients[i]
            for k in range(m):
                t = t0 + k
                c = consumption_kwh[i, t]
                a = alpha * production_kwh[t]
                excess = a - c
                over[k] += excess if excess > 0.0 else 0.0
                a_tile[i, k] = a if a < c else c
                on = 1.0 if (excess < 0.0) & (alpha > 0.0) else 0.0
                act[i, k] = on
                weight[k] += alpha * on
        for _ in range(n):
            busy = 0
            tiny = 0
            for k in range(m):
                ok = (over[k] > 0.0) & (weight[k] > 0.0)
                rest[k] = over[k] if ok else 0.0
                weight_now[k] = weight[k] if ok else 1.0
                tiny += ok & (weight_now[k] < TINY_WEIGHT)
                over[k] = 0.0
                weight[k] = 0.0
                busy += ok
            if busy == 0:
                break
            if tiny == 0:
                # the common case: one division per step, then rest × alpha_i
                for k in range(m):
                    rest[k] = rest[k] / weight_now[k]
            for i in range(n):
                alpha = coefficients[i]
                for k in range(m):
                    # With tiny weights rest / weight could overflow, so the round divides per
                    # venue, rest × (alpha_i / weight) with a ratio ≤ 1. An inactive venue gets
                    # × 0 and, capped or shareless, gives nothing back.
                    t = t0 + k
                    on = act[i, k]
                    c = consumption_kwh[i, t]
                    if tiny == 0:
                        a = a_tile[i, k] + rest[k] * alpha * on
                    else:
                        a = a_tile[i, k] + rest[k] * (alpha / weight_now[k]) * on
                    excess = a - c
                    over[k] += excess if excess > 0.0 else 0.0
                    a_tile[i, k] = a if a < c else c
                    on = on if excess < 0.0 else 0.0
                    act[i, k] = on
                    weight[k] += alpha * on
        for i in range(n):
            for k in range(m):
                allocated_out[i, t0 + k] = a_tile[i, k]
    surplus_out[:] = production_kwh
    for i in range(n):
        for t in range(t_len):
            a = allocated_out[i, t]
            import_out[i, t] = consumption_kwh[i, t] - a
            surplus_out[t] -= a
    _clamp_surplus(surplus_out)


@njit(cache=True)
def priority_kernel(production_kwh, order, consumption_kwh, allocated_out, surplus_out, import_out):
    """Venues served in ``order`` (int64 (N,), highest priority first), each up to C_{i,t}."""
    n, t_len = consumption_kwh.shape
    surplus_out[:] = production_kwh  # what is left after the venues served so far
    for k in range(n):
        i = order[k]
        for t in range(t_len):
            c = consumption_kwh[i, t]
            left = surplus_out[t]
            a = c if c < left else left
            allocated_out[i, t] = a
            import_out[i, t] = c - a
            surplus_out[t] = left - a
    _clamp_surplus(surplus_out)


# --------------------------------------------------------------------------------------------
# many scenarios, KPI only (no (N, T) array materialised)
# --------------------------------------------------------------------------------------------


#: Scenarios evaluated together per time step by the batch kernel: the loads of step t are read
#: once for the whole block (memory traffic / block size) and the inner loop over the block is
#: contiguous, so LLVM vectorises it.
BATCH_BLOCK = 64


@njit(cache=True, parallel=True)
def batch_kpis_kernel(
    production_kwh,
    production_row,
    production_scale,
    key_code,
    coefficients_t,
    order,
    coefficients_by_step,
    consumption_kwh,
    price_eur_per_kwh,
    with_value,
    allocated_out,
    value_out,
    surplus_out,
):
    """KPIs of S scenarios sharing the same loads.

    Scenario s uses the production ``production_kwh[production_row[s]] * production_scale[s]``
    (T,) and, by key: static / redistributed, ``coefficients_t[:, s]`` (N, S: transposed so a
    block of scenarios is contiguous); priority, ``order[s]`` (S, N), or ``order[0]`` for
    every scenario when ``order`` has one row; dynamic, the shared
    ``coefficients_by_step`` (N, T). It writes allocated_out[s, i] = sum_t A_{i,t},
    value_out[s, i] = sum_t A_{i,t} w_{i,t} with w = ``price_eur_per_kwh`` (N, T) (skipped when
    ``with_value`` is False) and surplus_out[s] = sum_t (P_t - sum_i A_{i,t}).

    Scenarios are processed in blocks of :data:`BATCH_BLOCK`, one block per ``prange``
    iteration; a block writes only its own rows of the outputs.
    """
    n, t_len = consumption_kwh.shape
    n_s = production_scale.shape[0]
    inv_total_c = np.zeros(t_len)
    for t in range(t_len):
        total = 0.0
        for i in range(n):
            total += consumption_kwh[i, t]
        if total > 0.0:
            inv_total_c[t] = 1.0 / total
    n_blocks = (n_s + BATCH_BLOCK - 1) // BATCH_BLOCK
    for b in prange(n_blocks):
        s0 = b * BATCH_BLOCK
        m = min(BATCH_BLOCK, n_s - s0)
        alloc = np.zeros((n, m))
        value = np.zeros((n, m))
        surplus = np.zeros(m)
        p = np.empty(m)
        left = np.empty(m)
        a_blk = np.empty((n, m))
        act = np.empty((n, m))
        over = np.empty(m)
        weight = np.empty(m)
        weight_now = np.empty(m)
        share = np.empty(m)
        for t in range(t_len):
            for k in range(m):
                p[k] = production_kwh[production_row[s0 + k], t] * production_scale[s0 + k]
                left[k] = p[k]
            # Every key but priority starts with a closed form per (venue, scenario), written as
            # separate contiguous loops over the block so each one vectorises.
            if key_code == KEY_STATIC:
                for i in range(n):
                    c = consumption_kwh[i, t]
                    coef_row = coefficients_t[i]
                    for k in range(m):
                        a = coef_row[s0 + k] * p[k]
                        a_blk[i, k] = a if a < c else c
            elif key_code == KEY_DYNAMIC:
                for i in range(n):
                    c = consumption_kwh[i, t]
                    dyn = coefficients_by_step[i, t]
                    for k in range(m):
                        a = dyn * p[k]
                        a_blk[i, k] = a if a < c else c
            elif key_code == KEY_PRORATA:
                ratio_t = inv_total_c[t]
                for i in range(n):
                    c = consumption_kwh[i, t]
                    for k in range(m):
                        r = p[k] * ratio_t
                        a_blk[i, k] = c * (r if r < 1.0 else 1.0)
            elif key_code == KEY_PRIORITY and order.shape[0] == 1:
                # one order shared by every scenario: venue by venue, vectorised over the block
                # (``left`` is what remains of each scenario's production)
                for j in range(n):
                    i = order[0, j]
                    c = consumption_kwh[i, t]
                    for k in range(m):
                        rest = left[k]
                        a = c if c < rest else rest
                        a_blk[i, k] = a
                        left[k] = rest - a
                for k in range(m):
                    left[k] = p[k]
            elif key_code == KEY_PRIORITY:
                for k in range(m):
                    rest = p[k]
                    for j in range(n):
                        i = order[s0 + k, j]
                        c = consumption_kwh[i, t]
                        a = c if c < rest else rest
                        a_blk[i, k] = a
                        rest -= a
            if key_code == KEY_REDISTRIBUTED:
                # Round 1 is the static key; the redistribution rounds run for the whole block
                # at once (the arithmetic of redistributed_kernel, branch-free so the block loops
                # vectorise) and stop as soon as no scenario of the block has anything left.
                for k in range(m):
                    over[k] = 0.0
                    weight[k] = 0.0
                for i in range(n):
                    c = consumption_kwh[i, t]
                    coef_row = coefficients_t[i]
                    for k in range(m):
                        coef = coef_row[s0 + k]
                        a = coef * p[k]
                        excess = a - c
                        over[k] += excess if excess > 0.0 else 0.0
                        a_blk[i, k] = a if a < c else c
                        on = 1.0 if (excess < 0.0) & (coef > 0.0) else 0.0
                        act[i, k] = on
                        weight[k] += coef * on
                for _ in range(n):
                    busy = 0
                    tiny = 0
                    for k in range(m):
                        ok = (over[k] > 0.0) & (weight[k] > 0.0)
                        share[k] = over[k] if ok else 0.0
                        weight_now[k] = weight[k] if ok else 1.0
                        tiny += ok & (weight_now[k] < TINY_WEIGHT)
                        busy += ok
                        over[k] = 0.0
                        weight[k] = 0.0
                    if busy == 0:
                        break
                    if tiny == 0:
                        for k in range(m):
                            share[k] = share[k] / weight_now[k]
                    for i in range(n):
                        c = consumption_kwh[i, t]
                        coef_row = coefficients_t[i]
                        for k in range(m):
                            # branch-free so the block loop vectorises: an inactive venue gets
                            # share × 0 and, being capped or shareless, gives back nothing.
                            coef = coef_row[s0 + k]
                            on = act[i, k]
                            if tiny == 0:
                                a = a_blk[i, k] + share[k] * coef * on
                            else:
                                a = a_blk[i, k] + share[k] * (coef / weight_now[k]) * on
                            excess = a - c
                            over[k] += excess if excess > 0.0 else 0.0
                            a_blk[i, k] = a if a < c else c
                            on = on if excess < 0.0 else 0.0
                            act[i, k] = on
                            weight[k] += coef * on
            for i in range(n):
                w = price_eur_per_kwh[i, t]
                for k in range(m):
                    a = a_blk[i, k]
                    alloc[i, k] += a
                    left[k] -= a
                if with_value:
                    for k in range(m):
                        value[i, k] += a_blk[i, k] * w
            for k in range(m):
                if left[k] > 0.0:
                    surplus[k] += left[k]
        for k in range(m):
            for i in range(n):
                allocated_out[s0 + k, i] = alloc[i, k]
                value_out[s0 + k, i] = value[i, k]
            surplus_out[s0 + k] = surplus[k]


# --------------------------------------------------------------------------------------------
# batch KPIs by sorted breakpoints (static, prorata and dynamic keys over one production curve)
# --------------------------------------------------------------------------------------------
# For these keys every term is a capped line in one scalar of the scenario, A_{i,t}(x) =
# min(x u_{i,t}, c_{i,t}): x = alpha_{s,i} sigma_s (static), sigma_s (prorata, dynamic), where
# sigma_s scales the production. Sorting the breakpoints b_{i,t} = c_{i,t} / u_{i,t} once gives
# sum_t A_{i,t}(x) = sum_{b_t <= x} c_t + x sum_{b_t > x} u_t, read in O(log T) per scenario.


@njit(cache=True)
def breakpoint_tables(
    slope, cap, weight, bp_out, cum_cap_out, suf_slope_out, cum_wcap_out, suf_wslope_out
):
    """Sorted breakpoints and prefix/suffix sums of the capped lines min(x slope, cap), per venue.

    ``slope``, ``cap``, ``weight`` are (N, T); outputs are (N, T) for ``bp_out`` and (N, T + 1)
    for the sums (``cum_*`` over the capped terms b ≤ x, ``suf_*`` over the linear ones).
    """
    n, t_len = slope.shape
    b = np.empty(t_len)
    for i in range(n):
        for t in range(t_len):
            u = slope[i, t]
            c = cap[i, t]
            # a term with no slope or no cap is 0 for every x: file it as capped at c (0 or
            # reached at once), so it only ever adds c * [x >= 0] = its true value min(0, c) = 0
            b[t] = c / u if (u > 0.0 and c > 0.0) else 0.0
        order = np.argsort(b, kind="mergesort")
        cum_cap_out[i, 0] = 0.0
        cum_wcap_out[i, 0] = 0.0
        for j in range(t_len):
            t = order[j]
            bp_out[i, j] = b[t]
            c = cap[i, t] if (slope[i, t] > 0.0 and cap[i, t] > 0.0) else 0.0
            cum_cap_out[i, j + 1] = cum_cap_out[i, j] + c
            cum_wcap_out[i, j + 1] = cum_wcap_out[i, j] + c * weight[i, t]
        suf_slope_out[i, t_len] = 0.0
        suf_wslope_out[i, t_len] = 0.0
        for j in range(t_len - 1, -1, -1):
            t = order[j]
            u = slope[i, t] if (slope[i, t] > 0.0 and cap[i, t] > 0.0) else 0.0
            suf_slope_out[i, j] = suf_slope_out[i, j + 1] + u
            suf_wslope_out[i, j] = suf_wslope_out[i, j + 1] + u * weight[i, t]


@njit(cache=True, parallel=True)
def breakpoint_kpis_kernel(
    bp, cum_cap, suf_slope, cum_wcap, suf_wslope, x, allocated_out, value_out
):
    """allocated_out[s, i] = F_i(x[s, i]) and value_out[s, i] = V_i(x[s, i]) from the tables of
    :func:`breakpoint_tables`; each scenario writes only its own row."""
    n_s, n = x.shape
    for s in prange(n_s):
        for i in range(n):
            xi = x[s, i]
            j = np.searchsorted(bp[i], xi, side="right")
            allocated_out[s, i] = cum_cap[i, j] + xi * suf_slope[i, j]
            value_out[s, i] = cum_wcap[i, j] + xi * suf_wslope[i, j]
