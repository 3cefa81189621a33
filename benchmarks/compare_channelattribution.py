"""Peer reference: our attribution against ChannelAttribution on its own example data.

Run: python benchmarks/compare_channelattribution.py [--seeds 40] [--write-reference]

Needs the benchmark extras (``pip install "omnichannel[bench]"``); without ChannelAttribution the
script prints how to install it and exits 0. The example data (``Data.csv``, GPL) is read from the
installed ``cypack`` package at run time and is never copied into this repository.

What is compared, and what ChannelAttribution (CA) 2.2.5 does (``cypack/functions.cpp``):

- Heuristics. ``heuristic_models`` credits the first and the last touch, and for ``linear_touch``
  adds ``conversions * (touches of the channel) / (touches of the path)`` for each channel: a
  channel touched twice gets two shares, as our ``Linear``. Repeats are not merged. Credits must
  match ours to 1e-9 (relative); the script exits 1 otherwise.
- Markov chain. For order k, CA's states are the sliding k-grams of the raw path (a path shorter
  than k is a single state); identical consecutive states are then merged. Merging only removes
  self-loops, which change no absorption probability, so CA's chain is our chain with
  ``collapse_repeats=False`` (for order 1 both settings coincide; for order 3
  ``collapse_repeats=True`` merges channel repeats before forming k-grams, a different chain).
- Markov estimation. CA estimates removal effects by simulating paths from the start state:
  RE(c) = P(convert and visit c) / P(convert), which equals the exact 1 - P(convert | c removed) /
  P(convert). Simulated paths longer than the longest observed path count as not converting.
  Each run has ``nfold`` (10) streams seeded ``seed, ..., seed + nfold - 1``; it returns the
  stream closest to their median. Seeds s and s + 1 therefore share nfold - 1 streams, and often
  give identical results, so the seeds used here are spaced by ``nfold``.
- Markov value. CA draws a value for each simulated conversion from the per-conversion values of
  the observed paths that ended in the same last state, and shares the total value by these
  value-weighted removal effects: separate shares for value. We share value by the conversion
  shares. The script solves CA's value-weighted definition exactly (same chain, reward = value
  of the paths ending in a state per journey leaving it) to show which one CA estimates.

Agreement rule for the Markov credits: our exact credit agrees with CA when
``|ours - mean(CA)| <= 3 * sd(CA) / sqrt(n_seeds)`` (z within 3), with sd the seed-to-seed
standard deviation; whether it lies within CA's min-max range is shown too. The default of 40
seeds matters for value: per-conversion values are heavy-tailed, and 10 runs can underestimate
the spread of a small channel's value credit several-fold. Errors of CA against the exact
solution are given as % of the total conversions.

``--write-reference`` stores our exact credits (and CA's seed mean and sd, derived numbers only)
in ``benchmarks/reference/channelattribution_example.csv``; without it the script checks our
credits against that file. Exit status 1: heuristic credits differ from CA's, our removal effects
differ from an independent re-solve of ``transition_matrix()``, or our credits drift from the
stored reference. The Markov agreement with CA's simulation is reported, not enforced.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import io
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import omnichannel as oc

REFERENCE = Path(__file__).parent / "reference" / "channelattribution_example.csv"
HEURISTICS = (
    ("first_touch", oc.FirstTouch()),
    ("last_touch", oc.LastTouch()),
    ("linear", oc.Linear()),
)
CA_HEURISTIC = {"first_touch": "first_touch", "last_touch": "last_touch", "linear": "linear_touch"}
RTOL = 1e-9
NFOLD = 10  # ChannelAttribution's default number of random streams per run


def load_peer() -> ModuleType | None:
    """ChannelAttribution, imported without its banner; None when it is not installed."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            import ChannelAttribution
    except ImportError:
        return None
    return ChannelAttribution


def example_data() -> Path | None:
    """``Data.csv`` inside the installed ``cypack`` package (shipped with ChannelAttribution)."""
    spec = importlib.util.find_spec("cypack")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "data" / "Data.csv"
    return path if path.is_file() else None


def rel_diff(ours: np.ndarray, theirs: np.ndarray) -> float:
    """Largest difference relative to the larger magnitude (absolute below 1)."""
    scale = np.maximum(np.maximum(np.abs(ours), np.abs(theirs)), 1.0)
    return float(np.max(np.abs(ours - theirs) / scale)) if ours.size else 0.0


# ---------------------------------------------------------------------------------- heuristics
def compare_heuristics(ca: ModuleType, data: pd.DataFrame, journeys: oc.Journeys) -> bool:
    peer = ca.heuristic_models(
        data, "path", "total_conversions", var_value="total_conversion_value", flg_pro=False
    ).set_index("channel_name")
    ours = {
        name: oc.attribute(journeys, model).to_frame().set_index("channel")
        for name, model in HEURISTICS
    }
    channels = ours["linear"].index
    same_channels = set(peer.index) == set(channels)
    print(
        f"Heuristic models: CA heuristic_models vs ours on {journeys.n_paths:,} paths, "
        f"{journeys.n_touches:,} touches, {journeys.n_channels} channels, "
        f"{journeys.total_conversions:,.0f} conversions, value {journeys.total_value:,.2f}"
    )
    metrics = (("conversions", "conv"), ("value", "value"))
    print(
        f"{'ours':10s}"
        + "".join(f"{n + ' ' + short:>19s}" for n, _ in HEURISTICS for _, short in metrics)
    )
    for ch in channels:
        cells = "".join(f"{ours[n].loc[ch, m]:19.6f}" for n, _ in HEURISTICS for m, _ in metrics)
        print(f"{ch:10s}{cells}")
    ok = same_channels
    diffs = []
    for name, _ in HEURISTICS:
        for metric in ("conversions", "value"):
            theirs = peer[f"{CA_HEURISTIC[name]}_{metric}"].reindex(channels).to_numpy(float)
            d = rel_diff(ours[name][metric].to_numpy(), theirs)
            ok &= bool(np.isfinite(d) and d <= RTOL)
            diffs.append(f"{name} {metric} {d:.1e}")
    print(f"max relative difference vs CA: {', '.join(diffs)}")
    print(f"same channel set: {same_channels}; heuristics match to {RTOL:g}: {ok}")

    # Linear with a repeated channel: per touch (a gets 2 of 3), not per distinct channel.
    tiny = pd.DataFrame(
        {"path": ["a > b > a"], "total_conversions": [3], "total_conversion_value": [30.0]}
    )
    ca_tiny = ca.heuristic_models(
        tiny, "path", "total_conversions", var_value="total_conversion_value", flg_pro=False
    ).set_index("channel_name")["linear_touch_conversions"]
    ours_tiny = oc.attribute(oc.Journeys.from_paths(tiny), oc.Linear()).conversions
    print(
        f"linear on 'a > b > a' with 3 conversions: CA a={ca_tiny['a']:g}, b={ca_tiny['b']:g}; "
        f"ours a={ours_tiny[0]:g}, b={ours_tiny[1]:g} (one share per touch)"
    )
    distinct = oc.attribute(journeys, oc.Shapley(method="simplified")).to_frame()
    with_repeat = _paths_with_repeated_channel(journeys)
    ca_linear = peer["linear_touch_conversions"].reindex(channels).to_numpy(float)
    print(
        f"{with_repeat:.1%} of the example paths touch a channel more than once; a split per "
        f"distinct channel would differ from CA's linear by up to "
        f"{rel_diff(distinct['conversions'].to_numpy(), ca_linear):.1%} of a channel's credit\n"
    )
    return ok


def _paths_with_repeated_channel(journeys: oc.Journeys) -> float:
    k = journeys.n_channels
    path = np.repeat(np.arange(journeys.n_paths), journeys.lengths)
    pairs = np.unique(path * k + journeys.codes.astype(np.int64))
    distinct = np.bincount(pairs // k, minlength=journeys.n_paths)
    return float(np.mean(distinct < journeys.lengths))


# ---------------------------------------------------------------------------------- exact chain
def last_state_value(journeys: oc.Journeys, order: int, collapse: bool) -> pd.Series:
    """Value of the converting paths, by the label of the chain state they end in."""
    store = journeys.collapse_repeats() if collapse else journeys
    touch = np.asarray(store.channels, dtype=object)[store.codes]
    lo, hi = store.offsets[:-1].tolist(), store.offsets[1:].tolist()
    labels = [" > ".join(touch[max(a, b - order) : b]) for a, b in zip(lo, hi, strict=True)]
    value = np.where(store.conversions > 0, store.value, 0.0)
    return pd.Series(value).groupby(np.asarray(labels, dtype=object)).sum()


def chain_effects(result: oc.Attribution, end_value: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Removal effects re-solved from ``transition_matrix()``: conversions and value-weighted.

    The value-weighted effect uses the reward ``value of the paths ending in s / journeys leaving
    s`` in place of ``P(s -> conversion)``: the expected value CA draws at a conversion from s.
    """
    tm = result.transition_matrix()
    absorbing = ["(conversion)", "(null)"]
    transient = ~tm["to_state"].isin(absorbing)
    states = pd.Index(pd.unique(pd.concat([tm["from_state"], tm["to_state"][transient]])))
    t = len(states)
    src = states.get_indexer(tm["from_state"])
    prob = tm["probability"].to_numpy(float)
    q = sp.csr_matrix(
        (prob[transient], (src[transient], states.get_indexer(tm["to_state"][transient]))),
        shape=(t, t),
    )
    to_conv = (tm["to_state"] == "(conversion)").to_numpy()
    reward = np.bincount(src[to_conv], weights=prob[to_conv], minlength=t)
    out = np.bincount(src, weights=tm["count"].to_numpy(float), minlength=t)
    reward_value = end_value.reindex(states, fill_value=0.0).to_numpy(float) / np.where(
        out > 0, out, 1.0
    )
    rhs = np.column_stack([reward, reward_value])
    a = (sp.identity(t, format="csc") - q.tocsc()).tocsc()
    start = states.get_loc("(start)")
    x = spla.splu(a).solve(rhs)[start]
    parts = [set(label.split(" > ")) for label in states]
    effects = np.zeros((len(result.channels), 2))
    for c, channel in enumerate(result.channels):
        keep = np.array([channel not in p for p in parts])
        sub = a[keep][:, keep].tocsc()
        x_removed = spla.splu(sub).solve(rhs[keep])[int(keep[:start].sum())]
        effects[c] = 1.0 - x_removed / x
    return effects[:, 0], effects[:, 1]


# ---------------------------------------------------------------------------------- markov
def run_ca_markov(
    ca: ModuleType, data: pd.DataFrame, order: int, seeds: list[int], channels: tuple[str, ...]
) -> dict[str, np.ndarray | float]:
    runs: dict[str, list[np.ndarray]] = {"conv": [], "value": [], "re": [], "re_value": []}
    t0 = time.perf_counter()
    for seed in seeds:
        res = ca.markov_model(
            data,
            "path",
            "total_conversions",
            var_value="total_conversion_value",
            var_null="total_null",
            order=order,
            seed=seed,
            out_more=True,
            verbose=False,
            flg_pro=False,
        )
        result = res["result"].set_index("channel_name").reindex(list(channels)).fillna(0.0)
        effects = res["removal_effects"].set_index("channel_name").reindex(list(channels))
        runs["conv"].append(result["total_conversions"].to_numpy(float))
        runs["value"].append(result["total_conversion_value"].to_numpy(float))
        runs["re"].append(effects["removal_effects_conversion"].fillna(0.0).to_numpy(float))
        runs["re_value"].append(
            effects["removal_effects_conversion_value"].fillna(0.0).to_numpy(float)
        )
    out: dict[str, np.ndarray | float] = {k: np.vstack(v) for k, v in runs.items()}
    out["seconds"] = (time.perf_counter() - t0) / len(seeds)
    return out


def z_scores(ours: np.ndarray, runs: np.ndarray) -> np.ndarray:
    """(ours - mean) / (sd / sqrt(n)); 0 where CA never varies and ours equals it."""
    n = runs.shape[0]
    mean, sd = runs.mean(axis=0), runs.std(axis=0, ddof=1)
    se = sd / np.sqrt(n)
    diff = ours - mean
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, diff / se, np.where(np.abs(diff) <= 1e-9, 0.0, np.inf))
    return z


def compare_markov(
    ca: ModuleType, data: pd.DataFrame, journeys: oc.Journeys, order: int, seeds: list[int]
) -> tuple[pd.DataFrame, bool]:
    channels = journeys.channels
    total, total_value = journeys.total_conversions, journeys.total_value
    ours, seconds, vw, resolve_ok = {}, {}, {}, True
    for collapse in (False, True):
        t0 = time.perf_counter()
        result = oc.attribute(journeys, oc.Markov(order=order, collapse_repeats=collapse))
        seconds[collapse] = time.perf_counter() - t0
        ours[collapse] = result
        re_conv, re_value = chain_effects(result, last_state_value(journeys, order, collapse))
        ours_re = result.removal_effects()["removal_effect"].to_numpy()
        resolve_ok &= rel_diff(re_conv, ours_re) <= 1e-9
        vw[collapse] = re_value / re_value.sum() * total_value
    peer = run_ca_markov(ca, data, order, seeds, channels)
    conv_runs, value_runs = peer["conv"], peer["value"]
    assert isinstance(conv_runs, np.ndarray)
    assert isinstance(value_runs, np.ndarray)
    n = len(seeds)
    exact = ours[False].conversions
    mean, sd = conv_runs.mean(axis=0), conv_runs.std(axis=0, ddof=1)
    lo, hi = conv_runs.min(axis=0), conv_runs.max(axis=0)
    z = z_scores(exact, conv_runs)
    in_range = (exact >= lo) & (exact <= hi)
    err = np.abs(conv_runs - exact)
    mae = err.mean(axis=0) / total * 100
    max_err = err.max(axis=0) / total * 100
    with np.errstate(divide="ignore", invalid="ignore"):
        max_rel = np.where(exact > 0, err.max(axis=0) / exact * 100, np.nan)
    print(
        f"Markov order {order}: CA markov_model over {n} seeds ({_seed_list(seeds)}), "
        f"{peer['seconds']:.2f} s per run; ours exact in {seconds[False]:.3f} s "
        f"(collapse_repeats=False, CA's chain)"
    )
    print(
        f"{'channel':10s}{'ours exact':>12s}{'CA mean':>12s}{'CA sd':>10s}{'CA min':>12s}"
        f"{'CA max':>12s}{'z':>7s}{'in range':>9s}{'MAE %tot':>10s}{'max %tot':>10s}"
        f"{'max rel %':>10s}"
    )
    for i, ch in enumerate(channels):
        print(
            f"{ch:10s}{exact[i]:12.3f}{mean[i]:12.3f}{sd[i]:10.3f}{lo[i]:12.3f}{hi[i]:12.3f}"
            f"{z[i]:7.2f}{'yes' if in_range[i] else 'no':>9s}{mae[i]:10.3f}{max_err[i]:10.3f}"
            f"{max_rel[i]:10.1f}"
        )
    l1 = err.sum(axis=1) / total * 100
    agree = np.abs(z) <= 3
    print(
        f"agreement (|z| <= 3, z = (ours - mean CA) / (sd CA / sqrt({n}))): "
        f"{int(agree.sum())}/{len(channels)} channels, max |z| = {np.max(np.abs(z)):.2f}, "
        f"sum z^2 = {np.sum(z**2):.1f} on {len(channels)} channels; within CA min-max: "
        f"{int(in_range.sum())}/{len(channels)}"
    )
    print(
        f"CA error vs exact, sum over channels of |CA - exact| as % of total conversions: "
        f"mean {l1.mean():.2f}%, max {l1.max():.2f}% over the {n} runs "
        f"(CA stops at conv_par = 5% spread between its streams)"
    )
    alt = ours[True].conversions
    z_alt = z_scores(alt, conv_runs)
    print(
        f"collapse_repeats=True (our default): max |ours(True) - ours(False)| = "
        f"{np.max(np.abs(alt - exact)):.3g} conversions; max |z| = {np.max(np.abs(z_alt)):.2f}, "
        f"sum z^2 = {np.sum(z_alt**2):.1f}"
    )
    print(
        f"independent re-solve of our removal effects from transition_matrix(): "
        f"{'agrees' if resolve_ok else 'DISAGREES'} to 1e-9"
    )

    # Value: ours shares value by conversion shares; CA by value-weighted removal effects.
    ours_value = ours[False].value
    v_mean, v_sd = value_runs.mean(axis=0), value_runs.std(axis=0, ddof=1)
    z_vw = z_scores(vw[False], value_runs)
    z_ours = z_scores(ours_value, value_runs)
    re_runs, re_value_runs = peer["re"], peer["re_value"]
    assert isinstance(re_runs, np.ndarray)
    assert isinstance(re_value_runs, np.ndarray)
    ca_value_shares = value_runs / value_runs.sum(axis=1, keepdims=True)
    ca_re_shares = re_value_runs / re_value_runs.sum(axis=1, keepdims=True)
    print(
        f"\nMarkov order {order} value: ours = conversion share x total value; CA = "
        f"value-weighted removal-effect share x total value ({total_value:,.2f})"
    )
    print(
        f"{'channel':10s}{'ours value':>12s}{'exact vw':>12s}{'CA mean':>12s}{'CA sd':>10s}"
        f"{'z vw':>8s}{'z ours':>8s}{'ours-vw %tot':>13s}"
    )
    for i, ch in enumerate(channels):
        print(
            f"{ch:10s}{ours_value[i]:12.2f}{vw[False][i]:12.2f}{v_mean[i]:12.2f}{v_sd[i]:10.2f}"
            f"{z_vw[i]:8.2f}{z_ours[i]:8.2f}"
            f"{(ours_value[i] - vw[False][i]) / total_value * 100:13.2f}"
        )
    print(
        f"CA value credit / total value equals CA's value removal effects normalised "
        f"(max diff {np.max(np.abs(ca_value_shares - ca_re_shares)):.1e}), and those differ "
        f"from its conversion removal effects by up to "
        f"{np.max(np.abs(re_value_runs - re_runs)):.3f}"
    )
    print(
        f"agreement with CA value (|z| <= 3): exact value-weighted {int((np.abs(z_vw) <= 3).sum())}"
        f"/{len(channels)} (max |z| {np.max(np.abs(z_vw)):.2f}), ours "
        f"{int((np.abs(z_ours) <= 3).sum())}/{len(channels)} (max |z| "
        f"{np.max(np.abs(z_ours)):.2f}); sum |ours - value-weighted| = "
        f"{np.sum(np.abs(ours_value - vw[False])) / total_value * 100:.2f}% of total value"
    )
    weighted = oc.attribute(
        journeys, oc.Markov(order=order, collapse_repeats=False, value_weighting=True)
    ).value
    z_weighted = z_scores(weighted, value_runs)
    resolve_ok &= rel_diff(weighted, vw[False]) <= 1e-9
    print(
        f"Markov(value_weighting=True): max relative difference to the independent "
        f"value-weighted solution {rel_diff(weighted, vw[False]):.1e}; agreement with CA value "
        f"{int((np.abs(z_weighted) <= 3).sum())}/{len(channels)} (max |z| "
        f"{np.max(np.abs(z_weighted)):.2f})\n"
    )

    rows = []
    for collapse in (False, True):
        res = ours[collapse]
        rows.append(
            pd.DataFrame(
                {
                    "model": f"markov_{order}",
                    "collapse_repeats": collapse,
                    "channel": list(channels),
                    "conversions": res.conversions,
                    "value": res.value,
                    "removal_effect": res.removal_effects()["removal_effect"].to_numpy(),
                    "value_weighted": vw[collapse],
                    "ca_conversions_mean": mean,
                    "ca_conversions_sd": sd,
                    "ca_value_mean": v_mean,
                    "ca_value_sd": v_sd,
                    "ca_n_seeds": n,
                }
            )
        )
    return pd.concat(rows, ignore_index=True), resolve_ok


def _seed_list(seeds: list[int]) -> str:
    if len(seeds) <= 3:
        return ", ".join(map(str, seeds))
    return f"{seeds[0]}, {seeds[1]}, ..., {seeds[-1]}"


def heuristic_rows(journeys: oc.Journeys) -> pd.DataFrame:
    rows = []
    for name, model in HEURISTICS:
        frame = oc.attribute(journeys, model).to_frame()
        rows.append(
            pd.DataFrame(
                {
                    "model": name,
                    "collapse_repeats": False,
                    "channel": frame["channel"],
                    "conversions": frame["conversions"],
                    "value": frame["value"],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def check_reference(table: pd.DataFrame, path: Path) -> bool:
    """Our exact credits against the stored reference (CA's columns are not checked)."""
    if not path.is_file():
        print(f"no stored reference at {path}; create it with --write-reference")
        return True
    stored = pd.read_csv(path, comment="#")
    key = ["model", "collapse_repeats", "channel"]
    merged = table.merge(stored, on=key, how="outer", suffixes=("", "_stored"), indicator=True)
    missing = int((merged["_merge"] != "both").sum())
    worst = 0.0
    for column in ("conversions", "value", "removal_effect", "value_weighted"):
        a = merged[column].to_numpy(float)
        b = merged[f"{column}_stored"].to_numpy(float)
        both = np.isfinite(a) & np.isfinite(b)
        if (np.isfinite(a) != np.isfinite(b)).any():
            missing += 1
        worst = max(worst, rel_diff(a[both], b[both]))
    ok = missing == 0 and worst <= RTOL
    print(
        f"stored reference {path.name}: {len(stored)} rows, max relative drift of our exact "
        f"credits {worst:.1e}, unmatched rows {missing}: {'ok' if ok else 'DRIFT'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=40, help="CA Markov runs per order")
    parser.add_argument(
        "--orders", default="1,3", help="comma-separated Markov orders (default 1,3)"
    )
    parser.add_argument("--write-reference", action="store_true", help="store our credits")
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    args = parser.parse_args()

    ca = load_peer()
    data_path = example_data()
    if ca is None or data_path is None:
        what = "ChannelAttribution" if ca is None else "its example data (cypack/data/Data.csv)"
        print(
            f"skipped: {what} is not installed. Install the benchmark extras with\n"
            '    pip install "omnichannel[bench]"'
        )
        return 0
    version = importlib.metadata.version("ChannelAttribution")
    data = pd.read_csv(data_path, sep=";")
    journeys = oc.Journeys.from_paths(data)
    print(f"ChannelAttribution {version}, example data {data_path}\n")

    failures = [] if compare_heuristics(ca, data, journeys) else ["heuristic credits differ"]

    # Seeds s and s + 1 share nfold - 1 of CA's random streams; show it once, then space them.
    same = [
        ca.markov_model(
            data,
            "path",
            "total_conversions",
            var_null="total_null",
            seed=s,
            verbose=False,
            flg_pro=False,
        )["total_conversions"].to_numpy()
        for s in (0, 1)
    ]
    print(
        f"CA markov_model with seed 0 and seed 1 gives identical credits: "
        f"{bool(np.array_equal(same[0], same[1]))} (streams seed..seed+{NFOLD - 1} overlap); "
        f"seeds below are spaced by {NFOLD}\n"
    )
    seeds = [NFOLD * i for i in range(args.seeds)]
    tables = [heuristic_rows(journeys)]
    for order in (int(o) for o in args.orders.split(",")):
        table, resolve_ok = compare_markov(ca, data, journeys, order, seeds)
        if not resolve_ok:
            failures.append(f"order-{order} removal effects disagree with the re-solve")
        tables.append(table)
    reference = pd.concat(tables, ignore_index=True)

    if args.write_reference:
        args.reference.parent.mkdir(parents=True, exist_ok=True)
        with args.reference.open("w", encoding="utf-8", newline="") as handle:
            handle.write(
                "# Regenerate with: python benchmarks/compare_channelattribution.py "
                "--write-reference (our exact credits on ChannelAttribution's example data, "
                f"which is not stored here; ca_* columns: ChannelAttribution {version} "
                f"markov_model seed mean and sd over seeds {seeds[0]}..{seeds[-1]} step {NFOLD})\n"
            )
            reference.to_csv(handle, index=False, float_format="%.12g")
        print(f"wrote {args.reference} ({len(reference)} rows)")
    elif not check_reference(reference, args.reference):
        failures.append("exact credits drift from the stored reference")
    if failures:
        print(f"\nFAILED: {'; '.join(failures)}")
        return 1
    print(
        "\nOK: heuristic credits match ChannelAttribution; Markov checks are reported above "
        "(informational)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
