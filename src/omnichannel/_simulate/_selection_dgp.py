"""Customers who select themselves into several channels: a known multichannel premium.

A latent customer value, a linear function of observed covariates (plus an optional hidden
part), raises both the chance of using several channels and later spend. The causal effect of
being multichannel is a constant multiplicative premium, so the naive comparison of group means
overstates it while an adjustment for the observed covariates recovers it.
"""

from __future__ import annotations

import attrs
import numpy as np
import pandas as pd

from .._validation import as_generator, check_int, check_real
from ._ids import format_ids, take_labels

__all__ = ["CustomerSelection", "simulate_customer_selection"]

_FUNC = "simulate_customer_selection"
#: Observed confounders, in the order of the frame.
SELECTION_COVARIATES: tuple[str, ...] = (
    "tenure_years",
    "prior_orders",
    "log_prior_spend",
    "region",
)
_REGIONS = ("rural", "suburban", "urban")
# Urban customers live near stores and use more channels; they also spend a little more.
_REGION_SELECTION = np.array([-0.4, 0.0, 0.4])
_REGION_SPEND = np.array([-0.05, 0.0, 0.05])
_BASE_SPEND = 120.0
_GAMMA_SHAPE = 2.0  # multiplicative noise: Gamma with mean 1 and coefficient of variation 0.71


@attrs.frozen(eq=False, repr=False)
class CustomerSelection:
    """Simulated customers with self-selection into channels and a known causal premium.

    Built by :func:`simulate_customer_selection`. ``customers`` has one row per customer:
    ``customer_id``, the observed confounders ``tenure_years``, ``prior_orders``,
    ``log_prior_spend`` and ``region``, the treatment ``n_channels`` and ``multichannel``
    (``n_channels >= 2``), and the outcome ``spend`` (value over the next 12 months).

    Attributes
    ----------
    true_premium : float
        The causal premium: every customer's expected spend is ``1 + true_premium`` times
        higher when multichannel, whatever the covariates (so ATT and ATE premiums agree).
    expected_naive_premium : float
        Ratio of the expected spend of the multichannel over the single-channel customers of
        this sample, minus one: what the naive comparison estimates.
    covariates : tuple of str
        The observed confounders.
    confounding, hidden_confounding : float
        Strength of the observed and of the unobserved selection.
    truth : pandas.DataFrame
        Per customer: ``customer_id``, ``propensity`` (true probability of being multichannel),
        ``spend_single`` and ``spend_multi`` (expected spend in either case).

    Examples
    --------
    >>> import omnichannel as oc
    >>> sim = oc.simulate_customer_selection(n_customers=500, seed=0)
    >>> sim.customers.columns.tolist()
    ['customer_id', 'tenure_years', 'prior_orders', 'log_prior_spend', 'region', 'n_channels', 'multichannel', 'spend']
    >>> sim.true_premium
    0.1
    """  # noqa: E501

    _customers: pd.DataFrame = attrs.field(alias="customers")
    _truth: pd.DataFrame = attrs.field(alias="truth")
    true_premium: float
    expected_naive_premium: float
    covariates: tuple[str, ...]
    confounding: float
    hidden_confounding: float

    @property
    def customers(self) -> pd.DataFrame:
        """One row per customer (a copy)."""
        return self._customers.copy()

    @property
    def truth(self) -> pd.DataFrame:
        """True propensity and expected spend of every customer (a copy)."""
        return self._truth.copy()

    def __repr__(self) -> str:
        share = float(self._customers["multichannel"].mean())
        return (
            f"CustomerSelection({len(self._customers):,} customers, {share:.0%} multichannel; "
            f"true premium {self.true_premium:+.1%}, expected naive premium "
            f"{self.expected_naive_premium:+.1%})"
        )


def simulate_customer_selection(
    *,
    n_customers: int = 5000,
    true_premium: float = 0.10,
    confounding: float = 1.0,
    hidden_confounding: float = 0.0,
    seed: int | np.random.Generator = 0,
) -> CustomerSelection:
    """Simulate customers whose latent value drives both channel use and spend.

    Each customer has observed covariates (tenure, earlier orders and spend, region) and a latent
    value ``u``, linear in them. The log-odds of being multichannel are
    ``-0.3 + 1.6 c u + region effect + h z`` and the expected spend is
    ``120 exp(0.9 c u + region effect + h z) (1 + true_premium) ** multichannel``, with
    ``c = confounding``, ``h = hidden_confounding`` and ``z`` an unobserved standard normal.
    Spend is that mean times Gamma noise with mean 1. Multichannel customers use 2 or 3
    channels, the others 1. With the defaults the naive premium is about +110% while the causal
    one is +10%; with ``hidden_confounding = 0`` the logistic propensity and a log-link outcome
    model in the covariates are both correctly specified.

    Parameters
    ----------
    n_customers : int, default 5000
        Customers, >= 20.
    true_premium : float, default 0.10
        Causal premium, > -1.
    confounding : float, default 1.0
        Strength of the observed selection, >= 0 (0: no confounding, naive = causal).
    hidden_confounding : float, default 0.0
        Strength of the unobserved part, >= 0; adjusted estimates are then biased upwards.
    seed : int or numpy.random.Generator, default 0
        Randomness.

    Returns
    -------
    CustomerSelection
        The customers frame, the truth and the true and expected naive premiums.

    Raises
    ------
    InvalidParameterError
        On an out-of-range parameter.

    See Also
    --------
    multichannel_premium : estimate the premium from the customers frame.

    Examples
    --------
    >>> import omnichannel as oc
    >>> sim = oc.simulate_customer_selection(n_customers=2000, seed=1)
    >>> round(sim.expected_naive_premium, 1)
    1.1
    >>> frame = sim.customers
    >>> bool((frame["multichannel"] == (frame["n_channels"] >= 2)).all())
    True
    """
    n = check_int(n_customers, "n_customers", func=_FUNC, low=20)
    assert n is not None
    premium = check_real(true_premium, "true_premium", func=_FUNC, low=-1.0, low_open=True)
    strength = check_real(confounding, "confounding", func=_FUNC, low=0.0)
    hidden = check_real(hidden_confounding, "hidden_confounding", func=_FUNC, low=0.0)
    rng = as_generator(seed, func=_FUNC)

    engagement = rng.normal(size=n)  # drives earlier behaviour; seen only through it
    tenure = np.round(rng.gamma(2.0, 1.5, size=n), 2)
    prior_orders = rng.poisson(2.0 * np.exp(0.5 * engagement))
    log_prior_spend = np.round(4.0 + 0.5 * engagement + rng.normal(0.0, 0.4, size=n), 4)
    region = rng.choice(len(_REGIONS), size=n, p=[0.25, 0.40, 0.35])
    latent = 0.08 * (tenure - 3.0) + 0.12 * (prior_orders - 2.3) + 0.9 * (log_prior_spend - 4.0)
    unobserved = rng.normal(size=n)

    logit = -0.3 + 1.6 * strength * latent + _REGION_SELECTION[region] + hidden * unobserved
    propensity = 1.0 / (1.0 + np.exp(-logit))
    multi = rng.random(n) < propensity
    n_channels = np.where(multi, 2 + (rng.random(n) < 0.35), 1).astype(np.int64)

    base = _BASE_SPEND * np.exp(
        0.9 * strength * latent + _REGION_SPEND[region] + 0.3 * hidden * unobserved
    )
    spend_multi = base * (1.0 + premium)
    expected = np.where(multi, spend_multi, base)
    noise = rng.gamma(_GAMMA_SHAPE, 1.0 / _GAMMA_SHAPE, size=n)
    spend = np.round(expected * noise, 2)

    ids = take_labels(format_ids("C", n, width=len(str(n))), np.arange(n))
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "tenure_years": tenure,
            "prior_orders": prior_orders.astype(np.int64),
            "log_prior_spend": log_prior_spend,
            "region": take_labels(_REGIONS, region),
            "n_channels": n_channels,
            "multichannel": multi,
            "spend": spend,
        }
    )
    truth = pd.DataFrame(
        {
            "customer_id": ids,
            "propensity": propensity,
            "spend_single": base,
            "spend_multi": spend_multi,
        }
    )
    naive = (
        float(expected[multi].mean() / expected[~multi].mean() - 1.0)
        if multi.any() and (~multi).any()
        else float("nan")
    )
    return CustomerSelection(
        customers=customers,
        truth=truth,
        true_premium=premium,
        expected_naive_premium=naive,
        covariates=SELECTION_COVARIATES,
        confounding=strength,
        hidden_confounding=hidden,
    )
