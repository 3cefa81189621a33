"""Freeze statsforecast's intermittent-demand and seasonal-naive results as test references.

Usage (in a venv with statsforecast, e.g. ``/work/fc-venv``)::

    python benchmarks/make_intermittent_reference.py

Writes two files under ``tests/data/``:

- ``intermittent_reference_series.csv``: the series (``unique_id``, ``t``, ``y``) and
  statsforecast's in-sample fitted values of ``CrostonClassic``, ``CrostonSBA``,
  ``TSB(alpha_d=0.2, alpha_p=0.1)`` and ``SeasonalNaive(7)``;
- ``intermittent_reference.csv``: forecasts (``unique_id``, ``model``, ``h``, ``mean``) of those
  models and of ``CrostonOptimized``, with ``SeasonalNaive``'s 80% and 95% intervals.

The series cover the cases that matter: sparse and dense demand, integer and fractional sizes,
constant sizes (ties in the golden-section search), one demand only, no demand at all, a demand
on the first or last day, short and long histories. ``tests/test_forecast_naive_intermittent.py``
reads the files; statsforecast is not a test dependency.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("NIXTLA_ID_AS_COL", "1")

from statsforecast import StatsForecast
from statsforecast.models import (
    TSB,
    CrostonClassic,
    CrostonOptimized,
    CrostonSBA,
    SeasonalNaive,
)

HORIZON = 14
OUT = Path(__file__).resolve().parents[1] / "tests" / "data"


def make_series(seed: int = 20240601) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    series: dict[str, np.ndarray] = {}
    for i in range(30):
        n = int(rng.integers(20, 400))
        p = float(rng.uniform(0.03, 0.9))
        size = rng.negative_binomial(rng.uniform(0.5, 4.0), 0.4, n) + 1
        y = np.where(rng.random(n) < p, size, 0).astype(float)
        if i % 7 == 3:
            y = np.round(y * rng.uniform(0.5, 3.0, n), 2)  # fractional sizes
        if i % 9 == 4:
            y[y > 0] = 1.0  # constant sizes: every golden-section probe ties
        series[f"random_{i:02d}"] = y
    series["single_demand"] = np.r_[np.zeros(30), 5.0, np.zeros(20)]
    series["no_demand"] = np.zeros(40)
    series["first_day"] = np.r_[3.0, np.zeros(10), 2.0, np.zeros(5), 1.0, np.zeros(3)]
    series["last_day"] = np.r_[np.zeros(12), 4.0, np.zeros(8), 6.0]
    series["dense"] = rng.poisson(20.0, 150).astype(float) + 1.0
    series["weekly"] = np.tile([0.0, 1.0, 0.0, 3.0, 0.0, 0.0, 7.0], 12) * rng.integers(1, 3, 84)
    series["long_sparse"] = np.where(rng.random(1000) < 0.02, rng.integers(1, 9, 1000), 0.0)
    return series


def main() -> None:
    series = make_series()
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "unique_id": name,
                    "ds": pd.date_range("2023-01-01", periods=y.size, freq="D"),
                    "y": y,
                }
            )
            for name, y in series.items()
        ],
        ignore_index=True,
    )
    intermittent = [CrostonClassic(), CrostonSBA(), TSB(alpha_d=0.2, alpha_p=0.1)]
    sf = StatsForecast(models=intermittent, freq="D", n_jobs=1)
    fc = sf.forecast(df=frame, h=HORIZON, fitted=True)
    fitted = sf.forecast_fitted_values()
    naive = StatsForecast(models=[SeasonalNaive(season_length=7)], freq="D", n_jobs=1)
    fc = fc.merge(naive.forecast(df=frame, h=HORIZON, fitted=True, level=[80, 95]))
    fitted = fitted.merge(naive.forecast_fitted_values()[["unique_id", "ds", "SeasonalNaive"]])
    opt = StatsForecast(models=[CrostonOptimized()], freq="D", n_jobs=1).forecast(
        df=frame, h=HORIZON
    )
    fc = fc.merge(opt, on=["unique_id", "ds"])
    fc["h"] = fc.groupby("unique_id").cumcount() + 1

    names = ["CrostonClassic", "CrostonSBA", "TSB", "SeasonalNaive", "CrostonOptimized"]
    rows = []
    for model in names:
        part = pd.DataFrame(
            {"unique_id": fc["unique_id"], "model": model, "h": fc["h"], "mean": fc[model]}
        )
        for level in (80, 95):
            for side in ("lo", "hi"):
                col = f"{model}-{side}-{level}"
                part[f"{side}_{level}"] = fc.get(col, np.nan)
        rows.append(part)
    reference = pd.concat(rows, ignore_index=True)

    fitted["t"] = fitted.groupby("unique_id").cumcount()
    out_series = fitted[["unique_id", "t", "y"]].copy()
    for model, column in zip(
        names[:4], ["fitted_croston", "fitted_sba", "fitted_tsb", "fitted_snaive"], strict=True
    ):
        out_series[column] = fitted[model]
    OUT.mkdir(parents=True, exist_ok=True)
    out_series.to_csv(OUT / "intermittent_reference_series.csv", index=False, float_format="%.17g")
    reference.to_csv(OUT / "intermittent_reference.csv", index=False, float_format="%.17g")
    print(f"wrote {len(out_series)} series rows and {len(reference)} forecast rows to {OUT}")


if __name__ == "__main__":
    main()
