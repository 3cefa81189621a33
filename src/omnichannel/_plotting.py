"""Optional matplotlib support shared by every ``plot()`` method."""

from __future__ import annotations

from typing import Any

__all__ = ["new_axes", "require_matplotlib"]


def require_matplotlib() -> Any:
    """Import and return :mod:`matplotlib.pyplot`, or explain how to install it.

    Raises
    ------
    ImportError
        When matplotlib is not installed; the message names the ``plot`` extra.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Plotting needs matplotlib, which is not installed. "
            "Install it with: pip install 'omnichannel[plot]'"
        ) from err
    return plt


def new_axes(ax: Any = None, *, figsize: tuple[float, float] = (7.0, 4.0)) -> Any:
    """Return ``ax`` or a fresh axes when it is None."""
    if ax is not None:
        return ax
    plt = require_matplotlib()
    _, created = plt.subplots(figsize=figsize)
    return created
