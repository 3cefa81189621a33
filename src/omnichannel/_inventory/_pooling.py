"""Inventory pooling: separate channel inventories against one shared inventory."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from .._exceptions import InvalidParameterError
from .._validation import as_generator, check_choice, check_int, check_real, short_repr
from ._demand import Demand, NormalDemand, SampleDemand
from ._newsvendor import check_demand, newsvendor
from ._single_results import PoolingResult

__all__ = ["POOLING_METHODS", "PoolingMethod", "pooling_benefit"]

FloatArray = npt.NDArray[np.float64]
PoolingMethod = Literal["auto", "exact", "simulation"]
#: How :func:`pooling_benefit` evaluates the pooled inventory.
POOLING_METHODS: tuple[PoolingMethod, ...] = ("auto", "exact", "simulation")


def _check_correlation(value: object, n: int) -> FloatArray:
    func = "pooling_benefit"
    if value is None:
        return np.eye(n)
    try:
        matrix = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        matrix = np.array([np.nan])
    if matrix.shape != (n, n) or not np.isfinite(matrix).all():
        raise InvalidParameterError(
            f"The 'correlation' parameter of {func} must be a finite ({n}, {n}) matrix, one row "
            f"and column per channel. Got {short_repr(value)} instead."
        )
    if not np.allclose(matrix, matrix.T, atol=1e-10) or not np.allclose(np.diag(matrix), 1.0):
        raise InvalidParameterError(
            f"The 'correlation' parameter of {func} must be symmetric with ones on the "
            "diagonal. Build it with numpy, e.g. np.corrcoef."
        )
    smallest = float(np.linalg.eigvalsh(matrix).min())
    if smallest < -1e-9:
        raise InvalidParameterError(
            f"The 'correlation' parameter of {func} must be positive semi-definite; its "
            f"smallest eigenvalue is {smallest:.3g}. Estimate it from data or shrink it towards "
            "the identity."
        )
    return matrix


def pooling_benefit(
    demand: Demand,
    *,
    holding_cost: float,
    stockout_cost: float,
    correlation: npt.ArrayLike | None = None,
    method: PoolingMethod = "auto",
    n_sims: int = 100_000,
    seed: int | np.random.Generator = 0,
) -> PoolingResult:
    """Safety stock and expected cost of separate channel inventories against a pooled one.

    Each of the ``n`` channels (the items of ``demand``) is first stocked on its own at the
    newsvendor optimum for ``holding_cost`` per unit left and ``stockout_cost`` per unit short.
    The pooled design serves the total demand from one inventory with the same costs; a
    virtually pooled network (stores and the web shop sharing stock through free, immediate
    transfers or ship-from-store) behaves the same way.

    For normal demand the answer is exact (Eppen 1979): with ``z`` the critical-ratio quantile,
    separate safety stock is ``z * sum(std)`` and pooled safety stock ``z * sqrt(std' R std)``
    for correlation matrix ``R``; costs are ``(holding_cost + stockout_cost) * phi(z)`` times the
    same standard deviations. With independent, identical channels pooling cuts both by
    ``1 - 1/sqrt(n)``; with perfectly correlated channels it saves nothing.

    Other families are pooled by simulation: ``n_sims`` joint scenarios drawn with a Gaussian
    copula with correlation ``correlation`` (the correlation of the normal scores, not of the
    demands), the pooled stock the scenario quantile at the critical ratio and its cost the
    scenario average, with its standard error. Separate channels are always evaluated exactly.
    :class:`SampleDemand` channels are taken as joint scenarios already (``correlation`` must be
    None).

    Parameters
    ----------
    demand : NormalDemand, PoissonDemand, NegativeBinomialDemand, DiscreteDemand or SampleDemand
        Demand of each channel over the period, one item per channel.
    holding_cost, stockout_cost : float
        Cost per unit left over and per unit short, > 0.
    correlation : array of float, optional
        ``(n, n)`` correlation matrix of the channels; independent when omitted.
    method : {"auto", "exact", "simulation"}, default "auto"
        ``"auto"`` is exact for normal demand and simulation otherwise; ``"exact"`` needs normal
        demand; ``"simulation"`` forces the simulation (useful to check it).
    n_sims : int, default 100_000
        Simulated scenarios, >= 100.
    seed : int or numpy.random.Generator, default 0
        Randomness of the simulation.

    Returns
    -------
    PoolingResult
        Stocks, safety stocks and costs of both designs, the savings, and the simulation's
        standard error.

    Raises
    ------
    InvalidParameterError
        On a non-positive cost, an invalid correlation matrix, ``method="exact"`` with
        non-normal demand, or a correlation given with sample demand.

    See Also
    --------
    newsvendor : the single-channel optimum.

    Notes
    -----
    Eppen, G. D. (1979). Effects of centralization on expected costs in a multi-location
    newsboy problem. Management Science 25(5), 498-501.

    Examples
    --------
    Two channels with correlation 0.5 save ``1 - sqrt(1.5 / 2)`` of their safety stock:

    >>> import omnichannel as oc
    >>> demand = oc.NormalDemand(mean=[200, 100], std=[40, 40])
    >>> res = oc.pooling_benefit(
    ...     demand, holding_cost=1, stockout_cost=4, correlation=[[1, 0.5], [0.5, 1]]
    ... )
    >>> round(res.safety_stock_saving, 4)
    0.134

    Poisson channels by simulation:

    >>> res = oc.pooling_benefit(
    ...     oc.PoissonDemand([4, 4, 4, 4]), holding_cost=1, stockout_cost=9, seed=1
    ... )
    >>> res.method, res.pooled_stock
    ('simulation', 21.0)
    """
    func = "pooling_benefit"
    demand = check_demand(demand, func)
    h = check_real(holding_cost, "holding_cost", func=func, low=0.0, low_open=True)
    p = check_real(stockout_cost, "stockout_cost", func=func, low=0.0, low_open=True)
    how = check_choice(method, "method", POOLING_METHODS, func=func)
    sims = check_int(n_sims, "n_sims", func=func, low=100)
    assert sims is not None
    n = demand.n_items
    is_sample = isinstance(demand, SampleDemand)
    if is_sample and correlation is not None:
        raise InvalidParameterError(
            f"The 'correlation' parameter of {func} must be None with SampleDemand: its columns "
            "are joint scenarios that already carry the dependence between channels."
        )
    corr = _check_correlation(correlation, n)
    if how == "exact" and not isinstance(demand, NormalDemand):
        raise InvalidParameterError(
            f"method='exact' of {func} needs NormalDemand; got {type(demand).__name__}. "
            "Use method='auto' to simulate other families."
        )
    ratio = p / (p + h)
    separate = newsvendor(demand, unit_margin=0.0, shortage_penalty=p, overage_cost=h)
    means = demand.mean()
    total_mean = float(means.sum())
    common = {
        "critical_ratio": ratio,
        "separate_stock": separate.quantity,
        "separate_safety_stock": separate.quantity - means,
        "separate_cost": separate.expected_cost,
    }
    if isinstance(demand, NormalDemand) and how != "simulation":
        std = demand.std()
        pooled_std = float(np.sqrt(max(float(std @ corr @ std), 0.0)))
        z = float(stats.norm.ppf(ratio))
        return PoolingResult(
            **common,  # type: ignore[arg-type]
            pooled_stock=total_mean + z * pooled_std,
            pooled_safety_stock=z * pooled_std,
            pooled_cost=(h + p) * float(stats.norm.pdf(z)) * pooled_std,
            method="exact",
        )
    if is_sample:
        assert isinstance(demand, SampleDemand)
        scenarios = demand.samples
    else:
        rng = as_generator(seed, func=func)
        normal = rng.multivariate_normal(np.zeros(n), corr, size=sims, method="eigh").T
        uniform = np.clip(stats.norm.cdf(normal), 1e-15, 1.0 - 1e-15)
        scenarios = demand._quantiles(uniform)
    totals = scenarios.sum(axis=0)
    pooled = SampleDemand(totals)
    stock = float(pooled.ppf(ratio)[0])
    costs = h * np.maximum(stock - totals, 0.0) + p * np.maximum(totals - stock, 0.0)
    return PoolingResult(
        **common,  # type: ignore[arg-type]
        pooled_stock=stock,
        pooled_safety_stock=stock - total_mean,
        pooled_cost=float(costs.mean()),
        method="simulation",
        n_sims=int(totals.size),
        pooled_cost_se=float(costs.std(ddof=1) / np.sqrt(totals.size)),
    )
