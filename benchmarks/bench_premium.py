"""Benchmark ``multichannel_premium`` against statsmodels' ``TreatmentEffect``.

Usage::

    python benchmarks/bench_premium.py                  # 50,000 customers
    python benchmarks/bench_premium.py --customers 200000 --boot 50

Both fit a logit propensity on the same covariates of ``simulate_customer_selection`` and one
OLS outcome model per arm; the script checks that IPW, regression adjustment and AIPW (ATE)
agree, then times the point estimates (ours with influence-function standard errors, theirs
with GMM standard errors) and our bootstrap, whose replicates refit every model in batched
Newton steps. statsmodels has no bootstrap of its own, so its per-replicate time is the time
of one refit on resampled rows. Ratio is peer time / our time; peak memory is the process's
maximum resident set size after each step.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.treatment.treatment_effects import TreatmentEffect

import omnichannel as oc


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def design(frame: pd.DataFrame, covariates: list[str]) -> np.ndarray:
    dummies = pd.get_dummies(frame[covariates], columns=["region"], drop_first=True, dtype=float)
    return sm.add_constant(dummies.to_numpy(dtype=float))


def peer(frame: pd.DataFrame, covariates: list[str], method: str) -> float:
    x = design(frame, covariates)
    t = frame["multichannel"].to_numpy(dtype=np.int64)
    select = sm.Logit(t, x).fit(disp=0)
    effects = TreatmentEffect(sm.OLS(frame["spend"].to_numpy(), x), t, results_select=select)
    res = getattr(effects, method)(return_results=True)
    return float(res.effect[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--boot", type=int, default=200)
    args = parser.parse_args()
    sim = oc.simulate_customer_selection(n_customers=args.customers, seed=0)
    frame = sim.customers
    covariates = list(sim.covariates)
    print(f"{args.customers:,} customers, {len(covariates)} covariates")
    for ours, theirs in (("ipw", "ipw"), ("regression", "ra"), ("aipw", "aipw")):
        start = time.perf_counter()
        res = oc.multichannel_premium(
            frame,
            treatment="multichannel",
            outcome="spend",
            covariates=covariates,
            method=ours,  # type: ignore[arg-type]
            estimand="ate",
            n_boot=0,
        )
        t_ours = time.perf_counter() - start
        start = time.perf_counter()
        effect = peer(frame, covariates, theirs)
        t_peer = time.perf_counter() - start
        diff = res.difference - effect
        print(
            f"{ours:>10}: ours {t_ours:.3f} s, statsmodels {t_peer:.3f} s, ratio "
            f"{t_peer / t_ours:.2f}; ATE difference {diff:.2e}; peak {peak_mb():.0f} MB"
        )
    start = time.perf_counter()
    oc.multichannel_premium(
        frame,
        treatment="multichannel",
        outcome="spend",
        covariates=covariates,
        method="aipw",
        estimand="ate",
        n_boot=args.boot,
        seed=1,
    )
    t_boot = time.perf_counter() - start
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    refits = 5
    for _ in range(refits):
        peer(frame.iloc[rng.integers(0, len(frame), len(frame))], covariates, "aipw")
    per_refit = (time.perf_counter() - start) / refits
    print(
        f"bootstrap aipw x {args.boot}: ours {t_boot:.2f} s; statsmodels refit loop "
        f"(estimated from {refits}) {per_refit * args.boot:.2f} s, ratio "
        f"{per_refit * args.boot / t_boot:.2f}; peak {peak_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
