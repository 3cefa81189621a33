"""Halo and cannibalisation between sales channels: store events and cross elasticities.

Two designs on log sales:

- *events*: store openings and closures as a difference-in-differences with two-way fixed
  effects (region and period), the regions without such an event as controls, and standard
  errors clustered by region; optionally an event study of leads and lags.
- *drivers*: the elasticity of one channel's sales to another channel's activity (footfall,
  sessions, ...) in a log-log regression with fixed effects (or trend and seasonality for
  national data), all drivers together so that each is controlled for the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from .._exceptions import InvalidParameterError, SchemaError
from .._html import html_table
from .._plotting import new_axes
from .._validation import (
    Column,
    FrameSchema,
    check_frame,
    check_id_kinds,
    check_int,
    check_real,
    fail_at_rows,
    short_repr,
)

__all__ = [
    "EFFECT_COLUMNS",
    "EVENT_KINDS",
    "CrossChannelResult",
    "EventKind",
    "cross_channel_effects",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

EventKind = Literal["opening", "closure"]
#: Kinds of store events :func:`cross_channel_effects` understands.
EVENT_KINDS: tuple[EventKind, ...] = ("opening", "closure")
#: Columns of :meth:`CrossChannelResult.to_frame`.
EFFECT_COLUMNS: tuple[str, ...] = (
    "design",
    "cause",
    "channel",
    "estimate",
    "se",
    "lower",
    "upper",
    "p_value",
    "relative_effect",
    "label",
    "n_obs",
    "n_clusters",
)
EVENT_STUDY_COLUMNS: tuple[str, ...] = (
    "kind",
    "channel",
    "period",
    "estimate",
    "se",
    "lower",
    "upper",
)
_FUNC = "cross_channel_effects"

_SALES = FrameSchema(
    "sales",
    (
        Column("region", "id", description="Region (or store catchment) of the row."),
        Column("date", "datetime", description="Period start (e.g. week)."),
        Column("channel", "label", description="Sales channel."),
    ),
)
_EVENTS = FrameSchema(
    "events",
    (
        Column("region", "id", description="Region of the store event."),
        Column("date", "datetime", description="Date of the event."),
        Column("kind", "label", description="'opening' or 'closure'."),
    ),
)
_DRIVERS = FrameSchema(
    "drivers",
    (
        Column("region", "id", required=False, description="Region; omit for national data."),
        Column("date", "datetime", description="Period start."),
        Column("channel", "label", description="Channel whose activity this is."),
        Column("activity", "count", description="Activity (footfall, sessions, ...), > 0."),
    ),
)


# --------------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------------


def _has_columns(columns: tuple[str, ...]) -> Any:
    def check(instance: object, attribute: Any, frame: pd.DataFrame | None) -> None:
        if frame is None:
            return
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise InvalidParameterError(
                f"CrossChannelResult.{attribute.name.lstrip('_')} is missing column(s) {missing}."
            )

    return check


@attrs.frozen(eq=False)
class CrossChannelResult:
    """Cross-channel effects: store-event halos and cross elasticities, with intervals.

    Built by :func:`cross_channel_effects`. Each row of :meth:`to_frame` is one effect of a
    *cause* (an event kind, or a driver channel's activity) on the sales of a *channel*:

    - ``design == "events"``: ``estimate`` is the change in log sales per event (difference in
      differences), ``relative_effect = exp(estimate) - 1``.
    - ``design == "drivers"``: ``estimate`` is the elasticity (% change in sales per 1% change
      in the driver's activity); ``relative_effect`` is NaN.

    ``label`` reads the sign as a relationship between the two channels when the interval
    excludes zero: ``halo`` (the cause's channel supports the other: an opening or more activity
    raises its sales, a closure lowers them), ``cannibalisation`` (the reverse), ``own`` (the
    cause acts on its own channel) and ``none`` (interval covers zero).

    Attributes
    ----------
    level : float
        Confidence level of the intervals.
    store_channel : str
        Channel of the stores that open and close.

    Examples
    --------
    >>> import omnichannel as oc
    >>> sim = oc.simulate_store_events(n_regions=30, n_weeks=60, seed=2)
    >>> res = oc.cross_channel_effects(sim.sales, events=sim.events, drivers=sim.drivers)
    >>> res.events()[["cause", "channel", "label"]]
         cause channel label
    0  opening  online  halo
    1  closure  online  halo
    """

    _effects: pd.DataFrame = attrs.field(
        alias="effects", validator=_has_columns(EFFECT_COLUMNS), repr=False
    )
    _event_study: pd.DataFrame | None = attrs.field(
        alias="event_study", validator=_has_columns(EVENT_STUDY_COLUMNS), repr=False
    )
    level: float
    store_channel: str

    def to_frame(self) -> pd.DataFrame:
        """Every effect, one row each, with the columns ``EFFECT_COLUMNS`` (a copy)."""
        return self._effects.copy()

    def events(self) -> pd.DataFrame:
        """Return the store-event rows of :meth:`to_frame`, renumbered."""
        frame = self._effects
        return frame.loc[frame["design"] == "events"].reset_index(drop=True)

    def elasticities(self) -> pd.DataFrame:
        """Return the driver rows of :meth:`to_frame`, renumbered."""
        frame = self._effects
        return frame.loc[frame["design"] == "drivers"].reset_index(drop=True)

    def event_study(self) -> pd.DataFrame:
        """Lead and lag coefficients per event kind and channel (period -1 is the reference).

        Raises
        ------
        InvalidParameterError
            When the result was computed without ``leads_lags``.
        """
        if self._event_study is None:
            raise InvalidParameterError(
                "event_study() needs the event-study window: call cross_channel_effects with "
                "leads_lags=(leads, lags)."
            )
        return self._event_study.copy()

    def summary(self) -> pd.DataFrame:
        """Cross-channel rows only (no ``own``), largest absolute estimate first."""
        frame = self._effects.loc[self._effects["label"] != "own"]
        order = np.argsort(-np.abs(frame["estimate"].to_numpy()), kind="stable")
        return frame.iloc[order].reset_index(drop=True)

    def __repr__(self) -> str:
        frame = self.summary()
        shown = "; ".join(
            f"{cause}->{chan} {est:+.3g} ({lab})"
            for cause, chan, est, lab in zip(
                frame["cause"], frame["channel"], frame["estimate"], frame["label"], strict=True
            )
        )
        return f"CrossChannelResult({len(self._effects)} effects: {shown or 'none'})"

    def _repr_html_(self) -> str:
        return html_table(self.to_frame(), "CrossChannelResult")

    def plot(self, ax: Any = None, *, what: str = "effects") -> Any:
        """Forest plot of the effects, or the event study's leads and lags.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.
        what : {"effects", "event_study"}
            What to draw.

        Returns
        -------
        matplotlib Axes
        """
        if what not in ("effects", "event_study"):
            raise InvalidParameterError(
                "The 'what' parameter of CrossChannelResult.plot must be one of ['effects', "
                f"'event_study']. Got {what!r} instead."
            )
        if what == "event_study":
            study = self.event_study()
            axes = new_axes(ax)
            for (kind, chan), part in study.groupby(["kind", "channel"], sort=True):
                axes.errorbar(
                    part["period"],
                    part["estimate"],
                    yerr=[part["estimate"] - part["lower"], part["upper"] - part["estimate"]],
                    marker="o",
                    capsize=3,
                    label=f"{kind} -> {chan}",
                )
            axes.axhline(0.0, color="grey", linewidth=1)
            axes.axvline(-0.5, color="grey", linestyle="--", linewidth=1)
            axes.set_xlabel("periods since the event")
            axes.set_ylabel("change in log sales")
            axes.legend(loc="best")
            axes.set_title("Event study")
            return axes
        frame = self._effects
        axes = new_axes(ax, figsize=(6.5, 0.45 * len(frame) + 1.5))
        pos = np.arange(len(frame))[::-1]
        est = frame["estimate"].to_numpy()
        axes.errorbar(
            est,
            pos,
            xerr=[est - frame["lower"].to_numpy(), frame["upper"].to_numpy() - est],
            fmt="o",
            capsize=3,
            color="#4C72B0",
        )
        labels = [
            f"{d}: {c} -> {ch}"
            for d, c, ch in zip(frame["design"], frame["cause"], frame["channel"], strict=True)
        ]
        axes.set_yticks(pos, labels=labels)
        axes.axvline(0.0, color="grey", linewidth=1)
        axes.set_xlabel("log change per event / elasticity")
        axes.set_title("Cross-channel effects")
        return axes


# --------------------------------------------------------------------------------------------
# Panels and regressions
# --------------------------------------------------------------------------------------------


@attrs.frozen(eq=False)
class _Panel:
    """Log sales of one or more channels on a (region, period) grid, long format."""

    region: IntArray  # code per row
    period: IntArray  # code per row (index into dates)
    dates: npt.NDArray[np.datetime64]  # sorted unique periods
    regions: npt.NDArray[Any]  # region labels by code
    log_sales: dict[str, FloatArray]  # per channel, aligned with the rows
    present: dict[str, npt.NDArray[np.bool_]]


def _region_keys(*series: pd.Series[Any]) -> tuple[list[IntArray], npt.NDArray[Any]]:
    both = pd.concat([s.astype(str) for s in series], ignore_index=True)
    codes, uniques = pd.factorize(both, sort=True)
    out, start = [], 0
    for s in series:
        out.append(codes[start : start + len(s)].astype(np.int64))
        start += len(s)
    return out, np.asarray(uniques, dtype=object)


def _sales_panel(sales: pd.DataFrame, value: str, channels: Sequence[str]) -> _Panel:
    rows = sales.loc[sales["channel"].astype(str).isin(list(channels))]
    (region,), regions = _region_keys(rows["region"])
    stamps = rows["date"].to_numpy(dtype="datetime64[ns]")
    dates, period = np.unique(stamps, return_inverse=True)
    period = period.astype(np.int64).reshape(-1)
    n_periods = dates.size
    cell = region * n_periods + period
    grid, row_of_cell = np.unique(cell, return_inverse=True)
    row_of_cell = row_of_cell.reshape(-1)
    chan = rows["channel"].astype(str).to_numpy()
    values = rows[value].to_numpy(dtype=np.float64)
    log_sales: dict[str, FloatArray] = {}
    present: dict[str, npt.NDArray[np.bool_]] = {}
    for name in channels:  # a handful of channels, each an array operation
        mine = chan == name
        total = np.bincount(row_of_cell[mine], weights=values[mine], minlength=grid.size)
        seen = np.bincount(row_of_cell[mine], minlength=grid.size) > 0
        bad = seen & (total <= 0)
        if bad.any():
            cell_bad = grid[int(np.flatnonzero(bad)[0])]
            raise SchemaError(
                f"sales[{value!r}] of channel {name!r} must be > 0 in every region and period "
                "(effects are estimated on log sales); region "
                f"{regions[cell_bad // n_periods]!r} on "
                f"{pd.Timestamp(dates[cell_bad % n_periods]).date()} "
                "sums to 0. Drop such rows or aggregate to larger regions or periods."
            )
        with np.errstate(divide="ignore"):
            log_sales[name] = np.where(seen, np.log(np.where(seen, total, 1.0)), np.nan)
        present[name] = seen
    return _Panel(
        region=(grid // n_periods).astype(np.int64),
        period=(grid % n_periods).astype(np.int64),
        dates=dates,
        regions=regions,
        log_sales=log_sales,
        present=present,
    )


def _demean(values: FloatArray, groups: IntArray) -> FloatArray:
    """Subtract group means (columns of ``values`` at once)."""
    n_groups = int(groups.max()) + 1 if groups.size else 0
    counts = np.bincount(groups, minlength=n_groups).astype(np.float64)
    if values.ndim == 1:
        means = np.bincount(groups, weights=values, minlength=n_groups) / counts
        out: FloatArray = values - means[groups]
        return out
    sums = np.zeros((n_groups, values.shape[1]))
    np.add.at(sums, groups, values)
    out = values - (sums / counts[:, None])[groups]
    return out


@attrs.frozen(eq=False)
class _Fit:
    names: tuple[str, ...]
    estimate: FloatArray
    se: FloatArray
    n_obs: int
    n_clusters: int
    df: float  # degrees of freedom of the t reference (clusters - 1 or residual df)


def _twoway_demean(values: FloatArray, region: IntArray, period: IntArray) -> FloatArray:
    """Remove region and period means (alternating projections; exact in one pass if balanced)."""
    out = values.copy()
    for _ in range(1000):
        out = _demean(_demean(out, region), period)
        drift = np.abs(_demean(out, region) - out).max() if out.size else 0.0
        if drift < 1e-11 * (1.0 + np.abs(values).max()):
            break
    return out


def _twfe(
    y: FloatArray,
    x: FloatArray,
    names: tuple[str, ...],
    region: IntArray,
    period: IntArray,
) -> _Fit:
    """OLS of y on x with region and period fixed effects, SEs clustered by region.

    Both sets of effects are absorbed by demeaning (Frisch-Waugh-Lovell), so the coefficients
    equal those of the dummy-variable regression. The small-sample factor of the cluster
    covariance counts the period effects but not the region effects, which are nested in the
    clusters (as Stata's ``reghdfe``).
    """
    import statsmodels.api as sm

    both = _twoway_demean(np.column_stack([y, x]), region, period)
    yd, xd = both[:, 0], both[:, 1:]
    res = sm.OLS(yd, xd).fit(
        cov_type="cluster", cov_kwds={"groups": region, "use_correction": True}
    )
    k = x.shape[1]
    n = y.size
    n_periods = int(np.unique(period).size)
    absorbed = k + n_periods - 1
    if n - absorbed <= 0:
        raise SchemaError(
            f"Too few observations ({n}) for {k} effects and {n_periods} period effects."
        )
    # statsmodels scales by (n - 1) / (n - k); the absorbed period effects also use up df.
    scale = np.sqrt((n - k) / (n - absorbed))
    n_clusters = int(np.unique(region).size)
    return _Fit(
        names=names,
        estimate=np.asarray(res.params, dtype=np.float64),
        se=np.asarray(res.bse, dtype=np.float64) * scale,
        n_obs=int(n),
        n_clusters=n_clusters,
        df=float(n_clusters - 1),
    )


def _event_codes(panel: _Panel, events: pd.DataFrame) -> IntArray:
    """Panel region code of every event (-1 for regions without sales)."""
    index = pd.Index(panel.regions.astype(str))
    return np.asarray(index.get_indexer(events["region"].astype(str)), dtype=np.int64)


def _event_regressors(
    panel: _Panel, events: pd.DataFrame, rows: npt.NDArray[np.bool_]
) -> tuple[FloatArray, tuple[str, ...]]:
    """Cumulative number of events of each kind in the row's region up to its period."""
    code = _event_codes(panel, events)
    # The first period on or after the event date.
    when = np.searchsorted(panel.dates, events["date"].to_numpy(dtype="datetime64[ns]"))
    kinds = events["kind"].astype(str).to_numpy()
    present = [k for k in EVENT_KINDS if (kinds == k).any()]
    out = np.zeros((int(rows.sum()), len(present)))
    reg, per = panel.region[rows], panel.period[rows]
    n_regions, n_periods = panel.regions.size, panel.dates.size
    for j, kind in enumerate(present):
        mine = (kinds == kind) & (code >= 0)
        starts = np.zeros((n_regions, n_periods + 1))
        np.add.at(starts, (code[mine], when[mine]), 1.0)
        cumulative = np.cumsum(starts, axis=1)[:, :n_periods]
        out[:, j] = cumulative[reg, per]
    return out, tuple(present)


def _event_time(
    panel: _Panel, events: pd.DataFrame, rows: npt.NDArray[np.bool_], kind: str
) -> FloatArray:
    """Periods since the region's first event of ``kind`` (NaN for regions without one)."""
    mine = events.loc[events["kind"].astype(str) == kind]
    first = np.full(panel.regions.size, np.nan)
    codes = _event_codes(panel, mine)
    when = np.searchsorted(panel.dates, mine["date"].to_numpy(dtype="datetime64[ns]"))
    ok = codes >= 0
    order = np.argsort(when[ok], kind="stable")[::-1]  # earliest written last
    first[codes[ok][order]] = when[ok][order]
    out: FloatArray = panel.period[rows] - first[panel.region[rows]]
    return out


def _events_design(
    panel: _Panel,
    events: pd.DataFrame,
    responses: Sequence[str],
    leads_lags: tuple[int, int] | None,
    level: float,
    store_channel: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows_out: list[dict[str, Any]] = []
    study_out: list[dict[str, Any]] = []
    for chan in responses:  # a few channels; each regression is vectorised
        rows = panel.present[chan]
        y = panel.log_sales[chan][rows]
        x, kinds = _event_regressors(panel, events, rows)
        if not kinds:
            continue
        varies = [bool(np.ptp(_demean(x[:, j], panel.region[rows])) > 0) for j in range(len(kinds))]
        if not all(varies):
            bad = kinds[varies.index(False)]
            raise SchemaError(
                f"events of kind {bad!r} leave no variation to estimate their effect on "
                f"{chan!r} sales: no region has sales both before and after one. Check the "
                "event dates against the sales periods."
            )
        treated = np.unique(panel.region[rows][x.sum(axis=1) > 0])
        if treated.size == np.unique(panel.region[rows]).size:
            raise SchemaError(
                "Every region has a store event, so no control region remains for the "
                "difference in differences; include regions without events in sales."
            )
        fit = _twfe(y, x, kinds, panel.region[rows], panel.period[rows])
        rows_out.extend(_rows("events", fit, chan, level, store_channel))
        if leads_lags is not None:
            study_out.extend(_event_study(panel, events, rows, y, chan, kinds, leads_lags, level))
    return rows_out, study_out


def _event_study(
    panel: _Panel,
    events: pd.DataFrame,
    rows: npt.NDArray[np.bool_],
    y: FloatArray,
    chan: str,
    kinds: tuple[str, ...],
    window: tuple[int, int],
    level: float,
) -> list[dict[str, Any]]:
    leads, lags = window
    periods = [p for p in range(-leads, lags + 1) if p != -1]
    columns, names = [], []
    for kind in kinds:
        rel = _event_time(panel, events, rows, kind)
        binned = np.clip(rel, -leads, lags)  # endpoints collect everything beyond
        for p in periods:
            columns.append(np.where(np.isnan(rel), 0.0, (binned == p).astype(np.float64)))
            names.append(f"{kind}:{p}")
    fit = _twfe(y, np.column_stack(columns), tuple(names), panel.region[rows], panel.period[rows])
    crit = float(stats.t.ppf(0.5 + level / 2, fit.df))
    out = []
    for name, est, se in zip(fit.names, fit.estimate, fit.se, strict=True):
        kind, period = name.split(":")
        out.append(
            {
                "kind": kind,
                "channel": chan,
                "period": int(period),
                "estimate": float(est),
                "se": float(se),
                "lower": float(est - crit * se),
                "upper": float(est + crit * se),
            }
        )
    return out


def _label(design: str, cause: str, chan: str, low: float, high: float, store: str) -> str:
    own = chan == (store if design == "events" else cause)
    if own:
        return "own"
    if low <= 0 <= high:
        return "none"
    positive = low > 0
    # A closure that lowers the other channel's sales shows that the store supported it.
    if cause == "closure":
        positive = not positive
    return "halo" if positive else "cannibalisation"


def _rows(design: str, fit: _Fit, chan: str, level: float, store: str) -> list[dict[str, Any]]:
    crit = float(stats.t.ppf(0.5 + level / 2, fit.df))
    out = []
    for cause, est, se in zip(fit.names, fit.estimate, fit.se, strict=True):
        low, high = float(est - crit * se), float(est + crit * se)
        out.append(
            {
                "design": design,
                "cause": cause,
                "channel": chan,
                "estimate": float(est),
                "se": float(se),
                "lower": low,
                "upper": high,
                "p_value": float(2 * stats.t.sf(abs(est) / se, fit.df)) if se > 0 else np.nan,
                "relative_effect": float(np.expm1(est)) if design == "events" else np.nan,
                "label": _label(design, cause, chan, low, high, store),
                "n_obs": fit.n_obs,
                "n_clusters": fit.n_clusters,
            }
        )
    return out


def _drivers_design(
    sales: pd.DataFrame,
    drivers: pd.DataFrame,
    targets: Sequence[str],
    value: str,
    level: float,
    store_channel: str,
) -> list[dict[str, Any]]:
    import statsmodels.api as sm

    regional = "region" in drivers.columns
    driver_channels = sorted(drivers["channel"].astype(str).unique().tolist())
    keys = ["region", "date"] if regional else ["date"]
    wide = drivers.assign(channel=drivers["channel"].astype(str)).pivot_table(
        index=keys, columns="channel", values="activity", aggfunc="sum", observed=True
    )
    nonpositive = (wide <= 0).to_numpy().any(axis=1)
    if nonpositive.any():
        raise SchemaError(
            "drivers['activity'] must be > 0 (elasticities use its log); the first offending "
            f"key is {wide.index[int(np.flatnonzero(nonpositive)[0])]!r}."
        )
    out: list[dict[str, Any]] = []
    for target in targets:  # a few channels; each regression is vectorised
        rows = sales.loc[sales["channel"].astype(str) == target]
        total = rows.groupby(keys, observed=True)[value].sum()
        joined = pd.concat([total.rename("__y"), wide], axis=1, join="inner").dropna()
        if len(joined) < len(driver_channels) + 3:
            raise SchemaError(
                f"drivers and the {target!r} sales share only {len(joined)} complete "
                f"{'(region, date)' if regional else 'date'} rows; need at least "
                f"{len(driver_channels) + 3}. Check that their keys match."
            )
        if (joined["__y"] <= 0).any():
            raise SchemaError(
                f"sales[{value!r}] of channel {target!r} must be > 0 for the log-log "
                "regression; drop or aggregate the zero rows."
            )
        y = np.log(joined["__y"].to_numpy(dtype=np.float64))
        x = np.log(joined[driver_channels].to_numpy(dtype=np.float64))
        names = tuple(driver_channels)
        if regional:
            (region,), _ = _region_keys(joined.index.get_level_values("region").to_series())
            when = joined.index.get_level_values("date").to_numpy(dtype="datetime64[ns]")
            _, period = np.unique(when, return_inverse=True)
            fit = _twfe(y, x, names, region, period.astype(np.int64).reshape(-1))
        else:
            stamps = joined.index.get_level_values("date")
            t = (stamps - stamps.min()).days.to_numpy(dtype=np.float64) / 365.25
            season = [
                f(2 * np.pi * h * t) for h in (1, 2) for f in (np.sin, np.cos)
            ]  # yearly seasonality
            design = np.column_stack([x, np.ones_like(t), t, *season])
            lags = int(np.floor(4 * (y.size / 100) ** (2 / 9)))
            res = sm.OLS(y, design).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
            k = x.shape[1]
            fit = _Fit(
                names=names,
                estimate=np.asarray(res.params[:k], dtype=np.float64),
                se=np.asarray(res.bse[:k], dtype=np.float64),
                n_obs=int(y.size),
                n_clusters=0,
                df=float(res.df_resid),
            )
        out.extend(_rows("drivers", fit, target, level, store_channel))
    return out


# --------------------------------------------------------------------------------------------
# The public function
# --------------------------------------------------------------------------------------------


def _check_alignment(sales: pd.DataFrame, other: pd.DataFrame, name: str) -> None:
    """Refuse region ids or dates that cannot be matched between sales and ``other``.

    Regions are matched by value, so region ``1`` never equals ``"R01"`` nor ``"1"``: a type
    mismatch would leave every event or driver without sales and surface later as a misleading
    error. A naive date column against a timezone-aware one has no defined ordering (is the naive
    date local or UTC?), so the event would land in a period that depends on the zone. Empty
    columns carry nothing to match and are not compared.
    """
    if not len(sales) or not len(other):
        return
    if "region" in other.columns:
        check_id_kinds(other["region"], f"{name}['region']", sales["region"], "sales['region']")
    sales_tz = isinstance(sales["date"].dtype, pd.DatetimeTZDtype)
    other_tz = isinstance(other["date"].dtype, pd.DatetimeTZDtype)
    if sales_tz != other_tz:
        raise SchemaError(
            f"sales['date'] is {sales['date'].dtype} but {name}['date'] is "
            f"{other['date'].dtype}; both must be timezone-aware or both naive, since a naive "
            "date has no defined order against an aware one. Make them agree first, e.g. "
            ".dt.tz_localize(<zone>) on the naive column or .dt.tz_localize(None) on the aware "
            "one after converting it to the sales' local zone."
        )


def _channels_arg(value: object, name: str, known: list[str]) -> list[str]:
    chosen = [value] if isinstance(value, str) else value
    if (
        not isinstance(chosen, Sequence)
        or not chosen
        or any(not isinstance(c, str) for c in chosen)
    ):
        raise InvalidParameterError(
            f"The {name!r} parameter of {_FUNC} must be a channel name or a list of them. "
            f"Got {short_repr(value)} instead."
        )
    unknown = [c for c in chosen if c not in known]
    if unknown:
        raise InvalidParameterError(
            f"The {name!r} parameter of {_FUNC} names channel(s) {unknown} that sales does not "
            f"have; sales has {known}."
        )
    return list(dict.fromkeys(chosen))


def cross_channel_effects(
    sales: pd.DataFrame,
    *,
    events: pd.DataFrame | None = None,
    drivers: pd.DataFrame | None = None,
    response: str | Sequence[str] | None = None,
    value: str = "sales",
    store_channel: str = "store",
    leads_lags: tuple[int, int] | None = None,
    level: float = 0.95,
) -> CrossChannelResult:
    """Estimate halo and cannibalisation between sales channels.

    **Events design** (``events`` given): the effect of store openings and closures on each
    ``response`` channel's sales in the same region, by difference in differences on log sales:

    ``log y[r, t] = a[r] + s[t] + sum_k beta_k N_k[r, t] + e[r, t]``

    where ``N_k[r, t]`` counts the events of kind ``k`` in region ``r`` up to period ``t``.
    Regions without events are the controls; standard errors are clustered by region and the
    intervals use a t reference with ``regions - 1`` degrees of freedom. ``exp(beta) - 1`` is the
    relative change per event. The estimate is unbiased when, absent the event, treated and
    control regions would have trended alike (parallel trends: inspect ``leads_lags``) and the
    effect does not vary over time; with staggered events and effects that grow, two-way fixed
    effects can be biased (Goodman-Bacon 2021).

    **Drivers design** (``drivers`` given): the elasticity of each ``response`` channel's sales
    to every driver channel's activity, jointly in one log-log regression per response channel,
    with region and period fixed effects when the drivers have a ``region`` column (standard
    errors clustered by region), otherwise with a linear trend and yearly Fourier terms
    (Newey-West standard errors).

    Parameters
    ----------
    sales : pandas.DataFrame
        ``region``, ``date``, ``channel`` and the ``value`` column, one row per region, period
        and channel (rows on the same key are summed). Values of the modelled channels must be
        > 0. Not modified.
    events : pandas.DataFrame, optional
        ``region``, ``date`` and ``kind`` (``"opening"`` or ``"closure"``). An event counts from
        the first sales period on or after its date.
    drivers : pandas.DataFrame, optional
        ``date``, ``channel``, ``activity`` (> 0) and optionally ``region``.
    response : str or list of str, optional
        Channels whose sales respond. Default: every channel of ``sales`` except
        ``store_channel`` for the events design, and every channel for the drivers design.
    value : str, default "sales"
        Column of ``sales`` to model (e.g. ``"revenue"``).
    store_channel : str, default "store"
        Channel of the stores that open and close; its own response is labelled ``own``.
    leads_lags : tuple of int, optional
        ``(leads, lags)`` for an event study: one coefficient per period from ``-leads`` to
        ``lags`` around the event (period -1 is the reference; the end points collect everything
        beyond them).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    CrossChannelResult
        ``to_frame()``, ``events()``, ``elasticities()``, ``event_study()``, ``summary()``,
        ``plot()``.

    Raises
    ------
    SchemaError
        On a missing column, an unknown event kind, non-positive sales or activity, no control
        regions, events without before-and-after periods, or region ids or dates that cannot be
        matched with sales (integer regions in one frame and text in the other, no shared
        region, or naive dates in one frame and timezone-aware in the other).
    InvalidParameterError
        When neither design is requested, or on a bad option.

    See Also
    --------
    simulate_store_events : data with known halo and cannibalisation.

    Examples
    --------
    >>> import omnichannel as oc
    >>> sim = oc.simulate_store_events(n_regions=40, n_weeks=80, seed=0)
    >>> res = oc.cross_channel_effects(sim.sales, events=sim.events)
    >>> res.events()[["cause", "channel", "relative_effect"]].round(2)
         cause channel  relative_effect
    0  opening  online             0.09
    1  closure  online            -0.08
    """
    if events is None and drivers is None:
        raise InvalidParameterError(
            f"{_FUNC} needs events (store openings and closures) or drivers (channel activity), "
            "or both."
        )
    check_frame(sales, _SALES)
    if not isinstance(value, str) or value not in sales.columns:
        raise SchemaError(
            f"sales is missing the value column {value!r}; got "
            f"{short_repr([str(c) for c in sales.columns])}."
        )
    check_frame(sales, FrameSchema("sales", (Column(value, "number"),)))
    if not isinstance(store_channel, str):
        raise InvalidParameterError(
            f"The 'store_channel' parameter of {_FUNC} must be a str. Got "
            f"{short_repr(store_channel)} instead."
        )
    level_ = check_real(
        level, "level", func=_FUNC, low=0.0, high=1.0, low_open=True, high_open=True
    )
    window: tuple[int, int] | None = None
    if leads_lags is not None:
        if not isinstance(leads_lags, tuple) or len(leads_lags) != 2:
            raise InvalidParameterError(
                f"The 'leads_lags' parameter of {_FUNC} must be a tuple (leads, lags). "
                f"Got {short_repr(leads_lags)} instead."
            )
        leads = check_int(leads_lags[0], "leads_lags[0]", func=_FUNC, low=2)
        lags = check_int(leads_lags[1], "leads_lags[1]", func=_FUNC, low=0)
        assert leads is not None
        assert lags is not None
        window = (leads, lags)
    known = sorted(sales["channel"].astype(str).unique().tolist())
    rows: list[dict[str, Any]] = []
    study: list[dict[str, Any]] = []
    if events is not None:
        check_frame(events, _EVENTS)
        _check_alignment(sales, events, "events")
        kinds = events["kind"].astype(str)
        fail_at_rows(
            ~kinds.isin(list(EVENT_KINDS)).to_numpy(),
            events,
            "events['kind']",
            f"must be one of {list(EVENT_KINDS)}",
            "Map your event types onto these names first.",
            keys=("region", "kind"),
        )
        default = [c for c in known if c != store_channel]
        responses = default if response is None else _channels_arg(response, "response", known)
        if not responses:
            raise InvalidParameterError(
                f"sales has no channel besides the store channel {store_channel!r}; pass "
                "response=... to choose the responding channel."
            )
        panel = _sales_panel(sales, value, responses)
        if panel.regions.size < 2:
            raise SchemaError(
                "sales must cover at least 2 regions for a difference in differences."
            )
        if len(events) and not (_event_codes(panel, events) >= 0).any():
            raise SchemaError(
                f"events['region'] shares no region with the {short_repr(responses)} sales "
                f"(sales regions {short_repr(panel.regions.tolist())}, event regions "
                f"{short_repr(sorted(events['region'].astype(str).unique().tolist()))}); "
                "check the region labels."
            )
        found, study = _events_design(panel, events, responses, window, level_, store_channel)
        rows.extend(found)
    elif window is not None:
        raise InvalidParameterError(f"The 'leads_lags' parameter of {_FUNC} needs events.")
    if drivers is not None:
        check_frame(drivers, _DRIVERS)
        _check_alignment(sales, drivers, "drivers")
        targets = known if response is None else _channels_arg(response, "response", known)
        if "region" in drivers.columns:
            missing = drivers["region"].astype(str).isin(sales["region"].astype(str))
            if not missing.any():
                raise SchemaError(
                    "drivers['region'] shares no region with sales; check the region labels."
                )
        rows.extend(_drivers_design(sales, drivers, targets, value, level_, store_channel))
    effects = pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))
    for col in ("design", "cause", "channel", "label"):
        effects[col] = effects[col].astype(str)
    event_study = pd.DataFrame(study, columns=list(EVENT_STUDY_COLUMNS)) if window else None
    if event_study is not None:
        event_study["kind"] = event_study["kind"].astype(str)
        event_study["channel"] = event_study["channel"].astype(str)
    return CrossChannelResult(
        effects=effects, event_study=event_study, level=level_, store_channel=store_channel
    )
