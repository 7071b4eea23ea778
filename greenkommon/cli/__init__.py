"""Command line: ``greenkommon COMMAND ...``.

Thin by design: each ``greenkommon/cli/<module>.py`` defines ``register(subparsers)``, which adds
its sub-command and sets ``func`` (a callable taking the parsed ``args`` and returning an exit
code). Commands only parse arguments, call the library and print; every
:class:`~greenkommon.errors.GreenkommonError` (and any file-system :class:`OSError`) becomes one
line on stderr and exit code 2.

Start-up time matters (``greenkommon run`` should cost little more than importing numpy and
pandas), so only the module of the command being run is imported: :data:`COMMANDS` lists every
command's module and one-line help for ``greenkommon --help``. A test checks the table against
the modules' own registrations; a command module missing from the table still works (it is
imported on every start, only slower).
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

#: Command name -> (module under ``greenkommon.cli``, help line shown by ``greenkommon --help``).
COMMANDS: dict[str, tuple[str, str]] = {
    "allocate": (
        "allocate",
        "apply a sharing key to measured production and consumption curves (CSV in, CSV out)",
    ),
    "check": (
        "check",
        "check the ACC étendue eligibility rules (distance between participants, power cap)",
    ),
    "compare": (
        "compare",
        "run several scenarios and print them side by side, with differences against the first",
    ),
    "export-key": (
        "export",
        "write the sharing key as files a PMO can send to Enedis (static table, dynamic key)",
    ),
    "finance": (
        "finance",
        "long-term cash flows, NPV, IRR and payback per venue and for the producer",
    ),
    "load": ("load", "import measured load curves, show venue consumption"),
    "optimise": (
        "optimise",
        "find the sharing key (and optionally plant size) that minimises the collective's "
        "energy cost",
    ),
    "plan": (
        "plan",
        "rank the eligible configurations: who shares which roof, plant sizes, key, internal price",
    ),
    "production": (
        "production",
        "simulate the scenario's rooftop PV plant and print annual and monthly energy",
    ),
    "reconcile": (
        "reconcile",
        "compare simulated PROD/AUTOPROD/SURPLUS/CONS/AUTOCONS/COMPLEMENT with a statement file",
    ),
    "report": (
        "report",
        "simulate a scenario and write a self-contained HTML report and/or an Excel workbook",
    ),
    "resolution": (
        "resolution",
        "how much the time step (15 min / 30 min / 1 h) changes the allocation",
    ),
    "run": ("run", "simulate a scenario end to end and print the per-venue table"),
    "serve": ("serve", "open the members' web page: move a slider, see who gains"),
    "sweep": ("sweep", "evaluate a grid of scenario variants (--vary) into a Parquet table"),
    "uncertainty": (
        "uncertainty",
        "run a scenario over many weather years and load variations; print P90/P50/P10",
    ),
    "weather": (
        "weather",
        "fetch a PVGIS year, inspect a weather file or write a synthetic year",
    ),
}


def command_modules() -> list[str]:
    """Names of the command modules under ``greenkommon/cli`` (found without importing them)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def _command_in(argv: Sequence[str]) -> str | None:
    """The command named in ``argv``: its first token that is not a top-level option."""
    for token in argv:
        if token == "--":
            return None
        if not token.startswith("-"):
            return token
    return None


def build_parser(command: str | None = None, *, lazy: bool = False) -> argparse.ArgumentParser:
    """The ``greenkommon`` argument parser.

    Parameters
    ----------
    command : str, optional
        The command about to run (with ``lazy``).
    lazy : bool
        Import only the module of ``command`` (none when it is ``None``); every other command of
        :data:`COMMANDS` gets a placeholder sub-parser carrying its help line. Default: import
        every command module (full parsers for all commands).
    """
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
    wanted = COMMANDS[command][0] if command in COMMANDS else None
    listed: dict[str, list[str]] = {}
    for name, (module_name, _help) in COMMANDS.items():
        listed.setdefault(module_name, []).append(name)
    for module_name in command_modules():
        if not lazy or module_name == wanted or module_name not in listed:
            importlib.import_module(f"{__name__}.{module_name}").register(sub)
        else:
            for name in listed[module_name]:
                sub.add_parser(name, help=COMMANDS[name][1])
    return parser


def _showwarning(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
    print(f"warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``greenkommon`` command."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_in(argv), lazy=True)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    warnings.showwarning = _showwarning
    from ..prm import prm_policy

    # every line the command prints (results, warnings, errors) hides meter ids unless asked
    with prm_policy(bool(getattr(args, "show_prm", False))):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
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
