"""Array kernels over paths stored as channel codes plus CSR offsets.

Every function here is vectorised over paths and touches: no Python loop per path or per touch.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "code_dtype",
    "factorize_integers",
    "group_identical_paths",
    "positions",
    "segment_sum",
    "take_paths",
    "weighted_count",
]

IntArray = npt.NDArray[np.int64]

# Two odd 64-bit multipliers; a path's key is its polynomial hash under each (mod 2**64).
_BASES = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))


def code_dtype(n_channels: int) -> np.dtype[np.signedinteger]:
    """Smallest signed integer type that holds codes ``0 .. n_channels - 1``."""
    if n_channels <= np.iinfo(np.int8).max:
        return np.dtype(np.int8)
    if n_channels <= np.iinfo(np.int16).max:
        return np.dtype(np.int16)
    return np.dtype(np.int32)


def positions(offsets: IntArray) -> IntArray:
    """Position of every touch within its path (0 for the first touch)."""
    lengths = np.diff(offsets)
    n = int(offsets[-1])
    return np.arange(n, dtype=np.int64) - np.repeat(offsets[:-1], lengths)


def segment_sum(values: npt.NDArray[np.float64], offsets: IntArray) -> npt.NDArray[np.float64]:
    """Sum of ``values`` over each path; empty paths sum to 0."""
    csum = np.concatenate(([0.0], np.cumsum(values, dtype=np.float64)))
    return csum[offsets[1:]] - csum[offsets[:-1]]


def take_paths(offsets: IntArray, index: IntArray) -> tuple[IntArray, IntArray]:
    """Touch indices and new offsets for the paths selected by ``index`` (in that order)."""
    lengths = np.diff(offsets)[index]
    new_offsets = np.zeros(index.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_offsets[1:])
    starts = np.repeat(offsets[:-1][index] - new_offsets[:-1], lengths)
    touch_index = np.arange(int(new_offsets[-1]), dtype=np.int64) + starts
    return touch_index, new_offsets


def _hash(
    codes: npt.NDArray[np.integer], offsets: IntArray, pos: IntArray, base: np.uint64
) -> npt.NDArray[np.uint64]:
    max_len = int(pos.max()) + 1 if pos.size else 1
    powers = np.full(max_len, base, dtype=np.uint64)
    powers[0] = 1
    powers = np.cumprod(powers, dtype=np.uint64)  # wraps mod 2**64 by design
    terms = (codes.astype(np.uint64) + np.uint64(1)) * powers[pos]
    csum = np.zeros(codes.size + 1, dtype=np.uint64)
    np.cumsum(terms, dtype=np.uint64, out=csum[1:])
    return csum[offsets[1:]] - csum[offsets[:-1]]


def group_identical_paths(
    codes: npt.NDArray[np.integer], offsets: IntArray
) -> tuple[IntArray, IntArray]:
    """Group identical paths.

    Returns ``(group, first)``: the group of every path, numbered in order of first appearance,
    and for every group the index of its first path. Paths are hashed twice (128 bits), grouped by
    sorting, and every member is then compared touch by touch with its group's first path, so the
    result is exact; on a hash collision (never seen in practice) it falls back to exact keys.
    """
    n_paths = offsets.size - 1
    if n_paths == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lengths = np.diff(offsets)
    pos = positions(offsets)
    h1 = _hash(codes, offsets, pos, _BASES[0])
    h2 = _hash(codes, offsets, pos, _BASES[1])
    order = np.lexsort((h2, h1, lengths))  # stable: ties keep path order
    s_len, s_h1, s_h2 = lengths[order], h1[order], h2[order]
    new_group = np.ones(n_paths, dtype=bool)
    new_group[1:] = (s_len[1:] != s_len[:-1]) | (s_h1[1:] != s_h1[:-1]) | (s_h2[1:] != s_h2[:-1])
    sorted_group = np.cumsum(new_group) - 1
    first_in_sorted = order[new_group]  # smallest path index of each group
    # Renumber groups by first appearance.
    rank = np.empty(first_in_sorted.size, dtype=np.int64)
    by_first = np.argsort(first_in_sorted, kind="stable")
    rank[by_first] = np.arange(first_in_sorted.size)
    group = np.empty(n_paths, dtype=np.int64)
    group[order] = rank[sorted_group]
    first = first_in_sorted[by_first]
    # Exactness check: every touch equals the touch at the same position of its group's first path.
    rep_touch = np.repeat(offsets[:-1][first[group]], lengths) + pos
    if not np.array_equal(codes, codes[rep_touch]):  # pragma: no cover - 128-bit collision
        keys = [codes[offsets[i] : offsets[i + 1]].tobytes() for i in range(n_paths)]
        uniques: dict[bytes, int] = {}
        group = np.array([uniques.setdefault(k, len(uniques)) for k in keys], dtype=np.int64)
        first = np.zeros(len(uniques), dtype=np.int64)
        first[group[::-1]] = np.arange(n_paths - 1, -1, -1)
    return group, first


def weighted_count(
    index: npt.NDArray[np.integer], weights: npt.ArrayLike, minlength: int = 0
) -> npt.NDArray[np.float64]:
    """``np.bincount`` with weights, typed as the float array it returns."""
    return np.bincount(index, weights=weights, minlength=minlength).astype(np.float64, copy=False)


def factorize_integers(keys: npt.NDArray[np.integer]) -> tuple[IntArray, IntArray]:
    """Sorted unique values of integer ``keys`` and every key's index among them.

    Same result as ``np.unique(keys, return_inverse=True)``; when the keys span a range not much
    larger than their count it takes one counting pass instead of a sort.
    """
    keys = np.asarray(keys, dtype=np.int64)
    if keys.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    low, high = int(keys.min()), int(keys.max())
    if high - low > max(8 * keys.size, 1 << 16):
        uniques, inverse = np.unique(keys, return_inverse=True)
        return uniques.astype(np.int64), inverse.astype(np.int64).reshape(-1)
    shifted = keys - low
    present = np.zeros(high - low + 1, dtype=bool)
    present[shifted] = True
    code_of = np.cumsum(present, dtype=np.int64) - 1
    return np.flatnonzero(present).astype(np.int64) + low, code_of[shifted]
