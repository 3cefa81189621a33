"""The ``"flow"`` routing policy: a transportation LP over order lines and fulfilment nodes.

Every unit of a line shipped from node ``n`` costs ``per_unit + (per_shipment + per_km *
distance) / units of the order``: an order shipped whole from one node pays exactly its
shipment, a split order pays less than it would (the split penalty and the extra parcels are
not in the objective; ``policy="optimal"`` prices them exactly on small batches). With that
linear cost the problem is a transportation problem: rows per line (its quantity), per product
and node (its stock) and per capped node (``max_units``) form two laminar families, so the
constraint matrix is totally unimodular and the LP optimum is integral.

Lexicographic, like ``"optimal"``: first the most units the stock allows (a max flow on
:func:`scipy.sparse.csgraph.maximum_flow`, exact and fast), then the cheapest routing of that
many units (HiGHS dual simplex). Without node caps the products are independent: the LP is
solved in chunks of products, each with its own "ship the most units" rows.

The linear cost cannot see that shipping an order whole saves parcels, so :func:`consolidate`
then improves the true cost locally: an order's shipment moves into another node already
shipping to it when that node has the stock (saving a parcel and a split penalty), or the whole
order moves to the one node that ships it cheapest. Every move lowers the true cost and keeps
the units shipped.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy import optimize
from scipy.sparse.csgraph import maximum_flow

from .._exceptions import OmnichannelError

__all__ = ["consolidate", "flow_routing", "max_units"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Shipped = tuple[IntArray, IntArray, IntArray]  # line, node, units

#: Columns per LP when products are solved in chunks.
CHUNK_COLUMNS = 60_000
_INT32 = np.iinfo(np.int32).max


def max_units(
    x_line: IntArray,
    x_sku: IntArray,
    x_node: IntArray,
    x_ub: IntArray,
    qty: IntArray,
    stock: IntArray,
    capacity: IntArray,
    capped: npt.NDArray[np.bool_],
) -> IntArray:
    """Units each line ships in a maximum flow: source -> [node cap] -> stock -> line -> sink."""
    n_nodes = stock.shape[1]
    pn, pn_of_x = np.unique(x_sku * n_nodes + x_node, return_inverse=True)
    lines, line_of_x = np.unique(x_line, return_inverse=True)
    n_pn, n_ln = pn.size, lines.size
    cap_nodes = np.flatnonzero(capped)
    cap_pos = np.full(n_nodes, -1, dtype=np.int64)
    cap_pos[cap_nodes] = np.arange(cap_nodes.size)
    # Vertex ids: 0 source, then capped nodes, stock pairs, lines, sink.
    c0, s0 = 1, 1 + cap_nodes.size
    l0 = s0 + n_pn
    sink = l0 + n_ln
    pn_node = pn % n_nodes
    via_cap = cap_pos[pn_node] >= 0
    tails = np.concatenate(
        [
            np.zeros(cap_nodes.size, dtype=np.int64),
            np.where(via_cap, c0 + cap_pos[pn_node], 0),
            s0 + pn_of_x,
            l0 + np.arange(n_ln),
        ]
    )
    heads = np.concatenate(
        [c0 + np.arange(cap_nodes.size), s0 + np.arange(n_pn), l0 + line_of_x, np.full(n_ln, sink)]
    )
    caps = np.concatenate(
        [capacity[cap_nodes], stock[pn // n_nodes, pn_node], x_ub, qty[lines]]
    ).astype(np.int64)
    graph = sp.csr_array(
        (np.minimum(caps, _INT32).astype(np.int32), (tails, heads)), shape=(sink + 1, sink + 1)
    )
    res = maximum_flow(graph, 0, sink)
    flow = res.flow.tocsr()
    per_line = np.zeros(qty.size, dtype=np.int64)
    per_line[lines] = np.asarray(flow[l0 : l0 + n_ln, sink].toarray()).ravel().astype(np.int64)
    return per_line


_Family = tuple[IntArray, IntArray, FloatArray, float]  # columns, key per column, rhs by key, sign


def _solve(
    cost: FloatArray, ub: FloatArray, families: list[_Family], time_limit: float
) -> FloatArray:
    """Minimise ``cost . x`` over ``0 <= x <= ub`` and one row per key of every family.

    A family ``(cols, keys, rhs, sign)`` adds, per distinct key ``k``,
    ``sign * sum(x[cols[keys == k]]) <= sign * rhs[k]``.
    """
    n = cost.size
    rows, cols, vals, rhs = [], [], [], []
    offset = 0
    for fam_cols, keys, fam_rhs, sign in families:
        uniq, inv = np.unique(keys, return_inverse=True)
        rows.append(offset + inv)
        cols.append(fam_cols)
        vals.append(np.full(fam_cols.size, sign))
        rhs.append(sign * fam_rhs[uniq])
        offset += uniq.size
    matrix = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(offset, n)
    )
    # The scipy stubs omit sparse constraint matrices, which HiGHS takes natively.
    res = optimize.linprog(  # type: ignore[call-overload]
        cost,
        A_ub=matrix,
        b_ub=np.concatenate(rhs),
        bounds=np.column_stack([np.zeros(n), ub]),
        method="highs-ds",
        # Presolve costs more than it saves on these transportation LPs (about 1.5x).
        options={"time_limit": max(time_limit, 1e-3), "presolve": False},
    )
    if res.status == 1:
        raise OmnichannelError(
            f"route_orders(policy='flow') did not finish the routing LP within the time limit "
            f"({res.message}). Raise 'time_limit' or split the batch."
        )
    if res.x is None or res.status != 0:  # pragma: no cover - always feasible (x = 0)
        raise OmnichannelError(f"route_orders: HiGHS failed on the flow LP: {res.message}")
    x = np.asarray(res.x)
    rounded = np.round(x)
    if np.abs(x - rounded).max(initial=0.0) > 1e-6:  # pragma: no cover - the LP is integral
        raise OmnichannelError("route_orders: the flow LP returned a fractional vertex.")
    return np.asarray(rounded)


def flow_routing(
    line_order: IntArray,
    line_product: IntArray,
    qty: IntArray,
    stock: IntArray,
    capacity: IntArray,
    unbounded: int,
    unit_cost: FloatArray,
    time_limit: float | None,
) -> tuple[Shipped, str]:
    """Route ``qty`` per line at least linear cost among the routings that ship the most units.

    ``unit_cost`` is (orders x nodes); ``capacity`` per node (``unbounded`` when uncapped; 0 for
    nodes that cannot ship).
    """
    empty = np.zeros(0, dtype=np.int64)
    if qty.size == 0 or stock.shape[1] == 0:
        return (empty, empty, empty), "optimal"
    has = (qty[:, None] > 0) & (stock[line_product] > 0) & (capacity > 0)[None, :]
    x_line, x_node = (v.astype(np.int64) for v in np.nonzero(has))
    if x_line.size == 0:
        return (empty, empty, empty), "optimal"
    x_sku = line_product[x_line]
    x_ub = np.minimum(qty[x_line], stock[x_sku, x_node]).astype(np.int64)
    capped = (capacity < unbounded) & (capacity > 0)
    best = max_units(x_line, x_sku, x_node, x_ub, qty, stock, capacity, capped)
    cost = unit_cost[line_order[x_line], x_node]
    budget = np.inf if time_limit is None else time_limit
    start = time.perf_counter()
    # Products are independent without node caps: solve them in chunks of about CHUNK_COLUMNS.
    coupled = bool(capped[x_node].any())
    order = np.argsort(x_sku, kind="stable")
    if coupled:
        chunks = [order]
    else:
        counts = np.bincount(x_sku[order])
        first_col = np.concatenate([[0], np.cumsum(counts)[:-1]])
        chunk_of_sku = first_col // CHUNK_COLUMNS
        cuts = np.flatnonzero(np.diff(chunk_of_sku[x_sku[order]])) + 1
        chunks = np.split(order, cuts)
    units = np.zeros(x_line.size)
    n_nodes = stock.shape[1]
    qty_f, stock_f, cap_f = qty.astype(float), stock.ravel().astype(float), capacity.astype(float)
    per_sku = np.asarray(
        np.bincount(line_product, weights=best, minlength=stock.shape[0]), dtype=np.float64
    )
    for cols in chunks:
        local = np.arange(cols.size, dtype=np.int64)
        sku, node = x_sku[cols].astype(np.int64), x_node[cols].astype(np.int64)
        in_cap = capped[node]
        families: list[_Family] = [
            (local, x_line[cols], qty_f, 1.0),
            (local, sku * n_nodes + node, stock_f, 1.0),
            (local[in_cap], node[in_cap], cap_f, 1.0),
        ]
        # Ship the most units: per product without caps, in total with them.
        if coupled:
            total = np.array([float(best.sum())])
            families.append((local, np.zeros(cols.size, dtype=np.int64), total, -1.0))
        else:
            families.append((local, sku, per_sku, -1.0))
        left = budget - (time.perf_counter() - start)
        units[cols] = _solve(cost[cols], x_ub[cols].astype(float), families, left)
    keep = units > 0
    shipped = (x_line[keep], x_node[keep], units[keep].astype(np.int64))
    return shipped, "optimal"


def _aggregate(line: IntArray, node: IntArray, units: IntArray, n_nodes: int) -> Shipped:
    key, inv = np.unique(line * n_nodes + node, return_inverse=True)
    total = np.bincount(inv, weights=units).astype(np.int64)
    keep = total > 0
    return key[keep] // n_nodes, key[keep] % n_nodes, total[keep]


def consolidate(
    shipped: Shipped,
    line_order: IntArray,
    line_product: IntArray,
    stock: IntArray,
    capacity: IntArray,
    fixed: FloatArray,
    split_penalty: FloatArray,
    passes: int = 3,
) -> Shipped:
    """Lower the true cost of ``shipped`` by merging shipments of split orders.

    ``fixed`` is the cost of a shipment (orders x nodes) and ``split_penalty`` per order what
    each shipment beyond the first adds. Orders are visited in sequence, like the rule
    policies: each move must fit the stock and capacity left by all other shipments. An order
    has a handful of rows, so they are plain Python lists; the whole-order move checks every
    node at once.
    """
    n_nodes = stock.shape[1]
    line, node, units = _aggregate(*shipped, n_nodes)
    if line.size == 0:
        return line, node, units
    left = stock.copy()
    np.subtract.at(left, (line_product[line], node), units)
    cap = capacity.copy()
    np.subtract.at(cap, node, units)
    can_ship = capacity > 0
    order = line_order[line]
    sort = np.argsort(order, kind="stable")
    line, node, units, order = line[sort], node[sort], units[sort], order[sort]
    first = np.flatnonzero(np.r_[True, order[1:] != order[:-1]])
    last = np.r_[first[1:], order.size]
    plans: dict[int, list[list[int]]] = {}  # order -> rows [line, product, node, units]
    for a, b in zip(first.tolist(), last.tolist(), strict=True):
        if b - a > 1 and node[a:b].min() != node[a:b].max():
            o = int(order[a])
            plans[o] = [
                [int(ln), int(line_product[ln]), int(nd), int(u)]
                for ln, nd, u in zip(line[a:b], node[a:b], units[a:b], strict=True)
            ]
    for _ in range(passes):
        changed = False
        for o, rows in plans.items():
            f = fixed[o]
            saving = float(split_penalty[o])
            # Merge the dearest shipment into a node already shipping to the order.
            merged = True
            while merged:
                merged = False
                # Equal costs in node order, so ties do not depend on set iteration.
                used = sorted({r[2] for r in rows}, key=lambda n: (float(f[n]), n))
                if len(used) < 2:
                    break
                for src in reversed(used):
                    if float(f[src]) + saving <= 0.0:
                        continue
                    moving = [r for r in rows if r[2] == src]
                    total = sum(r[3] for r in moving)
                    # Per product: after a merge a line can hold two rows at the same node.
                    by_product: dict[int, int] = {}
                    for r in moving:
                        by_product[r[1]] = by_product.get(r[1], 0) + r[3]
                    for dst in used:
                        if dst == src or cap[dst] < total:
                            continue
                        if all(left[p, dst] >= u for p, u in by_product.items()):
                            for r in moving:
                                left[r[1], src] += r[3]
                                left[r[1], dst] -= r[3]
                                r[2] = dst
                            cap[src] += total
                            cap[dst] -= total
                            merged = changed = True
                            break
                    if merged:
                        break
            # Or ship the whole order from the one node that does it cheapest.
            used = sorted({r[2] for r in rows})
            if len(used) < 2:
                continue
            need: dict[int, list[int]] = {}  # line -> [product, units]
            for r in rows:
                need.setdefault(r[0], [r[1], 0])[1] += r[3]
            ps = np.array([v[0] for v in need.values()], dtype=np.int64)
            qs = np.array([v[1] for v in need.values()], dtype=np.int64)
            room = left[ps].copy()
            cap_o = cap.copy()
            pos = {ln: i for i, ln in enumerate(need)}
            for r in rows:
                room[pos[r[0]], r[2]] += r[3]
                cap_o[r[2]] += r[3]
            fits = (room >= qs[:, None]).all(axis=0) & (cap_o >= qs.sum()) & can_ship
            if not fits.any():
                continue
            cand = np.flatnonzero(fits)
            best = int(cand[np.argmin(f[cand])])
            current = float(f[used].sum()) + saving * (len(used) - 1)
            if float(f[best]) < current - 1e-9:
                for r in rows:
                    left[r[1], r[2]] += r[3]
                    cap[r[2]] += r[3]
                left[ps, best] -= qs
                cap[best] -= int(qs.sum())
                plans[o] = [[ln, v[0], best, v[1]] for ln, v in need.items()]
                changed = True
        if not changed:
            break
    in_plan = np.zeros(int(order.max()) + 1, dtype=bool)
    in_plan[list(plans)] = True
    keep = ~in_plan[order]
    rows_all = [r for rows in plans.values() for r in rows]
    moved = np.array(rows_all, dtype=np.int64).reshape(-1, 4)
    return _aggregate(
        np.concatenate([line[keep], moved[:, 0]]),
        np.concatenate([node[keep], moved[:, 2]]),
        np.concatenate([units[keep], moved[:, 3]]),
        n_nodes,
    )
