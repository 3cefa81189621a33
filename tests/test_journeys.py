from __future__ import annotations

from collections import Counter

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omnichannel as oc
from tests import strategies as s


# --------------------------------------------------------------------------- reference
def reference_journeys(
    tp, cv, *, lookback=None, include_null=True, max_length=None, keep_empty=False
):
    """Plain-Python statement of the journey-building rules, one customer at a time."""
    out = []
    customers = set(tp["customer_id"]) | set(cv["customer_id"])
    for cust in customers:
        touches = sorted(
            (t, i, ch)
            for i, (c, t, ch) in enumerate(
                zip(tp["customer_id"], tp["timestamp"], tp["channel"], strict=False)
            )
            if c == cust
        )
        convs = sorted(
            (t, v, i)
            for i, (c, t, v) in enumerate(
                zip(cv["customer_id"], cv["timestamp"], cv["value"], strict=False)
            )
            if c == cust
        )
        groups: dict[int, list] = {}
        last_time = touches[-1][0] if touches else None
        for t, _, ch in touches:
            k = next((k for k, (ct, _, _) in enumerate(convs) if ct >= t), None)
            if k is None:
                if not include_null:
                    continue
                if lookback is not None and last_time - t > lookback:
                    continue
                groups.setdefault(-1, []).append((t, ch))
            else:
                if lookback is not None and convs[k][0] - t > lookback:
                    continue
                groups.setdefault(k, []).append((t, ch))
        for k, (ct, v, _) in enumerate(convs):
            touches_k = groups.get(k, [])
            if touches_k or keep_empty:
                if max_length is not None:
                    touches_k = touches_k[-max_length:]
                out.append(
                    (
                        cust,
                        tuple(ch for _, ch in touches_k),
                        tuple(t for t, _ in touches_k),
                        1.0,
                        v,
                        ct,
                    )
                )
        if -1 in groups:
            touches_n = groups[-1]
            end = touches_n[-1][0]
            if max_length is not None:
                touches_n = touches_n[-max_length:]
            out.append(
                (
                    cust,
                    tuple(ch for _, ch in touches_n),
                    tuple(t for t, _ in touches_n),
                    0.0,
                    0.0,
                    end,
                )
            )
    return sorted(out, key=lambda r: (r[0], r[5], r[3]))


def store_rows(j: oc.Journeys):
    frame = j.to_frame()
    touches = j.touch_frame()
    channels = np.split(touches["channel"].to_numpy(), j.offsets[1:-1])
    stamps = np.split(touches["timestamp"].to_numpy(), j.offsets[1:-1])
    rows = []
    for i in range(j.n_paths):
        rows.append(
            (
                frame["customer_id"].iat[i],
                tuple(channels[i]) if j.n_paths else (),
                tuple(pd.Timestamp(t) for t in stamps[i]) if j.n_paths else (),
                float(frame["conversions"].iat[i]),
                float(frame["value"].iat[i]),
                frame["end_time"].iat[i],
            )
        )
    return sorted(rows, key=lambda r: (r[0], r[5], r[3]))


lookbacks = st.none() | st.integers(1, 20 * 24).map(lambda h: pd.Timedelta(hours=h))


@settings(max_examples=100, deadline=None)
@given(
    s.event_frames(),
    lookbacks,
    st.booleans(),
    st.none() | st.integers(1, 4),
    st.booleans(),
)
def test_build_journeys_matches_reference(frames, lookback, include_null, max_length, keep_empty):
    tp, cv = frames
    tp_before, cv_before = tp.copy(deep=True), cv.copy(deep=True)
    j = oc.build_journeys(
        tp,
        cv,
        lookback=lookback,
        include_null=include_null,
        max_length=max_length,
        keep_empty=keep_empty,
    )
    expected = reference_journeys(
        tp,
        cv,
        lookback=lookback,
        include_null=include_null,
        max_length=max_length,
        keep_empty=keep_empty,
    )
    assert store_rows(j) == expected
    assert j.total_conversions + j.total_nulls == len(expected)
    pd.testing.assert_frame_equal(tp, tp_before)
    pd.testing.assert_frame_equal(cv, cv_before)


@settings(max_examples=100, deadline=None)
@given(s.event_frames())
def test_splitting_never_loses_or_duplicates_a_touch(frames):
    tp, cv = frames
    j = oc.build_journeys(tp, cv)
    got = Counter(
        zip(
            np.repeat(j.customer_id, j.lengths),
            j.touch_frame()["timestamp"],
            j.touch_frame()["channel"],
            strict=True,
        )
    )
    assert got == Counter(zip(tp["customer_id"], tp["timestamp"], tp["channel"], strict=True))
    # Journeys of a customer are contiguous and ordered in time.
    frame = j.to_frame()
    for _, rows in frame.groupby("customer_id", sort=False):
        assert rows["journey_id"].diff().dropna().eq(1).all()
        assert rows["end_time"].is_monotonic_increasing


@settings(max_examples=60, deadline=None)
@given(s.event_frames())
def test_result_does_not_depend_on_row_order(frames):
    tp, cv = frames
    j = oc.build_journeys(tp, cv, lookback=pd.Timedelta(days=10))
    shuffled = oc.build_journeys(
        tp.sample(frac=1.0, random_state=1),
        cv.sample(frac=1.0, random_state=2),
        lookback=pd.Timedelta(days=10),
    )

    # Row order may change which of two touches with the same time comes first, and the customer
    # order; the journeys as sets of rows stay the same.
    def key(store):
        return sorted(
            (r[0], tuple(sorted(zip(r[2], r[1], strict=False))), r[3], r[4], r[5])
            for r in store_rows(store)
        )

    assert key(j) == key(shuffled)


# --------------------------------------------------------------------------- round trips
@settings(max_examples=80, deadline=None)
@given(s.event_frames(), st.booleans())
def test_store_round_trips(frames, keep_empty):
    tp, cv = frames
    j = oc.build_journeys(tp, cv, keep_empty=keep_empty)
    # Frames (exact, with times and customers).
    assert oc.Journeys.from_frame(j.to_frame(), j.touch_frame()).equals(j)
    # Objects.
    assert oc.Journeys.from_journeys(j.to_journeys()).equals(j)
    # Path strings (counts and paths only).
    bare = attrs.evolve(j, times=None, end_times=None, tz=None, customer_id=None)
    paths = oc.Journeys.from_paths(
        j.to_frame(), conversions="conversions", nulls="nulls", value="value"
    )
    if j.n_touches:  # channel list of a store with no touch is empty either way
        assert paths.equals(bare)


@settings(max_examples=80, deadline=None)
@given(s.path_frames())
def test_path_strings_round_trip(frame):
    j = oc.Journeys.from_paths(frame)
    assert j.conversions.tolist() == frame["total_conversions"].tolist()  # fractional kept
    back = j.to_frame()
    assert back["path"].tolist() == frame["path"].tolist()
    again = oc.Journeys.from_paths(back, conversions="conversions", nulls="nulls", value="value")
    assert again.equals(j)


@settings(max_examples=80, deadline=None)
@given(s.path_frames())
def test_aggregate_preserves_totals_and_merges_identical_paths(frame):
    j = oc.Journeys.from_paths(frame)
    agg = j.aggregate()
    assert agg.n_paths == frame["path"].nunique()
    for name in ("conversions", "nulls", "value"):
        assert getattr(agg, name).sum() == pytest.approx(
            getattr(j, name).sum(), rel=1e-12, abs=1e-9
        )
    expected = frame.groupby("path", sort=False)[["total_conversions", "total_null"]].sum()
    got = agg.to_frame().set_index("path")
    assert got.index.tolist() == expected.index.tolist()  # first-appearance order
    np.testing.assert_allclose(got["conversions"], expected["total_conversions"])
    np.testing.assert_allclose(got["nulls"], expected["total_null"])
    assert agg.aggregate().equals(agg)
    # Per-channel conversions of journeys containing each channel are preserved too.
    pd.testing.assert_frame_equal(agg.channel_summary(), j.channel_summary(), rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(s.path_frames(), st.integers(1, 5))
def test_collapse_and_truncate_match_python(frame, n):
    j = oc.Journeys.from_paths(frame)
    paths = [p.split(" > ") for p in frame["path"]]
    collapsed = [" > ".join(x for i, x in enumerate(p) if i == 0 or x != p[i - 1]) for p in paths]
    assert j.collapse_repeats().path_labels().tolist() == collapsed
    assert j.truncate(n).path_labels().tolist() == [" > ".join(p[-n:]) for p in paths]


def test_take_supports_bootstrap_indices_and_keeps_times():
    tp = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "channel": ["x", "y", "x"],
        }
    )
    cv = pd.DataFrame(
        {"customer_id": ["a"], "timestamp": [pd.Timestamp("2024-01-05")], "value": [2.0]}
    )
    j = oc.build_journeys(tp, cv)
    boot = j.take(np.array([1, 1, 0]))
    assert boot.path_labels().tolist() == ["x", "x", "x > y"]
    assert boot.customer_id.tolist() == ["b", "b", "a"]
    assert boot.touch_frame()["timestamp"].tolist() == list(
        pd.to_datetime(["2024-01-03", "2024-01-03", "2024-01-01", "2024-01-02"])
    )
    assert j.take([-1]).customer_id.tolist() == ["b"]
    with pytest.raises(oc.InvalidParameterError, match="integer indices"):
        j.take([5])


def test_arrays_are_read_only():
    j = oc.Journeys.from_paths(pd.DataFrame({"path": ["a > b"], "total_conversions": [1.0]}))
    with pytest.raises(ValueError, match="read-only"):
        j.codes[0] = 1
    with pytest.raises(ValueError, match="read-only"):
        j.conversions[0] = 5.0


def test_constructor_checks_invariants():
    ok = {
        "channels": ("a", "b"),
        "codes": [0, 1, 1],
        "offsets": [0, 2, 3],
        "conversions": [1, 0],
        "nulls": [0, 1],
        "value": [1, 0],
    }
    oc.Journeys(**ok)
    bad = [
        ({"channels": ("b", "a")}, "sorted and unique"),
        ({"offsets": [0, 2, 4]}, "end at len\\(codes\\)"),
        (
            {
                "offsets": [0, 3, 2, 3],
                "conversions": [1, 0, 0],
                "nulls": [0, 1, 0],
                "value": [0, 0, 0],
            },
            "non-decreasing",
        ),
        ({"codes": [0, 1, 2]}, "must lie in \\[0, 1\\]"),
        ({"conversions": [1.0, -1.0]}, "conversions must be finite and >= 0; path 1"),
        ({"value": [np.nan, 0]}, "value must be finite"),
        ({"nulls": [1.0]}, "one entry per path"),
        ({"times": [3, 2, 1]}, "sorted within each path; path 0"),
    ]
    for change, message in bad:
        with pytest.raises(oc.InvalidParameterError, match=message):
            oc.Journeys(**{**ok, **change})
    # A time going backwards across a path boundary is fine.
    oc.Journeys(**ok, times=[5, 6, 1])


def test_from_paths_errors_and_options():
    with pytest.raises(oc.SchemaError, match="empty channel name at index 1"):
        oc.Journeys.from_paths(
            pd.DataFrame({"path": ["a > b", "a >  > b"], "total_conversions": [1, 1]})
        )
    with pytest.raises(oc.SchemaError, match="negative value"):
        oc.Journeys.from_paths(pd.DataFrame({"path": ["a"], "total_conversions": [-1.0]}))
    with pytest.raises(oc.SchemaError, match="missing value"):
        oc.Journeys.from_paths(pd.DataFrame({"path": ["a", None], "total_conversions": [1.0, 1.0]}))
    with pytest.raises(oc.SchemaError, match="missing required column\\(s\\) \\['n'\\]"):
        oc.Journeys.from_paths(pd.DataFrame({"path": ["a"], "total_conversions": [1.0]}), nulls="n")
    frame = pd.DataFrame({"p": ["  tv|search ", "search"], "c": [0.25, 1]})
    j = oc.Journeys.from_paths(frame, path="p", conversions="c", sep="|")
    assert j.path_labels("|").tolist() == ["tv|search", "search"]
    assert j.nulls.tolist() == [0.0, 0.0]
    assert j.conversions.tolist() == [0.25, 1.0]


def test_build_journeys_errors():
    tp = pd.DataFrame(
        {"customer_id": ["a"], "timestamp": [pd.Timestamp("2024-01-01")], "channel": ["x"]}
    )
    cv = pd.DataFrame(
        {"customer_id": ["a"], "timestamp": [pd.Timestamp("2024-01-02", tz="UTC")], "value": [1.0]}
    )
    with pytest.raises(oc.SchemaError, match="both must be timezone-aware or both naive"):
        oc.build_journeys(tp, cv)
    cv_int = pd.DataFrame(
        {"customer_id": [1], "timestamp": [pd.Timestamp("2024-01-02")], "value": [1.0]}
    )
    with pytest.raises(oc.SchemaError, match="one type of id in both frames"):
        oc.build_journeys(tp, cv_int)
    with pytest.raises(oc.InvalidParameterError, match="'lookback' parameter of build_journeys"):
        oc.build_journeys(tp, cv.assign(timestamp=pd.Timestamp("2024-01-02")), lookback=30)
    with pytest.raises(oc.InvalidParameterError, match="'max_length' parameter of build_journeys"):
        oc.build_journeys(tp, cv.assign(timestamp=pd.Timestamp("2024-01-02")), max_length=0)
    with pytest.raises(oc.SchemaError, match=r"conversions\['value'\] has 1 negative"):
        oc.build_journeys(tp, cv.assign(timestamp=pd.Timestamp("2024-01-02"), value=-1.0))


def test_timezone_aware_journeys_keep_their_zone():
    tz = "America/New_York"
    tp = pd.DataFrame(
        {
            "customer_id": ["a", "a"],
            "timestamp": pd.to_datetime(["2024-03-10 01:30", "2024-03-10 03:30"]).tz_localize(tz),
            "channel": ["x", "y"],
        }
    )
    cv = pd.DataFrame(
        {
            "customer_id": ["a"],
            "timestamp": [pd.Timestamp("2024-03-10 04:00", tz=tz)],
            "value": [1.0],
        }
    )
    j = oc.build_journeys(tp, cv, lookback=pd.Timedelta(hours=2))
    # Elapsed time counts: 01:30 EST is 1.5 hours before 04:00 EDT (2.5 hours on the wall clock).
    assert j.path_labels().tolist() == ["x > y"]
    assert oc.build_journeys(tp, cv, lookback=pd.Timedelta(hours=1)).path_labels().tolist() == ["y"]
    assert str(j.touch_frame()["timestamp"].dt.tz) == tz


def test_integer_and_categorical_inputs():
    tp = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01"]),
            "channel": pd.Categorical(["x", "y", "x"], categories=["y", "x", "unused"]),
        }
    )
    cv = pd.DataFrame(
        {"customer_id": [1], "timestamp": [pd.Timestamp("2024-01-03")], "value": [5.0]}
    )
    j = oc.build_journeys(tp, cv)
    assert j.channels == ("x", "y")
    assert j.customer_id.tolist() == [1, 2]
    assert j.to_frame()["path"].tolist() == ["x > y", "x"]


def test_summaries_and_repr():
    frame = pd.DataFrame(
        {
            "path": ["a", "a > b", "b"],
            "total_conversions": [1, 1, 0],
            "total_null": [1, 0, 2],
            "total_conversion_value": [10.0, 5.0, 0.0],
        }
    )
    j = oc.Journeys.from_paths(frame)
    assert repr(j) == (
        "Journeys(3 paths, 4 touches, 2 channels ['a', 'b'], 2 conversions, 3 nulls, value 15)"
    )
    summary = j.summary().set_index("statistic")["value"]
    assert summary["conversion_rate"] == pytest.approx(2 / 5)
    assert summary["mean_length"] == pytest.approx((1 * 2 + 2 * 1 + 1 * 2) / 5)
    by_channel = j.channel_summary().set_index("channel")
    assert by_channel.loc["a", "journeys"] == 3.0
    assert by_channel.loc["b", "conversions"] == 1.0
    assert by_channel.loc["a", "value"] == 15.0
    assert "<table" in j._repr_html_()
