"""The command line's shared vocabulary: old option spellings kept for one release.

One name per idea across commands (README, "Command-line vocabulary"): ``--out`` the command's
output (a folder for commands writing several files, a file otherwise), ``--weather-file`` a
weather file, ``--weather-seed`` / ``--load-seed`` the two random seeds, ``--timestamps`` the
interval convention of timestamps, ``--resolution-pct`` the flooring of uploaded shares,
``--show-prm`` meter ids. A renamed option keeps working for one release through
:func:`add_deprecated`, which says what to write instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any


class _Deprecated(argparse.Action):
    """Store like the new option, after one line on stderr naming the new spelling."""

    def __init__(self, option_strings: Sequence[str], dest: str, new: str, **kwargs: Any):
        self.new = new
        self.fixed = kwargs.pop("fixed", None)
        super().__init__(option_strings, dest, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        print(
            f"warning: {option_string} is deprecated and will be removed in the next release: "
            f"use {self.new}",
            file=sys.stderr,
        )
        setattr(namespace, self.dest, self.fixed if self.nargs == 0 else values)


def add_deprecated(
    parser: argparse.ArgumentParser,
    old: str,
    new: str,
    dest: str,
    *,
    fixed: Any = None,
    **kwargs: Any,
) -> None:
    """Accept ``old`` as a hidden alias of the option stored in ``dest``.

    Parameters
    ----------
    old : str
        The former spelling (``--timestamp``).
    new : str
        What to write instead, as shown to the user (``--timestamps``, ``--resolution-pct 0.1``).
    dest : str
        The new option's destination.
    fixed : object, optional
        For a former flag (no value): the value it stands for (``nargs=0``).
    kwargs
        ``type``, ``choices``, ``metavar`` of the former option.
    """
    if fixed is not None:
        kwargs["nargs"] = 0
    parser.add_argument(
        old,
        dest=dest,
        action=_Deprecated,
        new=new,
        fixed=fixed,
        default=argparse.SUPPRESS,
        help=argparse.SUPPRESS,
        **kwargs,
    )
