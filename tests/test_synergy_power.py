"""simulate_mix (ground truth of the mix DGPs) and synergy_power (result shape, monotonicity)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omnichannel as oc
from omnichannel._synergy._power import POWER_COLUMNS, _batched_ols, _fit_options, _pair_stats

# ---- simulate_mix ------------------------------------------------------------------------------


@given(
    k=st.integers(1, 4),
    weeks=st.integers(2, 60),
    carryover=st.floats(0.0, 0.9),
    shared=st.booleans(),
    seed=st.integers(0, 2**16),
)
@settings(max_examples=30, deadline=None)
def test_components_add_up(k: int, weeks: int, carryover: float, shared: bool, seed: int) -> None:
    channels = tuple(f"m{i}" for i in range(k))
    sim = oc.simulate_mix(
        n_weeks=weeks,
        channels=channels,
        interaction=0.3,
        shared_audience=shared,
        carryover=carryover,
        decay=0.2,
        seed=seed,
    )
    data, truth = sim.data, sim.truth
    assert list(data.columns) == ["date", "kpi", *channels]
    assert len(data) == weeks
    assert (data[list(channels)] > 0).all().all()
    np.testing.assert_allclose(truth.expected + truth.noise, data["kpi"], rtol=1e-12)
    # the noise-free KPI is baseline + media + carryover of last week's observed KPI
    media = truth.media_effect(data[list(channels)].to_numpy())
    lagged = np.r_[np.nan, data["kpi"].to_numpy()[:-1]]
    np.testing.assert_allclose(
        truth.expected[1:], truth.baseline + media[1:] + carryover * lagged[1:], rtol=1e-10
    )
    # the same seed gives the same data
    again = oc.simulate_mix(
        n_weeks=weeks,
        channels=channels,
        interaction=0.3,
        shared_audience=shared,
        carryover=carryover,
        decay=0.2,
        seed=seed,
    )
    pd.testing.assert_frame_equal(again.data, data)


def test_interaction_truth_and_units() -> None:
    sim = oc.simulate_mix(
        n_weeks=20,
        channels=("tv", "search", "social"),
        interaction={("search", "tv"): 0.5},
        beta=[1.0, 2.0, 3.0],
        seed=0,
    )
    matrix = sim.truth.interaction_matrix()
    assert matrix[0, 1] == matrix[1, 0] == 0.5
    assert matrix[0, 2] == matrix[1, 2] == 0.0
    spend = np.array([[1.0, 2.0, 0.0]])
    assert sim.truth.media_effect(spend)[0] == pytest.approx(1 + 4 + 0.5 * 2)
    long = sim.spend_frame()
    assert list(long.columns) == ["date", "channel", "spend"]
    assert len(long) == 60


def test_shared_audience_has_a_negative_cross_effect_and_no_interaction_term() -> None:
    sim = oc.simulate_mix(n_weeks=52, shared_audience=True, audience_beta=3.0, seed=1)
    truth = sim.truth
    assert truth.dgp == "shared_audience"
    assert (truth.interaction["coefficient"] == 0).all()
    f = truth.media_effect
    one = np.array([[1.0, 0.0]])
    two = np.array([[0.0, 1.0]])
    both = np.array([[1.0, 1.0]])
    none = np.zeros((1, 2))
    second = f(both)[0] - f(one)[0] - f(two)[0] + f(none)[0]
    assert second < 0  # looks like cannibalisation to a model with separate curves
    # the response depends on the total only: moving spend between channels changes nothing
    assert f(np.array([[0.3, 1.7]]))[0] == pytest.approx(f(np.array([[1.2, 0.8]]))[0])


def test_simulate_mix_mean_spend_and_cv() -> None:
    sim = oc.simulate_mix(n_weeks=5000, spend_mean=[2.0, 0.5], spend_cv=0.4, seed=3)
    data = sim.data
    assert data["tv"].mean() == pytest.approx(2.0, rel=0.03)
    assert data["search"].mean() == pytest.approx(0.5, rel=0.03)
    assert (data["tv"].std() / data["tv"].mean()) == pytest.approx(0.4, rel=0.05)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_weeks": 1}, "n_weeks"),
        ({"channels": ("a", "a")}, "channels"),
        ({"channels": ("kpi",)}, "channels"),
        ({"decay": 1.0}, "decay"),
        ({"carryover": 1.0}, "carryover"),
        ({"spend_cv": 0.0}, "spend_cv"),
        ({"interaction": {("tv", "radio"): 1.0}}, "interaction"),
        ({"beta": [1.0]}, "beta"),
        ({"seed": -1}, "seed"),
    ],
)
def test_simulate_mix_errors(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(oc.InvalidParameterError, match=match):
        oc.simulate_mix(**kwargs)  # type: ignore[arg-type]


# ---- synergy_power --------------------------------------------------------------------------


def test_power_grid_is_tidy_and_reproducible() -> None:
    res = oc.synergy_power(
        n_weeks=[40, 120], interaction=[0.0, 0.5], n_sims=30, spend_paths=5, seed=2
    )
    frame = res.to_frame()
    assert list(frame.columns) == list(POWER_COLUMNS)
    assert len(frame) == 4
    assert frame[["n_weeks", "interaction"]].to_numpy().tolist() == [
        [40, 0.0],
        [40, 0.5],
        [120, 0.0],
        [120, 0.5],
    ]
    assert frame["power"].between(0, 1).all()
    assert frame["coverage"].between(0, 1).all()
    assert np.isnan(frame.loc[frame["interaction"] == 0, "correct_sign"]).all()
    again = oc.synergy_power(
        n_weeks=[40, 120], interaction=[0.0, 0.5], n_sims=30, spend_paths=5, seed=2
    )
    pd.testing.assert_frame_equal(again.to_frame(), frame)
    assert "4 designs" in repr(res)
    assert list(res.summary().columns)[:5] == [
        "n_weeks",
        "n_channels",
        "interaction",
        "spend_cv",
        "noise_sd",
    ]


def test_power_rises_with_weeks_and_effect_size() -> None:
    res = oc.synergy_power(n_weeks=[30, 200], interaction=[0.5, 2.0], n_sims=400, seed=4)
    frame = res.to_frame().set_index(["n_weeks", "interaction"])
    assert frame.loc[(200, 2.0), "power"] > frame.loc[(30, 2.0), "power"] + 0.2
    assert frame.loc[(200, 2.0), "power"] > frame.loc[(200, 0.5), "power"] + 0.2
    # the standard error shrinks roughly like 1 / sqrt(weeks)
    ratio = frame.loc[(30, 2.0), "mean_std_error"] / frame.loc[(200, 2.0), "mean_std_error"]
    assert ratio == pytest.approx(np.sqrt(200 / 30), rel=0.3)


def test_power_with_three_channels_counts_every_pair() -> None:
    res = oc.synergy_power(n_channels=3, interaction=0.4, n_sims=10, spend_paths=2, seed=0)
    row = res.to_frame().iloc[0]
    assert row["n_tests"] == 30
    assert "SynergyPower(interaction 0.4 over 156 weeks" in repr(res)


def test_batched_solve_equals_fit_mix_model_and_refit() -> None:
    # synergy_power solves all simulations at once; every one must equal the library's fit
    saturation = oc.Hill(half_saturation=0.5, slope=1.0)
    for carryover in (0.0, 0.4):
        sims = [
            oc.simulate_mix(
                n_weeks=60,
                channels=("a", "b", "c"),
                interaction=0.7,
                saturation=saturation,
                carryover=carryover,
                spend_cv=0.5,
                noise_sd=0.05,
                seed=seed,
            )
            for seed in range(4)
        ]
        spend = np.stack([s.data[["a", "b", "c"]].to_numpy() for s in sims])
        kpi = np.stack([s.data["kpi"].to_numpy() for s in sims])
        # same spend path for the refits: reuse the first path's spend with every KPI
        index = saturation.transform(spend[0] / spend[0].max(axis=0))
        est, se, low, high, df = _batched_ols(
            np.broadcast_to(index, spend.shape), kpi, carryover > 0, 0.9
        )
        options = _fit_options(carryover > 0, saturation)
        model = oc.fit_mix_model(sims[0].data, kpi="kpi", media=["a", "b", "c"], seed=0, **options)
        assert model.df_resid == df
        for s in range(4):
            fitted = model if s == 0 else model.refit(kpi[s], seed=0)
            ours = np.array([est[s], se[s], low[s], high[s]])
            np.testing.assert_allclose(ours, _pair_stats(fitted, 0.9), rtol=1e-7, atol=1e-6)


def test_power_errors() -> None:
    with pytest.raises(oc.InvalidParameterError, match="n_weeks"):
        oc.synergy_power(n_weeks=5, interaction=0.1)
    with pytest.raises(oc.InvalidParameterError, match="n_channels"):
        oc.synergy_power(n_channels=7, interaction=0.1)
    with pytest.raises(oc.InvalidParameterError, match="interaction"):
        oc.synergy_power(interaction=[])
    with pytest.raises(oc.InvalidParameterError, match="noise_sd"):
        oc.synergy_power(interaction=0.1, noise_sd=0.0)
    with pytest.raises(oc.InvalidParameterError, match="saturation"):
        oc.synergy_power(interaction=0.1, saturation=oc.Hill())


def test_power_plot() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = oc.synergy_power(n_weeks=[40, 80], interaction=[0.5, 1.0], n_sims=20, seed=0)
    axes = res.plot()
    assert axes.get_xlabel() == "n_weeks"
    assert len(axes.get_legend().get_texts()) == 2
    with pytest.raises(oc.InvalidParameterError, match="'x'"):
        res.plot(x="power")
    plt.close("all")
