"""The separable segment LP, refined until exact (static key and sizing)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..errors import OptimisationError
from ._solver import SolveStats, _pyomo, _solve, _solver
from .piecewise import PiecewiseLinear

#: Coarse subset size per venue and refinement width of the static-key LP (see the package notes).
_GRID = 48


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
