"""Checks shared by the ways of building a journey store: channel names and frame agreement.

Channel names follow one rule everywhere (the store constructor, :func:`build_journeys`,
:meth:`Journeys.from_paths`, :meth:`Journeys.from_frame`, :meth:`Journeys.from_journeys`): a
non-empty str without leading or trailing whitespace and without ``">"``, the separator of the
path strings that :meth:`Journeys.to_frame` writes and :meth:`Journeys.from_frame` reads back.
So a store round-trips through its frames exactly, and ``"email "`` can never become a channel
distinct from ``"email"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError, SchemaError

if TYPE_CHECKING:
    from ._store import Journeys

__all__ = [
    "CHANNEL_RULE",
    "PATH_SEP",
    "check_channel_names",
    "check_channel_rows",
    "check_paths_agree",
    "name_problem",
]

PATH_SEP = ">"
CHANNEL_RULE = (
    f"Channel names must be non-empty str without leading or trailing whitespace and without "
    f"{PATH_SEP!r} (the separator of the path strings of Journeys.to_frame)."
)


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a channel name, or None when it can."""
    if not isinstance(name, str):
        return f"is a {type(name).__name__}, not a str"
    if not name:
        return "is empty"
    if name != name.strip():
        return "has leading or trailing whitespace"
    if PATH_SEP in name:
        return f"contains the path separator {PATH_SEP!r}"
    return None


def check_channel_names(names: Sequence[object]) -> None:
    """Raise :class:`InvalidParameterError` on the first bad name (the store's invariant)."""
    for name in names:
        problem = name_problem(name)
        if problem is not None:
            raise InvalidParameterError(
                f"Journeys.channels has {name!r}, which {problem}. {CHANNEL_RULE}"
            )


def check_channel_rows(
    codes: npt.NDArray[np.integer], names: Sequence[str], frame: pd.DataFrame, label: str
) -> None:
    """Raise :class:`SchemaError` naming the first row whose channel breaks the rule.

    ``codes`` are the factorized channel of every row of ``frame`` and ``names`` the distinct
    names they index, so the check costs one pass over the distinct names plus one over the rows.
    """
    bad_names = np.array([name_problem(n) is not None for n in names], dtype=bool)
    if not bad_names.any():
        return
    bad_rows = bad_names[codes]
    first = int(np.flatnonzero(bad_rows)[0])
    name = names[int(codes[first])]
    index: Any = frame.index[first]
    index = index.item() if isinstance(index, np.generic) else index
    raise SchemaError(
        f"{label}['channel'] has {int(bad_rows.sum())} row(s) with an invalid channel name; first "
        f"at index {index!r} ({name!r}, which {name_problem(name)}). {CHANNEL_RULE} Clean them "
        "first, e.g. with .str.strip() and .str.replace('>', '/'), or drop the rows."
    )


def check_paths_agree(journeys: pd.DataFrame, store: Journeys) -> None:
    """Raise :class:`SchemaError` where ``store`` (from touch rows) disagrees with ``journeys``.

    Paths are compared as canonical strings (names joined by ``" > "``, which is unambiguous
    since names hold no ``">"`` nor surrounding blanks); only the rows whose written string is
    not already canonical are parsed, so the usual ``to_frame()`` input costs one comparison.
    """
    n = store.n_paths
    bad = np.zeros(n, dtype=bool)
    if "length" in journeys:
        bad |= journeys["length"].to_numpy(dtype=np.int64) != store.lengths
    written = journeys["path"].to_numpy(dtype=object)
    canonical = store.path_labels()
    differ = np.flatnonzero(written != canonical)
    if differ.size:
        rows = pd.DataFrame({"path": written[differ], "conversions": np.zeros(differ.size)})
        parsed = type(store).from_paths(rows, conversions="conversions", nulls=None, value=None)
        bad[differ[parsed.path_labels() != canonical[differ]]] = True
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        shown = f"path={written[first]!r}"
        if "length" in journeys:
            shown += f", length={int(journeys['length'].iloc[first])}"
        raise SchemaError(
            f"touches disagree with journeys on {int(bad.sum())} journey(s); first is journey_id "
            f"{first} (journeys has {shown}; its touches give {canonical[first]!r}, length "
            f"{int(store.lengths[first])}). Pass the touch_frame() of the same store as its "
            "to_frame()."
        )
