from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import omnichannel as oc
from omnichannel._validation import (
    as_generator,
    check_bool,
    check_choice,
    check_int,
    check_real,
    check_timedelta,
    datetime_to_ns,
    fail_at_rows,
)


def _touchpoints(**overrides):
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "channel": ["email", "search", "tv"],
            "cost": [0.1, 0.2, 0.3],
        },
        index=[100, 101, 102],
    )
    for key, value in overrides.items():
        frame[key] = value
    return frame


def test_valid_frame_is_returned_unchanged():
    frame = _touchpoints()
    before = frame.copy(deep=True)
    assert oc.validate_frame(frame, "touchpoints") is frame
    pd.testing.assert_frame_equal(frame, before)


def test_not_a_frame():
    with pytest.raises(oc.SchemaError, match="touchpoints must be a pandas DataFrame; got dict"):
        oc.validate_frame({"customer_id": []}, "touchpoints")  # type: ignore[arg-type]


def test_missing_columns():
    frame = _touchpoints().drop(columns=["timestamp"])
    with pytest.raises(oc.SchemaError) as info:
        oc.validate_frame(frame, "touchpoints")
    assert str(info.value) == (
        "touchpoints is missing required column(s) ['timestamp']; "
        "got ['customer_id', 'channel', 'cost']."
    )


def test_wrong_dtype_names_column_and_fix():
    frame = _touchpoints(timestamp=["2024-01-01", "2024-01-02", "2024-01-03"])
    with pytest.raises(oc.SchemaError, match=r"touchpoints\['timestamp'\] must be datetime64; got"):
        oc.validate_frame(frame, "touchpoints")
    with pytest.raises(oc.SchemaError, match="pd.to_datetime"):
        oc.validate_frame(frame, "touchpoints")
    with pytest.raises(oc.SchemaError, match=r"touchpoints\['cost'\] must be numeric"):
        oc.validate_frame(_touchpoints(cost=["1", "2", "3"]), "touchpoints")
    with pytest.raises(oc.SchemaError, match=r"touchpoints\['channel'\] must be string or categ"):
        oc.validate_frame(_touchpoints(channel=[1, 2, 3]), "touchpoints")
    mixed = _touchpoints(customer_id=pd.Series(["a", 2, "c"], index=[100, 101, 102], dtype=object))
    with pytest.raises(oc.SchemaError, match=r"touchpoints\['customer_id'\] must be string"):
        oc.validate_frame(mixed, "touchpoints")


def test_bool_is_not_a_number():
    frame = pd.DataFrame({"location": ["s"], "product": ["p"], "on_hand": [True]})
    with pytest.raises(oc.SchemaError, match="on_hand'\\] must be numeric"):
        oc.validate_frame(frame, "stock")


def test_categorical_and_integer_ids_are_accepted():
    frame = _touchpoints(channel=pd.Categorical(["email", "search", "tv"]), customer_id=[1, 2, 3])
    oc.validate_frame(frame, "touchpoints")


def test_missing_values_count_and_first_row():
    frame = _touchpoints(channel=["email", None, None])
    with pytest.raises(oc.SchemaError) as info:
        oc.validate_frame(frame, "touchpoints")
    assert str(info.value) == (
        "touchpoints['channel'] has 2 missing value(s); first at index 101. Drop or fill them first."
    )


def test_nullable_columns_allow_missing_values():
    oc.validate_frame(_touchpoints(cost=[np.nan, 1.0, np.nan]), "touchpoints")


def test_negative_and_infinite_counts():
    with pytest.raises(
        oc.SchemaError, match=r"has 1 negative value\(s\); first at index 102 \(-0.3\)"
    ):
        oc.validate_frame(_touchpoints(cost=[0.1, 0.2, -0.3]), "touchpoints")
    with pytest.raises(oc.SchemaError, match=r"has 1 infinite value\(s\); first at index 100"):
        oc.validate_frame(_touchpoints(cost=[np.inf, 0.2, 0.3]), "touchpoints")


def test_duplicate_keys():
    stock = pd.DataFrame(
        {
            "location": ["s1", "s1", "s2", "s1"],
            "product": ["p", "q", "p", "p"],
            "on_hand": [1, 2, 3, 4],
        }
    )
    with pytest.raises(oc.SchemaError) as info:
        oc.validate_frame(stock, "stock")
    assert str(info.value) == (
        "stock has 1 duplicate row(s) on key ['location', 'product']; first at index 3 "
        "(location='s1', product='p'). Aggregate or drop duplicates first."
    )


def test_duplicate_column_names():
    frame = pd.concat([_touchpoints(), _touchpoints()[["channel"]]], axis=1)
    with pytest.raises(oc.SchemaError, match="duplicate column names \\['channel'\\]"):
        oc.validate_frame(frame, "touchpoints")


def test_sorted_by():
    frame = _touchpoints(customer_id=["a", "a", "b"])
    oc.validate_frame(frame, "touchpoints", sorted_by=["customer_id", "timestamp"])
    shuffled = frame.iloc[[1, 0, 2]]
    with pytest.raises(oc.SchemaError, match="first out-of-order row at index 100"):
        oc.validate_frame(shuffled, "touchpoints", sorted_by=["customer_id", "timestamp"])


def test_parameter_checks():
    assert check_int(3, "n", low=1) == 3
    with pytest.raises(oc.InvalidParameterError) as info:
        check_int(0, "horizon", func="forecast_demand", low=1)
    assert str(info.value) == (
        "The 'horizon' parameter of forecast_demand must be an int >= 1. Got 0 instead."
    )
    with pytest.raises(oc.InvalidParameterError, match="an int in \\[1, 4\\]"):
        check_int(5, "order", low=1, high=4)
    with pytest.raises(oc.InvalidParameterError):
        check_int(True, "n")
    with pytest.raises(oc.InvalidParameterError):
        check_int(2.0, "n")
    assert check_int(None, "n", allow_none=True) is None
    assert check_real(0.5, "p", low=0, high=1) == 0.5
    with pytest.raises(oc.InvalidParameterError, match="> 0"):
        check_real(0, "p", low=0, low_open=True)
    with pytest.raises(oc.InvalidParameterError, match="finite"):
        check_real(float("nan"), "p")
    assert check_bool(np.bool_(True), "flag") is True
    with pytest.raises(oc.InvalidParameterError):
        check_bool(1, "flag")
    assert check_choice("a", "method", ["a", "b"]) == "a"
    with pytest.raises(oc.InvalidParameterError, match=r"must be one of \['a', 'b'\]"):
        check_choice("c", "method", ["a", "b"])
    assert check_timedelta(pd.Timedelta(days=1), "lookback") == pd.Timedelta(days=1)
    with pytest.raises(oc.InvalidParameterError, match="positive pandas.Timedelta"):
        check_timedelta(pd.Timedelta(0), "lookback")
    with pytest.raises(oc.InvalidParameterError, match="positive pandas.Timedelta"):
        check_timedelta(30, "lookback")


def test_as_generator():
    a = as_generator(7).integers(0, 1000, 5)
    b = as_generator(7).integers(0, 1000, 5)
    assert np.array_equal(a, b)
    rng = np.random.default_rng(1)
    assert as_generator(rng) is rng
    with pytest.raises(oc.InvalidParameterError, match="'seed'"):
        as_generator(-1)
    with pytest.raises(oc.InvalidParameterError, match="'seed'"):
        as_generator("7")


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_datetime_to_ns_any_resolution(unit):
    stamps = pd.Series(pd.to_datetime(["2024-01-01 00:00:01", "2024-06-01 00:00:00"]).as_unit(unit))
    ns, tz = datetime_to_ns(stamps)
    assert tz is None
    assert ns.tolist() == [1704067201000000000, 1717200000000000000]
    aware = stamps.dt.tz_localize("Europe/Amsterdam")
    ns_aware, tz_aware = datetime_to_ns(aware)
    assert tz_aware == "Europe/Amsterdam"
    assert ns_aware[0] == ns[0] - 3600 * 10**9


def test_fail_at_rows_shows_ids_as_written():
    # A row of mixed types is upcast by pandas (int -> float); the message reads each column.
    frame = pd.DataFrame({"location": [7, 8], "share": [0.5, 1.5]}, index=[10, 11])
    with pytest.raises(oc.SchemaError) as err:
        fail_at_rows(
            frame["share"].to_numpy() > 1,
            frame,
            "frame['share']",
            "exceeds 1",
            "Fix it.",
            keys=("location",),
        )
    assert "first at index 11 (location=8). Fix it." in str(err.value)
