"""Regenerate tests/data/synergy/transforms_pymc.json: PyMC-Marketing's media transforms.

Runs in a venv with pymc-marketing (not a dependency of omnichannel):

    /work/pymc-venv/bin/python benchmarks/make_mix_reference.py

The test tests/test_synergy_transforms.py reads the frozen file and checks that our kernels give
the same numbers. PyMC-Marketing's Weibull CDF kernel has l_max + 1 weights; ours has l_max, so
the CDF cases are compared with our l_max one larger.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pymc_marketing
import xarray as xr
from pymc_marketing.mmm import transformers as tr

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "synergy" / "transforms_pymc.json"


def main() -> None:
    rng = np.random.default_rng(20240601)
    spend = np.round(rng.gamma(1.5, 0.4, size=30) * (rng.random(30) < 0.7), 6)
    x = xr.DataArray(spend, dims=("date",))
    cases: list[dict[str, object]] = []
    for alpha in (0.0, 0.3, 0.8):
        for normalize in (False, True):
            out = tr.geometric_adstock(x, alpha=alpha, l_max=8, normalize=normalize, dim="date")
            cases.append(
                {
                    "transform": "geometric",
                    "params": {"alpha": alpha, "l_max": 8, "normalize": normalize},
                    "output": out.eval().tolist(),
                }
            )
    for kind in ("PDF", "CDF"):
        for shape, scale in ((0.7, 1.5), (2.0, 3.0), (4.0, 6.0)):
            for normalize in (False, True):
                out = tr.weibull_adstock(
                    x, lam=scale, k=shape, l_max=10, dim="date", type=kind, normalize=normalize
                )
                cases.append(
                    {
                        "transform": "weibull",
                        "params": {
                            "shape": shape,
                            "scale": scale,
                            "kind": kind.lower(),
                            "l_max": 10,
                            "normalize": normalize,
                        },
                        "output": out.eval().tolist(),
                    }
                )
    for lam in (0.5, 3.0, 12.0):
        out = tr.logistic_saturation(x, lam=lam)
        cases.append(
            {"transform": "logistic", "params": {"lam": lam}, "output": out.eval().tolist()}
        )
    for slope, kappa in ((0.6, 0.2), (1.0, 0.5), (3.0, 1.0)):
        out = tr.hill_function(x, slope, kappa)
        cases.append(
            {
                "transform": "hill",
                "params": {"slope": slope, "half_saturation": kappa},
                "output": out.eval().tolist(),
            }
        )
    for k in (0.1, 1.0):
        out = tr.michaelis_menten(x, 1.0, k)
        cases.append(
            {"transform": "michaelis_menten", "params": {"k": k}, "output": out.eval().tolist()}
        )
    payload = {
        "source": f"pymc-marketing {pymc_marketing.__version__}, pymc_marketing.mmm.transformers",
        "script": "benchmarks/make_mix_reference.py",
        "spend": spend.tolist(),
        "cases": cases,
    }
    OUT.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
