"""Freeze hierarchicalforecast's reconciliations of synthetic instances for the tests.

Usage (in a venv with hierarchicalforecast; the package itself is not needed)::

    /work/fc-venv/bin/python benchmarks/make_reconcile_reference.py

Writes ``tests/data/reconcile_reference/reference.json``. Everything in it is generated here
from a seed (no third-party data): bottom-level daily sales of a grouped hierarchy (2 channels x
3 locations x 4 products, crossed) and of a strictly nested one (3 channels > 2 locations each >
3 products), every node's history as summed by the peer's ``aggregate``, its summing matrix, and
base forecasts with one-step in-sample fits from simple exponential smoothing (a different
smoothing weight per node, plus noise on the forecasts, so they are far from coherent). The peer's
reconcilers (``BottomUp``, ``TopDown``, ``MinTrace``) are called on those arrays, and their
reconciled forecasts of every node are stored in the peer's node order with the node ids, so the
test can map them to ours.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import hierarchicalforecast
import numpy as np
import pandas as pd
from hierarchicalforecast.methods import BottomUp, MinTrace, TopDown
from hierarchicalforecast.utils import aggregate

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "reconcile_reference"
SEED = 20240601
N_DATES = 60
HORIZON = 6


def bottom_sales(rng: np.random.Generator, keys: pd.DataFrame) -> pd.DataFrame:
    """Seasonal daily sales with shared weekly and channel-level shocks (correlated errors)."""
    n = len(keys)
    t = np.arange(N_DATES)
    level = rng.gamma(3.0, 4.0, n)
    weekly = 1.0 + 0.3 * np.sin(2 * np.pi * (t[None, :] + rng.integers(0, 7, n)[:, None]) / 7)
    channel_codes = pd.factorize(keys["channel"])[0]
    shock = rng.normal(0.0, 0.15, (channel_codes.max() + 1, N_DATES))[channel_codes]
    mean = level[:, None] * weekly * np.exp(shock)
    qty = rng.poisson(mean).astype(float)
    frame = keys.loc[keys.index.repeat(N_DATES)].reset_index(drop=True)
    frame["ds"] = np.tile(pd.date_range("2024-01-01", periods=N_DATES, freq="D"), n)
    frame["y"] = qty.reshape(-1)
    return frame


def ses(y: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-step fitted values (first = first value) and the flat forecast, per row."""
    fitted = np.empty_like(y)
    level = y[:, 0].copy()
    for k in range(y.shape[1]):
        fitted[:, k] = level
        level = alpha * y[:, k] + (1 - alpha) * level
    return fitted, level


def instance(
    rng: np.random.Generator, keys: pd.DataFrame, spec: list[list[str]], nested: bool
) -> dict[str, Any]:
    sales = bottom_sales(rng, keys)
    frame = sales.assign(total="total")
    y_df, s_df, tags = aggregate(frame, [["total", *cols] for cols in spec])
    uids = s_df["unique_id"].tolist()
    s = s_df.drop(columns="unique_id").to_numpy(dtype=float)
    y = y_df.pivot(index="unique_id", columns="ds", values="y").reindex(uids).to_numpy(dtype=float)
    alpha = rng.uniform(0.1, 0.6, len(uids))
    fitted, last = ses(y, alpha)
    # Rounded so the stored inputs are exactly what the peer saw, in few digits.
    fitted = fitted.round(4)
    base = (last[:, None] * rng.lognormal(0.0, 0.08, (len(uids), HORIZON))).round(4)
    # Drop the first date: its fit is the value itself.
    y_in, fit_in = y[:, 1:], fitted[:, 1:]
    level_of = {uid: level for level, ids in tags.items() for uid in ids}
    nodes = []
    for uid in uids:
        cols = level_of[uid].split("/")[1:]
        values = uid.split("/")[1:]
        nodes.append(dict(zip(cols, values, strict=True)))
    results: dict[str, Any] = {}
    kwargs = {"S": s, "y_hat": base, "y_insample": y_in, "y_hat_insample": fit_in}
    results["bottom_up"] = BottomUp().fit_predict(**kwargs)["mean"]
    for method in ("ols", "wls_struct", "wls_var", "mint_shrink"):
        results[method] = MinTrace(method=method).fit_predict(**kwargs)["mean"]
    # Bottom base forecasts far above their totals: unconstrained MinT makes some negative.
    low = base.copy()
    n_agg = len(uids) - s.shape[1]
    low[n_agg:] *= rng.uniform(0.0, 3.0, (s.shape[1], 1))
    low[:n_agg] *= 0.3
    low = low.round(4)
    for method in ("ols", "mint_shrink"):
        results[f"{method}_nonnegative"] = MinTrace(method=method, nonnegative=True).fit_predict(
            S=s, y_hat=low, y_insample=y_in, y_hat_insample=fit_in
        )["mean"]
        results[f"{method}_unconstrained_low"] = MinTrace(method=method).fit_predict(
            S=s, y_hat=low, y_insample=y_in, y_hat_insample=fit_in
        )["mean"]
    if nested:
        peer_tags = {level: np.array([uids.index(u) for u in ids]) for level, ids in tags.items()}
        for ours, peers in (
            ("forecast_proportions", "forecast_proportions"),
            ("average_historical_proportions", "average_proportions"),
            ("proportion_averages", "proportion_averages"),
        ):
            results[f"top_down_{ours}"] = TopDown(method=peers).fit_predict(
                tags=peer_tags, **kwargs
            )["mean"]
    return {
        "ids": list(keys.columns),
        "levels": spec,
        "sales": {
            **{c: sales[c].tolist() for c in keys.columns},
            "date": sales["ds"].dt.strftime("%Y-%m-%d").tolist(),
            "quantity": sales["y"].tolist(),
        },
        "nodes": nodes,
        "bottom": [nodes[i] for i in range(n_agg, len(uids))],
        "S": s.astype(int).tolist(),
        "history": y.tolist(),
        "base": base.tolist(),
        "base_low": low.tolist(),
        "y_insample": y_in.tolist(),
        "y_hat_insample": fit_in.tolist(),
        "results": {k: np.asarray(v).tolist() for k, v in results.items()},
    }


def main() -> None:
    warnings.simplefilter("ignore")  # qpsolvers' notes on matrix formats
    rng = np.random.default_rng(SEED)
    grouped_keys = pd.DataFrame(
        [(c, loc, p) for c in ("app", "store") for loc in ("L1", "L2", "L3") for p in "abcd"],
        columns=["channel", "location", "product"],
    )
    grouped_spec = [
        [],
        ["channel"],
        ["location"],
        ["product"],
        ["channel", "location"],
        ["channel", "product"],
        ["location", "product"],
        ["channel", "location", "product"],
    ]
    nested_keys = pd.DataFrame(
        [
            (c, f"{c}-{loc}", p)
            for c in ("app", "store", "web")
            for loc in ("x", "y")
            for p in ("p1", "p2", "p3")
        ],
        columns=["channel", "location", "product"],
    )
    nested_spec = [[], ["channel"], ["channel", "location"], ["channel", "location", "product"]]
    reference = {
        "generator": "benchmarks/make_reconcile_reference.py",
        "peer": f"hierarchicalforecast {hierarchicalforecast.__version__}",
        "seed": SEED,
        "horizon": HORIZON,
        "note": "Residuals are y_insample - y_hat_insample; arrays are in the peer's node order.",
        "instances": {
            "grouped": instance(rng, grouped_keys, grouped_spec, nested=False),
            "nested": instance(rng, nested_keys, nested_spec, nested=True),
        },
    }
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "reference.json"
    path.write_text(json.dumps(reference, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
