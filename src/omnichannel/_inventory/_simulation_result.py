"""The result of :func:`simulate_policy`: outcomes per node and network with standard errors."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError
from .._html import html_table
from .._plotting import new_axes
from ._simulation_kernels import QUANTILES

__all__ = ["METRICS", "PolicySimulation", "metrics"]

FloatArray = npt.NDArray[np.float64]

#: Metrics of :meth:`PolicySimulation.to_frame`, in order.
METRICS = (
    "demand",
    "sales",
    "fill_rate",
    "cycle_service_level",
    "lost_sales",
    "backorders",
    "on_hand",
    "leftover",
    "orders",
    "units_ordered",
    "transshipped_in",
    "transshipped_out",
    "holding_cost",
    "shortage_cost",
    "ordering_cost",
    "transshipment_cost",
    "total_cost",
    "cost_per_period",
)
_QCOLS = [f"q{q:g}" for q in QUANTILES]


def _mean_se(values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean and standard error over paths (axis 0)."""
    n = values.shape[0]
    mean = values.mean(axis=0)
    se = values.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full(mean.shape, np.nan)
    return np.asarray(mean), np.asarray(se)


def _ratio(num: FloatArray, den: FloatArray, empty: float) -> tuple[FloatArray, FloatArray]:
    """Ratio of means over paths with its delta-method standard error; ``empty`` where 0/0."""
    n = num.shape[0]
    top, bottom = num.mean(axis=0), den.mean(axis=0)
    ok = bottom > 0
    safe = np.where(ok, bottom, 1.0)
    ratio = np.where(ok, top / safe, empty)
    if n > 1:
        resid = num - ratio * den
        se = np.where(ok, resid.std(axis=0, ddof=1) / np.sqrt(n) / safe, 0.0)
    else:
        se = np.full(ratio.shape, np.nan)
    return np.asarray(ratio), np.asarray(se)


def metrics(totals: dict[str, FloatArray], n_measured: int) -> tuple[FloatArray, FloatArray]:
    """Values and standard errors, ``(len(METRICS), n_columns)``, from per-path totals.

    Every array in ``totals`` is ``(n_paths, n_columns)``: one column per node, or one column
    for the whole network after summing over nodes.
    """
    periods = max(n_measured, 1)
    cost = (
        totals["holding_cost"]
        + totals["shortage_cost"]
        + totals["ordering_cost"]
        + totals["transshipment_cost"]
    )
    plain = {
        "demand": totals["demand"],
        "sales": totals["sales"],
        "lost_sales": totals["lost_sales"],
        "backorders": totals["backorders"] / periods,
        "on_hand": totals["on_hand"] / periods,
        "leftover": totals["leftover"],
        "orders": totals["orders"],
        "units_ordered": totals["units_ordered"],
        "transshipped_in": totals["transshipped_in"],
        "transshipped_out": totals["transshipped_out"],
        "holding_cost": totals["holding_cost"],
        "shortage_cost": totals["shortage_cost"],
        "ordering_cost": totals["ordering_cost"],
        "transshipment_cost": totals["transshipment_cost"],
        "total_cost": cost,
        "cost_per_period": cost / periods,
    }
    values, errors = [], []
    for name in METRICS:
        if name == "fill_rate":
            v, e = _ratio(totals["filled"], totals["demand"], 1.0)
        elif name == "cycle_service_level":
            v, e = _ratio(totals["cycles_met"], totals["cycles"], np.nan)
        else:
            v, e = _mean_se(plain[name])
        values.append(v)
        errors.append(e)
    return np.asarray(values), np.asarray(errors)


@attrs.frozen(eq=False)
class PolicySimulation:
    """Outcomes of an inventory policy over demand sample paths, from :func:`simulate_policy`.

    Every figure is an average over the sample paths with its standard error across paths
    (paths are independent, so the standard error is valid however the periods within a path
    correlate). Flows (``demand``, ``sales``, ``lost_sales``, ``orders``, ``units_ordered``,
    ``transshipped_in``, ``transshipped_out`` and the costs) are totals per path over the
    measured periods (after ``warmup``); ``backorders`` and ``on_hand`` are averages of the
    end-of-period levels; ``leftover`` is the stock on hand after the last period;
    ``fill_rate`` is the share of demand served from stock on arrival, ``cycle_service_level``
    the share of review cycles without a stockout, both ratios of totals over paths (delta-method
    standard errors); ``cost_per_period`` is ``total_cost`` over the measured periods.

    Attributes
    ----------
    policy : str
        The policy simulated.
    unmet_demand : {"lost_sales", "backorder"}
        What happened to demand not met from stock.
    n_paths, n_periods, warmup : int
        Sample paths, periods simulated and periods left out of the statistics.
    nodes : pandas.DataFrame
        The id columns of the nodes (``product`` and/or ``location``), in simulation order.
    values, errors : numpy.ndarray
        Metric values and standard errors, ``(n_metrics, n_nodes + 1)``: one column per node,
        the last for the network.
    trajectory_values : numpy.ndarray
        ``(n_periods, n_quantiles + 1, n_nodes + 1)``: quantiles over paths and the mean of
        the end-of-period net inventory (on hand minus backorders) per node and network.
    path_values : dict, optional
        Per-period arrays ``(n_periods, n_paths, n_nodes)`` when run with ``keep_paths=True``.

    Examples
    --------
    >>> import numpy as np
    >>> import omnichannel as oc
    >>> demand = np.random.default_rng(0).poisson(10.0, size=(500, 50, 1))
    >>> res = oc.simulate_policy(oc.BaseStockPolicy(level=14), demand, holding_cost=1.0)
    >>> res
    PolicySimulation(BaseStockPolicy, lost_sales: 500 paths x 50 periods x 1 node; fill rate 0.9819 ± 0.00044, cost per period 4.227 ± 0.018)
    >>> res.summary().set_index("metric").loc[["fill_rate", "on_hand"], "value"].round(2)
    metric
    fill_rate    0.98
    on_hand      4.23
    Name: value, dtype: float64
    """  # noqa: E501

    policy: str
    unmet_demand: str
    n_paths: int
    n_periods: int
    warmup: int
    nodes: pd.DataFrame = attrs.field(repr=False)
    values: FloatArray = attrs.field(repr=False)
    errors: FloatArray = attrs.field(repr=False)
    trajectory_values: FloatArray = attrs.field(repr=False)
    path_values: dict[str, FloatArray] | None = attrs.field(default=None, repr=False)
    dates: pd.Index | None = attrs.field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        """Number of nodes simulated."""
        return len(self.nodes)

    def to_frame(self) -> pd.DataFrame:
        """One row per node and metric: the node's id columns, ``metric``, ``value``, ``se``."""
        n_nodes, n_metrics = self.n_nodes, len(METRICS)
        frame = self.nodes.loc[np.tile(np.arange(n_nodes), n_metrics)].reset_index(drop=True)
        frame["metric"] = np.repeat(METRICS, n_nodes)
        frame["value"] = self.values[:, :n_nodes].ravel()
        frame["se"] = self.errors[:, :n_nodes].ravel()
        return frame

    def by_node(self) -> pd.DataFrame:
        """One row per node, one column per metric (values only; standard errors in to_frame)."""
        frame = self.nodes.copy()
        for i, name in enumerate(METRICS):
            frame[name] = self.values[i, : self.n_nodes]
        return frame

    def summary(self) -> pd.DataFrame:
        """One row per metric for the whole network: ``metric``, ``value``, ``se``.

        Flows and costs are summed over nodes, ``fill_rate`` is total served from stock over
        total demand and ``cycle_service_level`` pools the review cycles of every node.
        """
        return pd.DataFrame(
            {"metric": list(METRICS), "value": self.values[:, -1], "se": self.errors[:, -1]}
        )

    def _column(self, product: object, location: object) -> int:
        if product is None and location is None:
            return self.n_nodes
        mask = np.ones(self.n_nodes, dtype=bool)
        for name, value in (("product", product), ("location", location)):
            if value is not None:
                if name not in self.nodes.columns:
                    raise InvalidParameterError(
                        f"The simulated nodes have no {name!r}; they are identified by "
                        f"{list(self.nodes.columns)}."
                    )
                mask &= (self.nodes[name] == value).to_numpy()
        if mask.sum() != 1:
            raise InvalidParameterError(
                f"product={product!r}, location={location!r} matches {int(mask.sum())} simulated "
                "nodes; name exactly one (both product and location when there are several "
                "products)."
            )
        return int(np.flatnonzero(mask)[0])

    def trajectory(self, *, product: object = None, location: object = None) -> pd.DataFrame:
        """End-of-period net inventory of one node, or of the network when none is named.

        Net inventory is on hand minus backorders. Columns ``period`` (and ``date`` when the
        paths were dated), ``mean`` and the quantiles over paths ``q0.05``, ``q0.25``, ``q0.5``,
        ``q0.75``, ``q0.95`` (from the first 1,000 paths).

        Raises
        ------
        InvalidParameterError
            When the product and location do not name exactly one node.
        """
        col = self._column(product, location)
        data: dict[str, Any] = {"period": np.arange(self.n_periods)}
        if self.dates is not None:
            data["date"] = self.dates
        data["mean"] = self.trajectory_values[:, len(QUANTILES), col]
        for j, name in enumerate(_QCOLS):
            data[name] = self.trajectory_values[:, j, col]
        return pd.DataFrame(data)

    def paths(self) -> pd.DataFrame:
        """Every path, period and node: ``path``, ``period``, the node ids and the flows.

        Columns ``demand``, ``start_on_hand``, ``receipts`` (replenishment arriving),
        ``transshipped_in``, ``transshipped_out``, ``ordered``, ``sales``, ``lost_sales``,
        ``backorders`` and ``on_hand`` (both at the end of the period). In every row
        ``start_on_hand + receipts + transshipped_in - transshipped_out - sales == on_hand``.

        Raises
        ------
        InvalidParameterError
            When the simulation ran without ``keep_paths=True``.
        """
        if self.path_values is None:
            raise InvalidParameterError(
                "PolicySimulation.paths() needs the per-period values; run simulate_policy with "
                "keep_paths=True."
            )
        t, p, n = self.n_periods, self.n_paths, self.n_nodes
        frame = pd.DataFrame(
            {
                "path": np.repeat(np.arange(p), t * n),
                "period": np.tile(np.repeat(np.arange(t), n), p),
            }
        )
        ids = self.nodes.loc[np.tile(np.arange(n), p * t)].reset_index(drop=True)
        frame = pd.concat([frame, ids], axis=1)
        for name, values in self.path_values.items():
            frame[name] = values.transpose(1, 0, 2).ravel()
        return frame

    def __repr__(self) -> str:
        i_fill, i_cost = METRICS.index("fill_rate"), METRICS.index("cost_per_period")
        return (
            f"PolicySimulation({self.policy}, {self.unmet_demand}: {self.n_paths:,} paths x "
            f"{self.n_periods:,} periods x {self.n_nodes:,} node{'s' if self.n_nodes != 1 else ''}"
            f"; fill rate {self.values[i_fill, -1]:.4g} ± {self.errors[i_fill, -1]:.2g}, cost "
            f"per period {self.values[i_cost, -1]:.4g} ± {self.errors[i_cost, -1]:.2g})"
        )

    def _repr_html_(self) -> str:
        return html_table(self.summary(), repr(self))

    def plot(self, ax: Any = None, *, product: object = None, location: object = None) -> Any:
        """Fan chart of the net inventory over time: median, 50% and 90% bands, and the mean.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.
        product, location : optional
            The node to draw; the network total when both are omitted.

        Returns
        -------
        matplotlib Axes
        """
        frame = self.trajectory(product=product, location=location)
        axes = new_axes(ax)
        x = frame["period"]
        axes.fill_between(x, frame["q0.05"], frame["q0.95"], alpha=0.2, label="90% of paths")
        axes.fill_between(x, frame["q0.25"], frame["q0.75"], alpha=0.35, label="50% of paths")
        axes.plot(x, frame["q0.5"], label="median")
        axes.plot(x, frame["mean"], linestyle="--", label="mean")
        axes.axhline(0.0, color="black", linewidth=0.5)
        axes.set_xlabel("period")
        axes.set_ylabel("net inventory (end of period)")
        what = "network" if product is None and location is None else f"{product or location}"
        axes.set_title(f"{self.policy}: {what}")
        axes.legend()
        return axes
