"""Croston, SBA and TSB: intermittent-demand methods with integer-valued forecast distributions.

Point forecasts follow the definitions of Nixtla's statsforecast (``CrostonClassic``,
``CrostonOptimized``, ``CrostonSBA``, ``TSB``): simple exponential smoothing (SES) initialised at
the first value, of the positive demand sizes and of the intervals between them (Croston, SBA),
or of the sizes and of the demand indicator (TSB); optimised smoothing parameters minimise each
component's in-sample sum of squared one-step errors by statsforecast's golden-section search.

All series are smoothed together in *event time*: series are ordered by their number of demands,
so the series that have a ``j``-th demand are a prefix of that order and step ``j`` is one array
operation on a slice. The in-sample fits are expanded back to the calendar in one vectorised pass.

The methods have no stochastic model of their own; the forecast distribution here is the one
their estimates describe: each period independently has a demand with probability ``pi`` (``1/p``
for Croston, ``(1 - alpha/2)/p`` for SBA, the smoothed indicator for TSB) of a size whose mean is
the smoothed size ``z`` and whose variance is the in-sample mean squared one-step error of the
size smoothing. For count series (all values integer) the size is ``1 +`` a negative binomial
(Poisson when not overdispersed), so samples and quantiles are non-negative integers; other series
get a gamma size. The mean of the distribution equals the point forecast.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from .._validation import check_int
from ._base import FittedSeries, SeriesPanel
from ._count_shared import (
    _check_alpha,
    _check_bounds,
    _check_x,
    block_slices,
    count_ppf,
    fit_uplift,
    history,
    time_major,
    uplift_factor,
)

__all__ = ["SBA", "TSB", "Croston", "FittedIntermittent"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]

#: statsforecast's golden-section tolerance on the smoothing parameter.
_TOL = 1e-12
_GOLDEN = (np.sqrt(5.0) + 1.0) / 2.0


# ------------------------------------------------------------------------------------------
# event-time layout and SES kernels


@attrs.frozen(kw_only=True, eq=False)
class _Events:
    """Demands of every series in event-major order, ``width`` components per series.

    ``flat[offsets[j] + width * rank + c]`` is component ``c`` (0: size, 1: interval) of the
    ``j``-th demand of the series at position ``rank`` of ``order`` (most demands first);
    ``active[j]`` is the length of step ``j``'s prefix. ``pos`` gives the flat position of each
    demand's size in row-major order (series, then time), ``rows``/``cols`` its cell.
    """

    width: int
    order: IntArray
    counts: IntArray
    flat: FloatArray
    offsets: IntArray
    active: IntArray
    pos: IntArray
    rows: IntArray
    cols: IntArray
    integer: BoolArray


def _events(y: FloatArray, start: IntArray, *, intervals: bool = True) -> _Events:
    """Lay out sizes (and the intervals between demands) in event-major order.

    A demand is a positive value: NaN (before a start) and negative values (returns) are not.
    """
    n = y.shape[0]
    occ = y > 0.0
    counts = np.count_nonzero(occ, axis=1)
    rows, cols = np.nonzero(occ)
    del occ
    order = np.argsort(-counts, kind="stable")
    rank_of = np.empty(n, dtype=np.intp)
    rank_of[order] = np.arange(n)
    first_of = np.cumsum(counts) - counts
    j = np.arange(rows.size) - np.repeat(first_of, counts)
    sorted_counts = counts[order]
    kmax = int(sorted_counts[0]) if n else 0
    width = 2 if intervals else 1
    active = width * np.searchsorted(-sorted_counts, -np.arange(kmax), side="left")
    offsets = np.zeros(kmax + 1, dtype=np.intp)
    np.cumsum(active, out=offsets[1:])
    pos = offsets[j]
    del j
    pos += width * rank_of[rows]
    flat = np.empty(width * rows.size)
    sizes = y[rows, cols]
    flat[pos] = sizes
    fractional = rows[sizes != np.round(sizes)]
    del sizes
    if intervals:
        gaps = np.empty_like(cols)
        np.subtract(cols[1:], cols[:-1], out=gaps[1:])
        has = counts > 0
        firsts = first_of[has]
        gaps[firsts] = cols[firsts] - start[has] + 1  # the first interval counts from the start
        flat[pos + 1] = gaps
        del gaps
    return _Events(
        width=width,
        order=order,
        counts=counts,
        flat=flat,
        offsets=offsets,
        active=active,
        pos=pos,
        rows=rows,
        cols=cols,
        integer=np.bincount(fractional, minlength=n) == 0,
    )


class _SES:
    """SES over events for every component of every series at once (``alpha`` in event order).

    The per-step slices of the buffers are made once and reused by every pass: a pass is then
    six ufunc calls per event step, which matters when a golden-section search makes dozens.
    """

    def __init__(self, ev: _Events) -> None:
        width = ev.width * ev.counts.size
        self.ev = ev
        self.alpha = np.empty(width)
        self.comp = np.empty(width)
        self.level = np.empty(width)
        self.sse = np.empty(width)
        self.tmp = np.empty(width)
        self.steps = [
            (
                ev.flat[ev.offsets[j] : ev.offsets[j] + int(m)],
                self.alpha[: int(m)],
                self.comp[: int(m)],
                self.level[: int(m)],
                self.sse[: int(m)],
                self.tmp[: int(m)],
            )
            for j, m in enumerate(ev.active)
        ]

    def run(self, alpha: FloatArray, levels: FloatArray | None = None) -> FloatArray:
        """Sum of squared one-step errors per component, as statsforecast's ``ses_sse``.

        The level starts at the first value; errors count from the second. With ``levels``
        (flat layout), also stores the level after each demand as statsforecast's
        ``ses_forecast`` computes it: ``alpha * x + (1 - alpha) * level``, in this order.
        """
        np.copyto(self.alpha, alpha)
        np.subtract(1.0, alpha, out=self.comp)
        self.sse.fill(0.0)
        off = self.ev.offsets
        for j, (x, al, comp, lv, sse, tp) in enumerate(self.steps):
            if j == 0:
                lv[:] = x
            else:
                np.subtract(x, lv, out=tp)
                tp *= tp
                sse += tp
            np.multiply(al, x, out=tp)
            lv *= comp
            lv += tp
            if levels is not None:
                levels[off[j] : off[j] + x.size] = lv
        return self.sse.copy()


def _ses_events(
    ev: _Events, alpha: FloatArray, *, keep_levels: bool = False
) -> tuple[FloatArray, FloatArray | None]:
    """One :class:`_SES` pass: error sums and, when asked, the level after each demand."""
    levels = np.empty(ev.flat.size) if keep_levels else None
    return _SES(ev).run(alpha, levels), levels


def _golden_events(ev: _Events, bounds: tuple[float, float], tol: float = _TOL) -> FloatArray:
    """Run statsforecast's ``golden_section_ses`` for every component of every series at once.

    Same brackets, same comparisons (a tie stops a series' search) and, by default, the same
    tolerance; each iteration evaluates one new point per component in one pass over event time.
    """
    n2 = ev.width * ev.counts.size
    if not ev.active.size:
        return np.full(n2, 0.5 * (bounds[0] + bounds[1]))
    a = np.full(n2, bounds[0])
    b = np.full(n2, bounds[1])
    c = b - (b - a) / _GOLDEN
    d = a + (b - a) / _GOLDEN
    ses = _SES(ev)
    fc = ses.run(c)
    fd = ses.run(d)
    alive = np.ones(n2, dtype=bool)
    while True:
        alive &= np.abs(b - a) >= tol
        lower, upper = alive & (fc < fd), alive & (fd < fc)
        alive &= lower | upper  # a tie ends the search
        if not alive.any():
            break
        b = np.where(lower, d, b)
        a = np.where(upper, c, a)
        d_next = np.where(lower, c, np.where(upper, a + (b - a) / _GOLDEN, d))
        c_next = np.where(lower, b - (b - a) / _GOLDEN, np.where(upper, d, c))
        fd = np.where(lower, fc, fd)
        fc = np.where(upper, fd, fc)
        c, d = c_next, d_next
        probe = np.where(lower, c, d)
        f_new = ses.run(probe)
        fc = np.where(lower, f_new, fc)
        fd = np.where(upper, f_new, fd)
    return np.asarray((b + a) / 2.0, dtype=np.float64)


def _golden_probability(
    occ: BoolArray, start: IntArray, bounds: tuple[float, float], tol: float
) -> FloatArray:
    """Golden-section SES parameter of the demand indicator per series (TSB), in calendar time."""
    n, t = occ.shape
    out = np.empty(n)
    order = np.argsort(start, kind="stable")
    for blk in block_slices(n):
        rows = order[blk]
        xt = time_major(occ, rows, np.float32)
        active = np.searchsorted(start[rows], np.arange(t), side="right")
        m = rows.size
        a = np.full(m, bounds[0])
        b = np.full(m, bounds[1])
        c = b - (b - a) / _GOLDEN
        d = a + (b - a) / _GOLDEN
        fc = _indicator_sse(xt, active, c)
        fd = _indicator_sse(xt, active, d)
        while float(np.abs(b - a).max()) >= tol:
            lower = fc < fd
            b = np.where(lower, d, b)
            a = np.where(lower, a, c)
            d, c = (
                np.where(lower, c, a + (b - a) / _GOLDEN),
                np.where(lower, b - (b - a) / _GOLDEN, d),
            )
            f_new = _indicator_sse(xt, active, np.where(lower, c, d))
            fd, fc = np.where(lower, fc, f_new), np.where(lower, f_new, fd)
        out[rows] = (a + b) / 2.0
    return out


def _indicator_sse(xt: npt.NDArray[np.float32], active: IntArray, alpha: FloatArray) -> FloatArray:
    """SES sum of squared one-step errors of each series' indicator (time-major, by start)."""
    al = alpha.astype(np.float32)
    comp = (1.0 - alpha).astype(np.float32)
    level = np.zeros(al.size, dtype=np.float32)
    sse = np.zeros(al.size, dtype=np.float32)
    tmp = np.empty_like(level)
    prev = 0
    for step in range(xt.shape[0]):
        m = int(active[step])
        x = xt[step]
        if prev:
            lv, tp = level[:prev], tmp[:prev]
            np.subtract(x[:prev], lv, out=tp)  # error against the forecast made before step
            tp *= tp
            sse[:prev] += tp
        level[prev:m] = x[prev:m]  # series starting now: the level starts at the value
        # then every started series updates with the value (statsforecast's first step too)
        np.multiply(al[:m], x[:m], out=tmp[:m])
        level[:m] *= comp[:m]
        level[:m] += tmp[:m]
        prev = m
    return sse.astype(np.float64)


def _indicator_fit(
    occ: BoolArray, start: IntArray, alpha: FloatArray, out: FloatArray
) -> FloatArray:
    """SES of the demand indicator: multiplies ``out`` by the one-step fits, returns the forecast.

    ``out`` (the in-sample sizes, NaN up to each start) becomes the TSB in-sample fit in place,
    so no further full-size array is made.
    """
    n, t = occ.shape
    if n and (alpha == alpha[0]).all():
        return _indicator_fit_common(occ, start, float(alpha[0]), out)
    final = np.empty(n)
    order = np.argsort(start, kind="stable")
    for blk in block_slices(n):
        rows = order[blk]
        xt = time_major(occ, rows)
        active = np.searchsorted(start[rows], np.arange(t), side="right")
        al, comp = alpha[rows], 1.0 - alpha[rows]
        level = np.zeros(rows.size)
        tmp = np.empty(rows.size)
        fit_t = np.full((t, rows.size), np.nan)
        prev = 0
        for step in range(t):
            m = int(active[step])
            fit_t[step, :prev] = level[:prev]
            level[prev:m] = xt[step, prev:m]
            np.multiply(al[:m], xt[step, :m], out=tmp[:m])
            level[:m] *= comp[:m]
            level[:m] += tmp[:m]
            prev = m
        out[rows] *= fit_t.T
        # statsforecast's forecast of a one-value series is the value itself
        single = start[rows] == t - 1
        final[rows] = np.where(single, xt[t - 1], level)
    return final


def _indicator_fit_common(
    occ: BoolArray, start: IntArray, alpha: float, out: FloatArray
) -> FloatArray:
    """:func:`_indicator_fit` when all series share ``alpha``: an IIR filter along the rows.

    The level starts at the first value and is then updated with it (as statsforecast does), so
    from a zero state the first input is ``x / alpha``: ``alpha * x / alpha`` equals
    ``alpha * x + (1 - alpha) * x``. Runs in blocks of rows to bound the temporaries.
    """
    from scipy.signal import lfilter  # imported here: scipy.signal is slow to import

    n, t = occ.shape
    final = np.empty(n)
    for blk in block_slices(n, max(1, 2_000_000 // max(t, 1))):
        x = occ[blk].astype(np.float64)
        st = start[blk]
        x[np.arange(x.shape[0]), st] /= alpha
        level = np.asarray(lfilter([alpha], [1.0, alpha - 1.0], x, axis=1), dtype=np.float64)
        # out is NaN up to each start already; after it the fit is the previous level
        out[blk, 1:] *= level[:, :-1]
        final[blk] = np.where(st == t - 1, occ[blk, -1], level[:, -1])
    return final


def _expand(ev: _Events, event_values: FloatArray, start: IntArray, n_time: int) -> FloatArray:
    """In-sample values ``(n, T)``: the value after each series' latest demand before ``t``.

    NaN up to and including each series' first observation, 0 until its first demand. The
    result is piecewise constant, so it is written in one ``np.repeat`` of the values in
    row-major order: per series NaN, 0, then the value after each demand, each repeated until
    the next change.
    """
    n = ev.counts.size
    first_of = np.cumsum(ev.counts) - ev.counts
    base = first_of + 2 * np.arange(n)  # where each series' [NaN, 0, values...] begins
    values = np.empty(ev.rows.size + 2 * n)
    lengths = np.empty(values.size, dtype=np.intp)
    values[base] = np.nan
    values[base + 1] = 0.0
    slots = np.arange(ev.rows.size) + 2 * ev.rows + 2  # row-major demands after the two leads
    values[slots] = event_values
    lengths[base] = start + 1
    has = ev.counts > 0
    first_col = np.full(n, n_time - 1)
    first_col[has] = ev.cols[first_of[has]]
    lengths[base + 1] = first_col - start  # zeros after the start up to the first demand
    nxt = np.empty_like(ev.cols)
    nxt[:-1] = ev.cols[1:]
    last = first_of[has] + ev.counts[has] - 1
    nxt[last] = n_time - 1  # the last value runs to the end of the grid
    lengths[slots] = nxt - ev.cols
    return np.repeat(values, lengths).reshape(n, n_time)


# ------------------------------------------------------------------------------------------
# shared fitting


@attrs.frozen(kw_only=True, eq=False)
class _Adjusted:
    """History clipped at zero and divided by the regressor uplift (None without regressors)."""

    y: FloatArray  # demands are its positive values (NaN before a start, returns negative)
    uplift: FloatArray | None
    beta: FloatArray
    is_count: BoolArray | None  # None: decide from the demands (the history is not rescaled)
    names: tuple[str, ...]

    def future(self, horizon: int) -> FloatArray:
        """Uplift over the horizon, ``(n, horizon)``."""
        if self.uplift is None:
            return np.ones((self.y.shape[0], horizon))
        return self.uplift[:, self.y.shape[1] :]

    def in_sample(self, values: FloatArray) -> FloatArray:
        """Put the uplift back on in-sample values."""
        return values if self.uplift is None else values * self.uplift[:, : self.y.shape[1]]


def _adjusted(panel: SeriesPanel, horizon: int, owner: str) -> _Adjusted:
    x = _check_x(panel, horizon, owner)
    if x is None:
        # only positive values are demands: the panel needs no clipped copy
        return _Adjusted(y=panel.y, uplift=None, beta=np.zeros(0), is_count=None, names=())
    y, observed = history(panel)
    n, t = y.shape
    is_count = (y == np.round(y)).all(axis=1)
    beta = fit_uplift(y, observed, x)
    uplift = uplift_factor(x, beta, (n, t + horizon))
    return _Adjusted(
        y=y / uplift[:, :t],
        uplift=uplift,
        beta=beta,
        is_count=is_count,
        names=panel.x_names,
    )


def _size_spread(
    z: FloatArray, sse: FloatArray, counts: IntArray, is_count: BoolArray
) -> FloatArray:
    """Shape of the size distribution: NB size of ``size - 1`` (counts) or gamma shape.

    The size variance is the in-sample mean squared one-step error of the size smoothing;
    with fewer than two demands there is no error, and the size is taken as Poisson (counts)
    or exponential (other values). ``inf`` means no overdispersion (Poisson or a fixed size).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(counts > 1, sse / np.maximum(counts - 1, 1), np.nan)
        excess = z - 1.0
        nb = np.where(var > excess, excess * excess / (var - excess), np.inf)
        nb = np.where(excess > 0, nb, np.inf)
        gamma_shape = np.where(var > 0, z * z / var, np.where(np.isnan(var), 1.0, np.inf))
    return np.where(is_count, np.where(np.isnan(var), np.inf, nb), gamma_shape)


@attrs.frozen(kw_only=True, eq=False)
class FittedIntermittent(FittedSeries):
    """Croston, SBA or TSB fitted to a panel, with a Bernoulli x size forecast distribution.

    Attributes
    ----------
    mean, fitted : ndarray
        ``(n, horizon)`` forecasts and ``(n, T)`` one-step in-sample forecasts.
    probability, size : ndarray
        ``(n, horizon)`` demand probability ``pi`` and mean size ``z`` of each step
        (``mean = pi * z``).
    spread : ndarray
        ``(n,)`` size shape: negative binomial size of ``size - 1`` for count series, gamma shape
        otherwise (``inf``: no spread beyond Poisson, or a fixed size).
    is_count : ndarray of bool
        ``(n,)`` whether a series holds integer values (integer forecast distribution).
    """

    mean: FloatArray
    fitted: FloatArray
    probability: FloatArray
    size: FloatArray
    spread: FloatArray
    is_count: BoolArray
    method: str
    table: dict[str, FloatArray]
    beta: FloatArray
    x_names: tuple[str, ...]

    def _ppf(self, u: FloatArray) -> FloatArray:
        """Inverse CDF of the Bernoulli x size mixture; ``u`` broadcasts against ``(n, h)``."""
        pi = self.probability
        zero = 1.0 - pi
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.clip((u - zero) / np.where(pi > 0, pi, 1.0), 0.0, 1.0 - 1e-16)
        demand = u > zero
        spread = self.spread[:, None]
        counts = self.is_count[:, None]
        out = np.zeros(np.broadcast_shapes(u.shape, pi.shape))
        size = np.broadcast_to(self.size, out.shape)
        v_b = np.broadcast_to(v, out.shape)
        spread_b = np.broadcast_to(spread, out.shape)
        count_cells = demand & np.broadcast_to(counts, out.shape)
        if count_cells.any():
            out[count_cells] = 1.0 + count_ppf(
                v_b[count_cells], np.maximum(size[count_cells] - 1.0, 0.0), spread_b[count_cells]
            )
        cont = demand & ~np.broadcast_to(counts, out.shape)
        if cont.any():
            shape, mean_c, vv = spread_b[cont], size[cont], v_b[cont]
            fixed = ~np.isfinite(shape)
            draw = np.empty(vv.shape)
            draw[fixed] = mean_c[fixed]
            ok = ~fixed
            draw[ok] = special.gammaincinv(shape[ok], vv[ok]) * mean_c[ok] / shape[ok]
            out[cont] = draw
        return out

    def sample(self, uniforms: FloatArray) -> FloatArray:
        """Paths ``(n_paths, n, h)``: each step an independent draw from the mixture."""
        u = np.asarray(uniforms, dtype=np.float64)
        out = np.empty(u.shape)
        chunk = max(1, 4_000_000 // max(self.mean.size, 1))  # bounds the temporaries
        for lo in range(0, u.shape[0], chunk):
            out[lo : lo + chunk] = self._ppf(u[lo : lo + chunk])
        return out

    def quantiles(self, levels: FloatArray, *, n_paths: int = 2000, seed: int = 0) -> FloatArray:
        """Exact quantiles ``(n, h, len(levels))``; ``n_paths`` and ``seed`` are unused."""
        lv = np.asarray(levels, dtype=np.float64)
        out = np.stack([self._ppf(np.full(self.mean.shape, q)) for q in lv], axis=-1)
        return np.asarray(out, dtype=np.float64)

    def params(self) -> pd.DataFrame:
        """One row per series: the method, smoothing parameters, probability, size, spread."""
        n = self.mean.shape[0]
        frame = pd.DataFrame({"model": np.full(n, self.method, dtype=object)})
        for name, values in self.table.items():
            frame[name] = values
        frame["probability"] = self.probability[:, 0] if self.probability.size else np.nan
        frame["size"] = self.size[:, 0] if self.size.size else np.nan
        frame["size_spread"] = self.spread
        frame["count_data"] = self.is_count
        for name, value in zip(self.x_names, self.beta, strict=True):
            frame[f"coef_{name}"] = float(value)
        return frame


def _distribution(
    base_mean: FloatArray,
    base_pi: FloatArray,
    base_z: FloatArray,
    uplift: FloatArray,
    is_count: BoolArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per-step ``(mean, pi, z)``, the uplift first on ``pi`` (up to 1), then on ``z``.

    Count sizes are at least 1: where the mean size would fall below 1, the probability takes
    the mean instead, so ``pi * z`` is always the forecast mean.
    """
    mean = base_mean[:, None] * uplift
    pi = np.minimum(base_pi[:, None] * uplift, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(pi > 0, mean / np.where(pi > 0, pi, 1.0), base_z[:, None])
    small = is_count[:, None] & (z < 1.0) & (mean > 0)
    pi = np.where(small, mean, pi)
    z = np.where(small, 1.0, z)
    return mean, pi, z


def _croston(
    panel: SeriesPanel,
    horizon: int,
    alpha: float | None,
    bounds: tuple[float, float],
    sba: bool,
    owner: str,
) -> FittedIntermittent:
    steps = check_int(horizon, "horizon", func=f"{owner}.fit_predict", low=1)
    assert steps is not None
    adj = _adjusted(panel, steps, owner)
    n, t = adj.y.shape
    ev = _events(adj.y, panel.start)
    is_count = ev.integer if adj.is_count is None else adj.is_count
    alpha_ev = _golden_events(ev, bounds) if alpha is None else np.full(2 * n, float(alpha))
    sse, levels = _ses_events(ev, alpha_ev, keep_levels=True)
    assert levels is not None
    # per series (panel order): alphas, final size and interval levels
    alphas = np.empty((n, 2))
    alphas[ev.order] = alpha_ev.reshape(-1, 2)
    sse_series = np.empty((n, 2))
    sse_series[ev.order] = sse.reshape(-1, 2)
    last = ev.pos[np.cumsum(ev.counts)[ev.counts > 0] - 1]  # flat position of last demands
    has = ev.counts > 0
    z = np.zeros(n)
    p = np.ones(n)
    z[has] = levels[last]
    p[has] = levels[last + 1]
    single = ev.counts == 1  # statsforecast's SES of one value forecasts the value itself
    if single.any():
        first_pos = ev.pos[(np.cumsum(ev.counts) - ev.counts)[single]]
        z[single] = ev.flat[first_pos]
        p[single] = ev.flat[first_pos + 1]
    factor = 1.0 - alphas[:, 1] / 2.0 if sba else np.ones(n)
    pi = np.where(has, factor / p, 0.0)
    base_mean = z / p * factor if sba else z / p
    ratio = levels[0::2] / levels[1::2]  # size / interval after each demand, event-major
    del levels
    event_values = ratio[ev.pos // 2]
    del ratio
    if sba:
        event_values *= factor[ev.rows]  # on the demands, not on every day
    fitted = adj.in_sample(_expand(ev, event_values, panel.start, t))
    mean, probability, size = _distribution(base_mean, pi, z, adj.future(steps), is_count)
    spread = _size_spread(z, sse_series[:, 0], ev.counts, is_count)
    table = {"alpha_size": alphas[:, 0], "alpha_interval": alphas[:, 1], "interval": p}
    return FittedIntermittent(
        mean=mean,
        fitted=fitted,
        probability=probability,
        size=size,
        spread=spread,
        is_count=is_count,
        method=owner,
        table=table,
        beta=adj.beta,
        x_names=adj.names,
    )


# ------------------------------------------------------------------------------------------
# option objects


def _alpha_field(default: float | None, owner: str, name: str) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        _check_alpha(value, owner, name)

    return attrs.field(default=default, validator=check)


def _bounds_field(default: tuple[float, float], owner: str) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        _check_bounds(value, owner)

    return attrs.field(default=default, validator=check)


@attrs.frozen
class Croston:
    """Croston's method for intermittent demand (statsforecast's ``CrostonClassic``/``Optimized``).

    Smooths the positive demand sizes and the intervals between demands with SES (smoothing
    parameter ``alpha``, both initialised at their first value); the forecast is size /
    interval, flat over the horizon. With ``alpha=None`` each component's parameter is chosen
    per series within ``bounds`` by statsforecast's golden-section search on its in-sample sum
    of squared errors (``CrostonOptimized``); the in-sample fit then uses the final parameters
    (statsforecast re-optimises on every prefix, at great cost).

    The forecast distribution: a demand with probability ``1 / interval`` each period, of a
    size with the smoothed mean and the in-sample variance of the size errors (``1 +`` negative
    binomial for integer series, gamma otherwise). Negative values (returns) count as no demand.
    Regressors (``panel.x``) act as a multiplicative uplift ``exp(x' beta)``, with ``beta``
    pooled over series by :func:`~omnichannel._forecast._count_shared.fit_uplift`: the method
    runs on the de-uplifted history and the forecast is multiplied by the future uplift (first
    raising the demand probability, up to 1, then the size).

    Parameters
    ----------
    alpha : float or None, default 0.1
        Smoothing parameter of sizes and intervals in (0, 1]; optimised per series when None.
    bounds : tuple of float, default (0.1, 0.3)
        Search range for ``alpha=None`` (statsforecast's).

    Raises
    ------
    InvalidParameterError
        On a parameter out of range.

    See Also
    --------
    SBA, TSB, CountModel

    Notes
    -----
    Croston, J. D. (1972). Forecasting and stock control for intermittent demands. Operational
    Research Quarterly 23(3), 289-303.

    Examples
    --------
    >>> import numpy as np
    >>> import omnichannel as oc
    >>> from omnichannel._forecast._base import SeriesPanel
    >>> y = np.array([[0.0, 3.0, 0.0, 0.0, 2.0, 0.0, 4.0, 0.0]])
    >>> fit = oc.Croston().fit_predict(SeriesPanel(y=y, start=np.array([0])), 3)
    >>> fit.mean.round(4)
    array([[1.4402, 1.4402, 1.4402]])
    >>> fit.quantiles(np.array([0.5, 0.9]))[0, 0]
    array([0., 3.])
    """

    alpha: float | None = _alpha_field(0.1, "Croston", "alpha")
    bounds: tuple[float, float] = _bounds_field((0.1, 0.3), "Croston")

    def fit_predict(
        self, panel: SeriesPanel, horizon: int, *, progress: bool = False
    ) -> FittedIntermittent:
        """Fit every series of ``panel`` and forecast ``horizon`` steps (``progress`` unused)."""
        return _croston(panel, horizon, self.alpha, self.bounds, False, "Croston")


@attrs.frozen
class SBA:
    """Syntetos-Boylan approximation: Croston times ``1 - alpha/2`` (statsforecast ``CrostonSBA``).

    The bias correction uses the interval smoothing parameter (0.95 for the default 0.1, as in
    statsforecast); it scales the demand probability. Everything else is as in
    :class:`Croston`, including ``alpha=None`` for per-series optimised parameters.

    Parameters
    ----------
    alpha : float or None, default 0.1
        Smoothing parameter of sizes and intervals in (0, 1]; optimised per series when None.
    bounds : tuple of float, default (0.1, 0.3)
        Search range for ``alpha=None``.

    Raises
    ------
    InvalidParameterError
        On a parameter out of range.

    See Also
    --------
    Croston, TSB

    Notes
    -----
    Syntetos, A. A. and Boylan, J. E. (2005). The accuracy of intermittent demand estimates.
    International Journal of Forecasting 21(2), 303-314.

    Examples
    --------
    >>> import numpy as np
    >>> import omnichannel as oc
    >>> from omnichannel._forecast._base import SeriesPanel
    >>> y = np.array([[0.0, 3.0, 0.0, 0.0, 2.0, 0.0, 4.0, 0.0]])
    >>> oc.SBA().fit_predict(SeriesPanel(y=y, start=np.array([0])), 2).mean.round(4)
    array([[1.3682, 1.3682]])
    """

    alpha: float | None = _alpha_field(0.1, "SBA", "alpha")
    bounds: tuple[float, float] = _bounds_field((0.1, 0.3), "SBA")

    def fit_predict(
        self, panel: SeriesPanel, horizon: int, *, progress: bool = False
    ) -> FittedIntermittent:
        """Fit every series of ``panel`` and forecast ``horizon`` steps (``progress`` unused)."""
        return _croston(panel, horizon, self.alpha, self.bounds, True, "SBA")


@attrs.frozen
class TSB:
    """Teunter-Syntetos-Babai: smoothed demand probability times smoothed size (as statsforecast).

    SES of the demand indicator (every period, parameter ``alpha_p``) and of the positive sizes
    (``alpha_d``), each initialised at its first value; the forecast is their product, flat over
    the horizon. Unlike Croston the probability decays through long runs without demand, so
    obsolete items fade out. A parameter left as None is chosen per series within ``bounds`` by a
    golden-section search (to ``1e-4``) on the component's in-sample sum of squared one-step
    errors. Forecast distribution, negative values and
    regressors as in :class:`Croston`, with the smoothed probability as ``pi``.

    Parameters
    ----------
    alpha_d : float or None, default None
        Smoothing parameter of the sizes in (0, 1]; optimised per series when None.
    alpha_p : float or None, default None
        Smoothing parameter of the demand probability in (0, 1]; optimised when None.
    bounds : tuple of float, default (0.01, 0.3)
        Search range of optimised parameters.

    Raises
    ------
    InvalidParameterError
        On a parameter out of range.

    See Also
    --------
    Croston, CountModel

    Notes
    -----
    Teunter, R. H., Syntetos, A. A. and Babai, M. Z. (2011). Intermittent demand: linking
    forecasting to inventory obsolescence. European Journal of Operational Research 214(3),
    606-615.

    Examples
    --------
    >>> import numpy as np
    >>> import omnichannel as oc
    >>> from omnichannel._forecast._base import SeriesPanel
    >>> y = np.array([[0.0, 3.0, 0.0, 0.0, 2.0, 0.0, 4.0, 0.0]])
    >>> model = oc.TSB(alpha_d=0.1, alpha_p=0.1)
    >>> model.fit_predict(SeriesPanel(y=y, start=np.array([0])), 2).mean.round(4)
    array([[0.6503, 0.6503]])
    """

    alpha_d: float | None = _alpha_field(None, "TSB", "alpha_d")
    alpha_p: float | None = _alpha_field(None, "TSB", "alpha_p")
    bounds: tuple[float, float] = _bounds_field((0.01, 0.3), "TSB")

    def fit_predict(
        self, panel: SeriesPanel, horizon: int, *, progress: bool = False
    ) -> FittedIntermittent:
        """Fit every series of ``panel`` and forecast ``horizon`` steps (``progress`` unused)."""
        steps = check_int(horizon, "horizon", func="TSB.fit_predict", low=1)
        assert steps is not None
        adj = _adjusted(panel, steps, "TSB")
        n, t = adj.y.shape
        occ = adj.y > 0.0
        ev = _events(adj.y, panel.start, intervals=False)
        is_count = ev.integer if adj.is_count is None else adj.is_count
        if self.alpha_d is None:
            alpha_ev = _golden_events(ev, self.bounds, tol=1e-4)
        else:
            alpha_ev = np.full(n, float(self.alpha_d))
        sse, levels = _ses_events(ev, alpha_ev, keep_levels=True)
        assert levels is not None
        alpha_d = np.empty(n)
        alpha_d[ev.order] = alpha_ev
        sse_d = np.empty(n)
        sse_d[ev.order] = sse
        if self.alpha_p is None:
            alpha_p = _golden_probability(occ, panel.start, self.bounds, 1e-4)
        else:
            alpha_p = np.full(n, float(self.alpha_p))
        has = ev.counts > 0
        z = np.zeros(n)
        last = ev.pos[np.cumsum(ev.counts)[has] - 1]
        z[has] = levels[last]
        single = ev.counts == 1
        if single.any():
            z[single] = ev.flat[ev.pos[(np.cumsum(ev.counts) - ev.counts)[single]]]
        # smoothed sizes in sample (NaN up to each start, 0 before a demand), times the indicator
        fitted = _expand(ev, levels[ev.pos], panel.start, t)
        p_final = _indicator_fit(occ, panel.start, alpha_p, fitted)
        fitted = adj.in_sample(fitted)
        pi = np.where(has, p_final, 0.0)
        mean, probability, size = _distribution(pi * z, pi, z, adj.future(steps), is_count)
        spread = _size_spread(z, sse_d, ev.counts, is_count)
        table = {"alpha_size": alpha_d, "alpha_probability": alpha_p}
        return FittedIntermittent(
            mean=mean,
            fitted=fitted,
            probability=probability,
            size=size,
            spread=spread,
            is_count=is_count,
            method="TSB",
            table=table,
            beta=adj.beta,
            x_names=adj.names,
        )
