"""Exact Shapley values and interaction index; the SynergyScores result class."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import omnichannel as oc
from omnichannel._synergy._scores import (
    PAIR_COLUMNS,
    check_efficiency,
    coalition_masks,
    efficiency_gap,
    label_pairs,
    pair_interactions,
    shapley_from_values,
    shapley_interactions,
)

REFERENCE = (
    Path(__file__).resolve().parents[1]
    / "benchmarks"
    / "reference"
    / "synergy_shapley_reference.json"
)


# ---- independent brute-force implementations ------------------------------------------------


def _mask(members: tuple[int, ...] | set[int]) -> int:
    return sum(1 << i for i in members)


def brute_shapley(values: np.ndarray) -> np.ndarray:
    """Average marginal contribution over all k! orderings."""
    k = int(np.log2(values.shape[-1]))
    phi = np.zeros(k)
    orders = list(itertools.permutations(range(k)))
    for order in orders:
        current = 0
        for player in order:
            phi[player] += values[current | (1 << player)] - values[current]
            current |= 1 << player
    return phi / len(orders)


def moebius_interaction(values: np.ndarray) -> np.ndarray:
    """Interaction index from the Moebius transform: I(T) = sum_{S >= T} m(S) / (|S| - |T| + 1)."""
    k = int(np.log2(values.shape[-1]))
    players = range(k)
    subsets = [s for r in range(k + 1) for s in itertools.combinations(players, r)]
    moebius = {}
    for s in subsets:
        moebius[s] = sum(
            (-1) ** (len(s) - len(r)) * values[_mask(r)]
            for size in range(len(s) + 1)
            for r in itertools.combinations(s, size)
        )
    out = np.zeros((k, k))
    for i, j in itertools.combinations(players, 2):
        out[i, j] = out[j, i] = sum(
            m / (len(s) - 1) for s, m in moebius.items() if {i, j} <= set(s)
        )
    for i in players:
        out[i, i] = sum(m / len(s) for s, m in moebius.items() if i in s)
    return out


games = st.integers(1, 5).flatmap(
    lambda k: hnp.arrays(
        np.float64, 1 << k, elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
    )
)


# ---- properties -------------------------------------------------------------------------------


@given(games)
@settings(max_examples=60, deadline=None)
def test_shapley_matches_permutation_brute_force(values: np.ndarray) -> None:
    np.testing.assert_allclose(shapley_from_values(values), brute_shapley(values), atol=1e-9)


@given(games)
@settings(max_examples=60, deadline=None)
def test_interaction_index_matches_moebius_formula(values: np.ndarray) -> None:
    np.testing.assert_allclose(shapley_interactions(values), moebius_interaction(values), atol=1e-8)


@given(games)
@settings(max_examples=60, deadline=None)
def test_efficiency_and_main_plus_interactions_add_up(values: np.ndarray) -> None:
    phi = shapley_from_values(values)
    assert check_efficiency(values, phi) <= 1e-9 * max(1.0, np.abs(values).max())
    if values.size >= 4:
        names = tuple(f"c{i}" for i in range(values.size.bit_length() - 1))
        scores = oc.SynergyScores.from_values(values, channels=names, source="mix_model")
        shap = scores.shapley()
        total = values[-1] - values[0]
        assert shap["shapley"].sum() == pytest.approx(total, abs=1e-9 * max(1, abs(total)))
        recomposed = shap["main_effect"].sum() + scores.to_frame()["shapley_interaction"].sum()
        assert recomposed == pytest.approx(total, abs=1e-8 * max(1.0, np.abs(values).max()))


def test_batches_equal_one_game_at_a_time() -> None:
    rng = np.random.default_rng(4)
    values = rng.normal(size=(3, 2, 16))
    phi = shapley_from_values(values)
    index = shapley_interactions(values)
    for a in range(3):
        for b in range(2):
            np.testing.assert_allclose(phi[a, b], shapley_from_values(values[a, b]))
            np.testing.assert_allclose(index[a, b], shapley_interactions(values[a, b]))
    np.testing.assert_allclose(efficiency_gap(values, phi), 0.0, atol=1e-12)


def test_symmetric_players_get_equal_values() -> None:
    # players 0 and 2 are interchangeable: v depends on them only through how many are in
    rng = np.random.default_rng(1)
    table = rng.normal(size=(3, 2))  # (count of {0, 2} in S, is 1 in S)
    masks, _ = coalition_masks(3)
    values = table[((masks >> 0) & 1) + ((masks >> 2) & 1), (masks >> 1) & 1]
    phi = shapley_from_values(values)
    index = shapley_interactions(values)
    assert phi[0] == pytest.approx(phi[2], abs=1e-12)
    assert index[0, 1] == pytest.approx(index[2, 1], abs=1e-12)


def test_dummy_player_gets_zero() -> None:
    rng = np.random.default_rng(2)
    base = rng.normal(size=8)  # game of players 0..2
    masks, _ = coalition_masks(4)
    values = base[masks & 0b0111]  # player 3 changes nothing
    phi = shapley_from_values(values)
    index = shapley_interactions(values)
    assert phi[3] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(index[3, :3], 0.0, atol=1e-12)
    np.testing.assert_allclose(phi[:3], shapley_from_values(base), atol=1e-12)


@pytest.mark.parametrize("k", [2, 3, 5, 8])
def test_pure_product_game_closed_form(k: int) -> None:
    # unanimity game on all k players (v = 1 only for the grand coalition): phi = 1/k, I = 1/(k-1)
    values = np.zeros(1 << k)
    values[-1] = 1.0
    index = shapley_interactions(values)
    np.testing.assert_allclose(np.diagonal(index), 1.0 / k, atol=1e-12)
    off = index[~np.eye(k, dtype=bool)]
    np.testing.assert_allclose(off, 1.0 / (k - 1), atol=1e-12)


def test_quadratic_game_recovers_pair_coefficients() -> None:
    # v(S) = sum a_i + sum_{i<j} b_ij over S: I_ij = b_ij, phi_i = a_i + sum_j b_ij / 2
    rng = np.random.default_rng(3)
    k = 6
    a = rng.normal(size=k)
    b = np.triu(rng.normal(size=(k, k)), 1)
    b = b + b.T
    masks, _ = coalition_masks(k)
    members = ((masks[:, None] >> np.arange(k)) & 1).astype(float)
    values = members @ a + 0.5 * np.einsum("si,ij,sj->s", members, b, members)
    index = shapley_interactions(values)
    off = ~np.eye(k, dtype=bool)
    np.testing.assert_allclose(index[off], b[off], atol=1e-10)
    np.testing.assert_allclose(np.diagonal(index), a + b.sum(axis=1) / 2, atol=1e-10)
    np.testing.assert_allclose(pair_interactions(values)[off], b[off], atol=1e-10)


def test_security_council_matches_published_and_frozen_reference() -> None:
    reference = json.loads(REFERENCE.read_text())
    masks, _ = coalition_masks(15)
    permanent = (masks & 0b11111) == 0b11111
    others = np.zeros_like(masks)
    for bit in range(5, 15):
        others += (masks >> bit) & 1
    values = (permanent & (others >= 4)).astype(float)
    index = shapley_interactions(values)
    phi = np.diagonal(index)
    published = reference["published_shapley"]
    np.testing.assert_allclose(phi[:5], published["permanent"], rtol=1e-12)
    np.testing.assert_allclose(phi[5:], published["non_permanent"], rtol=1e-12)
    exact = reference["interaction"]
    assert index[0, 1] == pytest.approx(exact["permanent_permanent"], rel=1e-12)
    assert index[0, 7] == pytest.approx(exact["permanent_non_permanent"], rel=1e-12)
    assert index[6, 9] == pytest.approx(exact["non_permanent_non_permanent"], rel=1e-12)
    assert phi.sum() == pytest.approx(1.0, abs=1e-12)


def test_bad_values_are_rejected() -> None:
    with pytest.raises(oc.InvalidParameterError, match="2\\*\\*k"):
        shapley_from_values(np.zeros(6))
    with pytest.raises(oc.InvalidParameterError, match="finite"):
        shapley_from_values([0.0, np.nan])
    with pytest.raises(oc.OmnichannelError, match="do not add up"):
        check_efficiency([0.0, 1.0, 2.0, 5.0], [2.0, 2.0])


# ---- SynergyScores -------------------------------------------------------------------------


def _three_channel_scores(**kwargs: object) -> oc.SynergyScores:
    # tv and search complement (+4), search and social cannibalise (-3), tv-social independent
    a = np.array([10.0, 6.0, 5.0])
    b = np.zeros((3, 3))
    b[0, 1] = b[1, 0] = 4.0
    b[1, 2] = b[2, 1] = -3.0
    masks, _ = coalition_masks(3)
    members = ((masks[:, None] >> np.arange(3)) & 1).astype(float)
    values = 100.0 + members @ a + 0.5 * np.einsum("si,ij,sj->s", members, b, members)
    return oc.SynergyScores.from_values(
        values, channels=("tv", "search", "social"), source="mix_model", **kwargs
    )


def test_from_values_frames_and_labels() -> None:
    rng = np.random.default_rng(0)
    point = _three_channel_scores()
    draws = np.empty((400, 8))
    masks, _ = coalition_masks(3)
    members = ((masks[:, None] >> np.arange(3)) & 1).astype(float)
    for d in range(400):  # a few hundred bootstrap-like games around the point game
        a = np.array([10.0, 6.0, 5.0]) + rng.normal(0, 0.5, 3)
        b = np.zeros((3, 3))
        b[0, 1] = b[1, 0] = 4.0 + rng.normal(0, 0.5)
        b[1, 2] = b[2, 1] = -3.0 + rng.normal(0, 0.5)
        b[0, 2] = b[2, 0] = rng.normal(0, 0.5)
        draws[d] = members @ a + 0.5 * np.einsum("si,ij,sj->s", members, b, members)
    scores = _three_channel_scores(draws=draws)
    frame = scores.to_frame()
    assert list(frame.columns[: len(PAIR_COLUMNS)]) == list(PAIR_COLUMNS)
    assert list(zip(frame["channel_a"], frame["channel_b"], strict=True)) == [
        ("tv", "search"),
        ("tv", "social"),
        ("search", "social"),
    ]
    np.testing.assert_allclose(frame["shapley_interaction"], [4.0, 0.0, -3.0], atol=1e-12)
    assert frame["label"].tolist() == ["complementary", "independent", "cannibalising"]
    assert (frame["lower"] <= frame["interaction"]).all()
    assert (frame["interaction"] <= frame["upper"]).all()
    assert frame["p_value"].iloc[0] < 0.01
    assert frame["p_value"].iloc[1] > 0.05
    # total lift 21 + 4 - 3 = 22; share = interaction over total lift
    assert scores.total_lift == pytest.approx(22.0)
    np.testing.assert_allclose(frame["synergy_share"], [4 / 22, 0.0, -3 / 22])
    np.testing.assert_allclose(frame["synergy_ratio"], [20 / 16, 1.0, 8 / 11])
    assert scores.n_draws == 400
    shap = scores.shapley()
    np.testing.assert_allclose(shap["shapley"], [12.0, 6.5, 3.5])
    np.testing.assert_allclose(shap["main_effect"], [10.0, 6.0, 5.0])
    assert {"shapley_lower", "shapley_upper"} <= set(shap.columns)
    # without draws there is no interval: every pair is independent
    assert point.to_frame()["label"].eq("independent").all()
    assert point.to_frame()["lower"].isna().all()


def test_matrix_summary_repr_and_copies() -> None:
    scores = _three_channel_scores()
    grid = scores.matrix("interaction")
    assert grid.loc["search", "tv"] == grid.loc["tv", "search"] == pytest.approx(4.0)
    assert np.isnan(grid.loc["tv", "tv"])
    assert scores.summary()["shapley_interaction"].tolist()[0] == pytest.approx(4.0)
    assert "SynergyScores(mix_model: 3 channels, 3 pairs" in repr(scores)
    frame = scores.to_frame()
    frame.loc[0, "interaction"] = 99.0
    assert scores.to_frame().loc[0, "interaction"] == pytest.approx(4.0)
    with pytest.raises(oc.InvalidParameterError, match="column"):
        scores.matrix("label")


def test_custom_pair_inputs_and_journey_source() -> None:
    k = 2
    interaction = np.array([[0.0, 0.3], [0.3, 0.0]])
    scores = oc.SynergyScores.from_values(
        [0.0, 1.0, 1.0, 2.5],
        channels=["email", "search"],
        source="journeys",
        interaction=interaction,
        lower=interaction - 0.1,
        upper=interaction + 0.1,
        p_value=np.full((k, k), 0.001),
        extra={"n_journeys": np.full((k, k), 12.0)},
        metric="conversions",
    )
    row = scores.to_frame().iloc[0]
    assert row["interaction"] == pytest.approx(0.3)
    assert row["label"] == "complementary"
    assert row["n_journeys"] == 12.0
    assert row["shapley_interaction"] == pytest.approx(0.5)
    assert scores.metric == "conversions"


def test_constructor_validates() -> None:
    scores = _three_channel_scores()
    with pytest.raises(oc.InvalidParameterError, match="missing column"):
        oc.SynergyScores(
            source="journeys",
            channels=scores.channels,
            pairs=scores.to_frame().drop(columns="label"),
            channel_scores=scores.shapley(),
            total_lift=1.0,
        )
    with pytest.raises(oc.InvalidParameterError, match="channels"):
        oc.SynergyScores.from_values([0.0, 1.0, 2.0, 3.0], channels=["a"], source="journeys")
    with pytest.raises(ValueError, match="source"):
        oc.SynergyScores.from_values([0.0, 1.0, 2.0, 3.0], channels=["a", "b"], source="x")  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match=r"\(2, 2\)"):
        oc.SynergyScores.from_values(
            [0.0, 1.0, 2.0, 3.0], channels=["a", "b"], source="journeys", interaction=[1.0]
        )


def test_label_pairs_nan_is_independent() -> None:
    assert label_pairs([np.nan], [np.nan]).tolist() == ["independent"]


def test_plot_heatmap() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    axes = _three_channel_scores().plot(column="synergy_ratio")
    assert axes.get_title().endswith("synergy_ratio")
    plt.close("all")


def test_efficiency_at_fifteen_channels_is_fast() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(size=1 << 15)
    phi = shapley_from_values(values)
    assert abs(efficiency_gap(values, phi)) < 1e-9 * np.abs(values).max() * 10
    assert math.isfinite(float(shapley_interactions(values).sum()))


def test_frames_are_pandas() -> None:
    scores = _three_channel_scores()
    assert isinstance(scores.to_frame(), pd.DataFrame)
    assert scores.to_frame()["channel_a"].map(type).eq(str).all()


# ---- score_synergy on a fitted mix model ------------------------------------------------------


@pytest.fixture(scope="module")
def fitted_three() -> object:
    sim = oc.simulate_mix(
        n_weeks=104,
        channels=("tv", "search", "social"),
        interaction={("tv", "search"): 0.6, ("search", "social"): -0.4},
        beta=[1.0, 1.5, 0.8],
        decay=[0.3, 0.0, 0.1],
        noise_sd=0.1,
        seed=11,
    )
    return oc.fit_mix_model(
        sim.data, kpi="kpi", media=["tv", "search", "social"], n_boot=20, seed=0
    )


def test_score_synergy_agrees_with_contributions(fitted_three: object) -> None:
    model = fitted_three
    scores = oc.score_synergy(model, level=0.9)  # type: ignore[arg-type]
    frame = scores.to_frame()
    totals = model.contributions().groupby("term")["contribution"].sum()  # type: ignore[attr-defined]
    channels = list(model.channels)  # type: ignore[attr-defined]
    pair_terms = [f"{a}:{b}" for a, b in zip(frame["channel_a"], frame["channel_b"], strict=True)]
    media_total = totals[channels].sum() + totals[pair_terms].sum()
    np.testing.assert_allclose(frame["synergy_share"], totals[pair_terms] / media_total, rtol=1e-9)
    # a pairwise model is a quadratic game: the Shapley interaction is the pair's contribution
    np.testing.assert_allclose(frame["shapley_interaction"], totals[pair_terms], rtol=1e-7)
    np.testing.assert_allclose(frame["interaction_contribution"], totals[pair_terms], rtol=1e-9)
    shap = scores.shapley().set_index("channel")
    np.testing.assert_allclose(shap.loc[channels, "main_effect"], totals[channels], rtol=1e-7)
    # efficiency: Shapley values sum to the total lift; main effects plus interactions too
    assert scores.total_lift == pytest.approx(media_total, rel=1e-9)
    assert shap["shapley"].sum() == pytest.approx(scores.total_lift, rel=1e-9, abs=1e-9)
    recomposed = shap["main_effect"].sum() + frame["shapley_interaction"].sum()
    assert recomposed == pytest.approx(scores.total_lift, rel=1e-9)
    # ratio from the response surface: joint lift over the sum of single lifts
    for row in frame.itertuples():
        a, b = channels.index(row.channel_a), channels.index(row.channel_b)
        single = totals[channels[a]] + totals[channels[b]]
        joint = single + totals[f"{row.channel_a}:{row.channel_b}"]
        assert row.synergy_ratio == pytest.approx(joint / single, rel=1e-7)
    # coefficient, interval and p-value come from the model's coefficient table
    coefs = model.coefficients().set_index("term")  # type: ignore[attr-defined]
    np.testing.assert_allclose(frame["interaction"], coefs.loc[pair_terms, "estimate"])
    np.testing.assert_allclose(frame["p_value"], coefs.loc[pair_terms, "p_value"])
    assert scores.n_draws == 20
    assert (frame["shapley_interaction_lower"] <= frame["shapley_interaction_upper"]).all()
    assert scores.level == 0.9


def test_score_synergy_without_bootstrap_uses_wald_intervals() -> None:
    sim = oc.simulate_mix(n_weeks=104, channels=("tv", "search"), interaction=0.5, seed=5)
    model = oc.fit_mix_model(sim.data, kpi="kpi", media=["tv", "search"], n_boot=0, seed=0)
    frame = oc.score_synergy(model).to_frame()
    coefs = model.coefficients().set_index("term")
    np.testing.assert_allclose(
        frame[["lower", "upper"]].iloc[0], coefs.loc["tv:search", ["lower", "upper"]]
    )
    assert "shapley_interaction_lower" not in frame.columns


def test_score_synergy_errors() -> None:
    with pytest.raises(oc.InvalidParameterError, match="fitted MixModel"):
        oc.score_synergy(object())  # type: ignore[arg-type]
