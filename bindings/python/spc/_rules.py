"""The special-cause rules of :func:`spc.qic`: ``rules=`` and the Making Data Count variants as
the engine's ``spc::rule_options`` (bound as ``_core.RuleOptions``, with the library's defaults).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import _core
from ._errors import SPCInputError

__all__ = ["rules_text", "rule_options"]


def rules_text(rules: str | Sequence[str] | None) -> str | None:
    """rules= as the engine's comma-separated list, checked."""
    if rules is None:
        return None
    if isinstance(rules, str):
        items = [r.strip() for r in rules.split(",")]
    else:
        try:
            items = [str(r).strip() for r in rules]
        except TypeError:
            raise TypeError(f"qic(rules=...): expected rule set names, got {type(rules).__name__}") from None
    items = [r.lower() for r in items if r]
    if not items:
        raise SPCInputError("qic(rules=...): give at least one rule set or rule", argument="rules")
    for item in items:
        if _core.rule_mask(item) is None:
            sets = ", ".join(_core.rule_set_names())
            rules_list = ", ".join(_core.rule_names()[:-1])
            raise SPCInputError(
                f"qic(rules={rules!r}): unknown rule set or rule {item!r}; the sets are {sets}; "
                f"the rules are {rules_list}",
                argument="rules",
                problem=f"unknown rule {item!r}",
            )
    return ",".join(items)


def rule_options(
    rules: str | None, *, mdc_mode: bool, trend_points: int, shift_points: int, two_in_three: str
) -> Any | None:
    """The engine's rule options: the rules of `rules` (in Making Data Count mode the MDC rules
    are always on) with the MDC variants; None when no rules are asked for."""
    if rules is None and not mdc_mode:
        return None
    options = _core.RuleOptions()
    options.rules = 0 if rules is None else int(_core.rule_mask(rules))
    options.mdc.trend = trend_points
    options.mdc.shift = shift_points
    options.mdc.two_in_three = two_in_three
    return options
