"""The NHS Making Data Count golden suite (tests/data/golden/mdc, NHSRplotthedots 0.2.2
ptd_spc()) through the Python API: spc.qic(..., improvement=...).

Floating-point columns agree to 1e-9 relative; periods, special-cause types, point types,
variation and assurance exactly. Every case runs alone; the cases that share options also run as
one by= batch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spc
from spc import _core
from conftest import close, positions

CAUSE_LABEL = dict(zip(_core.special_cause_names(), _core.special_cause_labels()))
TYPE_LABEL = dict(zip(_core.point_type_names(), _core.point_type_labels()))


def case_ids() -> list[int]:
    from conftest import GOLDEN

    return pd.read_csv(GOLDEN / "mdc" / "mdc_cases.csv")["id"].tolist()


def mdc_options(case: pd.Series) -> dict[str, object]:
    return {
        "improvement": case["improvement_direction"],
        "freeze": None if pd.isna(case["fix_after_n_points"]) else int(case["fix_after_n_points"]),
        "rebase": positions(case["rebase"]) or None,
        "screen": bool(case["screen_outliers"]),
        "target": None if pd.isna(case["target"]) else float(case["target"]),
    }


def check(got: pd.DataFrame, want: pd.DataFrame, label: str) -> None:
    assert len(got) == len(want), label
    assert np.array_equal(got["period"].to_numpy() - 1, want["rebase_group"].to_numpy()), label
    for col, want_col in [("cl", "mean"), ("lcl", "lpl"), ("ucl", "upl")]:
        ok = close(got[col].to_numpy(), want[want_col].to_numpy())
        assert ok.all(), f"{label}: {col} differs at points {np.flatnonzero(~ok) + 1}"
    labels = [CAUSE_LABEL[c] for c in got["special_cause"].astype(str)]
    assert labels == want["special_cause_type"].tolist(), label
    types = [TYPE_LABEL[t] for t in got["point_type"].astype(str)]
    assert types == want["point_type"].tolist(), label


@pytest.mark.parametrize("case_id", case_ids())
def test_case(mdc_golden: dict[str, pd.DataFrame], case_id: int) -> None:
    case = mdc_golden["cases"].set_index("id").loc[case_id]
    pts = mdc_golden["points"][mdc_golden["points"]["id"] == case_id].reset_index(drop=True)
    r = spc.qic(y=pts["value"], **mdc_options(case))
    assert r.mode == "mdc"
    check(r.data, pts, f"mdc case {case_id}")
    series = r.series_summary().iloc[0]
    assert TYPE_LABEL[str(series["variation"])] == case["variation"]
    want_assurance = "" if pd.isna(case["assurance"]) else case["assurance"]
    got_assurance = "" if pd.isna(series["assurance"]) else str(series["assurance"])
    assert got_assurance == want_assurance


def test_batch_of_cases(mdc_golden: dict[str, pd.DataFrame]) -> None:
    """The cases that share their options, each group as one by= call."""
    cases = mdc_golden["cases"].copy()
    key_cols = ["improvement_direction", "fix_after_n_points", "rebase", "screen_outliers", "target"]
    cases["key"] = ["|".join(map(str, row)) for row in cases[key_cols].itertuples(index=False)]
    batched = 0
    for _, group in cases.groupby("key"):
        if len(group) < 2:
            continue
        ids = group["id"].tolist()
        pts = mdc_golden["points"][mdc_golden["points"]["id"].isin(ids)].reset_index(drop=True)
        r = spc.qic(y="value", data=pts, by="id", **mdc_options(group.iloc[0]))
        assert r.data["id"].tolist() == pts["id"].tolist()
        check(r.data, pts, f"mdc batch {ids}")
        batched += len(ids)
    assert batched >= 10
