"""Fairness options as exact per-venue coefficient ranges and targets."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import OptimisationError
from ._problem import _Problem, prorata_allocation
from .piecewise import PiecewiseLinear
from .separable import _solve_separable


class FairnessInfeasibleError(OptimisationError):
    """No key of the model asked meets the fairness targets (a per-venue statement in the message)."""


def _pct(x: float) -> str:
    # two decimals near 100 % so that "100.04 % > 100 %" never prints as "100.0 % > 100 %"
    return f"{100 * x:.2f} %" if abs(x - 1.0) < 0.01 else f"{100 * x:.1f} %"


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
            raise FairnessInfeasibleError(
                f"fairness: venue {prob.names[i]!r} can save at most {best:,.2f} €/yr with any {unit} "
                f"(coefficient in [{_pct(f.points[0])}, {_pct(f.points[-1])}]), below {why[i] or f'{target[i]:,.2f} €'}"
            )
        choices.append(parts)
    need = np.array([c[0][0] for c in choices])
    if need.sum() > 1 + 1e-12 and unit == "static key":
        needs = ", ".join(
            f"{prob.names[i]!r} ≥ {_pct(need[i])}" for i in range(len(need)) if need[i] > 0
        )
        raise FairnessInfeasibleError(
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
