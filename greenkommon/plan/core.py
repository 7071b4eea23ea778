"""``plan_scenario``: every eligible configuration, sized, keyed, priced, ranked and stress-tested.

Steps (each exact where it says so):

1. **Search space** (:mod:`.space`): the scenario's venues, its plant's roof and the
   ``[[plan.roofs]]``; the eligible groupings are enumerated exactly with distance pruning, and
   the pairs beyond the limit are the reasons every other grouping fails.
2. **Energy once**: weather, production and loads are simulated once; each roof's production per
   kWp scales with the size (same layout and weather as the scenario's plant).
3. **Each grouping**: plant sizes on a grid of each roof's maximum, refined around the best
   (screening value of the default key, vectorised); then each key (default, optimised static,
   optimised dynamic with ``vs_prorata``) is evaluated exactly (allocation, bills, finance) at two
   internal prices, which gives every NPV as an affine function of the price and the corridor in
   closed form (:mod:`.corridor`). The option kept is the feasible one (non-empty corridor) of
   highest collective NPV at the suggested price.
4. **Ranking** (:mod:`.rank`): the K best sets of disjoint feasible operations, exactly.
5. **Cases**: every ranked configuration under the finance escalation cases, at the P90
   production of the finance stage's yield uncertainty (same key, production scaled), and with the accise
   exemption on AUTOCONS kWh applied or not; the configurations that win in each case are named.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import allocation
from ..errors import DataError
from ..optimise import key_from_coefficients
from .config import PlanConfig, read_plan_config
from .corridor import Affine, Corridor, fit_affine, price_corridor
from .evaluate import (
    KEY_LABELS,
    KEYS,
    Energy,
    Evaluation,
    accise_alternative,
    annual_cost_eur_per_kwp,
    best_sizes,
    evaluate_allocation,
    irr_of,
    operation_key,
    sub_scenario,
)
from .rank import Candidate, top_packings
from .space import (
    BlockingPair,
    Grouping,
    Roof,
    SearchSpace,
    Site,
    blocking_pairs,
    build_space,
    eligible_groupings,
)


@dataclass(frozen=True)
class OperationOption:
    """One grouping with its plant sizes, key and price corridor, evaluated exactly.

    Attributes
    ----------
    grouping : Grouping
    name : str
        Label: its roofs, or "<venue> on its own roof".
    roof_names, member_names : tuple of str
    kwp_by_roof : tuple of float
        Plant size on each of its roofs [kWp].
    key : str
        ``'default'``, ``'static'`` or ``'dynamic'``.
    coefficients : numpy.ndarray or None
        Static (S,) or dynamic (S, T) rounded coefficients; ``None`` for the default key.
    corridor : Corridor
    venue_npv : tuple of Affine
        Each member's NPV against the internal price (reference case) [€].
    venue_savings : tuple of Affine
        Each member's year-1 savings against the internal price [€/yr].
    producer_npv : Affine
        [€] (at the target rate when one is set).
    cases : tuple of str
        Finance cases, the reference first, then the accise case when evaluated.
    case_venue_npv : tuple of tuple of Affine
    case_producer_npv : tuple of Affine
    case_collective_npv : tuple of Affine
        Venues and producer together, per case, at the discount rate [€].
    producer_flows : tuple of Affine
        The producer's yearly project cash flows (reference case) against the price [€].
    key_advice : str
        The optimiser's answer for this operation.
    linearity_gap_eur : float
        For ranked options: the largest difference between the affine NPVs and a direct
        evaluation at the suggested price [€] (NaN when not checked).
    """

    grouping: Grouping
    name: str
    roof_names: tuple[str, ...]
    member_names: tuple[str, ...]
    kwp_by_roof: tuple[float, ...]
    key: str
    coefficients: np.ndarray | None
    corridor: Corridor
    venue_npv: tuple[Affine, ...]
    venue_savings: tuple[Affine, ...]
    producer_npv: Affine
    cases: tuple[str, ...]
    case_venue_npv: tuple[tuple[Affine, ...], ...]
    case_producer_npv: tuple[Affine, ...]
    case_collective_npv: tuple[Affine, ...]
    producer_flows: tuple[Affine, ...]
    key_advice: str = ""
    linearity_gap_eur: float = math.nan

    @property
    def price_eur_per_kwh(self) -> float:
        """The suggested internal price [€/kWh] (the corridor's middle; NaN when empty)."""
        return self.corridor.recommended_eur_per_kwh

    def collective_npv_eur(self, q: float | None = None) -> float:
        return self.case_collective_npv_eur(0, q)

    def producer_irr(self, q: float | None = None) -> float:
        q = self.price_eur_per_kwh if q is None else q
        return irr_of(np.array([f(q) for f in self.producer_flows]))

    def case_collective_npv_eur(self, case: int, q: float | None = None) -> float:
        q = self.price_eur_per_kwh if q is None else q
        return float(self.case_collective_npv[case](q))

    def case_everyone_wins(self, case: int, q: float | None = None) -> bool:
        q = self.price_eur_per_kwh if q is None else q
        tol = 1e-6
        return all(v(q) >= -tol for v in self.case_venue_npv[case]) and (
            self.case_producer_npv[case](q) >= -tol
        )


@dataclass(frozen=True)
class VenueOutcome:
    """One venue in a configuration.

    Attributes
    ----------
    name : str
    operation : str
        The operation it joins (``'out'``: none).
    savings_eur_per_year : float
        Year-1 savings at the suggested internal price [€/yr].
    npv_eur : float
        [€] over the plant's life, reference case.
    """

    name: str
    operation: str
    savings_eur_per_year: float
    npv_eur: float


@dataclass(frozen=True)
class Configuration:
    """A ranked configuration.

    Attributes
    ----------
    rank : int
        1 = recommended.
    operations : tuple of OperationOption
    venues : tuple of VenueOutcome
        Every venue of the scenario, in scenario order.
    collective_npv_eur : float
        Venues and producers together, reference case, suggested prices [€].
    cases_won : tuple of str
        Cases in which it is the best ranked configuration where everyone still wins.
    case_collective_npv_eur : tuple of float
        Per case (see :attr:`PlanResult.cases`) [€].
    case_everyone_wins : tuple of bool
        Per case: every member and every producer still at NPV ≥ 0 at the suggested prices.
    why_not_first : str
        For runner-ups: how it falls short of the first.
    """

    rank: int
    operations: tuple[OperationOption, ...]
    venues: tuple[VenueOutcome, ...]
    collective_npv_eur: float
    cases_won: tuple[str, ...]
    case_collective_npv_eur: tuple[float, ...]
    case_everyone_wins: tuple[bool, ...]
    why_not_first: str = ""

    @property
    def label(self) -> str:
        if not self.operations:
            return "no operation"
        return " + ".join(f"{op.name} ({', '.join(op.member_names)})" for op in self.operations)


@dataclass(frozen=True)
class Rejection:
    """A grouping the plan had to drop, and why.

    Attributes
    ----------
    roof_names, member_names : tuple of str
    reason : str
        In the reference case.
    other_case : str
        When the grouping would let everyone win under the other reading of the accise case:
        that case and its price corridor (``''`` otherwise).
    option : OperationOption or None
        The option closest to a corridor (sizes, key) the reason is about.
    other_corridor : Corridor or None
        Its corridor under the other accise reading.
    """

    roof_names: tuple[str, ...]
    member_names: tuple[str, ...]
    reason: str
    other_case: str = ""
    option: OperationOption | None = None
    other_corridor: Corridor | None = None


@dataclass(frozen=True)
class PlanResult:
    """Everything ``greenkommon plan`` found.

    Attributes
    ----------
    scenario_name : str
    space : SearchSpace
    configurations : tuple of Configuration
        Ranked, best first (the best eligible configurations where everyone wins).
    cases : tuple of str
        Names of the cases of :attr:`Configuration.case_collective_npv_eur`.
    blocking : tuple of BlockingPair
        Pairs beyond the distance limit: any grouping holding one is not eligible.
    rejected : tuple of Rejection
        Eligible groupings without a price at which everyone wins.
    n_groupings : int
        Eligible groupings evaluated.
    notes : tuple of str
    elapsed_s : float
    """

    scenario_name: str
    space: SearchSpace
    configurations: tuple[Configuration, ...]
    cases: tuple[str, ...]
    blocking: tuple[BlockingPair, ...]
    rejected: tuple[Rejection, ...]
    n_groupings: int
    notes: tuple[str, ...]
    elapsed_s: float
    energy: Energy | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def best(self) -> Configuration | None:
        return self.configurations[0] if self.configurations else None


# ---------------------------------------------------------------------------------------------
# search space and energy
# ---------------------------------------------------------------------------------------------
def candidate_roofs(scenario: Any, cfg: PlanConfig) -> tuple[list[Roof], list[Any]]:
    """Every candidate roof and the plant layout its production per kWp is simulated with.

    The scenario's shared plants (sizes searched up to the plant described, or ``[plan]
    plant_max_peak_power_kwp`` for a single plant), each venue's own roof (owner = the venue,
    up to its plant), then the ``[[plan.roofs]]`` (the first plant's layout at their location;
    one named like a plant of the scenario is that plant).
    """
    plants = tuple(getattr(scenario, "plants", ()) or (scenario.plant,))
    roofs: list[Roof] = []
    layouts: list[Any] = []
    for p in plants:
        limit = cfg.plant_max_peak_power_kwp if len(plants) == 1 else None
        roofs.append(
            Roof(
                p.name,
                p.latitude_deg,
                p.longitude_deg,
                limit or p.peak_power_kwp,
                getattr(p, "capex_eur_per_kwp", None),
                None,
                "the scenario's plant",
            )
        )
        layouts.append(p)
    for v in scenario.venues:
        own = getattr(v, "own_plant", None)
        if own is not None:
            roofs.append(
                Roof(
                    own.name,
                    own.latitude_deg,
                    own.longitude_deg,
                    own.peak_power_kwp,
                    getattr(own, "capex_eur_per_kwp", None),
                    v.name,
                    f"{v.name}'s own roof",
                )
            )
            layouts.append(own)
    declared = {r.name for r in roofs}
    for r in cfg.roofs:
        if r.name in declared:
            continue  # the scenario describes this roof's plant: its layout and size win
        roofs.append(
            Roof(
                r.name,
                r.latitude_deg,
                r.longitude_deg,
                r.max_peak_power_kwp,
                r.capex_eur_per_kwp,
                r.owner,
                "[[plan.roofs]]",
            )
        )
        layouts.append(
            dataclasses.replace(
                plants[0], name=r.name, latitude_deg=r.latitude_deg, longitude_deg=r.longitude_deg
            )
        )
    return roofs, layouts


def space_from_scenario(scenario: Any, cfg: PlanConfig) -> SearchSpace:
    """The scenario's venues and candidate roofs (:func:`candidate_roofs`), the rule's limits."""
    from ..eligibility import select_rule

    rule = select_rule(scenario.eligibility)
    roofs, _ = candidate_roofs(scenario, cfg)
    venues = [Site(v.name, v.latitude_deg, v.longitude_deg) for v in scenario.venues]
    return build_space(venues, roofs, rule.max_distance_km, 1000.0 * rule.max_power_mw, rule.label)


def simulate_plan_energy(scenario: Any, space: SearchSpace) -> Energy:
    """Weather, loads and each roof's production per kWp, once per plan.

    Each roof's layout (:func:`candidate_roofs`) is simulated at its location with the weather
    read there, exactly as ``greenkommon run`` simulates that plant; a plant of ``x`` kWp
    produces ``x`` times the profile (sections scaled together).
    """
    from .. import production, weather
    from ..energy import simulate_energy

    stage = simulate_energy(scenario)
    index = stage.index
    _, layouts = candidate_roofs(scenario, read_plan_config(scenario))
    if [p.name for p in layouts] != [r.name for r in space.roofs]:
        raise DataError("plan: the search space's roofs are not the scenario's candidate roofs")
    sim = scenario.simulation
    units = []
    for roof, plant in zip(space.roofs, layouts, strict=True):
        if roof.source == "the scenario's plant" and plant.name in stage.production_kwh:
            prod = stage.production_kwh[plant.name]
        elif roof.owner is not None and roof.source.endswith("own roof"):
            prod = stage.own_production_kwh[roof.owner]
        else:
            w, _ = weather.load_weather(
                scenario.weather,
                plant.latitude_deg,
                plant.longitude_deg,
                plant.altitude_m,
                sim.year,
                sim.timezone,
            )
            prod = production.simulate_production(w, plant, index)
        units.append(np.asarray(prod, dtype=float) / plant.peak_power_kwp)
    consumption_kwh = stage.consumption_kwh[list(scenario.venue_names)]
    return Energy(
        index=index,
        consumption_kwh=np.ascontiguousarray(consumption_kwh.to_numpy(dtype=float).T),
        unit_production_kwh_per_kwp=np.array(units),
        layouts=tuple(layouts),
    )


# ---------------------------------------------------------------------------------------------
# one grouping
# ---------------------------------------------------------------------------------------------
def _value_factor(scenario: Any) -> float:
    """Present value of a first-year € of avoided energy, escalated and degraded, per € of annuity.

    Puts the screening's yearly value on the same footing as the annualised plant cost:
    ``Σ_y e^(y−1) (1 − d)^(y−1) (1 + r)^−y / Σ_y (1 + r)^−y`` with the reference escalation ``e``.
    """
    fin = scenario.finance
    g = fin.reference_escalation_per_year
    if g is None:
        g = 0.03 if 0.03 in fin.escalation_rates_per_year else fin.escalation_rates_per_year[0]
    d = scenario.plant.degradation_pct_per_year / 100.0
    r = fin.discount_rate
    years = np.arange(1, fin.lifetime_years + 1)
    disc = (1.0 + r) ** -years
    return float(((1 + g) ** (years - 1) * (1 - d) ** (years - 1) * disc).sum() / disc.sum())


def _sizes(scenario: Any, space: SearchSpace, energy: Energy, g: Grouping) -> np.ndarray:
    from ..optimise import scenario_prices

    members = list(g.members)
    roofs = [space.roofs[r] for r in g.roofs]
    max_kwp = np.array([r.max_peak_power_kwp for r in roofs])
    sub = sub_scenario(scenario, members, float(max_kwp.sum()), layout=energy.layouts[g.roofs[0]])
    cons = energy.consumption_kwh[members]
    priced = scenario_prices(sub, energy.index, cons.shape[1], cons)
    cost = np.array([annual_cost_eur_per_kwp(sub, r.capex_eur_per_kwp) for r in roofs])
    factor = _value_factor(scenario)
    return best_sizes(
        max_kwp,
        energy.unit_production_kwh_per_kwp[list(g.roofs)],
        cons,
        factor * priced.value_eur_per_kwh,
        factor * priced.surplus_eur_per_kwh,
        cost,
        space.power_cap_kwp,
    )


def _affines(e0: Evaluation, e1: Evaluation) -> dict[str, Any]:
    q0, q1 = e0.internal_price_eur_per_kwh, e1.internal_price_eur_per_kwh

    def fit(a: np.ndarray, b: np.ndarray) -> Any:
        if np.ndim(a) == 0:
            return fit_affine(q0, float(a), q1, float(b))
        return tuple(fit(x, y) for x, y in zip(a, b, strict=True))

    return {
        "savings": fit(e0.savings_eur_per_year, e1.savings_eur_per_year),
        "venue_npv": fit(e0.venue_npv_eur, e1.venue_npv_eur),
        "producer_npv": fit(e0.producer_npv_eur, e1.producer_npv_eur),
        "flows": fit(e0.producer_cash_flows_eur[0], e1.producer_cash_flows_eur[0]),
        "collective": fit(e0.collective_npv_eur, e1.collective_npv_eur),
        "cases": e0.cases,
    }


def roof_capex(scenario: Any, roofs: Sequence[Roof], kwp: Any) -> float | None:
    """The CAPEX per kWp of an operation's plants [€/kWp]: the roofs' own costs where given
    (weighted by size), ``None`` to keep the scenario's ``[finance]``."""
    costs = [r.capex_eur_per_kwp for r in roofs]
    if all(c is None for c in costs):
        return None
    base = scenario.finance.capex_eur_per_kwp
    known = [c if c is not None else base for c in costs]
    if any(c is None for c in known):
        return None
    return float(np.dot(known, kwp) / float(np.sum(kwp)))


def _operation_name(space: SearchSpace, g: Grouping) -> str:
    roofs = [space.roofs[r] for r in g.roofs]
    if (
        len(g.members) == 1
        and len(roofs) == 1
        and roofs[0].owner == space.venues[g.members[0]].name
    ):
        return f"own roof of {roofs[0].owner}"
    return " + ".join(r.name for r in roofs)


#: Above this many venues + roofs the packing step is the MILP of :mod:`.milp` (the exact
#: dynamic programme of :mod:`.rank` grows as 2^(venues + roofs)).
DP_MAX_PARTICIPANTS = 22

#: Internal prices of the two evaluations that fix the affine NPVs [€/kWh].
PRICES_EUR_PER_KWH = (0.0, 0.10)


def evaluate_option(
    scenario: Any,
    space: SearchSpace,
    energy: Energy,
    g: Grouping,
    kwp: np.ndarray,
    key: str,
    irr_target: float | None,
    prices: Any = None,
    fixed_key: Any = None,
    production_factor: float = 1.0,
) -> tuple[dict[str, Any], Any, np.ndarray | None, str]:
    """Affine NPVs of one grouping with given sizes and key (two exact evaluations)."""
    members = list(g.members)
    roofs = [space.roofs[r] for r in g.roofs]
    total = float(np.sum(kwp))
    capex = roof_capex(scenario, roofs, kwp)
    lat = float(np.average([r.latitude_deg for r in roofs], weights=np.maximum(kwp, 1e-9)))
    lon = float(np.average([r.longitude_deg for r in roofs], weights=np.maximum(kwp, 1e-9)))
    production = production_factor * (
        np.asarray(kwp, dtype=float) @ energy.unit_production_kwh_per_kwp[list(g.roofs)]
    )
    cons = energy.consumption_kwh[members]
    evaluations = []
    built, coefficients, advice = fixed_key, None, ""
    for q in PRICES_EUR_PER_KWH:
        sub = sub_scenario(
            scenario,
            members,
            total,
            lat,
            lon,
            " + ".join(r.name for r in roofs),
            internal_price_eur_per_kwh=q,
            capex_eur_per_kwp=capex,
            prices=prices,
            layout=energy.layouts[g.roofs[0]],
        )
        if built is None:
            # the key is chosen once, at the scenario's internal price, then kept fixed
            keyed = dataclasses.replace(sub, prices=scenario.prices)
            built, coefficients, advice = operation_key(key, keyed, production, cons, energy.index)
        alloc = allocation.allocate(production, cons, built)
        evaluations.append(evaluate_allocation(sub, cons, alloc, energy.index, irr_target))
    return _affines(*evaluations), built, coefficients, advice


def plan_grouping(
    scenario: Any,
    space: SearchSpace,
    energy: Energy,
    g: Grouping,
    irr_target: float | None,
    keys: Sequence[str] = KEYS,
    year_one_savings: bool = False,
) -> list[OperationOption] | None:
    """Every key of one grouping, sized and priced (see the module notes).

    ``[]`` when no size pays for itself; ``None`` when a roof of a pooled grouping is best left
    empty (the grouping without it is enumerated on its own).
    """
    kwp = _sizes(scenario, space, energy, g)
    if float(np.sum(kwp)) <= 0:
        return []
    if len(kwp) > 1 and (np.asarray(kwp) <= 1e-9).any():
        # a roof left empty: the same operation without it is a grouping of its own
        return None
    names = tuple(space.venues[i].name for i in g.members)
    out = []
    if len(g.members) == 1:
        # one member: every key gives it min(P, C); the default key is the answer
        keys = [k for k in keys if k == "default"] or list(keys[:1])
    for key in keys:
        fits, _, coefficients, advice = evaluate_option(
            scenario, space, energy, g, kwp, key, irr_target
        )
        bounds = list(fits["venue_npv"][0])
        labels = list(names)
        if year_one_savings:
            bounds += list(fits["savings"])
            labels += [f"{n} (year 1)" for n in names]
        corridor = price_corridor(bounds, fits["producer_npv"][0], labels)
        n_cases = len(fits["producer_npv"])
        out.append(
            OperationOption(
                grouping=g,
                name=_operation_name(space, g),
                roof_names=tuple(space.roofs[r].name for r in g.roofs),
                member_names=names,
                kwp_by_roof=tuple(float(x) for x in kwp),
                key=key,
                coefficients=coefficients,
                corridor=corridor,
                venue_npv=fits["venue_npv"][0],
                venue_savings=fits["savings"],
                producer_npv=fits["producer_npv"][0],
                cases=tuple(fits["cases"]),
                case_venue_npv=tuple(fits["venue_npv"][c] for c in range(n_cases)),
                case_producer_npv=tuple(fits["producer_npv"][c] for c in range(n_cases)),
                case_collective_npv=tuple(fits["collective"][c] for c in range(n_cases)),
                producer_flows=fits["flows"],
                key_advice=advice,
            )
        )
    return out


def _best_option(options: Sequence[OperationOption]) -> OperationOption | None:
    feasible = [o for o in options if not o.corridor.empty]
    if not feasible:
        return None
    return max(feasible, key=lambda o: o.collective_npv_eur())


# ---------------------------------------------------------------------------------------------
# the plan
# ---------------------------------------------------------------------------------------------
def _with_cases(
    scenario: Any,
    space: SearchSpace,
    energy: Energy,
    op: OperationOption,
    case_names: tuple[str, ...],
    irr_target: float | None,
) -> OperationOption:
    """The option with the accise case appended (its key kept, re-evaluated exactly)."""
    _, other = accise_alternative(scenario.prices)
    key = key_from_coefficients(op.coefficients)
    fits, _, _, _ = evaluate_option(
        scenario,
        space,
        energy,
        op.grouping,
        np.array(op.kwp_by_roof),
        op.key,
        irr_target,
        prices=other,
        fixed_key=key,
    )
    p90 = p90_production(scenario)
    weak, _, _, _ = evaluate_option(
        scenario,
        space,
        energy,
        op.grouping,
        np.array(op.kwp_by_roof),
        op.key,
        irr_target,
        fixed_key=key,
        production_factor=p90.factor,
    )
    gap = _linearity_gap(scenario, space, energy, op, key, irr_target)
    return dataclasses.replace(
        op,
        linearity_gap_eur=gap,
        cases=case_names,
        case_venue_npv=op.case_venue_npv + (fits["venue_npv"][0], weak["venue_npv"][0]),
        case_producer_npv=op.case_producer_npv + (fits["producer_npv"][0], weak["producer_npv"][0]),
        case_collective_npv=op.case_collective_npv + (fits["collective"][0], weak["collective"][0]),
    )


def p90_production(scenario: Any) -> Any:
    """The finance stage's P90/P50 yield factor (``[finance] p90_basis``; data file figures)."""
    from ..economics.finance import p90_factor

    return p90_factor(scenario.finance.p90_basis)


def _other_accise_case(
    scenario: Any,
    space: SearchSpace,
    energy: Energy,
    op: OperationOption,
    irr_target: float | None,
) -> tuple[str, Corridor]:
    """The other accise reading's name and the option's corridor under it."""
    name, other = accise_alternative(scenario.prices)
    fits, _, _, _ = evaluate_option(
        scenario,
        space,
        energy,
        op.grouping,
        np.array(op.kwp_by_roof),
        op.key,
        irr_target,
        prices=other,
        fixed_key=key_from_coefficients(op.coefficients),
    )
    return name, price_corridor(fits["venue_npv"][0], fits["producer_npv"][0], op.member_names)


def _linearity_gap(
    scenario: Any,
    space: SearchSpace,
    energy: Energy,
    op: OperationOption,
    key: Any,
    irr_target: float | None,
) -> float:
    """Largest difference between the affine NPVs and a direct evaluation at the suggested price.

    The corridor assumes NPVs affine in the internal price; a stake remunerated by dividends
    (a share of positive equity flows) breaks that. A third, direct evaluation measures it [€].
    """
    q = op.price_eur_per_kwh
    if not math.isfinite(q):
        return math.nan
    g = op.grouping
    roofs = [space.roofs[r] for r in g.roofs]
    kwp = np.array(op.kwp_by_roof)
    sub = sub_scenario(
        scenario,
        list(g.members),
        float(kwp.sum()),
        float(np.average([r.latitude_deg for r in roofs], weights=np.maximum(kwp, 1e-9))),
        float(np.average([r.longitude_deg for r in roofs], weights=np.maximum(kwp, 1e-9))),
        " + ".join(r.name for r in roofs),
        internal_price_eur_per_kwh=q,
        capex_eur_per_kwp=roof_capex(scenario, roofs, kwp),
        layout=energy.layouts[g.roofs[0]],
    )
    production = kwp @ energy.unit_production_kwh_per_kwp[list(g.roofs)]
    cons = energy.consumption_kwh[list(g.members)]
    direct = evaluate_allocation(
        sub, cons, allocation.allocate(production, cons, key), energy.index, irr_target
    )
    gaps = [abs(f(q) - d) for f, d in zip(op.venue_npv, direct.venue_npv_eur[0], strict=True)]
    gaps.append(abs(op.producer_npv(q) - direct.producer_npv_eur[0]))
    gaps.append(abs(op.collective_npv_eur(q) - direct.collective_npv_eur[0]))
    return float(max(gaps))


def plan_scenario(
    scenario: Any,
    *,
    top: int = 5,
    config: PlanConfig | None = None,
    energy: Energy | None = None,
    keys: Sequence[str] = KEYS,
) -> PlanResult:
    """Find, size, key, price and rank every eligible configuration of a scenario.

    Parameters
    ----------
    scenario : Scenario
    top : int
        How many configurations to rank.
    config : PlanConfig, optional
        Default: the scenario's ``[plan]`` table.
    energy : Energy, optional
        Reuse a simulation (same scenario).
    keys : sequence of str
        Keys to try per operation (default: all of :data:`KEYS`).

    Returns
    -------
    PlanResult
    """
    t0 = time.perf_counter()
    cfg = config or read_plan_config(scenario)
    space = space_from_scenario(scenario, cfg)
    energy = energy or simulate_plan_energy(scenario, space)
    groupings = eligible_groupings(space, cfg.max_roofs_per_operation)
    notes = [
        "each [[plan.roofs]] roof uses the first plant's layout (sections, losses) at its own "
        "location (ASSUMPTION); an operation pooling several roofs is priced with its first "
        "roof's tariff band and location",
        "plant sizes: grid of each roof's maximum refined around the best first-year collective "
        "value of the default key (escalated and annualised); figures are exact for the sizes chosen",
    ]
    venue_names = set(scenario.venue_names)
    for roof in space.roofs:
        if roof.owner is not None and roof.owner not in venue_names:
            notes.append(
                f"roof {roof.name!r}: owner {roof.owner!r} is not a venue of the scenario "
                "(treated as a third party's roof)"
            )
    if scenario.plant.host_load_kw or scenario.plant.host_load_file:
        notes.append(
            "the host building's load behind the plant's meter is not modelled by the plan"
        )
    rejected: list[Rejection] = []
    best_by_grouping: list[OperationOption] = []
    for g in groupings:
        options = plan_grouping(
            scenario, space, energy, g, cfg.irr_target, keys, cfg.year_one_savings
        )
        roofs = tuple(space.roofs[r].name for r in g.roofs)
        members = tuple(space.venues[i].name for i in g.members)
        if options is None:
            continue
        if not options:
            rejected.append(
                Rejection(roofs, members, "no plant size pays for itself (value below cost)")
            )
            continue
        best = _best_option(options)
        if best is None:
            closest = min(options, key=lambda o: o.corridor.gap_eur_per_kwh)
            name, other = _other_accise_case(scenario, space, energy, closest, cfg.irr_target)
            rejected.append(
                Rejection(
                    roofs,
                    members,
                    closest.corridor.sentence(),
                    "" if other.empty else f"{name}: {other.sentence()}",
                    closest,
                    other,
                )
            )
            continue
        best_by_grouping.append(best)
    candidates = [
        Candidate(o.grouping.members, o.grouping.roofs, o.collective_npv_eur())
        for o in best_by_grouping
    ]
    if len(space.venues) + len(space.roofs) > DP_MAX_PARTICIPANTS:
        from .milp import best_packing_milp

        packings = [best_packing_milp(len(space.venues), len(space.roofs), candidates)]
        notes.append(
            f"{len(space.venues)} venues and {len(space.roofs)} roofs: the best configuration "
            "comes from the packing MILP (HiGHS), without runner-ups"
        )
    else:
        packings = top_packings(len(space.venues), candidates, top)
    accise_case, _ = accise_alternative(scenario.prices)
    p90 = p90_production(scenario)
    case_names: tuple[str, ...] = ()
    if best_by_grouping:
        case_names = tuple(best_by_grouping[0].cases) + (
            accise_case,
            f"{p90.name} production (×{p90.factor:.3f})",
        )
    used = sorted({j for p in packings for j in p.candidates})
    cased = {
        j: _with_cases(scenario, space, energy, best_by_grouping[j], case_names, cfg.irr_target)
        for j in used
    }
    configs = _configurations(scenario, packings, cased, case_names)
    gaps = [o.linearity_gap_eur for o in cased.values() if math.isfinite(o.linearity_gap_eur)]
    if gaps:
        worst = max(gaps)
        notes.append(
            f"price corridors checked by a direct evaluation at each suggested price: the affine "
            f"NPVs are off by at most {worst:,.2f} €"
            + (
                " (not affine: a dividend remuneration of the stakes? the corridor is approximate)"
                if worst > 1.0
                else ""
            )
        )
    return PlanResult(
        scenario_name=scenario.name,
        space=space,
        configurations=tuple(configs),
        cases=case_names,
        blocking=tuple(blocking_pairs(space)),
        rejected=tuple(rejected),
        n_groupings=len(groupings),
        notes=tuple(notes),
        elapsed_s=time.perf_counter() - t0,
        energy=energy,
    )


def _configurations(
    scenario: Any,
    packings: Sequence[Any],
    cased: dict[int, OperationOption],
    case_names: tuple[str, ...],
) -> list[Configuration]:
    n_cases = len(case_names)
    rows = []
    for p in packings:
        ops = tuple(cased[j] for j in p.candidates)
        case_values = tuple(
            float(sum(op.case_collective_npv_eur(c) for op in ops)) for c in range(n_cases)
        )
        wins = tuple(all(op.case_everyone_wins(c) for op in ops) for c in range(n_cases))
        rows.append((p, ops, case_values, wins))
    won: list[list[str]] = [[] for _ in rows]
    for c, name in enumerate(case_names):
        ok = [i for i, r in enumerate(rows) if r[3][c]]
        if ok:
            top_value = max(rows[i][2][c] for i in ok)
            for i in ok:
                if rows[i][2][c] >= top_value - 1e-6 * max(1.0, abs(top_value)):
                    won[i].append(name)
    out = []
    first_value = rows[0][0].value_eur if rows else 0.0
    for rank, (p, ops, case_values, wins) in enumerate(rows, start=1):
        venues = []
        for i, v in enumerate(scenario.venues):
            op = next((o for o in ops if i in o.grouping.members), None)
            if op is None:
                venues.append(VenueOutcome(v.name, "out", 0.0, 0.0))
                continue
            k = op.grouping.members.index(i)
            q = op.price_eur_per_kwh
            venues.append(VenueOutcome(v.name, op.name, op.venue_savings[k](q), op.venue_npv[k](q)))
        why = ""
        if rank > 1:
            why = f"{first_value - p.value_eur:,.0f} € less collective NPV than rank 1"
            out_names = [vo.name for vo in venues if vo.operation == "out"]
            if out_names:
                why += f"; leaves out {', '.join(out_names)}"
        out.append(
            Configuration(
                rank=rank,
                operations=ops,
                venues=tuple(venues),
                collective_npv_eur=float(p.value_eur),
                cases_won=tuple(won[rank - 1]),
                case_collective_npv_eur=case_values,
                case_everyone_wins=wins,
                why_not_first=why,
            )
        )
    return out


def recommended_price_note(op: OperationOption) -> str:
    """One line on an operation's price for the output."""
    if math.isnan(op.price_eur_per_kwh):
        return op.corridor.sentence()
    return op.corridor.sentence()


__all__ = [
    "KEY_LABELS",
    "Configuration",
    "OperationOption",
    "PlanResult",
    "Rejection",
    "VenueOutcome",
    "plan_scenario",
    "space_from_scenario",
]
