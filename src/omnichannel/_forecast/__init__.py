"""Demand forecasting: hierarchies, vectorised model families, reconciliation and evaluation."""
