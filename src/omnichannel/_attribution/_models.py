"""Attribution model options: small frozen objects validated on construction."""

from __future__ import annotations

from typing import Any, Literal, get_args

import attrs
import pandas as pd

from .._exceptions import InvalidParameterError
from .._validation import check_int, check_real, check_timedelta, short_repr

__all__ = [
    "SHAPLEY_METHODS",
    "SHAPLEY_VALUES",
    "AttributionModel",
    "FirstTouch",
    "LastNonDirect",
    "LastTouch",
    "Linear",
    "Markov",
    "PositionBased",
    "Shapley",
    "ShapleyMethod",
    "ShapleyValue",
    "TimeDecay",
]


def _fraction(name: str, cls: str) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        check_real(value, name, func=cls, low=0.0, high=1.0)

    return check


@attrs.frozen
class FirstTouch:
    """All credit to the first touch of each journey.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> paths = pd.DataFrame({"path": ["a > b", "b"], "total_conversions": [2, 1]})
    >>> oc.attribute(oc.Journeys.from_paths(paths), oc.FirstTouch()).to_frame()
      channel  conversions  value     share
    0       a          2.0    0.0  0.666667
    1       b          1.0    0.0  0.333333
    """

    @property
    def name(self) -> str:
        """Short label used in tables."""
        return "first_touch"


@attrs.frozen
class LastTouch:
    """All credit to the last touch of each journey.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> paths = pd.DataFrame({"path": ["a > b", "b"], "total_conversions": [2, 1]})
    >>> oc.attribute(oc.Journeys.from_paths(paths), oc.LastTouch()).conversions.tolist()
    [0.0, 3.0]
    """

    @property
    def name(self) -> str:
        """Short label used in tables."""
        return "last_touch"


def _channel_names(value: object) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset([value])
    if isinstance(value, frozenset | set | list | tuple):
        return frozenset(value)
    return value  # type: ignore[return-value]


def _check_names(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if (
        not isinstance(value, frozenset)
        or not value
        or not all(isinstance(v, str) and v for v in value)
    ):
        raise InvalidParameterError(
            f"The 'direct' parameter of LastNonDirect must be a channel name or a non-empty "
            f"collection of names. Got {short_repr(value)} instead."
        )


@attrs.frozen
class LastNonDirect:
    """All credit to the last touch that is not a 'direct' channel.

    A journey made only of direct touches credits its last (direct) touch, as web analytics tools
    do.

    Parameters
    ----------
    direct : str or collection of str, default "direct"
        The channel(s) to skip. Each must occur in the journeys attributed.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> paths = pd.DataFrame({"path": ["email > direct", "direct"], "total_conversions": [2, 1]})
    >>> model = oc.LastNonDirect(direct="direct")
    >>> oc.attribute(oc.Journeys.from_paths(paths), model).conversions.tolist()
    [1.0, 2.0]
    """

    direct: frozenset[str] = attrs.field(
        default=frozenset({"direct"}), converter=_channel_names, validator=_check_names
    )

    @property
    def name(self) -> str:
        """Short label used in tables."""
        return "last_non_direct"


@attrs.frozen
class Linear:
    """Credit shared equally among the touches of each journey.

    A channel touched twice in a journey gets two shares.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> paths = pd.DataFrame({"path": ["a > b > a"], "total_conversions": [3]})
    >>> oc.attribute(oc.Journeys.from_paths(paths), oc.Linear()).conversions.tolist()
    [2.0, 1.0]
    """

    @property
    def name(self) -> str:
        """Short label used in tables."""
        return "linear"


@attrs.frozen
class PositionBased:
    """U-shaped credit: a share to the first touch, a share to the last, the rest spread between.

    A one-touch journey gives it all credit; a two-touch journey splits it between first and last
    in the ratio ``first : last``.

    Parameters
    ----------
    first, last : float, default 0.4
        Shares of the first and the last touch, each in [0, 1], summing to at most 1.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> paths = pd.DataFrame({"path": ["a > b > c > d"], "total_conversions": [10]})
    >>> oc.attribute(oc.Journeys.from_paths(paths), oc.PositionBased()).conversions.tolist()
    [4.0, 1.0, 1.0, 4.0]
    """

    first: float = attrs.field(default=0.4, validator=_fraction("first", "PositionBased"))
    last: float = attrs.field(default=0.4, validator=_fraction("last", "PositionBased"))

    def __attrs_post_init__(self) -> None:
        if self.first + self.last > 1.0 + 1e-12 or self.first + self.last <= 0.0:
            raise InvalidParameterError(
                "PositionBased needs 0 < first + last <= 1; got "
                f"first={self.first!r}, last={self.last!r}."
            )

    @property
    def name(self) -> str:
        """Short label used in tables."""
        return "position_based"


def _half_life(value: object) -> pd.Timedelta:
    delta = check_timedelta(value, "half_life", func="TimeDecay", allow_none=False)
    assert delta is not None
    return delta


@attrs.frozen
class TimeDecay:
    """Credit decaying with the time between a touch and the end of its journey.

    A touch ``half_life`` before the conversion gets half the weight of one at the conversion;
    weights are normalised within each journey. Needs touch times (journeys built with
    :func:`build_journeys`).

    Parameters
    ----------
    half_life : pandas.Timedelta, default 7 days
        Time over which the weight halves.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> tp = pd.DataFrame(
    ...     {"customer_id": ["c", "c"], "channel": ["a", "b"],
    ...      "timestamp": pd.to_datetime(["2024-01-01", "2024-01-08"])}
    ... )
    >>> cv = pd.DataFrame({"customer_id": ["c"], "timestamp": [pd.Timestamp("2024-01-08")],
    ...                    "value": [30.0]})
    >>> result = oc.attribute(oc.build_journeys(tp, cv), oc.TimeDecay(pd.Timedelta(days=7)))
    >>> [round(float(x), 4) for x in result.conversions]
    [0.3333, 0.6667]
    """

    half_life: pd.Timedelta = attrs.field(default=pd.Timedelta(days=7), converter=_half_life)

    @property
    def name(self) -> str:
        """Short label used in tables."""
        return "time_decay"


@attrs.frozen
class Markov:
    """Markov-chain removal effects, computed exactly from the absorbing chain.

    States are the channels (for ``order`` > 1, the last ``order`` channels of the path so far),
    plus start, conversion and null. A channel's removal effect is the relative drop in the
    probability of reaching conversion from start when every state containing the channel leads
    to null instead. Credits share the total conversions (and value) in proportion to the removal
    effects. Null journeys enter the chain when present. No simulation is involved: the result is
    deterministic.

    Parameters
    ----------
    order : int, default 1
        Order of the chain, 1 to 4.
    collapse_repeats : bool, default True
        Merge consecutive touches of the same channel before counting transitions. For order 1
        this changes nothing (self-loops do not change absorption probabilities); for higher
        orders it does. ``False`` reproduces the chain of the ChannelAttribution package.
    value_weighting : bool, default False
        Share the conversion value by value-weighted removal effects (each conversion carries the
        mean value of the conversions that left the same state, and a channel's effect is the
        relative drop in expected value reaching conversion), as ChannelAttribution does.
        ``False`` shares value like conversions, by the conversion removal effects.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> paths = pd.DataFrame(
    ...     {"path": ["a > b", "a", "b"], "total_conversions": [1, 1, 0], "total_null": [1, 1, 2]}
    ... )
    >>> result = oc.attribute(oc.Journeys.from_paths(paths), oc.Markov())
    >>> result.removal_effects().round(4)
      channel  removal_effect
    0       a            0.75
    1       b            0.50
    """

    order: int = attrs.field(default=1)
    collapse_repeats: bool = attrs.field(default=True)
    value_weighting: bool = attrs.field(default=False)

    @order.validator
    def _check_order(self, attribute: attrs.Attribute[Any], value: object) -> None:
        check_int(value, "order", func="Markov", low=1, high=4)

    @collapse_repeats.validator
    @value_weighting.validator
    def _check_flag(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, bool):
            raise InvalidParameterError(
                f"The {attribute.name!r} parameter of Markov must be True or False. Got "
                f"{short_repr(value)} instead."
            )

    @property
    def name(self) -> str:
        """Short label used in tables."""
        return f"markov_{self.order}"


ShapleyMethod = Literal["exact", "simplified", "ordered", "sampled"]
#: Ways to compute Shapley credit; see :class:`Shapley`.
SHAPLEY_METHODS: tuple[ShapleyMethod, ...] = get_args(ShapleyMethod)
ShapleyValue = Literal["auto", "conversions", "rate"]
#: Characteristic functions of the Shapley game; see :class:`Shapley`.
SHAPLEY_VALUES: tuple[ShapleyValue, ...] = get_args(ShapleyValue)


@attrs.frozen
class Shapley:
    """Shapley-value attribution over the channel sets of the journeys.

    Each journey counts as its set of distinct channels. Two games are available:

    - ``value="conversions"``: one game over all channels whose worth ``v(S)`` is the conversions
      of the journeys whose channels all lie in ``S``. Its Shapley value splits each journey's
      conversions equally among its distinct channels (Zhao et al., 2018).
    - ``value="rate"``: for every journey, a game over the journey's own channels whose worth
      ``v(S)`` is the observed conversion rate of journeys with exactly the channels ``S`` (0 for
      sets never observed, and for the empty set, since journeys without touches carry no
      channel); the journeys' Shapley values are summed. This estimates each channel's
      incremental effect when conversion depends on the set of channels seen. The empty set's
      worth is 0, so the baseline conversion rate is shared among the channels too. Needs null
      journeys.
    - ``value="auto"`` (default): ``rate`` when the journeys include null journeys, else
      ``conversions``.

    Credits share the total conversions in proportion to the Shapley values; value credits come
    from the same games played on value (value per journey for ``rate``).

    Parameters
    ----------
    method : {"exact", "simplified", "ordered", "sampled"}, default "exact"
        ``exact`` enumerates all coalitions (up to ``max_exact`` channels). ``simplified`` is the
        closed form of Zhao et al. (2018) for the conversions game: each journey's conversions
        split equally among its distinct channels, which equals the exact value of that game.
        ``ordered`` is its position-aware form: credit also reported by the position of the
        channel's first touch (see :meth:`Attribution.by_position`). ``sampled`` averages marginal
        contributions over ``n_samples`` random channel orders drawn with ``seed``.
    value : {"auto", "conversions", "rate"}, default "auto"
        The characteristic function (``simplified`` and ``ordered`` need ``conversions``).
    max_channels : int, optional
        Keep only the most recent ``max_channels`` distinct channels of each journey.
    max_exact : int, default 20
        Largest number of channels for ``exact`` (2**max_exact coalitions).
    n_samples : int, default 2000
        Permutations for ``sampled``.
    seed : int, default 0
        Seed for ``sampled``.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> paths = pd.DataFrame({"path": ["a > b", "a"], "total_conversions": [2, 1]})
    >>> oc.attribute(oc.Journeys.from_paths(paths), oc.Shapley()).conversions.tolist()
    [2.0, 1.0]
    """

    method: ShapleyMethod = attrs.field(default="exact")
    value: ShapleyValue = attrs.field(default="auto")
    max_channels: int | None = attrs.field(default=None)
    max_exact: int = attrs.field(default=20)
    n_samples: int = attrs.field(default=2000)
    seed: int = attrs.field(default=0)

    def __attrs_post_init__(self) -> None:
        from .._validation import check_choice

        check_choice(self.method, "method", SHAPLEY_METHODS, func="Shapley")
        check_choice(self.value, "value", SHAPLEY_VALUES, func="Shapley")
        check_int(self.max_channels, "max_channels", func="Shapley", low=1, allow_none=True)
        check_int(self.max_exact, "max_exact", func="Shapley", low=1, high=26)
        check_int(self.n_samples, "n_samples", func="Shapley", low=1)
        check_int(self.seed, "seed", func="Shapley", low=0)
        if self.method in ("simplified", "ordered") and self.value == "rate":
            raise InvalidParameterError(
                f"Shapley(method={self.method!r}) is the closed form of the conversions game; "
                "use value='conversions' or 'auto', or method='exact' for the rate game."
            )

    @property
    def name(self) -> str:
        """Short label used in tables, naming the game unless it is chosen automatically."""
        game = "" if self.value == "auto" else f"_{self.value}"
        return f"shapley_{self.method}{game}"


AttributionModel = (
    FirstTouch | LastTouch | LastNonDirect | Linear | PositionBased | TimeDecay | Markov | Shapley
)
