"""forecast_demand on awkward but legitimate inputs: gaps with regressors, a quiet end, time zones,
nullable dtypes, new products; and clear errors for user mistakes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import omnichannel as oc

DATES = pd.date_range("2024-01-01", periods=120, freq="D")


def _priced(seed: int = 0) -> pd.DataFrame:
    """Four products whose price changes weekly; higher prices sell less."""
    rng = np.random.default_rng(seed)
    frames = []
    for product in "ABCD":
        weekly = rng.choice([4.0, 5.0, 6.0], size=len(DATES) // 7 + 1)
        price = np.repeat(weekly, 7)[: len(DATES)]
        quantity = rng.poisson(3.0 * np.exp(-0.5 * (price - 5.0)))
        frames.append(pd.DataFrame({"date": DATES, "product": product, "price": price}))
        frames[-1]["quantity"] = quantity
    return pd.concat(frames, ignore_index=True)


def _future(frame: pd.DataFrame, horizon: int) -> pd.DataFrame:
    dates = pd.date_range(frame["date"].max() + pd.Timedelta(days=1), periods=horizon, freq="D")
    products = frame[["product"]].drop_duplicates()
    return products.merge(pd.DataFrame({"date": dates}), how="cross").assign(price=5.0)


# ---------------------------------------------------------------------------------------------
# Regressors on dates without a row


def test_a_gap_in_a_regressor_is_an_error_that_names_the_series_and_date() -> None:
    dense = _priced()
    sparse = dense[dense["quantity"] > 0]
    kwargs = {"horizon": 7, "model": oc.CountModel(), "exog": ["price"]}
    with pytest.raises(oc.SchemaError, match=r"no row for product='A', date=2024-01-\d\d.*'price'"):
        oc.forecast_demand(sparse, future=_future(dense, 7), **kwargs)  # type: ignore[arg-type]


def test_forward_filled_gaps_equal_the_dense_frame_when_prices_hold_between_rows() -> None:
    # Prices change only at the start of a week; a dropped zero-sales row in mid-week carries the
    # week's price, so forward filling restores it exactly (unless the week's first row is gone).
    dense = _priced()
    week_start = dense["date"].dt.day_of_week == DATES[0].day_of_week
    sparse = dense[(dense["quantity"] > 0) | week_start]
    kwargs = {"horizon": 7, "model": oc.CountModel(), "exog": ["price"]}
    future = _future(dense, 7)
    want = oc.forecast_demand(dense, future=future, **kwargs)  # type: ignore[arg-type]
    got = oc.forecast_demand(sparse, future=future, exog_fill="ffill", **kwargs)  # type: ignore[arg-type]
    assert len(sparse) < len(dense)
    np.testing.assert_allclose(got.mean, want.mean, rtol=1e-10)
    assert got.params["coef_price"].iloc[0] < 0  # higher prices sell less
    per_column = oc.forecast_demand(
        sparse,
        future=future,
        exog_fill={"price": "ffill"},
        **kwargs,  # type: ignore[arg-type]
    )
    np.testing.assert_allclose(per_column.mean, want.mean, rtol=1e-10)


def test_a_number_fills_a_promotion_flag() -> None:
    dense = _priced().assign(promotion=lambda f: (f["date"].dt.day % 9 == 0).astype(float))
    dropped = (dense["quantity"] == 0) & (dense["promotion"] == 0)
    future = _future(dense, 7).assign(promotion=0.0)
    kwargs = {"horizon": 7, "model": oc.CountModel(), "exog": ["promotion"], "future": future}
    want = oc.forecast_demand(dense.drop(columns="price"), **kwargs)  # type: ignore[arg-type]
    got = oc.forecast_demand(dense[~dropped].drop(columns="price"), exog_fill=0.0, **kwargs)  # type: ignore[arg-type]
    np.testing.assert_allclose(got.mean, want.mean, rtol=1e-10)


@pytest.mark.parametrize(
    ("rule", "match"),
    [
        ({"cost": "ffill"}, "names \\['cost'\\]"),
        ("bfill", "must be None, 'ffill', a finite number"),
        (float("nan"), "must be None, 'ffill', a finite number"),
    ],
)
def test_exog_fill_is_checked(rule: object, match: str) -> None:
    dense = _priced()
    with pytest.raises(oc.InvalidParameterError, match=match):
        oc.forecast_demand(
            dense,
            horizon=3,
            model=oc.CountModel(),
            exog=["price"],
            future=_future(dense, 3),
            exog_fill=rule,
        )


def test_nullable_boolean_flags_work_like_numpy_booleans() -> None:
    sales = pd.DataFrame(
        {
            "date": DATES[:40],
            "product": "A",
            "quantity": np.arange(40) % 5,
            "promotion": DATES[:40].day % 6 == 0,
        }
    )
    future = pd.DataFrame(
        {"date": pd.date_range(DATES[40], periods=3), "product": "A", "promotion": True}
    )
    kwargs = {"horizon": 3, "model": oc.CountModel(), "exog": ["promotion"]}
    want = oc.forecast_demand(sales, future=future, **kwargs)  # type: ignore[arg-type]
    got = oc.forecast_demand(
        sales.convert_dtypes(),
        future=future.convert_dtypes(),
        **kwargs,  # type: ignore[arg-type]
    )
    assert str(sales.convert_dtypes()["promotion"].dtype) == "boolean"
    np.testing.assert_allclose(got.mean, want.mean)


# ---------------------------------------------------------------------------------------------
# The end of the history and time zones


def _quiet_end() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A slow mover that sold nothing on its last three days: with and without zero rows."""
    dense = pd.DataFrame({"date": DATES[:21], "product": "A", "quantity": 0})
    dense.loc[:17, "quantity"] = np.arange(18) % 4 + 1
    return dense, dense[dense["quantity"] > 0]


def test_end_restores_the_dates_without_sales_at_the_end_of_the_history() -> None:
    dense, sparse = _quiet_end()
    model = oc.SeasonalNaive(7)
    want = oc.forecast_demand(dense, horizon=3, model=model)
    got = oc.forecast_demand(sparse, horizon=3, model=model, end=DATES[20])
    unaware = oc.forecast_demand(sparse, horizon=3, model=model)
    assert got.dates.equals(want.dates)
    np.testing.assert_allclose(got.mean, want.mean)
    assert unaware.dates[0] == DATES[18]  # without end= the grid stops at the last row


@pytest.mark.parametrize(
    ("end", "match"),
    [
        (DATES[10], "must not precede the last sales date"),
        (DATES[20] + pd.Timedelta(hours=6), "on the D grid"),
        (DATES[20].tz_localize("UTC"), "without a time zone"),
        ("not a date", "without a time zone"),
    ],
)
def test_end_is_checked(end: object, match: str) -> None:
    _, sparse = _quiet_end()
    with pytest.raises(oc.InvalidParameterError, match=match):
        oc.forecast_demand(sparse, horizon=3, model=oc.SeasonalNaive(7), end=end)


def test_forecast_dates_keep_the_time_zone_of_the_sales() -> None:
    dense, _ = _quiet_end()
    berlin = dense.assign(date=dense["date"].dt.tz_localize("Europe/Berlin"))
    fc = oc.forecast_demand(berlin, horizon=3, model=oc.SeasonalNaive(7))
    frame = fc.to_frame()
    assert str(fc.dates.tz) == "Europe/Berlin"
    assert str(frame["date"].dt.tz) == "Europe/Berlin"
    assert frame["date"].iloc[0] == pd.Timestamp("2024-01-22", tz="Europe/Berlin")
    assert str(fc.history_dates.tz) == "Europe/Berlin"
    paths = fc.sample_paths(5)
    assert isinstance(paths, pd.DataFrame)
    assert str(paths["date"].dt.tz) == "Europe/Berlin"
    # Scored against the actuals in the same zone, the forecast lines up date by date.
    truth = frame[["product", "date"]].assign(quantity=1.0)
    merged = frame.merge(truth, on=["product", "date"])
    assert len(merged) == len(frame)


def test_future_regressors_in_another_time_form_are_an_error() -> None:
    dense = _priced()
    with pytest.raises(oc.SchemaError, match="future\\['date'\\] is in time zone UTC"):
        oc.forecast_demand(
            dense,
            horizon=3,
            model=oc.CountModel(),
            exog=["price"],
            future=_future(dense, 3).assign(date=lambda f: f["date"].dt.tz_localize("UTC")),
        )


# ---------------------------------------------------------------------------------------------
# New products


@pytest.mark.parametrize(
    "model",
    [oc.SeasonalNaive(7), oc.ETS(season_length=7), oc.ETS()],
    ids=["seasonal_naive", "ets_weekly", "ets"],
)
def test_a_product_with_one_observation_borrows_the_panel_spread(model: object) -> None:
    rng = np.random.default_rng(0)
    old = pd.DataFrame({"date": DATES[:60], "product": "OLD", "quantity": rng.poisson(5, 60)})
    new = pd.DataFrame({"date": DATES[59:60], "product": "NEW", "quantity": [4]})
    fc = oc.forecast_demand(pd.concat([old, new]), horizon=3, model=model)  # type: ignore[arg-type]
    frame = fc.to_frame().set_index("product")
    width = frame["q0.95"] - frame["q0.05"]
    assert (width.loc["NEW"] > 0).all()
    # The same spread relative to the level as the established product.
    old_ratio = width.loc["OLD"].iloc[0] / abs(fc.mean[1, 0])
    new_ratio = width.loc["NEW"].iloc[0] / abs(fc.mean[0, 0])
    assert new_ratio == pytest.approx(old_ratio, rel=0.5)


# ---------------------------------------------------------------------------------------------
# Parameters and user mistakes


def test_quantile_levels_equal_up_to_rounding_are_one_level() -> None:
    dense, _ = _quiet_end()
    fc = oc.forecast_demand(dense, horizon=2, model=oc.SeasonalNaive(7), quantiles=[0.05, 1 - 0.95])
    assert fc.levels == (0.05,)
    assert [c for c in fc.to_frame().columns if c.startswith("q")] == ["q0.05"]


@pytest.mark.parametrize(
    ("quantiles", "match"),
    [
        (["0.9"], "sequence of numbers strictly between 0 and 1"),
        (0.9, "sequence of numbers strictly between 0 and 1"),
        ([True], "sequence of numbers strictly between 0 and 1"),
        ([0.1234561, 0.1234562], "would collide"),
    ],
)
def test_quantiles_are_checked(quantiles: object, match: str) -> None:
    dense, _ = _quiet_end()
    with pytest.raises(oc.InvalidParameterError, match=match):
        oc.forecast_demand(dense, horizon=2, model=oc.SeasonalNaive(7), quantiles=quantiles)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["level", "mean", "sample", "q0.9"])
def test_id_columns_named_like_output_columns_are_refused(name: str) -> None:
    dense, _ = _quiet_end()
    frame = dense.rename(columns={"product": name})
    with pytest.raises(oc.InvalidParameterError, match="Rename the id column"):
        oc.forecast_demand(frame, horizon=2, model=oc.SeasonalNaive(7), ids=[name])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"sales": [1, 2]}, oc.SchemaError, "must be a pandas DataFrame"),
        ({"model": oc.ETS}, oc.InvalidParameterError, "model option object"),
        ({"freq": "bogus"}, oc.InvalidParameterError, "'freq' parameter"),
        ({"exog": ["product"]}, oc.InvalidParameterError, "'exog' parameter .* id column"),
    ],
)
def test_user_mistakes_get_clear_errors(
    kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    dense, _ = _quiet_end()
    call: dict[str, object] = {"sales": dense, "horizon": 2, "model": oc.SeasonalNaive(7)}
    with pytest.raises(error, match=match):
        oc.forecast_demand(**{**call, **kwargs})  # type: ignore[arg-type]


def test_a_too_short_history_for_mint_says_so_in_forecast_demand_terms() -> None:
    sales = pd.DataFrame(
        {
            "date": np.tile(DATES[:6], 2),
            "product": np.repeat(["A", "B"], 6),
            "quantity": np.arange(12) % 4,
        }
    )
    with pytest.raises(oc.InvalidParameterError, match="fewer than 2 on every series over the 6"):
        oc.forecast_demand(
            sales,
            horizon=3,
            model=oc.SeasonalNaive(7),
            hierarchy="grouped",
            reconcile="mint_shrink",
        )


def test_where_on_a_nested_hierarchy_sums_the_matching_bottom_series() -> None:
    rng = np.random.default_rng(0)
    keys = pd.MultiIndex.from_product(
        [DATES[:40], ["store", "web"], ["S01", "S02"], ["P001", "P002"]],
        names=["date", "channel", "location", "product"],
    ).to_frame(index=False)
    sales = keys.assign(quantity=rng.poisson(4, len(keys)))
    fc = oc.forecast_demand(
        sales, horizon=7, model=oc.SeasonalNaive(7), hierarchy="nested", reconcile="ols"
    )
    rows = fc.select({"product": "P001"})
    assert len(rows) == 4
    assert fc.nodes.iloc[rows]["product"].eq("P001").all()
    assert fc.nodes.iloc[rows][["channel", "location"]].notna().all().all()
    # A level that exists (channel) is still picked directly.
    assert len(fc.select({"channel": "web"})) == 1
    with pytest.raises(oc.InvalidParameterError, match="must map id columns"):
        fc.select([("product", "P001")])  # type: ignore[arg-type]


@pytest.mark.parametrize("levels", [0.9, "0.9", ["0.9"], [1.5]])
def test_lead_time_demand_levels_are_checked(levels: object) -> None:
    dense, _ = _quiet_end()
    fc = oc.forecast_demand(dense, horizon=3, model=oc.SeasonalNaive(7))
    with pytest.raises(oc.InvalidParameterError, match="'levels' parameter"):
        fc.lead_time_demand(2, levels=levels)  # type: ignore[arg-type]
