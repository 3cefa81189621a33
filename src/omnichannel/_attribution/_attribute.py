"""``attribute`` and ``compare_models``: one entry point for every attribution model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from .._exceptions import InvalidParameterError, SchemaError
from .._journeys import Journeys, build_journeys
from .._journeys._kernels import weighted_count
from .._validation import (
    as_generator,
    check_choice,
    check_int,
    check_real,
    check_timedelta,
    short_repr,
)
from ._markov import STATE_NAMES, ChainStructure
from ._models import (
    AttributionModel,
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
from ._rules import RuleModel, touch_weights
from ._shapley import ChannelSets, shapley_credits

__all__ = ["attribute", "compare_models"]

FloatArray = npt.NDArray[np.float64]
_RULES = (FirstTouch, LastTouch, LastNonDirect, Linear, PositionBased, TimeDecay)
_MODELS = (*_RULES, Markov, Shapley)
Pair = tuple[FloatArray, FloatArray]
Credits = Callable[[FloatArray, FloatArray, FloatArray], tuple[FloatArray, FloatArray]]


def _as_journeys(
    journeys: Journeys | pd.DataFrame,
    conversions: pd.DataFrame | None,
    lookback: pd.Timedelta | None,
    max_length: int | None,
    func: str,
) -> tuple[Journeys, float, float]:
    """Return the store to attribute and the conversions and value no touch can be credited for.

    From frames, journeys are built with ``keep_empty=True`` so that conversions with no touch
    in the lookback window are counted (and then dropped) rather than lost silently.
    """
    if isinstance(journeys, Journeys):
        given = [
            name
            for name, v in (
                ("conversions", conversions),
                ("lookback", lookback),
                ("max_length", max_length),
            )
            if v is not None
        ]
        if given:
            raise InvalidParameterError(
                f"{func} takes {given} only with a touchpoints frame; a Journeys store already "
                "holds its conversions and was built with its own lookback. Pass them to "
                "build_journeys instead (or use journeys.truncate(max_length))."
            )
        return journeys, 0.0, 0.0
    if isinstance(journeys, pd.DataFrame):
        if conversions is None:
            raise InvalidParameterError(
                f"{func} got a touchpoints frame without 'conversions'; pass "
                "conversions=<conversions frame>, or a Journeys store."
            )
        window = check_timedelta(lookback, "lookback", func=func)
        max_len = check_int(max_length, "max_length", func=func, low=1, allow_none=True)
        built = build_journeys(
            journeys, conversions, lookback=window, max_length=max_len, keep_empty=True
        )
        empty = built.lengths == 0
        if not empty.any():
            return built, 0.0, 0.0
        lost_conversions = float(built.conversions[empty].sum())
        lost_value = float(built.value[empty].sum())
        return built.drop_empty(), lost_conversions, lost_value
    raise InvalidParameterError(
        f"The 'journeys' parameter of {func} must be a Journeys store or a touchpoints frame. "
        f"Got {type(journeys).__name__} instead."
    )


def _check_journeys(journeys: Journeys, model: AttributionModel) -> None:
    empty = (journeys.lengths == 0) & (journeys.counts > 0)
    if empty.any():
        first = int(np.flatnonzero(empty)[0])
        raise SchemaError(
            f"journeys has {int(empty.sum())} path(s) with no touch but with conversions or "
            f"nulls; first is path {first}. No channel can be credited for them: drop them "
            "with Journeys.drop_empty() first."
        )
    orphan = (journeys.value > 0) & (journeys.conversions == 0)
    if orphan.any():
        first = int(np.flatnonzero(orphan)[0])
        raise SchemaError(
            f"journeys has {int(orphan.sum())} path(s) with conversion value but no conversions; "
            f"first is path {first}. Value belongs to conversions: fix the counts first."
        )
    if journeys.n_paths == 0 or journeys.n_touches == 0:
        raise SchemaError("journeys has no touch to attribute.")
    if isinstance(model, Markov):
        clash = sorted(set(journeys.channels) & set(STATE_NAMES))
        if clash:
            raise SchemaError(
                f"journeys has channel(s) {clash} named like the states of the Markov chain "
                f"{list(STATE_NAMES)}, which would make removal effects and transition_matrix() "
                "ambiguous; rename these channels before a Markov attribution."
            )


def _rule_credits(journeys: Journeys, model: RuleModel) -> Credits:
    """Credit function of a rule model; single-touch and linear rules skip per-touch weights."""
    k = journeys.n_channels
    lengths = journeys.lengths
    codes = journeys.codes.astype(np.intp)
    if isinstance(model, FirstTouch | LastTouch):
        rows = np.flatnonzero(lengths > 0)
        ends = journeys.offsets[:-1] if isinstance(model, FirstTouch) else journeys.offsets[1:] - 1
        chosen = codes[ends[rows]]

        def single(
            conv: FloatArray, nulls: FloatArray, value: FloatArray
        ) -> tuple[FloatArray, FloatArray]:
            return (
                weighted_count(chosen, conv[rows], k),
                weighted_count(chosen, value[rows], k),
            )

        return single
    if isinstance(model, Linear):
        per_touch = 1.0 / np.maximum(lengths, 1)

        def linear(
            conv: FloatArray, nulls: FloatArray, value: FloatArray
        ) -> tuple[FloatArray, FloatArray]:
            return (
                weighted_count(codes, np.repeat(conv * per_touch, lengths), k),
                weighted_count(codes, np.repeat(value * per_touch, lengths), k),
            )

        return linear
    if isinstance(model, PositionBased):
        return _position_based_credits(journeys, model)
    weights = touch_weights(journeys, model)

    def rule(
        conv: FloatArray, nulls: FloatArray, value: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        return (
            weighted_count(codes, weights * np.repeat(conv, lengths), k),
            weighted_count(codes, weights * np.repeat(value, lengths), k),
        )

    return rule


def _position_based_credits(journeys: Journeys, model: PositionBased) -> Credits:
    """Middle share spread over every touch, then first and last touches corrected per path."""
    k = journeys.n_channels
    lengths = journeys.lengths
    codes = journeys.codes.astype(np.intp)
    f, last_share = model.first, model.last
    middle = np.where(lengths > 2, (1.0 - f - last_share) / np.maximum(lengths - 2, 1), 0.0)
    rows = np.flatnonzero(lengths > 0)
    n = lengths[rows]
    first_code = codes[journeys.offsets[:-1][rows]]
    last_code = codes[journeys.offsets[1:][rows] - 1]
    # Shares of the first and last touch; a one-touch path puts all on its single touch.
    w_first = np.where(n == 1, 1.0, np.where(n == 2, f / (f + last_share), f))
    w_last = np.where(n == 1, 0.0, np.where(n == 2, last_share / (f + last_share), last_share))
    first_extra = w_first - middle[rows]
    last_extra = np.where(n == 1, 0.0, w_last - middle[rows])

    def credit(counts: FloatArray) -> FloatArray:
        spread = weighted_count(codes, np.repeat(counts * middle, lengths), k)
        ends = weighted_count(first_code, counts[rows] * first_extra, k)
        return spread + ends + weighted_count(last_code, counts[rows] * last_extra, k)

    def position_based(conv: FloatArray, _nulls: FloatArray, value: FloatArray) -> Pair:
        return credit(conv), credit(value)

    return position_based


def _prepare(journeys: Journeys, model: AttributionModel) -> tuple[Credits, dict[str, Any]]:
    """Precompute what does not depend on the path counts; return the credit function."""
    if isinstance(model, _RULES):
        return _rule_credits(journeys, model), {}
    if isinstance(model, Markov):
        store = journeys.collapse_repeats() if model.collapse_repeats else journeys
        chain = ChainStructure.build(store, model.order)
        extras: dict[str, Any] = {}

        def markov(
            conv: FloatArray, nulls: FloatArray, value: FloatArray
        ) -> tuple[FloatArray, FloatArray]:
            solution = chain.solve(conv, nulls, value if model.value_weighting else None)
            extras["removal_effects"] = solution.removal_effects
            extras["counts"] = solution.pair_counts
            value_effects = (
                solution.value_effects
                if solution.value_effects is not None
                else solution.removal_effects
            )
            return (
                _share(solution.removal_effects, float(conv.sum())),
                _share(value_effects, float(value.sum())),
            )

        extras["chain"] = chain
        return markov, extras
    sets = ChannelSets.build(journeys, model.max_channels, entries=model.method == "ordered")
    extras = {}

    def shapley(
        conv: FloatArray, nulls: FloatArray, value: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        credit, credit_value, by_position = shapley_credits(sets, model, conv, nulls, value)
        extras["by_position"] = by_position
        return credit, credit_value

    return shapley, extras


def _unit_credit(journeys: Journeys, model: AttributionModel) -> sp.csr_matrix | None:
    """(path x channel) credit of one conversion on each path, for models linear in the counts."""
    path = np.repeat(np.arange(journeys.n_paths), journeys.lengths)
    shape = (journeys.n_paths, journeys.n_channels)
    if isinstance(model, _RULES):
        weights = touch_weights(journeys, model)
        return sp.csr_matrix((weights, (path, journeys.codes.astype(np.intp))), shape=shape)
    if isinstance(model, Shapley) and model.method in ("simplified", "ordered"):
        sets = ChannelSets.build(journeys, model.max_channels, entries=True)
        assert sets.entry_path is not None
        assert sets.entry_channel is not None
        share = 1.0 / np.maximum(sets.set_sizes[sets.set_of_path[sets.entry_path]], 1)
        return sp.csr_matrix((share, (sets.entry_path, sets.entry_channel)), shape=shape)
    return None


def _share(effects: FloatArray, total: float) -> FloatArray:
    """Split ``total`` in proportion to ``effects`` (zeros when no channel has an effect)."""
    weight = float(effects.sum())
    return effects * (total / weight) if weight > 0 else np.zeros_like(effects)


def _path_only(model: AttributionModel) -> bool:
    return not isinstance(model, TimeDecay)


def attribute(
    journeys: Journeys | pd.DataFrame,
    model: AttributionModel,
    *,
    conversions: pd.DataFrame | None = None,
    lookback: pd.Timedelta | None = None,
    max_length: int | None = None,
    n_boot: int = 0,
    level: float = 0.95,
    seed: int | np.random.Generator | None = None,
) -> Attribution:
    """Credit conversions and their value to channels with one attribution model.

    Parameters
    ----------
    journeys : Journeys or pandas.DataFrame
        The journey store (see :func:`build_journeys` and :meth:`Journeys.from_paths`), or a
        touchpoints frame together with ``conversions``.
    model : attribution model
        The model and its options: :class:`FirstTouch`, :class:`LastTouch`,
        :class:`LastNonDirect`, :class:`Linear`, :class:`PositionBased`, :class:`TimeDecay`,
        :class:`Markov` or :class:`Shapley`.
    conversions : pandas.DataFrame, optional
        Conversions frame, when ``journeys`` is a touchpoints frame (only then).
    lookback, max_length : optional
        Journey-building options used with frames (see :func:`build_journeys`); a store was
        built with its own, so passing them with a store raises. Conversions with no touch in
        their window cannot be credited to any channel: they are left out of the credits and
        reported as ``unattributed_conversions`` and ``unattributed_value`` of the result.
    n_boot : int, default 0
        Bootstrap replicates for intervals. Journeys are resampled by Poisson weights on the
        path counts (each journey's count is Poisson(1)), which works alike on individual and
        aggregated paths.
    level : float, default 0.95
        Confidence level of the percentile intervals.
    seed : int or numpy.random.Generator, optional
        Randomness of the bootstrap; required when ``n_boot > 0``.

    Returns
    -------
    Attribution
        Credits per channel; conversions and value each sum to the totals of the journeys
        with touches (``total_conversions``); with frames, ``unattributed_conversions`` counts
        the conversions left without a touch.

    Raises
    ------
    SchemaError
        When a store includes paths with no touch, has no touch at all, or (Markov) has a
        channel named like a chain state: ``(start)``, ``(conversion)`` or ``(null)``.
    InvalidParameterError
        On an unknown model, a bad option, ``conversions``, ``lookback`` or ``max_length``
        with a store, or ``n_boot > 0`` without ``seed``.

    See Also
    --------
    compare_models : several models side by side.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> paths = pd.DataFrame(
    ...     {
    ...         "path": ["search > email", "social > search", "email", "social"],
    ...         "total_conversions": [30, 20, 10, 0],
    ...         "total_null": [70, 80, 90, 100],
    ...         "total_conversion_value": [3000.0, 1800.0, 700.0, 0.0],
    ...     }
    ... )
    >>> journeys = oc.Journeys.from_paths(paths)
    >>> result = oc.attribute(journeys, oc.Markov(), n_boot=100, seed=1)
    >>> result.to_frame()[["channel", "conversions", "value"]].round(2)
      channel  conversions   value
    0   email         24.0  2200.0
    1  search         24.0  2200.0
    2  social         12.0  1100.0
    >>> bool((result.lower["conversions"] <= result.conversions).all())
    True
    """
    func = "attribute"
    if not isinstance(model, _MODELS):
        raise InvalidParameterError(
            f"The 'model' parameter of attribute must be one of "
            f"{[m.__name__ for m in _MODELS]} (an instance). Got {short_repr(model)} instead."
        )
    n_boot_ = check_int(n_boot, "n_boot", func=func, low=0)
    assert n_boot_ is not None
    level_ = check_real(level, "level", func=func, low=0.0, high=1.0, low_open=True, high_open=True)
    if n_boot_ > 0 and seed is None:
        raise InvalidParameterError(
            "attribute needs an explicit 'seed' (int or numpy.random.Generator) when n_boot > 0, "
            "so that intervals are reproducible."
        )
    store, lost_conversions, lost_value = _as_journeys(
        journeys, conversions, lookback, max_length, func
    )
    _check_journeys(store, model)
    credits, extras = _prepare(store, model)
    conv_credit, value_credit = credits(store.conversions, store.nulls, store.value)
    kwargs: dict[str, Any] = {}
    if isinstance(model, Markov):
        kwargs["removal_effects"] = extras["removal_effects"]
        kwargs["transitions"] = extras["chain"].transition_frame(extras["counts"])
    if isinstance(model, Shapley) and extras.get("by_position") is not None:
        kwargs["by_position"] = extras["by_position"]
    if n_boot_:
        lower, upper = _bootstrap(store, model, n_boot_, level_, as_generator(seed, func=func))
        kwargs.update(lower=lower, upper=upper, n_boot=n_boot_, level=level_)
    return Attribution(
        model=model,
        channels=store.channels,
        conversions=conv_credit,
        value=value_credit,
        total_conversions=store.total_conversions,
        total_value=store.total_value,
        unattributed_conversions=lost_conversions,
        unattributed_value=lost_value,
        **kwargs,
    )


def _bootstrap(
    store: Journeys,
    model: AttributionModel,
    n_boot: int,
    level: float,
    rng: np.random.Generator,
) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
    """Percentile intervals from Poisson-resampled path counts."""
    # Path-only models give the same credits on the aggregated store, which is usually far
    # smaller; each replicate then costs one pass over the distinct paths.
    base = store.aggregate() if _path_only(model) else store
    conv, nulls, value = base.conversions, base.nulls, base.value
    unit_value = np.divide(value, conv, out=np.zeros_like(value), where=conv > 0)
    k = store.n_channels
    draws = {m: np.empty((n_boot, k)) for m in ("conversions", "value", "share")}
    unit_credit = _unit_credit(base, model)
    if unit_credit is not None:
        # Linear models: credits are (replicate counts) @ (credit per unit of each path), so
        # whole blocks of replicates cost one sparse product.
        block = max(1, min(n_boot, 20_000_000 // max(base.n_paths, 1)))
        for start in range(0, n_boot, block):
            stop = min(n_boot, start + block)
            conv_b = rng.poisson(conv, size=(stop - start, base.n_paths)).astype(np.float64)
            draws["conversions"][start:stop] = np.asarray((unit_credit.T @ conv_b.T).T)
            draws["value"][start:stop] = np.asarray((unit_credit.T @ (conv_b * unit_value).T).T)
    else:
        credits, _ = _prepare(base, model)
        for b in range(n_boot):
            conv_b = rng.poisson(conv).astype(np.float64)
            nulls_b = rng.poisson(nulls).astype(np.float64)
            draws["conversions"][b], draws["value"][b] = credits(
                conv_b, nulls_b, conv_b * unit_value
            )
    totals = draws["conversions"].sum(axis=1, keepdims=True)
    draws["share"] = np.divide(
        draws["conversions"], totals, out=np.zeros_like(draws["conversions"]), where=totals > 0
    )
    alpha = (1.0 - level) / 2.0
    lower = {m: np.quantile(d, alpha, axis=0) for m, d in draws.items()}
    upper = {m: np.quantile(d, 1.0 - alpha, axis=0) for m, d in draws.items()}
    return lower, upper


def compare_models(
    journeys: Journeys | pd.DataFrame,
    models: Sequence[AttributionModel],
    *,
    metric: str = "conversions",
    conversions: pd.DataFrame | None = None,
    lookback: pd.Timedelta | None = None,
    max_length: int | None = None,
) -> pd.DataFrame:
    """Credits of several models side by side: one row per channel, one column per model.

    Parameters
    ----------
    journeys : Journeys or pandas.DataFrame
        The journeys to attribute, or a touchpoints frame together with ``conversions``, as
        :func:`attribute` takes them (journeys are then built once for all models).
    models : sequence of attribution models
        Models to run; their ``name`` labels the columns (repeats get a suffix).
    metric : {"conversions", "value", "share"}, default "conversions"
        What to tabulate.
    conversions, lookback, max_length : optional
        As in :func:`attribute`: only with a touchpoints frame. Conversions with no touch in
        their window are in no column; :func:`attribute` reports them as
        ``unattributed_conversions``.

    Returns
    -------
    pandas.DataFrame
        Columns ``channel`` and one per model.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> paths = pd.DataFrame({"path": ["a > b", "b > c", "a"], "total_conversions": [4, 2, 1],
    ...                       "total_null": [6, 8, 9]})
    >>> j = oc.Journeys.from_paths(paths)
    >>> oc.compare_models(j, [oc.FirstTouch(), oc.LastTouch(), oc.Markov()]).round(2)
      channel  first_touch  last_touch  markov_1
    0       a          5.0         1.0      2.33
    1       b          2.0         4.0      3.50
    2       c          0.0         2.0      1.17
    """
    func = "compare_models"
    check_choice(metric, "metric", ("conversions", "value", "share"), func=func)
    if not isinstance(models, Sequence) or not models:
        raise InvalidParameterError(
            "The 'models' parameter of compare_models must be a non-empty sequence of models."
        )
    store, _, _ = _as_journeys(journeys, conversions, lookback, max_length, func)
    frame = pd.DataFrame({"channel": list(store.channels)})
    for model in models:
        result = attribute(store, model)
        column = result.name
        suffix = 2
        while column in frame.columns:
            column = f"{result.name}_{suffix}"
            suffix += 1
        frame[column] = result.to_frame()[metric].to_numpy()
    return frame
