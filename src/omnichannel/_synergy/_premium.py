"""The multichannel customer premium: naive against propensity-adjusted value differences.

Customers who buy in several channels spend more, but the customers who choose several channels
were worth more to begin with. :func:`multichannel_premium` compares the naive ratio of mean
outcomes with estimates adjusted for observed confounders (inverse probability weighting,
propensity-score matching, regression adjustment and doubly robust AIPW), gives bootstrap or
influence-function intervals, covariate balance before and after adjustment, and the E-value of
VanderWeele and Ding (2017) for what unobserved confounding would have to do to explain the
premium away.

Every estimator is written for a batch of observation weights (rows = bootstrap replicates), so
the bootstrap refits the propensity and outcome models for all replicates at once (batched
Newton steps), with no Python loop over customers.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special, stats

from .._exceptions import InvalidParameterError, SchemaError
from .._html import html_table
from .._plotting import new_axes
from .._validation import (
    as_generator,
    check_choice,
    check_int,
    check_real,
    short_repr,
)
from ._premium_kernels import (
    OUTCOME_MODELS,
    PREMIUM_ESTIMANDS,
    PREMIUM_METHODS,
    BoolArray,
    FloatArray,
    OutcomeModel,
    PremiumEstimand,
    PremiumMethod,
    _Data,
    _estimate,
    _Fit,
    _influence_se,
    _logit_batch,
    _naive_se,
    _ratio,
    _subset,
    _wsum,
)

__all__ = [
    "OUTCOME_MODELS",
    "PREMIUM_ESTIMANDS",
    "PREMIUM_METHODS",
    "OutcomeModel",
    "PremiumEstimand",
    "PremiumMethod",
    "PremiumResult",
    "e_value",
    "multichannel_premium",
]

_FUNC = "multichannel_premium"


# --------------------------------------------------------------------------------------------
# Input preparation
# --------------------------------------------------------------------------------------------


def _names(value: object, name: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InvalidParameterError(
            f"The {name!r} parameter of {_FUNC} must be a list of column names. "
            f"Got {short_repr(value)} instead."
        )
    names = tuple(value)
    if not names or any(not isinstance(c, str) for c in names) or len(set(names)) != len(names):
        raise InvalidParameterError(
            f"The {name!r} parameter of {_FUNC} must be a non-empty list of distinct column "
            f"names. Got {short_repr(value)} instead."
        )
    return names


def _first_bad(frame: pd.DataFrame, bad: npt.NDArray[np.bool_]) -> object:
    label = frame.index[int(np.flatnonzero(bad)[0])]
    # a plain Python value, so messages read 5 rather than np.int64(5)
    return label.item() if isinstance(label, np.generic) else label


def _treatment(frame: pd.DataFrame, column: str, min_channels: int | None) -> BoolArray:
    series = frame[column]
    if series.isna().any():
        raise SchemaError(
            f"customers[{column!r}] has {int(series.isna().sum())} missing value(s); first at "
            f"index {_first_bad(frame, series.isna().to_numpy())!r}. Drop or fill them first."
        )
    if pd.api.types.is_bool_dtype(series.dtype):
        if min_channels is not None:
            raise InvalidParameterError(
                f"The 'min_channels' parameter of {_FUNC} applies to a channel-count treatment "
                f"column; customers[{column!r}] is already bool. Pass min_channels=None."
            )
        return series.to_numpy(dtype=bool)
    if not pd.api.types.is_numeric_dtype(series.dtype):
        raise SchemaError(
            f"customers[{column!r}] must be bool, 0/1 or a channel count; got {series.dtype}."
        )
    values = series.to_numpy(dtype=np.float64)
    if min_channels is not None:
        return values >= min_channels
    binary = np.isin(values, (0.0, 1.0))
    if not binary.all():
        raise SchemaError(
            f"customers[{column!r}] must be a binary treatment (bool or 0/1); got "
            f"{float(values[~binary][0])!r} at index {_first_bad(frame, ~binary)!r}. For a "
            "count of channels used, pass min_channels=2 to treat customers with two or more as "
            "multichannel."
        )
    out: BoolArray = values == 1.0
    return out


def _design(frame: pd.DataFrame, columns: tuple[str, ...]) -> tuple[FloatArray, tuple[str, ...]]:
    parts: list[FloatArray] = []
    names: list[str] = []
    for col in columns:
        series = frame[col]
        missing = series.isna().to_numpy()
        if missing.any():
            raise SchemaError(
                f"customers[{col!r}] has {int(missing.sum())} missing value(s); first at index "
                f"{_first_bad(frame, missing)!r}. Drop or fill them first."
            )
        if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
            values = series.to_numpy(dtype=np.float64)
            if not np.isfinite(values).all():
                raise SchemaError(
                    f"customers[{col!r}] has infinite values; first at index "
                    f"{_first_bad(frame, ~np.isfinite(values))!r}."
                )
            parts.append(values[:, None])
            names.append(col)
        else:
            # Categories become indicators, the first level (sorted) being the reference.
            codes, levels = pd.factorize(series.astype(str), sort=True)
            for level_index in range(1, len(levels)):
                parts.append((codes == level_index).astype(np.float64)[:, None])
                names.append(f"{col}={levels[level_index]}")
            if len(levels) < 2:
                parts.append(np.zeros((len(frame), 1)))
                names.append(col)
    raw = np.hstack(parts) if parts else np.zeros((len(frame), 0))
    constant = raw.std(axis=0) == 0
    if constant.any():
        col = names[int(np.flatnonzero(constant)[0])]
        raise SchemaError(
            f"Covariate {col!r} of customers has a single value, so it cannot adjust for "
            "anything and makes the models singular; drop it from the covariates."
        )
    return raw, tuple(names)


def _standardise(raw: FloatArray) -> FloatArray:
    scaled = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    return np.hstack([np.ones((raw.shape[0], 1)), scaled])


def _prepare(
    customers: object,
    treatment: object,
    outcome: object,
    covariates: object,
    outcome_covariates: object,
    min_channels: int | None,
) -> _Data:
    if not isinstance(customers, pd.DataFrame):
        raise SchemaError(
            f"customers must be a pandas DataFrame with one row per customer; got "
            f"{type(customers).__name__}."
        )
    for value, name in ((treatment, "treatment"), (outcome, "outcome")):
        if not isinstance(value, str):
            raise InvalidParameterError(
                f"The {name!r} parameter of {_FUNC} must be a column name. "
                f"Got {short_repr(value)} instead."
            )
    assert isinstance(treatment, str)
    assert isinstance(outcome, str)
    covs = _names(covariates, "covariates")
    out_covs = (
        covs if outcome_covariates is None else _names(outcome_covariates, "outcome_covariates")
    )
    needed = [treatment, outcome, *covs, *[c for c in out_covs if c not in covs]]
    missing = [c for c in dict.fromkeys(needed) if c not in customers.columns]
    if missing:
        raise SchemaError(
            f"customers is missing required column(s) {missing}; got "
            f"{short_repr([str(c) for c in customers.columns])}."
        )
    clash = [c for c in (*covs, *out_covs) if c in (treatment, outcome)]
    if clash:
        raise InvalidParameterError(
            f"The covariates of {_FUNC} must not include the treatment or outcome column; "
            f"got {clash}."
        )
    if len(customers) < 4:
        raise SchemaError(f"customers needs at least 4 rows; got {len(customers)}.")
    series = customers[outcome]
    if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(series.dtype):
        raise SchemaError(
            f"customers[{outcome!r}] must be numeric (e.g. spend); got {series.dtype}. "
            "Convert it first with pd.to_numeric."
        )
    y = series.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(y) | (y < 0)
    if bad.any():
        raise SchemaError(
            f"customers[{outcome!r}] has {int(bad.sum())} missing, infinite or negative "
            f"value(s); first at index {_first_bad(customers, bad)!r}. The premium is a ratio "
            "of mean values, so the outcome must be finite and >= 0."
        )
    t = _treatment(customers, treatment, min_channels)
    n_t = int(t.sum())
    if n_t < 2 or t.size - n_t < 2:
        raise SchemaError(
            f"customers[{treatment!r}] must have at least 2 multichannel and 2 single-channel "
            f"customers; got {n_t} and {t.size - n_t}."
        )
    raw, names = _design(customers, covs)
    raw_out, _ = _design(customers, out_covs)
    return _Data(y=y, t=t, x=_standardise(raw), names=names, raw=raw, x_out=_standardise(raw_out))


# --------------------------------------------------------------------------------------------
# Propensity
# --------------------------------------------------------------------------------------------


def _propensity(data: _Data) -> tuple[FloatArray, FloatArray]:
    """Logit propensity score (statsmodels) and its coefficients on the standardised design."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    t = data.t.astype(np.float64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = sm.Logit(t, data.x).fit(disp=0, method="newton", maxiter=100)
        except np.linalg.LinAlgError as err:
            raise SchemaError(
                "The propensity model of multichannel_premium is singular: some covariates are "
                "linear combinations of others. Drop the redundant ones."
            ) from err
    separated = any(issubclass(w.category, PerfectSeparationWarning) for w in caught)
    params = np.asarray(res.params, dtype=np.float64)
    prob = np.asarray(res.predict(data.x), dtype=np.float64)
    if separated or not np.all(np.isfinite(params)):
        raise SchemaError(
            "No overlap: the covariates separate multichannel from single-channel customers "
            "(perfect separation in the propensity model), so no comparable customers exist "
            "in the other group. Drop the covariate that encodes the treatment, or restrict "
            "customers to a region of common support."
        )
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):  # pragma: no cover
        raise SchemaError(
            "The propensity model of multichannel_premium did not converge; check the "
            "covariates for near-separation or extreme values."
        )
    return prob, params


def _check_overlap(prob: FloatArray, t: BoolArray, keep: BoolArray, trim: float) -> None:
    lo_t, hi_t = float(prob[t].min()), float(prob[t].max())
    lo_c, hi_c = float(prob[~t].min()), float(prob[~t].max())
    n_t, n_c = int((keep & t).sum()), int((keep & ~t).sum())
    if lo_t > hi_c or lo_c > hi_t or n_t < 2 or n_c < 2:
        raise SchemaError(
            "No overlap in the propensity score: multichannel customers have scores in "
            f"[{lo_t:.3g}, {hi_t:.3g}] and single-channel customers in [{lo_c:.3g}, {hi_c:.3g}]; "
            f"after trimming at {trim:g} there are {n_t} and {n_c} customers left. The groups are "
            "not comparable on these covariates."
        )


# --------------------------------------------------------------------------------------------
# Sensitivity
# --------------------------------------------------------------------------------------------


def e_value(
    ratio: float, lower: float | None = None, upper: float | None = None
) -> tuple[float, float]:
    """Return the E-value of a ratio and of its confidence limit closest to 1.

    VanderWeele & Ding (2017).

    The E-value is the minimum strength of association, on the risk-ratio scale, that an
    unmeasured confounder would need with both the treatment and the outcome, conditional on the
    measured covariates, to fully explain away the observed ratio:
    ``RR + sqrt(RR * (RR - 1))`` for ``RR >= 1`` (use ``1 / RR`` below 1).

    Parameters
    ----------
    ratio : float
        The observed ratio, > 0.
    lower, upper : float, optional
        Confidence limits; the E-value of the interval is 1 when it contains 1.

    Returns
    -------
    tuple of float
        ``(e_value, e_value_of_the_interval)``; the second is NaN without limits.

    Examples
    --------
    The breastfeeding example of VanderWeele & Ding (2017): RR 3.9 with interval 1.8 to 8.7.

    >>> from omnichannel._synergy._premium import e_value
    >>> [round(v, 2) for v in e_value(3.9, 1.8, 8.7)]
    [7.26, 3.0]
    """

    def one(rr: float) -> float:
        if not np.isfinite(rr) or rr <= 0:
            return float("nan")
        rr = max(rr, 1.0 / rr)
        return rr + math.sqrt(rr * (rr - 1.0))

    point = one(ratio)
    if lower is None or upper is None or not (np.isfinite(lower) and np.isfinite(upper)):
        return point, float("nan")
    if lower <= 1.0 <= upper:
        return point, 1.0
    return point, one(lower if ratio >= 1.0 else upper)


# --------------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------------

#: Columns of :meth:`PremiumResult.to_frame`.
ESTIMATE_COLUMNS: tuple[str, ...] = (
    "estimator",
    "estimand",
    "treated_mean",
    "control_mean",
    "difference",
    "difference_se",
    "difference_lower",
    "difference_upper",
    "ratio",
    "ratio_lower",
    "ratio_upper",
    "premium",
    "p_value",
    "n_treated",
    "n_control",
)
BALANCE_COLUMNS: tuple[str, ...] = (
    "covariate",
    "smd_before",
    "smd_after",
    "variance_ratio_before",
    "variance_ratio_after",
)


def _check_columns(columns: tuple[str, ...]) -> Any:
    def check(instance: object, attribute: Any, frame: pd.DataFrame) -> None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise InvalidParameterError(
                f"PremiumResult.{attribute.name.lstrip('_')} is missing column(s) {missing}."
            )

    return check


@attrs.frozen(eq=False)
class PremiumResult:
    """The multichannel premium: naive and adjusted, with balance and sensitivity.

    Built by :func:`multichannel_premium`. The *premium* is the ratio of the mean outcome of the
    multichannel (treated) arm over the mean it would have had single-channel, minus one; the
    *difference* is the same comparison in outcome units.

    Attributes
    ----------
    method : {"ipw", "matching", "regression", "aipw"}
        The adjusted estimator.
    estimand : {"att", "ate"}
        ``"att"``: the premium of the multichannel customers; ``"ate"``: of all customers.
    treatment, outcome : str
        Column names used.
    covariates : tuple of str
        Design columns of the propensity model (categories expanded to ``column=level``).
    n_customers, n_trimmed : int
        Customers given, and customers dropped by propensity trimming.
    n_boot : int
        Bootstrap replicates (0: influence-function standard errors).
    level : float
        Confidence level of the intervals.
    e_value, e_value_ci : float
        E-value of the adjusted ratio and of its confidence limit closest to 1.

    Examples
    --------
    >>> import omnichannel as oc
    >>> sim = oc.simulate_customer_selection(n_customers=4000, seed=3)
    >>> res = oc.multichannel_premium(
    ...     sim.customers, treatment="multichannel", outcome="spend",
    ...     covariates=list(sim.covariates), method="regression", outcome_model="log", n_boot=0,
    ... )
    >>> res.to_frame()[["estimator", "premium"]].round(2)
        estimator  premium
    0       naive     1.12
    1  regression     0.09
    """

    method: PremiumMethod
    estimand: PremiumEstimand
    treatment: str
    outcome: str
    covariates: tuple[str, ...]
    _estimates: pd.DataFrame = attrs.field(
        validator=_check_columns(ESTIMATE_COLUMNS), alias="estimates", repr=False
    )
    _balance: pd.DataFrame = attrs.field(
        validator=_check_columns(BALANCE_COLUMNS), alias="balance", repr=False
    )
    n_customers: int
    n_trimmed: int
    n_boot: int
    level: float
    e_value: float
    e_value_ci: float

    def _row(self, estimator: str) -> pd.Series[Any]:
        frame = self._estimates
        return frame.loc[frame["estimator"] == estimator].iloc[0]

    @property
    def premium(self) -> float:
        """Adjusted premium: adjusted ratio minus one."""
        return float(self._row(self.method)["premium"])

    @property
    def naive_premium(self) -> float:
        """Naive premium: ratio of the raw group means minus one."""
        return float(self._row("naive")["premium"])

    @property
    def ratio(self) -> float:
        """Adjusted ratio of the treated arm's mean over its single-channel counterfactual."""
        return float(self._row(self.method)["ratio"])

    @property
    def difference(self) -> float:
        """Adjusted difference in outcome units."""
        return float(self._row(self.method)["difference"])

    def to_frame(self) -> pd.DataFrame:
        """One row per estimator, ``naive`` first, with the columns ``ESTIMATE_COLUMNS``."""
        return self._estimates.copy()

    def balance(self) -> pd.DataFrame:
        """Standardised mean differences and variance ratios per covariate, before and after.

        The SMD is the difference of the (weighted) means over the pooled unweighted standard
        deviation, so before and after share one yardstick; ``|SMD| < 0.1`` is the usual mark
        of good balance. *After* uses the weights of the method (inverse-probability weights
        for ``"regression"``).
        """
        return self._balance.copy()

    def summary(self) -> pd.DataFrame:
        """Headline numbers as a two-column frame (``statistic``, ``value``)."""
        row = self._row(self.method)
        bal = self._balance
        stats_: dict[str, float] = {
            "customers": float(self.n_customers),
            "trimmed": float(self.n_trimmed),
            "naive_premium": self.naive_premium,
            "premium": self.premium,
            "premium_lower": float(row["ratio_lower"]) - 1.0,
            "premium_upper": float(row["ratio_upper"]) - 1.0,
            "difference": float(row["difference"]),
            "p_value": float(row["p_value"]),
            "e_value": self.e_value,
            "e_value_ci": self.e_value_ci,
            "max_abs_smd_before": float(bal["smd_before"].abs().max()),
            "max_abs_smd_after": float(bal["smd_after"].abs().max()),
        }
        return pd.DataFrame({"statistic": list(stats_), "value": list(stats_.values())})

    def __repr__(self) -> str:
        row = self._row(self.method)
        return (
            f"PremiumResult({self.method}, {self.estimand}: premium {self.premium:+.1%} "
            f"[{float(row['ratio_lower']) - 1:+.1%}, {float(row['ratio_upper']) - 1:+.1%}] vs "
            f"naive {self.naive_premium:+.1%}; E-value {self.e_value:.2f} "
            f"(interval {self.e_value_ci:.2f}); {self.n_customers:,} customers)"
        )

    def _repr_html_(self) -> str:
        return html_table(self.to_frame(), "PremiumResult", f"({self.method}, {self.estimand})")

    def plot(self, ax: Any = None) -> Any:
        """Love plot: absolute standardised mean difference per covariate, before and after.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.

        Returns
        -------
        matplotlib Axes
        """
        bal = self._balance
        axes = new_axes(ax, figsize=(6.0, 0.4 * len(bal) + 1.5))
        pos = np.arange(len(bal))
        axes.scatter(bal["smd_before"].abs(), pos, label="before", marker="o", color="#C44E52")
        axes.scatter(bal["smd_after"].abs(), pos, label="after", marker="s", color="#4C72B0")
        axes.axvline(0.1, color="grey", linestyle="--", linewidth=1)
        axes.set_yticks(pos, labels=bal["covariate"].tolist())
        axes.set_xlabel("|standardised mean difference|")
        axes.set_title(f"Covariate balance ({self.method})")
        axes.legend(loc="best")
        return axes


# --------------------------------------------------------------------------------------------
# The public function
# --------------------------------------------------------------------------------------------


def _smd(
    raw: FloatArray, t: BoolArray, w1: FloatArray, w0: FloatArray
) -> tuple[FloatArray, FloatArray]:
    pooled = np.sqrt((raw[t].var(axis=0) + raw[~t].var(axis=0)) / 2)
    pooled = np.where(pooled > 0, pooled, 1.0)
    m1 = (w1 @ raw) / w1.sum()
    m0 = (w0 @ raw) / w0.sum()
    v1 = (w1 @ (raw - m1) ** 2) / w1.sum()
    v0 = (w0 @ (raw - m0) ** 2) / w0.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        vr = np.where(v0 > 0, v1 / np.where(v0 > 0, v0, 1.0), np.nan)
    return (m1 - m0) / pooled, vr


def multichannel_premium(
    customers: pd.DataFrame,
    *,
    treatment: str,
    outcome: str,
    covariates: Sequence[str],
    method: PremiumMethod = "aipw",
    estimand: PremiumEstimand = "att",
    outcome_covariates: Sequence[str] | None = None,
    outcome_model: OutcomeModel = "linear",
    min_channels: int | None = None,
    trim: float = 0.0,
    caliper: float = 0.2,
    n_boot: int = 200,
    level: float = 0.95,
    seed: int | np.random.Generator = 0,
) -> PremiumResult:
    """Estimate how much more multichannel customers are worth, net of self-selection.

    The naive premium compares the mean outcome (e.g. 12-month spend) of multichannel and
    single-channel customers. Customers who were worth more to begin with also use more
    channels, so the naive figure mixes the effect of being multichannel with selection. The
    adjusted estimators compare like with like on the observed ``covariates`` (tenure, earlier
    frequency and spend, ...), through a logistic propensity model (statsmodels ``Logit``) and,
    for ``"regression"`` and ``"aipw"``, one outcome model per arm:

    - ``"ipw"``: inverse probability weighting with normalised (Hajek) weights; for the ATT
      the single-channel customers are weighted by the propensity odds ``e / (1 - e)``.
    - ``"matching"``: 1-nearest-neighbour matching with replacement on the logit of the
      propensity, within ``caliper`` standard deviations of it (Austin 2011); customers without
      a partner inside the caliper are dropped.
    - ``"regression"``: regression adjustment, averaging the predicted outcome of each arm's
      model over the target population (as Stata's ``teffects ra``).
    - ``"aipw"``: augmented IPW, doubly robust: consistent when either the propensity or the
      outcome model is right.

    The premium is ``E[Y(1)] / E[Y(0)] - 1`` over the target population, reported together with
    the difference ``E[Y(1)] - E[Y(0)]``. Adjustment cannot remove confounding by what was not
    measured: the E-value (VanderWeele & Ding 2017) of the adjusted ratio says how strongly an
    unmeasured confounder would have to be associated (as a risk ratio) with both channel use
    and value to explain the premium away. It treats the ratio of means as a risk ratio, which
    the bounding argument of Ding & VanderWeele (2016) allows for a non-negative outcome.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer, with the treatment, outcome and covariate columns. Not modified.
    treatment : str
        Column saying who is multichannel: bool or 0/1, or a channel count with
        ``min_channels``.
    outcome : str
        Numeric column, finite and >= 0 (e.g. spend in a later window).
    covariates : list of str
        Confounders for the propensity model (and the outcome models unless
        ``outcome_covariates`` is given). Numeric and bool columns enter as they are;
        string and categorical columns as indicators of each level but the first.
    method : {"ipw", "matching", "regression", "aipw"}, default "aipw"
        The adjusted estimator.
    estimand : {"att", "ate"}, default "att"
        The premium of multichannel customers (``"att"``) or of all customers (``"ate"``).
    outcome_covariates : list of str, optional
        Covariates of the outcome models, when they differ from ``covariates``.
    outcome_model : {"linear", "log"}, default "linear"
        Outcome models for ``"regression"`` and ``"aipw"``: OLS, or a log-link model fitted by
        Poisson pseudo-likelihood (multiplicative effects, natural for spend).
    min_channels : int, optional
        With a channel-count treatment column, customers with at least this many channels are
        multichannel (e.g. 2).
    trim : float, default 0.0
        Drop customers whose propensity lies outside ``[trim, 1 - trim]`` from the adjusted
        estimates (Crump et al. 2009 suggest 0.1); in ``[0, 0.5)``.
    caliper : float, default 0.2
        Matching caliper in standard deviations of the logit propensity, > 0.
    n_boot : int, default 200
        Bootstrap replicates (customers resampled with Poisson weights; every model refitted).
        0 gives influence-function standard errors with the nuisance models held fixed and
        normal intervals (none for matching).
    level : float, default 0.95
        Confidence level of the intervals.
    seed : int or numpy.random.Generator, default 0
        Randomness of the bootstrap (the same seed gives the same intervals).

    Returns
    -------
    PremiumResult
        ``to_frame()`` (naive and adjusted side by side), ``balance()``, ``summary()``,
        ``plot()`` (love plot), ``e_value``.

    Raises
    ------
    SchemaError
        On a missing column, missing or negative outcomes, a non-binary treatment (without
        ``min_channels``), a constant covariate, or no overlap between the groups.
    InvalidParameterError
        On an unknown method or estimand, or an out-of-range option.

    See Also
    --------
    simulate_customer_selection : data with a known premium and self-selection.

    Notes
    -----
    VanderWeele, T. J., & Ding, P. (2017). Sensitivity analysis in observational research:
    introducing the E-value. Annals of Internal Medicine 167(4), 268-274.
    Austin, P. C. (2011). Optimal caliper widths for propensity-score matching. Pharmaceutical
    Statistics 10(2), 150-161.

    Examples
    --------
    >>> import omnichannel as oc
    >>> sim = oc.simulate_customer_selection(n_customers=4000, true_premium=0.10, seed=3)
    >>> res = oc.multichannel_premium(
    ...     sim.customers, treatment="n_channels", min_channels=2, outcome="spend",
    ...     covariates=list(sim.covariates), method="aipw", outcome_model="log",
    ...     n_boot=50, seed=0,
    ... )
    >>> res
    PremiumResult(aipw, att: premium +12.6% [+2.8%, +24.0%] vs naive +112.1%; E-value 1.50 (interval 1.20); 4,000 customers)
    >>> bool(res.balance()["smd_after"].abs().max() < 0.1)
    True
    """  # noqa: E501
    how: PremiumMethod = check_choice(method, "method", PREMIUM_METHODS, func=_FUNC)  # type: ignore[assignment]
    target: PremiumEstimand = check_choice(estimand, "estimand", PREMIUM_ESTIMANDS, func=_FUNC)  # type: ignore[assignment]
    model: OutcomeModel = check_choice(outcome_model, "outcome_model", OUTCOME_MODELS, func=_FUNC)  # type: ignore[assignment]
    min_ch = check_int(min_channels, "min_channels", func=_FUNC, low=1, allow_none=True)
    trim_ = check_real(trim, "trim", func=_FUNC, low=0.0, high=0.5, high_open=True)
    caliper_ = check_real(caliper, "caliper", func=_FUNC, low=0.0, low_open=True)
    boots = check_int(n_boot, "n_boot", func=_FUNC, low=0)
    assert boots is not None
    level_ = check_real(
        level, "level", func=_FUNC, low=0.0, high=1.0, low_open=True, high_open=True
    )
    rng = as_generator(seed, func=_FUNC) if boots else None
    data = _prepare(customers, treatment, outcome, covariates, outcome_covariates, min_ch)
    n = data.y.size

    prob, params = _propensity(data)
    keep = (prob >= trim_) & (prob <= 1 - trim_)
    _check_overlap(prob, data.t, keep, trim_)
    adj = _subset(data, keep)
    e_adj = prob[keep]
    logit_scale = float(np.std(special.logit(np.clip(e_adj, 1e-12, 1 - 1e-12))))
    uses_prop = how != "regression"

    def run(w_full: FloatArray, w_adj: FloatArray, e: FloatArray | None) -> tuple[_Fit, _Fit]:
        t = data.t.astype(np.float64)
        naive1 = _ratio(_wsum(w_full * t, data.y), (w_full * t).sum(axis=-1))
        naive0 = _ratio(_wsum(w_full * (1 - t), data.y), (w_full * (1 - t)).sum(axis=-1))
        naive = _Fit(naive1, naive0, np.zeros(0), np.zeros(0), 0, 0)
        fit = _estimate(
            adj,
            w_adj,
            method=how,
            estimand=target,
            prop=e,
            outcome_model=model,
            caliper=caliper_,
            logit_scale=logit_scale,
        )
        return naive, fit

    ones = np.ones((1, n))
    # Balance for regression still uses the propensity weights, so always pass them.
    naive, fit = run(ones, ones[:, keep], e_adj[None, :])
    if not np.isfinite(fit.mu1[0]) or not np.isfinite(fit.mu0[0]) or fit.mu0[0] <= 0:
        raise SchemaError(
            f"The {how} estimate of multichannel_premium is undefined: no comparable "
            "single-channel customers remain (no overlap within the caliper, or zero control "
            "outcomes). Widen the caliper or check the covariates."
        )

    alpha = 1 - level_
    rows: list[dict[str, Any]] = []
    t_all = data.t
    if boots:
        assert rng is not None
        draws_naive = np.empty((boots, 2))
        draws_fit = np.empty((boots, 2))
        block = max(1, min(boots, 4_000_000 // max(n, 1)))
        x_adj = adj.x
        for start in range(0, boots, block):
            stop = min(boots, start + block)
            w = rng.poisson(1.0, size=(stop - start, n)).astype(np.float64)
            w_adj = w[:, keep]
            e_b = (
                _logit_batch(x_adj, adj.t.astype(np.float64), w_adj, params) if uses_prop else None
            )
            nb, fb = run(w, w_adj, e_b)
            draws_naive[start:stop] = np.c_[nb.mu1, nb.mu0]
            draws_fit[start:stop] = np.c_[fb.mu1, fb.mu0]

    for name, est, n_t, n_c in (
        ("naive", naive, int(t_all.sum()), int((~t_all).sum())),
        (how, fit, fit.n_used_treated, fit.n_used_control),
    ):
        mu1, mu0 = float(est.mu1[0]), float(est.mu0[0])
        diff, ratio = mu1 - mu0, mu1 / mu0 if mu0 > 0 else float("nan")
        if boots:
            draws = draws_naive if name == "naive" else draws_fit
            ok = np.all(np.isfinite(draws), axis=1) & (draws[:, 1] > 0)
            d = draws[ok, 0] - draws[ok, 1]
            r = draws[ok, 0] / draws[ok, 1]
            se = float(np.std(d, ddof=1)) if d.size > 1 else float("nan")
            lo_d, hi_d = (float(q) for q in np.quantile(d, [alpha / 2, 1 - alpha / 2]))
            lo_r, hi_r = (float(q) for q in np.quantile(r, [alpha / 2, 1 - alpha / 2]))
        else:
            if name == "naive":
                se, se_log = _naive_se(data, mu1, mu0)
            else:
                se, se_log = _influence_se(adj, how, target, e_adj, est, model)
            z = float(stats.norm.ppf(1 - alpha / 2))
            lo_d, hi_d = diff - z * se, diff + z * se
            lo_r, hi_r = ratio * math.exp(-z * se_log), ratio * math.exp(z * se_log)
        p_value = float(2 * stats.norm.sf(abs(diff) / se)) if se > 0 else float("nan")
        rows.append(
            {
                "estimator": name,
                "estimand": target,
                "treated_mean": mu1,
                "control_mean": mu0,
                "difference": diff,
                "difference_se": se,
                "difference_lower": lo_d,
                "difference_upper": hi_d,
                "ratio": ratio,
                "ratio_lower": lo_r,
                "ratio_upper": hi_r,
                "premium": ratio - 1.0,
                "p_value": p_value,
                "n_treated": n_t,
                "n_control": n_c,
            }
        )
    estimates = pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))
    estimates["estimator"] = estimates["estimator"].astype(str)
    estimates["estimand"] = estimates["estimand"].astype(str)

    base1 = data.t.astype(np.float64)
    smd_before, vr_before = _smd(data.raw, data.t, base1, 1 - base1)
    smd_after, vr_after = _smd(adj.raw, adj.t, fit.w1, fit.w0)
    balance = pd.DataFrame(
        {
            "covariate": list(data.names),
            "smd_before": smd_before,
            "smd_after": smd_after,
            "variance_ratio_before": vr_before,
            "variance_ratio_after": vr_after,
        }
    )
    balance["covariate"] = balance["covariate"].astype(str)
    adjusted = estimates.iloc[1]
    ev, ev_ci = e_value(
        float(adjusted["ratio"]), float(adjusted["ratio_lower"]), float(adjusted["ratio_upper"])
    )
    return PremiumResult(
        method=how,
        estimand=target,
        treatment=treatment,
        outcome=outcome,
        covariates=data.names,
        estimates=estimates,
        balance=balance,
        n_customers=n,
        n_trimmed=int((~keep).sum()),
        n_boot=boots,
        level=level_,
        e_value=ev,
        e_value_ci=ev_ci,
    )
