from __future__ import annotations

import attrs
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omnichannel as oc
from tests import strategies as s


def _columns_of(cls: type) -> list[str]:
    return [f.metadata["column"] for f in attrs.fields(cls) if f.metadata.get("column")]


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        ("touchpoints", oc.Touchpoint),
        ("conversions", oc.Conversion),
        ("orders", oc.Order),
        ("customers", oc.Customer),
        ("products", oc.Product),
        ("channels", oc.Channel),
    ],
)
def test_schemas_are_derived_from_the_classes(kind, cls):
    assert [c.name for c in oc.frame_schema(kind).columns] == _columns_of(cls)


def test_canonical_column_names():
    assert oc.frame_schema("touchpoints").required == ("customer_id", "channel", "timestamp")
    assert oc.frame_schema("conversions").required == ("customer_id", "timestamp", "value")
    assert oc.frame_schema("orders").required == (
        "order_id",
        "customer_id",
        "timestamp",
        "channel",
        "value",
    )
    assert oc.frame_schema("sales").required == (
        "date",
        "channel",
        "location",
        "product",
        "quantity",
    )
    assert oc.frame_schema("stock").required == ("location", "product", "on_hand")
    assert oc.frame_schema("spend").required == ("date", "channel", "spend")
    assert set(oc.frame_schema("locations").required) >= {
        "location",
        "kind",
        "latitude",
        "longitude",
    }
    assert set(oc.FRAME_KINDS) == {
        "channels",
        "customers",
        "touchpoints",
        "conversions",
        "orders",
        "order_lines",
        "products",
        "locations",
        "sales",
        "stock",
        "spend",
    }
    described = oc.frame_schema("sales").to_frame()
    assert list(described["column"][:5]) == ["date", "channel", "location", "product", "quantity"]


def test_unknown_frame_kind():
    with pytest.raises(oc.InvalidParameterError, match="must be one of"):
        oc.frame_schema("nope")  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(st.lists(s.touchpoints(), min_size=1, max_size=20))
def test_touchpoints_round_trip(objects):
    frame = oc.to_frame(objects)
    oc.validate_frame(frame, "touchpoints")
    assert oc.from_frame(frame, oc.Touchpoint) == objects


@settings(max_examples=40, deadline=None)
@given(st.lists(s.touchpoints(tz="Europe/Amsterdam"), min_size=1, max_size=10))
def test_timezone_aware_round_trip(objects):
    frame = oc.to_frame(objects)
    assert str(frame["timestamp"].dt.tz) == "Europe/Amsterdam"
    assert oc.from_frame(frame, oc.Touchpoint) == objects


@settings(max_examples=60, deadline=None)
@given(st.lists(s.conversions(), min_size=1, max_size=20))
def test_conversions_round_trip(objects):
    assert oc.from_frame(oc.to_frame(objects), oc.Conversion) == objects


@settings(max_examples=60, deadline=None)
@given(s.customer_lists())
def test_customers_round_trip(objects):
    frame = oc.to_frame(objects)
    back = oc.from_frame(frame, oc.Customer)
    assert back == objects
    assert [dict(c.attributes) for c in back] == [dict(c.attributes) for c in objects]


@settings(max_examples=60, deadline=None)
@given(s.order_lists())
def test_orders_round_trip_with_lines(objects):
    orders = oc.to_frame(objects)
    lines = oc.order_lines_to_frame(objects)
    oc.validate_frame(orders, "orders")
    oc.validate_frame(lines, "order_lines")
    assert oc.from_frame(orders, oc.Order, lines=lines) == objects


@settings(max_examples=60, deadline=None)
@given(s.location_lists())
def test_locations_round_trip(objects):
    frame = oc.to_frame(objects)
    assert oc.from_frame(frame, oc.Location) == objects


@given(
    st.lists(
        st.builds(
            oc.Product,
            id=s.ids,
            category=st.none() | s.ids,
            price=s.optional_money,
            unit_cost=s.optional_money,
        ),
        min_size=1,
        max_size=8,
        unique_by=lambda p: p.id,
    )
)
def test_products_round_trip(objects):
    assert oc.from_frame(oc.to_frame(objects), oc.Product) == objects


def test_channels_round_trip():
    objects = [oc.Channel("email", "online", "marketing"), oc.Channel("store", "offline", "sales")]
    frame = oc.to_frame(objects)
    assert frame["kind"].tolist() == ["online", "offline"]
    assert oc.from_frame(frame, oc.Channel) == objects


def test_to_frame_rejects_mixed_or_unknown_objects():
    t = pd.Timestamp("2024-01-01")
    with pytest.raises(oc.InvalidParameterError, match="needs at least one object"):
        oc.to_frame([])
    with pytest.raises(oc.InvalidParameterError, match="item 1 is Conversion"):
        oc.to_frame([oc.Touchpoint("c", "x", t), oc.Conversion("c", t)])
    with pytest.raises(oc.InvalidParameterError, match=r"Journeys.from_journeys\(...\)"):
        oc.to_frame([oc.Journey("c", [])])
    with pytest.raises(oc.InvalidParameterError, match="share one time zone"):
        oc.to_frame([oc.Touchpoint("c", "x", t), oc.Touchpoint("c", "x", t.tz_localize("UTC"))])


def test_from_frame_names_the_offending_row():
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "value": [1.0, 2.0],
            "channel": ["web", " "],
        },
        index=[10, 11],
    )
    with pytest.raises(oc.InvalidParameterError, match=r"Row 11 of the frame: Conversion.channel"):
        oc.from_frame(frame, oc.Conversion)


def test_from_frame_converts_integer_ids_to_str():
    frame = pd.DataFrame(
        {"customer_id": [7], "timestamp": [pd.Timestamp("2024-01-01")], "value": [1.0]}
    )
    assert oc.from_frame(frame, oc.Conversion)[0].customer_id == "7"


def test_from_frame_rejects_orphan_lines():
    orders = pd.DataFrame(
        {
            "order_id": ["o1"],
            "customer_id": ["c"],
            "timestamp": [pd.Timestamp("2024-01-01")],
            "channel": ["web"],
            "value": [1.0],
        }
    )
    lines = pd.DataFrame({"order_id": ["o2"], "product": ["p"], "quantity": [1], "price": [1.0]})
    with pytest.raises(oc.SchemaError, match="order id\\(s\\) not in orders; first 'o2'"):
        oc.from_frame(orders, oc.Order, lines=lines)


def test_from_frame_does_not_mutate_input():
    objects = [oc.Touchpoint("c1", "email", pd.Timestamp("2024-01-01"), cost=1.0)]
    frame = oc.to_frame(objects)
    before = frame.copy(deep=True)
    oc.from_frame(frame, oc.Touchpoint)
    pd.testing.assert_frame_equal(frame, before)
