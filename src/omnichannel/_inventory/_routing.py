"""``route_orders``: assign online order lines to fulfilment nodes at least cost."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy import optimize

from .._exceptions import InvalidParameterError, OmnichannelError
from .._validation import check_bool, check_choice, check_real, short_repr
from ._routing_flow import consolidate, flow_routing, max_units
from ._routing_problem import UNBOUNDED as _UNBOUNDED
from ._routing_problem import RoutingCosts, RoutingProblem, Shipped, build_problem, in_store
from ._routing_problem import haversine_km as haversine_km
from ._routing_result import Routing, RoutingComparison

__all__ = [
    "ROUTING_POLICIES",
    "Routing",
    "RoutingComparison",
    "RoutingCosts",
    "RoutingPolicy",
    "compare_routing",
    "route_orders",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

RoutingPolicy = Literal["nearest", "most_stock", "fewest_splits", "flow", "optimal"]
#: Routing policies; the same tuple drives the check and the documentation.
ROUTING_POLICIES: tuple[RoutingPolicy, ...] = (
    "nearest",
    "most_stock",
    "fewest_splits",
    "flow",
    "optimal",
)
_FUNC = "route_orders"
# The largest MILP policy="optimal" builds: integer units per (line, node with stock), binary
# shipments per (order, node) and one binary per order. HiGHS proves optimality on batches of
# this size in seconds; beyond it the split penalty makes the search grow quickly.
_MAX_OPTIMAL_VARIABLES = 20_000


def _rule(prob: RoutingProblem, policy: str, qty: IntArray, stock_left: IntArray) -> Shipped:
    """Greedy routing in order sequence of ``qty`` per line from ``stock_left``.

    The loop over orders is deliberate: stock and node capacity deplete as orders are served, so
    each order must see what the earlier ones left. The work per line is vectorised over nodes.
    """
    stock = stock_left.copy()
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
        todo = a + np.flatnonzero(qty[a:b] > 0)
        if todo.size == 0:
            continue
        if policy == "fewest_splits":
            ps, qs = prob.line_product[todo], qty[todo]
            whole = (stock[ps] >= qs[:, None]).all(axis=0) & (cap >= qs.sum())
            if whole.any():
                cand = np.flatnonzero(whole)
                node = int(cand[np.argmin(ship_cost[o, cand])])
                stock[ps, node] -= qs
                cap[node] -= int(qs.sum())
                out_line.append(todo.astype(np.int64))
                out_node.append(np.full(todo.size, node, dtype=np.int64))
                out_qty.append(qs.copy())
                continue
        for line in todo:
            p, q = int(prob.line_product[line]), int(qty[line])
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


def _optimal(
    prob: RoutingProblem, qty: IntArray, stock: IntArray, time_limit: float | None
) -> tuple[Shipped, str]:
    """Ship the most units the stock allows (a max flow) at least cost, by a MILP on HiGHS."""
    n_lines = int(qty.size)
    # Candidate (line, node) pairs: nodes holding the line's product and able to ship.
    has = (qty[:, None] > 0) & (stock[prob.line_product] > 0) & (prob.capacity > 0)[None, :]
    x_line, x_node = (v.astype(np.int64) for v in np.nonzero(has))
    x_ub = np.minimum(qty[x_line], stock[prob.line_product[x_line], x_node])
    x_order = prob.line_order[x_line]
    n_nodes = max(prob.n_nodes, 1)
    y_key, y_of_x = np.unique(x_order * n_nodes + x_node, return_inverse=True)
    y_order, y_node = y_key // n_nodes, y_key % n_nodes
    # Only delivery orders pay the split penalty (a pickup is collected once).
    y_split = prob.order_pickup[y_order] < 0
    z_order, z_of_y = np.unique(y_order[y_split], return_inverse=True)
    nx, ny, nz = x_line.size, y_key.size, z_order.size
    n_var = nx + ny + nz
    if n_var > _MAX_OPTIMAL_VARIABLES:
        raise InvalidParameterError(
            f"policy='optimal' of {_FUNC} solves batches of up to {_MAX_OPTIMAL_VARIABLES:,} "
            f"decision variables (line-node pairs with stock, order-node shipments, orders); "
            f"this batch has {n_var:,} ({prob.n_orders:,} orders, {n_lines:,} lines, "
            f"{prob.n_nodes:,} fulfilment nodes). Split the batch (by region or time window) "
            "or use policy='flow'."
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
    stock_rhs = stock[sku_node // prob.n_nodes, sku_node % prob.n_nodes].astype(float)
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
    flow_rhs = np.concatenate([qty.astype(float), stock_rhs, prob.capacity[capped].astype(float)])
    # The most units that can ship: a max flow (the transportation polytope is integral).
    most = float(
        max_units(
            x_line,
            prob.line_product[x_line],
            x_node,
            x_ub,
            qty,
            stock,
            prob.capacity,
            (prob.capacity < _UNBOUNDED) & (prob.capacity > 0),
        ).sum()
    )
    costs = prob.costs
    c = np.concatenate(
        [
            np.full(nx, costs.per_unit),
            prob.shipment_cost[y_order, y_node] + costs.split_penalty * y_split,
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
    split_y = np.flatnonzero(y_split)
    zrow = sp.hstack(
        [
            sp.csr_matrix((nz, nx)),
            sp.csr_matrix((-np.ones(split_y.size), (z_of_y, split_y)), shape=(nz, ny)),
            sp.identity(nz, format="csr"),
        ]
    )
    total = sp.hstack([sp.csr_matrix(np.ones((1, nx))), sp.csr_matrix((1, ny + nz))])
    matrix = sp.vstack([sp.hstack([flow, pad]), link, zrow, total]).tocsr()
    lower = np.concatenate([np.full(flow.shape[0] + nx + nz, -np.inf), [most]])
    upper = np.concatenate([flow_rhs, np.zeros(nx + nz), [np.inf]])
    budget = np.inf if time_limit is None else time_limit
    result = optimize.milp(
        c=c,
        integrality=np.ones(n_var, dtype=np.int64),
        bounds=optimize.Bounds(np.zeros(n_var), np.concatenate([x_ub, np.ones(ny + nz)])),
        constraints=optimize.LinearConstraint(matrix, lower, upper),
        options={"mip_rel_gap": 0.0, "presolve": True, "time_limit": budget},
    )
    if result.x is None:
        raise OmnichannelError(
            f"{_FUNC} found no routing within the time limit ({result.message}). Raise "
            "'time_limit' or use policy='flow' or a rule-based policy."
        )
    units = np.round(result.x[:nx]).astype(np.int64)
    keep = units > 0
    status = "optimal" if result.status == 0 else "time_limit"
    return (x_line[keep], x_node[keep], units[keep]), status


def _result(
    prob: RoutingProblem, policy: str, status: str, collected: Shipped, shipped: Shipped
) -> Routing:
    s_line, s_node, s_units = shipped
    i_line, i_node, i_units = collected
    n_nodes = max(prob.n_nodes, 1)
    costs = prob.costs
    # Shipments: deliveries and transfers, one per (order, node).
    order = prob.line_order[s_line]
    key, ship_of_row = np.unique(order * n_nodes + s_node, return_inverse=True)
    ship_order, ship_node = key // n_nodes, key % n_nodes
    ship_units = np.bincount(ship_of_row, weights=s_units, minlength=key.size)
    delivery = prob.order_pickup < 0
    per_order = np.bincount(ship_order, minlength=prob.n_orders)
    splits = np.where(delivery, np.maximum(per_order - 1, 0), 0)
    ship_dist = prob.distance[ship_order, ship_node] if key.size else np.zeros(0)
    share = np.where(delivery[ship_order], 1.0, 0.0) * (per_order[ship_order] - 1)
    ship_fixed = (
        costs.per_shipment
        + costs.per_km * ship_dist
        + costs.split_penalty * share / np.maximum(per_order[ship_order], 1)
    )
    ship_cost = costs.per_unit * s_units + ship_fixed[ship_of_row] * s_units / np.maximum(
        ship_units[ship_of_row], 1
    )
    total_cost = float(
        costs.per_unit * (s_units.sum() + i_units.sum())
        + (costs.per_shipment + costs.per_km * ship_dist).sum()
        + costs.split_penalty * splits.sum()
    )
    # Rows: in store, shipped, then unfulfilled remainders.
    line = np.concatenate([i_line, s_line])
    node = np.concatenate([i_node, s_node])
    units = np.concatenate([i_units, s_units])
    served = np.bincount(line, weights=units, minlength=prob.line_quantity.size)
    short = prob.line_quantity - served.astype(np.int64)
    short_line = np.flatnonzero(short > 0).astype(np.int64)
    all_line = np.concatenate([line, short_line])
    n_done = line.size
    is_short = np.r_[np.zeros(n_done, bool), np.ones(short_line.size, bool)]
    dist = np.concatenate(
        [
            np.zeros(i_line.size),
            prob.distance[order, s_node] if s_line.size else np.zeros(0),
            np.full(short_line.size, np.nan),
        ]
    )
    sort = np.lexsort((np.nan_to_num(dist, nan=np.inf), is_short, all_line))
    location = np.empty(all_line.size, dtype=object)
    location[:n_done] = prob.node_labels[node] if n_done else []
    location[n_done:] = np.nan  # shown as NaN by pandas 2 and 3 alike
    row_order = prob.line_order[all_line]
    frame = pd.DataFrame(
        {
            "order_id": prob.order_ids[row_order][sort],
            "product": prob.products[prob.line_product[all_line]][sort],
            "location": location[sort],
            "quantity": np.concatenate([units, short[short_line]]).astype(np.int64)[sort],
            "distance_km": dist[sort],
            "cost": np.concatenate(
                [costs.per_unit * i_units, ship_cost, np.zeros(short_line.size)]
            )[sort],
            "fulfilled": ~is_short[sort],
        }
    )
    pickup = prob.order_pickup[row_order]
    if prob.has_pickup:
        mode = np.empty(all_line.size, dtype=object)
        mode[: i_line.size] = "in_store"
        mode[i_line.size : n_done] = np.where(
            pickup[i_line.size : n_done] >= 0, "transfer", "delivery"
        )
        mode[n_done:] = None
        store = (
            np.where(pickup >= 0, prob.node_labels[np.maximum(pickup, 0)], None)
            if prob.n_nodes
            else np.full(all_line.size, None)
        )
        frame["pickup_location"] = store[sort]
        frame["mode"] = mode[sort]
    node_i = np.concatenate([node, np.zeros(short_line.size, dtype=np.int64)])
    geo = (
        pd.DataFrame(
            {
                "node_latitude": np.where(
                    is_short, np.nan, prob.node_lat[node_i] if prob.n_nodes else np.nan
                ),
                "node_longitude": np.where(
                    is_short, np.nan, prob.node_lon[node_i] if prob.n_nodes else np.nan
                ),
                "latitude": prob.order_lat[row_order],
                "longitude": prob.order_lon[row_order],
            }
        )
        .iloc[sort]
        .reset_index(drop=True)
    )
    n_orders = prob.n_orders
    n_delivery = int(delivery.sum())
    pickup_line = prob.order_pickup[prob.line_order] >= 0
    return Routing(
        policy=policy,
        status=status,
        lines=frame,
        total_cost=total_cost,
        units_ordered=int(prob.line_quantity.sum()),
        units_shipped=int(units.sum()),
        n_orders=n_orders,
        n_shipments=int(key.size),
        split_rate=float((splits > 0).sum() / n_delivery) if n_delivery else 0.0,
        mean_distance_km=float(ship_dist.mean()) if key.size else float("nan"),
        pickup_orders=n_orders - n_delivery,
        pickup_units=int(prob.line_quantity[pickup_line].sum()),
        pickup_in_store=int(i_units.sum()),
        pickup_transferred=int(s_units[pickup_line[s_line]].sum()) if s_line.size else 0,
        coordinates=geo,
    )


def route_orders(
    orders: pd.DataFrame,
    *,
    nodes: pd.DataFrame,
    stock: pd.DataFrame,
    costs: RoutingCosts | None = None,
    policy: RoutingPolicy = "nearest",
    time_limit: float | None = 60.0,
    transfers: bool = True,
) -> Routing:
    """Assign the lines of online orders to fulfilment nodes at least cost.

    Each order (lines of products and quantities with one delivery point) is shipped from one or
    more nodes: distribution centres, dark stores and stores with ship-from-store. A shipment
    (one node to one order) costs ``per_shipment + per_km * distance`` (great-circle km), every
    unit ``per_unit``, and every shipment beyond an order's first ``split_penalty`` (see
    :class:`RoutingCosts`). No node ships more than its stock of a product or its ``max_units``;
    every order line is shipped in full or reported with its unfulfilled quantity.

    An order with a ``pickup_location`` (click and collect) is collected at that store. Its
    lines are served from the store's own stock first (whatever its kind, no shipment: only
    ``per_unit`` handling), before anything ships, in the orders' sequence. What the store
    lacks is transferred to it from the fulfilment nodes as a shipment to the store's
    coordinates (``per_shipment + per_km * distance``, no split penalty: the customer
    collects once) under the same policy, or reported unfulfilled with ``transfers=False``.

    The routing does not depend on the row order of ``nodes`` and ``stock`` (only the
    sequence of ``orders`` matters, for the rule policies). Nodes are ranked by their
    ``location`` id in sorted order, and ties between equally good nodes go to the first in
    that ranking: ``"nearest"`` and ``"fewest_splits"`` pick the smallest id among equally
    near or cheap nodes, ``"most_stock"`` among equally stocked and equally near ones, and
    ``"flow"`` and ``"optimal"`` solve the same canonical problem, so the same inputs in any
    row order give the same plan. An empty ``nodes`` (or ``stock``) frame is valid: nothing
    ships and every line is reported unfulfilled.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order line: ``order_id``, ``product``, ``quantity`` (whole units >= 1),
        ``latitude`` and ``longitude`` of the delivery point (the same on every line of an
        order; may be missing on pickup orders) and optionally ``pickup_location`` (a store in
        ``nodes``; missing for delivery). Orders are served in the sequence they first appear.
    nodes : pandas.DataFrame
        The canonical ``locations`` frame. Rows of kind ``dc`` and ``dark_store``, and of kind
        ``store`` with ``ship_from_store`` True, can ship; they need coordinates, and so do
        pickup stores that may receive transfers. An optional ``max_units`` column caps the
        units a node ships in this batch (missing: no cap).
    stock : pandas.DataFrame
        The canonical ``stock`` frame (``location``, ``product``, ``on_hand``) in whole units.
        Stock at nodes that can neither ship nor serve a pickup, and of products nobody
        ordered, is ignored.
    costs : RoutingCosts, optional
        Cost rates; ``RoutingCosts()`` when omitted.
    policy : {"nearest", "most_stock", "fewest_splits", "flow", "optimal"}
        ``"nearest"``: each line, in order sequence, takes units from the nearest node with
        stock, then the next nearest. ``"most_stock"``: from the node with the most units of the
        product first (ties to the nearer). ``"fewest_splits"``: the whole order from the
        cheapest node that can ship all of it, else ``"nearest"`` per line. ``"flow"``: the
        whole batch at once as a transportation problem (lines x nodes) solved exactly by LP on
        HiGHS, with each order's shipment cost spread over its units (exact for an order
        shipped whole, an underestimate for a split one: split penalties and extra parcels
        are not in the LP), then a consolidation pass over split orders in sequence (merge a
        shipment into another node already shipping the order, or move the whole order to
        one node, whenever the stock allows and the true cost falls); for large batches
        (10,000 orders x 200 nodes in seconds). ``"optimal"``: the
        exact cost, split penalties included, by an integer program on
        :func:`scipy.optimize.milp` (HiGHS) with integer units per (line, node) and a binary
        shipment per (order, node); for batches of up to 20,000 decision variables (line-node
        pairs with stock, plus order-node pairs, plus orders). ``"flow"`` and ``"optimal"``
        ship the most units the stock allows (a maximum flow) before minimising cost.
    time_limit : float or None, default 60.0
        Seconds allowed to ``"flow"`` and ``"optimal"`` (None: no limit). When it runs out,
        ``"optimal"`` returns the best routing found with ``status="time_limit"``; ``"flow"``
        raises.
    transfers : bool, default True
        Whether pickup stores may receive what they lack from the fulfilment nodes.

    Returns
    -------
    Routing
        Shipped, collected and unfulfilled rows, total cost, split rate, mean distance, fill
        rate and pickup counts.

    Raises
    ------
    SchemaError
        On a malformed frame, fractional or empty quantities, coordinates out of range or
        missing on a delivery order, a fulfilment node (or a pickup store receiving transfers)
        without coordinates, an order with two delivery points or pickup stores, an unknown or
        online pickup location, stock at an unknown location, or ids of one concept typed
        differently in two frames (e.g. ``orders['product']`` int and ``stock['product']``
        str, which would never match); the message names the frame, column and first row.
    InvalidParameterError
        On an unknown policy, bad ``costs``, ``time_limit`` or ``transfers``, or
        ``"optimal"`` on a batch above its size limit.
    OmnichannelError
        When ``"optimal"`` finds no routing, or ``"flow"`` does not finish, within
        ``time_limit``.

    See Also
    --------
    Routing : the result.
    RoutingCosts : the cost rates.
    compare_routing : several policies on one batch.
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

    A pickup at S2 takes its product B from S2's shelf; product A is transferred from the DC:

    >>> pickup = pd.DataFrame({"order_id": "o3", "product": ["A", "B"], "quantity": [1, 2],
    ...                        "latitude": float("nan"), "longitude": float("nan"),
    ...                        "pickup_location": "S2"})
    >>> res = oc.route_orders(pickup, nodes=nodes, stock=stock, policy="flow")
    >>> res.to_frame()[["product", "location", "quantity", "mode"]]
      product location  quantity      mode
    0       A       DC         1  transfer
    1       B       S2         2  in_store
    >>> res.summary()[["pickup_units", "pickup_in_store", "pickup_transferred"]]
       pickup_units  pickup_in_store  pickup_transferred
    0             3                2                   1
    """  # noqa: E501
    policy = check_choice(policy, "policy", ROUTING_POLICIES, func=_FUNC)  # type: ignore[assignment]
    limit = (
        None
        if time_limit is None
        else check_real(time_limit, "time_limit", func=_FUNC, low=0.0, low_open=True)
    )
    move = check_bool(transfers, "transfers", func=_FUNC)
    prob = build_problem(orders, nodes, stock, RoutingCosts() if costs is None else costs, move)
    collected, qty, stock_left = in_store(prob)
    if policy == "optimal":
        shipped, status = _optimal(prob, qty, stock_left, limit)
    elif policy == "flow":
        units = np.bincount(prob.line_order, weights=qty, minlength=prob.n_orders)
        unit_cost = prob.costs.per_unit + prob.shipment_cost / np.maximum(units, 1.0)[:, None]
        lp, _ = flow_routing(
            prob.line_order,
            prob.line_product,
            qty,
            stock_left,
            prob.capacity,
            _UNBOUNDED,
            unit_cost,
            limit,
        )
        penalty = np.where(prob.order_pickup < 0, prob.costs.split_penalty, 0.0)
        shipped = consolidate(
            lp,
            prob.line_order,
            prob.line_product,
            stock_left,
            prob.capacity,
            prob.shipment_cost,
            penalty,
        )
        status = "heuristic"
    else:
        shipped, status = _rule(prob, policy, qty, stock_left), "heuristic"
    return _result(prob, policy, status, collected, shipped)


def compare_routing(
    orders: pd.DataFrame,
    *,
    nodes: pd.DataFrame,
    stock: pd.DataFrame,
    costs: RoutingCosts | None = None,
    policies: Sequence[RoutingPolicy] = ("nearest", "most_stock", "fewest_splits", "flow"),
    time_limit: float | None = 60.0,
    transfers: bool = True,
) -> RoutingComparison:
    """Route one batch with several policies and compare cost, split rate, distance and time.

    Parameters
    ----------
    orders, nodes, stock, costs, time_limit, transfers
        As for :func:`route_orders`.
    policies : sequence of {"nearest", "most_stock", "fewest_splits", "flow", "optimal"}
        Policies to run, in order; the first is the reference of ``cost_vs_first``.
        ``"optimal"`` is left out by default: it refuses large batches.

    Returns
    -------
    RoutingComparison
        The routing of each policy and its wall-clock seconds.

    Raises
    ------
    InvalidParameterError
        On an empty or repeated policy list, and as :func:`route_orders`.

    See Also
    --------
    route_orders : one policy.
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
    >>> cmp = oc.compare_routing(orders, nodes=nodes, stock=stock, policies=["nearest", "flow"])
    >>> cmp.to_frame()[["policy", "split_rate", "mean_distance_km", "total_cost"]].round(2)
        policy  split_rate  mean_distance_km  total_cost
    0  nearest         1.0             20.95       15.10
    1     flow         0.0             40.61        8.03
    """
    if isinstance(policies, str) or not isinstance(policies, Sequence) or not policies:
        raise InvalidParameterError(
            "The 'policies' parameter of compare_routing must be a non-empty sequence of "
            f"policies from {list(ROUTING_POLICIES)}. Got {short_repr(policies)} instead."
        )
    names = [
        check_choice(p, "policies", ROUTING_POLICIES, func="compare_routing") for p in policies
    ]
    if len(set(names)) != len(names):
        raise InvalidParameterError(
            f"The 'policies' parameter of compare_routing repeats a policy: {names}."
        )
    routings: dict[str, Routing] = {}
    seconds: dict[str, float] = {}
    for name in names:
        start = time.perf_counter()
        routings[name] = route_orders(
            orders,
            nodes=nodes,
            stock=stock,
            costs=costs,
            policy=name,  # type: ignore[arg-type]
            time_limit=time_limit,
            transfers=transfers,
        )
        seconds[name] = time.perf_counter() - start
    return RoutingComparison(routings=routings, seconds=seconds)
