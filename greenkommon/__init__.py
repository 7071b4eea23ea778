"""greenkommon: simulator of French collective self-consumption (ACC) operations.

Pipeline: ``weather`` → ``production`` → ``consumption`` → ``allocation`` → ``economics`` →
``optimise`` → ``report``, configured by a validated ``scenario`` and wired by ``pipeline``.
"""

from .errors import (
    DataError,
    GreenkommonError,
    GreenkommonWarning,
    OptimisationError,
    ScenarioError,
)

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "GreenkommonError",
    "GreenkommonWarning",
    "OptimisationError",
    "ScenarioError",
    "__version__",
]
