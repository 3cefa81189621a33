"""``simulate_policy``: evaluate a replenishment or allocation policy over demand sample paths."""

from __future__ import annotations

from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError, SchemaError
from .._validation import (
    Column,
    FrameSchema,
    check_bool,
    check_choice,
    check_frame,
    check_int,
    short_repr,
)
from ._allocation_result import Allocation
from ._simulation_kernels import BASE_STOCK, R_Q, S_S, STATIC, Plan, run
from ._simulation_result import PolicySimulation, metrics

__all__ = [
    "UNMET_DEMAND",
    "BaseStockPolicy",
    "RQPolicy",
    "SSPolicy",
    "StaticPolicy",
    "Transshipment",
    "UnmetDemand",
    "simulate_policy",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
#: A parameter: one number for every node, an array in node order, or a Series keyed by node.
Param = int | float | FloatArray | pd.Series
UnmetDemand = Literal["lost_sales", "backorder"]
#: What happens to demand not met from stock; the same tuple drives the check and the docs.
UNMET_DEMAND: tuple[UnmetDemand, ...] = ("lost_sales", "backorder")
_FUNC = "simulate_policy"


def _convert(
    value: object,
    where: str,
    *,
    low: float | None = 0.0,
    open_low: bool = False,
    whole: bool = False,
) -> Param:
    """Check a per-node parameter: a number, a 1-D array or a Series of finite values."""
    rule = "a finite number"
    if low is not None:
        rule += f" {'>' if open_low else '>='} {low:g}"
    if whole:
        rule = rule.replace("a finite number", "a whole number")
    if isinstance(value, bool | np.bool_ | str | bytes):
        raise InvalidParameterError(
            f"{where} must be {rule}, one per node (an array or a pandas Series) or one for all "
            f"nodes; got {short_repr(value)}."
        )
    if isinstance(value, pd.Series):
        try:
            array = value.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            array = np.array([np.nan])
    else:
        try:
            array = np.array(value, dtype=np.float64)
        except (TypeError, ValueError):
            array = np.array([np.nan])
        if array.ndim > 1:
            raise InvalidParameterError(
                f"{where} must be one number or a 1-D array with one value per node; got an "
                f"array of shape {array.shape}."
            )
    ok = np.isfinite(array)
    if low is not None:
        ok &= (array > low) if open_low else (array >= low)
    if whole:
        ok &= np.floor(array) == array
    if not ok.all():
        first = int(np.flatnonzero(~ok.ravel())[0])
        raise InvalidParameterError(
            f"{where} must be {rule} for every node; got {short_repr(value)} (first offending "
            f"value {float(array.ravel()[first])!r} at position {first})."
        )
    if isinstance(value, pd.Series):
        return value.astype(np.float64).copy()
    if array.ndim == 0:
        return int(array) if whole else float(array)
    array.flags.writeable = False
    return array


def _lead(value: object, owner: str) -> Param:
    return _convert(value, f"{owner}.lead_time", whole=True)


def _review(value: object, owner: str, name: str = "review_period") -> int:
    out = check_int(value, name, func=owner, low=1)
    assert out is not None
    return out


# Named converters, one per field: mypy's attrs plugin accepts no closures or lambdas.
def _base_stock_policy_level(v: object) -> Param:
    return _convert(v, "BaseStockPolicy.level")


def _base_stock_policy_lead_time(v: object) -> Param:
    return _lead(v, "BaseStockPolicy")


def _base_stock_policy_review_period(v: object) -> int:
    return _review(v, "BaseStockPolicy")


def _s_s_policy_s(v: object) -> Param:
    return _convert(v, "SSPolicy.s", low=None)


def _s_s_policy_big_s(v: object) -> Param:
    return _convert(v, "SSPolicy.S")


def _s_s_policy_lead_time(v: object) -> Param:
    return _lead(v, "SSPolicy")


def _s_s_policy_review_period(v: object) -> int:
    return _review(v, "SSPolicy")


def _r_q_policy_r(v: object) -> Param:
    return _convert(v, "RQPolicy.r", low=None)


def _r_q_policy_q(v: object) -> Param:
    return _convert(v, "RQPolicy.Q", open_low=True)


def _r_q_policy_lead_time(v: object) -> Param:
    return _lead(v, "RQPolicy")


def _r_q_policy_review_period(v: object) -> int:
    return _review(v, "RQPolicy")


def _r_q_policy_multiples(v: object) -> bool:
    return check_bool(v, "multiples", func="RQPolicy")


def _static_policy_stock(v: object) -> Param:
    return _convert(v, "StaticPolicy.stock")


def _transshipment_every(v: object) -> int:
    return _review(v, "Transshipment", "every")


def _transshipment_weights(v: object) -> Param | None:
    return None if v is None else _convert(v, "Transshipment.weights")


def _transshipment_cost_per_unit(v: object) -> Param:
    return _convert(v, "Transshipment.cost_per_unit")


def _not_below(owner: str, low_name: str, high_name: str, low: Param, high: Param) -> None:
    if isinstance(low, pd.Series) or isinstance(high, pd.Series):
        return  # checked node by node in simulate_policy
    try:
        a, b = np.broadcast_arrays(np.asarray(low), np.asarray(high))
    except ValueError:
        raise InvalidParameterError(
            f"{owner}.{low_name} and {owner}.{high_name} must have the same length (one value "
            f"per node); got {np.shape(low)} and {np.shape(high)}."
        ) from None
    if (a > b).any():
        i = int(np.flatnonzero((a > b).ravel())[0])
        raise InvalidParameterError(
            f"{owner} needs {low_name} <= {high_name} at every node; got {low_name}="
            f"{float(a.ravel()[i])!r} > {high_name}={float(b.ravel()[i])!r} at position {i}."
        )


@attrs.frozen(eq=False)
class BaseStockPolicy:
    """Order up to ``level`` at every review (periodic-review base-stock policy).

    Parameters
    ----------
    level : float, array or pandas.Series
        Order-up-to level of the inventory position (on hand - backorders + on order), e.g.
        :attr:`BaseStockResult.level`.
    lead_time : int or array of int, default 0
        Periods from order to arrival; an order placed in period ``t`` is available before the
        demand of period ``t + lead_time``.
    review_period : int, default 1
        Periods between reviews (orders are placed in periods 0, R, 2R, ...).

    Raises
    ------
    InvalidParameterError
        On a negative or non-finite level, a negative or fractional lead time, or a review
        period below 1.

    See Also
    --------
    base_stock_level : the level for a service target.
    simulate_policy : runs the policy.

    Examples
    --------
    >>> import omnichannel as oc
    >>> oc.BaseStockPolicy(level=[40.0, 25.0], lead_time=2)
    BaseStockPolicy(level=array([40., 25.]), lead_time=2, review_period=1)
    """

    level: Param = attrs.field(converter=_base_stock_policy_level)
    lead_time: Param = attrs.field(default=0, converter=_base_stock_policy_lead_time)
    review_period: int = attrs.field(default=1, converter=_base_stock_policy_review_period)


@attrs.frozen(eq=False)
class SSPolicy:
    """At a review, when the inventory position is at or below ``s``, order up to ``S``.

    Parameters
    ----------
    s : float, array or pandas.Series
        Reorder point (may be negative with backorders), e.g. :attr:`SSPolicyResult.s`.
    S : float, array or pandas.Series
        Order-up-to level, ``>= s``.
    lead_time : int or array of int, default 0
        Periods from order to arrival.
    review_period : int, default 1
        Periods between reviews.

    Raises
    ------
    InvalidParameterError
        On a non-finite value, ``S < s``, a negative ``S`` or an invalid lead time or review
        period.

    See Also
    --------
    s_S_policy : the optimal ``(s, S)``.

    Examples
    --------
    >>> import omnichannel as oc
    >>> res = oc.s_S_policy(oc.PoissonDemand(10), holding_cost=1, stockout_cost=9, fixed_cost=64)
    >>> oc.SSPolicy(s=res.s, S=res.S)
    SSPolicy(s=array([6.]), S=array([40.]), lead_time=0, review_period=1)
    """

    s: Param = attrs.field(converter=_s_s_policy_s)
    S: Param = attrs.field(converter=_s_s_policy_big_s)
    lead_time: Param = attrs.field(default=0, converter=_s_s_policy_lead_time)
    review_period: int = attrs.field(default=1, converter=_s_s_policy_review_period)

    def __attrs_post_init__(self) -> None:
        _not_below("SSPolicy", "s", "S", self.s, self.S)


@attrs.frozen(eq=False)
class RQPolicy:
    """At a review, when the inventory position is at or below ``r``, order ``Q`` units.

    Parameters
    ----------
    r : float, array or pandas.Series
        Reorder point (may be negative with backorders), e.g. :attr:`RQPolicyResult.r`.
    Q : float, array or pandas.Series
        Batch size, > 0.
    lead_time : int or array of int, default 0
        Periods from order to arrival.
    review_period : int, default 1
        Periods between reviews; with 1 this is continuous review observed once a period.
    multiples : bool, default True
        Order the smallest multiple of ``Q`` that lifts the position above ``r`` (the
        ``(R, r, nQ)`` policy, whose position after ordering stays on ``r+1 .. r+Q``); with
        False a review orders one batch whatever the position.

    Raises
    ------
    InvalidParameterError
        On a non-finite ``r``, a ``Q`` not above 0 or an invalid lead time or review period.

    See Also
    --------
    r_Q_policy : the optimal continuous-review ``(r, Q)``.

    Examples
    --------
    >>> import omnichannel as oc
    >>> oc.RQPolicy(r=3, Q=5, lead_time=2)
    RQPolicy(r=3.0, Q=5.0, lead_time=2, review_period=1, multiples=True)
    """

    r: Param = attrs.field(converter=_r_q_policy_r)
    Q: Param = attrs.field(converter=_r_q_policy_q)
    lead_time: Param = attrs.field(default=0, converter=_r_q_policy_lead_time)
    review_period: int = attrs.field(default=1, converter=_r_q_policy_review_period)
    multiples: bool = attrs.field(default=True, converter=_r_q_policy_multiples)


@attrs.frozen(eq=False)
class StaticPolicy:
    """Start each node with ``stock`` and never replenish (a one-off allocation).

    Combine with a :class:`Transshipment` rule in :func:`simulate_policy` to rebalance the stock
    between the nodes of each product during the season. Review cycles are the whole measured
    horizon: the cycle service level is the probability of no stockout all season.

    Parameters
    ----------
    stock : float, array or pandas.Series
        Units per node at the start, e.g. from :meth:`from_allocation`.

    Raises
    ------
    InvalidParameterError
        On negative or non-finite stock.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> stock = pd.Series([12.0, 5.0], index=["S1", "S2"])
    >>> oc.StaticPolicy(stock=stock).stock.to_dict()
    {'S1': 12.0, 'S2': 5.0}
    """

    stock: Param = attrs.field(converter=_static_policy_stock)

    @classmethod
    def from_allocation(cls, allocation: Allocation) -> StaticPolicy:
        """Use the units of an :class:`Allocation`, keyed by ``(product, location)``.

        Parameters
        ----------
        allocation : Allocation
            The result of :func:`allocate_inventory`.

        Returns
        -------
        StaticPolicy

        Raises
        ------
        InvalidParameterError
            When ``allocation`` is not an :class:`Allocation`.

        Examples
        --------
        >>> import pandas as pd
        >>> import omnichannel as oc
        >>> supply = pd.DataFrame({"product": ["P1"], "quantity": [20]})
        >>> demand = pd.DataFrame({"product": "P1", "location": ["S1", "S2"],
        ...                        "mean": [8.0, 6.0], "family": "poisson"})
        >>> economics = pd.DataFrame({"location": ["S1", "S2"], "unit_margin": 4.0,
        ...                           "overage_cost": 1.0})
        >>> alloc = oc.allocate_inventory(supply, demand, economics=economics)
        >>> oc.StaticPolicy.from_allocation(alloc).stock.to_dict()
        {('P1', 'S1'): 10.0, ('P1', 'S2'): 8.0}
        """
        if not isinstance(allocation, Allocation):
            raise InvalidParameterError(
                "StaticPolicy.from_allocation needs the Allocation returned by "
                f"allocate_inventory; got {type(allocation).__name__}."
            )
        frame = allocation.to_frame()
        index = pd.MultiIndex.from_frame(frame[["product", "location"]])
        return cls(stock=pd.Series(frame["quantity"].to_numpy(dtype=float), index=index))


@attrs.frozen(eq=False)
class Transshipment:
    """Periodically rebalance each product's stock across its nodes in fixed proportions.

    At the start of periods ``every``, ``2 * every``, ... (after arrivals, before orders and
    demand) each product's units on hand are split over its nodes in proportion to ``weights``
    (whole units by largest remainders when demand and stock are whole); nodes above their
    target send the excess, nodes below receive it. Transfers arrive after ``lead_time``
    periods and count in the receiving node's inventory position meanwhile.

    Parameters
    ----------
    every : int, default 1
        Periods between rebalancings.
    weights : float, array or pandas.Series, optional
        Target share of each node within its product (normalised per product); by default the
        mean demand of the node over the sample paths.
    cost_per_unit : float, array or pandas.Series, default 0
        Cost per unit sent, charged to the sending node.
    lead_time : int, default 0
        Periods in transit.

    Raises
    ------
    InvalidParameterError
        On ``every < 1``, negative weights or costs, or a negative lead time.

    See Also
    --------
    rebalance : the profit-optimal one-off transfers.

    Examples
    --------
    >>> import omnichannel as oc
    >>> oc.Transshipment(every=7, cost_per_unit=0.3)
    Transshipment(every=7, weights=None, cost_per_unit=0.3, lead_time=0)
    """

    every: int = attrs.field(default=1, converter=_transshipment_every)
    weights: Param | None = attrs.field(
        default=None,
        converter=_transshipment_weights,
    )
    cost_per_unit: Param = attrs.field(default=0.0, converter=_transshipment_cost_per_unit)
    lead_time: int = attrs.field(default=0)

    @lead_time.validator
    def _check_lead(self, attribute: attrs.Attribute[int], value: object) -> None:
        check_int(value, "lead_time", func="Transshipment", low=0)


Policy = BaseStockPolicy | SSPolicy | RQPolicy | StaticPolicy
_POLICIES = (BaseStockPolicy, SSPolicy, RQPolicy, StaticPolicy)


# ------------------------------------------------------------------------------------------
# demand paths


@attrs.frozen(eq=False)
class _Paths:
    demand: FloatArray  # (n_periods, n_paths, n_nodes)
    nodes: pd.DataFrame  # id columns per node
    dates: pd.Index | None


def _paths(demand_paths: object) -> _Paths:
    if isinstance(demand_paths, pd.DataFrame):
        return _paths_frame(demand_paths)
    array = np.asarray(demand_paths)
    numeric = array.dtype.kind in "iuf" and array.dtype != np.bool_
    if not numeric:
        raise InvalidParameterError(
            f"The 'demand_paths' argument of {_FUNC} must be a numeric array of shape (n_paths, "
            "n_periods, n_nodes) or a long DataFrame with columns 'path', 'period' (or "
            "'date'), 'product' and/or 'location', and 'quantity'. Got "
            f"{type(demand_paths).__name__} of dtype {array.dtype} instead."
        )
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or 0 in array.shape:
        raise InvalidParameterError(
            f"The 'demand_paths' array of {_FUNC} must have shape (n_paths, n_periods, n_nodes) "
            f"(or (n_paths, n_periods) for one node) with no empty axis; got {array.shape}."
        )
    # One pass: cast to float and reorder to (period, path, node) for contiguous period slices.
    values = np.empty((array.shape[1], array.shape[0], array.shape[2]))
    values[...] = array.transpose(1, 0, 2)
    if not (np.isfinite(values.sum()) and values.min() >= 0):
        bad = ~(np.isfinite(array) & (array >= 0))
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidParameterError(
            f"The 'demand_paths' array of {_FUNC} must hold finite quantities >= 0; got "
            f"{int(bad.sum())} other value(s), first {array[where]!r} at (path, period, node) "
            f"{where}."
        )
    nodes = pd.DataFrame({"location": np.arange(array.shape[2])})
    return _Paths(values, nodes, None)


def _sorted_codes(values: pd.Series[Any]) -> tuple[IntArray, pd.Index]:
    """Codes of ``values`` numbered in sorted order of the values, and the sorted labels.

    A categorical's own category order (and its unused categories) is ignored on purpose, so
    string and categorical ids, whatever their category order, give the same nodes, paths and
    periods in the same (sorted) order, as the docs promise for parameters given in node order.
    """
    codes, uniques = pd.factorize(values, sort=False)
    labels = pd.Index(uniques)
    if isinstance(labels.dtype, pd.CategoricalDtype):
        labels = pd.Index(labels.astype(labels.dtype.categories.dtype))
    try:
        order = np.asarray(labels.argsort(kind="stable"), dtype=np.int64)
    except TypeError:  # categories of mixed types: order by their text
        order = np.argsort(np.asarray(labels.astype(str), dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], labels[order]


def _paths_frame(frame: pd.DataFrame) -> _Paths:
    time_col = "period" if "period" in frame.columns else "date"
    ids = [c for c in ("product", "location") if c in frame.columns]
    if not ids:
        raise SchemaError(
            "demand_paths needs a 'product' and/or a 'location' column to identify nodes; got "
            f"{short_repr([str(c) for c in frame.columns])}."
        )
    schema = FrameSchema(
        "demand_paths",
        (
            Column("path", "id"),
            Column(time_col, "datetime" if time_col == "date" else "id"),
            *(Column(c, "id") for c in ids),
            Column("quantity", "count"),
        ),
    )
    check_frame(frame, schema)
    if len(frame) == 0:
        raise SchemaError(
            f"demand_paths has no rows; it needs a row for every path, {time_col} and node. "
            "Check the filter that built it (e.g. a store or week without forecasts)."
        )
    path, path_labels = _sorted_codes(frame["path"])
    period, period_labels = _sorted_codes(frame[time_col])
    key = np.zeros(len(frame), dtype=np.int64)
    uniques: list[Any] = []
    for col in ids:
        code, labels = _sorted_codes(frame[col])
        key = key * max(len(labels), 1) + code
        uniques.append(labels)
    node_key, node = np.unique(key, return_inverse=True)
    n_paths, n_periods, n_nodes = len(path_labels), len(period_labels), node_key.size
    cell = (period.astype(np.int64) * n_paths + path) * n_nodes + node
    dup = pd.Index(cell).duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise SchemaError(
            f"demand_paths has {int(dup.sum())} duplicate (path, {time_col}, node) row(s); first "
            f"at index {frame.index[i]!r}. Aggregate them first."
        )
    if len(frame) != n_paths * n_periods * n_nodes:
        missing = n_paths * n_periods * n_nodes - len(frame)
        raise SchemaError(
            f"demand_paths must have a row for every path, {time_col} and node; {missing} of "
            f"{n_paths * n_periods * n_nodes} are missing ({n_paths} paths x {n_periods} "
            f"periods x {n_nodes} nodes). Add them with quantity 0."
        )
    values = np.empty(n_periods * n_paths * n_nodes)
    values[cell] = frame["quantity"].to_numpy(dtype=np.float64)
    node_ids: dict[str, Any] = {}
    rest = node_key
    for col, labels in zip(reversed(ids), reversed(uniques), strict=True):
        node_ids[col] = np.asarray(labels)[rest % max(len(labels), 1)]
        rest = rest // max(len(labels), 1)
    nodes = pd.DataFrame({c: node_ids[c] for c in ids})
    dates = pd.Index(period_labels) if time_col == "date" else None
    return _Paths(values.reshape(n_periods, n_paths, n_nodes), nodes, dates)


def _per_node(value: Param, where: str, nodes: pd.DataFrame) -> FloatArray:
    """One value per node from a number, an array in node order or a Series keyed by node."""
    n = len(nodes)
    if isinstance(value, int | float):
        return np.full(n, float(value))
    if isinstance(value, pd.Series):
        index = value.index
        if isinstance(index, pd.MultiIndex):
            names = [str(x) for x in index.names]
            if sorted(names) != sorted(nodes.columns):
                raise InvalidParameterError(
                    f"{where} is a Series with index levels {names}; the simulated nodes are "
                    f"keyed by {list(nodes.columns)}."
                )
            wanted = pd.MultiIndex.from_frame(nodes[names])
        else:
            level = "location" if "location" in nodes.columns else "product"
            wanted = pd.Index(nodes[level])
        pos = index.get_indexer(wanted) if index.is_unique else np.full(n, -2)
        if (pos == -2).all() and n:
            raise InvalidParameterError(f"{where} has duplicate index labels; keep one per node.")
        if (pos < 0).any():
            i = int(np.flatnonzero(pos < 0)[0])
            shown = ", ".join(f"{c}={nodes[c].iloc[i]!r}" for c in nodes.columns)
            raise InvalidParameterError(
                f"{where} has no value for {int((pos < 0).sum())} simulated node(s); first {shown}."
            )
        return np.asarray(value.to_numpy(dtype=np.float64)[pos])
    array = np.asarray(value, dtype=np.float64)
    if array.size == 1:
        return np.full(n, float(array.ravel()[0]))
    if array.size != n:
        raise InvalidParameterError(
            f"{where} has {array.size} values; the demand paths have {n} nodes. Give one value "
            "per node in their order (array columns; frames sorted by product and location) or "
            "a pandas Series keyed by node."
        )
    return array.copy()


def _plan(
    policy: Policy,
    paths: _Paths,
    unmet: str,
    costs: dict[str, Param],
    initial: Param | None,
    move: Transshipment | None,
    warmup: int,
) -> Plan:
    nodes = paths.nodes
    n_periods = paths.demand.shape[0]
    name = type(policy).__name__
    zeros = np.zeros(len(nodes))
    lead = zeros.astype(np.int64)
    review, first, second = 1, zeros, zeros
    if isinstance(policy, BaseStockPolicy):
        kind, first = BASE_STOCK, _per_node(policy.level, f"{name}.level", nodes)
        start = first
    elif isinstance(policy, SSPolicy):
        kind = S_S
        first = _per_node(policy.s, f"{name}.s", nodes)
        second = _per_node(policy.S, f"{name}.S", nodes)
        start = second
        if (first > second).any():
            i = int(np.flatnonzero(first > second)[0])
            raise InvalidParameterError(
                f"SSPolicy needs s <= S at every node; got s={first[i]!r} > S={second[i]!r} at "
                f"node {i}."
            )
    elif isinstance(policy, RQPolicy):
        kind = R_Q
        first = _per_node(policy.r, f"{name}.r", nodes)
        second = _per_node(policy.Q, f"{name}.Q", nodes)
        start = np.maximum(first + second, 0.0)
    else:
        kind, start = STATIC, _per_node(policy.stock, f"{name}.stock", nodes)
    if not isinstance(policy, StaticPolicy):
        lead = _per_node(policy.lead_time, f"{name}.lead_time", nodes).astype(np.int64)
        review = policy.review_period
    begin = start if initial is None else _per_node(initial, "initial_stock", nodes)
    measured = n_periods - warmup
    if kind == STATIC:
        offset, length = np.full(len(nodes), warmup, dtype=np.int64), measured
    else:
        offset, length = lead, review
    group = np.zeros(len(nodes), dtype=np.int64)
    weight, move_cost = np.ones(len(nodes)), zeros
    if move is not None:
        if "product" in nodes.columns:
            group = pd.factorize(nodes["product"], sort=True)[0].astype(np.int64)
        weight = (
            paths.demand.mean(axis=(0, 1))
            if move.weights is None
            else _per_node(move.weights, "Transshipment.weights", nodes)
        )
        total = np.bincount(group, weights=weight)
        if (total[group] <= 0).any():
            i = int(np.flatnonzero(total[group] <= 0)[0])
            raise InvalidParameterError(
                "Transshipment weights must be positive somewhere within each product; all are 0 "
                f"for the product of node {i} ({nodes.iloc[i].to_dict()})."
            )
        weight = weight / total[group]
        move_cost = _per_node(move.cost_per_unit, "Transshipment.cost_per_unit", nodes)
    # Only the transshipment rule cares (whole-unit transfers); the check reads every value.
    whole = move is not None and bool(
        (np.floor(paths.demand) == paths.demand).all() and (np.floor(begin) == begin).all()
    )
    return Plan(
        kind=kind,
        first=first,
        second=second,
        multiples=policy.multiples if isinstance(policy, RQPolicy) else True,
        lead=lead,
        review=review,
        cycle_offset=offset,
        cycle_length=length,
        initial=begin,
        holding=_per_node(costs["holding_cost"], "holding_cost", nodes),
        stockout=_per_node(costs["stockout_cost"], "stockout_cost", nodes),
        fixed=_per_node(costs["fixed_cost"], "fixed_cost", nodes),
        unit=_per_node(costs["unit_cost"], "unit_cost", nodes),
        lost_sales=unmet == "lost_sales",
        warmup=warmup,
        move_every=0 if move is None else move.every,
        move_group=group,
        move_weight=weight,
        move_cost=move_cost,
        move_lead=0 if move is None else move.lead_time,
        whole_units=whole,
    )


def simulate_policy(
    policy: Policy,
    demand_paths: npt.ArrayLike | pd.DataFrame,
    *,
    unmet_demand: UnmetDemand = "lost_sales",
    holding_cost: float | npt.ArrayLike | pd.Series = 0.0,
    stockout_cost: float | npt.ArrayLike | pd.Series = 0.0,
    fixed_cost: float | npt.ArrayLike | pd.Series = 0.0,
    unit_cost: float | npt.ArrayLike | pd.Series = 0.0,
    initial_stock: float | npt.ArrayLike | pd.Series | None = None,
    transshipment: Transshipment | None = None,
    warmup: int = 0,
    keep_paths: bool = False,
) -> PolicySimulation:
    """Run an inventory policy over demand sample paths and report its service and cost.

    The simulation is vectorised over paths and nodes; only the loop over periods runs in
    Python. In each period: replenishment orders and transfers due arrive; the
    ``transshipment`` rule (when due) moves stock between the nodes of each product; at a review
    each node orders from its inventory position (on hand - backorders + on order + in
    transit); demand is served from stock, unmet demand lost or backordered (oldest first);
    holding cost is charged on the units on hand at the end of the period and ``stockout_cost``
    on each unit lost, or on each unit backordered at the end of each period. Orders with lead
    time ``L`` placed in period ``t`` serve the demand of period ``t + L`` onwards, so the
    inventory at the end of a period is the position after ordering minus ``L + 1`` periods of
    demand, as in :func:`base_stock_level` and :func:`s_S_policy`.

    Parameters
    ----------
    policy : BaseStockPolicy, SSPolicy, RQPolicy or StaticPolicy
        What each node orders (the same kind of policy at every node; parameters per node).
    demand_paths : array or pandas.DataFrame
        Demand per path, period and node: an array ``(n_paths, n_periods, n_nodes)`` (or
        ``(n_paths, n_periods)`` for one node; nodes are then ``location`` 0, 1, ...), or a
        long frame with ``path``, ``period`` (or a datetime ``date``, as sample-path forecasts
        have), ``product`` and/or ``location``, and ``quantity``, with a row for every path,
        period and node (nodes are sorted by product, then location, by value: a categorical's
        category order is ignored, so string and categorical ids give the same nodes).
    unmet_demand : {"lost_sales", "backorder"}, default "lost_sales"
        Whether demand not met from stock is lost or waits for stock.
    holding_cost, stockout_cost, fixed_cost, unit_cost : float, array or pandas.Series
        Cost per unit on hand at the end of a period, per unit lost (or backordered per
        period), per order placed and per unit ordered; one value, one per node in node order,
        or a Series keyed by ``location`` (or by ``(product, location)``).
    initial_stock : float, array or pandas.Series, optional
        Units on hand at the start; by default the base-stock level, ``S``, ``max(r + Q, 0)``
        or the static stock. The pipeline starts empty.
    transshipment : Transshipment, optional
        A periodic rule moving stock between the nodes of each product.
    warmup : int, default 0
        Periods simulated but left out of the statistics (the start-up transient).
    keep_paths : bool, default False
        Keep every period's values per path and node for :meth:`PolicySimulation.paths`
        (memory grows with paths x periods x nodes).

    Returns
    -------
    PolicySimulation
        Fill rate, cycle service level, lost sales or backorders, stock on hand, leftover,
        orders, transfers and costs per node and for the network, with standard errors across
        paths; the trajectory quantiles of the net inventory.

    Raises
    ------
    InvalidParameterError
        On an unknown policy or mode, negative or non-finite demand, parameters that do not
        match the nodes, or ``warmup`` not below the number of periods.
    SchemaError
        On a malformed, empty or incomplete demand frame.

    See Also
    --------
    base_stock_level, s_S_policy, r_Q_policy : the analytic policies to simulate.
    allocate_inventory : a static allocation to simulate with :meth:`StaticPolicy.from_allocation`.

    Examples
    --------
    Zheng & Federgruen's optimal ``(s, S)`` for Poisson(10) demand costs 35.02 per period:

    >>> import numpy as np
    >>> import omnichannel as oc
    >>> best = oc.s_S_policy(oc.PoissonDemand(10), holding_cost=1, stockout_cost=9,
    ...                      fixed_cost=64)
    >>> demand = np.random.default_rng(1).poisson(10.0, size=(2000, 120))
    >>> res = oc.simulate_policy(oc.SSPolicy(s=best.s, S=best.S), demand,
    ...                          unmet_demand="backorder", holding_cost=1, stockout_cost=9,
    ...                          fixed_cost=64, warmup=20)
    >>> cost = res.summary().set_index("metric").loc["cost_per_period"]
    >>> bool(abs(cost["value"] - best.expected_cost[0]) < 4 * cost["se"])
    True
    """
    if not isinstance(policy, _POLICIES):
        raise InvalidParameterError(
            f"The 'policy' argument of {_FUNC} must be BaseStockPolicy, SSPolicy, RQPolicy or "
            f"StaticPolicy. Got {type(policy).__name__} instead."
        )
    unmet = check_choice(unmet_demand, "unmet_demand", UNMET_DEMAND, func=_FUNC)
    keep = check_bool(keep_paths, "keep_paths", func=_FUNC)
    if transshipment is not None and not isinstance(transshipment, Transshipment):
        raise InvalidParameterError(
            f"The 'transshipment' argument of {_FUNC} must be a Transshipment rule or None. "
            f"Got {type(transshipment).__name__} instead."
        )
    costs = {
        name: _convert(value, f"The {name!r} parameter of {_FUNC}")
        for name, value in (
            ("holding_cost", holding_cost),
            ("stockout_cost", stockout_cost),
            ("fixed_cost", fixed_cost),
            ("unit_cost", unit_cost),
        )
    }
    initial = (
        None
        if initial_stock is None
        else _convert(initial_stock, f"The 'initial_stock' parameter of {_FUNC}")
    )
    paths = _paths(demand_paths)
    n_periods, n_paths, _ = paths.demand.shape
    skip = check_int(warmup, "warmup", func=_FUNC, low=0, high=n_periods - 1)
    assert skip is not None
    plan = _plan(policy, paths, unmet, costs, initial, transshipment, skip)
    outcome = run(plan, paths.demand, keep_paths=keep)
    measured = n_periods - skip
    per_node = dict(outcome.totals)
    values, errors = metrics(per_node, measured)
    network = {name: arr.sum(axis=1, keepdims=True) for name, arr in per_node.items()}
    net_values, net_errors = metrics(network, measured)
    return PolicySimulation(
        policy=type(policy).__name__,
        unmet_demand=unmet,
        n_paths=n_paths,
        n_periods=n_periods,
        warmup=skip,
        nodes=paths.nodes,
        values=np.concatenate([values, net_values], axis=1),
        errors=np.concatenate([errors, net_errors], axis=1),
        trajectory_values=outcome.trajectory,
        path_values=outcome.paths,
        dates=paths.dates,
    )
