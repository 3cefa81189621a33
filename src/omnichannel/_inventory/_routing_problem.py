"""Validated inputs of :func:`route_orders`: cost rates, orders, nodes, stock and pickups."""

from __future__ import annotations

import functools
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError
from .._frames import LOCATIONS, STOCK
from .._validation import (
    Column,
    FrameSchema,
    check_frame,
    check_id_kinds,
    check_real,
    fail_at_rows,
    short_repr,
)

__all__ = [
    "UNBOUNDED",
    "RoutingCosts",
    "RoutingProblem",
    "Shipped",
    "build_problem",
    "haversine_km",
    "in_store",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Shipped = tuple[IntArray, IntArray, IntArray]  # line, node, units

_FUNC = "route_orders"
_EARTH_RADIUS_KM = 6371.0088
#: Capacity of a node without ``max_units``.
UNBOUNDED = np.iinfo(np.int64).max // 4
_ELIGIBLE_KINDS = ("dc", "dark_store")
_KINDS = ("store", "dc", "dark_store", "online")

_ORDERS = FrameSchema(
    "orders",
    (
        Column("order_id", "id", description="Order id."),
        Column("product", "id", description="Product id."),
        Column("quantity", "count", description="Units ordered (a whole number >= 1)."),
        Column(
            "latitude",
            "number",
            nullable=True,
            description="Delivery latitude in degrees (may be missing on pickup orders).",
        ),
        Column(
            "longitude",
            "number",
            nullable=True,
            description="Delivery longitude in degrees (may be missing on pickup orders).",
        ),
    ),
    key=("order_id", "product"),
)
_PICKUP = FrameSchema(
    "orders",
    (
        Column(
            "pickup_location",
            "id",
            nullable=True,
            description="Store where the customer collects the order; missing for delivery.",
        ),
    ),
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
class RoutingProblem:
    order_ids: npt.NDArray[Any]  # by order code, in first-appearance sequence
    line_row: IntArray  # frame position of each line; lines sorted by order code
    line_order: IntArray
    line_product: IntArray
    line_quantity: IntArray
    order_start: IntArray  # first line of each order (length n_orders + 1)
    products: npt.NDArray[Any]  # labels by product code
    node_labels: npt.NDArray[Any]  # fulfilment nodes and pickup stores, sorted by location id
    stock: IntArray  # products x nodes
    capacity: IntArray  # units a node can ship; UNBOUNDED when uncapped, 0 when it cannot ship
    distance: FloatArray  # orders x nodes, km from the destination
    costs: RoutingCosts
    node_lat: FloatArray
    node_lon: FloatArray
    order_lat: FloatArray  # destination: the delivery point, or the pickup store
    order_lon: FloatArray
    order_pickup: IntArray  # node of the pickup store per order; -1 for delivery
    has_pickup: bool = False  # whether orders had a pickup_location column
    transfers: bool = True

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


def _same_within_order(values: FloatArray, order: IntArray, first_row: IntArray) -> BoolArray:
    """Rows whose value differs from the first line of their order (missing equals missing)."""
    ref = values[first_row][order]
    return np.asarray(~((values == ref) | (np.isnan(values) & np.isnan(ref))))


def _pickup_codes(orders: pd.DataFrame, nodes: pd.DataFrame, kind: npt.NDArray[Any]) -> IntArray:
    """Row of ``nodes`` of each line's pickup store; -1 for delivery lines."""
    if "pickup_location" not in orders.columns or not orders["pickup_location"].notna().any():
        return np.full(len(orders), -1, dtype=np.int64)
    check_frame(orders[["pickup_location"]], _PICKUP)
    check_id_kinds(
        orders["pickup_location"],
        "orders['pickup_location']",
        nodes["location"],
        "nodes['location']",
    )
    given = orders["pickup_location"].notna().to_numpy()
    all_nodes = pd.Index(nodes["location"])
    code = np.where(given, all_nodes.get_indexer(pd.Index(orders["pickup_location"])), -1)
    code = code.astype(np.int64)
    _fail_at(
        given & (code < 0),
        orders,
        "orders['pickup_location']",
        "is not a location in nodes",
        "Add the store to nodes or fix the pickup location.",
    )
    _fail_at(
        given & (np.append(kind, "")[code] == "online"),
        orders,
        "orders['pickup_location']",
        "is an online node, where nobody collects",
        "Give the store where the customer collects the order.",
    )
    return code


def build_problem(
    orders: object, nodes: object, stock: object, costs: object, transfers: bool = True
) -> RoutingProblem:
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
    check_id_kinds(orders["product"], "orders['product']", stock["product"], "stock['product']")
    check_id_kinds(stock["location"], "stock['location']", nodes["location"], "nodes['location']")
    # Orders.
    qty = orders["quantity"].to_numpy(dtype=float)
    _fail_at(
        ~_whole(qty) | (qty < 1),
        orders,
        "orders['quantity']",
        "is not a whole number >= 1",
        "Give units as integers and drop empty lines.",
    )
    lat = orders["latitude"].to_numpy(dtype=float, na_value=np.nan)
    lon = orders["longitude"].to_numpy(dtype=float, na_value=np.nan)
    _fail_at(
        (np.abs(lat) > 90) | (np.abs(lon) > 180),
        orders,
        "orders['latitude'] / orders['longitude']",
        "is outside [-90, 90] x [-180, 180]",
        "Give WGS84 degrees.",
    )
    kind = nodes["kind"].astype(str).to_numpy()
    _fail_at(
        ~np.isin(kind, _KINDS),
        nodes,
        "nodes['kind']",
        f"is not one of {list(_KINDS)}",
        "Fix the kind or drop the rows.",
    )
    all_nodes = pd.Index(nodes["location"])
    pickup_row = _pickup_codes(orders, nodes, kind)
    _fail_at(
        (pickup_row < 0) & (np.isnan(lat) | np.isnan(lon)),
        orders,
        "orders['latitude'] / orders['longitude']",
        "is missing on a delivery order",
        "Give the delivery point, or the store in orders['pickup_location'] for a pickup.",
    )
    order_code, order_ids = pd.factorize(orders["order_id"], sort=False)
    line_order_raw = order_code.astype(np.int64)
    n_orders = len(order_ids)
    first_row = np.full(n_orders, -1, dtype=np.int64)
    first_row[line_order_raw[::-1]] = np.arange(len(orders) - 1, -1, -1)
    _fail_at(
        _same_within_order(lat, line_order_raw, first_row)
        | _same_within_order(lon, line_order_raw, first_row),
        orders,
        "orders['latitude'] / orders['longitude']",
        "differ from the first line of the same order",
        "Every line of an order shares one delivery point; give split deliveries their own "
        "order_id.",
    )
    _fail_at(
        pickup_row != pickup_row[first_row][line_order_raw],
        orders,
        "orders['pickup_location']",
        "differs from the first line of the same order",
        "Every line of an order is collected at one store (or delivered).",
    )
    # Nodes: those that can ship, then pickup stores that cannot.
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
    is_pickup_store = np.zeros(len(nodes), dtype=bool)
    is_pickup_store[pickup_row[pickup_row >= 0]] = True
    if transfers:
        _fail_at(
            is_pickup_store & (np.isnan(node_lat) | np.isnan(node_lon)),
            nodes,
            "nodes['latitude'] / nodes['longitude']",
            "is missing for a pickup store that may receive transfers",
            "Add coordinates, or pass transfers=False to serve pickups from store stock only.",
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
        cap_all = np.where(np.isnan(cap), UNBOUNDED, cap).astype(np.int64)
    else:
        cap_all = np.full(len(nodes), UNBOUNDED, dtype=np.int64)
    # Nodes in sorted order of their location id, whatever the row order of the frame: every
    # policy breaks ties between equally good nodes by this position (see route_orders).
    labels = np.asarray(nodes["location"].to_numpy(), dtype=object)
    used = np.flatnonzero(eligible | is_pickup_store)
    used = used[np.argsort(labels[used], kind="stable")]
    position = np.full(len(nodes), -1, dtype=np.int64)
    position[used] = np.arange(used.size)
    capacity = np.where(eligible[used], cap_all[used], 0).astype(np.int64)
    node_labels = labels[used]
    # Stock.
    on_hand = stock["on_hand"].to_numpy(dtype=float)
    _fail_at(
        ~_whole(on_hand), stock, "stock['on_hand']", "is not a whole number", "Round it first."
    )
    stock_node = all_nodes.get_indexer(stock["location"])
    _fail_at(
        stock_node < 0,
        stock,
        "stock['location']",
        "is not a location in nodes",
        "Add the location to nodes or drop its stock.",
    )
    line_product_raw, products = pd.factorize(orders["product"], sort=True)
    stock_sku = pd.Index(products).get_indexer(stock["product"])
    stock_col = position[stock_node]
    use = (stock_sku >= 0) & (stock_col >= 0)
    stock_matrix = np.zeros((len(products), used.size), dtype=np.int64)
    stock_matrix[stock_sku[use], stock_col[use]] = on_hand[use].astype(np.int64)
    # Lines grouped by order, orders in first-appearance sequence, lines in frame order.
    line_row = np.argsort(line_order_raw, kind="stable").astype(np.int64)
    line_order = line_order_raw[line_row]
    order_start = np.searchsorted(line_order, np.arange(n_orders + 1)).astype(np.int64)
    # Destination: the delivery point, or the pickup store (where transfers go).
    order_pickup_row = pickup_row[first_row] if n_orders else np.zeros(0, dtype=np.int64)
    pick = order_pickup_row >= 0
    # Index -1 (delivery) picks the padding, so this also holds for an empty nodes frame.
    dest_lat = np.where(pick, np.append(node_lat, np.nan)[order_pickup_row], lat[first_row])
    dest_lon = np.where(pick, np.append(node_lon, np.nan)[order_pickup_row], lon[first_row])
    with np.errstate(invalid="ignore"):
        distance = haversine_km(dest_lat, dest_lon, node_lat[used], node_lon[used])
    return RoutingProblem(
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
        node_lat=node_lat[used],
        node_lon=node_lon[used],
        order_lat=dest_lat,
        order_lon=dest_lon,
        order_pickup=np.append(position, -1)[order_pickup_row].astype(np.int64),
        has_pickup="pickup_location" in orders.columns,
        transfers=transfers,
    )


def in_store(prob: RoutingProblem) -> tuple[Shipped, IntArray, IntArray]:
    """Serve pickup lines from their store's own stock, in order sequence.

    Returns the in-store rows, the units each line still needs routed (a pickup line's
    remainder only when transfers are allowed) and the stock left.
    """
    store = prob.order_pickup[prob.line_order]
    qty = prob.line_quantity.copy()
    stock = prob.stock.copy()
    lines = np.flatnonzero(store >= 0).astype(np.int64)
    take = np.zeros(lines.size, dtype=np.int64)
    if lines.size:
        key = prob.line_product[lines] * prob.n_nodes + store[lines]
        order = np.lexsort((lines, key))  # by (product, store), lines in sequence
        k, q = key[order], qty[lines][order]
        new = np.r_[True, k[1:] != k[:-1]]
        cum = np.cumsum(q)
        before = cum - q - np.maximum.accumulate(np.where(new, cum - q, 0))
        avail = stock.ravel()[k]
        take[order] = np.clip(avail - before, 0, q)
        stock -= (
            np.bincount(key, weights=take, minlength=stock.size)
            .astype(np.int64)
            .reshape(stock.shape)
        )
    qty[lines] -= take
    if not prob.transfers:
        qty[lines] = 0
    got = take > 0
    shipped = (lines[got], store[lines][got], take[got])
    return shipped, qty, stock
