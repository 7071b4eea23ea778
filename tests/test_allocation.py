"""Allocation core: worked examples of the reference, validation errors, flooring, multi-producer.

Worked examples come from ../shared/reference/acc-rules.md ("Worked examples" and §1.6); the
arithmetic is written next to each so a reader can check it by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from greenkommon import allocation as al
from greenkommon.errors import DataError

WH = 1e-3  # one watt-hour [kWh]

# acc-rules.md: one interval, P = 100 kWh, C = [10, 30, 40, 50] kWh, 25 % each.
P1 = np.array([100.0])
C1 = np.array([[10.0], [30.0], [40.0], [50.0]])
QUARTER = [0.25, 0.25, 0.25, 0.25]


def test_static_worked_example():
    # min(25, 10) = 10, min(25, 30) = 25, min(25, 40) = 25, min(25, 50) = 25; surplus 100 - 85
    a = al.allocate(P1, C1, al.StaticKey(QUARTER))
    np.testing.assert_allclose(a.allocated_kwh[:, 0], [10, 25, 25, 25], atol=WH)
    np.testing.assert_allclose(a.surplus_kwh, [15], atol=WH)
    np.testing.assert_allclose(a.grid_import_kwh[:, 0], [0, 5, 15, 25], atol=WH)


def test_prorata_worked_example():
    # ΣC = 130 > P: A_i = C_i · 100/130 → table: 7.6923, 23.0769, 30.7692, 38.4615, surplus 0
    a = al.allocate(P1, C1, al.ProrataKey())
    np.testing.assert_allclose(a.allocated_kwh[:, 0], [7.6923, 23.0769, 30.7692, 38.4615], atol=WH)
    np.testing.assert_allclose(a.surplus_kwh, [0], atol=WH)
    # P = 200 ≥ ΣC = 130: every venue gets its consumption, surplus 70
    b = al.allocate([200.0], C1, al.ProrataKey())
    np.testing.assert_allclose(b.allocated_kwh[:, 0], [10, 30, 40, 50], atol=WH)
    np.testing.assert_allclose(b.surplus_kwh, [70], atol=WH)


def test_redistributed_worked_example():
    # round 1: 10, 25, 25, 25 and 15 left; round 2: 5 each to the three unsatisfied → 10, 30, 30, 30
    a = al.allocate(P1, C1, al.RedistributedKey(QUARTER))
    np.testing.assert_allclose(a.allocated_kwh[:, 0], [10, 30, 30, 30], atol=WH)
    np.testing.assert_allclose(a.surplus_kwh, [0], atol=WH)
    # what Enedis receives: α = A / P
    np.testing.assert_allclose(a.key.coefficients[:, 0], [0.1, 0.3, 0.3, 0.3], atol=1e-12)


def test_redistributed_needs_several_rounds():
    # P = 100, C = [10, 20, 100], α = [0.5, 0.3, 0.2]
    # round 1: min(50,10)=10, min(30,20)=20, min(20,100)=20; left 40+10 = 50, only venue 3 active
    # round 2: venue 3 gets 20 + 50 = 70 ≤ 100 → [10, 20, 70], surplus 0
    a = al.allocate([100.0], [[10.0], [20.0], [100.0]], al.RedistributedKey([0.5, 0.3, 0.2]))
    np.testing.assert_allclose(a.allocated_kwh[:, 0], [10, 20, 70], atol=1e-12)
    # Same with C3 = 30: everyone capped → [10, 20, 30], surplus 40
    b = al.allocate([100.0], [[10.0], [20.0], [30.0]], al.RedistributedKey([0.5, 0.3, 0.2]))
    np.testing.assert_allclose(b.allocated_kwh[:, 0], [10, 20, 30], atol=1e-12)
    np.testing.assert_allclose(b.surplus_kwh, [40], atol=1e-12)


def test_redistributed_three_rounds():
    # P = 100, α = [0.4, 0.3, 0.3], C = [10, 35, 100]
    # round 1: 10 (cap, leaves 30), 30, 30; left 30 → active {2, 3} weights 0.3/0.3 → +15 each
    # round 2: venue 2: 45 > 35 → capped at 35 leaves 10; venue 3: 45
    # round 3: venue 3 alone: 45 + 10 = 55 → [10, 35, 55]
    a = al.allocate([100.0], [[10.0], [35.0], [100.0]], al.RedistributedKey([0.4, 0.3, 0.3]))
    np.testing.assert_allclose(a.allocated_kwh[:, 0], [10, 35, 55], atol=1e-12)


def test_redistributed_keeps_unshared_part_as_surplus():
    # Σα = 0.5: the other half is never shared. P = 100, C = [10, 100], α = [0.25, 0.25]
    # round 1: 10 (leaves 15), 25; round 2: venue 2 gets 25 + 15 = 40; surplus = 100 - 50 = 50
    a = al.allocate([100.0], [[10.0], [100.0]], al.RedistributedKey([0.25, 0.25]))
    np.testing.assert_allclose(a.allocated_kwh[:, 0], [10, 40], atol=1e-12)
    np.testing.assert_allclose(a.surplus_kwh, [50], atol=1e-12)


def test_priority_worked_example_plein_soleil():
    # A injects 1 kWh; B consumes 0.4, C 0.8; B first → B 0.4, C 0.6, C's supplier bills 0.2
    a = al.allocate([1.0], [[0.4], [0.8]], al.PriorityKey([0, 1]))
    np.testing.assert_allclose(a.allocated_kwh[:, 0], [0.4, 0.6], atol=WH)
    np.testing.assert_allclose(a.grid_import_kwh[:, 0], [0.0, 0.2], atol=WH)
    # reversed order: C takes 0.8, B 0.2
    b = al.allocate([1.0], [[0.4], [0.8]], al.PriorityKey([1, 0]))
    np.testing.assert_allclose(b.allocated_kwh[:, 0], [0.2, 0.8], atol=WH)


def test_dynamic_key_per_step():
    # two steps; step 1 like the static example, step 2 all to venue 4 (capped at 50 → surplus 50)
    coef = np.array([[0.25, 0.0], [0.25, 0.0], [0.25, 0.0], [0.25, 1.0]])
    cons = np.array([[10.0, 10.0], [30.0, 30.0], [40.0, 40.0], [50.0, 50.0]])
    a = al.allocate([100.0, 100.0], cons, al.DynamicKey(coef))
    np.testing.assert_allclose(a.allocated_kwh, [[10, 0], [25, 0], [25, 0], [25, 50]], atol=1e-12)
    np.testing.assert_allclose(a.surplus_kwh, [15, 50], atol=1e-12)


def test_several_producers_are_pooled():
    # producers 60 + 40 = 100 → same as the single-producer static example
    prod = np.array([[60.0], [40.0]])
    a = al.allocate(prod, C1, al.StaticKey(QUARTER))
    np.testing.assert_allclose(a.allocated_kwh[:, 0], [10, 25, 25, 25], atol=1e-12)
    np.testing.assert_allclose(a.production_kwh, [100.0])
    # AUTOPROD split pro rata of injection: 85 × 0.6 = 51, 85 × 0.4 = 34
    np.testing.assert_allclose(a.producer_allocated_kwh[:, 0], [51, 34], atol=1e-12)


def test_full_dynamic_key():
    # producer 1 injects 60, producer 2 40; venue 1 gets 50 % of producer 1 (30) + 0 of producer 2,
    # venue 2 gets 50 % of producer 1 (30) + 100 % of producer 2 (40) = 70 but consumes 50.
    # Venue 2 is capped: its pairs are scaled by 50/70 → AUTOPROD_1 = 30 + 30·5/7, AUTOPROD_2 = 40·5/7
    prod = np.array([[60.0], [40.0]])
    cons = np.array([[40.0], [50.0]])
    beta = np.zeros((2, 2, 1))
    beta[0, 0, 0] = 0.5
    beta[0, 1, 0] = 0.5
    beta[1, 1, 0] = 1.0
    a = al.allocate(prod, cons, al.DynamicKey(beta))
    np.testing.assert_allclose(a.allocated_kwh[:, 0], [30, 50], atol=1e-12)
    np.testing.assert_allclose(a.surplus_kwh, [20], atol=1e-12)
    np.testing.assert_allclose(
        a.producer_allocated_kwh[:, 0], [30 + 30 * 5 / 7, 40 * 5 / 7], atol=1e-12
    )


def test_no_consumption_no_allocation():
    a = al.allocate([5.0], [[0.0], [0.0]], al.ProrataKey())
    assert a.allocated_kwh.tolist() == [[0.0], [0.0]]
    assert a.surplus_kwh.tolist() == [5.0]


def test_kpis():
    # static example: ΣA = 85 of P = 100 → 85 % self-consumption; ΣC = 130 → 85/130
    a = al.allocate(P1, C1, al.StaticKey(QUARTER))
    assert a.self_consumption_rate == pytest.approx(0.85)
    assert a.self_sufficiency_rate == pytest.approx(85 / 130)
    np.testing.assert_allclose(a.self_sufficiency_by_venue, [1.0, 25 / 30, 25 / 40, 25 / 50])
    s = a.summary()
    assert s["allocated_kwh"] + s["surplus_kwh"] == pytest.approx(s["production_kwh"])


def test_floor_to_permille_reports_extra_surplus():
    # α = [0.33333, 0.66667] floored to [0.333, 0.666]: P = 1000, big consumers →
    # allocated 333 + 666 = 999 instead of 1000 → 1 kWh extra surplus
    cons = np.array([[1e6], [1e6]])
    a = al.allocate([1000.0], cons, al.StaticKey([0.33333, 0.66667]), floor_to_permille=True)
    np.testing.assert_allclose(a.key.coefficients, [0.333, 0.666], atol=1e-15)
    np.testing.assert_allclose(a.allocated_kwh[:, 0], [333, 666], atol=1e-9)
    assert a.flooring_surplus_kwh == pytest.approx(1.0)
    # exact decimals stay as they are (0.3 is not floored to 0.299)
    np.testing.assert_allclose(al.floor_coefficients([0.3, 0.1, 0.6]), [0.3, 0.1, 0.6], atol=1e-15)


def test_floor_redistributed_key():
    # redistributed result α = [0.1, 0.3, 0.3, 0.3] survives flooring unchanged → no extra surplus
    a = al.allocate(P1, C1, al.RedistributedKey(QUARTER), floor_to_permille=True)
    assert a.flooring_surplus_kwh == pytest.approx(0.0, abs=1e-9)
    # P = 90: α_1 = 10/90 = 0.11111 → 0.111, the others 80/3/90 = 0.29629… → 0.296
    # allocated = 90·(0.111 + 3·0.296) = 89.91 → extra surplus 0.09
    b = al.allocate([90.0], C1, al.RedistributedKey(QUARTER), floor_to_permille=True)
    assert b.flooring_surplus_kwh == pytest.approx(0.09, abs=1e-9)


# ---------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: al.StaticKey([0.6, 0.5]), "sum to 1.1"),
        (lambda: al.StaticKey([0.5, -0.1]), "negative"),
        (lambda: al.StaticKey([0.5, np.nan]), "non-finite"),
        (lambda: al.StaticKey([[0.5]]), "1-D"),
        (lambda: al.DynamicKey([[0.5, 0.7], [0.6, 0.2]]), r"sum to 1.1 at index \(0,\)"),
        (lambda: al.RedistributedKey([0.9, 0.2]), "sum to"),
        (lambda: al.PriorityKey([0, 0]), "permutation"),
    ],
)
def test_invalid_keys(make, match):
    with pytest.raises(DataError, match=match):
        make()


def test_data_error_is_value_error():
    with pytest.raises(ValueError, match="sum to"):
        al.StaticKey([1.0, 0.5])


def test_invalid_arrays():
    with pytest.raises(
        DataError, match="consumption_kwh: shape .* 2 steps but production_kwh has 3"
    ):
        al.allocate([1.0, 2.0, 3.0], [[1.0, 2.0]], al.ProrataKey())
    with pytest.raises(DataError, match="production_kwh: negative"):
        al.allocate([-1.0], [[1.0]], al.ProrataKey())
    with pytest.raises(DataError, match=r"consumption_kwh: non-finite value nan at index \(0, 1\)"):
        al.allocate([1.0, 1.0], [[1.0, np.nan]], al.ProrataKey())
    with pytest.raises(DataError, match="StaticKey.coefficients: 3 venue"):
        al.allocate([1.0], [[1.0], [1.0]], al.StaticKey([0.1, 0.1, 0.1]))
    with pytest.raises(DataError, match="DynamicKey.coefficients: 3 steps"):
        al.allocate([1.0, 1.0], [[1.0, 1.0]], al.DynamicKey([[0.1, 0.1, 0.1]]))
    with pytest.raises(DataError, match="not an allocation key"):
        al.allocate([1.0], [[1.0]], "static")


def test_batch_matches_allocate_on_small_case():
    # two scenarios sized 100 and 200 kWp on a 1 kWh/kWp step: the same as allocate() for each
    k = al.allocate_batch_kpis(
        [1.0], C1, "prorata", peak_power_kwp=[100.0, 200.0], price_eur_per_kwh=0.2
    )
    np.testing.assert_allclose(k.allocated_kwh[0], 100 * C1[:, 0] / 130)
    np.testing.assert_allclose(k.allocated_kwh[1], C1[:, 0])
    np.testing.assert_allclose(k.surplus_kwh, [0, 70])
    np.testing.assert_allclose(k.value_eur, 0.2 * k.allocated_kwh)
    np.testing.assert_allclose(k.self_consumption_rate, [1.0, 130 / 200])


def test_batch_rejects_mismatched_scenario_counts():
    with pytest.raises(DataError, match="scenario counts"):
        al.allocate_batch_kpis([1.0], C1, "static", [QUARTER] * 3, peak_power_kwp=[1.0, 2.0])
    with pytest.raises(DataError, match="takes none"):
        al.allocate_batch_kpis([1.0], C1, "prorata", QUARTER)


def test_redistribution_with_tiny_coefficients_does_not_overflow():
    # α = [1e-300, 1e-300], P = 1e6, C = [0, 1e6]: round 1 gives [0, 1e-294] and leaves 1e-294
    # (venue 1's share); round 2 hands it to venue 2 alone → [0, 2e-294]. A naive leftover /
    # weight = 1e-294 / 1e-300 is fine here, but 1e-294 / 1e-310 would overflow: both paths agree.
    for alpha in (1e-300, 1e-310):
        a = al.allocate([1e6], [[0.0], [1e6]], al.RedistributedKey([alpha, alpha]))
        assert np.isfinite(a.allocated_kwh).all()
        assert a.allocated_kwh[1, 0] == pytest.approx(2e6 * alpha, rel=1e-6)
        k = al.allocate_batch_kpis([1e6], [[0.0], [1e6]], "redistributed", [[alpha, alpha]])
        assert k.allocated_kwh[0, 1] == pytest.approx(2e6 * alpha, rel=1e-6)


def test_keys_copy_the_callers_array():
    coef = np.array([0.5, 0.5])
    key = al.StaticKey(coef)
    assert coef.flags.writeable  # the caller's array is not frozen
    coef[0] = 0.9  # ... and changing it does not change the key
    assert key.coefficients.tolist() == [0.5, 0.5]
    assert not key.coefficients.flags.writeable


def test_resolution_comparison_conserves_energy_and_orders_steps():
    """Coarser steps net P and C inside each interval: the default key's allocated energy can
    only grow from 15 min to 30 min to 1 h, production and consumption totals are unchanged."""
    from greenkommon.allocation.resolution import aggregate_steps, compare_steps, format_steps

    rng = np.random.default_rng(11)
    t = 96 * 7  # a week at 15 min
    prod = np.clip(rng.normal(5.0, 4.0, t), 0.0, None)
    cons = rng.uniform(0.0, 3.0, (3, t))
    np.testing.assert_allclose(aggregate_steps(cons, 4).sum(axis=1), cons.sum(axis=1))
    rows = compare_steps(
        prod, cons, {"prorata": al.ProrataKey(), "static": al.StaticKey([0.3] * 3)}
    )
    for key in ("prorata", "static"):
        alloc = [r["allocated_kwh"] for r in rows if r["key"] == key]
        assert alloc[0] <= alloc[1] + 1e-9 <= alloc[2] + 2e-9
    for r in rows:
        assert r["allocated_kwh"] + r["surplus_kwh"] == pytest.approx(prod.sum())
    table = format_steps(rows, ["a", "b", "c"])
    assert "1h" in table and "Δ alloc" in table
    with pytest.raises(DataError, match="dynamic key is tied to one step"):
        compare_steps(prod, cons, {"dyn": al.DynamicKey(np.full((3, t), 0.2))})
