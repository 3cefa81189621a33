"""The multichannel premium: self-selection ground truth, peers, E-values and invariants."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omnichannel as oc
from omnichannel._synergy._premium import e_value

REFERENCE = Path(__file__).parents[1] / "benchmarks" / "reference"
METHODS = ("ipw", "matching", "regression", "aipw")


@pytest.fixture(scope="module")
def selection() -> oc.CustomerSelection:
    return oc.simulate_customer_selection(n_customers=5000, seed=11)


def _premium(sim: oc.CustomerSelection, **kwargs: object) -> oc.PremiumResult:
    options: dict[str, object] = {
        "treatment": "multichannel",
        "outcome": "spend",
        "covariates": list(sim.covariates),
    }
    options.update(kwargs)
    return oc.multichannel_premium(sim.customers, **options)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# ground truth: self-selection with every confounder observed


def test_simulation_has_a_doubling_naive_premium_and_a_ten_percent_true_one(
    selection: oc.CustomerSelection,
) -> None:
    truth = selection.truth
    ratio = truth["spend_multi"] / truth["spend_single"]
    np.testing.assert_allclose(ratio, 1.10)
    assert 0.9 < selection.expected_naive_premium < 1.3
    frame = selection.customers
    observed = frame.groupby("multichannel")["spend"].mean()
    assert 1.8 < observed[True] / observed[False] < 2.4


@pytest.mark.parametrize(
    ("method", "model"),
    [("ipw", "linear"), ("matching", "linear"), ("regression", "log"), ("aipw", "log")],
)
def test_adjusted_premium_recovers_the_truth_and_naive_does_not(
    selection: oc.CustomerSelection, method: str, model: str
) -> None:
    res = _premium(selection, method=method, outcome_model=model, n_boot=200, seed=1)
    frame = res.to_frame().set_index("estimator")
    truth = selection.truth
    treated = selection.customers["multichannel"].to_numpy()
    # The sample ATT in spend units: E[Y(1) - Y(0)] over the multichannel customers.
    true_diff = float((truth["spend_multi"] - truth["spend_single"])[treated].mean())
    adjusted = frame.loc[method]
    assert abs(adjusted["difference"] - true_diff) <= 2 * adjusted["difference_se"]
    assert adjusted["ratio_lower"] <= 1.10 <= adjusted["ratio_upper"]
    naive = frame.loc["naive"]
    assert abs(naive["difference"] - true_diff) > 2 * naive["difference_se"]
    assert naive["ratio_lower"] > 1.10 + 0.5
    # Adjustment balances the covariates the naive comparison leaves unbalanced.
    balance = res.balance()
    assert balance["smd_before"].abs().max() > 0.5
    assert balance["smd_after"].abs().max() < 0.15


def test_ate_and_att_agree_for_a_constant_premium(selection: oc.CustomerSelection) -> None:
    att = _premium(selection, method="aipw", outcome_model="log", estimand="att", n_boot=0)
    ate = _premium(selection, method="aipw", outcome_model="log", estimand="ate", n_boot=0)
    for res in (att, ate):
        row = res.to_frame().iloc[1]
        assert row["ratio_lower"] <= 1.10 <= row["ratio_upper"]


def test_hidden_confounding_biases_the_estimate_and_the_e_value_measures_it() -> None:
    sim = oc.simulate_customer_selection(n_customers=5000, hidden_confounding=1.5, seed=4)
    res = _premium(sim, method="aipw", outcome_model="log", n_boot=0)
    assert res.premium > 0.2  # the unobserved part of value is credited to channels
    rr = res.ratio
    assert res.e_value == pytest.approx(rr + np.sqrt(rr * (rr - 1)))
    assert 1.0 < res.e_value_ci < res.e_value


def test_channel_count_treatment_equals_the_boolean_one(selection: oc.CustomerSelection) -> None:
    by_bool = _premium(selection, method="ipw", n_boot=0).to_frame()
    by_count = _premium(
        selection, method="ipw", n_boot=0, treatment="n_channels", min_channels=2
    ).to_frame()
    pd.testing.assert_frame_equal(by_bool, by_count)


def test_trimming_drops_extreme_propensities(selection: oc.CustomerSelection) -> None:
    res = _premium(selection, method="ipw", n_boot=0, trim=0.05)
    assert res.n_trimmed > 0
    row = res.to_frame().iloc[1]
    assert row["n_treated"] + row["n_control"] == res.n_customers - res.n_trimmed


# ------------------------------------------------------------------------------------------
# peers: statsmodels TreatmentEffect and Stata teffects on Cattaneo (2010)


def _cattaneo() -> pd.DataFrame:
    import statsmodels

    path = Path(statsmodels.__file__).parent / "treatment" / "tests" / "results" / "cataneo2.csv"
    if not path.exists():
        pytest.skip("statsmodels' cataneo2.csv test data is not installed")
    return pd.read_csv(path)


@pytest.mark.parametrize(
    "case", ["ipw/ate", "regression/ate", "aipw/ate", "ipw/att", "regression/att"]
)
def test_matches_statsmodels_treatment_effects(case: str) -> None:
    ref = json.loads((REFERENCE / "premium_teffects_reference.json").read_text())
    method, estimand = case.split("/")
    res = oc.multichannel_premium(
        _cattaneo(),
        treatment=ref["treatment"],
        outcome=ref["outcome"],
        covariates=ref["covariates"],
        outcome_covariates=ref["outcome_covariates"],
        method=method,  # type: ignore[arg-type]
        estimand=estimand,  # type: ignore[arg-type]
        n_boot=0,
    )
    row = res.to_frame().iloc[1]
    want = ref["statsmodels_logit"][case]
    for column in ("difference", "control_mean", "treated_mean"):
        assert row[column] == pytest.approx(want[column], rel=1e-6)


@pytest.mark.parametrize("estimand", ["ate", "att"])
def test_regression_adjustment_matches_published_stata_results(estimand: str) -> None:
    ref = json.loads((REFERENCE / "premium_teffects_reference.json").read_text())
    stata = ref["stata_teffects_ra"][f"regression/{estimand}"]
    res = oc.multichannel_premium(
        _cattaneo(),
        treatment=ref["treatment"],
        outcome=ref["outcome"],
        covariates=ref["covariates"],
        outcome_covariates=ref["outcome_covariates"],
        method="regression",
        estimand=estimand,  # type: ignore[arg-type]
        n_boot=0,
    )
    row = res.to_frame().iloc[1]
    assert row["difference"] == pytest.approx(stata["difference"], rel=1e-6)
    assert row["control_mean"] == pytest.approx(stata["control_mean"], rel=1e-6)
    # Stata's robust SE differs from the influence-function one by n / (n - 1) at most.
    assert row["difference_se"] == pytest.approx(stata["difference_se"], rel=1e-3)


# ------------------------------------------------------------------------------------------
# E-value: published examples of VanderWeele & Ding (2017)


def test_e_value_published_examples() -> None:
    # Breastfeeding and infant death: RR 3.9 (1.8, 8.7) -> 7.2 and 3.0 in the paper.
    point, ci = e_value(3.9, 1.8, 8.7)
    assert point == pytest.approx(3.9 + np.sqrt(3.9 * 2.9))
    assert round(point, 2) == 7.26
    assert ci == pytest.approx(3.0)
    # A protective ratio is inverted; an interval covering 1 gives 1.
    assert e_value(0.80)[0] == pytest.approx(e_value(1.25)[0])
    assert e_value(1.3, 0.9, 1.8)[1] == 1.0
    assert e_value(0.5, 0.3, 0.8)[1] == pytest.approx(e_value(1.25)[0])


# ------------------------------------------------------------------------------------------
# invariants


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    scale=st.floats(0.01, 1000.0),
    method=st.sampled_from(METHODS),
    estimand=st.sampled_from(("att", "ate")),
)
def test_invariant_to_row_order_and_outcome_scale(
    seed: int, scale: float, method: str, estimand: str
) -> None:
    sim = oc.simulate_customer_selection(n_customers=400, seed=seed)
    frame = sim.customers
    kwargs: dict[str, object] = {
        "treatment": "multichannel",
        "outcome": "spend",
        "covariates": list(sim.covariates),
        "method": method,
        "estimand": estimand,
        "outcome_model": "log",
        "n_boot": 0,
    }
    base = oc.multichannel_premium(frame, **kwargs).to_frame()  # type: ignore[arg-type]
    shuffled = frame.sample(frac=1.0, random_state=seed)
    permuted = oc.multichannel_premium(shuffled, **kwargs).to_frame()  # type: ignore[arg-type]
    scaled_frame = frame.assign(spend=frame["spend"] * scale)
    scaled = oc.multichannel_premium(scaled_frame, **kwargs).to_frame()  # type: ignore[arg-type]
    for col in ("ratio", "premium"):
        np.testing.assert_allclose(permuted[col], base[col], rtol=1e-7)
        np.testing.assert_allclose(scaled[col], base[col], rtol=1e-6)
    np.testing.assert_allclose(scaled["difference"], base["difference"] * scale, rtol=1e-6)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), method=st.sampled_from(METHODS))
def test_bootstrap_intervals_contain_the_estimate(seed: int, method: str) -> None:
    sim = oc.simulate_customer_selection(n_customers=1500, seed=seed)
    res = _premium(sim, method=method, outcome_model="log", n_boot=100, seed=seed)
    frame = res.to_frame()
    assert (frame["difference_lower"] <= frame["difference"]).all()
    assert (frame["difference"] <= frame["difference_upper"]).all()
    assert (frame["ratio_lower"] <= frame["ratio"]).all()
    assert (frame["ratio"] <= frame["ratio_upper"]).all()
    assert (frame["difference_se"] > 0).all()


def test_same_seed_same_result_and_input_untouched(selection: oc.CustomerSelection) -> None:
    frame = selection.customers
    before = frame.copy()
    a = oc.multichannel_premium(
        frame,
        treatment="multichannel",
        outcome="spend",
        covariates=list(selection.covariates),
        method="matching",
        n_boot=20,
        seed=5,
    )
    b = oc.multichannel_premium(
        frame,
        treatment="multichannel",
        outcome="spend",
        covariates=list(selection.covariates),
        method="matching",
        n_boot=20,
        seed=5,
    )
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    pd.testing.assert_frame_equal(frame, before)


def test_result_views(selection: oc.CustomerSelection) -> None:
    res = _premium(selection, method="aipw", n_boot=0)
    assert res.to_frame().columns[0] == "estimator"
    assert res.to_frame()["estimator"].tolist() == ["naive", "aipw"]
    assert res.balance()["covariate"].tolist() == [
        "tenure_years",
        "prior_orders",
        "log_prior_spend",
        "region=suburban",
        "region=urban",
    ]
    summary = res.summary().set_index("statistic")["value"]
    assert summary["premium"] == pytest.approx(res.premium)
    assert "PremiumResult(aipw, att" in repr(res)
    copy = res.to_frame()
    copy.loc[0, "premium"] = -1.0  # a copy: the result does not change
    assert res.naive_premium > 0


def test_love_plot() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    sim = oc.simulate_customer_selection(n_customers=300, seed=0)
    ax = _premium(sim, method="ipw", n_boot=0).plot()
    assert ax.get_xlabel() == "|standardised mean difference|"
    import matplotlib.pyplot as plt

    plt.close("all")


# ------------------------------------------------------------------------------------------
# bad input


def test_bad_input_has_clear_errors(selection: oc.CustomerSelection) -> None:
    frame = selection.customers
    covs = list(selection.covariates)
    base: dict[str, object] = {"treatment": "multichannel", "outcome": "spend", "covariates": covs}
    with pytest.raises(oc.SchemaError, match=r"missing required column\(s\) \['nope'\]"):
        oc.multichannel_premium(frame, **{**base, "covariates": ["nope"]})  # type: ignore[arg-type]
    with pytest.raises(oc.SchemaError, match="binary treatment.*min_channels=2"):
        oc.multichannel_premium(frame, **{**base, "treatment": "n_channels"})  # type: ignore[arg-type]
    negative = frame.assign(spend=frame["spend"] - 1000)
    with pytest.raises(oc.SchemaError, match=r"customers\['spend'\].*negative"):
        oc.multichannel_premium(negative, **base)  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="'method' parameter"):
        oc.multichannel_premium(frame, **{**base, "method": "psm"})  # type: ignore[arg-type]
    with pytest.raises(oc.SchemaError, match="single value"):
        oc.multichannel_premium(
            frame.assign(const=1.0),
            **{**base, "covariates": [*covs, "const"]},  # type: ignore[arg-type]
        )
    with pytest.raises(oc.SchemaError, match="pandas DataFrame"):
        oc.multichannel_premium(frame.to_dict(), **base)  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="must not include the treatment"):
        oc.multichannel_premium(frame, **{**base, "covariates": ["spend"]})  # type: ignore[arg-type]


def test_no_overlap_is_an_error() -> None:
    rng = np.random.default_rng(0)
    n = 400
    treated = rng.random(n) < 0.5
    frame = pd.DataFrame(
        {
            "multi": treated,
            "spend": rng.gamma(2.0, 50.0, size=n),
            # A covariate that gives the treatment away: no comparable customers exist.
            "store_visits": np.where(treated, 5.0, 0.0) + rng.random(n),
        }
    )
    with pytest.raises(oc.SchemaError, match="No overlap"):
        oc.multichannel_premium(
            frame, treatment="multi", outcome="spend", covariates=["store_visits"], n_boot=0
        )
