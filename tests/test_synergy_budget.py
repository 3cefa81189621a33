"""optimize_budget: analytic optimum, bounds, fixed channels, gain over the current mix."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omnichannel as oc


class SeparableModel:
    """Known response: sum_c beta_c x_c / (x_c + K_c) per week (no adstock, no interaction)."""

    def __init__(self, beta: np.ndarray, half: np.ndarray, spend: np.ndarray | None = None) -> None:
        self.beta = np.asarray(beta, dtype=float)
        self.half = np.asarray(half, dtype=float)
        k = self.beta.size
        self.channels = tuple(f"c{i}" for i in range(k))
        self.spend = np.ones((8, k)) if spend is None else spend

    def media_effect(self, spend: np.ndarray) -> np.ndarray:
        x = np.maximum(spend, 0.0)
        return (self.beta * x / (x + self.half)).sum(axis=-1)


class InteractionModel(SeparableModel):
    """Adds gamma * sqrt(x_0 x_1): a complementary pair the optimiser should fund together."""

    def __init__(self, gamma: float, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.gamma = gamma

    def media_effect(self, spend: np.ndarray) -> np.ndarray:
        x = np.maximum(spend, 0.0)
        return super().media_effect(spend) + self.gamma * np.sqrt(x[..., 0] * x[..., 1])


def analytic_optimum(beta: np.ndarray, half: np.ndarray, total: float) -> np.ndarray:
    """Equal marginal returns beta K / (x + K)**2 = mu with sum x = total (all channels funded)."""
    root = np.sqrt(beta * half)
    scale = (total + half.sum()) / root.sum()
    return root * scale - half


def test_separable_concave_matches_analytic_optimum() -> None:
    beta, half = np.array([3.0, 2.0, 1.0, 4.0]), np.array([1.0, 2.0, 0.5, 3.0])
    total = 6.0
    expected = analytic_optimum(beta, half, total)
    assert (expected > 0).all()
    result = oc.optimize_budget(SeparableModel(beta, half), total=total)
    np.testing.assert_allclose(result.allocation, expected, atol=1e-5)
    assert result.allocation.sum() == pytest.approx(total, abs=1e-9)
    # equal marginal ROI at an interior optimum
    np.testing.assert_allclose(result.marginal_roi, result.marginal_roi[0], rtol=1e-4)
    assert result.gain >= 0
    assert result.converged


def test_period_and_weekly_units() -> None:
    beta, half = np.array([3.0, 2.0]), np.array([1.0, 2.0])
    weekly = analytic_optimum(beta, half, 2.0)
    result = oc.optimize_budget(SeparableModel(beta, half), total=2.0 * 13, n_weeks=13)
    np.testing.assert_allclose(result.to_frame()["weekly_spend"], weekly, atol=1e-5)
    per_week = SeparableModel(beta, half).media_effect(weekly[None, :])[0]
    assert result.predicted == pytest.approx(13 * per_week, rel=1e-6)


@given(
    beta=st.lists(st.floats(0.1, 10.0), min_size=2, max_size=5),
    total=st.floats(0.1, 50.0),
    data=st.data(),
)
@settings(max_examples=15, deadline=None)
def test_bounds_total_and_no_worse_than_current(
    beta: list[float], total: float, data: st.DataObject
) -> None:
    k = len(beta)
    half = np.array(data.draw(st.lists(st.floats(0.1, 5.0), min_size=k, max_size=k)))
    spend = np.array(data.draw(st.lists(st.floats(0.1, 5.0), min_size=k, max_size=k)))
    model = InteractionModel(
        gamma=data.draw(st.floats(-1.0, 2.0)),
        beta=np.array(beta),
        half=half,
        spend=np.tile(spend, (4, 1)),
    )
    cap = data.draw(st.floats(0.3, 1.0)) * total
    result = oc.optimize_budget(model, total=total, bounds={"c0": (None, cap)}, n_starts=4)
    allocation = result.allocation
    assert allocation.sum() == pytest.approx(total, rel=1e-9, abs=1e-9)
    assert (allocation >= -1e-12).all()
    assert allocation[0] <= cap * (1 + 1e-9)
    # whenever the current mix is feasible, the result is at least as good
    if result.current[0] <= cap:
        assert result.predicted >= result.current_predicted - 1e-9 * max(1.0, total)
    frame = result.to_frame()
    assert frame["optimal"].sum() == pytest.approx(total)


def test_fixed_channels_and_bounds() -> None:
    model = SeparableModel(np.array([3.0, 2.0, 1.0]), np.array([1.0, 2.0, 0.5]))
    result = oc.optimize_budget(model, total=3.0, fixed={"c0": 0.5}, bounds={"c1": (None, 1.0)})
    frame = result.to_frame().set_index("channel")
    assert frame.loc["c0", "optimal"] == pytest.approx(0.5)
    assert bool(frame.loc["c0", "fixed"])
    assert frame.loc["c1", "optimal"] == pytest.approx(1.0, abs=1e-7)  # bound binds
    assert frame.loc["c2", "optimal"] == pytest.approx(1.5, abs=1e-7)
    # every channel fixed by the constraints: nothing to optimise
    pinned = oc.optimize_budget(model, total=3.0, fixed={"c0": 1.0, "c1": 1.0})
    np.testing.assert_allclose(pinned.allocation, [1.0, 1.0, 1.0])


def test_complementary_pair_is_funded_together() -> None:
    # c0 and c1 are weak alone but strong together; without the interaction c2 would win
    base = {"beta": np.array([0.5, 0.5, 2.0]), "half": np.array([1.0, 1.0, 1.0])}
    alone = oc.optimize_budget(SeparableModel(**base), total=3.0)
    together = oc.optimize_budget(InteractionModel(gamma=3.0, **base), total=3.0)
    assert together.allocation[:2].sum() > alone.allocation[:2].sum() + 0.5


def test_real_mix_model_matches_a_grid_search() -> None:
    sim = oc.simulate_mix(
        n_weeks=104,
        channels=("tv", "search"),
        beta=[2.0, 0.5],
        interaction=0.3,
        decay=[0.5, 0.0],
        carryover=0.4,
        spend_mean=[0.5, 1.5],
        noise_sd=0.05,
        seed=2,
    )
    model = oc.fit_mix_model(
        sim.data, kpi="kpi", media=["tv", "search"], carryover_kpi=True, n_boot=0, seed=0
    )
    result = oc.optimize_budget(model, total=2.0, n_weeks=4)
    assert result.allocation.sum() == pytest.approx(2.0)
    assert result.gain >= -1e-9
    # brute force over the split of the budget, through the model's own media_effect
    share = np.linspace(0.0, 1.0, 2001)
    weekly = np.stack([share, 1.0 - share], axis=1) * 2.0 / 4
    plan = np.repeat(weekly[:, None, :], model.adstock.l_max + 1, axis=1)
    steady = model.media_effect(plan)[:, -1] * 4 / (1.0 - model.kpi_lag)
    assert result.predicted == pytest.approx(steady.max(), rel=1e-6)
    assert result.predicted >= steady.max() - 1e-9
    assert "BudgetResult(total 2" in repr(result)
    assert set(result.summary()["metric"]) >= {"gain", "optimal_predicted"}


def test_errors() -> None:
    model = SeparableModel(np.array([1.0, 1.0]), np.array([1.0, 1.0]))
    with pytest.raises(oc.InvalidParameterError, match="'total'"):
        oc.optimize_budget(model, total=0.0)
    with pytest.raises(oc.InvalidParameterError, match="unknown channel"):
        oc.optimize_budget(model, total=1.0, fixed={"tv": 1.0})
    with pytest.raises(oc.InvalidParameterError, match="cannot meet the total"):
        oc.optimize_budget(model, total=1.0, bounds={"c0": (0.8, None), "c1": (0.5, None)})
    with pytest.raises(oc.InvalidParameterError, match="low"):
        oc.optimize_budget(model, total=1.0, bounds={"c0": (0.8, 0.2)})
    with pytest.raises(oc.InvalidParameterError, match="fitted mix model"):
        oc.optimize_budget(object(), total=1.0)  # type: ignore[arg-type]


def test_plot_and_summary() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model = SeparableModel(np.array([3.0, 2.0]), np.array([1.0, 2.0]))
    result = oc.optimize_budget(model, total=2.0)
    summary = result.summary().set_index("metric")["value"]
    assert summary["gain"] == pytest.approx(result.gain)
    assert summary["gain_pct"] == pytest.approx(result.gain / result.current_predicted)
    axes = result.plot()
    assert axes.get_title().startswith("Budget allocation")
    plt.close("all")
