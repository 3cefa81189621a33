"""rebalance: exactness against brute force, agreement with allocate_inventory, invariants, errors."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

import omnichannel as oc
from omnichannel._inventory._rebalance import rebalance

LOCS = ["A", "B", "C"]
PAIRS = [(o, d) for o in LOCS for d in LOCS if o != d]


def _values(
    dist: stats.rv_discrete, margin: float, over: float, pen: float, top: int
) -> np.ndarray:
    """Expected profit of q = 0..top units, summed unit by unit from scipy's survival function."""
    sf = dist.sf(np.arange(top))  # P(D >= u) for u = 1..top
    sales = np.concatenate([[0.0], np.cumsum(sf)])
    q = np.arange(top + 1)
    return margin * sales - over * (q - sales) - pen * (dist.mean() - sales)


def _dist(family: str, mean: float) -> stats.rv_discrete:
    if family == "poisson" or mean == 0:
        return stats.poisson(mean)
    var = mean * 2.5
    return stats.nbinom(mean**2 / (var - mean), mean / var)


def _brute_force(
    on_hand: np.ndarray,  # products x locations
    back: np.ndarray,
    tables: list[list[np.ndarray]],
    lanes: pd.DataFrame,
    per_product: bool,
) -> float:
    """Best achievable gain, enumerating every integer transfer plan (vectorised over plans)."""
    n_sku = on_hand.shape[0]
    loc = {name: i for i, name in enumerate(LOCS)}
    origin = lanes["origin"].map(loc).to_numpy()
    dest = lanes["destination"].map(loc).to_numpy()
    cols = [
        (k, r)
        for r in range(len(lanes))
        for k in ([int(lanes["product"].iloc[r])] if per_product else range(n_sku))
    ]
    ranges = [range(int(on_hand[k, origin[r]]) + 1) for k, r in cols]
    plans = np.array(list(itertools.product(*ranges)), dtype=np.int64).reshape(-1, len(cols))
    n_nodes = n_sku * 3
    out_map = np.zeros((len(cols), n_nodes), dtype=np.int64)
    in_map = np.zeros((len(cols), n_nodes), dtype=np.int64)
    lane_map = np.zeros((len(cols), len(lanes)), dtype=np.int64)
    for c, (k, r) in enumerate(cols):
        out_map[c, k * 3 + origin[r]] = 1
        in_map[c, k * 3 + dest[r]] = 1
        lane_map[c, r] = 1
    out, got, per_lane = plans @ out_map, plans @ in_map, plans @ lane_map
    have = on_hand.ravel()
    ok = (out <= have).all(axis=1) & (per_lane <= lanes["max_units"].to_numpy()).all(axis=1)
    used = per_lane > 0
    ok &= ~(used & (per_lane < lanes["min_units"].to_numpy())).any(axis=1)
    cost = plans @ np.array([lanes["cost_per_unit"].iloc[r] for _, r in cols])
    cost = cost + used @ lanes["fixed_cost"].to_numpy()
    q = have + back.ravel() - out + got
    flat = [tables[k][j] for k in range(n_sku) for j in range(3)]
    value = sum(flat[n][q[:, n]] for n in range(n_nodes))
    base = sum(flat[n][have[n] + back.ravel()[n]] for n in range(n_nodes))
    return float(np.max(np.where(ok, value - cost - base, -np.inf)))


@st.composite
def instances(draw: st.DrawFn) -> dict[str, object]:
    n_sku = draw(st.integers(1, 2))
    per_product = n_sku == 2 and draw(st.booleans())
    max_lanes = 6 if n_sku == 1 else 3
    pairs = draw(st.lists(st.sampled_from(PAIRS), min_size=1, max_size=max_lanes, unique=True))
    on_hand = np.array(
        [[draw(st.integers(0, 3)) for _ in LOCS] for _ in range(n_sku)], dtype=np.int64
    )
    back = np.array([[draw(st.integers(0, 2)) for _ in LOCS] for _ in range(n_sku)])
    means = np.array([[round(draw(st.floats(0.0, 5.0)), 2) for _ in LOCS] for _ in range(n_sku)])
    family = draw(st.sampled_from(["poisson", "negbin"]))
    money = st.floats(0.0, 3.0)
    econ = pd.DataFrame(
        {
            "location": LOCS,
            "unit_margin": [draw(st.floats(0.5, 6.0)) for _ in LOCS],
            "overage_cost": [draw(money) for _ in LOCS],
            "shortage_penalty": [draw(money) for _ in LOCS],
        }
    )
    rows = []
    for o, d in pairs:
        products = [draw(st.integers(0, n_sku - 1))] if per_product else [None]
        for k in products:
            rows.append(
                {
                    "origin": o,
                    "destination": d,
                    "cost_per_unit": draw(st.floats(0.0, 2.0)),
                    "max_units": float(draw(st.integers(1, 6))),
                    "min_units": float(draw(st.sampled_from([0, 0, 2]))),
                    "fixed_cost": draw(st.sampled_from([0.0, 0.0, 1.5])),
                    **({"product": k} if per_product else {}),
                }
            )
    lanes = pd.DataFrame(rows)
    lanes["min_units"] = np.minimum(lanes["min_units"], lanes["max_units"])
    if per_product:
        lanes = lanes.drop_duplicates(["product", "origin", "destination"])
    return {
        "on_hand": on_hand,
        "back": back,
        "means": means,
        "family": family,
        "economics": econ,
        "lanes": lanes.reset_index(drop=True),
        "per_product": per_product,
    }


def _frames(inst: dict[str, object]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    on_hand = np.asarray(inst["on_hand"])
    means = np.asarray(inst["means"])
    back = np.asarray(inst["back"])
    n_sku = on_hand.shape[0]
    nodes = pd.DataFrame(
        {"product": np.repeat(np.arange(n_sku), 3), "location": np.tile(LOCS, n_sku)}
    )
    stock = nodes.assign(on_hand=on_hand.ravel())
    demand = nodes.assign(
        mean=means.ravel(), family=str(inst["family"]), variance=means.ravel() * 2.5
    )
    returns = nodes.assign(quantity=back.ravel()) if back.any() else None
    return stock, demand, returns


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_matches_brute_force(inst: dict[str, object]) -> None:
    stock, demand, returns = _frames(inst)
    econ = inst["economics"]
    assert isinstance(econ, pd.DataFrame)
    lanes = inst["lanes"]
    assert isinstance(lanes, pd.DataFrame)
    res = rebalance(stock, demand, economics=econ, lanes=lanes, returns=returns)
    on_hand = np.asarray(inst["on_hand"])
    back = np.asarray(inst["back"]) if returns is not None else np.zeros_like(on_hand)
    means = np.asarray(inst["means"])
    top = int(on_hand.sum() + back.max()) + 1
    tables = [
        [
            _values(
                _dist(str(inst["family"]), means[k, j]),
                float(econ["unit_margin"].iloc[j]),
                float(econ["overage_cost"].iloc[j]),
                float(econ["shortage_penalty"].iloc[j]),
                top,
            )
            for j in range(3)
        ]
        for k in range(on_hand.shape[0])
    ]
    best = _brute_force(on_hand, back, tables, lanes, bool(inst["per_product"]))
    assert res.status == "optimal"
    assert res.total_gain == pytest.approx(best, abs=1e-6)
    nodes = res.by_node()
    # The reported node profits are the brute-force tables at the reported stocks.
    for row in nodes.itertuples():
        j = LOCS.index(row.location)
        table = tables[int(row.product)][j]
        assert row.expected_profit_before == pytest.approx(table[row.stock_before], abs=1e-9)
        assert row.expected_profit_after == pytest.approx(table[row.stock_after], abs=1e-9)
    _check_invariants(res, stock)


def _check_invariants(res: oc.Rebalance, stock: pd.DataFrame) -> None:
    nodes = res.by_node()
    transfers = res.to_frame()
    assert (nodes["sent"] <= nodes["on_hand"]).all()
    assert (nodes["stock_after"] >= 0).all()
    assert (transfers["quantity"] > 0).all()
    before = nodes.groupby("product")["stock_before"].sum()
    after = nodes.groupby("product")["stock_after"].sum()
    pd.testing.assert_series_equal(before, after, check_names=False)
    assert nodes["on_hand"].sum() == stock["on_hand"].sum()
    assert res.total_gain >= -1e-9
    summary = res.summary()
    assert res.total_gain == pytest.approx(summary["gain"].sum(), abs=1e-9)
    assert res.transfer_cost == pytest.approx(transfers["lane_cost"].sum(), abs=1e-9)
    relays = set(transfers["product"].astype(str) + transfers["origin"].astype(str)) & set(
        transfers["product"].astype(str) + transfers["destination"].astype(str)
    )
    if not relays:
        assert transfers["gain"].sum() == pytest.approx(res.total_gain, abs=1e-7)


def test_free_lanes_from_a_dc_reproduce_allocate_inventory() -> None:
    """A DC node that sells nothing and lanes priced at the shipping cost is an allocation."""
    rng = np.random.default_rng(3)
    stores = [f"S{i}" for i in range(12)]
    n_sku = 6
    mean = rng.lognormal(1.2, 0.6, (n_sku, len(stores)))
    demand = pd.DataFrame(
        {
            "product": np.repeat(np.arange(n_sku), len(stores)),
            "location": np.tile(stores, n_sku),
            "mean": mean.ravel(),
            "variance": mean.ravel() * 1.8,
            "family": "negbin",
        }
    )
    supply = pd.DataFrame({"product": np.arange(n_sku), "quantity": rng.integers(20, 60, n_sku)})
    shipping = rng.uniform(0.0, 0.6, len(stores))
    econ = pd.DataFrame(
        {
            "location": stores,
            "unit_margin": rng.uniform(2.0, 6.0, len(stores)),
            "overage_cost": rng.uniform(0.2, 1.5, len(stores)),
            "shipping_cost": shipping,
        }
    )
    alloc = oc.allocate_inventory(supply, demand, economics=econ)
    dc = pd.DataFrame({"product": np.arange(n_sku), "location": "DC", "mean": 0.0})
    demand_dc = pd.concat([demand, dc.assign(variance=np.nan, family="poisson")])
    econ_dc = pd.concat(
        [
            econ.drop(columns="shipping_cost"),
            pd.DataFrame({"location": ["DC"], "unit_margin": [0.0], "overage_cost": [0.0]}),
        ]
    )
    stock = supply.rename(columns={"quantity": "on_hand"}).assign(location="DC")
    lanes = pd.DataFrame({"origin": "DC", "destination": stores, "cost_per_unit": shipping})
    res = rebalance(stock, demand_dc, economics=econ_dc, lanes=lanes)
    nodes = res.by_node()
    stores_after = nodes[nodes["location"] != "DC"].sort_values(["product", "location"])
    allocated = alloc.to_frame().sort_values(["product", "location"])
    np.testing.assert_array_equal(stores_after["stock_after"], allocated["quantity"])
    # Empty stores without a shortage penalty start at profit 0 and the DC's value is 0 either
    # way, so the gain is the allocation's profit net of shipping.
    assert res.total_gain == pytest.approx(alloc.expected_profit, rel=1e-10)
    np.testing.assert_allclose(
        stores_after["expected_profit_after"].to_numpy()
        - econ.set_index("location")["shipping_cost"].loc[allocated["location"]].to_numpy()
        * allocated["quantity"].to_numpy(),
        allocated["expected_profit"].to_numpy(),
        rtol=1e-10,
        atol=1e-12,
    )


def test_sample_and_quantile_demand_forms() -> None:
    stock = pd.DataFrame({"location": ["A", "B"], "product": "P", "on_hand": [9, 0]})
    econ = pd.DataFrame({"location": ["A", "B"], "unit_margin": 3.0, "overage_cost": 0.5})
    lanes = pd.DataFrame({"origin": ["A"], "destination": ["B"], "cost_per_unit": 0.25})
    samples_a = np.array([0, 1, 1, 2, 3, 0, 2, 1])
    samples_b = np.array([4, 6, 5, 7, 3, 8, 5, 6])
    demand = pd.DataFrame(
        {
            "product": "P",
            "location": np.repeat(["A", "B"], 8),
            "sample": np.tile(np.arange(8), 2),
            "quantity": np.concatenate([samples_a, samples_b]),
        }
    )
    res = rebalance(stock, demand, economics=econ, lanes=lanes)
    best = -np.inf
    for x in range(10):
        qa, qb = 9 - x, x
        value = sum(
            3.0 * np.minimum(q, s).mean() - 0.5 * np.maximum(q - s, 0).mean()
            for q, s in ((qa, samples_a), (qb, samples_b))
        )
        if value - 0.25 * x > best:
            best, best_x = value - 0.25 * x, x
    assert res.to_frame()["quantity"].tolist() == [best_x]
    quantiles = pd.DataFrame(
        {
            "product": "P",
            "location": ["A", "B"],
            "q0.1": [0.0, 3.0],
            "q0.5": [1.0, 5.5],
            "q0.9": [3.0, 8.0],
        }
    )
    res_q = rebalance(stock, quantiles, economics=econ, lanes=lanes)
    assert 3 <= res_q.by_node()["stock_after"].iloc[1] <= 9


def test_returns_horizon_and_lead_time() -> None:
    stock = pd.DataFrame({"location": ["A", "B"], "product": "P", "on_hand": [10, 0]})
    demand = pd.DataFrame(
        {"product": "P", "location": ["A", "B"], "mean": [2.0, 6.0], "family": "poisson"}
    )
    econ = pd.DataFrame({"location": ["A", "B"], "unit_margin": 4.0, "overage_cost": 1.0})
    lanes = pd.DataFrame(
        {"origin": ["A"], "destination": ["B"], "cost_per_unit": 0.1, "lead_time": [3]}
    )
    moved = rebalance(stock, demand, economics=econ, lanes=lanes, horizon=5)
    assert moved.to_frame()["quantity"].sum() > 0
    late = rebalance(stock, demand, economics=econ, lanes=lanes, horizon=2)
    assert late.to_frame().empty
    assert late.dropped_lanes == 1
    assert late.total_gain == 0.0
    # 8 units returning to B with a 75% yield within the horizon: 6 sellable, fewer needed.
    returns = pd.DataFrame(
        {
            "product": "P",
            "location": ["B", "B"],
            "quantity": [8, 5],
            "delay": [1, 9],
            "restock_yield": [0.75, 1.0],
        }
    )
    with_returns = rebalance(stock, demand, economics=econ, lanes=lanes, returns=returns, horizon=5)
    node_b = with_returns.by_node().set_index("location").loc["B"]
    assert node_b["returns"] == 6
    assert node_b["stock_before"] == 6
    assert with_returns.to_frame()["quantity"].sum() < moved.to_frame()["quantity"].sum()
    # Returned units are not on hand: B cannot send them back to A even when A needs them.
    flipped = pd.DataFrame(
        {"product": "P", "location": ["A", "B"], "mean": [9.0, 0.0], "family": "poisson"}
    )
    back_lanes = pd.DataFrame({"origin": ["B"], "destination": ["A"], "cost_per_unit": 0.0})
    none = rebalance(
        stock.assign(on_hand=[0, 0]), flipped, economics=econ, lanes=back_lanes, returns=returns
    )
    assert none.to_frame().empty


def test_no_move_when_nothing_is_gained() -> None:
    stock = pd.DataFrame({"location": ["A", "B"], "product": "P", "on_hand": [5, 5]})
    demand = pd.DataFrame(
        {"product": "P", "location": ["A", "B"], "mean": [5.0, 5.0], "family": "poisson"}
    )
    econ = pd.DataFrame({"location": ["A", "B"], "unit_margin": 4.0, "overage_cost": 1.0})
    lanes = pd.DataFrame({"origin": ["A", "B"], "destination": ["B", "A"], "cost_per_unit": 0.0})
    res = rebalance(stock, demand, economics=econ, lanes=lanes)
    assert res.to_frame().empty
    assert res.total_gain == 0.0
    assert "0 transfers" in repr(res)


def test_shared_lane_capacity_goes_to_the_best_product() -> None:
    stock = pd.DataFrame(
        {
            "location": ["A", "A", "B", "B"],
            "product": ["P", "Q", "P", "Q"],
            "on_hand": [20, 20, 0, 0],
        }
    )
    demand = pd.DataFrame(
        {
            "product": ["P", "Q", "P", "Q"],
            "location": ["A", "A", "B", "B"],
            "mean": [0.0, 0.0, 10.0, 10.0],
            "family": "poisson",
        }
    )
    econ = pd.DataFrame(
        {
            "product": ["P", "Q", "P", "Q"],
            "location": ["A", "A", "B", "B"],
            "unit_margin": [1.0, 1.0, 2.0, 5.0],
            "overage_cost": 0.0,
        }
    )
    lanes = pd.DataFrame(
        {"origin": ["A"], "destination": ["B"], "cost_per_unit": 0.0, "max_units": [8]}
    )
    res = rebalance(stock, demand, economics=econ, lanes=lanes)
    frame = res.to_frame()
    assert frame["quantity"].sum() == 8
    assert frame.set_index("product")["quantity"].to_dict() == {"Q": 8}


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (
            {"lanes": pd.DataFrame({"origin": ["A"], "destination": ["Z"], "cost_per_unit": 1.0})},
            "not demand locations",
        ),
        (
            {"lanes": pd.DataFrame({"origin": ["A"], "destination": ["A"], "cost_per_unit": 1.0})},
            "same origin and destination",
        ),
        (
            {
                "lanes": pd.DataFrame(
                    {"origin": ["A", "A"], "destination": ["B", "B"], "cost_per_unit": 1.0}
                )
            },
            "duplicate",
        ),
        (
            {"lanes": pd.DataFrame({"origin": ["A"], "destination": ["B"], "cost_per_unit": -1.0})},
            "negative",
        ),
        (
            {"stock": pd.DataFrame({"location": ["A"], "product": "P", "on_hand": [2.5]})},
            "whole number",
        ),
        (
            {"stock": pd.DataFrame({"location": ["Z"], "product": "P", "on_hand": [2]})},
            "not demand nodes",
        ),
        (
            {
                "returns": pd.DataFrame(
                    {"product": ["P"], "location": ["A"], "quantity": [2], "restock_yield": [1.5]}
                )
            },
            "above 1",
        ),
        (
            {
                "economics": pd.DataFrame(
                    {"location": ["A"], "unit_margin": [1.0], "overage_cost": [1.0]}
                )
            },
            "no row",
        ),
        (
            {
                "lanes": pd.DataFrame(
                    {
                        "origin": ["A"],
                        "destination": ["B"],
                        "cost_per_unit": 1.0,
                        "max_units": [2.0],
                        "min_units": [3.0],
                    }
                )
            },
            "above max_units",
        ),
    ],
)
def test_errors_name_the_problem(change: dict[str, pd.DataFrame], match: str) -> None:
    args: dict[str, object] = {
        "stock": pd.DataFrame({"location": ["A"], "product": "P", "on_hand": [3]}),
        "demand": pd.DataFrame(
            {"product": "P", "location": ["A", "B"], "mean": [1.0, 2.0], "family": "poisson"}
        ),
        "economics": pd.DataFrame(
            {"location": ["A", "B"], "unit_margin": 1.0, "overage_cost": 1.0}
        ),
        "lanes": pd.DataFrame({"origin": ["A"], "destination": ["B"], "cost_per_unit": 1.0}),
        "returns": None,
    }
    args.update(change)
    with pytest.raises(oc.SchemaError, match=match):
        rebalance(
            args["stock"],  # type: ignore[arg-type]
            args["demand"],  # type: ignore[arg-type]
            economics=args["economics"],  # type: ignore[arg-type]
            lanes=args["lanes"],  # type: ignore[arg-type]
            returns=args["returns"],  # type: ignore[arg-type]
        )


def test_bad_parameters() -> None:
    stock = pd.DataFrame({"location": ["A"], "product": "P", "on_hand": [3]})
    demand = pd.DataFrame(
        {"product": "P", "location": ["A", "B"], "mean": 1.0, "family": "poisson"}
    )
    econ = pd.DataFrame({"location": ["A", "B"], "unit_margin": 1.0, "overage_cost": 1.0})
    lanes = pd.DataFrame({"origin": ["A"], "destination": ["B"], "cost_per_unit": 1.0})
    with pytest.raises(oc.InvalidParameterError, match="'horizon'"):
        rebalance(stock, demand, economics=econ, lanes=lanes, horizon=-1)
    with pytest.raises(oc.InvalidParameterError, match="'time_limit'"):
        rebalance(stock, demand, economics=econ, lanes=lanes, time_limit=0)
    with pytest.raises(oc.SchemaError, match="lanes must be a pandas DataFrame"):
        rebalance(stock, demand, economics=econ, lanes=[("A", "B")])  # type: ignore[arg-type]


def test_inputs_are_not_mutated_and_plot() -> None:
    stock = pd.DataFrame({"location": ["A", "B"], "product": "P", "on_hand": [12, 1]})
    demand = pd.DataFrame(
        {"product": "P", "location": ["A", "B"], "mean": [3.0, 8.0], "family": "poisson"}
    )
    econ = pd.DataFrame({"location": ["A", "B"], "unit_margin": 5.0, "overage_cost": 1.0})
    lanes = pd.DataFrame({"origin": ["A"], "destination": ["B"], "cost_per_unit": 0.5})
    copies = [f.copy() for f in (stock, demand, econ, lanes)]
    res = rebalance(stock, demand, economics=econ, lanes=lanes)
    for before, after in zip(copies, (stock, demand, econ, lanes), strict=True):
        pd.testing.assert_frame_equal(before, after)
    frame = res.to_frame()
    frame.loc[0, "quantity"] = 99
    assert res.to_frame().loc[0, "quantity"] != 99
    assert "<b>Rebalance(" in res._repr_html_()
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    ax = res.plot()
    assert ax.get_title().startswith("Rebalance")
