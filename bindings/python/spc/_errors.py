"""Errors of the spc package, in the user's terms."""

from __future__ import annotations

from typing import Any

__all__ = ["SPCInputError", "SPCInputWarning"]


class SPCInputError(ValueError):
    """Bad input to :func:`spc.qic`, as found by the C++ engine or by the argument checks.

    The message names what the user gave: the column of ``data`` (or the argument), the row
    (its position and its index label), the group of ``by=`` and the problem. The same facts
    are attributes, for programs.

    Attributes
    ----------
    argument:
        The argument of :func:`spc.qic` at fault (``"y"``, ``"n"``, ``"sd"``, ``"freeze"``,
        ``"part"``, ``"exclude"``, ``"cl"``, ...).
    column:
        The column of ``data`` when the argument named one, else ``None``.
    rows:
        Positions (0-based, as ``data.iloc``) of the rows at fault, possibly empty.
    labels:
        The index labels of those rows (``data.index``), possibly empty.
    group:
        The key of the ``by=`` group at fault (a dict column → value), or ``None``.
    problem:
        The engine's description of the problem.

    Examples
    --------
    >>> import pandas as pd, spc
    >>> df = pd.DataFrame({"deaths": [3, 5, 4], "cases": [50, 0, 48]})
    >>> try:
    ...     spc.qic(y="deaths", n="cases", data=df, chart="p")
    ... except spc.SPCInputError as e:
    ...     print(e.column, e.rows)
    cases [1]
    """

    def __init__(
        self,
        message: str,
        *,
        argument: str = "",
        column: str | None = None,
        rows: list[int] | None = None,
        labels: list[Any] | None = None,
        group: dict[str, Any] | None = None,
        problem: str = "",
    ) -> None:
        super().__init__(message)
        self.argument = argument
        self.column = column
        self.rows = list(rows or [])
        self.labels = list(labels or [])
        self.group = group
        self.problem = problem or message


class SPCInputWarning(UserWarning):
    """Some series of a batch could not be computed (``qic(..., errors="warn")``); they are left
    missing and listed in the result's ``.problems``."""
