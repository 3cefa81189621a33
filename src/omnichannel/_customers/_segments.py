"""Per-channel and per-segment fits of the customer-base models."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from .._exceptions import InvalidParameterError, SchemaError
from .._validation import check_int, check_real, short_repr
from ._base import CustomerModel, customer_frame
from ._bgnbd import BetaGeo
from ._gamma_gamma import GammaGamma
from ._transactions import TransactionModel

__all__ = ["clv_by_segment", "fit_by_segment"]

_M = TypeVar("_M", bound=CustomerModel)


def _segments(frame: pd.DataFrame, by: object, func: str) -> pd.Series[Any]:
    """Return the segment label of each row: a column, an index level or an aligned Series."""
    if isinstance(by, pd.Series):
        if not by.index.equals(frame.index):
            raise SchemaError(
                f"The 'by' Series passed to {func} must have the same index as the summary; "
                "align it first with by.reindex(summary.index)."
            )
        labels = by
    elif isinstance(by, str) and by in frame.columns:
        labels = frame[by]
    elif isinstance(by, str) and by in (frame.index.names or []):
        labels = pd.Series(frame.index.get_level_values(by), index=frame.index)
    else:
        raise InvalidParameterError(
            f"The 'by' parameter of {func} must name a column or index level of the summary "
            f"(e.g. 'first_channel') or be a Series aligned with it. Got {short_repr(by)} instead."
        )
    if labels.isna().any():
        pos = np.flatnonzero(labels.isna().to_numpy())
        raise SchemaError(
            f"The segment labels passed to {func} have {pos.size} missing value(s); first at "
            f"index {frame.index[int(pos[0])]!r}. Fill them first."
        )
    return labels


def _groups(frame: pd.DataFrame, labels: pd.Series[Any]) -> dict[Hashable, pd.DataFrame]:
    codes, uniques = pd.factorize(labels, sort=True)
    return {uniques[k]: frame.iloc[np.flatnonzero(codes == k)] for k in range(len(uniques))}


def fit_by_segment(
    model: _M, summary: pd.DataFrame, by: str | pd.Series[Any]
) -> dict[Hashable, _M]:
    """Fit a fresh copy of ``model`` on each segment of customers.

    Parameters
    ----------
    model : BetaGeo, ModifiedBetaGeo, ParetoNBD or GammaGamma
        A template; it is not fitted or modified. Each segment gets a copy with the same
        parameters.
    summary : pandas.DataFrame
        Customer summary from :func:`summarize_customers`.
    by : str or pandas.Series
        Segment of each customer: a column (``"first_channel"`` for the acquisition channel), an
        index level (``"channel"`` for a ``by_channel=True`` summary) or a Series aligned with the
        summary.

    Returns
    -------
    dict
        Segment label -> fitted model, in sorted label order.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> summary = pd.DataFrame(
    ...     {
    ...         "frequency": [0, 1, 4, 0, 2, 7, 1, 0, 3, 0, 5, 2],
    ...         "recency": [0.0, 10.0, 30.0, 0.0, 8.0, 35.0, 2.0, 0.0, 20.0, 0.0, 12.0, 25.0],
    ...         "T": [38.0, 38.0, 38.0, 35.0, 36.0, 36.0, 33.0, 33.0, 32.0, 31.0, 30.0, 30.0],
    ...         "first_channel": ["web", "store"] * 6,
    ...     }
    ... )
    >>> fits = oc.fit_by_segment(oc.BetaGeo(penalizer=0.1), summary, "first_channel")
    >>> sorted(fits), fits["web"].n_customers_
    (['store', 'web'], 6)
    """
    func = "fit_by_segment"
    if not isinstance(model, CustomerModel):
        raise InvalidParameterError(
            f"The 'model' parameter of {func} must be a BetaGeo, ModifiedBetaGeo, ParetoNBD or "
            f"GammaGamma. Got {type(model).__name__} instead."
        )
    frame = customer_frame(summary, func)
    labels = _segments(frame, by, func)
    fitted: dict[Hashable, _M] = {}
    for label, part in _groups(frame, labels).items():
        try:
            fitted[label] = model._clone().fit(part)
        except SchemaError as err:
            raise SchemaError(f"Segment {label!r}: {err}") from err
    return fitted


def clv_by_segment(
    summary: pd.DataFrame,
    by: str | pd.Series[Any] = "first_channel",
    *,
    horizon: int = 52,
    discount_rate: float = 0.0,
    margin: float = 1.0,
    transaction_model: TransactionModel | None = None,
    spend_model: GammaGamma | None = None,
    min_customers: int = 100,
) -> pd.DataFrame:
    """Fit purchase and spend models per segment and compare their customer lifetime value.

    Answers questions such as "what is a customer acquired online worth compared with one
    acquired in store?": each segment gets its own purchase model (BG/NBD by default) and spend
    model (Gamma-Gamma), and the table reports their parameters and the mean CLV.

    Parameters
    ----------
    summary : pandas.DataFrame
        Customer summary from :func:`summarize_customers` (needs ``frequency``, ``recency``,
        ``T`` and ``monetary_value``).
    by : str or pandas.Series, default "first_channel"
        Segment of each customer (see :func:`fit_by_segment`).
    horizon : int, default 52
        CLV horizon in the summary's time unit.
    discount_rate : float, default 0.0
        Discount rate per time unit.
    margin : float, default 1.0
        Share of value kept as profit, in [0, 1].
    transaction_model : BetaGeo, ModifiedBetaGeo or ParetoNBD, optional
        Template of the purchase model; ``BetaGeo()`` by default.
    spend_model : GammaGamma, optional
        Template of the spend model; ``GammaGamma()`` by default.
    min_customers : int, default 100
        Segments with fewer customers, or with fewer than 2 repeat customers, are not fitted:
        their row keeps the counts and has missing estimates.

    Returns
    -------
    pandas.DataFrame
        One row per segment (sorted) with ``customers``, ``repeat_share`` (share with a repeat
        purchase), ``mean_frequency``, the purchase model's parameters, ``log_likelihood``,
        ``p_alive``, ``expected_purchases`` (over the horizon), ``expected_value`` (per
        purchase), ``clv`` (mean per customer) and ``total_clv``; averages are per customer.

    Examples
    --------
    CLV over a year (weeks) by acquisition channel of the simulated retailer's customers:

    >>> import omnichannel as oc
    >>> orders = oc.simulate_retailer(n_customers=5000, seed=0).orders
    >>> summary = oc.summarize_customers(orders, observation_end="2024-12-31", time_unit="W")
    >>> table = oc.clv_by_segment(summary, "first_channel", horizon=52, margin=0.3)
    >>> table[["customers", "repeat_share", "r", "alpha", "p_alive", "clv"]].round(2)
                   customers  repeat_share     r  alpha  p_alive    clv
    first_channel
    app                  212          0.59  0.53   4.22     0.74  43.87
    store                491          0.55  0.51   4.72     0.74  36.66
    web                  286          0.55  0.43   3.82     0.75  25.91
    """
    func = "clv_by_segment"
    steps = check_int(horizon, "horizon", func=func, low=1)
    rate = check_real(discount_rate, "discount_rate", func=func, low=0.0)
    keep = check_real(margin, "margin", func=func, low=0.0, high=1.0)
    smallest = check_int(min_customers, "min_customers", func=func, low=1)
    assert steps is not None
    assert smallest is not None
    purchase = BetaGeo() if transaction_model is None else transaction_model
    spend = GammaGamma() if spend_model is None else spend_model
    if not isinstance(purchase, TransactionModel):
        raise InvalidParameterError(
            f"The 'transaction_model' parameter of {func} must be a BetaGeo, ModifiedBetaGeo or "
            f"ParetoNBD. Got {type(purchase).__name__} instead."
        )
    if not isinstance(spend, GammaGamma):
        raise InvalidParameterError(
            f"The 'spend_model' parameter of {func} must be a GammaGamma. "
            f"Got {type(spend).__name__} instead."
        )
    frame = customer_frame(summary, func)
    labels = _segments(frame, by, func)
    params = list(purchase._param_names)
    rows: list[dict[str, float]] = []
    names: list[Hashable] = []
    for label, part in _groups(frame, labels).items():
        x = part["frequency"].to_numpy(dtype=np.float64) if "frequency" in part else np.zeros(0)
        row: dict[str, float] = {
            "customers": float(len(part)),
            "repeat_share": float(np.mean(x > 0)) if x.size else np.nan,
            "mean_frequency": float(np.mean(x)) if x.size else np.nan,
        }
        row.update(dict.fromkeys([*params, "log_likelihood", "p_alive"], np.nan))
        row.update(dict.fromkeys(["expected_purchases", "expected_value", "clv"], np.nan))
        row["total_clv"] = np.nan
        if len(part) >= smallest and int((x > 0).sum()) >= 2:
            try:
                tm = purchase._clone().fit(part)
                sm = spend._clone().fit(part)
                value = sm.expected_value()
                clv = tm.clv(steps, rate, keep, value=value)
            except SchemaError as err:
                raise SchemaError(f"Segment {label!r}: {err}") from err
            row.update({p: float(tm.params_[p]) for p in params})
            row["log_likelihood"] = tm.log_likelihood_
            row["p_alive"] = float(tm.probability_alive().mean())
            row["expected_purchases"] = float(tm.expected_purchases(float(steps)).mean())
            row["expected_value"] = float(value.mean())
            row["clv"] = float(clv.mean())
            row["total_clv"] = float(clv.sum())
        rows.append(row)
        names.append(label)
    index_name = by if isinstance(by, str) else (by.name if by.name is not None else "segment")
    table = pd.DataFrame(rows, index=pd.Index(names, name=index_name))
    table["customers"] = table["customers"].astype(np.int64)
    return table
