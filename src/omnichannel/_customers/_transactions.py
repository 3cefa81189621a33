"""Common interface of the repeat-purchase models (BG/NBD, MBG/NBD, Pareto/NBD).

A model reads three columns of a customer summary: ``frequency`` (repeat purchases), ``recency``
(time from the first to the last purchase) and ``T`` (time from the first purchase to the end of
observation), all in one time unit. Predictions are made on the unique rows of those columns and
broadcast back to customers, so they cost as little as the fit.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError, SchemaError
from .._plotting import new_axes
from .._validation import check_choice, check_int, check_real, short_repr
from ._base import (
    CustomerModel,
    FloatArray,
    Levels,
    LogLik,
    Rows,
    compress,
    compress_levels,
    customer_frame,
    numeric_column,
)

if TYPE_CHECKING:
    from ._gamma_gamma import GammaGamma

__all__ = ["TransactionModel", "check_rfm"]

_RTOL = 1e-9


def check_rfm(
    summary: object, func: str
) -> tuple[pd.DataFrame, FloatArray, FloatArray, FloatArray]:
    """Check the ``frequency``, ``recency`` and ``T`` columns of a customer summary.

    Rules: all finite and >= 0; ``frequency`` whole numbers; ``recency <= T``; ``recency == 0``
    when ``frequency == 0`` (a customer without repeat purchases has no recency).
    """
    frame = customer_frame(summary, func)
    x = numeric_column(frame, "frequency", func, integer=True)
    tx = numeric_column(frame, "recency", func)
    T = numeric_column(frame, "T", func)
    checks = [
        (
            tx > T * (1 + _RTOL) + _RTOL,
            "recency greater than T",
            "recency is the time from the first to the last purchase and T the time from the "
            "first purchase to the end of observation, so recency <= T",
        ),
        (
            (x == 0) & (tx > 0),
            "frequency 0 but recency > 0",
            "a customer without repeat purchases has recency 0",
        ),
    ]
    for bad, what, rule in checks:
        if bad.any():
            pos = np.flatnonzero(bad)
            i = int(pos[0])
            raise SchemaError(
                f"The summary passed to {func} has {pos.size} row(s) with {what}; first at index "
                f"{frame.index[i]!r} (frequency={x[i]:g}, recency={tx[i]:g}, T={T[i]:g}). "
                f"Expected: {rule}."
            )
    return frame, x, np.minimum(tx, T), T


def _check_times(t: object, name: str, func: str) -> FloatArray:
    values = np.asarray(t, dtype=np.float64) if not isinstance(t, str) else np.array(np.nan)
    if values.ndim > 1 or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise InvalidParameterError(
            f"The {name!r} parameter of {func} must be a finite number >= 0 or a 1-d array of "
            f"them. Got {short_repr(t)} instead."
        )
    return values


class TransactionModel(CustomerModel):
    """Base class of the repeat-purchase models."""

    _kind: ClassVar[str] = ""
    _rows: Rows

    @staticmethod
    def _loglik(
        theta: FloatArray, columns: tuple[Levels, ...], counts: FloatArray, grad: bool
    ) -> tuple[float, FloatArray | None]:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _alive(
        theta: FloatArray, x: FloatArray, tx: FloatArray, T: FloatArray
    ) -> FloatArray:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _conditional(
        theta: FloatArray, t: float, x: FloatArray, tx: FloatArray, T: FloatArray
    ) -> FloatArray:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _unconditional(theta: FloatArray, t: FloatArray) -> FloatArray:  # pragma: no cover
        raise NotImplementedError

    # -- fit ------------------------------------------------------------------------------------

    def fit(self, summary: pd.DataFrame) -> Self:
        """Fit the model by maximum likelihood.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer with columns ``frequency`` (repeat purchases, whole numbers),
            ``recency`` (time from the first to the last purchase) and ``T`` (time from the first
            purchase to the end of observation), in one time unit, as made by
            :func:`summarize_customers`. Other columns are ignored. It is not modified.

        Returns
        -------
        Self
            The fitted model.

        Raises
        ------
        SchemaError
            On a missing column, negative, missing or infinite values, a non-integer frequency,
            ``recency > T``, or a recency > 0 with frequency 0.
        InvalidParameterError
            When ``penalizer`` is not a finite number >= 0.
        """
        func = f"{type(self).__name__}.fit"
        penalizer = self._penalizer(func)
        frame, x, tx, T = check_rfm(summary, func)
        levels, counts, inverse = compress_levels(x, tx, T)
        loglik: LogLik = self._loglik
        self._maximise(loglik, levels, counts, penalizer=penalizer)
        columns = tuple(level.data for level in levels)
        self._rows = (frame.index.copy(), columns, counts, inverse)
        return self

    def _rows_for(self, summary: pd.DataFrame | None, func: str) -> Rows:
        if summary is None:
            return self._rows
        frame, x, tx, T = check_rfm(summary, func)
        columns, counts, inverse = compress(x, tx, T)
        return frame.index, columns, counts, inverse

    # -- predictions ----------------------------------------------------------------------------

    def probability_alive(self, summary: pd.DataFrame | None = None) -> pd.Series[float]:
        """Probability that each customer is still active at the end of observation.

        Parameters
        ----------
        summary : pandas.DataFrame, optional
            Customers to score, with ``frequency``, ``recency`` and ``T``; the customers the
            model was fitted on when omitted.

        Returns
        -------
        pandas.Series
            Values in [0, 1], indexed like the summary.
        """
        name = f"{type(self).__name__}.probability_alive"
        self._check_fitted("probability_alive()")
        index, (x, tx, T), _, inverse = self._rows_for(summary, name)
        p = np.clip(self._alive(self._theta(), x, tx, T), 0.0, 1.0)
        return pd.Series(p[inverse], index=index, name="probability_alive")

    def expected_purchases(self, t: float, summary: pd.DataFrame | None = None) -> pd.Series[float]:
        """Return each customer's expected number of purchases in the next ``t`` time units.

        Conditional on the customer's history (frequency, recency, T).

        Parameters
        ----------
        t : float
            Length of the period after the end of observation, in the summary's time unit.
        summary : pandas.DataFrame, optional
            Customers to score; the customers the model was fitted on when omitted.

        Returns
        -------
        pandas.Series
            Expected purchases, >= 0, indexed like the summary.
        """
        name = f"{type(self).__name__}.expected_purchases"
        self._check_fitted("expected_purchases()")
        t_value = check_real(t, "t", func=name, low=0.0)
        index, (x, tx, T), _, inverse = self._rows_for(summary, name)
        if t_value == 0:
            values = np.zeros_like(x)
        else:
            values = np.maximum(self._conditional(self._theta(), t_value, x, tx, T), 0.0)
        return pd.Series(values[inverse], index=index, name="expected_purchases")

    @overload
    def expected_purchases_new(self, t: float) -> float: ...

    @overload
    def expected_purchases_new(self, t: npt.ArrayLike) -> FloatArray: ...

    def expected_purchases_new(self, t: float | npt.ArrayLike) -> float | FloatArray:
        """Return the expected repeat purchases of a new customer within ``t`` time units.

        The population-level curve, unconditional on any history: it tracks the cumulative repeat
        purchases of a cohort acquired at the same time.

        Parameters
        ----------
        t : float or array-like of float
            Time since the first purchase, in the summary's time unit, >= 0.

        Returns
        -------
        float or numpy.ndarray
            Same shape as ``t``; increasing in ``t``.
        """
        name = f"{type(self).__name__}.expected_purchases_new"
        self._check_fitted("expected_purchases_new()")
        values = _check_times(t, "t", name)
        flat = np.atleast_1d(values)
        out = np.zeros_like(flat)
        pos = flat > 0
        if pos.any():
            out[pos] = np.maximum(self._unconditional(self._theta(), flat[pos]), 0.0)
        if values.ndim == 0:
            return float(out[0])
        return out

    def clv(
        self,
        horizon: int,
        discount_rate: float = 0.0,
        margin: float = 1.0,
        *,
        value: GammaGamma | pd.Series[float] | float,
        summary: pd.DataFrame | None = None,
    ) -> pd.Series[float]:
        """Return each customer's lifetime value over the next ``horizon`` time units.

        ``clv = margin * value * sum_{i=1..horizon} (E[Y(i)] - E[Y(i-1)]) / (1 + discount_rate)**i``
        where ``E[Y(i)]`` is the customer's expected purchases in the next ``i`` time units and
        ``value`` the expected value of one of the customer's future purchases.

        Parameters
        ----------
        horizon : int
            Number of time units ahead (in the summary's unit: 52 for a year of weeks).
        discount_rate : float, default 0.0
            Discount rate per time unit, >= 0 (e.g. 0.10 a year is about 0.0018 a week).
        margin : float, default 1.0
            Share of value kept as profit, in [0, 1].
        value : GammaGamma, pandas.Series or float
            Expected value of a future purchase: a fitted :class:`GammaGamma` (its
            :meth:`GammaGamma.expected_value` on the same customers), a Series indexed by
            customer, or one number for everyone.
        summary : pandas.DataFrame, optional
            Customers to value; the customers the model was fitted on when omitted. When
            ``value`` is a GammaGamma this frame also needs ``monetary_value``.

        Returns
        -------
        pandas.Series
            CLV per customer, indexed like the summary.

        Raises
        ------
        SchemaError
            When ``value`` has no entry for some customer.
        """
        name = f"{type(self).__name__}.clv"
        self._check_fitted("clv()")
        steps = check_int(horizon, "horizon", func=name, low=1)
        assert steps is not None
        rate = check_real(discount_rate, "discount_rate", func=name, low=0.0)
        keep = check_real(margin, "margin", func=name, low=0.0, high=1.0)
        index, (x, tx, T), _, inverse = self._rows_for(summary, name)
        per_customer = _values_for(value, index, summary, name)
        theta = self._theta()
        discounted = np.zeros_like(x)
        previous = np.zeros_like(x)
        for i in range(1, steps + 1):
            current = np.maximum(self._conditional(theta, float(i), x, tx, T), previous)
            discounted += (current - previous) / (1.0 + rate) ** i
            previous = current
        return pd.Series(keep * per_customer * discounted[inverse], index=index, name="clv")

    # -- plot -----------------------------------------------------------------------------------

    def plot(
        self,
        kind: Literal["alive", "purchases"] = "alive",
        *,
        t: float = 1.0,
        max_frequency: int | None = None,
        ax: Any = None,
    ) -> Any:
        """Heat map of P(alive) or of expected purchases by frequency and recency.

        Evaluated for a customer observed for the longest ``T`` in the fitted data, the classic
        frequency/recency matrix of the BG/NBD literature: recent, frequent buyers are the most
        likely to be active.

        Parameters
        ----------
        kind : {"alive", "purchases"}
            ``alive`` plots :meth:`probability_alive`; ``purchases`` plots
            :meth:`expected_purchases` over the next ``t`` time units.
        t : float, default 1.0
            Period for ``kind="purchases"``.
        max_frequency : int, optional
            Highest frequency shown; the 99th percentile of the fitted frequencies by default.
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; a new figure when omitted.

        Returns
        -------
        matplotlib.axes.Axes
        """
        name = f"{type(self).__name__}.plot"
        self._check_fitted("plot()")
        choice = check_choice(kind, "kind", ("alive", "purchases"), func=name)
        horizon = check_real(t, "t", func=name, low=0.0, low_open=True)
        _, (x, _, T), counts, _ = self._rows
        if max_frequency is None:
            order = np.argsort(x)
            cum = np.cumsum(counts[order]) / counts.sum()
            top = int(x[order][min(int(np.searchsorted(cum, 0.99)), len(order) - 1)])
            max_frequency = max(top, 1)
        f_max = check_int(max_frequency, "max_frequency", func=name, low=1)
        assert f_max is not None
        t_max = float(T.max()) if float(T.max()) > 0 else 1.0
        freq = np.arange(f_max + 1, dtype=np.float64)
        rec = np.linspace(0.0, t_max, 60)
        ff, rr = np.meshgrid(freq, rec, indexing="ij")
        rr = np.where(ff == 0, 0.0, rr)
        tt = np.full(ff.size, t_max)
        theta = self._theta()
        if choice == "alive":
            z = self._alive(theta, ff.ravel(), rr.ravel(), tt)
            label = "P(alive)"
        else:
            z = self._conditional(theta, horizon, ff.ravel(), rr.ravel(), tt)
            label = f"expected purchases in the next {horizon:g} time units"
        axes = new_axes(ax, figsize=(7.0, 5.0))
        image = axes.imshow(
            z.reshape(ff.shape),
            origin="lower",
            aspect="auto",
            extent=(0.0, t_max, -0.5, f_max + 0.5),
            cmap="viridis",
        )
        axes.figure.colorbar(image, ax=axes, label=label)
        axes.set_xlabel("recency (time of last purchase)")
        axes.set_ylabel("frequency (repeat purchases)")
        axes.set_title(f"{type(self).__name__}: {label}, T = {t_max:.4g}")
        return axes


def _values_for(
    value: object, index: pd.Index, summary: pd.DataFrame | None, func: str
) -> FloatArray:
    """Return the expected value per purchase of each customer of ``index``."""
    from ._gamma_gamma import GammaGamma

    if isinstance(value, GammaGamma):
        series = value.expected_value(summary)
    elif isinstance(value, pd.Series):
        series = value
    elif isinstance(value, numbers.Real):
        number = check_real(value, "value", func=func, low=0.0)
        return np.full(len(index), number, dtype=np.float64)
    else:
        raise InvalidParameterError(
            f"The 'value' parameter of {func} must be a fitted GammaGamma, a pandas Series "
            f"indexed by customer or a number >= 0. Got {short_repr(value)} instead."
        )
    if not series.index.is_unique:
        raise SchemaError(f"The value Series passed to {func} has duplicate customer labels.")
    aligned = np.asarray(
        series.reindex(index).to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64
    )
    missing = ~np.isfinite(aligned)
    if missing.any():
        pos = np.flatnonzero(missing)
        raise SchemaError(
            f"The value passed to {func} has no finite entry for {pos.size} customer(s); first "
            f"{index[int(pos[0])]!r}. Score the same customers with both models (pass the same "
            "summary) or give a value for every customer."
        )
    return aligned
