"""Gamma-Gamma model of spend per transaction (Fader and Hardie, note 025; Colombo and Jiang 1999).

The value of each of a customer's transactions is gamma distributed with shape ``p`` and rate
``nu``; ``nu`` is gamma distributed across customers with shape ``q`` and rate ``gamma``. The
model reads the mean value ``m`` of a customer's ``x`` repeat transactions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from .._exceptions import InvalidParameterError, SchemaError
from .._plotting import new_axes
from .._validation import check_int
from ._base import (
    CustomerModel,
    FloatArray,
    Levels,
    Rows,
    compress,
    compress_levels,
    customer_frame,
    numeric_column,
)

if TYPE_CHECKING:
    from ._transactions import TransactionModel

__all__ = ["GammaGamma"]


def _gg_loglik(
    theta: FloatArray, columns: tuple[Levels, ...], counts: FloatArray, grad: bool
) -> tuple[float, FloatArray | None]:
    p, q, g = (float(v) for v in theta)
    X, M = columns
    lx = X.levels
    wx = X.level_counts
    plx = p * lx
    head = gammaln(plx + q) - gammaln(plx) - gammaln(q) + q * np.log(g) + plx * np.log(lx)
    x, m = X.data, M.data
    px = p * x
    log_m = M.take(np.log(M.levels))
    log_gxm = np.log(g + m * x)
    total = float(head @ wx + ((px - 1.0) * log_m - (px + q) * log_gxm) @ counts)
    if not grad:
        return total, None
    d_p = (lx * (digamma(plx + q) - digamma(plx) + np.log(lx))) @ wx + (counts * x) @ (
        log_m - log_gxm
    )
    d_q = (digamma(plx + q) - digamma(q) + np.log(g)) @ wx - counts @ log_gxm
    d_g = q / g * wx.sum() - (counts * (px + q)) @ (1.0 / (g + m * x))
    return total, np.array([d_p, d_q, d_g])


def _check_spend(summary: object, func: str) -> tuple[pd.DataFrame, FloatArray, FloatArray]:
    frame = customer_frame(summary, func)
    x = numeric_column(frame, "frequency", func, integer=True)
    m = numeric_column(frame, "monetary_value", func)
    bad = (x > 0) & (m <= 0)
    if bad.any():
        pos = np.flatnonzero(bad)
        raise SchemaError(
            f"The summary passed to {func} has {pos.size} customer(s) with repeat purchases but "
            f"monetary_value <= 0; first at index {frame.index[int(pos[0])]!r}. The Gamma-Gamma "
            "model needs a positive mean spend; drop them first, e.g. "
            "summary[(summary['frequency'] == 0) | (summary['monetary_value'] > 0)]."
        )
    return frame, x, m


class GammaGamma(CustomerModel):
    """Gamma-Gamma model of the value of a customer's transactions, fitted by maximum likelihood.

    Fitted on the customers with at least one repeat purchase (``frequency > 0``), using their
    mean repeat-purchase value ``monetary_value``; customers without repeat purchases are skipped
    by :meth:`fit` and get the population mean from :meth:`expected_value`. The model assumes that
    spend is independent of purchase frequency; check ``summary[["frequency",
    "monetary_value"]].corr()`` first.

    Parameters
    ----------
    penalizer : float, default 0.0
        Weight of an L2 penalty on the log-parameters (see :class:`BetaGeo`).

    Attributes
    ----------
    p_, q_, gamma_ : float
        Fitted parameters: shape of a transaction's value, shape and rate of its
        customer-specific rate.
    params_, standard_errors_, covariance_, log_likelihood_, n_iter_, converged_
        As for :class:`BetaGeo`.
    n_customers_ : int
        Repeat customers the model was fitted on.
    n_unique_ : int
        Distinct ``(frequency, monetary_value)`` rows among them.

    See Also
    --------
    BetaGeo.clv

    Notes
    -----
    Per repeat customer with ``x`` repeat transactions of mean value ``m``::

        L = G(p x + q) / (G(p x) G(q)) * gamma^q m^(p x - 1) x^(p x) / (gamma + m x)^(p x + q)

    and the expected value of a future transaction is ``p (gamma + x m) / (p x + q - 1)``, a
    weighted mean of the population mean ``p gamma / (q - 1)`` and the customer's own ``m``. On
    the 946 repeat buyers of the CDNOW sample the fit gives ``p = 6.25``, ``q = 3.74``,
    ``gamma = 15.44``.

    Examples
    --------
    The simulated retailer's order values follow Gamma-Gamma with ``p = 6``, ``q = 4``,
    ``gamma = 30``:

    >>> import omnichannel as oc
    >>> orders = oc.simulate_retailer(n_customers=5000, seed=0).orders
    >>> summary = oc.summarize_customers(orders, observation_end="2024-12-31", time_unit="W")
    >>> spend = oc.GammaGamma().fit(summary)
    >>> spend.n_customers_
    553
    >>> spend.summary().round(2)
               estimate  std_error  lower_95  upper_95
    parameter
    p              8.44       2.82      4.39     16.25
    q              3.54       0.33      2.95      4.25
    gamma         19.50       8.28      8.48     44.82
    >>> spend.expected_value().round(2).head(3).tolist()
    [64.72, 64.72, 73.26]
    >>> purchases = oc.BetaGeo().fit(summary)
    >>> clv = purchases.clv(52, discount_rate=0.002, margin=0.3, value=spend)
    >>> clv.round(2).head(3).tolist()
    [25.08, 39.15, 32.65]
    """

    _param_names: ClassVar[tuple[str, ...]] = ("p", "q", "gamma")
    _initial: ClassVar[tuple[float, ...]] = (0.0, 0.0, 0.0)

    p_: float
    q_: float
    gamma_: float
    _rows: Rows

    def fit(self, summary: pd.DataFrame) -> Self:
        """Fit the model on the customers with repeat purchases.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer with ``frequency`` (repeat purchases) and ``monetary_value``
            (mean value of the repeat purchases), as made by :func:`summarize_customers`. Rows
            with ``frequency == 0`` are skipped. It is not modified.

        Returns
        -------
        Self
            The fitted model.

        Raises
        ------
        SchemaError
            On missing columns, negative or missing values, no customer with repeat purchases,
            or a repeat customer with ``monetary_value <= 0``.
        """
        func = f"{type(self).__name__}.fit"
        penalizer = self._penalizer(func)
        frame, x, m = _check_spend(summary, func)
        repeat = x > 0
        if not repeat.any():
            raise SchemaError(
                f"The summary passed to {func} has no customer with frequency > 0; the "
                "Gamma-Gamma model is fitted on the spend of repeat purchases."
            )
        columns, counts, _ = compress_levels(x[repeat], m[repeat])
        self._maximise(_gg_loglik, columns, counts, penalizer=penalizer)
        all_columns, all_counts, inverse = compress(x, np.where(repeat, m, 0.0))
        self._rows = (frame.index.copy(), all_columns, all_counts, inverse)
        return self

    def expected_value(self, summary: pd.DataFrame | None = None) -> pd.Series[float]:
        """Return the expected value of each customer's future transactions, given past spend.

        Parameters
        ----------
        summary : pandas.DataFrame, optional
            Customers to score, with ``frequency`` and ``monetary_value``; all customers of the
            summary the model was fitted on (including those without repeat purchases) when
            omitted.

        Returns
        -------
        pandas.Series
            ``p (gamma + x m) / (p x + q - 1)`` per customer, indexed like the summary; customers
            without repeat purchases get the population mean ``p gamma / (q - 1)``.

        Raises
        ------
        InvalidParameterError
            When the fitted ``q_ <= 1``: the population mean spend is then infinite. A penalizer
            helps.
        """
        func = f"{type(self).__name__}.expected_value"
        self._check_fitted("expected_value()")
        if summary is None:
            index, (x, m), _, inverse = self._rows
        else:
            frame, x_all, m_all = _check_spend(summary, func)
            (x, m), _, inverse = compress(x_all, np.where(x_all > 0, m_all, 0.0))
            index = frame.index
        p, q, g = (float(v) for v in self._theta())
        if q <= 1.0:
            raise InvalidParameterError(
                f"The fitted q_ = {q:.4g} of this GammaGamma is <= 1, so the mean spend of the "
                "population is infinite and expected values are undefined. Refit with a "
                "penalizer > 0 or on more customers."
            )
        values = p * (g + x * m) / (p * x + q - 1.0)
        return pd.Series(values[inverse], index=index, name="expected_value")

    def clv(
        self,
        transaction_model: TransactionModel,
        horizon: int,
        discount_rate: float = 0.0,
        margin: float = 1.0,
        *,
        summary: pd.DataFrame | None = None,
    ) -> pd.Series[float]:
        """Return customer lifetime value with this spend model and a fitted purchase model.

        The same as ``transaction_model.clv(horizon, discount_rate, margin, value=self,
        summary=summary)``; see :meth:`BetaGeo.clv`.

        Parameters
        ----------
        transaction_model : BetaGeo, ModifiedBetaGeo or ParetoNBD
            Fitted model of the number of purchases.
        horizon : int
            Number of time units ahead.
        discount_rate : float, default 0.0
            Discount rate per time unit.
        margin : float, default 1.0
            Share of value kept as profit, in [0, 1].
        summary : pandas.DataFrame, optional
            Customers to value (with ``frequency``, ``recency``, ``T``, ``monetary_value``); the
            fitted customers when omitted.

        Returns
        -------
        pandas.Series
            CLV per customer.
        """
        from ._transactions import TransactionModel

        if not isinstance(transaction_model, TransactionModel):
            raise InvalidParameterError(
                "The 'transaction_model' parameter of GammaGamma.clv must be a fitted BetaGeo, "
                f"ModifiedBetaGeo or ParetoNBD. Got {type(transaction_model).__name__} instead."
            )
        return transaction_model.clv(horizon, discount_rate, margin, value=self, summary=summary)

    def plot(self, *, bins: int = 40, ax: Any = None) -> Any:
        """Histogram of the observed mean spend with the distribution the model implies.

        Parameters
        ----------
        bins : int, default 40
            Histogram bins.
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; a new figure when omitted.

        Returns
        -------
        matplotlib.axes.Axes
        """
        self._check_fitted("plot()")
        n_bins = check_int(bins, "bins", func="GammaGamma.plot", low=1)
        _, (x, m), counts, _ = self._rows
        repeat = x > 0
        x, m, counts = x[repeat], m[repeat], counts[repeat]
        upper = float(np.quantile(np.repeat(m, counts.astype(np.int64)), 0.99))
        grid = np.linspace(upper / 500, upper, 300)
        p, q, g = (float(v) for v in self._theta())
        px = p * x[:, None]
        xx = x[:, None]
        log_density = (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(g)
            + (px - 1.0) * np.log(grid)
            + px * np.log(xx)
            - (px + q) * np.log(g + grid * xx)
        )
        density = counts @ np.exp(log_density) / counts.sum()
        axes = new_axes(ax)
        axes.hist(
            m,
            bins=n_bins,
            range=(0.0, upper),
            weights=counts,
            density=True,
            alpha=0.5,
            label="observed",
        )
        axes.plot(grid, density, color="black", label="Gamma-Gamma")
        axes.set_xlabel("mean value of repeat transactions")
        axes.set_ylabel("density")
        axes.set_title("Distribution of average transaction value")
        axes.legend()
        return axes
