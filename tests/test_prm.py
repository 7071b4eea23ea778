"""No meter id (PRM, 14 digits) in any output unless ``--show-prm``.

The helper (``greenkommon/prm.py``) first, then every command on a scenario that carries meter ids
everywhere a user would put them: ``meter_id`` of each venue, a measured load file whose *name*
holds a PRM (as Enedis names its exports), an unquoted ``meter_id`` number, key files and curves
with PRM columns. Each command's printed lines and every file it writes are scanned for 14 digits.
"""

from __future__ import annotations

import io
import logging
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from greenkommon import prm
from greenkommon.cli import main

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "greenkommon.toml"
FILE_PRM = "30001234567890"
VENUE_PRMS = ["30001234567891", "30001234567892", "30001234567893", "30001234567894"]
NAMES = ["Les Poussières", "Villa Mais d'Ici", "le 6b", "Mains d'Œuvres"]
FOURTEEN = re.compile(r"(?<![\d.])\d{14}(?!\d)")  # not a float's decimals


# ---------------------------------------------------------------------------------------------
# the helper


def test_redact_hides_fourteen_digits_only():
    assert prm.redact(f"meter {FILE_PRM}.") == "meter <PRM>."
    assert prm.redact(f"Enedis_{FILE_PRM}_conso.csv") == "Enedis_<PRM>_conso.csv"
    # longer numbers, shorter ones and a float's decimals are not meter ids
    for text in ("123456789012345", "1234567890123", "0.12345678901234", "2026-06-21T12:30"):
        assert prm.redact(text) == text
    token = prm.SHOW_PRM.set(True)
    try:
        assert prm.redact(FILE_PRM) == FILE_PRM
        assert prm.label(FILE_PRM, 0) == FILE_PRM
    finally:
        prm.SHOW_PRM.reset(token)
    assert prm.label(FILE_PRM, 2) == "venue 3 (PRM hidden)" and prm.label("Villa", 0) == "Villa"
    assert str(prm.MeterId(FILE_PRM)) == "<PRM>" and prm.MeterId(FILE_PRM).reveal() == FILE_PRM


def test_policy_wraps_and_restores_the_streams(capsys):
    out, err = sys.stdout, sys.stderr
    logger = logging.getLogger()
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        with prm.prm_policy(False):
            print(f"a {FILE_PRM}")
            print(f"b {FILE_PRM}", file=sys.stderr)
            logger.warning("c %s", FILE_PRM)
        with prm.prm_policy(True):
            print(f"d {FILE_PRM}")
            logger.warning("e %s", FILE_PRM)
    finally:
        logger.removeHandler(handler)
    assert sys.stdout is out and sys.stderr is err and not prm.SHOW_PRM.get()
    captured = capsys.readouterr()
    assert captured.out == f"a <PRM>\nd {FILE_PRM}\n" and captured.err == "b <PRM>\n"
    assert handler.stream.getvalue() == f"c <PRM>\ne {FILE_PRM}\n"


# ---------------------------------------------------------------------------------------------
# every command


@pytest.fixture(scope="session")
def prm_scenario(tmp_path_factory) -> Path:
    """The hourly baseline where every venue has a meter id and le 6b a measured curve in a file
    named after its meter."""
    folder = tmp_path_factory.mktemp("prm")
    index = pd.date_range("2026-01-01", "2027-01-01", freq="h", inclusive="left", tz="Europe/Paris")
    values = 5 + 3 * np.sin(np.arange(len(index)) * 2 * np.pi / 24)
    lines = ["timestamp;valeur (kWh)"] + [
        f"{t.isoformat()};{v:.3f}".replace(".", ",") for t, v in zip(index, values, strict=True)
    ]
    (folder / f"Enedis_{FILE_PRM}_conso.csv").write_text("\n".join(lines) + "\n")
    venues = "".join(
        f'[[venues]]\nname = "{n}"\nmeter_id = "{m}"\n'
        + (f'[venues.load]\nload_file = "Enedis_{FILE_PRM}_conso.csv"\n' if n == "le 6b" else "")
        for n, m in zip(NAMES, VENUE_PRMS, strict=True)
    )
    path = folder / f"scenario_{FILE_PRM}.toml"
    path.write_text(
        f'extends = "{BASELINE.as_posix()}"\n[simulation]\nstep = "1h"\n'
        '[key]\ntype = "static"\n[key.coefficients]\n'
        + "".join(f'"{n}" = 0.25\n' for n in NAMES)
        + venues,
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="session")
def prm_run(prm_scenario):
    """The PRM scenario, its energy simulated once (the stage cache serves the commands)."""
    from greenkommon.config import read_scenario
    from greenkommon.evaluate import run_scenario

    run_scenario(read_scenario(prm_scenario))
    return prm_scenario


def _scan(tmp: Path, capsys) -> list[str]:  # noqa: ANN001
    """Where a 14-digit id shows: printed lines, then every file under ``tmp/out``."""
    captured = capsys.readouterr()
    leaks = [f"printed: {line}" for line in (captured.out + captured.err).splitlines()]
    leaks = [line for line in leaks if FOURTEEN.search(line)]
    for path in sorted((tmp / "out").rglob("*")):
        if FOURTEEN.search(path.name):
            leaks.append(f"file name: {path.name}")
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".xlsx":
                from openpyxl import load_workbook

                wb = load_workbook(path)
                data = "\n".join(
                    str(c.value) for ws in wb.worksheets for r in ws.iter_rows() for c in r
                ).encode()
            for m in FOURTEEN.finditer(data.decode("utf-8", "replace")):
                leaks.append(f"{path.name}: {m.group()}")
    return leaks


def _curves(tmp: Path) -> tuple[Path, Path]:
    idx = pd.date_range("2026-06-01", periods=4, freq="h").strftime("%Y-%m-%d %H:%M")
    prod, cons = tmp / "prod.csv", tmp / "cons.csv"
    pd.DataFrame({"time": idx, "plant": [0, 10, 20, 5]}).to_csv(prod, index=False)
    frame = {"time": idx, VENUE_PRMS[0]: [1, 8, 9, 1], VENUE_PRMS[1]: [2, 2, 20, 0]}
    pd.DataFrame(frame).to_csv(cons, index=False)
    return prod, cons


def _statement(tmp: Path) -> Path:
    path = tmp / "statement.csv"
    path.write_text(
        "Horodate;Identifiant PRM;Grandeur;Valeur\n"
        f"2026-06-21T12:30:00+02:00;{VENUE_PRMS[0]};CONS;10000\n"
        f"2026-06-21T12:30:00+02:00;99999999999999;CONS;10000\n"
    )
    return path


def _argvs(scenario: Path, tmp: Path) -> dict[str, list[str]]:
    s, out = str(scenario), tmp / "out"
    prod, cons = _curves(tmp)
    load_file = scenario.parent / f"Enedis_{FILE_PRM}_conso.csv"
    return {
        "run": ["run", s, "--out", str(out / "run")],
        "report": [
            "report",
            s,
            "--no-compare",
            "--html",
            str(out / "r.html"),
            "--xlsx",
            str(out / "r.xlsx"),
        ],
        "export-key": ["export-key", s, "--quantities", "--out", str(out / "key")],
        "load-show": ["load", "show", s],
        "load-import": [
            "load",
            "import",
            str(load_file),
            "--venue",
            "le 6b",
            "--out",
            str(out / "load.csv"),
        ],
        "allocate": [
            "allocate",
            "--production",
            str(prod),
            "--consumption",
            str(cons),
            "--key",
            "prorata",
            "--out",
            str(out / "alloc.csv"),
        ],
        "reconcile": [
            "reconcile",
            s,
            str(_statement(tmp)),
            "--out",
            str(out / "diff.csv"),
            "--tolerance-wh",
            "0",
        ],
        "check": ["check", s],
        "finance": ["finance", s, "--csv", str(out / "fin.csv")],
        "sweep": [
            "sweep",
            s,
            "--vary",
            "key.type=static,priority",
            "--no-progress",
            "--csv",
            "--out",
            str(out / "sweep.parquet"),
        ],
    }


COMMANDS = [
    "run",
    "report",
    "export-key",
    "load-show",
    "load-import",
    "allocate",
    "reconcile",
    "check",
    "finance",
    "sweep",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_no_meter_id_in_any_output(prm_run, tmp_path, capsys, command):
    (tmp_path / "out").mkdir()
    code = main(_argvs(prm_run, tmp_path)[command])
    assert code in (0, 1), capsys.readouterr().err  # 1: reconcile found differences
    assert _scan(tmp_path, capsys) == []


@pytest.mark.parametrize("command", ["export-key", "allocate", "reconcile"])
def test_show_prm_writes_them(prm_run, tmp_path, capsys, command):
    """The check above can fail: with --show-prm the same commands do write meter ids."""
    (tmp_path / "out").mkdir()
    assert main([*_argvs(prm_run, tmp_path)[command], "--show-prm"]) in (0, 1)
    assert _scan(tmp_path, capsys) != []


@pytest.mark.parametrize(
    "text",
    [
        f'[[venues]]\nname = "le 6b"\nmeter_id = {FILE_PRM}\n',  # unquoted: a TOML integer
        f'[[venues]]\nname = "le 6b"\nmeter_id = "{FILE_PRM}x"\n',
        f'[plant]\npeak_power_kwp = "{FILE_PRM}"\n',
    ],
)
def test_errors_never_echo_a_meter_id(tmp_path, capsys, text):
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "{BASELINE.as_posix()}"\n{text}', encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert FILE_PRM not in err
