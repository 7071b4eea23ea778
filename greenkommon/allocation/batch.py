"""Thousands of scenarios over the same loads, KPIs only (:func:`allocate_batch_kpis`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DataError
from ._checks import _as_array, _check_finite_nonneg, _check_sum_le_one, _consumption
from ._lazy import lazy_module
from .keys import DynamicKey, PriorityKey

_kernels = lazy_module(f"{__package__}._kernels")  # numba only when a kernel runs (_lazy)


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


#: key type -> the name of its code in :mod:`._kernels` (read when a batch runs)
_BATCH_KEYS = {
    "static": "KEY_STATIC",
    "prorata": "KEY_PRORATA",
    "redistributed": "KEY_REDISTRIBUTED",
    "priority": "KEY_PRIORITY",
    "dynamic": "KEY_DYNAMIC",
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
        getattr(_kernels, _BATCH_KEYS[key]),
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
