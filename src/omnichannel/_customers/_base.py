"""Shared machinery of the customer-base models: input checks, compression, maximum likelihood.

Every model here is fitted the same way. Customers are compressed to the unique rows of the
columns the likelihood reads, with a count per row, so the cost of a fit grows with the number of
distinct histories rather than with the number of customers. The (optionally penalised) negative
log-likelihood is minimised over the logarithms of the parameters with L-BFGS-B, polished with
Newton steps, and standard errors come from the inverse of a finite-difference Hessian.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize

from .._exceptions import InvalidParameterError, NotFittedError, SchemaError
from .._validation import check_real, short_repr

__all__ = [
    "FloatArray",
    "Levels",
    "LogLik",
    "Rows",
    "compress",
    "compress_levels",
    "customer_frame",
    "numeric_column",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
#: Unique rows of a customer frame: the customer index, the per-column unique values, the count of
#: customers behind each unique row and, for every customer, the position of its unique row.
Rows = tuple[pd.Index, tuple[FloatArray, ...], FloatArray, IntArray]
#: ``loglik(theta, columns, counts, grad)`` returns the log-likelihood summed over the unique
#: rows weighted by ``counts`` and, when ``grad`` is true and the model has one, its gradient with
#: respect to ``theta``.
LogLik = Callable[
    [FloatArray, tuple["Levels", ...], FloatArray, bool], tuple[float, FloatArray | None]
]

_Z95 = 1.959963984540054
_BOUND = 25.0  # |log parameter| stays below this: exp(25) ~ 7e10
_GRAD_STEP = 1e-5
_HESS_STEP = 1e-4


def customer_frame(summary: object, func: str) -> pd.DataFrame:
    """Check that ``summary`` is a non-empty DataFrame with unique index labels."""
    if not isinstance(summary, pd.DataFrame):
        raise SchemaError(
            f"The summary passed to {func} must be a pandas DataFrame such as the result of "
            f"summarize_customers; got {type(summary).__name__}."
        )
    if len(summary) == 0:
        raise SchemaError(
            f"The summary passed to {func} has no rows; it needs at least one customer."
        )
    return summary


def numeric_column(
    summary: pd.DataFrame, column: str, func: str, *, integer: bool = False
) -> FloatArray:
    """Return ``summary[column]`` as finite, non-negative floats, or raise naming the rule."""
    if column not in summary.columns:
        raise SchemaError(
            f"The summary passed to {func} is missing column {column!r}; got "
            f"{short_repr([str(c) for c in summary.columns])}. Build it with summarize_customers."
        )
    series = summary[column]
    if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        raise SchemaError(
            f"summary[{column!r}] passed to {func} must be numeric; got {series.dtype}. "
            "Convert it first with pd.to_numeric."
        )
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    checks: list[tuple[npt.NDArray[np.bool_], str]] = [
        (~np.isfinite(values), "missing or infinite value(s)"),
        (values < 0, "negative value(s)"),
    ]
    if integer:
        checks.append((np.isfinite(values) & (values != np.round(values)), "non-integer value(s)"))
    for bad, what in checks:
        if bad.any():
            pos = np.flatnonzero(bad)
            raise SchemaError(
                f"summary[{column!r}] passed to {func} has {pos.size} {what}; first at index "
                f"{summary.index[int(pos[0])]!r} ({values[pos[0]]!r}). Expected finite values >= 0"
                f"{', whole numbers' if integer else ''}."
            )
    return values


class Levels:
    """One column of the unique rows, with its distinct values for cheap lookups.

    A likelihood term that depends on one column only is evaluated once per distinct value
    (``levels``) and gathered with ``codes``, or summed with :meth:`weights`; on ten million
    customers the frequencies, recencies and ages take a few hundred distinct values each.
    """

    __slots__ = ("codes", "data", "level_counts", "levels")

    def __init__(
        self, data: FloatArray, levels: FloatArray, codes: IntArray, counts: FloatArray
    ) -> None:
        self.data = data
        self.levels = levels
        self.codes = codes
        self.level_counts = self.weights(counts)

    def take(self, per_level: FloatArray) -> FloatArray:
        """Gather a per-level array to the rows."""
        return per_level[self.codes]

    def weights(self, counts: FloatArray) -> FloatArray:
        """Sum ``counts`` by level."""
        return np.bincount(self.codes, weights=counts, minlength=self.levels.size).astype(
            np.float64
        )


def compress_levels(*columns: FloatArray) -> tuple[tuple[Levels, ...], FloatArray, IntArray]:
    """Return the unique rows of ``columns`` as :class:`Levels`, their counts and the inverse."""
    n = columns[0].shape[0]
    key = np.zeros(n, dtype=np.int64)
    size = 1
    factorized: list[tuple[IntArray, FloatArray]] = []
    for col in columns:
        codes, uniques = pd.factorize(col, sort=True)
        factorized.append((np.asarray(codes, dtype=np.intp), np.asarray(uniques, np.float64)))
        if size * len(uniques) >= 2**62:  # pragma: no cover - needs > 2**62 combinations
            key = np.asarray(pd.factorize(key, sort=True)[0], dtype=np.int64)
            size = int(key.max()) + 1
        key = key * len(uniques) + codes
        size *= len(uniques)
    inverse_raw, unique_keys = pd.factorize(key, sort=True)
    inverse = np.asarray(inverse_raw, dtype=np.intp)
    n_unique = len(unique_keys)
    first = np.empty(n_unique, dtype=np.intp)
    first[inverse[::-1]] = np.arange(n - 1, -1, -1, dtype=np.intp)
    counts = np.bincount(inverse, minlength=n_unique).astype(np.float64)
    levels = tuple(
        Levels(np.ascontiguousarray(col[first]), uniques, codes[first], counts)
        for col, (codes, uniques) in zip(columns, factorized, strict=True)
    )
    return levels, counts, inverse


def compress(*columns: FloatArray) -> tuple[tuple[FloatArray, ...], FloatArray, IntArray]:
    """Return the unique rows of ``columns``, their counts and each input row's unique row.

    Examples
    --------
    >>> import numpy as np
    >>> (x, y), counts, inverse = compress(np.array([1.0, 2.0, 1.0]), np.array([5.0, 6.0, 5.0]))
    >>> x.tolist(), y.tolist(), counts.tolist(), inverse.tolist()
    ([1.0, 2.0], [5.0, 6.0], [2.0, 1.0], [0, 1, 0])
    """
    levels, counts, inverse = compress_levels(*columns)
    return tuple(level.data for level in levels), counts, inverse


class CustomerModel:
    """Base class: parameters, the maximum-likelihood fit and the fitted-parameter table.

    Subclasses set ``_param_names`` and ``_initial`` (starting values on the log scale).
    """

    _param_names: ClassVar[tuple[str, ...]] = ()
    _initial: ClassVar[tuple[float, ...]] = ()

    params_: pd.Series[float]
    standard_errors_: pd.Series[float]
    covariance_: pd.DataFrame
    log_likelihood_: float
    n_customers_: int
    n_unique_: int
    n_iter_: int
    converged_: bool

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    # -- scikit-learn conventions -------------------------------------------------------------

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor parameters, as in scikit-learn.

        Examples
        --------
        >>> import omnichannel as oc
        >>> oc.BetaGeo(penalizer=0.1).get_params()
        {'penalizer': 0.1}
        """
        return {"penalizer": self.penalizer}

    def set_params(self, **params: Any) -> Self:
        """Set constructor parameters and return the model, as in scikit-learn.

        Examples
        --------
        >>> import omnichannel as oc
        >>> oc.BetaGeo().set_params(penalizer=0.5).penalizer
        0.5
        """
        known = self.get_params()
        for name, value in params.items():
            if name not in known:
                raise InvalidParameterError(
                    f"{type(self).__name__} has no parameter {name!r}; it has {sorted(known)}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def fit(self, summary: pd.DataFrame) -> Self:  # pragma: no cover - every model overrides it
        """Fit the model on a customer summary and return it."""
        raise NotImplementedError

    def _clone(self) -> Self:
        return type(self)(**self.get_params())

    def _check_fitted(self, what: str) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet, so {what} is not available. "
                "Call fit(summary) first."
            )

    def _theta(self) -> FloatArray:
        return np.asarray(self.params_.to_numpy(dtype=np.float64), dtype=np.float64)

    # -- fitting --------------------------------------------------------------------------------

    def _penalizer(self, func: str) -> float:
        return check_real(self.penalizer, "penalizer", func=func, low=0.0)

    def _maximise(
        self,
        loglik: LogLik,
        columns: tuple[Levels, ...],
        counts: FloatArray,
        *,
        penalizer: float,
    ) -> None:
        """Fit the parameters and set the learned attributes."""
        k = len(self._param_names)
        total_count = float(counts.sum())
        scale = 1.0 / total_count

        def loglik_total(u: FloatArray) -> float:
            value, _ = loglik(np.exp(u), columns, counts, False)
            return value if math.isfinite(value) else -math.inf

        def penalised(u: FloatArray) -> tuple[float, FloatArray]:
            """Penalised log-likelihood and its gradient in log-parameter space."""
            theta = np.exp(u)
            total, grad = loglik(theta, columns, counts, True)
            value = total - penalizer * float(u @ u)
            if grad is not None:
                g = grad * theta
            else:
                g = np.empty(k)
                for j in range(k):
                    step = np.zeros(k)
                    step[j] = _GRAD_STEP
                    g[j] = (loglik_total(u + step) - loglik_total(u - step)) / (2 * _GRAD_STEP)
            g = g - 2.0 * penalizer * u
            if not (math.isfinite(value) and np.isfinite(g).all()):
                return -math.inf, np.zeros(k)
            return value, g

        def objective(u: FloatArray) -> tuple[float, FloatArray]:
            # Outside the box |u| <= _BOUND the objective continues as a quadratic wall.
            inside = np.clip(u, -_BOUND, _BOUND)
            excess = u - inside
            value, g = penalised(inside)
            if not math.isfinite(value):
                return 1e300, np.zeros(k)
            wall = 0.5 * float(excess @ excess)
            return -value * scale + wall, -g * scale + excess

        x0 = np.asarray(self._initial, dtype=np.float64)
        # BFGS in pure numpy: on four parameters, L-BFGS-B's BLAS calls cost more in thread
        # start-up than the whole likelihood.
        result = optimize.minimize(
            objective, x0, jac=True, method="BFGS", options={"maxiter": 1000, "gtol": 1e-9}
        )
        u = np.asarray(result.x, dtype=np.float64)
        hessian = _hessian(penalised, u)
        # Newton steps with that Hessian polish the optimum beyond the quasi-Newton tolerance.
        value, g = penalised(u)
        for _ in range(3):
            try:
                step = np.linalg.solve(hessian, g)
            except np.linalg.LinAlgError:
                break
            newton = u + step
            if not (np.all(np.abs(newton) < _BOUND) and np.all(np.abs(step) < 0.1)):
                break
            new_value, new_g = penalised(newton)
            if new_value < value:
                break
            u, value, g = newton, new_value, new_g
            if float(np.max(np.abs(g))) * scale < 1e-12:
                break
        theta = np.exp(u)
        names = list(self._param_names)
        cov_log = _inverse_information(hessian)
        covariance = cov_log * np.outer(theta, theta)
        self.params_ = pd.Series(theta, index=names, name="estimate")
        self.standard_errors_ = pd.Series(
            np.sqrt(np.where(np.diag(covariance) >= 0, np.diag(covariance), np.nan)),
            index=names,
            name="std_error",
        )
        self.covariance_ = pd.DataFrame(covariance, index=names, columns=names)
        for name, value_ in zip(names, theta, strict=True):
            setattr(self, f"{name}_", float(value_))
        self.log_likelihood_ = loglik_total(u)
        self.n_customers_ = round(total_count)
        self.n_unique_ = int(counts.shape[0])
        self.n_iter_ = int(result.nit)
        at_bound = bool(np.any(np.abs(u) > _BOUND - 1e-6))
        stationary = bool(result.success) or float(np.max(np.abs(g))) * scale < 1e-6
        self.converged_ = (
            stationary
            and not at_bound
            and math.isfinite(self.log_likelihood_)
            and bool(np.isfinite(covariance).all())
        )

    def summary(self) -> pd.DataFrame:
        """Return the fitted parameters with standard errors and 95% intervals.

        Returns
        -------
        pandas.DataFrame
            A new frame indexed by parameter name with columns ``estimate``, ``std_error`` (from
            the inverse Hessian of the log-likelihood, penalty included) and ``lower_95`` /
            ``upper_95``. The interval is symmetric on the log scale, so it stays positive.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        """
        self._check_fitted("summary()")
        est = self.params_.to_numpy(dtype=np.float64)
        se = self.standard_errors_.to_numpy(dtype=np.float64)
        half = _Z95 * se / est
        return pd.DataFrame(
            {
                "estimate": est,
                "std_error": se,
                "lower_95": est * np.exp(-half),
                "upper_95": est * np.exp(half),
            },
            index=pd.Index(list(self._param_names), name="parameter"),
        )


def _hessian(
    penalised: Callable[[FloatArray], tuple[float, FloatArray]], u: FloatArray
) -> FloatArray:
    """Hessian of the negative penalised log-likelihood by central differences of the gradient."""
    k = u.shape[0]
    hess = np.empty((k, k))
    for j in range(k):
        step = np.zeros(k)
        step[j] = _HESS_STEP
        _, g_plus = penalised(u + step)
        _, g_minus = penalised(u - step)
        hess[:, j] = -(g_plus - g_minus) / (2 * _HESS_STEP)
    return 0.5 * (hess + hess.T)


def _inverse_information(hessian: FloatArray) -> FloatArray:
    k = hessian.shape[0]
    if not np.all(np.isfinite(hessian)):
        return np.full((k, k), np.nan)
    try:
        eigenvalues = np.linalg.eigvalsh(hessian)
        if eigenvalues.min() <= 0:
            return np.full((k, k), np.nan)
        return np.asarray(np.linalg.inv(hessian), dtype=np.float64)
    except np.linalg.LinAlgError:  # pragma: no cover - eigvalsh already rules this out
        return np.full((k, k), np.nan)
