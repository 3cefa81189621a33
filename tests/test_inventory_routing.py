"""route_orders: stock and quantity invariants, optimality against rules and brute force, errors."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import omnichannel as oc
from omnichannel._inventory import _routing
from omnichannel._inventory._routing import haversine_km

RULES = ("nearest", "most_stock", "fewest_splits")


def _instance(
    seed: int,
    *,
    n_nodes: int = 4,
    n_products: int = 3,
    n_orders: int = 5,
    max_lines: int = 3,
    max_qty: int = 3,
    max_stock: int = 4,
    capacity: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    kinds = rng.choice(["dc", "store", "dark_store"], n_nodes)
    nodes = pd.DataFrame(
        {
            "location": [f"N{i}" for i in range(n_nodes)],
            "kind": kinds,
            "latitude": rng.uniform(51.0, 53.0, n_nodes),
            "longitude": rng.uniform(4.0, 6.0, n_nodes),
            "ship_from_store": rng.random(n_nodes) < 0.7,
        }
    )
    if capacity:
        nodes["max_units"] = np.where(
            rng.random(n_nodes) < 0.5, rng.integers(0, 4, n_nodes), np.nan
        )
    products = [f"P{j}" for j in range(n_products)]
    stock = pd.DataFrame(
        [(loc, p) for loc in nodes["location"] for p in products], columns=["location", "product"]
    )
    stock["on_hand"] = rng.integers(0, max_stock + 1, len(stock))
    rows = []
    for o in range(n_orders):
        lat, lon = rng.uniform(51.0, 53.0), rng.uniform(4.0, 6.0)
        k = int(rng.integers(1, min(max_lines, n_products) + 1))
        for p in rng.choice(products, k, replace=False):
            rows.append((f"o{o}", p, int(rng.integers(1, max_qty + 1)), lat, lon))
    orders = pd.DataFrame(
        rows, columns=["order_id", "product", "quantity", "latitude", "longitude"]
    )
    return orders, nodes, stock


def _eligible(nodes: pd.DataFrame) -> set[str]:
    ok = nodes["kind"].isin(["dc", "dark_store"]) | (
        (nodes["kind"] == "store") & nodes["ship_from_store"]
    )
    return set(nodes.loc[ok, "location"])


def _check_invariants(
    res: oc.Routing, orders: pd.DataFrame, nodes: pd.DataFrame, stock: pd.DataFrame
) -> None:
    frame = res.to_frame()
    assert list(frame.columns) == [
        "order_id",
        "product",
        "location",
        "quantity",
        "distance_km",
        "cost",
        "fulfilled",
    ]
    shipped = frame[frame["fulfilled"]]
    short = frame[~frame["fulfilled"]]
    assert (frame["quantity"] > 0).all()
    assert short["location"].isna().all()
    assert shipped["location"].notna().all()
    # Never more than stock, only from eligible nodes.
    used = shipped.groupby(["location", "product"])["quantity"].sum()
    on_hand = stock.set_index(["location", "product"])["on_hand"]
    assert (used <= on_hand.reindex(used.index).fillna(0)).all()
    assert set(shipped["location"]) <= _eligible(nodes)
    if "max_units" in nodes.columns:
        cap = nodes.set_index("location")["max_units"]
        per_node = shipped.groupby("location")["quantity"].sum()
        limit = cap.reindex(per_node.index)
        assert ((per_node <= limit) | limit.isna()).all()
    # Shipped + unfulfilled == ordered, line by line.
    got = frame.groupby(["order_id", "product"])["quantity"].sum()
    want = orders.set_index(["order_id", "product"])["quantity"]
    pd.testing.assert_series_equal(
        got.sort_index(), want.sort_index(), check_names=False, check_dtype=False
    )
    assert res.units_shipped == int(shipped["quantity"].sum())
    assert res.units_ordered == int(orders["quantity"].sum())
    assert frame["cost"].sum() == pytest.approx(res.total_cost)
    assert res.n_shipments == len(shipped.groupby(["order_id", "location"]))


def _max_units(orders: pd.DataFrame, nodes: pd.DataFrame, stock: pd.DataFrame) -> int:
    eligible = stock[stock["location"].isin(_eligible(nodes))]
    have = eligible.groupby("product")["on_hand"].sum()
    want = orders.groupby("product")["quantity"].sum()
    return int(np.minimum(want, have.reindex(want.index).fillna(0)).sum())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), capacity=st.booleans())
def test_invariants_hold_for_every_policy(seed: int, capacity: bool) -> None:
    orders, nodes, stock = _instance(seed, capacity=capacity)
    snapshot = (orders.copy(), nodes.copy(), stock.copy())
    results = {
        p: oc.route_orders(orders, nodes=nodes, stock=stock, policy=p) for p in oc.ROUTING_POLICIES
    }
    for res in results.values():
        _check_invariants(res, orders, nodes, stock)
    pd.testing.assert_frame_equal(orders, snapshot[0])
    pd.testing.assert_frame_equal(nodes, snapshot[1])
    pd.testing.assert_frame_equal(stock, snapshot[2])
    best = results["optimal"]
    assert best.status == "optimal"
    for policy in RULES:
        rule = results[policy]
        assert best.units_shipped >= rule.units_shipped
        if not capacity:
            # Rules ship every unit the stock allows, so the optimum competes on cost alone.
            assert rule.units_shipped == _max_units(orders, nodes, stock)
            assert best.total_cost <= rule.total_cost + 1e-6


def _brute_force(orders: pd.DataFrame, nodes: pd.DataFrame, stock: pd.DataFrame) -> float:
    """Least cost over every way to ship the most units (independent of the library)."""
    costs = oc.RoutingCosts()
    eligible = sorted(_eligible(nodes))
    pos = nodes.set_index("location")
    on_hand = stock.set_index(["location", "product"])["on_hand"]
    lines = list(orders.itertuples(index=False))

    def dist(line: object, loc: str) -> float:
        return float(
            haversine_km(
                np.array([line.latitude]),  # type: ignore[attr-defined]
                np.array([line.longitude]),  # type: ignore[attr-defined]
                np.array([pos.loc[loc, "latitude"]]),
                np.array([pos.loc[loc, "longitude"]]),
            )[0, 0]
        )

    options = []
    for line in lines:
        splits = [
            v
            for v in itertools.product(range(line.quantity + 1), repeat=len(eligible))
            if sum(v) <= line.quantity
        ]
        options.append(splits)
    best_units, best_cost = -1, np.inf
    for choice in itertools.product(*options):
        used: dict[tuple[str, str], int] = {}
        for line, v in zip(lines, choice, strict=True):
            for loc, units in zip(eligible, v, strict=True):
                used[loc, line.product] = used.get((loc, line.product), 0) + units
        if any(u > on_hand.get(k, 0) for k, u in used.items()):
            continue
        units = sum(sum(v) for v in choice)
        shipments: dict[str, set[str]] = {}
        cost = costs.per_unit * units
        for line, v in zip(lines, choice, strict=True):
            for loc, u in zip(eligible, v, strict=True):
                if u and loc not in shipments.setdefault(line.order_id, set()):
                    shipments[line.order_id].add(loc)
                    cost += costs.per_shipment + costs.per_km * dist(line, loc)
        cost += costs.split_penalty * sum(max(len(s) - 1, 0) for s in shipments.values())
        if units > best_units or (units == best_units and cost < best_cost):
            best_units, best_cost = units, cost
    return best_cost


def test_flow_consolidation_keeps_stock_after_merging_one_line_twice() -> None:
    # In this instance the consolidation moves one line's unit into a node that already ships
    # that line, then moves both of its rows on together: the stock check must add them up.
    orders, nodes, stock = _instance(578)
    res = oc.route_orders(orders, nodes=nodes, stock=stock, policy="flow")
    _check_invariants(res, orders, nodes, stock)
    assert res.units_shipped == _max_units(orders, nodes, stock)


@pytest.mark.parametrize("seed", range(8))
def test_optimal_matches_brute_force_on_tiny_instances(seed: int) -> None:
    orders, nodes, stock = _instance(
        seed, n_nodes=3, n_products=2, n_orders=2, max_lines=2, max_qty=2, max_stock=2
    )
    orders = orders.head(3)
    nodes["kind"] = "dc"
    res = oc.route_orders(orders, nodes=nodes, stock=stock, policy="optimal")
    assert res.total_cost == pytest.approx(_brute_force(orders, nodes, stock))


def _tiny() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    nodes = pd.DataFrame(
        {
            "location": ["DC", "S1", "S2", "WEB"],
            "kind": ["dc", "store", "store", "online"],
            "latitude": [52.09, 52.37, 52.36, None],
            "longitude": [5.12, 4.89, 4.90, None],
            "ship_from_store": [False, True, False, False],
        }
    )
    stock = pd.DataFrame(
        {
            "location": ["DC", "DC", "S1", "S2", "WEB"],
            "product": ["A", "B", "A", "B", "B"],
            "on_hand": [10, 10, 1, 50, 50],
        }
    )
    orders = pd.DataFrame(
        {
            "order_id": ["o1", "o1", "o2"],
            "product": ["A", "B", "A"],
            "quantity": [1, 1, 2],
            "latitude": [52.36, 52.36, 52.35],
            "longitude": 4.9,
        }
    )
    return orders, nodes, stock


def test_policies_on_a_hand_checked_instance() -> None:
    orders, nodes, stock = _tiny()
    nearest = oc.route_orders(orders, nodes=nodes, stock=stock)
    frame = nearest.to_frame()
    # S2 is next door but cannot ship; WEB has no coordinates and cannot ship either.
    assert frame["location"].tolist() == ["S1", "DC", "DC"]
    assert nearest.split_rate == 0.5
    fewest = oc.route_orders(orders, nodes=nodes, stock=stock, policy="fewest_splits")
    assert fewest.to_frame()["location"].tolist() == ["DC", "DC", "DC"]
    assert fewest.split_rate == 0.0
    costs = oc.RoutingCosts()
    d = frame["distance_km"].to_numpy()
    expected = 3 * costs.per_shipment + 4 * costs.per_unit + costs.split_penalty
    assert nearest.total_cost == pytest.approx(expected + costs.per_km * d.sum())
    summary = nearest.summary()
    assert summary.loc[0, "fill_rate"] == 1.0
    assert summary.loc[0, "mean_distance_km"] == pytest.approx(d.mean())
    assert "Routing(nearest: 2 orders" in repr(nearest)
    assert "<table" in nearest._repr_html_()


def test_most_stock_prefers_the_fuller_node() -> None:
    orders, nodes, stock = _tiny()
    stock.loc[stock["location"] == "S1", "on_hand"] = 20
    res = oc.route_orders(orders.head(1), nodes=nodes, stock=stock, policy="most_stock")
    assert res.to_frame()["location"].tolist() == ["S1"]
    stock.loc[stock["location"] == "S1", "on_hand"] = 2
    res = oc.route_orders(orders.head(1), nodes=nodes, stock=stock, policy="most_stock")
    assert res.to_frame()["location"].tolist() == ["DC"]


def test_unfulfilled_and_capacity() -> None:
    orders, nodes, stock = _tiny()
    nodes["max_units"] = [2.0, np.nan, np.nan, np.nan]
    for policy in oc.ROUTING_POLICIES:
        res = oc.route_orders(orders, nodes=nodes, stock=stock, policy=policy)
        _check_invariants(res, orders, nodes, stock)
        assert res.units_shipped == 3
        assert res.fill_rate == pytest.approx(0.75)
        short = res.to_frame().query("~fulfilled")
        assert short["quantity"].sum() == 1
        assert short["cost"].eq(0).all()
        assert short["distance_km"].isna().all()


def test_no_eligible_nodes_and_empty_orders() -> None:
    orders, nodes, stock = _tiny()
    nodes["kind"] = "online"
    for policy in oc.ROUTING_POLICIES:
        res = oc.route_orders(orders, nodes=nodes, stock=stock, policy=policy)
        assert res.units_shipped == 0
        assert res.to_frame()["quantity"].tolist() == [1, 1, 2]
        assert np.isnan(res.mean_distance_km)
    orders, nodes, stock = _tiny()
    res = oc.route_orders(orders.iloc[:0], nodes=nodes, stock=stock, policy="optimal")
    assert res.n_orders == 0
    assert res.fill_rate == 1.0
    assert res.to_frame().empty


def test_optimal_refuses_a_batch_above_its_size(monkeypatch: pytest.MonkeyPatch) -> None:
    orders, nodes, stock = _tiny()
    monkeypatch.setattr(_routing, "_MAX_OPTIMAL_VARIABLES", 3)
    with pytest.raises(oc.InvalidParameterError, match=r"up to 3 decision variables.*2 orders"):
        oc.route_orders(orders, nodes=nodes, stock=stock, policy="optimal")


def test_to_frame_returns_a_copy() -> None:
    orders, nodes, stock = _tiny()
    res = oc.route_orders(orders, nodes=nodes, stock=stock)
    frame = res.to_frame()
    frame["quantity"] = 0
    assert res.to_frame()["quantity"].sum() == 4


def test_haversine_is_symmetric_and_known() -> None:
    # Amsterdam - Paris, about 430 km.
    d = haversine_km(np.array([52.3676, 48.8566]), np.array([4.9041, 2.3522]), *[np.array([])] * 2)
    assert d.shape == (2, 0)
    ams_par = haversine_km(
        np.array([52.3676]), np.array([4.9041]), np.array([48.8566]), np.array([2.3522])
    )
    par_ams = haversine_km(
        np.array([48.8566]), np.array([2.3522]), np.array([52.3676]), np.array([4.9041])
    )
    assert ams_par[0, 0] == pytest.approx(430, abs=5)
    assert ams_par[0, 0] == pytest.approx(par_ams[0, 0])


# ---------------------------------------------------------------------------------------------
# Errors


def _call(**changes: object) -> None:
    orders, nodes, stock = _tiny()
    kwargs: dict[str, object] = {"nodes": nodes, "stock": stock}
    kwargs.update({k: v for k, v in changes.items() if k != "orders"})
    oc.route_orders(changes.get("orders", orders), **kwargs)  # type: ignore[arg-type]


def test_errors_name_frame_column_and_row() -> None:
    orders, nodes, stock = _tiny()
    with pytest.raises(
        oc.SchemaError, match=r"orders is missing required column\(s\) \['latitude'\]"
    ):
        _call(orders=orders.drop(columns="latitude"))
    bad = orders.assign(quantity=[1.0, 1.5, 2.0])
    with pytest.raises(
        oc.SchemaError,
        match=r"orders\['quantity'\] is not a whole number >= 1 in 1 row\(s\); first at index 1 "
        r"\(order_id='o1', product='B'\)",
    ):
        _call(orders=bad)
    with pytest.raises(oc.SchemaError, match=r"first at index 2 \(order_id='o2'"):
        _call(orders=orders.assign(quantity=[1, 1, 0]))
    with pytest.raises(
        oc.SchemaError, match=r"differ from the first line of the same order.*index 1"
    ):
        _call(orders=orders.assign(latitude=[52.36, 52.0, 52.35]))
    with pytest.raises(oc.SchemaError, match=r"outside \[-90, 90\]"):
        _call(orders=orders.assign(latitude=[95.0, 95.0, 52.0]))
    with pytest.raises(oc.SchemaError, match=r"orders has 1 duplicate row"):
        _call(orders=pd.concat([orders, orders.tail(1)], ignore_index=True))
    with pytest.raises(
        oc.SchemaError,
        match=r"nodes\['latitude'\] / nodes\['longitude'\] is missing.*location='S1'",
    ):
        _call(nodes=nodes.assign(latitude=[52.09, None, 52.36, None]))
    with pytest.raises(oc.SchemaError, match=r"nodes\['kind'\] is not one of"):
        _call(nodes=nodes.assign(kind=["dc", "shop", "store", "online"]))
    with pytest.raises(oc.SchemaError, match=r"nodes\['max_units'\] is not a whole number"):
        _call(nodes=nodes.assign(max_units=[1.5, None, None, None]))
    with pytest.raises(
        oc.SchemaError, match=r"stock\['location'\] is not a location in nodes.*'X'"
    ):
        _call(stock=stock.assign(location=["DC", "DC", "S1", "S2", "X"]))
    with pytest.raises(oc.SchemaError, match=r"stock\['on_hand'\] has 1 negative"):
        _call(stock=stock.assign(on_hand=[1, 1, 1, 1, -1]))
    with pytest.raises(oc.SchemaError, match=r"stock\['on_hand'\] is not a whole number"):
        _call(stock=stock.assign(on_hand=[1, 1, 1, 1, 0.5]))
    with pytest.raises(oc.SchemaError, match=r"nodes must be a pandas DataFrame; got list"):
        _call(nodes=[])


def test_parameter_errors() -> None:
    with pytest.raises(
        oc.InvalidParameterError, match=r"'policy' parameter of route_orders must be one of"
    ):
        _call(policy="closest")
    with pytest.raises(
        oc.InvalidParameterError, match=r"'costs' parameter of route_orders must be a RoutingCosts"
    ):
        _call(costs={"per_km": 1.0})
    with pytest.raises(oc.InvalidParameterError, match=r"'time_limit' parameter of route_orders"):
        _call(time_limit=0)
    with pytest.raises(oc.InvalidParameterError, match=r"'per_km' parameter of RoutingCosts"):
        oc.RoutingCosts(per_km=float("nan"))
    with pytest.raises(
        oc.InvalidParameterError, match=r"'split_penalty' parameter of RoutingCosts.*'x'"
    ):
        oc.RoutingCosts(split_penalty="x")  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError):
        oc.RoutingCosts(per_unit=True)  # type: ignore[arg-type]
    assert oc.RoutingCosts(per_km=1) == oc.RoutingCosts(per_km=1.0)


def test_split_penalty_changes_the_optimum() -> None:
    orders, nodes, stock = _tiny()
    cheap = oc.RoutingCosts(per_km=1.0, per_shipment=0.0, split_penalty=0.0)
    dear = oc.RoutingCosts(per_km=1.0, per_shipment=0.0, split_penalty=1000.0)
    one = orders.head(2)
    nodes["ship_from_store"] = [False, True, True, False]  # S1 holds A, S2 holds B, DC both
    split = oc.route_orders(one, nodes=nodes, stock=stock, costs=cheap, policy="optimal")
    whole = oc.route_orders(one, nodes=nodes, stock=stock, costs=dear, policy="optimal")
    assert split.n_shipments == 2
    assert whole.n_shipments == 1
