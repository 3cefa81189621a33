"""The inventory allocation result."""

from __future__ import annotations

from typing import Any

import attrs
import pandas as pd

from .._exceptions import InvalidParameterError
from .._html import html_table
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
    solver : {"greedy", "lp", "milp"}
        How the optimum (the allocation itself, or the reference of a baseline) was computed:
        ``"lp"`` also when the fast path could not certify its prices under a shared capacity
        and solved the LP instead.
    nodes : pandas.DataFrame
        One row per node (SKU x location). Like every frame attribute of this result, a fresh
        copy on each access: editing it leaves the result unchanged.
    products : pandas.DataFrame
        One row per SKU, as returned by :meth:`summary`.
    expected_profit : float
        Total expected profit of the allocation (lane costs included).
    optimality_gap : float
        Relative shortfall of the expected profit against the optimum: 0 for ``greedy``,
        ``lp`` and ``milp``, ``(optimum - profit) / |optimum|`` for the baselines.
    shipments : pandas.DataFrame or None
        With DCs named in ``supply['source']``: one row per (node, DC) that ships, as returned
        by :meth:`to_frame`.
    sources : pandas.DataFrame or None
        With DCs named in ``supply['source']``: one row per (SKU, DC), as returned by
        :meth:`by_source`.
    capacity : pandas.DataFrame or None
        With ``constraints['max_units_total']``: one row per capacitated location.

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
    # The frames are stored privately and handed out as copies: a frozen result must not change
    # when a caller edits what it got back.
    _nodes: pd.DataFrame = attrs.field(repr=False, alias="nodes")
    _products: pd.DataFrame = attrs.field(repr=False, alias="products")
    expected_profit: float
    optimality_gap: float = 0.0
    _shipments: pd.DataFrame | None = attrs.field(default=None, repr=False, alias="shipments")
    _sources: pd.DataFrame | None = attrs.field(default=None, repr=False, alias="sources")
    _capacity: pd.DataFrame | None = attrs.field(default=None, repr=False, alias="capacity")

    @property
    def nodes(self) -> pd.DataFrame:
        """One row per node (a copy)."""
        return self._nodes.copy()

    @property
    def products(self) -> pd.DataFrame:
        """One row per SKU (a copy), as :meth:`summary`."""
        return self._products.copy()

    @property
    def shipments(self) -> pd.DataFrame | None:
        """One row per (node, DC) that ships (a copy), or None with one unnamed DC."""
        return None if self._shipments is None else self._shipments.copy()

    @property
    def sources(self) -> pd.DataFrame | None:
        """One row per (SKU, DC) (a copy), or None with one unnamed DC."""
        return None if self._sources is None else self._sources.copy()

    @property
    def capacity(self) -> pd.DataFrame | None:
        """One row per capacitated location (a copy), or None without shared capacities."""
        return None if self._capacity is None else self._capacity.copy()

    def to_frame(self) -> pd.DataFrame:
        """One row per node, or per node and DC when ``supply`` names its DCs.

        Columns ``product``, ``location``, ``quantity``, ``expected_sales``,
        ``expected_leftover``, ``fill_rate`` (expected sales over expected demand; 1 where
        demand is 0) and ``expected_profit`` (margin on sales minus overage, shortage penalty,
        shipping and lane costs).

        With a ``source`` column in ``supply`` a ``source`` column follows ``location``: one
        row per (node, DC) that ships, with the units from that DC, plus one row with a missing
        source for a node that receives nothing. A node supplied by two DCs has two rows; its
        expected sales, leftover and profit before lane costs are split in proportion to units
        (the fill rate is the node's), so the columns still sum to the totals.
        """
        return (self._nodes if self._shipments is None else self._shipments).copy()

    def summary(self) -> pd.DataFrame:
        """One row per SKU.

        Columns ``product``, ``supply``, ``reserve``, ``allocated``, ``at_dc`` (supply left at
        the DC, reserve included), ``expected_demand``, ``expected_sales``, ``fill_rate``,
        ``expected_profit``, ``marginal_value`` (expected profit per unit of the last unit or
        pack allocated above the minimums; NaN when none) and ``shadow_price`` (expected profit
        per unit of the next pack the supply could not cover: what one more unit of supply is
        worth; 0 when supply is not binding). Both are NaN for the baselines, and
        ``shadow_price`` is NaN for the MILP, which has no duals. With several DCs they are
        the lowest marginal value and the highest shadow price over the product's DCs (see
        :meth:`by_source`).
        """
        return self._products.copy()

    def by_source(self) -> pd.DataFrame:
        """One row per (SKU, DC) when ``supply`` names its DCs.

        Columns ``product``, ``source``, ``supply``, ``reserve``, ``shipped``, ``at_dc``,
        ``marginal_value`` (per unit, net of its lane, of the least valuable last pack the DC
        ships above the minimums) and ``shadow_price`` (the dual price of the DC's supply, per
        unit: what one more unit at that DC is worth to the optimum, up to ties where the
        marginal unit would change which DC serves a node; 0 when the DC keeps stock back).
        A DC with nothing of the product to ship is priced too, at what its first unit would
        earn; the price is NaN only for a DC without a lane to the product's locations, and
        for the MILP and the baselines.

        Raises
        ------
        InvalidParameterError
            When ``supply`` had no ``source`` column.
        """
        if self._sources is None:
            raise InvalidParameterError(
                "by_source() needs the DCs named in supply['source']; this allocation used one "
                "unnamed DC (see summary())."
            )
        return self._sources.copy()

    def by_location(self) -> pd.DataFrame:
        """Totals per location: units, expected sales, leftover, fill rate and profit.

        With ``constraints['max_units_total']`` also ``max_units_total`` (missing where
        uncapped) and ``capacity_price`` (the dual price of a unit of the location's shared
        capacity; 0 where it does not bind).
        """
        nodes = self._nodes
        frame = nodes.assign(
            expected_demand=nodes["expected_sales"]
            / nodes["fill_rate"].where(nodes["fill_rate"] > 0)
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
        if self._capacity is not None:
            cap = self._capacity.set_index("location")
            out["max_units_total"] = out["location"].map(cap["max_units_total"]).astype("Int64")
            out["capacity_price"] = out["location"].map(cap["capacity_price"])
        return out

    def __repr__(self) -> str:
        products = self._products
        n_sku = len(products)
        allocated = int(products["allocated"].sum())
        available = int((products["supply"] - products["reserve"]).sum())
        baseline = self.method in ("fair_share", "days_of_supply", "priority")
        gap = f", optimality gap {self.optimality_gap:.2%}" if baseline else ""
        dcs = ""
        if self._sources is not None:
            n_dc = int(self._sources["source"].nunique())
            dcs = f" from {n_dc:,} DC{'s' if n_dc != 1 else ''}"
        return (
            f"Allocation({self.method}: {n_sku:,} SKU{'s' if n_sku != 1 else ''} x "
            f"{self._nodes['location'].nunique():,} nodes{dcs}, {allocated:,} of {available:,} "
            f"units allocated, expected profit {self.expected_profit:,.6g}{gap})"
        )

    def _repr_html_(self) -> str:
        return html_table(self.summary().head(20), repr(self))

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
