"""Optimise: sharing keys that minimise the collective's energy cost (Pyomo + HiGHS).

Three models, all solved exactly as linear programmes built with Pyomo and solved by HiGHS:

* **static key** (:func:`optimise_static_key`, :func:`solve_static_key`): one coefficient per
  venue, Σ ≤ 1, optional bounds per venue;
* **dynamic key** (:func:`solve_dynamic_key`): one coefficient per venue and interval;
* **joint sizing** (:func:`solve_sizing`): plant size [kWp] together with the static key, with an
  annualised capital cost.

Fairness options (combinable): ``no_loss`` (no venue worse off than without the operation),
``vs_prorata`` (no venue worse off than under Enedis's default pro-rata key), ``equity_shares``
(each venue's savings ≥ a given share of the total) and ``maxmin`` (maximise the minimum relative
saving, then the collective value).

Why the static model is small and exact
---------------------------------------
With a static key venue *i* receives ``A_it = min(k_i P_t, C_it)`` [D315-4], which depends on
its own coefficient only. Any weighted sum ``F_i(k) = Σ_t u_it min(k P_t, C_it)`` is therefore a
piecewise-linear function of the single number ``k_i``, linear between the sorted ratios
``C_it / P_t`` and concave when ``u_it ≥ 0``. It is computed exactly at every breakpoint from
sorted cumulative sums (``F(k) = Σ_{r_t ≤ k} u C + k Σ_{r_t > k} u P``). The LP then needs one
segment variable per breakpoint *in use*, not one per interval: it starts from a coarse subset
of the true breakpoints (chords of a concave function: a restriction of the true problem) and
refines, around the optimum, the segments it sits on until they are true pieces. When the optimum
lies inside a region where the model equals the true function, it is a local optimum of the true
problem, which is convex, hence a global one: the result is exact, not approximate, typically
after 2–4 solves of a few hundred variables. Fairness constraints that concern one venue
(``no_loss``, ``vs_prorata``, the targets of ``maxmin`` and ``equity_shares``) are sets of the
form ``{k : S_i(k) ≥ target}``, i.e. intervals computed exactly from the same function, and enter
the LP as bounds. ``maxmin`` is a first exact LP (maximise τ with ``S_i(k_i) ≥ τ R_i``) followed by
the value LP at the optimal τ. ``equity_shares`` (``S_i ≥ α_i Σ_j S_j``) is not convex for a
static key; see :func:`_equity_shares` for how it is met and what is (not) proven.

The dynamic key is an LP of one variable per venue and *scarce* interval (intervals where the
production covers every venue are fixed at full allocation when that is optimal for the options
asked); the joint sizing uses ``y_i = k_i x`` [kWp] to stay linear (see :func:`solve_sizing`).

Savings of venue *i* are ``S_i = Σ_t (p_it − q_it) A_it − fixed_i`` (import price ``p``,
internal price ``q`` paid for allocated kWh); the collective's value is
``Σ_it (p_it − s_t) A_it`` (surplus value ``s``), the internal price being a transfer inside the
collective.
"""

from __future__ import annotations

import calendar
import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import allocation
from .config._section import _MISSING
from .config.optimise import (  # noqa: F401
    FAIRNESS_OPTIONS,
    HIGHS_METHODS,
    MODELS,
    OptimiseConfig,
    default_key_precision,
)
from .errors import DataError, GreenkommonWarning, OptimisationError

#: Coarse subset size per venue and refinement width of the static-key LP (see module notes).
_GRID = 48

#: Relative tolerance used when checking the refined LP against the exact functions.
_RTOL = 1e-9


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------
def _check_energy(production_kwh: Any, consumption_kwh: Any) -> tuple[np.ndarray, np.ndarray]:
    p = np.ascontiguousarray(production_kwh, dtype=float)
    c = np.ascontiguousarray(consumption_kwh, dtype=float)
    if p.ndim != 1:
        raise DataError(f"production_kwh: expected shape (T,), got {p.shape}")
    if c.ndim != 2 or c.shape[1] != p.shape[0]:
        raise DataError(f"consumption_kwh: expected shape (N, T={p.shape[0]}), got {c.shape}")
    for name, a in (("production_kwh", p), ("consumption_kwh", c)):
        if not np.isfinite(a).all():
            raise DataError(
                f"{name}: {int((~np.isfinite(a)).sum())} non-finite value(s); expected energies [kWh] >= 0"
            )
        if (a < 0).any():
            raise DataError(
                f"{name}: {int((a < 0).sum())} negative value(s), min {a.min():.6g}; expected energies [kWh] >= 0"
            )
    return p, c


def _price_matrix(value: Any, n: int, t: int, name: str, per_venue_ok: bool = True) -> np.ndarray:
    """Broadcast a price given as scalar, (T,), (N,) or (N, T) to (N, T) [€/kWh] ((N,) if N == T)."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        out = np.full((n, t), float(a))
    elif a.ndim == 1 and per_venue_ok and a.shape[0] == n:
        # per venue wins when N == T (a one-interval or tiny test problem)
        out = np.repeat(a[:, None], t, axis=1)
    elif a.ndim == 1 and a.shape[0] == t:
        out = np.broadcast_to(a, (n, t)).copy()
    elif a.ndim == 2 and a.shape == (n, t):
        out = a.copy()
    else:
        shapes = "scalar, (T,), (N,) or (N, T)" if per_venue_ok else "scalar or (T,)"
        raise DataError(f"{name}: expected a {shapes} array with N={n}, T={t}; got shape {a.shape}")
    if not np.isfinite(out).all():
        raise DataError(f"{name}: non-finite price(s); expected [€/kWh]")
    return out


def prorata_allocation(production_kwh: np.ndarray, consumption_kwh: np.ndarray) -> np.ndarray:
    """Enedis default key: ``A_it = C_it min(1, P_t / Σ_k C_kt)`` [kWh] (D315-6), shape (N, T).

    Computed by :func:`greenkommon.allocation.allocate`.
    """
    alloc = allocation.allocate(production_kwh, consumption_kwh, allocation.ProrataKey())
    return np.asarray(alloc.allocated_kwh)


def simulate_key(
    production_kwh: np.ndarray, consumption_kwh: np.ndarray, coefficients: np.ndarray
) -> np.ndarray:
    """Energy allocated by a static (N,) or dynamic (N, T) key: ``min(k P, C)`` [kWh] (D315-4).

    Computed by :func:`greenkommon.allocation.allocate` (the allocation stage's numba core).
    """
    k = np.asarray(coefficients, dtype=float)
    key = allocation.StaticKey(k) if k.ndim == 1 else allocation.DynamicKey(k)
    return np.asarray(allocation.allocate(production_kwh, consumption_kwh, key).allocated_kwh)


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


# ---------------------------------------------------------------------------------------------
# exact piecewise-linear functions of one coefficient
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PiecewiseLinear:
    """Exact ``F_r(z) = Σ_t u_rt min(z p_t, c_t)`` on ``[points[0], points[-1]]``.

    Linear between consecutive ``points`` (the distinct ratios ``c_t / p_t`` inside the domain), so
    ``numpy.interp(z, points, values[r])`` is exact.

    Attributes
    ----------
    points : numpy.ndarray
        Sorted breakpoints, domain ends included.
    values : numpy.ndarray
        ``(R, M)`` function values at the points.
    """

    points: np.ndarray
    values: np.ndarray

    @classmethod
    def build(
        cls, unit_kwh: np.ndarray, cons_kwh: np.ndarray, weights: np.ndarray, lo: float, hi: float
    ) -> PiecewiseLinear:
        """Build from production per unit of ``z`` (T,), consumption (T,) and weights (R, T)."""
        mask = unit_kwh > 0
        p = unit_kwh[mask]
        c = cons_kwh[mask]
        w = np.atleast_2d(weights)[:, mask]
        r = c / p
        order = np.argsort(r, kind="stable")
        r, p, c, w = r[order], p[order], c[order], w[:, order]
        zeros = np.zeros((w.shape[0], 1))
        cum_c = np.concatenate([zeros, np.cumsum(w * c, axis=1)], axis=1)
        cum_p = np.concatenate([zeros, np.cumsum(w * p, axis=1)], axis=1)
        tail_p = cum_p[:, -1:] - cum_p
        inner = np.unique(r[(r > lo) & (r < hi)])
        pts = np.concatenate([[lo], inner, [hi]]) if hi > lo else np.array([lo, lo])
        m = np.searchsorted(r, pts, side="right")
        vals = cum_c[:, m] + pts[None, :] * tail_p[:, m]
        return cls(pts, vals)

    def __call__(self, z: float | np.ndarray, row: int = 0) -> Any:
        return np.interp(z, self.points, self.values[row])

    def restrict(self, lo: float, hi: float) -> PiecewiseLinear:
        """The same function on ``[lo, hi]`` (inside the current domain)."""
        inner = (self.points > lo) & (self.points < hi)
        pts = np.concatenate([[lo], self.points[inner], [hi]])
        vals = np.stack([np.interp(pts, self.points, v) for v in self.values])
        return PiecewiseLinear(pts, vals)

    def is_concave(self, row: int) -> bool:
        dz = np.diff(self.points)
        keep = dz > 0
        slopes = np.diff(self.values[row])[keep] / dz[keep]
        scale = max(1.0, float(np.abs(slopes).max(initial=0.0)))
        return bool((np.diff(slopes) <= 1e-9 * scale).all())

    def superlevel_intervals(self, target: float, row: int) -> list[tuple[float, float]]:
        """The set ``{z : F_row(z) ≥ target}`` as a sorted list of disjoint intervals.

        Exact: the function is linear between points, so each maximal run of points at or above
        the target is extended to the crossings on the segments around it.
        """
        pts, v = self.points, self.values[row]
        tol = 1e-9 * max(1.0, abs(target), float(np.abs(v).max(initial=0.0)))
        ok = v >= target - tol
        if not ok.any():
            return []
        edges = np.diff(np.concatenate([[0], ok.astype(np.int8), [0]]))
        starts = np.flatnonzero(edges == 1)
        ends = np.flatnonzero(edges == -1) - 1

        def cross(a: int, b: int) -> float:
            if v[b] == v[a]:
                return float(pts[b])
            return float(pts[a] + (target - v[a]) * (pts[b] - pts[a]) / (v[b] - v[a]))

        out = []
        for first, last in zip(starts.tolist(), ends.tolist(), strict=True):
            lo = (
                float(pts[0])
                if first == 0
                else min(max(cross(first - 1, first), float(pts[first - 1])), float(pts[first]))
            )
            hi = (
                float(pts[-1])
                if last == len(pts) - 1
                else max(min(cross(last, last + 1), float(pts[last + 1])), float(pts[last]))
            )
            out.append((lo, hi))
        return out

    def superlevel(self, target: float, row: int) -> tuple[float, float] | None:
        """The set ``{z : F_row(z) ≥ target}`` as one interval, or ``None`` if empty.

        Raises
        ------
        OptimisationError
            If the set is several separate intervals (non-concave function).
        """
        parts = self.superlevel_intervals(target, row)
        if not parts:
            return None
        if len(parts) > 1:
            raise OptimisationError(
                "equity shares: a venue's share is met on several separate ranges of its "
                "coefficient (its savings are not concave in it); use model = 'dynamic'"
            )
        return parts[0]

    def max(self, row: int) -> float:
        return float(self.values[row].max())

    def min(self, row: int) -> float:
        return float(self.values[row].min())


# ---------------------------------------------------------------------------------------------
# Pyomo + HiGHS
# ---------------------------------------------------------------------------------------------
@dataclass
class SolveStats:
    """Size and timing of the LPs solved for one result."""

    n_solves: int = 0
    n_variables: int = 0
    n_constraints: int = 0
    build_s: float = 0.0
    solve_s: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "n_solves": self.n_solves,
            "n_variables": self.n_variables,
            "n_constraints": self.n_constraints,
            "build_s": self.build_s,
            "solve_s": self.solve_s,
        }


def _pyomo():
    try:
        import pyomo.environ as pyo
        from pyomo.contrib.solver.common.factory import SolverFactory
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise OptimisationError(
            f"Pyomo is not installed ({exc}); install greenkommon's dependencies (pyomo, highspy)"
        ) from None
    return pyo, SolverFactory


def _solver(time_limit_s: float):
    _, factory = _pyomo()
    try:
        solver = factory("highs")
        ok = bool(solver.available())
    except Exception as exc:
        raise OptimisationError(
            f"the HiGHS solver could not be loaded through Pyomo ({exc}); install highspy"
        ) from None
    if not ok:
        raise OptimisationError(
            "the HiGHS solver is not available to Pyomo: install highspy (pip install highspy)"
        )
    return solver


def _solve(
    model: Any, stats: SolveStats, method: str, time_limit_s: float, what: str, solver: Any = None
) -> Any:
    """Solve a Pyomo model with HiGHS; raise :class:`OptimisationError` unless optimal."""
    from pyomo.contrib.solver.common.results import TerminationCondition as TC

    solver = solver or _solver(time_limit_s)
    t0 = time.perf_counter()
    try:
        res = solver.solve(
            model,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            time_limit=time_limit_s,
            solver_options={"solver": method, "output_flag": False},
        )
    except Exception as exc:
        raise OptimisationError(f"{what}: HiGHS failed ({type(exc).__name__}: {exc})") from None
    stats.solve_s += time.perf_counter() - t0
    stats.n_solves += 1
    tc = res.termination_condition
    if tc == TC.convergenceCriteriaSatisfied:
        res.solution_loader.load_vars()
        return res
    if tc in (TC.provenInfeasible, TC.locallyInfeasible, TC.infeasibleOrUnbounded):
        raise OptimisationError(
            f"{what}: the model is infeasible (the constraints cannot all hold)"
        )
    if tc == TC.unbounded:
        raise OptimisationError(f"{what}: the model is unbounded (check prices and size limits)")
    if tc in (TC.maxTimeLimit, TC.iterationLimit):
        raise OptimisationError(
            f"{what}: HiGHS stopped at its limit ({tc.name}) before proving optimality; raise [optimise] time_limit_s"
        )
    raise OptimisationError(f"{what}: HiGHS ended with {tc.name}")


def _cap_sum(k: np.ndarray, lower: np.ndarray, cap: float = 1.0) -> np.ndarray:
    """Remove a solver-tolerance excess over ``Σ k ≤ cap`` from the venues above their lower bound.

    HiGHS meets constraints to ~1e-7; the allocation stage (rightly) refuses keys summing above 1.
    """
    k = np.maximum(k, lower)
    excess = k.sum() - cap
    if excess > 0:
        room = k - lower
        if room.sum() > 0:
            k = k - excess * room / room.sum()
        k = np.maximum(k, lower)
    return k


def _initial_subset(m: int) -> np.ndarray:
    return np.unique(np.round(np.linspace(0, m - 1, min(m, _GRID + 1))).astype(np.int64))


def _refine(points: np.ndarray, subset: np.ndarray, z: float) -> np.ndarray | None:
    """Breakpoints to add so that the model is exact around ``z``; ``None`` if it already is."""
    ps = points[subset]
    tol = 1e-8 * max(1.0, float(abs(points[-1] - points[0])))
    j = int(np.searchsorted(ps, z))
    if j < len(ps) and abs(ps[j] - z) <= tol:
        pairs = [(j - 1, j), (j, j + 1)]
    elif j > 0 and abs(ps[j - 1] - z) <= tol:
        pairs = [(j - 2, j - 1), (j - 1, j)]
    else:
        pairs = [(j - 1, j)]
    add = []
    for a, b in pairs:
        if a < 0 or b >= len(ps):
            continue
        ia, ib = int(subset[a]), int(subset[b])
        if ib - ia > 1:
            if ib - ia - 1 <= _GRID:
                add.append(np.arange(ia + 1, ib))
            else:
                add.append(np.round(np.linspace(ia, ib, _GRID + 1)).astype(np.int64))
    if not add:
        return None
    return np.union1d(subset, np.concatenate(add))


def _segment_model(pyo, funcs, seg_venue, seg_len, slopes, objective_row, maxmin, sizing):
    """The segment LP on the current breakpoint subsets (see :func:`_solve_separable`)."""
    n = len(funcs)
    nseg = len(seg_len)
    m = pyo.ConcreteModel()
    m.seg = pyo.Var(range(nseg), bounds=lambda _m, j: (0.0, seg_len[j]))
    by_venue: list[list[int]] = [[] for _ in range(n)]
    for j, i in enumerate(seg_venue):
        by_venue[i].append(j)
    z_expr = [funcs[i].points[0] + pyo.quicksum(m.seg[j] for j in by_venue[i]) for i in range(n)]
    if sizing is None and nseg > 0:
        m.total = pyo.Constraint(
            expr=pyo.quicksum(m.seg[j] for j in range(nseg))
            <= 1.0 - sum(f.points[0] for f in funcs)
        )
    elif sizing is not None:
        x_min, x_max, c_x, k_lo, k_hi = sizing
        m.x = pyo.Var(bounds=(x_min, x_max))
        m.total = pyo.Constraint(expr=sum(z_expr) <= m.x)
        m.klo = pyo.Constraint(
            [i for i in range(n) if k_lo[i] > 0],
            rule=lambda _m, i: z_expr[i] >= float(k_lo[i]) * m.x,
        )
        m.khi = pyo.Constraint(
            [i for i in range(n) if k_hi[i] < 1],
            rule=lambda _m, i: z_expr[i] <= float(k_hi[i]) * m.x,
        )

    def value(i: int, row: int):
        return float(funcs[i].values[row, 0]) + pyo.quicksum(
            float(slopes[row, j]) * m.seg[j] for j in by_venue[i]
        )

    if maxmin is not None:
        row, ref = maxmin
        m.tau = pyo.Var()
        m.fair = pyo.Constraint(range(n), rule=lambda _m, i: value(i, row) >= float(ref[i]) * m.tau)
        m.obj = pyo.Objective(expr=m.tau, sense=pyo.maximize)
    else:
        assert objective_row is not None
        expr = sum(value(i, objective_row) for i in range(n))
        if sizing is not None:
            expr = expr + float(sizing[2]) * m.x
        m.obj = pyo.Objective(expr=expr, sense=pyo.maximize)
    return m, by_venue


@dataclass
class _SeparableResult:
    z: np.ndarray
    x: float
    objective: float
    stats: SolveStats


def _solve_separable(
    funcs: list[PiecewiseLinear],
    *,
    objective_row: int | None,
    maxmin: tuple[int, np.ndarray] | None = None,
    sizing: tuple[float, float, float, np.ndarray, np.ndarray] | None = None,
    method: str = "ipm",
    time_limit_s: float = 60.0,
    what: str = "static key",
    stats: SolveStats | None = None,
) -> _SeparableResult:
    """Maximise a separable concave piecewise-linear model exactly (see module notes).

    Variables ``z_i`` live on the domain of ``funcs[i]``, with ``Σ z_i ≤ 1`` (static key) or, with
    ``sizing = (x_min, x_max, c_x, k_lo, k_hi)``, ``Σ z_i ≤ x``, ``k_lo x ≤ z_i ≤ k_hi x`` and
    objective term ``c_x x``. Objective: ``Σ F_i[objective_row](z_i)``, or with ``maxmin = (row,
    R)``: maximise ``τ`` subject to ``F_i[row](z_i) ≥ τ R_i``.
    """
    pyo, _ = _pyomo()
    stats = stats or SolveStats()
    solver = _solver(time_limit_s)
    subsets = [_initial_subset(len(f.points)) for f in funcs]
    n = len(funcs)
    for _ in range(200):
        t0 = time.perf_counter()
        seg_venue: list[int] = []
        seg_len: list[float] = []
        seg_slopes: list[np.ndarray] = []
        for i, (f, s) in enumerate(zip(funcs, subsets, strict=True)):
            pts = f.points[s]
            vals = f.values[:, s]
            dz = np.diff(pts)
            keep = dz > 0
            seg_venue.extend([i] * int(keep.sum()))
            seg_len.extend(dz[keep].tolist())
            seg_slopes.append(np.diff(vals, axis=1)[:, keep] / dz[keep])
        slopes = np.concatenate(seg_slopes, axis=1) if seg_slopes else np.zeros((1, 0))
        nseg = len(seg_len)
        if nseg == 0 and sizing is None and maxmin is None:
            # every coefficient is pinned by its bounds: nothing left to choose
            z = np.array([f.points[0] for f in funcs])
            return _SeparableResult(
                z, 1.0, float(sum(f.values[objective_row or 0, 0] for f in funcs)), stats
            )
        m, by_venue = _segment_model(
            pyo, funcs, seg_venue, seg_len, slopes, objective_row, maxmin, sizing
        )
        stats.build_s += time.perf_counter() - t0
        stats.n_variables = max(
            stats.n_variables, nseg + (1 if sizing is not None or maxmin is not None else 0)
        )
        stats.n_constraints = max(stats.n_constraints, m.nconstraints())
        _solve(m, stats, method, time_limit_s, what, solver)
        seg_val = np.array([m.seg[j].value or 0.0 for j in range(nseg)])
        z = np.array([funcs[i].points[0] + seg_val[by_venue[i]].sum() for i in range(n)])
        z = np.array([min(max(z[i], funcs[i].points[0]), funcs[i].points[-1]) for i in range(n)])
        if sizing is None:
            z = _cap_sum(z, np.array([f.points[0] for f in funcs]))
        refined = False
        for i in range(n):
            new = _refine(funcs[i].points, subsets[i], float(z[i]))
            if new is not None:
                subsets[i] = new
                refined = True
        if not refined:
            x = float(m.x.value) if sizing is not None else 1.0
            return _SeparableResult(z, x, float(pyo.value(m.obj)), stats)
    raise OptimisationError(
        f"{what}: refinement did not converge"
    )  # pragma: no cover - finite by construction


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------
@dataclass
class KeyResult:
    """An optimised key and what it is worth.

    Attributes
    ----------
    coefficients : numpy.ndarray
        Optimal coefficients before rounding: (N,) static, (N, T) dynamic [-].
    objective_eur : float
        Collective value of the optimiser's key: ``Σ_it (p_it − s_t) A_it`` [€/yr] (plus, with
        sizing, surplus value minus annualised cost of the plant).
    savings_eur : numpy.ndarray
        Savings of each venue against no operation at the internal price:
        ``Σ_t (p_it − q_it) A_it − fixed_i`` [€/yr].
    prorata_savings_eur, prorata_objective_eur
        The same for Enedis's default pro-rata key.
    model : str
        ``'static'``, ``'dynamic'`` or ``'sizing'``.
    fairness : tuple of str
    peak_power_kwp : float or None
        Chosen plant size (sizing only) [kWp].
    min_relative_saving : float or None
        Optimal minimum of ``savings_i / bill_without_i`` (``maxmin`` only) [-].
    stats : SolveStats
    """

    coefficients: np.ndarray
    objective_eur: float
    savings_eur: np.ndarray
    prorata_savings_eur: np.ndarray
    prorata_objective_eur: float
    model: str
    fairness: tuple[str, ...] = ()
    peak_power_kwp: float | None = None
    min_relative_saving: float | None = None
    stats: SolveStats = field(default_factory=SolveStats)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Problem:
    production_kwh: np.ndarray
    consumption_kwh: np.ndarray
    w: np.ndarray  # value of an allocated kWh for the collective (N, T) [€/kWh]
    v: np.ndarray  # saving of an allocated kWh for the venue (N, T) [€/kWh]
    fixed_eur: np.ndarray
    bill_without_eur: np.ndarray
    names: list[str]

    def savings(self, allocated_kwh: np.ndarray) -> np.ndarray:
        return (self.v * allocated_kwh).sum(axis=1) - self.fixed_eur

    def value(self, allocated_kwh: np.ndarray) -> float:
        return float((self.w * allocated_kwh).sum())


def _problem(
    production_kwh,
    consumption_kwh,
    import_price,
    surplus_price,
    internal_price,
    fixed_cost_eur,
    bill_without_eur,
    venue_names,
) -> _Problem:
    p, c = _check_energy(production_kwh, consumption_kwh)
    n, t = c.shape
    imp = _price_matrix(import_price, n, t, "import_price_eur_per_kwh")
    sur = _price_matrix(surplus_price, n, t, "surplus_price_eur_per_kwh", per_venue_ok=False)
    internal = _price_matrix(internal_price, n, t, "internal_price_eur_per_kwh")
    fixed = np.broadcast_to(np.asarray(fixed_cost_eur, dtype=float), (n,)).copy()
    names = list(venue_names) if venue_names is not None else [f"venue {i + 1}" for i in range(n)]
    if len(names) != n:
        raise DataError(f"venue_names: expected {n} names, got {len(names)}")
    bill = (
        (imp * c).sum(axis=1)
        if bill_without_eur is None
        else np.broadcast_to(np.asarray(bill_without_eur, dtype=float), (n,)).copy()
    )
    return _Problem(p, c, imp - sur, imp - internal, fixed, bill, names)


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _fairness_targets(
    prob: _Problem, no_loss: bool, vs_prorata: bool
) -> tuple[np.ndarray, list[str]]:
    n = len(prob.names)
    target = np.full(n, -np.inf)
    why = ["" for _ in range(n)]
    if no_loss:
        target = np.maximum(target, 0.0)
        why = ["no loss against no operation" for _ in range(n)]
    if vs_prorata:
        pr = prob.savings(prorata_allocation(prob.production_kwh, prob.consumption_kwh))
        for i in range(n):
            if pr[i] >= target[i]:
                why[i] = f"its pro-rata savings {pr[i]:,.2f} €"
        target = np.maximum(target, pr)
    return target, why


#: Most combinations of disjoint feasible ranges enumerated for non-concave savings.
_MAX_COMBINATIONS = 256


def _apply_targets(
    funcs: list[PiecewiseLinear],
    prob: _Problem,
    lo: np.ndarray,
    hi: np.ndarray,
    target: np.ndarray,
    why: Sequence[str],
    unit: str = "static key",
) -> list[list[tuple[float, float]]]:
    """Turn per-venue saving targets into ranges of each coefficient (exactly, see module notes).

    Returns, per venue, the disjoint ranges ``[lo, hi]`` where its target holds (one range when
    its savings are concave in its coefficient).
    """
    choices = []
    for i, f in enumerate(funcs):
        if not np.isfinite(target[i]):
            choices.append([(float(lo[i]), float(hi[i]))])
            continue
        goal = target[i] + prob.fixed_eur[i]
        parts = [(max(lo[i], a), min(hi[i], b)) for a, b in f.superlevel_intervals(goal, row=1)]
        parts = [(float(a), float(b)) for a, b in parts if a <= b]
        if not parts:
            best = f.max(1) - prob.fixed_eur[i]
            raise OptimisationError(
                f"fairness: venue {prob.names[i]!r} can save at most {best:,.2f} €/yr with any {unit} "
                f"(coefficient in [{_pct(f.points[0])}, {_pct(f.points[-1])}]), below {why[i] or f'{target[i]:,.2f} €'}"
            )
        choices.append(parts)
    need = np.array([c[0][0] for c in choices])
    if need.sum() > 1 + 1e-12 and unit == "static key":
        needs = ", ".join(
            f"{prob.names[i]!r} ≥ {_pct(need[i])}" for i in range(len(need)) if need[i] > 0
        )
        raise OptimisationError(
            f"fairness: the targets need coefficients summing to {_pct(need.sum())} > 100 % ({needs})"
        )
    return choices


def _combinations(choices: list[list[tuple[float, float]]], cap: float | None = 1.0):
    """Every choice of one range per venue (lower and upper bound arrays) with ``Σ lo ≤ cap``."""
    import itertools

    count = math.prod(len(c) for c in choices)
    if count > _MAX_COMBINATIONS:
        raise OptimisationError(
            f"fairness: the targets split the coefficients into {count} combinations of ranges "
            f"(savings far from concave); more than {_MAX_COMBINATIONS}: use model = 'dynamic'"
        )
    for combo in itertools.product(*choices):
        lo = np.array([a for a, _ in combo])
        hi = np.array([b for _, b in combo])
        if cap is None or lo.sum() <= cap + 1e-12:
            yield lo, hi


def _best_over(choices, solve, cap: float | None = 1.0):
    """Solve the convex model on every combination of ranges and keep the best (exact)."""
    best = None
    for lo, hi in _combinations(choices, cap):
        res = solve(lo, hi)
        if best is None or res.objective > best[0].objective:
            best = (res, lo, hi)
    if best is None:  # pragma: no cover - _apply_targets already checked the smallest combination
        raise OptimisationError("fairness: no combination of the targets' ranges fits in 100 %")
    return best


def _domains(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Largest coefficient each venue can get given the others' lower bounds."""
    return np.minimum(hi, 1.0 - (lo.sum() - lo))


def _restrict_all(
    funcs: list[PiecewiseLinear], lo: np.ndarray, hi: np.ndarray
) -> list[PiecewiseLinear]:
    top = _domains(lo, hi)
    return [
        f.restrict(max(lo[i], f.points[0]), min(top[i], f.points[-1])) for i, f in enumerate(funcs)
    ]


def _static_functions(prob: _Problem, lo: np.ndarray, hi: np.ndarray) -> list[PiecewiseLinear]:
    top = _domains(lo, hi)
    return [
        PiecewiseLinear.build(
            prob.production_kwh,
            prob.consumption_kwh[i],
            np.stack([prob.w[i], prob.v[i]]),
            lo[i],
            top[i],
        )
        for i in range(len(prob.names))
    ]


def _check_concave(funcs: list[PiecewiseLinear], prob: _Problem, row: int, what: str) -> None:
    for i, f in enumerate(funcs):
        if not f.is_concave(row):
            price = "the surplus price" if row == 0 else "the internal price"
            bad = int(((prob.w if row == 0 else prob.v)[i] < 0).sum())
            raise OptimisationError(
                f"{what}: venue {prob.names[i]!r} pays an import price below {price} in {bad} interval(s), so its "
                "value is not concave in its coefficient and the static LP would not be exact; use model = 'dynamic'"
            )


def _maxmin_level(base, prob, choices, ref, method, time_limit_s, stats) -> float:
    """Largest τ such that some key gives every venue ``S_i ≥ τ R_i`` (the ``maxmin`` level).

    Concave savings on a single range per venue: an exact LP (maximise τ). Otherwise the level is
    found by bisection on τ, exactly up to floating point: τ is reachable iff each venue has a
    smallest coefficient reaching ``τ R_i`` inside its ranges and these coefficients fit in 100 %.
    """
    n = len(base)
    single = all(len(c) == 1 for c in choices)
    concave = all(f.is_concave(1) for f in base)
    if single and concave:
        lo_c = np.array([c[0][0] for c in choices])
        hi_c = np.array([c[0][1] for c in choices])
        funcs = _restrict_all(base, lo_c, hi_c)
        # the fixed costs enter through S_i = F_i − fixed_i ≥ τ R_i: solve on F − fixed
        shifted = [
            PiecewiseLinear(f.points, np.stack([f.values[0], f.values[1] - prob.fixed_eur[i]]))
            for i, f in enumerate(funcs)
        ]
        res = _solve_separable(
            shifted,
            objective_row=None,
            maxmin=(1, ref),
            method=method,
            time_limit_s=time_limit_s,
            what="static key (maxmin)",
            stats=stats,
        )
        return float(min(shifted[i](res.z[i], 1) / ref[i] for i in range(n)))

    def smallest_key(i: int, tau: float) -> float:
        best = math.inf
        for a, b in choices[i]:
            for x, _y in (
                base[i].restrict(a, b).superlevel_intervals(tau * ref[i] + prob.fixed_eur[i], row=1)
            ):
                best = min(best, x)
        return best

    def reachable(tau: float) -> bool:
        return sum(smallest_key(i, tau) for i in range(n)) <= 1 + 1e-12

    low = min((f.min(1) - prob.fixed_eur[i]) / ref[i] for i, f in enumerate(base))
    high = min((f.max(1) - prob.fixed_eur[i]) / ref[i] for i, f in enumerate(base))
    if reachable(high):
        return float(high)
    for _ in range(200):
        mid = 0.5 * (low + high)
        if mid in (low, high):
            break
        if reachable(mid):
            low = mid
        else:
            high = mid
    return float(low)


def _bound_arrays(lower: Any, upper: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-venue coefficient bounds as (n,) arrays; ``None`` means 0 (lower) or 1 (upper)."""
    lo = (
        np.zeros(n)
        if lower is None
        else np.broadcast_to(np.asarray(lower, dtype=float), (n,)).copy()
    )
    hi = (
        np.ones(n)
        if upper is None
        else np.broadcast_to(np.asarray(upper, dtype=float), (n,)).copy()
    )
    return lo, hi


def _fairness_names(
    no_loss: bool, vs_prorata: bool, equity_shares: Any, maxmin: bool
) -> tuple[str, ...]:
    """The fairness options asked, in their canonical order (reported in :class:`KeyResult`)."""
    return tuple(
        name
        for name, on in (
            ("no_loss", no_loss),
            ("vs_prorata", vs_prorata),
            ("equity_shares", equity_shares is not None),
            ("maxmin", maxmin),
        )
        if on
    )


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


# ---------------------------------------------------------------------------------------------
# dynamic key
# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# joint sizing
# ---------------------------------------------------------------------------------------------
def annualised_cost_eur_per_kwp(
    capex_eur_per_kwp: float,
    lifetime_years: int,
    discount_rate: float,
    opex_eur_per_kwp_per_year: float = 0.0,
) -> float:
    """Yearly cost of one kWp: capital recovery of ``capex`` plus operating cost [€/kWp/yr].

    Notes
    -----
    Capital recovery factor ``r / (1 − (1 + r)^−n)`` (``numpy_financial.pmt``); ``1/n`` at ``r = 0``.
    """
    import numpy_financial as npf

    return (
        float(-npf.pmt(discount_rate, lifetime_years, capex_eur_per_kwp))
        + opex_eur_per_kwp_per_year
    )


def plant_cost_eur_per_kwp_year(
    scenario: Any, config: OptimiseConfig, finance: Any
) -> tuple[float, str]:
    """Yearly cost of one more kWp for the sizing [€/kWp/yr] and where it comes from.

    ``[optimise] capex_eur_per_kwp`` (+ ``opex_eur_per_kwp_per_year``) when given; otherwise the
    finance stage's producer figures for 1 kWp (``economics.finance.producer_inputs``: CAPEX,
    OPEX, insurance, roof rent, the inverter replacement discounted to today), the capital
    annualised over ``lifetime_years`` at ``discount_rate``. Degradation and cost inflation are
    left out (first-year figures); fixed yearly costs (PMO fee) do not depend on the size.
    """
    life, rate = finance.lifetime_years, finance.discount_rate
    if config.capex_eur_per_kwp is not None:
        cost = annualised_cost_eur_per_kwp(
            config.capex_eur_per_kwp, life, rate, config.opex_eur_per_kwp_per_year
        )
        return cost, f"sizing: plant cost {cost:,.2f} €/kWp/yr from [optimise] capex_eur_per_kwp"
    try:
        from .economics.finance import producer_inputs
    except ImportError:
        raise config._error(
            "capex_eur_per_kwp",
            _MISSING,
            "an investment cost [€/kWp] for the sizing (the finance stage is not available)",
        ) from None
    unit = producer_inputs(finance, scenario.prices, 1.0)
    inverter = unit.inverter_replacement_eur / (1 + rate) ** unit.inverter_replacement_year
    yearly = unit.opex_eur_per_year + unit.insurance_eur_per_year + unit.roof_rent_eur_per_year
    cost = annualised_cost_eur_per_kwp(unit.capex_eur + inverter, life, rate, yearly)
    labels = sorted(
        {
            v
            for k, v in unit.labels.items()
            if k
            in (
                "capex_eur",
                "opex_eur_per_year",
                "insurance_eur_per_year",
                "roof_rent_eur_per_year",
                "inverter_replacement_eur",
            )
        }
    )
    return cost, (
        f"sizing: plant cost {cost:,.2f} €/kWp/yr from the finance stage (CAPEX {unit.capex_eur:,.0f} €/kWp "
        f"over {life} yr at {100 * rate:g} %, OPEX, insurance, roof rent, inverter; {', '.join(labels) or 'scenario'})"
    )


def solve_sizing(
    production_per_kwp_kwh: Any,
    consumption_kwh: Any,
    import_price_eur_per_kwh: Any,
    surplus_price_eur_per_kwh: Any = 0.0,
    *,
    annual_cost_eur_per_kwp: float,
    max_peak_power_kwp: float,
    min_peak_power_kwp: float = 0.0,
    internal_price_eur_per_kwh: Any = 0.0,
    fixed_cost_eur: Any = 0.0,
    lower: Any = None,
    upper: Any = None,
    no_loss: bool = False,
    venue_names: Sequence[str] | None = None,
    method: str = "ipm",
    time_limit_s: float = 60.0,
) -> KeyResult:
    """Plant size and static key together, exactly, as one LP.

    With production ``x p_t`` for ``x`` kWp, venue *i* receives ``min(k_i x p_t, C_it)``. The
    product ``y_i = k_i x`` (kWp "owned" by the venue's share) makes it linear: venue *i*'s value is
    the concave piecewise-linear ``Σ_t (p_it − s_t) min(y_i p_t, C_it)`` and the problem is

    ``max Σ_i W_i(y_i) + x (Σ_t s_t p_t − c)`` s.t. ``Σ_i y_i ≤ x``, ``lower_i x ≤ y_i ≤ upper_i x``,
    ``x_min ≤ x ≤ x_max``,

    with ``c`` the annualised cost [€/kWp/yr]; keys ``k = y / x``. ``no_loss`` bounds each ``y_i``
    exactly. ``vs_prorata``, ``equity_shares`` and ``maxmin`` depend on the size non-linearly and are
    not offered here.
    """
    prob = _problem(
        production_per_kwp_kwh,
        consumption_kwh,
        import_price_eur_per_kwh,
        surplus_price_eur_per_kwh,
        internal_price_eur_per_kwh,
        fixed_cost_eur,
        None,
        venue_names,
    )
    if not math.isfinite(max_peak_power_kwp) or max_peak_power_kwp <= 0:
        raise OptimisationError(
            "sizing: the plant size needs a finite upper bound [kWp] (roof area or max_peak_power_kwp)"
        )
    if not 0 <= min_peak_power_kwp <= max_peak_power_kwp:
        raise OptimisationError(
            f"sizing: expected 0 <= min_peak_power_kwp <= max_peak_power_kwp, got {min_peak_power_kwp:g} and {max_peak_power_kwp:g}"
        )
    n = len(prob.names)
    lo, hi = _bound_arrays(lower, upper, n)
    stats = SolveStats()
    t0 = time.perf_counter()
    unit = prob.production_kwh
    funcs = [
        PiecewiseLinear.build(
            unit,
            prob.consumption_kwh[i],
            np.stack([prob.w[i], prob.v[i]]),
            0.0,
            float(min(hi[i], 1.0)) * max_peak_power_kwp,
        )
        for i in range(n)
    ]
    _check_concave(funcs, prob, 0, "sizing")
    choices = [[(0.0, float(f.points[-1]))] for f in funcs]
    if no_loss:
        choices = _apply_targets(
            funcs,
            prob,
            np.zeros(n),
            np.array([f.points[-1] for f in funcs]),
            np.zeros(n),
            ["no loss against no operation"] * n,
            unit="share of the plant",
        )
    surplus = _price_matrix(
        surplus_price_eur_per_kwh, n, len(unit), "surplus_price_eur_per_kwh", per_venue_ok=False
    )[0]
    c_x = float((surplus * unit).sum()) - annual_cost_eur_per_kwp
    stats.build_s += time.perf_counter() - t0

    def sizing_lp(ylo: np.ndarray, yhi: np.ndarray) -> _SeparableResult:
        restricted = [f.restrict(ylo[i], yhi[i]) for i, f in enumerate(funcs)]
        return _solve_separable(
            restricted,
            objective_row=0,
            sizing=(min_peak_power_kwp, max_peak_power_kwp, c_x, lo, hi),
            method=method,
            time_limit_s=time_limit_s,
            what="sizing",
            stats=stats,
        )

    res, _, _ = _best_over(choices, sizing_lp, cap=None)
    x = res.x
    notes = []
    if x <= 1e-9:
        notes.append("sizing chose no plant: at these prices a kWp costs more than it saves")
        k = np.zeros(n)
    else:
        k = _cap_sum(np.clip(res.z / x, 0.0, 1.0), np.zeros(n))
    prod = unit * x
    alloc = simulate_key(prod, prob.consumption_kwh, k)
    prorata = prorata_allocation(prod, prob.consumption_kwh)
    extra = c_x * x
    return KeyResult(
        coefficients=k,
        objective_eur=prob.value(alloc) + extra,
        savings_eur=prob.savings(alloc),
        prorata_savings_eur=prob.savings(prorata),
        prorata_objective_eur=prob.value(prorata) + extra,
        model="sizing",
        fairness=("no_loss",) if no_loss else (),
        peak_power_kwp=x,
        stats=stats,
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------
# scenario level
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScenarioPrices:
    """What an allocated kWh is worth, per venue and interval, for a scenario.

    Attributes
    ----------
    value_eur_per_kwh : numpy.ndarray
        (N, T) what an allocated kWh saves the collective before the surplus value (the
        internal price being a transfer) [€/kWh]; the optimiser's ``import_price_eur_per_kwh``.
    internal_eur_per_kwh : numpy.ndarray or float
        What the venue pays back per allocated kWh (internal price, as borne) [€/kWh]; the venue's
        saving per kWh is ``value − internal``.
    surplus_eur_per_kwh : float
        Value of a surplus kWh [€/kWh].
    bill_without_eur : numpy.ndarray or None
        (N,) yearly bill without the operation [€/yr] (reference of relative savings).
    source : str
    """

    value_eur_per_kwh: np.ndarray
    internal_eur_per_kwh: Any
    surplus_eur_per_kwh: float
    bill_without_eur: np.ndarray | None
    source: str


def scenario_prices(
    scenario: Any, index: Any, n_intervals: int, consumption_kwh: np.ndarray | None = None
) -> ScenarioPrices:
    """Prices of a scenario for the optimiser, from the economics stage when it provides them.

    Uses ``economics.allocated_kwh_value_eur_per_kwh`` (time-of-use supply, TURPE, accise, VAT as
    each venue bears them), ``economics.surplus_price_eur_per_kwh`` and ``compute_bills`` (bill
    without the operation). Without them: each venue's flat ``supply_price_eur_per_kwh`` and the
    ``[prices]`` internal and surplus prices.
    """
    from . import economics

    n = len(scenario.venues)
    contracts = [v.contract for v in scenario.venues]
    kwp = scenario.plant.peak_power_kwp
    value_fn = getattr(economics, "allocated_kwh_value_eur_per_kwh", None)
    if value_fn is not None and index is not None:
        value = np.asarray(
            value_fn(index, contracts, scenario.prices, kwp, include_internal_price=False),
            dtype=float,
        )
        saving = np.asarray(
            value_fn(index, contracts, scenario.prices, kwp, include_internal_price=True),
            dtype=float,
        )
        surplus = float(economics.surplus_price_eur_per_kwh(scenario.prices, kwp)[0])
        bill = None
        if consumption_kwh is not None and hasattr(economics, "compute_bills"):
            import pandas as pd

            names = scenario.venue_names
            cons = pd.DataFrame(consumption_kwh.T, index=index, columns=names)
            zeros = pd.DataFrame(0.0, index=index, columns=names)
            bills = economics.compute_bills(
                cons, zeros, pd.Series(0.0, index=index), contracts, scenario.prices, kwp
            )
            bill = bills.loc[names, "bill_without_eur"].to_numpy(dtype=float)
        return ScenarioPrices(
            value, value - saving, surplus, bill, "economics stage (time-of-use, taxes as borne)"
        )
    prices = scenario.prices
    flat = np.array(
        [
            getattr(c, "supply_price_eur_per_kwh", None)
            if getattr(c, "supply_price_eur_per_kwh", None) is not None
            else prices.supply_price_eur_per_kwh
            for c in contracts
        ]
    )
    value = np.repeat(flat[:, None], n_intervals, axis=1)
    return ScenarioPrices(
        value,
        float(prices.internal_price_eur_per_kwh),
        float(prices.surplus_price_eur_per_kwh),
        None,
        f"flat supply prices of the scenario ({n} venue(s))",
    )


def _index(scenario: Any, production_kwh: Any, n_intervals: int) -> Any:
    """The time labels of the curves: the Series' index, else the scenario's grid if it fits."""
    import pandas as pd

    index = getattr(production_kwh, "index", None)
    if isinstance(index, pd.DatetimeIndex):
        return index
    from .timegrid import make_index

    sim = scenario.simulation
    grid = make_index(sim.year, sim.step, sim.timezone)
    if len(grid) != n_intervals:
        raise DataError(
            f"production_kwh: {n_intervals} intervals without time labels, expected the scenario's "
            f"{len(grid)} ({sim.year}, {sim.step}); pass a pandas Series"
        )
    return grid


def _as_arrays(production_kwh: Any, consumption_kwh: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(getattr(production_kwh, "to_numpy", lambda: production_kwh)(), dtype=float)
    if hasattr(consumption_kwh, "to_numpy"):
        c = np.asarray(consumption_kwh.to_numpy(), dtype=float).T  # DataFrame (T × N) → (N, T)
    else:
        c = np.asarray(consumption_kwh, dtype=float)
        if c.ndim == 2 and c.shape[0] != n and c.shape[1] == n:
            c = c.T
    return np.ascontiguousarray(p), np.ascontiguousarray(c)


def optimise_scenario(
    scenario: Any,
    production_kwh: Any,
    consumption_kwh: Any,
    config: OptimiseConfig | None = None,
    finance: Any = None,
) -> tuple[KeyResult, dict[str, Any]]:
    """Run the optimiser a scenario asks for and re-simulate the (rounded) key.

    Parameters
    ----------
    scenario : greenkommon.scenario.Scenario
    production_kwh : pandas.Series or array_like (T,)
        Production of the scenario's plant [kWh].
    consumption_kwh : pandas.DataFrame (T × N) or array_like (N, T)
        Consumption per venue [kWh].
    config : OptimiseConfig, optional
        Overrides ``scenario.optimise`` (the command line's flags).

    Returns
    -------
    result : KeyResult
    report : dict
        JSON-ready: model, fairness, optimal and rounded coefficients by venue, the optimiser's
        value and the re-simulated value of the rounded key [€/yr], per-venue savings against no
        operation and against the pro-rata key [€/yr], plant size, solver statistics.
    """
    cfg = config or scenario.optimise
    names = scenario.venue_names
    p, c = _as_arrays(production_kwh, consumption_kwh, len(names))
    index = _index(scenario, production_kwh, len(p))
    priced = scenario_prices(scenario, index, len(p), c)
    imp, surplus, internal = (
        priced.value_eur_per_kwh,
        priced.surplus_eur_per_kwh,
        priced.internal_eur_per_kwh,
    )
    lower, upper = cfg.bounds_arrays(names)
    shares = cfg.shares_array(names)
    common: dict[str, Any] = dict(
        internal_price_eur_per_kwh=internal,
        venue_names=names,
        method=cfg.method,
        time_limit_s=cfg.time_limit_s,
    )
    bill_kw: dict[str, Any] = (
        {} if priced.bill_without_eur is None else {"bill_without_eur": priced.bill_without_eur}
    )
    fair: dict[str, Any] = dict(
        no_loss="no_loss" in cfg.fairness,
        vs_prorata="vs_prorata" in cfg.fairness,
        equity_shares=shares,
        maxmin="maxmin" in cfg.fairness,
    )
    if cfg.size_plant:
        unsupported = [f for f in cfg.fairness if f != "no_loss"]
        if unsupported:
            raise cfg._error(
                "fairness",
                list(cfg.fairness),
                "only 'no_loss' with size_plant = true (the others depend on the size non-linearly)",
            )
        fin = finance if finance is not None else scenario.finance
        annual, cost_note = plant_cost_eur_per_kwp_year(scenario, cfg, fin)
        # the cost is yearly; the curves normally span the scenario's year, prorate otherwise
        from .timegrid import step_hours

        year_hours = 24.0 * (366 if calendar.isleap(scenario.simulation.year) else 365)
        annual *= len(p) * step_hours(scenario.simulation.step) / year_hours
        kwp = scenario.plant.peak_power_kwp
        unit = p / kwp
        result = solve_sizing(
            unit,
            c,
            imp,
            surplus,
            annual_cost_eur_per_kwp=annual,
            max_peak_power_kwp=cfg.max_size_kwp(),
            min_peak_power_kwp=cfg.min_peak_power_kwp,
            lower=lower,
            upper=upper,
            no_loss=fair["no_loss"],
            **common,
        )
        p = unit * result.peak_power_kwp
        result.notes.append(
            f"sizing: prices and tariffs computed for the scenario's {kwp:g} kWp plant; re-run "
            "with the written scenario to price the chosen size exactly"
        )
        result.notes.append(cost_note)
        extra = result.objective_eur - _value(
            c, imp, surplus, simulate_key(p, c, result.coefficients)
        )
    elif cfg.model == "dynamic":
        if cfg.bounds:
            raise cfg._error(
                "bounds",
                "{table}",
                "no bounds with model = 'dynamic' (bounds are static coefficients)",
            )
        result = solve_dynamic_key(p, c, imp, surplus, **fair, **common, **bill_kw)
        extra = 0.0
    else:
        result = solve_static_key(
            p, c, imp, surplus, lower=lower, upper=upper, **fair, **common, **bill_kw
        )
        extra = 0.0
    precision = cfg.precision()
    prorata = prorata_allocation(p, c)
    notes = list(result.notes)
    if not cfg.round_keys:
        final = result.coefficients
    elif result.coefficients.ndim == 1:
        targets = None
        if fair["no_loss"] or fair["vs_prorata"]:
            targets = np.zeros(len(names)) if fair["no_loss"] else np.full(len(names), -np.inf)
            if fair["vs_prorata"]:
                targets = np.maximum(targets, ((imp - internal) * prorata).sum(axis=1))
        final, still_fair = round_static_key(
            result.coefficients,
            p,
            c,
            imp - surplus,
            imp - internal,
            precision,
            lower=lower,
            upper=upper,
            targets_eur=targets,
            equity_shares=shares,
        )
        if not still_fair and result.fairness:
            msg = (
                f"rounding the key to {precision:g} breaks a fairness option ({', '.join(result.fairness)}) "
                "by a rounding margin; see the re-simulated savings"
            )
            warnings.warn(msg, GreenkommonWarning, stacklevel=2)
            notes.append(msg)
    else:
        final = round_dynamic_key(
            result.coefficients,
            p,
            c,
            imp - surplus,
            precision,
            saving_eur_per_kwh=(imp - internal) if result.fairness else None,
        )
        if result.fairness:
            sav = ((imp - internal) * simulate_key(p, c, final)).sum(axis=1)
            if (
                sav < result.savings_eur - 1e-6 * np.maximum(1.0, np.abs(result.savings_eur))
            ).any():
                notes.append(
                    "rounding the dynamic key to the upload grid lowers some venues' savings slightly; "
                    "fairness holds for the unrounded key"
                )
    alloc = simulate_key(p, c, final)
    savings = (imp - internal) * alloc
    report: dict[str, Any] = {
        "model": result.model,
        "fairness": list(result.fairness),
        "method": cfg.method,
        "key_precision": precision if cfg.round_keys else None,
        "optimiser_value_eur": result.objective_eur,
        "resimulated_value_eur": _value(c, imp, surplus, alloc) + extra,
        "prorata_value_eur": _value(c, imp, surplus, prorata) + extra,
        "savings_eur": dict(zip(names, savings.sum(axis=1).tolist(), strict=True)),
        "prorata_savings_eur": dict(
            zip(names, ((imp - internal) * prorata).sum(axis=1).tolist(), strict=True)
        ),
        "peak_power_kwp": result.peak_power_kwp,
        "min_relative_saving": result.min_relative_saving,
        "stats": result.stats.as_dict(),
        "notes": notes + [f"prices: {priced.source}"],
    }
    if final.ndim == 1:
        report["coefficients"] = dict(zip(names, result.coefficients.tolist(), strict=True))
        report["coefficients_rounded"] = dict(zip(names, final.tolist(), strict=True))
    else:
        # production-weighted mean coefficient: the share of the year's production given to each venue
        weighted = (
            (final * p[None, :]).sum(axis=1) / p.sum() if p.sum() > 0 else np.zeros(len(names))
        )
        report["weighted_coefficients"] = dict(zip(names, weighted.tolist(), strict=True))
    return KeyResult(**{**result.__dict__, "coefficients": final}), report


def _value(c: np.ndarray, imp: np.ndarray, surplus: float, alloc: np.ndarray) -> float:
    return float(((imp - surplus) * alloc).sum())


def optimised_key_coefficients(
    scenario: Any, production_kwh: Any, consumption_kwh: Any
) -> tuple[np.ndarray, dict[str, Any]]:
    """Coefficients for ``[key] type = 'optimised'`` (called by the pipeline).

    Returns
    -------
    coefficients : numpy.ndarray
        (N,) for the static model (floored to the key precision unless ``round_keys = false``),
        (N, T) for ``model = 'dynamic'`` [-].
    report : dict
        See :func:`optimise_scenario`.
    """
    result, report = optimise_scenario(scenario, production_kwh, consumption_kwh)
    return result.coefficients, report


def optimised_scenario_toml(
    scenario: Any,
    base_file: str | Path,
    report: dict[str, Any],
    coefficients_file: str | None = None,
) -> str:
    """TOML text of a scenario that extends ``base_file`` with the optimised key.

    A static key is written as ``[key.coefficients]``; a dynamic key points at
    ``coefficients_file`` (written by :func:`write_dynamic_key`, relative to the new scenario).
    With sizing, the plant's sections are rewritten scaled to the chosen size (arrays are replaced,
    not merged, by ``extends``).
    """
    coefficients = report.get("coefficients_rounded")
    if coefficients is None and coefficients_file is None:
        raise OptimisationError(
            "--write: a dynamic key needs its coefficients file (see write_dynamic_key)"
        )
    lines = [
        f"# Written by `greenkommon optimise` from {Path(base_file).name}",
        f"# optimiser value {report['optimiser_value_eur']:,.2f} €/yr; re-simulated with the written key "
        f"{report['resimulated_value_eur']:,.2f} €/yr",
        f"extends = {_toml_str(Path(base_file).as_posix())}",
        f"name = {_toml_str(scenario.name + ' (optimised key)')}",
        "",
    ]
    if report.get("peak_power_kwp") is not None:
        if report["peak_power_kwp"] <= 0:
            raise OptimisationError(
                "--write: the sizing chose no plant (0 kWp): there is no scenario to write"
            )
        factor = report["peak_power_kwp"] / scenario.plant.peak_power_kwp
        lines.append(f"# plant size chosen by the optimiser: {report['peak_power_kwp']:.3f} kWp")
        raw_sections = scenario.raw.get("plant", {}).get("sections", [])
        lines.append("[plant]")
        lines.append("")
        for sec in raw_sections:
            lines.append("[[plant.sections]]")
            for key, value in sec.items():
                if key == "peak_power_kwp":
                    value = round(float(value) * factor, 6)
                lines.append(f"{key} = {_toml_value(value)}")
            lines.append("")
        lines.extend(_scaled_financing(scenario, factor))
    lines.append("[key]")
    if coefficients is None:
        lines.append('type = "dynamic"')
        lines.append(f"coefficients_file = {_toml_str(str(coefficients_file))}")
        return "\n".join(lines) + "\n"
    lines.append('type = "static"')
    lines.append("")
    lines.append("[key.coefficients]")
    for name, k in coefficients.items():
        lines.append(f"{_toml_str(name)} = {round(k, 9)!r}")
    return "\n".join(lines) + "\n"


def write_dynamic_key(
    path: str | Path,
    coefficients: np.ndarray,
    production_kwh: Any,
    venue_names: Sequence[str],
    precision: float,
) -> Path:
    """Write a dynamic key (N, T) as the CSV ``greenkommon run`` reads (``Horodate;<venue>;…`` in %).

    Uses :func:`greenkommon.enedis.export_dynamic_key` (atomic); the coefficients should already
    be multiples of ``precision`` so that its flooring keeps them.
    """
    import pandas as pd

    from .enedis import export_dynamic_key

    index = getattr(production_kwh, "index", None)
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError(
            "write_dynamic_key: production_kwh must be a pandas Series with a time index"
        )
    p = np.asarray(production_kwh, dtype=float)
    # the exporter derives α = allocated / P: give it k·P so that α is the key itself
    share = pd.DataFrame(
        (np.asarray(coefficients) * p[None, :]).T, index=index, columns=list(venue_names)
    )
    out, _ = export_dynamic_key(path, pd.Series(p, index=index), share, step=precision)
    return out


def _scaled_financing(scenario: Any, factor: float) -> list[str]:
    """``[finance]`` lines scaling the producer's loan and the venues' equity [€] with the plant.

    Both are absolute amounts sized for the input plant; the finance stage refuses financing above
    the investment, so a smaller plant needs them scaled (the financing structure is kept).
    """
    fin = scenario.raw.get("finance", {}) if isinstance(scenario.raw, dict) else {}
    lines: list[str] = []
    if "loan_amount_eur" in fin:
        lines += [
            "[finance]",
            "# loan scaled with the plant size (same share of the investment)",
            f"loan_amount_eur = {round(float(fin['loan_amount_eur']) * factor, 2)!r}",
            "",
        ]
    equity = fin.get("equity_eur")
    if isinstance(equity, dict) and equity:
        lines += ["[finance.equity_eur]", "# venue equity scaled with the plant size"]
        lines += [f"{_toml_str(k)} = {round(float(v) * factor, 2)!r}" for k, v in equity.items()]
        lines.append("")
    return lines


def _toml_str(s: str) -> str:
    import json

    return json.dumps(s, ensure_ascii=False)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_str(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise OptimisationError(f"--write: cannot write value {v!r} to TOML")
