"""Rounding an optimal key to the precision of an uploaded key."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import allocation


def floor_coefficients(coefficients: np.ndarray, precision: float) -> np.ndarray:
    """Floor coefficients to a multiple of ``precision`` so that Σ never exceeds 1.

    The flooring is :func:`greenkommon.allocation.floor_coefficients` (a slack of 1e-9 step
    keeps 0.3 at 0.3); solver output gets a further relative slack of 1e-12 (LP noise just below
    a multiple of ``precision`` must not lose a step), and the result is clipped to [0, 1].
    """
    k = np.asarray(coefficients, dtype=float) * (1 + 1e-12)
    return np.clip(allocation.floor_coefficients(k, precision), 0.0, 1.0)


def round_static_key(
    coefficients: np.ndarray,
    production_kwh: np.ndarray,
    consumption_kwh: np.ndarray,
    value_eur_per_kwh: np.ndarray,
    saving_eur_per_kwh: np.ndarray,
    precision: float,
    *,
    fixed_cost_eur: Any = 0.0,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
    targets_eur: np.ndarray | None = None,
    equity_shares: np.ndarray | None = None,
) -> tuple[np.ndarray, bool]:
    """Best key on the upload grid next to an optimal one.

    Each coefficient is floored or raised by one step of ``precision``; of the ``2^N`` neighbours
    with ``Σ ≤ 1`` inside the bounds, the one with the highest collective value that still meets
    the per-venue targets and equity shares is kept (values straight from ``min(k P, C)``). With
    more than 12 venues, or when no neighbour meets the fairness options, the floored key is the
    fallback.

    Returns
    -------
    coefficients : numpy.ndarray
        Multiples of ``precision`` [-].
    fair : bool
        Whether the rounded key still meets the targets and shares.
    """
    k = np.asarray(coefficients, dtype=float)
    n = k.size
    lower = np.zeros(n) if lower is None else np.asarray(lower, dtype=float)
    upper = np.ones(n) if upper is None else np.asarray(upper, dtype=float)
    fixed = np.broadcast_to(np.asarray(fixed_cost_eur, dtype=float), (n,))
    down = floor_coefficients(k, precision)
    tol = 1e-12

    def evaluate(kk):
        alloc = np.minimum(kk[:, None] * production_kwh[None, :], consumption_kwh)
        return (value_eur_per_kwh * alloc).sum(axis=1), (saving_eur_per_kwh * alloc).sum(
            axis=1
        ) - fixed

    def fair(sav):
        ok = True
        if targets_eur is not None:
            ok &= bool((sav >= targets_eur - 1e-9 * np.maximum(1.0, np.abs(targets_eur))).all())
        if equity_shares is not None:
            ok &= bool((sav >= equity_shares * sav.sum() - 1e-9 * max(1.0, abs(sav.sum()))).all())
        return ok

    if n > 12:
        return down, fair(evaluate(down)[1])
    up = np.round(down / precision + 1) * precision
    options = [np.array([d, u]) for d, u in zip(down, up, strict=True)]
    allowed = [
        np.array([lower[i] - tol <= o <= upper[i] + tol for o in options[i]]) for i in range(n)
    ]
    val_d, sav_d = evaluate(down)
    val_u, sav_u = evaluate(np.minimum(up, 1.0))
    best, best_val, best_fair = down, -np.inf, False
    for mask in range(1 << n):
        bits = np.array([(mask >> i) & 1 for i in range(n)], dtype=bool)
        kk = np.where(bits, up, down)
        if kk.sum() > 1 + 1e-9 or not all(allowed[i][int(bits[i])] for i in range(n)):
            continue
        val = float(np.where(bits, val_u, val_d).sum())
        ok = fair(np.where(bits, sav_u, sav_d))
        if (ok, val) > (best_fair, best_val):
            best, best_val, best_fair = kk, val, ok
    return np.clip(best, 0.0, 1.0), best_fair


def round_dynamic_key(
    coefficients: np.ndarray,
    production_kwh: np.ndarray,
    consumption_kwh: np.ndarray,
    value_eur_per_kwh: np.ndarray,
    precision: float,
    saving_eur_per_kwh: np.ndarray | None = None,
) -> np.ndarray:
    """Floor a dynamic key to ``precision``, then hand the freed steps back where they are worth most.

    In each interval the steps left by flooring (``1 − Σ floor``) go, one venue at a time in
    decreasing value of its kWh, to venues whose floored share does not cover their consumption,
    never more than the steps that cover it. Σ stays ≤ 1; every venue gets at least its floor.
    With ``saving_eur_per_kwh``, no step goes where it would lower the venue's own savings (so
    the monotone fairness options stay as they were after flooring).
    """
    k = floor_coefficients(coefficients, precision)
    if k.size == 0:
        return k
    steps_left = np.floor((1.0 - k.sum(axis=0)) / precision + 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(
            production_kwh[None, :] > 0, consumption_kwh / production_kwh[None, :], 0.0
        )
    need = np.maximum(np.ceil((cover - k) / precision - 1e-9), 0.0)
    worth = value_eur_per_kwh > 0
    if saving_eur_per_kwh is not None:
        worth &= saving_eur_per_kwh >= 0
    need = np.where(worth, need, 0.0)
    order = np.argsort(-value_eur_per_kwh, axis=0, kind="stable")
    cols = np.arange(k.shape[1])
    for rank in range(k.shape[0]):
        i = order[rank]
        give = np.minimum(need[i, cols], steps_left)
        k[i, cols] += give * precision
        steps_left -= give
    return np.clip(k, 0.0, 1.0)
