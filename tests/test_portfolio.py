"""Portfolios of operations: reading, validation, conservation, adding up, the Python API.

The bundled ``scenarios/portfolio.toml`` holds two operations (one with a venue's own-roof
surplus as a second producer) and a venue on its own roof only. Energy is conserved per interval
in each operation and per venue, and every per-operation and per-venue figure adds up to the
collective's totals; hypothesis varies the loads and own roofs around the bundled energy.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import greenkommon as gk
from greenkommon.errors import ScenarioError
from greenkommon.results import EnergyResult, PortfolioResult

ROOT = Path(__file__).resolve().parents[1]
PORTFOLIO = ROOT / "scenarios" / "portfolio.toml"
BASELINE = ROOT / "scenarios" / "greenkommon.toml"


@pytest.fixture(scope="module")
def scenario():
    return gk.read_scenario(PORTFOLIO)


@pytest.fixture(scope="module")
def energy(scenario) -> EnergyResult:
    return gk.simulate_energy(scenario)


@pytest.fixture(scope="module")
def result(scenario, energy) -> PortfolioResult:
    return gk.evaluate(scenario, energy)


# -- the bundled portfolio ------------------------------------------------------------------


def test_every_operation_eligible_and_all_venues_present(result):
    assert [op.name for op in result.operations] == ["Millénaire", "Quai de Seine"]
    assert all(op.eligibility.eligible for op in result.operations)
    assert result.collective.all_eligible and result.collective.n_eligible_operations == 2
    names = {v.name for v in result.venues}
    assert names == {"Les Poussières", "Villa Mais d'Ici", "le 6b", "Mains d'Œuvres"}
    assert result.venue("Mains d'Œuvres").operation is None
    assert result.venue("Mains d'Œuvres").own_self_consumed_kwh > 0
    # the Villa's own surplus is a second producer of its operation, checked for distance too
    mill = result.operation("Millénaire")
    assert "Villa Mais d'Ici roof" in mill.eligibility.producers
    assert result.venue("Villa Mais d'Ici").own_surplus_to_operation_kwh > 0


def test_bundled_single_operation_stays_not_eligible():
    res = gk.run_scenario(gk.read_scenario(BASELINE))
    assert len(res.operations) == 1 and not res.operations[0].eligibility.eligible
    assert not res.collective.all_eligible
    # a portfolio of one answers the former single-operation attributes
    assert res.bills is res.operations[0].bills
    venue = res.venue("le 6b")
    assert venue.savings_eur == pytest.approx(float(res.bills.loc["le 6b", "savings_eur"]))


def _check_conservation(result: PortfolioResult) -> None:
    energy = result.energy
    for op in result.operations:
        alloc = op.allocated_kwh.to_numpy()
        np.testing.assert_allclose(
            op.production_kwh.to_numpy(), alloc.sum(axis=1) + op.surplus_kwh.to_numpy(), atol=1e-9
        )
        np.testing.assert_allclose(
            op.consumption_kwh.to_numpy(), alloc + op.grid_import_kwh.to_numpy(), atol=1e-9
        )
        assert (alloc >= -1e-12).all() and (alloc <= op.consumption_kwh.to_numpy() + 1e-9).all()
        shared = energy.production_kwh[list(op.plant_names)].to_numpy().sum(axis=1)
        given_kwh = sum(
            v.own_surplus_to_operation_kwh for v in result.venues if v.operation == op.name
        )
        assert op.production_kwh.sum() == pytest.approx(shared.sum() + given_kwh, rel=1e-12)
    for v in result.venues:
        assert v.consumption_kwh == pytest.approx(
            v.own_self_consumed_kwh + v.allocated_kwh + v.grid_import_kwh, rel=1e-12, abs=1e-9
        )
        assert v.metered_consumption_kwh == pytest.approx(
            v.allocated_kwh + v.grid_import_kwh, rel=1e-12, abs=1e-9
        )
        assert v.own_production_kwh == pytest.approx(
            v.own_self_consumed_kwh + v.own_surplus_kwh, rel=1e-12, abs=1e-9
        )
        assert v.savings_eur == pytest.approx(
            v.bill_without_eur - v.bill_with_eur + v.own_surplus_revenue_eur, abs=1e-9
        )


def _check_adding_up(result: PortfolioResult) -> None:
    c = result.collective
    ops = [op.totals() for op in result.operations]
    venues = result.venues
    approx = lambda x: pytest.approx(x, rel=1e-12, abs=1e-9)  # noqa: E731
    assert c.allocated_kwh == approx(sum(t.allocated_kwh for t in ops))
    assert c.allocated_kwh == approx(sum(v.allocated_kwh for v in venues))
    assert c.surplus_kwh == approx(sum(t.surplus_kwh for t in ops))
    assert c.shared_production_kwh == approx(sum(t.production_kwh for t in ops))
    assert c.consumption_kwh == approx(float(result.energy.consumption_kwh.to_numpy().sum()))
    assert c.consumption_kwh == approx(
        c.own_self_consumed_kwh + c.allocated_kwh + c.grid_import_kwh
    )
    assert c.own_production_kwh == approx(float(result.energy.own_production_kwh.to_numpy().sum()))
    assert c.savings_eur == approx(sum(v.savings_eur for v in venues))
    assert c.bill_without_eur - c.bill_with_eur + c.own_surplus_revenue_eur == approx(c.savings_eur)
    # members' bills in an operation are the operation's bills
    for op in result.operations:
        for name in op.venue_names:
            assert result.venue(name).bill_with_eur == approx(
                float(op.bills.loc[name, "bill_with_eur"])
            )
    frame = result.venues_frame()
    assert frame["savings_eur"].sum() == approx(c.savings_eur)
    assert result.operations_frame()["allocated_kwh"].sum() == approx(c.allocated_kwh)


def test_conservation_and_adding_up(result):
    _check_conservation(result)
    _check_adding_up(result)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    load_scale=st.lists(st.floats(0.05, 5.0), min_size=4, max_size=4),
    own_scale=st.floats(0.0, 8.0),
    surplus_to_operation=st.booleans(),
)
def test_conservation_and_adding_up_hold_for_any_loads(
    scenario, energy, load_scale, own_scale, surplus_to_operation
):
    venues = tuple(
        dataclasses.replace(v, own_surplus="operation" if surplus_to_operation else "sell")
        if v.own_plant is not None and scenario.operation_of(v.name) is not None
        else v
        for v in scenario.venues
    )
    sc = dataclasses.replace(scenario, venues=venues)
    varied = dataclasses.replace(
        energy,
        consumption_kwh=energy.consumption_kwh * np.asarray(load_scale),
        own_production_kwh=energy.own_production_kwh * own_scale,
    )
    res = gk.evaluate(sc, varied, project_finance=False)
    _check_conservation(res)
    _check_adding_up(res)


def test_own_roof_consumed_first(result, energy):
    """Enedis measures the venue after its own production: C_metered = C − min(C, own)."""
    name = "Mains d'Œuvres"
    gross = energy.consumption_kwh[name]
    own = energy.own_production_kwh[name]
    expected = (gross - np.minimum(gross, own)).sum()
    assert result.venue(name).metered_consumption_kwh == pytest.approx(expected, rel=1e-12)
    # no operation: everything metered is bought, and the saving is the own roof's
    v = result.venue(name)
    assert v.allocated_kwh == 0 and v.grid_import_kwh == pytest.approx(expected, rel=1e-12)
    assert v.bill_with_eur < v.bill_without_eur


def test_operation_internal_price_and_finance_per_operation(result):
    quai = result.operation("Quai de Seine")
    assert quai.scenario.prices.internal_price_eur_per_kwh == 0.095
    assert quai.scenario.finance.loan_amount_eur == 99000.0
    assert quai.scenario.finance.capex_eur_per_kwp == 1100.0  # the plant's CAPEX override
    assert set(quai.scenario.finance.equity_eur) == {"le 6b"}
    assert quai.finance is not None
    mill = result.operation("Millénaire")
    assert mill.scenario.prices.internal_price_eur_per_kwh == 0.10
    assert set(mill.scenario.finance.equity_eur) == {"Les Poussières", "Villa Mais d'Ici"}


def test_resize_plants_scales_production_without_pvlib(scenario, energy):
    name = scenario.plants[1].name
    sc2, en2 = gk.resize_plants(scenario, energy, {name: 300.0})
    assert sc2.plant_named(name).peak_power_kwp == pytest.approx(300.0)
    factor = 300.0 / scenario.plant_named(name).peak_power_kwp
    np.testing.assert_allclose(
        en2.production_kwh[name].to_numpy(), energy.production_kwh[name].to_numpy() * factor
    )
    # the linear scaling is what pvlib gives for the resized layout
    from greenkommon import production

    direct = production.simulate_production(energy.weather, sc2.plant_named(name), energy.index)
    weather_there = gk.simulate_energy(sc2).production_kwh[name]
    np.testing.assert_allclose(en2.production_kwh[name], weather_there, rtol=1e-9)
    assert direct.sum() > 0
    res = gk.evaluate(sc2, en2, project_finance=False)
    assert res.operation("Quai de Seine").totals().peak_power_kwp == pytest.approx(300.0)


# -- validation: one line naming file, field and value --------------------------------------


def _write(tmp_path, text: str) -> Path:
    (tmp_path / BASELINE.name).write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "p.toml"
    path.write_text(PORTFOLIO.read_text(encoding="utf-8") + text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "extra, field, value",
    [
        (
            '\n[[operations]]\nname = "Twice"\nplants = ["Quai de Seine warehouse roof - ASSUMPTION"]\n'
            'venues = ["le 6b"]\n',
            "operations[2].venues",
            "'le 6b'",
        ),
        (
            '\n[[operations]]\nname = "Ghost"\nplants = ["Quai de Seine warehouse roof - ASSUMPTION"]\n'
            'venues = ["Nobody"]\n',
            "operations[2].venues",
            "'Nobody'",
        ),
        (
            '\n[[operations]]\nname = "No roof"\nplants = ["Nowhere"]\nvenues = ["Mains d\'Œuvres"]\n',
            "operations[2].plants",
            "'Nowhere'",
        ),
        ('\n[optimise.bounds]\n"Nobody" = [0.0, 0.5]\n', "optimise.bounds.Nobody", "[0.0, 0.5]"),
        (
            "\n[plant]\nlatitude_deg = 48.9\nlongitude_deg = 2.3\n",
            "plant",
            "{table}",
        ),
    ],
)
def test_bad_portfolio_is_one_line(tmp_path, extra, field, value):
    path = _write(tmp_path, extra)
    with pytest.raises(ScenarioError) as err:
        gk.read_scenario(path)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"{path}: {field} = {value}: expected"), msg


def test_unknown_equity_venue_is_an_error(tmp_path):
    text = BASELINE.read_text(encoding="utf-8").replace(
        '"Mains d\'Œuvres" = 30000.0', '"Mains d\'Œuvres" = 30000.0\n"Nobody" = 1.0'
    )
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        ScenarioError, match=r"finance\.equity_eur\.Nobody = 1\.0: expected a venue"
    ):
        gk.read_scenario(path)


def test_portfolio_cli_run_and_check(tmp_path):
    env = {"PYTHONPATH": str(ROOT)}
    import os

    env = {**os.environ, **env}
    check = subprocess.run(
        [sys.executable, "-m", "greenkommon", "check", str(PORTFOLIO)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert check.returncode == 0, check.stderr
    assert "Millénaire" in check.stdout and "Quai de Seine" in check.stdout
    assert check.stdout.count("ELIGIBLE") >= 2 and "NOT ELIGIBLE" not in check.stdout


# -- the Python API -------------------------------------------------------------------------


def test_import_is_light_and_api_is_exported():
    code = (
        "import sys, greenkommon as gk; "
        "heavy = [m for m in ('pandas', 'pvlib', 'pyomo', 'numba') if m in sys.modules]; "
        "assert not heavy, heavy; "
        "assert callable(gk.read_scenario) and callable(gk.evaluate) and callable(gk.simulate_energy)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_frames_have_units_in_column_names(result):
    venues = result.venues_frame()
    units = ("_kwh", "_eur", "_pct", "_kwp", "_km", "_per_kwh")
    assert all(c == "operation" or c.endswith(units) for c in venues.columns), list(venues.columns)
    ops = result.operations_frame()
    assert {"eligible", "allocated_kwh", "savings_eur"} <= set(ops.columns)
    ts = result.operation("Millénaire").timeseries_frame()
    assert isinstance(ts, pd.DataFrame) and all(c.endswith("_kwh") for c in ts.columns)


def test_compare_reads_a_portfolio(result):
    from greenkommon.compare import scenario_kpis

    kpis = scenario_kpis(result)
    c = result.collective
    assert kpis["collective"]["savings_eur"] == pytest.approx(c.savings_eur)
    assert kpis["collective"]["eligible_operations_pct"] == 100.0
    produced = c.shared_production_kwh + c.own_production_kwh
    assert kpis["collective"]["production_kwh"] == pytest.approx(produced)
    npv = sum(
        float(op.finance.cases[kpis["case"]].metrics.loc["producer (project)", "npv_eur"])
        for op in result.operations
    )
    assert kpis["collective"]["producer_npv_eur"] == pytest.approx(npv)
    assert set(kpis["venues"]) == {v.name for v in result.venues}


def test_finance_command_prints_every_operation_or_the_one_asked(tmp_path, result, capsys):
    from greenkommon.cli import main

    out_csv = tmp_path / "flows.csv"
    assert main(["finance", str(PORTFOLIO), "--csv", str(out_csv)]) == 0
    text = capsys.readouterr().out
    assert text.index("== operation 'Millénaire' ==") < text.index(
        "== operation 'Quai de Seine' =="
    )
    assert text.count("producer (equity)") >= 2
    flows = pd.read_csv(out_csv)
    assert set(flows["operation"]) == {"Millénaire", "Quai de Seine"}
    # the printed figures are the evaluation's (the producer paid on its own plant's AUTOPROD)
    metrics = pd.read_csv(tmp_path / "flows_metrics.csv")
    op = result.operation("Millénaire").finance
    row = metrics[
        (metrics["operation"] == "Millénaire")
        & (metrics["case"] == op.reference_case)
        & (metrics["stakeholder"] == "producer (project)")
    ]
    expected = float(op.cases[op.reference_case].metrics.loc["producer (project)", "npv_eur"])
    assert float(row["npv_eur"].iloc[0]) == pytest.approx(expected, rel=1e-9)

    assert main(["finance", str(PORTFOLIO), "--operation", "Quai de Seine"]) == 0
    text = capsys.readouterr().out
    assert "== operation 'Quai de Seine' ==" in text and "Millénaire" not in text
    assert main(["finance", str(PORTFOLIO), "--operation", "Nope"]) == 2
    err = capsys.readouterr().err
    assert "'Nope'" in err and "Traceback" not in err


def test_resolution_runs_per_operation(scenario):
    from greenkommon.cli.resolution import step_comparison

    out = step_comparison(scenario)
    assert [name for name, *_ in out] == ["Millénaire", "Quai de Seine"]
    for _name, rows, venues, n_steps in out:
        assert n_steps == 35040 and rows and len(venues) >= 1


def test_single_plant_adapter_refuses_a_portfolio(scenario):
    """The former tuple interface holds one plant and gross loads: no silent wrong answer."""
    from greenkommon.pipeline import simulate_energy

    with pytest.raises(ScenarioError, match="not handled by this command yet"):
        simulate_energy(scenario)


def test_portfolio_format_of_one_operation_equals_the_single_operation_file(tmp_path):
    """[[plants]] + [[operations]] holding the baseline's plant, venues and key give the
    baseline's figures (the two formats describe the same operation)."""
    import tomllib

    raw = tomllib.loads(BASELINE.read_text(encoding="utf-8"))
    plant = raw["plant"]
    names = [v["name"] for v in raw["venues"]]
    text = BASELINE.read_text(encoding="utf-8")
    text = text.replace("[plant]", "[[plants]]").replace(
        "[[plant.sections]]", "[[plants.sections]]"
    )
    text = text.replace("[key]\n", "[[operations]]\n", 1)
    header = (
        f'[[operations]]\nname = "all"\nplants = {json.dumps([plant["name"]], ensure_ascii=False)}\n'
        f"venues = {json.dumps(names, ensure_ascii=False)}\n[operations.key]\n"
    )
    text = text.replace("[[operations]]\n", header, 1)
    path = tmp_path / "one.toml"
    path.write_text(text, encoding="utf-8")
    portfolio = gk.run_scenario(gk.read_scenario(path))
    single = gk.run_scenario(gk.read_scenario(BASELINE))
    a, b = portfolio.operations[0], single.operations[0]
    pd.testing.assert_frame_equal(a.bills, b.bills, rtol=1e-9)
    np.testing.assert_allclose(a.allocated_kwh.to_numpy(), b.allocated_kwh.to_numpy(), rtol=1e-9)
    assert portfolio.collective.savings_eur == pytest.approx(single.collective.savings_eur, 1e-9)
    assert a.eligibility.eligible == b.eligibility.eligible


def test_own_surplus_given_to_the_operation_is_paid_as_a_producer(result, energy):
    """AUTOPROD of the Villa's roof = its share of the pooled injection × the pooled allocation
    (Enedis's split, acc-rules.md §2), paid at the internal price; the rest as surplus."""
    from greenkommon import economics

    op = result.operation("Millénaire")
    gross = energy.consumption_kwh["Villa Mais d'Ici"]
    own = energy.own_production_kwh["Villa Mais d'Ici"]
    injected = (own - np.minimum(own, gross)).to_numpy()
    pooled = op.production_kwh.to_numpy()
    allocated = op.allocated_kwh.to_numpy().sum(axis=1)
    share = np.divide(injected, pooled, out=np.zeros_like(pooled), where=pooled > 0)
    autoprod = float((share * allocated).sum())
    villa = result.venue("Villa Mais d'Ici")
    surplus_price, _ = economics.surplus_price_eur_per_kwh(
        result.scenario.prices, result.scenario.venue("Villa Mais d'Ici").own_plant.peak_power_kwp
    )
    expected = autoprod * 0.10 + (injected.sum() - autoprod) * surplus_price
    assert villa.own_surplus_to_operation_kwh == pytest.approx(injected.sum(), rel=1e-12)
    assert villa.own_surplus_revenue_eur == pytest.approx(expected, rel=1e-9)
    assert autoprod > 0


def test_producer_is_paid_only_for_its_own_plants_kwh(result, energy):
    """The internal price of the operation's allocated kWh is paid once: to the shared plant's
    producer for its AUTOPROD, to the Villa for its own roof's (no double count), and the
    operation's finance still adds up (venue savings + producer margin + own-roof payment =
    collective difference, every year of every case)."""
    from greenkommon import economics

    op = result.operation("Millénaire")
    price = op.scenario.prices.internal_price_eur_per_kwh
    allocated = float(op.allocated_kwh.to_numpy().sum())
    # the Villa's AUTOPROD, independently: its share of the pooled injection × pooled allocation
    gross = energy.consumption_kwh["Villa Mais d'Ici"]
    own = energy.own_production_kwh["Villa Mais d'Ici"]
    injected = (own - np.minimum(own, gross)).to_numpy()
    pooled = op.production_kwh.to_numpy()
    share = np.divide(injected, pooled, out=np.zeros_like(pooled), where=pooled > 0)
    villa_autoprod = float((share * op.allocated_kwh.to_numpy().sum(axis=1)).sum())
    surplus_price, _ = economics.surplus_price_eur_per_kwh(
        result.scenario.prices, result.scenario.venue("Villa Mais d'Ici").own_plant.peak_power_kwp
    )
    villa = result.venue("Villa Mais d'Ici")
    villa_paid = villa.own_surplus_revenue_eur - (injected.sum() - villa_autoprod) * surplus_price
    fin = op.finance
    case = fin.cases[fin.reference_case]
    producer_1 = float(case.producer.loc[1, "internal_revenue_eur"])
    # the internal price is excl. VAT on both sides (bills' internal_eur, the Villa's payment)
    assert producer_1 + villa_paid == pytest.approx(price * allocated, abs=0.005)
    assert producer_1 == pytest.approx(price * (allocated - villa_autoprod), abs=0.005)
    assert float(case.reconciliation.loc[1, "own_roof_payment_eur"]) == pytest.approx(
        villa_paid, abs=0.005
    )
    # the producer's surplus is its own plant's: production of the plant less its AUTOPROD
    plant = float(energy.production_kwh[op.plant_names[0]].sum())
    assert float(case.producer.loc[1, "surplus_kwh"]) == pytest.approx(
        plant - (allocated - villa_autoprod), rel=1e-9
    )
    assert float(case.producer.loc[1, "production_kwh"]) == pytest.approx(plant, rel=1e-9)
    for c in fin.cases.values():
        assert np.abs(c.reconciliation["gap_eur"].to_numpy()).max() < 1e-6
    # an operation without own roofs pays nothing to venues
    quai = result.operation("Quai de Seine").finance
    assert not quai.cases[quai.reference_case].reconciliation["own_roof_payment_eur"].any()


def test_config_package_imports_no_stage():
    """Reading a scenario's tables needs the standard library and numpy only (at import)."""
    code = (
        "import sys, greenkommon.config; "
        "stages = ['weather', 'production', 'consumption', 'allocation', 'economics', 'optimise', "
        "'eligibility', 'evaluate', 'energy']; "
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('pandas', 'pvlib', 'pyomo', 'numba') "
        "or m in {f'greenkommon.{s}' for s in stages}]; "
        "assert not loaded, loaded"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_portfolio_overview_page(result):
    from greenkommon.report.i18n import fmt_number
    from greenkommon.report.portfolio_html import build_portfolio_page

    page = build_portfolio_page(result, ["a.html", "b.html"], lang="fr")
    assert 'href="a.html"' in page and 'href="b.html"' in page
    assert "Millénaire" in page and "Quai de Seine" in page and "Mains d&#x27;Œuvres" in page
    assert f">{fmt_number(result.collective.savings_eur, 0, 'fr')}<" in page
    assert "2 opérations éligibles sur 2" in page


PER_PRODUCER = """
[[operations]]
name = "Millénaire"
plants = ["Shopping-centre roof (Le Millénaire) - ASSUMPTION"]
venues = ["Les Poussières", "Villa Mais d'Ici"]
allocation = "per_producer"
[operations.key]
type = "static"
[operations.key.coefficients_by_producer."Shopping-centre roof (Le Millénaire) - ASSUMPTION"]
"Les Poussières" = 0.5
"Villa Mais d'Ici" = 0.5
[operations.key.coefficients_by_producer."Villa Mais d'Ici roof"]
"Les Poussières" = 1.0
"Villa Mais d'Ici" = 0.0
"""


def _per_producer_file(tmp_path, key_text: str) -> Path:
    text = PORTFOLIO.read_text(encoding="utf-8")
    start = text.index("\n[[operations]]\n") + 1
    end = text.index("\n[[operations]]\n", start) + 1
    (tmp_path / BASELINE.name).write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "pp.toml"
    path.write_text(text[:start] + key_text.lstrip() + "\n" + text[end:], encoding="utf-8")
    return path


def test_per_producer_allocation_follows_each_producers_key(tmp_path, energy):
    """A_i = min(Σ_j β_ji P_j, C_i) per interval (full dynamic key), checked by hand."""
    sc = gk.read_scenario(_per_producer_file(tmp_path, PER_PRODUCER))
    res = gk.evaluate(sc, energy, project_finance=False)
    op = res.operation("Millénaire")
    plant = energy.production_kwh["Shopping-centre roof (Le Millénaire) - ASSUMPTION"].to_numpy()
    villa_gross = energy.consumption_kwh["Villa Mais d'Ici"].to_numpy()
    villa_own = energy.own_production_kwh["Villa Mais d'Ici"].to_numpy()
    villa_injected = villa_own - np.minimum(villa_own, villa_gross)
    cons = op.consumption_kwh
    expected_lp = np.minimum(0.5 * plant + 1.0 * villa_injected, cons["Les Poussières"].to_numpy())
    expected_villa = np.minimum(0.5 * plant, cons["Villa Mais d'Ici"].to_numpy())
    np.testing.assert_allclose(op.allocated_kwh["Les Poussières"], expected_lp, atol=1e-9)
    np.testing.assert_allclose(op.allocated_kwh["Villa Mais d'Ici"], expected_villa, atol=1e-9)
    _check_conservation(res)
    _check_adding_up(res)


def test_per_producer_needs_one_key_per_producer(tmp_path):
    bad = PER_PRODUCER.split('[operations.key.coefficients_by_producer."Villa')[0]
    with pytest.raises(
        ScenarioError, match=r"key\.coefficients_by_producer = .*one table per producer"
    ):
        gk.read_scenario(_per_producer_file(tmp_path, bad))


def test_operation_eligibility_overrides_the_scenarios(tmp_path):
    """An operation in rural communes with the 20 km derogation is checked under that rule."""
    text = PORTFOLIO.read_text(encoding="utf-8")
    quai = text.index('name = "Quai de Seine"')
    key = text.index("[operations.key]", quai)
    text = (
        text[:key]
        + '[operations.eligibility]\ncommune_category = "rural"\ndistance_derogation = true\n'
        + text[key:]
    )
    (tmp_path / BASELINE.name).write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "e.toml"
    path.write_text(text, encoding="utf-8")
    from greenkommon.eligibility import check_operation

    sc = gk.read_scenario(path)
    quai, mill = sc.operations[1], sc.operations[0]
    assert check_operation(sc, quai).limit_km == 20
    assert check_operation(sc, mill).limit_km == 2
    assert sc.operation_scenario(quai).eligibility.commune_category == "rural"
