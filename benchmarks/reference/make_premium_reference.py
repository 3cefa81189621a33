"""Regenerate ``premium_teffects_reference.json``: peers' treatment effects on Cattaneo (2010).

Run: python benchmarks/reference/make_premium_reference.py

The data are Cattaneo's (2010) birth weights (``cataneo2.csv``, as shipped with statsmodels'
tests, BSD-3), read at run time and never copied here: the effect of maternal smoking
(``mbsmoke_``) on birth weight (``bweight``). Two peers:

- statsmodels ``TreatmentEffect`` (GMM) with a *logit* selection model on
  ``mmarried_ mage mage2 fbaby_ medu`` and the outcome model ``prenatal1_ mmarried_ mage fbaby_``:
  point estimates of IPW, RA and AIPW for the ATE, and of IPW and RA for the ATT
  (``effect_group=1``).
- Stata 16 ``teffects ra`` (published in statsmodels' ``results_teffects.py``): ATE, the control
  potential-outcome mean and the ATT with their robust standard errors. RA involves no
  propensity model, so Stata's probit choice does not matter for it.

``tests/test_synergy_premium.py`` compares ``multichannel_premium`` with the frozen numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm
from statsmodels.treatment.tests.results import results_teffects as stata
from statsmodels.treatment.treatment_effects import TreatmentEffect

OUT = Path(__file__).with_name("premium_teffects_reference.json")
SELECTION = ["mmarried_", "mage", "mage2", "fbaby_", "medu"]
OUTCOME = ["prenatal1_", "mmarried_", "mage", "fbaby_"]


def main() -> None:
    path = Path(statsmodels.__file__).parent / "treatment" / "tests" / "results" / "cataneo2.csv"
    data = pd.read_csv(path)
    select = sm.Logit.from_formula("mbsmoke_ ~ " + " + ".join(SELECTION), data).fit(disp=0)
    model = sm.OLS.from_formula("bweight ~ " + " + ".join(OUTCOME), data)
    effects = TreatmentEffect(model, np.asarray(data["mbsmoke_"]), results_select=select)
    peer: dict[str, dict[str, float]] = {}
    for ours, theirs in (("ipw", "ipw"), ("regression", "ra"), ("aipw", "aipw")):
        ate, pom0, pom1 = getattr(effects, theirs)(return_results=False)[:3]
        peer[f"{ours}/ate"] = {"difference": ate, "control_mean": pom0, "treated_mean": pom1}
    for ours, theirs in (("ipw", "ipw"), ("regression", "ra")):
        res = getattr(effects, theirs)(return_results=True, effect_group=1)
        att, pom0, pom1 = (float(v) for v in res.effect[:3])
        peer[f"{ours}/att"] = {"difference": att, "control_mean": pom0, "treated_mean": pom1}
    published = {
        "regression/ate": {
            "difference": float(stata.results_ra.table[0, 0]),
            "difference_se": float(stata.results_ra.table[0, 1]),
            "control_mean": float(stata.results_ra.table[1, 0]),
        },
        "regression/att": {
            "difference": float(stata.results_ra.table_t[0, 0]),
            "difference_se": float(stata.results_ra.table_t[0, 1]),
            "control_mean": float(stata.results_ra.table_t[1, 0]),
        },
    }
    payload = {
        "data": "statsmodels/treatment/tests/results/cataneo2.csv (Cattaneo 2010)",
        "treatment": "mbsmoke_",
        "outcome": "bweight",
        "covariates": SELECTION,
        "outcome_covariates": OUTCOME,
        "statsmodels_version": statsmodels.__version__,
        "statsmodels_logit": {k: {m: float(v) for m, v in d.items()} for k, d in peer.items()},
        "stata_teffects_ra": published,
    }
    OUT.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
