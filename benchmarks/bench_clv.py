"""Customer lifetime value: fit speed against lifetimes on CDNOW, and ten million customers.

Run: python benchmarks/bench_clv.py [--customers 10_000_000] [--repeat 7] [--save]

Part 1 fits BG/NBD, Gamma-Gamma and Pareto/NBD on the CDNOW sample (2,357 customers, from
``tests/data``) with this package and, in the same process, with ``lifetimes`` when it can be
imported, and prints the median fit time of each, their ratio and the estimates. ``lifetimes``
is not a dependency: install it in a separate environment, with a setuptools that still ships
``pkg_resources``::

    python -m venv /tmp/bench-venv
    /tmp/bench-venv/bin/pip install lifetimes "setuptools<81" matplotlib
    /tmp/bench-venv/bin/pip install -e .
    /tmp/bench-venv/bin/python benchmarks/bench_clv.py

Part 2 draws an orders frame for ``--customers`` customers from known BG/NBD and Gamma-Gamma
parameters (about three orders each, sorted by time as real order logs are), then times
``summarize_customers`` on it and ``BetaGeo().fit`` on the summary. Seconds come from a plain
run; peak memory from a second run under tracemalloc (numpy and pandas report their buffers to
it), counting what the two steps allocate on top of the orders frame. The process's peak resident
memory is printed too. ``--save`` writes the numbers to ``benchmarks/reference/bench_clv.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import omnichannel as oc
from omnichannel._customers._sample import sample_bgnbd_orders

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
REFERENCE = Path(__file__).resolve().parent / "reference" / "bench_clv.json"


def median_seconds(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    result = func()  # warm-up: imports, caches
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def load_lifetimes() -> Any:
    try:
        import lifetimes
    except Exception as err:  # ImportError, or pkg_resources missing on new setuptools
        print(f"lifetimes is not importable here ({type(err).__name__}: {err}); skipping it.")
        print("See the docstring of this script for a separate environment that has it.\n")
        return None
    return lifetimes


def cdnow(repeat: int) -> dict[str, Any]:
    summary = pd.read_csv(DATA / "cdnow_customers_summary.csv", index_col="ID")
    spend = pd.read_csv(DATA / "cdnow_customers_summary_with_transactions.csv", index_col="ID")
    spend = spend.rename(columns={"x": "frequency", "zbar": "monetary_value"})
    repeaters = spend[spend["frequency"] > 0]
    lifetimes = load_lifetimes()
    rows: dict[str, Any] = {}
    models: list[tuple[str, Callable[[], Any], Callable[[], Any] | None]] = [
        (
            "BG/NBD",
            lambda: oc.BetaGeo().fit(summary),
            (
                lambda: lifetimes.BetaGeoFitter().fit(
                    summary["frequency"], summary["recency"], summary["T"]
                )
            )
            if lifetimes
            else None,
        ),
        (
            "Gamma-Gamma",
            lambda: oc.GammaGamma().fit(spend),
            (
                lambda: lifetimes.GammaGammaFitter().fit(
                    repeaters["frequency"], repeaters["monetary_value"]
                )
            )
            if lifetimes
            else None,
        ),
        (
            "Pareto/NBD",
            lambda: oc.ParetoNBD().fit(summary),
            (
                lambda: lifetimes.ParetoNBDFitter().fit(
                    summary["frequency"], summary["recency"], summary["T"]
                )
            )
            if lifetimes
            else None,
        ),
    ]
    print(f"CDNOW sample: {len(summary):,} customers, median of {repeat} fits after a warm-up")
    header = f"{'model':<12} {'ours (s)':>9} {'lifetimes (s)':>14} {'speed-up':>9}  estimates"
    print(header)
    print("-" * len(header))
    for name, ours, theirs in models:
        seconds, fitted = median_seconds(ours, repeat)
        estimates = {k: round(float(v), 4) for k, v in fitted.params_.items()}
        row: dict[str, Any] = {
            "ours_seconds": seconds,
            "ours": estimates,
            "ours_log_likelihood": round(fitted.log_likelihood_, 2),
        }
        line = f"{name:<12} {seconds:>9.4f}"
        if theirs is not None:
            their_seconds, their_fit = median_seconds(theirs, repeat)
            their_estimates = {k: round(float(v), 4) for k, v in their_fit.params_.items()}
            row.update(
                lifetimes_seconds=their_seconds,
                lifetimes=their_estimates,
                speedup=their_seconds / seconds,
            )
            line += f" {their_seconds:>14.4f} {their_seconds / seconds:>8.1f}x"
            line += f"  ours {estimates}  lifetimes {their_estimates}"
        else:
            line += f" {'-':>14} {'-':>9}  ours {estimates}"
        print(line)
        rows[name] = row
    print()
    return rows


def large(n_customers: int) -> dict[str, Any]:
    print(f"Simulating orders of {n_customers:,} customers (BG/NBD and Gamma-Gamma, per day) ...")
    t0 = time.perf_counter()
    orders = sample_bgnbd_orders(n_customers, seed=1).sort_values("timestamp", ignore_index=True)
    end = "2024-12-30"
    print(
        f"  {len(orders):,} orders ({orders.memory_usage(deep=True).sum() / 1e9:.2f} GB) "
        f"in {time.perf_counter() - t0:.1f} s (not timed below)"
    )

    def summarise() -> pd.DataFrame:
        return oc.summarize_customers(orders, observation_end=end, time_unit="W")

    t0 = time.perf_counter()
    summary = summarise()
    t_summary = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = oc.BetaGeo().fit(summary)
    t_fit = time.perf_counter() - t0
    del summary

    tracemalloc.start()
    summary = summarise()
    _, peak_summary = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    oc.BetaGeo().fit(summary)
    _, peak_both = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (
        1 if sys.platform == "darwin" else 1024
    )
    truth = {"r": 0.25, "alpha": 30.0 / 7, "a": 0.8, "b": 2.5}
    estimates = {k: round(float(v), 4) for k, v in model.params_.items()}
    shown = {k: round(v, 4) for k, v in truth.items()}
    print(f"  summarize_customers: {t_summary:6.1f} s   peak {peak_summary / 1e9:.2f} GB")
    print(
        f"  BetaGeo().fit:       {t_fit:6.1f} s   peak {peak_both / 1e9:.2f} GB "
        f"({model.n_unique_:,} distinct (frequency, recency, T) rows)"
    )
    print(f"  total:               {t_summary + t_fit:6.1f} s")
    print(f"  process peak resident memory (includes the simulation): {rss / 1e9:.2f} GB")
    print(f"  estimates {estimates}  (simulated with {shown})")
    return {
        "customers": n_customers,
        "orders": len(orders),
        "summarize_seconds": t_summary,
        "fit_seconds": t_fit,
        "total_seconds": t_summary + t_fit,
        "peak_gb_summarize": peak_summary / 1e9,
        "peak_gb_fit": peak_both / 1e9,
        "process_peak_rss_gb": rss / 1e9,
        "distinct_rows": model.n_unique_,
        "estimates": estimates,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--save", action="store_true", help=f"write {REFERENCE.name}")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"{DATA} is missing; run from a checkout of the repository.")
    results = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "omnichannel": oc.__version__,
        "cdnow": cdnow(args.repeat),
        "large": large(args.customers) if args.customers > 0 else None,
    }
    if args.save:
        REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        REFERENCE.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {REFERENCE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
