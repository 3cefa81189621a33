"""Regenerate the two-way fixed-effects peer reference of ``cross_channel_effects``.

Run in a venv with the peer (never a dependency of omnichannel)::

    python -m venv /tmp/peer-venv && /tmp/peer-venv/bin/pip install linearmodels pandas
    /tmp/peer-venv/bin/python benchmarks/reference/make_cross_channel_reference.py

It draws a small unbalanced regional panel with numpy alone (staggered store openings and
closures, region and week effects, one region-week in twenty missing), writes it to
``cross_channel_panel.csv`` and fits ``log(online sales) ~ openings + closures`` with
linearmodels' ``PanelOLS`` (entity and time effects, standard errors clustered by region with
``debiased=False``, ``group_debias=False``; linearmodels still scales the sandwich by
``N / (N - absorbed effects)``, here ``N / (N - R - T + 1)``). The coefficients and these
standard errors go to ``cross_channel_reference.json``.
``tests/test_synergy_cross_channel.py`` reads both files.
"""

from __future__ import annotations

import json
from pathlib import Path

import linearmodels
import numpy as np
import pandas as pd
from linearmodels.panel import PanelOLS

HERE = Path(__file__).parent
R, T = 30, 40


def panel() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(20240601)
    region = np.repeat(np.arange(R), T)
    week = np.tile(np.arange(T), R)
    kind = rng.choice([-1, 0, 1], size=R, p=[0.5, 0.3, 0.2])  # none, opening, closure
    when = rng.integers(8, T - 8, size=R)
    after = week >= when[region]
    opened = (after & (kind[region] == 0)).astype(float)
    closed = (after & (kind[region] == 1)).astype(float)
    log_y = (
        rng.normal(8.0, 0.5, size=R)[region]
        + rng.normal(0.0, 0.1, size=T)[week]
        + 0.1 * opened
        - 0.08 * closed
        + rng.normal(0.0, 0.06, size=R * T)
    )
    dates = pd.date_range("2024-01-01", periods=T, freq="7D")
    online = pd.DataFrame(
        {
            "region": [f"R{r:02d}" for r in region],
            "date": dates[week],
            "channel": "online",
            "sales": np.round(np.exp(log_y), 4),
        }
    )
    store = online.assign(channel="store", sales=np.round(np.exp(log_y + 1.0), 4))
    keep = rng.random(R * T) > 0.05
    sales = pd.concat([online[keep], store[keep]], ignore_index=True)
    has = np.flatnonzero(kind >= 0)
    events = pd.DataFrame(
        {
            "region": [f"R{r:02d}" for r in has],
            "date": dates[when[has]],
            "kind": np.where(kind[has] == 0, "opening", "closure"),
        }
    )
    return sales, events


def main() -> None:
    sales, events = panel()
    sales.to_csv(HERE / "cross_channel_panel.csv", index=False)
    events.to_csv(HERE / "cross_channel_events.csv", index=False)
    online = sales.loc[sales["channel"] == "online"].copy()
    first = events.set_index("region")
    for kind in ("opening", "closure"):
        mine = first.loc[first["kind"] == kind, "date"]
        at = online["region"].map(mine)
        online[kind] = (online["date"] >= at).astype(float)
    online["log_sales"] = np.log(online["sales"])
    data = online.set_index(["region", "date"])
    model = PanelOLS(
        data["log_sales"], data[["opening", "closure"]], entity_effects=True, time_effects=True
    )
    res = model.fit(cov_type="clustered", cluster_entity=True, debiased=False, group_debias=False)
    payload = {
        "peer": f"linearmodels {linearmodels.__version__} PanelOLS",
        "n_obs": int(res.nobs),
        "n_regions": int(online["region"].nunique()),
        "n_periods": int(online["date"].nunique()),
        "estimate": {k: float(v) for k, v in res.params.items()},
        "se": {k: float(v) for k, v in res.std_errors.items()},
    }
    (HERE / "cross_channel_reference.json").write_text(json.dumps(payload, indent=2) + "\n")
    print(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
