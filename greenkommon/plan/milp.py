"""The packing step as a MILP (Pyomo + HiGHS): an alternative to enumeration for many venues.

:func:`greenkommon.plan.rank.top_packings` is exact through a dynamic programme over the set of
venues and roofs used, whose size grows as ``2^(V + R)``. For a large portfolio the same choice is
a set-packing MILP: one binary ``x_j`` per candidate operation,

``max Σ_j v_j x_j`` s.t. ``Σ_{j ∋ i} x_j ≤ 1`` for every venue ``i`` and every roof,

solved by HiGHS (branch and bound, proven optimal). It takes the candidates the enumeration
prices; sizing and the piecewise-linear value functions stay in the enumeration (a MILP with
those is not built).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..optimise._solver import SolveStats, _pyomo, _solve
from .rank import Candidate, Packing


def best_packing_milp(
    n_venues: int, n_roofs: int, candidates: Sequence[Candidate], time_limit_s: float = 60.0
) -> Packing:
    """The configuration of highest collective NPV, as a set-packing MILP (see the module notes).

    Returns
    -------
    Packing
        Its candidates (sorted indices) and value [€]; the empty packing when no candidate has a
        positive value.
    """
    pyo, _ = _pyomo()
    m = pyo.ConcreteModel()
    idx = range(len(candidates))
    m.x = pyo.Var(idx, domain=pyo.Binary)

    def at_most_once(count: int, used: Any) -> Any:
        """One row per venue (or roof) held by some candidate: Σ x_j ≤ 1."""
        return pyo.Constraint(
            [k for k in range(count) if any(k in used(c) for c in candidates)],
            rule=lambda _m, k: pyo.quicksum(m.x[j] for j in idx if k in used(candidates[j])) <= 1,
        )

    m.venue = at_most_once(n_venues, lambda c: c.members)
    m.roof = at_most_once(n_roofs, lambda c: c.roofs)
    m.obj = pyo.Objective(
        expr=pyo.quicksum(float(candidates[j].value_eur) * m.x[j] for j in idx)
        if candidates
        else 0.0,
        sense=pyo.maximize,
    )
    if not candidates:
        return Packing((), 0.0)
    _solve(m, SolveStats(), "choose", time_limit_s, "plan (packing MILP)")
    chosen = tuple(j for j in idx if (m.x[j].value or 0.0) > 0.5)
    return Packing(chosen, float(sum(candidates[j].value_eur for j in chosen)))
