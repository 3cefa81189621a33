"""Budget allocation across channels that maximises the predicted KPI, interactions included.

The planning period has ``n_weeks`` weeks with the same spend every week (a flat plan), and the
model is read in its steady state: the weekly media effect once adstock has built up, times
``1 / (1 - lambda)`` when the KPI carries over, times ``n_weeks``. Interactions make the
objective non-separable and possibly non-concave, hence several starts of SLSQP under the budget
equality and per-channel bounds; the best feasible end point wins.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize

from .._exceptions import InvalidParameterError, OmnichannelError
from .._plotting import new_axes
from .._validation import as_generator, check_int, check_real, short_repr
from ._score import describe_argument

__all__ = ["BudgetModel", "BudgetResult", "optimize_budget"]

FloatArray = npt.NDArray[np.float64]
_FUNC = "optimize_budget"
# weeks of constant spend simulated to reach the adstock steady state when the model does not
# say how long its carryover lasts
_DEFAULT_WARMUP = 104


class BudgetModel(Protocol):
    """What :func:`optimize_budget` needs from a model (a fitted :class:`MixModel` has it).

    ``media_effect(spend)`` maps spend ``(..., n_weeks, k)`` in raw units to the media part of the
    KPI ``(..., n_weeks)``, adstock starting from zero at the first week.
    """

    @property
    def channels(self) -> tuple[str, ...]:
        """Channel names, the last axis of ``spend``."""
        ...

    @property
    def spend(self) -> FloatArray:
        """Historical weekly spend ``(n_weeks, k)``; its mean is the current allocation."""
        ...

    def media_effect(self, spend: FloatArray) -> FloatArray:
        """Media part of the KPI for spend ``(..., n_weeks, k)``."""
        ...


def _readonly(value: object) -> FloatArray:
    array = np.array(value, dtype=np.float64)
    array.flags.writeable = False
    return array


@attrs.frozen(kw_only=True, eq=False)
class BudgetResult:
    """The best allocation of a budget over channels, against the current mix.

    Attributes
    ----------
    channels : tuple of str
        Channel names.
    total : float
        Budget over the planning period.
    n_weeks : int
        Weeks in the planning period; ``allocation / n_weeks`` is spent every week.
    allocation : numpy.ndarray
        Optimal spend per channel over the period.
    current : numpy.ndarray
        The current mix (historical average weekly spend shares) scaled to ``total``.
    lower, upper : numpy.ndarray
        Bounds per channel over the period (equal for fixed channels).
    fixed : numpy.ndarray of bool
        Channels held at a given amount.
    predicted, current_predicted : float
        Predicted incremental KPI over the period (media effect over zero spend) of the optimal
        and of the current allocation.
    marginal_roi : numpy.ndarray
        Extra KPI per extra unit of spend per channel at the optimum. Free channels strictly
        inside their bounds share one value (the optimality condition).
    n_starts : int
        Optimiser starts.
    converged : bool
        Whether the best start reported success.

    Examples
    --------
    Any object with ``channels``, ``spend`` and ``media_effect`` will do; here two known
    Michaelis-Menten curves, where the optimum has a closed form (1.54 and 0.46):

    >>> import numpy as np
    >>> import omnichannel as oc
    >>> class Curves:
    ...     channels = ("tv", "search")
    ...     spend = np.ones((4, 2))  # history: an even split
    ...     def media_effect(self, spend):
    ...         return (np.array([3.0, 1.0]) * spend / (spend + 1.0)).sum(axis=-1)
    >>> result = oc.optimize_budget(Curves(), total=2.0)
    >>> result
    BudgetResult(total 2 over 1 weeks: tv 77%, search 23%; predicted 2.13397 vs current 2, gain +0.134 (+6.7%))
    >>> result.to_frame()[["channel", "current", "optimal", "marginal_roi"]].round(2)
      channel  current  optimal  marginal_roi
    0      tv      1.0     1.54          0.47
    1  search      1.0     0.46          0.47
    """  # noqa: E501

    channels: tuple[str, ...]
    total: float
    n_weeks: int
    allocation: FloatArray = attrs.field(converter=_readonly, repr=False)
    current: FloatArray = attrs.field(converter=_readonly, repr=False)
    lower: FloatArray = attrs.field(converter=_readonly, repr=False)
    upper: FloatArray = attrs.field(converter=_readonly, repr=False)
    fixed: npt.NDArray[np.bool_] = attrs.field(repr=False)
    predicted: float
    current_predicted: float
    marginal_roi: FloatArray = attrs.field(converter=_readonly, repr=False)
    n_starts: int
    converged: bool

    @property
    def gain(self) -> float:
        """Predicted KPI of the optimal allocation minus that of the current one."""
        return self.predicted - self.current_predicted

    @property
    def gain_pct(self) -> float:
        """Gain relative to the current allocation's predicted KPI (NaN when that is zero)."""
        return self.gain / self.current_predicted if self.current_predicted else float("nan")

    def to_frame(self) -> pd.DataFrame:
        """One row per channel.

        Columns: ``channel``, ``current``, ``optimal``, ``change``, ``optimal_share``,
        ``weekly_spend``, ``lower``, ``upper``, ``fixed``, ``marginal_roi``.
        """
        return pd.DataFrame(
            {
                "channel": pd.Series(self.channels, dtype=str),
                "current": self.current.copy(),
                "optimal": self.allocation.copy(),
                "change": self.allocation - self.current,
                "optimal_share": self.allocation / self.total if self.total else np.nan,
                "weekly_spend": self.allocation / self.n_weeks,
                "lower": self.lower.copy(),
                "upper": self.upper.copy(),
                "fixed": self.fixed.copy(),
                "marginal_roi": self.marginal_roi.copy(),
            }
        )

    def summary(self) -> pd.DataFrame:
        """Totals: budget, predicted KPI of both allocations, gain and relative gain."""
        return pd.DataFrame(
            {
                "metric": [
                    "total",
                    "n_weeks",
                    "current_predicted",
                    "optimal_predicted",
                    "gain",
                    "gain_pct",
                ],
                "value": [
                    self.total,
                    float(self.n_weeks),
                    self.current_predicted,
                    self.predicted,
                    self.gain,
                    self.gain_pct,
                ],
            }
        )

    def __repr__(self) -> str:
        shares = ", ".join(
            f"{c} {a / self.total:.0%}" if self.total else f"{c} 0"
            for c, a in zip(self.channels, self.allocation, strict=True)
        )
        return (
            f"BudgetResult(total {self.total:,.6g} over {self.n_weeks} weeks: {shares}; "
            f"predicted {self.predicted:,.6g} vs current {self.current_predicted:,.6g}, "
            f"gain {self.gain:+,.4g} ({self.gain_pct:+.1%}))"
        )

    def plot(self, ax: Any = None) -> Any:
        """Bars of the current and optimal spend per channel.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.

        Returns
        -------
        matplotlib Axes
        """
        axes = new_axes(ax)
        position = np.arange(len(self.channels))
        axes.bar(position - 0.2, self.current, width=0.4, label="current", color="#999999")
        axes.bar(position + 0.2, self.allocation, width=0.4, label="optimal", color="#4C72B0")
        axes.set_xticks(position, labels=list(self.channels), rotation=30)
        axes.set_ylabel(f"spend over {self.n_weeks} weeks")
        axes.set_title(f"Budget allocation: gain {self.gain:+,.4g} ({self.gain_pct:+.1%})")
        axes.legend()
        return axes


# --------------------------------------------------------------------------------------------
# the objective
# --------------------------------------------------------------------------------------------


def _warmup_weeks(model: BudgetModel) -> int:
    """Weeks of constant spend after which the adstock no longer changes."""
    l_max = getattr(getattr(model, "adstock", None), "l_max", None)
    if isinstance(l_max, int | np.integer) and l_max >= 0:
        return int(l_max) + 1
    return _DEFAULT_WARMUP


def _kpi_multiplier(model: BudgetModel) -> float:
    """``1 / (1 - lambda)``: a sustained media effect's total effect with KPI carryover."""
    lam = float(getattr(model, "kpi_lag", 0.0) or 0.0)
    return 1.0 / (1.0 - lam) if lam < 1.0 else math.inf


class _Objective:
    """Steady-state period KPI of weekly spend vectors, evaluated in batches."""

    def __init__(self, model: BudgetModel, n_weeks: int) -> None:
        self.model = model
        self.n_weeks = n_weeks
        self.warmup = _warmup_weeks(model)
        self.scale = _kpi_multiplier(model) * n_weeks

    def values(self, allocation: FloatArray) -> FloatArray:
        """Predicted period KPI for allocations ``(m, k)`` over the period."""
        weekly = np.asarray(allocation, dtype=np.float64) / self.n_weeks
        plan = np.broadcast_to(weekly[:, None, :], (weekly.shape[0], self.warmup, weekly.shape[1]))
        effect = np.asarray(self.model.media_effect(np.ascontiguousarray(plan)), dtype=np.float64)
        return np.asarray(effect[..., -1] * self.scale, dtype=np.float64)

    def value_and_grad(self, x: FloatArray, step: FloatArray) -> tuple[float, FloatArray]:
        """Value and central-difference gradient from one batched call."""
        k = x.shape[0]
        eye = np.eye(k) * step[:, None]
        batch = np.vstack([x[None, :], x + eye, np.maximum(x - eye, 0.0)])
        vals = self.values(batch)
        width = (batch[1 : k + 1] - batch[k + 1 :]).diagonal()
        grad = (vals[1 : k + 1] - vals[k + 1 :]) / np.where(width > 0, width, 1.0)
        return float(vals[0]), np.asarray(grad, dtype=np.float64)


def _project(y: FloatArray, low: FloatArray, high: FloatArray, total: float) -> FloatArray:
    """Closest point to ``y`` with ``low <= x <= high`` and ``sum(x) = total`` (bisection)."""
    lo, hi = float(np.min(y - high)), float(np.max(y - low))
    for _ in range(100):  # the sum is monotone in the shift; 100 halvings reach float precision
        mid = 0.5 * (lo + hi)
        if np.clip(y - mid, low, high).sum() > total:
            lo = mid
        else:
            hi = mid
    return np.asarray(np.clip(y - 0.5 * (lo + hi), low, high), dtype=np.float64)


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------


def _check_model(model: object) -> tuple[tuple[str, ...], FloatArray]:
    channels = getattr(model, "channels", None)
    spend = getattr(model, "spend", None)
    if not callable(getattr(model, "media_effect", None)) or channels is None or spend is None:
        raise InvalidParameterError(
            f"The 'model' parameter of {_FUNC} must be a fitted mix model (from fit_mix_model) "
            f"or any object with channels, spend and media_effect(spend). Got "
            f"{describe_argument(model)}."
        )
    names = tuple(str(c) for c in channels)
    history = np.asarray(spend, dtype=np.float64)
    if history.ndim != 2 or history.shape[1] != len(names):
        raise InvalidParameterError(
            f"model.spend must have shape (n_weeks, {len(names)}); got {history.shape}."
        )
    return names, history


def _channel_map(value: object, name: str, channels: tuple[str, ...]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidParameterError(
            f"The {name!r} parameter of {_FUNC} must be a mapping from channel to value or None. "
            f"Got {short_repr(value)} instead."
        )
    unknown = [c for c in value if c not in channels]
    if unknown:
        raise InvalidParameterError(
            f"The {name!r} parameter of {_FUNC} names unknown channel(s) {unknown}; the model "
            f"has {list(channels)}."
        )
    return dict(value)


def _limit(value: float | None) -> str:
    return "None" if value is None else f"{value:g}"


def _bounds(
    bounds: object, fixed: object, channels: tuple[str, ...], total: float
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    k = len(channels)
    low, high = np.zeros(k), np.full(k, total)
    # the limits as the caller wrote them (None for no limit), to check fixed amounts against
    stated: dict[str, tuple[float | None, float | None]] = {}
    for channel, pair in _channel_map(bounds, "bounds", channels).items():
        ok = isinstance(pair, tuple | list) and len(pair) == 2
        i = channels.index(channel)
        if not ok:
            raise InvalidParameterError(
                f"bounds[{channel!r}] of {_FUNC} must be a (low, high) pair of spend over the "
                f"period; use None for no limit. Got {short_repr(pair)} instead."
            )
        lo, hi = pair
        lo_ = None if lo is None else check_real(lo, f"bounds[{channel!r}][0]", func=_FUNC, low=0.0)
        hi_ = None if hi is None else check_real(hi, f"bounds[{channel!r}][1]", func=_FUNC, low=0.0)
        if lo_ is not None:
            low[i] = lo_
        if hi_ is not None:
            high[i] = min(total, hi_)
        if low[i] > high[i]:
            raise InvalidParameterError(
                f"bounds[{channel!r}] of {_FUNC} has low {low[i]:g} above high {high[i]:g}."
            )
        stated[channel] = (lo_, hi_)
    is_fixed = np.zeros(k, dtype=bool)
    for channel, amount in _channel_map(fixed, "fixed", channels).items():
        i = channels.index(channel)
        value = check_real(amount, f"fixed[{channel!r}]", func=_FUNC, low=0.0)
        lo_, hi_ = stated.get(channel, (None, None))
        if (lo_ is not None and value < lo_) or (hi_ is not None and value > hi_):
            raise InvalidParameterError(
                f"The 'fixed' and 'bounds' parameters of {_FUNC} contradict each other for "
                f"channel {channel!r}: fixed[{channel!r}] = {value:g} lies outside "
                f"bounds[{channel!r}] = ({_limit(lo_)}, {_limit(hi_)}). A fixed channel is held "
                "at its amount; drop it from bounds or change one of the two."
            )
        low[i] = high[i] = value
        is_fixed[i] = True
    if low.sum() > total * (1 + 1e-12) or high.sum() < total * (1 - 1e-12):
        raise InvalidParameterError(
            f"The bounds and fixed amounts of {_FUNC} cannot meet the total {total:g}: the "
            f"lower bounds add up to {low.sum():g} and the upper bounds to {high.sum():g}."
        )
    return low, high, is_fixed


def optimize_budget(
    model: BudgetModel,
    *,
    total: float,
    bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
    fixed: Mapping[str, float] | None = None,
    n_weeks: int = 1,
    n_starts: int = 8,
    seed: int | np.random.Generator = 0,
) -> BudgetResult:
    """Split a budget across channels to maximise the KPI a mix model predicts.

    The plan spends ``allocation / n_weeks`` every week. Its value is the model's steady-state
    weekly media effect (adstock built up; with KPI carryover, scaled by ``1 / (1 - lambda)``)
    times ``n_weeks``: the incremental KPI of a sustained plan, interaction terms included. The
    current allocation is the historical mix (average weekly spend shares) scaled to ``total``,
    so the gain compares two plans of the same budget.

    Parameters
    ----------
    model : MixModel
        A fitted mix model (:func:`fit_mix_model`), or any object with ``channels``, ``spend``
        (historical weekly spend, ``(n_weeks, k)``) and ``media_effect(spend)``.
    total : float
        Budget over the planning period (> 0), in spend units.
    bounds : mapping of str to (low, high), optional
        Spend limits over the period per channel; ``None`` for no limit on a side. Default:
        between 0 and ``total``.
    fixed : mapping of str to float, optional
        Channels held at a given spend over the period (counted in ``total``). A channel may
        also appear in ``bounds`` only if its fixed amount lies within them.
    n_weeks : int, default 1
        Weeks in the planning period.
    n_starts : int, default 8
        Optimiser starts (the current mix, an equal split, then random feasible points).
    seed : int or numpy.random.Generator, default 0
        Source of the random starts.

    Returns
    -------
    BudgetResult

    Raises
    ------
    InvalidParameterError
        When the model lacks what is needed, a channel is unknown, a fixed amount lies outside
        the channel's bounds, or the bounds cannot meet the total.
    OmnichannelError
        When no start reaches a feasible point.

    Examples
    --------
    tv works harder than search here; search must keep at least 0.5 of a weekly budget of 2:

    >>> import omnichannel as oc
    >>> hill = oc.Hill(half_saturation=0.5, slope=1.0)
    >>> sim = oc.simulate_mix(
    ...     n_weeks=156, beta=[2.0, 0.5], interaction=1.0, saturation=hill, spend_cv=0.5,
    ...     noise_sd=0.05, seed=4,
    ... )
    >>> model = oc.fit_mix_model(
    ...     sim.data,
    ...     kpi="kpi",
    ...     media=["tv", "search"],
    ...     adstock=oc.Geometric(alpha=0.0, l_max=1),
    ...     saturation=hill,
    ...     trend=False,
    ...     seasonality=None,
    ...     n_boot=0,
    ... )
    >>> result = oc.optimize_budget(model, total=2.0, bounds={"search": (0.5, None)})
    >>> result.to_frame()[["channel", "current", "optimal"]].round(2)
      channel  current  optimal
    0      tv     1.01      1.5
    1  search     0.99      0.5
    >>> round(result.gain_pct, 2)
    0.07
    """
    channels, history = _check_model(model)
    budget = check_real(total, "total", func=_FUNC, low=0.0, low_open=True)
    weeks = check_int(n_weeks, "n_weeks", func=_FUNC, low=1)
    starts = check_int(n_starts, "n_starts", func=_FUNC, low=1)
    assert weeks is not None
    assert starts is not None
    rng = as_generator(seed, func=_FUNC)
    low, high, is_fixed = _bounds(bounds, fixed, channels, budget)
    k = len(channels)

    mean_spend = history.mean(axis=0)
    shares = mean_spend / mean_spend.sum() if mean_spend.sum() > 0 else np.full(k, 1.0 / k)
    current = shares * budget
    objective = _Objective(model, weeks)
    step = np.full(k, 1e-6 * budget)

    free = ~is_fixed
    budget_free = budget - float(low[is_fixed].sum())
    candidates = [
        _project(current, low, high, budget),
        _project(np.full(k, budget / k), low, high, budget),
    ]
    for _ in range(max(0, starts - 2)):
        candidates.append(_project(rng.dirichlet(np.ones(k)) * budget, low, high, budget))

    best_x: FloatArray | None = None
    best_value, best_ok = -math.inf, False
    if free.sum() <= 1:  # nothing to choose: the bounds and the total fix every channel
        best_x, best_ok = candidates[0], True
        best_value = float(objective.values(best_x[None, :])[0])
    else:
        sub_low, sub_high = low[free], high[free]
        scale = max(budget, 1e-300)

        def fun(z: FloatArray) -> tuple[float, FloatArray]:
            x = low.copy()
            x[free] = z * scale
            value, grad = objective.value_and_grad(x, step)
            return -value, -grad[free] * scale

        n_free = int(free.sum())
        # the budget equality on the free channels, in units of the total
        constraint = optimize.LinearConstraint(
            np.ones((1, n_free)), budget_free / scale, budget_free / scale
        )
        box = optimize.Bounds(sub_low / scale, sub_high / scale)
        for start in candidates[:starts]:
            res = optimize.minimize(
                fun,
                start[free] / scale,
                jac=True,
                method="SLSQP",
                bounds=box,
                constraints=constraint,
                options={"maxiter": 500, "ftol": 1e-12},
            )
            x = low.copy()
            x[free] = np.clip(res.x * scale, sub_low, sub_high)
            x = _project(x, low, high, budget)  # remove round-off from the equality
            value = float(objective.values(x[None, :])[0])
            if value > best_value:
                best_x, best_value, best_ok = x, value, bool(res.success)
    if best_x is None or not np.isfinite(best_value):
        raise OmnichannelError(
            f"{_FUNC} found no feasible allocation with a finite predicted KPI; check the model "
            "and the bounds."
        )
    current_value = float(objective.values(current[None, :])[0])
    if current_value > best_value and np.all(current >= low) and np.all(current <= high):
        best_x, best_value = current, current_value  # never report a plan worse than today's
    _, grad = objective.value_and_grad(best_x, step)
    return BudgetResult(
        channels=channels,
        total=budget,
        n_weeks=weeks,
        allocation=best_x,
        current=current,
        lower=low,
        upper=high,
        fixed=is_fixed,
        predicted=best_value,
        current_predicted=current_value,
        marginal_roi=grad,
        n_starts=min(starts, len(candidates)),
        converged=best_ok,
    )
