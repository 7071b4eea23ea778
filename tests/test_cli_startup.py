"""The command line imports only the module of the command it runs (start-up time).

The help table :data:`greenkommon.cli.COMMANDS` must say what the modules register, and running
a command must not import the other commands' modules nor the heavy libraries they use.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from greenkommon import cli


def _registered() -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for module_name in cli.command_modules():
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        __import__(f"greenkommon.cli.{module_name}", fromlist=["register"]).register(sub)
        for action in sub._choices_actions:
            found[action.dest] = (module_name, str(action.help))
    return found


def test_command_table_matches_the_modules_registrations() -> None:
    registered = _registered()
    assert registered == cli.COMMANDS, (
        "greenkommon/cli/__init__.py COMMANDS must list every command with its module and the "
        "help line its register() gives"
    )


def test_help_lists_every_command_from_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for name, (_module, help_) in cli.COMMANDS.items():
        assert name in out
        assert help_.split()[0] in out


def test_a_command_parser_is_the_full_one() -> None:
    lazy = cli.build_parser("sweep", lazy=True)
    full = cli.build_parser()
    args = ["sweep", "s.toml", "--vary", "plant.peak_power_kwp=1:2:1"]
    assert vars(lazy.parse_args(args)).keys() == vars(full.parse_args(args)).keys()


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["run", "x.toml"], "run"),
        (["-v", "sweep", "--vary", "a=1"], "sweep"),
        (["--help"], None),
        ([], None),
    ],
)
def test_command_found_in_argv(argv: list[str], command: str | None) -> None:
    assert cli._command_in(argv) == command


def test_help_imports_no_command_module() -> None:
    code = (
        "import sys\n"
        "from greenkommon.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "mods = [m for m in sys.modules if m.startswith('greenkommon.cli.')]\n"
        "heavy = [m for m in ('pvlib', 'scipy', 'holidays', 'geopy') if m in sys.modules]\n"
        "print(mods, heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[] []"
