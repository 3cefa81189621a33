"""CountModel and the integer inverse CDF: ground truth, the simulator, invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import omnichannel as oc
from omnichannel._forecast._base import SeriesPanel
from omnichannel._forecast._count_shared import count_ppf

# ------------------------------------------------------------------------------------------
# count_ppf against scipy


def test_count_ppf_equals_scipy() -> None:
    rng = np.random.default_rng(0)
    n = 200_000
    u = rng.random(n)
    u[:50] = rng.random(50) * 1e-9  # deep lower tail
    u[50:100] = 1.0 - rng.random(50) * 1e-9  # deep upper tail
    mean = rng.lognormal(-1.0, 2.0, n)
    size = rng.lognormal(0.0, 1.5, n)
    size[::5] = np.inf  # Poisson
    got = count_ppf(u, mean, size)
    want = np.empty(n)
    nb = np.isfinite(size)
    want[nb] = stats.nbinom.ppf(u[nb], size[nb], size[nb] / (size[nb] + mean[nb]))
    want[~nb] = stats.poisson.ppf(u[~nb], mean[~nb])
    np.testing.assert_array_equal(got, want)


def test_count_ppf_handles_zero_means_and_broadcasts() -> None:
    q = count_ppf(np.array([[0.1], [0.99]]), np.array([0.0, 2.0, 50.0]), 3.0)
    assert q.shape == (2, 3)
    assert (q[:, 0] == 0).all()
    assert (np.diff(q, axis=0) >= 0).all()


# ------------------------------------------------------------------------------------------
# ground truth: negative binomial series with known mean and dispersion


def _nb_cdf(v: np.ndarray, mean: np.ndarray, size: np.ndarray) -> np.ndarray:
    finite = np.isfinite(size)
    k = np.where(finite, size, 1.0)
    nb = stats.nbinom.cdf(v, k, k / (k + mean))
    return np.where(finite, nb, stats.poisson.cdf(v, mean))


def _randomised_pit(y: np.ndarray, mean: np.ndarray, size: np.ndarray, seed: int) -> np.ndarray:
    """PIT of discrete data: F(y - 1) + V (F(y) - F(y - 1)), uniform under the right model."""
    lo, hi = _nb_cdf(y - 1, mean, size), _nb_cdf(y, mean, size)
    return lo + np.random.default_rng(seed).random(y.shape) * (hi - lo)


@pytest.fixture(scope="module")
def nb_truth() -> dict[str, np.ndarray | oc.CountModel | object]:
    rng = np.random.default_rng(5)
    n, t, h = 400, 700, 28
    k = np.repeat([0.5, 1.0, 2.0, 5.0], n // 4)
    mu = rng.lognormal(-0.8, 0.5, n)
    y = rng.negative_binomial(k[:, None], (k / (k + mu))[:, None], (n, t + h)).astype(float)
    start = rng.integers(0, 100, n)
    history = y[:, :t].copy()
    history[np.arange(t)[None, :] < start[:, None]] = np.nan
    fit = oc.CountModel().fit_predict(SeriesPanel(y=history, start=start), h)
    return {"fit": fit, "k": k, "mu": mu, "held": y[:, t:]}


def test_dispersion_is_recovered(nb_truth: dict[str, object]) -> None:
    fit, k = nb_truth["fit"], nb_truth["k"]
    for value in (0.5, 1.0, 2.0, 5.0):
        est = np.median(fit.size[k == value])  # type: ignore[attr-defined,index]
        assert est == pytest.approx(value, rel=0.15)


def test_dispersion_of_large_counts_is_recovered() -> None:
    # aggregates of a hierarchy sell hundreds a day: their lgamma terms bypass the histogram
    rng = np.random.default_rng(12)
    k, mu = 20.0, rng.uniform(100.0, 400.0, 60)
    y = rng.negative_binomial(k, (k / (k + mu))[:, None], (60, 500)).astype(float)
    fit = oc.CountModel(alpha=0.01).fit_predict(
        SeriesPanel(y=y, start=np.zeros(60, dtype=np.intp)), 3
    )
    assert np.median(fit.size) == pytest.approx(k, rel=0.15)
    q = fit.quantiles(np.array([0.1, 0.9]))
    assert np.array_equal(q, np.round(q))


def test_mean_is_recovered(nb_truth: dict[str, object]) -> None:
    fit, mu = nb_truth["fit"], nb_truth["mu"]
    ratio = fit.mean[:, 0] / mu  # type: ignore[attr-defined,operator]
    assert np.median(ratio) == pytest.approx(1.0, abs=0.05)


def test_forecasts_are_calibrated(nb_truth: dict[str, object]) -> None:
    fit, held = nb_truth["fit"], nb_truth["held"]
    pit = _randomised_pit(held, fit.mean, fit.path_size(), seed=1)  # type: ignore[attr-defined,arg-type]
    for level in (0.5, 0.8, 0.95):
        assert abs(float((pit <= level).mean()) - level) < 0.015
    # quantiles are integers and cover at least their level (a tie adds probability)
    q = fit.quantiles(np.array([0.8, 0.95]))  # type: ignore[attr-defined]
    assert np.array_equal(q, np.round(q))
    assert (held <= q[:, :, 0]).mean() >= 0.8  # type: ignore[operator]
    assert (held <= q[:, :, 1]).mean() >= 0.95  # type: ignore[operator]


def test_paths_update_the_level_and_match_quantile_moments() -> None:
    rng = np.random.default_rng(2)
    y = rng.negative_binomial(2.0, 2.0 / 3.0, (6, 500)).astype(float)
    fit = oc.CountModel(alpha=0.2).fit_predict(
        SeriesPanel(y=y, start=np.zeros(6, dtype=np.intp)), 6
    )
    paths = fit.sample(rng.random((20000, 6, 6)))
    assert np.array_equal(paths, np.round(paths))
    assert (paths >= 0).all()
    # exact one step ahead: the same uniform gives the quantile
    np.testing.assert_array_equal(
        fit.sample(np.full((1, 6, 6), 0.7))[0, :, 0], fit.quantiles(np.array([0.7]))[:, 0, 0]
    )
    # beyond: the level is a martingale and the variance grows as path_size says
    mean, size = fit.mean, fit.path_size()
    np.testing.assert_allclose(paths.mean(axis=0), mean, rtol=0.05)
    np.testing.assert_allclose(paths.var(axis=0), mean + mean**2 / size, rtol=0.08)
    assert (np.diff(size, axis=1) < 0).all()  # more spread every step


# ------------------------------------------------------------------------------------------
# the simulator: daily channel x location x product sales, negative binomial with promotions


@pytest.fixture(scope="module")
def simulated() -> dict[str, object]:
    world = oc.simulate_retailer(n_customers=3000, seed=3)
    keys = ["channel", "location", "product"]
    sales, truth = world.sales, world.truth.demand
    y = sales.pivot_table(index=keys, columns="date", values="quantity").sort_index()
    promo = sales.pivot_table(index=keys, columns="date", values="promotion", aggfunc="max")
    info = truth.series.set_index(keys).loc[y.index]
    values = y.to_numpy(dtype=float)
    h = 28
    t = values.shape[1] - h
    panel = SeriesPanel(
        y=values[:, :t],
        start=np.zeros(len(values), dtype=np.intp),
        x=promo.sort_index().to_numpy(dtype=float)[:, :, None],
        x_names=("promotion",),
    )
    fit = oc.CountModel(season_length=7).fit_predict(panel, h)
    return {
        "fit": fit,
        "held": values[:, t:],
        "slow": info["slow_mover"].to_numpy(dtype=bool),
        "lift": info["promo_lift"].to_numpy(),
        "dispersion": truth.dispersion,
    }


def test_simulator_dispersion_and_promotion_lift(simulated: dict[str, object]) -> None:
    fit = simulated["fit"]
    assert np.median(fit.size) == pytest.approx(simulated["dispersion"], rel=0.2)  # type: ignore[attr-defined]
    lift = float(np.exp(fit.beta[0]))  # type: ignore[attr-defined]
    assert lift == pytest.approx(float(np.median(simulated["lift"])), rel=0.08)  # type: ignore[arg-type]


def test_simulator_intermittent_series_are_calibrated(simulated: dict[str, object]) -> None:
    fit, held, slow = simulated["fit"], simulated["held"], simulated["slow"]
    pit = _randomised_pit(held, fit.mean, fit.path_size(), seed=4)  # type: ignore[attr-defined,arg-type]
    assert slow.sum() >= 10  # type: ignore[attr-defined]
    for level in (0.8, 0.95):
        assert abs(float((pit <= level).mean()) - level) < 0.025  # all series
        assert abs(float((pit[slow] <= level).mean()) - level) < 0.05  # intermittent ones  # type: ignore[index]


# ------------------------------------------------------------------------------------------
# regressors and seasonality


def test_weekly_profile_and_uplift_are_recovered() -> None:
    rng = np.random.default_rng(9)
    n, t, h = 300, 560, 14
    week = np.array([0.6, 0.8, 1.0, 1.0, 1.1, 1.5, 1.0])
    week = week / week.mean()
    promo = (rng.random((n, t + h)) < 0.1).astype(float)
    base = rng.lognormal(-0.5, 0.5, n)
    mean = base[:, None] * week[np.arange(t + h) % 7] * np.exp(0.6 * promo)
    y = rng.negative_binomial(3.0, 3.0 / (3.0 + mean)).astype(float)
    panel = SeriesPanel(
        y=y[:, :t], start=np.zeros(n, dtype=np.intp), x=promo[:, :, None], x_names=("promo",)
    )
    fit = oc.CountModel(season_length=7).fit_predict(panel, h)
    assert float(fit.beta[0]) == pytest.approx(0.6, abs=0.05)
    assert float(fit.params()["coef_promo"].iloc[0]) == float(fit.beta[0])
    profile = (fit.mean / np.exp(fit.beta[0] * promo[:, t:])).mean(axis=0)
    np.testing.assert_allclose(
        profile[:7] / profile[:7].mean(), week[t % 7 :].tolist() + week[: t % 7].tolist(), atol=0.08
    )
    assert np.median(fit.size) == pytest.approx(3.0, rel=0.2)


# ------------------------------------------------------------------------------------------
# invariants


@st.composite
def count_panels(draw: st.DrawFn) -> SeriesPanel:
    n = draw(st.integers(1, 4))
    t = draw(st.integers(2, 60))
    values = draw(
        st.lists(
            st.lists(st.sampled_from([0, 0, 0, 1, 2, 7, -1]), min_size=t, max_size=t),
            min_size=n,
            max_size=n,
        )
    )
    y = np.array(values, dtype=float)
    start = np.array(draw(st.lists(st.integers(0, t - 1), min_size=n, max_size=n)))
    y[np.arange(t)[None, :] < start[:, None]] = np.nan
    return SeriesPanel(y=y, start=start)


MODELS = [oc.CountModel(), oc.CountModel(family="poisson"), oc.CountModel(season_length=3)]


@settings(max_examples=40, deadline=None)
@given(panel=count_panels(), which=st.integers(0, len(MODELS) - 1), seed=st.integers(0, 99))
def test_count_invariants(panel: SeriesPanel, which: int, seed: int) -> None:
    fit = MODELS[which].fit_predict(panel, 5)
    q = fit.quantiles(np.array([0.05, 0.5, 0.8, 0.95, 0.99]))
    assert np.isfinite(fit.mean).all()
    assert (fit.mean >= 0).all()
    assert (np.diff(q, axis=-1) >= 0).all()
    assert (q >= 0).all()
    assert np.array_equal(q, np.round(q))
    paths = fit.sample(np.random.default_rng(seed).random((25, panel.n_series, 5)))
    assert (paths >= 0).all()
    assert np.array_equal(paths, np.round(paths))
    observed = np.arange(panel.n_time)[None, :] >= panel.start[:, None]
    assert np.isfinite(fit.fitted[observed]).all()
    assert np.isnan(fit.fitted[~observed]).all()
    assert len(fit.params()) == panel.n_series


@settings(max_examples=20, deadline=None)
@given(panel=count_panels(), data=st.data())
def test_count_series_order_does_not_matter(panel: SeriesPanel, data: st.DataObject) -> None:
    perm = np.array(data.draw(st.permutations(range(panel.n_series))))
    a = oc.CountModel().fit_predict(panel, 3)
    b = oc.CountModel().fit_predict(SeriesPanel(y=panel.y[perm], start=panel.start[perm]), 3)
    np.testing.assert_allclose(a.mean[perm], b.mean, rtol=1e-12)
    np.testing.assert_allclose(a.fitted[perm], b.fitted, rtol=1e-12)
    np.testing.assert_allclose(a.size[perm], b.size, rtol=1e-10)  # BLAS sums may reorder


def test_all_zero_series_give_zeros_without_nan() -> None:
    y = np.zeros((2, 40))
    y[1, :5] = np.nan
    fit = oc.CountModel(season_length=7).fit_predict(SeriesPanel(y=y, start=np.array([0, 5])), 4)
    assert np.array_equal(fit.mean, np.zeros((2, 4)))
    assert np.array_equal(fit.quantiles(np.array([0.5, 0.99])), np.zeros((2, 4, 2)))
    assert np.array_equal(fit.sample(np.full((3, 2, 4), 0.999)), np.zeros((3, 2, 4)))
    assert not fit.params()[["alpha", "level"]].isna().any().any()


def test_invalid_count_options() -> None:
    with pytest.raises(oc.InvalidParameterError, match="family"):
        oc.CountModel(family="binomial")  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="bounds"):
        oc.CountModel(bounds=(0.5, 0.1))
    with pytest.raises(oc.InvalidParameterError, match="season_length"):
        oc.CountModel(season_length=0)
