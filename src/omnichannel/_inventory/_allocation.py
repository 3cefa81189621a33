"""``allocate_inventory``: split each SKU's supply across nodes to maximise expected profit."""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy import optimize

from .._exceptions import InvalidParameterError
from .._validation import check_choice, check_int
from ._allocation_kernels import Elements, candidate_packs, select_top
from ._allocation_problem import _Problem, _problem, _sum_sales
from ._allocation_result import Allocation

__all__ = ["ALLOCATION_METHODS", "AllocationMethod", "allocate_inventory"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

AllocationMethod = Literal[
    "auto", "greedy", "lp", "milp", "fair_share", "days_of_supply", "priority"
]
#: Allocation methods; the same tuple drives the check and the documentation.
ALLOCATION_METHODS: tuple[AllocationMethod, ...] = (
    "auto",
    "greedy",
    "lp",
    "milp",
    "fair_share",
    "days_of_supply",
    "priority",
)
_BASELINES = ("fair_share", "days_of_supply", "priority")
_CHUNK_NODES = 400_000
_FUNC = "allocate_inventory"


def _candidates(prob: _Problem, nodes: IntArray, extra: IntArray) -> Elements:
    """Candidate packs of ``nodes`` (node-major), allowing ``extra`` packs over the minimum."""
    low = prob.low[nodes]
    pack = prob.pack[nodes]
    room = (prob.high[nodes] - low) // pack
    high = low + np.minimum(room, extra) * pack
    gain = prob.margin[nodes] + prob.penalty[nodes] + prob.overage[nodes]
    cost = prob.overage[nodes] + prob.shipping[nodes]
    parts_node: list[IntArray] = []
    parts_value: list[FloatArray] = []
    for pos, stepper in prob.demand.groups(nodes):
        el = candidate_packs(
            stepper, low=low[pos], high=high[pos], pack=pack[pos], gain=gain[pos], cost=cost[pos]
        )
        parts_node.append(pos[el.node])
        parts_value.append(el.value)
    node = np.concatenate(parts_node) if parts_node else np.zeros(0, dtype=np.int64)
    value = np.concatenate(parts_value) if parts_value else np.zeros(0)
    order = np.argsort(node, kind="stable")
    return Elements(node[order], value[order])


@attrs.frozen
class _Solution:
    quantity: IntArray
    last_value: FloatArray  # per SKU, per unit
    next_value: FloatArray  # per SKU, per unit
    want: IntArray | None = None  # unconstrained optimum per node (packs above the minimum)


def _chunks(prob: _Problem) -> list[tuple[int, int]]:
    """SKU ranges with about ``_CHUNK_NODES`` nodes each."""
    if prob.n_sku == 0:
        return []
    cuts = np.searchsorted(prob.sku_start, np.arange(_CHUNK_NODES, prob.n_nodes, _CHUNK_NODES))
    bounds = np.unique(np.concatenate([[0], cuts, [prob.n_sku]]))
    return [(int(a), int(b)) for a, b in itertools.pairwise(bounds) if b > a]


def _greedy_chunk(prob: _Problem, a: int, b: int, want: bool) -> _Solution:
    nodes = np.arange(prob.sku_start[a], prob.sku_start[b], dtype=np.int64)
    sku_local = prob.sku[nodes] - a
    pack_sku = prob.pack[prob.sku_start[a:b]]
    budget = prob.spare[a:b] // pack_sku
    extra = budget[sku_local] + 1
    el = _candidates(prob, nodes, extra)
    sel = select_top(el, sku_local, nodes.size, budget)
    quantity = prob.low[nodes] + sel.taken * prob.pack[nodes]
    wanted = np.bincount(el.node, minlength=nodes.size).astype(np.int64) if want else None
    return _Solution(quantity, sel.last_value / pack_sku, sel.next_value / pack_sku, wanted)


def _greedy(prob: _Problem, n_jobs: int, want: bool = False) -> _Solution:
    chunks = _chunks(prob)

    def run(ab: tuple[int, int]) -> _Solution:
        return _greedy_chunk(prob, ab[0], ab[1], want)

    if n_jobs > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            parts = list(pool.map(run, chunks))
    else:
        parts = [run(c) for c in chunks]
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return _Solution(empty, np.zeros(0), np.zeros(0), empty if want else None)
    wanted = np.concatenate([p.want for p in parts if p.want is not None]) if want else None
    return _Solution(
        np.concatenate([p.quantity for p in parts]),
        np.concatenate([p.last_value for p in parts]),
        np.concatenate([p.next_value for p in parts]),
        wanted,
    )


def _milp(prob: _Problem) -> _Solution:
    """Exact integer program over runs of equal-valued packs (one integer column per run)."""
    nodes = np.arange(prob.n_nodes, dtype=np.int64)
    extra = prob.spare[prob.sku] // prob.pack
    el = _candidates(prob, nodes, extra)
    if el.node.size == 0:
        return _Solution(prob.low.copy(), np.full(prob.n_sku, np.nan), np.full(prob.n_sku, np.nan))
    # Consecutive packs of one node with the same value become one integer column bounded by the
    # run length: identical parallel binaries are what HiGHS presolve handles worst.
    new_run = np.ones(el.node.size, dtype=bool)
    new_run[1:] = (el.node[1:] != el.node[:-1]) | (el.value[1:] != el.value[:-1])
    run_id = np.cumsum(new_run) - 1
    run_node = el.node[new_run]
    run_value = el.value[new_run]
    run_len = np.bincount(run_id).astype(float)
    weight = prob.pack[run_node].astype(float)
    row = prob.sku[run_node]
    matrix = sp.csr_matrix(
        (weight, (row, np.arange(run_node.size))), shape=(prob.n_sku, run_node.size)
    )
    # HiGHS's tolerances are absolute: values in a tiny money unit (1e-8) would all look like 0.
    top = float(np.abs(run_value).max())
    result = optimize.milp(
        c=-run_value / (top if top > 0 else 1.0),
        integrality=np.ones(run_node.size, dtype=np.int64),
        bounds=optimize.Bounds(np.zeros(run_node.size), run_len),
        constraints=optimize.LinearConstraint(matrix, -np.inf, prob.spare.astype(float)),
        options={"mip_rel_gap": 0.0, "presolve": True},
    )
    if result.x is None:  # pragma: no cover - the problem is always feasible (x = 0)
        raise InvalidParameterError(f"scipy.optimize.milp failed: {result.message}")
    runs = np.round(result.x).astype(np.int64)
    taken = np.bincount(run_node, weights=runs, minlength=prob.n_nodes).astype(np.int64)
    quantity = prob.low + taken * prob.pack
    chosen = runs > 0
    last = np.full(prob.n_sku, np.inf)
    np.minimum.at(last, row[chosen], run_value[chosen] / weight[chosen])
    last = np.where(np.isinf(last), np.nan, last)
    return _Solution(quantity, last, np.full(prob.n_sku, np.nan))


def _floor_pack(units: FloatArray, prob: _Problem) -> IntArray:
    return (np.floor(np.maximum(units, 0.0) / prob.pack) * prob.pack).astype(np.int64)


def _per_sku_sum(values: FloatArray | IntArray, prob: _Problem) -> FloatArray:
    if values.size == 0:
        return np.zeros(prob.n_sku)
    return np.asarray(np.add.reduceat(np.asarray(values, dtype=float), prob.sku_start[:-1]))


def _baseline(prob: _Problem, method: str, optimum: _Solution) -> IntArray:
    mean = prob.demand.mean
    room = (prob.high - prob.low).astype(float)
    spare = prob.spare.astype(float)
    if method == "fair_share":
        total = _per_sku_sum(mean, prob)
        share = np.where(total[prob.sku] > 0, mean / np.maximum(total[prob.sku], 1e-300), 0.0)
        extra = np.minimum(spare[prob.sku] * share, room)
        return prob.low + _floor_pack(extra, prob)
    if method == "days_of_supply":
        lo = np.zeros(prob.n_sku)
        hi = np.full(prob.n_sku, 1.0)

        def alloc(cover: FloatArray) -> IntArray:
            target = np.clip(cover[prob.sku] * mean, prob.low, prob.high.astype(float))
            return prob.low + _floor_pack(target - prob.low, prob)

        # Grow the upper cover until it uses the supply (or every node is full).
        for _ in range(200):
            over = _per_sku_sum(alloc(hi) - prob.low, prob) >= spare
            full = _per_sku_sum(room, prob) <= _per_sku_sum(alloc(hi) - prob.low, prob)
            if (over | full).all():
                break
            hi = np.where(over | full, hi, hi * 2.0)
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            fits = _per_sku_sum(alloc(mid) - prob.low, prob) <= spare
            lo = np.where(fits, mid, lo)
            hi = np.where(fits, hi, mid)
        return alloc(lo)
    # priority: nodes in ascending priority take their unconstrained optimum in turn.
    assert optimum.want is not None
    if np.isnan(prob.priority).any():
        i = int(np.flatnonzero(np.isnan(prob.priority))[0])
        raise InvalidParameterError(
            "method='priority' needs constraints['priority'] for every node; missing for "
            f"{int(np.isnan(prob.priority).sum())} node(s), first "
            f"product={prob.products[prob.sku[i]]!r}, location={prob.locations[prob.loc[i]]!r}."
        )
    want = (optimum.want * prob.pack).astype(float)
    order = np.lexsort((prob.loc, prob.priority, prob.sku))
    w_sorted = want[order]
    cum = np.cumsum(w_sorted)
    start_cum = np.concatenate([[0.0], cum])[prob.sku_start[:-1]]
    before = cum - w_sorted - start_cum[prob.sku[order]]
    give = np.clip(spare[prob.sku[order]] - before, 0.0, w_sorted)
    out = np.empty(prob.n_nodes)
    out[order] = give
    return prob.low + _floor_pack(out, prob)


def _profit_parts(
    prob: _Problem, quantity: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    sales = np.zeros(prob.n_nodes)
    for a, b in _chunks(prob):
        nodes = np.arange(prob.sku_start[a], prob.sku_start[b], dtype=np.int64)
        sales[nodes] = _sum_sales(prob.demand, quantity[nodes], nodes)
    sales = np.minimum(sales, quantity)
    leftover = quantity - sales
    shortage = np.maximum(prob.demand.mean - sales, 0.0)
    profit = (
        prob.margin * sales
        - prob.overage * leftover
        - prob.penalty * shortage
        - prob.shipping * quantity
    )
    return sales, leftover, shortage, profit


def allocate_inventory(
    supply: pd.DataFrame,
    demand: pd.DataFrame,
    *,
    economics: pd.DataFrame,
    constraints: pd.DataFrame | None = None,
    lanes: pd.DataFrame | None = None,
    method: AllocationMethod = "auto",
    n_jobs: int = 1,
) -> Allocation:
    """Split each SKU's supply across nodes to maximise expected profit.

    Every node (a store, the online pool, a dark store) sells ``min(q, D)`` of the ``q`` units it
    receives, where ``D`` is its integer demand. Its expected profit is
    ``margin * sales - overage_cost * leftover - shortage_penalty * shortage - shipping_cost * q``,
    concave in ``q``: the ``u``-th unit adds ``(margin + penalty) * P(D >= u)
    - overage * P(D < u) - shipping``. The optimum over a shared supply hands units out in
    decreasing order of that value, never allocating a unit (or pack) that loses money unless a
    minimum forces it; unallocated supply stays at the DC.

    With several DCs (``supply['source']``) every unit shipped from DC ``s`` to a node also
    costs the lane's ``cost_per_unit``, and each DC ships at most its own supply: a
    transportation problem with concave node profits, solved exactly (see ``method``). A
    location's ``max_units_total`` caps its units over all products, coupling the SKUs.

    Parameters
    ----------
    supply : pandas.DataFrame
        One row per product (per DC and product with a ``source`` column naming the DC):
        ``product``, ``quantity`` (whole units at the DC) and optionally ``reserve`` (units
        held back at the DC, never allocated).
    demand : pandas.DataFrame
        Demand per node (``product``, ``location``) in one of three forms:

        * parametric: ``mean``, ``family`` (``"normal"``, ``"poisson"`` or ``"negbin"``) and
          ``variance`` (required for ``normal``; above the mean for ``negbin``; ignored for
          ``poisson``). Normal demand is rounded to whole units and truncated at zero:
          ``P(D >= u) = P(X >= u - 0.5)``.
        * quantiles: columns ``q0.05``, ``q0.5``, ``q0.95``, ... The CDF is piecewise linear
          between the given quantiles; mass below the lowest sits at it, mass above the highest
          sits at the highest (no tail extrapolation); then rounded to whole units like normal.
        * samples: ``sample`` and ``quantity`` columns, one row per node and sample path: the
          empirical distribution of the rounded quantities.
    economics : pandas.DataFrame
        Per ``location`` (or per ``product`` and ``location``): ``unit_margin``,
        ``overage_cost`` (cost of a unit left over), optional ``shortage_penalty`` (goodwill
        cost of a unit of unmet demand, beyond the lost margin) and ``shipping_cost`` per unit.
    constraints : pandas.DataFrame, optional
        Per ``location`` (or per ``product`` and ``location``), all optional: ``min_quantity``
        (presentation stock; a reserved online buffer is the minimum of the online node),
        ``max_quantity`` (capacity; missing means none), ``pack_size`` (the quantity is a
        multiple of it; minimums round up and maximums down to whole packs), ``priority``
        (lower first, for ``method="priority"``) and ``max_units_total`` (units over all
        products at the location; missing means none; one value per location).
    lanes : pandas.DataFrame, optional
        Lane costs from the DCs: ``source``, ``location``, ``cost_per_unit`` (>= 0), and
        optionally ``product`` for per-SKU costs. Needed with several DCs: every DC holding a
        product needs a lane to each of that product's demand locations. Each DC ships whole
        packs. Lanes to other locations or from other DCs are ignored.
        ``economics['shipping_cost']`` stays a per-node cost on top of the lane.
    method : {"auto", "greedy", "lp", "milp", "fair_share", "days_of_supply", "priority"}
        ``"greedy"``: exact marginal-value allocation, vectorised over SKUs and nodes; exact
        when each SKU has one pack size. With several DCs or a shared capacity it works on the
        prices instead (DC supply and location capacity): exact line searches on the dual,
        then the allocation read off the prices, which certifies the optimum; where that
        fails (it can with a shared capacity) it falls back to ``"lp"``, as it does with
        more than 6 DCs. ``"lp"``: the
        min-cost-flow LP over DC-to-node lanes and node profit segments on HiGHS
        (:func:`scipy.optimize.linprog`); its optimum is integral. Both need one pack size per
        SKU, and pack size 1 where a shared capacity applies. ``"milp"``: the same objective
        as an integer program on :func:`scipy.optimize.milp`, needed otherwise. ``"auto"``
        picks greedy when it is exact, else MILP. The baselines ignore the economics (and
        cannot be combined with a shared capacity): ``"fair_share"`` gives each node the
        share of the supply above the minimums proportional to its mean demand;
        ``"days_of_supply"`` fills nodes to an equal cover (units per unit of mean demand);
        ``"priority"`` lets nodes in priority order take their unconstrained optimum until
        supply runs out. With several DCs a baseline's quantities are shipped at least lane
        cost. Baselines report their ``optimality_gap``.
    n_jobs : int, default 1
        Threads over chunks of SKUs for the single-DC greedy (the kernels release the GIL);
        ``-1`` uses every core, ``-2`` all but one, as in scikit-learn.

    Returns
    -------
    Allocation
        Units per SKU and node (and DC) with expected sales, leftover, fill rate and profit;
        per SKU (and DC) the value of the last unit allocated and the shadow price of supply.

    Raises
    ------
    SchemaError
        On a malformed frame, negative or fractional supply, invalid demand parameters, a
        node without economics, infeasible bounds, minimums above supply or above a
        location's ``max_units_total``, a missing lane or a negative lane cost; the message
        names the SKU, node and DC.
    InvalidParameterError
        On an unknown method, ``"greedy"`` or ``"lp"`` where they are not exact (mixed pack
        sizes within a SKU, packs under a shared capacity), ``method="priority"`` without
        priorities, several DCs without ``lanes``, or a baseline with a shared capacity.

    See Also
    --------
    Allocation : the result.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> supply = pd.DataFrame({"product": ["P1"], "quantity": [30]})
    >>> demand = pd.DataFrame({"product": "P1", "location": ["S1", "S2", "online"],
    ...                        "mean": [10.0, 5.0, 12.0], "family": "poisson"})
    >>> economics = pd.DataFrame({"location": ["S1", "S2", "online"],
    ...                           "unit_margin": [4.0, 4.0, 3.0], "overage_cost": 1.0})
    >>> result = oc.allocate_inventory(supply, demand, economics=economics)
    >>> result.to_frame()[["location", "quantity", "fill_rate"]].round(3)
      location  quantity  fill_rate
    0       S1        11      0.917
    1       S2         6      0.901
    2   online        13      0.921
    >>> result.summary()[["product", "allocated", "at_dc", "shadow_price"]].round(3)
      product  allocated  at_dc  shadow_price
    0      P1         30      0         0.516

    Two DCs, each with the cheaper lanes to one side of the network; S1 is served from both
    once the north DC runs out, and a unit more at the north DC would save the 0.4 lane
    difference on S1:

    >>> supply = pd.DataFrame({"source": ["north", "south"], "product": "P1",
    ...                        "quantity": [10, 30]})
    >>> lanes = pd.DataFrame({"source": ["north"] * 3 + ["south"] * 3,
    ...                       "location": ["S1", "S2", "online"] * 2,
    ...                       "cost_per_unit": [0.1, 0.4, 0.3, 0.5, 0.1, 0.2]})
    >>> two = oc.allocate_inventory(supply, demand, economics=economics, lanes=lanes)
    >>> two.to_frame()[["location", "source", "quantity"]]
      location source  quantity
    0       S1  north        10
    1       S1  south         2
    2       S2  south         7
    3   online  south        14
    >>> two.by_source()[["source", "shipped", "at_dc", "shadow_price"]].round(3)
      source  shipped  at_dc  shadow_price
    0  north       10      0           0.4
    1  south       23      7           0.0
    """
    method = check_choice(method, "method", ALLOCATION_METHODS, func=_FUNC)  # type: ignore[assignment]
    jobs = check_int(n_jobs, "n_jobs", func=_FUNC)
    assert jobs is not None
    if jobs < 0:  # scikit-learn's convention: -1 is every core, -2 all but one
        jobs = max(1, (os.cpu_count() or 1) + 1 + jobs)
    elif jobs == 0:
        raise InvalidParameterError(
            f"The 'n_jobs' parameter of {_FUNC} must be a positive number of threads, or -1 for "
            "every core (-2 for all but one). Got 0 instead."
        )
    if _network_model(supply, constraints, lanes, method):
        # The multi-DC model builds on this module's single-DC pieces, hence the late import.
        from ._allocation_network import allocate_network

        return allocate_network(supply, demand, economics, constraints, lanes, method)
    prob = _problem(supply, demand, economics, constraints)
    single_pack = _single_pack(prob)
    if method == "greedy" and not single_pack.all():
        k = int(np.flatnonzero(~single_pack)[0])
        raise InvalidParameterError(
            f"method='greedy' is exact only with one pack size per product; product "
            f"{prob.products[k]!r} has pack sizes "
            f"{sorted(set(prob.pack[prob.sku_start[k] : prob.sku_start[k + 1]].tolist()))}. "
            "Use method='milp' (or 'auto')."
        )
    use_milp = method == "milp" or (not single_pack.all() and method != "greedy")
    if method in _BASELINES and not use_milp:
        optimum = _greedy(prob, jobs, want=True)
    elif use_milp:
        optimum = _milp(prob)
        if method == "priority":
            optimum = attrs.evolve(optimum, want=_unconstrained(prob))
    else:
        optimum = _greedy(prob, jobs)
    quantity = optimum.quantity
    gap = 0.0
    if method in _BASELINES:
        _, _, _, best = _profit_parts(prob, optimum.quantity)
        quantity = _baseline(prob, method, optimum)
    sales, leftover, _shortage, profit = _profit_parts(prob, quantity)
    if method in _BASELINES:
        best_total = float(best.sum())
        gap = (best_total - float(profit.sum())) / max(abs(best_total), 1e-12)
    solver = "milp" if use_milp else "greedy"
    shown = solver if method == "auto" else method
    return _result(prob, shown, solver, quantity, sales, leftover, profit, optimum, gap)


def _network_model(supply: object, constraints: object, lanes: object, method: str) -> bool:
    """Whether the call needs the multi-DC / shared-capacity model (``_allocation_network``)."""
    has_source = isinstance(supply, pd.DataFrame) and "source" in supply.columns
    capped = (
        isinstance(constraints, pd.DataFrame)
        and "max_units_total" in constraints.columns
        and bool(constraints["max_units_total"].notna().any())
    )
    return has_source or lanes is not None or capped or method == "lp"


def _unconstrained(prob: _Problem) -> IntArray:
    nodes = np.arange(prob.n_nodes, dtype=np.int64)
    extra = prob.spare[prob.sku] // prob.pack + 1
    el = _candidates(prob, nodes, extra)
    return np.bincount(el.node, minlength=prob.n_nodes).astype(np.int64)


def _single_pack(prob: _Problem) -> npt.NDArray[np.bool_]:
    if prob.n_nodes == 0:
        return np.ones(prob.n_sku, dtype=bool)
    lo = np.minimum.reduceat(prob.pack, prob.sku_start[:-1])
    hi = np.maximum.reduceat(prob.pack, prob.sku_start[:-1])
    return np.asarray(lo == hi)


def _node_frame(
    prob: _Problem,
    quantity: IntArray,
    sales: FloatArray,
    leftover: FloatArray,
    profit: FloatArray,
) -> pd.DataFrame:
    """One row per (product, location) node: units, expected sales, leftover, fill rate, profit."""
    mean = prob.demand.mean
    with np.errstate(invalid="ignore", divide="ignore"):
        fill = np.where(mean > 0, sales / mean, 1.0)
    return pd.DataFrame(
        {
            "product": prob.products[prob.sku],
            "location": prob.locations[prob.loc],
            "quantity": quantity.astype(np.int64),
            "expected_sales": sales,
            "expected_leftover": leftover,
            "fill_rate": fill,
            "expected_profit": profit,
        }
    )


def _result(
    prob: _Problem,
    method: str,
    solver: str,
    quantity: IntArray,
    sales: FloatArray,
    leftover: FloatArray,
    profit: FloatArray,
    optimum: _Solution,
    gap: float,
) -> Allocation:
    nodes = _node_frame(prob, quantity, sales, leftover, profit)
    allocated = _per_sku_sum(quantity, prob).astype(np.int64)
    demand_total = _per_sku_sum(prob.demand.mean, prob)
    sales_total = _per_sku_sum(sales, prob)
    optimal = method not in _BASELINES
    products = pd.DataFrame(
        {
            "product": prob.products,
            "supply": prob.supply,
            "reserve": prob.reserve,
            "allocated": allocated,
            "at_dc": prob.supply - allocated,
            "expected_demand": demand_total,
            "expected_sales": sales_total,
            "fill_rate": np.where(
                demand_total > 0, sales_total / np.maximum(demand_total, 1e-300), 1.0
            ),
            "expected_profit": _per_sku_sum(profit, prob),
            "marginal_value": optimum.last_value if optimal else np.full(prob.n_sku, np.nan),
            "shadow_price": optimum.next_value if optimal else np.full(prob.n_sku, np.nan),
        }
    )
    return Allocation(
        method=method,
        solver=solver,
        nodes=nodes,
        products=products,
        expected_profit=float(profit.sum()),
        optimality_gap=gap,
    )
