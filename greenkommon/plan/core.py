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

This module holds steps 4 and 5 and :func:`plan_scenario`, which runs them all; step 2 is in
:mod:`.candidates`, step 3 in :mod:`.pricing`, the results' dataclasses in :mod:`.result`. Every
name is re-exported here (``greenkommon.plan.core.evaluate_option`` still works).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import allocation
from ..optimise import key_from_coefficients
from .candidates import candidate_roofs, simulate_plan_energy, space_from_scenario
from .config import PlanConfig, read_plan_config
from .corridor import Corridor, price_corridor
from .evaluate import (
    KEY_LABELS,
    KEYS,
    Energy,
    accise_alternative,
    evaluate_allocation,
    sub_scenario,
)
from .pricing import PRICES_EUR_PER_KWH, _best_option, evaluate_option, plan_grouping, roof_capex
from .rank import Candidate, top_packings
from .result import Configuration, OperationOption, PlanResult, Rejection, VenueOutcome
from .space import SearchSpace, blocking_pairs, eligible_groupings

#: Above this many venues + roofs the packing step is the MILP of :mod:`.milp` (the exact
#: dynamic programme of :mod:`.rank` grows as 2^(venues + roofs)).
DP_MAX_PARTICIPANTS = 22


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
    key = key_from_coefficients(op.coefficients)
    _, fits = _under_other_accise(scenario, space, energy, op, irr_target)
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
    name, fits = _under_other_accise(scenario, space, energy, op, irr_target)
    return name, price_corridor(fits["venue_npv"][0], fits["producer_npv"][0], op.member_names)


def _under_other_accise(
    scenario: Any,
    space: SearchSpace,
    energy: Energy,
    op: OperationOption,
    irr_target: float | None,
) -> tuple[str, dict[str, Any]]:
    """The other accise reading's name and the option re-evaluated under it (its key kept)."""
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
    return name, fits


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
    "DP_MAX_PARTICIPANTS",
    "KEY_LABELS",
    "PRICES_EUR_PER_KWH",
    "Configuration",
    "OperationOption",
    "PlanResult",
    "Rejection",
    "VenueOutcome",
    "candidate_roofs",
    "evaluate_option",
    "p90_production",
    "plan_grouping",
    "plan_scenario",
    "recommended_price_note",
    "roof_capex",
    "simulate_plan_energy",
    "space_from_scenario",
]
