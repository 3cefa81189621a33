"""Forecast hierarchies: the nodes of nested and grouped (crossed) aggregations and their S matrix.

A :class:`Hierarchy` is built once from the id columns of a sales frame. Every node is the sum of
a set of bottom series (one per full id combination); the sparse summing matrix ``S`` maps bottom
values to every node. All work is vectorised over integer codes: no Python loop per series.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, Literal

import attrs
import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray

from .._exceptions import InvalidParameterError, SchemaError
from .._validation import Column, FrameSchema, check_choice, check_frame, short_repr

__all__ = ["DEFAULT_IDS", "LEVEL_SPECS", "Hierarchy", "LevelSpec", "is_nested"]

IntArray = NDArray[np.intp]
FloatArray = NDArray[np.float64]
LevelSpec = Literal["nested", "grouped"]
#: Named ways to derive the levels of a :class:`Hierarchy` from its id columns.
LEVEL_SPECS: tuple[LevelSpec, ...] = ("nested", "grouped")
#: Id columns looked for in a sales frame when ``ids`` is not given, in this order.
DEFAULT_IDS: tuple[str, ...] = ("channel", "location", "product")
_FUNC = "Hierarchy.from_frame"
_MAX_KEY = 2**62


def level_name(columns: tuple[str, ...]) -> str:
    """``"total"`` for the grand total, else the columns joined by ``/``."""
    return "/".join(columns) if columns else "total"


def is_nested(levels: Sequence[Sequence[str]]) -> bool:
    """Whether every level's columns strictly contain those of the level above (a tree)."""
    return all(set(upper) < set(lower) for upper, lower in itertools.pairwise(levels))


def lex_keys(codes: IntArray, sizes: Sequence[int]) -> NDArray[np.int64]:
    """Integer keys of the rows of ``codes`` that sort like the rows (lexicographically).

    Mixed-radix packing while it fits in 62 bits; past that the partial keys are re-densified
    (``np.unique`` keeps order), so any number of columns works.
    """
    key = np.zeros(codes.shape[0], dtype=np.int64)
    space = 1
    for j, size in enumerate(sizes):
        size = max(int(size), 1)
        if space * size >= _MAX_KEY:
            uniq, inv = np.unique(key, return_inverse=True)
            key = inv.astype(np.int64).reshape(-1)
            space = int(uniq.size)
        key = key * size + codes[:, j]
        space *= size
    return key


def _unique_rows(codes: IntArray, sizes: Sequence[int]) -> tuple[IntArray, IntArray]:
    """Sorted unique rows of ``codes`` and the inverse (row -> unique row)."""
    if codes.shape[1] == 0:
        return np.zeros((1, 0), dtype=np.intp), np.zeros(codes.shape[0], dtype=np.intp)
    key = lex_keys(codes, sizes)
    _, first, inv = np.unique(key, return_index=True, return_inverse=True)
    return codes[first], inv.reshape(-1).astype(np.intp)


def _resolve_ids(frame: pd.DataFrame, ids: object) -> tuple[str, ...]:
    if ids is None:
        found = tuple(c for c in DEFAULT_IDS if c in frame.columns)
        if not found:
            raise SchemaError(
                f"frame has none of the id columns {list(DEFAULT_IDS)}; got "
                f"{short_repr([str(c) for c in frame.columns])}. Pass ids=[...] to name them."
            )
        return found
    if isinstance(ids, str):
        ids = (ids,)
    if (
        not isinstance(ids, Sequence)
        or not ids
        or not all(isinstance(c, str) and c for c in ids)
        or len(set(ids)) != len(ids)
    ):
        raise InvalidParameterError(
            f"The 'ids' parameter of {_FUNC} must be a non-empty sequence of distinct column "
            f"names. Got {short_repr(ids)} instead."
        )
    return tuple(ids)


def _resolve_levels(levels: object, ids: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    if isinstance(levels, str):
        spec = check_choice(levels, "levels", LEVEL_SPECS, func=_FUNC)
        if spec == "nested":
            return tuple(ids[:k] for k in range(len(ids) + 1))
        return tuple(combo for k in range(len(ids) + 1) for combo in itertools.combinations(ids, k))
    fix = (
        "Pass 'nested', 'grouped' or a list of tuples of id columns ending with the full "
        f"id tuple {ids}."
    )
    if not isinstance(levels, Sequence) or not levels:
        raise InvalidParameterError(
            f"The 'levels' parameter of {_FUNC} must be 'nested', 'grouped' or a non-empty list "
            f"of tuples of id columns. Got {short_repr(levels)} instead."
        )
    out: list[tuple[str, ...]] = []
    seen: dict[frozenset[str], int] = {}
    for i, level in enumerate(levels):
        if isinstance(level, str) or not isinstance(level, Sequence):
            raise InvalidParameterError(
                f"levels[{i}] of {_FUNC} must be a tuple of id columns; got {short_repr(level)}. "
                + fix
            )
        cols = tuple(level)
        bad = [c for c in cols if c not in ids]
        if bad or len(set(cols)) != len(cols):
            raise InvalidParameterError(
                f"levels[{i}] of {_FUNC} must hold distinct id columns out of {list(ids)}; got "
                f"{short_repr(cols)}."
            )
        key = frozenset(cols)
        if key in seen:
            raise InvalidParameterError(
                f"levels[{i}] of {_FUNC} repeats levels[{seen[key]}] ({short_repr(cols)}); each "
                "set of columns may appear once."
            )
        seen[key] = i
        out.append(cols)
    if frozenset(out[-1]) != frozenset(ids):
        where = [i for i, cols in enumerate(out) if frozenset(cols) == frozenset(ids)]
        got = f"it is levels[{where[0]}]" if where else "it is missing"
        raise InvalidParameterError(
            f"The last entry of 'levels' of {_FUNC} must be the bottom level (all id columns "
            f"{ids}); {got}. {fix}"
        )
    return tuple(out)


def _take(uniques: Any, codes: IntArray) -> Any:
    """Values of ``uniques`` at ``codes`` with the dtype's missing value at ``-1``."""
    if isinstance(uniques, pd.Categorical):
        return pd.Categorical.from_codes(codes, dtype=uniques.dtype)
    index = pd.Index(uniques)
    if pd.api.types.is_integer_dtype(index.dtype):
        values = index.to_numpy()[np.maximum(codes, 0)]
        return pd.arrays.IntegerArray(values.astype(np.int64), codes < 0)
    values = index.array if not pd.api.types.is_object_dtype(index.dtype) else index.to_numpy()
    return pd.api.extensions.take(values, codes, allow_fill=True)


def _readonly_csr(matrix: sp.csr_matrix) -> sp.csr_matrix:
    matrix.sort_indices()
    for arr in (matrix.data, matrix.indices, matrix.indptr):
        arr.flags.writeable = False
    return matrix


@attrs.frozen(kw_only=True, eq=False)
class Hierarchy:
    """Nodes of a forecast hierarchy and its sparse summing matrix.

    Build it with :meth:`from_frame`. Every node is the sum of the bottom series (one per full id
    combination) below it; nodes are ordered level by level, from the top level to the bottom one
    in the order of :attr:`levels`, and by their ids within a level (categorical ids in category
    order). ``S @ bottom`` turns
    ``(n_bottom, m)`` bottom values into ``(n_nodes, m)`` values for every node.

    Attributes
    ----------
    ids : tuple of str
        The id columns, e.g. ``("channel", "location", "product")``.
    levels : tuple of tuple of str
        Id columns kept at each level, top to bottom; ``()`` is the grand total and the last
        level holds every id column.
    S : scipy.sparse.csr_matrix
        ``(n_nodes, n_bottom)`` 0/1 summing matrix; its last ``n_bottom`` rows are the identity.
    nodes : pandas.DataFrame
        One row per node, in node order: ``level`` (``"total"``, ``"channel"``,
        ``"channel/location"``, ...) and the id columns, missing where a column is aggregated out.
    bottom : pandas.DataFrame
        The id columns of the bottom series, in column order of ``S``.

    Examples
    --------
    >>> import omnichannel as oc
    >>> sales = oc.simulate_retailer(n_customers=200, seed=1).sales
    >>> h = oc.Hierarchy.from_frame(sales, levels="nested")
    >>> h.summary()
                          level  columns  n_nodes  min_bottom  max_bottom
    0                     total        0        1          96          96
    1                   channel        1        3          12          72
    2          channel/location        2        8          12          12
    3  channel/location/product        3       96           1           1
    """

    ids: tuple[str, ...]
    levels: tuple[tuple[str, ...], ...]
    S: sp.csr_matrix = attrs.field(repr=False)
    nodes: pd.DataFrame = attrs.field(repr=False)
    bottom: pd.DataFrame = attrs.field(repr=False)
    _codes: IntArray = attrs.field(repr=False)
    _uniques: tuple[Any, ...] = attrs.field(repr=False)
    _starts: IntArray = attrs.field(repr=False)
    _bottom_nodes: IntArray = attrs.field(repr=False)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        levels: LevelSpec | Sequence[Sequence[str]] = "grouped",
        ids: Sequence[str] | None = None,
    ) -> Hierarchy:
        """Build the hierarchy of the series in ``frame``.

        Only the id columns of ``frame`` are read: each distinct combination of them is a bottom
        series (a sales frame with one row per series and date works as it is).

        Parameters
        ----------
        frame : pandas.DataFrame
            Frame with the id columns (string, categorical or integer, no missing values).
        levels : {"nested", "grouped"} or list of tuple of str, default "grouped"
            ``"nested"``: the prefixes of ``ids`` (total, channel, channel x location, ...).
            ``"grouped"``: every subset of ``ids``, i.e. all crossed aggregations, by size.
            A list: the id columns of each level, top to bottom; the last entry must hold every
            id column (the bottom level) and no set of columns may repeat.
        ids : sequence of str, optional
            The id columns, in order. Default: those of ``("channel", "location", "product")``
            present in ``frame``.

        Returns
        -------
        Hierarchy

        Raises
        ------
        SchemaError
            If an id column is missing, has the wrong dtype or missing values.
        InvalidParameterError
            On invalid ``levels`` or ``ids``.

        Examples
        --------
        >>> import pandas as pd
        >>> import omnichannel as oc
        >>> keys = pd.DataFrame(
        ...     {"channel": ["store", "store", "web"], "product": ["a", "b", "a"]}
        ... )
        >>> h = oc.Hierarchy.from_frame(keys, levels="grouped")
        >>> h
        Hierarchy(ids=('channel', 'product'), levels=4, nodes=8, bottom=3)
        >>> h.nodes
                     level channel product
        0            total     NaN     NaN
        1          channel   store     NaN
        2          channel     web     NaN
        3          product     NaN       a
        4          product     NaN       b
        5  channel/product   store       a
        6  channel/product   store       b
        7  channel/product     web       a
        >>> h.S.toarray().astype(int)
        array([[1, 1, 1],
               [1, 1, 0],
               [0, 0, 1],
               [1, 0, 1],
               [0, 1, 0],
               [1, 0, 0],
               [0, 1, 0],
               [0, 0, 1]])
        """
        id_cols = _resolve_ids(frame, ids) if isinstance(frame, pd.DataFrame) else ()
        schema = FrameSchema("frame", tuple(Column(c, "id") for c in id_cols))
        check_frame(frame, schema)
        level_cols = _resolve_levels(levels, id_cols)
        k = len(id_cols)
        raw = np.empty((len(frame), k), dtype=np.intp)
        uniques: list[Any] = []
        for j, col in enumerate(id_cols):
            codes, values = pd.factorize(frame[col], sort=True)
            raw[:, j] = codes
            uniques.append(values)
        sizes = [len(u) for u in uniques]
        if len(frame) == 0:
            raise SchemaError(f"frame passed to {_FUNC} has no rows; it needs at least one series.")
        # Bottom series in the order of the bottom level's columns.
        order = [id_cols.index(c) for c in level_cols[-1]]
        bottom_sorted, _ = _unique_rows(raw[:, order], [sizes[j] for j in order])
        bottom_codes = np.empty_like(bottom_sorted)
        bottom_codes[:, order] = bottom_sorted
        n_bottom = bottom_codes.shape[0]
        node_blocks: list[IntArray] = []
        bottom_nodes = np.empty((len(level_cols), n_bottom), dtype=np.intp)
        starts = np.zeros(len(level_cols) + 1, dtype=np.intp)
        for i, cols in enumerate(level_cols):
            pos = [id_cols.index(c) for c in cols]
            uniq, inv = _unique_rows(bottom_codes[:, pos], [sizes[j] for j in pos])
            block = np.full((uniq.shape[0], k), -1, dtype=np.intp)
            block[:, pos] = uniq
            node_blocks.append(block)
            bottom_nodes[i] = starts[i] + inv
            starts[i + 1] = starts[i] + uniq.shape[0]
        node_codes = np.concatenate(node_blocks)
        n_nodes = int(starts[-1])
        matrix = sp.csr_matrix(
            (
                np.ones(bottom_nodes.size),
                (bottom_nodes.reshape(-1), np.tile(np.arange(n_bottom), len(level_cols))),
            ),
            shape=(n_nodes, n_bottom),
        )
        names = np.array([level_name(c) for c in level_cols], dtype=object)
        nodes = pd.DataFrame({"level": np.repeat(names, np.diff(starts))})
        bottom = pd.DataFrame(index=pd.RangeIndex(n_bottom))
        for j, col in enumerate(id_cols):
            nodes[col] = _take(uniques[j], node_codes[:, j])
            bottom[col] = _take(uniques[j], bottom_codes[:, j])
        for arr in (node_codes, starts, bottom_nodes):
            arr.flags.writeable = False
        return cls(
            ids=id_cols,
            levels=level_cols,
            S=_readonly_csr(matrix),
            nodes=nodes,
            bottom=bottom,
            codes=node_codes,
            uniques=tuple(uniques),
            starts=starts,
            bottom_nodes=bottom_nodes,
        )

    # ------------------------------------------------------------------ sizes and tags
    @property
    def n_nodes(self) -> int:
        """Number of nodes (rows of ``S``)."""
        return int(self.S.shape[0])

    @property
    def n_bottom(self) -> int:
        """Number of bottom series (columns of ``S``)."""
        return int(self.S.shape[1])

    @property
    def n_aggregated(self) -> int:
        """Number of nodes above the bottom level (the first rows of ``S``)."""
        return self.n_nodes - self.n_bottom

    @property
    def level_names(self) -> tuple[str, ...]:
        """Name of each level, e.g. ``("total", "channel", "channel/product")``."""
        return tuple(level_name(c) for c in self.levels)

    @property
    def tags(self) -> dict[str, IntArray]:
        """Node positions of each level, keyed by level name, top to bottom."""
        return {
            name: np.arange(self._starts[i], self._starts[i + 1])
            for i, name in enumerate(self.level_names)
        }

    @property
    def level_of_node(self) -> IntArray:
        """Level number (index into :attr:`levels`) of every node."""
        return np.repeat(np.arange(len(self.levels)), np.diff(self._starts))

    @property
    def level_starts(self) -> IntArray:
        """First node position of every level, plus ``n_nodes`` at the end."""
        return self._starts

    @property
    def bottom_nodes(self) -> IntArray:
        """``(n_levels, n_bottom)`` node position of each bottom series at every level."""
        return self._bottom_nodes

    @property
    def is_nested(self) -> bool:
        """Whether every level refines the one above it (a tree, as top-down needs)."""
        return all(set(upper) < set(lower) for upper, lower in itertools.pairwise(self.levels))

    def aggregated_matrix(self) -> sp.csr_matrix:
        """Return the aggregated rows of ``S``: ``(n_aggregated, n_bottom)``."""
        return self.S[: self.n_aggregated]

    def parents(self, level: int) -> IntArray:
        """For nodes of level ``level`` (> 0), the position of their parent one level up.

        Only meaningful for nested hierarchies (each node then has a single parent).
        """
        first = self.S.indices[self.S.indptr[self._starts[level] : self._starts[level + 1]]]
        return np.asarray(self._bottom_nodes[level - 1][first], dtype=np.intp)

    # ------------------------------------------------------------------ lookups
    def node_index(
        self, frame: pd.DataFrame, *, missing: Literal["raise", "ignore"] = "raise"
    ) -> IntArray:
        """Node position of every row of ``frame``.

        A row's level is given by the id columns it sets: columns absent from ``frame`` or
        missing in the row are aggregated out (the layout of :attr:`nodes` and of
        :func:`aggregate`).

        Parameters
        ----------
        frame : pandas.DataFrame
            Frame with some of the id columns.
        missing : {"raise", "ignore"}, default "raise"
            What to do with a row that matches no node: raise, or return ``-1`` for it.

        Returns
        -------
        numpy.ndarray of intp
            One node position per row.

        Raises
        ------
        SchemaError
            If a row's set id columns form no level of the hierarchy, or its ids name no node.

        Examples
        --------
        >>> import pandas as pd
        >>> import omnichannel as oc
        >>> keys = pd.DataFrame({"channel": ["store", "web"], "product": ["a", "a"]})
        >>> h = oc.Hierarchy.from_frame(keys, levels="nested")
        >>> h.node_index(pd.DataFrame({"channel": ["web", None], "product": ["a", None]}))
        array([4, 0])
        """
        check_choice(missing, "missing", ("raise", "ignore"), func="Hierarchy.node_index")
        if not isinstance(frame, pd.DataFrame):
            raise SchemaError(
                f"frame passed to Hierarchy.node_index must be a pandas DataFrame; got "
                f"{type(frame).__name__}."
            )
        n = len(frame)
        k = len(self.ids)
        codes = np.full((n, k), -1, dtype=np.intp)
        unknown = np.zeros(n, dtype=bool)
        for j, col in enumerate(self.ids):
            if col not in frame.columns:
                continue
            values = frame[col]
            isna = values.isna().to_numpy()
            known = pd.Index(self._uniques[j])
            try:
                got = np.asarray(known.get_indexer(values), dtype=np.intp)
            except (TypeError, ValueError):  # pragma: no cover - incomparable dtypes
                got = np.full(n, -1, dtype=np.intp)
            codes[:, j] = np.where(isna, -1, got)
            unknown |= ~isna & (got < 0)
        # Rows with an unknown value keep their pattern from the non-missing columns.
        set_cols = np.zeros((n, k), dtype=bool)
        for j, col in enumerate(self.ids):
            if col in frame.columns:
                set_cols[:, j] = ~frame[col].isna().to_numpy()
        pattern = set_cols.astype(np.int64) @ (np.int64(1) << np.arange(k, dtype=np.int64))
        out = np.full(n, -1, dtype=np.intp)
        sizes = [len(u) for u in self._uniques]
        level_bits = {
            int(sum(1 << self.ids.index(c) for c in cols)): i for i, cols in enumerate(self.levels)
        }
        bad_level = np.ones(n, dtype=bool)
        for bits, i in level_bits.items():
            rows = np.flatnonzero((pattern == bits) & ~unknown)
            bad_level[pattern == bits] = False
            if rows.size == 0:
                continue
            pos = [self.ids.index(c) for c in self.levels[i]]
            lo, hi = int(self._starts[i]), int(self._starts[i + 1])
            node_codes = self._codes[lo:hi][:, pos]
            both = np.concatenate([node_codes, codes[rows][:, pos]])
            keys = lex_keys(both, [sizes[j] for j in pos])
            node_keys, row_keys = keys[: hi - lo], keys[hi - lo :]
            hit = np.searchsorted(node_keys, row_keys)
            hit = np.minimum(hit, hi - lo - 1)
            found = node_keys[hit] == row_keys
            out[rows[found]] = lo + hit[found]
        if bad_level.any():
            first = int(np.flatnonzero(bad_level)[0])
            cols = [c for j, c in enumerate(self.ids) if set_cols[first, j]]
            raise SchemaError(
                f"frame row at index {frame.index[first]!r} sets the id columns {cols}, which "
                f"form no level of the hierarchy; its levels are {list(self.level_names)}."
            )
        if missing == "raise" and (out < 0).any():
            first = int(np.flatnonzero(out < 0)[0])
            row = frame.iloc[first]
            where = ", ".join(
                f"{c}={row[c]!r}" for j, c in enumerate(self.ids) if set_cols[first, j]
            )
            raise SchemaError(
                f"frame has {int((out < 0).sum())} row(s) naming no node of the hierarchy; first "
                f"at index {frame.index[first]!r} ({where}). Build the hierarchy from a frame "
                "that holds every series."
            )
        return out

    # ------------------------------------------------------------------ reporting
    def to_frame(self) -> pd.DataFrame:
        """Nodes in node order with ``n_bottom``, the number of bottom series each one sums."""
        out = self.nodes.copy()
        out["n_bottom"] = np.diff(self.S.indptr)
        return out

    def summary(self) -> pd.DataFrame:
        """One row per level: its columns, node count and bottom series per node (min/max)."""
        counts = np.diff(self.S.indptr)
        starts = self._starts
        return pd.DataFrame(
            {
                "level": list(self.level_names),
                "columns": [len(c) for c in self.levels],
                "n_nodes": np.diff(starts),
                "min_bottom": [int(counts[a:b].min()) for a, b in itertools.pairwise(starts)],
                "max_bottom": [int(counts[a:b].max()) for a, b in itertools.pairwise(starts)],
            }
        )

    def __repr__(self) -> str:
        return (
            f"Hierarchy(ids={self.ids!r}, levels={len(self.levels)}, nodes={self.n_nodes}, "
            f"bottom={self.n_bottom})"
        )
