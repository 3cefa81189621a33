"""Daily demand per sales channel, location and product, from a known mean process.

The mean of every series is computed as one (series x day) array: level x growth x day-of-week
factor x yearly seasonality x promotion lift x cross-channel effect. Store series are sold at
each store; web and app series at the virtual online location.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from ._catalog import SALES_CHANNELS, Catalogue
from ._ids import take_labels
from ._network import ONLINE, Sites
from ._world import DemandTruth

__all__ = ["SalesResult", "simulate_sales"]

#: Day-of-week profiles (Monday first) before normalisation to mean 1.
_WEEKLY: dict[str, tuple[float, ...]] = {
    "store": (0.85, 0.85, 0.9, 0.95, 1.1, 1.4, 0.95),
    "web": (1.15, 1.05, 1.0, 0.95, 0.9, 0.9, 1.05),
    "app": (0.95, 0.9, 0.9, 0.95, 1.0, 1.1, 1.2),
}
#: Online demand of a product relative to one average store.
_ONLINE_SCALE = {"web": 2.0, "app": 1.0}
#: Mean yearly growth and its spread per channel.
_GROWTH = {"store": (-0.02, 0.04), "web": (0.08, 0.04), "app": (0.2, 0.05)}
#: Yearly seasonality (amplitude, peak day of year) per category, in catalogue order.
_SEASON = ((0.05, 355.0), (0.1, 100.0), (0.15, 330.0), (0.3, 160.0), (0.45, 350.0), (0.3, 340.0))
SLOW_SHARE = 0.25
PROMO_DISCOUNT = 0.2
_PROMO = {"store": (1 / 45, 4, 10, 1.3, 1.8), "online": (1 / 35, 2, 7, 1.5, 2.5)}


@attrs.frozen(eq=False)
class SalesResult:
    """The ``sales`` frame, its truth and the demand each location serves at the end."""

    frame: pd.DataFrame
    truth: DemandTruth
    store_demand: npt.NDArray[np.float64]
    online_demand: npt.NDArray[np.float64]


def _calendar(
    rng: np.random.Generator, n_products: int, n_days: int, rate: float, low: int, high: int
) -> npt.NDArray[np.bool_]:
    """Return (products, days) promotion flags.

    Events start with probability ``rate`` on any day and last ``low`` to ``high`` days.
    """
    starts = rng.random((n_products, n_days)) < rate
    length = rng.integers(low, high + 1, size=(n_products, n_days))
    rows, cols = np.nonzero(starts)
    edges = np.zeros((n_products, n_days + high + 1), dtype=np.int64)
    np.add.at(edges, (rows, cols), 1)
    np.add.at(edges, (rows, cols + length[rows, cols]), -1)
    return np.cumsum(edges, axis=1)[:, :n_days] > 0


def simulate_sales(
    rng: np.random.Generator,
    sites: Sites,
    catalogue: Catalogue,
    start: pd.Timestamp,
    n_days: int,
    distribution: str,
    dispersion: float,
    cross_effect: float,
) -> SalesResult:
    """Draw the demand parameters, the promotion calendars and the daily quantities."""
    n_stores, n_products = sites.n_stores, catalogue.size
    n_series = (n_stores + 2) * n_products
    # Series layout: store x (stores x products), then web x products, then app x products.
    channel = np.repeat([0, 1, 2], [n_stores * n_products, n_products, n_products])
    store_pos = np.concatenate(
        [np.repeat(np.arange(n_stores), n_products), np.full(2 * n_products, -1)]
    )
    product = np.tile(np.arange(n_products), n_stores + 2)
    location_ids = np.append(sites.store_ids, ONLINE)
    location = np.where(store_pos >= 0, store_pos, n_stores)

    slow = np.zeros(n_products, dtype=bool)
    slow[rng.permutation(n_products)[: int(n_products * SLOW_SHARE)]] = True
    base = np.where(slow, rng.uniform(0.03, 0.2, n_products), rng.uniform(3.0, 20.0, n_products))
    scale = np.where(
        channel == 0,
        sites.store_size[np.maximum(store_pos, 0)],
        np.where(channel == 1, _ONLINE_SCALE["web"], _ONLINE_SCALE["app"]),
    )
    level = base[product] * scale * rng.lognormal(0.0, 0.2, n_series)
    growth_mu = np.array([_GROWTH[c][0] for c in SALES_CHANNELS])[channel]
    growth_sd = np.array([_GROWTH[c][1] for c in SALES_CHANNELS])[channel]
    growth = np.clip(1.0 + rng.normal(growth_mu, growth_sd), 0.5, 2.0)
    season = np.array(_SEASON)[catalogue.category % len(_SEASON)]
    amplitude = (season[:, 0] * rng.uniform(0.8, 1.2, n_products))[product]
    peak = np.round(season[:, 1] + rng.normal(0.0, 10.0, n_products))[product]

    store_promo = _calendar(rng, n_products, n_days, *_PROMO["store"][:3])
    online_promo = _calendar(rng, n_products, n_days, *_PROMO["online"][:3])
    lift_store = rng.uniform(*_PROMO["store"][3:], size=n_series)
    lift_online = rng.uniform(*_PROMO["online"][3:], size=n_series)
    is_store = channel == 0
    lift = np.where(is_store, lift_store, lift_online)
    promotion = np.where(is_store[:, None], store_promo[product], online_promo[product])
    cross = is_store[:, None] & online_promo[product]

    dates = pd.date_range(start, periods=n_days, freq="D")
    t = np.arange(n_days, dtype=float)
    weekday = dates.day_of_week.to_numpy()
    doy = dates.day_of_year.to_numpy().astype(float)
    weekly = np.array([_WEEKLY[c] for c in SALES_CHANNELS])
    weekly = weekly / weekly.mean(axis=1, keepdims=True)
    mean = (
        level[:, None]
        * growth[:, None] ** (t[None, :] / 365.25)
        * weekly[channel][:, weekday]
        * (1.0 + amplitude[:, None] * np.cos(2 * np.pi * (doy[None, :] - peak[:, None]) / 365.25))
        * np.where(promotion, lift[:, None], 1.0)
        * np.where(cross, 1.0 + cross_effect, 1.0)
    )
    if distribution == "poisson":
        quantity = rng.poisson(mean)
    else:
        quantity = rng.negative_binomial(dispersion, dispersion / (dispersion + mean))
    list_price = catalogue.price[product]
    price = np.round(
        np.where(promotion, list_price[:, None] * (1.0 - PROMO_DISCOUNT), list_price[:, None]), 2
    )
    quantity = quantity.astype(np.int64)

    rows = np.repeat(np.arange(n_series), n_days)
    day_ns = (start.value + np.arange(n_days, dtype=np.int64) * 86_400 * 10**9).astype(
        "datetime64[ns]"
    )
    keys = {
        "date": np.tile(day_ns, n_series),
        "channel": take_labels(SALES_CHANNELS, channel[rows]),
        "location": take_labels(location_ids, location[rows]),
        "product": take_labels(catalogue.ids, product[rows]),
    }
    frame = pd.DataFrame(
        {
            **keys,
            "quantity": quantity.ravel(),
            "price": price.ravel(),
            "promotion": promotion.ravel(),
            "revenue": quantity.ravel() * price.ravel(),
        }
    )
    truth_mean = pd.DataFrame(
        {
            **keys,
            "mean": mean.ravel(),
            "cross_promotion": cross.ravel(),
        }
    )
    series = pd.DataFrame(
        {
            "channel": take_labels(SALES_CHANNELS, channel),
            "location": take_labels(location_ids, location),
            "product": take_labels(catalogue.ids, product),
            "level": level,
            "growth": growth,
            "yearly_amplitude": amplitude,
            "yearly_peak": peak,
            "promo_lift": lift,
            "slow_mover": slow[product],
        }
    )
    weekly_frame = pd.DataFrame(
        {
            "channel": take_labels(SALES_CHANNELS, np.repeat(np.arange(3), 7)),
            "weekday": np.tile(np.arange(7, dtype=np.int64), 3),
            "factor": weekly.ravel(),
        }
    )
    truth = DemandTruth(
        distribution=distribution,
        dispersion=dispersion if distribution == "negative_binomial" else None,
        cross_effect=cross_effect,
        promo_discount=PROMO_DISCOUNT,
        series=series,
        weekly=weekly_frame,
        mean=truth_mean,
    )
    recent = mean[:, -min(28, n_days) :].mean(axis=1)
    store_demand = recent[: n_stores * n_products].reshape(n_stores, n_products)
    online_demand = recent[n_stores * n_products :].reshape(2, n_products).sum(axis=0)
    return SalesResult(
        frame=frame, truth=truth, store_demand=store_demand, online_demand=online_demand
    )
