"""Resumable, atomic Parquet output of a sweep: checkpointed chunks streamed into one file.

Each chunk is checkpointed as a Parquet part (temporary file + rename). At the end the parts are
read one at a time, in chunk order (a chunk is a range of variant ids, so chunk order is variant
order), joined with their variants' values and appended to ``OUT`` by a
:class:`pyarrow.parquet.ParquetWriter` writing a temporary file renamed when complete. Memory holds
one row group (:data:`ROW_GROUP_ROWS` rows or one chunk), never the table; what the command
prints at the end (:func:`top_rows`) reads the file back column by column.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .._io import atomic_write as _atomic_write
from ..errors import DataError, GreenkommonError

#: Format version of the part files; bump when the columns change meaning or chunks their
#: layout (2: a chunk is a range of variant ids).
_FORMAT_VERSION = 2

_MANIFEST = "manifest.json"

#: Rows per row group of the output: parts are gathered until they reach it (or one chunk if
#: chunks are larger), so a sweep checkpointed in tiny chunks does not make a file of tiny groups.
ROW_GROUP_ROWS = 8192

#: The KPI column that always comes last (a variant whose long-term projection was refused).
_LAST = "finance_error"


class GridValues(Protocol):
    """The varied values of a range of variant ids (:class:`~.plan.Layout`)."""

    @property
    def n_variants(self) -> int: ...

    @property
    def paths(self) -> list[str]: ...

    def values(self, lo: int, hi: int) -> pd.DataFrame: ...


# ---------------------------------------------------------------------------------------------
# resumable atomic Parquet output
# ---------------------------------------------------------------------------------------------
class ResumableWriter:
    """Chunked checkpoints of a sweep, merged atomically into one Parquet (and CSV) file.

    Parameters
    ----------
    out : str or Path
        Final Parquet file.
    fingerprint : str
        Identity of the sweep; a resume must present the same one.
    n_chunks : int
    resume : bool
        Continue the unfinished sweep found in ``OUT.parts/``.
    overwrite : bool
        Start over: discard an unfinished sweep and replace an existing result.

    Raises
    ------
    GreenkommonError
        If ``OUT`` or ``OUT.parts/`` exists and neither ``resume`` nor ``overwrite`` says what to do,
        or the parts belong to a different sweep.
    """

    def __init__(
        self,
        out: str | Path,
        fingerprint: str,
        n_chunks: int,
        *,
        resume: bool = False,
        overwrite: bool = False,
    ):
        self.out = Path(out)
        self.parts = self.out.with_name(self.out.name + ".parts")
        self.fingerprint = fingerprint
        self.n_chunks = n_chunks
        manifest = self.parts / _MANIFEST
        if overwrite and self.parts.exists():
            shutil.rmtree(self.parts)
        if self.parts.exists() and not resume:
            raise GreenkommonError(
                f"{self.parts}: an unfinished sweep is there: add --resume to continue it or "
                "--overwrite to start over"
            )
        if self.out.exists() and not (overwrite or (resume and self.parts.exists())):
            if resume:
                raise GreenkommonError(
                    f"{self.out}: this sweep is already complete (no unfinished parts in {self.parts}); "
                    "add --overwrite to run it again"
                )
            raise GreenkommonError(f"{self.out}: exists: add --overwrite to replace it")
        if self.parts.exists():
            try:
                old = json.loads(manifest.read_text())
            except (OSError, ValueError):
                raise DataError(
                    f"{manifest}: missing or unreadable: cannot resume; use --overwrite"
                ) from None
            if old.get("fingerprint") != fingerprint:
                raise GreenkommonError(
                    f"{self.parts}: belongs to a different sweep (scenario, --vary or --chunk-size "
                    "changed): rerun with the same arguments, or --overwrite"
                )
        else:
            self.parts.mkdir(parents=True)
            try:
                _atomic_write(
                    manifest,
                    lambda p: p.write_text(
                        json.dumps(
                            {
                                "fingerprint": fingerprint,
                                "n_chunks": n_chunks,
                                "format": _FORMAT_VERSION,
                            }
                        )
                    ),
                )
            except BaseException:
                # a parts folder without its manifest could neither resume nor be told apart
                # from a user's folder: leave nothing
                shutil.rmtree(self.parts, ignore_errors=True)
                raise

    def part_path(self, chunk_id: int) -> Path:
        return self.parts / f"part-{chunk_id:07d}.parquet"

    def done(self) -> set[int]:
        """Chunk ids already checkpointed."""
        out = set()
        for p in self.parts.glob("part-*.parquet"):
            try:
                out.add(int(p.stem.split("-")[1]))
            except ValueError:
                continue
        return out

    def write_chunk(self, chunk_id: int, frame: pd.DataFrame) -> None:
        """Checkpoint one chunk (atomic)."""
        _atomic_write(self.part_path(chunk_id), lambda p: frame.to_parquet(p, index=False))

    def finalize(
        self, grid: pd.DataFrame | GridValues, csv: bool = False, load: bool = True
    ) -> pd.DataFrame | None:
        """Stream the parts, in order, into ``OUT`` (and ``OUT`` .csv) atomically, remove the part
        folder; return the table read back when ``load`` (memory then grows with the grid).

        Parameters
        ----------
        grid : GridValues or pandas.DataFrame
            The varied values: a plan's :class:`~.plan.Layout`, or a frame of :func:`~.grid.build_grid`.
        csv : bool
            Also write the CSV (streamed the same way).
        load : bool
            Return the whole table (for tests and small sweeps).

        Raises
        ------
        DataError
            If the parts do not cover variants ``0..n-1`` exactly once, in order.
        """
        missing = sorted(set(range(self.n_chunks)) - self.done())
        if missing:
            raise GreenkommonError(
                f"{self.parts}: chunks {missing[:5]} are missing; rerun with --resume"
            )
        values = _FrameValues(grid) if isinstance(grid, pd.DataFrame) else grid
        schema = self._schema(values)
        csv_path = self.out.with_suffix(".csv")
        if csv:
            _atomic_write(
                self.out,
                lambda p: _atomic_write(csv_path, lambda q: self._stream(values, schema, p, q)),
            )
        else:
            _atomic_write(self.out, lambda p: self._stream(values, schema, p, None))
        shutil.rmtree(self.parts)
        return pd.read_parquet(self.out) if load else None

    def _schema(self, values: GridValues) -> Any:
        """``variant_id``, the varied paths, then every part's KPI columns in order of first
        appearance (``finance_error`` last), each with the type that holds all parts' values;
        read from the parts' footers only."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        schemas = [
            pq.read_schema(self.part_path(i)).remove_metadata() for i in range(self.n_chunks)
        ]
        paths = set(values.paths)
        names: list[str] = []
        for s in schemas:
            names += [n for n in s.names if n != "variant_id" and n not in paths and n not in names]
        if _LAST in names:
            names = [n for n in names if n != _LAST] + [_LAST]
        unified = pa.unify_schemas(schemas, promote_options="permissive") if schemas else None
        first = pa.Table.from_pandas(
            values.values(0, min(1, values.n_variants)), preserve_index=False
        )
        fields = [pa.field("variant_id", pa.int64())]
        fields += [pa.field(p, first.schema.field(p).type) for p in values.paths]
        fields += [pa.field(n, unified.field(n).type) for n in names] if unified else []
        return pa.schema(fields)

    def _stream(self, values: GridValues, schema: Any, out: Path, csv: Path | None) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        n = values.n_variants
        kpis = schema.names[1 + len(values.paths) :]
        expected = 0
        pending: list[Any] = []
        rows = 0
        with pq.ParquetWriter(out, schema) as writer, _open_or_nothing(csv) as sink:

            def flush() -> None:
                table = pa.concat_tables(pending)
                writer.write_table(table, row_group_size=table.num_rows)
                if sink is not None:
                    table.to_pandas().to_csv(sink, header=sink.tell() == 0, index=False)
                pending.clear()

            for i in range(self.n_chunks):
                part = pq.read_table(self.part_path(i))
                vid = part.column("variant_id").to_numpy()
                m = vid.size
                if expected + m > n or not np.array_equal(vid, np.arange(expected, expected + m)):
                    raise DataError(
                        f"{self.parts}: the parts do not cover variants 0..{n - 1} exactly once"
                    )
                grid = values.values(expected, expected + m)
                columns = [pa.array(vid, pa.int64())]
                columns += [
                    pa.Array.from_pandas(grid[p], type=schema.field(p).type) for p in values.paths
                ]
                columns += [
                    part.column(c).cast(schema.field(c).type)
                    if c in part.column_names
                    else pa.nulls(m, schema.field(c).type)
                    for c in kpis
                ]
                pending.append(pa.Table.from_arrays(columns, schema=schema))
                rows += m
                expected += m
                if rows >= ROW_GROUP_ROWS:
                    flush()
                    rows = 0
            if pending:
                flush()
        if expected != n:
            raise DataError(
                f"{self.parts}: the parts do not cover variants 0..{n - 1} exactly once"
            )


def _open_or_nothing(path: Path | None) -> Any:
    """``open(path, "w")``, or a context holding ``None``."""
    if path is None:
        return contextlib.nullcontext()
    return open(path, "w", newline="", encoding="utf-8")


class _FrameValues:
    """:class:`GridValues` of a whole grid frame (:func:`~.grid.build_grid`)."""

    def __init__(self, grid: pd.DataFrame):
        self.frame = grid.reset_index(drop=True).copy()
        for col in self.frame.columns:
            self.frame[col] = column_values(self.frame[col])

    @property
    def n_variants(self) -> int:
        return len(self.frame)

    @property
    def paths(self) -> list[str]:
        return list(self.frame.columns)

    def values(self, lo: int, hi: int) -> pd.DataFrame:
        return self.frame.iloc[lo:hi].reset_index(drop=True)


def column_values(col: pd.Series) -> pd.Series:
    """A grid column with a Parquet-friendly dtype (numbers stay numbers, mixes become text)."""
    values = list(col)
    if all(isinstance(v, bool) for v in values):
        return pd.Series(values, dtype=bool)
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pd.Series(
            values, dtype=float if any(isinstance(v, float) for v in values) else np.int64
        )
    return pd.Series([str(v) for v in values], dtype=object)


# ---------------------------------------------------------------------------------------------
# reading the result back, column by column
# ---------------------------------------------------------------------------------------------
def top_rows(path: str | Path, column: str, n: int, columns: Sequence[str]) -> pd.DataFrame:
    """The ``n`` rows of a sweep's Parquet file with the largest ``column``, as
    ``table.sort_values(column, ascending=False, kind="stable").head(n)[columns]`` would give
    them (NaN last, ties in variant order), reading one row group of one column at a time."""
    import pyarrow.parquet as pq

    f = pq.ParquetFile(path)
    best = np.empty(0)
    at = np.empty(0, dtype=np.int64)
    starts = [0]
    for g in range(f.num_row_groups):
        x = f.read_row_group(g, columns=[column]).column(0).to_numpy(zero_copy_only=False)
        vals = np.concatenate([best, np.asarray(x, dtype=float)])
        idx = np.concatenate([at, starts[-1] + np.arange(x.size)])
        # earlier candidates come first and carry smaller rows: a stable sort keeps ties in order
        keep = np.argsort(-vals, kind="stable")[:n]
        best, at = vals[keep], idx[keep]
        starts.append(starts[-1] + x.size)
    frames = []
    for g in np.unique(np.searchsorted(starts, at, side="right") - 1):
        rows = at[(at >= starts[g]) & (at < starts[g + 1])]
        chunk = f.read_row_group(int(g), columns=list(columns)).to_pandas()
        frames.append(chunk.iloc[rows - starts[g]].set_axis(rows))
    if not frames:
        return pd.DataFrame(columns=list(columns))
    return pd.concat(frames).loc[at].reset_index(drop=True)
