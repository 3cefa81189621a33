"""Hierarchical forecast accuracy on real data: ours against statsforecast + hierarchicalforecast.

Both sides see the same training series (every level of the same grouped hierarchy), fit automatic
exponential smoothing (ours: ``ETS(season_length=m)``; theirs: ``AutoETS(season_length=m)``) and
reconcile with MinTrace (``mint_shrink`` by default). Accuracy on the held-out dates is MASE and
RMSSE per series, averaged within each level of the hierarchy. CPU time of each side is printed.

Data (skipped when absent): ``../shared/data/forecast/tourism_au/tourism.csv`` (Australian
domestic tourism, quarterly, grouped by state/region and purpose) and
``../shared/data/forecast/walmart_recruiting/train.csv.zip`` (weekly store x department sales with
returns). Run in an environment that has the peers installed::

    python benchmarks/compare_forecast_accuracy.py [--data tourism walmart] [--method mint_shrink]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

import omnichannel as oc

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "forecast"


def tourism() -> tuple[pd.DataFrame, tuple[str, ...], list[tuple[str, ...]], int, int, str]:
    """Quarterly trips by state, region and purpose; the last 8 quarters are held out."""
    raw = pd.read_csv(DATA / "tourism_au" / "tourism.csv")
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(raw["Quarter"]),
            "state": raw["State"].astype(str),
            "region": raw["Region"].astype(str),
            "purpose": raw["Purpose"].astype(str),
            "quantity": raw["Trips"].astype(float),
        }
    )
    levels = [
        (),
        ("state",),
        ("purpose",),
        ("state", "purpose"),
        ("state", "region"),
        ("state", "region", "purpose"),
    ]
    return frame, ("state", "region", "purpose"), levels, 4, 8, "QS"


def tourism_monthly() -> tuple[pd.DataFrame, tuple[str, ...], list[tuple[str, ...]], int, int, str]:
    """Monthly visitor nights of 76 regions in 27 zones and 7 states; last 12 months held out.

    The file numbers its 240 months from 0; they are dated from January 1998 here, which only
    labels them.
    """
    raw = pd.read_csv(DATA / "tourism_au" / "pyhts_Tourism_monthly.csv", index_col=0)
    long = raw.melt(id_vars=["state", "region", "city"], var_name="month", value_name="quantity")
    months = pd.date_range("1998-01-01", periods=raw.shape[1] - 3, freq="MS")
    frame = pd.DataFrame(
        {
            "date": months[long["month"].astype(int).to_numpy()],
            "state": long["state"].astype(str),
            "zone": long["region"].astype(str),
            "region": long["city"].astype(str),
            "quantity": long["quantity"].astype(float),
        }
    )
    levels = [(), ("state",), ("state", "zone"), ("state", "zone", "region")]
    return frame, ("state", "zone", "region"), levels, 12, 12, "MS"


def walmart(
    stores: int = 10,
) -> tuple[pd.DataFrame, tuple[str, ...], list[tuple[str, ...]], int, int, str]:
    """Weekly sales by store and department of the first ``stores`` stores; last 13 weeks held out.

    Missing weeks after a series' first week count as zero sales on both sides.
    """
    raw = pd.read_csv(DATA / "walmart_recruiting" / "train.csv.zip")
    raw = raw[raw["Store"] <= stores]
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(raw["Date"]),
            "location": "S" + raw["Store"].astype(str).str.zfill(2),
            "product": "D" + raw["Dept"].astype(str).str.zfill(2),
            "quantity": raw["Weekly_Sales"].astype(float),
        }
    )
    levels = [(), ("location",), ("product",), ("location", "product")]
    return frame, ("location", "product"), levels, 52, 13, "W-FRI"


def complete(frame: pd.DataFrame, ids: tuple[str, ...], freq: str) -> pd.DataFrame:
    """Every series on every date from its first date on, missing rows as zero."""
    dates = pd.date_range(frame["date"].min(), frame["date"].max(), freq=freq)
    keys = frame.groupby(list(ids), sort=True)["date"].min().rename("first").reset_index()
    full = keys.merge(pd.DataFrame({"date": dates}), how="cross")
    full = full[full["date"] >= full["first"]].drop(columns="first")
    out = full.merge(frame, on=[*ids, "date"], how="left").fillna({"quantity": 0.0})
    return out.sort_values([*ids, "date"]).reset_index(drop=True)


def node_ids(frame: pd.DataFrame, ids: tuple[str, ...]) -> pd.Series:
    """hierarchicalforecast-style ids: 'Total' then the present id values joined by '/'."""
    parts = frame[list(ids)].astype("object").where(frame[list(ids)].notna(), None)
    return pd.Series(
        [
            "/".join(["Total", *[v for v in row if v is not None]])
            for row in parts.itertuples(False)
        ],
        index=frame.index,
    )


def ours(
    train: pd.DataFrame,
    ids: tuple[str, ...],
    levels: list[tuple[str, ...]],
    season: int,
    horizon: int,
    method: str,
    model: oc.ETS,
) -> tuple[pd.DataFrame, float]:
    start = time.process_time()
    hierarchy = oc.Hierarchy.from_frame(train, levels=levels, ids=ids)
    fc = oc.forecast_demand(
        train,
        horizon=horizon,
        model=model,
        hierarchy=hierarchy,
        reconcile=oc.MinTrace(method),
        ids=ids,
        quantiles=(),
    )
    cpu = time.process_time() - start
    frame = fc.to_frame()
    return pd.DataFrame(
        {"unique_id": node_ids(frame, ids), "ds": frame["date"], "ours": frame["mean"]}
    ), cpu


def peer(
    train: pd.DataFrame,
    ids: tuple[str, ...],
    levels: list[tuple[str, ...]],
    season: int,
    horizon: int,
    method: str,
    freq: str,
) -> tuple[pd.DataFrame, float]:
    from hierarchicalforecast.core import HierarchicalReconciliation
    from hierarchicalforecast.methods import MinTrace
    from hierarchicalforecast.utils import aggregate
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    start = time.process_time()
    df = train.rename(columns={"date": "ds", "quantity": "y"}).assign(total="Total")
    spec = [["total", *level] for level in levels]
    y_agg, s_df, tags = aggregate(df[["total", *ids, "ds", "y"]], spec)
    sf = StatsForecast(models=[AutoETS(season_length=season)], freq=freq, n_jobs=1)
    y_hat = sf.forecast(df=y_agg, h=horizon, fitted=True)
    fitted = sf.forecast_fitted_values()
    reconciled = HierarchicalReconciliation([MinTrace(method=method)]).reconcile(
        Y_hat_df=y_hat, Y_df=fitted, S_df=s_df, tags=tags
    )
    cpu = time.process_time() - start
    column = next(c for c in reconciled.columns if c.startswith("AutoETS/"))
    out = reconciled[["unique_id", "ds", column]].rename(columns={column: "theirs"})
    return out.reset_index(drop=True), cpu


def series_scores(
    history: pd.DataFrame,
    test: pd.DataFrame,
    forecasts: pd.DataFrame,
    ids: tuple[str, ...],
    levels: list[tuple[str, ...]],
    season: int,
) -> pd.DataFrame:
    """MASE and RMSSE of every series and forecast column (NaN where the scale is zero)."""
    parts = []
    for level in levels:
        cols = list(level)

        def agg(frame: pd.DataFrame, cols: list[str] = cols) -> pd.DataFrame:
            grouped = frame.groupby([*cols, "date"], sort=True)["quantity"].sum().reset_index()
            if not cols:
                grouped["unique_id"] = "Total"
            else:
                grouped["unique_id"] = [
                    "/".join(["Total", *map(str, r)]) for r in grouped[cols].itertuples(False)
                ]
            return grouped

        hist, truth = agg(history), agg(test)
        mase_scale = hist.groupby("unique_id")["quantity"].apply(
            lambda s: np.mean(np.abs(s.to_numpy()[season:] - s.to_numpy()[:-season]))
        )
        rmsse_scale = hist.groupby("unique_id")["quantity"].apply(
            lambda s: np.mean(np.diff(s.to_numpy()) ** 2)
        )
        merged = truth.rename(columns={"date": "ds"}).merge(forecasts, on=["unique_id", "ds"])
        for column in [c for c in forecasts.columns if c not in ("unique_id", "ds")]:
            err = merged.assign(e=merged[column] - merged["quantity"])
            mae = err.groupby("unique_id")["e"].apply(lambda e: np.mean(np.abs(e)))
            mse = err.groupby("unique_id")["e"].apply(lambda e: np.mean(e**2))
            a_scale = mase_scale.reindex(mae.index)
            r_scale = rmsse_scale.reindex(mse.index)
            parts.append(
                pd.DataFrame(
                    {
                        "level": "/".join(cols) or "total",
                        "unique_id": mae.index,
                        "model": column,
                        "mase": (mae / a_scale).where(a_scale > 0).to_numpy(),
                        "rmsse": np.sqrt(mse / r_scale).where(r_scale > 0).to_numpy(),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def scores(per_series: pd.DataFrame) -> pd.DataFrame:
    """MASE and RMSSE averaged within each level, one column per forecast."""
    return per_series.pivot_table(
        index="level", columns="model", values=["mase", "rmsse"], sort=False
    )


def paired_difference(per_series: list[pd.DataFrame]) -> pd.DataFrame:
    """Per level: mean MASE difference ours - theirs with a 95% t interval over series.

    Each series' difference is first averaged over the origins, so the interval treats series,
    not (series, origin) pairs, as independent. Levels with one series get no interval.
    """
    both = pd.concat(per_series, ignore_index=True)
    wide = both.pivot_table(
        index=["level", "unique_id"], columns="model", values="mase", aggfunc="mean", sort=False
    )
    diff = (wide["ours"] - wide["theirs"]).dropna().rename("diff").reset_index()
    rows = []
    for level, group in diff.groupby("level", sort=False):
        d = group["diff"].to_numpy()
        half = (
            stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
            if d.size > 1
            else np.nan
        )
        rows.append(
            {
                "level": level,
                "series": d.size,
                "ours - theirs": d.mean(),
                "95% low": d.mean() - half,
                "95% high": d.mean() + half,
                "ours better": float((d < 0).mean()),
            }
        )
    return pd.DataFrame(rows).set_index("level")


def total_errors(
    history: pd.DataFrame, test: pd.DataFrame, forecasts: pd.DataFrame, season: int
) -> np.ndarray:
    """Per date, |error| of ours minus |error| of theirs at the total, both over the MASE scale."""
    hist = history.groupby("date")["quantity"].sum().to_numpy()
    scale = np.mean(np.abs(hist[season:] - hist[:-season]))
    truth = test.groupby("date")["quantity"].sum().rename("actual").reset_index()
    total = forecasts[forecasts["unique_id"] == "Total"].merge(
        truth.rename(columns={"date": "ds"}), on="ds"
    )
    return np.asarray(
        (np.abs(total["ours"] - total["actual"]) - np.abs(total["theirs"] - total["actual"]))
        / scale
    )


def diebold_mariano(per_origin: list[np.ndarray], horizon: int) -> tuple[float, float, float]:
    """Mean loss difference, its t statistic and two-sided p-value (Diebold and Mariano).

    Within an origin the h-step errors are autocorrelated, so each origin's variance is the
    Newey-West long-run variance with ``horizon - 1`` lags; origins count as independent.
    """
    means, variances = [], []
    for d in per_origin:
        n, centred = d.size, d - d.mean()
        gamma = [np.sum(centred[lag:] * centred[: n - lag]) / n for lag in range(horizon)]
        lrv = gamma[0] + 2.0 * sum((1 - lag / horizon) * gamma[lag] for lag in range(1, horizon))
        means.append(d.mean())
        variances.append(max(lrv, 1e-300) / n)
    mean = float(np.mean(means))
    t = mean / float(np.sqrt(np.sum(variances) / len(per_origin) ** 2))
    return mean, t, float(2.0 * stats.norm.sf(abs(t)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=["tourism", "tourism-monthly", "walmart"])
    parser.add_argument("--method", default="mint_shrink")
    parser.add_argument("--walmart-stores", type=int, default=10)
    parser.add_argument(
        "--min-history",
        type=int,
        default=0,
        help="drop bottom series with fewer dates than this before the earliest origin (both "
        "sides; aggregates are summed from the series kept)",
    )
    parser.add_argument("--bounds", default="admissible", choices=["usual", "admissible"])
    parser.add_argument("--n-starts", type=int, default=None)
    parser.add_argument(
        "--origins",
        type=int,
        default=1,
        help="forecast origins, each --step dates before the next (scores averaged)",
    )
    parser.add_argument(
        "--step",
        type=int,
        default=None,
        help="dates between origins; default one horizon, so hold-out windows do not overlap",
    )
    args = parser.parse_args()
    loaders = {
        "tourism": tourism,
        "tourism-monthly": tourism_monthly,
        "walmart": lambda: walmart(args.walmart_stores),
    }
    for name in args.data:
        try:
            frame, ids, levels, season, horizon, freq = loaders[name]()
        except FileNotFoundError:
            print(f"{name}: data absent, skipped")
            continue
        frame = complete(frame, ids, freq)
        dates = frame["date"].drop_duplicates().sort_values()
        if args.min_history:
            step = args.step or horizon
            earliest = dates.iloc[-horizon - step * (args.origins - 1) - 1]
            history = frame[frame["date"] <= earliest].groupby(list(ids))["date"].size()
            kept = history[history >= args.min_history].index
            before = frame.groupby(list(ids)).ngroups
            frame = frame.set_index(list(ids)).loc[kept].reset_index()
            print(
                f"{name}: kept {len(kept)} of {before} bottom series with at least "
                f"{args.min_history} dates up to {earliest.date()}"
            )
        model = oc.ETS(season_length=season, bounds=args.bounds, n_starts=args.n_starts)
        tables, all_series, cpu_ours, cpu_theirs = [], [], 0.0, 0.0
        total_diffs = []
        for k in range(args.origins):
            step = args.step or horizon
            cut = dates.iloc[-horizon - step * k - 1]
            train = frame[frame["date"] <= cut]
            test = frame[(frame["date"] > cut) & (frame["date"] <= dates.iloc[-step * k - 1])]
            print(
                f"\n== {name}: {train.groupby(list(ids)).ngroups} bottom series, "
                f"{train['date'].nunique()} training dates up to {cut.date()}, horizon {horizon}, "
                f"season {season}"
            )
            try:
                theirs, cpu = peer(train, ids, levels, season, horizon, args.method, freq)
            except (NotImplementedError, ValueError) as exc:  # e.g. AutoETS on too short series
                print(f"peer failed ({type(exc).__name__}: {exc}); origin skipped")
                continue
            cpu_theirs += cpu
            mine, cpu = ours(train, ids, levels, season, horizon, args.method, model)
            cpu_ours += cpu
            both = mine.merge(theirs, on=["unique_id", "ds"], how="inner")
            per_series = series_scores(train, test, both, ids, levels, season)
            table = scores(per_series)
            print(table.round(3).to_string())
            tables.append(table)
            all_series.append(per_series)
            total_diffs.append(total_errors(train, test, both, season))
        if not tables:
            continue
        print(
            f"\n== {name}: CPU seconds over {len(tables)} origin(s): omnichannel {cpu_ours:.1f}, "
            f"statsforecast+hierarchicalforecast {cpu_theirs:.1f} (ratio "
            f"{cpu_theirs / cpu_ours:.1f}x)"
        )
        if len(tables) > 1:
            mean = sum(tables[1:], tables[0]) / len(tables)
            print(f"mean over {len(tables)} origins:")
            print(mean.round(3).to_string())
        print("MASE difference per series (negative: ours more accurate), mean over origins:")
        print(paired_difference(all_series).round(4).to_string())
        mean, t, p_value = diebold_mariano(total_diffs, horizon)
        print(
            f"total (one series): scaled |error| ours - theirs over {len(total_diffs)} origin(s) "
            f"x {horizon} dates = {mean:+.4f}, Diebold-Mariano t = {t:.2f}, p = {p_value:.3f}"
        )


if __name__ == "__main__":
    main()
