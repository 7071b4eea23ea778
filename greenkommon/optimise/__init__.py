"""Optimise: sharing keys that minimise the collective's energy cost (Pyomo + HiGHS).

Three models, all solved exactly as linear programmes built with Pyomo and solved by HiGHS:

* **static key** (:func:`optimise_static_key`, :func:`solve_static_key`): one coefficient per
  venue, Σ ≤ 1, optional bounds per venue;
* **dynamic key** (:func:`solve_dynamic_key`): one coefficient per venue and interval;
* **joint sizing** (:func:`solve_sizing`): plant size [kWp] together with the static key, with an
  annualised capital cost.

Fairness options (combinable): ``no_loss`` (no venue worse off than without the operation),
``vs_prorata`` (no venue worse off than under Enedis's default pro-rata key), ``equity_shares``
(each venue's savings ≥ a given share of the total) and ``maxmin`` (maximise the minimum relative
saving, then the collective value).

Why the static model is small and exact
---------------------------------------
With a static key venue *i* receives ``A_it = min(k_i P_t, C_it)`` [D315-4], which depends on
its own coefficient only. Any weighted sum ``F_i(k) = Σ_t u_it min(k P_t, C_it)`` is therefore a
piecewise-linear function of the single number ``k_i``, linear between the sorted ratios
``C_it / P_t`` and concave when ``u_it ≥ 0``. It is computed exactly at every breakpoint from
sorted cumulative sums (``F(k) = Σ_{r_t ≤ k} u C + k Σ_{r_t > k} u P``). The LP then needs one
segment variable per breakpoint *in use*, not one per interval: it starts from a coarse subset
of the true breakpoints (chords of a concave function: a restriction of the true problem) and
refines, around the optimum, the segments it sits on until they are true pieces. When the optimum
lies inside a region where the model equals the true function, it is a local optimum of the true
problem, which is convex, hence a global one: the result is exact, not approximate, typically
after 2–4 solves of a few hundred variables. Fairness constraints that concern one venue
(``no_loss``, ``vs_prorata``, the targets of ``maxmin`` and ``equity_shares``) are sets of the
form ``{k : S_i(k) ≥ target}``, i.e. intervals computed exactly from the same function, and enter
the LP as bounds. ``maxmin`` is a first exact LP (maximise τ with ``S_i(k_i) ≥ τ R_i``) followed by
the value LP at the optimal τ. ``equity_shares`` (``S_i ≥ α_i Σ_j S_j``) is not convex for a
static key; see :func:`_equity_shares` for how it is met and what is (not) proven.

The dynamic key is an LP of one variable per venue and *scarce* interval (intervals where the
production covers every venue are fixed at full allocation when that is optimal for the options
asked); the joint sizing uses ``y_i = k_i x`` [kWp] to stay linear (see :func:`solve_sizing`).

Savings of venue *i* are ``S_i = Σ_t (p_it − q_it) A_it − fixed_i`` (import price ``p``,
internal price ``q`` paid for allocated kWh); the collective's value is
``Σ_it (p_it − s_t) A_it`` (surplus value ``s``), the internal price being a transfer inside the
collective.

Package layout
--------------
``config`` (``[optimise]``), ``_problem`` (checked inputs, :class:`KeyResult`), ``piecewise``
(exact value functions of one coefficient), ``_solver`` (Pyomo + HiGHS), ``separable`` (the
segment LP refined until exact), ``fairness`` (fairness options as exact coefficient ranges),
``static`` / ``dynamic`` / ``sizing`` (the three models), ``rounding`` (to the upload grid),
``scenario`` (prices of a scenario and the run it asks for), ``write`` (TOML / CSV output).
"""

from __future__ import annotations

from ._problem import KeyResult, key_from_coefficients, prorata_allocation, simulate_key
from ._solver import SolveStats
from .config import (
    FAIRNESS_OPTIONS,
    HIGHS_METHODS,
    MODELS,
    OptimiseConfig,
    default_key_precision,
)
from .dynamic import greedy_dynamic_allocation, solve_dynamic_key
from .piecewise import PiecewiseLinear
from .rounding import floor_coefficients, round_dynamic_key, round_static_key
from .scenario import (
    ScenarioPrices,
    optimise_scenario,
    optimised_key_coefficients,
    scenario_prices,
)
from .sizing import annualised_cost_eur_per_kwp, plant_cost_eur_per_kwp_year, solve_sizing
from .static import optimise_static_key, solve_static_key
from .write import optimised_scenario_toml, write_dynamic_key

__all__ = [
    "FAIRNESS_OPTIONS",
    "HIGHS_METHODS",
    "MODELS",
    "KeyResult",
    "OptimiseConfig",
    "PiecewiseLinear",
    "ScenarioPrices",
    "SolveStats",
    "annualised_cost_eur_per_kwp",
    "default_key_precision",
    "floor_coefficients",
    "greedy_dynamic_allocation",
    "key_from_coefficients",
    "optimise_scenario",
    "optimise_static_key",
    "optimised_key_coefficients",
    "optimised_scenario_toml",
    "plant_cost_eur_per_kwp_year",
    "prorata_allocation",
    "round_dynamic_key",
    "round_static_key",
    "scenario_prices",
    "simulate_key",
    "solve_dynamic_key",
    "solve_sizing",
    "solve_static_key",
    "write_dynamic_key",
]
