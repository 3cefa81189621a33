"""Customer analytics: transaction summaries, RFM segments and lifetime-value models.

:func:`summarize_customers` turns the orders frame into one row per customer; :class:`BetaGeo`,
:class:`ModifiedBetaGeo` and :class:`ParetoNBD` model the number of purchases and
:class:`GammaGamma` their value; :func:`clv_by_segment` compares channels or segments.
"""

from __future__ import annotations

from ._bgnbd import BetaGeo, ModifiedBetaGeo
from ._gamma_gamma import GammaGamma
from ._pareto import ParetoNBD
from ._rfm import rfm_segments
from ._segments import clv_by_segment, fit_by_segment
from ._summary import summarize_customers
from ._validation import holdout_comparison, plot_holdout

__all__ = [
    "BetaGeo",
    "GammaGamma",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "clv_by_segment",
    "fit_by_segment",
    "holdout_comparison",
    "plot_holdout",
    "rfm_segments",
    "summarize_customers",
]
