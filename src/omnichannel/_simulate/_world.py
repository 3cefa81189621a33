"""Result objects of :func:`simulate_retailer`: the simulated :class:`World` and its :class:`Truth`.

Every object is frozen. Frames are held in private fields and exposed through read-only properties
that return a fresh copy on each access, so nothing a caller does to a frame can change the world or
its ground truth. Keep a reference to the copy when a frame is used more than once.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import overload

import attrs
import numpy as np
import pandas as pd

from .._exceptions import InvalidParameterError
from .._validation import short_repr

__all__ = [
    "AttributionTruth",
    "DemandTruth",
    "MediaTruth",
    "NetworkTruth",
    "PurchaseTruth",
    "Truth",
    "World",
]


class _FrameView:
    """Read-only access to the private frame field of the same name; returns a copy."""

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc
        self._field = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._field = f"_{name}"

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> _FrameView: ...

    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> pd.DataFrame: ...

    def __get__(self, obj: object | None, objtype: type | None = None) -> _FrameView | pd.DataFrame:
        if obj is None:
            return self
        frame: pd.DataFrame = getattr(obj, self._field)
        return frame.copy()


class _Record:
    """Shared repr: scalars by value, frames by shape, nested records by name."""

    __slots__ = ()

    def __repr__(self) -> str:
        parts, nested = [], False
        for field in attrs.fields(type(self)):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if isinstance(value, pd.DataFrame):
                text = f"<frame {value.shape[0]}x{value.shape[1]}>"
            elif isinstance(value, float):
                text = f"{value:.6g}"
            else:
                nested |= isinstance(value, _Record)
                text = repr(value)
            parts.append(f"{field.alias}={text}")
        if nested:
            return f"{type(self).__name__}(\n    " + ",\n    ".join(parts) + ",\n)"
        return f"{type(self).__name__}({', '.join(parts)})"


@attrs.frozen(eq=False, repr=False)
class AttributionTruth(_Record):
    r"""Ground truth of the marketing journeys, for testing attribution models.

    Every customer has at most one journey. A customer is *in market* with probability
    ``in_market``; in-market customers receive a Poisson number of touches from each marketing
    channel (``beta["touch_rate"]`` per journey), spread over a window of 1 to ``max_window_days``
    days. The probability of converting depends only on the set :math:`S` of channels touched,

    .. math:: p(S) = 1 - \exp\bigl(-(b_0 + \sum_{k \in S} \beta_k
              + \sum_{j < k;\, j, k \in S} \gamma_{jk})\bigr),

    so a customer with no touch converts with probability :math:`p(\varnothing) = 1 - e^{-b_0}`.
    A conversion happens between the last touch and ``max_delay_days`` days later (at a uniform
    time in the period for customers with no touch). It is the customer's first purchase, so each
    customer converts at most once.

    Parameters
    ----------
    b0 : float
        Baseline hazard :math:`b_0`.
    in_market : float
        Probability that a customer has a journey at all.
    max_window_days : int
        Longest span of a journey's touches, in days.
    max_delay_days : int
        Longest time from the last touch to the conversion, in days.
    expected_conversions : float
        :math:`\sum_i p(S_i)` over all customers.
    baseline_conversions : float
        ``n_customers * p(empty set)``: conversions expected without any marketing.
    beta : pandas.DataFrame
        One row per marketing channel: ``channel``, ``beta`` (main effect :math:`\beta_k`) and
        ``touch_rate`` (expected touches per in-market journey).
    gamma : pandas.DataFrame
        Pairwise interactions: ``channel_a``, ``channel_b``, ``gamma``. Pairs not listed have
        :math:`\gamma = 0`.
    journeys : pandas.DataFrame
        One row per customer: ``customer_id``, ``channels`` (the set touched, names sorted and
        joined by ``","``; empty when untouched), ``n_touches``, ``p_convert`` and ``converted``.
    contributions : pandas.DataFrame
        One row per marketing channel with its true incremental contribution in expected
        conversions: ``shapley`` (Shapley value of :math:`p(S) - p(\varnothing)` summed over
        journeys; the column sums to ``expected_conversions - baseline_conversions``), ``removal``
        (sum over journeys of :math:`p(S) - p(S \setminus k)`), ``journeys`` (journeys touched by
        the channel) and ``touches``.

    Examples
    --------
    >>> import omnichannel as oc
    >>> truth = oc.simulate_retailer(n_customers=500, seed=1).truth.attribution
    >>> round(truth.conversion_probability([]), 4)  # 1 - exp(-b0)
    0.0296
    >>> round(truth.conversion_probability(["search", "tv"]), 4)
    0.3161
    >>> truth.contributions.columns.tolist()
    ['channel', 'shapley', 'removal', 'journeys', 'touches']
    """

    b0: float
    in_market: float
    max_window_days: int
    max_delay_days: int
    expected_conversions: float
    baseline_conversions: float
    _beta: pd.DataFrame
    _gamma: pd.DataFrame
    _journeys: pd.DataFrame
    _contributions: pd.DataFrame

    beta = _FrameView("Main effects and touch rates per marketing channel (a copy).")
    gamma = _FrameView("Non-zero pairwise interactions (a copy).")
    journeys = _FrameView("One row per customer: channel set, p_convert, converted (a copy).")
    contributions = _FrameView("True Shapley and removal contributions per channel (a copy).")

    def conversion_probability(self, channels: Iterable[str]) -> float:
        """Return the true conversion probability :math:`p(S)` of a set of channels.

        Parameters
        ----------
        channels : iterable of str
            Marketing channels touched; repeats are ignored.

        Returns
        -------
        float
            :math:`p(S)`.

        Raises
        ------
        InvalidParameterError
            When a name is not a marketing channel.

        Examples
        --------
        >>> import omnichannel as oc
        >>> truth = oc.simulate_retailer(n_customers=100, seed=0).truth.attribution
        >>> truth.conversion_probability(["search", "tv"]) > truth.conversion_probability(["tv"])
        True
        """
        chosen = set(channels)
        known = set(self._beta["channel"].tolist())
        unknown = sorted(chosen - known)
        if unknown:
            raise InvalidParameterError(
                f"The 'channels' parameter of conversion_probability must hold marketing channels "
                f"{sorted(known)}. Got {short_repr(unknown)} instead."
            )
        eta = self.b0 + float(self._beta.loc[self._beta["channel"].isin(chosen), "beta"].sum())
        both = self._gamma["channel_a"].isin(chosen) & self._gamma["channel_b"].isin(chosen)
        eta += float(self._gamma.loc[both, "gamma"].sum())
        return float(1.0 - np.exp(-eta))


@attrs.frozen(eq=False, repr=False)
class DemandTruth(_Record):
    r"""Ground truth of daily demand, for testing forecasting models.

    Each series (sales channel x location x product) has the mean

    .. math:: \mu_t = \text{level} \cdot g^{t / 365.25} \cdot w_{c,\,\text{dow}(t)}
              \cdot \bigl(1 + A \cos(2\pi (\text{doy}(t) - \text{peak}) / 365.25)\bigr)
              \cdot \text{lift}^{\,\text{promotion}_t}
              \cdot (1 + \text{cross\_effect})^{\,\text{cross\_promotion}_t},

    where ``t`` counts days from the start and :math:`g` is ``growth``. Online promotions run on web
    and app together; while one runs, store demand for the same product is multiplied by
    ``1 + cross_effect`` (negative: cannibalisation, positive: halo). Quantities are Poisson or
    negative binomial around the mean. On promotion the price is the list price times
    ``1 - promo_discount``.

    Parameters
    ----------
    distribution : {"negative_binomial", "poisson"}
        Distribution of the daily quantity given its mean.
    dispersion : float or None
        Negative binomial size :math:`k` (variance :math:`\mu + \mu^2 / k`); None for Poisson.
    cross_effect : float
        Relative change of store demand while an online promotion of the product runs.
    promo_discount : float
        Price reduction on promotion, as a fraction of the list price.
    series : pandas.DataFrame
        One row per series: ``channel``, ``location``, ``product``, ``level`` (units per day at the
        start, before seasonality), ``growth`` (yearly growth factor), ``yearly_amplitude`` ``A``,
        ``yearly_peak`` (day of year of the seasonal peak), ``promo_lift`` and ``slow_mover``
        (intermittent series, level below 1 unit per day).
    weekly : pandas.DataFrame
        Day-of-week factors ``w``: ``channel``, ``weekday`` (0 = Monday) and ``factor`` (mean 1).
    mean : pandas.DataFrame
        One row per ``sales`` row, in the same order: ``date``, ``channel``, ``location``,
        ``product``, ``mean`` (the true expected quantity) and ``cross_promotion`` (whether an
        online promotion of the product affects this store row).

    Examples
    --------
    >>> import omnichannel as oc
    >>> world = oc.simulate_retailer(n_customers=100, seed=0)
    >>> truth = world.truth.demand
    >>> len(truth.mean) == len(world.sales)
    True
    >>> bool(truth.series["slow_mover"].any())
    True
    """

    distribution: str
    dispersion: float | None
    cross_effect: float
    promo_discount: float
    _series: pd.DataFrame
    _weekly: pd.DataFrame
    _mean: pd.DataFrame

    series = _FrameView("Parameters of every demand series (a copy).")
    weekly = _FrameView("Day-of-week factors per sales channel (a copy).")
    mean = _FrameView("True mean quantity of every sales row, in sales order (a copy).")


@attrs.frozen(eq=False, repr=False)
class MediaTruth(_Record):
    r"""Ground truth of weekly media spend and the KPI, for testing media mix models.

    Spend of channel :math:`k` is carried over by geometric adstock
    :math:`a_t = x_t + \theta_k a_{t-1}` (starting from :math:`a_{-1} = 0`), saturated by the Hill
    function :math:`h(a) = a^s / (a^s + K^s)` and scaled by :math:`\beta_k`. The KPI is

    .. math:: y_t = \text{baseline}_t + \sum_k \beta_k h_k(a_{k,t})
              + \delta\, h_j(a_{j,t})\, h_l(a_{l,t}) + \varepsilon_t,
              \qquad \varepsilon_t \sim N(0, \sigma^2),

    with :math:`\text{baseline}_t` = ``baseline_level`` x (1 + ``trend`` x t) x
    (1 + ``yearly_amplitude`` x cos(2 pi (day of year - ``yearly_peak``) / 365.25)), t in weeks.

    Parameters
    ----------
    baseline_level : float
        Weekly KPI without marketing at the start.
    trend : float
        Linear growth of the baseline per week, relative to ``baseline_level``.
    yearly_amplitude : float
        Relative amplitude of the yearly seasonality of the baseline.
    yearly_peak : float
        Day of the year at which the baseline peaks.
    noise_sd : float
        Standard deviation :math:`\sigma` of the weekly noise.
    params : pandas.DataFrame
        One row per marketing channel: ``channel``, ``decay`` :math:`\theta`, ``half_saturation``
        :math:`K` (in spend units of adstock), ``shape`` :math:`s` and ``beta`` :math:`\beta`
        (the most the channel can add per week).
    interaction : pandas.DataFrame
        ``channel_a``, ``channel_b`` and ``coefficient`` :math:`\delta` of the pairwise term.
    contribution : pandas.DataFrame
        Long frame ``date``, ``channel``, ``contribution``: :math:`\beta_k h_k(a_{k,t})` per week.
    components : pandas.DataFrame
        ``date``, ``baseline``, ``interaction`` and ``noise`` per week; together with
        ``contribution`` they add up to ``kpi["revenue"]`` exactly.

    Examples
    --------
    >>> import numpy as np
    >>> import omnichannel as oc
    >>> world = oc.simulate_retailer(n_customers=100, n_weeks=52, seed=0)
    >>> truth = world.truth.media
    >>> media = truth.contribution.groupby("date")["contribution"].sum().to_numpy()
    >>> parts = truth.components
    >>> total = parts["baseline"] + parts["interaction"] + parts["noise"] + media
    >>> bool(np.allclose(total, world.kpi["revenue"]))
    True
    """

    baseline_level: float
    trend: float
    yearly_amplitude: float
    yearly_peak: float
    noise_sd: float
    _params: pd.DataFrame
    _interaction: pd.DataFrame
    _contribution: pd.DataFrame
    _components: pd.DataFrame

    params = _FrameView("Adstock, saturation and effect size per channel (a copy).")
    interaction = _FrameView("The pairwise interaction term (a copy).")
    contribution = _FrameView("Weekly contribution of every channel, long format (a copy).")
    components = _FrameView("Weekly baseline, interaction and noise (a copy).")


@attrs.frozen(eq=False, repr=False)
class PurchaseTruth(_Record):
    r"""Ground truth of repeat purchases and order values, for testing lifetime value models.

    Rates are per week. A customer's first purchase is their conversion (see
    :class:`AttributionTruth`); after it, purchases follow the BG/NBD model: while alive, the
    customer buys at Poisson rate :math:`\lambda \sim \text{Gamma}(r, \alpha)` (``alpha`` is a
    rate, as in Fader, Hardie and Lee 2005), and after each repeat purchase drops out with
    probability :math:`p \sim \text{Beta}(a, b)`. Order values follow the Gamma-Gamma model: the
    customer's spend rate :math:`\nu \sim \text{Gamma}(q, \gamma)` and each order's value
    :math:`z \sim \text{Gamma}(p, \nu)` (shape, rate), so :math:`E[z \mid \nu] = p / \nu`.
    Order values are split into lines at near-list prices; line rounding moves them by cents.
    Each order's sales channel is drawn from the customer's channel preference
    :math:`\pi \sim \text{Dirichlet}(c)`; store orders happen at the customer's home store.

    Parameters
    ----------
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates (per week).
    a, b : float
        Parameters of the Beta distribution of dropout probabilities.
    p, q, gamma : float
        Gamma-Gamma spend model parameters.
    time_unit : str
        Unit of the rates: ``"week"``.
    concentration : pandas.DataFrame
        Dirichlet concentration ``c`` of the channel preference: ``channel``, ``concentration``.
    customers : pandas.DataFrame
        One row per customer: ``customer_id``, ``lambda`` (purchases per week while alive),
        ``dropout`` (:math:`p`), ``spend_rate`` (:math:`\nu`), ``mean_value``
        (:math:`p / \nu`), ``pref_store``, ``pref_web``, ``pref_app`` (the preference
        :math:`\pi`), ``acquired`` (made a first purchase), ``first_purchase`` (its time, NaT if
        none), ``n_repeat`` (repeat orders in the period) and ``alive`` (still active at the end;
        False when never acquired). ``segment`` in the ``customers`` frame is the tercile of
        ``lambda`` under Gamma(r, alpha): occasional, regular, frequent.

    Examples
    --------
    >>> import omnichannel as oc
    >>> truth = oc.simulate_retailer(n_customers=200, seed=0).truth.purchases
    >>> round(truth.r / truth.alpha, 3)
    0.125
    >>> truth.customers.shape[0]
    200
    """

    r: float
    alpha: float
    a: float
    b: float
    p: float
    q: float
    gamma: float
    time_unit: str
    _concentration: pd.DataFrame
    _customers: pd.DataFrame

    concentration = _FrameView("Dirichlet concentration of the channel preference (a copy).")
    customers = _FrameView("Latent purchase parameters and state of every customer (a copy).")


@attrs.frozen(eq=False, repr=False)
class NetworkTruth(_Record):
    r"""Ground truth of stock in the network.

    Each location that holds stock serves a true daily demand: a store its own store demand, the
    dark store ``dark_store_share`` of online demand, the DCs the rest of online demand plus store
    replenishment (split 60/40 when there are two). Stock on hand is Poisson with mean
    :math:`7 \cdot \text{daily\_demand} \cdot \text{weeks\_of\_cover}`; stores and the dark store
    are out of stock (zero cover) with probability ``stockout_probability``.

    Parameters
    ----------
    dark_store_share : float
        Share of online demand served by the dark store (0 without one).
    stockout_probability : float
        Probability that a store or dark store has zero cover of a product.
    stock : pandas.DataFrame
        One row per ``stock`` row, same order: ``location``, ``product``, ``daily_demand`` (mean
        units per day over the last four weeks), ``weeks_of_cover`` and ``stockout``
        (``on_hand == 0``).

    Examples
    --------
    >>> import omnichannel as oc
    >>> world = oc.simulate_retailer(n_customers=100, seed=0)
    >>> len(world.truth.network.stock) == len(world.stock)
    True
    """

    dark_store_share: float
    stockout_probability: float
    _stock: pd.DataFrame

    stock = _FrameView("Demand served and weeks of cover behind every stock row (a copy).")


@attrs.frozen(eq=False, repr=False)
class Truth(_Record):
    """All the ground truth of a simulated world, one record per part.

    Parameters
    ----------
    attribution : AttributionTruth
        Marketing journeys and conversion probabilities (``touchpoints``, ``conversions``).
    demand : DemandTruth
        Daily demand means (``sales``).
    media : MediaTruth
        Adstock and saturation of weekly spend (``spend``, ``kpi``).
    purchases : PurchaseTruth
        BG/NBD and Gamma-Gamma parameters (``orders``, ``order_lines``).
    network : NetworkTruth
        Demand and cover behind stock levels (``stock``).

    Examples
    --------
    >>> import omnichannel as oc
    >>> truth = oc.simulate_retailer(n_customers=100, seed=0).truth
    >>> type(truth.media).__name__
    'MediaTruth'
    """

    attribution: AttributionTruth
    demand: DemandTruth
    media: MediaTruth
    purchases: PurchaseTruth
    network: NetworkTruth


#: Frames of a world, in the order of the summary.
FRAME_NAMES: tuple[str, ...] = (
    "channels",
    "customers",
    "touchpoints",
    "conversions",
    "orders",
    "order_lines",
    "products",
    "locations",
    "stock",
    "sales",
    "spend",
    "kpi",
)
_TIME_COLUMN = {
    "touchpoints": "timestamp",
    "conversions": "timestamp",
    "orders": "timestamp",
    "sales": "date",
    "spend": "date",
    "kpi": "date",
}


@attrs.frozen(eq=False, repr=False)
class World:
    """A simulated omnichannel retailer: its data frames and the truth behind them.

    Built by :func:`simulate_retailer`. Each frame is a read-only property that returns a fresh
    copy, so modifying it never changes the world; keep a reference to reuse it. Daily frames
    cover ``start`` to ``end`` (both days included); weekly frames (``spend``, ``kpi``) cover
    their own number of weeks from ``start``. The parts share channels, customers, products and
    locations but are simulated from their own ground truth and are not reconciled with each
    other (store revenue in ``sales`` is not the sum of store ``orders``, for instance).

    Parameters
    ----------
    channels : pandas.DataFrame
        ``channel``, ``kind`` (online or offline), ``role`` (marketing or sales).
    customers : pandas.DataFrame
        ``customer_id``, ``loyalty_id`` and ``email_hash`` (missing for some), ``home_location``
        (a store), ``acquisition_channel``, ``segment``.
    touchpoints : pandas.DataFrame
        ``customer_id``, ``timestamp``, ``channel``, ``interaction``, ``cost``; sorted by
        customer and time.
    conversions : pandas.DataFrame
        ``customer_id``, ``timestamp``, ``value``, ``channel`` (sales channel), ``order_id``;
        one per converting customer (their first order), sorted by customer.
    orders : pandas.DataFrame
        ``order_id``, ``customer_id``, ``timestamp``, ``channel``, ``value``, ``location``;
        sorted by time, ids in time order.
    order_lines : pandas.DataFrame
        ``order_id``, ``product``, ``quantity``, ``price``; an order's value is the sum of
        ``quantity * price`` of its lines, and a product appears at most once per order.
    products : pandas.DataFrame
        ``product``, ``category``, ``price`` (list price), ``unit_cost``.
    locations : pandas.DataFrame
        ``location``, ``kind``, ``latitude``, ``longitude``, ``ship_from_store``, ``pickup``,
        ``capacity`` (units; missing for the virtual ``online`` location).
    stock : pandas.DataFrame
        ``location``, ``product``, ``on_hand`` for every location that holds stock.
    sales : pandas.DataFrame
        ``date``, ``channel``, ``location``, ``product``, ``quantity``, ``price``,
        ``promotion``, ``revenue``; daily, sorted by series then date.
    spend : pandas.DataFrame
        ``date`` (week start), ``channel``, ``spend``, ``impressions``.
    kpi : pandas.DataFrame
        ``date`` (week start), ``revenue``.
    truth : Truth
        The ground truth.
    seed : int or None
        The int seed, or None when a Generator was passed.
    start, end : pandas.Timestamp
        First and last day of the daily frames.

    Examples
    --------
    >>> import omnichannel as oc
    >>> world = oc.simulate_retailer(n_customers=300, seed=7)
    >>> world.customers.shape
    (300, 6)
    >>> print(world.start.date(), world.end.date())
    2024-01-01 2024-12-29
    """

    _channels: pd.DataFrame
    _customers: pd.DataFrame
    _touchpoints: pd.DataFrame
    _conversions: pd.DataFrame
    _orders: pd.DataFrame
    _order_lines: pd.DataFrame
    _products: pd.DataFrame
    _locations: pd.DataFrame
    _stock: pd.DataFrame
    _sales: pd.DataFrame
    _spend: pd.DataFrame
    _kpi: pd.DataFrame
    truth: Truth
    seed: int | None
    start: pd.Timestamp
    end: pd.Timestamp

    channels = _FrameView("Marketing and sales channels (a copy).")
    customers = _FrameView("One row per customer (a copy).")
    touchpoints = _FrameView("Marketing touches, sorted by customer and time (a copy).")
    conversions = _FrameView("First purchases that end marketing journeys (a copy).")
    orders = _FrameView("Every order, first and repeat (a copy).")
    order_lines = _FrameView("Lines of every order (a copy).")
    products = _FrameView("Product catalogue (a copy).")
    locations = _FrameView("DCs, stores, dark store and the online location (a copy).")
    stock = _FrameView("Units on hand per location and product (a copy).")
    sales = _FrameView("Daily sales per channel, location and product (a copy).")
    spend = _FrameView("Weekly spend and impressions per marketing channel (a copy).")
    kpi = _FrameView("Weekly revenue KPI (a copy).")

    def _frame(self, name: str) -> pd.DataFrame:
        frame: pd.DataFrame = getattr(self, f"_{name}")
        return frame

    @property
    def conversion_rate(self) -> float:
        """Share of customers who converted (each converts at most once)."""
        n = len(self._customers)
        return len(self._conversions) / n if n else 0.0

    def summary(self) -> pd.DataFrame:
        """Describe the world: size and time range of every frame.

        Returns
        -------
        pandas.DataFrame
            Indexed by frame name, with ``rows``, ``per_customer`` (rows per customer; for
            ``conversions`` it is the conversion rate), ``first`` and ``last`` (time range, NaT for
            frames without time).

        Examples
        --------
        >>> import omnichannel as oc
        >>> world = oc.simulate_retailer(n_customers=200, seed=3)
        >>> table = world.summary()
        >>> int(table.loc["customers", "rows"])
        200
        >>> bool(table.loc["conversions", "per_customer"] == world.conversion_rate)
        True
        """
        n_customers = max(len(self._customers), 1)
        rows, first, last = [], [], []
        for name in FRAME_NAMES:
            frame = self._frame(name)
            rows.append(len(frame))
            column = _TIME_COLUMN.get(name)
            if column is None or frame.empty:
                first.append(pd.NaT)
                last.append(pd.NaT)
            else:
                first.append(frame[column].min())
                last.append(frame[column].max())
        table = pd.DataFrame(
            {
                "rows": np.array(rows, dtype=np.int64),
                "per_customer": np.array(rows, dtype=float) / n_customers,
                "first": pd.to_datetime(pd.Series(first, dtype="datetime64[ns]")),
                "last": pd.to_datetime(pd.Series(last, dtype="datetime64[ns]")),
            },
        )
        table.index = pd.Index(list(FRAME_NAMES), name="frame")
        return table

    def _header(self) -> str:
        seed = "Generator" if self.seed is None else str(self.seed)
        return (
            f"World(seed={seed}, {self.start.date()} to {self.end.date()}, "
            f"{len(self._customers):,} customers, {len(self._products):,} products, "
            f"{len(self._locations):,} locations)"
        )

    def __repr__(self) -> str:
        counts = ", ".join(f"{name}={len(self._frame(name)):,}" for name in FRAME_NAMES[2:])
        return (
            f"{self._header()}\n  rows: {counts}\n"
            f"  conversion rate {self.conversion_rate:.3f}; truth: {', '.join(_TRUTH_PARTS)}"
        )

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self._header())}</p>" + self.summary().to_html()


_TRUTH_PARTS = tuple(f.name for f in attrs.fields(Truth))
