"""Replenishment policies of one stocking point: base stock, (s, S), (r, Q), EOQ, lot sizing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from .._exceptions import InvalidParameterError
from .._validation import check_choice, check_int, check_real, short_repr
from ._demand import Demand, NegativeBinomialDemand, PoissonDemand
from ._newsvendor import check_costs, check_demand
from ._single_results import (
    BaseStockResult,
    EOQResult,
    LotSizingResult,
    RQPolicyResult,
    SSPolicyResult,
)

__all__ = [
    "SERVICE_MEASURES",
    "ServiceMeasure",
    "base_stock_level",
    "eoq",
    "r_Q_policy",
    "s_S_policy",
    "safety_stock",
    "wagner_whitin",
]

FloatArray = npt.NDArray[np.float64]
ServiceMeasure = Literal["cycle_service_level", "fill_rate"]
#: Service measures a base-stock level can target.
SERVICE_MEASURES: tuple[ServiceMeasure, ...] = ("cycle_service_level", "fill_rate")


# ------------------------------------------------------------------------------------------
# base stock


def _zero_lead_shortage(level: FloatArray) -> FloatArray:
    return np.maximum(-level, 0.0)


def base_stock_level(
    demand: Demand,
    *,
    target: float,
    service: ServiceMeasure = "cycle_service_level",
    lead_time: float = 0.0,
    review_period: float = 1.0,
) -> BaseStockResult:
    """Order-up-to level per item meeting a service target over lead time plus review period.

    With periodic review every ``review_period`` periods and a replenishment lead time of
    ``lead_time`` periods, an order-up-to level ``S`` must cover demand over the protection
    interval of ``lead_time + review_period`` periods (demand per period independent and
    identically distributed; unmet demand backordered).

    - ``service="cycle_service_level"``: the probability of no stockout in a cycle is at least
      ``target``, so ``S`` is the ``target`` quantile of protection-interval demand.
    - ``service="fill_rate"``: the expected share of demand met from stock is at least
      ``target``. The shortage of a cycle is ``E[(D(L+R) - S)+] - E[(D(L) - S)+]`` and the fill
      rate ``1 - shortage / (R * mean)``.

    Levels are continuous for normal demand, integers for Poisson and negative binomial demand,
    and support values for discrete and sample demand. With ``service="fill_rate"`` an item
    without demand (mean 0) gets level 0.

    Parameters
    ----------
    demand : NormalDemand, PoissonDemand, NegativeBinomialDemand, DiscreteDemand or SampleDemand
        Demand per period of each item. Discrete and sample demand cannot be aggregated over
        periods: pass protection-interval demand with ``lead_time=0`` and ``review_period=1``.
    target : float
        Service target in (0, 1).
    service : {"cycle_service_level", "fill_rate"}, default "cycle_service_level"
        What ``target`` measures.
    lead_time : float, default 0
        Replenishment lead time in periods, >= 0.
    review_period : float, default 1
        Periods between reviews, > 0.

    Returns
    -------
    BaseStockResult
        Level, safety stock, protection-interval mean and standard deviation, and the cycle
        service level and fill rate the level achieves.

    Raises
    ------
    InvalidParameterError
        On a target outside (0, 1), a negative lead time, a non-positive review period, an
        unknown service measure, or discrete or sample demand over more than one period.

    See Also
    --------
    safety_stock : only the safety stock.
    newsvendor : the level from costs instead of a service target.

    Examples
    --------
    >>> import omnichannel as oc
    >>> demand = oc.NormalDemand(mean=[100.0, 40.0], std=[20.0, 15.0])
    >>> oc.base_stock_level(demand, target=0.95, lead_time=2, review_period=1).level.round(1)
    array([357. , 162.7])
    >>> res = oc.base_stock_level(oc.PoissonDemand(5), target=0.98, service="fill_rate")
    >>> res.level, res.fill_rate.round(3)
    (array([9.]), array([0.989]))
    """
    func = "base_stock_level"
    demand = check_demand(demand, func)
    goal = check_real(target, "target", func=func, low=0.0, high=1.0, low_open=True, high_open=True)
    measure = check_choice(service, "service", SERVICE_MEASURES, func=func)
    lead = check_real(lead_time, "lead_time", func=func, low=0.0)
    review = check_real(review_period, "review_period", func=func, low=0.0, low_open=True)
    protection = demand._over(lead + review, func)
    mean_lr = protection.mean()
    if lead > 0:
        during_lead = demand._over(lead, func)
        lead_shortage: Callable[[FloatArray], FloatArray] = during_lead.expected_shortage
    else:
        lead_shortage = _zero_lead_shortage
    per_cycle = review * demand.mean()

    def fill_rate(level: FloatArray) -> FloatArray:
        short = protection.expected_shortage(level) - lead_shortage(level)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(per_cycle > 0, 1.0 - short / per_cycle, 1.0)

    if measure == "cycle_service_level":
        level = protection.ppf(goal)
    elif (per_cycle <= 0).all():
        level = np.zeros(demand.n_items)
    elif not protection.discrete:
        level = _continuous_search(fill_rate, goal, protection)
    elif isinstance(protection, PoissonDemand | NegativeBinomialDemand):
        level = _integer_search(fill_rate, goal, protection)
    else:
        support = protection._values  # type: ignore[attr-defined]
        rates = np.stack([fill_rate(support[:, k]) for k in range(support.shape[1])], axis=1)
        first = np.argmax(rates >= goal - 1e-12, axis=1)
        level = support[np.arange(support.shape[0]), first]
    # Any level serves all of no demand; the search would return its lower bound, so an item
    # without demand gets level 0 (stock nothing) instead.
    level = np.where(per_cycle > 0, level, 0.0)
    return BaseStockResult(
        level=level,
        safety_stock=level - mean_lr,
        protection_mean=mean_lr,
        protection_std=protection.std(),
        cycle_service_level=protection.cdf(level),
        fill_rate=fill_rate(level),
    )


def _bounds(protection: Demand) -> tuple[FloatArray, FloatArray]:
    mean, std = protection.mean(), protection.std()
    return mean - 12.0 * std - 1.0, mean + 12.0 * std + 1.0


def _continuous_search(
    rate: Callable[[FloatArray], FloatArray], goal: float, protection: Demand
) -> FloatArray:
    lo, hi = _bounds(protection)
    lo = lo - protection.mean()  # the lead-time term needs room below the lead-time mean
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        ok = rate(mid) >= goal
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
        if (hi - lo <= 1e-10 * np.maximum(1.0, np.abs(hi))).all():
            break
    return hi


def _integer_search(
    rate: Callable[[FloatArray], FloatArray], goal: float, protection: Demand
) -> FloatArray:
    lo, hi = _bounds(protection)
    lo, hi = np.floor(lo - protection.mean()), np.ceil(hi)
    while not (rate(hi) >= goal).all():
        hi = hi + (hi - lo)
    while (hi - lo > 1).any():
        mid = np.floor(0.5 * (lo + hi))
        ok = rate(mid) >= goal
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    return hi


def safety_stock(
    demand: Demand,
    *,
    target: float,
    service: ServiceMeasure = "cycle_service_level",
    lead_time: float = 0.0,
    review_period: float = 1.0,
) -> FloatArray:
    """Safety stock per item: base-stock level minus mean demand over the protection interval.

    Parameters
    ----------
    demand : NormalDemand, PoissonDemand, NegativeBinomialDemand, DiscreteDemand or SampleDemand
        Demand per period of each item.
    target : float
        Service target in (0, 1).
    service : {"cycle_service_level", "fill_rate"}, default "cycle_service_level"
        What ``target`` measures.
    lead_time : float, default 0
        Replenishment lead time in periods, >= 0.
    review_period : float, default 1
        Periods between reviews, > 0.

    Returns
    -------
    numpy.ndarray
        Safety stock per item (negative when the target is below what mean demand achieves).

    Raises
    ------
    InvalidParameterError
        As :func:`base_stock_level`.

    See Also
    --------
    base_stock_level : the full result.

    Examples
    --------
    Normal demand and a cycle service level: ``z * std * sqrt(lead_time + review_period)``.

    >>> import omnichannel as oc
    >>> oc.safety_stock(oc.NormalDemand(100, 20), target=0.95, lead_time=3).round(2)
    array([65.79])
    """
    return base_stock_level(
        demand, target=target, service=service, lead_time=lead_time, review_period=review_period
    ).safety_stock


# ------------------------------------------------------------------------------------------
# (s, S) and (r, Q)


def _count_demand(demand: object, func: str, allowed: tuple[type[Demand], ...]) -> Demand:
    if not isinstance(demand, allowed):
        names = " or ".join(cls.__name__ for cls in allowed)
        raise InvalidParameterError(
            f"The 'demand' argument of {func} must be {names} (integer demand with a "
            f"closed-form distribution). Got {type(demand).__name__} instead."
        )
    return demand


def _pmf(demand: Demand, item: int) -> Callable[[npt.NDArray[np.int64]], FloatArray]:
    if isinstance(demand, PoissonDemand):
        lam = float(demand.mean_[item])
        return lambda k: np.asarray(stats.poisson.pmf(k, lam), float)
    assert isinstance(demand, NegativeBinomialDemand)
    n, p = float(demand._n[item]), float(demand._p[item])
    return lambda k: np.asarray(stats.nbinom.pmf(k, n, p), float)


class _Lazy:
    """Values of an integer function on a growing window, computed in vectorised blocks."""

    def __init__(self, func: Callable[[npt.NDArray[np.int64]], FloatArray], center: int) -> None:
        self._func = func
        self._lo = center - 64
        self._values = func(np.arange(self._lo, center + 64, dtype=np.int64))

    def __call__(self, lo: int, hi: int) -> FloatArray:
        """Values at ``lo, lo + 1, ..., hi - 1``."""
        start, stop = self._lo, self._lo + self._values.size
        if lo < start or hi > stop:
            width = stop - start
            new_lo = min(lo, start) - (width if lo < start else 0)
            new_hi = max(hi, stop) + (width if hi > stop else 0)
            self._values = self._func(np.arange(new_lo, new_hi, dtype=np.int64))
            self._lo = new_lo
        return self._values[lo - self._lo : hi - self._lo]


class _RenewalWeights:
    """``m(j)``: expected periods in which cumulative demand equals ``j`` (Zheng-Federgruen)."""

    def __init__(self, pmf: Callable[[npt.NDArray[np.int64]], FloatArray]) -> None:
        self._pmf = pmf
        self._p = pmf(np.arange(256, dtype=np.int64))
        self._m = np.array([1.0 / (1.0 - self._p[0])])
        self._cum = np.array([0.0, self._m[0]])

    def _grow(self, size: int) -> None:
        if size > self._p.size:
            self._p = self._pmf(np.arange(2 * size, dtype=np.int64))
        m = np.empty(size)
        m[: self._m.size] = self._m
        scale = 1.0 / (1.0 - self._p[0])
        for j in range(self._m.size, size):
            m[j] = scale * float(np.dot(self._p[1 : j + 1], m[j - 1 :: -1][:j]))
        self._m = m
        self._cum = np.concatenate([[0.0], np.cumsum(m)])

    def m(self, count: int) -> FloatArray:
        """``m(0), ..., m(count - 1)``."""
        if count > self._m.size:
            self._grow(max(count, 2 * self._m.size))
        return self._m[:count]

    def big_m(self, j: int) -> float:
        """``M(j) = m(0) + ... + m(j - 1)``, the expected cycle length for ``S - s = j``."""
        self.m(j)
        return float(self._cum[j])


def _ss_one(
    g: _Lazy, weights: _RenewalWeights, fixed: float, y_star: int
) -> tuple[int, int, float]:
    def cost(s: int, big_s: int) -> float:
        j = big_s - s
        values = g(s + 1, big_s + 1)[::-1]  # G(S), G(S - 1), ..., G(s + 1)
        return (fixed + float(np.dot(weights.m(j), values))) / weights.big_m(j)

    def g_at(y: int) -> float:
        return float(g(y, y + 1)[0])

    # Zheng & Federgruen (1991), Step 0: the best s for S = y*.
    s = y_star - 1
    while cost(s, y_star) > g_at(s):
        s -= 1
    c0 = cost(s, y_star)
    big_s0 = y_star
    big_s = big_s0 + 1
    # Step 1: raise S while G(S) <= c0; improve s whenever S improves.
    while g_at(big_s) <= c0:
        if cost(s, big_s) < c0:
            big_s0 = big_s
            while cost(s, big_s0) <= g_at(s + 1):
                s += 1
            c0 = cost(s, big_s0)
        big_s += 1
    return s, big_s0, c0


def _stage_cost(
    demand: Demand, periods: float, holding: float, stockout: float, item: int, func: str
) -> Callable[[npt.NDArray[np.int64]], FloatArray]:
    over = demand._over(periods, func)

    def g(y: npt.NDArray[np.int64]) -> FloatArray:
        levels = y.astype(np.float64)
        n = levels.size
        short = np.empty(n)
        left = np.empty(n)
        # Evaluate one item's loss functions at many levels by broadcasting its parameters.
        single = _single(over, item, n)
        short[:] = single.expected_shortage(levels)
        left[:] = levels - single.mean() + short
        return holding * left + stockout * short

    return g


def _single(demand: Demand, item: int, n: int) -> Demand:
    if isinstance(demand, PoissonDemand):
        return PoissonDemand(mean=np.full(n, demand.mean_[item]))
    assert isinstance(demand, NegativeBinomialDemand)
    return NegativeBinomialDemand(
        mean=np.full(n, demand.mean_[item]), variance=np.full(n, demand.variance_[item])
    )


def s_S_policy(
    demand: PoissonDemand | NegativeBinomialDemand,
    *,
    holding_cost: npt.ArrayLike,
    stockout_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    lead_time: int = 0,
) -> SSPolicyResult:
    """Optimal periodic-review ``(s, S)`` policy per item, by the Zheng-Federgruen algorithm.

    At each review, when the inventory position is at or below ``s``, order up to ``S``. Demand
    per period is integer and independent across periods; unmet demand is backordered. Each
    order costs ``fixed_cost``; each unit on hand at the end of a period costs ``holding_cost``
    and each unit backordered ``stockout_cost``. The policy minimises the long-run expected cost
    per period exactly (Zheng & Federgruen 1991), item by item. An item without demand
    (``PoissonDemand`` mean 0) gets ``s = -1``, ``S = 0`` and cost 0: it never orders.

    Parameters
    ----------
    demand : PoissonDemand or NegativeBinomialDemand
        Demand per period of each item.
    holding_cost, stockout_cost : float or array of float
        Cost per unit per period held and backordered, > 0.
    fixed_cost : float or array of float
        Cost per order, > 0.
    lead_time : int, default 0
        Lead time in periods, >= 0: costs are charged on the inventory position less demand over
        ``lead_time + 1`` periods.

    Returns
    -------
    SSPolicyResult
        ``s``, ``S`` and the expected cost per period of each item.

    Raises
    ------
    InvalidParameterError
        When the demand is not Poisson or negative binomial, or a cost is not positive.

    See Also
    --------
    r_Q_policy : continuous review.

    Notes
    -----
    Zheng, Y.-S. and Federgruen, A. (1991). Finding optimal (s, S) policies is about as simple
    as evaluating a single policy. Operations Research 39(4), 654-665.

    Examples
    --------
    Table I of Zheng & Federgruen (1991) for mean demand 10 and 20:

    >>> import omnichannel as oc
    >>> res = oc.s_S_policy(
    ...     oc.PoissonDemand([10, 20]), holding_cost=1, stockout_cost=9, fixed_cost=64
    ... )
    >>> res.s, res.S, res.expected_cost.round(3)
    (array([ 6., 14.]), array([40., 62.]), array([35.022, 49.173]))
    """
    func = "s_S_policy"
    demand = _count_demand(demand, func, (PoissonDemand, NegativeBinomialDemand))  # type: ignore[assignment]
    n = demand.n_items
    h = check_costs(holding_cost, "holding_cost", func, n, positive=True)
    p = check_costs(stockout_cost, "stockout_cost", func, n, positive=True)
    k = check_costs(fixed_cost, "fixed_cost", func, n, positive=True)
    lead = check_int(lead_time, "lead_time", func=func, low=0)
    assert lead is not None
    s_out, big_s_out, cost_out = np.empty(n), np.empty(n), np.empty(n)
    over = demand._over(lead + 1, func)
    y_stars = np.floor(over.ppf(p / (p + h)))
    for i in range(n):
        if demand.mean_[i] == 0:
            # No demand: hold nothing and never order (s = -1 < position 0 = S), at no cost.
            s_out[i], big_s_out[i], cost_out[i] = -1.0, 0.0, 0.0
            continue
        g = _Lazy(_stage_cost(demand, lead + 1, h[i], p[i], i, func), int(y_stars[i]))
        window = g(int(y_stars[i]) - 2, int(y_stars[i]) + 3)
        y_star = int(y_stars[i]) - 2 + int(np.argmin(window))
        s_out[i], big_s_out[i], cost_out[i] = _ss_one(
            g, _RenewalWeights(_pmf(demand, i)), float(k[i]), y_star
        )
    return SSPolicyResult(s=s_out, S=big_s_out, expected_cost=cost_out)


def _no_lead_cost(holding: float, stockout: float) -> Callable[[npt.NDArray[np.int64]], FloatArray]:
    def g(y: npt.NDArray[np.int64]) -> FloatArray:
        levels = y.astype(np.float64)
        return np.where(levels >= 0, holding * levels, -stockout * levels)

    return g


def r_Q_policy(
    demand: PoissonDemand,
    *,
    lead_time: float,
    holding_cost: npt.ArrayLike,
    stockout_cost: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
) -> RQPolicyResult:
    """Optimal continuous-review ``(r, Q)`` policy per item for Poisson demand with backorders.

    Whenever the inventory position falls to ``r``, order ``Q`` units, which arrive after
    ``lead_time``. The inventory position is uniform on ``r + 1, ..., r + Q``, so the cost per
    unit time is ``(fixed_cost * rate + sum of G(y) over y = r + 1 .. r + Q) / Q`` with
    ``G(y) = holding_cost * E[(y - D)+] + stockout_cost * E[(D - y)+]`` and ``D`` the lead-time
    demand. The optimum grows the set ``{r + 1, ..., r + Q}`` from the minimiser of ``G`` one
    cheapest neighbour at a time and stops when the next one costs more than the average
    (Federgruen & Zheng 1992); it is exact.

    Parameters
    ----------
    demand : PoissonDemand
        Demand rate per unit time of each item.
    lead_time : float
        Lead time in the same time unit, >= 0.
    holding_cost, stockout_cost : float or array of float
        Cost per unit per unit time held and backordered, > 0.
    fixed_cost : float or array of float
        Cost per order, > 0.

    Returns
    -------
    RQPolicyResult
        ``r``, ``Q`` and the expected cost per unit time of each item.

    Raises
    ------
    InvalidParameterError
        When the demand is not Poisson, the lead time is negative or a cost is not positive.

    See Also
    --------
    eoq : deterministic demand.
    s_S_policy : periodic review.

    Notes
    -----
    Federgruen, A. and Zheng, Y.-S. (1992). An efficient algorithm for computing an optimal
    (r, Q) policy in continuous review stochastic inventory systems. Operations Research 40(4),
    808-813.

    Examples
    --------
    Snyder & Shen (2019), Example 5.8:

    >>> import omnichannel as oc
    >>> res = oc.r_Q_policy(
    ...     oc.PoissonDemand(1.5), lead_time=2, holding_cost=20, stockout_cost=150, fixed_cost=100
    ... )
    >>> res.r, res.Q, res.expected_cost.round(2)
    (array([3.]), array([5.]), array([107.92]))
    """
    func = "r_Q_policy"
    demand = _count_demand(demand, func, (PoissonDemand,))  # type: ignore[assignment]
    n = demand.n_items
    lead = check_real(lead_time, "lead_time", func=func, low=0.0)
    h = check_costs(holding_cost, "holding_cost", func, n, positive=True)
    p = check_costs(stockout_cost, "stockout_cost", func, n, positive=True)
    k = check_costs(fixed_cost, "fixed_cost", func, n, positive=True)
    rate = demand.mean()
    r_out, q_out, cost_out = np.empty(n), np.empty(n), np.empty(n)
    y_stars = np.zeros(n)
    if lead > 0:
        y_stars = np.floor(demand._over(lead, func).ppf(p / (p + h)))
    for i in range(n):
        if lead > 0:
            g = _Lazy(_stage_cost(demand, lead, h[i], p[i], i, func), int(y_stars[i]))
        else:
            g = _Lazy(_no_lead_cost(float(h[i]), float(p[i])), 0)
        center = int(y_stars[i])
        window = g(center - 2, center + 3)
        y = center - 2 + int(np.argmin(window))
        lo, hi = y, y  # the chosen set is lo..hi
        total = float(k[i] * rate[i]) + float(g(y, y + 1)[0])
        avg = total  # Q = 1
        while True:
            left, right = float(g(lo - 1, lo)[0]), float(g(hi + 1, hi + 2)[0])
            nxt = min(left, right)
            if nxt >= avg:
                break
            if left <= right:
                lo -= 1
            else:
                hi += 1
            total += nxt
            avg = total / (hi - lo + 1)
        r_out[i], q_out[i], cost_out[i] = lo - 1, hi - lo + 1, avg
    return RQPolicyResult(r=r_out, Q=q_out, expected_cost=cost_out)


# ------------------------------------------------------------------------------------------
# deterministic demand


def eoq(
    demand_rate: npt.ArrayLike, *, fixed_cost: npt.ArrayLike, holding_cost: npt.ArrayLike
) -> EOQResult:
    """Economic order quantity per item (deterministic, constant demand; no shortages).

    Parameters
    ----------
    demand_rate : float or array of float
        Demand per unit time of each item, > 0.
    fixed_cost : float or array of float
        Cost per order, > 0.
    holding_cost : float or array of float
        Cost per unit held per unit time, > 0.

    Returns
    -------
    EOQResult
        ``order_quantity = sqrt(2 K lambda / h)``, ``cost = sqrt(2 K lambda h)`` and
        ``cycle_time = order_quantity / demand_rate``.

    Raises
    ------
    InvalidParameterError
        When a value is not a positive finite number.

    See Also
    --------
    r_Q_policy : the stochastic counterpart.

    Examples
    --------
    Snyder & Shen (2019), Example 3.1:

    >>> import omnichannel as oc
    >>> res = oc.eoq(1300, fixed_cost=8, holding_cost=0.225)
    >>> res.order_quantity.round(2), res.cost.round(2)
    (array([304.05]), array([68.41]))
    """
    func = "eoq"
    size = np.broadcast_shapes(
        np.shape(demand_rate), np.shape(fixed_cost), np.shape(holding_cost), (1,)
    )
    if len(size) != 1:
        raise InvalidParameterError(
            f"eoq takes numbers or 1-D arrays, one value per item; got shapes "
            f"{np.shape(demand_rate)}, {np.shape(fixed_cost)} and {np.shape(holding_cost)}."
        )
    n = size[0]
    lam = check_costs(demand_rate, "demand_rate", func, n, positive=True)
    k = check_costs(fixed_cost, "fixed_cost", func, n, positive=True)
    h = check_costs(holding_cost, "holding_cost", func, n, positive=True)
    quantity = np.sqrt(2.0 * k * lam / h)
    return EOQResult(
        order_quantity=quantity, cost=np.sqrt(2.0 * k * lam * h), cycle_time=quantity / lam
    )


def wagner_whitin(
    demand: npt.ArrayLike, *, fixed_cost: npt.ArrayLike, holding_cost: npt.ArrayLike
) -> LotSizingResult:
    """Optimal order plan for known, time-varying demand (the Wagner-Whitin dynamic program).

    Each period with an order pays ``fixed_cost``; each unit on hand at the end of a period pays
    ``holding_cost``. Demand must be met on time, starting from zero stock.

    Parameters
    ----------
    demand : array of float
        Demand per period, >= 0.
    fixed_cost : float or array of float
        Cost per order, >= 0, one value or one per period.
    holding_cost : float or array of float
        Cost per unit held at the end of a period, >= 0, one value or one per period.

    Returns
    -------
    LotSizingResult
        Order quantities, ending inventories and total cost.

    Raises
    ------
    InvalidParameterError
        When demand is not a non-empty 1-D array of finite values >= 0 or a cost is negative.

    Examples
    --------
    Snyder & Shen (2019), Example 3.9:

    >>> import omnichannel as oc
    >>> res = oc.wagner_whitin([90, 120, 80, 70], fixed_cost=500, holding_cost=2)
    >>> res.order_quantities, res.cost
    (array([210.,   0., 150.,   0.]), 1380.0)
    """
    func = "wagner_whitin"
    try:
        d = np.array(demand, dtype=np.float64)
    except (TypeError, ValueError):
        d = np.array([np.nan])
    if d.ndim != 1 or d.size == 0 or not (np.isfinite(d) & (d >= 0)).all():
        raise InvalidParameterError(
            f"The 'demand' argument of {func} must be a non-empty 1-D array of finite values "
            f">= 0, one per period. Got {short_repr(demand)} instead."
        )
    t_count = d.size
    k = check_costs(fixed_cost, "fixed_cost", func, t_count)
    h = check_costs(holding_cost, "holding_cost", func, t_count)
    # big_h[t]: holding cost of carrying one unit from period 0 to the end of period t - 1.
    big_h = np.concatenate([[0.0], np.cumsum(h)])
    cum_d = np.concatenate([[0.0], np.cumsum(d)])
    cum_dh = np.concatenate([[0.0], np.cumsum(d * big_h[:-1])])
    best = np.zeros(t_count + 1)
    choice = np.zeros(t_count + 1, dtype=np.intp)
    for t in range(1, t_count + 1):
        start = np.arange(t)  # an order in period `start` covers periods start .. t - 1
        served = cum_d[t] - cum_d[start]
        carry = (cum_dh[t] - cum_dh[start]) - big_h[start] * served
        total = best[start] + np.where(served > 0, k[start], 0.0) + carry
        choice[t] = int(np.argmin(total))
        best[t] = total[choice[t]]
    orders = np.zeros(t_count)
    end = t_count
    while end > 0:
        first = int(choice[end])
        orders[first] = cum_d[end] - cum_d[first]
        end = first
    ending = np.cumsum(orders) - np.cumsum(d)
    return LotSizingResult(
        demand=d, order_quantities=orders, ending_inventory=ending, cost=float(best[t_count])
    )
