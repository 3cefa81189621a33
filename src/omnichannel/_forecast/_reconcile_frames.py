"""Reconcile base forecasts given as long frames: :func:`reconcile_forecasts`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._exceptions import SchemaError
from .._validation import Column, FrameSchema, check_frame
from ._aggregate import aggregate_panel, check_hierarchy
from ._hierarchy import Hierarchy
from ._reconcile import ReconcileMethod, Reconciler, as_reconciler, node_label

__all__ = ["reconcile_forecasts"]

FloatArray = NDArray[np.float64]


def _pivot(
    frame: pd.DataFrame,
    hierarchy: Hierarchy,
    column: str,
    label: str,
    *,
    complete: bool,
) -> tuple[FloatArray, pd.DatetimeIndex]:
    """``(n_nodes, n_dates)`` values of ``column`` by node and sorted date (NaN where absent)."""
    nodes = hierarchy.node_index(frame)
    codes, dates = pd.factorize(frame["date"], sort=True)
    n_d = len(dates)
    flat = nodes * n_d + codes
    counts = np.bincount(flat, minlength=hierarchy.n_nodes * n_d)
    if (counts > 1).any():
        dup = pd.Series(flat).duplicated().to_numpy()
        first = int(np.flatnonzero(dup)[0])
        raise SchemaError(
            f"{label} has {int(dup.sum())} duplicate row(s) on (node, date); first at index "
            f"{frame.index[first]!r}. Keep one row per node and date."
        )
    if complete and (counts == 0).any():
        missing = int(np.flatnonzero(counts == 0)[0])
        node, day = divmod(missing, n_d)
        raise SchemaError(
            f"{label} must have a row for every node of the hierarchy on every date; "
            f"{int((counts == 0).sum())} are missing, first node {node} "
            f"({node_label(hierarchy, node)}) on {dates[day]!r}. Forecast every node (see "
            "Hierarchy.nodes) or aggregate the bottom forecasts first."
        )
    out = np.full(hierarchy.n_nodes * n_d, np.nan)
    out[flat] = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
    return out.reshape(hierarchy.n_nodes, n_d), pd.DatetimeIndex(dates)


def _frame_schema(name: str, hierarchy: Hierarchy, value: str, nullable: bool) -> FrameSchema:
    return FrameSchema(
        name,
        (
            *(Column(c, "id", required=False, nullable=True) for c in hierarchy.ids),
            Column("date", "datetime"),
            Column(value, "number", nullable=nullable),
        ),
    )


def reconcile_forecasts(
    forecasts: pd.DataFrame,
    hierarchy: Hierarchy,
    *,
    method: Reconciler | ReconcileMethod,
    residuals: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Reconcile base forecasts made elsewhere so that every node adds up.

    Parameters
    ----------
    forecasts : pandas.DataFrame
        Base forecasts of every node on every forecast date: the id columns (missing, or
        absent, where a node aggregates them out, as in :attr:`Hierarchy.nodes` and
        :func:`aggregate`), ``date`` and ``mean``.
    hierarchy : Hierarchy
        The nodes.
    method : BottomUp, TopDown, MinTrace or str
        The reconciler, or a shortcut out of ``"bottom_up"``, ``"ols"``, ``"wls_struct"``,
        ``"wls_var"``, ``"mint_shrink"``.
    residuals : pandas.DataFrame, optional
        In-sample one-step residuals (actual minus fitted) of the nodes: id columns, ``date``,
        ``residual`` (may be missing). Needed by ``wls_var`` and ``mint_shrink``; a node
        without rows gets the mean variance of its level.
    history : pandas.DataFrame, optional
        Sales of the bottom series (id columns, ``date``, ``quantity``), for the historical
        :class:`TopDown` methods. Rows of aggregated nodes (a missing id) are ignored.

    Returns
    -------
    pandas.DataFrame
        One row per node and forecast date, node order then date: ``level``, the id columns,
        ``date``, ``mean`` (reconciled) and ``base`` (the base forecast).

    Raises
    ------
    SchemaError
        On a missing column, a missing or duplicate (node, date) forecast, or a row naming no
        node.
    InvalidParameterError
        On an unknown method, a method used without the inputs it needs, or ``TopDown`` on a
        hierarchy that is not nested.

    See Also
    --------
    aggregate : history of every node, for fitting base models.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> h = oc.Hierarchy.from_frame(pd.DataFrame({"product": ["a", "b"]}))
    >>> fc = pd.DataFrame(
    ...     {
    ...         "product": [None, "a", "b"],
    ...         "date": pd.Timestamp("2025-01-01"),
    ...         "mean": [12.0, 4.0, 5.0],
    ...     }
    ... )
    >>> oc.reconcile_forecasts(fc, h, method="ols")
         level product       date  mean  base
    0    total     NaN 2025-01-01  11.0  12.0
    1  product       a 2025-01-01   5.0   4.0
    2  product       b 2025-01-01   6.0   5.0
    """
    func = "reconcile_forecasts"
    check_hierarchy(hierarchy, func)
    reconciler = as_reconciler(method, func=func)
    check_frame(forecasts, _frame_schema("forecasts", hierarchy, "mean", False))
    base, dates = _pivot(forecasts, hierarchy, "mean", "forecasts", complete=True)
    res = None
    if residuals is not None:
        check_frame(residuals, _frame_schema("residuals", hierarchy, "residual", True))
        res, _ = _pivot(residuals, hierarchy, "residual", "residuals", complete=False)
    hist = None
    if history is not None:
        check_frame(history, _frame_schema("history", hierarchy, "quantity", False))
        ids = list(hierarchy.ids)
        missing = [c for c in ids if c not in history.columns]
        if missing:
            raise SchemaError(
                f"history is missing required column(s) {missing}; it must hold bottom sales."
            )
        rows = history[ids].notna().all(axis=1).to_numpy()
        hist = aggregate_panel(history[rows], hierarchy, func=func).sums[0]
    bottom = reconciler._reconcile(base, hierarchy, residuals=res, history=hist)
    values = hierarchy.S @ bottom
    n_d = len(dates)
    out = hierarchy.nodes.take(np.repeat(np.arange(hierarchy.n_nodes), n_d))
    out = out.reset_index(drop=True)
    out["date"] = dates[np.tile(np.arange(n_d), hierarchy.n_nodes)]
    out["mean"] = values.reshape(-1)
    out["base"] = base.reshape(-1)
    return out
