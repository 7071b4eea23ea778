"""Eligibility of an extended collective self-consumption operation (distance and power rules).

An *ACC étendue* is allowed when the two farthest participants (consumers' delivery points and
producers' injection points) are at most a given distance apart and the cumulated peak power of
the producers stays under a cap. Which distance and cap apply depends on the communes involved and
on derogations; every figure and its source live in ``greenkommon/data/acc_rules_fr.toml``.

Public entry points: :class:`EligibilityConfig` (the ``[eligibility]`` table),
:func:`check_eligibility` (a scenario in, an :class:`EligibilityReport` out),
:func:`check_participants` (the same on bare coordinates) and :func:`format_eligibility`.
Distances are geodesic on the WGS84 ellipsoid (Karney's algorithm, :mod:`geographiclib`).
"""

from __future__ import annotations

import functools
import itertools
import math
import tomllib
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from ..config.eligibility import (  # noqa: F401
    COMMUNE_CATEGORIES,
    RULE_CHOICES,
    TERRITORIES,
    EligibilityConfig,
)
from ..errors import DataError, GreenkommonWarning, ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from ..config.scenario import OperationConfig, Scenario

#: Bundled rules file.
RULES_FILE = "acc_rules_fr.toml"

#: Above this many venues the subset search is skipped (maximal cliques can be exponential).
MAX_VENUES_FOR_SUBSETS = 60

# Distances are compared with a 1 mm slack so that a participant exactly at the limit, given
# as rounded coordinates, is not rejected by a floating-point last digit.
_DISTANCE_SLACK_KM = 1e-6


@dataclass(frozen=True)
class Rule:
    """One distance/power rule of the rules file.

    Attributes
    ----------
    key : str
        Table name in the rules file (``standard``, ``rural_derogation``, ...).
    label : str
    max_distance_km : float or None
        Limit on the distance between the two farthest participants [km]; ``None`` = no km
        criterion.
    max_power_mw : float
        Cumulated peak power must be strictly below this [MW].
    source : str
    confidence : str
        ``LAW``, ``3RD-PARTY`` or ``UNCONFIRMED``.
    """

    key: str
    label: str
    max_distance_km: float | None
    max_power_mw: float
    source: str
    confidence: str


@dataclass(frozen=True)
class RoofSuggestion:
    """Where a roof would have to be for all venues to be eligible.

    Attributes
    ----------
    possible : bool
        Whether any roof location makes the full set eligible.
    latitude_deg, longitude_deg : float or None
        The point minimising the largest distance to the venues (geodesic minimax centre) [°].
    radius_km : float or None
        Largest distance from that point to a venue [km].
    margin_km : float or None
        ``limit − radius``: any roof within this distance of the point is within the limit of
        every venue (triangle inequality; the true feasible region, the intersection of the
        discs of radius ``limit`` around the venues, is larger) [km].
    current_roof_offset_km : float or None
        Distance from the scenario's roof to that point [km].
    blocking_pair : tuple of str or None
        When impossible: the two venues farthest apart.
    blocking_distance_km : float or None
        Their distance [km].
    """

    possible: bool
    latitude_deg: float | None = None
    longitude_deg: float | None = None
    radius_km: float | None = None
    margin_km: float | None = None
    current_roof_offset_km: float | None = None
    blocking_pair: tuple[str, str] | None = None
    blocking_distance_km: float | None = None


@dataclass(frozen=True)
class EligibilityReport:
    """Outcome of :func:`check_eligibility`.

    Attributes
    ----------
    eligible : bool
        Distance and power criteria both hold.
    rule : Rule
        The rule applied.
    producer : str
        Name of the first producer's injection point (the roof).
    venues : tuple of str
        Consumer names, scenario order.
    distances_km : pandas.DataFrame
        Pairwise geodesic distances between all participants, producer first [km].
    farthest_pair : tuple of str
        The two participants farthest apart.
    max_distance_km : float
        Their distance [km].
    limit_km : float or None
        Distance limit of the rule [km] (``None``: no km criterion).
    excess_km : float
        ``max(0, max_distance − limit)`` [km]; 0 without a km criterion.
    distance_ok : bool
    peak_power_kwp : float
        Cumulated peak power of the producers [kWp].
    power_cap_mw : float
        [MW], strict upper bound.
    power_ok : bool
    largest_subsets : tuple of tuple of str
        The largest sets of venues that are eligible together with the given roof (each is a
        maximum clique of the "within the limit" graph among venues within the limit of the
        roof). The full set when it is eligible; empty when no venue is.
    any_roof_subsets : tuple of tuple of str
        The largest sets of venues that *some* roof location could serve (venues pairwise within
        the limit), for when no roof serves them all.
    any_roof_centres : tuple of (float, float, float)
        For each of ``any_roof_subsets``: the minimax point of its venues (latitude [°],
        longitude [°], largest distance to them [km]); a roof there serves the whole group.
    roof : RoofSuggestion or None
        Where a roof would make all venues eligible (``None`` without a km criterion).
    notes : tuple of str
        Caveats: unconfirmed inferences, derogations that could help, skipped searches.
    producers : tuple of str
        Every producer of the operation (first: :attr:`producer`); the distances cover them all.
    """

    eligible: bool
    rule: Rule
    producer: str
    venues: tuple[str, ...]
    distances_km: pd.DataFrame
    farthest_pair: tuple[str, str]
    max_distance_km: float
    limit_km: float | None
    excess_km: float
    distance_ok: bool
    peak_power_kwp: float
    power_cap_mw: float
    power_ok: bool
    largest_subsets: tuple[tuple[str, ...], ...]
    any_roof_subsets: tuple[tuple[str, ...], ...] = ()
    any_roof_centres: tuple[tuple[float, float, float], ...] = ()
    roof: RoofSuggestion | None = None
    notes: tuple[str, ...] = field(default=())
    producers: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        """``'ELIGIBLE'`` or ``'NOT ELIGIBLE'``."""
        return "ELIGIBLE" if self.eligible else "NOT ELIGIBLE"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (distances [km], power [kWp] / [MW]; no meter id)."""
        roof = None
        if self.roof is not None:
            roof = {k: getattr(self.roof, k) for k in RoofSuggestion.__dataclass_fields__}
            if roof["blocking_pair"] is not None:
                roof["blocking_pair"] = list(roof["blocking_pair"])
        return {
            "verdict": self.verdict,
            "eligible": self.eligible,
            "rule": {k: getattr(self.rule, k) for k in Rule.__dataclass_fields__},
            "producer": self.producer,
            "producers": list(self.producers or (self.producer,)),
            "venues": list(self.venues),
            "farthest_pair": list(self.farthest_pair),
            "max_distance_km": self.max_distance_km,
            "limit_km": self.limit_km,
            "excess_km": self.excess_km,
            "distance_ok": self.distance_ok,
            "peak_power_kwp": self.peak_power_kwp,
            "power_cap_mw": self.power_cap_mw,
            "power_ok": self.power_ok,
            "distances_km": {
                a: {b: float(v) for b, v in row.items()}
                for a, row in self.distances_km.to_dict(orient="index").items()
            },
            "largest_subsets": [list(g) for g in self.largest_subsets],
            "any_roof_subsets": [list(g) for g in self.any_roof_subsets],
            "any_roof_centres": [list(c) for c in self.any_roof_centres],
            "roof_suggestion": roof,
            "notes": list(self.notes),
        }


# ------------------------------------------------------------------------------------------------
# Rules file


@functools.cache
def _load_bundled_rules() -> dict[str, Any]:
    text = resources.files("greenkommon").joinpath("data", RULES_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_rules(path: str | Path | None = None) -> dict[str, Any]:
    """Read the eligibility rules (bundled ``acc_rules_fr.toml`` by default).

    Raises
    ------
    DataError
        If the file is not valid TOML or lacks a ``[rules]`` table.
    """
    if path is None:
        data = _load_bundled_rules()
        where = RULES_FILE
    else:
        where = str(path)
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: cannot read eligibility rules: {exc}") from None
    if not isinstance(data.get("rules"), Mapping) or "standard" not in data["rules"]:
        raise DataError(f"{where}: expected a [rules.standard] table (and the derogations)")
    return data


def _rule(rules: Mapping[str, Any], key: str, territory: str) -> Rule:
    try:
        table = rules["rules"][key]
    except KeyError:
        raise DataError(f"eligibility rules: [rules.{key}] is missing") from None
    cap = table.get(f"max_power_mw_{territory}")
    if not isinstance(cap, int | float) or isinstance(cap, bool) or cap <= 0:
        raise ScenarioError(
            f"eligibility.territory = {territory!r}: the rules file gives no power cap for "
            f"[rules.{key}] in this territory (max_power_mw_{territory})"
        )
    dist = table.get("max_distance_km")
    return Rule(
        key=key,
        label=str(table.get("label", key)),
        max_distance_km=None if dist is None else float(dist),
        max_power_mw=float(cap),
        source=str(table.get("source", "")),
        confidence=str(table.get("confidence", "UNCONFIRMED")),
    )


def select_rule(config: EligibilityConfig, rules: Mapping[str, Any] | None = None) -> Rule:
    """The rule that applies to an operation described by ``config``.

    Notes
    -----
    Order: ``rule = 'standard_2km'`` forces the general rule; otherwise the 2025 public-body
    derogation if its conditions hold; otherwise the rural (20 km) or peri-urban (10 km)
    derogation if it was obtained; otherwise the general rule (2 km). The 10/20 km derogations
    are granted on request by the minister (arrêté du 19 septembre 2023), so the commune category
    alone does not widen the limit.
    """
    rules = load_rules(config.rules_file) if rules is None else rules
    if config.rule == "standard_2km":
        return _rule(rules, "standard", config.territory)
    if config.public_body_derogation:
        return _rule(rules, "public_body_derogation", config.territory)
    if config.distance_derogation and config.commune_category == "rural":
        return _rule(rules, "rural_derogation", config.territory)
    if config.distance_derogation and config.commune_category == "peri_urban":
        return _rule(rules, "peri_urban_derogation", config.territory)
    return _rule(rules, "standard", config.territory)


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


# ------------------------------------------------------------------------------------------------
# The check


def check_participants(
    venues: Sequence[tuple[str, float, float]],
    producer: tuple[str, float, float] | Sequence[tuple[str, float, float]],
    peak_power_kwp: float,
    config: EligibilityConfig | None = None,
    rules: Mapping[str, Any] | None = None,
) -> EligibilityReport:
    """Check the distance and power criteria for bare coordinates.

    Parameters
    ----------
    venues : sequence of (name, latitude_deg, longitude_deg)
        Consumers' delivery points [°, WGS84].
    producer : (name, latitude_deg, longitude_deg) or a sequence of them
        The producers' injection points [°] (one plant, or every producer of the operation).
    peak_power_kwp : float
        Cumulated peak power of the producers [kWp].
    config : EligibilityConfig, optional
        Defaults to the general rule for urban communes.
    rules : mapping, optional
        Parsed rules file (default: ``config.rules_file`` or the bundled one).

    Returns
    -------
    EligibilityReport

    Notes
    -----
    Eligible iff ``max_{i<j} d(i, j) ≤ limit`` over all participants (consumers and producer) and
    ``peak power < cap``. A subset S of venues is eligible with the given roof iff every venue of
    S is within the limit of the roof and of each other: the largest such S are the maximum
    cliques of that graph. If two venues are farther apart than the limit no roof can help;
    otherwise the smallest enclosing circle of the venues has radius ≤ limit/√3 (Jung's theorem)
    and its centre is a roof location that serves them all.

    References
    ----------
    Arrêté du 21 novembre 2019 fixant le critère de proximité géographique de l'autoconsommation
    collective étendue, art. 1 and 1 bis, as amended on 19 September 2023 and 21 February 2025.
    """
    config = config or EligibilityConfig()
    rules = load_rules(config.rules_file) if rules is None else rules
    if not venues:
        raise DataError("eligibility: no venue (consumer) to check")
    rule = select_rule(config, rules)
    producers: list[tuple[str, float, float]] = (
        [cast(tuple[str, float, float], producer)]
        if isinstance(producer, tuple) and len(producer) == 3 and isinstance(producer[0], str)
        else list(cast(Sequence[tuple[str, float, float]], producer))
    )
    if not producers:
        raise DataError("eligibility: no producer to check")
    n_prod = len(producers)
    names = [p[0] for p in producers] + [v[0] for v in venues]
    if len(set(names)) != len(names):
        raise DataError(f"eligibility: participant names must be unique, got {names}")
    lats = [p[1] for p in producers] + [v[1] for v in venues]
    lons = [p[2] for p in producers] + [v[2] for v in venues]
    dist = pairwise_distances_km(lats, lons)
    table = pd.DataFrame(dist, index=names, columns=names)
    i0, j0 = np.unravel_index(np.argmax(dist), dist.shape)
    i, j = sorted((int(i0), int(j0)))
    max_d = float(dist[i, j])
    limit = rule.max_distance_km
    distance_ok = limit is None or max_d <= limit + _DISTANCE_SLACK_KM
    excess = 0.0 if limit is None else max(0.0, max_d - limit)
    power_ok = peak_power_kwp / 1000.0 < rule.max_power_mw
    notes: list[str] = []
    venue_idx = range(n_prod, len(names))

    largest: tuple[tuple[str, ...], ...]
    if limit is None:
        largest = (tuple(names[n_prod:]),)
        any_roof: tuple[tuple[str, ...], ...] = ()
        any_centres: tuple[tuple[float, float, float], ...] = ()
        roof = None
    elif distance_ok:
        largest = (tuple(names[n_prod:]),)
        any_roof, any_centres = (), ()
        roof = None
    elif len(venues) > MAX_VENUES_FOR_SUBSETS:
        largest, any_roof, any_centres, roof = (), (), (), None
        notes.append(
            f"{len(venues)} venues: subset search skipped (limit {MAX_VENUES_FOR_SUBSETS})"
        )
        warnings.warn(notes[-1], GreenkommonWarning, stacklevel=2)
    else:
        near_roof = [
            k
            for k in venue_idx
            if all(dist[j, k] <= limit + _DISTANCE_SLACK_KM for j in range(n_prod))
        ]
        largest = tuple(tuple(names[k] for k in s) for s in largest_within(dist, limit, near_roof))
        groups = largest_within(dist, limit, venue_idx)
        any_roof = tuple(tuple(names[k] for k in s) for s in groups)
        any_centres = tuple(
            minimax_point([lats[k] for k in s], [lons[k] for k in s]) for s in groups
        )
        roof = _suggest_roof(dist, lats, lons, names, limit, n_prod)

    if not power_ok:
        notes.append(
            f"cumulated peak power {peak_power_kwp / 1000:.3f} MWp is not below the {rule.max_power_mw:g} MW cap: "
            "no subset of venues fixes that"
        )
    if rule.key == "standard" and config.commune_category != "urban" and not distance_ok:
        alt = "rural_derogation" if config.commune_category == "rural" else "peri_urban_derogation"
        alt_rule = _rule(rules, alt, "mainland") if config.territory == "mainland" else None
        if alt_rule is not None and alt_rule.max_distance_km is not None:
            within = max_d <= alt_rule.max_distance_km + _DISTANCE_SLACK_KM
            notes.append(
                f"{config.commune_category} communes may ask the minister for the {alt_rule.label}: "
                f"the farthest pair ({max_d:.2f} km) would {'be within' if within else 'still exceed'} "
                f"its {alt_rule.max_distance_km:g} km"
            )
    epci_note = rules.get("plaine_commune", {}).get("epci_note")
    if rule.key == "public_body_derogation":
        notes.append(
            "public-body derogation assumed: "
            + (
                epci_note
                or "all participants must be public bodies or public-service organisations inside "
                "one EPCI à fiscalité propre"
            )
        )
    elif not distance_ok and epci_note:
        notes.append(
            f"public-body derogation (not assumed, [eligibility] public_body_derogation): {epci_note}"
        )
    if config.commune_category == "urban" and rule.key == "standard":
        notes.append(
            "commune category 'urban' (for Plaine Commune this is the reference's inference, UNCONFIRMED): "
            "the 10/20 km derogations do not apply"
        )
    if rule.confidence != "LAW":
        notes.append(f"rule confidence: {rule.confidence}")
    notes += [f"not checked: {c}" for c in rules.get("meta", {}).get("not_checked", [])]

    return EligibilityReport(
        eligible=bool(distance_ok and power_ok),
        rule=rule,
        producer=names[0],
        producers=tuple(names[:n_prod]),
        venues=tuple(names[n_prod:]),
        distances_km=table,
        farthest_pair=(names[i], names[j]),
        max_distance_km=max_d,
        limit_km=limit,
        excess_km=excess,
        distance_ok=bool(distance_ok),
        peak_power_kwp=float(peak_power_kwp),
        power_cap_mw=rule.max_power_mw,
        power_ok=bool(power_ok),
        largest_subsets=largest,
        any_roof_subsets=any_roof,
        any_roof_centres=any_centres,
        roof=roof,
        notes=tuple(notes),
    )


def _suggest_roof(
    dist: np.ndarray,
    lats: list[float],
    lons: list[float],
    names: list[str],
    limit: float,
    n_prod: int = 1,
) -> RoofSuggestion:
    venue_dist = dist[n_prod:, n_prod:]
    a0, b0 = np.unravel_index(np.argmax(venue_dist), venue_dist.shape)
    a, b = sorted((int(a0) + n_prod, int(b0) + n_prod))
    if len(names) > n_prod + 1 and dist[a, b] > limit + _DISTANCE_SLACK_KM:
        return RoofSuggestion(
            possible=False,
            blocking_pair=(names[a], names[b]),
            blocking_distance_km=float(dist[a, b]),
        )
    lat, lon, radius = minimax_point(lats[n_prod:], lons[n_prod:])
    return RoofSuggestion(
        possible=radius <= limit + _DISTANCE_SLACK_KM,
        latitude_deg=lat,
        longitude_deg=lon,
        radius_km=radius,
        margin_km=limit - radius,
        current_roof_offset_km=geodesic_km(lats[0], lons[0], lat, lon),
    )


def check_operation(scenario: Scenario, operation: OperationConfig) -> EligibilityReport:
    """Check one operation of a portfolio against the ACC étendue rules.

    Its participants are its consumers (member venues' delivery points) and its producers: its
    shared plants and the own roofs of members that give their surplus to it. The cumulated
    peak power is theirs.
    """
    members = [v for v in scenario.venues if v.name in operation.venues]
    plants = [scenario.plant_named(n) for n in operation.plants]
    own = [v.own_plant for v in members if v.own_plant is not None and v.own_surplus == "operation"]
    producers = [(p.name, p.latitude_deg, p.longitude_deg) for p in (*plants, *own)]
    return check_participants(
        [(v.name, v.latitude_deg, v.longitude_deg) for v in members],
        producers,
        sum(p.peak_power_kwp for p in (*plants, *own)),
        operation.eligibility or scenario.eligibility,
    )


def check_eligibility(scenario: Scenario) -> EligibilityReport:
    """Check a scenario's participants against the ACC étendue rules.

    Parameters
    ----------
    scenario : Scenario
        Uses ``venues`` (delivery points), ``plant`` (injection point, peak power) and
        ``eligibility`` (which rule applies).

    Returns
    -------
    EligibilityReport
        See :func:`check_participants`.
    """
    if not scenario.is_single_operation:
        raise ScenarioError(
            f"{scenario.file or scenario.name}: {len(scenario.operations)} operations: check each "
            "with check_operation (or run evaluate: each OperationResult has its eligibility)"
        )
    plant = scenario.plant
    return check_participants(
        [(v.name, v.latitude_deg, v.longitude_deg) for v in scenario.venues],
        (plant.name, plant.latitude_deg, plant.longitude_deg),
        plant.peak_power_kwp,
        scenario.eligibility,
    )


# ------------------------------------------------------------------------------------------------
# Text


def _names(group: Iterable[str]) -> str:
    return ", ".join(group)


def format_eligibility(report: EligibilityReport) -> str:
    """Human-readable eligibility section (plain text, no meter id)."""
    r = report
    rule = r.rule
    lines = [f"Eligibility (ACC étendue): {r.verdict}"]
    lines.append(f"  rule: {rule.label} [{rule.confidence}]")
    lines.append(f"        {rule.source}")
    lines.append(
        f"  roof (injection point): {r.producer}; {len(r.venues)} venues (delivery points)"
        + (f"; other producers: {', '.join(r.producers[1:])}" if len(r.producers) > 1 else "")
    )

    def show(name: str) -> str:
        return "the roof" if name == r.producer else name

    a, b = (show(x) for x in r.farthest_pair)
    if r.limit_km is None:
        lines.append(
            f"  distance: no km criterion; farthest participants {a} ↔ {b}: {r.max_distance_km:.2f} km"
        )
    elif r.distance_ok:
        lines.append(
            f"  distance: OK, farthest participants {a} ↔ {b}: {r.max_distance_km:.2f} km <= {r.limit_km:g} km"
        )
    else:
        lines.append(
            f"  distance: EXCEEDED, farthest participants {a} ↔ {b}: {r.max_distance_km:.2f} km > {r.limit_km:g} km "
            f"(by {r.excess_km:.2f} km)"
        )
    mw = r.peak_power_kwp / 1000.0
    lines.append(
        f"  power: {r.peak_power_kwp:.0f} kWp = {mw:.3f} MWp {'<' if r.power_ok else '>='} {r.power_cap_mw:g} MW cap: "
        f"{'OK' if r.power_ok else 'EXCEEDED'}"
    )
    lines.append("  distance to the roof:")
    width = max(len(v) for v in r.venues)
    for v in r.venues:
        d = float(r.distances_km.loc[r.producer, v])
        flag = (
            ""
            if r.limit_km is None
            else ("  ok" if d <= r.limit_km + _DISTANCE_SLACK_KM else "  too far")
        )
        lines.append(f"    {v:<{width}}  {d:6.2f} km{flag}")
    if not r.distance_ok and r.limit_km is not None:
        n = len(r.venues)
        if r.largest_subsets:
            k = len(r.largest_subsets[0])
            lines.append(f"  largest eligible groups with this roof ({k} of {n} venues):")
            lines += [f"    - {_names(s)}" for s in r.largest_subsets]
        else:
            lines.append(f"  no venue is within {r.limit_km:g} km of this roof")
        roof = r.roof
        if roof is not None and roof.possible:
            lines.append(
                f"  a roof at ({roof.latitude_deg:.5f}, {roof.longitude_deg:.5f}) would be at most "
                f"{roof.radius_km:.2f} km from every venue: any roof within {roof.margin_km:.2f} km of that point "
                f"makes all venues eligible (the current roof is {roof.current_roof_offset_km:.2f} km away from it)"
            )
        elif roof is not None:
            pair = cast(tuple[str, str], roof.blocking_pair)  # always set when not possible
            lines.append(
                f"  no roof location can make all venues eligible: {pair[0]} and "
                f"{pair[1]} are {roof.blocking_distance_km:.2f} km apart (> {r.limit_km:g} km)"
            )
            if r.any_roof_subsets:
                k = len(r.any_roof_subsets[0])
                lines.append(f"  largest groups some roof could serve ({k} of {n} venues):")
                for group, (lat, lon, rad) in zip(
                    r.any_roof_subsets, r.any_roof_centres, strict=True
                ):
                    where = f"roof near ({lat:.5f}, {lon:.5f}), at most {rad:.2f} km from each"
                    lines.append(f"    - {_names(group)}  [{where}]")
    for note in r.notes:
        lines.append(f"  note: {note}")
    return "\n".join(lines)


__all__ = [
    "COMMUNE_CATEGORIES",
    "EligibilityConfig",
    "EligibilityReport",
    "Rule",
    "RoofSuggestion",
    "check_eligibility",
    "check_participants",
    "format_eligibility",
    "geodesic_km",
    "largest_within",
    "load_rules",
    "minimax_point",
    "pairwise_distances_km",
    "select_rule",
]
