"""Rule-based attribution: a weight per touch, summing to one within each journey."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .._exceptions import InvalidParameterError
from .._journeys import Journeys
from .._validation import short_repr
from ._models import FirstTouch, LastNonDirect, LastTouch, Linear, PositionBased, TimeDecay

__all__ = ["RuleModel", "touch_weights"]

RuleModel = FirstTouch | LastTouch | LastNonDirect | Linear | PositionBased | TimeDecay
FloatArray = npt.NDArray[np.float64]


def touch_weights(journeys: Journeys, model: RuleModel) -> FloatArray:
    """Share of its journey's credit that every touch receives (zero-length paths excluded)."""
    offsets = journeys.offsets
    lengths = journeys.lengths
    n = journeys.n_touches
    weights = np.zeros(n, dtype=np.float64)
    nonempty = lengths > 0
    first = offsets[:-1][nonempty]
    last = offsets[1:][nonempty] - 1
    if isinstance(model, FirstTouch):
        weights[first] = 1.0
    elif isinstance(model, LastTouch):
        weights[last] = 1.0
    elif isinstance(model, Linear):
        weights = np.repeat(1.0 / np.maximum(lengths, 1), lengths)
    elif isinstance(model, PositionBased):
        weights = _position_based(lengths, model.first, model.last)
    elif isinstance(model, LastNonDirect):
        weights[_last_non_direct(journeys, model)] = 1.0
    elif isinstance(model, TimeDecay):
        weights = _time_decay(journeys, model)
    return weights


def _position_based(lengths: npt.NDArray[np.int64], first: float, last: float) -> FloatArray:
    n = int(lengths.sum())
    pos = np.arange(n) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    length = np.repeat(lengths, lengths)
    middle = np.where(length > 2, (1.0 - first - last) / np.maximum(length - 2, 1), 0.0)
    weights = middle.astype(np.float64)
    two = length == 2
    weights[(pos == 0) & two] = first / (first + last)
    weights[(pos == 1) & two] = last / (first + last)
    many = length > 2
    # With three or more touches, the first and last shares are exact and the middle splits the
    # rest; if first + last < 1 with no middle touch the U shape cannot hold, handled above.
    weights[(pos == 0) & many] = first
    weights[(pos == length - 1) & many] = last
    weights[length == 1] = 1.0
    return weights


def _last_non_direct(journeys: Journeys, model: LastNonDirect) -> npt.NDArray[np.int64]:
    unknown = sorted(model.direct - set(journeys.channels))
    if unknown:
        raise InvalidParameterError(
            f"LastNonDirect(direct=...) names channel(s) {unknown} that do not occur in the "
            f"journeys; channels are {short_repr(list(journeys.channels))}."
        )
    table = np.zeros(journeys.n_channels, dtype=bool)
    table[[journeys.channels.index(c) for c in model.direct]] = True
    # Index of the last non-direct touch of each path: a running maximum of the indices of
    # non-direct touches, read at the path's last touch; if it lies before the path, the path
    # is all direct and its last touch is credited.
    marked = np.arange(journeys.n_touches, dtype=np.int64)
    marked[table[journeys.codes]] = -1
    running = np.maximum.accumulate(marked)
    nonempty = journeys.lengths > 0
    last = journeys.offsets[1:][nonempty] - 1
    chosen = running[last]
    return np.where(chosen >= journeys.offsets[:-1][nonempty], chosen, last)


def _time_decay(journeys: Journeys, model: TimeDecay) -> FloatArray:
    if journeys.times is None or journeys.end_times is None:
        raise InvalidParameterError(
            "TimeDecay needs touch times and journey end times; build the journeys from "
            "touchpoint and conversion frames with build_journeys(...)."
        )
    # Lags are measured from the path's last touch (times are sorted within a path), so the most
    # recent touch weighs 1 and no path underflows to all zeros; normalising removes the offset
    # to the journey end, which is common to all touches of the path.
    last_time = journeys.times[np.repeat(journeys.offsets[1:] - 1, journeys.lengths)]
    lag = (last_time - journeys.times).astype(np.float64)
    raw = np.exp2(-lag / float(model.half_life.value))
    total = np.add.reduceat(raw, journeys.offsets[:-1][journeys.lengths > 0]) if raw.size else raw
    norm = np.zeros(journeys.n_paths)
    norm[journeys.lengths > 0] = total
    out: FloatArray = raw / np.repeat(np.where(norm > 0, norm, 1.0), journeys.lengths)
    return out
