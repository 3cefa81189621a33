"""Media transforms: closed forms, PyMC-Marketing's numbers, invariants and validation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import omnichannel as oc

DATA = Path(__file__).parent / "data" / "synergy"

spend_arrays = hnp.arrays(
    np.float64,
    st.integers(1, 40),
    elements=st.floats(0.0, 50.0, allow_nan=False, allow_infinity=False),
)


def _explicit_convolution(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x)
    for t in range(x.size):
        for lag in range(w.size):
            if t - lag >= 0:
                out[t] += w[lag] * x[t - lag]
    return out


# --- adstock -------------------------------------------------------------------------------


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("alpha", [0.0, 0.35, 0.9])
def test_geometric_equals_explicit_convolution(alpha: float, normalize: bool) -> None:
    x = np.random.default_rng(1).gamma(2.0, 1.0, size=25)
    weights = alpha ** np.arange(6)
    if normalize:
        weights = weights / weights.sum()
    got = oc.Geometric(alpha=alpha, l_max=6, normalize=normalize).transform(x)
    np.testing.assert_allclose(got, _explicit_convolution(x, weights), rtol=1e-12, atol=1e-12)


def test_geometric_with_long_kernel_is_the_recursive_adstock() -> None:
    x = np.random.default_rng(2).gamma(2.0, 1.0, size=30)
    recursive = np.zeros_like(x)
    for t in range(x.size):
        recursive[t] = x[t] + (0.6 * recursive[t - 1] if t else 0.0)
    got = oc.Geometric(alpha=0.6, l_max=30, normalize=False).transform(x)
    np.testing.assert_allclose(got, recursive, rtol=1e-12)


def test_weibull_weights_closed_forms() -> None:
    k, lam = 2.0, 3.0
    t = np.arange(1, 6, dtype=float)
    density = (k / lam) * (t / lam) ** (k - 1) * np.exp(-((t / lam) ** k))
    pdf = oc.Weibull(shape=k, scale=lam, l_max=5, normalize=False).weights([k, lam])
    np.testing.assert_allclose(
        pdf, (density - density.min()) / (density.max() - density.min()), rtol=1e-12
    )
    survival = np.exp(-((t / lam) ** k))
    cdf = oc.Weibull(shape=k, scale=lam, kind="cdf", l_max=5, normalize=False).weights([k, lam])
    np.testing.assert_allclose(cdf, np.cumprod(np.r_[1.0, survival[:-1]]), rtol=1e-12)
    normalized = oc.Weibull(kind="cdf", l_max=5, normalize=True).weights([k, lam])
    assert normalized.sum() == pytest.approx(1.0)


def test_weibull_transform_is_the_convolution_with_its_weights() -> None:
    x = np.random.default_rng(3).gamma(2.0, 1.0, size=20)
    option = oc.Weibull(shape=1.5, scale=2.5, l_max=7, normalize=False)
    weights = option.weights([1.5, 2.5])
    np.testing.assert_allclose(option.transform(x), _explicit_convolution(x, weights), rtol=1e-12)


def test_adstock_weights_broadcast_over_candidates() -> None:
    alphas = np.array([[0.1], [0.5], [0.9]])
    weights = oc.Geometric(l_max=4, normalize=False).weights(alphas)
    assert weights.shape == (3, 4)
    np.testing.assert_allclose(weights[1], 0.5 ** np.arange(4))
    x = np.random.default_rng(4).random((3, 10))
    batched = oc._synergy._transforms.convolve(x, weights)
    for i in range(3):
        np.testing.assert_allclose(batched[i], _explicit_convolution(x[i], weights[i]))


# --- saturation ----------------------------------------------------------------------------


def test_saturation_closed_forms_at_known_points() -> None:
    assert oc.Hill(half_saturation=0.4, slope=2.7).transform(0.4) == pytest.approx(0.5)
    assert oc.Hill(half_saturation=0.5, slope=2.0).transform(1.0) == pytest.approx(0.8)
    assert oc.Logistic(lam=3.0).transform(math.log(3.0) / 3.0) == pytest.approx(0.5)
    assert oc.Logistic(lam=2.0).transform(1.0) == pytest.approx(
        (1 - math.exp(-2.0)) / (1 + math.exp(-2.0))
    )
    assert oc.MichaelisMenten(k=0.3).transform(0.3) == pytest.approx(0.5)
    assert oc.MichaelisMenten(k=0.3).transform(0.9) == pytest.approx(0.75)
    for option in (oc.Hill(half_saturation=1.0, slope=1.3), oc.Logistic(lam=1.0)):
        assert option.transform(0.0) == 0.0
        assert option.transform(1e6) == pytest.approx(1.0)


def test_transforms_match_pymc_marketing() -> None:
    reference = json.loads((DATA / "transforms_pymc.json").read_text())
    x = np.array(reference["spend"])
    assert len(reference["cases"]) == 26
    for case in reference["cases"]:
        p = case["params"]
        name = case["transform"]
        option: object
        if name == "geometric":
            option = oc.Geometric(alpha=p["alpha"], l_max=p["l_max"], normalize=p["normalize"])
        elif name == "weibull":
            # PyMC-Marketing's CDF kernel has l_max + 1 weights.
            extra = 1 if p["kind"] == "cdf" else 0
            option = oc.Weibull(
                shape=p["shape"],
                scale=p["scale"],
                kind=p["kind"],
                l_max=p["l_max"] + extra,
                normalize=p["normalize"],
            )
        elif name == "logistic":
            option = oc.Logistic(lam=p["lam"])
        elif name == "hill":
            option = oc.Hill(half_saturation=p["half_saturation"], slope=p["slope"])
        else:
            option = oc.MichaelisMenten(k=p["k"])
        got = option.transform(x)  # type: ignore[attr-defined]
        np.testing.assert_allclose(got, case["output"], rtol=1e-9, atol=1e-12, err_msg=str(case))


# --- invariants ----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    x=spend_arrays,
    half=st.floats(0.05, 5.0),
    slope=st.floats(0.3, 5.0),
    lam=st.floats(0.05, 30.0),
    k=st.floats(0.01, 10.0),
)
def test_saturations_are_monotone_and_bounded(
    x: np.ndarray, half: float, slope: float, lam: float, k: float
) -> None:
    ordered = np.sort(x)
    for option in (
        oc.Hill(half_saturation=half, slope=slope),
        oc.Logistic(lam=lam),
        oc.MichaelisMenten(k=k),
    ):
        y = option.transform(ordered)
        assert np.all(np.diff(y) >= -1e-12)
        assert np.all((y >= 0.0) & (y <= 1.0))


@settings(max_examples=60, deadline=None)
@given(
    x=spend_arrays,
    more=st.floats(0.0, 10.0),
    alpha=st.floats(0.0, 0.99),
    l_max=st.integers(1, 15),
    normalize=st.booleans(),
)
def test_adstock_is_linear_monotone_and_nonnegative(
    x: np.ndarray, more: float, alpha: float, l_max: int, normalize: bool
) -> None:
    option = oc.Geometric(alpha=alpha, l_max=l_max, normalize=normalize)
    y = option.transform(x)
    assert np.all(y >= 0.0)
    np.testing.assert_allclose(option.transform(2.5 * x), 2.5 * y, rtol=1e-10, atol=1e-10)
    bumped = x.copy()
    bumped[0] += more
    assert np.all(option.transform(bumped) >= y - 1e-12)
    if normalize and x.size >= l_max:
        # Normalised weights keep the level of a constant spend once the kernel is full.
        flat = option.transform(np.full(x.size, 3.0))
        assert flat[l_max - 1 :] == pytest.approx(np.full(x.size - l_max + 1, 3.0))


def test_transform_works_on_leading_axes() -> None:
    x = np.random.default_rng(5).random((2, 3, 12))
    option = oc.Geometric(alpha=0.4, l_max=5)
    out = option.transform(x)
    assert out.shape == x.shape
    np.testing.assert_allclose(out[1, 2], option.transform(x[1, 2]))


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: oc.Geometric(alpha=1.0), "'alpha' parameter of Geometric"),
        (lambda: oc.Geometric(alpha=-0.1), "'alpha' parameter of Geometric"),
        (lambda: oc.Geometric(l_max=0), "'l_max' parameter of Geometric"),
        (lambda: oc.Geometric(normalize=1), "'normalize' parameter of Geometric"),
        (lambda: oc.Weibull(kind="gamma"), "'kind' parameter of Weibull"),
        (lambda: oc.Weibull(shape=0.0), "'shape' parameter of Weibull"),
        (lambda: oc.Hill(slope=-1.0), "'slope' parameter of Hill"),
        (lambda: oc.Hill(half_saturation="a"), "'half_saturation' parameter of Hill"),
        (lambda: oc.Logistic(lam=0.0), "'lam' parameter of Logistic"),
        (lambda: oc.MichaelisMenten(k=float("nan")), "'k' parameter of MichaelisMenten"),
    ],
)
def test_invalid_options_are_rejected(build: object, match: str) -> None:
    with pytest.raises(oc.InvalidParameterError, match=match):
        build()  # type: ignore[operator]


def test_transform_needs_every_parameter() -> None:
    with pytest.raises(oc.InvalidParameterError, match=r"Hill.transform needs .*'slope'"):
        oc.Hill(half_saturation=1.0).transform([1.0])
    with pytest.raises(oc.InvalidParameterError, match="Geometric.transform"):
        oc.Geometric().transform([1.0])


def test_options_report_names_fixed_values_and_bounds() -> None:
    option = oc.Hill(slope=2.0)
    assert option.param_names == ("half_saturation", "slope")
    assert option.fixed() == (None, 2.0)
    for cls in (oc.Geometric, oc.Weibull, oc.Hill, oc.Logistic, oc.MichaelisMenten):
        bounds = cls().bounds()
        assert len(bounds) == len(cls().param_names)
        assert all(low < high for low, high, _ in bounds)
