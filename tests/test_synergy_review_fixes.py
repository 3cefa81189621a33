"""Review fixes in synergy: contradictory budget constraints, empty mix data, region and time
zone mismatches in cross_channel_effects, and short messages for a wrong model argument."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import omnichannel as oc


class SeparableModel:
    """Known response sum_c x_c / (x_c + 1) per week: enough for optimize_budget."""

    channels = ("tv", "search", "social")
    spend = np.ones((8, 3))

    def media_effect(self, spend: np.ndarray) -> np.ndarray:
        x = np.maximum(spend, 0.0)
        return (x / (x + 1.0)).sum(axis=-1)


@pytest.fixture(scope="module")
def world() -> oc.StoreEvents:
    return oc.simulate_store_events(n_regions=20, n_weeks=40, seed=0)


# --- optimize_budget: fixed amount against the channel's own bounds --------------------------


@pytest.mark.parametrize(
    ("fixed", "bounds", "shown"),
    [
        (0.3, (1.0, None), "(1, None)"),
        (1.5, (None, 1.0), "(None, 1)"),
        (0.2, (0.5, 1.0), "(0.5, 1)"),
    ],
)
def test_fixed_outside_its_bounds_is_an_error(
    fixed: float, bounds: tuple[float | None, float | None], shown: str
) -> None:
    with pytest.raises(oc.InvalidParameterError) as info:
        oc.optimize_budget(SeparableModel(), total=2.0, fixed={"tv": fixed}, bounds={"tv": bounds})
    message = str(info.value)
    assert "'tv'" in message
    assert f"fixed['tv'] = {fixed:g}" in message
    assert f"bounds['tv'] = {shown}" in message


def test_fixed_inside_its_bounds_is_honoured() -> None:
    res = oc.optimize_budget(
        SeparableModel(), total=2.0, fixed={"tv": 0.5}, bounds={"tv": (0.5, 1.0)}
    )
    frame = res.to_frame().set_index("channel")
    assert frame.loc["tv", "optimal"] == pytest.approx(0.5)
    assert frame["optimal"].sum() == pytest.approx(2.0)
    # the other two channels are symmetric, so they split the rest
    assert frame.loc["search", "optimal"] == pytest.approx(0.75, abs=1e-5)


# --- fit_mix_model on an empty frame ---------------------------------------------------------


def test_mix_model_on_empty_frame_says_no_rows() -> None:
    data = pd.DataFrame(
        {
            "date": pd.Series([], dtype="datetime64[ns]"),
            "kpi": pd.Series([], dtype=float),
            "tv": pd.Series([], dtype=float),
            "search": pd.Series([], dtype=float),
        }
    )
    with pytest.raises(oc.SchemaError, match="data has no rows") as info:
        oc.fit_mix_model(data, kpi="kpi", media=["tv", "search"], n_boot=0)
    assert "zero in every week" not in str(info.value)


# --- cross_channel_effects: region ids and time zones that cannot be matched ----------------


def test_integer_regions_against_text_regions_is_an_error(world: oc.StoreEvents) -> None:
    sales = world.sales.assign(region=world.sales["region"].str[1:].astype(int))
    with pytest.raises(oc.SchemaError) as info:
        oc.cross_channel_effects(sales, events=world.events)
    message = str(info.value)
    assert "sales['region'] holds integer ids (dtype int64)" in message
    assert "events['region'] holds string ids" in message
    assert "integer" in message
    assert "string" in message
    # the same mismatch the other way round, and for drivers
    events = world.events.assign(region=world.events["region"].str[1:].astype(int))
    with pytest.raises(oc.SchemaError, match=r"events\['region'\]"):
        oc.cross_channel_effects(world.sales, events=events)
    drivers = world.drivers.assign(region=world.drivers["region"].str[1:].astype(int))
    with pytest.raises(
        oc.SchemaError, match=r"drivers\['region'\] holds integer ids \(dtype int64\)"
    ):
        oc.cross_channel_effects(world.sales, drivers=drivers)


def test_result_does_not_depend_on_region_id_dtype(world: oc.StoreEvents) -> None:
    def as_int(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(region=frame["region"].str[1:].astype(int))

    text = oc.cross_channel_effects(world.sales, events=world.events, drivers=world.drivers)
    ints = oc.cross_channel_effects(
        as_int(world.sales), events=as_int(world.events), drivers=as_int(world.drivers)
    )
    cats = oc.cross_channel_effects(
        world.sales.astype({"region": "category"}),
        events=world.events.astype({"region": "category"}),
        drivers=world.drivers,
    )
    for other in (ints, cats):
        pd.testing.assert_frame_equal(other.to_frame(), text.to_frame())


def test_events_in_no_sales_region_is_named(world: oc.StoreEvents) -> None:
    events = world.events.assign(region="X" + world.events["region"].astype(str))
    with pytest.raises(oc.SchemaError, match=r"events\['region'\] shares no region"):
        oc.cross_channel_effects(world.sales, events=events)


def test_naive_dates_against_aware_dates_is_an_error(world: oc.StoreEvents) -> None:
    aware = world.events.assign(date=world.events["date"].dt.tz_localize("America/New_York"))
    with pytest.raises(oc.SchemaError, match="timezone-aware or both naive") as info:
        oc.cross_channel_effects(world.sales, events=aware)
    assert "events['date']" in str(info.value)
    drivers = world.drivers.assign(date=world.drivers["date"].dt.tz_localize("UTC"))
    with pytest.raises(oc.SchemaError, match=r"drivers\['date'\]"):
        oc.cross_channel_effects(world.sales, drivers=drivers)


def test_aware_dates_in_both_frames_match_naive(world: oc.StoreEvents) -> None:
    naive = oc.cross_channel_effects(world.sales, events=world.events, drivers=world.drivers)

    def utc(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(date=frame["date"].dt.tz_localize("UTC"))

    aware = oc.cross_channel_effects(
        utc(world.sales), events=utc(world.events), drivers=utc(world.drivers)
    )
    pd.testing.assert_frame_equal(aware.to_frame(), naive.to_frame())


# --- score_synergy / optimize_budget given data instead of a model ---------------------------


def test_wrong_model_argument_gives_a_short_message() -> None:
    data = pd.DataFrame(
        {
            "date": pd.date_range("2023-01-02", periods=104, freq="W-MON"),
            "kpi": np.linspace(1.0, 2.0, 104),
            "tv": np.linspace(0.5, 1.5, 104),
            "search": np.linspace(1.5, 0.5, 104),
        }
    )
    for call in (
        lambda: oc.score_synergy(data),  # type: ignore[arg-type]
        lambda: oc.optimize_budget(data, total=1.0),  # type: ignore[arg-type]
    ):
        with pytest.raises(oc.InvalidParameterError) as info:
            call()
        message = str(info.value)
        assert "\n" not in message
        assert "a DataFrame of shape (104 x 4)" in message
        assert len(message) < 300


def test_premium_count_treatment_message_shows_plain_values() -> None:
    sim = oc.simulate_customer_selection(n_customers=200, seed=0)
    customers = sim.customers.set_axis(np.arange(len(sim.customers)) + 10)
    with pytest.raises(oc.SchemaError) as info:
        oc.multichannel_premium(
            customers,
            treatment="n_channels",
            outcome="spend",
            covariates=list(sim.covariates),
            n_boot=0,
        )
    message = str(info.value)
    assert "np." not in message
    first = int(np.flatnonzero(~customers["n_channels"].isin([0, 1]).to_numpy())[0])
    value = float(customers["n_channels"].iloc[first])
    assert f"got {value!r} at index {first + 10}." in message
