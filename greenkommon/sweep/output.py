"""Resumable, atomic Parquet output of a sweep: checkpointed chunks merged into one file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from .._io import atomic_write as _atomic_write
from ..errors import DataError, GreenkommonError
from .plan import _FORMAT_VERSION

_MANIFEST = "manifest.json"


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

    def finalize(self, grid: pd.DataFrame, csv: bool = False) -> pd.DataFrame:
        """Merge the parts with the grid values, write ``OUT`` (and ``OUT`` .csv) atomically,
        remove the part folder, and return the table."""
        missing = sorted(set(range(self.n_chunks)) - self.done())
        if missing:
            raise GreenkommonError(
                f"{self.parts}: chunks {missing[:5]} are missing; rerun with --resume"
            )
        parts = [pd.read_parquet(self.part_path(i)) for i in range(self.n_chunks)]
        table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"variant_id": []})
        table = table.sort_values("variant_id", kind="stable").reset_index(drop=True)
        if len(table) != len(grid) or not np.array_equal(
            table["variant_id"].to_numpy(), np.arange(len(grid))
        ):
            raise DataError(
                f"{self.parts}: the parts do not cover variants 0..{len(grid) - 1} exactly once"
            )
        values = grid.reset_index(drop=True).copy()
        for col in values.columns:
            values[col] = _column_values(values[col])
        kpis = table[[c for c in table.columns if c != "variant_id" and c not in values.columns]]
        table = pd.concat([table[["variant_id"]], values, kpis], axis=1)
        _atomic_write(self.out, lambda p: table.to_parquet(p, index=False))
        if csv:
            _atomic_write(self.out.with_suffix(".csv"), lambda p: table.to_csv(p, index=False))
        shutil.rmtree(self.parts)
        return table


def _column_values(col: pd.Series) -> pd.Series:
    """A grid column with a Parquet-friendly dtype (numbers stay numbers, mixes become text)."""
    values = list(col)
    if all(isinstance(v, bool) for v in values):
        return pd.Series(values, dtype=bool)
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pd.Series(
            values, dtype=float if any(isinstance(v, float) for v in values) else np.int64
        )
    return pd.Series([str(v) for v in values], dtype=object)
