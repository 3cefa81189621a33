"""Exact Shapley values, the Shapley interaction index and the synergy score result.

A cooperative game over ``k`` channels is given by its value on every coalition, stored as an
array whose last axis has length ``2**k`` and is indexed by the coalition bitmask (bit ``i`` set
when channel ``i`` is in the coalition). Leading axes are batch axes (e.g. bootstrap draws), so
every function here works on one game or on many at once.

The Shapley interaction index of a pair (Grabisch & Roubens, 1999) is

``I(i, j) = sum_S  s! (k-s-2)! / (k-1)!  [v(S+ij) - v(S+i) - v(S+j) + v(S)]``

over the coalitions ``S`` without ``i`` and ``j`` (``s = |S|``).

For a game with only pairwise terms, ``v(S) = sum_i a_i + sum_{i<j} b_ij`` over members of
``S``, it recovers ``b_ij`` exactly, while the Shapley value splits each ``b_ij`` half and half.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError, OmnichannelError
from .._html import html_table
from .._plotting import new_axes

__all__ = [
    "PAIR_COLUMNS",
    "SCORE_SOURCES",
    "SHAPLEY_COLUMNS",
    "SYNERGY_LABELS",
    "ScoreSource",
    "SynergyScores",
    "check_efficiency",
    "coalition_masks",
    "efficiency_gap",
    "label_pairs",
    "pair_interactions",
    "shapley_from_values",
    "shapley_interactions",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

ScoreSource = Literal["mix_model", "journeys"]
SCORE_SOURCES: tuple[ScoreSource, ...] = ("mix_model", "journeys")
SYNERGY_LABELS: tuple[str, ...] = ("complementary", "independent", "cannibalising")

#: Columns of :meth:`SynergyScores.to_frame`, one row per channel pair.
PAIR_COLUMNS: tuple[str, ...] = (
    "channel_a",
    "channel_b",
    "interaction",
    "lower",
    "upper",
    "p_value",
    "synergy_share",
    "synergy_ratio",
    "shapley_interaction",
    "label",
)
#: Columns of :meth:`SynergyScores.shapley`, one row per channel.
SHAPLEY_COLUMNS: tuple[str, ...] = ("channel", "shapley", "main_effect", "interaction_effect")

# Exact enumeration costs k * 2**k; 2**20 coalitions is about the memory ceiling we accept.
_MAX_PLAYERS = 20


# --------------------------------------------------------------------------------------------
# Shapley machinery
# --------------------------------------------------------------------------------------------


def _n_players(values: FloatArray) -> int:
    size = values.shape[-1] if values.ndim else 0
    k = size.bit_length() - 1
    if size < 2 or (1 << k) != size:
        raise InvalidParameterError(
            "Coalition values must have a last axis of length 2**k (k >= 1 channels), indexed by "
            f"the coalition bitmask. Got shape {values.shape} instead."
        )
    if k > _MAX_PLAYERS:
        raise InvalidParameterError(
            f"Exact Shapley values enumerate all 2**k coalitions; k={k} exceeds {_MAX_PLAYERS}."
        )
    return k


def _as_values(values: npt.ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise InvalidParameterError("Coalition values must be finite; got NaN or inf.")
    return array


def coalition_masks(k: int) -> tuple[IntArray, IntArray]:
    """Return every coalition bitmask of ``k`` players and its size (popcount).

    Examples
    --------
    >>> from omnichannel._synergy._scores import coalition_masks
    >>> masks, sizes = coalition_masks(2)
    >>> masks.tolist(), sizes.tolist()
    ([0, 1, 2, 3], [0, 1, 1, 2])
    """
    masks = np.arange(1 << k, dtype=np.int64)
    sizes = np.zeros(1 << k, dtype=np.int64)
    for bit in range(k):
        sizes += (masks >> bit) & 1
    return masks, sizes


def shapley_from_values(values: npt.ArrayLike) -> FloatArray:
    """Exact Shapley values of every player from the values of all coalitions.

    Parameters
    ----------
    values : array_like, shape (..., 2**k)
        Value of every coalition, indexed by bitmask (bit ``i`` set when player ``i`` is in).
        Leading axes are batches of games.

    Returns
    -------
    numpy.ndarray, shape (..., k)
        Shapley values; they sum to ``values[..., -1] - values[..., 0]`` (efficiency).

    Raises
    ------
    InvalidParameterError
        When the last axis is not a power of two or the values are not finite.

    Examples
    --------
    >>> from omnichannel._synergy._scores import shapley_from_values
    >>> # v({}) = 0, v({a}) = 1, v({b}) = 2, v({a, b}) = 5: the synergy 2 is split equally
    >>> shapley_from_values([0.0, 1.0, 2.0, 5.0]).tolist()
    [2.0, 3.0]
    """
    array = _as_values(values)
    k = _n_players(array)
    masks, sizes = coalition_masks(k)
    # weight of a coalition S not containing i: |S|! (k - |S| - 1)! / k!
    weights = np.array(
        [math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) for s in range(k)]
    )
    phi = np.empty((*array.shape[:-1], k), dtype=np.float64)
    for i in range(k):
        bit = 1 << i
        without = masks[(masks & bit) == 0]
        marginal = array[..., without | bit] - array[..., without]
        phi[..., i] = marginal @ weights[sizes[without]]
    return phi


def shapley_interactions(values: npt.ArrayLike) -> FloatArray:
    """Exact Shapley interaction index of every pair (Grabisch & Roubens).

    Parameters
    ----------
    values : array_like, shape (..., 2**k)
        Value of every coalition, indexed by bitmask.

    Returns
    -------
    numpy.ndarray, shape (..., k, k)
        Symmetric matrix; off-diagonal ``[i, j]`` is the interaction index of the pair, the
        diagonal holds the Shapley value of each player (the index of a singleton).

    Raises
    ------
    InvalidParameterError
        When the last axis is not a power of two or the values are not finite.

    Examples
    --------
    >>> from omnichannel._synergy._scores import shapley_interactions
    >>> shapley_interactions([0.0, 1.0, 2.0, 5.0]).tolist()
    [[2.0, 2.0], [2.0, 3.0]]
    """
    array = _as_values(values)
    k = _n_players(array)
    masks, sizes = coalition_masks(k)
    out = np.empty((*array.shape[:-1], k, k), dtype=np.float64)
    phi = shapley_from_values(array)
    for i in range(k):
        out[..., i, i] = phi[..., i]
    if k == 1:
        return out
    # weight of S (not containing i, j): |S|! (k - |S| - 2)! / (k - 1)!
    weights = np.array(
        [
            math.factorial(s) * math.factorial(k - s - 2) / math.factorial(k - 1)
            for s in range(k - 1)
        ]
    )
    for i in range(k):
        for j in range(i + 1, k):
            bi, bj = 1 << i, 1 << j
            rest = masks[(masks & (bi | bj)) == 0]
            second = (
                array[..., rest | bi | bj]
                - array[..., rest | bi]
                - array[..., rest | bj]
                + array[..., rest]
            )
            out[..., i, j] = out[..., j, i] = second @ weights[sizes[rest]]
    return out


def pair_interactions(values: npt.ArrayLike) -> FloatArray:
    """Second difference of every pair from the empty coalition: ``v(ij) - v(i) - v(j) + v()``.

    Parameters
    ----------
    values : array_like, shape (..., 2**k)
        Value of every coalition, indexed by bitmask.

    Returns
    -------
    numpy.ndarray, shape (..., k, k)
        Symmetric, zero diagonal.

    Examples
    --------
    >>> from omnichannel._synergy._scores import pair_interactions
    >>> pair_interactions([0.0, 1.0, 2.0, 5.0]).tolist()
    [[0.0, 2.0], [2.0, 0.0]]
    """
    array = _as_values(values)
    k = _n_players(array)
    out = np.zeros((*array.shape[:-1], k, k), dtype=np.float64)
    for i in range(k):
        for j in range(i + 1, k):
            bi, bj = 1 << i, 1 << j
            second = array[..., bi | bj] - array[..., bi] - array[..., bj] + array[..., 0]
            out[..., i, j] = out[..., j, i] = second
    return out


def efficiency_gap(values: npt.ArrayLike, phi: npt.ArrayLike) -> FloatArray:
    """``sum(phi) - (v(N) - v())`` for every game in the batch (zero for Shapley values).

    Examples
    --------
    >>> from omnichannel._synergy._scores import efficiency_gap, shapley_from_values
    >>> values = [0.0, 1.0, 2.0, 5.0]
    >>> float(efficiency_gap(values, shapley_from_values(values)))
    0.0
    """
    array = _as_values(values)
    shares = np.asarray(phi, dtype=np.float64)
    return np.asarray(shares.sum(axis=-1) - (array[..., -1] - array[..., 0]), dtype=np.float64)


def check_efficiency(values: npt.ArrayLike, phi: npt.ArrayLike, *, rtol: float = 1e-9) -> float:
    """Raise unless the shares add up to the grand-coalition lift; return the largest gap.

    The tolerance is relative to the largest absolute coalition value (absolute when all are
    below one).

    Raises
    ------
    OmnichannelError
        When the efficiency gap exceeds the tolerance.

    Examples
    --------
    >>> from omnichannel._synergy._scores import check_efficiency
    >>> check_efficiency([0.0, 1.0, 2.0, 5.0], [2.0, 3.0])
    0.0
    """
    array = _as_values(values)
    gap = float(np.max(np.abs(efficiency_gap(array, phi)))) if array.size else 0.0
    scale = max(1.0, float(np.max(np.abs(array))))
    if gap > rtol * scale:
        raise OmnichannelError(
            f"Shares do not add up to the total lift: largest gap {gap:.3g} exceeds "
            f"{rtol:g} x {scale:.3g}."
        )
    return gap


def label_pairs(lower: npt.ArrayLike, upper: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Label each pair by its interval: above zero, below zero, or covering zero.

    Pairs whose interval is missing (NaN) are ``"independent"``: no evidence either way.

    Examples
    --------
    >>> from omnichannel._synergy._scores import label_pairs
    >>> label_pairs([0.1, -2.0, -1.0], [0.5, -0.5, 1.0]).tolist()
    ['complementary', 'cannibalising', 'independent']
    """
    low = np.asarray(lower, dtype=np.float64)
    high = np.asarray(upper, dtype=np.float64)
    labels = np.full(low.shape, "independent", dtype=object)
    labels[low > 0] = "complementary"
    labels[high < 0] = "cannibalising"
    return labels


def _bootstrap_p(draws: FloatArray) -> FloatArray:
    """Two-sided bootstrap p-value of "the statistic is zero" from draws along axis 0."""
    n = draws.shape[0]
    below = (np.sum(draws <= 0, axis=0) + 1) / (n + 1)
    above = (np.sum(draws >= 0, axis=0) + 1) / (n + 1)
    return np.asarray(np.minimum(1.0, 2 * np.minimum(below, above)), dtype=np.float64)


# --------------------------------------------------------------------------------------------
# The result class
# --------------------------------------------------------------------------------------------


def _check_pairs(instance: SynergyScores, attribute: Any, frame: pd.DataFrame) -> None:
    missing = [c for c in PAIR_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidParameterError(
            f"SynergyScores.pairs is missing column(s) {missing}; got {list(frame.columns)}."
        )
    k = len(instance.channels)
    if len(frame) != k * (k - 1) // 2:
        raise InvalidParameterError(
            f"SynergyScores.pairs must have one row per channel pair ({k * (k - 1) // 2} for {k} "
            f"channels); got {len(frame)} rows."
        )
    bad = ~frame["label"].isin(SYNERGY_LABELS).to_numpy()
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InvalidParameterError(
            f"SynergyScores.pairs['label'] must be one of {list(SYNERGY_LABELS)}; got "
            f"{frame['label'].iloc[first]!r} at row {first}."
        )


def _check_channel_frame(instance: SynergyScores, attribute: Any, frame: pd.DataFrame) -> None:
    missing = [c for c in SHAPLEY_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidParameterError(
            f"SynergyScores.channel_scores is missing column(s) {missing}; "
            f"got {list(frame.columns)}."
        )
    if list(frame["channel"]) != list(instance.channels):
        raise InvalidParameterError(
            "SynergyScores.channel_scores['channel'] must list the channels in order "
            f"{list(instance.channels)}; got {list(frame['channel'])}."
        )


def _as_names(value: Any) -> tuple[str, ...]:
    return tuple(str(name) for name in value)


def _pairs_index(k: int) -> tuple[IntArray, IntArray]:
    rows, cols = np.triu_indices(k, 1)
    return rows.astype(np.int64), cols.astype(np.int64)


def _square(
    value: npt.ArrayLike | None, k: int, name: str, default: FloatArray | float
) -> FloatArray:
    if value is None:
        return np.broadcast_to(np.asarray(default, dtype=np.float64), (k, k)).copy()
    array = np.asarray(value, dtype=np.float64)
    if array.shape != (k, k):
        raise InvalidParameterError(
            f"The {name!r} parameter of SynergyScores.from_values must be a ({k}, {k}) matrix "
            f"over the channels. Got shape {array.shape} instead."
        )
    return array


@attrs.frozen(kw_only=True, eq=False)
class SynergyScores:
    """Pairwise channel synergy with intervals, and the Shapley split of the total lift.

    Built by :func:`score_synergy` (from a fitted mix model) or :func:`journey_synergy` (from
    journeys). Build your own with :meth:`from_values` from the value of every channel coalition.

    Attributes
    ----------
    source : {"mix_model", "journeys"}
        What the scores were computed from.
    channels : tuple of str
        Channel names, in the order of the coalition bits.
    pairs : pandas.DataFrame
        One row per pair (``i < j`` in channel order) with the columns in ``PAIR_COLUMNS``:
        ``interaction`` (the estimated interaction effect in the source's own units) with
        ``lower``/``upper`` bounds at ``level`` and a two-sided ``p_value``; ``synergy_share``
        (the pair's interaction contribution over the total lift); ``synergy_ratio`` (joint lift
        of the pair over the sum of the single lifts; 1 means additive); ``shapley_interaction``
        (Grabisch-Roubens index over all coalitions); ``label`` (``complementary`` or
        ``cannibalising`` only when the interval excludes zero, else ``independent``). Sources
        may add more columns.
    channel_scores : pandas.DataFrame
        One row per channel: ``shapley`` (Shapley value; the values sum to ``total_lift``),
        ``main_effect`` (Shapley value minus half of the channel's pair interactions) and
        ``interaction_effect`` (that half). Main effects plus all pair interactions add up to
        ``total_lift``. With draws: ``shapley_lower``/``shapley_upper``.
    total_lift : float
        Value of all channels together minus the value of none.
    level : float
        Confidence level of the intervals.
    n_draws : int
        Bootstrap or posterior draws behind the intervals (0: analytic or none).
    metric : str
        What the values measure (e.g. ``"kpi"``, ``"conversions"``).

    Examples
    --------
    >>> import omnichannel as oc
    >>> # coalition values by bitmask: {} 0, {tv} 10, {search} 6, {tv, search} 20
    >>> scores = oc.SynergyScores.from_values(
    ...     [0.0, 10.0, 6.0, 20.0], channels=("tv", "search"), source="mix_model"
    ... )
    >>> scores.to_frame()[["channel_a", "channel_b", "shapley_interaction", "synergy_ratio"]]
      channel_a channel_b  shapley_interaction  synergy_ratio
    0        tv    search                  4.0           1.25
    >>> scores.shapley()
      channel  shapley  main_effect  interaction_effect
    0      tv     12.0         10.0                 2.0
    1  search      8.0          6.0                 2.0
    """

    source: ScoreSource = attrs.field(validator=attrs.validators.in_(SCORE_SOURCES))
    channels: tuple[str, ...] = attrs.field(converter=_as_names)
    pairs: pd.DataFrame = attrs.field(validator=_check_pairs, repr=False)
    channel_scores: pd.DataFrame = attrs.field(validator=_check_channel_frame, repr=False)
    total_lift: float = attrs.field(converter=float)
    level: float = attrs.field(default=0.95, converter=float)
    n_draws: int = 0
    metric: str = "kpi"

    @channels.validator
    def _check_channels(self, attribute: Any, value: tuple[str, ...]) -> None:
        if len(value) < 2 or len(set(value)) != len(value):
            raise InvalidParameterError(
                f"SynergyScores.channels must hold at least two distinct names; got {value!r}."
            )

    @level.validator
    def _check_level(self, attribute: Any, value: float) -> None:
        if not 0.0 < value < 1.0:
            raise InvalidParameterError(f"SynergyScores.level must be in (0, 1); got {value}.")

    # ---- construction ----------------------------------------------------------------------

    @classmethod
    def from_values(
        cls,
        values: npt.ArrayLike,
        *,
        channels: tuple[str, ...] | list[str],
        source: ScoreSource,
        draws: npt.ArrayLike | None = None,
        interaction: npt.ArrayLike | None = None,
        lower: npt.ArrayLike | None = None,
        upper: npt.ArrayLike | None = None,
        p_value: npt.ArrayLike | None = None,
        synergy_share: npt.ArrayLike | None = None,
        synergy_ratio: npt.ArrayLike | None = None,
        extra: dict[str, npt.ArrayLike] | None = None,
        level: float = 0.95,
        metric: str = "kpi",
    ) -> SynergyScores:
        """Build the scores from the value of every channel coalition.

        Parameters
        ----------
        values : array_like, shape (2**k,)
            Point estimate of the value of every coalition, indexed by bitmask (bit ``i`` for
            ``channels[i]``). Only differences matter; ``values[0]`` is the no-channel baseline.
        channels : sequence of str
            The ``k`` channel names.
        source : {"mix_model", "journeys"}
            Where the values come from.
        draws : array_like, shape (n_draws, 2**k), optional
            Bootstrap or posterior draws of ``values``; they give percentile intervals for the
            Shapley values and, when ``interaction`` is omitted, for the interaction.
        interaction, lower, upper, p_value : array_like, shape (k, k), optional
            The source's interaction estimate per pair with its interval and p-value (only the
            upper triangle is read). When ``interaction`` is omitted it is the Shapley
            interaction index, with intervals and p-values from ``draws`` (NaN without them).
        synergy_share, synergy_ratio : array_like, shape (k, k), optional
            Defaults: the Shapley interaction index over the total lift, and
            ``(v(ij) - v()) / (v(i) + v(j) - 2 v())``.
        extra : dict of str to array_like (k, k), optional
            More pair columns to carry (e.g. ``standardized_interaction``).
        level : float
            Confidence level of the intervals.
        metric : str
            What the values measure.

        Returns
        -------
        SynergyScores

        Raises
        ------
        InvalidParameterError
            When shapes do not match the channels or values are not finite.

        Examples
        --------
        >>> import omnichannel as oc
        >>> scores = oc.SynergyScores.from_values(
        ...     [0.0, 1.0, 1.0, 1.0], channels=["a", "b"], source="journeys", metric="conversions"
        ... )
        >>> float(scores.to_frame()["shapley_interaction"].iloc[0])
        -1.0
        """
        names = tuple(channels)
        point = _as_values(values)
        if point.ndim != 1:
            raise InvalidParameterError(
                f"The 'values' parameter of SynergyScores.from_values must be one-dimensional "
                f"(2**k,). Got shape {point.shape} instead."
            )
        k = _n_players(point)
        if len(names) != k:
            raise InvalidParameterError(
                f"SynergyScores.from_values got {len(names)} channels for 2**{k} coalition values."
            )
        point = point - point[0]
        total = float(point[-1])
        index = shapley_interactions(point)
        phi = np.diagonal(index).copy()
        inter_index = index.copy()
        np.fill_diagonal(inter_index, 0.0)
        # round-off of an additive game is not an interaction: snap it to exact zero
        inter_index[np.abs(inter_index) <= 1e-12 * max(1.0, float(np.abs(point).max()))] = 0.0

        alpha = 1.0 - float(level)
        draw_array: FloatArray | None = None
        if draws is not None:
            draw_array = _as_values(draws)
            if draw_array.ndim != 2 or draw_array.shape[1] != point.shape[0]:
                raise InvalidParameterError(
                    "The 'draws' parameter of SynergyScores.from_values must have shape "
                    f"(n_draws, {point.shape[0]}). Got {draw_array.shape} instead."
                )
            draw_array = draw_array - draw_array[:, :1]
        draw_index = shapley_interactions(draw_array) if draw_array is not None else None

        if interaction is None:
            inter = inter_index
            if draw_index is not None:
                low_m = np.quantile(draw_index, alpha / 2, axis=0)
                high_m = np.quantile(draw_index, 1 - alpha / 2, axis=0)
                p_m = _bootstrap_p(draw_index)
            else:
                low_m = high_m = p_m = np.full((k, k), np.nan)
            low_m = _square(lower, k, "lower", low_m)
            high_m = _square(upper, k, "upper", high_m)
            p_m = _square(p_value, k, "p_value", p_m)
        else:
            inter = _square(interaction, k, "interaction", 0.0)
            low_m = _square(lower, k, "lower", np.nan)
            high_m = _square(upper, k, "upper", np.nan)
            p_m = _square(p_value, k, "p_value", np.nan)

        singles = point[1 << np.arange(k)]
        rows, cols = _pairs_index(k)
        joint = point[(1 << rows) | (1 << cols)]
        denom = singles[rows] + singles[cols]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio_default = np.where(denom != 0, joint / np.where(denom != 0, denom, 1), np.nan)
            share_default = inter_index / total if total != 0 else np.full((k, k), np.nan)
        ratio_m = np.full((k, k), np.nan)
        ratio_m[rows, cols] = ratio_default
        share_m = _square(synergy_share, k, "synergy_share", share_default)
        ratio_m = _square(synergy_ratio, k, "synergy_ratio", ratio_m)

        pair_data: dict[str, Any] = {
            "channel_a": np.asarray(names, dtype=object)[rows],
            "channel_b": np.asarray(names, dtype=object)[cols],
            "interaction": inter[rows, cols],
            "lower": low_m[rows, cols],
            "upper": high_m[rows, cols],
            "p_value": p_m[rows, cols],
            "synergy_share": share_m[rows, cols],
            "synergy_ratio": ratio_m[rows, cols],
            "shapley_interaction": inter_index[rows, cols],
            "label": label_pairs(low_m[rows, cols], high_m[rows, cols]),
        }
        if draw_index is not None:
            pair_data["shapley_interaction_lower"] = np.quantile(
                draw_index[:, rows, cols], alpha / 2, axis=0
            )
            pair_data["shapley_interaction_upper"] = np.quantile(
                draw_index[:, rows, cols], 1 - alpha / 2, axis=0
            )
        for name, matrix in (extra or {}).items():
            pair_data[name] = _square(matrix, k, name, np.nan)[rows, cols]
        pairs = pd.DataFrame(pair_data)
        pairs["channel_a"] = pairs["channel_a"].astype(str)
        pairs["channel_b"] = pairs["channel_b"].astype(str)
        pairs["label"] = pairs["label"].astype(str)

        half = 0.5 * inter_index.sum(axis=1)
        channel_data: dict[str, Any] = {
            "channel": list(names),
            "shapley": phi,
            "main_effect": phi - half,
            "interaction_effect": half,
        }
        if draw_index is not None:
            draw_phi = np.diagonal(draw_index, axis1=1, axis2=2)
            channel_data["shapley_lower"] = np.quantile(draw_phi, alpha / 2, axis=0)
            channel_data["shapley_upper"] = np.quantile(draw_phi, 1 - alpha / 2, axis=0)
        channel_scores = pd.DataFrame(channel_data)
        channel_scores["channel"] = channel_scores["channel"].astype(str)
        return cls(
            source=source,
            channels=names,
            pairs=pairs,
            channel_scores=channel_scores,
            total_lift=total,
            level=level,
            n_draws=0 if draw_array is None else int(draw_array.shape[0]),
            metric=metric,
        )

    # ---- views -----------------------------------------------------------------------------

    def to_frame(self) -> pd.DataFrame:
        """One row per channel pair (a copy), columns ``PAIR_COLUMNS`` first."""
        extra = [c for c in self.pairs.columns if c not in PAIR_COLUMNS]
        return self.pairs.loc[:, [*PAIR_COLUMNS, *extra]].copy()

    def shapley(self) -> pd.DataFrame:
        """One row per channel: Shapley value, main effect and interaction effect (a copy)."""
        return self.channel_scores.copy()

    def matrix(self, column: str = "shapley_interaction") -> pd.DataFrame:
        """Channel x channel frame of one numeric pair column (symmetric, NaN diagonal).

        Parameters
        ----------
        column : str
            A numeric column of :meth:`to_frame`, e.g. ``"interaction"`` or ``"synergy_ratio"``.

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        InvalidParameterError
            When the column is missing or not numeric.

        Examples
        --------
        >>> import omnichannel as oc
        >>> scores = oc.SynergyScores.from_values(
        ...     [0.0, 10.0, 6.0, 20.0], channels=("tv", "search"), source="mix_model"
        ... )
        >>> scores.matrix()
                 tv  search
        tv      NaN     4.0
        search  4.0     NaN
        """
        numeric = [
            c for c in self.pairs.columns if pd.api.types.is_numeric_dtype(self.pairs[c].dtype)
        ]
        if column not in numeric:
            raise InvalidParameterError(
                f"The 'column' parameter of SynergyScores.matrix must be one of {numeric}. "
                f"Got {column!r} instead."
            )
        k = len(self.channels)
        rows, cols = _pairs_index(k)
        grid = np.full((k, k), np.nan)
        values = self.pairs[column].to_numpy(dtype=np.float64)
        grid[rows, cols] = values
        grid[cols, rows] = values
        return pd.DataFrame(grid, index=list(self.channels), columns=list(self.channels))

    def summary(self) -> pd.DataFrame:
        """Pairs sorted by the size of the Shapley interaction, largest first."""
        frame = self.to_frame()
        order = np.argsort(-np.abs(frame["shapley_interaction"].to_numpy()), kind="stable")
        return frame.iloc[order].reset_index(drop=True)

    def __repr__(self) -> str:
        frame = self.summary()
        counts = frame["label"].value_counts()
        parts = ", ".join(f"{counts.get(lab, 0)} {lab}" for lab in SYNERGY_LABELS)
        top = frame.head(3)
        tops = "; ".join(
            f"{a}x{b} {v:+,.4g}"
            for a, b, v in zip(
                top["channel_a"], top["channel_b"], top["shapley_interaction"], strict=True
            )
        )
        return (
            f"SynergyScores({self.source}: {len(self.channels)} channels, {len(frame)} pairs "
            f"({parts}); total lift {self.total_lift:,.4g} {self.metric}; top {tops})"
        )

    def _repr_html_(self) -> str:
        return html_table(self.summary(), "SynergyScores", f"({self.source})")

    def plot(self, ax: Any = None, *, column: str = "shapley_interaction") -> Any:
        """Heatmap of one pair column over channel x channel (diverging colours around zero).

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.
        column : str
            Numeric pair column to show.

        Returns
        -------
        matplotlib Axes
        """
        grid = self.matrix(column)
        axes = new_axes(ax, figsize=(5.5, 4.5))
        values = grid.to_numpy()
        finite = values[np.isfinite(values)]
        centre = 1.0 if column == "synergy_ratio" else 0.0
        span = float(np.max(np.abs(finite - centre))) if finite.size else 1.0
        span = span or 1.0
        image = axes.imshow(
            values, cmap="RdBu", vmin=centre - span, vmax=centre + span, interpolation="nearest"
        )
        ticks = np.arange(len(self.channels))
        axes.set_xticks(ticks, labels=list(self.channels), rotation=30, ha="right")
        axes.set_yticks(ticks, labels=list(self.channels))
        for (r, c), value in np.ndenumerate(values):
            if np.isfinite(value):
                axes.text(c, r, f"{value:,.3g}", ha="center", va="center", fontsize=8)
        axes.figure.colorbar(image, ax=axes, label=column)
        axes.set_title(f"Channel synergy ({self.source}): {column}")
        return axes
