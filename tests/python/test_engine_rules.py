"""Rules and the Making Data Count mode through the library's batch engine: y / n computed by the
engine equals y / n given, a bad series fails alone, and the results do not depend on the number
of threads."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import spc


def _units(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    units = np.repeat(["a", "b", "c", "d"], 30)
    n = rng.integers(50, 100, len(units)).astype(float)
    y = np.floor(n * rng.uniform(0.1, 0.4, len(units)))
    return pd.DataFrame({"unit": units, "y": y, "n": n, "month": np.tile(np.arange(1, 31), 4)})


def test_mdc_of_ratios_equals_mdc_of_the_ratios() -> None:
    df = _units()
    by_engine = spc.qic("month", "y", n="n", data=df, by="unit", improvement="increase", rules="mdc,we,ihi")
    given = spc.qic("month", "r", data=df.assign(r=df["y"] / df["n"]), by="unit", improvement="increase",
                    rules="mdc,we,ihi")
    pd.testing.assert_frame_equal(by_engine.data, given.data)
    pd.testing.assert_frame_equal(by_engine.summary(), given.summary())
    pd.testing.assert_frame_equal(by_engine.series_summary(), given.series_summary())


def test_a_bad_denominator_fails_its_series_only() -> None:
    df = _units()
    bad = df.copy()
    bad.loc[40, "n"] = -1.0  # unit b
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = spc.qic("month", "y", n="n", data=bad, by="unit", improvement="decrease", errors="warn")
    assert r.problems["unit"].tolist() == ["b"]
    assert r.series_summary()["computed"].tolist() == [True, False, True, True]
    good = spc.qic("month", "y", n="n", data=df[df["unit"] != "b"], by="unit", improvement="decrease")
    kept = r.summary()
    kept = kept[kept["unit"] != "b"].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, good.summary(), check_categorical=False)


def test_rules_and_mdc_do_not_depend_on_the_thread_count() -> None:
    df = pd.concat([_units(seed) .assign(unit=lambda d, s=seed: d["unit"] + str(s)) for seed in range(60)],
                   ignore_index=True)
    for kwargs in ({"chart": "p", "rules": "anhoej,we,nelson"}, {"improvement": "neutral", "rules": "mdc,we"}):
        one = spc.qic("month", "y", n="n", data=df, by="unit", threads=1, **kwargs)
        two = spc.qic("month", "y", n="n", data=df, by="unit", threads=2, **kwargs)
        pd.testing.assert_frame_equal(one.data, two.data)
        pd.testing.assert_frame_equal(one.summary(), two.summary())
