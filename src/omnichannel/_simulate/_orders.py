"""Repeat purchases (BG/NBD), order values (Gamma-Gamma) and order lines.

A customer's first order is their marketing conversion. After it, purchases arrive at the
customer's Poisson rate until they drop out; dropout can follow each repeat purchase. Given the
number ``N`` of arrivals in the remaining time and the number ``D`` of purchases until dropout
(geometric), the customer makes ``min(N, D)`` repeat purchases at the first ``min(N, D)`` of ``N``
uniform times, and is alive at the end exactly when ``N < D``. Everything is drawn for all
customers at once.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from ._catalog import SALES_CHANNELS, Catalogue
from ._ids import format_ids, take_labels
from ._world import PurchaseTruth

__all__ = [
    "Traits",
    "draw_traits",
    "simulate_orders",
]

_Ints = npt.NDArray[np.int64]
DAY = 86_400  # seconds
WEEK = 7 * DAY
#: BG/NBD: purchase rate per week ~ Gamma(R, rate ALPHA); dropout ~ Beta(A, B).
R, ALPHA = 0.5, 4.0
A, B = 0.8, 3.0
#: Gamma-Gamma: value ~ Gamma(P, rate nu), nu ~ Gamma(Q, rate GAMMA).
P, Q, GAMMA = 6.0, 4.0, 30.0
#: Dirichlet concentration of the channel preference, in the order of SALES_CHANNELS.
CONCENTRATION: dict[str, float] = {"store": 2.0, "web": 1.2, "app": 0.8}
#: Lines per order are 1 + Binomial(3, LINE_P).
LINE_P = 0.35


@attrs.frozen(eq=False)
class Traits:
    """Latent purchase behaviour of every customer."""

    rate: npt.NDArray[np.float64]
    dropout: npt.NDArray[np.float64]
    spend_rate: npt.NDArray[np.float64]
    preference: npt.NDArray[np.float64]


def draw_traits(rng: np.random.Generator, n_customers: int) -> Traits:
    """Draw purchase rate, dropout probability, spend rate and channel preference."""
    alpha = np.array([CONCENTRATION[c] for c in SALES_CHANNELS])
    return Traits(
        rate=rng.gamma(R, 1.0 / ALPHA, size=n_customers),
        dropout=rng.beta(A, B, size=n_customers),
        spend_rate=rng.gamma(Q, 1.0 / GAMMA, size=n_customers),
        preference=rng.dirichlet(alpha, size=n_customers),
    )


@attrs.frozen(eq=False)
class OrdersResult:
    """The order frames of a simulation and their truth."""

    orders: pd.DataFrame
    order_lines: pd.DataFrame
    conversions: pd.DataFrame
    truth: PurchaseTruth


def _repeat_purchases(
    rng: np.random.Generator,
    traits: Traits,
    customers: npt.NDArray[np.int64],
    first: npt.NDArray[np.int64],
    horizon: int,
) -> tuple[_Ints, _Ints, _Ints, npt.NDArray[np.bool_]]:
    """Return (owner position, seconds) of every repeat order, repeats per customer and alive."""
    room = horizon - first - 1  # seconds after the first purchase, all inside the period
    arrivals = rng.poisson(traits.rate[customers] * room / WEEK)
    until_dropout = rng.geometric(np.clip(traits.dropout[customers], 1e-12, 1.0))
    n_repeat = np.minimum(arrivals, until_dropout).astype(np.int64)
    alive = arrivals < until_dropout
    owner = np.repeat(np.arange(customers.size, dtype=np.int64), arrivals)
    u = rng.random(owner.size)
    order = np.argsort(owner + u, kind="stable")  # owner stays sorted; u sorted within owner
    u = u[order]
    starts = np.cumsum(arrivals) - arrivals
    rank = np.arange(owner.size) - starts[owner]
    keep = rank < n_repeat[owner]
    owner, u = owner[keep], u[keep]
    seconds = first[owner] + 1 + np.floor(u * room[owner]).astype(np.int64)
    return owner, seconds, n_repeat, alive


def _lines(
    rng: np.random.Generator, value: npt.NDArray[np.float64], catalogue: Catalogue
) -> tuple[_Ints, npt.NDArray[np.intp], _Ints, npt.NDArray[np.float64]]:
    """Split order values into lines; returns (order, product, quantity, price) per line."""
    n_lines = 1 + rng.binomial(3, LINE_P, size=value.size)
    line_order = np.repeat(np.arange(value.size, dtype=np.int64), n_lines)
    weight = rng.gamma(2.0, 1.0, size=line_order.size)
    budget = value[line_order] * weight / np.bincount(line_order, weight)[line_order]
    # A product whose list price is between a fifth of the line budget and the budget, when any.
    by_price = np.argsort(catalogue.price, kind="stable")
    sorted_price = catalogue.price[by_price]
    high = np.maximum(np.searchsorted(sorted_price, budget, side="right") - 1, 0)
    low = np.minimum(np.searchsorted(sorted_price, budget / 5.0, side="left"), high)
    pick = low + np.floor(rng.random(budget.size) * (high - low + 1)).astype(np.intp)
    product = by_price[np.minimum(pick, high)]
    quantity = np.maximum(np.round(budget / catalogue.price[product]), 1.0)
    paid = np.maximum(np.round(budget / quantity, 2), 0.01)
    # A product appears once per order: merge repeats at their average price.
    n_products = catalogue.size
    key, inverse = np.unique(line_order * n_products + product, return_inverse=True)
    merged_qty = np.bincount(inverse, quantity)
    merged_amount = np.bincount(inverse, quantity * paid)
    price = np.round(merged_amount / merged_qty, 2).astype(np.float64)
    return key // n_products, (key % n_products).astype(np.intp), merged_qty.astype(np.int64), price


def simulate_orders(
    rng: np.random.Generator,
    traits: Traits,
    acquired: npt.NDArray[np.bool_],
    first_seconds: npt.NDArray[np.int64],
    n_days: int,
    home_location: pd.Series,
    customer_ids: pd.Series,
    catalogue: Catalogue,
    start_ns: int,
) -> OrdersResult:
    """Simulate every order from the first purchases of ``acquired`` customers onwards."""
    n = acquired.size
    horizon = n_days * DAY
    buyers = np.flatnonzero(acquired).astype(np.int64)
    first = first_seconds[buyers]
    owner, repeat_seconds, n_repeat, alive = _repeat_purchases(rng, traits, buyers, first, horizon)
    customer = np.concatenate([buyers, buyers[owner]])
    seconds = np.concatenate([first, repeat_seconds])
    is_first = np.concatenate([np.ones(buyers.size, bool), np.zeros(owner.size, bool)])
    by_time = np.lexsort((customer, seconds))
    customer, seconds, is_first = customer[by_time], seconds[by_time], is_first[by_time]
    n_orders = customer.size

    draw = rng.gamma(P, 1.0, size=n_orders) / traits.spend_rate[customer]
    cum = np.cumsum(traits.preference[customer], axis=1)
    channel = (rng.random(n_orders)[:, None] > cum[:, :-1]).sum(axis=1).astype(np.intp)
    line_order, product, quantity, price = _lines(rng, draw, catalogue)
    line_total = quantity * price
    value = np.round(np.bincount(line_order, line_total, minlength=n_orders), 2).astype(np.float64)

    order_ids = format_ids("O", n_orders, width=max(7, len(str(n_orders))))
    order_id = take_labels(order_ids, np.arange(n_orders))
    cust_id = customer_ids.take(customer).reset_index(drop=True)
    at_store = channel == SALES_CHANNELS.index("store")
    location = home_location.take(customer).reset_index(drop=True).where(at_store, "online")
    stamps = (start_ns + seconds * np.int64(1_000_000_000)).astype("datetime64[ns]")
    orders = pd.DataFrame(
        {
            "order_id": order_id,
            "customer_id": cust_id,
            "timestamp": stamps,
            "channel": take_labels(SALES_CHANNELS, channel),
            "value": value,
            "location": location,
        }
    )
    order_lines = pd.DataFrame(
        {
            "order_id": take_labels(order_ids, line_order),
            "product": take_labels(catalogue.ids, product),
            "quantity": quantity,
            "price": price,
        }
    )
    # Customer ids sort like their codes, and each customer has one first order.
    firsts = np.flatnonzero(is_first)
    firsts = firsts[np.argsort(customer[firsts], kind="stable")]
    conversions = orders[["customer_id", "timestamp", "value", "channel", "order_id"]].take(firsts)
    conversions = conversions.reset_index(drop=True)

    repeats = np.zeros(n, dtype=np.int64)
    repeats[buyers] = n_repeat
    still = np.zeros(n, dtype=bool)
    still[buyers] = alive
    first_purchase = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    first_purchase[buyers] = (start_ns + first * np.int64(1_000_000_000)).astype("datetime64[ns]")
    customers = pd.DataFrame(
        {
            "customer_id": customer_ids.reset_index(drop=True),
            "lambda": traits.rate,
            "dropout": traits.dropout,
            "spend_rate": traits.spend_rate,
            "mean_value": P / traits.spend_rate,
            **{f"pref_{c}": traits.preference[:, i] for i, c in enumerate(SALES_CHANNELS)},
            "acquired": acquired.copy(),
            "first_purchase": first_purchase,
            "n_repeat": repeats,
            "alive": still,
        }
    )
    concentration = pd.DataFrame(
        {
            "channel": take_labels(SALES_CHANNELS, np.arange(len(SALES_CHANNELS))),
            "concentration": [CONCENTRATION[c] for c in SALES_CHANNELS],
        }
    )
    truth = PurchaseTruth(
        r=R,
        alpha=ALPHA,
        a=A,
        b=B,
        p=P,
        q=Q,
        gamma=GAMMA,
        time_unit="week",
        concentration=concentration,
        customers=customers,
    )
    return OrdersResult(
        orders=orders, order_lines=order_lines, conversions=conversions, truth=truth
    )
