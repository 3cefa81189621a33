"""The problem behind :func:`allocate_inventory`: its input frames, validated and coded as arrays.

Supply, demand (parametric, quantiles or sample paths), economics and constraints become one
``_Problem``: the (product, location) nodes sorted by product, each with its demand
representation (``S(u) = P(D >= u)`` steppers), unit economics, bounds and pack size, and per
SKU the supply, the reserve and the units left after minimums. Solving it is
:mod:`._allocation`'s business; :mod:`._rebalance` reuses the demand and economics pieces.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from .._exceptions import InvalidParameterError, SchemaError
from .._validation import Column, FrameSchema, check_frame, check_id_kinds, fail_at_rows, short_repr
from ._allocation_kernels import (
    EvalStepper,
    NegbinStepper,
    PoissonStepper,
    Stepper,
    expected_sales,
)

__all__ = ["DEMAND_FAMILIES"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DemandFamily = Literal["normal", "poisson", "negbin"]
#: Parametric demand families accepted in ``demand['family']``.
DEMAND_FAMILIES: tuple[DemandFamily, ...] = ("normal", "poisson", "negbin")
# Any column named ``q`` + a decimal number is a quantile column; its level must be in (0, 1).
_QUANTILE = re.compile(r"^q([+-]?(?:\d+\.?\d*|\.\d+))$")
_POISSON, _NEGBIN, _NORMAL, _QUANT, _SAMPLES = range(5)

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


def _item(value: object) -> object:
    """Return a numpy scalar as the Python value it holds (ids shown as the user wrote them)."""
    return value.item() if isinstance(value, np.generic) else value


def _fail_rows(keys: tuple[str, ...]) -> Callable[..., None]:
    """:func:`fail_at_rows` that shows the key values as written (``1``, not ``np.float64(1.0)``).

    ``frame.iloc[row]`` upcasts an integer id next to float columns; the key columns are handed
    over as Python objects instead (built only when a row fails).
    """

    def fail(
        bad: npt.NDArray[np.bool_], frame: pd.DataFrame, label: str, rule: str, fix: str
    ) -> None:
        if not bad.any():
            return
        present = [k for k in keys if k in frame.columns]
        index = pd.Index(frame.index.to_numpy(dtype=object), dtype=object)
        shown = pd.DataFrame(
            {
                k: pd.Series(frame[k].to_numpy(dtype=object), index=index, dtype=object)
                for k in present
            },
            index=index,
        )
        fail_at_rows(bad, shown, label, rule, fix, keys=present)

    return fail


_fail_at = _fail_rows(("product", "location"))


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
    qcols = _quantile_columns(frame)
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
    _check_unique(key[order], order, frame, "demand", ("product", "location"))
    sku, loc = sku[order], loc[order]
    n = sku.size
    if qcols:
        levels = np.array([_level(c) for c in qcols])
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
    _check_unique(pair[order], order, frame, "demand", ("product", "location", "sample"))
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
    keys: tuple[str, ...],
) -> None:
    """Raise on rows of ``frame`` that repeat a key; ``order`` sorts the rows by ``sorted_key``."""
    dup = np.flatnonzero(sorted_key[1:] == sorted_key[:-1])
    if dup.size:
        row = int(order[dup[0] + 1])
        what = keys[0] if len(keys) == 1 else f"({', '.join(keys)})"
        shown = ", ".join(f"{k}={_item(frame[k].iloc[row])!r}" for k in keys)
        raise SchemaError(
            f"{label} has {dup.size} duplicate row(s) on {what}; first at index "
            f"{_item(frame.index[row])!r} ({shown}). Aggregate or drop duplicates first."
        )


def _check_ids(
    frame: pd.DataFrame, label: str, demand: pd.DataFrame, columns: dict[str, str]
) -> None:
    """Ids of ``frame`` must have the type of demand's: ``columns`` maps a column to demand's."""
    for column, against in columns.items():
        if column in frame.columns:
            check_id_kinds(
                frame[column], f"{label}[{column!r}]", demand[against], f"demand[{against!r}]"
            )


def _quantile_columns(frame: pd.DataFrame) -> list[str]:
    """Columns named ``q<level>``; raise when a level is not in (0, 1)."""
    qcols = [str(c) for c in frame.columns if _QUANTILE.match(str(c))]
    bad = [c for c in qcols if not 0.0 < _level(c) < 1.0]
    if bad:
        raise SchemaError(
            f"demand has quantile column(s) {short_repr(bad)} whose level is not in (0, 1). "
            "Name quantile columns by their level as a fraction, e.g. 'q0.1', 'q0.5', 'q0.9' "
            "(not 'q10'), or rename columns that are not quantiles."
        )
    return qcols


def _level(column: str) -> float:
    return float(column[1:])


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
    keys = ("product", "location") if per_product else ("location",)
    what = "(product, location)" if per_product else "location"
    _fail_at(
        unknown,
        frame,
        label,
        f"has {what} values that are not demand nodes",
        "Drop those rows or add the nodes to demand.",
    )
    order = np.argsort(key, kind="stable")
    _check_unique(key[order], order, frame, label, keys)
    index = pd.Index(key)
    return np.asarray(index.get_indexer(pd.Index(node_key)), dtype=np.int64), per_product


def _per_node(frame: pd.DataFrame, rows: IntArray, column: str, default: float) -> FloatArray:
    """``frame[column]`` at each row of ``rows``; ``default`` where the row is -1 or missing."""
    if column not in frame.columns:
        return np.full(rows.size, default)
    # A trailing NaN is what row -1 reads, so an empty frame needs no special case.
    values = np.append(frame[column].to_numpy(dtype=float, na_value=np.nan), np.nan)
    out = values[rows]
    return np.where(np.isnan(out), default, out)


def _supply_units(supply: pd.DataFrame, fail: Callable[..., None]) -> tuple[FloatArray, FloatArray]:
    """Check and return the ``quantity`` and ``reserve`` (0 when absent) of a supply frame."""
    qty = supply["quantity"].to_numpy(dtype=float)
    fail(qty < 0, supply, "supply['quantity']", "is negative", "Supply must be >= 0 units.")
    fail(~_integral(qty), supply, "supply['quantity']", "is not a whole number", "Round it first.")
    res = supply["reserve"].to_numpy(dtype=float) if "reserve" in supply.columns else 0.0 * qty
    fail(
        (res < 0) | ~_integral(res) | (res > qty),
        supply,
        "supply['reserve']",
        "is not a whole number in [0, quantity]",
        "Hold back between 0 and the quantity on hand.",
    )
    return qty, res


def _economics_rows(economics: pd.DataFrame, labels: _Labels) -> IntArray:
    """Return the row of ``economics`` that prices each demand node; every node must have one."""
    rows, _ = _lookup(
        economics, "economics", labels.products, labels.locations, labels.sku, labels.loc
    )
    if (rows < 0).any():
        i = int(np.flatnonzero(rows < 0)[0])
        raise SchemaError(
            f"economics has no row for {int((rows < 0).sum())} demand node(s); first "
            f"{labels(i)}. Add a row per location (or per product and location)."
        )
    return rows


def _problem(supply: object, demand: object, economics: object, constraints: object) -> _Problem:
    sku, loc, products, locations, rep = _build_demand(demand)
    n = sku.size
    n_sku = len(products)
    node_label = _Labels(products, locations, sku, loc)
    assert isinstance(demand, pd.DataFrame)
    ids = {"product": "product", "location": "location"}
    # Supply.
    check_frame(supply, _SUPPLY)
    assert isinstance(supply, pd.DataFrame)
    _check_ids(supply, "supply", demand, ids)
    if "source" in supply.columns and len(supply["source"].unique()) > 1:
        # allocate_inventory routes several DCs to the network model before it gets here.
        raise InvalidParameterError(
            "This single-DC problem builder got several DCs in supply['source'] "
            f"({short_repr(sorted(map(str, supply['source'].unique())))}); call "
            "allocate_inventory(..., lanes=...) to allocate from several DCs with lane costs."
        )
    qty, res = _supply_units(supply, _fail_at)
    sup_code = pd.Index(products).get_indexer(supply["product"])
    # Rows of products demand does not know are ignored; the others must be unique.
    order = np.argsort(sup_code, kind="stable")
    order = order[sup_code[order] >= 0]
    _check_unique(sup_code[order], order, supply, "supply", ("product",))
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
    _check_ids(economics, "economics", demand, ids)
    rows = _economics_rows(economics, node_label)
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
        _check_ids(constraints, "constraints", demand, ids)
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
