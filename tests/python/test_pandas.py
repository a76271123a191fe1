"""pandas in and out: dates as x, categorical groups, missing values, aggregation by x (against
qicharts2's published numbers for the example data), and errors in the user's terms."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import spc


# -- round trips ----------------------------------------------------------------------------------


def test_dates_as_x(cdi: pd.DataFrame) -> None:
    r = spc.qic("month", "n", data=cdi)
    d = r.data
    assert pd.api.types.is_datetime64_any_dtype(d["x"])
    assert d["x"].tolist() == cdi["month"].tolist()
    assert d["i"].tolist() == list(range(1, len(cdi) + 1))
    assert list(d.columns) == list(spc.POINT_COLUMNS)
    assert list(r.summary().columns) == list(spc.SUMMARY_COLUMNS)
    # cdi run chart, all 36 points: median 17, n.useful 32, L 14 > 8, C 6 < 11 → signal.
    s = r.summary().iloc[0]
    assert (s["cl"], s["n_useful"], s["longest_run"], s["n_crossings"]) == (17, 32, 14, 6)
    assert bool(s["runs_signal"])


def test_timezone_and_string_x() -> None:
    x = pd.date_range("2024-01-01", periods=6, freq="D", tz="Europe/Copenhagen")
    r = spc.qic(x=x, y=[1.0, 2, 3, 2, 1, 2])
    assert r.data["x"].tolist() == list(x)
    r = spc.qic(x=["a", "b", "c", "d"], y=[1, 2, 3, 4], chart="i")
    assert r.data["x"].tolist() == ["a", "b", "c", "d"]
    r.to_png()  # categorical x draws with tick labels


def test_categorical_groups_keep_their_dtype_and_order() -> None:
    cats = pd.CategoricalDtype(["small", "medium", "large"], ordered=True)
    df = pd.DataFrame(
        {
            "size": pd.Categorical(["large"] * 5 + ["small"] * 5, dtype=cats),
            "y": [5, 6, 5, 7, 6, 1, 2, 1, 2, 1],
        }
    )
    r = spc.qic(y="y", data=df, by="size", chart="c")
    d = r.data
    assert isinstance(d["size"].dtype, pd.CategoricalDtype)
    assert d["size"].dtype == cats
    assert r.summary()["size"].tolist() == ["large", "small"]  # order of first appearance
    assert r.groups["size"].tolist() == ["large", "small"]


def test_missing_values_are_gaps() -> None:
    values = [5.0, 6, np.nan, 7, 6, None, 5, 6, 7, 5]
    r = spc.qic(y=values, chart="i")
    d = r.data
    assert d["y"].isna().tolist() == [v is None or np.isnan(v) for v in values]
    assert not d.loc[d["y"].isna(), "sigma_signal"].any()
    assert r.summary()["n_obs"].iloc[0] == 10
    assert r.summary()["n_useful"].iloc[0] <= 8
    # Nullable integers with pd.NA give the same chart.
    nullable = pd.array([5, 6, pd.NA, 7, 6, pd.NA, 5, 6, 7, 5], dtype="Int64")
    r2 = spc.qic(y=nullable, chart="i")
    pd.testing.assert_frame_equal(r.data, r2.data)


def test_missing_denominator_and_booleans() -> None:
    df = pd.DataFrame({"d": [True, False, True, False, False, True]})
    r = spc.qic(y=df["d"], chart="run")
    assert r.data["y"].tolist() == [1.0, 0.0, 1.0, 0.0, 0.0, 1.0]
    r = spc.qic(y=[3, 4, np.nan, 5], n=[10, np.nan, 10, 10], chart="p")
    assert r.data["y"].isna().tolist() == [False, True, True, False]


def test_index_is_not_carried_but_rows_keep_their_order(cdi: pd.DataFrame) -> None:
    shuffled = cdi.set_index(cdi.index * 10 + 7)
    r = spc.qic("month", "n", "days", data=shuffled, chart="u")
    assert r.data.index.equals(pd.RangeIndex(len(cdi)))
    assert r.data["x"].tolist() == cdi["month"].tolist()


def test_interleaved_groups_come_out_contiguous() -> None:
    df = pd.DataFrame({"g": ["a", "b"] * 8, "y": np.arange(16.0) % 5})
    r = spc.qic(y="y", data=df, by="g", chart="i")
    assert r.data["g"].tolist() == ["a"] * 8 + ["b"] * 8
    alone = spc.qic(y=df.loc[df["g"] == "b", "y"], chart="i").data
    got = r.data[r.data["g"] == "b"].reset_index(drop=True)
    pd.testing.assert_series_equal(got["cl"], alone["cl"])
    pd.testing.assert_series_equal(got["ucl"], alone["ucl"])


def test_several_group_columns_and_arrays() -> None:
    df = pd.DataFrame(
        {"unit": ["u1"] * 6 + ["u2"] * 6, "ward": (["w1"] * 3 + ["w2"] * 3) * 2, "y": np.arange(12.0)}
    )
    r = spc.qic(y="y", data=df, by=["unit", "ward"])
    assert r.n_series == 4
    assert list(r.summary().columns[:2]) == ["unit", "ward"]
    r2 = spc.qic(y=df["y"].to_numpy(), by=df["unit"].to_numpy())
    assert r2.by == ["group"]
    assert r2.n_series == 2
    # Without data, a list is the group of each row; a missing key is a group of its own.
    r3 = spc.qic(y=[1, 2, 3, 4, 5, 6], by=["a", None, "a", None, "b", "b"])
    assert r3.n_series == 3 and r3.summary()["group"].isna().sum() == 1


def test_part_as_labels_equals_part_as_positions(cdi: pd.DataFrame) -> None:
    a = spc.qic("month", "n", "days", data=cdi, chart="u", part="period")
    b = spc.qic("month", "n", "days", data=cdi, chart="u", part=24)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert a.summary()["part_label"].tolist() == ["pre", "post"]


def test_multiply_scales_the_display(cdi: pd.DataFrame) -> None:
    a = spc.qic("month", "n", "days", data=cdi, chart="u", part=24)
    b = spc.qic("month", "n", "days", data=cdi, chart="u", part=24, multiply=10000)
    for col in ["y", "cl", "lcl", "ucl", "lcl_95", "ucl_95"]:
        np.testing.assert_allclose(b.data[col], a.data[col] * 10000, rtol=1e-12)
    # cdi u x 10^4, part = 24: CL 13.024226 -> 5.008920; point 1 limits 4.115200 / 21.933253.
    s = b.summary()
    np.testing.assert_allclose(s["cl"], [13.024226, 5.008920], rtol=1e-6)
    np.testing.assert_allclose(b.data.loc[0, ["lcl", "ucl"]].astype(float), [4.115200, 21.933253], rtol=1e-6)


def test_cdi_c_chart(cdi: pd.DataFrame) -> None:
    s = spc.qic("month", "n", data=cdi, chart="c", part=24).summary()
    np.testing.assert_allclose(s["cl"], [18.708333, 7.083333], rtol=1e-6)
    np.testing.assert_allclose(s["lcl"], [5.732394, 0.0], atol=1e-6)
    np.testing.assert_allclose(s["ucl"], [31.684273, 15.067693], rtol=1e-6)


# -- aggregation by x -------------------------------------------------------------------------------


def test_aggregation_by_month(hospital_infections: pd.DataFrame) -> None:
    """qicharts2: qic(month, n, days, data = hospital_infections, chart = 'u') sums the rows of
    each month: aLCL 0.0015814898, CL 0.0018235752, aUCL 0.0020656606; L 4/8, C 12/8."""
    r = spc.qic("month", "n", "days", data=hospital_infections, chart="u")
    assert len(r) == hospital_infections["month"].nunique()
    s = r.summary().iloc[0]
    np.testing.assert_allclose(
        [s["avg_lcl"], s["cl"], s["avg_ucl"]], [0.0015814898, 0.0018235752, 0.0020656606], rtol=1e-7
    )
    assert (s["longest_run"], s["longest_run_max"], s["n_crossings"], s["n_crossings_min"]) == (4, 8, 12, 8)


def test_aggregation_by_infection(hospital_infections: pd.DataFrame) -> None:
    r = spc.qic("month", "n", "days", data=hospital_infections, chart="u", by="infection")
    s = r.summary().set_index("infection")
    want = {
        "BAC": (0.00054101538, 0.00081276857, 0.0010845218),
        "CDI": (0.00036822198, 0.00061217368, 0.00085612537),
        "UTI": (0.0035682945, 0.00422402, 0.0048797455),
    }
    for infection, values in want.items():
        got = s.loc[infection, ["avg_lcl", "cl", "avg_ucl"]].astype(float).to_numpy()
        np.testing.assert_allclose(got, values, rtol=1e-7)


def test_runs_signals_by_hospital_and_infection(hospital_infections: pd.DataFrame) -> None:
    r = spc.qic("month", "n", "days", data=hospital_infections, chart="u", by=["hospital", "infection"])
    s = r.summary()
    signals = sorted(f"{h}-{i}" for h, i in s.loc[s["runs_signal"], ["hospital", "infection"]].itertuples(index=False))
    assert signals == ["BOH-UTI", "NOH-UTI"]


def test_duplicate_x_means_for_single_value_charts() -> None:
    df = pd.DataFrame({"day": [1, 1, 2, 2, 3, 3, 4, 4], "y": [1.0, 3, 2, 4, np.nan, 5, 6, 8]})
    r = spc.qic("day", "y", data=df, chart="i")
    assert r.data["y"].tolist() == [2.0, 3.0, 5.0, 7.0]
    assert r.data["x"].tolist() == [1, 2, 3, 4]


# -- errors ----------------------------------------------------------------------------------------


def test_error_names_column_row_and_index() -> None:
    df = pd.DataFrame(
        {"deaths": [3, 5, 40, 4], "cases": [50, 60, 30, 48]},
        index=pd.Index(["jan", "feb", "mar", "apr"], name="month"),
    )
    with pytest.raises(spc.SPCInputError) as info:
        spc.qic(y="deaths", n="cases", data=df, chart="p")
    e = info.value
    assert isinstance(e, ValueError)
    assert e.column == "deaths" and e.rows == [2] and e.labels == ["mar"]
    assert "column 'deaths'" in str(e) and "row 2 (index 'mar')" in str(e)
    assert "above its denominator" in str(e)


def test_error_names_the_group() -> None:
    df = pd.DataFrame({"ward": ["A"] * 4 + ["B"] * 4, "k": [1, 2, 1, 2, 1, -2, 1, 2]})
    with pytest.raises(ValueError, match=r"column 'k', row 5 \(index 5\) in the group ward='B'") as info:
        spc.qic(y="k", data=df, by="ward", chart="c")
    assert info.value.group == {"ward": "B"}


def test_error_for_a_subgroup_of_raw_measurements() -> None:
    df = pd.DataFrame({"s": [1, 1, 2, 2], "v": [1.0, 2.0, np.inf, 3.0]})
    with pytest.raises(ValueError, match="subgroup x=2") as info:
        spc.qic("s", "v", data=df, chart="xbar")
    assert info.value.rows == [2, 3]


def test_option_errors() -> None:
    with pytest.raises(ValueError, match=r"qic\(freeze=40\).*beyond the series"):
        spc.qic(y=list(range(10)), freeze=40)
    with pytest.raises(ValueError, match=r"qic\(part="):
        spc.qic(y=list(range(10)), part=[5, 3])
    with pytest.raises(ValueError, match="1-based"):
        spc.qic(y=list(range(10)), exclude=0)
    with pytest.raises(ValueError, match="unknown chart"):
        spc.qic(y=[1, 2, 3], chart="x-bar")
    with pytest.raises(ValueError, match="unknown rule"):
        spc.qic(y=[1, 2, 3], chart="i", rules="westerly")
    with pytest.raises(ValueError, match="no column 'nope'"):
        spc.qic(y="nope", data=pd.DataFrame({"a": [1]}))


def test_type_errors() -> None:
    with pytest.raises(TypeError, match="needs n="):
        spc.qic(y=[1, 2, 3], chart="p")
    with pytest.raises(TypeError, match="needs data="):
        spc.qic(y="column")
    with pytest.raises(TypeError, match="not numeric"):
        spc.qic(y=pd.Series(["1", "two", "3"]))
    with pytest.raises(TypeError, match="takes no denominator"):
        spc.qic(y=[1, 2, 3], n=[4, 5, 6], chart="c")
    with pytest.raises(TypeError, match="raw measurements need x="):
        spc.qic(y=[1, 2, 3], chart="xbar")
    with pytest.raises(TypeError, match="needs y="):
        spc.qic()
    with pytest.raises(TypeError, match="rebase"):
        spc.qic(y=[1, 2, 3], rebase=2)


def test_errors_warn_keeps_the_good_series() -> None:
    df = pd.DataFrame({"ward": ["A"] * 5 + ["B"] * 5 + ["C"] * 5, "k": [1, 2, 1, 2, 1, 1, -2, 1, 2, 1, 3, 4, 3, 4, 3]})
    with pytest.warns(spc.SPCInputWarning, match="1 series could not be computed"):
        r = spc.qic(y="k", data=df, by="ward", chart="c", errors="warn")
    assert r.problems["ward"].tolist() == ["B"]
    assert r.problems["rows"].tolist() == [[6]]
    d = r.data
    assert d.loc[d["ward"] == "B", "y"].isna().all()
    assert d.loc[d["ward"] == "B", "n_obs"].isna().all()
    assert r.summary()["ward"].tolist() == ["A", "C"]
    good = spc.qic(y=df.loc[df["ward"] == "C", "k"], chart="c").data
    np.testing.assert_array_equal(d.loc[d["ward"] == "C", "cl"], good["cl"])


def test_rules_columns_and_aliases() -> None:
    y = [5, 7, 6, 8, 7, 6, 9, 8, 7, 8, 6, 7, 12, 13, 14, 15, 13, 14, 13, 12]
    a = spc.qic(y=y, chart="i", rules="we,ihi")
    b = spc.qic(y=y, chart="i", rules=["WE", "ihi"])
    pd.testing.assert_frame_equal(a.data, b.data)
    d = a.data
    # As the command line: the base columns, one boolean per rule that fired, then the label.
    assert list(d.columns) == [*spc.POINT_COLUMNS, "we1", "ihi_trend", "we2", "we3", "ihi_shift", "we4",
                               "ihi_few_runs", "rule"]
    assert d["ihi_few_runs"].all()  # a series-level rule: true on every point of the part
    assert (d["rule"] != "none").any() and set(d["rule"].astype(str)) <= {"none", *spc.RULES}
    s = a.summary()
    assert s["rules_fired"].iloc[0] == "we1;ihi_trend;we2;we3;ihi_shift;we4;ihi_few_runs"
    assert s["rule_points"].iloc[0] == int((d["rule"] != "none").sum())
    assert bool(s["ihi_few_runs"].iloc[0]) and not bool(s["ihi_many_runs"].iloc[0])
    assert s["we4"].iloc[0] == int(d["we4"].sum())
    assert a.rules == ["we1", "ihi_trend", "we2", "we3", "ihi_shift", "we4", "ihi_few_runs", "ihi_many_runs"]


def test_mdc_mode_columns_and_part_as_rebase(cdi: pd.DataFrame) -> None:
    a = spc.qic("month", "n", data=cdi, improvement="decrease", part=24)
    b = spc.qic("month", "n", data=cdi, improvement="decrease", rebase=25)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert list(a.data.columns)[: len(spc.MDC_POINT_COLUMNS)] == list(spc.MDC_POINT_COLUMNS)
    assert list(a.data.columns)[-1] == "rule"
    assert list(a.summary().columns)[: len(spc.MDC_SUMMARY_COLUMNS)] == list(spc.MDC_SUMMARY_COLUMNS)
    assert {"rule_points", "rules_fired", "mdc_beyond", "mdc_trend", "mdc_two_in_three", "mdc_shift"} <= set(
        a.summary().columns
    )
    with pytest.raises(TypeError, match="XmR"):
        spc.qic("month", "n", "days", data=cdi, chart="u", improvement="decrease")


def test_repr_and_html(cdi: pd.DataFrame) -> None:
    r = spc.qic("month", "n", "days", data=cdi, chart="u", part="period", multiply=10000)
    assert "u chart, 36 points, 2 part(s)" in repr(r)
    html = r._repr_html_()
    assert html.count("<img src=\"data:image/png;base64,") == 1
    assert "<table" in html and "part_label" in html
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        many = spc.qic(y=np.arange(300.0) % 7, by=np.repeat(np.arange(30), 10))
        html = many._repr_html_()
        assert "more rows" in html and "data:image/png;base64," in html and "first 12 of 30" in html


def test_mdc_rule_variants() -> None:
    """trend_points=6 finds a trend of six points that the default of seven does not, in the
    Making Data Count mode and for rules='mdc' on any chart."""
    y = [10, 12, 10, 12, 10, 12, 10, 12, 9, 9.5, 10, 10.5, 11, 11.5, 10, 12, 10, 12, 10, 12, 10, 12]
    for kwargs in ({"improvement": "increase"}, {"chart": "i", "rules": "mdc"}):
        seven = spc.qic(y=y, **kwargs).summary()["mdc_trend"].tolist()
        six = spc.qic(y=y, trend_points=6, **kwargs).summary()["mdc_trend"].tolist()
        assert (seven, six) == ([0], [6]), kwargs
    with pytest.raises(ValueError, match="7 .* or 6"):
        spc.qic(y=y, improvement="increase", shift_points=5)
    with pytest.raises(ValueError, match="band_only"):
        spc.qic(y=y, improvement="increase", two_in_three="sometimes")


def test_other_rules_in_mdc_mode(cdi: pd.DataFrame) -> None:
    """rules= on top of the Making Data Count rules: the MDC results are unchanged, the other
    rules add their columns (as spc chart --rules mdc,we)."""
    plain = spc.qic("month", "n", data=cdi, improvement="decrease")
    more = spc.qic("month", "n", data=cdi, improvement="decrease", rules="we,ihi")
    for col in ["period", "y", "cl", "lcl", "ucl", "special_cause", "point_type"]:
        pd.testing.assert_series_equal(plain.data[col], more.data[col])
    assert "we4" in more.rules and "mdc_shift" in more.rules
    s = more.summary()
    assert {"we1", "we4", "ihi_shift", "ihi_runs", "mdc_shift"} <= set(s.columns)
    assert s["rule_points"].iloc[0] >= plain.summary()["rule_points"].iloc[0]
