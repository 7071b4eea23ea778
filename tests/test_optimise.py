"""Key optimiser: exactness against independent references, fairness, dynamic key, sizing, errors.

References used here are written independently of greenkommon.optimise: direct evaluation of
``Σ_t w_t min(k P_t, C_t)`` by its definition, greedy water-filling over the true pieces computed
by brute force, first-order optimality certificates, grid searches and hand-computed cases.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenkommon._config import Section
from greenkommon.errors import OptimisationError, ScenarioError
from greenkommon.optimise import (
    OptimiseConfig,
    annualised_cost_eur_per_kwp,
    floor_coefficients,
    greedy_dynamic_allocation,
    optimise_static_key,
    solve_dynamic_key,
    solve_sizing,
    solve_static_key,
)


# -- independent references ------------------------------------------------------------------
def value_direct(k, P, C, w):
    """Σ_i Σ_t w_it min(k_i P_t, C_it), straight from D315-4."""
    k = np.asarray(k, dtype=float)
    return float((w * np.minimum(k[:, None] * P[None, :], C)).sum())


def greedy_reference(P, C, w, lower=None, upper=None):
    """Water-filling over the true linear pieces, each computed by direct evaluation."""
    n = C.shape[0]
    lower = np.zeros(n) if lower is None else np.asarray(lower, float)
    upper = np.ones(n) if upper is None else np.asarray(upper, float)
    pieces = []
    for i in range(n):
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(P > 0, C[i] / np.where(P > 0, P, 1), np.inf)
        pts = np.unique(np.concatenate([[lower[i], upper[i]], r[(r > lower[i]) & (r < upper[i])]]))
        vals = [float((w[i] * np.minimum(z * P, C[i])).sum()) for z in pts]
        for a in range(len(pts) - 1):
            length = pts[a + 1] - pts[a]
            pieces.append(((vals[a + 1] - vals[a]) / length, i, length))
    k = lower.copy()
    budget = 1.0 - lower.sum()
    for slope, i, length in sorted(pieces, key=lambda x: -x[0]):
        if slope <= 0 or budget <= 0:
            break
        take = min(length, budget)
        k[i] += take
        budget -= take
    return k


def random_instance(seed, n=3, t=60):
    rng = np.random.default_rng(seed)
    P = rng.uniform(0, 50, t) * (rng.random(t) > 0.3)
    C = rng.uniform(0, 30, (n, t)) * (rng.random((n, t)) > 0.1)
    price = rng.uniform(0.1, 0.3, (n, t))
    return P, C, price


# -- static key ------------------------------------------------------------------------------
def test_static_key_hand_computed():
    # P = [10, 20]; venue 1 C = [5, 5] at 0.2 €/kWh, venue 2 C = [10, 10] at 0.1 €/kWh.
    # A1(k) = min(10k, 5) + min(20k, 5): value slopes 0.2·30 = 6 on [0, .25], 0.2·10 = 2 on [.25, .5].
    # A2(k) = min(10k, 10) + min(20k, 10): slopes 0.1·30 = 3 on [0, .5], 1 on [.5, 1].
    # Water-filling with Σk = 1: 0.25 (slope 6) + 0.5 (slope 3) + 0.25 (slope 2) → k = (0.5, 0.5),
    # value 0.2·(5 + 5) + 0.1·(5 + 10) = 3.5 €; e.g. (0.25, 0.75) gives only 1.5 + 1.75 = 3.25 €.
    P = np.array([10.0, 20.0])
    C = np.array([[5.0, 5.0], [10.0, 10.0]])
    res = solve_static_key(P, C, np.array([0.2, 0.1]), 0.0)
    np.testing.assert_allclose(res.coefficients, [0.5, 0.5], atol=1e-9)
    assert res.objective_eur == pytest.approx(3.5, rel=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 4))
def test_static_key_equals_water_filling(seed, n):
    P, C, price = random_instance(seed, n=n)
    surplus = 0.05
    w = price - surplus
    k = optimise_static_key(P, C, price, surplus)
    assert k.min() >= -1e-12 and k.sum() <= 1 + 1e-9
    ref = greedy_reference(P, C, w)
    v_opt, v_ref = value_direct(k, P, C, w), value_direct(ref, P, C, w)
    assert v_opt == pytest.approx(v_ref, rel=1e-6, abs=1e-9)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_static_key_with_bounds_equals_water_filling(seed):
    P, C, price = random_instance(seed, n=3)
    lower, upper = np.array([0.1, 0.0, 0.2]), np.array([0.5, 0.3, 0.9])
    res = solve_static_key(P, C, price, 0.0, lower=lower, upper=upper)
    assert (res.coefficients >= lower - 1e-9).all() and (res.coefficients <= upper + 1e-9).all()
    ref = greedy_reference(P, C, price, lower, upper)
    assert value_direct(res.coefficients, P, C, price) == pytest.approx(
        value_direct(ref, P, C, price), rel=1e-6
    )


def test_two_venues_grid_search_never_beats_optimiser():
    P, C, price = random_instance(7, n=2, t=40)
    k = optimise_static_key(P, C, price, 0.0)
    best = value_direct(k, P, C, price)
    grid = np.linspace(0, 1, 2001)
    values = [value_direct([a, 1 - a], P, C, price) for a in grid]
    assert max(values) <= best * (1 + 1e-9)
    assert max(values) >= best * (1 - 1e-3)  # the grid comes close to the exact optimum


def test_year_scale_static_key_meets_optimality_certificate():
    # 4 venues × 17,520 half-hours. For max Σ_i W_i(k_i), Σ k ≤ 1 with concave W_i, k is optimal
    # iff there is λ ≥ 0 with W_i'(k_i+) ≤ λ ≤ W_i'(k_i−) for k_i > 0 and W_i'(0+) ≤ λ at k_i = 0,
    # λ = 0 unless Σ k = 1. One-sided derivatives straight from the definition:
    # W'(k+) = Σ_{k P_t < C_t} w P_t, W'(k−) = Σ_{k P_t ≤ C_t} w P_t.
    rng = np.random.default_rng(3)
    T = 17_520
    hour = (np.arange(T) % 48) / 2
    sun = np.clip(np.sin((hour - 6) / 12 * np.pi), 0, None)
    P = 250 * sun * rng.uniform(0.2, 1, T)
    C = rng.uniform(5, 60, (4, T)) * np.array([[0.3], [0.8], [1.5], [1.2]])
    price = rng.uniform(0.12, 0.25, (4, T))
    w = price - 0.04
    res = solve_static_key(P, C, price, 0.04)
    k = res.coefficients
    right = np.array([(w[i] * P * (k[i] * P < C[i] - 1e-9)).sum() for i in range(4)])
    left = np.array([(w[i] * P * (k[i] * P <= C[i] + 1e-9)).sum() for i in range(4)])
    assert k.sum() == pytest.approx(1.0, abs=1e-9)
    lam_low = right.max()
    lam_high = min(left[i] for i in range(4) if k[i] > 1e-12)
    assert lam_low <= lam_high * (1 + 1e-9)
    assert res.objective_eur == pytest.approx(value_direct(k, P, C, w), rel=1e-12)
    # the LP stays small: far fewer variables than venues × intervals
    assert res.stats.n_variables < 4 * T / 10


# -- fairness --------------------------------------------------------------------------------
def test_no_loss_excludes_keys_where_a_venue_loses():
    # Venue 2's allocated kWh cost it more than its import price in interval 2 (internal price
    # 0.15 > import 0.10): with a static key its saving 0.05·min(10k, 4) − 0.05·min(10k, 6)... is
    # computed directly below; no_loss must keep every venue's saving ≥ 0.
    P = np.array([10.0, 10.0])
    C = np.array([[10.0, 10.0], [4.0, 6.0]])
    imp = np.array([[0.3, 0.3], [0.2, 0.10]])
    res = solve_static_key(P, C, imp, 0.0, internal_price_eur_per_kwh=0.15, no_loss=True)
    alloc = np.minimum(res.coefficients[:, None] * P, C)
    savings = ((imp - 0.15) * alloc).sum(axis=1)
    assert (savings >= -1e-9).all()
    np.testing.assert_allclose(savings, res.savings_eur, rtol=1e-12, atol=1e-12)


def test_vs_prorata_infeasible_names_the_venues_and_the_gap():
    # P = [100, 10], C1 = [0, 10], C2 = [100, 10], 0.2 €/kWh. Pro rata: interval 1 covers both
    # (A = C), interval 2 splits 10 kWh 5/5: S1 = 0.2·5 = 1 €, S2 = 0.2·105 = 21 €.
    # Static: S1(k) = 0.2·min(10k, 10) = 2k ≥ 1 → k1 ≥ 50 %; S2(k) = 0.2·110k = 22k ≥ 21 →
    # k2 ≥ 95.45 %: together 145.5 % > 100 %.
    P = np.array([100.0, 10.0])
    C = np.array([[0.0, 10.0], [100.0, 10.0]])
    expected = "the targets need coefficients summing to 145.5 % > 100 % ('venue 1' ≥ 50.0 %, 'venue 2' ≥ 95.5 %)"
    with pytest.raises(OptimisationError) as err:
        solve_static_key(P, C, 0.2, 0.0, vs_prorata=True)
    assert expected in str(err.value)


def test_vs_prorata_feasible_keeps_everyone_above_prorata():
    # proportional load curves: the pro-rata key is then the static key C_i / ΣC, so it is feasible
    P, C, price = random_instance(11, n=2, t=50)
    C[1] = 0.3 * C[0]
    res = solve_static_key(
        P, C, price, 0.0, internal_price_eur_per_kwh=0.05, no_loss=True, vs_prorata=True
    )
    assert (res.savings_eur >= res.prorata_savings_eur - 1e-6).all()


def test_maxmin_matches_grid_search():
    P, C, price = random_instance(5, n=2, t=50)
    bill = (price * C).sum(axis=1)
    res = solve_static_key(P, C, price, 0.0, maxmin=True)
    grid = np.linspace(0, 1, 4001)
    best = max(
        min((price * np.minimum(np.array([[a], [1 - a]]) * P, C)).sum(axis=1) / bill) for a in grid
    )
    assert res.min_relative_saving >= best - 1e-9
    assert res.min_relative_saving <= best + 1e-3
    assert (res.savings_eur / bill >= res.min_relative_saving - 1e-7).all()


def test_equity_shares_met_and_impossible_share_reported():
    P, C, price = random_instance(2, n=3, t=80)
    shares = np.array([0.2, 0.3, 0.4])
    res = solve_static_key(P, C, price, 0.0, equity_shares=shares)
    assert (res.savings_eur >= shares * res.savings_eur.sum() - 1e-6).all()
    # venue 1 consumes little and the others are guaranteed 30 % of the plant each: venue 1's share
    # of the total is at most S_1(max) / (S_1(max) + S_2(0.3) + S_3(0.3)), far below 50 %
    C_small = C.copy()
    C_small[0] *= 0.001
    s1 = (price[0] * np.minimum(0.4 * P, C_small[0])).sum()
    others = sum((price[i] * np.minimum(0.3 * P, C_small[i])).sum() for i in (1, 2))
    expected = f"{100 * s1 / (s1 + others):.1f} %"
    with pytest.raises(
        OptimisationError, match=f"venue 1' can get at most {expected} of total savings"
    ):
        solve_static_key(P, C_small, price, 0.0, lower=[0, 0.3, 0.3], equity_shares=[0.5, 0.2, 0.2])


def test_equity_shares_summing_to_one_split_savings_exactly():
    P, C, price = random_instance(4, n=2, t=80)
    res = solve_static_key(P, C, price, 0.0, equity_shares=[0.5, 0.5])
    np.testing.assert_allclose(res.savings_eur[0], res.savings_eur[1], rtol=1e-6)


# -- dynamic key -----------------------------------------------------------------------------
def test_dynamic_lp_equals_greedy_and_beats_static():
    P, C, price = random_instance(9, n=3, t=120)
    lp = solve_dynamic_key(P, C, price, 0.0, force_lp=True)
    greedy = greedy_dynamic_allocation(P, C, price)
    assert lp.objective_eur == pytest.approx(float((price * greedy).sum()), rel=1e-7)
    static = solve_static_key(P, C, price, 0.0)
    assert lp.objective_eur >= static.objective_eur - 1e-9
    k = lp.coefficients
    assert (k.sum(axis=0) <= 1 + 1e-9).all()
    alloc = np.minimum(k * P, C)
    assert float((price * alloc).sum()) == pytest.approx(lp.objective_eur, rel=1e-7)


def test_dynamic_hand_computed_interval():
    # One interval, P = 100, C = [10, 30, 40, 50] (the reference's example), prices 0.1..0.4:
    # highest price first: 50 to venue 4, 40 to venue 3, 10 left for venue 2, none for venue 1.
    P = np.array([100.0])
    C = np.array([[10.0], [30.0], [40.0], [50.0]])
    res = solve_dynamic_key(P, C, np.array([0.1, 0.2, 0.3, 0.4]), 0.0, force_lp=True)
    np.testing.assert_allclose(res.coefficients[:, 0], [0.0, 0.1, 0.4, 0.5], atol=1e-9)


def test_dynamic_fairness_constraints_hold():
    P, C, price = random_instance(12, n=3, t=120)
    res = solve_dynamic_key(
        P,
        C,
        price,
        0.0,
        internal_price_eur_per_kwh=0.1,
        vs_prorata=True,
        equity_shares=[0.2, 0.2, 0.2],
    )
    assert (res.savings_eur >= res.prorata_savings_eur - 1e-6).all()
    assert (res.savings_eur >= 0.2 * res.savings_eur.sum() - 1e-6).all()
    mm = solve_dynamic_key(P, C, price, 0.0, maxmin=True)
    bill = (price * C).sum(axis=1)
    assert (mm.savings_eur / bill >= mm.min_relative_saving - 1e-7).all()


# -- sizing ----------------------------------------------------------------------------------
def test_sizing_one_venue_equals_search_over_breakpoints():
    # One venue gets k = 1; value(x) = Σ w min(x p, C) + x (Σ s p − c) is piecewise linear in x
    # with breakpoints C_t / p_t, so its maximum over [0, x_max] is at one of them or an end.
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 1, 48) * (rng.random(48) > 0.4)
    C = rng.uniform(10, 50, (1, 48))
    price, surplus, cost, xmax = 0.2, 0.05, 3.0, 400.0
    res = solve_sizing(p, C, price, surplus, annual_cost_eur_per_kwp=cost, max_peak_power_kwp=xmax)

    def total(x):
        return float(
            ((price - surplus) * np.minimum(x * p, C[0])).sum() + x * (surplus * p.sum() - cost)
        )

    cands = np.concatenate([[0, xmax], (C[0] / np.where(p > 0, p, np.nan))[p > 0]])
    cands = cands[(cands >= 0) & (cands <= xmax)]
    best = max(total(x) for x in cands)
    assert total(res.peak_power_kwp) == pytest.approx(best, rel=1e-7)
    assert res.objective_eur == pytest.approx(best, rel=1e-7)


def test_sizing_two_venues_beats_grid_of_sizes():
    P, C, price = random_instance(21, n=2, t=60)
    p = P / 50
    cost = 2.0
    res = solve_sizing(p, C, price, 0.02, annual_cost_eur_per_kwp=cost, max_peak_power_kwp=200)
    for x in np.linspace(1, 200, 25):
        k = greedy_reference(x * p, C, price - 0.02)
        v = value_direct(k, x * p, C, price - 0.02) + x * (0.02 * p.sum() - cost)
        assert v <= res.objective_eur * (1 + 1e-9) + 1e-9


def test_annualised_cost_hand_computed():
    # 1000 €/kWp over 20 years at 4 %: 1000 · 0.04 / (1 − 1.04^−20) = 73.5818 €/kWp/yr; r = 0 → 50.
    assert annualised_cost_eur_per_kwp(1000, 20, 0.04) == pytest.approx(73.5818, abs=1e-4)
    assert annualised_cost_eur_per_kwp(1000, 20, 0.0, 5.0) == pytest.approx(55.0)


# -- rounding, errors, config ----------------------------------------------------------------
@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=6))
def test_floor_coefficients_never_exceed_one_and_lose_less_than_a_step(raw):
    k = np.array(raw)
    if k.sum() > 1:
        k = k / k.sum()
    f = floor_coefficients(k, 0.001)
    assert f.sum() <= 1 + 1e-12
    assert (f <= k + 1e-9).all() and (k - f < 0.001 + 1e-9).all()
    np.testing.assert_allclose(f * 1000, np.round(f * 1000), atol=1e-9)


def test_floor_keeps_exact_decimals():
    np.testing.assert_allclose(floor_coefficients(np.array([0.3, 0.7]), 0.001), [0.3, 0.7])


def test_input_errors_are_clear():
    P = np.ones(4)
    with pytest.raises(Exception, match="consumption_kwh: expected shape"):
        optimise_static_key(P, np.ones((2, 3)), 0.2)
    with pytest.raises(OptimisationError, match="lower bounds sum"):
        optimise_static_key(P, np.ones((2, 4)), 0.2, lower=[0.6, 0.6])
    with pytest.raises(
        OptimisationError, match="sizing: the plant size needs a finite upper bound"
    ):
        solve_sizing(
            P, np.ones((1, 4)), 0.2, annual_cost_eur_per_kwp=1.0, max_peak_power_kwp=float("inf")
        )


def test_nonconcave_value_is_refused_with_a_reason():
    P = np.array([10.0, 10.0])
    C = np.array([[5.0, 10.0]])
    imp = np.array([[0.01, 0.3]])  # below the surplus price in interval 1
    with pytest.raises(OptimisationError, match="import price below the surplus price"):
        optimise_static_key(P, C, imp, 0.05)


def _cfg(data):
    return OptimiseConfig.from_section(Section(data, "optimise", "x.toml"))


def test_config_reads_options_and_rejects_mistakes():
    cfg = _cfg(
        {
            "fairness": ["no_loss", "equity_shares"],
            "equity_shares": {"a": 0.4, "b": 0.6},
            "bounds": {"a": [0.1, 0.5]},
            "method": "simplex",
        }
    )
    lo, hi = cfg.bounds_arrays(["a", "b"])
    np.testing.assert_allclose(lo, [0.1, 0.0])
    np.testing.assert_allclose(hi, [0.5, 1.0])
    np.testing.assert_allclose(cfg.shares_array(["a", "b"]), [0.4, 0.6])
    with pytest.raises(ScenarioError, match=r"x.toml: optimise.fairness"):
        _cfg({"fairness": ["fair"]})
    with pytest.raises(ScenarioError, match=r"x.toml: optimise.bounds.'a'"):
        cfg.bounds_arrays(["b", "c"])
    with pytest.raises(ScenarioError, match="max_peak_power_kwp is missing"):
        _cfg({"size_plant": True, "capex_eur_per_kwp": 900})
    with pytest.raises(ScenarioError, match="solvr"):
        _cfg({"solvr": "highs"})
    sized = _cfg(
        {
            "size_plant": True,
            "capex_eur_per_kwp": 900,
            "roof_area_m2": 2000,
            "peak_power_kwp_per_m2": 0.2,
            "max_peak_power_kwp": 500,
        }
    )
    assert sized.max_size_kwp() == pytest.approx(400)
    assert _cfg({}).precision() == pytest.approx(0.001)


def test_missing_or_failing_solver_is_a_clear_error(monkeypatch):
    import pyomo.contrib.solver.solvers.highs as highs

    class Unavailable:
        def available(self):
            return False

    monkeypatch.setattr(highs, "Highs", lambda: Unavailable())
    with pytest.raises(OptimisationError, match="HiGHS solver is not available.*highspy"):
        optimise_static_key(np.ones(3), np.ones((2, 3)), 0.2)

    class Failing:
        def available(self):
            return True

        def solve(self, *args, **kwargs):
            raise RuntimeError("boom")

    monkeypatch.setattr(highs, "Highs", lambda: Failing())
    with pytest.raises(OptimisationError, match="HiGHS failed.*boom"):
        optimise_static_key(np.ones(3), np.ones((2, 3)), 0.2)


def test_dynamic_target_out_of_reach_names_the_venue():
    # venue 2 pays 50 €/yr to take part and saves at most 0.1 €/kWh × 3 kWh = 0.30 €: net −49.70 €
    P = np.array([5.0, 5.0, 5.0])
    C = np.ones((2, 3))
    with pytest.raises(
        OptimisationError, match=r"venue 2' can save at most -49\.70 €/yr with any dynamic key"
    ):
        solve_dynamic_key(
            P, C, 0.2, internal_price_eur_per_kwh=0.1, fixed_cost_eur=[0.0, 50.0], no_loss=True
        )


def test_static_target_out_of_reach_names_the_venue():
    P = np.array([5.0, 5.0, 5.0])
    C = np.ones((2, 3))
    with pytest.raises(
        OptimisationError, match=r"venue 2' can save at most -49\.70 €/yr with any static key"
    ):
        solve_static_key(
            P, C, 0.2, internal_price_eur_per_kwh=0.1, fixed_cost_eur=[0.0, 50.0], no_loss=True
        )


def test_rounding_picks_the_best_grid_neighbour_by_brute_force():
    from itertools import product

    from greenkommon.optimise import round_static_key

    P, C, price = random_instance(17, n=3, t=100)
    k = optimise_static_key(P, C, price, 0.0)
    rounded, fair = round_static_key(k, P, C, price, price, 0.001)
    assert fair
    assert rounded.sum() <= 1 + 1e-12
    np.testing.assert_allclose(rounded * 1000, np.round(rounded * 1000), atol=1e-6)
    # brute force over every multiple of 0.1 % within one step of the optimum
    best = -np.inf
    for cand in product(*[np.floor(x * 1000 + 1e-9) / 1000 + np.array([0.0, 0.001]) for x in k]):
        cand = np.array(cand)
        if cand.sum() <= 1 + 1e-9:
            best = max(best, value_direct(cand, P, C, price))
    assert value_direct(rounded, P, C, price) == pytest.approx(best, rel=1e-12)
    assert (
        value_direct(rounded, P, C, price)
        >= value_direct(floor_coefficients(k, 0.001), P, C, price) - 1e-12
    )


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_no_loss_with_fixed_costs_matches_2d_grid_search(seed):
    # Fixed yearly costs make "no loss" a real lower bound on each coefficient. Reference: the
    # best point of a 2-D grid of keys (Σ ≤ 1) meeting the constraint, evaluated from D315-4
    # (_grid_best below).
    P, C, price = random_instance(seed, n=2, t=40)
    internal = 0.05
    full = ((price - internal) * np.minimum(P, C)).sum(axis=1)
    fixed = 0.3 * full
    res = solve_static_key(
        P, C, price, 0.0, internal_price_eur_per_kwh=internal, fixed_cost_eur=fixed, no_loss=True
    )
    best, _ = _grid_best(P, C, price, np.full_like(price, internal), fixed, steps=800)
    assert (res.savings_eur >= -1e-7).all()
    assert res.objective_eur >= best - 1e-9
    if np.isfinite(best):
        assert res.objective_eur <= best * (
            1 + 0.01
        )  # a 1/800 grid comes within 1 % of the optimum


def _nonconcave_case():
    # Venue 1 over three intervals of P = 10 kWh, import price 2 €/kWh, internal price per interval
    # [1, 3.5, 1.2] €/kWh, so its saving per allocated kWh is v = [1, −1.5, 0.8] and C = [9, 5, 3]
    # (breakpoints k = 0.9, 0.5, 0.3). Slope of S_1 = Σ_{k < r_t} v_t P_t: 10 − 15 + 8 = 3 on
    # [0, .3), −5 on [.3, .5), 10 on [.5, .9): up, down, up. S_1(.3) = 0.9, S_1(.5) = −0.1,
    # S_1(.9) = 3.9. With a 0.5 € fixed cost, "no loss" holds on [1/6, 0.38] ∪ [0.56, 1].
    P = np.array([10.0, 10.0, 10.0])
    C = np.array([[9.0, 5.0, 3.0], [10.0, 10.0, 10.0]])
    imp = np.array([[2.0, 2.0, 2.0], [1.0, 1.0, 1.0]])
    internal = np.array([[1.0, 3.5, 1.2], [0.5, 0.5, 0.5]])
    return P, C, imp, internal, np.array([0.5, 0.0])


def test_nonconcave_savings_ranges_are_exact():
    from greenkommon.optimise import PiecewiseLinear

    P, C, imp, internal, fixed = _nonconcave_case()
    f = PiecewiseLinear.build(P, C[0], np.stack([imp[0] - internal[0]]), 0.0, 1.0)
    parts = f.superlevel_intervals(0.5, row=0)
    assert len(parts) == 2
    np.testing.assert_allclose(parts[0], [1 / 6, 0.38], atol=1e-12)  # 3k = .5; .9 − 5(k − .3) = .5
    np.testing.assert_allclose(parts[1], [0.56, 1.0], atol=1e-12)  # −.1 + 10(k − .5) = .5


def _grid_best(P, C, imp, internal, fixed, steps=2000):
    """Best value over a 1/steps grid of keys (a, b), a + b ≤ 1 (venues separate: tabulate each)."""
    grid = np.linspace(0, 1, steps + 1)
    bill = (imp * C).sum(axis=1)
    alloc = [np.minimum(grid[:, None] * P, C[i]) for i in range(2)]  # (G, T) per venue
    sav = [((imp[i] - internal[i]) * alloc[i]).sum(axis=1) - fixed[i] for i in range(2)]
    val = [(imp[i] * alloc[i]).sum(axis=1) for i in range(2)]
    fits = grid[:, None] + grid[None, :] <= 1 + 1e-12
    rel_min = np.minimum(sav[0][:, None] / bill[0], sav[1][None, :] / bill[1])
    ok = fits & (sav[0][:, None] >= 0) & (sav[1][None, :] >= 0)
    total = val[0][:, None] + val[1][None, :]
    return float(np.where(ok, total, -np.inf).max()), float(np.where(fits, rel_min, -np.inf).max())


def test_no_loss_with_nonconcave_savings_matches_grid_search():
    P, C, imp, internal, fixed = _nonconcave_case()
    res = solve_static_key(
        P, C, imp, 0.0, internal_price_eur_per_kwh=internal, fixed_cost_eur=fixed, no_loss=True
    )
    best, _ = _grid_best(P, C, imp, internal, fixed)
    assert (res.savings_eur >= -1e-9).all()
    assert res.objective_eur >= best - 1e-9
    assert res.objective_eur <= best + 0.05  # grid step 1/2000 of 3 × 10 kWh at ≤ 2 €/kWh
    assert any("several ranges" in note for note in res.notes)


def test_maxmin_with_nonconcave_savings_matches_grid_search():
    P, C, imp, internal, fixed = _nonconcave_case()
    res = solve_static_key(
        P, C, imp, 0.0, internal_price_eur_per_kwh=internal, fixed_cost_eur=fixed, maxmin=True
    )
    _, best_rel = _grid_best(P, C, imp, internal, fixed)
    assert res.min_relative_saving >= best_rel - 1e-12
    assert res.min_relative_saving <= best_rel + 1e-3
    bill = (imp * C).sum(axis=1)
    assert (res.savings_eur / bill >= res.min_relative_saving - 1e-7).all()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_dynamic_rounding_keeps_sum_and_beats_plain_floor(seed):
    from greenkommon.optimise import round_dynamic_key

    P, C, price = random_instance(seed, n=4, t=50)
    k = solve_dynamic_key(P, C, price, 0.0).coefficients
    r = round_dynamic_key(k, P, C, price, 0.001)
    floor = floor_coefficients(k, 0.001)
    assert (r.sum(axis=0) <= 1 + 1e-9).all()
    assert (r >= floor - 1e-12).all()
    np.testing.assert_allclose(r * 1000, np.round(r * 1000), atol=1e-6)

    def value(key):
        return float((price * np.minimum(key * P, C)).sum())

    assert value(floor) - 1e-12 <= value(r) <= value(k) + 1e-9


def _tou_instance(seed, n=4, t=144, k=3):
    """Random curves with time-of-use prices: only k distinct price columns over the period."""
    rng = np.random.default_rng(seed)
    P = rng.uniform(0, 60, t) * (rng.random(t) > 0.3)
    C = rng.uniform(0, 30, (n, t)) * (rng.random((n, t)) > 0.1)
    table = rng.uniform(0.1, 0.3, (n, k))
    period = rng.integers(0, k, t)
    return P, C, table[:, period]


@pytest.mark.parametrize(
    "options",
    [
        dict(),
        dict(vs_prorata=True, no_loss=True),
        dict(maxmin=True),
        dict(equity_shares=[0.1, 0.2, 0.3, 0.2]),
    ],
)
def test_aggregated_dynamic_lp_equals_interval_lp(options):
    # Two exact layouts of one LP: the yearly totals per price class (polymatroid of summed ranks)
    # and one variable per venue and interval must give the same optimum, and the aggregated one
    # must map back to a feasible per-interval allocation worth exactly its optimum.
    P, C, price = _tou_instance(3)
    kw = dict(internal_price_eur_per_kwh=0.12, force_lp=True, **options)
    agg = solve_dynamic_key(P, C, price, 0.02, aggregate=True, **kw)
    full = solve_dynamic_key(P, C, price, 0.02, aggregate=False, **kw)
    assert agg.objective_eur == pytest.approx(full.objective_eur, rel=1e-7)
    assert agg.stats.n_variables < full.stats.n_variables
    k = agg.coefficients
    assert (k >= 0).all() and (k.sum(axis=0) <= 1 + 1e-9).all()
    alloc = np.minimum(k * P, C)
    assert float(((price - 0.02) * alloc).sum()) == pytest.approx(agg.objective_eur, rel=1e-9)
    if options.get("vs_prorata"):
        assert (agg.savings_eur >= agg.prorata_savings_eur - 1e-6).all()
    if options.get("maxmin"):
        assert agg.min_relative_saving == pytest.approx(full.min_relative_saving, rel=1e-6)
    if "equity_shares" in options:
        assert (
            agg.savings_eur >= np.array(options["equity_shares"]) * agg.savings_eur.sum() - 1e-6
        ).all()


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 5), k=st.integers(1, 6), maxmin=st.booleans())
def test_aggregated_dynamic_lp_maps_back_exactly(seed, n, k, maxmin):
    P, C, price = _tou_instance(seed, n=n, t=96, k=k)
    kw = dict(internal_price_eur_per_kwh=0.12, no_loss=True, maxmin=maxmin, force_lp=True)
    agg = solve_dynamic_key(P, C, price, 0.0, aggregate=True, **kw)
    full = solve_dynamic_key(P, C, price, 0.0, aggregate=False, **kw)
    assert agg.objective_eur == pytest.approx(full.objective_eur, rel=1e-7, abs=1e-9)
    kk = agg.coefficients
    assert (kk.sum(axis=0) <= 1 + 1e-9).all()
    assert float((price * np.minimum(kk * P, C)).sum()) == pytest.approx(
        agg.objective_eur, rel=1e-9, abs=1e-9
    )
