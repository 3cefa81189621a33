"""Holdout validation of the repeat-purchase models."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import InvalidParameterError, SchemaError
from .._plotting import new_axes
from .._validation import check_int
from ._base import numeric_column
from ._transactions import TransactionModel, check_rfm

__all__ = ["holdout_comparison", "plot_holdout"]


def holdout_comparison(
    model: TransactionModel, summary: pd.DataFrame, *, max_frequency: int = 7
) -> pd.DataFrame:
    """Predicted vs actual purchases in the holdout period, by calibration frequency.

    The check of Fader, Hardie and Lee (2005, figure 4): customers are grouped by their number of
    repeat purchases in the calibration period, and the mean number of purchases they made in the
    holdout period is set beside the mean the model predicts from their calibration history.

    Parameters
    ----------
    model : BetaGeo, ModifiedBetaGeo or ParetoNBD
        A model fitted on the calibration columns of ``summary``.
    summary : pandas.DataFrame
        A summary made by :func:`summarize_customers` with ``calibration_end``: it needs
        ``frequency``, ``recency``, ``T``, ``frequency_holdout`` and ``duration_holdout``.
    max_frequency : int, default 7
        Calibration frequencies at or above this value share the last bucket (``"7+"``).

    Returns
    -------
    pandas.DataFrame
        One row per bucket (index ``frequency``: ``"0"``, ``"1"``, ..., ``"7+"``) with
        ``customers``, ``actual`` and ``predicted`` (mean holdout purchases per customer), and
        ``actual_total`` / ``predicted_total`` (their sums). The column sums of the totals
        compare the whole holdout period.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> summary = pd.DataFrame(
    ...     {
    ...         "frequency": [0, 1, 4, 0, 2, 7, 1, 0, 3, 0, 5, 2],
    ...         "recency": [0.0, 10.0, 30.0, 0.0, 8.0, 35.0, 2.0, 0.0, 20.0, 0.0, 12.0, 25.0],
    ...         "T": [38.0, 38.0, 38.0, 35.0, 36.0, 36.0, 33.0, 33.0, 32.0, 31.0, 30.0, 30.0],
    ...         "frequency_holdout": [0, 1, 3, 1, 0, 6, 0, 0, 2, 0, 1, 2],
    ...         "duration_holdout": 39.0,
    ...     }
    ... )
    >>> model = oc.BetaGeo().fit(summary)
    >>> table = oc.holdout_comparison(model, summary, max_frequency=3)
    >>> table[["customers", "actual"]]
               customers  actual
    frequency
    0                  4    0.25
    1                  2    0.50
    2                  2    1.00
    3+                 4    3.00
    """
    func = "holdout_comparison"
    if not isinstance(model, TransactionModel):
        raise InvalidParameterError(
            f"The 'model' parameter of {func} must be a fitted BetaGeo, ModifiedBetaGeo or "
            f"ParetoNBD. Got {type(model).__name__} instead."
        )
    top = check_int(max_frequency, "max_frequency", func=func, low=1)
    assert top is not None
    frame, x, _, _ = check_rfm(summary, func)
    actual = numeric_column(frame, "frequency_holdout", func, integer=True)
    duration = numeric_column(frame, "duration_holdout", func)
    predicted = np.empty(len(frame))
    for length in np.unique(duration):
        rows = duration == length
        part = frame.iloc[np.flatnonzero(rows)]
        predicted[rows] = model.expected_purchases(float(length), part).to_numpy()
    bucket = np.minimum(x, top).astype(np.int64)
    counts = np.bincount(bucket, minlength=top + 1)
    act = np.bincount(bucket, weights=actual, minlength=top + 1)
    pred = np.bincount(bucket, weights=predicted, minlength=top + 1)
    keep = counts > 0
    names = [str(i) for i in range(top)] + [f"{top}+"]
    with np.errstate(invalid="ignore", divide="ignore"):
        table = pd.DataFrame(
            {
                "customers": counts,
                "actual": act / counts,
                "predicted": pred / counts,
                "actual_total": act,
                "predicted_total": pred,
            },
            index=pd.Index(names, name="frequency"),
        )
    return table.loc[keep]


def plot_holdout(comparison: pd.DataFrame, *, ax: Any = None) -> Any:
    """Plot actual and predicted mean holdout purchases by calibration frequency.

    Parameters
    ----------
    comparison : pandas.DataFrame
        The result of :func:`holdout_comparison`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> table = pd.DataFrame(
    ...     {"actual": [0.2, 0.6, 1.1], "predicted": [0.25, 0.55, 1.0]},
    ...     index=pd.Index(["0", "1", "2+"], name="frequency"),
    ... )
    >>> ax = oc.plot_holdout(table)
    >>> [label.get_text() for label in ax.get_xticklabels()]
    ['0', '1', '2+']
    """
    needed = ["actual", "predicted"]
    if not isinstance(comparison, pd.DataFrame) or any(c not in comparison.columns for c in needed):
        raise SchemaError(
            "plot_holdout needs the frame returned by holdout_comparison, with columns "
            f"{needed}; got {type(comparison).__name__}."
        )
    axes = new_axes(ax)
    positions = np.arange(len(comparison))
    axes.plot(positions, comparison["actual"].to_numpy(), marker="o", label="actual")
    axes.plot(
        positions, comparison["predicted"].to_numpy(), marker="s", linestyle="--", label="model"
    )
    axes.set_xticks(positions)
    axes.set_xticklabels([str(v) for v in comparison.index])
    axes.set_xlabel("purchases in the calibration period")
    axes.set_ylabel("mean purchases in the holdout period")
    axes.set_title("Conditional expectations: holdout period")
    axes.legend()
    return axes
