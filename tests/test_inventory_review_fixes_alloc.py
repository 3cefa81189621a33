"""Review fixes for allocate_inventory and rebalance: input checks, row order, scale, copies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import omnichannel as oc

SUPPLY = pd.DataFrame({"product": ["P1"], "quantity": [30]})
DEMAND = pd.DataFrame(
    {"product": "P1", "location": ["S1", "S2"], "mean": [10.0, 5.0], "family": "poisson"}
)
ECON = pd.DataFrame({"location": ["S1", "S2"], "unit_margin": 4.0, "overage_cost": 1.0})
STOCK = pd.DataFrame({"location": ["S1", "S2"], "product": "P1", "on_hand": [12, 1]})
LANES = pd.DataFrame({"origin": ["S1"], "destination": ["S2"], "cost_per_unit": 0.5})


def _allocate(**kw: object) -> oc.Allocation:
    args: dict[str, object] = {"supply": SUPPLY, "demand": DEMAND, "economics": ECON}
    args.update(kw)
    supply, demand = args.pop("supply"), args.pop("demand")
    return oc.allocate_inventory(supply, demand, **args)  # type: ignore[arg-type]


def _rebalance(**kw: object) -> oc.Rebalance:
    args: dict[str, object] = {
        "stock": STOCK,
        "demand": DEMAND,
        "economics": ECON,
        "lanes": LANES,
    }
    args.update(kw)
    stock, demand = args.pop("stock"), args.pop("demand")
    return oc.rebalance(stock, demand, **args)  # type: ignore[arg-type]


# --- 1. duplicate rows ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (
            lambda: _allocate(
                supply=pd.DataFrame({"product": ["P9", "P1", "P1"], "quantity": [1, 30, 5]})
            ),
            r"supply has 1 duplicate row\(s\) on product; first at index 2 \(product='P1'\)",
        ),
        (
            lambda: _allocate(
                economics=pd.DataFrame(
                    {"location": ["S1", "S2", "S1"], "unit_margin": 4.0, "overage_cost": 1.0}
                )
            ),
            r"economics has 1 duplicate row\(s\) on location; first at index 2 \(location='S1'\)",
        ),
        (
            lambda: _allocate(
                constraints=pd.DataFrame({"location": ["S1", "S1"], "max_quantity": [5, 6]})
            ),
            r"constraints has 1 duplicate row\(s\) on location; first at index 1",
        ),
        (
            lambda: _allocate(
                constraints=pd.DataFrame(
                    {"product": "P1", "location": ["S2", "S2"], "max_quantity": [5, 6]}
                )
            ),
            r"duplicate row\(s\) on \(product, location\); first at index 1 "
            r"\(product='P1', location='S2'\)",
        ),
        (
            lambda: _rebalance(
                economics=pd.DataFrame(
                    {"location": ["S1", "S2", "S1"], "unit_margin": 5.0, "overage_cost": 1.0}
                )
            ),
            r"economics has 1 duplicate row\(s\) on location; first at index 2",
        ),
    ],
    ids=["supply", "economics", "constraints", "constraints_per_product", "rebalance_economics"],
)
def test_duplicate_rows_raise_schema_error(call: object, pattern: str) -> None:
    with pytest.raises(oc.SchemaError, match=pattern):
        call()  # type: ignore[operator]


def test_duplicate_int_ids_print_as_written() -> None:
    demand = DEMAND.assign(location=[1, 2])
    econ = pd.DataFrame(
        {"location": [1, 2, 1], "unit_margin": 4.0, "overage_cost": 1.0}, index=[10, 11, 12]
    )
    with pytest.raises(oc.SchemaError, match=r"first at index 12 \(location=1\)"):
        _allocate(demand=demand, economics=econ)
    unknown = pd.DataFrame({"location": [1, 2, 3], "unit_margin": 4.0, "overage_cost": 1.0})
    with pytest.raises(oc.SchemaError, match=r"\(location=3\)"):
        _allocate(demand=demand, economics=unknown)


# --- 2. empty constraints ------------------------------------------------------------------------


@pytest.mark.parametrize("per_product", [False, True])
def test_empty_constraints_mean_no_constraints(per_product: bool) -> None:
    cols: dict[str, pd.Series] = {
        "location": pd.Series([], dtype=str),
        "min_quantity": pd.Series([], dtype=float),
        "max_quantity": pd.Series([], dtype=float),
        "pack_size": pd.Series([], dtype=float),
        "priority": pd.Series([], dtype=float),
    }
    if per_product:
        cols = {"product": pd.Series([], dtype=str), **cols}
    empty = pd.DataFrame(cols)
    free = _allocate().to_frame()
    for method in ("greedy", "milp", "fair_share"):
        got = _allocate(constraints=empty, method=method).to_frame()
        want = _allocate(method=method).to_frame()
        pd.testing.assert_frame_equal(got, want)
    assert free["quantity"].sum() > 0


def test_empty_constraints_with_lanes_mean_no_constraints() -> None:
    supply = pd.DataFrame({"source": ["N", "S"], "product": "P1", "quantity": [10, 8]})
    lanes = pd.DataFrame(
        [(s, loc, 0.3 if s == "N" else 0.5) for s in ("N", "S") for loc in ("S1", "S2")],
        columns=["source", "location", "cost_per_unit"],
    )
    empty = pd.DataFrame(
        {"location": pd.Series([], dtype=str), "max_units_total": pd.Series([], dtype=float)}
    )
    got = _allocate(supply=supply, lanes=lanes, constraints=empty).to_frame()
    want = _allocate(supply=supply, lanes=lanes).to_frame()
    pd.testing.assert_frame_equal(got, want)


# --- 3. id dtypes --------------------------------------------------------------------------------

INT_DEMAND = DEMAND.assign(product=1001, location=[1, 2])


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (
            lambda: _allocate(
                demand=DEMAND.assign(product=1001), supply=SUPPLY.assign(product="1001")
            ),
            r"supply\['product'\] holds string ids \(dtype (str|object)\) but "
            r"demand\['product'\] holds integer ids \(dtype int64\)",
        ),
        (
            lambda: _allocate(
                demand=DEMAND.assign(location=["1", "2"]), economics=ECON.assign(location=[1, 2])
            ),
            r"economics\['location'\] holds integer ids \(dtype int64\) but "
            r"demand\['location'\] holds string ids",
        ),
        (
            lambda: _allocate(
                demand=DEMAND.assign(location=["1", "2"]),
                economics=ECON.assign(location=["1", "2"]),
                constraints=pd.DataFrame({"location": [1], "max_quantity": [3]}),
            ),
            r"constraints\['location'\] holds integer ids",
        ),
        (
            lambda: _rebalance(
                demand=DEMAND.assign(location=["1", "2"]),
                economics=ECON.assign(location=["1", "2"]),
                stock=STOCK.assign(location=[1, 2]),
            ),
            r"stock\['location'\] holds integer ids",
        ),
        (
            lambda: _rebalance(
                demand=DEMAND.assign(location=["1", "2"]),
                economics=ECON.assign(location=["1", "2"]),
                stock=STOCK.assign(location=["1", "2"]),
                lanes=pd.DataFrame({"origin": [1], "destination": [2], "cost_per_unit": 0.5}),
            ),
            r"lanes\['origin'\] holds integer ids .* demand\['location'\] holds string ids",
        ),
        (
            lambda: _rebalance(
                returns=pd.DataFrame({"product": [7], "location": ["S1"], "quantity": [2]})
            ),
            r"returns\['product'\] holds integer ids",
        ),
    ],
    ids=["supply", "economics", "constraints", "stock", "lanes", "returns"],
)
def test_id_dtype_mismatch_names_frames_and_dtypes(call: object, pattern: str) -> None:
    with pytest.raises(oc.SchemaError, match=pattern):
        call()  # type: ignore[operator]


def test_int_ids_everywhere_match_str_ids() -> None:
    as_str = _allocate().to_frame()
    as_int = _allocate(
        supply=SUPPLY.assign(product=1001),
        demand=INT_DEMAND,
        economics=ECON.assign(location=[1, 2]),
    ).to_frame()
    np.testing.assert_array_equal(as_int["quantity"], as_str["quantity"])
    assert as_int["location"].tolist() == [1, 2]


# --- 4. tie order in rebalance -------------------------------------------------------------------


def _tied_instance() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(2)
    locs = [f"S{i}" for i in range(6)]
    prods = ["P1", "P2", "P3"]
    stock = pd.DataFrame(
        [(loc, p, int(rng.integers(0, 30))) for loc in locs for p in prods],
        columns=["location", "product", "on_hand"],
    )
    demand = pd.DataFrame(
        [(p, loc, float(rng.choice([5.0, 10.0]))) for p in prods for loc in locs],
        columns=["product", "location", "mean"],
    ).assign(family="poisson")
    econ = pd.DataFrame({"location": locs, "unit_margin": 5.0, "overage_cost": 1.0})
    lanes = pd.DataFrame(
        [(a, b, 0.5) for a in locs for b in locs if a != b],
        columns=["origin", "destination", "cost_per_unit"],
    )
    return stock, demand, econ, lanes


@pytest.mark.parametrize("per_product", [False, True])
def test_rebalance_plan_does_not_depend_on_lane_row_order(per_product: bool) -> None:
    stock, demand, econ, lanes = _tied_instance()
    if per_product:
        lanes = pd.concat([lanes.assign(product=p) for p in ("P1", "P2", "P3")], ignore_index=True)
    base = oc.rebalance(stock, demand, economics=econ, lanes=lanes)
    for seed in range(6):
        shuffled = lanes.sample(frac=1.0, random_state=seed)
        res = oc.rebalance(stock, demand, economics=econ, lanes=shuffled)
        pd.testing.assert_frame_equal(res.to_frame(), base.to_frame())
        pd.testing.assert_frame_equal(res.by_node(), base.by_node())
    assert len(base.to_frame()) > 0


# --- 5. frozen results hand out copies -----------------------------------------------------------


def _scribble(frame: pd.DataFrame) -> None:
    """Overwrite every numeric column of ``frame`` in place."""
    for col in frame.select_dtypes("number").columns:
        frame[col] = -12345


def test_allocation_frames_are_copies() -> None:
    supply = pd.DataFrame({"source": ["N", "S"], "product": "P1", "quantity": [10, 8]})
    lanes = pd.DataFrame(
        [(s, loc, 0.3) for s in ("N", "S") for loc in ("S1", "S2")],
        columns=["source", "location", "cost_per_unit"],
    )
    constraints = pd.DataFrame({"location": ["S1"], "max_units_total": [12]})
    network = _allocate(supply=supply, lanes=lanes, constraints=constraints)
    assert network.sources is not None
    assert network.capacity is not None
    for alloc in (_allocate(), network):
        before = (alloc.to_frame(), alloc.summary(), alloc.by_location(), repr(alloc))
        for name in ("nodes", "products", "shipments", "sources", "capacity"):
            frame = getattr(alloc, name)
            if frame is not None:
                _scribble(frame)
        after = (alloc.to_frame(), alloc.summary(), alloc.by_location(), repr(alloc))
        for a, b in zip(before[:3], after[:3], strict=True):
            pd.testing.assert_frame_equal(a, b)
        assert before[3] == after[3]
        pd.testing.assert_frame_equal(alloc.products, before[1])


def test_rebalance_frames_are_copies() -> None:
    res = _rebalance()
    before = (res.to_frame(), res.by_node(), res.summary(), repr(res))
    for name in ("transfers", "nodes", "products"):
        _scribble(getattr(res, name))
    after = (res.to_frame(), res.by_node(), res.summary(), repr(res))
    for a, b in zip(before[:3], after[:3], strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert before[3] == after[3]
    pd.testing.assert_frame_equal(res.transfers, before[0])


# --- 6. quantile column names --------------------------------------------------------------------

QUANTILES = pd.DataFrame(
    {
        "product": "P1",
        "location": ["S1", "S2"],
        "q0.1": [2.0, 1.0],
        "q0.5": [8.0, 4.0],
        "q0.9": [14.0, 9.0],
    }
)


@pytest.mark.parametrize("name", ["q1.5", "q10", "q-0.2", "q1.0", "q0", "q0.0"])
def test_quantile_column_with_level_outside_unit_interval_raises(name: str) -> None:
    with pytest.raises(oc.SchemaError, match=rf"\['{name}'\] whose level is not in \(0, 1\)"):
        _allocate(demand=QUANTILES.assign(**{name: 0.0}))


def test_percent_style_quantile_names_raise_clear_error() -> None:
    pct = QUANTILES.rename(columns={"q0.1": "q10", "q0.5": "q50", "q0.9": "q90"})
    with pytest.raises(oc.SchemaError, match=r"\['q10', 'q50', 'q90'\].*'q0.1'"):
        _allocate(demand=pct)


def test_valid_quantile_names_still_accepted() -> None:
    short = QUANTILES.rename(columns={"q0.5": "q.5", "q0.9": "q0.90"})
    got = _allocate(demand=short).to_frame()
    want = _allocate(demand=QUANTILES).to_frame()
    pd.testing.assert_frame_equal(got, want)


# --- 7. money scale in rebalance -----------------------------------------------------------------


@pytest.mark.parametrize("fixed", [False, True])
def test_rebalance_plan_does_not_depend_on_money_unit(fixed: bool) -> None:
    stock = pd.DataFrame({"location": ["S1", "S2", "S3"], "product": "P1", "on_hand": [30, 2, 6]})
    demand = pd.DataFrame(
        {"product": "P1", "location": ["S1", "S2", "S3"], "mean": [6.0, 14.0, 7.0]}
    ).assign(family="poisson")
    lanes = pd.DataFrame(
        {
            "origin": ["S1", "S1", "S3"],
            "destination": ["S2", "S3", "S2"],
            "cost_per_unit": [0.5, 0.8, 0.4],
        }
    )
    if fixed:  # a fixed cost makes it a MILP
        lanes = lanes.assign(fixed_cost=[3.0, 2.0, 1.0])
    cols = ["product", "origin", "destination", "quantity"]

    def plan(scale: float) -> oc.Rebalance:
        econ = pd.DataFrame(
            {"location": ["S1", "S2", "S3"], "unit_margin": 5.0 * scale, "overage_cost": scale}
        )
        scaled = lanes.assign(cost_per_unit=lanes["cost_per_unit"] * scale)
        if fixed:
            scaled = scaled.assign(fixed_cost=lanes["fixed_cost"] * scale)
        return oc.rebalance(stock, demand, economics=econ, lanes=scaled)

    base = plan(1.0)
    assert base.to_frame()["quantity"].sum() > 0
    for scale in (1e-9, 1e-7, 1e-4, 1e6):
        res = plan(scale)
        pd.testing.assert_frame_equal(res.to_frame()[cols], base.to_frame()[cols])
        assert res.total_gain == pytest.approx(base.total_gain * scale, rel=1e-9)
