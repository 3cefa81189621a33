"""Results of :func:`route_orders` and :func:`compare_routing`."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pandas as pd

from .._html import html_table
from .._plotting import new_axes, require_matplotlib

__all__ = ["Routing", "RoutingComparison"]

_COMPARED = (
    "policy",
    "status",
    "fill_rate",
    "shipments",
    "split_rate",
    "mean_distance_km",
    "total_cost",
    "cost_per_order",
)


@attrs.frozen(eq=False)
class Routing:
    """Order lines assigned to fulfilment nodes by :func:`route_orders`.

    Attributes
    ----------
    policy : str
        The policy used (``"nearest"``, ``"most_stock"``, ``"fewest_splits"``, ``"flow"``,
        ``"optimal"``).
    status : {"heuristic", "optimal", "time_limit"}
        ``"heuristic"`` for the rule policies and ``"flow"`` (its LP is exact for its linear
        cost, not for the true one); for ``"optimal"``, whether the MILP proved its optimum or
        stopped at its time limit with the best routing found.
    lines : pandas.DataFrame
        One row per shipped (order, product, node) and per unfulfilled remainder, as returned
        by :meth:`to_frame`.
    total_cost : float
        Shipment, distance, handling and split costs of the whole routing.
    units_ordered, units_shipped : int
        Units asked for and units routed to a node (collected in store included).
    n_orders, n_shipments : int
        Orders in the batch and parcels sent (deliveries and transfers to pickup stores).
    split_rate : float
        Share of delivery orders sent in more than one shipment.
    mean_distance_km : float
        Mean distance of a shipment (NaN when nothing ships).
    pickup_orders, pickup_units, pickup_in_store, pickup_transferred : int
        Orders collected in store, their units, the units served from the pickup store's own
        stock and those transferred to it from another node (all 0 without pickup orders).
    coordinates : pandas.DataFrame
        Per row of :meth:`to_frame`: ``node_latitude``, ``node_longitude`` and the
        destination's ``latitude``, ``longitude`` (the delivery point or pickup store), for
        :meth:`plot`.

    See Also
    --------
    route_orders : builds it.
    compare_routing : several policies side by side.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> nodes = pd.DataFrame({"location": ["DC", "S1"], "kind": ["dc", "store"],
    ...                       "latitude": [52.0, 52.37], "longitude": [5.0, 4.89],
    ...                       "ship_from_store": [False, True]})
    >>> stock = pd.DataFrame({"location": ["DC", "S1"], "product": "A", "on_hand": [5, 1]})
    >>> orders = pd.DataFrame({"order_id": ["o1", "o2"], "product": "A", "quantity": [1, 9],
    ...                        "latitude": 52.36, "longitude": 4.9})
    >>> routing = oc.route_orders(orders, nodes=nodes, stock=stock)
    >>> routing
    Routing(nearest: 2 orders, 6 of 10 units shipped in 2 shipments, split rate 0.0%, total cost 15.10)
    >>> routing.to_frame()[["order_id", "location", "quantity", "fulfilled"]]
      order_id location  quantity  fulfilled
    0       o1       S1         1       True
    1       o2       DC         5       True
    2       o2      NaN         4      False
    """  # noqa: E501

    policy: str
    status: str
    lines: pd.DataFrame = attrs.field(repr=False)
    total_cost: float
    units_ordered: int
    units_shipped: int
    n_orders: int
    n_shipments: int
    split_rate: float
    mean_distance_km: float
    pickup_orders: int = 0
    pickup_units: int = 0
    pickup_in_store: int = 0
    pickup_transferred: int = 0
    coordinates: pd.DataFrame = attrs.field(factory=pd.DataFrame, repr=False)

    @property
    def fill_rate(self) -> float:
        """Units shipped over units ordered (1 for an empty batch)."""
        return self.units_shipped / self.units_ordered if self.units_ordered else 1.0

    def to_frame(self) -> pd.DataFrame:
        """One row per shipped (order, product, node) and per unfulfilled remainder.

        Columns ``order_id``, ``product``, ``location`` (missing on unfulfilled rows),
        ``quantity`` (units shipped, or units left unfulfilled), ``distance_km`` (node to
        delivery point or pickup store, 0 for units collected from the store's own stock; NaN
        when unfulfilled), ``cost`` (handling of the row's units plus its unit share of its
        shipment's fixed, distance and split cost; 0 when unfulfilled; the column sums to
        ``total_cost``) and ``fulfilled``. With pickup orders (an ``orders['pickup_location']``
        column) also ``pickup_location`` and ``mode``: ``"delivery"``, ``"in_store"`` (from
        the pickup store's stock), ``"transfer"`` (shipped to the pickup store), missing when
        unfulfilled. Rows follow the orders' sequence.
        """
        return self.lines.copy()

    def summary(self) -> pd.DataFrame:
        """One row: the policy and the totals of the routing.

        Columns ``policy``, ``status``, ``orders``, ``units_ordered``, ``units_shipped``,
        ``fill_rate``, ``shipments``, ``split_rate`` (delivery orders with more than one
        shipment over delivery orders), ``mean_distance_km`` (per shipment), ``total_cost``,
        ``cost_per_order``, and the pickup counts ``pickup_orders``, ``pickup_units``,
        ``pickup_in_store``, ``pickup_transferred`` and ``pickup_unfulfilled`` (units).
        """
        return pd.DataFrame(
            {
                "policy": [self.policy],
                "status": [self.status],
                "orders": [self.n_orders],
                "units_ordered": [self.units_ordered],
                "units_shipped": [self.units_shipped],
                "fill_rate": [self.fill_rate],
                "shipments": [self.n_shipments],
                "split_rate": [self.split_rate],
                "mean_distance_km": [self.mean_distance_km],
                "total_cost": [self.total_cost],
                "cost_per_order": [self.total_cost / self.n_orders if self.n_orders else 0.0],
                "pickup_orders": [self.pickup_orders],
                "pickup_units": [self.pickup_units],
                "pickup_in_store": [self.pickup_in_store],
                "pickup_transferred": [self.pickup_transferred],
                "pickup_unfulfilled": [
                    self.pickup_units - self.pickup_in_store - self.pickup_transferred
                ],
            }
        )

    def compare(self, *others: Routing) -> pd.DataFrame:
        """Compare this routing with others of the same batch: one row each, this one first.

        Parameters
        ----------
        *others : Routing
            Routings of the same orders (other policies or costs).

        Returns
        -------
        pandas.DataFrame
            Columns ``policy``, ``status``, ``fill_rate``, ``shipments``, ``split_rate``,
            ``mean_distance_km``, ``total_cost``, ``cost_per_order`` and ``cost_vs_first``
            (relative difference in total cost against this routing).

        Examples
        --------
        >>> import pandas as pd
        >>> import omnichannel as oc
        >>> nodes = pd.DataFrame({"location": ["DC", "S1"], "kind": ["dc", "store"],
        ...                       "latitude": [52.0, 52.37], "longitude": [5.0, 4.89],
        ...                       "ship_from_store": [False, True]})
        >>> stock = pd.DataFrame({"location": ["DC", "DC", "S1"], "product": ["A", "B", "A"],
        ...                       "on_hand": [5, 5, 1]})
        >>> orders = pd.DataFrame({"order_id": "o1", "product": ["A", "B"], "quantity": 1,
        ...                        "latitude": 52.36, "longitude": 4.9})
        >>> near = oc.route_orders(orders, nodes=nodes, stock=stock)
        >>> flow = oc.route_orders(orders, nodes=nodes, stock=stock, policy="flow")
        >>> near.compare(flow)[["policy", "shipments", "total_cost", "cost_vs_first"]].round(2)
            policy  shipments  total_cost  cost_vs_first
        0  nearest          2       15.10           0.00
        1     flow          1        8.03          -0.47
        """
        rows = [r.summary() for r in (self, *others)]
        frame = pd.concat(rows, ignore_index=True)[list(_COMPARED)]
        base = self.total_cost
        frame["cost_vs_first"] = (frame["total_cost"] - base) / abs(base) if base else 0.0
        return frame

    def plot(self, ax: Any = None, *, max_lines: int = 2_000) -> Any:
        """Map of the shipments: nodes, destinations and a segment per shipment.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.
        max_lines : int, default 2000
            Segments drawn at most (the first shipments in order sequence).

        Returns
        -------
        matplotlib Axes
        """
        axes = new_axes(ax, figsize=(6.0, 6.0))
        geo = self.coordinates
        shipped = self.lines["fulfilled"].to_numpy(dtype=bool)
        if geo.empty or not shipped.any():
            axes.set_title(f"Routing ({self.policy}): nothing shipped")
            return axes
        g = geo[shipped].head(max_lines)
        xs = np.column_stack([g["node_longitude"], g["longitude"], np.full(len(g), np.nan)]).ravel()
        ys = np.column_stack([g["node_latitude"], g["latitude"], np.full(len(g), np.nan)]).ravel()
        axes.plot(xs, ys, color="0.6", linewidth=0.5, alpha=0.6, zorder=1)
        axes.scatter(g["longitude"], g["latitude"], s=6, color="tab:blue", label="destination")
        units = (
            self.lines[shipped]
            .assign(node_longitude=geo["node_longitude"], node_latitude=geo["node_latitude"])
            .groupby("location")
            .agg(
                quantity=("quantity", "sum"),
                lon=("node_longitude", "first"),
                lat=("node_latitude", "first"),
            )
        )
        size = 20 + 180 * units["quantity"] / max(float(units["quantity"].max()), 1.0)
        axes.scatter(units["lon"], units["lat"], s=size, marker="s", color="tab:red", label="node")
        axes.set_xlabel("longitude")
        axes.set_ylabel("latitude")
        axes.set_title(
            f"Routing ({self.policy}): {self.n_shipments:,} shipments, "
            f"split rate {self.split_rate:.1%}"
        )
        axes.legend(loc="best")
        return axes

    def __repr__(self) -> str:
        status = f", {self.status}" if self.status == "time_limit" else ""
        pickup = f", {self.pickup_orders:,} pickup" if self.pickup_orders else ""
        return (
            f"Routing({self.policy}: {self.n_orders:,} order{'s' if self.n_orders != 1 else ''}"
            f"{pickup}, {self.units_shipped:,} of {self.units_ordered:,} units shipped in "
            f"{self.n_shipments:,} shipment{'s' if self.n_shipments != 1 else ''}, split rate "
            f"{self.split_rate:.1%}, total cost {self.total_cost:,.2f}{status})"
        )

    def _repr_html_(self) -> str:
        return html_table(self.summary(), repr(self))


@attrs.frozen(eq=False)
class RoutingComparison:
    """Several routing policies on one batch, from :func:`compare_routing`.

    Attributes
    ----------
    routings : dict of str to Routing
        The routing of each policy, in the order run.
    seconds : dict of str to float
        Wall-clock seconds of each policy.

    See Also
    --------
    compare_routing : builds it.
    Routing.compare : the same table from routings at hand.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> nodes = pd.DataFrame({"location": ["DC", "S1"], "kind": ["dc", "store"],
    ...                       "latitude": [52.0, 52.37], "longitude": [5.0, 4.89],
    ...                       "ship_from_store": [False, True]})
    >>> stock = pd.DataFrame({"location": ["DC", "DC", "S1"], "product": ["A", "B", "A"],
    ...                       "on_hand": [5, 5, 1]})
    >>> orders = pd.DataFrame({"order_id": "o1", "product": ["A", "B"], "quantity": 1,
    ...                        "latitude": 52.36, "longitude": 4.9})
    >>> cmp = oc.compare_routing(orders, nodes=nodes, stock=stock,
    ...                          policies=["nearest", "fewest_splits", "flow"])
    >>> cmp.to_frame()[["policy", "shipments", "split_rate", "total_cost"]].round(2)
              policy  shipments  split_rate  total_cost
    0        nearest          2         1.0       15.10
    1  fewest_splits          1         0.0        8.03
    2           flow          1         0.0        8.03
    >>> cmp.best
    'fewest_splits'
    """

    routings: dict[str, Routing]
    seconds: dict[str, float]

    @property
    def best(self) -> str:
        """The policy with the highest fill rate, then the lowest total cost."""
        return min(
            self.routings, key=lambda p: (-self.routings[p].fill_rate, self.routings[p].total_cost)
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per policy.

        Columns as :meth:`Routing.compare` (``cost_vs_first`` against the first policy), plus
        ``seconds``.
        """
        first, *rest = self.routings.values()
        frame = first.compare(*rest)
        frame["seconds"] = [self.seconds[p] for p in self.routings]
        return frame

    def plot(self, ax: Any = None) -> Any:
        """Bar chart of total cost per policy, with the split rate on a second axis.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.

        Returns
        -------
        matplotlib Axes
        """
        require_matplotlib()
        axes = new_axes(ax)
        frame = self.to_frame()
        x = np.arange(len(frame))
        axes.bar(x - 0.2, frame["total_cost"], width=0.4, color="tab:blue", label="total cost")
        axes.set_ylabel("total cost")
        axes.set_xticks(list(x), frame["policy"].tolist(), rotation=20)
        twin = axes.twinx()
        twin.bar(x + 0.2, frame["split_rate"], width=0.4, color="tab:orange", label="split rate")
        twin.set_ylabel("split rate")
        handles = axes.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
        axes.legend(handles, ["total cost", "split rate"], loc="upper right")
        axes.set_title("Routing policies")
        return axes

    def __repr__(self) -> str:
        parts = ", ".join(f"{p} {r.total_cost:,.2f}" for p, r in self.routings.items())
        return f"RoutingComparison({len(self.routings)} policies: {parts}; best {self.best})"
