"""``backtest``: rolling-origin evaluation of :func:`forecast_demand`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd

from .._exceptions import InvalidParameterError
from .._validation import check_int
from ._demand import DEFAULT_QUANTILES, ForecastModel, forecast_demand
from ._panel import build_grid, id_columns_of
from ._structure import build_structure

__all__ = ["Backtest", "backtest"]

_FUNC = "backtest"


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Backtest:
    """Forecasts from several origins next to what happened, from :func:`backtest`.

    Attributes
    ----------
    forecasts : pandas.DataFrame
        One row per window, series and date: ``cutoff``, ``level`` and the id columns, ``date``,
        ``mean``, the quantile columns and ``actual``.
    history : pandas.DataFrame
        Every series' history up to the first cutoff (``level``, ids, ``date``, ``actual``):
        the scale of scaled errors (MASE, RMSSE) comes from it.
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
            Columns to group by, e.g. ``("level",)`` or ``("level", "cutoff")``.

        Returns
        -------
        pandas.DataFrame
            One row per group, one column per metric.

        Examples
        --------
        >>> import omnichannel as oc
        >>> world = oc.simulate_retailer(n_customers=500, seed=1)
        >>> bt = oc.backtest(world.sales, horizon=7, n_windows=2, model=oc.SeasonalNaive(7))
        >>> "mase" in bt.scores().columns
        True
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
        table = long.pivot_table(
            index=index, columns="column", values="value", aggfunc="mean", sort=False
        )
        order = list(dict.fromkeys(long["column"]))
        return table[order].reset_index().rename_axis(columns=None)

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
    **kwargs: Any,
) -> Backtest:
    """Rolling-origin backtest: refit and forecast from several cutoffs, next to the actuals.

    Window ``k`` (of ``n_windows``) trains on every date up to its cutoff and forecasts the
    ``horizon`` dates after it; cutoffs are ``step`` dates apart and the last window ends on the
    last date of ``sales``.

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
    hierarchy, reconcile, quantiles, exog, ids, value, freq, **kwargs
        Passed to :func:`forecast_demand`. With ``exog``, the future values are the recorded
        ones, so every series needs a row on every forecast date.

    Returns
    -------
    Backtest

    Examples
    --------
    >>> import omnichannel as oc
    >>> world = oc.simulate_retailer(n_customers=500, seed=1)
    >>> bt = oc.backtest(world.sales, horizon=7, n_windows=3, model=oc.SeasonalNaive(7))
    >>> bt.forecasts["cutoff"].nunique()
    3
    """
    steps = check_int(horizon, "horizon", func=_FUNC, low=1)
    windows = check_int(n_windows, "n_windows", func=_FUNC, low=1)
    stride = steps if step is None else check_int(step, "step", func=_FUNC, low=1)
    season = check_int(season_length, "season_length", func=_FUNC, low=1)
    id_cols = id_columns_of(sales, ids, _FUNC)
    regressors = tuple([exog] if isinstance(exog, str) else exog)
    grid = build_grid(
        sales,
        ids=id_cols,
        value=value,
        regressors=(),
        freq=freq,
        fill_value=float(kwargs.get("fill_value", 0.0)),
        func=_FUNC,
    )
    n_time = len(grid.dates)
    first_cut = n_time - steps - (windows - 1) * stride - 1
    if first_cut < 1:
        raise InvalidParameterError(
            f"{_FUNC} needs more history: {windows} window(s) of {steps} date(s), {stride} apart, "
            f"leave {first_cut + 1} training date(s) of {n_time}. Use fewer or shorter windows."
        )
    # Actual values of every node over the whole grid, for the windows and the error scales.
    structure = build_structure(sales, grid, hierarchy, None)
    actual, _, _ = structure.aggregate(grid, None)
    keys = ["level", *id_cols]
    nodes = structure.nodes[keys].reset_index(drop=True)
    dates = pd.Series(grid.dates)
    frames = []
    reconciliation: str | None = None
    for k in range(windows):
        cut = first_cut + k * stride
        cutoff = grid.dates[cut]
        train = sales[pd.DatetimeIndex(sales["date"]).tz_localize(None) <= cutoff]
        future = None
        if regressors:
            window = pd.DatetimeIndex(sales["date"]).tz_localize(None)
            future = sales[(window > cutoff) & (window <= grid.dates[cut + steps])]
        fc = forecast_demand(
            train,
            horizon=steps,
            model=model,
            hierarchy=hierarchy,
            reconcile=reconcile,
            quantiles=quantiles,
            exog=regressors,
            future=future,
            ids=id_cols,
            value=value,
            freq=grid.freq,
            **kwargs,
        )
        reconciliation = fc.reconciliation
        frame = fc.to_frame()
        if "level" not in frame.columns:
            frame.insert(0, "level", fc.nodes["level"].iloc[0])
        window_actual = actual[:, cut + 1 : cut + 1 + steps]
        truth = nodes.iloc[np.repeat(np.arange(len(nodes)), steps)].reset_index(drop=True)
        truth["date"] = np.tile(dates.iloc[cut + 1 : cut + 1 + steps].to_numpy(), len(nodes))
        truth["actual"] = window_actual.reshape(-1)
        merged = frame.merge(truth, on=[*keys, "date"], how="left", validate="one_to_one")
        merged.insert(0, "cutoff", cutoff)
        frames.append(merged)
    history = nodes.iloc[np.repeat(np.arange(len(nodes)), n_time)].reset_index(drop=True)
    history["date"] = np.tile(grid.dates.to_numpy(), len(nodes))
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
