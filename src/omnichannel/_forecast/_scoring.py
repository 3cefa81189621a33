"""Scoring long forecast frames against long actuals: one tidy frame of accuracy metrics.

The metric definitions are those of the array functions in :mod:`._metrics`; here they are
computed per series (and per cell of the reporting columns) from frames, then averaged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError, SchemaError
from .._validation import Column, FrameSchema, check_frame, check_int, fail_at_rows, short_repr
from ._metrics import _is_quantile_column, _safe_ratio, quantile_level

__all__ = ["FORECAST_METRICS", "ForecastMetric", "score_forecasts"]

FloatArray = npt.NDArray[np.float64]

ForecastMetric = Literal[
    "mae",
    "rmse",
    "bias",
    "mase",
    "rmsse",
    "wrmsse",
    "pinball",
    "spl",
    "wspl",
    "coverage",
    "quantile_coverage",
]
#: Metrics :func:`score_forecasts` knows, in output order.
FORECAST_METRICS: tuple[ForecastMetric, ...] = get_args(ForecastMetric)
_NEEDS_HISTORY = frozenset({"mase", "rmsse", "wrmsse", "spl", "wspl"})
_NEEDS_QUANTILES = frozenset({"pinball", "spl", "wspl", "coverage", "quantile_coverage"})

_FORECASTS = FrameSchema(
    "forecasts", (Column("date", "datetime"), Column("mean", "number", required=False))
)
_ACTUALS = FrameSchema("actuals", (Column("date", "datetime"), Column("quantity", "number")))
_HISTORY = FrameSchema(
    "history",
    (
        Column("date", "datetime"),
        Column("quantity", "number"),
        Column("price", "number", required=False),
    ),
)
_WEIGHTS = FrameSchema("weights", (Column("weight", "count"),))


def _check_metrics(metrics: object, has_history: bool, has_quantiles: bool) -> list[str]:
    func = "score_forecasts"
    if metrics is None:
        chosen: list[str] = [
            m
            for m in FORECAST_METRICS
            if (has_history or m not in _NEEDS_HISTORY)
            and (has_quantiles or m not in _NEEDS_QUANTILES)
        ]
        return chosen
    items = [metrics] if isinstance(metrics, str) else list(metrics)  # type: ignore[call-overload]
    unknown = [m for m in items if m not in FORECAST_METRICS]
    if unknown or not items:
        raise InvalidParameterError(
            f"The 'metrics' parameter of {func} must name metrics among {list(FORECAST_METRICS)}. "
            f"Got {short_repr(metrics)} instead."
        )
    if not has_history and (need := [m for m in items if m in _NEEDS_HISTORY]):
        raise InvalidParameterError(
            f"Metrics {need} of {func} are scaled by the in-sample naive error: pass "
            "history=<frame with the id columns, 'date' and 'quantity'>."
        )
    if not has_quantiles and (need := [m for m in items if m in _NEEDS_QUANTILES]):
        raise InvalidParameterError(
            f"Metrics {need} of {func} need quantile columns such as 'q0.9' in forecasts."
        )
    return [m for m in FORECAST_METRICS if m in items]


def _series_scales(
    history: pd.DataFrame, ids: list[str], keys: pd.DataFrame, season_length: int, window: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per series of ``keys``: mean |d|, mean d**2 and dollar (or unit) sales of the last days."""
    frame = history.sort_values([*ids, "date"], kind="stable")
    code = frame.groupby(ids, sort=False, dropna=False, observed=True).ngroup().to_numpy()
    qty = frame["quantity"].to_numpy(dtype=np.float64)
    n_groups = int(code.max()) + 1 if code.size else 0
    sizes = np.bincount(code, minlength=n_groups)
    first = np.cumsum(sizes) - sizes
    pos = np.arange(code.size) - first[code]
    # positions from the first non-zero value of each series on
    nz_pos = np.where(qty != 0, pos, np.iinfo(np.int64).max)
    first_nz = np.full(n_groups, np.iinfo(np.int64).max)
    np.minimum.at(first_nz, code, nz_pos)
    m = season_length
    prev = np.full(code.size, np.nan)
    prev[m:] = qty[:-m]
    ok = (pos >= m) & (pos - m >= first_nz[code])
    diff = np.where(ok, qty - np.nan_to_num(prev), 0.0)
    count = np.bincount(code, weights=ok.astype(np.float64), minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        abs_scale = np.bincount(code, weights=np.abs(diff), minlength=n_groups) / count
        sq_scale = np.bincount(code, weights=diff**2, minlength=n_groups) / count
    recent = pos >= sizes[code] - window
    dollars = qty * frame["price"].to_numpy(dtype=np.float64) if "price" in frame else qty
    sales = np.bincount(code, weights=np.where(recent, dollars, 0.0), minlength=n_groups)
    table = pd.DataFrame({"_abs": abs_scale, "_sq": sq_scale, "_sales": sales})
    table = pd.concat([frame.iloc[first][ids].reset_index(drop=True), table], axis=1)
    joined = keys.merge(table, on=ids, how="left", sort=False)
    missing = joined["_abs"].isna() & joined["_sq"].isna() & joined["_sales"].isna()
    if missing.to_numpy().any():
        first_missing = keys.iloc[int(np.flatnonzero(missing.to_numpy())[0])].to_dict()
        raise SchemaError(
            f"history has no rows for {int(missing.sum())} forecast series; first "
            f"{first_missing}. Pass the in-sample history of every series scored."
        )
    return (
        joined["_abs"].to_numpy(dtype=np.float64),
        joined["_sq"].to_numpy(dtype=np.float64),
        joined["_sales"].to_numpy(dtype=np.float64),
    )


def score_forecasts(
    forecasts: pd.DataFrame,
    actuals: pd.DataFrame,
    *,
    history: pd.DataFrame | None = None,
    metrics: Sequence[ForecastMetric] | None = None,
    by: Sequence[str] | str | None = None,
    season_length: int = 1,
    quantiles: Sequence[float] | None = None,
    ids: Sequence[str] | None = None,
    weights: pd.DataFrame | None = None,
    weight_window: int = 28,
) -> pd.DataFrame:
    """Score long forecast frames against actuals: a tidy frame of accuracy metrics.

    Every metric is first computed per series (and per cell of ``by`` columns that vary within
    a series, such as ``horizon``), then averaged over the series of each ``by`` group;
    ``wrmsse`` and ``wspl`` are weighted averages instead (M5 weights: dollar sales of each
    series over the last ``weight_window`` periods of ``history``, or ``weights``).

    Parameters
    ----------
    forecasts : pandas.DataFrame
        The id columns, ``date``, ``mean`` and quantile columns named ``q<level>`` (``q0.05``,
        ``q0.9``; see :func:`quantile_column`), e.g. ``DemandForecast.to_frame()``.
    actuals : pandas.DataFrame
        The id columns, ``date`` and ``quantity``: one row per forecast row.
    history : pandas.DataFrame, optional
        The in-sample id columns, ``date``, ``quantity`` and optionally ``price``: consecutive
        periods of every scored series. Needed for the scaled and weighted metrics.
    metrics : sequence of str, optional
        Among ``"mae"``, ``"rmse"``, ``"bias"``, ``"mase"``, ``"rmsse"``, ``"wrmsse"``,
        ``"pinball"``, ``"spl"``, ``"wspl"``, ``"coverage"``, ``"quantile_coverage"``. By
        default, every metric the inputs allow.
    by : str or sequence of str, optional
        Columns of ``forecasts`` to report by (e.g. the id columns for one row per series,
        ``"channel"``, or ``"horizon"``, the step ahead, computed when absent). One overall
        row per metric when omitted.
    season_length : int, default 1
        Lag of the naive forecast in the scales.
    quantiles : sequence of float, optional
        Quantile levels to score; all ``q...`` columns of ``forecasts`` by default.
    ids : sequence of str, optional
        Id columns; by default the columns shared by ``forecasts`` and ``actuals`` other than
        ``date``, ``mean``, ``quantity`` and quantile columns.
    weights : pandas.DataFrame, optional
        The id columns and ``weight``: WRMSSE/WSPL weights instead of the sales of ``history``.
    weight_window : int, default 28
        Periods at the end of ``history`` whose sales weight each series.

    Returns
    -------
    pandas.DataFrame
        Columns ``by...``, ``metric``, ``nominal`` and ``value``. ``nominal`` is the quantile
        level for ``pinball``, ``spl``, ``wspl`` and ``quantile_coverage``, the nominal interval
        coverage ``1 - 2 tau`` for ``coverage`` (intervals from the quantile pairs ``tau``,
        ``1 - tau``), and NaN for point metrics and for the level-averaged ``wspl`` (the M5
        uncertainty score).

    Raises
    ------
    SchemaError
        On missing columns, wrong types, duplicate (series, date) rows, forecast rows without
        an actual, or scored series missing from ``history``.
    InvalidParameterError
        On unknown metrics, metrics the inputs cannot support, or bad ``by``/``quantiles``.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> dates = pd.date_range("2024-01-01", periods=2)
    >>> fc = pd.DataFrame({"product": ["a", "a"], "date": dates, "mean": [2.0, 2.0],
    ...                    "q0.1": [1.0, 1.0], "q0.9": [4.0, 4.0]})
    >>> act = pd.DataFrame({"product": ["a", "a"], "date": dates, "quantity": [1.0, 5.0]})
    >>> oc.score_forecasts(fc, act, metrics=["mae", "coverage"])
         metric  nominal  value
    0       mae      NaN    2.0
    1  coverage      0.8    0.5
    """
    func = "score_forecasts"
    check_frame(forecasts, _FORECASTS)
    check_frame(actuals, _ACTUALS)
    m = check_int(season_length, "season_length", func=func, low=1)
    window = check_int(weight_window, "weight_window", func=func, low=1)
    assert m is not None
    assert window is not None
    qcols = {quantile_level(str(c)): str(c) for c in forecasts.columns if _is_quantile_column(c)}
    if quantiles is not None:
        wanted = [float(q) for q in quantiles]
        absent = [q for q in wanted if q not in qcols]
        if absent:
            raise InvalidParameterError(
                f"The 'quantiles' parameter of {func} asks for levels {absent} that forecasts "
                f"has no column for; quantile columns present: {sorted(qcols.values())}."
            )
        qcols = {q: qcols[q] for q in wanted}
    levels = np.array(sorted(qcols))
    chosen = _check_metrics(metrics, history is not None or weights is not None, bool(qcols))
    if history is None and any(x in _NEEDS_HISTORY for x in chosen):
        raise InvalidParameterError(
            f"Metrics {[x for x in chosen if x in _NEEDS_HISTORY]} of {func} need history: the "
            "weights alone do not give the naive scale."
        )
    if "mean" not in forecasts.columns and any(
        x in ("mae", "rmse", "bias", "mase", "rmsse", "wrmsse") for x in chosen
    ):
        raise SchemaError(f"forecasts needs a 'mean' column for the point metrics of {func}.")

    skip = {"date", "mean", "quantity"}
    if ids is None:
        id_cols = [
            str(c)
            for c in forecasts.columns
            if c in actuals.columns and c not in skip and not _is_quantile_column(c)
        ]
    else:
        id_cols = [ids] if isinstance(ids, str) else [str(c) for c in ids]
    for frame, label in ((forecasts, "forecasts"), (actuals, "actuals")):
        lacking = [c for c in id_cols if c not in frame.columns]
        if lacking:
            raise SchemaError(f"{label} is missing id column(s) {lacking} of {func}.")
    by_cols = [] if by is None else ([by] if isinstance(by, str) else [str(c) for c in by])

    key = [*id_cols, "date"]
    fc = forecasts.reset_index(drop=True)
    check_frame(fc, FrameSchema("forecasts", _FORECASTS.columns, key=tuple(key)))
    check_frame(actuals, FrameSchema("actuals", _ACTUALS.columns, key=tuple(key)))
    value_cols = [c for c in ("mean", *qcols.values()) if c in fc.columns]
    for col in value_cols:
        values = fc[col].to_numpy(dtype=np.float64, na_value=np.nan)
        fail_at_rows(
            ~np.isfinite(values),
            fc,
            "forecasts",
            f"has a missing value in {col!r}",
            "Forecasts must be complete.",
            keys=key,
        )
    extra_by = [c for c in by_cols if c not in id_cols]
    for col in extra_by:
        if col not in fc.columns and col != "horizon":
            raise InvalidParameterError(
                f"The 'by' parameter of {func} names {col!r}, which is not a column of "
                f"forecasts; columns: {short_repr([str(c) for c in fc.columns])}."
            )
    merged = fc.merge(actuals[[*key, "quantity"]], on=key, how="left", sort=False)
    fail_at_rows(
        merged["quantity"].isna().to_numpy(),
        merged,
        "forecasts",
        "has no matching actual (same ids and date)",
        "Score only dates covered by actuals.",
        keys=key,
    )
    series = (
        merged.groupby(id_cols, sort=False, dropna=False, observed=True).ngroup().to_numpy()
        if id_cols
        else np.zeros(len(merged), dtype=np.intp)
    )
    if "horizon" in extra_by and "horizon" not in merged.columns:
        merged["horizon"] = merged.groupby(series)["date"].rank(method="first").astype(np.int64)
    unit_codes = merged.groupby(
        [series, *[merged[c] for c in extra_by]], sort=False, dropna=False
    ).ngroup()
    unit = unit_codes.to_numpy()
    n_units = int(unit.max()) + 1
    unit_series = np.zeros(n_units, dtype=np.intp)
    unit_series[unit] = series
    if by_cols:
        group = merged.groupby(by_cols, sort=True, dropna=False, observed=True).ngroup().to_numpy()
        groups = merged.groupby(by_cols, sort=True, dropna=False, observed=True)[by_cols].first()
        groups = groups.reset_index(drop=True)
    else:
        group = np.zeros(len(merged), dtype=np.intp)
        groups = pd.DataFrame(index=[0])
    unit_group = np.zeros(n_units, dtype=np.intp)
    unit_group[unit] = group
    n_groups = len(groups)

    actual = merged["quantity"].to_numpy(dtype=np.float64)
    rows = np.bincount(unit, minlength=n_units).astype(np.float64)

    def per_unit(values: FloatArray) -> FloatArray:
        return np.bincount(unit, weights=values, minlength=n_units) / rows

    abs_scale = sq_scale = sales = np.full(int(series.max()) + 1, np.nan)
    if history is not None:
        check_frame(history, _HISTORY)
        gone = [c for c in id_cols if c not in history.columns]
        if gone:
            raise SchemaError(f"history is missing id column(s) {gone} of {func}.")
        keys = merged.groupby(series, sort=True)[id_cols].first().reset_index(drop=True)
        abs_scale, sq_scale, sales = _series_scales(history, id_cols, keys, m, window)
    if weights is not None:
        check_frame(weights, _WEIGHTS)
        keys = merged.groupby(series, sort=True)[id_cols].first().reset_index(drop=True)
        joined = keys.merge(weights[[*id_cols, "weight"]], on=id_cols, how="left")
        sales = joined["weight"].fillna(0.0).to_numpy(dtype=np.float64)
    weight = sales[unit_series]

    def grouped(values: FloatArray, weighted: bool = False) -> FloatArray:
        ok = np.isfinite(values)
        w = (weight if weighted else np.ones(n_units)) * ok
        num = np.bincount(unit_group, weights=np.where(ok, values, 0.0) * w, minlength=n_groups)
        den = np.bincount(unit_group, weights=w, minlength=n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / den, np.nan)

    out: list[pd.DataFrame] = []

    def emit(name: str, nominal: float, values: FloatArray) -> None:
        part = groups.copy()
        part["metric"] = name
        part["nominal"] = nominal
        part["value"] = values
        out.append(part)

    if "mean" in merged.columns:
        err = merged["mean"].to_numpy(dtype=np.float64) - actual
        mae_u = per_unit(np.abs(err))
        mse_u = per_unit(err**2)
        point: dict[str, Callable[[], FloatArray]] = {
            "mae": lambda: mae_u,
            "rmse": lambda: np.sqrt(mse_u),
            "bias": lambda: per_unit(err),
            "mase": lambda: _safe_ratio(mae_u, abs_scale[unit_series]),
            "rmsse": lambda: np.sqrt(_safe_ratio(mse_u, sq_scale[unit_series])),
        }
        for name, compute in point.items():
            if name in chosen:
                emit(name, np.nan, grouped(compute()))
        if "wrmsse" in chosen:
            emit(
                "wrmsse", np.nan, grouped(np.sqrt(_safe_ratio(mse_u, sq_scale[unit_series])), True)
            )
    if qcols:
        qv = merged[[qcols[q] for q in levels]].to_numpy(dtype=np.float64)
        loss = np.where(
            actual[:, None] >= qv,
            levels * (actual[:, None] - qv),
            (1.0 - levels) * (qv - actual[:, None]),
        )
        spl_all = []
        for j, lv in enumerate(levels):
            pin = per_unit(loss[:, j])
            spl = _safe_ratio(pin, abs_scale[unit_series])
            spl_all.append(spl)
            if "pinball" in chosen:
                emit("pinball", lv, grouped(pin))
            if "spl" in chosen:
                emit("spl", lv, grouped(spl))
            if "wspl" in chosen:
                emit("wspl", lv, grouped(spl, True))
            if "quantile_coverage" in chosen:
                emit(
                    "quantile_coverage",
                    lv,
                    grouped(per_unit((actual <= qv[:, j]).astype(np.float64))),
                )
        if "wspl" in chosen:
            emit("wspl", np.nan, grouped(np.mean(spl_all, axis=0), True))
        if "coverage" in chosen:
            for j, lv in enumerate(levels):
                hi = np.flatnonzero(np.isclose(levels, 1.0 - lv))
                if lv < 0.5 and hi.size:
                    inside = (actual >= qv[:, j]) & (actual <= qv[:, hi[0]])
                    emit(
                        "coverage",
                        round(1.0 - 2.0 * lv, 12),
                        grouped(per_unit(inside.astype(np.float64))),
                    )
    result = pd.concat(out, ignore_index=True)
    order = {name: i for i, name in enumerate(FORECAST_METRICS)}
    result["_order"] = result["metric"].map(order)
    result = result.sort_values(["_order", "nominal", *by_cols], kind="stable", na_position="last")
    result = result.drop(columns="_order").reset_index(drop=True)
    return result[[*by_cols, "metric", "nominal", "value"]]
