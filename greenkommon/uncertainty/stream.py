"""An uncertainty run written as it goes: bounded memory for any number of sampled years.

The batched path (:func:`greenkommon.uncertainty.batch.sample_chunks`) yields one block of
sampled years at a time from jobs generated one at a time; each block is appended to
``samples.csv`` and, in row groups of :data:`ROW_GROUP_ROWS` rows, to ``samples.parquet`` in the
output folder's staging area, then dropped. The summary and the histograms read the written
Parquet back one column at a time, so the largest things held are one row group (~5 MB) and one
metric's column (8 bytes a year: the percentiles need all of it).

Portfolios, ``--dask`` and the per-year reference path keep the in-memory run
(:func:`~greenkommon.uncertainty.run.run_uncertainty`) and write its table at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .batch import batch_applies, sample_chunks
from .run import _progress, _setup, pick_case, run_uncertainty, sample_jobs
from .summary import (
    UncertaintyResult,
    histogram_columns,
    plot_histogram_values,
    summarise,
    summary_metrics,
    write_uncertainty,
)


@dataclass(frozen=True)
class StreamedUncertainty:
    """Summary of an uncertainty run whose samples are on disk, not in memory.

    Attributes
    ----------
    path : Path
        The output folder (``samples.parquet``, ``samples.csv``, ``summary.csv``, histogram).
    summary : pandas.DataFrame
        As :attr:`UncertaintyResult.summary`.
    case : str or None
        Escalation case of ``producer_npv_eur`` in the summary.
    settings : dict
        As :attr:`UncertaintyResult.settings`.
    """

    path: Path
    summary: pd.DataFrame
    case: str | None
    settings: dict[str, Any] = field(default_factory=dict)

    def report_mapping(self) -> dict[str, Any]:
        """What :func:`greenkommon.report.html.build_html_report` takes as ``uncertainty`` (two
        columns read back from ``samples.parquet``)."""
        samples = self.path / "samples.parquet"
        return {
            "savings_eur_samples": read_column(samples, "savings_eur"),
            "production_kwh_samples": read_column(samples, "production_kwh"),
            "summary": self.summary,
            "settings": self.settings,
        }


def read_column(path: str | Path, column: str) -> np.ndarray:
    """One column of a Parquet file as floats (NaN for nulls), nothing else read."""
    import pyarrow.parquet as pq

    col = pq.read_table(path, columns=[column]).column(0)
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=float)


#: Rows per row group of ``samples.parquet``: a row group per 32-year block would make the file's
#: footer (kept in memory by the writer, ~0.5 kB per column chunk) grow by 1.3 kB a year.
ROW_GROUP_ROWS = 8192


class BlockWriter:
    """Append sample blocks to a Parquet file and, optionally, a CSV file.

    The first block fixes the columns and their types; a later block with other columns is an
    error (the batched path gives every block the same columns). The CSV rows are written as each
    block comes; the Parquet rows are buffered (as Arrow tables) until they reach
    ``row_group_rows`` and written as one row group: fewer than ``row_group_rows`` plus one
    block are held.
    """

    def __init__(
        self, parquet: Path, csv: Path | None = None, row_group_rows: int = ROW_GROUP_ROWS
    ):
        self.parquet = parquet
        self.csv = csv
        self.row_group_rows = max(1, row_group_rows)
        self.rows = 0
        self.columns: list[str] | None = None
        self.pending: list[Any] = []  # Arrow tables not written yet
        self.pending_rows = 0
        self._writer: Any = None
        self._sink: Any = None

    def write(self, block: pd.DataFrame) -> None:
        """Append ``block`` (rows in sample order, after the rows already written)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(block, preserve_index=False)
        if self._writer is None:
            self.columns = list(block.columns)
            self._writer = pq.ParquetWriter(self.parquet, table.schema)
            if self.csv is not None:
                self._sink = open(self.csv, "w", newline="", encoding="utf-8")  # noqa: SIM115
        elif list(block.columns) != self.columns:
            raise ValueError(
                f"{self.parquet.name}: a block's columns differ from the first block's"
            )
        else:
            table = table.cast(self._writer.schema)
        if self._sink is not None:
            block.to_csv(self._sink, header=self.rows == 0, index=False)
        self.rows += len(block)
        self.pending.append(table)
        self.pending_rows += table.num_rows
        if self.pending_rows >= self.row_group_rows:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.pending_rows:
            table = pa.concat_tables(self.pending)
            self.pending, self.pending_rows = [], 0
            self._writer.write_table(table, row_group_size=table.num_rows)

    def close(self) -> None:
        """Finish both files (a run of no block writes none)."""
        if self._writer is not None:
            self._flush()
            self._writer.close()
        if self._sink is not None:
            self._sink.close()

    def __enter__(self) -> BlockWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_blocks(
    blocks: Iterable[pd.DataFrame],
    parquet: Path,
    csv: Path | None = None,
    row_group_rows: int = ROW_GROUP_ROWS,
) -> int:
    """Stream ``blocks`` into ``parquet`` (and ``csv``); return the number of rows."""
    with BlockWriter(parquet, csv, row_group_rows) as writer:
        for block in blocks:
            writer.write(block)
    return writer.rows


def summarise_parquet(
    path: str | Path, names: Sequence[str], case: str | None, operations: Sequence[str] = ()
) -> pd.DataFrame:
    """:func:`~greenkommon.uncertainty.summary.summarise` of a samples file, one column read at a
    time (the same numbers as summarising the whole table in memory)."""
    import pyarrow.parquet as pq

    present = set(pq.read_schema(path).names)
    tables = [
        summarise(pd.DataFrame({col: read_column(path, col)}), names, case, operations)
        for col, _label in summary_metrics(names, case, operations)
        if col in present
    ]
    if not tables:
        return summarise(pd.DataFrame(), names, case, operations)
    return pd.concat(tables)


def stream_uncertainty(
    scenario: Any,
    out_dir: str | Path,
    years: int = 200,
    *,
    volume_sd_pct: float = 5.0,
    profile_noise_pct: float = 5.0,
    irradiation_sd_pct: float | None = None,
    seed: int = 0,
    weather_file: str | Path | None = None,
    case: str | None = None,
    progress: bool | Callable[[int], None] = True,
    dask_address: str | Any | None = None,
    image: str = "png",
) -> StreamedUncertainty | UncertaintyResult:
    """:func:`~greenkommon.uncertainty.run.run_uncertainty` and
    :func:`~greenkommon.uncertainty.summary.write_uncertainty` in bounded memory.

    A single-operation run in this process (the batched path) streams its blocks into
    ``out_dir`` and returns a :class:`StreamedUncertainty`; a portfolio or a ``dask_address``
    run takes the in-memory path and returns its :class:`UncertaintyResult`. Same files, rows,
    column order and summary as the in-memory run. Nothing is left half-written on failure
    (:func:`greenkommon._io.output_folder`).

    Parameters
    ----------
    out_dir : str or Path
        The output folder (a new, empty or previous result folder).
    image : str
        Histogram format: ``png``, ``svg`` or ``pdf``.

    Other parameters are :func:`~greenkommon.uncertainty.run.run_uncertainty`'s.
    """
    from .._io import atomic_write, output_folder

    kw: dict[str, Any] = dict(
        volume_sd_pct=volume_sd_pct,
        profile_noise_pct=profile_noise_pct,
        irradiation_sd_pct=irradiation_sd_pct,
        seed=seed,
        weather_file=weather_file,
    )
    setup = _setup(scenario, years, **kw)
    if dask_address is not None or not batch_applies(setup.ctx):
        result = run_uncertainty(
            scenario, years, case=case, progress=progress, dask_address=dask_address, **kw
        )
        write_uncertainty(result, out_dir, image=image)
        return result
    tick, bar = _progress(years, progress)

    def blocks() -> Iterable[pd.DataFrame]:
        done = 0
        for block in sample_chunks(setup.ctx, sample_jobs(years, setup.file_years)):
            yield block
            for _ in range(len(block)):
                done += 1
                tick(done)

    with output_folder(out_dir, command="uncertainty") as out:
        try:
            write_blocks(blocks(), out / "samples.parquet", out / "samples.csv", ROW_GROUP_ROWS)
        finally:
            if bar is not None:
                bar.close()
        import pyarrow.parquet as pq

        samples = out / "samples.parquet"
        case = pick_case(scenario, pq.read_schema(samples).names, case)
        summary = summarise_parquet(samples, scenario.venue_names, case)
        settings = setup.settings(scenario, years)
        atomic_write(out / "summary.csv", lambda p: summary.to_csv(p))
        plot_histogram_values(
            lambda col: read_column(samples, col),
            years,
            out / f"histogram.{image}",
            histogram_columns(case),
        )
    return StreamedUncertainty(Path(out_dir), summary, case, settings)
