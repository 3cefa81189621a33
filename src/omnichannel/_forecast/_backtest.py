"""``backtest``: rolling-origin evaluation of :func:`forecast_demand`."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd

from .._exceptions import InvalidParameterError
from .._validation import check_choice, check_int, check_real
from ._demand import DEFAULT_QUANTILES, ForecastModel, check_model, forecast_demand
from ._hierarchy import LEVEL_SPECS, Hierarchy
from ._panel import SalesGrid, build_grid, id_columns_of, localize
from ._reconcile import as_reconciler
from ._structure import build_structure, match_hierarchy

__all__ = ["Backtest", "backtest"]

_FUNC = "backtest"
#: Keywords of forecast_demand that backtest sets itself for every window.
_SET_PER_WINDOW = frozenset(
    {
        "sales",
        "horizon",
        "model",
        "hierarchy",
        "reconcile",
        "quantiles",
        "exog",
        "future",
        "ids",
        "value",
        "freq",
        "fill_value",
        "exog_fill",
        "end",
    }
)


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Backtest:
    """Forecasts from several origins next to what happened, from :func:`backtest`.

    Attributes
    ----------
    forecasts : pandas.DataFrame
        One row per window, series and date: ``cutoff``, ``level`` and the id columns, ``date``,
        ``mean``, the quantile columns and ``actual``.
    history : pandas.DataFrame
        Every node's actuals over the whole date grid (``level``, ids, ``date``, ``actual``),
        from its first date on: each window scales MASE and RMSSE by the dates up to its cutoff.
    ids : tuple of str
        The id columns.
    levels : tuple of float
        Quantile levels.
    model : str
        The model, as text.
    reconciliation : str or None
        The reconciliation method.
    season_length : int
        Season of the naive forecast that scales MASE and RMSSE.

    Examples
    --------
    >>> import omnichannel as oc
    >>> world = oc.simulate_retailer(n_customers=500, seed=1)
    >>> bt = oc.backtest(world.sales, horizon=7, n_windows=2, model=oc.SeasonalNaive(7))
    >>> sorted(bt.forecasts["cutoff"].unique().astype(str))
    ['2024-12-15', '2024-12-22']
    """

    forecasts: pd.DataFrame
    history: pd.DataFrame
    ids: tuple[str, ...]
    levels: tuple[float, ...]
    model: str
    reconciliation: str | None
    season_length: int

    def scores(
        self, metrics: Sequence[str] | None = None, *, by: Sequence[str] = ("level",)
    ) -> pd.DataFrame:
        """Accuracy by group (the hierarchy level by default) over all windows.

        Parameters
        ----------
        metrics : sequence of str, optional
            Names understood by :func:`score_forecasts`; MAE, RMSE, bias, MASE, RMSSE and the
            coverage of the central intervals when omitted. A metric with a level (pinball loss,
            coverage) gets one column per level, e.g. ``coverage_0.8``.
        by : sequence of str
            Columns to group by, e.g. ``("level",)`` or ``("level", "cutoff")``; ``()`` for one
            overall row. A group whose ``by`` value is missing (an aggregate above an id column,
            e.g. the total when grouping by ``product``) is kept, with NaN in that column.

        Returns
        -------
        pandas.DataFrame
            One row per group, sorted by the ``by`` columns; one column per metric, averaged over
            the windows. Every metric asked for has its column, even when it is NaN throughout.
            MASE and RMSSE (and the scaled pinball loss) are NaN for a series whose history up
            to the cutoff gives no scale: fewer than ``season_length + 1`` dates after its first
            non-zero value, or a seasonal naive forecast without error there (a constant or
            all-zero series). A group's value averages the series and windows where the metric
            is defined; it is NaN when there are none.

        Examples
        --------
        >>> import omnichannel as oc
        >>> world = oc.simulate_retailer(n_customers=500, seed=1)
        >>> bt = oc.backtest(world.sales, horizon=7, n_windows=2, model=oc.SeasonalNaive(7))
        >>> "mase" in bt.scores().columns
        True

        A constant series has no naive error to scale by, so its MASE and RMSSE are NaN:

        >>> import pandas as pd
        >>> flat = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=30),
        ...                      "product": "A", "quantity": 4})
        >>> bt = oc.backtest(flat, horizon=7, n_windows=2, model=oc.SeasonalNaive(7))
        >>> bt.scores(["mae", "mase", "rmsse"])
                level  mae  mase  rmsse
        0     product  0.0   NaN    NaN
        """
        from ._scoring import score_forecasts

        keys = ["level", *self.ids]
        group = [str(b) for b in ([by] if isinstance(by, str) else by)]
        frames = []
        for cutoff, part in self.forecasts.groupby("cutoff", sort=True):
            kwargs: dict[str, Any] = {
                "history": self.history[self.history["date"] <= cutoff].rename(
                    columns={"actual": "quantity"}
                ),
                "season_length": self.season_length,
                "ids": keys,
                "by": [b for b in group if b != "cutoff"] or None,
            }
            kwargs["metrics"] = metrics or self._default_metrics()
            scored = score_forecasts(
                part.drop(columns=["actual", "cutoff"]),
                part[[*keys, "date", "actual"]].rename(columns={"actual": "quantity"}),
                **kwargs,
            )
            scored.insert(0, "cutoff", cutoff)
            frames.append(scored)
        long = pd.concat(frames, ignore_index=True)
        long["column"] = [
            m if np.isnan(q) else f"{m}_{q:g}"
            for m, q in zip(long["metric"], long["nominal"], strict=True)
        ]
        index = group or ["all"]
        if not group:
            long["all"] = "all"
        return _wide(long, index)

    def _default_metrics(self) -> tuple[str, ...]:
        point = ("mae", "rmse", "bias", "mase", "rmsse")
        has_interval = any(min(q, 1 - q) < 0.5 and 1 - q in self.levels for q in self.levels)
        return (*point, "coverage") if has_interval else point

    def summary(self) -> str:
        """Describe the windows, the model and the accuracy by level."""
        cutoffs = self.forecasts["cutoff"].drop_duplicates().sort_values()
        return (
            f"Backtest: {len(cutoffs)} window(s) with cutoffs {cutoffs.iloc[0].date()} to "
            f"{cutoffs.iloc[-1].date()}, model {self.model}, reconciliation "
            f"{self.reconciliation or 'none'}\n{self.scores().to_string(index=False)}"
        )

    def __repr__(self) -> str:
        n = self.forecasts["cutoff"].nunique()
        return f"Backtest(model={self.model}, windows={n}, rows={len(self.forecasts):,})"


def _wide(long: pd.DataFrame, index: list[str]) -> pd.DataFrame:
    """One row per group of ``index``, one column per metric: the mean over windows.

    Unlike ``pivot_table``, keeps metrics and groups that are NaN throughout and groups with a
    missing key (aggregates above a ``by`` column).
    """
    grouped = long.groupby(index, sort=True, dropna=False, observed=True)
    group = grouped.ngroup().to_numpy()
    n_groups = int(group.max()) + 1
    _, first = np.unique(group, return_index=True)
    names = list(dict.fromkeys(long["column"]))
    column = pd.Index(names).get_indexer(long["column"])
    values = long["value"].to_numpy(dtype=np.float64)
    ok = np.isfinite(values)
    cell = group * len(names) + column
    size = n_groups * len(names)
    total = np.bincount(cell, weights=np.where(ok, values, 0.0), minlength=size)
    count = np.bincount(cell, weights=ok.astype(np.float64), minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan).reshape(n_groups, len(names))
    keys = long[index].iloc[first].reset_index(drop=True)
    return pd.concat([keys, pd.DataFrame(mean, columns=names)], axis=1)


def _check_forwarded(kwargs: dict[str, Any]) -> None:
    """Reject keywords that backtest sets per window itself, or forecast_demand does not know."""
    if "future" in kwargs:
        raise InvalidParameterError(
            f"{_FUNC} does not take 'future': each window's regressor values over its horizon "
            "are the recorded exog values of sales after the cutoff (a backtest assumes the "
            "plans came true). Drop future=...; to backtest with planned rather than recorded "
            "values, call forecast_demand once per cutoff with your own future frame."
        )
    accepted = set(inspect.signature(forecast_demand).parameters) - _SET_PER_WINDOW
    unknown = sorted(str(k) for k in kwargs if k not in accepted)
    if unknown:
        raise InvalidParameterError(
            f"{_FUNC} got unknown keyword argument(s) {unknown}; besides its own parameters it "
            f"passes these on to forecast_demand: {sorted(accepted)}."
        )


def _check_hierarchy(hierarchy: object, sales: pd.DataFrame, grid: SalesGrid) -> Hierarchy | None:
    """Return the hierarchy of the whole of ``sales``, checked against its series."""
    if hierarchy is None:
        return None
    if isinstance(hierarchy, str):
        spec = check_choice(hierarchy, "hierarchy", LEVEL_SPECS, func=_FUNC)
        return Hierarchy.from_frame(sales, levels=spec, ids=grid.ids)
    return match_hierarchy(
        hierarchy, grid, _FUNC, " (backtest restricts it to each window's series)"
    )[0]


def _window_future(grid: SalesGrid, cut: int, steps: int) -> pd.DataFrame:
    """Return the recorded regressors of the series started by ``cut``, ``steps`` dates on."""
    assert grid.x is not None
    started = np.flatnonzero(grid.start <= cut)
    frame = grid.keys.iloc[np.repeat(started, steps)].reset_index(drop=True)
    dates = localize(grid.dates[cut + 1 : cut + 1 + steps], grid.tz)
    frame["date"] = dates.take(np.tile(np.arange(steps), started.size))
    window = grid.x[started, cut + 1 : cut + 1 + steps]
    for j, name in enumerate(grid.x_names):
        frame[name] = window[:, :, j].reshape(-1)
    return frame


def backtest(
    sales: pd.DataFrame,
    *,
    horizon: int,
    model: ForecastModel,
    n_windows: int = 3,
    step: int | None = None,
    season_length: int = 1,
    hierarchy: Any = None,
    reconcile: Any = None,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    exog: Sequence[str] = (),
    ids: Sequence[str] | None = None,
    value: str = "quantity",
    freq: Any = None,
    fill_value: float = 0.0,
    exog_fill: object = None,
    end: object = None,
    **kwargs: Any,
) -> Backtest:
    """Rolling-origin backtest: refit and forecast from several cutoffs, next to the actuals.

    Window ``k`` (of ``n_windows``) trains on every date up to its cutoff and forecasts the
    ``horizon`` dates after it; cutoffs are ``step`` dates apart and the last window ends on the
    last date of the history (``end``, or the last date of ``sales``). A cutoff without sales
    rows (zero-sales rows left out) still ends its window's history: the window is not shifted.

    Parameters
    ----------
    sales : pandas.DataFrame
        As for :func:`forecast_demand`.
    horizon : int
        Dates forecast from each cutoff.
    model : model option object
        As for :func:`forecast_demand`.
    n_windows : int
        Number of cutoffs.
    step : int, optional
        Dates between cutoffs; ``horizon`` when omitted (windows do not overlap).
    season_length : int
        Season of the naive forecast that scales MASE and RMSSE in :meth:`Backtest.scores`.
    hierarchy : Hierarchy or {"grouped", "nested"}, optional
        As for :func:`forecast_demand`; a :class:`Hierarchy` is built from the whole of
        ``sales``. Each window uses it restricted to the series with sales up to its cutoff
        (same levels), so a series launched later is simply not forecast from earlier cutoffs;
        its actual sales still count in the aggregates above it.
    reconcile, quantiles, exog, ids, value, freq, fill_value, exog_fill
        As for :func:`forecast_demand`. With ``exog``, each window's future values are the
        recorded ones (filled as ``exog_fill`` says where a row is absent), so the forecasts
        assume the plans came true.
    end : date-like, optional
        Last date of the history when the final dates had no sales rows; as for
        :func:`forecast_demand`.
    **kwargs
        Other parameters of :func:`forecast_demand`: ``cross_promotion``, ``dependence``,
        ``n_paths``, ``seed`` and ``progress``. Not ``future``: backtest builds each window's
        future regressors itself.

    Returns
    -------
    Backtest

    Raises
    ------
    SchemaError
        When ``sales`` lacks a column, has a wrong type, a missing value, a duplicate (series,
        date) row or a date off the grid.
    InvalidParameterError
        On an invalid parameter, too short a history for the windows, a :class:`Hierarchy`
        that does not match the series of ``sales``, ``future=`` or an unknown keyword.

    Examples
    --------
    >>> import omnichannel as oc
    >>> world = oc.simulate_retailer(n_customers=500, seed=1)
    >>> bt = oc.backtest(world.sales, horizon=7, n_windows=3, model=oc.SeasonalNaive(7))
    >>> bt.forecasts["cutoff"].nunique()
    3

    A hierarchy built from the whole frame works when a series starts after a cutoff (here
    product P001, launched three days before the end): the windows forecast the others.

    >>> import pandas as pd
    >>> sales = world.sales
    >>> launch = sales["date"].max() - pd.Timedelta(days=3)
    >>> sales = sales[(sales["product"] != "P001") | (sales["date"] >= launch)]
    >>> h = oc.Hierarchy.from_frame(sales, levels="nested")
    >>> bt = oc.backtest(sales, horizon=7, n_windows=2, model=oc.SeasonalNaive(7),
    ...                  hierarchy=h, reconcile="ols")
    >>> bottom = bt.forecasts[bt.forecasts["level"] == "channel/location/product"]
    >>> h.n_bottom, len(bottom.drop_duplicates(["channel", "location", "product"]))
    (96, 88)
    """
    steps = check_int(horizon, "horizon", func=_FUNC, low=1)
    windows = check_int(n_windows, "n_windows", func=_FUNC, low=1)
    stride = steps if step is None else check_int(step, "step", func=_FUNC, low=1)
    season = check_int(season_length, "season_length", func=_FUNC, low=1)
    fill = check_real(fill_value, "fill_value", func=_FUNC)
    check_model(model, _FUNC)
    _check_forwarded(kwargs)
    id_cols = id_columns_of(sales, ids, _FUNC)
    regressors = tuple(str(c) for c in ([exog] if isinstance(exog, str) else exog))
    grid = build_grid(
        sales,
        ids=id_cols,
        value=value,
        regressors=regressors,
        freq=freq,
        fill_value=fill,
        func=_FUNC,
        exog_fill=exog_fill,
        end=end,
    )
    n_time = len(grid.dates)
    first_cut = n_time - steps - (windows - 1) * stride - 1
    if first_cut < 1:
        raise InvalidParameterError(
            f"{_FUNC} needs more history: {windows} window(s) of {steps} date(s), {stride} apart, "
            f"leave {first_cut + 1} training date(s) of {n_time}. Use fewer or shorter windows."
        )
    whole = _check_hierarchy(hierarchy, sales, grid)
    if reconcile is not None:
        if whole is None:
            raise InvalidParameterError(
                f"The 'reconcile' parameter of {_FUNC} needs a hierarchy: pass "
                "hierarchy='grouped' (every combination of the id columns), 'nested' or an "
                "oc.Hierarchy."
            )
        reconcile = as_reconciler(reconcile, name="reconcile", func=_FUNC)
    # Actual values of every node over the whole grid, for the windows and the error scales.
    structure = build_structure(sales, grid, whole, None)
    actual, _, _ = structure.aggregate(grid, None)
    keys = ["level", *id_cols]
    nodes = structure.nodes[keys].reset_index(drop=True)
    # Output dates in the time zone of the sales dates; the grid and ``wall`` are wall-clock.
    local = localize(grid.dates, grid.tz)
    wall = pd.DatetimeIndex(sales["date"]).tz_localize(None)
    frames = []
    reconciliation: str | None = None
    for k in range(windows):
        cut = first_cut + k * stride
        train = sales[wall <= grid.dates[cut]]
        # The window's series only: a series launched after the cutoff has no history yet.
        window_hierarchy = (
            None
            if whole is None
            else Hierarchy.from_frame(train, levels=whole.levels, ids=whole.ids)
        )
        fc = forecast_demand(
            train,
            horizon=steps,
            model=model,
            hierarchy=window_hierarchy,
            reconcile=reconcile,
            quantiles=quantiles,
            exog=regressors,
            future=_window_future(grid, cut, steps) if regressors else None,
            ids=id_cols,
            value=value,
            freq=grid.freq,
            fill_value=fill,
            exog_fill=exog_fill,
            end=local[cut],
            **kwargs,
        )
        reconciliation = fc.reconciliation
        frame = fc.to_frame()
        if "level" not in frame.columns:
            frame.insert(0, "level", fc.nodes["level"].iloc[0])
        stamps = pd.DatetimeIndex(frame["date"])
        if grid.tz is not None and stamps.tz is None:
            frame["date"] = localize(stamps, grid.tz)
        window_actual = actual[:, cut + 1 : cut + 1 + steps]
        truth = nodes.iloc[np.repeat(np.arange(len(nodes)), steps)].reset_index(drop=True)
        truth["date"] = local.take(np.tile(np.arange(cut + 1, cut + 1 + steps), len(nodes)))
        truth["actual"] = window_actual.reshape(-1)
        merged = frame.merge(truth, on=[*keys, "date"], how="left", validate="one_to_one")
        merged.insert(0, "cutoff", local[cut])
        frames.append(merged)
    history = nodes.iloc[np.repeat(np.arange(len(nodes)), n_time)].reset_index(drop=True)
    history["date"] = local.take(np.tile(np.arange(n_time), len(nodes)))
    history["actual"] = actual.reshape(-1)
    levels = tuple(sorted(float(q) for q in quantiles))
    return Backtest(
        forecasts=pd.concat(frames, ignore_index=True),
        history=history.dropna(subset=["actual"]).reset_index(drop=True),
        ids=id_cols,
        levels=levels,
        model=repr(model),
        reconciliation=reconciliation,
        season_length=season,
    )
