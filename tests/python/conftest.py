"""Shared fixtures of the Python tests: paths to the project's test data, the Agg backend."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "data" / "golden"
EXAMPLES = ROOT / "examples" / "data"


def positions(cell: object) -> list[int]:
    """'12;30' → [12, 30]; an empty cell → []."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)) or cell == "":
        return []
    return [int(float(p)) for p in str(cell).split(";") if p != ""]


def close(a: np.ndarray, b: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """The golden README's comparison: relative 1e-9, both missing, or both (near) zero."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        scale = np.maximum(np.abs(a), np.abs(b))
        diff = np.abs(a - b)
        ok = (diff <= tol * scale) | (diff < 1e-12)
    return both_nan | (ok & ~np.isnan(a) & ~np.isnan(b))


@pytest.fixture(scope="session")
def qicharts2_golden() -> dict[str, pd.DataFrame]:
    d = GOLDEN / "qicharts2"
    return {
        "cases": pd.read_csv(d / "cases.csv", keep_default_na=False, na_values=[""]),
        "points": pd.read_csv(d / "points.csv"),
        "parts": pd.read_csv(d / "parts.csv"),
        "raw": pd.read_csv(d / "raw.csv"),
    }


@pytest.fixture(scope="session")
def mdc_golden() -> dict[str, pd.DataFrame]:
    d = GOLDEN / "mdc"
    return {
        "cases": pd.read_csv(d / "mdc_cases.csv", keep_default_na=False, na_values=[""]),
        "points": pd.read_csv(d / "mdc_points.csv", keep_default_na=False, na_values=[""]),
    }


@pytest.fixture(scope="session")
def cdi() -> pd.DataFrame:
    return pd.read_csv(EXAMPLES / "cdi.csv", parse_dates=["month"])


@pytest.fixture(scope="session")
def hospital_infections() -> pd.DataFrame:
    return pd.read_csv(EXAMPLES / "hospital_infections.csv", parse_dates=["month"])


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--big-benchmark",
        action="store_true",
        default=False,
        help="run the 100,000-series benchmark (also SPC_BIG_BENCHMARK=1)",
    )


@pytest.fixture(scope="session")
def big_benchmark(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--big-benchmark")) or os.environ.get("SPC_BIG_BENCHMARK") == "1"
