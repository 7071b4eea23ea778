"""Inputs of the optimiser: checked energies, price matrices, the problem and the result types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import allocation
from ..errors import DataError
from ._solver import SolveStats


def _check_energy(production_kwh: Any, consumption_kwh: Any) -> tuple[np.ndarray, np.ndarray]:
    p = np.ascontiguousarray(production_kwh, dtype=float)
    c = np.ascontiguousarray(consumption_kwh, dtype=float)
    if p.ndim != 1:
        raise DataError(f"production_kwh: expected shape (T,), got {p.shape}")
    if c.ndim != 2 or c.shape[1] != p.shape[0]:
        raise DataError(f"consumption_kwh: expected shape (N, T={p.shape[0]}), got {c.shape}")
    for name, a in (("production_kwh", p), ("consumption_kwh", c)):
        if not np.isfinite(a).all():
            raise DataError(
                f"{name}: {int((~np.isfinite(a)).sum())} non-finite value(s); expected energies [kWh] >= 0"
            )
        if (a < 0).any():
            raise DataError(
                f"{name}: {int((a < 0).sum())} negative value(s), min {a.min():.6g}; expected energies [kWh] >= 0"
            )
    return p, c


def _price_matrix(value: Any, n: int, t: int, name: str, per_venue_ok: bool = True) -> np.ndarray:
    """Broadcast a price given as scalar, (T,), (N,) or (N, T) to (N, T) [€/kWh] ((N,) if N == T)."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        out = np.full((n, t), float(a))
    elif a.ndim == 1 and per_venue_ok and a.shape[0] == n:
        # per venue wins when N == T (a one-interval or tiny test problem)
        out = np.repeat(a[:, None], t, axis=1)
    elif a.ndim == 1 and a.shape[0] == t:
        out = np.broadcast_to(a, (n, t)).copy()
    elif a.ndim == 2 and a.shape == (n, t):
        out = a.copy()
    else:
        shapes = "scalar, (T,), (N,) or (N, T)" if per_venue_ok else "scalar or (T,)"
        raise DataError(f"{name}: expected a {shapes} array with N={n}, T={t}; got shape {a.shape}")
    if not np.isfinite(out).all():
        raise DataError(f"{name}: non-finite price(s); expected [€/kWh]")
    return out


def prorata_allocation(production_kwh: np.ndarray, consumption_kwh: np.ndarray) -> np.ndarray:
    """Enedis default key: ``A_it = C_it min(1, P_t / Σ_k C_kt)`` [kWh] (D315-6), shape (N, T).

    Computed by :func:`greenkommon.allocation.allocate`.
    """
    alloc = allocation.allocate(production_kwh, consumption_kwh, allocation.ProrataKey())
    return np.asarray(alloc.allocated_kwh)


def key_from_coefficients(coefficients: Any) -> Any:
    """The allocation key of coefficients: static (N,), dynamic (N, T), the default key for None."""
    if coefficients is None:
        return allocation.ProrataKey()
    k = np.asarray(coefficients, dtype=float)
    return allocation.StaticKey(k) if k.ndim == 1 else allocation.DynamicKey(k)


def simulate_key(
    production_kwh: np.ndarray, consumption_kwh: np.ndarray, coefficients: np.ndarray
) -> np.ndarray:
    """Energy allocated by a static (N,) or dynamic (N, T) key: ``min(k P, C)`` [kWh] (D315-4).

    Computed by :func:`greenkommon.allocation.allocate` (the allocation stage's numba core).
    """
    key = key_from_coefficients(coefficients)
    return np.asarray(allocation.allocate(production_kwh, consumption_kwh, key).allocated_kwh)


@dataclass
class KeyResult:
    """An optimised key and what it is worth.

    Attributes
    ----------
    coefficients : numpy.ndarray
        Optimal coefficients before rounding: (N,) static, (N, T) dynamic [-].
    objective_eur : float
        Collective value of the optimiser's key: ``Σ_it (p_it − s_t) A_it`` [€/yr] (plus, with
        sizing, surplus value minus annualised cost of the plant).
    savings_eur : numpy.ndarray
        Savings of each venue against no operation at the internal price:
        ``Σ_t (p_it − q_it) A_it − fixed_i`` [€/yr].
    prorata_savings_eur, prorata_objective_eur
        The same for Enedis's default pro-rata key.
    model : str
        ``'static'``, ``'dynamic'`` or ``'sizing'``.
    fairness : tuple of str
    peak_power_kwp : float or None
        Chosen plant size (sizing only) [kWp].
    min_relative_saving : float or None
        Optimal minimum of ``savings_i / bill_without_i`` (``maxmin`` only) [-].
    stats : SolveStats
    """

    coefficients: np.ndarray
    objective_eur: float
    savings_eur: np.ndarray
    prorata_savings_eur: np.ndarray
    prorata_objective_eur: float
    model: str
    fairness: tuple[str, ...] = ()
    peak_power_kwp: float | None = None
    min_relative_saving: float | None = None
    stats: SolveStats = field(default_factory=SolveStats)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Problem:
    production_kwh: np.ndarray
    consumption_kwh: np.ndarray
    w: np.ndarray  # value of an allocated kWh for the collective (N, T) [€/kWh]
    v: np.ndarray  # saving of an allocated kWh for the venue (N, T) [€/kWh]
    fixed_eur: np.ndarray
    bill_without_eur: np.ndarray
    names: list[str]

    def savings(self, allocated_kwh: np.ndarray) -> np.ndarray:
        return (self.v * allocated_kwh).sum(axis=1) - self.fixed_eur

    def value(self, allocated_kwh: np.ndarray) -> float:
        return float((self.w * allocated_kwh).sum())


def _problem(
    production_kwh,
    consumption_kwh,
    import_price,
    surplus_price,
    internal_price,
    fixed_cost_eur,
    bill_without_eur,
    venue_names,
) -> _Problem:
    p, c = _check_energy(production_kwh, consumption_kwh)
    n, t = c.shape
    imp = _price_matrix(import_price, n, t, "import_price_eur_per_kwh")
    sur = _price_matrix(surplus_price, n, t, "surplus_price_eur_per_kwh", per_venue_ok=False)
    internal = _price_matrix(internal_price, n, t, "internal_price_eur_per_kwh")
    fixed = np.broadcast_to(np.asarray(fixed_cost_eur, dtype=float), (n,)).copy()
    names = list(venue_names) if venue_names is not None else [f"venue {i + 1}" for i in range(n)]
    if len(names) != n:
        raise DataError(f"venue_names: expected {n} names, got {len(names)}")
    bill = (
        (imp * c).sum(axis=1)
        if bill_without_eur is None
        else np.broadcast_to(np.asarray(bill_without_eur, dtype=float), (n,)).copy()
    )
    return _Problem(p, c, imp - sur, imp - internal, fixed, bill, names)
