"""Weekly media spend and a revenue KPI driven by adstock and Hill saturation."""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import signal

from ._catalog import MARKETING_CHANNELS
from ._ids import take_labels
from ._world import MediaTruth

__all__ = ["MediaResult", "adstock", "hill", "simulate_media"]

#: Per channel: mean weekly spend, decay, Hill shape, half saturation relative to the mean
#: adstock, beta (largest weekly contribution), cost per thousand impressions.
_CHANNELS: dict[str, tuple[float, float, float, float, float, float]] = {
    "search": (20_000.0, 0.2, 1.5, 1.0, 120_000.0, 30.0),
    "social": (15_000.0, 0.4, 1.2, 1.2, 60_000.0, 8.0),
    "display": (10_000.0, 0.3, 1.0, 1.5, 30_000.0, 3.0),
    "email": (2_000.0, 0.1, 2.0, 0.8, 25_000.0, 0.5),
    "affiliate": (8_000.0, 0.1, 1.0, 1.0, 40_000.0, 10.0),
    "tv": (40_000.0, 0.7, 2.5, 1.0, 150_000.0, 15.0),
}
#: Pairwise interaction of the saturated effects: tv makes search work harder.
INTERACTION = ("search", "tv", 30_000.0)
BASELINE = 500_000.0
TREND = 0.001
YEARLY_AMPLITUDE = 0.1
YEARLY_PEAK = 350.0
NOISE_SD = 15_000.0
#: Weeks per tv flight block; each block is on air with probability 1/2.
_FLIGHT = 4


def adstock(spend: npt.NDArray[np.float64], decay: float) -> npt.NDArray[np.float64]:
    """Geometric adstock ``a[t] = x[t] + decay * a[t - 1]`` with ``a[-1] = 0``."""
    out: npt.NDArray[np.float64] = signal.lfilter([1.0], [1.0, -decay], spend)
    return out


def hill(
    x: npt.NDArray[np.float64], half_saturation: float, shape: float
) -> npt.NDArray[np.float64]:
    """Hill saturation ``x**s / (x**s + K**s)``, between 0 and 1."""
    ratio = np.power(np.maximum(x, 0.0) / half_saturation, shape)
    return ratio / (1.0 + ratio)


@attrs.frozen(eq=False)
class MediaResult:
    """The ``spend`` and ``kpi`` frames and their truth."""

    spend: pd.DataFrame
    kpi: pd.DataFrame
    truth: MediaTruth


def simulate_media(rng: np.random.Generator, start: pd.Timestamp, n_weeks: int) -> MediaResult:
    """Draw weekly spend per marketing channel and the KPI it drives."""
    k = len(MARKETING_CHANNELS)
    table = np.array([_CHANNELS[c] for c in MARKETING_CHANNELS])
    mean_spend, decay, shape, rel_half, beta, cpm = table.T
    dates = pd.date_range(start, periods=n_weeks, freq="7D")
    week = np.arange(n_weeks, dtype=float)
    doy = dates.day_of_year.to_numpy().astype(float)
    seasonal = np.cos(2 * np.pi * (doy - YEARLY_PEAK) / 365.25)

    # Spend: a mild seasonal push, lognormal noise; tv runs in flights of _FLIGHT weeks.
    spend = mean_spend[:, None] * (1.0 + 0.15 * seasonal[None, :])
    spend = spend * rng.lognormal(-0.045, 0.3, size=(k, n_weeks))
    blocks = rng.random((k, n_weeks // _FLIGHT + 1)) < 0.5
    on_air = np.repeat(blocks, _FLIGHT, axis=1)[:, :n_weeks]
    flighted = np.array([c == "tv" for c in MARKETING_CHANNELS])
    spend = np.where(flighted[:, None], np.where(on_air, 2.0 * spend, 0.0), spend)
    spend = np.round(spend, 2)
    impressions = np.round(
        spend / cpm[:, None] * 1000.0 * rng.lognormal(0.0, 0.1, size=(k, n_weeks))
    ).astype(np.int64)

    half = rel_half * mean_spend / (1.0 - decay)
    effect = np.empty((k, n_weeks))
    for i in range(k):  # a handful of channels; each filter runs over all weeks at once
        effect[i] = hill(adstock(spend[i], float(decay[i])), float(half[i]), float(shape[i]))
    contribution = beta[:, None] * effect
    a, b, coefficient = INTERACTION
    interaction = (
        coefficient * effect[MARKETING_CHANNELS.index(a)] * effect[MARKETING_CHANNELS.index(b)]
    )
    baseline = BASELINE * (1.0 + TREND * week) * (1.0 + YEARLY_AMPLITUDE * seasonal)
    noise = rng.normal(0.0, NOISE_SD, size=n_weeks)
    revenue = baseline + contribution.sum(axis=0) + interaction + noise

    week_ns = dates.to_numpy().astype("datetime64[ns]")
    channel_codes = np.tile(np.arange(k), n_weeks)
    spend_frame = pd.DataFrame(
        {
            "date": np.repeat(week_ns, k),
            "channel": take_labels(MARKETING_CHANNELS, channel_codes),
            "spend": spend.T.ravel(),
            "impressions": impressions.T.ravel(),
        }
    )
    kpi = pd.DataFrame({"date": week_ns, "revenue": revenue})
    params = pd.DataFrame(
        {
            "channel": take_labels(MARKETING_CHANNELS, np.arange(k)),
            "decay": decay,
            "half_saturation": half,
            "shape": shape,
            "beta": beta,
        }
    )
    truth = MediaTruth(
        baseline_level=BASELINE,
        trend=TREND,
        yearly_amplitude=YEARLY_AMPLITUDE,
        yearly_peak=YEARLY_PEAK,
        noise_sd=NOISE_SD,
        params=params,
        interaction=pd.DataFrame(
            {
                "channel_a": take_labels([a], [0]),
                "channel_b": take_labels([b], [0]),
                "coefficient": [coefficient],
            }
        ),
        contribution=pd.DataFrame(
            {
                "date": np.repeat(week_ns, k),
                "channel": take_labels(MARKETING_CHANNELS, channel_codes),
                "contribution": contribution.T.ravel(),
            }
        ),
        components=pd.DataFrame(
            {"date": week_ns, "baseline": baseline, "interaction": interaction, "noise": noise}
        ),
    )
    return MediaResult(spend=spend_frame, kpi=kpi, truth=truth)
