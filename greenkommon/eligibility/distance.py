"""Distances between participants and the geometry of the distance rule.

Geodesic distances on the WGS84 ellipsoid (Karney's algorithm through :mod:`geographiclib`,
:func:`geodesic_km`, :func:`pairwise_distances_km`), the largest groups of points pairwise within
a limit (maximal cliques, :func:`largest_within`) and the point that minimises the largest
distance to a set of points (:func:`minimax_point`), where a roof would serve them all. Every
comparison with a limit allows the 1 mm slack :data:`_DISTANCE_SLACK_KM`, shared with the plan.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..errors import DataError

# Distances are compared with a 1 mm slack so that a participant exactly at the limit, given
# as rounded coordinates, is not rejected by a floating-point last digit.
_DISTANCE_SLACK_KM = 1e-6


# ------------------------------------------------------------------------------------------------
# Geometry


def geodesic_km(lat1_deg: float, lon1_deg: float, lat2_deg: float, lon2_deg: float) -> float:
    """Geodesic distance on the WGS84 ellipsoid [km] (Karney's algorithm, via geographiclib)."""
    geod = _wgs84_km()
    return float(geod.Inverse(lat1_deg, lon1_deg, lat2_deg, lon2_deg, geod.DISTANCE)["s12"])


@functools.cache
def _wgs84_km() -> Any:
    """The WGS84 ellipsoid in km, as geopy's ``geodesic`` builds it (same numbers); used directly,
    it spares the import of geopy's geocoders and HTTP stack (~0.1 s of every start-up)."""
    from geographiclib.geodesic import Geodesic

    return Geodesic(6378.137, 1 / 298.257223563)


def pairwise_distances_km(
    latitudes_deg: Sequence[float], longitudes_deg: Sequence[float]
) -> np.ndarray:
    """Symmetric matrix of geodesic distances between points [km], zero diagonal."""
    n = len(latitudes_deg)
    if len(longitudes_deg) != n:
        raise DataError(
            f"pairwise_distances_km: {n} latitudes but {len(longitudes_deg)} longitudes"
        )
    out = np.zeros((n, n))
    for i, j in itertools.combinations(range(n), 2):
        out[i, j] = out[j, i] = geodesic_km(
            latitudes_deg[i], longitudes_deg[i], latitudes_deg[j], longitudes_deg[j]
        )
    return out


def _maximal_cliques(
    adjacency: Sequence[set[int]], candidates: Iterable[int]
) -> list[frozenset[int]]:
    """All maximal cliques of an undirected graph restricted to ``candidates``.

    Bron–Kerbosch with pivoting (Tomita et al. 2006), iterative to avoid deep recursion.
    """
    cliques: list[frozenset[int]] = []
    stack: list[tuple[frozenset[int], set[int], set[int]]] = [(frozenset(), set(candidates), set())]
    while stack:
        r, p, x = stack.pop()
        if not p and not x:
            if r:
                cliques.append(r)
            continue
        pivot = max(p | x, key=lambda u: len(adjacency[u] & p))
        for v in list(p - adjacency[pivot]):
            stack.append((r | {v}, p & adjacency[v], x & adjacency[v]))
            p = p - {v}
            x = x | {v}
    return cliques


def largest_within(
    distances_km: np.ndarray, limit_km: float, members: Iterable[int]
) -> list[tuple[int, ...]]:
    """Largest subsets of ``members`` whose pairwise distances are all ≤ ``limit_km``.

    Parameters
    ----------
    distances_km : numpy.ndarray
        (M, M) symmetric distance matrix [km].
    limit_km : float
        [km].
    members : iterable of int
        Indices allowed in the subsets.

    Returns
    -------
    list of tuple of int
        Sorted index tuples, all of the maximum size (empty list if ``members`` is empty).
    """
    members = sorted(set(members))
    if not members:
        return []
    ok = distances_km <= limit_km + _DISTANCE_SLACK_KM
    adjacency: list[set[int]] = [set() for _ in range(distances_km.shape[0])]
    for i, j in itertools.combinations(members, 2):
        if ok[i, j]:
            adjacency[i].add(j)
            adjacency[j].add(i)
    cliques = _maximal_cliques(adjacency, members)
    best = max(len(c) for c in cliques)
    return sorted(tuple(sorted(c)) for c in cliques if len(c) == best)


def _enclosing_circle(points: np.ndarray) -> tuple[float, float, float]:
    """Smallest enclosing circle of planar points (Welzl's incremental algorithm, exact).

    Deterministic (no shuffle): O(n³) in the worst case, fine for the few venues of an operation.
    """

    def circle2(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, float]:
        c = (p + q) / 2
        return c, float(np.hypot(*(p - c)))

    def circle3(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, float]:
        bx, by = q - p
        cx, cy = r - p
        det = 2 * (bx * cy - by * cx)
        if abs(det) < 1e-18:  # collinear: the farthest pair spans the circle
            pairs = [(p, q), (p, r), (q, r)]
            return circle2(*max(pairs, key=lambda pq: np.hypot(*(pq[0] - pq[1]))))
        ux = (cy * (bx * bx + by * by) - by * (cx * cx + cy * cy)) / det
        uy = (bx * (cx * cx + cy * cy) - cx * (bx * bx + by * by)) / det
        return p + np.array([ux, uy]), float(np.hypot(ux, uy))

    def inside(c: np.ndarray, rad: float, p: np.ndarray) -> bool:
        return float(np.hypot(*(p - c))) <= rad * (1 + 1e-12) + 1e-15

    c, rad = points[0].astype(float), 0.0
    for i in range(1, len(points)):
        if inside(c, rad, points[i]):
            continue
        c, rad = points[i].astype(float), 0.0
        for j in range(i):
            if inside(c, rad, points[j]):
                continue
            c, rad = circle2(points[i], points[j])
            for k in range(j):
                if not inside(c, rad, points[k]):
                    c, rad = circle3(points[i], points[j], points[k])
    return float(c[0]), float(c[1]), rad


def minimax_point(
    latitudes_deg: Sequence[float], longitudes_deg: Sequence[float]
) -> tuple[float, float, float]:
    """The point minimising the largest geodesic distance to a set of points.

    Parameters
    ----------
    latitudes_deg, longitudes_deg : sequence of float
        The points [°, WGS84], spread over much less than a hemisphere.

    Returns
    -------
    latitude_deg, longitude_deg, radius_km : float
        Centre of the smallest enclosing geodesic circle and its radius [km].

    Notes
    -----
    Fixed-point iteration on an azimuthal equidistant chart: project the points around the
    current centre ``c`` (each at its geodesic distance and azimuth from ``c``), take the exact
    smallest enclosing circle in that plane (Welzl), move ``c`` to its centre along the geodesic,
    repeat until the move is below 0.1 mm. The chart keeps distances and azimuths from ``c``
    exact, so at the fixed point the first-order optimality conditions of the planar and of the
    geodesic problem coincide: ``c`` is the geodesic minimax point. The radius returned is the
    largest exact geodesic distance from ``c`` (Karney's algorithm, the one geopy's
    ``geodesic`` wraps).
    """
    from geographiclib.geodesic import Geodesic

    lats = np.asarray(latitudes_deg, dtype=float)
    lons = np.asarray(longitudes_deg, dtype=float)
    if lats.size == 0 or lats.size != lons.size:
        raise DataError(f"minimax_point: {lats.size} latitudes and {lons.size} longitudes")
    ellipsoid = Geodesic.WGS84
    lat, lon = float(lats.mean()), float(lons.mean())
    for _ in range(50):
        sols = [ellipsoid.Inverse(lat, lon, a, b) for a, b in zip(lats, lons, strict=True)]
        s_km = np.array([g["s12"] for g in sols]) / 1000.0
        azi = np.radians([g["azi1"] for g in sols])
        cx, cy, _ = _enclosing_circle(np.column_stack([s_km * np.sin(azi), s_km * np.cos(azi)]))
        move_km = math.hypot(cx, cy)
        if move_km < 1e-7:
            break
        step = ellipsoid.Direct(lat, lon, math.degrees(math.atan2(cx, cy)), move_km * 1000.0)
        lat, lon = step["lat2"], step["lon2"]
    radius = (
        max(ellipsoid.Inverse(lat, lon, a, b)["s12"] for a, b in zip(lats, lons, strict=True))
        / 1000.0
    )
    return float(lat), float(lon), float(radius)
