"""Benchmark ``route_orders``: cost, split rate, distance and seconds per policy.

Usage::

    python benchmarks/bench_routing.py                      # 10,000 orders over 200 nodes
    python benchmarks/bench_routing.py --subset 200         # optimum on the first 200 orders
    python benchmarks/bench_routing.py --pickup 0.2         # 20% of orders collected in store
    python benchmarks/bench_routing.py --peer-lp            # flow's LP as one plain HiGHS LP

The full batch runs the rule policies and ``flow`` (``optimal`` refuses batches above its size
limit); time ratios are relative to ``flow``. The cost comparison runs every policy,
``optimal`` included, on a subset of the orders with the same nodes and stock; the gap is
relative to the optimum. Stock is scarce on purpose (about 1.2 times the units ordered, spread
over 20 nodes that can ship) so that routing choices matter. ``--peer-lp`` solves flow's
transportation LP (most units, then least linear cost) as two plain ``linprog`` calls on the
whole batch, as a peer for the max-flow + chunked-LP solver.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import optimize

import omnichannel as oc


def instance(
    n_orders: int, n_nodes: int, n_products: int = 500, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    kind = rng.choice(["dc", "dark_store", "store"], n_nodes, p=[0.05, 0.15, 0.8])
    nodes = pd.DataFrame(
        {
            "location": [f"N{i:03d}" for i in range(n_nodes)],
            "kind": kind,
            "latitude": rng.uniform(50.8, 53.5, n_nodes),
            "longitude": rng.uniform(3.4, 7.2, n_nodes),
            "ship_from_store": rng.random(n_nodes) < 0.6,
        }
    )
    n_lines = rng.integers(1, 5, n_orders)
    order = np.repeat(np.arange(n_orders), n_lines)
    popularity = rng.zipf(1.6, 10 * n_products) % n_products
    product = np.empty(order.size, dtype=np.int64)
    start = 0
    for k in n_lines:  # distinct products within an order
        product[start : start + k] = (
            rng.choice(popularity, k, replace=False)
            if k > 1
            else popularity[rng.integers(popularity.size)]
        )
        start += k
    frame = pd.DataFrame({"order_id": order, "product": product})
    frame = frame.drop_duplicates(["order_id", "product"]).reset_index(drop=True)
    frame["quantity"] = rng.integers(1, 4, len(frame))
    lat = rng.uniform(50.8, 53.5, n_orders)
    lon = rng.uniform(3.4, 7.2, n_orders)
    frame["latitude"] = lat[frame["order_id"]]
    frame["longitude"] = lon[frame["order_id"]]
    frame["order_id"] = "o" + frame["order_id"].astype(str)
    demand = frame.groupby("product")["quantity"].sum()
    can_ship = np.flatnonzero((kind != "store") | nodes["ship_from_store"].to_numpy())
    rows = []
    for p, units in demand.items():
        holders = rng.choice(can_ship, size=min(can_ship.size, 20), replace=False)
        share = rng.multinomial(int(units * 1.2) + 1, np.full(holders.size, 1 / holders.size))
        rows.extend((f"N{h:03d}", p, int(s)) for h, s in zip(holders, share, strict=True))
    stock = pd.DataFrame(rows, columns=["location", "product", "on_hand"])
    return frame, nodes, stock


def with_pickup(
    orders: pd.DataFrame, nodes: pd.DataFrame, share: float, seed: int = 1
) -> pd.DataFrame:
    """Mark a share of the orders as collected at a random store."""
    rng = np.random.default_rng(seed)
    ids = orders["order_id"].unique()
    stores = nodes.loc[nodes["kind"] == "store", "location"].to_numpy()
    picked = pd.Series(rng.choice(stores, ids.size), index=ids).where(rng.random(ids.size) < share)
    out = orders.assign(pickup_location=orders["order_id"].map(picked))
    is_pickup = out["pickup_location"].notna()
    out.loc[is_pickup, ["latitude", "longitude"]] = np.nan
    return out


def run(
    orders: pd.DataFrame, nodes: pd.DataFrame, stock: pd.DataFrame, policy: str
) -> tuple[oc.Routing, float]:
    t0 = time.perf_counter()
    res = oc.route_orders(orders, nodes=nodes, stock=stock, policy=policy, time_limit=600.0)  # type: ignore[arg-type]
    return res, time.perf_counter() - t0


def lp_stage(orders: pd.DataFrame, nodes: pd.DataFrame, stock: pd.DataFrame) -> float:
    """Linear objective of flow's LP stage (before consolidation), through the internals."""
    from omnichannel._inventory._routing_flow import flow_routing
    from omnichannel._inventory._routing_problem import UNBOUNDED, build_problem, in_store

    prob = build_problem(orders, nodes, stock, oc.RoutingCosts())
    _, qty, left = in_store(prob)
    units = np.bincount(prob.line_order, weights=qty, minlength=prob.n_orders)
    unit_cost = prob.costs.per_unit + prob.shipment_cost / np.maximum(units, 1.0)[:, None]
    (line, node, got), _ = flow_routing(
        prob.line_order, prob.line_product, qty, left, prob.capacity, UNBOUNDED, unit_cost, None
    )
    return float((unit_cost[prob.line_order[line], node] * got).sum())


def peer_lp(orders: pd.DataFrame, nodes: pd.DataFrame, stock: pd.DataFrame) -> tuple[float, float]:
    """Flow's LP written directly: two linprog calls (most units, then least linear cost)."""
    start = time.perf_counter()
    costs = oc.RoutingCosts()
    can = nodes["kind"].isin(["dc", "dark_store"]) | (
        (nodes["kind"] == "store") & nodes["ship_from_store"]
    )
    ship = nodes[can].reset_index(drop=True)
    pos = pd.Index(ship["location"])
    st = stock[stock["location"].isin(pos)]
    line_sku, skus = pd.factorize(orders["product"])
    have = np.zeros((len(skus), len(ship)))
    sku_of = pd.Index(skus).get_indexer(st["product"])
    ok = sku_of >= 0
    have[sku_of[ok], pos.get_indexer(st["location"][ok])] = st["on_hand"].to_numpy()[ok]
    line, node = np.nonzero(have[line_sku] > 0)
    qty = orders["quantity"].to_numpy(dtype=float)
    units = orders.groupby("order_id")["quantity"].transform("sum").to_numpy()
    lat, lon = orders["latitude"].to_numpy(), orders["longitude"].to_numpy()
    p1, l1 = np.radians(lat[line]), np.radians(lon[line])
    p2 = np.radians(ship["latitude"].to_numpy()[node])
    l2 = np.radians(ship["longitude"].to_numpy()[node])
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    dist = 2 * 6371.0088 * np.arcsin(np.sqrt(a))
    cost = costs.per_unit + (costs.per_shipment + costs.per_km * dist) / units[line]
    n = line.size
    pair = line_sku[line] * len(ship) + node
    keys, inv = np.unique(pair, return_inverse=True)
    matrix = sp.vstack(
        [
            sp.csr_matrix((np.ones(n), (line, np.arange(n))), shape=(len(orders), n)),
            sp.csr_matrix((np.ones(n), (inv, np.arange(n))), shape=(keys.size, n)),
        ]
    ).tocsr()
    rhs = np.concatenate([qty, have.ravel()[keys]])
    bounds = np.column_stack([np.zeros(n), np.minimum(qty[line], have.ravel()[pair])])
    first = optimize.linprog(-np.ones(n), A_ub=matrix, b_ub=rhs, bounds=bounds, method="highs-ds")
    total = sp.vstack([matrix, -sp.csr_matrix(np.ones((1, n)))]).tocsr()
    second = optimize.linprog(
        cost, A_ub=total, b_ub=np.r_[rhs, first.fun], bounds=bounds, method="highs-ds"
    )
    return time.perf_counter() - start, float(second.fun)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--subset", type=int, default=200)
    parser.add_argument("--pickup", type=float, default=0.0, help="share of pickup orders")
    parser.add_argument("--peer-lp", action="store_true")
    args = parser.parse_args()
    orders, nodes, stock = instance(args.orders, args.nodes)
    if args.pickup:
        orders = with_pickup(orders, nodes, args.pickup)
    print(
        f"{args.orders:,} orders ({len(orders):,} lines, {orders['quantity'].sum():,} units) over "
        f"{args.nodes} nodes, {len(stock):,} stock rows"
    )
    header = (
        f"{'policy':<14}{'seconds':>9}{'x flow':>8}{'fill rate':>11}{'split rate':>12}"
        f"{'km/shipment':>13}{'total cost':>14}{'vs flow':>9}"
    )
    print(header)
    full = {p: run(orders, nodes, stock, p) for p in ("flow", "nearest", "most_stock",
                                                     "fewest_splits")}  # fmt: skip
    flow, flow_sec = full["flow"]
    for policy, (res, sec) in full.items():
        print(
            f"{policy:<14}{sec:>9.3f}{sec / flow_sec:>8.2f}{res.fill_rate:>11.3f}"
            f"{res.split_rate:>12.3f}{res.mean_distance_km:>13.1f}{res.total_cost:>14,.0f}"
            f"{(res.total_cost - flow.total_cost) / flow.total_cost:>+9.2%}"
        )
    if args.pickup:
        s = flow.summary().iloc[0]
        print(
            f"pickup (flow): {s['pickup_orders']:,} orders, {s['pickup_units']:,} units: "
            f"{s['pickup_in_store']:,} from store stock, {s['pickup_transferred']:,} "
            f"transferred, {s['pickup_unfulfilled']:,} unfulfilled"
        )
    if args.peer_lp and not args.pickup:
        t, value = peer_lp(orders, nodes, stock)
        start = time.perf_counter()
        ours = lp_stage(orders, nodes, stock)
        took = time.perf_counter() - start
        print(
            f"flow's LP stage (max flow + chunked HiGHS LPs) {took:.1f} s, objective {ours:,.4f}; "
            f"plain HiGHS LP {t:.1f} s, objective {value:,.4f}: ratio {t / took:.1f}x, "
            f"relative difference {(value - ours) / abs(ours):+.1e}"
        )
    keep = orders["order_id"].isin(orders["order_id"].unique()[: args.subset])
    sub = orders[keep]
    print(f"\nsubset: first {args.subset} orders ({len(sub):,} lines), same nodes and stock")
    print(
        f"{'policy':<14}{'seconds':>9}{'fill rate':>11}{'split rate':>12}{'km/shipment':>13}"
        f"{'total cost':>14}{'vs optimal':>12}"
    )
    results = {p: run(sub, nodes, stock, p) for p in oc.ROUTING_POLICIES}
    best = results["optimal"][0].total_cost
    for policy, (res, sec) in results.items():
        gap = (res.total_cost - best) / best
        print(
            f"{policy:<14}{sec:>9.3f}{res.fill_rate:>11.3f}{res.split_rate:>12.3f}"
            f"{res.mean_distance_km:>13.1f}{res.total_cost:>14,.1f}{gap:>+12.2%}"
        )
    print(f"optimal status: {results['optimal'][0].status}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
