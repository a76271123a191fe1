"""Property tests (hypothesis): scaling the values scales an I chart; a batch equals its series
run one by one; reordering the groups reorders the output."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import spc
from conftest import close

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

values = arrays(
    np.float64,
    st.integers(min_value=2, max_value=40),
    elements=st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, width=64),
)
scales = st.sampled_from([0.001, 0.5, 2.0, 3.0, 10.0, 1000.0])
LIMITS = ["cl", "lcl", "ucl", "lcl_95", "ucl_95"]


@SETTINGS
@given(y=values, k=scales)
def test_scaling_values_scales_the_i_chart(y: np.ndarray, k: float) -> None:
    a = spc.qic(y=y, chart="i", screen=False).data
    b = spc.qic(y=y * k, chart="i", screen=False).data
    for col in LIMITS:
        want = a[col].to_numpy() * k
        got = b[col].to_numpy()
        ok = close(got, want, tol=1e-9) | (np.abs(got - want) <= 1e-9 * np.nanmax(np.abs(y * k)) + 1e-300)
        assert ok.all(), col


@SETTINGS
@given(y=values, shift=st.floats(min_value=-1e3, max_value=1e3, allow_nan=False))
def test_shifting_values_shifts_the_centre_line(y: np.ndarray, shift: float) -> None:
    a = spc.qic(y=y, chart="i").data
    b = spc.qic(y=y + shift, chart="i").data
    np.testing.assert_allclose(b["cl"], a["cl"] + shift, rtol=1e-9, atol=1e-9 * (1 + abs(shift) + np.abs(y).max()))


def series_lists(chart: str) -> st.SearchStrategy[list[tuple[np.ndarray, np.ndarray]]]:
    """Lists of (count, denominator) series for p/u/c/i charts."""

    @st.composite
    def one(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
        m = draw(st.integers(min_value=1, max_value=30))
        n = np.array(draw(st.lists(st.integers(1, 500), min_size=m, max_size=m)), dtype=float)
        frac = np.array(draw(st.lists(st.floats(0, 1), min_size=m, max_size=m)))
        y = np.floor(n * frac)
        holes = draw(st.lists(st.booleans(), min_size=m, max_size=m))
        y[np.array(holes) & (np.arange(m) % 5 == 3)] = np.nan
        return y, n

    return st.lists(one(), min_size=1, max_size=12)


@SETTINGS
@given(series=series_lists("p"), chart=st.sampled_from(["run", "i", "p", "pp", "c", "u", "up"]),
       method=st.sampled_from(["anhoej", "bestbox", "cutbox"]), threads=st.sampled_from([0, 1, 2]))
def test_batch_equals_series_one_by_one(series: list[tuple[np.ndarray, np.ndarray]], chart: str,
                                        method: str, threads: int) -> None:
    needs_n = spc.CHART_TABLE[chart].denominator == "required"
    frames = [
        pd.DataFrame({"unit": f"u{k}", "y": y, "n": n}) for k, (y, n) in enumerate(series)
    ]
    df = pd.concat(frames, ignore_index=True)
    batch = spc.qic(y="y", n="n" if needs_n else None, data=df, chart=chart, method=method, by="unit",
                    threads=threads)
    got = batch.data
    got_summary = batch.summary()
    for k, frame in enumerate(frames):
        alone = spc.qic(y=frame["y"], n=frame["n"] if needs_n else None, chart=chart, method=method)
        mine = got[got["unit"] == f"u{k}"].drop(columns="unit").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone.data, check_exact=True)
        mine_s = got_summary[got_summary["unit"] == f"u{k}"].drop(columns="unit").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine_s, alone.summary(), check_exact=True)


@SETTINGS
@given(series=series_lists("u"), data=st.data())
def test_reordering_groups_reorders_the_output(series: list[tuple[np.ndarray, np.ndarray]],
                                               data: st.DataObject) -> None:
    frames = [pd.DataFrame({"unit": f"u{k}", "y": y, "n": n}) for k, (y, n) in enumerate(series)]
    order = data.draw(st.permutations(range(len(frames))))
    a = spc.qic(y="y", n="n", data=pd.concat(frames, ignore_index=True), chart="u", by="unit")
    b = spc.qic(y="y", n="n", data=pd.concat([frames[k] for k in order], ignore_index=True), chart="u",
                by="unit")
    assert b.summary()["unit"].drop_duplicates().tolist() == [f"u{k}" for k in order]
    da = a.data.set_index(["unit", "i"])
    db = b.data.set_index(["unit", "i"])
    pd.testing.assert_frame_equal(db.loc[da.index], da, check_exact=True)


@SETTINGS
@given(series=series_lists("c"))
def test_interleaving_rows_does_not_change_a_group(series: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """Rows of different groups may come interleaved; each group keeps the order of its rows."""
    frames = [pd.DataFrame({"unit": f"u{k}", "y": y, "rank": np.arange(len(y))}) for k, (y, _) in enumerate(series)]
    df = pd.concat(frames, ignore_index=True)
    interleaved = df.sort_values(["rank", "unit"], kind="stable")  # round robin over the units
    a = spc.qic(y="y", data=df, chart="c", by="unit").data.set_index(["unit", "i"])
    b = spc.qic(y="y", data=interleaved, chart="c", by="unit").data.set_index(["unit", "i"])
    pd.testing.assert_frame_equal(b.loc[a.index], a, check_exact=True)


@pytest.mark.parametrize("chart", [name for name, c in spc.CHART_TABLE.items() if c.subgroup_sd])
def test_raw_measurements_by_group_equal_one_by_one(chart: str) -> None:
    rng = np.random.default_rng(7)
    df = pd.DataFrame(
        {
            "lab": np.repeat(["A", "B", "C"], 60),
            "day": np.tile(np.repeat(np.arange(12), 5), 3),
            "value": rng.normal(10, 2, 180),
        }
    )
    df.loc[[3, 77, 140], "value"] = np.nan
    batch = spc.qic("day", "value", data=df, chart=chart, by="lab").data
    for lab in "ABC":
        alone = spc.qic("day", "value", data=df[df["lab"] == lab], chart=chart).data
        mine = batch[batch["lab"] == lab].drop(columns="lab").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone, check_exact=True)
