"""The attribution result."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import InvalidParameterError
from .._html import html_table
from .._plotting import new_axes
from ._models import AttributionModel

__all__ = ["Attribution"]

FloatArray = npt.NDArray[np.float64]


def _readonly(value: object) -> FloatArray | None:
    if value is None:
        return None
    array = np.array(value, dtype=np.float64)
    array.flags.writeable = False
    return array


def _readonly_required(value: object) -> FloatArray:
    array = _readonly(value)
    assert array is not None
    return array


@attrs.frozen(eq=False)
class Attribution:
    """Credit per channel from one attribution model.

    Conversions and value are shared among the channels; both sum to the totals of the journeys
    attributed. Conversions that had no touch (in the lookback window, when journeys were built
    from frames by :func:`attribute`) cannot be credited to a channel: they are counted in
    ``unattributed_conversions`` and ``unattributed_value`` and shown by ``repr``. With
    ``n_boot`` bootstrap replicates, ``lower`` and ``upper`` hold percentile intervals at
    ``level``.

    Attributes
    ----------
    model : attribution model options
        The model that produced the result (e.g. ``Markov(order=2)``).
    channels : tuple of str
        Channel names, in the order of the arrays.
    conversions, value : numpy.ndarray
        Credited conversions and value per channel.
    total_conversions, total_value : float
        Totals of the journeys attributed.
    unattributed_conversions, unattributed_value : float
        Conversions (and their value) left out because their journey had no touch; 0 when
        the journeys came as a store. All conversions passed in are
        ``total_conversions + unattributed_conversions``.
    n_boot : int
        Bootstrap replicates behind the intervals (0: none).
    level : float
        Confidence level of the intervals.
    lower, upper : dict of str to numpy.ndarray
        Interval bounds for ``conversions``, ``value`` and ``share``; empty without bootstrap.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> paths = pd.DataFrame({"path": ["a > b", "b"], "total_conversions": [2, 2],
    ...                       "total_conversion_value": [100.0, 20.0]})
    >>> result = oc.attribute(oc.Journeys.from_paths(paths), oc.Linear())
    >>> result
    Attribution(linear: 4 conversions, value 120 over 2 channels; b 75.0%, a 25.0%)
    >>> result.to_frame()
      channel  conversions  value  share
    0       a          1.0   50.0   0.25
    1       b          3.0   70.0   0.75
    """

    model: AttributionModel
    channels: tuple[str, ...]
    conversions: FloatArray = attrs.field(converter=_readonly_required, repr=False)
    value: FloatArray = attrs.field(converter=_readonly_required, repr=False)
    total_conversions: float
    total_value: float
    n_boot: int = 0
    level: float = 0.95
    lower: dict[str, FloatArray] = attrs.field(factory=dict, repr=False)
    upper: dict[str, FloatArray] = attrs.field(factory=dict, repr=False)
    unattributed_conversions: float = 0.0
    unattributed_value: float = 0.0
    _removal_effects: FloatArray | None = attrs.field(
        default=None, converter=_readonly, repr=False, alias="removal_effects"
    )
    _transitions: pd.DataFrame | None = attrs.field(default=None, repr=False, alias="transitions")
    _by_position: pd.DataFrame | None = attrs.field(default=None, repr=False, alias="by_position")

    @property
    def share(self) -> FloatArray:
        """Share of the credited conversions per channel."""
        total = float(self.conversions.sum())
        return self.conversions / total if total else np.zeros_like(self.conversions)

    @property
    def name(self) -> str:
        """Short label of the model."""
        return self.model.name

    def to_frame(self) -> pd.DataFrame:
        """One row per channel: ``channel``, ``conversions``, ``value``, ``share``.

        With bootstrap intervals, also ``lower_conversions``, ``upper_conversions``,
        ``lower_value``, ``upper_value``, ``lower_share`` and ``upper_share``.
        """
        data: dict[str, Any] = {
            "channel": list(self.channels),
            "conversions": self.conversions.copy(),
            "value": self.value.copy(),
            "share": self.share,
        }
        for metric in ("conversions", "value", "share"):
            if metric in self.lower:
                data[f"lower_{metric}"] = self.lower[metric].copy()
                data[f"upper_{metric}"] = self.upper[metric].copy()
        return pd.DataFrame(data)

    def summary(self) -> pd.DataFrame:
        """Return the :meth:`to_frame` table sorted by credited conversions, largest first."""
        frame = self.to_frame().sort_values("conversions", ascending=False, kind="stable")
        return frame.reset_index(drop=True)

    def removal_effects(self) -> pd.DataFrame:
        """Markov removal effect of every channel (``channel``, ``removal_effect``)."""
        if self._removal_effects is None:
            raise InvalidParameterError(
                f"removal_effects() is defined for Markov models only; this is {self.name}."
            )
        return pd.DataFrame(
            {"channel": list(self.channels), "removal_effect": self._removal_effects.copy()}
        )

    def transition_matrix(self) -> pd.DataFrame:
        """Markov transitions as a long frame.

        Columns: ``from_state``, ``to_state``, ``count``, ``probability``.
        """
        if self._transitions is None:
            raise InvalidParameterError(
                f"transition_matrix() is defined for Markov models only; this is {self.name}."
            )
        return self._transitions.copy()

    def by_position(self) -> pd.DataFrame:
        """Ordered Shapley credit by channel and position of its first touch."""
        if self._by_position is None:
            raise InvalidParameterError(
                f"by_position() is defined for Shapley(method='ordered') only; this is {self.name}."
            )
        frame = self._by_position.copy()
        frame["channel"] = np.asarray(self.channels, dtype=object)[frame["channel"].to_numpy()]
        return frame

    def __repr__(self) -> str:
        top = self.summary().head(4)
        shares = ", ".join(
            f"{c} {s:.1%}" for c, s in zip(top["channel"], top["share"], strict=True)
        )
        more = ", ..." if len(self.channels) > 4 else ""
        interval = f", {self.n_boot} bootstrap replicates" if self.n_boot else ""
        return (
            f"Attribution({self.name}: {self.total_conversions:,.4g} conversions, value "
            f"{self.total_value:,.4g} over {len(self.channels)} channels; {shares}{more}"
            f"{interval}{self._unattributed_note()})"
        )

    def _unattributed_note(self) -> str:
        if not self.unattributed_conversions:
            return ""
        return (
            f"; {self.unattributed_conversions:,.6g} conversions (value "
            f"{self.unattributed_value:,.6g}) had no touch in their window and are not credited"
        )

    def _repr_html_(self) -> str:
        return html_table(
            self.summary(), "Attribution", f"({self.name}{self._unattributed_note()})"
        )

    def plot(self, ax: Any = None, *, metric: str = "conversions") -> Any:
        """Bar chart of the credit per channel, with interval whiskers when available.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure when omitted.
        metric : {"conversions", "value", "share"}
            What to plot.

        Returns
        -------
        matplotlib Axes
        """
        if metric not in ("conversions", "value", "share"):
            raise InvalidParameterError(
                f"The 'metric' parameter of Attribution.plot must be one of ['conversions', "
                f"'value', 'share']. Got {metric!r} instead."
            )
        axes = new_axes(ax)
        frame = self.to_frame()
        heights = frame[metric].to_numpy()
        error = None
        if metric in self.lower:
            error = np.vstack(
                [heights - frame[f"lower_{metric}"], frame[f"upper_{metric}"] - heights]
            )
        axes.bar(frame["channel"], heights, yerr=error, capsize=3, color="#4C72B0")
        axes.set_ylabel(metric)
        axes.set_title(f"Attribution: {self.name}")
        axes.tick_params(axis="x", labelrotation=30)
        return axes
