"""The fixed channel table and the simulated product catalogue."""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from ._ids import format_ids, take_labels

__all__ = [
    "MARKETING_CHANNELS",
    "SALES_CHANNELS",
    "Catalogue",
    "channels_frame",
    "make_catalogue",
]

#: Marketing channels, in the order used by every array over channels.
MARKETING_CHANNELS: tuple[str, ...] = ("search", "social", "display", "email", "affiliate", "tv")
#: Sales channels, in the order used by every array over sales channels.
SALES_CHANNELS: tuple[str, ...] = ("store", "web", "app")
_OFFLINE = frozenset({"tv", "store"})

#: Product categories with a typical list price.
_CATEGORIES: tuple[tuple[str, float], ...] = (
    ("grocery", 4.0),
    ("household", 9.0),
    ("beauty", 16.0),
    ("apparel", 35.0),
    ("toys", 25.0),
    ("electronics", 80.0),
)


def channels_frame() -> pd.DataFrame:
    """Return the ``channels`` frame: marketing channels first, then sales channels."""
    names = MARKETING_CHANNELS + SALES_CHANNELS
    return pd.DataFrame(
        {
            "channel": take_labels(names, np.arange(len(names))),
            "kind": take_labels(
                ["offline" if c in _OFFLINE else "online" for c in names], np.arange(len(names))
            ),
            "role": take_labels(
                ["marketing"] * len(MARKETING_CHANNELS) + ["sales"] * len(SALES_CHANNELS),
                np.arange(len(names)),
            ),
        }
    )


@attrs.frozen(eq=False)
class Catalogue:
    """Products as arrays, for the other generators, plus the ``products`` frame."""

    ids: npt.NDArray[np.str_]
    category: npt.NDArray[np.intp]
    price: npt.NDArray[np.float64]
    unit_cost: npt.NDArray[np.float64]
    frame: pd.DataFrame

    @property
    def size(self) -> int:
        """Number of products."""
        return int(self.ids.size)


def make_catalogue(rng: np.random.Generator, n_products: int) -> Catalogue:
    """Draw list prices and unit costs; categories cycle so that each one is represented."""
    ids = format_ids("P", n_products, width=max(3, len(str(n_products))))
    category = np.arange(n_products, dtype=np.intp) % len(_CATEGORIES)
    typical = np.array([p for _, p in _CATEGORIES])[category]
    # Prices end in .99, like most shelf prices.
    raw = typical * rng.lognormal(0.0, 0.35, size=n_products)
    price = np.floor(raw) + 0.99
    unit_cost = np.round(price * rng.uniform(0.45, 0.7, size=n_products), 2)
    frame = pd.DataFrame(
        {
            "product": take_labels(ids, np.arange(n_products)),
            "category": take_labels([c for c, _ in _CATEGORIES], category),
            "price": price,
            "unit_cost": unit_cost,
        }
    )
    return Catalogue(ids=ids, category=category, price=price, unit_cost=unit_cost, frame=frame)
