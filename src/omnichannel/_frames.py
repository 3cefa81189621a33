"""Canonical long-format frames and the bridge between domain objects and frames.

Column names and kinds of the frames that have a domain class are read from the class's field
metadata, so schema and class cannot drift. :func:`to_frame` and :func:`from_frame` round-trip
exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal, TypeVar, cast, get_args

import attrs
import numpy as np
import pandas as pd

from ._domain import (
    Capability,
    Channel,
    Conversion,
    Customer,
    Location,
    Order,
    OrderLine,
    Product,
    Touchpoint,
)
from ._exceptions import InvalidParameterError, SchemaError
from ._validation import Column, FrameSchema, check_frame, short_repr

__all__ = [
    "CHANNELS",
    "CONVERSIONS",
    "CUSTOMERS",
    "FRAME_KINDS",
    "LOCATIONS",
    "ORDERS",
    "ORDER_LINES",
    "PRODUCTS",
    "SALES",
    "SPEND",
    "STOCK",
    "TOUCHPOINTS",
    "FrameKind",
    "frame_schema",
    "from_frame",
    "order_lines_to_frame",
    "to_frame",
    "validate_frame",
]


def _schema_from(cls: type[Any], name: str, key: tuple[str, ...] = ()) -> FrameSchema:
    columns = [
        Column(
            name=f.metadata["column"],
            kind=f.metadata["kind"],
            required=f.metadata["required"],
            nullable=f.metadata["nullable"],
            description=f.metadata["description"],
        )
        for f in attrs.fields(cls)
        if f.metadata.get("column")
    ]
    if cls is Location:
        columns[-1:-1] = [
            Column(c.value, "bool", required=False, description=f"Has the {c.value} capability.")
            for c in Capability
        ]
    return FrameSchema(name=name, columns=tuple(columns), key=key)


CHANNELS = _schema_from(Channel, "channels", key=("channel",))
CUSTOMERS = _schema_from(Customer, "customers", key=("customer_id",))
TOUCHPOINTS = _schema_from(Touchpoint, "touchpoints")
CONVERSIONS = _schema_from(Conversion, "conversions")
ORDERS = _schema_from(Order, "orders", key=("order_id",))
ORDER_LINES = FrameSchema(
    "order_lines",
    (
        Column("order_id", "id", description="Order id."),
        *_schema_from(OrderLine, "order_lines").columns,
    ),
)
PRODUCTS = _schema_from(Product, "products", key=("product",))
LOCATIONS = _schema_from(Location, "locations", key=("location",))
SALES = FrameSchema(
    "sales",
    (
        Column("date", "datetime", description="Day (or period start)."),
        Column("channel", "label", description="Sales channel."),
        Column("location", "id", description="Location the sale is recorded at."),
        Column("product", "id", description="Product id."),
        Column("quantity", "count", description="Units sold (>= 0)."),
        Column("price", "count", required=False, description="Average unit price."),
        Column("promotion", "bool", required=False, description="Whether on promotion."),
        Column("revenue", "count", required=False, description="Revenue."),
    ),
    key=("date", "channel", "location", "product"),
)
STOCK = FrameSchema(
    "stock",
    (
        Column("location", "id", description="Location id."),
        Column("product", "id", description="Product id."),
        Column("on_hand", "count", description="Units on hand (>= 0)."),
    ),
    key=("location", "product"),
)
SPEND = FrameSchema(
    "spend",
    (
        Column("date", "datetime", description="Period start (e.g. week)."),
        Column("channel", "label", description="Marketing channel."),
        Column("spend", "count", description="Spend in the period (>= 0)."),
        Column("impressions", "count", required=False, description="Impressions."),
    ),
    key=("date", "channel"),
)

FrameKind = Literal[
    "channels",
    "customers",
    "touchpoints",
    "conversions",
    "orders",
    "order_lines",
    "products",
    "locations",
    "sales",
    "stock",
    "spend",
]
#: Names of the canonical frames, in the order of the documentation.
FRAME_KINDS: tuple[FrameKind, ...] = get_args(FrameKind)
_SCHEMAS: dict[str, FrameSchema] = {
    "channels": CHANNELS,
    "customers": CUSTOMERS,
    "touchpoints": TOUCHPOINTS,
    "conversions": CONVERSIONS,
    "orders": ORDERS,
    "order_lines": ORDER_LINES,
    "products": PRODUCTS,
    "locations": LOCATIONS,
    "sales": SALES,
    "stock": STOCK,
    "spend": SPEND,
}


def frame_schema(kind: FrameKind) -> FrameSchema:
    """Return the schema of a canonical frame.

    Parameters
    ----------
    kind : str
        One of ``channels``, ``customers``, ``touchpoints``, ``conversions``, ``orders``,
        ``order_lines``, ``products``, ``locations``, ``sales``, ``stock``, ``spend``.

    Returns
    -------
    FrameSchema
        Its columns, kinds and key; ``.to_frame()`` gives a printable description.

    Examples
    --------
    >>> frame_schema("touchpoints").required
    ('customer_id', 'channel', 'timestamp')
    >>> frame_schema("stock").key
    ('location', 'product')
    """
    if kind not in _SCHEMAS:
        raise InvalidParameterError(
            f"The 'kind' parameter of frame_schema must be one of {list(FRAME_KINDS)}. "
            f"Got {short_repr(kind)} instead."
        )
    return _SCHEMAS[kind]


def validate_frame(
    frame: pd.DataFrame, kind: FrameKind, *, sorted_by: Sequence[str] = ()
) -> pd.DataFrame:
    """Check a frame against its canonical schema and return it unchanged.

    The same checks run inside every public function that takes the frame, so calling this first
    is only useful to fail early, e.g. in a data pipeline.

    Parameters
    ----------
    frame : pandas.DataFrame
        The frame to check. It is not modified.
    kind : str
        Which canonical frame it is (see :func:`frame_schema`).
    sorted_by : sequence of str, optional
        Also require the rows to be sorted by these columns.

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself.

    Raises
    ------
    SchemaError
        Naming the frame, the column, how many rows break the rule and the first of them.

    Examples
    --------
    >>> import pandas as pd
    >>> stock = pd.DataFrame({"location": ["s1", "s1"], "product": ["p1", "p2"], "on_hand": [3, -1]})
    >>> validate_frame(stock, "stock")
    Traceback (most recent call last):
    ...
    omnichannel._exceptions.SchemaError: stock['on_hand'] has 1 negative value(s); first at index 1 (-1). Expected values >= 0.
    """  # noqa: E501
    return check_frame(frame, frame_schema(kind), sorted_by=sorted_by)


# ---------------------------------------------------------------------------------------------
# objects <-> frames

_Obj = TypeVar("_Obj")
_CONVERTIBLE: dict[type[Any], FrameSchema] = {
    Channel: CHANNELS,
    Customer: CUSTOMERS,
    Touchpoint: TOUCHPOINTS,
    Conversion: CONVERSIONS,
    Order: ORDERS,
    Product: PRODUCTS,
    Location: LOCATIONS,
}


def _field_columns(cls: type[Any]) -> list[tuple[str, str]]:
    """(attribute name, column name) for the fields that map to a column."""
    return [(f.name, f.metadata["column"]) for f in attrs.fields(cls) if f.metadata.get("column")]


def _plain(value: object) -> object:
    # Enum members become their str value so frames hold plain data.
    if isinstance(value, str):
        return str(value)
    return value


def _empty_column(kind: str) -> pd.Series[Any]:
    dtypes = {
        "datetime": "datetime64[ns]",
        "number": "float64",
        "count": "float64",
        "bool": "bool",
    }
    return pd.Series([], dtype=dtypes.get(kind, object))


def to_frame(objects: Iterable[Any]) -> pd.DataFrame:
    """Convert domain objects of one class to their canonical frame.

    Supported classes: :class:`Channel`, :class:`Customer`, :class:`Touchpoint`,
    :class:`Conversion`, :class:`Order` (order level; see :func:`order_lines_to_frame`),
    :class:`Product` and :class:`Location`. Journeys go through :class:`Journeys`.

    Parameters
    ----------
    objects : iterable of one domain class
        The objects, all of the same class. An empty iterable is an error, since it names no class.

    Returns
    -------
    pandas.DataFrame
        One row per object, canonical columns in canonical order. Customer attributes become extra
        columns after the canonical ones; location capabilities become bool columns.

    Examples
    --------
    >>> import pandas as pd
    >>> tps = [Touchpoint("c1", "email", pd.Timestamp("2024-01-02"), cost=0.1)]
    >>> to_frame(tps)
      customer_id channel  timestamp interaction  cost
    0          c1   email 2024-01-02  impression   0.1
    """
    items = list(objects)
    if not items:
        raise InvalidParameterError(
            "to_frame needs at least one object to know which frame to build; got none. "
            "Use frame_schema(kind) for the columns of an empty frame."
        )
    cls = type(items[0])
    if cls not in _CONVERTIBLE:
        raise InvalidParameterError(
            f"to_frame converts {sorted(c.__name__ for c in _CONVERTIBLE)}; got {cls.__name__}."
            + (" Use Journeys.from_journeys(...).to_frame()." if cls.__name__ == "Journey" else "")
        )
    for i, obj in enumerate(items):
        if type(obj) is not cls:
            raise InvalidParameterError(
                f"to_frame needs objects of one class; item {i} is {type(obj).__name__}, "
                f"item 0 is {cls.__name__}."
            )
    schema = _CONVERTIBLE[cls]
    data: dict[str, Any] = {}
    for attr, column in _field_columns(cls):
        values = [_plain(getattr(obj, attr)) for obj in items]
        kind = schema.column(column).kind
        if kind == "datetime":
            data[column] = _datetime_column(values, cls.__name__, attr)
        elif kind in ("number", "count"):
            data[column] = np.array([np.nan if v is None else v for v in values], dtype=float)
        else:
            data[column] = values
    if cls is Location:
        for cap in Capability:
            data[cap.value] = np.array([cap in obj.capabilities for obj in items], dtype=bool)
        data["capacity"] = data.pop("capacity")
    frame = pd.DataFrame(data)
    if cls is Customer:
        extra = pd.DataFrame.from_records([dict(obj.attributes) for obj in items])
        clash = [c for c in extra.columns if c in frame.columns]
        if clash:
            raise InvalidParameterError(
                f"Customer.attributes keys {clash} clash with canonical customer columns; "
                "rename the attributes."
            )
        frame = pd.concat([frame, extra], axis=1) if len(extra.columns) else frame
    return frame


def _datetime_column(values: list[Any], cls_name: str, attr: str) -> pd.DatetimeIndex:
    zones = {str(v.tzinfo) if v.tzinfo is not None else None for v in values}
    if len(zones) > 1:
        raise InvalidParameterError(
            f"{cls_name}.{attr} values must share one time zone (or all be naive) to form a "
            f"column; got {sorted(map(str, zones))}. Convert them with tz_convert first."
        )
    return pd.DatetimeIndex(values)


def order_lines_to_frame(orders: Iterable[Order]) -> pd.DataFrame:
    """Return the order lines of ``orders`` as the canonical ``order_lines`` frame.

    Examples
    --------
    >>> import pandas as pd
    >>> line = OrderLine("p1", 1, 5.0)
    >>> o = Order("o1", "c1", pd.Timestamp("2024-01-02"), "web", 5.0, lines=[line])
    >>> order_lines_to_frame([o])
      order_id product  quantity  price
    0       o1      p1         1    5.0
    """
    rows = [(o.id, ln.product, ln.quantity, ln.price) for o in orders for ln in o.lines]
    return pd.DataFrame(
        {
            "order_id": pd.Series([r[0] for r in rows], dtype=None if rows else object),
            "product": pd.Series([r[1] for r in rows], dtype=None if rows else object),
            "quantity": np.array([r[2] for r in rows], dtype=np.int64),
            "price": np.array([r[3] for r in rows], dtype=float),
        }
    )


def _python_value(value: object) -> object:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _cell(value: object, kind: str) -> object:
    value = _python_value(value)
    if value is None:
        return None
    if kind in ("id", "label"):
        return str(value) if not isinstance(value, str) else value
    if kind in ("number", "count"):
        return float(value)  # type: ignore[arg-type]
    return value


def from_frame(
    frame: pd.DataFrame, cls: type[_Obj], *, lines: pd.DataFrame | None = None
) -> list[_Obj]:
    """Build domain objects from their canonical frame; the inverse of :func:`to_frame`.

    Parameters
    ----------
    frame : pandas.DataFrame
        A canonical frame, checked against the class's schema first.
    cls : type
        The domain class to build (:class:`Touchpoint`, :class:`Order`, ...).
    lines : pandas.DataFrame, optional
        For :class:`Order` only: the ``order_lines`` frame whose rows become each order's lines.

    Returns
    -------
    list
        One object per row, in row order. Integer ids become ``str``.

    Raises
    ------
    SchemaError
        When the frame does not follow the schema.
    InvalidParameterError
        When a row breaks a rule of the class (the message names the row).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame(
    ...     {"customer_id": ["c1"], "timestamp": [pd.Timestamp("2024-01-02")], "value": [12.5]}
    ... )
    >>> from_frame(frame, Conversion)
    [Conversion(customer_id='c1', timestamp=Timestamp('2024-01-02 00:00:00'), value=12.5, channel=None, order_id=None)]
    """  # noqa: E501
    if cls not in _CONVERTIBLE:
        raise InvalidParameterError(
            f"from_frame builds {sorted(c.__name__ for c in _CONVERTIBLE)}; got {cls!r}."
        )
    schema = _CONVERTIBLE[cls]
    check_frame(frame, schema)
    if lines is not None and cls is not Order:
        raise InvalidParameterError("The 'lines' parameter of from_frame is for Order only.")
    fields = [(a, c) for a, c in _field_columns(cls) if c in frame.columns]
    columns = {c: frame[c].tolist() for _, c in fields}
    n = len(frame)
    extra_columns: list[str] = []
    if cls is Customer:
        known = {c.name for c in schema.columns}
        extra_columns = [str(c) for c in frame.columns if c not in known]
    order_lines: dict[str, list[OrderLine]] = {}
    if cls is Order and lines is not None:
        check_frame(lines, ORDER_LINES)
        line_ids = lines["order_id"].astype(str).tolist()
        for oid, product, qty, price in zip(
            line_ids,
            lines["product"].tolist(),
            lines["quantity"].tolist(),
            lines["price"].tolist(),
            strict=True,
        ):
            if float(qty) != int(qty):
                raise SchemaError(
                    "order_lines['quantity'] must hold whole numbers; "
                    f"got {qty!r} for order {oid!r}."
                )
            order_lines.setdefault(oid, []).append(OrderLine(str(product), int(qty), float(price)))
    objects: list[_Obj] = []
    for i in range(n):
        kwargs: dict[str, Any] = {}
        for attr, column in fields:
            kwargs[attr] = _cell(columns[column][i], schema.column(column).kind)
        if cls is Location:
            caps = [
                c for c in Capability if c.value in frame.columns and bool(frame[c.value].iat[i])
            ]
            kwargs["capabilities"] = caps
        if cls is Customer and extra_columns:
            attrs_i = {c: _python_value(frame[c].iat[i]) for c in extra_columns}
            kwargs["attributes"] = {k: v for k, v in attrs_i.items() if v is not None}
        if cls is Order and lines is not None:
            kwargs["lines"] = order_lines.pop(str(kwargs["id"]), [])
        kwargs = {k: v for k, v in kwargs.items() if v is not None or _nullable(cls, k)}
        try:
            objects.append(cls(**kwargs))
        except InvalidParameterError as err:
            label = _python_value(frame.index[i])
            raise InvalidParameterError(f"Row {label!r} of the frame: {err}") from err
    if order_lines:
        orphan = next(iter(order_lines))
        raise SchemaError(
            f"order_lines has {len(order_lines)} order id(s) not in orders; first {orphan!r}."
        )
    return objects


def _nullable(cls: type[Any], attr: str) -> bool:
    field = cast("attrs.Attribute[Any]", getattr(attrs.fields(cls), attr))
    return field.default is None
