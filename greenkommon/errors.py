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


class OutputError(GreenkommonError, OSError):
    """An output cannot be written (read-only place, disk full, a file in the way of a folder,
    a folder that holds files greenkommon did not write, ...): the message names the path and
    the reason on one line. Nothing partial is left behind when it is raised. Also an
    :class:`OSError`, so code that tolerates a failed write (a cache) keeps catching it.

    Parameters
    ----------
    path : str or Path
        The output the user asked for (never a temporary file).
    reason : str
        Why it cannot be written, lower case, no trailing period.
    """

    def __init__(self, path: object, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"

    def __reduce__(self) -> tuple[type, tuple[object, str]]:
        return (type(self), (self.path, self.reason))


class GreenkommonWarning(UserWarning):
    """A soft problem worth telling the user about (filled gaps, unconfirmed figures, ...)."""


__all__ = [
    "DataError",
    "GreenkommonError",
    "GreenkommonWarning",
    "OptimisationError",
    "OutputError",
    "ScenarioError",
]
