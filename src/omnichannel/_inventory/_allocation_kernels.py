"""Numpy kernels behind :func:`allocate_inventory`.

Demand at a node is an integer random variable ``D``; every kernel works with the survival
function on units, ``S(u) = P(D >= u)`` for ``u = 1, 2, ...``. Stocking the ``u``-th unit
changes the expected profit by

    delta(u) = (margin + penalty) * S(u) - overage * (1 - S(u)) - shipping,

which does not increase with ``u`` (the profit is concave in the stock), so the optimum over a
shared supply hands units out in decreasing order of ``delta``. A *pack* of ``P`` units has the
sum of its units' values.

Survival functions are produced column by column (one unit at a time, for every node at once) by
*steppers*: Poisson and negative binomial use the exact pmf recursion started below the bulk of the
distribution, the others evaluate ``S`` directly. Nodes drop out of the column loop when their
next pack loses money, so the work is proportional to the units worth considering.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Protocol

import attrs
import numpy as np
import numpy.typing as npt
from scipy import special

__all__ = [
    "TAIL",
    "Elements",
    "EvalStepper",
    "NegbinStepper",
    "PoissonStepper",
    "Stepper",
    "candidate_packs",
    "expected_sales",
    "kth_largest",
    "select_top",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: A node's candidates end with the pack holding the first unit whose probability of selling is
#: below this (a truncated tail); that pack's later units count as unsold.
TAIL = 1e-12
#: Standard deviations below the mean where the left tail is negligible in double precision.
_LEFT_SD = 10.0


class Stepper(Protocol):
    """Produces ``S(u)`` for ``u = 1, 2, ...`` for a set of active nodes, one unit per call."""

    def next(self) -> FloatArray:
        """Return ``S(k + 1)`` for every active node and advance ``k``."""
        ...

    def keep(self, mask: BoolArray) -> None:
        """Keep only the active nodes where ``mask`` is True."""
        ...


def _left_start(mean: FloatArray, variance: FloatArray) -> FloatArray:
    """Return a unit below which ``P(D < u)`` is negligible: ``S(u) == 1`` in doubles."""
    return np.maximum(np.floor(mean - _LEFT_SD * np.sqrt(variance)), 0.0)


class PoissonStepper:
    """Exact Poisson survival by the pmf recursion ``p(k+1) = p(k) * mu / (k + 1)``."""

    def __init__(self, mean: FloatArray) -> None:
        self.mu = mean.astype(np.float64)
        self.start = _left_start(self.mu, self.mu)
        self.k = np.zeros_like(self.mu)
        with np.errstate(divide="ignore"):
            logpmf = special.xlogy(self.start, self.mu) - self.mu - special.gammaln(self.start + 1)
        self.pmf = np.exp(logpmf)
        self.cdf = self.pmf.copy()
        late = self.start > 0
        if late.any():
            self.cdf[late] = special.pdtr(self.start[late], self.mu[late])

    def _advance(self, k: FloatArray) -> FloatArray:
        return self.mu / (k + 1.0)

    def next(self) -> FloatArray:
        """Return ``S(k + 1)`` and advance."""
        bulk = self.k < self.start
        out = np.where(bulk, 1.0, np.maximum(1.0 - self.cdf, 0.0))
        step = ~bulk
        if step.any():
            ratio = self._advance(self.k)
            self.pmf = np.where(step, self.pmf * ratio, self.pmf)
            self.cdf = np.where(step, self.cdf + self.pmf, self.cdf)
        self.k = self.k + 1.0
        return out

    def keep(self, mask: BoolArray) -> None:
        """Keep the nodes where ``mask`` is True."""
        for name in ("mu", "start", "k", "pmf", "cdf"):
            setattr(self, name, getattr(self, name)[mask])


class NegbinStepper(PoissonStepper):
    """Exact negative binomial survival (``r = mean^2 / (var - mean)``, ``p = mean / var``)."""

    def __init__(self, mean: FloatArray, variance: FloatArray) -> None:
        self.mu = mean.astype(np.float64)
        self.r = self.mu**2 / (variance - self.mu)
        self.p = self.mu / variance
        self.start = _left_start(self.mu, variance)
        self.k = np.zeros_like(self.mu)
        logpmf = self.r * np.log(self.p)
        late = self.start > 0
        if late.any():
            k, r = self.start[late], self.r[late]
            logpmf[late] += (
                special.gammaln(k + r)
                - special.gammaln(r)
                - special.gammaln(k + 1.0)
                + special.xlog1py(k, -self.p[late])
            )
        self.pmf = np.exp(logpmf)
        self.cdf = self.pmf.copy()
        if late.any():
            self.cdf[late] = special.betainc(self.r[late], self.start[late] + 1.0, self.p[late])

    def _advance(self, k: FloatArray) -> FloatArray:
        return (k + self.r) / (k + 1.0) * (1.0 - self.p)

    def keep(self, mask: BoolArray) -> None:
        """Keep the nodes where ``mask`` is True."""
        super().keep(mask)
        self.r = self.r[mask]
        self.p = self.p[mask]


class EvalStepper:
    """Evaluates ``S(u) = sf(rows, u)`` directly for the active rows."""

    def __init__(self, n: int, sf: Callable[[IntArray, FloatArray], FloatArray]) -> None:
        self.rows = np.arange(n, dtype=np.int64)
        self.sf = sf
        self.u = 0.0

    def next(self) -> FloatArray:
        """Return ``S(u + 1)`` and advance."""
        self.u += 1.0
        return self.sf(self.rows, np.full(self.rows.size, self.u))

    def keep(self, mask: BoolArray) -> None:
        """Keep the rows where ``mask`` is True."""
        self.rows = self.rows[mask]


@attrs.frozen
class Elements:
    """Candidate packs, node-major and in unit order within a node.

    ``node`` indexes the nodes of the group, ``value`` is the pack's expected profit,
    ``next_value`` per node the value of the first pack beyond the candidates (``-inf`` when it
    loses money or does not fit under the node's upper bound).
    """

    node: IntArray
    value: FloatArray


def candidate_packs(
    stepper: Stepper,
    *,
    low: IntArray,
    high: IntArray,
    pack: IntArray,
    gain: FloatArray,
    cost: FloatArray,
) -> Elements:
    """Every pack worth stocking above ``low`` and within ``high``, with its value.

    ``gain = margin + penalty + overage`` and ``cost = overage + shipping``, so that
    ``delta(u) = gain * S(u) - cost``. ``high - low`` must be a multiple of ``pack``.
    """
    n = low.size
    rows = np.arange(n, dtype=np.int64)
    active = high > low
    stepper.keep(active)
    rows = rows[active]
    low_a, high_a, pack_a = low[active], high[active], pack[active]
    gain_a, cost_a = gain[active], cost[active]
    running = np.zeros(rows.size)
    out_node: list[IntArray] = []
    out_value: list[FloatArray] = []
    u = 0
    while rows.size:
        s = stepper.next()
        u += 1
        candidate = u > low_a
        delta = gain_a * s - cost_a
        running += np.where(candidate, delta, 0.0)
        boundary = candidate & ((u - low_a) % pack_a == 0)
        emit = boundary & (running > 0.0)
        if emit.any():
            out_node.append(rows[emit])
            out_value.append(running[emit])
        tail = candidate & (s < TAIL)
        cut = tail & ~boundary
        if cut.any():
            # Finish the pack the tail cuts into: its remaining units almost surely go unsold.
            at = np.flatnonzero(cut)
            final = running[at] - cost_a[at] * (pack_a[at] - (u - low_a[at]) % pack_a[at])
            out_node.append(rows[at[final > 0.0]])
            out_value.append(final[final > 0.0])
        done = (u >= high_a) | (boundary & ~emit) | tail
        running = np.where(boundary, 0.0, running)
        if done.any():
            keep = ~done
            stepper.keep(keep)
            rows, low_a, high_a, pack_a = rows[keep], low_a[keep], high_a[keep], pack_a[keep]
            gain_a, cost_a, running = gain_a[keep], cost_a[keep], running[keep]
    if not out_node:
        return Elements(np.zeros(0, dtype=np.int64), np.zeros(0))
    node = np.concatenate(out_node)
    value = np.concatenate(out_value)
    order = np.argsort(node, kind="stable")
    return Elements(node[order], value[order])


def expected_sales(stepper: Stepper, quantity: IntArray) -> FloatArray:
    """``E[min(q, D)] = sum_{u <= q} S(u)`` for every node."""
    n = quantity.size
    total = np.zeros(n)
    rows = np.arange(n, dtype=np.int64)
    active = quantity > 0
    stepper.keep(active)
    rows = rows[active]
    target = quantity[active]
    acc = np.zeros(rows.size)
    u = 0
    while rows.size:
        acc += stepper.next()
        u += 1
        done = u >= target
        if done.any():
            total[rows[done]] = acc[done]
            keep = ~done
            stepper.keep(keep)
            rows, target, acc = rows[keep], target[keep], acc[keep]
    return total


@attrs.frozen
class Selection:
    """Packs taken per node and, per SKU, the values at the margin."""

    taken: IntArray
    last_value: FloatArray
    next_value: FloatArray


def select_top(
    elements: Elements,
    sku_of_node: IntArray,
    n_nodes: int,
    budget: IntArray,
    *,
    batch: int = 4_000_000,
) -> Selection:
    """Take, per SKU, the ``budget`` most valuable packs (exact greedy, ties in node order).

    Values within a node never increase, so the packs taken form a prefix at every node.
    ``last_value`` is the value of the last pack taken per SKU (NaN when none) and ``next_value``
    the value of the best pack left out (0 when none, i.e. supply is not binding).
    """
    n_sku = budget.size
    sku = sku_of_node[elements.node]
    count = np.bincount(sku, minlength=n_sku)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    pos = np.arange(sku.size) - start[sku]
    take = np.ones(sku.size, dtype=bool)
    last = np.full(n_sku, np.nan)
    nxt = np.zeros(n_sku)
    tight = count > budget
    if tight.any():
        t_sku = np.flatnonzero(tight)
        bucket = np.ceil(np.log2(count[t_sku])).astype(np.int64)
        threshold = np.zeros(n_sku)
        for b in np.unique(bucket):
            members = t_sku[bucket == b]
            width = int(count[members].max())
            per = max(1, batch // max(width, 1))
            for lo in range(0, members.size, per):
                group = members[lo : lo + per]
                local = np.full(n_sku, -1, dtype=np.int64)
                local[group] = np.arange(group.size)
                mine = local[sku] >= 0
                matrix = np.full((group.size, width), np.inf)
                matrix[local[sku[mine]], pos[mine]] = -elements.value[mine]
                matrix.sort(axis=1)
                k = budget[group]
                threshold[group] = -matrix[np.arange(group.size), np.maximum(k - 1, 0)]
                threshold[group[k == 0]] = np.inf
                nxt[group] = -matrix[np.arange(group.size), k]
        t_el = tight[sku]
        lam = threshold[sku]
        above = elements.value > lam
        tie = t_el & (elements.value == lam)
        n_above = np.bincount(sku, weights=(above & t_el).astype(np.float64), minlength=n_sku)
        need = budget - n_above.astype(np.int64)
        tie_cum = np.cumsum(tie)
        tie_before = np.concatenate([[0], tie_cum])[start]
        tie_rank = tie_cum - tie_before[sku] - 1
        take = np.where(t_el, above | (tie & (tie_rank < need[sku])), True)
    taken = np.bincount(elements.node[take], minlength=n_nodes).astype(np.int64)
    if take.any():
        mins = np.full(n_sku, np.inf)
        np.minimum.at(mins, sku[take], elements.value[take])
        last = np.where(np.isinf(mins), np.nan, mins)
    nxt = np.where(tight, np.maximum(nxt, 0.0), 0.0)
    return Selection(taken, last, nxt)


def kth_largest(
    values: FloatArray, group: IntArray, n_groups: int, k: IntArray, *, batch: int = 4_000_000
) -> FloatArray:
    """Per group, the ``k``-th largest of its ``values`` (1-based).

    ``-inf`` where a group has fewer than ``k`` values and ``+inf`` where ``k <= 0``. Groups of
    similar size are sorted together as the rows of a padded matrix (like :func:`select_top`);
    values already grouped (``group`` not decreasing) skip the initial sort.
    """
    out = np.where(k <= 0, np.inf, -np.inf)
    count = np.bincount(group, minlength=n_groups)
    want = (k >= 1) & (count >= k)
    if not want.any():
        return out
    sel = want[group]
    grp, val = group[sel], values[sel]
    if grp.size > 1 and bool((grp[1:] < grp[:-1]).any()):
        order = np.argsort(grp, kind="stable")
        grp, val = grp[order], val[order]
    # Bucket groups by the power of two above their size; a stable sort on a small integer key is
    # a radix sort, and keeps each group's values together and groups in order.
    size_bucket = np.ceil(np.log2(np.maximum(count, 1))).astype(np.int16)
    by_bucket = np.argsort(size_bucket[grp], kind="stable")
    grp, val = grp[by_bucket], val[by_bucket]
    bucket_of_value = size_bucket[grp]
    edges = np.flatnonzero(np.r_[True, bucket_of_value[1:] != bucket_of_value[:-1], True])
    for lo_v, hi_v in itertools.pairwise(edges):
        g = grp[lo_v:hi_v]
        v = val[lo_v:hi_v]
        first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        groups = g[first]
        width = int(count[groups].max())
        row = np.cumsum(np.r_[True, g[1:] != g[:-1]]) - 1
        pos = np.arange(g.size) - first[row]
        per = max(1, batch // max(width, 1))
        for r0 in range(0, groups.size, per):
            r1 = min(r0 + per, groups.size)
            a, b = first[r0], (first[r1] if r1 < groups.size else g.size)
            matrix = np.full((r1 - r0, width), np.inf)
            matrix[row[a:b] - r0, pos[a:b]] = -v[a:b]
            matrix.sort(axis=1)
            rows = groups[r0:r1]
            out[rows] = -matrix[np.arange(r1 - r0), k[rows] - 1]
    return out
