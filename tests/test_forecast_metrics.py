"""Accuracy metrics: hand-computed values, invariances, the frame API and the M5 WRMSSE."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omnichannel as oc
from omnichannel._forecast._metrics import quantile_column, quantile_level

M5 = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "forecast" / "m5_wrmsse"


# ------------------------------------------------------------------------------------------
# hand-computed examples


def test_point_metrics_by_hand() -> None:
    actual = np.array([[1.0, 2.0, 4.0], [0.0, 0.0, 3.0]])
    forecast = np.array([[2.0, 2.0, 2.0], [1.0, 1.0, 1.0]])
    np.testing.assert_allclose(oc.mae(actual, forecast), [1.0, 4.0 / 3.0])
    np.testing.assert_allclose(oc.rmse(actual, forecast), [np.sqrt(5 / 3), np.sqrt(2.0)])
    np.testing.assert_allclose(oc.bias(actual, forecast), [-1 / 3, 0.0])
    assert oc.mae([3.0], [1.0]) == 2.0


def test_scaled_metrics_by_hand() -> None:
    # leading zeros are skipped: the scale uses 1, 3, 2, 4 -> differences 2, -1, 2
    history = [0.0, 0.0, 1.0, 3.0, 2.0, 4.0]
    actual, forecast = [5.0, 7.0], [6.0, 6.0]
    assert oc.mase(actual, forecast, history) == pytest.approx(1.0 / (5.0 / 3.0))
    assert oc.rmsse(actual, forecast, history) == pytest.approx(np.sqrt(1.0 / 3.0))
    # seasonal scale with m = 2: differences 2 - 1, 4 - 3
    assert oc.mase(actual, forecast, history, season_length=2) == pytest.approx(1.0)
    # a precomputed scale gives the same answer
    assert oc.rmsse(actual, forecast, scale=3.0) == pytest.approx(np.sqrt(1.0 / 3.0))


def test_quantile_metrics_by_hand() -> None:
    actual = np.array([10.0, 0.0])
    quantiles = np.array([[8.0, 12.0], [1.0, 3.0]])
    levels = [0.1, 0.9]
    # 10 vs 8 at 0.1: 0.1 * 2; 10 vs 12 at 0.9: 0.1 * 2; 0 vs 1: 0.9 * 1; 0 vs 3: 0.1 * 3
    np.testing.assert_allclose(oc.pinball_loss(actual, quantiles, levels), [0.55, 0.25])
    spl = oc.scaled_pinball_loss(actual, quantiles, levels, history=[4.0, 6.0, 4.0])
    np.testing.assert_allclose(spl, [0.275, 0.125])
    assert oc.coverage(actual, quantiles[:, 0], quantiles[:, 1]) == 0.5


def test_wrmsse_closed_form_by_hand() -> None:
    actual = np.array([[2.0, 4.0], [10.0, 10.0], [1.0, 1.0]])
    shift = np.array([[1.0], [2.0], [0.5]])
    weights = np.array([1.0, 3.0, 0.0])  # a zero weight drops a series
    scale = np.array([1.0, 4.0, 9.0])
    got = oc.wrmsse(actual, actual + shift, weights=weights, scale=scale)
    want = (1.0 * 1.0 / 1.0 + 3.0 * 2.0 / 2.0) / 4.0
    assert got == pytest.approx(want)


# ------------------------------------------------------------------------------------------
# invariances


@settings(max_examples=50, deadline=None)
@given(
    values=st.lists(st.floats(-50, 50, allow_nan=False), min_size=3, max_size=30),
    levels=st.lists(st.floats(0.01, 0.99), min_size=1, max_size=4, unique=True),
)
def test_perfect_forecasts_score_zero(values: list[float], levels: list[float]) -> None:
    y = np.array(values)
    history = np.r_[1.0, 3.0, 2.0, 5.0]
    assert oc.mae(y, y) == 0.0
    assert oc.rmse(y, y) == 0.0
    assert oc.mase(y, y, history) == 0.0
    assert oc.rmsse(y, y, history) == 0.0
    assert oc.wrmsse(y[None], y[None], history[None], weights=[1.0]) == 0.0
    quantiles = np.repeat(y[:, None], len(levels), axis=1)
    assert (oc.pinball_loss(y, quantiles, levels) == 0.0).all()


@settings(max_examples=50, deadline=None)
@given(
    values=st.lists(st.integers(1, 30), min_size=4, max_size=40),
    m=st.integers(1, 3),
    lead=st.integers(0, 5),
)
def test_in_sample_naive_has_unit_mase_and_rmsse(values: list[int], m: int, lead: int) -> None:
    y = np.r_[np.zeros(lead), np.array(values, dtype=float)]  # leading zeros are skipped
    if len(values) <= m or np.all(np.diff(values[::1]) == 0):
        return
    start = lead + m
    actual, naive = y[start:], y[start - m : -m]
    if np.all(actual == naive):
        return
    assert oc.mase(actual, naive, y, season_length=m) == pytest.approx(1.0)
    assert oc.rmsse(actual, naive, y, season_length=m) == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(level=st.floats(1e-6, 1.0 - 1e-6))
def test_quantile_column_round_trips(level: float) -> None:
    name = quantile_column(level)
    assert name == f"q{level:g}"
    assert quantile_level(name) == pytest.approx(level, rel=1e-5)


def test_quantile_column_names() -> None:
    assert quantile_column(0.05) == "q0.05"
    assert quantile_column(0.9) == "q0.9"
    assert quantile_column(0.5) == "q0.5"
    with pytest.raises(oc.InvalidParameterError):
        quantile_column(1.0)
    with pytest.raises(oc.InvalidParameterError):
        quantile_level("mean")


# ------------------------------------------------------------------------------------------
# frames


def _frames(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    products, stores = ["a", "b", "c"], ["s1", "s2"]
    hist_dates = pd.date_range("2024-01-01", periods=40)
    fc_dates = pd.date_range(hist_dates[-1] + pd.Timedelta(days=1), periods=5)
    keys = pd.MultiIndex.from_product([stores, products], names=["location", "product"])
    history = keys.to_frame(index=False).merge(pd.DataFrame({"date": hist_dates}), how="cross")
    history["quantity"] = rng.poisson(3.0, len(history)).astype(float)
    history["price"] = np.repeat(rng.uniform(1.0, 9.0, len(keys)), len(hist_dates))
    actuals = keys.to_frame(index=False).merge(pd.DataFrame({"date": fc_dates}), how="cross")
    actuals["quantity"] = rng.poisson(3.0, len(actuals)).astype(float)
    forecasts = actuals[["location", "product", "date"]].copy()
    forecasts["mean"] = 3.0 + rng.normal(0, 0.5, len(forecasts))
    for level in (0.1, 0.5, 0.9):
        forecasts[quantile_column(level)] = forecasts["mean"] + 2.5 * (level - 0.5) * 2
    return forecasts, actuals, history


def test_score_forecasts_matches_the_array_functions() -> None:
    forecasts, actuals, history = _frames()
    scores = oc.score_forecasts(forecasts, actuals, history=history, by=["location", "product"])
    order = ["location", "product", "date"]
    f = forecasts.sort_values(order)
    a = actuals.sort_values(order)
    h = history.sort_values(order)
    fm = f["mean"].to_numpy().reshape(6, 5)
    am = a["quantity"].to_numpy().reshape(6, 5)
    hm = h["quantity"].to_numpy().reshape(6, 40)
    qm = f[["q0.1", "q0.5", "q0.9"]].to_numpy().reshape(6, 5, 3)

    def metric(name: str, nominal: float | None = None) -> np.ndarray:
        part = scores[scores["metric"] == name]
        if nominal is not None:
            part = part[np.isclose(part["nominal"], nominal)]
        return part.sort_values(["location", "product"])["value"].to_numpy()

    np.testing.assert_allclose(metric("mae"), oc.mae(am, fm))
    np.testing.assert_allclose(metric("rmse"), oc.rmse(am, fm))
    np.testing.assert_allclose(metric("bias"), oc.bias(am, fm))
    np.testing.assert_allclose(metric("mase"), oc.mase(am, fm, hm))
    np.testing.assert_allclose(metric("rmsse"), oc.rmsse(am, fm, hm))
    pin = oc.pinball_loss(am, qm, [0.1, 0.5, 0.9])
    spl = oc.scaled_pinball_loss(am, qm, [0.1, 0.5, 0.9], hm)
    for j, level in enumerate((0.1, 0.5, 0.9)):
        np.testing.assert_allclose(metric("pinball", level), pin[:, j])
        np.testing.assert_allclose(metric("spl", level), spl[:, j])
    np.testing.assert_allclose(metric("coverage", 0.8), oc.coverage(am, qm[:, :, 0], qm[:, :, 2]))


def test_overall_wrmsse_uses_recent_dollar_sales() -> None:
    forecasts, actuals, history = _frames(seed=1)
    overall = oc.score_forecasts(forecasts, actuals, history=history, metrics=["wrmsse", "wspl"])
    per = oc.score_forecasts(
        forecasts, actuals, history=history, metrics=["rmsse", "spl"], by=["location", "product"]
    )
    recent = history[history["date"] > history["date"].max() - pd.Timedelta(days=28)]
    dollars = (
        (recent["quantity"] * recent["price"])
        .groupby([recent["location"], recent["product"]])
        .sum()
    )
    rm = per[per["metric"] == "rmsse"].set_index(["location", "product"])["value"]
    want = float((rm * dollars.loc[rm.index]).sum() / dollars.sum())
    got = overall.loc[overall["metric"] == "wrmsse", "value"].item()
    assert got == pytest.approx(want)
    # WSPL: weighted SPL per level, and the M5 score averages it over the levels
    wspl = overall[overall["metric"] == "wspl"]
    assert wspl["nominal"].isna().sum() == 1
    assert wspl["value"].iloc[-1] == pytest.approx(wspl["value"].iloc[:-1].mean())


def test_score_by_horizon_and_defaults() -> None:
    forecasts, actuals, history = _frames(seed=2)
    scores = oc.score_forecasts(forecasts, actuals, history=history, by="horizon")
    assert sorted(scores["horizon"].unique()) == [1, 2, 3, 4, 5]
    assert set(scores["metric"]) == set(oc.FORECAST_METRICS)
    # without history only the unscaled metrics are available by default
    plain = oc.score_forecasts(forecasts, actuals)
    assert set(plain["metric"]) == {
        "mae",
        "rmse",
        "bias",
        "pinball",
        "coverage",
        "quantile_coverage",
    }
    assert list(plain.columns) == ["metric", "nominal", "value"]


def test_perfect_frame_forecast_scores_zero() -> None:
    forecasts, actuals, history = _frames(seed=3)
    perfect = forecasts.copy()
    perfect["mean"] = actuals["quantity"].to_numpy()
    for col in ("q0.1", "q0.5", "q0.9"):
        perfect[col] = perfect["mean"]
    scores = oc.score_forecasts(perfect, actuals, history=history)
    errors = scores[scores["metric"].isin(["mae", "rmse", "mase", "rmsse", "wrmsse", "pinball"])]
    assert (errors["value"] == 0.0).all()
    assert (scores.loc[scores["metric"] == "coverage", "value"] == 1.0).all()


def test_score_forecasts_errors() -> None:
    forecasts, actuals, history = _frames(seed=4)
    with pytest.raises(oc.InvalidParameterError, match="history"):
        oc.score_forecasts(forecasts, actuals, metrics=["mase"])
    with pytest.raises(oc.InvalidParameterError, match="metrics"):
        oc.score_forecasts(forecasts, actuals, metrics=["mape"])  # type: ignore[list-item]
    with pytest.raises(oc.SchemaError, match="no matching actual"):
        oc.score_forecasts(forecasts, actuals.iloc[:-1])
    with pytest.raises(oc.SchemaError, match="history has no rows"):
        oc.score_forecasts(forecasts, actuals, history=history[history["product"] != "a"])
    with pytest.raises(oc.InvalidParameterError, match="quantiles"):
        oc.score_forecasts(forecasts, actuals, quantiles=[0.25])
    with pytest.raises(oc.SchemaError, match="duplicate"):
        oc.score_forecasts(pd.concat([forecasts, forecasts.iloc[:1]]), actuals)


# ------------------------------------------------------------------------------------------
# M5: actual sales of all 42,840 series, RMSSE scales and weights of the m5-wrmsse package

_LEVELS = [
    None,
    ["state_id"],
    ["store_id"],
    ["cat_id"],
    ["dept_id"],
    ["state_id", "cat_id"],
    ["state_id", "dept_id"],
    ["store_id", "cat_id"],
    ["store_id", "dept_id"],
    ["item_id"],
    ["item_id", "state_id"],
    ["id"],
]


@pytest.fixture(scope="module")
def m5() -> dict[str, object]:
    if not (M5 / "test_agg.csv.gz").exists():
        pytest.skip("M5 WRMSSE data (../shared/data/forecast/m5_wrmsse) is not available")
    ids = pd.read_csv(M5 / "sales_ids.csv.gz")
    actual = pd.read_csv(M5 / "test_agg.csv.gz").to_numpy(dtype=float)
    scale = pd.read_csv(M5 / "train_mse.csv.gz").iloc[:, 0].to_numpy(dtype=float)
    weights = pd.read_csv(M5 / "weights.csv.gz")["Weights"].to_numpy(dtype=float)
    return {"ids": ids, "actual": actual, "scale": scale, "weights": weights}


def _aggregate(bottom: np.ndarray, ids: pd.DataFrame) -> np.ndarray:
    """The package's 12 levels: groupby sums in sorted key order, the bottom sorted by id."""
    frame = pd.concat([ids.sort_values("id").reset_index(drop=True), pd.DataFrame(bottom)], axis=1)
    cols = list(range(bottom.shape[1]))
    parts = [
        frame[cols].sum().to_numpy()[None] if v is None else frame.groupby(v)[cols].sum().to_numpy()
        for v in _LEVELS
    ]
    return np.vstack(parts)


def test_m5_layout_is_the_packages(m5: dict[str, object]) -> None:
    actual = m5["actual"]
    bottom = actual[-30490:]  # type: ignore[index]
    np.testing.assert_array_equal(_aggregate(bottom, m5["ids"]), actual)  # type: ignore[arg-type]
    assert m5["weights"].sum() == pytest.approx(1.0)  # type: ignore[attr-defined]


def test_m5_perfect_forecast_scores_zero(m5: dict[str, object]) -> None:
    actual = m5["actual"]
    assert oc.wrmsse(actual, actual, weights=m5["weights"], scale=m5["scale"]) == 0.0  # type: ignore[arg-type]


def test_m5_constant_shift_matches_the_closed_form(m5: dict[str, object]) -> None:
    actual, ids = m5["actual"], m5["ids"]
    bottom = actual[-30490:]  # type: ignore[index]
    # every bottom series over-forecast by one unit: an aggregate of c series is off by c
    forecast = _aggregate(bottom + 1.0, ids)  # type: ignore[arg-type]
    count = _aggregate(np.ones((30490, 1)), ids)[:, 0]  # type: ignore[arg-type]
    w, s = m5["weights"], m5["scale"]
    got = oc.wrmsse(actual, forecast, weights=w, scale=s)  # type: ignore[arg-type]
    want = float(np.sum(w * count / np.sqrt(s)))  # type: ignore[operator]
    assert got == pytest.approx(want, rel=1e-12)
    # the package's definition: sum(weights * sqrt(mean((test - forecast)**2) / train_mse))
    per = np.sqrt(np.mean((actual - forecast) ** 2, axis=1) / s)  # type: ignore[operator]
    assert got == pytest.approx(float(np.sum(w * per)), rel=1e-12)  # type: ignore[operator]
