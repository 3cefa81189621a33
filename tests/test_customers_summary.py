"""summarize_customers: columns, calibration and holdout, channels, time zones, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omnichannel as oc


def _orders(rows: list[tuple[str, str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": [r[0] for r in rows],
            "customer_id": [r[1] for r in rows],
            "timestamp": pd.to_datetime([r[2] for r in rows]),
            "channel": [r[3] for r in rows],
            "value": [r[4] for r in rows],
        }
    )


@pytest.fixture
def orders() -> pd.DataFrame:
    return _orders(
        [
            ("o1", "ann", "2024-01-01 10:00", "web", 10.0),
            ("o2", "ann", "2024-01-01 18:00", "store", 5.0),  # same day: one transaction
            ("o3", "ann", "2024-01-15 09:00", "web", 20.0),
            ("o4", "bob", "2024-01-03 12:00", "store", 40.0),
            ("o5", "bob", "2024-02-07 12:00", "store", 30.0),
            ("o6", "bob", "2024-03-01 12:00", "web", 50.0),  # holdout when calibrating to Feb
            ("o7", "cy", "2024-02-20 12:00", "app", 12.0),
            ("o8", "dee", "2024-03-05 08:00", "app", 7.0),  # first order after calibration
        ]
    )


def test_columns_and_values(orders: pd.DataFrame) -> None:
    summary = oc.summarize_customers(orders, observation_end="2024-03-31")
    assert summary.index.name == "customer_id"
    assert summary.index.tolist() == ["ann", "bob", "cy", "dee"]
    assert list(summary.columns[:4]) == ["frequency", "recency", "T", "monetary_value"]
    ann = summary.loc["ann"]
    assert ann["frequency"] == 1
    assert ann["recency"] == 14.0
    assert ann["T"] == 90.0  # 2024-01-01 .. 2024-03-31
    assert ann["monetary_value"] == 20.0
    assert ann["n_orders"] == 3
    assert ann["total_value"] == 35.0
    assert ann["first_channel"] == "web"
    assert ann["last_channel"] == "web"
    assert ann["n_channels"] == 2
    assert ann["share_web"] == pytest.approx(2 / 3)
    assert ann["share_store"] == pytest.approx(1 / 3)
    assert ann["first_purchase"] == pd.Timestamp("2024-01-01")
    bob = summary.loc["bob"]
    assert (bob["frequency"], bob["recency"], bob["monetary_value"]) == (2, 58.0, 40.0)
    assert bob["last_channel"] == "web"
    cy = summary.loc["cy"]
    assert (cy["frequency"], cy["recency"], cy["monetary_value"]) == (0, 0.0, 0.0)
    assert summary["frequency"].dtype == np.int64
    assert summary[["share_app", "share_store", "share_web"]].sum(axis=1).tolist() == [1.0] * 4


def test_weeks_are_days_over_seven(orders: pd.DataFrame) -> None:
    days = oc.summarize_customers(orders, observation_end="2024-03-31")
    weeks = oc.summarize_customers(orders, observation_end="2024-03-31", time_unit="W")
    np.testing.assert_allclose(weeks["recency"], days["recency"] / 7)
    np.testing.assert_allclose(weeks["T"], days["T"] / 7)
    custom = oc.summarize_customers(
        orders, observation_end="2024-03-31", time_unit=pd.Timedelta(days=30)
    )
    np.testing.assert_allclose(custom["T"], days["T"] / 30)


def test_calibration_and_holdout(orders: pd.DataFrame) -> None:
    summary = oc.summarize_customers(
        orders, observation_end="2024-03-31", calibration_end="2024-02-29"
    )
    # dee first bought after calibration_end: not a customer of the calibration period.
    assert summary.index.tolist() == ["ann", "bob", "cy"]
    bob = summary.loc["bob"]
    assert bob["frequency"] == 1
    assert bob["T"] == 57.0  # 2024-01-03 .. 2024-02-29
    assert bob["frequency_holdout"] == 1
    assert bob["monetary_value_holdout"] == 50.0
    assert bob["n_orders"] == 2
    assert bob["total_value"] == 70.0
    assert bob["share_web"] == 0.0  # channel columns describe the calibration period
    assert (summary["duration_holdout"] == 31.0).all()
    assert summary.loc["ann", "frequency_holdout"] == 0
    assert summary.loc["ann", "monetary_value_holdout"] == 0.0


def test_by_channel(orders: pd.DataFrame) -> None:
    summary = oc.summarize_customers(orders, observation_end="2024-03-31", by_channel=True)
    assert summary.index.names == ["customer_id", "channel"]
    assert ("ann", "web") in summary.index
    ann_web = summary.loc[("ann", "web")]
    assert (ann_web["frequency"], ann_web["recency"], ann_web["T"]) == (1, 14.0, 90.0)
    bob_web = summary.loc[("bob", "web")]
    assert (bob_web["frequency"], bob_web["T"]) == (0, 30.0)
    assert "first_channel" not in summary.columns
    assert summary["n_orders"].sum() == len(orders)


def test_integer_string_and_categorical_ids_agree(orders: pd.DataFrame) -> None:
    base = oc.summarize_customers(orders, observation_end="2024-03-31")
    codes = {"ann": 10, "bob": 20, "cy": 30, "dee": 40}
    as_int = orders.assign(customer_id=orders["customer_id"].map(codes).astype("int64"))
    as_cat = orders.assign(
        customer_id=orders["customer_id"].astype("category"),
        channel=pd.Categorical(orders["channel"], categories=["web", "store", "app", "phone"]),
    )
    for variant in (as_int, as_cat):
        other = oc.summarize_customers(variant, observation_end="2024-03-31")
        cols = ["frequency", "recency", "T", "monetary_value", "n_orders", "total_value"]
        np.testing.assert_array_equal(other[cols].to_numpy(), base[cols].to_numpy())
    with_cat = oc.summarize_customers(as_cat, observation_end="2024-03-31")
    assert "share_phone" not in with_cat.columns  # unused categories are dropped
    assert with_cat["first_channel"].tolist() == base["first_channel"].tolist()
    assert oc.summarize_customers(as_int, observation_end="2024-03-31").index.tolist() == [
        10,
        20,
        30,
        40,
    ]


def test_time_zones_use_local_days() -> None:
    orders = _orders(
        [
            ("o1", "a", "2024-01-01 23:30", "web", 1.0),
            ("o2", "a", "2024-01-02 00:30", "web", 1.0),
        ]
    )
    aware = orders.assign(timestamp=orders["timestamp"].dt.tz_localize("America/New_York"))
    summary = oc.summarize_customers(aware, observation_end="2024-01-10")
    assert summary.loc["a", "frequency"] == 1  # two local days, though one UTC day
    end_aware = pd.Timestamp("2024-01-10 03:00", tz="UTC")  # 2024-01-09 22:00 in New York
    summary = oc.summarize_customers(aware, observation_end=end_aware)
    assert summary.loc["a", "T"] == 8.0


def test_bad_input(orders: pd.DataFrame) -> None:
    with pytest.raises(oc.SchemaError, match=r"2 row\(s\) with timestamp after observation_end"):
        oc.summarize_customers(orders, observation_end="2024-02-29")
    negative = orders.copy()
    negative.loc[3, "value"] = -5.0
    with pytest.raises(oc.SchemaError, match="negative"):
        oc.summarize_customers(negative, observation_end="2024-03-31")
    duplicated = orders.copy()
    duplicated.loc[1, "order_id"] = "o1"
    with pytest.raises(oc.SchemaError, match="duplicate"):
        oc.summarize_customers(duplicated, observation_end="2024-03-31")
    with pytest.raises(oc.SchemaError, match="missing required column"):
        oc.summarize_customers(orders.drop(columns="value"), observation_end="2024-03-31")
    with pytest.raises(oc.InvalidParameterError, match="calibration_end"):
        oc.summarize_customers(orders, observation_end="2024-03-31", calibration_end="2024-03-31")
    with pytest.raises(oc.SchemaError, match="no order on or before calibration_end"):
        oc.summarize_customers(orders, observation_end="2024-03-31", calibration_end="2023-12-31")
    with pytest.raises(oc.InvalidParameterError, match="time_unit"):
        oc.summarize_customers(orders, observation_end="2024-03-31", time_unit="M")  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="observation_end"):
        oc.summarize_customers(orders, observation_end="not a date")
    with pytest.raises(oc.SchemaError, match="no rows"):
        oc.summarize_customers(orders.iloc[:0], observation_end="2024-03-31")


def test_input_is_not_modified(orders: pd.DataFrame) -> None:
    before = orders.copy()
    oc.summarize_customers(orders, observation_end="2024-03-31", calibration_end="2024-02-29")
    pd.testing.assert_frame_equal(orders, before)


def test_zero_value_repeat_buyers_are_kept_and_explained() -> None:
    orders = _orders(
        [
            ("o1", "a", "2024-01-01", "web", 10.0),
            ("o2", "a", "2024-01-05", "web", 0.0),
            ("o3", "b", "2024-01-02", "web", 5.0),
            ("o4", "b", "2024-01-09", "web", 8.0),
        ]
    )
    summary = oc.summarize_customers(orders, observation_end="2024-01-31")
    assert summary.loc["a", "monetary_value"] == 0.0
    with pytest.raises(oc.SchemaError, match="monetary_value <= 0"):
        oc.GammaGamma().fit(summary)


@st.composite
def order_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 40))
    customers = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=n, max_size=n))
    minutes = draw(st.lists(st.integers(0, 60 * 24 * 40), min_size=n, max_size=n))
    channels = draw(st.lists(st.sampled_from(["web", "store", "app"]), min_size=n, max_size=n))
    values = draw(st.lists(st.integers(0, 10_000).map(lambda c: c / 100), min_size=n, max_size=n))
    return pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(n)],
            "customer_id": customers,
            "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(minutes, unit="min"),
            "channel": channels,
            "value": np.array(values, dtype=float),
        }
    )


@settings(max_examples=60, deadline=None)
@given(order_frames(), st.randoms(use_true_random=False), st.booleans())
def test_summary_does_not_depend_on_row_order(
    orders: pd.DataFrame, rnd: object, split: bool
) -> None:
    perm = list(range(len(orders)))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    shuffled = orders.iloc[perm].reset_index(drop=True)
    kwargs = {"observation_end": "2024-02-15", "by_channel": split}
    a = oc.summarize_customers(orders, **kwargs)  # type: ignore[arg-type]
    b = oc.summarize_customers(shuffled, **kwargs)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
    # The model columns satisfy the models' rules.
    assert (a["recency"] <= a["T"]).all()
    assert ((a["frequency"] > 0) | (a["recency"] == 0)).all()
    assert (a["monetary_value"] >= 0).all()
    assert a["n_orders"].sum() == len(orders)
    assert a["total_value"].sum() == pytest.approx(orders["value"].sum())
