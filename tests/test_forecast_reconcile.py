"""Reconciliation: BottomUp, TopDown, MinTrace (+ nonnegative) and reconcile_forecasts."""

from __future__ import annotations

import itertools
import json
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import lsq_linear

import omnichannel as oc
from omnichannel._forecast import _mint
from omnichannel._forecast._reconcile import as_reconciler

REFERENCE = Path(__file__).resolve().parent / "data" / "reconcile_reference" / "reference.json"
IDS = ("channel", "location", "product")
METHODS = ("ols", "wls_struct", "wls_var", "mint_shrink")


# ------------------------------------------------------------------------------------ builders
@st.composite
def hierarchies(draw: st.DrawFn, nested: bool | None = None) -> oc.Hierarchy:
    k = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 3)) for _ in range(k)]
    combos = list(itertools.product(*(range(s) for s in sizes)))
    chosen = draw(st.lists(st.sampled_from(combos), min_size=1, max_size=len(combos), unique=True))
    keys = pd.DataFrame([[f"{IDS[j][0]}{c[j]}" for j in range(k)] for c in chosen], columns=IDS[:k])
    if nested is None:
        spec = draw(st.sampled_from(["nested", "grouped"]))
    else:
        spec = "nested" if nested else "grouped"
    return oc.Hierarchy.from_frame(keys, levels=spec)


def grouped(n_channel: int = 2, n_location: int = 3, n_product: int = 4) -> oc.Hierarchy:
    keys = pd.DataFrame(
        list(
            itertools.product(
                [f"c{i}" for i in range(n_channel)],
                [f"l{i}" for i in range(n_location)],
                [f"p{i}" for i in range(n_product)],
            )
        ),
        columns=list(IDS),
    )
    return oc.Hierarchy.from_frame(keys)


def nested(n_channel: int = 2, n_location: int = 2, n_product: int = 3) -> oc.Hierarchy:
    keys = pd.DataFrame(
        [
            (f"c{c}", f"c{c}l{loc}", f"p{p}")
            for c in range(n_channel)
            for loc in range(n_location)
            for p in range(n_product)
        ],
        columns=list(IDS),
    )
    return oc.Hierarchy.from_frame(keys, levels="nested")


def residuals_for(h: oc.Hierarchy, t: int, rng: np.random.Generator) -> np.ndarray:
    """Correlated residuals: coherent bottom shocks plus independent node noise."""
    shocks = h.S @ rng.normal(size=(h.n_bottom, t))
    return shocks + rng.normal(size=(h.n_nodes, t)) * rng.uniform(0.5, 2.0, (h.n_nodes, 1))


# ------------------------------------------------------------------- textbook (dense) versions
def textbook_lambda(x: np.ndarray) -> float:
    """Schafer-Strimmer intensity by its per-pair definition (hierarchicalforecast's mint_shrink)."""
    n, t = x.shape
    z = x / (np.sqrt((x**2).sum(axis=1) / t) + 2e-8)[:, None]
    var_sum = sq_sum = 0.0
    for i in range(n):
        for j in range(i):
            w = z[i] * z[j]
            var_sum += ((w - w.mean()) ** 2).sum() / (t * (t - 1))
            sq_sum += w.mean() ** 2
    return float(np.clip(var_sum / (sq_sum + 2e-8), 0.0, 1.0))


def textbook_w(method: str, h: oc.Hierarchy, res: np.ndarray | None) -> np.ndarray:
    s = h.S.toarray()
    if method == "ols":
        return np.eye(h.n_nodes)
    if method == "wls_struct":
        return np.diag(s.sum(axis=1))
    assert res is not None
    obs = ~np.isnan(res)
    if method == "wls_var":
        return np.diag(np.nansum(res**2, axis=1) / obs.sum(axis=1))
    n, t = res.shape
    x = np.where(obs, res - np.nanmean(res, axis=1, keepdims=True), 0.0)
    count = obs.sum(axis=1)
    sigma = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            common = obs[i] & obs[j]
            sigma[i, j] = (x[i, common] * x[j, common]).sum() / np.sqrt(
                (count[i] - 1) * (count[j] - 1)
            )
    lam = textbook_lambda(x * np.sqrt((t - 1) / (count - 1))[:, None])
    return lam * np.diag(np.diag(sigma)) + (1 - lam) * sigma


def textbook_mint(base: np.ndarray, h: oc.Hierarchy, w: np.ndarray) -> np.ndarray:
    s = h.S.toarray()
    w_inv = np.linalg.inv(w)
    g = np.linalg.solve(s.T @ w_inv @ s, s.T @ w_inv)
    return g @ base


def textbook_top_down(base: np.ndarray, h: oc.Hierarchy) -> np.ndarray:
    """Forecast proportions with explicit loops over the tree, one column at a time."""
    out = np.zeros((h.n_bottom, base.shape[1]))
    s = h.S.toarray().astype(bool)
    level = h.level_of_node
    for col in range(base.shape[1]):
        value = {i: base[i, col] for i in h.tags[h.level_names[0]]}
        for lev in range(1, len(h.levels)):
            for child in np.flatnonzero(level == lev):
                parent = next(p for p in np.flatnonzero(level == lev - 1) if s[p][s[child]].all())
                siblings = [c for c in np.flatnonzero(level == lev) if s[parent][s[c]].all()]
                total = sum(base[c, col] for c in siblings)
                share = base[child, col] / total if abs(total) >= 1e-8 else 1 / len(siblings)
                value[child] = value[parent] * share
        out[:, col] = [value[h.n_aggregated + b] for b in range(h.n_bottom)]
    return out


# ------------------------------------------------------------------------------ option objects
def test_options_validate_and_shortcuts_resolve() -> None:
    assert as_reconciler("bottom_up") == oc.BottomUp()
    for method in METHODS:
        assert as_reconciler(method) == oc.MinTrace(method=method)
    assert as_reconciler(oc.TopDown()) == oc.TopDown("forecast_proportions")
    assert oc.MinTrace().method == "mint_shrink"
    assert oc.MinTrace("ols", nonnegative=True).name == "mintrace_ols_nonnegative"
    assert oc.RECONCILE_METHODS[1:] == METHODS
    assert oc.TOP_DOWN_METHODS[0] == "forecast_proportions"
    with pytest.raises(oc.InvalidParameterError, match="must be one of"):
        oc.MinTrace(method="mint_cov")  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="'nonnegative' parameter of MinTrace"):
        oc.MinTrace(nonnegative=1)  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="'method' parameter of TopDown"):
        oc.TopDown("average_proportions")  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="BottomUp\\(\\), TopDown"):
        as_reconciler("top_down")
    assert oc.MinTrace("wls_var").needs_residuals
    assert not oc.MinTrace("wls_struct").needs_residuals
    assert oc.TopDown("proportion_averages").needs_history
    assert not oc.BottomUp().needs_history


# ------------------------------------------------------------------------- exact vs textbook
@settings(max_examples=40, deadline=None)
@given(h=hierarchies(), seed=st.integers(0, 2**16), t=st.integers(4, 12))
def test_mintrace_equals_dense_textbook(h: oc.Hierarchy, seed: int, t: int) -> None:
    rng = np.random.default_rng(seed)
    base = rng.normal(10.0, 4.0, (h.n_nodes, 3))
    res = residuals_for(h, t, rng)
    scale = np.abs(base).max()
    for method in METHODS:
        rec = oc.MinTrace(method=method)
        ours = rec._reconcile(base, h, residuals=res)
        expected = textbook_mint(base, h, textbook_w(method, h, res))
        np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-8 * scale, err_msg=method)
        # Both factorisations: dense C W C', and sparse LU of C D C' plus Woodbury.
        for dense in (True, False):
            solver = _mint.MinTSolver(h, rec._covariance(h, res), dense=dense)
            np.testing.assert_allclose(solver.bottom(base), expected, atol=1e-8 * scale)


def test_masked_shrinkage_equals_textbook_with_leading_nans() -> None:
    rng = np.random.default_rng(4)
    h = grouped(2, 2, 3)
    res = residuals_for(h, 15, rng)
    starts = rng.integers(0, 10, h.n_bottom)
    for b, start in enumerate(starts):  # bottom series start late; aggregates keep all dates
        res[h.n_aggregated + b, :start] = np.nan
    res[3, :] = np.nan  # a node without any residual gets its level's mean variance
    base = rng.normal(20.0, 5.0, (h.n_nodes, 4))
    ours = oc.MinTrace()._reconcile(base, h, residuals=res)
    w = textbook_w("mint_shrink", h, np.where(np.arange(h.n_nodes)[:, None] == 3, 0.0, res))
    level = h.level_of_node
    peers = (level == level[3]) & (np.arange(h.n_nodes) != 3)
    w[3, :] = w[:, 3] = 0.0
    w[3, 3] = np.mean(np.diag(w)[peers])
    np.testing.assert_allclose(ours, textbook_mint(base, h, w), atol=1e-8 * 25)
    assert np.isfinite(ours).all()


def test_shrinkage_intensity_matches_definition() -> None:
    rng = np.random.default_rng(11)
    for n, t in [(5, 4), (30, 12), (60, 200)]:
        x = rng.normal(size=(n, t)) + rng.normal(size=(1, t))
        x -= x.mean(axis=1, keepdims=True)
        assert _mint._schafer_strimmer(x) == pytest.approx(textbook_lambda(x), rel=1e-10)


@settings(max_examples=25, deadline=None)
@given(h=hierarchies(nested=True), seed=st.integers(0, 2**16))
def test_top_down_equals_textbook(h: oc.Hierarchy, seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.0, 10.0, (h.n_nodes, 3))
    base[rng.random(h.n_nodes) < 0.2] = 0.0  # zero sibling sums split equally
    ours = oc.TopDown()._reconcile(base, h)
    np.testing.assert_allclose(ours, textbook_top_down(base, h), rtol=1e-12, atol=1e-12)
    history = h.S @ rng.poisson(3.0, (h.n_bottom, 8)).astype(float)
    total = history[0]
    bottom = history[h.n_aggregated :]
    usable = total != 0
    avg = (
        (bottom[:, usable] / total[usable]).mean(axis=1)
        if usable.any()
        else np.full(h.n_bottom, 1 / h.n_bottom)
    )
    if h.level_starts[1] == 1:  # a single root: the textbook formulas of Gross and Sohl
        got = oc.TopDown("average_historical_proportions")._reconcile(base, h, history=history)
        np.testing.assert_allclose(got, avg[:, None] * base[0], rtol=1e-12, atol=1e-12)
        props = (
            bottom.sum(axis=1) / total.sum() if total.sum() else np.full(h.n_bottom, 1 / h.n_bottom)
        )
        got = oc.TopDown("proportion_averages")._reconcile(base, h, history=history)
        np.testing.assert_allclose(got, props[:, None] * base[0], rtol=1e-12, atol=1e-12)


def test_sample_paths_reconcile_like_columns() -> None:
    rng = np.random.default_rng(8)
    h = grouped()
    res = residuals_for(h, 10, rng)
    paths = rng.normal(5.0, 2.0, (7, h.n_nodes, 3))
    plan = oc.MinTrace()._prepare(h, residuals=res)
    assert plan.shrinkage is not None
    assert 0.0 <= plan.shrinkage <= 1.0
    got = plan.apply_paths(paths, block=h.n_nodes * 3 * 2)  # several blocks of 2 paths
    for p in range(7):
        np.testing.assert_allclose(got[p], plan.apply(paths[p]), rtol=1e-12, atol=1e-12)


def test_bottom_up_is_the_bottom_rows() -> None:
    h = grouped()
    base = np.random.default_rng(0).normal(size=(h.n_nodes, 5))
    np.testing.assert_array_equal(oc.BottomUp()._reconcile(base, h), base[h.n_aggregated :])


# ------------------------------------------------------------------------------ invariants
@settings(max_examples=30, deadline=None)
@given(h=hierarchies(), seed=st.integers(0, 2**16))
def test_coherent_input_is_kept_and_reconciling_twice_changes_nothing(
    h: oc.Hierarchy, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    coherent = h.S @ rng.uniform(0.5, 10.0, (h.n_bottom, 4))
    res = residuals_for(h, 8, rng)
    base = rng.normal(5.0, 3.0, (h.n_nodes, 4))
    reconcilers: list[oc.Reconciler] = [oc.BottomUp(), *(oc.MinTrace(m) for m in METHODS)]
    if h.is_nested:
        reconcilers.append(oc.TopDown())
    for rec in reconcilers:
        kept = rec._reconcile(coherent, h, residuals=res)
        np.testing.assert_allclose(kept, coherent[h.n_aggregated :], rtol=1e-9, err_msg=rec.name)
        once = h.S @ rec._reconcile(base, h, residuals=res)
        twice = h.S @ rec._reconcile(once, h, residuals=res)
        np.testing.assert_allclose(twice, once, atol=1e-9 * np.abs(base).max(), err_msg=rec.name)


@settings(max_examples=30, deadline=None)
@given(h=hierarchies(), seed=st.integers(0, 2**16), method=st.sampled_from(METHODS))
def test_reconcile_forecasts_output_adds_up(h: oc.Hierarchy, seed: int, method: str) -> None:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2025-01-01", periods=3, freq="D")
    fc = h.nodes.loc[h.nodes.index.repeat(3), list(h.ids)].reset_index(drop=True)
    fc["date"] = np.tile(dates, h.n_nodes)
    fc["mean"] = rng.normal(0.0, 5.0, len(fc))  # negative values (returns) too
    res = h.nodes.loc[h.nodes.index.repeat(6), list(h.ids)].reset_index(drop=True)
    res["date"] = np.tile(pd.date_range("2024-12-01", periods=6, freq="D"), h.n_nodes)
    res["residual"] = rng.normal(size=len(res))
    out = oc.reconcile_forecasts(
        fc.sample(frac=1.0, random_state=seed), h, method=method, residuals=res
    )
    values = out["mean"].to_numpy().reshape(h.n_nodes, 3)
    bottom = values[h.n_aggregated :]
    np.testing.assert_allclose(values, h.S @ bottom, atol=1e-9 * (1 + np.abs(values).max()))
    np.testing.assert_array_equal(out["base"].to_numpy(), fc["mean"].to_numpy())
    assert np.isfinite(values).all()


# ------------------------------------------------------------------------------ nonnegative
def qp_reference(base: np.ndarray, h: oc.Hierarchy, cov: _mint.Covariance) -> np.ndarray:
    w = np.diag(cov.d) + (cov.u @ cov.u.T if cov.u is not None else 0.0)
    chol = np.linalg.cholesky(w)
    a = np.linalg.solve(chol, h.S.toarray())
    out = np.empty((h.n_bottom, base.shape[1]))
    for j in range(base.shape[1]):
        y = np.linalg.solve(chol, base[:, j])
        out[:, j] = lsq_linear(a, y, bounds=(0, np.inf), method="bvls", tol=1e-14).x
    return out


@settings(max_examples=40, deadline=None)
@given(h=hierarchies(), seed=st.integers(0, 2**16), method=st.sampled_from(METHODS))
def test_nonnegative_is_the_exact_qp(h: oc.Hierarchy, seed: int, method: str) -> None:
    rng = np.random.default_rng(seed)
    base = rng.normal(1.0, 4.0, (h.n_nodes, 3))
    res = residuals_for(h, 10, rng)
    rec = oc.MinTrace(method=method, nonnegative=True)
    ours = rec._reconcile(base, h, residuals=res)
    assert (ours >= 0).all()
    cov = rec._covariance(h, res)
    expected = qp_reference(base, h, cov)
    np.testing.assert_allclose(ours, expected, atol=1e-7 * (1 + np.abs(base).max()))
    solver = _mint.MinTSolver(h, cov, dense=False)  # the sparse + Woodbury path too
    sparse = _mint.nonnegative_bottom(solver, solver.bottom(base))
    np.testing.assert_allclose(sparse, expected, atol=1e-7 * (1 + np.abs(base).max()))


def test_lawson_hanson_fallback_is_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(9)
    h = grouped()
    base = rng.normal(0.5, 5.0, (h.n_nodes, 6))
    res = residuals_for(h, 12, rng)
    monkeypatch.setattr(_mint, "_active_set", lambda *args, **kwargs: None)
    rec = oc.MinTrace(nonnegative=True)
    ours = rec._reconcile(base, h, residuals=res)
    assert (ours >= 0).all()
    assert (ours == 0).any()
    expected = qp_reference(base, h, rec._covariance(h, res))
    np.testing.assert_allclose(ours, expected, atol=1e-7 * np.abs(base).max())


def test_nonnegative_leaves_nonnegative_solutions_alone() -> None:
    rng = np.random.default_rng(2)
    h = grouped()
    base = h.S @ rng.uniform(5, 10, (h.n_bottom, 2)) + rng.normal(0, 0.1, (h.n_nodes, 2))
    plain = oc.MinTrace("ols")._reconcile(base, h)
    assert (plain > 0).all()
    np.testing.assert_array_equal(oc.MinTrace("ols", nonnegative=True)._reconcile(base, h), plain)


# --------------------------------------------------------------------------------- robustness
def test_degenerate_series_never_give_nan() -> None:
    rng = np.random.default_rng(5)
    h = grouped(2, 2, 2)
    res = residuals_for(h, 10, rng)
    base = rng.normal(0.0, 3.0, (h.n_nodes, 3))  # negative values (returns) too
    zero = h.n_aggregated + np.array([0, 3])
    res[zero] = 0.0  # all-zero series: zero residual variance
    base[zero] = 0.0
    res[h.n_aggregated + 5, :7] = np.nan
    res[h.n_aggregated + 6, :] = np.nan
    history = h.S @ np.abs(rng.normal(size=(h.n_bottom, 10)))
    history[zero] = 0.0
    for method in METHODS:
        for nonnegative in (False, True):
            rec = oc.MinTrace(method, nonnegative=nonnegative)
            out = rec._reconcile(base, h, residuals=res)
            assert np.isfinite(out).all(), (method, nonnegative)
    # A zero-variance series is held at its base forecast (the floor makes it nearly exact).
    out = oc.MinTrace("wls_var")._reconcile(base, h, residuals=res)
    np.testing.assert_allclose(out[[0, 3]], 0.0, atol=1e-6)
    all_zero = np.zeros((h.n_nodes, 3))
    for method in METHODS:
        got = oc.MinTrace(method)._reconcile(all_zero, h, residuals=np.zeros((h.n_nodes, 10)))
        np.testing.assert_array_equal(got, 0.0)
    hn = nested()
    zero_hist = np.zeros((hn.n_nodes, 5))
    for method in oc.TOP_DOWN_METHODS:
        got = oc.TopDown(method)._reconcile(np.zeros((hn.n_nodes, 2)), hn, history=zero_hist)
        assert np.isfinite(got).all()


def test_errors_name_the_problem() -> None:
    h = grouped()
    base = np.ones((h.n_nodes, 2))
    with pytest.raises(oc.InvalidParameterError, match="strictly nested"):
        oc.TopDown()._reconcile(base, h)
    with pytest.raises(oc.InvalidParameterError, match="needs in-sample residuals"):
        oc.MinTrace("wls_var")._reconcile(base, h)
    with pytest.raises(oc.InvalidParameterError, match="needs the history"):
        oc.TopDown("proportion_averages")._reconcile(np.ones((nested().n_nodes, 1)), nested())
    with pytest.raises(oc.InvalidParameterError, match=r"\(60, m\) array"):
        oc.MinTrace("ols")._reconcile(base[:-1], h)
    bad = base.copy()
    bad[40, 1] = np.nan
    with pytest.raises(oc.InvalidParameterError, match="first at node 40"):
        oc.BottomUp()._reconcile(bad, h)
    with pytest.raises(oc.InvalidParameterError, match="at least 2 dates"):
        oc.MinTrace()._reconcile(base, h, residuals=np.ones((h.n_nodes, 1)))
    with pytest.raises(oc.InvalidParameterError, match="no series with enough"):
        oc.MinTrace()._reconcile(base, h, residuals=np.full((h.n_nodes, 5), np.nan))
    with pytest.raises(oc.InvalidParameterError, match="shape"):
        oc.MinTrace()._reconcile(base, h, residuals=np.ones((3, 5)))


# ---------------------------------------------------------------------------- ground truth
def test_mint_shrink_recovers_the_optimal_combination() -> None:
    """Known truth: base errors ~ N(0, W). MinT with the estimated W reaches the BLUE's error."""
    rng = np.random.default_rng(21)
    h = grouped(2, 2, 3)
    n = h.n_nodes
    loadings = rng.normal(size=(n, 3))
    w_true = np.diag(rng.uniform(0.5, 3.0, n)) + loadings @ loadings.T
    chol = np.linalg.cholesky(w_true)
    residuals = chol @ rng.normal(size=(n, 3000))
    truth = h.S @ rng.uniform(5.0, 20.0, (h.n_bottom, 2000))
    base = truth + chol @ rng.normal(size=(n, 2000))
    ours = h.S @ oc.MinTrace()._reconcile(base, h, residuals=residuals)
    best = h.S @ textbook_mint(base, h, w_true)
    s = h.S.toarray()
    p = np.linalg.inv(s.T @ np.linalg.solve(w_true, s))
    theory = np.trace(s @ p @ s.T)  # expected squared error of the optimal combination
    mse_ours = ((ours - truth) ** 2).sum(axis=0).mean()
    mse_base = ((base - truth) ** 2).sum(axis=0).mean()
    assert mse_ours == pytest.approx(theory, rel=0.06)
    assert mse_ours < 0.7 * mse_base
    assert np.abs(ours - best).mean() < 0.05 * np.abs(base - truth).mean()


# ---------------------------------------------------------------------------- frame interface
def test_reconcile_forecasts_frames_and_errors() -> None:
    h = nested(2, 2, 2)
    rng = np.random.default_rng(3)
    nodes = h.nodes[list(h.ids)]
    fc = nodes.loc[nodes.index.repeat(2)].reset_index(drop=True)
    fc["date"] = np.tile(pd.date_range("2025-02-01", periods=2), h.n_nodes)
    fc["mean"] = rng.uniform(1, 10, len(fc))
    sales = h.bottom.loc[h.bottom.index.repeat(5)].reset_index(drop=True)
    sales["date"] = np.tile(pd.date_range("2025-01-01", periods=5), h.n_bottom)
    sales["quantity"] = rng.poisson(4, len(sales)).astype(float)
    out = oc.reconcile_forecasts(fc, h, method=oc.TopDown("proportion_averages"), history=sales)
    assert out.columns.tolist() == ["level", *h.ids, "date", "mean", "base"]
    shares = sales.groupby(list(h.ids), sort=True)["quantity"].sum() / sales["quantity"].sum()
    first_day = out[(out["date"] == "2025-02-01")].iloc[h.n_aggregated :]["mean"].to_numpy()
    np.testing.assert_allclose(first_day, shares.to_numpy() * fc["mean"].iloc[0])
    # History with all-node rows (the layout of aggregate) works too: aggregates are ignored.
    with_nodes = oc.aggregate(sales, h).drop(columns="level")
    again = oc.reconcile_forecasts(
        fc, h, method=oc.TopDown("proportion_averages"), history=with_nodes
    )
    np.testing.assert_allclose(again["mean"], out["mean"])
    with pytest.raises(oc.SchemaError, match="must have a row for every node"):
        oc.reconcile_forecasts(fc.iloc[1:], h, method="ols")
    with pytest.raises(oc.SchemaError, match="duplicate row"):
        oc.reconcile_forecasts(pd.concat([fc, fc.iloc[:1]]), h, method="ols")
    with pytest.raises(oc.InvalidParameterError, match="'method' parameter of reconcile_forecasts"):
        oc.reconcile_forecasts(fc, h, method="mint")  # type: ignore[arg-type]
    with pytest.raises(oc.SchemaError, match="missing required column"):
        oc.reconcile_forecasts(fc.drop(columns="mean"), h, method="ols")
    res = fc.rename(columns={"mean": "residual"})
    res = res[res["date"] == res["date"].min()]  # one date only
    with pytest.raises(oc.InvalidParameterError, match="at least 2 dates"):
        oc.reconcile_forecasts(fc, h, method="mint_shrink", residuals=res)


# ---------------------------------------------------------------------------------- scale
def test_ten_thousand_series_without_dense_matrices() -> None:
    keys = pd.DataFrame(
        list(itertools.product(range(10), range(40), range(25))), columns=list(IDS)
    ).astype(str)
    h = oc.Hierarchy.from_frame(keys)
    rng = np.random.default_rng(0)
    res = rng.normal(size=(h.n_nodes, 60))
    base = rng.normal(10, 2, (h.n_nodes, 7))
    tracemalloc.start()
    try:
        out = oc.MinTrace()._reconcile(base, h, residuals=res)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert h.n_nodes == 11_726
    assert peak < 150e6  # a dense n x n matrix alone would take 1.1 GB
    # Optimality of the GLS projection: S' W^-1 (yhat - S b) = 0, with W^-1 by Woodbury.
    cov = oc.MinTrace()._covariance(h, res)
    assert cov.u is not None
    gap = base - h.S @ out
    d_inv_gap = gap / cov.d[:, None]
    d_inv_u = cov.u / cov.d[:, None]
    core = np.eye(cov.u.shape[1]) + cov.u.T @ d_inv_u
    w_inv_gap = d_inv_gap - d_inv_u @ np.linalg.solve(core, cov.u.T @ d_inv_gap)
    normal = h.S.T @ w_inv_gap
    np.testing.assert_allclose(
        normal, 0.0, atol=1e-8 * np.abs(h.S.T @ (base / cov.d[:, None])).max()
    )


# --------------------------------------------------------------------------- peer reference
def _load(name: str) -> tuple[dict[str, object], oc.Hierarchy, np.ndarray]:
    inst = json.loads(REFERENCE.read_text())["instances"][name]
    sales = pd.DataFrame(inst["sales"])
    sales["date"] = pd.to_datetime(sales["date"])
    h = oc.Hierarchy.from_frame(sales, levels=[tuple(level) for level in inst["levels"]])
    ids = inst["ids"]
    rows = h.node_index(pd.DataFrame([{c: node.get(c) for c in ids} for node in inst["nodes"]]))
    return inst, h, np.argsort(rows)  # peer rows in our node order


def _peer(inst: dict[str, object], key: str, order: np.ndarray) -> np.ndarray:
    return np.asarray(inst[key], dtype=float)[order]


def _reconciler(name: str) -> oc.Reconciler:
    if name == "bottom_up":
        return oc.BottomUp()
    if name.startswith("top_down_"):
        return oc.TopDown(name.removeprefix("top_down_"))  # type: ignore[arg-type]
    method = name.split("_nonnegative")[0].split("_unconstrained")[0]
    return oc.MinTrace(method, nonnegative=name.endswith("_nonnegative"))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["grouped", "nested"])
def test_matches_hierarchicalforecast(name: str) -> None:
    inst, h, order = _load(name)
    y_in = _peer(inst, "y_insample", order)
    res = y_in - _peer(inst, "y_hat_insample", order)
    results = inst["results"]
    assert isinstance(results, dict)
    checked = []
    for key, values in results.items():
        rec = _reconciler(key)
        low = key.endswith("_nonnegative") or "_unconstrained" in key
        base = _peer(inst, "base_low" if low else "base", order)
        ours = h.S @ rec._reconcile(base, h, residuals=res, history=y_in)
        peer = np.asarray(values, dtype=float)[order]
        scale = np.abs(peer).max()
        if key.endswith("_nonnegative"):
            # The peer solves the QP with Clarabel and rounds to float32: compare loosely, and
            # check that ours is at least as good on the peer's own objective.
            np.testing.assert_allclose(ours, peer, atol=2e-5 * scale, err_msg=key)
            assert isinstance(rec, oc.MinTrace)
            cov = rec._covariance(h, res)
            w = np.diag(cov.d) + (cov.u @ cov.u.T if cov.u is not None else 0.0)
            w_inv = np.linalg.inv(w)
            for col in range(base.shape[1]):
                gap_ours = base[:, col] - ours[:, col]
                gap_peer = base[:, col] - peer[:, col]
                assert gap_ours @ w_inv @ gap_ours <= gap_peer @ w_inv @ gap_peer * (1 + 1e-9)
            assert (ours[h.n_aggregated :] >= 0).all()
        else:
            np.testing.assert_allclose(ours, peer, atol=1e-8 * scale, rtol=0, err_msg=key)
        checked.append(key)
    expected = {"bottom_up", *METHODS, "ols_nonnegative", "mint_shrink_nonnegative"}
    assert expected <= set(checked)
    if name == "nested":
        assert {f"top_down_{m}" for m in oc.TOP_DOWN_METHODS} <= set(checked)
    # The unconstrained versions of the nonnegative cases do go negative.
    assert (_peer(results, "mint_shrink_unconstrained_low", order) < 0).any()
