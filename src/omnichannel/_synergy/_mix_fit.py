"""Estimation engine of the mix model: variable projection, multi-start search, block bootstrap.

For fixed transform parameters the model is linear, so the linear coefficients are profiled out
by least squares (variable projection, Golub & Pereyra 1973): the baseline columns are projected
out once with a QR decomposition and the media columns are solved for in a small batched normal
system. The transform parameters are searched in a unit box (log scale where the option says so):
a vectorised screen of random candidates picks the starts, and scipy's bounded trust-region
least squares refines each with a Jacobian from one batched central-difference evaluation.

Everything here works on the KPI divided by its standard deviation; callers rescale.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy import optimize, signal

from ._transforms import Adstock, Saturation

__all__ = [
    "Design",
    "Estimate",
    "FitArrays",
    "base_matrix",
    "bootstrap",
    "carry_forward",
    "covariance",
    "estimate",
    "fit_all",
    "lag_windows",
    "media_features",
    "media_matrix",
    "media_terms",
    "spend_features",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

_SCREEN = 512
_STARTS = 4
_CHUNK = 256
_FD_STEP = 1e-5
#: Iteration caps of one refinement: from a screened start, and a bootstrap warm start.
_POINT_NFEV = 200
_BOOT_NFEV = 100
#: Period of the yearly Fourier terms, in days.
_YEAR = 365.25


def base_matrix(
    dates: pd.DatetimeIndex,
    controls: FloatArray,
    control_names: tuple[str, ...],
    *,
    origin: pd.Timestamp,
    trend: bool,
    seasonality: int,
) -> tuple[FloatArray, tuple[str, ...]]:
    """Baseline columns: intercept, trend (weeks since ``origin``), yearly Fourier terms, controls.

    The Fourier terms run on days since the epoch, so they continue smoothly across years and
    into new data.
    """
    if dates.tz is not None:  # trend and seasonality run on UTC weeks
        dates = dates.tz_convert("UTC").tz_localize(None)
        origin = origin.tz_convert("UTC").tz_localize(None)
    columns = [np.ones(len(dates))]
    names = ["intercept"]
    if trend:
        columns.append(((dates - origin) / pd.Timedelta(days=7)).to_numpy(dtype=np.float64))
        names.append("trend")
    days = ((dates - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).to_numpy(np.float64)
    for order in range(1, seasonality + 1):
        angle = 2.0 * np.pi * order * days / _YEAR
        columns += [np.sin(angle), np.cos(angle)]
        names += [f"season_sin{order}", f"season_cos{order}"]
    matrix = np.column_stack([*columns, controls]) if controls.size else np.column_stack(columns)
    return matrix, (*names, *control_names)


@attrs.frozen(eq=False)
class Design:
    """Everything of a fit that does not depend on the KPI values."""

    kpi: str
    date: str
    controls: tuple[str, ...]
    #: Every week of the data, the one lost to the KPI lag included.
    dates: pd.DatetimeIndex
    #: Raw spend ``(n_all, k)``.
    spend: FloatArray
    #: Trend origin (the first week) and the baseline options.
    origin: pd.Timestamp
    trend: bool
    seasonality: int
    channels: tuple[str, ...]
    pairs: IntArray
    adstock: Adstock
    saturation: Saturation
    spend_scale: FloatArray
    #: Lagged scaled spend ``(k, n_all, l_max)``: window ``j`` of week ``t`` is week
    #: ``t - (l_max - 1) + j`` (zero before the first week).
    windows: FloatArray
    #: Baseline columns ``(n_all, p_base)``: intercept, trend, Fourier terms, controls.
    base: FloatArray
    base_names: tuple[str, ...]
    carryover: bool
    #: ``(k, n_param)``: True where the parameter is estimated.
    free: BoolArray
    #: ``(k, n_param)``: the given values, NaN where estimated.
    fixed_values: FloatArray
    #: Search box ``(k, n_param)`` of every parameter, and whether to search it on the log scale.
    lows: FloatArray
    highs: FloatArray
    logs: BoolArray

    @property
    def n_all(self) -> int:
        """Weeks of data, including the week lost to the KPI lag."""
        return int(self.base.shape[0])

    @property
    def first(self) -> int:
        """First modelled week (1 with the KPI lag, else 0)."""
        return 1 if self.carryover else 0

    @property
    def n_adstock(self) -> int:
        """Number of adstock parameters per channel."""
        return len(self.adstock.param_names)

    @property
    def n_free(self) -> int:
        """Number of estimated transform parameters."""
        return int(self.free.sum())

    @property
    def n_media(self) -> int:
        """Number of media columns: channels and interaction pairs."""
        return len(self.channels) + int(self.pairs.shape[0])

    def to_theta(self, u: FloatArray) -> FloatArray:
        """Map unit-box coordinates ``(..., n_free)`` to parameters ``(..., k, n_param)``."""
        u = np.asarray(u, dtype=np.float64)
        cols = np.nonzero(self.free)[1]
        low, high, log = self.lows[self.free], self.highs[self.free], self.logs[cols]
        # Log-scaled bounds are > 0; the placeholders keep np.where's other branch finite.
        log_low, log_high = np.log(np.where(log, low, 1.0)), np.log(np.where(log, high, 2.0))
        value = np.where(log, np.exp(log_low + u * (log_high - log_low)), low + u * (high - low))
        theta = np.broadcast_to(self.fixed_values, (*u.shape[:-1], *self.free.shape)).copy()
        theta[..., self.free] = value
        return theta

    def to_unit(self, theta: FloatArray) -> FloatArray:
        """Inverse of :meth:`to_theta` for the estimated parameters."""
        cols = np.nonzero(self.free)[1]
        low, high, log = self.lows[self.free], self.highs[self.free], self.logs[cols]
        value = theta[..., self.free]
        log_low, log_high = np.log(np.where(log, low, 1.0)), np.log(np.where(log, high, 2.0))
        log_value = np.log(np.where(log, value, 1.0))
        out: FloatArray = np.where(
            log, (log_value - log_low) / (log_high - log_low), (value - low) / (high - low)
        )
        return out


def lag_windows(scaled: FloatArray, l_max: int) -> FloatArray:
    """Sliding windows ``(..., k, n, l_max)`` of scaled spend ``(..., k, n)``, zero-padded."""
    pad = np.zeros((*scaled.shape[:-1], l_max - 1))
    return sliding_window_view(np.concatenate([pad, scaled], axis=-1), l_max, axis=-1)


def media_features(
    adstock: Adstock, saturation: Saturation, windows: FloatArray, theta: FloatArray
) -> FloatArray:
    """Saturated adstock ``s`` of shape ``(..., k, n)`` for parameters ``theta (..., k, P)``.

    ``windows`` is ``(..., k, n, l_max)`` from :func:`lag_windows`; leading axes broadcast.
    """
    n_ad = len(adstock.param_names)
    weights = adstock.weights(theta[..., :n_ad])
    adstocked = np.matmul(windows, weights[..., ::-1, None])[..., 0]
    return saturation.apply(adstocked, theta[..., n_ad:])


def media_matrix(features: FloatArray, pairs: IntArray) -> FloatArray:
    """Media columns ``(..., n, k + n_pairs)``: each channel, then each pair's product."""
    products = features[..., pairs[:, 0], :] * features[..., pairs[:, 1], :]
    return np.swapaxes(np.concatenate([features, products], axis=-2), -1, -2)


def spend_features(design: Design, spend: FloatArray, params: FloatArray) -> FloatArray:
    """Saturated media ``(D, ..., k, n)`` for raw spend ``(..., n, k)`` and params ``(D, k, P)``."""
    scaled = np.moveaxis(spend / design.spend_scale, -1, -2)
    windows = lag_windows(scaled, design.adstock.l_max)
    lead = (1,) * (scaled.ndim - 2)
    theta = params.reshape(params.shape[0], *lead, *params.shape[1:])
    return media_features(design.adstock, design.saturation, windows[None], theta)


def media_terms(design: Design, features: FloatArray, coef: FloatArray) -> FloatArray:
    """Channel plus interaction terms ``(D, ..., n)``.

    ``features`` is ``(D, ..., k, n)`` and ``coef`` ``(D, n_coef)`` in the result's order
    (baseline, channels, pairs, [kpi_lag]).
    """
    k = len(design.channels)
    p_base = design.base.shape[1]
    lead = (1,) * (features.ndim - 3)
    d = coef.shape[0]
    beta = coef[:, p_base : p_base + k].reshape(d, *lead, k, 1)
    out: FloatArray = (beta * features).sum(axis=-2)
    pairs = design.pairs
    if pairs.shape[0]:
        inter = coef[:, p_base + k : p_base + k + len(pairs)].reshape(d, *lead, len(pairs), 1)
        products = features[..., pairs[:, 0], :] * features[..., pairs[:, 1], :]
        out = out + (inter * products).sum(axis=-2)
    return out


def carry_forward(values: FloatArray, lam: FloatArray | float) -> FloatArray:
    """Carry a series through the KPI lag: ``out_t = values_t + lam * out_{t-1}``, last axis."""
    lam_array = np.asarray(lam, dtype=np.float64)
    if lam_array.ndim == 0:
        out: FloatArray = signal.lfilter([1.0], [1.0, -float(lam_array)], values, axis=-1)
        return out
    # One lambda per draw (shape (D, ..., 1)): a loop over weeks, each step over everything.
    result = np.array(values, dtype=np.float64, copy=True)
    for t in range(1, result.shape[-1]):
        result[..., t] += lam_array[..., 0] * result[..., t - 1]
    return result


@attrs.frozen(eq=False)
class _Projector:
    """Least squares of ``y`` on ``[F, Z]`` with ``F`` fixed, for many ``Z`` at once."""

    q: FloatArray
    r: FloatArray
    y_perp: FloatArray

    @classmethod
    def build(cls, f: FloatArray, y: FloatArray) -> _Projector:
        q, r = np.linalg.qr(f)
        return cls(q=q, r=r, y_perp=y - q @ (q.T @ y))

    def solve(self, z: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Residuals ``(..., n)`` and media coefficients ``(..., p_z)`` for ``z (..., n, p_z)``."""
        z_perp = z - self.q @ (self.q.T @ z)
        gram = np.swapaxes(z_perp, -1, -2) @ z_perp
        rhs = np.swapaxes(z_perp, -1, -2) @ self.y_perp
        # A tiny ridge keeps the solve defined when a column vanishes (a channel saturated flat).
        scale = np.trace(gram, axis1=-2, axis2=-1)[..., None, None] / gram.shape[-1]
        ridge = (1e-10 * scale + 1e-300) * np.eye(gram.shape[-1])
        beta = np.linalg.solve(gram + ridge, rhs[..., None])[..., 0]
        resid = self.y_perp - (z_perp @ beta[..., None])[..., 0]
        return resid, beta

    def base_coef(self, y: FloatArray, z: FloatArray, beta: FloatArray) -> FloatArray:
        """Coefficients of ``F`` given the media coefficients."""
        out: FloatArray = np.asarray(np.linalg.solve(self.r, self.q.T @ (y - z @ beta)), np.float64)
        return out


@attrs.frozen(eq=False)
class Estimate:
    """One fit, on the standardised KPI scale."""

    theta: FloatArray  # (k, P)
    base_coef: FloatArray  # (p_f,) baseline columns, then the KPI lag when present
    media_coef: FloatArray  # (p_z,)
    fitted: FloatArray  # (n,) modelled weeks
    residuals: FloatArray  # (n,)
    features: FloatArray  # (k, n_all) saturated media over all weeks
    f: FloatArray  # (n, p_f) baseline design of the modelled weeks
    rss: float


def _f_matrix(design: Design, y_all: FloatArray) -> FloatArray:
    f = design.base[design.first :]
    if design.carryover:
        f = np.column_stack([f, y_all[:-1]])
    return f


def _profile_many(
    design: Design, proj: _Projector, theta: FloatArray
) -> tuple[FloatArray, FloatArray]:
    feats = media_features(design.adstock, design.saturation, design.windows, theta)
    z = media_matrix(feats[..., design.first :], design.pairs)
    return proj.solve(z)


def _rss(design: Design, proj: _Projector, u: FloatArray) -> FloatArray:
    out = []
    for start in range(0, u.shape[0], _CHUNK):
        resid, _ = _profile_many(design, proj, design.to_theta(u[start : start + _CHUNK]))
        out.append(np.einsum("mn,mn->m", resid, resid))
    return np.concatenate(out)


def _refine(
    design: Design, proj: _Projector, u0: FloatArray, max_nfev: int
) -> tuple[FloatArray, float]:
    """Bounded Gauss-Newton (trust region) on the profiled residuals from ``u0``.

    The Jacobian is Kaufman's (1975) variable-projection approximation ``-P (dZ/du) beta``,
    with ``P`` the projection off the baseline and media columns. A parameter moves only its
    own channel's saturated adstock, so the derivatives need one small central-difference
    evaluation of one channel per parameter, not a full profile solve each.
    """
    n_free = u0.size
    eye = np.eye(n_free) * _FD_STEP
    k = len(design.channels)
    pairs = design.pairs
    owner = np.argwhere(design.free)[:, 0]  # channel of each free parameter
    rows = np.arange(n_free)
    windows = design.windows[np.concatenate([owner, owner])]

    def residuals(u: FloatArray) -> FloatArray:
        resid, _ = _profile_many(design, proj, design.to_theta(u[None, :]))
        out: FloatArray = resid[0]
        return out

    def jacobian(u: FloatArray) -> FloatArray:
        feats = media_features(
            design.adstock, design.saturation, design.windows, design.to_theta(u)
        )
        s = feats[:, design.first :]
        z = media_matrix(s, pairs)
        z_perp = z - proj.q @ (proj.q.T @ z)
        _, beta = proj.solve(z)
        # d(media terms)/d s_c = beta_c + sum of beta_ab * s_other over the pairs holding c.
        weight = np.repeat(beta[:k, None], s.shape[1], axis=1)
        np.add.at(weight, pairs[:, 0], beta[k:, None] * s[pairs[:, 1]])
        np.add.at(weight, pairs[:, 1], beta[k:, None] * s[pairs[:, 0]])
        up = design.to_theta(u + eye)[rows, owner]
        down = design.to_theta(u - eye)[rows, owner]
        shifted = media_features(
            design.adstock, design.saturation, windows, np.concatenate([up, down])
        )[:, design.first :]
        deriv = (shifted[:n_free] - shifted[n_free:]) / (2 * _FD_STEP)
        d = (weight[owner] * deriv).T
        d_perp = d - proj.q @ (proj.q.T @ d)
        gram = z_perp.T @ z_perp
        ridge = (1e-10 * np.trace(gram) / gram.shape[0] + 1e-300) * np.eye(gram.shape[0])
        coef = np.linalg.solve(gram + ridge, z_perp.T @ d_perp)
        out: FloatArray = -(d_perp - z_perp @ coef)
        return out

    fit = optimize.least_squares(
        residuals,
        np.clip(u0, 0.0, 1.0),
        jac=jacobian,
        bounds=(0.0, 1.0),
        method="trf",
        x_scale=1.0,
        ftol=1e-8,
        xtol=1e-8,
        gtol=1e-8,
        max_nfev=max_nfev,
    )
    u: FloatArray = np.clip(fit.x, 0.0, 1.0)
    return u, float(2.0 * fit.cost)


def _finish(design: Design, proj: _Projector, y: FloatArray, theta: FloatArray) -> Estimate:
    feats = media_features(design.adstock, design.saturation, design.windows, theta)
    z = media_matrix(feats[:, design.first :], design.pairs)
    resid, beta = proj.solve(z)
    f = proj.q @ proj.r
    gamma = proj.base_coef(y, z, beta)
    fitted = f @ gamma + z @ beta
    return Estimate(
        theta=theta,
        base_coef=gamma,
        media_coef=beta,
        fitted=fitted,
        residuals=y - fitted,
        features=feats,
        f=f,
        rss=float(resid @ resid),
    )


def estimate(
    design: Design,
    y_all: FloatArray,
    rng: np.random.Generator,
    *,
    start: FloatArray | None = None,
) -> Estimate:
    """Fit the model to ``y_all`` (all weeks, standardised).

    Without ``start`` a screen of random candidates picks several starts; with ``start`` (unit
    coordinates, e.g. the point estimate for a bootstrap replicate) one refinement runs from it.
    """
    f = _f_matrix(design, y_all)
    y = y_all[design.first :]
    proj = _Projector.build(f, y)
    n_free = design.n_free
    if n_free == 0:
        return _finish(design, proj, y, design.fixed_values.copy())
    if start is not None:
        u, _ = _refine(design, proj, start, _BOOT_NFEV)
        return _finish(design, proj, y, design.to_theta(u))
    screen = np.vstack([np.full(n_free, 0.5), rng.random((_SCREEN - 1, n_free))])
    rss = _rss(design, proj, screen)
    best_u, best_rss = screen[0], np.inf
    for i in np.argsort(rss)[:_STARTS]:
        u, value = _refine(design, proj, screen[i], _POINT_NFEV)
        if value < best_rss:
            best_u, best_rss = u, value
    return _finish(design, proj, y, design.to_theta(best_u))


def covariance(design: Design, est: Estimate, df_resid: int) -> tuple[FloatArray, FloatArray]:
    """Classical nonlinear least-squares covariance of all coefficients and free parameters.

    The Jacobian of the fitted values holds the baseline and media columns and, for each
    estimated transform parameter, the derivative of the media terms (central differences).
    Returns the covariance of ``[base_coef, media_coef]`` and of the free parameters.
    """
    z = media_matrix(est.features[:, design.first :], design.pairs)
    columns = [est.f, z]
    n_free = design.n_free
    if n_free:
        idx = np.argwhere(design.free)
        step = 1e-6 * np.maximum(np.abs(est.theta[design.free]), 1e-2)
        shifted = np.broadcast_to(est.theta, (2 * n_free, *est.theta.shape)).copy()
        rows = np.arange(n_free)
        shifted[rows, idx[:, 0], idx[:, 1]] += step
        shifted[n_free + rows, idx[:, 0], idx[:, 1]] -= step
        feats = media_features(design.adstock, design.saturation, design.windows, shifted)
        media = media_matrix(feats[..., design.first :], design.pairs) @ est.media_coef
        columns.append(((media[:n_free] - media[n_free:]) / (2 * step[:, None])).T)
    jac = np.column_stack(columns)
    sigma2 = est.rss / max(df_resid, 1)
    cov = sigma2 * np.linalg.pinv(jac.T @ jac)
    p_lin = est.f.shape[1] + z.shape[1]
    return cov[:p_lin, :p_lin], cov[p_lin:, p_lin:]


def block_indices(n: int, n_boot: int, block_length: int, rng: np.random.Generator) -> IntArray:
    """Moving-block bootstrap indices ``(n_boot, n)`` into a series of length ``n``."""
    n_blocks = -(-n // block_length)
    starts = rng.integers(0, n - block_length + 1, size=(n_boot, n_blocks))
    idx = (starts[..., None] + np.arange(block_length)).reshape(n_boot, -1)
    return idx[:, :n]


def bootstrap(
    design: Design,
    y_all: FloatArray,
    point: Estimate,
    n_boot: int,
    block_length: int,
    rng: np.random.Generator,
) -> list[Estimate]:
    """Moving-block residual bootstrap, re-estimating every parameter in each replicate.

    Centred residuals are resampled in blocks (keeping their autocorrelation) and added to the
    fitted values; with the KPI lag the replicate KPI is rebuilt week by week through it. Each
    replicate's search starts from the point estimate.
    """
    n = point.residuals.size
    centred = point.residuals - point.residuals.mean()
    shocks = centred[block_indices(n, n_boot, min(block_length, n), rng)]
    start = design.to_unit(point.theta) if design.n_free else None
    if design.carryover:
        lam = point.base_coef[-1]
        rest = point.fitted - lam * y_all[:-1]
        ys = np.empty((n_boot, y_all.size))
        ys[:, 0] = y_all[0]
        for t in range(1, y_all.size):  # the lag makes each week depend on the one before
            ys[:, t] = lam * ys[:, t - 1] + rest[t - 1] + shocks[:, t - 1]
    else:
        ys = point.fitted + shocks
    return [estimate(design, ys[b], rng, start=start) for b in range(n_boot)]


@attrs.frozen(eq=False)
class FitArrays:
    """Everything a fit estimates, on the KPI's own scale and in the result's coefficient order.

    Coefficients are ordered baseline, channels, pairs, then ``kpi_lag`` (the engine keeps the
    lag next to the baseline).
    """

    coef: FloatArray
    coef_names: tuple[str, ...]
    coef_cov: FloatArray
    params: FloatArray
    param_cov: FloatArray
    boot_coef: FloatArray
    boot_params: FloatArray
    fitted: FloatArray
    sigma: float
    df_resid: int
    features: FloatArray


def fit_all(
    design: Design,
    y_all: FloatArray,
    *,
    n_boot: int,
    block_length: int,
    rng: np.random.Generator,
) -> FitArrays:
    """Point estimate, covariance and bootstrap for ``y_all`` (every week of the data)."""
    y_scale = float(np.std(y_all[design.first :]))
    y_scale = y_scale if y_scale > 0.0 else 1.0
    ys = y_all / y_scale
    point = estimate(design, ys, rng)
    p_base = design.base.shape[1]
    n_coef = p_base + design.n_media + int(design.carryover)
    df_resid = point.fitted.size - n_coef - design.n_free
    cov_lin, cov_nl = covariance(design, point, df_resid)
    p_f = p_base + int(design.carryover)
    perm = [*range(p_base), *range(p_f, p_f + design.n_media), *range(p_base, p_f)]
    factor = np.full(n_coef, y_scale)
    if design.carryover:
        factor[-1] = 1.0  # the lag coefficient has no unit

    def coef_of(est: Estimate) -> FloatArray:
        out: FloatArray = np.concatenate([est.base_coef, est.media_coef])[perm] * factor
        return out

    k, n_param = design.free.shape
    param_cov = np.zeros((k * n_param, k * n_param))
    flat = np.flatnonzero(design.free.ravel())
    param_cov[np.ix_(flat, flat)] = cov_nl
    boots = bootstrap(design, ys, point, n_boot, block_length, rng) if n_boot else []
    pairs = [f"{design.channels[a]}:{design.channels[b]}" for a, b in design.pairs.tolist()]
    lag = ["kpi_lag"] if design.carryover else []
    rss = float(point.residuals @ point.residuals)
    return FitArrays(
        coef=coef_of(point),
        coef_names=(*design.base_names, *design.channels, *pairs, *lag),
        coef_cov=cov_lin[np.ix_(perm, perm)] * np.outer(factor, factor),
        params=point.theta,
        param_cov=param_cov,
        boot_coef=np.array([coef_of(b) for b in boots]).reshape(len(boots), n_coef),
        boot_params=np.array([b.theta for b in boots]).reshape(len(boots), k, n_param),
        fitted=point.fitted * y_scale,
        sigma=float(np.sqrt(rss / max(df_resid, 1))) * y_scale,
        df_resid=int(df_resid),
        features=point.features,
    )
