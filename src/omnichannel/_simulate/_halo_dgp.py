"""Store openings and closures, and channel drivers, with known cross-channel effects.

Regions have weekly store and online sales. Some regions open a store, others close one, at a
random week; the opening lifts (halo) or lowers (cannibalisation) online sales in the region by a
known relative amount from then on. Independently, each region's store footfall and online
sessions move as AR(1) shocks, and each channel's sales respond to both with known elasticities.
Everything acts on log sales, so two-way fixed-effects regressions on log sales are correctly
specified.
"""

from __future__ import annotations

import datetime as _dt
import math

import attrs
import numpy as np
import pandas as pd

from .._exceptions import InvalidParameterError
from .._validation import as_generator, check_int, check_real
from ._ids import format_ids, take_labels

__all__ = ["StoreEvents", "simulate_store_events"]

_FUNC = "simulate_store_events"
_CHANNELS = ("online", "store")
# Effects of an event on the store channel of its own region (relative).
_STORE_OPENING = 0.25
_STORE_CLOSURE = -0.30
# Own elasticities: store sales to footfall, online sales to sessions.
_OWN_STORE = 0.8
_OWN_ONLINE = 0.6
_AR = 0.6
_SHOCK_SD = 0.15


@attrs.frozen(eq=False, repr=False)
class StoreEvents:
    """Simulated regional sales with store events and channel drivers, and the true effects.

    Built by :func:`simulate_store_events`. Frames are returned as copies.

    Attributes
    ----------
    sales : pandas.DataFrame
        ``region``, ``date`` (week start), ``channel`` (``online``, ``store``), ``sales``.
    events : pandas.DataFrame
        ``region``, ``date``, ``kind`` (``opening`` or ``closure``): at most one per region.
    drivers : pandas.DataFrame
        ``region``, ``date``, ``channel``, ``activity``: store footfall and online sessions.
    truth : pandas.DataFrame
        One row per true effect: ``design`` (``events`` or ``drivers``), ``cause`` (event kind
        or driver channel), ``channel`` (the responding sales channel), ``effect`` (log-scale
        coefficient: the events' log change or the elasticity) and ``relative_effect``
        (``exp(effect) - 1`` for events, NaN for elasticities).

    Examples
    --------
    >>> import omnichannel as oc
    >>> sim = oc.simulate_store_events(n_regions=10, n_weeks=30, seed=0)
    >>> sim.sales.columns.tolist()
    ['region', 'date', 'channel', 'sales']
    >>> sim.truth.query("design == 'events' and channel == 'online'")[["cause", "relative_effect"]]
         cause  relative_effect
    0  opening             0.10
    1  closure            -0.08
    """

    _sales: pd.DataFrame = attrs.field(alias="sales")
    _events: pd.DataFrame = attrs.field(alias="events")
    _drivers: pd.DataFrame = attrs.field(alias="drivers")
    _truth: pd.DataFrame = attrs.field(alias="truth")

    @property
    def sales(self) -> pd.DataFrame:
        """Weekly sales per region and channel (a copy)."""
        return self._sales.copy()

    @property
    def events(self) -> pd.DataFrame:
        """Store openings and closures (a copy)."""
        return self._events.copy()

    @property
    def drivers(self) -> pd.DataFrame:
        """Weekly footfall and sessions per region (a copy)."""
        return self._drivers.copy()

    @property
    def truth(self) -> pd.DataFrame:
        """The true effects (a copy)."""
        return self._truth.copy()

    def __repr__(self) -> str:
        kinds = self._events["kind"].value_counts()
        return (
            f"StoreEvents({self._sales['region'].nunique()} regions x "
            f"{self._sales['date'].nunique()} weeks; {kinds.get('opening', 0)} openings, "
            f"{kinds.get('closure', 0)} closures)"
        )


def simulate_store_events(
    *,
    n_regions: int = 40,
    n_weeks: int = 104,
    opening_effect: float = 0.10,
    closure_effect: float = -0.08,
    store_to_online: float = -0.15,
    online_to_store: float = 0.10,
    share_opening: float = 0.3,
    share_closure: float = 0.2,
    noise: float = 0.05,
    start: str | _dt.date | pd.Timestamp = "2024-01-01",
    seed: int | np.random.Generator = 0,
) -> StoreEvents:
    r"""Simulate weekly regional store and online sales with store events and drivers.

    For region :math:`r` and week :math:`t`,

    .. math:: \log y^{on}_{rt} = a_r + s_t + \log(1 + o)\, O_{rt} + \log(1 + c)\, C_{rt}
              + e_{so} f_{rt} + 0.6\, g_{rt} + \varepsilon_{rt},

    .. math:: \log y^{st}_{rt} = b_r + s'_t + \log 1.25\, O_{rt} + \log 0.7\, C_{rt}
              + 0.8\, f_{rt} + e_{os} g_{rt} + \varepsilon'_{rt},

    where :math:`O_{rt}` and :math:`C_{rt}` are 1 from the week of a store opening or closure in
    the region on, :math:`o` is ``opening_effect`` and :math:`c` ``closure_effect`` (relative
    changes of online sales: positive is a halo, negative cannibalisation), :math:`f` and
    :math:`g` are log store footfall and log online sessions (AR(1) around the region's level,
    independent of the events), :math:`e_{so}` is ``store_to_online`` and :math:`e_{os}`
    ``online_to_store``; noise is normal with sd ``noise``. Events fall between the first and
    the last fifth of the period; regions without events are controls.

    Parameters
    ----------
    n_regions : int, default 40
        Regions, >= 4.
    n_weeks : int, default 104
        Weeks, >= 10.
    opening_effect, closure_effect : float, default 0.10 and -0.08
        Relative change of online sales after an opening and after a closure, > -1.
    store_to_online, online_to_store : float, default -0.15 and 0.10
        Cross elasticities: of online sales to store footfall, of store sales to online sessions.
    share_opening, share_closure : float, default 0.3 and 0.2
        Shares of regions with an opening and with a closure (each region has at most one
        event); together at most 0.9 so that controls remain.
    noise : float, default 0.05
        Standard deviation of the log-sales noise, >= 0.
    start : str, datetime.date or pandas.Timestamp, default "2024-01-01"
        First week.
    seed : int or numpy.random.Generator, default 0
        Randomness.

    Returns
    -------
    StoreEvents
        ``sales``, ``events``, ``drivers`` and ``truth``.

    Raises
    ------
    InvalidParameterError
        On an out-of-range parameter.

    See Also
    --------
    cross_channel_effects : estimate the effects from these frames.

    Examples
    --------
    >>> import omnichannel as oc
    >>> sim = oc.simulate_store_events(n_regions=20, n_weeks=52, seed=1)
    >>> sim
    StoreEvents(20 regions x 52 weeks; 6 openings, 4 closures)
    >>> sorted(sim.drivers["channel"].unique())
    ['online', 'store']
    """
    regions = check_int(n_regions, "n_regions", func=_FUNC, low=4)
    weeks = check_int(n_weeks, "n_weeks", func=_FUNC, low=10)
    assert regions is not None
    assert weeks is not None
    o = check_real(opening_effect, "opening_effect", func=_FUNC, low=-1.0, low_open=True)
    c = check_real(closure_effect, "closure_effect", func=_FUNC, low=-1.0, low_open=True)
    e_so = check_real(store_to_online, "store_to_online", func=_FUNC)
    e_os = check_real(online_to_store, "online_to_store", func=_FUNC)
    s_open = check_real(share_opening, "share_opening", func=_FUNC, low=0.0, high=0.9)
    s_close = check_real(share_closure, "share_closure", func=_FUNC, low=0.0, high=0.9)
    if s_open + s_close > 0.9:
        raise InvalidParameterError(
            f"share_opening + share_closure of {_FUNC} must be at most 0.9 so that control "
            f"regions remain. Got {s_open} + {s_close} instead."
        )
    sd = check_real(noise, "noise", func=_FUNC, low=0.0)
    first = pd.Timestamp(start)
    if not isinstance(start, str | _dt.date | pd.Timestamp) or pd.isna(first):
        raise InvalidParameterError(
            f"The 'start' parameter of {_FUNC} must be a date. Got {start!r} instead."
        )
    rng = as_generator(seed, func=_FUNC)

    r, t = regions, weeks
    n_open = round(s_open * r)
    n_close = round(s_close * r)
    kind = np.full(r, -1)
    chosen = rng.permutation(r)
    kind[chosen[:n_open]] = 0
    kind[chosen[n_open : n_open + n_close]] = 1
    low, high = max(1, t // 5), max(2, t - t // 5)
    week_of_event = rng.integers(low, high, size=r)
    after = np.arange(t)[None, :] >= week_of_event[:, None]  # regions x weeks
    opened = after & (kind == 0)[:, None]
    closed = after & (kind == 1)[:, None]

    def ar1() -> np.ndarray:
        shocks = rng.normal(0.0, _SHOCK_SD, size=(r, t))
        out = np.empty((r, t))
        out[:, 0] = shocks[:, 0] / math.sqrt(1 - _AR**2)
        for week in range(1, t):  # a loop over time steps, vectorised over regions
            out[:, week] = _AR * out[:, week - 1] + shocks[:, week]
        return out

    footfall, sessions = ar1(), ar1()
    season = 0.12 * np.cos(2 * np.pi * np.arange(t) / 52.0) + 0.002 * np.arange(t)
    week_online = season + rng.normal(0.0, 0.03, size=t)
    week_store = season + rng.normal(0.0, 0.03, size=t)
    level_online = rng.normal(math.log(4000.0), 0.5, size=r)
    level_store = rng.normal(math.log(15000.0), 0.5, size=r)
    log_online = (
        level_online[:, None]
        + week_online[None, :]
        + math.log1p(o) * opened
        + math.log1p(c) * closed
        + e_so * footfall
        + _OWN_ONLINE * sessions
        + rng.normal(0.0, sd, size=(r, t))
    )
    log_store = (
        level_store[:, None]
        + week_store[None, :]
        + math.log1p(_STORE_OPENING) * opened
        + math.log1p(_STORE_CLOSURE) * closed
        + _OWN_STORE * footfall
        + e_os * sessions
        + rng.normal(0.0, sd, size=(r, t))
    )

    names = format_ids("R", r, width=len(str(r)))
    dates = pd.date_range(first.normalize(), periods=t, freq="7D")
    region_idx = np.repeat(np.arange(r), t)
    week_idx = np.tile(np.arange(t), r)

    def long(values_online: np.ndarray, values_store: np.ndarray, column: str) -> pd.DataFrame:
        frame = pd.DataFrame(
            {
                "region": take_labels(names, np.concatenate([region_idx, region_idx])),
                "date": dates[np.concatenate([week_idx, week_idx])],
                "channel": take_labels(_CHANNELS, np.repeat([0, 1], r * t)),
                column: np.concatenate([values_online.ravel(), values_store.ravel()]),
            }
        )
        return frame.sort_values(["region", "date", "channel"], kind="stable").reset_index(
            drop=True
        )

    sales = long(np.round(np.exp(log_online), 2), np.round(np.exp(log_store), 2), "sales")
    drivers = long(
        np.round(20000.0 * np.exp(sessions), 1), np.round(8000.0 * np.exp(footfall), 1), "activity"
    )
    has = np.flatnonzero(kind >= 0)
    events = pd.DataFrame(
        {
            "region": take_labels(names, has),
            "date": dates[week_of_event[has]],
            "kind": take_labels(("opening", "closure"), kind[has]),
        }
    ).reset_index(drop=True)
    truth = pd.DataFrame(
        {
            "design": take_labels(("events", "drivers"), [0, 0, 0, 0, 1, 1, 1, 1]),
            "cause": take_labels(
                ("opening", "closure", "store", "online"), [0, 1, 0, 1, 2, 3, 2, 3]
            ),
            "channel": take_labels(_CHANNELS, [0, 0, 1, 1, 0, 0, 1, 1]),
            "effect": [
                math.log1p(o),
                math.log1p(c),
                math.log1p(_STORE_OPENING),
                math.log1p(_STORE_CLOSURE),
                e_so,
                _OWN_ONLINE,
                _OWN_STORE,
                e_os,
            ],
            "relative_effect": [o, c, _STORE_OPENING, _STORE_CLOSURE, *([np.nan] * 4)],
        }
    )
    return StoreEvents(sales=sales, events=events, drivers=drivers, truth=truth)
