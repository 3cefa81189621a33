"""Typed domain model: channels, customers, touchpoints, journeys, orders, products, locations.

These frozen, slotted attrs classes are the row-level and configuration form of the data. Each field
carries metadata naming its canonical frame column, so the frame schemas in :mod:`omnichannel` are
derived from the classes and cannot drift from them. Batch work uses the frames and the columnar
:class:`~omnichannel.Journeys` store; the classes are for building, inspecting and testing.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import attrs
import numpy as np
import pandas as pd

from ._exceptions import InvalidParameterError
from ._validation import ColumnKind, short_repr

__all__ = [
    "Capability",
    "Channel",
    "ChannelKind",
    "ChannelRole",
    "Conversion",
    "Customer",
    "InteractionKind",
    "Journey",
    "Location",
    "LocationKind",
    "Order",
    "OrderLine",
    "Product",
    "Touchpoint",
]

AttributeValue = str | int | float | bool


class ChannelKind(StrEnum):
    """Whether a channel is digital or physical.

    Examples
    --------
    >>> ChannelKind("online") is ChannelKind.ONLINE
    True
    """

    ONLINE = "online"
    OFFLINE = "offline"


class ChannelRole(StrEnum):
    """What a channel does for the retailer: reach customers, sell to them, or both.

    Examples
    --------
    >>> [role.value for role in ChannelRole]
    ['marketing', 'sales', 'both']
    """

    MARKETING = "marketing"
    SALES = "sales"
    BOTH = "both"


class InteractionKind(StrEnum):
    """Common kinds of marketing interaction.

    :attr:`Touchpoint.interaction` accepts any non-empty string; these members are the names the
    library itself uses, and being :class:`str` they can be passed directly.

    Examples
    --------
    >>> InteractionKind.CLICK == "click"
    True
    """

    IMPRESSION = "impression"
    CLICK = "click"
    VISIT = "visit"
    OPEN = "open"
    CALL = "call"
    STORE_VISIT = "store_visit"
    OTHER = "other"


class LocationKind(StrEnum):
    """Kinds of node in the store and fulfilment network.

    ``online`` is the virtual node where online demand is pooled; it has no coordinates.

    Examples
    --------
    >>> LocationKind("dark_store").value
    'dark_store'
    """

    STORE = "store"
    DC = "dc"
    DARK_STORE = "dark_store"
    ONLINE = "online"


class Capability(StrEnum):
    """Fulfilment capabilities a location may have.

    Examples
    --------
    >>> sorted(c.value for c in Capability)
    ['pickup', 'ship_from_store']
    """

    SHIP_FROM_STORE = "ship_from_store"
    PICKUP = "pickup"


# ---------------------------------------------------------------------------------------------
# Field helpers: every field names its column; validators say field, rule, value and fix.


def _column(
    name: str, kind: ColumnKind, *, required: bool = True, nullable: bool = False, doc: str = ""
) -> dict[str, Any]:
    return {
        "column": name,
        "kind": kind,
        "required": required,
        "nullable": nullable,
        "description": doc,
    }


def _fail(instance: object, attribute: attrs.Attribute[Any], rule: str, value: object) -> None:
    name = f"{type(instance).__name__}.{attribute.name}"
    raise InvalidParameterError(f"{name} must be {rule}; got {short_repr(value)}.")


def _text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        _fail(instance, attribute, "a non-empty str", value)


def _optional_text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _text(instance, attribute, value)


def _is_real(value: object) -> bool:
    if isinstance(value, bool | np.bool_):
        return False
    return isinstance(value, int | float | np.integer | np.floating) and math.isfinite(value)


def _non_negative(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not _is_real(value) or float(value) < 0:  # type: ignore[arg-type]
        _fail(instance, attribute, "a finite real number >= 0", value)


def _optional_non_negative(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is not None:
        _non_negative(instance, attribute, value)


def _to_float(value: object) -> object:
    # Only lossless widening of real numbers; anything else is left for the validator to reject.
    if _is_real(value) and not isinstance(value, float):
        return float(value)  # type: ignore[arg-type]
    return value


def _to_optional_float(value: object) -> object:
    return None if value is None else _to_float(value)


def _to_timestamp(value: object) -> object:
    # datetime and numpy datetime64 carry the same instant as a Timestamp; strings are not parsed.
    if isinstance(value, pd.Timestamp):
        return value
    if isinstance(value, _dt.datetime | np.datetime64):
        return pd.Timestamp(value)
    return value


def _to_optional_timestamp(value: object) -> object:
    return None if value is None else _to_timestamp(value)


def _timestamp(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, pd.Timestamp) or pd.isna(value):
        name = f"{type(instance).__name__}.{attribute.name}"
        raise InvalidParameterError(
            f"{name} must be a pandas.Timestamp or datetime.datetime; got {short_repr(value)}. "
            "Parse strings first with pd.Timestamp(...)."
        )


def _optional_timestamp(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _timestamp(instance, attribute, value)


def _enum(enum: type[StrEnum], value: object) -> object:
    # Known names become members; anything else is left for the validator to reject.
    if isinstance(value, str) and not isinstance(value, enum):
        try:
            return enum(value)
        except ValueError:
            return value
    return value


def _to_channel_kind(value: object) -> object:
    return _enum(ChannelKind, value)


def _to_channel_role(value: object) -> object:
    return _enum(ChannelRole, value)


def _to_location_kind(value: object) -> object:
    return _enum(LocationKind, value)


def _member_of(enum: type[StrEnum]) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, enum):
            _fail(instance, attribute, f"one of {[m.value for m in enum]}", value)

    return check


def _frozen_mapping(value: object) -> object:
    if isinstance(value, Mapping):
        return MappingProxyType(dict(value))
    return value


def _attributes(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Mapping):
        _fail(instance, attribute, "a mapping of str to str, int, float or bool", value)
        return
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            _fail(instance, attribute, "keyed by non-empty str", key)
        ok = isinstance(item, str | bool) or _is_real(item)
        if not ok:
            name = f"{type(instance).__name__}.{attribute.name}[{key!r}]"
            raise InvalidParameterError(
                f"{name} must be a str, int, finite float or bool; got {short_repr(item)}. "
                "Leave the key out instead of storing a missing value."
            )


def _same_clock(instance: object, first: pd.Timestamp, other: pd.Timestamp, what: str) -> None:
    if (first.tzinfo is None) != (other.tzinfo is None):
        raise InvalidParameterError(
            f"{type(instance).__name__}.{what} must be all timezone-aware or all naive; got "
            f"{first!r} and {other!r}. Localise them with tz_localize or tz_convert first."
        )


# ---------------------------------------------------------------------------------------------
# Classes


@attrs.frozen(slots=True)
class Channel:
    """A channel through which the retailer reaches or sells to customers.

    Parameters
    ----------
    id : str
        Channel name as it appears in data (``"search"``, ``"store"``, ...).
    kind : ChannelKind or str
        ``"online"`` or ``"offline"``.
    role : ChannelRole or str, default "both"
        ``"marketing"``, ``"sales"`` or ``"both"``.

    Examples
    --------
    >>> ch = Channel("email", kind="online", role="marketing")
    >>> ch.kind, ch.role
    (<ChannelKind.ONLINE: 'online'>, <ChannelRole.MARKETING: 'marketing'>)
    """

    id: str = attrs.field(
        validator=_text, metadata=_column("channel", "label", doc="Channel name.")
    )
    kind: ChannelKind = attrs.field(
        converter=_to_channel_kind,
        validator=_member_of(ChannelKind),
        metadata=_column("kind", "label", doc="online or offline."),
    )
    role: ChannelRole = attrs.field(
        default=ChannelRole.BOTH,
        converter=_to_channel_role,
        validator=_member_of(ChannelRole),
        metadata=_column("role", "label", required=False, doc="marketing, sales or both."),
    )


@attrs.frozen(slots=True)
class Customer:
    """A customer, with the identifiers that link them across channels.

    Parameters
    ----------
    id : str
        The customer id used in every other frame.
    loyalty_id, email_hash, phone_hash : str, optional
        Cross-channel identifiers (a loyalty card number; hashed e-mail address or phone number).
    home_location : str, optional
        The customer's usual store or region.
    attributes : mapping of str to str, int, float or bool
        Any further attributes (segment, acquisition channel, ...). Stored read-only.

    Examples
    --------
    >>> c = Customer("c1", loyalty_id="L-001", attributes={"segment": "gold"})
    >>> c.attributes["segment"]
    'gold'
    """

    id: str = attrs.field(
        validator=_text, metadata=_column("customer_id", "id", doc="Customer id.")
    )
    loyalty_id: str | None = attrs.field(
        default=None,
        validator=_optional_text,
        metadata=_column("loyalty_id", "id", required=False, nullable=True, doc="Loyalty id."),
    )
    email_hash: str | None = attrs.field(
        default=None,
        validator=_optional_text,
        metadata=_column("email_hash", "id", required=False, nullable=True, doc="Hashed e-mail."),
    )
    phone_hash: str | None = attrs.field(
        default=None,
        validator=_optional_text,
        metadata=_column("phone_hash", "id", required=False, nullable=True, doc="Hashed phone."),
    )
    home_location: str | None = attrs.field(
        default=None,
        validator=_optional_text,
        metadata=_column(
            "home_location", "id", required=False, nullable=True, doc="Usual store or region."
        ),
    )
    attributes: Mapping[str, AttributeValue] = attrs.field(
        factory=dict,
        converter=_frozen_mapping,
        validator=_attributes,
        hash=False,
        metadata={"column": None},
    )


@attrs.frozen(slots=True)
class Touchpoint:
    """One marketing interaction of a customer with a channel.

    Parameters
    ----------
    customer_id : str
        Who was touched.
    channel : str
        Channel name.
    timestamp : pandas.Timestamp or datetime.datetime
        When. Strings are not parsed: pass ``pd.Timestamp("2024-05-01 10:00")``.
    interaction : str, default "impression"
        What kind of interaction (see :class:`InteractionKind` for common names).
    cost : float, optional
        What the interaction cost, when known.

    Examples
    --------
    >>> import pandas as pd
    >>> tp = Touchpoint("c1", "search", pd.Timestamp("2024-05-01 10:00"), interaction="click")
    >>> tp.channel, tp.interaction
    ('search', 'click')
    """

    customer_id: str = attrs.field(
        validator=_text, metadata=_column("customer_id", "id", doc="Customer id.")
    )
    channel: str = attrs.field(
        validator=_text, metadata=_column("channel", "label", doc="Marketing channel.")
    )
    timestamp: pd.Timestamp = attrs.field(
        converter=_to_timestamp,
        validator=_timestamp,
        metadata=_column("timestamp", "datetime", doc="Time of the interaction."),
    )
    interaction: str = attrs.field(
        default=InteractionKind.IMPRESSION.value,
        validator=_text,
        metadata=_column("interaction", "label", required=False, doc="Kind of interaction."),
    )
    cost: float | None = attrs.field(
        default=None,
        converter=_to_optional_float,
        validator=_optional_non_negative,
        metadata=_column("cost", "count", required=False, nullable=True, doc="Cost, if known."),
    )


@attrs.frozen(slots=True)
class Conversion:
    """A conversion (purchase, sign-up, ...) that marketing journeys lead to.

    Parameters
    ----------
    customer_id : str
        Who converted.
    timestamp : pandas.Timestamp or datetime.datetime
        When.
    value : float, default 0.0
        Revenue or other value of the conversion, >= 0.
    channel : str, optional
        Sales channel where it happened.
    order_id : str, optional
        The order it created, linking to the orders frame.

    Examples
    --------
    >>> import pandas as pd
    >>> Conversion("c1", pd.Timestamp("2024-05-02"), value=59.9).value
    59.9
    """

    customer_id: str = attrs.field(
        validator=_text, metadata=_column("customer_id", "id", doc="Customer id.")
    )
    timestamp: pd.Timestamp = attrs.field(
        converter=_to_timestamp,
        validator=_timestamp,
        metadata=_column("timestamp", "datetime", doc="Time of the conversion."),
    )
    value: float = attrs.field(
        default=0.0,
        converter=_to_float,
        validator=_non_negative,
        metadata=_column("value", "count", doc="Conversion value (>= 0)."),
    )
    channel: str | None = attrs.field(
        default=None,
        validator=_optional_text,
        metadata=_column("channel", "label", required=False, nullable=True, doc="Sales channel."),
    )
    order_id: str | None = attrs.field(
        default=None,
        validator=_optional_text,
        metadata=_column("order_id", "id", required=False, nullable=True, doc="Order id."),
    )


def _touchpoint_tuple(value: object) -> object:
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return tuple(value)
    return value


@attrs.frozen(slots=True)
class Journey:
    """A customer's ordered touchpoints, ending in a conversion or not.

    Invariants checked on construction: every touchpoint belongs to ``customer_id``; touchpoints are
    sorted in time; all times are either timezone-aware or naive; a journey that did not convert has
    ``value == 0`` and no ``conversion_time``; a conversion does not precede the last touch.

    Parameters
    ----------
    customer_id : str
        Whose journey it is.
    touchpoints : sequence of Touchpoint
        The touches, oldest first. May be empty (a conversion with no recorded touch).
    converted : bool, default False
        Whether the journey ended in a conversion.
    value : float, default 0.0
        Value of the conversion.
    conversion_time : pandas.Timestamp, optional
        When the conversion happened.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Timestamp("2024-05-01")
    >>> j = Journey(
    ...     "c1",
    ...     [Touchpoint("c1", "social", t), Touchpoint("c1", "search", t + pd.Timedelta(hours=2))],
    ...     converted=True,
    ...     value=40.0,
    ...     conversion_time=t + pd.Timedelta(hours=3),
    ... )
    >>> j.path
    ('social', 'search')
    """

    customer_id: str = attrs.field(validator=_text)
    touchpoints: tuple[Touchpoint, ...] = attrs.field(converter=_touchpoint_tuple)
    converted: bool = attrs.field(default=False)
    value: float = attrs.field(default=0.0, converter=_to_float, validator=_non_negative)
    conversion_time: pd.Timestamp | None = attrs.field(
        default=None, converter=_to_optional_timestamp, validator=_optional_timestamp
    )

    @touchpoints.validator
    def _check_touchpoints(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, tuple) or not all(isinstance(t, Touchpoint) for t in value):
            _fail(self, attribute, "a sequence of Touchpoint", value)
        for i, tp in enumerate(value):
            if tp.customer_id != self.customer_id:
                raise InvalidParameterError(
                    f"Journey.touchpoints[{i}] belongs to customer {tp.customer_id!r}, not "
                    f"{self.customer_id!r}. A journey holds one customer's touches only."
                )
        for i in range(1, len(value)):
            _same_clock(self, value[0].timestamp, value[i].timestamp, "touchpoints timestamps")
            if value[i].timestamp < value[i - 1].timestamp:
                raise InvalidParameterError(
                    f"Journey.touchpoints must be sorted by timestamp; touchpoints[{i}] at "
                    f"{value[i].timestamp} precedes touchpoints[{i - 1}] at "
                    f"{value[i - 1].timestamp}. Sort them first."
                )

    @converted.validator
    def _check_converted(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, bool):
            _fail(self, attribute, "True or False", value)

    def __attrs_post_init__(self) -> None:
        if not self.converted:
            if self.value != 0.0 or self.conversion_time is not None:
                raise InvalidParameterError(
                    "Journey.value must be 0 and Journey.conversion_time None when converted is "
                    f"False; got value={self.value!r}, conversion_time={self.conversion_time!r}."
                )
            return
        if self.conversion_time is not None and self.touchpoints:
            last = self.touchpoints[-1].timestamp
            _same_clock(self, last, self.conversion_time, "conversion_time and touch times")
            if self.conversion_time < last:
                raise InvalidParameterError(
                    f"Journey.conversion_time must not precede the last touch; got "
                    f"{self.conversion_time} before {last}."
                )

    @property
    def path(self) -> tuple[str, ...]:
        """Channel names in the order they were touched."""
        return tuple(t.channel for t in self.touchpoints)

    def __len__(self) -> int:
        return len(self.touchpoints)


@attrs.frozen(slots=True)
class OrderLine:
    """One product line of an order.

    Parameters
    ----------
    product : str
        Product id.
    quantity : int
        Units, >= 1.
    price : float
        Unit price paid, >= 0.

    Examples
    --------
    >>> OrderLine("sku-1", 2, 9.5)
    OrderLine(product='sku-1', quantity=2, price=9.5)
    """

    product: str = attrs.field(
        validator=_text, metadata=_column("product", "id", doc="Product id.")
    )
    quantity: int = attrs.field(metadata=_column("quantity", "count", doc="Units (int >= 1)."))
    price: float = attrs.field(
        converter=_to_float,
        validator=_non_negative,
        metadata=_column("price", "count", doc="Unit price paid."),
    )

    @quantity.validator
    def _check_quantity(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if (
            isinstance(value, bool | np.bool_)
            or not isinstance(value, int | np.integer)
            or int(value) < 1
        ):
            raise InvalidParameterError(
                f"OrderLine.quantity must be an int >= 1; got {short_repr(value)}. "
                "Drop empty lines or record returns separately."
            )

    @property
    def amount(self) -> float:
        """Quantity times price."""
        return self.quantity * self.price


def _line_tuple(value: object) -> object:
    return _touchpoint_tuple(value)


@attrs.frozen(slots=True)
class Order:
    """A customer order in any sales channel.

    Parameters
    ----------
    id : str
        Order id, unique across channels.
    customer_id : str
        Who ordered.
    timestamp : pandas.Timestamp or datetime.datetime
        When.
    channel : str
        Sales channel (``"store"``, ``"web"``, ...).
    value : float
        Order value, >= 0. Not forced to equal the line amounts, which may exclude shipping or
        discounts.
    location : str, optional
        Store or fulfilment location.
    lines : sequence of OrderLine
        Product lines, possibly empty when only the order total is known.

    Examples
    --------
    >>> import pandas as pd
    >>> line = OrderLine("p", 2, 9.5)
    >>> o = Order("o1", "c1", pd.Timestamp("2024-05-02"), "web", 19.0, lines=[line])
    >>> o.lines_amount
    19.0
    """

    id: str = attrs.field(validator=_text, metadata=_column("order_id", "id", doc="Order id."))
    customer_id: str = attrs.field(
        validator=_text, metadata=_column("customer_id", "id", doc="Customer id.")
    )
    timestamp: pd.Timestamp = attrs.field(
        converter=_to_timestamp,
        validator=_timestamp,
        metadata=_column("timestamp", "datetime", doc="Time of the order."),
    )
    channel: str = attrs.field(
        validator=_text, metadata=_column("channel", "label", doc="Sales channel.")
    )
    value: float = attrs.field(
        converter=_to_float,
        validator=_non_negative,
        metadata=_column("value", "count", doc="Order value (>= 0)."),
    )
    location: str | None = attrs.field(
        default=None,
        validator=_optional_text,
        metadata=_column("location", "id", required=False, nullable=True, doc="Location."),
    )
    lines: tuple[OrderLine, ...] = attrs.field(
        factory=tuple, converter=_line_tuple, metadata={"column": None}
    )

    @lines.validator
    def _check_lines(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple) or not all(isinstance(x, OrderLine) for x in value):
            _fail(self, attribute, "a sequence of OrderLine", value)

    @property
    def lines_amount(self) -> float:
        """Sum of quantity times price over the lines."""
        return float(sum(line.amount for line in self.lines))


@attrs.frozen(slots=True)
class Product:
    """A product (SKU).

    Parameters
    ----------
    id : str
        Product id.
    category : str, optional
        Category or department.
    price : float, optional
        Regular unit price.
    unit_cost : float, optional
        Unit cost to the retailer.

    Examples
    --------
    >>> Product("sku-1", category="shoes", price=80.0, unit_cost=35.0).price
    80.0
    """

    id: str = attrs.field(validator=_text, metadata=_column("product", "id", doc="Product id."))
    category: str | None = attrs.field(
        default=None,
        validator=_optional_text,
        metadata=_column("category", "label", required=False, nullable=True, doc="Category."),
    )
    price: float | None = attrs.field(
        default=None,
        converter=_to_optional_float,
        validator=_optional_non_negative,
        metadata=_column("price", "count", required=False, nullable=True, doc="Regular price."),
    )
    unit_cost: float | None = attrs.field(
        default=None,
        converter=_to_optional_float,
        validator=_optional_non_negative,
        metadata=_column("unit_cost", "count", required=False, nullable=True, doc="Unit cost."),
    )


def _capabilities(value: object) -> object:
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        items = list(value)
        converted = [_enum(Capability, v) for v in items]
        return frozenset(converted)
    return value


@attrs.frozen(slots=True)
class Location:
    """A node of the store and fulfilment network.

    Parameters
    ----------
    id : str
        Location id.
    kind : LocationKind or str
        ``"store"``, ``"dc"``, ``"dark_store"`` or ``"online"`` (the virtual online pool).
    latitude, longitude : float, optional
        WGS84 coordinates in degrees; required for every kind but ``online``.
    capabilities : iterable of Capability or str
        What the location can do (``"ship_from_store"``, ``"pickup"``).
    capacity : float, optional
        Storage capacity in units, when bounded.

    Examples
    --------
    >>> s = Location("s1", "store", 52.37, 4.89, capabilities=["pickup"])
    >>> Capability.PICKUP in s.capabilities
    True
    """

    id: str = attrs.field(validator=_text, metadata=_column("location", "id", doc="Location id."))
    kind: LocationKind = attrs.field(
        converter=_to_location_kind,
        validator=_member_of(LocationKind),
        metadata=_column("kind", "label", doc="store, dc, dark_store or online."),
    )
    latitude: float | None = attrs.field(
        default=None,
        converter=_to_optional_float,
        metadata=_column("latitude", "number", nullable=True, doc="Latitude in degrees."),
    )
    longitude: float | None = attrs.field(
        default=None,
        converter=_to_optional_float,
        metadata=_column("longitude", "number", nullable=True, doc="Longitude in degrees."),
    )
    capabilities: frozenset[Capability] = attrs.field(
        factory=frozenset, converter=_capabilities, metadata={"column": None}
    )
    capacity: float | None = attrs.field(
        default=None,
        converter=_to_optional_float,
        validator=_optional_non_negative,
        metadata=_column(
            "capacity", "count", required=False, nullable=True, doc="Capacity in units."
        ),
    )

    @latitude.validator
    def _check_latitude(self, attribute: attrs.Attribute[Any], value: object) -> None:
        self._check_coordinate(attribute, value, 90.0)

    @longitude.validator
    def _check_longitude(self, attribute: attrs.Attribute[Any], value: object) -> None:
        self._check_coordinate(attribute, value, 180.0)

    def _check_coordinate(
        self, attribute: attrs.Attribute[Any], value: object, bound: float
    ) -> None:
        if value is None:
            if self.kind is not LocationKind.ONLINE:
                raise InvalidParameterError(
                    f"Location.{attribute.name} is required for a {self.kind.value!r} location; "
                    "got None. Only the virtual 'online' location has no coordinates."
                )
            return
        if not _is_real(value) or abs(float(value)) > bound:  # type: ignore[arg-type]
            _fail(self, attribute, f"a real number in [-{bound:g}, {bound:g}]", value)

    @capabilities.validator
    def _check_capabilities(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, frozenset) or not all(isinstance(c, Capability) for c in value):
            _fail(self, attribute, f"a set drawn from {[c.value for c in Capability]}", value)
