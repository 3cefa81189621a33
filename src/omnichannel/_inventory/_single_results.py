"""Result classes of the single-node inventory primitives."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "BaseStockResult",
    "EOQResult",
    "LotSizingResult",
    "NewsvendorResult",
    "PoolingResult",
    "RQPolicyResult",
    "SSPolicyResult",
]

FloatArray = npt.NDArray[np.float64]


def _readonly(value: object) -> FloatArray:
    array = np.array(value, dtype=np.float64)
    array.flags.writeable = False
    return array


def _frame(columns: dict[str, FloatArray]) -> pd.DataFrame:
    first = next(iter(columns.values()))
    data: dict[str, Any] = {"item": np.arange(first.shape[0])}
    data.update({name: values.copy() for name, values in columns.items()})
    return pd.DataFrame(data)


def _short(values: FloatArray) -> str:
    shown = ", ".join(f"{v:.4g}" for v in values[:4])
    return f"[{shown}{', ...' if values.size > 4 else ''}]"


@attrs.frozen(eq=False)
class NewsvendorResult:
    """Optimal single-period stock per item and its expected outcomes.

    Attributes
    ----------
    quantity : numpy.ndarray
        Optimal stock (an integer or support value for discrete demand).
    critical_ratio : numpy.ndarray
        ``(unit_margin + shortage_penalty) / (unit_margin + shortage_penalty + overage_cost)``.
    expected_profit : numpy.ndarray
        ``unit_margin * sales - overage_cost * leftover - shortage_penalty * shortage``.
    expected_cost : numpy.ndarray
        Expected mismatch cost ``overage_cost * leftover + (unit_margin + shortage_penalty) *
        shortage``; profit equals ``unit_margin * mean - cost``.
    expected_sales, expected_leftover, expected_shortage : numpy.ndarray
        Expected units sold, left over and short.
    fill_rate, cycle_service_level : numpy.ndarray
        Share of demand met, and probability of no stockout.

    Examples
    --------
    >>> import omnichannel as oc
    >>> res = oc.newsvendor(oc.PoissonDemand(6), unit_margin=4, overage_cost=1)
    >>> res.to_frame()[["item", "quantity", "expected_cost", "fill_rate"]].round(3)
       item  quantity  expected_cost  fill_rate
    0     0       8.0           3.57      0.948
    """

    quantity: FloatArray = attrs.field(converter=_readonly, repr=False)
    critical_ratio: FloatArray = attrs.field(converter=_readonly, repr=False)
    expected_profit: FloatArray = attrs.field(converter=_readonly, repr=False)
    expected_cost: FloatArray = attrs.field(converter=_readonly, repr=False)
    expected_sales: FloatArray = attrs.field(converter=_readonly, repr=False)
    expected_leftover: FloatArray = attrs.field(converter=_readonly, repr=False)
    expected_shortage: FloatArray = attrs.field(converter=_readonly, repr=False)
    fill_rate: FloatArray = attrs.field(converter=_readonly, repr=False)
    cycle_service_level: FloatArray = attrs.field(converter=_readonly, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per item with every attribute as a column."""
        return _frame({f.name: getattr(self, f.name) for f in attrs.fields(type(self))})

    def summary(self) -> pd.DataFrame:
        """Totals over the items: stock, profit, cost, sales, leftover, shortage, fill rate."""
        sales = float(self.expected_sales.sum())
        demand = sales + float(self.expected_shortage.sum())
        return pd.DataFrame(
            {
                "items": [self.quantity.size],
                "quantity": [float(self.quantity.sum())],
                "expected_profit": [float(self.expected_profit.sum())],
                "expected_cost": [float(self.expected_cost.sum())],
                "expected_sales": [sales],
                "expected_leftover": [float(self.expected_leftover.sum())],
                "expected_shortage": [float(self.expected_shortage.sum())],
                "fill_rate": [sales / demand if demand else 1.0],
            }
        )

    def __repr__(self) -> str:
        return (
            f"NewsvendorResult({self.quantity.size} items, quantity {_short(self.quantity)}, "
            f"expected cost {_short(self.expected_cost)})"
        )


@attrs.frozen(eq=False)
class BaseStockResult:
    """Base-stock (order-up-to) levels per item for a service target.

    Attributes
    ----------
    level : numpy.ndarray
        Order-up-to level ``S`` covering the protection interval.
    safety_stock : numpy.ndarray
        ``level`` minus the mean demand over the protection interval.
    protection_mean, protection_std : numpy.ndarray
        Mean and standard deviation of demand over lead time plus review period.
    cycle_service_level : numpy.ndarray
        Probability of no stockout in a replenishment cycle with this level.
    fill_rate : numpy.ndarray
        Share of demand met from stock with this level.

    Examples
    --------
    >>> import omnichannel as oc
    >>> res = oc.base_stock_level(oc.NormalDemand(100, 20), lead_time=3, target=0.95)
    >>> res.to_frame()[["level", "safety_stock", "protection_std", "fill_rate"]].round(2)
        level  safety_stock  protection_std  fill_rate
    0  465.79         65.79            40.0       0.99
    """

    level: FloatArray = attrs.field(converter=_readonly, repr=False)
    safety_stock: FloatArray = attrs.field(converter=_readonly, repr=False)
    protection_mean: FloatArray = attrs.field(converter=_readonly, repr=False)
    protection_std: FloatArray = attrs.field(converter=_readonly, repr=False)
    cycle_service_level: FloatArray = attrs.field(converter=_readonly, repr=False)
    fill_rate: FloatArray = attrs.field(converter=_readonly, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per item with every attribute as a column."""
        return _frame({f.name: getattr(self, f.name) for f in attrs.fields(type(self))})

    def __repr__(self) -> str:
        return f"BaseStockResult({self.level.size} items, level {_short(self.level)})"


@attrs.frozen(eq=False)
class SSPolicyResult:
    """Optimal periodic-review ``(s, S)`` policy per item.

    Order up to ``S`` whenever the inventory position at a review is at or below ``s``.

    Attributes
    ----------
    s, S : numpy.ndarray
        Reorder point and order-up-to level (integers).
    expected_cost : numpy.ndarray
        Long-run expected cost per period (fixed, holding and backorder cost).

    Examples
    --------
    >>> import omnichannel as oc
    >>> res = oc.s_S_policy(oc.PoissonDemand(6), holding_cost=1, stockout_cost=4, fixed_cost=5)
    >>> res.to_frame().round(4)
       item    s     S  expected_cost
    0     0  4.0  10.0         8.0341
    """

    s: FloatArray = attrs.field(converter=_readonly, repr=False)
    S: FloatArray = attrs.field(converter=_readonly, repr=False)
    expected_cost: FloatArray = attrs.field(converter=_readonly, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per item: ``item``, ``s``, ``S``, ``expected_cost``."""
        return _frame({"s": self.s, "S": self.S, "expected_cost": self.expected_cost})

    def __repr__(self) -> str:
        return f"SSPolicyResult({self.s.size} items, s {_short(self.s)}, S {_short(self.S)})"


@attrs.frozen(eq=False)
class RQPolicyResult:
    """Optimal continuous-review ``(r, Q)`` policy per item.

    Order ``Q`` units whenever the inventory position falls to ``r``.

    Attributes
    ----------
    r, Q : numpy.ndarray
        Reorder point and order quantity (integers).
    expected_cost : numpy.ndarray
        Long-run expected cost per unit time (fixed, holding and backorder cost).

    Examples
    --------
    >>> import omnichannel as oc
    >>> res = oc.r_Q_policy(
    ...     oc.PoissonDemand(1.5), lead_time=2, holding_cost=20, stockout_cost=150, fixed_cost=100
    ... )
    >>> res.to_frame().round(2)
       item    r    Q  expected_cost
    0     0  3.0  5.0         107.92
    """

    r: FloatArray = attrs.field(converter=_readonly, repr=False)
    Q: FloatArray = attrs.field(converter=_readonly, repr=False)
    expected_cost: FloatArray = attrs.field(converter=_readonly, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per item: ``item``, ``r``, ``Q``, ``expected_cost``."""
        return _frame({"r": self.r, "Q": self.Q, "expected_cost": self.expected_cost})

    def __repr__(self) -> str:
        return f"RQPolicyResult({self.r.size} items, r {_short(self.r)}, Q {_short(self.Q)})"


@attrs.frozen(eq=False)
class EOQResult:
    """Economic order quantity per item.

    Attributes
    ----------
    order_quantity : numpy.ndarray
        ``sqrt(2 * fixed_cost * demand_rate / holding_cost)``.
    cost : numpy.ndarray
        Ordering plus holding cost per unit time at the optimum, ``sqrt(2 K lambda h)``.
    cycle_time : numpy.ndarray
        Time between orders, ``order_quantity / demand_rate``.

    Examples
    --------
    >>> import omnichannel as oc
    >>> oc.eoq(fixed_cost=8, holding_cost=0.225, demand_rate=1300).to_frame().round(2)
       item  order_quantity   cost  cycle_time
    0     0          304.05  68.41        0.23
    """

    order_quantity: FloatArray = attrs.field(converter=_readonly, repr=False)
    cost: FloatArray = attrs.field(converter=_readonly, repr=False)
    cycle_time: FloatArray = attrs.field(converter=_readonly, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per item: ``item``, ``order_quantity``, ``cost``, ``cycle_time``."""
        return _frame({f.name: getattr(self, f.name) for f in attrs.fields(type(self))})

    def __repr__(self) -> str:
        return f"EOQResult({self.order_quantity.size} items, Q {_short(self.order_quantity)})"


@attrs.frozen(eq=False)
class LotSizingResult:
    """Optimal order plan of a dynamic lot-sizing problem.

    Attributes
    ----------
    order_quantities : numpy.ndarray
        Units ordered in each period.
    ending_inventory : numpy.ndarray
        Stock left at the end of each period.
    cost : float
        Total fixed plus holding cost.

    Examples
    --------
    >>> import omnichannel as oc
    >>> res = oc.wagner_whitin([90, 120, 80, 70], fixed_cost=500, holding_cost=2)
    >>> res.to_frame()
       period  demand  order_quantity  ending_inventory
    0       0    90.0           210.0             120.0
    1       1   120.0             0.0               0.0
    2       2    80.0           150.0              70.0
    3       3    70.0             0.0               0.0
    >>> res.cost
    1380.0
    """

    demand: FloatArray = attrs.field(converter=_readonly, repr=False)
    order_quantities: FloatArray = attrs.field(converter=_readonly, repr=False)
    ending_inventory: FloatArray = attrs.field(converter=_readonly, repr=False)
    cost: float

    def to_frame(self) -> pd.DataFrame:
        """One row per period: ``period``, ``demand``, ``order_quantity``, ``ending_inventory``."""
        return pd.DataFrame(
            {
                "period": np.arange(self.demand.size),
                "demand": self.demand.copy(),
                "order_quantity": self.order_quantities.copy(),
                "ending_inventory": self.ending_inventory.copy(),
            }
        )

    def __repr__(self) -> str:
        orders = int((self.order_quantities > 0).sum())
        return f"LotSizingResult({self.demand.size} periods, {orders} orders, cost {self.cost:g})"


@attrs.frozen(eq=False)
class PoolingResult:
    """Separate channel inventories against one pooled inventory.

    Attributes
    ----------
    critical_ratio : float
        ``stockout_cost / (stockout_cost + holding_cost)``, the cycle service level of both.
    separate_stock, separate_safety_stock, separate_cost : numpy.ndarray
        Optimal stock, safety stock and expected cost of each channel stocked on its own.
    pooled_stock, pooled_safety_stock, pooled_cost : float
        The same for one inventory serving the total demand.
    method : str
        ``"exact"`` (normal demand) or ``"simulation"``.
    n_sims : int
        Simulated scenarios (0 for exact).
    pooled_cost_se : float
        Standard error of ``pooled_cost`` (0 for exact).

    Examples
    --------
    >>> import omnichannel as oc
    >>> demand = oc.NormalDemand(mean=[100, 100, 100, 100], std=20)
    >>> res = oc.pooling_benefit(demand, holding_cost=1, stockout_cost=9)
    >>> res.summary().round(2)
         design   stock  safety_stock   cost
    0  separate  502.52        102.52  140.4
    1    pooled  451.26         51.26   70.2
    >>> round(res.cost_saving, 3)
    0.5
    """

    critical_ratio: float
    separate_stock: FloatArray = attrs.field(converter=_readonly, repr=False)
    separate_safety_stock: FloatArray = attrs.field(converter=_readonly, repr=False)
    separate_cost: FloatArray = attrs.field(converter=_readonly, repr=False)
    pooled_stock: float = attrs.field(converter=float)
    pooled_safety_stock: float = attrs.field(converter=float)
    pooled_cost: float = attrs.field(converter=float)
    method: str = "exact"
    n_sims: int = 0
    pooled_cost_se: float = 0.0

    @property
    def safety_stock_saving(self) -> float:
        """Share of the separate safety stock saved by pooling."""
        total = float(self.separate_safety_stock.sum())
        return 1.0 - self.pooled_safety_stock / total if total else 0.0

    @property
    def cost_saving(self) -> float:
        """Share of the separate expected cost saved by pooling."""
        total = float(self.separate_cost.sum())
        return 1.0 - self.pooled_cost / total if total else 0.0

    def to_frame(self) -> pd.DataFrame:
        """One row per channel: ``item``, ``stock``, ``safety_stock``, ``cost`` (separate)."""
        return _frame(
            {
                "stock": self.separate_stock,
                "safety_stock": self.separate_safety_stock,
                "cost": self.separate_cost,
            }
        )

    def summary(self) -> pd.DataFrame:
        """Two rows, ``separate`` and ``pooled``: total ``stock``, ``safety_stock``, ``cost``."""
        return pd.DataFrame(
            {
                "design": ["separate", "pooled"],
                "stock": [float(self.separate_stock.sum()), self.pooled_stock],
                "safety_stock": [float(self.separate_safety_stock.sum()), self.pooled_safety_stock],
                "cost": [float(self.separate_cost.sum()), self.pooled_cost],
            }
        )

    def __repr__(self) -> str:
        return (
            f"PoolingResult({self.separate_stock.size} channels, {self.method}: safety stock "
            f"saving {self.safety_stock_saving:.1%}, cost saving {self.cost_saving:.1%})"
        )
