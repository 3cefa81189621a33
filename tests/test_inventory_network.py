"""allocate_inventory with several DCs, lane costs and shared location capacity.

Exactness against an independent MILP (units as binaries, values from ``scipy.stats``), a textbook
transportation problem, the reduction to the single-DC greedy, invariants, prices and errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

import omnichannel as oc
from omnichannel._inventory import _allocation_flow

# ---------------------------------------------------------------------------------------------
# Instances and an independent reference


def _instance(
    seed: int,
    *,
    n_src: int = 3,
    n_sku: int = 2,
    n_loc: int = 4,
    capacity: bool = False,
    pack: int = 1,
    round_lanes: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    locs = [f"L{i}" for i in range(n_loc)]
    prods = [f"P{j}" for j in range(n_sku)]
    srcs = [f"DC{s}" for s in range(n_src)]
    family = rng.choice(["poisson", "negbin"])
    demand = pd.DataFrame(
        {
            "product": np.repeat(prods, n_loc),
            "location": locs * n_sku,
            "mean": rng.uniform(0.0, 9.0, n_sku * n_loc),
            "family": family,
        }
    )
    demand["variance"] = demand["mean"] * rng.uniform(1.2, 3.0) + 0.3
    supply = pd.DataFrame(
        [(s, p, int(rng.integers(0, 16))) for s in srcs for p in prods],
        columns=["source", "product", "quantity"],
    )
    supply["reserve"] = np.minimum(rng.integers(0, 3, len(supply)), supply["quantity"])
    cost = rng.uniform(0.0, 1.5, n_src * n_loc)
    lanes = pd.DataFrame(
        {
            "source": np.repeat(srcs, n_loc),
            "location": locs * n_src,
            "cost_per_unit": np.round(cost, 1) if round_lanes else cost,
        }
    )
    economics = pd.DataFrame(
        {
            "location": locs,
            "unit_margin": rng.uniform(1.0, 8.0, n_loc),
            "overage_cost": rng.uniform(0.0, 3.0, n_loc),
            "shortage_penalty": rng.uniform(0.0, 1.0, n_loc),
            "shipping_cost": rng.uniform(0.0, 0.5, n_loc),
        }
    )
    constraints = pd.DataFrame(
        {
            "location": locs,
            "min_quantity": rng.integers(0, 2, n_loc) * pack,
            "max_quantity": (rng.integers(4, 14, n_loc) * pack).astype(float),
            "pack_size": pack,
        }
    )
    # Enough supply at the first DC for every product's minimums.
    minimums = int(constraints["min_quantity"].sum())
    first = supply["source"] == srcs[0]
    supply.loc[first, "quantity"] = np.maximum(
        supply.loc[first, "quantity"], minimums + supply.loc[first, "reserve"]
    )
    if capacity:
        constraints["max_units_total"] = np.where(
            rng.random(n_loc) < 0.7, rng.integers(2 * n_sku, 18, n_loc), np.nan
        )
    return supply, demand, economics, constraints, lanes


def _dist(row: pd.Series) -> stats.rv_discrete:
    if row["family"] == "poisson":
        return stats.poisson(row["mean"])
    r = row["mean"] ** 2 / (row["variance"] - row["mean"])
    return stats.nbinom(r, row["mean"] / row["variance"])


def _reference(
    supply: pd.DataFrame,
    demand: pd.DataFrame,
    economics: pd.DataFrame,
    constraints: pd.DataFrame,
    lanes: pd.DataFrame,
) -> float:
    """Best expected profit by one MILP: a binary per (node, unit), integer packs per (DC, node).

    Written from the model's definition, independently of the library: the u-th unit at a node
    is worth (margin + penalty + overage) * P(D >= u) - overage - shipping, and the penalty on
    the whole expected demand is a constant.
    """
    econ = economics.set_index("location")
    cons = constraints.set_index("location")
    lane = lanes.set_index(["source", "location"])["cost_per_unit"]
    spare = (supply["quantity"] - supply.get("reserve", 0)).to_numpy()
    sources = supply["source"].to_numpy()
    products = supply["product"].to_numpy()
    c: list[float] = []
    rows: list[tuple[int, int, float]] = []  # (row, column, coefficient)
    lower: list[float] = []
    upper: list[float] = []
    integral_bounds: list[tuple[float, float]] = []
    constant = 0.0

    def row(lo: float, hi: float) -> int:
        lower.append(lo)
        upper.append(hi)
        return len(lower) - 1

    def column(cost: float, lo: float, hi: float) -> int:
        c.append(cost)
        integral_bounds.append((lo, hi))
        return len(c) - 1

    supply_row = [row(-np.inf, float(v)) for v in spare]
    cap_rows: dict[str, int] = {}
    if "max_units_total" in cons.columns:
        for loc, cap in cons["max_units_total"].dropna().items():
            cap_rows[str(loc)] = row(-np.inf, float(cap))
    for _, node in demand.iterrows():
        loc = node["location"]
        e = econ.loc[loc]
        margin, over = e["unit_margin"], e["overage_cost"]
        pen, ship = e.get("shortage_penalty", 0.0), e.get("shipping_cost", 0.0)
        pack = int(cons.loc[loc, "pack_size"])
        low = int(np.ceil(cons.loc[loc, "min_quantity"] / pack) * pack)
        high = int(np.floor(cons.loc[loc, "max_quantity"] / pack) * pack)
        dist = _dist(node)
        constant -= pen * node["mean"]
        units = np.arange(1, high + 1)
        value = (margin + pen + over) * dist.sf(units - 1) - over - ship
        balance = row(0.0, 0.0)  # sum of DC units - sum of unit binaries = 0
        minimum = row(float(low), np.inf)
        for v in value:
            y = column(-float(v), 0.0, 1.0)
            rows.append((balance, y, -1.0))
            rows.append((minimum, y, 1.0))
            if loc in cap_rows:
                rows.append((cap_rows[loc], y, 1.0))
        for i in np.flatnonzero(products == node["product"]):
            if spare[i] <= 0:
                continue
            n = column(float(lane[sources[i], loc]) * pack, 0.0, float(high // pack))
            rows.append((balance, n, float(pack)))
            rows.append((supply_row[i], n, float(pack)))
    r, col, val = zip(*rows, strict=True)
    matrix = sp.csr_matrix((val, (r, col)), shape=(len(lower), len(c)))
    lo_b, hi_b = zip(*integral_bounds, strict=True)
    res = optimize.milp(
        c=np.array(c),
        integrality=np.ones(len(c)),
        bounds=optimize.Bounds(np.array(lo_b), np.array(hi_b)),
        constraints=optimize.LinearConstraint(matrix, np.array(lower), np.array(upper)),
        options={"mip_rel_gap": 0.0},
    )
    assert res.status == 0, res.message
    return float(-res.fun + constant)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


# ---------------------------------------------------------------------------------------------
# Exactness


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 100_000),
    n_src=st.integers(1, 4),
    capacity=st.booleans(),
    round_lanes=st.booleans(),
)
def test_greedy_and_lp_match_an_independent_milp(
    seed: int, n_src: int, capacity: bool, round_lanes: bool
) -> None:
    inst = _instance(seed, n_src=n_src, capacity=capacity, round_lanes=round_lanes)
    supply, demand, economics, constraints, lanes = inst
    before = [f.copy() for f in inst]
    kwargs = {"economics": economics, "constraints": constraints, "lanes": lanes}
    best = _reference(*inst)
    for method in ("greedy", "lp"):
        res = oc.allocate_inventory(supply, demand, method=method, **kwargs)  # type: ignore[arg-type]
        assert _close(res.expected_profit, best), (method, res.expected_profit, best)
        _check_feasible(res, *inst)
    for f, g in zip(inst, before, strict=True):
        pd.testing.assert_frame_equal(f, g)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 100_000), capacity=st.booleans())
def test_packs_match_the_reference(seed: int, capacity: bool) -> None:
    supply, demand, economics, constraints, lanes = _instance(seed, n_src=2, pack=2)
    if capacity:
        # Packs under a shared capacity are a knapsack: only the MILP is exact.
        constraints["max_units_total"] = 12.0
        with pytest.raises(oc.InvalidParameterError, match="pack size 2 at a location"):
            oc.allocate_inventory(
                supply,
                demand,
                economics=economics,
                constraints=constraints,
                lanes=lanes,
                method="greedy",
            )
    res = oc.allocate_inventory(
        supply, demand, economics=economics, constraints=constraints, lanes=lanes
    )
    assert res.solver == ("milp" if capacity else "greedy")
    best = _reference(supply, demand, economics, constraints, lanes)
    assert _close(res.expected_profit, best)
    frame = res.to_frame()
    assert (frame["quantity"] % 2 == 0).all()


def _check_feasible(
    res: oc.Allocation,
    supply: pd.DataFrame,
    demand: pd.DataFrame,
    economics: pd.DataFrame,
    constraints: pd.DataFrame,
    lanes: pd.DataFrame,
) -> None:
    frame = res.to_frame()
    assert list(frame.columns) == [
        "product",
        "location",
        "source",
        "quantity",
        "expected_sales",
        "expected_leftover",
        "fill_rate",
        "expected_profit",
    ]
    assert frame["expected_profit"].sum() == pytest.approx(res.expected_profit)
    # Per DC: never more than its supply net of reserve.
    shipped = frame.dropna(subset=["source"]).groupby(["source", "product"])["quantity"].sum()
    spare = supply.set_index(["source", "product"]).eval("quantity - reserve")
    assert (shipped <= spare.reindex(shipped.index)).all()
    by_source = res.by_source().set_index(["source", "product"])
    pd.testing.assert_series_equal(
        by_source["shipped"].reindex(shipped.index), shipped, check_names=False
    )
    # Per node: the bounds; node rows of to_frame add up to the node quantity.
    node = frame.groupby(["product", "location"])["quantity"].sum()
    cons = constraints.set_index("location")
    loc = node.index.get_level_values("location")
    assert (node.to_numpy() >= cons.loc[loc, "min_quantity"].to_numpy()).all()
    assert (node.to_numpy() <= cons.loc[loc, "max_quantity"].to_numpy()).all()
    if "max_units_total" in cons.columns:
        per_loc = node.groupby(level="location").sum()
        cap = cons["max_units_total"].reindex(per_loc.index)
        assert ((per_loc <= cap) | cap.isna()).all()
    assert frame.groupby(["product", "location"])["fill_rate"].nunique().eq(1).all()


def test_textbook_transportation_problem() -> None:
    # SunRay Transport (Taha, Operations Research: An Introduction, transportation model
    # chapter): 3 plants (15, 25, 10 cars), 4 centres (demand 5, 15, 15, 15), optimal cost 435.
    # Deterministic demand (one sample path) and a large margin turn allocation into it.
    cost = np.array([[10, 2, 20, 11], [12, 7, 9, 20], [4, 14, 16, 18]], dtype=float)
    locs = ["c1", "c2", "c3", "c4"]
    demand = pd.DataFrame(
        {"product": "car", "location": locs, "sample": 0, "quantity": [5.0, 15.0, 15.0, 15.0]}
    )
    supply = pd.DataFrame(
        {"source": ["p1", "p2", "p3"], "product": "car", "quantity": [15, 25, 10]}
    )
    lanes = pd.DataFrame(
        {
            "source": np.repeat(["p1", "p2", "p3"], 4),
            "location": locs * 3,
            "cost_per_unit": cost.ravel(),
        }
    )
    economics = pd.DataFrame({"location": locs, "unit_margin": 100.0, "overage_cost": 0.0})
    for method in ("greedy", "lp", "milp"):
        res = oc.allocate_inventory(
            supply,
            demand,
            economics=economics,
            lanes=lanes,
            method=method,  # type: ignore[arg-type]
        )
        assert 100.0 * 50 - res.expected_profit == pytest.approx(435.0)
        assert res.to_frame()["quantity"].sum() == 50


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 100_000))
def test_single_sourced_products_reduce_to_the_single_dc_greedy(seed: int) -> None:
    """Known truth: with each product in one DC, lanes are just per-node shipping costs."""
    supply, demand, economics, constraints, lanes = _instance(seed, n_src=3, n_sku=3)
    home = supply.groupby("product")["quantity"].idxmax()
    single = supply.loc[home].reset_index(drop=True)
    # One DC alone may not cover the node minimums that several DCs did: no allocation then.
    assume(
        bool((single["quantity"] - single["reserve"] >= constraints["min_quantity"].sum()).all())
    )
    res = oc.allocate_inventory(
        single, demand, economics=economics, constraints=constraints, lanes=lanes
    )
    lane = lanes.set_index(["source", "location"])["cost_per_unit"]
    per_node = demand[["product", "location"]].merge(single[["product", "source"]], on="product")
    per_node = per_node.merge(economics, on="location")
    per_node["shipping_cost"] += lane.loc[
        list(zip(per_node["source"], per_node["location"], strict=True))
    ].to_numpy()
    pooled = single.drop(columns="source")
    plain = oc.allocate_inventory(
        pooled,
        demand,
        economics=per_node.drop(columns="source"),
        constraints=constraints,
        method="greedy",
    )
    assert _close(res.expected_profit, plain.expected_profit)
    node = res.to_frame().groupby(["product", "location"], sort=True)["quantity"].sum()
    np.testing.assert_array_equal(node.to_numpy(), plain.to_frame()["quantity"].to_numpy())
    # The shadow price per unit agrees with the single-DC greedy's, also where every unit of the
    # DC is reserved (the value of a first unit).
    pairs = list(zip(single["product"], single["source"], strict=True))
    got = res.by_source().set_index(["product", "source"]).loc[pairs, "shadow_price"]
    want = plain.summary().set_index("product").loc[single["product"], "shadow_price"]
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), atol=1e-9)


# ---------------------------------------------------------------------------------------------
# Prices


@pytest.mark.parametrize("seed", range(4))
def test_shadow_and_capacity_prices_are_what_one_more_unit_adds(seed: int) -> None:
    supply, demand, economics, constraints, lanes = _instance(seed, n_src=2, capacity=True)
    kwargs = {"economics": economics, "lanes": lanes}
    res = oc.allocate_inventory(supply, demand, constraints=constraints, **kwargs)  # type: ignore[arg-type]
    base = res.expected_profit
    prices = res.by_source().set_index(["source", "product"])["shadow_price"]
    for i, row in supply.iterrows():
        more = supply.copy()
        more.loc[i, "quantity"] += 1
        gain = oc.allocate_inventory(
            more, demand, constraints=constraints, **kwargs
        ).expected_profit  # type: ignore[arg-type]
        # Every DC has lanes, so every DC has a price, also one with nothing to ship.
        price = prices[row["source"], row["product"]]
        assert gain - base == pytest.approx(price, abs=1e-8)
    cap = res.by_location().dropna(subset=["max_units_total"])
    for loc, price in zip(cap["location"], cap["capacity_price"], strict=True):
        more = constraints.copy()
        more.loc[more["location"] == loc, "max_units_total"] += 1
        gain = oc.allocate_inventory(supply, demand, constraints=more, **kwargs).expected_profit  # type: ignore[arg-type]
        assert gain - base == pytest.approx(price, abs=1e-8)


def test_a_dc_with_every_unit_reserved_prices_its_first_unit() -> None:
    demand = pd.DataFrame(
        {"product": "P1", "location": ["S1", "S2"], "mean": 30.0, "family": "poisson"}
    )
    economics = pd.DataFrame({"location": ["S1", "S2"], "unit_margin": 5.0, "overage_cost": 1.0})
    supply = pd.DataFrame(
        {"source": ["north", "south"], "product": "P1", "quantity": [6, 20], "reserve": [6, 0]}
    )
    lanes = pd.DataFrame(
        {
            "source": ["north", "north", "south", "south"],
            "location": ["S1", "S2"] * 2,
            "cost_per_unit": [0.1, 0.2, 0.6, 0.3],
        }
    )
    res = oc.allocate_inventory(supply, demand, economics=economics, lanes=lanes)
    prices = res.by_source().set_index("source")["shadow_price"]
    assert res.by_source().set_index("source").loc["north", "shipped"] == 0
    for source in ("north", "south"):
        more = supply.assign(quantity=supply["quantity"] + (supply["source"] == source))
        gain = oc.allocate_inventory(more, demand, economics=economics, lanes=lanes)
        assert gain.expected_profit - res.expected_profit == pytest.approx(prices[source], abs=1e-9)
    # Demand far exceeds supply, so a unit at the north is worth more than one at the south:
    # it reaches S1 on the cheapest lane.
    assert prices["north"] > prices["south"] > 0
    assert res.summary().loc[0, "shadow_price"] == pytest.approx(prices["north"])


def test_a_split_node_and_its_prices_by_hand() -> None:
    demand = pd.DataFrame(
        {
            "product": "P1",
            "location": ["S1", "S2", "online"],
            "mean": [10.0, 5.0, 12.0],
            "family": "poisson",
        }
    )
    economics = pd.DataFrame(
        {"location": ["S1", "S2", "online"], "unit_margin": [4.0, 4.0, 3.0], "overage_cost": 1.0}
    )
    supply = pd.DataFrame({"source": ["north", "south"], "product": "P1", "quantity": [10, 30]})
    lanes = pd.DataFrame(
        {
            "source": ["north"] * 3 + ["south"] * 3,
            "location": ["S1", "S2", "online"] * 2,
            "cost_per_unit": [0.1, 0.4, 0.3, 0.5, 0.1, 0.2],
        }
    )
    res = oc.allocate_inventory(supply, demand, economics=economics, lanes=lanes)
    frame = res.to_frame()
    # North is cheaper to S1 and runs out there; S1's remaining units come from the south.
    s1 = frame[frame["location"] == "S1"].set_index("source")["quantity"]
    assert s1["north"] == 10
    assert s1["south"] > 0
    prices = res.by_source().set_index("source")["shadow_price"]
    # One more unit at the north replaces a southern unit at S1: the lane difference.
    assert prices["north"] == pytest.approx(0.5 - 0.1)
    assert prices["south"] == 0.0  # the south keeps stock back
    assert "from 2 DCs" in repr(res)
    summary = res.summary()
    assert summary.loc[0, "shadow_price"] == pytest.approx(0.4)
    assert summary.loc[0, "at_dc"] == res.by_source()["at_dc"].sum()


# ---------------------------------------------------------------------------------------------
# Baselines, fallback, result


def test_baselines_ship_from_the_cheapest_dcs() -> None:
    supply, demand, economics, constraints, lanes = _instance(7, n_src=3, n_sku=3)
    kwargs = {"economics": economics, "constraints": constraints, "lanes": lanes}
    best = oc.allocate_inventory(supply, demand, **kwargs)  # type: ignore[arg-type]
    for method in ("fair_share", "days_of_supply"):
        res = oc.allocate_inventory(supply, demand, method=method, **kwargs)  # type: ignore[arg-type]
        assert res.optimality_gap >= -1e-12
        assert res.expected_profit <= best.expected_profit + 1e-9
        _check_feasible(res, supply, demand, economics, constraints, lanes)
        assert res.by_source()["shadow_price"].isna().all()
    capped = constraints.assign(max_units_total=10.0)
    with pytest.raises(oc.InvalidParameterError, match="ignores the economics"):
        oc.allocate_inventory(
            supply,
            demand,
            economics=economics,
            constraints=capped,
            lanes=lanes,
            method="fair_share",
        )


@pytest.mark.parametrize("capacity", [False, True])
def test_a_failed_certificate_falls_back_to_the_lp(
    capacity: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    inst = _instance(3, n_src=3, n_sku=3, capacity=capacity)
    supply, demand, economics, constraints, lanes = inst
    best = _reference(*inst)

    def stalled(pk: _allocation_flow.Packs, items: object, tol: float) -> object:
        # Prices that are far from optimal: no allocation is in slackness with them.
        return np.full((pk.n_sku, pk.n_src), 1e-3), np.zeros(pk.n_loc), False

    monkeypatch.setattr(_allocation_flow, "_descend", stalled)
    res = oc.allocate_inventory(
        supply, demand, economics=economics, constraints=constraints, lanes=lanes
    )
    # Without capacity only the failing SKUs go to the LP; capacity couples them all.
    assert res.solver == ("lp" if capacity else "greedy")
    assert res.method == res.solver
    assert "gap" not in repr(res)
    assert _close(res.expected_profit, best)


def test_one_named_dc_without_lanes_and_lp_without_dcs() -> None:
    supply, demand, economics, constraints, _ = _instance(11, n_src=1)
    res = oc.allocate_inventory(supply, demand, economics=economics, constraints=constraints)
    assert res.to_frame()["source"].dropna().unique().tolist() == ["DC0"]
    plain = oc.allocate_inventory(
        supply.drop(columns="source"), demand, economics=economics, constraints=constraints
    )
    assert _close(res.expected_profit, plain.expected_profit)
    lp = oc.allocate_inventory(
        supply.drop(columns="source"),
        demand,
        economics=economics,
        constraints=constraints,
        method="lp",
    )
    assert lp.solver == "lp"
    assert "source" not in lp.to_frame().columns
    assert _close(lp.expected_profit, plain.expected_profit)
    np.testing.assert_allclose(
        lp.summary()["shadow_price"], plain.summary()["shadow_price"], atol=1e-9
    )
    with pytest.raises(oc.InvalidParameterError, match="by_source"):
        lp.by_source()


def test_nodes_without_supply_get_a_row_without_source() -> None:
    supply, demand, economics, constraints, lanes = _instance(5, n_src=2)
    supply.loc[supply["product"] == "P1", "quantity"] = 0
    supply["reserve"] = 0
    constraints["min_quantity"] = 0
    res = oc.allocate_inventory(
        supply, demand, economics=economics, constraints=constraints, lanes=lanes
    )
    frame = res.to_frame()
    empty = frame[frame["product"] == "P1"]
    assert empty["source"].isna().all()
    assert (empty["quantity"] == 0).all()
    # A DC without the product still prices its first unit: what that unit would earn.
    prices = res.by_source().set_index(["product", "source"])["shadow_price"]
    for source in ("DC0", "DC1"):
        more = supply.copy()
        more.loc[(more["product"] == "P1") & (more["source"] == source), "quantity"] = 1
        gain = oc.allocate_inventory(
            more, demand, economics=economics, constraints=constraints, lanes=lanes
        ).expected_profit
        assert prices["P1", source] > 0
        assert gain - res.expected_profit == pytest.approx(prices["P1", source], abs=1e-8)


# ---------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    ("change", "exc", "match"),
    [
        ("no_lanes", oc.InvalidParameterError, r"needs lane costs.*\['DC0', 'DC1'\]"),
        (
            "missing_lane",
            oc.SchemaError,
            r"lanes has no cost .*source='DC1' to product='P0', location='L2'",
        ),
        (
            "negative_lane",
            oc.SchemaError,
            r"lanes\['cost_per_unit'\] is negative in 1 row.*source='DC0'.*location='L1'",
        ),
        ("duplicate_lane", oc.SchemaError, r"lanes repeats a \(source, location\) pair"),
        ("duplicate_supply", oc.SchemaError, r"repeats a \(source, product\) pair.*source='DC0'"),
        ("lanes_without_source", oc.SchemaError, r"supply needs a 'source' column"),
        (
            "capacity_below_minimums",
            oc.SchemaError,
            r"minimums at location 'L0' sum to 4 units, above its max_units_total of 3.*P0=2",
        ),
        (
            "capacity_conflict",
            oc.SchemaError,
            r"max_units_total'\] differs between rows of the same location.*location='L0'",
        ),
        (
            "infeasible_minimums",
            oc.SchemaError,
            r"minimums of product 'P0' sum to 8 units, above its supply of 2",
        ),
        (
            "minimums_in_packs",
            oc.SchemaError,
            r"product 'P0' need 3 packs of 2 units, but its DCs hold only 2 whole packs.*DC0=3",
        ),
    ],
)
def test_bad_input_is_named(change: str, exc: type[Exception], match: str) -> None:
    supply, demand, economics, constraints, lanes = _instance(1, n_src=2)
    supply["quantity"] = 5
    supply["reserve"] = 0
    constraints["min_quantity"] = 0
    if change == "no_lanes":
        lanes = None  # type: ignore[assignment]
    elif change == "missing_lane":
        lanes = lanes[~((lanes["source"] == "DC1") & (lanes["location"] == "L2"))]
    elif change == "negative_lane":
        lanes.loc[1, "cost_per_unit"] = -0.5
    elif change == "duplicate_lane":
        lanes = pd.concat([lanes, lanes.tail(1)], ignore_index=True)
    elif change == "duplicate_supply":
        supply = pd.concat([supply, supply.head(1)], ignore_index=True)
    elif change == "lanes_without_source":
        supply = supply.groupby("product", as_index=False)[["quantity", "reserve"]].sum()
    elif change == "capacity_below_minimums":
        constraints["min_quantity"] = 2
        constraints["max_units_total"] = [3.0, np.nan, np.nan, np.nan]
    elif change == "capacity_conflict":
        per_product = pd.concat(
            [constraints.assign(product=p) for p in ("P0", "P1")], ignore_index=True
        )
        per_product["max_units_total"] = [5.0, 9.0, 9.0, 9.0, 6.0, 9.0, 9.0, 9.0]
        constraints = per_product
    elif change == "infeasible_minimums":
        supply.loc[supply["product"] == "P0", "quantity"] = 1
        constraints["min_quantity"] = 2
    elif change == "minimums_in_packs":
        # 3 + 3 units pool to the 6 the minimums need, but each DC ships one whole pack of 2.
        supply.loc[supply["product"] == "P0", "quantity"] = 3
        constraints["pack_size"] = 2
        constraints["min_quantity"] = [2, 2, 2, 0]
    with pytest.raises(exc, match=match):
        oc.allocate_inventory(
            supply, demand, economics=economics, constraints=constraints, lanes=lanes
        )


def test_per_product_lanes_and_greedy_with_mixed_packs() -> None:
    supply, demand, economics, constraints, lanes = _instance(2, n_src=2)
    per_product = pd.concat(
        [
            lanes.assign(product=p, cost_per_unit=lanes["cost_per_unit"] * f)
            for p, f in (("P0", 1.0), ("P1", 2.0))
        ],
        ignore_index=True,
    )
    res = oc.allocate_inventory(
        supply, demand, economics=economics, constraints=constraints, lanes=per_product
    )
    best = _reference_per_product(supply, demand, economics, constraints, per_product)
    assert _close(res.expected_profit, best)
    missing = per_product.iloc[1:]
    with pytest.raises(oc.SchemaError, match=r"product='P0', location='L0'"):
        oc.allocate_inventory(
            supply, demand, economics=economics, constraints=constraints, lanes=missing
        )
    mixed = constraints.assign(pack_size=[1, 2, 1, 1], min_quantity=0, max_quantity=8.0)
    with pytest.raises(oc.InvalidParameterError, match=r"product 'P0' has pack sizes \[1, 2\]"):
        oc.allocate_inventory(
            supply, demand, economics=economics, constraints=mixed, lanes=lanes, method="lp"
        )
    auto = oc.allocate_inventory(
        supply, demand, economics=economics, constraints=mixed, lanes=lanes
    )
    assert auto.solver == "milp"
    assert auto.by_source()["shadow_price"].isna().all()


def _reference_per_product(
    supply: pd.DataFrame,
    demand: pd.DataFrame,
    economics: pd.DataFrame,
    constraints: pd.DataFrame,
    lanes: pd.DataFrame,
) -> float:
    """The reference, one product at a time (no shared capacity: products are independent)."""
    total = 0.0
    for p in demand["product"].unique():
        total += _reference(
            supply[supply["product"] == p],
            demand[demand["product"] == p],
            economics,
            constraints,
            lanes[lanes["product"] == p].drop(columns="product"),
        )
    return total


def test_lane_ids_of_another_type_than_the_demand_ids_are_named() -> None:
    supply, demand, economics, constraints, lanes = _instance(3, n_src=2)
    numeric = demand.assign(location=demand["location"].str[1:].astype(int))
    with pytest.raises(oc.SchemaError, match=r"lanes\['location'\] holds string ids"):
        oc.allocate_inventory(
            supply,
            numeric,
            economics=economics.assign(location=economics["location"].str[1:].astype(int)),
            constraints=constraints.assign(location=constraints["location"].str[1:].astype(int)),
            lanes=lanes,
        )


@pytest.mark.parametrize("unit", [1e-10, 1e-8, 1e8])
@pytest.mark.parametrize("method", ["greedy", "lp", "milp"])
def test_plans_and_prices_do_not_depend_on_the_money_unit(unit: float, method: str) -> None:
    supply, demand, economics, constraints, lanes = _instance(11, n_src=2, capacity=True)
    money = ["unit_margin", "overage_cost", "shortage_penalty", "shipping_cost"]
    scaled = economics.assign(**{c: economics[c] * unit for c in money})
    kwargs = {"constraints": constraints, "method": method}
    base = oc.allocate_inventory(supply, demand, economics=economics, lanes=lanes, **kwargs)  # type: ignore[arg-type]
    got = oc.allocate_inventory(
        supply,
        demand,
        economics=scaled,
        lanes=lanes.assign(cost_per_unit=lanes["cost_per_unit"] * unit),
        **kwargs,  # type: ignore[arg-type]
    )
    pd.testing.assert_series_equal(got.to_frame()["quantity"], base.to_frame()["quantity"])
    assert got.expected_profit == pytest.approx(base.expected_profit * unit, rel=1e-9)
    np.testing.assert_allclose(
        got.by_source()["shadow_price"] / unit, base.by_source()["shadow_price"], atol=1e-9
    )
