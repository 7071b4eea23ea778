"""The dynamic-key model."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import OptimisationError
from ._problem import KeyResult, _Problem, _problem, prorata_allocation
from ._solver import SolveStats, _pyomo, _solve, _solver
from .fairness import _fairness_names, _fairness_targets


def greedy_dynamic_allocation(
    production_kwh: np.ndarray, consumption_kwh: np.ndarray, value_eur_per_kwh: np.ndarray
) -> np.ndarray:
    """Best dynamic allocation without fairness: each interval serves the highest values first [kWh].

    Venues whose allocated kWh is worth nothing (``value ≤ 0``) get none.
    """
    n, t = consumption_kwh.shape
    cons = np.where(value_eur_per_kwh > 0, consumption_kwh, 0.0)
    order = np.argsort(-value_eur_per_kwh, axis=0, kind="stable")
    c_sorted = np.take_along_axis(cons, order, axis=0)
    before = np.cumsum(c_sorted, axis=0) - c_sorted
    a_sorted = np.clip(production_kwh[None, :] - before, 0.0, c_sorted)
    alloc = np.empty_like(a_sorted)
    np.put_along_axis(alloc, order, a_sorted, axis=0)
    return alloc


def solve_dynamic_key(
    production_kwh: Any,
    consumption_kwh: Any,
    import_price_eur_per_kwh: Any,
    surplus_price_eur_per_kwh: Any = 0.0,
    *,
    internal_price_eur_per_kwh: Any = 0.0,
    fixed_cost_eur: Any = 0.0,
    bill_without_eur: Any = None,
    no_loss: bool = False,
    vs_prorata: bool = False,
    equity_shares: Any = None,
    maxmin: bool = False,
    venue_names: Sequence[str] | None = None,
    method: str = "ipm",
    time_limit_s: float = 60.0,
    force_lp: bool = False,
    aggregate: bool | None = None,
) -> KeyResult:
    """Optimal dynamic key: one coefficient per venue and interval.

    Maximises ``Σ_it (p_it − s_t) a_it`` over ``0 ≤ a_it ≤ C_it``, ``Σ_i a_it ≤ P_t``, with the
    fairness options as linear constraints on the yearly savings ``S_i = Σ_t (p_it − q_it) a_it −
    fixed_i`` (here ``equity_shares`` is linear, hence exact). Coefficients ``a_it / P_t``.

    Without fairness the LP is solved by its greedy optimum (highest value first in every
    interval) unless ``force_lp``. With time-of-use prices (few distinct price columns over the
    year) the LP is written over yearly totals per price class, exactly (see
    :func:`_aggregated_layout`); otherwise one variable per venue and scarce interval (intervals
    where production covers every venue are fixed at ``a = C`` when that is optimal for every
    option asked). ``aggregate`` forces one layout (``None``: the smaller).

    Returns
    -------
    KeyResult
        ``coefficients`` of shape (N, T).
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
    p, c = prob.production_kwh, prob.consumption_kwh
    n, t = c.shape
    stats = SolveStats()
    fairness = _fairness_names(no_loss, vs_prorata, equity_shares, maxmin)
    prorata = prorata_allocation(p, c)
    min_rel = None
    if not fairness and not force_lp:
        alloc = greedy_dynamic_allocation(p, c, prob.w)
    else:
        alloc, min_rel = _dynamic_lp(
            prob,
            no_loss,
            vs_prorata,
            equity_shares,
            maxmin,
            method,
            time_limit_s,
            stats,
            aggregate=aggregate,
        )
    coefficients = np.clip(
        np.divide(alloc, p[None, :], out=np.zeros_like(alloc), where=p[None, :] > 0), 0.0, 1.0
    )
    # solver tolerance: scale down any interval whose coefficients sum a hair above 1
    coefficients /= np.maximum(1.0, coefficients.sum(axis=0))[None, :]
    return KeyResult(
        coefficients=coefficients,
        objective_eur=prob.value(alloc),
        savings_eur=prob.savings(alloc),
        prorata_savings_eur=prob.savings(prorata),
        prorata_objective_eur=prob.value(prorata),
        model="dynamic",
        fairness=fairness,
        min_relative_saving=min_rel,
        stats=stats,
    )


def _dynamic_lp(
    prob: _Problem,
    no_loss,
    vs_prorata,
    equity_shares,
    maxmin,
    method,
    time_limit_s,
    stats,
    aggregate: bool | None = None,
):
    """The dynamic-key LP with fairness; returns the allocation (N, T) and the maxmin level.

    Two exact layouts of the same LP: one variable per venue and scarce interval, or, when the
    value and saving per kWh take few distinct columns over the year (time-of-use prices), the
    aggregated layout of :func:`_aggregated_layout`. ``aggregate=None`` picks the smaller.
    """
    pyo, _ = _pyomo()
    p, c = prob.production_kwh, prob.consumption_kwh
    n, t = c.shape
    t0 = time.perf_counter()
    target, why = _fairness_targets(prob, no_loss, vs_prorata)
    # a venue's best case: every kWh it can take, where it saves money
    best = (np.maximum(prob.v, 0) * np.minimum(c, p[None, :])).sum(axis=1) - prob.fixed_eur
    for i in range(n):
        if target[i] > best[i] + 1e-9 * max(1.0, abs(best[i])):
            raise OptimisationError(
                f"fairness: venue {prob.names[i]!r} can save at most {best[i]:,.2f} €/yr with any dynamic key, below {why[i]}"
            )
    columns = np.concatenate([prob.w, prob.v], axis=0).T
    _, klass, counts = np.unique(columns, axis=0, return_inverse=True, return_counts=True)
    klass = klass.reshape(-1)
    n_classes = len(counts)
    if aggregate is None:
        aggregate = n <= _AGGREGATE_MAX_VENUES and n_classes * (2**n - 1) < 0.25 * n * t
    m = pyo.ConcreteModel()
    if aggregate:
        layout = _aggregated_layout(pyo, m, prob, klass, n_classes)
    else:
        layout = _interval_layout(pyo, m, prob, equity_shares is None)
    const_s, vterms, value = layout["const_s"], layout["vterms"], layout["value"]

    def saving(i: int):
        return float(const_s[i]) + pyo.quicksum(float(coef) * var for coef, var in vterms[i])

    m.s = pyo.Var(range(n))
    m.s_def = pyo.Constraint(range(n), rule=lambda _m, i: m.s[i] == saving(i))
    fin = [i for i in range(n) if np.isfinite(target[i])]
    m.target = pyo.Constraint(fin, rule=lambda _m, i: m.s[i] >= float(target[i]))
    if equity_shares is not None:
        shares = np.broadcast_to(np.asarray(equity_shares, dtype=float), (n,))
        m.share = pyo.Constraint(
            range(n),
            rule=lambda _m, i: m.s[i] >= float(shares[i]) * pyo.quicksum(m.s[j] for j in range(n)),
        )
    min_rel = None
    stats.n_variables = layout["n_variables"] + n
    stats.n_constraints = m.nconstraints()
    solver = _solver(time_limit_s)
    if maxmin:
        ref = np.where(prob.bill_without_eur > 0, prob.bill_without_eur, 1.0)
        m.tau = pyo.Var()
        m.fair = pyo.Constraint(range(n), rule=lambda _m, i: m.s[i] >= float(ref[i]) * m.tau)
        m.obj_tau = pyo.Objective(expr=m.tau, sense=pyo.maximize)
        stats.build_s += time.perf_counter() - t0
        _solve(m, stats, method, time_limit_s, "dynamic key (maxmin)", solver)
        min_rel = float(m.tau.value)
        m.tau.fix(min_rel - 1e-9 * max(1.0, abs(min_rel)))
        m.obj_tau.deactivate()
        t0 = time.perf_counter()
    m.obj = pyo.Objective(expr=value, sense=pyo.maximize)
    stats.build_s += time.perf_counter() - t0
    try:
        _solve(m, stats, method, time_limit_s, "dynamic key", solver)
    except OptimisationError as exc:
        if "infeasible" in str(exc) and _fairness_any(no_loss, vs_prorata, equity_shares):
            raise OptimisationError(
                "dynamic key: the fairness constraints cannot all hold together "
                "(each venue's target is reachable alone; relax one of the options)"
            ) from None
        raise
    alloc = layout["extract"]()
    if aggregate:
        stats.n_solves += 1  # the disaggregation LP
    if min_rel is not None:
        min_rel = float(
            np.min(
                prob.savings(alloc)
                / np.where(prob.bill_without_eur > 0, prob.bill_without_eur, 1.0)
            )
        )
    return alloc, min_rel


#: Largest number of venues for the aggregated dynamic layout (2^N − 1 rank rows, N! orderings).
_AGGREGATE_MAX_VENUES = 6


def _interval_layout(pyo, m, prob: _Problem, can_fix: bool) -> dict[str, Any]:
    """One variable per venue and scarce interval (intervals of plenty fixed at ``a = C``)."""
    p, c = prob.production_kwh, prob.consumption_kwh
    n, t = c.shape
    plenty = c.sum(axis=0) <= p
    fixed_mask = plenty[None, :] & (prob.w >= 0) & (prob.v >= 0) & can_fix
    var_mask = (c > 0) & (p[None, :] > 0) & ~fixed_mask
    base = np.where(fixed_mask, c, 0.0)
    vi, vt = np.nonzero(var_mask)
    ub = c[vi, vt]
    nv = len(vi)
    m.a = pyo.Var(range(nv), bounds=lambda _m, j: (0.0, float(ub[j])))
    # capacity rows only where the interval is scarce and has candidates
    order = np.argsort(vt, kind="stable")
    starts = np.searchsorted(vt[order], np.arange(t + 1))
    rows = [tt for tt in range(t) if starts[tt + 1] - starts[tt] > 0 and not plenty[tt]]
    cap = p - base.sum(axis=0)
    m.cap = pyo.Constraint(
        rows,
        rule=lambda _m, tt: (
            pyo.quicksum(m.a[int(j)] for j in order[starts[tt] : starts[tt + 1]]) <= float(cap[tt])
        ),
    )
    vcoef = prob.v[vi, vt]
    wcoef = prob.w[vi, vt]

    def extract() -> np.ndarray:
        alloc = base.copy()
        alloc[vi, vt] = np.clip([m.a[j].value or 0.0 for j in range(nv)], 0.0, ub)
        return alloc

    return {
        "const_s": (prob.v * base).sum(axis=1) - prob.fixed_eur,
        "vterms": [[(vcoef[j], m.a[int(j)]) for j in np.flatnonzero(vi == i)] for i in range(n)],
        "value": float((prob.w * base).sum())
        + pyo.quicksum(float(wcoef[j]) * m.a[j] for j in range(nv)),
        "n_variables": nv,
        "extract": extract,
    }


def _greedy_orders(p: np.ndarray, c: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """Allocation (K, N, T) serving venues in each order of ``orders`` (K, N), interval by interval."""
    k_orders = orders.shape[0]
    out = np.zeros((k_orders,) + c.shape)
    for k in range(k_orders):
        left = p.copy()
        for i in orders[k]:
            take = np.minimum(c[i], left)
            out[k, i] = take
            left = left - take
    return out


def _aggregated_layout(pyo, m, prob: _Problem, klass: np.ndarray, n_classes: int) -> dict[str, Any]:
    """The dynamic LP over yearly totals per price class, exactly.

    Within a class of intervals whose value and saving per kWh are the same for every venue, the
    objective and the fairness rows depend on the allocation only through ``y_ci = Σ_{t∈c} a_it``.
    For one interval the feasible allocations ``{0 ≤ a ≤ C_t, Σ a ≤ P_t}`` form a polymatroid with
    rank ``f_t(S) = min(P_t, Σ_{i∈S} C_it)``; a Minkowski sum of polymatroids is the polymatroid of
    the summed ranks, so the reachable totals are exactly ``{y ≥ 0 : Σ_{i∈S} y_ci ≤ Σ_{t∈c} f_t(S)
    for every subset S}`` — N variables and 2^N − 1 rows per class instead of one variable per
    venue and interval.

    Back to intervals: the base polytope of a polymatroid is the hull of its greedy vertices (one
    per order of the venues), so a small LP writes each class's optimal totals as a convex
    combination of greedy allocations (dominating them), and each interval gets that combination
    of its greedy allocations, scaled down per venue to the totals.
    """
    import itertools

    p, c = prob.production_kwh, prob.consumption_kwh
    n, t = c.shape
    subsets = np.array(
        [[(s >> i) & 1 for i in range(n)] for s in range(1, 2**n)], dtype=float
    )  # (S, N)
    rank_t = np.minimum(p[None, :], subsets @ c)  # (S, T)
    rank = np.zeros((len(subsets), n_classes))
    np.add.at(rank.T, klass, rank_t.T)
    first = np.zeros(n_classes, dtype=np.int64)
    first[klass[::-1]] = np.arange(t)[::-1]  # one interval of each class, for its prices
    w_c = prob.w[:, first].T  # (K, N)
    v_c = prob.v[:, first].T
    idx = [(k, i) for k in range(n_classes) for i in range(n)]
    m.y = pyo.Var(idx, bounds=(0.0, None))
    rows = [(si, k) for si in range(len(subsets)) for k in range(n_classes)]
    members = [np.flatnonzero(subsets[si]) for si in range(len(subsets))]
    m.rank = pyo.Constraint(
        rows,
        rule=lambda _m, si, k: (
            pyo.quicksum(m.y[k, int(i)] for i in members[si]) <= float(rank[si, k])
        ),
    )

    def extract() -> np.ndarray:
        y = np.clip(
            np.array([[m.y[k, i].value or 0.0 for i in range(n)] for k in range(n_classes)]),
            0.0,
            None,
        )
        orders = np.array(list(itertools.permutations(range(n))))
        greedy = _greedy_orders(p, c, orders)  # (O, N, T)
        vert = np.zeros((len(orders), n_classes, n))
        for o in range(len(orders)):
            np.add.at(vert[o], klass, greedy[o].T)
        mu = _convex_cover(pyo, vert, y)  # (K, O)
        alloc = np.einsum("ot,ont->nt", mu[klass].T, greedy)
        reached = np.zeros((n_classes, n))
        np.add.at(reached, klass, alloc.T)
        scale = np.divide(y, reached, out=np.zeros_like(y), where=reached > 0)
        return alloc * np.clip(scale, 0.0, 1.0)[klass].T

    return {
        "const_s": -prob.fixed_eur,
        "vterms": [[(v_c[k, i], m.y[k, i]) for k in range(n_classes)] for i in range(n)],
        "value": pyo.quicksum(float(w_c[k, i]) * m.y[k, i] for k, i in idx),
        "n_variables": len(idx),
        "extract": extract,
    }


def _convex_cover(pyo, vert: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weights ``μ_k ≥ 0``, ``Σ μ_k = 1`` per class with ``Σ_o μ_ko vert_okn ≥ y_kn`` (LP, HiGHS).

    A shortfall variable absorbs the solver tolerance of ``y`` (it is ~0 when ``y`` is reachable).
    """
    n_orders, n_classes, n = vert.shape
    m = pyo.ConcreteModel()
    m.mu = pyo.Var(range(n_classes), range(n_orders), bounds=(0.0, None))
    m.gap = pyo.Var(range(n_classes), range(n), bounds=(0.0, None))
    m.one = pyo.Constraint(
        range(n_classes), rule=lambda _m, k: pyo.quicksum(m.mu[k, o] for o in range(n_orders)) == 1
    )
    m.cover = pyo.Constraint(
        range(n_classes),
        range(n),
        rule=lambda _m, k, i: (
            pyo.quicksum(float(vert[o, k, i]) * m.mu[k, o] for o in range(n_orders)) + m.gap[k, i]
            >= float(y[k, i])
        ),
    )
    m.obj = pyo.Objective(
        expr=pyo.quicksum(m.gap[k, i] for k in range(n_classes) for i in range(n))
    )
    _solve(m, SolveStats(), "simplex", 60.0, "dynamic key (back to intervals)")
    return np.array([[m.mu[k, o].value or 0.0 for o in range(n_orders)] for k in range(n_classes)])


def _fairness_any(*flags: Any) -> bool:
    return any(f is not None and f is not False for f in flags)
