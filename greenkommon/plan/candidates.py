"""The plan's candidates: roofs, the search space and the energy simulated once per plan.

:func:`candidate_roofs` lists every roof a plant could go on (the scenario's plants, the venues'
own roofs, the ``[[plan.roofs]]``) with the layout its production per kWp is simulated with;
:func:`space_from_scenario` turns them and the venues into the :class:`~.space.SearchSpace`
under the scenario's distance and power rule; :func:`simulate_plan_energy` simulates weather,
loads and each roof's production per kWp once, exactly as ``greenkommon run`` would.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..errors import DataError
from .config import PlanConfig, read_plan_config
from .evaluate import Energy
from .space import Roof, SearchSpace, Site, build_space


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
