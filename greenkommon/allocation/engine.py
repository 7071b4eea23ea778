"""The Enedis engine (:func:`allocate`) and the PMO strategies it replays as a dynamic key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np

from ..errors import DataError
from . import _checks, _vector
from ._checks import _check_n, _consumption, _pool, _production
from ._lazy import lazy_module
from .keys import (
    DynamicKey,
    Key,
    PriorityKey,
    ProrataKey,
    RedistributedKey,
    StaticKey,
    _strategy_key,
    floor_coefficients,
)
from .result import Allocation

# numba only when a kernel runs (see _lazy): a process allocating in numpy never imports it
_checked = lazy_module(f"{__package__}._checked")
_kernels = lazy_module(f"{__package__}._kernels")

# --------------------------------------------------------------------------------------------
# PMO strategies → dynamic key
# --------------------------------------------------------------------------------------------


def _coefficients_from_allocation(pooled: np.ndarray, allocated: np.ndarray) -> np.ndarray:
    # alpha_{i,t} = A_{i,t} / P_t (0 when nothing is produced): what the PMO uploads.
    coef = np.zeros_like(allocated)
    np.divide(allocated, pooled[None, :], out=coef, where=pooled[None, :] > 0)
    # A_i ≤ P only up to rounding: keep the uploaded key valid (Σ ≤ 1).
    total = coef.sum(axis=0)
    over = total > 1.0
    if over.any():
        coef[:, over] /= total[over]
    return coef


def redistributed(production_kwh: Any, consumption_kwh: Any, coefficients: Any) -> DynamicKey:
    """The dynamic key of the PMO strategy "fixed shares with redistribution".

    Parameters
    ----------
    production_kwh : array_like, shape (T,) or (P, T)
        Injection [kWh per interval]; several producers are pooled.
    consumption_kwh : array_like, shape (N, T)
        Consumption [kWh per interval].
    coefficients : array_like, shape (N,)
        Base shares α_i [-], ≥ 0, Σ ≤ 1.

    Returns
    -------
    DynamicKey
        α_{i,t} = A_{i,t} / P_t (0 where P_t = 0), which the Enedis engine turns back into A.

    Notes
    -----
    Round 1: :math:`A_i = \\min(\\alpha_i P, C_i)`; the leftover
    :math:`L = \\sum_i (\\alpha_i P - A_i)` is shared among the still-unsatisfied venues
    :math:`U = \\{i: A_i < C_i, \\alpha_i > 0\\}` pro rata of their coefficients,
    :math:`A_i \\leftarrow \\min(C_i, A_i + L \\alpha_i / \\sum_{k \\in U} \\alpha_k)`, and again
    with what the newly capped venues leave, until L = 0 or U is empty (≤ N rounds). With
    Σ α < 1 the unshared part (1 − Σ α) P stays surplus: only what capped venues leave is
    redistributed. Third-party PMO tools compute this (acc-rules.md §1.2, §1.3 item 5).

    References
    ----------
    Code de l'énergie, art. D315-4 and D315-6 al. 1 (the PMO sends per-interval coefficients or
    their method of calculation).
    """
    prod = _pool(_production(production_kwh))
    cons = _consumption(consumption_kwh, prod.shape[-1])
    key = RedistributedKey(coefficients)
    _check_n(key.coefficients, cons, "RedistributedKey.coefficients")
    alloc = np.empty_like(cons)
    _kernels.redistributed_kernel(
        prod, key.coefficients, cons, alloc, np.empty(prod.shape), np.empty_like(cons)
    )
    return _strategy_key(_coefficients_from_allocation(prod, alloc))  # fresh, valid by construction


def priority(
    production_kwh: Any,
    consumption_kwh: Any,
    order: Sequence[int] | np.ndarray,
    *,
    engine: str = "auto",
) -> DynamicKey:
    """The dynamic key of the PMO strategy "priority": venues served in ``order``.

    Parameters
    ----------
    production_kwh : array_like, shape (T,) or (P, T)
        Injection [kWh per interval]; several producers are pooled.
    consumption_kwh : array_like, shape (N, T)
        Consumption [kWh per interval].
    order : sequence of int
        Venue indices, highest priority first, each exactly once.
    engine : {'auto', 'numba', 'numpy'}
        ``numba`` runs the kernel, the others numpy (the same numbers either way).

    Returns
    -------
    DynamicKey

    Notes
    -----
    With :math:`L_0 = P_t` and venues :math:`o_1, o_2, \\dots`:
    :math:`A_{o_k,t} = \\min(C_{o_k,t}, L_{k-1})`, :math:`L_k = L_{k-1} - A_{o_k,t}`.
    Worked example (doc.plein-soleil.org, acc-rules.md §1.6): P = 1, C = [0.4, 0.8], B first →
    A = [0.4, 0.6].

    References
    ----------
    Code de l'énergie, art. D315-4 and D315-6 al. 1.
    """
    prod = _pool(_production(production_kwh))
    cons = _consumption(consumption_kwh, prod.shape[-1])
    key = PriorityKey(cast(np.ndarray, order))  # __post_init__ validates and converts any sequence
    _check_n(key.order, cons, "PriorityKey.order")
    if engine == "numba":
        alloc = np.empty_like(cons)
        _kernels.priority_kernel(
            prod, key.order, cons, alloc, np.empty(prod.shape), np.empty_like(cons)
        )
    else:
        alloc = _vector.priority(prod, key.order, cons)[0]
    return _strategy_key(_coefficients_from_allocation(prod, alloc))  # fresh, valid by construction


# --------------------------------------------------------------------------------------------
# the Enedis engine
# --------------------------------------------------------------------------------------------


#: Engines of a single-scenario allocation: ``numpy`` runs the vectorisable keys in numpy
#: (:mod:`._vector`, bit-identical to the kernels, no numba start-up) and the rest in numba;
#: ``numba`` runs the kernels that validate as they compute (:mod:`._checked`; a full dynamic
#: key, the kernel of :mod:`._kernels`); ``auto`` is ``numba`` in a process where numba already
#: runs, else ``numpy``.
ENGINES = ("auto", "numba", "numpy")


def _apply(prod: np.ndarray, cons: np.ndarray, key: Key):
    """The numpy engine of ``key`` (the full dynamic key's kernel); returns (allocated, surplus,
    import, AUTOPROD or None)."""
    pooled = _pool(prod)
    if isinstance(key, ProrataKey):
        return (*_vector.prorata(pooled, cons), None)
    if isinstance(key, StaticKey):
        _check_n(key.coefficients, cons, "StaticKey.coefficients")
        return (*_vector.static(pooled, key.coefficients, cons), None)
    if not isinstance(key, DynamicKey):  # pragma: no cover - guarded by allocate()
        raise DataError(f"key: unsupported key {key!r}")
    coef = key.coefficients
    _check_n(coef, cons, "DynamicKey.coefficients")
    if coef.shape[-1] != cons.shape[1]:
        raise DataError(
            f"DynamicKey.coefficients: {coef.shape[-1]} steps but consumption_kwh has {cons.shape[1]}"
        )
    if not key.full:
        return (*_vector.dynamic(pooled, coef, cons), None)
    prod2 = prod if prod.ndim == 2 else prod[None, :]
    if coef.shape[0] != prod2.shape[0]:
        raise DataError(
            f"DynamicKey.coefficients: {coef.shape[0]} producer(s) but production_kwh has "
            f"{prod2.shape[0]}; expected shape (P, N, T) matching production (P, T)"
        )
    alloc = np.empty_like(cons)
    surplus = np.empty_like(pooled)
    imp = np.empty_like(cons)
    autoprod = np.empty_like(prod2)
    _kernels.full_dynamic_kernel(prod2, coef, cons, alloc, autoprod)
    _kernels._finish_step_outputs(pooled, cons, alloc, surplus, imp)
    return alloc, surplus, imp, autoprod


def allocate(
    production_kwh: Any,
    consumption_kwh: Any,
    key: Key,
    *,
    floor_to_permille: bool = False,
    engine: str = "auto",
) -> Allocation:
    """Split the pooled production among the venues at every interval, as Enedis does.

    Parameters
    ----------
    production_kwh : array_like, shape (T,) or (P, T)
        Energy injected per interval by the plant, or by each of P producers [kWh].
    consumption_kwh : array_like, shape (N, T)
        Energy withdrawn per venue and interval [kWh].
    key : ProrataKey, StaticKey, DynamicKey, RedistributedKey or PriorityKey
        The sharing key. PMO strategies are first turned into a :class:`DynamicKey`.
    floor_to_permille : bool
        Floor the uploaded coefficients to 0.1 % (static, dynamic and PMO strategies; the default
        key is computed by Enedis and never floored) and report the extra surplus in
        ``flooring_surplus_kwh``.
    engine : {'auto', 'numba', 'numpy'}
        ``numba`` runs the compiled kernel of the key with the checks of the consumption and
        production fused into its pass (:mod:`greenkommon.allocation._checked`; a PMO strategy
        and its replay as a dynamic key in one kernel). ``numpy`` runs the static, pro-rata,
        simple dynamic and priority keys in numpy (:mod:`greenkommon.allocation._vector`: the
        kernels' arithmetic in the same order, so the same numbers, without numba's start-up
        of ~0.4 s in a fresh process) and the others in numba. ``auto`` (default) is ``numba``
        in a process where numba already runs (a sweep, the uncertainty loop, the web server),
        ``numpy`` otherwise. Every engine gives the same floating-point numbers.

    Returns
    -------
    Allocation

    Raises
    ------
    DataError
        Shapes that do not match, negative or non-finite energies or coefficients, coefficients
        summing to more than 1, an unknown key.

    Notes
    -----
    At every interval t, with the pooled production :math:`P_t = \\sum_j P_{j,t}`:

    .. math::
        0 \\le A_{i,t} \\le C_{i,t}, \\qquad \\sum_i A_{i,t} \\le P_t, \\qquad
        S_t = P_t - \\sum_i A_{i,t}, \\qquad G_{i,t} = C_{i,t} - A_{i,t}

    and :math:`A_{i,t}` follows the key (see each key's Notes). Producer split of a pooled
    allocation: :math:`AUTOPROD_{j,t} = (P_{j,t}/P_t) \\sum_i A_{i,t}` (UNCONFIRMED).

    References
    ----------
    Code de l'énergie, art. D315-4 (« à chaque pas de mesure … la quantité affectée à chacun de ces
    consommateurs ne peut être supérieure à sa consommation mesurée ») and D315-6 (PMO
    coefficients; default key pro rata of consumption).

    Examples
    --------
    >>> a = allocate([100.0], [[10.0], [30.0], [40.0], [50.0]], StaticKey([0.25] * 4))
    >>> a.allocated_kwh[:, 0].tolist(), a.surplus_kwh.tolist()
    ([10.0, 25.0, 25.0, 25.0], [15.0])
    """
    if engine not in ENGINES:
        raise DataError(f"engine = {engine!r}: expected one of {', '.join(ENGINES)}")
    if engine == "numba" or (engine == "auto" and _checks.numba_running()):
        result = _allocate_compiled(production_kwh, consumption_kwh, key, floor_to_permille)
        if result is not None:
            return result
    # The checked path: validates with numpy first, so it also names what the compiled path
    # found wrong (it returns None on any bad argument and this path raises the one-line error).
    prod = _production(production_kwh)
    cons = _consumption(consumption_kwh, prod.shape[-1])
    if isinstance(key, RedistributedKey):
        key = redistributed(prod, cons, key.coefficients)
    elif isinstance(key, PriorityKey):
        key = priority(prod, cons, key.order, engine=engine)
    elif not isinstance(key, ProrataKey | StaticKey | DynamicKey):
        raise DataError(
            f"key: {key!r} is not an allocation key; expected ProrataKey(), StaticKey(coefficients), "
            "DynamicKey(coefficients), RedistributedKey(coefficients) or PriorityKey(order)"
        )
    return _result(
        prod,
        _pool(prod),
        cons,
        key,
        _apply(prod, cons, key),
        floor_to_permille,
        lambda floored: _apply(prod, cons, floored),
    )


def _result(
    prod: np.ndarray,
    pooled: np.ndarray,
    cons: np.ndarray,
    key: ProrataKey | StaticKey | DynamicKey,
    outputs: tuple,
    floor_to_permille: bool,
    apply: Callable[[Key], tuple],
) -> Allocation:
    """The :class:`Allocation` of the applied ``key``'s ``outputs`` (allocated, surplus, import,
    AUTOPROD or None), after flooring the key and applying it again with ``apply`` if asked."""
    alloc, surplus, imp, autoprod = outputs
    flooring = 0.0
    if floor_to_permille and not isinstance(key, ProrataKey):
        floored = type(key)(floor_coefficients(key.coefficients))
        alloc, floored_surplus, imp, autoprod = apply(floored)
        flooring = float(floored_surplus.sum() - surplus.sum())
        surplus, key = floored_surplus, floored
    if autoprod is None and prod.ndim == 2:
        autoprod = _producer_split(prod, pooled, alloc)
    # one producer: None, and Allocation sums Σ_i A_{i,t} when AUTOPROD is read
    return Allocation(
        production_kwh=pooled,
        consumption_kwh=cons,
        allocated_kwh=alloc,
        surplus_kwh=surplus,
        grid_import_kwh=imp,
        producer_allocated_kwh=autoprod,
        key=key,
        flooring_surplus_kwh=flooring,
    )


# --------------------------------------------------------------------------------------------
# the compiled engine: validation fused into the kernels' pass
# --------------------------------------------------------------------------------------------


def _allocate_compiled(
    production_kwh: Any, consumption_kwh: Any, key: Key, floor_to_permille: bool
) -> Allocation | None:
    """:func:`allocate` by the kernels of :mod:`._checked`; None if an argument is bad (the
    numpy-checked path then raises its one-line error) or the key is a full dynamic one."""
    if not isinstance(key, _COMPILED_KEYS) or (isinstance(key, DynamicKey) and key.full):
        return None
    try:
        prod = np.asarray(production_kwh, dtype=np.float64, order="C")
        cons = np.asarray(consumption_kwh, dtype=np.float64, order="C")
    except (TypeError, ValueError):
        return None
    if prod.ndim not in (1, 2) or cons.ndim != 2 or cons.shape[1] != prod.shape[-1]:
        return None
    n, t_len = cons.shape
    if n == 0:
        return None
    check_production = prod.ndim == 1
    if check_production:
        pooled = prod
    elif prod.size == 0 or (prod.min() >= 0.0 and prod.max() < np.inf):
        pooled = _pool(prod)  # the producers are checked, not their sum (it may overflow)
    else:
        return None
    outputs = _apply_compiled(pooled, cons, key, check_production)
    if outputs is None:
        return None

    def apply_floored(floored: Key) -> tuple:
        again = _apply_compiled(pooled, cons, floored, False)
        assert again is not None  # the arguments passed the checks above
        return (*again[1:], None)

    return _result(
        prod, pooled, cons, outputs[0], (*outputs[1:], None), floor_to_permille, apply_floored
    )


_COMPILED_KEYS = (ProrataKey, StaticKey, DynamicKey, RedistributedKey, PriorityKey)


def _apply_compiled(
    pooled: np.ndarray, cons: np.ndarray, key: Key, check_production: bool
) -> tuple[ProrataKey | StaticKey | DynamicKey, np.ndarray, np.ndarray, np.ndarray] | None:
    """(key applied, allocated, surplus, import) by the checked kernel of ``key``, or None if a
    shape does not match or a value is bad."""
    n, t_len = cons.shape
    alloc = np.empty((n, t_len))
    surplus = np.empty(t_len)
    imp = np.empty((n, t_len))
    outs = (alloc, surplus, imp)
    applied: ProrataKey | StaticKey | DynamicKey
    if isinstance(key, ProrataKey):
        applied = key
        code = _checked.prorata_checked(pooled, cons, check_production, *outs)
    elif isinstance(key, StaticKey | RedistributedKey) and key.coefficients.shape != (n,):
        return None
    elif isinstance(key, StaticKey):
        applied = key
        code = _checked.static_checked(pooled, key.coefficients, cons, check_production, *outs)
    elif isinstance(key, DynamicKey):
        if key.coefficients.shape != (n, t_len):
            return None
        applied = key
        code = _checked.dynamic_checked(pooled, key.coefficients, cons, check_production, *outs)
    elif isinstance(key, PriorityKey):
        if key.order.shape != (n,):
            return None
        coef = np.empty((n, t_len))
        code = _checked.priority_checked(pooled, key.order, cons, check_production, coef, *outs)
        applied = _strategy_key(coef)
    else:  # RedistributedKey: its rounds, then the replay of α = A / P
        strategy = np.empty((n, t_len))
        # ``surplus`` and ``imp`` are scratch here: the replay overwrites them
        _kernels.redistributed_kernel(pooled, key.coefficients, cons, strategy, surplus, imp)
        coef = np.empty((n, t_len))
        code = _checked.replay_checked(pooled, strategy, cons, check_production, coef, *outs)
        applied = _strategy_key(coef)
    if code != 0:
        return None
    return applied, alloc, surplus, imp


def _producer_split(prod: np.ndarray, pooled: np.ndarray, alloc: np.ndarray) -> np.ndarray:
    # AUTOPROD_{j,t} = (P_{j,t} / P_t) Σ_i A_{i,t}, 0 where nothing is injected
    share = np.zeros_like(prod)
    np.divide(prod, pooled[None, :], out=share, where=pooled[None, :] > 0)
    return share * alloc.sum(axis=0)[None, :]
