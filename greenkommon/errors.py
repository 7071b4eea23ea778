"""Exceptions and warnings raised by greenkommon.

Every error a user can cause (bad scenario, bad data file, infeasible optimisation) derives from
:class:`GreenkommonError`, so the command line can print it as one line instead of a traceback.
Soft problems are warnings (:class:`GreenkommonWarning`), never prints.
"""

from __future__ import annotations


class GreenkommonError(Exception):
    """Base class of every error greenkommon raises on purpose."""


class ScenarioError(GreenkommonError, ValueError):
    """A scenario file is malformed: the message names file, field, value and what was expected."""


class DataError(GreenkommonError, ValueError):
    """An input data file (weather, load curve, key, statement) is malformed or inconsistent."""


class OptimisationError(GreenkommonError, RuntimeError):
    """The key optimiser could not produce a solution (infeasible, unbounded, solver failure)."""


class GreenkommonWarning(UserWarning):
    """A soft problem worth telling the user about (filled gaps, unconfirmed figures, ...)."""


__all__ = [
    "DataError",
    "GreenkommonError",
    "GreenkommonWarning",
    "OptimisationError",
    "ScenarioError",
]
