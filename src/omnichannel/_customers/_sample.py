"""Draws from the BG/NBD and Gamma-Gamma models, for tests and benchmarks of the fits.

Not public API: :mod:`omnichannel` has its own simulator of omnichannel customers. These draws
follow the model assumptions exactly, so parameter recovery can be checked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._validation import as_generator

__all__ = ["sample_bgnbd_orders", "sample_bgnbd_summary"]

_DAY_NS = 86_400_000_000_000


def sample_bgnbd_summary(
    T: npt.ArrayLike,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    seed: object = 0,
) -> pd.DataFrame:
    """Exact BG/NBD ``frequency``, ``recency`` for customers observed for ``T`` (continuous time).

    A customer's repeat purchases form a Poisson process with rate ``lambda ~ Gamma(r, alpha)``
    and stop after the ``J``-th, ``J ~ Geometric(p)`` on {1, 2, ...}, ``p ~ Beta(a, b)``. Given
    ``N`` Poisson arrivals in ``[0, T]`` the customer makes ``x = min(N, J)``, and the time of the
    ``x``-th of ``N`` uniform arrivals is ``T * Beta(x, N - x + 1)``.
    """
    rng = as_generator(seed)
    durations = np.asarray(T, dtype=np.float64)
    n = durations.size
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    arrivals = rng.poisson(lam * durations)
    stop = rng.geometric(p)
    x = np.minimum(arrivals, stop)
    recency = np.zeros(n)
    pos = x > 0
    recency[pos] = durations[pos] * rng.beta(x[pos], arrivals[pos] - x[pos] + 1)
    return pd.DataFrame(
        {"frequency": x.astype(np.int64), "recency": recency, "T": durations},
        index=pd.RangeIndex(n, name="customer_id"),
    )


def sample_bgnbd_orders(
    n_customers: int,
    *,
    start: str | pd.Timestamp = "2023-01-01",
    acquisition_days: int = 365,
    observation_days: int = 730,
    r: float = 0.25,
    alpha: float = 30.0,
    a: float = 0.8,
    b: float = 2.5,
    p: float = 6.0,
    q: float = 4.0,
    gamma: float = 15.0,
    channels: Sequence[str] = ("store", "web"),
    seed: object = 0,
) -> pd.DataFrame:
    """Orders frame of customers who buy by BG/NBD (rates per day) and spend by Gamma-Gamma.

    Customers are acquired uniformly over the first ``acquisition_days`` days from ``start``
    and observed for ``observation_days`` days in all. The first purchase is in a uniformly
    drawn channel, and each later purchase is in the same channel with probability 0.7. Each
    purchase is one order; a purchase on a day the customer already bought is dropped, since
    summaries count a day once. Columns: ``order_id`` (int), ``customer_id`` (int),
    ``timestamp``, ``channel`` (categorical), ``value`` (rounded to cents, at least 0.01).
    """
    rng = as_generator(seed)
    n = int(n_customers)
    first = rng.uniform(0.0, acquisition_days, n)
    lam = rng.gamma(r, 1.0 / alpha, n)
    drop = rng.beta(a, b, n)
    nu = rng.gamma(q, 1.0 / gamma, n)
    # Repeat purchases, simulated in rounds over the customers still active.
    times = [first]
    owners = [np.arange(n)]
    active = np.arange(n)
    clock = first.copy()
    while active.size:
        clock = clock + rng.exponential(1.0, active.size) / lam[active]
        inside = clock < observation_days
        active, clock = active[inside], clock[inside]
        times.append(clock)
        owners.append(active)
        stay = rng.random(active.size) >= drop[active]
        active, clock = active[stay], clock[stay]
    when = np.concatenate(times)
    who = np.concatenate(owners)
    # Drop purchases that land on a day already used by the same customer (one transaction a day).
    day = np.floor(when).astype(np.int64)
    order = np.lexsort((when, day, who))
    who, when, day = who[order], when[order], day[order]
    keep = np.r_[True, (who[1:] != who[:-1]) | (day[1:] != day[:-1])]
    who, when = who[keep], when[keep]
    is_first = np.r_[True, who[1:] != who[:-1]]
    k = len(channels)
    home = rng.integers(0, k, n)
    switch = rng.random(who.size) >= 0.7
    channel = np.where(is_first | ~switch, home[who], rng.integers(0, k, who.size))
    value = rng.gamma(p, 1.0 / nu[who])
    base = pd.Timestamp(start).as_unit("ns").value
    stamps = (base + np.round(when * _DAY_NS)).astype(np.int64).view("datetime64[ns]")
    return pd.DataFrame(
        {
            "order_id": np.arange(who.size, dtype=np.int64),
            "customer_id": who.astype(np.int64),
            "timestamp": stamps,
            "channel": pd.Categorical.from_codes(
                channel.astype(np.int64), categories=pd.Index(list(channels))
            ),
            "value": np.maximum(np.round(value, 2), 0.01),
        }
    )
