"""Customer journeys: building them from events and storing them in columnar form."""

from ._build import build_journeys
from ._store import Journeys

__all__ = ["Journeys", "build_journeys"]
