"""Single-node inventory primitives: demand families, newsvendor, policies and pooling."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

import omnichannel as oc

# ------------------------------------------------------------------------------------------
# demand families: closed forms against numerical integration and summation


def _families() -> list[oc.Demand]:
    return [
        oc.NormalDemand(mean=[50.0, 10.0, 200.0], std=[8.0, 6.0, 40.0]),
        oc.PoissonDemand(mean=[0.7, 6.0, 45.0]),
        oc.NegativeBinomialDemand(mean=[3.0, 10.0, 40.0], variance=[5.0, 30.0, 400.0]),
        oc.DiscreteDemand([0, 2, 5, 9], [[0.1, 0.2, 0.3, 0.4], [0.5, 0.0, 0.25, 0.25]]),
        oc.SampleDemand(np.random.default_rng(3).gamma(2.0, 5.0, size=(3, 500))),
    ]


def test_normal_loss_matches_numerical_integration() -> None:
    demand = oc.NormalDemand(mean=[50.0, 10.0], std=[8.0, 6.0])
    for q in (-5.0, 10.0, 47.3, 70.0):
        got = demand.expected_shortage(q)
        for i, (mu, sd) in enumerate([(50.0, 8.0), (10.0, 6.0)]):
            want, _ = integrate.quad(
                lambda x, mu=mu, sd=sd, q=q: (x - q) * stats.norm.pdf(x, mu, sd), q, np.inf
            )
            assert got[i] == pytest.approx(want, abs=1e-8)


@pytest.mark.parametrize("family", ["poisson", "negbin"])
def test_count_loss_matches_summation(family: str) -> None:
    k = np.arange(0, 2000)
    if family == "poisson":
        demand: oc.Demand = oc.PoissonDemand(mean=[0.7, 6.0, 45.0])
        pmfs = [stats.poisson.pmf(k, m) for m in (0.7, 6.0, 45.0)]
    else:
        demand = oc.NegativeBinomialDemand(mean=[3.0, 10.0, 40.0], variance=[5.0, 30.0, 400.0])
        pmfs = [
            stats.nbinom.pmf(k, m * m / (v - m), m / v)
            for m, v in ((3.0, 5.0), (10.0, 30.0), (40.0, 400.0))
        ]
    for q in (-3.0, 0.0, 2.5, 6.0, 11.0, 44.2, 80.0):
        short = demand.expected_shortage(q)
        left = demand.expected_leftover(q)
        cdf = demand.cdf(q)
        for i, pmf in enumerate(pmfs):
            assert short[i] == pytest.approx((np.maximum(k - q, 0) * pmf).sum(), abs=1e-9)
            assert left[i] == pytest.approx((np.maximum(q - k, 0) * pmf).sum(), abs=1e-9)
            assert cdf[i] == pytest.approx(pmf[k <= q].sum(), abs=1e-12)


def test_tabulated_loss_matches_direct_sums() -> None:
    samples = np.random.default_rng(0).poisson(5, size=(2, 300)).astype(float)
    demand = oc.SampleDemand(samples)
    for q in (0.0, 3.5, 5.0, 12.0):
        np.testing.assert_allclose(
            demand.expected_shortage(q), np.maximum(samples - q, 0).mean(axis=1)
        )
        np.testing.assert_allclose(demand.cdf(q), (samples <= q).mean(axis=1))
    pmf = oc.DiscreteDemand([9, 0, 5, 2], [0.4, 0.1, 0.3, 0.2])  # unsorted support is fine
    assert pmf.expected_shortage(3.0)[0] == pytest.approx(0.4 * 6 + 0.3 * 2)
    assert pmf.ppf(0.3)[0] == 2.0
    assert pmf.ppf(0.31)[0] == 5.0
    assert pmf.mean()[0] == pytest.approx(0.4 * 9 + 0.3 * 5 + 0.2 * 2)


def test_sample_quantile_is_the_smallest_sample_reaching_p() -> None:
    demand = oc.SampleDemand([4.0, 1.0, 3.0, 2.0])
    assert demand.ppf(0.5)[0] == 2.0
    assert demand.ppf(0.51)[0] == 3.0
    assert demand.ppf(1.0)[0] == 4.0


_PARAMS = st.floats(0.5, 60.0)


@st.composite
def demands(draw: st.DrawFn) -> oc.Demand:
    n = draw(st.integers(1, 4))
    means = np.array(draw(st.lists(_PARAMS, min_size=n, max_size=n)))
    kind = draw(st.sampled_from(["normal", "poisson", "negbin", "discrete", "sample"]))
    if kind == "normal":
        return oc.NormalDemand(means, means * draw(st.floats(0.05, 1.5)))
    if kind == "poisson":
        return oc.PoissonDemand(means)
    if kind == "negbin":
        return oc.NegativeBinomialDemand(means, means * draw(st.floats(1.01, 6.0)))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    if kind == "discrete":
        probs = rng.dirichlet(np.ones(6), size=n)
        return oc.DiscreteDemand(np.sort(rng.uniform(0, 80, 6)), probs)
    return oc.SampleDemand(rng.gamma(2.0, means[:, None] / 2.0, size=(n, 50)))


@settings(max_examples=60, deadline=None)
@given(demand=demands(), q=st.floats(-20.0, 150.0), dq=st.floats(0.0, 30.0))
def test_loss_identities_and_fill_rate(demand: oc.Demand, q: float, dq: float) -> None:
    sales = demand.expected_sales(q)
    np.testing.assert_allclose(sales + demand.expected_leftover(q), q, atol=1e-8)
    np.testing.assert_allclose(sales + demand.expected_shortage(q), demand.mean(), atol=1e-8)
    assert (demand.expected_shortage(q) >= -1e-12).all()
    assert (demand.expected_leftover(q) >= -1e-12).all()
    rate, higher = demand.fill_rate(q), demand.fill_rate(q + dq)
    assert (rate <= 1 + 1e-12).all()
    if q >= 0 and not isinstance(demand, oc.NormalDemand):  # the normal puts mass below 0
        assert (rate >= -1e-12).all()
    assert (higher >= rate - 1e-12).all()
    assert (demand.cdf(q + dq) >= demand.cdf(q) - 1e-12).all()
    np.testing.assert_allclose(demand.cdf(q) + demand.sf(q), 1.0, atol=1e-12)


@pytest.mark.parametrize("demand", _families(), ids=lambda d: type(d).__name__)
def test_vectorised_equals_item_by_item(demand: oc.Demand) -> None:
    q = np.linspace(1.0, 60.0, demand.n_items)
    res = oc.newsvendor(demand, unit_margin=3.0, overage_cost=1.0, shortage_penalty=0.5)
    table = oc.service_levels(demand, q)
    for i in range(demand.n_items):
        one = _item(demand, i)
        single = oc.newsvendor(one, unit_margin=3.0, overage_cost=1.0, shortage_penalty=0.5)
        assert single.quantity[0] == pytest.approx(res.quantity[i])
        assert single.expected_profit[0] == pytest.approx(res.expected_profit[i])
        row = oc.service_levels(one, q[i])
        for col in ("expected_sales", "expected_shortage", "fill_rate", "cycle_service_level"):
            assert row[col].iloc[0] == pytest.approx(table[col].iloc[i])


def _item(demand: oc.Demand, i: int) -> oc.Demand:
    if isinstance(demand, oc.NormalDemand):
        return oc.NormalDemand(demand.mean()[i], demand.std()[i])
    if isinstance(demand, oc.PoissonDemand):
        return oc.PoissonDemand(demand.mean()[i])
    if isinstance(demand, oc.NegativeBinomialDemand):
        return oc.NegativeBinomialDemand(demand.mean()[i], demand.variance()[i])
    if isinstance(demand, oc.SampleDemand):
        return oc.SampleDemand(demand.samples[i])
    assert isinstance(demand, oc.DiscreteDemand)
    values = demand.values if demand.values.ndim == 1 else demand.values[i]
    return oc.DiscreteDemand(values, np.atleast_2d(demand.probabilities)[i])


# ------------------------------------------------------------------------------------------
# newsvendor


@settings(max_examples=40, deadline=None)
@given(
    demand=demands(),
    margin=st.floats(0.1, 10.0),
    over=st.floats(0.1, 10.0),
    penalty=st.floats(0.0, 5.0),
)
def test_newsvendor_is_the_critical_fractile_and_optimal(
    demand: oc.Demand, margin: float, over: float, penalty: float
) -> None:
    res = oc.newsvendor(demand, unit_margin=margin, overage_cost=over, shortage_penalty=penalty)
    ratio = (margin + penalty) / (margin + penalty + over)
    np.testing.assert_allclose(res.critical_ratio, ratio)
    assert (demand.cdf(res.quantity) >= ratio - 1e-9).all()
    if not demand.discrete:
        np.testing.assert_allclose(demand.cdf(res.quantity), ratio, atol=1e-9)
    np.testing.assert_allclose(
        res.expected_profit, margin * demand.mean() - res.expected_cost, atol=1e-8
    )
    # No other stock does better (steps of one unit and of a small continuous move).

    def cost(q: np.ndarray) -> np.ndarray:
        return over * demand.expected_leftover(q) + (margin + penalty) * demand.expected_shortage(q)

    for step in (-1.0, 1.0, -0.01, 0.01):
        assert (cost(res.quantity + step) >= res.expected_cost - 1e-9).all()
    np.testing.assert_allclose(res.cycle_service_level, demand.cdf(res.quantity))
    assert (res.fill_rate <= 1 + 1e-12).all()
    if not isinstance(demand, oc.NormalDemand):  # a wide normal can make the optimum negative
        assert (res.fill_rate >= 0).all()


def test_newsvendor_quantities_are_integers_for_count_demand() -> None:
    res = oc.newsvendor(
        oc.NegativeBinomialDemand([5, 50], [20, 400]), unit_margin=2, overage_cost=1
    )
    assert (res.quantity == np.round(res.quantity)).all()
    frame = res.to_frame()
    assert list(frame["item"]) == [0, 1]
    frame.loc[0, "quantity"] = -1.0
    assert res.quantity[0] != -1.0  # to_frame returns a copy
    assert res.summary()["items"].iloc[0] == 2


# ------------------------------------------------------------------------------------------
# base stock and safety stock


def test_normal_cycle_service_base_stock_is_closed_form() -> None:
    demand = oc.NormalDemand(mean=[100.0, 30.0], std=[20.0, 9.0])
    res = oc.base_stock_level(demand, target=0.9, lead_time=3, review_period=2)
    z = stats.norm.ppf(0.9)
    np.testing.assert_allclose(res.level, [500 + z * 20 * np.sqrt(5), 150 + z * 9 * np.sqrt(5)])
    np.testing.assert_allclose(res.safety_stock, z * np.array([20.0, 9.0]) * np.sqrt(5))
    np.testing.assert_allclose(
        oc.safety_stock(demand, target=0.9, lead_time=3, review_period=2), res.safety_stock
    )


@pytest.mark.parametrize("lead_time", [0.0, 2.0])
def test_fill_rate_target_is_met_by_the_smallest_level(lead_time: float) -> None:
    demand = oc.PoissonDemand([3.0, 12.0, 40.0])
    res = oc.base_stock_level(demand, target=0.97, service="fill_rate", lead_time=lead_time)
    assert (res.fill_rate >= 0.97).all()
    lower = oc.service_levels(oc.PoissonDemand(demand.mean() * (lead_time + 1)), res.level - 1)
    lead = (
        oc.PoissonDemand(demand.mean() * lead_time).expected_shortage(res.level - 1)
        if lead_time
        else 0.0
    )
    below = 1 - (lower["expected_shortage"].to_numpy() - lead) / demand.mean()
    assert (below < 0.97).all()
    normal = oc.base_stock_level(
        oc.NormalDemand(100.0, 25.0), target=0.99, service="fill_rate", lead_time=lead_time
    )
    assert normal.fill_rate[0] == pytest.approx(0.99, abs=1e-8)


def test_fill_rate_by_simulation() -> None:
    # A periodic-review base-stock system with lead time 2: simulate and compare the fill rate.
    rng = np.random.default_rng(11)
    demand = oc.PoissonDemand(8.0)
    level = oc.base_stock_level(demand, target=0.95, service="fill_rate", lead_time=2).level[0]
    d = rng.poisson(8.0, size=400_000)
    # Net stock at the end of period t is S minus demand of periods t-2..t (orders arrive in 2).
    window = d[2:] + d[1:-1] + d[:-2]
    before = level - (d[1:-1] + d[:-2])  # net stock before period t's demand
    served = np.clip(np.minimum(d[2:], before), 0, None)
    rate = served.sum() / d[2:].sum()
    assert rate == pytest.approx(
        oc.base_stock_level(demand, target=0.95, service="fill_rate", lead_time=2).fill_rate[0],
        abs=3e-3,
    )
    assert window.size > 0


# ------------------------------------------------------------------------------------------
# (s, S), (r, Q), EOQ, Wagner-Whitin against brute force


def _ss_cost_by_markov_chain(lam: float, h: float, p: float, k: float, s: int, big_s: int) -> float:
    states = np.arange(s + 1, big_s + 1)  # inventory position after ordering
    pmf = stats.poisson.pmf(np.arange(big_s - s + 1), lam)
    n = states.size
    trans = np.zeros((n, n))
    for a, y in enumerate(states):
        for d in range(0, y - s):
            trans[a, y - d - (s + 1)] += pmf[d]
        trans[a, n - 1] += 1 - stats.poisson.cdf(y - s - 1, lam)
    vals, vecs = np.linalg.eig(trans.T)
    pi = np.real(vecs[:, np.argmin(np.abs(vals - 1))])
    pi = pi / pi.sum()
    demand = oc.PoissonDemand(np.full(n, lam))
    g = h * demand.expected_leftover(states) + p * demand.expected_shortage(states)
    order = 1 - stats.poisson.cdf(states - s - 1, lam)
    return float(pi @ g + k * (pi @ order))


def test_s_S_policy_matches_a_grid_search_over_a_markov_chain() -> None:
    lam, h, p, k = 3.0, 1.0, 6.0, 12.0
    res = oc.s_S_policy(oc.PoissonDemand(lam), holding_cost=h, stockout_cost=p, fixed_cost=k)
    best = min(
        (_ss_cost_by_markov_chain(lam, h, p, k, s, big_s), s, big_s)
        for s in range(-3, 8)
        for big_s in range(s + 1, 20)
    )
    assert (res.s[0], res.S[0]) == (best[1], best[2])
    assert res.expected_cost[0] == pytest.approx(best[0], rel=1e-9)


def test_s_S_policy_is_vectorised_and_accepts_negative_binomial() -> None:
    many = oc.s_S_policy(
        oc.PoissonDemand([6.0, 10.0]), holding_cost=1, stockout_cost=[4, 9], fixed_cost=[5, 64]
    )
    np.testing.assert_array_equal(many.s, [4, 6])
    np.testing.assert_array_equal(many.S, [10, 40])
    nb = oc.s_S_policy(
        oc.NegativeBinomialDemand(6.0, 6.001), holding_cost=1, stockout_cost=4, fixed_cost=5
    )
    assert (nb.s[0], nb.S[0]) == (4, 10)  # nearly Poisson
    assert nb.expected_cost[0] == pytest.approx(8.0341, abs=2e-3)


def test_r_Q_policy_matches_a_grid_search() -> None:
    lam, lead, h, p, k = 2.0, 1.5, 3.0, 25.0, 40.0
    demand = oc.PoissonDemand(lam * lead)

    def cost(r: int, q: int) -> float:
        ys = np.arange(r + 1, r + q + 1, dtype=float)
        d = oc.PoissonDemand(np.full(ys.size, lam * lead))
        g = h * d.expected_leftover(ys) + p * d.expected_shortage(ys)
        return float((k * lam + g.sum()) / q)

    best = min((cost(r, q), r, q) for r in range(-5, 15) for q in range(1, 40))
    res = oc.r_Q_policy(
        oc.PoissonDemand(lam), lead_time=lead, holding_cost=h, stockout_cost=p, fixed_cost=k
    )
    assert (res.r[0], res.Q[0]) == (best[1], best[2])
    assert res.expected_cost[0] == pytest.approx(best[0])
    assert demand.n_items == 1


def test_eoq_minimises_the_cost_rate() -> None:
    res = oc.eoq([100.0, 2500.0], fixed_cost=[20.0, 8.0], holding_cost=[2.0, 0.5])
    for i, (lam, k, h) in enumerate([(100.0, 20.0, 2.0), (2500.0, 8.0, 0.5)]):
        q = np.linspace(1, 5 * res.order_quantity[i], 20001)
        rate = k * lam / q + h * q / 2
        assert res.cost[i] == pytest.approx(rate.min(), rel=1e-6)
        assert res.order_quantity[i] == pytest.approx(q[np.argmin(rate)], rel=1e-3)


@settings(max_examples=30, deadline=None)
@given(
    demand=st.lists(st.integers(0, 50), min_size=1, max_size=7),
    fixed=st.floats(0.0, 200.0),
    holding=st.floats(0.0, 5.0),
)
def test_wagner_whitin_matches_enumeration(demand: list[int], fixed: float, holding: float) -> None:
    res = oc.wagner_whitin(demand, fixed_cost=fixed, holding_cost=holding)
    d = np.array(demand, dtype=float)
    best = np.inf
    for pattern in itertools.product([0, 1], repeat=d.size - 1):
        orders = (1, *pattern)  # an order in period 0 is always allowed
        q = np.zeros(d.size)
        start = 0
        for t in range(1, d.size + 1):
            if t == d.size or orders[t]:
                q[start] = d[start:t].sum()
                start = t
        inv = np.cumsum(q) - np.cumsum(d)
        best = min(best, fixed * (q > 0).sum() + holding * inv.sum())
    assert res.cost == pytest.approx(best, abs=1e-9)
    assert (res.ending_inventory >= -1e-9).all()
    assert res.order_quantities.sum() == pytest.approx(d.sum())


# ------------------------------------------------------------------------------------------
# pooling


def test_eppen_square_root_law_for_independent_identical_channels() -> None:
    res = oc.pooling_benefit(oc.NormalDemand([100.0] * 9, 20.0), holding_cost=1, stockout_cost=4)
    assert res.method == "exact"
    assert res.safety_stock_saving == pytest.approx(1 - 1 / 3)
    assert res.cost_saving == pytest.approx(1 - 1 / 3)
    perfect = oc.pooling_benefit(
        oc.NormalDemand([100.0, 50.0], [20.0, 10.0]),
        holding_cost=1,
        stockout_cost=4,
        correlation=np.ones((2, 2)),
    )
    assert perfect.cost_saving == pytest.approx(0.0, abs=1e-12)


def test_normal_pooling_formula_matches_simulation_within_its_standard_error() -> None:
    demand = oc.NormalDemand([100.0, 60.0, 80.0], [25.0, 10.0, 20.0])
    corr = np.array([[1.0, 0.3, -0.2], [0.3, 1.0, 0.5], [-0.2, 0.5, 1.0]])
    exact = oc.pooling_benefit(demand, holding_cost=2, stockout_cost=7, correlation=corr)
    sim = oc.pooling_benefit(
        demand,
        holding_cost=2,
        stockout_cost=7,
        correlation=corr,
        method="simulation",
        n_sims=200_000,
        seed=5,
    )
    assert sim.method == "simulation"
    assert sim.pooled_cost_se > 0
    assert abs(sim.pooled_cost - exact.pooled_cost) <= 4 * sim.pooled_cost_se
    np.testing.assert_allclose(sim.separate_cost, exact.separate_cost)
    # The same through joint scenarios given as SampleDemand.
    rng = np.random.default_rng(9)
    cov = corr * np.outer(demand.std(), demand.std())
    scenarios = rng.multivariate_normal(demand.mean(), cov, size=200_000).T
    samples = oc.pooling_benefit(oc.SampleDemand(scenarios), holding_cost=2, stockout_cost=7)
    assert abs(samples.pooled_cost - exact.pooled_cost) <= 4 * samples.pooled_cost_se
    assert samples.pooled_stock == pytest.approx(exact.pooled_stock, rel=5e-3)


def test_poisson_pooling_simulation_matches_the_pooled_poisson() -> None:
    # Independent Poisson channels pool into a Poisson with the summed mean.
    res = oc.pooling_benefit(
        oc.PoissonDemand([2.0, 3.0, 5.0]), holding_cost=1, stockout_cost=9, n_sims=100_000, seed=2
    )
    pooled = oc.newsvendor(
        oc.PoissonDemand(10.0), unit_margin=0, shortage_penalty=9, overage_cost=1
    )
    assert res.pooled_stock == pooled.quantity[0]
    assert abs(res.pooled_cost - pooled.expected_cost[0]) <= 4 * res.pooled_cost_se
    again = oc.pooling_benefit(
        oc.PoissonDemand([2.0, 3.0, 5.0]), holding_cost=1, stockout_cost=9, n_sims=100_000, seed=2
    )
    assert again.pooled_cost == res.pooled_cost  # same seed, same answer


# ------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: oc.NormalDemand(10.0, 0.0), r"NormalDemand needs std > 0 for every item"),
        (lambda: oc.NormalDemand([1.0, 2.0], [1.0, 1.0, 1.0]), "broadcastable shapes"),
        (lambda: oc.NormalDemand(np.nan, 1.0), "must be finite"),
        (lambda: oc.PoissonDemand([3.0, -1.0]), r"mean >= 0 for every item; got -1.0 at item 1"),
        (lambda: oc.NegativeBinomialDemand(5.0, 5.0), "variance > mean.*Use PoissonDemand"),
        (lambda: oc.NegativeBinomialDemand("a", 5.0), "must be a number or an array"),
        (lambda: oc.DiscreteDemand([0, 1], [0.5, 0.6]), "summing to 1"),
        (lambda: oc.DiscreteDemand([0, 1], [1.5, -0.5]), "probabilities >= 0"),
        (lambda: oc.DiscreteDemand([0, 1, 2], [0.5, 0.5]), "matching probabilities"),
        (lambda: oc.SampleDemand(np.ones((2, 2, 2))), "must have 1 or 2 dimension"),
        (lambda: oc.SampleDemand([]), "must not be empty"),
    ],
)
def test_invalid_demand_parameters_are_clear_errors(build: object, match: str) -> None:
    with pytest.raises(oc.InvalidParameterError, match=match):
        build()  # type: ignore[operator]


def test_invalid_arguments_of_the_functions() -> None:
    normal = oc.NormalDemand(10.0, 2.0)
    with pytest.raises(oc.InvalidParameterError, match="'overage_cost' parameter of newsvendor"):
        oc.newsvendor(normal, unit_margin=1.0, overage_cost=-1.0)
    with pytest.raises(oc.InvalidParameterError, match="must be a demand distribution"):
        oc.newsvendor([10, 12], unit_margin=1.0, overage_cost=1.0)  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="no finite optimum"):
        oc.newsvendor(normal, unit_margin=1.0, overage_cost=0.0)
    with pytest.raises(oc.InvalidParameterError, match="'target' parameter of base_stock_level"):
        oc.base_stock_level(normal, target=1.0)
    with pytest.raises(oc.InvalidParameterError, match="'service' parameter"):
        oc.base_stock_level(normal, target=0.9, service="ready_rate")  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="cannot aggregate SampleDemand"):
        oc.base_stock_level(oc.SampleDemand([1.0, 2.0]), target=0.9, lead_time=2)
    with pytest.raises(oc.InvalidParameterError, match="must be PoissonDemand"):
        oc.r_Q_policy(normal, lead_time=1, holding_cost=1, stockout_cost=1, fixed_cost=1)  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="'fixed_cost' parameter of s_S_policy"):
        oc.s_S_policy(oc.PoissonDemand(3.0), holding_cost=1, stockout_cost=1, fixed_cost=0)
    with pytest.raises(oc.InvalidParameterError, match="positive semi-definite"):
        oc.pooling_benefit(
            oc.NormalDemand([1.0, 1.0, 1.0], 1.0),
            holding_cost=1,
            stockout_cost=1,
            correlation=[[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]],
        )
    with pytest.raises(oc.InvalidParameterError, match="method='exact'"):
        oc.pooling_benefit(
            oc.PoissonDemand([1.0, 2.0]), holding_cost=1, stockout_cost=1, method="exact"
        )
    with pytest.raises(oc.InvalidParameterError, match="non-empty 1-D array"):
        oc.wagner_whitin([5, -1], fixed_cost=1, holding_cost=1)
    with pytest.raises(oc.InvalidParameterError, match="'p' argument"):
        normal.ppf(1.5)
