"""The :class:`DemandForecast` result of :func:`forecast_demand`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError
from .._plotting import new_axes
from .._validation import as_generator, check_int, short_repr
from ._metrics import check_levels, quantile_column

__all__ = ["DemandForecast"]

FloatArray = npt.NDArray[np.float64]
Sampler = Callable[[int, np.random.Generator], FloatArray]


@attrs.frozen(kw_only=True, eq=False, repr=False)
class DemandForecast:
    """Point and probabilistic forecasts of every series, from :func:`forecast_demand`.

    Attributes
    ----------
    ids : tuple of str
        The id columns the series are keyed by (e.g. ``("channel", "location", "product")``).
    nodes : pandas.DataFrame
        One row per forecast series, in array order: ``level`` and the id columns (missing where a
        level aggregates a column out).
    dates : pandas.DatetimeIndex
        The forecast dates (``horizon`` of them).
    mean : numpy.ndarray
        ``(n_series, horizon)`` point forecasts (the forecast distribution's mean).
    levels : tuple of float
        Quantile levels, increasing.
    quantile_values : numpy.ndarray
        ``(n_series, horizon, len(levels))`` quantiles, non-decreasing along the last axis.
    history_dates : pandas.DatetimeIndex
        Dates of the history grid.
    history, fitted : numpy.ndarray
        ``(n_series, n_time)`` observed values and one-step-ahead in-sample predictions.
    model : str
        The model option object, as text.
    reconciliation : str or None
        The reconciliation method, or None for base forecasts.
    params : pandas.DataFrame
        One row per series: the id columns, then the fitted model and its parameters.

    Examples
    --------
    >>> import omnichannel as oc
    >>> world = oc.simulate_retailer(n_customers=500, seed=1)
    >>> fc = oc.forecast_demand(world.sales, horizon=7, model=oc.SeasonalNaive(season_length=7))
    >>> fc.to_frame().columns.tolist()[:6]
    ['channel', 'location', 'product', 'date', 'mean', 'q0.05']
    """

    ids: tuple[str, ...]
    nodes: pd.DataFrame
    dates: pd.DatetimeIndex
    mean: FloatArray
    levels: tuple[float, ...]
    quantile_values: FloatArray
    history_dates: pd.DatetimeIndex
    history: FloatArray
    fitted: FloatArray
    model: str
    reconciliation: str | None
    params: pd.DataFrame
    sampler: Sampler = attrs.field(alias="sampler")

    @property
    def n_series(self) -> int:
        """Number of forecast series (every level of the hierarchy included)."""
        return int(self.mean.shape[0])

    @property
    def horizon(self) -> int:
        """Number of forecast dates."""
        return int(self.mean.shape[1])

    @property
    def hierarchical(self) -> bool:
        """Whether the forecasts cover aggregate levels, not just the bottom series."""
        levels = self.nodes["level"].to_numpy()
        return bool((levels != levels[0]).any())

    def _key_columns(self) -> list[str]:
        return ["level", *self.ids] if self.hierarchical else list(self.ids)

    def to_frame(self) -> pd.DataFrame:
        """Long frame: ids (and ``level``), ``date``, ``mean`` and one ``q...`` column per level.

        Examples
        --------
        >>> import omnichannel as oc
        >>> world = oc.simulate_retailer(n_customers=500, seed=1)
        >>> fc = oc.forecast_demand(world.sales, horizon=3, model=oc.SeasonalNaive())
        >>> fc.to_frame().shape[0] == fc.n_series * 3
        True
        """
        n, h = self.mean.shape
        keys = self.nodes[self._key_columns()]
        out = keys.iloc[np.repeat(np.arange(n), h)].reset_index(drop=True)
        out["date"] = self.dates[np.tile(np.arange(h), n)]  # indexing keeps the time zone
        out["mean"] = self.mean.reshape(-1)
        flat = self.quantile_values.reshape(n * h, -1)
        for j, level in enumerate(self.levels):
            out[quantile_column(level)] = flat[:, j]
        return out

    def select(self, where: Mapping[str, object] | None = None) -> npt.NDArray[np.intp]:
        """Positions of the series whose id columns equal ``where`` (all series when None)."""
        if not where:
            return np.arange(self.n_series)
        if not isinstance(where, Mapping):
            raise InvalidParameterError(
                "The 'where' parameter of DemandForecast must map id columns to values, e.g. "
                f"{{'product': 'P001'}}. Got {short_repr(where)} instead."
            )
        mask = np.ones(self.n_series, dtype=bool)
        for column, value in where.items():
            if column not in self.nodes.columns:
                raise InvalidParameterError(
                    f"DemandForecast has no id column {column!r}; its columns are "
                    f"{self._key_columns()}."
                )
            mask &= (self.nodes[column] == value).fillna(False).to_numpy(dtype=bool)
        if self.hierarchical and "level" not in where:
            # Without a level, pick the series aggregated to exactly the columns of ``where``;
            # when no level has that grain (a nested hierarchy), the matching bottom series.
            present = self.nodes[list(self.ids)].notna().sum(axis=1).to_numpy()
            exact = mask & (present == len(where))
            mask = exact if exact.any() else mask & (present == len(self.ids))
        if not mask.any():
            raise InvalidParameterError(f"No forecast series matches {short_repr(dict(where))}.")
        return np.flatnonzero(mask)

    def sample_paths(
        self, n_paths: int = 1000, *, seed: object = 0, as_frame: bool = True
    ) -> pd.DataFrame | FloatArray:
        """Draw joint sample paths of every series over the horizon.

        Paths are coherent across the hierarchy when the forecast was reconciled, and carry the
        dependence between series of the in-sample residuals (see :func:`forecast_demand`), so
        sums over dates or series (e.g. lead-time demand) have the right spread.

        Parameters
        ----------
        n_paths : int
            Number of paths.
        seed : int or numpy.random.Generator
            Source of randomness.
        as_frame : bool
            Return a long frame (``path``, ids, ``date``, ``quantity``) rather than an array of
            shape ``(n_paths, n_series, horizon)``.

        Returns
        -------
        pandas.DataFrame or numpy.ndarray

        Examples
        --------
        >>> import omnichannel as oc
        >>> world = oc.simulate_retailer(n_customers=500, seed=1)
        >>> fc = oc.forecast_demand(world.sales, horizon=7, model=oc.SeasonalNaive(7))
        >>> fc.sample_paths(100, seed=0, as_frame=False).shape == (100, fc.n_series, 7)
        True
        """
        count = check_int(n_paths, "n_paths", func="DemandForecast.sample_paths", low=1)
        rng = as_generator(seed, func="DemandForecast.sample_paths")
        paths = self.sampler(count, rng)
        if not as_frame:
            return paths
        n, h = self.mean.shape
        keys = self.nodes[self._key_columns()]
        out = keys.iloc[np.tile(np.repeat(np.arange(n), h), count)].reset_index(drop=True)
        out.insert(0, "path", np.repeat(np.arange(count), n * h))
        out["date"] = self.dates[np.tile(np.arange(h), n * count)]
        out["quantity"] = paths.reshape(-1)
        return out

    def lead_time_demand(
        self,
        lead_time: int,
        *,
        by: Sequence[str] | None = None,
        levels: Sequence[float] | None = None,
        n_paths: int = 2000,
        seed: object = 0,
        samples: bool = False,
    ) -> pd.DataFrame:
        """Distribution of the demand summed over the first ``lead_time`` forecast dates.

        Quantiles of a sum are not sums of quantiles: they come from joint sample paths, summed
        over dates and, with ``by``, over the bottom series that share the ``by`` columns.

        Parameters
        ----------
        lead_time : int
            Number of forecast dates to sum, ``1 <= lead_time <= horizon``.
        by : sequence of str, optional
            Id columns to sum the bottom series over, e.g. ``("location", "product")`` for the
            demand on each stock-holding node; every series on its own when omitted.
        levels : sequence of float, optional
            Quantile levels; the forecast's levels when omitted.
        n_paths : int
            Number of sample paths.
        seed : int or numpy.random.Generator
            Source of randomness.
        samples : bool
            Return the summed sample paths (columns: the keys, ``sample``, ``quantity``) rather
            than quantiles. With ``by=("location", "product")`` this is the ``demand`` frame of
            :func:`allocate_inventory`.

        Returns
        -------
        pandas.DataFrame
            One row per series (or ``by`` group): the keys, ``mean`` and one ``q...`` column per
            level; with ``samples=True`` one row per group and sample path.

        Examples
        --------
        >>> import omnichannel as oc
        >>> world = oc.simulate_retailer(n_customers=500, seed=1)
        >>> fc = oc.forecast_demand(world.sales, horizon=14, model=oc.SeasonalNaive(7))
        >>> ltd = fc.lead_time_demand(7, levels=[0.5, 0.95])
        >>> bool((ltd["q0.95"] >= ltd["q0.5"]).all())
        True
        >>> node = fc.lead_time_demand(7, by=["location", "product"], n_paths=200, samples=True)
        >>> node.columns.tolist()
        ['location', 'product', 'sample', 'quantity']
        """
        func = "DemandForecast.lead_time_demand"
        lead = check_int(lead_time, "lead_time", func=func, low=1, high=self.horizon)
        chosen = self.levels if levels is None else check_levels(levels, "levels", func)
        paths = self.sample_paths(n_paths, seed=seed, as_frame=False)
        assert isinstance(paths, np.ndarray)
        totals = paths[:, :, :lead].sum(axis=2)
        means = self.mean[:, :lead].sum(axis=1)
        if by is None:
            keys = self.nodes[self._key_columns()].reset_index(drop=True)
        else:
            group = [str(c) for c in ([by] if isinstance(by, str) else by)]
            unknown = [c for c in group if c not in self.ids]
            if unknown or not group:
                raise InvalidParameterError(
                    f"The 'by' parameter of {func} must name id columns of {list(self.ids)}. "
                    f"Got {short_repr(by)} instead."
                )
            bottom = np.flatnonzero(self.nodes[list(self.ids)].notna().all(axis=1).to_numpy())
            grouped = self.nodes.iloc[bottom].groupby(group, sort=True, observed=True)
            code = grouped.ngroup().to_numpy()
            keys = grouped.size().reset_index()[group]
            n_groups = len(keys)
            summed = np.zeros((totals.shape[0], n_groups))
            np.add.at(summed.T, code, totals[:, bottom].T)
            totals = summed
            means = np.bincount(code, weights=means[bottom], minlength=n_groups)
        if samples:
            count = totals.shape[0]
            out = keys.iloc[np.tile(np.arange(len(keys)), count)].reset_index(drop=True)
            out["sample"] = np.repeat(np.arange(count), len(keys))
            out["quantity"] = totals.reshape(-1)
            return out
        out = keys.copy()
        out["mean"] = means
        if chosen:
            values = np.quantile(totals, chosen, axis=0)
            for level, row in zip(chosen, values, strict=True):
                out[quantile_column(level)] = row
        return out

    def summary(self) -> str:
        """Describe the model, reconciliation, series per level, horizon and quantile levels."""
        per_level = self.nodes["level"].value_counts(sort=False)
        levels = ", ".join(f"{name} {count:,}" for name, count in per_level.items())
        lines = [
            f"DemandForecast: {self.n_series:,} series x {self.horizon} dates "
            f"({self.dates[0].date()} to {self.dates[-1].date()})",
            f"  model: {self.model}",
            f"  reconciliation: {self.reconciliation or 'none (base forecasts)'}",
            f"  series by level: {levels}",
            f"  quantiles: {', '.join(quantile_column(q) for q in self.levels) or 'none'}",
            f"  history: {len(self.history_dates)} dates from {self.history_dates[0].date()}",
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"DemandForecast(model={self.model}, series={self.n_series:,}, "
            f"horizon={self.horizon}, reconciliation={self.reconciliation!r})"
        )

    def plot(
        self,
        where: Mapping[str, object] | None = None,
        *,
        n_history: int | None = None,
        ax: Any = None,
    ) -> Any:
        """Plot history, fitted values, forecast mean and the widest quantile band.

        Parameters
        ----------
        where : mapping, optional
            Id values of the series to plot, e.g. ``{"product": "P001", "location": "S01"}``;
            the values of all matching series are summed. All bottom series when omitted.
        n_history : int, optional
            Number of history dates shown, >= 1 (all when omitted).
        ax : matplotlib.axes.Axes, optional
            Axes to draw on.

        Returns
        -------
        matplotlib.axes.Axes
        """
        rows = self.select(where)
        if where is None and self.hierarchical:
            rows = np.flatnonzero(self.nodes[list(self.ids)].notna().all(axis=1).to_numpy())
        shown = None
        if n_history is not None:
            shown = check_int(n_history, "n_history", func="DemandForecast.plot", low=1)
        axes = new_axes(ax, figsize=(9.0, 4.0))
        start = 0 if shown is None else max(0, len(self.history_dates) - shown)
        history = np.nansum(self.history[rows, start:], axis=0)
        axes.plot(self.history_dates[start:], history, color="0.3", lw=1, label="history")
        axes.plot(self.dates, self.mean[rows].sum(axis=0), color="C0", lw=2, label="forecast")
        if len(rows) == 1 and len(self.levels) >= 2:
            low, high = self.quantile_values[rows[0], :, 0], self.quantile_values[rows[0], :, -1]
            axes.fill_between(
                self.dates,
                low,
                high,
                color="C0",
                alpha=0.2,
                label=f"{quantile_column(self.levels[0])}-{quantile_column(self.levels[-1])}",
            )
        title = ", ".join(f"{k}={v}" for k, v in (where or {}).items()) or "all bottom series"
        axes.set_title(title)
        axes.legend(loc="upper left")
        return axes
