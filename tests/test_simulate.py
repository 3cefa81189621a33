from __future__ import annotations

import datetime as dt
import itertools
import math

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

import omnichannel as oc
from omnichannel import InvalidParameterError, simulate_retailer

MARKETING = ["search", "social", "display", "email", "affiliate", "tv"]
SALES_CHANNELS = ["store", "web", "app"]

# Expected layout of every frame: column -> (kind, nullable).
LAYOUT: dict[str, dict[str, tuple[str, bool]]] = {
    "channels": {"channel": ("str", False), "kind": ("str", False), "role": ("str", False)},
    "customers": {
        "customer_id": ("str", False),
        "loyalty_id": ("str", True),
        "email_hash": ("str", True),
        "home_location": ("str", False),
        "acquisition_channel": ("str", False),
        "segment": ("str", False),
    },
    "touchpoints": {
        "customer_id": ("str", False),
        "timestamp": ("datetime", False),
        "channel": ("str", False),
        "interaction": ("str", False),
        "cost": ("float", False),
    },
    "conversions": {
        "customer_id": ("str", False),
        "timestamp": ("datetime", False),
        "value": ("float", False),
        "channel": ("str", False),
        "order_id": ("str", False),
    },
    "orders": {
        "order_id": ("str", False),
        "customer_id": ("str", False),
        "timestamp": ("datetime", False),
        "channel": ("str", False),
        "value": ("float", False),
        "location": ("str", False),
    },
    "order_lines": {
        "order_id": ("str", False),
        "product": ("str", False),
        "quantity": ("int", False),
        "price": ("float", False),
    },
    "products": {
        "product": ("str", False),
        "category": ("str", False),
        "price": ("float", False),
        "unit_cost": ("float", False),
    },
    "locations": {
        "location": ("str", False),
        "kind": ("str", False),
        "latitude": ("float", True),
        "longitude": ("float", True),
        "ship_from_store": ("bool", False),
        "pickup": ("bool", False),
        "capacity": ("float", True),
    },
    "stock": {"location": ("str", False), "product": ("str", False), "on_hand": ("int", False)},
    "sales": {
        "date": ("datetime", False),
        "channel": ("str", False),
        "location": ("str", False),
        "product": ("str", False),
        "quantity": ("int", False),
        "price": ("float", False),
        "promotion": ("bool", False),
        "revenue": ("float", False),
    },
    "spend": {
        "date": ("datetime", False),
        "channel": ("str", False),
        "spend": ("float", False),
        "impressions": ("int", False),
    },
    "kpi": {"date": ("datetime", False), "revenue": ("float", False)},
}
KEYS: dict[str, list[str]] = {
    "channels": ["channel"],
    "customers": ["customer_id"],
    "conversions": ["customer_id"],
    "orders": ["order_id"],
    "order_lines": ["order_id", "product"],
    "products": ["product"],
    "locations": ["location"],
    "stock": ["location", "product"],
    "sales": ["date", "channel", "location", "product"],
    "spend": ["date", "channel"],
    "kpi": ["date"],
}


@pytest.fixture(scope="module")
def world() -> oc.World:
    return simulate_retailer(seed=11)


@pytest.fixture(scope="module")
def big() -> oc.World:
    """Large enough for tight statistical checks."""
    return simulate_retailer(n_customers=40_000, seed=5)


def _all_frames(world: oc.World) -> dict[str, pd.DataFrame]:
    return {name: getattr(world, name) for name in LAYOUT}


def _truth_frames(world: oc.World) -> dict[str, pd.DataFrame]:
    t = world.truth
    return {
        "journeys": t.attribution.journeys,
        "contributions": t.attribution.contributions,
        "demand_mean": t.demand.mean,
        "demand_series": t.demand.series,
        "media_contribution": t.media.contribution,
        "media_components": t.media.components,
        "purchases": t.purchases.customers,
        "network": t.network.stock,
    }


def _check_structure(world: oc.World) -> None:
    """Invariants that hold for every parameter combination."""
    frames = _all_frames(world)
    for name, layout in LAYOUT.items():
        frame = frames[name]
        assert list(frame.columns) == list(layout), name
        for column, (kind, nullable) in layout.items():
            series = frame[column]
            dtype = series.dtype
            if kind == "str":
                assert pd.api.types.is_string_dtype(dtype), (name, column, dtype)
                assert not isinstance(dtype, pd.CategoricalDtype)
                assert all(isinstance(v, str) for v in series.dropna().tolist()), (name, column)
            elif kind == "datetime":
                assert pd.api.types.is_datetime64_dtype(dtype), (name, column, dtype)
                assert getattr(dtype, "tz", None) is None
            elif kind == "float":
                assert pd.api.types.is_float_dtype(dtype), (name, column, dtype)
            elif kind == "int":
                assert pd.api.types.is_integer_dtype(dtype), (name, column, dtype)
            else:
                assert pd.api.types.is_bool_dtype(dtype), (name, column, dtype)
            if not nullable:
                assert not series.isna().any(), (name, column)
    for name, key in KEYS.items():
        assert not frames[name].duplicated(subset=key).any(), name

    # Non-negativity and integrality.
    assert (frames["touchpoints"]["cost"] >= 0).all()
    assert (frames["conversions"]["value"] >= 0).all()
    assert (frames["orders"]["value"] >= 0).all()
    assert (frames["order_lines"]["quantity"] >= 1).all()
    assert (frames["order_lines"]["price"] >= 0).all()
    assert (frames["stock"]["on_hand"] >= 0).all()
    assert (frames["sales"]["quantity"] >= 0).all()
    assert (frames["sales"]["price"] >= 0).all()
    assert (frames["spend"][["spend", "impressions"]] >= 0).all().all()
    assert (frames["products"][["price", "unit_cost"]] >= 0).all().all()

    # Arithmetic identities.
    lines = frames["order_lines"]
    totals = (lines["quantity"] * lines["price"]).groupby(lines["order_id"]).sum()
    orders = frames["orders"]
    assert set(totals.index) == set(orders["order_id"])
    np.testing.assert_allclose(
        totals.reindex(orders["order_id"]).to_numpy(), orders["value"].to_numpy(), atol=1e-6
    )
    sales = frames["sales"]
    assert (sales["revenue"] == sales["quantity"] * sales["price"]).all()

    # Referential integrity.
    customers = set(frames["customers"]["customer_id"])
    channels = frames["channels"]
    marketing = set(channels.loc[channels["role"] == "marketing", "channel"])
    selling = set(channels.loc[channels["role"] == "sales", "channel"])
    locations = frames["locations"]
    assert set(frames["touchpoints"]["customer_id"]) <= customers
    assert set(frames["touchpoints"]["channel"]) <= marketing
    assert set(frames["conversions"]["customer_id"]) <= customers
    assert set(frames["conversions"]["channel"]) <= selling
    assert set(orders["customer_id"]) <= customers
    assert set(orders["channel"]) <= selling
    assert set(orders["location"]) <= set(locations["location"])
    assert set(lines["product"]) <= set(frames["products"]["product"])
    assert set(sales["location"]) <= set(locations["location"])
    assert set(sales["product"]) == set(frames["products"]["product"])
    assert set(frames["spend"]["channel"]) == marketing
    held = locations.loc[locations["kind"] != "online", "location"]
    assert set(frames["stock"]["location"]) == set(held)
    stores = set(locations.loc[locations["kind"] == "store", "location"])
    assert set(frames["customers"]["home_location"]) <= stores
    assert set(frames["customers"]["acquisition_channel"]) <= set(channels["channel"])

    # Every conversion is the converting customer's order, with the same facts.
    conv = frames["conversions"].merge(orders, on="order_id", suffixes=("", "_order"))
    assert len(conv) == len(frames["conversions"])
    for column in ("customer_id", "timestamp", "value", "channel"):
        assert (conv[column] == conv[f"{column}_order"]).all(), column
    assert frames["conversions"]["customer_id"].is_unique

    # Time ranges.
    start, end = world.start, world.end + pd.Timedelta(days=1)
    for name, column in (("touchpoints", "timestamp"), ("orders", "timestamp")):
        stamps = frames[name][column]
        assert ((stamps >= start) & (stamps < end)).all(), name
    days = pd.date_range(world.start, world.end, freq="D")
    assert (np.sort(sales["date"].unique()) == days.to_numpy()).all()
    week_starts = pd.date_range(world.start, periods=len(frames["kpi"]), freq="7D")
    assert (frames["kpi"]["date"].to_numpy() == week_starts.to_numpy()).all()

    # Truth frames line up with the data.
    truth = world.truth
    assert len(truth.demand.mean) == len(sales)
    for column in ("date", "channel", "location", "product"):
        assert (truth.demand.mean[column].to_numpy() == sales[column].to_numpy()).all()
    assert len(truth.network.stock) == len(frames["stock"])
    journeys = truth.attribution.journeys
    assert (journeys["customer_id"] == frames["customers"]["customer_id"]).all()
    assert journeys["converted"].sum() == len(frames["conversions"])
    assert (journeys["n_touches"].sum()) == len(frames["touchpoints"])


# ---------------------------------------------------------------------------------------------
# Determinism


def test_same_seed_gives_identical_frames_and_truth() -> None:
    a = simulate_retailer(n_customers=300, seed=3)
    b = simulate_retailer(n_customers=300, seed=3)
    for name, frame in _all_frames(a).items():
        pd.testing.assert_frame_equal(frame, getattr(b, name), check_exact=True, obj=name)
    for name, frame in _truth_frames(a).items():
        pd.testing.assert_frame_equal(frame, _truth_frames(b)[name], check_exact=True, obj=name)
    assert a.seed == 3


def test_generator_seed_is_reproducible() -> None:
    a = simulate_retailer(n_customers=200, seed=np.random.default_rng(9))
    b = simulate_retailer(n_customers=200, seed=np.random.default_rng(9))
    pd.testing.assert_frame_equal(a.touchpoints, b.touchpoints)
    pd.testing.assert_frame_equal(a.sales, b.sales)
    assert a.seed is None


def test_different_seeds_differ() -> None:
    a = simulate_retailer(n_customers=300, seed=1)
    b = simulate_retailer(n_customers=300, seed=2)
    assert not a.touchpoints.equals(b.touchpoints)
    assert not a.sales["quantity"].equals(b.sales["quantity"])
    assert not a.spend["spend"].equals(b.spend["spend"])
    assert not a.orders.equals(b.orders)


def test_customer_count_does_not_change_other_parts() -> None:
    a = simulate_retailer(n_customers=100, seed=4)
    b = simulate_retailer(n_customers=700, seed=4)
    for name in ("products", "locations", "sales", "spend", "kpi"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)


# ---------------------------------------------------------------------------------------------
# Frames


def test_default_world_structure(world: oc.World) -> None:
    _check_structure(world)
    assert len(world.customers) == 2000
    assert world.sales["location"].nunique() == 7  # six stores and online
    assert world.start == pd.Timestamp("2024-01-01")
    assert world.end == pd.Timestamp("2024-12-29")
    assert len(world.spend) == 104 * len(MARKETING)


def test_frames_follow_canonical_schemas(world: oc.World) -> None:
    for kind in oc.FRAME_KINDS:
        oc.validate_frame(getattr(world, kind), kind)
    oc.validate_frame(world.touchpoints, "touchpoints", sorted_by=["customer_id", "timestamp"])


def test_channels_table(world: oc.World) -> None:
    channels = world.channels.set_index("channel")
    assert list(channels.index) == MARKETING + SALES_CHANNELS
    assert set(channels["kind"]) == {"online", "offline"}
    assert channels.loc["tv", "kind"] == "offline"
    assert channels.loc["store", "kind"] == "offline"
    assert channels.loc["web", "kind"] == "online"
    assert (channels.loc[MARKETING, "role"] == "marketing").all()
    assert (channels.loc[SALES_CHANNELS, "role"] == "sales").all()


def test_locations_network(world: oc.World) -> None:
    loc = world.locations.set_index("location")
    assert set(loc["kind"]) == {"dc", "store", "dark_store", "online"}
    assert (loc["kind"] == "store").sum() == 6
    online = loc.loc["online"]
    assert online["kind"] == "online"
    assert np.isnan(online["latitude"])
    assert np.isnan(online["longitude"])
    assert np.isnan(online["capacity"])
    physical = loc[loc["kind"] != "online"]
    assert physical["latitude"].between(50.7, 53.6).all()
    assert physical["longitude"].between(3.3, 7.3).all()
    on_hand = world.stock.groupby("location")["on_hand"].sum()
    assert (physical["capacity"] >= on_hand.reindex(physical.index)).all()
    assert physical["pickup"].any()
    assert physical["ship_from_store"].any()

    two = simulate_retailer(n_customers=10, n_dcs=2, dark_store=False, seed=0)
    kinds = two.locations["kind"].value_counts()
    assert kinds["dc"] == 2
    assert "dark_store" not in kinds
    assert two.truth.network.dark_store_share == 0.0


def test_customers_identifiers(world: oc.World) -> None:
    customers = world.customers
    assert customers["customer_id"].is_monotonic_increasing
    loyalty = customers["loyalty_id"].notna().mean()
    email = customers["email_hash"].notna().mean()
    assert 0.5 < loyalty < 0.7
    assert 0.6 < email < 0.8
    assert customers["loyalty_id"].dropna().is_unique
    assert customers["email_hash"].dropna().is_unique
    assert customers["email_hash"].dropna().str.fullmatch("[0-9a-f]{16}").all()


def test_frames_are_copies_and_world_is_frozen(world: oc.World) -> None:
    frame = world.sales
    frame.loc[:, "quantity"] = -1
    assert (world.sales["quantity"] >= 0).all()
    mean = world.truth.demand.mean
    mean["mean"] = 0.0
    assert (world.truth.demand.mean["mean"] > 0).all()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        world.seed = 3  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        world.truth.attribution.b0 = 1.0  # type: ignore[misc]


def test_repr_summary_and_html(world: oc.World) -> None:
    text = repr(world)
    assert text.startswith("World(seed=11, 2024-01-01 to 2024-12-29, 2,000 customers")
    assert f"conversion rate {world.conversion_rate:.3f}" in text
    assert "C000001" not in text
    assert len(text) < 600
    truth_text = repr(world.truth)
    assert "AttributionTruth(b0=0.03" in truth_text
    assert "journeys=<frame 2000x5>" in truth_text
    assert "C000001" not in truth_text

    table = world.summary()
    assert list(table.index) == list(LAYOUT)
    for name in LAYOUT:
        assert table.loc[name, "rows"] == len(getattr(world, name))
    assert table.loc["conversions", "per_customer"] == pytest.approx(world.conversion_rate)
    assert table.loc["sales", "first"] == world.start
    assert table.loc["sales", "last"] == world.end
    assert pd.isna(table.loc["customers", "first"])
    assert "<table" in world._repr_html_()


@settings(max_examples=20, deadline=None)
@given(
    n_customers=st.integers(1, 300),
    n_stores=st.integers(1, 4),
    n_products=st.integers(1, 6),
    n_days=st.integers(28, 90),
    n_weeks=st.integers(1, 12),
    n_dcs=st.integers(1, 2),
    dark_store=st.booleans(),
    distribution=st.sampled_from(["poisson", "negative_binomial"]),
    seed=st.integers(0, 2**32),
)
def test_structure_holds_for_any_parameters(
    n_customers: int,
    n_stores: int,
    n_products: int,
    n_days: int,
    n_weeks: int,
    n_dcs: int,
    dark_store: bool,
    distribution: str,
    seed: int,
) -> None:
    world = simulate_retailer(
        n_customers=n_customers,
        n_stores=n_stores,
        n_products=n_products,
        start="2023-03-15",
        n_days=n_days,
        n_weeks=n_weeks,
        n_dcs=n_dcs,
        dark_store=dark_store,
        demand_distribution=distribution,
        seed=seed,
    )
    _check_structure(world)
    assert len(world.customers) == n_customers
    assert len(world.sales) == (n_stores + 2) * n_products * n_days
    assert len(world.kpi) == n_weeks
    assert (world.locations["kind"] == "dc").sum() == n_dcs
    assert (world.locations["kind"] == "dark_store").sum() == int(dark_store)
    assert world.end - world.start == pd.Timedelta(days=n_days - 1)
    shapley = world.truth.attribution.contributions["shapley"].sum()
    truth = world.truth.attribution
    assert shapley == pytest.approx(truth.expected_conversions - truth.baseline_conversions)


# ---------------------------------------------------------------------------------------------
# Attribution truth


def _p_table(truth: oc.AttributionTruth) -> dict[frozenset[str], float]:
    """p(S) for every subset, computed from the recorded parameters."""
    beta = dict(zip(truth.beta["channel"], truth.beta["beta"], strict=True))
    gamma = truth.gamma
    pairs = list(zip(gamma["channel_a"], gamma["channel_b"], gamma["gamma"], strict=True))
    table = {}
    for size in range(len(MARKETING) + 1):
        for subset in itertools.combinations(MARKETING, size):
            chosen = frozenset(subset)
            eta = truth.b0 + sum(beta[c] for c in chosen)
            eta += sum(g for a, b, g in pairs if a in chosen and b in chosen)
            table[chosen] = 1.0 - math.exp(-eta)
    return table


def _sets(labels: pd.Series) -> list[frozenset[str]]:
    return [frozenset(label.split(",")) if label else frozenset() for label in labels]


def test_conversion_probability_follows_the_set_formula(world: oc.World) -> None:
    truth = world.truth.attribution
    table = _p_table(truth)
    assert all(0.0 < p < 1.0 for p in table.values())
    assert (truth.gamma["gamma"] > 0).any()
    assert (truth.gamma["gamma"] < 0).any()
    journeys = truth.journeys
    expected = [table[s] for s in _sets(journeys["channels"])]
    np.testing.assert_allclose(journeys["p_convert"], expected, rtol=1e-12)
    for subset in (set(), {"search"}, {"search", "tv"}, {"social", "display", "email"}):
        assert truth.conversion_probability(subset) == pytest.approx(table[frozenset(subset)])
    with pytest.raises(InvalidParameterError, match="'channels' parameter"):
        truth.conversion_probability(["store"])


def test_journey_channel_sets_match_touchpoints(world: oc.World) -> None:
    journeys = world.truth.attribution.journeys.set_index("customer_id")
    touched = world.touchpoints.groupby("customer_id")["channel"].agg(
        lambda s: ",".join(sorted(set(s)))
    )
    assert (journeys.loc[touched.index, "channels"] == touched).all()
    untouched = journeys.index.difference(touched.index)
    assert (journeys.loc[untouched, "channels"] == "").all()
    assert (journeys.loc[untouched, "n_touches"] == 0).all()
    counts = world.touchpoints.groupby("customer_id").size()
    assert (journeys.loc[counts.index, "n_touches"] == counts).all()


def test_journey_windows_and_conversion_timing(world: oc.World) -> None:
    touches = world.touchpoints.groupby("customer_id")["timestamp"].agg(["min", "max"])
    assert (touches["max"] - touches["min"] <= pd.Timedelta(days=21)).all()
    conv = world.conversions.set_index("customer_id")["timestamp"]
    both = touches.join(conv, how="inner")
    delay = both["timestamp"] - both["max"]
    assert (delay >= pd.Timedelta(0)).all()
    assert (delay <= pd.Timedelta(days=3)).all()
    # Journeys of different customers start at different times.
    assert touches["min"].dt.normalize().nunique() > 200


def test_journeys_are_recovered_with_a_30_day_lookback(world: oc.World) -> None:
    rebuilt = oc.build_journeys(
        world.touchpoints, world.conversions, lookback=pd.Timedelta(days=30)
    ).to_frame()
    truth = world.truth.attribution.journeys
    touched = truth[truth["n_touches"] > 0].set_index("customer_id")
    assert rebuilt["customer_id"].is_unique
    assert len(rebuilt) == len(touched)
    rebuilt = rebuilt.set_index("customer_id").loc[touched.index]
    sets = rebuilt["path"].str.split(" > ").map(lambda p: ",".join(sorted(set(p))))
    assert (sets == touched["channels"]).all()
    assert (rebuilt["conversions"].astype(bool) == touched["converted"]).all()


def test_shapley_contributions_are_exact(world: oc.World) -> None:
    truth = world.truth.attribution
    table = _p_table(truth)
    journeys = truth.journeys
    totals = dict.fromkeys(MARKETING, 0.0)
    for label, count in journeys["channels"].value_counts().items():
        members = label.split(",") if label else []
        orders = list(itertools.permutations(members))
        for order in orders:
            coalition: frozenset[str] = frozenset()
            for channel in order:
                gain = table[coalition | {channel}] - table[coalition]
                totals[channel] += count * gain / len(orders)
                coalition = coalition | {channel}
    contributions = truth.contributions.set_index("channel")
    for channel in MARKETING:
        assert contributions.loc[channel, "shapley"] == pytest.approx(totals[channel], rel=1e-9)
    expected = journeys["p_convert"].sum()
    baseline = len(journeys) * table[frozenset()]
    assert truth.expected_conversions == pytest.approx(expected)
    assert truth.baseline_conversions == pytest.approx(baseline)
    assert contributions["shapley"].sum() == pytest.approx(expected - baseline)


def test_removal_effects_and_counts(world: oc.World) -> None:
    truth = world.truth.attribution
    table = _p_table(truth)
    sets = _sets(truth.journeys["channels"])
    contributions = truth.contributions.set_index("channel")
    touches = world.touchpoints["channel"].value_counts()
    for channel in MARKETING:
        removal = sum(table[s] - table[s - {channel}] for s in sets if channel in s)
        assert contributions.loc[channel, "removal"] == pytest.approx(removal, rel=1e-9)
        assert contributions.loc[channel, "journeys"] == sum(channel in s for s in sets)
        assert contributions.loc[channel, "touches"] == touches[channel]
    # The tv x search synergy makes removing tv cost more than its Shapley share.
    assert contributions.loc["tv", "removal"] > contributions.loc["tv", "shapley"]


def test_observed_conversion_rate_matches_truth(big: oc.World) -> None:
    journeys = big.truth.attribution.journeys
    p = journeys["p_convert"]
    se = math.sqrt((p * (1 - p)).sum()) / len(p)
    assert abs(big.conversion_rate - p.mean()) < 4 * se
    # Also within the most common channel sets, including customers with no touch.
    groups = journeys.groupby("channels")
    for label, group in groups:
        if len(group) < 1500:
            continue
        q = group["p_convert"].iloc[0]
        se = math.sqrt(q * (1 - q) / len(group))
        assert abs(group["converted"].mean() - q) < 4.5 * se, label
    untouched = journeys[journeys["channels"] == ""]
    assert len(untouched) > 1500
    assert untouched["converted"].mean() < 0.06


def test_touch_rates_match_truth(big: oc.World) -> None:
    truth = big.truth.attribution
    n_in_market = len(big.customers) * truth.in_market
    counts = big.touchpoints["channel"].value_counts()
    for channel, rate in zip(truth.beta["channel"], truth.beta["touch_rate"], strict=True):
        expected = n_in_market * rate
        # Poisson counts over a Bernoulli in-market draw: sd well below 4 * sqrt(expected) * 2.
        assert abs(counts[channel] - expected) < 8 * math.sqrt(expected), channel


# ---------------------------------------------------------------------------------------------
# Demand truth


@pytest.mark.parametrize("cross_effect", [-0.15, 0.3])
def test_demand_mean_follows_documented_formula(cross_effect: float) -> None:
    world = simulate_retailer(n_customers=10, n_stores=3, cross_effect=cross_effect, seed=8)
    truth = world.truth.demand
    assert truth.cross_effect == cross_effect
    mean = truth.mean
    sales = world.sales
    rows = mean.merge(truth.series, on=["channel", "location", "product"], how="left")
    rows = rows.merge(
        truth.weekly,
        left_on=["channel", rows["date"].dt.day_of_week],
        right_on=["channel", "weekday"],
        how="left",
    )
    t = (rows["date"] - world.start).dt.days.to_numpy()
    doy = rows["date"].dt.day_of_year.to_numpy()
    expected = (
        rows["level"]
        * rows["growth"] ** (t / 365.25)
        * rows["factor"]
        * (1 + rows["yearly_amplitude"] * np.cos(2 * np.pi * (doy - rows["yearly_peak"]) / 365.25))
        * np.where(sales["promotion"], rows["promo_lift"], 1.0)
        * np.where(rows["cross_promotion"], 1.0 + cross_effect, 1.0)
    )
    np.testing.assert_allclose(mean["mean"], expected, rtol=1e-10)
    # Cross promotions hit store rows only, exactly when web is on promotion for the product.
    web = sales[sales["channel"] == "web"].set_index(["date", "product"])["promotion"]
    store = mean[mean["channel"] == "store"]
    flags = web.reindex(pd.MultiIndex.from_frame(store[["date", "product"]])).to_numpy()
    assert (store["cross_promotion"].to_numpy() == flags).all()
    assert not mean.loc[mean["channel"] != "store", "cross_promotion"].any()
    assert store["cross_promotion"].any()
    # Promoted prices are discounted list prices.
    listed = sales.merge(world.products, on="product", suffixes=("", "_list"))
    factor = np.where(listed["promotion"], 1 - truth.promo_discount, 1.0)
    np.testing.assert_allclose(listed["price"], np.round(listed["price_list"] * factor, 2))


def test_weekly_factors_average_one(world: oc.World) -> None:
    weekly = world.truth.demand.weekly
    assert len(weekly) == 21
    np.testing.assert_allclose(weekly.groupby("channel")["factor"].mean(), 1.0)


def test_sales_agree_with_true_mean(big: oc.World) -> None:
    truth = big.truth.demand
    assert truth.distribution == "negative_binomial"
    k = truth.dispersion
    assert k == 5.0
    mu = truth.mean["mean"].to_numpy()
    q = big.sales["quantity"].to_numpy()
    var = mu + mu**2 / k
    assert abs((q - mu).sum()) < 4 * math.sqrt(var.sum())
    # Per channel as well.
    for channel in SALES_CHANNELS:
        rows = (big.sales["channel"] == channel).to_numpy()
        assert abs((q[rows] - mu[rows]).sum()) < 4 * math.sqrt(var[rows].sum()), channel
    # The dispersion is what it says: squared residuals average the stated variance.
    ratio = ((q - mu) ** 2).sum() / var.sum()
    assert 0.85 < ratio < 1.15


def test_poisson_option() -> None:
    world = simulate_retailer(n_customers=10, demand_distribution="poisson", seed=2)
    truth = world.truth.demand
    assert truth.distribution == "poisson"
    assert truth.dispersion is None
    mu = truth.mean["mean"].to_numpy()
    q = world.sales["quantity"].to_numpy()
    assert 0.9 < ((q - mu) ** 2).sum() / mu.sum() < 1.1


def test_slow_movers_are_intermittent(world: oc.World) -> None:
    series = world.truth.demand.series
    slow = series[series["slow_mover"]]
    assert len(slow) == 3 * 8  # three slow products in six stores, web and app
    assert (slow["level"] < 1.0).all()
    mean = world.truth.demand.mean.merge(
        series[["channel", "location", "product", "slow_mover"]],
        on=["channel", "location", "product"],
    )
    slow_mean = mean.loc[mean["slow_mover"]].groupby(["channel", "location", "product"])["mean"]
    assert (slow_mean.mean() < 1.0).all()
    sales = world.sales.merge(
        series[["channel", "location", "product", "slow_mover"]],
        on=["channel", "location", "product"],
    )
    assert (sales.loc[sales["slow_mover"], "quantity"] == 0).mean() > 0.6
    assert (sales.loc[~sales["slow_mover"], "quantity"] == 0).mean() < 0.1


# ---------------------------------------------------------------------------------------------
# Media truth


def test_media_contributions_recomputed_from_parameters(world: oc.World) -> None:
    truth = world.truth.media
    spend = world.spend.pivot(index="date", columns="channel", values="spend")
    params = truth.params.set_index("channel")
    effects = {}
    for channel in MARKETING:
        x = spend[channel].to_numpy()
        carried = np.zeros_like(x)
        level = 0.0
        for i, value in enumerate(x):
            level = value + params.loc[channel, "decay"] * level
            carried[i] = level
        ratio = (carried / params.loc[channel, "half_saturation"]) ** params.loc[channel, "shape"]
        effects[channel] = ratio / (1 + ratio)
        got = truth.contribution[truth.contribution["channel"] == channel]["contribution"]
        np.testing.assert_allclose(got, params.loc[channel, "beta"] * effects[channel], rtol=1e-9)
    pair = truth.interaction.iloc[0]
    interaction = pair["coefficient"] * effects[pair["channel_a"]] * effects[pair["channel_b"]]
    parts = truth.components
    np.testing.assert_allclose(parts["interaction"], interaction, rtol=1e-9)
    weeks = np.arange(len(parts))
    doy = parts["date"].dt.day_of_year.to_numpy()
    seasonal = 1 + truth.yearly_amplitude * np.cos(2 * np.pi * (doy - truth.yearly_peak) / 365.25)
    baseline = truth.baseline_level * (1 + truth.trend * weeks) * seasonal
    np.testing.assert_allclose(parts["baseline"], baseline, rtol=1e-12)
    media = truth.contribution.groupby("date")["contribution"].sum().to_numpy()
    total = parts["baseline"] + media + parts["interaction"] + parts["noise"]
    np.testing.assert_allclose(world.kpi["revenue"], total, rtol=1e-12)
    assert abs(parts["noise"].std() - truth.noise_sd) < 0.3 * truth.noise_sd
    assert (params["decay"].between(0, 1, inclusive="left")).all()
    # tv runs in flights: some weeks off air.
    assert (spend["tv"] == 0).any()
    assert (spend["tv"] > 0).any()


# ---------------------------------------------------------------------------------------------
# Purchase truth


def test_purchase_truth_is_consistent_with_orders(world: oc.World) -> None:
    truth = world.truth.purchases.customers.set_index("customer_id")
    orders = world.orders
    counts = orders.groupby("customer_id").size()
    acquired = truth[truth["acquired"]]
    assert set(acquired.index) == set(world.conversions["customer_id"])
    assert (counts.reindex(acquired.index) == acquired["n_repeat"] + 1).all()
    assert (truth.loc[~truth["acquired"], "n_repeat"] == 0).all()
    assert not truth.loc[~truth["acquired"], "alive"].any()
    assert truth.loc[~truth["acquired"], "first_purchase"].isna().all()
    conv = world.conversions.set_index("customer_id")["timestamp"]
    assert (acquired["first_purchase"] == conv.reindex(acquired.index)).all()
    first = orders.groupby("customer_id")["timestamp"].min()
    assert (first.reindex(acquired.index) == acquired["first_purchase"]).all()
    np.testing.assert_allclose(acquired["mean_value"], 6.0 / acquired["spend_rate"])
    # Store orders happen at the customer's home store; online orders at "online".
    home = world.customers.set_index("customer_id")["home_location"]
    at_store = orders["channel"] == "store"
    expected = home.reindex(orders.loc[at_store, "customer_id"]).to_numpy()
    assert (orders.loc[at_store, "location"].to_numpy() == expected).all()
    assert (orders.loc[~at_store, "location"] == "online").all()
    # Order ids follow time.
    assert orders["timestamp"].is_monotonic_increasing
    assert orders["order_id"].is_monotonic_increasing


def test_segments_are_rate_terciles(world: oc.World) -> None:
    truth = world.truth.purchases
    cuts = stats.gamma.ppf([1 / 3, 2 / 3], truth.r, scale=1 / truth.alpha)
    rate = truth.customers["lambda"].to_numpy()
    names = np.array(["occasional", "regular", "frequent"])[np.searchsorted(cuts, rate)]
    assert (world.customers["segment"].to_numpy() == names).all()


def test_bgnbd_moments(big: oc.World) -> None:
    truth = big.truth.purchases
    assert truth.time_unit == "week"
    customers = truth.customers
    n = len(customers)
    r, alpha, a, b = truth.r, truth.alpha, truth.a, truth.b
    # Latent draws follow their stated distributions.
    lam = customers["lambda"]
    assert abs(lam.mean() - r / alpha) < 4 * math.sqrt(r) / alpha / math.sqrt(n)
    drop = customers["dropout"]
    sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    assert abs(drop.mean() - a / (a + b)) < 4 * sd / math.sqrt(n)
    # Repeat purchases match the BG/NBD expectation E[X(t)] at each customer's time since birth.
    acquired = customers[customers["acquired"]]
    horizon = big.end + pd.Timedelta(days=1)
    weeks = ((horizon - acquired["first_purchase"]).dt.total_seconds() / (7 * 86400)).to_numpy()
    z = weeks / (alpha + weeks)
    expected = (
        (a + b - 1)
        / (a - 1)
        * (1 - (alpha / (alpha + weeks)) ** r * special.hyp2f1(r, b, a + b - 1, z))
    )
    repeats = acquired["n_repeat"].to_numpy()
    se = repeats.std() / math.sqrt(len(repeats))
    assert abs(repeats.mean() - expected.mean()) < 4 * se
    # Alive means fewer repeats than the number until dropout; the dead made at least one.
    assert (acquired.loc[~acquired["alive"], "n_repeat"] >= 1).all()
    assert 0.5 < acquired["alive"].mean() < 0.95


def test_gamma_gamma_order_values(big: oc.World) -> None:
    truth = big.truth.purchases
    rates = truth.customers.set_index("customer_id")["spend_rate"]
    orders = big.orders
    scaled = orders["value"].to_numpy() * rates.reindex(orders["customer_id"]).to_numpy() / truth.p
    # value * nu / p ~ Gamma(p, p) whatever the customer: mean 1, sd 1 / sqrt(p).
    assert abs(scaled.mean() - 1.0) < 4 / math.sqrt(truth.p * len(scaled))
    assert abs(scaled.std() - 1 / math.sqrt(truth.p)) < 0.05
    nu = truth.customers["spend_rate"]
    assert abs(nu.mean() - truth.q / truth.gamma) < 4 * math.sqrt(truth.q) / truth.gamma / 200


def test_order_channels_follow_preferences(big: oc.World) -> None:
    truth = big.truth.purchases
    pref = truth.customers.set_index("customer_id")
    orders = big.orders
    for channel in SALES_CHANNELS:
        p = pref[f"pref_{channel}"].reindex(orders["customer_id"]).to_numpy()
        observed = (orders["channel"] == channel).sum()
        assert abs(observed - p.sum()) < 4 * math.sqrt((p * (1 - p)).sum()), channel
    shares = pref[["pref_store", "pref_web", "pref_app"]]
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    concentration = truth.concentration.set_index("channel")["concentration"]
    expected = concentration / concentration.sum()
    np.testing.assert_allclose(shares.mean().to_numpy(), expected.to_numpy(), atol=0.01)


def test_order_lines_near_list_prices(world: oc.World) -> None:
    lines = world.order_lines.merge(world.products, on="product", suffixes=("", "_list"))
    ratio = lines["price"] / lines["price_list"]
    assert ratio.between(0.6, 1.6).mean() > 0.97
    assert (lines["price"] <= lines["price_list"] * 1.5 + 0.01).all()


# ---------------------------------------------------------------------------------------------
# Network truth


def test_stock_relates_to_demand(world: oc.World) -> None:
    truth = world.truth.network.stock
    stock = world.stock
    assert (truth["location"] == stock["location"]).all()
    assert (truth["product"] == stock["product"]).all()
    assert (truth["stockout"] == (stock["on_hand"] == 0)).all()
    expected = 7 * truth["daily_demand"] * truth["weeks_of_cover"]
    assert abs(stock["on_hand"].sum() - expected.sum()) < 4 * math.sqrt(expected.sum())
    assert np.corrcoef(stock["on_hand"], expected)[0, 1] > 0.95
    assert truth["stockout"].any()
    kinds = world.locations.set_index("location")["kind"].reindex(truth["location"]).to_numpy()
    assert (truth.loc[kinds == "dc", "weeks_of_cover"] >= 2).all()
    # Stores serve their own store demand at the end of the period.
    mean = world.truth.demand.mean
    last = mean[(mean["channel"] == "store") & (mean["date"] > world.end - pd.Timedelta(days=28))]
    served = last.groupby(["location", "product"])["mean"].mean()
    stores = truth[kinds == "store"].set_index(["location", "product"])["daily_demand"]
    np.testing.assert_allclose(stores.to_numpy(), served.reindex(stores.index).to_numpy())


# ---------------------------------------------------------------------------------------------
# Parameters


def test_start_accepts_dates_and_timestamps() -> None:
    for start in ("2023-03-06", dt.date(2023, 3, 6), pd.Timestamp("2023-03-06")):
        world = simulate_retailer(n_customers=5, n_days=30, n_weeks=2, start=start, seed=0)
        assert world.start == pd.Timestamp("2023-03-06")
        assert world.sales["date"].min() == pd.Timestamp("2023-03-06")
        assert world.spend["date"].min() == pd.Timestamp("2023-03-06")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"n_customers": 0},
            "The 'n_customers' parameter of simulate_retailer must be an int >= 1. Got 0 instead.",
        ),
        ({"n_customers": 2.5}, "'n_customers' parameter of simulate_retailer must be an int"),
        ({"n_customers": True}, "'n_customers' parameter of simulate_retailer must be an int"),
        ({"n_stores": 0}, "'n_stores' parameter of simulate_retailer must be an int >= 1"),
        ({"n_products": -1}, "'n_products' parameter of simulate_retailer must be an int >= 1"),
        ({"n_days": 27}, "'n_days' parameter of simulate_retailer must be an int >= 28"),
        ({"n_weeks": 0}, "'n_weeks' parameter of simulate_retailer must be an int >= 1"),
        ({"n_dcs": 3}, r"'n_dcs' parameter of simulate_retailer must be an int in \[1, 2\]"),
        ({"dark_store": "yes"}, "'dark_store' parameter of simulate_retailer must be True or"),
        (
            {"demand_distribution": "normal"},
            "'demand_distribution' parameter of simulate_retailer must be one of",
        ),
        ({"dispersion": 0.0}, "'dispersion' parameter of simulate_retailer must be a finite"),
        ({"dispersion": float("inf")}, "'dispersion' parameter"),
        ({"cross_effect": -1.0}, "'cross_effect' parameter of simulate_retailer must be"),
        ({"seed": -1}, "'seed' parameter of simulate_retailer must be a non-negative int"),
        ({"seed": "0"}, "'seed' parameter of simulate_retailer"),
        (
            {"start": "2024-01-01 12:00"},
            "'start' parameter of simulate_retailer must be a tz-naive",
        ),
        ({"start": "not a date"}, "'start' parameter of simulate_retailer"),
        ({"start": pd.Timestamp("2024-01-01", tz="UTC")}, "'start' parameter"),
        ({"start": 20240101}, "'start' parameter"),
    ],
)
def test_invalid_parameters(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        simulate_retailer(**kwargs)  # type: ignore[arg-type]


def test_parameters_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        simulate_retailer(100)  # type: ignore[misc]


def test_public_names() -> None:
    for name in ("simulate_retailer", "World", "Truth", "AttributionTruth", "DemandTruth"):
        assert name in oc.__all__
    assert isinstance(simulate_retailer(n_customers=3, seed=0), oc.World)
