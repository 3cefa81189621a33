"""Vectorised ETS recursions: one array operation per time step over many series at once.

Arrays are time-major and *aligned*: column ``i`` holds series ``i`` from its own first
observation, so row ``k`` is step ``k`` of every series. Columns are sorted by decreasing
length, so the series still running at step ``k`` are the first ``n_active[k]`` columns; every
operation works on that prefix and a series that has ended keeps its final state untouched.

A leading axis ``P`` holds parameter sets: one pass runs the current parameters and ``P - 1``
perturbed copies side by side, which is how the optimiser gets finite-difference Jacobians.

The recursion is the innovations state-space form of Hyndman et al. (2008) written with the
one-step error ``e = y - yhat``; point forecasts and state updates are then the same for
additive and multiplicative errors, only the likelihood differs::

    L = l + phi * b                      (l without trend, phi = 1 without damping)
    yhat = L + s,  L * s  or  L          (additive, multiplicative or no season; s = s[t-m])
    q = e / s  (multiplicative season)   else q = e
    l' = L + alpha * q,  b' = phi * b + beta * q
    s' = s + gamma * e  (additive)       s' = s + gamma * e / L  (multiplicative)
"""

from __future__ import annotations

from typing import Literal

import attrs
import numpy as np
from numpy.typing import NDArray

__all__ = ["PassResult", "Spec", "StateParams", "point_forecast", "run_pass", "simulate"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: Steps buffered before the Jacobian cross products are folded in with one ``einsum``.
_BLOCK = 64
#: Steps multiplied together before taking one logarithm (``|yhat|`` of scaled data is O(1)).
_LOG_EVERY = 8


@attrs.frozen
class Spec:
    """One ETS model: error, trend, damping, season and season length."""

    error: Literal["add", "mul"]
    trend: bool
    damped: bool
    season: Literal["none", "add", "mul"]
    m: int = 1

    @property
    def name(self) -> str:
        """Model string such as ``ETS(A,Ad,M)``."""
        err = "A" if self.error == "add" else "M"
        trend = ("Ad" if self.damped else "A") if self.trend else "N"
        season = {"none": "N", "add": "A", "mul": "M"}[self.season]
        return f"ETS({err},{trend},{season})"

    @property
    def seasonal(self) -> bool:
        """Whether the model has a seasonal component."""
        return self.season != "none"

    @property
    def period(self) -> int:
        """Length of the seasonal ring (1 without season)."""
        return self.m if self.seasonal else 1

    @property
    def n_smoothing(self) -> int:
        """Number of smoothing and damping parameters."""
        return 1 + int(self.trend) + int(self.seasonal) + int(self.damped)

    @property
    def n_states(self) -> int:
        """Number of free initial states (one seasonal state is fixed by normalisation)."""
        return 1 + int(self.trend) + (self.m - 1 if self.seasonal else 0)

    @property
    def linear(self) -> bool:
        """Class 1 of Hyndman et al.: additive error, no multiplicative season."""
        return self.error == "add" and self.season != "mul"


@attrs.define
class StateParams:
    """Smoothing parameters and states of ``P`` parameter sets for ``n`` series.

    ``alpha`` ... ``phi``, ``level`` and ``trend`` are ``(P, n)``; ``season`` is ``(m, P, n)``
    where slot ``j`` holds the seasonal state used at aligned steps ``k`` with ``k % m == j``;
    ``coef`` is ``(q, P, n)`` for regressors. Unused components are zeros (``phi`` ones).
    """

    alpha: FloatArray
    beta: FloatArray
    gamma: FloatArray
    phi: FloatArray
    level: FloatArray
    trend: FloatArray
    season: FloatArray
    coef: FloatArray


@attrs.define
class PassResult:
    """What one pass over the data returns.

    ``sse`` is the sum of squared residuals (relative errors for multiplicative error): of the
    base set, ``(n,)``, when Jacobians are requested, of every set, ``(P, n)``, otherwise;
    ``logsum`` ``(P, n)`` the sum of ``log|yhat|`` (multiplicative error only); ``jtj``/``jtr``
    the finite-difference cross products ``(n, p, p)`` and ``(n, p)``; ``fitted`` the aligned
    one-step predictions ``(T, n)`` of set 0; then the final states.
    """

    sse: FloatArray
    logsum: FloatArray | None
    jtj: FloatArray | None
    jtr: FloatArray | None
    fitted: FloatArray | None
    level: FloatArray
    trend: FloatArray
    season: FloatArray


def _cross(d: FloatArray, out: FloatArray) -> None:
    """Add ``sum_b d[b, i] * d[b, j]`` to ``out[i, j]`` for ``j >= i``, then mirror it."""
    p = d.shape[1]
    for i in range(p):  # upper triangle only: half the work of a full einsum
        out[i, i:] += np.einsum("bn,bjn->jn", d[:, i], d[:, i:])


def run_pass(
    y: FloatArray,
    n_active: IntArray,
    spec: Spec,
    par: StateParams,
    *,
    inv_h: FloatArray | None = None,
    x: FloatArray | None = None,
    trace: bool = False,
) -> PassResult:
    """Run the recursion over aligned data for every parameter set.

    Residuals and ``|yhat|`` go straight into block buffers; sums of squares, logarithms and
    Jacobian cross products are folded in once per block of :data:`_BLOCK` steps, so a time
    step costs only the handful of array operations of the recursion itself.

    Parameters
    ----------
    y
        ``(T, n)`` aligned observations (zero padding after each series' end).
    n_active
        ``(T,)`` number of series still running at each step (non-increasing).
    spec
        The model.
    par
        Parameters and initial states; ``P`` sets per series. Not modified.
    inv_h
        ``(P - 1, n)`` inverse finite-difference steps: set ``j + 1`` is set 0 with parameter
        ``j`` moved by ``1 / inv_h[j]``. Requests ``jtj`` and ``jtr``.
    x
        ``(T, q, n)`` aligned regressors, subtracted as ``x @ coef`` before the recursion.
    trace
        Also return the one-step predictions of set 0 (including the regression part).

    Returns
    -------
    PassResult
    """
    n_steps, n = y.shape
    n_sets = par.alpha.shape[0]
    m = spec.period
    mul_err = spec.error == "mul"
    season = spec.season
    trend, damped = spec.trend, spec.damped and spec.trend
    jac = inv_h is not None
    n_reg = par.coef.shape[0] if x is not None else 0

    level = par.level.copy()
    slope = par.trend.copy()
    ring = par.season.copy()
    shape = (n_sets, n)
    big_l, pb, tmp, q, yk_full, err = (np.empty(shape) for _ in range(6))
    rbuf = np.zeros((_BLOCK, n_sets, n))
    abuf = np.ones((_BLOCK, n_sets, n)) if mul_err else None
    sse = np.zeros(n) if jac else np.zeros(shape)
    logsum = np.zeros(shape) if mul_err else None
    fitted = np.full((n_steps, n), np.nan) if trace else None
    n_par = n_sets - 1
    cross = np.zeros((n_par, n_par, n)) if jac else None
    jtr = np.zeros((n_par, n)) if jac else None

    def flush(nb: int) -> None:
        r = rbuf[:nb]
        if jac:
            assert inv_h is not None
            assert cross is not None
            assert jtr is not None
            d = r[:, 1:] - r[:, :1]
            d *= inv_h
            _cross(d, cross)
            jtr[...] += np.einsum("bn,bin->in", r[:, 0], d)
            sse[...] += np.einsum("bn,bn->n", r[:, 0], r[:, 0])
        else:
            sse[...] += np.einsum("bpn,bpn->pn", r, r)
        if abuf is not None and logsum is not None:
            a = abuf[:nb]
            full = (nb // _LOG_EVERY) * _LOG_EVERY
            if full:
                grouped = a[:full].reshape(full // _LOG_EVERY, _LOG_EVERY, n_sets, n)
                logsum[...] += np.log(grouped.prod(axis=1)).sum(axis=0)
            if nb > full:
                logsum[...] += np.log(a[full:nb].prod(axis=0))

    na_prev = -1
    views: tuple[FloatArray, ...] = ()
    slots: list[FloatArray] = []
    kb = 0
    with np.errstate(all="ignore"):
        for k in range(n_steps):
            na = int(n_active[k])
            if na == 0:
                break
            if na != na_prev:  # new views only when a series ends
                sl = np.s_[:, :na]
                views = (
                    level[sl], slope[sl], big_l[sl], pb[sl], tmp[sl], q[sl], yk_full[sl],
                    err[sl], par.alpha[sl], par.beta[sl], par.gamma[sl], par.phi[sl],
                )  # fmt: skip
                slots = [ring[j][sl] for j in range(m)]
                na_prev = na
            lv, bv, big, pbv, tv, qv, ykv, ev, alpha, beta, gamma, phi = views
            if na < n:
                rbuf[kb, :, na:] = 0.0
                if abuf is not None:
                    abuf[kb, :, na:] = 1.0
            # Additive error: the residual is e itself, written straight into the buffer.
            e = ev if mul_err else rbuf[kb, :, :na]
            if trend:
                if damped:
                    np.multiply(phi, bv, out=pbv)
                    pbb = pbv
                else:
                    pbb = bv
                np.add(lv, pbb, out=big)
                L = big
            else:
                L = lv
            s_old = slots[k % m] if season != "none" else None
            if s_old is None:
                yh = L
            elif season == "add":
                yh = np.add(L, s_old, out=tv)
            else:
                yh = np.multiply(L, s_old, out=tv)
            if n_reg:
                assert x is not None
                ykv[...] = y[k, :na]
                for j in range(n_reg):
                    np.multiply(par.coef[j][:, :na], x[k, j, :na], out=qv)
                    np.subtract(ykv, qv, out=ykv)
                np.subtract(ykv, yh, out=e)
                if fitted is not None:
                    fitted[k, :na] = y[k, :na] - e[0]
            else:
                np.subtract(y[k, :na], yh, out=e)
                if fitted is not None:
                    fitted[k, :na] = yh[0]
            if abuf is not None:
                np.abs(yh, out=abuf[kb, :, :na])
                np.divide(e, yh, out=rbuf[kb, :, :na])
            # State updates; the season uses the old level, q the old season.
            if season == "mul":
                assert s_old is not None
                qq = np.divide(e, s_old, out=qv)
                np.divide(e, L, out=tv)
                np.multiply(gamma, tv, out=tv)
                np.add(s_old, tv, out=s_old)
            else:
                qq = e
                if season == "add":
                    assert s_old is not None
                    np.multiply(gamma, e, out=tv)
                    np.add(s_old, tv, out=s_old)
            if trend:
                np.multiply(beta, qq, out=tv)
                np.add(pbb, tv, out=bv)
            np.multiply(alpha, qq, out=tv)
            np.add(L, tv, out=lv)
            kb += 1
            if kb == _BLOCK:
                flush(kb)
                kb = 0
        if kb:
            flush(kb)
    jtj = None
    if cross is not None:
        upper = np.triu(np.ones((n_par, n_par), dtype=bool), 1)
        cross.swapaxes(0, 1)[upper] = cross[upper]
        jtj = np.moveaxis(cross, -1, 0)
    return PassResult(
        sse=sse,
        logsum=logsum,
        jtj=jtj,
        jtr=None if jtr is None else jtr.T,
        fitted=fitted,
        level=level,
        trend=slope,
        season=ring,
    )


def point_forecast(
    spec: Spec,
    level: FloatArray,
    trend: FloatArray,
    phi: FloatArray,
    season_next: FloatArray,
    horizon: int,
) -> FloatArray:
    """Point forecasts ``(n, horizon)`` from final states.

    ``season_next`` is ``(m, n)``: slot ``j`` is the seasonal state used ``j + 1`` steps ahead.
    """
    n = level.shape[0]
    out = np.empty((n, horizon))
    damp_sum = np.zeros(n)
    power = np.ones(n)
    for j in range(horizon):
        if spec.trend:
            if spec.damped:
                power = power * phi
                damp_sum = damp_sum + power
            else:
                damp_sum = damp_sum + 1.0
        base = level + damp_sum * trend if spec.trend else level.copy()
        s = season_next[j % spec.period]
        if spec.season == "add":
            base = base + s
        elif spec.season == "mul":
            base = base * s
        out[:, j] = base
    return out


def simulate(
    spec: Spec,
    level: FloatArray,
    trend: FloatArray,
    season_next: FloatArray,
    alpha: FloatArray,
    beta: FloatArray,
    gamma: FloatArray,
    phi: FloatArray,
    sigma: FloatArray,
    z: FloatArray,
) -> FloatArray:
    """Sample paths ``(n_paths, n, horizon)`` driven by standard normal innovations ``z``.

    States are ``(n,)`` (``season_next`` ``(m, n)``); parameters ``(n,)``. Additive error adds
    ``sigma * z``; multiplicative error multiplies the one-step prediction by ``1 + sigma * z``.
    """
    n_paths, n, horizon = z.shape
    m = spec.period
    lv = np.broadcast_to(level, (n_paths, n)).copy()
    bv = np.broadcast_to(trend, (n_paths, n)).copy()
    ring = np.broadcast_to(season_next[:, None, :], (m, n_paths, n)).copy()
    out = np.empty((n_paths, n, horizon))
    with np.errstate(all="ignore"):
        for j in range(horizon):
            pb = phi * bv if spec.damped else bv
            big_l = lv + pb if spec.trend else lv
            s = ring[j % m]
            if spec.season == "add":
                yh = big_l + s
            elif spec.season == "mul":
                yh = big_l * s
            else:
                yh = big_l
            noise = sigma * z[:, :, j]
            e = yh * noise if spec.error == "mul" else noise
            out[:, :, j] = yh + e
            q = e / s if spec.season == "mul" else e
            if spec.season == "add":
                ring[j % m] = s + gamma * e
            elif spec.season == "mul":
                ring[j % m] = s + gamma * e / big_l
            if spec.trend:
                bv = pb + beta * q
            lv = big_l + alpha * q
    return out
