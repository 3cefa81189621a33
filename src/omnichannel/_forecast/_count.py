r"""Dynamic count model for intermittent demand.

:class:`CountModel` is a score-driven (GAS) negative binomial or Poisson model: the mean is an
exponentially smoothed level times a seasonal index times a regressor uplift on the log link,

.. math:: \mu_t = b_t\, s_{t}\, e^{x_t'\beta}, \qquad
          b_{t+1} = b_t + \alpha\,(y_t / (s_t e^{x_t'\beta}) - b_t),

which is the score step of the negative binomial (and Poisson) mean scaled by the inverse Fisher
information (Creal, Koopman and Lucas 2013): the level stays positive and needs no log of zero.
Forecast distributions are integer valued: the one-step predictive is negative binomial with
size ``k`` (Poisson for ``family="poisson"``); sample paths update the level with the simulated
values, and quantiles beyond one step use the negative binomial matching the exact mean and
variance of the path distribution.

The count pieces other families share (:func:`count_ppf`, :func:`fit_uplift`, the history
helpers) live in :mod:`omnichannel._forecast._count_shared`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, get_args

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from .._validation import check_choice, check_int, check_real
from ._base import FittedSeries, SeriesPanel
from ._count_shared import (
    _check_alpha,
    _check_bounds,
    _check_x,
    block_slices,
    count_ppf,
    fit_uplift,
    history,
    time_major,
    uplift_factor,
)

__all__ = [
    "COUNT_FAMILIES",
    "CountFamily",
    "CountModel",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]

CountFamily = Literal["negbin", "poisson"]
#: Observation families of :class:`CountModel`.
COUNT_FAMILIES: tuple[CountFamily, ...] = get_args(CountFamily)

#: Largest count whose log-gamma terms come from a per-series histogram (see ``_Counts.lgamma``).
_HIST_MAX = 48
_TINY = 1e-300


# ------------------------------------------------------------------------------------------
# seasonal indices and the level recursion


def _seasonal_indices(
    y: FloatArray, observed: BoolArray, uplift: FloatArray, season_length: int, prior: float
) -> FloatArray:
    """Per-series multiplicative seasonal indices ``(n, m)``, shrunk towards the pooled profile.

    Season ``j`` of series ``i`` has ``Y_ij`` sales against ``E_ij = r_i * sum(uplift)`` expected
    without seasonality (``r_i`` the series' overall rate). With a gamma prior of shape
    ``prior * P_j`` and rate ``prior`` around the pooled profile ``P_j``, the posterior mean
    index is ``(prior * P_j + Y_ij) / (prior + E_ij)``: series with plenty of sales keep their
    own profile, sparse ones borrow the panel's (itself shrunk towards a flat profile with the
    same prior). Indices are positive and average 1 over the season.
    """
    n, t = y.shape
    season = np.arange(t) % season_length
    exposure = np.zeros((n, season_length))
    sales = np.zeros((n, season_length))
    for j in range(season_length):
        cols = season == j
        exposure[:, j] = (uplift[:, :t][:, cols] * observed[:, cols]).sum(axis=1)
        sales[:, j] = y[:, cols].sum(axis=1)
    total_e = exposure.sum(axis=1)
    rate = np.where(total_e > 0, sales.sum(axis=1) / np.where(total_e > 0, total_e, 1.0), 0.0)
    expected = rate[:, None] * exposure
    # the pooled profile is itself shrunk towards flat, so no season gets a zero index
    profile = (sales.sum(axis=0) + prior) / (expected.sum(axis=0) + prior)
    profile = profile / profile.mean()
    index = (prior * profile[None, :] + sales) / (prior + expected)
    return np.asarray(index / index.mean(axis=1, keepdims=True), dtype=np.float64)


def _initial_level(z: FloatArray, observed: BoolArray, start: IntArray, window: int) -> FloatArray:
    """Mean of the adjusted history over each series' first ``window`` observations.

    Shrunk by one pseudo-observation of the series' overall mean, so a series that starts with
    a run of zeros still starts at a positive level.
    """
    t = z.shape[1]
    first = (np.arange(t)[None, :] < (start + window)[:, None]) & observed
    count = first.sum(axis=1)
    total = observed.sum(axis=1)
    overall = np.where(total > 0, z.sum(axis=1) / np.maximum(total, 1), 0.0)
    level = (np.where(first, z, 0.0).sum(axis=1) + overall) / (count + 1.0)
    return np.asarray(level, dtype=np.float64)


def _blocks_by_start(start: IntArray, n_time: int) -> Iterator[tuple[IntArray, IntArray]]:
    """Blocks of series sorted by start, with the number of started series at each step.

    Within a block the series that have started by step ``t`` are a prefix of length
    ``active[t]``, so each step works on a slice instead of a mask.
    """
    order = np.argsort(start, kind="stable")
    for blk in block_slices(start.size):
        rows = order[blk]
        yield rows, np.searchsorted(start[rows], np.arange(n_time), side="right")


def _golden_alpha(
    y: FloatArray,
    z: FloatArray,
    c: FloatArray | None,
    b0: FloatArray,
    start: IntArray,
    bounds: tuple[float, float],
    n_eval: int,
) -> FloatArray:
    """Per-series smoothing parameter maximising the Poisson quasi-likelihood.

    A golden-section search on ``log(alpha)`` over ``bounds``, batched over series: every
    evaluation is one pass over time with one array operation per step for all series of a
    block. The quasi-likelihood ``sum(y log mu - mu)`` identifies the mean dynamics whatever the
    dispersion (a quasi-maximum-likelihood estimate); ``n_eval`` evaluations narrow the bracket
    to ``0.618**(n_eval - 2)`` of its log-width. Runs in single precision: it only ranks
    candidate values.
    """
    n, t = y.shape
    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    inv_gr = (np.sqrt(5.0) - 1.0) / 2.0
    out = np.empty(n)
    for rows, active in _blocks_by_start(start, t):
        yt = time_major(y, rows, np.float32)
        zt = yt if c is None else time_major(z, rows, np.float32)
        ct = None if c is None else time_major(c, rows, np.float32)
        b_init = b0[rows].astype(np.float32)

        def score(log_alpha: FloatArray) -> FloatArray:
            return _quasi_loglik(yt, zt, ct, active, b_init, np.exp(log_alpha))  # noqa: B023

        a = np.full(rows.size, lo)
        b = np.full(rows.size, hi)
        xc = b - inv_gr * (b - a)
        xd = a + inv_gr * (b - a)
        fc, fd = score(xc), score(xd)
        for _ in range(n_eval - 2):
            left = fc > fd  # maximising: keep the bracket around the better point
            b = np.where(left, xd, b)
            a = np.where(left, a, xc)
            xd, xc = (
                np.where(left, xc, a + inv_gr * (b - a)),
                np.where(left, b - inv_gr * (b - a), xd),
            )
            f_new = score(np.where(left, xc, xd))
            fd, fc = np.where(left, fc, f_new), np.where(left, f_new, fd)
        out[rows] = np.exp(np.where(fc > fd, xc, xd))
    return out


def _quasi_loglik(
    yt: npt.NDArray[np.float32],
    zt: npt.NDArray[np.float32],
    ct: npt.NDArray[np.float32] | None,
    active: IntArray,
    b0: npt.NDArray[np.float32],
    alpha: FloatArray,
) -> FloatArray:
    """``sum_t (y_t log mu_t - mu_t)`` per series of a block (time-major, sorted by start)."""
    level = b0.copy()
    al = alpha.astype(np.float32)
    ql = np.zeros(level.size, dtype=np.float32)
    mu = np.empty_like(level)
    tmp = np.empty_like(level)
    for step in range(int(np.searchsorted(active, 1, side="left")), yt.shape[0]):
        k = int(active[step])
        lv, m_, tp = level[:k], mu[:k], tmp[:k]
        if ct is None:
            m_ = lv
        else:
            np.multiply(lv, ct[step, :k], out=m_)
        np.maximum(m_, 1e-30, out=tp)
        np.log(tp, out=tp)
        tp *= yt[step, :k]
        tp -= m_
        ql[:k] += tp
        np.subtract(zt[step, :k], lv, out=tp)
        tp *= al[:k]
        lv += tp
    return ql.astype(np.float64)


def _filter(
    z: FloatArray, c: FloatArray | None, b0: FloatArray, start: IntArray, alpha: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Fitted one-step means ``(n, T)`` (NaN before start) and the level after the last step."""
    n, t = z.shape
    fitted = np.empty((n, t))
    level_out = np.empty(n)
    for rows, active in _blocks_by_start(start, t):
        zt = time_major(z, rows)
        ct = None if c is None else time_major(c, rows)
        level = b0[rows].copy()
        al = alpha[rows]
        fit_t = np.full((t, rows.size), np.nan)
        tmp = np.empty(rows.size)
        for step in range(int(np.searchsorted(active, 1, side="left")), t):
            k = int(active[step])
            if ct is None:
                fit_t[step, :k] = level[:k]
            else:
                np.multiply(level[:k], ct[step, :k], out=fit_t[step, :k])
            np.subtract(zt[step, :k], level[:k], out=tmp[:k])
            tmp[:k] *= al[:k]
            level[:k] += tmp[:k]
        fitted[rows] = fit_t.T
        level_out[rows] = level
    return fitted, level_out


# ------------------------------------------------------------------------------------------
# dispersion


def _trigamma(x: FloatArray) -> FloatArray:
    """Trigamma for ``x > 0``: six recurrence steps, then the asymptotic series (error < 1e-11).

    ``scipy.special.polygamma(1, x)`` goes through the Hurwitz zeta function, which is slow on
    millions of values.
    """
    shift = np.zeros_like(x)
    z = x.copy()
    for _ in range(6):
        shift += 1.0 / (z * z)
        z += 1.0
    inv = 1.0 / z
    inv2 = inv * inv
    series = inv * (1.0 + inv * (0.5 + inv * (1.0 / 6.0 - inv2 * (1.0 / 30.0 - inv2 / 42.0))))
    return np.asarray(shift + series, dtype=np.float64)


@attrs.frozen(kw_only=True, eq=False)
class _Counts:
    """Each series' values as a histogram of small integers plus the other values directly.

    Gives ``sum_t [lgamma(y_t + k) - lgamma(k)]`` and its first two derivatives in ``k`` with one
    table per size instead of one ``lgamma`` per day.
    """

    hist: FloatArray  # (n, _HIST_MAX + 1) days with each value 0.._HIST_MAX
    rows: IntArray  # series of the other (large or fractional) values
    values: FloatArray

    @classmethod
    def of(cls, y: FloatArray) -> _Counts:
        n, t = y.shape
        width = _HIST_MAX + 2  # the last column collects the values handled directly
        hist = np.empty((n, width))
        for blk in block_slices(n, max(1, 2_000_000 // max(t, 1))):
            yb = y[blk]
            direct = (yb > _HIST_MAX) | (yb != np.floor(yb))
            key = np.where(direct, _HIST_MAX + 1, yb).astype(np.intp)
            key += (np.arange(yb.shape[0]) * width)[:, None]
            hist[blk] = np.bincount(key.ravel(), minlength=yb.shape[0] * width).reshape(-1, width)
        rows_direct = np.flatnonzero(hist[:, -1] > 0)
        rows = np.zeros(0, dtype=np.intp)
        values = np.zeros(0)
        if rows_direct.size:
            sub = y[rows_direct]
            r, c = np.nonzero((sub > _HIST_MAX) | (sub != np.floor(sub)))
            rows, values = rows_direct[r], sub[r, c]
        return cls(hist=hist[:, :-1], rows=rows, values=values)

    def lgamma(self, sizes: FloatArray) -> FloatArray:
        """``(n, K)`` sums for every series at each size of ``sizes``."""
        v = np.arange(_HIST_MAX + 1, dtype=np.float64)
        table = special.gammaln(v[:, None] + sizes[None, :]) - special.gammaln(sizes)[None, :]
        out = np.asarray(self.hist @ table, dtype=np.float64)
        n = out.shape[0]
        for j, k in enumerate(sizes):
            terms = special.gammaln(self.values + k) - special.gammaln(k)
            out[:, j] += np.bincount(self.rows, weights=terms, minlength=n)
        return out

    def derivatives(self, size: FloatArray) -> tuple[FloatArray, FloatArray]:
        """First and second derivatives in ``k`` at each series' own size ``(n,)``.

        For an integer ``v``, ``digamma(v + k) - digamma(k)`` is ``sum_{j<v} 1 / (k + j)`` and the
        trigamma difference ``-sum_{j<v} 1 / (k + j)**2``: cumulative sums over the histogram's
        values, no special function per value.
        """
        inv = 1.0 / (size[:, None] + np.arange(_HIST_MAX, dtype=np.float64)[None, :])
        first = np.zeros((size.size, _HIST_MAX + 1))
        second = np.zeros((size.size, _HIST_MAX + 1))
        np.cumsum(inv, axis=1, out=first[:, 1:])
        np.cumsum(-(inv * inv), axis=1, out=second[:, 1:])
        d1 = (self.hist * first).sum(axis=1)
        d2 = (self.hist * second).sum(axis=1)
        if self.rows.size:
            kk = size[self.rows]
            n = size.size
            d1 += np.bincount(
                self.rows,
                weights=special.digamma(self.values + kk) - special.digamma(kk),
                minlength=n,
            )
            d2 += np.bincount(
                self.rows,
                weights=_trigamma(self.values + kk) - _trigamma(kk),
                minlength=n,
            )
        return d1, d2


def _binned_means(
    y: FloatArray, fitted: FloatArray, max_bins: int = 64, width: float = 0.02
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    """Cells of each series grouped by fitted mean: non-empty bins as flat arrays.

    A bin spans ``width`` in ``log mu`` (wider when a series' range needs more than
    ``max_bins``), so the means in a bin lie within about a per cent of each other: the
    likelihood of the size ``k`` then needs one term per bin instead of one per day. Returns
    each bin's series, number of days, sales and mean fitted value. ``fitted`` is NaN exactly
    where a series is not observed.
    """
    n, t = y.shape
    count = np.empty((n, max_bins))
    sales = np.empty((n, max_bins))
    total = np.empty((n, max_bins))
    for blk in block_slices(n, max(1, 2_000_000 // max(t, 1))):
        fb = fitted[blk]
        m = fb.shape[0]
        lm = np.log(np.maximum(fb, 1e-12))  # NaN (not observed) stays NaN
        lo = np.fmin.reduce(lm, axis=1)
        hi = np.fmax.reduce(lm, axis=1)
        lo = np.where(np.isfinite(lo), lo, 0.0)
        span = np.where(hi > lo, hi - lo, 0.0)
        scale = np.minimum(1.0 / width, (max_bins - 1e-9) / np.maximum(span, 1e-300))
        pos = np.fmax(lm, lo[:, None])  # unobserved cells land in bin 0 with zero weight
        pos -= lo[:, None]
        pos *= scale[:, None]
        idx = np.minimum(pos.astype(np.intp), max_bins - 1)
        idx += (np.arange(m) * max_bins)[:, None]
        key = idx.ravel()
        seen = np.isfinite(fb).ravel().astype(np.float64)
        size = m * max_bins
        count[blk] = np.bincount(key, weights=seen, minlength=size).reshape(m, max_bins)
        sales[blk] = np.bincount(key, weights=y[blk].ravel(), minlength=size).reshape(m, max_bins)
        mu = np.nan_to_num(fb).ravel()
        total[blk] = np.bincount(key, weights=mu, minlength=size).reshape(m, max_bins)
    rows, bins = np.nonzero(count > 0)
    cnt = count[rows, bins]
    return rows, cnt, sales[rows, bins], total[rows, bins] / cnt


def _dispersion(y: FloatArray, fitted: FloatArray) -> FloatArray:
    """Maximum-likelihood negative binomial size per series, given the fitted means.

    The profile log-likelihood of ``k`` uses the fitted means binned by
    :func:`_binned_means`. A grid of ``log k`` from 0.01 to 10,000 brackets the maximum; three
    Newton steps in ``log k`` (digamma and trigamma derivatives, steps limited to the grid
    spacing) then refine it. Series whose likelihood still rises at the top of the grid have no
    overdispersion and keep 10,000 (practically Poisson).
    """
    n = y.shape[0]
    grid = np.exp(np.linspace(np.log(0.01), np.log(1e4), 25))
    counts = _Counts.of(y)
    loglik = counts.lgamma(grid)
    rows, count, sales, mean = _binned_means(y, fitted)
    n_obs = np.bincount(rows, weights=count, minlength=n)
    for j, k in enumerate(grid):
        terms = (sales + k * count) * np.log(k + mean)
        loglik[:, j] += k * np.log(k) * n_obs - np.bincount(rows, weights=terms, minlength=n)
    best = np.argmax(loglik, axis=1)
    step = np.log(grid[1]) - np.log(grid[0])
    theta = np.log(grid[best])
    edge = (best == 0) | (best == grid.size - 1)
    for _ in range(3):
        k = np.exp(theta)
        kb = k[rows]
        inv = 1.0 / (kb + mean)
        share = (sales + kb * count) * inv
        l1, l2 = counts.derivatives(k)
        d1 = l1 + n_obs * (np.log(k) + 1.0)
        d1 -= np.bincount(rows, weights=count * np.log(kb + mean) + share, minlength=n)
        d2 = (
            l2 + n_obs / k - np.bincount(rows, weights=2.0 * count * inv - share * inv, minlength=n)
        )
        grad, hess = k * d1, k * k * d2 + k * d1
        with np.errstate(divide="ignore", invalid="ignore"):
            move = np.where(hess < 0, -grad / hess, 0.0)
        theta = np.where(edge, theta, theta + np.clip(np.nan_to_num(move), -step, step))
    lo, hi = np.log(grid[0]), np.log(grid[-1])
    return np.asarray(np.exp(np.clip(theta, lo, hi)), dtype=np.float64)


# ------------------------------------------------------------------------------------------
# the option object and its fitted panel


@attrs.frozen
class CountModel:
    """Score-driven negative binomial (or Poisson) model for intermittent count demand.

    The one-step mean is ``mu_t = b_t * s_t * exp(x_t' beta)``: a level ``b_t`` smoothed
    exponentially on the adjusted history, ``b_{t+1} = b_t + alpha (y_t / (s_t exp(x_t' beta))
    - b_t)`` (the score step of the count likelihood scaled by its inverse information, so the
    level stays positive through long runs of zeros), an optional seasonal index ``s_t`` and a
    multiplicative regressor uplift on the log link. ``y_t`` given the past is negative binomial
    with mean ``mu_t`` and size ``k`` (variance ``mu + mu**2 / k``), or Poisson.

    Estimation, vectorised over all series of the panel:

    - regressor effects ``beta`` (promotion, price, events in ``panel.x``) are shared by all series
      and estimated by the pooled fixed-effects Poisson regression of :func:`fit_uplift` (one
      effect per series and season absorbs levels and weekly profiles);
    - seasonal indices per series are shrunk towards the panel's pooled profile (gamma-Poisson
      posterior means with ``seasonal_prior`` pseudo-units);
    - ``alpha`` per series maximises the Poisson quasi-likelihood (golden-section search on
      ``log alpha`` within ``bounds``) unless fixed;
    - the size ``k`` per series maximises the negative binomial likelihood given the fitted means.

    Negative values (returns) count as zero demand. The forecast mean is flat apart from the
    seasonal and regressor factors. Forecast distributions are integer valued: :meth:`sample`
    maps uniforms through the negative binomial (Poisson) inverse CDF step by step and feeds the
    simulated values back into the level; ``quantiles`` are exact one step ahead and use the
    negative binomial with the exact mean and variance of those paths beyond.

    Parameters
    ----------
    family : {"negbin", "poisson"}, default "negbin"
        Distribution of demand given its mean.
    season_length : int, default 1
        Period of the seasonal index (7 for weekly seasonality of daily data); 1 for none.
    alpha : float or None, default None
        Smoothing parameter in (0, 1]; estimated per series when None.
    bounds : tuple of float, default (0.005, 0.5)
        Search range of ``alpha``.
    seasonal_prior : float, default 10.0
        Strength of the pooled seasonal profile, in expected units of demand per season.

    Raises
    ------
    InvalidParameterError
        On a parameter out of range.

    See Also
    --------
    TSB, Croston : intermittent-demand methods with the same integer-valued forecast output.

    Notes
    -----
    Creal, D., Koopman, S. J. and Lucas, A. (2013). Generalized autoregressive score models with
    applications. Journal of Applied Econometrics 28(5), 777-795. Harvey, A. C. (2013). Dynamic
    Models for Volatility and Heavy Tails. Cambridge University Press, ch. 5.

    Examples
    --------
    >>> import numpy as np
    >>> import omnichannel as oc
    >>> from omnichannel._forecast._base import SeriesPanel
    >>> rng = np.random.default_rng(0)
    >>> y = rng.negative_binomial(2.0, 2.0 / (2.0 + 0.4), size=(3, 400)).astype(float)
    >>> fit = oc.CountModel().fit_predict(SeriesPanel(y=y, start=np.zeros(3, dtype=int)), 7)
    >>> fit.mean.shape
    (3, 7)
    >>> q = fit.quantiles(np.array([0.5, 0.9]))
    >>> bool((q == np.round(q)).all() and (q >= 0).all())
    True
    """

    family: CountFamily = attrs.field(default="negbin")
    season_length: int = attrs.field(default=1)
    alpha: float | None = attrs.field(default=None)
    bounds: tuple[float, float] = attrs.field(default=(0.005, 0.5))
    seasonal_prior: float = attrs.field(default=10.0)

    @family.validator
    def _check_family(self, attribute: attrs.Attribute[Any], value: object) -> None:
        check_choice(value, "family", COUNT_FAMILIES, func="CountModel")

    @season_length.validator
    def _check_season(self, attribute: attrs.Attribute[Any], value: object) -> None:
        check_int(value, "season_length", func="CountModel", low=1)

    @alpha.validator
    def _check_alpha_value(self, attribute: attrs.Attribute[Any], value: object) -> None:
        _check_alpha(value, "CountModel")

    @bounds.validator
    def _check_bounds_value(self, attribute: attrs.Attribute[Any], value: object) -> None:
        _check_bounds(value, "CountModel")

    @seasonal_prior.validator
    def _check_prior(self, attribute: attrs.Attribute[Any], value: object) -> None:
        check_real(value, "seasonal_prior", func="CountModel", low=0.0, low_open=True)

    def fit_predict(
        self, panel: SeriesPanel, horizon: int, *, progress: bool = False
    ) -> FittedCount:
        """Fit every series of ``panel`` and forecast ``horizon`` steps.

        Parameters
        ----------
        panel : SeriesPanel
            The history (and regressors over history and horizon).
        horizon : int
            Steps to forecast, >= 1.
        progress : bool
            Accepted for the model protocol; the fit runs in a few vectorised passes and
            reports nothing.

        Returns
        -------
        FittedCount
        """
        steps = check_int(horizon, "horizon", func="CountModel.fit_predict", low=1)
        assert steps is not None
        x = _check_x(panel, steps, "CountModel")
        y, observed = history(panel)
        n, t = y.shape
        m = self.season_length
        beta = np.zeros(0)
        if x is not None:
            beta = fit_uplift(y, observed, x, season_length=m)
        uplift = uplift_factor(x, beta, (n, t + steps))
        if m > 1:
            index = _seasonal_indices(y, observed, uplift, m, self.seasonal_prior)
            c = index[:, np.arange(t + steps) % m] * uplift
        else:
            c = uplift
        # Without seasonality and regressors every factor is 1: skip the arrays altogether.
        c_hist = None if (m == 1 and x is None) else c[:, :t]
        z = y if c_hist is None else np.where(observed, y / c_hist, 0.0)
        b0 = _initial_level(z, observed, panel.start, max(28, 2 * m))
        if self.alpha is None:
            alpha = _golden_alpha(y, z, c_hist, b0, panel.start, self.bounds, n_eval=8)
        else:
            alpha = np.full(n, float(self.alpha))
        fitted, level = _filter(z, c_hist, b0, panel.start, alpha)
        poisson = self.family == "poisson"
        size = np.full(n, np.inf) if poisson else _dispersion(y, fitted)
        return FittedCount(
            mean=level[:, None] * c[:, t:],
            fitted=fitted,
            level=level,
            alpha=alpha,
            size=size,
            factors=c[:, t:],
            beta=beta,
            x_names=panel.x_names if x is not None else (),
            family=self.family,
        )


@attrs.frozen(kw_only=True, eq=False)
class FittedCount(FittedSeries):
    """A :class:`CountModel` fitted to a panel: integer-valued forecast distributions.

    Attributes
    ----------
    mean, fitted : ndarray
        ``(n, horizon)`` forecast means and ``(n, T)`` one-step in-sample means.
    level : ndarray
        Level after the last observation (the mean before seasonal and regressor factors).
    alpha, size : ndarray
        Smoothing parameter and negative binomial size per series (inf for Poisson).
    factors : ndarray
        ``(n, horizon)`` seasonal times regressor factors over the horizon.
    beta : ndarray
        Pooled regressor coefficients (log link), in the order of ``x_names``.
    """

    mean: FloatArray
    fitted: FloatArray
    level: FloatArray
    alpha: FloatArray
    size: FloatArray
    factors: FloatArray
    beta: FloatArray
    x_names: tuple[str, ...]
    family: str

    def sample(self, uniforms: FloatArray) -> FloatArray:
        """Integer sample paths: inverse-CDF draws, the level updated by each simulated value."""
        u = np.asarray(uniforms, dtype=np.float64)
        paths = np.empty(u.shape)
        level = np.broadcast_to(self.level, u.shape[:2]).copy()
        for h in range(u.shape[2]):
            c = self.factors[:, h]
            draw = count_ppf(u[:, :, h], level * c, self.size)
            paths[:, :, h] = draw
            level += self.alpha * (draw / np.where(c > 0, c, 1.0) - level)
        return paths

    def path_size(self) -> FloatArray:
        """``(n, horizon)`` size of the negative binomial matching each step's path distribution.

        The level is a martingale with variance growing by
        ``alpha**2 (b / c_h + (V_h + b**2) / k)`` per step; the demand at step ``h`` then has mean
        ``b c_h`` and variance ``mu + mu**2 ((1 + V_h / b**2) / k + V_h / b**2)``.
        """
        b = self.level
        inv_k = np.where(np.isfinite(self.size), 1.0 / self.size, 0.0)
        horizon = self.factors.shape[1]
        out = np.empty((b.size, horizon))
        var = np.zeros(b.size)
        with np.errstate(divide="ignore", invalid="ignore"):
            for h in range(horizon):
                ratio = np.where(b > 0, var / (b * b), 0.0)
                inv = (1.0 + ratio) * inv_k + ratio
                out[:, h] = np.where(inv > 0, 1.0 / inv, np.inf)
                c = self.factors[:, h]
                var = var + self.alpha**2 * (
                    np.where(c > 0, b / np.where(c > 0, c, 1.0), 0.0) + (var + b * b) * inv_k
                )
        return out

    def quantiles(self, levels: FloatArray, *, n_paths: int = 2000, seed: int = 0) -> FloatArray:
        """Integer quantiles ``(n, horizon, len(levels))``; ``n_paths`` and ``seed`` are unused."""
        lv = np.asarray(levels, dtype=np.float64)
        size = self.path_size()
        return count_ppf(lv[None, None, :], self.mean[:, :, None], size[:, :, None])

    def params(self) -> pd.DataFrame:
        """One row per series: family, ``alpha``, ``dispersion`` (size ``k``), level, effects."""
        n = self.level.size
        frame = pd.DataFrame(
            {
                "model": np.full(n, "CountModel", dtype=object),
                "family": np.full(n, self.family, dtype=object),
                "alpha": self.alpha,
                "dispersion": self.size,
                "level": self.level,
            }
        )
        for name, value in zip(self.x_names, self.beta, strict=True):
            frame[f"coef_{name}"] = float(value)
        return frame
