"""``allocate_inventory``: split each SKU's supply across nodes to maximise expected profit."""

from __future__ import annotations

import functools
import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy import optimize, special

from .._exceptions import InvalidParameterError, SchemaError
from .._validation import (
    Column,
    FrameSchema,
    check_choice,
    check_frame,
    check_int,
    fail_at_rows,
    short_repr,
)
from ._allocation_kernels import (
    Elements,
    EvalStepper,
    NegbinStepper,
    PoissonStepper,
    Stepper,
    candidate_packs,
    expected_sales,
    select_top,
)
from ._allocation_result import Allocation

__all__ = ["ALLOCATION_METHODS", "DEMAND_FAMILIES", "AllocationMethod", "allocate_inventory"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

AllocationMethod = Literal[
    "auto", "greedy", "lp", "milp", "fair_share", "days_of_supply", "priority"
]
#: Allocation methods; the same tuple drives the check and the documentation.
ALLOCATION_METHODS: tuple[AllocationMethod, ...] = (
    "auto",
    "greedy",
    "lp",
    "milp",
    "fair_share",
    "days_of_supply",
    "priority",
)
_BASELINES = ("fair_share", "days_of_supply", "priority")
DemandFamily = Literal["normal", "poisson", "negbin"]
#: Parametric demand families accepted in ``demand['family']``.
DEMAND_FAMILIES: tuple[DemandFamily, ...] = ("normal", "poisson", "negbin")
_QUANTILE = re.compile(r"^q(0?\.\d+)$")
_POISSON, _NEGBIN, _NORMAL, _QUANT, _SAMPLES = range(5)
_CHUNK_NODES = 400_000
_FUNC = "allocate_inventory"

_SUPPLY = FrameSchema(
    "supply",
    (
        Column("product", "id"),
        Column("quantity", "number", description="Units available at the DC."),
        Column("reserve", "number", required=False, description="Units held back at the DC."),
    ),
)
_ECONOMICS = FrameSchema(
    "economics",
    (
        Column("location", "id"),
        Column("product", "id", required=False),
        Column("unit_margin", "count"),
        Column("overage_cost", "count"),
        Column("shortage_penalty", "count", required=False),
        Column("shipping_cost", "count", required=False),
    ),
)
_CONSTRAINTS = FrameSchema(
    "constraints",
    (
        Column("location", "id"),
        Column("product", "id", required=False),
        Column("min_quantity", "count", required=False),
        Column("max_quantity", "count", required=False, nullable=True),
        Column("pack_size", "number", required=False),
        Column("priority", "number", required=False),
        Column("max_units_total", "count", required=False, nullable=True),
    ),
)


@attrs.frozen(eq=False)
class _Demand:
    """Demand per node in one of five representations, with ``S(u) = P(D >= u)`` steppers."""

    kind: npt.NDArray[np.int8]
    mean: FloatArray  # mean of the integer demand
    param: FloatArray  # variance (parametric) or unused
    center: FloatArray  # mean parameter of the family (before rounding normal demand)
    quantiles: FloatArray | None = None  # nodes x levels
    levels: FloatArray | None = None
    sample_keys: IntArray | None = None  # sorted node * width + rounded sample
    sample_start: IntArray | None = None
    sample_count: IntArray | None = None
    sample_width: int = 1

    def groups(self, nodes: IntArray) -> list[tuple[IntArray, Stepper]]:
        """Positions in ``nodes`` per representation, each with a fresh stepper."""
        out: list[tuple[IntArray, Stepper]] = []
        kinds = self.kind[nodes]
        for code in np.unique(kinds):
            pos = np.flatnonzero(kinds == code)
            idx = nodes[pos]
            out.append((pos, self._stepper(int(code), idx)))
        return out

    def _stepper(self, code: int, idx: IntArray) -> Stepper:
        mean = self.center[idx]
        if code == _POISSON:
            return PoissonStepper(mean)
        if code == _NEGBIN:
            return NegbinStepper(mean, self.param[idx])
        if code == _NORMAL:
            sd = np.sqrt(self.param[idx])

            def normal_sf(rows: IntArray, u: FloatArray) -> FloatArray:
                return np.asarray(special.ndtr((mean[rows] - (u - 0.5)) / sd[rows]))

            return EvalStepper(idx.size, normal_sf)
        if code == _QUANT:
            assert self.quantiles is not None
            assert self.levels is not None
            xs = self.quantiles[idx]
            ps = self.levels

            def quantile_sf(rows: IntArray, u: FloatArray) -> FloatArray:
                x = u - 0.5
                table = xs[rows]
                j = (table <= x[:, None]).sum(axis=1)
                inner = (j > 0) & (j < ps.size)
                jj = np.clip(j, 1, ps.size - 1)
                r = np.arange(rows.size)
                x0, x1 = table[r, jj - 1], table[r, jj]
                with np.errstate(invalid="ignore", divide="ignore"):
                    frac = np.where(x1 > x0, (x - x0) / (x1 - x0), 0.0)
                cdf = np.where(j >= ps.size, 1.0, 0.0)
                cdf = np.where(inner, ps[jj - 1] + (ps[jj] - ps[jj - 1]) * frac, cdf)
                return 1.0 - cdf

            return EvalStepper(idx.size, quantile_sf)
        assert self.sample_keys is not None
        assert self.sample_start is not None
        assert self.sample_count is not None
        keys, width = self.sample_keys, self.sample_width
        start, count = self.sample_start[idx], self.sample_count[idx]

        def sample_sf(rows: IntArray, u: FloatArray) -> FloatArray:
            node = idx[rows]
            below = np.searchsorted(keys, node * width + u.astype(np.int64), side="left")
            return np.asarray(1.0 - (below - start[rows]) / count[rows])

        return EvalStepper(idx.size, sample_sf)


@attrs.frozen(eq=False)
class _Problem:
    products: npt.NDArray[Any]  # SKU labels, by code
    locations: npt.NDArray[Any]  # location labels, by code
    sku: IntArray  # per node, sorted
    loc: IntArray
    sku_start: IntArray  # first node of each SKU (length n_sku + 1)
    demand: _Demand
    margin: FloatArray
    overage: FloatArray
    penalty: FloatArray
    shipping: FloatArray
    low: IntArray
    high: IntArray  # cap in units (large when uncapped), a pack multiple above low
    pack: IntArray
    priority: FloatArray
    supply: IntArray  # per SKU
    reserve: IntArray
    spare: IntArray  # units per SKU after reserve and minimums

    @property
    def n_nodes(self) -> int:
        return int(self.sku.size)

    @property
    def n_sku(self) -> int:
        return int(self.supply.size)

    def node_label(self, i: int) -> str:
        return f"product={self.products[self.sku[i]]!r}, location={self.locations[self.loc[i]]!r}"


def _integral(values: FloatArray) -> npt.NDArray[np.bool_]:
    return np.asarray(np.isfinite(values) & (np.floor(values) == values))


_fail_at = functools.partial(fail_at_rows, keys=("product", "location"))


def _node_codes(
    frame: pd.DataFrame, label: str
) -> tuple[IntArray, IntArray, npt.NDArray[Any], npt.NDArray[Any]]:
    sku, products = pd.factorize(frame["product"], sort=True)
    loc, locations = pd.factorize(frame["location"], sort=True)
    return (
        sku.astype(np.int64),
        loc.astype(np.int64),
        np.asarray(products, dtype=object),
        np.asarray(locations, dtype=object),
    )


def _build_demand(
    frame: object,
) -> tuple[IntArray, IntArray, npt.NDArray[Any], npt.NDArray[Any], _Demand]:
    """Nodes sorted by (product, location) and their demand representation."""
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(
            f"demand must be a pandas DataFrame; got {type(frame).__name__}. Build one with "
            "columns ['product', 'location', 'mean', 'family'] (plus 'variance'), quantile "
            "columns such as 'q0.1', 'q0.5', 'q0.9', or ['product', 'location', 'sample', "
            "'quantity'] for sample paths."
        )
    if "sample" in frame.columns:
        return _build_samples(frame)
    qcols = [str(c) for c in frame.columns if _QUANTILE.match(str(c))]
    schema_cols = [Column("product", "id"), Column("location", "id")]
    if qcols:
        schema_cols += [Column(c, "count") for c in qcols]
    else:
        if "mean" not in frame.columns:
            raise SchemaError(
                "demand needs either 'mean' and 'family' (plus 'variance' for 'normal' and "
                "'negbin'), quantile columns such as 'q0.1', 'q0.5', 'q0.9', or a 'sample' "
                f"column of sample paths; got {short_repr([str(c) for c in frame.columns])}."
            )
        schema_cols += [
            Column("mean", "count"),
            Column("family", "label"),
            Column("variance", "count", required=False, nullable=True),
        ]
    check_frame(frame, FrameSchema("demand", tuple(schema_cols)))
    sku, loc, products, locations = _node_codes(frame, "demand")
    key = sku * max(len(locations), 1) + loc
    order = np.argsort(key, kind="stable")
    _check_unique(key[order], order, frame, "demand")
    sku, loc = sku[order], loc[order]
    n = sku.size
    if qcols:
        levels = np.array([float(_QUANTILE.match(c).group(1)) for c in qcols])  # type: ignore[union-attr]
        by_level = np.argsort(levels)
        levels = levels[by_level]
        if np.unique(levels).size != levels.size:
            raise SchemaError(f"demand has duplicate quantile levels in {qcols}.")
        table = frame[[qcols[j] for j in by_level]].to_numpy(dtype=float)
        _fail_at(
            np.any(np.diff(table, axis=1) < 0, axis=1),
            frame,
            "demand quantile columns",
            f"must not decrease with the level ({[qcols[j] for j in by_level]})",
            "Sort each row's quantiles or fix the crossing values.",
        )
        table = table[order]
        rep = _Demand(
            kind=np.full(n, _QUANT, dtype=np.int8),
            mean=np.zeros(n),
            param=np.zeros(n),
            center=np.zeros(n),
            quantiles=table,
            levels=levels,
        )
        upper = np.ceil(table[:, -1] + 0.5).astype(np.int64) + 1
        mean = _sum_sales(rep, upper)
        return sku, loc, products, locations, attrs.evolve(rep, mean=mean)
    family = frame["family"].astype(str).to_numpy()
    bad = ~np.isin(family, DEMAND_FAMILIES)
    _fail_at(
        bad,
        frame,
        "demand['family']",
        f"must be one of {list(DEMAND_FAMILIES)}; got {short_repr(sorted(set(family[bad])))}",
        "Use 'negbin' for negative binomial demand.",
    )
    mean = frame["mean"].to_numpy(dtype=float)
    variance = (
        frame["variance"].to_numpy(dtype=float, na_value=np.nan)
        if "variance" in frame.columns
        else np.full(n, np.nan)
    )
    is_normal = family == "normal"
    is_negbin = family == "negbin"
    _fail_at(
        is_normal & ~(variance > 0),
        frame,
        "demand['variance']",
        "must be > 0 for family 'normal'",
        "Give every normal node a positive variance.",
    )
    _fail_at(
        is_negbin & (mean > 0) & ~(variance > mean),
        frame,
        "demand['variance']",
        "must exceed the mean for family 'negbin' (over-dispersion)",
        "Use family 'poisson' where the variance equals the mean.",
    )
    kind = np.where(is_normal, _NORMAL, np.where(is_negbin & (mean > 0), _NEGBIN, _POISSON))
    rep = _Demand(
        kind=kind[order].astype(np.int8),
        mean=mean[order],
        param=np.where(np.isnan(variance), 0.0, variance)[order],
        center=mean[order],
    )
    normal = rep.kind == _NORMAL
    if normal.any():
        idx = np.flatnonzero(normal)
        sd = np.sqrt(rep.param[idx])
        upper = np.ceil(rep.mean[idx] + 12.0 * sd).astype(np.int64) + 1
        exact = rep.mean.copy()
        exact[idx] = _sum_sales(rep, upper, idx)
        rep = attrs.evolve(rep, mean=exact)
    return sku, loc, products, locations, rep


def _build_samples(
    frame: pd.DataFrame,
) -> tuple[IntArray, IntArray, npt.NDArray[Any], npt.NDArray[Any], _Demand]:
    schema = FrameSchema(
        "demand",
        (
            Column("product", "id"),
            Column("location", "id"),
            Column("sample", "id"),
            Column("quantity", "count"),
        ),
    )
    check_frame(frame, schema)
    sku, loc, products, locations = _node_codes(frame, "demand")
    key = sku * max(len(locations), 1) + loc
    nodes, node_of_row = np.unique(key, return_inverse=True)
    sample_code = pd.factorize(frame["sample"])[0].astype(np.int64)
    pair = node_of_row * (int(sample_code.max()) + 1) + sample_code
    order = np.argsort(pair, kind="stable")
    _check_unique(pair[order], order, frame, "demand", what="(product, location, sample)")
    d = np.maximum(np.floor(frame["quantity"].to_numpy(dtype=float) + 0.5), 0).astype(np.int64)
    width = int(d.max()) + 2 if d.size else 2
    keys = np.sort(node_of_row * width + d)
    count = np.bincount(node_of_row, minlength=nodes.size).astype(np.int64)
    start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    mean = np.bincount(node_of_row, weights=d.astype(float), minlength=nodes.size) / count
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    row_of_node = np.argsort(node_of_row, kind="stable")[first]
    rep = _Demand(
        kind=np.full(nodes.size, _SAMPLES, dtype=np.int8),
        mean=mean,
        param=np.zeros(nodes.size),
        center=mean,
        sample_keys=keys,
        sample_start=start,
        sample_count=count,
        sample_width=width,
    )
    return sku[row_of_node], loc[row_of_node], products, locations, rep


def _check_unique(
    sorted_key: IntArray,
    order: IntArray,
    frame: pd.DataFrame,
    label: str,
    what: str = "(product, location)",
) -> None:
    dup = np.flatnonzero(sorted_key[1:] == sorted_key[:-1])
    if dup.size:
        row = int(order[dup[0] + 1])
        item = frame.iloc[row]
        raise SchemaError(
            f"{label} has {dup.size} duplicate row(s) on {what}; first at index "
            f"{frame.index[row]!r} (product={item['product']!r}, location={item['location']!r}). "
            "Aggregate or drop duplicates first."
        )


def _sum_sales(rep: _Demand, quantity: IntArray, idx: IntArray | None = None) -> FloatArray:
    nodes = np.arange(rep.kind.size, dtype=np.int64) if idx is None else idx
    out = np.zeros(nodes.size)
    for pos, stepper in rep.groups(nodes):
        out[pos] = expected_sales(stepper, quantity[pos])
    return out


def _lookup(
    frame: pd.DataFrame,
    label: str,
    products: npt.NDArray[Any],
    locations: npt.NDArray[Any],
    sku: IntArray,
    loc: IntArray,
) -> tuple[IntArray, bool]:
    """Row of ``frame`` for every node (-1 when absent) and whether rows are per product."""
    loc_index = pd.Index(locations)
    loc_code = loc_index.get_indexer(frame["location"])
    per_product = "product" in frame.columns
    unknown = loc_code < 0
    if per_product:
        sku_code = pd.Index(products).get_indexer(frame["product"])
        unknown |= sku_code < 0
        key = np.where(unknown, -1, sku_code * len(locations) + loc_code)
        node_key = sku * len(locations) + loc
    else:
        key = np.where(unknown, -1, loc_code)
        node_key = loc
    what = "(product, location)" if per_product else "location"
    _fail_at(
        unknown,
        frame,
        label,
        f"has {what} values that are not demand nodes",
        "Drop those rows or add the nodes to demand.",
    )
    order = np.argsort(key, kind="stable")
    _check_unique(key[order], order, frame, label, what=what)
    index = pd.Index(key)
    return np.asarray(index.get_indexer(pd.Index(node_key)), dtype=np.int64), per_product


def _per_node(frame: pd.DataFrame, rows: IntArray, column: str, default: float) -> FloatArray:
    if column not in frame.columns:
        return np.full(rows.size, default)
    values = frame[column].to_numpy(dtype=float, na_value=np.nan)
    out = np.where(rows >= 0, values[np.maximum(rows, 0)], default)
    return np.where(np.isnan(out), default, out)


def _problem(supply: object, demand: object, economics: object, constraints: object) -> _Problem:
    sku, loc, products, locations, rep = _build_demand(demand)
    n = sku.size
    n_sku = len(products)
    node_label = _Labels(products, locations, sku, loc)
    # Supply.
    check_frame(supply, _SUPPLY)
    assert isinstance(supply, pd.DataFrame)
    if "source" in supply.columns and len(supply["source"].unique()) > 1:
        # allocate_inventory routes several DCs to the network model before it gets here.
        raise InvalidParameterError(
            "This single-DC problem builder got several DCs in supply['source'] "
            f"({short_repr(sorted(map(str, supply['source'].unique())))}); call "
            "allocate_inventory(..., lanes=...) to allocate from several DCs with lane costs."
        )
    qty = supply["quantity"].to_numpy(dtype=float)
    _fail_at(qty < 0, supply, "supply['quantity']", "is negative", "Supply must be >= 0 units.")
    _fail_at(
        ~_integral(qty), supply, "supply['quantity']", "is not a whole number", "Round it first."
    )
    res = supply["reserve"].to_numpy(dtype=float) if "reserve" in supply.columns else 0 * qty
    _fail_at(
        (res < 0) | ~_integral(res) | (res > qty),
        supply,
        "supply['reserve']",
        "is not a whole number in [0, quantity]",
        "Hold back between 0 and the quantity on hand.",
    )
    sup_code = pd.Index(products).get_indexer(supply["product"])
    order = np.argsort(sup_code, kind="stable")
    _check_unique(
        np.asarray(sup_code)[order][np.asarray(sup_code)[order] >= 0],
        order,
        supply,
        "supply",
        what="product",
    )
    have = np.zeros(n_sku, dtype=bool)
    known = sup_code >= 0
    have[sup_code[known]] = True
    if not have.all():
        missing = products[~have]
        raise SchemaError(
            f"supply has no row for {missing.size} demand product(s) {short_repr(list(missing))}; "
            "add them with quantity 0 or drop them from demand."
        )
    supply_units = np.zeros(n_sku, dtype=np.int64)
    reserve_units = np.zeros(n_sku, dtype=np.int64)
    supply_units[sup_code[known]] = qty[known].astype(np.int64)
    reserve_units[sup_code[known]] = res[known].astype(np.int64)
    # Economics.
    check_frame(economics, _ECONOMICS)
    assert isinstance(economics, pd.DataFrame)
    rows, _ = _lookup(economics, "economics", products, locations, sku, loc)
    if (rows < 0).any():
        i = int(np.flatnonzero(rows < 0)[0])
        raise SchemaError(
            f"economics has no row for {int((rows < 0).sum())} demand node(s); first "
            f"{node_label(i)}. Add a row per location (or per product and location)."
        )
    margin = _per_node(economics, rows, "unit_margin", 0.0)
    overage = _per_node(economics, rows, "overage_cost", 0.0)
    penalty = _per_node(economics, rows, "shortage_penalty", 0.0)
    shipping = _per_node(economics, rows, "shipping_cost", 0.0)
    # Constraints.
    if constraints is None:
        crow = np.full(n, -1, dtype=np.int64)
        cframe = pd.DataFrame({"location": []})
    else:
        check_frame(constraints, _CONSTRAINTS)
        assert isinstance(constraints, pd.DataFrame)
        cframe = constraints
        for col in ("min_quantity", "max_quantity", "pack_size"):
            if col in cframe.columns:
                values = cframe[col].to_numpy(dtype=float, na_value=np.nan)
                _fail_at(
                    ~np.isnan(values) & ~_integral(values),
                    cframe,
                    f"constraints[{col!r}]",
                    "is not a whole number",
                    "Give units as integers.",
                )
        if "pack_size" in cframe.columns:
            _fail_at(
                cframe["pack_size"].to_numpy(dtype=float) < 1,
                cframe,
                "constraints['pack_size']",
                "is below 1",
                "Pack sizes are whole numbers >= 1.",
            )
        crow, _ = _lookup(cframe, "constraints", products, locations, sku, loc)
    big = np.iinfo(np.int64).max // 4
    pack = _per_node(cframe, crow, "pack_size", 1.0).astype(np.int64)
    minimum = _per_node(cframe, crow, "min_quantity", 0.0)
    cap = _per_node(cframe, crow, "max_quantity", np.inf)
    low = (np.ceil(minimum / pack) * pack).astype(np.int64)
    cap_units = np.where(np.isinf(cap), big, np.floor(np.minimum(cap, big) / pack) * pack)
    high = cap_units.astype(np.int64)
    bad = high < low
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            f"constraints leave no feasible quantity at {int(bad.sum())} node(s); first "
            f"{node_label(i)}: min_quantity {minimum[i]:g} rounded up to pack size {pack[i]} is "
            f"{low[i]}, above max_quantity {cap[i]:g}. Lower the minimum or raise the maximum."
        )
    priority = _per_node(cframe, crow, "priority", np.nan)
    sku_start = np.searchsorted(sku, np.arange(n_sku + 1)).astype(np.int64)
    min_total = np.add.reduceat(low, sku_start[:-1]) if n else np.zeros(0, dtype=np.int64)
    spare = supply_units - reserve_units - min_total
    if (spare < 0).any():
        k = int(np.flatnonzero(spare < 0)[0])
        mine = slice(sku_start[k], sku_start[k + 1])
        with_min = [
            f"{locations[j]}={v}" for j, v in zip(loc[mine], low[mine], strict=True) if v > 0
        ]
        raise SchemaError(
            f"The minimums of product {products[k]!r} sum to {int(min_total[k])} units, above its "
            f"supply of {int(supply_units[k] - reserve_units[k])} units (quantity "
            f"{int(supply_units[k])} minus reserve {int(reserve_units[k])}); node minimums "
            f"{short_repr(with_min)}. Lower the minimums or add supply "
            f"({int((spare < 0).sum())} product(s) affected)."
        )
    return _Problem(
        products=products,
        locations=locations,
        sku=sku,
        loc=loc,
        sku_start=sku_start,
        demand=rep,
        margin=margin,
        overage=overage,
        penalty=penalty,
        shipping=shipping,
        low=low,
        high=high,
        pack=pack,
        priority=priority,
        supply=supply_units,
        reserve=reserve_units,
        spare=spare.astype(np.int64),
    )


@attrs.frozen
class _Labels:
    products: npt.NDArray[Any]
    locations: npt.NDArray[Any]
    sku: IntArray
    loc: IntArray

    def __call__(self, i: int) -> str:
        return f"product={self.products[self.sku[i]]!r}, location={self.locations[self.loc[i]]!r}"


def _candidates(prob: _Problem, nodes: IntArray, extra: IntArray) -> Elements:
    """Candidate packs of ``nodes`` (node-major), allowing ``extra`` packs over the minimum."""
    low = prob.low[nodes]
    pack = prob.pack[nodes]
    room = (prob.high[nodes] - low) // pack
    high = low + np.minimum(room, extra) * pack
    gain = prob.margin[nodes] + prob.penalty[nodes] + prob.overage[nodes]
    cost = prob.overage[nodes] + prob.shipping[nodes]
    parts_node: list[IntArray] = []
    parts_value: list[FloatArray] = []
    for pos, stepper in prob.demand.groups(nodes):
        el = candidate_packs(
            stepper, low=low[pos], high=high[pos], pack=pack[pos], gain=gain[pos], cost=cost[pos]
        )
        parts_node.append(pos[el.node])
        parts_value.append(el.value)
    node = np.concatenate(parts_node) if parts_node else np.zeros(0, dtype=np.int64)
    value = np.concatenate(parts_value) if parts_value else np.zeros(0)
    order = np.argsort(node, kind="stable")
    return Elements(node[order], value[order])


@attrs.frozen
class _Solution:
    quantity: IntArray
    last_value: FloatArray  # per SKU, per unit
    next_value: FloatArray  # per SKU, per unit
    want: IntArray | None = None  # unconstrained optimum per node (packs above the minimum)


def _chunks(prob: _Problem) -> list[tuple[int, int]]:
    """SKU ranges with about ``_CHUNK_NODES`` nodes each."""
    if prob.n_sku == 0:
        return []
    cuts = np.searchsorted(prob.sku_start, np.arange(_CHUNK_NODES, prob.n_nodes, _CHUNK_NODES))
    bounds = np.unique(np.concatenate([[0], cuts, [prob.n_sku]]))
    return [(int(a), int(b)) for a, b in itertools.pairwise(bounds) if b > a]


def _greedy_chunk(prob: _Problem, a: int, b: int, want: bool) -> _Solution:
    nodes = np.arange(prob.sku_start[a], prob.sku_start[b], dtype=np.int64)
    sku_local = prob.sku[nodes] - a
    pack_sku = prob.pack[prob.sku_start[a:b]]
    budget = prob.spare[a:b] // pack_sku
    extra = budget[sku_local] + 1
    el = _candidates(prob, nodes, extra)
    sel = select_top(el, sku_local, nodes.size, budget)
    quantity = prob.low[nodes] + sel.taken * prob.pack[nodes]
    wanted = np.bincount(el.node, minlength=nodes.size).astype(np.int64) if want else None
    return _Solution(quantity, sel.last_value / pack_sku, sel.next_value / pack_sku, wanted)


def _greedy(prob: _Problem, n_jobs: int, want: bool = False) -> _Solution:
    chunks = _chunks(prob)

    def run(ab: tuple[int, int]) -> _Solution:
        return _greedy_chunk(prob, ab[0], ab[1], want)

    if n_jobs > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            parts = list(pool.map(run, chunks))
    else:
        parts = [run(c) for c in chunks]
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return _Solution(empty, np.zeros(0), np.zeros(0), empty if want else None)
    wanted = np.concatenate([p.want for p in parts if p.want is not None]) if want else None
    return _Solution(
        np.concatenate([p.quantity for p in parts]),
        np.concatenate([p.last_value for p in parts]),
        np.concatenate([p.next_value for p in parts]),
        wanted,
    )


def _milp(prob: _Problem) -> _Solution:
    """Exact integer program over runs of equal-valued packs (one integer column per run)."""
    nodes = np.arange(prob.n_nodes, dtype=np.int64)
    extra = prob.spare[prob.sku] // prob.pack
    el = _candidates(prob, nodes, extra)
    if el.node.size == 0:
        return _Solution(prob.low.copy(), np.full(prob.n_sku, np.nan), np.full(prob.n_sku, np.nan))
    # Consecutive packs of one node with the same value become one integer column bounded by the
    # run length: identical parallel binaries are what HiGHS presolve handles worst.
    new_run = np.ones(el.node.size, dtype=bool)
    new_run[1:] = (el.node[1:] != el.node[:-1]) | (el.value[1:] != el.value[:-1])
    run_id = np.cumsum(new_run) - 1
    run_node = el.node[new_run]
    run_value = el.value[new_run]
    run_len = np.bincount(run_id).astype(float)
    weight = prob.pack[run_node].astype(float)
    row = prob.sku[run_node]
    matrix = sp.csr_matrix(
        (weight, (row, np.arange(run_node.size))), shape=(prob.n_sku, run_node.size)
    )
    result = optimize.milp(
        c=-run_value,
        integrality=np.ones(run_node.size, dtype=np.int64),
        bounds=optimize.Bounds(np.zeros(run_node.size), run_len),
        constraints=optimize.LinearConstraint(matrix, -np.inf, prob.spare.astype(float)),
        options={"mip_rel_gap": 0.0, "presolve": True},
    )
    if result.x is None:  # pragma: no cover - the problem is always feasible (x = 0)
        raise InvalidParameterError(f"scipy.optimize.milp failed: {result.message}")
    runs = np.round(result.x).astype(np.int64)
    taken = np.bincount(run_node, weights=runs, minlength=prob.n_nodes).astype(np.int64)
    quantity = prob.low + taken * prob.pack
    chosen = runs > 0
    last = np.full(prob.n_sku, np.inf)
    np.minimum.at(last, row[chosen], run_value[chosen] / weight[chosen])
    last = np.where(np.isinf(last), np.nan, last)
    return _Solution(quantity, last, np.full(prob.n_sku, np.nan))


def _floor_pack(units: FloatArray, prob: _Problem) -> IntArray:
    return (np.floor(np.maximum(units, 0.0) / prob.pack) * prob.pack).astype(np.int64)


def _per_sku_sum(values: FloatArray | IntArray, prob: _Problem) -> FloatArray:
    if values.size == 0:
        return np.zeros(prob.n_sku)
    return np.asarray(np.add.reduceat(np.asarray(values, dtype=float), prob.sku_start[:-1]))


def _baseline(prob: _Problem, method: str, optimum: _Solution) -> IntArray:
    mean = prob.demand.mean
    room = (prob.high - prob.low).astype(float)
    spare = prob.spare.astype(float)
    if method == "fair_share":
        total = _per_sku_sum(mean, prob)
        share = np.where(total[prob.sku] > 0, mean / np.maximum(total[prob.sku], 1e-300), 0.0)
        extra = np.minimum(spare[prob.sku] * share, room)
        return prob.low + _floor_pack(extra, prob)
    if method == "days_of_supply":
        lo = np.zeros(prob.n_sku)
        hi = np.full(prob.n_sku, 1.0)

        def alloc(cover: FloatArray) -> IntArray:
            target = np.clip(cover[prob.sku] * mean, prob.low, prob.high.astype(float))
            return prob.low + _floor_pack(target - prob.low, prob)

        # Grow the upper cover until it uses the supply (or every node is full).
        for _ in range(200):
            over = _per_sku_sum(alloc(hi) - prob.low, prob) >= spare
            full = _per_sku_sum(room, prob) <= _per_sku_sum(alloc(hi) - prob.low, prob)
            if (over | full).all():
                break
            hi = np.where(over | full, hi, hi * 2.0)
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            fits = _per_sku_sum(alloc(mid) - prob.low, prob) <= spare
            lo = np.where(fits, mid, lo)
            hi = np.where(fits, hi, mid)
        return alloc(lo)
    # priority: nodes in ascending priority take their unconstrained optimum in turn.
    assert optimum.want is not None
    if np.isnan(prob.priority).any():
        i = int(np.flatnonzero(np.isnan(prob.priority))[0])
        raise InvalidParameterError(
            "method='priority' needs constraints['priority'] for every node; missing for "
            f"{int(np.isnan(prob.priority).sum())} node(s), first "
            f"product={prob.products[prob.sku[i]]!r}, location={prob.locations[prob.loc[i]]!r}."
        )
    want = (optimum.want * prob.pack).astype(float)
    order = np.lexsort((prob.loc, prob.priority, prob.sku))
    w_sorted = want[order]
    cum = np.cumsum(w_sorted)
    start_cum = np.concatenate([[0.0], cum])[prob.sku_start[:-1]]
    before = cum - w_sorted - start_cum[prob.sku[order]]
    give = np.clip(spare[prob.sku[order]] - before, 0.0, w_sorted)
    out = np.empty(prob.n_nodes)
    out[order] = give
    return prob.low + _floor_pack(out, prob)


def _profit_parts(
    prob: _Problem, quantity: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    sales = np.zeros(prob.n_nodes)
    for a, b in _chunks(prob):
        nodes = np.arange(prob.sku_start[a], prob.sku_start[b], dtype=np.int64)
        sales[nodes] = _sum_sales(prob.demand, quantity[nodes], nodes)
    sales = np.minimum(sales, quantity)
    leftover = quantity - sales
    shortage = np.maximum(prob.demand.mean - sales, 0.0)
    profit = (
        prob.margin * sales
        - prob.overage * leftover
        - prob.penalty * shortage
        - prob.shipping * quantity
    )
    return sales, leftover, shortage, profit


def allocate_inventory(
    supply: pd.DataFrame,
    demand: pd.DataFrame,
    *,
    economics: pd.DataFrame,
    constraints: pd.DataFrame | None = None,
    lanes: pd.DataFrame | None = None,
    method: AllocationMethod = "auto",
    n_jobs: int = 1,
) -> Allocation:
    """Split each SKU's supply across nodes to maximise expected profit.

    Every node (a store, the online pool, a dark store) sells ``min(q, D)`` of the ``q`` units it
    receives, where ``D`` is its integer demand. Its expected profit is
    ``margin * sales - overage_cost * leftover - shortage_penalty * shortage - shipping_cost * q``,
    concave in ``q``: the ``u``-th unit adds ``(margin + penalty) * P(D >= u)
    - overage * P(D < u) - shipping``. The optimum over a shared supply hands units out in
    decreasing order of that value, never allocating a unit (or pack) that loses money unless a
    minimum forces it; unallocated supply stays at the DC.

    With several DCs (``supply['source']``) every unit shipped from DC ``s`` to a node also
    costs the lane's ``cost_per_unit``, and each DC ships at most its own supply: a
    transportation problem with concave node profits, solved exactly (see ``method``). A
    location's ``max_units_total`` caps its units over all products, coupling the SKUs.

    Parameters
    ----------
    supply : pandas.DataFrame
        One row per product (per DC and product with a ``source`` column naming the DC):
        ``product``, ``quantity`` (whole units at the DC) and optionally ``reserve`` (units
        held back at the DC, never allocated).
    demand : pandas.DataFrame
        Demand per node (``product``, ``location``) in one of three forms:

        * parametric: ``mean``, ``family`` (``"normal"``, ``"poisson"`` or ``"negbin"``) and
          ``variance`` (required for ``normal``; above the mean for ``negbin``; ignored for
          ``poisson``). Normal demand is rounded to whole units and truncated at zero:
          ``P(D >= u) = P(X >= u - 0.5)``.
        * quantiles: columns ``q0.05``, ``q0.5``, ``q0.95``, ... The CDF is piecewise linear
          between the given quantiles; mass below the lowest sits at it, mass above the highest
          sits at the highest (no tail extrapolation); then rounded to whole units like normal.
        * samples: ``sample`` and ``quantity`` columns, one row per node and sample path: the
          empirical distribution of the rounded quantities.
    economics : pandas.DataFrame
        Per ``location`` (or per ``product`` and ``location``): ``unit_margin``,
        ``overage_cost`` (cost of a unit left over), optional ``shortage_penalty`` (goodwill
        cost of a unit of unmet demand, beyond the lost margin) and ``shipping_cost`` per unit.
    constraints : pandas.DataFrame, optional
        Per ``location`` (or per ``product`` and ``location``), all optional: ``min_quantity``
        (presentation stock; a reserved online buffer is the minimum of the online node),
        ``max_quantity`` (capacity; missing means none), ``pack_size`` (the quantity is a
        multiple of it; minimums round up and maximums down to whole packs), ``priority``
        (lower first, for ``method="priority"``) and ``max_units_total`` (units over all
        products at the location; missing means none; one value per location).
    lanes : pandas.DataFrame, optional
        Lane costs from the DCs: ``source``, ``location``, ``cost_per_unit`` (>= 0), and
        optionally ``product`` for per-SKU costs. Needed with several DCs: every DC holding a
        product needs a lane to each of that product's demand locations. Each DC ships whole
        packs. Lanes to other locations or from other DCs are ignored.
        ``economics['shipping_cost']`` stays a per-node cost on top of the lane.
    method : {"auto", "greedy", "lp", "milp", "fair_share", "days_of_supply", "priority"}
        ``"greedy"``: exact marginal-value allocation, vectorised over SKUs and nodes; exact
        when each SKU has one pack size. With several DCs or a shared capacity it works on the
        prices instead (DC supply and location capacity): exact line searches on the dual,
        then the allocation read off the prices, which certifies the optimum; where that
        fails (it can with a shared capacity) it falls back to ``"lp"``, as it does with
        more than 6 DCs. ``"lp"``: the
        min-cost-flow LP over DC-to-node lanes and node profit segments on HiGHS
        (:func:`scipy.optimize.linprog`); its optimum is integral. Both need one pack size per
        SKU, and pack size 1 where a shared capacity applies. ``"milp"``: the same objective
        as an integer program on :func:`scipy.optimize.milp`, needed otherwise. ``"auto"``
        picks greedy when it is exact, else MILP. The baselines ignore the economics (and
        cannot be combined with a shared capacity): ``"fair_share"`` gives each node the
        share of the supply above the minimums proportional to its mean demand;
        ``"days_of_supply"`` fills nodes to an equal cover (units per unit of mean demand);
        ``"priority"`` lets nodes in priority order take their unconstrained optimum until
        supply runs out. With several DCs a baseline's quantities are shipped at least lane
        cost. Baselines report their ``optimality_gap``.
    n_jobs : int, default 1
        Threads over chunks of SKUs for the single-DC greedy (the kernels release the GIL).

    Returns
    -------
    Allocation
        Units per SKU and node (and DC) with expected sales, leftover, fill rate and profit;
        per SKU (and DC) the value of the last unit allocated and the shadow price of supply.

    Raises
    ------
    SchemaError
        On a malformed frame, negative or fractional supply, invalid demand parameters, a
        node without economics, infeasible bounds, minimums above supply or above a
        location's ``max_units_total``, a missing lane or a negative lane cost; the message
        names the SKU, node and DC.
    InvalidParameterError
        On an unknown method, ``"greedy"`` or ``"lp"`` where they are not exact (mixed pack
        sizes within a SKU, packs under a shared capacity), ``method="priority"`` without
        priorities, several DCs without ``lanes``, or a baseline with a shared capacity.

    See Also
    --------
    Allocation : the result.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> supply = pd.DataFrame({"product": ["P1"], "quantity": [30]})
    >>> demand = pd.DataFrame({"product": "P1", "location": ["S1", "S2", "online"],
    ...                        "mean": [10.0, 5.0, 12.0], "family": "poisson"})
    >>> economics = pd.DataFrame({"location": ["S1", "S2", "online"],
    ...                           "unit_margin": [4.0, 4.0, 3.0], "overage_cost": 1.0})
    >>> result = oc.allocate_inventory(supply, demand, economics=economics)
    >>> result.to_frame()[["location", "quantity", "fill_rate"]].round(3)
      location  quantity  fill_rate
    0       S1        11      0.917
    1       S2         6      0.901
    2   online        13      0.921
    >>> result.summary()[["product", "allocated", "at_dc", "shadow_price"]].round(3)
      product  allocated  at_dc  shadow_price
    0      P1         30      0         0.516

    Two DCs, each with the cheaper lanes to one side of the network; S1 is served from both
    once the north DC runs out, and a unit more at the north DC would save the 0.4 lane
    difference on S1:

    >>> supply = pd.DataFrame({"source": ["north", "south"], "product": "P1",
    ...                        "quantity": [10, 30]})
    >>> lanes = pd.DataFrame({"source": ["north"] * 3 + ["south"] * 3,
    ...                       "location": ["S1", "S2", "online"] * 2,
    ...                       "cost_per_unit": [0.1, 0.4, 0.3, 0.5, 0.1, 0.2]})
    >>> two = oc.allocate_inventory(supply, demand, economics=economics, lanes=lanes)
    >>> two.to_frame()[["location", "source", "quantity"]]
      location source  quantity
    0       S1  north        10
    1       S1  south         2
    2       S2  south         7
    3   online  south        14
    >>> two.by_source()[["source", "shipped", "at_dc", "shadow_price"]].round(3)
      source  shipped  at_dc  shadow_price
    0  north       10      0           0.4
    1  south       23      7           0.0
    """
    method = check_choice(method, "method", ALLOCATION_METHODS, func=_FUNC)  # type: ignore[assignment]
    jobs = check_int(n_jobs, "n_jobs", func=_FUNC, low=1)
    assert jobs is not None
    if _network_model(supply, constraints, lanes, method):
        # The multi-DC model builds on this module's single-DC pieces, hence the late import.
        from ._allocation_network import allocate_network

        return allocate_network(supply, demand, economics, constraints, lanes, method)
    prob = _problem(supply, demand, economics, constraints)
    single_pack = _single_pack(prob)
    if method == "greedy" and not single_pack.all():
        k = int(np.flatnonzero(~single_pack)[0])
        raise InvalidParameterError(
            f"method='greedy' is exact only with one pack size per product; product "
            f"{prob.products[k]!r} has pack sizes "
            f"{sorted(set(prob.pack[prob.sku_start[k] : prob.sku_start[k + 1]].tolist()))}. "
            "Use method='milp' (or 'auto')."
        )
    use_milp = method == "milp" or (not single_pack.all() and method != "greedy")
    if method in _BASELINES and not use_milp:
        optimum = _greedy(prob, jobs, want=True)
    elif use_milp:
        optimum = _milp(prob)
        if method == "priority":
            optimum = attrs.evolve(optimum, want=_unconstrained(prob))
    else:
        optimum = _greedy(prob, jobs)
    quantity = optimum.quantity
    gap = 0.0
    if method in _BASELINES:
        _, _, _, best = _profit_parts(prob, optimum.quantity)
        quantity = _baseline(prob, method, optimum)
    sales, leftover, _shortage, profit = _profit_parts(prob, quantity)
    if method in _BASELINES:
        best_total = float(best.sum())
        gap = (best_total - float(profit.sum())) / max(abs(best_total), 1e-12)
    solver = "milp" if use_milp else "greedy"
    shown = solver if method == "auto" else method
    return _result(prob, shown, solver, quantity, sales, leftover, profit, optimum, gap)


def _network_model(supply: object, constraints: object, lanes: object, method: str) -> bool:
    """Whether the call needs the multi-DC / shared-capacity model (``_allocation_network``)."""
    has_source = isinstance(supply, pd.DataFrame) and "source" in supply.columns
    capped = (
        isinstance(constraints, pd.DataFrame)
        and "max_units_total" in constraints.columns
        and bool(constraints["max_units_total"].notna().any())
    )
    return has_source or lanes is not None or capped or method == "lp"


def _unconstrained(prob: _Problem) -> IntArray:
    nodes = np.arange(prob.n_nodes, dtype=np.int64)
    extra = prob.spare[prob.sku] // prob.pack + 1
    el = _candidates(prob, nodes, extra)
    return np.bincount(el.node, minlength=prob.n_nodes).astype(np.int64)


def _single_pack(prob: _Problem) -> npt.NDArray[np.bool_]:
    if prob.n_nodes == 0:
        return np.ones(prob.n_sku, dtype=bool)
    lo = np.minimum.reduceat(prob.pack, prob.sku_start[:-1])
    hi = np.maximum.reduceat(prob.pack, prob.sku_start[:-1])
    return np.asarray(lo == hi)


def _node_frame(
    prob: _Problem,
    quantity: IntArray,
    sales: FloatArray,
    leftover: FloatArray,
    profit: FloatArray,
) -> pd.DataFrame:
    """One row per (product, location) node: units, expected sales, leftover, fill rate, profit."""
    mean = prob.demand.mean
    with np.errstate(invalid="ignore", divide="ignore"):
        fill = np.where(mean > 0, sales / mean, 1.0)
    return pd.DataFrame(
        {
            "product": prob.products[prob.sku],
            "location": prob.locations[prob.loc],
            "quantity": quantity.astype(np.int64),
            "expected_sales": sales,
            "expected_leftover": leftover,
            "fill_rate": fill,
            "expected_profit": profit,
        }
    )


def _result(
    prob: _Problem,
    method: str,
    solver: str,
    quantity: IntArray,
    sales: FloatArray,
    leftover: FloatArray,
    profit: FloatArray,
    optimum: _Solution,
    gap: float,
) -> Allocation:
    nodes = _node_frame(prob, quantity, sales, leftover, profit)
    allocated = _per_sku_sum(quantity, prob).astype(np.int64)
    demand_total = _per_sku_sum(prob.demand.mean, prob)
    sales_total = _per_sku_sum(sales, prob)
    optimal = method not in _BASELINES
    products = pd.DataFrame(
        {
            "product": prob.products,
            "supply": prob.supply,
            "reserve": prob.reserve,
            "allocated": allocated,
            "at_dc": prob.supply - allocated,
            "expected_demand": demand_total,
            "expected_sales": sales_total,
            "fill_rate": np.where(
                demand_total > 0, sales_total / np.maximum(demand_total, 1e-300), 1.0
            ),
            "expected_profit": _per_sku_sum(profit, prob),
            "marginal_value": optimum.last_value if optimal else np.full(prob.n_sku, np.nan),
            "shadow_price": optimum.next_value if optimal else np.full(prob.n_sku, np.nan),
        }
    )
    return Allocation(
        method=method,
        solver=solver,
        nodes=nodes,
        products=products,
        expected_profit=float(profit.sum()),
        optimality_gap=gap,
    )
