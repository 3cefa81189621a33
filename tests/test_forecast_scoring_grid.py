"""score_forecasts reads history on its date grid; time zones, duplicates and weights checks.

The reference for every scaled metric is the array API (``oc.mase``, ``oc.rmsse``,
``oc.scaled_pinball_loss``) applied to the history written out densely on the date grid (absent
dates 0, NaN before a series' first row), the layout ``forecast_demand`` reads sales in.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import omnichannel as oc

LEVELS = (0.1, 0.5, 0.9)
SCALED = ["mase", "rmsse", "wrmsse", "spl", "wspl"]


def _frames(
    seed: int, n_series: int = 4, n_dates: int = 70, horizon: int = 7, p_zero: float = 0.4
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Dense history (zero rows kept) of series starting on different dates, and a forecast."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=n_dates + horizon, freq="D")
    hist_parts, act_parts = [], []
    for s in range(n_series):
        start = 0 if s == 0 else int(rng.integers(0, 30))
        qty = rng.poisson(3.0, n_dates - start) * (rng.random(n_dates - start) > p_zero)
        qty[:2] = 0  # leading zeros: the scale starts at the first sale
        qty[-1] = qty[-1] or 1  # a sale on the last date fixes the grid's end
        hist_parts.append(
            pd.DataFrame(
                {
                    "product": f"p{s}",
                    "date": dates[start:n_dates],
                    "quantity": qty.astype(float),
                    "price": float(s + 1),
                }
            )
        )
        act_parts.append(
            pd.DataFrame(
                {
                    "product": f"p{s}",
                    "date": dates[n_dates:],
                    "quantity": rng.poisson(3.0, horizon).astype(float),
                }
            )
        )
    history = pd.concat(hist_parts, ignore_index=True)
    actuals = pd.concat(act_parts, ignore_index=True)
    forecasts = actuals[["product", "date"]].copy()
    forecasts["mean"] = 3.0 + rng.normal(0.0, 1.0, len(forecasts))
    for level in LEVELS:
        forecasts[oc.quantile_column(level)] = forecasts["mean"] + 3.0 * (level - 0.5)
    return forecasts, actuals, history


def _dense(history: pd.DataFrame, freq: str = "D") -> tuple[np.ndarray, np.ndarray, list[str]]:
    """History as (series, date) quantity and price arrays on the grid, products sorted."""
    grid = pd.date_range(history["date"].min(), history["date"].max(), freq=freq)
    products = sorted(history["product"].unique())
    qty = np.full((len(products), len(grid)), np.nan)
    price = np.zeros_like(qty)
    for i, p in enumerate(products):
        rows = history[history["product"] == p].set_index("date").sort_index()
        full = rows.reindex(grid[grid >= rows.index.min()])
        qty[i, len(grid) - len(full) :] = full["quantity"].fillna(0.0).to_numpy()
        price[i, len(grid) - len(full) :] = full["price"].fillna(0.0).to_numpy()
    return qty, price, products


def _table(scores: pd.DataFrame, metric: str, level: float | None = None) -> np.ndarray:
    part = scores[scores["metric"] == metric]
    part = part[part["nominal"].isna()] if level is None else part[part["nominal"] == level]
    return part.sort_values("product")["value"].to_numpy()


def _overall(scores: pd.DataFrame) -> pd.Series:
    return scores.set_index(["metric", "nominal"])["value"]


# ------------------------------------------------------------------------------------------
# ground truth: the array functions on the dense grid


@pytest.mark.parametrize("season", [1, 7])
def test_scales_are_those_of_the_dense_grid(season: int) -> None:
    forecasts, actuals, history = _frames(seed=season)
    sparse = history[history["quantity"] != 0]
    qty, price, products = _dense(history)
    order = ["product", "date"]
    a = actuals.sort_values(order)["quantity"].to_numpy().reshape(len(products), -1)
    f = forecasts.sort_values(order)
    fm = f["mean"].to_numpy().reshape(len(products), -1)
    fq = f[[oc.quantile_column(q) for q in LEVELS]].to_numpy().reshape(len(products), -1, 3)
    rmsse = np.asarray(oc.rmsse(a, fm, qty, season_length=season))
    spl = np.asarray(oc.scaled_pinball_loss(a, fq, LEVELS, qty, season_length=season))
    # M5 weights: dollar sales of the same last 28 grid dates for every series
    w = np.nansum(qty[:, -28:] * price[:, -28:], axis=1)
    for frame in (history, sparse):
        per = oc.score_forecasts(
            forecasts, actuals, history=frame, by="product", season_length=season
        )
        np.testing.assert_allclose(
            _table(per, "mase"), oc.mase(a, fm, qty, season_length=season), rtol=1e-12
        )
        np.testing.assert_allclose(_table(per, "rmsse"), rmsse, rtol=1e-12)
        for j, level in enumerate(LEVELS):
            np.testing.assert_allclose(_table(per, "spl", level), spl[:, j], rtol=1e-12)
        overall = _overall(
            oc.score_forecasts(
                forecasts, actuals, history=frame, metrics=SCALED, season_length=season
            )
        )
        assert overall[("wrmsse", np.nan)] == pytest.approx(np.sum(w * rmsse) / w.sum())
        assert overall[("wspl", np.nan)] == pytest.approx(np.mean(w @ spl / w.sum()))


def test_review_reproducer_sparse_history_scores_like_dense() -> None:
    dates = pd.date_range("2024-01-01", periods=60, freq="D")
    q = np.random.default_rng(0).poisson(2, 60) + 1
    q[::4] = 0
    q[52] = 3
    dense = pd.DataFrame({"date": dates, "product": "A", "quantity": q})
    train, test = dense.iloc[:53], dense.iloc[53:]
    sparse = train[train["quantity"] != 0]
    fc = oc.forecast_demand(train, horizon=7, model=oc.SeasonalNaive(7)).to_frame()
    kw = {"metrics": ["mase", "rmsse"], "season_length": 7}
    got_dense = oc.score_forecasts(fc, test, history=train, **kw)["value"].to_numpy()
    got_sparse = oc.score_forecasts(fc, test, history=sparse, **kw)["value"].to_numpy()
    np.testing.assert_allclose(got_sparse, got_dense, rtol=1e-12)
    hist = train["quantity"].to_numpy(dtype=float)
    a, f = test["quantity"].to_numpy(dtype=float), fc["mean"].to_numpy()
    np.testing.assert_allclose(
        got_dense, [oc.mase(a, f, hist, season_length=7), oc.rmsse(a, f, hist, season_length=7)]
    )


def test_weight_window_is_the_last_grid_dates_for_every_series() -> None:
    # b stops selling 10 dates before the end of history: those dates are zero sales, so its
    # last 28 rows are not its last 28 dates
    dates = pd.date_range("2024-03-01", periods=60, freq="D")
    history = pd.concat(
        [
            pd.DataFrame({"product": "a", "date": dates, "quantity": np.tile([1.0, 2.0], 30)}),
            pd.DataFrame({"product": "b", "date": dates[:50], "quantity": 2.0}),
        ]
    )
    fut = pd.date_range(dates[-1] + pd.Timedelta(days=1), periods=3)
    actuals = pd.DataFrame(
        {"product": np.repeat(["a", "b"], 3), "date": np.tile(fut, 2), "quantity": 0.0}
    )
    forecasts = actuals[["product", "date"]].assign(mean=np.repeat([1.0, 3.0], 3))
    per = oc.score_forecasts(forecasts, actuals, history=history, metrics=["rmsse"], by="product")
    # a: squared differences all 1; b: 58 zero differences and one drop of 2 over 59
    rmsse = np.array([1.0, np.sqrt(9.0 / (4.0 / 59.0))])
    np.testing.assert_allclose(per["value"], rmsse, rtol=1e-12)
    overall = oc.score_forecasts(forecasts, actuals, history=history, metrics=["wrmsse"])
    # unit sales of the last 28 dates: a 14 * 1 + 14 * 2 = 42, b 18 * 2 = 36
    assert overall["value"].item() == pytest.approx((42.0 * rmsse[0] + 36.0 * rmsse[1]) / 78.0)


def test_freq_parameter_sets_the_grid() -> None:
    forecasts, actuals, history = _frames(seed=11, n_series=2)
    odd_zero = history.assign(
        quantity=np.where(history["date"].dt.day % 2 == 1, 0.0, history["quantity"] + 1.0)
    )
    sparse = odd_zero[odd_zero["quantity"] != 0]
    want = oc.score_forecasts(forecasts, actuals, history=odd_zero, metrics=["mase", "wrmsse"])
    got = oc.score_forecasts(
        forecasts, actuals, history=sparse, metrics=["mase", "wrmsse"], freq="D"
    )
    pd.testing.assert_frame_equal(got, want)
    with pytest.raises(oc.InvalidParameterError, match="'freq' parameter of score_forecasts"):
        oc.score_forecasts(forecasts, actuals, history=history, metrics=["mase"], freq="bogus")
    with pytest.raises(oc.SchemaError, match="history has dates off the regular W-MON grid"):
        oc.score_forecasts(forecasts, actuals, history=history, metrics=["mase"], freq="W-MON")


def test_weekly_history_grid_is_inferred() -> None:
    dates = pd.date_range("2024-01-01", periods=30, freq="W-MON")
    qty = np.arange(30.0) % 5
    history = pd.DataFrame({"product": "a", "date": dates, "quantity": qty})
    fut = pd.date_range(dates[-1], periods=3, freq="W-MON")[1:]
    actuals = pd.DataFrame({"product": "a", "date": fut, "quantity": [1.0, 2.0]})
    forecasts = actuals[["product", "date"]].assign(mean=[2.0, 2.0])
    sparse = history[history["quantity"] != 0]
    want = oc.mase([1.0, 2.0], [2.0, 2.0], qty)
    for frame in (history, sparse):
        got = oc.score_forecasts(forecasts, actuals, history=frame, metrics=["mase"])
        assert got["value"].item() == pytest.approx(want)


# ------------------------------------------------------------------------------------------
# invariants


@st.composite
def _histories(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    n_series = draw(st.integers(1, 4))
    n_dates = draw(st.integers(4, 30))
    season = draw(st.integers(1, 3))
    dates = pd.date_range("2024-01-01", periods=n_dates + 2, freq="D")
    parts = []
    for s in range(n_series):
        start = draw(st.integers(0, n_dates - 2))
        qty = draw(
            st.lists(
                st.sampled_from([0.0, 0.0, 0.0, 1.0, 2.0, 5.0]),
                min_size=n_dates - start,
                max_size=n_dates - start,
            )
        )
        if s == 0:  # sales on the last two dates: dropping zeros keeps the grid's extent
            qty[-2:] = [1.0, 3.0]
        if not any(qty):
            qty[draw(st.integers(0, len(qty) - 1))] = 4.0
        price = draw(st.floats(0.5, 10.0))
        parts.append(
            pd.DataFrame(
                {"product": f"p{s}", "date": dates[start:n_dates], "quantity": qty, "price": price}
            )
        )
    history = pd.concat(parts, ignore_index=True)
    products = [f"p{s}" for s in range(n_series)]
    actuals = pd.DataFrame(
        {
            "product": np.repeat(products, 2),
            "date": np.tile(dates[n_dates:], n_series),
            "quantity": draw(
                st.lists(
                    st.sampled_from([0.0, 1.0, 4.0]), min_size=2 * n_series, max_size=2 * n_series
                )
            ),
        }
    )
    forecasts = actuals[["product", "date"]].assign(mean=1.5, **{"q0.1": 0.0, "q0.9": 3.0})
    return forecasts, actuals, history, season


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_histories(), seed=st.integers(0, 2**32 - 1))
def test_zero_rows_and_row_order_do_not_change_scores(
    case: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int], seed: int
) -> None:
    forecasts, actuals, history, season = case
    kw = {"metrics": SCALED, "season_length": season, "weight_window": 7}
    want = oc.score_forecasts(forecasts, actuals, history=history, by="product", **kw)
    want_all = oc.score_forecasts(forecasts, actuals, history=history, **kw)
    # ground truth: the array functions on the dense grid
    qty, _, _ = _dense(history)
    a = actuals["quantity"].to_numpy().reshape(len(qty), -1)
    f = forecasts["mean"].to_numpy().reshape(len(qty), -1)
    for name, func in (("mase", oc.mase), ("rmsse", oc.rmsse)):
        np.testing.assert_allclose(
            _table(want, name), func(a, f, qty, season_length=season), rtol=1e-12
        )
    rng = np.random.default_rng(seed)
    shuffled = history.sample(frac=1.0, random_state=rng)
    for frame in (shuffled[shuffled["quantity"] != 0], shuffled):
        got = oc.score_forecasts(forecasts, actuals, history=frame, by="product", **kw)
        pd.testing.assert_frame_equal(got, want, rtol=1e-12)
        got_all = oc.score_forecasts(forecasts, actuals, history=frame, **kw)
        pd.testing.assert_frame_equal(got_all, want_all, rtol=1e-12)


# ------------------------------------------------------------------------------------------
# bad input: clear errors


def test_duplicate_history_rows_are_an_error() -> None:
    forecasts, actuals, history = _frames(seed=3)
    dup = pd.concat([history, history.iloc[[5, 9]]])
    row = history.iloc[5]
    rule = r"history has a duplicate of an earlier row on key \['product', 'date'\] in 2 row"
    with pytest.raises(oc.SchemaError, match=rule) as err:
        oc.score_forecasts(forecasts, actuals, history=dup, metrics=["mase"])
    # the first repeated row: index label 5, its series and date
    shown = f"(product={row['product']!r}, date={row['date']!r})"
    assert re.search(r"first at index (np\.int64\()?5\)? " + re.escape(shown), str(err.value))


def test_history_errors() -> None:
    forecasts, actuals, history = _frames(seed=4)
    with pytest.raises(oc.SchemaError, match=r"history is missing id column\(s\) \['product'\]"):
        oc.score_forecasts(
            forecasts, actuals, history=history.drop(columns="product"), metrics=["mase"]
        )
    with pytest.raises(oc.SchemaError, match="history has no rows"):
        oc.score_forecasts(forecasts, actuals, history=history.iloc[:0], metrics=["mase"])
    noon = history.assign(
        date=history["date"] + pd.to_timedelta(np.where(history.index == 3, 12, 0), unit="h")
    )
    with pytest.raises(oc.SchemaError, match="history has dates off the regular D grid"):
        oc.score_forecasts(forecasts, actuals, history=noon, metrics=["mase"], freq="D")
    ragged = history.assign(date=history["date"] + pd.to_timedelta(history.index % 3, unit="h"))
    with pytest.raises(oc.InvalidParameterError, match="frequency of the history dates"):
        oc.score_forecasts(forecasts, actuals, history=ragged, metrics=["mase"])


def test_weights_errors_and_use() -> None:
    forecasts, actuals, history = _frames(seed=5, n_series=2)
    forecasts = forecasts.assign(channel="web")
    actuals = actuals.assign(channel="web")
    history = history.assign(channel="web")
    weights = pd.DataFrame({"product": ["p0", "p1"], "weight": [1.0, 3.0]})
    with pytest.raises(oc.SchemaError, match=r"weights is missing id column\(s\) \['channel'\]"):
        oc.score_forecasts(forecasts, actuals, history=history, metrics=["wrmsse"], weights=weights)
    full = weights.assign(channel="web")
    with pytest.raises(oc.SchemaError, match="weights has 1 duplicate row"):
        oc.score_forecasts(
            forecasts,
            actuals,
            history=history,
            metrics=["wrmsse"],
            weights=pd.concat([full, full.iloc[:1]]),
        )
    per = oc.score_forecasts(forecasts, actuals, history=history, metrics=["rmsse"], by="product")
    got = oc.score_forecasts(forecasts, actuals, history=history, metrics=["wrmsse"], weights=full)
    assert got["value"].item() == pytest.approx(np.dot(per["value"], [1.0, 3.0]) / 4.0)


def test_time_zones() -> None:
    forecasts, actuals, history = _frames(seed=6, n_series=2)
    want = oc.score_forecasts(forecasts, actuals, history=history)

    def berlin(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(date=frame["date"].dt.tz_localize("Europe/Berlin"))

    # both aware in the same zone (one of them at another resolution) score like both naive;
    # the history spans the March DST change and is read on its wall-clock dates
    aware_act = berlin(actuals).assign(date=lambda f: f["date"].dt.as_unit("s"))
    got = oc.score_forecasts(berlin(forecasts), aware_act, history=berlin(history))
    pd.testing.assert_frame_equal(got, want)
    with pytest.raises(
        oc.SchemaError,
        match=r"forecasts\['date'\] is without a time zone but actuals\['date'\] is in time "
        r"zone Europe/Berlin",
    ):
        oc.score_forecasts(forecasts, berlin(actuals))
    with pytest.raises(oc.SchemaError, match="time zone UTC but actuals.* Europe/Berlin"):
        oc.score_forecasts(
            berlin(forecasts).assign(date=lambda f: f["date"].dt.tz_convert("UTC")),
            berlin(actuals),
        )


# ------------------------------------------------------------------------------------------
# layouts that the row-based scales did not handle


def test_single_series_without_id_columns() -> None:
    forecasts, actuals, history = _frames(seed=7, n_series=1)
    drop = ["product"]
    keyed = oc.score_forecasts(forecasts, actuals, history=history, metrics=SCALED)
    plain = oc.score_forecasts(
        forecasts.drop(columns=drop),
        actuals.drop(columns=drop),
        history=history.drop(columns=drop),
        metrics=SCALED,
    )
    pd.testing.assert_frame_equal(plain, keyed)


def test_aggregate_levels_with_missing_ids_and_unscored_series() -> None:
    # a hierarchy's total has no product; series of history that are not scored still set the
    # grid's end (as in forecast_demand) but get no score
    forecasts, actuals, history = _frames(seed=8, n_series=3)
    total_h = history.groupby("date", as_index=False)["quantity"].sum().assign(price=1.0)
    total_a = actuals.groupby("date", as_index=False)["quantity"].sum()
    total_f = forecasts.groupby("date", as_index=False)[["mean", "q0.1", "q0.5", "q0.9"]].sum()
    nan_id = pd.Series([None], dtype=history["product"].dtype)
    fc = pd.concat([forecasts, total_f.assign(product=nan_id.iloc[0])], ignore_index=True)
    act = pd.concat([actuals, total_a.assign(product=nan_id.iloc[0])], ignore_index=True)
    hist = pd.concat([history, total_h.assign(product=nan_id.iloc[0])], ignore_index=True)
    keep = fc["product"].isna() | (fc["product"] == "p0")
    got = oc.score_forecasts(fc[keep], act[keep], history=hist, metrics=["mase"], by="product")
    assert len(got) == 2
    total = got.loc[got["product"].isna(), "value"].item()
    p0 = got.loc[got["product"] == "p0", "value"].item()
    dense = total_h.set_index("date")["quantity"].to_numpy()
    t = total_a["quantity"].to_numpy()
    assert total == pytest.approx(oc.mase(t, total_f["mean"].to_numpy(), dense))
    qty, _, _ = _dense(history)
    a0 = actuals.loc[actuals["product"] == "p0", "quantity"].to_numpy()
    f0 = forecasts.loc[forecasts["product"] == "p0", "mean"].to_numpy()
    assert p0 == pytest.approx(oc.mase(a0, f0, qty[0]))


def test_inputs_are_not_modified() -> None:
    forecasts, actuals, history = _frames(seed=9)
    aware = history.assign(date=history["date"].dt.tz_localize("Europe/Berlin"))
    before = [f.copy(deep=True) for f in (forecasts, actuals, aware)]
    oc.score_forecasts(forecasts, actuals, history=aware.iloc[::-1], by="product")
    for frame, copy in zip((forecasts, actuals, aware), before, strict=True):
        pd.testing.assert_frame_equal(frame, copy)


def test_ids_of_another_type_in_forecasts_and_actuals_are_named() -> None:
    forecasts = pd.DataFrame(
        {"product": [1, 1], "date": pd.date_range("2024-01-08", periods=2), "mean": [1.0, 2.0]}
    )
    actuals = forecasts.assign(product=["1", "1"], quantity=[1.0, 1.0]).drop(columns="mean")
    with pytest.raises(
        oc.SchemaError, match=r"forecasts\['product'\] holds integer ids .* actuals\['product'\]"
    ):
        oc.score_forecasts(forecasts, actuals, metrics=["mae"])
