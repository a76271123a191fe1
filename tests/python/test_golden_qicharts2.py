"""The qicharts2 golden suite (tests/data/golden/qicharts2) through the Python API.

Same tolerance as the C++ tests: floating-point columns agree to 1e-9 relative; flags, part numbers
and runs-analysis counts agree exactly. Every case runs one by one; xbar/s cases also from the raw
measurements (x = subgroup); cases without options also as one by= batch per chart type.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spc
from conftest import close, positions

NUMBERS = ["y", "cl", "lcl", "ucl", "lcl_95", "ucl_95"]
FLAGS = ["part", "baseline", "include", "sigma_signal"]
RUNS = ["n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings", "n_crossings_min"]
# Which golden columns a chart reads, from the library's chart table.
DENOMINATOR = {name for name, c in spc.CHART_TABLE.items() if c.denominator == "required"}
SUBGROUP = {name for name, c in spc.CHART_TABLE.items() if c.subgroup_sd}


def case_ids() -> list[int]:
    from conftest import GOLDEN

    return pd.read_csv(GOLDEN / "qicharts2" / "cases.csv")["id"].tolist()


def options(case: pd.Series) -> dict[str, object]:
    freeze = None if pd.isna(case["freeze"]) else int(case["freeze"])
    cl = None if pd.isna(case["fixed_cl"]) else float(case["fixed_cl"])
    return {
        "chart": case["chart"],
        "freeze": freeze,
        "part": positions(case["parts"]) or None,
        "exclude": positions(case["exclude"]) or None,
        "method": case["method"],
        "cl": cl,
    }


def compare(got_points: pd.DataFrame, got_parts: pd.DataFrame, want_points: pd.DataFrame,
            want_parts: pd.DataFrame, label: str) -> None:
    assert len(got_points) == len(want_points), f"{label}: {len(got_points)} points, want {len(want_points)}"
    for col in NUMBERS:
        ok = close(got_points[col].to_numpy(), want_points[col].to_numpy())
        bad = np.flatnonzero(~ok)
        assert len(bad) == 0, (
            f"{label}: column {col} differs at points {(bad + 1).tolist()[:5]}: "
            f"got {got_points[col].to_numpy()[bad][:3]}, want {want_points[col].to_numpy()[bad][:3]}"
        )
    for col in FLAGS:
        got = got_points[col].to_numpy().astype(int)
        want = want_points[col].to_numpy().astype(int)
        assert np.array_equal(got, want), f"{label}: column {col} differs at {np.flatnonzero(got != want) + 1}"
    assert len(got_parts) == len(want_parts), f"{label}: {len(got_parts)} parts, want {len(want_parts)}"
    for col in RUNS:
        got = got_parts[col].fillna(0).to_numpy().astype(int)
        want = want_parts[col].fillna(0).to_numpy().astype(int)
        assert np.array_equal(got, want), f"{label}: {col} got {got}, want {want}"
    got = got_parts["runs_signal"].to_numpy().astype(bool)
    want = want_parts["runs_signal"].to_numpy().astype(bool)
    assert np.array_equal(got, want), f"{label}: runs_signal got {got}, want {want}"


@pytest.mark.parametrize("case_id", case_ids())
def test_case(qicharts2_golden: dict[str, pd.DataFrame], case_id: int) -> None:
    g = qicharts2_golden
    case = g["cases"].set_index("id").loc[case_id]
    pts = g["points"][g["points"]["id"] == case_id].reset_index(drop=True)
    parts = g["parts"][g["parts"]["id"] == case_id].reset_index(drop=True)
    chart = case["chart"]
    kwargs = options(case)
    n = pts["denominator"] if chart in DENOMINATOR else None
    sd = pts["subgroup_sd"] if chart in SUBGROUP else None
    r = spc.qic(y=pts["value"], n=n, sd=sd, **kwargs)
    compare(r.data, r.summary(), pts, parts, f"case {case_id} ({chart})")


def raw_case_ids() -> list[int]:
    from conftest import GOLDEN

    cases = pd.read_csv(GOLDEN / "qicharts2" / "cases.csv")
    return cases.loc[cases["chart"].isin(sorted(SUBGROUP)), "id"].tolist()


@pytest.mark.parametrize("case_id", raw_case_ids())
def test_raw_subgroups(qicharts2_golden: dict[str, pd.DataFrame], case_id: int) -> None:
    """xbar/s from the individual measurements, x = subgroup, summarised by the engine.

    raw.csv rounds the measurements to 4 decimals, so (as the C++ CLI test does) the result must
    equal the chart of the same subgroup summaries to 1e-9, and the golden case to 1e-4, with
    exactly the same flags and runs analysis.
    """
    g = qicharts2_golden
    case = g["cases"].set_index("id").loc[case_id]
    raw = g["raw"][g["raw"]["id"] == case_id]
    pts = g["points"][g["points"]["id"] == case_id].reset_index(drop=True)
    parts = g["parts"][g["parts"]["id"] == case_id].reset_index(drop=True)
    r = spc.qic(x="subgroup", y="value", data=raw, **options(case))
    got = r.data
    assert got["x"].tolist() == list(dict.fromkeys(raw["subgroup"]))
    # The same subgroup summaries through the one-row-per-subgroup path (a test oracle).
    stats = raw.groupby("subgroup", sort=False)["value"].agg(["mean", "count", "std"])
    stats.loc[stats["count"] == 0, ["mean", "count"]] = np.nan
    want = spc.qic(y=stats["mean"], n=stats["count"], sd=stats["std"], **options(case)).data
    for col in NUMBERS:
        assert close(got[col].to_numpy(), want[col].to_numpy()).all(), col
    assert len(got) == len(pts)
    for col in ["y", "cl", "ucl"]:
        diff = np.abs(got[col].to_numpy() - pts[col].to_numpy())
        assert np.all((diff < 1e-4) | (np.isnan(got[col]) & np.isnan(pts[col]))), col
    for col in FLAGS:
        assert np.array_equal(got[col].to_numpy().astype(int), pts[col].to_numpy().astype(int)), col
    summary = r.summary()
    for col in RUNS:
        assert np.array_equal(summary[col].fillna(0).to_numpy().astype(int),
                              parts[col].fillna(0).to_numpy().astype(int)), col
    assert np.array_equal(summary["runs_signal"].to_numpy(), parts["runs_signal"].to_numpy().astype(bool))


@pytest.mark.parametrize("chart", spc.CHARTS)
def test_batch_by_case(qicharts2_golden: dict[str, pd.DataFrame], chart: str) -> None:
    """Every case of a chart type without freeze/part/exclude/cl, as one by= call."""
    g = qicharts2_golden
    cases = g["cases"]
    plain = cases[
        (cases["chart"] == chart)
        & cases["freeze"].isna()
        & cases["parts"].isna()
        & cases["exclude"].isna()
        & cases["fixed_cl"].isna()
        & (cases["method"] == "anhoej")
    ]["id"].tolist()
    if len(plain) < 2:
        pytest.skip(f"fewer than two plain {chart} cases")
    pts = g["points"][g["points"]["id"].isin(plain)].reset_index(drop=True)
    parts = g["parts"][g["parts"]["id"].isin(plain)].reset_index(drop=True)
    r = spc.qic(
        y="value",
        n="denominator" if chart in DENOMINATOR else None,
        sd="subgroup_sd" if chart in SUBGROUP else None,
        data=pts,
        chart=chart,
        by="id",
    )
    assert r.n_series == len(plain)
    assert r.data["id"].tolist() == pts["id"].tolist()
    compare(r.data, r.summary(), pts, parts, f"{chart} batch of cases {plain}")
