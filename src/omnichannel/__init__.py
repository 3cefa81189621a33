"""Omnichannel retail and marketing models.

Attribution, demand forecasting, inventory allocation and channel synergy on one typed data model.
Everything public is importable from the top level::

    import omnichannel as oc
"""

from importlib import metadata as _metadata

from ._attribution import (
    Attribution,
    FirstTouch,
    LastNonDirect,
    LastTouch,
    Linear,
    Markov,
    PositionBased,
    Shapley,
    TimeDecay,
    attribute,
    compare_models,
)
from ._customers import (
    BetaGeo,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    clv_by_segment,
    fit_by_segment,
    holdout_comparison,
    plot_holdout,
    rfm_segments,
    summarize_customers,
)
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
from ._simulate import (
    AttributionTruth,
    DemandTruth,
    MediaTruth,
    NetworkTruth,
    PurchaseTruth,
    Truth,
    World,
    simulate_retailer,
)
from ._validation import Column, FrameSchema

try:
    __version__ = _metadata.version("omnichannel")
except _metadata.PackageNotFoundError:  # pragma: no cover - only when run from a source tree
    __version__ = "0.0.0"

__all__ = [
    "FRAME_KINDS",
    "Attribution",
    "AttributionTruth",
    "BetaGeo",
    "Capability",
    "Channel",
    "ChannelKind",
    "ChannelRole",
    "Column",
    "Conversion",
    "Customer",
    "DemandTruth",
    "FirstTouch",
    "FrameKind",
    "FrameSchema",
    "GammaGamma",
    "InteractionKind",
    "InvalidParameterError",
    "Journey",
    "Journeys",
    "LastNonDirect",
    "LastTouch",
    "Linear",
    "Location",
    "LocationKind",
    "Markov",
    "MediaTruth",
    "ModifiedBetaGeo",
    "NetworkTruth",
    "NotFittedError",
    "OmnichannelError",
    "Order",
    "OrderLine",
    "ParetoNBD",
    "PositionBased",
    "Product",
    "PurchaseTruth",
    "SchemaError",
    "Shapley",
    "TimeDecay",
    "Touchpoint",
    "Truth",
    "World",
    "__version__",
    "attribute",
    "build_journeys",
    "clv_by_segment",
    "compare_models",
    "fit_by_segment",
    "frame_schema",
    "from_frame",
    "holdout_comparison",
    "order_lines_to_frame",
    "plot_holdout",
    "rfm_segments",
    "simulate_retailer",
    "summarize_customers",
    "to_frame",
    "validate_frame",
]
