"""Benchmark the synergy scores and power simulation against statsmodels OLS.

Usage::

    python benchmarks/bench_synergy.py                 # all parts, default sizes
    python benchmarks/bench_synergy.py --sims 2000     # more simulated datasets

Parts:

1. Interaction test, ours against the peer on the same datasets: ``fit_mix_model`` with the
   fixed-transform specification of ``synergy_power`` (no adstock, Hill(0.5, 1) of spend over
   its maximum) plus ``score_synergy``, against ``statsmodels.formula.api.ols("kpi ~ tv * search")``
   on the same media index computed independently. Reports the largest difference in the
   interaction estimate, its p-value and interval, and the time ratio.
2. Power simulation: ``synergy_power`` against the textbook loop (simulate, fit statsmodels OLS,
   count p < 0.05) for the same design; the two draw different datasets, so their power agrees
   within Monte Carlo error. Reports the time ratio and peak memory.
3. Exact Shapley values and interaction index over all coalitions (no peer): time at 10 and 15
   channels; ``score_synergy`` on a 5-channel model with 200 bootstrap draws.

Ratios are peer time / our time (above 1: we are faster).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

import omnichannel as oc
from omnichannel._synergy._power import _fit_options
from omnichannel._synergy._scores import shapley_interactions


def _peak(func):  # type: ignore[no-untyped-def]
    tracemalloc.start()
    start = time.perf_counter()
    out = func()
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, elapsed, peak / 2**20


SATURATION = oc.Hill(half_saturation=0.5, slope=1.0)
DESIGN = {"n_weeks": 104, "interaction": 1.0, "spend_cv": 0.5, "noise_sd": 0.05}


def _simulate(seed: int, interaction: float) -> pd.DataFrame:
    design = {**DESIGN, "interaction": interaction}
    return oc.simulate_mix(saturation=SATURATION, seed=seed, **design).data  # type: ignore[arg-type]


def _peer_frame(data: pd.DataFrame) -> pd.DataFrame:
    """The media index computed independently: hill(spend / max spend), K = 0.5, slope 1."""
    out = data[["kpi"]].copy()
    for channel in ("tv", "search"):
        u = data[channel] / data[channel].max()
        out[channel] = u / (u + 0.5)
    return out


def part_interaction_test(n: int) -> None:
    sims = [_simulate(s, 1.0 * (s % 3 - 1)) for s in range(n)]

    def ours() -> np.ndarray:
        out = np.empty((n, 4))
        for s, data in enumerate(sims):
            model = oc.fit_mix_model(
                data, kpi="kpi", media=["tv", "search"], seed=0, **_fit_options(False, SATURATION)
            )
            row = oc.score_synergy(model).to_frame().iloc[0]
            out[s] = [row["interaction"], row["p_value"], row["lower"], row["upper"]]
        return out

    def peer() -> np.ndarray:
        out = np.empty((n, 4))
        for s, data in enumerate(sims):
            fit = smf.ols("kpi ~ tv * search", data=_peer_frame(data)).fit()
            low, high = fit.conf_int().loc["tv:search"]
            out[s] = [fit.params["tv:search"], fit.pvalues["tv:search"], low, high]
        return out

    a, t_ours, m_ours = _peak(ours)
    b, t_peer, m_peer = _peak(peer)
    rel = np.max(np.abs(a[:, 0] - b[:, 0]) / np.abs(b[:, 0]))
    print(f"[1] interaction test on {n} datasets (104 weeks, 2 channels, fixed Hill index)")
    print(f"    max |coef diff| / |coef|   {rel:.2e}")
    print(f"    max |p-value diff|         {np.max(np.abs(a[:, 1] - b[:, 1])):.2e}")
    print(f"    max |interval diff|        {np.max(np.abs(a[:, 2:] - b[:, 2:])):.2e}")
    print(
        f"    ours {t_ours:.2f} s, peer {t_peer:.2f} s, ratio {t_peer / t_ours:.2f}; "
        f"peak MiB ours {m_ours:.1f}, peer {m_peer:.1f}"
    )


def part_power(n: int) -> None:
    def ours() -> float:
        res = oc.synergy_power(n_sims=n, saturation=SATURATION, seed=1, **DESIGN)  # type: ignore[arg-type]
        return float(res.to_frame()["power"].iloc[0])

    def peer() -> float:
        hits = 0
        for s in range(n):
            frame = _peer_frame(_simulate(10_000 + s, 1.0))
            hits += int(smf.ols("kpi ~ tv * search", data=frame).fit().pvalues["tv:search"] < 0.05)
        return hits / n

    p_ours, t_ours, m_ours = _peak(ours)
    p_peer, t_peer, m_peer = _peak(peer)
    se = np.sqrt(p_peer * (1 - p_peer) / n)
    print(f"[2] power simulation, {n} datasets (104 weeks, interaction 1.0)")
    print(f"    power ours {p_ours:.3f}, peer {p_peer:.3f} (MC s.e. {se:.3f} each)")
    print(
        f"    ours {t_ours:.2f} s, peer {t_peer:.2f} s, ratio {t_peer / t_ours:.1f}; "
        f"peak MiB ours {m_ours:.1f}, peer {m_peer:.1f}"
    )


def part_shapley() -> None:
    rng = np.random.default_rng(0)
    for k in (10, 15):
        values = rng.normal(size=1 << k)
        _, elapsed, peak = _peak(lambda v=values: shapley_interactions(v))
        print(
            f"[3] exact Shapley values + interaction index, {k} channels: {elapsed:.3f} s, "
            f"peak {peak:.1f} MiB"
        )
    channels = ["tv", "search", "social", "display", "email"]
    sim = oc.simulate_mix(n_weeks=156, channels=channels, interaction=0.1, decay=0.3, seed=3)
    model = oc.fit_mix_model(sim.data, kpi="kpi", media=channels, n_boot=200, seed=0)
    _, elapsed, peak = _peak(lambda: oc.score_synergy(model))
    print(
        f"[3] score_synergy, 5 channels x 156 weeks, 200 bootstrap draws: {elapsed:.2f} s, "
        f"peak {peak:.1f} MiB"
    )


def main() -> None:
    """Run the parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=500)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    part_interaction_test(min(args.sims, 300))
    part_power(args.sims)
    part_shapley()


if __name__ == "__main__":
    main()
