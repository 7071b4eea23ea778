"""Reading measured load curves (Enedis exports, generic CSV) onto the simulation grid."""

from __future__ import annotations

import re
from contextvars import ContextVar

#: When True (``--show-prm``), meter ids are left in messages and outputs.
SHOW_PRM: ContextVar[bool] = ContextVar("greenkommon_show_prm", default=False)

_PRM_RE = re.compile(r"(?<!\d)\d{14}(?!\d)")


def redact(text: str) -> str:
    """Replace every 14-digit number (an Enedis PRM) by ``<PRM>`` unless ``SHOW_PRM`` is set."""
    return text if SHOW_PRM.get() else _PRM_RE.sub("<PRM>", text)
