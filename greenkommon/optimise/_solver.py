"""Pyomo + HiGHS: loading the solver and solving one model."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..errors import OptimisationError


@dataclass
class SolveStats:
    """Size and timing of the LPs solved for one result."""

    n_solves: int = 0
    n_variables: int = 0
    n_constraints: int = 0
    build_s: float = 0.0
    solve_s: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "n_solves": self.n_solves,
            "n_variables": self.n_variables,
            "n_constraints": self.n_constraints,
            "build_s": self.build_s,
            "solve_s": self.solve_s,
        }


def _pyomo():
    """Pyomo's modelling layer and the HiGHS interface class.

    ``pyomo.core`` holds every component the models use (ConcreteModel, Var, Constraint,
    Objective, quicksum); ``pyomo.environ`` would also load every plugin package (DAE, GDP,
    network, the other solvers' interfaces...): ~0.1 s of a first ``run`` for nothing.
    """
    try:
        import pyomo.core as pyo
        from pyomo.contrib.solver.solvers.highs import Highs
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise OptimisationError(
            f"Pyomo is not installed ({exc}); install greenkommon's dependencies (pyomo, highspy)"
        ) from None
    return pyo, Highs


def _solver(time_limit_s: float):
    _, highs = _pyomo()
    try:
        solver = highs()
        ok = bool(solver.available())
    except Exception as exc:
        raise OptimisationError(
            f"the HiGHS solver could not be loaded through Pyomo ({exc}); install highspy"
        ) from None
    if not ok:
        raise OptimisationError(
            "the HiGHS solver is not available to Pyomo: install highspy (pip install highspy)"
        )
    return solver


def _solve(
    model: Any, stats: SolveStats, method: str, time_limit_s: float, what: str, solver: Any = None
) -> Any:
    """Solve a Pyomo model with HiGHS; raise :class:`OptimisationError` unless optimal."""
    from pyomo.contrib.solver.common.results import TerminationCondition as TC

    solver = solver or _solver(time_limit_s)
    t0 = time.perf_counter()
    try:
        res = solver.solve(
            model,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            time_limit=time_limit_s,
            solver_options={"solver": method, "output_flag": False},
        )
    except Exception as exc:
        raise OptimisationError(f"{what}: HiGHS failed ({type(exc).__name__}: {exc})") from None
    stats.solve_s += time.perf_counter() - t0
    stats.n_solves += 1
    tc = res.termination_condition
    if tc == TC.convergenceCriteriaSatisfied:
        res.solution_loader.load_vars()
        return res
    if tc in (TC.provenInfeasible, TC.locallyInfeasible, TC.infeasibleOrUnbounded):
        raise OptimisationError(
            f"{what}: the model is infeasible (the constraints cannot all hold)"
        )
    if tc == TC.unbounded:
        raise OptimisationError(f"{what}: the model is unbounded (check prices and size limits)")
    if tc in (TC.maxTimeLimit, TC.iterationLimit):
        raise OptimisationError(
            f"{what}: HiGHS stopped at its limit ({tc.name}) before proving optimality; raise [optimise] time_limit_s"
        )
    raise OptimisationError(f"{what}: HiGHS ended with {tc.name}")
