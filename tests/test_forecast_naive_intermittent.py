"""SeasonalNaive, Croston, SBA and TSB: statsforecast references, ground truth and invariants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import omnichannel as oc
from omnichannel._forecast._base import SeriesPanel
from omnichannel._forecast._count_shared import fit_uplift, history

DATA = Path(__file__).parent / "data"
HORIZON = 14


# ------------------------------------------------------------------------------------------
# statsforecast references (frozen by benchmarks/make_intermittent_reference.py)


@pytest.fixture(scope="module")
def reference() -> dict[str, object]:
    series = pd.read_csv(DATA / "intermittent_reference_series.csv")
    forecasts = pd.read_csv(DATA / "intermittent_reference.csv")
    ids = sorted(series["unique_id"].unique())
    lengths = series.groupby("unique_id").size().loc[ids].to_numpy()
    t = int(lengths.max())
    start = t - lengths
    y = np.full((len(ids), t), np.nan)
    fitted = {c: np.full((len(ids), t), np.nan) for c in series.columns if c.startswith("fitted")}
    for i, uid in enumerate(ids):
        rows = series[series["unique_id"] == uid]
        y[i, start[i] :] = rows["y"].to_numpy()
        for col, arr in fitted.items():
            arr[i, start[i] :] = rows[col].to_numpy()

    def wide(model: str, column: str = "mean") -> np.ndarray:
        part = forecasts[forecasts["model"] == model]
        return part.pivot(index="unique_id", columns="h", values=column).loc[ids].to_numpy()

    # series start at different dates: the panel carries leading NaN, as forecast_demand's does
    return {"panel": SeriesPanel(y=y, start=start), "fitted": fitted, "wide": wide, "ids": ids}


@pytest.mark.parametrize(
    ("model", "name", "fitted_column"),
    [
        (oc.Croston(), "CrostonClassic", "fitted_croston"),
        (oc.SBA(), "CrostonSBA", "fitted_sba"),
        (oc.TSB(alpha_d=0.2, alpha_p=0.1), "TSB", "fitted_tsb"),
        (oc.Croston(alpha=None), "CrostonOptimized", None),
        (oc.SeasonalNaive(season_length=7), "SeasonalNaive", "fitted_snaive"),
    ],
)
def test_matches_statsforecast(
    reference: dict[str, object], model: object, name: str, fitted_column: str | None
) -> None:
    panel = reference["panel"]
    fit = model.fit_predict(panel, HORIZON)  # type: ignore[attr-defined]
    want = reference["wide"](name)  # type: ignore[operator]
    np.testing.assert_allclose(fit.mean, want, rtol=1e-10, atol=1e-12)
    if fitted_column is not None:
        ref_fit = reference["fitted"][fitted_column]  # type: ignore[index]
        np.testing.assert_array_equal(np.isnan(fit.fitted), np.isnan(ref_fit))
        np.testing.assert_allclose(fit.fitted, ref_fit, rtol=1e-10, atol=1e-12)


def test_seasonal_naive_intervals_match_statsforecast(reference: dict[str, object]) -> None:
    fit = oc.SeasonalNaive(7).fit_predict(reference["panel"], HORIZON)  # type: ignore[arg-type]
    levels = np.array([0.025, 0.1, 0.9, 0.975])
    q = fit.quantiles(levels)
    wide = reference["wide"]
    for j, col in enumerate(["lo_95", "lo_80", "hi_80", "hi_95"]):
        np.testing.assert_allclose(q[:, :, j], wide("SeasonalNaive", col), rtol=1e-10, atol=1e-9)  # type: ignore[operator]


def test_reference_covers_the_edge_cases(reference: dict[str, object]) -> None:
    ids = reference["ids"]
    assert {"no_demand", "single_demand", "first_day", "last_day", "dense"} <= set(ids)  # type: ignore[operator]
    # the constant-size series make every golden-section probe tie: alpha stops at the midpoint
    fit = oc.Croston(alpha=None).fit_predict(reference["panel"], 3)  # type: ignore[arg-type]
    assert np.isclose(fit.params()["alpha_size"], 0.2).any()


# ------------------------------------------------------------------------------------------
# ground truth: stationary Bernoulli x size demand with known parameters


def _bernoulli_size(n: int, t: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(seed)
    prob = rng.uniform(0.1, 0.5, n)
    r, p_nb = 2.0, 0.5  # size - 1 ~ NB(2, 0.5): mean 2, variance 4
    sizes = 1 + rng.negative_binomial(r, p_nb, (n, t))
    y = np.where(rng.random((n, t)) < prob[:, None], sizes, 0).astype(float)
    return y, prob, sizes, 3.0


def _mixture_cdf(v: np.ndarray, pi: np.ndarray, z: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Bernoulli x (1 + NB) CDF, written independently of the library with scipy."""
    excess = np.maximum(z - 1.0, 0.0)
    finite = np.isfinite(r)
    rr = np.where(finite, r, 1.0)
    nb = stats.nbinom.cdf(v - 1, rr, rr / (rr + np.where(excess > 0, excess, 1.0)))
    pois = stats.poisson.cdf(v - 1, excess)
    size_cdf = np.where(finite, nb, pois)
    size_cdf = np.where(excess > 0, size_cdf, (v >= 1).astype(float))
    return np.where(v < 0, 0.0, (1.0 - pi) + pi * size_cdf)


def test_tsb_recovers_probability_and_size_and_is_calibrated() -> None:
    n, t, h = 300, 800, 28
    y, prob, _, mean_size = _bernoulli_size(n, t + h, seed=11)
    fit = oc.TSB(alpha_d=0.02, alpha_p=0.02).fit_predict(
        SeriesPanel(y=y[:, :t], start=np.zeros(n, dtype=np.intp)), h
    )
    params = fit.params()
    assert abs(float((params["probability"] - prob).mean())) < 0.01
    assert abs(float(params["size"].mean()) - mean_size) < 0.1
    np.testing.assert_allclose(fit.mean[:, 0], params["probability"] * params["size"])
    # randomised PIT of held-out values against the mixture the fit describes
    rng = np.random.default_rng(0)
    held = y[:, t:]
    pi, z = fit.probability, fit.size
    r = np.broadcast_to(fit.spread[:, None], held.shape)
    lo, hi = _mixture_cdf(held - 1, pi, z, r), _mixture_cdf(held, pi, z, r)
    pit = lo + rng.random(held.shape) * (hi - lo)
    for level in (0.5, 0.8, 0.95):
        assert abs(float((pit <= level).mean()) - level) < 0.02


def test_quantiles_are_the_exact_mixture_quantiles() -> None:
    y, _, _, _ = _bernoulli_size(40, 300, seed=3)
    fit = oc.Croston(alpha=None).fit_predict(SeriesPanel(y=y, start=np.zeros(40, dtype=np.intp)), 5)
    levels = np.array([0.05, 0.5, 0.8, 0.95, 0.99])
    q = fit.quantiles(levels)
    grid = np.arange(0, 80, dtype=float)
    r = fit.spread[:, None, None]
    cdf = _mixture_cdf(grid[None, None, :], fit.probability[:, :, None], fit.size[:, :, None], r)
    want = (cdf[:, :, None, :] < levels[None, None, :, None] - 1e-12).sum(axis=-1)
    np.testing.assert_array_equal(q, want)


def test_sample_draws_follow_the_quantiles() -> None:
    y, _, _, _ = _bernoulli_size(20, 300, seed=4)
    fit = oc.SBA().fit_predict(SeriesPanel(y=y, start=np.zeros(20, dtype=np.intp)), 3)
    u = np.random.default_rng(1).random((4000, 20, 3))
    paths = fit.sample(u)
    assert np.array_equal(paths, np.round(paths))
    assert (paths >= 0).all()
    np.testing.assert_allclose(paths.mean(axis=0), fit.mean, rtol=0.12)
    # the same uniform gives the same draw as the quantile at that level
    level = np.array([0.9])
    direct = fit.sample(np.full((1, 20, 3), 0.9))[0]
    np.testing.assert_array_equal(direct, fit.quantiles(level)[:, :, 0])


# ------------------------------------------------------------------------------------------
# regressors


def _promo_panel(seed: int, lift: float) -> tuple[SeriesPanel, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, t, h = 200, 400, 14
    promo = (rng.random((n, t + h)) < 0.15).astype(float)
    base = rng.uniform(0.2, 1.0, n)
    mean = base[:, None] * np.exp(np.log(lift) * promo)
    y = rng.poisson(mean).astype(float)
    panel = SeriesPanel(
        y=y[:, :t], start=np.zeros(n, dtype=np.intp), x=promo[:, :, None], x_names=("promo",)
    )
    return panel, promo, base


def test_pooled_uplift_recovers_the_promotion_effect() -> None:
    panel, _, _ = _promo_panel(seed=2, lift=2.0)
    y, observed = history(panel)
    assert panel.x is not None
    beta = fit_uplift(y, observed, panel.x)
    assert abs(float(beta[0]) - np.log(2.0)) < 0.05


@pytest.mark.parametrize("model", [oc.Croston(), oc.TSB(), oc.SeasonalNaive(7)])
def test_regressors_scale_the_forecast(model: object) -> None:
    panel, promo, _ = _promo_panel(seed=5, lift=2.0)
    fit = model.fit_predict(panel, 14)  # type: ignore[attr-defined]
    t = panel.n_time
    assert "coef_promo" in fit.params().columns
    lift = np.exp(float(fit.params()["coef_promo"].iloc[0]))
    assert 1.8 < lift < 2.2
    future = promo[:, t:]
    ratio = fit.mean / np.exp(np.log(lift) * future)
    # once the uplift is divided out, the forecast is flat (or seasonal) again
    if isinstance(model, oc.SeasonalNaive):
        np.testing.assert_allclose(ratio[:, :7], ratio[:, 7:], rtol=1e-10)
    else:
        flat = np.broadcast_to(ratio[:, :1], ratio.shape)
        np.testing.assert_allclose(ratio, flat, rtol=1e-10)


def test_promotion_raises_probability_before_size() -> None:
    panel, _, _ = _promo_panel(seed=6, lift=2.0)
    fit = oc.Croston().fit_predict(panel, 14)
    assert (fit.probability <= 1.0).all()
    np.testing.assert_allclose(fit.probability * fit.size, fit.mean, rtol=1e-12)
    assert (fit.size >= 1.0).all()  # count sizes stay at least one unit


# ------------------------------------------------------------------------------------------
# invariants


@st.composite
def panels(draw: st.DrawFn, *, negatives: bool = True) -> SeriesPanel:
    n = draw(st.integers(1, 5))
    t = draw(st.integers(2, 40))
    low = -2 if negatives else 0
    values = draw(
        st.lists(
            st.lists(st.sampled_from([0, 0, 0, 1, 2, 5, low]), min_size=t, max_size=t),
            min_size=n,
            max_size=n,
        )
    )
    y = np.array(values, dtype=float)
    start = np.array(draw(st.lists(st.integers(0, t - 1), min_size=n, max_size=n)))
    y[np.arange(t)[None, :] < start[:, None]] = np.nan
    return SeriesPanel(y=y, start=start)


INTERMITTENT = [oc.Croston(), oc.SBA(), oc.TSB(), oc.Croston(alpha=None), oc.TSB(0.1, 0.3)]


@settings(max_examples=40, deadline=None)
@given(panel=panels(), which=st.integers(0, len(INTERMITTENT) - 1), seed=st.integers(0, 99))
def test_intermittent_invariants(panel: SeriesPanel, which: int, seed: int) -> None:
    fit = INTERMITTENT[which].fit_predict(panel, 4)
    levels = np.array([0.05, 0.3, 0.5, 0.8, 0.95])
    q = fit.quantiles(levels)
    assert np.isfinite(fit.mean).all()
    assert (fit.mean >= 0).all()
    assert (np.diff(q, axis=-1) >= 0).all()
    assert (q >= 0).all()
    assert np.array_equal(q, np.round(q))
    paths = fit.sample(np.random.default_rng(seed).random((30, panel.n_series, 4)))
    assert (paths >= 0).all()
    assert np.array_equal(paths, np.round(paths))
    # fitted values: NaN exactly up to each series' first observation
    defined = np.arange(panel.n_time)[None, :] > panel.start[:, None]
    assert np.isfinite(fit.fitted[defined]).all()
    assert np.isnan(fit.fitted[~defined]).all()
    assert len(fit.params()) == panel.n_series


@settings(max_examples=25, deadline=None)
@given(panel=panels(), which=st.integers(0, len(INTERMITTENT)), data=st.data())
def test_series_order_does_not_matter(panel: SeriesPanel, which: int, data: st.DataObject) -> None:
    models = [*INTERMITTENT, oc.SeasonalNaive(3)]
    perm = np.array(data.draw(st.permutations(range(panel.n_series))))
    shuffled = SeriesPanel(y=panel.y[perm], start=panel.start[perm])
    a = models[which].fit_predict(panel, 3)
    b = models[which].fit_predict(shuffled, 3)
    levels = np.array([0.1, 0.9])
    np.testing.assert_array_equal(a.mean[perm], b.mean)
    np.testing.assert_array_equal(a.fitted[perm], b.fitted)
    np.testing.assert_array_equal(a.quantiles(levels)[perm], b.quantiles(levels))


@pytest.mark.parametrize("model", [*INTERMITTENT, oc.SeasonalNaive(7)])
def test_all_zero_series_forecast_zero(model: object) -> None:
    y = np.zeros((3, 30))
    y[1, :10] = np.nan
    start = np.array([0, 10, 29])
    fit = model.fit_predict(SeriesPanel(y=y, start=start), 5)  # type: ignore[attr-defined]
    assert np.array_equal(fit.mean, np.zeros((3, 5)))
    q = fit.quantiles(np.array([0.05, 0.5, 0.99]))
    assert np.array_equal(q, np.zeros_like(q))
    assert not fit.params().select_dtypes("number").isna().any().any()


def test_negative_values_count_as_no_demand() -> None:
    y = np.array([[0.0, 3.0, -2.0, 0.0, 2.0, 0.0, -1.0, 4.0]])
    clipped = np.maximum(y, 0.0)
    start = np.array([0])
    for model in (oc.Croston(), oc.TSB(0.2, 0.2)):
        a = model.fit_predict(SeriesPanel(y=y, start=start), 2)
        b = model.fit_predict(SeriesPanel(y=clipped, start=start), 2)
        np.testing.assert_array_equal(a.mean, b.mean)


def test_fractional_sizes_get_a_continuous_size_distribution() -> None:
    rng = np.random.default_rng(8)
    y = np.where(rng.random((5, 300)) < 0.3, rng.gamma(2.0, 1.5, (5, 300)), 0.0)
    fit = oc.Croston().fit_predict(SeriesPanel(y=y, start=np.zeros(5, dtype=np.intp)), 2)
    assert not fit.is_count.any()
    q = fit.quantiles(np.array([0.8, 0.9, 0.99]))
    assert (q >= 0).all()
    assert (np.diff(q, axis=-1) >= 0).all()
    assert not np.array_equal(q, np.round(q))


def test_seasonal_naive_paths_have_the_quantiles_spread() -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(10.0, 2.0, (4, 70)) + np.tile([0.0, 5.0, 1.0], 24)[:70]
    fit = oc.SeasonalNaive(3).fit_predict(SeriesPanel(y=y, start=np.zeros(4, dtype=np.intp)), 9)
    paths = fit.sample(rng.random((20000, 4, 9)))
    np.testing.assert_allclose(paths.mean(axis=0), fit.mean, atol=0.1)
    np.testing.assert_allclose(paths.std(axis=0), fit.std(), rtol=0.03)
    # the spread grows with each whole season ahead: sqrt(1), sqrt(2), sqrt(3)
    np.testing.assert_allclose(
        fit.std()[:, [0, 3, 6]] / fit.std()[:, :1], [[1, 2**0.5, 3**0.5]] * 4
    )


def test_short_series_fill_the_unseen_season_with_their_mean() -> None:
    y = np.array([[np.nan, np.nan, np.nan, np.nan, 4.0, 6.0]])
    fit = oc.SeasonalNaive(3).fit_predict(SeriesPanel(y=y, start=np.array([4])), 3)
    np.testing.assert_array_equal(fit.mean, [[5.0, 4.0, 6.0]])
    assert np.isfinite(fit.quantiles(np.array([0.1, 0.9]))).all()


@pytest.mark.parametrize(
    "build",
    [
        lambda: oc.Croston(alpha=0.0),
        lambda: oc.Croston(alpha=1.5),
        lambda: oc.SBA(bounds=(0.3, 0.1)),
        lambda: oc.TSB(alpha_p="0.1"),
        lambda: oc.SeasonalNaive(season_length=0),
        lambda: oc.CountModel(family="zip"),
    ],
)
def test_invalid_options_raise(build: object) -> None:
    with pytest.raises(oc.InvalidParameterError):
        build()  # type: ignore[operator]


def test_wrong_regressor_shape_raises() -> None:
    panel = SeriesPanel(
        y=np.zeros((2, 10)), start=np.zeros(2, dtype=np.intp), x=np.zeros((2, 10, 1))
    )
    with pytest.raises(oc.InvalidParameterError, match="n_time \\+ horizon"):
        oc.Croston().fit_predict(panel, 3)
