"""Benchmark ``route_orders``: seconds per policy, and each rule's cost against the optimum.

Usage::

    python benchmarks/bench_routing.py                      # 10,000 orders over 200 nodes
    python benchmarks/bench_routing.py --subset 200         # optimum on the first 200 orders

The full batch runs the rule policies (``optimal`` refuses batches above its size limit). The
cost comparison runs every policy, ``optimal`` included, on a subset of the orders with the same
nodes and stock; the gap is relative to the optimum. Stock is scarce on purpose (about 1.2 times
the units ordered, spread over 20 nodes that can ship) so that routing choices matter.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

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


def run(
    orders: pd.DataFrame, nodes: pd.DataFrame, stock: pd.DataFrame, policy: str
) -> tuple[oc.Routing, float]:
    t0 = time.perf_counter()
    res = oc.route_orders(orders, nodes=nodes, stock=stock, policy=policy, time_limit=120.0)  # type: ignore[arg-type]
    return res, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--subset", type=int, default=200)
    args = parser.parse_args()
    orders, nodes, stock = instance(args.orders, args.nodes)
    print(
        f"{args.orders:,} orders ({len(orders):,} lines, {orders['quantity'].sum():,} units) over "
        f"{args.nodes} nodes, {len(stock):,} stock rows"
    )
    print(
        f"{'policy':<14}{'seconds':>9}{'fill rate':>11}{'split rate':>12}{'km/shipment':>13}"
        f"{'total cost':>14}"
    )
    for policy in ("nearest", "most_stock", "fewest_splits"):
        res, sec = run(orders, nodes, stock, policy)
        print(
            f"{policy:<14}{sec:>9.3f}{res.fill_rate:>11.3f}{res.split_rate:>12.3f}"
            f"{res.mean_distance_km:>13.1f}{res.total_cost:>14,.0f}"
        )
    keep = orders["order_id"].isin(orders["order_id"].unique()[: args.subset])
    sub = orders[keep]
    print(f"\nsubset: first {args.subset} orders ({len(sub):,} lines), same nodes and stock")
    print(
        f"{'policy':<14}{'seconds':>9}{'fill rate':>11}{'split rate':>12}{'total cost':>14}"
        f"{'vs optimal':>12}"
    )
    results = {p: run(sub, nodes, stock, p) for p in oc.ROUTING_POLICIES}
    best = results["optimal"][0].total_cost
    for policy, (res, sec) in results.items():
        gap = (res.total_cost - best) / best
        print(
            f"{policy:<14}{sec:>9.3f}{res.fill_rate:>11.3f}{res.split_rate:>12.3f}"
            f"{res.total_cost:>14,.1f}{gap:>+12.2%}"
        )
    print(f"optimal status: {results['optimal'][0].status}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
