"""Scoring long forecast frames against long actuals: one tidy frame of accuracy metrics.

The metric definitions are those of the array functions in :mod:`._metrics`; here they are
computed per series (and per cell of the reporting columns) from frames, then averaged.

The in-sample scales and weights come from ``history`` placed on a regular date grid, as
:func:`~omnichannel.forecast_demand` reads sales: a series runs from its first row to the last
date of ``history``, and a grid date without a row counts as no sales. The grid is handled
sparsely (only the rows and their lagged partners are touched), so no dense
``(series, time)`` array is built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError, SchemaError
from .._validation import (
    Column,
    FrameSchema,
    check_frame,
    check_id_kinds,
    check_int,
    datetime_to_ns,
    fail_at_rows,
    short_repr,
)
from ._metrics import _is_quantile_column, _safe_ratio, quantile_level
from ._panel import _infer_freq, _offset, _zone

if TYPE_CHECKING:
    from pandas.tseries.offsets import BaseOffset

__all__ = ["FORECAST_METRICS", "ForecastMetric", "score_forecasts"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_FUNC = "score_forecasts"
# Internal merge columns; names no caller's frame is expected to use.
_CODE = "__score_series__"
_TIME = "__score_date_ns__"

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


def _check_time_zones(forecasts: pd.DataFrame, actuals: pd.DataFrame) -> None:
    """Forecast and actual dates are matched exactly: both naive, or both in one zone."""
    zones = [getattr(frame["date"].dt, "tz", None) for frame in (forecasts, actuals)]
    names = [None if z is None else str(z) for z in zones]
    if names[0] != names[1]:
        raise SchemaError(
            f"forecasts['date'] is {_zone(zones[0])} but actuals['date'] is {_zone(zones[1])}; "
            f"{_FUNC} matches them by date, so both must be naive or in the same time zone. "
            "Convert one first, e.g. frame['date'].dt.tz_localize(None) to keep the wall-clock "
            "dates, or .dt.tz_localize(zone) / .dt.tz_convert(zone)."
        )


def _with_time(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` plus its dates as integer nanoseconds: a merge key free of unit and zone dtype."""
    return frame.assign(**{_TIME: datetime_to_ns(frame["date"])[0]})


def _history_series(
    history: pd.DataFrame, ids: list[str], keys: pd.DataFrame
) -> tuple[IntArray, IntArray]:
    """Series code of every history row, and the row of ``keys`` of each code (-1: not scored).

    NaN ids (the aggregate levels of a hierarchy) form series of their own.
    """
    if not ids:
        return np.zeros(len(history), dtype=np.int64), np.zeros(1, dtype=np.int64)
    # Codes number the series in order of their first row (sort=False).
    group = history.groupby(ids, sort=False, dropna=False, observed=True).ngroup()
    code = np.asarray(group, dtype=np.int64)
    first_rows = history[ids].iloc[np.flatnonzero(~group.duplicated().to_numpy())]
    lookup = keys.assign(**{_CODE: np.arange(len(keys))})
    joined = first_rows.merge(lookup, on=ids, how="left", sort=False)[_CODE]
    at = joined.to_numpy(dtype=np.float64, na_value=np.nan)
    return code, np.where(np.isnan(at), -1, at).astype(np.int64)


def _history_times(history: pd.DataFrame, ids: list[str], freq: object) -> tuple[IntArray, int]:
    """Position of every history row on the regular date grid of ``history``, and its length.

    The grid runs from the first to the last history date, with the frequency ``freq`` or the
    one :func:`forecast_demand` infers; aware dates are read as wall-clock dates, as there.
    """
    dates = pd.DatetimeIndex(history["date"])
    if dates.tz is not None:
        dates = dates.tz_localize(None)
    unique = dates.unique().sort_values()
    if freq is None and len(unique) < 2:
        # One date: every row sits on it, whatever the frequency.
        return np.zeros(len(history), dtype=np.int64), 1
    if freq is None:
        try:
            offset = _infer_freq(unique, _FUNC)
        except InvalidParameterError:
            step = pd.Timedelta(int(np.diff(unique.as_unit("ns").asi8).min()))
            raise InvalidParameterError(
                f"{_FUNC} could not infer the frequency of the history dates (smallest step "
                f"{step}); pass freq=..., e.g. freq='D', 'W-MON' or 'MS'."
            ) from None
    else:
        offset = freq
    grid = pd.date_range(unique[0], unique[-1], freq=offset)
    time = grid.get_indexer(dates) if len(grid) else np.full(len(dates), -1)
    start = f" starting {grid[0].date()}" if len(grid) else ""
    fail_at_rows(
        time < 0,
        history,
        "history",
        f"has dates off the regular {offset.freqstr} grid{start}",
        "Aggregate the rows to the grid first, or pass the right freq=....",
        keys=(*ids, "date"),
    )
    return time.astype(np.int64), len(grid)


def _series_scales(
    history: pd.DataFrame,
    ids: list[str],
    keys: pd.DataFrame,
    season_length: int,
    window: int,
    freq: object,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per series of ``keys``: mean |d|, mean d**2 and dollar (or unit) sales of the last dates.

    ``d`` are the lag-``season_length`` differences on the date grid from the first non-zero
    sale of the series to the last date of ``history`` (absent dates are 0); the sales are
    those of the last ``window`` grid dates, the same dates for every series (M5).
    """
    if len(history) == 0:
        raise SchemaError(
            f"history has no rows; pass the in-sample history of every series {_FUNC} scores."
        )
    n_keys = len(keys)
    group, to_key = _history_series(history, ids, keys)
    seen = np.zeros(n_keys, dtype=bool)
    seen[to_key[to_key >= 0]] = True
    if not seen.all():
        first_missing = keys.iloc[int(np.flatnonzero(~seen)[0])].to_dict()
        raise SchemaError(
            f"history has no rows for {int((~seen).sum())} forecast series; first "
            f"{first_missing}. Pass the in-sample history of every series scored."
        )
    time, n_time = _history_times(history, ids, freq)

    # The grid is sparse: cell g * n_time + t is series g on grid date t; one stable sort
    # finds duplicate rows and serves as the lookup table of the lagged values.
    cell = group * n_time + time
    order = np.argsort(cell, kind="stable")
    sorted_cell = cell[order]
    del cell  # the arrays here are as long as history: keep few alive at once
    again = np.r_[False, sorted_cell[1:] == sorted_cell[:-1]]
    if again.any():
        bad = np.zeros(len(history), dtype=bool)
        bad[order[again]] = True
        fail_at_rows(
            bad,
            history,
            "history",
            f"has a duplicate of an earlier row on key {[*ids, 'date']}",
            "Aggregate or drop duplicates first.",
            keys=(*ids, "date"),
        )
    del again
    rows, c, k = order, sorted_cell, to_key[group[order]]
    del group, order, sorted_cell
    if (k < 0).any():  # rows of series that are not scored only placed the grid
        scored = k >= 0
        rows, c, k = rows[scored], c[scored], k[scored]
    t = time[rows]
    del time
    qty = history["quantity"].to_numpy(dtype=np.float64)[rows]
    m = season_length

    # First non-zero sale of each series on the grid (n_time when it never sold).
    first_nz = np.full(n_keys, n_time, dtype=np.int64)
    nz = qty != 0
    np.minimum.at(first_nz, k[nz], t[nz])
    # A difference y[t] - y[t - m] can be non-zero only where a row sits at t (its own
    # difference, with the row m dates earlier or 0) or at t - m with no row at t (0 - y).
    pos = np.minimum(np.searchsorted(c, c - m), c.size - 1)
    hit = (t >= m) & (c[pos] == c - m)
    prev = np.where(hit, qty[pos], 0.0)
    own = t - m >= first_nz[k]
    has_next = np.zeros(c.size, dtype=bool)
    has_next[pos[hit]] = True
    alone = ~has_next & (t + m < n_time) & (t >= first_nz[k])
    diff = np.concatenate([(qty - prev)[own], -qty[alone]])
    diff_k = np.concatenate([k[own], k[alone]])
    count = np.maximum(n_time - m - first_nz, 0).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        abs_scale = np.bincount(diff_k, weights=np.abs(diff), minlength=n_keys) / count
        sq_scale = np.bincount(diff_k, weights=diff**2, minlength=n_keys) / count

    dollars = qty
    if "price" in history.columns:
        dollars = qty * history["price"].to_numpy(dtype=np.float64)[rows]
    recent = t >= n_time - window
    sales = np.bincount(k, weights=np.where(recent, dollars, 0.0), minlength=n_keys)
    return abs_scale, sq_scale, sales.astype(np.float64)


def _weights_of(weights: object, ids: list[str], keys: pd.DataFrame) -> FloatArray:
    """WRMSSE/WSPL weight of every series of ``keys`` from a ``weights`` frame (0 if absent)."""
    frame = check_frame(weights, _WEIGHTS)
    lacking = [c for c in ids if c not in frame.columns]
    if lacking:
        raise SchemaError(
            f"weights is missing id column(s) {lacking} of {_FUNC}; got "
            f"{short_repr([str(c) for c in frame.columns])}. It needs the id columns {ids} and "
            "'weight', one row per series."
        )
    if not ids:
        if len(frame) != 1:
            raise SchemaError(
                f"weights must have one row when the forecasts have no id column; got {len(frame)}."
            )
        return frame["weight"].to_numpy(dtype=np.float64)
    check_frame(frame, FrameSchema("weights", (), key=tuple(ids)))
    joined = keys.merge(frame[[*ids, "weight"]], on=ids, how="left", sort=False)
    return joined["weight"].fillna(0.0).to_numpy(dtype=np.float64)


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
    freq: str | BaseOffset | None = None,
) -> pd.DataFrame:
    """Score long forecast frames against actuals: a tidy frame of accuracy metrics.

    Every metric is first computed per series (and per cell of ``by`` columns that vary within
    a series, such as ``horizon``), then averaged over the series of each ``by`` group;
    ``wrmsse`` and ``wspl`` are weighted averages instead (M5 weights: dollar sales of each
    series over the last ``weight_window`` periods of ``history``, or ``weights``).

    ``history`` is read on a regular date grid, the way :func:`forecast_demand` reads sales:
    each series runs from its first row to the last date of ``history``, and a grid date
    without a row counts as no sales. Writing the same history with or without its zero-sales
    rows, or in any row order, gives the same scores. The MASE/SPL scale is the mean absolute
    and the RMSSE/WRMSSE scale the mean squared lag-``season_length`` difference on that grid,
    from the first non-zero sale of the series on (M5); the weights are the (dollar) sales of
    the last ``weight_window`` grid dates, the same dates for every series.

    Parameters
    ----------
    forecasts : pandas.DataFrame
        The id columns, ``date``, ``mean`` and quantile columns named ``q<level>`` (``q0.05``,
        ``q0.9``; see :func:`quantile_column`), e.g. ``DemandForecast.to_frame()``.
    actuals : pandas.DataFrame
        The id columns, ``date`` and ``quantity``: one row per forecast row.
    history : pandas.DataFrame, optional
        The in-sample id columns, ``date``, ``quantity`` and optionally ``price``: at most one
        row per series and date, on a regular grid (dates without a row are zero sales). Needed
        for the scaled and weighted metrics. Aware dates are read as wall-clock dates.
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
        Grid dates at the end of ``history`` whose sales weight each series.
    freq : str or pandas offset, optional
        Frequency of the ``history`` grid (``"D"``, ``"W-MON"``, ``"MS"``...); inferred from
        the history dates as :func:`forecast_demand` does when omitted. Pass it when every
        other period of a series is missing, which an inferred grid would skip.

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
        On missing columns (also id columns of ``history`` or ``weights``), wrong types,
        duplicate (series, date) rows in ``forecasts``, ``actuals`` or ``history``, duplicate
        series in ``weights``, forecast and actual dates in different time zones (or one
        naive), forecast rows without an actual, history dates off the grid, or scored series
        missing from ``history``.
    InvalidParameterError
        On unknown metrics, metrics the inputs cannot support, bad ``by``/``quantiles``/``freq``,
        or history dates whose frequency cannot be inferred.

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

    The naive scale of MASE comes from the history on its date grid, so leaving out the
    zero-sales rows changes nothing (here the mean absolute daily change is 8/3):

    >>> hist = pd.DataFrame({"product": "a", "date": pd.date_range("2023-12-28", periods=4),
    ...                      "quantity": [2.0, 0.0, 4.0, 2.0]})
    >>> sparse = hist[hist["quantity"] > 0]
    >>> oc.score_forecasts(fc, act, history=hist, metrics=["mase"])
      metric  nominal  value
    0   mase      NaN   0.75
    >>> oc.score_forecasts(fc, act, history=sparse, metrics=["mase"])
      metric  nominal  value
    0   mase      NaN   0.75
    """
    func = _FUNC
    check_frame(forecasts, _FORECASTS)
    check_frame(actuals, _ACTUALS)
    _check_time_zones(forecasts, actuals)
    offset = _offset(freq, func)
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
    for col in id_cols:
        check_id_kinds(fc[col], f"forecasts[{col!r}]", actuals[col], f"actuals[{col!r}]")
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
    # Match on integer nanoseconds: equal dates of another unit or zone object still match.
    merged = _with_time(fc).merge(
        _with_time(actuals[[*key, "quantity"]]).drop(columns="date"),
        on=[*id_cols, _TIME],
        how="left",
        sort=False,
    )
    merged = merged.drop(columns=_TIME)
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

    n_series = int(series.max()) + 1
    keys = (
        merged.groupby(series, sort=True)[id_cols].first().reset_index(drop=True)
        if id_cols
        else pd.DataFrame(index=range(n_series))
    )
    abs_scale = sq_scale = sales = np.full(n_series, np.nan)
    if history is not None:
        check_frame(history, _HISTORY)
        gone = [c for c in id_cols if c not in history.columns]
        if gone:
            raise SchemaError(f"history is missing id column(s) {gone} of {func}.")
        for col in id_cols:
            check_id_kinds(history[col], f"history[{col!r}]", fc[col], f"forecasts[{col!r}]")
        abs_scale, sq_scale, sales = _series_scales(history, id_cols, keys, m, window, offset)
    if weights is not None:
        sales = _weights_of(weights, id_cols, keys)
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
