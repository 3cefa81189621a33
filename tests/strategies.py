"""Hypothesis builders of valid domain objects and canonical frames."""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st

import omnichannel as oc

CHANNELS = ("affiliate", "display", "email", "search", "social", "tv")
CUSTOMERS = ("c0", "c1", "c2", "c3", "c4")
BASE = pd.Timestamp("2024-01-01")

ids = st.text(alphabet="abcxyz0123456789-_", min_size=1, max_size=6)
channel_names = st.sampled_from(CHANNELS)
money = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
optional_money = st.none() | money


@st.composite
def timestamps(draw: st.DrawFn, *, tz: str | None = None, days: int = 90) -> pd.Timestamp:
    """Timestamps on a grid coarse enough to produce ties."""
    minutes = draw(st.integers(min_value=0, max_value=days * 24 * 4)) * 15
    ts = BASE + pd.Timedelta(minutes=minutes)
    return ts.tz_localize(tz) if tz else ts


def touchpoints(tz: str | None = None) -> st.SearchStrategy[oc.Touchpoint]:
    return st.builds(
        oc.Touchpoint,
        customer_id=st.sampled_from(CUSTOMERS),
        channel=channel_names,
        timestamp=timestamps(tz=tz),
        interaction=st.sampled_from([k.value for k in oc.InteractionKind]),
        cost=optional_money,
    )


def conversions(tz: str | None = None) -> st.SearchStrategy[oc.Conversion]:
    return st.builds(
        oc.Conversion,
        customer_id=st.sampled_from(CUSTOMERS),
        timestamp=timestamps(tz=tz),
        value=money,
        channel=st.none() | st.sampled_from(["store", "web", "app"]),
        order_id=st.none() | ids,
    )


attribute_values = (
    st.text(min_size=1, max_size=5)
    | st.integers(-1000, 1000)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.booleans()
)


@st.composite
def customer_lists(draw: st.DrawFn) -> list[oc.Customer]:
    names = draw(st.lists(ids, min_size=1, max_size=6, unique=True))
    keys = ["segment", "score", "vip"]
    out = []
    for name in names:
        # Each attribute column holds one type, as a real frame column would.
        attributes = {}
        if draw(st.booleans()):
            attributes["segment"] = draw(st.sampled_from(["gold", "silver"]))
        if draw(st.booleans()):
            attributes["score"] = draw(st.floats(0, 100, allow_nan=False))
        if draw(st.booleans()):
            attributes["vip"] = draw(st.booleans())
        assert set(attributes) <= set(keys)
        out.append(
            oc.Customer(
                name,
                loyalty_id=draw(st.none() | ids),
                email_hash=draw(st.none() | ids),
                phone_hash=draw(st.none() | ids),
                home_location=draw(st.none() | ids),
                attributes=attributes,
            )
        )
    return out


order_lines = st.builds(oc.OrderLine, product=ids, quantity=st.integers(1, 50), price=money)


@st.composite
def order_lists(draw: st.DrawFn) -> list[oc.Order]:
    order_ids = draw(st.lists(ids, min_size=1, max_size=6, unique=True))
    return [
        oc.Order(
            oid,
            draw(st.sampled_from(CUSTOMERS)),
            draw(timestamps()),
            draw(st.sampled_from(["store", "web", "app"])),
            draw(money),
            location=draw(st.none() | ids),
            lines=draw(st.lists(order_lines, max_size=4)),
        )
        for oid in order_ids
    ]


@st.composite
def location_lists(draw: st.DrawFn) -> list[oc.Location]:
    names = draw(st.lists(ids, min_size=1, max_size=6, unique=True))
    out = []
    for name in names:
        kind = draw(st.sampled_from(list(oc.LocationKind)))
        physical = kind is not oc.LocationKind.ONLINE
        lat = draw(st.floats(-90, 90, allow_nan=False)) if physical else None
        lon = draw(st.floats(-180, 180, allow_nan=False)) if physical else None
        out.append(
            oc.Location(
                name,
                kind,
                lat,
                lon,
                capabilities=draw(st.sets(st.sampled_from(list(oc.Capability)))),
                capacity=draw(optional_money),
            )
        )
    return out


@st.composite
def event_frames(draw: st.DrawFn, *, max_touches: int = 40) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Touchpoint and conversion frames in arbitrary row order, with ties."""
    tps = draw(st.lists(touchpoints(), max_size=max_touches))
    cvs = draw(st.lists(conversions(), max_size=max_touches // 3))
    tp_frame = pd.DataFrame(
        {
            "customer_id": [t.customer_id for t in tps],
            "timestamp": pd.DatetimeIndex([t.timestamp for t in tps], dtype="datetime64[ns]"),
            "channel": [t.channel for t in tps],
        }
    )
    cv_frame = pd.DataFrame(
        {
            "customer_id": [c.customer_id for c in cvs],
            "timestamp": pd.DatetimeIndex([c.timestamp for c in cvs], dtype="datetime64[ns]"),
            "value": [c.value for c in cvs],
        }
    )
    return tp_frame, cv_frame


@st.composite
def path_frames(draw: st.DrawFn, *, max_rows: int = 30) -> pd.DataFrame:
    """Aggregated path frames in the ChannelAttribution layout, fractional counts included."""
    n = draw(st.integers(1, max_rows))
    paths = draw(
        st.lists(
            st.lists(st.sampled_from(CHANNELS[:4]), min_size=1, max_size=6), min_size=n, max_size=n
        )
    )
    # Fractional counts as real data has them (no subnormal floats); value only on conversions.
    count = st.floats(1e-3, 1000, allow_nan=False) | st.integers(0, 50).map(float)
    conversions = draw(st.lists(count, min_size=n, max_size=n))
    values = draw(st.lists(count, min_size=n, max_size=n))
    return pd.DataFrame(
        {
            "path": [" > ".join(p) for p in paths],
            "total_conversions": conversions,
            "total_null": draw(st.lists(count, min_size=n, max_size=n)),
            "total_conversion_value": [
                v if c > 0 else 0.0 for c, v in zip(conversions, values, strict=True)
            ],
        }
    )
