"""Journey-level channel synergy: ground truth, a brute-force oracle and Shapley invariants."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import omnichannel as oc

CHANNELS = ("a", "b", "c", "d")


def _paths(counts: dict[tuple[str, ...], tuple[float, float]]) -> oc.Journeys:
    """A store with one path per channel set: {set: (conversions, nulls)}."""
    frame = pd.DataFrame(
        {
            "path": [" > ".join(s) for s in counts],
            "total_conversions": [c for c, _ in counts.values()],
            "total_null": [n for _, n in counts.values()],
        }
    )
    return oc.Journeys.from_paths(frame)


def _brute_interaction(values: dict[frozenset[str], float], players: tuple[str, ...]) -> dict:
    """Grabisch-Roubens index by its definition, over explicit coalitions."""
    k = len(players)
    out = {}
    for i, j in itertools.combinations(players, 2):
        rest = [p for p in players if p not in (i, j)]
        total = 0.0
        for size in range(len(rest) + 1):
            weight = math.factorial(size) * math.factorial(k - size - 2) / math.factorial(k - 1)
            for combo in itertools.combinations(rest, size):
                s = frozenset(combo)
                total += weight * (
                    values[s | {i, j}] - values[s | {i}] - values[s | {j}] + values[s]
                )
        out[(i, j)] = total
    return out


def _all_sets(players: tuple[str, ...]) -> list[frozenset[str]]:
    return [
        frozenset(c) for r in range(len(players) + 1) for c in itertools.combinations(players, r)
    ]


# ------------------------------------------------------------------------------------------
# ground truth: simulate_retailer's set-based conversion mechanism


@pytest.fixture(scope="module")
def retailer_scores() -> tuple[oc.SynergyScores, oc.World]:
    world = oc.simulate_retailer(n_customers=100_000, n_weeks=10, n_products=2, n_stores=2, seed=0)
    journeys = oc.build_journeys(world.touchpoints, world.conversions)
    customers = world.customers
    untouched = ~customers["customer_id"].isin(world.touchpoints["customer_id"])
    # The rate without marketing, measured on customers with no touch at all.
    baseline = float(
        customers.loc[untouched, "customer_id"].isin(world.conversions["customer_id"]).mean()
    )
    scores = oc.journey_synergy(journeys, baseline=baseline, n_boot=200, seed=0)
    return scores, world


def test_recovers_the_simulated_pairwise_interactions(
    retailer_scores: tuple[oc.SynergyScores, oc.World],
) -> None:
    scores, world = retailer_scores
    truth = world.truth.attribution
    names = scores.channels
    assert names == ("affiliate", "display", "email", "search", "social", "tv")
    p = {s: truth.conversion_probability(sorted(s)) for s in _all_sets(names)}  # the true game
    true_index = _brute_interaction(p, names)
    frame = scores.to_frame().set_index(["channel_a", "channel_b"])
    want = pd.Series({pair: true_index[pair] for pair in frame.index})
    inside = (frame["lower"] <= want) & (want <= frame["upper"])
    assert inside.sum() >= 13, frame.assign(truth=want)[["interaction", "lower", "upper", "truth"]]
    # Signs of the simulated interactions: tv drives search; social/display and
    # email/affiliate reach the same people.
    assert frame.loc[("search", "tv"), "label"] == "complementary"
    assert frame.loc[("search", "tv"), "interaction"] > 0.02
    assert frame.loc[("display", "social"), "interaction"] < 0
    assert frame.loc[("affiliate", "email"), "interaction"] < 0
    # The largest true synergy is the largest estimated one.
    assert frame["interaction"].idxmax() == ("search", "tv")


def test_total_lift_matches_the_truth(retailer_scores: tuple[oc.SynergyScores, oc.World]) -> None:
    scores, world = retailer_scores
    truth = world.truth.attribution
    want = truth.conversion_probability(scores.channels) - truth.conversion_probability([])
    assert scores.total_lift == pytest.approx(want, abs=0.08)
    phi = scores.shapley()
    assert phi["shapley"].sum() == pytest.approx(scores.total_lift, rel=1e-9)


# ------------------------------------------------------------------------------------------
# brute-force oracle on small stores


@st.composite
def set_counts(draw: st.DrawFn) -> dict[tuple[str, ...], tuple[float, float]]:
    """Conversions and nulls for every non-empty channel set (and maybe the empty one)."""
    out: dict[tuple[str, ...], tuple[float, float]] = {}
    for r in range(0 if draw(st.booleans()) else 1, len(CHANNELS) + 1):
        for combo in itertools.combinations(CHANNELS, r):
            conv = draw(st.integers(0, 60))
            nulls = draw(st.integers(1, 200))
            out[combo] = (float(conv), float(nulls))
    return out


@settings(max_examples=25, deadline=None)
@given(counts=set_counts(), game=st.sampled_from(["exact", "subset"]))
def test_point_estimate_matches_a_brute_force_oracle(
    counts: dict[tuple[str, ...], tuple[float, float]], game: str
) -> None:
    journeys = _paths(counts)
    scores = oc.journey_synergy(journeys, game=game, min_support=1, n_boot=0)  # type: ignore[arg-type]
    by_set = {frozenset(s): v for s, v in counts.items()}
    values: dict[frozenset[str], float] = {}
    for s in _all_sets(CHANNELS):
        if game == "exact":
            conv, nulls = by_set.get(s, (0.0, 0.0))
        else:
            inside = [v for t, v in by_set.items() if t <= s]
            conv, nulls = sum(c for c, _ in inside), sum(m for _, m in inside)
        values[s] = conv / (conv + nulls) if conv + nulls else np.nan
    if any(np.isnan(v) for v in values.values()):
        return  # an empty coalition without journeys is imputed: covered elsewhere
    want = _brute_interaction(values, CHANNELS)
    frame = scores.to_frame().set_index(["channel_a", "channel_b"])
    for pair, value in want.items():
        assert frame.loc[pair, "shapley_interaction"] == pytest.approx(value, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(counts=set_counts(), baseline=st.none() | st.floats(0.0, 0.2))
def test_shapley_efficiency_and_decomposition(
    counts: dict[tuple[str, ...], tuple[float, float]], baseline: float | None
) -> None:
    # min_support 50 leaves thin coalitions to the pairwise fill; efficiency must still hold.
    assume(any(c + n >= 50 for c, n in counts.values()))
    scores = oc.journey_synergy(_paths(counts), baseline=baseline, min_support=50, n_boot=0)
    phi = scores.shapley()
    pairs = scores.to_frame()
    # Efficiency: Shapley values add up to v(N) - v(); main effects plus interactions too.
    assert phi["shapley"].sum() == pytest.approx(scores.total_lift, abs=1e-12)
    total = phi["main_effect"].sum() + pairs["shapley_interaction"].sum()
    assert total == pytest.approx(scores.total_lift, abs=1e-12)
    if baseline is not None and ("a", "b", "c", "d") in counts:
        conv, nulls = counts[("a", "b", "c", "d")]
        if conv + nulls >= 50:
            assert scores.total_lift == pytest.approx(conv / (conv + nulls) - baseline)


@settings(max_examples=8, deadline=None)
@given(counts=set_counts(), seed=st.integers(0, 1000))
def test_bootstrap_intervals_contain_the_estimate(
    counts: dict[tuple[str, ...], tuple[float, float]], seed: int
) -> None:
    big = {s: (c * 20, n * 20) for s, (c, n) in counts.items()}
    scores = oc.journey_synergy(_paths(big), n_boot=200, seed=seed, min_support=1)
    frame = scores.to_frame()
    assert (frame["lower"] <= frame["interaction"] + 1e-12).all()
    assert (frame["interaction"] <= frame["upper"] + 1e-12).all()
    assert scores.n_draws == 200


def test_sparse_coalitions_are_filled_by_the_pairwise_model() -> None:
    # Rates follow an exactly pairwise game; the {a, b, c} set is too thin to be used.
    main = {"a": 0.05, "b": 0.08, "c": 0.03}
    pair = {("a", "b"): 0.04, ("a", "c"): -0.02, ("b", "c"): 0.0}
    counts: dict[tuple[str, ...], tuple[float, float]] = {}
    for r in range(0, 4):
        for combo in itertools.combinations(("a", "b", "c"), r):
            rate = 0.02 + sum(main[c] for c in combo)
            rate += sum(v for (i, j), v in pair.items() if i in combo and j in combo)
            n = 5.0 if r == 3 else 10_000.0
            counts[combo] = (rate * n, (1 - rate) * n)
    scores = oc.journey_synergy(_paths(counts), min_support=30, n_boot=0)
    frame = scores.to_frame().set_index(["channel_a", "channel_b"])
    for key, value in pair.items():
        assert frame.loc[key, "shapley_interaction"] == pytest.approx(value, abs=1e-6)


def test_cooccurrence_ratio_and_support() -> None:
    counts = {
        (): (10.0, 990.0),
        ("tv",): (30.0, 970.0),
        ("search",): (40.0, 960.0),
        ("search", "tv"): (90.0, 910.0),
    }
    frame = oc.journey_synergy(_paths(counts), n_boot=0).to_frame()
    assert frame.loc[0, "support"] == 1000.0
    # Only these four sets: the marginal ratio equals the game's (0.08 / 0.05).
    assert frame.loc[0, "cooccurrence_ratio"] == pytest.approx(1.6)
    assert frame.loc[0, "synergy_ratio"] == pytest.approx(1.6)


def test_same_seed_same_result() -> None:
    counts = {("a",): (20.0, 80.0), ("b",): (30.0, 70.0), ("a", "b"): (60.0, 40.0)}
    journeys = _paths(counts)
    one = oc.journey_synergy(journeys, n_boot=50, seed=3, min_support=1)
    two = oc.journey_synergy(journeys, n_boot=50, seed=3, min_support=1)
    pd.testing.assert_frame_equal(one.to_frame(), two.to_frame())


# ------------------------------------------------------------------------------------------
# bad input


def test_bad_input_has_clear_errors() -> None:
    ok = _paths({("a",): (2.0, 50.0), ("b",): (3.0, 50.0), ("a", "b"): (4.0, 50.0)})
    with pytest.raises(oc.InvalidParameterError, match="needs a Journeys store"):
        oc.journey_synergy(pd.DataFrame())  # type: ignore[arg-type]
    empty = oc.Journeys.from_paths(pd.DataFrame({"path": ["a"], "total_conversions": [0.0]}))
    with pytest.raises(oc.InvalidParameterError, match="got no journeys"):
        oc.journey_synergy(empty.take(np.zeros(0, dtype=np.int64)))
    no_nulls = oc.Journeys.from_paths(
        pd.DataFrame({"path": ["a", "b", "a > b"], "total_conversions": [1.0, 2.0, 3.0]})
    )
    with pytest.raises(oc.InvalidParameterError, match="include_null=True"):
        oc.journey_synergy(no_nulls)
    one = _paths({("a",): (2.0, 50.0)})
    with pytest.raises(oc.InvalidParameterError, match="at least two channels"):
        oc.journey_synergy(one)
    with pytest.raises(oc.InvalidParameterError, match="'game' parameter"):
        oc.journey_synergy(ok, game="full")  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="min_support"):
        oc.journey_synergy(ok, min_support=1e6, n_boot=0)
    with pytest.raises(oc.InvalidParameterError, match="'baseline' parameter"):
        oc.journey_synergy(ok, baseline=1.5)
