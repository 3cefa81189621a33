"""Attribution on large synthetic journeys: touches per second, peak memory, peer side by side.

Run: python benchmarks/bench_attribution.py --journeys 10_000_000 --peer-journeys 1_000_000

Journeys are generated (seeded, vectorised): 12 channels, 1 + Poisson(3) touches per journey (about
4, so 10 million journeys have about 40 million touches), a quarter of the touches repeating the
previous channel, and about 3% of the journeys converting with a probability that depends on the
channels touched. The store is built directly with the ``Journeys`` constructor from the code and
offset arrays; building it from touchpoint and conversion frames with ``build_journeys`` is timed
separately (``--frame-journeys``, one customer per journey, rows shuffled).

Each step is timed on a plain run; its peak memory is measured on a second run under tracemalloc
(numpy and pandas report their buffers to it) and counts only what the step allocates on top of
its inputs. Attribution runs on the store of individual journeys (one path per journey).

The peer section generates ``--peer-journeys`` journeys, aggregates them into the path-string
frame ChannelAttribution takes (path, total_conversions, total_null, total_conversion_value) and
times, in the same process, ChannelAttribution's ``heuristic_models`` and ``markov_model`` against
ours twice: end to end from that frame (``Journeys.from_paths`` + ``attribute``) and from the store
already built from it (``attribute`` only), best of ``--peer-repeat`` runs each. Our Markov runs
with ``collapse_repeats=False``, the chain ChannelAttribution estimates (see
``compare_channelattribution.py``). Without ChannelAttribution the peer section is skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import time
import tracemalloc
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import scipy

import omnichannel as oc

CHANNELS = (
    "affiliate",
    "direct",
    "display",
    "email",
    "organic_search",
    "paid_search",
    "paid_social",
    "print",
    "push",
    "referral",
    "sms",
    "video",
)
CA_COLUMNS = {
    "conversions": "total_conversions",
    "nulls": "total_null",
    "value": "total_conversion_value",
}


def make_journeys(
    n_journeys: int,
    *,
    mean_length: float = 4.0,
    repeat: float = 0.25,
    conversion_rate: float = 0.03,
    seed: int = 0,
) -> oc.Journeys:
    """Synthetic individual journeys (one path per journey) as a store."""
    rng = np.random.default_rng(seed)
    k = len(CHANNELS)
    lengths = 1 + rng.poisson(mean_length - 1.0, n_journeys)
    offsets = np.zeros(n_journeys + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    n_touches = int(offsets[-1])
    popularity = rng.dirichlet(np.full(k, 2.0))
    codes = rng.choice(k, n_touches, p=popularity).astype(np.int8)
    # A touch repeats the previous channel of its journey with probability `repeat`.
    again = rng.random(n_touches) < repeat
    again[offsets[:-1]] = False
    source = np.where(again, 0, np.arange(n_touches))
    np.maximum.accumulate(source, out=source)
    codes = codes[source]
    # Conversion: logistic in the summed channel effects of the journey's touches.
    effect = rng.normal(0.0, 0.5, k)
    csum = np.zeros(n_touches + 1)
    np.cumsum(effect[codes], out=csum[1:])
    score = csum[offsets[1:]] - csum[offsets[:-1]]
    sample = score[: min(n_journeys, 200_000)]
    low, high = -30.0, 30.0
    for _ in range(60):  # intercept giving the target conversion rate
        mid = (low + high) / 2
        rate = np.mean(1.0 / (1.0 + np.exp(-(mid + sample))))
        low, high = (low, mid) if rate > conversion_rate else (mid, high)
    p = 1.0 / (1.0 + np.exp(-(low + score)))
    converted = (rng.random(n_journeys) < p).astype(np.float64)
    value = np.where(converted > 0, rng.gamma(2.0, 30.0, n_journeys), 0.0)
    return oc.Journeys(CHANNELS, codes, offsets, converted, 1.0 - converted, value)


def touch_frames(journeys: oc.Journeys, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Touchpoint and conversion frames whose journeys are ``journeys``: a customer per journey."""
    rng = np.random.default_rng(seed)
    n, m = journeys.n_paths, journeys.n_touches
    offsets, lengths = journeys.offsets, journeys.lengths
    start = np.datetime64("2024-01-01T00:00:00", "s").astype(np.int64)
    first = start + rng.integers(0, 365 * 86_400, n)
    gaps = rng.integers(1, 3 * 86_400, m)
    csum = np.cumsum(gaps)
    before = np.repeat(csum[offsets[:-1]] - gaps[offsets[:-1]], lengths)
    seconds = np.repeat(first, lengths) + (csum - before)
    converted = np.flatnonzero(journeys.conversions > 0)
    conv_seconds = seconds[offsets[1:][converted] - 1] + rng.integers(0, 86_400, converted.size)
    shuffle = rng.permutation(m)
    touchpoints = pd.DataFrame(
        {
            "customer_id": np.repeat(np.arange(n, dtype=np.int64), lengths)[shuffle],
            "timestamp": seconds[shuffle].astype("datetime64[s]").astype("datetime64[ns]"),
            "channel": pd.Categorical.from_codes(journeys.codes[shuffle], CHANNELS),
        }
    )
    conversions = pd.DataFrame(
        {
            "customer_id": converted.astype(np.int64),
            "timestamp": conv_seconds.astype("datetime64[s]").astype("datetime64[ns]"),
            "value": journeys.value[converted],
        }
    )
    return touchpoints, conversions


def measure(func: Callable[[], Any], *, memory: bool = True) -> tuple[Any, float, int]:
    """Seconds from a plain run, peak memory from a second run under tracemalloc."""
    t0 = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - t0
    peak = 0
    if memory:
        tracemalloc.start()
        func()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return result, seconds, peak


def timed(func: Callable[[], Any], repeat: int = 1) -> tuple[Any, float]:
    """Result and the best time of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - t0)
    return result, best


def load_peer() -> ModuleType | None:
    """ChannelAttribution, imported without its banner; None when it is not installed."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            import ChannelAttribution
    except ImportError:
        return None
    return ChannelAttribution


def print_rows(rows: list[tuple[str, int, float, int]], memory: bool) -> None:
    header = ("step", "touches", "seconds", "M touches/s", "peak MB", "B/touch")
    print(f"{header[0]:44s} " + " ".join(f"{h:>12s}" for h in header[1:]))
    for label, touches, seconds, peak in rows:
        if memory:
            mem = f"{peak / 1e6:12.0f} {peak / max(touches, 1):12.1f}"
        else:
            mem = f"{'-':>12s} {'-':>12s}"
        print(f"{label:44s} {touches:12,d} {seconds:12.2f} {touches / seconds / 1e6:12.2f} {mem}")


def bench_store(store: oc.Journeys, memory: bool) -> None:
    n = store.n_touches
    rows: list[tuple[str, int, float, int]] = []
    arrays = (store.codes, store.offsets, store.conversions, store.nulls, store.value)

    def construct() -> oc.Journeys:
        return oc.Journeys(store.channels, *arrays)

    _, sec, peak = measure(construct, memory=memory)
    rows.append(("Journeys(...) from code/offset arrays", n, sec, peak))
    agg, sec, peak = measure(store.aggregate, memory=memory)
    rows.append(("Journeys.aggregate", n, sec, peak))
    models: list[tuple[str, Any]] = [
        ("FirstTouch", oc.FirstTouch()),
        ("LastTouch", oc.LastTouch()),
        ("Linear", oc.Linear()),
        ("PositionBased", oc.PositionBased()),
        ("LastNonDirect(direct='direct')", oc.LastNonDirect(direct="direct")),
        ("Markov order 1", oc.Markov(order=1)),
        ("Markov order 3", oc.Markov(order=3)),
        ("Shapley exact", oc.Shapley(method="exact")),
        ("Shapley simplified", oc.Shapley(method="simplified")),
    ]
    for label, model in models:
        _, sec, peak = measure(lambda model=model: oc.attribute(store, model), memory=memory)
        rows.append((f"attribute {label}", n, sec, peak))
        print(f"  {label}: {sec:.2f} s", flush=True)
    store_bytes = sum(a.nbytes for a in arrays)
    print(
        f"\nstore arrays: {store_bytes / 1e6:,.0f} MB, {store_bytes / max(n, 1):.1f} bytes/touch "
        f"(codes {store.codes.dtype}); aggregated: {agg.n_paths:,} distinct paths"
    )
    print("Markov runs with collapse_repeats=True (default); Shapley exact uses the rate game")
    print("(the journeys include non-converting ones).\n")
    print_rows(rows, memory)


def bench_frames(store: oc.Journeys, n_journeys: int, memory: bool) -> None:
    part = store if n_journeys >= store.n_paths else store.take(np.arange(n_journeys))
    touchpoints, conversions = touch_frames(part)
    print(
        f"\nbuild_journeys from frames: {len(touchpoints):,} touchpoint rows (shuffled, int "
        f"customer ids, times in s) and {len(conversions):,} conversion rows for "
        f"{part.n_paths:,} journeys"
    )
    built, sec, peak = measure(lambda: oc.build_journeys(touchpoints, conversions), memory=memory)
    same = built.n_paths == part.n_paths and built.n_touches == part.n_touches
    ours = oc.attribute(part, oc.Linear()).value
    again = oc.attribute(built, oc.Linear()).value
    diff = float(np.max(np.abs(ours - again)) / max(float(np.max(np.abs(ours))), 1.0))
    print(
        f"rebuilt store: {built.n_paths:,} paths, {built.n_touches:,} touches; same sizes as the "
        f"generated store: {same}; Linear value credits max relative difference {diff:.1e}"
    )
    print_rows([("build_journeys (touchpoints + conversions)", part.n_touches, sec, peak)], memory)


def bench_peer(ca: ModuleType, n_journeys: int, orders: list[int], seed: int, repeat: int) -> None:
    individual = make_journeys(n_journeys, seed=seed + 1)
    paths = individual.aggregate().to_frame()
    frame = paths.rename(columns=CA_COLUMNS)[["path", *CA_COLUMNS.values()]]
    # ChannelAttribution reads counts as unsigned integers.
    frame = frame.astype({"total_conversions": np.int64, "total_null": np.int64})
    store = oc.Journeys.from_paths(frame)
    _, from_paths_sec = timed(lambda: oc.Journeys.from_paths(frame), repeat)
    print(
        f"\nSide by side with ChannelAttribution on {n_journeys:,} journeys given as "
        f"{len(frame):,} aggregated path strings ({store.n_touches:,} touches, "
        f"{store.total_conversions:,.0f} conversions); same process, best of {repeat} runs each."
    )
    print(
        "'from frame' = Journeys.from_paths(frame) + attribute; 'from store' = attribute on the "
        f"store already built from the frame. Journeys.from_paths alone: {from_paths_sec:.2f} s."
    )
    print("ratio = CA seconds / our seconds: above 1, ours is faster by that factor.")
    rows = []

    heuristics = (oc.FirstTouch(), oc.LastTouch(), oc.Linear())

    def ca_heuristics() -> pd.DataFrame:
        return ca.heuristic_models(
            frame, "path", "total_conversions", var_value="total_conversion_value", flg_pro=False
        )

    def ours_heuristics(source: oc.Journeys | None) -> list[oc.Attribution]:
        journeys = oc.Journeys.from_paths(frame) if source is None else source
        return [oc.attribute(journeys, m) for m in heuristics]

    peer, ca_sec = timed(ca_heuristics, repeat)
    _, frame_sec = timed(lambda: ours_heuristics(None), repeat)
    results, store_sec = timed(lambda: ours_heuristics(store), repeat)
    peer = peer.set_index("channel_name").reindex(list(store.channels))
    worst = 0.0
    for result, name in zip(results, ("first_touch", "last_touch", "linear_touch"), strict=True):
        for metric in ("conversions", "value"):
            theirs = peer[f"{name}_{metric}"].to_numpy(float)
            ours = getattr(result, metric)
            scale = np.maximum(np.maximum(np.abs(ours), np.abs(theirs)), 1.0)
            worst = max(worst, float(np.max(np.abs(ours - theirs) / scale)))
    rows.append(
        (
            "heuristic_models (first, last, linear)",
            ca_sec,
            frame_sec,
            store_sec,
            f"max rel diff {worst:.0e}",
        )
    )
    for order in orders:
        model = oc.Markov(order=order, collapse_repeats=False)

        def ca_markov(order: int = order) -> pd.DataFrame:
            return ca.markov_model(
                frame,
                "path",
                "total_conversions",
                var_value="total_conversion_value",
                var_null="total_null",
                order=order,
                seed=seed,
                verbose=False,
                flg_pro=False,
            )

        peer, ca_sec = timed(ca_markov, repeat)
        _, frame_sec = timed(
            lambda model=model: oc.attribute(oc.Journeys.from_paths(frame), model), repeat
        )
        result, store_sec = timed(lambda model=model: oc.attribute(store, model), repeat)
        theirs = (
            peer.set_index("channel_name")["total_conversions"]
            .reindex(list(store.channels))
            .fillna(0.0)
            .to_numpy(float)
        )
        l1 = float(np.sum(np.abs(result.conversions - theirs))) / store.total_conversions
        rows.append(
            (f"markov_model order {order}", ca_sec, frame_sec, store_sec, f"CA L1 err {l1:.1%}")
        )
    print(
        f"{'task':40s}{'CA s':>9s}{'ours frame s':>14s}{'ours store s':>14s}"
        f"{'ratio frame':>13s}{'ratio store':>13s}  agreement"
    )
    for task, ca_sec, frame_sec, store_sec, note in rows:
        print(
            f"{task:40s}{ca_sec:9.2f}{frame_sec:14.2f}{store_sec:14.2f}"
            f"{ca_sec / frame_sec:12.1f}x{ca_sec / store_sec:12.1f}x  {note}"
        )
    print(
        "agreement: heuristics must match exactly; for Markov, sum over channels of "
        "|ours - CA| / total conversions (CA simulates; its default conv_par is 5%)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--journeys", type=int, default=10_000_000)
    parser.add_argument(
        "--frame-journeys",
        type=int,
        default=None,
        help="journeys for build_journeys from frames (default: --journeys; 0 skips)",
    )
    parser.add_argument("--peer-journeys", type=int, default=1_000_000, help="0 skips the peer")
    parser.add_argument("--peer-orders", default="1,3", help="Markov orders for the peer")
    parser.add_argument("--peer-repeat", type=int, default=3, help="best of N runs (peer)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    args = parser.parse_args()
    memory = not args.no_memory

    print(
        f"numpy {np.__version__}, pandas {pd.__version__}, scipy {scipy.__version__}, "
        f"{os.cpu_count()} CPUs"
    )
    store, sec = timed(lambda: make_journeys(args.journeys, seed=args.seed))
    print(f"generated in {sec:.1f} s: {store!r}")
    bench_store(store, memory)

    frame_journeys = args.journeys if args.frame_journeys is None else args.frame_journeys
    if frame_journeys > 0:
        bench_frames(store, frame_journeys, memory)
    del store

    if args.peer_journeys > 0:
        ca = load_peer()
        if ca is None:
            print(
                "\nChannelAttribution is not installed: peer skipped. Install the benchmark "
                'extras with: pip install "omnichannel[bench]"'
            )
        else:
            orders = [int(o) for o in args.peer_orders.split(",") if o]
            bench_peer(ca, args.peer_journeys, orders, args.seed, args.peer_repeat)


if __name__ == "__main__":
    main()
