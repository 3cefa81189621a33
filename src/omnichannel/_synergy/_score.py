"""Synergy scores of a fitted mix model: interaction tests, shares, ratios and Shapley terms."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from .._exceptions import InvalidParameterError
from .._validation import check_real, short_repr
from ._scores import SynergyScores, coalition_masks

if TYPE_CHECKING:
    from ._mix_result import MixModel

__all__ = ["coalition_values", "score_synergy"]

FloatArray = npt.NDArray[np.float64]
_FUNC = "score_synergy"
# float64 cells one response call may allocate (spend windows of every draw and coalition)
_CELL_BUDGET = 20_000_000


def _chunk_size(model: MixModel, n_draws: int) -> int:
    k = len(model.channels)
    l_max = int(getattr(model.adstock, "l_max", 1) or 1)
    cells = max(1, n_draws) * k * (model.n_obs + l_max) * max(l_max, 1)
    return int(max(1, _CELL_BUDGET // cells))


def coalition_values(model: MixModel, *, draws: bool = False) -> FloatArray:
    """Predicted KPI summed over the modelled weeks for every channel coalition.

    Channels outside the coalition get zero spend in every modelled week; the baseline stays as
    fitted. Entry ``m`` is the coalition whose bitmask is ``m`` (bit ``i`` for
    ``model.channels[i]``).

    Parameters
    ----------
    model : MixModel
        A fitted mix model.
    draws : bool, default False
        Evaluate every bootstrap draw.

    Returns
    -------
    numpy.ndarray
        ``(2**k,)``, or ``(n_boot, 2**k)`` with ``draws``.

    Examples
    --------
    >>> import omnichannel as oc
    >>> from omnichannel._synergy._score import coalition_values
    >>> sim = oc.simulate_mix(n_weeks=52, channels=("tv", "search"), interaction=0.5, seed=2)
    >>> model = oc.fit_mix_model(sim.data, kpi="kpi", media=["tv", "search"], n_boot=0, seed=0)
    >>> coalition_values(model).shape
    (4,)
    """
    k = len(model.channels)
    masks, _ = coalition_masks(k)
    members = ((masks[:, None] >> np.arange(k)) & 1).astype(np.float64)
    n_draws = model.n_boot if draws else 1
    size = _chunk_size(model, n_draws)
    parts = []
    for start in range(0, masks.size, size):  # coalition chunks keep the memory bounded
        block = members[start : start + size, None, :]
        surface = model.response(model.spend * block, draws=draws)
        parts.append(surface.sum(axis=-1))
    return np.concatenate(parts, axis=-1)


def _square_pairs(k: int, pairs: npt.NDArray[np.int64], values: FloatArray) -> FloatArray:
    out = np.full((k, k), np.nan)
    out[pairs[:, 0], pairs[:, 1]] = values
    out[pairs[:, 1], pairs[:, 0]] = values
    return out


def score_synergy(model: MixModel, *, level: float = 0.95) -> SynergyScores:
    r"""Score every channel pair of a fitted mix model for synergy or cannibalisation.

    For each pair ``(a, b)`` the result holds

    * ``interaction``: the fitted coefficient :math:`\beta_{ab}` of ``s_a s_b`` with its
      interval at ``level`` (bootstrap percentiles when the model has bootstrap draws, Wald t
      otherwise) and a two-sided Wald t-test ``p_value``; pairs the model leaves out are NaN;
    * ``standardized_interaction``: the weekly standard deviation of the interaction term over
      that of the KPI, signed (a beta weight);
    * ``synergy_share``: the pair's interaction contribution over the total media contribution,
      both summed over the modelled weeks (as in ``model.contributions()``);
    * ``synergy_ratio``: joint lift of the pair over the sum of the single lifts on the fitted
      response surface, ``(v(ab) - v()) / (v(a) + v(b) - 2 v())``, where ``v(S)`` is the
      predicted KPI summed over the modelled weeks with channels outside ``S`` at zero spend;
      1 means additive, above 1 complementary;
    * ``shapley_interaction``: the Shapley interaction index of the same coalition values over
      all :math:`2^k` coalitions, with bootstrap bounds (``shapley_interaction_lower`` and
      ``_upper``) when the model has draws.

    :meth:`SynergyScores.shapley` splits the total lift ``v(all) - v()`` over channels.

    Parameters
    ----------
    model : MixModel
        A fitted model from :func:`fit_mix_model` with at least two channels.
    level : float, default 0.95
        Confidence level of the intervals, in (0, 1).

    Returns
    -------
    SynergyScores
        ``source="mix_model"``; labels say ``complementary`` or ``cannibalising`` only where the
        interaction interval excludes zero.

    Raises
    ------
    InvalidParameterError
        When ``model`` is not a fitted mix model with two or more channels, or ``level`` is out
        of range.

    Examples
    --------
    Simulate three years of weekly data whose media index is a known Hill curve with a
    complementary pair, and fit the model with the same curve held fixed:

    >>> import omnichannel as oc
    >>> hill = oc.Hill(half_saturation=0.5, slope=1.0)
    >>> sim = oc.simulate_mix(
    ...     n_weeks=156, interaction=2.0, saturation=hill, spend_cv=0.5, noise_sd=0.05, seed=4
    ... )
    >>> model = oc.fit_mix_model(
    ...     sim.data,
    ...     kpi="kpi",
    ...     media=["tv", "search"],
    ...     adstock=oc.Geometric(alpha=0.0, l_max=1),
    ...     saturation=hill,
    ...     trend=False,
    ...     seasonality=None,
    ...     n_boot=0,
    ... )
    >>> scores = oc.score_synergy(model)
    >>> columns = ["channel_a", "channel_b", "interaction", "lower", "upper", "label"]
    >>> scores.to_frame()[columns].round(2)
      channel_a channel_b  interaction  lower  upper          label
    0        tv    search         1.55   0.87   2.22  complementary
    >>> scores.to_frame()[["synergy_share", "synergy_ratio"]].round(2)
       synergy_share  synergy_ratio
    0            0.2           1.25
    >>> scores.shapley().round(1)
      channel  shapley  main_effect  interaction_effect
    0      tv     83.7         66.0                17.6
    1  search     93.4         75.8                17.6
    """
    _check_model(model)
    conf = check_real(level, "level", func=_FUNC, low=0.0, high=1.0, low_open=True, high_open=True)
    channels = tuple(model.channels)
    k = len(channels)
    pairs = np.asarray(model.pair_index, dtype=np.int64).reshape(-1, 2)
    names = list(model.coef_names)
    inter_names = [f"{a}:{b}" for a, b in model.interactions]
    positions = np.array([names.index(n) for n in inter_names], dtype=np.int64)

    estimate = np.asarray(model.coef, dtype=np.float64)[positions]
    cov = np.asarray(model.coef_cov, dtype=np.float64)
    se = np.sqrt(np.maximum(np.diag(cov)[positions], 0.0))
    df = max(int(model.df_resid), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_value = estimate / se
    p_value = 2.0 * stats.t.sf(np.abs(t_value), df)
    tail = (1.0 - conf) / 2.0
    if model.n_boot:
        boot = np.asarray(model.boot_coef, dtype=np.float64)[:, positions]
        lower, upper = np.nanquantile(boot, [tail, 1.0 - tail], axis=0)
    else:
        q = float(stats.t.ppf(1.0 - tail, df))
        lower, upper = estimate - q * se, estimate + q * se

    # contributions over the modelled weeks: the pair's term over all media terms
    contrib = model.contributions()
    totals = contrib.groupby("term", sort=False)["contribution"].sum()
    media_terms = [*channels, *inter_names]
    media_total = float(totals.reindex(media_terms).fillna(0.0).sum())
    pair_total = totals.reindex(inter_names).fillna(0.0).to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = pair_total / media_total if media_total != 0 else np.full(len(pairs), np.nan)
    weekly = contrib.pivot_table(index="date", columns="term", values="contribution", sort=False)
    kpi_sd = float(np.std(np.asarray(model.observed, dtype=np.float64)))
    term_sd = np.array(
        [float(np.std(weekly[n].to_numpy())) if n in weekly else np.nan for n in inter_names]
    )
    standardized = np.sign(estimate) * term_sd / kpi_sd if kpi_sd > 0 else np.full_like(se, np.nan)

    values = coalition_values(model)
    draws = coalition_values(model, draws=True) if model.n_boot else None
    return SynergyScores.from_values(
        values,
        channels=channels,
        source="mix_model",
        draws=draws,
        interaction=_square_pairs(k, pairs, estimate),
        lower=_square_pairs(k, pairs, lower),
        upper=_square_pairs(k, pairs, upper),
        p_value=_square_pairs(k, pairs, p_value),
        synergy_share=_square_pairs(k, pairs, share),
        extra={
            "std_error": _square_pairs(k, pairs, se),
            "standardized_interaction": _square_pairs(k, pairs, standardized),
            "interaction_contribution": _square_pairs(k, pairs, pair_total),
        },
        level=conf,
        metric=str(model.kpi),
    )


def describe_argument(value: object) -> str:
    """One short line naming a wrong argument, for error messages.

    Frames, series and arrays are named by type and shape (their repr spans many lines and
    ``short_repr`` cuts it mid-table); anything else by its shortened repr.
    """
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and not isinstance(value, np.generic):
        dims = " x ".join(str(n) for n in shape)
        return f"a {type(value).__name__} of shape ({dims})"
    return short_repr(value)


def _check_model(model: object) -> None:
    needed = ("channels", "interactions", "coef", "coef_names", "coef_cov", "response")
    if any(not hasattr(model, name) for name in needed):
        hint = (
            " Fit one first: oc.score_synergy(oc.fit_mix_model(data, kpi=..., media=[...]))."
            if isinstance(model, pd.DataFrame)
            else ""
        )
        raise InvalidParameterError(
            f"The 'model' parameter of {_FUNC} must be a fitted MixModel from fit_mix_model. "
            f"Got {describe_argument(model)} instead.{hint}"
        )
    channels = tuple(getattr(model, "channels", ()))
    if len(channels) < 2:
        raise InvalidParameterError(
            f"{_FUNC} needs a model with at least two channels; this one has {list(channels)}."
        )
