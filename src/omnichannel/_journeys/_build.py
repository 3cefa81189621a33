"""Splitting touch histories into journeys that end at a conversion."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import SchemaError
from .._frames import CONVERSIONS, TOUCHPOINTS
from .._validation import check_bool, check_frame, check_int, check_timedelta, datetime_to_ns
from ._kernels import code_dtype
from ._store import Journeys

__all__ = ["build_journeys"]


def _customer_codes(
    touch_ids: pd.Series[Any], conv_ids: pd.Series[Any]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[Any]]:
    int_t = pd.api.types.is_integer_dtype(touch_ids.dtype)
    int_c = pd.api.types.is_integer_dtype(conv_ids.dtype)
    if int_t != int_c and len(touch_ids) and len(conv_ids):
        raise SchemaError(
            f"touchpoints['customer_id'] is {touch_ids.dtype} but conversions['customer_id'] is "
            f"{conv_ids.dtype}; use the same type of id in both frames."
        )
    both = np.concatenate(
        [touch_ids.to_numpy(dtype=None if int_t else object), conv_ids.to_numpy(dtype=None if int_c else object)]
    )
    codes, uniques = pd.factorize(both, sort=False)
    n_t = len(touch_ids)
    return codes[:n_t].astype(np.int64), codes[n_t:].astype(np.int64), np.asarray(uniques)


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
        When a frame breaks its schema, or the frames disagree on id types or time zones.

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
    chan_codes, chan_names = pd.factorize(touchpoints["channel"].to_numpy(dtype=object), sort=True)
    channels = tuple(str(c) for c in chan_names)
    c_value = conversions["value"].to_numpy(dtype=np.float64)

    # Conversions sorted by (customer, time, value), so ties do not depend on row order; touches
    # by (customer, time, row order).
    c_order = np.lexsort((c_value, c_time, c_cust))
    c_cust, c_time, c_value = c_cust[c_order], c_time[c_order], c_value[c_order]
    t_order = np.lexsort((t_time, t_cust))
    t_cust, t_time, chan_codes = t_cust[t_order], t_time[t_order], chan_codes[t_order]
    n_c = c_cust.size

    # A touch goes to the first conversion with key >= its key, where the key is
    # (customer, rank of time among distinct conversion times); exact, and no int64 overflow.
    conv_times = np.unique(c_time)
    stride = np.int64(conv_times.size + 1)
    c_key = c_cust * stride + np.searchsorted(conv_times, c_time, side="left")
    t_key = t_cust * stride + np.searchsorted(conv_times, t_time, side="left")
    target = np.searchsorted(c_key, t_key, side="left")
    converted = target < n_c
    converted[converted] = c_cust[target[converted]] == t_cust[converted]

    keep = converted | include_null
    if window is not None:
        limit = window.value  # nanoseconds
        ok = np.ones(t_cust.size, dtype=bool)
        ok[converted] = c_time[target[converted]] - t_time[converted] <= limit
        null_idx = np.flatnonzero(~converted)
        if null_idx.size:
            # The null group of a customer is the tail of its sorted touches; its end is the last.
            last_of_customer = np.searchsorted(t_cust, t_cust[null_idx], side="right") - 1
            ok[null_idx] = t_time[last_of_customer] - t_time[null_idx] <= limit
        keep &= ok

    # Journey slot: conversion index for converted touches, n_c for the null tail.
    slot = np.where(converted, target, n_c)
    k_cust, k_slot = t_cust[keep], slot[keep]
    k_time, k_chan = t_time[keep], chan_codes[keep]

    # The journeys: every conversion (or only those with touches) plus one null tail per customer.
    has_touch = np.zeros(n_c, dtype=bool)
    has_touch[k_slot[k_slot < n_c]] = True
    conv_paths = np.arange(n_c) if keep_empty else np.flatnonzero(has_touch)
    null_customers = np.unique(k_cust[k_slot == n_c])
    j_cust = np.concatenate([c_cust[conv_paths], null_customers])
    j_slot = np.concatenate([conv_paths, np.full(null_customers.size, n_c)])
    j_order = np.lexsort((j_slot, j_cust))
    j_cust, j_slot = j_cust[j_order], j_slot[j_order]
    n_j = j_cust.size

    # Kept touches are already in journey order; find each touch's journey by its (customer, slot).
    j_key = j_cust * np.int64(n_c + 1) + j_slot
    touch_journey = np.searchsorted(j_key, k_cust * np.int64(n_c + 1) + k_slot)
    lengths = np.bincount(touch_journey, minlength=n_j).astype(np.int64)
    offsets = np.zeros(n_j + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])

    is_conv = j_slot < n_c
    conv_idx = np.where(is_conv, j_slot, 0)
    end_times = np.where(is_conv, c_time[conv_idx] if n_c else 0, 0)
    if (~is_conv).any():
        end_times[~is_conv] = k_time[offsets[1:][~is_conv] - 1]
    journeys = Journeys(
        channels,
        k_chan.astype(code_dtype(len(channels))),
        offsets,
        is_conv.astype(np.float64),
        (~is_conv).astype(np.float64),
        np.where(is_conv, c_value[conv_idx] if n_c else 0.0, 0.0),
        times=k_time,
        end_times=end_times,
        tz=tz,
        customer_id=customers[j_cust],
    )
    return journeys.truncate(max_len) if max_len is not None else journeys
