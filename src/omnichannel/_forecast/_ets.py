"""Exponential smoothing (ETS) for whole panels: the :class:`ETS` option object.

Model selection, chunking and the assembly of :class:`~._ets_result.ETSFit` live here; the
recursions are in :mod:`._ets_kernels`, the estimation in :mod:`._ets_fit`.
"""

from __future__ import annotations

import sys
from typing import Any, Literal, get_args

import attrs
import numpy as np
from numpy.typing import NDArray

from .._exceptions import InvalidParameterError
from .._validation import check_bool, check_choice, check_int, check_real, short_repr
from ._base import SeriesPanel, borrowed_scale
from ._ets_fit import Final, Fixed, Layout, SpecFit, finalize, fit_spec, loglik_from_f
from ._ets_kernels import Spec
from ._ets_result import ETSFit

__all__ = [
    "ETS",
    "ETS_BOUNDS",
    "ETS_CRITERIA",
    "ETS_ERROR_TYPES",
    "ETS_SEASONAL_TYPES",
    "ETS_TREND_TYPES",
    "ETSBounds",
    "ETSCriterion",
    "ETSErrorType",
    "ETSSeasonalType",
    "ETSTrendType",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]

ETSErrorType = Literal["add", "mul"]
#: Error types of :class:`ETS`.
ETS_ERROR_TYPES: tuple[ETSErrorType, ...] = get_args(ETSErrorType)
ETSTrendType = Literal["none", "add"]
#: Trend types of :class:`ETS` (damping is the separate ``damped`` flag).
ETS_TREND_TYPES: tuple[ETSTrendType, ...] = get_args(ETSTrendType)
ETSSeasonalType = Literal["none", "add", "mul"]
#: Seasonal types of :class:`ETS`.
ETS_SEASONAL_TYPES: tuple[ETSSeasonalType, ...] = get_args(ETSSeasonalType)
ETSCriterion = Literal["aicc", "aic", "bic"]
#: Information criteria :class:`ETS` can select models by.
ETS_CRITERIA: tuple[ETSCriterion, ...] = get_args(ETSCriterion)
ETSBounds = Literal["usual", "admissible"]
#: Parameter regions :class:`ETS` can search.
ETS_BOUNDS: tuple[ETSBounds, ...] = get_args(ETSBounds)

_FUNC = "ETS"
#: By default, models with at most ``_FEW_PARAMS`` parameters fitted to series of at most
#: ``_SHORT_SERIES`` observations get ``_SHORT_STARTS`` optimiser runs: there the likelihood is
#: flattest (most local optima) and each run is cheap.
_SHORT_SERIES = 300
_FEW_PARAMS = 20
_SHORT_STARTS = 3


def _optional_choice(choices: tuple[str, ...]) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            check_choice(value, attribute.name, choices, func=_FUNC)

    return check


def _optional_unit(low: float, high: float) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            check_real(value, attribute.name, func=_FUNC, low=low, high=high)

    return check


def _optional_bool(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        check_bool(value, attribute.name, func=_FUNC)


def _positive_int(low: int) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        check_int(value, attribute.name, func=_FUNC, low=low)

    return check


def _optional_positive_int(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is not None:
        check_int(value, attribute.name, func=_FUNC, low=1)


def _criterion(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_choice(value, attribute.name, ETS_CRITERIA, func=_FUNC)


def _bounds(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_choice(value, attribute.name, ETS_BOUNDS, func=_FUNC)


@attrs.frozen(kw_only=True)
class ETS:
    """Exponential smoothing state-space models (ETS), fitted to every series of a panel.

    Each component left as ``None`` is chosen per series by the information criterion
    (``criterion``, AICc by default) among the models of Hyndman et al. (2008) that make sense
    for the series, so ``ETS(season_length=7)`` is the automatic model for daily data with a
    weekly cycle. The automatic search never uses a multiplicative trend, never pairs an
    additive error with a multiplicative season (numerically unstable), and uses multiplicative
    components only for strictly positive series: a series with zeros or negative values (returns)
    falls back to the additive version even when ``"mul"`` is requested. A series too short for
    the requested model (fewer than two seasons, or too few observations for its parameters) falls
    back to a simpler one (no season, then no trend, finally ``ETS(A,N,N)``).

    Parameters are estimated by maximum likelihood (the concentrated Gaussian likelihood of
    statsmodels' ``ETSModel`` and R's ``forecast::ets``), jointly with the initial states, with
    each of ``alpha``, ``beta``, ``gamma`` in ``[1e-4, 0.9999]``, ``0.8 <= phi <= 0.98`` and the
    model forecastable (``bounds="admissible"``, the region statsforecast searches), or under the
    traditional bounds ``0 < beta < alpha < 1``, ``0 < gamma < 1 - alpha`` of R's default
    (``bounds="usual"``). The recursion runs as one array operation per time step over a whole
    chunk of series and every finite-difference copy of their parameters; a batched
    Levenberg-Marquardt optimiser updates all series at once.

    With regressors (``panel.x``) the model is a regression with ETS errors,
    ``y = x @ coef + u`` with ``u`` an additive-error ETS process: the coefficients are estimated
    jointly with the ETS parameters, and only additive errors and seasons are used. The
    forecast intervals treat the coefficients as known.

    Parameters
    ----------
    error : {"add", "mul"}, optional
        Error type; selected per series when omitted.
    trend : {"none", "add"}, optional
        Trend type; selected per series when omitted.
    damped : bool, optional
        Damp the trend; selected per series when omitted (only with a trend).
    seasonal : {"none", "add", "mul"}, optional
        Season type; selected per series when omitted (``"none"`` when ``season_length`` is 1).
    season_length : int, default 1
        Steps per seasonal cycle, e.g. 7 for daily data with a weekly pattern.
    alpha, beta, gamma, phi : float, optional
        Hold the level, trend and season smoothing parameters or the damping parameter fixed
        instead of estimating them (each in ``[0, 1]``, ``phi`` in ``(0, 1]``; with
        ``bounds="usual"`` also ``beta <= alpha`` and ``gamma <= 1 - alpha``). Only used by
        models with the component.
    criterion : {"aicc", "aic", "bic"}, default "aicc"
        Information criterion of the model selection.
    bounds : {"admissible", "usual"}, default "admissible"
        Region the smoothing parameters are searched in. ``"admissible"``: each of ``alpha``,
        ``beta`` and ``gamma`` in ``[1e-4, 0.9999]`` by itself (``beta`` may exceed ``alpha``)
        and the model forecastable (the roots of its characteristic polynomial inside the unit
        circle), the region statsforecast's ``AutoETS`` optimiser searches. It admits a level
        that barely moves under a slope that adapts (small ``alpha``, larger ``beta``), which the
        traditional region rules out. ``"usual"``: the traditional bounds (R's
        ``forecast::ets`` default), ``beta <= alpha`` and ``gamma <= 1 - alpha``.
    max_iter : int, default 25
        Maximum optimiser iterations per model and series.
    n_starts : int, optional
        Optimiser runs per model and series, from the best of several screened starting
        points; more runs find better optima of the (multimodal) likelihood at proportional
        cost. By default 3 for series of at most 300 observations and models of at most 20
        parameters (whose likelihoods are the flattest and whose fits are cheap), else 1.
    chunk_size : int, default 4096
        Series processed together; bounds memory (about ``chunk_size * n_time * 80`` bytes).

    Raises
    ------
    InvalidParameterError
        On an unknown component, an inconsistent combination (a damped model without trend, a
        season with ``season_length=1``, a fixed ``beta`` without trend) or fixed parameters
        outside their range.

    See Also
    --------
    ETSFit : the fitted panel returned by :meth:`fit_predict`.

    Notes
    -----
    Hyndman, R. J., Koehler, A. B., Ord, J. K. & Snyder, R. D. (2008). *Forecasting with
    Exponential Smoothing: The State Space Approach*. Springer.

    For multiplicative seasons the seasonal update is that of the state-space model,
    ``s = s[t-m] + gamma * e / (l[t-1] + phi * b[t-1])``, as in R's ``forecast`` and
    statsforecast; statsmodels' ``ETSModel`` smoother divides by the updated level instead, so
    its fitted values differ slightly for those models (its simulations agree with ours).

    Examples
    --------
    >>> import numpy as np
    >>> import omnichannel as oc
    >>> from omnichannel._forecast._base import SeriesPanel
    >>> rng = np.random.default_rng(0)
    >>> week = np.array([5.0, 4, 4, 5, 7, 9, 8])
    >>> y = 20 + np.tile(week, 12) + rng.normal(0, 0.5, (2, 84))
    >>> y[1, :28] = np.nan  # the second series starts four weeks later
    >>> panel = SeriesPanel(y=y, start=np.array([0, 28]))
    >>> fit = oc.ETS(season_length=7).fit_predict(panel, 14)
    >>> fit.mean.shape
    (2, 14)
    >>> all(name.endswith(("A)", "M)")) for name in fit.models)  # weekly season found
    True

    In :func:`forecast_demand` (the usual entry point)::

        fc = oc.forecast_demand(sales, horizon=28, model=oc.ETS(season_length=7))
    """

    error: ETSErrorType | None = attrs.field(
        default=None, validator=_optional_choice(ETS_ERROR_TYPES)
    )
    trend: ETSTrendType | None = attrs.field(
        default=None, validator=_optional_choice(ETS_TREND_TYPES)
    )
    damped: bool | None = attrs.field(default=None, validator=_optional_bool)
    seasonal: ETSSeasonalType | None = attrs.field(
        default=None, validator=_optional_choice(ETS_SEASONAL_TYPES)
    )
    season_length: int = attrs.field(default=1, validator=_positive_int(1))
    alpha: float | None = attrs.field(default=None, validator=_optional_unit(0.0, 1.0))
    beta: float | None = attrs.field(default=None, validator=_optional_unit(0.0, 1.0))
    gamma: float | None = attrs.field(default=None, validator=_optional_unit(0.0, 1.0))
    phi: float | None = attrs.field(default=None, validator=_optional_unit(1e-6, 1.0))
    criterion: ETSCriterion = attrs.field(default="aicc", validator=_criterion)
    bounds: ETSBounds = attrs.field(default="admissible", validator=_bounds)
    max_iter: int = attrs.field(default=25, validator=_positive_int(1))
    n_starts: int | None = attrs.field(default=None, validator=_optional_positive_int)
    chunk_size: int = attrs.field(default=4096, validator=_positive_int(1))

    def __attrs_post_init__(self) -> None:
        def fail(message: str) -> None:
            raise InvalidParameterError(f"{_FUNC}: {message}")

        if self.damped and self.trend == "none":
            fail("damped=True needs a trend; use trend='add' or leave trend unset.")
        if self.seasonal in ("add", "mul") and self.season_length < 2:
            fail(
                f"seasonal={self.seasonal!r} needs season_length >= 2; got "
                f"{self.season_length}. Set season_length to the steps per cycle (7 for a week "
                "of daily data)."
            )
        if self.beta is not None and self.trend == "none":
            fail("beta is the trend smoothing parameter; it needs trend='add' or unset.")
        if self.gamma is not None and (self.seasonal == "none" or self.season_length < 2):
            fail("gamma is the seasonal smoothing parameter; it needs a seasonal model.")
        if self.phi is not None and (self.damped is False or self.trend == "none"):
            fail("phi is the damping parameter; it needs damped=True or damped unset.")
        if self.bounds == "admissible":
            return  # beta and gamma are bounded by themselves, not by alpha
        if self.alpha is not None:
            if self.beta is not None and self.beta > self.alpha:
                fail(f"beta must be <= alpha; got beta={self.beta}, alpha={self.alpha}.")
            if self.gamma is not None and self.gamma > 1 - self.alpha:
                fail(f"gamma must be <= 1 - alpha; got gamma={self.gamma}, alpha={self.alpha}.")
        elif self.beta is not None and self.gamma is not None and self.beta + self.gamma > 1:
            fail(
                "beta + gamma must be <= 1 so that some alpha satisfies beta <= alpha <= 1 - gamma."
            )

    # -- model space -------------------------------------------------------------------------

    def candidates(self, *, regression: bool = False) -> tuple[Spec, ...]:
        """Return the models searched (before per-series restrictions), in a fixed order."""
        m = self.season_length
        errors = [self.error] if self.error else list(ETS_ERROR_TYPES)
        if self.trend == "none":
            trends = [(False, False)]
        elif self.trend == "add":
            trends = [
                (True, d) for d in ([self.damped] if self.damped is not None else [False, True])
            ]
        elif self.damped is True:
            trends = [(True, True)]
        elif self.damped is False:
            trends = [(False, False), (True, False)]
        else:
            trends = [(False, False), (True, False), (True, True)]
        if m < 2:
            seasons = ["none"]
        elif self.seasonal is not None:
            seasons = [self.seasonal]
        else:
            seasons = list(ETS_SEASONAL_TYPES)
        out = []
        for err in errors:
            for has_trend, damped in trends:
                for season in seasons:
                    auto_pair = self.error is None or self.seasonal is None
                    if err == "add" and season == "mul" and auto_pair:
                        continue  # unstable combination, only fitted when asked for explicitly
                    if regression and (err == "mul" or season == "mul"):
                        continue
                    out.append(Spec(err, has_trend, damped, season, m))  # type: ignore[arg-type]
        return tuple(out)

    @property
    def _fixed(self) -> Fixed:
        return Fixed(
            alpha=self.alpha, beta=self.beta, gamma=self.gamma, phi=self.phi, bounds=self.bounds
        )

    # -- fitting -----------------------------------------------------------------------------

    def fit_predict(self, panel: SeriesPanel, horizon: int, *, progress: bool = False) -> ETSFit:
        """Fit the model to every series of ``panel`` and forecast ``horizon`` steps.

        Parameters
        ----------
        panel : SeriesPanel
            The series (``NaN`` only before each series' start) and optional regressors.
        horizon : int
            Steps to forecast, >= 1.
        progress : bool, default False
            Show a progress bar over chunks and candidate models on stderr.

        Returns
        -------
        ETSFit

        Raises
        ------
        InvalidParameterError
            On a bad horizon, a malformed panel, or a multiplicative component requested
            together with regressors.
        """
        func = f"{_FUNC}.fit_predict"
        h = check_int(horizon, "horizon", func=func, low=1)
        assert h is not None
        check_bool(progress, "progress", func=func)
        y, start, x = _check_panel(panel, h)
        n, n_time = y.shape
        regression = x is not None and x.shape[2] > 0
        if regression and (self.error == "mul" or self.seasonal == "mul"):
            raise InvalidParameterError(
                "ETS with regressors uses additive components only; got "
                f"error={self.error!r}, seasonal={self.seasonal!r}. Leave them unset or use "
                "'add'."
            )
        candidates = self.candidates(regression=regression)
        specs = _with_fallbacks(candidates)
        lengths = (n_time - start).astype(np.intp)
        observed = np.arange(n_time)[None, :] >= start[:, None]
        with np.errstate(invalid="ignore"):
            positive = np.all(np.where(observed, y > 0, True), axis=1)
        # Each series is fitted on y / mean|y| (1 for all-zero series) and scaled back.
        scale = np.where(observed, np.abs(np.nan_to_num(y)), 0.0).sum(axis=1) / (n_time - start)
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
        order = np.argsort(-lengths, kind="stable")
        q = 0 if x is None else x.shape[2]
        out = _Outputs.empty(n, n_time, h, q, max(self.season_length, 1))
        n_chunks = -(-n // self.chunk_size)
        bar = _Progress(n_chunks * len(specs), enabled=progress)
        for lo in range(0, n, self.chunk_size):
            rows = order[lo : lo + self.chunk_size]
            self._fit_chunk(
                rows, y, start, x, lengths, positive, scale, candidates, specs, h, out, bar
            )
        bar.close()
        return out.build(specs, panel.x_names if regression else ())

    def _fit_chunk(
        self,
        rows: IntArray,
        y: FloatArray,
        start: IntArray,
        x: FloatArray | None,
        lengths: IntArray,
        positive: BoolArray,
        scale: FloatArray,
        candidates: tuple[Spec, ...],
        specs: tuple[Spec, ...],
        horizon: int,
        out: _Outputs,
        bar: _Progress,
    ) -> None:
        n_time = y.shape[1]
        c = rows.size
        len_c = lengths[rows]
        y_al = _align(y, rows, start[rows], n_time) / scale[rows]
        x_al = None
        if x is not None and x.shape[2] > 0:
            x_al = np.ascontiguousarray(
                np.moveaxis(_align(x, rows, start[rows], n_time + horizon), 2, 1)
            )
        q = 0 if x_al is None else x_al.shape[1]
        fixed = self._fixed
        pos_c = positive[rows]
        usable = np.zeros((len(specs), c), dtype=bool)
        for i, spec in enumerate(specs):
            usable[i] = _eligible(spec, fixed, q, len_c, pos_c)
        n_cand = len(candidates)
        needs_fallback = np.logical_not(usable[:n_cand].any(axis=0))
        usable[n_cand:] &= needs_fallback[None, :]
        # The last resort, ETS(A,N,N), takes every series nothing else fits.
        last = len(specs) - 1
        usable[last] |= ~usable[:last].any(axis=0)
        score = np.full((len(specs), c), np.inf)
        fits: dict[int, SpecFit] = {}
        for i, spec in enumerate(specs):
            sub = np.flatnonzero(usable[i])
            if sub.size:
                related = tuple(
                    f for f in fits.values() if f.spec.season == spec.season and f.spec != spec
                )
                fit = fit_spec(
                    y_al,
                    len_c,
                    x_al,
                    spec,
                    fixed,
                    sub,
                    max_iter=self.max_iter,
                    related=related,
                    n_starts=self._starts(spec, q, len_c),
                )
                fits[i] = fit
                k = fit.layout.n_params
                ll = fit.loglik - len_c[sub] * np.log(scale[rows][sub])
                ic = _criteria(ll, k, len_c[sub])[self.criterion]
                score[i, sub] = np.where(np.isfinite(ic), ic, 1e300)
            bar.update()
        choice = np.argmin(score, axis=0)
        for i, fit in fits.items():
            chosen = choice[fit.rows] == i
            if not chosen.any():
                continue
            local = fit.rows[chosen]
            theta = fit.theta[chosen]
            y_sub = y_al[:, local]
            x_sub = None if x_al is None else x_al[:, :, local]
            fin = finalize(y_sub, len_c[local], x_sub, fit.layout, theta, horizon)
            out.store(
                rows=rows[local],
                start=start[rows[local]],
                spec_code=i,
                layout=fit.layout,
                theta=theta,
                fin=fin,
                lengths=len_c[local],
                scale=scale[rows[local]],
                converged=fit.converged[chosen],
            )

    def _starts(self, spec: Spec, n_reg: int, lengths: IntArray) -> IntArray:
        """Optimiser runs per series for one model."""
        if self.n_starts is not None:
            return np.full(lengths.size, self.n_starts, dtype=np.intp)
        few = Layout(spec, self._fixed, n_reg).n_params <= _FEW_PARAMS
        short = lengths <= _SHORT_SERIES
        out: IntArray = np.where(short & few, _SHORT_STARTS, 1).astype(np.intp)
        return out


# -- helpers ------------------------------------------------------------------------------------


def _check_panel(panel: object, horizon: int) -> tuple[FloatArray, IntArray, FloatArray | None]:
    func = f"{_FUNC}.fit_predict"
    if not isinstance(panel, SeriesPanel):
        raise InvalidParameterError(
            f"The 'panel' parameter of {func} must be a SeriesPanel. Got "
            f"{type(panel).__name__} instead."
        )
    y = np.asarray(panel.y, dtype=np.float64)
    if y.ndim != 2 or y.shape[0] == 0 or y.shape[1] == 0:
        raise InvalidParameterError(
            f"panel.y of {func} must be a non-empty (n_series, n_time) array; got shape {y.shape}."
        )
    n, n_time = y.shape
    start = np.asarray(panel.start)
    if start.shape != (n,) or not np.issubdtype(start.dtype, np.integer):
        raise InvalidParameterError(
            f"panel.start of {func} must be ({n},) integers; got {short_repr(panel.start)}."
        )
    start = start.astype(np.intp)
    bad = (start < 0) | (start >= n_time)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidParameterError(
            f"panel.start of {func} must lie in [0, {n_time - 1}]; series {i} starts at "
            f"{int(start[i])}."
        )
    observed = np.arange(n_time)[None, :] >= start[:, None]
    finite = np.isfinite(y)
    broken = (observed & ~finite).any(axis=1)
    if broken.any():
        i = int(np.flatnonzero(broken)[0])
        raise InvalidParameterError(
            f"panel.y of {func} must be finite from each series' start on; series {i} has "
            f"{int((observed[i] & ~finite[i]).sum())} missing or infinite value(s) after its "
            "start. Fill gaps (e.g. with 0 for no sales) first."
        )
    x = None
    if panel.x is not None:
        x = np.asarray(panel.x, dtype=np.float64)
        q = len(panel.x_names)
        if x.shape != (n, n_time + horizon, q):
            raise InvalidParameterError(
                f"panel.x of {func} must have shape (n_series, n_time + horizon, "
                f"n_regressors) = ({n}, {n_time + horizon}, {q}); got {x.shape}."
            )
        if not np.isfinite(x).all():
            raise InvalidParameterError(f"panel.x of {func} must be finite everywhere.")
    return y, start, x


def _align(values: FloatArray, rows: IntArray, start: IntArray, width: int) -> Any:
    """Time-major copy of ``values[rows]`` shifted so each series starts at row 0.

    ``values`` is ``(n, T[, q])``; the result is ``(width, len(rows)[, q])``, zero-padded
    beyond the end of ``values``.
    """
    src_width = values.shape[1]
    cols = start[:, None] + np.arange(width)[None, :]
    valid = cols < src_width
    taken = values[rows[:, None], np.minimum(cols, src_width - 1)]
    mask = valid if taken.ndim == 2 else valid[:, :, None]
    return np.ascontiguousarray(np.swapaxes(np.where(mask, taken, 0.0), 0, 1))


def _eligible(
    spec: Spec, fixed: Fixed, n_reg: int, lengths: IntArray, positive: BoolArray
) -> BoolArray:
    k = Layout(spec, fixed, n_reg).n_params
    ok: BoolArray = lengths >= k + 2
    if spec.seasonal:
        ok &= lengths >= 2 * spec.m
    if spec.error == "mul" or spec.season == "mul":
        ok &= positive
    return ok


def _with_fallbacks(candidates: tuple[Spec, ...]) -> tuple[Spec, ...]:
    """Candidates, then simpler models for series none of them fits, ending with ETS(A,N,N)."""
    extra: list[Spec] = []
    for spec in candidates:
        steps = [
            attrs.evolve(spec, error="add", season="add" if spec.seasonal else "none"),
            attrs.evolve(spec, error="add", season="none", m=1),
            attrs.evolve(spec, error="add", season="none", m=1, trend=False, damped=False),
        ]
        extra.extend(s for s in steps if s not in candidates and s not in extra)
    last = Spec("add", False, False, "none", 1)
    ordered = [*candidates, *(s for s in extra if s != last)]
    ordered = [s for s in ordered if s != last]
    return (*ordered, last)


def _criteria(loglik: FloatArray, k: int, nobs: IntArray) -> dict[str, FloatArray]:
    n = nobs.astype(np.float64)
    aic = -2.0 * loglik + 2.0 * k
    denom = n - k - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        aicc = np.where(denom > 0, aic + 2.0 * k * (k + 1) / denom, np.inf)
    bic = -2.0 * loglik + k * np.log(np.maximum(n, 1.0))
    return {"aic": aic, "aicc": aicc, "bic": bic}


@attrs.define
class _Outputs:
    """Per-series result arrays filled chunk by chunk, in panel order."""

    mean: FloatArray
    fitted: FloatArray
    code: IntArray
    arrays: dict[str, FloatArray]
    season_next: FloatArray
    coef: FloatArray
    regression: FloatArray
    converged: BoolArray

    @classmethod
    def empty(cls, n: int, n_time: int, horizon: int, q: int, m: int) -> _Outputs:
        names = [
            "alpha", "beta", "gamma", "phi", "sigma2", "loglik", "aic", "aicc", "bic",
            "n_params", "nobs", "initial_level", "initial_trend", "level", "trend",
        ]  # fmt: skip
        return cls(
            mean=np.full((n, horizon), np.nan),
            fitted=np.full((n, n_time), np.nan),
            code=np.zeros(n, dtype=np.intp),
            arrays={name: np.full(n, np.nan) for name in names},
            season_next=np.zeros((n, m)),
            coef=np.zeros((n, q)),
            regression=np.zeros((n, horizon)),
            converged=np.zeros(n, dtype=bool),
        )

    def store(
        self,
        *,
        rows: IntArray,
        start: IntArray,
        spec_code: int,
        layout: Layout,
        theta: FloatArray,
        fin: Final,
        lengths: IntArray,
        scale: FloatArray,
        converged: BoolArray,
    ) -> None:
        spec = layout.spec
        n_time = self.fitted.shape[1]
        self.code[rows] = spec_code
        self.converged[rows] = converged
        self.mean[rows] = fin.mean * scale[:, None]
        fitted = fin.fitted.T * scale[:, None]
        cols = start[:, None] + np.arange(fitted.shape[1])[None, :]
        valid = (cols < n_time) & (np.arange(fitted.shape[1])[None, :] < lengths[:, None])
        self.fitted[np.broadcast_to(rows[:, None], cols.shape)[valid], cols[valid]] = fitted[valid]
        smooth = layout.smoothing_values(theta)
        for name in ("alpha", "beta", "gamma", "phi"):
            self.arrays[name][rows] = smooth[name]
        nobs = np.maximum(lengths, 1).astype(np.float64)
        add_scale = scale if spec.error == "add" else np.ones_like(scale)
        self.arrays["sigma2"][rows] = fin.sse / nobs * add_scale**2
        f = fin.sse if fin.logsum is None else fin.sse * np.exp(2.0 * fin.logsum / nobs)
        loglik = loglik_from_f(f, lengths) - lengths * np.log(scale)
        crit = _criteria(loglik, layout.n_params, lengths)
        self.arrays["loglik"][rows] = loglik
        for name in ("aic", "aicc", "bic"):
            self.arrays[name][rows] = crit[name]
        self.arrays["n_params"][rows] = layout.n_params
        self.arrays["nobs"][rows] = lengths
        j = layout.n_smooth
        self.arrays["initial_level"][rows] = theta[:, j] * scale
        self.arrays["initial_trend"][rows] = theta[:, j + 1] * scale if spec.trend else 0.0
        self.arrays["level"][rows] = fin.level * scale
        self.arrays["trend"][rows] = fin.trend * scale if spec.trend else 0.0
        season = fin.season_next.T
        if spec.season == "add":
            season = season * scale[:, None]
        if spec.seasonal:
            self.season_next[rows, : season.shape[1]] = season
        else:
            self.season_next[rows] = 0.0
        if layout.n_reg:
            self.coef[rows] = theta[:, layout.p - layout.n_reg :] * scale[:, None]
            self.regression[rows] = fin.regression * scale[:, None]

    def build(self, specs: tuple[Spec, ...], x_names: tuple[str, ...]) -> ETSFit:
        a = self.arrays
        # A multiplicative error's sigma is already relative to the level.
        additive = np.array([spec.error == "add" for spec in specs], dtype=bool)
        per_row = additive[self.code] if self.code.size else np.zeros(0, dtype=bool)
        size = np.where(per_row, a["level"], 1.0)
        sigma = borrowed_scale(np.sqrt(a["sigma2"]), size, a["nobs"] > 1)
        a["sigma2"] = sigma**2
        return ETSFit(
            mean=self.mean,
            fitted=self.fitted,
            specs=specs,
            code=self.code,
            alpha=a["alpha"],
            beta=a["beta"],
            gamma=a["gamma"],
            phi=a["phi"],
            sigma2=a["sigma2"],
            loglik=a["loglik"],
            aic=a["aic"],
            aicc=a["aicc"],
            bic=a["bic"],
            n_params=a["n_params"].astype(np.intp),
            nobs=a["nobs"].astype(np.intp),
            initial_level=a["initial_level"],
            initial_trend=a["initial_trend"],
            level=a["level"],
            trend=a["trend"],
            season_next=self.season_next,
            coef=self.coef,
            x_names=x_names,
            regression=self.regression,
            converged=self.converged,
        )


class _Progress:
    """A minimal progress bar on stderr (tqdm when it is installed)."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.enabled = enabled
        self._tqdm: Any = None
        if enabled:
            try:
                from tqdm import tqdm  # type: ignore[import-untyped]
            except ImportError:
                self._draw()
            else:
                self._tqdm = tqdm(total=self.total, desc="ETS", unit="fit", file=sys.stderr)

    def _draw(self) -> None:
        width = 30
        filled = int(width * self.done / self.total)
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\rETS [{bar}] {self.done}/{self.total}")
        sys.stderr.flush()

    def update(self) -> None:
        if not self.enabled:
            return
        self.done += 1
        if self._tqdm is not None:
            self._tqdm.update(1)
        else:
            self._draw()

    def close(self) -> None:
        if not self.enabled:
            return
        if self._tqdm is not None:
            self._tqdm.close()
        else:
            sys.stderr.write("\n")
            sys.stderr.flush()


def fit_with_parameters(
    panel: SeriesPanel,
    horizon: int,
    spec: Spec,
    *,
    alpha: float,
    beta: float = 0.0,
    gamma: float = 0.0,
    phi: float = 1.0,
    level: FloatArray,
    trend: FloatArray | None = None,
    season: FloatArray | None = None,
) -> ETSFit:
    """Filter and forecast with every parameter and initial state given (no estimation).

    ``level``, ``trend`` are ``(n,)``; ``season`` is ``(n, m)`` with column ``j`` the seasonal
    state used at a series' ``j``-th observation (statsmodels' ``initial_seasonal`` reversed).
    The season is renormalised (shifting or scaling the level), which leaves the fit unchanged.
    For tests and for reproducing a published fit.
    """
    h = check_int(horizon, "horizon", func="fit_with_parameters", low=1)
    assert h is not None
    y, start, _ = _check_panel(panel, h)
    n, n_time = y.shape
    fixed = Fixed(
        alpha=alpha,
        beta=beta if spec.trend else None,
        gamma=gamma if spec.seasonal else None,
        phi=phi if spec.damped else None,
    )
    layout = Layout(spec, fixed, 0)
    lvl = np.broadcast_to(np.asarray(level, dtype=np.float64), (n,)).copy()
    parts = [lvl[:, None]]
    if spec.trend:
        slope = np.broadcast_to(np.asarray(trend, dtype=np.float64), (n,)).copy()
        parts.append(slope[:, None])
    if spec.seasonal:
        s = np.broadcast_to(np.asarray(season, dtype=np.float64), (n, spec.m)).copy()
        if spec.season == "mul":
            c = s.mean(axis=1)
            s /= c[:, None]
            parts[0] = parts[0] * c[:, None]
            if spec.trend:
                parts[1] = parts[1] * c[:, None]
        else:
            c = s.mean(axis=1)
            s -= c[:, None]
            parts[0] = parts[0] + c[:, None]
        parts.append(s[:, : spec.m - 1])
    theta = np.hstack(parts)
    lengths = (n_time - start).astype(np.intp)
    order = np.argsort(-lengths, kind="stable")
    y_al = _align(y, order, start[order], n_time)
    out = _Outputs.empty(n, n_time, h, 0, max(spec.m, 1))
    fin = finalize(y_al, lengths[order], None, layout, theta[order], h)
    out.store(
        rows=order,
        start=start[order],
        spec_code=0,
        layout=layout,
        theta=theta[order],
        fin=fin,
        lengths=lengths[order],
        scale=np.ones(n),
        converged=np.ones(n, dtype=bool),
    )
    return out.build((spec,), ())
