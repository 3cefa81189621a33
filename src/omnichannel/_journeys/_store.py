"""The columnar journey store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Self

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from .._domain import Journey, Touchpoint
from .._exceptions import InvalidParameterError, SchemaError
from .._validation import (
    Column,
    FrameSchema,
    check_frame,
    check_int,
    datetime_to_ns,
    ns_to_datetime,
    short_repr,
)
from ._checks import (
    PATH_SEP,
    check_channel_names,
    check_channel_rows,
    check_paths_agree,
    name_problem,
)
from ._kernels import code_dtype, group_identical_paths, positions, segment_sum, take_paths

__all__ = ["Journeys"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _readonly(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    view = array.view()
    view.flags.writeable = False
    return view


def _int_array(value: object) -> IntArray:
    return _readonly(np.asarray(value, dtype=np.int64))


def _float_array(value: object) -> FloatArray:
    return _readonly(np.asarray(value, dtype=np.float64))


def _optional_int_array(value: object) -> IntArray | None:
    return None if value is None else _int_array(value)


def _codes_array(value: object) -> npt.NDArray[np.integer]:
    array = np.asarray(value)
    if array.dtype.kind not in "iu":
        raise InvalidParameterError(f"Journeys.codes must be an integer array; got {array.dtype}.")
    return _readonly(array)


def _optional_object_array(value: object) -> npt.NDArray[Any] | None:
    return None if value is None else _readonly(np.asarray(value, dtype=object))


def _channel_tuple(value: object) -> tuple[str, ...]:
    if isinstance(value, Iterable) and not isinstance(value, str):
        return tuple(value)
    raise InvalidParameterError(f"Journeys.channels must be a sequence of str; got {value!r}.")


_PATHS_FRAME = FrameSchema(
    "journeys",
    (
        Column("path", "label", description="Channel names joined by the separator."),
        Column("conversions", "count", description="Conversions on this path."),
        Column("nulls", "count", required=False, description="Journeys that did not convert."),
        Column("value", "count", required=False, description="Conversion value."),
    ),
)


@attrs.frozen(eq=False)
class Journeys:
    """Columnar store of customer journeys: channel codes plus offsets (CSR), with counts.

    Path ``i`` is ``channels[codes[offsets[i]:offsets[i + 1]]]``, oldest touch first. Each path
    carries ``conversions`` and ``nulls`` (journeys on it that converted or did not; fractional
    counts are kept) and the conversion ``value``. A store built from individual journeys has one
    path per journey (``conversions + nulls == 1``) and may keep touch times, journey end times and
    customer ids; :meth:`aggregate` merges identical paths.

    Build it with :func:`build_journeys` (touchpoint and conversion frames), :meth:`from_paths`
    (aggregated path strings as other attribution tools use), :meth:`from_journeys` (objects) or
    :meth:`from_frame` (the store's own frames). Arrays are read-only views; channels are sorted.

    Parameters
    ----------
    channels : sequence of str
        Channel names; code ``k`` means ``channels[k]``. Sorted, unique, non-empty names
        without surrounding whitespace or ``">"`` (so that path strings round-trip).
    codes : array of int
        Channel code of every touch, path after path.
    offsets : array of int
        ``n_paths + 1`` non-decreasing offsets into ``codes``, from 0 to ``len(codes)``.
    conversions, nulls, value : array of float
        Per path, finite and >= 0.
    times : array of int, optional
        Touch times in nanoseconds since the epoch (UTC when ``tz`` is set), sorted within a path.
    end_times : array of int, optional
        Per path: the conversion time, or the last touch time for a path that did not convert.
    tz : str, optional
        Time zone of the original timestamps.
    customer_id : array, optional
        Customer of every path.

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame(
    ...     {
    ...         "path": ["search > email", "social", "search > email"],
    ...         "total_conversions": [1.0, 0.0, 2.0],
    ...         "total_null": [0.0, 3.0, 1.0],
    ...         "total_conversion_value": [50.0, 0.0, 80.0],
    ...     }
    ... )
    >>> j = Journeys.from_paths(paths)
    >>> j
    Journeys(3 paths, 5 touches, 3 channels ['email', 'search', 'social'], 3 conversions, 4 nulls, value 130)
    >>> j.aggregate().to_frame()
       journey_id            path  length  conversions  nulls  value
    0           0  search > email       2          3.0    1.0  130.0
    1           1          social       1          0.0    3.0    0.0
    """  # noqa: E501

    channels: tuple[str, ...] = attrs.field(converter=_channel_tuple)
    codes: npt.NDArray[np.integer] = attrs.field(converter=_codes_array, repr=False)
    offsets: IntArray = attrs.field(converter=_int_array, repr=False)
    conversions: FloatArray = attrs.field(converter=_float_array, repr=False)
    nulls: FloatArray = attrs.field(converter=_float_array, repr=False)
    value: FloatArray = attrs.field(converter=_float_array, repr=False)
    times: IntArray | None = attrs.field(
        default=None, converter=_optional_int_array, repr=False, kw_only=True
    )
    end_times: IntArray | None = attrs.field(
        default=None, converter=_optional_int_array, repr=False, kw_only=True
    )
    tz: str | None = attrs.field(default=None, kw_only=True)
    customer_id: npt.NDArray[Any] | None = attrs.field(
        default=None, converter=_optional_object_array, repr=False, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        self._check()

    # ------------------------------------------------------------------ invariants
    def _check(self) -> None:
        ch = self.channels
        check_channel_names(ch)
        if list(ch) != sorted(set(ch)):
            raise InvalidParameterError(
                f"Journeys.channels must be sorted and unique; got {short_repr(list(ch))}."
            )
        off = self.offsets
        if off.ndim != 1 or off.size < 1 or off[0] != 0 or off[-1] != self.codes.size:
            raise InvalidParameterError(
                "Journeys.offsets must start at 0 and end at len(codes) "
                f"({self.codes.size}); got {short_repr(off.tolist()[:8])}."
            )
        if np.any(np.diff(off) < 0):
            first = int(np.flatnonzero(np.diff(off) < 0)[0])
            raise InvalidParameterError(
                f"Journeys.offsets must be non-decreasing; offsets[{first + 1}] < offsets[{first}]."
            )
        n = off.size - 1
        if self.codes.size and (self.codes.min() < 0 or self.codes.max() >= len(ch)):
            raise InvalidParameterError(
                f"Journeys.codes must lie in [0, {len(ch) - 1}] for {len(ch)} channels; got "
                f"values in [{self.codes.min()}, {self.codes.max()}]."
            )
        for name in ("conversions", "nulls", "value"):
            arr: FloatArray = getattr(self, name)
            if arr.shape != (n,):
                raise InvalidParameterError(
                    f"Journeys.{name} must have one entry per path ({n}); got shape {arr.shape}."
                )
            bad = ~np.isfinite(arr) | (arr < 0)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InvalidParameterError(
                    f"Journeys.{name} must be finite and >= 0; path {i} has {arr[i]!r}."
                )
        if self.times is not None:
            if self.times.shape != self.codes.shape:
                raise InvalidParameterError(
                    f"Journeys.times must have one entry per touch ({self.codes.size}); got "
                    f"shape {self.times.shape}."
                )
            step = np.diff(self.times)
            inside = np.ones(step.size, dtype=bool)
            inside[off[1:-1][(off[1:-1] > 0) & (off[1:-1] < self.codes.size)] - 1] = False
            bad_t = (step < 0) & inside
            if bad_t.any():
                t = int(np.flatnonzero(bad_t)[0]) + 1
                path = int(np.searchsorted(off, t, side="right") - 1)
                raise InvalidParameterError(
                    f"Journeys.times must be sorted within each path; path {path} is not "
                    f"(touch {t - int(off[path])})."
                )
        if self.end_times is not None:
            if self.end_times.shape != (n,):
                raise InvalidParameterError(
                    f"Journeys.end_times must have one entry per path ({n}); got shape "
                    f"{self.end_times.shape}."
                )
            if self.times is not None and self.codes.size:
                nonempty = np.diff(off) > 0
                last = self.times[off[1:][nonempty] - 1]
                early = self.end_times[nonempty] < last
                if early.any():
                    path = int(np.flatnonzero(nonempty)[np.flatnonzero(early)[0]])
                    raise InvalidParameterError(
                        f"Journeys.end_times must not precede the last touch; path {path} does."
                    )
        if self.customer_id is not None and self.customer_id.shape != (n,):
            raise InvalidParameterError(
                f"Journeys.customer_id must have one entry per path ({n}); got shape "
                f"{self.customer_id.shape}."
            )

    # ------------------------------------------------------------------ sizes
    @property
    def n_paths(self) -> int:
        """Number of paths (rows)."""
        return int(self.offsets.size - 1)

    @property
    def n_touches(self) -> int:
        """Number of touches over all paths."""
        return int(self.codes.size)

    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return len(self.channels)

    @property
    def lengths(self) -> IntArray:
        """Number of touches of every path."""
        return np.diff(self.offsets)

    @property
    def counts(self) -> FloatArray:
        """Journeys each path stands for: ``conversions + nulls``."""
        return self.conversions + self.nulls

    @property
    def total_conversions(self) -> float:
        """Sum of conversions."""
        return float(self.conversions.sum())

    @property
    def total_nulls(self) -> float:
        """Sum of non-converting journeys."""
        return float(self.nulls.sum())

    @property
    def total_value(self) -> float:
        """Sum of conversion value."""
        return float(self.value.sum())

    @property
    def has_times(self) -> bool:
        """Whether touch times are stored."""
        return self.times is not None

    def __len__(self) -> int:
        return self.n_paths

    # ------------------------------------------------------------------ constructors
    @classmethod
    def _from_labels(
        cls,
        labels: npt.NDArray[Any] | pd.Series[Any],
        offsets: IntArray,
        conversions: FloatArray,
        nulls: FloatArray,
        value: FloatArray,
        **extra: Any,
    ) -> Self:
        """Build from per-touch channel names (sorted into codes)."""
        codes, uniques = pd.factorize(np.asarray(labels, dtype=object), sort=True)
        channels = tuple(str(u) for u in uniques)
        return cls(
            channels,
            codes.astype(code_dtype(len(channels))),
            offsets,
            conversions,
            nulls,
            value,
            **extra,
        )

    @classmethod
    def from_paths(
        cls,
        frame: pd.DataFrame,
        *,
        path: str = "path",
        conversions: str = "total_conversions",
        nulls: str | None = "total_null",
        value: str | None = "total_conversion_value",
        sep: str = ">",
    ) -> Self:
        """Build the store from aggregated path strings such as ``"search > email > store"``.

        This is the input form of other attribution tools (ChannelAttribution's column names are
        the defaults). Whitespace around channel names is stripped; counts stay fractional.

        Parameters
        ----------
        frame : pandas.DataFrame
            One row per path (identical paths may repeat; see :meth:`aggregate`). Not modified.
        path : str, default "path"
            Column of path strings. An empty string is a path with no touch.
        conversions : str, default "total_conversions"
            Column of conversion counts (>= 0, may be fractional).
        nulls : str or None, default "total_null"
            Column of non-converting journey counts; None, or the default name absent from the
            frame, means zeros.
        value : str or None, default "total_conversion_value"
            Column of conversion value; None, or the default name absent, means zeros.
        sep : str, default ">"
            Separator between channel names.

        Returns
        -------
        Journeys
            One path per row, in row order.

        Raises
        ------
        SchemaError
            On a missing column, missing or negative counts, or an empty channel name in a path
            (or one holding ``">"`` when another ``sep`` is used).

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"path": ["a > b", "b"], "total_conversions": [1.5, 0.0]})
        >>> j = Journeys.from_paths(frame)
        >>> j.channels, j.lengths.tolist(), j.conversions.tolist()
        (('a', 'b'), [2, 1], [1.5, 0.0])
        """
        if not isinstance(sep, str) or not sep:
            raise InvalidParameterError(
                f"The 'sep' parameter of Journeys.from_paths must be a non-empty str. Got {sep!r}."
            )
        nulls_col = (
            None if nulls is None or (nulls == "total_null" and nulls not in frame) else nulls
        )
        value_col = (
            None
            if value is None or (value == "total_conversion_value" and value not in frame)
            else value
        )
        columns = [Column(path, "label"), Column(conversions, "count")]
        columns += [Column(c, "count") for c in (nulls_col, value_col) if c is not None]
        check_frame(frame, FrameSchema("paths", tuple(columns)))
        n = len(frame)
        texts = frame[path].to_numpy(dtype=object)
        # One C-level split of all paths joined, and string work on the distinct tokens only.
        tokens = np.array(sep.join(texts).split(sep), dtype=object)
        lengths = np.fromiter((t.count(sep) for t in texts), dtype=np.int64, count=n) + 1
        raw_codes, raw_names = pd.factorize(tokens)
        stripped = np.array([str(name).strip() for name in raw_names], dtype=object)
        name_codes, names = pd.factorize(stripped)
        codes = name_codes[raw_codes]
        is_blank = np.asarray(names == "")[codes] if len(names) else np.zeros(0, dtype=bool)
        starts = np.cumsum(lengths) - lengths
        empty_path = (lengths == 1) & is_blank[starts]
        keep = ~np.repeat(empty_path, lengths)
        lengths[empty_path] = 0
        codes = codes[keep]
        # Blank names, and names holding ">" when another separator split the paths.
        is_bad = np.array([name_problem(x) is not None for x in names], dtype=bool)[codes]
        if is_bad.any():
            token = int(np.flatnonzero(is_bad)[0])
            row = int(np.searchsorted(np.cumsum(lengths), token, side="right"))
            name = str(names[codes[token]])
            what = "an empty channel name" if not name else f"channel name {name!r}"
            why = "" if not name else f", which {name_problem(name)}"
            raise SchemaError(
                f"paths[{path!r}] has {what} at index {frame.index[row]!r} "
                f"({texts[row]!r}){why}; check the separator {sep!r}."
            )
        used = np.unique(codes)
        labels = np.asarray(names, dtype=object)[used]
        order = np.argsort(labels, kind="stable")
        renumber = np.full(len(names), -1, dtype=np.int64)
        renumber[used[order]] = np.arange(used.size)
        channels = tuple(str(c) for c in labels[order])
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])

        def column(name: str | None) -> FloatArray:
            if name is None:
                return np.zeros(n)
            return frame[name].to_numpy(dtype=np.float64)

        return cls(
            channels,
            renumber[codes].astype(code_dtype(len(channels))),
            offsets,
            column(conversions),
            column(nulls_col),
            column(value_col),
        )

    @classmethod
    def from_journeys(cls, journeys: Iterable[Journey]) -> Self:
        """Build the store from :class:`Journey` objects, keeping times and customer ids.

        Examples
        --------
        >>> import pandas as pd
        >>> t = pd.Timestamp("2024-03-01")
        >>> j = Journey("c1", [Touchpoint("c1", "email", t)], converted=True, value=9.0,
        ...             conversion_time=t + pd.Timedelta(days=1))
        >>> store = Journeys.from_journeys([j])
        >>> store.to_journeys() == [j]
        True
        """
        items = list(journeys)
        for i, j in enumerate(items):
            if not isinstance(j, Journey):
                raise InvalidParameterError(
                    f"Journeys.from_journeys takes Journey objects; item {i} is {type(j).__name__}."
                )
        lengths = np.array([len(j.touchpoints) for j in items], dtype=np.int64)
        offsets = np.zeros(len(items) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        touches = [t for j in items for t in j.touchpoints]
        stamps = [t.timestamp for t in touches]
        ends = [
            j.conversion_time
            if j.conversion_time is not None
            else (j.touchpoints[-1].timestamp if j.touchpoints else None)
            for j in items
        ]
        zones = {str(s.tzinfo) if s.tzinfo else None for s in [*stamps, *[e for e in ends if e]]}
        if len(zones) > 1:
            raise InvalidParameterError(
                "Journey times must share one time zone (or all be naive); got "
                f"{sorted(map(str, zones))}."
            )
        tz = zones.pop() if zones else None
        has_ends = all(e is not None for e in ends)
        converted = np.array([j.converted for j in items], dtype=np.float64)
        extra: dict[str, Any] = {
            "customer_id": np.array([j.customer_id for j in items], dtype=object),
            "tz": tz,
        }
        extra["times"] = _stamps_to_ns(stamps)
        if has_ends:
            extra["end_times"] = _stamps_to_ns(ends)
        return cls._from_labels(
            np.array([t.channel for t in touches], dtype=object),
            offsets,
            converted,
            1.0 - converted,
            np.array([j.value for j in items], dtype=np.float64),
            **extra,
        )

    @classmethod
    def from_frame(cls, journeys: pd.DataFrame, touches: pd.DataFrame | None = None) -> Self:
        """Rebuild a store from :meth:`to_frame` (and optionally :meth:`touch_frame`).

        With ``touches`` the paths come from the touch rows (exact, with times), which must agree
        with the ``path`` strings (and ``length``, when present) of ``journeys``; without, from
        the ``path`` strings. ``Journeys.from_frame(j.to_frame(), j.touch_frame())`` equals ``j``.

        Raises
        ------
        SchemaError
            When a frame breaks its schema, or the touches disagree with the paths frame
            (the first such journey is named).

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"path": ["a > b", "b"], "total_conversions": [1.0, 0.0]})
        >>> j = Journeys.from_paths(frame)
        >>> Journeys.from_frame(j.to_frame()).equals(j)
        True
        """
        check_frame(journeys, _PATHS_FRAME)
        n = len(journeys)
        ids = journeys["journey_id"].to_numpy() if "journey_id" in journeys else np.arange(n)
        if not np.array_equal(ids, np.arange(n)):
            raise SchemaError(
                "journeys['journey_id'] must run 0, 1, ..., n-1 in row order, as to_frame "
                "writes it."
            )
        conversions = journeys["conversions"].to_numpy(dtype=np.float64)
        nulls = journeys["nulls"].to_numpy(dtype=np.float64) if "nulls" in journeys else np.zeros(n)
        value = journeys["value"].to_numpy(dtype=np.float64) if "value" in journeys else np.zeros(n)
        extra: dict[str, Any] = {}
        if "customer_id" in journeys:
            extra["customer_id"] = journeys["customer_id"].to_numpy(dtype=object)
        if touches is None:
            base = cls.from_paths(
                journeys[["path", "conversions"]].assign(nulls=nulls, value=value),
                conversions="conversions",
                nulls="nulls",
                value="value",
                sep=PATH_SEP,
            )
            return attrs.evolve(base, **extra)
        schema = FrameSchema(
            "touches",
            (
                Column("journey_id", "id"),
                Column("position", "count"),
                Column("channel", "label"),
                Column("timestamp", "datetime", required=False),
            ),
        )
        check_frame(touches, schema, sorted_by=("journey_id", "position"))
        jid = touches["journey_id"].to_numpy(dtype=np.int64)
        if jid.size and (jid.min() < 0 or jid.max() >= n):
            raise SchemaError(f"touches['journey_id'] must lie in [0, {n - 1}].")
        lengths = np.bincount(jid, minlength=n).astype(np.int64)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        if not np.array_equal(touches["position"].to_numpy(dtype=np.int64), positions(offsets)):
            raise SchemaError("touches['position'] must run 0, 1, ... within each journey.")
        labels = touches["channel"].to_numpy(dtype=object)
        chan_codes, names = pd.factorize(labels)
        check_channel_rows(chan_codes, [str(x) for x in names], touches, "touches")
        if "timestamp" in touches:
            extra["times"], extra["tz"] = datetime_to_ns(touches["timestamp"])
        if "end_time" in journeys:
            ends, end_tz = datetime_to_ns(journeys["end_time"])
            extra["end_times"], extra["tz"] = ends, end_tz
        store = cls._from_labels(labels, offsets, conversions, nulls, value, **extra)
        check_paths_agree(journeys, store)
        return store

    # ------------------------------------------------------------------ frames and objects
    def path_labels(self, sep: str = " > ") -> npt.NDArray[np.object_]:
        """Every path as a string of channel names joined by ``sep``.

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"path": ["a>b", ""], "total_conversions": [1, 0]})
        >>> j = Journeys.from_paths(frame)
        >>> j.path_labels().tolist()
        ['a > b', '']
        """
        group, first = group_identical_paths(self.codes, self.offsets)
        unique = self.take(first)
        names = np.asarray(self.channels, dtype=object)
        lengths = unique.lengths
        labels = np.full(first.size, "", dtype=object)
        # One array operation per position (bounded by the longest path), not per path.
        for pos in range(int(lengths.max()) if lengths.size else 0):
            rows = np.flatnonzero(lengths > pos)
            piece = names[unique.codes[unique.offsets[rows] + pos]]
            labels[rows] = piece if pos == 0 else labels[rows] + sep + piece
        return labels[group]

    def to_frame(self, sep: str = " > ") -> pd.DataFrame:
        """One row per path, with the path as a string.

        Columns: ``journey_id``, ``customer_id`` (when known), ``path``, ``length``,
        ``conversions``, ``nulls``, ``value`` and ``end_time`` (when times are known).

        Examples
        --------
        >>> import pandas as pd
        >>> j = Journeys.from_paths(pd.DataFrame({"path": ["a > b"], "total_conversions": [1.0]}))
        >>> j.to_frame()
           journey_id   path  length  conversions  nulls  value
        0           0  a > b       2          1.0    0.0    0.0
        """
        data: dict[str, Any] = {"journey_id": np.arange(self.n_paths, dtype=np.int64)}
        if self.customer_id is not None:
            data["customer_id"] = self.customer_id.copy()
        data["path"] = self.path_labels(sep)
        data["length"] = self.lengths
        data["conversions"] = self.conversions.copy()
        data["nulls"] = self.nulls.copy()
        data["value"] = self.value.copy()
        if self.end_times is not None:
            data["end_time"] = ns_to_datetime(self.end_times, self.tz)
        return pd.DataFrame(data)

    def touch_frame(self) -> pd.DataFrame:
        """One row per touch: ``journey_id``, ``position``, ``channel`` and ``timestamp``.

        Examples
        --------
        >>> import pandas as pd
        >>> j = Journeys.from_paths(pd.DataFrame({"path": ["a > b"], "total_conversions": [1.0]}))
        >>> j.touch_frame()
           journey_id  position channel
        0           0         0       a
        1           0         1       b
        """
        data: dict[str, Any] = {
            "journey_id": np.repeat(np.arange(self.n_paths, dtype=np.int64), self.lengths),
            "position": positions(self.offsets),
            "channel": np.asarray(self.channels, dtype=object)[self.codes],
        }
        if self.times is not None:
            data["timestamp"] = ns_to_datetime(self.times, self.tz)
        return pd.DataFrame(data)

    def to_journeys(self) -> list[Journey]:
        """Convert to :class:`Journey` objects (needs times and customer ids).

        Fractional counts cannot be expressed as objects: every path must have
        ``conversions + nulls == 1`` with ``conversions`` 0 or 1.
        """
        if self.times is None or self.customer_id is None:
            raise InvalidParameterError(
                "Journeys.to_journeys needs touch times and customer ids; this store has "
                f"times={self.times is not None}, customer_id={self.customer_id is not None}."
            )
        conv = self.conversions
        if not (np.isin(conv, (0.0, 1.0)).all() and np.all(conv + self.nulls == 1.0)):
            raise InvalidParameterError(
                "Journeys.to_journeys needs one journey per path (conversions 0 or 1 and "
                "conversions + nulls == 1); aggregated or fractional stores cannot be expanded."
            )
        stamps = ns_to_datetime(self.times, self.tz)
        ends = ns_to_datetime(self.end_times, self.tz) if self.end_times is not None else None
        names = np.asarray(self.channels, dtype=object)[self.codes]
        out: list[Journey] = []
        for i in range(self.n_paths):
            cid = str(self.customer_id[i])
            lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
            tps = [Touchpoint(cid, str(names[k]), stamps[k]) for k in range(lo, hi)]
            converted = bool(conv[i] == 1.0)
            out.append(
                Journey(
                    cid,
                    tps,
                    converted=converted,
                    value=float(self.value[i]),
                    conversion_time=ends[i] if converted and ends is not None else None,
                )
            )
        return out

    # ------------------------------------------------------------------ transformations
    def take(self, index: Sequence[int] | npt.NDArray[np.integer]) -> Self:
        """Return the paths at ``index`` (in that order; repeats allowed, e.g. for bootstrap).

        Indices follow numpy: ``-1`` is the last path; any empty sequence selects no path.

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"path": ["a", "b > a"], "total_conversions": [1, 2]})
        >>> j = Journeys.from_paths(frame)
        >>> j.take([1, 1]).path_labels().tolist()
        ['b > a', 'b > a']
        """
        idx = np.asarray(index)
        if idx.size == 0 and idx.ndim == 1:
            idx = idx.astype(np.int64)  # [] and range(0) come out as float arrays
        n = self.n_paths
        if (
            idx.ndim != 1
            or idx.dtype.kind not in "iu"
            or (idx.size and (idx.min() < -n or idx.max() >= n))
        ):
            raise InvalidParameterError(
                f"Journeys.take needs a 1-d sequence of integer indices in [{-n}, {n - 1}] "
                f"(negative ones count from the end); got {short_repr(idx.tolist())}."
            )
        idx = np.where(idx < 0, idx + self.n_paths, idx).astype(np.int64)
        touch, offsets = take_paths(self.offsets, idx)
        return self._replace(
            codes=self.codes[touch],
            offsets=offsets,
            conversions=self.conversions[idx],
            nulls=self.nulls[idx],
            value=self.value[idx],
            times=None if self.times is None else self.times[touch],
            end_times=None if self.end_times is None else self.end_times[idx],
            customer_id=None if self.customer_id is None else self.customer_id[idx],
        )

    def _replace(self, **changes: Any) -> Self:
        return attrs.evolve(self, **changes)

    def _keep_touches(self, keep: npt.NDArray[np.bool_]) -> Self:
        counts = segment_sum(keep.astype(np.float64), self.offsets).astype(np.int64)
        offsets = np.zeros(self.n_paths + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return self._replace(
            codes=self.codes[keep],
            offsets=offsets,
            times=None if self.times is None else self.times[keep],
        )

    def collapse_repeats(self) -> Self:
        """Merge consecutive touches of the same channel into one (``a > a > b`` -> ``a > b``).

        The first touch of each run is kept, with its time.

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"path": ["a > a > b > a"], "total_conversions": [1]})
        >>> j = Journeys.from_paths(frame)
        >>> j.collapse_repeats().path_labels().tolist()
        ['a > b > a']
        """
        keep = np.ones(self.n_touches, dtype=bool)
        keep[1:] = self.codes[1:] != self.codes[:-1]
        keep[self.offsets[:-1][self.lengths > 0]] = True
        return self._keep_touches(keep)

    def truncate(self, max_length: int) -> Self:
        """Keep only the ``max_length`` most recent touches of every path.

        Examples
        --------
        >>> import pandas as pd
        >>> j = Journeys.from_paths(pd.DataFrame({"path": ["a > b > c"], "total_conversions": [1]}))
        >>> j.truncate(2).path_labels().tolist()
        ['b > c']
        """
        n = check_int(max_length, "max_length", func="Journeys.truncate", low=1)
        assert n is not None
        from_end = np.repeat(self.offsets[1:], self.lengths) - 1 - np.arange(self.n_touches)
        return self._keep_touches(from_end < n)

    def drop_empty(self) -> Self:
        """Drop paths with no touch.

        Examples
        --------
        >>> import pandas as pd
        >>> j = Journeys.from_paths(pd.DataFrame({"path": ["a", ""], "total_conversions": [1, 1]}))
        >>> j.drop_empty().n_paths
        1
        """
        return self.take(np.flatnonzero(self.lengths > 0))

    def aggregate(self) -> Self:
        """Merge identical paths, summing conversions, nulls and value.

        Paths keep the order of their first appearance. Times and customer ids, which differ
        between the merged journeys, are dropped. Totals are preserved exactly up to float rounding.

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"path": ["a > b", "a", "a > b"], "total_conversions": [1, 0, 1]})
        >>> Journeys.from_paths(frame).aggregate().to_frame()[["path", "conversions"]]
            path  conversions
        0  a > b          2.0
        1      a          0.0
        """
        group, first = group_identical_paths(self.codes, self.offsets)
        touch, offsets = take_paths(self.offsets, first)
        n_groups = first.size

        def total(values: FloatArray) -> FloatArray:
            return np.bincount(group, weights=values, minlength=n_groups).astype(np.float64)

        return type(self)(
            self.channels,
            self.codes[touch],
            offsets,
            total(self.conversions),
            total(self.nulls),
            total(self.value),
        )

    # ------------------------------------------------------------------ summaries
    def channel_summary(self) -> pd.DataFrame:
        """Per channel: touches, journeys that include it, and their conversions and value.

        Journeys are weighted by their counts (``conversions + nulls``).

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame(
        ...     {"path": ["a > b > a", "b"], "total_conversions": [1.0, 0.0],
        ...      "total_null": [0.0, 2.0]}
        ... )
        >>> Journeys.from_paths(frame).channel_summary()
          channel  touches  journeys  conversions  conversion_rate  value
        0       a      2.0       1.0          1.0              1.0    0.0
        1       b      3.0       3.0          1.0              0.333333  0.0
        """
        k = self.n_channels
        path_of_touch = np.repeat(np.arange(self.n_paths), self.lengths)
        weights = self.counts
        touches = np.bincount(
            self.codes.astype(np.int64), weights=weights[path_of_touch], minlength=k
        )
        # A channel counts once per path: keep the first touch of each (path, channel) pair.
        pair = path_of_touch * k + self.codes.astype(np.int64)
        _, first = np.unique(pair, return_index=True)
        chan, path = self.codes[first].astype(np.int64), path_of_touch[first]
        journeys = np.bincount(chan, weights=weights[path], minlength=k)
        conversions = np.bincount(chan, weights=self.conversions[path], minlength=k)
        value = np.bincount(chan, weights=self.value[path], minlength=k)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(journeys > 0, conversions / journeys, np.nan)
        return pd.DataFrame(
            {
                "channel": list(self.channels),
                "touches": touches,
                "journeys": journeys,
                "conversions": conversions,
                "conversion_rate": rate,
                "value": value,
            }
        )

    def length_summary(self) -> pd.DataFrame:
        """Journeys, conversions and conversion rate by path length.

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame(
        ...     {"path": ["a", "a > b", "b"], "total_conversions": [1, 1, 0],
        ...      "total_null": [1, 0, 2]}
        ... )
        >>> Journeys.from_paths(frame).length_summary()
           length  journeys  conversions  conversion_rate
        0       1       4.0          1.0             0.25
        1       2       1.0          1.0             1.00
        """
        lengths = self.lengths
        size = int(lengths.max()) + 1 if lengths.size else 1
        journeys = np.bincount(lengths, weights=self.counts, minlength=size)
        conversions = np.bincount(lengths, weights=self.conversions, minlength=size)
        present = np.flatnonzero(np.bincount(lengths, minlength=size))
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(journeys > 0, conversions / journeys, np.nan)
        return pd.DataFrame(
            {
                "length": present,
                "journeys": journeys[present],
                "conversions": conversions[present],
                "conversion_rate": rate[present],
            }
        )

    def summary(self) -> pd.DataFrame:
        """Headline numbers as a two-column frame (``statistic``, ``value``).

        Examples
        --------
        >>> import pandas as pd
        >>> j = Journeys.from_paths(pd.DataFrame({"path": ["a > b"], "total_conversions": [2.0]}))
        >>> float(j.summary().set_index("statistic").loc["conversions", "value"])
        2.0
        """
        lengths = self.lengths
        counts = self.counts
        total = float(counts.sum())
        stats: dict[str, float] = {
            "paths": float(self.n_paths),
            "touches": float(self.n_touches),
            "channels": float(self.n_channels),
            "journeys": total,
            "conversions": self.total_conversions,
            "nulls": self.total_nulls,
            "conversion_rate": self.total_conversions / total if total else float("nan"),
            "value": self.total_value,
            "mean_length": float(np.average(lengths, weights=counts)) if total else float("nan"),
            "max_length": float(lengths.max()) if lengths.size else 0.0,
        }
        return pd.DataFrame({"statistic": list(stats), "value": list(stats.values())})

    def __repr__(self) -> str:
        def num(x: float) -> str:
            return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"

        shown = list(self.channels[:8]) + (["..."] if self.n_channels > 8 else [])
        return (
            f"Journeys({self.n_paths:,} paths, {self.n_touches:,} touches, {self.n_channels} "
            f"channels {shown}, {num(self.total_conversions)} conversions, "
            f"{num(self.total_nulls)} nulls, value {num(self.total_value)})"
        )

    def _repr_html_(self) -> str:
        body = self.summary().to_html(index=False)
        return f"<p><b>Journeys</b></p>{body}"

    def equals(self, other: object) -> bool:
        """Whether ``other`` is a store with the same channels, paths, counts and metadata.

        Examples
        --------
        >>> import pandas as pd
        >>> j = Journeys.from_paths(pd.DataFrame({"path": ["a"], "total_conversions": [1.0]}))
        >>> j.equals(j.take([0]))
        True
        """
        if not isinstance(other, Journeys):
            return False

        def same(a: npt.NDArray[Any] | None, b: npt.NDArray[Any] | None) -> bool:
            if a is None or b is None:
                return a is None and b is None
            return a.shape == b.shape and bool(np.all(a == b))

        return (
            self.channels == other.channels
            and same(self.codes.astype(np.int64), other.codes.astype(np.int64))
            and same(self.offsets, other.offsets)
            and same(self.conversions, other.conversions)
            and same(self.nulls, other.nulls)
            and same(self.value, other.value)
            and same(self.times, other.times)
            and same(self.end_times, other.end_times)
            and self.tz == other.tz
            and same(self.customer_id, other.customer_id)
        )


def _stamps_to_ns(stamps: list[Any]) -> IntArray:
    if not stamps:
        return np.zeros(0, dtype=np.int64)
    series = pd.Series(pd.DatetimeIndex(stamps))
    return datetime_to_ns(series)[0]
