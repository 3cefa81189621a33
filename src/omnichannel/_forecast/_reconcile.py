"""Forecast reconciliation: bottom-up, top-down and MinTrace as small frozen option objects.

Every method maps base forecasts of all nodes, ``(n_nodes, m)`` with ``m`` horizon steps or
sample paths, to coherent bottom-level values ``(n_bottom, m)``; ``hierarchy.S @ bottom`` gives
every node. Reconciling sample paths column by column makes the quantiles coherent too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeAlias

import attrs
import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray

from .._exceptions import InvalidParameterError
from .._validation import check_bool, check_choice, short_repr
from ._hierarchy import Hierarchy
from ._mint import (
    Covariance,
    MinTSolver,
    identity_weights,
    nonnegative_bottom,
    shrunk_weights,
    structural_weights,
    variance_weights,
)

__all__ = [
    "MINTRACE_METHODS",
    "RECONCILE_METHODS",
    "TOP_DOWN_METHODS",
    "BottomUp",
    "MinTrace",
    "MinTraceMethod",
    "Plan",
    "ReconcileMethod",
    "Reconciler",
    "TopDown",
    "TopDownMethod",
    "as_reconciler",
    "node_label",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

TopDownMethod = Literal[
    "forecast_proportions", "average_historical_proportions", "proportion_averages"
]
#: How :class:`TopDown` splits the top forecast.
TOP_DOWN_METHODS: tuple[TopDownMethod, ...] = (
    "forecast_proportions",
    "average_historical_proportions",
    "proportion_averages",
)
MinTraceMethod = Literal["ols", "wls_struct", "wls_var", "mint_shrink"]
#: Error covariance estimates of :class:`MinTrace`.
MINTRACE_METHODS: tuple[MinTraceMethod, ...] = ("ols", "wls_struct", "wls_var", "mint_shrink")
ReconcileMethod = Literal["bottom_up", "ols", "wls_struct", "wls_var", "mint_shrink"]
#: String shortcuts accepted wherever a reconciler is: ``"bottom_up"`` is :class:`BottomUp`,
#: the others :class:`MinTrace` with that method.
RECONCILE_METHODS: tuple[ReconcileMethod, ...] = (
    "bottom_up",
    "ols",
    "wls_struct",
    "wls_var",
    "mint_shrink",
)
# Up to this many aggregated nodes the nonnegative QP uses a dense factor of C W C' (<= 72 MB).
_DENSE_NONNEGATIVE = 3000
# A base forecast sum of children below this is split equally (as hierarchicalforecast does).
_TINY_SUM = 1e-8


class Plan:
    """A reconciliation set up for one hierarchy (factorised once), applied to many columns.

    ``apply(base)`` maps ``(n_nodes, m)`` base values to ``(n_bottom, m)`` reconciled bottom
    values. ``shrinkage`` is the Schafer-Strimmer intensity for ``mint_shrink``, else None.
    """

    def __init__(
        self,
        hierarchy: Hierarchy,
        func: Callable[[FloatArray], FloatArray],
        shrinkage: float | None = None,
    ) -> None:
        self._hierarchy = hierarchy
        self._func = func
        self.shrinkage = shrinkage

    def apply(self, base: FloatArray) -> FloatArray:
        """Reconciled bottom values ``(n_bottom, m)`` of base values ``(n_nodes, m)``."""
        arr = _check_base(base, self._hierarchy)
        return self._func(arr)

    def apply_paths(self, paths: FloatArray, *, block: int = 2**22) -> FloatArray:
        """Reconcile sample paths ``(n_paths, n_nodes, horizon)`` to ``(n_paths, n_bottom, h)``.

        Paths are reconciled in blocks of about ``block`` values, so the transposed copies stay
        small; the result is the same as reconciling every path and step as one column.
        """
        arr = np.asarray(paths, dtype=np.float64)
        if arr.ndim != 3:
            raise InvalidParameterError(
                f"Sample paths must be a (n_paths, n_nodes, horizon) array; got shape {arr.shape}."
            )
        n_paths, n_nodes, horizon = arr.shape
        out = np.empty((n_paths, self._hierarchy.n_bottom, horizon))
        step = max(1, block // max(n_nodes * horizon, 1))
        for lo in range(0, n_paths, step):
            part = arr[lo : lo + step]
            k = part.shape[0]
            cols = np.moveaxis(part, 1, 0).reshape(n_nodes, k * horizon)
            bottom = self.apply(cols).reshape(-1, k, horizon)
            out[lo : lo + k] = np.moveaxis(bottom, 0, 1)
        return out


def _check_base(base: object, hierarchy: Hierarchy) -> FloatArray:
    arr = np.asarray(base, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != hierarchy.n_nodes:
        raise InvalidParameterError(
            f"Base forecasts must be a (n_nodes, m) = ({hierarchy.n_nodes}, m) array in node "
            f"order; got shape {arr.shape}."
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        node = int(np.flatnonzero(bad.any(axis=1))[0])
        raise InvalidParameterError(
            f"Base forecasts hold {int(bad.sum())} non-finite value(s); first at node {node} "
            f"({node_label(hierarchy, node)})."
        )
    return arr


def node_label(hierarchy: Hierarchy, node: int) -> str:
    row = hierarchy.nodes.iloc[node]
    ids = ", ".join(f"{c}={row[c]!r}" for c in hierarchy.ids if not pd.isna(row[c]))
    return f"level {row['level']!r}" + (f", {ids}" if ids else "")


class _PlanReconciler:
    """What every reconciler shares: reconciling base values through its prepared plan."""

    __slots__ = ()

    def _prepare(
        self,
        hierarchy: Hierarchy,
        *,
        residuals: FloatArray | None = None,
        history: FloatArray | None = None,
    ) -> Plan:
        raise NotImplementedError

    def _reconcile(
        self,
        base: FloatArray,
        hierarchy: Hierarchy,
        *,
        residuals: FloatArray | None = None,
        history: FloatArray | None = None,
    ) -> FloatArray:
        """Reconciled bottom values ``(n_bottom, m)`` of base values ``(n_nodes, m)``."""
        return self._prepare(hierarchy, residuals=residuals, history=history).apply(base)


@attrs.frozen
class BottomUp(_PlanReconciler):
    """Bottom-up reconciliation: keep the bottom base forecasts and sum them up.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> h = oc.Hierarchy.from_frame(pd.DataFrame({"product": ["a", "b"]}))
    >>> base = np.array([[10.0], [4.0], [5.0]])  # total, a, b
    >>> (h.S @ oc.BottomUp()._reconcile(base, h)).ravel().tolist()
    [9.0, 4.0, 5.0]
    """

    @property
    def name(self) -> str:
        """Short label used in tables."""
        return "bottom_up"

    @property
    def needs_residuals(self) -> bool:
        """Whether :meth:`_reconcile` needs in-sample residuals."""
        return False

    @property
    def needs_history(self) -> bool:
        """Whether :meth:`_reconcile` needs the history of every node."""
        return False

    def _prepare(
        self,
        hierarchy: Hierarchy,
        *,
        residuals: FloatArray | None = None,
        history: FloatArray | None = None,
    ) -> Plan:
        n_agg = hierarchy.n_aggregated
        return Plan(hierarchy, lambda base: np.array(base[n_agg:], dtype=np.float64))


def _check_history(history: object, hierarchy: Hierarchy, method: str) -> FloatArray:
    if history is None:
        raise InvalidParameterError(
            f"TopDown(method={method!r}) needs the history of every node; got None. Pass it or "
            "use method='forecast_proportions'."
        )
    arr = np.asarray(history, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != hierarchy.n_nodes or arr.shape[1] < 1:
        raise InvalidParameterError(
            f"The history for TopDown must be a (n_nodes, n_dates) = ({hierarchy.n_nodes}, T) "
            f"array in node order; got shape {arr.shape}."
        )
    if np.isinf(arr).any():
        raise InvalidParameterError("The history for TopDown holds infinite values.")
    return arr


def _equal_split(num: FloatArray, den: FloatArray, count: FloatArray) -> FloatArray:
    """``num / den``, or ``1 / count`` where ``|den|`` is (nearly) zero."""
    ok = np.abs(den) >= _TINY_SUM
    out = np.divide(num, den, out=np.zeros_like(num), where=ok)
    return np.where(ok, out, 1.0 / count)


@attrs.frozen
class TopDown(_PlanReconciler):
    """Top-down reconciliation: split the top forecast down a strictly nested hierarchy.

    Parameters
    ----------
    method : {"forecast_proportions", "average_historical_proportions", \
"proportion_averages"}, default "forecast_proportions"
        ``"forecast_proportions"`` (Athanasopoulos et al. 2009): at every level, a node's
        share of its parent is its base forecast over the sum of its siblings' (equal shares
        when that sum is zero), per horizon step. ``"average_historical_proportions"``
        (Gross and Sohl 1990): a bottom series' share of its top node is the mean over dates
        of its history over the top node's (dates where the top node is zero are skipped).
        ``"proportion_averages"``: the ratio of the two historical means. Missing history (before
        a series starts) counts as zero, so the shares sum to one; a top node with no history
        is split equally.

    Raises
    ------
    InvalidParameterError
        When used on a hierarchy that is not strictly nested (build it with
        ``levels="nested"``), or without history for the historical methods.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> h = oc.Hierarchy.from_frame(pd.DataFrame({"product": ["a", "b"]}), levels="nested")
    >>> base = np.array([[12.0], [1.0], [3.0]])  # total, a, b
    >>> (h.S @ oc.TopDown()._reconcile(base, h)).ravel().tolist()
    [12.0, 3.0, 9.0]
    """

    method: TopDownMethod = attrs.field(default="forecast_proportions")

    @method.validator
    def _check_method(self, attribute: object, value: object) -> None:
        check_choice(value, "method", TOP_DOWN_METHODS, func="TopDown")

    @property
    def name(self) -> str:
        """Short label used in tables."""
        return f"top_down_{self.method}"

    @property
    def needs_residuals(self) -> bool:
        """Whether :meth:`_reconcile` needs in-sample residuals."""
        return False

    @property
    def needs_history(self) -> bool:
        """Whether :meth:`_reconcile` needs the history of every node."""
        return self.method != "forecast_proportions"

    def _prepare(
        self,
        hierarchy: Hierarchy,
        *,
        residuals: FloatArray | None = None,
        history: FloatArray | None = None,
    ) -> Plan:
        if not hierarchy.is_nested:
            raise InvalidParameterError(
                f"TopDown needs a strictly nested hierarchy (each level refining the one above); "
                f"got levels {list(hierarchy.level_names)}. Build it with "
                "Hierarchy.from_frame(..., levels='nested') or use MinTrace."
            )
        if self.method == "forecast_proportions":
            return Plan(hierarchy, lambda base: _forecast_proportions(base, hierarchy))
        hist = _check_history(history, hierarchy, self.method)
        shares = _historical_shares(hist, hierarchy, self.method)
        root = hierarchy.bottom_nodes[0]
        return Plan(hierarchy, lambda base: shares[:, None] * base[root])


def _forecast_proportions(base: FloatArray, hierarchy: Hierarchy) -> FloatArray:
    starts = hierarchy.level_starts
    out = np.empty_like(base)
    out[: starts[1]] = base[: starts[1]]
    for level in range(1, len(hierarchy.levels)):
        lo, hi = int(starts[level]), int(starts[level + 1])
        p_lo, p_hi = int(starts[level - 1]), int(starts[level])
        parent = hierarchy.parents(level) - p_lo
        group = sp.csr_matrix(
            (np.ones(hi - lo), (parent, np.arange(hi - lo))), shape=(p_hi - p_lo, hi - lo)
        )
        sums = np.asarray(group @ base[lo:hi], dtype=np.float64)
        count = np.bincount(parent, minlength=p_hi - p_lo).astype(np.float64)
        ratio = _equal_split(base[lo:hi], sums[parent], count[parent][:, None])
        out[lo:hi] = out[p_lo:p_hi][parent] * ratio
    return out[hierarchy.n_aggregated :]


def _historical_shares(history: FloatArray, hierarchy: Hierarchy, method: str) -> FloatArray:
    bottom = np.nan_to_num(history[hierarchy.n_aggregated :], nan=0.0)
    root = hierarchy.bottom_nodes[0]
    n_roots = int(hierarchy.level_starts[1])
    members = sp.csr_matrix(
        (np.ones(root.size), (root, np.arange(root.size))), shape=(n_roots, root.size)
    )
    totals = members @ bottom  # (n_roots, T)
    count = np.bincount(root, minlength=n_roots).astype(np.float64)[root]
    if method == "proportion_averages":
        return _equal_split(bottom.sum(axis=1), totals.sum(axis=1)[root], count)
    top = totals[root]
    usable = np.abs(top) >= _TINY_SUM
    ratios = np.divide(bottom, top, out=np.zeros_like(bottom), where=usable)
    n_usable = usable.sum(axis=1)
    mean = ratios.sum(axis=1) / np.maximum(n_usable, 1)
    return np.asarray(np.where(n_usable > 0, mean, 1.0 / count), dtype=np.float64)


def _check_mintrace_method(instance: object, attribute: object, value: object) -> None:
    check_choice(value, "method", MINTRACE_METHODS, func="MinTrace")


def _check_nonnegative(instance: object, attribute: object, value: object) -> None:
    check_bool(value, "nonnegative", func="MinTrace")


@attrs.frozen
class MinTrace(_PlanReconciler):
    """MinTrace (MinT) reconciliation: the coherent forecasts of minimum total error variance.

    The bottom values are ``G yhat`` with ``G = (S' W^-1 S)^-1 S' W^-1`` (Wickramasuriya,
    Athanasopoulos and Hyndman 2019) for an estimate ``W`` of the base forecast error
    covariance. Computed on the sparse structure without any ``n_nodes x n_nodes`` matrix
    (sparse factorisation of ``C W C'`` with ``C = [I, -S_agg]`` and a low-rank update), so
    tens of thousands of series reconcile in seconds.

    Parameters
    ----------
    method : {"ols", "wls_struct", "wls_var", "mint_shrink"}, default "mint_shrink"
        ``W``: ``"ols"`` the identity; ``"wls_struct"`` the number of bottom series under each
        node; ``"wls_var"`` each node's mean squared in-sample residual; ``"mint_shrink"``
        the residual covariance shrunk towards its diagonal with the Schafer-Strimmer
        intensity (as hierarchicalforecast and R's hts compute it). The last two need
        in-sample residuals. Variances are floored at ``1e-8`` times their mean (a series with
        zero residual variance is then held almost exactly at its base forecast); a series
        without enough residuals gets the mean variance of its level. Missing residuals are
        handled as described in Notes.
    nonnegative : bool, default False
        Constrain the bottom values to be >= 0: the exact quadratic program ``min (yhat - S b)'
        W^-1 (yhat - S b)`` subject to ``b >= 0`` (Wickramasuriya, Turlach and Hyndman 2020),
        solved by an active-set method on the MinT structure.

    Notes
    -----
    ``mint_shrink`` with missing residuals (e.g. before a series starts) centres each series on
    its own mean, counts missing entries as zero and rescales each series to its own number of
    values: the covariance of two series is their sum of cross-products over common dates over
    ``sqrt((n_i - 1)(n_j - 1))``. Unlike a pairwise-complete estimate this is always positive
    semi-definite, and it keeps the low-rank structure; without missing values it is the usual
    sample covariance. ``wls_var`` averages squared residuals over each series' own values.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> h = oc.Hierarchy.from_frame(pd.DataFrame({"product": ["a", "b"]}))
    >>> base = np.array([[12.0], [4.0], [5.0]])  # total, a, b: 3 units apart
    >>> (h.S @ oc.MinTrace(method="ols")._reconcile(base, h)).ravel().tolist()
    [11.0, 5.0, 6.0]
    """

    method: MinTraceMethod = attrs.field(default="mint_shrink", validator=_check_mintrace_method)
    nonnegative: bool = attrs.field(default=False, kw_only=True, validator=_check_nonnegative)

    @property
    def name(self) -> str:
        """Short label used in tables."""
        return f"mintrace_{self.method}" + ("_nonnegative" if self.nonnegative else "")

    @property
    def needs_residuals(self) -> bool:
        """Whether :meth:`_reconcile` needs in-sample residuals."""
        return self.method in ("wls_var", "mint_shrink")

    @property
    def needs_history(self) -> bool:
        """Whether :meth:`_reconcile` needs the history of every node."""
        return False

    def _covariance(self, hierarchy: Hierarchy, residuals: FloatArray | None) -> Covariance:
        if self.method == "ols":
            return identity_weights(hierarchy)
        if self.method == "wls_struct":
            return structural_weights(hierarchy)
        if self.method == "wls_var":
            return variance_weights(residuals, hierarchy)
        return shrunk_weights(residuals, hierarchy)

    def _prepare(
        self,
        hierarchy: Hierarchy,
        *,
        residuals: FloatArray | None = None,
        history: FloatArray | None = None,
    ) -> Plan:
        cov = self._covariance(hierarchy, residuals)
        # The nonnegative QP solves for many columns of P at once: a dense factor of C W C'
        # does that with matrix-matrix products, and is affordable up to a few thousand rows.
        dense = True if self.nonnegative and hierarchy.n_aggregated <= _DENSE_NONNEGATIVE else None
        solver = MinTSolver(hierarchy, cov, dense=dense)
        if self.nonnegative:
            return Plan(
                hierarchy,
                lambda base: nonnegative_bottom(solver, solver.bottom(base)),
                cov.shrinkage,
            )
        return Plan(hierarchy, solver.bottom, cov.shrinkage)


Reconciler: TypeAlias = BottomUp | TopDown | MinTrace


def as_reconciler(
    value: object, *, name: str = "method", func: str = "reconcile_forecasts"
) -> Reconciler:
    """Return ``value`` as a reconciler object, resolving the string shortcuts.

    ``"bottom_up"`` is :class:`BottomUp`; ``"ols"``, ``"wls_struct"``, ``"wls_var"`` and
    ``"mint_shrink"`` are :class:`MinTrace` with that method.

    Examples
    --------
    >>> from omnichannel._forecast._reconcile import as_reconciler
    >>> as_reconciler("wls_struct")
    MinTrace(method='wls_struct', nonnegative=False)
    """
    if isinstance(value, BottomUp | TopDown | MinTrace):
        return value
    if isinstance(value, str) and value in RECONCILE_METHODS:
        return BottomUp() if value == "bottom_up" else MinTrace(method=value)
    raise InvalidParameterError(
        f"The {name!r} parameter of {func} must be BottomUp(), TopDown(...), MinTrace(...) or one "
        f"of {list(RECONCILE_METHODS)}. Got {short_repr(value)} instead."
    )
