"""The special-cause rules of :func:`spc.qic`: ``rules=`` and ``rule_options=`` as the engine's
``spc::rule_options`` (bound as :class:`spc.RuleOptions`).

The parameters, their names and their defaults are the library's: a ``RuleOptions()`` is the
C++ struct with its defaults, and the families and parameters accepted here are read from it.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from . import _core
from ._errors import SPCInputError

__all__ = ["RuleOptions", "KOfM", "rules_text", "rule_options"]

RuleOptions = _core.RuleOptions
KOfM = _core.KOfM


def _public(obj: Any) -> list[str]:
    return [k for k in dir(type(obj)) if not k.startswith("_")]


#: The rule families with parameters ("ihi", "we", "nelson", "mdc"), as RuleOptions holds them.
FAMILIES: tuple[str, ...] = tuple(k for k in _public(RuleOptions()) if k != "rules")


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


def _k_of_m(value: Any, where: str) -> Any:
    if isinstance(value, KOfM):
        return value
    if isinstance(value, Mapping) and set(value) == {"k", "m"}:
        value = (value["k"], value["m"])
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        return KOfM(_integer(value[0], where + ".k"), _integer(value[1], where + ".m"))
    raise TypeError(f"qic(rule_options=...): {where} is k of m points: give (k, m), {{'k': k, 'm': m}} or spc.KOfM")


def _integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"qic(rule_options=...): {where} is a number of points, got {value!r}")
    return int(value)


def _apply(options: Any, spec: Mapping[str, Any]) -> None:
    """Sets the parameters of `spec` ({family: {parameter: value}}) on a RuleOptions."""
    for family, params in spec.items():
        if family not in FAMILIES:
            raise TypeError(
                f"qic(rule_options=...): no rules {family!r} with parameters; give {', '.join(FAMILIES)}"
            )
        if not isinstance(params, Mapping):
            raise TypeError(f"qic(rule_options=...): {family!r} takes a dict of parameters, got {params!r}")
        target = getattr(options, family)
        names = _public(target)
        for name, value in params.items():
            where = f"{family}.{name}"
            if name not in names:
                raise TypeError(
                    f"qic(rule_options=...): the {family} rules have no parameter {name!r}; "
                    f"they have {', '.join(names)}"
                )
            current = getattr(target, name)
            if isinstance(current, KOfM):
                value = _k_of_m(value, where)
            elif isinstance(current, str):
                if not isinstance(value, str):
                    raise TypeError(f"qic(rule_options=...): {where} is a name, got {value!r}")
            else:
                value = _integer(value, where)
            try:
                setattr(target, name, value)
            except _core.EngineError:
                raise SPCInputError(
                    f"qic(rule_options=...): {where}: unknown value {value!r}", argument="rule_options",
                    problem=f"unknown value {value!r}",
                ) from None
            except TypeError:  # a number the engine's int32 cannot hold
                raise SPCInputError(
                    f"qic(rule_options=...): {where}: {value!r} is out of range", argument="rule_options",
                    problem="out of range",
                ) from None


def rule_options(
    spec: Mapping[str, Any] | Any | None, rules: str | None, *, mdc_mode: bool, trend_points: int | None,
    shift_points: int | None, two_in_three: str | None,
) -> Any | None:
    """The engine's rule options: the rules of `rules` (in Making Data Count mode the MDC rules
    are always on) with the parameters of `spec` (a dict {family: {parameter: value}} or a
    RuleOptions) and the MDC shorthands trend_points, shift_points and two_in_three. None when no
    rules are asked for (and, outside MDC mode, no parameters given)."""
    mask = 0 if rules is None else int(_core.rule_mask(rules))
    shorthands = {"trend": trend_points, "shift": shift_points, "two_in_three": two_in_three}
    given_shorthands = {k: v for k, v in shorthands.items() if v is not None}
    if spec is not None and not isinstance(spec, RuleOptions | Mapping):
        raise TypeError(
            f"qic(rule_options=...): expected a dict such as {{'we': {{'run': 9}}}} or spc.RuleOptions, "
            f"got {type(spec).__name__}"
        )
    if spec is not None and not mdc_mode and rules is None:
        raise TypeError("qic(rule_options=...): sets parameters of rules; say which rules with rules=")
    if given_shorthands and (isinstance(spec, RuleOptions) or (isinstance(spec, Mapping) and "mdc" in spec)):
        raise TypeError(
            "qic(rule_options=..., trend_points=...): give the Making Data Count parameters in one place "
            "(rule_options={'mdc': {...}})"
        )
    if rules is None and not mdc_mode:
        return None

    if isinstance(spec, RuleOptions):
        options = copy.copy(spec)
    else:
        options = RuleOptions()
        if spec is not None:
            for family in spec:
                asked = family == "mdc" and mdc_mode
                family_mask = _core.rule_mask(family) if family in FAMILIES else None
                if family_mask is not None and not asked and not mask & family_mask:
                    raise TypeError(
                        f"qic(rule_options={{{family!r}: ...}}): sets parameters of the {family} rules, "
                        f"which rules= does not ask for; add them to rules="
                    )
            _apply(options, spec)
    options.rules = mask
    _apply(options, {"mdc": given_shorthands})
    return options
