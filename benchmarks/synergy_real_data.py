"""Synergy tables on third-party simulated MMM data (Robyn and Meridian national).

Fits ``fit_mix_model`` with pairwise interactions and a block bootstrap, then prints
``score_synergy`` for every channel pair. The data sets publish no ground truth for interactions;
the point is that the fit runs and what the intervals say. Data are read from
``../shared/data/synergy`` (skipped when absent)::

    python benchmarks/synergy_real_data.py [--boot 100]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

import omnichannel as oc

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "synergy"
COLUMNS = ["channel_a", "channel_b", "interaction", "lower", "upper", "synergy_ratio", "label"]


def robyn(n_boot: int) -> oc.MixModel:
    raw = pd.read_csv(DATA / "robyn_dt_simulated_weekly.csv")
    events = pd.get_dummies(raw["events"].fillna("na"), prefix="event", dtype=float)
    frame = pd.concat([raw, events.drop(columns=["event_na"], errors="ignore")], axis=1)
    frame["DATE"] = pd.to_datetime(frame["DATE"])
    event_cols = [c for c in events.columns if c != "event_na" and frame[c].sum() > 0]
    return oc.fit_mix_model(
        frame,
        kpi="revenue",
        media=["tv_S", "ooh_S", "print_S", "facebook_S", "search_S"],
        controls=["competitor_sales_B", *event_cols],
        date="DATE",
        interactions="pairwise",
        n_boot=n_boot,
        seed=1,
    )


def meridian(n_boot: int) -> oc.MixModel:
    raw = pd.read_csv(DATA / "meridian_national_all_channels.csv")
    frame = raw.assign(
        time=pd.to_datetime(raw["time"]),
        revenue=raw["conversions"] * raw["revenue_per_conversion"],
    )
    return oc.fit_mix_model(
        frame,
        kpi="revenue",
        media=[f"Channel{i}_spend" for i in range(5)],
        controls=["competitor_sales_control", "sentiment_score_control", "Promo"],
        date="time",
        interactions="pairwise",
        n_boot=n_boot,
        seed=1,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boot", type=int, default=100)
    args = parser.parse_args()
    pd.set_option("display.width", 160)
    for name, fit in (("robyn", robyn), ("meridian national", meridian)):
        start = time.perf_counter()
        try:
            model = fit(args.boot)
        except FileNotFoundError:
            print(f"{name}: data absent, skipped")
            continue
        seconds = time.perf_counter() - start
        print(
            f"\n== {name}: R2 {model.r_squared:.3f}, "
            f"fit with {args.boot} bootstraps {seconds:.1f} s"
        )
        table = oc.score_synergy(model).to_frame()[COLUMNS]
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))


if __name__ == "__main__":
    main()
