"""Weekly media-mix data with a known channel interaction, for testing synergy estimates.

Two data-generating processes:

* ``"interaction"`` (Naik & Raman, 2003): the KPI is linear in the media index of every
  channel plus a product term for every pair, with an optional carryover of the KPI itself,
  ``y_t = b + sum_c beta_c s_ct + sum_{a<b} delta_ab s_at s_bt + lambda y_{t-1} + e_t``. The
  index ``s`` is the adstocked spend itself, or, with a ``saturation``, the saturated adstocked
  spend over its maximum, exactly the media of :func:`fit_mix_model`.
* ``"shared_audience"``: every channel reaches the same audience, so their adstocked spend adds up
  before one saturation curve, ``y_t = b + beta * hill(sum_c x_ct) + e_t``. There is no
  interaction term, yet the concave curve makes the channels look like substitutes
  (cannibalisation) to a model with separate saturations and a product term.

The kernels are vectorised over a leading simulation axis so that power studies draw hundreds of
datasets at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import signal

from .._exceptions import InvalidParameterError
from .._validation import as_generator, check_bool, check_int, check_real, short_repr

__all__ = ["MIX_DGPS", "MediaIndex", "MixDGP", "MixSimulation", "MixTruth", "simulate_mix"]

FloatArray = npt.NDArray[np.float64]

MixDGP = Literal["interaction", "shared_audience"]
MIX_DGPS: tuple[MixDGP, ...] = ("interaction", "shared_audience")

_FUNC = "simulate_mix"


class MediaIndex(Protocol):
    """A saturation with fixed parameters, such as ``Hill(half_saturation=0.5, slope=1.0)``."""

    def transform(self, x: npt.ArrayLike) -> FloatArray:
        """Saturate ``x`` (spend over its maximum, adstocked) elementwise."""
        ...


def _readonly(value: object) -> FloatArray:
    array = np.array(value, dtype=np.float64)
    array.flags.writeable = False
    return array


@attrs.frozen(kw_only=True, eq=False)
class MixTruth:
    r"""Ground truth of :func:`simulate_mix`.

    Attributes
    ----------
    dgp : {"interaction", "shared_audience"}
        Which process generated the KPI.
    channels : tuple of str
        Media channels, in the order of every array.
    baseline : float
        Weekly KPI without media (before the carryover multiplier).
    beta : numpy.ndarray
        Per-channel coefficient on the media index (``"interaction"``); zeros for
        ``"shared_audience"``.
    decay : numpy.ndarray
        Geometric adstock rate per channel (0: no carryover of spend).
    interaction : pandas.DataFrame
        ``channel_a``, ``channel_b``, ``coefficient``: the product-term coefficient per pair in
        KPI per unit of index squared (all zero for ``"shared_audience"``).
    saturation : object or None
        The saturation of the media index (``"interaction"``); None: the index is the adstocked
        spend in spend units.
    spend_scale : numpy.ndarray
        The divisor of spend inside the saturation: each channel's largest simulated spend.
    carryover : float
        :math:`\lambda`, the weight of last week's KPI.
    audience_beta, half_saturation, shape : float
        The shared curve ``audience_beta * x**shape / (x**shape + half_saturation**shape)`` of the
        summed adstock (``"shared_audience"``; ``half_saturation`` in spend units).
    noise_sd : float
        Standard deviation of the weekly noise.
    expected : numpy.ndarray
        The noise-free KPI per observed week (with carryover: given the observed past KPI).
    noise : numpy.ndarray
        The noise drawn per observed week.

    Examples
    --------
    >>> import omnichannel as oc
    >>> sim = oc.simulate_mix(n_weeks=10, channels=("tv", "search"), interaction=0.5, seed=1)
    >>> sim.truth.interaction
      channel_a channel_b  coefficient
    0        tv    search          0.5
    """

    dgp: MixDGP
    channels: tuple[str, ...]
    baseline: float
    beta: FloatArray = attrs.field(converter=_readonly, repr=False)
    decay: FloatArray = attrs.field(converter=_readonly, repr=False)
    interaction: pd.DataFrame = attrs.field(repr=False)
    saturation: MediaIndex | None = attrs.field(repr=False)
    spend_scale: FloatArray = attrs.field(converter=_readonly, repr=False)
    carryover: float
    audience_beta: float
    half_saturation: float
    shape: float
    noise_sd: float
    expected: FloatArray = attrs.field(converter=_readonly, repr=False)
    noise: FloatArray = attrs.field(converter=_readonly, repr=False)

    def interaction_matrix(self) -> FloatArray:
        """Return the product-term coefficients as a symmetric (k, k) matrix, zero diagonal."""
        k = len(self.channels)
        out = np.zeros((k, k))
        index = {c: i for i, c in enumerate(self.channels)}
        for a, b, value in self.interaction.itertuples(index=False):
            out[index[a], index[b]] = out[index[b], index[a]] = value
        return out

    def media_effect(self, spend: npt.ArrayLike) -> FloatArray:
        """Noise-free media part of the KPI for a spend array ``(..., n_weeks, k)``.

        Adstock starts from zero at the first week given; the KPI carryover is not applied (it
        multiplies a sustained effect by ``1 / (1 - carryover)``).

        Examples
        --------
        >>> import numpy as np
        >>> import omnichannel as oc
        >>> sim = oc.simulate_mix(n_weeks=4, channels=("a", "b"), interaction=0.5, seed=0)
        >>> sim.truth.media_effect(np.ones((1, 2))).tolist()  # 1 + 1 + 0.5 * 1 * 1
        [2.5]
        """
        array = np.asarray(spend, dtype=np.float64)
        if array.ndim < 2 or array.shape[-1] != len(self.channels):
            raise InvalidParameterError(
                f"spend must have shape (..., n_weeks, {len(self.channels)}); got {array.shape}."
            )
        x = _adstock(array, self.decay)
        return _media(
            _index(x, self.saturation, self.spend_scale),
            dgp=self.dgp,
            beta=self.beta,
            delta=self.interaction_matrix(),
            audience_beta=self.audience_beta,
            half_saturation=self.half_saturation,
            shape=self.shape,
        )


@attrs.frozen(kw_only=True, eq=False)
class MixSimulation:
    """Simulated weekly mix data (``data``) and its :class:`MixTruth`.

    ``data`` is a wide frame, one row per week: ``date``, ``kpi`` and one spend column per
    channel, ready for :func:`fit_mix_model` (``kpi="kpi", media=channels``).

    Examples
    --------
    >>> import omnichannel as oc
    >>> sim = oc.simulate_mix(n_weeks=3, channels=("tv", "search"), seed=0)
    >>> list(sim.to_frame().columns)
    ['date', 'kpi', 'tv', 'search']
    """

    _data: pd.DataFrame = attrs.field(alias="data", repr=False)
    truth: MixTruth

    @property
    def data(self) -> pd.DataFrame:
        """The wide weekly frame (a copy)."""
        return self._data.copy()

    @property
    def channels(self) -> tuple[str, ...]:
        """Channel names (the spend columns)."""
        return self.truth.channels

    def to_frame(self) -> pd.DataFrame:
        """Return the wide weekly frame (a copy)."""
        return self._data.copy()

    def spend_frame(self) -> pd.DataFrame:
        """Spend as a long frame: ``date``, ``channel``, ``spend``."""
        long = self._data.melt(
            id_vars="date", value_vars=list(self.channels), var_name="channel", value_name="spend"
        )
        return long.sort_values(["date", "channel"], kind="stable").reset_index(drop=True)

    def __repr__(self) -> str:
        return (
            f"MixSimulation({self.truth.dgp}: {len(self._data)} weeks x "
            f"{len(self.channels)} channels {list(self.channels)})"
        )


# --------------------------------------------------------------------------------------------
# vectorised kernels: leading axes are simulations, then weeks, then channels
# --------------------------------------------------------------------------------------------


def _adstock(spend: FloatArray, decay: FloatArray) -> FloatArray:
    """Geometric adstock along the week axis (-2), one rate per channel (last axis)."""
    out = np.array(spend, dtype=np.float64, copy=True)
    for c, rate in enumerate(decay):  # a handful of channels; each filter covers all weeks
        if rate > 0:
            out[..., c] = signal.lfilter([1.0], [1.0, -float(rate)], spend[..., c], axis=-1)
    return out


def _index(x: FloatArray, saturation: MediaIndex | None, scale: FloatArray) -> FloatArray:
    """Media index of adstocked spend: itself, or saturated after division by ``scale``."""
    if saturation is None:
        return x
    return np.asarray(saturation.transform(x / scale), dtype=np.float64)


def _media(
    x: FloatArray,
    *,
    dgp: str,
    beta: FloatArray,
    delta: FloatArray,
    audience_beta: float,
    half_saturation: float,
    shape: float,
) -> FloatArray:
    if dgp == "shared_audience":
        total = np.maximum(x.sum(axis=-1), 0.0)
        ratio = np.power(total / half_saturation, shape)
        return np.asarray(audience_beta * ratio / (1.0 + ratio), dtype=np.float64)
    linear = x @ beta
    pair = 0.5 * np.einsum("...i,ij,...j->...", x, delta, x)
    return np.asarray(linear + pair, dtype=np.float64)


def _draw_spend(
    rng: np.random.Generator,
    shape: tuple[int, ...],
    mean: FloatArray,
    cv: float,
    corr: float,
) -> FloatArray:
    """Lognormal spend with the given mean and coefficient of variation per channel.

    ``corr`` is the correlation of the log spend between every pair of channels.
    """
    k = mean.shape[0]
    sigma = np.sqrt(np.log1p(cv**2))
    cov = np.full((k, k), corr) + (1.0 - corr) * np.eye(k)
    chol = np.linalg.cholesky(cov)
    z = rng.standard_normal((*shape, k)) @ chol.T
    return np.asarray(mean * np.exp(sigma * z - 0.5 * sigma**2), dtype=np.float64)


def _simulate_kpi(
    rng: np.random.Generator,
    media: FloatArray,
    *,
    baseline: float,
    carryover: float,
    noise_sd: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """KPI ``(..., n_weeks)`` from the media effect with carryover: kpi, expected, noise."""
    noise = rng.normal(0.0, noise_sd, size=media.shape)
    drive = baseline + media
    if carryover == 0.0:
        return drive + noise, drive, noise
    kpi = np.empty_like(drive)
    previous = drive[..., 0] / (1.0 - carryover)  # start near the steady state
    for t in range(drive.shape[-1]):  # recursion over weeks, vectorised over simulations
        kpi[..., t] = drive[..., t] + carryover * previous + noise[..., t]
        previous = kpi[..., t]
    expected = kpi - noise
    return kpi, expected, noise


def _pairs(k: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    rows, cols = np.triu_indices(k, 1)
    return rows, cols


def _per_channel(value: object, k: int, name: str, *, low: float, low_open: bool) -> FloatArray:
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        check_real(value, name, func=_FUNC, low=low, low_open=low_open)
        return np.full(k, float(value))
    if isinstance(value, Sequence | np.ndarray) and not isinstance(value, str):
        items = list(value)
        if len(items) == k:
            return np.array(
                [check_real(v, name, func=_FUNC, low=low, low_open=low_open) for v in items]
            )
    raise InvalidParameterError(
        f"The {name!r} parameter of {_FUNC} must be a number or a sequence of {k} numbers "
        f"(one per channel). Got {short_repr(value)} instead."
    )


def _interaction_matrix(value: object, channels: tuple[str, ...]) -> FloatArray:
    k = len(channels)
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        fval = check_real(value, "interaction", func=_FUNC)
        out = np.full((k, k), fval)
        np.fill_diagonal(out, 0.0)
        return out
    if isinstance(value, Mapping):
        out = np.zeros((k, k))
        index = {c: i for i, c in enumerate(channels)}
        for pair, coefficient in value.items():
            ok = (
                isinstance(pair, tuple)
                and len(pair) == 2
                and all(p in index for p in pair)
                and pair[0] != pair[1]
            )
            if not ok:
                raise InvalidParameterError(
                    f"The keys of the 'interaction' mapping of {_FUNC} must be pairs of distinct "
                    f"channels from {list(channels)}. Got {short_repr(pair)} instead."
                )
            i, j = index[pair[0]], index[pair[1]]
            out[i, j] = out[j, i] = check_real(coefficient, f"interaction[{pair!r}]", func=_FUNC)
        return out
    raise InvalidParameterError(
        f"The 'interaction' parameter of {_FUNC} must be a number (every pair) or a mapping "
        f"{{(channel_a, channel_b): coefficient}}. Got {short_repr(value)} instead."
    )


def _check_saturation(saturation: object) -> None:
    if saturation is None:
        return
    try:
        probe = np.asarray(saturation.transform(np.array([0.0, 0.5, 1.0])), dtype=np.float64)  # type: ignore[attr-defined]
        ok = probe.shape == (3,) and bool(np.isfinite(probe).all())
    except Exception:  # any failure means it is not a usable fixed saturation
        ok = False
    if not ok:
        raise InvalidParameterError(
            f"The 'saturation' parameter of {_FUNC} must be None or a saturation with every "
            "parameter given, e.g. oc.Hill(half_saturation=0.5, slope=1.0). Got "
            f"{short_repr(saturation)} instead."
        )


def _check_channels(channels: object) -> tuple[str, ...]:
    ok = isinstance(channels, Sequence) and not isinstance(channels, str)
    names: tuple[object, ...] = tuple(channels) if isinstance(channels, Sequence) else ()
    ok = ok and len(names) >= 1 and all(isinstance(c, str) and c for c in names)
    reserved = {"date", "kpi"}
    if not ok or len(set(names)) != len(names) or reserved & set(names):
        raise InvalidParameterError(
            f"The 'channels' parameter of {_FUNC} must be a sequence of distinct non-empty "
            f"names other than 'date' and 'kpi'. Got {short_repr(channels)} instead."
        )
    return tuple(str(name) for name in names)


def simulate_mix(
    *,
    n_weeks: int = 156,
    channels: Sequence[str] = ("tv", "search"),
    interaction: float | Mapping[tuple[str, str], float] = 0.0,
    shared_audience: bool = False,
    saturation: MediaIndex | None = None,
    beta: float | Sequence[float] = 1.0,
    baseline: float = 10.0,
    carryover: float = 0.0,
    decay: float | Sequence[float] = 0.0,
    spend_mean: float | Sequence[float] = 1.0,
    spend_cv: float = 0.3,
    spend_corr: float = 0.0,
    audience_beta: float = 2.0,
    half_saturation: float = 1.0,
    shape: float = 1.0,
    noise_sd: float = 0.1,
    start: str | pd.Timestamp = "2023-01-02",
    seed: int | np.random.Generator = 0,
) -> MixSimulation:
    r"""Simulate weekly media spend and a KPI with a known channel interaction.

    With ``shared_audience=False`` (the Naik & Raman, 2003, interaction process)

    .. math:: y_t = b + \sum_c \beta_c s_{ct} + \sum_{a<b} \delta_{ab} s_{at} s_{bt}
              + \lambda y_{t-1} + \varepsilon_t,

    where the media index :math:`s_{ct}` is the geometric adstock :math:`x_{ct}` of spend (the
    spend itself with ``decay=0``), or with a ``saturation`` :math:`h`,
    :math:`s_{ct} = h(x_{ct} / m_c)` with :math:`m_c` the channel's largest simulated spend:
    the media of :func:`fit_mix_model` (default ``scale="max"``), so a model with the same fixed
    transforms is exactly right and its coefficients estimate :math:`\beta` and :math:`\delta`.
    With ``shared_audience=True`` every channel reaches the same audience and there is no
    interaction term:

    .. math:: y_t = b + \beta_A\, h\Big(\sum_c x_{ct}\Big) + \lambda y_{t-1} + \varepsilon_t,
              \qquad h(x) = \frac{x^s}{x^s + K^s}.

    The second process has a negative cross-derivative (a concave function of a sum), so a model
    with separate saturations and a product term reads it as cannibalisation, although spend in
    one channel never changes the response per exposure of the other.

    Spend is lognormal, independent over weeks, with mean ``spend_mean`` and coefficient of
    variation ``spend_cv`` per channel and correlation ``spend_corr`` between the log spends.

    Parameters
    ----------
    n_weeks : int, default 156
        Observed weeks (>= 2).
    channels : sequence of str, default ("tv", "search")
        Channel names; also the spend column names.
    interaction : float or mapping, default 0.0
        :math:`\delta`: a number applies to every pair; a mapping ``{(a, b): coefficient}`` sets
        chosen pairs (others zero). KPI per unit of index squared (per spend unit squared
        without ``saturation``); ignored with ``shared_audience``.
    shared_audience : bool, default False
        Use the shared-audience saturation process instead.
    saturation : saturation option, optional
        A saturation with every parameter given, e.g. ``oc.Hill(half_saturation=0.5,
        slope=1.0)``, for the media index of the interaction process; None (default) keeps
        the index linear in spend. Ignored with ``shared_audience``.
    beta : float or sequence of float, default 1.0
        :math:`\beta_c`, KPI per unit of index (per spend unit without ``saturation``); one
        number for all channels, or one per channel.
    baseline : float, default 10.0
        :math:`b`, the weekly KPI without media (before carryover).
    carryover : float, default 0.0
        :math:`\lambda` in [0, 1): weight of last week's KPI (Koyck carryover).
    decay : float or sequence of float, default 0.0
        Geometric adstock rate in [0, 1) per channel.
    spend_mean : float or sequence of float, default 1.0
        Mean weekly spend per channel (> 0).
    spend_cv : float, default 0.3
        Coefficient of variation of weekly spend (> 0).
    spend_corr : float, default 0.0
        Correlation of log spend between channels, in (-1/(k-1), 1).
    audience_beta : float, default 2.0
        :math:`\beta_A`, the most the shared audience can add per week.
    half_saturation : float, default 1.0
        :math:`K` relative to the mean summed adstocked spend (> 0).
    shape : float, default 1.0
        :math:`s`, the Hill shape (> 0).
    noise_sd : float, default 0.1
        Standard deviation of the weekly noise (>= 0).
    start : str or pandas.Timestamp, default "2023-01-02"
        Date of the first week.
    seed : int or numpy.random.Generator, default 0
        Source of all randomness.

    Returns
    -------
    MixSimulation
        ``data`` (``date``, ``kpi`` and one spend column per channel) and ``truth``.

    Raises
    ------
    InvalidParameterError
        When a parameter is out of range or has the wrong type.

    Examples
    --------
    >>> import omnichannel as oc
    >>> sim = oc.simulate_mix(n_weeks=104, channels=("tv", "search"), interaction=0.4, seed=3)
    >>> sim
    MixSimulation(interaction: 104 weeks x 2 channels ['tv', 'search'])
    >>> data = sim.data
    >>> round(float(data["tv"].mean()), 1), round(float(data["kpi"].mean()), 1)
    (1.0, 12.4)
    """
    weeks = check_int(n_weeks, "n_weeks", func=_FUNC, low=2)
    assert weeks is not None
    names = _check_channels(channels)
    k = len(names)
    shared = check_bool(shared_audience, "shared_audience", func=_FUNC)
    delta = _interaction_matrix(interaction, names)
    beta_c = _per_channel(beta, k, "beta", low=-np.inf, low_open=False)
    decay_c = _per_channel(decay, k, "decay", low=0.0, low_open=False)
    if np.any(decay_c >= 1.0):
        raise InvalidParameterError(
            f"The 'decay' parameter of {_FUNC} must be in [0, 1). Got {decay_c.tolist()} instead."
        )
    mean_c = _per_channel(spend_mean, k, "spend_mean", low=0.0, low_open=True)
    base = check_real(baseline, "baseline", func=_FUNC)
    lam = check_real(carryover, "carryover", func=_FUNC, low=0.0, high=1.0, high_open=True)
    cv = check_real(spend_cv, "spend_cv", func=_FUNC, low=0.0, low_open=True)
    low_corr = -1.0 / (k - 1) if k > 1 else -1.0
    corr = check_real(
        spend_corr, "spend_corr", func=_FUNC, low=low_corr, high=1.0, low_open=True, high_open=True
    )
    _check_saturation(saturation)
    a_beta = check_real(audience_beta, "audience_beta", func=_FUNC)
    rel_half = check_real(half_saturation, "half_saturation", func=_FUNC, low=0.0, low_open=True)
    hill_shape = check_real(shape, "shape", func=_FUNC, low=0.0, low_open=True)
    sd = check_real(noise_sd, "noise_sd", func=_FUNC, low=0.0)
    try:
        first = pd.Timestamp(start)
    except (TypeError, ValueError) as err:
        raise InvalidParameterError(
            f"The 'start' parameter of {_FUNC} must be a date. Got {short_repr(start)} instead."
        ) from err
    rng = as_generator(seed, func=_FUNC)

    # adstock starts from zero at the first week, as the mix model assumes
    spend = _draw_spend(rng, (weeks,), mean_c, cv, corr)
    x = _adstock(spend, decay_c)
    if shared:
        delta = np.zeros((k, k))
        beta_c = np.zeros(k)
        # half saturation in spend units: relative to the mean summed steady-state adstock
        half_units = rel_half * float(np.sum(mean_c / (1.0 - decay_c)))
    else:
        half_units = rel_half
        a_beta = 0.0
    scale = spend.max(axis=0)
    index = _index(x, None if shared else saturation, scale)
    media = _media(
        index,
        dgp="shared_audience" if shared else "interaction",
        beta=beta_c,
        delta=delta,
        audience_beta=a_beta,
        half_saturation=half_units,
        shape=hill_shape,
    )
    kpi, expected, noise = _simulate_kpi(rng, media, baseline=base, carryover=lam, noise_sd=sd)

    dates = pd.date_range(first, periods=weeks, freq="7D")
    data: dict[str, Any] = {"date": dates, "kpi": kpi}
    for c, name in enumerate(names):
        data[name] = spend[:, c]
    rows, cols = _pairs(k)
    truth = MixTruth(
        dgp="shared_audience" if shared else "interaction",
        channels=names,
        baseline=base,
        beta=beta_c,
        decay=decay_c,
        interaction=pd.DataFrame(
            {
                "channel_a": pd.Series([names[i] for i in rows], dtype=str),
                "channel_b": pd.Series([names[j] for j in cols], dtype=str),
                "coefficient": delta[rows, cols],
            }
        ),
        saturation=None if shared else saturation,
        spend_scale=scale,
        carryover=lam,
        audience_beta=a_beta,
        half_saturation=half_units if shared else float("nan"),
        shape=hill_shape if shared else float("nan"),
        noise_sd=sd,
        expected=expected,
        noise=noise,
    )
    return MixSimulation(data=pd.DataFrame(data), truth=truth)
