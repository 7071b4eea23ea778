"""Enedis interop (being split into modules; see the next commit)."""

from .statements import *  # noqa: F403
from .statements import UNCONFIRMED_LAYOUT as UNCONFIRMED_LAYOUT
from .statements import _atomic_write_text as _atomic_write_text
