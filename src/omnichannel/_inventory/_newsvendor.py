"""The newsvendor model and service levels of a given stock, vectorised over items."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError
from .._validation import short_repr
from ._demand import Demand
from ._single_results import NewsvendorResult

__all__ = ["check_costs", "check_demand", "newsvendor", "service_levels"]

FloatArray = npt.NDArray[np.float64]


def check_demand(demand: object, func: str) -> Demand:
    """Return ``demand`` if it is one of the demand families; raise otherwise."""
    if not isinstance(demand, Demand):
        raise InvalidParameterError(
            f"The 'demand' argument of {func} must be a demand distribution such as "
            f"NormalDemand, PoissonDemand, NegativeBinomialDemand, DiscreteDemand or "
            f"SampleDemand. Got {type(demand).__name__} instead."
        )
    return demand


def check_costs(
    value: object, name: str, func: str, n_items: int, *, positive: bool = False
) -> FloatArray:
    """``value`` as one finite cost >= 0 (> 0 when ``positive``) per item."""
    rule = "> 0" if positive else ">= 0"
    try:
        if isinstance(value, bool | np.bool_ | str):
            raise TypeError
        array = np.broadcast_to(np.asarray(value, dtype=np.float64), (n_items,)).astype(float)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"The {name!r} parameter of {func} must be a number {rule} or one per item "
            f"({n_items}). Got {short_repr(value)} instead."
        ) from None
    ok = np.isfinite(array) & ((array > 0) if positive else (array >= 0))
    if not ok.all():
        first = int(np.flatnonzero(~ok)[0])
        raise InvalidParameterError(
            f"The {name!r} parameter of {func} must be a finite number {rule}. "
            f"Got {array[first]!r} (item {first}) instead."
        )
    return array


def newsvendor(
    demand: Demand,
    *,
    unit_margin: npt.ArrayLike,
    overage_cost: npt.ArrayLike,
    shortage_penalty: npt.ArrayLike = 0.0,
) -> NewsvendorResult:
    """Optimal single-period stock for each item (the critical-fractile solution).

    Each unit short loses ``unit_margin + shortage_penalty``; each unit left over costs
    ``overage_cost`` (purchase cost minus salvage value, or holding cost). The optimal stock is
    the smallest ``q`` with ``P(D <= q) >= critical ratio``: a real number for
    :class:`NormalDemand`, an integer for Poisson and negative binomial demand, and a support
    value for :class:`DiscreteDemand` and :class:`SampleDemand`. Stock is never negative: when
    that quantile is below 0 (a normal whose mean is small next to its standard deviation, or
    negative sample values) the quantity is 0, the best stock >= 0 since the expected cost is
    convex in the stock.

    Parameters
    ----------
    demand : NormalDemand, PoissonDemand, NegativeBinomialDemand, DiscreteDemand or SampleDemand
        Demand of each item over the selling period.
    unit_margin : float or array of float
        Price minus unit cost, >= 0, one value or one per item.
    overage_cost : float or array of float
        Cost of a unit left over, >= 0.
    shortage_penalty : float or array of float, default 0
        Extra cost of a unit short beyond the lost margin (goodwill, backorder cost), >= 0.

    Returns
    -------
    NewsvendorResult
        Quantity, critical ratio, expected profit and cost, sales, leftover, shortage, fill rate
        and cycle service level per item.

    Raises
    ------
    InvalidParameterError
        When ``demand`` is not a demand family, a cost is negative or not finite, or
        ``unit_margin + shortage_penalty`` and ``overage_cost`` are both zero for an item.

    See Also
    --------
    service_levels : outcomes of a given stock.
    base_stock_level : stock for a service target with a lead time.

    Examples
    --------
    Snyder & Shen (2019), Example 4.3: holding cost 0.18, stockout cost 0.70, demand N(50, 8).

    >>> import omnichannel as oc
    >>> res = oc.newsvendor(
    ...     oc.NormalDemand(50, 8), unit_margin=0, shortage_penalty=0.7, overage_cost=0.18
    ... )
    >>> float(res.quantity[0]), float(res.expected_cost[0])
    (56.60..., 1.99...)

    Many items at once:

    >>> res = oc.newsvendor(oc.PoissonDemand([6, 20, 40]), unit_margin=4, overage_cost=1)
    >>> res.quantity
    array([ 8., 24., 45.])
    """
    func = "newsvendor"
    demand = check_demand(demand, func)
    n = demand.n_items
    margin = check_costs(unit_margin, "unit_margin", func, n)
    over = check_costs(overage_cost, "overage_cost", func, n)
    penalty = check_costs(shortage_penalty, "shortage_penalty", func, n)
    under = margin + penalty
    total = under + over
    if not (total > 0).all():
        first = int(np.flatnonzero(total <= 0)[0])
        raise InvalidParameterError(
            f"newsvendor needs unit_margin + shortage_penalty + overage_cost > 0 for every item; "
            f"item {first} has all costs 0. Give the item a margin or a cost."
        )
    ratio = under / total
    # Stock cannot be negative; the expected cost is convex in the stock, so the best stock
    # >= 0 is the unconstrained quantile clipped at 0 (a normal with a small mean, or negative
    # sample values, can put that quantile below 0).
    quantity = np.maximum(demand.ppf(ratio), 0.0)
    if not np.isfinite(quantity).all():
        first = int(np.flatnonzero(~np.isfinite(quantity))[0])
        raise InvalidParameterError(
            f"newsvendor has no finite optimum for item {first}: with overage_cost 0 or "
            f"unit_margin + shortage_penalty 0 the critical ratio is {ratio[first]:g}. "
            "Give both sides of the trade-off a positive cost."
        )
    shortage = demand.expected_shortage(quantity)
    leftover = demand.expected_leftover(quantity)
    sales = demand.mean() - shortage
    return NewsvendorResult(
        quantity=quantity,
        critical_ratio=ratio,
        expected_profit=margin * sales - over * leftover - penalty * shortage,
        expected_cost=over * leftover + under * shortage,
        expected_sales=sales,
        expected_leftover=leftover,
        expected_shortage=shortage,
        fill_rate=demand.fill_rate(quantity),
        cycle_service_level=demand.cdf(quantity),
    )


def service_levels(demand: Demand, stock: npt.ArrayLike) -> pd.DataFrame:
    """Return the expected outcomes of holding ``stock`` against ``demand``, per item.

    Parameters
    ----------
    demand : NormalDemand, PoissonDemand, NegativeBinomialDemand, DiscreteDemand or SampleDemand
        Demand of each item over the period.
    stock : float or array of float
        Units available, >= 0, one value or one per item.

    Returns
    -------
    pandas.DataFrame
        One row per item: ``item``, ``stock``, ``mean_demand``, ``expected_sales``,
        ``expected_shortage``, ``expected_leftover``, ``fill_rate`` (share of demand met) and
        ``cycle_service_level`` (probability of no stockout).

    Raises
    ------
    InvalidParameterError
        When ``demand`` is not a demand family or ``stock`` is negative, not finite or does not
        broadcast.

    See Also
    --------
    newsvendor : the optimal stock.

    Examples
    --------
    >>> import omnichannel as oc
    >>> levels = oc.service_levels(oc.PoissonDemand([6, 6]), [6, 9])
    >>> levels[["stock", "expected_shortage", "fill_rate", "cycle_service_level"]].round(3)
       stock  expected_shortage  fill_rate  cycle_service_level
    0    6.0              0.964      0.839                0.606
    1    9.0              0.161      0.973                0.916
    """
    demand = check_demand(demand, "service_levels")
    try:
        if isinstance(stock, bool | np.bool_ | str):
            raise TypeError
        q = np.broadcast_to(np.asarray(stock, dtype=np.float64), (demand.n_items,)).astype(float)
    except (TypeError, ValueError):
        q = np.array([np.nan])
        bad = True
    else:
        bad = not np.isfinite(q).all()
    if bad:
        raise InvalidParameterError(
            f"The 'stock' parameter of service_levels must be finite numbers, one value or one "
            f"per item ({demand.n_items}). Got {short_repr(stock)} instead."
        )
    if (q < 0).any():
        first = int(np.flatnonzero(q < 0)[0])
        raise InvalidParameterError(
            f"The 'stock' parameter of service_levels must be >= 0 (units available); got "
            f"{float(q[first])!r} at item {first}. Net backorders out of the demand instead, or "
            "use simulate_policy with unmet_demand='backorder'."
        )
    shortage = demand.expected_shortage(q)
    return pd.DataFrame(
        {
            "item": np.arange(demand.n_items),
            "stock": q,
            "mean_demand": demand.mean(),
            "expected_sales": demand.mean() - shortage,
            "expected_shortage": shortage,
            "expected_leftover": demand.expected_leftover(q),
            "fill_rate": demand.fill_rate(q),
            "cycle_service_level": demand.cdf(q),
        }
    )
