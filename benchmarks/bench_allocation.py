"""Benchmark ``allocate_inventory`` against scipy's HiGHS (``linprog`` and ``milp``).

Usage::

    python benchmarks/bench_allocation.py --size small     # 1 SKU x 1,000 nodes (target 10 ms)
    python benchmarks/bench_allocation.py --size large     # 10,000 SKUs x 1,000 nodes, negbin
    python benchmarks/bench_allocation.py --compare 50     # 50 SKUs x 1,000 nodes vs HiGHS

The peer formulation is built independently of the library: one column per (node, unit) up to
the node's demand quantile at 1 - 1e-9, objective coefficients from ``scipy.stats.nbinom.sf``,
one supply row per SKU. Its LP relaxation is integral (unit weights, integer supply, concave
values), so ``linprog`` and ``milp`` both reach the integer optimum. Objective difference is
relative to ours; ratio is peer time / our time.
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


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=["small", "large"], default=None)
    parser.add_argument("--compare", type=int, default=0, help="SKUs in the HiGHS comparison")
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--n-jobs", type=int, default=2)
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


if __name__ == "__main__":
    main()
