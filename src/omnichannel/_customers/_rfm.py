"""RFM scores and named customer segments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError
from .._validation import check_int, short_repr
from ._base import customer_frame, numeric_column

__all__ = ["rfm_segments"]

Ranges = tuple[tuple[int, int], tuple[int, int]]

#: Default segments on the five-level R x F grid: name -> ((R low, R high), (F low, F high)).
#: The rules cover all 25 cells; the first matching rule wins.
_SEGMENTS: dict[str, Ranges] = {
    "champions": ((5, 5), (4, 5)),
    "loyal_customers": ((3, 4), (4, 5)),
    "potential_loyalists": ((4, 5), (2, 3)),
    "new_customers": ((5, 5), (1, 1)),
    "promising": ((4, 4), (1, 1)),
    "need_attention": ((3, 3), (3, 3)),
    "about_to_sleep": ((3, 3), (1, 2)),
    "cannot_lose_them": ((1, 2), (5, 5)),
    "at_risk": ((1, 2), (3, 4)),
    "hibernating": ((1, 2), (1, 2)),
}


def _score(values: npt.NDArray[np.float64], bins: int, *, higher_is_better: bool) -> Any:
    """``1 + floor(bins * share of customers strictly worse)``; ties share a score."""
    ordered = values if higher_is_better else -values
    sorted_values = np.sort(ordered)
    worse = np.searchsorted(sorted_values, ordered, side="left")
    return np.minimum(1 + (bins * worse) // values.size, bins).astype(np.int64)


def _check_labels(labels: object) -> dict[str, Ranges]:
    if labels is None:
        return dict(_SEGMENTS)
    problem = "must be a mapping of segment name to ((R low, R high), (F low, F high))"
    if not isinstance(labels, Mapping) or not labels:
        raise InvalidParameterError(
            f"The 'labels' parameter of rfm_segments {problem} with levels 1-5. "
            f"Got {short_repr(labels)} instead."
        )
    rules: dict[str, Ranges] = {}
    for name, spec in labels.items():
        try:
            (r_lo, r_hi), (f_lo, f_hi) = spec
            bounds = [int(r_lo), int(r_hi), int(f_lo), int(f_hi)]
            ok = all(1 <= v <= 5 for v in bounds) and r_lo <= r_hi and f_lo <= f_hi
        except (TypeError, ValueError):
            ok = False
        if not isinstance(name, str) or not ok:
            raise InvalidParameterError(
                f"The 'labels' parameter of rfm_segments {problem} with levels 1-5 and low <= "
                f"high. Entry {short_repr(name)}: {short_repr(spec)} breaks it."
            )
        rules[name] = ((bounds[0], bounds[1]), (bounds[2], bounds[3]))
    return rules


def rfm_segments(
    summary: pd.DataFrame,
    *,
    bins: int = 5,
    labels: Mapping[str, Ranges] | None = None,
) -> pd.DataFrame:
    """Score customers on recency, frequency and monetary value and name their segment.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer with ``frequency``, ``recency`` and ``T`` (as made by
        :func:`summarize_customers`) and ``monetary_value``; ``total_value`` is used when present.
        It is not modified.
    bins : int, default 5
        Number of score levels (2 to 10).
    labels : mapping, optional
        Segment rules ``{name: ((R low, R high), (F low, F high))}`` on the five-level R and F
        grid, tried in order; the first match names the segment and customers matching none are
        ``"other"``. The default rules are in the table below.

    Returns
    -------
    pandas.DataFrame
        A new frame indexed like ``summary`` with ``r_score``, ``f_score``, ``m_score`` (1 to
        ``bins``, higher is better), ``rfm_score`` (e.g. ``"545"``) and ``segment``
        (categorical, categories in rule order).

    Notes
    -----
    The measures are: R, the time since the last purchase, ``T - recency`` (shorter is better);
    F, the number of transactions, ``frequency + 1``; M, the mean value per transaction,
    ``total_value / (frequency + 1)`` when ``total_value`` is present, else ``monetary_value``.
    Each score is ``1 + floor(bins * s)`` where ``s`` is the share of customers strictly worse on
    that measure, so tied customers share a score, every score is reproducible and the result
    does not depend on row order. Segments read R and F rescaled to five levels,
    ``1 + floor(5 * (score - 1) / bins)``:

    ===================  =====  =====
    segment              R      F
    ===================  =====  =====
    champions            5      4-5
    loyal_customers      3-4    4-5
    potential_loyalists  4-5    2-3
    new_customers        5      1
    promising            4      1
    need_attention       3      3
    about_to_sleep       3      1-2
    cannot_lose_them     1-2    5
    at_risk              1-2    3-4
    hibernating          1-2    1-2
    ===================  =====  =====

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> summary = pd.DataFrame(
    ...     {
    ...         "frequency": [0, 6, 3, 0, 9],
    ...         "recency": [0.0, 50.0, 10.0, 0.0, 30.0],
    ...         "T": [52.0, 52.0, 52.0, 2.0, 60.0],
    ...         "monetary_value": [0.0, 20.0, 35.0, 0.0, 15.0],
    ...     },
    ...     index=pd.Index(["a", "b", "c", "d", "e"], name="customer_id"),
    ... )
    >>> oc.rfm_segments(summary)
                 r_score  f_score  m_score rfm_score          segment
    customer_id
    a                  1        1        1       111      hibernating
    b                  4        4        4       444  loyal_customers
    c                  2        3        5       235          at_risk
    d                  4        1        1       411        promising
    e                  3        5        3       353  loyal_customers
    """
    func = "rfm_segments"
    frame = customer_frame(summary, func)
    levels = check_int(bins, "bins", func=func, low=2, high=10)
    assert levels is not None
    rules = _check_labels(labels)
    x = numeric_column(frame, "frequency", func, integer=True)
    tx = numeric_column(frame, "recency", func)
    T = numeric_column(frame, "T", func)
    if "total_value" in frame.columns:
        money = numeric_column(frame, "total_value", func) / (x + 1.0)
    else:
        money = numeric_column(frame, "monetary_value", func)
    r_score = _score(np.maximum(T - tx, 0.0), levels, higher_is_better=False)
    f_score = _score(x + 1.0, levels, higher_is_better=True)
    m_score = _score(money, levels, higher_is_better=True)
    r5 = 1 + (5 * (r_score - 1)) // levels
    f5 = 1 + (5 * (f_score - 1)) // levels
    names = list(rules)
    segment_code = np.full(len(frame), len(names), dtype=np.int64)
    for code in range(len(names) - 1, -1, -1):
        (r_lo, r_hi), (f_lo, f_hi) = rules[names[code]]
        match = (r5 >= r_lo) & (r5 <= r_hi) & (f5 >= f_lo) & (f5 <= f_hi)
        segment_code[match] = code
    categories = [*names, "other"] if (segment_code == len(names)).any() else names
    rfm_score = (
        pd.Series(r_score).astype(str)
        + pd.Series(f_score).astype(str)
        + pd.Series(m_score).astype(str)
    )
    return pd.DataFrame(
        {
            "r_score": r_score,
            "f_score": f_score,
            "m_score": m_score,
            "rfm_score": rfm_score.to_numpy(),
            "segment": pd.Categorical.from_codes(segment_code, categories=pd.Index(categories)),
        },
        index=frame.index.copy(),
    )
