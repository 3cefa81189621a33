"""``route_orders``: assign online order lines to fulfilment nodes at least cost."""

from __future__ import annotations

import functools
import time
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy import optimize

from .._exceptions import InvalidParameterError, OmnichannelError
from .._frames import LOCATIONS, STOCK
from .._validation import (
    Column,
    FrameSchema,
    check_choice,
    check_frame,
    check_real,
    fail_at_rows,
    short_repr,
)

__all__ = ["ROUTING_POLICIES", "Routing", "RoutingCosts", "RoutingPolicy", "route_orders"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

RoutingPolicy = Literal["nearest", "most_stock", "fewest_splits", "optimal"]
#: Routing policies; the same tuple drives the check and the documentation.
ROUTING_POLICIES: tuple[RoutingPolicy, ...] = ("nearest", "most_stock", "fewest_splits", "optimal")
_FUNC = "route_orders"
_EARTH_RADIUS_KM = 6371.0088
# The largest MILP policy="optimal" builds: integer units per (line, node with stock), binary
# shipments per (order, node) and one binary per order. HiGHS proves optimality on batches of
# this size in seconds; beyond it the split penalty makes the search grow quickly.
_MAX_OPTIMAL_VARIABLES = 20_000
_UNBOUNDED = np.iinfo(np.int64).max // 4
_ELIGIBLE_KINDS = ("dc", "dark_store")
_KINDS = ("store", "dc", "dark_store", "online")

_ORDERS = FrameSchema(
    "orders",
    (
        Column("order_id", "id", description="Order id."),
        Column("product", "id", description="Product id."),
        Column("quantity", "count", description="Units ordered (a whole number >= 1)."),
        Column("latitude", "number", description="Delivery latitude in degrees."),
        Column("longitude", "number", description="Delivery longitude in degrees."),
    ),
    key=("order_id", "product"),
)
_MAX_UNITS = Column(
    "max_units", "count", required=False, nullable=True, description="Units shippable per batch."
)
_NODES = FrameSchema("nodes", (*LOCATIONS.columns, _MAX_UNITS), key=LOCATIONS.key)


def _non_negative(name: str) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        check_real(value, name, func="RoutingCosts", low=0.0)

    return check


def _to_float(value: object) -> object:
    # Keep non-numbers as they are so the validator can name them.
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    ):
        return float(value)
    return value


@attrs.frozen
class RoutingCosts:
    """Cost rates of shipping online orders, validated on construction.

    A shipment is the parcel one node sends to one order. Its cost is
    ``per_shipment + per_km * distance``; every unit adds ``per_unit`` of handling, and an order
    sent in ``k > 1`` shipments adds ``split_penalty * (k - 1)``.

    Parameters
    ----------
    per_km : float, default 0.05
        Cost per kilometre of great-circle distance from node to delivery point, per shipment.
    per_shipment : float, default 5.0
        Fixed cost of a parcel (pick, pack, carrier base rate).
    per_unit : float, default 0.5
        Handling cost per unit shipped.
    split_penalty : float, default 2.0
        Extra cost per shipment beyond an order's first (customer experience, packaging).

    Raises
    ------
    InvalidParameterError
        When a rate is not a finite real number >= 0.

    See Also
    --------
    route_orders : uses the rates.

    Examples
    --------
    >>> import omnichannel as oc
    >>> oc.RoutingCosts(per_km=0.1, split_penalty=3)
    RoutingCosts(per_km=0.1, per_shipment=5.0, per_unit=0.5, split_penalty=3.0)
    >>> oc.RoutingCosts(per_unit=-1)
    Traceback (most recent call last):
    ...
    omnichannel._exceptions.InvalidParameterError: The 'per_unit' parameter of RoutingCosts must be a finite real number >= 0.0. Got -1.0 instead.
    """  # noqa: E501

    per_km: float = attrs.field(
        default=0.05, converter=_to_float, validator=_non_negative("per_km")
    )
    per_shipment: float = attrs.field(
        default=5.0, converter=_to_float, validator=_non_negative("per_shipment")
    )
    per_unit: float = attrs.field(
        default=0.5, converter=_to_float, validator=_non_negative("per_unit")
    )
    split_penalty: float = attrs.field(
        default=2.0, converter=_to_float, validator=_non_negative("split_penalty")
    )


@attrs.frozen(eq=False)
class Routing:
    """Order lines assigned to fulfilment nodes by :func:`route_orders`.

    Attributes
    ----------
    policy : str
        The policy used (``"nearest"``, ``"most_stock"``, ``"fewest_splits"``, ``"optimal"``).
    status : {"heuristic", "optimal", "time_limit"}
        ``"heuristic"`` for the rule policies; for ``"optimal"``, whether the MILP was proven
        optimal or stopped at its time limit with the best routing found.
    lines : pandas.DataFrame
        One row per shipped (order, product, node) and per unfulfilled remainder, as returned
        by :meth:`to_frame`.
    total_cost : float
        Shipment, distance, handling and split costs of the whole routing.
    units_ordered, units_shipped : int
        Units asked for and units routed to a node.
    n_orders, n_shipments : int
        Orders in the batch and parcels sent.
    split_rate : float
        Share of orders sent in more than one shipment.
    mean_distance_km : float
        Mean distance of a shipment (NaN when nothing ships).

    See Also
    --------
    route_orders : builds it.

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

    @property
    def fill_rate(self) -> float:
        """Units shipped over units ordered (1 for an empty batch)."""
        return self.units_shipped / self.units_ordered if self.units_ordered else 1.0

    def to_frame(self) -> pd.DataFrame:
        """One row per shipped (order, product, node) and per unfulfilled remainder.

        Columns ``order_id``, ``product``, ``location`` (missing on unfulfilled rows),
        ``quantity`` (units shipped, or units left unfulfilled), ``distance_km`` (node to
        delivery point; NaN when unfulfilled), ``cost`` (handling of the row's units plus its
        unit share of its shipment's fixed, distance and split cost; 0 when unfulfilled; the
        column sums to ``total_cost``) and ``fulfilled``. Rows follow the orders' sequence.
        """
        return self.lines.copy()

    def summary(self) -> pd.DataFrame:
        """One row: the policy and the totals of the routing.

        Columns ``policy``, ``status``, ``orders``, ``units_ordered``, ``units_shipped``,
        ``fill_rate``, ``shipments``, ``split_rate`` (orders with more than one shipment over
        orders), ``mean_distance_km`` (per shipment), ``total_cost`` and ``cost_per_order``.
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
            }
        )

    def __repr__(self) -> str:
        status = f", {self.status}" if self.status == "time_limit" else ""
        return (
            f"Routing({self.policy}: {self.n_orders:,} order{'s' if self.n_orders != 1 else ''}"
            f", {self.units_shipped:,} of {self.units_ordered:,} units shipped in "
            f"{self.n_shipments:,} shipment{'s' if self.n_shipments != 1 else ''}, split rate "
            f"{self.split_rate:.1%}, total cost {self.total_cost:,.2f}{status})"
        )

    def _repr_html_(self) -> str:
        head = f"<p><b>{self!r}</b></p>"
        return head + self.summary().to_html(index=False, float_format=lambda x: f"{x:,.4g}")


@attrs.frozen(eq=False)
class _Problem:
    order_ids: npt.NDArray[Any]  # by order code, in first-appearance sequence
    line_row: IntArray  # frame position of each line; lines sorted by order code
    line_order: IntArray
    line_product: IntArray
    line_quantity: IntArray
    order_start: IntArray  # first line of each order (length n_orders + 1)
    products: npt.NDArray[Any]  # labels by product code
    node_labels: npt.NDArray[Any]  # eligible node labels
    stock: IntArray  # products x eligible nodes
    capacity: IntArray  # per eligible node; _UNBOUNDED when none
    distance: FloatArray  # orders x eligible nodes, km
    costs: RoutingCosts

    @property
    def n_orders(self) -> int:
        return int(self.order_ids.size)

    @property
    def n_nodes(self) -> int:
        return int(self.node_labels.size)

    @property
    def shipment_cost(self) -> FloatArray:
        return np.asarray(self.costs.per_shipment + self.costs.per_km * self.distance)


_fail_at = functools.partial(fail_at_rows, keys=("order_id", "location", "product"))


def _whole(values: FloatArray) -> npt.NDArray[np.bool_]:
    return np.asarray(np.floor(values) == values)


def haversine_km(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    """Great-circle distances in km between every point of set 1 (rows) and of set 2 (columns).

    Examples
    --------
    >>> import numpy as np
    >>> d = haversine_km(np.array([52.37]), np.array([4.89]), np.array([51.92]), np.array([4.48]))
    >>> round(float(d[0, 0]), 1)
    57.3
    """
    p1, l1 = np.radians(lat1)[:, None], np.radians(lon1)[:, None]
    p2, l2 = np.radians(lat2)[None, :], np.radians(lon2)[None, :]
    a = np.sin((p2 - p1) / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2.0) ** 2
    return np.asarray(2.0 * _EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def _problem(orders: object, nodes: object, stock: object, costs: object) -> _Problem:
    if not isinstance(costs, RoutingCosts):
        raise InvalidParameterError(
            f"The 'costs' parameter of {_FUNC} must be a RoutingCosts. Got "
            f"{short_repr(costs)} instead. Build one with oc.RoutingCosts(per_km=..., ...)."
        )
    check_frame(orders, _ORDERS)
    check_frame(nodes, _NODES, name="nodes")
    check_frame(stock, STOCK)
    assert isinstance(orders, pd.DataFrame)
    assert isinstance(nodes, pd.DataFrame)
    assert isinstance(stock, pd.DataFrame)
    # Orders.
    qty = orders["quantity"].to_numpy(dtype=float)
    _fail_at(
        ~_whole(qty) | (qty < 1),
        orders,
        "orders['quantity']",
        "is not a whole number >= 1",
        "Give units as integers and drop empty lines.",
    )
    lat = orders["latitude"].to_numpy(dtype=float)
    lon = orders["longitude"].to_numpy(dtype=float)
    _fail_at(
        (np.abs(lat) > 90) | (np.abs(lon) > 180),
        orders,
        "orders['latitude'] / orders['longitude']",
        "is outside [-90, 90] x [-180, 180]",
        "Give WGS84 degrees.",
    )
    order_code, order_ids = pd.factorize(orders["order_id"], sort=False)
    line_order_raw = order_code.astype(np.int64)
    n_orders = len(order_ids)
    first_row = np.full(n_orders, -1, dtype=np.int64)
    first_row[line_order_raw[::-1]] = np.arange(len(orders) - 1, -1, -1)
    order_lat, order_lon = lat[first_row], lon[first_row]
    _fail_at(
        (lat != order_lat[line_order_raw]) | (lon != order_lon[line_order_raw]),
        orders,
        "orders['latitude'] / orders['longitude']",
        "differ from the first line of the same order",
        "Every line of an order shares one delivery point; give split deliveries their own "
        "order_id.",
    )
    # Nodes.
    kind = nodes["kind"].astype(str).to_numpy()
    _fail_at(
        ~np.isin(kind, _KINDS),
        nodes,
        "nodes['kind']",
        f"is not one of {list(_KINDS)}",
        "Fix the kind or drop the rows.",
    )
    ship = (
        nodes["ship_from_store"].to_numpy(dtype=bool)
        if "ship_from_store" in nodes.columns
        else np.zeros(len(nodes), dtype=bool)
    )
    eligible = np.isin(kind, _ELIGIBLE_KINDS) | ((kind == "store") & ship)
    node_lat = nodes["latitude"].to_numpy(dtype=float, na_value=np.nan)
    node_lon = nodes["longitude"].to_numpy(dtype=float, na_value=np.nan)
    _fail_at(
        eligible & (np.isnan(node_lat) | np.isnan(node_lon)),
        nodes,
        "nodes['latitude'] / nodes['longitude']",
        "is missing for a fulfilment node (dc, dark_store or ship-from-store store)",
        "Add coordinates or drop the node.",
    )
    if "max_units" in nodes.columns:
        cap = nodes["max_units"].to_numpy(dtype=float, na_value=np.nan)
        _fail_at(
            ~np.isnan(cap) & ~_whole(cap),
            nodes,
            "nodes['max_units']",
            "is not a whole number",
            "Give units as integers; leave it missing for no limit.",
        )
        capacity = np.where(np.isnan(cap), _UNBOUNDED, cap).astype(np.int64)[eligible]
    else:
        capacity = np.full(int(eligible.sum()), _UNBOUNDED, dtype=np.int64)
    node_labels = np.asarray(nodes["location"].to_numpy(), dtype=object)[eligible]
    # Stock.
    on_hand = stock["on_hand"].to_numpy(dtype=float)
    _fail_at(
        ~_whole(on_hand), stock, "stock['on_hand']", "is not a whole number", "Round it first."
    )
    all_nodes = pd.Index(nodes["location"])
    stock_node = all_nodes.get_indexer(stock["location"])
    _fail_at(
        stock_node < 0,
        stock,
        "stock['location']",
        "is not a location in nodes",
        "Add the location to nodes or drop its stock.",
    )
    line_product_raw, products = pd.factorize(orders["product"], sort=True)
    eligible_pos = np.full(len(nodes), -1, dtype=np.int64)
    eligible_pos[eligible] = np.arange(int(eligible.sum()))
    stock_sku = pd.Index(products).get_indexer(stock["product"])
    stock_col = eligible_pos[stock_node]
    use = (stock_sku >= 0) & (stock_col >= 0)
    stock_matrix = np.zeros((len(products), node_labels.size), dtype=np.int64)
    stock_matrix[stock_sku[use], stock_col[use]] = on_hand[use].astype(np.int64)
    # Lines grouped by order, orders in first-appearance sequence, lines in frame order.
    line_row = np.argsort(line_order_raw, kind="stable").astype(np.int64)
    line_order = line_order_raw[line_row]
    order_start = np.searchsorted(line_order, np.arange(n_orders + 1)).astype(np.int64)
    distance = haversine_km(
        order_lat, order_lon, node_lat[eligible].astype(float), node_lon[eligible].astype(float)
    )
    return _Problem(
        order_ids=np.asarray(order_ids, dtype=object),
        line_row=line_row,
        line_order=line_order,
        line_product=line_product_raw.astype(np.int64)[line_row],
        line_quantity=qty.astype(np.int64)[line_row],
        order_start=order_start,
        products=np.asarray(products, dtype=object),
        node_labels=node_labels,
        stock=stock_matrix,
        capacity=capacity,
        distance=distance,
        costs=costs,
    )


_Shipped = tuple[IntArray, IntArray, IntArray]  # line, node, units


def _rule(prob: _Problem, policy: str) -> _Shipped:
    """Greedy routing in order sequence.

    The loop over orders is deliberate: stock and node capacity deplete as orders are served, so
    each order must see what the earlier ones left. The work per line is vectorised over nodes.
    """
    stock = prob.stock.copy()
    cap = prob.capacity.copy()
    out_line: list[IntArray] = []
    out_node: list[IntArray] = []
    out_qty: list[IntArray] = []
    if prob.n_nodes == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    by_distance = np.argsort(prob.distance, axis=1, kind="stable")
    ship_cost = prob.shipment_cost
    for o in range(prob.n_orders):
        a, b = int(prob.order_start[o]), int(prob.order_start[o + 1])
        if policy == "fewest_splits":
            ps, qs = prob.line_product[a:b], prob.line_quantity[a:b]
            whole = (stock[ps] >= qs[:, None]).all(axis=0) & (cap >= qs.sum())
            if whole.any():
                cand = np.flatnonzero(whole)
                node = int(cand[np.argmin(ship_cost[o, cand])])
                stock[ps, node] -= qs
                cap[node] -= int(qs.sum())
                out_line.append(np.arange(a, b, dtype=np.int64))
                out_node.append(np.full(b - a, node, dtype=np.int64))
                out_qty.append(qs.copy())
                continue
        for line in range(a, b):
            p, q = int(prob.line_product[line]), int(prob.line_quantity[line])
            if policy == "most_stock":
                # Most units of the product first; ties go to the nearer node.
                rank = np.lexsort((prob.distance[o], -stock[p])).astype(np.int64)
            else:
                rank = by_distance[o]
            avail = np.minimum(stock[p, rank], cap[rank])
            before = np.cumsum(avail) - avail
            take = np.clip(q - before, 0, avail)
            hit = np.flatnonzero(take)
            if hit.size == 0:
                continue
            node_ids, units = rank[hit], take[hit]
            stock[p, node_ids] -= units
            cap[node_ids] -= units
            out_line.append(np.full(hit.size, line, dtype=np.int64))
            out_node.append(node_ids.astype(np.int64))
            out_qty.append(units.astype(np.int64))
    if not out_line:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(out_line), np.concatenate(out_node), np.concatenate(out_qty)


def _optimal(prob: _Problem, time_limit: float | None) -> tuple[_Shipped, str]:
    """Two MILPs on HiGHS: the most units that can ship, then the cheapest way to ship them."""
    n_lines = int(prob.line_quantity.size)
    # Candidate (line, node) pairs: nodes holding the line's product and able to ship.
    has = (prob.stock[prob.line_product] > 0) & (prob.capacity > 0)[None, :]
    x_line, x_node = np.nonzero(has)
    x_line, x_node = x_line.astype(np.int64), x_node.astype(np.int64)
    x_ub = np.minimum(prob.line_quantity[x_line], prob.stock[prob.line_product[x_line], x_node])
    x_order = prob.line_order[x_line]
    y_key, y_of_x = np.unique(x_order * max(prob.n_nodes, 1) + x_node, return_inverse=True)
    y_order, y_node = y_key // max(prob.n_nodes, 1), y_key % max(prob.n_nodes, 1)
    z_order, z_of_y = np.unique(y_order, return_inverse=True)
    nx, ny, nz = x_line.size, y_key.size, z_order.size
    n_var = nx + ny + nz
    if n_var > _MAX_OPTIMAL_VARIABLES:
        raise InvalidParameterError(
            f"policy='optimal' of {_FUNC} solves batches of up to {_MAX_OPTIMAL_VARIABLES:,} "
            f"decision variables (line-node pairs with stock, order-node shipments, orders); "
            f"this batch has {n_var:,} ({prob.n_orders:,} orders, {n_lines:,} lines, "
            f"{prob.n_nodes:,} fulfilment nodes). Split the batch (by region or time window) "
            "or use policy='fewest_splits'."
        )
    if nx == 0:
        empty = np.zeros(0, dtype=np.int64)
        return (empty, empty, empty), "optimal"
    cols = np.arange(nx)
    ones = np.ones(nx)
    # Rows on x: one per line (<= quantity), per (node, product) (<= stock), per capped node.
    sku_node, sku_node_of_x = np.unique(
        prob.line_product[x_line] * prob.n_nodes + x_node, return_inverse=True
    )
    stock_rhs = prob.stock[sku_node // prob.n_nodes, sku_node % prob.n_nodes].astype(float)
    line_rows = sp.csr_matrix((ones, (x_line, cols)), shape=(n_lines, nx))
    stock_rows = sp.csr_matrix((ones, (sku_node_of_x, cols)), shape=(sku_node.size, nx))
    capped = np.flatnonzero(prob.capacity < _UNBOUNDED)
    cap_pos = np.full(prob.n_nodes, -1, dtype=np.int64)
    cap_pos[capped] = np.arange(capped.size)
    in_cap = cap_pos[x_node] >= 0
    cap_rows = sp.csr_matrix(
        (ones[in_cap], (cap_pos[x_node][in_cap], cols[in_cap])), shape=(capped.size, nx)
    )
    flow = sp.vstack([line_rows, stock_rows, cap_rows]).tocsr()
    flow_rhs = np.concatenate(
        [prob.line_quantity.astype(float), stock_rhs, prob.capacity[capped].astype(float)]
    )
    start = time.perf_counter()
    budget = np.inf if time_limit is None else time_limit
    # Phase 1: the most units that can ship (a transportation problem; its LP is integral).
    first = optimize.milp(
        c=-np.ones(nx),
        integrality=np.ones(nx, dtype=np.int64),
        bounds=optimize.Bounds(np.zeros(nx), x_ub.astype(float)),
        constraints=optimize.LinearConstraint(flow, -np.inf, flow_rhs),
        options={"mip_rel_gap": 0.0, "presolve": True, "time_limit": budget},
    )
    if first.x is None:
        raise OmnichannelError(
            f"{_FUNC} could not solve the routing MILP ({first.message}). Raise 'time_limit' or "
            "use a rule-based policy."
        )
    most = float(np.round(-first.fun))
    # Phase 2: the cheapest routing that ships that many units.
    costs = prob.costs
    c = np.concatenate(
        [
            np.full(nx, costs.per_unit),
            prob.shipment_cost[y_order, y_node] + costs.split_penalty,
            np.full(nz, -costs.split_penalty),
        ]
    )
    pad = sp.csr_matrix((flow.shape[0], ny + nz))
    link = sp.hstack(
        [
            sp.csr_matrix((ones, (cols, cols)), shape=(nx, nx)),
            sp.csr_matrix((-x_ub.astype(float), (cols, y_of_x)), shape=(nx, ny)),
            sp.csr_matrix((nx, nz)),
        ]
    )
    # z[o] <= sum of y[o, .]: z is 1 exactly when the order ships, so the split cost counts
    # shipments beyond the first.
    zrow = sp.hstack(
        [
            sp.csr_matrix((nz, nx)),
            sp.csr_matrix((-np.ones(ny), (z_of_y, np.arange(ny))), shape=(nz, ny)),
            sp.identity(nz, format="csr"),
        ]
    )
    total = sp.hstack([sp.csr_matrix(np.ones((1, nx))), sp.csr_matrix((1, ny + nz))])
    matrix = sp.vstack([sp.hstack([flow, pad]), link, zrow, total]).tocsr()
    lower = np.concatenate([np.full(flow.shape[0] + nx + nz, -np.inf), [most]])
    upper = np.concatenate([flow_rhs, np.zeros(nx + nz), [np.inf]])
    budget = max(budget - (time.perf_counter() - start), 1e-3)
    second = optimize.milp(
        c=c,
        integrality=np.ones(n_var, dtype=np.int64),
        bounds=optimize.Bounds(np.zeros(n_var), np.concatenate([x_ub, np.ones(ny + nz)])),
        constraints=optimize.LinearConstraint(matrix, lower, upper),
        options={"mip_rel_gap": 0.0, "presolve": True, "time_limit": budget},
    )
    if second.x is None:
        raise OmnichannelError(
            f"{_FUNC} found no routing within the time limit ({second.message}). Raise "
            "'time_limit' or use a rule-based policy."
        )
    units = np.round(second.x[:nx]).astype(np.int64)
    keep = units > 0
    status = "optimal" if second.status == 0 else "time_limit"
    return (x_line[keep], x_node[keep], units[keep]), status


def _result(prob: _Problem, policy: str, status: str, shipped: _Shipped) -> Routing:
    line, node, units = shipped
    n_nodes = max(prob.n_nodes, 1)
    costs = prob.costs
    order = prob.line_order[line]
    dist = prob.distance[order, node] if line.size else np.zeros(0)
    key, ship_of_row = np.unique(order * n_nodes + node, return_inverse=True)
    ship_order, ship_node = key // n_nodes, key % n_nodes
    ship_units = np.bincount(ship_of_row, weights=units, minlength=key.size)
    per_order = np.bincount(ship_order, minlength=prob.n_orders)
    ship_dist = prob.distance[ship_order, ship_node] if key.size else np.zeros(0)
    ship_fixed = (
        costs.per_shipment
        + costs.per_km * ship_dist
        + costs.split_penalty * (per_order[ship_order] - 1) / np.maximum(per_order[ship_order], 1)
    )
    row_cost = costs.per_unit * units + ship_fixed[ship_of_row] * units / ship_units[ship_of_row]
    total_cost = float(
        costs.per_unit * units.sum()
        + (costs.per_shipment + costs.per_km * ship_dist).sum()
        + costs.split_penalty * np.maximum(per_order - 1, 0).sum()
    )
    # Unfulfilled remainders.
    shipped_per_line = np.bincount(line, weights=units, minlength=prob.line_quantity.size)
    short = prob.line_quantity - shipped_per_line.astype(np.int64)
    short_line = np.flatnonzero(short > 0).astype(np.int64)
    all_line = np.concatenate([line, short_line])
    is_short = np.concatenate([np.zeros(line.size, bool), np.ones(short_line.size, bool)])
    distance = np.concatenate([dist, np.full(short_line.size, np.nan)])
    sort = np.lexsort((np.nan_to_num(distance, nan=np.inf), is_short, all_line))
    location = np.empty(all_line.size, dtype=object)
    location[: line.size] = prob.node_labels[node] if line.size else []
    location[line.size :] = None
    frame = pd.DataFrame(
        {
            "order_id": prob.order_ids[prob.line_order[all_line]][sort],
            "product": prob.products[prob.line_product[all_line]][sort],
            "location": location[sort],
            "quantity": np.concatenate([units, short[short_line]]).astype(np.int64)[sort],
            "distance_km": distance[sort],
            "cost": np.concatenate([row_cost, np.zeros(short_line.size)])[sort],
            "fulfilled": ~is_short[sort],
        }
    )
    n_orders = prob.n_orders
    return Routing(
        policy=policy,
        status=status,
        lines=frame,
        total_cost=total_cost,
        units_ordered=int(prob.line_quantity.sum()),
        units_shipped=int(units.sum()),
        n_orders=n_orders,
        n_shipments=int(key.size),
        split_rate=float((per_order > 1).sum() / n_orders) if n_orders else 0.0,
        mean_distance_km=float(ship_dist.mean()) if key.size else float("nan"),
    )


def route_orders(
    orders: pd.DataFrame,
    *,
    nodes: pd.DataFrame,
    stock: pd.DataFrame,
    costs: RoutingCosts | None = None,
    policy: RoutingPolicy = "nearest",
    time_limit: float | None = 60.0,
) -> Routing:
    """Assign the lines of online orders to fulfilment nodes at least cost.

    Each order (lines of products and quantities with one delivery point) is shipped from one or
    more nodes: distribution centres, dark stores and stores with ship-from-store. A shipment
    (one node to one order) costs ``per_shipment + per_km * distance`` (great-circle km), every
    unit ``per_unit``, and every shipment beyond an order's first ``split_penalty`` (see
    :class:`RoutingCosts`). No node ships more than its stock of a product or its ``max_units``;
    every order line is shipped in full or reported with its unfulfilled quantity.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order line: ``order_id``, ``product``, ``quantity`` (whole units >= 1),
        ``latitude`` and ``longitude`` of the delivery point (the same on every line of an
        order). Orders are served in the sequence they first appear.
    nodes : pandas.DataFrame
        The canonical ``locations`` frame. Rows of kind ``dc`` and ``dark_store``, and of kind
        ``store`` with ``ship_from_store`` True, can ship; they need coordinates. An optional
        ``max_units`` column caps the units a node ships in this batch (missing: no cap).
    stock : pandas.DataFrame
        The canonical ``stock`` frame (``location``, ``product``, ``on_hand``) in whole units.
        Stock at nodes that cannot ship and of products nobody ordered is ignored.
    costs : RoutingCosts, optional
        Cost rates; ``RoutingCosts()`` when omitted.
    policy : {"nearest", "most_stock", "fewest_splits", "optimal"}
        ``"nearest"``: each line, in order sequence, takes units from the nearest node with
        stock, then the next nearest. ``"most_stock"``: from the node with the most units of the
        product first (ties to the nearer). ``"fewest_splits"``: the whole order from the
        cheapest node that can ship all of it, else ``"nearest"`` per line. ``"optimal"``: ships
        the most units the stock allows, at least total cost, by two integer programs on
        :func:`scipy.optimize.milp` (HiGHS) with integer units per (line, node) and a binary
        shipment per (order, node); for batches of up to 20,000 decision variables (line-node
        pairs with stock, plus order-node pairs, plus orders).
    time_limit : float or None, default 60.0
        Seconds allowed to ``"optimal"`` (None: no limit). When it runs out the best routing
        found is returned with ``status="time_limit"``.

    Returns
    -------
    Routing
        Shipped and unfulfilled rows, total cost, split rate, mean distance and fill rate.

    Raises
    ------
    SchemaError
        On a malformed frame, fractional or empty quantities, coordinates out of range, a
        fulfilment node without coordinates, an order with two delivery points, or stock at an
        unknown location; the message names the frame, column and first row.
    InvalidParameterError
        On an unknown policy, bad ``costs`` or ``time_limit``, or ``"optimal"`` on a batch above
        its size limit.
    OmnichannelError
        When ``"optimal"`` finds no routing within ``time_limit``.

    See Also
    --------
    Routing : the result.
    RoutingCosts : the cost rates.
    allocate_inventory : decides the stock each node holds.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> nodes = pd.DataFrame({"location": ["DC", "S1", "S2"], "kind": ["dc", "store", "store"],
    ...                       "latitude": [52.09, 52.37, 51.92], "longitude": [5.12, 4.89, 4.48],
    ...                       "ship_from_store": [False, True, False]})
    >>> stock = pd.DataFrame({"location": ["DC", "DC", "S1", "S2"], "product": ["A", "B", "A", "B"],
    ...                       "on_hand": [10, 10, 1, 5]})
    >>> orders = pd.DataFrame({"order_id": ["o1", "o1", "o2"], "product": ["A", "B", "A"],
    ...                        "quantity": [1, 1, 2], "latitude": [52.36, 52.36, 52.35],
    ...                        "longitude": 4.9})
    >>> nearest = oc.route_orders(orders, nodes=nodes, stock=stock)
    >>> nearest.to_frame()[["order_id", "product", "location", "quantity"]]
      order_id product location  quantity
    0       o1       A       S1         1
    1       o1       B       DC         1
    2       o2       A       DC         2
    >>> nearest
    Routing(nearest: 2 orders, 4 of 4 units shipped in 3 shipments, split rate 50.0%, total cost 22.37)
    >>> best = oc.route_orders(orders, nodes=nodes, stock=stock, policy="optimal")
    >>> best.summary()[["policy", "shipments", "split_rate", "total_cost"]].round(2)
        policy  shipments  split_rate  total_cost
    0  optimal          2         0.0       15.31
    """  # noqa: E501
    policy = check_choice(policy, "policy", ROUTING_POLICIES, func=_FUNC)  # type: ignore[assignment]
    limit = (
        None
        if time_limit is None
        else check_real(time_limit, "time_limit", func=_FUNC, low=0.0, low_open=True)
    )
    prob = _problem(orders, nodes, stock, RoutingCosts() if costs is None else costs)
    if policy == "optimal":
        shipped, status = _optimal(prob, limit)
    else:
        shipped, status = _rule(prob, policy), "heuristic"
    return _result(prob, policy, status, shipped)
