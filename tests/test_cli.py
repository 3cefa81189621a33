from __future__ import annotations

import subprocess
import sys

import pytest

from omnichannel._cli import main


def test_demo_prints_every_section(capsys):
    assert main(["demo", "--customers", "400", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    for heading in (
        "Simulated retailer",
        "Journeys (30-day lookback)",
        "Conversion rate by path length",
        "Attribution: share of conversions",
        "Channel synergy from journeys",
        "Mix model on 156 simulated weeks",
        "Sales by channel",
        "Demand forecast: 28 days ahead",
        "Allocation of DC stock against the forecast",
        "Customer lifetime value",
    ):
        assert heading in out
    assert "400 customers" in out


def test_demo_is_deterministic(capsys):
    main(["demo", "--customers", "300", "--seed", "5"])
    first = capsys.readouterr().out
    main(["demo", "--customers", "300", "--seed", "5"])
    assert capsys.readouterr().out == first


def test_unknown_command_exits_with_usage(capsys):
    with pytest.raises(SystemExit) as info:
        main(["nope"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_python_dash_m_runs():
    result = subprocess.run(
        [sys.executable, "-m", "omnichannel", "demo", "--customers", "200"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Sales by channel" in result.stdout
