"""``forecast_demand``: forecasts of every series of a sales frame, coherent across a hierarchy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError
from .._validation import as_generator, check_bool, check_int, check_real, short_repr
from ._base import FittedSeries, SeriesPanel
from ._metrics import check_levels
from ._panel import (
    SalesGrid,
    build_grid,
    future_dates,
    future_regressors,
    id_columns_of,
    localize,
)
from ._result import DemandForecast
from ._structure import build_structure

__all__ = ["DEFAULT_QUANTILES", "ForecastModel", "check_model", "forecast_demand"]

FloatArray = npt.NDArray[np.float64]
_FUNC = "forecast_demand"
#: Quantile levels reported when none are asked for.
DEFAULT_QUANTILES: tuple[float, ...] = (0.05, 0.1, 0.5, 0.9, 0.95)


class ForecastModel(Protocol):
    """What a model option object offers: fitted to a whole panel at once."""

    def fit_predict(
        self, panel: SeriesPanel, horizon: int, *, progress: bool = False
    ) -> FittedSeries: ...


def check_model(model: object, func: str = _FUNC) -> ForecastModel:
    """Return ``model`` if it is a model option object (an instance, not a class such as oc.ETS)."""
    if isinstance(model, type) or not callable(getattr(model, "fit_predict", None)):
        raise InvalidParameterError(
            f"The 'model' parameter of {func} must be a model option object such as "
            f"oc.ETS(season_length=7), oc.SeasonalNaive(7), oc.TSB() or oc.CountModel(). Got "
            f"{short_repr(model)} instead."
        )
    return model  # type: ignore[return-value]


def cross_promotion_terms(
    grid: SalesGrid, x: FloatArray, column: str
) -> tuple[FloatArray, list[str]]:
    """Promotion of the same product in other channels, and of other products in the same place.

    ``x`` holds the regressors over history and horizon, ``(n_series, n_time, n_regressors)``.
    Each term is the share of the *other* series of a group on promotion at each date: a halo or
    cannibalisation coefficient is then the effect of the rest of the group's promotions.
    """
    j = grid.x_names.index(column)
    promo = x[:, :, j]
    terms: list[FloatArray] = []
    names: list[str] = []
    groups = {
        f"{column}_other_channels": [c for c in grid.ids if c != "channel"],
        f"{column}_other_products": [c for c in grid.ids if c != "product"],
    }
    for name, by in groups.items():
        if len(by) == len(grid.ids) or not by:
            continue
        code = grid.keys.groupby(by, sort=False, observed=True).ngroup().to_numpy()
        n_groups = int(code.max()) + 1
        total = np.zeros((n_groups, promo.shape[1]))
        np.add.at(total, code, promo)
        size = np.bincount(code, minlength=n_groups)[code].astype(np.float64)
        others = np.where(size[:, None] > 1, total[code] - promo, 0.0)
        terms.append(others / np.maximum(size - 1.0, 1.0)[:, None])
        names.append(name)
    if not terms:
        raise InvalidParameterError(
            f"cross_promotion in {_FUNC} needs 'channel' or 'product' among several id columns; "
            f"the ids are {list(grid.ids)}."
        )
    return np.concatenate([x, np.stack(terms, axis=2)], axis=2), names


def copula_uniforms(
    residuals: FloatArray, n_paths: int, horizon: int, rng: np.random.Generator
) -> FloatArray:
    """Uniforms ``(n_paths, n_series, horizon)`` with the residuals' dependence between series.

    Each path and step draws one historical date for all series at once and takes every series'
    rank of its residual on that date (the empirical copula): series that erred together in the
    past move together in the paths. Dates where a series has no residual get a fresh uniform.
    """
    n, t = residuals.shape
    valid = np.isfinite(residuals)
    usable = np.flatnonzero(valid.any(axis=0))
    if usable.size == 0:
        return rng.random((n_paths, n, horizon))
    filled = np.where(valid, residuals, np.inf)
    order = np.argsort(filled, axis=1, kind="stable")
    ranks = np.empty((n, t), dtype=np.float64)
    np.put_along_axis(ranks, order, np.arange(t, dtype=np.float64)[None, :], axis=1)
    counts = valid.sum(axis=1).astype(np.float64)
    # Jitter inside each rank cell so ties (e.g. zero residuals) do not pile on one value.
    pit_base = ranks / np.maximum(counts, 1.0)[:, None]
    dates = usable[rng.integers(0, usable.size, size=(n_paths, horizon))]
    out = pit_base[:, dates].transpose(1, 0, 2)
    out = out + rng.random(out.shape) / np.maximum(counts, 1.0)[None, :, None]
    missing = ~valid[:, dates].transpose(1, 0, 2)
    out[missing] = rng.random(int(missing.sum()))
    return np.asarray(np.clip(out, 1e-9, 1.0 - 1e-9), dtype=np.float64)


def forecast_demand(
    sales: pd.DataFrame,
    *,
    horizon: int,
    model: ForecastModel,
    hierarchy: Any = None,
    reconcile: Any = None,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    exog: Sequence[str] = (),
    future: pd.DataFrame | None = None,
    cross_promotion: str | None = None,
    ids: Sequence[str] | None = None,
    value: str = "quantity",
    freq: Any = None,
    fill_value: float = 0.0,
    exog_fill: object = None,
    end: object = None,
    dependence: str = "empirical",
    n_paths: int = 500,
    seed: object = 0,
    progress: bool = False,
) -> DemandForecast:
    """Forecast every series of a long sales frame, optionally coherent across a hierarchy.

    The frame is placed on a regular date grid (one series per combination of the id columns;
    a date without a row is ``fill_value``, i.e. no sales). The model is fitted to all series at
    once, vectorised across series. With a hierarchy, every aggregate (e.g. channel totals,
    channel x store, product) is forecast too and the forecasts are reconciled so that they add
    up; quantiles then come from reconciled joint sample paths, so they are coherent as well.

    Parameters
    ----------
    sales : pandas.DataFrame
        Long frame: ``date``, the id columns (any of ``channel``, ``location``, ``product``, or
        those named by ``ids``), the ``value`` column and any ``exog`` columns. One row per series
        and date. A ``unique_id, ds, y`` frame works after
        ``frame.rename(columns={"unique_id": "product", "ds": "date", "y": "quantity"})``.
    horizon : int
        Number of dates to forecast (>= 1).
    model : model option object
        :class:`ETS`, :class:`SeasonalNaive`, :class:`Croston`, :class:`SBA`, :class:`TSB` or
        :class:`CountModel`.
    hierarchy : Hierarchy or {"grouped", "nested"}, optional
        The aggregation structure; a string builds it from the id columns with
        :meth:`Hierarchy.from_frame`. Bottom series only when omitted.
    reconcile : reconciliation option or str, optional
        :class:`BottomUp`, :class:`TopDown`, :class:`MinTrace` or a shortcut such as
        ``"mint_shrink"``; needs a hierarchy. Base (incoherent) forecasts when omitted.
    quantiles : sequence of float
        Quantile levels to report, in (0, 1).
    exog : sequence of str
        Regressor columns of ``sales`` (promotion flags, price, events); their planned values
        over the horizon come from ``future``.
    future : pandas.DataFrame, optional
        ``date``, the id columns and the ``exog`` columns for every bottom series and forecast
        date. Required when ``exog`` is given.
    exog_fill : None, "ffill", float or dict, optional
        How to fill a regressor on a date without a row (after the series' first date). A
        missing row counts as ``fill_value`` sales, but a regressor is not guessed: by default
        such a gap raises. ``"ffill"`` carries the series' last value forward (a price), a
        number fills it (``0`` for a promotion flag); a dict gives a rule per exog column.
    cross_promotion : str, optional
        Name of a promotion column among ``exog``: adds the share of the same product on
        promotion in the other channels and of the other products on promotion in the same
        channel and location, so halo and cannibalisation enter the model.
    ids : sequence of str, optional
        The id columns; by default those of ``channel``, ``location``, ``product`` present.
    value : str
        The column to forecast.
    freq : str or pandas offset, optional
        Grid frequency; inferred from the dates when omitted.
    fill_value : float
        Value of a missing row after a series' first date.
    end : date-like, optional
        Last date of the history, when the final dates had no sales rows (a slow mover whose
        last sale was days ago); by default the last date in ``sales``. On the grid, and in
        the time zone of the sales dates. Forecasts start one step after it.
    dependence : {"empirical", "independent"}
        Dependence between series in sample paths: an empirical copula of the in-sample residuals
        (series that erred together in the past move together) or independent series.
    n_paths : int
        Sample paths used for reconciled quantiles.
    seed : int or numpy.random.Generator
        Source of randomness for sample paths.
    progress : bool
        Show a progress bar while fitting.

    Returns
    -------
    DemandForecast

    Raises
    ------
    SchemaError
        When ``sales`` or ``future`` lacks a column, has a wrong type, a missing value, a
        duplicate (series, date) row or a date off the grid.
    InvalidParameterError
        On an invalid parameter.

    Examples
    --------
    >>> import omnichannel as oc
    >>> world = oc.simulate_retailer(n_customers=500, seed=1)
    >>> fc = oc.forecast_demand(world.sales, horizon=14, model=oc.SeasonalNaive(season_length=7))
    >>> fc.mean.shape == (fc.n_series, 14)
    True
    """
    steps = check_int(horizon, "horizon", func=_FUNC, low=1)
    fitter = check_model(model)
    levels = check_levels(quantiles, "quantiles", _FUNC)
    fill = check_real(fill_value, "fill_value", func=_FUNC)
    show = check_bool(progress, "progress", func=_FUNC)
    paths_n = check_int(n_paths, "n_paths", func=_FUNC, low=10)
    if dependence not in ("empirical", "independent"):
        raise InvalidParameterError(
            f"The 'dependence' parameter of {_FUNC} must be 'empirical' or 'independent'. "
            f"Got {short_repr(dependence)} instead."
        )
    rng = as_generator(seed, func=_FUNC)
    id_cols = id_columns_of(sales, ids, _FUNC)
    regressors = tuple(str(c) for c in ([exog] if isinstance(exog, str) else exog))
    if cross_promotion is not None and cross_promotion not in regressors:
        raise InvalidParameterError(
            f"The 'cross_promotion' parameter of {_FUNC} must name one of the exog columns "
            f"{list(regressors)}. Got {short_repr(cross_promotion)} instead."
        )
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
    dates = future_dates(grid.dates[-1], grid.freq, steps)

    x_all: FloatArray | None = None
    x_names: tuple[str, ...] = ()
    if grid.x is not None:
        x_future = future_regressors(grid, future, dates, _FUNC)
        x_all = np.concatenate([grid.x, x_future], axis=1)
        x_names = grid.x_names
        if cross_promotion is not None:
            x_all, extra = cross_promotion_terms(grid, x_all, cross_promotion)
            x_names = (*x_names, *extra)

    structure = build_structure(sales, grid, hierarchy, reconcile)
    y_nodes, start_nodes, x_nodes = structure.aggregate(grid, x_all)
    panel = SeriesPanel(y=y_nodes, start=start_nodes, x=x_nodes, x_names=x_names)
    fitted = fitter.fit_predict(panel, steps, progress=show)
    residuals = y_nodes - fitted.fitted

    def base_paths(count: int, generator: np.random.Generator) -> FloatArray:
        if dependence == "empirical":
            uniforms = copula_uniforms(residuals, count, steps, generator)
        else:
            uniforms = generator.random((count, panel.n_series, steps))
        return fitted.sample(uniforms)

    if structure.reconciler is None:
        mean = fitted.mean
        quantile_values = (
            fitted.quantiles(np.asarray(levels)) if levels else np.empty((panel.n_series, steps, 0))
        )
        sampler = base_paths
    else:
        method = getattr(structure.reconciler, "method", None)
        if method in ("wls_var", "mint_shrink") and not (np.isfinite(residuals).sum(1) > 1).any():
            raise InvalidParameterError(
                f"{_FUNC} with MinTrace({method!r}) weighs the series by their in-sample "
                f"residuals, but {model!r} left fewer than 2 on every series over the "
                f"{len(grid.dates)} history dates (a seasonal model needs more than a season). "
                "Use a longer history, or reconcile with 'ols', 'wls_struct' or BottomUp()."
            )
        coherent = structure.plan(residuals, y_nodes)
        mean = coherent(fitted.mean)

        def sampler(count: int, generator: np.random.Generator) -> FloatArray:
            paths = base_paths(count, generator)
            n = paths.shape[1]
            stacked = paths.transpose(1, 0, 2).reshape(n, -1)
            return coherent(stacked).reshape(n, count, steps).transpose(1, 0, 2)

        if levels:
            paths = sampler(paths_n, rng)
            quantile_values = np.moveaxis(np.quantile(paths, levels, axis=0), 0, -1)
        else:
            quantile_values = np.empty((panel.n_series, steps, 0))
    quantile_values = np.maximum.accumulate(quantile_values, axis=-1)

    params = fitted.params().reset_index(drop=True)
    params = pd.concat([structure.nodes.reset_index(drop=True), params], axis=1)
    return DemandForecast(
        ids=id_cols,
        nodes=structure.nodes.reset_index(drop=True),
        dates=localize(dates, grid.tz),
        mean=mean,
        levels=levels,
        quantile_values=quantile_values,
        history_dates=localize(grid.dates, grid.tz),
        history=y_nodes,
        fitted=fitted.fitted,
        model=repr(model),
        reconciliation=structure.name,
        params=params,
        sampler=sampler,
    )
