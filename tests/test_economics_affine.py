"""The affine bill model (economics.affine) equals compute_bills on any allocation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenkommon.economics import compute_bills
from greenkommon.economics.affine import AffineBills, variant_bills, weighted_sums
from greenkommon.pipeline import simulate_energy
from greenkommon.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]

#: Columns of compute_bills that variant_bills rebuilds (the totals and what finance reads).
COLUMNS = (
    "allocated_kwh",
    "grid_import_kwh",
    "grid_energy_with_eur",
    "autocons_charges_eur",
    "internal_cost_eur",
    "internal_eur",
    "bill_without_eur",
    "bill_with_eur",
    "savings_eur",
)


@pytest.fixture(scope="module")
def setting():
    scenario = load_scenario(REPO / "scenarios" / "greenkommon.toml")
    index, _w, _m, _p, cons = simulate_energy(scenario)
    cons_nt = np.ascontiguousarray(cons.to_numpy(dtype=float).T)
    bills = AffineBills(
        index, cons_nt, scenario.venue_names, [v.contract for v in scenario.venues], scenario.prices
    )
    return scenario, cons, cons_nt, bills


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    kwp=st.sampled_from([36.0, 400.0, 999.0, 1000.0, 1500.0]),
    fill=st.sampled_from(["random", "zero", "full", "sparse"]),
)
def test_affine_bills_equal_compute_bills_on_random_allocations(setting, seed, kwp, fill):
    scenario, cons, cons_nt, bills = setting
    rng = np.random.default_rng(seed)
    share = {
        "random": rng.random(cons_nt.shape),
        "zero": np.zeros(cons_nt.shape),
        "full": np.ones(cons_nt.shape),
        "sparse": rng.random(cons_nt.shape) * (rng.random(cons_nt.shape) < 0.1),
    }[fill]
    allocated = cons_nt * share  # 0 <= A <= C
    surplus = pd.Series(rng.random(cons_nt.shape[1]) * 10.0, index=cons.index)
    reference = compute_bills(
        cons,
        pd.DataFrame(allocated.T, index=cons.index, columns=cons.columns),
        surplus,
        [v.contract for v in scenario.venues],
        scenario.prices,
        kwp,
    )
    model = bills.model(kwp)
    got = variant_bills(model, allocated.sum(axis=1), weighted_sums(model, allocated))
    for col in COLUMNS:
        np.testing.assert_allclose(
            got[col].to_numpy(dtype=float),
            reference[col].reindex(got.index).to_numpy(dtype=float),
            rtol=1e-9,
            atol=1e-9,
            err_msg=col,
        )


def test_pieces_share_models_only_where_prices_are_equal(setting):
    _scenario, _cons, _cons_nt, bills = setting
    models = bills.by_size(np.array([400.0, 999.0, 1000.0, 1500.0]))
    assert models[400.0] is models[999.0]
    assert models[1000.0] is models[1500.0]
    # the ACC accise rate stops at 1 MWp (greenkommon/data/tariffs_fr.toml): another model
    assert models[999.0] is not models[1000.0]
