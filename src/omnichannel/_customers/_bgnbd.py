"""BG/NBD (Fader, Hardie and Lee 2005) and MBG/NBD (Batislam, Denizel and Filiztekin 2007).

Both models describe a customer who buys at Poisson rate ``lambda`` (gamma-distributed across
customers with shape ``r`` and rate ``alpha``) while active and becomes inactive after a purchase
with probability ``p`` (beta-distributed with ``a`` and ``b``). BG/NBD lets a customer drop out only
after a repeat purchase; MBG/NBD also right after the first one.

Log-likelihoods are written in log space with ``gammaln`` and ``logaddexp``, so long histories do
not overflow and customers without repeat purchases contribute a finite term. The expected-purchase
formulas use Euler's transformation of the Gauss hypergeometric function,
``(1 - z)**A * 2F1(A, B; C; z) = (1 - z)**(C - B) * 2F1(C - A, C - B; C; z)``, which removes the
large power that would otherwise multiply a large hypergeometric value: the new parameters
``C - A`` and ``C - B`` do not grow with the number of purchases.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy.special import digamma, expit, gammaln, hyp2f1

from ._base import FloatArray, Levels
from ._transactions import TransactionModel

__all__ = ["BetaGeo", "ModifiedBetaGeo"]


def _away_from_one(a: float) -> float:
    # (1 - 2F1(., a - 1; .; .)) / (a - 1) is 0/0 at a == 1; its limit is approached within 1e-7.
    if abs(a - 1.0) < 1e-7:
        return 1.0 + 1e-7
    return a


def _euler(first: float, a: float, c: FloatArray, z: FloatArray | float) -> FloatArray:
    """``(1 - z)**(a - 1) * 2F1(first, a - 1; c; z)`` for ``z`` in [0, 1).

    Euler's transformation of ``(1 - z)**A * 2F1(A, B; C; z)``, the bracket of the expected
    purchases, to parameters that do not grow with the number of purchases: scipy evaluates it
    accurately where the large-parameter form overflows.
    """
    zz = np.asarray(z, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):  # non-finite values are handled by callers
        return np.asarray(np.exp((a - 1.0) * np.log1p(-zz)) * hyp2f1(first, a - 1.0, c, zz))


def _expected(
    first: float, rx: FloatArray, a: float, c: FloatArray, t: float | FloatArray, base: FloatArray
) -> FloatArray:
    """``c / (a - 1) * (1 - (base / (base + t))**rx * 2F1(rx, c - a + 1; c; t / (base + t)))``.

    The expected purchases of an active customer, before the factor P(alive). Evaluated by
    Euler's form; where scipy's ``hyp2f1`` fails there (huge ``c`` with ``z`` near 1), by
    Pfaff's form ``1 - 2F1(rx, a - 1; c; -t / base)``.
    """
    z = t / (base + t)
    with np.errstate(invalid="ignore", over="ignore"):
        value = c / (a - 1.0) * (1.0 - _euler(first, a, c, z))
    bad = ~np.isfinite(value)
    if bad.any():
        tt = np.broadcast_to(t, value.shape)[bad]
        with np.errstate(invalid="ignore", over="ignore"):
            pfaff = 1.0 - hyp2f1(rx[bad], a - 1.0, c[bad], -tt / base[bad])
            value[bad] = c[bad] / (a - 1.0) * pfaff
        still = ~np.isfinite(value)
        if still.any():
            # Both forms fail only far in the tails (hundreds of purchases in a tiny T, where
            # P(alive) is ~1e-40): fall back to the bound of a customer who never drops out.
            tt = np.broadcast_to(t, value.shape)[still]
            value[still] = rx[still] * tt / base[still]
    return value


def _bg_loglik(
    theta: FloatArray, columns: tuple[Levels, ...], counts: FloatArray, grad: bool
) -> tuple[float, FloatArray | None]:
    r, alpha, a, b = (float(v) for v in theta)
    X, TX, TT = columns
    lx = X.levels
    wx = X.level_counts
    pos = lx > 0
    bx1 = np.where(pos, b + lx - 1.0, 1.0)
    head = (
        gammaln(r + lx)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + lx)
        - gammaln(b)
        - gammaln(a + b + lx)
    )
    # Per customer: log(e^A3 + e^A4) = A3 + softplus(d), d = A4 - A3 (-inf without repeats).
    k4 = np.where(pos, np.log(a) - np.log(bx1), -np.inf)
    rx = r + X.data
    log_at = TT.take(np.log(alpha + TT.levels))
    log_atx = TX.take(np.log(alpha + TX.levels))
    d = log_at - log_atx
    d *= rx
    d += X.take(k4)
    total = float(head @ wx - counts @ (rx * log_at) + counts @ np.logaddexp(0.0, d))
    if not grad:
        return total, None
    cw4 = counts * expit(d)
    cw3 = counts - cw4
    inv_at = TT.take(1.0 / (alpha + TT.levels))
    inv_atx = TX.take(1.0 / (alpha + TX.levels))
    w4x = X.weights(cw4)
    common = digamma(a + b) - digamma(a + b + lx)
    d_r = (digamma(r + lx) - digamma(r) + np.log(alpha)) @ wx - cw3 @ log_at - cw4 @ log_atx
    d_alpha = r / alpha * wx.sum() - (cw3 * rx) @ inv_at - (cw4 * rx) @ inv_atx
    d_a = common @ wx + w4x.sum() / a
    d_b = (common + digamma(b + lx) - digamma(b)) @ wx - w4x @ (1.0 / bx1)
    return total, np.array([d_r, d_alpha, d_a, d_b])


def _mbg_loglik(
    theta: FloatArray, columns: tuple[Levels, ...], counts: FloatArray, grad: bool
) -> tuple[float, FloatArray | None]:
    r, alpha, a, b = (float(v) for v in theta)
    X, TX, TT = columns
    lx = X.levels
    wx = X.level_counts
    head = (
        gammaln(r + lx)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + lx + 1.0)
        - gammaln(b)
        - gammaln(a + b + lx + 1.0)
    )
    rx = r + X.data
    log_at = TT.take(np.log(alpha + TT.levels))
    log_atx = TX.take(np.log(alpha + TX.levels))
    a4 = X.take(np.log(a) - np.log(b + lx)) + rx * (log_at - log_atx)
    total = float(head @ wx + (np.logaddexp(0.0, a4) - rx * log_at) @ counts)
    if not grad:
        return total, None
    cw = counts * expit(a4)
    inv_at = TT.take(1.0 / (alpha + TT.levels))
    inv_atx = TX.take(1.0 / (alpha + TX.levels))
    wwx = X.weights(cw)
    common = digamma(a + b) - digamma(a + b + lx + 1.0)
    d_r = (
        (digamma(r + lx) - digamma(r) + np.log(alpha)) @ wx
        - counts @ log_at
        + cw @ (log_at - log_atx)
    )
    d_alpha = r / alpha * wx.sum() - (counts * rx) @ inv_at + (cw * rx) @ (inv_at - inv_atx)
    d_a = common @ wx + wwx.sum() / a
    d_b = (common + digamma(b + lx + 1.0) - digamma(b)) @ wx - wwx @ (1.0 / (b + lx))
    return total, np.array([d_r, d_alpha, d_a, d_b])


class BetaGeo(TransactionModel):
    """BG/NBD model of repeat purchasing (Fader, Hardie and Lee 2005), fitted by maximum likelihood.

    While active a customer buys at Poisson rate ``lambda ~ Gamma(r, alpha)`` (shape, rate);
    after each repeat purchase the customer becomes inactive with probability
    ``p ~ Beta(a, b)``. Customers are compressed to unique ``(frequency, recency, T)`` rows before
    fitting, so ten million customers fit in seconds.

    Parameters
    ----------
    penalizer : float, default 0.0
        Weight of an L2 penalty on the log-parameters, ``penalizer * sum(log(theta)**2)``,
        subtracted from the total log-likelihood: a normal prior with standard deviation
        ``1 / sqrt(2 * penalizer)`` on each log-parameter. Useful for small samples; its pull
        fades as customers are added.

    Attributes
    ----------
    r_, alpha_, a_, b_ : float
        Fitted parameters (``alpha_`` is in the summary's time unit).
    params_ : pandas.Series
        The same, indexed by name.
    standard_errors_ : pandas.Series
        Standard errors from the inverse Hessian of the (penalised) log-likelihood.
    covariance_ : pandas.DataFrame
        Their covariance matrix.
    log_likelihood_ : float
        Maximised log-likelihood (without the penalty).
    n_customers_, n_unique_ : int
        Customers fitted and distinct ``(frequency, recency, T)`` rows among them.
    n_iter_ : int
        Optimiser iterations.
    converged_ : bool
        Whether the optimiser converged away from the parameter bounds.

    See Also
    --------
    ModifiedBetaGeo, ParetoNBD, GammaGamma, summarize_customers

    Notes
    -----
    Per customer with ``x`` repeat purchases, last at ``t_x``, observed until ``T``::

        L = B(a, b + x) / B(a, b) * G(r + x) alpha^r / (G(r) (alpha + T)^(r + x))
          + [x > 0] B(a + 1, b + x - 1) / B(a, b) * G(r + x) alpha^r / (G(r) (alpha + t_x)^(r + x))

    On the CDNOW sample (2,357 customers, weeks) the fit gives ``r = 0.243``, ``alpha = 4.414``,
    ``a = 0.793``, ``b = 2.426`` and a log-likelihood of ``-9582.4``, as published.

    Examples
    --------
    The simulated retailer's customers buy by BG/NBD with ``r = 0.5``, ``alpha = 4`` (weeks),
    ``a = 0.8``, ``b = 3``:

    >>> import omnichannel as oc
    >>> orders = oc.simulate_retailer(n_customers=5000, seed=0).orders
    >>> summary = oc.summarize_customers(orders, observation_end="2024-12-31", time_unit="W")
    >>> model = oc.BetaGeo().fit(summary)
    >>> model.summary().round(2)
               estimate  std_error  lower_95  upper_95
    parameter
    r              0.49       0.04      0.42      0.56
    alpha          4.34       0.45      3.54      5.32
    a              1.01       0.34      0.52      1.95
    b              3.99       1.65      1.77      8.98
    >>> model.probability_alive().round(2).head(3).tolist()
    [1.0, 1.0, 0.77]
    >>> model.expected_purchases(52).round(2).head(3).tolist()
    [1.35, 2.11, 1.56]
    >>> model.expected_purchases_new([13, 26, 52]).round(2).tolist()
    [1.07, 1.78, 2.78]
    """

    _param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    _initial: ClassVar[tuple[float, ...]] = (0.0, 0.0, 0.0, 0.0)

    r_: float
    alpha_: float
    a_: float
    b_: float

    @staticmethod
    def _loglik(
        theta: FloatArray, columns: tuple[Levels, ...], counts: FloatArray, grad: bool
    ) -> tuple[float, FloatArray | None]:
        return _bg_loglik(theta, columns, counts, grad)

    @staticmethod
    def _alive(theta: FloatArray, x: FloatArray, tx: FloatArray, T: FloatArray) -> FloatArray:
        r, alpha, a, b = (float(v) for v in theta)
        pos = x > 0
        bx1 = np.where(pos, b + x - 1.0, 1.0)
        log_odds = np.log(a) - np.log(bx1) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        return np.where(pos, expit(-log_odds), 1.0)

    @staticmethod
    def _conditional(
        theta: FloatArray, t: float, x: FloatArray, tx: FloatArray, T: FloatArray
    ) -> FloatArray:
        r, alpha, a, b = (float(v) for v in theta)
        a = _away_from_one(a)
        c = a + b + x - 1.0
        alive = BetaGeo._alive(theta, x, tx, T)
        return _expected(a + b - 1.0 - r, r + x, a, c, t, alpha + T) * alive

    @staticmethod
    def _unconditional(theta: FloatArray, t: FloatArray) -> FloatArray:
        r, alpha, a, b = (float(v) for v in theta)
        a = _away_from_one(a)
        c = a + b - 1.0
        return _expected(
            c - r, np.full_like(t, r), a, np.full_like(t, c), t, np.full_like(t, alpha)
        )


class ModifiedBetaGeo(TransactionModel):
    """MBG/NBD model (Batislam, Denizel and Filiztekin 2007), fitted by maximum likelihood.

    As :class:`BetaGeo`, but a customer may also become inactive right after the first purchase,
    so customers without repeat purchases are not all certainly active: their P(alive) is below 1.

    Parameters
    ----------
    penalizer : float, default 0.0
        Weight of an L2 penalty on the log-parameters (see :class:`BetaGeo`).

    Attributes
    ----------
    r_, alpha_, a_, b_ : float
        Fitted parameters.
    params_, standard_errors_, covariance_, log_likelihood_, n_customers_, n_unique_, n_iter_, \
converged_
        As for :class:`BetaGeo`.

    See Also
    --------
    BetaGeo

    Notes
    -----
    Per customer::

        L = B(a, b + x + 1) / B(a, b) * G(r + x) alpha^r / (G(r) (alpha + T)^(r + x))
            + B(a + 1, b + x) / B(a, b) * G(r + x) alpha^r / (G(r) (alpha + t_x)^(r + x))

    Examples
    --------
    >>> import omnichannel as oc
    >>> orders = oc.simulate_retailer(n_customers=5000, seed=0).orders
    >>> summary = oc.summarize_customers(orders, observation_end="2024-12-31", time_unit="W")
    >>> model = oc.ModifiedBetaGeo().fit(summary)
    >>> model.params_.round(2).tolist()
    [0.91, 6.41, 1.3, 4.37]
    >>> model.probability_alive().round(2).head(3).tolist()  # one-time buyers too are below 1
    [0.61, 0.71, 0.76]
    """

    _param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    _initial: ClassVar[tuple[float, ...]] = (0.0, 0.0, 0.0, 0.0)

    r_: float
    alpha_: float
    a_: float
    b_: float

    @staticmethod
    def _loglik(
        theta: FloatArray, columns: tuple[Levels, ...], counts: FloatArray, grad: bool
    ) -> tuple[float, FloatArray | None]:
        return _mbg_loglik(theta, columns, counts, grad)

    @staticmethod
    def _alive(theta: FloatArray, x: FloatArray, tx: FloatArray, T: FloatArray) -> FloatArray:
        r, alpha, a, b = (float(v) for v in theta)
        log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        return np.asarray(expit(-log_odds))

    @staticmethod
    def _conditional(
        theta: FloatArray, t: float, x: FloatArray, tx: FloatArray, T: FloatArray
    ) -> FloatArray:
        r, alpha, a, b = (float(v) for v in theta)
        a = _away_from_one(a)
        alive = ModifiedBetaGeo._alive(theta, x, tx, T)
        return _expected(a + b - r, r + x, a, a + b + x, t, alpha + T) * alive

    @staticmethod
    def _unconditional(theta: FloatArray, t: FloatArray) -> FloatArray:
        r, alpha, a, b = (float(v) for v in theta)
        a = _away_from_one(a)
        ones = np.ones_like(t)
        scale = b / (a + b)  # the MBG/NBD bracket is b / (a - 1), not (a + b) / (a - 1)
        return scale * _expected(a + b - r, r * ones, a, (a + b) * ones, t, alpha * ones)
