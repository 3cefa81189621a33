"""The fitted ETS panel: forecasts, forecast distribution and per-series parameters."""

from __future__ import annotations

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import special, stats

from .._exceptions import InvalidParameterError
from .._validation import check_int
from ._base import FittedSeries
from ._ets_kernels import Spec, simulate

__all__ = ["ETSFit"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: Upper bound on simulated values held at once by :meth:`ETSFit.quantiles`.
_SIM_BUDGET = 20_000_000


def _readonly(value: object) -> NDArray[np.generic]:
    array = np.array(value)
    array.flags.writeable = False
    return array


@attrs.frozen(kw_only=True, eq=False)
class ETSFit(FittedSeries):
    """ETS models fitted to every series of a panel, one model per series.

    Attributes
    ----------
    mean : numpy.ndarray
        ``(n_series, horizon)`` point forecasts (including the regression part).
    fitted : numpy.ndarray
        ``(n_series, n_time)`` one-step-ahead in-sample predictions, ``NaN`` before a series'
        first observation.
    specs : tuple of Spec
        The models that can occur; ``code`` indexes this tuple.
    code : numpy.ndarray
        ``(n_series,)`` selected model of each series.
    alpha, beta, gamma, phi : numpy.ndarray
        Smoothing and damping parameters (``beta = gamma = 0`` and ``phi = 1`` where the model
        has no such component).
    sigma2 : numpy.ndarray
        Maximum-likelihood innovation variance (of relative errors for multiplicative error).
    loglik, aic, aicc, bic, n_params, nobs : numpy.ndarray
        Log-likelihood, information criteria, parameter count (including the variance) and
        observations used.
    initial_level, initial_trend : numpy.ndarray
        Estimated states before the first observation.
    level, trend : numpy.ndarray
        States after the last observation.
    season_next : numpy.ndarray
        ``(n_series, m)``: column ``j`` is the seasonal state used ``j + 1`` steps ahead.
    coef : numpy.ndarray
        ``(n_series, n_regressors)`` regression coefficients.
    x_names : tuple of str
        Regressor names.
    regression : numpy.ndarray
        ``(n_series, horizon)`` regression part of ``mean``.
    converged : numpy.ndarray
        Whether the optimiser met its tolerance for the selected model.

    Examples
    --------
    >>> import numpy as np
    >>> import omnichannel as oc
    >>> from omnichannel._forecast._base import SeriesPanel
    >>> y = 10 + np.tile([1.0, -1.0, 0.0], (2, 20))
    >>> panel = SeriesPanel(y=y, start=np.zeros(2, dtype=np.intp))
    >>> fit = oc.ETS(error="add", trend="none", seasonal="add", season_length=3).fit_predict(
    ...     panel, 3
    ... )
    >>> fit.mean.round(2)
    array([[11.,  9., 10.],
           [11.,  9., 10.]])
    >>> fit.params()["model"].tolist()
    ['ETS(A,N,A)', 'ETS(A,N,A)']
    """

    mean: FloatArray = attrs.field(converter=_readonly, repr=False)
    fitted: FloatArray = attrs.field(converter=_readonly, repr=False)
    specs: tuple[Spec, ...]
    code: IntArray = attrs.field(converter=_readonly, repr=False)
    alpha: FloatArray = attrs.field(converter=_readonly, repr=False)
    beta: FloatArray = attrs.field(converter=_readonly, repr=False)
    gamma: FloatArray = attrs.field(converter=_readonly, repr=False)
    phi: FloatArray = attrs.field(converter=_readonly, repr=False)
    sigma2: FloatArray = attrs.field(converter=_readonly, repr=False)
    loglik: FloatArray = attrs.field(converter=_readonly, repr=False)
    aic: FloatArray = attrs.field(converter=_readonly, repr=False)
    aicc: FloatArray = attrs.field(converter=_readonly, repr=False)
    bic: FloatArray = attrs.field(converter=_readonly, repr=False)
    n_params: IntArray = attrs.field(converter=_readonly, repr=False)
    nobs: IntArray = attrs.field(converter=_readonly, repr=False)
    initial_level: FloatArray = attrs.field(converter=_readonly, repr=False)
    initial_trend: FloatArray = attrs.field(converter=_readonly, repr=False)
    level: FloatArray = attrs.field(converter=_readonly, repr=False)
    trend: FloatArray = attrs.field(converter=_readonly, repr=False)
    season_next: FloatArray = attrs.field(converter=_readonly, repr=False)
    coef: FloatArray = attrs.field(converter=_readonly, repr=False)
    x_names: tuple[str, ...] = ()
    regression: FloatArray = attrs.field(converter=_readonly, repr=False)
    converged: NDArray[np.bool_] = attrs.field(converter=_readonly, repr=False)

    @property
    def n_series(self) -> int:
        """Number of series."""
        return int(self.mean.shape[0])

    @property
    def horizon(self) -> int:
        """Number of forecast steps."""
        return int(self.mean.shape[1])

    @property
    def models(self) -> NDArray[np.object_]:
        """Model string of each series, e.g. ``ETS(A,Ad,M)``."""
        names = np.array([s.name for s in self.specs], dtype=object)
        out: NDArray[np.object_] = names[self.code]
        return out

    def _groups(self) -> list[tuple[Spec, IntArray]]:
        return [
            (spec, rows)
            for c, spec in enumerate(self.specs)
            if (rows := np.flatnonzero(self.code == c)).size
        ]

    def _simulate(self, rows: IntArray, spec: Spec, z: FloatArray) -> FloatArray:
        paths = simulate(
            spec,
            self.level[rows],
            self.trend[rows],
            self.season_next[rows, : spec.period].T,
            self.alpha[rows],
            self.beta[rows],
            self.gamma[rows],
            self.phi[rows],
            np.sqrt(self.sigma2[rows]),
            z,
        )
        paths += self.regression[rows]
        return paths

    def sample(self, uniforms: FloatArray) -> FloatArray:
        """Simulate the fitted state-space models.

        Parameters
        ----------
        uniforms : numpy.ndarray
            ``(n_paths, n_series, horizon)`` values in (0, 1) (0 and 1 are clipped to
            ``1e-12`` away): the innovations are
            ``sigma * Phi^-1(u)`` (additive error) or ``yhat * sigma * Phi^-1(u)``
            (multiplicative error).

        Returns
        -------
        numpy.ndarray
            ``(n_paths, n_series, horizon)`` sample paths.

        Raises
        ------
        InvalidParameterError
            If ``uniforms`` has the wrong shape or values outside (0, 1).
        """
        u = np.asarray(uniforms, dtype=np.float64)
        if u.ndim != 3 or u.shape[1:] != self.mean.shape:
            raise InvalidParameterError(
                "The 'uniforms' parameter of ETSFit.sample must have shape (n_paths, "
                f"{self.n_series}, {self.horizon}). Got shape {u.shape} instead."
            )
        if not (np.all(u >= 0) and np.all(u <= 1)):
            raise InvalidParameterError(
                "The 'uniforms' parameter of ETSFit.sample must hold values between 0 and 1 "
                "(no NaN)."
            )
        z = special.ndtri(np.clip(u, 1e-12, 1 - 1e-12))
        out = np.empty(u.shape)
        for spec, rows in self._groups():
            out[:, rows, :] = self._simulate(rows, spec, z[:, rows, :])
        return out

    def forecast_variance(self) -> FloatArray:
        """Analytic forecast variance ``(n_series, horizon)``; ``NaN`` outside class 1.

        For the linear models (additive error, no multiplicative season) the ``h``-step variance
        is ``sigma2 * (1 + sum_{j<h} c_j^2)`` with ``c_j = alpha + beta * (phi + ... + phi^j) +
        gamma * [j % m == 0]`` (Hyndman et al. 2008, chapter 6), the same as statsmodels'
        ``ETSResults.get_prediction``.
        """
        var = np.full(self.mean.shape, np.nan)
        steps = np.arange(1, self.horizon)
        for spec, rows in self._groups():
            if not spec.linear:
                continue
            phi = self.phi[rows][:, None]
            if spec.damped:
                damp = phi * (1 - phi ** steps[None, :]) / (1 - phi)
            else:
                damp = np.broadcast_to(steps[None, :].astype(np.float64), (rows.size, steps.size))
            c = self.alpha[rows][:, None] + self.beta[rows][:, None] * damp
            if spec.seasonal:
                c = c + self.gamma[rows][:, None] * (steps % spec.m == 0)[None, :]
            cum = np.concatenate([np.zeros((rows.size, 1)), np.cumsum(c * c, axis=1)], axis=1)
            var[rows] = self.sigma2[rows][:, None] * (1.0 + cum)
        return var

    def quantiles(self, levels: FloatArray, *, n_paths: int = 2000, seed: int = 0) -> FloatArray:
        """Quantiles ``(n_series, horizon, len(levels))`` of the forecast distribution.

        Analytic (normal) for the linear models, empirical quantiles of ``n_paths`` simulated
        paths per series otherwise (simulated in blocks of series to bound memory).

        Parameters
        ----------
        levels : array of float
            Probabilities in (0, 1).
        n_paths : int, default 2000
            Paths per series for the models without a closed form.
        seed : int, default 0
            Seed of the simulation.

        Returns
        -------
        numpy.ndarray

        Raises
        ------
        InvalidParameterError
            If a level is outside (0, 1).
        """
        probs = np.atleast_1d(np.asarray(levels, dtype=np.float64))
        if probs.ndim != 1 or not (np.all(probs > 0) and np.all(probs < 1)):
            raise InvalidParameterError(
                "The 'levels' parameter of ETSFit.quantiles must be probabilities strictly "
                f"between 0 and 1. Got {levels!r} instead."
            )
        n_paths = check_int(n_paths, "n_paths", func="ETSFit.quantiles", low=10) or 10
        rng = np.random.default_rng(seed)
        out = np.empty((*self.mean.shape, probs.size))
        var = self.forecast_variance()
        z = stats.norm.ppf(probs)
        for spec, rows in self._groups():
            if spec.linear:
                sd = np.sqrt(var[rows])
                out[rows] = self.mean[rows][:, :, None] + sd[:, :, None] * z[None, None, :]
                continue
            block = max(1, _SIM_BUDGET // (n_paths * max(self.horizon, 1)))
            for lo in range(0, rows.size, block):
                part = rows[lo : lo + block]
                normal = rng.standard_normal((n_paths, part.size, self.horizon))
                paths = self._simulate(part, spec, normal)
                out[part] = np.moveaxis(np.quantile(paths, probs, axis=0), 0, -1)
        return out

    def params(self) -> pd.DataFrame:
        """One row per series (in panel order): the selected model and its parameters."""
        has_trend = np.array([s.trend for s in self.specs])[self.code]
        damped = np.array([s.damped for s in self.specs])[self.code]
        seasonal = np.array([s.seasonal for s in self.specs])[self.code]
        frame = pd.DataFrame(
            {
                "model": self.models.astype(str),
                "alpha": self.alpha.copy(),
                "beta": np.where(has_trend, self.beta, np.nan),
                "gamma": np.where(seasonal, self.gamma, np.nan),
                "phi": np.where(damped, self.phi, np.nan),
                "sigma2": self.sigma2.copy(),
                "loglik": self.loglik.copy(),
                "aic": self.aic.copy(),
                "aicc": self.aicc.copy(),
                "bic": self.bic.copy(),
                "n_params": self.n_params.copy(),
                "nobs": self.nobs.copy(),
                "initial_level": self.initial_level.copy(),
                "initial_trend": np.where(has_trend, self.initial_trend, np.nan),
                "converged": self.converged.copy(),
            }
        )
        for j, name in enumerate(self.x_names):
            frame[f"coef_{name}"] = self.coef[:, j]
        return frame

    def to_frame(self) -> pd.DataFrame:
        """Point forecasts as a long frame: ``series``, ``step`` (1-based), ``mean``."""
        n, h = self.mean.shape
        return pd.DataFrame(
            {
                "series": np.repeat(np.arange(n), h),
                "step": np.tile(np.arange(1, h + 1), n),
                "mean": self.mean.ravel().copy(),
            }
        )

    def summary(self) -> pd.DataFrame:
        """One row per selected model: how many series use it and their median parameters."""
        params = self.params()
        cols = ["alpha", "beta", "gamma", "phi", "sigma2"]
        grouped = params.groupby("model", sort=True)
        out = grouped[cols].median()
        out.insert(0, "series", grouped.size())
        return out.reset_index()

    def __repr__(self) -> str:
        counts = pd.Series(self.models).value_counts()
        top = ", ".join(f"{name} x{count}" for name, count in counts.head(3).items())
        more = ", ..." if counts.size > 3 else ""
        return f"ETSFit({self.n_series} series, horizon {self.horizon}: {top}{more})"
