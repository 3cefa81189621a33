"""Notebook display of result objects: a bold heading over a table."""

from __future__ import annotations

import html

import pandas as pd

__all__ = ["html_table"]


def _four_digits(x: float) -> str:
    return f"{x:,.4g}"


def html_table(frame: pd.DataFrame, heading: str, detail: str = "") -> str:
    """Return ``heading`` (bold), ``detail`` and ``frame`` as HTML, floats to 4 digits."""
    suffix = f" {html.escape(detail)}" if detail else ""
    body = frame.to_html(index=False, float_format=_four_digits)
    return f"<p><b>{html.escape(heading)}</b>{suffix}</p>{body}"
