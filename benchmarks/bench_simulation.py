"""Benchmark ``simulate_policy`` against stockpyl's simulator (``stockpyl.sim.simulation``).

Usage (stockpyl lives in its own venv next to our editable install)::

    /work/inv-venv/bin/python benchmarks/bench_simulation.py                 # throughput
    /work/inv-venv/bin/python benchmarks/bench_simulation.py --write-reference

Throughput is node-periods per second: stockpyl simulates one path of ``--peer-periods``
periods of a single-stage system (or of ``--nodes`` independent single-stage nodes), ours
simulates ``--paths`` paths at once. Both run the same policy, demand distribution, lead time and
costs; stockpyl's ``shipment_lead_time = L`` is our ``lead_time = L - 1`` (stockpyl orders after
demand, we order before it; the order arrives before the same demand either way). Ours is timed
with and without drawing the demand paths (stockpyl draws inside its loop). Peak memory of our
run is measured with tracemalloc.

``--write-reference`` records one stockpyl path per policy (demand, end-of-period inventory
level and costs) in ``benchmarks/reference/simulation_stockpyl.json``; the tests replay the
demand through ``simulate_policy`` and must reproduce stockpyl's trajectory exactly.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

import omnichannel as oc

REFERENCE = Path(__file__).resolve().parent / "reference" / "simulation_stockpyl.json"
MEAN, HOLDING, STOCKOUT = 10.0, 1.0, 9.0
# stockpyl policies: (label, policy attributes, shipment lead time)
CASES: list[tuple[str, dict[str, Any], int]] = [
    ("base_stock", {"policy_type": "BS", "base_stock_level": 36}, 3),
    ("s_S", {"policy_type": "sS", "reorder_point": 6, "order_up_to_level": 40}, 1),
    (
        "r_Q",
        {
            "policy_type": "rQ",
            "reorder_point": 20,
            "order_quantity": 20,
            "initial_inventory_level": 40,
        },
        2,
    ),
]


def stockpyl_network(attrs: dict[str, Any], lead: int, n_nodes: int = 1) -> Any:
    """A single-stage system, or ``n_nodes`` independent ones in one network."""
    from stockpyl.supply_chain_network import SupplyChainNetwork, single_stage_system

    def single(index: int) -> Any:
        return single_stage_system(
            index=index,
            holding_cost=HOLDING,
            stockout_cost=STOCKOUT,
            demand_type="P",
            mean=MEAN,
            shipment_lead_time=lead,
            **attrs,
        )

    if n_nodes == 1:
        return single(0)
    network = SupplyChainNetwork()
    for i in range(n_nodes):
        network.add_node(single(i).nodes[0])
    return network


def run_stockpyl(network: Any, periods: int, seed: int) -> float:
    from stockpyl.sim import simulation

    start = time.perf_counter()
    simulation(network, periods, rand_seed=seed, progress_bar=False, consistency_checks="N")
    return time.perf_counter() - start


def our_policy(label: str, attrs: dict[str, Any], lead: int) -> Any:
    if label == "base_stock":
        return oc.BaseStockPolicy(level=attrs["base_stock_level"], lead_time=lead - 1)
    if label == "s_S":
        return oc.SSPolicy(
            s=attrs["reorder_point"], S=attrs["order_up_to_level"], lead_time=lead - 1
        )
    return oc.RQPolicy(
        r=attrs["reorder_point"], Q=attrs["order_quantity"], lead_time=lead - 1, multiples=False
    )


def write_reference(periods: int = 200) -> None:
    from importlib.metadata import version

    out: dict[str, Any] = {
        "peer": f"stockpyl {version('stockpyl')} (numpy {np.__version__})",
        "generated_by": "benchmarks/bench_simulation.py --write-reference",
        "mean": MEAN,
        "holding_cost": HOLDING,
        "stockout_cost": STOCKOUT,
        "cases": [],
    }
    for seed, (label, attrs, lead) in enumerate(CASES, start=11):
        network = stockpyl_network(attrs, lead)
        run_stockpyl(network, periods, seed)
        node = network.nodes[0]
        states = [node.state_vars[t] for t in range(periods)]
        demand = [float(next(iter(s.inbound_order[None].values()))) for s in states]
        level = [float(next(iter(s.inventory_level.values()))) for s in states]
        out["cases"].append(
            {
                "policy": label,
                "attributes": attrs,
                "shipment_lead_time": lead,
                "initial_inventory_level": level[0] + demand[0],
                "demand": demand,
                "inventory_level": level,
                "holding_cost": [float(s.holding_cost_incurred) for s in states],
                "stockout_cost": [float(s.stockout_cost_incurred) for s in states],
            }
        )
    REFERENCE.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {REFERENCE}")


def ours(
    label: str, attrs: dict[str, Any], lead: int, paths: int, periods: int, nodes: int
) -> tuple[float, float, float, float]:
    """Best-of-3 seconds with and without drawing demand, peak traced MB, cost per node-period.

    Timing runs without tracemalloc (it traces every temporary array and slows numpy down);
    a separate run measures the peak.
    """
    policy = our_policy(label, attrs, lead)

    def once() -> tuple[float, float, Any]:
        start = time.perf_counter()
        demand = np.random.default_rng(0).poisson(MEAN, size=(paths, periods, nodes))
        drawn = time.perf_counter()
        res = oc.simulate_policy(
            policy, demand, unmet_demand="backorder", holding_cost=HOLDING, stockout_cost=STOCKOUT
        )
        end = time.perf_counter()
        return end - drawn, end - start, res

    runs = [once() for _ in range(3)]
    sim = min(r[0] for r in runs)
    total = min(r[1] for r in runs)
    tracemalloc.start()
    once()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    cost = float(runs[0][2].summary().set_index("metric").loc["cost_per_period", "value"]) / nodes
    return sim, total, peak, cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write-reference", action="store_true")
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--periods", type=int, default=1_000)
    parser.add_argument("--peer-periods", type=int, default=2_000)
    parser.add_argument("--nodes", type=int, default=10)
    args = parser.parse_args()
    if args.write_reference:
        write_reference()
        return
    print(
        f"node-periods per second; ours: {args.paths:,} paths x {args.periods:,} periods, "
        f"stockpyl: 1 path x {args.peer_periods:,} periods"
    )
    rows = [(label, attrs, lead, 1) for label, attrs, lead in CASES]
    rows.append((f"base_stock x {args.nodes} nodes", CASES[0][1], CASES[0][2], args.nodes))
    for label, attrs, lead, nodes in rows:
        network = stockpyl_network(attrs, lead, nodes)
        peer_time = run_stockpyl(network, args.peer_periods, seed=1)
        peer_rate = args.peer_periods * nodes / peer_time
        peer_cost = (
            sum(
                n.state_vars[t].total_cost_incurred
                for n in network.nodes
                for t in range(args.peer_periods)
            )
            / args.peer_periods
            / nodes
        )
        paths = max(args.paths // nodes, 1)
        sim, total, peak, cost = ours(label.split(" ")[0], attrs, lead, paths, args.periods, nodes)
        work = paths * args.periods * nodes
        rate, rate_all = work / sim, work / total
        print(
            f"{label:22s} stockpyl {peer_rate:9,.0f}/s  ours {rate:13,.0f}/s "
            f"({rate_all:13,.0f}/s with demand draws)  ratio {rate / peer_rate:8,.0f}x "
            f"({rate_all / peer_rate:8,.0f}x)  cost/period/node stockpyl {peer_cost:.3f} "
            f"ours {cost:.3f}  our peak traced {peak:,.0f} MB"
        )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
