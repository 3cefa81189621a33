"""Checks that every public function runs once, at its boundary.

Frames are checked against a :class:`FrameSchema`; scalar parameters with the ``check_*`` helpers.
Every failure raises :class:`~omnichannel.SchemaError` or
:class:`~omnichannel.InvalidParameterError` with a message that names the thing, the rule, what was
received and, where there is one, the fix. Nothing is coerced and nothing passed in is modified.
"""

from __future__ import annotations

import reprlib
from collections.abc import Iterable, Sequence
from typing import Any, Literal, overload

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from ._exceptions import InvalidParameterError, SchemaError

__all__ = [
    "COLUMN_KINDS",
    "Column",
    "ColumnKind",
    "FrameSchema",
    "as_generator",
    "check_bool",
    "check_choice",
    "check_frame",
    "check_id_kinds",
    "check_int",
    "check_real",
    "check_timedelta",
    "datetime_to_ns",
    "fail_at_rows",
    "id_kind",
]

ColumnKind = Literal["id", "label", "datetime", "number", "count", "bool"]
#: What each column kind accepts; the same tuple drives the check and the documentation.
COLUMN_KINDS: tuple[ColumnKind, ...] = ("id", "label", "datetime", "number", "count", "bool")
_KIND_TEXT: dict[str, str] = {
    "id": "string, categorical or integer",
    "label": "string or categorical",
    "datetime": "datetime64",
    "number": "numeric (int or float)",
    "count": "numeric (int or float) and >= 0",
    "bool": "bool",
}

_short = reprlib.Repr()
_short.maxlist = 8
_short.maxstring = 60
_short.maxother = 60


def short_repr(value: object) -> str:
    """Return a repr of ``value`` cut to a readable length."""
    return _short.repr(value)


@attrs.frozen
class Column:
    """One column of a canonical frame.

    Parameters
    ----------
    name : str
        Column name.
    kind : {"id", "label", "datetime", "number", "count", "bool"}
        What values the column holds; ``count`` is a non-negative number.
    required : bool
        Whether the column must be present.
    nullable : bool
        Whether missing values are allowed.
    description : str
        One line for the documentation.

    Examples
    --------
    >>> import omnichannel as oc
    >>> oc.frame_schema("stock").column("on_hand")
    Column(name='on_hand', kind='count', required=True, nullable=False, description='Units on hand (>= 0).')
    """  # noqa: E501

    name: str
    kind: ColumnKind = attrs.field(validator=attrs.validators.in_(COLUMN_KINDS))
    required: bool = True
    nullable: bool = False
    description: str = ""


@attrs.frozen
class FrameSchema:
    """The documented layout of one canonical long-format frame.

    Parameters
    ----------
    name : str
        Name of the frame, used in error messages (``touchpoints``, ``sales``, ...).
    columns : tuple of Column
        Known columns; columns not listed are allowed and passed through.
    key : tuple of str
        Columns that identify a row; duplicates on them are an error. Empty for no key.

    Examples
    --------
    >>> import omnichannel as oc
    >>> schema = oc.FrameSchema(
    ...     "prices", (oc.Column("product", "id"), oc.Column("price", "count")), key=("product",)
    ... )
    >>> schema.required
    ('product', 'price')
    >>> schema.to_frame()[["column", "kind", "key"]]
        column   kind    key
    0  product     id   True
    1    price  count  False
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the required columns, in canonical order."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        """Names of the optional columns, in canonical order."""
        return tuple(c.name for c in self.columns if not c.required)

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def to_frame(self) -> pd.DataFrame:
        """Describe the schema as a frame: one row per column."""
        return pd.DataFrame(
            {
                "column": [c.name for c in self.columns],
                "kind": [c.kind for c in self.columns],
                "accepts": [_KIND_TEXT[c.kind] for c in self.columns],
                "required": [c.required for c in self.columns],
                "nullable": [c.nullable for c in self.columns],
                "key": [c.name in self.key for c in self.columns],
                "description": [c.description for c in self.columns],
            }
        )


def _is_string_like(series: pd.Series[Any]) -> bool:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return True
    if isinstance(dtype, pd.StringDtype):
        return True
    if pd.api.types.is_object_dtype(dtype):
        kind = pd.api.types.infer_dtype(series, skipna=True)
        return kind in ("string", "empty")
    return False


def _kind_ok(series: pd.Series[Any], kind: ColumnKind) -> bool:
    dtype = series.dtype
    if kind == "label":
        return _is_string_like(series)
    if kind == "id":
        return _is_string_like(series) or (
            pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        )
    if kind == "datetime":
        return pd.api.types.is_datetime64_any_dtype(dtype)
    if kind in ("number", "count"):
        return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    return pd.api.types.is_bool_dtype(dtype)


_HINTS: dict[str, str] = {
    "datetime": " Parse it first with pd.to_datetime.",
    "number": " Convert it first with pd.to_numeric.",
    "count": " Convert it first with pd.to_numeric.",
    "label": " Convert it first with .astype(str).",
    "id": " Convert it first with .astype(str).",
    "bool": " Convert it first with .astype(bool) after handling missing values.",
}


def _item(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _first_label(frame: pd.DataFrame, positions: npt.NDArray[np.intp]) -> object:
    return _item(frame.index[int(positions[0])])


def check_frame(
    frame: object,
    schema: FrameSchema,
    *,
    name: str | None = None,
    sorted_by: Sequence[str] = (),
) -> pd.DataFrame:
    """Check ``frame`` against ``schema`` and return it unchanged.

    Parameters
    ----------
    frame : object
        What the caller passed; anything but a :class:`pandas.DataFrame` is an error.
    schema : FrameSchema
        The layout to check against.
    name : str, optional
        Name used in messages; defaults to ``schema.name``.
    sorted_by : sequence of str
        When given, rows must already be sorted by these columns.

    Returns
    -------
    pandas.DataFrame
        The same object, for chaining.

    Raises
    ------
    SchemaError
        On a missing column, a wrong dtype, missing values, negative counts, duplicate keys or
        unsorted rows.
    """
    label = name or schema.name
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(
            f"{label} must be a pandas DataFrame; got {type(frame).__name__}. "
            f"Build one with columns {list(schema.required)}."
        )
    present = [str(c) for c in frame.columns]
    if len(set(present)) != len(present):
        dupes = sorted({c for c in present if present.count(c) > 1})
        raise SchemaError(f"{label} has duplicate column names {dupes}; rename them first.")
    missing = [c for c in schema.required if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{label} is missing required column(s) {missing}; got {short_repr(present)}."
        )
    for col in schema.columns:
        if col.name not in frame.columns:
            continue
        series = frame[col.name]
        # An empty column holds no wrong value; only datetimes must be typed for time arithmetic.
        if (len(series) or col.kind == "datetime") and not _kind_ok(series, col.kind):
            raise SchemaError(
                f"{label}[{col.name!r}] must be {_KIND_TEXT[col.kind].replace(' and >= 0', '')}; "
                f"got {series.dtype}.{_HINTS[col.kind]}"
            )
        isna = series.isna().to_numpy()
        if not col.nullable and isna.any():
            bad = np.flatnonzero(isna)
            raise SchemaError(
                f"{label}[{col.name!r}] has {bad.size} missing value(s); first at index "
                f"{_first_label(frame, bad)!r}. Drop or fill them first."
            )
        if col.kind in ("number", "count"):
            values = series.to_numpy(dtype=float, na_value=np.nan)
            finite = np.isfinite(values) | np.isnan(values)
            if not finite.all():
                bad = np.flatnonzero(~finite)
                raise SchemaError(
                    f"{label}[{col.name!r}] has {bad.size} infinite value(s); first at index "
                    f"{_first_label(frame, bad)!r}."
                )
            if col.kind == "count":
                negative = values < 0
                if negative.any():
                    bad = np.flatnonzero(negative)
                    raise SchemaError(
                        f"{label}[{col.name!r}] has {bad.size} negative value(s); first at index "
                        f"{_first_label(frame, bad)!r} ({_item(series.iloc[int(bad[0])])!r}). "
                        "Expected values >= 0."
                    )
    if schema.key:
        key = [k for k in schema.key if k in frame.columns]
        dup = frame.duplicated(subset=key, keep="first").to_numpy()
        if dup.any():
            bad = np.flatnonzero(dup)
            row = frame.iloc[int(bad[0])]
            where = ", ".join(f"{k}={row[k]!r}" for k in key)
            raise SchemaError(
                f"{label} has {bad.size} duplicate row(s) on key {key}; first at index "
                f"{_first_label(frame, bad)!r} ({where}). Aggregate or drop duplicates first."
            )
    if sorted_by:
        _check_sorted(frame, list(sorted_by), label)
    return frame


def _check_sorted(frame: pd.DataFrame, columns: list[str], label: str) -> None:
    if len(frame) < 2:
        return
    # Row i is out of order when it compares lower than row i-1 on the first column that differs.
    out_of_order = np.zeros(len(frame) - 1, dtype=bool)
    decided = np.zeros(len(frame) - 1, dtype=bool)
    for col in columns:
        values = frame[col].to_numpy()
        prev, curr = values[:-1], values[1:]
        lower = (curr < prev) & ~decided
        out_of_order |= lower
        decided |= curr != prev
    if out_of_order.any():
        bad = np.flatnonzero(out_of_order) + 1
        raise SchemaError(
            f"{label} must be sorted by {columns}; first out-of-order row at index "
            f"{_first_label(frame, bad)!r}. Sort it first with .sort_values({columns})."
        )


def fail_at_rows(
    bad: npt.NDArray[np.bool_],
    frame: pd.DataFrame,
    label: str,
    rule: str,
    fix: str,
    *,
    keys: Sequence[str] = (),
) -> None:
    """Raise :class:`SchemaError` if any row is ``bad``: count, first index and its key values."""
    if not bad.any():
        return
    where = np.flatnonzero(bad)
    first = int(where[0])
    # Column by column: a row of mixed types would show an integer id as a float.
    shown = ", ".join(f"{k}={_item(frame[k].iloc[first])!r}" for k in keys if k in frame.columns)
    raise SchemaError(
        f"{label} {rule} in {where.size} row(s); first at index {_item(frame.index[first])!r} "
        f"({shown}). {fix}"
    )


def datetime_to_ns(series: pd.Series[Any]) -> tuple[npt.NDArray[np.int64], str | None]:
    """Return nanoseconds since the epoch (UTC for aware data) and the time zone name.

    Works for any datetime64 resolution and for naive and tz-aware columns alike.
    """
    tz = getattr(series.dt, "tz", None)
    if tz is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = series.to_numpy(dtype="datetime64[ns]").view(np.int64)
    return ns, (str(tz) if tz is not None else None)


def ns_to_datetime(ns: npt.NDArray[np.int64], tz: str | None) -> pd.DatetimeIndex:
    """Inverse of :func:`datetime_to_ns`."""
    index = pd.DatetimeIndex(ns.view("datetime64[ns]"))
    if tz is not None:
        index = index.tz_localize("UTC").tz_convert(tz)
    return index


def _where(func: str | None) -> str:
    return f" of {func}" if func else ""


@overload
def check_int(
    value: object,
    name: str,
    *,
    func: str | None = None,
    low: int | None = None,
    high: int | None = None,
    allow_none: Literal[False] = False,
) -> int: ...


@overload
def check_int(
    value: object,
    name: str,
    *,
    func: str | None = None,
    low: int | None = None,
    high: int | None = None,
    allow_none: bool,
) -> int | None: ...


def check_int(
    value: object,
    name: str,
    *,
    func: str | None = None,
    low: int | None = None,
    high: int | None = None,
    allow_none: bool = False,
) -> int | None:
    """Return ``value`` if it is an int within ``[low, high]``; raise otherwise.

    Examples
    --------
    >>> check_int(0, "horizon", func="forecast_demand", low=1)
    Traceback (most recent call last):
    ...
    omnichannel._exceptions.InvalidParameterError: The 'horizon' parameter of forecast_demand must be an int >= 1. Got 0 instead.
    """  # noqa: E501
    if value is None and allow_none:
        return None
    rule = "an int"
    if low is not None and high is not None:
        rule += f" in [{low}, {high}]"
    elif low is not None:
        rule += f" >= {low}"
    elif high is not None:
        rule += f" <= {high}"
    if allow_none:
        rule += " or None"
    ival = _as_int(value)
    ok = ival is not None and (low is None or ival >= low) and (high is None or ival <= high)
    if not ok or ival is None:
        raise InvalidParameterError(
            f"The {name!r} parameter{_where(func)} must be {rule}. Got {short_repr(value)} instead."
        )
    return ival


def _as_int(value: object) -> int | None:
    """``value`` as an int when it is a Python or numpy integer (bools excluded)."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    return None


def check_real(
    value: object,
    name: str,
    *,
    func: str | None = None,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a float if it is a finite real number within the bounds."""
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )
    fval = float(value) if ok else float("nan")  # type: ignore[arg-type]
    ok = ok and bool(np.isfinite(fval))
    if ok and low is not None:
        ok = fval > low if low_open else fval >= low
    if ok and high is not None:
        ok = fval < high if high_open else fval <= high
    if not ok:
        parts = []
        if low is not None:
            parts.append(f"{'>' if low_open else '>='} {low}")
        if high is not None:
            parts.append(f"{'<' if high_open else '<='} {high}")
        rule = "a finite real number" + (" " + " and ".join(parts) if parts else "")
        raise InvalidParameterError(
            f"The {name!r} parameter{_where(func)} must be {rule}. Got {short_repr(value)} instead."
        )
    return fval


def check_bool(value: object, name: str, *, func: str | None = None) -> bool:
    """Return ``value`` if it is a bool; raise otherwise."""
    if not isinstance(value, bool | np.bool_):
        raise InvalidParameterError(
            f"The {name!r} parameter{_where(func)} must be True or False. "
            f"Got {short_repr(value)} instead."
        )
    return bool(value)


def check_choice(
    value: object, name: str, choices: Iterable[str], *, func: str | None = None
) -> str:
    """Return ``value`` if it is one of ``choices``; raise otherwise."""
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        raise InvalidParameterError(
            f"The {name!r} parameter{_where(func)} must be one of {list(options)}. "
            f"Got {short_repr(value)} instead."
        )
    return value


def check_timedelta(
    value: object, name: str, *, func: str | None = None, allow_none: bool = True
) -> pd.Timedelta | None:
    """Return ``value`` as a positive :class:`pandas.Timedelta` (or None when allowed)."""
    if value is None and allow_none:
        return None
    import datetime as _dt

    if isinstance(value, pd.Timedelta | _dt.timedelta | np.timedelta64):
        delta = pd.Timedelta(value)
        if delta > pd.Timedelta(0):
            return delta
    raise InvalidParameterError(
        f"The {name!r} parameter{_where(func)} must be a positive pandas.Timedelta"
        f"{' or None' if allow_none else ''}, e.g. pd.Timedelta(days=30). "
        f"Got {short_repr(value)} instead."
    )


def as_generator(seed: object, *, func: str | None = None) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` from an int seed or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    as_int = _as_int(seed)
    if as_int is not None and as_int >= 0:
        return np.random.default_rng(as_int)
    raise InvalidParameterError(
        f"The 'seed' parameter{_where(func)} must be a non-negative int or a "
        f"numpy.random.Generator. Got {short_repr(seed)} instead."
    )


def id_kind(values: pd.Series[Any]) -> str | None:
    """``"integer"`` or ``"string"``: how the ids of a column match; None when it holds none.

    Categoricals count as their categories; object columns as what they hold. Empty or
    all-missing columns carry no ids (their dtype is often a default) and return None.
    """
    if not values.notna().any():
        return None
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return id_kind(pd.Series(dtype.categories))
    if pd.api.types.is_bool_dtype(dtype):
        return None
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if isinstance(dtype, pd.StringDtype):
        return "string"
    if pd.api.types.is_object_dtype(dtype):
        inferred = pd.api.types.infer_dtype(values, skipna=True)
        return inferred if inferred in ("integer", "string") else None
    return None


def check_id_kinds(
    left: pd.Series[Any], left_name: str, right: pd.Series[Any], right_name: str
) -> None:
    """Raise :class:`SchemaError` when one concept's ids are integers in one frame, text in another.

    Ids are matched by value, so ``1001`` never equals ``"1001"``: without this check the rows
    would silently find no partner and surface later as missing ids or empty results.
    """
    got, want = id_kind(left), id_kind(right)
    if got is None or want is None or got == want:
        return
    raise SchemaError(
        f"{left_name} holds {got} ids (dtype {left.dtype}) but {right_name} holds {want} ids "
        f"(dtype {right.dtype}); ids are matched by value, so 1001 never equals '1001'. Use one "
        "type of id in both frames, e.g. convert both with .astype(str)."
    )
