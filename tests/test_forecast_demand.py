"""forecast_demand's orchestration: the grid, regressors, copula paths and the result object.

A stand-in model (each series' mean with normal errors) isolates the orchestration from the model
families, which have their own tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import omnichannel as oc
from omnichannel._forecast._base import FittedSeries, SeriesPanel
from omnichannel._forecast._demand import copula_uniforms, cross_promotion_terms, forecast_demand
from omnichannel._forecast._panel import build_grid


class _Fitted(FittedSeries):
    def __init__(self, panel: SeriesPanel, horizon: int) -> None:
        self.mu = np.nanmean(panel.y, axis=1)
        self.sd = np.nanstd(panel.y, axis=1) + 1e-9
        self.mean = np.repeat(self.mu[:, None], horizon, axis=1)
        self.fitted = np.where(np.isnan(panel.y), np.nan, self.mu[:, None])
        self.x = panel.x

    def sample(self, uniforms: np.ndarray) -> np.ndarray:
        return self.mu[None, :, None] + self.sd[None, :, None] * stats.norm.ppf(uniforms)

    def quantiles(self, levels: np.ndarray, *, n_paths: int = 2000, seed: int = 0) -> np.ndarray:
        z = stats.norm.ppf(levels)
        return self.mean[:, :, None] + self.sd[:, None, None] * z[None, None, :]

    def params(self) -> pd.DataFrame:
        return pd.DataFrame({"model": "mean", "mu": self.mu})


class MeanModel:
    def __init__(self) -> None:
        self.panels: list[SeriesPanel] = []

    def fit_predict(self, panel: SeriesPanel, horizon: int, *, progress: bool = False) -> _Fitted:
        self.panels.append(panel)
        return _Fitted(panel, horizon)

    def __repr__(self) -> str:
        return "MeanModel()"


def _sales(n_days: int = 30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=n_days, freq="D")
    rows = []
    for channel in ("store", "web"):
        for product in ("A", "B", "C"):
            rows.append(
                pd.DataFrame(
                    {
                        "date": dates,
                        "channel": channel,
                        "product": product,
                        "quantity": rng.poisson(5, n_days).astype(float),
                        "promotion": rng.random(n_days) < 0.2,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def test_grid_fills_absent_rows_and_marks_late_starts() -> None:
    sales = _sales()
    # Series (web, C) starts on day 10; (store, A) misses day 5 (no sales that day).
    late = (sales["channel"] == "web") & (sales["product"] == "C")
    sales = sales[~(late & (sales["date"] < "2024-01-11"))]
    gap = (sales["channel"] == "store") & (sales["product"] == "A")
    sales = sales[~(gap & (sales["date"] == "2024-01-06"))]
    grid = build_grid(
        sales,
        ids=("channel", "product"),
        value="quantity",
        regressors=(),
        freq=None,
        fill_value=0.0,
        func="t",
    )
    assert grid.y.shape == (6, 30)
    assert str(grid.freq.freqstr) == "D"
    row = grid.keys.index[(grid.keys["channel"] == "web") & (grid.keys["product"] == "C")][0]
    assert grid.start[row] == 10
    assert np.isnan(grid.y[row, :10]).all()
    assert np.isfinite(grid.y[row, 10:]).all()
    assert grid.y[0, 5] == 0.0


def test_result_frame_and_paths() -> None:
    fc = forecast_demand(_sales(), horizon=5, model=MeanModel(), seed=0)
    frame = fc.to_frame()
    assert list(frame.columns[:4]) == ["channel", "product", "date", "mean"]
    assert len(frame) == 6 * 5
    assert frame["date"].min() == pd.Timestamp("2024-01-31")
    q = fc.quantile_values
    assert (np.diff(q, axis=-1) >= 0).all()
    paths = fc.sample_paths(50, seed=1, as_frame=False)
    assert isinstance(paths, np.ndarray)
    assert paths.shape == (50, 6, 5)
    again = fc.sample_paths(50, seed=1, as_frame=False)
    np.testing.assert_array_equal(paths, again)
    ltd = fc.lead_time_demand(3, levels=[0.5, 0.9])
    np.testing.assert_allclose(ltd["mean"], fc.mean[:, :3].sum(axis=1))
    assert (ltd["q0.9"] >= ltd["q0.5"]).all()
    assert "MeanModel()" in fc.summary()


def test_input_is_not_mutated_and_row_order_does_not_matter() -> None:
    sales = _sales()
    before = sales.copy()
    a = forecast_demand(sales, horizon=3, model=MeanModel(), seed=0).to_frame()
    pd.testing.assert_frame_equal(sales, before)
    shuffled = sales.sample(frac=1.0, random_state=3)
    b = forecast_demand(shuffled, horizon=3, model=MeanModel(), seed=0).to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_errors_name_the_problem() -> None:
    sales = _sales()
    with pytest.raises(oc.SchemaError, match="duplicate"):
        forecast_demand(pd.concat([sales, sales.iloc[:1]]), horizon=3, model=MeanModel())
    off = sales.copy()
    off.loc[0, "date"] = pd.Timestamp("2024-01-01 12:00")
    with pytest.raises(oc.SchemaError, match="off the regular"):
        forecast_demand(off, horizon=3, model=MeanModel(), freq="D")
    with pytest.raises(oc.InvalidParameterError, match="horizon"):
        forecast_demand(sales, horizon=0, model=MeanModel())
    with pytest.raises(oc.InvalidParameterError, match="model"):
        forecast_demand(sales, horizon=3, model="ets")
    with pytest.raises(oc.InvalidParameterError, match="future="):
        forecast_demand(sales, horizon=3, model=MeanModel(), exog=["promotion"])
    with pytest.raises(oc.InvalidParameterError, match="quantiles"):
        forecast_demand(sales, horizon=3, model=MeanModel(), quantiles=[0.5, 1.0])
    with pytest.raises(oc.InvalidParameterError, match="hierarchy"):
        forecast_demand(sales, horizon=3, model=MeanModel(), reconcile="ols")


def test_future_regressors_reach_the_model() -> None:
    sales = _sales()
    dates = pd.date_range("2024-01-31", periods=4, freq="D")
    keys = sales[["channel", "product"]].drop_duplicates()
    future = keys.merge(pd.DataFrame({"date": dates}), how="cross")
    future["promotion"] = future["date"] == dates[1]
    model = MeanModel()
    forecast_demand(
        sales,
        horizon=4,
        model=model,
        exog=["promotion"],
        future=future,
        cross_promotion="promotion",
    )
    panel = model.panels[-1]
    assert panel.x is not None
    assert panel.x.shape == (6, 34, 3)
    assert panel.x_names == ("promotion", "promotion_other_channels", "promotion_other_products")
    # Every series is on promotion on the second forecast date, so are all the others.
    np.testing.assert_array_equal(panel.x[:, 31, :], 1.0)
    np.testing.assert_array_equal(panel.x[:, 30, :], 0.0)
    with pytest.raises(oc.SchemaError, match="no row for"):
        forecast_demand(
            sales,
            horizon=4,
            model=MeanModel(),
            exog=["promotion"],
            future=future.iloc[1:],
        )


def test_cross_promotion_terms_are_shares_of_the_other_series() -> None:
    sales = _sales(n_days=10, seed=4)
    grid = build_grid(
        sales,
        ids=("channel", "product"),
        value="quantity",
        regressors=("promotion",),
        freq=None,
        fill_value=0.0,
        func="t",
    )
    assert grid.x is not None
    x, names = cross_promotion_terms(grid, grid.x, "promotion")
    promo = grid.x[:, :, 0]
    keys = grid.keys.reset_index(drop=True)
    for i, row in keys.iterrows():
        same_product = (keys["product"] == row["product"]) & (keys["channel"] != row["channel"])
        same_channel = (keys["channel"] == row["channel"]) & (keys["product"] != row["product"])
        np.testing.assert_allclose(x[i, :, 1], promo[same_product.to_numpy()].mean(axis=0))
        np.testing.assert_allclose(x[i, :, 2], promo[same_channel.to_numpy()].mean(axis=0))
    assert names == ["promotion_other_channels", "promotion_other_products"]


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 6),
    t=st.integers(1, 40),
    paths=st.integers(1, 30),
    h=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_copula_uniforms_are_uniform_ranks(n: int, t: int, paths: int, h: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    residuals = rng.normal(size=(n, t))
    residuals[0, : t // 2] = np.nan
    u = copula_uniforms(residuals, paths, h, rng)
    assert u.shape == (paths, n, h)
    assert ((u > 0) & (u < 1)).all()


def test_copula_keeps_dependence_between_series() -> None:
    rng = np.random.default_rng(0)
    common = rng.normal(size=500)
    residuals = np.vstack([common + 0.1 * rng.normal(size=500) for _ in range(2)])
    residuals = np.vstack([residuals, rng.normal(size=500)])
    u = copula_uniforms(residuals, 4000, 1, rng)[:, :, 0]
    corr = np.corrcoef(u.T)
    assert corr[0, 1] > 0.9
    assert abs(corr[0, 2]) < 0.1
    # Each margin stays uniform.
    assert stats.kstest(u[:, 2], "uniform").pvalue > 1e-3


def test_lead_time_demand_by_group_sums_bottom_paths() -> None:
    fc = forecast_demand(_sales(), horizon=6, model=MeanModel(), seed=0)
    per_series = fc.lead_time_demand(4, n_paths=300, seed=5, samples=True)
    per_product = fc.lead_time_demand(4, by=["product"], n_paths=300, seed=5, samples=True)
    assert list(per_product.columns) == ["product", "sample", "quantity"]
    expected = per_series.groupby(["product", "sample"])["quantity"].sum().to_numpy()
    ordered = per_product.sort_values(["product", "sample"])["quantity"].to_numpy()
    np.testing.assert_allclose(ordered, expected)
    summary = fc.lead_time_demand(4, by="product", levels=[0.1, 0.9])
    np.testing.assert_allclose(
        summary["mean"], fc.mean[:, :4].sum(axis=1).reshape(2, 3).sum(axis=0)
    )
    with pytest.raises(oc.InvalidParameterError, match="'by'"):
        fc.lead_time_demand(4, by=["store"])


@pytest.mark.parametrize("method", ["bottom_up", "ols", "wls_var", "mint_shrink"])
def test_reconciled_means_and_paths_add_up(method: str) -> None:
    fc = forecast_demand(
        _sales(),
        horizon=4,
        model=MeanModel(),
        hierarchy="grouped",
        reconcile=method,
        n_paths=50,
        seed=0,
    )
    assert fc.hierarchical
    nodes = fc.nodes
    bottom = nodes[["channel", "product"]].notna().all(axis=1).to_numpy()
    total = (nodes["level"] == "total").to_numpy()
    np.testing.assert_allclose(fc.mean[total].sum(axis=0), fc.mean[bottom].sum(axis=0))
    paths = fc.sample_paths(20, seed=2, as_frame=False)
    assert isinstance(paths, np.ndarray)
    np.testing.assert_allclose(paths[:, total].sum(axis=1), paths[:, bottom].sum(axis=1))
    per_channel = (nodes["level"] == "channel").to_numpy()
    np.testing.assert_allclose(
        paths[:, per_channel].sum(axis=1), paths[:, bottom].sum(axis=1), rtol=1e-9
    )
    assert fc.reconciliation is not None
    assert fc.select({"channel": "web", "product": "A"}).size == 1
