"""Forecast accuracy on arrays: point, scaled, weighted and quantile metrics.

Array functions take ``actual`` and ``forecast`` of the same shape and reduce the last axis (the
horizon): a 1-D input gives a float, an ``(n_series, horizon)`` input one value per series.
Scaled metrics divide by the in-sample error of the seasonal naive forecast, computed from each
series' first non-zero value onward (the M5 convention: leading zeros are days before a product
was sold, not demand). :func:`~omnichannel.score_forecasts` applies the same definitions to
long frames.

Definitions (``e = forecast - actual`` over the horizon, ``d`` the in-sample naive differences
``y_t - y_{t-m}``):

- MAE ``mean|e|``; RMSE ``sqrt(mean e^2)``; bias ``mean e`` (positive: over-forecast);
- MASE ``mean|e| / mean|d|``; RMSSE ``sqrt(mean e^2 / mean d^2)`` (Hyndman and Koehler 2006);
- WRMSSE ``sum_i w_i RMSSE_i / sum_i w_i``, with M5's weights: each series' dollar sales over the
  last 28 periods of its history (Makridakis, Spiliotis and Assimakopoulos 2022);
- pinball loss at level ``tau``: ``mean(tau (y - q)^+ + (1 - tau) (q - y)^+)``; scaled pinball
  loss (SPL, the M5 uncertainty metric) divides it by ``mean|d|``; WSPL weights the SPL of the
  series like WRMSSE and averages it over the levels;
- coverage: share of actuals inside the central interval between quantiles ``tau`` and
  ``1 - tau`` (nominal ``1 - 2 tau``); quantile coverage: share of actuals at or below the
  ``tau`` quantile (nominal ``tau``; for counts it exceeds ``tau`` by the probability of a tie).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .._exceptions import InvalidParameterError
from .._validation import check_int, short_repr

__all__ = [
    "bias",
    "coverage",
    "mae",
    "mase",
    "pinball_loss",
    "quantile_column",
    "quantile_level",
    "rmse",
    "rmsse",
    "scaled_pinball_loss",
    "wrmsse",
]

FloatArray = npt.NDArray[np.float64]

_QUANTILE_NAME = re.compile(r"^q(?P<level>(?:\d+(?:\.\d*)?|\.\d+)(?:e-?\d+)?)$")


# ------------------------------------------------------------------------------------------
# quantile column names


def check_levels(value: object, param: str, func: str) -> tuple[float, ...]:
    """Distinct quantile levels in (0, 1), increasing, whose column names do not collide.

    Strings are refused, not parsed ('0.9' is as often a typo as a level); levels equal up to
    float noise (``1 - 0.95`` and ``0.05``) count once.
    """
    sequence = isinstance(value, Sequence | np.ndarray) and not isinstance(value, str)
    values: list[Any] = list(value) if sequence else [np.nan]  # type: ignore[call-overload]
    if not all(isinstance(q, int | float | np.number) and not isinstance(q, bool) for q in values):
        values = [np.nan]
    levels = tuple(sorted({round(float(q), 12) for q in values}))
    if any(not 0.0 < q < 1.0 for q in levels):
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must be a sequence of numbers strictly between 0 "
            f"and 1. Got {short_repr(value)} instead."
        )
    names = [quantile_column(q) for q in levels]
    if len(set(names)) != len(names):
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} has levels that differ only by rounding "
            f"({short_repr(list(levels))}), so their columns {short_repr(names)} would collide."
        )
    return levels


def quantile_column(level: float) -> str:
    """Column name of the quantile at ``level``: ``f"q{level:g}"``.

    Parameters
    ----------
    level : float
        Quantile level strictly between 0 and 1.

    Returns
    -------
    str
        ``"q0.9"`` for 0.9, ``"q0.05"`` for 0.05.

    Raises
    ------
    InvalidParameterError
        When ``level`` is not in (0, 1).

    Examples
    --------
    >>> from omnichannel._forecast._metrics import quantile_column, quantile_level
    >>> quantile_column(0.9), quantile_column(0.05), quantile_level("q0.975")
    ('q0.9', 'q0.05', 0.975)
    """
    value = _level(level, "quantile_column")
    return f"q{value:g}"


def quantile_level(column: str) -> float:
    """Level of a quantile column name, the inverse of :func:`quantile_column`.

    Parameters
    ----------
    column : str
        A name such as ``"q0.9"``.

    Returns
    -------
    float

    Raises
    ------
    InvalidParameterError
        When ``column`` is not a quantile column name.

    Examples
    --------
    >>> from omnichannel._forecast._metrics import quantile_level
    >>> quantile_level("q0.05")
    0.05
    """
    match = _QUANTILE_NAME.match(column) if isinstance(column, str) else None
    value = float(match.group("level")) if match else np.nan
    if not 0.0 < value < 1.0:
        raise InvalidParameterError(
            f"{short_repr(column)} is not a quantile column name; expected 'q' followed by a "
            "level in (0, 1), such as 'q0.9'."
        )
    return value


def _level(value: object, func: str) -> float:
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    level = float(value) if ok else np.nan  # type: ignore[arg-type]
    if not 0.0 < level < 1.0:
        raise InvalidParameterError(
            f"The 'level' parameter of {func} must be a number strictly between 0 and 1. "
            f"Got {short_repr(value)} instead."
        )
    return level


def _is_quantile_column(name: object) -> bool:
    if not isinstance(name, str) or not _QUANTILE_NAME.match(name):
        return False
    return 0.0 < float(name[1:]) < 1.0


# ------------------------------------------------------------------------------------------
# array metrics


def _array(value: npt.ArrayLike, name: str, func: str, *, allow_nan: bool = False) -> FloatArray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"The {name!r} parameter of {func} must be numeric. Got {short_repr(value)} instead."
        ) from None
    if arr.ndim == 0:
        raise InvalidParameterError(
            f"The {name!r} parameter of {func} must have at least one dimension (the horizon)."
        )
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidParameterError(
            f"The {name!r} parameter of {func} has {int(bad.sum())} "
            f"{'infinite' if allow_nan else 'non-finite'} value(s); first at index {first}."
        )
    return arr


def _pair(
    actual: npt.ArrayLike, forecast: npt.ArrayLike, func: str
) -> tuple[FloatArray, FloatArray]:
    a = _array(actual, "actual", func)
    f = _array(forecast, "forecast", func)
    if a.shape != f.shape:
        raise InvalidParameterError(
            f"actual and forecast of {func} must have the same shape; got {a.shape} and {f.shape}."
        )
    return a, f


def _out(value: FloatArray) -> FloatArray | float:
    return float(value) if value.ndim == 0 else value


def mae(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> FloatArray | float:
    """Mean absolute error over the last axis.

    Parameters
    ----------
    actual, forecast : array_like
        Same shape; the last axis is the horizon.

    Returns
    -------
    float or ndarray
        One value per series (a float for 1-D input).

    Raises
    ------
    InvalidParameterError
        On different shapes or non-finite values.

    Examples
    --------
    >>> import omnichannel as oc
    >>> oc.mae([1.0, 2.0, 4.0], [2.0, 2.0, 2.0])
    1.0
    """
    a, f = _pair(actual, forecast, "mae")
    return _out(np.abs(f - a).mean(axis=-1))


def rmse(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> FloatArray | float:
    """Root mean squared error over the last axis.

    Parameters
    ----------
    actual, forecast : array_like
        Same shape; the last axis is the horizon.

    Returns
    -------
    float or ndarray

    Raises
    ------
    InvalidParameterError
        On different shapes or non-finite values.

    Examples
    --------
    >>> import omnichannel as oc
    >>> oc.rmse([0.0, 0.0], [3.0, 4.0]) ** 2
    12.5
    """
    a, f = _pair(actual, forecast, "rmse")
    return _out(np.sqrt(((f - a) ** 2).mean(axis=-1)))


def bias(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> FloatArray | float:
    """Mean error ``forecast - actual`` over the last axis (positive: over-forecast).

    Parameters
    ----------
    actual, forecast : array_like
        Same shape; the last axis is the horizon.

    Returns
    -------
    float or ndarray

    Raises
    ------
    InvalidParameterError
        On different shapes or non-finite values.

    Examples
    --------
    >>> import omnichannel as oc
    >>> oc.bias([1.0, 2.0], [2.0, 4.0])
    1.5
    """
    a, f = _pair(actual, forecast, "bias")
    return _out((f - a).mean(axis=-1))


def _naive_scale(history: FloatArray, season_length: int, power: int) -> FloatArray:
    """Mean of ``|y_t - y_{t-m}|**power`` from each series' first non-zero value on.

    NaN values (before a series starts) are skipped; NaN where fewer than ``m + 1`` values
    follow the first non-zero one.
    """
    h = np.atleast_2d(history)
    started = np.maximum.accumulate(np.nan_to_num(h) != 0.0, axis=-1)
    m = season_length
    if h.shape[-1] <= m:
        return np.full(h.shape[:-1], np.nan).reshape(np.shape(history)[:-1])
    diff = h[..., m:] - h[..., :-m]
    ok = started[..., :-m] & np.isfinite(diff)
    values = np.where(ok, np.abs(np.where(ok, diff, 0.0)) ** power, 0.0)
    count = ok.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(count > 0, values.sum(axis=-1) / count, np.nan)
    return scale.reshape(np.shape(history)[:-1])


def _scale_for(
    history: npt.ArrayLike | None,
    scale: npt.ArrayLike | None,
    lead_shape: tuple[int, ...],
    season_length: int,
    power: int,
    func: str,
) -> FloatArray:
    if (history is None) == (scale is None):
        raise InvalidParameterError(
            f"{func} needs exactly one of 'history' (in-sample values, to compute the naive "
            "scale) or 'scale' (precomputed)."
        )
    m = check_int(season_length, "season_length", func=func, low=1)
    assert m is not None
    if history is not None:
        hist = _array(history, "history", func, allow_nan=True)
        if hist.shape[:-1] != lead_shape:
            raise InvalidParameterError(
                f"history of {func} must have the leading shape {lead_shape} of actual; got "
                f"{hist.shape}."
            )
        return _naive_scale(hist, m, power)
    sc = np.asarray(scale, dtype=np.float64)
    if sc.shape != lead_shape:
        raise InvalidParameterError(
            f"scale of {func} must have shape {lead_shape} (one value per series); got {sc.shape}."
        )
    return sc


def _safe_ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def mase(
    actual: npt.ArrayLike,
    forecast: npt.ArrayLike,
    history: npt.ArrayLike | None = None,
    *,
    season_length: int = 1,
    scale: npt.ArrayLike | None = None,
) -> FloatArray | float:
    """Mean absolute scaled error: MAE over the in-sample MAE of the seasonal naive forecast.

    Parameters
    ----------
    actual, forecast : array_like
        Same shape; the last axis is the horizon.
    history : array_like, optional
        In-sample values, same leading shape, time on the last axis (NaN before a start).
    season_length : int, default 1
        Lag of the naive forecast in the scale.
    scale : array_like, optional
        Precomputed scale (mean absolute naive difference) instead of ``history``.

    Returns
    -------
    float or ndarray
        NaN where the scale is 0 or undefined (a constant or too short history).

    Raises
    ------
    InvalidParameterError
        On mismatched shapes, or unless exactly one of ``history`` and ``scale`` is given.

    Examples
    --------
    >>> import omnichannel as oc
    >>> oc.mase([5.0, 7.0], [6.0, 6.0], history=[1.0, 3.0, 2.0, 4.0])
    0.5
    """
    a, f = _pair(actual, forecast, "mase")
    sc = _scale_for(history, scale, a.shape[:-1], season_length, 1, "mase")
    return _out(_safe_ratio(np.abs(f - a).mean(axis=-1), sc))


def rmsse(
    actual: npt.ArrayLike,
    forecast: npt.ArrayLike,
    history: npt.ArrayLike | None = None,
    *,
    season_length: int = 1,
    scale: npt.ArrayLike | None = None,
) -> FloatArray | float:
    """Root mean squared scaled error (the M5 accuracy metric of one series).

    ``sqrt(mean(e**2) / mean(d**2))`` with ``d`` the in-sample seasonal naive differences from
    the first non-zero value on.

    Parameters
    ----------
    actual, forecast : array_like
        Same shape; the last axis is the horizon.
    history : array_like, optional
        In-sample values, same leading shape, time on the last axis (NaN before a start).
    season_length : int, default 1
        Lag of the naive forecast in the scale (M5: 1).
    scale : array_like, optional
        Precomputed scale ``mean(d**2)`` instead of ``history``.

    Returns
    -------
    float or ndarray

    Raises
    ------
    InvalidParameterError
        On mismatched shapes, or unless exactly one of ``history`` and ``scale`` is given.

    Examples
    --------
    >>> import omnichannel as oc
    >>> oc.rmsse([5.0, 7.0], [6.0, 6.0], history=[0.0, 1.0, 3.0, 2.0, 4.0])
    0.5773...
    """
    a, f = _pair(actual, forecast, "rmsse")
    sc = _scale_for(history, scale, a.shape[:-1], season_length, 2, "rmsse")
    return _out(np.sqrt(_safe_ratio(((f - a) ** 2).mean(axis=-1), sc)))


def _weights(weights: npt.ArrayLike, lead_shape: tuple[int, ...], func: str) -> FloatArray:
    w = _array(weights, "weights", func)
    if w.shape != lead_shape or (w < 0).any() or not w.sum() > 0:
        raise InvalidParameterError(
            f"weights of {func} must be non-negative, not all zero, with shape {lead_shape}; "
            f"got shape {w.shape}."
        )
    return w


def _weighted(values: FloatArray, w: FloatArray) -> float:
    ok = np.isfinite(values) & (w > 0)
    return float((values[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() else float("nan")


def wrmsse(
    actual: npt.ArrayLike,
    forecast: npt.ArrayLike,
    history: npt.ArrayLike | None = None,
    *,
    weights: npt.ArrayLike,
    season_length: int = 1,
    scale: npt.ArrayLike | None = None,
) -> float:
    """Weighted RMSSE over series, the M5 accuracy score: ``sum(w * RMSSE) / sum(w)``.

    In M5 the weights are each series' dollar sales over the last 28 days of the training
    period (normalised to sum to 1 at each of the 12 aggregation levels) and the scale is the
    mean squared one-step naive difference from the first non-zero sale on. Series whose scale
    is 0 or undefined are left out (their weight too).

    Parameters
    ----------
    actual, forecast : array_like
        ``(n_series, horizon)``.
    history : array_like, optional
        ``(n_series, T)`` in-sample values (NaN before a start).
    weights : array_like
        ``(n_series,)`` non-negative weights; normalised here.
    season_length : int, default 1
        Lag of the naive forecast in the scale.
    scale : array_like, optional
        Precomputed ``(n_series,)`` scales instead of ``history``.

    Returns
    -------
    float

    Raises
    ------
    InvalidParameterError
        On mismatched shapes or invalid weights.

    Examples
    --------
    >>> import numpy as np
    >>> import omnichannel as oc
    >>> actual = np.array([[2.0, 4.0], [10.0, 10.0]])
    >>> forecast = actual + np.array([[1.0], [2.0]])
    >>> round(oc.wrmsse(actual, forecast, weights=[1.0, 3.0], scale=[1.0, 4.0]), 4)
    1.0
    """
    a, f = _pair(actual, forecast, "wrmsse")
    per = np.atleast_1d(np.asarray(rmsse(a, f, history, season_length=season_length, scale=scale)))
    w = _weights(weights, a.shape[:-1], "wrmsse")
    return _weighted(per.ravel(), np.broadcast_to(w, per.shape).ravel())


def _levels(levels: npt.ArrayLike, func: str) -> FloatArray:
    lv = np.atleast_1d(np.asarray(levels, dtype=np.float64))
    if lv.ndim != 1 or not ((lv > 0) & (lv < 1)).all():
        raise InvalidParameterError(
            f"The 'levels' parameter of {func} must be a sequence of levels in (0, 1). Got "
            f"{short_repr(levels)} instead."
        )
    return lv


def _pinball(a: FloatArray, q: FloatArray, lv: FloatArray) -> FloatArray:
    """Mean pinball loss over the horizon: ``a`` (..., h), ``q`` (..., h, L) -> (..., L)."""
    diff = a[..., None] - q
    loss = np.where(diff >= 0, lv * diff, (lv - 1.0) * diff)
    return np.asarray(loss.mean(axis=-2))


def _quantile_input(
    actual: npt.ArrayLike, quantiles: npt.ArrayLike, levels: npt.ArrayLike, func: str
) -> tuple[FloatArray, FloatArray, FloatArray]:
    a = _array(actual, "actual", func)
    q = _array(quantiles, "quantiles", func)
    lv = _levels(levels, func)
    if q.shape != (*a.shape, lv.size):
        raise InvalidParameterError(
            f"quantiles of {func} must have shape actual.shape + (len(levels),) = "
            f"{(*a.shape, lv.size)}; got {q.shape}."
        )
    return a, q, lv


def pinball_loss(
    actual: npt.ArrayLike, quantiles: npt.ArrayLike, levels: npt.ArrayLike
) -> FloatArray:
    """Mean pinball (quantile) loss per level over the horizon.

    ``tau (y - q)`` when the actual ``y`` is at or above the quantile ``q``, else
    ``(1 - tau) (q - y)``.

    Parameters
    ----------
    actual : array_like
        ``(..., horizon)`` actual values.
    quantiles : array_like
        ``(..., horizon, n_levels)`` forecast quantiles.
    levels : array_like
        ``(n_levels,)`` quantile levels in (0, 1).

    Returns
    -------
    ndarray
        ``(..., n_levels)``.

    Raises
    ------
    InvalidParameterError
        On mismatched shapes or levels outside (0, 1).

    Examples
    --------
    >>> import omnichannel as oc
    >>> oc.pinball_loss([10.0], [[8.0, 12.0]], [0.1, 0.9])
    array([0.2, 0.2])
    """
    a, q, lv = _quantile_input(actual, quantiles, levels, "pinball_loss")
    return _pinball(a, q, lv)


def scaled_pinball_loss(
    actual: npt.ArrayLike,
    quantiles: npt.ArrayLike,
    levels: npt.ArrayLike,
    history: npt.ArrayLike | None = None,
    *,
    season_length: int = 1,
    scale: npt.ArrayLike | None = None,
) -> FloatArray:
    """Scaled pinball loss (the M5 uncertainty metric of one series and level).

    The pinball loss divided by the in-sample mean absolute seasonal naive difference from the
    first non-zero value on.

    Parameters
    ----------
    actual : array_like
        ``(..., horizon)`` actual values.
    quantiles : array_like
        ``(..., horizon, n_levels)`` forecast quantiles.
    levels : array_like
        ``(n_levels,)`` quantile levels in (0, 1).
    history : array_like, optional
        ``(..., T)`` in-sample values (NaN before a start).
    season_length : int, default 1
        Lag of the naive forecast in the scale.
    scale : array_like, optional
        Precomputed scale (mean absolute naive difference) instead of ``history``.

    Returns
    -------
    ndarray
        ``(..., n_levels)``; NaN where the scale is 0 or undefined.

    Raises
    ------
    InvalidParameterError
        On mismatched shapes, or unless exactly one of ``history`` and ``scale`` is given.

    Examples
    --------
    >>> import omnichannel as oc
    >>> oc.scaled_pinball_loss([10.0], [[8.0, 12.0]], [0.1, 0.9], history=[4.0, 6.0, 4.0])
    array([0.1, 0.1])
    """
    func = "scaled_pinball_loss"
    a, q, lv = _quantile_input(actual, quantiles, levels, func)
    sc = _scale_for(history, scale, a.shape[:-1], season_length, 1, func)
    return _safe_ratio(_pinball(a, q, lv), np.asarray(sc)[..., None])


def coverage(
    actual: npt.ArrayLike, lower: npt.ArrayLike, upper: npt.ArrayLike
) -> FloatArray | float:
    """Share of actual values inside ``[lower, upper]`` over the last axis.

    Parameters
    ----------
    actual, lower, upper : array_like
        Same shape; the last axis is the horizon.

    Returns
    -------
    float or ndarray

    Raises
    ------
    InvalidParameterError
        On different shapes or non-finite values.

    Examples
    --------
    >>> import omnichannel as oc
    >>> oc.coverage([1.0, 5.0, 9.0, 3.0], [0.0, 0.0, 0.0, 0.0], [4.0, 4.0, 10.0, 4.0])
    0.75
    """
    a, lo = _pair(actual, lower, "coverage")
    _, hi = _pair(actual, upper, "coverage")
    return _out(((a >= lo) & (a <= hi)).mean(axis=-1))
