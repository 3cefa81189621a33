"""Journey-level channel synergy: the Shapley interaction of the channel-set conversion game.

The game's value of a channel coalition ``S`` is the conversion rate of the journeys whose set
of channels is exactly ``S`` (``game="exact"``: the conversion probability of that combination)
or lies within ``S`` (``game="subset"``: what the channels of ``S`` achieve on their own, mixing
the journeys that used only some of them). Pairwise synergy is the Shapley interaction index of
that game (Grabisch & Roubens 1999), with a Poisson bootstrap over journeys computed on per-set
counts, so no loop runs per journey.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from .._attribution._shapley import ChannelSets, _set_masks, _subset_sums, _superset_sums
from .._exceptions import InvalidParameterError
from .._journeys import Journeys
from .._journeys._kernels import weighted_count
from .._validation import as_generator, check_choice, check_int, check_real, short_repr
from ._scores import SynergyScores

__all__ = ["JOURNEY_GAMES", "JourneyGame", "journey_synergy"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

JourneyGame = Literal["exact", "subset"]
#: Value functions of :func:`journey_synergy`.
JOURNEY_GAMES: tuple[JourneyGame, ...] = ("exact", "subset")
_FUNC = "journey_synergy"
_MAX_CHANNELS = 14


def _pair_features(k: int) -> FloatArray:
    """Design of the pairwise model over all ``2**k`` coalitions: 1, members, member pairs."""
    masks = np.arange(1 << k, dtype=np.int64)
    member = ((masks[:, None] >> np.arange(k)) & 1).astype(np.float64)
    rows, cols = np.triu_indices(k, 1)
    return np.hstack([np.ones((masks.size, 1)), member, member[:, rows] * member[:, cols]])


def _game_values(
    conv: FloatArray,
    jour: FloatArray,
    features: FloatArray,
    min_support: float,
    baseline: float | None,
) -> FloatArray:
    """Coalition values for a batch of per-coalition counts (rows are replicates).

    Coalitions with at least ``min_support`` journeys take their observed rate. The others are
    filled in from a pairwise model (intercept, one term per channel and per pair) fitted to the
    supported coalitions by least squares weighted by their journeys; the fill is clipped to
    [0, 1]. ``baseline``, when given, is the value of the empty coalition.
    """
    supported = jour >= min_support
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(supported, conv / np.where(jour > 0, jour, 1.0), 0.0)
    values = rate.copy()
    if baseline is not None:
        supported = supported.copy()
        supported[:, 0] = True
        values[:, 0] = baseline
        rate[:, 0] = baseline
    if not supported.all():
        weight = np.where(supported, np.maximum(jour, 1.0), 0.0)
        if baseline is not None:
            weight[:, 0] = np.maximum(weight[:, 1:].max(axis=1), 1.0)
        p = features.shape[1]
        gram = np.einsum("bs,si,sj->bij", weight, features, features)
        ridge = 1e-9 * np.maximum(np.trace(gram, axis1=1, axis2=2), 1.0)[:, None, None]
        rhs = np.einsum("bs,si->bi", weight * rate, features)
        coef = np.linalg.solve(gram + ridge * np.eye(p), rhs[..., None])[..., 0]
        fitted = np.clip(coef @ features.T, 0.0, 1.0)
        values = np.where(supported, values, fitted)
    out: FloatArray = values
    return out


def _tables(
    masks: IntArray, conv: FloatArray, jour: FloatArray, k: int, game: JourneyGame
) -> tuple[FloatArray, FloatArray]:
    """Per-coalition conversions and journeys for a batch of per-set counts (rows: replicates)."""
    size = 1 << k
    batch = conv.shape[0]
    flat = (np.arange(batch, dtype=np.int64)[:, None] * size + masks[None, :]).ravel()
    conv_t = weighted_count(flat, weights=conv.ravel(), minlength=batch * size)
    jour_t = weighted_count(flat, weights=jour.ravel(), minlength=batch * size)
    if game == "subset":
        # The zeta transform works on the flat batch: each row is a whole block of 2**k.
        conv_t = _subset_sums(conv_t, k)
        jour_t = _subset_sums(jour_t, k)
    return conv_t.reshape(batch, size), jour_t.reshape(batch, size)


def _cooccurrence(
    masks: IntArray, conv: FloatArray, jour: FloatArray, k: int
) -> tuple[FloatArray, FloatArray]:
    """Marginal co-occurrence synergy ratio and support of every pair, as (k, k) matrices.

    For channels a and b, with ``r_ab`` the conversion rate of journeys that touched both (other
    channels free), ``r_a`` and ``r_b`` of those with only one of the two and ``r_0`` with
    neither: ``(r_ab - r_0) / ((r_a - r_0) + (r_b - r_0))``.
    """
    size = 1 << k
    conv_up = _superset_sums(weighted_count(masks, weights=conv, minlength=size), k)
    jour_up = _superset_sums(weighted_count(masks, weights=jour, minlength=size), k)
    total_c, total_j = float(conv.sum()), float(jour.sum())
    ratio = np.full((k, k), np.nan)
    support = np.zeros((k, k))
    for i in range(k):  # pairs of channels: at most k**2 / 2 scalar steps
        for j in range(i + 1, k):
            a, b, ab = 1 << i, 1 << j, (1 << i) | (1 << j)
            c_ab, j_ab = conv_up[ab], jour_up[ab]
            c_a, j_a = conv_up[a] - c_ab, jour_up[a] - j_ab
            c_b, j_b = conv_up[b] - c_ab, jour_up[b] - j_ab
            c_0 = total_c - conv_up[a] - conv_up[b] + c_ab
            j_0 = total_j - jour_up[a] - jour_up[b] + j_ab
            support[i, j] = support[j, i] = j_ab
            if min(j_ab, j_a, j_b, j_0) <= 0:
                continue
            r_0 = c_0 / j_0
            denom = (c_a / j_a - r_0) + (c_b / j_b - r_0)
            if denom != 0:
                ratio[i, j] = ratio[j, i] = (c_ab / j_ab - r_0) / denom
    return ratio, support


def journey_synergy(
    journeys: Journeys,
    *,
    game: JourneyGame = "exact",
    baseline: float | None = None,
    min_support: float = 30,
    n_boot: int = 200,
    level: float = 0.95,
    seed: int | np.random.Generator = 0,
) -> SynergyScores:
    """Score pairwise channel synergy from the conversion rates of journeys' channel sets.

    Every journey is reduced to the set of marketing channels it touched. The value of a
    coalition ``S`` of channels is a conversion rate:

    - ``game="exact"`` (default): the rate of journeys whose channel set is exactly ``S``, an
      estimate of the conversion probability of that combination of channels. Its Shapley
      interaction index is the pairwise synergy of the set-based conversion mechanism
      (``simulate_retailer``'s ``truth.attribution``).
    - ``game="subset"``: the rate of journeys whose channels all lie in ``S``, what the channels
      of ``S`` achieve without the others (the coalition game of Shapley-value attribution).

    The pair's ``shapley_interaction`` (Grabisch-Roubens index) averages its second difference
    ``v(S+ab) - v(S+a) - v(S+b) + v(S)`` over the coalitions ``S`` of other channels: positive
    means the two channels together convert more than their separate lifts add up to
    (``complementary``), negative that they overlap (``cannibalising``). The Shapley values of
    the channels (``shapley()``) split the total lift ``v(all) - v(none)``; main effects plus all
    pair interactions add up to it as well. ``synergy_ratio`` is the joint lift of the pair over
    the sum of the single lifts, ``(v(ab) - v()) / (v(a) + v(b) - 2 v())``; the extra column
    ``cooccurrence_ratio`` is its marginal counterpart over all journeys (journeys with both
    channels against those with one or neither, other channels ignored) and ``support`` counts
    the journeys with both.

    Coalitions seen on fewer than ``min_support`` journeys are filled in from a pairwise model
    (an intercept, one term per channel and per pair, fitted to the supported coalitions by
    least squares weighted by journeys). Journey data rarely hold untouched customers who did
    not convert, so pass the conversion rate without marketing as ``baseline`` when you know it
    (e.g. of customers with no touch); without it the empty coalition is filled in the same way.

    Intervals come from a Poisson bootstrap over journeys: the conversions and non-conversions
    of every channel set are redrawn, all coalition values recomputed and refilled, and the
    percentile interval taken at ``level``; ``p_value`` is the two-sided bootstrap p-value.

    Parameters
    ----------
    journeys : Journeys
        Journeys with conversions and non-converting (null) journeys, e.g. from
        :func:`build_journeys` with ``include_null=True``.
    game : {"exact", "subset"}, default "exact"
        The value function.
    baseline : float, optional
        Conversion rate without any marketing touch, in [0, 1].
    min_support : float, default 30
        Journeys a coalition needs for its observed rate to be used, > 0.
    n_boot : int, default 200
        Bootstrap replicates; 0 for point estimates only.
    level : float, default 0.95
        Confidence level of the intervals.
    seed : int or numpy.random.Generator, default 0
        Randomness of the bootstrap (the same seed gives the same intervals).

    Returns
    -------
    SynergyScores
        ``source="journeys"``, ``metric="conversion_rate"``: one row per pair with the
        interaction, its interval and label; ``shapley()`` per channel.

    Raises
    ------
    InvalidParameterError
        On an empty store, a store without null journeys, fewer than two channels, more than
        14 channels, no coalition with enough support, or a bad option.

    See Also
    --------
    attribute : Shapley-value attribution of conversions over the same channel sets.
    SynergyScores : the result.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> paths = pd.DataFrame(
    ...     {
    ...         "path": ["", "tv", "search", "tv > search"],
    ...         "total_conversions": [10, 30, 40, 90],
    ...         "total_null": [990, 970, 960, 910],
    ...     }
    ... )
    >>> scores = oc.journey_synergy(oc.Journeys.from_paths(paths), n_boot=0)
    >>> scores.to_frame()[["channel_a", "channel_b", "shapley_interaction", "synergy_ratio"]]
      channel_a channel_b  shapley_interaction  synergy_ratio
    0    search        tv                 0.03           1.60
    >>> scores.shapley()[["channel", "shapley"]]
      channel  shapley
    0  search    0.045
    1      tv    0.035
    """
    if not isinstance(journeys, Journeys):
        raise InvalidParameterError(
            f"journey_synergy needs a Journeys store (see build_journeys); got "
            f"{type(journeys).__name__}."
        )
    how: JourneyGame = check_choice(game, "game", JOURNEY_GAMES, func=_FUNC)  # type: ignore[assignment]
    base = None if baseline is None else check_real(baseline, "baseline", func=_FUNC, low=0, high=1)
    support_min = check_real(min_support, "min_support", func=_FUNC, low=0.0, low_open=True)
    boots = check_int(n_boot, "n_boot", func=_FUNC, low=0)
    assert boots is not None
    level_ = check_real(
        level, "level", func=_FUNC, low=0.0, high=1.0, low_open=True, high_open=True
    )
    rng = as_generator(seed, func=_FUNC) if boots else None
    if journeys.n_paths == 0 or float(journeys.counts.sum()) == 0:
        raise InvalidParameterError(
            "journey_synergy got no journeys; build them with build_journeys(touchpoints, "
            "conversions, include_null=True)."
        )
    if journeys.total_nulls == 0:
        raise InvalidParameterError(
            "journey_synergy needs null (non-converting) journeys: without them every observed "
            "conversion rate is 1. Build the journeys with include_null=True."
        )
    sets = ChannelSets.build(journeys, None)
    active = np.unique(sets.set_channels)
    k = int(active.size)
    if k < 2:
        raise InvalidParameterError(
            f"journey_synergy needs journeys touching at least two channels; got {k} "
            f"({short_repr([journeys.channels[i] for i in active])})."
        )
    if k > _MAX_CHANNELS:
        raise InvalidParameterError(
            f"journey_synergy enumerates all 2**k channel coalitions; k={k} channels exceeds "
            f"{_MAX_CHANNELS}. Merge or drop minor channels first (e.g. map them to 'other')."
        )
    local = np.full(journeys.n_channels, -1, dtype=np.int64)
    local[active] = np.arange(k)
    masks = _set_masks(sets, local)
    conv = sets.set_totals(journeys.conversions)
    nulls = sets.set_totals(journeys.nulls)
    features = _pair_features(k)

    conv_t, jour_t = _tables(masks, conv[None, :], (conv + nulls)[None, :], k, how)
    if not (jour_t >= support_min).any():
        raise InvalidParameterError(
            f"No channel coalition has min_support={support_min:g} journeys; the largest has "
            f"{float(jour_t.max()):g}. Lower min_support or use more journeys."
        )
    point = _game_values(conv_t, jour_t, features, support_min, base)[0]
    draws = None
    if boots:
        assert rng is not None
        draws = np.empty((boots, 1 << k))
        block = max(1, min(boots, 2_000_000 // max(masks.size + (1 << k), 1)))
        for start in range(0, boots, block):
            stop = min(boots, start + block)
            # Sums of Poisson draws per journey are Poisson per channel set: draw per set.
            conv_b = rng.poisson(conv, size=(stop - start, conv.size)).astype(np.float64)
            nulls_b = rng.poisson(nulls, size=(stop - start, nulls.size)).astype(np.float64)
            c_t, j_t = _tables(masks, conv_b, conv_b + nulls_b, k, how)
            draws[start:stop] = _game_values(c_t, j_t, features, support_min, base)
    ratio, support = _cooccurrence(masks, conv, conv + nulls, k)
    names = tuple(journeys.channels[i] for i in active)
    return SynergyScores.from_values(
        point,
        channels=names,
        source="journeys",
        draws=draws,
        extra={"cooccurrence_ratio": ratio, "support": support},
        level=level_,
        metric="conversion_rate",
    )
