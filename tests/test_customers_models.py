"""BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma: likelihoods, properties, predictions, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize
from scipy.special import betaln, gammaln, hyp2f1

import omnichannel as oc
from omnichannel._customers._base import compress_levels
from omnichannel._customers._pareto import _log_a0
from omnichannel._customers._sample import sample_bgnbd_summary

DATA = Path(__file__).resolve().parent / "data"
TRANSACTION_MODELS = [oc.BetaGeo, oc.ModifiedBetaGeo, oc.ParetoNBD]


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(DATA / "cdnow_customers_summary.csv", index_col="ID")


@pytest.fixture(scope="module")
def cdnow_spend() -> pd.DataFrame:
    table = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv", index_col="ID")
    return table.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})


@pytest.fixture(scope="module")
def fitted(cdnow: pd.DataFrame) -> dict[type, oc.BetaGeo]:
    return {model: model().fit(cdnow) for model in TRANSACTION_MODELS}


# -- reference implementations, row by row, written from the papers' formulas ------------------


def naive_bg(theta: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    r, alpha, a, b = theta
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    first = betaln(a, b + x) + common - (r + x) * np.log(alpha + T)
    with np.errstate(invalid="ignore", divide="ignore"):
        second = betaln(a + 1, b + x - 1) + common - (r + x) * np.log(alpha + tx)
    return np.logaddexp(first, np.where(x > 0, second, -np.inf))


def naive_mbg(theta: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    r, alpha, a, b = theta
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    first = betaln(a, b + x + 1) + common - (r + x) * np.log(alpha + T)
    second = betaln(a + 1, b + x) + common - (r + x) * np.log(alpha + tx)
    return np.logaddexp(first, second)


def naive_pareto(theta: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Integral form: L = G(r+x) a^r b^s / G(r) [alive term + s * int_tx^T dying term]."""
    r, alpha, s, beta = theta
    out = np.empty(x.size)
    for i in range(x.size):
        integral, _ = integrate.quad(
            lambda u, i=i: (alpha + u) ** -(r + x[i]) * (beta + u) ** -(s + 1),
            tx[i],
            T[i],
            epsabs=0.0,
            epsrel=1e-12,
        )
        alive = (alpha + T[i]) ** -(r + x[i]) * (beta + T[i]) ** -s
        out[i] = (
            gammaln(r + x[i])
            - gammaln(r)
            + r * np.log(alpha)
            + s * np.log(beta)
            + np.log(alive + s * integral)
        )
    return out


def naive_gg(theta: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    p, q, g = theta
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(g)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(g + m * x)
    )


# -- strategies ------------------------------------------------------------------------------


@st.composite
def histories(draw: st.DrawFn, max_x: int = 60, max_t: float = 300.0) -> pd.DataFrame:
    n = draw(st.integers(1, 25))
    x = np.array(draw(st.lists(st.integers(0, max_x), min_size=n, max_size=n)), dtype=float)
    T = np.array(
        draw(st.lists(st.floats(0.5, max_t, allow_nan=False), min_size=n, max_size=n)), dtype=float
    )
    u = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)), dtype=float)
    return pd.DataFrame({"frequency": x, "recency": np.where(x > 0, u * T, 0.0), "T": T})


positive = st.floats(0.02, 50.0, allow_nan=False)
params4 = st.tuples(positive, positive, positive, positive).map(np.array)


# -- likelihoods -----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(histories(), params4)
def test_compressed_loglik_equals_row_by_row(summary: pd.DataFrame, theta: np.ndarray) -> None:
    doubled = pd.concat([summary, summary, summary.iloc[:1]])
    x, tx, T = (doubled[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    levels, counts, _ = compress_levels(x, tx, T)
    for model, naive in ((oc.BetaGeo, naive_bg), (oc.ModifiedBetaGeo, naive_mbg)):
        total, _ = model._loglik(theta, levels, counts, False)
        assert total == pytest.approx(naive(theta, x, tx, T).sum(), rel=1e-9, abs=1e-8)


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
@settings(max_examples=15, deadline=None)
@given(histories(max_x=20, max_t=80.0), params4)
def test_pareto_loglik_equals_the_integral_form(summary: pd.DataFrame, theta: np.ndarray) -> None:
    x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    levels, counts, _ = compress_levels(x, tx, T)
    total, _ = oc.ParetoNBD._loglik(theta, levels, counts, False)
    expected = naive_pareto(theta, x, tx, T)
    # quad has an absolute error of ~1e-10 on the integrand scale: compare per row in log space
    levels_rows, _, inverse = compress_levels(x, tx, T)
    assert np.isfinite(total)
    assert total == pytest.approx(expected.sum(), rel=1e-6, abs=1e-6)
    assert levels_rows[0].data[inverse].tolist() == x.tolist()


@pytest.mark.parametrize(
    ("model", "theta"),
    [
        (oc.BetaGeo, [0.3, 4.0, 0.8, 2.5]),
        (oc.ModifiedBetaGeo, [0.5, 6.0, 0.9, 1.6]),
    ],
)
def test_analytic_gradient_matches_finite_differences(
    model: type, theta: list[float], cdnow: pd.DataFrame
) -> None:
    x, tx, T = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    levels, counts, _ = compress_levels(x, tx, T)
    th = np.array(theta)
    _, grad = model._loglik(th, levels, counts, True)
    for j in range(4):
        h = 1e-6 * th[j]
        up, down = th.copy(), th.copy()
        up[j] += h
        down[j] -= h
        numeric = (
            model._loglik(up, levels, counts, False)[0]
            - model._loglik(down, levels, counts, False)[0]
        ) / (2 * h)
        assert grad[j] == pytest.approx(numeric, rel=1e-5, abs=1e-4)


def test_gamma_gamma_gradient_and_loglik(cdnow_spend: pd.DataFrame) -> None:
    repeat = cdnow_spend[cdnow_spend["frequency"] > 0]
    x, m = repeat["frequency"].to_numpy(float), repeat["monetary_value"].to_numpy(float)
    levels, counts, _ = compress_levels(x, m)
    th = np.array([6.0, 3.5, 15.0])
    from omnichannel._customers._gamma_gamma import _gg_loglik

    total, grad = _gg_loglik(th, levels, counts, True)
    assert total == pytest.approx(naive_gg(th, x, m).sum(), rel=1e-10)
    assert grad is not None
    for j in range(3):
        h = 1e-6 * th[j]
        up, down = th.copy(), th.copy()
        up[j] += h
        down[j] -= h
        numeric = (
            _gg_loglik(up, levels, counts, False)[0] - _gg_loglik(down, levels, counts, False)[0]
        ) / (2 * h)
        assert grad[j] == pytest.approx(numeric, rel=1e-5, abs=1e-4)


def test_compressed_fit_equals_uncompressed_fit() -> None:
    summary = sample_bgnbd_summary(
        np.random.default_rng(5).integers(10, 60, 800), r=0.4, alpha=5.0, a=0.9, b=2.0, seed=5
    )
    summary["recency"] = np.floor(summary["recency"])
    x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    model = oc.BetaGeo().fit(summary)
    assert model.n_unique_ < model.n_customers_ == 800

    def objective(u: np.ndarray) -> float:
        return -float(naive_bg(np.exp(u), x, tx, T).sum())

    result = optimize.minimize(
        objective,
        np.zeros(4),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20000, "maxfev": 20000},
    )
    np.testing.assert_allclose(model.params_.to_numpy(), np.exp(result.x), rtol=1e-4)
    assert model.log_likelihood_ == pytest.approx(-result.fun, abs=1e-6)


def test_repeating_every_customer_keeps_the_estimates(cdnow: pd.DataFrame) -> None:
    once = oc.BetaGeo().fit(cdnow)
    twice = oc.BetaGeo().fit(pd.concat([cdnow, cdnow], ignore_index=True))
    np.testing.assert_allclose(twice.params_, once.params_, rtol=1e-6)
    assert twice.log_likelihood_ == pytest.approx(2 * once.log_likelihood_, rel=1e-10)
    np.testing.assert_allclose(
        twice.standard_errors_ * np.sqrt(2), once.standard_errors_, rtol=1e-3
    )


def test_row_order_does_not_matter(cdnow: pd.DataFrame) -> None:
    shuffled = cdnow.sample(frac=1.0, random_state=3)
    a = oc.BetaGeo().fit(cdnow)
    b = oc.BetaGeo().fit(shuffled)
    np.testing.assert_allclose(a.params_, b.params_, rtol=1e-9)
    pd.testing.assert_series_equal(a.probability_alive(), b.probability_alive().loc[cdnow.index])


# -- predictions -----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(histories(max_x=500, max_t=5000.0), params4, st.sampled_from(TRANSACTION_MODELS))
def test_probabilities_in_unit_interval_and_purchases_increase(
    summary: pd.DataFrame, theta: np.ndarray, model_type: type
) -> None:
    x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    alive = model_type._alive(theta, x, tx, T)
    assert np.all(np.isfinite(alive))
    assert np.all((alive >= 0) & (alive <= 1))
    previous = np.zeros_like(x)
    for t in (0.5, 5.0, 50.0, 500.0):
        current = model_type._conditional(theta, t, x, tx, T)
        assert np.all(np.isfinite(current))
        assert np.all(current >= previous - 1e-9 * (1 + previous))
        previous = current
    new = model_type._unconditional(theta, np.array([0.5, 5.0, 50.0, 500.0]))
    assert np.all(np.isfinite(new))
    assert np.all(np.diff(new) >= -1e-12)


def test_long_histories_do_not_overflow() -> None:
    summary = pd.DataFrame(
        {"frequency": [0, 2000, 5000], "recency": [0.0, 9000.0, 10000.0], "T": [1e4, 1e4, 1e4]}
    )
    for model_type in TRANSACTION_MODELS:
        x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
        theta = np.array([0.5, 10.0, 0.8, 3.0])
        levels, counts, _ = compress_levels(x, tx, T)
        total, _ = model_type._loglik(theta, levels, counts, False)
        assert np.isfinite(total)
        assert np.all(np.isfinite(model_type._conditional(theta, 100.0, x, tx, T)))


def test_bgnbd_pfaff_forms_match_the_published_formulas(fitted: dict[type, oc.BetaGeo]) -> None:
    model = fitted[oc.BetaGeo]
    r, alpha, a, b = model.params_.to_numpy()
    x, tx, T, t = np.array([0.0, 1, 3, 7]), np.array([0.0, 10, 20, 30]), np.full(4, 38.0), 20.0
    z = t / (alpha + T + t)
    direct = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
        / (1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))
    )
    ours = oc.BetaGeo._conditional(model.params_.to_numpy(), t, x, tx, T)
    np.testing.assert_allclose(ours, direct, rtol=1e-10)
    new = (
        (a + b - 1)
        / (a - 1)
        * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    )
    assert model.expected_purchases_new(t) == pytest.approx(new, rel=1e-10)


def test_mbg_pfaff_forms_match_the_published_formulas(fitted: dict[type, oc.BetaGeo]) -> None:
    model = fitted[oc.ModifiedBetaGeo]
    r, alpha, a, b = model.params_.to_numpy()
    x, tx, T, t = np.array([0.0, 1, 3, 7]), np.array([0.0, 10, 20, 30]), np.full(4, 38.0), 20.0
    direct = (
        (a + b + x)
        / (a - 1)
        * (
            1
            - hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t))
            * ((alpha + T) / (alpha + t + T)) ** (r + x)
        )
        / (1 + a / (b + x) * ((alpha + T) / (alpha + tx)) ** (r + x))
    )
    ours = oc.ModifiedBetaGeo._conditional(model.params_.to_numpy(), t, x, tx, T)
    np.testing.assert_allclose(ours, direct, rtol=1e-10)
    new = b / (a - 1) * (1 - hyp2f1(r, b + 1, a + b, t / (alpha + t)) * (alpha / (alpha + t)) ** r)
    assert model.expected_purchases_new(t) == pytest.approx(new, rel=1e-10)


@pytest.mark.parametrize("theta", [[0.55, 10.6, 0.61, 11.7], [0.55, 20.0, 0.61, 5.0]])
def test_pareto_a0_matches_numerical_integration(theta: list[float]) -> None:
    r, alpha, s, beta = theta
    x, tx, T = np.array([0.0, 2.0, 9.0]), np.array([0.0, 5.0, 30.0]), np.array([20.0, 39.0, 39.0])
    ours = _log_a0(r, alpha, s, beta, x, tx, T)
    for i in range(3):
        integral, _ = integrate.quad(
            lambda u, i=i: (alpha + u) ** -(r + x[i]) * (beta + u) ** -(s + 1),
            tx[i],
            T[i],
            epsabs=0.0,
            epsrel=1e-12,
        )
        assert np.exp(ours[i]) == pytest.approx(s * integral, rel=1e-8)


def test_pareto_expected_purchases_limit_at_s_one() -> None:
    theta_near = np.array([0.5, 10.0, 1.0 + 1e-7, 12.0])
    theta_one = np.array([0.5, 10.0, 1.0, 12.0])
    x, tx, T = np.array([2.0]), np.array([20.0]), np.array([39.0])
    near = oc.ParetoNBD._conditional(theta_near, 39.0, x, tx, T)
    one = oc.ParetoNBD._conditional(theta_one, 39.0, x, tx, T)
    np.testing.assert_allclose(near, one, rtol=1e-5)


def test_predictions_are_series_on_the_summary_index(
    fitted: dict[type, oc.BetaGeo], cdnow: pd.DataFrame
) -> None:
    for model in fitted.values():
        alive = model.probability_alive()
        assert alive.index.equals(cdnow.index)
        assert alive.between(0, 1).all()
        assert (alive[cdnow["frequency"] == 0] > 0).all()
        week = model.expected_purchases(1.0)
        year = model.expected_purchases(52.0)
        assert (year >= week).all()
        assert (model.expected_purchases(0.0) == 0).all()
        other = model.expected_purchases(52.0, cdnow.iloc[:5])
        pd.testing.assert_series_equal(other, year.iloc[:5])


def test_bgnbd_one_time_buyers_are_alive(
    fitted: dict[type, oc.BetaGeo], cdnow: pd.DataFrame
) -> None:
    alive = fitted[oc.BetaGeo].probability_alive()
    assert (alive[cdnow["frequency"] == 0] == 1.0).all()
    mbg_alive = fitted[oc.ModifiedBetaGeo].probability_alive()
    assert (mbg_alive[cdnow["frequency"] == 0] < 1.0).all()


def test_recent_frequent_buyers_are_more_alive(fitted: dict[type, oc.BetaGeo]) -> None:
    grid = pd.DataFrame({"frequency": [5, 5], "recency": [10.0, 35.0], "T": [39.0, 39.0]})
    for model in fitted.values():
        alive = model.probability_alive(grid).to_numpy()
        assert alive[1] > alive[0]


# -- spend and CLV ---------------------------------------------------------------------------


def test_gamma_gamma_expected_value(cdnow_spend: pd.DataFrame) -> None:
    model = oc.GammaGamma().fit(cdnow_spend)
    value = model.expected_value()
    assert value.index.equals(cdnow_spend.index)
    p, q, g = model.p_, model.q_, model.gamma_
    population = p * g / (q - 1)
    assert np.allclose(value[cdnow_spend["frequency"] == 0], population)
    x = cdnow_spend["frequency"].to_numpy(float)
    m = cdnow_spend["monetary_value"].to_numpy(float)
    weight = p * x / (p * x + q - 1)
    expected = (1 - weight) * population + weight * m
    np.testing.assert_allclose(value.to_numpy(), expected, rtol=1e-12)


def test_clv(cdnow_spend: pd.DataFrame) -> None:
    bg = oc.BetaGeo().fit(cdnow_spend)
    gg = oc.GammaGamma().fit(cdnow_spend)
    clv = bg.clv(52, 0.0, 1.0, value=gg)
    # Undiscounted, with margin 1: expected purchases times expected value.
    expected = bg.expected_purchases(52) * gg.expected_value()
    np.testing.assert_allclose(clv.to_numpy(), expected.to_numpy(), rtol=1e-9)
    discounted = bg.clv(52, 0.01, 0.3, value=gg)
    assert (discounted <= 0.3 * clv + 1e-9).all()
    assert (discounted > 0).all()
    assert (bg.clv(104, 0.01, 0.3, value=gg) >= discounted).all()
    pd.testing.assert_series_equal(gg.clv(bg, 52, 0.01, 0.3), discounted)
    flat = bg.clv(52, value=10.0)
    np.testing.assert_allclose(flat.to_numpy(), 10.0 * bg.expected_purchases(52).to_numpy())
    series = bg.clv(52, value=gg.expected_value())
    pd.testing.assert_series_equal(series, clv)
    with pytest.raises(oc.SchemaError, match="no finite entry"):
        bg.clv(52, value=gg.expected_value().iloc[:10])
    with pytest.raises(oc.InvalidParameterError, match="horizon"):
        bg.clv(0, value=gg)
    with pytest.raises(oc.InvalidParameterError, match="margin"):
        bg.clv(52, margin=2.0, value=gg)
    with pytest.raises(oc.InvalidParameterError, match="value"):
        bg.clv(52, value="a lot")  # type: ignore[arg-type]


# -- estimator conventions and errors --------------------------------------------------------


@pytest.mark.parametrize("model_type", [*TRANSACTION_MODELS, oc.GammaGamma])
def test_use_before_fit_raises_not_fitted(model_type: type) -> None:
    model = model_type()
    with pytest.raises(oc.NotFittedError, match="fit"):
        model.summary()
    if model_type is oc.GammaGamma:
        with pytest.raises(oc.NotFittedError):
            model.expected_value()
    else:
        for call in (
            model.probability_alive,
            lambda: model.expected_purchases(1.0),
            lambda: model.expected_purchases_new(1.0),
            lambda: model.clv(10, value=1.0),
        ):
            with pytest.raises(oc.NotFittedError):
                call()
    assert not hasattr(model, "params_")


def test_estimator_conventions(cdnow: pd.DataFrame) -> None:
    before = cdnow.copy()
    model = oc.BetaGeo(penalizer=0.0)
    assert model.fit(cdnow) is model
    pd.testing.assert_frame_equal(cdnow, before)
    assert repr(model) == "BetaGeo(penalizer=0.0)"
    assert model.get_params() == {"penalizer": 0.0}
    table = model.summary()
    table.loc["r", "estimate"] = 99.0
    assert model.summary().loc["r", "estimate"] != 99.0
    assert list(table.columns) == ["estimate", "std_error", "lower_95", "upper_95"]
    assert (model.summary()["lower_95"] < model.params_).all()
    with pytest.raises(oc.InvalidParameterError, match="no parameter"):
        model.set_params(alpha=1.0)


def test_penalizer_shrinks_log_parameters(cdnow: pd.DataFrame) -> None:
    small = cdnow.iloc[:150]
    free = oc.BetaGeo().fit(small)
    shrunk = oc.BetaGeo(penalizer=5.0).fit(small)
    assert np.abs(np.log(shrunk.params_)).sum() < np.abs(np.log(free.params_)).sum()
    assert shrunk.log_likelihood_ <= free.log_likelihood_ + 1e-9
    with pytest.raises(oc.InvalidParameterError, match="penalizer"):
        oc.BetaGeo(penalizer=-1.0).fit(cdnow)


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (pd.DataFrame({"frequency": [1], "recency": [1.0]}), "missing column 'T'"),
        (pd.DataFrame({"frequency": [1], "recency": [2.0], "T": [1.0]}), "recency greater than T"),
        (pd.DataFrame({"frequency": [0], "recency": [2.0], "T": [5.0]}), "frequency 0 but recency"),
        (pd.DataFrame({"frequency": [1.5], "recency": [2.0], "T": [5.0]}), "non-integer"),
        (pd.DataFrame({"frequency": [-1], "recency": [0.0], "T": [5.0]}), "negative"),
        (pd.DataFrame({"frequency": [1], "recency": [np.nan], "T": [5.0]}), "missing or infinite"),
        (pd.DataFrame({"frequency": ["1"], "recency": [1.0], "T": [5.0]}), "must be numeric"),
        (pd.DataFrame({"frequency": [], "recency": [], "T": []}), "no rows"),
    ],
)
def test_bad_summaries_are_rejected(frame: pd.DataFrame, match: str) -> None:
    with pytest.raises(oc.SchemaError, match=match):
        oc.BetaGeo().fit(frame)


def test_bad_spend_summaries_are_rejected() -> None:
    zero = pd.DataFrame({"frequency": [2, 1, 0], "monetary_value": [0.0, 10.0, 0.0]})
    with pytest.raises(oc.SchemaError, match="monetary_value <= 0"):
        oc.GammaGamma().fit(zero)
    none = pd.DataFrame({"frequency": [0, 0], "monetary_value": [0.0, 0.0]})
    with pytest.raises(oc.SchemaError, match="no customer with frequency > 0"):
        oc.GammaGamma().fit(none)
    with pytest.raises(oc.SchemaError, match="pandas DataFrame"):
        oc.GammaGamma().fit([1, 2])  # type: ignore[arg-type]


def test_gamma_gamma_with_infinite_mean_spend_is_explained() -> None:
    model = oc.GammaGamma().fit(
        pd.DataFrame({"frequency": [1, 2, 3], "monetary_value": [5.0, 5.0, 5.0]})
    )
    model.params_["q"] = 0.5
    with pytest.raises(oc.InvalidParameterError, match="q_"):
        model.expected_value()


def test_plots_return_axes(fitted: dict[type, oc.BetaGeo], cdnow_spend: pd.DataFrame) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for model in fitted.values():
        ax = model.plot()
        assert ax.get_xlabel().startswith("recency")
        ax2 = model.plot("purchases", t=10.0, max_frequency=5)
        assert "10" in ax2.get_title()
    with pytest.raises(oc.InvalidParameterError, match="kind"):
        fitted[oc.BetaGeo].plot("other")  # type: ignore[arg-type]
    gg = oc.GammaGamma().fit(cdnow_spend)
    ax = gg.plot(bins=20)
    assert len(ax.patches) == 20
    plt.close("all")
