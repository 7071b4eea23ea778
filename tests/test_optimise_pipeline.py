"""The optimiser on the bundled scenario: real stages (synthetic weather year, pvlib, load
archetypes, French tariffs), checked against independent optimality conditions."""

from __future__ import annotations

import numpy as np
import pytest

from greenkommon.optimise import scenario_prices, solve_static_key
from greenkommon.scenario import load_scenario


@pytest.fixture(scope="module")
def year(baseline_scenario_path):
    from greenkommon.pipeline import simulate_energy

    scenario = load_scenario(baseline_scenario_path)
    index, _, _, production, consumption = simulate_energy(scenario)
    p = production.to_numpy()
    c = consumption.to_numpy().T
    priced = scenario_prices(scenario, index, len(p), c)
    return scenario, p, c, priced


def test_bundled_year_static_key_meets_optimality_certificate(year):
    # Same certificate as the synthetic test: one-sided derivatives of Σ_t w min(k P, C) from the
    # definition; k optimal iff max right-derivative ≤ min left-derivative of venues with k > 0.
    scenario, p, c, priced = year
    w = priced.value_eur_per_kwh - priced.surplus_eur_per_kwh
    res = solve_static_key(p, c, priced.value_eur_per_kwh, priced.surplus_eur_per_kwh,
                           internal_price_eur_per_kwh=priced.internal_eur_per_kwh)
    k = res.coefficients
    n = len(k)
    right = np.array([(w[i] * p * (k[i] * p < c[i] - 1e-9)).sum() for i in range(n)])
    left = np.array([(w[i] * p * (k[i] * p <= c[i] + 1e-9)).sum() for i in range(n)])
    if k.sum() < 1 - 1e-9:
        assert right.max() <= 1e-9
    else:
        assert right.max() <= min(left[i] for i in range(n) if k[i] > 1e-12) * (1 + 1e-9)
    value = float((w * np.minimum(k[:, None] * p, c)).sum())
    assert res.objective_eur == pytest.approx(value, rel=1e-12)


def test_bundled_year_maxmin_cannot_be_improved_by_moving_one_step(year):
    # With the real tariffs a venue's saving per allocated kWh can be negative at some intervals
    # (internal price above its off-peak price), which exercises the non-concave path. Check: every
    # venue reaches the reported level, and moving 0.1 % of key from any venue to any other never
    # raises the minimum relative saving above it.
    scenario, p, c, priced = year
    sav_w = priced.value_eur_per_kwh - priced.internal_eur_per_kwh
    bill = priced.bill_without_eur
    res = solve_static_key(p, c, priced.value_eur_per_kwh, priced.surplus_eur_per_kwh,
                           internal_price_eur_per_kwh=priced.internal_eur_per_kwh, bill_without_eur=bill,
                           no_loss=True, maxmin=True)

    def min_rel(k):
        s = (sav_w * np.minimum(k[:, None] * p, c)).sum(axis=1)
        return float((s / bill).min())

    k = res.coefficients
    level = res.min_relative_saving
    assert min_rel(k) >= level - 1e-9
    n = len(k)
    for i in range(n):
        for j in range(n):
            if i != j and k[i] >= 1e-3:
                moved = k.copy()
                moved[i] -= 1e-3
                moved[j] += 1e-3
                assert min_rel(moved) <= level + 1e-9
