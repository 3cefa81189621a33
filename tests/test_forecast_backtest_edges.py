"""``backtest`` and ``Backtest.scores`` on the edges: undefined metrics, late launches, sparse
rows, time zones and the keywords forwarded to ``forecast_demand``.

Ground truths are computed here from the forecasts frame itself (MAE by hand, the bottom-up sum
of a reconciled total) or come from an equivalent input (the same sales with explicit zero rows,
a string hierarchy against the same one built by ``Hierarchy.from_frame``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omnichannel as oc

NAIVE = oc.SeasonalNaive(7)


def _daily(
    products: tuple[str, ...] = ("A", "B"),
    n_days: int = 63,
    seed: int = 0,
    channels: tuple[str, ...] = ("store", "web"),
) -> pd.DataFrame:
    """Poisson sales of every channel x product on every date, with a promotion flag."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=n_days, freq="D")
    index = pd.MultiIndex.from_product(
        [dates, channels, products], names=["date", "channel", "product"]
    )
    frame = index.to_frame(index=False)
    frame["promotion"] = rng.random(len(frame)) < 0.2
    frame["quantity"] = rng.poisson(4.0 + 3.0 * frame["promotion"]).astype(np.int64)
    return frame


def _by_hand_mae(bt: oc.Backtest, level: str) -> float:
    """MAE of a level: per series and window, then over series, then over windows."""
    part = bt.forecasts[bt.forecasts["level"] == level].copy()
    part["err"] = (part["mean"] - part["actual"]).abs()
    ids = [c for c in bt.ids if part[c].notna().any()]
    per_series = part.groupby(["cutoff", *ids], dropna=False)["err"].mean()
    return float(per_series.groupby(level="cutoff").mean().mean())


# ---------------------------------------------------------------- scores: undefined metrics


def test_scores_keep_metrics_undefined_for_every_series() -> None:
    # 45 weeks and a yearly season: no in-sample seasonal naive error, so no MASE/RMSSE scale.
    rng = np.random.default_rng(0)
    weeks = pd.date_range("2024-01-01", periods=45, freq="W-MON")
    sales = pd.DataFrame(
        {
            "date": np.tile(weeks, 3),
            "product": np.repeat(["A", "B", "C"], 45),
            "quantity": rng.poisson(20, 135),
        }
    )
    bt = oc.backtest(sales, horizon=4, n_windows=2, model=oc.SeasonalNaive(1), season_length=52)
    scores = bt.scores()
    assert list(scores.columns) == [
        "level",
        "mae",
        "rmse",
        "bias",
        "mase",
        "rmsse",
        "coverage_0.8",
        "coverage_0.9",
    ]
    assert scores[["mase", "rmsse"]].isna().all().all()
    assert scores["mae"].iloc[0] == pytest.approx(_by_hand_mae(bt, "product"))
    text = bt.summary()
    assert "mase" in text
    assert "NaN" in text


@pytest.mark.parametrize("level", [0, 4])
def test_constant_series_scores_nan_scaled_errors_and_keep_the_row(level: int) -> None:
    sales = _daily(products=("A",), channels=("store",), n_days=35).assign(quantity=level)
    bt = oc.backtest(sales, horizon=7, n_windows=2, model=NAIVE, season_length=7)
    scores = bt.scores(["mase"])
    # The group stays even though its only metric is NaN throughout.
    assert scores["level"].tolist() == ["channel/product"]
    assert np.isnan(scores["mase"].iloc[0])
    full = bt.scores()
    assert full["mae"].iloc[0] == 0.0
    assert full[["mase", "rmsse"]].isna().all().all()
    assert bt.summary().splitlines()[1].split()[:3] == ["level", "mae", "rmse"]


def test_scores_average_the_series_that_have_a_scale() -> None:
    # One constant series next to a varying one: the level's MASE is the varying one's.
    sales = _daily(products=("A", "B"), channels=("store",), n_days=49)
    sales.loc[sales["product"] == "A", "quantity"] = 3
    bt = oc.backtest(sales, horizon=7, n_windows=2, model=NAIVE, season_length=7)
    both = bt.scores(["mase"], by=("product",)).set_index("product")["mase"]
    assert np.isnan(both["A"])
    assert np.isfinite(both["B"])
    assert bt.scores(["mase"])["mase"].iloc[0] == pytest.approx(both["B"])


def test_scores_keep_groups_with_a_missing_by_value() -> None:
    sales = _daily()
    bt = oc.backtest(sales, horizon=7, n_windows=2, model=NAIVE, hierarchy="nested")
    scores = bt.scores(["mae"], by=("level", "product"))
    # The total and the channel totals have no product; they are kept, with NaN there.
    assert set(scores["level"]) == {"total", "channel", "channel/product"}
    total = scores[scores["level"] == "total"]
    assert len(total) == 1
    assert total["product"].isna().all()
    assert total["mae"].iloc[0] == pytest.approx(_by_hand_mae(bt, "total"))
    by_level = bt.scores(["mae"]).set_index("level")["mae"]
    for level in ("total", "channel", "channel/product"):
        assert by_level[level] == pytest.approx(_by_hand_mae(bt, level))


@settings(max_examples=8, deadline=None)
@given(
    n_days=st.integers(20, 40),
    flat=st.sets(st.sampled_from(["A", "B", "C"]), max_size=3),
    season=st.sampled_from([1, 7, 30]),
    seed=st.integers(0, 1000),
)
def test_scores_always_have_every_asked_column(
    n_days: int, flat: set[str], season: int, seed: int
) -> None:
    sales = _daily(products=("A", "B", "C"), channels=("store",), n_days=n_days, seed=seed)
    sales.loc[sales["product"].isin(sorted(flat)), "quantity"] = 2
    bt = oc.backtest(sales, horizon=5, n_windows=2, model=NAIVE, season_length=season)
    metrics = ["mae", "mase", "rmsse", "coverage"]
    for by in [("level",), ("level", "cutoff"), ("product",), ()]:
        scores = bt.scores(metrics, by=by)
        assert list(scores.columns) == [
            *(by or ["all"]),
            "mae",
            "mase",
            "rmsse",
            "coverage_0.8",
            "coverage_0.9",
        ]
        assert len(scores) == (bt.forecasts.groupby(list(by)).ngroups if by else 1)
        assert scores[["mae", "coverage_0.8"]].notna().all().all()


# ---------------------------------------------------------------- hierarchy and late launches


def _with_launch(frame: pd.DataFrame, product: str, launch: str) -> pd.DataFrame:
    return frame[(frame["product"] != product) | (frame["date"] >= launch)].reset_index(drop=True)


@pytest.mark.parametrize("levels", ["grouped", "nested"])
def test_hierarchy_object_of_the_whole_frame_handles_a_late_launch(levels: str) -> None:
    sales = _with_launch(_daily(products=("A", "B", "NEW")), "NEW", "2024-02-20")
    h = oc.Hierarchy.from_frame(sales, levels=levels)
    kw = {"horizon": 7, "n_windows": 3, "model": NAIVE, "reconcile": "ols"}
    got = oc.backtest(sales, hierarchy=h, **kw)
    same = oc.backtest(sales, hierarchy=levels, **kw)
    pd.testing.assert_frame_equal(got.forecasts, same.forecasts)
    bottom = got.forecasts[got.forecasts["level"] == "channel/product"]
    launched = bottom.groupby("cutoff")["product"].apply(lambda p: "NEW" in set(p))
    # Cutoffs 2024-02-11 and -18 precede the launch; 2024-02-25 follows it.
    assert launched.tolist() == [False, False, True]


def test_late_launch_counts_in_the_aggregate_actuals() -> None:
    sales = _with_launch(_daily(products=("A", "B", "NEW")), "NEW", "2024-02-20")
    h = oc.Hierarchy.from_frame(sales, levels=[(), ("channel", "product")])
    bt = oc.backtest(sales, horizon=7, n_windows=2, model=NAIVE, hierarchy=h, reconcile="bottom_up")
    fc = bt.forecasts
    total = fc[fc["level"] == "total"].set_index(["cutoff", "date"])
    bottom = fc[fc["level"] == "channel/product"].groupby(["cutoff", "date"])
    # Bottom-up: the total forecast sums the series forecast from that cutoff.
    np.testing.assert_allclose(total["mean"], bottom["mean"].sum().loc[total.index])
    # Its actual is every sale on the date, the new product's too.
    truth = sales.groupby("date")["quantity"].sum()
    np.testing.assert_allclose(
        total["actual"], truth.loc[total.index.get_level_values("date")].to_numpy()
    )


def test_hierarchy_of_other_series_is_rejected_by_backtest() -> None:
    sales = _daily(products=("A", "B"))
    other = oc.Hierarchy.from_frame(_daily(products=("A", "B", "C")))
    with pytest.raises(oc.InvalidParameterError, match="backtest") as info:
        oc.backtest(sales, horizon=7, n_windows=2, model=NAIVE, hierarchy=other)
    assert "forecast_demand" not in str(info.value)
    keyed = oc.Hierarchy.from_frame(sales, ids=["product"])
    with pytest.raises(oc.InvalidParameterError, match="backtest.*keyed by"):
        oc.backtest(sales, horizon=7, n_windows=2, model=NAIVE, hierarchy=keyed)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"hierarchy": "flat"}, "'hierarchy' parameter of backtest"),
        ({"hierarchy": 3}, "'hierarchy' parameter of backtest"),
        ({"reconcile": "ols"}, "'reconcile' parameter of backtest needs a hierarchy"),
        ({"hierarchy": "nested", "reconcile": "mint"}, "'reconcile' parameter of backtest"),
        ({"model": oc.ETS}, "'model' parameter of backtest"),
        ({"fill_value": "0"}, "'fill_value' parameter of backtest"),
    ],
)
def test_parameter_errors_name_backtest(kwargs: dict[str, object], pattern: str) -> None:
    call: dict[str, object] = {"horizon": 7, "n_windows": 2, "model": NAIVE, **kwargs}
    with pytest.raises(oc.InvalidParameterError, match=pattern):
        oc.backtest(_daily(), **call)  # type: ignore[arg-type]


# ---------------------------------------------------------------- forwarded keywords


def test_future_is_rejected_with_the_reason() -> None:
    sales = _daily()
    with pytest.raises(oc.InvalidParameterError, match="does not take 'future'.*recorded"):
        oc.backtest(
            sales, horizon=7, n_windows=2, model=oc.CountModel(), exog=["promotion"], future=sales
        )


def test_unknown_keyword_is_rejected_with_the_accepted_ones() -> None:
    with pytest.raises(oc.InvalidParameterError, match=r"\['n_path'\].*'n_paths'") as info:
        oc.backtest(_daily(), horizon=7, n_windows=2, model=NAIVE, n_path=100)
    assert isinstance(info.value, TypeError)


def test_forecast_demand_keywords_reach_every_window() -> None:
    sales = _daily()
    kw = {"horizon": 7, "n_windows": 2, "model": NAIVE, "hierarchy": "nested"}
    kw["reconcile"] = "mint_shrink"
    a = oc.backtest(sales, seed=1, n_paths=50, **kw)
    b = oc.backtest(sales, seed=1, n_paths=50, **kw)
    c = oc.backtest(sales, seed=2, n_paths=50, **kw)
    pd.testing.assert_frame_equal(a.forecasts, b.forecasts)
    assert not np.allclose(a.forecasts["q0.9"], c.forecasts["q0.9"])
    np.testing.assert_allclose(a.forecasts["mean"], c.forecasts["mean"])


# ---------------------------------------------------------------- sparse rows and time zones


def _sparse(frame: pd.DataFrame) -> pd.DataFrame:
    """Zero-sales rows left out, and a whole day (a cutoff below) without any row."""
    out = frame[(frame["quantity"] > 0) & (frame["date"] != "2024-02-25")]
    return out.reset_index(drop=True)


def test_cutoff_without_rows_does_not_shift_its_window() -> None:
    dense = _daily()
    dense.loc[dense["date"] == "2024-02-25", "quantity"] = 0
    sparse = _sparse(dense)
    kw = {"horizon": 7, "n_windows": 2, "model": NAIVE, "season_length": 7}
    got = oc.backtest(sparse.drop(columns="promotion"), **kw)
    want = oc.backtest(dense.drop(columns="promotion"), **kw)
    pd.testing.assert_frame_equal(got.forecasts, want.forecasts)
    last = got.forecasts[got.forecasts["cutoff"] == pd.Timestamp("2024-02-25")]
    assert last["date"].min() == pd.Timestamp("2024-02-26")
    pd.testing.assert_frame_equal(got.scores(), want.scores())


def test_end_extends_the_history_past_the_last_row() -> None:
    dense = _daily()
    dense.loc[dense["date"] >= "2024-03-01", "quantity"] = 0
    sparse = dense[dense["date"] < "2024-03-01"].drop(columns="promotion")
    kw = {"horizon": 7, "n_windows": 2, "model": NAIVE}
    got = oc.backtest(sparse, end=pd.Timestamp("2024-03-03"), **kw)
    want = oc.backtest(dense.drop(columns="promotion"), **kw)
    pd.testing.assert_frame_equal(got.forecasts, want.forecasts)


def test_exog_fill_covers_absent_rows_in_the_windows() -> None:
    dense = _daily()
    dense.loc[dense["date"] == "2024-02-25", "quantity"] = 0
    dense.loc[dense["quantity"] == 0, "promotion"] = False
    sparse = _sparse(dense)
    kw = {"horizon": 7, "n_windows": 2, "model": oc.CountModel(), "exog": ["promotion"]}
    got = oc.backtest(sparse, exog_fill={"promotion": 0.0}, **kw)
    want = oc.backtest(dense, **kw)
    pd.testing.assert_frame_equal(got.forecasts, want.forecasts, rtol=1e-6)


def test_time_zone_aware_sales_give_aware_dates_and_the_same_scores() -> None:
    sales = _daily()
    aware = sales.assign(date=sales["date"].dt.tz_localize("Europe/Berlin"))
    kw = {"horizon": 7, "n_windows": 2, "model": oc.CountModel(), "exog": ["promotion"]}
    got = oc.backtest(aware, hierarchy="nested", **kw)
    want = oc.backtest(sales, hierarchy="nested", **kw)
    for frame in (got.forecasts, got.history):
        assert str(frame["date"].dt.tz) == "Europe/Berlin"
    assert str(got.forecasts["cutoff"].dt.tz) == "Europe/Berlin"
    pd.testing.assert_frame_equal(
        got.scores(by=("level", "cutoff")).drop(columns="cutoff"),
        want.scores(by=("level", "cutoff")).drop(columns="cutoff"),
    )
