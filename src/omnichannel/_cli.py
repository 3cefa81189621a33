"""Command line: ``python -m omnichannel demo``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pandas as pd

from ._attribution import LastTouch, Linear, Markov, Shapley, compare_models
from ._attribution._models import AttributionModel
from ._customers import clv_by_segment, summarize_customers
from ._exceptions import InvalidParameterError
from ._forecast._backtest import backtest
from ._forecast._count import CountModel
from ._forecast._demand import forecast_demand
from ._forecast._result import DemandForecast
from ._inventory import allocate_inventory
from ._journeys import Journeys, build_journeys
from ._simulate import World, simulate_retailer
from ._simulate._mix_dgp import simulate_mix
from ._synergy._journey import journey_synergy
from ._synergy._mix import fit_mix_model
from ._synergy._score import score_synergy
from ._synergy._transforms import Geometric, Hill

__all__ = ["main"]

_RULE = "-" * 78


def _section(title: str) -> str:
    return f"\n{title}\n{_RULE}"


def _table(frame: pd.DataFrame, **formats: str) -> str:
    shown = frame.copy()
    for column, fmt in formats.items():
        shown[column] = shown[column].map(fmt.format)
    return shown.to_string(index=False)


def _world_report(world: World) -> list[str]:
    channels = world.channels
    lines = [_section("Simulated retailer")]
    lines.append(
        f"{len(world.customers):,} customers, {len(world.locations):,} locations, "
        f"{len(world.products):,} products, {world.start.date()} to {world.end.date()}"
    )
    for role in ("marketing", "sales"):
        names = channels.loc[channels["role"] == role, ["channel", "kind"]]
        listed = ", ".join(
            f"{c} ({k})" for c, k in zip(names["channel"], names["kind"], strict=True)
        )
        lines.append(f"{role.capitalize()} channels: {listed}")
    lines.append(
        f"{len(world.touchpoints):,} touchpoints, {len(world.conversions):,} conversions, "
        f"{len(world.orders):,} orders, {len(world.sales):,} daily sales rows"
    )
    return lines


def _journey_report(world: World, journeys: Journeys) -> list[str]:
    untouched = len(world.conversions) - journeys.total_conversions
    lines = [_section("Journeys (30-day lookback)"), repr(journeys)]
    lines.append(f"({untouched:,.0f} conversions had no touch in their window and form no journey)")
    lines.append("")
    by_length = journeys.length_summary()
    lines.append("Conversion rate by path length:")
    lines.append(
        _table(by_length, journeys="{:,.0f}", conversions="{:,.0f}", conversion_rate="{:.1%}")
    )
    lines.append("")
    lines.append("Journeys touching each channel:")
    by_channel = journeys.channel_summary()
    lines.append(
        _table(
            by_channel,
            touches="{:,.0f}",
            journeys="{:,.0f}",
            conversions="{:,.0f}",
            conversion_rate="{:.1%}",
            value="{:,.0f}",
        )
    )
    return lines


def _attribution_report(world: World, journeys: Journeys) -> list[str]:
    models: list[AttributionModel] = [LastTouch(), Linear(), Markov(), Markov(order=2), Shapley()]
    table = compare_models(journeys, models, metric="share")
    truth = world.truth.attribution.contributions.set_index("channel")["shapley"]
    table["true_share"] = (truth / truth.sum()).reindex(table["channel"]).to_numpy()
    errors = {m: float((table[m] - table["true_share"]).abs().sum()) for m in table.columns[1:-1]}
    lines = [_section("Attribution: share of conversions credited to each channel")]
    formats = dict.fromkeys(table.columns[1:], "{:.1%}")
    lines.append(_table(table, **formats))
    lines.append("")
    lines.append("Error against the simulated truth (sum of absolute share differences):")
    lines.append("  " + ", ".join(f"{m} {e:.2f}" for m, e in errors.items()))
    return lines


def _clv_report(world: World) -> list[str]:
    orders = world.orders
    summary = summarize_customers(orders, observation_end=orders["timestamp"].max(), time_unit="W")
    weekly_discount = 1.10 ** (1 / 52) - 1
    table = clv_by_segment(
        summary,
        "first_channel",
        horizon=52,
        discount_rate=weekly_discount,
        margin=0.3,
        min_customers=50,
    ).reset_index()
    columns = [
        "first_channel",
        "customers",
        "repeat_share",
        "p_alive",
        "expected_purchases",
        "expected_value",
        "clv",
    ]
    lines = [
        _section(
            "Customer lifetime value by acquisition channel (52 weeks, 30% margin, 10%/yr discount)"
        )
    ]
    lines.append(
        _table(
            table[columns],
            customers="{:,.0f}",
            repeat_share="{:.1%}",
            p_alive="{:.2f}",
            expected_purchases="{:.2f}",
            expected_value="{:,.2f}",
            clv="{:,.2f}",
        )
    )
    return lines


_HOLDOUT_DAYS = 28


def _forecast_report(world: World) -> tuple[list[str], DemandForecast]:
    """Forecast the last four weeks from the weeks before; score by level against what sold."""
    sales = world.sales
    cutoff = sales["date"].max() - pd.Timedelta(days=_HOLDOUT_DAYS)
    train = sales[sales["date"] <= cutoff]
    bt = backtest(
        sales,
        horizon=_HOLDOUT_DAYS,
        n_windows=1,
        model=CountModel(family="negbin", season_length=7),
        season_length=7,
        hierarchy="grouped",
        reconcile="mint_shrink",
        quantiles=(0.025, 0.1, 0.5, 0.9, 0.975),
    )
    scores = bt.scores(["mase", "rmsse", "coverage"])
    scores = scores[
        scores["level"].isin(["total", "channel", "location", "channel/location/product"])
    ]
    lines = [
        _section(
            f"Demand forecast: {_HOLDOUT_DAYS} days ahead from {cutoff.date()}, every level of "
            "the channel x location x product hierarchy (negative binomial count model, "
            "MinTrace-shrink reconciled), scored against the held-out sales"
        )
    ]
    lines.append(
        _table(
            scores[["level", "mase", "rmsse", "coverage_0.8", "coverage_0.95"]],
            mase="{:.2f}",
            rmsse="{:.2f}",
            **{"coverage_0.8": "{:.1%}", "coverage_0.95": "{:.1%}"},
        )
    )
    lines.append("(coverage: share of held-out values inside the 80% and 95% intervals)")
    forecast = forecast_demand(
        train,
        horizon=_HOLDOUT_DAYS,
        model=CountModel(family="negbin", season_length=7),
        quantiles=(),
    )
    return lines, forecast


def _allocation_report(world: World, forecast: DemandForecast) -> list[str]:
    # Supply: DC stock. Demand: the next week of the forecast, as joint sample paths summed per
    # location and product, so the allocation sees the forecast's whole distribution.
    locations = world.locations
    dcs = locations.loc[locations["kind"] == "dc", "location"]
    stock = world.stock
    supply = (
        stock[stock["location"].isin(dcs)]
        .groupby("product", as_index=False)
        .agg(quantity=("on_hand", "sum"))
    )
    demand = forecast.lead_time_demand(
        7, by=["location", "product"], n_paths=400, seed=0, samples=True
    )
    demand["quantity"] = demand["quantity"].clip(lower=0.0)
    economics = (
        demand[["product", "location"]]
        .drop_duplicates()
        .merge(world.products[["product", "price", "unit_cost"]], on="product")
        .assign(
            unit_margin=lambda f: f["price"] - f["unit_cost"],
            overage_cost=lambda f: 0.25 * f["unit_cost"],
        )[["product", "location", "unit_margin", "overage_cost"]]
    )
    result = allocate_inventory(supply, demand, economics=economics)
    by_location = (
        result.to_frame()
        .groupby("location", as_index=False)[["quantity", "expected_sales", "expected_profit"]]
        .sum()
    )
    lines = [
        _section(
            "Allocation of DC stock against the forecast of the next week (expected-profit "
            "optimum over 400 demand paths)"
        )
    ]
    lines.append(
        _table(
            by_location,
            quantity="{:,.0f}",
            expected_sales="{:,.1f}",
            expected_profit="{:,.0f}",
        )
    )
    return lines


def _synergy_report(world: World, journeys: Journeys) -> list[str]:
    lines = [
        _section(
            "Channel synergy from journeys: Shapley interaction of channel pairs (95% bootstrap "
            "interval), next to the simulated interaction"
        )
    ]
    try:
        scores = journey_synergy(journeys, n_boot=100, seed=0).to_frame()
    except InvalidParameterError as err:
        # Small simulated worlds leave too few journeys per channel set to score.
        lines.append(f"skipped: {err}")
        return lines + _mix_synergy_lines()
    truth = world.truth.attribution.gamma

    def pair(frame: pd.DataFrame) -> pd.Series:
        return frame[["channel_a", "channel_b"]].apply(lambda r: " x ".join(sorted(r)), axis=1)

    scores["pair"], truth["pair"] = pair(scores), pair(truth)
    table = scores.merge(truth[["pair", "gamma"]], on="pair", how="left").fillna({"gamma": 0.0})
    order = table["shapley_interaction"].abs().sort_values(ascending=False).index[:6]
    table = table.loc[order, ["pair", "shapley_interaction", "lower", "upper", "label", "gamma"]]
    lines.append(
        _table(
            table.rename(columns={"gamma": "true_interaction"}),
            shapley_interaction="{:+.4f}",
            lower="{:+.4f}",
            upper="{:+.4f}",
            true_interaction="{:+.2f}",
        )
    )
    return lines + _mix_synergy_lines()


def _mix_synergy_lines() -> list[str]:
    sim = simulate_mix(
        n_weeks=156,
        interaction=2.0,
        saturation=Hill(half_saturation=0.5, slope=1.0),
        spend_cv=0.5,
        noise_sd=0.05,
        seed=4,
    )
    model = fit_mix_model(
        sim.data,
        kpi="kpi",
        media=["tv", "search"],
        adstock=Geometric(alpha=0.0, l_max=1),
        saturation=Hill(half_saturation=0.5, slope=1.0),
        trend=False,
        seasonality=None,
        n_boot=0,
    )
    mix = score_synergy(model).to_frame().iloc[0]
    return [
        f"\nMix model on 156 simulated weeks (true tv x search interaction +2.00): estimate "
        f"{mix['interaction']:+.2f} [{mix['lower']:+.2f}, {mix['upper']:+.2f}], "
        f"synergy ratio {mix['synergy_ratio']:.2f}, {mix['label']}."
    ]


def _sales_report(world: World) -> list[str]:
    sales = world.sales
    by_channel = (
        sales.groupby("channel", observed=True)[["quantity", "revenue"]].sum().reset_index()
    )
    by_channel["revenue_share"] = by_channel["revenue"] / by_channel["revenue"].sum()
    lines = [_section("Sales by channel")]
    lines.append(_table(by_channel, quantity="{:,.0f}", revenue="{:,.0f}", revenue_share="{:.1%}"))
    return lines


def demo(*, n_customers: int = 10_000, seed: int = 0) -> str:
    """Simulate a retailer and return the demo report as text.

    Parameters
    ----------
    n_customers : int, default 10000
        Size of the simulated customer base.
    seed : int, default 0
        Seed of the simulation.

    Returns
    -------
    str
        The report that ``python -m omnichannel demo`` prints.
    """
    world = simulate_retailer(n_customers=n_customers, seed=seed)
    lines = ["omnichannel demo: a simulated omnichannel retailer"]
    lines += _world_report(world)
    journeys = build_journeys(world.touchpoints, world.conversions, lookback=pd.Timedelta(days=30))
    lines += _journey_report(world, journeys)
    lines += _attribution_report(world, journeys)
    lines += _synergy_report(world, journeys)
    lines += _sales_report(world)
    forecast_lines, forecast = _forecast_report(world)
    lines += forecast_lines
    lines += _allocation_report(world, forecast)
    lines += _clv_report(world)
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="omnichannel", description="Omnichannel retail and marketing models."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run_demo = commands.add_parser("demo", help="simulate a retailer and summarise it")
    run_demo.add_argument("--customers", type=int, default=10_000, help="number of customers")
    run_demo.add_argument("--seed", type=int, default=0, help="random seed")
    args = parser.parse_args(argv)
    if args.command == "demo":
        sys.stdout.write(demo(n_customers=args.customers, seed=args.seed))
    return 0
