"""A streamed uncertainty run (``--out``) against the in-memory one: same samples file, same
summary; jobs generated lazily, one block held at a time, nothing written on failure."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers import hourly_variant

from greenkommon.errors import OutputError
from greenkommon.scenario import load_scenario
from greenkommon.uncertainty import format_summary, run_uncertainty, write_uncertainty
from greenkommon.uncertainty import stream as stream_module
from greenkommon.uncertainty.batch import CHUNK_YEARS, sample_chunks
from greenkommon.uncertainty.run import _setup, sample_jobs
from greenkommon.uncertainty.stream import (
    BlockWriter,
    StreamedUncertainty,
    stream_uncertainty,
    summarise_parquet,
)

KW = dict(
    volume_sd_pct=5.0, profile_noise_pct=5.0, irradiation_sd_pct=None, seed=3, weather_file=None
)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    return load_scenario(hourly_variant(tmp_path_factory.mktemp("stream")))


def test_streamed_run_writes_the_in_memory_files_and_summary(scenario, tmp_path, monkeypatch):
    years = CHUNK_YEARS + 7  # two blocks, the second partial
    memory = run_uncertainty(scenario, years, progress=False, **KW)
    write_uncertainty(memory, tmp_path / "memory")
    monkeypatch.setattr(stream_module, "ROW_GROUP_ROWS", 16)  # several row groups, one partial
    streamed = stream_uncertainty(scenario, tmp_path / "streamed", years, progress=False, **KW)
    assert isinstance(streamed, StreamedUncertainty)
    a, b = tmp_path / "memory", tmp_path / "streamed"
    assert {p.name for p in a.iterdir()} == {p.name for p in b.iterdir()}
    # same rows, same column order and types
    assert pq.read_schema(b / "samples.parquet").equals(pq.read_schema(a / "samples.parquet"))
    assert pq.ParquetFile(b / "samples.parquet").num_row_groups == 2  # 32 + 7 rows: 32, 7
    back = pd.read_parquet(b / "samples.parquet")
    pd.testing.assert_frame_equal(back, memory.samples, check_exact=True)
    assert (b / "samples.csv").read_bytes() == (a / "samples.csv").read_bytes()
    # the summary read back column by column equals the in-memory one
    assert list(streamed.summary.index) == list(memory.summary.index)
    assert list(streamed.summary.columns) == list(memory.summary.columns)
    np.testing.assert_allclose(
        streamed.summary.to_numpy(), memory.summary.to_numpy(), rtol=1e-12, atol=0
    )
    assert streamed.case == memory.case and streamed.settings == memory.settings
    assert (b / "summary.csv").read_bytes() == (a / "summary.csv").read_bytes()
    assert format_summary(streamed) == format_summary(memory)
    got, want = streamed.report_mapping(), memory.report_mapping()
    assert np.array_equal(got["savings_eur_samples"], want["savings_eur_samples"])
    assert np.array_equal(got["production_kwh_samples"], want["production_kwh_samples"])


def test_summarise_parquet_equals_summarise_with_nan(tmp_path):
    from greenkommon.uncertainty import summarise

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "production_kwh": rng.normal(1e5, 3e3, 50),
            "savings_eur": rng.normal(2e3, 1e2, 50),
            "producer.irr[base]": np.where(
                np.arange(50) % 7 == 0, np.nan, rng.normal(0.05, 0.01, 50)
            ),
        }
    )
    frame.to_parquet(tmp_path / "s.parquet", index=False)
    got = summarise_parquet(tmp_path / "s.parquet", [], "base")
    want = summarise(frame, [], "base")
    pd.testing.assert_frame_equal(got, want, rtol=1e-12)


def test_jobs_are_consumed_one_block_ahead(scenario):
    ctx = _setup(scenario, 1, **KW).ctx
    pulled = 0

    def counted():
        nonlocal pulled
        for job in sample_jobs(10**9, []):  # a billion years: a list would not fit
            pulled += 1
            yield job

    first = next(sample_chunks(ctx, counted(), chunk_years=2))
    assert list(first["sample"]) == [1, 2]
    assert pulled <= 4  # this block and the one computed ahead


def test_writer_holds_at_most_one_row_group(tmp_path):
    refs: list[weakref.ref] = []
    writer = BlockWriter(tmp_path / "s.parquet", tmp_path / "s.csv", row_group_rows=5)
    with writer:
        for i in range(6):
            gc.collect()
            # the frames given are not kept (the caller's last one aside)
            assert all(r() is None for r in refs[:-1])
            frame = pd.DataFrame({"sample": np.arange(3 * i, 3 * i + 3), "x": np.full(3, float(i))})
            refs.append(weakref.ref(frame))
            writer.write(frame)
            assert writer.pending_rows < 5  # buffered rows: under one row group
            del frame
    assert writer.rows == 18
    f = pq.ParquetFile(tmp_path / "s.parquet")
    assert [f.metadata.row_group(g).num_rows for g in range(f.num_row_groups)] == [6, 6, 6]
    assert list(pd.read_parquet(tmp_path / "s.parquet")["sample"]) == list(range(18))
    assert list(pd.read_csv(tmp_path / "s.csv")["x"]) == [float(i // 3) for i in range(18)]
    with pytest.raises(ValueError, match="columns differ"):
        with BlockWriter(tmp_path / "t.parquet") as bad:
            bad.write(pd.DataFrame({"a": [1.0]}))
            bad.write(pd.DataFrame({"b": [1.0]}))


def test_a_failing_run_writes_nothing(scenario, tmp_path, monkeypatch):
    out = tmp_path / "out"
    stream_uncertainty(scenario, out, 2, progress=False, **KW)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def failing(ctx, jobs, chunk_years=None):
        yield from sample_chunks(ctx, [next(iter(jobs))])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(stream_module, "sample_chunks", failing)
    with pytest.raises(OutputError):
        stream_uncertainty(scenario, out, 5, progress=False, **KW)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    with pytest.raises(OutputError):
        stream_uncertainty(scenario, tmp_path / "new", 5, progress=False, **KW)
    assert not (tmp_path / "new").exists()
