"""The series a forecast covers: the bottom series alone, or every node of a hierarchy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from .._exceptions import InvalidParameterError
from .._validation import short_repr
from ._hierarchy import Hierarchy, level_name
from ._panel import SalesGrid
from ._reconcile import as_reconciler

__all__ = ["Structure", "build_structure"]

FloatArray = npt.NDArray[np.float64]
_FUNC = "forecast_demand"


@attrs.frozen(kw_only=True, eq=False)
class Structure:
    """Nodes to forecast, their summing matrix over the bottom series, and the reconciler."""

    nodes: pd.DataFrame
    summing: sp.csr_array
    order: npt.NDArray[np.intp] | None = None
    hierarchy: Any = None
    reconciler: Any = None
    name: str | None = None

    def aggregate(
        self, grid: SalesGrid, x: FloatArray | None
    ) -> tuple[FloatArray, npt.NDArray[np.intp], FloatArray | None]:
        """History, start index and regressors of every node.

        A node starts when its first child does; children that have not started count as zero.
        Regressors of an aggregate are the mean over its children (e.g. the share on promotion).
        """
        s = self.summing
        y_bottom, start_bottom = grid.y, grid.start
        if self.order is not None:
            y_bottom, start_bottom = y_bottom[self.order], start_bottom[self.order]
            x = None if x is None else x[self.order]
        y = s @ np.nan_to_num(y_bottom, nan=0.0)
        n_time = y_bottom.shape[1]
        started = s @ (np.arange(n_time)[None, :] >= start_bottom[:, None]).astype(np.float64)
        start = np.where(started > 0, np.arange(n_time)[None, :], n_time).min(axis=1)
        y[np.arange(n_time)[None, :] < start[:, None]] = np.nan
        x_nodes = None
        if x is not None:
            counts = np.asarray(s.sum(axis=1)).reshape(-1)
            flat = x.reshape(x.shape[0], -1)
            x_nodes = ((s @ flat) / counts[:, None]).reshape(s.shape[0], *x.shape[1:])
        return y, start.astype(np.intp), x_nodes

    def plan(
        self, residuals: FloatArray, history: FloatArray
    ) -> Callable[[FloatArray], FloatArray]:
        """Set up the reconciliation once; the result maps base ``(n_nodes, m)`` to coherent."""
        prepared = self.reconciler._prepare(self.hierarchy, residuals=residuals, history=history)
        summing = self.summing

        def coherent(base: FloatArray) -> FloatArray:
            return np.asarray(summing @ prepared.apply(base), dtype=np.float64)

        return coherent


def match_hierarchy(
    hierarchy: object, grid: SalesGrid, func: str, hint: str = ""
) -> tuple[Hierarchy, npt.NDArray[np.intp]]:
    """Check that ``hierarchy`` has exactly the grid's bottom series; return their positions."""
    if not isinstance(hierarchy, Hierarchy):
        raise InvalidParameterError(
            f"The 'hierarchy' parameter of {func} must be an oc.Hierarchy, 'grouped' or "
            f"'nested'. Got {short_repr(hierarchy)} instead."
        )
    if sorted(hierarchy.bottom.columns) != sorted(grid.ids):
        raise InvalidParameterError(
            f"The hierarchy given to {func} is keyed by {list(hierarchy.bottom.columns)} but the "
            f"sales series by {list(grid.ids)}; build it from the same id columns."
        )
    # Position in the grid of each of the hierarchy's bottom series.
    position = pd.MultiIndex.from_frame(grid.keys).get_indexer(
        pd.MultiIndex.from_frame(hierarchy.bottom[list(grid.ids)])
    )
    if (position < 0).any() or len(hierarchy.bottom) != len(grid.keys):
        raise InvalidParameterError(
            f"The hierarchy given to {func} has {len(hierarchy.bottom):,} bottom series but the "
            f"sales frame {len(grid.keys):,}, or different ones; build the hierarchy from the same "
            f"frame with oc.Hierarchy.from_frame(sales){hint}."
        )
    return hierarchy, np.asarray(position, dtype=np.intp)


def build_structure(
    sales: pd.DataFrame, grid: SalesGrid, hierarchy: Any, reconcile: Any
) -> Structure:
    """Resolve the ``hierarchy`` and ``reconcile`` arguments of :func:`forecast_demand`."""
    if hierarchy is None:
        if reconcile is not None:
            raise InvalidParameterError(
                f"The 'reconcile' parameter of {_FUNC} needs a hierarchy: pass "
                "hierarchy='grouped' (every combination of the id columns), 'nested' or an "
                "oc.Hierarchy."
            )
        nodes = grid.keys.copy()
        nodes.insert(0, "level", level_name(grid.ids))
        n = len(nodes)
        return Structure(nodes=nodes, summing=sp.csr_array(sp.identity(n, format="csr")))

    if isinstance(hierarchy, str):
        hierarchy = Hierarchy.from_frame(sales, levels=hierarchy, ids=grid.ids)
    hierarchy, position = match_hierarchy(hierarchy, grid, _FUNC)
    reconciler = (
        None if reconcile is None else as_reconciler(reconcile, name="reconcile", func=_FUNC)
    )
    return Structure(
        nodes=hierarchy.nodes.reset_index(drop=True),
        summing=sp.csr_array(hierarchy.S),
        order=None if (position == np.arange(len(position))).all() else position,
        hierarchy=hierarchy,
        reconciler=reconciler,
        name=None if reconciler is None else repr(reconciler),
    )
