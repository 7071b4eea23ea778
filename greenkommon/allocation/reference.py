"""Plain-numpy twins of the allocation kernels.

Each function states the same rule as its kernel in :mod:`greenkommon.allocation._kernels`, in
vectorised numpy (whole arrays at once, no Python loop over time steps). They are the oracle of
the tests (kernel and twin must agree to 1e-9) and the honest baseline of the benchmarks.
They do not validate their inputs: call them with what the public wrappers would accept.

All functions take ``production_kwh`` (T,) (pooled) and ``consumption_kwh`` (N, T) and return
``(allocated_kwh (N, T), surplus_kwh (T,), grid_import_kwh (N, T))`` unless stated otherwise.
"""

from __future__ import annotations

import numpy as np


def _finish(production_kwh: np.ndarray, consumption_kwh: np.ndarray, allocated_kwh: np.ndarray):
    surplus = np.maximum(production_kwh - allocated_kwh.sum(axis=0), 0.0)
    return allocated_kwh, surplus, consumption_kwh - allocated_kwh


def static(production_kwh, coefficients, consumption_kwh):
    """A_{i,t} = min(alpha_i P_t, C_{i,t})."""
    allocated = np.minimum(coefficients[:, None] * production_kwh[None, :], consumption_kwh)
    return _finish(production_kwh, consumption_kwh, allocated)


def dynamic(production_kwh, coefficients, consumption_kwh):
    """A_{i,t} = min(alpha_{i,t} P_t, C_{i,t}) with ``coefficients`` (N, T)."""
    allocated = np.minimum(coefficients * production_kwh[None, :], consumption_kwh)
    return _finish(production_kwh, consumption_kwh, allocated)


def prorata(production_kwh, consumption_kwh):
    """A_{i,t} = C_{i,t} min(1, P_t / sum_k C_{k,t}); 0 where sum_k C_{k,t} = 0."""
    total = consumption_kwh.sum(axis=0)
    ratio = np.zeros_like(production_kwh)
    np.divide(production_kwh, total, out=ratio, where=total > 0)
    np.minimum(ratio, 1.0, out=ratio)
    return _finish(production_kwh, consumption_kwh, consumption_kwh * ratio[None, :])


def full_dynamic(production_kwh, coefficients, consumption_kwh):
    """Full dynamic key: ``production_kwh`` (P, T), ``coefficients`` (P, N, T).

    Returns ``(allocated_kwh (N, T), autoprod_kwh (P, T))`` where
    A_{i,t} = min(sum_j beta_{j,i,t} P_{j,t}, C_{i,t}) and each pair is scaled by A/R when the cap
    binds.
    """
    pair = coefficients * production_kwh[:, None, :]  # (P, N, T)
    requested = pair.sum(axis=0)
    allocated = np.minimum(requested, consumption_kwh)
    scale = np.zeros_like(requested)
    np.divide(allocated, requested, out=scale, where=requested > 0)
    return allocated, (pair * scale[None, :, :]).sum(axis=1)


def redistributed(production_kwh, coefficients, consumption_kwh):
    """Static shares, then iterative redistribution of what capped venues leave.

    All steps are processed at once; at most N rounds, each capping one more venue per step or
    absorbing the whole remainder.
    """
    n = consumption_kwh.shape[0]
    coef = np.broadcast_to(coefficients[:, None], consumption_kwh.shape)
    wanted = coef * production_kwh[None, :]
    allocated = np.minimum(wanted, consumption_kwh)
    left = (wanted - allocated).sum(axis=0)
    active = (wanted < consumption_kwh) & (coef > 0)
    for _ in range(n):
        weight = np.where(active, coef, 0.0).sum(axis=0)
        go = (left > 0) & (weight > 0)
        if not go.any():
            break
        # left × (alpha_i / weight): the ratio is ≤ 1, so tiny coefficients cannot overflow
        ratio = np.zeros_like(allocated)
        np.divide(coef, weight[None, :], out=ratio, where=active & go[None, :])
        candidate = allocated + np.where(active, left[None, :] * ratio, 0.0)
        capped = active & (candidate >= consumption_kwh)
        left = np.where(capped, candidate - consumption_kwh, 0.0).sum(axis=0)
        allocated = np.where(capped, consumption_kwh, np.where(active, candidate, allocated))
        active &= ~capped
    return _finish(production_kwh, consumption_kwh, allocated)


def priority(production_kwh, order, consumption_kwh):
    """Venues served in ``order`` (highest priority first), each up to its consumption."""
    allocated = np.empty_like(consumption_kwh)
    left = production_kwh.copy()
    for i in order:  # loop over venues (N), vectorised over time
        allocated[i] = np.minimum(consumption_kwh[i], left)
        left -= allocated[i]
    return _finish(production_kwh, consumption_kwh, allocated)


def floor_coefficients(coefficients, quantum=1e-3):
    """Coefficients floored to a multiple of ``quantum`` (1e-9 quanta of slack for decimals)."""
    return np.floor(coefficients / quantum + 1e-9) * quantum


def batch_kpis(b, chunk=64):
    """KPIs of S scenarios, vectorised over chunks of scenarios (S_chunk, N, T).

    Same contract as :func:`greenkommon.allocation._kernels.batch_kpis_kernel`; ``b`` holds the
    validated arguments (``greenkommon.allocation._batch_inputs``). Static, prorata and dynamic
    keys broadcast over a chunk of scenarios at once; redistributed and priority call their
    (time-vectorised) twin per scenario. Returns ``(allocated (S, N), value (S, N), surplus (S,))``.
    """
    n_s = b.production_scale.shape[0]
    cons = b.consumption_kwh
    n = cons.shape[0]
    allocated = np.empty((n_s, n))
    value = np.zeros((n_s, n))
    surplus = np.empty(n_s)
    total_c = cons.sum(axis=0)
    for lo in range(0, n_s, chunk):
        hi = min(lo + chunk, n_s)
        p = b.production_kwh[b.production_row[lo:hi]] * b.production_scale[lo:hi, None]  # (s, T)
        if b.key == "static":
            a = np.minimum(b.coefficients[lo:hi, :, None] * p[:, None, :], cons[None])
        elif b.key == "dynamic":
            a = np.minimum(b.coefficients_by_step[None] * p[:, None, :], cons[None])
        elif b.key == "prorata":
            ratio = np.zeros_like(p)
            np.divide(p, total_c[None, :], out=ratio, where=total_c[None, :] > 0)
            np.minimum(ratio, 1.0, out=ratio)
            a = cons[None] * ratio[:, None, :]
        elif b.key == "redistributed":
            a = np.stack(
                [redistributed(p[k], b.coefficients[lo + k], cons)[0] for k in range(hi - lo)]
            )
        elif b.key == "priority":
            rows = b.order if b.order.shape[0] > 1 else np.broadcast_to(b.order, (n_s, n))
            a = np.stack([priority(p[k], rows[lo + k], cons)[0] for k in range(hi - lo)])
        else:
            raise ValueError(f"key = {b.key!r}: unknown")
        allocated[lo:hi] = a.sum(axis=2)
        if b.with_value:
            value[lo:hi] = (a * b.price_eur_per_kwh[None]).sum(axis=2)
        surplus[lo:hi] = np.maximum(p - a.sum(axis=1), 0.0).sum(axis=1)
    return allocated, value, surplus
