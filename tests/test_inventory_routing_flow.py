"""route_orders: the flow policy, pickup orders, and comparing policies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import optimize

import omnichannel as oc
from omnichannel._inventory import _routing, _routing_flow
from omnichannel._inventory._routing_problem import UNBOUNDED, build_problem, in_store

from .test_inventory_routing import _check_invariants, _instance, _tiny

# ---------------------------------------------------------------------------------------------
# The LP: exact for its linear cost


def _reference_lp(
    orders: pd.DataFrame, nodes: pd.DataFrame, stock: pd.DataFrame
) -> tuple[float, float]:
    """Most units, then least linear cost, by one MILP written from the definition.

    A unit of an order's line shipped from node n costs per_unit + (per_shipment + per_km *
    distance) / units of the order; units are integers per (line, node); no node ships more
    than its stock of the product or its max_units.
    """
    costs = oc.RoutingCosts()
    can = nodes["kind"].isin(["dc", "dark_store"]) | (
        (nodes["kind"] == "store") & nodes["ship_from_store"]
    )
    ship = nodes[can].reset_index(drop=True)
    on_hand = stock.set_index(["location", "product"])["on_hand"]
    cap = ship["max_units"] if "max_units" in ship.columns else pd.Series(np.nan, ship.index)
    units_of = orders.groupby("order_id")["quantity"].sum()
    cols, cost, ub = [], [], []
    for i, line in orders.reset_index(drop=True).iterrows():
        for j, node in ship.iterrows():
            have = int(on_hand.get((node["location"], line["product"]), 0))
            if have <= 0 or cap[j] == 0:
                continue
            d = _routing.haversine_km(
                np.array([line["latitude"]]),
                np.array([line["longitude"]]),
                np.array([node["latitude"]]),
                np.array([node["longitude"]]),
            )[0, 0]
            cols.append((i, j, line["product"]))
            cost.append(
                costs.per_unit
                + (costs.per_shipment + costs.per_km * d) / units_of[line["order_id"]]
            )
            ub.append(min(int(line["quantity"]), have))
    n = len(cols)
    if n == 0:
        return 0.0, 0.0
    rows: list[tuple[list[int], float]] = []
    for i, q in enumerate(orders["quantity"]):
        rows.append(([k for k, c in enumerate(cols) if c[0] == i], float(q)))
    for (loc, prod), have in on_hand.items():
        idx = [k for k, c in enumerate(cols) if ship["location"][c[1]] == loc and c[2] == prod]
        if idx:
            rows.append((idx, float(have)))
    for j in range(len(ship)):
        if not np.isnan(cap[j]):
            rows.append(([k for k, c in enumerate(cols) if c[1] == j], float(cap[j])))
    r = [ri for ri, (idx, _) in enumerate(rows) for _ in idx]
    c_ = [k for idx, _ in rows for k in idx]
    a = sp.csr_matrix((np.ones(len(c_)), (r, c_)), shape=(len(rows), n))
    b = np.array([rhs for _, rhs in rows])
    bounds = optimize.Bounds(np.zeros(n), np.array(ub, dtype=float))
    first = optimize.milp(
        -np.ones(n),
        integrality=np.ones(n),
        bounds=bounds,
        constraints=optimize.LinearConstraint(a, -np.inf, b),
    )
    most = -first.fun
    total = sp.csr_matrix(np.ones((1, n)))
    second = optimize.milp(
        np.array(cost),
        integrality=np.ones(n),
        bounds=bounds,
        constraints=[
            optimize.LinearConstraint(a, -np.inf, b),
            optimize.LinearConstraint(total, most - 0.5, np.inf),
        ],
        options={"mip_rel_gap": 0.0},
    )
    return float(most), float(second.fun)


def _flow_lp(
    orders: pd.DataFrame, nodes: pd.DataFrame, stock: pd.DataFrame
) -> tuple[float, float, _routing.RoutingProblem, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    prob = build_problem(orders, nodes, stock, oc.RoutingCosts())
    _, qty, left = in_store(prob)
    units = np.bincount(prob.line_order, weights=qty, minlength=prob.n_orders)
    unit_cost = prob.costs.per_unit + prob.shipment_cost / np.maximum(units, 1.0)[:, None]
    shipped, _ = _routing_flow.flow_routing(
        prob.line_order, prob.line_product, qty, left, prob.capacity, UNBOUNDED, unit_cost, None
    )
    line, node, got = shipped
    value = float((unit_cost[prob.line_order[line], node] * got).sum())
    return float(got.sum()), value, prob, shipped


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), capacity=st.booleans(), chunk=st.sampled_from([3, 60_000]))
def test_the_flow_lp_matches_an_independent_milp(seed: int, capacity: bool, chunk: int) -> None:
    orders, nodes, stock = _instance(seed, capacity=capacity, n_orders=6)
    with pytest.MonkeyPatch.context() as mp:
        # Tiny chunks exercise the per-product split of the LP.
        mp.setattr(_routing_flow, "CHUNK_COLUMNS", chunk)
        units, value, _, _ = _flow_lp(orders, nodes, stock)
    most, best = _reference_lp(orders, nodes, stock)
    assert units == most
    assert value == pytest.approx(best, rel=1e-9, abs=1e-9)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), capacity=st.booleans())
def test_flow_ships_the_most_units_and_never_beats_the_optimum(seed: int, capacity: bool) -> None:
    orders, nodes, stock = _instance(seed, capacity=capacity)
    flow = oc.route_orders(orders, nodes=nodes, stock=stock, policy="flow")
    best = oc.route_orders(orders, nodes=nodes, stock=stock, policy="optimal")
    _check_invariants(flow, orders, nodes, stock)
    assert flow.status == "heuristic"
    assert flow.units_shipped == best.units_shipped
    assert flow.total_cost >= best.total_cost - 1e-6
    # Consolidation only ever lowers the true cost of the LP routing, with the same units.
    _, _, prob, lp = _flow_lp(orders, nodes, stock)
    plain = _routing._result(prob, "flow", "heuristic", in_store(prob)[0], lp)
    assert flow.total_cost <= plain.total_cost + 1e-9
    assert flow.units_shipped == plain.units_shipped


@pytest.mark.parametrize("seed", range(5))
def test_single_line_orders_with_ample_stock_are_routed_optimally(seed: int) -> None:
    """Known truth: one line per order and no shortage make the linear cost the true cost."""
    orders, nodes, stock = _instance(seed, n_orders=8, max_lines=1, max_stock=40)
    flow = oc.route_orders(orders, nodes=nodes, stock=stock, policy="flow")
    best = oc.route_orders(orders, nodes=nodes, stock=stock, policy="optimal")
    assert flow.units_shipped == best.units_shipped
    assert flow.total_cost == pytest.approx(best.total_cost, rel=1e-9)
    assert flow.split_rate == 0.0


def test_flow_consolidates_an_order_the_lp_would_split() -> None:
    orders, nodes, stock = _tiny()
    one = orders.head(2)  # o1: A (1 at S1, 10 at the DC) and B (10 at the DC)
    flow = oc.route_orders(one, nodes=nodes, stock=stock, policy="flow")
    assert flow.to_frame()["location"].tolist() == ["DC", "DC"]
    assert flow.n_shipments == 1
    lp_units, _, prob, lp = _flow_lp(one, nodes, stock)
    assert lp_units == 2
    assert sorted(prob.node_labels[lp[1]].tolist()) == ["DC", "S1"]  # the LP alone splits


def test_flow_on_a_larger_batch_beats_nearest() -> None:
    orders, nodes, stock = _instance(
        3, n_nodes=30, n_products=40, n_orders=600, max_lines=4, max_stock=6
    )
    cmp = oc.compare_routing(orders, nodes=nodes, stock=stock, policies=["nearest", "flow"])
    frame = cmp.to_frame().set_index("policy")
    assert frame.loc["flow", "fill_rate"] >= frame.loc["nearest", "fill_rate"]
    assert frame.loc["flow", "total_cost"] < frame.loc["nearest", "total_cost"]
    assert (frame["seconds"] > 0).all()


# ---------------------------------------------------------------------------------------------
# Pickup


def _pickup_case() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    orders, nodes, stock = _tiny()
    nodes = pd.concat(
        [
            nodes,
            pd.DataFrame(
                {
                    "location": ["S3"],
                    "kind": ["store"],
                    "latitude": [52.08],
                    "longitude": [4.30],
                    "ship_from_store": [False],
                }
            ),
        ],
        ignore_index=True,
    )
    stock = pd.concat(
        [stock, pd.DataFrame({"location": ["S3"], "product": ["A"], "on_hand": [2]})],
        ignore_index=True,
    )
    pickup = pd.DataFrame(
        {
            "order_id": ["p1", "p1", "p2"],
            "product": ["A", "B", "A"],
            "quantity": [1, 3, 2],
            "latitude": np.nan,
            "longitude": np.nan,
            "pickup_location": ["S3", "S3", "S3"],
        }
    )
    both = pd.concat([orders.assign(pickup_location=None), pickup], ignore_index=True)
    return both, nodes, stock


@pytest.mark.parametrize("policy", oc.ROUTING_POLICIES)
def test_pickup_orders_use_the_store_first_then_transfers(policy: str) -> None:
    orders, nodes, stock = _pickup_case()
    snapshot = orders.copy()
    res = oc.route_orders(orders, nodes=nodes, stock=stock, policy=policy)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(orders, snapshot)
    frame = res.to_frame()
    assert {"pickup_location", "mode"} <= set(frame.columns)
    store = frame[(frame["mode"] == "in_store")]
    # S3 holds 2 units of A: p1 takes 1 (first in sequence), p2 the other; nothing of B.
    assert store.groupby("order_id")["quantity"].sum().to_dict() == {"p1": 1, "p2": 1}
    assert (store["location"] == "S3").all()
    assert (store["distance_km"] == 0).all()
    assert store["cost"].tolist() == pytest.approx([oc.RoutingCosts().per_unit] * 2)
    transfer = frame[frame["mode"] == "transfer"]
    assert set(transfer["order_id"]) == {"p1", "p2"}
    assert (transfer["pickup_location"] == "S3").all()
    summary = res.summary().iloc[0]
    assert summary["pickup_orders"] == 2
    assert summary["pickup_units"] == 6
    assert summary["pickup_in_store"] == 2
    assert summary["pickup_transferred"] == 4
    assert summary["pickup_unfulfilled"] == 0
    assert frame.loc[frame["mode"] == "delivery", "pickup_location"].isna().all()
    assert frame["cost"].sum() == pytest.approx(res.total_cost)
    # The split rate is over delivery orders (o1 and o2); pickups never count as split.
    delivery = frame[frame["mode"] == "delivery"]
    shipments = delivery.drop_duplicates(["order_id", "location"]).groupby("order_id").size()
    n_split = int((shipments > 1).sum())
    assert res.split_rate == n_split / 2
    assert "2 pickup" in repr(res)


def test_pickup_without_transfers_reports_the_rest_unfulfilled() -> None:
    orders, nodes, stock = _pickup_case()
    res = oc.route_orders(orders, nodes=nodes, stock=stock, policy="flow", transfers=False)
    frame = res.to_frame()
    pick = frame[frame["pickup_location"].notna()]
    assert pick.loc[pick["fulfilled"], "mode"].eq("in_store").all()
    assert pick.loc[~pick["fulfilled"], "quantity"].sum() == 4
    assert pick.loc[~pick["fulfilled"], "mode"].isna().all()
    assert res.summary().loc[0, "pickup_unfulfilled"] == 4
    # The pickup store needs no coordinates when nothing is transferred to it.
    nodes.loc[nodes["location"] == "S3", ["latitude", "longitude"]] = np.nan
    res = oc.route_orders(orders, nodes=nodes, stock=stock, transfers=False)
    assert res.pickup_in_store == 2
    with pytest.raises(oc.SchemaError, match=r"pickup store that may receive transfers.*'S3'"):
        oc.route_orders(orders, nodes=nodes, stock=stock)


def test_pickups_take_a_ship_from_store_stock_before_deliveries() -> None:
    orders, nodes, stock = _tiny()  # S1 ships from store and holds 1 unit of A
    delivery = orders.head(1)  # o1 would take S1's unit of A
    pickup = pd.DataFrame(
        {
            "order_id": ["p9"],
            "product": ["A"],
            "quantity": [1],
            "latitude": np.nan,
            "longitude": np.nan,
            "pickup_location": ["S1"],
        }
    )
    both = pd.concat([delivery.assign(pickup_location=None), pickup], ignore_index=True)
    res = oc.route_orders(both, nodes=nodes, stock=stock, policy="nearest")
    frame = res.to_frame().set_index("order_id")
    assert frame.loc["p9", "mode"] == "in_store"
    assert frame.loc["o1", "location"] == "DC"


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ("unknown", r"orders\['pickup_location'\] is not a location in nodes.*order_id='p1'"),
        ("online", r"is an online node.*order_id='p1'"),
        ("mixed", r"pickup_location'\] differs from the first line of the same order"),
        ("no_point", r"is missing on a delivery order in 1 row.*order_id='o2'"),
    ],
)
def test_pickup_errors_name_the_order(change: str, match: str) -> None:
    orders, nodes, stock = _pickup_case()
    if change == "unknown":
        orders.loc[3, "pickup_location"] = "S9"
        orders.loc[4, "pickup_location"] = "S9"
    elif change == "online":
        orders.loc[3:4, "pickup_location"] = "WEB"
    elif change == "mixed":
        orders.loc[4, "pickup_location"] = "S1"
    elif change == "no_point":
        orders.loc[2, "latitude"] = np.nan
    with pytest.raises(oc.SchemaError, match=match):
        oc.route_orders(orders, nodes=nodes, stock=stock)
    with pytest.raises(oc.InvalidParameterError, match="'transfers' parameter"):
        oc.route_orders(orders, nodes=nodes, stock=stock, transfers="yes")  # type: ignore[arg-type]


def test_an_all_missing_pickup_column_means_delivery() -> None:
    orders, nodes, stock = _tiny()
    plain = oc.route_orders(orders, nodes=nodes, stock=stock, policy="flow")
    marked = oc.route_orders(
        orders.assign(pickup_location=np.nan), nodes=nodes, stock=stock, policy="flow"
    )
    assert marked.total_cost == pytest.approx(plain.total_cost)
    assert marked.to_frame()["mode"].eq("delivery").all()


# ---------------------------------------------------------------------------------------------
# Comparing policies, plots


def test_compare_routing_and_routing_compare() -> None:
    orders, nodes, stock = _tiny()
    cmp = oc.compare_routing(orders, nodes=nodes, stock=stock, policies=list(oc.ROUTING_POLICIES))
    frame = cmp.to_frame()
    assert frame["policy"].tolist() == list(oc.ROUTING_POLICIES)
    assert frame["cost_vs_first"].iloc[0] == 0.0
    best = cmp.routings["optimal"]
    ranked = sorted(cmp.routings.values(), key=lambda r: (-r.fill_rate, r.total_cost))
    assert cmp.best == ranked[0].policy
    assert frame.set_index("policy").loc["optimal", "total_cost"] == pytest.approx(best.total_cost)
    again = cmp.routings["nearest"].compare(best)
    assert again["total_cost"].tolist() == pytest.approx(
        [cmp.routings["nearest"].total_cost, best.total_cost]
    )
    assert "RoutingComparison(5 policies" in repr(cmp)
    with pytest.raises(oc.InvalidParameterError, match="repeats a policy"):
        oc.compare_routing(orders, nodes=nodes, stock=stock, policies=["flow", "flow"])
    with pytest.raises(oc.InvalidParameterError, match="non-empty sequence"):
        oc.compare_routing(orders, nodes=nodes, stock=stock, policies=[])
    with pytest.raises(oc.InvalidParameterError, match="'policies' parameter"):
        oc.compare_routing(orders, nodes=nodes, stock=stock, policies=["closest"])  # type: ignore[list-item]


def test_plots_draw() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    orders, nodes, stock = _pickup_case()
    cmp = oc.compare_routing(orders, nodes=nodes, stock=stock)
    try:
        ax = cmp.routings["flow"].plot()
        assert len(ax.lines) == 1  # all segments in one polyline
        assert "flow" in ax.get_title()
        ax = cmp.plot()
        assert [t.get_text() for t in ax.get_xticklabels()] == list(cmp.routings)
        empty = oc.route_orders(orders.iloc[:0], nodes=nodes, stock=stock)
        assert "nothing shipped" in empty.plot().get_title()
    finally:
        plt.close("all")
