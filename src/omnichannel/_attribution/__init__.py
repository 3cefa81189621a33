"""Multi-touch attribution: rule-based, exact Markov and Shapley models with intervals."""

from ._attribute import attribute, compare_models
from ._models import (
    FirstTouch,
    LastNonDirect,
    LastTouch,
    Linear,
    Markov,
    PositionBased,
    Shapley,
    TimeDecay,
)
from ._result import Attribution

__all__ = [
    "Attribution",
    "FirstTouch",
    "LastNonDirect",
    "LastTouch",
    "Linear",
    "Markov",
    "PositionBased",
    "Shapley",
    "TimeDecay",
    "attribute",
    "compare_models",
]
