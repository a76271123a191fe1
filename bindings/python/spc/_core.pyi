"""Type stubs of spc._core, the pybind11 module over the C++ library (bindings/python/src/core.cpp)."""

from typing import Any

import numpy as np
import numpy.typing as npt

__version__: str
openmp: bool

class EngineError(ValueError):
    """A malformed call: args are (argument, index or None, problem, series or None)."""

class ChartOptions:
    """spc::chart_options (positions 1-based)."""

    chart: str
    freeze: int
    parts: list[int]
    exclude: list[int]
    cl: float
    method: str
    screen_mr: bool
    def __init__(self) -> None: ...

class KOfM:
    """spc::k_of_m: k of m consecutive points beyond a band."""

    k: int
    m: int
    def __init__(self, k: int = ..., m: int = ...) -> None: ...

class RuleOptions:
    """spc::rule_options: which rules (a rule mask) and their parameters, with the library's defaults."""

    class IHI:
        shift: int
        trend: int

    class WE:
        two_of_three: KOfM
        four_of_five: KOfM
        run: int

    class Nelson:
        run: int
        trend: int
        alternating: int
        two_of_three: KOfM
        four_of_five: KOfM
        stratification: int
        mixture: int

    class MDC:
        trend: int
        shift: int
        two_in_three: str

    rules: int
    ihi: IHI
    we: WE
    nelson: Nelson
    mdc: MDC
    def __init__(self) -> None: ...

class MdcOptions:
    """spc::mdc_options (positions 1-based)."""

    direction: str
    rebase: list[int]
    fix_after_n_points: int
    screen_outliers: bool
    target: float
    trial_limit_points: int
    def __init__(self) -> None: ...

def chart_table() -> list[dict[str, Any]]: ...
def check_inputs(chart: str, has_n: bool, has_sd: bool) -> tuple[str, str] | None: ...
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
def qic_batch(
    y: npt.ArrayLike,
    n: npt.ArrayLike | None,
    sd: npt.ArrayLike | None,
    offsets: npt.ArrayLike,
    options: ChartOptions,
    rules: RuleOptions | None = None,
    parts: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    threads: int = 0,
) -> dict[str, Any]: ...
def mdc_batch(
    y: npt.ArrayLike,
    n: npt.ArrayLike | None,
    offsets: npt.ArrayLike,
    options: MdcOptions,
    rules: RuleOptions,
    rebase: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    threads: int = 0,
) -> dict[str, Any]: ...
def summarise_subgroups(
    values: npt.ArrayLike, codes: npt.ArrayLike, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
