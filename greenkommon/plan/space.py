"""The plan's search space: venues, candidate roofs and the eligible groupings around them.

A *grouping* is one candidate ACC operation: a non-empty set of roofs and a non-empty set of
member venues. It is eligible when every pair of its participants (members and roofs) is within
the distance limit of the rule that applies (``greenkommon check``, :mod:`greenkommon.eligibility`)
and its producers' peak power stays under the cap (sizes are capped below it). Groupings are
enumerated exactly with pruning: a roof set whose roofs are not pairwise within the limit is never
extended, and a venue joins a grouping only if it is within the limit of every roof and member
already in it, so every eligible grouping is produced once and no ineligible one is built.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..eligibility import _DISTANCE_SLACK_KM  # one slack: the plan must agree with `check`
from ..errors import DataError


@dataclass(frozen=True)
class Site:
    """A venue (delivery point) of the plan.

    Attributes
    ----------
    name : str
    latitude_deg, longitude_deg : float
        Delivery point [°, WGS84].
    """

    name: str
    latitude_deg: float
    longitude_deg: float


@dataclass(frozen=True)
class Roof:
    """A candidate roof for a plant.

    Attributes
    ----------
    name : str
    latitude_deg, longitude_deg : float
        Injection point [°, WGS84].
    max_peak_power_kwp : float
        Largest plant the roof takes [kWp] (usable area × kWp per m², or given).
    capex_eur_per_kwp : float or None
        Investment cost [€/kWp]; ``None``: the scenario's ``[finance]`` (or the data file's).
    owner : str or None
        The venue whose own roof this is (``None``: a third party's roof).
    source : str
        Where the roof comes from (the scenario's plant, ``[[plan.roofs]]``), for the output.
    """

    name: str
    latitude_deg: float
    longitude_deg: float
    max_peak_power_kwp: float
    capex_eur_per_kwp: float | None = None
    owner: str | None = None
    source: str = ""


@dataclass(frozen=True)
class Grouping:
    """One eligible candidate operation.

    Attributes
    ----------
    roofs : tuple of int
        Indices into the search space's roofs, sorted.
    members : tuple of int
        Indices into its venues, sorted.
    max_distance_km : float
        Distance between its two farthest participants [km].
    farthest_pair : tuple of str
    """

    roofs: tuple[int, ...]
    members: tuple[int, ...]
    max_distance_km: float
    farthest_pair: tuple[str, str]


@dataclass(frozen=True)
class BlockingPair:
    """Two participants farther apart than the limit: no operation can hold both.

    Attributes
    ----------
    a, b : str
    distance_km : float
        [km].
    limit_km : float
        [km].
    """

    a: str
    b: str
    distance_km: float
    limit_km: float

    @property
    def reason(self) -> str:
        return f"{self.a} – {self.b}: {self.distance_km:.2f} km > {self.limit_km:g} km"


@dataclass(frozen=True)
class SearchSpace:
    """Venues, roofs, their distances and the rule's limits.

    Attributes
    ----------
    venues : tuple of Site
    roofs : tuple of Roof
    distances_km : numpy.ndarray
        (V + R, V + R) geodesic distances, venues first then roofs [km].
    limit_km : float or None
        Distance limit of the rule [km] (``None``: no km criterion).
    power_cap_kwp : float
        The producers' cumulated peak power must stay strictly below this [kWp].
    rule_label : str
    """

    venues: tuple[Site, ...]
    roofs: tuple[Roof, ...]
    distances_km: np.ndarray
    limit_km: float | None
    power_cap_kwp: float
    rule_label: str = ""

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.venues] + [r.name for r in self.roofs]

    def within(self, i: int, j: int) -> bool:
        """Whether participants ``i`` and ``j`` (venues first, then roofs) may share an operation."""
        if self.limit_km is None:
            return True
        return bool(self.distances_km[i, j] <= self.limit_km + _DISTANCE_SLACK_KM)


def build_space(
    venues: Sequence[Site],
    roofs: Sequence[Roof],
    limit_km: float | None,
    power_cap_kwp: float,
    rule_label: str = "",
    distances_km: np.ndarray | None = None,
) -> SearchSpace:
    """Assemble a search space, computing geodesic distances unless given.

    Raises
    ------
    DataError
        Duplicate names, no venue or no roof, a roof without a positive size limit.
    """
    names = [v.name for v in venues] + [r.name for r in roofs]
    if not venues or not roofs:
        raise DataError(
            f"plan: {len(venues)} venue(s) and {len(roofs)} roof(s); expected at least one of each"
        )
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataError(f"plan: participant name {dup[0]!r} appears twice (venues and roofs)")
    for r in roofs:
        if not r.max_peak_power_kwp > 0:
            raise DataError(
                f"plan: roof {r.name!r}: max_peak_power_kwp = {r.max_peak_power_kwp!r}; expected > 0 [kWp]"
            )
    if distances_km is None:
        from ..eligibility import pairwise_distances_km

        lats = [p.latitude_deg for p in venues] + [r.latitude_deg for r in roofs]
        lons = [p.longitude_deg for p in venues] + [r.longitude_deg for r in roofs]
        distances_km = pairwise_distances_km(lats, lons)
    d = np.asarray(distances_km, dtype=float)
    if d.shape != (len(names), len(names)):
        raise DataError(f"plan: distances_km has shape {d.shape}, expected {len(names)}²")
    return SearchSpace(tuple(venues), tuple(roofs), d, limit_km, power_cap_kwp, rule_label)


def _cliques(candidates: list[int], ok: np.ndarray, start: tuple[int, ...]):
    """Every non-empty subset of ``candidates`` pairwise compatible (``ok``), added to ``start``.

    Depth-first, each subset once (increasing indices); a candidate incompatible with what is
    already chosen is never tried, so the work is proportional to the number of eligible subsets.
    """
    stack = [(start, candidates)]
    while stack:
        chosen, rest = stack.pop()
        for k, c in enumerate(rest):
            new = chosen + (c,)
            yield new
            stack.append((new, [d for d in rest[k + 1 :] if ok[c, d]]))


def eligible_groupings(space: SearchSpace, max_roofs: int | None = None) -> list[Grouping]:
    """Every eligible grouping (roof set, member set) of the search space, exactly.

    Parameters
    ----------
    space : SearchSpace
    max_roofs : int, optional
        Largest number of roofs pooled in one operation (default: all).

    Returns
    -------
    list of Grouping
        Sorted by roofs then members.

    Notes
    -----
    Eligible iff ``max_{p,q ∈ R ∪ S} d(p, q) ≤ limit`` (the farthest pair among producers and
    consumers; arrêté du 21 novembre 2019, art. 1). The power cap is met by capping the sizes
    (``Σ_r x_r < cap``), so it never rejects a grouping outright.
    """
    nv = len(space.venues)
    nr = len(space.roofs)
    n = nv + nr
    ok = np.array([[space.within(i, j) for j in range(n)] for i in range(n)])
    out: list[Grouping] = []
    roof_ids = list(range(nv, n))
    for roof_set in _cliques(roof_ids, ok, ()):
        if max_roofs is not None and len(roof_set) > max_roofs:
            continue
        near = [v for v in range(nv) if all(ok[v, r] for r in roof_set)]
        for members in _cliques(near, ok, ()):
            parts = list(roof_set) + list(members)
            sub = space.distances_km[np.ix_(parts, parts)]
            a, b = np.unravel_index(int(np.argmax(sub)), sub.shape)
            pa, pb = sorted((parts[int(a)], parts[int(b)]))
            out.append(
                Grouping(
                    roofs=tuple(sorted(r - nv for r in roof_set)),
                    members=tuple(sorted(members)),
                    max_distance_km=float(sub.max()) if len(parts) > 1 else 0.0,
                    farthest_pair=(space.names[pa], space.names[pb]),
                )
            )
    out.sort(key=lambda g: (g.roofs, g.members))
    return out


def blocking_pairs(space: SearchSpace) -> list[BlockingPair]:
    """Every pair of participants farther apart than the limit (the reasons groupings fail).

    A grouping is rejected iff it contains one of these pairs; listing them states the reason of
    every rejected grouping at once.
    """
    if space.limit_km is None:
        return []
    out = []
    for i, j in itertools.combinations(range(len(space.names)), 2):
        if not space.within(i, j):
            out.append(
                BlockingPair(
                    space.names[i], space.names[j], float(space.distances_km[i, j]), space.limit_km
                )
            )
    return out


def rejection_reason(space: SearchSpace, roofs: Sequence[int], members: Sequence[int]) -> str:
    """Why a grouping is not eligible (``''`` when it is): its pairs beyond the limit."""
    nv = len(space.venues)
    parts = [nv + r for r in roofs] + list(members)
    bad = [
        BlockingPair(
            space.names[i],
            space.names[j],
            float(space.distances_km[i, j]),
            float(space.limit_km or 0.0),
        ).reason
        for i, j in itertools.combinations(parts, 2)
        if not space.within(i, j)
    ]
    return "; ".join(bad)
