"""Marketing-mix model: ground truth, PyMC-Marketing's documented example, invariants, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omnichannel as oc

DATA = Path(__file__).parent / "data" / "synergy"
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "synergy"

CHANNELS = ["tv", "search", "social"]
ALPHA = np.array([0.5, 0.2, 0.3])
HALF = np.array([0.2, 0.15, 0.25])
SLOPE = np.array([2.0, 1.2, 1.5])
BETA = np.array([300.0, 200.0, 120.0])
SYNERGY = 150.0  # tv:search


def _simulate(
    n: int = 156, *, seed: int = 0, noise: float = 10.0, lag: float = 0.0
) -> tuple[pd.DataFrame, np.ndarray]:
    """Weekly data from the model itself; returns the frame and the true media terms."""
    rng = np.random.default_rng(seed)
    k = len(CHANNELS)
    spend = rng.gamma(2.0, 500.0, size=(n, k)) * (rng.random((n, k)) < 0.8)
    x = spend / spend.max(axis=0)
    s = np.column_stack(
        [
            oc.Hill(half_saturation=HALF[c], slope=SLOPE[c]).transform(
                oc.Geometric(alpha=ALPHA[c]).transform(x[:, c])
            )
            for c in range(k)
        ]
    )
    dates = pd.date_range("2021-01-03", periods=n, freq="7D")
    days = ((dates - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).to_numpy()
    base = 1000.0 + 0.5 * np.arange(n) + 40.0 * np.sin(2 * np.pi * days / 365.25)
    media = s @ BETA + SYNERGY * s[:, 0] * s[:, 1]
    shocks = base + media + rng.normal(0.0, noise, n)
    y = np.empty(n)
    for t in range(n):
        y[t] = shocks[t] + (lag * y[t - 1] if t else 0.0)
    frame = pd.DataFrame(spend, columns=CHANNELS).assign(date=dates, sales=y)
    return frame, s


@pytest.fixture(scope="module")
def sim() -> tuple[pd.DataFrame, oc.MixModel]:
    frame, _ = _simulate()
    model = oc.fit_mix_model(frame, kpi="sales", media=CHANNELS, seasonality=1, n_boot=100, seed=1)
    return frame, model


# --- ground truth --------------------------------------------------------------------------


def test_recovers_simulated_parameters(sim: tuple[pd.DataFrame, oc.MixModel]) -> None:
    _, model = sim
    coef = model.coefficients().set_index("term")
    params = model.transform_params().set_index(["channel", "parameter"])
    for c, name in enumerate(CHANNELS):
        assert params.loc[(name, "alpha"), "estimate"] == pytest.approx(ALPHA[c], abs=0.08)
        row = coef.loc[name]
        assert row["lower"] <= BETA[c] <= row["upper"], name
        # The maximum effect trades off against the half-saturation point when spend rarely
        # saturates (social), so it is only loosely pinned down; contributions are (below).
        assert row["estimate"] == pytest.approx(BETA[c], rel=0.4)
        for p, truth in (("half_saturation", HALF[c]), ("slope", SLOPE[c])):
            prow = params.loc[(name, p)]
            assert prow["lower"] <= truth <= prow["upper"], (name, p)
    synergy = coef.loc["tv:search"]
    assert synergy["lower"] <= SYNERGY <= synergy["upper"]
    assert synergy["p_value"] < 0.01
    assert synergy["lower"] > 0.0
    for null in ("tv:social", "search:social"):
        assert coef.loc[null, "p_value"] > 0.01
        assert coef.loc[null, "lower"] < 0.0 < coef.loc[null, "upper"]
    assert model.sigma == pytest.approx(10.0, rel=0.25)


def test_recovers_true_contributions(sim: tuple[pd.DataFrame, oc.MixModel]) -> None:
    _, model = sim
    _, s = _simulate()
    totals = model.contributions().groupby("term")["contribution"].sum()
    for c, name in enumerate(CHANNELS):
        assert totals[name] == pytest.approx(BETA[c] * s[:, c].sum(), rel=0.3), name
    truth = SYNERGY * (s[:, 0] * s[:, 1]).sum()
    assert totals["tv:search"] == pytest.approx(truth, rel=0.5)


def test_wald_intervals_cover_in_repeated_simulation(
    sim: tuple[pd.DataFrame, oc.MixModel],
) -> None:
    # Parametric bootstrap from the fitted model: 95% Wald intervals of the channel and
    # interaction coefficients should cover the generating values about 95% of the time.
    _, model = sim
    rng = np.random.default_rng(11)
    first = model.coef_names.index("tv")
    last = model.coef_names.index("search:social") + 1
    hits = []
    for _ in range(16):
        y = model.fitted + rng.normal(0.0, model.sigma, model.n_obs)
        refit = model.refit(y, seed=int(rng.integers(1 << 30)))
        table = refit.coefficients().iloc[first:last]
        truth = model.coef[first:last]
        hits.append((table["lower"] <= truth) & (truth <= table["upper"]))
    coverage = float(np.mean(hits))
    assert coverage >= 0.85


def test_carryover_kpi_recovers_the_lag() -> None:
    frame, _ = _simulate(seed=3, lag=0.4)
    model = oc.fit_mix_model(
        frame,
        kpi="sales",
        media=CHANNELS,
        interactions=[("tv", "search")],
        carryover_kpi=True,
        seasonality=1,
        n_boot=20,
        seed=2,
    )
    table = model.coefficients().set_index("term")
    assert model.coef_names[-1] == "kpi_lag"
    assert table.loc["kpi_lag", "estimate"] == pytest.approx(0.4, abs=0.05)
    assert table.loc["kpi_lag", "lower"] <= 0.4 <= table.loc["kpi_lag", "upper"]
    assert model.n_obs == len(frame) - 1
    _check_identities(frame, model)
    contributions = model.contributions()
    assert "kpi_carryover" in set(contributions["term"])
    # Long-run media effects carry forward through the lag: the tv term of a week is the
    # filtered short-run term.
    short = model.coef[model.coef_names.index("tv")] * model.saturated(model.spend)[..., 0]
    carried = contributions.query("term == 'tv'")["contribution"].to_numpy()
    assert carried.sum() > short.sum() * 1.3
    # Refit needs one more value than modelled weeks: the lag of the first.
    with pytest.raises(oc.InvalidParameterError, match=f"{len(frame)} finite values"):
        model.refit(model.observed)


# --- PyMC-Marketing's example data with a documented generating process --------------------


def _pymc_truth(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    out = {}
    for name, alpha, lam, beta in (("x1", 0.4, 4.0, 3.0), ("x2", 0.2, 3.0, 2.0)):
        adstocked = oc.Geometric(alpha=alpha, l_max=8, normalize=True).transform(frame[name])
        out[name] = 1000.0 * beta * oc.Logistic(lam=lam).transform(adstocked)
    return out


@pytest.fixture(scope="module")
def pymc_data() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "pymc_marketing_mmm_example.csv")
    return frame.assign(date_week=pd.to_datetime(frame["date_week"]))


@pytest.mark.parametrize("interactions", [None, "pairwise"])
def test_pymc_marketing_example_recovers_its_generating_process(
    pymc_data: pd.DataFrame, interactions: str | None
) -> None:
    model = oc.fit_mix_model(
        pymc_data,
        kpi="y",
        media=["x1", "x2"],
        controls=["event_1", "event_2"],
        date="date_week",
        adstock=oc.Geometric(l_max=8, normalize=True),
        saturation=oc.Logistic(),
        interactions=interactions,
        n_boot=100,
        seed=7,
    )
    params = model.transform_params().set_index(["channel", "parameter"])
    coef = model.coefficients().set_index("term")
    for c, (name, alpha, lam, beta) in enumerate((("x1", 0.4, 4.0, 3.0), ("x2", 0.2, 3.0, 2.0))):
        # Our spend is divided by its maximum, PyMC-Marketing's example data was not.
        lam_ours = lam * pymc_data[name].max()
        assert model.spend_scale[c] == pymc_data[name].max()
        for parameter, truth in (("alpha", alpha), ("lam", lam_ours)):
            row = params.loc[(name, parameter)]
            assert row["lower"] <= truth <= row["upper"], (name, parameter)
        assert params.loc[(name, "alpha"), "estimate"] == pytest.approx(alpha, abs=0.05)
        row = coef.loc[name]
        assert row["lower"] <= 1000.0 * beta <= row["upper"], name
        assert row["estimate"] / 1000.0 == pytest.approx(beta, rel=0.1)
    truth = _pymc_truth(pymc_data)
    totals = model.contributions().groupby("term")["contribution"].sum()
    true_share = truth["x1"].sum() / (truth["x1"].sum() + truth["x2"].sum())
    roi = model.roi().set_index("channel")
    share = roi.loc["x1", "contribution"] / roi["contribution"].sum()
    assert share == pytest.approx(true_share, abs=0.03)
    assert totals["x1"] == pytest.approx(truth["x1"].sum(), rel=0.05)
    assert totals["x2"] == pytest.approx(truth["x2"].sum(), rel=0.15)
    assert coef.loc["event_2", "lower"] <= 2500.0 <= coef.loc["event_2", "upper"]
    if interactions:
        # The data has no interaction: the term must not be significant.
        assert coef.loc["x1:x2", "p_value"] > 0.05
        assert coef.loc["x1:x2", "lower"] < 0.0 < coef.loc["x1:x2", "upper"]


# --- real third-party data: fits without error ---------------------------------------------


def _shared(name: str) -> pd.DataFrame:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return pd.read_csv(path)


def _linear_r_squared(frame: pd.DataFrame, model: oc.MixModel) -> float:
    """R2 of least squares on the same baseline with raw spend: a model ours nearly nests."""
    dates = pd.DatetimeIndex(frame[model.date])
    days = ((dates - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).to_numpy()
    columns = [np.ones(len(frame)), np.arange(len(frame), dtype=float)]
    for order in (1, 2):
        columns += [
            np.sin(2 * np.pi * order * days / 365.25),
            np.cos(2 * np.pi * order * days / 365.25),
        ]
    x = np.column_stack([*columns, frame[list(model.controls) + list(model.channels)]])
    y = frame[model.kpi].to_numpy(dtype=float)
    resid = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    return float(1.0 - resid @ resid / ((y - y.mean()) @ (y - y.mean())))


def test_fits_robyn_simulated_data() -> None:
    raw = _shared("robyn_dt_simulated_weekly.csv")
    events = pd.get_dummies(raw["events"].fillna("na"), prefix="event", dtype=float)
    frame = pd.concat([raw, events.drop(columns=["event_na"], errors="ignore")], axis=1)
    frame = frame.assign(DATE=pd.to_datetime(frame["DATE"]))
    event_cols = [c for c in events.columns if c != "event_na" and frame[c].sum() > 0]
    model = oc.fit_mix_model(
        frame,
        kpi="revenue",
        media=["tv_S", "ooh_S", "print_S", "facebook_S", "search_S"],
        controls=["competitor_sales_B", *event_cols],
        date="DATE",
        interactions=None,
        n_boot=0,
        seed=1,
    )
    assert np.isfinite(model.coef).all()
    assert model.r_squared >= _linear_r_squared(frame, model) > 0.8
    _check_identities(frame, model)


def test_fits_meridian_national_data() -> None:
    raw = _shared("meridian_national_all_channels.csv")
    frame = raw.assign(
        time=pd.to_datetime(raw["time"]),
        revenue=raw["conversions"] * raw["revenue_per_conversion"],
    )
    model = oc.fit_mix_model(
        frame,
        kpi="revenue",
        media=[f"Channel{i}_spend" for i in range(5)],
        controls=["competitor_sales_control", "sentiment_score_control", "Promo"],
        date="time",
        n_boot=0,
        seed=1,
    )
    assert np.isfinite(model.coef).all()
    # The national series is noisy (R2 about 0.5); the fit must beat linear spend effects.
    assert model.r_squared >= _linear_r_squared(frame, model)
    _check_identities(frame, model)


# --- invariants ----------------------------------------------------------------------------


def _check_identities(frame: pd.DataFrame, model: oc.MixModel) -> None:
    contributions = model.contributions()
    weekly = contributions.groupby("date", sort=True)["contribution"].sum().to_numpy()
    scale = np.abs(model.fitted).max()
    np.testing.assert_allclose(weekly, model.fitted, rtol=1e-9, atol=1e-9 * scale)
    np.testing.assert_allclose(model.predict(frame).to_numpy(), model.fitted, rtol=1e-9)
    np.testing.assert_allclose(model.response(model.spend), model.fitted, rtol=1e-9)


def test_identities_on_the_simulation(sim: tuple[pd.DataFrame, oc.MixModel]) -> None:
    frame, model = sim
    _check_identities(frame, model)
    roi = model.roi()
    totals = model.contributions().groupby("term")["contribution"].sum()
    media_terms = [*CHANNELS, "tv:search", "tv:social", "search:social"]
    assert roi["contribution"].sum() == pytest.approx(totals[media_terms].sum())
    np.testing.assert_allclose(roi["roi"], roi["contribution"] / roi["spend"])
    assert (roi["lower"] <= roi["upper"]).all()


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(40, 80),
    pairs=st.sampled_from([None, "pairwise"]),
    alpha=st.floats(0.0, 0.8),
)
def test_contributions_sum_to_fitted_and_predict_is_fitted(
    seed: int, n: int, pairs: str | None, alpha: float
) -> None:
    rng = np.random.default_rng(seed)
    spend = rng.gamma(1.5, 10.0, size=(n, 2)) * (rng.random((n, 2)) < 0.7)
    spend[0] = 1.0  # never constant
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2020-01-05", periods=n, freq="7D"),
            "a": spend[:, 0],
            "b": spend[:, 1],
            "promo": rng.random(n),
            "kpi": rng.normal(100.0, 5.0, n) + 0.3 * spend.sum(axis=1),
        }
    )
    model = oc.fit_mix_model(
        frame,
        kpi="kpi",
        media=["a", "b"],
        controls=["promo"],
        adstock=oc.Geometric(alpha=alpha, l_max=4),
        saturation=oc.Hill(),
        interactions=pairs,
        n_boot=0,
        seed=seed,
    )
    _check_identities(frame, model)
    # Switching every channel off leaves the baseline and controls.
    off = model.response(np.zeros_like(model.spend))
    terms = model.contributions()
    base = terms[terms["term"].isin(["baseline", "promo"])].groupby("date")["contribution"].sum()
    np.testing.assert_allclose(off, base.to_numpy(), rtol=1e-9, atol=1e-9)


def test_response_surface_over_coalitions(sim: tuple[pd.DataFrame, oc.MixModel]) -> None:
    _, model = sim
    k = len(model.channels)
    masks = np.array([[(i >> c) & 1 for c in range(k)] for i in range(2**k)], dtype=float)
    surface = model.response(model.spend * masks[:, None, :])
    assert surface.shape == (2**k, model.n_obs)
    np.testing.assert_allclose(surface[-1], model.fitted)
    # The surface is the baseline plus the media effect of the coalition's spend.
    effect = model.media_effect(model.spend * masks[:, None, :])
    np.testing.assert_allclose(surface - effect, np.broadcast_to(surface[0], surface.shape))
    # Switching tv and search on together adds the interaction on top of both alone.
    s = model.saturated(model.spend)
    a, b = model.channels.index("tv"), model.channels.index("search")
    joint = surface[(1 << a) | (1 << b)] - surface[1 << a] - surface[1 << b] + surface[0]
    np.testing.assert_allclose(joint, model.beta_interaction[0] * s[:, a] * s[:, b], atol=1e-8)
    draws = model.response(model.spend * masks[:, None, :], draws=True)
    assert draws.shape == (model.n_boot, 2**k, model.n_obs)
    assert model.saturated(model.spend, draws=True).shape == (model.n_boot, model.n_obs, k)
    assert model.media_effect(model.spend[:10], draws=True).shape == (model.n_boot, 10)
    with pytest.raises(oc.InvalidParameterError, match=r"shape \(\.\.\., 156, 3\)"):
        model.response(model.spend[:10])


def test_marginal_roi_is_the_derivative_of_the_response(
    sim: tuple[pd.DataFrame, oc.MixModel],
) -> None:
    _, model = sim
    roi = model.roi().set_index("channel")
    c = model.channels.index("social")
    bump = np.ones(len(model.channels))
    bump[c] = 1.01
    gained = model.response(model.spend * bump).sum() - model.fitted.sum()
    assert roi.loc["social", "mroi"] == pytest.approx(gained / (0.01 * model.spend[:, c].sum()))


def test_response_curve_is_the_steady_state(sim: tuple[pd.DataFrame, oc.MixModel]) -> None:
    _, model = sim
    grid = np.array([0.0, 500.0, 1000.0, 4000.0])
    curve = model.response_curve("search", grid)
    assert list(curve.columns) == ["channel", "spend", "response", "lower", "upper"]
    assert curve["response"].iloc[0] == 0.0
    assert curve["response"].is_monotonic_increasing
    # Constant spend for many weeks reaches the curve (tv and social off).
    c = model.channels.index("search")
    weeks = np.zeros((40, len(model.channels)))
    weeks[:, c] = 1000.0
    assert model.media_effect(weeks)[-1] == pytest.approx(curve["response"].iloc[2])


def test_refit_reproduces_the_fit(sim: tuple[pd.DataFrame, oc.MixModel]) -> None:
    frame, model = sim
    again = model.refit(frame["sales"].to_numpy(), seed=1)
    np.testing.assert_allclose(again.coef, model.coef, rtol=1e-6)
    assert again.n_boot == 0


def test_tables_and_repr(sim: tuple[pd.DataFrame, oc.MixModel]) -> None:
    _, model = sim
    assert list(model.coefficients().columns) == [
        "term",
        "estimate",
        "std_error",
        "lower",
        "upper",
        "p_value",
    ]
    assert list(model.contributions().columns) == ["date", "term", "contribution"]
    summary = model.summary()
    assert list(summary["channel"]) == CHANNELS
    assert summary["contribution_share"].sum() == pytest.approx(1.0)
    frame = model.to_frame()
    assert list(frame.columns) == ["date", "observed", "fitted", "residual"]
    frame.loc[0, "fitted"] = -1.0
    assert model.fitted[0] != -1.0
    assert "MixModel('sales' on 3 channels, 3 interaction(s), 156 weeks" in repr(model)
    assert model.transform_params()["fixed"].sum() == 0
    with pytest.raises(ValueError, match="read-only"):
        model.coef[0] = 1.0


def test_plot(sim: tuple[pd.DataFrame, oc.MixModel]) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, model = sim
    for kind in ("fit", "contributions"):
        ax = model.plot(kind=kind)  # type: ignore[arg-type]
        assert ax.get_ylabel() == "sales"
        plt.close("all")
    with pytest.raises(oc.InvalidParameterError, match="'kind' parameter of MixModel.plot"):
        model.plot(kind="bars")  # type: ignore[arg-type]


def test_fixed_parameters_stay_fixed() -> None:
    frame, _ = _simulate(n=80, seed=5)
    model = oc.fit_mix_model(
        frame,
        kpi="sales",
        media=CHANNELS,
        adstock=oc.Geometric(alpha=0.3),
        saturation=oc.Hill(slope=1.5),
        interactions=None,
        n_boot=5,
        seed=3,
    )
    params = model.transform_params()
    fixed = params[params["parameter"].isin(["alpha", "slope"])]
    assert fixed["fixed"].all()
    assert (fixed["std_error"] == 0.0).all()
    assert np.allclose(model.boot_params[:, :, 0], 0.3)
    assert not params.query("parameter == 'half_saturation'")["fixed"].any()


def test_weibull_and_michaelis_menten_recover_contributions() -> None:
    rng = np.random.default_rng(21)
    n = 156
    spend = rng.gamma(2.0, 100.0, size=(n, 2)) * (rng.random((n, 2)) < 0.7)
    x = spend / spend.max(axis=0)
    truth = []
    for c, (shape, scale, k, beta) in enumerate(((2.0, 3.0, 0.2, 80.0), (1.0, 1.5, 0.1, 50.0))):
        adstocked = oc.Weibull(shape=shape, scale=scale, l_max=8).transform(x[:, c])
        truth.append(beta * oc.MichaelisMenten(k=k).transform(adstocked))
    dates = pd.date_range("2022-01-02", periods=n, freq="7D", tz="Europe/Berlin")
    frame = pd.DataFrame({"date": dates, "a": spend[:, 0], "b": spend[:, 1]}).assign(
        kpi=300.0 + truth[0] + truth[1] + rng.normal(0.0, 2.0, n)
    )
    model = oc.fit_mix_model(
        frame,
        kpi="kpi",
        media=["a", "b"],
        adstock=oc.Weibull(l_max=8),
        saturation=oc.MichaelisMenten(),
        interactions=None,
        seasonality=None,
        n_boot=0,
        seed=5,
    )
    totals = model.contributions().groupby("term")["contribution"].sum()
    assert totals["a"] == pytest.approx(truth[0].sum(), rel=0.1)
    assert totals["b"] == pytest.approx(truth[1].sum(), rel=0.1)
    assert model.sigma == pytest.approx(2.0, rel=0.25)
    _check_identities(frame, model)


def test_mean_scaling_gives_the_same_fit(small: pd.DataFrame) -> None:
    by_max = _fit(small, interactions=None)
    by_mean = _fit(small, interactions=None, scale="mean")
    np.testing.assert_allclose(by_mean.spend_scale, small[CHANNELS].mean().to_numpy())
    assert by_mean.r_squared == pytest.approx(by_max.r_squared, abs=0.01)


# --- errors --------------------------------------------------------------------------------


@pytest.fixture
def small() -> pd.DataFrame:
    frame, _ = _simulate(n=60, seed=9)
    return frame


def _fit(frame: pd.DataFrame, **kwargs: object) -> oc.MixModel:
    options: dict[str, object] = {"kpi": "sales", "media": CHANNELS, "n_boot": 0, "seed": 0}
    options.update(kwargs)
    return oc.fit_mix_model(frame, **options)  # type: ignore[arg-type]


def test_rejects_constant_and_zero_media(small: pd.DataFrame) -> None:
    with pytest.raises(oc.SchemaError, match=r"data\['tv'\] is zero in every week"):
        _fit(small.assign(tv=0.0))
    with pytest.raises(oc.SchemaError, match=r"data\['search'\] is constant \(5.0\)"):
        _fit(small.assign(search=5.0))


def test_rejects_missing_and_negative_values(small: pd.DataFrame) -> None:
    bad = small.copy()
    bad.loc[7, "social"] = np.nan
    with pytest.raises(oc.SchemaError, match=r"data\['social'\] has 1 missing .* index 7"):
        _fit(bad)
    bad = small.copy()
    bad.loc[12, "tv"] = -3.0
    with pytest.raises(oc.SchemaError, match=r"data\['tv'\] has 1 negative .* index 12"):
        _fit(bad)
    bad = small.copy()
    bad.loc[3, "sales"] = np.nan
    with pytest.raises(oc.SchemaError, match=r"data\['sales'\] has 1 missing .* index 3"):
        _fit(bad)


def test_rejects_too_few_weeks(small: pd.DataFrame) -> None:
    with pytest.raises(oc.SchemaError, match="20 modelled weeks but the model has 21 parameters"):
        _fit(small.head(20))


def test_rejects_bad_dates_and_columns(small: pd.DataFrame) -> None:
    with pytest.raises(oc.SchemaError, match="must be sorted by"):
        _fit(small.iloc[::-1])
    with pytest.raises(oc.SchemaError, match="duplicate row"):
        _fit(pd.concat([small, small.tail(1)]))
    with pytest.raises(oc.SchemaError, match=r"missing required column\(s\) \['promo'\]"):
        _fit(small, controls=["promo"])
    with pytest.raises(oc.SchemaError, match="'flat' is a linear combination"):
        _fit(small.assign(flat=2.0), controls=["flat"])
    with pytest.raises(oc.SchemaError, match=r"data\['date'\] must be datetime64"):
        _fit(small.assign(date=small["date"].astype(str)))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"media": "tv"}, "'media' parameter of fit_mix_model must be a non-empty list"),
        ({"media": ["tv", "tv"]}, "names a column twice"),
        ({"media": ["tv", "sales"]}, "must name different columns"),
        ({"interactions": "all"}, "'interactions' parameter"),
        ({"interactions": [("tv", "radio")]}, "pairs of two different media channels"),
        ({"interactions": [("tv", "tv")]}, "pairs of two different media channels"),
        ({"interactions": [("tv", "search"), ("search", "tv")]}, "each once"),
        ({"adstock": oc.Hill()}, "'adstock' parameter of fit_mix_model"),
        ({"saturation": oc.Geometric()}, "'saturation' parameter of fit_mix_model"),
        ({"n_boot": -1}, "'n_boot' parameter"),
        ({"level": 1.0}, "'level' parameter"),
        ({"seasonality": 1.5}, "'seasonality' parameter"),
        ({"scale": "sum"}, "'scale' parameter"),
        ({"seed": -2}, "'seed' parameter"),
        ({"kpi": 3}, "'kpi' parameter"),
    ],
)
def test_rejects_bad_options(small: pd.DataFrame, kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(oc.InvalidParameterError, match=match):
        _fit(small, **kwargs)


def test_does_not_mutate_input_and_is_reproducible(small: pd.DataFrame) -> None:
    before = small.copy()
    first = _fit(small, n_boot=3, seed=4)
    second = _fit(small, n_boot=3, seed=4)
    pd.testing.assert_frame_equal(small, before)
    np.testing.assert_array_equal(first.coef, second.coef)
    np.testing.assert_array_equal(first.boot_coef, second.boot_coef)
    with pytest.raises(oc.InvalidParameterError, match="draws=True needs bootstrap draws"):
        _fit(small).response(small[CHANNELS].to_numpy(), draws=True)
