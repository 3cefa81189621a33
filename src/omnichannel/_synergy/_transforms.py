"""Media transforms: adstock (carryover) and saturation (diminishing returns).

Each transform is a small frozen option object. A parameter left ``None`` is estimated by
:func:`~omnichannel.fit_mix_model`; a given one is held fixed. The numeric kernels are plain
vectorised numpy functions over ``(..., n_weeks)`` arrays with parameters broadcast over the
leading axes, so the fit evaluates many candidate parameter sets (or bootstrap draws) at once.

The definitions follow PyMC-Marketing (``geometric_adstock``, ``weibull_adstock``,
``logistic_saturation``, ``hill_function``, ``michaelis_menten``), so parameters estimated here
read the same way. One difference: PyMC-Marketing's Weibull CDF kernel has ``l_max + 1``
weights; here every kernel has exactly ``l_max`` (lags ``0 .. l_max - 1``).
"""

from __future__ import annotations

import math
from typing import Any, Literal, TypeAlias

import attrs
import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from .._exceptions import InvalidParameterError
from .._validation import check_bool, check_choice, check_int, check_real

__all__ = [
    "WEIBULL_KINDS",
    "Adstock",
    "Geometric",
    "Hill",
    "Logistic",
    "MichaelisMenten",
    "Saturation",
    "Weibull",
    "WeibullKind",
    "convolve",
    "geometric_weights",
    "hill",
    "logistic",
    "michaelis_menten",
    "weibull_weights",
]

FloatArray = npt.NDArray[np.float64]
WeibullKind = Literal["pdf", "cdf"]
#: Weibull adstock kernels: the scaled density, or the survival function's cumulative product.
WEIBULL_KINDS: tuple[WeibullKind, ...] = ("pdf", "cdf")

#: Search box of an estimated parameter: low, high, and whether to search on the log scale.
Bound: TypeAlias = tuple[float, float, bool]


# --- kernels -------------------------------------------------------------------------------


def _param(value: npt.ArrayLike) -> FloatArray:
    return np.asarray(value, dtype=np.float64)


def geometric_weights(alpha: npt.ArrayLike, l_max: int, *, normalize: bool = False) -> FloatArray:
    """Geometric adstock weights ``alpha**l`` for lags ``l = 0 .. l_max - 1``.

    ``alpha`` of shape ``(...)`` gives weights of shape ``(..., l_max)``; with ``normalize`` they
    sum to one.
    """
    a = _param(alpha)[..., None]
    lags = np.arange(l_max, dtype=np.float64)
    # 0**0 is 1: alpha = 0 means no carryover.
    w: FloatArray = np.power(a, lags)
    if normalize:
        w = w / w.sum(axis=-1, keepdims=True)
    return w


def weibull_weights(
    shape: npt.ArrayLike,
    scale: npt.ArrayLike,
    l_max: int,
    *,
    kind: WeibullKind = "pdf",
    normalize: bool = False,
) -> FloatArray:
    """Weibull adstock weights for lags ``0 .. l_max - 1`` (evaluated at ``t = lag + 1``).

    ``"pdf"``: the Weibull density at ``t`` rescaled to [0, 1] by its min and max over the lags
    (so the smallest weight is 0). ``"cdf"``: ``w_0 = 1`` and ``w_l = prod_{i<=l} (1 - F(i))``, a
    decay whose rate varies with the lag.
    """
    k = _param(shape)[..., None]
    lam = _param(scale)[..., None]
    t = np.arange(1, l_max + 1, dtype=np.float64)
    z = t / lam
    if kind == "pdf":
        w = (k / lam) * np.power(z, k - 1.0) * np.exp(-np.power(z, k))
        low = w.min(axis=-1, keepdims=True)
        span = w.max(axis=-1, keepdims=True) - low
        safe = np.where(span > 0.0, span, 1.0)
        w = np.where(span > 0.0, (w - low) / safe, 1.0)
    else:
        survival = np.exp(-np.power(z, k))
        ones = np.ones_like(survival[..., :1])
        w = np.cumprod(np.concatenate([ones, survival[..., :-1]], axis=-1), axis=-1)
    if normalize:
        total = w.sum(axis=-1, keepdims=True)
        w = w / np.where(total > 0.0, total, 1.0)
    out: FloatArray = np.asarray(w, dtype=np.float64)
    return out


def convolve(x: npt.ArrayLike, weights: npt.ArrayLike) -> FloatArray:
    """Adstock: ``y[..., t] = sum_l weights[..., l] * x[..., t - l]``, zero before the first week.

    ``x`` has shape ``(..., n_weeks)`` and ``weights`` ``(..., l_max)``; leading axes broadcast.
    """
    xs = _param(x)
    w = _param(weights)
    l_max = w.shape[-1]
    pad = np.zeros((*xs.shape[:-1], l_max - 1))
    # Window j of week t holds x[t - (l_max - 1) + j], so the kernel is applied reversed.
    windows = sliding_window_view(np.concatenate([pad, xs], axis=-1), l_max, axis=-1)
    out: FloatArray = np.matmul(windows, w[..., ::-1, None])[..., 0]
    return out


def hill(x: npt.ArrayLike, half_saturation: npt.ArrayLike, slope: npt.ArrayLike) -> FloatArray:
    """Hill saturation ``x**s / (x**s + K**s)``: 0 at 0, 1/2 at ``K``, 1 in the limit."""
    ratio = np.power(np.maximum(_param(x), 0.0) / _param(half_saturation), _param(slope))
    out: FloatArray = ratio / (1.0 + ratio)
    return out


def logistic(x: npt.ArrayLike, lam: npt.ArrayLike) -> FloatArray:
    """Logistic saturation ``(1 - exp(-lam x)) / (1 + exp(-lam x))`` (= ``tanh(lam x / 2)``)."""
    out: FloatArray = np.tanh(0.5 * _param(lam) * _param(x))
    return out


def michaelis_menten(x: npt.ArrayLike, k: npt.ArrayLike) -> FloatArray:
    """Michaelis-Menten saturation ``x / (k + x)``: half of the maximum at ``x = k``."""
    xs = np.maximum(_param(x), 0.0)
    out: FloatArray = xs / (_param(k) + xs)
    return out


# --- option objects ------------------------------------------------------------------------


def _optional_positive(cls: str, *, high: float | None = None, high_open: bool = False) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            check_real(
                value,
                attribute.name,
                func=cls,
                low=0.0,
                low_open=True,
                high=high,
                high_open=high_open,
            )

    return check


def _l_max(cls: str) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        check_int(value, "l_max", func=cls, low=1, high=520)

    return check


def _flag(cls: str) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        check_bool(value, attribute.name, func=cls)

    return check


def _unpack(theta: npt.ArrayLike, n: int) -> list[FloatArray]:
    array = _param(theta)
    if array.shape[-1:] != (n,):
        raise InvalidParameterError(
            f"Transform parameters must have a last axis of length {n}; got shape {array.shape}."
        )
    return [array[..., i] for i in range(n)]


def _require(values: dict[str, float | None], cls: str) -> None:
    missing = [name for name, value in values.items() if value is None]
    if missing:
        raise InvalidParameterError(
            f"{cls}.transform needs every parameter; {missing} are None. Give them, e.g. "
            f"{cls}({missing[0]}=...), or estimate them with fit_mix_model."
        )


@attrs.frozen(kw_only=True)
class Geometric:
    """Geometric adstock: the weight of lag ``l`` is ``alpha**l``, up to ``l_max`` lags.

    Spend of week ``t`` keeps working in later weeks with a fraction ``alpha`` of the previous
    week's effect (Broadbent's adstock; PyMC-Marketing's ``geometric_adstock``).

    Parameters
    ----------
    alpha : float, optional
        Retention rate in [0, 1); estimated (within [0, 0.95]) when None.
    l_max : int, default 12
        Number of lags of the kernel, the current week included.
    normalize : bool, default True
        Scale the weights to sum to one, so the adstocked series keeps the spend's level and
        the saturation parameters do not trade off against ``alpha`` (the default of
        PyMC-Marketing's ``GeometricAdstock`` component; its ``geometric_adstock`` function and
        Broadbent's recursive adstock are unnormalised).

    Examples
    --------
    >>> import omnichannel as oc
    >>> adstock = oc.Geometric(alpha=0.5, l_max=4, normalize=False)
    >>> adstock.transform([1.0, 0.0, 0.0, 0.0, 0.0]).tolist()
    [1.0, 0.5, 0.25, 0.125, 0.0]
    """

    alpha: float | None = attrs.field(default=None)
    l_max: int = attrs.field(default=12, validator=_l_max("Geometric"))
    normalize: bool = attrs.field(default=True, validator=_flag("Geometric"))

    @alpha.validator
    def _check_alpha(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            check_real(value, "alpha", func="Geometric", low=0.0, high=1.0, high_open=True)

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the parameters, in the order of parameter arrays."""
        return ("alpha",)

    def fixed(self) -> tuple[float | None, ...]:
        """Given parameter values (None where estimated)."""
        return (self.alpha,)

    def bounds(self) -> tuple[Bound, ...]:
        """Search box of each parameter: (low, high, log scale)."""
        return ((0.0, 0.95, False),)

    def weights(self, theta: npt.ArrayLike) -> FloatArray:
        """Kernel weights ``(..., l_max)`` for parameters ``theta`` of shape ``(..., 1)``."""
        (alpha,) = _unpack(theta, 1)
        return geometric_weights(alpha, self.l_max, normalize=self.normalize)

    def transform(self, x: npt.ArrayLike) -> FloatArray:
        """Apply the adstock with the given parameters along the last axis of ``x``."""
        _require({"alpha": self.alpha}, "Geometric")
        return convolve(x, self.weights(np.array([self.alpha], dtype=np.float64)))


@attrs.frozen(kw_only=True)
class Weibull:
    """Weibull adstock: a flexible carryover whose peak may come after the spend.

    Parameters
    ----------
    shape, scale : float, optional
        Weibull shape ``k`` and scale ``lambda`` (in weeks), > 0; estimated when None (shape
        within [0.1, 10], scale within [0.1, 2 l_max], on the log scale).
    kind : {"pdf", "cdf"}, default "pdf"
        ``"pdf"``: the density at ``t = 1 .. l_max`` rescaled to [0, 1] by its min and max
        (peaks after the spend when ``shape > 1``). ``"cdf"``: ``w_0 = 1`` and
        ``w_l = prod_{i<=l} (1 - F(i))``, a decay whose rate changes with the lag.
    l_max : int, default 12
        Number of lags of the kernel, the current week included.
    normalize : bool, default True
        Scale the weights to sum to one (as PyMC-Marketing's ``WeibullAdstock`` component).

    Examples
    --------
    >>> import omnichannel as oc
    >>> adstock = oc.Weibull(shape=1.0, scale=2.0, kind="cdf", l_max=3, normalize=False)
    >>> adstock.weights([1.0, 2.0]).round(4)
    array([1.    , 0.6065, 0.2231])
    """

    shape: float | None = attrs.field(default=None, validator=_optional_positive("Weibull"))
    scale: float | None = attrs.field(default=None, validator=_optional_positive("Weibull"))
    kind: WeibullKind = attrs.field(default="pdf")
    l_max: int = attrs.field(default=12, validator=_l_max("Weibull"))
    normalize: bool = attrs.field(default=True, validator=_flag("Weibull"))

    @kind.validator
    def _check_kind(self, attribute: attrs.Attribute[Any], value: object) -> None:
        check_choice(value, "kind", WEIBULL_KINDS, func="Weibull")

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the parameters, in the order of parameter arrays."""
        return ("shape", "scale")

    def fixed(self) -> tuple[float | None, ...]:
        """Given parameter values (None where estimated)."""
        return (self.shape, self.scale)

    def bounds(self) -> tuple[Bound, ...]:
        """Search box of each parameter: (low, high, log scale)."""
        return ((0.1, 10.0, True), (0.1, 2.0 * self.l_max, True))

    def weights(self, theta: npt.ArrayLike) -> FloatArray:
        """Kernel weights ``(..., l_max)`` for parameters ``theta`` of shape ``(..., 2)``."""
        shape, scale = _unpack(theta, 2)
        return weibull_weights(shape, scale, self.l_max, kind=self.kind, normalize=self.normalize)

    def transform(self, x: npt.ArrayLike) -> FloatArray:
        """Apply the adstock with the given parameters along the last axis of ``x``."""
        _require({"shape": self.shape, "scale": self.scale}, "Weibull")
        return convolve(x, self.weights(np.array([self.shape, self.scale], dtype=np.float64)))


@attrs.frozen(kw_only=True)
class Hill:
    """Hill saturation ``x**s / (x**s + K**s)`` of the adstocked, scaled spend.

    The channel's coefficient in the mix model is its maximum weekly effect.

    Parameters
    ----------
    half_saturation : float, optional
        ``K``, where the effect is half its maximum, > 0 (in units of scaled spend: by default
        spend divided by its maximum); estimated within [0.1, 3] on the log scale when None.
    slope : float, optional
        Shape ``s`` > 0: above 1 the curve is S-shaped; estimated within [0.5, 3] (log scale)
        when None. The search boxes follow Robyn's: a curve that is flat or a step over the
        observed spend cannot be told apart from the intercept.

    Examples
    --------
    >>> import omnichannel as oc
    >>> oc.Hill(half_saturation=0.5, slope=2.0).transform([0.0, 0.5, 1.0]).tolist()
    [0.0, 0.5, 0.8]
    """

    half_saturation: float | None = attrs.field(default=None, validator=_optional_positive("Hill"))
    slope: float | None = attrs.field(default=None, validator=_optional_positive("Hill"))

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the parameters, in the order of parameter arrays."""
        return ("half_saturation", "slope")

    def fixed(self) -> tuple[float | None, ...]:
        """Given parameter values (None where estimated)."""
        return (self.half_saturation, self.slope)

    def bounds(self) -> tuple[Bound, ...]:
        """Search box of each parameter: (low, high, log scale)."""
        return ((0.1, 3.0, True), (0.5, 3.0, True))

    def data_bounds(self, low_level: float) -> tuple[Bound, ...]:
        """Search box for data whose saturation input has 10% quantile ``low_level``.

        The half-saturation point is kept at or above that level, so the curve is not flat
        over the weeks observed (a flat curve cannot be told apart from the intercept).
        """
        (k_low, k_high, k_log), slope = self.bounds()
        return ((min(max(k_low, low_level), 0.5 * k_high), k_high, k_log), slope)

    def apply(self, x: npt.ArrayLike, theta: npt.ArrayLike) -> FloatArray:
        """Saturate ``x`` of shape ``(..., n)`` with parameters ``theta`` of shape ``(..., 2)``."""
        half, slope = _unpack(theta, 2)
        return hill(x, half[..., None], slope[..., None])

    def transform(self, x: npt.ArrayLike) -> FloatArray:
        """Apply the saturation with the given parameters."""
        _require({"half_saturation": self.half_saturation, "slope": self.slope}, "Hill")
        return hill(x, self.half_saturation, self.slope)  # type: ignore[arg-type]


@attrs.frozen(kw_only=True)
class Logistic:
    """Logistic saturation ``(1 - exp(-lam x)) / (1 + exp(-lam x))`` (PyMC-Marketing's form).

    Concave from zero, half of the maximum at ``x = ln(3) / lam``. The channel's coefficient in
    the mix model is its maximum weekly effect.

    Parameters
    ----------
    lam : float, optional
        Steepness > 0 (per unit of scaled spend); estimated within [0.1, 20] on the log scale
        when None.

    Examples
    --------
    >>> import math
    >>> import omnichannel as oc
    >>> oc.Logistic(lam=2.0).transform([0.0, math.log(3) / 2]).round(6).tolist()
    [0.0, 0.5]
    """

    lam: float | None = attrs.field(default=None, validator=_optional_positive("Logistic"))

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the parameters, in the order of parameter arrays."""
        return ("lam",)

    def fixed(self) -> tuple[float | None, ...]:
        """Given parameter values (None where estimated)."""
        return (self.lam,)

    def bounds(self) -> tuple[Bound, ...]:
        """Search box of each parameter: (low, high, log scale)."""
        return ((0.1, 20.0, True),)

    def data_bounds(self, low_level: float) -> tuple[Bound, ...]:
        """Search box for data whose saturation input has 10% quantile ``low_level``.

        ``lam`` is kept low enough that the curve is below 0.9 at that level, so it is not flat
        over the weeks observed.
        """
        ((low, high, log),) = self.bounds()
        cap = 2.0 * math.atanh(0.9) / max(low_level, 1e-12)
        return ((low, max(min(high, cap), 2.0 * low), log),)

    def apply(self, x: npt.ArrayLike, theta: npt.ArrayLike) -> FloatArray:
        """Saturate ``x`` of shape ``(..., n)`` with parameters ``theta`` of shape ``(..., 1)``."""
        (lam,) = _unpack(theta, 1)
        return logistic(x, lam[..., None])

    def transform(self, x: npt.ArrayLike) -> FloatArray:
        """Apply the saturation with the given parameters."""
        _require({"lam": self.lam}, "Logistic")
        return logistic(x, self.lam)  # type: ignore[arg-type]


@attrs.frozen(kw_only=True)
class MichaelisMenten:
    """Michaelis-Menten saturation ``x / (k + x)``.

    PyMC-Marketing writes ``vmax x / (k + x)``; here the maximum ``vmax`` is the channel's
    coefficient in the mix model (it cannot be told apart from it), so only ``k`` remains.

    Parameters
    ----------
    k : float, optional
        Half-saturation point > 0 (in units of scaled spend); estimated within [0.05, 5] on the
        log scale when None.

    Examples
    --------
    >>> import omnichannel as oc
    >>> oc.MichaelisMenten(k=1.0).transform([0.0, 1.0, 3.0]).tolist()
    [0.0, 0.5, 0.75]
    """

    k: float | None = attrs.field(default=None, validator=_optional_positive("MichaelisMenten"))

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the parameters, in the order of parameter arrays."""
        return ("k",)

    def fixed(self) -> tuple[float | None, ...]:
        """Given parameter values (None where estimated)."""
        return (self.k,)

    def bounds(self) -> tuple[Bound, ...]:
        """Search box of each parameter: (low, high, log scale)."""
        return ((0.05, 5.0, True),)

    def data_bounds(self, low_level: float) -> tuple[Bound, ...]:
        """Search box for data whose saturation input has 10% quantile ``low_level``.

        ``k`` is kept at or above a tenth of that level (the curve is below 0.9 there), so it
        is not flat over the weeks observed.
        """
        ((low, high, log),) = self.bounds()
        return ((min(max(low, low_level / 9.0), 0.5 * high), high, log),)

    def apply(self, x: npt.ArrayLike, theta: npt.ArrayLike) -> FloatArray:
        """Saturate ``x`` of shape ``(..., n)`` with parameters ``theta`` of shape ``(..., 1)``."""
        (k,) = _unpack(theta, 1)
        return michaelis_menten(x, k[..., None])

    def transform(self, x: npt.ArrayLike) -> FloatArray:
        """Apply the saturation with the given parameters."""
        _require({"k": self.k}, "MichaelisMenten")
        return michaelis_menten(x, self.k)  # type: ignore[arg-type]


#: Adstock options accepted by :func:`~omnichannel.fit_mix_model`.
Adstock: TypeAlias = Geometric | Weibull
#: Saturation options accepted by :func:`~omnichannel.fit_mix_model`.
Saturation: TypeAlias = Hill | Logistic | MichaelisMenten
