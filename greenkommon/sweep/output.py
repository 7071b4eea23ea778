"""Resumable, atomic Parquet output of a sweep: checkpointed chunks streamed into one file.

Each chunk is checkpointed as a Parquet part (temporary file + rename), its rows in evaluation
order (:attr:`~.plan.Layout.order`). At the end ``OUT`` is written in variant order,
:data:`ROW_GROUP_ROWS` variants at a time, by a :class:`pyarrow.parquet.ParquetWriter` into a
temporary file renamed when complete: each row group's rows are taken from the parts' row groups
that hold them, read when first needed and kept in a cache of at most :data:`CACHE_ROWS` rows
(when evaluation order is variant order this is concatenation, part after part). The parts' row
groups are sized for that (:func:`part_row_group_rows`), so memory never holds the table; what
the command prints at the end (:func:`top_rows`) reads the file back column by column.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .._io import atomic_write as _atomic_write
from ..errors import DataError, GreenkommonError

#: Format version of the part files; bump when the columns change meaning or chunks their
#: layout (3: a chunk is a range of evaluation positions, its rows in that order).
_FORMAT_VERSION = 3

_MANIFEST = "manifest.json"

#: Variants per row group of the output.
ROW_GROUP_ROWS = 8192

#: Rows of the parts the output's reordering keeps in memory at most (~80 MB at 40 columns).
#: The parts' row groups are sized for half of it (:func:`part_row_group_rows`): an output row
#: group may straddle two row groups of each part it reads.
CACHE_ROWS = 1 << 18

#: The KPI column that always comes last (a variant whose long-term projection was refused).
_LAST = "finance_error"


class GridValues(Protocol):
    """The varied values of a range of variant ids (:class:`~.plan.Layout`)."""

    @property
    def n_variants(self) -> int: ...

    @property
    def paths(self) -> list[str]: ...

    def values(self, lo: int, hi: int) -> pd.DataFrame: ...

    def positions(self, variant_ids: np.ndarray) -> np.ndarray: ...


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

    def write_chunk(
        self, chunk_id: int, frame: pd.DataFrame, row_group_rows: int | None = None
    ) -> None:
        """Checkpoint one chunk (atomic), its rows in evaluation order, in row groups of
        ``row_group_rows`` (:attr:`~.plan.SweepPlan.part_rows`)."""
        rows = max(1, row_group_rows or len(frame))
        _atomic_write(
            self.part_path(chunk_id),
            lambda p: frame.to_parquet(p, index=False, row_group_size=rows),
        )

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
        csv_path = self.out.with_suffix(".csv")
        if csv:
            _atomic_write(
                self.out,
                lambda p: _atomic_write(csv_path, lambda q: self._stream(values, p, q)),
            )
        else:
            _atomic_write(self.out, lambda p: self._stream(values, p, None))
        shutil.rmtree(self.parts)
        return pd.read_parquet(self.out) if load else None

    def _schema(self, values: GridValues) -> tuple[Any, np.ndarray, np.ndarray]:
        """From the parts' footers only: the output schema (``variant_id``, the varied paths,
        then every part's KPI columns in order of first appearance, ``finance_error`` last, each
        with the type that holds all parts' values) and where each row group of the parts
        starts, in evaluation positions (with the total as a last entry), and its part."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        schemas = []
        starts: list[int] = []
        part_of: list[int] = []
        at = 0
        for i in range(self.n_chunks):
            meta = pq.read_metadata(self.part_path(i))
            schemas.append(meta.schema.to_arrow_schema().remove_metadata())
            for g in range(meta.num_row_groups):
                starts.append(at)
                part_of.append(i)
                at += meta.row_group(g).num_rows
        if at != values.n_variants:
            raise DataError(
                f"{self.parts}: the parts do not cover variants 0..{values.n_variants - 1} "
                "exactly once"
            )
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
        return pa.schema(fields), np.asarray([*starts, at], dtype=np.int64), np.asarray(part_of)

    def _stream(self, values: GridValues, out: Path, csv: Path | None) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema, starts, part_of = self._schema(values)
        n = values.n_variants
        kpis = schema.names[1 + len(values.paths) :]
        # float columns gathered as one (columns, rows) block per row group of the parts, the
        # few others (text, flags) as object arrays
        floats = [c for c in kpis if pa.types.is_floating(schema.field(c).type)]
        others = [c for c in kpis if c not in set(floats)]
        cache: OrderedDict[int, tuple[np.ndarray, np.ndarray, list[np.ndarray]]] = OrderedDict()
        cached = 0

        def row_group(k: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
            """Variant ids, float block and other columns of row group ``k`` of the parts."""
            nonlocal cached
            hit = cache.pop(k, None)
            if hit is None:
                first = int(np.searchsorted(part_of, part_of[k]))
                with pq.ParquetFile(self.part_path(int(part_of[k]))) as f:
                    raw = f.read_row_group(k - first)
                m = raw.num_rows
                block = np.full((len(floats), m), np.nan)
                for j, c in enumerate(floats):
                    if c in raw.column_names:
                        block[j] = raw.column(c).to_numpy()
                other = [
                    raw.column(c).to_numpy(zero_copy_only=False).astype(object)
                    if c in raw.column_names
                    else np.full(m, None, dtype=object)
                    for c in others
                ]
                hit = (raw.column("variant_id").to_numpy(), block, other)
                cached += m
            cache[k] = hit  # most recently used last
            while cached > CACHE_ROWS and len(cache) > 1:
                cached -= cache.popitem(last=False)[1][0].size
            return hit

        with pq.ParquetWriter(out, schema) as writer, _open_or_nothing(csv) as sink:
            for v0 in range(0, n, ROW_GROUP_ROWS):
                v1 = min(n, v0 + ROW_GROUP_ROWS)
                m = v1 - v0
                pos = values.positions(np.arange(v0, v1, dtype=np.int64))
                k = np.searchsorted(starts, pos, side="right") - 1
                local = pos - starts[k]
                order = np.argsort(k, kind="stable")
                vid = np.empty(m, dtype=np.int64)
                block = np.empty((len(floats), m))
                other = [np.empty(m, dtype=object) for _c in others]
                for seg in np.split(order, np.flatnonzero(np.diff(k[order])) + 1):
                    src_vid, src_block, src_other = row_group(int(k[seg[0]]))
                    rows = local[seg]
                    vid[seg] = src_vid[rows]
                    block[:, seg] = src_block[:, rows]
                    for dst, src in zip(other, src_other, strict=True):
                        dst[seg] = src[rows]
                if not np.array_equal(vid, np.arange(v0, v1)):
                    raise DataError(
                        f"{self.parts}: the parts do not cover variants 0..{n - 1} exactly once"
                    )
                grid = values.values(v0, v1)
                arrays: dict[str, Any] = {"variant_id": pa.array(vid, pa.int64())}
                for p in values.paths:
                    arrays[p] = pa.Array.from_pandas(grid[p], type=schema.field(p).type)
                for j, c in enumerate(floats):
                    arrays[c] = pa.array(block[j], type=schema.field(c).type)
                for c, col in zip(others, other, strict=True):
                    arrays[c] = pa.array(col, type=schema.field(c).type, from_pandas=True)
                table = pa.Table.from_arrays([arrays[c] for c in schema.names], schema=schema)
                writer.write_table(table, row_group_size=table.num_rows)
                if sink is not None:
                    table.to_pandas().to_csv(sink, header=v0 == 0, index=False)


def part_row_group_rows(
    positions: np.ndarray, chunk_size: int, budget: int = CACHE_ROWS // 2
) -> int:
    """Rows per row group of the parts so that writing the output in variant order holds at
    most ``budget`` rows of parts.

    Parameters
    ----------
    positions : numpy.ndarray
        Evaluation positions of the first variant ids, in variant order (a window of the
        output; row groups still open at its end count as open).
    chunk_size : int
        Rows per part.

    Returns
    -------
    int
        ``chunk_size`` when positions are variant ids, else the largest ``r`` (halving from
        ``chunk_size``) for which the largest number of row groups opened (first row needed)
        and not yet finished (last row written) times ``r`` stays within ``budget``; at least 1.
    """
    if np.array_equal(positions, np.arange(positions.size)):
        return chunk_size
    r = chunk_size
    while r > 1:
        key = (positions // chunk_size) * chunk_size + (positions % chunk_size) // r
        _, first = np.unique(key, return_index=True)
        _, last = np.unique(key[::-1], return_index=True)
        events = np.zeros(key.size + 1, dtype=np.int64)
        np.add.at(events, first, 1)
        np.add.at(events, key.size - last, -1)
        if int(np.cumsum(events).max()) * r <= budget:
            return r
        r //= 2
    return 1


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

    def positions(self, variant_ids: np.ndarray) -> np.ndarray:
        return variant_ids


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
