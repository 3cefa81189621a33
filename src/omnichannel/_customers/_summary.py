"""Per-customer transaction summaries from the canonical orders frame."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError, SchemaError
from .._frames import ORDERS
from .._validation import check_bool, check_frame, short_repr

__all__ = ["summarize_customers"]

_DAY_NS = 86_400_000_000_000
_UNITS = {"D": pd.Timedelta(days=1), "W": pd.Timedelta(weeks=1)}
_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]
_MAX_KEY = 2**62


def _unit_ns(time_unit: object) -> int:
    if isinstance(time_unit, str) and time_unit in _UNITS:
        return int(_UNITS[time_unit].value)
    if isinstance(time_unit, pd.Timedelta | _dt.timedelta | np.timedelta64):
        delta = pd.Timedelta(time_unit)
        if delta > pd.Timedelta(0):
            return int(delta.value)
    raise InvalidParameterError(
        "The 'time_unit' parameter of summarize_customers must be 'D' (days), 'W' (weeks) or a "
        f"positive pandas.Timedelta. Got {short_repr(time_unit)} instead."
    )


def _day_of(value: object, name: str, tz: str | None) -> int:
    """Day number (days since 1970-01-01, in the orders' local time) of a date parameter."""
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise InvalidParameterError(
            f"The {name!r} parameter of summarize_customers must be a date such as "
            f"'2024-06-30' or a pandas.Timestamp. Got {short_repr(value)} instead."
        ) from err
    if not isinstance(stamp, pd.Timestamp) or pd.isna(stamp):
        raise InvalidParameterError(
            f"The {name!r} parameter of summarize_customers must be a date, not missing. "
            f"Got {short_repr(value)} instead."
        )
    if stamp.tzinfo is not None:
        stamp = (
            stamp.tz_convert(tz).tz_localize(None) if tz is not None else stamp.tz_localize(None)
        )
    return int(stamp.as_unit("ns").value // _DAY_NS)


def _local_ns(series: pd.Series[Any]) -> tuple[_I64, str | None]:
    """Nanoseconds of the wall-clock time (local time for tz-aware data) and the time zone."""
    tz = getattr(series.dt, "tz", None)
    if tz is not None:
        series = series.dt.tz_localize(None)
    ns = series.to_numpy(dtype="datetime64[ns]").view(np.int64)
    return ns, (str(tz) if tz is not None else None)


def _codes(series: pd.Series[Any]) -> tuple[_I64, pd.Index]:
    """Return integer codes ordered like the sorted unique labels, and those labels."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        raw = series.cat.codes.to_numpy()
        categories = pd.Index(series.cat.categories)
        used = np.bincount(raw, minlength=len(categories)) > 0
        if used.all():
            return raw.astype(np.int64), categories
        remap = np.cumsum(used) - 1
        return remap[raw].astype(np.int64), categories[used]
    codes, uniques = pd.factorize(series, sort=True)
    return np.asarray(codes, dtype=np.int64), pd.Index(uniques)


def summarize_customers(
    orders: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp | _dt.date,
    by_channel: bool = False,
    calibration_end: str | pd.Timestamp | _dt.date | None = None,
    time_unit: Literal["D", "W"] | pd.Timedelta = "D",
) -> pd.DataFrame:
    """Summarise each customer's purchase history for the customer-base models.

    Orders of one customer on the same calendar day form one transaction (their values are
    summed), the convention of the CDNOW data and of the BG/NBD literature. Days are taken in the
    orders' local time (the wall clock of tz-aware timestamps).

    Parameters
    ----------
    orders : pandas.DataFrame
        The canonical orders frame: ``order_id`` (unique), ``customer_id``, ``timestamp``,
        ``channel``, ``value`` (>= 0). It is not modified.
    observation_end : str, datetime.date or pandas.Timestamp
        Last day observed, inclusive; the time of day is ignored. An order on a later day is an
        error: filter those out first.
    by_channel : bool, default False
        When true, summarise each (customer, channel) pair on its own, as if each channel's
        purchases were a separate customer: ``T`` and ``recency`` are measured from the pair's
        first purchase. The channel descriptor columns are then left out.
    calibration_end : str, datetime.date or pandas.Timestamp, optional
        Split the history at the end of this day: the model columns describe the calibration
        period up to ``calibration_end`` and the ``*_holdout`` columns the days after it, up to
        ``observation_end``. Customers whose first order falls after it are left out (they were
        not yet customers at the end of calibration).
    time_unit : {"D", "W"} or pandas.Timedelta, default "D"
        Unit of ``recency``, ``T`` and ``duration_holdout``: days, weeks, or any positive
        duration. Fit the models and read their rates in this unit.

    Returns
    -------
    pandas.DataFrame
        A new frame, one row per customer (index ``customer_id``, sorted) or per customer and
        channel (MultiIndex ``customer_id, channel``), with the columns

        ==========================  ===========================================================
        ``frequency``               repeat transactions (transactions after the first), int
        ``recency``                 time from the first to the last transaction
        ``T``                       time from the first transaction to the end of the period
        ``monetary_value``          mean value of the repeat transactions; 0 without any
        ``frequency_holdout``       transactions in the holdout period (with calibration_end)
        ``monetary_value_holdout``  their mean value; 0 without any (with calibration_end)
        ``duration_holdout``        length of the holdout period (with calibration_end)
        ``n_orders``                orders in the (calibration) period
        ``total_value``             their total value
        ``first_purchase``          day of the first order (midnight, local time, no zone)
        ``first_channel``           channel of the first order (ties: earliest, then by name)
        ``last_channel``            channel of the last order (ties: latest, then by name)
        ``n_channels``              number of channels with at least one order
        ``share_<channel>``         share of the customer's orders in each channel
        ==========================  ===========================================================

        The last five columns are left out when ``by_channel`` is true. The model columns
        ``frequency``, ``recency``, ``T`` and ``monetary_value`` feed :class:`BetaGeo`,
        :class:`ParetoNBD`, :class:`ModifiedBetaGeo` and :class:`GammaGamma` directly.

    Raises
    ------
    SchemaError
        When ``orders`` breaks the orders schema (missing columns, wrong dtypes, missing values,
        negative values, duplicate ``order_id``) or has orders after ``observation_end``.
    InvalidParameterError
        On a bad date or time unit, or ``calibration_end`` not before ``observation_end``.

    Notes
    -----
    Handling of awkward input: orders after ``observation_end`` raise (the message counts them
    and names the first); negative values and duplicate order ids raise through the orders
    schema; zero-value orders are kept (they count as purchases; a repeat customer whose repeat
    purchases are all zero has ``monetary_value == 0``, which :class:`GammaGamma` rejects with a
    message); a customer with a single transaction has ``frequency == 0``, ``recency == 0`` and
    ``monetary_value == 0``, the convention the models expect.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> orders = pd.DataFrame(
    ...     {
    ...         "order_id": ["o1", "o2", "o3", "o4", "o5", "o6"],
    ...         "customer_id": ["ann", "ann", "ann", "bob", "bob", "cy"],
    ...         "timestamp": pd.to_datetime(
    ...             ["2024-01-01 10:00", "2024-01-01 18:00", "2024-01-15 09:00", "2024-01-03 12:00",
    ...              "2024-02-07 12:00", "2024-02-20 12:00"]
    ...         ),
    ...         "channel": ["web", "store", "web", "store", "store", "app"],
    ...         "value": [10.0, 5.0, 20.0, 40.0, 30.0, 12.0],
    ...     }
    ... )
    >>> summary = oc.summarize_customers(orders, observation_end="2024-02-29", time_unit="W")
    >>> summary[["frequency", "recency", "T", "monetary_value"]].round(2)
                 frequency  recency     T  monetary_value
    customer_id
    ann                  1     2.00  8.43            20.0
    bob                  1     5.00  8.14            30.0
    cy                   0     0.00  1.29             0.0
    >>> summary[["first_channel", "last_channel", "n_channels", "share_web"]]
                first_channel last_channel  n_channels  share_web
    customer_id
    ann                   web          web           2   0.666667
    bob                 store        store           1   0.000000
    cy                    app          app           1   0.000000
    """
    func = "summarize_customers"
    check_frame(orders, ORDERS)
    split = check_bool(by_channel, "by_channel", func=func)
    unit = _unit_ns(time_unit)
    if len(orders) == 0:
        raise SchemaError(
            f"orders passed to {func} has no rows; there is no customer to summarise."
        )
    ns, tz = _local_ns(orders["timestamp"])
    end_day = _day_of(observation_end, "observation_end", tz)
    cal_day = end_day
    if calibration_end is not None:
        cal_day = _day_of(calibration_end, "calibration_end", tz)
        if cal_day >= end_day:
            raise InvalidParameterError(
                f"The 'calibration_end' parameter of {func} must be a day before observation_end="
                f"{_date(end_day)}; got {_date(cal_day)}. Pass calibration_end=None for no "
                "holdout period."
            )
    day = ns // _DAY_NS
    late = day > end_day
    if late.any():
        bad = np.flatnonzero(late)
        raise SchemaError(
            f"orders has {bad.size} row(s) with timestamp after observation_end={_date(end_day)}; "
            f"first at index {orders.index[int(bad[0])]!r}. Filter them out first, e.g. "
            "orders[orders['timestamp'] < end + pd.Timedelta(days=1)]."
        )
    del late
    min_day = int(day.min())
    n_days = end_day - min_day + 1
    cal_rel = cal_day - min_day
    chan_codes, channels = _codes(orders["channel"])
    n_ch = max(len(channels), 1)
    width = n_ch if split else 1

    # One int64 key per order: group (customer, or customer x channel), then day.
    customer = orders["customer_id"]
    cust_labels: pd.Index | None = None
    lo = 0
    key: _I64
    if _int_ids(customer):
        raw = customer.to_numpy(dtype=np.int64)
        lo, hi = int(raw.min()), int(raw.max())
        if (hi - lo + 1) * width * n_days < _MAX_KEY:
            key = raw - lo
        else:
            key, cust_labels = _codes(customer)
        del raw
    else:
        key, cust_labels = _codes(customer)
    if split:
        key *= n_ch
        key += chan_codes
    key *= n_days
    key += day
    key -= min_day
    del day
    order = np.argsort(key)
    key = key[order]
    n = key.size

    # Transactions: one per (group, day).
    boundary = np.empty(n, dtype=bool)
    boundary[0] = True
    np.not_equal(key[1:], key[:-1], out=boundary[1:])
    txn_start = np.flatnonzero(boundary)
    del boundary
    txn_group, txn_day = np.divmod(key[txn_start], n_days)
    del key
    txn_n = np.diff(np.append(txn_start, n))
    txn_value = np.add.reduceat(orders["value"].to_numpy(dtype=np.float64)[order], txn_start)
    txn_cal = txn_day <= cal_rel

    # Calibration transactions of each group (they precede its holdout transactions).
    cal_idx = np.flatnonzero(txn_cal)
    if cal_idx.size == 0:
        raise SchemaError(
            f"orders has no order on or before calibration_end={_date(cal_day)}, so no customer "
            "can be summarised. Choose a later calibration_end."
        )
    c_group = txn_group[cal_idx]
    c_first = np.flatnonzero(np.r_[True, c_group[1:] != c_group[:-1]])
    out_group = c_group[c_first]
    del c_group
    c_last = np.append(c_first[1:], cal_idx.size) - 1
    first_txn = cal_idx[c_first]
    last_txn = cal_idx[c_last]
    n_out = out_group.size
    frequency = np.diff(np.append(c_first, cal_idx.size)) - 1
    first_day = txn_day[first_txn]
    last_day = txn_day[last_txn]
    c_value = txn_value[cal_idx]
    total_value = np.add.reduceat(c_value, c_first)
    n_orders = np.add.reduceat(txn_n[cal_idx], c_first)
    repeat_value = total_value - c_value[c_first]
    del c_value, cal_idx
    monetary = np.zeros(n_out)
    np.divide(repeat_value, frequency, out=monetary, where=frequency > 0)
    del repeat_value
    scale = _DAY_NS / unit
    data: dict[str, Any] = {
        "frequency": frequency.astype(np.int64),
        "recency": (last_day - first_day) * scale,
        "T": (cal_rel - first_day) * scale,
        "monetary_value": monetary,
    }
    if calibration_end is not None:
        hold = np.flatnonzero(~txn_cal)
        rows = np.minimum(np.searchsorted(out_group, txn_group[hold]), n_out - 1)
        known = out_group[rows] == txn_group[hold]
        rows = rows[known]
        h_count = np.bincount(rows, minlength=n_out)
        h_value = np.bincount(rows, weights=txn_value[hold[known]], minlength=n_out)
        h_mean = np.zeros(n_out)
        np.divide(h_value, h_count, out=h_mean, where=h_count > 0)
        data["frequency_holdout"] = h_count.astype(np.int64)
        data["monetary_value_holdout"] = h_mean
        data["duration_holdout"] = np.full(n_out, (end_day - cal_day) * scale)
    del txn_group, txn_value
    data["n_orders"] = n_orders.astype(np.int64)
    data["total_value"] = total_value
    data["first_purchase"] = pd.DatetimeIndex(
        ((first_day + min_day) * _DAY_NS).astype("datetime64[ns]")
    )
    if not split:
        # Channel of the first and last order: earliest (latest) time of day, then channel name.
        first_chan = _edge_channel(
            np.minimum, txn_start[first_txn], txn_n[first_txn], order, ns, chan_codes, n_ch
        )
        last_chan = _edge_channel(
            np.maximum, txn_start[last_txn], txn_n[last_txn], order, ns, chan_codes, n_ch
        )
        data["first_channel"] = channels.take(first_chan)
        data["last_channel"] = channels.take(last_chan)
        # Orders per channel among each customer's calibration orders.
        chan_s = chan_codes[order]
        del order
        if calibration_end is not None:
            chan_s[np.repeat(~txn_cal, txn_n)] = n_ch  # holdout orders count for no channel
        starts = txn_start[first_txn]
        counts = np.empty((n_out, len(channels)), dtype=np.int64)
        for j in range(len(channels)):
            counts[:, j] = np.add.reduceat(chan_s == j, starts, dtype=np.int64)
        data["n_channels"] = (counts > 0).sum(axis=1).astype(np.int64)
        shares = counts / np.maximum(n_orders, 1)[:, None]
        for j, name in enumerate(channels):
            data[f"share_{name}"] = shares[:, j]
    index = _output_index(out_group, width, split, cust_labels, lo, customer, channels)
    return pd.DataFrame(data, index=index, copy=False)


def _date(day: int) -> object:
    return pd.Timestamp(day * _DAY_NS).date()


def _int_ids(customer: pd.Series[Any]) -> bool:
    dtype = customer.dtype
    return (
        pd.api.types.is_integer_dtype(dtype)
        and not isinstance(dtype, pd.CategoricalDtype)
        and not customer.hasnans
    )


def _edge_channel(
    reduce: np.ufunc,
    starts: _I64,
    lengths: _I64,
    order: npt.NDArray[np.intp],
    ns: _I64,
    chan_codes: _I64,
    n_ch: int,
) -> _I64:
    """Channel code of the first (``np.minimum``) or last (``np.maximum``) order of each segment.

    Segments are ``order[starts[i]:starts[i] + lengths[i]]``: the orders of one transaction day.
    The order is chosen by time of day, ties by channel code, so the result does not depend on
    row order.
    """
    best = chan_codes[order[starts]].astype(np.int64)
    multi = np.flatnonzero(lengths > 1)
    if multi.size == 0:
        return best
    seg_len = lengths[multi]
    offsets = np.r_[0, np.cumsum(seg_len)[:-1]]
    positions = np.repeat(starts[multi] - offsets, seg_len) + np.arange(int(seg_len.sum()))
    rows = order[positions]
    coarsen = 1
    while (_DAY_NS // coarsen) * n_ch >= 2**63 - 1:  # pragma: no cover - > 100,000 channels
        coarsen *= 10
    within = ((ns[rows] % _DAY_NS) // coarsen) * n_ch + chan_codes[rows]
    best[multi] = reduce.reduceat(within, offsets) % n_ch
    return best


def _output_index(
    out_group: _I64,
    width: int,
    split: bool,
    cust_labels: pd.Index | None,
    lo: int,
    customer: pd.Series[Any],
    channels: pd.Index,
) -> pd.Index:
    cust_code = out_group // width
    if cust_labels is None:
        # Integer fast path: the group code is the id minus the smallest id.
        labels = pd.Index(cust_code + lo, dtype=customer.dtype, name="customer_id")
    else:
        labels = pd.Index(cust_labels.take(cust_code), name="customer_id")
    if not split:
        return labels
    multi: pd.Index = pd.MultiIndex.from_arrays(
        [labels, channels.take(out_group % width)], names=["customer_id", "channel"]
    )
    return multi
