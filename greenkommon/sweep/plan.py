"""The plan of a sweep: its grid split into energy groups and checkpointed chunks, lazily.

A variant is its id: the grid is the cartesian product of the ``--vary`` dimensions, first
dimension slowest, so variant ``v`` takes value ``(v // stride_j) % len_j`` of dimension ``j``
(mixed radix, ``stride_j`` the product of the later dimensions' lengths). A plan stores the
dimensions, one raw mapping per energy group and the chunking, never a row per variant: a chunk
is the range ``[lo, hi)`` of variant ids and generates its rows when evaluated. Its memory does
not grow with the number of variants.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from .grid import (
    PEAK_PATH,
    Vary,
    _check_size,
    _check_variant,
    _scale_plant,
    apply_overrides,
    build_grid,
    is_cheap,
)
from .output import _FORMAT_VERSION, CACHE_ROWS, column_values, part_row_group_rows

#: Default number of variants per checkpointed chunk.
DEFAULT_CHUNK_SIZE = 2000


# ---------------------------------------------------------------------------------------------
# layout: variant id <-> values
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """Mixed-radix addressing of a sweep's grid (picklable, small: shipped with every chunk).

    Attributes
    ----------
    varies : tuple of Vary
        The dimensions, first slowest.
    """

    varies: tuple[Vary, ...]

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(len(v.values) for v in self.varies)

    @property
    def n_variants(self) -> int:
        return math.prod(self.sizes)

    @property
    def paths(self) -> list[str]:
        return [v.path for v in self.varies]

    @property
    def expensive_at(self) -> list[int]:
        """Dimensions that change weather, production shape or loads (define energy groups)."""
        return [j for j, v in enumerate(self.varies) if not is_cheap(v.path)]

    @property
    def n_groups(self) -> int:
        return math.prod(self.sizes[j] for j in self.expensive_at)

    def values_of(self, path: str) -> tuple[Any, ...] | None:
        """All values of one dimension (None when ``path`` is not varied)."""
        return next((v.values for v in self.varies if v.path == path), None)

    @property
    def order(self) -> list[int]:
        """The dimensions in evaluation order, slowest first: the energy-changing ones (a group's
        variants together), the other cheap ones (a combination's together), the plant size
        last (one money model and one kernel call per piece of a combination's sizes)."""
        peak = [j for j, v in enumerate(self.varies) if v.path == PEAK_PATH]
        rest = [j for j in range(len(self.varies)) if j not in self.expensive_at and j not in peak]
        return self.expensive_at + rest + peak

    @property
    def in_order(self) -> bool:
        """Whether evaluation order is variant order (chunks are then ranges of variant ids)."""
        return self.order == list(range(len(self.varies)))

    def _decode(self, index: np.ndarray, dims: list[int]) -> np.ndarray:
        """(m, D) positions in each dimension of mixed-radix ``index`` over ``dims``."""
        out = np.empty((index.size, len(self.varies)), dtype=np.int64)
        rest = np.asarray(index, dtype=np.int64)
        for j in reversed(dims):
            rest, out[:, j] = np.divmod(rest, self.sizes[j])
        return out

    def _encode(self, codes: np.ndarray, dims: list[int]) -> np.ndarray:
        index = np.zeros(codes.shape[0], dtype=np.int64)
        for j in dims:
            index = index * self.sizes[j] + codes[:, j]
        return index

    def codes(self, lo: int, hi: int) -> np.ndarray:
        """(hi - lo, D) position of each variant of ``[lo, hi)`` in each dimension."""
        return self._decode(np.arange(lo, hi, dtype=np.int64), list(range(len(self.varies))))

    def variant_ids(self, lo: int, hi: int) -> np.ndarray:
        """Variant ids at evaluation positions ``[lo, hi)``."""
        codes = self._decode(np.arange(lo, hi, dtype=np.int64), self.order)
        return self._encode(codes, list(range(len(self.varies))))

    def positions(self, variant_ids: np.ndarray) -> np.ndarray:
        """Evaluation positions of variant ids (the inverse of :meth:`variant_ids`)."""
        codes = self._decode(np.asarray(variant_ids, dtype=np.int64), list(range(len(self.varies))))
        return self._encode(codes, self.order)

    @property
    def group_size(self) -> int:
        """Variants per energy group (the expensive dimensions are the slowest in evaluation
        order, so a group is a range of positions)."""
        return self.n_variants // self.n_groups

    def groups(self, lo: int, hi: int) -> np.ndarray:
        """(hi - lo,) energy group at each evaluation position: the mixed-radix index of the
        expensive positions, i.e. the groups' order of first appearance in variant order."""
        return np.arange(lo, hi, dtype=np.int64) // self.group_size

    def last_position(self, group: int) -> int:
        """The last evaluation position of an energy group."""
        return (group + 1) * self.group_size - 1

    def rows(
        self, lo: int, hi: int, only: list[int] | None = None
    ) -> list[tuple[int, dict[str, Any]]]:
        """``(variant_id, cheap overrides)`` at evaluation positions ``[lo, hi)`` (``only``:
        their offsets from ``lo``), overrides in ``--vary`` order."""
        at = np.arange(hi - lo) if only is None else np.asarray(only, dtype=np.int64)
        codes = self._decode(lo + at, self.order)
        vids = self._encode(codes, list(range(len(self.varies))))
        cheap = [j for j, v in enumerate(self.varies) if is_cheap(v.path)]
        cols = [_objects(self.varies[j].values)[codes[:, j]].tolist() for j in cheap]
        paths = [self.varies[j].path for j in cheap]
        return [
            (int(v), dict(zip(paths, vals, strict=True)))
            for v, vals in zip(
                vids, zip(*cols, strict=True) if cols else ((),) * at.size, strict=True
            )
        ]

    def values(self, lo: int, hi: int) -> pd.DataFrame:
        """The varied values of ``[lo, hi)``, one column per path, with the output's dtypes
        (:func:`~.output.column_values` of the whole dimension)."""
        codes = self.codes(lo, hi)
        return pd.DataFrame(
            {
                v.path: column_values(pd.Series(v.values, dtype=object))
                .iloc[codes[:, j]]
                .reset_index(drop=True)
                for j, v in enumerate(self.varies)
            },
            index=pd.RangeIndex(hi - lo),
        )


def _objects(values: Sequence[Any]) -> np.ndarray:
    """A 1-D object array of the values themselves (1, 1.0 and True stay what they are)."""
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


@dataclass(frozen=True)
class Chunk:
    """A checkpoint unit: evaluation positions ``lo <= position < hi`` (:attr:`Layout.order`;
    variant ids themselves when the plant size, if varied, is the last ``--vary`` and the
    energy-changing ones the first).

    Attributes
    ----------
    chunk_id : int
    lo, hi : int
        Range of evaluation positions.
    layout : Layout
        The grid the positions address.
    """

    chunk_id: int
    lo: int
    hi: int
    layout: Layout

    def __len__(self) -> int:
        return self.hi - self.lo

    @property
    def rows(self) -> tuple[tuple[int, dict[str, Any]], ...]:
        """``(variant_id, cheap overrides)`` of every variant, in evaluation order, generated on
        demand."""
        return tuple(self.layout.rows(self.lo, self.hi))

    @property
    def groups(self) -> list[int]:
        """Energy groups the chunk's variants belong to, ascending."""
        return np.unique(self.layout.groups(self.lo, self.hi)).tolist()

    def by_group(self) -> list[tuple[int, list[tuple[int, dict[str, Any]]]]]:
        """``(group, rows)`` for each energy group of the chunk, rows in evaluation order."""
        g = self.layout.groups(self.lo, self.hi)
        return [
            (int(k), self.layout.rows(self.lo, self.hi, np.flatnonzero(g == k).tolist()))
            for k in np.unique(g)
        ]


class Chunks(Sequence[Chunk]):
    """The chunks of a plan, made when asked for (``len``, indexing, iteration)."""

    def __init__(self, layout: Layout, chunk_size: int):
        self.layout = layout
        self.chunk_size = chunk_size

    def __len__(self) -> int:
        return -(-self.layout.n_variants // self.chunk_size)

    @overload
    def __getitem__(self, i: int) -> Chunk: ...
    @overload
    def __getitem__(self, i: slice) -> list[Chunk]: ...
    def __getitem__(self, i: int | slice) -> Chunk | list[Chunk]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        lo = i * self.chunk_size
        return Chunk(i, lo, min(lo + self.chunk_size, self.layout.n_variants), self.layout)

    def __iter__(self) -> Iterator[Chunk]:
        return (self[i] for i in range(len(self)))

    def of_variant(self, variant_id: int) -> int:
        return variant_id // self.chunk_size


# ---------------------------------------------------------------------------------------------
# plan
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepPlan:
    """A grid split into energy groups and chunks.

    Attributes
    ----------
    base : dict
        Raw base mapping (``extends`` resolved).
    file : Path or None
    layout : Layout
        The dimensions (variant id <-> values).
    group_mappings : list of dict
        Raw mapping of each energy group.
    chunk_size : int
    fingerprint : str
        Hash of the base mapping, the grid and the chunking (a resumed sweep must match it).
    finance : bool
    """

    base: dict[str, Any]
    file: Path | None
    layout: Layout
    group_mappings: list[dict[str, Any]]
    chunk_size: int
    fingerprint: str
    finance: bool = False

    @property
    def n_variants(self) -> int:
        return self.layout.n_variants

    @property
    def chunks(self) -> Chunks:
        return Chunks(self.layout, self.chunk_size)

    @property
    def grid(self) -> pd.DataFrame:
        """The whole grid as a frame (:func:`build_grid`): one row per variant, small grids only."""
        return build_grid(self.layout.varies)

    def last_chunk(self, group: int) -> int:
        """The last chunk holding variants of an energy group (after it the group's energy can
        go)."""
        return self.layout.last_position(group) // self.chunk_size

    @property
    def part_rows(self) -> int:
        """Rows per row group of the part files: a whole chunk when evaluation order is
        variant order, else small enough for the output's reordering to hold at most
        :data:`~.output.CACHE_ROWS` rows of parts (:func:`~.output.part_row_group_rows`)."""
        if self.layout.in_order:
            return self.chunk_size
        window = np.arange(min(self.n_variants, CACHE_ROWS // 2), dtype=np.int64)
        return part_row_group_rows(self.layout.positions(window), self.chunk_size)


def make_plan(
    base: dict[str, Any],
    varies: Sequence[Vary],
    file: str | Path | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    finance: bool = False,
) -> SweepPlan:
    """Split the grid of ``varies`` over ``base`` into energy groups and chunks.

    Every energy group and every combination of cheap values is validated (parsed as a scenario)
    before anything runs, so a bad value fails in a second, not an hour into the sweep.
    """
    if chunk_size < 1:
        raise ScenarioError(f"--chunk-size {chunk_size}: expected an integer >= 1")
    paths = [v.path for v in varies]
    if len(set(paths)) != len(paths):
        dup = next(p for p in paths if paths.count(p) > 1)
        raise ScenarioError(f"--vary {dup}: given twice; list all its values in one --vary")
    layout = Layout(tuple(varies))

    def product(dims: list[int]) -> Iterator[dict[str, Any]]:
        # positions in the order of first appearance in variant order (last dimension fastest)
        for values in itertools.product(*(varies[j].values for j in dims)):
            yield {varies[j].path: x for j, x in zip(dims, values, strict=True)}

    group_mappings: list[dict[str, Any]] = []
    for g_over in product(layout.expensive_at):
        mapping = apply_overrides(base, g_over)
        _check_variant(mapping, file, g_over)  # fail early on a bad group value
        group_mappings.append(mapping)
    # each distinct cheap combination (plant size aside) once, against the first group
    combo_at = [j for j, v in enumerate(varies) if is_cheap(v.path) and v.path != PEAK_PATH]
    for over in product(combo_at):
        _check_variant(apply_overrides(group_mappings[0], over), file, over)
    if PEAK_PATH in paths:
        sizes = varies[paths.index(PEAK_PATH)].values
        _scale_plant(copy.deepcopy(base), sizes[0])  # the plant can be scaled
        for value in sizes:
            _check_size(value)
    payload = json.dumps(
        {
            "base": base,
            "vary": [[v.path, list(v.values)] for v in varies],
            "chunk_size": chunk_size,
            "finance": finance,
            "format": _FORMAT_VERSION,
        },
        sort_keys=True,
        default=str,
    )
    fingerprint = hashlib.sha256(payload.encode()).hexdigest()
    return SweepPlan(
        base, Path(file) if file else None, layout, group_mappings, chunk_size, fingerprint, finance
    )
