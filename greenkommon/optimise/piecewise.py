"""Exact piecewise-linear value functions of one coefficient."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import OptimisationError


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
