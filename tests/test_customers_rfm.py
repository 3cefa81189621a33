"""rfm_segments: scores, documented segment rules, custom labels and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omnichannel as oc


@pytest.fixture
def summary() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 500
    x = rng.poisson(2.0, n)
    T = rng.uniform(10, 52, n)
    recency = np.where(x > 0, rng.uniform(0, 1, n) * T, 0.0)
    return pd.DataFrame(
        {
            "frequency": x,
            "recency": recency,
            "T": T,
            "monetary_value": np.where(x > 0, rng.gamma(4, 10, n), 0.0),
            "total_value": rng.gamma(4, 10, n) * (x + 1),
        },
        index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"),
    )


def test_scores_and_segments(summary: pd.DataFrame) -> None:
    rfm = oc.rfm_segments(summary)
    assert list(rfm.columns) == ["r_score", "f_score", "m_score", "rfm_score", "segment"]
    assert rfm.index.equals(summary.index)
    for col in ("r_score", "f_score", "m_score"):
        assert rfm[col].between(1, 5).all()
    # Shorter time since the last purchase gives a higher R score.
    since = summary["T"] - summary["recency"]
    assert since[rfm["r_score"] == 5].max() <= since[rfm["r_score"] == 1].min()
    # All one-time buyers tie at the lowest F score.
    assert (rfm.loc[summary["frequency"] == 0, "f_score"] == 1).all()
    assert (
        rfm["rfm_score"]
        == rfm["r_score"].astype(str) + rfm["f_score"].astype(str) + rfm["m_score"].astype(str)
    ).all()
    champions = rfm["segment"] == "champions"
    assert champions.any()
    assert (rfm.loc[champions, "r_score"] == 5).all()
    assert (rfm.loc[champions, "f_score"] >= 4).all()
    hibernating = rfm["segment"] == "hibernating"
    assert (rfm.loc[hibernating, ["r_score", "f_score"]] <= 2).all().all()
    assert "other" not in rfm["segment"].cat.categories  # the default rules cover every cell


def test_monetary_falls_back_to_mean_repeat_value(summary: pd.DataFrame) -> None:
    rfm = oc.rfm_segments(summary.drop(columns="total_value"))
    money = summary["monetary_value"]
    assert money[rfm["m_score"] == 5].min() >= money[rfm["m_score"] == 1].max()


def test_bins_and_custom_labels(summary: pd.DataFrame) -> None:
    rfm = oc.rfm_segments(summary, bins=3, labels={"best": ((4, 5), (4, 5))})
    assert rfm["r_score"].between(1, 3).all()
    assert set(rfm["segment"].cat.categories) == {"best", "other"}
    best = rfm["segment"] == "best"
    assert (rfm.loc[best, "r_score"] == 3).all()
    assert (rfm.loc[best, "f_score"] == 3).all()
    with pytest.raises(oc.InvalidParameterError, match="labels"):
        oc.rfm_segments(summary, labels={"bad": ((0, 9), (1, 2))})
    with pytest.raises(oc.InvalidParameterError, match="labels"):
        oc.rfm_segments(summary, labels={})
    with pytest.raises(oc.InvalidParameterError, match="bins"):
        oc.rfm_segments(summary, bins=1)
    with pytest.raises(oc.SchemaError, match="missing column"):
        oc.rfm_segments(summary.drop(columns="T"))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_rfm_does_not_depend_on_row_order(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 50
    x = rng.poisson(1.0, n)
    T = rng.integers(1, 20, n).astype(float)
    frame = pd.DataFrame(
        {
            "frequency": x,
            "recency": np.where(x > 0, np.floor(rng.uniform(0, 1, n) * T), 0.0),
            "T": T,
            "monetary_value": np.where(x > 0, rng.integers(1, 5, n) * 10.0, 0.0),
        }
    )
    a = oc.rfm_segments(frame)
    perm = rng.permutation(n)
    b = oc.rfm_segments(frame.iloc[perm]).loc[frame.index]
    pd.testing.assert_frame_equal(a, b)
