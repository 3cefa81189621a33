"""From a long sales frame to dense series on a regular time grid.

One factorisation of the id columns and one of the dates place every row in a ``(series, time)``
array: no loop per series. Rows absent between a series' first date and the end of the grid are
``fill_value`` (no row means no sales); before its first date a series is ``NaN``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError, SchemaError
from .._validation import Column, FrameSchema, check_frame, fail_at_rows, short_repr

__all__ = [
    "ID_COLUMNS",
    "SalesGrid",
    "build_grid",
    "future_dates",
    "future_regressors",
    "id_columns_of",
]

FloatArray = npt.NDArray[np.float64]

#: Id columns a sales frame may carry, in hierarchy order.
ID_COLUMNS: tuple[str, ...] = ("channel", "location", "product")


def id_columns_of(frame: pd.DataFrame, ids: Sequence[str] | None, func: str) -> tuple[str, ...]:
    """Return ``ids`` when given, else the columns of :data:`ID_COLUMNS` present in ``frame``."""
    if ids is None:
        found = tuple(c for c in ID_COLUMNS if c in frame.columns)
        if not found:
            raise SchemaError(
                f"sales needs at least one id column of {list(ID_COLUMNS)} for {func}, or pass "
                f"ids=[...]; got columns {short_repr([str(c) for c in frame.columns])}. A "
                "'unique_id, ds, y' frame works after "
                "frame.rename(columns={'unique_id': 'product', 'ds': 'date', 'y': 'quantity'})."
            )
        return found
    if isinstance(ids, str):
        ids = (ids,)
    chosen = tuple(str(c) for c in ids)
    if not chosen or len(set(chosen)) != len(chosen):
        raise InvalidParameterError(
            f"The 'ids' parameter of {func} must name one or more distinct columns. "
            f"Got {short_repr(ids)} instead."
        )
    return chosen


@attrs.frozen(kw_only=True, eq=False)
class SalesGrid:
    """Bottom-level series of a sales frame on a regular grid.

    ``keys`` holds one row per series (the id columns, sorted); ``y`` is ``(n_series, n_time)``;
    ``x`` is ``(n_series, n_time, n_regressors)`` history of the regressors (or ``None``);
    ``rows`` maps each input row to its ``(series, time)`` cell.
    """

    ids: tuple[str, ...]
    keys: pd.DataFrame
    dates: pd.DatetimeIndex
    freq: Any
    y: FloatArray
    start: npt.NDArray[np.intp]
    x: FloatArray | None
    x_names: tuple[str, ...]


def _infer_freq(dates: pd.DatetimeIndex, func: str) -> Any:
    """Infer a grid offset from sorted unique dates: whole days (or weeks), else whole months."""
    if len(dates) < 2:
        raise SchemaError(
            f"sales must span at least two dates for {func}; got {len(dates)}. Forecasting needs "
            "a history."
        )
    step = int(np.diff(dates.as_unit("ns").asi8).min())
    day = pd.Timedelta(days=1).value
    months = dates.year.to_numpy() * 12 + dates.month.to_numpy()
    month_steps = np.diff(months)
    if (dates.day == 1).all() and month_steps.min() >= 1:
        return pd.offsets.MonthBegin(int(month_steps.min()))
    if dates.is_month_end.all() and month_steps.min() >= 1:
        return pd.offsets.MonthEnd(int(month_steps.min()))
    if step % day == 0:
        days = step // day
        if days == 7:
            return pd.tseries.frequencies.to_offset(f"W-{dates[0].day_name()[:3].upper()}")
        return pd.offsets.Day(days)
    raise InvalidParameterError(
        f"{func} could not infer the frequency of the sales dates (smallest step "
        f"{pd.Timedelta(step)}); pass freq=..., e.g. freq='D', 'W-MON' or 'QS'."
    )


def future_dates(last: pd.Timestamp, freq: Any, horizon: int) -> pd.DatetimeIndex:
    """Return the ``horizon`` grid dates after ``last``."""
    return pd.date_range(last, periods=horizon + 1, freq=freq)[1:]


def build_grid(
    sales: pd.DataFrame,
    *,
    ids: tuple[str, ...],
    value: str,
    regressors: Sequence[str],
    freq: Any,
    fill_value: float,
    func: str,
) -> SalesGrid:
    """Validate ``sales`` and place it on a dense ``(series, time)`` grid."""
    schema = FrameSchema(
        "sales",
        (
            Column("date", "datetime"),
            *(Column(c, "id") for c in ids),
            Column(value, "number"),
            *(Column(r, "number") for r in regressors if r not in ("date", value, *ids)),
        ),
        key=("date", *ids),
    )
    # Booleans (promotion flags) are regressors too: check them as numbers after casting.
    view = sales
    bool_cols = [r for r in regressors if r in sales.columns and sales[r].dtype == bool]
    if bool_cols:
        view = sales.assign(**{c: sales[c].astype(np.float64) for c in bool_cols})
    check_frame(view, schema)
    if len(view) == 0:
        raise SchemaError(f"sales has no rows; {func} needs a history.")

    key_frame = view[list(ids)]
    series_code, keys = _factorize_rows(key_frame)
    date_index = pd.DatetimeIndex(view["date"])
    if date_index.tz is not None:
        date_index = date_index.tz_localize(None)
    unique_dates = pd.DatetimeIndex(np.unique(date_index.to_numpy()))
    offset = pd.tseries.frequencies.to_offset(freq) if freq is not None else None
    offset = offset or _infer_freq(unique_dates, func)
    grid = pd.date_range(unique_dates[0], unique_dates[-1], freq=offset)
    time_code = grid.get_indexer(date_index)
    fail_at_rows(
        time_code < 0,
        view,
        "sales",
        f"has dates off the regular {offset.freqstr} grid starting {grid[0].date()}",
        "Aggregate the rows to the grid first, or pass the right freq=....",
        keys=("date", *ids),
    )
    n_series, n_time = len(keys), len(grid)
    first = np.full(n_series, n_time, dtype=np.intp)
    np.minimum.at(first, series_code, time_code)
    y = np.full((n_series, n_time), float(fill_value))
    y[series_code, time_code] = view[value].to_numpy(dtype=np.float64)
    y[np.arange(n_time)[None, :] < first[:, None]] = np.nan

    x: FloatArray | None = None
    if regressors:
        x = np.zeros((n_series, n_time, len(regressors)))
        for j, name in enumerate(regressors):
            x[series_code, time_code, j] = view[name].to_numpy(dtype=np.float64)
    return SalesGrid(
        ids=ids,
        keys=keys,
        dates=grid,
        freq=offset,
        y=y,
        start=first,
        x=x,
        x_names=tuple(regressors),
    )


def future_regressors(
    grid: SalesGrid, future: object, dates: pd.DatetimeIndex, func: str
) -> FloatArray:
    """Regressor values over the horizon, ``(n_series, horizon, n_regressors)``, from ``future``.

    Every bottom series needs a row for every horizon date: a planned promotion or price is a
    decision, so nothing is guessed.
    """
    ids, names = grid.ids, grid.x_names
    schema = FrameSchema(
        "future",
        (
            Column("date", "datetime"),
            *(Column(c, "id") for c in ids),
            *(Column(r, "number") for r in names),
        ),
        key=("date", *ids),
    )
    if not isinstance(future, pd.DataFrame):
        raise InvalidParameterError(
            f"{func} was given regressors {list(names)}, so it needs their planned values: pass "
            f"future=<frame with {['date', *ids, *names]}> covering the {len(dates)} forecast "
            f"dates from {dates[0].date()}."
        )
    bool_cols = [r for r in names if r in future.columns and future[r].dtype == bool]
    view = future.assign(**{c: future[c].astype(np.float64) for c in bool_cols})
    check_frame(view, schema)
    index = pd.MultiIndex.from_frame(grid.keys)
    series_code = index.get_indexer(pd.MultiIndex.from_frame(view[list(ids)]))
    date_index = pd.DatetimeIndex(view["date"])
    if date_index.tz is not None:
        date_index = date_index.tz_localize(None)
    time_code = dates.get_indexer(date_index)
    keep = (series_code >= 0) & (time_code >= 0)
    seen = np.zeros((len(grid.keys), len(dates)), dtype=bool)
    seen[series_code[keep], time_code[keep]] = True
    if not seen.all():
        series, step = np.argwhere(~seen)[0]
        where = ", ".join(f"{c}={grid.keys[c].iloc[series]!r}" for c in ids)
        raise SchemaError(
            f"future has no row for {where}, date={dates[step].date()} "
            f"({int((~seen).sum())} series-date pair(s) missing). It needs the planned "
            f"{list(names)} of every series on every forecast date."
        )
    x = np.zeros((len(grid.keys), len(dates), len(names)))
    for j, name in enumerate(names):
        x[series_code[keep], time_code[keep], j] = view[name].to_numpy(dtype=np.float64)[keep]
    return x


def _factorize_rows(key_frame: pd.DataFrame) -> tuple[npt.NDArray[np.intp], pd.DataFrame]:
    """Code each row by its id tuple; codes follow the sorted order of the id tuples."""
    grouped = key_frame.groupby(list(key_frame.columns), sort=True, observed=True)
    codes = np.asarray(grouped.ngroup(), dtype=np.intp)
    keys = grouped.size().reset_index()[list(key_frame.columns)]
    return codes, keys
