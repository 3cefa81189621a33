"""Exact allocation from several DCs with lane costs and shared location capacity.

The problem, in packs (one pack size per SKU), is a min-cost flow: each DC ``s`` holds
``budget[sku, s]`` packs of a SKU and ships them to nodes (SKU x location) at a lane cost per pack;
a node's ``k``-th pack is worth ``value[k]``, which does not increase with ``k`` (concave expected
profit); a node's minimum is a number of *forced* packs; a location may cap its units over all
SKUs. Its LP relaxation is integral (a network matrix), so HiGHS solves it exactly as an LP
(:func:`solve_lp`). With mixed pack sizes the same model is solved as an integer program.

The fast path (:func:`solve_dual`) works on the dual instead. With prices ``lam[sku, s]`` on DC
supply and ``rho[loc]`` on capacity, a node buys from its cheapest DC at price
``m = min_s(cost[s] + lam[s]) + pack * rho`` and takes every pack worth more than ``m``. The dual

    g(lam, rho) = sum budget * lam + sum cap * rho + sum over packs (value - m)^+

is convex and piecewise linear. It is minimised by exact line searches along the directions that
raise or lower the prices of a *set* of DCs together (of one SKU) and along each location's
capacity price; every line search is a "k-th largest threshold" selection over all SKUs at once.
Single-DC coordinate moves alone can stall where a node is indifferent between two DCs. Without
a shared capacity the SKUs are independent and a SKU's DC sets are all the elementary (cut)
directions of its network dual, so the descent does not stall away from the optimum. A shared
capacity couples SKUs through the location prices; the joint SKU-and-location directions are
missing, and the descent can stall there.

The allocation is then read off the prices: packs strictly above the node price are taken,
strictly below are not, and the ties (a node split between DCs, the marginal pack) are settled by
a small LP that keeps complementary slackness with the prices (a DC or location with a positive
price is used to the full). That LP is feasible exactly when the prices are optimal, so success
certifies the optimum. Where it fails, the SKUs concerned (found by halving) are solved by
:func:`solve_lp`; under a shared capacity, which couples them all, the whole problem is.
"""

from __future__ import annotations

import itertools

import attrs
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy import optimize

from .._exceptions import OmnichannelError, SchemaError
from ._allocation_kernels import kth_largest

__all__ = ["FlowSolution", "Packs", "marginal_prices", "solve_dual", "solve_lp"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Above this many DCs the fast path would try too many DC sets (2^K - 1); the LP is used.
MAX_DUAL_SOURCES = 6
_MAX_SWEEPS = 200


@attrs.frozen(eq=False)
class Packs:
    """The allocation problem in packs; nodes are sorted by SKU."""

    node_sku: IntArray
    node_loc: IntArray
    pack: IntArray  # units per pack, per node
    forced: IntArray  # packs the minimum forces, per node
    el_node: IntArray  # free packs, node-major, values not increasing within a node
    el_value: FloatArray  # per pack, net of node costs and of the cheapest usable lane
    cost: FloatArray  # (n_nodes, K) lane cost per pack above the cheapest usable lane; inf unusable
    budget: IntArray  # (n_sku, K) whole packs each DC can send (single pack size per SKU)
    spare: IntArray  # (n_sku, K) units each DC can send
    cap: FloatArray  # (n_loc,) units; inf when uncapped

    @property
    def n_nodes(self) -> int:
        return int(self.node_sku.size)

    @property
    def n_src(self) -> int:
        return int(self.cost.shape[1])

    @property
    def n_sku(self) -> int:
        return int(self.budget.shape[0])

    @property
    def n_loc(self) -> int:
        return int(self.cap.size)

    @property
    def capped(self) -> bool:
        return bool(np.isfinite(self.cap).any())


@attrs.frozen(eq=False)
class FlowSolution:
    """Packs shipped per node and DC, and the supply prices per pack (NaN when unknown)."""

    ship: IntArray  # (n_nodes, K) packs
    price: FloatArray  # (n_sku, K) per pack
    capacity_price: FloatArray  # (n_loc,) per unit
    solver: str
    fallback_skus: int = 0


def _scale(pk: Packs) -> float:
    finite = pk.el_value[np.isfinite(pk.el_value)]
    top = float(np.abs(finite).max()) if finite.size else 0.0
    lanes = pk.cost[np.isfinite(pk.cost)]
    return 1.0 + top + (float(lanes.max()) if lanes.size else 0.0)


# ---------------------------------------------------------------------------------------------
# Exact LP / MILP


def _runs(node: IntArray, value: FloatArray) -> tuple[IntArray, FloatArray, FloatArray]:
    """Merge consecutive packs of a node with the same value into one column (bound = count)."""
    if node.size == 0:
        return node, value, np.zeros(0)
    new = np.ones(node.size, dtype=bool)
    new[1:] = (node[1:] != node[:-1]) | (value[1:] != value[:-1])
    run_id = np.cumsum(new) - 1
    return node[new], value[new], np.bincount(run_id).astype(float)


def _flow_program(
    pk: Packs,
    nodes: IntArray,
    fixed: IntArray,
    arc_ok: BoolArray,
    y_node: IntArray,
    y_value: FloatArray,
    y_len: FloatArray,
    supply_rhs: FloatArray,
    supply_eq: BoolArray,
    loc_rhs: FloatArray,
    loc_eq: BoolArray,
    *,
    integer: bool,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None:
    """Maximise ``value . y - cost . x`` over ``nodes`` (positions into the problem's nodes).

    Node rows: ``sum_s x[i, s] - sum y[i] = fixed[i]``. Supply rows per (SKU, DC) in packs, or in
    units when ``integer`` (mixed pack sizes); location rows in units. Rows flagged ``*_eq`` are
    equalities. Returns ``(x per node and DC, y, supply duals, location duals)`` (duals per pack
    and per unit, NaN for the MILP), or None when infeasible.
    """
    k = pk.n_src
    n_sel = nodes.size
    pos = np.full(pk.n_nodes, -1, dtype=np.int64)
    pos[nodes] = np.arange(n_sel)
    a_row, a_src = np.nonzero(arc_ok)
    a_node = nodes[a_row]
    a_sku = pk.node_sku[a_node]
    nx, ny = a_row.size, y_node.size
    y_row = pos[y_node]
    units = pk.pack.astype(float)
    # Supply rows that have arcs, location rows that have packs; the others are checked directly.
    s_key = a_sku * k + a_src
    s_rows, s_of_arc = np.unique(s_key, return_inverse=True)
    rhs_flat = supply_rhs.ravel()
    eq_flat = supply_eq.ravel()
    empty = np.ones(rhs_flat.size, dtype=bool)
    empty[s_rows] = False
    if (rhs_flat[empty] < -1e-9).any() or (eq_flat[empty] & (np.abs(rhs_flat[empty]) > 1e-9)).any():
        return None
    y_loc = pk.node_loc[y_node]
    capped = np.isfinite(loc_rhs)
    use_y = capped[y_loc]
    l_rows, l_of_y = np.unique(y_loc[use_y], return_inverse=True)
    l_empty = capped.copy()
    l_empty[l_rows] = False
    if (loc_rhs[l_empty] < -1e-9).any() or (
        loc_eq[l_empty] & (np.abs(loc_rhs[l_empty]) > 1e-9)
    ).any():
        return None
    n_var = nx + ny
    if n_var == 0:
        if (fixed != 0).any():
            return None
        zeros = np.zeros(supply_rhs.shape)
        return np.zeros((n_sel, k)), np.zeros(0), zeros, np.zeros(pk.n_loc)
    cols_x = np.arange(nx)
    cols_y = nx + np.arange(ny)
    node_rows = sp.csr_matrix(
        (
            np.concatenate([np.ones(nx), -np.ones(ny)]),
            (np.concatenate([a_row, y_row]), np.concatenate([cols_x, cols_y])),
        ),
        shape=(n_sel, n_var),
    )
    weight = units[a_node] if integer else np.ones(nx)
    supply_rows = sp.csr_matrix((weight, (s_of_arc, cols_x)), shape=(s_rows.size, n_var))
    loc_rows = sp.csr_matrix(
        (units[y_node[use_y]], (l_of_y, cols_y[use_y])), shape=(l_rows.size, n_var)
    )
    s_rhs, s_eq = rhs_flat[s_rows], eq_flat[s_rows]
    l_rhs, l_eq = loc_rhs[l_rows], loc_eq[l_rows]
    c = np.concatenate([pk.cost[a_node, a_src], -y_value])
    upper = np.concatenate([np.full(nx, np.inf), y_len])
    fixed_f = fixed.astype(float)
    if integer:
        matrix = sp.vstack([node_rows, supply_rows, loc_rows]).tocsr()
        lower = np.concatenate(
            [fixed_f, np.where(s_eq, s_rhs, -np.inf), np.where(l_eq, l_rhs, -np.inf)]
        )
        res = optimize.milp(
            c=c,
            integrality=np.ones(n_var, dtype=np.int64),
            bounds=optimize.Bounds(np.zeros(n_var), upper),
            constraints=optimize.LinearConstraint(
                matrix, lower, np.concatenate([fixed_f, s_rhs, l_rhs])
            ),
            options={"mip_rel_gap": 0.0, "presolve": True},
        )
        if res.x is None:
            return None
        sol = np.round(res.x)
        nan_s = np.full(supply_rhs.shape, np.nan)
        return _unpack(sol, a_row, a_src, n_sel, k, nx), sol[nx:], nan_s, np.full(pk.n_loc, np.nan)
    ub_rows = [supply_rows[~s_eq], loc_rows[~l_eq]]
    eq_rows = [node_rows, supply_rows[s_eq], loc_rows[l_eq]]
    a_ub = sp.vstack(ub_rows).tocsr()
    a_eq = sp.vstack(eq_rows).tocsr()
    # The scipy stubs omit sparse constraint matrices, which HiGHS takes natively.
    res = optimize.linprog(  # type: ignore[call-overload]
        c,
        A_ub=a_ub if a_ub.shape[0] else None,
        b_ub=np.concatenate([s_rhs[~s_eq], l_rhs[~l_eq]]) if a_ub.shape[0] else None,
        A_eq=a_eq,
        b_eq=np.concatenate([fixed_f, s_rhs[s_eq], l_rhs[l_eq]]),
        bounds=np.column_stack([np.zeros(n_var), upper]),
        method="highs-ds",
    )
    if res.status == 2:
        return None
    if res.x is None or res.status != 0:  # pragma: no cover - bounded and feasible otherwise
        raise OmnichannelError(
            f"allocate_inventory: HiGHS failed on the allocation LP: {res.message}"
        )
    sol = np.asarray(res.x)
    rounded = np.round(sol)
    if np.abs(sol - rounded).max(initial=0.0) > 1e-6:  # pragma: no cover - a network LP is integral
        raise OmnichannelError(
            "allocate_inventory: the allocation LP returned a fractional vertex."
        )
    # Duals: d(min objective)/d(rhs) <= 0 on a <= row; the price of supply is its negative.
    s_dual = np.zeros(s_rows.size)
    l_dual = np.zeros(l_rows.size)
    n_ub_s = int((~s_eq).sum())
    if a_ub.shape[0]:
        ub_m = -np.asarray(res.ineqlin.marginals)
        s_dual[~s_eq] = ub_m[:n_ub_s]
        l_dual[~l_eq] = ub_m[n_ub_s:]
    eq_m = -np.asarray(res.eqlin.marginals)
    n_s_eq = int(s_eq.sum())
    s_dual[s_eq] = eq_m[n_sel : n_sel + n_s_eq]
    l_dual[l_eq] = eq_m[n_sel + n_s_eq :]
    price = np.zeros(supply_rhs.size)
    price[s_rows] = s_dual
    loc_price = np.zeros(pk.n_loc)
    loc_price[l_rows] = l_dual
    return (
        _unpack(rounded, a_row, a_src, n_sel, k, nx),
        rounded[nx:],
        np.maximum(price.reshape(supply_rhs.shape), 0.0),
        np.maximum(loc_price, 0.0),
    )


def _unpack(
    sol: FloatArray, a_row: IntArray, a_src: IntArray, n_sel: int, k: int, nx: int
) -> FloatArray:
    x = np.zeros((n_sel, k))
    x[a_row, a_src] = sol[:nx]
    return x


def solve_lp(pk: Packs, skus: BoolArray | None = None, *, integer: bool = False) -> FlowSolution:
    """Solve the whole problem (or the SKUs in ``skus``, without capacity) as one LP or MILP."""
    take = np.ones(pk.n_sku, dtype=bool) if skus is None else skus
    node_in = take[pk.node_sku]
    el_in = node_in[pk.el_node]
    has = (pk.forced > 0) | (np.bincount(pk.el_node, minlength=pk.n_nodes) > 0)
    nodes = np.flatnonzero(node_in & has).astype(np.int64)
    arc_ok = np.isfinite(pk.cost[nodes])
    if integer:
        arc_ok &= pk.spare[pk.node_sku[nodes]] >= pk.pack[nodes, None]
        y_node, y_value = pk.el_node[el_in], pk.el_value[el_in]
        y_len = np.ones(y_node.size)
        rhs = pk.spare.astype(float)
    else:
        y_node, y_value, y_len = _runs(pk.el_node[el_in], pk.el_value[el_in])
        rhs = pk.budget.astype(float)
    loc_fixed = np.bincount(
        pk.node_loc[nodes], weights=(pk.forced * pk.pack)[nodes].astype(float), minlength=pk.n_loc
    )
    out = _flow_program(
        pk,
        nodes,
        pk.forced[nodes],
        arc_ok,
        y_node,
        y_value,
        y_len,
        np.where(take[:, None], rhs, 0.0),
        np.zeros(rhs.shape, dtype=bool),
        pk.cap - loc_fixed,
        np.zeros(pk.n_loc, dtype=bool),
        integer=integer,
    )
    if out is None:
        # Only packs of different sizes can make minimums unreachable from whole DC packs.
        raise SchemaError(
            "allocate_inventory: the minimums cannot be met in whole packs from the DCs' "
            "supply (each DC ships whole packs of each node's size). Lower the minimums or "
            "move stock between DCs."
        )
    x, _, price, loc_price = out
    ship = np.zeros((pk.n_nodes, pk.n_src), dtype=np.int64)
    ship[nodes] = x.astype(np.int64)
    return FlowSolution(
        ship=ship,
        price=np.where(take[:, None], price, np.nan),
        capacity_price=loc_price,
        solver="milp" if integer else "lp",
    )


# ---------------------------------------------------------------------------------------------
# Dual fast path


@attrs.frozen(eq=False)
class _Items:
    """Free packs and forced packs (value +inf) together, grouped by node (so by SKU)."""

    node: IntArray
    value: FloatArray
    sku: IntArray
    loc: IntArray


def _items(pk: Packs) -> _Items:
    f_node = np.repeat(np.arange(pk.n_nodes, dtype=np.int64), pk.forced)
    node = np.concatenate([f_node, pk.el_node])
    value = np.concatenate([np.full(f_node.size, np.inf), pk.el_value])
    order = np.argsort(node, kind="stable")
    node, value = node[order], value[order]
    return _Items(node, value, pk.node_sku[node], pk.node_loc[node])


def _subsets(k: int) -> list[BoolArray]:
    """Every non-empty set of DCs: the whole set first, then singletons, pairs, ..."""
    out = [np.ones(k, dtype=bool)]
    for size in range(1, k):
        for combo in itertools.combinations(range(k), size):
            mask = np.zeros(k, dtype=bool)
            mask[list(combo)] = True
            out.append(mask)
    return out


def _thresholds(a: FloatArray, b: FloatArray, it: _Items) -> FloatArray:
    """Return the price rise at which each pack drops out: ``min(value, b) - a``.

    ``-inf`` where ``a`` is inf (the node has no usable DC in the set).
    """
    ai = a[it.node]
    with np.errstate(invalid="ignore"):
        t = np.minimum(it.value, b[it.node]) - ai
    return np.where(np.isinf(ai), -np.inf, t)


def _descend(pk: Packs, it: _Items, tol: float) -> tuple[FloatArray, FloatArray, bool]:
    k = pk.n_src
    lam = np.zeros((pk.n_sku, k))
    rho = np.zeros(pk.n_loc)
    usable = pk.budget > 0
    pack_f = pk.pack.astype(float)
    cap_k = np.where(np.isfinite(pk.cap), np.floor(np.minimum(pk.cap, 2**62)) + 1, 0).astype(
        np.int64
    )
    capped = pk.capped
    active = np.ones(pk.n_sku, dtype=bool)
    for _ in range(_MAX_SWEEPS):
        moved = np.zeros(pk.n_sku, dtype=bool)
        sel_items = active[it.sku]
        sub = _Items(it.node[sel_items], it.value[sel_items], it.sku[sel_items], it.loc[sel_items])
        for mask in _subsets(k):
            price = pk.cost + lam[pk.node_sku]
            a = price[:, mask].min(axis=1)
            b = price[:, ~mask].min(axis=1) if (~mask).any() else np.full(pk.n_nodes, np.inf)
            if capped:
                extra = pack_f * rho[pk.node_loc]
                a, b = a + extra, b + extra
            t = _thresholds(a, b, sub)
            budget_t = (pk.budget[:, mask]).sum(axis=1)
            lam_min = np.where(usable[:, mask], lam[:, mask], np.inf).min(axis=1)
            above = np.bincount(sub.sku, weights=(t > tol).astype(float), minlength=pk.n_sku)
            level = np.bincount(sub.sku, weights=(t >= -tol).astype(float), minlength=pk.n_sku)
            improve = (
                active
                & usable[:, mask].any(axis=1)
                & ((above > budget_t) | ((level < budget_t) & (lam_min > tol)))
            )
            if not improve.any():
                continue
            pick = improve[sub.sku]
            kth = kth_largest(t[pick], sub.sku[pick], pk.n_sku, np.where(improve, budget_t + 1, 0))
            step = np.where(improve, np.maximum(kth, -lam_min), 0.0)
            lam = np.where(usable & mask[None, :], lam + step[:, None], lam)
            lam = np.maximum(lam, 0.0)
            moved |= improve
        moved_loc = False
        if capped:
            m0 = (pk.cost + lam[pk.node_sku]).min(axis=1)
            mi = m0[it.node]
            with np.errstate(invalid="ignore"):
                t = np.where(np.isinf(mi), -np.inf, it.value - mi)
            kth = kth_largest(t, it.loc, pk.n_loc, cap_k)
            new_rho = np.where(cap_k > 0, np.maximum(kth, 0.0), 0.0)
            change = np.abs(new_rho - rho) > tol
            if change.any():
                moved_loc = True
                touched = np.zeros(pk.n_loc, dtype=bool)
                touched[change] = True
                # SKUs with a node at a re-priced location need another look.
                moved |= (
                    np.bincount(
                        pk.node_sku, weights=touched[pk.node_loc].astype(float), minlength=pk.n_sku
                    )
                    > 0
                )
            rho = new_rho
        if not moved.any() and not moved_loc:
            return lam, rho, True
        active = moved
    return lam, rho, False


def _recover(
    pk: Packs, lam: FloatArray, rho: FloatArray, tol: float
) -> tuple[IntArray, BoolArray] | None:
    """Find an allocation in complementary slackness with the prices (None if there is none).

    Returns packs per node and DC, and per SKU whether it needed the tie LP.
    """
    k = pk.n_src
    price = pk.cost + lam[pk.node_sku]
    best = price.min(axis=1)
    node_price = best + pk.pack * rho[pk.node_loc]
    admissible = np.isfinite(price) & (price <= best[:, None] + tol)
    margin = pk.el_value - node_price[pk.el_node]
    take = margin > tol
    tie = np.abs(margin) <= tol
    low = pk.forced + np.bincount(
        pk.el_node, weights=take.astype(float), minlength=pk.n_nodes
    ).astype(np.int64)
    n_tie = np.bincount(pk.el_node, weights=tie.astype(float), minlength=pk.n_nodes).astype(
        np.int64
    )
    n_adm = admissible.sum(axis=1)
    wants = (low > 0) | (n_tie > 0)
    if (wants & (n_adm == 0)).any():
        return None
    clear = wants & (n_tie == 0) & (n_adm == 1)
    open_ = wants & ~clear
    ship = np.zeros((pk.n_nodes, k), dtype=np.int64)
    first = np.argmax(admissible, axis=1)
    ci = np.flatnonzero(clear)
    ship[ci, first[ci]] = low[ci]
    used = np.zeros((pk.n_sku, k))
    np.add.at(used, (pk.node_sku[ci], first[ci]), low[ci].astype(float))
    supply_rhs = pk.budget - used
    supply_eq = (lam > tol) & (pk.budget > 0)
    loc_fixed = np.bincount(pk.node_loc, weights=(low * pk.pack).astype(float), minlength=pk.n_loc)
    loc_rhs = pk.cap - loc_fixed
    loc_eq = np.isfinite(pk.cap) & (rho > tol)
    tie_sku = np.zeros(pk.n_sku, dtype=bool)
    tie_sku[pk.node_sku[open_]] = True
    nodes = np.flatnonzero(open_).astype(np.int64)
    if nodes.size == 0:
        # Nothing to settle: check the rows directly.
        bad_s = (supply_rhs < -0.5).any() or (supply_eq & (supply_rhs > 0.5)).any()
        bad_l = (loc_rhs < -1e-9).any() or (loc_eq & (loc_rhs > 1e-9)).any()
        return None if (bad_s or bad_l) else (ship, tie_sku)
    tie_idx = np.flatnonzero(tie & open_[pk.el_node])
    out = _flow_program(
        pk,
        nodes,
        low[nodes],
        admissible[nodes],
        pk.el_node[tie_idx],
        pk.el_value[tie_idx],
        np.ones(tie_idx.size),
        supply_rhs.astype(float),
        supply_eq,
        loc_rhs,
        loc_eq,
        integer=False,
    )
    if out is None:
        return None
    x = out[0]
    ship[nodes] = x.astype(np.int64)
    return ship, tie_sku


def _failing_skus(pk: Packs, lam: FloatArray, rho: FloatArray, tol: float) -> BoolArray:
    """SKUs whose prices admit no allocation, found by halving the set of SKUs (no capacity)."""
    bad = np.zeros(pk.n_sku, dtype=bool)
    pending = [np.arange(pk.n_sku)]
    while pending:
        group = pending.pop()
        keep = np.zeros(pk.n_sku, dtype=bool)
        keep[group] = True
        if _recover(_restrict(pk, keep), lam[keep], rho, tol) is not None:
            continue
        if group.size == 1:
            bad[group] = True
        else:
            half = group.size // 2
            pending += [group[:half], group[half:]]
    return bad


def _restrict(pk: Packs, keep: BoolArray) -> Packs:
    """Return the sub-problem of the SKUs in ``keep`` (SKU codes renumbered)."""
    node_in = keep[pk.node_sku]
    new_code = np.cumsum(keep) - 1
    old_to_new = np.full(pk.n_nodes, -1, dtype=np.int64)
    old_to_new[node_in] = np.arange(int(node_in.sum()))
    el_in = node_in[pk.el_node]
    return Packs(
        node_sku=new_code[pk.node_sku[node_in]],
        node_loc=pk.node_loc[node_in],
        pack=pk.pack[node_in],
        forced=pk.forced[node_in],
        el_node=old_to_new[pk.el_node[el_in]],
        el_value=pk.el_value[el_in],
        cost=pk.cost[node_in],
        budget=pk.budget[keep],
        spare=pk.spare[keep],
        cap=pk.cap,
    )


def solve_dual(pk: Packs) -> FlowSolution:
    """Allocate exactly by dual descent, certified by complementary slackness (LP fallback)."""
    tol = 1e-9 * _scale(pk)
    it = _items(pk)
    lam, rho, _converged = _descend(pk, it, tol)
    got = _recover(pk, lam, rho, tol)
    if got is not None:
        return FlowSolution(ship=got[0], price=lam, capacity_price=rho, solver="greedy")
    if pk.capped:
        # Capacity couples the SKUs: the fallback is the whole LP.
        return attrs.evolve(solve_lp(pk), fallback_skus=pk.n_sku)
    ok = ~_failing_skus(pk, lam, rho, tol)
    ship = np.zeros((pk.n_nodes, pk.n_src), dtype=np.int64)
    price = lam.copy()
    if ok.any():
        part = _restrict(pk, ok)
        good = _recover(part, lam[ok], rho, tol)
        assert good is not None
        ship[ok[pk.node_sku]] = good[0]
    if (~ok).any():
        lp = solve_lp(pk, ~ok)
        bad_nodes = ~ok[pk.node_sku]
        ship[bad_nodes] = lp.ship[bad_nodes]
        price[~ok] = lp.price[~ok]
    return FlowSolution(
        ship=ship,
        price=price,
        capacity_price=rho,
        solver="greedy",
        fallback_skus=int((~ok).sum()),
    )


def _relax(
    start: FloatArray, head: IntArray, tail: IntArray, weight: FloatArray, tol: float
) -> FloatArray:
    """Bellman-Ford: the least cost from every node to the targets, along edges ``head -> tail``.

    ``start`` holds the known costs (0 at the target, inf elsewhere). Edges are aggregated per
    head node with ``minimum.reduceat``; stops when nothing improves by more than ``tol``.
    """
    dist = start.copy()
    if head.size == 0:
        return dist
    order = np.argsort(head, kind="stable")
    head, tail, weight = head[order], tail[order], weight[order]
    first = np.flatnonzero(np.r_[True, head[1:] != head[:-1]])
    heads = head[first]
    for _ in range(dist.size + 1):
        best = np.minimum.reduceat(weight + dist[tail], first)
        better = best < dist[heads] - tol
        if not better.any():
            break
        dist[heads[better]] = best[better]
    return dist


def marginal_prices(pk: Packs, ship: IntArray) -> tuple[FloatArray, FloatArray]:
    """Value one more pack at each (SKU, DC) and one more unit of each location's capacity.

    The right derivatives of the optimal value, read off the optimal flow ``ship``: minus the
    shortest path in the residual network from the DC to the sink (and from the sink to the
    location). Demand nodes are composed away, leaving DCs, locations and the sink: a DC reaches
    the sink by keeping the pack, by adding it to a node (next pack's value less the lane), or
    by taking over a pack another DC ships to a node (freeing that DC's pack); a full location
    is passed by removing another node's last pack there (freeing its DC's pack). Per pack of
    the SKU; NaN for a DC without a lane to the SKU's nodes. A DC with no pack to spare is
    priced too when ``pk`` gives its lanes a finite cost.
    """
    k = pk.n_src
    tol = 1e-12 * _scale(pk)
    n_src_nodes = pk.n_sku * k
    tau = n_src_nodes + pk.n_loc
    q = ship.sum(axis=1)
    free = q - pk.forced
    count = np.bincount(pk.el_node, minlength=pk.n_nodes)
    start = np.searchsorted(pk.el_node, np.arange(pk.n_nodes))
    top = max(pk.el_value.size - 1, 0)
    has_next = free < count
    has_last = free > 0
    v_next = np.where(
        has_next, pk.el_value[np.clip(start + free, 0, top)] if pk.el_value.size else 0.0, np.inf
    )
    v_last = np.where(
        has_last,
        pk.el_value[np.clip(start + free - 1, 0, top)] if pk.el_value.size else 0.0,
        np.inf,
    )
    usable = np.isfinite(pk.cost)
    src_of = pk.node_sku[:, None] * k + np.arange(k)[None, :]
    loc_node = n_src_nodes + pk.node_loc
    used_loc = np.bincount(pk.node_loc, weights=(q * pk.pack).astype(float), minlength=pk.n_loc)
    loc_open = ~np.isfinite(pk.cap) | (pk.cap - used_loc >= 1)
    shipped = np.zeros((pk.n_sku, k))
    np.add.at(shipped, pk.node_sku, ship.astype(float))
    src_slack = (pk.budget - shipped >= 1) & (pk.budget > 0)
    heads: list[IntArray] = []
    tails: list[IntArray] = []
    weights: list[FloatArray] = []

    def edge(h: IntArray, t: IntArray, w: FloatArray) -> None:
        heads.append(np.asarray(h, dtype=np.int64).ravel())
        tails.append(np.asarray(t, dtype=np.int64).ravel())
        weights.append(np.asarray(w, dtype=float).ravel())

    # Keep the pack at the DC; a location with room passes on to the sink.
    edge(np.arange(n_src_nodes), np.full(n_src_nodes, tau), np.zeros(n_src_nodes))
    open_locs = np.flatnonzero(loc_open)
    edge(n_src_nodes + open_locs, np.full(open_locs.size, tau), np.zeros(open_locs.size))
    # Add the next pack at a node: DC -> location.
    ii, ss = np.nonzero(usable & has_next[:, None])
    edge(src_of[ii, ss], loc_node[ii], pk.cost[ii, ss] - v_next[ii])
    # Remove a node's last free pack at a location, returning it to the DC that ships it.
    ii, ss = np.nonzero((ship > 0) & has_last[:, None])
    edge(loc_node[ii], src_of[ii, ss], v_last[ii] - pk.cost[ii, ss])
    # DC s takes over a pack DC s2 ships to a node.
    for s2 in range(k):
        served = ship[:, s2] > 0
        for s1 in range(k):
            if s1 == s2:
                continue
            ii = np.flatnonzero(served & usable[:, s1])
            edge(src_of[ii, s1], src_of[ii, s2], pk.cost[ii, s1] - pk.cost[ii, s2])
    head = np.concatenate(heads)
    tail = np.concatenate(tails)
    weight = np.concatenate(weights)
    target = np.full(tau + 1, np.inf)
    target[tau] = 0.0
    to_sink = _relax(target, head, tail, weight, tol)
    supply = -to_sink[:n_src_nodes].reshape(pk.n_sku, k)
    reach = np.zeros((pk.n_sku, k), dtype=bool)
    np.logical_or.at(reach, pk.node_sku, usable)
    supply = np.where(reach, np.maximum(supply, 0.0), np.nan)
    # From the sink: a location holding units, a DC with spare packs (edges reversed).
    origin = np.full(tau + 1, np.inf)
    origin[tau] = 0.0
    from_sink = _relax(
        origin,
        np.concatenate(
            [tail, n_src_nodes + np.flatnonzero(used_loc > 0), np.flatnonzero(src_slack.ravel())]
        ),
        np.concatenate([head, np.full(int((used_loc > 0).sum()) + int(src_slack.sum()), tau)]),
        np.concatenate([weight, np.zeros(int((used_loc > 0).sum()) + int(src_slack.sum()))]),
        tol,
    )
    capacity = np.where(np.isfinite(pk.cap), np.maximum(-from_sink[n_src_nodes:tau], 0.0), np.nan)
    return supply, capacity
