"""Exception types raised by :mod:`omnichannel`.

Every error the library raises on purpose derives from :class:`OmnichannelError`, so a service can
catch them all in one place, and from the matching built-in type, so ``except ValueError`` keeps
working for callers who do not know this library.
"""

from __future__ import annotations

__all__ = ["InvalidParameterError", "NotFittedError", "OmnichannelError", "SchemaError"]


class OmnichannelError(Exception):
    """Base class of every error raised on purpose by :mod:`omnichannel`.

    Examples
    --------
    >>> import omnichannel as oc
    >>> issubclass(oc.SchemaError, oc.OmnichannelError)
    True
    """


class SchemaError(OmnichannelError, ValueError):
    """A data frame does not follow its documented schema.

    The message names the frame, the column, how many rows break the rule and the first of them.

    Examples
    --------
    >>> import pandas as pd
    >>> import omnichannel as oc
    >>> frame = pd.DataFrame({"customer_id": ["a"], "channel": ["email"]})
    >>> try:
    ...     oc.validate_frame(frame, "touchpoints")
    ... except oc.SchemaError as err:
    ...     print(err)
    touchpoints is missing required column(s) ['timestamp']; got ['customer_id', 'channel'].
    """


class InvalidParameterError(OmnichannelError, ValueError, TypeError):
    """A parameter or a field of a domain object has the wrong type or value.

    It is both a :class:`ValueError` and a :class:`TypeError`, so either ``except`` clause
    catches it.

    Examples
    --------
    >>> import omnichannel as oc
    >>> try:
    ...     oc.OrderLine(product="sku-1", quantity=0, price=9.99)
    ... except oc.InvalidParameterError as err:
    ...     print(err)
    OrderLine.quantity must be an int >= 1; got 0. Drop empty lines or record returns separately.
    """


class NotFittedError(OmnichannelError, AttributeError):
    """An estimator was used before ``fit`` was called.

    Examples
    --------
    >>> import omnichannel as oc
    >>> issubclass(oc.NotFittedError, AttributeError)
    True
    """
