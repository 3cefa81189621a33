"""The fitted marketing-mix model: coefficients, contributions, ROI and the response surface."""

from __future__ import annotations

from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from .._exceptions import InvalidParameterError
from .._plotting import new_axes
from .._validation import (
    Column,
    FrameSchema,
    as_generator,
    check_choice,
    check_frame,
    check_int,
    short_repr,
)
from ._mix_fit import (
    Design,
    base_matrix,
    carry_forward,
    fit_all,
    media_terms,
    spend_features,
)
from ._transforms import Adstock, Saturation

__all__ = ["MixModel"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
PlotKind = Literal["fit", "contributions"]
_PLOT_KINDS: tuple[PlotKind, ...] = ("fit", "contributions")


def _frozen(value: npt.ArrayLike) -> FloatArray:
    array = np.array(value, dtype=np.float64)
    array.flags.writeable = False
    return array


@attrs.frozen(eq=False)
class _Fit:
    """Arrays of one fit on the KPI's own scale (point estimate or bootstrap draws)."""

    coef: FloatArray  # (..., n_coef): baseline, channels, pairs, [kpi_lag]
    params: FloatArray  # (..., k, P)


@attrs.frozen(eq=False, kw_only=True)
class MixModel:
    r"""A fitted marketing-mix model with pairwise media interactions.

    The weekly KPI is modelled as

    .. math:: y_t = b_t + \sum_c \beta_c s_c(t) + \sum_{a<b} \beta_{ab} s_a(t) s_b(t)
              [+ \lambda y_{t-1}] + \varepsilon_t,
              \qquad s_c = \text{saturation}_c(\text{adstock}_c(x_c / m_c)),

    with baseline :math:`b_t` (intercept, trend, yearly Fourier terms and controls), spend
    :math:`x_c` divided by its scale :math:`m_c` (``spend_scale``). Build it with
    :func:`~omnichannel.fit_mix_model`.

    Attributes
    ----------
    kpi, date : str
        Names of the KPI and date columns.
    channels : tuple of str
        Media channels, in the order of every per-channel array.
    controls : tuple of str
        Control columns of the baseline.
    interactions : tuple of (str, str)
        Modelled pairs ``(a, b)``, ``a`` before ``b`` in ``channels``.
    adstock, saturation : transform options
        The options fitted (parameters left None were estimated).
    carryover_kpi : bool
        Whether the lagged KPI :math:`\lambda y_{t-1}` is in the model (then the first week
        of the data only serves as the lag and adstock history).
    dates : pandas.DatetimeIndex
        The modelled weeks.
    spend : numpy.ndarray
        Raw spend ``(n_weeks, k)`` of the modelled weeks.
    spend_scale : numpy.ndarray
        Divisor of each channel's spend before the transforms.
    observed, fitted : numpy.ndarray
        KPI and fitted values of the modelled weeks.
    coef, coef_names, coef_cov : numpy.ndarray, tuple of str, numpy.ndarray
        Linear coefficients (``intercept``, ``trend``, ``season_sin1``, ``season_cos1``, ...,
        controls, channels, interactions ``"a:b"``, ``kpi_lag``), their names and their
        covariance.
    params, param_names, param_cov : numpy.ndarray, tuple of str, numpy.ndarray
        Transform parameters ``(k, n_param)``, their names (adstock then saturation), and the
        covariance ``(k * n_param, k * n_param)`` of the flattened parameters (zero where fixed).
    boot_coef, boot_params : numpy.ndarray
        Bootstrap draws ``(n_boot, n_coef)`` and ``(n_boot, k, n_param)``.
    sigma : float
        Residual standard deviation.
    df_resid : int
        Residual degrees of freedom: weeks minus every estimated parameter.
    level : float
        Confidence level of the intervals.
    block_length : int
        Block length of the moving-block residual bootstrap.

    Notes
    -----
    Standard errors come from the classical nonlinear least-squares covariance
    :math:`\hat\sigma^2 (J^\top J)^{-1}`, with :math:`J` the Jacobian of the fitted values in all
    estimated parameters, so they account for the estimated transforms. Intervals are bootstrap
    percentiles when ``n_boot > 0`` and Wald (t) intervals otherwise; p-values are Wald t-tests.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> rng = np.random.default_rng(0)
    >>> spend = rng.gamma(2.0, 50.0, size=(104, 2))
    >>> s = oc.Hill(half_saturation=0.3, slope=1.0).transform(spend / spend.max(axis=0))
    >>> data = pd.DataFrame(
    ...     {
    ...         "date": pd.date_range("2022-01-02", periods=104, freq="W"),
    ...         "search": spend[:, 0],
    ...         "social": spend[:, 1],
    ...         "sales": 100 + s @ [40.0, 20.0] + rng.normal(0, 1, 104),
    ...     }
    ... )
    >>> model = oc.fit_mix_model(
    ...     data,
    ...     kpi="sales",
    ...     media=["search", "social"],
    ...     adstock=oc.Geometric(alpha=0.0, l_max=1),
    ...     saturation=oc.Hill(slope=1.0),
    ...     interactions=None,
    ...     trend=False,
    ...     seasonality=None,
    ...     n_boot=0,
    ...     seed=1,
    ... )
    >>> model.coefficients()[["term", "estimate"]].round(-1)
         term  estimate
    0  intercept     100.0
    1     search      40.0
    2     social      20.0
    """

    kpi: str
    date: str
    channels: tuple[str, ...]
    controls: tuple[str, ...]
    interactions: tuple[tuple[str, str], ...]
    adstock: Adstock
    saturation: Saturation
    carryover_kpi: bool
    dates: pd.DatetimeIndex
    spend: FloatArray = attrs.field(converter=_frozen)
    spend_scale: FloatArray = attrs.field(converter=_frozen)
    observed: FloatArray = attrs.field(converter=_frozen)
    fitted: FloatArray = attrs.field(converter=_frozen)
    coef: FloatArray = attrs.field(converter=_frozen)
    coef_names: tuple[str, ...]
    coef_cov: FloatArray = attrs.field(converter=_frozen)
    params: FloatArray = attrs.field(converter=_frozen)
    param_names: tuple[str, ...]
    param_cov: FloatArray = attrs.field(converter=_frozen)
    boot_coef: FloatArray = attrs.field(converter=_frozen)
    boot_params: FloatArray = attrs.field(converter=_frozen)
    sigma: float
    df_resid: int
    level: float
    block_length: int
    _design: Design = attrs.field(repr=False, alias="design")
    _y_all: FloatArray = attrs.field(repr=False, alias="y_all", converter=_frozen)
    _features: FloatArray = attrs.field(repr=False, alias="features", converter=_frozen)

    # --- construction ----------------------------------------------------------------------

    @classmethod
    def _fit(
        cls,
        design: Design,
        y_all: FloatArray,
        *,
        n_boot: int,
        block_length: int,
        level: float,
        rng: np.random.Generator,
    ) -> MixModel:
        """Estimate everything for ``y_all`` (every week of the data) and build the result."""
        fit = fit_all(design, y_all, n_boot=n_boot, block_length=block_length, rng=rng)
        first = design.first
        return cls(
            kpi=design.kpi,
            date=design.date,
            channels=design.channels,
            controls=design.controls,
            interactions=tuple(
                (design.channels[a], design.channels[b]) for a, b in design.pairs.tolist()
            ),
            adstock=design.adstock,
            saturation=design.saturation,
            carryover_kpi=design.carryover,
            dates=design.dates[first:],
            spend=design.spend[first:],
            spend_scale=design.spend_scale,
            observed=y_all[first:],
            fitted=fit.fitted,
            coef=fit.coef,
            coef_names=fit.coef_names,
            coef_cov=fit.coef_cov,
            params=fit.params,
            param_names=(*design.adstock.param_names, *design.saturation.param_names),
            param_cov=fit.param_cov,
            boot_coef=fit.boot_coef,
            boot_params=fit.boot_params,
            sigma=fit.sigma,
            df_resid=fit.df_resid,
            level=level,
            block_length=block_length,
            design=design,
            y_all=y_all,
            features=fit.features,
        )

    def refit(
        self, y: npt.ArrayLike, *, n_boot: int = 0, seed: int | np.random.Generator = 0
    ) -> MixModel:
        """Fit the same model (spend, controls, options) to another KPI series.

        The fast path for simulation studies: no frame is validated or rebuilt.

        Parameters
        ----------
        y : array of float
            KPI of every week of the training data: ``len(dates)`` values, plus the first week
            (the lag of the second) first when ``carryover_kpi``.
        n_boot : int, default 0
            Bootstrap replicates of the new fit.
        seed : int or numpy.random.Generator, default 0
            Randomness of the search starts and the bootstrap.

        Returns
        -------
        MixModel

        Examples
        --------
        >>> import numpy as np
        >>> import omnichannel as oc
        >>> world = oc.simulate_retailer(n_customers=200, seed=1)
        >>> spend = world.spend.pivot(index="date", columns="channel", values="spend")
        >>> data = spend.assign(revenue=world.kpi["revenue"].to_numpy()).reset_index()
        >>> model = oc.fit_mix_model(
        ...     data, kpi="revenue", media=["search", "tv"], n_boot=0, seed=1
        ... )
        >>> sim = model.fitted + np.random.default_rng(2).normal(0, model.sigma, model.fitted.size)
        >>> model.refit(sim, seed=3).coef.shape == model.coef.shape
        True
        """
        values = np.asarray(y, dtype=np.float64)
        n_all = self._design.n_all
        if values.shape != (n_all,) or not np.isfinite(values).all():
            raise InvalidParameterError(
                f"The 'y' parameter of MixModel.refit must be {n_all} finite values, one per week "
                f"of the training data. Got shape {values.shape}."
            )
        boot = check_int(n_boot, "n_boot", func="MixModel.refit", low=0)
        assert boot is not None
        rng = as_generator(seed, func="MixModel.refit")
        return MixModel._fit(
            self._design,
            values,
            n_boot=boot,
            block_length=self.block_length,
            level=self.level,
            rng=rng,
        )

    # --- simple views ----------------------------------------------------------------------

    @property
    def n_boot(self) -> int:
        """Number of bootstrap replicates."""
        return int(self.boot_coef.shape[0])

    @property
    def n_obs(self) -> int:
        """Number of modelled weeks."""
        return int(self.fitted.size)

    @property
    def residuals(self) -> FloatArray:
        """Observed minus fitted KPI."""
        return self.observed - self.fitted

    @property
    def r_squared(self) -> float:
        """Share of the KPI's variance the model explains."""
        centred = self.observed - self.observed.mean()
        return float(1.0 - (self.residuals @ self.residuals) / (centred @ centred))

    @property
    def pair_index(self) -> IntArray:
        """Channel positions ``(n_pairs, 2)`` of each interaction pair."""
        return self._design.pairs.copy()

    @property
    def _p_base(self) -> int:
        return int(self._design.base.shape[1])

    @property
    def beta(self) -> FloatArray:
        """Channel coefficients (maximum weekly effect of each channel alone)."""
        return self.coef[self._p_base : self._p_base + len(self.channels)].copy()

    @property
    def beta_interaction(self) -> FloatArray:
        """Interaction coefficients, one per pair."""
        start = self._p_base + len(self.channels)
        return self.coef[start : start + len(self.interactions)].copy()

    @property
    def kpi_lag(self) -> float:
        """Coefficient of last week's KPI (0 without ``carryover_kpi``)."""
        return float(self.coef[-1]) if self.carryover_kpi else 0.0

    # --- response surface ------------------------------------------------------------------

    def _sets(self, draws: bool) -> _Fit:
        if not draws:
            return _Fit(coef=self.coef[None], params=self.params[None])
        if not self.n_boot:
            raise InvalidParameterError(
                "draws=True needs bootstrap draws; this model was fitted with n_boot=0."
            )
        return _Fit(coef=self.boot_coef, params=self.boot_params)

    def _check_spend(self, spend: npt.ArrayLike, func: str, n_weeks: int | None) -> FloatArray:
        array = np.asarray(spend, dtype=np.float64)
        k = len(self.channels)
        bad_shape = array.ndim < 2 or array.shape[-1] != k
        if not bad_shape and n_weeks is not None and array.shape[-2] != n_weeks:
            bad_shape = True
        if bad_shape:
            weeks = n_weeks if n_weeks is not None else "n_weeks"
            raise InvalidParameterError(
                f"The 'spend' parameter of MixModel.{func} must have shape (..., {weeks}, {k}): "
                f"weeks, then one column per channel {short_repr(list(self.channels))}. Got "
                f"shape {array.shape}."
            )
        if not np.isfinite(array).all() or (array < 0).any():
            raise InvalidParameterError(
                f"The 'spend' parameter of MixModel.{func} must be finite and >= 0."
            )
        return array

    def saturated(self, spend: npt.ArrayLike, *, draws: bool = False) -> FloatArray:
        """Saturated adstock ``s`` of each channel for a spend array.

        Parameters
        ----------
        spend : array of float
            Raw spend ``(..., n_weeks, k)``, channels in the order of ``channels``. Adstock
            assumes no spend before the first week.
        draws : bool, default False
            Use every bootstrap draw of the transform parameters (a leading axis of n_boot).

        Returns
        -------
        numpy.ndarray
            ``(..., n_weeks, k)``, or ``(n_boot, ..., n_weeks, k)`` with ``draws``.
        """
        array = self._check_spend(spend, "saturated", None)
        sets = self._sets(draws)
        out = np.moveaxis(spend_features(self._design, array, sets.params), -2, -1)
        return out if draws else out[0]

    def media_effect(self, spend: npt.ArrayLike, *, draws: bool = False) -> FloatArray:
        """Sum of the channel and interaction terms for any spend array.

        No baseline and no KPI-lag dynamics; adstock assumes no spend before the first week.

        Parameters
        ----------
        spend : array of float
            Raw spend ``(..., n_weeks, k)``.
        draws : bool, default False
            Evaluate every bootstrap draw (a leading axis of n_boot).

        Returns
        -------
        numpy.ndarray
            ``(..., n_weeks)``, or ``(n_boot, ..., n_weeks)`` with ``draws``.
        """
        array = self._check_spend(spend, "media_effect", None)
        sets = self._sets(draws)
        out = media_terms(self._design, spend_features(self._design, array, sets.params), sets.coef)
        return out if draws else out[0]

    def _history(self) -> FloatArray:
        return self._design.spend[: self._design.first]

    def _baseline_fit(self, coef: FloatArray) -> FloatArray:
        """One-step fitted values without media: ``(D, n)`` (with the observed KPI lag)."""
        first = self._design.first
        base = self._design.base[first:] @ coef[:, : self._p_base].T
        if self.carryover_kpi:
            base = base + np.outer(self._y_all[:-1], coef[:, -1])
        out: FloatArray = base.T
        return out

    def response(self, spend: npt.ArrayLike, *, draws: bool = False) -> FloatArray:
        """Predicted KPI of the training weeks under other spend: the fitted response surface.

        The baseline and controls stay as fitted; only media change. At ``spend=model.spend``
        the result equals ``fitted``. With ``carryover_kpi`` the change in the media terms is
        carried forward through the KPI lag (the residual history is kept).

        Parameters
        ----------
        spend : array of float
            Raw spend ``(..., n_weeks, k)`` over the modelled weeks (``len(dates)``). To switch
            channels off, set their spend to zero, e.g. ``model.spend * mask`` with a 0/1
            ``mask`` of shape ``(n_coalitions, 1, k)``.
        draws : bool, default False
            Evaluate every bootstrap draw (a leading axis of n_boot).

        Returns
        -------
        numpy.ndarray
            ``(..., n_weeks)``, or ``(n_boot, ..., n_weeks)`` with ``draws``.

        Examples
        --------
        >>> import numpy as np
        >>> import omnichannel as oc
        >>> world = oc.simulate_retailer(n_customers=200, seed=1)
        >>> spend = world.spend.pivot(index="date", columns="channel", values="spend")
        >>> data = spend.assign(revenue=world.kpi["revenue"].to_numpy()).reset_index()
        >>> model = oc.fit_mix_model(data, kpi="revenue", media=["search", "tv"], n_boot=0)
        >>> masks = np.array([[0, 0], [1, 0], [0, 1], [1, 1]])[:, None, :]
        >>> surface = model.response(model.spend * masks)
        >>> surface.shape
        (4, 104)
        >>> bool(np.allclose(surface[3], model.fitted))
        True
        """
        n = self.n_obs
        array = self._check_spend(spend, "response", n)
        sets = self._sets(draws)
        history = self._history()
        full = np.concatenate(
            [np.broadcast_to(history, (*array.shape[:-2], *history.shape)), array], axis=-2
        )
        first = self._design.first
        new = media_terms(self._design, spend_features(self._design, full, sets.params), sets.coef)[
            ..., first:
        ]
        train = media_terms(
            self._design, spend_features(self._design, self._design.spend, sets.params), sets.coef
        )
        train = train[..., first:]
        lead = (1,) * (array.ndim - 2)
        d = sets.coef.shape[0]
        base = (self._baseline_fit(sets.coef) + train).reshape(d, *lead, n)
        change = new - train.reshape(d, *lead, n)
        if self.carryover_kpi:
            change = carry_forward(change, sets.coef[:, -1].reshape(d, *lead, 1))
        out: FloatArray = base + change
        return out if draws else out[0]

    def predict(self, new_data: pd.DataFrame) -> pd.Series[float]:
        """Predicted KPI for a wide weekly frame with the date, media and control columns.

        Adstock starts from zero spend before the first row, so include the weeks before the
        period of interest. With ``carryover_kpi`` the frame also needs the KPI column (last
        week's KPI is a regressor) and the first row gets no prediction. On the training data
        the prediction equals ``fitted``.

        Parameters
        ----------
        new_data : pandas.DataFrame
            One row per week, sorted by date.

        Returns
        -------
        pandas.Series
            Predicted KPI, indexed like ``new_data`` (without its first row with
            ``carryover_kpi``), named after the KPI.

        Raises
        ------
        SchemaError
            On missing columns, missing values, negative spend or unsorted dates.
        """
        columns = [
            Column(self.date, "datetime"),
            *(Column(c, "count") for c in self.channels),
            *(Column(c, "number") for c in self.controls),
        ]
        if self.carryover_kpi:
            columns.append(Column(self.kpi, "number"))
        schema = FrameSchema("new_data", tuple(columns), key=(self.date,))
        frame = check_frame(new_data, schema, sorted_by=(self.date,))
        dates = pd.DatetimeIndex(frame[self.date])
        controls = frame[list(self.controls)].to_numpy(dtype=np.float64)
        base, _ = base_matrix(
            dates,
            controls,
            self.controls,
            origin=self._design.origin,
            trend=self._design.trend,
            seasonality=self._design.seasonality,
        )
        spend = frame[list(self.channels)].to_numpy(dtype=np.float64)
        value = base @ self.coef[: self._p_base]
        value = (
            value
            + media_terms(
                self._design,
                spend_features(self._design, spend, self.params[None]),
                self.coef[None],
            )[0]
        )
        index = frame.index
        if self.carryover_kpi:
            value = value[1:] + self.kpi_lag * frame[self.kpi].to_numpy(dtype=np.float64)[:-1]
            index = index[1:]
        return pd.Series(value, index=index, name=self.kpi)

    def response_curve(self, channel: str, spend_grid: npt.ArrayLike) -> pd.DataFrame:
        """Steady-state weekly response of one channel alone to a constant weekly spend.

        With the same spend every week the adstock settles at spend times the sum of its
        weights; the response is the channel's coefficient times the saturation of that level
        (divided by ``1 - kpi_lag`` with ``carryover_kpi``: the long-run effect). Interactions
        are left out (the other channels are off).

        Parameters
        ----------
        channel : str
            One of ``channels``.
        spend_grid : array of float
            Weekly spend levels, >= 0.

        Returns
        -------
        pandas.DataFrame
            ``channel``, ``spend``, ``response`` and the bootstrap ``lower``/``upper`` bounds
            (NaN without bootstrap).
        """
        name = check_choice(channel, "channel", self.channels, func="MixModel.response_curve")
        grid = np.asarray(spend_grid, dtype=np.float64).ravel()
        if not np.isfinite(grid).all() or (grid < 0).any():
            raise InvalidParameterError(
                "The 'spend_grid' parameter of MixModel.response_curve must be finite and >= 0. "
                f"Got {short_repr(grid.tolist())}."
            )
        c = self.channels.index(name)

        def curve(coef: FloatArray, params: FloatArray) -> FloatArray:
            n_ad = len(self.adstock.param_names)
            gain = self.adstock.weights(params[:, c, :n_ad]).sum(axis=-1)
            level = gain[:, None] * grid / self.spend_scale[c]
            sat = self.saturation.apply(level, params[:, c, n_ad:])
            out: FloatArray = coef[:, self._p_base + c, None] * sat
            if self.carryover_kpi:
                out = out / (1.0 - coef[:, -1, None])
            return out

        point = curve(self.coef[None], self.params[None])[0]
        lower = upper = np.full(grid.size, np.nan)
        if self.n_boot:
            lower, upper = self._interval(curve(self.boot_coef, self.boot_params))
        return pd.DataFrame(
            {"channel": name, "spend": grid, "response": point, "lower": lower, "upper": upper}
        )

    # --- tables ----------------------------------------------------------------------------

    def _interval(self, draws: FloatArray) -> tuple[FloatArray, FloatArray]:
        tail = (1.0 - self.level) / 2.0
        low, high = np.nanquantile(draws, [tail, 1.0 - tail], axis=0)
        return low, high

    def coefficients(self) -> pd.DataFrame:
        """Linear coefficients: ``term``, ``estimate``, ``std_error``, ``lower``, ``upper``, ``p_value``.

        Intervals are bootstrap percentiles (Wald t intervals without bootstrap); p-values are
        two-sided Wald t-tests with ``df_resid`` degrees of freedom.
        """  # noqa: E501
        se = np.sqrt(np.maximum(np.diag(self.coef_cov), 0.0))
        lower, upper = self._bounds(self.coef, se, self.boot_coef)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = self.coef / se
        p = 2.0 * stats.t.sf(np.abs(t), max(self.df_resid, 1))
        return pd.DataFrame(
            {
                "term": list(self.coef_names),
                "estimate": self.coef,
                "std_error": se,
                "lower": lower,
                "upper": upper,
                "p_value": p,
            }
        )

    def _bounds(
        self, estimate: FloatArray, se: FloatArray, draws: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        if draws.shape[0]:
            return self._interval(draws)
        q = float(stats.t.ppf(0.5 + self.level / 2.0, max(self.df_resid, 1)))
        return estimate - q * se, estimate + q * se

    def transform_params(self) -> pd.DataFrame:
        """Transform parameters: ``channel``, ``parameter``, ``estimate``, ``std_error``, ``lower``, ``upper``, ``fixed``.

        Fixed parameters have zero standard error and the given value as both bounds.
        """  # noqa: E501
        k, n_param = self.params.shape
        flat = self.params.ravel()
        se = np.sqrt(np.maximum(np.diag(self.param_cov), 0.0))
        lower, upper = self._bounds(flat, se, self.boot_params.reshape(self.n_boot, flat.size))
        fixed = ~self._design.free.ravel()
        return pd.DataFrame(
            {
                "channel": np.repeat(list(self.channels), n_param),
                "parameter": list(self.param_names) * k,
                "estimate": flat,
                "std_error": se,
                "lower": np.where(fixed, flat, lower),
                "upper": np.where(fixed, flat, upper),
                "fixed": fixed,
            }
        )

    def _terms(self, coef: FloatArray, features: FloatArray) -> tuple[list[str], FloatArray]:
        """Contribution of every term ``(n_terms, n)`` for one coefficient set."""
        first = self._design.first
        design = self._design
        n_controls = len(self.controls)
        p_core = self._p_base - n_controls
        base = design.base[first:]
        rows = [base[:, :p_core] @ coef[:p_core]]
        rows += [base[:, p_core + j] * coef[p_core + j] for j in range(n_controls)]
        feats = features[:, first:]
        k = len(self.channels)
        rows += [feats[c] * coef[self._p_base + c] for c in range(k)]
        pairs = design.pairs
        rows += [
            feats[a] * feats[b] * coef[self._p_base + k + j]
            for j, (a, b) in enumerate(pairs.tolist())
        ]
        names = [
            "baseline",
            *self.controls,
            *self.channels,
            *(f"{a}:{b}" for a, b in self.interactions),
        ]
        terms = np.array(rows)
        if self.carryover_kpi:
            terms = carry_forward(terms, coef[-1])
        return names, terms

    def contributions(self) -> pd.DataFrame:
        """Weekly contribution of every term: long frame ``date``, ``term``, ``contribution``.

        Terms: ``baseline`` (intercept, trend and seasonality), each control, each channel,
        each interaction ``"a:b"`` and, with ``carryover_kpi``, ``kpi_carryover``. With
        ``carryover_kpi`` every term is carried forward through the KPI lag (its long-run
        effect) and ``kpi_carryover`` holds the rest of the lagged KPI (the starting level and
        past noise). The contributions of a week sum to its fitted value.
        """
        names, terms = self._terms(self.coef, self._features)
        if self.carryover_kpi:
            names = [*names, "kpi_carryover"]
            terms = np.vstack([terms, self.fitted - terms.sum(axis=0)])
        n = self.n_obs
        return pd.DataFrame(
            {
                "date": np.tile(self.dates.to_numpy(), len(names)),
                "term": np.repeat(names, n),
                "contribution": terms.ravel(),
            }
        )

    def _channel_totals(self, coef: FloatArray, params: FloatArray) -> FloatArray:
        """Total contribution per channel, each interaction shared half and half."""
        features = spend_features(self._design, self._design.spend, params[None])[0]
        _, terms = self._terms(coef, features)
        k = len(self.channels)
        start = 1 + len(self.controls)
        totals = terms[start : start + k].sum(axis=1)
        inter = terms[start + k :].sum(axis=1)
        for j, (a, b) in enumerate(self._design.pairs.tolist()):
            totals[a] += inter[j] / 2.0
            totals[b] += inter[j] / 2.0
        out: FloatArray = totals
        return out

    def roi(self) -> pd.DataFrame:
        """Return on spend per channel over the modelled weeks.

        ``roi`` is the channel's total contribution divided by its total spend, where the
        contribution of each interaction is shared half and half between its two channels.
        ``mroi`` is the marginal return: the change in total predicted KPI when the channel's
        spend rises by 1% in every week, divided by the added spend (interactions and KPI lag
        included in full). ``lower``/``upper`` bound ``roi`` (bootstrap percentiles; NaN
        without bootstrap).

        Returns
        -------
        pandas.DataFrame
            ``channel``, ``spend``, ``contribution``, ``roi``, ``mroi``, ``lower``, ``upper``.
        """
        spend_total = self.spend.sum(axis=0)
        contribution = self._channel_totals(self.coef, self.params)
        k = len(self.channels)
        bump = np.ones((k, 1, k)) + 0.01 * np.eye(k)[:, None, :]
        gained = self.response(self.spend * bump).sum(axis=-1) - self.fitted.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            roi = contribution / spend_total
            mroi = gained / (0.01 * spend_total)
            lower = upper = np.full(k, np.nan)
            if self.n_boot:
                draws = np.array(
                    [
                        self._channel_totals(self.boot_coef[b], self.boot_params[b])
                        for b in range(self.n_boot)
                    ]
                )
                lower, upper = self._interval(draws / spend_total)
        return pd.DataFrame(
            {
                "channel": list(self.channels),
                "spend": spend_total,
                "contribution": contribution,
                "roi": roi,
                "mroi": mroi,
                "lower": lower,
                "upper": upper,
            }
        )

    def summary(self) -> pd.DataFrame:
        """One row per channel: coefficient, transform parameters, spend, contribution and ROI.

        ``contribution_share`` is the channel's share of the total media contribution
        (interactions shared half and half); ``spend_share`` its share of media spend.
        """
        roi = self.roi()
        frame = pd.DataFrame({"channel": list(self.channels), "beta": self.beta})
        for j, name in enumerate(self.param_names):
            frame[name] = self.params[:, j]
        frame["spend_share"] = roi["spend"] / roi["spend"].sum()
        frame["contribution"] = roi["contribution"]
        frame["contribution_share"] = roi["contribution"] / roi["contribution"].sum()
        frame["roi"] = roi["roi"]
        frame["mroi"] = roi["mroi"]
        return frame

    def to_frame(self) -> pd.DataFrame:
        """Weekly fit: ``date``, ``observed``, ``fitted``, ``residual``."""
        return pd.DataFrame(
            {
                "date": self.dates,
                "observed": self.observed.copy(),
                "fitted": self.fitted.copy(),
                "residual": self.residuals,
            }
        )

    def __repr__(self) -> str:
        pairs = len(self.interactions)
        boot = f", {self.n_boot} bootstrap replicates" if self.n_boot else ""
        lag = f", kpi_lag {self.kpi_lag:.3g}" if self.carryover_kpi else ""
        return (
            f"MixModel({self.kpi!r} on {len(self.channels)} channels, {pairs} interaction(s), "
            f"{self.n_obs} weeks; {type(self.adstock).__name__} + "
            f"{type(self.saturation).__name__}; R2 {self.r_squared:.3f}, sigma "
            f"{self.sigma:,.4g}{lag}{boot})"
        )

    def plot(self, ax: Any = None, *, kind: PlotKind = "fit") -> Any:
        """Plot the fit or the contributions over time.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.
        kind : {"fit", "contributions"}, default "fit"
            ``"fit"``: observed and fitted KPI. ``"contributions"``: the weekly contributions
            stacked (positive above zero, negative below) with the fitted KPI on top.

        Returns
        -------
        matplotlib Axes
        """
        how = check_choice(kind, "kind", _PLOT_KINDS, func="MixModel.plot")
        axes = new_axes(ax, figsize=(9.0, 4.5))
        dates = self.dates.to_numpy()
        if how == "fit":
            axes.plot(dates, self.observed, color="0.3", lw=1.0, label="observed")
            axes.plot(dates, self.fitted, color="C0", lw=1.5, label="fitted")
        else:
            frame = self.contributions()
            wide = frame.pivot(index="date", columns="term", values="contribution")
            wide = wide[list(dict.fromkeys(frame["term"]))]
            values = wide.to_numpy().T
            axes.stackplot(dates, np.clip(values, 0.0, None), labels=list(wide.columns))
            axes.stackplot(dates, np.clip(values, None, 0.0))
            axes.plot(dates, self.fitted, color="k", lw=1.0, label="fitted")
        axes.set_ylabel(self.kpi)
        axes.legend(loc="upper left", fontsize="small", ncol=2)
        return axes
