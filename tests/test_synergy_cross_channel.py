"""Halo and cannibalisation between sales channels: store events and cross elasticities."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omnichannel as oc

REFERENCE = Path(__file__).parents[1] / "benchmarks" / "reference"


@pytest.fixture(scope="module")
def world() -> oc.StoreEvents:
    return oc.simulate_store_events(n_regions=40, n_weeks=80, seed=5)


@pytest.fixture(scope="module")
def result(world: oc.StoreEvents) -> oc.CrossChannelResult:
    return oc.cross_channel_effects(
        world.sales,
        events=world.events,
        drivers=world.drivers,
        response=["online", "store"],
        leads_lags=(4, 6),
    )


def _merged(result: oc.CrossChannelResult, world: oc.StoreEvents) -> pd.DataFrame:
    return result.to_frame().merge(world.truth, on=["design", "cause", "channel"], how="inner")


# ------------------------------------------------------------------------------------------
# ground truth


def test_every_true_effect_is_inside_its_interval(
    result: oc.CrossChannelResult, world: oc.StoreEvents
) -> None:
    merged = _merged(result, world)
    assert len(merged) == len(world.truth) == 8
    inside = (merged["lower"] <= merged["effect"]) & (merged["effect"] <= merged["upper"])
    assert inside.all(), merged.loc[~inside, ["design", "cause", "channel", "estimate", "effect"]]


def test_labels_read_the_relationship(result: oc.CrossChannelResult) -> None:
    frame = result.to_frame().set_index(["design", "cause", "channel"])["label"]
    assert frame[("events", "opening", "online")] == "halo"  # +10% online after an opening
    assert frame[("events", "closure", "online")] == "halo"  # -8% online after a closure
    assert frame[("events", "opening", "store")] == "own"
    assert frame[("drivers", "store", "online")] == "cannibalisation"  # elasticity -0.15
    assert frame[("drivers", "online", "store")] == "halo"  # elasticity +0.10
    assert frame[("drivers", "online", "online")] == "own"


def test_cannibalising_openings_are_found() -> None:
    sim = oc.simulate_store_events(
        n_regions=40, n_weeks=60, opening_effect=-0.12, closure_effect=0.15, seed=9
    )
    res = oc.cross_channel_effects(sim.sales, events=sim.events).events().set_index("cause")
    assert res.loc["opening", "label"] == "cannibalisation"
    assert res.loc["closure", "label"] == "cannibalisation"
    assert res.loc["opening", "lower"] <= np.log1p(-0.12) <= res.loc["opening", "upper"]
    assert res.loc["closure", "lower"] <= np.log1p(0.15) <= res.loc["closure", "upper"]


def test_event_study_is_flat_before_and_at_the_effect_after(
    result: oc.CrossChannelResult,
) -> None:
    study = result.event_study()
    online = study.loc[(study["kind"] == "opening") & (study["channel"] == "online")]
    assert -1 not in online["period"].tolist()
    before = online.loc[online["period"] < -1]
    after = online.loc[online["period"] >= 0]
    # No anticipation: every lead's interval covers zero; lags centre on log(1.10).
    assert ((before["lower"] <= 0) & (before["upper"] >= 0)).all()
    assert abs(after["estimate"].mean() - np.log1p(0.10)) < 2 * after["se"].mean()


def test_national_drivers_use_trend_and_seasonality() -> None:
    sim = oc.simulate_store_events(n_regions=4, n_weeks=156, seed=3)
    # One national series: sum over regions, no region column.
    sales = sim.sales.groupby(["date", "channel"], as_index=False)["sales"].sum()
    sales["region"] = "all"
    drivers = sim.drivers.groupby(["date", "channel"], as_index=False)["activity"].sum()
    res = oc.cross_channel_effects(sales, drivers=drivers).elasticities()
    assert (res["n_clusters"] == 0).all()
    own = res.set_index(["cause", "channel"]).loc[("online", "online")]
    assert own["lower"] <= 0.6 <= own["upper"] or abs(own["estimate"] - 0.6) < 0.15


# ------------------------------------------------------------------------------------------
# peer: linearmodels PanelOLS on a frozen panel


def test_matches_linearmodels_panel_ols() -> None:
    ref = json.loads((REFERENCE / "cross_channel_reference.json").read_text())
    sales = pd.read_csv(REFERENCE / "cross_channel_panel.csv", parse_dates=["date"])
    events = pd.read_csv(REFERENCE / "cross_channel_events.csv", parse_dates=["date"])
    res = oc.cross_channel_effects(sales, events=events).events().set_index("cause")
    n, g, t = ref["n_obs"], ref["n_regions"], ref["n_periods"]
    assert (res["n_obs"] == n).all()
    # Ours: G/(G-1) (N-1)/(N-k-(T-1)); linearmodels (debiased=False): N/(N-G-T+1).
    ours = g / (g - 1) * (n - 1) / (n - 2 - (t - 1))
    theirs = n / (n - g - t + 1)
    for cause in ("opening", "closure"):
        assert res.loc[cause, "estimate"] == pytest.approx(ref["estimate"][cause], rel=1e-8)
        se = res.loc[cause, "se"] * np.sqrt(theirs / ours)
        assert se == pytest.approx(ref["se"][cause], rel=1e-6)


# ------------------------------------------------------------------------------------------
# invariants


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.01, 100.0))
def test_invariant_to_row_order_and_sales_scale(seed: int, scale: float) -> None:
    sim = oc.simulate_store_events(n_regions=12, n_weeks=30, seed=seed)
    sales, events, drivers = sim.sales, sim.events, sim.drivers
    base = oc.cross_channel_effects(sales, events=events, drivers=drivers).to_frame()
    shuffled = sales.sample(frac=1.0, random_state=seed).assign(sales=lambda f: f["sales"] * scale)
    other = oc.cross_channel_effects(
        shuffled, events=events.iloc[::-1], drivers=drivers.sample(frac=1.0, random_state=1)
    ).to_frame()
    pd.testing.assert_frame_equal(
        base.drop(columns=["estimate"]), other.drop(columns=["estimate"]), rtol=1e-6, atol=1e-9
    )
    np.testing.assert_allclose(other["estimate"], base["estimate"], rtol=1e-6, atol=1e-9)
    assert ((base["lower"] <= base["estimate"]) & (base["estimate"] <= base["upper"])).all()


def test_input_not_modified(world: oc.StoreEvents) -> None:
    sales, events = world.sales, world.events
    before_s, before_e = sales.copy(), events.copy()
    oc.cross_channel_effects(sales, events=events)
    pd.testing.assert_frame_equal(sales, before_s)
    pd.testing.assert_frame_equal(events, before_e)


def test_views_and_plot(result: oc.CrossChannelResult) -> None:
    assert list(result.to_frame().columns[:4]) == ["design", "cause", "channel", "estimate"]
    assert (result.events()["design"] == "events").all()
    assert (result.elasticities()["design"] == "drivers").all()
    assert (result.summary()["label"] != "own").all()
    assert "CrossChannelResult(8 effects" in repr(result)
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    assert result.plot().get_title() == "Cross-channel effects"
    assert result.plot(what="event_study").get_title() == "Event study"
    plt.close("all")


# ------------------------------------------------------------------------------------------
# bad input


def test_bad_input_has_clear_errors(world: oc.StoreEvents) -> None:
    sales, events = world.sales, world.events
    with pytest.raises(oc.InvalidParameterError, match="needs events"):
        oc.cross_channel_effects(sales)
    with pytest.raises(oc.SchemaError, match=r"missing required column\(s\) \['kind'\]"):
        oc.cross_channel_effects(sales, events=events.drop(columns="kind"))
    bad_kind = events.assign(kind=events["kind"].replace("opening", "refit"))
    with pytest.raises(oc.SchemaError, match=r"events\['kind'\] must be one of"):
        oc.cross_channel_effects(sales, events=bad_kind)
    zero = sales.assign(sales=np.where(sales.index == 0, 0.0, sales["sales"]))
    with pytest.raises(oc.SchemaError, match="must be > 0"):
        oc.cross_channel_effects(zero, events=events)
    with pytest.raises(oc.SchemaError, match="missing the value column 'revenue'"):
        oc.cross_channel_effects(sales, events=events, value="revenue")
    with pytest.raises(oc.InvalidParameterError, match="'response' parameter"):
        oc.cross_channel_effects(sales, events=events, response="app")
    with pytest.raises(oc.InvalidParameterError, match="needs events"):
        oc.cross_channel_effects(sales, drivers=world.drivers, leads_lags=(3, 3))


def test_no_control_regions_is_an_error(world: oc.StoreEvents) -> None:
    sales, events = world.sales, world.events
    treated = sales.loc[sales["region"].isin(events["region"])]
    with pytest.raises(oc.SchemaError, match="no control region"):
        oc.cross_channel_effects(treated, events=events)
