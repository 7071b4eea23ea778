"""``greenkommon plan`` on the bundled scenario: corridor linearity, reproduction by ``run``, output.

Independent references: a third evaluation at another internal price (the corridor's affine
NPVs must predict it), ``greenkommon run`` on the written scenario (the plan's figures must be
reproduced to 1e-6 relative), and the eligibility check of each written operation.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from helpers import REPO

from greenkommon import allocation
from greenkommon.cli import main
from greenkommon.plan import plan_scenario, simulate_plan_energy, space_from_scenario
from greenkommon.plan.config import read_plan_config
from greenkommon.plan.core import evaluate_option
from greenkommon.plan.evaluate import evaluate_allocation, sub_scenario
from greenkommon.plan.space import eligible_groupings
from greenkommon.scenario import load_scenario

# a cheaper plant than the bundled ASSUMPTION (1,000 €/kWp) and the 0 €/MWh accise reading, so
# that operations in which everyone wins exist for every venue: these tests check the plan's
# arithmetic, not the bundled figures
ROOFS = """
[prices]
accise_exemption = "applies"

[finance]
capex_eur_per_kwp = 600.0
loan_amount_eur = 144000.0

[[plan.roofs]]
name = "le 6b roof"
latitude_deg = 48.9318
longitude_deg = 2.3476
max_peak_power_kwp = 150.0
owner = "le 6b"

[[plan.roofs]]
name = "Mains d'Œuvres roof"
latitude_deg = 48.9049
longitude_deg = 2.3365
max_peak_power_kwp = 150.0
owner = "Mains d'Œuvres"
"""


@pytest.fixture(scope="module")
def planned(tmp_path_factory, baseline_scenario_path):
    folder = tmp_path_factory.mktemp("plan")
    shutil.copy(baseline_scenario_path, folder / "greenkommon.toml")
    path = folder / "roofs.toml"
    path.write_text('extends = "greenkommon.toml"\n' + ROOFS, encoding="utf-8")
    scenario = load_scenario(path)
    space = space_from_scenario(scenario, read_plan_config(scenario))
    energy = simulate_plan_energy(scenario, space)
    result = plan_scenario(scenario, top=3, energy=energy)
    return folder, path, scenario, space, energy, result


def test_corridor_npvs_are_affine_in_the_internal_price(planned):
    _, _, scenario, space, energy, _ = planned
    g = next(g for g in eligible_groupings(space) if len(g.members) == 2)
    kwp = np.array([80.0])
    fits, key, _, _ = evaluate_option(scenario, space, energy, g, kwp, "default", None)
    q = 0.237  # a third price, outside the two evaluated
    sub = sub_scenario(
        scenario,
        list(g.members),
        80.0,
        space.roofs[g.roofs[0]].latitude_deg,
        space.roofs[g.roofs[0]].longitude_deg,
        internal_price_eur_per_kwh=q,
    )
    production = kwp @ energy.unit_production_kwh_per_kwp[list(g.roofs)]
    cons = energy.consumption_kwh[list(g.members)]
    direct = evaluate_allocation(
        sub, cons, allocation.allocate(production, cons, key), energy.index
    )
    for c in range(len(direct.producer_npv_eur)):
        assert fits["producer_npv"][c](q) == pytest.approx(direct.producer_npv_eur[c], rel=1e-9)
        for i, f in enumerate(fits["venue_npv"][c]):
            assert f(q) == pytest.approx(direct.venue_npv_eur[c, i], rel=1e-9)
    for i, f in enumerate(fits["savings"]):
        assert f(q) == pytest.approx(direct.savings_eur_per_year[i], rel=1e-9, abs=1e-6)


def test_plan_ranks_eligible_configurations_covering_every_venue(planned):
    _, _, scenario, space, _, result = planned
    best = result.best
    assert best is not None and best.operations
    assert [v.name for v in best.venues] == scenario.venue_names
    assert all(v.operation != "out" for v in best.venues)
    # every operation eligible: all its participants pairwise within the limit
    names = space.names
    for op in best.operations:
        parts = list(op.grouping.members) + [len(space.venues) + r for r in op.grouping.roofs]
        sub = space.distances_km[np.ix_(parts, parts)]
        assert sub.max() <= space.limit_km + 1e-6, [names[p] for p in parts]
        # inside its corridor: every member and the producer at NPV >= 0
        q = op.price_eur_per_kwh
        assert op.corridor.low_eur_per_kwh <= q <= op.corridor.high_eur_per_kwh
        assert all(v(q) >= 0 for v in op.venue_npv) and op.producer_npv(q) >= 0
    # ranked by collective NPV, which is the sum over operations
    values = [c.collective_npv_eur for c in result.configurations]
    assert values == sorted(values, reverse=True)
    assert best.collective_npv_eur == pytest.approx(
        sum(op.collective_npv_eur() for op in best.operations), rel=1e-12
    )
    # le 6b and Villa Mais d'Ici cannot share: the reason is named
    assert any({b.a, b.b} == {"le 6b", "Villa Mais d'Ici"} for b in result.blocking)


def test_written_best_is_reproduced_by_run(planned, tmp_path):
    from greenkommon.eligibility import check_eligibility
    from greenkommon.pipeline import run_scenario
    from greenkommon.plan.output import write_best

    folder, path, scenario, _, _, result = planned
    out = folder / "best.toml"
    written = write_best(result, scenario, path, out)
    assert len(written) == len(result.best.operations)
    for op, file in zip(result.best.operations, written, strict=True):
        run = run_scenario(load_scenario(file))
        assert check_eligibility(run.scenario).eligible
        assert list(run.bills.index) == list(op.member_names)
        q = op.price_eur_per_kwh
        savings = run.bills["savings_eur"].to_numpy()
        np.testing.assert_allclose(savings, [f(q) for f in op.venue_savings], rtol=1e-6)
        fin = run.extras["finance"]
        npv = fin.cases[fin.reference_case].collective.table()["npv_eur"]
        np.testing.assert_allclose(
            npv[list(op.member_names)].to_numpy(), [f(q) for f in op.venue_npv], rtol=1e-6
        )
        assert npv["producer"] == pytest.approx(op.producer_npv(q), rel=1e-6, abs=1e-3)
        assert npv["collective"] == pytest.approx(op.collective_npv_eur(), rel=1e-6, abs=1e-3)


def test_plan_command_prints_the_answer_and_json(planned, capsys):
    folder, path, _, _, _, _ = planned
    report = folder / "plan.json"
    assert main(["plan", str(path), "--top", "2", "--json", str(report)]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[2].startswith("answer: Recommended:")
    assert "why not first" in text and "best in:" in text
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["configurations"][0]["rank"] == 1
    op = data["configurations"][0]["operations"][0]
    assert {"low", "high", "suggested"} <= set(op["price_corridor_eur_per_kwh"])
    assert "collective_npv_eur" in data["configurations"][0]


def test_plan_errors_are_one_line(planned, capsys):
    folder, path, _, _, _, _ = planned
    assert main(["plan", str(path), "--top", "0"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("error: --top 0")
    bad = folder / "bad.toml"
    bad.write_text(
        'extends = "greenkommon.toml"\n[[plan.roofs]]\nname = "x"\nlatitude_deg = 48.9\n'
        "longitude_deg = 2.3\n",
        encoding="utf-8",
    )
    assert main(["plan", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "plan.roofs[0].max_peak_power_kwp" in err and "bad.toml" in err


def test_portfolio_plants_and_own_roofs_are_candidates_with_their_own_production():
    """Each candidate roof's profile × its plant's size is what the energy stage simulates."""
    from greenkommon.energy import simulate_energy
    from greenkommon.plan.core import candidate_roofs

    scenario = load_scenario(REPO / "scenarios" / "portfolio.toml")
    roofs, layouts = candidate_roofs(scenario, read_plan_config(scenario))
    names = [r.name for r in roofs]
    assert len(names) == len(set(names))
    for p in scenario.plants:
        assert p.name in names
    owners = {r.owner: r.name for r in roofs if r.owner}
    for v in scenario.venues:
        if v.own_plant is not None:
            assert owners[v.name] == v.own_plant.name
    space = space_from_scenario(scenario, read_plan_config(scenario))
    energy = simulate_plan_energy(scenario, space)
    reference = simulate_energy(scenario)
    compared = 0
    for k, (roof, layout) in enumerate(zip(roofs, layouts, strict=True)):
        produced = energy.unit_production_kwh_per_kwp[k] * layout.peak_power_kwp
        if roof.name in reference.production_kwh.columns:
            expected = reference.production_kwh[roof.name].to_numpy()
        elif roof.owner in reference.own_production_kwh.columns and roof.source.endswith(
            "own roof"
        ):
            expected = reference.own_production_kwh[roof.owner].to_numpy()
        else:
            continue
        np.testing.assert_allclose(produced, expected, rtol=1e-9, atol=1e-9)
        compared += 1
    own = sum(v.own_plant is not None for v in scenario.venues)
    assert compared == len(scenario.plants) + own


def test_every_venue_left_out_has_its_reason(baseline_scenario_path):
    """On the bundled figures, each venue outside the recommended operations is accounted for: a
    grouping holding it was dropped with its price gap, or no grouping holding it is eligible."""
    scenario = load_scenario(baseline_scenario_path)
    result = plan_scenario(scenario, top=1)
    best = result.best
    assert best is not None
    groupings = eligible_groupings(result.space, read_plan_config(scenario).max_roofs_per_operation)
    for v in best.venues:
        if v.operation != "out":
            continue
        dropped = [r for r in result.rejected if v.name in r.member_names]
        eligible = [g for g in groupings if scenario.venue_names.index(v.name) in g.members]
        assert dropped or not eligible, v.name
        for r in dropped:
            assert r.reason.startswith(("no internal price", "no plant size"))


def test_the_packing_milp_route_finds_the_same_best_configuration(planned, monkeypatch):
    from greenkommon.plan import core

    _, _, scenario, _, energy, result = planned
    monkeypatch.setattr(core, "DP_MAX_PARTICIPANTS", 0)
    milp = plan_scenario(scenario, top=3, energy=energy)
    assert len(milp.configurations) == 1
    assert milp.best.collective_npv_eur == pytest.approx(result.best.collective_npv_eur, rel=1e-9)
    assert any("packing MILP" in n for n in milp.notes)


def test_a_grouping_dropped_in_one_accise_reading_is_checked_in_the_other(tmp_path):
    """Where the plan says a dropped grouping works under the other accise reading, a direct
    evaluation under that reading, at its suggested price, leaves every NPV >= 0."""
    from greenkommon.plan.core import _other_accise_case
    from greenkommon.plan.evaluate import accise_alternative

    path = tmp_path / "dear.toml"
    shutil.copy(REPO / "scenarios" / "greenkommon.toml", tmp_path / "greenkommon.toml")
    # the tax administration's reading, and a dearer plant: groupings get dropped
    path.write_text(
        'extends = "greenkommon.toml"\n[prices]\naccise_exemption = "does_not_apply"\n',
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    result = plan_scenario(scenario, top=1)
    name, other = accise_alternative(scenario.prices)
    assert name == "accise exemption applied"
    checked = 0
    for r in result.rejected:
        if r.option is None:
            continue
        op = r.option
        _, again = _other_accise_case(scenario, result.space, result.energy, op, None)
        assert r.other_corridor is not None and again.sentence() == r.other_corridor.sentence()
        if r.other_corridor.empty:
            assert not r.other_case
            continue
        q = r.other_corridor.recommended_eur_per_kwh
        g = op.grouping
        roof = result.space.roofs[g.roofs[0]]
        sub = sub_scenario(
            scenario,
            list(g.members),
            float(sum(op.kwp_by_roof)),
            roof.latitude_deg,
            roof.longitude_deg,
            internal_price_eur_per_kwh=q,
            prices=other,
            layout=result.energy.layouts[g.roofs[0]],
        )
        energy = result.energy
        production = np.array(op.kwp_by_roof) @ energy.unit_production_kwh_per_kwp[list(g.roofs)]
        cons = energy.consumption_kwh[list(g.members)]
        from greenkommon.optimise import key_from_coefficients

        alloc = allocation.allocate(production, cons, key_from_coefficients(op.coefficients))
        direct = evaluate_allocation(sub, cons, alloc, energy.index)
        assert (direct.venue_npv_eur[0] >= 0).all() and direct.producer_npv_eur[0] >= 0
        checked += 1
    assert checked >= 1
