"""Exact Markov-chain removal effects.

The chain has a start state, one transient state per channel (per observed k-gram of channels for
higher orders), and two absorbing states, conversion and null. With ``Q`` the transient block of
the transition matrix and ``r`` the one-step conversion probabilities, the conversion
probabilities ``x`` solve ``(I - Q) x = r``. Removing a channel turns every state that contains it
into null; its removal effect is ``1 - x'_start / x_start``. For order 1 all removal effects come
from one inverse ``N = (I - Q)^-1``: ``RE_k = N[s, k] / N[k, k] * x_k / x_s`` (the probability of
visiting ``k`` from start times the probability of converting from ``k``, relative to converting
from start).
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .._journeys import Journeys
from .._journeys._kernels import factorize_integers, positions, weighted_count

__all__ = ["STATE_NAMES", "ChainSolution", "ChainStructure"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"
# Channels may not take these names (attribute checks), so state labels stay unambiguous.
STATE_NAMES = (START, CONVERSION, NULL)
# Transient states up to which order 1 takes the dense inverse; larger chains, and every
# higher-order chain, use sparse LU (dense solves also suffer from BLAS threading overhead).
_DENSE_LIMIT = 200


@attrs.frozen(eq=False)
class ChainSolution:
    """Transition counts, conversion probabilities and removal effects of one fit."""

    pair_counts: FloatArray
    x_start: float
    removal_effects: FloatArray
    value_effects: FloatArray | None = None


@attrs.frozen(eq=False)
class ChainStructure:
    """Which transitions every path makes; counts are supplied per fit, so refits are cheap."""

    channels: tuple[str, ...]
    state_keys: IntArray  # k-gram key of every transient state after start
    order: int
    pair_from: IntArray  # state index of each distinct transition: touch pairs, then ends
    pair_to: IntArray
    touch_pair: npt.NDArray[np.integer]  # distinct transition made by every touch
    end_state: npt.NDArray[np.integer]  # index (among ending states) of every path's last state
    lengths: IntArray  # touches per path
    n_touch_pairs: int
    n_enders: int

    @property
    def n_transient(self) -> int:
        """Start plus channel states."""
        return int(self.state_keys.size) + 1

    @classmethod
    def build(cls, journeys: Journeys, order: int) -> ChainStructure:
        """Find the states and transitions of every path (vectorised over touches)."""
        k = journeys.n_channels
        base = np.int64(k + 1)
        keys = journeys.codes.astype(np.int64) + 1  # 0 is "before the path"
        if order > 1:
            pos = positions(journeys.offsets)
            codes = keys.copy()
            for lag in range(1, order):
                shifted = np.zeros_like(codes)
                shifted[lag:] = codes[:-lag]
                keys += np.where(pos >= lag, shifted, 0) * base**lag
            del pos, codes
        state_keys, inverse = factorize_integers(keys)
        del keys
        state = inverse + 1  # 0 is start
        t = state_keys.size + 1
        n_states = t + 2
        nonempty = journeys.lengths > 0
        # Touch transitions: from the previous touch's state (start for a first touch).
        key = np.empty(journeys.n_touches, dtype=np.int64)
        if journeys.n_touches:
            key[1:] = state[:-1]
            key[journeys.offsets[:-1][nonempty]] = 0
        key *= n_states
        key += state
        touch_keys, touch_pair = factorize_integers(key)
        del key
        # Path ends: from the last state (start for an empty path) to conversion and to null.
        last_state = np.zeros(journeys.n_paths, dtype=np.int64)
        last_state[nonempty] = state[journeys.offsets[1:][nonempty] - 1]
        enders, end_state = factorize_integers(last_state)
        small = np.int32 if max(touch_keys.size, enders.size) < 2**31 else np.int64
        return cls(
            channels=journeys.channels,
            state_keys=state_keys,
            order=order,
            pair_from=np.concatenate([touch_keys // n_states, enders, enders]),
            pair_to=np.concatenate(
                [touch_keys % n_states, np.full(enders.size, t), np.full(enders.size, t + 1)]
            ),
            touch_pair=touch_pair.astype(small),
            end_state=end_state.astype(small),
            lengths=journeys.lengths,
            n_touch_pairs=int(touch_keys.size),
            n_enders=int(enders.size),
        )

    # ------------------------------------------------------------------ labels
    def state_channels(self) -> npt.NDArray[np.bool_]:
        """(transient state x channel) membership; start contains no channel."""
        k = len(self.channels)
        member = np.zeros((self.n_transient, k), dtype=bool)
        keys = self.state_keys.copy()
        for _ in range(self.order):
            digit = keys % (k + 1)
            has = digit > 0
            member[1:][has, digit[has] - 1] = True
            keys //= k + 1
        return member

    def state_labels(self) -> list[str]:
        """Readable names: ``(start)``, ``a``, ``a > b`` ..., ``(conversion)``, ``(null)``."""
        k = len(self.channels)
        labels = [START]
        for key in self.state_keys.tolist():
            parts = []
            while key:
                parts.append(self.channels[key % (k + 1) - 1])
                key //= k + 1
            labels.append(" > ".join(reversed(parts)))
        return [*labels, CONVERSION, NULL]

    # ------------------------------------------------------------------ solving
    def pair_counts(self, conversions: FloatArray, nulls: FloatArray) -> FloatArray:
        """Weighted count of every distinct transition for the given path counts."""
        touch_weights = np.repeat(conversions + nulls, self.lengths)
        return np.concatenate(
            [
                weighted_count(self.touch_pair, touch_weights, self.n_touch_pairs),
                weighted_count(self.end_state, conversions, self.n_enders),
                weighted_count(self.end_state, nulls, self.n_enders),
            ]
        )

    def solve(
        self, conversions: FloatArray, nulls: FloatArray, value: FloatArray | None = None
    ) -> ChainSolution:
        """Conversion probability from start and the removal effect of every channel.

        With ``value``, also value-weighted removal effects: each conversion carries the mean
        value of the conversions that left the same state, and a channel's effect is the
        relative drop in the expected value reaching conversion from start.
        """
        counts = self.pair_counts(conversions, nulls)
        t = self.n_transient
        out = weighted_count(self.pair_from, weights=counts, minlength=t + 2)[:t]
        safe_out = np.where(out > 0, out, 1.0)
        prob = counts / safe_out[self.pair_from]
        transient = self.pair_to < t
        q = sp.csr_matrix(
            (prob[transient], (self.pair_from[transient], self.pair_to[transient])), shape=(t, t)
        )
        to_conv = self.pair_to == t
        rhs = [weighted_count(self.pair_from[to_conv], weights=prob[to_conv], minlength=t)]
        if value is not None:
            # Value reaching conversion from each ending state, per unit of its outflow.
            ender_value = weighted_count(self.end_state, value, self.n_enders)
            into_conv = weighted_count(self.pair_from[to_conv], ender_value, t)
            rhs.append(into_conv / safe_out)
        x_start, effects = self._removal_effects(
            sp.identity(t, format="csr") - q, np.column_stack(rhs)
        )
        return ChainSolution(
            counts,
            float(x_start[0]),
            effects[:, 0],
            effects[:, 1] if value is not None else None,
        )

    def _removal_effects(
        self, a: sp.csr_matrix, b: npt.NDArray[np.float64]
    ) -> tuple[FloatArray, npt.NDArray[np.float64]]:
        """Absorption from start for every right-hand side, and each channel's relative drop."""
        t, m = b.shape
        k = len(self.channels)
        effects = np.zeros((k, m))
        if self.order == 1 and t <= _DENSE_LIMIT:
            fundamental = np.linalg.inv(a.toarray())
            x = fundamental @ b
            # State i + 1 is channel state_keys[i] - 1 (a channel with no touch has no state
            # and keeps effect 0); the chance of visiting it times the absorption from it,
            # relative to the absorption from start. Unvisited states have N[0, i] = 0.
            visit = fundamental[0, 1:] / np.diag(fundamental)[1:]
            with np.errstate(invalid="ignore", divide="ignore"):
                effects[self.state_keys - 1] = np.where(
                    x[0] > 0, visit[:, None] * x[1:] / x[0], 0.0
                )
            return x[0], np.clip(effects, 0.0, 1.0)
        x = _solve(a, b)
        member = self.state_channels()
        for c in range(k):
            keep = ~member[:, c]
            x_removed = _solve(a[keep][:, keep], b[keep])[0]
            with np.errstate(invalid="ignore", divide="ignore"):
                effects[c] = np.where(x[0] > 0, 1.0 - x_removed / x[0], 0.0)
        return x[0], np.clip(effects, 0.0, 1.0)

    def transition_frame(self, counts: FloatArray) -> pd.DataFrame:
        """Long frame of the transition matrix: from_state, to_state, count, probability."""
        labels = np.asarray(self.state_labels(), dtype=object)
        out = weighted_count(self.pair_from, weights=counts, minlength=labels.size)
        used = counts > 0
        return pd.DataFrame(
            {
                "from_state": labels[self.pair_from[used]],
                "to_state": labels[self.pair_to[used]],
                "count": counts[used],
                "probability": counts[used] / out[self.pair_from[used]],
            }
        )


def _solve(a: sp.csr_matrix, b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    solution: npt.NDArray[np.float64] = spla.splu(a.tocsc()).solve(b)
    return solution
