"""The eligibility check of an operation: distance and power criteria, eligible groups, roof.

:func:`check_participants` applies the selected rule to bare coordinates (venues' delivery points,
producers' injection points, cumulated peak power) and returns an :class:`EligibilityReport`:
the verdict, the farthest pair, the largest groups of venues eligible with the roof or with some
roof, and where a roof would make every venue eligible (:class:`RoofSuggestion`).
:func:`check_operation` and :func:`check_eligibility` feed it from a scenario.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from ..config.eligibility import EligibilityConfig
from ..errors import DataError, GreenkommonWarning, ScenarioError
from .distance import (
    _DISTANCE_SLACK_KM,
    geodesic_km,
    largest_within,
    minimax_point,
    pairwise_distances_km,
)
from .rules import Rule, _rule, load_rules, select_rule

if TYPE_CHECKING:  # pragma: no cover
    from ..config.scenario import OperationConfig, Scenario


#: Above this many venues the subset search is skipped (maximal cliques can be exponential).
MAX_VENUES_FOR_SUBSETS = 60


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
