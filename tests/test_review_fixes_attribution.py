"""Regression tests for review findings on attribution inputs and the journey store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omnichannel as oc
from tests import strategies as s

DAY = pd.Timedelta(days=1)


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """c1 converts twice (the second time with no touch within 2 days); c2 never converts."""
    tp = pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c2", "c1"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]),
            "channel": ["search", "email", "social", "display"],
        }
    )
    cv = pd.DataFrame(
        {
            "customer_id": ["c1", "c1"],
            "timestamp": pd.to_datetime(["2024-01-05", "2024-01-20"]),
            "value": [30.0, 50.0],
        }
    )
    return tp, cv


# --------------------------------------------------------------------------- finding 1
def test_attribute_rejects_frame_options_with_a_store():
    tp, cv = _frames()
    store = oc.build_journeys(tp, cv)
    for option in ({"lookback": DAY}, {"max_length": 1}, {"conversions": cv}):
        (name,) = option
        with pytest.raises(oc.InvalidParameterError, match=f"attribute takes \\['{name}'\\]"):
            oc.attribute(store, oc.Linear(), **option)
    with pytest.raises(oc.InvalidParameterError, match="'lookback' parameter of attribute"):
        oc.attribute(tp, oc.Linear(), conversions=cv, lookback=30)
    with pytest.raises(oc.InvalidParameterError, match="'max_length' parameter of attribute"):
        oc.attribute(tp, oc.Linear(), conversions=cv, max_length=0)


def test_attribute_reports_conversions_without_a_touch():
    tp, cv = _frames()
    result = oc.attribute(tp, oc.LastTouch(), conversions=cv, lookback=2 * DAY)
    # Conversion 1 (Jan 5) keeps its Jan 4 display touch; conversion 2 (Jan 20) has none.
    assert result.total_conversions == 1.0
    assert result.unattributed_conversions == 1.0
    assert result.unattributed_value == 50.0
    assert result.conversions.sum() + result.unattributed_conversions == len(cv)
    assert "1 conversions (value 50) had no touch" in repr(result)
    assert "had no touch" in result._repr_html_()
    # Without any dropped conversion nothing is added to the repr.
    whole = oc.attribute(tp, oc.LastTouch(), conversions=cv.iloc[:1])
    assert whole.unattributed_conversions == 0.0
    assert "had no touch" not in repr(whole)


@settings(max_examples=60, deadline=None)
@given(
    s.event_frames(),
    st.none() | st.integers(1, 20 * 24).map(lambda h: pd.Timedelta(hours=h)),
    st.none() | st.integers(1, 3),
    st.randoms(use_true_random=False),
)
def test_attribute_from_frames_accounts_for_every_conversion(frames, lookback, max_length, rnd):
    tp, cv = frames
    store = oc.build_journeys(tp, cv, lookback=lookback, max_length=max_length)
    if store.n_touches == 0:
        return
    # Row order must not matter.
    tp = tp.iloc[rnd.sample(range(len(tp)), len(tp))]
    cv = cv.iloc[rnd.sample(range(len(cv)), len(cv))]
    result = oc.attribute(tp, oc.Linear(), conversions=cv, lookback=lookback, max_length=max_length)
    expected = oc.attribute(store, oc.Linear())
    np.testing.assert_allclose(result.conversions, expected.conversions)
    assert result.total_conversions + result.unattributed_conversions == len(cv)
    assert result.total_value + result.unattributed_value == pytest.approx(
        cv["value"].sum(), rel=1e-9, abs=1e-6
    )


# --------------------------------------------------------------------------- finding 2
@pytest.mark.parametrize(
    ("bad", "why"),
    [("", "is empty"), ("email ", "whitespace"), ("search>brand", "path separator")],
)
def test_build_journeys_names_the_row_of_a_bad_channel(bad, why):
    tp, cv = _frames()
    tp = tp.set_axis([10, 11, 12, 13]).assign(channel=["search", bad, "social", bad])
    with pytest.raises(oc.SchemaError, match="touchpoints\\['channel'\\] has 2 row\\(s\\)") as err:
        oc.build_journeys(tp, cv)
    assert "first at index 11" in str(err.value)
    assert why in str(err.value)


def test_channel_rule_is_the_same_in_every_constructor():
    with pytest.raises(oc.InvalidParameterError, match="'email ', which has leading"):
        oc.Journeys(("email ",), [0], [0, 1], [1.0], [0.0], [0.0])
    with pytest.raises(oc.InvalidParameterError, match="'a>b', which contains the path sep"):
        oc.Journeys(("a>b",), [0], [0, 1], [1.0], [0.0], [0.0])
    with pytest.raises(oc.SchemaError, match="channel name 'a>b' at index 1 \\('a>b\\|c'\\)"):
        oc.Journeys.from_paths(
            pd.DataFrame({"path": ["c", "a>b|c"], "total_conversions": [1, 1]}), sep="|"
        )
    t = pd.Timestamp("2024-01-01")
    with pytest.raises(oc.InvalidParameterError, match="'tv ', which has leading"):
        oc.Journeys.from_journeys(
            [oc.Journey("c1", [oc.Touchpoint("c1", "tv ", t)], converted=False)]
        )
    tp, cv = _frames()
    j = oc.build_journeys(tp, cv)
    touches = j.touch_frame()
    touches.loc[1, "channel"] = " email"
    with pytest.raises(oc.SchemaError, match="touches\\['channel'\\] has 1 row\\(s\\)"):
        oc.Journeys.from_frame(j.to_frame(), touches)


def test_store_round_trips_through_its_path_strings():
    tp, cv = _frames()
    tp = tp.assign(channel=["paid search", "e-mail", "social", "tv (linear)"])
    j = oc.build_journeys(tp, cv, keep_empty=True)
    back = oc.Journeys.from_frame(j.to_frame())
    assert back.channels == j.channels
    assert back.path_labels().tolist() == j.path_labels().tolist()
    assert oc.Journeys.from_frame(j.to_frame(), j.touch_frame()).equals(j)


# --------------------------------------------------------------------------- finding 3
def test_from_frame_names_the_first_journey_whose_touches_disagree():
    tp, cv = _frames()
    j = oc.build_journeys(tp, cv)
    paths, touches = j.to_frame(), j.touch_frame()
    assert paths["path"].tolist() == ["search > email > display", "social"]
    cases = [
        (
            touches.iloc[:2],
            "journey_id 0 \\(journeys has path='search > email > display', length=3",
        ),
        (touches.assign(channel=["search", "email", "display", "tv"]), "journey_id 1 .* 'tv'"),
        (touches.iloc[[0, 1, 2]], "journey_id 1"),
    ]
    for bad, message in cases:
        with pytest.raises(oc.SchemaError, match=message):
            oc.Journeys.from_frame(paths, bad)
    with pytest.raises(oc.SchemaError, match="journey_id 1 .*length=5"):
        oc.Journeys.from_frame(paths.assign(length=[3, 5]), touches)
    # Another spelling of the same path is not a disagreement.
    respelled = paths.assign(path=["search>email >display", " social"])
    assert oc.Journeys.from_frame(respelled, touches).equals(j)


# --------------------------------------------------------------------------- finding 4
def test_markov_rejects_channels_named_like_its_states():
    frame = pd.DataFrame(
        {"path": ["(start) > email", "email"], "total_conversions": [3, 2], "total_null": [5, 5]}
    )
    j = oc.Journeys.from_paths(frame)
    with pytest.raises(oc.SchemaError, match="\\['\\(start\\)'\\] named like the states"):
        oc.attribute(j, oc.Markov())
    # Models without state labels are unaffected.
    assert oc.attribute(j, oc.Linear()).conversions.sum() == pytest.approx(5.0)


# --------------------------------------------------------------------------- finding 5
def test_compare_models_takes_the_inputs_of_attribute():
    tp, cv = _frames()
    models = [oc.Linear(), oc.Markov()]
    from_frames = oc.compare_models(tp, models, conversions=cv, lookback=2 * DAY)
    store = oc.build_journeys(tp, cv, lookback=2 * DAY)
    pd.testing.assert_frame_equal(from_frames, oc.compare_models(store, models))
    with pytest.raises(oc.InvalidParameterError, match="compare_models got a touchpoints frame"):
        oc.compare_models(tp, models)
    with pytest.raises(oc.InvalidParameterError, match="compare_models takes \\['lookback'\\]"):
        oc.compare_models(store, models, lookback=DAY)
    with pytest.raises(oc.InvalidParameterError, match="must be a Journeys store or"):
        oc.compare_models([1, 2], models)


# --------------------------------------------------------------------------- finding 6
def test_take_accepts_any_empty_selection_and_numpy_negative_indices():
    frame = pd.DataFrame({"path": ["a", "b > a"], "total_conversions": [1.0, 2.0]})
    j = oc.Journeys.from_paths(frame)
    for empty in ([], range(0), (), np.array([], dtype=np.int64)):
        assert j.take(empty).n_paths == 0
    assert j.take([-2, -1]).equals(j)
    for bad in ([2], [-3], [0.5], [[0]]):
        with pytest.raises(oc.InvalidParameterError, match="indices in \\[-2, 1\\]"):
            j.take(bad)


def test_markov_credits_a_store_with_an_untouched_channel():
    # A lookback can drop every touch of a channel; its code stays in the store.
    sparse = oc.Journeys(("a", "b", "c"), [0, 2, 2], [0, 2, 3], [1.0, 0.0], [0.0, 1.0], [5.0, 0.0])
    dense = oc.Journeys(("a", "c"), [0, 1, 1], [0, 2, 3], [1.0, 0.0], [0.0, 1.0], [5.0, 0.0])
    for model in (oc.Markov(), oc.Markov(order=2)):
        full = oc.attribute(sparse, model).to_frame().set_index("channel")
        want = oc.attribute(dense, model).to_frame().set_index("channel")
        assert full.loc["b", "conversions"] == 0.0
        pd.testing.assert_frame_equal(full.drop(index="b"), want)
