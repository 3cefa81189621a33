"""Holdout validation, per-segment fits, CLV by channel, and recovery of simulated parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import omnichannel as oc
from omnichannel._customers._sample import sample_bgnbd_orders, sample_bgnbd_summary

START = pd.Timestamp("2023-01-01")


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    """Orders from known BG/NBD (per day: r=0.25, alpha=30, a=0.8, b=2.5) and Gamma-Gamma."""
    return sample_bgnbd_orders(
        30_000, acquisition_days=182, observation_days=546, channels=("store", "web"), seed=11
    )


@pytest.fixture(scope="module")
def calibration(simulated: pd.DataFrame) -> pd.DataFrame:
    return oc.summarize_customers(
        simulated,
        observation_end=START + pd.Timedelta(days=545),
        calibration_end=START + pd.Timedelta(days=363),
        time_unit="W",
    )


def test_bgnbd_recovers_known_parameters_within_standard_errors() -> None:
    truth = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    T = np.random.default_rng(21).uniform(20.0, 60.0, 40_000)
    summary = sample_bgnbd_summary(T, **truth, seed=21)
    model = oc.BetaGeo().fit(summary)
    z = (model.params_ - pd.Series(truth)) / model.standard_errors_
    assert (z.abs() < 2.5).all(), z
    assert model.converged_


def test_gamma_gamma_recovers_known_parameters_within_standard_errors(
    simulated: pd.DataFrame,
) -> None:
    summary = oc.summarize_customers(simulated, observation_end=START + pd.Timedelta(days=545))
    model = oc.GammaGamma().fit(summary)
    truth = pd.Series({"p": 6.0, "q": 4.0, "gamma": 15.0})
    z = (model.params_ - truth) / model.standard_errors_
    assert (z.abs() < 2.5).all(), z


def test_holdout_predictions_are_unbiased(calibration: pd.DataFrame) -> None:
    model = oc.BetaGeo().fit(calibration)
    table = oc.holdout_comparison(model, calibration)
    actual = table["actual_total"].sum()
    predicted = table["predicted_total"].sum()
    # Poisson-like noise on ~40k purchases plus parameter noise: within 3%.
    assert predicted == pytest.approx(actual, rel=0.03)
    both = table[table["customers"] >= 500]
    np.testing.assert_allclose(both["predicted"], both["actual"], rtol=0.12)
    assert table["customers"].sum() == len(calibration)


def test_holdout_comparison_errors(calibration: pd.DataFrame) -> None:
    model = oc.BetaGeo().fit(calibration)
    with pytest.raises(oc.SchemaError, match="frequency_holdout"):
        oc.holdout_comparison(model, calibration.drop(columns="frequency_holdout"))
    with pytest.raises(oc.InvalidParameterError, match="model"):
        oc.holdout_comparison(oc.GammaGamma(), calibration)  # type: ignore[arg-type]
    table = oc.holdout_comparison(model, calibration, max_frequency=3)
    assert table.index.tolist()[-1] == "3+"


def test_plot_holdout(calibration: pd.DataFrame) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model = oc.BetaGeo().fit(calibration)
    ax = oc.plot_holdout(oc.holdout_comparison(model, calibration))
    assert len(ax.get_lines()) == 2
    with pytest.raises(oc.SchemaError, match="holdout_comparison"):
        oc.plot_holdout(pd.DataFrame({"x": [1]}))
    plt.close("all")


def test_fit_by_segment_and_clv_by_segment(calibration: pd.DataFrame) -> None:
    fits = oc.fit_by_segment(oc.BetaGeo(), calibration, "first_channel")
    assert sorted(fits) == ["store", "web"]
    assert sum(m.n_customers_ for m in fits.values()) == len(calibration)
    template = oc.BetaGeo()
    assert not hasattr(template, "params_")
    table = oc.clv_by_segment(calibration, "first_channel", horizon=26, margin=0.3)
    assert table.index.tolist() == ["store", "web"]
    assert table["customers"].sum() == len(calibration)
    assert (table["clv"] > 0).all()
    assert (table["p_alive"].between(0, 1)).all()
    # Both channels come from the same process: similar parameters and value.
    assert table.loc["store", "r"] == pytest.approx(table.loc["web", "r"], rel=0.15)
    manual = fits["web"].clv(
        26, 0.0, 0.3, value=oc.GammaGamma().fit(calibration[calibration["first_channel"] == "web"])
    )
    assert table.loc["web", "clv"] == pytest.approx(manual.mean(), rel=1e-9)


def test_segments_tell_apart_different_processes() -> None:
    slow = sample_bgnbd_summary(np.full(4000, 52.0), r=0.3, alpha=8.0, a=0.8, b=2.5, seed=1)
    fast = sample_bgnbd_summary(np.full(4000, 52.0), r=0.6, alpha=3.0, a=0.8, b=2.5, seed=2)
    summary = pd.concat([slow, fast], ignore_index=True)
    summary["monetary_value"] = np.where(summary["frequency"] > 0, 20.0 + summary.index % 7, 0.0)
    acquired = pd.Series(["store"] * 4000 + ["online"] * 4000, index=summary.index, name="acq")
    table = oc.clv_by_segment(summary, acquired, horizon=52)
    assert table.index.name == "acq"
    assert table.loc["online", "expected_purchases"] > 2 * table.loc["store", "expected_purchases"]
    assert table.loc["online", "clv"] > table.loc["store", "clv"]


def test_small_segments_are_reported_without_a_fit(calibration: pd.DataFrame) -> None:
    table = oc.clv_by_segment(calibration, "first_channel", min_customers=10**6)
    assert table["r"].isna().all()
    assert table["customers"].sum() == len(calibration)
    with pytest.raises(oc.InvalidParameterError, match="by"):
        oc.clv_by_segment(calibration, "no_such_column")
    misaligned = pd.Series(["a"] * 3)
    with pytest.raises(oc.SchemaError, match="same index"):
        oc.fit_by_segment(oc.BetaGeo(), calibration, misaligned)


def test_by_channel_summary_fits_per_channel(simulated: pd.DataFrame) -> None:
    summary = oc.summarize_customers(
        simulated, observation_end=START + pd.Timedelta(days=545), by_channel=True, time_unit="W"
    )
    fits = oc.fit_by_segment(oc.BetaGeo(), summary, "channel")
    assert sorted(fits) == ["store", "web"]
    for model in fits.values():
        assert model.converged_
