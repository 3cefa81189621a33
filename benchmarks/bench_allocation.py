"""Benchmark ``allocate_inventory`` against scipy's HiGHS (``linprog`` and ``milp``).

Usage::

    python benchmarks/bench_allocation.py --size small     # 1 SKU x 1,000 nodes (target 10 ms)
    python benchmarks/bench_allocation.py --size large     # 10,000 SKUs x 1,000 nodes, negbin
    python benchmarks/bench_allocation.py --compare 50     # 50 SKUs x 1,000 nodes vs HiGHS
    python benchmarks/bench_allocation.py --network 1000   # 3 DCs x 1,000 SKUs x 1,000 nodes
    python benchmarks/bench_allocation.py --network-compare 50   # 3 DCs, 50 SKUs vs HiGHS LP
    python benchmarks/bench_allocation.py --capacity-compare 100 # shared capacity vs HiGHS LP

The peer formulation is built independently of the library: one column per (node, unit) up to
the node's demand quantile at 1 - 1e-9, objective coefficients from ``scipy.stats.nbinom.sf``,
one supply row per SKU. Its LP relaxation is integral (unit weights, integer supply, concave
values), so ``linprog`` and ``milp`` both reach the integer optimum. Objective difference is
relative to ours; ratio is peer time / our time.

With several DCs (``--network*``) the supply of each SKU is split over ``--dcs`` DCs and every
unit shipped from DC ``s`` to location ``l`` costs a lane cost growing with their distance. The
peer adds one column per (DC, node) lane and a balance row per node (a min-cost flow LP on
HiGHS dual simplex); ``--capacity-compare`` caps every location's units over all SKUs
(``max_units_total``) and adds one row per location.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import optimize, stats

import omnichannel as oc


def instance(
    n_sku: int, n_loc: int, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = n_sku * n_loc
    sku_scale = rng.lognormal(0.5, 0.8, n_sku)
    loc_scale = rng.lognormal(0.0, 0.5, n_loc)
    mean = np.outer(sku_scale, loc_scale).ravel() * rng.lognormal(0.0, 0.3, n)
    demand = pd.DataFrame(
        {
            "product": np.repeat(np.arange(n_sku), n_loc),
            "location": np.tile(np.arange(n_loc), n_sku),
            "mean": mean,
            "variance": mean * (1.0 + mean / 4.0),  # negative binomial, size 4
            "family": pd.Categorical(np.full(n, "negbin")),
        }
    )
    totals = demand.groupby("product")["mean"].sum().to_numpy()
    supply = pd.DataFrame(
        {"product": np.arange(n_sku), "quantity": np.floor(totals * rng.uniform(0.6, 1.3, n_sku))}
    )
    economics = pd.DataFrame(
        {
            "location": np.arange(n_loc),
            "unit_margin": rng.uniform(2.0, 6.0, n_loc),
            "overage_cost": rng.uniform(0.5, 2.0, n_loc),
            "shipping_cost": rng.uniform(0.0, 0.5, n_loc),
        }
    )
    return supply, demand, economics


def peer(
    supply: pd.DataFrame, demand: pd.DataFrame, economics: pd.DataFrame, solver: str
) -> tuple[float, float]:
    start = time.perf_counter()
    mean = demand["mean"].to_numpy()
    var = demand["variance"].to_numpy()
    r = mean**2 / (var - mean)
    p = mean / var
    loc = demand["location"].to_numpy()
    m = economics["unit_margin"].to_numpy()[loc]
    o = economics["overage_cost"].to_numpy()[loc]
    s = economics["shipping_cost"].to_numpy()[loc]
    top = stats.nbinom.ppf(1 - 1e-9, r, p).astype(np.int64) + 1
    node = np.repeat(np.arange(mean.size), top)
    unit = np.arange(node.size) - np.repeat(np.cumsum(top) - top, top) + 1
    sf = stats.nbinom.sf(unit - 1, r[node], p[node])
    value = (m[node] + o[node]) * sf - o[node] - s[node]
    keep = value > 0
    node, value = node[keep], value[keep]
    sku = demand["product"].to_numpy()[node]
    a = sp.csr_matrix((np.ones(node.size), (sku, np.arange(node.size))))
    cap = supply.set_index("product")["quantity"].reindex(np.arange(a.shape[0])).to_numpy()
    if solver == "linprog":
        res = optimize.linprog(-value, A_ub=a, b_ub=cap, bounds=(0, 1), method="highs")
    else:
        res = optimize.milp(
            -value,
            integrality=np.ones(node.size, dtype=np.int64),
            bounds=optimize.Bounds(0, 1),
            constraints=optimize.LinearConstraint(a, -np.inf, cap),
            options={"mip_rel_gap": 0.0},
        )
    return time.perf_counter() - start, float(-res.fun)


def ours(
    supply: pd.DataFrame, demand: pd.DataFrame, economics: pd.DataFrame, n_jobs: int
) -> tuple[float, oc.Allocation]:
    start = time.perf_counter()
    result = oc.allocate_inventory(supply, demand, economics=economics, n_jobs=n_jobs)
    return time.perf_counter() - start, result


def network(
    n_sku: int, n_loc: int, n_dc: int, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The single-DC instance with supply split over ``n_dc`` DCs and distance-based lanes."""
    supply, demand, economics = instance(n_sku, n_loc, seed)
    rng = np.random.default_rng(seed + 100)
    share = rng.dirichlet(np.ones(n_dc), n_sku)
    qty = supply["quantity"].to_numpy()
    split = pd.concat(
        [
            pd.DataFrame(
                {
                    "source": f"DC{s}",
                    "product": supply["product"],
                    "quantity": np.floor(qty * share[:, s]),
                }
            )
            for s in range(n_dc)
        ],
        ignore_index=True,
    )
    dc_xy = rng.uniform(0.0, 1.0, (n_dc, 2))
    loc_xy = rng.uniform(0.0, 1.0, (n_loc, 2))
    dist = np.linalg.norm(dc_xy[:, None, :] - loc_xy[None, :, :], axis=2)
    lanes = pd.DataFrame(
        {
            "source": np.repeat([f"DC{s}" for s in range(n_dc)], n_loc),
            "location": np.tile(np.arange(n_loc), n_dc),
            "cost_per_unit": (0.1 + 0.6 * dist).ravel(),
        }
    )
    return split, demand, economics, lanes


def peer_network(
    supply: pd.DataFrame,
    demand: pd.DataFrame,
    economics: pd.DataFrame,
    lanes: pd.DataFrame,
    cap: pd.Series | None = None,
) -> tuple[float, float]:
    """Independent min-cost-flow LP: lanes (DC, node), unit columns (node, u), node balance."""
    start = time.perf_counter()
    mean = demand["mean"].to_numpy()
    var = demand["variance"].to_numpy()
    r, p = mean**2 / (var - mean), mean / var
    loc = demand["location"].to_numpy()
    sku = demand["product"].to_numpy()
    m = economics["unit_margin"].to_numpy()[loc]
    o = economics["overage_cost"].to_numpy()[loc]
    s = economics["shipping_cost"].to_numpy()[loc]
    top = stats.nbinom.ppf(1 - 1e-9, r, p).astype(np.int64) + 1
    node = np.repeat(np.arange(mean.size), top)
    unit = np.arange(node.size) - np.repeat(np.cumsum(top) - top, top) + 1
    value = (m[node] + o[node]) * stats.nbinom.sf(unit - 1, r[node], p[node]) - o[node] - s[node]
    keep = value > 0
    node, value = node[keep], value[keep]
    dcs = sorted(supply["source"].unique())
    held = supply.pivot_table(index="product", columns="source", values="quantity", aggfunc="sum")
    held = held.reindex(index=np.unique(sku), columns=dcs).fillna(0.0)
    lane = lanes.pivot_table(index="location", columns="source", values="cost_per_unit")
    lane = lane.reindex(columns=dcs).to_numpy()
    n_node, n_dc = mean.size, len(dcs)
    arc_node = np.repeat(np.arange(n_node), n_dc)
    arc_dc = np.tile(np.arange(n_dc), n_node)
    sku_codes = np.searchsorted(held.index.to_numpy(), sku)
    ny, nx = node.size, arc_node.size
    c = np.concatenate([-value, lane[loc[arc_node], arc_dc]])
    balance = sp.csr_matrix(
        (
            np.concatenate([-np.ones(ny), np.ones(nx)]),
            (np.concatenate([node, arc_node]), np.arange(ny + nx)),
        ),
        shape=(n_node, ny + nx),
    )
    supply_rows = sp.csr_matrix(
        (np.ones(nx), (sku_codes[arc_node] * n_dc + arc_dc, ny + np.arange(nx))),
        shape=(held.size, ny + nx),
    )
    a_ub, b_ub = supply_rows, held.to_numpy().ravel()
    if cap is not None:
        cap_rows = sp.csr_matrix(
            (np.ones(ny), (loc[node], np.arange(ny))), shape=(int(loc.max()) + 1, ny + nx)
        )
        a_ub = sp.vstack([supply_rows, cap_rows]).tocsr()
        b_ub = np.concatenate([b_ub, cap.reindex(range(cap_rows.shape[0])).to_numpy()])
    res = optimize.linprog(
        c,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=balance,
        b_eq=np.zeros(n_node),
        bounds=np.column_stack(
            [np.zeros(ny + nx), np.concatenate([np.ones(ny), np.full(nx, np.inf)])]
        ),
        method="highs-ds",
    )
    return time.perf_counter() - start, float(-res.fun)


def timed(**kwargs: object) -> tuple[float, oc.Allocation]:
    start = time.perf_counter()
    result = oc.allocate_inventory(**kwargs)  # type: ignore[arg-type]
    return time.perf_counter() - start, result


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=["small", "large"], default=None)
    parser.add_argument("--compare", type=int, default=0, help="SKUs in the HiGHS comparison")
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--dcs", type=int, default=3, help="DCs for the --network modes")
    parser.add_argument("--network", type=int, default=0, help="SKUs, several DCs (fast path)")
    parser.add_argument("--network-compare", type=int, default=0, help="SKUs vs HiGHS LP")
    parser.add_argument("--capacity-compare", type=int, default=0, help="SKUs, shared capacity")
    args = parser.parse_args()
    if args.size == "small":
        supply, demand, economics = instance(1, args.nodes)
        ours(supply, demand, economics, 1)
        times = [ours(supply, demand, economics, 1)[0] for _ in range(20)]
        print(
            f"small: 1 SKU x {args.nodes:,} nodes: best {min(times) * 1e3:.2f} ms, "
            f"median {np.median(times) * 1e3:.2f} ms (target 10 ms)"
        )
    if args.size == "large":
        t0 = time.perf_counter()
        supply, demand, economics = instance(10_000, args.nodes)
        print(
            f"large: built 10,000 SKUs x {args.nodes:,} nodes in {time.perf_counter() - t0:.1f} s"
        )
        took, result = ours(supply, demand, economics, args.n_jobs)
        summary = result.summary()
        print(
            f"large: allocate_inventory {took:.1f} s with n_jobs={args.n_jobs} (target 60 s); "
            f"{int(summary['allocated'].sum()):,} units, expected profit "
            f"{result.expected_profit:,.0f}, binding SKUs {(summary['shadow_price'] > 0).sum():,}; "
            f"peak RSS {peak_mb():,.0f} MB"
        )
    if args.compare:
        supply, demand, economics = instance(args.compare, args.nodes, seed=1)
        took, result = ours(supply, demand, economics, 1)
        print(f"compare: {args.compare} SKUs x {args.nodes:,} nodes, negbin demand")
        print(f"  ours      {took:8.3f} s  objective {result.expected_profit:,.6f}")
        for solver in ("linprog", "milp"):
            t, obj = peer(supply, demand, economics, solver)
            diff = (obj - result.expected_profit) / abs(result.expected_profit)
            print(
                f"  {solver:8s}  {t:8.3f} s  objective {obj:,.6f}  ratio {t / took:6.1f}x  "
                f"relative difference {diff:+.2e}"
            )
        print(f"  peak RSS {peak_mb():,.0f} MB")
    if args.network:
        supply, demand, economics, lanes = network(args.network, args.nodes, args.dcs)
        took, result = timed(
            supply=supply, demand=demand, economics=economics, lanes=lanes, method="greedy"
        )
        by_source = result.by_source()
        split = result.to_frame().groupby(["product", "location"])["source"].count().gt(1).sum()
        print(
            f"network: {args.dcs} DCs x {args.network:,} SKUs x {args.nodes:,} nodes: "
            f"allocate_inventory {took:.1f} s ({result.solver}); "
            f"{int(by_source['shipped'].sum()):,} units, expected profit "
            f"{result.expected_profit:,.0f}, binding (SKU, DC) "
            f"{int((by_source['shadow_price'] > 0).sum()):,}, nodes served by two DCs {split:,}; "
            f"peak RSS {peak_mb():,.0f} MB"
        )
    if args.network_compare:
        supply, demand, economics, lanes = network(
            args.network_compare, args.nodes, args.dcs, seed=1
        )
        print(
            f"network-compare: {args.dcs} DCs x {args.network_compare} SKUs x {args.nodes:,} "
            "nodes, negbin demand, lane costs"
        )
        kw = {"supply": supply, "demand": demand, "economics": economics, "lanes": lanes}
        took, result = timed(**kw, method="greedy")
        print(f"  ours greedy {took:8.3f} s  objective {result.expected_profit:,.6f}")
        took_lp, ours_lp = timed(**kw, method="lp")
        diff = (ours_lp.expected_profit - result.expected_profit) / abs(result.expected_profit)
        print(
            f"  ours lp     {took_lp:8.3f} s  objective {ours_lp.expected_profit:,.6f}  ratio "
            f"{took_lp / took:6.1f}x  relative difference {diff:+.2e}"
        )
        t, obj = peer_network(supply, demand, economics, lanes)
        diff = (obj - result.expected_profit) / abs(result.expected_profit)
        print(
            f"  HiGHS LP    {t:8.3f} s  objective {obj:,.6f}  ratio {t / took:6.1f}x  "
            f"relative difference {diff:+.2e}"
        )
        print(f"  peak RSS {peak_mb():,.0f} MB")
    if args.capacity_compare:
        supply, demand, economics, lanes = network(
            args.capacity_compare, args.nodes, args.dcs, seed=2
        )
        # Cap every location at 70% of its expected demand over all SKUs.
        need = demand.groupby("location")["mean"].sum()
        cap = np.floor(0.7 * need)
        constraints = pd.DataFrame({"location": cap.index, "max_units_total": cap.to_numpy()})
        kw = {
            "supply": supply,
            "demand": demand,
            "economics": economics,
            "lanes": lanes,
            "constraints": constraints,
        }
        print(
            f"capacity-compare: {args.dcs} DCs x {args.capacity_compare} SKUs x {args.nodes:,} "
            "nodes, every location capped at 70% of its mean demand"
        )
        took, result = timed(**kw, method="greedy")
        binding = int((result.by_location()["capacity_price"] > 0).sum())
        print(
            f"  ours greedy {took:8.3f} s  objective {result.expected_profit:,.6f}  "
            f"(solver {result.solver}; binding locations {binding:,})"
        )
        t, obj = peer_network(supply, demand, economics, lanes, cap=cap)
        diff = (obj - result.expected_profit) / abs(result.expected_profit)
        print(
            f"  HiGHS LP    {t:8.3f} s  objective {obj:,.6f}  ratio {t / took:6.1f}x  "
            f"relative difference {diff:+.2e}"
        )
        print(f"  peak RSS {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
