"""The chart facts of the Python package come from the library's chart table (spc._core.chart_table),
and its refusals of inputs from the library's check (spc::check_inputs): the c chart takes no
denominator, here as in `spc chart` and `spc batch`."""

from __future__ import annotations

import numpy as np
import pytest

import spc
from spc import _core
from spc.plotting import CHART_TITLES


def names(**where: object) -> set[str]:
    return {name for name, c in spc.CHART_TABLE.items() if all(getattr(c, k) == v for k, v in where.items())}


def test_the_table_is_the_library_s() -> None:
    assert spc.CHARTS == ("run", "i", "mr", "xbar", "s", "t", "p", "pp", "c", "u", "up", "g")
    assert [c["name"] for c in _core.chart_table()] == list(spc.CHARTS)
    assert all(spc.CHART_TABLE[c["name"]] == spc.ChartInfo(**c) for c in _core.chart_table())
    assert names(denominator="none") == {"mr", "t", "c", "g"}
    assert names(denominator="optional") == {"run", "i"}
    assert names(denominator="required") == {"xbar", "s", "p", "pp", "u", "up"}
    assert names(subgroup_sd=True) == {"xbar", "s"}
    assert names(aggregation="sum") == {"p", "pp", "c", "u", "up"}
    assert names(aggregation="subgroup") == {"xbar", "s"}
    assert names(y_at_most_n=True) == {"p", "pp"}
    assert names(has_limits=False) == {"run"}
    assert names(runs_signal=False) == {"mr"}
    assert spc.CHART_TABLE["t"].y_domain == "positive" and spc.CHART_TABLE["c"].y_domain == "nonnegative"
    assert spc.CHART_TABLE["p"].title == "P chart" and spc.CHART_TABLE["c"].description == "counts"


def test_plot_titles_come_from_the_table() -> None:
    assert CHART_TITLES["p"] == "P chart" and CHART_TITLES["pp"] == "P′ chart" and CHART_TITLES["run"] == "Run chart"
    assert set(CHART_TITLES) == set(spc.CHARTS)


def test_the_c_chart_takes_no_denominator() -> None:
    """One behaviour everywhere: spc.qic(chart="c", n=...) is refused before any data is read,
    with the library's words (the command line refuses --n with c as a usage error)."""
    argument, problem = _core.check_inputs("c", True, False)
    assert argument == "n"
    assert problem == "a c chart takes no denominator (for rates use the u chart, for proportions the p chart)"
    with pytest.raises(TypeError, match="takes no denominator") as info:
        spc.qic(y=[1, 2, 3], n=[4, 5, 6], chart="c")
    assert str(info.value) == f"qic(chart='c') takes no n=: {problem}"
    # Also from a DataFrame, by group, and when the denominators are all missing.
    import pandas as pd

    df = pd.DataFrame({"g": ["a", "a", "b", "b"], "k": [1, 2, 3, 4], "d": [np.nan] * 4})
    for kwargs in ({"by": "g"}, {}):
        with pytest.raises(TypeError, match=problem.replace("(", r"\(").replace(")", r"\)")):
            spc.qic(y="k", n="d", data=df, chart="c", **kwargs)


@pytest.mark.parametrize("chart", sorted(names(denominator="none")))
def test_charts_without_a_denominator_refuse_n(chart: str) -> None:
    _, problem = _core.check_inputs(chart, True, False)
    with pytest.raises(TypeError) as info:
        spc.qic(y=[1.0, 2.0, 3.0, 4.0], n=[5.0, 5.0, 5.0, 5.0], chart=chart)
    assert str(info.value) == f"qic(chart={chart!r}) takes no n=: {problem}"


@pytest.mark.parametrize("chart", sorted(names(denominator="required", subgroup_sd=False)))
def test_charts_with_a_denominator_need_n(chart: str) -> None:
    _, problem = _core.check_inputs(chart, False, False)
    with pytest.raises(TypeError, match="needs n=") as info:
        spc.qic(y=[1.0, 2.0, 3.0], chart=chart)
    assert str(info.value) == f"qic(chart={chart!r}) needs n=: {problem}"


def test_subgroup_sd_checks_are_the_library_s() -> None:
    _, problem = _core.check_inputs("i", False, True)
    with pytest.raises(TypeError) as info:
        spc.qic(y=[1.0, 2.0, 3.0], sd=[1.0, 1.0, 1.0], chart="i")
    assert str(info.value) == f"qic(chart='i') takes no sd=: {problem}"
    _, problem = _core.check_inputs("xbar", False, True)
    with pytest.raises(TypeError) as info:
        spc.qic(y=[1.0, 2.0, 3.0], sd=[1.0, 1.0, 1.0], chart="xbar")
    assert str(info.value) == f"qic(chart='xbar') needs n=: {problem}"
    # Optional denominators are taken.
    assert len(spc.qic(y=[1.0, 2.0, 3.0], n=[2.0, 2.0, 2.0], chart="run")) == 3
    assert _core.check_inputs("i", True, False) is None


def test_summary_counts_come_from_the_engine() -> None:
    y = [1.0, np.nan, 3.0, 4.0, np.nan, 6.0, 7.0, 8.0]
    r = spc.qic(y=y, chart="i", exclude=[3], part=4)
    s = r.summary()
    assert s["n_missing"].tolist() == [1, 1] and s["n_excluded"].tolist() == [1, 0]
    engine = r._engine["parts"]
    assert engine["n_missing"].tolist() == [1, 1] and engine["n_excluded"].tolist() == [1, 0]


def test_engine_results_carry_every_field() -> None:
    """The module's result columns come from one field table per struct (core.cpp)."""
    y = np.array([5.0, 6, 7, 5, 6, 7, 8, 9, 12, 13, 12, 13, 14, 12, 13, 12])
    offsets = np.array([0, len(y)])
    rules = _core.RuleOptions()
    rules.rules = _core.rule_mask("anhoej,ihi")
    out = _core.qic_batch(y, None, None, offsets, _core.ChartOptions(), rules=rules)
    assert {"series", "n_points", "part", "first", "last", "cl", "lcl", "ucl", "n_sigma_signals", "n_missing",
            "n_excluded", "n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings", "n_crossings_min",
            "runs_signal", "runs_defined", "last_y", "last_sigma_signal", "rules_fired", "n_rule_points",
            "last_rule", "last_variation"} == set(out["parts"])
    assert {"evaluated", "fired", "points", "n_points", "ihi_useful", "ihi_runs", "ihi_runs_lower",
            "ihi_runs_upper", "ihi_runs_from_table", "anhoej_useful", "longest_run", "longest_run_max",
            "crossings", "crossings_min"} == set(out["rules"])
    assert out["rules"]["points"].shape == (1, len(_core.rule_names()) - 1)
    assert out["rules"]["longest_run"][0] == out["parts"]["longest_run"][0] == 8
    mdc = _core.mdc_batch(y, None, offsets, _core.MdcOptions(), _core.RuleOptions())
    assert {"period", "first", "last", "n_points", "n_missing", "mean", "amr", "lpl", "upl", "improvement",
            "concern", "neutral_high", "neutral_low", "common_cause", "variation", "assurance",
            "trial_limits"} == set(mdc["periods"])
    assert mdc["parts"]["cl"][0] == mdc["periods"]["mean"][0] == mdc["points"]["cl"][0]
