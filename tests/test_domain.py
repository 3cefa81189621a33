from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import omnichannel as oc

T0 = pd.Timestamp("2024-05-01 09:00")


def test_channel_converts_strings_to_enums():
    ch = oc.Channel("email", kind="online", role="marketing")
    assert ch.kind is oc.ChannelKind.ONLINE
    assert ch.role is oc.ChannelRole.MARKETING
    assert oc.Channel("store", kind=oc.ChannelKind.OFFLINE).role is oc.ChannelRole.BOTH


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: oc.Channel("", kind="online"), "Channel.id must be a non-empty str; got ''"),
        (
            lambda: oc.Channel("x", kind="mobile"),
            "Channel.kind must be one of ['online', 'offline']",
        ),
        (lambda: oc.Touchpoint("c1", "search", "2024-01-01"), "Parse strings first"),
        (lambda: oc.Touchpoint("c1", "search", T0, cost=-1.0), "Touchpoint.cost must be a finite"),
        (lambda: oc.Touchpoint("c1", "search", pd.NaT), "Touchpoint.timestamp must be"),
        (lambda: oc.Conversion("c1", T0, value=float("nan")), "Conversion.value must be"),
        (lambda: oc.Conversion("c1", T0, value=True), "Conversion.value must be"),
        (lambda: oc.OrderLine("p", 0, 1.0), "OrderLine.quantity must be an int >= 1; got 0"),
        (lambda: oc.OrderLine("p", 1.5, 1.0), "OrderLine.quantity must be an int >= 1; got 1.5"),
        (lambda: oc.Location("s1", "store"), "Location.latitude is required for a 'store'"),
        (lambda: oc.Location("s1", "store", 91, 0), "Location.latitude must be a real number in"),
        (lambda: oc.Location("s1", "warehouse", 1, 1), "Location.kind must be one of"),
        (lambda: oc.Location("s", "store", 1, 1, capabilities=["fly"]), "Location.capabilities"),
        (lambda: oc.Customer("c", attributes={"x": None}), "Customer.attributes['x'] must be"),
        (lambda: oc.Customer("c", attributes={"x": float("inf")}), "Customer.attributes['x']"),
    ],
)
def test_invalid_fields_raise_clear_errors(build, message):
    with pytest.raises(oc.InvalidParameterError, match=None) as info:
        build()
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, TypeError)


def test_datetime_and_numpy_times_are_accepted_losslessly():
    a = oc.Touchpoint("c1", "search", dt.datetime(2024, 5, 1, 9))
    b = oc.Touchpoint("c1", "search", np.datetime64("2024-05-01T09:00"))
    assert a == b == oc.Touchpoint("c1", "search", T0)


def test_objects_are_frozen_and_hashable():
    tp = oc.Touchpoint("c1", "search", T0)
    with pytest.raises(AttributeError):
        tp.channel = "email"  # type: ignore[misc]
    assert len({tp, oc.Touchpoint("c1", "search", T0)}) == 1
    customer = oc.Customer("c1", attributes={"segment": "gold"})
    assert hash(customer) == hash(oc.Customer("c1", attributes={"segment": "other"}))
    with pytest.raises(TypeError):
        customer.attributes["segment"] = "x"  # type: ignore[index]


def test_customer_attributes_do_not_alias_the_callers_dict():
    attributes = {"segment": "gold"}
    customer = oc.Customer("c1", attributes=attributes)
    attributes["segment"] = "changed"
    assert customer.attributes["segment"] == "gold"


def _tp(minutes: int, customer: str = "c1", channel: str = "search") -> oc.Touchpoint:
    return oc.Touchpoint(customer, channel, T0 + pd.Timedelta(minutes=minutes))


def test_journey_invariants():
    j = oc.Journey("c1", [_tp(0, channel="social"), _tp(5)], converted=True, value=3.0)
    assert j.path == ("social", "search")
    assert len(j) == 2
    with pytest.raises(oc.InvalidParameterError, match="must be sorted by timestamp"):
        oc.Journey("c1", [_tp(5), _tp(0)])
    with pytest.raises(
        oc.InvalidParameterError, match=r"touchpoints\[1\] belongs to customer 'c2'"
    ):
        oc.Journey("c1", [_tp(0), _tp(5, customer="c2")])
    with pytest.raises(
        oc.InvalidParameterError, match="must be 0 and Journey.conversion_time None"
    ):
        oc.Journey("c1", [_tp(0)], converted=False, value=5.0)
    with pytest.raises(oc.InvalidParameterError, match="must not precede the last touch"):
        oc.Journey("c1", [_tp(10)], converted=True, conversion_time=T0)
    with pytest.raises(oc.InvalidParameterError, match="all timezone-aware or all naive"):
        oc.Journey(
            "c1",
            [_tp(0), oc.Touchpoint("c1", "x", (T0 + pd.Timedelta(hours=1)).tz_localize("UTC"))],
        )
    with pytest.raises(oc.InvalidParameterError, match="Journey.converted must be True or False"):
        oc.Journey("c1", [], converted=1)  # type: ignore[arg-type]


def test_empty_journey_is_allowed():
    assert oc.Journey("c1", [], converted=True, value=1.0).path == ()


def test_order_lines_amount():
    order = oc.Order(
        "o1", "c1", T0, "web", 25.0, lines=[oc.OrderLine("a", 2, 5.0), oc.OrderLine("b", 1, 15.0)]
    )
    assert order.lines_amount == 25.0
    with pytest.raises(
        oc.InvalidParameterError, match="Order.lines must be a sequence of OrderLine"
    ):
        oc.Order("o1", "c1", T0, "web", 1.0, lines=["x"])  # type: ignore[list-item]


def test_online_location_needs_no_coordinates():
    online = oc.Location("online", "online")
    assert online.latitude is None
    assert online.capabilities == frozenset()
