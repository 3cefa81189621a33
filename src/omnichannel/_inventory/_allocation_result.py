"""The inventory allocation result."""

from __future__ import annotations

from typing import Any

import attrs
import pandas as pd

from .._plotting import new_axes

__all__ = ["Allocation"]


@attrs.frozen(eq=False)
class Allocation:
    """Units per SKU and node from :func:`allocate_inventory`, with their expected outcomes.

    Attributes
    ----------
    method : str
        The method asked for (``"greedy"``, ``"milp"``, ``"fair_share"``, ...; ``"auto"``
        resolves to the solver used).
    solver : {"greedy", "milp"}
        How the optimum (the allocation itself, or the reference of a baseline) was computed.
    nodes : pandas.DataFrame
        One row per node, as returned by :meth:`to_frame`.
    products : pandas.DataFrame
        One row per SKU, as returned by :meth:`summary`.
    expected_profit : float
        Total expected profit of the allocation.
    optimality_gap : float
        Relative shortfall of the expected profit against the optimum: 0 for ``greedy`` and
        ``milp``, ``(optimum - profit) / |optimum|`` for the baselines.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> supply = pd.DataFrame({"product": ["P1"], "quantity": [16]})
    >>> demand = pd.DataFrame({"product": "P1", "location": ["S1", "S2"],
    ...                        "mean": [15.0, 5.0], "variance": [30.0, 10.0],
    ...                        "family": "negbin"})
    >>> economics = pd.DataFrame({"location": ["S1", "S2"], "unit_margin": [5.0, 3.0],
    ...                           "overage_cost": 2.0})
    >>> best = oc.allocate_inventory(supply, demand, economics=economics)
    >>> fair = oc.allocate_inventory(supply, demand, economics=economics, method="fair_share")
    >>> best.to_frame()["quantity"].tolist(), fair.to_frame()["quantity"].tolist()
    ([14, 2], [12, 4])
    >>> round(fair.optimality_gap, 4)
    0.0239
    >>> best
    Allocation(greedy: 1 SKU x 2 nodes, 16 of 16 units allocated, expected profit 63.6281)
    """

    method: str
    solver: str
    nodes: pd.DataFrame = attrs.field(repr=False)
    products: pd.DataFrame = attrs.field(repr=False)
    expected_profit: float
    optimality_gap: float = 0.0

    def to_frame(self) -> pd.DataFrame:
        """One row per node.

        Columns ``product``, ``location``, ``quantity``, ``expected_sales``,
        ``expected_leftover``, ``fill_rate`` (expected sales over expected demand; 1 where
        demand is 0) and ``expected_profit`` (margin on sales minus overage, shortage penalty
        and shipping).
        """
        return self.nodes.copy()

    def summary(self) -> pd.DataFrame:
        """One row per SKU.

        Columns ``product``, ``supply``, ``reserve``, ``allocated``, ``at_dc`` (supply left at
        the DC, reserve included), ``expected_demand``, ``expected_sales``, ``fill_rate``,
        ``expected_profit``, ``marginal_value`` (expected profit per unit of the last unit or
        pack allocated above the minimums; NaN when none) and ``shadow_price`` (expected profit
        per unit of the next pack the supply could not cover: what one more unit of supply is
        worth; 0 when supply is not binding). Both are NaN for the baselines, and
        ``shadow_price`` is NaN for the MILP, which has no duals.
        """
        return self.products.copy()

    def by_location(self) -> pd.DataFrame:
        """Totals per location: units, expected sales, leftover, fill rate and profit."""
        frame = self.nodes.assign(
            expected_demand=self.nodes["expected_sales"]
            / self.nodes["fill_rate"].where(self.nodes["fill_rate"] > 0)
        )
        out = frame.groupby("location", sort=True, as_index=False).agg(
            quantity=("quantity", "sum"),
            expected_sales=("expected_sales", "sum"),
            expected_leftover=("expected_leftover", "sum"),
            expected_demand=("expected_demand", "sum"),
            expected_profit=("expected_profit", "sum"),
        )
        demand = out.pop("expected_demand")
        out.insert(4, "fill_rate", (out["expected_sales"] / demand).where(demand > 0, 1.0))
        return out

    def __repr__(self) -> str:
        n_sku = len(self.products)
        allocated = int(self.products["allocated"].sum())
        available = int((self.products["supply"] - self.products["reserve"]).sum())
        gap = f", optimality gap {self.optimality_gap:.2%}" if self.method != self.solver else ""
        return (
            f"Allocation({self.method}: {n_sku:,} SKU{'s' if n_sku != 1 else ''} x "
            f"{self.nodes['location'].nunique():,} nodes, {allocated:,} of {available:,} units "
            f"allocated, expected profit {self.expected_profit:,.6g}{gap})"
        )

    def _repr_html_(self) -> str:
        head = f"<p><b>{self!r}</b></p>"
        return head + self.summary().head(20).to_html(
            index=False, float_format=lambda x: f"{x:,.4g}"
        )

    def plot(self, ax: Any = None) -> Any:
        """Bar chart of units and expected sales per location.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.

        Returns
        -------
        matplotlib Axes
        """
        axes = new_axes(ax)
        frame = self.by_location()
        x = range(len(frame))
        axes.bar([i - 0.2 for i in x], frame["quantity"], width=0.4, label="allocated")
        axes.bar([i + 0.2 for i in x], frame["expected_sales"], width=0.4, label="expected sales")
        axes.set_xticks(list(x), frame["location"].astype(str).tolist(), rotation=30)
        axes.set_ylabel("units")
        axes.set_title(f"Allocation ({self.method})")
        axes.legend()
        return axes
