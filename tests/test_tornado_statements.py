"""Tornado (every bar re-evaluated through evaluate) and the PMO's monthly statements."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from helpers import hourly_variant

from greenkommon.config import PricesConfig
from greenkommon.economics.finance import p90_factor
from greenkommon.economics.statements import (
    check_totals,
    monthly_statements,
    statements_from_enedis,
    statements_from_result,
)
from greenkommon.energy import simulate_energy
from greenkommon.errors import DataError
from greenkommon.evaluate import evaluate
from greenkommon.scenario import load_scenario
from greenkommon.tornado import headline_figures, run_tornado


@pytest.fixture(scope="module")
def tornado(tmp_path_factory):
    # loan rate = discount rate: a CAPEX change moves the collective NPV by exactly −ΔCAPEX
    scenario = load_scenario(hourly_variant(tmp_path_factory.mktemp("tornado")))
    assert scenario.finance.loan_rate == scenario.finance.discount_rate
    energy = simulate_energy(scenario)
    return scenario, energy, run_tornado(scenario, energy)


def test_tornado_bars_against_hand_figures(tornado):
    scenario, energy, t = tornado
    bars = {b.driver: b for b in t.bars}
    assert set(bars) == {
        "CAPEX",
        "internal price",
        "grid-price escalation",
        "consumption",
        "yield",
        "discount rate",
        "surplus option",
        "accise case",
    }
    base = evaluate(scenario, energy)
    capex = base.operations[0].finance.producer_inputs.capex_eur
    c = bars["CAPEX"]
    # year 0 moves by −ΔCAPEX + Δloan; the loan's service, discounted at its own rate, by −Δloan
    assert c.collective_npv_low_eur - t.base_collective_npv_eur == pytest.approx(0.2 * capex)
    assert c.collective_npv_high_eur - t.base_collective_npv_eur == pytest.approx(-0.2 * capex)
    # the discount rate moves no cash: the DSCR is unchanged; a lower rate helps a loss-making
    # collective only if its late flows are positive, so check the DSCR only
    d = bars["discount rate"]
    assert d.min_dscr_low == pytest.approx(t.base_min_dscr)
    assert d.min_dscr_high == pytest.approx(t.base_min_dscr)
    # more production or a higher internal price: more producer revenue, a higher DSCR
    assert bars["yield"].min_dscr_low < t.base_min_dscr < bars["yield"].min_dscr_high
    assert (
        bars["internal price"].min_dscr_low < t.base_min_dscr < bars["internal price"].min_dscr_high
    )
    assert bars["grid-price escalation"].collective_npv_low_eur < t.base_collective_npv_eur
    assert t.base_collective_npv_eur < bars["grid-price escalation"].collective_npv_high_eur
    # sorted by swing, largest first
    swings = [b.npv_swing_eur for b in t.bars]
    assert swings == sorted(swings, reverse=True)
    # the base figures are those of the evaluated scenario
    assert headline_figures(base) == pytest.approx((t.base_collective_npv_eur, t.base_min_dscr))
    assert t.table().shape == (8, 7)


def test_yield_bar_is_the_evaluation_of_scaled_production(tornado):
    scenario, energy, t = tornado
    y = next(b for b in t.bars if b.driver == "yield")
    factor = p90_factor("one_year").factor

    again = evaluate(scenario, replace(energy, production_kwh=energy.production_kwh * factor))
    npv, dscr = headline_figures(again)
    assert npv == pytest.approx(y.collective_npv_low_eur, rel=1e-6)
    assert dscr == pytest.approx(y.min_dscr_low, rel=1e-3)


def test_statements_hand_computed():
    idx = pd.date_range("2026-01-01", "2026-03-01", freq="1h", inclusive="left", tz="Europe/Paris")
    alloc = pd.DataFrame({"V": np.full(len(idx), 2.0), "W": np.full(len(idx), 1.0)}, index=idx)
    st = monthly_statements(alloc, 0.10, 0.20, "simulation")
    jan = st.table.loc[("V", "2026-01")]
    assert jan["allocated_kwh"] == pytest.approx(2.0 * 31 * 24)
    assert jan["amount_excl_vat_eur"] == pytest.approx(148.8)
    assert jan["vat_eur"] == pytest.approx(29.76)
    assert jan["amount_due_eur"] == pytest.approx(178.56)
    assert st.table.loc[("W", "2026-02"), "amount_due_eur"] == pytest.approx(28 * 24 * 0.12)
    assert check_totals(st, alloc) == pytest.approx(0.0, abs=1e-9)
    assert list(st.to_csv_frame().columns[:2]) == ["venue", "month"]


def test_statements_from_an_enedis_statement(tmp_path):
    lines = ["Horodate;Identifiant PRM;Grandeur;Valeur"]
    for h in range(3):
        t = pd.Timestamp("2026-05-01 10:00", tz="Europe/Paris") + pd.Timedelta(hours=h + 1)
        lines.append(f"{t.isoformat()};12345678901234;AUTOCONS;1500")
        lines.append(f"{t.isoformat()};B;AUTOCONS;500")
        lines.append(f"{t.isoformat()};B;CONS;900")
    path = tmp_path / "statement.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    scenario = SimpleNamespace(
        venues=[SimpleNamespace(name="A", meter_id="12345678901234"), SimpleNamespace(name="B")],
        simulation=SimpleNamespace(timezone="Europe/Paris"),
        prices=PricesConfig(internal_price_eur_per_kwh=0.1, internal_price_vat=False),
    )
    st = statements_from_enedis(path, scenario, step="1h")
    assert st.table.loc[("A", "2026-05"), "allocated_kwh"] == pytest.approx(4.5)
    assert st.table.loc[("B", "2026-05"), "amount_due_eur"] == pytest.approx(0.15)
    assert st.table["vat_eur"].sum() == 0.0
    assert "12345678901234" not in st.to_csv_frame().to_csv()
    other = SimpleNamespace(**{**scenario.__dict__, "venues": [SimpleNamespace(name="B")]})
    with pytest.raises(DataError, match="match no venue") as err:
        statements_from_enedis(path, other, step="1h")
    assert "12345678901234" not in str(err.value)


def test_statements_of_a_simulated_run(tornado):
    scenario, energy, _ = tornado
    result = evaluate(scenario, energy)
    st = statements_from_result(result)
    assert st.table.index.get_level_values("month").nunique() == 12
    assert check_totals(st, result.allocated_kwh) < 1e-6
    internal = float(result.bills["internal_eur"].sum())
    assert float(st.table["amount_excl_vat_eur"].sum()) == pytest.approx(internal, rel=1e-6)
