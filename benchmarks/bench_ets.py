"""Benchmark ``ETS(season_length=7)`` on a large retail-like daily panel against statsforecast.

Usage::

    python benchmarks/bench_ets.py                        # 30,000 series x 1,000 days, 300 peer
    python benchmarks/bench_ets.py --series 2000 --subset 100          # a quick run
    python benchmarks/bench_ets.py --series 30000 --subset 500 --progress
    python benchmarks/bench_ets.py --series 5000 --no-peer --tracemalloc  # memory of the fit

The panel: daily series of 1,000 training days plus a 28-day hold-out, negative-binomial counts
around a mean with a weekly profile, a yearly wave, a slow random-walk level, a growth rate and
promotion bumps (3-7 days, x1.3-2.5, about every 60 days); 40% are intermittent (mean below
one, many zeros); 10% start late (new products, leading NaN).

Ours fits every series (``process_time`` of the whole ``fit_predict``, per series); the peer,
``statsforecast.models.AutoETS(season_length=7)``, fits a random subset one series at a time
after a warm-up fit (numba compilation excluded). The CPU ratio is the peer's time per series
over ours. Accuracy: mean MASE over the subset on the 28-day hold-out, scaled by the in-sample
mean absolute weekly difference (series whose scale is 0 are skipped). Needs statsforecast in
the running environment for the comparison (skipped otherwise).
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np

import omnichannel as oc
from omnichannel._forecast._base import SeriesPanel

HORIZON = 28
TRAIN = 1000
SEASON = 7


def retail_panel(
    n: int, length: int, seed: int = 0, intermittent: float = 0.4, late: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """Counts ``(n, length)`` and start indices ``(n,)`` of a synthetic retail panel.

    Built in blocks of 2,000 series so that the generator's temporaries stay small and the
    process' peak memory reflects the fit, not the data generation.
    """
    rng = np.random.default_rng(seed)
    y = np.empty((n, length))
    for lo in range(0, n, 2000):
        y[lo : lo + 2000] = _block(rng, min(2000, n - lo), length, intermittent)
    start = np.where(rng.random(n) < late, rng.integers(0, TRAIN - 300, n), 0).astype(np.intp)
    return y, start


def _block(rng: np.random.Generator, n: int, length: int, intermittent: float) -> np.ndarray:
    t = np.arange(length)
    sparse = rng.random(n) < intermittent
    level = np.where(
        sparse, rng.lognormal(np.log(0.4), 0.6, n), rng.lognormal(np.log(20.0), 1.0, n)
    )
    profile = rng.normal(0.0, 1.0, (n, SEASON))
    profile[:, 5:] += 1.0  # weekend peak
    amp = rng.uniform(0.05, 0.4, n)
    week = np.exp(amp[:, None] * profile / profile.std(axis=1, keepdims=True))
    week /= week.mean(axis=1, keepdims=True)
    growth = rng.normal(0.0, 0.0006, n)
    phase = rng.uniform(0.0, 365.0, n)
    year = 1.0 + rng.uniform(0.0, 0.2, n)[:, None] * np.sin(
        2 * np.pi * (t[None, :] + phase[:, None]) / 365.25
    )
    drift = np.exp(np.cumsum(rng.normal(0.0, 0.01, (n, length)), axis=1))
    promo = np.ones((n, length))
    n_promo = rng.poisson(length / 60, n)
    for k in range(int(n_promo.max(initial=0))):  # one promotion slot at a time, all series
        on = k < n_promo
        first = rng.integers(0, length, n)
        days = rng.integers(3, 8, n)
        uplift = rng.uniform(1.3, 2.5, n)
        hit = on[:, None] & (t[None, :] >= first[:, None]) & (t[None, :] < (first + days)[:, None])
        promo = np.where(hit, promo * uplift[:, None], promo)
    mean = level[:, None] * week[:, t % SEASON] * np.exp(growth[:, None] * t) * year * drift
    mean *= promo
    size = 5.0
    return rng.negative_binomial(size, size / (size + mean)).astype(np.float64)


def mase(actual: np.ndarray, forecast: np.ndarray, history: np.ndarray) -> float:
    """MASE with the in-sample mean absolute weekly difference as scale (nan if it is 0)."""
    scale = np.mean(np.abs(history[SEASON:] - history[:-SEASON]))
    if not scale > 0:
        return float("nan")
    return float(np.mean(np.abs(actual - forecast)) / scale)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_peer(y: np.ndarray, start: np.ndarray, rows: np.ndarray) -> tuple[float, np.ndarray]:
    from statsforecast.models import AutoETS

    AutoETS(season_length=SEASON).fit(y[rows[0], start[rows[0]] : TRAIN])  # numba warm-up
    out = np.empty((rows.size, HORIZON))
    t0 = time.process_time()
    for i, row in enumerate(rows):  # the peer fits one series at a time
        model = AutoETS(season_length=SEASON).fit(y[row, start[row] : TRAIN])
        out[i] = model.predict(HORIZON)["mean"]
    return time.process_time() - t0, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=30_000)
    parser.add_argument("--subset", type=int, default=300, help="series also fitted by the peer")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--progress", action="store_true")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument(
        "--bounds",
        nargs="+",
        default=["admissible"],
        choices=["usual", "admissible"],
        help="parameter regions to fit (each one a separate fit of the whole panel)",
    )
    parser.add_argument("--n-starts", type=int, default=None)
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace the fit's allocations (slower)"
    )
    args = parser.parse_args()

    t0 = time.perf_counter()
    y, start = retail_panel(args.series, TRAIN + HORIZON, seed=args.seed)
    history = y[:, :TRAIN].copy()
    history[np.arange(TRAIN)[None, :] < start[:, None]] = np.nan
    panel = SeriesPanel(y=history, start=start)
    zero_share = float(np.mean(np.nan_to_num(history) == 0))
    print(
        f"panel: {args.series:,} series x {TRAIN} days (+{HORIZON} hold-out), "
        f"{np.mean(start > 0):.0%} start late, {zero_share:.0%} zeros; built in "
        f"{time.perf_counter() - t0:.1f} s; RSS {peak_mb():,.0f} MB"
    )

    fits = {}
    for bounds in args.bounds:
        rss_before = peak_mb()
        if args.tracemalloc:
            tracemalloc.start()
        model = oc.ETS(season_length=SEASON, bounds=bounds, n_starts=args.n_starts)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        fit = model.fit_predict(panel, HORIZON, progress=args.progress)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        traced = ""
        if args.tracemalloc:
            traced = f", tracemalloc peak {tracemalloc.get_traced_memory()[1] / 2**20:,.0f} MB"
            tracemalloc.stop()
        fits[bounds] = (fit, cpu / args.series)
        print(
            f"ours: ETS(season_length=7, bounds={bounds!r}, n_starts={args.n_starts}) CPU "
            f"{cpu:,.1f} s ({cpu / args.series * 1e3:.2f} ms per series), wall {wall:,.1f} s; "
            f"peak RSS {peak_mb():,.0f} MB (was {rss_before:,.0f} MB before the fit){traced}"
        )
        counts = fit.params()["model"].value_counts()
        print("  selected: " + ", ".join(f"{name} {count:,}" for name, count in counts.items()))
        print(f"  converged: {fit.converged.mean():.1%}")

    if args.no_peer or args.subset <= 0:
        return
    try:
        import statsforecast  # noqa: F401
    except ImportError:
        print("peer: statsforecast is not installed; comparison skipped")
        return
    rng = np.random.default_rng(args.seed + 1)
    rows = np.sort(rng.choice(args.series, size=min(args.subset, args.series), replace=False))
    peer_cpu, peer_mean = run_peer(y, start, rows)
    peer_per = peer_cpu / rows.size
    print(
        f"peer: statsforecast AutoETS(season_length=7) on {rows.size} series: CPU "
        f"{peer_cpu:,.1f} s ({peer_per * 1e3:.1f} ms per series)"
    )
    for bounds, (fit, ours_per) in fits.items():
        ours_mase, peer_mase = [], []
        for i, row in enumerate(rows):
            hist = y[row, start[row] : TRAIN]
            actual = y[row, TRAIN:]
            ours_mase.append(mase(actual, fit.mean[row], hist))
            peer_mase.append(mase(actual, peer_mean[i], hist))
        a, b = np.array(ours_mase), np.array(peer_mase)
        ok = np.isfinite(a) & np.isfinite(b)
        print(
            f"bounds={bounds!r}: CPU time per series peer / ours = {peer_per / ours_per:.1f}x "
            f"(target >= 10x); MASE (h={HORIZON}, {ok.sum()} series): ours {a[ok].mean():.4f}, "
            f"peer {b[ok].mean():.4f}, ratio {a[ok].mean() / b[ok].mean():.4f} (target <= 1.02); "
            f"median ours {np.median(a[ok]):.4f}, peer {np.median(b[ok]):.4f}"
        )
    print(f"peak RSS {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
