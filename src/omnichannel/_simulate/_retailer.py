"""The public entry point: :func:`simulate_retailer`."""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

from .._exceptions import InvalidParameterError
from .._validation import as_generator, check_bool, check_choice, check_int, check_real, short_repr
from ._catalog import channels_frame, make_catalogue
from ._marketing import (
    MAX_DELAY_DAYS,
    MAX_WINDOW_DAYS,
    attribution_truth,
    simulate_journeys,
    touchpoints_frame,
)
from ._media import simulate_media
from ._network import (
    DARK_STORE_SHARE,
    STOCKOUT_PROBABILITY,
    locations_frame,
    make_sites,
    make_stock,
)
from ._orders import draw_traits, simulate_orders
from ._population import customer_ids, customers_frame
from ._sales import simulate_sales
from ._world import NetworkTruth, Truth, World

__all__ = ["simulate_retailer"]

_FUNC = "simulate_retailer"
#: Shortest daily period: a journey and its conversion must fit in it.
MIN_DAYS = MAX_WINDOW_DAYS + MAX_DELAY_DAYS + 4


def _count(value: object, name: str, low: int, high: int | None = None) -> int:
    checked = check_int(value, name, func=_FUNC, low=low, high=high)
    assert checked is not None  # only None when allow_none
    return checked


def _check_start(value: object) -> pd.Timestamp:
    rule = (
        f"The 'start' parameter of {_FUNC} must be a tz-naive date at midnight, as a str such as "
        "'2024-01-01', a datetime.date or a pandas.Timestamp."
    )
    if not isinstance(value, str | _dt.date | np.datetime64):
        raise InvalidParameterError(f"{rule} Got {short_repr(value)} instead.")
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as err:
        raise InvalidParameterError(f"{rule} Got {short_repr(value)} instead.") from err
    if pd.isna(stamp) or stamp.tzinfo is not None or stamp != stamp.normalize():
        raise InvalidParameterError(f"{rule} Got {short_repr(value)} instead.")
    return pd.Timestamp(stamp.value)


def simulate_retailer(
    *,
    n_customers: int = 2000,
    n_stores: int = 6,
    n_products: int = 12,
    start: str | _dt.date | pd.Timestamp = "2024-01-01",
    n_days: int = 364,
    n_weeks: int = 104,
    n_dcs: int = 1,
    dark_store: bool = True,
    demand_distribution: str = "negative_binomial",
    dispersion: float = 5.0,
    cross_effect: float = -0.15,
    seed: int | np.random.Generator = 0,
) -> World:
    """Simulate an omnichannel retailer whose ground truth is known.

    The world has marketing journeys with a known set-based conversion probability, daily demand
    from a known mean process, weekly media spend driving a KPI through adstock and saturation,
    BG/NBD repeat purchases with Gamma-Gamma order values, and a store network with stock that
    follows demand. :class:`Truth` records every parameter and the derived quantities models are
    judged against (true Shapley contributions, true daily means, true weekly media contributions,
    latent customer rates). Everything is vectorised; the default size takes a fraction of a
    second and a million customers a few seconds.

    Parameters
    ----------
    n_customers : int, default 2000
        Number of customers (>= 1).
    n_stores : int, default 6
        Number of stores (>= 1).
    n_products : int, default 12
        Number of products (>= 1); a quarter of them (rounded down) sell slowly.
    start : str, datetime.date or pandas.Timestamp, default "2024-01-01"
        First day of the simulation; a tz-naive date at midnight. Weekly frames start here too.
    n_days : int, default 364
        Length of the daily period (touchpoints, conversions, orders, sales), at least 28.
    n_weeks : int, default 104
        Number of weeks of media spend and KPI (>= 1).
    n_dcs : int, default 1
        Number of distribution centres, 1 or 2.
    dark_store : bool, default True
        Whether the network has a dark store serving part of online demand.
    demand_distribution : {"negative_binomial", "poisson"}, default "negative_binomial"
        Distribution of daily sales quantities around their mean.
    dispersion : float, default 5.0
        Negative binomial size ``k`` (> 0): variance ``mean + mean**2 / k``. Ignored for Poisson.
    cross_effect : float, default -0.15
        Relative change of store demand while the product is on online promotion, > -1.
        Negative for cannibalisation, positive for a halo.
    seed : int or numpy.random.Generator, default 0
        Source of all randomness. The same int gives identical frames; a Generator is consumed.

    Returns
    -------
    World
        The frames and their :class:`Truth`. Frames are returned as copies on each access.

    Raises
    ------
    InvalidParameterError
        When a parameter has the wrong type or is out of range.

    See Also
    --------
    World, Truth

    Notes
    -----
    Each part draws from its own stream split off ``seed``, so changing ``n_customers`` leaves
    products, locations, sales and media unchanged. Conversions are first purchases: every
    converting customer's first order, after which repeat orders follow the BG/NBD process and
    appear in ``orders`` only.

    Examples
    --------
    >>> import numpy as np
    >>> import omnichannel as oc
    >>> world = oc.simulate_retailer(n_customers=500, n_days=182, n_weeks=52, seed=42)
    >>> world.sales.shape
    (17472, 8)
    >>> sorted(world.channels.query("role == 'sales'")["channel"])
    ['app', 'store', 'web']
    >>> shapley = world.truth.attribution.contributions["shapley"].sum()
    >>> truth = world.truth.attribution
    >>> bool(np.isclose(shapley, truth.expected_conversions - truth.baseline_conversions))
    True
    """
    n_customers_ = _count(n_customers, "n_customers", 1)
    n_stores_ = _count(n_stores, "n_stores", 1)
    n_products_ = _count(n_products, "n_products", 1)
    start_ = _check_start(start)
    n_days_ = _count(n_days, "n_days", MIN_DAYS)
    n_weeks_ = _count(n_weeks, "n_weeks", 1)
    n_dcs_ = _count(n_dcs, "n_dcs", 1, 2)
    dark = check_bool(dark_store, "dark_store", func=_FUNC)
    distribution = check_choice(
        demand_distribution, "demand_distribution", ("negative_binomial", "poisson"), func=_FUNC
    )
    k = check_real(dispersion, "dispersion", func=_FUNC, low=0.0, low_open=True)
    cross = check_real(cross_effect, "cross_effect", func=_FUNC, low=-1.0, low_open=True)
    rng = as_generator(seed, func=_FUNC)

    streams = [np.random.default_rng(s) for s in rng.integers(0, 2**63 - 1, size=7)]
    catalogue = make_catalogue(streams[0], n_products_)
    sites = make_sites(streams[0], n_stores_, n_dcs_, dark)

    ids = customer_ids(n_customers_)
    traits = draw_traits(streams[1], n_customers_)
    customers, home = customers_frame(streams[1], ids, sites, traits)
    journeys = simulate_journeys(streams[2], n_customers_, n_days_)
    start_ns = int(start_.value)
    touchpoints = touchpoints_frame(journeys, ids, start_ns)
    attribution = attribution_truth(journeys, ids)
    orders = simulate_orders(
        streams[3],
        traits,
        journeys.converted,
        journeys.conversion_seconds,
        n_days_,
        home,
        ids,
        catalogue,
        start_ns,
    )
    sales = simulate_sales(streams[4], sites, catalogue, start_, n_days_, distribution, k, cross)
    media = simulate_media(streams[5], start_, n_weeks_)
    stock = make_stock(streams[6], sites, catalogue.ids, sales.store_demand, sales.online_demand)
    network = NetworkTruth(
        dark_store_share=DARK_STORE_SHARE if dark else 0.0,
        stockout_probability=STOCKOUT_PROBABILITY,
        stock=stock.truth,
    )
    truth = Truth(
        attribution=attribution,
        demand=sales.truth,
        media=media.truth,
        purchases=orders.truth,
        network=network,
    )
    return World(
        channels=channels_frame(),
        customers=customers,
        touchpoints=touchpoints,
        conversions=orders.conversions,
        orders=orders.orders,
        order_lines=orders.order_lines,
        products=catalogue.frame,
        locations=locations_frame(sites, stock.capacity),
        stock=stock.frame,
        sales=sales.frame,
        spend=media.spend,
        kpi=media.kpi,
        truth=truth,
        seed=None if isinstance(seed, np.random.Generator) else int(seed),
        start=start_,
        end=start_ + pd.Timedelta(days=n_days_ - 1),
    )
