"""Count pieces shared by the count-type forecast families.

:func:`count_ppf` is a fast integer inverse CDF of the negative binomial and Poisson, used by
:class:`~omnichannel.CountModel` and the intermittent families (:class:`~omnichannel.Croston`,
:class:`~omnichannel.SBA`, :class:`~omnichannel.TSB`); :func:`fit_uplift` is the pooled
fixed-effects Poisson regression every family uses for regressors (with :func:`uplift_factor`
and the regressor check ``_check_x``); :func:`history`, :func:`block_slices` and
:func:`time_major` are the history helpers; ``_check_alpha`` and ``_check_bounds`` check the
smoothing options. Users: ``_count`` (CountModel), ``_intermittent`` (Croston, SBA, TSB) and
``_naive``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from .._exceptions import InvalidParameterError
from .._validation import check_real, short_repr
from ._base import SeriesPanel

__all__ = [
    "block_slices",
    "count_ppf",
    "fit_uplift",
    "history",
    "time_major",
    "uplift_factor",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]

#: Series per block of the time-step kernels: a block's state stays in the CPU cache.
BLOCK = 4096


# ------------------------------------------------------------------------------------------
# history and regressors


def history(panel: SeriesPanel) -> tuple[FloatArray, BoolArray]:
    """Demand history for count-type models: ``NaN`` and negative values (returns) set to 0.

    Returns the clipped ``(n_series, n_time)`` values and the mask of observed cells (at or after
    each series' start).
    """
    observed = np.arange(panel.n_time)[None, :] >= panel.start[:, None]
    # fmax drops NaN (only before a start) and negatives in one pass
    return np.fmax(panel.y, 0.0), observed


def block_slices(n: int, size: int = BLOCK) -> Iterator[slice]:
    """Consecutive blocks of ``size`` rows covering ``range(n)``."""
    for lo in range(0, n, size):
        yield slice(lo, min(lo + size, n))


def _check_x(panel: SeriesPanel, horizon: int, family: str) -> FloatArray | None:
    x = panel.x
    if x is None:
        return None
    want = (panel.n_series, panel.n_time + horizon)
    if x.ndim != 3 or x.shape[:2] != want:
        raise InvalidParameterError(
            f"{family} needs panel.x of shape (n_series, n_time + horizon, n_regressors) = "
            f"({want[0]}, {want[1]}, p); got {x.shape}."
        )
    if not np.isfinite(x).all():
        raise InvalidParameterError(f"{family} needs finite regressors; panel.x has NaN or inf.")
    return x


def fit_uplift(
    y: FloatArray,
    observed: BoolArray,
    x: FloatArray,
    *,
    season_length: int = 1,
    ridge: float = 1.0,
    max_iter: int = 30,
) -> FloatArray:
    """Pooled log-linear regressor effects, with a fixed effect per series (and season).

    Fits ``y_it ~ Poisson(exp(a_g + x_it' beta))`` by maximum (pseudo-)likelihood, where ``g`` is
    the series (times the season ``t % season_length``) and ``beta`` is shared by all series:
    the fixed effects are concentrated out in closed form (the conditional, multinomial form of
    Hausman, Hall and Griliches 1984), so a series' level and weekly profile do not leak into
    ``beta``. A weak ridge (``ridge`` is the prior precision of each coefficient) keeps the
    estimate finite when a regressor perfectly separates zero sales. Works in blocks of series,
    so memory stays bounded; each Newton step is one pass over the panel.

    Parameters
    ----------
    y : ndarray
        ``(n, T)`` non-negative history (0 where unobserved).
    observed : ndarray of bool
        ``(n, T)`` cells at or after each series' start.
    x : ndarray
        ``(n, >= T, p)`` regressors; the first ``T`` steps are used.
    season_length : int
        Length of the seasonal fixed effect (1: one effect per series).
    ridge : float
        Prior precision of each coefficient.
    max_iter : int
        Newton steps at most.

    Returns
    -------
    ndarray
        ``(p,)`` coefficients (multiplicative uplift ``exp(beta)`` per unit of each regressor).
    """
    n, t = y.shape
    p = x.shape[2]
    beta = np.zeros(p)
    season = np.arange(t) % season_length
    blocks = list(block_slices(n, max(1, 2_000_000 // max(t, 1))))

    def pass_(b: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        loglik = -0.5 * ridge * float(b @ b)
        grad = -ridge * b
        info = ridge * np.eye(p)
        for blk in blocks:
            yb, ob, xb = y[blk], observed[blk], x[blk, :t, :]
            m = yb.shape[0]
            groups = (np.arange(m)[:, None] * season_length + season[None, :])[ob]
            yy, xx = yb[ob], xb[ob]
            n_groups = m * season_length
            total = np.bincount(groups, weights=yy, minlength=n_groups)
            keep = total[groups] > 0.0  # groups without sales carry no information on beta
            groups, yy, xx = groups[keep], yy[keep], xx[keep]
            eta = xx @ b
            w = np.exp(eta - (eta.max() if eta.size else 0.0))
            s = np.bincount(groups, weights=w, minlength=n_groups)
            mu = total[groups] * w / s[groups]
            with np.errstate(divide="ignore"):
                log_s = np.log(np.where(s > 0, s, 1.0)) + (eta.max() if eta.size else 0.0)
            loglik += float(yy @ eta) - float(total @ np.where(total > 0, log_s, 0.0))
            grad += xx.T @ (yy - mu)
            mx = np.stack(
                [np.bincount(groups, weights=mu * xx[:, j], minlength=n_groups) for j in range(p)],
                axis=1,
            )
            inv = np.where(total > 0, 1.0 / np.where(total > 0, total, 1.0), 0.0)
            info += (xx * mu[:, None]).T @ xx - (mx * inv[:, None]).T @ mx
        return loglik, grad, info

    loglik, grad, info = pass_(beta)
    for _ in range(max_iter):
        step = np.linalg.solve(info, grad)
        shrink = 1.0
        while True:
            trial = beta + shrink * step
            new_loglik, new_grad, new_info = pass_(trial)
            if new_loglik >= loglik - 1e-12 * abs(loglik) or shrink < 1e-4:
                break
            shrink *= 0.5
        converged = abs(new_loglik - loglik) < 1e-10 * (1.0 + abs(loglik))
        beta, loglik, grad, info = trial, new_loglik, new_grad, new_info
        if converged or float(np.abs(shrink * step).max()) < 1e-9:
            break
    return beta


def uplift_factor(x: FloatArray | None, beta: FloatArray, shape: tuple[int, int]) -> FloatArray:
    """``exp(x @ beta)`` of shape ``shape`` (ones without regressors)."""
    if x is None or beta.size == 0:
        return np.ones(shape)
    return np.exp(np.clip(x @ beta, -50.0, 50.0))


# ------------------------------------------------------------------------------------------
# integer quantiles


def _count_cdf(j: FloatArray, mean: FloatArray, size: FloatArray) -> FloatArray:
    """CDF at integers ``j >= 0`` of the negative binomial (Poisson where ``size`` is inf)."""
    poisson = ~np.isfinite(size)
    out = np.empty(j.shape)
    if poisson.any():
        out[poisson] = special.gammaincc(j[poisson] + 1.0, mean[poisson])
    nb = ~poisson
    if nb.any():
        k = size[nb]
        out[nb] = special.betainc(k, j[nb] + 1.0, k / (k + mean[nb]))
    return out


def count_ppf(u: npt.ArrayLike, mean: npt.ArrayLike, size: npt.ArrayLike) -> FloatArray:
    """Integer quantiles of negative binomial distributions (Poisson where ``size`` is inf).

    Returns the smallest integer ``j`` with ``CDF(j) >= u``, element-wise over the broadcast
    shape, as floats. The distribution has mean ``mean`` and variance ``mean + mean**2 / size``.
    Intermittent draws are mostly zeros, settled by one comparison with ``P(0)``; small values
    come from the probability recursion ``P(j) = P(j - 1) (1 + (j - 1) / k) q / j``; the rest
    start from the Cornish-Fisher approximation and step to the exact answer with the
    incomplete beta and gamma functions, falling back to :mod:`scipy.stats` for rare far misses.

    Parameters
    ----------
    u : array_like
        Probabilities in [0, 1).
    mean : array_like
        Means, >= 0.
    size : array_like
        Negative binomial sizes ``k`` > 0, or ``inf`` for Poisson.

    Returns
    -------
    ndarray
        The quantiles, integer-valued floats.
    """
    ub, mb, kb = np.broadcast_arrays(
        np.asarray(u, dtype=np.float64),
        np.asarray(mean, dtype=np.float64),
        np.asarray(size, dtype=np.float64),
    )
    out = np.zeros(ub.shape)
    uf, mf, kf = ub.ravel(), mb.ravel(), kb.ravel()
    finite = np.isfinite(kf)
    with np.errstate(divide="ignore", invalid="ignore"):
        if finite.all():
            log_p0 = -kf * np.log1p(mf / kf)
        elif not finite.any():
            log_p0 = -mf
        else:
            log_p0 = np.where(finite, -kf * np.log1p(mf / np.where(finite, kf, 1.0)), -mf)
    todo = np.flatnonzero((np.log(uf) > log_p0) & (mf > 0.0))
    if todo.size == 0:
        return out
    u1, m1, k1 = uf[todo], mf[todo], kf[todo]
    ik = np.where(np.isfinite(k1), 1.0 / k1, 0.0)
    x = _small_ppf(u1, m1, ik, np.exp(log_p0[todo]))
    rest = np.flatnonzero(x < 0)
    if rest.size:
        x[rest] = _large_ppf(u1[rest], m1[rest], k1[rest], ik[rest])
    out.ravel()[todo] = x
    return out


def _small_ppf(u: FloatArray, mean: FloatArray, inv_k: FloatArray, p0: FloatArray) -> FloatArray:
    """Quantiles up to 24 by summing probabilities (``u > P(0)`` here); -1 where larger."""
    x = np.full(u.size, -1.0)
    idx = np.arange(u.size)
    q = mean / (1.0 + mean * inv_k)
    pmf, cdf, uu, qq, ik = p0.copy(), p0.copy(), u, q, inv_k
    for j in range(1, 25):
        pmf *= (1.0 + (j - 1) * ik) * qq / j
        cdf += pmf
        done = cdf >= uu
        if done.any():
            x[idx[done]] = j
            keep = ~done
            idx, pmf, cdf, uu, qq, ik = (
                idx[keep],
                pmf[keep],
                cdf[keep],
                uu[keep],
                qq[keep],
                ik[keep],
            )
            if idx.size == 0:
                break
    return x


def _large_ppf(u: FloatArray, mean: FloatArray, size: FloatArray, inv_k: FloatArray) -> FloatArray:
    """Quantiles from the Cornish-Fisher start, corrected with the exact CDF."""
    sd = np.sqrt(mean + mean * mean * inv_k)
    skew = (1.0 + 2.0 * mean * inv_k) / sd
    z = special.ndtri(np.clip(u, 1e-16, 1.0 - 1e-16))
    x = np.maximum(np.floor(mean + sd * (z + skew * (z * z - 1.0) / 6.0)), 0.0)
    cdf = _count_cdf(x, mean, size)
    for _ in range(4):  # step up to the first j with CDF(j) >= u
        low = cdf < u
        if not low.any():
            break
        x[low] += 1.0
        cdf[low] = _count_cdf(x[low], mean[low], size[low])
    below = np.where(x > 0, _count_cdf(np.maximum(x - 1.0, 0.0), mean, size), -1.0)
    for _ in range(4):  # step down while CDF(j - 1) >= u
        down = below >= u
        if not down.any():
            break
        x[down] -= 1.0
        below[down] = np.where(
            x[down] > 0, _count_cdf(np.maximum(x[down] - 1.0, 0.0), mean[down], size[down]), -1.0
        )
    missed = (cdf < u) | (below >= u)
    if missed.any():
        mm, kk, uu = mean[missed], size[missed], u[missed]
        fix = np.empty(mm.shape)
        pois = ~np.isfinite(kk)
        fix[pois] = stats.poisson.ppf(uu[pois], mm[pois])
        fix[~pois] = stats.nbinom.ppf(uu[~pois], kk[~pois], kk[~pois] / (kk[~pois] + mm[~pois]))
        x[missed] = fix
    return x


def time_major(
    a: npt.NDArray[Any], rows: IntArray, dtype: type[np.generic] = np.float64
) -> npt.NDArray[Any]:
    """``a[rows].T`` as a contiguous ``(T, len(rows))`` array of ``dtype``.

    Copied in tiles of rows: a plain transpose of a large block misses the cache on every
    element, while a tile's rows and columns both stay cached.
    """
    out: npt.NDArray[Any] = np.empty((a.shape[1], rows.size), dtype=dtype)
    for lo in range(0, rows.size, 128):
        out[:, lo : lo + 128] = a[rows[lo : lo + 128]].T
    return out


def _check_bounds(value: object, owner: str) -> tuple[float, float]:
    ok = False
    if isinstance(value, tuple) and len(value) == 2:
        lo = check_real(value[0], "bounds[0]", func=owner, low=0.0, low_open=True, high=1.0)
        hi = check_real(value[1], "bounds[1]", func=owner, low=0.0, low_open=True, high=1.0)
        ok = lo < hi
    if not ok:
        raise InvalidParameterError(
            f"The 'bounds' parameter of {owner} must be a tuple (low, high) with "
            f"0 < low < high <= 1. Got {short_repr(value)} instead."
        )
    return float(value[0]), float(value[1])  # type: ignore[index]


def _check_alpha(value: object, owner: str, name: str = "alpha") -> float | None:
    if value is None:
        return None
    return check_real(value, name, func=owner, low=0.0, high=1.0, low_open=True)
