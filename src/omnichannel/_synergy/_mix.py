"""Marketing-mix model with adstock, saturation and pairwise media interactions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError, SchemaError
from .._validation import (
    Column,
    FrameSchema,
    as_generator,
    check_bool,
    check_choice,
    check_frame,
    check_int,
    check_real,
    short_repr,
)
from ._mix_fit import Design, base_matrix, lag_windows
from ._mix_result import MixModel
from ._transforms import (
    Adstock,
    Geometric,
    Hill,
    Logistic,
    MichaelisMenten,
    Saturation,
    Weibull,
    convolve,
)

__all__ = ["SPEND_SCALINGS", "InteractionSpec", "MixModel", "SpendScaling", "fit_mix_model"]

FloatArray = npt.NDArray[np.float64]
SpendScaling = Literal["max", "mean"]
#: How spend is scaled per channel before the transforms (training max or mean).
SPEND_SCALINGS: tuple[SpendScaling, ...] = ("max", "mean")
#: ``"pairwise"`` (every pair), None (no interactions) or a list of channel pairs.
InteractionSpec: TypeAlias = Literal["pairwise"] | Sequence[tuple[str, str]] | None

_FUNC = "fit_mix_model"
_GEOMETRIC = Geometric()
_HILL = Hill()


def _column_name(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidParameterError(
            f"The {name!r} parameter of {_FUNC} must be a column name (str). Got "
            f"{short_repr(value)} instead."
        )
    return value


def _names(value: object, name: str, *, allow_empty: bool) -> tuple[str, ...]:
    ok = isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    if not ok or (not allow_empty and not value):
        what = "a non-empty list" if not allow_empty else "a list"
        raise InvalidParameterError(
            f"The {name!r} parameter of {_FUNC} must be {what} of column names. Got "
            f"{short_repr(value)} instead."
        )
    names: tuple[str, ...] = tuple(value)  # type: ignore[arg-type]
    if len(set(names)) != len(names):
        raise InvalidParameterError(
            f"The {name!r} parameter of {_FUNC} names a column twice: {short_repr(list(names))}."
        )
    return names


def _pairs(spec: object, channels: tuple[str, ...]) -> npt.NDArray[np.intp]:
    k = len(channels)
    if spec is None:
        return np.zeros((0, 2), dtype=np.intp)
    if isinstance(spec, str):
        check_choice(spec, "interactions", ("pairwise",), func=_FUNC)
        return np.array([(a, b) for a in range(k) for b in range(a + 1, k)], dtype=np.intp).reshape(
            -1, 2
        )
    rule = (
        f"The 'interactions' parameter of {_FUNC} must be 'pairwise', None or a list of pairs "
        f"of two different media channels from {short_repr(list(channels))}"
    )
    if not isinstance(spec, list | tuple):
        raise InvalidParameterError(f"{rule}. Got {short_repr(spec)} instead.")
    seen: set[tuple[int, int]] = set()
    for pair in spec:
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or not all(isinstance(c, str) and c in channels for c in pair)
            or pair[0] == pair[1]
        ):
            raise InvalidParameterError(f"{rule}. Got {short_repr(pair)} among them.")
        a, b = sorted((channels.index(pair[0]), channels.index(pair[1])))
        if (a, b) in seen:
            raise InvalidParameterError(f"{rule}, each once. Got {short_repr(pair)} twice.")
        seen.add((a, b))
    return np.array(sorted(seen), dtype=np.intp).reshape(-1, 2)


def _check_media(frame: pd.DataFrame, media: tuple[str, ...]) -> FloatArray:
    spend = frame[list(media)].to_numpy(dtype=np.float64)
    for j, name in enumerate(media):
        column = spend[:, j]
        if not column.any():
            raise SchemaError(
                f"data[{name!r}] is zero in every week; a channel without spend has no effect "
                "to estimate. Drop it from media."
            )
        if np.all(column == column[0]):
            raise SchemaError(
                f"data[{name!r}] is constant ({float(column[0])!r}) in every week; its effect "
                "cannot be told apart from the intercept. Drop it from media or add it to the "
                "baseline."
            )
    return spend


def _check_rank(base: FloatArray, names: tuple[str, ...]) -> None:
    """Name the first baseline column that the earlier ones already explain."""
    scale = np.maximum(np.abs(base).max(axis=0), 1e-300)
    scaled = base / scale
    for j in range(1, scaled.shape[1] + 1):
        if np.linalg.matrix_rank(scaled[:, :j], tol=1e-9 * np.sqrt(len(base))) < j:
            name = names[j - 1]
            raise SchemaError(
                f"The baseline column {name!r} is a linear combination of the columns before it "
                f"({short_repr(list(names[: j - 1]))}) over the modelled weeks, e.g. a constant "
                "control; drop it or lower the seasonality order."
            )


def _check_transforms(adstock: object, saturation: object) -> tuple[Adstock, Saturation]:
    if not isinstance(adstock, Geometric | Weibull):
        raise InvalidParameterError(
            f"The 'adstock' parameter of {_FUNC} must be Geometric(...) or Weibull(...). Got "
            f"{short_repr(adstock)} instead."
        )
    if not isinstance(saturation, Hill | Logistic | MichaelisMenten):
        raise InvalidParameterError(
            f"The 'saturation' parameter of {_FUNC} must be Hill(...), Logistic(...) or "
            f"MichaelisMenten(...). Got {short_repr(saturation)} instead."
        )
    return adstock, saturation


def _search_boxes(
    adstock: Adstock, saturation: Saturation, scaled: FloatArray, first: int
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """Per-channel search boxes ``(k, n_param)`` and the log-scale flags.

    The options' boxes, with the saturation's narrowed to each channel's data (see the
    saturations' ``data_bounds``), judged on the spend adstocked at the adstock box's centre.
    """
    ad_bounds = adstock.bounds()
    centre = [
        given if given is not None else (float(np.sqrt(low * high)) if log else 0.5 * (low + high))
        for given, (low, high, log) in zip(adstock.fixed(), ad_bounds, strict=True)
    ]
    weights = adstock.weights(np.array(centre, dtype=np.float64))
    level = np.quantile(convolve(scaled, weights)[:, first:], 0.1, axis=1)
    boxes = [[*ad_bounds, *saturation.data_bounds(float(q))] for q in level]
    lows = np.array([[b[0] for b in row] for row in boxes])
    highs = np.array([[b[1] for b in row] for row in boxes])
    logs = np.array([b[2] for b in boxes[0]])
    return lows, highs, logs


def fit_mix_model(
    data: pd.DataFrame,
    *,
    kpi: str,
    media: Sequence[str],
    controls: Sequence[str] = (),
    date: str = "date",
    adstock: Adstock = _GEOMETRIC,
    saturation: Saturation = _HILL,
    interactions: InteractionSpec = "pairwise",
    carryover_kpi: bool = False,
    trend: bool = True,
    seasonality: int | None = 2,
    n_boot: int = 200,
    level: float = 0.95,
    block_length: int | None = None,
    seed: int | np.random.Generator = 0,
    scale: SpendScaling = "max",
) -> MixModel:
    r"""Fit a marketing-mix model with adstock, saturation and pairwise media interactions.

    The weekly KPI is modelled as

    .. math:: y_t = b_t + \sum_c \beta_c s_c(t) + \sum_{a<b} \beta_{ab} s_a(t) s_b(t)
              [+ \lambda y_{t-1}] + \varepsilon_t

    with :math:`s_c = \text{saturation}(\text{adstock}(x_c / m_c))` the transformed spend of
    channel :math:`c` (spend :math:`x_c` divided by its training max or mean :math:`m_c`, so
    transform parameters are comparable across channels), a baseline :math:`b_t` of intercept,
    linear trend (per week), yearly Fourier terms and controls, and optionally the lagged KPI
    (the dynamic form of Naik & Raman 2003). The interaction coefficients :math:`\beta_{ab}`
    measure synergy: the extra KPI when both channels are on beyond the sum of their separate
    effects.

    For given transform parameters the model is linear, so the linear coefficients are profiled
    out by least squares and the transform parameters are searched by bounded trust-region least
    squares from the best of a vectorised screen of random starts (variable projection).
    Uncertainty comes from a moving-block residual bootstrap that re-estimates everything
    (transforms included) in each replicate.

    Each estimated transform parameter is searched within a box (see the options); the
    saturation's box is narrowed per channel so that the curve is not flat over the observed
    weeks, since a flat curve cannot be told apart from the intercept. Even so, a channel whose
    spend never goes near zero identifies only the local slope of its curve: its maximum effect,
    and with it its contribution, can then be far off (fix transform parameters, or use
    experiments, in that case). Interactions need both channels to vary independently.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide weekly frame: one row per week, sorted by ``date``, with the spend columns, the KPI
        and the controls. No missing values; spend >= 0.
    kpi : str
        KPI column (e.g. revenue).
    media : list of str
        Spend columns, one per channel; each must vary over the weeks.
    controls : list of str, default ()
        Numeric control columns added linearly to the baseline (events, prices, competitors).
    date : str, default "date"
        Date column (datetime64).
    adstock : Geometric or Weibull, default Geometric()
        Carryover transform, the same family for every channel; parameters left None are
        estimated per channel, given ones are fixed for all channels.
    saturation : Hill, Logistic or MichaelisMenten, default Hill()
        Diminishing-returns transform, applied after the adstock; same rules.
    interactions : "pairwise", None or list of (str, str), default "pairwise"
        Which pairs of channels get an interaction term :math:`s_a s_b`.
    carryover_kpi : bool, default False
        Add last week's KPI as a regressor (:math:`\lambda y_{t-1}`); the first week is then
        used only as the lag.
    trend : bool, default True
        Include a linear trend in weeks.
    seasonality : int or None, default 2
        Order of the yearly Fourier terms (sine and cosine pairs); None or 0 for none.
    n_boot : int, default 200
        Bootstrap replicates for the intervals; 0 for a point fit with Wald intervals.
    level : float, default 0.95
        Confidence level of the intervals.
    block_length : int, optional
        Block length of the residual bootstrap; the cube root of the number of weeks, rounded,
        when omitted.
    seed : int or numpy.random.Generator, default 0
        Randomness of the search starts and the bootstrap.
    scale : {"max", "mean"}, default "max"
        Divisor of each channel's spend before the transforms.

    Returns
    -------
    MixModel
        Coefficients, transform parameters, contributions, ROI and the response surface.

    Raises
    ------
    SchemaError
        On an empty frame, missing columns, missing values, negative spend, unsorted or
        repeated dates, a constant or all-zero spend column, a baseline column explained by the
        others, or fewer weeks than parameters.
    InvalidParameterError
        On an invalid option.

    See Also
    --------
    MixModel : the result.
    Geometric, Weibull, Hill, Logistic, MichaelisMenten : the transforms.

    Notes
    -----
    Naik, P. A., & Raman, K. (2003). Understanding the impact of synergy in multimedia
    communications. Journal of Marketing Research 40(4), 375-388. Jin, Y., Wang, Y., Sun, Y.,
    Chan, D., & Koehler, J. (2017). Bayesian methods for media mix modeling with carryover and
    shape effects. Google Inc. Golub, G., & Pereyra, V. (1973). The differentiation of
    pseudo-inverses and nonlinear least squares problems whose variables separate. SIAM Journal
    on Numerical Analysis 10(2), 413-432.

    Examples
    --------
    >>> import omnichannel as oc
    >>> world = oc.simulate_retailer(n_customers=200, seed=1)
    >>> spend = world.spend.pivot(index="date", columns="channel", values="spend")
    >>> data = spend.assign(revenue=world.kpi["revenue"].to_numpy()).reset_index()
    >>> model = oc.fit_mix_model(
    ...     data,
    ...     kpi="revenue",
    ...     media=["search", "social", "tv"],
    ...     interactions=[("search", "tv")],
    ...     n_boot=20,
    ...     seed=1,
    ... )
    >>> model.coefficients()["term"].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['intercept', 'trend', 'season_sin1', 'season_cos1', 'season_sin2', 'season_cos2',
     'search', 'social', 'tv', 'search:tv']
    >>> sorted(model.roi().columns)
    ['channel', 'contribution', 'lower', 'mroi', 'roi', 'spend', 'upper']
    """
    kpi_name = _column_name(kpi, "kpi")
    date_name = _column_name(date, "date")
    channels = _names(media, "media", allow_empty=False)
    control_names = _names(controls, "controls", allow_empty=True)
    used = [date_name, kpi_name, *channels, *control_names]
    if len(set(used)) != len(used):
        raise InvalidParameterError(
            f"date, kpi, media and controls of {_FUNC} must name different columns; got "
            f"{short_repr(used)}."
        )
    ad, sat = _check_transforms(adstock, saturation)
    pairs = _pairs(interactions, channels)
    carry = check_bool(carryover_kpi, "carryover_kpi", func=_FUNC)
    with_trend = check_bool(trend, "trend", func=_FUNC)
    order = check_int(seasonality, "seasonality", func=_FUNC, low=0, high=26, allow_none=True)
    boot = check_int(n_boot, "n_boot", func=_FUNC, low=0)
    assert boot is not None
    conf = check_real(level, "level", func=_FUNC, low=0.0, high=1.0, low_open=True, high_open=True)
    block = check_int(block_length, "block_length", func=_FUNC, low=1, allow_none=True)
    how = check_choice(scale, "scale", SPEND_SCALINGS, func=_FUNC)
    rng = as_generator(seed, func=_FUNC)

    schema = FrameSchema(
        "data",
        (
            Column(date_name, "datetime"),
            Column(kpi_name, "number"),
            *(Column(c, "count") for c in channels),
            *(Column(c, "number") for c in control_names),
        ),
        key=(date_name,),
    )
    frame = check_frame(data, schema, sorted_by=(date_name,))
    if len(frame) == 0:
        # checked before the per-channel checks, which would misreport it as a channel with
        # no spend
        raise SchemaError(
            f"data has no rows; {_FUNC} needs one row per week with the columns "
            f"{short_repr([date_name, kpi_name, *channels, *control_names])}."
        )
    spend = _check_media(frame, channels)
    dates = pd.DatetimeIndex(frame[date_name])
    first = int(carry)
    control_values = frame[list(control_names)].to_numpy(dtype=np.float64)
    origin = dates[first]
    base, base_names = base_matrix(
        dates,
        control_values,
        control_names,
        origin=origin,
        trend=with_trend,
        seasonality=order or 0,
    )
    y_all = frame[kpi_name].to_numpy(dtype=np.float64)
    n_modelled = len(frame) - first
    k = len(channels)
    fixed = np.array([*ad.fixed(), *sat.fixed()], dtype=object)
    free_row = np.array([v is None for v in fixed])
    n_params = base.shape[1] + first + k + len(pairs) + k * int(free_row.sum())
    if n_modelled <= n_params + 1:
        raise SchemaError(
            f"data has {n_modelled} modelled weeks but the model has {n_params} parameters "
            f"({base.shape[1]} baseline, {k} channels, {len(pairs)} interactions, "
            f"{k * int(free_row.sum())} transform parameters); it needs more weeks than "
            "parameters. Use more data, interactions=None, fixed transform parameters or a "
            "lower seasonality order."
        )
    if np.all(y_all[first:] == y_all[first]):
        raise SchemaError(f"data[{kpi_name!r}] is constant; there is nothing to explain.")
    _check_rank(
        np.column_stack([base[first:], y_all[:-1]]) if carry else base,
        (*base_names, "kpi_lag") if carry else base_names,
    )
    divisor = spend.max(axis=0) if how == "max" else spend.mean(axis=0)
    scaled = (spend / divisor).T
    lows, highs, logs = _search_boxes(ad, sat, scaled, first)
    design = Design(
        kpi=kpi_name,
        date=date_name,
        controls=control_names,
        dates=dates,
        spend=spend,
        origin=origin,
        trend=with_trend,
        seasonality=order or 0,
        channels=channels,
        pairs=pairs,
        adstock=ad,
        saturation=sat,
        spend_scale=divisor,
        windows=np.ascontiguousarray(lag_windows(scaled, ad.l_max)),
        base=base,
        base_names=base_names,
        carryover=carry,
        free=np.tile(free_row, (k, 1)),
        fixed_values=np.tile(np.where(free_row, np.nan, fixed).astype(np.float64), (k, 1)),
        lows=lows,
        highs=highs,
        logs=logs,
    )
    length = block if block is not None else max(1, round(n_modelled ** (1.0 / 3.0)))
    return MixModel._fit(design, y_all, n_boot=boot, block_length=length, level=conf, rng=rng)
