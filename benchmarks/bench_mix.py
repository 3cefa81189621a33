"""Benchmark ``fit_mix_model`` against PyMC-Marketing's Bayesian MMM on the same data.

Usage::

    python benchmarks/bench_mix.py                                  # ours only
    python benchmarks/bench_mix.py --peer-python /work/pymc-venv/bin/python [--draws 500]

Data: 156 weeks x 5 channels simulated from the model itself (geometric adstock, l_max 8,
normalised; logistic saturation of spend divided by its max; one tv:search interaction; linear
trend, yearly seasonality, noise). Ours: ``fit_mix_model`` with pairwise interactions (10 pairs)
and 200 moving-block residual bootstrap replicates that re-estimate everything (the target is
under 30 s on 2 cores), the same without interactions, and a point fit. The peer is
PyMC-Marketing's ``MMM`` (GeometricAdstock + LogisticSaturation, yearly seasonality 2, trend as
a control, NUTS): a different inference (full posterior by MCMC, no interaction terms), so the
ratio compares the cost of getting intervals, not the same computation. PyMC-Marketing lives in
its own venv: this script runs it there as a subprocess on the same CSV (``--worker``) and reads
back its timing and posterior means.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

CHANNELS = ["tv", "search", "social", "display", "email"]
ALPHA = [0.6, 0.2, 0.4, 0.3, 0.1]
LAM = [3.0, 4.0, 2.0, 5.0, 3.0]
BETA = [300.0, 200.0, 150.0, 100.0, 80.0]
SYNERGY = 120.0  # tv:search


def make_data(n_weeks: int = 156, seed: int = 0) -> pd.DataFrame:
    import omnichannel as oc

    rng = np.random.default_rng(seed)
    k = len(CHANNELS)
    spend = rng.gamma(2.0, 1000.0, size=(n_weeks, k)) * (rng.random((n_weeks, k)) < 0.85)
    x = spend / spend.max(axis=0)
    s = np.column_stack(
        [
            oc.Logistic(lam=LAM[c]).transform(
                oc.Geometric(alpha=ALPHA[c], l_max=8, normalize=True).transform(x[:, c])
            )
            for c in range(k)
        ]
    )
    dates = pd.date_range("2021-01-03", periods=n_weeks, freq="7D")
    week = np.arange(n_weeks, dtype=float)
    doy = dates.day_of_year.to_numpy()
    y = (
        1000.0
        + 0.5 * week
        + 50.0 * np.sin(2 * np.pi * doy / 365.25)
        + s @ np.array(BETA)
        + SYNERGY * s[:, 0] * s[:, 1]
        + rng.normal(0.0, 15.0, n_weeks)
    )
    return pd.DataFrame(spend, columns=CHANNELS).assign(date=dates, t=week, sales=y)


def ours(
    frame: pd.DataFrame, interactions: str | None, n_boot: int
) -> tuple[float, float, float, object]:
    import omnichannel as oc

    tracemalloc.start()
    start = time.perf_counter()
    cpu = time.process_time()
    model = oc.fit_mix_model(
        frame,
        kpi="sales",
        media=CHANNELS,
        adstock=oc.Geometric(l_max=8, normalize=True),
        saturation=oc.Logistic(),
        interactions=interactions,
        n_boot=n_boot,
        seed=1,
    )
    took = time.perf_counter() - start
    cpu = time.process_time() - cpu
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return took, cpu, peak / 2**20, model


def worker(path: str, draws: int, tune: int, chains: int) -> None:
    """Runs inside the PyMC-Marketing venv; prints one JSON line."""
    import warnings

    warnings.filterwarnings("ignore")
    from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation

    frame = pd.read_csv(path, parse_dates=["date"])
    start = time.perf_counter()
    cpu = time.process_time()
    mmm = MMM(
        date_column="date",
        channel_columns=CHANNELS,
        control_columns=["t"],
        adstock=GeometricAdstock(l_max=8),
        saturation=LogisticSaturation(),
        yearly_seasonality=2,
    )
    mmm.fit(
        frame[["date", *CHANNELS, "t"]],
        frame["sales"],
        chains=chains,
        draws=draws,
        tune=tune,
        cores=2,
        random_seed=1,
        progressbar=False,
    )
    took = time.perf_counter() - start
    cpu = time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    post = mmm.idata.posterior
    summary = {
        "seconds": took,
        # NUTS runs the chains in worker processes: count their CPU time too.
        "cpu_seconds": cpu + children.ru_utime + children.ru_stime,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "alpha": post["adstock_alpha"].mean(("chain", "draw")).to_numpy().tolist(),
        "lam": post["saturation_lam"].mean(("chain", "draw")).to_numpy().tolist(),
        # PyMC-Marketing scales the target by its max; beta here is on the KPI's own scale.
        "beta": (post["saturation_beta"].mean(("chain", "draw")).to_numpy() * frame["sales"].max())
        .ravel()
        .tolist(),
        "divergences": int(mmm.idata.sample_stats["diverging"].sum()),
    }
    print("PEER-JSON " + json.dumps(summary))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--peer-python", default=None, help="python of a venv with pymc-marketing")
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--n-boot", type=int, default=200)
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.draws, args.tune, args.chains)
        return
    frame = make_data()
    print(f"data: {len(frame)} weeks x {len(CHANNELS)} channels, true tv:search {SYNERGY}")
    ours(frame, None, 0)  # warm up imports
    print(f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    rows = []
    for label, pairs, n_boot in (
        (f"pairwise, n_boot={args.n_boot}", "pairwise", args.n_boot),
        (f"no interactions, n_boot={args.n_boot}", None, args.n_boot),
        ("pairwise, point fit", "pairwise", 0),
    ):
        took, cpu, peak, model = ours(frame, pairs, n_boot)
        rows.append((label, took, cpu, model))
        print(
            f"  ours {label:32s} {took:7.2f} s wall, {cpu:7.2f} s cpu, peak traced {peak:5.1f} MB"
        )
    _, pair_time, pair_cpu, pair_model = rows[0]
    _, main_time, main_cpu, _ = rows[1]
    table = pair_model.transform_params().pivot(
        index="channel", columns="parameter", values="estimate"
    )
    coef = pair_model.coefficients().set_index("term")
    print(
        "  ours (pairwise) alpha:", table.loc[CHANNELS, "alpha"].round(3).tolist(), "truth", ALPHA
    )
    print("  ours (pairwise) lam:  ", table.loc[CHANNELS, "lam"].round(2).tolist(), "truth", LAM)
    print(
        "  ours (pairwise) beta: ", coef.loc[CHANNELS, "estimate"].round(1).tolist(), "truth", BETA
    )
    row = coef.loc["tv:search"]
    print(
        f"  ours tv:search {row['estimate']:.1f} [{row['lower']:.1f}, {row['upper']:.1f}] "
        f"p={row['p_value']:.2g} (truth {SYNERGY})"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of this process {rss:.0f} MB")
    if not args.peer_python:
        print("peer: skipped (give --peer-python)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mix.csv"
        frame.to_csv(path, index=False)
        command = [
            args.peer_python,
            __file__,
            "--worker",
            str(path),
            "--draws",
            str(args.draws),
            "--tune",
            str(args.tune),
            "--chains",
            str(args.chains),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [x for x in done.stdout.splitlines() if x.startswith("PEER-JSON ")]
    if done.returncode or not lines:
        print("peer failed:\n" + done.stderr[-2000:])
        sys.exit(1)
    peer = json.loads(lines[0][len("PEER-JSON ") :])
    print(
        f"  pymc-marketing MMM NUTS {args.chains} chains x ({args.tune} tune + "
        f"{args.draws} draws): {peer['seconds']:.1f} s wall, {peer['cpu_seconds']:.1f} s cpu, "
        f"peak RSS {peer['peak_mb']:.0f} MB, {peer['divergences']} divergences"
    )
    print("  pymc alpha:", np.round(peer["alpha"], 3).tolist())
    print("  pymc lam:  ", np.round(peer["lam"], 2).tolist())
    print("  pymc beta: ", np.round(peer["beta"], 1).tolist())
    print(
        f"  wall ratio pymc / ours: {peer['seconds'] / pair_time:.1f}x (ours pairwise, 200 boot), "
        f"{peer['seconds'] / main_time:.1f}x (ours without interactions, same model as pymc)"
    )
    print(
        f"  cpu ratio pymc / ours: {peer['cpu_seconds'] / pair_cpu:.1f}x (pairwise), "
        f"{peer['cpu_seconds'] / main_cpu:.1f}x (without interactions)"
    )


if __name__ == "__main__":
    main()
