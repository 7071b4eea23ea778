"""Outputs never lose a user's file, never leave a partial file, and fail on one line.

Two layers: the shared writers of ``greenkommon/_io.py`` (every output goes through them), then
every writing command run in-process with the faults of ``fs_faults`` (disk full through
``/dev/full``, permission denied and read-only through refused system calls: the tests run as
root), a file where a folder is expected and the reverse, a parent that is a file, ``--out .``.
"""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from fs_faults import denied, disk_full, listing

from greenkommon import _io
from greenkommon._io import MANIFEST, atomic_write_text, output_folder
from greenkommon.cli import main
from greenkommon.errors import OutputError

REPO = Path(__file__).resolve().parents[1]
LOADS = REPO / "tests" / "data" / "loads"


# ---------------------------------------------------------------------------------------------
# atomic_write: one file


def test_atomic_write_replaces_a_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a.csv"
    target.write_text("old")
    atomic_write_text(target, "new")
    assert listing(tmp_path) == {"a.csv": b"new"}


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (lambda d: disk_full(d), "no space left on device"),
        (lambda d: denied(d, errno.EACCES), "permission denied"),
        (lambda d: denied(d, errno.EROFS), "read-only file system"),
    ],
    ids=["disk-full", "permission", "read-only"],
)
def test_atomic_write_failure_names_the_path_and_keeps_the_old_file(tmp_path, fault, reason):
    target = tmp_path / "a.csv"
    target.write_text("old")
    before = listing(tmp_path)
    with fault(tmp_path), pytest.raises(OutputError) as exc:
        atomic_write_text(target, "new" * 10_000)
    assert str(exc.value) == f"{target}: {reason}" + (
        " (disk full)" if reason.startswith("no space") else ""
    )
    assert listing(tmp_path) == before


def test_atomic_write_refuses_a_folder_and_a_file_as_parent(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "f").write_text("mine")
    with pytest.raises(OutputError, match="is a folder"):
        atomic_write_text(tmp_path / "d", "x")
    with pytest.raises(OutputError, match="f is a file, not a folder"):
        atomic_write_text(tmp_path / "f" / "sub" / "x.csv", "x")
    assert listing(tmp_path) == {"d": None, "f": b"mine"}


# ---------------------------------------------------------------------------------------------
# output_folder: a results folder


def _write(folder: Path, names: dict[str, str], command: str = "test") -> Path:
    with output_folder(folder, command=command) as staging:
        for name, text in names.items():
            (staging / name).write_text(text)
    return folder


def test_new_and_empty_folders_get_the_files_and_a_manifest(tmp_path):
    _write(tmp_path / "new" / "deeper", {"a.csv": "1"})
    (tmp_path / "empty").mkdir()
    _write(tmp_path / "empty", {"a.csv": "1"})
    for folder in (tmp_path / "new" / "deeper", tmp_path / "empty"):
        assert sorted(p.name for p in folder.iterdir()) == ["a.csv", MANIFEST]
        assert json.loads((folder / MANIFEST).read_text())["files"] == ["a.csv"]


def test_rerun_replaces_only_its_own_files(tmp_path):
    out = _write(tmp_path / "out", {"a.csv": "1", "b.csv": "1"})
    (out / "notes.txt").write_text("my notes")
    (out / "sub").mkdir()
    (out / "sub" / "x.txt").write_text("mine")
    _write(out, {"a.csv": "2", "c.csv": "2"})
    after = listing(out)
    assert after["a.csv"] == b"2" and after["c.csv"] == b"2"
    assert "b.csv" not in after  # ours, no longer written: removed
    assert after["notes.txt"] == b"my notes" and after["sub/x.txt"] == b"mine"
    assert json.loads(after[MANIFEST])["files"] == ["a.csv", "c.csv"]


def test_a_foreign_non_empty_folder_is_refused_untouched(tmp_path):
    out = tmp_path / "home"
    (out / "sub").mkdir(parents=True)
    (out / "notes.txt").write_text("my notes")
    before = listing(out)
    with pytest.raises(OutputError, match="not a previous greenkommon result"):
        _write(out, {"notes.txt": "x"})
    assert listing(out) == before


def test_an_existing_file_is_refused_untouched(tmp_path):
    target = tmp_path / "results"
    target.write_text("precious")
    with pytest.raises(OutputError, match="is a file; --out expects a folder"):
        _write(target, {"a.csv": "1"})
    assert listing(tmp_path) == {"results": b"precious"}


def test_a_user_file_with_an_output_name_is_never_replaced(tmp_path):
    out = _write(tmp_path / "out", {"a.csv": "1"})
    (out / "b.csv").write_text("mine")
    with pytest.raises(OutputError, match="b.csv: exists and was not written by greenkommon"):
        _write(out, {"a.csv": "2", "b.csv": "2"})
    assert listing(out)["b.csv"] == b"mine" and listing(out)["a.csv"] == b"1"


def test_a_doctored_manifest_cannot_reach_outside_the_folder(tmp_path):
    out = _write(tmp_path / "out", {"a.csv": "1"})
    (tmp_path / "victim.txt").write_text("mine")
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["files"] += ["../victim.txt", "/etc/hostname", "."]
    (out / MANIFEST).write_text(json.dumps(manifest))
    _write(out, {"a.csv": "2"})
    assert (tmp_path / "victim.txt").read_text() == "mine"


def test_a_failing_body_leaves_nothing(tmp_path):
    with pytest.raises(ZeroDivisionError), output_folder(tmp_path / "new", command="t") as s:
        (s / "a.csv").write_text("1")
        1 / 0  # noqa: B018
    assert listing(tmp_path) == {}
    out = _write(tmp_path / "out", {"a.csv": "1"})
    before = listing(out)
    with pytest.raises(ZeroDivisionError), output_folder(out, command="t") as s:
        (s / "a.csv").write_text("2")
        1 / 0  # noqa: B018
    assert listing(out) == before


@pytest.mark.parametrize(
    "fault",
    [lambda d: disk_full(d), lambda d: denied(d, errno.EACCES), lambda d: denied(d, errno.EROFS)],
    ids=["disk-full", "permission", "read-only"],
)
def test_folder_faults_name_the_destination_not_the_temporary(tmp_path, fault):
    out = _write(tmp_path / "out", {"a.csv": "1"})
    before = listing(tmp_path)
    with fault(tmp_path), pytest.raises(OutputError) as exc:
        _write(out, {"a.csv": "2" * 100_000})
    assert str(exc.value).startswith(str(out))
    assert ".greenkommon-" not in str(exc.value)
    assert listing(tmp_path) == before


# ---------------------------------------------------------------------------------------------
# every writing command, in-process


def _one_error_line(capsys) -> str:  # noqa: ANN001
    err = capsys.readouterr().err.strip().splitlines()
    err = [
        line
        for line in err
        if not line.startswith(("running ", "sampling ", "simulating ", "sweeping "))
    ]
    assert len(err) == 1, err
    assert err[0].startswith("error: ") and "Traceback" not in err[0]
    return err[0]


def _commands(scenario: Path, tmp: Path, out: Path) -> dict[str, list[str]]:
    """Each writing command with its output set to ``out`` (folder or file, as the command
    expects)."""
    curve = tmp / "curve.csv"
    if not curve.exists():
        shutil.copy(LOADS / "generic_hourly_kwh.csv", curve)
    s = str(scenario)
    return {
        "run": ["run", s, "--brief", "--out", str(out)],
        "export-key": ["export-key", s, "--quantities", "--out", str(out)],
        "report-html": ["report", s, "--no-compare", "--html", str(out)],
        "report-xlsx": ["report", s, "--no-compare", "--xlsx", str(out)],
        "load-import": ["load", "import", str(curve), "--venue", "v", "--out", str(out)],
        "allocate": [
            "allocate",
            "--production",
            str(tmp / "prod.csv"),
            "--consumption",
            str(tmp / "cons.csv"),
            "--key",
            "prorata",
            "--out",
            str(out),
        ],
    }


FOLDER_COMMANDS = {"run", "export-key"}


def _allocate_inputs(tmp: Path) -> None:
    idx = pd.date_range("2026-06-01", periods=4, freq="h").strftime("%Y-%m-%d %H:%M")
    pd.DataFrame({"time": idx, "plant": [0, 10, 20, 5]}).to_csv(tmp / "prod.csv", index=False)
    pd.DataFrame({"time": idx, "a": [1, 8, 9, 1], "b": [2, 2, 20, 0]}).to_csv(
        tmp / "cons.csv", index=False
    )


COMMANDS = ["run", "export-key", "report-html", "report-xlsx", "load-import", "allocate"]


@pytest.mark.parametrize("command", COMMANDS)
def test_command_writes_then_rewrites(cached_run, tmp_path, capsys, command):
    _allocate_inputs(tmp_path)
    out = tmp_path / "o"
    argv = _commands(cached_run, tmp_path, out)[command]
    assert main(argv) == 0, capsys.readouterr().err
    assert main(argv) == 0, capsys.readouterr().err  # a second run replaces its own output
    assert out.is_dir() == (command in FOLDER_COMMANDS)
    assert not [p for p in tmp_path.rglob(".*") if p.name != MANIFEST]  # no temporary left


@pytest.mark.parametrize(
    ("command", "where"),
    [(c, w) for c in COMMANDS for w in ("wrong-kind", "parent-is-file")]
    + [(c, "cwd") for c in sorted(FOLDER_COMMANDS)],
)
def test_command_refuses_a_bad_destination_on_one_line(
    cached_run, tmp_path, capsys, monkeypatch, command, where
):
    _allocate_inputs(tmp_path)
    (tmp_path / "file").write_text("mine")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "notes.txt").write_text("mine")
    if where == "wrong-kind":
        out = tmp_path / ("file" if command in FOLDER_COMMANDS else "folder")
    elif where == "parent-is-file":
        out = tmp_path / "file" / "out"
    else:  # the current folder, not empty and not a result
        monkeypatch.chdir(tmp_path)
        out = Path(".")
    argv = _commands(cached_run, tmp_path, out)[command]
    before = listing(tmp_path)
    assert main(argv) == 2
    line = _one_error_line(capsys)
    assert str(out) in line
    assert listing(tmp_path) == before


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    "fault",
    [lambda d: disk_full(d), lambda d: denied(d, errno.EACCES), lambda d: denied(d, errno.EROFS)],
    ids=["disk-full", "permission", "read-only"],
)
def test_command_file_system_faults_are_one_line(cached_run, tmp_path, capsys, command, fault):
    _allocate_inputs(tmp_path)
    area = tmp_path / "area"
    area.mkdir()
    out = area / "o"
    argv = _commands(cached_run, tmp_path, out)[command]
    if command in FOLDER_COMMANDS:  # a previous result is there: it must survive intact
        assert main(argv) == 0
        capsys.readouterr()
    before = listing(area)
    with fault(area):
        code = main(argv)
    assert code == 2
    line = _one_error_line(capsys)
    assert str(out) in line
    assert listing(area) == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["uncertainty", "S", "--out", "{file}"], "is a file; --out expects a folder"),
        (["uncertainty", "S", "--out", "{folder}"], "not a previous greenkommon result"),
        (["uncertainty", "S", "--report", "{folder}"], "--report expects a file name"),
        (["sweep", "S", "--vary", "plant.peak_power_kwp=100", "--out", "{folder}"], "is a folder"),
        (["optimise", "S", "--write", "{folder}"], "--write expects a file name"),
        (["optimise", "S", "--write", "S"], "is an input of this command"),
        (["optimise", "S", "--json", "{file}/x.json"], "is a file, not a folder"),
        (["reconcile", "S", "{file}", "--out", "{file}"], "is an input of this command"),
        (["weather", "synth", "--out", "{folder}"], "is a folder"),
        (["finance", "S", "--csv", "{folder}"], "is a folder"),
        (["compare", "S", "S", "--csv", "{folder}"], "is a folder"),
    ],
)
def test_other_commands_refuse_bad_destinations_before_computing(tmp_path, capsys, argv, message):
    """Checked before the (long) computation: a refused output costs nothing."""
    from helpers import BASELINE

    (tmp_path / "file").write_text("mine")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "notes.txt").write_text("mine")
    before = listing(tmp_path)
    subst = {"S": str(BASELINE), "{file}": str(tmp_path / "file")}
    argv = [
        subst.get(a, a)
        .replace("{file}", str(tmp_path / "file"))
        .replace("{folder}", str(tmp_path / "folder"))
        for a in argv
    ]
    assert main(argv) == 2
    assert message in _one_error_line(capsys)
    assert listing(tmp_path) == before


def test_uncertainty_output_folder_keeps_the_users_files(tmp_path):
    from greenkommon.uncertainty import UncertaintyResult, write_uncertainty

    samples = pd.DataFrame(
        {"production_kwh": [1.0, 2.0, 3.0, 4.0, 5.0], "savings_eur": [5.0, 4.0, 3.0, 2.0, 1.0]}
    )
    summary = pd.DataFrame(
        {"P90": [1.0], "P50": [2.0], "P10": [3.0], "mean": [2.0], "std": [1.0]}, index=["x"]
    )
    result = UncertaintyResult(samples, summary, None, {"years": 5})
    out = write_uncertainty(result, tmp_path / "u", image="svg")
    (out / "notes.txt").write_text("mine")
    write_uncertainty(result, out, image="png")
    names = {p.name for p in out.iterdir()}
    assert names == {
        "samples.parquet",
        "samples.csv",
        "summary.csv",
        "histogram.png",
        "notes.txt",
        MANIFEST,
    }
    before = listing(tmp_path)
    with denied(tmp_path, errno.EROFS), pytest.raises(OutputError, match="read-only"):
        write_uncertainty(result, out, image="png")
    assert listing(tmp_path) == before


def test_os_errors_no_writer_named_still_print_one_line(tmp_path, capsys, monkeypatch):
    """The CLI's last line of defence: an OSError from anywhere is one line, exit 2."""
    import greenkommon.cli.check as check

    def boom(args):  # noqa: ANN001, ANN202
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "x"))

    monkeypatch.setattr(check, "run", boom)
    from helpers import BASELINE

    # the parser bound func at build time: rebuild it through main with the patched module
    code = main(["check", str(BASELINE)])
    assert code == 2
    assert _one_error_line(capsys) == f"error: {tmp_path / 'x'}: permission denied"


def test_reasons_are_lower_case_words():
    assert _io.os_error_reason(OSError(errno.ENOSPC, "x")).startswith("no space left")
    assert _io.os_error_reason(OSError(errno.ELOOP, "Too many levels of symbolic links")) == (
        "too many levels of symbolic links"
    )


@pytest.mark.parametrize(
    "fault",
    [lambda d: disk_full(d), lambda d: denied(d, errno.EACCES), lambda d: denied(d, errno.EROFS)],
    ids=["disk-full", "permission", "read-only"],
)
def test_sweep_file_system_faults_are_one_line_and_leave_nothing(
    cached_run, tmp_path, capsys, fault
):
    area = tmp_path / "area"
    area.mkdir()
    out = area / "s.parquet"
    argv = ["sweep", str(cached_run), "--vary", "key.type=prorata,priority", "--no-progress"]
    with fault(area):
        code = main([*argv, "--out", str(out)])
    assert code == 2
    assert str(out) in _one_error_line(capsys)
    assert listing(area) == {}  # no parts folder a --resume could not use


@pytest.mark.parametrize(
    "fault",
    [lambda d: disk_full(d), lambda d: denied(d, errno.EROFS)],
    ids=["disk-full", "read-only"],
)
def test_reconcile_file_system_faults_are_one_line(tmp_path, capsys, fault):
    data = REPO / "tests" / "data" / "enedis"
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'extends = "{(REPO / "scenarios" / "greenkommon.toml").as_posix()}"\n')
    area = tmp_path / "area"
    area.mkdir()
    out = area / "diff.csv"
    argv = ["reconcile", str(scenario), str(data / "statement_with_differences.csv")]
    argv += ["--simulated", str(data / "statement_sample.csv"), "--out", str(out)]
    with fault(area):
        code = main(argv)
    assert code == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and str(out) in lines[0]
    assert listing(area) == {}


def test_optimise_write_on_a_read_only_folder_is_one_line(cached_run, capsys):
    folder = cached_run.parent  # --write next to the scenario it extends, as recommended
    new = folder / "optimised_read_only.toml"
    before = listing(folder)
    with denied(folder, errno.EROFS):
        code = main(["optimise", str(cached_run), "--write", str(new)])
    assert code == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert lines == [f"error: {new}: read-only file system"]
    assert listing(folder) == before
