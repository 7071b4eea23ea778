"""``[optimise]`` configuration of the key optimiser: lives in :mod:`greenkommon.config.optimise`
(read without importing any stage); re-exported here at its historical path."""

from __future__ import annotations

from ..config.optimise import (
    FAIRNESS_OPTIONS,
    HIGHS_METHODS,
    MODELS,
    OptimiseConfig,
    _missing,
    default_key_precision,
)

__all__ = [
    "FAIRNESS_OPTIONS",
    "HIGHS_METHODS",
    "MODELS",
    "OptimiseConfig",
    "_missing",
    "default_key_precision",
]
