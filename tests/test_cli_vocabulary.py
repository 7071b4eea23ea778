"""One command-line vocabulary (README, "Command-line vocabulary"): the same idea has the same
option name in every command, the former spellings still work for one release and say what to
write instead, and no help text prints a doubled ``%%``."""

from __future__ import annotations

import argparse

import pytest

from greenkommon.cli import build_parser, main


def _parsers() -> dict[str, argparse.ArgumentParser]:
    """Every command's parser, nested ones (``load import``) included."""
    out: dict[str, argparse.ArgumentParser] = {}

    def walk(prefix: str, parser: argparse.ArgumentParser) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    out[f"{prefix} {name}".strip()] = sub
                    walk(f"{prefix} {name}".strip(), sub)

    walk("", build_parser())
    return out


PARSERS = _parsers()


def test_every_command_is_reached():
    assert {"run", "export-key", "load import", "weather synth", "allocate"} <= set(PARSERS)


@pytest.mark.parametrize("command", sorted(PARSERS))
def test_help_has_no_doubled_percent_and_no_former_spelling(command):
    text = PARSERS[command].format_help()
    assert "%%" not in text
    for former in ("--weather ", "--timestamp ", "--seed ", "--floor-to-permille"):
        assert former not in text, f"{command}: {former.strip()} is a former spelling"


# one name per idea: (option, dest) wherever the idea appears
VOCABULARY = {
    "--weather-file": "weather_file",
    "--weather-seed": "weather_seed",
    "--load-seed": "load_seed",
    "--timestamps": "timestamps",
    "--resolution-pct": "resolution_pct",
    "--show-prm": "show_prm",
}


def test_an_idea_has_one_option_name():
    seen: dict[str, set[str]] = {}
    for parser in PARSERS.values():
        for action in parser._actions:
            if action.help == argparse.SUPPRESS:
                continue
            for option in action.option_strings:
                seen.setdefault(action.dest, set()).add(option)
    for option, dest in VOCABULARY.items():
        assert seen.get(dest) == {option}, (dest, seen.get(dest))


@pytest.mark.parametrize(
    ("argv", "dest", "value", "new"),
    [
        (
            ["load", "import", "f.csv", "--venue", "v", "--out", "o.csv", "--timestamp", "end"],
            "timestamps",
            "end",
            "--timestamps",
        ),
        (["production", "s.toml", "--weather", "w.epw"], "weather_file", "w.epw", "--weather-file"),
        (["production", "s.toml", "--seed", "4"], "weather_seed", 4, "--weather-seed"),
        (
            ["weather", "synth", "--seed", "4", "--out", "w.csv"],
            "weather_seed",
            4,
            "--weather-seed",
        ),
        (["uncertainty", "s.toml", "--seed", "4"], "load_seed", 4, "--load-seed"),
        (
            [
                "allocate",
                "--production",
                "p",
                "--consumption",
                "c",
                "--key",
                "static",
                "--floor-to-permille",
            ],
            "resolution_pct",
            0.1,
            "--resolution-pct 0.1",
        ),
    ],
)
def test_former_spellings_still_work_and_say_the_new_one(capsys, argv, dest, value, new):
    args = build_parser().parse_args(argv)
    assert getattr(args, dest) == value
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("warning: ") and f"use {new}" in err[0]


def test_allocate_bare_percent_is_refused_with_the_fix(tmp_path, capsys):
    import pandas as pd

    idx = pd.date_range("2026-06-01", periods=3, freq="h").strftime("%Y-%m-%d %H:%M")
    pd.DataFrame({"time": idx, "plant": [0, 10, 20]}).to_csv(tmp_path / "p.csv", index=False)
    pd.DataFrame({"time": idx, "a": [1, 8, 9], "b": [2, 2, 20]}).to_csv(
        tmp_path / "c.csv", index=False
    )
    base = ["allocate", "--production", str(tmp_path / "p.csv"), "--consumption"]
    base += [str(tmp_path / "c.csv"), "--key", "static", "--coefficients"]
    assert main([*base, "60,40"]) == 2
    assert "a percent with its sign (60%)" in capsys.readouterr().err
    assert main([*base, "60%,40%"]) == 0
    percent = capsys.readouterr().out
    assert main([*base, "0.6,0.4"]) == 0
    assert capsys.readouterr().out == percent  # 60 % and 0.6 are the same key
