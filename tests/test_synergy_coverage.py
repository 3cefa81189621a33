"""Repeated simulations: bias, interval coverage, false positives and sign of the interaction.

Data come from the Naik & Raman interaction process of ``simulate_mix`` with a fixed Hill media
index (``s = hill(spend / max spend)``, the media of ``fit_mix_model``). The fits use the
fixed-transform path of ``fit_mix_model``: adstock ``Geometric(alpha=0.0, l_max=1)`` (none) and
the same Hill with its parameters given (the options of ``synergy_power``), so every fit is one
least-squares solve with Wald t intervals. ``synergy_power`` solves all simulations of a design at
once and checks the batched solve against ``fit_mix_model`` on the first dataset; the last test
checks ``MixModel.refit`` itself against the exact power of the t-test.

Numbers of simulations are chosen so that each check has a Monte Carlo error well inside its
tolerance (4,000 tests put the standard error of a 95% coverage at 0.0034, so [0.93, 0.97] is
about six standard errors wide on each side) while the module runs in a few seconds.

The shared-audience process has no interaction term but a concave curve of the summed spend; a
model with a separate saturation per channel reads it as cannibalisation (see the last tests).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import omnichannel as oc
from omnichannel._synergy._power import _fit_options, _pair_stats

N_SIMS = 4000
SATURATION = oc.Hill(half_saturation=0.5, slope=1.0)


def _design(**kwargs: object) -> dict[str, float]:
    res = oc.synergy_power(n_sims=N_SIMS, **kwargs)  # type: ignore[arg-type]
    return dict(res.to_frame().iloc[0])


@pytest.fixture(scope="module")
def moderate() -> dict[str, float]:
    return _design(n_weeks=104, interaction=1.0, seed=101)


@pytest.fixture(scope="module")
def null() -> dict[str, float]:
    return _design(n_weeks=104, interaction=0.0, seed=102)


def test_estimate_is_unbiased(moderate: dict[str, float]) -> None:
    assert abs(moderate["bias_in_se"]) < 0.1
    # the reported standard error matches the spread of the estimates
    assert moderate["empirical_sd"] == pytest.approx(moderate["mean_std_error"], rel=0.1)


def test_interval_coverage(moderate: dict[str, float], null: dict[str, float]) -> None:
    assert 0.93 <= moderate["coverage"] <= 0.97
    assert 0.93 <= null["coverage"] <= 0.97


def test_false_positive_rate(null: dict[str, float]) -> None:
    assert null["power"] <= 0.06
    assert abs(null["bias_in_se"]) < 0.1


def test_three_channels_every_pair_covers() -> None:
    row = _design(n_weeks=156, n_channels=3, interaction=0.5, seed=105)
    assert row["n_tests"] == 3 * N_SIMS
    assert abs(row["bias_in_se"]) < 0.1
    assert 0.93 <= row["coverage"] <= 0.97


@pytest.mark.parametrize("interaction", [2.0, -2.0])
def test_sign_is_right_when_signal_is_strong(interaction: float) -> None:
    row = _design(n_weeks=104, interaction=interaction, seed=103 if interaction > 0 else 106)
    assert row["signal_to_se"] > 3
    assert row["wrong_sign"] == 0.0
    assert row["correct_sign"] > 0.8


def test_carryover_model_still_covers() -> None:
    # with a lagged KPI the least-squares fit is only asymptotically exact
    row = _design(n_weeks=156, interaction=1.0, carryover=0.5, seed=104)
    assert abs(row["bias_in_se"]) < 0.1
    assert 0.93 <= row["coverage"] <= 0.97


def test_refit_power_matches_noncentral_t() -> None:
    # one fixed spend path: the detection rate of refit must match the exact t-test power
    sim = oc.simulate_mix(
        n_weeks=80, interaction=1.5, saturation=SATURATION, spend_cv=0.5, noise_sd=0.05, seed=7
    )
    data = sim.data
    model = oc.fit_mix_model(
        data, kpi="kpi", media=["tv", "search"], seed=0, **_fit_options(False, SATURATION)
    )
    _, se_hat, _, _ = _pair_stats(model, 0.95)
    se_true = se_hat[0] * 0.05 / model.sigma  # the same design with the true noise level
    df = model.df_resid
    crit = stats.t.ppf(0.975, df)
    ncp = 1.5 / se_true
    exact = stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp)
    assert 0.2 < exact < 0.9  # a design where the rate is informative
    rng = np.random.default_rng(8)
    n = 600
    detected = 0
    for _ in range(n):
        y = sim.truth.expected + rng.normal(0.0, 0.05, size=len(data))
        _, _, low, high = _pair_stats(model.refit(y, seed=0), 0.95)
        detected += int(low[0] > 0 or high[0] < 0)
    assert detected / n == pytest.approx(exact, abs=4 * np.sqrt(exact * (1 - exact) / n))


# ---- shared audience: cannibalisation only when the saturation is wrong ------------------------


def _shared(seed: int) -> oc.MixSimulation:
    return oc.simulate_mix(
        n_weeks=156,
        shared_audience=True,
        audience_beta=3.0,
        half_saturation=0.5,
        shape=1.0,
        spend_cv=0.5,
        noise_sd=0.05,
        seed=seed,
    )


def test_shared_audience_reads_as_cannibalisation_with_separate_curves() -> None:
    # the pitfall: one curve per channel plus a product term
    labels = []
    for seed in range(20):
        model = oc.fit_mix_model(
            _shared(seed).data,
            kpi="kpi",
            media=["tv", "search"],
            seed=0,
            **_fit_options(False, SATURATION),
        )
        labels.append(oc.score_synergy(model).to_frame()["label"].iloc[0])
    assert labels.count("cannibalising") >= 18


def test_shared_audience_is_not_cannibalisation_with_the_matching_curve() -> None:
    # the matching model: one saturation of the summed spend (the shared audience), plus the
    # product of the two channels' scaled spend as a regressor that tests for any interaction
    # beyond the shared audience; its coefficient must be significantly negative no more often
    # than the test's size allows
    n = 150
    negative = 0
    for seed in range(1000, 1000 + n):
        sim = _shared(seed)
        data = sim.data
        total = data["tv"] + data["search"]
        data = data.assign(
            audience=total,
            tv_x_search=data["tv"] * data["search"] / (data["tv"].max() * data["search"].max()),
        )
        curve = oc.Hill(half_saturation=sim.truth.half_saturation / total.max(), slope=1.0)
        model = oc.fit_mix_model(
            data,
            kpi="kpi",
            media=["audience"],
            controls=["tv_x_search"],
            adstock=oc.Geometric(alpha=0.0, l_max=1),
            saturation=curve,
            interactions=None,
            trend=False,
            seasonality=None,
            n_boot=0,
            seed=0,
        )
        term = model.coefficients().set_index("term").loc["tv_x_search"]
        negative += int(term["upper"] < 0)
    assert negative / n <= 0.06
