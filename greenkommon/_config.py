"""Former home of :class:`Section`; kept so that ``from greenkommon._config import Section`` works.

The scenario reader lives in :mod:`greenkommon.config`.
"""

from .config._section import _MISSING, Section

__all__ = ["_MISSING", "Section"]
