"""Every rule parameter is settable from Python (qic(rule_options=...) or spc.RuleOptions), and a
changed parameter changes the results as the C++ rules do."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import spc
from spc import _core

# Every parameter: a value other than the default, and the rule it changes.
PARAMETERS = {
    ("ihi", "shift"): (3, "ihi_shift"),
    ("ihi", "trend"): (3, "ihi_trend"),
    ("we", "two_of_three"): ((1, 2), "we2"),
    ("we", "four_of_five"): ((2, 3), "we3"),
    ("we", "run"): (4, "we4"),
    ("nelson", "run"): (4, "nelson2"),
    ("nelson", "trend"): (4, "nelson3"),
    ("nelson", "alternating"): (5, "nelson4"),
    ("nelson", "two_of_three"): ((1, 2), "nelson5"),
    ("nelson", "four_of_five"): ((2, 3), "nelson6"),
    ("nelson", "stratification"): (5, "nelson7"),
    ("nelson", "mixture"): (3, "nelson8"),
    ("mdc", "trend"): (4, "mdc_trend"),
    ("mdc", "shift"): (4, "mdc_shift"),
    ("mdc", "two_in_three"): ("beyond_2sigma", "mdc_two_in_three"),
}


def series() -> np.ndarray:
    rng = np.random.default_rng(7)
    y = rng.normal(10, 1, 300)
    y[[40, 41, 120, 200, 201]] += [4, 3.5, -5, 3.2, 3.4]
    return y


def test_every_parameter_is_listed() -> None:
    options = spc.RuleOptions()
    listed = {(family, name) for family in ("ihi", "we", "nelson", "mdc")
              for name in dir(getattr(options, family)) if not name.startswith("_")}
    assert listed == set(PARAMETERS)


@pytest.mark.parametrize("key", sorted(PARAMETERS))
def test_a_changed_parameter_changes_the_rule_as_the_engine_does(key: tuple[str, str]) -> None:
    family, name = key
    value, rule = PARAMETERS[key]
    y = series()
    default = spc.qic(y=y, chart="i", rules=family).summary()
    changed = spc.qic(y=y, chart="i", rules=family, rule_options={family: {name: value}}).summary()
    assert changed[rule].iloc[0] != default[rule].iloc[0]

    # The same through the module with the library's struct.
    options = spc.RuleOptions()
    options.rules = _core.rule_mask(family)
    setattr(getattr(options, family), name, spc.KOfM(*value) if isinstance(value, tuple) else value)
    chart = _core.ChartOptions()
    chart.chart = "i"
    out = _core.qic_batch(y, None, None, np.array([0, len(y)]), chart, rules=options)
    bit = _core.rule_names().index(rule)
    assert changed[rule].iloc[0] == out["rules"]["points"][0, bit]
    # A RuleOptions object gives the same as the dict.
    again = spc.qic(y=y, chart="i", rules=family, rule_options=options).summary()
    pd.testing.assert_frame_equal(again, changed)


def test_western_electric_4_run_length_by_hand() -> None:
    """Exactly 8 points above the centre line: WE4 flags them with run=8 (the default), not with 9."""
    y = [1, -1] * 4 + [1] * 8 + [-1, 1] * 4
    eight = spc.qic(y=y, chart="i", cl=0, rules="we4")
    nine = spc.qic(y=y, chart="i", cl=0, rules="we4", rule_options={"we": {"run": 9}})
    assert eight.summary()["we4"].tolist() == [8]
    assert eight.data["we4"].tolist() == [False] * 8 + [True] * 8 + [False] * 8
    assert nine.summary()["we4"].tolist() == [0] and "we4" not in nine.data


def test_nelson_3_trend_length_by_hand() -> None:
    """Six points steadily increasing: Nelson 3 flags them with trend=6 (the default), not with 7."""
    y = [5, 3, 5, 3, 1, 2, 3, 4, 5, 6, 3, 5, 3, 5]
    assert spc.qic(y=y, chart="i", rules="nelson3").summary()["nelson3"].tolist() == [6]
    seven = spc.qic(y=y, chart="i", rules="nelson3", rule_options={"nelson": {"trend": 7}})
    assert seven.summary()["nelson3"].tolist() == [0]


def test_mdc_parameters_in_mdc_mode_and_the_shorthands() -> None:
    y = [10, 12, 10, 12, 10, 12, 10, 12, 9, 9.5, 10, 10.5, 11, 11.5, 10, 12, 10, 12, 10, 12, 10, 12]
    by_dict = spc.qic(y=y, improvement="increase", rule_options={"mdc": {"trend": 6}})
    by_shorthand = spc.qic(y=y, improvement="increase", trend_points=6)
    assert by_dict.summary()["mdc_trend"].tolist() == [6]
    pd.testing.assert_frame_equal(by_dict.data, by_shorthand.data)
    # Other families in MDC mode with rules= on top.
    r = spc.qic(y=y, improvement="increase", rules="we", rule_options={"we": {"run": 3}})
    assert r.summary()["we4"].iloc[0] > 0


def test_k_of_m_forms() -> None:
    y = series()
    forms = [(1, 2), [1, 2], {"k": 1, "m": 2}, spc.KOfM(1, 2)]
    results = [spc.qic(y=y, chart="i", rules="we2", rule_options={"we": {"two_of_three": f}}).summary()
               for f in forms]
    for r in results[1:]:
        pd.testing.assert_frame_equal(r, results[0])


def test_a_rule_options_object_is_not_changed() -> None:
    options = spc.RuleOptions()
    options.we.run = 5
    before = copy.copy(options)
    spc.qic(y=series(), chart="i", rules="we", rule_options=options)
    assert options == before and options.rules == before.rules
    assert repr(options).startswith("RuleOptions(rules=") and "run=5" in repr(options)


def test_rule_option_errors() -> None:
    y = series()[:30]
    with pytest.raises(spc.SPCInputError, match=r"qic\(rule_options=\.\.\.\): we\.run: must be at least 2 points"):
        spc.qic(y=y, chart="i", rules="we", rule_options={"we": {"run": 1}})
    with pytest.raises(spc.SPCInputError, match="nelson.two_of_three: k must be between 1 and the window size"):
        spc.qic(y=y, chart="i", rules="nelson", rule_options={"nelson": {"two_of_three": (4, 3)}})
    with pytest.raises(TypeError, match="which rules= does not ask for"):
        spc.qic(y=y, chart="i", rules="nelson", rule_options={"we": {"run": 9}})
    with pytest.raises(TypeError, match="say which rules with rules="):
        spc.qic(y=y, chart="i", rule_options={"we": {"run": 9}})
    with pytest.raises(TypeError, match="no rules 'wee'"):
        spc.qic(y=y, chart="i", rules="we", rule_options={"wee": {"run": 9}})
    with pytest.raises(TypeError, match="no parameter 'runs'; they have"):
        spc.qic(y=y, chart="i", rules="we", rule_options={"we": {"runs": 9}})
    with pytest.raises(TypeError, match="number of points"):
        spc.qic(y=y, chart="i", rules="we", rule_options={"we": {"run": 8.5}})
    with pytest.raises(TypeError, match=r"give \(k, m\)"):
        spc.qic(y=y, chart="i", rules="we", rule_options={"we": {"two_of_three": 2}})
    with pytest.raises(spc.SPCInputError, match="unknown value 'sometimes'"):
        spc.qic(y=y, improvement="increase", rule_options={"mdc": {"two_in_three": "sometimes"}})
    with pytest.raises(TypeError, match="in one place"):
        spc.qic(y=y, improvement="increase", trend_points=6, rule_options={"mdc": {"trend": 6}})
    with pytest.raises(TypeError, match="expected a dict"):
        spc.qic(y=y, chart="i", rules="we", rule_options=[("we", 9)])
