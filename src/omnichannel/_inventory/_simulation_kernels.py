"""The period loop behind :func:`simulate_policy`, vectorised over sample paths and nodes.

State is a handful of ``(n_paths, n_nodes)`` arrays: on hand, backorders, units on order and in
transit, and a ring buffer of the pipeline indexed by arrival period. Only the loop over periods
runs in Python; every step inside is one array operation over all paths and nodes.

Within a period, in order:

1. replenishment orders and transfers due this period arrive;
2. the transshipment rule (when due) moves stock between the nodes of each product;
3. at a review, each node orders from its inventory position (on hand - backorders + on order
   + in transit); an order with lead time ``L`` arrives at the start of period ``t + L``, so a
   zero lead time fills the order before this period's demand;
4. demand is served from stock: unmet demand is lost or backordered (backorders are served
   first, oldest demand first);
5. holding cost is charged on the units on hand at the end of the period and the shortage cost
   on the units lost in the period or on the backorders at its end.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

__all__ = ["BASE_STOCK", "QUANTILES", "R_Q", "STATIC", "S_S", "Outcome", "Plan", "run"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

BASE_STOCK, S_S, R_Q, STATIC = range(4)
#: Quantiles of the inventory trajectory recorded per period.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
# Trajectory quantiles come from at most this many paths: sorting every path every period
# would cost more than the simulation itself.
_TRAJECTORY_PATHS = 1000
# Values buffered before the trajectory quantiles are computed (8 bytes each).
_BUFFER_VALUES = 4_000_000
# Relative slack for comparing stock quantities computed in floating point: fractional stock
# split by weights leaves rounding dust that must not count as a transfer, a stockout or a
# position above the reorder point.
_SLACK = 1e-9


@attrs.frozen(eq=False)
class Plan:
    """Everything the loop needs, one value per node."""

    kind: int
    first: FloatArray  # base-stock level, s or r
    second: FloatArray  # S or Q (unused otherwise)
    multiples: bool  # (r, Q): order the multiple of Q that lifts the position above r
    lead: IntArray
    review: int
    cycle_offset: IntArray  # the first period of a node's first cycle
    cycle_length: int
    initial: FloatArray
    holding: FloatArray
    stockout: FloatArray
    fixed: FloatArray
    unit: FloatArray
    lost_sales: bool
    warmup: int
    move_every: int  # 0: no transshipment
    move_group: IntArray  # product code per node (nodes of a product are contiguous)
    move_weight: FloatArray  # target share of the product's stock, summing to 1 per product
    move_cost: FloatArray
    move_lead: int
    whole_units: bool  # demand and stock are whole units: transfer whole units too


@attrs.frozen(eq=False)
class Outcome:
    """Per path and node totals over the measured periods, and the recorded trajectories."""

    totals: dict[str, FloatArray]  # name -> (n_paths, n_nodes)
    trajectory: FloatArray  # (n_periods, n_quantiles + 1, n_nodes + 1): quantiles, then mean
    paths: dict[str, FloatArray] | None  # name -> (n_periods, n_paths, n_nodes) when kept


_TOTALS = (
    "demand",
    "filled",
    "sales",
    "lost_sales",
    "backorders",
    "on_hand",
    "orders",
    "units_ordered",
    "transshipped_in",
    "transshipped_out",
    "holding_cost",
    "shortage_cost",
    "ordering_cost",
    "transshipment_cost",
    "cycles",
    "cycles_met",
)
_PATH_FIELDS = (
    "demand",
    "start_on_hand",
    "receipts",
    "transshipped_in",
    "transshipped_out",
    "ordered",
    "sales",
    "lost_sales",
    "backorders",
    "on_hand",
)


def _order(plan: Plan, position: FloatArray) -> FloatArray:
    if plan.kind == BASE_STOCK:
        return np.maximum(plan.first - position, 0.0)
    # Fractional stock makes a position that equals the reorder point (16/3 - 7/3 = 3) round
    # to either side of it; within the slack it counts as at the reorder point.
    slack = _SLACK * np.maximum(1.0, np.maximum(np.abs(position), np.abs(plan.first)))
    below = position <= plan.first + slack
    if plan.kind == S_S:
        return np.where(below, plan.second - position, 0.0)
    if plan.multiples:
        batches = np.floor((plan.first - position + slack) / plan.second) + 1.0
        return np.where(below, batches * plan.second, 0.0)
    return np.where(below, plan.second, 0.0)


def _targets(plan: Plan, on_hand: FloatArray) -> FloatArray:
    """Target stock per node: each product's stock split by weight (largest remainders)."""
    start = _starts(plan.move_group)
    total = np.add.reduceat(on_hand, start, axis=1)
    share = total[:, plan.move_group] * plan.move_weight
    if not plan.whole_units:
        return np.asarray(share)
    base = np.floor(share + 1e-9)
    spare = total - np.add.reduceat(base, start, axis=1)
    frac = share - base
    # Rank the fractional parts within each product (largest first); nodes are grouped.
    key = plan.move_group[None, :] * 2.0 + (1.0 - frac)
    order = np.argsort(key, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(order.shape[1])[None, :], axis=1)
    rank = rank - start[plan.move_group][None, :]
    extra = rank < np.round(spare[:, plan.move_group])
    return base + extra


def _starts(group: IntArray) -> IntArray:
    return np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]])).astype(np.int64)


class _Trajectory:
    """Quantiles over (a subsample of) paths of the net inventory, computed in blocks of periods.

    One ``np.quantile`` call per period costs more than the period itself on small networks, so
    periods are buffered and summarised together, the block sized to a fixed memory budget.
    """

    def __init__(self, n_periods: int, n_paths: int, n_nodes: int) -> None:
        self.n = min(n_paths, _TRAJECTORY_PATHS)
        self.values = np.zeros((n_periods, len(QUANTILES) + 1, n_nodes + 1))
        self.block = int(max(1, min(n_periods, _BUFFER_VALUES // (self.n * (n_nodes + 1)))))
        self.buffer = np.zeros((self.block, self.n, n_nodes + 1))
        self.first = 0

    def add(self, t: int, net: FloatArray) -> None:
        row = self.buffer[t - self.first]
        row[:, :-1] = net[: self.n]
        row[:, -1] = row[:, :-1].sum(axis=1)
        self.values[t, -1, :-1] = net.mean(axis=0)
        self.values[t, -1, -1] = self.values[t, -1, :-1].sum()
        if t - self.first == self.block - 1:
            self.flush(t + 1)

    def flush(self, stop: int) -> None:
        if stop > self.first:
            part = self.buffer[: stop - self.first]
            self.values[self.first : stop, :-1] = np.quantile(part, QUANTILES, axis=1).transpose(
                1, 0, 2
            )
        self.first = stop


def run(plan: Plan, demand: FloatArray, *, keep_paths: bool) -> Outcome:
    """Simulate ``demand`` of shape ``(n_periods, n_paths, n_nodes)`` under ``plan``."""
    n_periods, n_paths, n_nodes = demand.shape
    shape = (n_paths, n_nodes)
    on = np.broadcast_to(plan.initial, shape).astype(np.float64)
    back = np.zeros(shape)
    ring = int(plan.lead.max()) + 1
    pipe = np.zeros((ring, *shape))
    on_order = np.zeros(shape)
    move_ring = plan.move_lead + 1
    transit = np.zeros((move_ring, *shape)) if plan.move_every else None
    in_transit = np.zeros(shape)
    lead0 = int(plan.lead[0])
    same_lead = bool((plan.lead == lead0).all())
    immediate = plan.lead == 0
    nodes = np.arange(n_nodes)
    totals = {name: np.zeros(shape) for name in _TOTALS}
    met, cycles = totals["cycles_met"], totals["cycles"]
    bad = np.zeros(shape, dtype=bool)
    # With one-period cycles starting together every node's cycle is the current period.
    per_period = plan.cycle_length == 1 and bool((plan.cycle_offset == plan.cycle_offset[0]).all())
    traj = _Trajectory(n_periods, n_paths, n_nodes)
    paths = {f: np.zeros((n_periods, *shape)) for f in _PATH_FIELDS} if keep_paths else None
    zero = np.zeros(shape)
    sales = np.empty(shape)
    filled = np.empty(shape)
    short = np.empty(shape, dtype=bool)
    for t in range(n_periods):
        measured = t >= plan.warmup
        start_on = on.copy() if paths is not None else on
        slot = t % ring
        due = pipe[slot]
        arrived = due.copy() if paths is not None else zero
        on += due
        on_order -= due
        due[:] = 0.0
        got = zero
        sent = zero
        if transit is not None:
            moving = transit[t % move_ring]
            got = moving.copy()
            in_transit -= moving
            on += moving
            moving[:] = 0.0
            if t > 0 and t % plan.move_every == 0:
                gap = on - _targets(plan, on)
                gap[np.abs(gap) <= _SLACK * np.maximum(1.0, np.abs(on))] = 0.0
                sent = np.maximum(gap, 0.0)
                moved_in = np.maximum(-gap, 0.0)
                on -= sent
                if plan.move_lead == 0:
                    on += moved_in
                    got = got + moved_in
                else:
                    transit[(t + plan.move_lead) % move_ring] += moved_in
                    in_transit += moved_in
        ordered = zero
        if plan.kind != STATIC and t % plan.review == 0:
            position = on - back
            position += on_order
            if transit is not None:
                position += in_transit
            ordered = _order(plan, position)
            if same_lead and lead0 == 0:
                on += ordered
                now = ordered
            elif same_lead:
                pipe[(t + lead0) % ring] += ordered
                on_order += ordered
                now = zero
            else:
                now = ordered * immediate
                on += now
                later = ordered - now
                pipe[(t + plan.lead) % ring, :, nodes] += later.T
                on_order += later
            if paths is not None:
                arrived = arrived + now
            if measured:
                totals["orders"] += ordered > 0
                totals["units_ordered"] += ordered
        d = demand[t]
        if plan.lost_sales:
            np.less(on, d - _SLACK * np.maximum(1.0, d), out=short)
            np.minimum(on, d, out=sales)
            on -= sales
            if measured:
                totals["sales"] += sales
        else:
            need = back + d
            np.minimum(on, need, out=sales)
            np.subtract(on, back, out=filled)
            np.clip(filled, 0.0, d, out=filled)
            on -= sales
            np.subtract(need, sales, out=back)
            np.greater(back, _SLACK * np.maximum(1.0, need), out=short)
            if measured:
                totals["sales"] += sales
                totals["filled"] += filled
                totals["backorders"] += back
        if per_period:
            if t >= plan.cycle_offset[0] and measured:
                cycles += 1.0
                met += ~short
        else:
            # A node's cycle starts every cycle_length periods from its cycle_offset.
            phase = (t - plan.cycle_offset) % plan.cycle_length
            begins = (phase == 0) & (t >= plan.cycle_offset)
            bad[:, begins] = False
            bad |= short
            first = t - plan.cycle_length + 1
            ends = (phase == plan.cycle_length - 1) & (first >= plan.cycle_offset)
            counted = ends & (first >= plan.warmup)
            if counted.any():
                cycles[:, counted] += 1.0
                met[:, counted] += ~bad[:, counted]
        if measured:
            totals["on_hand"] += on
            if sent is not zero:
                totals["transshipped_out"] += sent
            if got is not zero:
                totals["transshipped_in"] += got
        traj.add(t, on - back)
        if paths is not None:
            row = {
                "demand": d,
                "start_on_hand": start_on,
                "receipts": arrived,
                "transshipped_in": got,
                "transshipped_out": sent,
                "ordered": ordered,
                "sales": sales,
                "lost_sales": d - sales if plan.lost_sales else zero,
                "backorders": back,
                "on_hand": on,
            }
            for name, values in row.items():
                paths[name][t] = values
    traj.flush(n_periods)
    totals["demand"] = demand[plan.warmup :].sum(axis=0)
    if plan.lost_sales:
        totals["filled"] = totals["sales"].copy()
        totals["lost_sales"] = totals["demand"] - totals["sales"]
    # Costs are linear in the per-node totals: charge them once instead of every period.
    totals["holding_cost"] = plan.holding * totals["on_hand"]
    shortfall = totals["lost_sales"] if plan.lost_sales else totals["backorders"]
    totals["shortage_cost"] = plan.stockout * shortfall
    totals["ordering_cost"] = plan.fixed * totals["orders"] + plan.unit * totals["units_ordered"]
    totals["transshipment_cost"] = plan.move_cost * totals["transshipped_out"]
    totals["leftover"] = on.copy()
    return Outcome(totals=totals, trajectory=traj.values, paths=paths)
