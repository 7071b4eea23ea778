"""Property test of the whole command line on malformed input (hypothesis).

Random scenarios (wrong types, out-of-range and non-finite numbers, misspelled fields, meter ids,
duplicated venues, other encodings, truncated files) and random load curves (separators, text in
numbers, duplicates, missing and nonexistent local times, truncations, encodings, a meter id in
the file name and in the content) go through the commands, in-process. Whatever the input, a
command ends with exit 0, or exit 2 and one ``error:`` line; never a traceback, never a partial
or temporary file, never a meter id in what it prints or writes.

The simulation is the session's cached hourly run (``cached_run``): the property is about reading,
validating and writing, and stays within CI's time budget (a few seconds per hundred examples).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest
from helpers import BASELINE
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from greenkommon.cli import main

PRM = "30001234567890"
FOURTEEN = re.compile(r"(?<![\d.])\d{14}(?!\d)")
NAMES = ["Les Poussières", "Villa Mais d'Ici", "le 6b", "Mains d'Œuvres"]
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# ---------------------------------------------------------------------------------------------
# values and files

values = st.one_of(
    st.integers(min_value=-(10**16), max_value=10**16),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e9, 1e300, int(PRM), PRM, "", "1h", "static", "15min", "kWh"]),
    st.text(max_size=12),
    st.booleans(),
    st.lists(st.integers(min_value=-5, max_value=5), max_size=3),
)


def toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v != v:
            return "nan"
        if v in (float("inf"), float("-inf")):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(v)


TABLE_FIELDS = {
    "": ["name", "description", "nmae"],
    "simulation": ["year", "step", "timezone", "stepp"],
    "weather": ["source", "seed"],
    "plant": ["latitude_deg", "altitude_m", "host_load_kw", "albedo", "albedoo"],
    "key": ["type"],
}
VENUE_FIELDS = ["meter_id", "latitude_deg", "adress"]
CONTRACT_FIELDS = ["subscribed_kva", "tariff", "subscribed_kva_by_period"]
LOAD_FIELDS = [
    "annual_consumption_kwh",
    "rescale_to_annual_kwh",
    "noise_pct",
    "heating_share",
    "archetype",
    "load_file",
    "annual_consumption_kw",
]
SECTION_FIELDS = ["peak_power_kwp", "tilt_deg", "azimuth_deg", "peak_power_kw"]


# Values a user may validly write, per field: half the examples use only these. They leave the
# simulated energy as in the hourly baseline (served by the stage cache, see cached_run), so
# the valid half runs every command end to end in a fraction of a second.
GOOD = {
    "name": st.text(max_size=12),
    "description": st.text(max_size=12),
    "year": st.just(2026),
    "step": st.just("1h"),
    "timezone": st.just("Europe/Paris"),
    "seed": st.just(1),
    "type": st.sampled_from(["prorata", "redistributed", "priority"]),
    "meter_id": st.from_regex(r"\A[0-9]{14}\Z"),  # a real-looking PRM: must never be shown
    "venue_latitude_deg": st.floats(48.8, 49.0),
    "subscribed_kva": st.floats(3, 250),
}


@st.composite
def scenarios(draw) -> bytes:  # noqa: ANN001
    broken = draw(st.booleans())

    def value(field: str) -> str:
        if broken or field not in GOOD:
            return toml_value(draw(values))
        return toml_value(draw(GOOD[field]))

    def fields(choices: list[str]) -> list[str]:
        return choices if broken else [f for f in choices if f in GOOD]

    lines = [f'extends = "{BASELINE.as_posix()}"']
    tables: dict[str, list[str]] = {"simulation": ['step = "1h"']}
    for _ in range(draw(st.integers(0, 3))):
        table = draw(st.sampled_from([t for t in sorted(TABLE_FIELDS) if fields(TABLE_FIELDS[t])]))
        field = draw(st.sampled_from(fields(TABLE_FIELDS[table])))
        tables.setdefault(table, []).append(f"{field} = {value(field)}")
    for table, body in tables.items():
        body = list({line.split(" = ")[0]: line for line in body}.values())
        if table == "":
            lines[1:1] = body
        else:
            lines += [f"[{table}]", *body]
    for _ in range(draw(st.integers(0, 2)) if broken else 0):  # replaces the base's sections
        lines += ["[[plant.sections]]", f'name = "s{len(lines)}"']
        lines.append(f"{draw(st.sampled_from(SECTION_FIELDS))} = {value('')}")
    venue_names = draw(
        st.lists(st.sampled_from([*NAMES, "new venue", ""]), max_size=3)
        if broken
        else st.lists(st.sampled_from(NAMES), max_size=3, unique=True)
    )
    for name in venue_names:  # when broken, the same name twice is a duplicated venue
        lines += ["[[venues]]", f"name = {json.dumps(name)}"]
        if draw(st.booleans()):
            field = draw(st.sampled_from(VENUE_FIELDS if broken else ["meter_id", "latitude_deg"]))
            good = "venue_latitude_deg" if field == "latitude_deg" else field
            lines.append(f"{field} = {value(good)}")
        if broken and draw(st.booleans()):  # a valid load change would change the energy
            field = draw(st.sampled_from(LOAD_FIELDS))
            lines += ["[venues.load]", f"{field} = {value(field)}"]
        if draw(st.booleans()):
            field = draw(st.sampled_from(fields(CONTRACT_FIELDS)))
            lines += ["[venues.contract]", f"{field} = {value(field)}"]
    text = "\n".join(lines) + "\n"
    return _encode(draw, text) if broken else text.encode(draw(st.sampled_from(UTF8)))


UTF8 = ["utf-8", "utf-8-sig"]


def _encode(draw, text: str) -> bytes:  # noqa: ANN001
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 4)) == 0:  # truncated (an interrupted copy)
        data = data[: draw(st.integers(0, len(data)))]
    return data


@st.composite
def load_curves(draw) -> bytes:  # noqa: ANN001
    broken = draw(st.booleans())
    sep = draw(st.sampled_from([";", ",", "\t"]))
    headers = [f"timestamp{sep}valeur (kWh)", f"interval_start{sep}energy_kwh"]
    if broken:
        headers += [
            f"Horodate{sep}Valeur",
            f"time{sep}power_w",
            f"Identifiant PRM{sep}{PRM}",
            f"date{sep}heure{sep}valeur",
            "",
        ]
    header = draw(st.sampled_from(headers))
    start = draw(st.sampled_from(["2026-03-28T00:00:00+01:00", "2026-06-01T00:00:00+02:00"]))
    import pandas as pd

    stamps = pd.date_range(start, periods=48, freq="h").tz_convert("Europe/Paris")
    rows = []
    for k, t in enumerate(stamps[: draw(st.integers(2 if not broken else 0, 48))]):
        stamp = t.isoformat()
        value = f"{draw(st.floats(min_value=0, max_value=500, allow_nan=False)):.3f}"
        kind = draw(st.integers(0, 12)) if broken else 99
        if kind == 0:
            value = draw(st.sampled_from(["abc", "-5", "", "1e400", "nan", "1,5", PRM]))
        elif kind == 1:
            stamp = draw(st.sampled_from(["2026-03-29 02:30", "2026-13-01 00:00", "yesterday", ""]))
        elif kind == 2 and k:
            stamp = stamps[k - 1].isoformat()  # a duplicate of the previous interval
        elif kind == 3:
            continue  # a gap
        rows.append(f"{stamp}{sep}{value}")
    text = "\n".join([header, *rows]) + "\n"
    return _encode(draw, text) if broken else text.encode(draw(st.sampled_from(UTF8)))


# ---------------------------------------------------------------------------------------------
# the property


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _check(argv: list[str], folder: Path, inputs: set[str], capsys) -> int:  # noqa: ANN001
    """Run ``argv``; assert the contract; return the exit code."""
    capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # printed as 'warning: ...' lines, as for a user
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: our argv is always well formed
            pytest.fail(f"{argv}: exited {exc.code} from argparse")
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert not FOURTEEN.search(out + err), (argv, out + err)
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    if code == 0:
        assert not errors, err
    else:
        assert code == 2, (argv, code, err)
        assert len(errors) == 1 and err.strip().splitlines()[-1] == errors[0], err
    left = _files(folder) - inputs
    assert not [f for f in left if Path(f).name.startswith(".")], left  # no temporary file
    for name in left:
        path = folder / name
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            assert not FOURTEEN.search(text), (argv, name)
    if code != 0:
        assert not left, (argv, err, left)  # a failed command leaves nothing
    return code


COMMANDS = {
    "check": lambda s, d: ["check", s],
    "run": lambda s, d: ["run", s, "--brief", "--out", str(d / "results")],
    "finance": lambda s, d: ["finance", s, "--csv", str(d / "finance.csv")],
    "load show": lambda s, d: ["load", "show", s],
}
# seconds each on a valid scenario: one of them per example
HEAVY = {
    "export-key": lambda s, d: ["export-key", s, "--quantities", "--out", str(d / "key")],
    "report": lambda s, d: ["report", s, "--no-compare", "--html", str(d / "r.html")],
}
# the commands that evaluate the scenario (bills, finance): they accept or refuse it together
EVALUATING = {"run", "finance", "export-key", "report"}


@SETTINGS
@given(data=scenarios(), heavy=st.sampled_from([None, None, None, *sorted(HEAVY)]))
def test_any_scenario_through_the_commands(cached_run, tmp_path_factory, capsys, data, heavy):
    folder = tmp_path_factory.mktemp("prop")
    path = folder / f"scenario_{PRM}.toml"  # a meter id in the file name too
    path.write_bytes(data)
    commands = {**COMMANDS, **({heavy: HEAVY[heavy]} if heavy else {})}
    codes = {
        command: _check(argv(str(path), folder), folder, {path.name}, capsys)
        for command, argv in commands.items()
    }
    assert len({codes[c] for c in codes if c in EVALUATING}) == 1, codes
    event(f"check exit {codes['check']}, run exit {codes['run']}")


@SETTINGS
@given(data=load_curves(), year=st.sampled_from([None, "2026"]))
def test_any_load_curve_through_load_import(tmp_path_factory, capsys, data, year):
    folder = tmp_path_factory.mktemp("curve")
    path = folder / f"Enedis_{PRM}_export.csv"
    path.write_bytes(data)
    argv = ["load", "import", str(path), "--venue", "v", "--out", str(folder / "v.csv")]
    code = _check([*argv, *(["--year", year] if year else [])], folder, {path.name}, capsys)
    event(f"exit {code}")
    if code == 0:  # what load import wrote is a load file greenkommon reads back
        from greenkommon.consumption_io import read_enedis_load_curve

        back, meta = read_enedis_load_curve(folder / "v.csv")
        assert meta["format"] == "greenkommon" and len(back) > 0
