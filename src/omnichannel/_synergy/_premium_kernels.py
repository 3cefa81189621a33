"""Batched kernels of :func:`multichannel_premium`: model fits, estimators, influence functions.

Every estimator takes a batch of observation weights (rows = bootstrap replicates; one row of ones
for the point estimate), so the bootstrap refits the propensity and outcome models for all
replicates at once with batched Newton steps, with no Python loop over customers.
"""

from __future__ import annotations

import math
from typing import Literal

import attrs
import numpy as np
import numpy.typing as npt
from scipy import special

__all__ = [
    "OUTCOME_MODELS",
    "PREMIUM_ESTIMANDS",
    "PREMIUM_METHODS",
    "OutcomeModel",
    "PremiumEstimand",
    "PremiumMethod",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

PremiumMethod = Literal["ipw", "matching", "regression", "aipw"]
#: Adjusted estimators of :func:`multichannel_premium`.
PREMIUM_METHODS: tuple[PremiumMethod, ...] = ("ipw", "matching", "regression", "aipw")
PremiumEstimand = Literal["att", "ate"]
#: Populations the premium can refer to: the multichannel customers, or all customers.
PREMIUM_ESTIMANDS: tuple[PremiumEstimand, ...] = ("att", "ate")
OutcomeModel = Literal["linear", "log"]
#: Outcome regressions: OLS, or a log-link (Poisson pseudo-likelihood) model.
OUTCOME_MODELS: tuple[OutcomeModel, ...] = ("linear", "log")

_NEWTON_STEPS = 50


@attrs.frozen(eq=False)
class _Data:
    y: FloatArray
    t: BoolArray
    x: FloatArray  # standardised covariates with a leading intercept column
    names: tuple[str, ...]  # design column names (without the intercept)
    raw: FloatArray  # unstandardised design columns, for balance
    x_out: FloatArray  # design of the outcome model (with intercept)


# --------------------------------------------------------------------------------------------
# Batched model fits (rows of ``w`` are replicates of observation weights)
# --------------------------------------------------------------------------------------------


def _outer(x: FloatArray) -> FloatArray:
    return (x[:, :, None] * x[:, None, :]).reshape(x.shape[0], -1)


def _solve(hess: FloatArray, grad: FloatArray, p: int) -> FloatArray:
    h = hess.reshape(-1, p, p) + 1e-10 * np.eye(p)
    try:
        out: FloatArray = np.linalg.solve(h, grad[..., None])[..., 0].astype(np.float64)
    except np.linalg.LinAlgError:
        out = np.einsum("bij,bj->bi", np.linalg.pinv(h), grad).astype(np.float64)
    return out


def _logit_batch(x: FloatArray, t: FloatArray, w: FloatArray, start: FloatArray) -> FloatArray:
    """Weighted logistic regression for every row of ``w``; returns fitted probabilities."""
    p = x.shape[1]
    xx = _outer(x)
    beta = np.broadcast_to(start, (w.shape[0], p)).copy()
    for _ in range(_NEWTON_STEPS):
        prob = special.expit(beta @ x.T)
        grad = (w * (t - prob)) @ x
        step = _solve((w * prob * (1 - prob)) @ xx, grad, p)
        beta += step
        if np.max(np.abs(step)) < 1e-9:
            break
    out: FloatArray = special.expit(beta @ x.T)
    return out


def _outcome_batch(x: FloatArray, y: FloatArray, w: FloatArray, model: OutcomeModel) -> FloatArray:
    """Weighted outcome regression on the rows with w > 0; predictions for every row."""
    p = x.shape[1]
    xx = _outer(x)
    if model == "linear":
        beta = _solve(w @ xx, (w * y) @ x, p)
        out: FloatArray = beta @ x.T
        return out
    scale = float(y.mean()) or 1.0
    ys = y / scale
    beta = np.zeros((w.shape[0], p))
    mean_w = (w @ ys) / np.maximum(w.sum(axis=1), 1e-300)
    beta[:, 0] = np.log(np.maximum(mean_w, 1e-12))
    for _ in range(_NEWTON_STEPS):
        mu = np.exp(np.clip(beta @ x.T, -50, 50))
        step = _solve((w * mu) @ xx, (w * (ys - mu)) @ x, p)
        step = np.clip(step, -5, 5)
        beta += step
        if np.max(np.abs(step)) < 1e-9:
            break
    fitted: FloatArray = np.exp(np.clip(beta @ x.T, -50, 50)) * scale
    return fitted


def _wsum(w: FloatArray, values: FloatArray) -> FloatArray:
    out: FloatArray = np.sum(w * values, axis=-1)
    return out


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return out


def _nearest(
    sorted_keys: FloatArray, queries: FloatArray
) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """Index of the nearest sorted key to every query, and the distance."""
    pos = np.searchsorted(sorted_keys, queries)
    left = np.clip(pos - 1, 0, sorted_keys.size - 1)
    right = np.clip(pos, 0, sorted_keys.size - 1)
    d_left = np.abs(queries - sorted_keys[left])
    d_right = np.abs(sorted_keys[right] - queries)
    pick = np.where(d_right < d_left, right, left)
    return pick, np.minimum(d_left, d_right)


def _match_weights(
    score: FloatArray, t: BoolArray, w: FloatArray, caliper: float, estimand: PremiumEstimand
) -> tuple[FloatArray, FloatArray]:
    """Nearest-neighbour matching (with replacement) for one replicate.

    Returns the weight of every unit in the treated arm and in the control arm of the matched
    comparison: a treated unit counts for itself and, for the ATE, for each control matched to it.
    """
    present = w > 0
    w1 = np.zeros(score.size)
    w0 = np.zeros(score.size)
    for source_arm in (True, False) if estimand == "ate" else (True,):
        src = np.flatnonzero(present & (t == source_arm))
        dst = np.flatnonzero(present & (t != source_arm))
        if src.size == 0 or dst.size == 0:
            continue
        order = np.argsort(score[dst], kind="stable")
        keys = score[dst][order]
        pick, dist = _nearest(keys, score[src])
        ok = dist <= caliper
        partner = dst[order[pick[ok]]]
        own, other = (w1, w0) if source_arm else (w0, w1)
        np.add.at(own, src[ok], w[src[ok]])
        np.add.at(other, partner, w[src[ok]])
    return w1, w0


@attrs.frozen(eq=False)
class _Fit:
    mu1: FloatArray  # per replicate
    mu0: FloatArray
    w1: FloatArray  # balancing weights of the last replicate (point estimate: the only one)
    w0: FloatArray
    n_used_treated: int
    n_used_control: int


def _estimate(
    data: _Data,
    w: FloatArray,
    *,
    method: PremiumMethod,
    estimand: PremiumEstimand,
    prop: FloatArray | None,
    outcome_model: OutcomeModel,
    caliper: float,
    logit_scale: float,
) -> _Fit:
    """Potential-outcome means of the treated and control arm, for every row of ``w``."""
    t = data.t.astype(np.float64)
    y = data.y
    att = estimand == "att"
    need_prop = method in ("ipw", "aipw", "matching")
    e = prop if need_prop else None
    # Balancing weights: ATT reweights controls by the odds e/(1-e); ATE both arms by 1/p(arm).
    if e is not None:
        if att:
            b1, b0 = t * w, (1 - t) * w * e / (1 - e)
        else:
            b1, b0 = t * w / e, (1 - t) * w / (1 - e)
    if method == "ipw":
        assert e is not None
        mu1 = _ratio(_wsum(b1, y), b1.sum(axis=-1))
        mu0 = _ratio(_wsum(b0, y), b0.sum(axis=-1))
        return _Fit(mu1, mu0, b1[-1], b0[-1], int((b1[-1] > 0).sum()), int((b0[-1] > 0).sum()))
    if method == "matching":
        assert e is not None
        score = special.logit(e)
        mu1 = np.empty(w.shape[0])
        mu0 = np.empty(w.shape[0])
        m1 = m0 = np.zeros(t.size)
        for r in range(w.shape[0]):
            m1, m0 = _match_weights(score[r], data.t, w[r], caliper * logit_scale, estimand)
            mu1[r] = _ratio(np.asarray(m1 @ y), np.asarray(m1.sum()))
            mu0[r] = _ratio(np.asarray(m0 @ y), np.asarray(m0.sum()))
        return _Fit(mu1, mu0, m1, m0, int((m1 > 0).sum()), int((m0 > 0).sum()))
    # Regression adjustment: one outcome model per arm, as in Stata's teffects ra.
    pred1 = _outcome_batch(data.x_out, y, w * t, outcome_model)
    pred0 = _outcome_batch(data.x_out, y, w * (1 - t), outcome_model)
    population = t * w if att else w
    n_pop = population.sum(axis=-1)
    if method == "regression":
        mu1 = _ratio(_wsum(population, pred1), n_pop)
        mu0 = _ratio(_wsum(population, pred0), n_pop)
        if prop is not None:
            e = prop
            b1 = t * w if att else t * w / e
            b0 = (1 - t) * w * e / (1 - e) if att else (1 - t) * w / (1 - e)
        else:
            b1, b0 = t * w, (1 - t) * w
        return _Fit(
            mu1, mu0, b1[-1], b0[-1], int((t * w[-1] > 0).sum()), int(((1 - t) * w[-1] > 0).sum())
        )
    assert e is not None
    # AIPW: the regression prediction plus the inverse-probability-weighted residual.
    if att:
        mu1 = _ratio(_wsum(b1, y), b1.sum(axis=-1))
        correction = _ratio(_wsum(b0, y - pred0), b0.sum(axis=-1))
        mu0 = _ratio(_wsum(population, pred0), n_pop) + correction
    else:
        n = w.sum(axis=-1)
        mu1 = _ratio(_wsum(w, pred1) + _wsum(b1, y - pred1), n)
        mu0 = _ratio(_wsum(w, pred0) + _wsum(b0, y - pred0), n)
    return _Fit(mu1, mu0, b1[-1], b0[-1], int((b1[-1] > 0).sum()), int((b0[-1] > 0).sum()))


def _regression_influence(
    x: FloatArray,
    y: FloatArray,
    arm: FloatArray,
    pred: FloatArray,
    pop: FloatArray,
    model: OutcomeModel,
) -> FloatArray:
    """Influence function of the mean prediction of one arm's outcome model over ``pop``.

    The mean's own sampling term plus the propagated estimation error of the coefficients:
    ``G' H^-1 s_i`` with ``s_i`` the arm's score, ``H`` its Hessian and ``G`` the gradient of the
    mean prediction (all per customer).
    """
    n = y.size
    slope = pred if model == "log" else np.ones(n)  # derivative of the mean in the linear index
    hess = (x * (arm * slope)[:, None]).T @ x / n
    grad = (pop * slope) @ x / pop.sum()
    score = x * (arm * (y - pred))[:, None]
    mu = float(pop @ pred / pop.sum())
    lever = np.linalg.solve(hess + 1e-12 * np.eye(x.shape[1]), grad)
    out: FloatArray = pop * (pred - mu) / pop.mean() + score @ lever
    return out


def _influence_se(
    data: _Data,
    method: PremiumMethod,
    estimand: PremiumEstimand,
    prop: FloatArray | None,
    fit: _Fit,
    outcome_model: OutcomeModel,
) -> tuple[float, float]:
    """Influence-function standard errors of the difference and of the log ratio.

    The nuisance models are taken as known (the usual plug-in variance); for the matching
    estimator there is no such simple form and NaN is returned: use the bootstrap.
    """
    if method == "matching":
        return float("nan"), float("nan")
    t = data.t.astype(np.float64)
    y = data.y
    n = y.size
    mu1, mu0 = float(fit.mu1[0]), float(fit.mu0[0])
    ones = np.ones((1, n))
    if method in ("regression", "aipw"):
        p1 = _outcome_batch(data.x_out, y, ones * t, outcome_model)[0]
        p0 = _outcome_batch(data.x_out, y, ones * (1 - t), outcome_model)[0]
    pop = t if estimand == "att" else np.ones(n)
    if method == "regression":
        psi1 = _regression_influence(data.x_out, y, t, p1, pop, outcome_model)
        psi0 = _regression_influence(data.x_out, y, 1 - t, p0, pop, outcome_model)
        if estimand == "att":
            # The treated arm's own mean: the fitted model reproduces it exactly.
            psi1 = t * (y - mu1) / t.mean()
    elif estimand == "att":
        pt = t.mean()
        assert prop is not None
        odds = prop / (1 - prop)
        psi1 = t * (y - mu1) / pt
        if method == "aipw":
            psi0 = t * (p0 - mu0) / pt + (1 - t) * odds * (y - p0) / pt
        else:
            psi0 = (1 - t) * odds * (y - mu0) / pt  # the odds-weights sum to n_treated
    else:
        assert prop is not None
        if method == "aipw":
            psi1 = p1 - mu1 + t * (y - p1) / prop
            psi0 = p0 - mu0 + (1 - t) * (y - p0) / (1 - prop)
        else:
            psi1 = t * (y - mu1) / prop
            psi0 = (1 - t) * (y - mu0) / (1 - prop)
    se_diff = float(np.std(psi1 - psi0, ddof=1) / math.sqrt(n))
    if mu1 > 0 and mu0 > 0:
        se_log = float(np.std(psi1 / mu1 - psi0 / mu0, ddof=1) / math.sqrt(n))
    else:
        se_log = float("nan")
    return se_diff, se_log


def _subset(data: _Data, keep: BoolArray) -> _Data:
    if keep.all():
        return data
    return _Data(
        y=data.y[keep],
        t=data.t[keep],
        x=data.x[keep],
        names=data.names,
        raw=data.raw[keep],
        x_out=data.x_out[keep],
    )


def _naive_se(data: _Data, mu1: float, mu0: float) -> tuple[float, float]:
    y1, y0 = data.y[data.t], data.y[~data.t]
    v1 = float(y1.var(ddof=1)) / y1.size
    v0 = float(y0.var(ddof=1)) / y0.size
    se = math.sqrt(v1 + v0)
    se_log = math.sqrt(v1 / mu1**2 + v0 / mu0**2) if mu1 > 0 and mu0 > 0 else float("nan")
    return se, se_log
