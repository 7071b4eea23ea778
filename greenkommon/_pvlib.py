"""Shared helper for the stages that call pvlib (weather, production)."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def quiet_pvlib(func: Callable[P, R]) -> Callable[P, R]:
    """Silence pandas' deprecation notices raised inside pvlib (not actionable by users)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning)
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            try:
                from pandas.errors import Pandas4Warning
            except ImportError:  # pragma: no cover - older pandas
                pass
            else:
                warnings.filterwarnings("ignore", category=Pandas4Warning)
            return func(*args, **kwargs)

    return wrapper
