"""The result of :func:`spc.qic`: per-point data, per-part summary, plots and notebook display."""

from __future__ import annotations

import base64
import html
import io
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _core

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["QicResult", "POINT_COLUMNS", "SUMMARY_COLUMNS", "MDC_POINT_COLUMNS", "MDC_SUMMARY_COLUMNS"]

#: The per-point columns of :attr:`QicResult.data` (after the group columns), as the command line
#: writes them.
POINT_COLUMNS: tuple[str, ...] = (
    "i", "x", "part", "baseline", "include", "y", "cl", "lcl", "ucl", "lcl_95", "ucl_95",
    "sigma_signal", "n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings",
    "n_crossings_min", "runs_signal",
)

#: The columns of :meth:`QicResult.summary` (after the group columns; ``x_first`` and ``x_last``
#: only with ``x``), as the command line's ``--summary`` writes them, then the average limits.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "part", "first", "last", "x_first", "x_last", "n_points", "n_missing", "n_excluded", "cl",
    "lcl", "ucl", "n_sigma_signals", "n_obs", "n_useful", "longest_run", "longest_run_max",
    "n_crossings", "n_crossings_min", "runs_signal", "avg_lcl", "avg_ucl",
)

#: The per-point columns in Making Data Count mode (``improvement=``), before the rule columns.
MDC_POINT_COLUMNS: tuple[str, ...] = (
    "i", "x", "period", "baseline", "y", "cl", "lcl", "ucl", "special_cause", "point_type",
)
#: The summary columns in Making Data Count mode (one row per series and period), before the
#: rule columns.
MDC_SUMMARY_COLUMNS: tuple[str, ...] = (
    "period", "first", "last", "x_first", "x_last", "n_points", "n_missing", "cl", "lcl", "ucl",
    "amr", "improvement", "concern", "neutral_high", "neutral_low", "common_cause", "variation",
    "target", "assurance", "trial_limits",
)

_SCALED = ("y", "cl", "lcl", "ucl", "lcl_95", "ucl_95")
_RUNS_OPTIONAL = ("longest_run", "longest_run_max", "n_crossings", "n_crossings_min")

RULE_NAMES: tuple[str, ...] = tuple(_core.rule_names())  # the last is "none"
RULE_DESCRIPTIONS: dict[str, str] = dict(zip(RULE_NAMES, _core.rule_descriptions()))
SPECIAL_CAUSES: tuple[str, ...] = tuple(_core.special_cause_names())
POINT_TYPES: tuple[str, ...] = tuple(_core.point_type_names())
ASSURANCES: tuple[str, ...] = tuple(_core.assurance_names())


def _nullable_int(values: np.ndarray, missing: np.ndarray) -> pd.arrays.IntegerArray:
    """A nullable integer column (Int32 for the engine's int32 counts) without copying values."""
    if values.dtype not in (np.int32, np.int64):
        values = values.astype(np.int64)
    return pd.arrays.IntegerArray(values, np.ascontiguousarray(missing, dtype=bool))


def _copy(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy the caller may change: shallow under pandas' copy-on-write (pandas 3), else deep."""
    return frame.copy(deep=not _COPY_ON_WRITE)


_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3 or bool(
    getattr(getattr(pd.options, "mode", None), "copy_on_write", False) is True
)


def _categorical(codes: np.ndarray, names: tuple[str, ...], none_code: int | None = None) -> pd.Categorical:
    codes = codes.astype(np.int64)
    categories = [n for k, n in enumerate(names) if k != none_code]
    if none_code is not None:
        shifted = np.where(codes == none_code, -1, np.where(codes > none_code, codes - 1, codes))
    else:
        shifted = codes
    return pd.Categorical.from_codes(shifted, categories=categories)


def mask_names(masks: np.ndarray, names: tuple[str, ...] = RULE_NAMES, separator: str = ",") -> np.ndarray:
    """The rule names of each bit mask, joined by `separator` (an object array)."""
    uniq, inverse = np.unique(masks.astype(np.uint64), return_inverse=True)
    text = np.array(
        [separator.join(names[b] for b in range(len(names) - 1) if int(u) >> b & 1) for u in uniq], dtype=object
    )
    return text[inverse.reshape(-1)] if len(masks) else np.zeros(0, dtype=object)


class QicResult:
    """A computed chart, or a batch of charts (one per group of ``by=``).

    Returned by :func:`spc.qic`; not built directly.

    Attributes
    ----------
    chart:
        The chart type (``"run"``, ``"i"``, ``"p"``, ...; ``"i"`` in Making Data Count mode).
    mode:
        ``"standard"`` (qicharts2's charts) or ``"mdc"`` (NHS Making Data Count, with
        ``improvement=``).
    method:
        The runs-analysis method (``"anhoej"``, ``"bestbox"``, ``"cutbox"``).
    rules:
        The rule names evaluated with ``rules=`` (empty without).
    by:
        The names of the group columns (empty without ``by=``).
    multiply:
        The display multiplier applied to ``y``, the centre line and the limits.
    target:
        The target value (display units) or ``None``.
    improvement:
        The improvement direction in Making Data Count mode, else ``None``.
    problems:
        With ``errors="warn"``: one row per series that could not be computed (its group, the
        argument, the row and the problem); empty otherwise.

    Examples
    --------
    >>> import spc
    >>> r = spc.qic(y=[3, 5, 4, 6, 5, 7, 4, 5, 6, 4, 5, 6], chart="i")
    >>> r.data[["i", "y", "cl"]].head(2)
       i    y   cl
    0  1  3.0  5.0
    1  2  5.0  5.0
    >>> r.summary()[["part", "n_obs", "runs_signal"]]
       part  n_obs  runs_signal
    0     1     12        False
    """

    def __init__(
        self,
        *,
        chart: str,
        method: str,
        offsets: np.ndarray,
        x: pd.Series | None,
        groups: pd.DataFrame | None,
        part_labels: np.ndarray | None,
        multiply: float,
        target: float | None,
        title: str | None,
        ylab: str | None,
        xlab: str | None,
        engine: dict[str, Any],
        mode: str = "standard",
        improvement: str | None = None,
        problems: pd.DataFrame | None = None,
    ) -> None:
        self.chart = chart
        self.mode = mode
        self.method = method
        self.multiply = float(multiply)
        self.target = target
        self.title = title
        self.ylab = ylab
        self.xlab = xlab
        self.improvement = improvement
        self.by: list[str] = list(groups.columns) if groups is not None else []
        self.problems: pd.DataFrame = problems if problems is not None else pd.DataFrame()
        self._offsets = offsets
        self._x = x
        self._groups = groups
        self._part_labels = part_labels
        self._engine = engine
        # The engine's per-point columns (in Making Data Count mode y is the values, cl the mean,
        # lcl and ucl the process limits, part the period), one summary row per part (the MDC
        # periods in that mode) and, with rules, the rules of each row.
        self._points = engine["points"]
        self._parts = engine["periods"] if mode == "mdc" else engine["parts"]
        self._part_offsets = engine["part_offsets"]
        self._rules: dict[str, np.ndarray] | None = engine.get("rules")
        mask = int(engine.get("rules_mask", 0))
        self.rules: list[str] = [RULE_NAMES[b] for b in range(len(RULE_NAMES) - 1) if mask >> b & 1]
        self._data: pd.DataFrame | None = None
        self._summary: pd.DataFrame | None = None

    # -- sizes -----------------------------------------------------------------------------------

    def __len__(self) -> int:
        """The number of points (over every series)."""
        return int(self._offsets[-1])

    @property
    def n_series(self) -> int:
        """The number of series (groups of ``by=``; 1 without it)."""
        return len(self._offsets) - 1

    @property
    def groups(self) -> pd.DataFrame:
        """The group keys, one row per series (no columns without ``by=``)."""
        if self._groups is None:
            return pd.DataFrame(index=range(self.n_series))
        return self._groups.copy()

    # -- columns ---------------------------------------------------------------------------------

    def _series_of_point(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_series), np.diff(self._offsets))

    def _part_of_point(self) -> np.ndarray:
        return self._points["part"].astype(np.int64)

    def _part_row_of_point(self, series: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The summary row of each point's part, and whether it has one (a failed series has not)."""
        part = self._part_of_point()
        has = part > 0
        row = self._part_offsets[series]
        row += part
        row -= 1
        if not has.all():
            row[~has] = 0
        return row, has

    def _x_values(self, i: np.ndarray) -> Any:
        if self._x is None:
            return i
        return self._x.reset_index(drop=True).array

    def _group_columns(self, rows: np.ndarray) -> dict[str, Any]:
        if self._groups is None:
            return {}
        return {name: self._groups[name].array.take(rows) for name in self._groups.columns}

    @property
    def data(self) -> pd.DataFrame:
        """One row per point: the group columns (with ``by=``), then the command line's columns
        (:data:`spc.POINT_COLUMNS`): ``i`` (1-based position in its series), ``x``, ``part``,
        ``baseline``, ``include``, ``y``, ``cl``, ``lcl``, ``ucl``, ``lcl_95``, ``ucl_95``,
        ``sigma_signal`` and the runs analysis of the point's part (``n_obs``, ``n_useful``,
        ``longest_run``, ``longest_run_max``, ``n_crossings``, ``n_crossings_min``,
        ``runs_signal``; the run and crossing statistics are missing (``<NA>``) when the part has
        no useful point).

        With ``rules=``, as the command line's ``--rules``: one boolean column per rule that fired
        anywhere (a series-level rule such as ``ihi_few_runs`` is true on every point of a part
        where it fired), then ``rule``, the highest-precedence rule that fired at the point
        (``"none"`` where none did).

        In Making Data Count mode (:data:`spc.MDC_POINT_COLUMNS`): ``i``, ``x``, ``period``,
        ``baseline`` (among the points that fix the period's limits), ``y``, ``cl`` (the mean),
        ``lcl`` and ``ucl`` (the process limits), ``special_cause``, ``point_type``, then the MDC
        rules that fired and ``rule``.

        ``y``, the centre line and the limits are multiplied by ``multiply``. Built on first
        access and cached; a copy is returned.
        """
        if self._data is None:
            self._data = self._build_mdc_data() if self.mode == "mdc" else self._build_data()
        return _copy(self._data)

    def _rule_point_columns(
        self, fired: np.ndarray, label: np.ndarray, part_fired: np.ndarray, prow: np.ndarray
    ) -> dict[str, Any]:
        """Per point: a boolean per rule that fired anywhere, then the label."""
        cols: dict[str, Any] = {}
        anywhere = int(np.bitwise_or.reduce(part_fired)) if len(part_fired) else 0
        series_mask = int(_core.series_rules_mask())
        for b in range(len(RULE_NAMES) - 1):
            if not anywhere >> b & 1:
                continue
            bit = np.uint32(1 << b)
            if series_mask >> b & 1:
                cols[RULE_NAMES[b]] = (part_fired[prow] & bit) != 0 if len(part_fired) else np.zeros(len(prow), bool)
            else:
                cols[RULE_NAMES[b]] = (fired & bit) != 0
        cols["rule"] = _categorical(label, RULE_NAMES)
        return cols

    def _rule_summary_columns(
        self, evaluated: int, part_fired: np.ndarray, points: np.ndarray, label: np.ndarray,
        prow: np.ndarray, has: np.ndarray, extra: dict[str, np.ndarray] | None,
    ) -> dict[str, Any]:
        """Per part: points with a rule, the rules that fired, then per rule evaluated its points
        (a series-level rule: whether it fired), then the IHI runs count."""
        P = len(part_fired)
        none = len(RULE_NAMES) - 1
        signal = (label != none) & has
        cols: dict[str, Any] = {
            "rule_points": np.bincount(prow[signal], minlength=P).astype(np.int64),
            "rules_fired": mask_names(part_fired, separator=";"),
        }
        series_mask = int(_core.series_rules_mask())
        for b in range(none):
            if not evaluated >> b & 1:
                continue
            if series_mask >> b & 1:
                cols[RULE_NAMES[b]] = (part_fired & np.uint32(1 << b)) != 0
            else:
                cols[RULE_NAMES[b]] = points[:, b].astype(np.int64)
        ihi_runs = (1 << RULE_NAMES.index("ihi_few_runs")) | (1 << RULE_NAMES.index("ihi_many_runs"))
        if extra is not None and evaluated & ihi_runs:
            cols["ihi_useful"] = extra["ihi_useful"].astype(np.int64)
            cols["ihi_runs"] = extra["ihi_runs"].astype(np.int64)
            cols["ihi_runs_lower"] = extra["ihi_runs_lower"]
            cols["ihi_runs_upper"] = extra["ihi_runs_upper"]
        return cols

    def _build_data(self) -> pd.DataFrame:
        p = self._points
        series = self._series_of_point()
        i = np.arange(len(series), dtype=np.int64) - self._offsets[series] + 1
        prow, has = self._part_row_of_point(series)
        cols: dict[str, Any] = self._group_columns(series)
        cols["i"] = i
        cols["x"] = self._x_values(i)
        cols["part"] = p["part"]
        cols["baseline"] = p["baseline"]
        cols["include"] = p["include"]
        for name in _SCALED:
            cols[name] = p[name] * self.multiply if self.multiply != 1 else p[name]
        cols["sigma_signal"] = p["sigma_signal"]
        parts = self._parts
        if len(parts["part"]) == 0:
            prow = np.zeros(len(series), dtype=np.int64)
            take = lambda a: np.zeros(len(series), dtype=a.dtype)  # noqa: E731
        else:
            take = lambda a: a[prow]  # noqa: E731
        defined = take(parts["runs_defined"]) & has
        missing = ~has
        cols["n_obs"] = _nullable_int(take(parts["n_obs"]), missing)
        cols["n_useful"] = _nullable_int(take(parts["n_useful"]), missing)
        for name in _RUNS_OPTIONAL:
            cols[name] = _nullable_int(take(parts[name]), ~defined)
        cols["runs_signal"] = take(parts["runs_signal"]) & has
        if self._rules is not None:
            cols.update(self._rule_point_columns(p["fired"], p["label"], self._rules["fired"], prow))
        return pd.DataFrame(cols, copy=False)

    def _build_mdc_data(self) -> pd.DataFrame:
        p = self._points
        series = self._series_of_point()
        i = np.arange(len(series), dtype=np.int64) - self._offsets[series] + 1
        prow, has = self._part_row_of_point(series)
        m = self.multiply
        cols: dict[str, Any] = self._group_columns(series)
        cols["i"] = i
        cols["x"] = self._x_values(i)
        cols["period"] = p["part"]
        cols["baseline"] = p["baseline"]  # among the first `freeze` points of its period
        for name in ("y", "cl", "lcl", "ucl"):
            cols[name] = p[name] * m
        cols["special_cause"] = _categorical(p["cause"], SPECIAL_CAUSES)
        cols["point_type"] = _categorical(p["type"], POINT_TYPES)
        assert self._rules is not None
        cols.update(self._rule_point_columns(p["fired"], p["label"], self._rules["fired"], prow))
        return pd.DataFrame(cols, copy=False)

    def summary(self) -> pd.DataFrame:
        """One row per series and part, as the command line's ``--summary``
        (:data:`spc.SUMMARY_COLUMNS`): the group columns (with ``by=``), ``part``, ``first`` and
        ``last`` (1-based positions), ``x_first`` and ``x_last`` (with ``x``), ``n_points``,
        ``n_missing``, ``n_excluded``, ``cl``, ``lcl``, ``ucl`` (at the part's last point),
        ``n_sigma_signals``, the runs analysis (``n_obs``, ``n_useful``, ``longest_run``,
        ``longest_run_max``, ``n_crossings``, ``n_crossings_min``, ``runs_signal``); then
        ``avg_lcl`` and ``avg_ucl`` (the average limits: qicharts2's aLCL and aUCL) and, with
        ``part=`` labels, ``part_label``. With ``rules=``: ``rule_points`` (points where a rule
        fired), ``rules_fired`` (``;``-separated, series-level rules such as too few runs
        included), one column per rule evaluated (its points, or for a series-level rule whether
        it fired) and, for the IHI runs rules, ``ihi_useful``, ``ihi_runs``, ``ihi_runs_lower``,
        ``ihi_runs_upper``.

        In Making Data Count mode (:data:`spc.MDC_SUMMARY_COLUMNS`), one row per series and
        period: ``period``, ``first``, ``last`` (``x_first``, ``x_last``), ``n_points``,
        ``n_missing``, ``cl`` (the mean), ``lcl``, ``ucl`` (process limits), ``amr`` (mean moving
        range), the counts of each point type, ``variation`` (the type of the period's last
        point), ``target``, ``assurance`` (the target against the period's limits),
        ``trial_limits``, then the MDC rules as above (and ``period_label`` with labels).

        Examples
        --------
        >>> import spc
        >>> r = spc.qic(y=[9, 8, 9, 7, 8, 9, 8, 3, 2, 3, 2, 3, 2, 3], chart="c", part=7)
        >>> r.summary()[["part", "first", "last", "cl"]]
           part  first  last        cl
        0     1      1     7  8.285714
        1     2      8    14  2.571429
        """
        if self._summary is None:
            self._summary = self._build_mdc_summary() if self.mode == "mdc" else self._build_summary()
        return _copy(self._summary)

    def _x_ends(self, cols: dict[str, Any], series: np.ndarray, first: np.ndarray, last: np.ndarray) -> None:
        if self._x is None:
            return
        x = self._x.reset_index(drop=True)
        start = self._offsets[series]
        cols["x_first"] = x.array.take(start + first)
        cols["x_last"] = x.array.take(start + last)

    def _build_summary(self) -> pd.DataFrame:
        parts = self._parts
        P = len(parts["part"])
        series = self._series_of_point()
        prow, has = self._part_row_of_point(series)
        prow_ok = prow[has]

        def part_mean(values: np.ndarray) -> np.ndarray:
            v = values[has]
            ok = ~np.isnan(v)
            total = np.bincount(prow_ok[ok], weights=v[ok], minlength=P)
            count = np.bincount(prow_ok[ok], minlength=P)
            with np.errstate(invalid="ignore", divide="ignore"):
                out = total / count
            out[count == 0] = np.nan
            return out

        s = parts["series"]
        m = self.multiply
        cols: dict[str, Any] = self._group_columns(s)
        cols["part"] = parts["part"].astype(np.int64)
        cols["first"] = parts["first"] + 1
        cols["last"] = parts["last"] + 1
        self._x_ends(cols, s, parts["first"], parts["last"])
        cols["n_points"] = parts["last"] - parts["first"] + 1
        cols["n_missing"] = parts["n_missing"].astype(np.int64)
        cols["n_excluded"] = parts["n_excluded"].astype(np.int64)
        cols["cl"] = parts["cl"] * m
        cols["lcl"] = parts["lcl"] * m
        cols["ucl"] = parts["ucl"] * m
        cols["n_sigma_signals"] = parts["n_sigma_signals"].astype(np.int64)
        defined = parts["runs_defined"]
        none = np.zeros(P, dtype=bool)
        cols["n_obs"] = _nullable_int(parts["n_obs"], none)
        cols["n_useful"] = _nullable_int(parts["n_useful"], none)
        for name in _RUNS_OPTIONAL:
            cols[name] = _nullable_int(parts[name], ~defined)
        cols["runs_signal"] = parts["runs_signal"]
        cols["avg_lcl"] = part_mean(self._points["lcl"]) * m
        cols["avg_ucl"] = part_mean(self._points["ucl"]) * m
        if self._part_labels is not None:
            cols["part_label"] = pd.array(self._part_labels[self._offsets[s] + parts["first"]], dtype=object)
        if self._rules is not None:
            rs = self._rules
            cols.update(self._rule_summary_columns(
                int(self._engine["rules_mask"]), rs["fired"], rs["points"], self._points["label"], prow, has, rs
            ))
        return pd.DataFrame(cols, copy=False)

    def _build_mdc_summary(self) -> pd.DataFrame:
        per = self._parts
        K = len(per["period"])
        m = self.multiply
        s = self._engine["parts"]["series"]  # the series of each period
        cols: dict[str, Any] = self._group_columns(s)
        cols["period"] = per["period"].astype(np.int64)
        cols["first"] = per["first"] + 1
        cols["last"] = per["last"] + 1
        self._x_ends(cols, s, per["first"], per["last"])
        cols["n_points"] = per["n_points"].astype(np.int64)
        cols["n_missing"] = per["n_missing"].astype(np.int64)
        cols["cl"] = per["mean"] * m
        cols["lcl"] = per["lpl"] * m
        cols["ucl"] = per["upl"] * m
        cols["amr"] = per["amr"] * m
        for name in ("improvement", "concern", "neutral_high", "neutral_low", "common_cause"):
            cols[name] = per[name].astype(np.int64)
        cols["variation"] = _categorical(per["variation"], POINT_TYPES)
        cols["target"] = np.full(K, np.nan if self.target is None else self.target)
        cols["assurance"] = _categorical(per["assurance"], ASSURANCES, none_code=0)
        cols["trial_limits"] = per["trial_limits"]
        series = self._series_of_point()
        prow, has = self._part_row_of_point(series)
        rs = self._rules
        assert rs is not None
        cols.update(self._rule_summary_columns(
            int(self._engine["rules_mask"]), rs["fired"], rs["points"], self._points["label"], prow, has, rs,
        ))
        if self._part_labels is not None:
            cols["period_label"] = pd.array(self._part_labels[self._offsets[s] + per["first"]], dtype=object)
        return pd.DataFrame(cols, copy=False)

    def series_summary(self) -> pd.DataFrame:
        """One row per series: the group columns, the number of points, and the headline results.

        Standard charts: ``n_parts``, ``runs_signal`` (in any part), ``n_sigma_signals`` (in all
        parts) and, with ``rules=``, ``rule_points``. Making Data Count mode: ``variation``
        (the type of the last non-missing point) and ``assurance`` (the target against the last
        period's limits), as NHSRplotthedots reports them.
        """
        G = self.n_series
        cols: dict[str, Any] = self._group_columns(np.arange(G))
        cols["n_points"] = np.diff(self._offsets).astype(np.int64)
        if self.mode == "mdc":
            s = self._engine["series"]
            cols["variation"] = _categorical(s["variation"], POINT_TYPES)
            cols["assurance"] = _categorical(s["assurance"], ASSURANCES, none_code=0)
            cols["computed"] = self._engine["ok"]
            return pd.DataFrame(cols, copy=False)
        parts = self._parts
        series = parts["series"]
        cols["n_parts"] = np.bincount(series, minlength=G).astype(np.int64)
        cols["runs_signal"] = np.bincount(series, weights=parts["runs_signal"], minlength=G) > 0
        cols["n_sigma_signals"] = np.bincount(series, weights=parts["n_sigma_signals"], minlength=G).astype(np.int64)
        if self._rules is not None:
            label = self._points["label"]
            point_series = self._series_of_point()
            cols["rule_points"] = np.bincount(
                point_series[label != len(RULE_NAMES) - 1], minlength=G
            ).astype(np.int64)
        return pd.DataFrame(cols, copy=False)

    # -- pictures --------------------------------------------------------------------------------

    def _series_arrays(self, g: int) -> dict[str, Any]:
        """What the plot of series g needs, in display units."""
        a, b = int(self._offsets[g]), int(self._offsets[g + 1])
        p = self._points
        m = self.multiply
        p0, p1 = int(self._part_offsets[g]), int(self._part_offsets[g + 1])
        parts = self._parts
        rows = [(int(parts["first"][r]), int(parts["last"][r]) + 1) for r in range(p0, p1)]
        nan = np.full(b - a, np.nan)
        if self.mode == "mdc":
            types = p["type"][a:b]
            palette = np.array(["common", "improvement", "concern", "neutral", "neutral"], dtype=object)
            return {
                "y": p["y"][a:b] * m, "cl": p["cl"][a:b] * m, "lcl": p["lcl"][a:b] * m,
                "ucl": p["ucl"][a:b] * m, "lcl_95": nan, "ucl_95": nan,
                "include": np.ones(b - a, dtype=bool), "baseline": np.ones(b - a, dtype=bool),
                "sigma_signal": np.zeros(b - a, dtype=bool), "colour_keys": palette[types],
                "parts": rows, "runs_signal": [False] * len(rows),
            }
        keys = np.where(p["sigma_signal"][a:b], "signal", "line").astype(object)
        if self._rules is not None:
            rule_sig = p["label"][a:b] != len(RULE_NAMES) - 1
            keys = np.where(rule_sig & ~p["sigma_signal"][a:b], "rule", keys)
        return {
            "y": p["y"][a:b] * m, "cl": p["cl"][a:b] * m, "lcl": p["lcl"][a:b] * m,
            "ucl": p["ucl"][a:b] * m, "lcl_95": p["lcl_95"][a:b] * m, "ucl_95": p["ucl_95"][a:b] * m,
            "include": p["include"][a:b], "baseline": p["baseline"][a:b],
            "sigma_signal": p["sigma_signal"][a:b], "colour_keys": keys,
            "parts": rows, "runs_signal": [bool(parts["runs_signal"][r]) for r in range(p0, p1)],
        }

    def plot(self, ax: Any = None, **kwargs: Any) -> Figure:
        """Draws the chart with matplotlib and returns the figure.

        The centre line, the 3-sigma limits and the points; points outside the limits in red; a
        red, dashed centre line where the runs analysis finds a shift (as qicharts2 draws it);
        parts drawn apart with their own lines; a target line; a percent axis for p and p'
        charts. With ``by=``, small multiples (one panel per group). In Making Data Count mode,
        points coloured by type (improvement blue, concern orange, neutral purple, common cause
        grey) with the variation and assurance in each panel's title.

        In a notebook, end the line with ``;`` (or assign the figure) so that the figure is not
        shown twice.

        Parameters
        ----------
        ax:
            A matplotlib Axes to draw into (one series only). Default: a new figure.
        **kwargs:
            See :func:`spc.plotting.plot_result`: ``groups``, ``max_panels``, ``ncols``,
            ``sharey``, ``figsize``, ``title``, ``ylab``, ``xlab``, ``show_95``, ``percent``,
            ``line_labels``.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import spc
        >>> fig = spc.qic(y=[12, 15, 9, 11, 30, 10, 13], n=[100] * 7, chart="p").plot()
        >>> fig.savefig("p_chart.png")  # doctest: +SKIP
        """
        from .plotting import plot_result

        return plot_result(self, ax=ax, **kwargs)

    def to_png(self, **kwargs: Any) -> bytes:
        """The chart as PNG bytes, drawn without pyplot (nothing is shown or kept open).

        Takes the arguments of :meth:`plot` and ``dpi`` (default 90).
        """
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from .plotting import plot_result

        dpi = kwargs.pop("dpi", 90)
        fig = Figure()
        FigureCanvasAgg(fig)
        plot_result(self, figure=fig, **kwargs)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        return buf.getvalue()

    # -- display ---------------------------------------------------------------------------------

    def __repr__(self) -> str:
        series = f", {self.n_series} series by {', '.join(self.by)}" if self.by else ""
        s = self.summary()
        if self.mode == "mdc":
            per = self.series_summary()
            last = per["variation"].astype(str).iloc[-1] if len(per) else ""
            extra = f", last point: {last}" if not self.by else ""
            return (
                f"<spc.QicResult: Making Data Count (improvement {self.improvement}), {len(self)} "
                f"points{series}, {len(s)} period(s){extra}>"
            )
        return (
            f"<spc.QicResult: {self.chart} chart, {len(self)} points{series}, {len(s)} part(s), "
            f"{int(s['runs_signal'].sum())} with a runs signal, "
            f"{int(s['n_sigma_signals'].sum())} point(s) outside the limits>"
        )

    def _repr_html_(self) -> str:
        s = self.summary()
        max_rows = 20
        table = s.head(max_rows).to_html(index=False, float_format=lambda v: f"{v:.6g}", na_rep="")
        more = (
            f"<p>… {len(s) - max_rows} more rows: <code>.summary()</code></p>" if len(s) > max_rows else ""
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the panels left out are said in words below
                png = base64.b64encode(self.to_png(max_panels=12)).decode("ascii")
            img = f'<img src="data:image/png;base64,{png}" alt="{html.escape(self.chart)} chart"/>'
        except Exception as exc:  # a picture must never break the table
            img = f"<p>(no picture: {html.escape(str(exc))})</p>"
        head = html.escape(repr(self))
        if self.n_series > 12:
            head += f" (the picture shows the first 12 of {self.n_series} series: <code>.plot(groups=...)</code>)"
        return f"<div><p>{head}</p>{img}{table}{more}</div>"
