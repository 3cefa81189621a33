"""Review fixes: simulate_policy node order with categorical ids, empty frames; demand edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omnichannel as oc

# ------------------------------------------------------------------------------------------
# simulate_policy: node order does not depend on the id dtype


def _long(demand: np.ndarray, products: list[str], locations: list[str]) -> pd.DataFrame:
    """Long frame of ``demand`` (paths, periods, products * locations), nodes product-major."""
    n_paths, n_periods, _ = demand.shape
    p, t, k = np.meshgrid(
        np.arange(n_paths), np.arange(n_periods), np.arange(demand.shape[2]), indexing="ij"
    )
    nl = len(locations)
    return pd.DataFrame(
        {
            "path": p.ravel(),
            "period": t.ravel(),
            "product": np.asarray(products, dtype=object)[k.ravel() // nl],
            "location": np.asarray(locations, dtype=object)[k.ravel() % nl],
            "quantity": demand.ravel(),
        }
    )


def test_categorical_location_follows_sorted_node_order() -> None:
    """BaseStockPolicy(level=[3, 12]) applies 3 to node A, whatever the category order."""
    rng = np.random.default_rng(0)
    demand = rng.poisson([2.0, 9.0], size=(200, 20, 2))
    frame = _long(demand, ["P"], ["A", "B"]).drop(columns="product")
    policy = oc.BaseStockPolicy(level=[3.0, 12.0])
    by_string = oc.simulate_policy(policy, frame).to_frame()
    by_array = oc.simulate_policy(policy, demand).to_frame()
    cat = frame.astype({"location": pd.CategoricalDtype(["B", "A"])})
    by_cat = oc.simulate_policy(policy, cat).to_frame()
    assert by_cat["location"].tolist() == by_string["location"].tolist()
    assert by_cat["location"].iloc[0] == "A"
    np.testing.assert_array_equal(by_cat["value"], by_string["value"])
    np.testing.assert_array_equal(by_cat["value"], by_array["value"])


@settings(max_examples=25, deadline=None)
@given(
    product_order=st.permutations(["P1", "P2"]),
    location_order=st.permutations(["S1", "S2", "S3", "WEB"]),
    extra_category=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_results_do_not_depend_on_category_order_or_row_order(
    product_order: list[str], location_order: list[str], extra_category: bool, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    products, locations = ["P1", "P2"], ["S1", "S2", "S3", "WEB"]
    demand = rng.poisson(rng.uniform(0.5, 6.0, size=8), size=(12, 9, 8))
    frame = _long(demand, products, locations)
    n = 8
    policy = oc.StaticPolicy(stock=rng.integers(0, 20, size=n).astype(float))
    move = oc.Transshipment(every=3, weights=rng.uniform(0.1, 1.0, size=n), cost_per_unit=0.2)
    options = {
        "transshipment": move,
        "holding_cost": rng.uniform(0.1, 1.0, size=n),
        "stockout_cost": rng.uniform(1.0, 5.0, size=n),
    }
    base = oc.simulate_policy(policy, frame, **options)
    extra = ["ZZ"] if extra_category else []
    cat = frame.astype(
        {
            "product": pd.CategoricalDtype([*product_order, *extra]),
            "location": pd.CategoricalDtype([*location_order, *extra]),
        }
    ).sample(frac=1.0, random_state=seed)
    other = oc.simulate_policy(policy, cat, **options)
    left, right = base.to_frame(), other.to_frame()
    for col in ("product", "location", "metric"):
        assert left[col].tolist() == right[col].tolist()
    np.testing.assert_allclose(right["value"], left["value"], rtol=0, atol=1e-12)
    assert other.by_node()[["product", "location"]].to_numpy().tolist() == [
        [p, loc] for p in products for loc in locations
    ]


def test_series_parameters_keyed_by_categorical_labels() -> None:
    rng = np.random.default_rng(3)
    demand = rng.poisson([2.0, 9.0], size=(100, 10, 2))
    frame = _long(demand, ["P"], ["A", "B"]).drop(columns="product")
    cat = frame.astype({"location": pd.CategoricalDtype(["B", "A"])})
    level = pd.Series([12.0, 3.0], index=pd.CategoricalIndex(["B", "A"], categories=["B", "A"]))
    got = oc.simulate_policy(oc.BaseStockPolicy(level=level), cat).to_frame()
    want = oc.simulate_policy(oc.BaseStockPolicy(level=[3.0, 12.0]), frame).to_frame()
    np.testing.assert_array_equal(got["value"], want["value"])


def test_categorical_periods_are_taken_in_sorted_order() -> None:
    rng = np.random.default_rng(5)
    demand = rng.poisson(4.0, size=(50, 6, 1))
    frame = _long(demand, ["P"], ["A"]).drop(columns="product")
    frame["period"] = frame["period"].map(lambda t: f"w{t:02d}")
    shuffled = frame.astype(
        {"period": pd.CategoricalDtype([f"w{t:02d}" for t in (5, 3, 1, 0, 4, 2)])}
    )
    policy = oc.SSPolicy(s=2, S=9, lead_time=1)
    a = oc.simulate_policy(policy, frame, keep_paths=True)
    b = oc.simulate_policy(policy, shuffled, keep_paths=True)
    np.testing.assert_array_equal(a.to_frame()["value"], b.to_frame()["value"])
    pd.testing.assert_frame_equal(a.paths(), b.paths())


def test_empty_demand_frame_is_a_schema_error() -> None:
    paths = pd.DataFrame(
        {
            "path": pd.Series([], dtype="int64"),
            "period": pd.Series([], dtype="int64"),
            "location": pd.Series([], dtype=object),
            "quantity": pd.Series([], dtype="float64"),
        }
    )
    with pytest.raises(oc.SchemaError, match="demand_paths has no rows"):
        oc.simulate_policy(oc.BaseStockPolicy(level=5.0), paths)


# ------------------------------------------------------------------------------------------
# Demand distributions and the newsvendor: no negative stock, zero demand, no coercion


def test_normal_demand_with_a_negative_mean_is_refused() -> None:
    with pytest.raises(oc.InvalidParameterError, match=r"mean >= 0 .*got -10.0 at item 0.*clip"):
        oc.NormalDemand(mean=[-10.0, 5.0], std=[1.0, 2.0])


def test_newsvendor_never_stocks_below_zero() -> None:
    # Mean 0.5, std 3 and a low critical ratio: the normal quantile is about -1.5.
    demand = oc.NormalDemand(mean=[0.5, 0.0], std=[3.0, 1.0])
    res = oc.newsvendor(demand, unit_margin=1.0, overage_cost=3.0)
    assert float(demand.ppf(0.25)[0]) < 0
    np.testing.assert_array_equal(res.quantity, [0.0, 0.0])
    # 0 is the best stock >= 0: the expected cost only grows above it.
    grid = np.linspace(0.0, 5.0, 51)
    for item in range(2):
        cost = [
            float(3.0 * demand.expected_leftover(q)[item] + 1.0 * demand.expected_shortage(q)[item])
            for q in grid
        ]
        assert res.expected_cost[item] == pytest.approx(cost[0])
        assert min(cost) >= cost[0] - 1e-12


def test_service_levels_refuse_negative_stock() -> None:
    with pytest.raises(oc.InvalidParameterError, match=r"'stock'.*>= 0.*got -1.0 at item 0"):
        oc.service_levels(oc.PoissonDemand([4.0, 8.0]), stock=[-1, 3])


def test_zero_mean_poisson_is_an_item_without_demand() -> None:
    demand = oc.PoissonDemand([0.0, 8.0])
    levels = oc.service_levels(demand, stock=[0, 3])
    assert levels.loc[0, ["expected_sales", "expected_shortage", "expected_leftover"]].eq(0).all()
    assert levels.loc[0, "fill_rate"] == 1.0
    assert levels.loc[0, "cycle_service_level"] == 1.0
    res = oc.newsvendor(demand, unit_margin=2.0, overage_cost=1.0)
    assert res.quantity[0] == 0.0
    assert res.expected_cost[0] == 0.0
    # The other item is solved as if alone.
    alone = oc.newsvendor(oc.PoissonDemand(8.0), unit_margin=2.0, overage_cost=1.0)
    assert res.quantity[1] == alone.quantity[0]
    for service in ("cycle_service_level", "fill_rate"):
        base = oc.base_stock_level(demand, target=0.95, service=service, lead_time=2)
        assert base.level[0] == 0.0
        assert base.fill_rate[0] == 1.0
    ss = oc.s_S_policy(demand, holding_cost=1, stockout_cost=9, fixed_cost=64, lead_time=1)
    assert (ss.s[0], ss.S[0], ss.expected_cost[0]) == (-1.0, 0.0, 0.0)
    assert np.isfinite(ss.expected_cost).all()
    rq = oc.r_Q_policy(demand, lead_time=2, holding_cost=1, stockout_cost=9, fixed_cost=5)
    assert rq.expected_cost[0] == 0.0
    # simulating the (s, S) policy on all-zero demand costs nothing either
    sim = oc.simulate_policy(
        oc.SSPolicy(s=ss.s[0], S=ss.S[0], lead_time=1),
        np.zeros((5, 20)),
        unmet_demand="backorder",
        holding_cost=1,
        stockout_cost=9,
        fixed_cost=64,
    )
    assert sim.summary().set_index("metric").loc["total_cost", "value"] == 0.0


def test_negative_binomial_zero_mean_points_to_poisson() -> None:
    with pytest.raises(oc.InvalidParameterError, match=r"PoissonDemand\(0\)"):
        oc.NegativeBinomialDemand(mean=0.0, variance=1.0)


@pytest.mark.parametrize(
    "build",
    [
        lambda: oc.PoissonDemand("5"),
        lambda: oc.PoissonDemand(["5", "6"]),
        lambda: oc.PoissonDemand(np.array([4.0, "6"], dtype=object)),
        lambda: oc.NormalDemand(mean=b"10", std=1.0),
        lambda: oc.NormalDemand(mean=10.0, std="1"),
        lambda: oc.SampleDemand(["1", "2", "3"]),
        lambda: oc.DiscreteDemand(["0", "1"], [0.5, 0.5]),
    ],
)
def test_text_is_never_coerced_to_numbers(build: object) -> None:
    with pytest.raises(oc.InvalidParameterError, match="must be a number or an array of numbers"):
        build()  # type: ignore[operator]


def test_numeric_object_arrays_are_still_accepted() -> None:
    demand = oc.PoissonDemand(np.array([4, 6.5], dtype=object))
    np.testing.assert_array_equal(demand.mean(), [4.0, 6.5])
