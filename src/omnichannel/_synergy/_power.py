"""Detection power and interval coverage of a media interaction, by simulation.

Each design (weeks, channels, interaction size, spend variation, noise) draws ``n_sims`` datasets
from the Naik & Raman interaction process of :func:`simulate_mix`, fits the matching mix model
with :func:`fit_mix_model` (no adstock, linear media, pairwise products, the KPI lag when there
is carryover), and counts how often the interval of each interaction excludes zero and how often
it covers the truth.

The matching model is linear in its coefficients, so its fit is least squares: every simulation
of a design is solved at once (batched normal equations, vectorised across simulations), and the
first dataset of each design is also fitted by :func:`fit_mix_model`, whose estimates and
standard errors the batched solve must reproduce (else every simulation goes through
:func:`fit_mix_model` and ``MixModel.refit``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from .._exceptions import InvalidParameterError
from .._plotting import new_axes
from .._simulate._mix_dgp import _draw_spend, _index, _media, _simulate_kpi
from .._validation import as_generator, check_int, check_real, short_repr
from ._mix import fit_mix_model
from ._mix_result import MixModel
from ._transforms import Geometric, Hill, Logistic, MichaelisMenten, Saturation

__all__ = ["POWER_COLUMNS", "SynergyPower", "synergy_power"]

FloatArray = npt.NDArray[np.float64]
_FUNC = "synergy_power"

#: Columns of :meth:`SynergyPower.to_frame` that describe a design.
DESIGN_COLUMNS: tuple[str, ...] = (
    "n_weeks",
    "n_channels",
    "interaction",
    "spend_cv",
    "noise_sd",
)
#: Columns of :meth:`SynergyPower.to_frame`, one row per design.
POWER_COLUMNS: tuple[str, ...] = (
    *DESIGN_COLUMNS,
    "n_sims",
    "n_tests",
    "power",
    "power_se",
    "correct_sign",
    "wrong_sign",
    "coverage",
    "coverage_se",
    "mean_estimate",
    "bias",
    "mean_std_error",
    "empirical_sd",
    "bias_in_se",
    "signal_to_se",
)


@attrs.frozen(kw_only=True, eq=False)
class SynergyPower:
    """Simulated detection power and interval coverage of a channel interaction, per design.

    Attributes
    ----------
    designs : pandas.DataFrame
        One row per design, columns ``POWER_COLUMNS``: the design (``n_weeks``, ``n_channels``,
        ``interaction``, ``spend_cv``, ``noise_sd``); ``n_sims`` datasets and ``n_tests``
        interaction tests (simulations x pairs); ``power``, the share of tests whose interval
        excludes zero (with ``interaction=0`` this is the false-positive rate), and its Monte
        Carlo standard error ``power_se``; ``correct_sign`` and ``wrong_sign``, the shares of tests
        that exclude zero on the side of the truth and on the other side (NaN when the truth is
        zero); ``coverage`` of the truth by the interval and
        ``coverage_se``; ``mean_estimate``, ``bias``, ``mean_std_error`` (the average reported
        standard error), ``empirical_sd`` (of the estimates), ``bias_in_se`` (bias over the mean
        standard error) and ``signal_to_se`` (``|interaction|`` over the mean standard error).
        Estimates are in the units of the mix model's interaction coefficient.
    level : float
        Confidence level of the intervals.
    beta, baseline, spend_corr, carryover : float
        The fixed parts of the simulated process.
    saturation : saturation option
        The media saturation of the process and of the fits.
    seed : int or None
        The seed given, when an int.

    Examples
    --------
    >>> import omnichannel as oc
    >>> res = oc.synergy_power(n_weeks=104, interaction=1.0, n_sims=400, seed=0)
    >>> res
    SynergyPower(interaction 1 over 104 weeks: power 58.8%, coverage 94.8% from 400 simulations at level 0.95)
    >>> res.to_frame()[["power", "coverage", "signal_to_se"]].round(2)
       power  coverage  signal_to_se
    0   0.59      0.95          2.17
    """  # noqa: E501

    designs: pd.DataFrame = attrs.field(repr=False)
    level: float
    beta: float
    baseline: float
    saturation: Saturation
    spend_corr: float
    carryover: float
    seed: int | None

    def to_frame(self) -> pd.DataFrame:
        """One row per design (a copy); see the class docstring for the columns."""
        return self.designs.copy()

    def summary(self) -> pd.DataFrame:
        """Design, power, coverage and the signal-to-noise ratio of each design."""
        keep = [*DESIGN_COLUMNS, "n_sims", "power", "coverage", "signal_to_se"]
        return self.designs.loc[:, keep].copy()

    def __repr__(self) -> str:
        frame = self.designs
        if len(frame) == 1:
            row = frame.iloc[0]
            return (
                f"SynergyPower(interaction {row['interaction']:g} over {int(row['n_weeks'])} "
                f"weeks: power {row['power']:.1%}, coverage {row['coverage']:.1%} from "
                f"{int(row['n_sims'])} simulations at level {self.level:g})"
            )
        return (
            f"SynergyPower({len(frame)} designs: power {frame['power'].min():.1%} to "
            f"{frame['power'].max():.1%}, coverage {frame['coverage'].min():.1%} to "
            f"{frame['coverage'].max():.1%}, level {self.level:g})"
        )

    def plot(self, ax: Any = None, *, x: str = "n_weeks") -> Any:
        """Power against one design column, one line per value of ``interaction``.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.
        x : str, default "n_weeks"
            Design column on the horizontal axis.

        Returns
        -------
        matplotlib Axes
        """
        if x not in DESIGN_COLUMNS:
            raise InvalidParameterError(
                f"The 'x' parameter of SynergyPower.plot must be one of {list(DESIGN_COLUMNS)}. "
                f"Got {x!r} instead."
            )
        axes = new_axes(ax)
        group = "interaction" if x != "interaction" else "n_weeks"
        for value, part in self.designs.groupby(group, sort=True):
            part = part.sort_values(x)
            axes.errorbar(
                part[x],
                part["power"],
                yerr=1.96 * part["power_se"],
                marker="o",
                capsize=2,
                label=f"{group}={value:g}",
            )
        axes.axhline(1.0 - self.level, color="#999999", lw=0.8, ls="--")
        axes.set_ylim(0.0, 1.0)
        axes.set_xlabel(x)
        axes.set_ylabel("power")
        axes.set_title("Detection power of the interaction")
        axes.legend(fontsize="small")
        return axes


# --------------------------------------------------------------------------------------------


def _grid(value: object, name: str, check: Any) -> list[Any]:
    if isinstance(value, Sequence | np.ndarray) and not isinstance(value, str):
        items = list(value)
        if not items:
            raise InvalidParameterError(
                f"The {name!r} parameter of {_FUNC} must be a value or a non-empty sequence. "
                f"Got {short_repr(value)} instead."
            )
        return [check(v) for v in items]
    return [check(value)]


def _fit_options(carryover: bool, saturation: Saturation) -> dict[str, Any]:
    """Options of the mix model that matches the simulated process exactly."""
    return {
        "adstock": Geometric(alpha=0.0, l_max=1),
        "saturation": saturation,
        "interactions": "pairwise",
        "carryover_kpi": carryover,
        "trend": False,
        "seasonality": None,
        "n_boot": 0,
    }


def _pair_stats(
    model: MixModel, level: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Estimate, standard error and Wald interval of every pair's coefficient."""
    names = list(model.coef_names)
    idx = np.array([names.index(f"{a}:{b}") for a, b in model.interactions])
    est = np.asarray(model.coef, dtype=np.float64)[idx]
    se = np.sqrt(np.maximum(np.diag(model.coef_cov)[idx], 0.0))
    q = float(stats.t.ppf(0.5 + level / 2.0, max(int(model.df_resid), 1)))
    return est, se, est - q * se, est + q * se


_DEFAULT_SATURATION = Hill(half_saturation=0.5, slope=1.0)


def _check_saturation(saturation: object) -> None:
    ok = isinstance(saturation, Hill | Logistic | MichaelisMenten) and all(
        value is not None for value in saturation.fixed()
    )
    if not ok:
        raise InvalidParameterError(
            f"The 'saturation' parameter of {_FUNC} must be Hill, Logistic or MichaelisMenten "
            "with every parameter given, e.g. oc.Hill(half_saturation=0.5, slope=1.0). Got "
            f"{short_repr(saturation)} instead."
        )


def _batched_ols(
    index: FloatArray, kpi: FloatArray, carryover: bool, level: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, int]:
    """Least squares of every simulation at once.

    The design of the matching mix model: intercept, media index per channel, every pairwise
    product and, with carryover, last week's KPI (the first week then only serves as the lag).

    Returns
    -------
    the estimate, standard error and Wald interval of every pair ``(n_sims, n_pairs)`` and the
    residual degrees of freedom.
    """
    n_sims, n_weeks, k = index.shape
    rows, cols = np.triu_indices(k, 1)
    first = int(carryover)
    x = index[:, first:, :]
    parts = [np.ones((n_sims, n_weeks - first, 1)), x, x[..., rows] * x[..., cols]]
    if carryover:
        parts.append(kpi[:, :-1, None])
    design = np.concatenate(parts, axis=-1)
    y = kpi[:, first:]
    gram = np.einsum("snp,snq->spq", design, design)
    coef = np.linalg.solve(gram, np.einsum("snp,sn->sp", design, y)[..., None])[..., 0]
    resid = y - np.einsum("snp,sp->sn", design, coef)
    df = design.shape[1] - design.shape[2]
    sigma2 = np.einsum("sn,sn->s", resid, resid) / df
    start = 1 + k
    inv_diag = np.diagonal(np.linalg.inv(gram), axis1=1, axis2=2)[:, start : start + rows.size]
    est = coef[:, start : start + rows.size]
    se = np.sqrt(sigma2[:, None] * inv_diag)
    q = float(stats.t.ppf(0.5 + level / 2.0, max(df, 1)))
    return est, se, est - q * se, est + q * se, df


def _one_design(
    rng: np.random.Generator,
    *,
    n_weeks: int,
    k: int,
    interaction: float,
    spend_cv: float,
    noise_sd: float,
    n_sims: int,
    spend_paths: int,
    level: float,
    beta: float,
    baseline: float,
    spend_corr: float,
    carryover: float,
    saturation: Saturation,
) -> dict[str, float]:
    names = [f"c{i}" for i in range(k)]
    delta = np.full((k, k), interaction)
    np.fill_diagonal(delta, 0.0)
    paths = min(spend_paths, n_sims)
    spend = _draw_spend(rng, (paths, n_weeks), np.ones(k), spend_cv, spend_corr)
    spend = spend[np.arange(n_sims) % paths]  # simulations cycle through the spend paths
    # the media index of fit_mix_model: saturated spend over its maximum (no adstock)
    index = _index(spend, saturation, spend.max(axis=1, keepdims=True))
    media = _media(
        index,
        dgp="interaction",
        beta=np.full(k, beta),
        delta=delta,
        audience_beta=0.0,
        half_saturation=1.0,
        shape=1.0,
    )
    kpi, _, _ = _simulate_kpi(rng, media, baseline=baseline, carryover=carryover, noise_sd=noise_sd)
    est, se, low, high, df = _batched_ols(index, kpi, carryover > 0, level)

    # The matching mix model is linear in its coefficients, so fit_mix_model is least squares
    # on the same design. Fit the first dataset with it and require the batched solve to agree;
    # on any disagreement, fall back to fit_mix_model and refit for every simulation.
    frame = pd.DataFrame({"date": pd.date_range("2020-01-05", periods=n_weeks, freq="7D")})
    frame["kpi"] = kpi[0]
    for c, name in enumerate(names):
        frame[name] = spend[0, :, c]
    options = _fit_options(carryover > 0, saturation)
    model = fit_mix_model(frame, kpi="kpi", media=names, seed=0, **options)
    check = _pair_stats(model, level)
    agree = model.df_resid == df and all(
        np.allclose(ours[0], theirs, rtol=1e-6, atol=1e-9)
        for ours, theirs in zip((est, se), check[:2], strict=True)
    )
    if not agree:  # pragma: no cover - only if the mix model's specification changes
        for s in range(n_sims):
            if s and not np.array_equal(spend[s], spend[s - 1]):
                frame = frame.assign(kpi=kpi[s], **{n: spend[s, :, c] for c, n in enumerate(names)})
                model = fit_mix_model(frame, kpi="kpi", media=names, seed=0, **options)
                fitted = model
            else:
                fitted = model if s == 0 else model.refit(kpi[s], seed=0)
            est[s], se[s], low[s], high[s] = _pair_stats(fitted, level)
    detected = (low > 0) | (high < 0)
    right_side = (low > 0) if interaction > 0 else (high < 0)
    wrong_side = (high < 0) if interaction > 0 else (low > 0)
    covered = (low <= interaction) & (interaction <= high)
    n_tests = est.size
    power = float(detected.mean())
    coverage = float(covered.mean())
    mean_se = float(se.mean())
    bias = float(est.mean() - interaction)
    return {
        "n_weeks": float(n_weeks),
        "n_channels": float(k),
        "interaction": interaction,
        "spend_cv": spend_cv,
        "noise_sd": noise_sd,
        "n_sims": float(n_sims),
        "n_tests": float(n_tests),
        "power": power,
        "power_se": float(np.sqrt(power * (1 - power) / n_tests)),
        "correct_sign": float(right_side.mean()) if interaction != 0 else float("nan"),
        "wrong_sign": float(wrong_side.mean()) if interaction != 0 else float("nan"),
        "coverage": coverage,
        "coverage_se": float(np.sqrt(coverage * (1 - coverage) / n_tests)),
        "mean_estimate": float(est.mean()),
        "bias": bias,
        "mean_std_error": mean_se,
        "empirical_sd": float(est.std(ddof=1)) if n_tests > 1 else float("nan"),
        "bias_in_se": bias / mean_se if mean_se > 0 else float("nan"),
        "signal_to_se": abs(interaction) / mean_se if mean_se > 0 else float("nan"),
    }


def synergy_power(
    *,
    n_weeks: int | Sequence[int] = 156,
    n_channels: int | Sequence[int] = 2,
    interaction: float | Sequence[float],
    spend_cv: float | Sequence[float] = 0.5,
    noise_sd: float | Sequence[float] = 0.05,
    saturation: Saturation = _DEFAULT_SATURATION,
    beta: float = 1.0,
    baseline: float = 10.0,
    spend_corr: float = 0.0,
    carryover: float = 0.0,
    n_sims: int = 200,
    spend_paths: int | None = None,
    level: float = 0.95,
    seed: int | np.random.Generator = 0,
) -> SynergyPower:
    r"""Power to detect a media interaction, and coverage of its interval, by simulation.

    For every combination of the design values (any of ``n_weeks``, ``n_channels``,
    ``interaction``, ``spend_cv`` and ``noise_sd`` may be a list), ``n_sims`` datasets are drawn
    from the interaction process of :func:`simulate_mix`,

    .. math:: y_t = b + \beta \sum_c s_{ct} + \delta \sum_{a<b} s_{at} s_{bt}
              + \lambda y_{t-1} + \varepsilon_t, \qquad s_{ct} = h(x_{ct} / \max_t x_{ct}),

    with lognormal weekly spend :math:`x` (coefficient of variation ``spend_cv``) and the
    saturation :math:`h` given, and fitted by :func:`fit_mix_model` with the matching options
    (that saturation held fixed, no adstock, every pairwise product, the lagged KPI when
    ``carryover > 0``, no trend or seasonality). :math:`\beta` and :math:`\delta` are therefore
    in the units of the mix model's coefficients, the ``interaction`` column of
    :func:`score_synergy`. A test detects the interaction when its Wald t interval at ``level``
    excludes zero. The transforms are known here, so this is the power of the best case; a fit
    that also estimates them has less.

    Use it before fitting to learn whether your data can answer the question: power rises with
    weeks, spend variation (``spend_cv``) and the interaction's size relative to the noise.

    Parameters
    ----------
    n_weeks : int or list of int, default 156
        Weeks of data (>= 10).
    n_channels : int or list of int, default 2
        Channels (2 to 6); every pair has the same interaction.
    interaction : float or list of float
        :math:`\delta`, the interaction coefficient (0 gives the false-positive rate).
    spend_cv : float or list of float, default 0.5
        Coefficient of variation of weekly spend (> 0).
    noise_sd : float or list of float, default 0.05
        Standard deviation of the weekly noise (> 0).
    saturation : Hill, Logistic or MichaelisMenten, default Hill(half_saturation=0.5, slope=1.0)
        The media saturation, every parameter given.
    beta : float, default 1.0
        Main-effect coefficient of every channel.
    baseline : float, default 10.0
        Weekly KPI without media.
    spend_corr : float, default 0.0
        Correlation of log spend between channels.
    carryover : float, default 0.0
        KPI carryover :math:`\lambda` in [0, 1).
    n_sims : int, default 200
        Datasets per design (>= 2).
    spend_paths : int, optional
        Distinct spend paths per design; simulations cycle through them and differ in the
        noise. The default (``n_sims``) redraws spend for every dataset (unconditional power);
        ``1`` gives the power for one spend path.
    level : float, default 0.95
        Confidence level of the intervals.
    seed : int or numpy.random.Generator, default 0
        Source of all randomness.

    Returns
    -------
    SynergyPower
        One row per design in ``to_frame()``.

    Raises
    ------
    InvalidParameterError
        When a value is out of range.

    Examples
    --------
    >>> import omnichannel as oc
    >>> res = oc.synergy_power(n_weeks=[52, 104, 156], interaction=1.0, n_sims=500, seed=1)
    >>> res.summary()[["n_weeks", "interaction", "power", "coverage"]].round(2)
       n_weeks  interaction  power  coverage
    0       52          1.0   0.38      0.94
    1      104          1.0   0.60      0.96
    2      156          1.0   0.74      0.95
    """
    weeks_grid = _grid(n_weeks, "n_weeks", lambda v: check_int(v, "n_weeks", func=_FUNC, low=10))
    k_grid = _grid(
        n_channels, "n_channels", lambda v: check_int(v, "n_channels", func=_FUNC, low=2, high=6)
    )
    delta_grid = _grid(
        interaction, "interaction", lambda v: check_real(v, "interaction", func=_FUNC)
    )
    cv_grid = _grid(
        spend_cv,
        "spend_cv",
        lambda v: check_real(v, "spend_cv", func=_FUNC, low=0.0, low_open=True),
    )
    noise_grid = _grid(
        noise_sd,
        "noise_sd",
        lambda v: check_real(v, "noise_sd", func=_FUNC, low=0.0, low_open=True),
    )
    b = check_real(beta, "beta", func=_FUNC)
    base = check_real(baseline, "baseline", func=_FUNC)
    _check_saturation(saturation)
    corr = check_real(spend_corr, "spend_corr", func=_FUNC, low=-0.2, high=1.0, high_open=True)
    lam = check_real(carryover, "carryover", func=_FUNC, low=0.0, high=1.0, high_open=True)
    sims = check_int(n_sims, "n_sims", func=_FUNC, low=2)
    assert sims is not None
    paths = check_int(spend_paths, "spend_paths", func=_FUNC, low=1, allow_none=True)
    conf = check_real(level, "level", func=_FUNC, low=0.0, high=1.0, low_open=True, high_open=True)
    rng = as_generator(seed, func=_FUNC)

    designs = list(itertools.product(weeks_grid, k_grid, delta_grid, cv_grid, noise_grid))
    children = rng.spawn(len(designs))  # one stream per design: a design's draws never shift
    rows = [
        _one_design(
            child,
            n_weeks=w,
            k=k,
            interaction=d,
            spend_cv=cv,
            noise_sd=sd,
            n_sims=sims,
            spend_paths=paths if paths is not None else sims,
            level=conf,
            beta=b,
            baseline=base,
            spend_corr=corr,
            carryover=lam,
            saturation=saturation,
        )
        for (w, k, d, cv, sd), child in zip(designs, children, strict=True)
    ]
    frame = pd.DataFrame(rows, columns=list(POWER_COLUMNS))
    counts = ["n_weeks", "n_channels", "n_sims", "n_tests"]
    frame[counts] = frame[counts].astype(np.int64)
    return SynergyPower(
        designs=frame,
        level=conf,
        beta=b,
        baseline=base,
        saturation=saturation,
        spend_corr=corr,
        carryover=lam,
        seed=seed if isinstance(seed, int) else None,
    )
