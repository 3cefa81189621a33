"""simulate_policy: a scalar reference simulator, invariants, closed forms, stockpyl, errors."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import omnichannel as oc

REFERENCE = Path(__file__).resolve().parents[1] / "benchmarks" / "reference"
FIELDS = ("start_on_hand", "receipts", "transshipped_in", "transshipped_out", "ordered", "sales")


# ------------------------------------------------------------------------------------------
# A scalar reference: one path, one node, one period at a time, straight from the docs.


def _reference(case: dict[str, Any]) -> dict[str, np.ndarray]:
    demand = case["demand"]
    n_paths, n_periods, n_nodes = demand.shape
    kind, lead, review = case["kind"], case["lead"], case["review"]
    a, b = case["a"], case["b"]
    warmup, lost_mode = case["warmup"], case["lost"]
    every, weights, group, move_lead = (
        case["every"],
        case["weights"],
        case["group"],
        case["move_lead"],
    )
    whole = case["whole"]
    out = {
        name: np.zeros((n_periods, n_paths, n_nodes))
        for name in (*FIELDS, "demand", "lost_sales", "backorders", "on_hand", "filled", "stockout")
    }
    cycles = np.zeros((n_paths, n_nodes))
    met = np.zeros((n_paths, n_nodes))
    for p in range(n_paths):
        on = [float(x) for x in case["initial"]]
        back = [0.0] * n_nodes
        pipe: dict[tuple[int, int], float] = {}
        transit: dict[tuple[int, int], float] = {}
        bad = [False] * n_nodes
        for t in range(n_periods):
            start = on[:]
            rec = [pipe.pop((t, n), 0.0) for n in range(n_nodes)]
            got = [transit.pop((t, n), 0.0) for n in range(n_nodes)]
            for n in range(n_nodes):
                on[n] += rec[n] + got[n]
            sent = [0.0] * n_nodes
            if every and t > 0 and t % every == 0:
                target = [0.0] * n_nodes
                for g in sorted(set(group)):
                    members = [n for n in range(n_nodes) if group[n] == g]
                    total = sum(on[n] for n in members)
                    wsum = sum(weights[n] for n in members)
                    share = {n: total * weights[n] / wsum for n in members}
                    if not whole:
                        for n in members:
                            target[n] = share[n]
                        continue
                    base = {n: math.floor(share[n] + 1e-9) for n in members}
                    spare = round(total - sum(base.values()))
                    ranked = sorted(members, key=lambda n: -(share[n] - base[n]))
                    for i, n in enumerate(ranked):
                        target[n] = base[n] + (1 if i < spare else 0)
                for n in range(n_nodes):
                    incoming = max(target[n] - on[n], 0.0)
                    sent[n] = max(on[n] - target[n], 0.0)
                    on[n] -= sent[n]
                    if move_lead == 0:
                        on[n] += incoming
                        got[n] += incoming
                    elif incoming:
                        key = (t + move_lead, n)
                        transit[key] = transit.get(key, 0.0) + incoming
            ordered = [0.0] * n_nodes
            if kind != "static" and t % review == 0:
                for n in range(n_nodes):
                    position = on[n] - back[n]
                    position += sum(v for (_, m), v in pipe.items() if m == n)
                    position += sum(v for (_, m), v in transit.items() if m == n)
                    # A position within rounding (1e-9) of the reorder point is at it.
                    at_or_below = position <= a[n] + 1e-9
                    if kind == "base":
                        q = max(a[n] - position, 0.0)
                    elif kind == "ss":
                        q = b[n] - position if at_or_below else 0.0
                    elif kind == "rq":
                        k = math.floor((a[n] - position + 1e-9) / b[n]) + 1 if at_or_below else 0
                        q = k * b[n]
                    else:  # rq, one batch per review
                        q = b[n] if at_or_below else 0.0
                    ordered[n] = q
                    if lead[n] == 0:
                        on[n] += q
                        rec[n] += q
                    elif q:
                        key = (t + lead[n], n)
                        pipe[key] = pipe.get(key, 0.0) + q
            for n in range(n_nodes):
                d = float(demand[p, t, n])
                if lost_mode:
                    sale = min(on[n], d)
                    lost, filled = d - sale, sale
                    stockout = lost > 1e-9  # rounding dust is not a stockout
                else:
                    need = back[n] + d
                    sale = min(on[n], need)
                    filled = min(d, max(on[n] - back[n], 0.0))
                    back[n] = need - sale
                    lost = 0.0
                    stockout = back[n] > 1e-9
                on[n] -= sale
                row = {
                    "start_on_hand": start[n],
                    "receipts": rec[n],
                    "transshipped_in": got[n],
                    "transshipped_out": sent[n],
                    "ordered": ordered[n],
                    "sales": sale,
                    "demand": d,
                    "lost_sales": lost,
                    "backorders": back[n],
                    "on_hand": on[n],
                    "filled": filled,
                    "stockout": float(stockout),
                }
                for name, value in row.items():
                    out[name][t, p, n] = value
                # Review cycles.
                offset = warmup if kind == "static" else lead[n]
                length = n_periods - warmup if kind == "static" else review
                if t >= offset:
                    phase = (t - offset) % length
                    if phase == 0:
                        bad[n] = False
                    bad[n] = bad[n] or stockout
                    first = t - length + 1
                    if phase == length - 1 and first >= offset and first >= warmup:
                        cycles[p, n] += 1
                        met[p, n] += not bad[n]
    out["cycles"] = cycles
    out["met"] = met
    return out


def _policy(case: dict[str, Any]) -> Any:
    kind, lead, review = case["kind"], case["lead"], case["review"]
    if kind == "base":
        return oc.BaseStockPolicy(level=case["a"], lead_time=lead, review_period=review)
    if kind == "ss":
        return oc.SSPolicy(s=case["a"], S=case["b"], lead_time=lead, review_period=review)
    if kind in ("rq", "rq1"):
        return oc.RQPolicy(
            r=case["a"], Q=case["b"], lead_time=lead, review_period=review, multiples=kind == "rq"
        )
    return oc.StaticPolicy(stock=case["initial"])


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    n_paths = draw(st.integers(1, 3))
    n_periods = draw(st.integers(1, 9))
    n_products = draw(st.integers(1, 2))
    per_product = draw(st.integers(1, 2))
    n_nodes = n_products * per_product
    halves = draw(st.booleans())
    values = st.integers(0, 16).map(lambda x: x / 2) if halves else st.integers(0, 8)
    demand = np.array(
        draw(
            st.lists(
                values,
                min_size=n_paths * n_periods * n_nodes,
                max_size=n_paths * n_periods * n_nodes,
            )
        ),
        dtype=float,
    ).reshape(n_paths, n_periods, n_nodes)
    kind = draw(st.sampled_from(["base", "ss", "rq", "rq1", "static"]))
    a = np.array([draw(st.integers(-2, 10)) for _ in range(n_nodes)], dtype=float)
    b = np.array([draw(st.integers(1, 8)) for _ in range(n_nodes)], dtype=float)
    if kind == "base":
        a = np.abs(a)
    if kind == "ss":
        # S is an order-up-to level (>= 0); s may be negative with backorders.
        b = np.maximum(a + b, 0.0)
    lead = np.array([draw(st.integers(0, 3)) for _ in range(n_nodes)])
    if draw(st.booleans()):
        lead[:] = lead[0]
    initial = np.array([draw(st.integers(0, 12)) for _ in range(n_nodes)], dtype=float)
    every = draw(st.sampled_from([0, 0, 1, 2]))
    return {
        "demand": demand,
        "kind": kind,
        "a": a,
        "b": b,
        "lead": lead,
        "review": draw(st.integers(1, 3)),
        "initial": initial,
        "lost": draw(st.booleans()),
        "warmup": draw(st.integers(0, n_periods - 1)),
        "every": every,
        "weights": np.array([draw(st.integers(1, 4)) for _ in range(n_nodes)], dtype=float),
        "group": np.repeat(np.arange(n_products), per_product),
        "move_lead": draw(st.integers(0, 2)),
        "move_cost": draw(st.floats(0, 2)),
        # Transfers are whole units exactly when demand and the start are (what the code checks).
        "whole": bool((np.floor(demand) == demand).all()),
        "n_products": n_products,
        "costs": {
            "holding_cost": draw(st.floats(0, 2)),
            "stockout_cost": draw(st.floats(0, 5)),
            "fixed_cost": draw(st.floats(0, 5)),
            "unit_cost": draw(st.floats(0, 1)),
        },
    }


def _frame(demand: np.ndarray, group: np.ndarray) -> pd.DataFrame:
    """The same paths as a long frame with product and location ids (nodes in sorted order)."""
    n_paths, n_periods, n_nodes = demand.shape
    path, period, node = np.meshgrid(
        np.arange(n_paths), np.arange(n_periods), np.arange(n_nodes), indexing="ij"
    )
    node = node.ravel()
    return pd.DataFrame(
        {
            "path": path.ravel(),
            "period": period.ravel(),
            "product": np.array([f"P{g}" for g in group])[node],
            "location": np.array([f"L{n:02d}" for n in range(n_nodes)])[node],
            "quantity": demand.ravel(),
        }
    ).sample(frac=1.0, random_state=0)


def _fractional_position_at_the_reorder_point() -> dict[str, Any]:
    """Thirds of a unit: at period 3 the position is 16/3 - 7/3, which is 3 = s up to rounding."""
    demand = np.zeros((1, 6, 2))
    demand[0, :3, 1] = [1.5, 0.5, 4.0]
    return {
        "demand": demand,
        "kind": "ss",
        "a": np.array([-1.0, 3.0]),
        "b": np.array([0.0, 7.0]),
        "lead": np.array([1, 1]),
        "review": 1,
        "initial": np.zeros(2),
        "lost": False,
        "warmup": 0,
        "every": 2,
        "weights": np.array([4.0, 2.0]),
        "group": np.array([0, 0]),
        "move_lead": 0,
        "move_cost": 0.0,
        "whole": False,
        "n_products": 1,
        "costs": {"holding_cost": 0.0, "stockout_cost": 0.0, "fixed_cost": 0.0, "unit_cost": 0.0},
    }


def _rebalancing_by_thirds() -> dict[str, Any]:
    """Stock split 2:1 leaves L00 with 3 units up to rounding, against a demand of exactly 3."""
    demand = np.zeros((1, 8, 4))
    demand[0, 3, :2] = [0.5, 2.0]
    demand[0, 4, 0] = 3.0
    case = _fractional_position_at_the_reorder_point()
    return {
        **case,
        "demand": demand,
        "a": np.zeros(4),
        "b": np.array([1.0, 6.0, 1.0, 1.0]),
        "lead": np.zeros(4, dtype=int),
        "initial": np.zeros(4),
        "every": 1,
        "weights": np.array([2.0, 1.0, 1.0, 1.0]),
        "group": np.array([0, 0, 1, 1]),
        "n_products": 2,
    }


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
@example(_fractional_position_at_the_reorder_point())
@example(_rebalancing_by_thirds())
def test_matches_the_scalar_reference_and_keeps_the_invariants(case: dict[str, Any]) -> None:
    move = None
    if case["every"]:
        move = oc.Transshipment(
            every=case["every"],
            weights=case["weights"],
            cost_per_unit=case["move_cost"],
            lead_time=case["move_lead"],
        )
    else:
        case = {**case, "every": 0}
    use_frame = case["n_products"] > 1
    paths_in = _frame(case["demand"], case["group"]) if use_frame else case["demand"]
    res = oc.simulate_policy(
        _policy(case),
        paths_in,
        unmet_demand="lost_sales" if case["lost"] else "backorder",
        initial_stock=case["initial"],
        transshipment=move,
        warmup=case["warmup"],
        keep_paths=True,
        **case["costs"],
    )
    ref = _reference(case)
    got = res.paths()
    n_paths, n_periods, n_nodes = case["demand"].shape
    for name in (*FIELDS, "demand", "lost_sales", "backorders", "on_hand"):
        mine = got[name].to_numpy().reshape(n_paths, n_periods, n_nodes).transpose(1, 0, 2)
        np.testing.assert_allclose(mine, ref[name], atol=1e-9, err_msg=name)
    # Invariants, period by period.
    balance = (
        got["start_on_hand"]
        + got["receipts"]
        + got["transshipped_in"]
        - got["transshipped_out"]
        - got["sales"]
    )
    np.testing.assert_allclose(balance, got["on_hand"], atol=1e-9)
    assert (got["on_hand"] >= -1e-12).all()
    assert (got["backorders"] >= -1e-12).all()
    cum = got.sort_values(["path", "location", "period"]).groupby(["path", "location"])
    assert (cum["sales"].cumsum() <= cum["demand"].cumsum() + 1e-9).all()
    if case["lost"]:
        assert (got["sales"] <= got["demand"] + 1e-12).all()
        np.testing.assert_allclose(got["sales"] + got["lost_sales"], got["demand"], atol=1e-9)
    else:
        assert (got["lost_sales"] == 0).all()
    if move is not None and case["move_lead"] == 0:
        keys = ["path", "period"] + (["product"] if use_frame else [])
        flows = got.groupby(keys)[["transshipped_in", "transshipped_out"]].sum()
        np.testing.assert_allclose(flows["transshipped_in"], flows["transshipped_out"], atol=1e-9)
    # The reported metrics are the reference's totals averaged over paths.
    measured = slice(case["warmup"], None)
    frame = res.to_frame().set_index(["location", "metric"]) if not use_frame else None
    summary = res.summary().set_index("metric")["value"]
    demand_total = ref["demand"][measured].sum()
    fill = ref["filled"][measured].sum() / demand_total if demand_total else 1.0
    assert summary["fill_rate"] == pytest.approx(fill, abs=1e-9)
    if ref["cycles"].sum():
        assert summary["cycle_service_level"] == pytest.approx(
            ref["met"].sum() / ref["cycles"].sum(), abs=1e-9
        )
    costs = case["costs"]
    short = ref["lost_sales"] if case["lost"] else ref["backorders"]
    orders = ref["ordered"][measured]
    expected_cost = (
        costs["holding_cost"] * ref["on_hand"][measured].sum()
        + costs["stockout_cost"] * short[measured].sum()
        + costs["fixed_cost"] * (orders > 0).sum()
        + costs["unit_cost"] * orders.sum()
        + case["move_cost"] * (ref["transshipped_out"][measured].sum() if move else 0.0)
    ) / n_paths
    assert summary["total_cost"] == pytest.approx(expected_cost, abs=1e-7)
    leftover = ref["on_hand"][-1].sum() / n_paths
    assert summary["leftover"] == pytest.approx(leftover, abs=1e-9)
    if frame is not None:
        per_node = frame.xs("sales", level="metric")["value"].to_numpy()
        np.testing.assert_allclose(per_node, ref["sales"][measured].sum(axis=0).mean(axis=0))


# ------------------------------------------------------------------------------------------
# Closed forms and the package's own analytics.


def _near(res: oc.PolicySimulation, metric: str, target: float, k: float = 4.0) -> None:
    row = res.summary().set_index("metric").loc[metric]
    assert abs(row["value"] - target) <= k * row["se"] + 1e-12, (metric, row.to_dict(), target)


def test_base_stock_with_poisson_demand_matches_base_stock_level() -> None:
    lam, lead = 5.0, 2
    res = oc.base_stock_level(
        oc.PoissonDemand(lam), target=0.95, service="fill_rate", lead_time=lead
    )
    level = float(res.level[0])
    demand = np.random.default_rng(11).poisson(lam, size=(1500, 160))
    sim = oc.simulate_policy(
        oc.BaseStockPolicy(level=level, lead_time=lead), demand, unmet_demand="backorder", warmup=10
    )
    _near(sim, "fill_rate", float(res.fill_rate[0]))
    _near(sim, "cycle_service_level", float(res.cycle_service_level[0]))
    over_lead = oc.PoissonDemand(lam * (lead + 1))
    _near(sim, "backorders", float(over_lead.expected_shortage(level)[0]))
    _near(sim, "on_hand", float(over_lead.expected_leftover(level)[0]))


def test_base_stock_with_normal_demand_and_a_review_period() -> None:
    weekly = oc.NormalDemand(100.0, 20.0)
    res = oc.base_stock_level(weekly, target=0.9, lead_time=1, review_period=2)
    demand = np.clip(np.random.default_rng(5).normal(100.0, 20.0, size=(1500, 124)), 0.0, None)
    sim = oc.simulate_policy(
        oc.BaseStockPolicy(level=res.level, lead_time=1, review_period=2),
        demand,
        unmet_demand="backorder",
        warmup=4,
    )
    _near(sim, "cycle_service_level", float(res.cycle_service_level[0]))
    _near(sim, "fill_rate", float(res.fill_rate[0]))


@pytest.mark.parametrize(("lead", "mean"), [(0, 10.0), (1, 20.0)])
def test_s_S_cost_matches_zheng_federgruen(lead: int, mean: float) -> None:
    best = oc.s_S_policy(
        oc.PoissonDemand(mean), holding_cost=1, stockout_cost=9, fixed_cost=64, lead_time=lead
    )
    demand = np.random.default_rng(int(mean)).poisson(mean, size=(1500, 130))
    sim = oc.simulate_policy(
        oc.SSPolicy(s=best.s, S=best.S, lead_time=lead),
        demand,
        unmet_demand="backorder",
        holding_cost=1,
        stockout_cost=9,
        fixed_cost=64,
        warmup=30,
    )
    _near(sim, "cost_per_period", float(best.expected_cost[0]))


def test_r_Q_matches_its_closed_form() -> None:
    """Periodic (R=1, r, nQ): the position after ordering is uniform on r+1 .. r+Q."""
    lam, r, q, lead, h, p, k = 3.0, 6, 5, 2, 1.0, 6.0, 10.0
    levels = np.arange(r + 1, r + q + 1, dtype=float)
    over = oc.PoissonDemand(np.full(q, lam * (lead + 1)))
    holding = float(over.expected_leftover(levels).mean())
    backorders = float(over.expected_shortage(levels).mean())
    one = oc.PoissonDemand(lam)
    order_rate = float(sum(one.sf(j - 1)[0] for j in range(1, q + 1)) / q)
    demand = np.random.default_rng(2).poisson(lam, size=(1500, 140))
    sim = oc.simulate_policy(
        oc.RQPolicy(r=r, Q=q, lead_time=lead),
        demand,
        unmet_demand="backorder",
        holding_cost=h,
        stockout_cost=p,
        fixed_cost=k,
        warmup=20,
    )
    periods = 120
    _near(sim, "on_hand", holding)
    _near(sim, "backorders", backorders)
    row = sim.summary().set_index("metric").loc["orders"]
    assert abs(row["value"] / periods - order_rate) <= 4 * row["se"] / periods
    _near(sim, "cost_per_period", h * holding + p * backorders + k * order_rate)


def test_static_allocation_sales_match_allocate_inventory() -> None:
    locs = ["S1", "S2", "S3"]
    mean = np.array([6.0, 10.0, 3.0])
    var = mean * 2.0
    demand = pd.DataFrame(
        {"product": "P", "location": locs, "mean": mean, "variance": var, "family": "negbin"}
    )
    supply = pd.DataFrame({"product": ["P"], "quantity": [20]})
    econ = pd.DataFrame({"location": locs, "unit_margin": [4.0, 3.0, 5.0], "overage_cost": 1.0})
    alloc = oc.allocate_inventory(supply, demand, economics=econ)
    n = mean**2 / (var - mean)
    draws = np.random.default_rng(9).negative_binomial(n, mean / var, size=(40_000, 3))
    frame = pd.DataFrame(
        {
            "path": np.repeat(np.arange(draws.shape[0]), 3),
            "period": 0,
            "product": "P",
            "location": np.tile(locs, draws.shape[0]),
            "quantity": draws.ravel(),
        }
    )
    sim = oc.simulate_policy(oc.StaticPolicy.from_allocation(alloc), frame)
    out = sim.to_frame().set_index(["location", "metric"])
    expected = alloc.to_frame().set_index("location")
    for loc in locs:
        for metric, column in (("sales", "expected_sales"), ("leftover", "expected_leftover")):
            row = out.loc[(loc, metric)]
            assert abs(row["value"] - expected.loc[loc, column]) <= 4 * row["se"]
    row = out.loc[("S2", "fill_rate")]
    assert abs(row["value"] - expected.loc["S2", "fill_rate"]) <= 4 * row["se"]


def test_reproduces_stockpyl_trajectories_exactly() -> None:
    """stockpyl's simulator on recorded demand (benchmarks/bench_simulation.py --write-reference)."""
    data = json.loads((REFERENCE / "simulation_stockpyl.json").read_text())
    for case in data["cases"]:
        attrs, lead = case["attributes"], case["shipment_lead_time"] - 1
        if case["policy"] == "base_stock":
            policy: Any = oc.BaseStockPolicy(level=attrs["base_stock_level"], lead_time=lead)
        elif case["policy"] == "s_S":
            policy = oc.SSPolicy(
                s=attrs["reorder_point"], S=attrs["order_up_to_level"], lead_time=lead
            )
        else:
            policy = oc.RQPolicy(
                r=attrs["reorder_point"], Q=attrs["order_quantity"], lead_time=lead, multiples=False
            )
        sim = oc.simulate_policy(
            policy,
            np.array(case["demand"])[None, :],
            unmet_demand="backorder",
            initial_stock=case["initial_inventory_level"],
            holding_cost=data["holding_cost"],
            stockout_cost=data["stockout_cost"],
            keep_paths=True,
        )
        paths = sim.paths()
        level = (paths["on_hand"] - paths["backorders"]).to_numpy()
        np.testing.assert_array_equal(level, case["inventory_level"], err_msg=case["policy"])
        np.testing.assert_allclose(
            data["holding_cost"] * paths["on_hand"], case["holding_cost"], err_msg=case["policy"]
        )
        np.testing.assert_allclose(
            data["stockout_cost"] * paths["backorders"],
            case["stockout_cost"],
            err_msg=case["policy"],
        )
        total = sum(case["holding_cost"]) + sum(case["stockout_cost"])
        assert sim.summary().set_index("metric").loc["total_cost", "value"] == pytest.approx(total)


# ------------------------------------------------------------------------------------------
# Inputs, options and outputs.


def test_frames_with_dates_and_series_parameters() -> None:
    rng = np.random.default_rng(4)
    demand = rng.poisson([4.0, 7.0], size=(30, 12, 2))
    dates = pd.date_range("2024-01-01", periods=12, freq="W-MON")
    frame = pd.DataFrame(
        {
            "path": np.repeat(np.arange(30), 24),
            "date": np.tile(np.repeat(dates, 2), 30),
            "location": np.tile(["north", "south"], 30 * 12),
            "quantity": demand.ravel(),
        }
    )
    level = pd.Series({"south": 12.0, "north": 8.0})
    by_frame = oc.simulate_policy(
        oc.BaseStockPolicy(level=level, lead_time=1), frame, holding_cost=0.5
    )
    by_array = oc.simulate_policy(
        oc.BaseStockPolicy(level=[8.0, 12.0], lead_time=1), demand, holding_cost=0.5
    )
    np.testing.assert_allclose(by_frame.to_frame()["value"], by_array.to_frame()["value"])
    assert by_frame.by_node()["location"].tolist() == ["north", "south"]
    traj = by_frame.trajectory(location="south")
    assert list(traj.columns) == [
        "period",
        "date",
        "mean",
        "q0.05",
        "q0.25",
        "q0.5",
        "q0.75",
        "q0.95",
    ]
    assert (traj["date"] == dates).all()
    assert (traj["q0.05"] <= traj["q0.95"]).all()


def test_transshipment_pools_stock_between_stores() -> None:
    rng = np.random.default_rng(8)
    demand = rng.poisson(5.0, size=(400, 10, 4))
    static = oc.StaticPolicy(stock=50.0)
    alone = oc.simulate_policy(static, demand, stockout_cost=1.0)
    pooled = oc.simulate_policy(
        static,
        demand,
        stockout_cost=1.0,
        transshipment=oc.Transshipment(every=1, cost_per_unit=0.1),
    )
    fill_alone = alone.summary().set_index("metric").loc["fill_rate", "value"]
    assert pooled.summary().set_index("metric").loc["fill_rate", "value"] > fill_alone
    moved = pooled.summary().set_index("metric")["value"]
    assert moved["transshipped_in"] == pytest.approx(moved["transshipped_out"])
    assert moved["transshipment_cost"] == pytest.approx(0.1 * moved["transshipped_out"])
    assert alone.summary().set_index("metric").loc["transshipped_in", "value"] == 0


def test_outputs_and_repr() -> None:
    demand = np.random.default_rng(0).poisson(10.0, size=(200, 20, 2))
    res = oc.simulate_policy(oc.SSPolicy(s=8, S=30), demand, fixed_cost=5.0)
    frame = res.to_frame()
    assert list(frame.columns) == ["location", "metric", "value", "se"]
    assert len(frame) == 2 * frame["metric"].nunique()
    assert res.summary()["metric"].tolist() == frame["metric"].unique().tolist()
    frame.loc[0, "value"] = -1.0
    assert res.to_frame().loc[0, "value"] != -1.0
    assert repr(res).startswith(
        "PolicySimulation(SSPolicy, lost_sales: 200 paths x 20 periods x 2 nodes"
    )
    assert "<b>PolicySimulation(" in res._repr_html_()
    by_node = res.by_node()
    assert by_node.shape == (2, 1 + frame["metric"].nunique())
    with pytest.raises(oc.InvalidParameterError, match="keep_paths=True"):
        res.paths()
    with pytest.raises(oc.InvalidParameterError, match="matches 0"):
        res.trajectory(location=7)
    with pytest.raises(oc.InvalidParameterError, match="no 'product'"):
        res.trajectory(product="P")
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    assert res.plot(location=1).get_title() == "SSPolicy: 1"
    assert res.plot().get_title() == "SSPolicy: network"


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: oc.BaseStockPolicy(level=-1), "BaseStockPolicy.level"),
        (lambda: oc.BaseStockPolicy(level=5, lead_time=1.5), "whole number"),
        (lambda: oc.BaseStockPolicy(level=5, review_period=0), "review_period"),
        (lambda: oc.SSPolicy(s=10, S=5), "s <= S"),
        (lambda: oc.RQPolicy(r=1, Q=0), "RQPolicy.Q"),
        (lambda: oc.RQPolicy(r=1, Q=2, multiples="yes"), "multiples"),
        (lambda: oc.StaticPolicy(stock=[[1, 2]]), "1-D"),
        (lambda: oc.StaticPolicy(stock=True), "StaticPolicy.stock"),
        (lambda: oc.Transshipment(every=0), "every"),
        (lambda: oc.Transshipment(lead_time=-1), "lead_time"),
        (lambda: oc.Transshipment(weights=[1, np.nan]), "weights"),
    ],
)
def test_options_are_checked_on_construction(make: Any, match: str) -> None:
    with pytest.raises(oc.InvalidParameterError, match=match):
        make()


def test_bad_inputs() -> None:
    demand = np.ones((3, 4, 2))
    policy = oc.BaseStockPolicy(level=2)
    with pytest.raises(oc.InvalidParameterError, match="'policy'"):
        oc.simulate_policy("base", demand)  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="unmet_demand"):
        oc.simulate_policy(policy, demand, unmet_demand="lost")  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="finite quantities >= 0"):
        oc.simulate_policy(policy, -demand)
    with pytest.raises(oc.InvalidParameterError, match="shape"):
        oc.simulate_policy(policy, np.ones(3))
    with pytest.raises(oc.InvalidParameterError, match="numeric"):
        oc.simulate_policy(policy, [["a"]])
    with pytest.raises(oc.InvalidParameterError, match="3 values"):
        oc.simulate_policy(oc.BaseStockPolicy(level=[1, 2, 3]), demand)
    with pytest.raises(oc.InvalidParameterError, match="'warmup'"):
        oc.simulate_policy(policy, demand, warmup=4)
    with pytest.raises(oc.InvalidParameterError, match="holding_cost"):
        oc.simulate_policy(policy, demand, holding_cost=-1)
    with pytest.raises(oc.InvalidParameterError, match="Transshipment rule"):
        oc.simulate_policy(policy, demand, transshipment=1)  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="no value for 1"):
        oc.simulate_policy(oc.BaseStockPolicy(level=pd.Series({0: 1.0})), demand)
    with pytest.raises(oc.InvalidParameterError, match="s <= S"):
        oc.simulate_policy(oc.SSPolicy(s=pd.Series({0: 5.0, 1: 1.0}), S=3), demand)
    frame = pd.DataFrame({"path": [0, 0, 1], "period": [0, 1, 0], "location": "A", "quantity": 1.0})
    with pytest.raises(oc.SchemaError, match="1 of 4 are missing"):
        oc.simulate_policy(policy, frame)
    with pytest.raises(oc.SchemaError, match="duplicate"):
        oc.simulate_policy(policy, pd.concat([frame, frame]))
    with pytest.raises(oc.SchemaError, match="'product' and/or a 'location'"):
        oc.simulate_policy(policy, frame.drop(columns="location"))
    with pytest.raises(oc.SchemaError, match="negative"):
        oc.simulate_policy(policy, frame.assign(quantity=-1.0))
    with pytest.raises(oc.InvalidParameterError, match="weights must be positive"):
        oc.simulate_policy(
            oc.StaticPolicy(stock=3), demand, transshipment=oc.Transshipment(weights=0.0)
        )
    original = demand.copy()
    oc.simulate_policy(policy, demand)
    np.testing.assert_array_equal(demand, original)
