"""A batched, box-constrained Levenberg-Marquardt solver for many small least-squares problems.

Every row of ``theta`` is an independent problem ``min ||r(theta)||^2`` with the same number of
parameters. The caller's ``evaluate(theta, rows)`` returns, for the given rows, the objective
``f = r'r``, the Gauss-Newton matrix ``H = J'J`` and the gradient half ``g = J'r``, all computed
in one batched pass over the data; ``objective(thetas, rows)`` returns ``f`` alone for several
trial points per row, also in one pass. Each row keeps its own damping and stops on its own; rows
that have converged leave the batch, so later passes run on fewer series.

Bounds are handled by an active set: a parameter sitting on a bound with the gradient pushing it
outwards is held fixed for the step, and trial points are projected onto the box. Damping is
Marquardt's (scaled by ``diag(H)``) with Nielsen's update rule (Madsen, Nielsen & Tingleff 2004,
*Methods for Non-Linear Least Squares Problems*, section 3.2).
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import numpy as np
from numpy.typing import NDArray

__all__ = ["LMResult", "levenberg_marquardt"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
Evaluate = Callable[[FloatArray, IntArray], tuple[FloatArray, FloatArray, FloatArray]]
Objective = Callable[[FloatArray, IntArray], FloatArray]

#: Multiples of the Gauss-Newton step tried at each iteration (objective only, one pass).
STEP_MULTIPLES = (0.3, 1.0, 3.0, 10.0)
#: Multiples of the displacement over the last two accepted steps, tried in the same pass.
EXTRAPOLATIONS = (1.0, 4.0)
_UNIT = STEP_MULTIPLES.index(1.0)


@attrs.frozen
class LMResult:
    """Solution of every row: parameters, objective, iterations used and a convergence flag."""

    theta: FloatArray
    f: FloatArray
    n_iter: IntArray
    converged: NDArray[np.bool_]


def _solve(a: FloatArray, b: FloatArray) -> FloatArray:
    """Solve the stacked systems ``a x = b``; singular rows fall back to a pseudo-inverse."""
    try:
        return np.asarray(np.linalg.solve(a, b[..., None])[..., 0], dtype=np.float64)
    except np.linalg.LinAlgError:
        out = np.empty_like(b)
        for lo in range(0, a.shape[0], 256):  # pinv per block: only reached on singular systems
            out[lo : lo + 256] = np.einsum(
                "nij,nj->ni", np.linalg.pinv(a[lo : lo + 256]), b[lo : lo + 256]
            )
        return out


def _project(
    theta: FloatArray,
    f: FloatArray,
    hess: FloatArray,
    grad: FloatArray,
    rows: IntArray,
    linear: IntArray,
) -> IntArray:
    """Move the linear parameters of ``rows`` to their least-squares optimum, in place.

    With residuals linear in those parameters the new objective is exact, but the gradient and
    Gauss-Newton matrix of the other parameters are extrapolated from the old point: the
    Jacobian of the nonlinear parameters depends on the linear ones, so the extrapolated
    gradient can even point the wrong way. Returns the rows moved, whose derivatives are
    approximate until the next evaluation.
    """
    ok = np.isfinite(f[rows])
    rows = rows[ok]
    if rows.size == 0:
        return rows
    h = hess[rows]
    g = grad[rows]
    hxx = h[:, linear[:, None], linear[None, :]]
    gx = g[:, linear]
    diag = np.diagonal(hxx, axis1=1, axis2=2)
    ridge = 1e-12 * np.maximum(diag.max(axis=1), 1e-300)
    hxx = hxx + ridge[:, None, None] * np.eye(linear.size)
    dx = -_solve(hxx, gx)
    change = 2.0 * np.einsum("ni,ni->n", dx, gx) + np.einsum("ni,nij,nj->n", dx, hxx, dx)
    use = np.isfinite(change) & (change < 0)
    rows, dx, change, h = rows[use], dx[use], change[use], h[use]
    if rows.size == 0:
        return rows
    theta[rows[:, None], linear[None, :]] += dx
    f[rows] = np.maximum(f[rows] + change, 0.0)
    grad[rows] += np.einsum("nij,nj->ni", h[:, :, linear], dx)
    return rows


def _reevaluate(
    evaluate: Evaluate,
    theta: FloatArray,
    f: FloatArray,
    hess: FloatArray,
    grad: FloatArray,
    rows: IntArray,
    approx: NDArray[np.bool_],
    mu: FloatArray,
    nu: FloatArray,
) -> None:
    """Exact objective and derivatives at the current point of ``rows``; damping restarts."""
    f_new, h_new, g_new = evaluate(theta[rows], rows)
    f[rows] = np.where(np.isfinite(f_new), f_new, np.inf)
    hess[rows] = h_new
    grad[rows] = g_new
    approx[rows] = False
    mu[rows] = 1e-2
    nu[rows] = 2.0


def levenberg_marquardt(
    evaluate: Evaluate,
    objective: Objective,
    theta0: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    *,
    max_iter: int = 60,
    ftol: float = 1e-8,
    xtol: float = 1e-8,
    f_floor: FloatArray | None = None,
    linear: IntArray | None = None,
    on_iteration: Callable[[int], None] | None = None,
) -> LMResult:
    """Minimise ``||r(theta)||^2`` for every row of ``theta0`` at once.

    Each iteration computes the damped Gauss-Newton step ``delta``, evaluates the objective
    alone at ``theta + t * delta`` for ``t`` in :data:`STEP_MULTIPLES` (one cheap pass), keeps
    the best point and only then evaluates the Jacobian there. The longer trial steps matter
    for large-residual problems such as ETS likelihoods, where Gauss-Newton overestimates the
    curvature along curved valleys and would otherwise crawl.

    Parameters
    ----------
    evaluate
        ``evaluate(theta, rows) -> (f, H, g)`` for a subset ``rows`` (sorted) of the problems.
        Infeasible points return ``f = inf``.
    objective
        ``objective(thetas, rows) -> f`` for ``thetas`` of shape ``(S, len(rows), p)``.
    theta0
        ``(n, p)`` starting points, inside the box.
    lower, upper
        ``(p,)`` bounds (``-inf``/``inf`` for free parameters).
    max_iter
        Maximum number of iterations per row.
    ftol
        Stop when an accepted step lowers ``f`` by less than ``ftol * f``.
    xtol
        Stop when every parameter moves by less than ``xtol * (|theta| + xtol)``.
    f_floor
        ``(n,)`` objective values below which a row counts as an exact fit and stops.
    linear
        Columns on which the residuals depend linearly (and without bounds). After every
        Jacobian they are moved to their exact optimum given the other parameters, a free
        variable-projection step that removes the slow valleys between those parameters and the
        nonlinear ones (Golub & Pereyra 2003, *Inverse Problems* 19, R1-R26).
    on_iteration
        Called with the iteration number after each batched step (progress reporting).

    Returns
    -------
    LMResult
    """
    n, p = theta0.shape
    theta = np.clip(theta0, lower, upper)
    rows = np.arange(n)
    f, hess, grad = evaluate(theta, rows)
    f = np.where(np.isfinite(f), f, np.inf)
    # Rows whose derivatives were extrapolated by a projection step (see _project): before such
    # a row is declared converged or given up on, its derivatives are evaluated exactly.
    approx = np.zeros(n, dtype=bool)
    project = linear is not None and linear.size > 0
    if linear is None:
        linear = np.zeros(0, dtype=np.intp)
    if project:
        approx[_project(theta, f, hess, grad, rows, linear)] = True
    floor = np.zeros(n) if f_floor is None else f_floor
    active = np.isfinite(f) & (f > floor)
    mu = np.full(n, 1e-2)
    nu = np.full(n, 2.0)
    n_iter = np.zeros(n, dtype=np.intp)
    converged = ~active & np.isfinite(f)
    eye = np.eye(p, dtype=bool)
    mult = np.asarray(STEP_MULTIPLES)[:, None, None]
    ext = np.asarray(EXTRAPOLATIONS)[:, None, None]
    # Points before the last and the second-last accepted step (NaN until there are two).
    prev1 = np.full((n, p), np.nan)
    prev2 = np.full((n, p), np.nan)
    for it in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        th, hk, gk, fk = theta[idx], hess[idx], grad[idx], f[idx]
        held = ((th <= lower) & (gk > 0)) | ((th >= upper) & (gk < 0))
        free = ~held
        d = np.diagonal(hk, axis1=1, axis2=2)
        d = np.maximum(d, 1e-12 * np.maximum(d.max(axis=1, keepdims=True), 1e-300))
        a = hk * (free[:, :, None] & free[:, None, :])
        a[:, eye] += mu[idx, None] * d
        a[:, eye] = np.where(held, 1.0, a[:, eye])
        rhs = np.where(free, -gk, 0.0)
        step = _solve(a, rhs)
        # Stop before spending a pass when even the undamped Gauss-Newton step promises less
        # than ftol * f (the relative-function-convergence test of NL2SOL).
        a0 = hk * (free[:, :, None] & free[:, None, :])
        a0[:, eye] += 1e-10 * d
        a0[:, eye] = np.where(held, 1.0, a0[:, eye])
        full_pred = -np.einsum("ni,ni->n", _solve(a0, rhs), gk)
        flat = (full_pred >= 0) & (full_pred <= ftol * fk) & (mu[idx] <= 1.0)
        recheck = idx[flat & approx[idx]]
        flat &= ~approx[idx]
        if flat.any() or recheck.size:
            converged[idx[flat]] = True
            active[idx[flat]] = False
            if recheck.size:
                _reevaluate(evaluate, theta, f, hess, grad, recheck, approx, mu, nu)
            keep = ~flat & ~np.isin(idx, recheck)
            idx, th, hk, gk, fk = idx[keep], th[keep], hk[keep], gk[keep], fk[keep]
            step = step[keep]
            if idx.size == 0:
                continue
        trials = np.clip(th[None] + mult * step[None], lower, upper)
        step = trials[_UNIT] - th
        # Zig-zagging Gauss-Newton steps in a curved valley: also try continuing the net
        # displacement of the last two accepted steps (rows without two steps repeat the unit
        # trial).
        drift = th - prev2[idx]
        drift = np.where(np.isfinite(drift), drift, 0.0)
        pushed = np.where(
            np.isfinite(prev2[idx])[None],
            np.clip(th[None] + ext * drift[None], lower, upper),
            trials[_UNIT][None],
        )
        trials = np.concatenate([trials, pushed])
        pred = -(2.0 * np.einsum("ni,ni->n", step, gk) + np.einsum("ni,nij,nj->n", step, hk, step))
        f_try = objective(trials, idx)
        f_try = np.where(np.isfinite(f_try), f_try, np.inf)
        best = np.argmin(f_try, axis=0)
        f_best = f_try[best, np.arange(idx.size)]
        n_iter[idx] += 1
        gain = fk - f_best
        accept = gain > 0
        gain1 = fk - f_try[_UNIT]
        rho = np.where(pred > 0, gain1 / np.where(pred > 0, pred, 1.0), 0.0)
        good = gain1 > 0
        factor = np.maximum(1.0 / 3.0, 1.0 - (2.0 * np.clip(rho, 0.0, 1.0) - 1.0) ** 3)
        mu[idx] = np.where(good, mu[idx] * factor, mu[idx] * nu[idx])
        nu[idx] = np.where(good, 2.0, nu[idx] * 2.0)
        small_step = np.all(np.abs(step) <= xtol * (np.abs(th) + xtol), axis=1)
        # A damping this large means no descent direction is left: a (numerical) minimum.
        done = (accept & (gain <= ftol * fk)) | small_step | (accept & (f_best <= floor[idx]))
        done |= mu[idx] > 1e16
        # No trial improved on extrapolated derivatives: evaluate them exactly and go on.
        failed = ~accept & approx[idx]
        recheck = idx[failed]
        done &= ~failed
        acc = idx[accept]
        prev2[acc] = prev1[acc]
        prev1[acc] = theta[acc]
        theta[acc] = trials[best[accept], np.flatnonzero(accept)]
        f[acc] = f_best[accept]
        converged[idx[done]] = True
        active[idx[done]] = False
        refresh = acc[active[acc]]
        if refresh.size:
            f_new, h_new, g_new = evaluate(theta[refresh], refresh)
            f[refresh] = np.where(np.isfinite(f_new), f_new, np.inf)
            hess[refresh] = h_new
            grad[refresh] = g_new
            approx[refresh] = False
            if project:
                approx[_project(theta, f, hess, grad, refresh, linear)] = True
        if recheck.size:
            _reevaluate(evaluate, theta, f, hess, grad, recheck, approx, mu, nu)
        if on_iteration is not None:
            on_iteration(it)
    return LMResult(theta=theta, f=f, n_iter=n_iter, converged=converged)
