"""Allocation core: conservation on generated cases, numba kernels vs numpy twins.

Every kernel of greenkommon.allocation._kernels has a vectorised numpy twin in
greenkommon.allocation.reference; here they must agree to 1e-9 on a random year at 30 min, and
every key must conserve energy on hypothesis-generated cases.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from greenkommon import allocation as al
from greenkommon.allocation import reference as ref
from greenkommon.errors import DataError

TOL = 1e-9

energy = st.one_of(st.just(0.0), st.floats(0.0, 1000.0, allow_nan=False, allow_infinity=False))


@st.composite
def cases(draw):
    n = draw(st.integers(1, 6))
    t = draw(st.integers(1, 12))
    prod = draw(hnp.arrays(np.float64, (t,), elements=energy))
    cons = draw(hnp.arrays(np.float64, (n, t), elements=energy))
    raw = draw(hnp.arrays(np.float64, (n,), elements=st.floats(0.0, 1.0)))
    total = draw(st.floats(0.0, 1.0))
    coef = raw / raw.sum() * total if raw.sum() > 0 else raw
    order = draw(st.permutations(list(range(n))))
    return prod, cons, coef, order


def _keys(prod, cons, coef, order):
    t = prod.shape[0]
    dyn = np.repeat(coef[:, None], t, axis=1)
    return [
        al.ProrataKey(),
        al.StaticKey(coef),
        al.DynamicKey(dyn),
        al.RedistributedKey(coef),
        al.PriorityKey(order),
    ]


def _check_conservation(a: al.Allocation):
    scale = (
        1.0 + float(a.production_kwh.max(initial=0.0)) + float(a.consumption_kwh.max(initial=0.0))
    )
    tol = 1e-12 * scale * (a.n_venues + 1)
    assert np.all(a.allocated_kwh >= 0)
    assert np.all(a.allocated_kwh <= a.consumption_kwh + tol)
    assert np.all(a.surplus_kwh >= 0)
    np.testing.assert_allclose(
        a.allocated_kwh.sum(axis=0) + a.surplus_kwh, a.production_kwh, rtol=0, atol=tol
    )
    np.testing.assert_allclose(
        a.allocated_kwh + a.grid_import_kwh, a.consumption_kwh, rtol=0, atol=tol
    )
    np.testing.assert_allclose(
        a.producer_allocated_kwh.sum(axis=0), a.allocated_kwh.sum(axis=0), rtol=0, atol=tol
    )


@settings(max_examples=150, deadline=None)
@given(cases())
def test_conservation_every_key(case):
    prod, cons, coef, order = case
    for key in _keys(prod, cons, coef, order):
        _check_conservation(al.allocate(prod, cons, key))
        _check_conservation(al.allocate(prod, cons, key, floor_to_permille=True))


@settings(max_examples=200, deadline=None)
@given(cases(), st.booleans())
def test_numpy_engine_gives_the_kernels_numbers_bit_for_bit(case, floor):
    """The numpy engine (allocation._vector) and the compiled one (allocation._checked, the
    checks fused into the kernels) repeat the same arithmetic in the same order: the same
    floating-point numbers, not merely close ones, and the same key handed to Enedis."""
    prod, cons, coef, order = case
    for key in _keys(prod, cons, coef, order):
        fast = al.allocate(prod, cons, key, floor_to_permille=floor, engine="numpy")
        kernel = al.allocate(prod, cons, key, floor_to_permille=floor, engine="numba")
        for field in ("allocated_kwh", "surplus_kwh", "grid_import_kwh", "producer_allocated_kwh"):
            np.testing.assert_array_equal(getattr(fast, field), getattr(kernel, field), field)
        assert fast.flooring_surplus_kwh == kernel.flooring_surplus_kwh
        assert type(fast.key) is type(kernel.key)
        if not isinstance(key, al.ProrataKey):
            np.testing.assert_array_equal(fast.key.coefficients, kernel.key.coefficients)
            assert not kernel.key.coefficients.flags.writeable


def test_unknown_engine_is_refused():
    with pytest.raises(DataError, match="engine"):
        al.allocate([1.0], [[1.0]], al.ProrataKey(), engine="gpu")


@settings(max_examples=150, deadline=None)
@given(cases())
def test_key_specific_properties(case):
    prod, cons, coef, order = case
    tol = 1e-9 * (1 + prod.max(initial=0) + cons.max(initial=0))
    static = al.allocate(prod, cons, al.StaticKey(coef)).allocated_kwh
    redis = al.allocate(prod, cons, al.RedistributedKey(coef)).allocated_kwh
    prorata = al.allocate(prod, cons, al.ProrataKey())
    # static never exceeds its share; redistribution only ever adds to the static allocation
    assert np.all(static <= coef[:, None] * prod[None, :] + tol)
    assert np.all(redis >= static - tol)
    # redistribution leaves surplus only when every venue with a share is capped, or the
    # unshared (1 - Σα) part: Σ A_redis = min(Σα P, Σ_{α_i>0} C_i)
    expected = np.minimum(coef.sum() * prod, cons[coef > 0].sum(axis=0))
    np.testing.assert_allclose(redis.sum(axis=0), expected, rtol=0, atol=tol)
    # default key: Σ A = min(P, Σ C), and it is proportional to consumption
    np.testing.assert_allclose(
        prorata.allocated_kwh.sum(axis=0), np.minimum(prod, cons.sum(axis=0)), rtol=0, atol=tol
    )
    # priority: the first venue gets min(P, C_first)
    pri = al.allocate(prod, cons, al.PriorityKey(order)).allocated_kwh
    np.testing.assert_allclose(pri[order[0]], np.minimum(prod, cons[order[0]]), rtol=0, atol=tol)
    np.testing.assert_allclose(
        pri.sum(axis=0), np.minimum(prod, cons.sum(axis=0)), rtol=0, atol=tol
    )


@settings(max_examples=100, deadline=None)
@given(cases())
def test_pmo_keys_replayed_by_enedis_engine(case):
    # The dynamic key a PMO strategy uploads gives back the strategy's allocation.
    prod, cons, coef, order = case
    for strat in (al.redistributed(prod, cons, coef), al.priority(prod, cons, order)):
        a = al.allocate(prod, cons, strat)
        assert np.all(strat.coefficients.sum(axis=0) <= 1.0 + 1e-12)
        _check_conservation(a)
    direct = ref.redistributed(prod, coef, cons)[0]
    replay = al.allocate(prod, cons, al.redistributed(prod, cons, coef)).allocated_kwh
    np.testing.assert_allclose(replay, direct, rtol=0, atol=1e-9 * (1 + prod.max(initial=0)))


@st.composite
def multi_producer_cases(draw):
    n_p = draw(st.integers(1, 3))
    n = draw(st.integers(1, 4))
    t = draw(st.integers(1, 8))
    prod = draw(hnp.arrays(np.float64, (n_p, t), elements=energy))
    cons = draw(hnp.arrays(np.float64, (n, t), elements=energy))
    raw = draw(hnp.arrays(np.float64, (n_p, n + 1, t), elements=st.floats(0.0, 1.0)))
    total = raw.sum(axis=1, keepdims=True)
    beta = np.divide(raw, total, out=np.zeros_like(raw), where=total > 0)[:, :n, :]
    return prod, cons, beta


@settings(max_examples=100, deadline=None)
@given(multi_producer_cases())
def test_conservation_several_producers(case):
    prod, cons, beta = case
    # full dynamic: per-producer AUTOPROD never exceeds that producer's injection
    full = al.allocate(prod, cons, al.DynamicKey(beta))
    _check_conservation(full)
    tol = 1e-9 * (1 + prod.max(initial=0))
    assert np.all(full.producer_allocated_kwh <= prod + tol)
    np.testing.assert_allclose(
        full.allocated_kwh, ref.full_dynamic(prod, beta, cons)[0], rtol=0, atol=tol
    )
    # every other key pools first: same result as on the summed production
    for key in (
        al.ProrataKey(),
        al.StaticKey(beta[0, :, 0]),
        al.PriorityKey(list(range(cons.shape[0]))),
    ):
        pooled = al.allocate(prod, cons, key)
        _check_conservation(pooled)
        single = al.allocate(prod.sum(axis=0), cons, key)
        np.testing.assert_allclose(pooled.allocated_kwh, single.allocated_kwh, rtol=0, atol=tol)
        assert np.all(pooled.producer_allocated_kwh <= prod + tol)


# ------------------------------------------------------------------ twins on a random year


@pytest.fixture(scope="module")
def year():
    """A synthetic year at 30 min × 4 venues with night zeros and saturated middays."""
    rng = np.random.default_rng(20261127)
    t = 17520
    hours = (np.arange(t) % 48) / 2.0
    sun = np.clip(np.sin((hours - 6.0) / 12.0 * np.pi), 0.0, None)
    prod = 60.0 * sun * rng.uniform(0.2, 1.0, t)
    cons = rng.gamma(2.0, 5.0, (4, t)) * (rng.uniform(size=(4, t)) > 0.05)
    return prod, cons


def _assert_same(got, want):
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=0, atol=TOL)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_twin_static(year, engine):
    prod, cons = year
    coef = np.array([0.4, 0.3, 0.2, 0.1])
    a = al.allocate(prod, cons, al.StaticKey(coef), engine=engine)
    _assert_same((a.allocated_kwh, a.surplus_kwh, a.grid_import_kwh), ref.static(prod, coef, cons))


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_twin_prorata(year, engine):
    prod, cons = year
    a = al.allocate(prod, cons, al.ProrataKey(), engine=engine)
    _assert_same((a.allocated_kwh, a.surplus_kwh, a.grid_import_kwh), ref.prorata(prod, cons))


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_twin_dynamic(year, engine):
    prod, cons = year
    rng = np.random.default_rng(1)
    coef = rng.dirichlet(np.ones(5), prod.shape[0]).T[:4].copy()  # Σ over venues < 1
    a = al.allocate(prod, cons, al.DynamicKey(coef), engine=engine)
    _assert_same((a.allocated_kwh, a.surplus_kwh, a.grid_import_kwh), ref.dynamic(prod, coef, cons))


def test_twin_full_dynamic(year):
    prod, cons = year
    rng = np.random.default_rng(2)
    prods = np.stack([prod * 0.7, prod * 0.3 * rng.uniform(size=prod.shape)])
    beta = np.stack([rng.dirichlet(np.ones(5), prod.shape[0]).T[:4] for _ in range(2)])
    a = al.allocate(prods, cons, al.DynamicKey(beta))
    _assert_same((a.allocated_kwh, a.producer_allocated_kwh), ref.full_dynamic(prods, beta, cons))


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_twin_redistributed(year, engine):
    prod, cons = year
    coef = np.array([0.4, 0.3, 0.2, 0.1])
    a = al.allocate(prod, cons, al.RedistributedKey(coef), engine=engine)
    _assert_same(
        (a.allocated_kwh, a.surplus_kwh, a.grid_import_kwh), ref.redistributed(prod, coef, cons)
    )


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_twin_priority(year, engine):
    prod, cons = year
    order = np.array([2, 0, 3, 1])
    a = al.allocate(prod, cons, al.PriorityKey(order), engine=engine)
    _assert_same(
        (a.allocated_kwh, a.surplus_kwh, a.grid_import_kwh), ref.priority(prod, order, cons)
    )


def test_twin_floor():
    rng = np.random.default_rng(3)
    coef = rng.uniform(size=(4, 1000))
    np.testing.assert_array_equal(al.floor_coefficients(coef), ref.floor_coefficients(coef))


@pytest.mark.parametrize(
    ("key", "method"),
    [
        ("static", "direct"),
        ("static", "breakpoints"),
        ("prorata", "direct"),
        ("prorata", "breakpoints"),
        ("dynamic", "direct"),
        ("dynamic", "breakpoints"),
        ("redistributed", "auto"),
        ("priority", "auto"),
    ],
)
def test_twin_batch_kpis(year, key, method):
    prod, cons = year
    per_kwp = prod / 60.0
    rng = np.random.default_rng(4)
    s = 70  # more than one block of scenarios (64), the last one partial
    peak = rng.uniform(10.0, 200.0, s)
    coef = order = None
    if key in ("static", "redistributed"):
        coef = rng.dirichlet(np.ones(4), s) * rng.uniform(0.8, 1.0, (s, 1))
    elif key == "dynamic":
        coef = rng.dirichlet(np.ones(5), prod.shape[0]).T[:4].copy()
    elif key == "priority":
        order = np.array([rng.permutation(4) for _ in range(s)])
    price = np.array([0.20, 0.18, 0.15, 0.22])
    k = al.allocate_batch_kpis(
        per_kwp,
        cons,
        key,
        coef,
        order=order,
        peak_power_kwp=peak,
        price_eur_per_kwh=price,
        method=method,
    )
    b = al._batch_inputs(per_kwp, cons, key, coef, order, peak, price)
    alloc, value, surplus = ref.batch_kpis(b)
    # sums over a year of ~1e5 kWh: relative 1e-12 ≈ absolute 1e-7
    np.testing.assert_allclose(k.allocated_kwh, alloc, rtol=1e-12)
    np.testing.assert_allclose(k.value_eur, value, rtol=1e-12)
    np.testing.assert_allclose(k.surplus_kwh, surplus, rtol=1e-12, atol=1e-9)
    # and the batch equals allocate() run scenario by scenario (a few scenarios)
    for j in (0, 1, s - 1):
        if key == "static":
            key_obj = al.StaticKey(coef[j])
        elif key == "redistributed":
            key_obj = al.RedistributedKey(coef[j])
        elif key == "dynamic":
            key_obj = al.DynamicKey(coef)
        elif key == "priority":
            key_obj = al.PriorityKey(order[j])
        else:
            key_obj = al.ProrataKey()
        one = al.allocate(per_kwp * peak[j], cons, key_obj)
        np.testing.assert_allclose(k.allocated_kwh[j], one.allocated_total_kwh, rtol=1e-12)
        np.testing.assert_allclose(k.surplus_kwh[j], one.surplus_kwh.sum(), rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(
            k.value_eur[j], (one.allocated_kwh * price[:, None]).sum(axis=1), rtol=1e-12
        )


def test_batch_production_rows(year):
    # one production row per scenario (e.g. several weather years) instead of peak sizes
    prod, cons = year
    rows = np.stack([prod, prod * 0.5, np.roll(prod, 7)])
    k = al.allocate_batch_kpis(rows, cons, "static", [0.4, 0.3, 0.2, 0.1])
    for j in range(3):
        one = al.allocate(rows[j], cons, al.StaticKey([0.4, 0.3, 0.2, 0.1]))
        np.testing.assert_allclose(k.allocated_kwh[j], one.allocated_total_kwh, rtol=1e-12)
        np.testing.assert_allclose(k.production_kwh[j], rows[j].sum(), rtol=1e-12)
    assert np.all(k.value_eur == 0.0)


def test_batch_priority_shared_order(year):
    # one order for every plant size (the kernel's vectorised path), given as (N,) or as S equal rows
    prod, cons = year
    per_kwp = prod / 60.0
    peak = np.array([5.0, 40.0, 120.0])
    order = np.array([3, 1, 0, 2])
    for orders in (order, np.tile(order, (3, 1))):
        k = al.allocate_batch_kpis(per_kwp, cons, "priority", order=orders, peak_power_kwp=peak)
        for j in range(3):
            one = al.allocate(per_kwp * peak[j], cons, al.PriorityKey(order))
            np.testing.assert_allclose(k.allocated_kwh[j], one.allocated_total_kwh, rtol=1e-12)
            np.testing.assert_allclose(
                k.surplus_kwh[j], one.surplus_kwh.sum(), rtol=1e-12, atol=1e-9
            )


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 4),
    t_len=st.integers(1, 12),
    key=st.sampled_from(["static", "prorata", "dynamic"]),
)
def test_breakpoints_equal_direct_rule(data, n, t_len, key):
    """Sorted breakpoints give the per-interval rule's totals, with zeros, ties and null shares."""
    energy = st.one_of(st.just(0.0), st.floats(0.0, 50.0, allow_nan=False))
    prod = np.array(data.draw(st.lists(energy, min_size=t_len, max_size=t_len)))
    cons = np.array(data.draw(st.lists(energy, min_size=n * t_len, max_size=n * t_len))).reshape(
        n, t_len
    )
    s = data.draw(st.integers(1, 5))
    peak = np.array(data.draw(st.lists(st.floats(0.0, 3.0), min_size=s, max_size=s)))
    coef = None
    if key == "static":
        raw = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=s * n, max_size=s * n)))
        raw = raw.reshape(s, n)
        coef = raw / np.maximum(raw.sum(axis=1, keepdims=True), 1.0)
    elif key == "dynamic":
        raw = np.array(
            data.draw(st.lists(st.floats(0.0, 1.0), min_size=n * t_len, max_size=n * t_len))
        )
        raw = raw.reshape(n, t_len)
        coef = raw / np.maximum(raw.sum(axis=0, keepdims=True), 1.0)
    price = np.array(data.draw(st.lists(st.floats(-1.0, 1.0), min_size=n, max_size=n)))
    got = {
        m: al.allocate_batch_kpis(
            prod, cons, key, coef, peak_power_kwp=peak, price_eur_per_kwh=price, method=m
        )
        for m in ("direct", "breakpoints")
    }
    a, b = got["direct"], got["breakpoints"]
    np.testing.assert_allclose(b.allocated_kwh, a.allocated_kwh, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(b.value_eur, a.value_eur, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(b.surplus_kwh, a.surplus_kwh, rtol=1e-9, atol=1e-9)
    assert (b.allocated_kwh <= cons.sum(axis=1) + 1e-9).all()


def test_breakpoints_prorata_with_subnormal_consumption():
    # found by hypothesis: P / ΣC overflowed when ΣC was subnormal
    prod = np.array([0.0, 0.0, 0.0, 1.0])
    cons = np.array([[0.0, 0.0, 0.0, 5e-324]])
    k = al.allocate_batch_kpis(
        prod, cons, "prorata", peak_power_kwp=[0.0, 1.0], method="breakpoints"
    )
    np.testing.assert_array_equal(k.allocated_kwh, [[0.0], [5e-324]])


def test_breakpoints_refused_where_they_do_not_apply(year):
    prod, cons = year
    with pytest.raises(DataError, match="method = 'breakpoints'"):
        al.allocate_batch_kpis(prod, cons, "redistributed", [0.25] * 4, method="breakpoints")
    with pytest.raises(DataError, match="method = 'breakpoints'"):
        al.allocate_batch_kpis(
            np.stack([prod, prod]), cons, "static", [0.25] * 4, method="breakpoints"
        )
    with pytest.raises(DataError, match="method = 'fast'"):
        al.allocate_batch_kpis(prod, cons, "static", [0.25] * 4, method="fast")
