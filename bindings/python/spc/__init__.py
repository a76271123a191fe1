"""spc: statistical process control for health-care improvement.

Run charts with the Anhøj rules and every Shewhart chart of qicharts2 (i, mr, xbar, s, t, p, p',
c, u, u', g), the IHI, Western Electric and Nelson rules and the NHS Making Data Count mode,
computed by a C++ engine; one chart or a batch of charts (one per group) in one call;
pandas in and out; matplotlib pictures.

>>> import spc
>>> r = spc.qic([5, 7, 6, 8, 7, 6, 9, 8, 7, 8, 6, 7], chart="i")
>>> r.summary()[["n_obs", "runs_signal", "n_sigma_signals"]]
   n_obs  runs_signal  n_sigma_signals
0     12        False                0

See docs/python.md for a tour.
"""

from __future__ import annotations

from . import _core
from ._errors import SPCInputError, SPCInputWarning
from ._inputs import CHART_TABLE, CHARTS, METHODS, ChartInfo
from ._qic import qic
from ._result import (
    MDC_POINT_COLUMNS,
    MDC_SUMMARY_COLUMNS,
    POINT_COLUMNS,
    RULE_DESCRIPTIONS,
    SUMMARY_COLUMNS,
    QicResult,
)
from ._rules import KOfM, RuleOptions

__version__: str = _core.__version__

#: The rule sets of ``qic(rules=...)``.
RULE_SETS: tuple[str, ...] = tuple(_core.rule_set_names())
#: The single rules of ``qic(rules=...)``, with what each means.
RULES: dict[str, str] = {k: v for k, v in RULE_DESCRIPTIONS.items() if k != "none"}

#: Whether the engine runs batches on several threads (OpenMP).
OPENMP: bool = bool(_core.openmp)

__all__ = [
    "qic",
    "QicResult",
    "SPCInputError",
    "SPCInputWarning",
    "CHARTS",
    "CHART_TABLE",
    "ChartInfo",
    "METHODS",
    "RuleOptions",
    "KOfM",
    "RULE_SETS",
    "RULES",
    "OPENMP",
    "POINT_COLUMNS",
    "SUMMARY_COLUMNS",
    "MDC_POINT_COLUMNS",
    "MDC_SUMMARY_COLUMNS",
    "__version__",
]
