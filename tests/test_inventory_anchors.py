"""Published optimal answers of inventory models, reproduced within their stated tolerance.

The instances live in ``shared/data/inventory/instances.json`` next to the repository. Each one
becomes a test; instances outside the scope of the single-node primitives are skipped with the
reason (multi-echelon serial systems and the guaranteed-service model).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import omnichannel as oc

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "inventory" / "instances.json"

OUT_OF_SCOPE = {
    "guaranteed-service": "guaranteed-service model over a network: not a single-node primitive",
    "serial": "multi-echelon serial system (Clark-Scarf / Shang-Song): not a single-node primitive",
}


def _load() -> list[dict[str, Any]]:
    if not DATA.exists():
        return []
    return list(json.loads(DATA.read_text())["instances"])


INSTANCES = _load()


def _poisson_mean(text: str) -> float:
    match = re.match(r"Poisson\(([\d.]+)\)", text)
    assert match is not None, text
    return float(match.group(1))


def _newsvendor_normal(inputs: dict[str, Any]) -> dict[str, float]:
    res = oc.newsvendor(
        oc.NormalDemand(inputs["demand_mean"], inputs["demand_sd"]),
        unit_margin=0,
        shortage_penalty=inputs["stockout_cost"],
        overage_cost=inputs["holding_cost"],
    )
    return {"base_stock_level": res.quantity[0], "expected_cost": res.expected_cost[0]}


def _newsvendor_poisson(inputs: dict[str, Any]) -> dict[str, float]:
    res = oc.newsvendor(
        oc.PoissonDemand(_poisson_mean(inputs["demand"])),
        unit_margin=0,
        shortage_penalty=inputs["stockout_cost"],
        overage_cost=inputs["holding_cost"],
    )
    return {"base_stock_level": res.quantity[0], "expected_cost": res.expected_cost[0]}


def _eoq(inputs: dict[str, Any]) -> dict[str, float]:
    res = oc.eoq(
        inputs["demand_rate"], fixed_cost=inputs["fixed_cost"], holding_cost=inputs["holding_cost"]
    )
    return {"order_quantity": res.order_quantity[0], "cost": res.cost[0]}


def _wagner_whitin(inputs: dict[str, Any]) -> dict[str, Any]:
    assert len(inputs["demand"]) == inputs["num_periods"]
    res = oc.wagner_whitin(
        inputs["demand"], fixed_cost=inputs["fixed_cost"], holding_cost=inputs["holding_cost"]
    )
    return {"order_quantities": res.order_quantities.tolist(), "cost": res.cost}


def _s_s(inputs: dict[str, Any]) -> dict[str, float]:
    res = oc.s_S_policy(
        oc.PoissonDemand(_poisson_mean(inputs["demand"])),
        holding_cost=inputs["holding_cost"],
        stockout_cost=inputs["stockout_cost"],
        fixed_cost=inputs["fixed_cost"],
    )
    return {"s": res.s[0], "S": res.S[0], "expected_cost": res.expected_cost[0]}


def _r_q(inputs: dict[str, Any]) -> dict[str, float]:
    res = oc.r_Q_policy(
        oc.PoissonDemand(inputs["demand_rate"]),
        lead_time=inputs["lead_time"],
        holding_cost=inputs["holding_cost"],
        stockout_cost=inputs["stockout_cost"],
        fixed_cost=inputs["fixed_cost"],
    )
    return {"r": res.r[0], "Q": res.Q[0], "expected_cost": res.expected_cost[0]}


def solver_for(problem: str) -> Any:
    """The function reproducing an instance, or a string saying why it is out of scope."""
    text = problem.lower()
    for key, reason in OUT_OF_SCOPE.items():
        if key in text:
            return reason
    if text.startswith("newsvendor (normal"):
        return _newsvendor_normal
    if text.startswith("newsvendor (poisson"):
        return _newsvendor_poisson
    if text == "eoq":
        return _eoq
    if "wagner-whitin" in text:
        return _wagner_whitin
    if text.startswith("(s,s) periodic review, poisson"):
        return _s_s
    if text.startswith("(r,q) continuous review, poisson"):
        return _r_q
    return f"no solver for problem {problem!r}"


def _close(ours: Any, published: Any, tol: float) -> bool:
    if isinstance(published, list):
        return len(ours) == len(published) and all(
            abs(float(a) - float(b)) <= tol + 1e-9 for a, b in zip(ours, published, strict=True)
        )
    return abs(float(ours) - float(published)) <= tol + 1e-9


@pytest.mark.skipif(not INSTANCES, reason=f"anchor file not found at {DATA}")
@pytest.mark.parametrize("instance", INSTANCES, ids=[i["name"] for i in INSTANCES])
def test_published_optimum_is_reproduced(instance: dict[str, Any]) -> None:
    solver = solver_for(instance["problem"])
    if isinstance(solver, str):
        pytest.skip(f"out of scope: {solver}")
    ours = solver(instance["inputs"])
    for key, published in instance["published"].items():
        tol = float(instance["tolerance"][key])
        assert _close(ours[key], published, tol), (
            f"{instance['name']}: {key} published {published}, ours {ours[key]}, tol {tol}"
        )


@pytest.mark.skipif(not INSTANCES, reason=f"anchor file not found at {DATA}")
def test_scope_of_the_anchor_file(capsys: pytest.CaptureFixture[str]) -> None:
    in_scope = [i["name"] for i in INSTANCES if not isinstance(solver_for(i["problem"]), str)]
    out = {
        i["name"]: solver_for(i["problem"])
        for i in INSTANCES
        if isinstance(solver_for(i["problem"]), str)
    }
    with capsys.disabled():
        print(f"\ninventory anchors in scope ({len(in_scope)}): {in_scope}")
        print(f"inventory anchors out of scope ({len(out)}): {sorted(out)}")
    # Every instance is classified, none by the fallback.
    assert not any(reason.startswith("no solver") for reason in out.values())
    assert len(in_scope) == 11
