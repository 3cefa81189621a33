"""From a long sales frame to dense series on a regular time grid.

One factorisation of the id columns and one of the dates place every row in a ``(series, time)``
array: no loop per series. Rows absent between a series' first date and the end of the grid are
``fill_value`` (no row means no sales); before its first date a series is ``NaN``. Regressors
are not invented for absent rows: they follow an explicit ``exog_fill`` rule or raise.
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
    "RESERVED_NAMES",
    "SalesGrid",
    "build_grid",
    "future_dates",
    "future_regressors",
    "id_columns_of",
    "localize",
]

FloatArray = npt.NDArray[np.float64]

#: Id columns a sales frame may carry, in hierarchy order.
ID_COLUMNS: tuple[str, ...] = ("channel", "location", "product")
#: Columns of the forecast frames; an id column of the same name would be overwritten.
RESERVED_NAMES: tuple[str, ...] = (
    "level",
    "date",
    "mean",
    "path",
    "sample",
    "quantity",
    "cutoff",
    "actual",
)


def id_columns_of(frame: pd.DataFrame, ids: Sequence[str] | None, func: str) -> tuple[str, ...]:
    """Return ``ids`` when given, else the columns of :data:`ID_COLUMNS` present in ``frame``."""
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(
            f"sales must be a pandas DataFrame for {func}; got {type(frame).__name__}."
        )
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
    clash = [c for c in chosen if c in RESERVED_NAMES or _is_quantile_name(c)]
    if clash:
        raise InvalidParameterError(
            f"The 'ids' parameter of {func} names {short_repr(clash)}, which the forecast frames "
            f"use for their own columns ({list(RESERVED_NAMES)} and quantiles such as 'q0.9'). "
            "Rename the id column first, e.g. frame.rename(columns={'level': 'tier'})."
        )
    return chosen


def _is_quantile_name(name: str) -> bool:
    try:
        return name.startswith("q") and 0.0 < float(name[1:]) < 1.0
    except ValueError:
        return False


@attrs.frozen(kw_only=True, eq=False)
class SalesGrid:
    """Bottom-level series of a sales frame on a regular grid.

    ``keys`` holds one row per series (the id columns, sorted); ``y`` is ``(n_series, n_time)``;
    ``x`` is ``(n_series, n_time, n_regressors)`` history of the regressors (or ``None``).
    ``dates`` are wall-clock times without a time zone; ``tz`` is the zone of the input dates.
    """

    ids: tuple[str, ...]
    keys: pd.DataFrame
    dates: pd.DatetimeIndex
    tz: Any
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


def localize(dates: pd.DatetimeIndex, tz: Any) -> pd.DatetimeIndex:
    """Grid dates (wall-clock) back in the time zone of the input dates."""
    return dates if tz is None else dates.tz_localize(tz)


def build_grid(
    sales: pd.DataFrame,
    *,
    ids: tuple[str, ...],
    value: str,
    regressors: Sequence[str],
    freq: Any,
    fill_value: float,
    func: str,
    exog_fill: object = None,
    end: object = None,
) -> SalesGrid:
    """Validate ``sales`` and place it on a dense ``(series, time)`` grid.

    The grid runs from the first date to ``end`` (default: the last date with a row).
    """
    clash = [r for r in regressors if r in ("date", value, *ids)]
    if clash:
        raise InvalidParameterError(
            f"The 'exog' parameter of {func} names {short_repr(clash)}, which is the date, the "
            f"value or an id column; regressors are other numeric columns of sales."
        )
    rules = _exog_rules(exog_fill, regressors, func)
    schema = FrameSchema(
        "sales",
        (
            Column("date", "datetime"),
            *(Column(c, "id") for c in ids),
            Column(value, "number"),
            *(Column(r, "number") for r in regressors),
        ),
        key=("date", *ids),
    )
    view = _booleans_as_numbers(sales, regressors)
    check_frame(view, schema)
    if len(view) == 0:
        raise SchemaError(f"sales has no rows; {func} needs a history.")

    key_frame = view[list(ids)]
    series_code, keys = _factorize_rows(key_frame)
    date_index = pd.DatetimeIndex(view["date"])
    tz = date_index.tz
    if tz is not None:
        date_index = date_index.tz_localize(None)
    unique_dates = pd.DatetimeIndex(np.unique(date_index.to_numpy()))
    offset = _offset(freq, func) or _infer_freq(unique_dates, func)
    last = _end(end, unique_dates[-1], tz, func)
    grid = pd.date_range(unique_dates[0], last, freq=offset)
    if grid[-1] != last:
        raise InvalidParameterError(
            f"The 'end' parameter of {func} must be a date on the {offset.freqstr} grid of the "
            f"sales dates (starting {grid[0].date()}); got {last}."
        )
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
    before = np.arange(n_time)[None, :] < first[:, None]
    y[before] = np.nan

    x: FloatArray | None = None
    if regressors:
        seen = np.zeros((n_series, n_time), dtype=bool)
        seen[series_code, time_code] = True
        x = np.zeros((n_series, n_time, len(regressors)))
        for j, name in enumerate(regressors):
            x[series_code, time_code, j] = view[name].to_numpy(dtype=np.float64)
            x[:, :, j] = _fill_regressor(x[:, :, j], seen | before, rules[name], name, keys, grid)
    return SalesGrid(
        ids=ids,
        keys=keys,
        dates=grid,
        tz=tz,
        freq=offset,
        y=y,
        start=first,
        x=x,
        x_names=tuple(regressors),
    )


def _booleans_as_numbers(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Boolean columns (promotion flags, also pandas' nullable ``boolean``) as 0/1 floats."""
    flags = [
        c for c in columns if c in frame.columns and pd.api.types.is_bool_dtype(frame[c].dtype)
    ]
    if not flags:
        return frame
    return frame.assign(
        **{
            c: pd.Series(frame[c].to_numpy(dtype=np.float64, na_value=np.nan), index=frame.index)
            for c in flags
        }
    )


def _offset(freq: Any, func: str) -> Any:
    if freq is None:
        return None
    try:
        return pd.tseries.frequencies.to_offset(freq)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"The 'freq' parameter of {func} must be a pandas frequency such as 'D', 'W-MON', "
            f"'MS' or a DateOffset. Got {short_repr(freq)} instead ({exc})."
        ) from None


def _end(end: object, last: pd.Timestamp, tz: Any, func: str) -> pd.Timestamp:
    """Return the grid's last date: ``end`` (in the sales dates' zone) or the last row's date."""
    if end is None:
        return last
    try:
        stamp = pd.Timestamp(end)  # type: ignore[arg-type]
        valid = not pd.isna(stamp) and (stamp.tz is None) == (tz is None)
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise InvalidParameterError(
            f"The 'end' parameter of {func} must be a date {_zone(tz)}, like the sales dates. Got "
            f"{short_repr(end)} instead."
        )
    if stamp.tz is not None:
        stamp = stamp.tz_convert(tz).tz_localize(None)
    if stamp < last:
        raise InvalidParameterError(
            f"The 'end' parameter of {func} must not precede the last sales date {last}; got "
            f"{stamp}. Filter the sales frame to end the history earlier."
        )
    return stamp


def _zone(tz: Any) -> str:
    return "without a time zone" if tz is None else f"in time zone {tz}"


_FILL_RULES = ("ffill",)


def _exog_rules(exog_fill: object, regressors: Sequence[str], func: str) -> dict[str, Any]:
    """Fill rule per regressor: None (raise), a number, or 'ffill'."""
    if isinstance(exog_fill, dict):
        unknown = [k for k in exog_fill if k not in regressors]
        if unknown:
            raise InvalidParameterError(
                f"The 'exog_fill' parameter of {func} names {short_repr(unknown)}, which are not "
                f"among the exog columns {list(regressors)}."
            )
        rules = {name: exog_fill.get(name) for name in regressors}
    else:
        rules = dict.fromkeys(regressors, exog_fill)
    for name, rule in rules.items():
        ok = rule is None or rule in _FILL_RULES
        if isinstance(rule, int | float) and not isinstance(rule, bool):
            ok = bool(np.isfinite(rule))
        if not ok:
            raise InvalidParameterError(
                f"The 'exog_fill' parameter of {func} must be None, 'ffill', a finite number or "
                f"a dict of those per exog column. Got {short_repr(rule)} for {name!r}."
            )
    return rules


def _fill_regressor(
    values: FloatArray,
    known: npt.NDArray[np.bool_],
    rule: Any,
    name: str,
    keys: pd.DataFrame,
    grid: pd.DatetimeIndex,
) -> FloatArray:
    """Fill a regressor where a series has no row (after its first date), as ``rule`` says."""
    if known.all():
        return values
    if rule is None:
        series, step = np.argwhere(~known)[0]
        where = ", ".join(f"{c}={keys[c].iloc[series]!r}" for c in keys.columns)
        raise SchemaError(
            f"sales has no row for {where}, date={grid[step].date()} ({int((~known).sum())} "
            f"series-date pair(s) after the series' first date), so regressor {name!r} has no "
            "value there. A missing row counts as no sales, but regressors are not guessed: add "
            f"those rows (quantity 0 and the regressor values), or pass exog_fill={{{name!r}: "
            "'ffill'} (carry the last value forward, e.g. a price) or a number (e.g. 0 for a "
            "promotion flag)."
        )
    if rule == "ffill":
        # Every series has a row at its first date, so a known value precedes each gap.
        cols = np.where(known, np.arange(values.shape[1])[None, :], 0)
        np.maximum.accumulate(cols, axis=1, out=cols)
        return np.take_along_axis(values, cols, axis=1)
    return np.where(known, values, float(rule))


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
    view = _booleans_as_numbers(future, names)
    check_frame(view, schema)
    index = pd.MultiIndex.from_frame(grid.keys)
    series_code = index.get_indexer(pd.MultiIndex.from_frame(view[list(ids)]))
    date_index = pd.DatetimeIndex(view["date"])
    if (date_index.tz is None) != (grid.tz is None):
        raise SchemaError(
            f"future['date'] is {_zone(date_index.tz)}, but the sales dates are "
            f"{_zone(grid.tz)}; give both in the same form."
        )
    if date_index.tz is not None:
        date_index = date_index.tz_convert(grid.tz).tz_localize(None)
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
