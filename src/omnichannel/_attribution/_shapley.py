"""Shapley-value attribution over the channel sets of the journeys."""

from __future__ import annotations

import math

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError
from .._journeys import Journeys
from .._journeys._kernels import factorize_integers, group_identical_paths, weighted_count
from ._models import Shapley

__all__ = ["ChannelSets", "shapley_credits"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@attrs.frozen(eq=False)
class ChannelSets:
    """The distinct channels of every path, and the unique sets among them (both CSR).

    ``entry_*`` has one row per distinct (path, channel), ordered by path and then by the
    channel's first touch; ``set_*`` lists the unique sets (channels sorted) and ``set_of_path``
    maps paths to them.
    """

    n_channels: int
    set_offsets: IntArray
    set_channels: IntArray
    set_of_path: IntArray
    # Per distinct (path, channel); only built when positions or a recency cap need them.
    entry_path: IntArray | None = None
    entry_channel: IntArray | None = None
    entry_position: IntArray | None = None  # rank of the channel's first touch in its path

    @property
    def set_sizes(self) -> IntArray:
        """Number of channels of every unique set."""
        return np.diff(self.set_offsets)

    @classmethod
    def build(
        cls, journeys: Journeys, max_channels: int | None, *, entries: bool = False
    ) -> ChannelSets:
        """Distinct channels per path, keeping the ``max_channels`` most recently touched.

        Without a cap and without ``entries``, up to 62 channels, each path's set is a bitmask
        built in one pass over the touches; otherwise (path, channel) pairs are sorted.
        """
        k = journeys.n_channels
        if max_channels is None and not entries and k <= 62:
            return cls._from_masks(journeys)
        n_paths = journeys.n_paths
        path = np.repeat(np.arange(n_paths, dtype=np.int64), journeys.lengths)
        code = journeys.codes.astype(np.int64)
        index = np.arange(journeys.n_touches, dtype=np.int64)
        pair = path * k + code
        order = np.argsort(pair, kind="stable")  # groups (path, channel), touches in time order
        s_pair = pair[order]
        starts = np.flatnonzero(np.r_[True, s_pair[1:] != s_pair[:-1]]) if pair.size else order
        ends = np.r_[starts[1:], pair.size] - 1 if pair.size else order
        e_path = s_pair[starts] // k if pair.size else starts
        e_chan = s_pair[starts] % k if pair.size else starts
        e_first = index[order][starts] if pair.size else starts
        e_last = index[order][ends] if pair.size else starts
        if max_channels is not None and e_path.size:
            by_recency = np.lexsort((-e_last, e_path))
            path_start = np.searchsorted(e_path[by_recency], e_path[by_recency], side="left")
            rank = np.empty_like(by_recency)
            rank[by_recency] = np.arange(by_recency.size) - path_start
            keep = rank < max_channels
            e_path, e_chan, e_first = e_path[keep], e_chan[keep], e_first[keep]
        # Position of each kept channel by its first touch within the path.
        by_first = np.lexsort((e_first, e_path))
        e_path, e_chan, e_first = e_path[by_first], e_chan[by_first], e_first[by_first]
        n_distinct = np.bincount(e_path, minlength=n_paths).astype(np.int64)
        path_off = np.zeros(n_paths + 1, dtype=np.int64)
        np.cumsum(n_distinct, out=path_off[1:])
        position = np.arange(e_path.size, dtype=np.int64) - path_off[e_path]
        # Unique sets: the channels of each path sorted, grouped exactly.
        sorted_chan = e_chan[np.lexsort((e_chan, e_path))]
        set_of_path, first = group_identical_paths(sorted_chan, path_off)
        lengths = n_distinct[first]
        set_off = np.zeros(first.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=set_off[1:])
        take = np.repeat(path_off[first] - set_off[:-1], lengths) + np.arange(int(set_off[-1]))
        return cls(
            n_channels=k,
            set_offsets=set_off,
            set_channels=sorted_chan[take],
            set_of_path=set_of_path,
            entry_path=e_path,
            entry_channel=e_chan,
            entry_position=position,
        )

    @classmethod
    def _from_masks(cls, journeys: Journeys) -> ChannelSets:
        k = journeys.n_channels
        bits = np.int64(1) << journeys.codes.astype(np.int64)
        nonempty = journeys.lengths > 0
        masks = np.zeros(journeys.n_paths, dtype=np.int64)
        if bits.size:
            masks[nonempty] = np.bitwise_or.reduceat(bits, journeys.offsets[:-1][nonempty])
        unique, set_of_path = factorize_integers(masks)
        member = (unique[:, None] >> np.arange(k, dtype=np.int64)) & 1 == 1  # sets x channels
        sizes = member.sum(axis=1)
        set_off = np.zeros(unique.size + 1, dtype=np.int64)
        np.cumsum(sizes, out=set_off[1:])
        set_channels = np.nonzero(member)[1].astype(np.int64)  # row-major: sorted per set
        return cls(
            n_channels=k, set_offsets=set_off, set_channels=set_channels, set_of_path=set_of_path
        )

    def set_totals(self, values: FloatArray) -> FloatArray:
        """Sum a per-path quantity over the paths of every unique set."""
        return weighted_count(self.set_of_path, weights=values, minlength=self.set_offsets.size - 1)


def _popcount(masks: IntArray) -> IntArray:
    count = np.zeros(masks.shape, dtype=np.int64)
    m = masks.copy()
    while m.any():
        count += m & 1
        m >>= 1
    return count


def _subset_sums(table: FloatArray, k: int) -> FloatArray:
    """Zeta transform: out[S] = sum of table[U] over all U subset of S."""
    out = table.copy()
    for bit in range(k):
        view = out.reshape(-1, 2, 1 << bit)
        view[:, 1, :] += view[:, 0, :]
    return out


def _exact(values: FloatArray, k: int) -> FloatArray:
    """Shapley values of the game ``values`` indexed by coalition bitmask over ``k`` players."""
    sizes = _popcount(np.arange(1 << k, dtype=np.int64))
    weight = np.array(
        [math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) for s in range(k)]
    )
    phi = np.zeros(k)
    for bit in range(k):
        view = values.reshape(-1, 2, 1 << bit)
        size_without = sizes.reshape(-1, 2, 1 << bit)[:, 0, :]
        phi[bit] = float(np.sum(weight[size_without] * (view[:, 1, :] - view[:, 0, :])))
    return phi


def _sampled(
    sets: ChannelSets,
    active: IntArray,
    num: list[FloatArray],
    n_samples: int,
    seed: int,
) -> list[FloatArray]:
    """Monte-Carlo Shapley values of the conversions game over random channel orders."""
    ka = active.size
    local = np.full(sets.n_channels, -1, dtype=np.int64)
    local[active] = np.arange(ka)
    chan = local[sets.set_channels]
    nonempty = np.diff(sets.set_offsets) > 0
    starts = sets.set_offsets[:-1][nonempty]
    rng = np.random.default_rng(seed)
    totals = [np.zeros(ka) for _ in num]
    done = 0
    while done < n_samples:
        b = min(256, n_samples - done)
        rank = np.argsort(rng.random((b, ka)), axis=1).argsort(axis=1)  # rank of each channel
        # A set joins the coalition when its last channel (highest rank) arrives; the channel
        # arriving then gains that set's conversions.
        arrive = np.maximum.reduceat(rank[:, chan], starts, axis=1)
        flat = (np.arange(b)[:, None] * ka + arrive).ravel()
        for total, values in zip(totals, num, strict=True):
            gained = weighted_count(
                flat, weights=np.tile(values[nonempty], b), minlength=b * ka
            ).reshape(b, ka)
            total += np.take_along_axis(gained, rank, axis=1).sum(axis=0)
        done += b
    return [t / n_samples for t in totals]


def shapley_credits(
    sets: ChannelSets,
    model: Shapley,
    conversions: FloatArray,
    nulls: FloatArray,
    value: FloatArray,
) -> tuple[FloatArray, FloatArray, pd.DataFrame | None]:
    """Credits in conversions and value per channel, and for ``ordered`` the credit by position."""
    k = sets.n_channels
    total_conv, total_value = float(conversions.sum()), float(value.sum())
    if model.method in ("simplified", "ordered"):
        # Each set's conversions split equally among its channels.
        sizes = np.maximum(sets.set_sizes, 1)
        member_set = np.repeat(np.arange(sizes.size), sets.set_sizes)
        per_member = (sets.set_totals(conversions) / sizes)[member_set]
        per_member_value = (sets.set_totals(value) / sizes)[member_set]
        credit = weighted_count(sets.set_channels, weights=per_member, minlength=k)
        credit_value = weighted_count(sets.set_channels, weights=per_member_value, minlength=k)
        by_position = None
        if model.method == "ordered":
            assert sets.entry_path is not None
            assert sets.entry_position is not None
            share = 1.0 / np.maximum(sets.set_sizes[sets.set_of_path[sets.entry_path]], 1)
            conv_w = conversions[sets.entry_path] * share
            value_w = value[sets.entry_path] * share
            frame = pd.DataFrame(
                {
                    "channel": sets.entry_channel,
                    "position": sets.entry_position + 1,
                    "conversions": conv_w,
                    "value": value_w,
                }
            )
            by_position = frame.groupby(["channel", "position"], as_index=False).sum()
        return credit, credit_value, by_position

    has_nulls = float(nulls.sum()) > 0
    if model.value == "rate" and not has_nulls:
        raise InvalidParameterError(
            "Shapley(value='rate') needs null (non-converting) journeys: without them every "
            "observed conversion rate is 1. Use value='conversions' or 'auto', or build the "
            "journeys with include_null=True."
        )
    rate = model.value == "rate" or (model.value == "auto" and has_nulls)
    set_conv = sets.set_totals(conversions)
    set_value = sets.set_totals(value)
    set_journeys = sets.set_totals(conversions + nulls)
    active = np.unique(sets.set_channels)
    ka = active.size
    local = np.full(k, -1, dtype=np.int64)
    local[active] = np.arange(ka)
    if model.method == "exact" and ka > model.max_exact:
        raise InvalidParameterError(
            f"Shapley(method='exact') enumerates 2**{ka} coalitions for {ka} channels, more "
            f"than max_exact={model.max_exact}; use method='sampled', raise max_exact, or "
            "cap the channels per journey with max_channels."
        )
    if rate and ka > 62:
        raise InvalidParameterError(
            f"Shapley(value='rate') handles at most 62 channels; got {ka}. Cap the channels per "
            "journey with max_channels or use value='conversions'."
        )
    if model.method == "exact" or rate:
        masks = _set_masks(sets, local)
    if model.method == "exact" and not rate:
        # Global game: v(S) = conversions (value) of the journeys whose channels lie in S.
        def table(weights: FloatArray) -> FloatArray:
            return _subset_sums(weighted_count(masks, weights=weights, minlength=1 << ka), ka)

        phi_conv = _exact(table(set_conv), ka)
        phi_value = _exact(table(set_value), ka)
    elif model.method == "exact":
        phi_conv, phi_value = _per_set_exact(masks, ka, set_conv, set_value, set_journeys)
    elif rate:
        phi_conv, phi_value = _per_set_sampled(
            sets, local, masks, set_conv, set_value, set_journeys, model.n_samples, model.seed
        )
    else:
        phi_conv, phi_value = _sampled(
            sets, active, [set_conv, set_value], model.n_samples, model.seed
        )
    credit = np.zeros(k)
    credit_value = np.zeros(k)
    credit[active] = _scale(phi_conv, total_conv)
    credit_value[active] = _scale(phi_value, total_value)
    return credit, credit_value, None


def _set_masks(sets: ChannelSets, local: IntArray) -> IntArray:
    bits = np.int64(1) << local[sets.set_channels]
    nonempty = np.diff(sets.set_offsets) > 0
    masks = np.zeros(sets.set_offsets.size - 1, dtype=np.int64)
    if bits.size:
        masks[nonempty] = np.add.reduceat(bits, sets.set_offsets[:-1][nonempty])
    return masks


def _rates(masks: IntArray, numerator: FloatArray, journeys: FloatArray) -> FloatArray:
    """Conversion rate (or value per journey) of the journeys with exactly each channel set."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(journeys > 0, numerator / np.where(journeys > 0, journeys, 1.0), 0.0)


def _superset_sums(table: FloatArray, k: int) -> FloatArray:
    """out[S] = sum of table[T] over all T that contain S."""
    out = table.copy()
    for bit in range(k):
        view = out.reshape(-1, 2, 1 << bit)
        view[:, 0, :] += view[:, 1, :]
    return out


def _per_set_exact(
    masks: IntArray,
    k: int,
    set_conv: FloatArray,
    set_value: FloatArray,
    set_journeys: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Sum over journeys of the Shapley value of the exact-set rate game on the journey's set.

    For a journey with channel set T, player j in T earns
    sum over S in T - {j} of |S|!(|T|-|S|-1)!/|T|! (v(S + j) - v(S)), with v(S) the observed
    conversion rate of journeys with exactly the channels S (0 where none were observed).
    Summed over journeys this regroups by coalition: coalition M = S + j is weighted by
    G(M) = sum over sizes t of w_t(|M| - 1) * (journeys with |T| = t and T containing M).
    """
    size = 1 << k
    pop = _popcount(np.arange(size, dtype=np.int64))
    set_size = _popcount(masks)
    v_conv = np.zeros(size)
    v_value = np.zeros(size)
    v_conv[masks] = _rates(masks, set_conv, set_journeys)
    v_value[masks] = _rates(masks, set_value, set_journeys)
    weight = np.zeros(size)
    for t in range(1, k + 1):
        members = set_size == t
        if not members.any():
            continue
        count = _superset_sums(
            weighted_count(masks[members], weights=set_journeys[members], minlength=size), k
        )
        s = np.clip(pop - 1, 0, None)
        w_t = np.array(
            [
                math.factorial(i) * math.factorial(t - i - 1) / math.factorial(t) if i < t else 0.0
                for i in range(k + 1)
            ]
        )
        weight += np.where(pop >= 1, w_t[s], 0.0) * count
    phi = []
    for v in (v_conv, v_value):
        per_player = np.zeros(k)
        for bit in range(k):
            view_v = v.reshape(-1, 2, 1 << bit)
            view_w = weight.reshape(-1, 2, 1 << bit)
            per_player[bit] = float(np.sum(view_w[:, 1, :] * (view_v[:, 1, :] - view_v[:, 0, :])))
        phi.append(per_player)
    return phi[0], phi[1]


def _per_set_sampled(
    sets: ChannelSets,
    local: IntArray,
    masks: IntArray,
    set_conv: FloatArray,
    set_value: FloatArray,
    set_journeys: FloatArray,
    n_samples: int,
    seed: int,
) -> tuple[FloatArray, FloatArray]:
    """Monte-Carlo form of :func:`_per_set_exact`: random orders of each journey's channels."""
    ka = int(local.max()) + 1
    order = np.argsort(masks)
    known = masks[order]
    rate_conv = _rates(masks, set_conv, set_journeys)[order]
    rate_value = _rates(masks, set_value, set_journeys)[order]
    chan = local[sets.set_channels]
    lengths = np.diff(sets.set_offsets)
    set_of_entry = np.repeat(np.arange(lengths.size), lengths)
    starts = sets.set_offsets[:-1]
    rng = np.random.default_rng(seed)
    totals = [np.zeros(ka), np.zeros(ka)]
    done = 0
    while done < n_samples:
        b = min(64, n_samples - done)
        rank = rng.random((b, ka))
        # Order each set's channels by the random ranks; the restriction of a uniform random
        # order to a subset is a uniform random order of that subset.
        key = set_of_entry[None, :] * 2.0 + rank[:, chan]
        within = np.argsort(key, axis=1)
        ordered = chan[within]
        bits = np.int64(1) << ordered
        # Running masks within each set: a cumulative sum restarted at every set start.
        cum = np.cumsum(bits, axis=1)
        before_start = np.zeros((b, starts.size), dtype=np.int64)
        inner = starts > 0
        before_start[:, inner] = cum[:, starts[inner] - 1]
        after = cum - before_start[:, set_of_entry]
        before = after - bits
        weight = set_journeys[set_of_entry]
        for total, rate in zip(totals, (rate_conv, rate_value), strict=True):
            gain = _lookup(known, rate, after) - _lookup(known, rate, before)
            flat = gain * weight[None, :]
            total += weighted_count(
                np.broadcast_to(ordered, flat.shape).ravel(), weights=flat.ravel(), minlength=ka
            )
        done += b
    return totals[0] / n_samples, totals[1] / n_samples


def _lookup(known: IntArray, values: FloatArray, query: IntArray) -> FloatArray:
    """Value of each queried mask among the known (sorted) masks; 0 when not observed."""
    if known.size == 0:
        return np.zeros(query.shape)
    pos = np.clip(np.searchsorted(known, query), 0, known.size - 1)
    return np.where(known[pos] == query, values[pos], 0.0)


def _scale(phi: FloatArray, total: float) -> FloatArray:
    """Share ``total`` in proportion to ``phi`` (the game's Shapley values sum to its worth)."""
    worth = float(phi.sum())
    if worth == 0.0 or total == 0.0:
        return np.zeros_like(phi)
    return phi * (total / worth)
