"""Marketing journeys with a known set-based conversion probability, and their true attribution.

Every customer has at most one journey. Touch counts per channel are Poisson, touch times uniform
over a window of at most :data:`MAX_WINDOW_DAYS` days, and the conversion (if any) follows the last
touch by at most :data:`MAX_DELAY_DAYS` days, so a 30-day lookback recovers every journey whole.
"""

from __future__ import annotations

import math

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from ._catalog import MARKETING_CHANNELS
from ._ids import take_labels
from ._world import AttributionTruth

__all__ = [
    "B0",
    "BETA",
    "GAMMA",
    "IN_MARKET",
    "MAX_DELAY_DAYS",
    "MAX_WINDOW_DAYS",
    "TOUCH_RATE",
    "JourneySim",
    "attribution_truth",
    "conversion_table",
    "shapley_table",
    "simulate_journeys",
    "touchpoints_frame",
]

DAY = 86_400  # seconds
#: Baseline hazard b0; p(empty set) = 1 - exp(-b0).
B0 = 0.03
#: Main effect of each marketing channel, in the order of MARKETING_CHANNELS.
BETA: dict[str, float] = {
    "search": 0.22,
    "social": 0.07,
    "display": 0.04,
    "email": 0.10,
    "affiliate": 0.15,
    "tv": 0.05,
}
#: Pairwise interactions: tv drives search (synergy); social and display, and email and
#: affiliate, reach the same people (overlap).
GAMMA: dict[tuple[str, str], float] = {
    ("search", "tv"): 0.08,
    ("social", "display"): -0.05,
    ("email", "affiliate"): -0.04,
}
#: Expected touches per in-market journey, per channel.
TOUCH_RATE: dict[str, float] = {
    "search": 0.5,
    "social": 0.9,
    "display": 1.4,
    "email": 1.0,
    "affiliate": 0.2,
    "tv": 0.6,
}
IN_MARKET = 0.8
MAX_WINDOW_DAYS = 21
MAX_DELAY_DAYS = 3

_INTERACTIONS = ("impression", "click", "open")
# Probability of each interaction per channel (rows follow MARKETING_CHANNELS).
_INTERACTION_P = np.array(
    [
        [0.0, 1.0, 0.0],  # search: paid clicks
        [0.8, 0.2, 0.0],  # social
        [0.9, 0.1, 0.0],  # display
        [0.0, 0.3, 0.7],  # email: opens and clicks
        [0.0, 1.0, 0.0],  # affiliate
        [1.0, 0.0, 0.0],  # tv: exposures
    ]
)
# Mean cost of one interaction, same layout.
_INTERACTION_COST = np.array(
    [
        [0.0, 0.9, 0.0],
        [0.012, 0.55, 0.0],
        [0.004, 0.35, 0.0],
        [0.0, 0.003, 0.003],
        [0.0, 1.6, 0.0],
        [0.025, 0.0, 0.0],
    ]
)


def _bits(n_channels: int) -> npt.NDArray[np.bool_]:
    """(2**K, K) membership of every channel in every coalition mask."""
    masks = np.arange(2**n_channels)
    return ((masks[:, None] >> np.arange(n_channels)[None, :]) & 1).astype(bool)


def conversion_table() -> npt.NDArray[np.float64]:
    """Return p(S) for every coalition S, indexed by bit mask over MARKETING_CHANNELS."""
    k = len(MARKETING_CHANNELS)
    member = _bits(k)
    beta = np.array([BETA[c] for c in MARKETING_CHANNELS])
    eta = B0 + member @ beta
    for (a, b), value in GAMMA.items():
        i, j = MARKETING_CHANNELS.index(a), MARKETING_CHANNELS.index(b)
        eta = eta + value * (member[:, i] & member[:, j])
    if not (eta > 0).all():  # pragma: no cover - guards the constants above
        raise AssertionError("conversion hazard must be positive for every channel set")
    p: npt.NDArray[np.float64] = 1.0 - np.exp(-eta)
    return p


def shapley_table(p: npt.NDArray[np.float64], n_channels: int) -> npt.NDArray[np.float64]:
    """Exact Shapley value of v(T) = p(T) - p(empty) for every coalition S and channel k.

    Returns a (2**K, K) array whose row S holds each channel's share of ``p[S] - p[0]`` (zero for
    channels not in S). Computed by enumerating every sub-coalition T of S with the classical
    weights ``|T|! (|S| - |T| - 1)! / |S|!``.
    """
    masks = np.arange(2**n_channels)
    sizes = _bits(n_channels).sum(axis=1)
    outer, inner = masks[:, None], masks[None, :]
    subset = (inner & ~outer) == 0
    fact = np.array([math.factorial(i) for i in range(n_channels + 1)], dtype=float)
    s_size, t_size = sizes[:, None], sizes[None, :]
    weights = np.zeros((masks.size, masks.size))
    ok = subset & (t_size < s_size)
    weights[ok] = (
        fact[np.broadcast_to(t_size, ok.shape)[ok]]
        * fact[np.broadcast_to(s_size - t_size - 1, ok.shape)[ok]]
        / fact[np.broadcast_to(s_size, ok.shape)[ok]]
    )
    phi = np.zeros((masks.size, n_channels))
    for k in range(n_channels):
        bit = 1 << k
        gain = p[masks | bit] - p[masks]  # marginal gain of adding k to T
        valid = subset & ((outer & bit) != 0) & ((inner & bit) == 0)
        phi[:, k] = (np.where(valid, weights, 0.0) * gain[None, :]).sum(axis=1)
    return phi


@attrs.frozen(eq=False)
class JourneySim:
    """Arrays of one simulated set of journeys.

    Touch arrays are sorted by customer then time; times are seconds from the start.
    """

    touch_customer: npt.NDArray[np.int64]
    touch_seconds: npt.NDArray[np.int64]
    touch_channel: npt.NDArray[np.intp]
    touch_interaction: npt.NDArray[np.intp]
    touch_cost: npt.NDArray[np.float64]
    mask: npt.NDArray[np.int64]
    n_touches: npt.NDArray[np.int64]
    p_convert: npt.NDArray[np.float64]
    converted: npt.NDArray[np.bool_]
    conversion_seconds: npt.NDArray[np.int64]


def simulate_journeys(rng: np.random.Generator, n_customers: int, n_days: int) -> JourneySim:
    """Draw every customer's touches and whether and when they convert."""
    n, k = n_customers, len(MARKETING_CHANNELS)
    rates = np.array([TOUCH_RATE[c] for c in MARKETING_CHANNELS])
    in_market = rng.random(n) < IN_MARKET
    counts = rng.poisson(rates[None, :], size=(n, k)) * in_market[:, None]
    mask = ((counts > 0) @ (1 << np.arange(k))).astype(np.int64)
    n_touches = counts.sum(axis=1).astype(np.int64)
    p_convert = conversion_table()[mask]
    converted = rng.random(n) < p_convert
    span = MAX_WINDOW_DAYS + MAX_DELAY_DAYS
    first_day = rng.integers(0, n_days - span + 1, size=n)
    window = rng.integers(1, MAX_WINDOW_DAYS + 1, size=n) * DAY
    delay = np.floor(rng.random(n) * (MAX_DELAY_DAYS * DAY)).astype(np.int64)
    anytime = np.floor(rng.random(n) * (n_days * DAY)).astype(np.int64)

    # One entry per touch: (customer, channel) pairs repeated by their counts.
    pair = np.repeat(np.arange(n * k, dtype=np.int64), counts.ravel())
    customer, channel = pair // k, (pair % k).astype(np.intp)
    seconds = first_day[customer] * DAY + np.floor(rng.random(pair.size) * window[customer]).astype(
        np.int64
    )
    cum = np.cumsum(_INTERACTION_P, axis=1)[channel]
    interaction = (rng.random(pair.size)[:, None] > cum[:, :-1]).sum(axis=1).astype(np.intp)
    cost = np.round(
        _INTERACTION_COST[channel, interaction] * rng.gamma(4.0, 0.25, size=pair.size), 4
    )
    order = np.argsort(customer * np.int64(n_days * DAY) + seconds, kind="stable")
    customer, seconds = customer[order], seconds[order]
    channel, interaction, cost = channel[order], interaction[order], cost[order]

    touched = n_touches > 0
    last = np.zeros(n, dtype=np.int64)
    ends = np.cumsum(n_touches) - 1
    last[touched] = seconds[ends[touched]]
    conversion_seconds = np.where(touched, last + delay, anytime)
    return JourneySim(
        touch_customer=customer,
        touch_seconds=seconds,
        touch_channel=channel,
        touch_interaction=interaction,
        touch_cost=cost,
        mask=mask,
        n_touches=n_touches,
        p_convert=p_convert,
        converted=converted,
        conversion_seconds=conversion_seconds,
    )


def touchpoints_frame(sim: JourneySim, customer_ids: pd.Series, start_ns: int) -> pd.DataFrame:
    """Return the ``touchpoints`` frame of a simulation."""
    stamps = (start_ns + sim.touch_seconds * np.int64(1_000_000_000)).astype("datetime64[ns]")
    return pd.DataFrame(
        {
            "customer_id": customer_ids.take(sim.touch_customer).reset_index(drop=True),
            "timestamp": stamps,
            "channel": take_labels(MARKETING_CHANNELS, sim.touch_channel),
            "interaction": take_labels(_INTERACTIONS, sim.touch_interaction),
            "cost": sim.touch_cost,
        }
    )


def _set_labels(n_channels: int) -> list[str]:
    member = _bits(n_channels)
    return [
        ",".join(sorted(c for c, on in zip(MARKETING_CHANNELS, row, strict=True) if on))
        for row in member
    ]


def attribution_truth(sim: JourneySim, customer_ids: pd.Series) -> AttributionTruth:
    """Return the ground truth of a simulation, including exact per-channel contributions."""
    k = len(MARKETING_CHANNELS)
    p = conversion_table()
    journeys_per_set = np.bincount(sim.mask, minlength=p.size).astype(float)
    phi = shapley_table(p, k)
    masks = np.arange(p.size)
    removal = np.zeros((p.size, k))
    for j in range(k):
        bit = 1 << j
        has = (masks & bit) != 0
        removal[has, j] = p[masks[has]] - p[masks[has] & ~bit]
    touches = np.bincount(sim.touch_channel, minlength=k)
    reached = np.array([((sim.mask >> j) & 1).sum() for j in range(k)])
    contributions = pd.DataFrame(
        {
            "channel": take_labels(MARKETING_CHANNELS, np.arange(k)),
            "shapley": journeys_per_set @ phi,
            "removal": journeys_per_set @ removal,
            "journeys": reached.astype(np.int64),
            "touches": touches.astype(np.int64),
        }
    )
    beta = pd.DataFrame(
        {
            "channel": take_labels(MARKETING_CHANNELS, np.arange(k)),
            "beta": [BETA[c] for c in MARKETING_CHANNELS],
            "touch_rate": [TOUCH_RATE[c] for c in MARKETING_CHANNELS],
        }
    )
    pairs = list(GAMMA)
    gamma = pd.DataFrame(
        {
            "channel_a": take_labels([a for a, _ in pairs], np.arange(len(pairs))),
            "channel_b": take_labels([b for _, b in pairs], np.arange(len(pairs))),
            "gamma": [GAMMA[pair] for pair in pairs],
        }
    )
    journeys = pd.DataFrame(
        {
            "customer_id": customer_ids.reset_index(drop=True),
            "channels": take_labels(_set_labels(k), sim.mask),
            "n_touches": sim.n_touches,
            "p_convert": sim.p_convert,
            "converted": sim.converted,
        }
    )
    return AttributionTruth(
        b0=B0,
        in_market=IN_MARKET,
        max_window_days=MAX_WINDOW_DAYS,
        max_delay_days=MAX_DELAY_DAYS,
        expected_conversions=float(journeys_per_set @ p),
        baseline_conversions=float(sim.mask.size * p[0]),
        beta=beta,
        gamma=gamma,
        journeys=journeys,
        contributions=contributions,
    )
