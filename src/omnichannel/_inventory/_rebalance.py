"""``rebalance``: transship stock between nodes where the profit gained beats the lane cost.

Every node (a SKU at a location) earns the newsvendor expected profit of its final stock ``q``:
``margin * E[min(q, D)] - overage * E[(q - D)+] - penalty * E[(D - q)+]``, concave in ``q``, so
its ``u``-th unit is worth ``delta(u) = (margin + penalty + overage) * P(D >= u) - overage``, a
non-increasing sequence. Moving one unit from ``i`` to ``j`` gains ``delta_j(next unit) -
delta_i(last unit) - lane cost``. The optimum is a min-cost flow with piecewise-linear concave
node values: one ``[0, 1]`` column per unit segment of every node a lane touches, one integer
column per (SKU, lane), node balance rows and "ship at most what is on hand" rows. Without
fixed costs, minimum lots or a lane capacity shared by several SKUs that constraint matrix is a
network matrix (totally unimodular), so the LP optimum is integral; with them it is a MILP. Both
go to HiGHS through :func:`scipy.optimize.milp`.
"""

from __future__ import annotations

import functools
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy import optimize

from .._exceptions import InvalidParameterError, SchemaError
from .._frames import STOCK
from .._html import html_table
from .._plotting import new_axes
from .._validation import (
    Column,
    FrameSchema,
    check_frame,
    check_int,
    check_real,
)
from ._allocation_kernels import TAIL
from ._allocation_problem import (
    _ECONOMICS,
    _build_demand,
    _check_ids,
    _Demand,
    _economics_rows,
    _fail_rows,
    _integral,
    _Labels,
    _per_node,
)

__all__ = ["Rebalance", "rebalance"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_FUNC = "rebalance"
# Per-unit tie-breaker against moves that gain nothing (costs are in units of the largest unit
# value when the solver sees them).
_EPS = 1e-9

_LANES = FrameSchema(
    "lanes",
    (
        Column("origin", "id", description="Sending location."),
        Column("destination", "id", description="Receiving location."),
        Column("cost_per_unit", "count", description="Transport and handling cost per unit."),
        Column("product", "id", required=False, description="Only this product (else all)."),
        Column("lead_time", "count", required=False, description="Periods in transit."),
        Column("max_units", "count", required=False, nullable=True, description="Units per lane."),
        Column("min_units", "count", required=False, description="Minimum lot when used."),
        Column("fixed_cost", "count", required=False, description="Cost of using the lane."),
    ),
)
_RETURNS = FrameSchema(
    "returns",
    (
        Column("product", "id"),
        Column("location", "id"),
        Column("quantity", "count", description="Units coming back."),
        Column("delay", "count", required=False, description="Periods until restocked."),
        Column("restock_yield", "count", required=False, description="Sellable share."),
    ),
)
_fail = _fail_rows(("product", "location", "origin", "destination"))
_IDS = {"product": "product", "location": "location"}


@attrs.frozen(eq=False)
class _Nodes:
    products: npt.NDArray[Any]
    locations: npt.NDArray[Any]
    sku: IntArray
    loc: IntArray
    demand: _Demand
    margin: FloatArray
    overage: FloatArray
    penalty: FloatArray
    on_hand: IntArray
    returns: IntArray

    def find(self, sku: IntArray, loc: IntArray) -> IntArray:
        """Node index of each (sku, loc) pair, -1 where there is no such node."""
        return _find(self.sku, self.loc, self.locations.size, sku, loc)

    def value(self, quantity: IntArray, idx: IntArray) -> tuple[FloatArray, FloatArray]:
        """Return expected sales and expected profit of ``quantity`` units at nodes ``idx``."""
        sales = np.minimum(_expected_sales(self.demand, quantity, idx), quantity)
        mean = self.demand.mean[idx]
        profit = (
            self.margin[idx] * sales
            - self.overage[idx] * (quantity - sales)
            - self.penalty[idx] * np.maximum(mean - sales, 0.0)
        )
        return sales, profit


@attrs.frozen(eq=False)
class _Lanes:
    """Candidate (SKU, lane) columns: one integer variable each."""

    origin: IntArray  # node index
    dest: IntArray
    cost: FloatArray
    lane: IntArray  # row of the lanes frame
    upper: FloatArray
    lane_cap: FloatArray  # per lanes-frame row (inf when none)
    lane_min: FloatArray
    lane_fixed: FloatArray
    dropped: int


def _find(
    node_sku: IntArray, node_loc: IntArray, n_loc: int, sku: IntArray, loc: IntArray
) -> IntArray:
    """Position of each (sku, loc) among nodes sorted by (sku, loc); -1 when absent."""
    if node_sku.size == 0:
        return np.full(sku.size, -1, dtype=np.int64)
    key = node_sku * n_loc + node_loc
    want = sku * n_loc + loc
    pos = np.minimum(np.searchsorted(key, want), key.size - 1)
    ok = (sku >= 0) & (loc >= 0) & (key[pos] == want)
    return np.where(ok, pos, -1).astype(np.int64)


def _expected_sales(demand: _Demand, quantity: IntArray, idx: IntArray) -> FloatArray:
    """``E[min(q, D)] = sum of P(D >= u) for u <= q``, stopping where ``P(D >= u)`` is negligible.

    The stop keeps the work proportional to the demand, not to the stock: a DC holding
    thousands of units it cannot sell costs one step.
    """
    out = np.zeros(idx.size)
    for pos, stepper in demand.groups(idx):
        rows = np.arange(pos.size, dtype=np.int64)
        target = quantity[pos]
        active = target > 0
        stepper.keep(active)
        rows, target = rows[active], target[active]
        acc = np.zeros(rows.size)
        u = 0
        while rows.size:
            s = stepper.next()
            u += 1
            acc += s
            done = (u >= target) | (s < TAIL)
            if done.any():
                out[pos[rows[done]]] = acc[done]
                keep = ~done
                stepper.keep(keep)
                rows, target, acc = rows[keep], target[keep], acc[keep]
    return out


def _codes(values: pd.Series[Any], labels: npt.NDArray[Any]) -> IntArray:
    return np.asarray(pd.Index(labels).get_indexer(pd.Index(values)), dtype=np.int64)


def _nodes(
    stock: object, demand: object, economics: object, returns: object, horizon: int | None
) -> _Nodes:
    sku, loc, products, locations, rep = _build_demand(demand)
    assert isinstance(demand, pd.DataFrame)
    n = sku.size
    check_frame(stock, STOCK)
    assert isinstance(stock, pd.DataFrame)
    _check_ids(stock, "stock", demand, _IDS)
    find = functools.partial(_find, sku, loc, len(locations))
    stock_node = find(_codes(stock["product"], products), _codes(stock["location"], locations))
    _fail(
        stock_node < 0,
        stock,
        "stock",
        "has (product, location) pairs that are not demand nodes",
        "Add them to demand (mean 0 with family 'poisson' for a node that sells nothing) or "
        "drop them.",
    )
    qty = stock["on_hand"].to_numpy(dtype=float)
    _fail(~_integral(qty), stock, "stock['on_hand']", "is not a whole number", "Round it first.")
    on_hand = np.zeros(n, dtype=np.int64)
    on_hand[stock_node] = qty.astype(np.int64)
    check_frame(economics, _ECONOMICS)
    assert isinstance(economics, pd.DataFrame)
    _check_ids(economics, "economics", demand, _IDS)
    rows = _economics_rows(economics, _Labels(products, locations, sku, loc))
    back = np.zeros(n, dtype=np.int64)
    if returns is not None:
        check_frame(returns, _RETURNS)
        assert isinstance(returns, pd.DataFrame)
        _check_ids(returns, "returns", demand, _IDS)
        node = find(_codes(returns["product"], products), _codes(returns["location"], locations))
        _fail(
            node < 0,
            returns,
            "returns",
            "has (product, location) pairs that are not demand nodes",
            "Add them to demand or drop them.",
        )
        units = returns["quantity"].to_numpy(dtype=float)
        delay = (
            returns["delay"].to_numpy(dtype=float) if "delay" in returns else np.zeros(units.size)
        )
        share = (
            returns["restock_yield"].to_numpy(dtype=float)
            if "restock_yield" in returns
            else np.ones(units.size)
        )
        _fail(
            share > 1.0,
            returns,
            "returns['restock_yield']",
            "is above 1",
            "Give the sellable share of the returned units, between 0 and 1.",
        )
        due = delay <= (np.inf if horizon is None else horizon)
        sellable = np.bincount(node[due], weights=(units * share)[due], minlength=n)
        back = np.floor(sellable + 1e-9).astype(np.int64)
    return _Nodes(
        products=products,
        locations=locations,
        sku=sku,
        loc=loc,
        demand=rep,
        margin=_per_node(economics, rows, "unit_margin", 0.0),
        overage=_per_node(economics, rows, "overage_cost", 0.0),
        penalty=_per_node(economics, rows, "shortage_penalty", 0.0),
        on_hand=on_hand,
        returns=back,
    )


def _lanes(lanes: object, nodes: _Nodes, horizon: int | None, demand: pd.DataFrame) -> _Lanes:
    check_frame(lanes, _LANES)
    assert isinstance(lanes, pd.DataFrame)
    _check_ids(
        lanes,
        "lanes",
        demand,
        {"origin": "location", "destination": "location", "product": "product"},
    )
    m = len(lanes)
    origin = _codes(lanes["origin"], nodes.locations)
    dest = _codes(lanes["destination"], nodes.locations)
    _fail(
        (origin < 0) | (dest < 0),
        lanes,
        "lanes",
        "has origin or destination values that are not demand locations",
        "Drop those lanes or add the locations to demand.",
    )
    _fail(
        origin == dest,
        lanes,
        "lanes",
        "has the same origin and destination",
        "Drop lanes from a location to itself.",
    )
    per_product = "product" in lanes.columns
    lane_sku = _codes(lanes["product"], nodes.products) if per_product else np.full(m, -1)
    if per_product:
        _fail(
            lane_sku < 0,
            lanes,
            "lanes['product']",
            "has products that are not in demand",
            "Drop those lanes.",
        )
    key = (lane_sku + 1) * nodes.locations.size**2 + origin * nodes.locations.size + dest
    dup = pd.Index(key).duplicated()
    what = "(product, origin, destination)" if per_product else "(origin, destination)"
    _fail(dup, lanes, "lanes", f"has duplicate {what} rows", "Keep one row per lane.")

    def column(name: str, default: float) -> FloatArray:
        if name not in lanes.columns:
            return np.full(m, default)
        values = lanes[name].to_numpy(dtype=float, na_value=np.nan)
        return np.where(np.isnan(values), default, values)

    cost = column("cost_per_unit", 0.0)
    lead = column("lead_time", 0.0)
    cap = column("max_units", np.inf)
    low = column("min_units", 0.0)
    fixed = column("fixed_cost", 0.0)
    for name, values in (("max_units", cap), ("min_units", low)):
        _fail(
            np.isfinite(values) & ~_integral(values),
            lanes,
            f"lanes[{name!r}]",
            "is not a whole number",
            "Give units as integers.",
        )
    _fail(
        low > cap,
        lanes,
        "lanes['min_units']",
        "is above max_units",
        "Lower the minimum lot or raise the lane capacity.",
    )
    # Lanes in canonical (product, origin, destination) order of the sorted labels: the solver
    # then gets the same problem whatever the row order of ``lanes``, so ties resolve the same.
    canon = np.lexsort((dest, origin, lane_sku))
    origin, dest, lane_sku = origin[canon], dest[canon], lane_sku[canon]
    cost, lead, cap, low, fixed = (v[canon] for v in (cost, lead, cap, low, fixed))
    usable = lead <= (np.inf if horizon is None else horizon)
    # Candidate columns: every node with stock, times the usable lanes leaving its location.
    if per_product:
        o_node = nodes.find(lane_sku, origin)
        d_node = nodes.find(lane_sku, dest)
        row = np.arange(m, dtype=np.int64)
    else:
        order = np.argsort(origin, kind="stable")
        count = np.bincount(origin, minlength=nodes.locations.size)
        start = np.concatenate([[0], np.cumsum(count)])
        senders = np.flatnonzero(nodes.on_hand > 0)
        reps = count[nodes.loc[senders]]
        o_node = np.repeat(senders, reps)
        offset = np.arange(o_node.size) - np.repeat(np.cumsum(reps) - reps, reps)
        row = order[start[nodes.loc[o_node]] + offset].astype(np.int64)
        d_node = nodes.find(nodes.sku[o_node], dest[row])
    keep = (o_node >= 0) & (d_node >= 0) & usable[row]
    keep &= nodes.on_hand[np.maximum(o_node, 0)] > 0
    o_node, d_node, row = o_node[keep], d_node[keep], row[keep]
    upper = np.minimum(nodes.on_hand[o_node].astype(float), cap[row])
    return _Lanes(
        origin=o_node,
        dest=d_node,
        cost=cost[row],
        lane=row,
        upper=upper,
        lane_cap=cap,
        lane_min=low,
        lane_fixed=fixed,
        dropped=int((~usable).sum()),
    )


def _segments(
    nodes: _Nodes, idx: IntArray, low: IntArray, high: IntArray
) -> tuple[IntArray, FloatArray, npt.NDArray[np.bool_]]:
    """Return unit values ``delta(u)``, ``low < u <= high``, at nodes ``idx`` (positions, values).

    Stops at a node once ``P(D >= u)`` is negligible: from there on every unit is worth
    ``-overage`` and the node gets one unbounded tail column instead (the returned flag).
    """
    gain = nodes.margin + nodes.penalty + nodes.overage
    out_pos: list[IntArray] = []
    out_val: list[FloatArray] = []
    tail = np.zeros(idx.size, dtype=bool)
    for pos, stepper in nodes.demand.groups(idx):
        rows = np.arange(pos.size, dtype=np.int64)
        lo, hi = low[pos], high[pos]
        active = hi > lo
        stepper.keep(active)
        rows, lo, hi = rows[active], lo[active], hi[active]
        u = 0
        while rows.size:
            s = stepper.next()
            u += 1
            small = s < TAIL
            emit = (u > lo) & ~small
            if emit.any():
                where = pos[rows[emit]]
                node = idx[where]
                out_pos.append(where)
                out_val.append(gain[node] * s[emit] - nodes.overage[node])
            tail[pos[rows[small]]] = True
            done = small | (u >= hi)
            if done.any():
                keep = ~done
                stepper.keep(keep)
                rows, lo, hi = rows[keep], lo[keep], hi[keep]
    if not out_pos:
        return np.zeros(0, dtype=np.int64), np.zeros(0), tail
    return np.concatenate(out_pos), np.concatenate(out_val), tail


def _solve(nodes: _Nodes, lanes: _Lanes, time_limit: float | None) -> tuple[IntArray, str]:
    """Return units per candidate column and the solver status."""
    nx = lanes.origin.size
    if nx == 0:
        return np.zeros(0, dtype=np.int64), "optimal"
    active = np.unique(np.concatenate([lanes.origin, lanes.dest]))
    na = active.size
    o_row = np.searchsorted(active, lanes.origin)
    d_row = np.searchsorted(active, lanes.dest)
    inflow = np.bincount(d_row, weights=lanes.upper, minlength=na)
    low = nodes.returns[active]
    high = low + nodes.on_hand[active] + inflow.astype(np.int64)
    seg_pos, seg_val, tail = _segments(nodes, active, low, high)
    nz = seg_pos.size
    # Lanes with a fixed cost or a minimum lot get a binary "used" column.
    lane_rows, lane_of_x = np.unique(lanes.lane, return_inverse=True)
    nl = lane_rows.size
    flow_cap = np.bincount(lane_of_x, weights=lanes.upper, minlength=nl)
    cap = np.minimum(lanes.lane_cap[lane_rows], flow_cap)
    fixed = lanes.lane_fixed[lane_rows]
    lot = lanes.lane_min[lane_rows]
    binary = np.flatnonzero((fixed > 0) | (lot > 0))
    ny = binary.size
    # A capacity on a lane with one column is that column's bound; only shared ones need rows.
    shared = np.bincount(lane_of_x, minlength=nl) > 1
    capped = np.flatnonzero(np.isfinite(lanes.lane_cap[lane_rows]) & (cap < flow_cap) & shared)
    capped = np.setdiff1d(capped, binary)
    c = np.concatenate([lanes.cost, -seg_val, nodes.overage[active], fixed[binary]])
    # HiGHS tolerances are absolute (about 1e-7), so costs go in units of the largest unit
    # value: the plan is then the same whether money is counted in cents or in millions. (Not
    # the largest coefficient: a prohibitive fixed cost would shrink every unit value below
    # the tolerances.)
    scale = max(float(np.abs(seg_val).max(initial=0.0)), float(nodes.overage[active].max()))
    if scale > 0:
        c = c / scale
    c[:nx] += _EPS
    w0, y0 = nx + nz, nx + nz + na
    xs = np.arange(nx)
    # Node balance: segments + tail + out - in = on hand.
    bal = sp.csr_matrix(
        (
            np.concatenate([np.ones(nz), np.ones(na), np.ones(nx), -np.ones(nx)]),
            (
                np.concatenate([seg_pos, np.arange(na), o_row, d_row]),
                np.concatenate([nx + np.arange(nz), w0 + np.arange(na), xs, xs]),
            ),
        ),
        shape=(na, y0 + ny),
    )
    on = nodes.on_hand[active].astype(float)
    out = sp.csr_matrix((np.ones(nx), (o_row, xs)), shape=(na, y0 + ny))
    blocks = [bal, out]
    lower = [on, np.full(na, -np.inf)]
    upper = [on, on]
    if capped.size:
        pick = np.isin(lane_of_x, capped)
        local = np.searchsorted(capped, lane_of_x[pick])
        blocks.append(
            sp.csr_matrix(
                (np.ones(int(pick.sum())), (local, xs[pick])), shape=(capped.size, y0 + ny)
            )
        )
        lower.append(np.full(capped.size, -np.inf))
        upper.append(cap[capped])
    if ny:
        pick = np.isin(lane_of_x, binary)
        local = np.searchsorted(binary, lane_of_x[pick])
        for bound, rhs_low, rhs_high in ((cap, -np.inf, 0.0), (lot, 0.0, np.inf)):
            blocks.append(
                sp.csr_matrix(
                    (
                        np.concatenate([np.ones(int(pick.sum())), -bound[binary]]),
                        (
                            np.concatenate([local, np.arange(ny)]),
                            np.concatenate([xs[pick], y0 + np.arange(ny)]),
                        ),
                    ),
                    shape=(ny, y0 + ny),
                )
            )
            lower.append(np.full(ny, rhs_low))
            upper.append(np.full(ny, rhs_high))
    matrix = sp.vstack(blocks, format="csr")
    lb, ub = np.concatenate(lower), np.concatenate(upper)
    var_upper = np.concatenate([lanes.upper, np.ones(nz), np.where(tail, np.inf, 0.0), np.ones(ny)])
    budget = np.inf if time_limit is None else time_limit
    if ny == 0 and capped.size == 0:
        # A network matrix: the dual simplex returns an integral vertex, several times faster
        # than the MILP machinery on the same LP.
        eq = lb == ub
        lp = optimize.linprog(  # type: ignore[call-overload]  # (n, 2) bounds: a stub gap
            c,
            A_ub=matrix[~eq],
            b_ub=ub[~eq],
            A_eq=matrix[eq],
            b_eq=lb[eq],
            bounds=np.column_stack([np.zeros(y0), var_upper]),
            method="highs-ds",
            options={"time_limit": budget},
        )
        if lp.x is not None and lp.status == 0:
            x = lp.x[:nx]
            if np.abs(x - np.round(x)).max(initial=0.0) < 1e-6:
                return np.round(x).astype(np.int64), "optimal"
    result = optimize.milp(
        c=c,
        integrality=np.concatenate([np.ones(nx), np.zeros(nz + na), np.ones(ny)]).astype(np.int64),
        bounds=optimize.Bounds(np.zeros(y0 + ny), var_upper),
        constraints=optimize.LinearConstraint(matrix, lb, ub),
        options={"mip_rel_gap": 0.0, "presolve": True, "time_limit": budget},
    )
    if result.x is None:
        raise InvalidParameterError(
            f"{_FUNC} could not solve the transshipment problem ({result.message}). Raise "
            "'time_limit' or drop lanes."
        )
    units = np.round(result.x[:nx]).astype(np.int64)
    status = "optimal" if result.status == 0 else "time_limit"
    return units, status


def rebalance(
    stock: pd.DataFrame,
    demand: pd.DataFrame,
    *,
    economics: pd.DataFrame,
    lanes: pd.DataFrame,
    returns: pd.DataFrame | None = None,
    horizon: int | None = None,
    time_limit: float | None = None,
) -> Rebalance:
    """Transship stock between nodes wherever the expected profit gained beats the lane cost.

    Each node (a product at a location) earns, on its final stock ``q``, the expected profit of
    :func:`allocate_inventory`: ``unit_margin * sales - overage_cost * leftover -
    shortage_penalty * shortage`` with ``sales = E[min(q, D)]``, concave in ``q``. Moving a unit
    from ``i`` to ``j`` is worth the value of the next unit at ``j`` minus the value of the last
    unit at ``i`` minus the lane cost. The optimal moves over all nodes and lanes at once are
    found exactly as a min-cost flow over the piecewise-linear expected profits (an integer
    program on :func:`scipy.optimize.milp`; its LP relaxation is already integral unless lanes
    have fixed costs, minimum lots or a capacity shared by several products). A node never sends
    more than it has on hand and never relays received units; doing nothing is always feasible,
    so the gain is never negative.

    When several plans earn the same expected gain (identical nodes, equal lane costs), which
    one is returned depends only on the data, never on the row order of any frame: nodes are
    sorted by (product, location) and lanes by (product, origin, destination) before the
    solve, so HiGHS always sees the same problem. Costs are handed to it in units of the
    largest per-unit value, so the plan does not depend on the money unit either.

    Parameters
    ----------
    stock : pandas.DataFrame
        The canonical stock frame: ``location``, ``product``, ``on_hand`` (whole units). Demand
        nodes without a row hold nothing; every row must be a demand node (add nodes that sell
        nothing to ``demand`` with mean 0).
    demand : pandas.DataFrame
        Demand per node over the planning horizon, in any form :func:`allocate_inventory`
        takes: ``mean`` + ``family`` (+ ``variance``), quantile columns ``q0.1``, ... or
        ``sample`` + ``quantity``.
    economics : pandas.DataFrame
        Per ``location`` (or ``product`` and ``location``): ``unit_margin``, ``overage_cost``
        and optional ``shortage_penalty``, as in :func:`allocate_inventory` (``shipping_cost``
        is ignored: lanes carry the cost of moving).
    lanes : pandas.DataFrame
        One row per allowed move: ``origin``, ``destination``, ``cost_per_unit``; optional
        ``product`` (the row is for that product only; without the column every row serves every
        product), ``lead_time`` (periods in transit), ``max_units`` (units the lane carries,
        summed over products; missing means no limit), ``min_units`` (smallest lot when the lane
        is used) and ``fixed_cost`` (paid once when the lane is used).
    returns : pandas.DataFrame, optional
        Units coming back into stock: ``product``, ``location``, ``quantity``, optional
        ``delay`` (periods until restocked, default 0) and ``restock_yield`` (sellable share in
        [0, 1], default 1). Rows with ``delay <= horizon`` add ``floor(sum(quantity *
        restock_yield))`` units to the node's stock for the horizon (its expected profit counts
        them) but cannot be sent: they are not on hand when the transfers leave. Later returns
        are ignored.
    horizon : int, optional
        Length of the planning horizon in periods. Lanes whose ``lead_time`` exceeds it are
        dropped and returns whose ``delay`` exceeds it are ignored; a transfer that arrives
        within the horizon counts in full toward the destination's demand over the horizon
        (demand is taken to fall after arrival). Without it every lane and return counts.
    time_limit : float, optional
        Seconds HiGHS may spend; on expiry the best transfers found are returned with status
        ``"time_limit"``.

    Returns
    -------
    Rebalance
        The transfers with their lane cost and gain, every node's stock and expected profit
        before and after, and the total gain.

    Raises
    ------
    SchemaError
        On a malformed frame, fractional stock or lot sizes, a stock or returns row that is not a
        demand node, a lane to an unknown location or to itself, duplicate lanes, or a node
        without economics.
    InvalidParameterError
        On a negative ``horizon`` or ``time_limit``, or when HiGHS finds no solution in time.

    See Also
    --------
    allocate_inventory : the same economics for pushing new supply from a DC.
    Rebalance : the result.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> stock = pd.DataFrame({"location": ["S1", "S2"], "product": "P1", "on_hand": [12, 1]})
    >>> demand = pd.DataFrame({"product": "P1", "location": ["S1", "S2"],
    ...                        "mean": [3.0, 8.0], "family": "poisson"})
    >>> economics = pd.DataFrame({"location": ["S1", "S2"], "unit_margin": 5.0,
    ...                           "overage_cost": 1.0})
    >>> lanes = pd.DataFrame({"origin": ["S1"], "destination": ["S2"], "cost_per_unit": 0.5})
    >>> res = oc.rebalance(stock, demand, economics=economics, lanes=lanes)
    >>> res.to_frame().round(2)
      product origin destination  quantity  lane_cost   gain
    0      P1     S1          S2         8        4.0  31.83
    >>> res.by_node()[["location", "stock_before", "stock_after"]]
      location  stock_before  stock_after
    0       S1            12            4
    1       S2             1            9
    """
    hz = check_int(horizon, "horizon", func=_FUNC, low=0, allow_none=True)
    if time_limit is not None:
        check_real(time_limit, "time_limit", func=_FUNC, low=0.0, low_open=True)
    nodes = _nodes(stock, demand, economics, returns, hz)
    if not isinstance(lanes, pd.DataFrame):
        raise SchemaError(
            f"lanes must be a pandas DataFrame; got {type(lanes).__name__}. Build one with "
            "columns ['origin', 'destination', 'cost_per_unit']."
        )
    cand = _lanes(lanes, nodes, hz, demand)
    units, status = _solve(nodes, cand, time_limit)
    return _result(nodes, cand, units, status)


def _result(nodes: _Nodes, lanes: _Lanes, units: IntArray, status: str) -> Rebalance:
    n = nodes.sku.size
    moved = units > 0
    x = units[moved]
    o, d, row = lanes.origin[moved], lanes.dest[moved], lanes.lane[moved]
    sent = np.bincount(o, weights=x, minlength=n).astype(np.int64)
    got = np.bincount(d, weights=x, minlength=n).astype(np.int64)
    before = nodes.on_hand + nodes.returns
    after = before - sent + got
    everyone = np.arange(n, dtype=np.int64)
    sales0, profit0 = nodes.value(before, everyone)
    sales1, profit1 = sales0.copy(), profit0.copy()
    touched = np.flatnonzero((sent > 0) | (got > 0))
    if touched.size:
        sales1[touched], profit1[touched] = nodes.value(after[touched], touched)
    # Each row's gain: its unit share of what the destination gains from what it receives, minus
    # its share of what the origin loses by sending, minus its lane cost.
    recv = np.flatnonzero(got > 0)
    send = np.flatnonzero(sent > 0)
    gained = np.zeros(n)
    lost = np.zeros(n)
    if recv.size:
        gained[recv] = profit1[recv] - nodes.value(after[recv] - got[recv], recv)[1]
    if send.size:
        lost[send] = nodes.value(after[send] + sent[send], send)[1] - profit1[send]
    on_lane = np.bincount(row, weights=x, minlength=lanes.lane_fixed.size)
    fixed_share = np.where(
        on_lane[row] > 0, lanes.lane_fixed[row] * x / np.maximum(on_lane[row], 1), 0.0
    )
    cost = x * lanes.cost[moved] + fixed_share
    gain = x * gained[d] / np.maximum(got[d], 1) - x * lost[o] / np.maximum(sent[o], 1) - cost
    order = np.lexsort((nodes.loc[d], nodes.loc[o], nodes.sku[o]))
    transfers = pd.DataFrame(
        {
            "product": nodes.products[nodes.sku[o]][order],
            "origin": nodes.locations[nodes.loc[o]][order],
            "destination": nodes.locations[nodes.loc[d]][order],
            "quantity": x[order].astype(np.int64),
            "lane_cost": cost[order],
            "gain": gain[order],
        }
    )
    node_frame = pd.DataFrame(
        {
            "product": nodes.products[nodes.sku],
            "location": nodes.locations[nodes.loc],
            "on_hand": nodes.on_hand,
            "returns": nodes.returns,
            "sent": sent,
            "received": got,
            "stock_before": before,
            "stock_after": after,
            "expected_sales_before": sales0,
            "expected_sales_after": sales1,
            "expected_profit_before": profit0,
            "expected_profit_after": profit1,
        }
    )
    n_sku = nodes.products.size
    sku_of_row = nodes.sku[o]
    products = pd.DataFrame(
        {
            "product": nodes.products,
            "on_hand": np.bincount(nodes.sku, weights=nodes.on_hand, minlength=n_sku).astype(
                np.int64
            ),
            "moved": np.bincount(sku_of_row, weights=x, minlength=n_sku).astype(np.int64),
            "lane_cost": np.bincount(sku_of_row, weights=cost, minlength=n_sku),
            "expected_profit_before": np.bincount(nodes.sku, weights=profit0, minlength=n_sku),
            "expected_profit_after": np.bincount(nodes.sku, weights=profit1, minlength=n_sku),
        }
    )
    products["gain"] = (
        products["expected_profit_after"]
        - products["expected_profit_before"]
        - products["lane_cost"]
    )
    return Rebalance(
        status=status,
        transfers=transfers,
        nodes=node_frame,
        products=products,
        total_gain=float(products["gain"].sum()),
        transfer_cost=float(cost.sum()),
        dropped_lanes=lanes.dropped,
    )


@attrs.frozen(eq=False)
class Rebalance:
    """Transfers between nodes from :func:`rebalance`, with their expected outcomes.

    Attributes
    ----------
    status : {"optimal", "time_limit"}
        Whether HiGHS proved the transfers optimal or stopped at ``time_limit``.
    transfers : pandas.DataFrame
        One row per (product, origin, destination) with units moved, as :meth:`to_frame`. Like
        :attr:`nodes` and :attr:`products`, a fresh copy on each access: editing it leaves the
        result unchanged.
    nodes : pandas.DataFrame
        One row per node, as :meth:`by_node`.
    products : pandas.DataFrame
        One row per product, as :meth:`summary`.
    total_gain : float
        Expected profit after minus before, minus every lane cost (per unit and fixed); >= 0.
    transfer_cost : float
        Lane costs paid (per unit and fixed).
    dropped_lanes : int
        Lanes left out because their lead time exceeds the horizon.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> stock = pd.DataFrame({"location": ["A", "B", "C"], "product": "P", "on_hand": [20, 0, 0]})
    >>> demand = pd.DataFrame({"product": "P", "location": ["A", "B", "C"],
    ...                        "mean": [4.0, 6.0, 5.0], "family": "poisson"})
    >>> economics = pd.DataFrame({"location": ["A", "B", "C"], "unit_margin": 4.0,
    ...                           "overage_cost": 1.0})
    >>> lanes = pd.DataFrame({"origin": "A", "destination": ["B", "C"],
    ...                       "cost_per_unit": 0.2, "fixed_cost": [5.0, 30.0]})
    >>> res = oc.rebalance(stock, demand, economics=economics, lanes=lanes)
    >>> res
    Rebalance(optimal: 1 transfer of 10 units, 1 product x 3 locations, gain 22.5927)
    >>> res.summary()[["product", "moved", "lane_cost", "gain"]].round(2)
      product  moved  lane_cost   gain
    0       P     10        7.0  22.59
    """

    status: str
    # The frames are stored privately and handed out as copies: a frozen result must not change
    # when a caller edits what it got back.
    _transfers: pd.DataFrame = attrs.field(repr=False, alias="transfers")
    _nodes: pd.DataFrame = attrs.field(repr=False, alias="nodes")
    _products: pd.DataFrame = attrs.field(repr=False, alias="products")
    total_gain: float
    transfer_cost: float
    dropped_lanes: int = 0

    @property
    def transfers(self) -> pd.DataFrame:
        """One row per transfer (a copy), as :meth:`to_frame`."""
        return self._transfers.copy()

    @property
    def nodes(self) -> pd.DataFrame:
        """One row per node (a copy), as :meth:`by_node`."""
        return self._nodes.copy()

    @property
    def products(self) -> pd.DataFrame:
        """One row per product (a copy), as :meth:`summary`."""
        return self._products.copy()

    def to_frame(self) -> pd.DataFrame:
        """One row per transfer.

        Columns ``product``, ``origin``, ``destination``, ``quantity``, ``lane_cost`` (units
        times ``cost_per_unit`` plus the transfer's unit share of the lane's ``fixed_cost``) and
        ``gain``: the transfer's unit share of the expected profit its destination gains from
        the units it receives, minus its share of what its origin loses by sending, minus its
        lane cost. The gains sum to :attr:`total_gain` whenever no node both sends and receives
        the same product.
        """
        return self._transfers.copy()

    def by_node(self) -> pd.DataFrame:
        """One row per node.

        Columns ``product``, ``location``, ``on_hand``, ``returns`` (sellable returned units
        counted in the horizon), ``sent``, ``received``, ``stock_before`` (on hand plus returns),
        ``stock_after``, ``expected_sales_before``, ``expected_sales_after``,
        ``expected_profit_before`` and ``expected_profit_after`` (lane costs excluded).
        """
        return self._nodes.copy()

    def summary(self) -> pd.DataFrame:
        """One row per product.

        Columns ``product``, ``on_hand``, ``moved`` (units transferred), ``lane_cost``,
        ``expected_profit_before``, ``expected_profit_after`` and ``gain`` (after minus before
        minus lane cost).
        """
        return self._products.copy()

    def __repr__(self) -> str:
        n = len(self._transfers)
        units = int(self._transfers["quantity"].sum())
        n_sku = len(self._products)
        n_loc = self._nodes["location"].nunique()
        return (
            f"Rebalance({self.status}: {n:,} transfer{'s' if n != 1 else ''} of {units:,} units, "
            f"{n_sku:,} product{'s' if n_sku != 1 else ''} x {n_loc:,} locations, gain "
            f"{self.total_gain:,.6g})"
        )

    def _repr_html_(self) -> str:
        return html_table(self.to_frame().head(20), repr(self))

    def plot(self, ax: Any = None) -> Any:
        """Bar chart of stock per location before and after the transfers.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.

        Returns
        -------
        matplotlib Axes
        """
        axes = new_axes(ax)
        frame = self._nodes.groupby("location", sort=True, as_index=False)[
            ["stock_before", "stock_after"]
        ].sum()
        x = range(len(frame))
        axes.bar([i - 0.2 for i in x], frame["stock_before"], width=0.4, label="before")
        axes.bar([i + 0.2 for i in x], frame["stock_after"], width=0.4, label="after")
        axes.set_xticks(list(x), frame["location"].astype(str).tolist(), rotation=30)
        axes.set_ylabel("units")
        axes.set_title(f"Rebalance: expected gain {self.total_gain:,.4g}")
        axes.legend()
        return axes
