"""Maximum-likelihood estimation of one ETS model on many aligned series at once.

The free parameters of a series are the smoothing parameters; the initial level, trend and
``m - 1`` seasonal states (the last one normalises the season to sum 0, or ``m`` when
multiplicative); and regression coefficients.

Two parameter regions are supported. The traditional ("usual") one, ``0 < beta < alpha``,
``0 < gamma < 1 - alpha``, ``0.8 < phi < 0.98``, becomes a box in the internal form of
statsmodels' ``ETSModel`` (``alpha``, ``beta* = beta / alpha``, ``gamma* = gamma / (1 - alpha)``,
``phi``). The "admissible" one bounds each of ``alpha``, ``beta``, ``gamma`` by itself (the box
statsforecast's optimiser searches) and requires the model to be forecastable.

The concentrated Gaussian likelihood of an ETS model is ``-n/2 (log(2 pi f / n) + 1)`` with
``f = sum(e^2)`` for additive errors and ``f = G^2 sum(eps^2)``, ``G`` the geometric mean of
``|yhat|``, for multiplicative errors (``eps = e / yhat``): maximising it is a nonlinear least
squares problem in the residuals ``eps * G``. It is solved by the batched Levenberg-Marquardt
of :mod:`._batch_optimize` with finite-difference Jacobians computed as extra parameter sets in
the same vectorised pass.

Initial states: the heuristic of Hyndman et al. (2008, section 2.6.1) gives the start, then the
states are estimated jointly with the smoothing parameters, as statsmodels and R's ``forecast``
do. Heuristic states alone lose a lot of likelihood when smoothing is slow (small ``gamma`` keeps
the first, noisy seasonal estimate for years of daily data) and bias ``alpha`` and ``gamma``
upwards. For the linear models the residuals are linear in the states (and in regression
coefficients), so after every Jacobian the optimiser sets them to their exact least-squares
values (variable projection); this removes the slow valley between a small ``alpha`` and the
initial level. The ETS likelihood has local optima: each series starts from the best of four
smoothing starts and the solutions of related models already fitted (screened in one pass),
optionally running the optimiser from several of them.
"""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import NDArray

from ._batch_optimize import levenberg_marquardt
from ._ets_kernels import Spec, StateParams, point_forecast, run_pass

__all__ = [
    "Final",
    "Fixed",
    "Layout",
    "SpecFit",
    "finalize",
    "fit_spec",
    "initial_states",
    "loglik_from_f",
    "n_active",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]

LOWER, UPPER = 1e-4, 0.9999
PHI_LOWER, PHI_UPPER = 0.8, 0.98
#: Starting values of the smoothing parameters.
_START = {"alpha": 0.1, "beta": 0.01, "gamma": 0.045, "phi": 0.95}
#: Further smoothing starts screened alongside: slow and fast adaptation, and a level that
#: barely adapts under a slope that does (outside the usual bounds, clipped to them there).
_ALT_STARTS = (
    {"alpha": 0.01, "beta": 1e-4, "gamma": 0.01, "phi": 0.98},
    {"alpha": 0.3, "beta": 0.015, "gamma": 0.07, "phi": 0.9},
    {"alpha": 1e-3, "beta": 0.02, "gamma": 0.01, "phi": 0.95},
)
#: Relative floor of the residual sum of squares: exact fits keep a finite likelihood.
_F_FLOOR = 1e-20
_FD_STEP = 1e-6
#: Relative objective decrease below which the optimiser stops: 1e-7 of ``f`` is a
#: log-likelihood change of ``5e-8 * n``, far below what model selection can resolve.
_FTOL = 1e-7


@attrs.frozen
class Fixed:
    """Smoothing parameters held fixed (``None`` = estimated) and the region of the free ones.

    ``bounds`` is ``"usual"`` or ``"admissible"`` (see the module docstring).
    """

    alpha: float | None = None
    beta: float | None = None
    gamma: float | None = None
    phi: float | None = None
    bounds: str = "usual"


def n_active(lengths: IntArray, n_steps: int) -> IntArray:
    """Series still running at each step, for lengths sorted in decreasing order."""
    out: IntArray = np.searchsorted(-lengths, -np.arange(n_steps), side="left").astype(np.intp)
    return out


class Layout:
    """Where each free parameter of one model sits in the parameter vector ``theta``."""

    def __init__(self, spec: Spec, fixed: Fixed, n_reg: int) -> None:
        self.spec = spec
        self.fixed = fixed
        used = {
            "alpha": True,
            "beta": spec.trend,
            "gamma": spec.seasonal,
            "phi": spec.damped,
        }
        self.smoothing = tuple(
            name for name, on in used.items() if on and getattr(fixed, name) is None
        )
        self.n_smooth = len(self.smoothing)
        self.n_states = spec.n_states
        self.n_reg = n_reg
        self.p = self.n_smooth + self.n_states + n_reg
        # Traditional bounds: beta and gamma are held as fractions of alpha and 1 - alpha.
        self.relative = fixed.bounds == "usual"
        lower = np.full(self.p, -np.inf)
        upper = np.full(self.p, np.inf)
        for i, name in enumerate(self.smoothing):
            lo, hi = (PHI_LOWER, PHI_UPPER) if name == "phi" else (LOWER, UPPER)
            if name == "alpha" and self.relative:
                # A fixed beta or gamma bounds alpha instead: beta <= alpha <= 1 - gamma.
                if fixed.beta is not None and spec.trend:
                    lo = max(lo, fixed.beta)
                if fixed.gamma is not None and spec.seasonal:
                    hi = min(hi, 1.0 - fixed.gamma)
                lo = min(lo, hi)
            lower[i], upper[i] = lo, hi
        self.lower = lower
        self.upper = upper

    @property
    def n_params(self) -> int:
        """Parameters counted by the information criteria (free ones plus the variance)."""
        return self.p + 1

    def index(self, name: str) -> int:
        """Position of a smoothing parameter in ``theta``."""
        return self.smoothing.index(name)

    @property
    def season_slice(self) -> slice:
        """Positions of the ``m - 1`` free seasonal states."""
        j = self.n_smooth + 1 + int(self.spec.trend)
        return slice(j, j + (self.spec.m - 1 if self.spec.seasonal else 0))

    @property
    def coef_slice(self) -> slice:
        """Positions of the regression coefficients."""
        return slice(self.p - self.n_reg, self.p)

    @property
    def checks_admissibility(self) -> bool:
        """Whether some points of the box are not forecastable and must be screened out."""
        return self.spec.seasonal and self.spec.trend

    def start(self, n: int, values_by_name: dict[str, float] | None = None) -> FloatArray:
        """Return starting smoothing parameters ``(n, n_smooth)``, inside the box."""
        chosen = _START if values_by_name is None else values_by_name
        alpha = np.asarray(chosen["alpha"] if self.fixed.alpha is None else self.fixed.alpha)
        values = np.array(
            [self.internal(name, np.asarray(chosen[name]), alpha) for name in self.smoothing]
        )
        values = np.clip(values, self.lower[: self.n_smooth], self.upper[: self.n_smooth])
        return np.broadcast_to(values, (n, self.n_smooth)).copy()

    def internal(self, name: str, value: FloatArray, alpha: FloatArray) -> FloatArray:
        """Return the internal form of the natural value of smoothing parameter ``name``."""
        if not self.relative or name in ("alpha", "phi"):
            return value
        if name == "beta":
            out: FloatArray = value / np.maximum(alpha, 1e-12)
        else:
            out = value / np.maximum(1.0 - alpha, 1e-12)
        return out

    def smoothing_values(self, theta: FloatArray) -> dict[str, FloatArray]:
        """``alpha``, ``beta``, ``gamma``, ``phi`` in their natural form (any leading shape)."""
        shape = theta.shape[:-1]

        def pick(name: str, default: float) -> FloatArray:
            value = getattr(self.fixed, name)
            if name in self.smoothing:
                out: FloatArray = theta[..., self.index(name)]
                return out
            return np.full(shape, default if value is None else value)

        spec = self.spec
        alpha = pick("alpha", 0.0)
        beta = pick("beta", 0.0) if spec.trend else np.zeros(shape)
        if spec.trend and "beta" in self.smoothing and self.relative:
            beta = beta * alpha
        gamma = pick("gamma", 0.0) if spec.seasonal else np.zeros(shape)
        if spec.seasonal and "gamma" in self.smoothing and self.relative:
            gamma = gamma * (1.0 - alpha)
        phi = pick("phi", 1.0) if spec.damped else np.ones(shape)
        return {"alpha": alpha, "beta": beta, "gamma": gamma, "phi": phi}

    def to_params(self, theta: FloatArray) -> StateParams:
        """Kernel parameters from ``theta`` of shape ``(P, n, p)``."""
        spec = self.spec
        n_sets, n = theta.shape[:2]
        smooth = self.smoothing_values(theta)
        j = self.n_smooth
        level = np.ascontiguousarray(theta[..., j])
        j += 1
        if spec.trend:
            trend = np.ascontiguousarray(theta[..., j])
            j += 1
        else:
            trend = np.zeros((n_sets, n))
        if spec.seasonal:
            m = spec.m
            season = np.empty((m, n_sets, n))
            season[: m - 1] = np.moveaxis(theta[..., j : j + m - 1], -1, 0)
            total = season[: m - 1].sum(axis=0)
            season[m - 1] = (m - total) if spec.season == "mul" else -total
            j += m - 1
        else:
            season = np.zeros((1, n_sets, n))
        coef = np.ascontiguousarray(np.moveaxis(theta[..., j : j + self.n_reg], -1, 0))
        return StateParams(
            alpha=np.ascontiguousarray(smooth["alpha"]),
            beta=np.ascontiguousarray(smooth["beta"]),
            gamma=np.ascontiguousarray(smooth["gamma"]),
            phi=np.ascontiguousarray(smooth["phi"]),
            level=level,
            trend=trend,
            season=season,
            coef=coef,
        )


def initial_states(
    y: FloatArray, lengths: IntArray, spec: Spec
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Heuristic initial level, trend and season of aligned series (Hyndman et al. 2008).

    The season comes from a classical decomposition (centred moving average) of the first two to
    five full cycles, the level and trend from a regression on the first ``max(10, 2m)``
    seasonally adjusted values. Returns ``level (n,)``, ``trend (n,)``, ``season (m, n)``
    (slot ``j`` is the state used at aligned steps ``k % m == j``).
    """
    n_steps, n = y.shape
    m = spec.period
    steps = np.arange(n_steps)[:, None]
    observed = steps < lengths[None, :]
    if spec.seasonal:
        cycles = np.clip(lengths // m, 2, 5)
        width = min(5 * m, n_steps)
        window = np.where(observed[:width], y[:width], 0.0)
        used = np.arange(width)[:, None] < (cycles * m)[None, :]
        half = m // 2
        csum = np.vstack([np.zeros((1, n)), np.cumsum(window, axis=0)])
        centre = np.arange(width)
        lo = np.clip(centre - half, 0, width)
        hi = np.clip(centre + half + 1, 0, width)
        moving = (csum[hi] - csum[lo]) / m
        if m % 2 == 0:  # 2 x m moving average: half weight on both ends
            moving -= 0.5 * (window[np.clip(centre - half, 0, width - 1)] + window[hi - 1]) / m
        inside = (centre >= half)[:, None] & ((centre + half)[:, None] < (cycles * m)[None, :])
        inside &= used
        with np.errstate(divide="ignore", invalid="ignore"):
            detrended = window / moving if spec.season == "mul" else window - moving
        detrended = np.where(inside, detrended, 0.0)
        season = np.zeros((m, n))
        counts = np.zeros((m, n))
        for j in range(m):  # m phases, each an array operation over all series
            season[j] = detrended[j::m].sum(axis=0)
            counts[j] = inside[j::m].sum(axis=0)
        season /= np.maximum(counts, 1.0)
        if spec.season == "mul":
            season = np.where(counts > 0, season, 1.0)
            season = np.clip(season / season.mean(axis=0), 1e-2, None)
            season /= season.mean(axis=0)
        else:
            season -= season.mean(axis=0)
        phase = np.arange(n_steps) % m
        adjusted = y / season[phase] if spec.season == "mul" else y - season[phase]
    else:
        season = np.zeros((1, n))
        adjusted = y
    take = np.minimum(max(10, 2 * m), lengths)
    head = min(int(take.max(initial=1)), n_steps)
    w = (np.arange(head)[:, None] < take[None, :]).astype(np.float64)
    values = np.where(w > 0, adjusted[:head], 0.0)
    s0 = w.sum(axis=0)
    level = values.sum(axis=0) / np.maximum(s0, 1.0)
    trend = np.zeros(n)
    if spec.trend:
        t = np.arange(1, head + 1, dtype=np.float64)[:, None] * w
        s1, s2 = t.sum(axis=0), (t * t).sum(axis=0)
        sy, sty = values.sum(axis=0), (t * values).sum(axis=0)
        det = s0 * s2 - s1 * s1
        ok = det > 1e-12
        trend = np.where(ok, (s0 * sty - s1 * sy) / np.where(ok, det, 1.0), 0.0)
        level = np.where(ok, (sy - trend * s1) / np.maximum(s0, 1.0), level)
        if spec.error == "mul" or spec.season == "mul":
            # l0 + b0 is the first prediction: keep it away from zero.
            tiny = np.abs(level + trend) < 1e-8
            level = np.where(tiny, level * (1 + 1e-3) + 1e-6, level)
    return level, trend, season


def _regression_start(y: FloatArray, lengths: IntArray, x: FloatArray) -> FloatArray:
    """Least-squares coefficients ``(n, q)`` of ``y`` on level, time and regressors."""
    q = x.shape[1]
    t_hist, n = y.shape
    observed = (np.arange(t_hist)[:, None] < lengths[None, :]).astype(np.float64)
    design = np.empty((t_hist, q + 2, n))
    design[:, 0] = 1.0
    design[:, 1] = np.arange(t_hist)[:, None] / max(t_hist, 1)
    design[:, 2:] = x[:t_hist]
    design *= observed[:, None, :]
    gram = np.einsum("tin,tjn->nij", design, design)
    rhs = np.einsum("tin,tn->ni", design, np.where(observed > 0, y, 0.0))
    scale = np.sqrt(np.maximum(np.diagonal(gram, axis1=1, axis2=2), 1e-12))
    gram = gram / scale[:, :, None] / scale[:, None, :] + 1e-8 * np.eye(q + 2)
    sol = np.linalg.solve(gram, (rhs / scale)[..., None])[..., 0] / scale
    return np.asarray(sol[:, 2:])


def admissible(spec: Spec, smooth: dict[str, FloatArray]) -> BoolArray:
    """Forecastability of seasonal trend models (Hyndman, Akram & Archibald 2008).

    The roots of the characteristic polynomial (as in the R ``forecast`` package) must lie in
    the unit circle. The other models are forecastable everywhere in the box ``0 < alpha, beta,
    gamma < 1``, ``0.8 <= phi <= 0.98``: their admissible regions are linear inequalities
    (``0 < alpha < 2``, ``0 < beta < 4 - 2 alpha``; ``max(-m alpha, 0) < gamma < 2 - alpha``
    without trend) that contain it.
    """
    alpha, beta, gamma, phi = (smooth[k] for k in ("alpha", "beta", "gamma", "phi"))
    n = alpha.shape[0]
    if not (spec.trend and spec.seasonal) or n == 0:
        return np.ones(n, dtype=bool)
    m = spec.m
    deg = m + 1
    coefs = np.empty((n, deg + 1))
    coefs[:, 0] = phi * (1 - alpha - gamma)
    coefs[:, 1] = alpha + beta - alpha * phi + gamma - 1
    coefs[:, 2:m] = (alpha + beta - alpha * phi)[:, None]
    coefs[:, m] = alpha + beta - phi
    coefs[:, deg] = 1.0
    finite = np.isfinite(coefs).all(axis=1)
    coefs[~finite] = 0.0
    # Roots within 1 + 1e-10 (R's tolerance) are the roots of p((1 + 1e-10) z) inside the circle.
    coefs *= (1.0 + 1e-10) ** np.arange(deg + 1)
    ok: BoolArray = finite & _schur_stable(coefs)
    return ok


def _schur_stable(coefs: FloatArray) -> BoolArray:
    """Whether every root of each polynomial lies strictly inside the unit circle.

    ``coefs`` is ``(n, d + 1)``, lowest degree first. The Schur-Cohn test reduces each polynomial
    one degree at a time, ``(c_d p(z) - c_0 z^d p(1/z)) / z``, and needs ``|c_0| < |c_d|`` at
    every step: ``d`` array operations over all polynomials and ``O(d^2)`` work each, where the
    eigenvalues of a companion matrix cost ``O(d^3)`` (``d`` is 53 for weekly seasons).
    """
    c = coefs.copy()
    ok = np.ones(c.shape[0], dtype=bool)
    for d in range(c.shape[1] - 1, 0, -1):
        lead, const = c[:, d], c[:, 0]
        ok &= np.abs(const) < np.abs(lead)
        reduced = lead[:, None] * c[:, 1 : d + 1] - const[:, None] * c[:, d - 1 :: -1][:, :d]
        top = np.abs(reduced[:, -1])
        c = reduced / np.where(top > 0, top, 1.0)[:, None]  # rescale: no overflow
    return ok


@attrs.define
class SpecFit:
    """One model fitted to a subset of a chunk: parameters, likelihood and final states."""

    spec: Spec
    layout: Layout
    rows: IntArray
    theta: FloatArray
    loglik: FloatArray
    converged: BoolArray
    n_iter: IntArray


class _Problem:
    """Objective, Gauss-Newton matrix and gradient of one model for the LM solver."""

    def __init__(
        self, y: FloatArray, lengths: IntArray, x: FloatArray | None, layout: Layout
    ) -> None:
        self.y = y
        self.lengths = lengths
        self.x = x
        self.layout = layout
        self.spec = layout.spec
        self.n_all = y.shape[1]

    def _subset(self, rows: IntArray | None) -> tuple[FloatArray, FloatArray | None, IntArray]:
        if rows is None or rows.size == self.n_all:
            return self.y, self.x, self.lengths
        x = None if self.x is None else self.x[:, :, rows]
        return self.y[:, rows], x, self.lengths[rows]

    def objective(self, thetas: FloatArray, rows: IntArray | None = None) -> FloatArray:
        """Objective ``(S, k)`` of ``S`` parameter vectors for each of ``rows``, in one pass."""
        y, x, lengths = self._subset(rows)
        par = self.layout.to_params(thetas)
        res = run_pass(y, n_active(lengths, y.shape[0]), self.spec, par, x=x)
        f = res.sse
        if res.logsum is not None:
            f = f * np.exp(2.0 * res.logsum / np.maximum(lengths, 1))
        if self.layout.checks_admissibility:
            for i in range(thetas.shape[0]):  # a handful of trial points
                smooth = self.layout.smoothing_values(thetas[i])
                f[i] = np.where(admissible(self.spec, smooth), f[i], np.inf)
        out: FloatArray = np.where(np.isfinite(f), f, np.inf)
        return out

    def evaluate(
        self, theta: FloatArray, rows: IntArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Objective, Gauss-Newton matrix and gradient at ``theta`` for ``rows``."""
        lay = self.layout
        y, x, lengths = self._subset(rows)
        _k, p = theta.shape
        step = _FD_STEP * np.maximum(1.0, np.abs(theta))
        step = np.where(theta + step > lay.upper, -step, step)
        sets = np.repeat(theta[None], p + 1, axis=0)
        diag = np.arange(p)
        sets[diag + 1, :, diag] += step.T
        par = lay.to_params(sets)
        res = run_pass(y, n_active(lengths, y.shape[0]), self.spec, par, inv_h=1.0 / step.T, x=x)
        assert res.jtj is not None
        assert res.jtr is not None
        c = res.sse
        jtj = res.jtj
        jtr = res.jtr
        nobs = np.maximum(lengths, 1).astype(np.float64)
        if res.logsum is not None:
            # Residuals eps * G with G = exp(mean log|yhat|): chain rule through G.
            slope = (res.logsum[1:] - res.logsum[:1]).T / step / nobs[:, None]
            g2 = np.exp(2.0 * res.logsum[0] / nobs)
            f = g2 * c
            outer = jtr[:, :, None] * slope[:, None, :]
            hess = g2[:, None, None] * (
                jtj
                + outer
                + np.swapaxes(outer, 1, 2)
                + c[:, None, None] * slope[:, :, None] * slope[:, None, :]
            )
            grad = g2[:, None] * (jtr + c[:, None] * slope)
        else:
            f, hess, grad = c, jtj, jtr
        f = np.where(np.isfinite(f), f, np.inf)
        if lay.checks_admissibility:
            smooth = lay.smoothing_values(theta)
            f = np.where(admissible(self.spec, smooth), f, np.inf)
        bad = ~np.isfinite(f)
        if bad.any():
            hess = np.where(bad[:, None, None], 0.0, hess)
            grad = np.where(bad[:, None], 0.0, grad)
        return f, hess, grad


def loglik_from_f(f: FloatArray, lengths: IntArray) -> FloatArray:
    """Concentrated Gaussian log-likelihood from the least-squares objective."""
    nobs = np.maximum(lengths, 1).astype(np.float64)
    f = np.maximum(f, _F_FLOOR * nobs)
    out: FloatArray = -0.5 * nobs * (np.log(2 * np.pi * f / nobs) + 1.0)
    return out


def fit_spec(
    y: FloatArray,
    lengths: IntArray,
    x: FloatArray | None,
    spec: Spec,
    fixed: Fixed,
    rows: IntArray,
    *,
    max_iter: int,
    related: tuple[SpecFit, ...] = (),
    n_starts: int | IntArray = 1,
) -> SpecFit:
    """Fit ``spec`` by maximum likelihood to the aligned series ``rows`` of a chunk.

    Candidate starts are the heuristic one, two other smoothing settings and the solutions of
    ``related`` models already fitted to the same chunk, translated to this model. They are
    screened by their objective in one pass; the optimiser runs from the best ``n_starts`` of
    them per series (side by side, as extra rows; one count for all series or one per row of
    ``lengths``) and keeps the best result: a guard against the local optima of the ETS
    likelihood.
    """
    n_reg = 0 if x is None else x.shape[1]
    layout = Layout(spec, fixed, n_reg)
    y_sub = y[:, rows]
    len_sub = lengths[rows]
    x_sub = None if x is None else x[:, :, rows]
    k = rows.size
    hist = y_sub.shape[0]
    coef = np.zeros((k, n_reg))
    target = y_sub
    if x_sub is not None and n_reg:
        coef = _regression_start(y_sub, len_sub, x_sub[:hist])
        target = y_sub - np.einsum("tqn,nq->tn", x_sub[:hist], coef)
    level, trend, season = initial_states(target, len_sub, spec)
    parts = [layout.start(k), level[:, None]]
    if spec.trend:
        parts.append(trend[:, None])
    if spec.seasonal:
        parts.append(season[: spec.m - 1].T)
    parts.append(coef)
    theta0 = np.hstack(parts)
    x_hist = None if x_sub is None else x_sub[:hist]
    problem = _Problem(y_sub, len_sub, x_hist, layout)
    starts = [theta0]
    if layout.n_smooth:
        for alt in _ALT_STARTS:
            other = theta0.copy()
            other[:, : layout.n_smooth] = layout.start(k, alt)
            starts.append(other)
    starts += [translate(src, layout, rows, theta0) for src in related]
    stacked = np.clip(np.stack(starts), layout.lower, layout.upper)
    keep = np.clip(np.broadcast_to(np.asarray(n_starts), lengths.shape)[rows], 1, len(starts))
    if len(starts) > 1:
        f0 = problem.objective(stacked)
        ranked = np.argsort(f0, axis=0, kind="stable")  # (starts, k)
    else:
        ranked = np.zeros((1, k), dtype=np.intp)
    # Starts of a series sit next to each other, which keeps lengths in decreasing order.
    dup = np.repeat(np.arange(k), keep)
    first = np.cumsum(keep) - keep  # first row of each series
    rank = np.arange(dup.size) - first[dup]
    theta0 = stacked[ranked[rank, dup], dup]
    if dup.size > k:
        x_dup = None if x_hist is None else x_hist[:, :, dup]
        problem = _Problem(y_sub[:, dup], len_sub[dup], x_dup, layout)
    floor = _F_FLOOR * np.maximum(len_sub[dup], 1)
    res = levenberg_marquardt(
        problem.evaluate,
        problem.objective,
        theta0,
        layout.lower,
        layout.upper,
        max_iter=max_iter,
        ftol=_FTOL,
        f_floor=floor,
        linear=np.arange(layout.n_smooth, layout.p) if spec.linear else None,
    )
    f = np.where(np.isfinite(res.f), res.f, np.inf)
    # The best run of each series: sort by (series, objective) and take each series' first.
    order = np.lexsort((f, dup))
    pick = order[first]
    return SpecFit(
        spec=spec,
        layout=layout,
        rows=rows,
        theta=res.theta[pick],
        loglik=loglik_from_f(res.f[pick], len_sub),
        converged=res.converged[pick],
        n_iter=np.bincount(dup, weights=res.n_iter, minlength=k).astype(np.intp),
    )


def translate(source: SpecFit, layout: Layout, rows: IntArray, default: FloatArray) -> FloatArray:
    """Start for ``layout`` on chunk ``rows`` from a related fitted model (``default`` elsewhere).

    Smoothing parameters, level, trend, season (same type only) and coefficients carry over;
    what the source model lacks keeps the value of ``default``.
    """
    out = default.copy()
    pos = np.searchsorted(source.rows, rows)
    pos = np.minimum(pos, max(source.rows.size - 1, 0))
    have = source.rows.size > 0
    found = (source.rows[pos] == rows) if have else np.zeros(rows.size, dtype=bool)
    if not found.any():
        return out
    src_lay, spec, src_spec = source.layout, layout.spec, source.spec
    theta = source.theta[pos[found]]
    smooth = src_lay.smoothing_values(theta)
    new = out[found]
    for i, name in enumerate(layout.smoothing):
        carries = {
            "alpha": True,
            "beta": src_spec.trend,
            "gamma": src_spec.season == spec.season,
            "phi": src_spec.damped,
        }
        if carries[name]:
            new[:, i] = layout.internal(name, smooth[name], smooth["alpha"])
    j, js = layout.n_smooth, src_lay.n_smooth
    new[:, j] = theta[:, js]
    if spec.trend and src_spec.trend:
        new[:, j + 1] = theta[:, js + 1]
    if spec.seasonal and src_spec.season == spec.season and src_spec.m == spec.m:
        new[:, layout.season_slice] = theta[:, src_lay.season_slice]
    if layout.n_reg and layout.n_reg == src_lay.n_reg:
        new[:, layout.coef_slice] = theta[:, src_lay.coef_slice]
    out[found] = new
    return out


@attrs.define
class Final:
    """Smoothed results of one fitted model on its rows (scaled data, aligned)."""

    fitted: FloatArray
    level: FloatArray
    trend: FloatArray
    season_next: FloatArray
    mean: FloatArray
    regression: FloatArray
    sse: FloatArray
    logsum: FloatArray | None


def finalize(
    y: FloatArray,
    lengths: IntArray,
    x: FloatArray | None,
    layout: Layout,
    theta: FloatArray,
    horizon: int,
) -> Final:
    """Run the fitted model once more: fitted values, final states and point forecasts."""
    spec = layout.spec
    hist = y.shape[0]
    par = layout.to_params(theta[None])
    x_hist = None if x is None else x[:hist]
    res = run_pass(y, n_active(lengths, hist), spec, par, x=x_hist, trace=True)
    assert res.fitted is not None
    sse = res.sse[0]
    m = spec.period
    slots = (lengths[None, :] + np.arange(m)[:, None]) % m
    season_next = np.take_along_axis(res.season[:, 0, :], slots, axis=0)
    smooth = layout.smoothing_values(theta)
    mean = point_forecast(spec, res.level[0], res.trend[0], smooth["phi"], season_next, horizon)
    regression = np.zeros_like(mean)
    if x is not None and layout.n_reg:
        steps = lengths[:, None] + np.arange(horizon)[None, :]
        future = x[steps, :, np.arange(lengths.size)[:, None]]  # (n, h, q)
        regression = np.einsum("nhq,qn->nh", future, par.coef[:, 0, :])
        mean = mean + regression
    return Final(
        fitted=res.fitted,
        level=res.level[0],
        trend=res.trend[0],
        season_next=season_next,
        mean=mean,
        regression=regression,
        sse=sse,
        logsum=None if res.logsum is None else res.logsum[0],
    )
