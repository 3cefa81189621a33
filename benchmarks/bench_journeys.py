"""Build the journey store from a large touchpoint frame: touches per second and peak memory.

Run: python benchmarks/bench_journeys.py --touches 10_000_000

Peak memory is measured with tracemalloc (numpy and pandas report their buffers to it) and counts
only what building the store allocates on top of the input frames.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import pandas as pd

import omnichannel as oc


def make_events(
    n_touches: int, *, n_channels: int = 12, string_ids: bool, resolution: str = "s", seed: int = 0
):
    rng = np.random.default_rng(seed)
    n_customers = max(1, n_touches // 4)
    customer = rng.integers(0, n_customers, n_touches)
    start = np.datetime64("2024-01-01T00:00:00", "ns").astype(np.int64)
    span = 365 * 86_400 * 10**9
    unit = np.timedelta64(1, resolution).astype("timedelta64[ns]").astype(np.int64)
    stamps = (start + rng.integers(0, span // unit, n_touches) * unit).astype("datetime64[ns]")
    weights = rng.dirichlet(np.ones(n_channels))
    names = np.array([f"channel_{k:02d}" for k in range(n_channels)], dtype=object)
    channel = pd.Categorical.from_codes(rng.choice(n_channels, n_touches, p=weights), names)
    n_conv = n_customers // 3
    conv_customer = rng.integers(0, n_customers, n_conv)
    conv_stamps = (start + rng.integers(0, span // unit, n_conv) * unit).astype("datetime64[ns]")
    if string_ids:
        customer = np.char.add("cust-", customer.astype(str)).astype(object)
        conv_customer = np.char.add("cust-", conv_customer.astype(str)).astype(object)
    touchpoints = pd.DataFrame({"customer_id": customer, "timestamp": stamps, "channel": channel})
    conversions = pd.DataFrame(
        {
            "customer_id": conv_customer,
            "timestamp": conv_stamps,
            "value": rng.gamma(2.0, 30.0, n_conv),
        }
    )
    return touchpoints, conversions


def measure(label: str, func):
    """Seconds from a plain run, peak memory from a second run under tracemalloc."""
    t0 = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - t0
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--touches", type=int, default=10_000_000)
    parser.add_argument("--string-ids", action="store_true", help="str customer ids (default int)")
    parser.add_argument("--resolution", default="s", help="time resolution: s, ms, us or ns")
    args = parser.parse_args()

    touchpoints, conversions = make_events(
        args.touches, string_ids=args.string_ids, resolution=args.resolution
    )
    n = len(touchpoints)
    print(
        f"touchpoints: {n:,} rows, conversions: {len(conversions):,} rows, "
        f"customer ids: {'str' if args.string_ids else 'int'}, times in {args.resolution}"
    )

    rows = []
    store, sec, peak = measure(
        "build", lambda: oc.build_journeys(touchpoints, conversions, lookback=pd.Timedelta(days=30))
    )
    rows.append(("build_journeys (30-day lookback)", n, sec, peak))
    store_bytes = sum(
        a.nbytes
        for a in (
            store.codes,
            store.offsets,
            store.conversions,
            store.nulls,
            store.value,
            store.times,
            store.end_times,
            store.customer_id,
        )
        if a is not None
    )
    agg, sec, peak = measure("aggregate", store.aggregate)
    rows.append(("Journeys.aggregate", store.n_touches, sec, peak))
    paths = agg.to_frame()
    _, sec, peak = measure(
        "from_paths",
        lambda: oc.Journeys.from_paths(
            paths, conversions="conversions", nulls="nulls", value="value"
        ),
    )
    rows.append(("Journeys.from_paths", agg.n_touches, sec, peak))

    print(f"\nstore: {store!r}")
    per_touch = store_bytes / max(store.n_touches, 1)
    print(
        f"store arrays: {store_bytes / 1e6:,.0f} MB = {store_bytes / store.codes.nbytes:.1f} x "
        f"the codes array ({store.codes.dtype}); {per_touch:.1f} bytes/touch"
    )
    print(f"aggregated: {agg.n_paths:,} distinct paths\n")
    header = ("step", "touches", "seconds", "M touches/s", "peak MB", "B/touch")
    print(f"{header[0]:36s} " + " ".join(f"{h:>12s}" for h in header[1:]))
    for label, touches, seconds, peak in rows:
        print(
            f"{label:36s} {touches:12,d} {seconds:12.2f} {touches / seconds / 1e6:12.2f} "
            f"{peak / 1e6:12.0f} {peak / max(touches, 1):12.1f}"
        )


if __name__ == "__main__":
    main()
