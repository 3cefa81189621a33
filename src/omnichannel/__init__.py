"""Omnichannel retail and marketing models.

Attribution, demand forecasting, inventory allocation and channel synergy on one typed data model.
Everything public is importable from the top level::

    import omnichannel as oc
"""

from importlib.metadata import PackageNotFoundError, version

from ._domain import (
    Capability,
    Channel,
    ChannelKind,
    ChannelRole,
    Conversion,
    Customer,
    InteractionKind,
    Journey,
    Location,
    LocationKind,
    Order,
    OrderLine,
    Product,
    Touchpoint,
)
from ._exceptions import InvalidParameterError, NotFittedError, OmnichannelError, SchemaError
from ._frames import (
    FRAME_KINDS,
    FrameKind,
    frame_schema,
    from_frame,
    order_lines_to_frame,
    to_frame,
    validate_frame,
)
from ._journeys import Journeys, build_journeys
from ._validation import Column, FrameSchema

try:
    __version__ = version("omnichannel")
except PackageNotFoundError:  # pragma: no cover - only when run from a source tree
    __version__ = "0.0.0"

__all__ = [
    "FRAME_KINDS",
    "Capability",
    "Channel",
    "ChannelKind",
    "ChannelRole",
    "Column",
    "Conversion",
    "Customer",
    "FrameKind",
    "FrameSchema",
    "InteractionKind",
    "InvalidParameterError",
    "Journey",
    "Journeys",
    "Location",
    "LocationKind",
    "NotFittedError",
    "OmnichannelError",
    "Order",
    "OrderLine",
    "Product",
    "SchemaError",
    "Touchpoint",
    "__version__",
    "build_journeys",
    "frame_schema",
    "from_frame",
    "order_lines_to_frame",
    "to_frame",
    "validate_frame",
]
