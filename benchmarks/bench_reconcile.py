"""Benchmark MinTrace(mint_shrink) reconciliation against hierarchicalforecast.

Usage (in a venv with hierarchicalforecast and omnichannel, e.g. /work/fc-venv)::

    python benchmarks/bench_reconcile.py --size compare  # 4 x 50 x 20 = 4,000 bottom, vs peer
    python benchmarks/bench_reconcile.py --size large    # 4 x 50 x 150 = 30,000 bottom, ours
    python benchmarks/bench_reconcile.py                 # both
    python benchmarks/bench_reconcile.py --size nonnegative --columns 2  # QP vs peer (slow peer)

Both instances are grouped (crossed) hierarchies with all 8 aggregations of channel x store x SKU
(5,355 and 38,505 nodes), 150 residual dates and a 14-step horizon. Residuals are coherent
bottom-level shocks plus independent node noise; base forecasts are the coherent truth plus
noise, so they are far from coherent. The peer is ``hierarchicalforecast.methods.MinTrace(
method="mint_shrink")`` called on the same arrays (dense ``S``; ``y_insample - y_hat_insample``
equal to our residuals). Times include the covariance estimate and the solve. Peak memory:
tracemalloc peak of the call (numpy allocations) and the process peak RSS after it.

``--size nonnegative`` reconciles with ``nonnegative=True`` at 4,000 bottom series, on base
forecasts with small bottom values and aggregates 20% below their bottom sums (so about 550 of
the 4,000 bottom values hit zero per column); the peer solves each column's dense QP with
Clarabel (and rounds to float32), so keep ``--columns`` small.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import time
import tracemalloc
import warnings
from typing import Any

import numpy as np
import pandas as pd

import omnichannel as oc

T_RES = 150
HORIZON = 14


def instance(
    n_channel: int, n_store: int, n_sku: int, seed: int = 0
) -> tuple[oc.Hierarchy, np.ndarray, np.ndarray]:
    keys = pd.DataFrame(
        list(itertools.product(range(n_channel), range(n_store), range(n_sku))),
        columns=["channel", "location", "product"],
    ).astype(str)
    h = oc.Hierarchy.from_frame(keys, levels="grouped")
    rng = np.random.default_rng(seed)
    scale = rng.lognormal(0.0, 0.5, h.n_bottom)
    shocks = h.S @ (scale[:, None] * rng.normal(size=(h.n_bottom, T_RES)))
    noise = rng.normal(size=(h.n_nodes, T_RES)) * np.sqrt(np.diff(h.S.indptr))[:, None]
    residuals = shocks + noise
    truth = h.S @ (scale[:, None] * rng.uniform(5.0, 15.0, (h.n_bottom, HORIZON)))
    base = truth + rng.normal(size=(h.n_nodes, HORIZON)) * np.sqrt(np.diff(h.S.indptr))[:, None]
    return h, base, residuals


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours(h: oc.Hierarchy, base: np.ndarray, residuals: np.ndarray) -> tuple[float, float, Any]:
    tracemalloc.start()
    start = time.perf_counter()
    bottom = oc.MinTrace("mint_shrink")._reconcile(base, h, residuals=residuals)
    took = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return took, peak / 2**20, h.S @ bottom


def peer(h: oc.Hierarchy, base: np.ndarray, residuals: np.ndarray) -> tuple[float, np.ndarray]:
    from hierarchicalforecast.methods import MinTrace

    s = h.S.toarray()
    start = time.perf_counter()
    out = MinTrace(method="mint_shrink").fit_predict(
        S=s, y_hat=base, y_insample=residuals, y_hat_insample=np.zeros_like(residuals)
    )["mean"]
    return time.perf_counter() - start, np.asarray(out)


def compare() -> None:
    h, base, residuals = instance(4, 50, 20)
    print(f"compare: {h.n_bottom:,} bottom series, {h.n_nodes:,} nodes, T={T_RES}, h={HORIZON}")
    ours(h, base[:, :1], residuals)  # warm up imports and caches
    took, peak, mine = ours(h, base, residuals)
    rss_ours = peak_rss_mb()
    print(
        f"  ours   {took:8.3f} s  tracemalloc peak {peak:8.1f} MB  process peak RSS "
        f"{rss_ours:8.1f} MB"
    )
    t_peer, theirs = peer(h, base, residuals)
    print(
        f"  peer   {t_peer:8.3f} s  process peak RSS {peak_rss_mb():8.1f} MB "
        "(hierarchicalforecast MinTrace mint_shrink)"
    )
    diff = np.abs(mine - theirs).max() / np.abs(theirs).max()
    print(f"  ratio  {t_peer / took:8.1f}x faster; max |ours - peer| / max |peer| = {diff:.1e}")


def large() -> None:
    start = time.perf_counter()
    h, base, residuals = instance(4, 50, 150)
    print(
        f"large: {h.n_bottom:,} bottom series, {h.n_nodes:,} nodes, T={T_RES}, h={HORIZON} "
        f"(instance built in {time.perf_counter() - start:.1f} s)"
    )
    took, peak, values = ours(h, base, residuals)
    print(
        f"  ours   {took:8.3f} s  tracemalloc peak {peak:8.1f} MB  process peak RSS "
        f"{peak_rss_mb():8.1f} MB (target < 60 s, < 4 GB)"
    )
    assert np.isfinite(values).all()


def nonnegative(columns: int) -> None:
    from hierarchicalforecast.methods import MinTrace

    h, base, residuals = instance(4, 50, 20)
    rng = np.random.default_rng(1)
    low = base[:, :columns].copy()
    low[h.n_aggregated :] = rng.exponential(0.5, (h.n_bottom, columns))
    low[: h.n_aggregated] = (h.aggregated_matrix() @ low[h.n_aggregated :]) * 0.8
    free = oc.MinTrace("mint_shrink")._reconcile(low, h, residuals=residuals)
    print(
        f"nonnegative: {h.n_bottom:,} bottom series, {columns} columns; unconstrained MinT has "
        f"{(free < 0).sum(axis=0).tolist()} negative bottom values"
    )
    start = time.perf_counter()
    mine = h.S @ oc.MinTrace("mint_shrink", nonnegative=True)._reconcile(
        low, h, residuals=residuals
    )
    took = time.perf_counter() - start
    print(f"  ours   {took:8.3f} s  process peak RSS {peak_rss_mb():8.1f} MB")
    start = time.perf_counter()
    theirs = MinTrace(method="mint_shrink", nonnegative=True).fit_predict(
        S=h.S.toarray(), y_hat=low, y_insample=residuals, y_hat_insample=np.zeros_like(residuals)
    )["mean"]
    t_peer = time.perf_counter() - start
    print(f"  peer   {t_peer:8.3f} s  process peak RSS {peak_rss_mb():8.1f} MB")
    diff = np.abs(mine - theirs).max() / np.abs(theirs).max()
    print(f"  ratio  {t_peer / took:8.1f}x faster; max |ours - peer| / max |peer| = {diff:.1e}")


def main() -> None:
    warnings.simplefilter("ignore")  # qpsolvers' notes on matrix formats (peer, nonnegative)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=["compare", "large", "nonnegative"], default=None)
    parser.add_argument("--columns", type=int, default=2, help="columns in --size nonnegative")
    args = parser.parse_args()
    if args.size == "nonnegative":
        nonnegative(args.columns)
        return
    if args.size in (None, "large"):
        large()
    if args.size in (None, "compare"):
        compare()


if __name__ == "__main__":
    main()
