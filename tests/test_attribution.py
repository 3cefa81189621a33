from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import omnichannel as oc
from tests import strategies as s

RULES = [
    oc.FirstTouch(),
    oc.LastTouch(),
    oc.Linear(),
    oc.PositionBased(),
    oc.PositionBased(first=0.3, last=0.5),
]
PATH_MODELS = [
    *RULES,
    oc.Markov(),
    oc.Markov(order=2),
    oc.Markov(order=3, collapse_repeats=False),
    oc.Shapley(),
    oc.Shapley(value="conversions"),
    oc.Shapley(method="simplified"),
    oc.Shapley(method="ordered"),
    oc.Shapley(method="sampled", n_samples=200),
]


def paths(frame: pd.DataFrame) -> list[list[str]]:
    return [[c.strip() for c in p.split(">")] for p in frame["path"]]


# --------------------------------------------------------------------------- brute force
def brute_markov(frame: pd.DataFrame, order: int = 1, collapse: bool = True) -> dict[str, float]:
    """Removal effects by building the chain with dicts and re-solving it without each channel."""
    counts: dict[tuple, dict[tuple, float]] = {}

    def add(a, b, w):
        counts.setdefault(a, {}).setdefault(b, 0.0)
        counts[a][b] += w

    for p, conv, null in zip(
        paths(frame), frame["total_conversions"], frame["total_null"], strict=True
    ):
        if collapse:
            p = [c for i, c in enumerate(p) if i == 0 or c != p[i - 1]]
        states = [tuple(p[max(0, i - order + 1) : i + 1]) for i in range(len(p))]
        prev = ("(start)",)
        for st_ in states:
            add(prev, st_, conv + null)
            prev = st_
        add(prev, ("(conversion)",), conv)
        add(prev, ("(null)",), null)

    def conversion_probability(removed: str | None) -> float:
        transient = [a for a in counts if removed is None or removed not in a]
        index = {a: i for i, a in enumerate(transient)}
        n = len(transient)
        q = np.zeros((n, n))
        r = np.zeros(n)
        for a in transient:
            out = sum(counts[a].values())
            for b, w in counts[a].items():
                if b == ("(conversion)",):
                    r[index[a]] += w / out
                elif b in index:
                    q[index[a], index[b]] += w / out
        x = np.linalg.solve(np.eye(n) - q, r)
        return float(x[index[("(start)",)]])

    base = conversion_probability(None)
    channels = sorted({c for p in paths(frame) for c in p})
    return {c: 1 - conversion_probability(c) / base for c in channels}


def brute_shapley(values: dict[frozenset, float], players: list[str]) -> dict[str, float]:
    n = len(players)
    phi = dict.fromkeys(players, 0.0)
    for perm in itertools.permutations(players):
        coalition: frozenset = frozenset()
        for p in perm:
            phi[p] += values.get(coalition | {p}, 0.0) - values.get(coalition, 0.0)
            coalition = coalition | {p}
    return {p: v / math.factorial(n) for p, v in phi.items()}


def per_set_rate_shapley(frame: pd.DataFrame) -> dict[str, float]:
    """Sum over journeys of the Shapley value of the exact-set conversion-rate game on their set."""
    sets = [frozenset(p) for p in paths(frame)]
    journeys: dict[frozenset, float] = {}
    conversions: dict[frozenset, float] = {}
    for s_, conv, null in zip(sets, frame["total_conversions"], frame["total_null"], strict=True):
        journeys[s_] = journeys.get(s_, 0.0) + conv + null
        conversions[s_] = conversions.get(s_, 0.0) + conv
    rate = {s_: conversions[s_] / n for s_, n in journeys.items() if n > 0}
    credit: dict[str, float] = {}
    for s_, n in journeys.items():
        for player, phi in brute_shapley(rate, sorted(s_)).items():
            credit[player] = credit.get(player, 0.0) + n * phi
    return credit


EXAMPLE = pd.DataFrame(
    {
        "path": ["a > b > c", "a", "b > c", "c > a > a > b", "d", "b"],
        "total_conversions": [3.0, 1.0, 2.5, 2.0, 0.0, 1.0],
        "total_null": [7.0, 9.0, 5.0, 3.0, 10.0, 8.5],
        "total_conversion_value": [300.0, 50.0, 180.0, 210.0, 0.0, 60.0],
    }
)


@pytest.mark.parametrize(
    ("order", "collapse"), [(1, True), (1, False), (2, True), (3, False), (4, True)]
)
def test_markov_equals_brute_force(order, collapse):
    result = oc.attribute(
        oc.Journeys.from_paths(EXAMPLE), oc.Markov(order=order, collapse_repeats=collapse)
    )
    expected = brute_markov(EXAMPLE, order, collapse)
    got = result.removal_effects().set_index("channel")["removal_effect"]
    for channel, value in expected.items():
        assert got[channel] == pytest.approx(value, abs=1e-12)
    assert got["d"] == 0.0  # never on a converting path


def test_markov_order_one_inverse_equals_per_channel_solves():
    from omnichannel._attribution._markov import ChainStructure

    j = oc.Journeys.from_paths(EXAMPLE).collapse_repeats()
    chain = ChainStructure.build(j, 1)
    fast = chain.solve(j.conversions, j.nulls).removal_effects
    slow_chain = ChainStructure.build(j, 1)
    object.__setattr__(slow_chain, "order", 1)
    # Same structure solved through the general path: pretend order 2 with identical states.
    member = slow_chain.state_channels()
    assert member.sum(axis=1).max() == 1
    from omnichannel._attribution import _markov

    limit = _markov._DENSE_LIMIT
    try:
        _markov._DENSE_LIMIT = 0  # forces the sparse per-channel solves
        object.__setattr__(slow_chain, "order", 2)  # skips the order-1 shortcut; states unchanged
        slow = slow_chain.solve(j.conversions, j.nulls).removal_effects
    finally:
        _markov._DENSE_LIMIT = limit
    np.testing.assert_allclose(fast, slow, atol=1e-12)


def test_markov_matches_random_walk_simulation():
    j = oc.Journeys.from_paths(EXAMPLE)
    result = oc.attribute(j, oc.Markov())
    transitions = result.transition_matrix()
    states = sorted(set(transitions["from_state"]) | set(transitions["to_state"]))
    index = {st_: i for i, st_ in enumerate(states)}
    p = np.zeros((len(states), len(states)))
    for row in transitions.itertuples():
        p[index[row.from_state], index[row.to_state]] = row.probability
    for absorbing in ("(conversion)", "(null)"):
        p[index[absorbing], index[absorbing]] = 1.0
    rng = np.random.default_rng(0)
    n_walks = 200_000

    def simulate(removed: str | None) -> np.ndarray:
        state = np.full(n_walks, index["(start)"])
        cumulative = np.cumsum(p, axis=1)
        for _ in range(60):
            u = rng.random(n_walks)
            state = (u[:, None] > cumulative[state]).sum(axis=1)
            if removed is not None:
                state = np.where(state == index[removed], index["(null)"], state)
        return state == index["(conversion)"]

    base = simulate(None)
    for channel in ("a", "b", "c"):
        removed = simulate(channel)
        estimate = 1 - removed.mean() / base.mean()
        # Delta-method standard error of a ratio of two independent proportions.
        se = (removed.mean() / base.mean()) * math.sqrt(
            (1 - removed.mean()) / (removed.sum()) + (1 - base.mean()) / base.sum()
        )
        exact = result.removal_effects().set_index("channel").loc[channel, "removal_effect"]
        assert abs(estimate - exact) < 4 * se


def test_markov_credit_shares_removal_effects_and_transition_table():
    result = oc.attribute(oc.Journeys.from_paths(EXAMPLE), oc.Markov())
    effects = result.removal_effects()["removal_effect"].to_numpy()
    np.testing.assert_allclose(
        result.conversions, effects / effects.sum() * EXAMPLE["total_conversions"].sum()
    )
    np.testing.assert_allclose(
        result.value, effects / effects.sum() * EXAMPLE["total_conversion_value"].sum()
    )
    table = result.transition_matrix()
    assert set(table.columns) == {"from_state", "to_state", "count", "probability"}
    sums = table.groupby("from_state")["probability"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0)
    start = table[table["from_state"] == "(start)"].set_index("to_state")["count"]
    assert start["a"] == pytest.approx(10 + 10)


def test_shapley_exact_equals_brute_force_rate_game():
    phi = per_set_rate_shapley(EXAMPLE)
    worth = sum(phi.values())
    result = oc.attribute(oc.Journeys.from_paths(EXAMPLE), oc.Shapley(value="rate"))
    got = dict(zip(result.channels, result.conversions, strict=True))
    total = EXAMPLE["total_conversions"].sum()
    for p in result.channels:
        assert got[p] == pytest.approx(phi.get(p, 0.0) / worth * total, rel=1e-10, abs=1e-12)


def test_shapley_conversions_game_exact_equals_simplified_and_brute_force():
    frame = EXAMPLE.assign(total_null=0.0)
    j = oc.Journeys.from_paths(frame)
    exact = oc.attribute(j, oc.Shapley(method="exact"))
    simplified = oc.attribute(j, oc.Shapley(method="simplified"))
    np.testing.assert_allclose(exact.conversions, simplified.conversions, atol=1e-10)
    np.testing.assert_allclose(exact.value, simplified.value, atol=1e-8)
    sets = [frozenset(p) for p in paths(frame)]
    players = sorted(set().union(*sets))
    values = {
        frozenset(c): sum(
            v for s_, v in zip(sets, frame["total_conversions"], strict=True) if s_ <= set(c)
        )
        for r in range(len(players) + 1)
        for c in itertools.combinations(players, r)
    }
    phi = brute_shapley(values, players)
    np.testing.assert_allclose(exact.conversions, [phi[p] for p in exact.channels], atol=1e-10)


def test_shapley_sampled_converges_to_exact():
    j = oc.Journeys.from_paths(EXAMPLE)
    exact = oc.attribute(j, oc.Shapley(value="rate"))
    sampled = oc.attribute(j, oc.Shapley(method="sampled", value="rate", n_samples=4000, seed=3))
    np.testing.assert_allclose(sampled.conversions, exact.conversions, atol=0.1)
    conv_exact = oc.attribute(j, oc.Shapley(value="conversions"))
    conv_sampled = oc.attribute(
        j, oc.Shapley(method="sampled", value="conversions", n_samples=4000)
    )
    np.testing.assert_allclose(conv_sampled.conversions, conv_exact.conversions, atol=0.1)
    again = oc.attribute(j, oc.Shapley(method="sampled", value="rate", n_samples=4000, seed=3))
    np.testing.assert_array_equal(again.conversions, sampled.conversions)


def test_shapley_cap_keeps_most_recent_channels():
    frame = pd.DataFrame({"path": ["z > a > b > a", "c"], "total_conversions": [3.0, 1.0]})
    result = oc.attribute(
        oc.Journeys.from_paths(frame), oc.Shapley(method="simplified", max_channels=2)
    )
    got = dict(zip(result.channels, result.conversions, strict=True))
    # The two most recently touched channels of the first path are b and a, not z.
    assert got == {"a": 1.5, "b": 1.5, "c": 1.0, "z": 0.0}


def test_ordered_shapley_by_position():
    frame = pd.DataFrame({"path": ["a > b", "b > a", "a"], "total_conversions": [2.0, 4.0, 1.0]})
    result = oc.attribute(oc.Journeys.from_paths(frame), oc.Shapley(method="ordered"))
    table = result.by_position().set_index(["channel", "position"])["conversions"]
    assert table[("a", 1)] == pytest.approx(1 + 1)
    assert table[("a", 2)] == pytest.approx(2)
    assert table[("b", 1)] == pytest.approx(2)
    assert table[("b", 2)] == pytest.approx(1)
    np.testing.assert_allclose(result.conversions, [4.0, 3.0])


def test_exact_shapley_refuses_too_many_channels():
    frame = pd.DataFrame(
        {"path": [" > ".join(f"c{i}" for i in range(6))], "total_conversions": [1.0]}
    )
    with pytest.raises(oc.InvalidParameterError, match="method='sampled'"):
        oc.attribute(oc.Journeys.from_paths(frame), oc.Shapley(max_exact=5))


# --------------------------------------------------------------------------- rules
def test_rules_match_python():
    j = oc.Journeys.from_paths(EXAMPLE)
    expected: list[dict[str, float]] = [{} for _ in RULES]
    for p, conv in zip(paths(EXAMPLE), EXAMPLE["total_conversions"], strict=True):
        n = len(p)
        for model, table in zip(RULES, expected, strict=True):
            if isinstance(model, oc.FirstTouch):
                w = [1.0] + [0.0] * (n - 1)
            elif isinstance(model, oc.LastTouch):
                w = [0.0] * (n - 1) + [1.0]
            elif isinstance(model, oc.Linear):
                w = [1 / n] * n
            else:
                f, l_ = model.first, model.last
                if n == 1:
                    w = [1.0]
                elif n == 2:
                    w = [f / (f + l_), l_ / (f + l_)]
                else:
                    w = [f] + [(1 - f - l_) / (n - 2)] * (n - 2) + [l_]
            for c, wi in zip(p, w, strict=True):
                table[c] = table.get(c, 0.0) + conv * wi
    for model, table in zip(RULES, expected, strict=True):
        result = oc.attribute(j, model)
        for c, v in zip(result.channels, result.conversions, strict=True):
            assert v == pytest.approx(table.get(c, 0.0), abs=1e-12)


def test_last_non_direct():
    frame = pd.DataFrame(
        {
            "path": ["email > direct", "direct > direct", "search > direct > email > direct"],
            "total_conversions": [1.0, 2.0, 4.0],
        }
    )
    result = oc.attribute(oc.Journeys.from_paths(frame), oc.LastNonDirect())
    assert dict(zip(result.channels, result.conversions, strict=True)) == {
        "direct": 2.0,
        "email": 5.0,
        "search": 0.0,
    }
    with pytest.raises(oc.InvalidParameterError, match=r"names channel\(s\) \['organic'\]"):
        oc.attribute(oc.Journeys.from_paths(frame), oc.LastNonDirect(direct={"direct", "organic"}))


def test_time_decay_weights_halve_per_half_life():
    tp = pd.DataFrame(
        {
            "customer_id": ["c"] * 3,
            "channel": ["a", "b", "c"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-05"]),
        }
    )
    cv = pd.DataFrame(
        {"customer_id": ["c"], "timestamp": [pd.Timestamp("2024-01-06")], "value": [7.0]}
    )
    result = oc.attribute(tp, oc.TimeDecay(pd.Timedelta(days=2)), conversions=cv)
    np.testing.assert_allclose(result.conversions, np.array([1, 2, 4]) / 7)
    np.testing.assert_allclose(result.value, [1.0, 2.0, 4.0])
    with pytest.raises(oc.InvalidParameterError, match="needs touch times"):
        oc.attribute(oc.Journeys.from_paths(EXAMPLE), oc.TimeDecay())


def test_time_decay_survives_very_long_lags():
    tp = pd.DataFrame(
        {
            "customer_id": ["c", "c"],
            "channel": ["a", "b"],
            "timestamp": pd.to_datetime(["2020-01-01", "2020-01-02"]),
        }
    )
    cv = pd.DataFrame(
        {"customer_id": ["c"], "timestamp": [pd.Timestamp("2024-01-01")], "value": [1.0]}
    )
    result = oc.attribute(tp, oc.TimeDecay(pd.Timedelta(hours=1)), conversions=cv)
    assert result.conversions.sum() == pytest.approx(1.0)
    assert result.conversions[1] == pytest.approx(1.0)


# --------------------------------------------------------------------------- invariants
@settings(max_examples=40, deadline=None)
@given(s.path_frames(), st.sampled_from(PATH_MODELS))
def test_credits_sum_to_totals(frame, model):
    j = oc.Journeys.from_paths(frame)
    result = oc.attribute(j, model)
    total = j.total_conversions
    if isinstance(model, oc.Markov | oc.Shapley) and total > 0 and result.conversions.sum() == 0:
        pytest.fail("credits vanished")
    assert result.conversions.sum() == pytest.approx(total, rel=1e-9, abs=1e-9)
    if not (isinstance(model, oc.Shapley) and model.method == "exact" and j.total_nulls > 0):
        assert result.value.sum() == pytest.approx(j.total_value, rel=1e-9, abs=1e-7)


DETERMINISTIC = [
    m for m in PATH_MODELS if not (isinstance(m, oc.Shapley) and m.method == "sampled")
]


# Sampled Shapley draws its random orders by channel index, so relabelling changes its noise.
@settings(max_examples=30, deadline=None)
@given(s.path_frames(), st.sampled_from(DETERMINISTIC), st.permutations(list(s.CHANNELS[:4])))
def test_relabelling_channels_permutes_credits(frame, model, new_names):
    rename = dict(zip(s.CHANNELS[:4], new_names, strict=True))
    renamed = frame.assign(path=[" > ".join(rename[c] for c in p) for p in paths(frame)])
    a = oc.attribute(oc.Journeys.from_paths(frame), model)
    b = oc.attribute(oc.Journeys.from_paths(renamed), model)
    got = dict(zip(b.channels, b.conversions, strict=True))
    for c, v in zip(a.channels, a.conversions, strict=True):
        assert got[rename[c]] == pytest.approx(v, rel=1e-7, abs=1e-7)


@settings(max_examples=30, deadline=None)
@given(s.path_frames(), st.sampled_from(PATH_MODELS))
def test_duplicating_journeys_keeps_shares_and_aggregation_changes_nothing(frame, model):
    j = oc.Journeys.from_paths(frame)
    doubled = oc.Journeys.from_paths(pd.concat([frame, frame], ignore_index=True))
    a = oc.attribute(j, model)
    b = oc.attribute(doubled, model)
    np.testing.assert_allclose(a.share, b.share, rtol=1e-7, atol=1e-9)
    c = oc.attribute(doubled.aggregate(), model)
    np.testing.assert_allclose(b.conversions, c.conversions, rtol=1e-7, atol=1e-7)


@settings(max_examples=20, deadline=None)
@given(s.event_frames(max_touches=30))
def test_expanded_journeys_equal_aggregated_paths(frames):
    tp, cv = frames
    j = oc.build_journeys(tp, cv)
    if j.n_touches == 0 or (j.lengths == 0).any():
        return
    for model in (oc.Linear(), oc.Markov(order=2), oc.Shapley()):
        np.testing.assert_allclose(
            oc.attribute(j, model).conversions,
            oc.attribute(j.aggregate(), model).conversions,
            atol=1e-9,
        )


@settings(max_examples=30, deadline=None)
@given(s.path_frames())
def test_shapley_axioms(frame):
    j = oc.Journeys.from_paths(frame)
    result = oc.attribute(j, oc.Shapley(value="rate" if j.total_nulls > 0 else "conversions"))
    # Efficiency: credits add up.
    assert result.conversions.sum() == pytest.approx(j.total_conversions, abs=1e-7)
    # Null player: a channel that only appears in journeys of zero weight gets nothing; add one.
    extra = pd.concat(
        [
            frame,
            pd.DataFrame(
                {
                    "path": ["zz > " + frame["path"].iloc[0]],
                    "total_conversions": [0.0],
                    "total_null": [0.0],
                    "total_conversion_value": [0.0],
                }
            ),
        ],
        ignore_index=True,
    )
    with_null = oc.attribute(
        oc.Journeys.from_paths(extra),
        oc.Shapley(value="rate" if j.total_nulls > 0 else "conversions"),
    )
    assert dict(zip(with_null.channels, with_null.conversions, strict=True))["zz"] == pytest.approx(
        0.0, abs=1e-9
    )


def test_shapley_symmetry():
    frame = pd.DataFrame(
        {
            "path": ["a > b", "b > a", "a > c", "b > c", "c"],
            "total_conversions": [2.0, 2.0, 1.0, 1.0, 0.5],
            "total_null": [3.0, 3.0, 4.0, 4.0, 6.0],
        }
    )
    result = oc.attribute(oc.Journeys.from_paths(frame), oc.Shapley(value="rate"))
    assert result.conversions[0] == pytest.approx(result.conversions[1], rel=1e-12)


def test_markov_gives_zero_to_channels_only_on_null_paths():
    frame = pd.DataFrame(
        {
            "path": ["a > b", "c", "a"],
            "total_conversions": [2.0, 0.0, 1.0],
            "total_null": [1.0, 5.0, 3.0],
        }
    )
    result = oc.attribute(oc.Journeys.from_paths(frame), oc.Markov())
    assert dict(zip(result.channels, result.conversions, strict=True))["c"] == 0.0


# --------------------------------------------------------------------------- bootstrap
def test_bootstrap_intervals():
    j = oc.Journeys.from_paths(EXAMPLE)
    for model in (oc.Linear(), oc.Markov(), oc.Shapley()):
        result = oc.attribute(j, model, n_boot=300, level=0.9, seed=11)
        frame = result.to_frame()
        for metric in ("conversions", "value", "share"):
            assert (frame[f"lower_{metric}"] <= frame[f"upper_{metric}"]).all()
        assert (frame["lower_conversions"] <= frame["conversions"] + 1e-9).all()
        assert (frame["upper_conversions"] >= frame["conversions"] - 1e-9).all()
        again = oc.attribute(j, model, n_boot=300, level=0.9, seed=11)
        pd.testing.assert_frame_equal(again.to_frame(), frame)
    with pytest.raises(oc.InvalidParameterError, match="explicit 'seed'"):
        oc.attribute(j, oc.Linear(), n_boot=10)


def test_bootstrap_interval_width_shrinks_with_data():
    small = oc.Journeys.from_paths(EXAMPLE)
    big = oc.Journeys.from_paths(
        EXAMPLE.assign(
            total_conversions=EXAMPLE["total_conversions"] * 100,
            total_null=EXAMPLE["total_null"] * 100,
            total_conversion_value=EXAMPLE["total_conversion_value"] * 100,
        )
    )
    w_small = oc.attribute(small, oc.Markov(), n_boot=200, seed=1)
    w_big = oc.attribute(big, oc.Markov(), n_boot=200, seed=1)
    width = lambda r: (r.upper["share"] - r.lower["share"]).mean()  # noqa: E731
    assert width(w_big) < width(w_small) / 5


# --------------------------------------------------------------------------- results and errors
def test_result_frame_and_repr():
    result = oc.attribute(oc.Journeys.from_paths(EXAMPLE), oc.Markov(order=2))
    frame = result.to_frame()
    assert list(frame.columns) == ["channel", "conversions", "value", "share"]
    frame.loc[0, "conversions"] = -1.0
    assert result.conversions[0] >= 0  # to_frame returns a copy
    assert repr(result).startswith("Attribution(markov_2: 9.5 conversions")
    assert "<table" in result._repr_html_()
    with pytest.raises(oc.InvalidParameterError, match="Markov models only"):
        oc.attribute(oc.Journeys.from_paths(EXAMPLE), oc.Linear()).removal_effects()


def test_plot(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    result = oc.attribute(oc.Journeys.from_paths(EXAMPLE), oc.Linear(), n_boot=50, seed=0)
    ax = result.plot(metric="share")
    assert len(ax.patches) == len(result.channels)
    ax.figure.savefig(tmp_path / "attribution.png")


def test_bad_input():
    j = oc.Journeys.from_paths(pd.DataFrame({"path": ["a", ""], "total_conversions": [1.0, 1.0]}))
    with pytest.raises(oc.SchemaError, match="drop them with Journeys.drop_empty"):
        oc.attribute(j, oc.Linear())
    oc.attribute(j.drop_empty(), oc.Linear())
    with pytest.raises(oc.InvalidParameterError, match="'model' parameter of attribute"):
        oc.attribute(j, "markov")  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="'order' parameter of Markov"):
        oc.Markov(order=5)
    with pytest.raises(oc.InvalidParameterError, match="first \\+ last <= 1"):
        oc.PositionBased(first=0.7, last=0.5)
    with pytest.raises(oc.InvalidParameterError, match="'method' parameter of Shapley"):
        oc.Shapley(method="fast")  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="closed form of the conversions game"):
        oc.Shapley(method="simplified", value="rate")
    with pytest.raises(oc.InvalidParameterError, match="without 'conversions'"):
        oc.attribute(pd.DataFrame(), oc.Linear())
    with pytest.raises(oc.InvalidParameterError, match="'level' parameter of attribute"):
        oc.attribute(j.drop_empty(), oc.Linear(), level=1.0)


def test_compare_models():
    j = oc.Journeys.from_paths(EXAMPLE)
    table = oc.compare_models(
        j, [oc.FirstTouch(), oc.Markov(), oc.Markov(order=2), oc.Markov()], metric="share"
    )
    assert list(table.columns) == ["channel", "first_touch", "markov_1", "markov_2", "markov_1_2"]
    np.testing.assert_allclose(table.drop(columns="channel").sum(), 1.0)


def test_simulated_truth_is_recovered_better_by_data_driven_models():
    world = oc.simulate_retailer(n_customers=20_000, seed=4)
    j = oc.build_journeys(world.touchpoints, world.conversions, lookback=pd.Timedelta(days=30))
    truth = world.truth.attribution.contributions.set_index("channel")["shapley"]
    truth_share = truth / truth.sum()

    def error(model):
        r = oc.attribute(j, model).to_frame().set_index("channel")["share"]
        return float((r - truth_share.reindex(r.index)).abs().sum())

    shapley_error = error(oc.Shapley(value="rate"))
    assert shapley_error < error(oc.LastTouch())
    assert shapley_error < 0.25


def test_linear_bootstrap_matches_poisson_variance():
    big = EXAMPLE.assign(total_conversions=EXAMPLE["total_conversions"] * 40)
    result = oc.attribute(oc.Journeys.from_paths(big), oc.Linear(), n_boot=4000, seed=2)
    # credit_k = sum_p a_pk * conv_p with conv_p ~ Poisson: variance sum_p a_pk^2 * conv_p.
    variance = dict.fromkeys(result.channels, 0.0)
    for p, conv in zip(paths(big), big["total_conversions"], strict=True):
        share: dict[str, float] = {}
        for c in p:
            share[c] = share.get(c, 0.0) + 1 / len(p)
        for c, a in share.items():
            variance[c] += a * a * conv
    for i, c in enumerate(result.channels):
        if variance[c] == 0:
            continue
        half_width = (result.upper["conversions"][i] - result.lower["conversions"][i]) / 2
        assert half_width == pytest.approx(1.96 * math.sqrt(variance[c]), rel=0.1)


def test_rate_game_needs_null_journeys_and_names_say_the_game():
    j = oc.Journeys.from_paths(
        pd.DataFrame({"path": ["a > b", "a"], "total_conversions": [30, 10]})
    )
    with pytest.raises(oc.InvalidParameterError, match="needs null"):
        oc.attribute(j, oc.Shapley(value="rate"))
    assert oc.attribute(j, oc.Shapley()).conversions.tolist() == [25.0, 15.0]
    assert oc.Shapley(value="rate").name == "shapley_exact_rate"
    assert oc.Shapley(method="sampled").name == "shapley_sampled"


def brute_value_weighted(frame: pd.DataFrame) -> dict[str, float]:
    """Order-1 value-weighted removal effects with dicts: conversions carry their state's mean value."""
    counts: dict[str, dict[str, float]] = {}
    value_out: dict[str, float] = {}
    for p, conv, null, value in zip(
        paths(frame),
        frame["total_conversions"],
        frame["total_null"],
        frame["total_conversion_value"],
        strict=True,
    ):
        states = ["(start)", *p]
        for a, b in itertools.pairwise(states):
            counts.setdefault(a, {}).setdefault(b, 0.0)
            counts[a][b] += conv + null
        last = states[-1]
        counts.setdefault(last, {}).setdefault("(conversion)", 0.0)
        counts[last]["(conversion)"] += conv
        counts[last].setdefault("(null)", 0.0)
        counts[last]["(null)"] += null
        value_out[last] = value_out.get(last, 0.0) + value

    def expected_value(removed: str | None) -> float:
        transient = [a for a in counts if a != removed]
        index = {a: i for i, a in enumerate(transient)}
        q = np.zeros((len(transient), len(transient)))
        r = np.zeros(len(transient))
        for a in transient:
            out = sum(counts[a].values())
            for b, w in counts[a].items():
                if b in index:
                    q[index[a], index[b]] += w / out
            r[index[a]] = value_out.get(a, 0.0) / out
        return float(np.linalg.solve(np.eye(len(transient)) - q, r)[index["(start)"]])

    base = expected_value(None)
    return {c: 1 - expected_value(c) / base for c in sorted({c for p in paths(frame) for c in p})}


@pytest.mark.parametrize("order", [1, 2])
def test_markov_value_weighting(order):
    j = oc.Journeys.from_paths(EXAMPLE)
    weighted = oc.attribute(j, oc.Markov(order=order, value_weighting=True))
    plain = oc.attribute(j, oc.Markov(order=order))
    np.testing.assert_allclose(weighted.conversions, plain.conversions)
    assert weighted.value.sum() == pytest.approx(EXAMPLE["total_conversion_value"].sum())
    if order == 1:
        effects = brute_value_weighted(EXAMPLE)
        expected = np.array([effects[c] for c in weighted.channels])
        expected = expected / expected.sum() * EXAMPLE["total_conversion_value"].sum()
        np.testing.assert_allclose(weighted.value, expected, rtol=1e-10)
    assert not np.allclose(weighted.value, plain.value)


def test_value_without_conversions_is_rejected():
    frame = pd.DataFrame(
        {"path": ["a", "b"], "total_conversions": [0.0, 1.0], "total_conversion_value": [5.0, 1.0]}
    )
    with pytest.raises(oc.SchemaError, match="value but no conversions; first is path 0"):
        oc.attribute(oc.Journeys.from_paths(frame), oc.Markov())
