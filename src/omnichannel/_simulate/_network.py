"""The store and fulfilment network: locations and the stock they hold.

Locations lie in one region of one country (roughly the Netherlands). Stock on hand is drawn from
the true daily demand each location serves at the end of the period times a number of weeks of
cover, with a few stores deliberately out of stock.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from ._ids import format_ids, take_labels

__all__ = ["ONLINE", "Sites", "StockResult", "locations_frame", "make_sites", "make_stock"]

#: Id of the virtual location where online sales are recorded.
ONLINE = "online"
_LAT = (51.6, 53.2)
_LON = (4.5, 6.8)
_CENTRE = (52.1, 5.3)
#: Share of online demand served by the dark store, when there is one.
DARK_STORE_SHARE = 0.3
#: Probability that a store or dark store is out of stock of a product.
STOCKOUT_PROBABILITY = 0.08
_COVER_WEEKS = {"store": (0.5, 4.0), "dark_store": (0.5, 2.0), "dc": (2.0, 8.0)}


@attrs.frozen(eq=False)
class Sites:
    """Locations as arrays; ``ids`` lists DCs, stores, the dark store (if any), then online."""

    ids: npt.NDArray[np.str_]
    kind: npt.NDArray[np.str_]
    latitude: npt.NDArray[np.float64]
    longitude: npt.NDArray[np.float64]
    ship_from_store: npt.NDArray[np.bool_]
    pickup: npt.NDArray[np.bool_]
    store_size: npt.NDArray[np.float64]
    n_dcs: int
    n_stores: int
    dark_store: bool

    @property
    def store_ids(self) -> npt.NDArray[np.str_]:
        """Ids of the stores, in order."""
        return self.ids[self.n_dcs : self.n_dcs + self.n_stores]

    @property
    def physical(self) -> npt.NDArray[np.intp]:
        """Positions of the locations that hold stock (every location but online)."""
        return np.arange(self.ids.size - 1, dtype=np.intp)


def make_sites(rng: np.random.Generator, n_stores: int, n_dcs: int, dark_store: bool) -> Sites:
    """Place the DCs, stores and dark store and draw their capabilities."""
    width = max(2, len(str(n_stores)))
    n_dark = int(dark_store)
    ids = np.concatenate(
        [
            format_ids("DC", n_dcs, width=1),
            format_ids("S", n_stores, width=width),
            format_ids("DS", n_dark, width=1),
            np.array([ONLINE]),
        ]
    ).astype(str)
    kind = np.array(
        ["dc"] * n_dcs + ["store"] * n_stores + ["dark_store"] * n_dark + [ONLINE], dtype=str
    )
    dc_lat = _CENTRE[0] + rng.uniform(-0.25, 0.25, n_dcs)
    dc_lon = _CENTRE[1] + rng.uniform(-0.35, 0.35, n_dcs)
    store_lat = rng.uniform(*_LAT, n_stores)
    store_lon = rng.uniform(*_LON, n_stores)
    # The dark store serves the city of the first store.
    dark_lat = store_lat[:n_dark] + rng.uniform(-0.04, 0.04, n_dark)
    dark_lon = store_lon[:n_dark] + rng.uniform(-0.06, 0.06, n_dark)
    latitude = np.round(np.concatenate([dc_lat, store_lat, dark_lat, [np.nan]]), 4)
    longitude = np.round(np.concatenate([dc_lon, store_lon, dark_lon, [np.nan]]), 4)
    store_size = rng.lognormal(0.0, 0.35, n_stores)
    ships = rng.random(n_stores) < 0.5
    ships[np.argmax(store_size)] = True
    picks = rng.random(n_stores) < 0.8
    picks[np.argmax(store_size)] = True
    ship_from_store = np.concatenate([np.zeros(n_dcs, bool), ships, np.ones(n_dark, bool), [False]])
    pickup = np.concatenate([np.zeros(n_dcs, bool), picks, np.zeros(n_dark, bool), [False]])
    return Sites(
        ids=ids,
        kind=kind,
        latitude=latitude,
        longitude=longitude,
        ship_from_store=ship_from_store,
        pickup=pickup,
        store_size=store_size,
        n_dcs=n_dcs,
        n_stores=n_stores,
        dark_store=dark_store,
    )


@attrs.frozen(eq=False)
class StockResult:
    """The ``stock`` frame, its truth and the capacity of every location."""

    frame: pd.DataFrame
    truth: pd.DataFrame
    capacity: npt.NDArray[np.float64]


def make_stock(
    rng: np.random.Generator,
    sites: Sites,
    product_ids: npt.NDArray[np.str_],
    store_demand: npt.NDArray[np.float64],
    online_demand: npt.NDArray[np.float64],
) -> StockResult:
    """Draw stock on hand from the daily demand each location serves.

    ``store_demand`` is (stores, products) and ``online_demand`` (products,), both true mean units
    per day at the end of the period.
    """
    n_products = product_ids.size
    dark_share = DARK_STORE_SHARE if sites.dark_store else 0.0
    dc_share = np.array([1.0] if sites.n_dcs == 1 else [0.6, 0.4])
    dc_demand = dc_share[:, None] * (store_demand.sum(axis=0) + (1 - dark_share) * online_demand)
    dark_demand = np.full((int(sites.dark_store), n_products), dark_share) * online_demand
    daily = np.concatenate([dc_demand, store_demand, dark_demand], axis=0)
    kinds = sites.kind[sites.physical]
    low = np.array([_COVER_WEEKS[str(k)][0] for k in kinds])
    high = np.array([_COVER_WEEKS[str(k)][1] for k in kinds])
    cover = rng.uniform(low[:, None], high[:, None], size=daily.shape)
    can_stock_out = (kinds != "dc")[:, None]
    cover[can_stock_out & (rng.random(daily.shape) < STOCKOUT_PROBABILITY)] = 0.0
    on_hand = rng.poisson(daily * 7.0 * cover).astype(np.int64)
    n_loc = daily.shape[0]
    loc_codes = np.repeat(np.arange(n_loc), n_products)
    prod_codes = np.tile(np.arange(n_products), n_loc)
    frame = pd.DataFrame(
        {
            "location": take_labels(sites.ids, loc_codes),
            "product": take_labels(product_ids, prod_codes),
            "on_hand": on_hand.ravel(),
        }
    )
    truth = pd.DataFrame(
        {
            "location": take_labels(sites.ids, loc_codes),
            "product": take_labels(product_ids, prod_codes),
            "daily_demand": daily.ravel(),
            "weeks_of_cover": cover.ravel(),
            "stockout": on_hand.ravel() == 0,
        }
    )
    held = on_hand.sum(axis=1)
    capacity = np.maximum(np.ceil(1.5 * held / 100.0), 1.0) * 100.0
    return StockResult(frame=frame, truth=truth, capacity=np.append(capacity, np.nan))


def locations_frame(sites: Sites, capacity: npt.NDArray[np.float64]) -> pd.DataFrame:
    """Return the ``locations`` frame (capacity in units; missing for the online location)."""
    codes = np.arange(sites.ids.size)
    return pd.DataFrame(
        {
            "location": take_labels(sites.ids, codes),
            "kind": take_labels(sites.kind, codes),
            "latitude": sites.latitude,
            "longitude": sites.longitude,
            "ship_from_store": sites.ship_from_store,
            "pickup": sites.pickup,
            "capacity": capacity,
        }
    )
