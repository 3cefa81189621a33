"""Freeze statsforecast's ETS fits of the small real series as a peer reference for the tests.

Usage (needs statsforecast, e.g. the benchmark environment)::

    python benchmarks/reference/ets_statsforecast.py

Reads ``tests/data/ets_small_series.csv`` and writes ``ets_statsforecast.json`` next to this
script: for every series, statsforecast's automatic model and, for a fixed list of models
(including the multiplicative-season ones, where statsforecast follows the state-space form of
Hyndman et al. like we do), the estimated parameters, initial states, log-likelihood, fitted
values and forecasts. ``tests/test_forecast_ets.py`` checks that our recursion reproduces the
fitted values and forecasts from these parameters, and that our optimiser reaches at least the
same likelihood. It also stores statsforecast's ``admissible`` verdicts (forecastability of
seasonal trend models) for 300 random parameter sets.

statsforecast reports ``loglik = -0.5 * (n * log(SSE) + 2 * sum(log|yhat|))``; ours (and
statsmodels') adds the Gaussian constants, ``-n/2 * (log(2 pi / n) + 1)``. The JSON stores
statsforecast's value unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import statsforecast
from statsforecast.ets import admissible
from statsforecast.models import AutoETS

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "tests" / "data" / "ets_small_series.csv"
OUT = HERE / "ets_statsforecast.json"
HORIZON = 8
#: (series, statsforecast model code, damped) fitted as fixed models.
FIXED = [
    ("woolyrnq", "MAM", False),
    ("woolyrnq", "MNM", False),
    ("woolyrnq", "MAM", True),
    ("ausbeer", "MAM", False),
    ("ausbeer", "MNA", False),
    ("wineind", "MNM", False),
    ("shampoo", "AAN", True),
]


def _fit(y: np.ndarray, m: int, model: str, damped: bool | None) -> dict[str, object]:
    fit = AutoETS(season_length=m, model=model, damped=damped).fit(y)
    info = fit.model_
    comp = info["components"]
    par = np.asarray(info["par"], dtype=float)
    n_states = 1 + (comp[1] != "N") + (m if comp[2] != "N" else 0)
    return {
        "model": f"ETS({comp[0]},{comp[1]}{'d' if comp[3] != 'N' else ''},{comp[2]})",
        "alpha": float(par[0]),
        "beta": None if np.isnan(par[1]) else float(par[1]),
        "gamma": None if np.isnan(par[2]) else float(par[2]),
        "phi": None if np.isnan(par[3]) else float(par[3]),
        # statsforecast's state order: level, trend, s[0], s[-1], ..., s[1-m] (newest first)
        "initial_states": par[4 : 4 + n_states].tolist(),
        "loglik": float(info["loglik"]),
        "fitted": np.asarray(info["fitted"], dtype=float).tolist(),
        "forecast": np.asarray(fit.predict(HORIZON)["mean"], dtype=float).tolist(),
    }


def main() -> None:
    data = pd.read_csv(DATA, comment="#")
    out: dict[str, object] = {
        "statsforecast_version": statsforecast.__version__,
        "horizon": HORIZON,
        "series": {},
    }
    series_out: dict[str, object] = {}
    for name, group in data.groupby("series", sort=False):
        y = group["y"].to_numpy(dtype=float)
        m = int(group["season_length"].iloc[0])
        entry: dict[str, object] = {"season_length": m, "auto": _fit(y, m, "ZZZ", None)}
        entry["fixed"] = [
            _fit(y, m, code, damped) for series, code, damped in FIXED if series == name
        ]
        series_out[str(name)] = entry
    out["series"] = series_out
    # Forecastability verdicts of seasonal trend models inside the traditional bounds.
    rng = np.random.default_rng(0)
    cases = []
    for m in (4, 7, 12):
        for _ in range(100):
            alpha = rng.uniform(0.0, 1.0)
            beta, gamma = rng.uniform(0.0, 1.0) * alpha, rng.uniform(0.0, 1.0) * (1 - alpha)
            phi = float(rng.choice([1.0, rng.uniform(0.8, 0.98)]))
            ok = admissible(alpha, beta, gamma, np.nan if phi == 1.0 else phi, m)
            cases.append([alpha, beta, gamma, phi, m, bool(ok)])
    out["admissible"] = cases
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
