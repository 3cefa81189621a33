"""Seeded simulation of an omnichannel retailer with known ground truth."""

from ._retailer import simulate_retailer
from ._world import (
    AttributionTruth,
    DemandTruth,
    MediaTruth,
    NetworkTruth,
    PurchaseTruth,
    Truth,
    World,
)

__all__ = [
    "AttributionTruth",
    "DemandTruth",
    "MediaTruth",
    "NetworkTruth",
    "PurchaseTruth",
    "Truth",
    "World",
    "simulate_retailer",
]
