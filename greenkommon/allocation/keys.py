"""The sharing keys Enedis applies (static, pro rata, dynamic) and the PMO strategies'
(redistributed, priority), with the 0.1 % flooring of an uploaded key."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from ..errors import DataError
from . import _checks
from ._checks import (
    COEFFICIENT_SUM_TOLERANCE,
    _as_array,
    _check_finite_nonneg,
    _check_sum_le_one,
)
from ._lazy import lazy_module

_checked = lazy_module(f"{__package__}._checked")  # numba only when a kernel runs (_lazy)


def _key_precision() -> float:
    text = resources.files("greenkommon").joinpath("data", "keys.toml").read_text("utf-8")
    return float(tomllib.loads(text)["key_precision"]["value"])


#: Resolution of an uploaded key [-]: 0.1 % (``data/keys.toml``: third-party practice,
#: acc-rules.md §1.3; UNCONFIRMED).
PERMILLE = _key_precision()


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
    coef = _as_array(key.coefficients, name, ndim)
    if coef.ndim == 2 and _checks.numba_running():
        # one compiled pass copies and checks a per-step key; on a bad value the numpy checks
        # below name it
        copy = np.empty(coef.shape)
        if _checked.copy_checked_coefficients(coef, copy, 1.0 + COEFFICIENT_SUM_TOLERANCE):
            copy.flags.writeable = False
            object.__setattr__(key, "coefficients", copy)
            return
    coef = coef.copy()
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


def _strategy_key(coefficients: np.ndarray) -> DynamicKey:
    """The :class:`DynamicKey` of a PMO strategy, from the coefficients a kernel just wrote.

    They are ≥ 0, finite and sum to ≤ 1 at every step by construction (alpha = A / P with
    0 ≤ A ≤ P, rescaled where rounding took the sum above 1), and nobody else holds them: no
    copy, no second check.
    """
    key = object.__new__(DynamicKey)
    coefficients.flags.writeable = False
    object.__setattr__(key, "coefficients", coefficients)
    return key


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
