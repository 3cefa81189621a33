"""Benchmark the intermittent-demand families against statsforecast on the same series.

Usage (in a venv with statsforecast and the package, e.g. ``/work/fc-venv``)::

    python benchmarks/bench_intermittent.py                      # 30,000 x 1,000, peer on 3,000
    python benchmarks/bench_intermittent.py --series 5000 --peer 1000

Data: daily intermittent series like M5's: demand probability 0.02-0.6, sizes ``1 +`` negative
binomial, a tenth of the series starting late (leading NaN for us, shorter series for the peer).
Ours fits all series in one call (``fit_predict``: forecasts, in-sample fit and distribution);
statsforecast (``StatsForecast.forecast``, ``n_jobs=1``, point forecasts only) runs on the first
``--peer`` series and its time is scaled per series. Times are CPU seconds
(``time.process_time``), the best of ``--repeat`` runs on each side (the machine is shared, so
the minimum is the least disturbed run); the ratio is the peer's per-series time over ours
(> 1: we are faster).
Peak memory is traced with ``tracemalloc`` in a separate run of each of our models (the input
panel itself, 8 bytes per cell, is not counted).

Pairs: ``CrostonOptimized`` / ``Croston(alpha=None)``, ``CrostonSBA`` / ``SBA()``,
``TSB(0.1, 0.1)`` / ``TSB(0.1, 0.1)``; ``TSB()`` (optimised) and ``CountModel`` have no
statsforecast counterpart and are set against ``TSB`` and ``SimpleExponentialSmoothingOptimized``
(the peer's per-series optimised smoothing) respectively.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
import pandas as pd

os.environ.setdefault("NIXTLA_ID_AS_COL", "1")

from statsforecast import StatsForecast
from statsforecast.models import (
    TSB,
    CrostonOptimized,
    CrostonSBA,
    SimpleExponentialSmoothingOptimized,
)

import omnichannel as oc
from omnichannel._forecast._base import SeriesPanel

HORIZON = 28


def make_panel(n: int, t: int, seed: int = 0) -> SeriesPanel:
    rng = np.random.default_rng(seed)
    prob = rng.uniform(0.02, 0.6, n)
    size = 1 + rng.negative_binomial(rng.uniform(0.5, 3.0, n)[:, None], 0.4, (n, t))
    y = np.where(rng.random((n, t)) < prob[:, None], size, 0).astype(np.float64)
    start = np.where(rng.random(n) < 0.1, rng.integers(0, t // 2, n), 0)
    y[np.arange(t)[None, :] < start[:, None]] = np.nan
    return SeriesPanel(y=y, start=start)


def long_frame(panel: SeriesPanel, count: int) -> pd.DataFrame:
    y = panel.y[:count]
    t = y.shape[1]
    keep = np.arange(t)[None, :] >= panel.start[:count, None]
    rows, cols = np.nonzero(keep)
    dates = pd.date_range("2020-01-01", periods=t, freq="D")
    return pd.DataFrame({"unique_id": rows, "ds": dates[cols], "y": y[rows, cols]})


def cpu(fn: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.process_time()
        out = fn()
        best = min(best, time.process_time() - start)
    return best, out


def peak_mb(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=30_000)
    parser.add_argument("--length", type=int, default=1_000)
    parser.add_argument("--peer", type=int, default=3_000, help="series given to statsforecast")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best kept)")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    args = parser.parse_args()
    n, t, n_peer = args.series, args.length, min(args.peer, args.series)
    panel = make_panel(n, t)
    density = float(np.nanmean(panel.y > 0))
    print(
        f"{n:,} series x {t:,} days, {density:.1%} of observed days with demand; peer on {n_peer:,}"
    )
    frame = long_frame(panel, n_peer)

    ours: dict[str, Callable[[], object]] = {
        "Croston(alpha=None)": lambda: oc.Croston(alpha=None).fit_predict(panel, HORIZON),
        "SBA()": lambda: oc.SBA().fit_predict(panel, HORIZON),
        "TSB(0.1, 0.1)": lambda: oc.TSB(alpha_d=0.1, alpha_p=0.1).fit_predict(panel, HORIZON),
        "TSB() optimised": lambda: oc.TSB().fit_predict(panel, HORIZON),
        "CountModel()": lambda: oc.CountModel().fit_predict(panel, HORIZON),
    }
    peers = {
        "Croston(alpha=None)": ("CrostonOptimized", CrostonOptimized()),
        "SBA()": ("CrostonSBA", CrostonSBA()),
        "TSB(0.1, 0.1)": ("TSB(0.1, 0.1)", TSB(alpha_d=0.1, alpha_p=0.1)),
        "TSB() optimised": ("TSB(0.1, 0.1)", TSB(alpha_d=0.1, alpha_p=0.1)),
        "CountModel()": ("SESOptimized", SimpleExponentialSmoothingOptimized()),
    }
    peer_cost: dict[str, float] = {}
    for label, model in {v[0]: v[1] for v in peers.values()}.items():
        sf = StatsForecast(models=[model], freq="D", n_jobs=1)
        took, _ = cpu(lambda sf=sf: sf.forecast(df=frame, h=HORIZON), args.repeat)
        peer_cost[label] = took / n_peer
    levels = np.array([0.05, 0.5, 0.95])
    print(
        f"{'ours':22s} {'us/series':>10s} {'+quantiles':>11s} {'peer':>18s} {'us/series':>10s}"
        f" {'ratio':>7s} {'peak MB':>8s}"
    )
    for label, run in ours.items():
        took, fit = cpu(run, args.repeat)
        q_took, _ = cpu(lambda fit=fit: fit.quantiles(levels))  # type: ignore[attr-defined]
        peer_label, _ = peers[label]
        mine = took / n
        mem = float("nan") if args.no_memory else peak_mb(run)
        print(
            f"{label:22s} {mine * 1e6:10.1f} {q_took / n * 1e6:11.1f} {peer_label:>18s} "
            f"{peer_cost[peer_label] * 1e6:10.1f} {peer_cost[peer_label] / mine:7.2f} {mem:8.0f}"
        )


if __name__ == "__main__":
    main()
