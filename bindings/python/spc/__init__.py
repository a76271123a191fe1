"""spc: statistical process control for health-care improvement.

Run charts with the Anhøj rules and every Shewhart chart of qicharts2 (i, mr, xbar, s, t, p, p',
c, u, u', g), computed by a C++ engine; one chart or a batch of charts (one per group) in one call;
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
from ._errors import SPCInputError
from ._inputs import CHARTS, METHODS
from ._qic import qic
from ._result import POINT_COLUMNS, SUMMARY_COLUMNS, QicResult

__version__: str = _core.__version__

#: What this build of the engine offers.
FEATURES: dict[str, bool] = {
    "openmp": bool(_core.openmp),
    "rules": False,
    "mdc": False,
    "batch_engine": False,
}

__all__ = [
    "qic",
    "QicResult",
    "SPCInputError",
    "CHARTS",
    "METHODS",
    "POINT_COLUMNS",
    "SUMMARY_COLUMNS",
    "FEATURES",
    "__version__",
]
