"""Command line: ``greenkommon COMMAND ...``.

Thin by design: each ``greenkommon/cli/<command>.py`` module defines ``register(subparsers)``,
which adds its sub-command and sets ``func`` (a callable taking the parsed ``args`` and returning
an exit code). Commands only parse arguments, call the library and print; every
:class:`~greenkommon.errors.GreenkommonError` (and any file-system :class:`OSError`) becomes one
line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
import warnings
from collections.abc import Sequence

from .. import __version__
from ..errors import GreenkommonError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="greenkommon",
        description=(
            "Simulate a French collective self-consumption operation (autoconsommation "
            "collective): rooftop PV production, Enedis sharing keys, bills and savings per venue."
        ),
        epilog="Start with: greenkommon run scenarios/greenkommon.toml",
    )
    parser.add_argument("--version", action="version", version=f"greenkommon {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log progress details to stderr"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(sub)
    return parser


def _showwarning(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
    print(f"warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``greenkommon`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    warnings.showwarning = _showwarning
    try:
        return int(args.func(args) or 0)
    except GreenkommonError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file system failure a writer or reader did not name: still one line
        from .._io import os_error_line

        print(f"error: {os_error_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
