"""Hierarchy construction, node lookup and aggregation (``Hierarchy``, ``aggregate``)."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omnichannel as oc

REFERENCE = Path(__file__).resolve().parent / "data" / "reconcile_reference" / "reference.json"
IDS = ("channel", "location", "product")


def keys_frame(n_channel: int = 2, n_location: int = 3, n_product: int = 4) -> pd.DataFrame:
    rows = itertools.product(
        [f"c{i}" for i in range(n_channel)],
        [f"l{i}" for i in range(n_location)],
        [f"p{i}" for i in range(n_product)],
    )
    return pd.DataFrame(list(rows), columns=list(IDS))


@st.composite
def sales_frames(draw: st.DrawFn) -> pd.DataFrame:
    """Long sales frames with a random subset of (channel, location, product) series and gaps."""
    sizes = [draw(st.integers(1, 3)) for _ in IDS]
    combos = list(itertools.product(*(range(s) for s in sizes)))
    chosen = draw(st.lists(st.sampled_from(combos), min_size=1, max_size=len(combos), unique=True))
    n_dates = draw(st.integers(1, 4))
    rows = []
    for combo in chosen:
        for day in range(n_dates):
            if draw(st.booleans()) or day == 0:
                qty = draw(st.integers(-3, 20))
                rows.append((f"c{combo[0]}", f"l{combo[1]}", f"p{combo[2]}", day, qty))
    frame = pd.DataFrame(rows, columns=[*IDS, "day", "quantity"])
    frame["date"] = pd.Timestamp("2024-03-01") + pd.to_timedelta(frame.pop("day"), unit="D")
    return frame


def expected_aggregate(sales: pd.DataFrame, levels: list[tuple[str, ...]]) -> pd.DataFrame:
    """Independent pandas implementation: groupby per level on the full node x date grid."""
    dates = np.sort(sales["date"].unique())
    parts = []
    for cols in levels:
        name = "/".join(cols) if cols else "total"
        if cols:
            summed = sales.groupby([*cols, "date"])["quantity"].sum()
            nodes = sales[list(cols)].drop_duplicates().sort_values(list(cols))
        else:
            summed = sales.groupby("date")["quantity"].sum()
            nodes = pd.DataFrame(index=[0])
        for _, node in nodes.iterrows():
            key = tuple(node[c] for c in cols)
            for day in dates:
                value = summed.get((*key, day), 0.0) if cols else summed.get(day, 0.0)
                parts.append(
                    {
                        "level": name,
                        **dict(zip(cols, key, strict=True)),
                        "date": day,
                        "quantity": float(value),
                    }
                )
    return pd.DataFrame(parts)


# ---------------------------------------------------------------------------------------- build
def test_grouped_nodes_and_summing_matrix() -> None:
    h = oc.Hierarchy.from_frame(keys_frame(), levels="grouped")
    counts = {
        "total": 1,
        "channel": 2,
        "location": 3,
        "product": 4,
        "channel/location": 6,
        "channel/product": 8,
        "location/product": 12,
        "channel/location/product": 24,
    }
    assert h.level_names == tuple(counts)
    assert h.summary()["n_nodes"].tolist() == list(counts.values())
    assert (h.n_nodes, h.n_bottom, h.n_aggregated) == (60, 24, 36)
    dense = h.S.toarray()
    np.testing.assert_array_equal(dense[h.n_aggregated :], np.eye(24))
    for rows in h.tags.values():  # every level partitions the bottom series
        np.testing.assert_array_equal(dense[rows].sum(axis=0), np.ones(24))
    # Each node sums exactly the bottom series that share its ids.
    bottom = h.bottom
    for i, node in h.nodes.iterrows():
        member = np.ones(24, dtype=bool)
        for col in IDS:
            if not pd.isna(node[col]):
                member &= (bottom[col] == node[col]).to_numpy()
        np.testing.assert_array_equal(dense[i], member.astype(float))
    assert not h.is_nested
    assert h.S.format == "csr"


def test_nested_levels_and_node_order() -> None:
    h = oc.Hierarchy.from_frame(keys_frame(2, 2, 2), levels="nested")
    assert h.levels == ((), ("channel",), ("channel", "location"), IDS)
    assert h.is_nested
    assert h.nodes["level"].tolist()[:3] == ["total", "channel", "channel"]
    level2 = h.nodes.iloc[h.tags["channel/location"]]
    assert list(zip(level2["channel"], level2["location"], strict=True)) == [
        ("c0", "l0"),
        ("c0", "l1"),
        ("c1", "l0"),
        ("c1", "l1"),
    ]
    assert level2["product"].isna().all()
    assert h.nodes.iloc[0][list(IDS)].isna().all()
    np.testing.assert_array_equal(h.parents(1), [0, 0])
    np.testing.assert_array_equal(h.parents(2), [1, 1, 2, 2])


def test_explicit_levels_keep_their_order() -> None:
    levels = [(), ("product",), ("channel", "product"), ("channel", "location", "product")]
    h = oc.Hierarchy.from_frame(keys_frame(), levels=levels)
    assert h.level_names == ("total", "product", "channel/product", "channel/location/product")
    assert h.is_nested
    # Within a level, nodes are sorted by that level's columns in the given order.
    h2 = oc.Hierarchy.from_frame(
        keys_frame(2, 1, 2), levels=[(), ("product", "channel", "location")]
    )
    assert list(h2.bottom["product"]) == ["p0", "p0", "p1", "p1"]
    assert list(h2.bottom["channel"]) == ["c0", "c1", "c0", "c1"]


def test_default_ids_and_custom_id_columns() -> None:
    sales = oc.simulate_retailer(n_customers=300, seed=1).sales
    h = oc.Hierarchy.from_frame(sales)
    assert h.ids == IDS
    assert h.n_bottom == sales[list(IDS)].drop_duplicates().shape[0]
    assert len(h.levels) == 8
    region = pd.DataFrame({"region": ["n", "s", "s"], "sku": [1, 2, 3]})
    h2 = oc.Hierarchy.from_frame(region, ids=["region", "sku"], levels="nested")
    assert h2.ids == ("region", "sku")
    assert h2.nodes["sku"].dtype == "Int64"
    assert h2.nodes["sku"].isna().sum() == 3


def test_dtypes_are_kept() -> None:
    frame = keys_frame(2, 1, 2).astype({"channel": "category"})
    frame["product"] = frame["product"].str[1:].astype(int)
    h = oc.Hierarchy.from_frame(frame)
    assert isinstance(h.nodes["channel"].dtype, pd.CategoricalDtype)
    assert h.nodes["product"].dtype == "Int64"
    assert h.bottom["product"].tolist() == [0, 1, 0, 1]
    np.testing.assert_array_equal(h.node_index(h.nodes), np.arange(h.n_nodes))


def test_reporting() -> None:
    h = oc.Hierarchy.from_frame(keys_frame(), levels="nested")
    assert (
        repr(h)
        == "Hierarchy(ids=('channel', 'location', 'product'), levels=4, nodes=33, bottom=24)"
    )
    frame = h.to_frame()
    assert frame["n_bottom"].tolist()[:3] == [24, 12, 12]
    frame.loc[0, "level"] = "changed"
    assert h.nodes.loc[0, "level"] == "total"  # to_frame returns a copy
    summary = h.summary()
    assert summary["max_bottom"].tolist() == [24, 12, 4, 1]
    with pytest.raises(ValueError, match="read-only"):
        h.S.data[0] = 2.0


@pytest.mark.parametrize(
    ("levels", "match"),
    [
        ([(), ("channel",)], "must be the bottom level"),
        ([IDS, ()], r"must be the bottom level .* it is levels\[0\]"),
        ([(), ("region",), IDS], "distinct id columns"),
        ([(), ("channel", "channel"), IDS], "distinct id columns"),
        ([("channel", "product"), ("product", "channel"), IDS], "repeats levels"),
        (["channel", IDS], "must be a tuple of id columns"),
        ("crossed", "must be one of"),
        ([], "non-empty list"),
    ],
)
def test_invalid_levels(levels: object, match: str) -> None:
    with pytest.raises(oc.InvalidParameterError, match=match):
        oc.Hierarchy.from_frame(keys_frame(), levels=levels)  # type: ignore[arg-type]


def test_invalid_frames() -> None:
    with pytest.raises(oc.SchemaError, match="has none of the id columns"):
        oc.Hierarchy.from_frame(pd.DataFrame({"sku": ["a"]}))
    with pytest.raises(oc.SchemaError, match="missing value"):
        oc.Hierarchy.from_frame(pd.DataFrame({"product": ["a", None]}))
    with pytest.raises(oc.SchemaError, match=r"frame\['product'\] must be string"):
        oc.Hierarchy.from_frame(pd.DataFrame({"product": [1.5, 2.5]}))
    with pytest.raises(oc.SchemaError, match="must be a pandas DataFrame"):
        oc.Hierarchy.from_frame([1, 2])  # type: ignore[arg-type]
    with pytest.raises(oc.SchemaError, match="no rows"):
        oc.Hierarchy.from_frame(pd.DataFrame({"product": pd.Series([], dtype=str)}))
    with pytest.raises(oc.InvalidParameterError, match="'ids' parameter"):
        oc.Hierarchy.from_frame(keys_frame(), ids=["channel", "channel"])


def test_thirty_thousand_series_build_in_seconds() -> None:
    keys = keys_frame(4, 50, 150)
    start = time.perf_counter()
    h = oc.Hierarchy.from_frame(keys)
    took = time.perf_counter() - start
    assert h.n_bottom == 30_000
    assert h.n_nodes == 1 + 4 + 50 + 150 + 200 + 600 + 7_500 + 30_000
    assert took < 20.0  # vectorised: about 0.1 s; a per-series loop would take far longer


# ---------------------------------------------------------------------------------- node_index
def test_node_index_by_set_columns() -> None:
    h = oc.Hierarchy.from_frame(keys_frame(), levels="grouped")
    np.testing.assert_array_equal(h.node_index(h.nodes), np.arange(h.n_nodes))
    # Absent columns are aggregated out.
    only_product = pd.DataFrame({"product": ["p2", "p0"]})
    expected = [h.tags["product"][2], h.tags["product"][0]]
    np.testing.assert_array_equal(h.node_index(only_product), expected)
    frame = pd.DataFrame({"channel": ["c1", "c9"], "product": ["p0", "p0"]})
    with pytest.raises(
        oc.SchemaError, match=r"1 row\(s\) naming no node of the hierarchy; first at index 1"
    ):
        h.node_index(frame)
    got = h.node_index(frame, missing="ignore")
    assert got[1] == -1
    assert h.nodes.iloc[got[0]][["level", "channel", "product"]].tolist() == [
        "channel/product",
        "c1",
        "p0",
    ]
    nested = oc.Hierarchy.from_frame(keys_frame(), levels="nested")
    with pytest.raises(oc.SchemaError, match=r"sets the id columns \['product'\]"):
        nested.node_index(only_product)


@settings(max_examples=40, deadline=None)
@given(
    sales=sales_frames(), seed=st.integers(0, 2**16), spec=st.sampled_from(["nested", "grouped"])
)
def test_hierarchy_and_aggregate_ignore_row_order(
    sales: pd.DataFrame, seed: int, spec: str
) -> None:
    shuffled = sales.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    h1 = oc.Hierarchy.from_frame(sales, levels=spec)
    h2 = oc.Hierarchy.from_frame(shuffled, levels=spec)
    pd.testing.assert_frame_equal(h1.nodes, h2.nodes)
    assert (h1.S != h2.S).nnz == 0
    a1 = oc.aggregate(sales, h1)
    pd.testing.assert_frame_equal(a1, oc.aggregate(shuffled, h2))
    expected = expected_aggregate(sales, list(h1.levels))
    np.testing.assert_allclose(a1["quantity"].to_numpy(), expected["quantity"].to_numpy())
    assert a1["level"].tolist() == expected["level"].tolist()


# ----------------------------------------------------------------------------------- aggregate
def test_aggregate_fills_gaps_adds_duplicates_and_keeps_returns() -> None:
    sales = pd.DataFrame(
        {
            "channel": ["a", "a", "b", "a"],
            "product": ["x", "y", "x", "x"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-01"]),
            "quantity": [2.0, -1.0, 4.0, 3.0],
            "revenue": [20.0, -10.0, 40.0, 30.0],
        }
    )
    h = oc.Hierarchy.from_frame(sales, levels="nested")
    out = oc.aggregate(sales, h, value_columns=["quantity", "revenue"])
    assert out.columns.tolist() == ["level", "channel", "product", "date", "quantity", "revenue"]
    assert out["quantity"].tolist() == [4.0, 4.0, 4.0, 0.0, 0.0, 4.0, 5.0, 0.0, -1.0, 0.0, 0.0, 4.0]
    np.testing.assert_allclose(out["revenue"], 10 * out["quantity"])
    assert out["date"].dtype == sales["date"].dtype


def test_aggregate_matches_simulated_sales_totals() -> None:
    sales = oc.simulate_retailer(n_customers=300, seed=1).sales
    h = oc.Hierarchy.from_frame(sales)
    out = oc.aggregate(sales, h)
    total = out[out["level"] == "total"].set_index("date")["quantity"]
    pd.testing.assert_series_equal(
        total, sales.groupby("date")["quantity"].sum().astype(float), check_names=False
    )
    per_level = out.groupby("level", sort=False)["quantity"].sum()
    np.testing.assert_allclose(per_level.to_numpy(), sales["quantity"].sum())


def test_aggregate_keeps_time_zones() -> None:
    sales = pd.DataFrame(
        {
            "product": ["a", "b"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-01"]).tz_localize("Europe/Paris"),
            "quantity": [1, 2],
        }
    )
    out = oc.aggregate(sales, oc.Hierarchy.from_frame(sales))
    assert str(out["date"].dt.tz) == "Europe/Paris"
    assert out["quantity"].tolist() == [3.0, 1.0, 2.0]


def test_aggregate_errors() -> None:
    sales = pd.DataFrame(
        {"product": ["a", "b"], "date": pd.to_datetime(["2024-01-01"] * 2), "quantity": [1.0, 2.0]}
    )
    h = oc.Hierarchy.from_frame(sales)
    with pytest.raises(oc.SchemaError, match="naming no node"):
        oc.aggregate(sales.assign(product=["a", "c"]), h)
    with pytest.raises(oc.SchemaError, match=r"sales\['quantity'\] has 1 missing value"):
        oc.aggregate(sales.assign(quantity=[1.0, np.nan]), h)
    with pytest.raises(oc.SchemaError, match="missing required column"):
        oc.aggregate(sales.drop(columns="date"), h)
    with pytest.raises(oc.InvalidParameterError, match="output column"):
        oc.aggregate(sales, h, value_columns=["product"])
    with pytest.raises(oc.InvalidParameterError, match="'hierarchy' parameter"):
        oc.aggregate(sales, "h")  # type: ignore[arg-type]
    unique_id = sales.rename(columns={"product": "unique_id", "date": "ds", "quantity": "y"})
    renamed = unique_id.rename(columns={"unique_id": "product", "ds": "date", "y": "quantity"})
    assert oc.aggregate(renamed, h)["quantity"].tolist() == [3.0, 1.0, 2.0]


# ----------------------------------------------------------------------------- peer reference
@pytest.mark.parametrize("name", ["grouped", "nested"])
def test_summing_matrix_and_aggregate_match_hierarchicalforecast(name: str) -> None:
    inst = json.loads(REFERENCE.read_text())["instances"][name]
    sales = pd.DataFrame(inst["sales"])
    sales["date"] = pd.to_datetime(sales["date"])
    h = oc.Hierarchy.from_frame(sales, levels=[tuple(level) for level in inst["levels"]])
    ids = inst["ids"]
    peer_rows = h.node_index(pd.DataFrame([{c: n.get(c) for c in ids} for n in inst["nodes"]]))
    peer_cols = h.node_index(pd.DataFrame(inst["bottom"])) - h.n_aggregated
    assert sorted(peer_rows) == list(range(h.n_nodes))
    ours = np.zeros((h.n_nodes, h.n_bottom))
    ours[np.ix_(peer_rows, peer_cols)] = np.array(inst["S"])
    np.testing.assert_array_equal(ours, h.S.toarray())
    history = np.empty((h.n_nodes, len(inst["history"][0])))
    history[peer_rows] = np.array(inst["history"])
    got = oc.aggregate(sales, h)["quantity"].to_numpy().reshape(h.n_nodes, -1)
    np.testing.assert_array_equal(got, history)
    assert h.is_nested == (name == "nested")


def test_aggregate_panel_on_a_date_grid() -> None:
    from omnichannel._forecast._aggregate import aggregate_panel

    sales = pd.DataFrame(
        {
            "channel": ["a", "a", "b"],
            "product": ["x", "y", "x"],
            "date": pd.to_datetime(["2024-01-03", "2024-01-01", "2024-01-04"]),
            "quantity": [1.0, 2.0, 3.0],
        }
    )
    h = oc.Hierarchy.from_frame(sales, levels="nested")
    grid = pd.date_range("2024-01-01", periods=5, freq="D")
    panel = aggregate_panel(sales, h, dates=grid)
    assert panel.sums.shape == (1, h.n_nodes, 5)
    np.testing.assert_array_equal(panel.sums[0, 0], [2.0, 0.0, 1.0, 3.0, 0.0])
    # First row of each node: total, channel a, channel b, then (a, x), (a, y), (b, x).
    np.testing.assert_array_equal(panel.first, [0, 0, 3, 2, 0, 3])
    default = aggregate_panel(sales, h)
    assert list(default.dates) == list(pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-04"]))
    with pytest.raises(oc.SchemaError, match="off the date grid"):
        aggregate_panel(sales, h, dates=grid[1:])
    with pytest.raises(oc.InvalidParameterError, match="sorted and without repeats"):
        aggregate_panel(sales, h, dates=grid[::-1])
