"""The customer base: ids, cross-channel identifiers, home store, acquisition channel, segment."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ._catalog import MARKETING_CHANNELS, SALES_CHANNELS
from ._ids import format_ids, hex_ids, optional_labels, take_labels
from ._network import Sites
from ._orders import ALPHA, R, Traits

__all__ = ["SEGMENTS", "customer_ids", "customers_frame"]

#: Segments are the terciles of the true purchase rate under its Gamma distribution.
SEGMENTS: tuple[str, ...] = ("occasional", "regular", "frequent")
LOYALTY_SHARE = 0.6
EMAIL_SHARE = 0.7
# How customers first registered, over MARKETING_CHANNELS + SALES_CHANNELS.
_ACQUISITION_P = np.array([0.2, 0.15, 0.05, 0.05, 0.1, 0.05, 0.25, 0.1, 0.05])


def customer_ids(n_customers: int) -> pd.Series:
    """Return the customer ids ``C000001 ...`` as a Series (lexicographic = numeric order)."""
    ids = format_ids("C", n_customers, width=max(6, len(str(n_customers))))
    return take_labels(ids, np.arange(n_customers))


def customers_frame(
    rng: np.random.Generator, ids: pd.Series, sites: Sites, traits: Traits
) -> tuple[pd.DataFrame, pd.Series]:
    """Return the ``customers`` frame and each customer's home store id."""
    n = len(ids)
    has_loyalty = rng.random(n) < LOYALTY_SHARE
    has_email = rng.random(n) < EMAIL_SHARE
    loyalty = format_ids("L", int(has_loyalty.sum()), width=max(7, len(str(n))))
    email = hex_ids(rng, int(has_email.sum()))
    weight = sites.store_size / sites.store_size.sum()
    home = take_labels(sites.store_ids, rng.choice(sites.n_stores, size=n, p=weight))
    acquisition = rng.choice(_ACQUISITION_P.size, size=n, p=_ACQUISITION_P)
    cuts = stats.gamma.ppf([1 / 3, 2 / 3], R, scale=1.0 / ALPHA)
    segment = np.searchsorted(cuts, traits.rate, side="right")
    frame = pd.DataFrame(
        {
            "customer_id": ids.reset_index(drop=True),
            "loyalty_id": optional_labels(loyalty, has_loyalty),
            "email_hash": optional_labels(email, has_email),
            "home_location": home,
            "acquisition_channel": take_labels(MARKETING_CHANNELS + SALES_CHANNELS, acquisition),
            "segment": take_labels(SEGMENTS, segment),
        }
    )
    return frame, home
