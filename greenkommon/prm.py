"""Meter ids (Enedis PRM, 14 digits): the one place that decides whether one may be shown.

Rule: no PRM in any printed line, log, error message, report or file name unless the user gave
``--show-prm``. The command line sets :data:`SHOW_PRM` from that flag and passes everything it
prints through :func:`redact` (:class:`RedactingStream`), so a message built anywhere in the
package cannot leak one; writers of user-facing files (reports, result folders) redact their
text too. Only the files a PMO uploads to Enedis carry real meter ids, and only with
``--show-prm`` (``export-key``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

#: When True (``--show-prm``), meter ids are left in messages and outputs.
SHOW_PRM: ContextVar[bool] = ContextVar("greenkommon_show_prm", default=False)

#: What stands for a hidden meter id.
PLACEHOLDER = "<PRM>"

# 14 digits not inside a longer number; not after a decimal point (a float's 14 decimals)
_PRM_RE = re.compile(r"(?<![\d.])\d{14}(?!\d)")
_PRM_FULL = re.compile(r"\d{14}")


def looks_like_prm(text: object) -> bool:
    """True if ``text`` (stripped) is exactly 14 digits."""
    return bool(_PRM_FULL.fullmatch(str(text).strip()))


def redact(text: str) -> str:
    """Replace every 14-digit number (an Enedis PRM) by ``<PRM>`` unless ``SHOW_PRM`` is set."""
    return text if SHOW_PRM.get() else _PRM_RE.sub(PLACEHOLDER, text)


def label(name: str, position: int) -> str:
    """A column or meter label for display: ``name``, or ``venue <position+1> (PRM hidden)`` when
    ``name`` is a meter id and ``SHOW_PRM`` is not set."""
    if SHOW_PRM.get() or not looks_like_prm(name):
        return name
    return f"venue {position + 1} (PRM hidden)"


class MeterId:
    """A PRM that prints as ``<PRM>`` unless ``SHOW_PRM`` is set; :meth:`reveal` gives the digits."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return self._value if SHOW_PRM.get() else PLACEHOLDER

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MeterId) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class RedactingStream:
    """A text stream that writes through :func:`redact` (stdout and stderr of a command)."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def __getattr__(self, name: str) -> object:  # flush, isatty, encoding, fileno, ...
        return getattr(self._stream, name)


class RedactingFilter(logging.Filter):
    """A logging filter that hides meter ids in every record (unless ``SHOW_PRM``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not SHOW_PRM.get():
            record.msg, record.args = redact(record.getMessage()), ()
        return True


@contextmanager
def prm_policy(show: bool, streams: tuple[str, ...] = ("stdout", "stderr")) -> Iterator[None]:
    """Within the block, :data:`SHOW_PRM` is ``show`` and, unless ``show``, ``sys.stdout``,
    ``sys.stderr`` and the root logger's handlers redact meter ids."""
    import sys

    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    token = SHOW_PRM.set(bool(show))
    saved = {name: getattr(sys, name) for name in streams}
    try:
        if not show:
            for name, stream in saved.items():
                setattr(sys, name, RedactingStream(stream))
        yield
    finally:
        for name, stream in saved.items():
            setattr(sys, name, stream)
        SHOW_PRM.reset(token)


__all__ = [
    "PLACEHOLDER",
    "RedactingFilter",
    "SHOW_PRM",
    "MeterId",
    "RedactingStream",
    "label",
    "looks_like_prm",
    "prm_policy",
    "redact",
]
