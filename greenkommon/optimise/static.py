"""The static-key model."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import OptimisationError
from ._problem import KeyResult, _problem, prorata_allocation, simulate_key
from ._solver import SolveStats
from .fairness import (
    _apply_targets,
    _best_over,
    _bound_arrays,
    _check_concave,
    _combinations,
    _fairness_names,
    _fairness_targets,
    _maxmin_level,
    _pct,
    _restrict_all,
    _static_functions,
)
from .piecewise import PiecewiseLinear
from .separable import _SeparableResult, _solve_separable


def solve_static_key(
    production_kwh: Any,
    consumption_kwh: Any,
    import_price_eur_per_kwh: Any,
    surplus_price_eur_per_kwh: Any = 0.0,
    *,
    internal_price_eur_per_kwh: Any = 0.0,
    fixed_cost_eur: Any = 0.0,
    bill_without_eur: Any = None,
    lower: Any = None,
    upper: Any = None,
    no_loss: bool = False,
    vs_prorata: bool = False,
    equity_shares: Any = None,
    maxmin: bool = False,
    venue_names: Sequence[str] | None = None,
    method: str = "ipm",
    time_limit_s: float = 60.0,
) -> KeyResult:
    """Optimal static key, exactly (see :func:`optimise_static_key` for the parameters).

    Returns
    -------
    KeyResult
    """
    prob = _problem(
        production_kwh,
        consumption_kwh,
        import_price_eur_per_kwh,
        surplus_price_eur_per_kwh,
        internal_price_eur_per_kwh,
        fixed_cost_eur,
        bill_without_eur,
        venue_names,
    )
    n = len(prob.names)
    lo, hi = _bound_arrays(lower, upper, n)
    if (lo < 0).any() or (hi > 1).any() or (lo > hi).any():
        raise OptimisationError("bounds: expected 0 <= lower <= upper <= 1 for every venue")
    if lo.sum() > 1 + 1e-12:
        raise OptimisationError(f"bounds: the lower bounds sum to {_pct(lo.sum())} > 100 %")
    stats = SolveStats()
    notes: list[str] = []
    fairness = _fairness_names(no_loss, vs_prorata, equity_shares, maxmin)
    t0 = time.perf_counter()
    base = _static_functions(prob, lo, hi)
    _check_concave(base, prob, 0, "static key")
    target, why = _fairness_targets(prob, no_loss, vs_prorata)
    choices = _apply_targets(base, prob, lo, hi, target, why)
    stats.build_s += time.perf_counter() - t0

    min_rel = None
    if maxmin:
        ref = np.where(prob.bill_without_eur > 0, prob.bill_without_eur, 1.0)
        min_rel = _maxmin_level(base, prob, choices, ref, method, time_limit_s, stats)
        goal = min_rel * ref - 1e-9 * np.abs(ref) * max(1.0, abs(min_rel))
        choices = _apply_targets(
            base,
            prob,
            lo,
            hi,
            np.maximum(target, goal),
            ["the optimal minimum relative saving"] * n,
        )

    def value_lp(lo_c: np.ndarray, hi_c: np.ndarray) -> _SeparableResult:
        return _solve_separable(
            _restrict_all(base, lo_c, hi_c),
            objective_row=0,
            method=method,
            time_limit_s=time_limit_s,
            what="static key",
            stats=stats,
        )

    if equity_shares is not None:
        shares = np.broadcast_to(np.asarray(equity_shares, dtype=float), (n,))
        if (shares < 0).any() or shares.sum() > 1 + 1e-9:
            raise OptimisationError("equity_shares: expected shares >= 0 summing to at most 1")
        if any(len(c) > 1 for c in choices):
            raise OptimisationError(
                "equity shares: a venue's savings are not concave in its coefficient (import price "
                "below the internal price at times); use model = 'dynamic'"
            )
        lo_c = np.array([c[0][0] for c in choices])
        hi_c = np.array([c[0][1] for c in choices])
        res, _ = _equity_shares(
            prob,
            _restrict_all(base, lo_c, hi_c),
            lo_c,
            hi_c,
            shares,
            method,
            time_limit_s,
            stats,
            notes,
        )
    else:
        res, _, _ = _best_over(choices, value_lp)
        if len(list(_combinations(choices))) > 1:
            notes.append(
                "savings not concave in the coefficients: the best of several ranges per venue was kept"
            )

    k = res.z
    alloc = simulate_key(prob.production_kwh, prob.consumption_kwh, k)
    prorata = prorata_allocation(prob.production_kwh, prob.consumption_kwh)
    return KeyResult(
        coefficients=k,
        objective_eur=prob.value(alloc),
        savings_eur=prob.savings(alloc),
        prorata_savings_eur=prob.savings(prorata),
        prorata_objective_eur=prob.value(prorata),
        model="static",
        fairness=fairness,
        min_relative_saving=min_rel,
        stats=stats,
        notes=notes,
    )


def _share_bounds(funcs, prob, lo, hi, shares, tau):
    """Coefficient bounds putting each venue's savings in ``[α_i τ, α_i τ / Σα]``; ``None`` if empty."""
    beta = shares / shares.sum()
    lo2, hi2 = lo.copy(), hi.copy()
    for i, f in enumerate(funcs):
        up = f.superlevel(shares[i] * tau + prob.fixed_eur[i], row=1)
        down = PiecewiseLinear(f.points, -f.values).superlevel(
            -(beta[i] * tau + prob.fixed_eur[i]), row=1
        )
        if up is None or down is None or up[0] > down[1]:
            return None
        lo2[i], hi2[i] = max(lo2[i], up[0]), min(hi2[i], down[1])
        if lo2[i] > hi2[i]:
            return None
    if lo2.sum() > 1 + 1e-12:
        return None
    return lo2, np.maximum(hi2, lo2)


def _equity_shares(prob, funcs, lo, hi, shares, method, time_limit_s, stats, notes):
    """Shares of the total savings: ``S_i ≥ α_i Σ_j S_j``.

    The constraint is not convex in the coefficients (the other venues' savings appear with a
    minus sign). Any key whose savings lie in the box ``α_i τ ≤ S_i ≤ α_i τ / Σα`` meets it (the
    upper ends sum to τ); for a given total τ the box is a pair of exact coefficient bounds and the
    model stays a convex LP. The total τ is searched: the largest feasible τ by bisection (the box
    rises with τ), then a scan of ``[0, τ_max]`` refined by golden section around its best point.
    When the shares sum to 1 the box is a point and the result is exact (each venue gets exactly
    its share, and the largest total is best); otherwise it is the best key of that family,
    feasible and checked, without a proof of global optimality.
    """
    n = len(funcs)
    s_min = np.array([f.min(1) for f in funcs]) - prob.fixed_eur
    s_max = np.array([f.max(1) for f in funcs]) - prob.fixed_eur
    for i in range(n):
        rest = s_min.sum() - s_min[i]
        best = s_max[i] / (s_max[i] + rest) if s_max[i] + rest > 0 else 0.0
        if shares[i] > best + 1e-12:
            raise OptimisationError(
                f"fairness: venue {prob.names[i]!r} can get at most {_pct(best)} of total savings, "
                f"below its equity share {_pct(shares[i])}"
            )
    if shares.sum() <= 0:
        return _solve_separable(
            funcs, objective_row=0, method=method, time_limit_s=time_limit_s, stats=stats
        ), funcs

    def feasible(tau: float) -> bool:
        return _share_bounds(funcs, prob, lo, hi, shares, tau) is not None

    # the totals τ whose box is reachable form an interval (the box moves up with τ): locate it
    # on a grid, then sharpen both ends by bisection
    top = float(max(s_max.sum(), 0.0))
    grid = np.linspace(0.0, top, 33)
    ok = [feasible(float(x)) for x in grid]
    if not any(ok):
        raise OptimisationError(
            "fairness (equity shares): no static key gives every venue its share of the total savings "
            "(relax the shares or the bounds)"
        )
    first, last = ok.index(True), len(ok) - 1 - ok[::-1].index(True)

    def sharpen(good: float, bad: float) -> float:
        for _ in range(60):
            mid = 0.5 * (good + bad)
            if feasible(mid):
                good = mid
            else:
                bad = mid
        return good

    tau_min = (
        float(grid[first]) if first == 0 else sharpen(float(grid[first]), float(grid[first - 1]))
    )
    tau_max = (
        float(grid[last])
        if last == len(grid) - 1
        else sharpen(float(grid[last]), float(grid[last + 1]))
    )
    cache: dict[float, Any] = {}

    def solve(tau: float):
        if tau not in cache:
            lo2, hi2 = _share_bounds(funcs, prob, lo, hi, shares, tau)
            fs = _restrict_all(funcs, lo2, hi2)
            cache[tau] = _solve_separable(
                fs,
                objective_row=0,
                method=method,
                time_limit_s=time_limit_s,
                what="static key (equity shares)",
                stats=stats,
            )
        return cache[tau]

    if abs(shares.sum() - 1.0) <= 1e-9:
        best_tau = tau_max  # the box is a point: a larger total is better for every venue
    else:
        # coarse scan first (the value need not be unimodal in τ), then golden section around the best
        scan = np.linspace(tau_min, tau_max, 9)
        j = int(np.argmax([solve(float(x)).objective for x in scan]))
        a, b = float(scan[max(j - 1, 0)]), float(scan[min(j + 1, len(scan) - 1)])
        g = (math.sqrt(5) - 1) / 2
        c, d = b - g * (b - a), a + g * (b - a)
        for _ in range(20):
            if solve(c).objective > solve(d).objective:
                b, d = d, c
                c = b - g * (b - a)
            else:
                a, c = c, d
                d = a + g * (b - a)
        best_tau = max(list(cache), key=lambda tt: cache[tt].objective)
    res = solve(best_tau)
    s = np.array([funcs[i](res.z[i], 1) for i in range(n)]) - prob.fixed_eur
    total = s.sum()
    if not (
        s >= shares * total - 1e-7 * max(1.0, abs(total))
    ).all():  # pragma: no cover - guaranteed by the box
        raise OptimisationError(
            "fairness (equity shares): internal check failed: the key does not meet the shares"
        )
    notes.append(
        f"equity shares: best total savings {total:,.2f} €/yr, searched over the reachable totals "
        f"[{tau_min:,.2f}, {tau_max:,.2f}] €/yr (feasible and checked; not a proof of global optimality "
        "unless the shares sum to 100 %)"
    )
    return res, funcs


def optimise_static_key(
    production_kwh: Any,
    consumption_kwh: Any,
    import_price_eur_per_kwh: Any,
    surplus_price_eur_per_kwh: Any = 0.0,
    **fairness: Any,
) -> np.ndarray:
    """Static key minimising the collective's energy cost.

    Maximises ``Σ_i Σ_t (p_it − s_t) min(k_i P_t, C_it)`` over ``k ≥ 0``, ``Σ_i k_i ≤ 1``: the
    value of the self-consumed energy at each venue's import price over the surplus value.

    Parameters
    ----------
    production_kwh : array_like, shape (T,)
        Pooled production per interval [kWh].
    consumption_kwh : array_like, shape (N, T)
        Consumption per venue and interval [kWh].
    import_price_eur_per_kwh : array_like, shape (N, T) or (N,) or scalar
        Price each venue avoids per allocated kWh (time-of-use import price) [€/kWh].
    surplus_price_eur_per_kwh : array_like, shape (T,) or scalar
        Value of a surplus kWh [€/kWh].
    **fairness
        ``internal_price_eur_per_kwh`` (price venues pay for allocated kWh, for their savings;
        default 0), ``fixed_cost_eur`` (N,) (yearly cost of taking part), ``bill_without_eur``
        (N,) (reference of relative savings; default ``Σ_t p C``), ``lower``/``upper`` (N,)
        bounds of the coefficients, ``no_loss``, ``vs_prorata``, ``maxmin`` (bool),
        ``equity_shares`` (N,) minimum shares of total savings, ``venue_names``, ``method``
        (HiGHS algorithm), ``time_limit_s``.

    Returns
    -------
    numpy.ndarray, shape (N,)
        Optimal coefficients [-] (not rounded).

    Raises
    ------
    OptimisationError
        Infeasible fairness (naming the venue and by how much), unbounded model, missing or
        failing solver.

    Notes
    -----
    Venue *i* receives ``A_it = min(k_i P_t, C_it)`` (D315-4): its value is a concave
    piecewise-linear function of ``k_i`` alone, solved exactly by a refined segment LP (module
    notes). Savings: ``S_i = Σ_t (p_it − q_it) A_it − fixed_i``.

    References
    ----------
    Code de l'énergie, articles D315-4 (allocation capped by consumption) and D315-6 (keys,
    default pro-rata key); see ``../shared/reference/acc-rules.md`` §1.
    """
    return solve_static_key(
        production_kwh,
        consumption_kwh,
        import_price_eur_per_kwh,
        surplus_price_eur_per_kwh,
        **fairness,
    ).coefficients
