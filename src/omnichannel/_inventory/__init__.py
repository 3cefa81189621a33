"""Inventory: single-node newsvendor and policy primitives, pooling, and network allocation."""

from __future__ import annotations

from ._allocation import ALLOCATION_METHODS, AllocationMethod, allocate_inventory
from ._allocation_result import Allocation
from ._demand import (
    Demand,
    DiscreteDemand,
    NegativeBinomialDemand,
    NormalDemand,
    PoissonDemand,
    SampleDemand,
)
from ._newsvendor import newsvendor, service_levels
from ._policies import (
    SERVICE_MEASURES,
    ServiceMeasure,
    base_stock_level,
    eoq,
    r_Q_policy,
    s_S_policy,
    safety_stock,
    wagner_whitin,
)
from ._pooling import POOLING_METHODS, PoolingMethod, pooling_benefit
from ._routing import ROUTING_POLICIES, Routing, RoutingCosts, RoutingPolicy, route_orders
from ._single_results import (
    BaseStockResult,
    EOQResult,
    LotSizingResult,
    NewsvendorResult,
    PoolingResult,
    RQPolicyResult,
    SSPolicyResult,
)

__all__ = [
    "ALLOCATION_METHODS",
    "POOLING_METHODS",
    "ROUTING_POLICIES",
    "SERVICE_MEASURES",
    "Allocation",
    "AllocationMethod",
    "BaseStockResult",
    "Demand",
    "DiscreteDemand",
    "EOQResult",
    "LotSizingResult",
    "NegativeBinomialDemand",
    "NewsvendorResult",
    "NormalDemand",
    "PoissonDemand",
    "PoolingMethod",
    "PoolingResult",
    "RQPolicyResult",
    "Routing",
    "RoutingCosts",
    "RoutingPolicy",
    "SSPolicyResult",
    "SampleDemand",
    "ServiceMeasure",
    "allocate_inventory",
    "base_stock_level",
    "eoq",
    "newsvendor",
    "pooling_benefit",
    "r_Q_policy",
    "route_orders",
    "s_S_policy",
    "safety_stock",
    "service_levels",
    "wagner_whitin",
]
