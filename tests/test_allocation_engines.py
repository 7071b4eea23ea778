"""The compiled engine of allocate(): validation fused into the kernels of allocation._checked.

Its kernels must give the numbers of the numpy engine (allocation._vector, and the PMO strategy
→ dynamic key → Enedis replay path) bit for bit, and refuse every bad argument with the
one-line error the numpy-checked path gives, word for word.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from greenkommon import allocation as al
from greenkommon.allocation import _checked, _checks, _kernels, _vector, engine
from greenkommon.errors import DataError

energy = st.one_of(st.just(0.0), st.floats(0.0, 1000.0, allow_nan=False, allow_infinity=False))


@st.composite
def cases(draw):
    n = draw(st.integers(1, 6))
    t = draw(st.integers(0, 12))
    prod = draw(hnp.arrays(np.float64, (t,), elements=energy))
    cons = draw(hnp.arrays(np.float64, (n, t), elements=energy))
    raw = draw(hnp.arrays(np.float64, (n,), elements=st.floats(0.0, 1.0)))
    coef = raw / raw.sum() * draw(st.floats(0.0, 1.0)) if raw.sum() > 0 else raw
    dyn = draw(hnp.arrays(np.float64, (n + 1, t), elements=st.floats(0.0, 1.0)))
    total = dyn.sum(axis=0)
    dyn = np.divide(dyn, total, out=np.zeros_like(dyn), where=total > 0)[:n].copy()
    order = np.array(draw(st.permutations(list(range(n)))), dtype=np.int64)
    return prod, cons, coef, dyn, order


def _outputs(n, t):
    return np.empty((n, t)), np.empty(t), np.empty((n, t))


def _old(kernel, *args):
    n, t = args[-1].shape
    alloc, surplus, imp = np.empty((n, t)), np.empty(t), np.empty((n, t))
    kernel(*args, alloc, surplus, imp)
    return alloc, surplus, imp


def _same(got, want):
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_checked_kernels_equal_the_numpy_engine(case):
    """Static, pro-rata, dynamic: the same numbers as the numpy engine (allocation._vector);
    priority and redistributed: the same as running the strategy's kernel, turning it into
    α = A / P as the numpy-checked path does, and replaying α with the numpy engine."""
    prod, cons, coef, dyn, order = case
    n, t = cons.shape
    got = _outputs(n, t)
    assert _checked.static_checked(prod, coef, cons, True, *got) == 0
    _same(got, _vector.static(prod, coef, cons))
    assert _checked.dynamic_checked(prod, dyn, cons, True, *got) == 0
    _same(got, _vector.dynamic(prod, dyn, cons))
    assert _checked.prorata_checked(prod, cons, True, *got) == 0
    _same(got, _vector.prorata(prod, cons))
    for strategy in ("priority", "redistributed"):
        alpha = np.empty((n, t))
        if strategy == "priority":
            code = _checked.priority_checked(prod, order, cons, True, alpha, *got)
            a_strategy = _old(_kernels.priority_kernel, prod, order, cons)[0]
        else:
            a_strategy = _old(_kernels.redistributed_kernel, prod, coef, cons)[0]
            code = _checked.replay_checked(prod, a_strategy, cons, True, alpha, *got)
        assert code == 0
        want_alpha = engine._coefficients_from_allocation(prod, a_strategy)
        np.testing.assert_array_equal(alpha, want_alpha)
        _same(got, _vector.dynamic(prod, want_alpha, cons))


def test_replay_rescales_a_step_whose_coefficients_sum_above_one():
    # A = [0.5, 0.5 + 2 ulp] of P = 1: α sums to 1 + 2⁻⁵² and is divided by its sum, as
    # _coefficients_from_allocation does; the step is recomputed from the rescaled α.
    prod = np.array([1.0, 2.0])
    strategy = np.array([[0.5, 1.0], [np.nextafter(np.nextafter(0.5, 1.0), 1.0), 0.5]])
    cons = np.array([[1.0, 1.0], [1.0, 1.0]])
    alpha = np.empty((2, 2))
    got = _outputs(2, 2)
    assert _checked.replay_checked(prod, strategy, cons, True, alpha, *got) == 0
    want_alpha = engine._coefficients_from_allocation(prod, strategy)
    assert want_alpha[:, 0].sum() <= 1.0 < (strategy[:, 0] / prod[0]).sum()
    np.testing.assert_array_equal(alpha, want_alpha)
    _same(got, _vector.dynamic(prod, want_alpha, cons))


KEYS = {
    "prorata": lambda n, t: al.ProrataKey(),
    "static": lambda n, t: al.StaticKey(np.full(n, 1.0 / n)),
    "dynamic": lambda n, t: al.DynamicKey(np.full((n, t), 1.0 / n)),
    "redistributed": lambda n, t: al.RedistributedKey(np.full(n, 1.0 / n)),
    "priority": lambda n, t: al.PriorityKey(list(range(n))[::-1]),
}


def _message(production, consumption, key, engine_name, **kw):
    with pytest.raises(DataError) as info:
        al.allocate(production, consumption, key, engine=engine_name, **kw)
    return str(info.value)


@pytest.mark.parametrize("key_name", list(KEYS))
@pytest.mark.parametrize(
    ("where", "bad", "expected"),
    [
        ("production", np.nan, r"production_kwh: non-finite value nan at index \(3,\)"),
        ("production", np.inf, r"production_kwh: non-finite value inf at index \(3,\)"),
        ("production", -2.0, r"production_kwh: negative value -2 at index \(3,\)"),
        ("consumption", np.nan, r"consumption_kwh: non-finite value nan at index \(1, 3\)"),
        ("consumption", -np.inf, r"consumption_kwh: non-finite value -inf at index \(1, 3\)"),
        ("consumption", -1e-300, r"consumption_kwh: negative value -1e-300 at index \(1, 3\)"),
    ],
)
def test_fused_checks_refuse_with_the_same_message(key_name, where, bad, expected):
    prod = np.linspace(0.0, 5.0, 6)
    cons = np.ones((3, 6))
    if where == "production":
        prod[3] = bad
    else:
        cons[1, 3] = bad
        cons[2, 5] = bad  # the first bad value is the one named
    key = KEYS[key_name](3, 6)
    messages = {e: _message(prod, cons, key, e) for e in ("numpy", "numba", "auto")}
    assert messages["numba"] == messages["numpy"] == messages["auto"]
    assert re.fullmatch(expected + "; expected .*", messages["numba"])


@pytest.mark.parametrize("key_name", list(KEYS))
@pytest.mark.parametrize(
    ("production", "consumption"),
    [
        ([1.0, 2.0, 3.0], [[1.0, 2.0]]),  # steps do not match
        ([1.0, 2.0], np.ones((0, 2))),  # no venue
        ([1.0, 2.0], np.ones((2, 2, 2))),  # 3-D consumption
        ([[[1.0, 2.0]]], [[1.0, 2.0]]),  # 3-D production
        ("a lot", [[1.0]]),  # not numbers
        ([np.nan, 2.0, 3.0], [[1.0, 2.0]]),  # bad value and bad shape: the value is named
        ([1.0, 2.0], [[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]),  # key sized for 2 venues
        ([1.0, -2.0], [[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]),  # ... and a bad value
    ],
)
def test_bad_shapes_refused_with_the_same_message(key_name, production, consumption):
    key = KEYS[key_name](2, 2)
    if key_name == "prorata" and np.shape(consumption) == (3, 2) and min(production) >= 0:
        # the default key has no size: three venues are fine, and the same for both engines
        a, b = (al.allocate(production, consumption, key, engine=e) for e in ("numpy", "numba"))
        np.testing.assert_array_equal(a.allocated_kwh, b.allocated_kwh)
        return
    numpy_message = _message(production, consumption, key, "numpy")
    assert _message(production, consumption, key, "numba") == numpy_message
    assert _message(production, consumption, key, "auto") == numpy_message


def test_several_producers_are_checked_one_by_one():
    prod = np.array([[3.0, 1.0], [2.0, 0.0]])
    cons = np.array([[1.0, 2.0], [4.0, 0.5]])
    for key in (al.StaticKey([0.5, 0.5]), al.PriorityKey([1, 0]), al.ProrataKey()):
        a = al.allocate(prod, cons, key, engine="numpy")
        b = al.allocate(prod, cons, key, engine="numba")
        for field in ("allocated_kwh", "surplus_kwh", "grid_import_kwh", "producer_allocated_kwh"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    bad = prod.copy()
    bad[1, 1] = -1.0
    assert (
        _message(bad, cons, al.ProrataKey(), "numba")
        == _message(bad, cons, al.ProrataKey(), "numpy")
        == "production_kwh: negative value -1 at index (1, 1); expected ≥ 0"
    )


@pytest.fixture
def numba_started():
    al.allocate([1.0], [[1.0]], al.ProrataKey(), engine="numba")
    assert _checked.numba_running()


@pytest.mark.parametrize(
    ("coefficients", "expected"),
    [
        ([[0.5, np.nan], [0.1, 0.2]], r"non-finite value nan at index \(0, 1\)"),
        ([[0.5, 0.2], [-0.1, 0.2]], r"negative value -0.1 at index \(1, 0\)"),
        ([[0.5, 0.7], [0.6, 0.2]], r"sum to 1.1 at index \(0,\)"),
        ([[0.5, 0.2], [0.5 + 2e-8, 0.2]], r"sum to 1.00000002 at index \(0,\)"),
    ],
)
def test_dynamic_key_compiled_check_names_the_bad_value(
    numba_started, monkeypatch, coefficients, expected
):
    with pytest.raises(DataError, match=expected) as compiled:
        al.DynamicKey(coefficients)
    monkeypatch.setattr(_checks, "numba_running", lambda: False)
    with pytest.raises(DataError) as numpy_checked:
        al.DynamicKey(coefficients)
    assert str(compiled.value) == str(numpy_checked.value)


def test_dynamic_key_compiled_copy_is_private_and_frozen(numba_started):
    coef = np.array([[0.5, 0.2], [0.5 + 1e-10, 0.3]])  # within the 1e-9 tolerance
    key = al.DynamicKey(coef)
    assert coef.flags.writeable
    coef[0, 0] = 0.9
    assert key.coefficients.tolist() == [[0.5, 0.2], [0.5 + 1e-10, 0.3]]
    assert not key.coefficients.flags.writeable


def test_auto_engine_follows_numba_state(monkeypatch):
    calls = []
    compiled = engine._allocate_compiled

    def spy(*args):
        calls.append(args)
        return compiled(*args)

    monkeypatch.setattr(engine, "_allocate_compiled", spy)
    monkeypatch.setattr(_checks, "numba_running", lambda: False)
    cold = al.allocate([2.0], [[1.0], [3.0]], al.ProrataKey())
    assert calls == []
    monkeypatch.setattr(_checks, "numba_running", lambda: True)
    warm = al.allocate([2.0], [[1.0], [3.0]], al.ProrataKey())
    assert len(calls) == 1
    np.testing.assert_array_equal(cold.allocated_kwh, warm.allocated_kwh)
    np.testing.assert_array_equal(warm.allocated_kwh, [[0.5], [1.5]])


def test_numba_running_is_false_until_a_kernel_runs():
    """A fresh process that imports the package and allocates with the default engine does not
    start numba (~0.4 s), nor even import it (the kernels' modules load on first use); the first
    compiled call does, and the flag sees it."""
    code = (
        "import sys\n"
        "import greenkommon.allocation as al\n"
        "from greenkommon.allocation import _checks\n"
        "a = al.allocate([2.0], [[1.0], [3.0]], al.StaticKey([0.5, 0.5]))\n"
        "print('numba' in sys.modules, _checks.numba_running())\n"
        "al.allocate([2.0], [[1.0], [3.0]], al.StaticKey([0.5, 0.5]), engine='numba')\n"
        "print(_checks.numba_running())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout.split()
    assert out == ["False", "False", "True"]


def test_autoprod_of_one_producer_is_summed_when_read():
    prod = np.array([4.0, 0.0, 3.0])
    cons = np.array([[1.0, 2.0, 2.0], [2.0, 1.0, 2.0]])
    for engine_name in ("numpy", "numba"):
        a = al.allocate(prod, cons, al.StaticKey([0.5, 0.5]), engine=engine_name)
        assert a.__dict__["_producer_allocated_kwh"] is None  # not computed yet
        np.testing.assert_array_equal(
            a.producer_allocated_kwh, [[3.0, 0.0, 3.0]]
        )  # 1 + 2, 1.5 + 1.5
        assert a.producer_allocated_kwh is a.producer_allocated_kwh  # computed once
    # several producers: split pro rata of injection, given at construction
    two = al.allocate(np.array([[3.0, 0.0, 1.0], [1.0, 0.0, 2.0]]), cons, al.ProrataKey())
    np.testing.assert_allclose(two.producer_allocated_kwh, [[2.25, 0.0, 1.0], [0.75, 0.0, 2.0]])


def test_priority_rescales_a_step_whose_coefficients_sum_above_one():
    # served 2, 1, 0: A = [0.34…, 1.456…, 1.338…] of P = 6.0577…, whose α = A / P sum to
    # 1 + 2⁻⁵² in floating point; the uploaded key is divided by that sum (both engines)
    prod = np.array([6.057767684800868, 1.0])
    cons = np.array(
        [[4.250141021274502, 1.0], [1.4563036241219385, 1.0], [1.3375848620263975, 1.0]]
    )
    order = [2, 1, 0]
    strategy = _old(_kernels.priority_kernel, prod, np.array(order), cons)[0]
    assert (strategy[:, 0] / prod[0]).sum() > 1.0
    a = al.allocate(prod, cons, al.PriorityKey(order), engine="numpy")
    b = al.allocate(prod, cons, al.PriorityKey(order), engine="numba")
    assert b.key.coefficients[:, 0].sum() <= 1.0
    np.testing.assert_array_equal(a.key.coefficients, b.key.coefficients)
    for field in ("allocated_kwh", "surplus_kwh", "grid_import_kwh", "producer_allocated_kwh"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


def test_read_only_and_strided_inputs_give_the_same_numbers():
    prod = np.array([3.0, 1.0, 0.0])
    cons = np.asfortranarray([[1.0, 2.0, 1.0], [2.5, 0.1, 0.0]])  # not C-contiguous
    prod.flags.writeable = False
    for key in (al.ProrataKey(), al.StaticKey([0.5, 0.5]), al.PriorityKey([1, 0])):
        a = al.allocate(prod, cons, key, engine="numpy")
        b = al.allocate(prod, cons, key, engine="numba")
        for field in ("allocated_kwh", "surplus_kwh", "grid_import_kwh", "producer_allocated_kwh"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
