"""Vectorised single-period demand distributions for the inventory primitives.

Each family holds one parameter array per field, so one object describes the demand of many
items (SKUs, nodes, channels) at once. Every method takes a stock level (or a probability) that
broadcasts against the items and returns one value per item. The loss functions are in closed
form for the normal, Poisson and negative binomial families and exact sums for the discrete and
sample-based ones.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from .._exceptions import InvalidParameterError
from .._validation import short_repr

# What pandas infers for an object array of numbers (or of nothing): text is never parsed.
_NUMERIC_INFERRED = ("integer", "floating", "mixed-integer-float", "decimal", "boolean", "empty")

__all__ = [
    "Demand",
    "DiscreteDemand",
    "NegativeBinomialDemand",
    "NormalDemand",
    "PoissonDemand",
    "SampleDemand",
]

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike


def _readonly(array: FloatArray) -> FloatArray:
    array.flags.writeable = False
    return array


def _float_array(value: object, name: str, cls: str, *, ndim: tuple[int, ...]) -> FloatArray:
    """``value`` as a finite float array with one of the allowed numbers of dimensions.

    Text is refused, never parsed: ``"5"`` is an error, not the number 5.
    """
    try:
        raw = np.asarray(value)
        # Object arrays (e.g. from nullable pandas columns) are numeric when they hold numbers.
        numeric = raw.dtype.kind in "biuf" or (
            raw.dtype.kind == "O"
            and pd.api.types.infer_dtype(raw.ravel(), skipna=True) in _NUMERIC_INFERRED
        )
        if not numeric:
            raise TypeError
        array = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"{cls}.{name} must be a number or an array of numbers; got {short_repr(value)}."
        ) from None
    if isinstance(value, bool | np.bool_) or (
        isinstance(value, np.ndarray) and value.dtype == np.bool_
    ):
        raise InvalidParameterError(
            f"{cls}.{name} must be numeric, not bool; got {short_repr(value)}."
        )
    if array.ndim == 0 and 0 not in ndim:
        array = array.reshape(1)
    if array.ndim not in ndim:
        raise InvalidParameterError(
            f"{cls}.{name} must have {' or '.join(map(str, ndim))} dimension(s); "
            f"got an array of shape {array.shape}."
        )
    if array.size == 0:
        raise InvalidParameterError(f"{cls}.{name} must not be empty.")
    bad = ~np.isfinite(array)
    if bad.any():
        raise InvalidParameterError(
            f"{cls}.{name} must be finite; got {int(bad.sum())} NaN or infinite value(s), first "
            f"at position {tuple(int(i) for i in np.argwhere(bad)[0])}."
        )
    return array


def _normal_mean(value: object) -> FloatArray:
    return _float_array(value, "mean", "NormalDemand", ndim=(1,))


def _normal_std(value: object) -> FloatArray:
    return _float_array(value, "std", "NormalDemand", ndim=(1,))


def _poisson_mean(value: object) -> FloatArray:
    return _float_array(value, "mean", "PoissonDemand", ndim=(1,))


def _nb_mean(value: object) -> FloatArray:
    return _float_array(value, "mean", "NegativeBinomialDemand", ndim=(1,))


def _nb_variance(value: object) -> FloatArray:
    return _float_array(value, "variance", "NegativeBinomialDemand", ndim=(1,))


def _require(ok: npt.NDArray[np.bool_], cls: str, rule: str, values: FloatArray, fix: str) -> None:
    """Raise naming the first item that breaks ``rule`` when ``ok`` is not all true."""
    if not ok.all():
        first = int(np.flatnonzero(~ok.ravel())[0])
        raise InvalidParameterError(
            f"{cls} needs {rule} for every item; got {float(values.ravel()[first])!r} at item "
            f"{first}. {fix}"
        )


def _broadcast(cls: str, **arrays: FloatArray) -> list[FloatArray]:
    try:
        out = np.broadcast_arrays(*arrays.values())
    except ValueError:
        shapes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items())
        raise InvalidParameterError(
            f"{cls} parameters must have broadcastable shapes (one value or one per item); "
            f"got {shapes}."
        ) from None
    return [_readonly(np.array(a, dtype=np.float64)) for a in out]


class Demand:
    """Base of the demand families, for ``isinstance`` checks and annotations.

    Not instantiated directly: use :class:`NormalDemand`, :class:`PoissonDemand`,
    :class:`NegativeBinomialDemand`, :class:`DiscreteDemand` or :class:`SampleDemand`. Every
    family has ``mean``, ``variance``, ``std``, ``cdf``, ``sf``, ``ppf``,
    ``expected_shortage``, ``expected_leftover``, ``expected_sales`` and ``fill_rate``, each
    returning one value per item.

    Examples
    --------
    >>> import omnichannel as oc
    >>> demand = oc.PoissonDemand([4.0, 9.0])
    >>> isinstance(demand, oc.Demand), demand.n_items
    (True, 2)
    >>> demand.fill_rate(6).round(3)
    array([0.951, 0.645])
    """

    #: Whether demand takes a finite set of values (stock levels are then chosen among them).
    discrete: bool = False

    @property
    def n_items(self) -> int:
        """Number of items described."""
        return int(self.mean().shape[0])

    def mean(self) -> FloatArray:
        """Return the expected demand of each item."""
        raise NotImplementedError

    def variance(self) -> FloatArray:
        """Return the variance of the demand of each item."""
        raise NotImplementedError

    def std(self) -> FloatArray:
        """Return the standard deviation of the demand of each item."""
        return np.sqrt(self.variance())

    def cdf(self, x: ArrayLike) -> FloatArray:
        """``P(D <= x)`` per item."""
        raise NotImplementedError

    def sf(self, x: ArrayLike) -> FloatArray:
        """``P(D > x)`` per item."""
        raise NotImplementedError

    def ppf(self, p: ArrayLike) -> FloatArray:
        """Smallest ``x`` with ``P(D <= x) >= p`` per item (the ``p`` quantile)."""
        raise NotImplementedError

    def expected_shortage(self, q: ArrayLike) -> FloatArray:
        """``E[(D - q)+]``: expected unmet demand with stock ``q`` (the first-order loss)."""
        raise NotImplementedError

    def expected_leftover(self, q: ArrayLike) -> FloatArray:
        """``E[(q - D)+]``: expected stock left after demand."""
        x = self._points(q, "q")
        return x - self.mean() + self.expected_shortage(x)

    def expected_sales(self, q: ArrayLike) -> FloatArray:
        """``E[min(D, q)]``: expected demand met from stock ``q``."""
        return self.mean() - self.expected_shortage(q)

    def fill_rate(self, q: ArrayLike) -> FloatArray:
        """Return the expected share of demand met from stock ``q``: ``E[min(D, q)] / E[D]``."""
        mean = self.mean()
        sales = self.expected_sales(q)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(mean > 0, sales / np.where(mean > 0, mean, 1.0), 1.0)

    # -- helpers ---------------------------------------------------------------------------

    def _points(self, x: ArrayLike, name: str) -> FloatArray:
        try:
            array = np.asarray(x, dtype=np.float64)
            return np.broadcast_to(array, (self.n_items,)).astype(np.float64)
        except (TypeError, ValueError):
            raise InvalidParameterError(
                f"The {name!r} argument of {type(self).__name__} methods must be a number or one "
                f"value per item ({self.n_items}); got {short_repr(x)}."
            ) from None

    def _probabilities(self, p: ArrayLike) -> FloatArray:
        array = self._points(p, "p")
        if not ((array >= 0) & (array <= 1)).all():
            raise InvalidParameterError(
                f"The 'p' argument of {type(self).__name__}.ppf must be probabilities in [0, 1]; "
                f"got {short_repr(p)}."
            )
        return array

    def _quantiles(self, u: FloatArray) -> FloatArray:
        """Quantiles at a matrix of probabilities ``u`` of shape (n_items, m)."""
        raise NotImplementedError

    def _over(self, periods: float, func: str) -> Demand:
        """Demand over ``periods`` independent periods (the protection interval)."""
        if periods == 1:
            return self
        raise InvalidParameterError(
            f"{func} cannot aggregate {type(self).__name__} over {periods:g} periods. Pass the "
            "demand over the whole protection interval (lead time plus review period) with "
            "lead_time=0 and review_period=1, or use NormalDemand, PoissonDemand or "
            "NegativeBinomialDemand."
        )

    def _describe(self) -> str:
        return f"{self.n_items} item{'s' if self.n_items != 1 else ''}"


@attrs.frozen(eq=False)
class NormalDemand(Demand):
    """Normally distributed demand, one mean and standard deviation per item.

    Stock levels are continuous. Negative demand has positive probability when ``mean`` is small
    relative to ``std``; the formulas are those of the normal model regardless (and
    :func:`newsvendor` never stocks below 0).

    Parameters
    ----------
    mean : float or array of float
        Expected demand of each item, >= 0 (a negative mean, e.g. a trend extrapolated past
        zero, is refused: clip it at 0).
    std : float or array of float
        Standard deviation, > 0; broadcasts against ``mean``.

    Raises
    ------
    InvalidParameterError
        When a value is not finite or not a number, a mean is negative, ``std <= 0`` or the
        shapes do not broadcast.

    See Also
    --------
    PoissonDemand, NegativeBinomialDemand : integer demand.

    Examples
    --------
    >>> import omnichannel as oc
    >>> demand = oc.NormalDemand(mean=[50.0, 100.0], std=[8.0, 20.0])
    >>> demand.ppf(0.9).round(2)
    array([ 60.25, 125.63])
    >>> demand.expected_shortage([50.0, 100.0]).round(3)
    array([3.192, 7.979])
    """

    mean_: FloatArray = attrs.field(alias="mean", converter=_normal_mean)
    std_: FloatArray = attrs.field(alias="std", converter=_normal_std)

    def __attrs_post_init__(self) -> None:
        mean, std = _broadcast("NormalDemand", mean=self.mean_, std=self.std_)
        _require(
            mean >= 0,
            "NormalDemand",
            "mean >= 0",
            mean,
            "Demand cannot be negative on average: clip the forecast at 0 (np.maximum(mean, 0)) "
            "or drop the item.",
        )
        _require(std > 0, "NormalDemand", "std > 0", std, "Use a positive standard deviation.")
        object.__setattr__(self, "mean_", mean)
        object.__setattr__(self, "std_", std)

    def mean(self) -> FloatArray:
        """Return the expected demand of each item."""
        return self.mean_.copy()

    def variance(self) -> FloatArray:
        """Return the variance of the demand of each item."""
        return self.std_**2

    def cdf(self, x: ArrayLike) -> FloatArray:
        """``P(D <= x)`` per item."""
        return np.asarray(stats.norm.cdf(self._points(x, "x"), self.mean_, self.std_), float)

    def sf(self, x: ArrayLike) -> FloatArray:
        """``P(D > x)`` per item."""
        return np.asarray(stats.norm.sf(self._points(x, "x"), self.mean_, self.std_), float)

    def ppf(self, p: ArrayLike) -> FloatArray:
        """Return the ``p`` quantile per item."""
        return np.asarray(stats.norm.ppf(self._probabilities(p), self.mean_, self.std_), float)

    def expected_shortage(self, q: ArrayLike) -> FloatArray:
        """``E[(D - q)+] = std * (phi(z) - z * (1 - Phi(z)))`` with ``z = (q - mean) / std``."""
        z = (self._points(q, "q") - self.mean_) / self.std_
        return np.asarray(self.std_ * (stats.norm.pdf(z) - z * stats.norm.sf(z)), float)

    def _quantiles(self, u: FloatArray) -> FloatArray:
        return np.asarray(stats.norm.ppf(u, self.mean_[:, None], self.std_[:, None]), float)

    def _over(self, periods: float, func: str) -> Demand:
        return NormalDemand(mean=self.mean_ * periods, std=self.std_ * np.sqrt(periods))

    def __repr__(self) -> str:
        return f"NormalDemand({self._describe()}, mean {short_repr(self.mean_.tolist())})"


def _integer_shortage(q: FloatArray, mean: FloatArray, sf: Any, partial_mean_sf: Any) -> FloatArray:
    """``E[(D - q)+]`` of a demand on the integers >= 0 at real ``q``.

    ``partial_mean_sf(k)`` is ``E[D; D > k]``. Between integers the loss is linear:
    ``E[(D - q)+] = E[(D - k)+] - (q - k) P(D > k)`` with ``k = floor(q)``.
    """
    k = np.floor(q)
    neg = k < 0
    kk = np.where(neg, 0.0, k)
    tail = np.asarray(sf(kk), float)
    loss_k = np.asarray(partial_mean_sf(kk), float) - kk * tail
    loss = loss_k - (q - kk) * tail
    return np.where(neg, mean - q, np.maximum(loss, 0.0))


@attrs.frozen(eq=False)
class PoissonDemand(Demand):
    """Poisson distributed demand, one mean per item.

    Stock levels are integers. A mean of 0 describes an item without demand (every draw is 0):
    its optimal stock is 0 and its fill rate 1 by convention.

    Parameters
    ----------
    mean : float or array of float
        Expected demand of each item, >= 0.

    Raises
    ------
    InvalidParameterError
        When a mean is not a finite number or is negative.

    Examples
    --------
    >>> import omnichannel as oc
    >>> demand = oc.PoissonDemand(mean=[6.0, 2.5])
    >>> demand.ppf(0.8)
    array([8., 4.])
    >>> demand.expected_shortage(8).round(4)
    array([0.314 , 0.0015])
    """

    discrete = True
    mean_: FloatArray = attrs.field(alias="mean", converter=_poisson_mean)

    def __attrs_post_init__(self) -> None:
        _require(
            self.mean_ >= 0,
            "PoissonDemand",
            "mean >= 0",
            self.mean_,
            "Demand cannot be negative on average; use 0 for an item without demand.",
        )
        _readonly(self.mean_)

    def mean(self) -> FloatArray:
        """Return the expected demand of each item."""
        return self.mean_.copy()

    def variance(self) -> FloatArray:
        """Return the variance (equal to the mean)."""
        return self.mean_.copy()

    def cdf(self, x: ArrayLike) -> FloatArray:
        """``P(D <= x)`` per item."""
        return np.asarray(stats.poisson.cdf(np.floor(self._points(x, "x")), self.mean_), float)

    def sf(self, x: ArrayLike) -> FloatArray:
        """``P(D > x)`` per item."""
        return np.asarray(stats.poisson.sf(np.floor(self._points(x, "x")), self.mean_), float)

    def ppf(self, p: ArrayLike) -> FloatArray:
        """Smallest integer ``x`` with ``P(D <= x) >= p``."""
        return np.asarray(stats.poisson.ppf(self._probabilities(p), self.mean_), float)

    def expected_shortage(self, q: ArrayLike) -> FloatArray:
        """``E[(D - q)+]``, using ``E[D; D > k] = mean * P(D >= k)``."""
        lam = self.mean_
        return _integer_shortage(
            self._points(q, "q"),
            lam,
            lambda k: stats.poisson.sf(k, lam),
            lambda k: lam * stats.poisson.sf(k - 1, lam),
        )

    def _quantiles(self, u: FloatArray) -> FloatArray:
        return np.asarray(stats.poisson.ppf(u, self.mean_[:, None]), float)

    def _over(self, periods: float, func: str) -> Demand:
        return PoissonDemand(mean=self.mean_ * periods)

    def __repr__(self) -> str:
        return f"PoissonDemand({self._describe()}, mean {short_repr(self.mean_.tolist())})"


@attrs.frozen(eq=False)
class NegativeBinomialDemand(Demand):
    """Negative binomial (over-dispersed count) demand, by mean and variance per item.

    Stock levels are integers. With ``n = mean**2 / (variance - mean)`` and
    ``p = mean / variance`` this is :data:`scipy.stats.nbinom` ``(n, p)``.

    Parameters
    ----------
    mean : float or array of float
        Expected demand of each item, > 0.
    variance : float or array of float
        Variance, strictly greater than the mean (equal variance is Poisson demand).

    Raises
    ------
    InvalidParameterError
        When a value is not finite, a mean is not positive or a variance is not above its mean.

    Examples
    --------
    >>> import omnichannel as oc
    >>> demand = oc.NegativeBinomialDemand(mean=10.0, variance=30.0)
    >>> demand.ppf(0.9)
    array([17.])
    >>> float(demand.expected_shortage(10.0)[0] - demand.expected_leftover(10.0)[0])
    0.0
    """

    discrete = True
    mean_: FloatArray = attrs.field(
        alias="mean",
        converter=_nb_mean,
    )
    variance_: FloatArray = attrs.field(
        alias="variance",
        converter=_nb_variance,
    )

    def __attrs_post_init__(self) -> None:
        cls = "NegativeBinomialDemand"
        mean, variance = _broadcast(cls, mean=self.mean_, variance=self.variance_)
        # A count with mean 0 is always 0 and has variance 0, which no negative binomial has.
        _require(
            mean > 0, cls, "mean > 0", mean, "Use PoissonDemand(0) for an item without demand."
        )
        _require(
            variance > mean,
            cls,
            "variance > mean",
            variance,
            "Use PoissonDemand when the variance equals the mean.",
        )
        object.__setattr__(self, "mean_", mean)
        object.__setattr__(self, "variance_", variance)

    @property
    def _n(self) -> FloatArray:
        return self.mean_**2 / (self.variance_ - self.mean_)

    @property
    def _p(self) -> FloatArray:
        return self.mean_ / self.variance_

    def mean(self) -> FloatArray:
        """Return the expected demand of each item."""
        return self.mean_.copy()

    def variance(self) -> FloatArray:
        """Return the variance of the demand of each item."""
        return self.variance_.copy()

    def cdf(self, x: ArrayLike) -> FloatArray:
        """``P(D <= x)`` per item."""
        return np.asarray(stats.nbinom.cdf(np.floor(self._points(x, "x")), self._n, self._p), float)

    def sf(self, x: ArrayLike) -> FloatArray:
        """``P(D > x)`` per item."""
        return np.asarray(stats.nbinom.sf(np.floor(self._points(x, "x")), self._n, self._p), float)

    def ppf(self, p: ArrayLike) -> FloatArray:
        """Smallest integer ``x`` with ``P(D <= x) >= p``."""
        return np.asarray(stats.nbinom.ppf(self._probabilities(p), self._n, self._p), float)

    def expected_shortage(self, q: ArrayLike) -> FloatArray:
        """``E[(D - q)+]``, using ``E[D; D > k] = mean * P(D' >= k)``, ``D' ~ NB(n + 1, p)``."""
        n, p, mean = self._n, self._p, self.mean_
        return _integer_shortage(
            self._points(q, "q"),
            mean,
            lambda k: stats.nbinom.sf(k, n, p),
            lambda k: mean * stats.nbinom.sf(k - 1, n + 1, p),
        )

    def _quantiles(self, u: FloatArray) -> FloatArray:
        return np.asarray(stats.nbinom.ppf(u, self._n[:, None], self._p[:, None]), float)

    def _over(self, periods: float, func: str) -> Demand:
        return NegativeBinomialDemand(mean=self.mean_ * periods, variance=self.variance_ * periods)

    def __repr__(self) -> str:
        return f"NegativeBinomialDemand({self._describe()}, mean {short_repr(self.mean_.tolist())})"


class _Tabulated(Demand):
    """Demand given by support points and their probabilities, one row per item."""

    discrete = True
    _values: FloatArray
    _probs: FloatArray

    def mean(self) -> FloatArray:
        return np.asarray((self._values * self._probs).sum(axis=1), float)

    def variance(self) -> FloatArray:
        centred = self._values - self.mean()[:, None]
        return np.asarray((centred**2 * self._probs).sum(axis=1), float)

    def cdf(self, x: ArrayLike) -> FloatArray:
        pts = self._points(x, "x")[:, None]
        return np.asarray(np.where(self._values <= pts, self._probs, 0.0).sum(axis=1), float)

    def sf(self, x: ArrayLike) -> FloatArray:
        pts = self._points(x, "x")[:, None]
        return np.asarray(np.where(self._values > pts, self._probs, 0.0).sum(axis=1), float)

    def ppf(self, p: ArrayLike) -> FloatArray:
        u = self._probabilities(p)
        return self._quantiles(u[:, None])[:, 0]

    def expected_shortage(self, q: ArrayLike) -> FloatArray:
        pts = self._points(q, "q")[:, None]
        return np.asarray((np.maximum(self._values - pts, 0.0) * self._probs).sum(axis=1), float)

    def _quantiles(self, u: FloatArray) -> FloatArray:
        cum = np.cumsum(self._probs, axis=1)
        # Index of the first support point whose cdf reaches u (tolerating rounding in the sum).
        idx = (cum[:, None, :] < u[:, :, None] - 1e-12).sum(axis=2)
        idx = np.minimum(idx, self._values.shape[1] - 1)
        return np.take_along_axis(self._values, idx, axis=1)


@attrs.frozen(eq=False, init=False)
class DiscreteDemand(_Tabulated):
    """Demand with a finite set of values and their probabilities (a pmf), per item.

    Stock levels are chosen among the support values.

    Parameters
    ----------
    values : array of float
        Support: shape ``(n_values,)`` shared by every item, or ``(n_items, n_values)``.
    probabilities : array of float
        Probabilities, >= 0, each row summing to 1: shape ``(n_values,)`` for one item or
        ``(n_items, n_values)`` for one pmf per row.

    Raises
    ------
    InvalidParameterError
        When shapes disagree, a probability is negative or a row does not sum to 1.

    Examples
    --------
    >>> import omnichannel as oc
    >>> demand = oc.DiscreteDemand([0, 1, 2, 3], [[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]])
    >>> demand.mean()
    array([2., 1.])
    >>> demand.ppf(0.5)
    array([2., 1.])
    >>> demand.expected_shortage(2).round(2)
    array([0.4, 0.1])
    """

    values: FloatArray
    probabilities: FloatArray

    def __init__(self, values: ArrayLike, probabilities: ArrayLike) -> None:
        cls = "DiscreteDemand"
        vals = _float_array(values, "values", cls, ndim=(1, 2))
        probs = _float_array(probabilities, "probabilities", cls, ndim=(1, 2))
        probs2 = probs if probs.ndim == 2 else probs[None, :]
        vals2 = vals if vals.ndim == 2 else vals[None, :]
        if vals2.shape[1] != probs2.shape[1] or (
            vals2.shape[0] != probs2.shape[0] and vals2.shape[0] != 1
        ):
            raise InvalidParameterError(
                f"{cls} needs values of shape (n_values,) or (n_items, n_values) matching "
                f"probabilities; got values {vals.shape} and probabilities {probs.shape}."
            )
        vals2 = np.broadcast_to(vals2, probs2.shape)
        _require(
            probs2 >= 0, cls, "probabilities >= 0", probs2, "Probabilities cannot be negative."
        )
        totals = probs2.sum(axis=1)
        _require(
            np.abs(totals - 1.0) <= 1e-8,
            cls,
            "probabilities summing to 1",
            totals,
            "Normalise each row by its sum.",
        )
        order = np.argsort(vals2, axis=1, kind="stable")
        object.__setattr__(self, "values", _readonly(np.array(vals, dtype=np.float64)))
        object.__setattr__(self, "probabilities", _readonly(np.array(probs, dtype=np.float64)))
        object.__setattr__(self, "_values", _readonly(np.take_along_axis(vals2, order, axis=1)))
        object.__setattr__(self, "_probs", _readonly(np.take_along_axis(probs2, order, axis=1)))

    def __repr__(self) -> str:
        return f"DiscreteDemand({self._describe()}, {self._values.shape[1]} support values)"


@attrs.frozen(eq=False, init=False)
class SampleDemand(_Tabulated):
    """Demand given by equally likely scenarios (samples), per item.

    Column ``j`` is one joint scenario across the items, so the samples also carry the
    dependence between items (used by :func:`pooling_benefit`). Stock levels are chosen among the
    sample values (the sample-average approximation).

    Parameters
    ----------
    samples : array of float
        Shape ``(n_samples,)`` for one item or ``(n_items, n_samples)``.

    Raises
    ------
    InvalidParameterError
        When the samples are empty, not finite or have more than two dimensions.

    Examples
    --------
    >>> import omnichannel as oc
    >>> demand = oc.SampleDemand([[3, 5, 8, 10], [1, 1, 2, 4]])
    >>> demand.mean()
    array([6.5, 2. ])
    >>> demand.ppf(0.75)
    array([8., 2.])
    >>> demand.expected_leftover([6, 2]).round(2)
    array([1. , 0.5])
    """

    samples: FloatArray

    def __init__(self, samples: ArrayLike) -> None:
        array = _float_array(samples, "samples", "SampleDemand", ndim=(1, 2))
        array2 = array if array.ndim == 2 else array[None, :]
        object.__setattr__(self, "samples", _readonly(array2.copy()))
        object.__setattr__(self, "_values", _readonly(np.sort(array2, axis=1)))
        n = array2.shape[1]
        object.__setattr__(self, "_probs", _readonly(np.full(array2.shape, 1.0 / n)))

    @property
    def n_samples(self) -> int:
        """Number of scenarios."""
        return int(self.samples.shape[1])

    def mean(self) -> FloatArray:
        """Return the sample mean per item."""
        return np.asarray(self.samples.mean(axis=1), float)

    def _quantiles(self, u: FloatArray) -> FloatArray:
        n = self.n_samples
        idx = np.clip(np.ceil(u * n - 1e-9).astype(np.intp) - 1, 0, n - 1)
        return np.take_along_axis(self._values, idx, axis=1)

    def __repr__(self) -> str:
        return f"SampleDemand({self._describe()}, {self.n_samples} samples)"
