"""Type stubs of spc._core, the pybind11 module over the C++ library (bindings/python/src/core.cpp)."""

from typing import Any

import numpy as np
import numpy.typing as npt

__version__: str
openmp: bool

class EngineError(ValueError):
    """A malformed call: args are (argument, index or None, problem, series or None)."""

def chart_names() -> list[str]: ...
def method_names() -> list[str]: ...
def rule_names() -> list[str]: ...
def rule_descriptions() -> list[str]: ...
def rule_set_names() -> list[str]: ...
def rule_mask(list: str) -> int | None: ...
def series_rules_mask() -> int: ...
def special_cause_names() -> list[str]: ...
def special_cause_labels() -> list[str]: ...
def point_type_names() -> list[str]: ...
def point_type_labels() -> list[str]: ...
def assurance_names() -> list[str]: ...
def compute_batch(
    y: npt.ArrayLike,
    n: npt.ArrayLike | None,
    sd: npt.ArrayLike | None,
    offsets: npt.ArrayLike,
    chart: str,
    method: str,
    screen: bool,
    freeze: npt.ArrayLike,
    cl: npt.ArrayLike,
    parts: npt.ArrayLike,
    parts_offsets: npt.ArrayLike,
    exclude: npt.ArrayLike,
    exclude_offsets: npt.ArrayLike,
    rules: str | None = None,
    threads: int = 0,
    mdc_trend: int = 7,
    mdc_shift: int = 7,
    two_in_three: str = "band_only",
) -> dict[str, Any]: ...
def compute_mdc_batch(
    y: npt.ArrayLike,
    offsets: npt.ArrayLike,
    improvement: str,
    rebase: npt.ArrayLike,
    rebase_offsets: npt.ArrayLike,
    fix_after: int,
    screen: bool,
    target: float,
    trend: int = 7,
    shift: int = 7,
    two_in_three: str = "band_only",
    threads: int = 0,
    rules: str | None = None,
    n: npt.ArrayLike | None = None,
) -> dict[str, Any]: ...
def summarise_subgroups(
    values: npt.ArrayLike, codes: npt.ArrayLike, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
