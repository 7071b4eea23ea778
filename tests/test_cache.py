"""The content-keyed stage cache (greenkommon._cache): hits only for the same content."""

from __future__ import annotations

import dataclasses
import os
import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from greenkommon import _cache, production, weather
from greenkommon.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("GREENKOMMON_CACHE_DIR", str(folder))
    monkeypatch.delenv("GREENKOMMON_CACHE", raising=False)
    _cache.clear_memory()
    yield folder
    _cache.clear_memory()


class Counter:
    def __init__(self, value):
        self.value = value
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.value


def test_same_parts_compute_once_and_return_equal_copies(cache_dir: Path) -> None:
    frame = pd.DataFrame({"x": np.arange(5.0)})
    compute = Counter(frame)
    first = _cache.cached("t", (1.0, "a", np.arange(3)), compute)
    first.loc[0, "x"] = -1.0  # a caller changing its copy must not change the entry
    second = _cache.cached("t", (1.0, "a", np.arange(3)), compute)
    assert compute.calls == 1
    pd.testing.assert_frame_equal(second, frame)


def test_disk_entry_survives_the_process_memory(cache_dir: Path) -> None:
    compute = Counter(np.arange(4.0))
    _cache.cached("t", (2,), compute)
    _cache.clear_memory()
    out = _cache.cached("t", (2,), compute)
    assert compute.calls == 1
    np.testing.assert_array_equal(out, np.arange(4.0))
    assert [p.suffix for p in cache_dir.iterdir()] == [".pickle"]  # no temporary file left


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((1.0,), (1.0 + 1e-15,)),
        ((np.zeros(3),), (np.zeros(4),)),
        ((np.zeros(3),), (np.zeros(3, dtype=np.float32),)),
        (("1",), (1,)),
        (((1, 2),), ((2, 1),)),
    ],
)
def test_any_difference_in_the_parts_is_another_key(a: tuple, b: tuple) -> None:
    assert _cache.key_of("t", *a) != _cache.key_of("t", *b)


def test_a_file_counts_by_its_content(cache_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "load.csv"
    path.write_text("1\n")
    before = _cache.key_of("t", path)
    path.write_text("2\n")
    assert _cache.key_of("t", path) != before


def test_an_input_the_key_cannot_describe_is_recomputed(cache_dir: Path) -> None:
    compute = Counter(3)
    for _ in range(2):
        assert _cache.cached("t", (object(),), compute) == 3
    assert compute.calls == 2


def test_warnings_are_raised_again_on_a_hit(cache_dir: Path) -> None:
    def compute() -> int:
        warnings.warn("far weather", UserWarning, stacklevel=1)
        return 1

    for _ in range(2):
        with pytest.warns(UserWarning, match="far weather"):
            _cache.cached("w", (1,), compute)


def test_a_damaged_entry_is_a_miss(cache_dir: Path) -> None:
    compute = Counter(5)
    _cache.cached("t", (3,), compute)
    _cache.clear_memory()
    (entry,) = cache_dir.iterdir()
    entry.write_bytes(b"not a pickle")
    assert _cache.cached("t", (3,), compute) == 5
    assert compute.calls == 2
    assert pickle.loads(entry.read_bytes())[0] == 5


def test_off_disables_both_levels(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENKOMMON_CACHE", "off")
    compute = Counter(1)
    _cache.cached("t", (4,), compute)
    _cache.cached("t", (4,), compute)
    assert compute.calls == 2
    assert not cache_dir.exists()


def test_an_unwritable_folder_costs_speed_not_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("GREENKOMMON_CACHE_DIR", str(blocker / "sub"))
    _cache.clear_memory()
    assert _cache.cached("t", (5,), Counter(7)) == 7


def test_disk_entries_are_pruned(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_cache, "MAX_DISK_ENTRIES", 3)
    for k in range(6):
        _cache.cached("t", (k,), Counter(k))
    assert len(list(cache_dir.glob("*.pickle"))) == 3


def test_stages_cache_what_they_compute_and_a_changed_roof_recomputes(cache_dir: Path) -> None:
    s = load_scenario(REPO / "scenarios" / "greenkommon.toml")
    p, sim = s.plant, s.simulation
    args = (s.weather, p.latitude_deg, p.longitude_deg, p.altitude_m, sim.year, sim.timezone)
    wx, meta = weather.load_weather(*args)
    fresh_wx, fresh_meta = weather._load_weather(*args)
    pd.testing.assert_frame_equal(wx, fresh_wx, check_exact=True)
    assert meta == fresh_meta
    again, _ = weather.load_weather(*args)
    pd.testing.assert_frame_equal(again, fresh_wx, check_exact=True)

    from greenkommon.timegrid import make_index

    index = make_index(sim.year, sim.step, sim.timezone)
    prod = production.simulate_production(wx, p, index)
    pd.testing.assert_series_equal(
        prod, production._simulate_production(wx, p, index), check_exact=True
    )
    section = dataclasses.replace(p.sections[0], tilt_deg=p.sections[0].tilt_deg + 10.0)
    tilted = dataclasses.replace(p, sections=(section, *p.sections[1:]))
    assert _cache.key_of("production", wx, tilted, index) != _cache.key_of(
        "production", wx, p, index
    )
    changed = production.simulate_production(wx, tilted, index)
    assert not np.allclose(changed.to_numpy(), prod.to_numpy())
    names = {f.name.split("-")[0] for f in cache_dir.iterdir()}
    assert names == {"weather", "production"}


def test_bypassed_neither_reads_nor_stores(cache_dir: Path) -> None:
    compute = Counter(1)
    _cache.cached("t", (6,), compute)
    with _cache.bypassed():
        _cache.cached("t", (6,), compute)
        _cache.cached("t", (7,), compute)
    assert compute.calls == 3
    assert len(list(cache_dir.glob("*.pickle"))) == 1
    _cache.cached("t", (6,), compute)  # back on after the block
    assert compute.calls == 3


def test_code_token_is_the_contents_digest_remembered_under_a_signature(
    cache_dir: Path, tmp_path: Path
) -> None:
    root = Path(_cache.__file__).resolve().parent
    files = _cache._code_files(root)
    # the same files, in the same order, as the package walk the token always hashed
    assert files == [
        p for p in sorted(root.rglob("*")) if p.suffix in _cache.CODE_SUFFIXES and p.is_file()
    ]
    content = _cache._code_token_of_content(root, files)
    _cache._code_token.cache_clear()
    try:
        assert _cache._code_token() == content  # computed, then remembered
        memos = list(cache_dir.glob("code-*.token"))
        assert len(memos) == 1 and memos[0].read_text() == content
        _cache._code_token.cache_clear()
        memos[0].write_text("f" * 64)  # a remembered token is read back, not recomputed
        assert _cache._code_token() == "f" * 64
        _cache._code_token.cache_clear()
        memos[0].write_text("not a token")  # a damaged memo is recomputed
        assert _cache._code_token() == content
    finally:
        _cache._code_token.cache_clear()
    # any file's size or modification time is part of the signature
    fake = tmp_path / "pkg"
    (fake / "sub").mkdir(parents=True)
    (fake / "a.py").write_text("x = 1\n")
    (fake / "sub" / "b.toml").write_text("y = 2\n")
    (fake / "c.txt").write_text("ignored\n")
    found = _cache._code_files(fake)
    assert found == [fake / "a.py", fake / "sub" / "b.toml"]
    before = _cache._code_signature(fake, found)
    (fake / "a.py").write_text("x = 2\n")  # same size: the modification time tells
    st = (fake / "a.py").stat()
    os.utime(fake / "a.py", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert _cache._code_signature(fake, found) != before
