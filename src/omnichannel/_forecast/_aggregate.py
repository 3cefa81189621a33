"""Sum bottom-level sales to every node of a :class:`Hierarchy` (sparse ``S @ values``)."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._exceptions import InvalidParameterError, SchemaError
from .._validation import Column, FrameSchema, check_frame, short_repr
from ._hierarchy import Hierarchy

__all__ = ["NodePanel", "aggregate", "aggregate_panel", "check_hierarchy"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@attrs.frozen(kw_only=True, eq=False)
class NodePanel:
    """Every node's summed values on the sorted union of the dates of a sales frame.

    Attributes
    ----------
    sums
        ``(n_value_columns, n_nodes, n_dates)`` sums; a bottom series without a row on a date
        counts as 0 there.
    dates
        The sorted distinct dates of the frame.
    first
        ``(n_nodes,)`` index into ``dates`` of each node's first row (the earliest of its bottom
        series); ``len(dates)`` for a node none of whose bottom series has a row.
    """

    sums: FloatArray
    dates: pd.DatetimeIndex
    first: IntArray


def check_hierarchy(hierarchy: object, func: str) -> Hierarchy:
    """Return ``hierarchy`` if it is a :class:`Hierarchy`; raise otherwise."""
    if not isinstance(hierarchy, Hierarchy):
        raise InvalidParameterError(
            f"The 'hierarchy' parameter of {func} must be a Hierarchy (build one with "
            f"oc.Hierarchy.from_frame). Got {short_repr(hierarchy)} instead."
        )
    return hierarchy


def _check_sales(
    sales: object, hierarchy: Hierarchy, value_columns: Sequence[str], func: str
) -> pd.DataFrame:
    check_hierarchy(hierarchy, func)
    if isinstance(value_columns, str) or not (
        isinstance(value_columns, Sequence)
        and value_columns
        and all(isinstance(c, str) for c in value_columns)
        and len(set(value_columns)) == len(value_columns)
    ):
        raise InvalidParameterError(
            f"The 'value_columns' parameter of {func} must be a non-empty sequence of distinct "
            f"column names. Got {short_repr(value_columns)} instead."
        )
    schema = FrameSchema(
        "sales",
        (
            *(Column(c, "id") for c in hierarchy.ids),
            Column("date", "datetime"),
            *(Column(c, "number") for c in value_columns),
        ),
    )
    return check_frame(sales, schema)


def aggregate_panel(
    sales: pd.DataFrame,
    hierarchy: Hierarchy,
    *,
    value_columns: Sequence[str] = ("quantity",),
    dates: pd.DatetimeIndex | None = None,
    func: str = "aggregate",
) -> NodePanel:
    """Dense node-by-date sums of ``value_columns`` (the array form of :func:`aggregate`).

    ``dates``, when given, is the grid to put the values on (e.g. a regular
    ``pd.date_range``); every date of ``sales`` must be on it. By default the grid is the sorted
    distinct dates of ``sales``.
    """
    frame = _check_sales(sales, hierarchy, value_columns, func)
    bottom0 = hierarchy.n_aggregated
    pos = hierarchy.node_index(frame[list(hierarchy.ids)]) - bottom0
    if dates is None:
        date_codes, grid = pd.factorize(frame["date"], sort=True)
        grid = pd.DatetimeIndex(grid)
    else:
        grid = pd.DatetimeIndex(dates)
        if not grid.is_monotonic_increasing or not grid.is_unique:
            raise InvalidParameterError(
                f"The 'dates' grid of {func} must be sorted and without repeats; got "
                f"{short_repr(list(grid[:5]))}..."
            )
        date_codes = np.asarray(grid.get_indexer(pd.DatetimeIndex(frame["date"])), dtype=np.intp)
        if (date_codes < 0).any():
            bad = int(np.flatnonzero(date_codes < 0)[0])
            raise SchemaError(
                f"sales['date'] has {int((date_codes < 0).sum())} value(s) off the date grid; "
                f"first at index {frame.index[bad]!r} ({frame['date'].iloc[bad]!r})."
            )
    n_b, n_d = hierarchy.n_bottom, len(grid)
    flat = pos * n_d + date_codes
    seen = np.bincount(flat, minlength=n_b * n_d).reshape(n_b, n_d) > 0
    first_bottom = np.where(seen.any(axis=1), seen.argmax(axis=1), n_d).astype(np.intp)
    matrix = hierarchy.S
    # Each node's first date is the earliest first date of its bottom series.
    first = np.minimum.reduceat(first_bottom[matrix.indices], matrix.indptr[:-1]).astype(np.intp)
    sums = np.empty((len(value_columns), hierarchy.n_nodes, n_d))
    for i, col in enumerate(value_columns):
        weights = frame[col].to_numpy(dtype=np.float64, na_value=np.nan)
        dense = np.bincount(flat, weights=weights, minlength=n_b * n_d).reshape(n_b, n_d)
        sums[i] = matrix @ dense
    return NodePanel(sums=sums, dates=grid, first=first)


def aggregate(
    sales: pd.DataFrame,
    hierarchy: Hierarchy,
    *,
    value_columns: Sequence[str] = ("quantity",),
) -> pd.DataFrame:
    """Sum bottom-level sales to every node of a hierarchy.

    Computed as the sparse product ``S @ values`` with ``values`` the dense ``(n_bottom,
    n_dates)`` table of each value column on the sorted distinct dates of ``sales``: a series
    without a row on a date counts as 0 there, and rows repeating a series and date are added.
    Values may be negative (returns).

    A frame in the ``unique_id, ds, y`` layout of Nixtla's libraries becomes usable with one
    rename: ``df.rename(columns={"unique_id": "product", "ds": "date", "y": "quantity"})``.

    Parameters
    ----------
    sales : pandas.DataFrame
        Long frame with the hierarchy's id columns, ``date`` (datetime64) and the value columns,
        one row per bottom series and date.
    hierarchy : Hierarchy
        The nodes to aggregate to (built from the same ids).
    value_columns : sequence of str, default ("quantity",)
        Numeric columns to sum.

    Returns
    -------
    pandas.DataFrame
        One row per node and date, in node order then date order: ``level``, the id columns
        (missing where aggregated out), ``date`` and the summed value columns (float).

    Raises
    ------
    SchemaError
        If a column is missing or has the wrong dtype, a value is missing, or a row names a series
        the hierarchy does not hold.

    See Also
    --------
    Hierarchy.from_frame : build the hierarchy.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> sales = pd.DataFrame(
    ...     {
    ...         "channel": ["store", "store", "web", "store"],
    ...         "product": ["a", "b", "a", "a"],
    ...         "date": pd.to_datetime(["2024-01-01"] * 3 + ["2024-01-02"]),
    ...         "quantity": [3, 1, 2, 5],
    ...     }
    ... )
    >>> h = oc.Hierarchy.from_frame(sales, levels="nested")
    >>> oc.aggregate(sales, h)
                  level channel product       date  quantity
    0             total     NaN     NaN 2024-01-01       6.0
    1             total     NaN     NaN 2024-01-02       5.0
    2           channel   store     NaN 2024-01-01       4.0
    3           channel   store     NaN 2024-01-02       5.0
    4           channel     web     NaN 2024-01-01       2.0
    5           channel     web     NaN 2024-01-02       0.0
    6   channel/product   store       a 2024-01-01       3.0
    7   channel/product   store       a 2024-01-02       5.0
    8   channel/product   store       b 2024-01-01       1.0
    9   channel/product   store       b 2024-01-02       0.0
    10  channel/product     web       a 2024-01-01       2.0
    11  channel/product     web       a 2024-01-02       0.0
    """
    check_hierarchy(hierarchy, "aggregate")
    cols = list(value_columns) if not isinstance(value_columns, str) else value_columns
    clash = [c for c in cols if c in ("level", "date", *hierarchy.ids)]
    if clash:
        raise InvalidParameterError(
            f"The 'value_columns' parameter of aggregate names output column(s) {clash}; "
            "rename them first."
        )
    panel = aggregate_panel(sales, hierarchy, value_columns=cols)
    n_d = len(panel.dates)
    out = hierarchy.nodes.take(np.repeat(np.arange(hierarchy.n_nodes), n_d))
    out = out.reset_index(drop=True)
    out["date"] = panel.dates[np.tile(np.arange(n_d), hierarchy.n_nodes)]
    for i, col in enumerate(cols):
        out[col] = panel.sums[i].reshape(-1)
    return out
