"""Seasonal naive forecasts: every step repeats the value one season earlier.

The benchmark method of Hyndman and Athanasopoulos (fpp3, section 5.2) and statsforecast's
``SeasonalNaive``: the forecast ``h`` steps ahead is the last observed value of the same season,
the in-sample fit is the value ``season_length`` steps back, and the forecast distribution is
normal with the residual standard deviation ``sigma`` growing with the number of whole seasons
ahead, ``sigma_h = sigma * sqrt(floor((h - 1) / m) + 1)``. Sample paths are seasonal random
walks: each season adds fresh normal innovations to the path's previous season, so their
marginals are exactly those normals.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from .._validation import check_int
from ._base import FittedSeries, SeriesPanel, borrowed_scale
from ._count_shared import _check_x, fit_uplift, history, uplift_factor

__all__ = ["FittedSeasonalNaive", "SeasonalNaive"]

FloatArray = npt.NDArray[np.float64]


@attrs.frozen
class SeasonalNaive:
    """Seasonal naive method: forecasts repeat the last observed season.

    The forecast for step ``h`` is the last value of the same season (``season_length`` 1: the
    last value, the naive method). The forecast distribution is normal around it with standard
    deviation ``sigma * sqrt(k + 1)`` after ``k`` whole seasons, ``sigma`` being the root mean
    square of the in-sample residuals ``y_t - y_{t-m}`` (fpp3's benchmark intervals,
    statsforecast's ``SeasonalNaive``). Positions of the last season that a short series never
    observed take the mean of its observed values; a series with fewer than ``season_length + 1``
    values uses the standard deviation of its values as ``sigma``.

    Regressors (``panel.x``) enter as a multiplicative uplift ``exp(x' beta)`` with ``beta``
    pooled over series (see :func:`~omnichannel._forecast._count_shared.fit_uplift`, with a
    fixed effect per series and season): the method repeats the de-uplifted season and
    multiplies by the future uplift, so a promotion last week is not copied into next week.

    Parameters
    ----------
    season_length : int, default 1
        Length of the season in steps (7 for a weekly pattern in daily data).

    Raises
    ------
    InvalidParameterError
        When ``season_length`` is not an int >= 1.

    See Also
    --------
    Croston, CountModel

    Notes
    -----
    Hyndman, R. J. and Athanasopoulos, G. (2021). Forecasting: principles and practice, 3rd
    edition, OTexts, section 5.5 (benchmark prediction intervals).

    Examples
    --------
    >>> import numpy as np
    >>> import omnichannel as oc
    >>> from omnichannel._forecast._base import SeriesPanel
    >>> y = np.array([[1.0, 5.0, 2.0, 2.0, 6.0, 3.0]])
    >>> panel = SeriesPanel(y=y, start=np.array([0]))
    >>> fit = oc.SeasonalNaive(season_length=3).fit_predict(panel, 4)
    >>> fit.mean
    array([[2., 6., 3., 2.]])
    >>> fit.quantiles(np.array([0.5]))[0, :, 0]
    array([2., 6., 3., 2.])
    """

    season_length: int = attrs.field(default=1)

    @season_length.validator
    def _check_season(self, attribute: attrs.Attribute[Any], value: object) -> None:
        check_int(value, "season_length", func="SeasonalNaive", low=1)

    def fit_predict(
        self, panel: SeriesPanel, horizon: int, *, progress: bool = False
    ) -> FittedSeasonalNaive:
        """Fit every series of ``panel`` and forecast ``horizon`` steps.

        Parameters
        ----------
        panel : SeriesPanel
            The history (and regressors over history and horizon).
        horizon : int
            Steps to forecast, >= 1.
        progress : bool
            Accepted for the model protocol; unused (one vectorised pass).

        Returns
        -------
        FittedSeasonalNaive
        """
        steps = check_int(horizon, "horizon", func="SeasonalNaive.fit_predict", low=1)
        assert steps is not None
        m = self.season_length
        x = _check_x(panel, steps, "SeasonalNaive")
        n, t = panel.y.shape
        observed = np.arange(t)[None, :] >= panel.start[:, None]
        y = np.where(observed, panel.y, np.nan)
        beta = np.zeros(0)
        if x is not None:
            clipped, _ = history(panel)
            beta = fit_uplift(clipped, observed, x, season_length=m)
        uplift = uplift_factor(x, beta, (n, t + steps))
        adjusted = y / uplift[:, :t]
        lagged = np.full((n, t), np.nan)
        if t > m:
            lagged[:, m:] = adjusted[:, :-m]
        residuals = adjusted - lagged
        count = np.isfinite(residuals).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            sigma = np.sqrt(np.nansum(residuals**2, axis=1) / count)
            level = np.nanmean(adjusted, axis=1)
            spread = np.sqrt(np.nanmean((adjusted - level[:, None]) ** 2, axis=1))
        level = np.where(np.isfinite(level), level, 0.0)
        sigma = np.where(count > 0, sigma, np.where(np.isfinite(spread), spread, 0.0))
        sigma = borrowed_scale(sigma, level, np.isfinite(adjusted).sum(axis=1) > 1)
        season = np.full((n, m), np.nan)
        take = min(m, t)
        season[:, m - take :] = adjusted[:, t - take :]
        season = np.where(np.isfinite(season), season, level[:, None])
        return FittedSeasonalNaive(
            mean=season[:, np.arange(steps) % m] * uplift[:, t:],
            fitted=lagged * uplift[:, :t],
            season=season,
            sigma=sigma,
            factors=uplift[:, t:],
            season_length=m,
            beta=beta,
            x_names=panel.x_names if x is not None else (),
        )


@attrs.frozen(kw_only=True, eq=False)
class FittedSeasonalNaive(FittedSeries):
    """:class:`SeasonalNaive` fitted to a panel.

    Attributes
    ----------
    mean, fitted : ndarray
        ``(n, horizon)`` forecasts and ``(n, T)`` in-sample values one season back.
    season : ndarray
        ``(n, season_length)`` last (de-uplifted) season, repeated by the forecasts.
    sigma : ndarray
        ``(n,)`` residual standard deviation (on the de-uplifted scale).
    factors : ndarray
        ``(n, horizon)`` regressor uplift over the horizon (ones without regressors).
    """

    mean: FloatArray
    fitted: FloatArray
    season: FloatArray
    sigma: FloatArray
    factors: FloatArray
    season_length: int
    beta: FloatArray
    x_names: tuple[str, ...]

    def std(self) -> FloatArray:
        """Forecast standard deviations ``(n, horizon)``, ``sigma sqrt(k + 1)`` after k seasons."""
        horizon = self.mean.shape[1]
        whole = np.floor(np.arange(horizon) / self.season_length)
        return self.sigma[:, None] * np.sqrt(whole + 1.0)[None, :] * self.factors

    def sample(self, uniforms: FloatArray) -> FloatArray:
        """Seasonal random-walk paths ``(n_paths, n, h)`` with normal innovations ``Phi^-1(u)``."""
        u = np.asarray(uniforms, dtype=np.float64)
        shocks = special.ndtri(u) * self.sigma[None, :, None]
        m = self.season_length
        paths = np.empty(u.shape)
        horizon = u.shape[2]
        for h in range(horizon):
            base = self.season[None, :, h] if h < m else paths[:, :, h - m]
            paths[:, :, h] = base + shocks[:, :, h]
        return paths * self.factors[None, :, :]

    def quantiles(self, levels: FloatArray, *, n_paths: int = 2000, seed: int = 0) -> FloatArray:
        """Return normal quantiles ``(n, h, len(levels))``; ``n_paths`` and ``seed`` are unused."""
        z = special.ndtri(np.asarray(levels, dtype=np.float64))
        return self.mean[:, :, None] + self.std()[:, :, None] * z[None, None, :]

    def params(self) -> pd.DataFrame:
        """One row per series: the method, ``season_length`` and ``sigma``."""
        n = self.sigma.size
        frame = pd.DataFrame(
            {
                "model": np.full(n, "SeasonalNaive", dtype=object),
                "season_length": np.full(n, self.season_length),
                "sigma": self.sigma,
            }
        )
        for name, value in zip(self.x_names, self.beta, strict=True):
            frame[f"coef_{name}"] = float(value)
        return frame
