"""The contract between :func:`forecast_demand` and the model families.

``forecast_demand`` turns a long sales frame into a :class:`SeriesPanel` (one row per series, every
level of the hierarchy included), hands it to the model option object's ``fit_predict`` and gets a
:class:`FittedSeries` back. Every family works on the whole panel at once: one array operation per
time step over all series, never a Python loop per series.
"""

from __future__ import annotations

import abc

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["FittedSeries", "SeriesPanel", "borrowed_scale"]

FloatArray = NDArray[np.float64]


@attrs.frozen(kw_only=True, eq=False)
class SeriesPanel:
    """Series on a common regular time grid, as dense arrays.

    Attributes
    ----------
    y
        ``(n_series, n_time)`` history. ``NaN`` only before a series' first observation
        (series start at different dates and all end on the last date of the grid).
    start
        ``(n_series,)`` index of each series' first observed value.
    x
        ``(n_series, n_time + horizon, n_regressors)`` regressors over history and horizon, or
        ``None`` without regressors. Never ``NaN``.
    x_names
        One name per regressor (the last axis of ``x``).
    """

    y: FloatArray
    start: NDArray[np.intp]
    x: FloatArray | None = None
    x_names: tuple[str, ...] = ()

    @property
    def n_series(self) -> int:
        """Number of series (rows of ``y``)."""
        return int(self.y.shape[0])

    @property
    def n_time(self) -> int:
        """Length of the history grid (columns of ``y``)."""
        return int(self.y.shape[1])


class FittedSeries(abc.ABC):
    """A model family fitted to every series of a panel, with its forecast distribution.

    Subclasses set :attr:`mean` ``(n_series, horizon)`` and :attr:`fitted` ``(n_series, n_time)``
    (one-step-ahead in-sample predictions, ``NaN`` where undefined) and implement
    :meth:`sample`; :meth:`quantiles` defaults to empirical quantiles of sample paths and should
    be overridden where a closed form exists.
    """

    mean: FloatArray
    fitted: FloatArray

    @abc.abstractmethod
    def sample(self, uniforms: FloatArray) -> FloatArray:
        """Sample paths ``(n_paths, n_series, horizon)`` driven by ``uniforms`` of the same shape.

        ``uniforms`` in (0, 1) are the probability-integral transforms of the innovations: a
        family maps them through its innovation (or predictive) inverse CDF, so the caller
        controls the dependence between series (independent uniforms, or an empirical copula
        from jointly resampled residual dates).
        """

    def quantiles(self, levels: FloatArray, *, n_paths: int = 2000, seed: int = 0) -> FloatArray:
        """Quantiles ``(n_series, horizon, len(levels))`` of the forecast distribution."""
        rng = np.random.default_rng(seed)
        paths = self.sample(rng.random((n_paths, *self.mean.shape)))
        return np.moveaxis(np.quantile(paths, levels, axis=0), 0, -1)

    @abc.abstractmethod
    def params(self) -> pd.DataFrame:
        """One row per series (in panel order): the selected model and its parameters."""


def borrowed_scale(scale: FloatArray, level: FloatArray, own: NDArray[np.bool_]) -> FloatArray:
    """Forecast standard deviations, borrowed by the series that have none of their own.

    A series with a single observation (a product launched yesterday) has no spread to estimate,
    and a zero-width interval would claim certainty where it is least warranted. Such a series
    (``own`` False) takes the panel's median ratio of ``scale`` to ``|level|`` over the series
    that have both, times its own ``|level|``. With no such series the scales are unchanged.
    """
    size = np.abs(level)
    donor = own & np.isfinite(scale) & np.isfinite(size) & (size > 0)
    if not donor.any() or own.all():
        return scale
    ratio = float(np.median(scale[donor] / size[donor]))
    return np.where(own, scale, ratio * np.where(np.isfinite(size), size, 0.0))
