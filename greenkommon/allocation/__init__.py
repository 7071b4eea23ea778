"""Allocation core: how the pooled production is split among the venues at every interval.

This reproduces what Enedis computes for a collective self-consumption operation (D315-4 and
D315-6 of the Code de l'énergie), exactly and fast:

* Enedis keys, applied by :func:`allocate`: :class:`StaticKey` (fixed shares),
  :class:`ProrataKey` (the default key, pro rata of consumption) and :class:`DynamicKey`
  (one coefficient per venue and interval, or per producer-venue pair: "full dynamic").
* PMO-side strategies, computed from the curves and handed to the Enedis engine as a dynamic key:
  :func:`redistributed` (fixed shares with iterative reallocation of what a satisfied venue
  leaves) and :func:`priority` (venues served in order). :class:`RedistributedKey` and
  :class:`PriorityKey` let :func:`allocate` do both steps.
* :func:`allocate_batch_kpis`: thousands of scenarios (keys or plant sizes) over the same loads,
  KPIs only, in parallel, without materialising any (N, T) array.

Arrays: ``production_kwh`` (T,) or (P, T) for P producers [kWh per interval], pooled before a
key is applied (except the full dynamic key); ``consumption_kwh`` (N, T), venue-major [kWh per
interval]. Every public function coerces to C-contiguous float64, validates (a
:class:`~greenkommon.errors.DataError`, which is a ``ValueError``, names what is wrong) and calls
a cached numba kernel of :mod:`greenkommon.allocation._kernels`; the plain-numpy twin of each
kernel is in :mod:`greenkommon.allocation.reference`.

The six quantities Enedis reports map to the :class:`Allocation` fields: PROD =
``production_kwh``, AUTOPROD = ``producer_allocated_kwh`` (Σ over producers =
``allocated_kwh.sum(0)``), SURPLUS = ``surplus_kwh``; CONS = ``consumption_kwh``, AUTOCONS =
``allocated_kwh``, COMPLEMENT = ``grid_import_kwh``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, cast

import numpy as np

from ..errors import DataError
from . import _kernels, _vector

__all__ = [
    "Allocation",
    "BatchKPIs",
    "DynamicKey",
    "PriorityKey",
    "ProrataKey",
    "RedistributedKey",
    "StaticKey",
    "allocate",
    "allocate_batch_kpis",
    "floor_coefficients",
    "priority",
    "redistributed",
]

#: Tolerance on "coefficients sum to at most 1" (floating-point sums of decimal shares).
COEFFICIENT_SUM_TOLERANCE = 1e-9


def _key_precision() -> float:
    text = resources.files("greenkommon").joinpath("data", "keys.toml").read_text("utf-8")
    return float(tomllib.loads(text)["key_precision"]["value"])


#: Resolution of an uploaded key [-]: 0.1 % (``data/keys.toml``: third-party practice,
#: acc-rules.md §1.3; UNCONFIRMED).
PERMILLE = _key_precision()


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------


def _as_array(values: Any, name: str, ndim: tuple[int, ...]) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64, order="C")
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name}: expected an array of numbers ({exc})") from None
    if arr.ndim not in ndim:
        want = " or ".join(f"{d}-D" for d in ndim)
        raise DataError(f"{name}: expected a {want} array, got shape {arr.shape}")
    return arr


def _check_finite_nonneg(arr: np.ndarray, name: str) -> None:
    # fast path, two vectorised reductions and no temporary: NaN propagates through min
    if arr.size == 0 or (arr.min() >= 0.0 and arr.max() < np.inf):
        return
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(k) for k in np.argwhere(bad)[0])
        raise DataError(
            f"{name}: non-finite value {arr[where]} at index {where}; expected finite numbers"
        )
    neg = arr < 0
    if neg.any():
        where = tuple(int(k) for k in np.argwhere(neg)[0])
        raise DataError(f"{name}: negative value {arr[where]:.6g} at index {where}; expected ≥ 0")


def _check_sum_le_one(coefficients: np.ndarray, axis: int, name: str) -> None:
    total = coefficients.sum(axis=axis)
    over = total > 1.0 + COEFFICIENT_SUM_TOLERANCE
    if np.any(over):
        where = tuple(int(k) for k in np.argwhere(np.atleast_1d(over))[0])
        value = float(np.atleast_1d(total)[where])
        at = "" if total.ndim == 0 else f" at index {where}"
        raise DataError(
            f"{name}: coefficients sum to {value:.9g}{at}; expected a sum ≤ 1 over venues"
        )


def _production(production_kwh: Any) -> np.ndarray:
    prod = _as_array(production_kwh, "production_kwh", (1, 2))
    _check_finite_nonneg(prod, "production_kwh")
    return prod


def _consumption(consumption_kwh: Any, t_len: int) -> np.ndarray:
    cons = _as_array(consumption_kwh, "consumption_kwh", (2,))
    if cons.shape[1] != t_len:
        raise DataError(
            f"consumption_kwh: shape {cons.shape} has {cons.shape[1]} steps but production_kwh has "
            f"{t_len}; expected (N venues, T steps)"
        )
    if cons.shape[0] == 0:
        raise DataError("consumption_kwh: no venue; expected shape (N ≥ 1, T)")
    _check_finite_nonneg(cons, "consumption_kwh")
    return cons


def floor_coefficients(coefficients: Any, quantum: float = PERMILLE) -> np.ndarray:
    """Floor coefficients to a multiple of ``quantum`` (0.1 % by default), as an uploaded key.

    Parameters
    ----------
    coefficients : array_like
        Coefficients [-], any shape.
    quantum : float
        Resolution [-]; 1e-3 is 0.1 %.

    Returns
    -------
    numpy.ndarray
        ``floor(coefficients / quantum) * quantum`` (a relative slack of 1e-9 quantum keeps 0.3
        at 0.3 despite its binary representation). Flooring never raises a sum above 1.

    Notes
    -----
    A third-party tool floors uploaded keys to 0.1 % "so that the sum of all keys does not exceed
    100 %" (acc-rules.md §1.3). What Enedis accepts is UNCONFIRMED.
    """
    coef = _as_array(coefficients, "coefficients", (0, 1, 2, 3))
    if not quantum > 0:
        raise DataError(f"quantum = {quantum!r}: expected > 0")
    # one vectorised expression: no numba start-up for a run that floors a static key
    return np.floor(coef / float(quantum) + 1e-9) * float(quantum)


# --------------------------------------------------------------------------------------------
# keys
# --------------------------------------------------------------------------------------------


def _freeze_coefficients(
    key: StaticKey | DynamicKey | RedistributedKey, ndim: tuple[int, ...]
) -> None:
    """Validate ``key.coefficients`` (shape, ≥ 0, Σ ≤ 1 over venues, the second-last axis of a
    full dynamic key) and replace them by a private read-only copy: the caller's array is neither
    frozen nor able to change the key."""
    name = f"{type(key).__name__}.coefficients"
    coef = _as_array(key.coefficients, name, ndim).copy()
    _check_finite_nonneg(coef, name)
    _check_sum_le_one(coef, 0 if coef.ndim == 1 else coef.ndim - 2, name)
    coef.flags.writeable = False
    object.__setattr__(key, "coefficients", coef)


@dataclass(frozen=True)
class ProrataKey:
    """Enedis's default key: pro rata of each venue's consumption in the interval.

    Notes
    -----
    .. math:: A_{i,t} = C_{i,t} \\min\\left(1, \\frac{P_t}{\\sum_k C_{k,t}}\\right),
              \\qquad A_{i,t} = 0 \\text{ if } \\sum_k C_{k,t} = 0

    References
    ----------
    Code de l'énergie, art. D315-6 al. 2 (default key, in force since 1 May 2017).
    """

    name = "prorata"


@dataclass(frozen=True, eq=False)
class StaticKey:
    """Fixed share of the pooled production per venue, capped at consumption; rest is surplus.

    Parameters
    ----------
    coefficients : array_like, shape (N,)
        Share α_i of the pooled production per venue [-], α_i ≥ 0, Σ α_i ≤ 1.

    Notes
    -----
    .. math:: A_{i,t} = \\min(\\alpha_i P_t,\\ C_{i,t}), \\qquad
              S_t = P_t - \\sum_i A_{i,t}

    Enedis does not redistribute what a venue's cap leaves (UNCONFIRMED, acc-rules.md §1.3):
    use :class:`RedistributedKey` for the PMO-side reallocation.

    References
    ----------
    Code de l'énergie, art. D315-4 (coefficient × pooled production, capped at measured
    consumption) and D315-6 al. 1 (the PMO sends the coefficients).
    """

    coefficients: np.ndarray
    name = "static"

    def __post_init__(self) -> None:
        _freeze_coefficients(self, (1,))


@dataclass(frozen=True, eq=False)
class DynamicKey:
    """The PMO's dynamic key: one coefficient per venue and interval (or per producer-venue pair).

    Parameters
    ----------
    coefficients : array_like, shape (N, T) or (P, N, T)
        α_{i,t} ("dynamique simple", applied to the pooled production) or β_{j,i,t} ("full
        dynamique", one per producer j) [-], ≥ 0, summing to ≤ 1 over venues at every step (and
        for every producer).

    Notes
    -----
    Simple: :math:`A_{i,t} = \\min(\\alpha_{i,t} P_t, C_{i,t})`.

    Full: :math:`R_{i,t} = \\sum_j \\beta_{j,i,t} P_{j,t}`, :math:`A_{i,t} = \\min(R_{i,t},
    C_{i,t})`; when the cap binds every pair (j, i) is scaled by :math:`A_{i,t}/R_{i,t}`
    (how Enedis splits a capped pair is UNCONFIRMED, acc-rules.md §1.3).

    References
    ----------
    Code de l'énergie, art. D315-4 and D315-6 al. 1.
    """

    coefficients: np.ndarray
    name = "dynamic"

    def __post_init__(self) -> None:
        _freeze_coefficients(self, (2, 3))

    @property
    def full(self) -> bool:
        """True for a "full dynamic" key (one coefficient per producer-venue pair)."""
        return self.coefficients.ndim == 3


@dataclass(frozen=True, eq=False)
class RedistributedKey:
    """PMO strategy: fixed shares, what a capped venue leaves goes to the others (see
    :func:`redistributed`); :func:`allocate` sends the result to Enedis as a dynamic key."""

    coefficients: np.ndarray
    name = "redistributed"

    def __post_init__(self) -> None:
        _freeze_coefficients(self, (1,))


@dataclass(frozen=True, eq=False)
class PriorityKey:
    """PMO strategy: venues served in ``order`` (venue indices, highest priority first), see
    :func:`priority`; :func:`allocate` sends the result to Enedis as a dynamic key."""

    order: np.ndarray
    name = "priority"

    def __post_init__(self) -> None:
        order = np.asarray(self.order)
        if order.ndim != 1 or not np.issubdtype(order.dtype, np.integer):
            raise DataError(
                f"PriorityKey.order: expected a 1-D sequence of venue indices, got {self.order!r}"
            )
        if sorted(order.tolist()) != list(range(order.size)):
            raise DataError(
                f"PriorityKey.order: {order.tolist()} is not a permutation of 0..{order.size - 1}; "
                "expected each venue index exactly once"
            )
        order = np.array(order, dtype=np.int64)  # private copy, frozen below
        order.flags.writeable = False
        object.__setattr__(self, "order", order)


Key = ProrataKey | StaticKey | DynamicKey | RedistributedKey | PriorityKey


# --------------------------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Allocation:
    """What :func:`allocate` computed, with the identities Enedis's statements satisfy.

    Attributes
    ----------
    production_kwh : numpy.ndarray, shape (T,)
        Pooled production P_t (PROD summed over producers) [kWh].
    consumption_kwh : numpy.ndarray, shape (N, T)
        Consumption C_{i,t} (CONS) [kWh].
    allocated_kwh : numpy.ndarray, shape (N, T)
        Production allocated to each venue A_{i,t} (AUTOCONS) [kWh].
    surplus_kwh : numpy.ndarray, shape (T,)
        Production not allocated S_t = P_t − Σ_i A_{i,t} (SURPLUS) [kWh].
    grid_import_kwh : numpy.ndarray, shape (N, T)
        Energy bought from each venue's supplier C_{i,t} − A_{i,t} (COMPLEMENT) [kWh].
    producer_allocated_kwh : numpy.ndarray, shape (P, T)
        Allocated production per producer (AUTOPROD) [kWh]. Except for a full dynamic key, the
        pooled allocation is split pro rata of each producer's injection (UNCONFIRMED,
        acc-rules.md §2).
    key : Key
        The key Enedis applied: the key given, or the :class:`DynamicKey` a PMO strategy
        produced (floored if asked).
    flooring_surplus_kwh : float
        Extra surplus over the whole period caused by flooring the coefficients to 0.1 % [kWh]
        (0 when not floored).
    """

    production_kwh: np.ndarray
    consumption_kwh: np.ndarray
    allocated_kwh: np.ndarray
    surplus_kwh: np.ndarray
    grid_import_kwh: np.ndarray
    producer_allocated_kwh: np.ndarray
    key: Any
    flooring_surplus_kwh: float = 0.0
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def n_venues(self) -> int:
        return self.allocated_kwh.shape[0]

    @property
    def allocated_total_kwh(self) -> np.ndarray:
        """Σ_t A_{i,t} per venue [kWh], shape (N,)."""
        if "alloc" not in self._cache:
            self._cache["alloc"] = self.allocated_kwh.sum(axis=1)
        return self._cache["alloc"]

    @property
    def self_consumption_rate(self) -> float:
        """Share of the production allocated to the venues, Σ A / Σ P [-] (NaN without production)."""
        p = float(self.production_kwh.sum())
        return float(self.allocated_total_kwh.sum()) / p if p > 0 else float("nan")

    @property
    def self_sufficiency_by_venue(self) -> np.ndarray:
        """Share of each venue's consumption covered by the plant, Σ_t A_i / Σ_t C_i [-], shape (N,)."""
        c = self.consumption_kwh.sum(axis=1)
        out = np.full(c.shape, np.nan)
        np.divide(self.allocated_total_kwh, c, out=out, where=c > 0)
        return out

    @property
    def self_sufficiency_rate(self) -> float:
        """Share of the collective consumption covered by the plant, Σ A / Σ C [-]."""
        c = float(self.consumption_kwh.sum())
        return float(self.allocated_total_kwh.sum()) / c if c > 0 else float("nan")

    def summary(self) -> dict[str, float]:
        """Totals over the period: energies [kWh] and rates [-]."""
        return {
            "production_kwh": float(self.production_kwh.sum()),
            "consumption_kwh": float(self.consumption_kwh.sum()),
            "allocated_kwh": float(self.allocated_total_kwh.sum()),
            "surplus_kwh": float(self.surplus_kwh.sum()),
            "grid_import_kwh": float(self.grid_import_kwh.sum()),
            "self_consumption_rate": self.self_consumption_rate,
            "self_sufficiency_rate": self.self_sufficiency_rate,
            "flooring_surplus_kwh": self.flooring_surplus_kwh,
        }


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


def _pool(prod: np.ndarray) -> np.ndarray:
    return prod if prod.ndim == 1 else np.ascontiguousarray(prod.sum(axis=0))


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
    return DynamicKey(_coefficients_from_allocation(prod, alloc))


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
    engine : {'auto', 'numba'}
        As in :func:`allocate` (the same numbers either way).

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
    return DynamicKey(_coefficients_from_allocation(prod, alloc))


def _check_n(coef: np.ndarray, cons: np.ndarray, name: str) -> None:
    n = coef.shape[-2] if coef.ndim >= 2 else coef.shape[0]
    if n != cons.shape[0]:
        raise DataError(
            f"{name}: {n} venue(s) but consumption_kwh has {cons.shape[0]}; expected one per venue"
        )


# --------------------------------------------------------------------------------------------
# the Enedis engine
# --------------------------------------------------------------------------------------------


#: Engines of a single-scenario allocation: ``auto`` runs the vectorisable keys in numpy
#: (:mod:`._vector`, bit-identical to the kernels, no numba start-up) and the rest in numba;
#: ``numba`` runs every key's kernel.
ENGINES = ("auto", "numba")


def _apply(prod: np.ndarray, cons: np.ndarray, key: Key, engine: str = "auto"):
    """Run the kernel of ``key``; returns (allocated, surplus, import, autoprod or None)."""
    pooled = _pool(prod)
    vector = engine == "auto"
    if vector and isinstance(key, ProrataKey):
        return (*_vector.prorata(pooled, cons), None)
    if vector and isinstance(key, StaticKey):
        _check_n(key.coefficients, cons, "StaticKey.coefficients")
        return (*_vector.static(pooled, key.coefficients, cons), None)
    if vector and isinstance(key, DynamicKey) and not key.full:
        _check_n(key.coefficients, cons, "DynamicKey.coefficients")
        if key.coefficients.shape[-1] != cons.shape[1]:
            raise DataError(
                f"DynamicKey.coefficients: {key.coefficients.shape[-1]} steps but "
                f"consumption_kwh has {cons.shape[1]}"
            )
        return (*_vector.dynamic(pooled, key.coefficients, cons), None)
    alloc = np.empty_like(cons)
    surplus = np.empty_like(pooled)
    imp = np.empty_like(cons)
    if isinstance(key, ProrataKey):
        _kernels.prorata_kernel(pooled, cons, alloc, surplus, imp)
    elif isinstance(key, StaticKey):
        _check_n(key.coefficients, cons, "StaticKey.coefficients")
        _kernels.static_kernel(pooled, key.coefficients, cons, alloc, surplus, imp)
    elif isinstance(key, DynamicKey):
        coef = key.coefficients
        _check_n(coef, cons, "DynamicKey.coefficients")
        if coef.shape[-1] != cons.shape[1]:
            raise DataError(
                f"DynamicKey.coefficients: {coef.shape[-1]} steps but consumption_kwh has {cons.shape[1]}"
            )
        if key.full:
            prod2 = prod if prod.ndim == 2 else prod[None, :]
            if coef.shape[0] != prod2.shape[0]:
                raise DataError(
                    f"DynamicKey.coefficients: {coef.shape[0]} producer(s) but production_kwh has "
                    f"{prod2.shape[0]}; expected shape (P, N, T) matching production (P, T)"
                )
            autoprod = np.empty_like(prod2)
            _kernels.full_dynamic_kernel(prod2, coef, cons, alloc, autoprod)
            _kernels._finish_step_outputs(pooled, cons, alloc, surplus, imp)
            return alloc, surplus, imp, autoprod
        _kernels.dynamic_kernel(pooled, coef, cons, alloc, surplus, imp)
    else:  # pragma: no cover - guarded by allocate()
        raise DataError(f"key: unsupported key {key!r}")
    return alloc, surplus, imp, None


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
    engine : {'auto', 'numba'}
        ``auto`` (default) runs the static, pro-rata, simple dynamic and priority keys in numpy
        (:mod:`greenkommon.allocation._vector`: the kernels' arithmetic in the same order, so
        the same numbers, without numba's start-up) and the others in numba; ``numba`` runs
        every key's compiled kernel.

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
    alloc, surplus, imp, autoprod = _apply(prod, cons, key, engine)
    flooring = 0.0
    if floor_to_permille and not isinstance(key, ProrataKey):
        floored = type(key)(floor_coefficients(key.coefficients))
        alloc, surplus2, imp, autoprod = _apply(prod, cons, floored, engine)
        flooring = float(surplus2.sum() - surplus.sum())
        surplus, key = surplus2, floored
    pooled = _pool(prod)
    if autoprod is None and prod.ndim == 1:
        # one producer: its share of the pooled injection is 1 where it injects (x / x), and
        # nothing is allocated where it does not, so AUTOPROD is the allocation's column sum
        autoprod = alloc.sum(axis=0)[None, :]
    elif autoprod is None:
        prod2 = prod
        share = np.zeros_like(prod2)
        np.divide(prod2, pooled[None, :], out=share, where=pooled[None, :] > 0)
        autoprod = share * alloc.sum(axis=0)[None, :]
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
# batched KPIs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class BatchKPIs:
    """KPIs of S scenarios evaluated by :func:`allocate_batch_kpis`.

    Attributes
    ----------
    allocated_kwh : numpy.ndarray, shape (S, N)
        Σ_t A_{i,t} per scenario and venue [kWh].
    value_eur : numpy.ndarray, shape (S, N)
        Σ_t A_{i,t} w_{i,t} with w the ``price_eur_per_kwh`` given (e.g. the avoided import
        price) [€]; zeros when no price was given.
    surplus_kwh : numpy.ndarray, shape (S,)
        Σ_t S_t per scenario [kWh].
    production_kwh : numpy.ndarray, shape (S,)
        Σ_t P_t per scenario [kWh].
    consumption_kwh : numpy.ndarray, shape (N,)
        Σ_t C_{i,t} per venue [kWh] (the same for every scenario).
    """

    allocated_kwh: np.ndarray
    value_eur: np.ndarray
    surplus_kwh: np.ndarray
    production_kwh: np.ndarray
    consumption_kwh: np.ndarray

    @property
    def self_consumption_rate(self) -> np.ndarray:
        """Σ A / Σ P per scenario [-], shape (S,) (NaN without production)."""
        out = np.full(self.production_kwh.shape, np.nan)
        np.divide(
            self.allocated_kwh.sum(axis=1),
            self.production_kwh,
            out=out,
            where=self.production_kwh > 0,
        )
        return out

    @property
    def self_sufficiency_by_venue(self) -> np.ndarray:
        """Σ_t A_i / Σ_t C_i per scenario and venue [-], shape (S, N)."""
        c = np.broadcast_to(self.consumption_kwh, self.allocated_kwh.shape)
        out = np.full(self.allocated_kwh.shape, np.nan)
        np.divide(self.allocated_kwh, c, out=out, where=c > 0)
        return out

    @property
    def self_sufficiency_rate(self) -> np.ndarray:
        """Σ A / Σ C per scenario [-], shape (S,)."""
        c = float(self.consumption_kwh.sum())
        return (
            self.allocated_kwh.sum(axis=1) / c if c > 0 else np.full(self.surplus_kwh.shape, np.nan)
        )


_BATCH_KEYS = {
    "static": _kernels.KEY_STATIC,
    "prorata": _kernels.KEY_PRORATA,
    "redistributed": _kernels.KEY_REDISTRIBUTED,
    "priority": _kernels.KEY_PRIORITY,
    "dynamic": _kernels.KEY_DYNAMIC,
}


@dataclass(frozen=True, eq=False)
class _BatchInputs:
    """Validated, broadcast arguments of a batch (shared by the kernel and its numpy twin)."""

    key: str
    production_kwh: np.ndarray  # (S or 1, T)
    production_row: np.ndarray  # (S,) int64
    production_scale: np.ndarray  # (S,)
    coefficients: np.ndarray  # (S, N) static / redistributed, else (S, N) zeros
    order: np.ndarray  # (S, N) int64 priority, or (1, N) shared by every scenario; else (1, 1)
    coefficients_by_step: np.ndarray  # (N, T) dynamic, else (1, 1)
    consumption_kwh: np.ndarray  # (N, T)
    price_eur_per_kwh: np.ndarray  # (N, T)
    with_value: bool

    @property
    def n_scenarios(self) -> int:
        return self.production_scale.shape[0]


def _batch_inputs(
    production_kwh, consumption_kwh, key, coefficients, order, peak_power_kwp, price_eur_per_kwh
) -> _BatchInputs:
    if key not in _BATCH_KEYS:
        raise DataError(f"key = {key!r}: expected one of {', '.join(map(repr, _BATCH_KEYS))}")
    prod = _as_array(production_kwh, "production_kwh", (1, 2))
    _check_finite_nonneg(prod, "production_kwh")
    prod2 = prod[None, :] if prod.ndim == 1 else prod
    t_len = prod2.shape[1]
    cons = _consumption(consumption_kwh, t_len)
    n = cons.shape[0]
    sizes = {"production_kwh": prod2.shape[0]}
    if peak_power_kwp is not None:
        if prod.ndim != 1:
            raise DataError(
                f"production_kwh: shape {prod.shape} with peak_power_kwp; expected the production per "
                "kWp, shape (T,)"
            )
        scale = _as_array(peak_power_kwp, "peak_power_kwp", (0, 1)).reshape(-1)
        _check_finite_nonneg(scale, "peak_power_kwp")
        sizes["peak_power_kwp"] = scale.shape[0]
    else:
        scale = np.ones(1)
    coef = np.zeros((1, n))
    dyn = np.zeros((1, 1))
    order_arr = np.zeros((1, 1), dtype=np.int64)
    if key in ("static", "redistributed"):
        if coefficients is None:
            raise DataError(
                f"coefficients: a {key!r} key needs coefficients of shape (S, N) or (N,)"
            )
        coef = _as_array(coefficients, "coefficients", (1, 2))
        coef = coef[None, :] if coef.ndim == 1 else coef
        if coef.shape[1] != n:
            raise DataError(
                f"coefficients: shape {coef.shape} has {coef.shape[1]} venue(s) but consumption_kwh has {n}"
            )
        _check_finite_nonneg(coef, "coefficients")
        _check_sum_le_one(coef, 1, "coefficients")
        sizes["coefficients"] = coef.shape[0]
    elif key == "dynamic":
        if coefficients is None:
            raise DataError("coefficients: a 'dynamic' key needs coefficients of shape (N, T)")
        dyn = DynamicKey(coefficients).coefficients
        if dyn.ndim != 2 or dyn.shape != cons.shape:
            raise DataError(
                f"coefficients: shape {dyn.shape}; expected (N, T) = {cons.shape} for a 'dynamic' batch"
            )
    elif coefficients is not None:
        raise DataError(f"coefficients: the {key!r} key takes none; expected coefficients=None")
    if key == "priority":
        if order is None:
            raise DataError("order: a 'priority' key needs venue orders of shape (S, N) or (N,)")
        order_arr = np.atleast_2d(np.asarray(order))
        if order_arr.ndim != 2 or order_arr.shape[1] != n:
            raise DataError(f"order: shape {order_arr.shape}; expected (S, N) or (N,) with N = {n}")
        for row_order in order_arr:
            PriorityKey(row_order)  # validates each row is a permutation
        order_arr = np.ascontiguousarray(order_arr, dtype=np.int64)
        sizes["order"] = order_arr.shape[0]
    elif order is not None:
        raise DataError(f"order: the {key!r} key takes none; expected order=None")
    n_s = max(sizes.values())
    if any(v not in (1, n_s) for v in sizes.values()):
        raise DataError(
            "scenario counts do not match: "
            + ", ".join(f"{k} has {v}" for k, v in sizes.items())
            + "; expected 1 or the same S for each"
        )
    row = np.zeros(n_s, dtype=np.int64) if prod2.shape[0] == 1 else np.arange(n_s, dtype=np.int64)
    scale = np.ascontiguousarray(np.broadcast_to(scale, (n_s,)))
    coef = np.ascontiguousarray(np.broadcast_to(coef, (n_s, n)))
    if (
        key == "priority"
        and n_s > 1
        and order_arr.shape[0] > 1
        and (order_arr == order_arr[0]).all()
    ):
        order_arr = np.ascontiguousarray(order_arr[:1])  # one shared order: the kernel's fast path
    with_value = price_eur_per_kwh is not None
    if not with_value:
        price = np.zeros((n, t_len))
    else:
        price = _as_array(price_eur_per_kwh, "price_eur_per_kwh", (0, 1, 2))
        if price.ndim == 1:
            if price.shape[0] != n:
                raise DataError(
                    f"price_eur_per_kwh: {price.shape[0]} values; expected one per venue ({n}) or shape (N, T)"
                )
            price = price[:, None]
        try:
            price = np.ascontiguousarray(np.broadcast_to(price, (n, t_len)))
        except ValueError:
            raise DataError(
                f"price_eur_per_kwh: shape {price.shape}; expected (), (N,) or (N, T) = ({n}, {t_len})"
            ) from None
        if not np.isfinite(price).all():
            raise DataError("price_eur_per_kwh: non-finite value; expected finite prices")
    return _BatchInputs(key, prod2, row, scale, coef, order_arr, dyn, cons, price, with_value)


def allocate_batch_kpis(
    production_kwh: Any,
    consumption_kwh: Any,
    key: str = "static",
    coefficients: Any = None,
    *,
    order: Any = None,
    peak_power_kwp: Any = None,
    price_eur_per_kwh: Any = None,
    method: str = "auto",
) -> BatchKPIs:
    """Evaluate S scenarios (keys or plant sizes) over the same loads, KPIs only, in parallel.

    Nothing of shape (N, T) is materialised per scenario: each scenario's allocation is summed
    on the fly, blocks of scenarios run in one ``prange``. Used by sweeps and by uncertainty
    (P50/P90) runs.

    Parameters
    ----------
    production_kwh : array_like, shape (T,) or (S, T)
        Pooled production per interval [kWh], the same for every scenario (T,) or one row per
        scenario (S, T). With ``peak_power_kwp``: the production per kWp [kWh/kWp], shape (T,).
    consumption_kwh : array_like, shape (N, T)
        Consumption per venue and interval [kWh].
    key : {'static', 'prorata', 'redistributed', 'priority', 'dynamic'}
        Rule applied at every interval (see :class:`StaticKey`, :class:`ProrataKey`,
        :func:`redistributed`, :func:`priority`, :class:`DynamicKey`).
    coefficients : array_like, optional
        Static and redistributed keys: shares per scenario [-], shape (S, N) or (N,). Dynamic
        key: one (N, T) key shared by every scenario (sweep plant sizes or production years
        under it).
    order : array_like of int, shape (S, N) or (N,), optional
        Priority key: venue indices, highest priority first, per scenario.
    peak_power_kwp : array_like, shape (S,), optional
        Plant size per scenario [kWp]; production of scenario s = ``production_kwh *
        peak_power_kwp[s]``.
    price_eur_per_kwh : float or array_like, shape (N,) or (N, T), optional
        Weight of each allocated kWh (typically the avoided import price) [€/kWh], so money KPIs
        need no (N, T) output.
    method : {'auto', 'direct', 'breakpoints'}
        ``direct`` runs the rule at every interval for every scenario (blocks of scenarios in
        one ``prange``). ``breakpoints`` (static, prorata and dynamic keys over one production
        curve) sorts each venue's breakpoints once and reads every scenario in O(N log T): see
        Notes. ``auto`` picks ``breakpoints`` where it applies.

    Returns
    -------
    BatchKPIs

    Notes
    -----
    S is the common length of the scenario axes given (``production_kwh`` rows,
    ``peak_power_kwp``, ``coefficients`` or ``order`` rows); an axis of length 1 is broadcast.
    Scenario s computes, at every t, :math:`A^s_{i,t}` by the key, then
    :math:`\\sum_t A^s_{i,t}`, :math:`\\sum_t A^s_{i,t} w_{i,t}` and
    :math:`\\sum_t (P^s_t - \\sum_i A^s_{i,t})`; the totals equal those of :func:`allocate`.

    Sorted breakpoints: with one production curve :math:`P_t` scaled by :math:`\\sigma_s`, each
    term of the static, pro-rata and dynamic keys is a capped line in one scalar :math:`x`,
    :math:`A_{i,t}(x) = \\min(x u_{i,t}, c_{i,t})` with :math:`c_{i,t} = C_{i,t}` and

    - static: :math:`x = \\alpha_{s,i} \\sigma_s`, :math:`u_{i,t} = P_t`;
    - dynamic: :math:`x = \\sigma_s`, :math:`u_{i,t} = \\alpha_{i,t} P_t`;
    - pro rata: :math:`x = \\sigma_s`, :math:`u_{i,t} = C_{i,t} P_t / \\sum_k C_{k,t}`.

    With the breakpoints :math:`b_{i,t} = c_{i,t} / u_{i,t}` sorted once per venue,
    :math:`\\sum_t A_{i,t}(x) = \\sum_{b_{i,t} \\le x} c_{i,t} + x \\sum_{b_{i,t} > x} u_{i,t}`
    (and the same with weights :math:`w_{i,t}`), a binary search per scenario and venue. The
    surplus is :math:`\\sigma_s \\sum_t P_t - \\sum_i \\sum_t A_{i,t}` (Σ_i A_{i,t} ≤ P_t for these
    keys). Exact up to the order of floating-point summation.

    References
    ----------
    Code de l'énergie, art. D315-4 and D315-6.

    Examples
    --------
    >>> k = allocate_batch_kpis([100.0], [[10.0], [30.0], [40.0], [50.0]], "static",
    ...                         [[0.25] * 4, [0.1, 0.3, 0.3, 0.3]])
    >>> k.surplus_kwh.tolist()
    [15.0, 0.0]
    """
    if method not in ("auto", "direct", "breakpoints"):
        raise DataError(f"method = {method!r}: expected 'auto', 'direct' or 'breakpoints'")
    b = _batch_inputs(
        production_kwh, consumption_kwh, key, coefficients, order, peak_power_kwp, price_eur_per_kwh
    )
    n_s, n = b.n_scenarios, b.consumption_kwh.shape[0]
    by_breakpoints = key in ("static", "prorata", "dynamic") and b.production_kwh.shape[0] == 1
    if method == "breakpoints" and not by_breakpoints:
        raise DataError(
            f"method = 'breakpoints': needs a static, prorata or dynamic key and one production "
            f"curve; got key {key!r} with {b.production_kwh.shape[0]} production rows"
        )
    production_total = b.production_kwh.sum(axis=1)[b.production_row] * b.production_scale
    if by_breakpoints and method != "direct":
        allocated, value = _batch_by_breakpoints(b)
        return BatchKPIs(
            allocated_kwh=allocated,
            value_eur=value,
            surplus_kwh=np.maximum(production_total - allocated.sum(axis=1), 0.0),
            production_kwh=production_total,
            consumption_kwh=b.consumption_kwh.sum(axis=1),
        )
    allocated = np.empty((n_s, n))
    value = np.empty((n_s, n))
    surplus = np.empty(n_s)
    _kernels.batch_kpis_kernel(
        b.production_kwh,
        b.production_row,
        b.production_scale,
        _BATCH_KEYS[key],
        np.ascontiguousarray(b.coefficients.T),
        b.order,
        b.coefficients_by_step,
        b.consumption_kwh,
        b.price_eur_per_kwh,
        b.with_value,
        allocated,
        value,
        surplus,
    )
    return BatchKPIs(
        allocated_kwh=allocated,
        value_eur=value,
        surplus_kwh=surplus,
        production_kwh=production_total,
        consumption_kwh=b.consumption_kwh.sum(axis=1),
    )


def _batch_by_breakpoints(b: _BatchInputs) -> tuple[np.ndarray, np.ndarray]:
    """(S, N) allocated energy and value by sorted breakpoints (see :func:`allocate_batch_kpis`)."""
    cons = b.consumption_kwh
    n, t_len = cons.shape
    p = b.production_kwh[0]
    if b.key == "static":
        slope = np.ascontiguousarray(np.broadcast_to(p, (n, t_len)))
        x = b.coefficients * b.production_scale[:, None]
    elif b.key == "dynamic":
        slope = b.coefficients_by_step * p
        x = np.repeat(b.production_scale[:, None], n, axis=1)
    else:  # prorata
        # u = (C_i / ΣC) P: the share C_i / ΣC ≤ 1 cannot overflow, unlike P / ΣC when ΣC is
        # subnormal
        total = cons.sum(axis=0)
        share = np.divide(cons, total, out=np.zeros_like(cons), where=total > 0)
        slope = share * p
        x = np.repeat(b.production_scale[:, None], n, axis=1)
    bp = np.empty((n, t_len))
    cum_cap, suf_slope, cum_wcap, suf_wslope = (np.empty((n, t_len + 1)) for _ in range(4))
    _kernels.breakpoint_tables(
        np.ascontiguousarray(slope),
        cons,
        b.price_eur_per_kwh,
        bp,
        cum_cap,
        suf_slope,
        cum_wcap,
        suf_wslope,
    )
    allocated = np.empty(x.shape)
    value = np.empty(x.shape)
    _kernels.breakpoint_kpis_kernel(
        bp, cum_cap, suf_slope, cum_wcap, suf_wslope, np.ascontiguousarray(x), allocated, value
    )
    if not b.with_value:
        value[:] = 0.0
    return allocated, value
