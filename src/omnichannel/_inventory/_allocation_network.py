"""Allocation from several DCs with lane costs, and shared location capacity.

:func:`allocate_inventory` hands the problem here when ``supply`` has a ``source`` column, when
``lanes`` are given, when ``constraints`` has ``max_units_total``, or for ``method="lp"``. The
single-DC model (demand, economics and per-node constraints of :mod:`._allocation_problem`,
candidate packs of :mod:`._allocation`) is reused unchanged; this module adds the DCs, the lanes
and the capacities, builds the pack-level problem of :mod:`._allocation_flow`, solves it and
assembles the result.
"""

from __future__ import annotations

import functools
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError, SchemaError
from .._validation import Column, FrameSchema, check_frame, check_id_kinds, fail_at_rows, short_repr
from ._allocation import (
    _BASELINES,
    _baseline,
    _candidates,
    _node_frame,
    _per_sku_sum,
    _profit_parts,
    _single_pack,
    _Solution,
    _unconstrained,
)
from ._allocation_flow import (
    MAX_DUAL_SOURCES,
    FlowSolution,
    Packs,
    marginal_prices,
    solve_dual,
    solve_lp,
)
from ._allocation_problem import (
    _SUPPLY,
    _integral,
    _Problem,
    _problem,
    _supply_units,
)
from ._allocation_result import Allocation

__all__ = ["LANES", "allocate_network"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Lane costs from DCs to locations (optionally per product).
LANES = FrameSchema(
    "lanes",
    (
        Column("source", "id", description="DC the units ship from."),
        Column("location", "id", description="Node location the units ship to."),
        Column("product", "id", required=False, description="Product, for per-SKU lane costs."),
        Column("cost_per_unit", "number", description="Cost of moving one unit on the lane."),
    ),
)
_SOURCE_SUPPLY = FrameSchema(
    "supply",
    (Column("source", "id", description="DC holding the units."), *_SUPPLY.columns),
)
_fail_supply = functools.partial(fail_at_rows, keys=("source", "product"))
_fail_lanes = functools.partial(fail_at_rows, keys=("source", "product", "location"))
_fail_loc = functools.partial(fail_at_rows, keys=("location", "product"))


def _total_capacity(constraints: object) -> bool:
    return (
        isinstance(constraints, pd.DataFrame)
        and "max_units_total" in constraints.columns
        and bool(constraints["max_units_total"].notna().any())
    )


@attrs.frozen(eq=False)
class _Network:
    prob: _Problem
    sources: npt.NDArray[Any]  # labels; [None] when supply names no source
    named: bool  # whether supply has a 'source' column
    supply: IntArray  # (n_sku, K) units
    reserve: IntArray  # (n_sku, K)
    lane: FloatArray  # (n_nodes, K) per unit; nan where no lane was given
    cap: FloatArray  # (n_loc,) units; inf when uncapped

    @property
    def spare(self) -> IntArray:
        return self.supply - self.reserve


def _sources(
    supply: pd.DataFrame, demand: pd.DataFrame, economics: object, constraints: object
) -> tuple[_Problem, npt.NDArray[Any], bool, IntArray, IntArray]:
    named = "source" in supply.columns
    check_frame(supply, _SOURCE_SUPPLY if named else _SUPPLY)
    qty, res = _supply_units(supply, _fail_supply)
    if named:
        src_code, src_labels = pd.factorize(supply["source"], sort=True)
        sources = np.asarray(src_labels, dtype=object)
    else:
        src_code, sources = np.zeros(len(supply), dtype=np.int64), np.array([None], dtype=object)
    prod_code, prod_labels = pd.factorize(supply["product"], sort=True)
    key = prod_code.astype(np.int64) * len(sources) + src_code
    order = np.argsort(key, kind="stable")
    dup = np.zeros(len(supply), dtype=bool)
    dup[order[1:][key[order][1:] == key[order][:-1]]] = True
    _fail_supply(
        dup,
        supply,
        "supply",
        "repeats a (source, product) pair" if named else "repeats a product",
        "Aggregate or drop duplicates first.",
    )
    n_prod = len(prod_labels)
    total = np.bincount(prod_code, weights=qty, minlength=n_prod).astype(np.int64)
    held = np.bincount(prod_code, weights=res, minlength=n_prod).astype(np.int64)
    pooled = pd.DataFrame({"product": prod_labels, "quantity": total, "reserve": held})
    prob = _problem(pooled, demand, economics, constraints)
    # Per (SKU, DC) units, in the problem's SKU codes (supply rows of other products are ignored).
    sku_of_row = pd.Index(prob.products).get_indexer(supply["product"])
    known = sku_of_row >= 0
    k = len(sources)
    units = np.zeros((prob.n_sku, k), dtype=np.int64)
    kept = np.zeros((prob.n_sku, k), dtype=np.int64)
    units[sku_of_row[known], src_code[known]] = qty[known].astype(np.int64)
    kept[sku_of_row[known], src_code[known]] = res[known].astype(np.int64)
    return prob, sources, named, units, kept


def _lanes(
    lanes: object, prob: _Problem, sources: npt.NDArray[Any], named: bool, spare: IntArray
) -> FloatArray:
    """Lane cost per unit for every (node, DC) lane given; NaN where there is none.

    A DC with units to ship (spare > 0) needs a lane to each of the product's nodes. Lanes of
    DCs with nothing to ship are kept too: they price one more unit at that DC.
    """
    k = sources.size
    need = spare[prob.sku] > 0
    if lanes is None:
        if k > 1:
            raise InvalidParameterError(
                f"allocate_inventory needs lane costs to allocate from several DCs; supply has "
                f"sources {short_repr(list(sources))}. Pass lanes=pd.DataFrame with columns "
                "['source', 'location', 'cost_per_unit'] (optionally 'product'); use cost 0 "
                "where moving stock costs nothing."
            )
        return np.zeros((prob.n_nodes, k))
    if not named:
        raise SchemaError(
            "lanes name the DC of each lane, so supply needs a 'source' column naming the DC "
            "that holds each row's units."
        )
    check_frame(lanes, LANES)
    assert isinstance(lanes, pd.DataFrame)
    _check_lane_ids(lanes, prob, sources)
    cost = lanes["cost_per_unit"].to_numpy(dtype=float)
    _fail_lanes(
        cost < 0,
        lanes,
        "lanes['cost_per_unit']",
        "is negative",
        "Lane costs are >= 0 (a credit belongs in economics['unit_margin']).",
    )
    s_code = pd.Index(sources).get_indexer(lanes["source"])
    l_code = pd.Index(prob.locations).get_indexer(lanes["location"])
    per_product = "product" in lanes.columns
    n_loc = len(prob.locations)
    if per_product:
        p_code = pd.Index(prob.products).get_indexer(lanes["product"])
        use = (s_code >= 0) & (l_code >= 0) & (p_code >= 0)
        key = (p_code * n_loc + l_code) * k + s_code
    else:
        use = (s_code >= 0) & (l_code >= 0)
        key = l_code * k + s_code
    order = np.argsort(np.where(use, key, -1), kind="stable")
    sk = np.where(use, key, -1)[order]
    dup = np.zeros(len(lanes), dtype=bool)
    dup[order[1:][(sk[1:] == sk[:-1]) & (sk[1:] >= 0)]] = True
    what = "(source, product, location)" if per_product else "(source, location)"
    _fail_lanes(dup, lanes, "lanes", f"repeats a {what} pair", "Keep one cost per lane.")
    lane = np.full((prob.n_nodes, k), np.nan)
    if per_product:
        node_key = prob.sku * n_loc + prob.loc
        table = pd.Index(node_key).get_indexer(pd.Index(p_code[use] * n_loc + l_code[use]))
        hit = table >= 0
        lane[table[hit], s_code[use][hit]] = cost[use][hit]
    else:
        dense = np.full((n_loc, k), np.nan)
        dense[l_code[use], s_code[use]] = cost[use]
        lane = dense[prob.loc]
    missing = need & np.isnan(lane)
    if missing.any():
        i, s = (int(v[0]) for v in np.nonzero(missing))
        raise SchemaError(
            f"lanes has no cost for {int(missing.sum())} (DC, node) pair(s) that can ship; first "
            f"source={sources[s]!r} to product={prob.products[prob.sku[i]]!r}, "
            f"location={prob.locations[prob.loc[i]]!r}. Add a row per DC and location "
            f"{'and product ' if per_product else ''}(every DC holding a product needs a lane to "
            "each of its demand locations)."
        )
    return lane


def _check_lane_ids(lanes: pd.DataFrame, prob: _Problem, sources: npt.NDArray[Any]) -> None:
    """Lane ids must have the type of the ids they refer to: 1001 never matches '1001'."""
    refer = {
        "source": ("supply['source']", sources),
        "location": ("demand['location']", prob.locations),
        "product": ("demand['product']", prob.products),
    }
    for column, (origin, labels) in refer.items():
        if column in lanes.columns:
            check_id_kinds(lanes[column], f"lanes[{column!r}]", pd.Series(labels), origin)


def _capacity(constraints: object, prob: _Problem) -> FloatArray:
    n_loc = len(prob.locations)
    cap = np.full(n_loc, np.inf)
    if not _total_capacity(constraints):
        return cap
    assert isinstance(constraints, pd.DataFrame)
    values = constraints["max_units_total"].to_numpy(dtype=float, na_value=np.nan)
    _fail_loc(
        ~np.isnan(values) & ~_integral(values),
        constraints,
        "constraints['max_units_total']",
        "is not a whole number",
        "Give the location's capacity in whole units.",
    )
    code = pd.Index(prob.locations).get_indexer(constraints["location"])
    given = ~np.isnan(values) & (code >= 0)
    first = np.full(n_loc, np.nan)
    rows = np.flatnonzero(given)
    first[code[rows[::-1]]] = values[rows[::-1]]
    _fail_loc(
        given & (values != first[np.maximum(code, 0)]),
        constraints,
        "constraints['max_units_total']",
        "differs between rows of the same location",
        "Give one total capacity per location.",
    )
    cap = np.where(np.isnan(first), np.inf, first)
    need = np.bincount(prob.loc, weights=prob.low.astype(float), minlength=n_loc)
    over = need > cap
    if over.any():
        loc = int(np.flatnonzero(over)[0])
        mine = np.flatnonzero((prob.loc == loc) & (prob.low > 0))
        shown = [f"{prob.products[prob.sku[i]]}={int(prob.low[i])}" for i in mine]
        raise SchemaError(
            f"The minimums at location {prob.locations[loc]!r} sum to {int(need[loc])} units, "
            f"above its max_units_total of {int(cap[loc])}; product minimums "
            f"{short_repr(shown)}. Lower the minimums or raise the capacity "
            f"({int(over.sum())} location(s) affected)."
        )
    return cap


def _network(
    supply: object, demand: object, economics: object, constraints: object, lanes: object
) -> _Network:
    if not isinstance(supply, pd.DataFrame):
        raise SchemaError(
            f"supply must be a pandas DataFrame; got {type(supply).__name__}. Build one with "
            "columns ['product', 'quantity'] (plus 'source' for several DCs)."
        )
    if not isinstance(demand, pd.DataFrame):
        _problem(supply, demand, economics, constraints)  # raises the demand error
    assert isinstance(demand, pd.DataFrame)
    prob, sources, named, units, kept = _sources(supply, demand, economics, constraints)
    lane = _lanes(lanes, prob, sources, named, units - kept)
    cap = _capacity(constraints, prob)
    return _Network(prob, sources, named, units, kept, lane, cap)


def _packs(
    net: _Network, forced_units: IntArray | None = None, *, every_lane: bool = False
) -> Packs:
    """Build the pack-level problem; lane costs are kept relative to the cheapest usable lane.

    With ``forced_units`` every node gets exactly that quantity (used to route a baseline's
    quantities at least lane cost): it is all forced, and nothing is free. With
    ``every_lane`` the lanes of DCs without a whole pack to ship are usable too, so that
    :func:`marginal_prices` can price one more pack there; the budgets stay what the DCs hold.
    """
    prob = net.prob
    pack_sku = prob.pack[prob.sku_start[:-1]] if prob.n_nodes else np.ones(0, dtype=np.int64)
    budget = net.spare // np.maximum(pack_sku, 1)[:, None]
    usable = ~np.isnan(net.lane)
    if not every_lane:
        usable &= net.spare[prob.sku] >= prob.pack[:, None]
    lane_u = np.where(usable, net.lane, np.inf)
    cheapest = lane_u.min(axis=1) if prob.n_nodes else np.zeros(0)
    shift = np.where(np.isfinite(cheapest), cheapest, 0.0)
    cost = np.asarray((lane_u - shift[:, None]) * prob.pack[:, None], dtype=float)
    if forced_units is not None:
        forced = forced_units // prob.pack
        el_node, el_value = np.zeros(0, dtype=np.int64), np.zeros(0)
    else:
        forced = prob.low // prob.pack
        reach = np.isfinite(cheapest)
        extra = np.where(reach, prob.spare[prob.sku] // prob.pack + 1, 0)
        shifted = attrs.evolve(prob, shipping=prob.shipping + shift)
        el = _candidates(shifted, np.arange(prob.n_nodes, dtype=np.int64), extra)
        el_node, el_value = el.node, el.value
    pk = Packs(
        node_sku=prob.sku,
        node_loc=prob.loc,
        pack=prob.pack,
        forced=forced.astype(np.int64),
        el_node=el_node,
        el_value=el_value,
        cost=cost,
        budget=budget.astype(np.int64),
        spare=net.spare.astype(np.int64),
        cap=net.cap,
    )
    return pk


def _check_whole_packs(net: _Network, pk: Packs) -> None:
    """Each DC ships whole packs: the minimums must fit in the packs the DCs hold."""
    prob = net.prob
    single = _single_pack(prob)
    need = np.bincount(pk.node_sku, weights=pk.forced.astype(float), minlength=pk.n_sku)
    short = single & (pk.budget.sum(axis=1) < need)
    if short.any():
        k = int(np.flatnonzero(short)[0])
        pack = int(prob.pack[prob.sku_start[k]])
        held = [f"{s}={int(v)}" for s, v in zip(net.sources, net.spare[k], strict=True)]
        raise SchemaError(
            f"The minimums of product {prob.products[k]!r} need {int(need[k])} packs of {pack} "
            f"units, but its DCs hold only {int(pk.budget[k].sum())} whole packs (units net of "
            f"reserve: {short_repr(held)}); each DC ships whole packs. Lower the minimums or "
            f"move stock between DCs ({int(short.sum())} product(s) affected)."
        )


def _check_exact(net: _Network, method: str) -> bool:
    """Whether the LP / dual path is exact (else the MILP is needed); raise for greedy / lp."""
    prob = net.prob
    single = _single_pack(prob)
    packed_at_cap = np.isfinite(net.cap[prob.loc]) & (prob.pack > 1)
    if single.all() and not packed_at_cap.any():
        return True
    if method in ("greedy", "lp"):
        if not single.all():
            k = int(np.flatnonzero(~single)[0])
            packs = sorted(set(prob.pack[prob.sku_start[k] : prob.sku_start[k + 1]].tolist()))
            why = f"product {prob.products[k]!r} has pack sizes {packs}"
        else:
            i = int(np.flatnonzero(packed_at_cap)[0])
            why = (
                f"product={prob.products[prob.sku[i]]!r}, location="
                f"{prob.locations[prob.loc[i]]!r} has pack size {int(prob.pack[i])} at a "
                "location with max_units_total"
            )
        raise InvalidParameterError(
            f"method={method!r} is exact only with one pack size per product and pack size 1 "
            f"at locations with a shared capacity; {why}. Use method='milp' (or 'auto')."
        )
    return False


def allocate_network(
    supply: object,
    demand: object,
    economics: object,
    constraints: object,
    lanes: object,
    method: str,
) -> Allocation:
    """:func:`allocate_inventory` with DCs, lanes and shared capacity (validated arguments)."""
    net = _network(supply, demand, economics, constraints, lanes)
    prob = net.prob
    pk, money = _in_money_units(_packs(net))
    if method in _BASELINES and np.isfinite(net.cap).any():
        raise InvalidParameterError(
            f"method={method!r} ignores the economics and so the shared capacity "
            "(constraints['max_units_total']); compare baselines without it, or use "
            "method='auto'."
        )
    _check_whole_packs(net, pk)
    exact = _check_exact(net, method)
    if not exact or method == "milp":
        optimum = solve_lp(pk, integer=True)
    elif method == "lp" or pk.n_src > MAX_DUAL_SOURCES:
        optimum = solve_lp(pk)
    else:
        optimum = solve_dual(pk)
    ship = optimum.ship * prob.pack[:, None]
    gap = 0.0
    shown = optimum.solver if method in ("auto", *_BASELINES) else method
    if method in _BASELINES:
        best = _profit(net, ship)[3].sum()
        ship = _baseline_ship(net, method)
        shown = method
    sales, leftover, _, profit = _profit(net, ship)
    if method in _BASELINES:
        gap = float((best - profit.sum()) / max(abs(best), 1e-12))
    if exact:
        # DCs holding no whole pack still have a price, the value of their first pack.
        idle = ~np.isnan(net.lane) & (net.spare[prob.sku] < prob.pack[:, None])
        pricing = _in_money_units(_packs(net, every_lane=True), money)[0] if idle.any() else pk
        supply_price, capacity_price = marginal_prices(pricing, optimum.ship)
        prices = (supply_price * money, capacity_price * money)
    else:
        prices = (np.full((pk.n_sku, pk.n_src), np.nan), np.full(pk.n_loc, np.nan))
    last = _last_values(pk, optimum.ship) * money
    return _result(net, pk, shown, optimum, last, prices, ship, sales, leftover, profit, gap)


def _in_money_units(pk: Packs, money: float | None = None) -> tuple[Packs, float]:
    """Values and lane costs divided by the largest of them (or by ``money``).

    The solvers' tolerances are absolute, so economics in a tiny currency unit (1e-8 per unit)
    would look like zeros; in these units the largest value is 1. Multiply prices back.
    """
    if money is None:
        values = np.abs(np.concatenate([pk.el_value, pk.cost[np.isfinite(pk.cost)]]))
        money = float(values.max()) if values.size else 0.0
        money = money if money > 0 else 1.0
    return attrs.evolve(pk, el_value=pk.el_value / money, cost=pk.cost / money), money


def _profit(net: _Network, ship: IntArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    quantity = ship.sum(axis=1)
    sales, leftover, shortage, profit = _profit_parts(net.prob, quantity)
    lane = (np.where(ship > 0, np.nan_to_num(net.lane), 0.0) * ship).sum(axis=1)
    return sales, leftover, shortage, profit - lane


def _baseline_ship(net: _Network, method: str) -> IntArray:
    """Compute a baseline's quantities on the pooled supply and ship them at least lane cost."""
    prob = net.prob
    want = None
    if method == "priority":
        pooled_shift = attrs.evolve(prob, shipping=prob.shipping + _cheapest(net))
        want = _unconstrained(pooled_shift)
    dummy = _Solution(prob.low.copy(), np.zeros(prob.n_sku), np.zeros(prob.n_sku), want)
    quantity = _baseline(prob, method, dummy)
    routed = _in_money_units(_packs(net, forced_units=quantity))[0]
    exact = bool(_single_pack(prob).all())
    flow = solve_dual(routed) if exact and routed.n_src <= MAX_DUAL_SOURCES else None
    if flow is None:
        flow = solve_lp(routed, integer=not exact)
    return flow.ship * prob.pack[:, None]


def _cheapest(net: _Network) -> FloatArray:
    """Per node, the cheapest lane from a DC with units to ship (0 when none)."""
    can_ship = ~np.isnan(net.lane) & (net.spare[net.prob.sku] > 0)
    lane = np.where(can_ship, net.lane, np.inf)
    low = lane.min(axis=1)
    return np.where(np.isfinite(low), low, 0.0)


def _last_values(pk: Packs, ship: IntArray) -> FloatArray:
    """Per (SKU, DC), the lowest per-unit value, net of its lane, of a served node's last free pack.

    Values are relative to the cheapest lane, and so is ``cost``: the difference is the pack's
    value net of the lane it actually ships on.
    """
    free = ship.sum(axis=1) - pk.forced  # packs above the minimum
    start = np.searchsorted(pk.el_node, np.arange(pk.n_nodes))
    has = free > 0
    idx = np.clip(start + free - 1, 0, max(pk.el_value.size - 1, 0))
    value = np.where(has, pk.el_value[idx] if pk.el_value.size else 0.0, np.nan)
    per = (value[:, None] - pk.cost) / pk.pack[:, None]
    per = np.where((ship > 0) & has[:, None], per, np.inf)
    out = np.full((pk.n_sku, pk.n_src), np.inf)
    np.minimum.at(out, pk.node_sku, per)
    return np.where(np.isinf(out), np.nan, out)


def _result(
    net: _Network,
    pk: Packs,
    method: str,
    optimum: FlowSolution,
    last: FloatArray,
    prices: tuple[FloatArray, FloatArray],
    ship: IntArray,
    sales: FloatArray,
    leftover: FloatArray,
    profit: FloatArray,
    gap: float,
) -> Allocation:
    prob = net.prob
    quantity = ship.sum(axis=1)
    nodes = _node_frame(prob, quantity, sales, leftover, profit)
    optimal = method not in _BASELINES
    pack_sku = prob.pack[prob.sku_start[:-1]] if prob.n_nodes else np.ones(0, dtype=np.int64)
    price = prices[0] / pack_sku[:, None]
    shipped = np.zeros((prob.n_sku, pk.n_src), dtype=np.int64)
    np.add.at(shipped, prob.sku, ship)
    allocated = _per_sku_sum(quantity, prob).astype(np.int64)
    demand_total = _per_sku_sum(prob.demand.mean, prob)
    sales_total = _per_sku_sum(sales, prob)
    top = np.where(np.isnan(price), -np.inf, price).max(axis=1, initial=-np.inf)
    best_price = np.where(np.isinf(top), np.nan, top)
    low = np.where(np.isnan(last), np.inf, last).min(axis=1, initial=np.inf)
    lowest = np.where(np.isinf(low), np.nan, low)
    products = pd.DataFrame(
        {
            "product": prob.products,
            "supply": net.supply.sum(axis=1),
            "reserve": net.reserve.sum(axis=1),
            "allocated": allocated,
            "at_dc": net.supply.sum(axis=1) - allocated,
            "expected_demand": demand_total,
            "expected_sales": sales_total,
            "fill_rate": np.where(
                demand_total > 0, sales_total / np.maximum(demand_total, 1e-300), 1.0
            ),
            "expected_profit": _per_sku_sum(profit, prob),
            "marginal_value": lowest if optimal else np.full(prob.n_sku, np.nan),
            "shadow_price": best_price if optimal else np.full(prob.n_sku, np.nan),
        }
    )
    k = pk.n_src
    by_source = pd.DataFrame(
        {
            "product": np.repeat(prob.products, k),
            "source": np.tile(net.sources, prob.n_sku),
            "supply": net.supply.ravel(),
            "reserve": net.reserve.ravel(),
            "shipped": shipped.ravel(),
            "at_dc": (net.supply - shipped).ravel(),
            "marginal_value": last.ravel() if optimal else np.nan,
            "shadow_price": price.ravel() if optimal else np.nan,
        }
    )
    shipments = _shipments(net, nodes, ship, profit) if net.named else None
    capacity = None
    if np.isfinite(net.cap).any():
        used = np.bincount(prob.loc, weights=quantity.astype(float), minlength=len(prob.locations))
        capped = np.isfinite(net.cap)
        capacity = pd.DataFrame(
            {
                "location": prob.locations[capped],
                "max_units_total": net.cap[capped].astype(np.int64),
                "allocated": used[capped].astype(np.int64),
                "capacity_price": prices[1][capped]
                if optimal
                else np.full(int(capped.sum()), np.nan),
            }
        )
    return Allocation(
        method=method,
        solver=optimum.solver,
        nodes=nodes,
        products=products,
        expected_profit=float(profit.sum()),
        optimality_gap=gap,
        shipments=shipments,
        sources=by_source if net.named else None,
        capacity=capacity,
    )


def _shipments(
    net: _Network, nodes: pd.DataFrame, ship: IntArray, profit: FloatArray
) -> pd.DataFrame:
    """One row per (node, DC) that ships, and one row (no DC) per node that gets nothing."""
    quantity = ship.sum(axis=1)
    node_i, src_i = np.nonzero(ship > 0)
    empty = np.flatnonzero(quantity == 0)
    rows = np.concatenate([node_i, empty])
    src = np.concatenate([src_i, np.full(empty.size, -1)])
    units = np.concatenate([ship[node_i, src_i], np.zeros(empty.size, dtype=np.int64)])
    order = np.lexsort((src, rows))
    rows, src, units = rows[order], src[order], units[order]
    share = np.where(quantity[rows] > 0, units / np.maximum(quantity[rows], 1), 1.0)
    lane = np.where(src >= 0, np.nan_to_num(net.lane)[rows, np.maximum(src, 0)], 0.0)
    node_lane = (np.where(ship > 0, np.nan_to_num(net.lane), 0.0) * ship).sum(axis=1)
    before_lane = profit + node_lane
    label = np.where(src >= 0, net.sources[np.maximum(src, 0)], None)
    frame = nodes.iloc[rows].reset_index(drop=True)
    frame.insert(2, "source", label)
    frame["quantity"] = units.astype(np.int64)
    for col in ("expected_sales", "expected_leftover"):
        frame[col] = frame[col].to_numpy() * share
    frame["expected_profit"] = before_lane[rows] * share - lane * units
    return frame
