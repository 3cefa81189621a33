"""Splitting touch histories into journeys that end at a conversion."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import SchemaError
from .._frames import CONVERSIONS, TOUCHPOINTS
from .._validation import (
    check_bool,
    check_frame,
    check_id_kinds,
    check_int,
    check_timedelta,
    datetime_to_ns,
)
from ._checks import check_channel_rows
from ._kernels import code_dtype, factorize_integers
from ._store import Journeys

__all__ = ["build_journeys"]


def _customer_codes(
    touch_ids: pd.Series[Any], conv_ids: pd.Series[Any]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[Any]]:
    check_id_kinds(touch_ids, "touchpoints['customer_id']", conv_ids, "conversions['customer_id']")
    int_t = pd.api.types.is_integer_dtype(touch_ids.dtype)
    int_c = pd.api.types.is_integer_dtype(conv_ids.dtype)
    if int_t and int_c:
        return _dense_integer_codes(
            touch_ids.to_numpy(dtype=np.int64), conv_ids.to_numpy(dtype=np.int64)
        )
    both = pd.concat(
        [touch_ids.reset_index(drop=True), conv_ids.reset_index(drop=True)], ignore_index=True
    )
    codes, uniques = pd.factorize(both, sort=False)
    n_t = len(touch_ids)
    return (
        codes[:n_t].astype(np.int64),
        codes[n_t:].astype(np.int64),
        np.asarray(uniques, dtype=object),
    )


def _dense_integer_codes(
    a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[Any]]:
    """Codes of integer ids in sorted order of the ids; O(n) when the ids are not too sparse."""
    uniques, codes = factorize_integers(np.concatenate([a, b]))
    return codes[: a.size].astype(np.int64), codes[a.size :].astype(np.int64), uniques


def _channel_codes(touchpoints: pd.DataFrame) -> tuple[npt.NDArray[np.intp], tuple[str, ...]]:
    """Channel codes numbered in sorted order of the names (categories' own order is ignored)."""
    codes, uniques = pd.factorize(touchpoints["channel"], sort=False)
    names = [str(u) for u in uniques]
    check_channel_rows(codes, names, touchpoints, "touchpoints")
    order = np.argsort(np.asarray(names, dtype=object), kind="stable")
    renumber = np.empty(len(names), dtype=np.intp)
    renumber[order] = np.arange(len(names))
    return renumber[codes], tuple(names[i] for i in order)


def _stable_time_order(time: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Stable argsort of times.

    When the times, in units of their common step (a second, a millisecond, ...), and the row
    numbers fit together in 63 bits, one plain sort of packed (time, row) keys does it, which is
    several times faster than an argsort.
    """
    n = time.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    bits = max(1, int(n - 1).bit_length())
    base = int(time.min())
    step = int(np.gcd.reduce(time - base)) or 1
    span = (int(time.max()) - base) // step
    if span.bit_length() + bits > 63:
        return np.argsort(time, kind="stable").astype(np.int64)
    key = ((time - base) // step) << bits
    key |= np.arange(n, dtype=np.int64)
    key.sort()
    key &= (1 << bits) - 1
    return key.astype(np.int64, copy=False)


def _sort_events(cust: npt.NDArray[np.int64], time: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Permutation sorting events by (customer, time, row).

    A stable time order gives every event a unique rank; (customer, rank) then packs into one
    int64, whose plain sort is far faster than a two-key lexsort.
    """
    n = time.size
    by_time = _stable_time_order(time)
    bits = max(1, int(n - 1).bit_length())
    n_cust = int(cust.max()) + 1 if n else 1
    if n_cust.bit_length() + bits > 63:  # pragma: no cover - beyond 2**63 events x customers
        return np.lexsort((time, cust)).astype(np.int64)
    rank = np.empty(n, dtype=np.int64)
    rank[by_time] = np.arange(n, dtype=np.int64)
    key = (cust << bits) | rank
    key.sort()
    order: npt.NDArray[np.int64] = by_time[key & ((1 << bits) - 1)]
    return order


def build_journeys(
    touchpoints: pd.DataFrame,
    conversions: pd.DataFrame,
    *,
    lookback: pd.Timedelta | None = None,
    include_null: bool = True,
    max_length: int | None = None,
    keep_empty: bool = False,
) -> Journeys:
    """Split each customer's touch history into journeys that end at a conversion.

    A touch belongs to the first conversion of the same customer at or after it (a touch at the
    very time of a conversion counts towards it; of two conversions at the same time, the one of
    lower value comes first). With ``lookback``, touches longer than that
    before their conversion are dropped. Touches after a customer's last conversion form one
    non-converting (null) journey, whose lookback is measured back from its last touch.

    Parameters
    ----------
    touchpoints : pandas.DataFrame
        Canonical touchpoints frame: ``customer_id``, ``timestamp``, ``channel`` (see
        :func:`frame_schema`). Any row order; ties in time keep row order. Not modified.
    conversions : pandas.DataFrame
        Canonical conversions frame: ``customer_id``, ``timestamp``, ``value``.
    lookback : pandas.Timedelta, optional
        Longest time from a touch to the end of its journey; None keeps every touch.
    include_null : bool, default True
        Keep the non-converting journeys formed by touches after the last conversion.
    max_length : int, optional
        Keep only the most recent ``max_length`` touches of every journey.
    keep_empty : bool, default False
        Keep conversions with no touch in their window as journeys of length 0.

    Returns
    -------
    Journeys
        One path per journey, grouped by customer and ordered in time, with touch times, end
        times (conversion time, or last touch for null journeys), values and customer ids.

    Raises
    ------
    SchemaError
        When a frame breaks its schema, the frames disagree on id types or time zones, or a
        channel name is empty, has leading or trailing whitespace or contains ``">"`` (the
        separator of :meth:`Journeys.to_frame`'s path strings), so that every store round-trips
        through its frames.

    See Also
    --------
    Journeys.from_paths : build the store from aggregated path strings.

    Examples
    --------
    >>> import pandas as pd
    >>> ts = pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-20", "2024-02-01"])
    >>> touchpoints = pd.DataFrame(
    ...     {"customer_id": ["c1"] * 4, "timestamp": ts, "channel": ["social", "search", "email", "search"]}
    ... )
    >>> conversions = pd.DataFrame(
    ...     {"customer_id": ["c1"], "timestamp": [pd.Timestamp("2024-01-21")], "value": [30.0]}
    ... )
    >>> j = build_journeys(touchpoints, conversions, lookback=pd.Timedelta(days=14))
    >>> j.to_frame()[["customer_id", "path", "conversions", "nulls", "value"]]
      customer_id    path  conversions  nulls  value
    0          c1   email          1.0    0.0   30.0
    1          c1  search          0.0    1.0    0.0
    """  # noqa: E501
    func = "build_journeys"
    check_frame(touchpoints, TOUCHPOINTS)
    check_frame(conversions, CONVERSIONS)
    window = check_timedelta(lookback, "lookback", func=func)
    include_null = check_bool(include_null, "include_null", func=func)
    keep_empty = check_bool(keep_empty, "keep_empty", func=func)
    max_len = check_int(max_length, "max_length", func=func, low=1, allow_none=True)

    t_time, t_tz = datetime_to_ns(touchpoints["timestamp"])
    c_time, c_tz = datetime_to_ns(conversions["timestamp"])
    if (t_tz is None) != (c_tz is None) and len(touchpoints) and len(conversions):
        raise SchemaError(
            f"touchpoints['timestamp'] is {touchpoints['timestamp'].dtype} but "
            f"conversions['timestamp'] is {conversions['timestamp'].dtype}; both must be "
            "timezone-aware or both naive. Localise them with tz_localize first."
        )
    tz = t_tz if len(touchpoints) else c_tz
    t_cust, c_cust, customers = _customer_codes(
        touchpoints["customer_id"], conversions["customer_id"]
    )
    chan_codes, channels = _channel_codes(touchpoints)
    c_value = conversions["value"].to_numpy(dtype=np.float64)
    # Lower value first among conversions at the same time, so ties do not depend on row order.
    by_value = np.argsort(c_value, kind="stable")
    c_cust, c_time, c_value = c_cust[by_value], c_time[by_value], c_value[by_value]

    # One merged event sequence sorted by (customer, time, row); touches precede conversions at
    # equal times, so a touch at the moment of a conversion counts towards it.
    n_t = t_cust.size
    cust = np.concatenate([t_cust, c_cust])
    time = np.concatenate([t_time, c_time])
    del t_cust, t_time
    perm = _sort_events(cust, time)
    n_m = perm.size
    cust, time = cust[perm], time[perm]
    is_conv = perm >= n_t
    position = np.arange(n_m, dtype=np.int64)

    # Each event's next conversion, and the last event of its customer's block.
    next_conv = np.minimum.accumulate(np.where(is_conv, position, n_m)[::-1])[::-1]
    block_last = np.flatnonzero(np.append(cust[1:] != cust[:-1], True))
    last_of_customer = np.repeat(block_last, np.diff(np.concatenate(([-1], block_last))))
    has_conv = next_conv <= last_of_customer  # blocks are contiguous
    # A touch's journey ends at its conversion, or (null journey) at its customer's last touch,
    # which is the customer's last event because no conversion follows.
    label = np.where(has_conv, next_conv, last_of_customer)
    del next_conv, last_of_customer, position

    keep = ~is_conv & (has_conv | include_null)
    if window is not None:
        keep &= time[label] - time <= window.value  # nanoseconds
    kept = np.flatnonzero(keep)

    ends = np.zeros(n_m, dtype=bool)
    ends[label[kept]] = True
    if keep_empty:
        ends[is_conv] = True
    journey_at = np.cumsum(ends) - 1
    end_pos = np.flatnonzero(ends)
    n_j = end_pos.size
    lengths = np.bincount(journey_at[label[kept]], minlength=n_j).astype(np.int64)
    offsets = np.zeros(n_j + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])

    j_conv = is_conv[end_pos]
    j_value = np.zeros(n_j)
    j_value[j_conv] = c_value[perm[end_pos[j_conv]] - n_t]
    journeys = Journeys(
        channels,
        chan_codes[perm[kept]].astype(code_dtype(len(channels))),
        offsets,
        j_conv.astype(np.float64),
        (~j_conv).astype(np.float64),
        j_value,
        times=time[kept],
        end_times=time[end_pos],
        tz=tz,
        customer_id=customers[cust[end_pos]],
    )
    return journeys.truncate(max_len) if max_len is not None else journeys
