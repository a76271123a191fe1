"""From the arguments of :func:`spc.qic` to the flat columns of the C++ batch engine.

Everything here is bookkeeping with vectorised numpy/pandas operations, in four steps
(:func:`prepare` runs them in turn):

1. resolving (:func:`resolve_inputs`): column names or arrays to positional columns, the
   options to positions and numbers;
2. checking (:func:`check_inputs`): which inputs the chart takes, from the library's chart table;
3. aggregating (:func:`aggregate`): rows that share an ``x`` within a series become one point,
   as qicharts2 does;
4. laying out (:func:`lay_out`): the series one after another with offsets, the parts of each
   series, the options of the engine.

No statistic of any chart is computed here; the engine (``spc._core``) computes them all. What
each chart type is and takes comes from the engine too (``_core.chart_table()``).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import _core
from ._errors import SPCInputError


@dataclass(frozen=True)
class ChartInfo:
    """What a chart type is and takes: the library's ``spc::chart_info`` (spc/chart_type.hpp).

    ``denominator`` is ``"none"``, ``"optional"`` (y / n is charted when n is given) or
    ``"required"``; ``y_domain`` is ``"any"``, ``"nonnegative"`` or ``"positive"``;
    ``aggregation`` (rows sharing an x) is ``"mean"``, ``"sum"`` or ``"subgroup"``.
    """

    name: str
    title: str
    description: str
    denominator: str
    subgroup_sd: bool
    y_domain: str
    y_noun: str
    y_at_most_n: bool
    aggregation: str
    runs_signal: bool
    has_limits: bool


#: Every chart type, by name, in the library's order: the one description of a chart in Python.
CHART_TABLE: dict[str, ChartInfo] = {c["name"]: ChartInfo(**c) for c in _core.chart_table()}
CHARTS: tuple[str, ...] = tuple(CHART_TABLE)
METHODS: tuple[str, ...] = tuple(_core.method_names())


@dataclass
class Column:
    """One input column: its values and where it came from (for messages)."""

    argument: str
    values: pd.Series
    name: str | None  # the column of `data`, or None for an array


@dataclass
class Given:
    """Step 1: the inputs as given, resolved to positional columns and plain options."""

    x: Column | None
    y: Column
    n: Column | None
    sd: Column | None
    by: list[Column]
    part: Column | None  # part labels, one per row
    part_positions: list[int]
    exclude: list[int]
    freeze: int
    cl: float
    yv: np.ndarray
    nv: np.ndarray | None
    sdv: np.ndarray | None
    index: pd.Index | None

    @property
    def nrows(self) -> int:
        return len(self.yv)

    @property
    def columns(self) -> dict[str, Column]:
        return {c.argument: c for c in [self.x, self.y, self.n, self.sd, self.part] if c is not None}


@dataclass
class Groups:
    """The series of each row: the by= keys and the group code of every row."""

    keys: pd.DataFrame | None  # one row per series: the by= keys (None without by=)
    codes: np.ndarray | None  # one code per row; None while the groups are blocks (see rows)
    starts: np.ndarray | None  # the first row of each group when every group is one block
    nrows: int

    def rows(self) -> np.ndarray:
        """The group code of every row (built on demand when the groups are blocks)."""
        if self.codes is None:
            assert self.starts is not None
            self.codes = codes_from_starts(self.starts, self.nrows)
        return self.codes


@dataclass
class Points:
    """Step 3: one entry per point, rows or aggregated subgroups, not yet in series order."""

    y: np.ndarray
    n: np.ndarray | None
    sd: np.ndarray | None
    aggregated: bool
    raw_subgroups: bool
    first_row: np.ndarray | None = None  # aggregated: the first row of each subgroup
    group: np.ndarray | None = None  # aggregated: the group of each subgroup
    row_subgroup: np.ndarray | None = None  # aggregated: row -> subgroup, -1 when dropped


@dataclass
class Prepared:
    """The flat input of the engine and everything needed to read its output back."""

    chart: str
    y: np.ndarray
    n: np.ndarray | None
    sd: np.ndarray | None
    offsets: np.ndarray  # G + 1
    freeze: int
    cl: float
    part_positions: list[int]  # the same for every series (part= positions)
    series_parts: tuple[np.ndarray, np.ndarray] | None  # part labels: positions per series (CSR)
    exclude: list[int]
    x: pd.Series | None  # one label per point, in point order
    groups: pd.DataFrame | None  # one row per series: the by= keys
    part_labels: np.ndarray | None  # one label per point (part given as labels), in point order
    # For error messages: the source rows of each point.
    point_row: np.ndarray | None  # point -> row position (no aggregation)
    point_subgroup: np.ndarray | None  # point -> subgroup (aggregation)
    row_subgroup: np.ndarray | None  # row -> subgroup, -1 when dropped (aggregation)
    columns: dict[str, Column] = field(default_factory=dict)
    index: pd.Index | None = None
    aggregated: bool = False
    raw_subgroups: bool = False

    def chart_options(self, method: str, screen: bool) -> Any:
        """The engine's options of every series (`spc::chart_options`)."""
        options = _core.ChartOptions()
        options.chart = self.chart
        options.freeze = self.freeze
        options.cl = self.cl
        options.parts = self.part_positions
        options.exclude = self.exclude
        options.method = method
        options.screen_mr = screen
        return options


def _is_column_name(arg: Any) -> bool:
    return isinstance(arg, str)


def resolve(arg: Any, argument: str, data: pd.DataFrame | None) -> Column | None:
    """A column name of `data` or an array-like, as a positional pandas Series."""
    if arg is None:
        return None
    if _is_column_name(arg):
        if data is None:
            raise TypeError(
                f"qic({argument}={arg!r}): a column name needs data= (a pandas DataFrame); "
                f"or pass the values themselves"
            )
        if arg not in data.columns:
            cols = ", ".join(repr(c) for c in list(data.columns)[:20])
            raise SPCInputError(
                f"qic({argument}={arg!r}): data has no column {arg!r} (its columns: {cols})",
                argument=argument,
                column=arg,
                problem=f"no column {arg!r}",
            )
        values = data[arg]
        if isinstance(values, pd.DataFrame):
            raise SPCInputError(
                f"qic({argument}={arg!r}): data has several columns named {arg!r}",
                argument=argument,
                column=arg,
            )
        return Column(argument, values.reset_index(drop=True), arg)
    if isinstance(arg, pd.Series):
        return Column(argument, arg.reset_index(drop=True), None)
    if isinstance(arg, pd.Index | pd.Categorical | pd.api.extensions.ExtensionArray):
        return Column(argument, pd.Series(arg), None)
    if isinstance(arg, numbers.Number) or isinstance(arg, bytes | dict):
        raise TypeError(
            f"qic({argument}=...): expected a column name or an array of values, "
            f"got {type(arg).__name__}"
        )
    arr = np.asarray(arg)
    if arr.ndim != 1:
        raise TypeError(f"qic({argument}=...): expected one-dimensional values, got shape {arr.shape}")
    return Column(argument, pd.Series(arr), None)


def describe_column(col: Column) -> str:
    return f"column {col.name!r}" if col.name is not None else f"{col.argument}="


def as_float(col: Column) -> np.ndarray:
    """The values of a numeric column as float64 (missing → NaN); booleans count as 0/1."""
    s = col.values
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_numeric_dtype(dtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        raise TypeError(f"qic(): {describe_column(col)} holds dates or times, not numbers")
    converted = pd.to_numeric(s, errors="coerce")
    bad = converted.isna() & s.notna()
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise TypeError(
            f"qic(): {describe_column(col)} is not numeric: row {pos} holds {s.iloc[pos]!r}"
        )
    return converted.to_numpy(dtype=np.float64, na_value=np.nan)


def positions(arg: Any, argument: str) -> list[int]:
    """1-based positions: an int or a sequence of ints."""
    if arg is None:
        return []
    if isinstance(arg, bool | np.bool_):
        raise TypeError(f"qic({argument}=...): expected 1-based positions, got a boolean")
    if isinstance(arg, numbers.Integral):
        values = [int(arg)]
    elif isinstance(arg, numbers.Real):
        if float(arg).is_integer():
            values = [int(arg)]
        else:
            raise TypeError(f"qic({argument}={arg!r}): positions are whole numbers")
    else:
        try:
            seq = list(arg)
        except TypeError:
            raise TypeError(
                f"qic({argument}=...): expected a 1-based position or a list of them, "
                f"got {type(arg).__name__}"
            ) from None
        values = []
        for v in seq:
            if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real) or not float(v).is_integer():
                raise TypeError(f"qic({argument}=...): positions are whole numbers, got {v!r}")
            values.append(int(v))
    for v in values:
        if v < 1:
            raise SPCInputError(
                f"qic({argument}=...): positions are 1-based (the first point is 1), got {v}",
                argument=argument,
                problem=f"positions are 1-based, got {v}",
            )
    return values


def _factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes in order of first appearance; missing values form their own group."""
    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


def _comparable(values: pd.Series) -> np.ndarray | None:
    """The values as a numpy array cheap to compare element by element, or None."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy()
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and not pd.api.types.is_datetime64_any_dtype(dtype):
        return None
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return values.array.asi8 if getattr(dtype, "tz", None) is not None else values.to_numpy().view(np.int64)
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return values.to_numpy()
    return None


def _contiguous_groups(by_cols: list[Column]) -> tuple[None, pd.DataFrame, np.ndarray] | None:
    """When every group's rows are one block (the usual long format), the group codes and keys
    from the block boundaries alone: an O(n) comparison instead of hashing every row."""
    arrays = [_comparable(c.values) for c in by_cols]
    if any(a is None for a in arrays) or len(arrays[0]) == 0:
        return None
    nrows = len(arrays[0])
    change = np.zeros(nrows, dtype=bool)
    change[0] = True
    for a in arrays:
        np.logical_or(change[1:], a[1:] != a[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    table = {(c.name or c.argument): c.values.iloc[starts].reset_index(drop=True) for c in by_cols}
    keys = pd.DataFrame(table)
    if keys.duplicated().any():
        return None  # a group comes back later: not contiguous
    return None, keys, starts


def group_codes(by_cols: list[Column]) -> tuple[np.ndarray | None, pd.DataFrame, np.ndarray | None]:
    """One code per row (0..G-1 in order of first appearance), the G group keys, and the first
    row of each group when every group is one block of rows (else None). When the groups are
    blocks, the codes are not built (None): see `codes_from_starts`."""
    fast = _contiguous_groups(by_cols)
    if fast is not None:
        return fast
    codes, uniques = _factorize(by_cols[0].values)
    keys: list[pd.Index] = [uniques]
    key_codes = [codes]
    for col in by_cols[1:]:
        c, u = _factorize(col.values)
        keys.append(u)
        key_codes.append(c)
    if len(by_cols) == 1:
        combined = codes
    else:
        combined = np.zeros(len(codes), dtype=np.int64)
        for c, u in zip(key_codes, keys):
            combined = combined * np.int64(len(u)) + c
        combined, _ = pd.factorize(combined, sort=False)
        combined = combined.astype(np.int64, copy=False)
    first = _first_rows(combined)
    table = {
        col.name or col.argument: pd.Series(u.take(c[first])).reset_index(drop=True)
        for col, c, u in zip(by_cols, key_codes, keys)
    }
    # Keep categorical groups categorical (their categories and order survive).
    for col in by_cols:
        name = col.name or col.argument
        if isinstance(col.values.dtype, pd.CategoricalDtype):
            table[name] = pd.Series(
                pd.Categorical(table[name], dtype=col.values.dtype)
            )
    return combined, pd.DataFrame(table), None


def codes_from_starts(starts: np.ndarray, nrows: int) -> np.ndarray:
    """The group code of every row when each group is one block starting at `starts`."""
    lengths = np.diff(np.append(starts, nrows))
    return np.repeat(np.arange(len(starts), dtype=np.int64), lengths)


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """The first row of each code (codes are 0..K-1 in order of first appearance)."""
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    # A code first appears where the running maximum grows (codes are in order of appearance).
    running = np.maximum.accumulate(codes)
    grows = np.empty(len(codes), dtype=bool)
    grows[0] = True
    np.greater(running[1:], running[:-1], out=grows[1:])
    return np.flatnonzero(grows).astype(np.int64)


def _factorize_x(x: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes of x in order of first appearance; -1 for a missing x."""
    codes, uniques = pd.factorize(x, sort=False, use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), pd.Index(uniques)


def _increasing_within(x: pd.Series, row_group: np.ndarray | None, starts: np.ndarray | None) -> bool:
    """Whether x is strictly increasing within every group (sorted times: no repeated x). A quick
    O(n) test that spares the hash of every (group, x) pair for the usual, sorted data. `starts`
    are the first rows of the groups when each group is one block of rows."""
    if len(x) < 2:
        return True
    dtype = x.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        values = x.array.asi8 if getattr(dtype, "tz", None) is not None else x.to_numpy().view(np.int64)
        if (values == np.iinfo(np.int64).min).any():  # NaT
            return False
    elif pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        values = x.to_numpy()
    elif pd.api.types.is_float_dtype(dtype) and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        values = x.to_numpy()
        if np.isnan(values).any():
            return False
    else:
        return False
    increasing = values[1:] > values[:-1]
    if starts is not None:
        increasing[starts[1:] - 1] = True  # a new group may start anywhere
        return bool(increasing.all())
    assert row_group is not None
    same_group = row_group[1:] == row_group[:-1]
    if not np.all(same_group | (row_group[1:] > row_group[:-1])):
        return False  # groups interleaved: rows of a group are not neighbours
    return bool(np.all(increasing | ~same_group))


def csr_from_labels(labels: np.ndarray, point_group: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parts where a label changes within a series: positions after which to split."""
    groups = len(offsets) - 1
    if len(labels) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(groups + 1, dtype=np.int64)
    change = (labels[1:] != labels[:-1]) & (point_group[1:] == point_group[:-1])
    first_of_new = np.flatnonzero(change) + 1
    g = point_group[first_of_new]
    values = (first_of_new - offsets[g]).astype(np.int64)
    counts = np.bincount(g, minlength=groups)
    out_offsets = np.zeros(groups + 1, dtype=np.int64)
    np.cumsum(counts, out=out_offsets[1:])
    return values, out_offsets


def prepare(
    *,
    x: Any,
    y: Any,
    n: Any,
    sd: Any,
    data: pd.DataFrame | None,
    chart: str,
    freeze: Any,
    part: Any,
    exclude: Any,
    cl: Any,
    by: Any,
) -> Prepared:
    """Resolves, checks, aggregates and lays out the input (see :func:`spc.qic` for the
    semantics)."""
    given = resolve_inputs(x=x, y=y, n=n, sd=sd, data=data, freeze=freeze, part=part, exclude=exclude,
                           cl=cl, by=by)
    raw = check_inputs(chart, given)
    groups = group_rows(given)
    points = aggregate(chart, given, groups, raw)
    return lay_out(chart, given, groups, points)


# -- 1. resolving ---------------------------------------------------------------------------------


def resolve_inputs(
    *, x: Any, y: Any, n: Any, sd: Any, data: pd.DataFrame | None, freeze: Any, part: Any, exclude: Any,
    cl: Any, by: Any,
) -> Given:
    """The columns (names of `data` or arrays) as positional columns of one length, the numeric
    ones as float64, and the options as positions and numbers."""
    if data is not None and not isinstance(data, pd.DataFrame):
        raise TypeError(f"qic(data=...): expected a pandas DataFrame, got {type(data).__name__}")

    xcol = resolve(x, "x", data)
    ycol = resolve(y, "y", data)
    ncol = resolve(n, "n", data)
    sdcol = resolve(sd, "sd", data)
    assert ycol is not None
    by_cols = _resolve_by(by, data)

    # part= : positions, or labels (a column name, a Series or a Categorical).
    part_col: Column | None = None
    part_pos: list[int] = []
    if isinstance(part, str | pd.Series | pd.Categorical):
        part_col = resolve(part, "part", data)
    else:
        part_pos = positions(part, "part")
    excl_pos = positions(exclude, "exclude")
    freeze_pos = positions(freeze, "freeze")
    if len(freeze_pos) > 1:
        raise TypeError("qic(freeze=...): give one position (the last point of the baseline)")

    if cl is None:
        cl_value = np.nan
    elif isinstance(cl, numbers.Real) and not isinstance(cl, bool | np.bool_):
        cl_value = float(cl)
        if np.isnan(cl_value):
            cl_value = np.nan
    else:
        raise TypeError(f"qic(cl=...): expected a number (the centre line), got {type(cl).__name__}")

    nrows = len(ycol.values)
    for c in [xcol, ncol, sdcol, part_col, *by_cols]:
        if c is not None and len(c.values) != nrows:
            raise SPCInputError(
                f"qic(): {describe_column(c)} has {len(c.values)} values but y has {nrows}: "
                f"the columns must have the same length",
                argument=c.argument,
                column=c.name,
                problem="the columns must have the same length",
            )

    return Given(
        x=xcol, y=ycol, n=ncol, sd=sdcol, by=by_cols, part=part_col, part_positions=part_pos,
        exclude=excl_pos, freeze=freeze_pos[0] if freeze_pos else 0, cl=cl_value,
        yv=as_float(ycol),
        nv=as_float(ncol) if ncol is not None else None,
        sdv=as_float(sdcol) if sdcol is not None else None,
        index=data.index if data is not None else None,
    )


def _resolve_by(by: Any, data: pd.DataFrame | None) -> list[Column]:
    """by= : one or several columns (names or arrays), each named."""
    by_cols: list[Column] = []
    if by is None:
        return by_cols
    items = by if isinstance(by, list | tuple) else [by]
    if data is None and isinstance(by, list | tuple) and all(np.ndim(item) == 0 for item in by):
        items = [pd.Series(list(by), dtype=object)]  # without data, a list is the group of each row
    if len(items) == 0:
        raise TypeError("qic(by=[]): give at least one column")
    for k, item in enumerate(items):
        c = resolve(item, "by", data)
        assert c is not None
        if c.name is None:
            c.name = str(item.name) if isinstance(item, pd.Series) and item.name is not None else (
                "group" if len(items) == 1 else f"group{k + 1}"
            )
        by_cols.append(c)
    names = [c.name for c in by_cols]
    if len(set(names)) != len(names):
        raise TypeError(f"qic(by=...): the group columns repeat a name ({names})")
    return by_cols


# -- 2. checking ----------------------------------------------------------------------------------


def input_problem(chart: str, has_n: bool, has_sd: bool) -> str | None:
    """The library's refusal of the inputs given to a chart (a denominator missing or not taken,
    subgroup standard deviations missing or not taken), as the message of qic(), or None."""
    problem = _core.check_inputs(chart, has_n, has_sd)
    if problem is None:
        return None
    argument, text = problem
    given = has_n if argument == "n" else has_sd
    return f"qic(chart={chart!r}) {'takes no' if given else 'needs'} {argument}=: {text}"


def check_inputs(chart: str, given: Given) -> bool:
    """Whether the chart takes the inputs given (the chart table's denominator and subgroup sd);
    raises TypeError if not. Returns whether y holds raw measurements to be summarised by
    subgroup (x): a subgroup chart given neither n nor sd."""
    info = CHART_TABLE[chart]
    has_n, has_sd = given.nv is not None, given.sdv is not None
    raw = info.subgroup_sd and not has_sd
    if raw:
        if has_n:
            raise TypeError(
                f"qic(chart={chart!r}): give either one row per subgroup (y= the subgroup mean, "
                f"n= its size and sd= its standard deviation) or the raw measurements "
                f"(y= the measurement, x= its subgroup, and no n=)"
            )
        if given.x is None:
            raise TypeError(
                f"qic(chart={chart!r}): raw measurements need x= (the subgroup of each "
                f"measurement); or give subgroup summaries with n= and sd="
            )
        return True  # the engine's subgroup summary gives n and sd
    problem = input_problem(chart, has_n, has_sd)
    if problem is not None:
        raise TypeError(problem)
    return False


# -- 3. aggregating -------------------------------------------------------------------------------


def group_rows(given: Given) -> Groups:
    """The series (by= group) of each row."""
    if not given.by:
        return Groups(None, None, np.zeros(1 if given.nrows else 0, dtype=np.int64), given.nrows)
    codes, keys, starts = group_codes(given.by)
    return Groups(keys, codes, starts, given.nrows)


def aggregate(chart: str, given: Given, groups: Groups, raw: bool) -> Points:
    """Rows sharing an x within a series become one point (always for raw xbar/s measurements):
    sums of y and n for the charts that sum (the chart table's aggregation) and for any chart
    given n, the subgroup mean, size and sd of raw measurements, the mean of y otherwise. Rows
    with a missing x are then dropped. Without shared x values, the rows are the points."""
    xcol = given.x
    aggregated = False
    xcodes: np.ndarray | None = None
    if xcol is not None:
        if raw:
            aggregated = True
        elif not _increasing_within(xcol.values, groups.codes, groups.starts):
            xcodes, xuniq = _factorize_x(xcol.values)
            key = groups.rows() * np.int64(len(xuniq) + 1) + xcodes
            valid = xcodes >= 0
            aggregated = len(pd.unique(key[valid])) < int(valid.sum())
    info = CHART_TABLE[chart]
    if aggregated and info.subgroup_sd and not raw:
        raise SPCInputError(
            f"qic(chart={chart!r}): x has repeated values within a series; with sd= give one "
            f"row per subgroup (or pass the raw measurements without n= and sd=)",
            argument="x",
            column=xcol.name if xcol else None,
        )
    yv, nv = given.yv, given.nv
    if not aggregated:
        return Points(yv, nv, given.sdv, aggregated=False, raw_subgroups=raw)

    assert xcol is not None
    if xcodes is None:
        xcodes, _ = _factorize_x(xcol.values)
    valid_rows = np.flatnonzero(xcodes >= 0)
    row_group = groups.rows()
    key = row_group[valid_rows] * np.int64(int(xcodes.max()) + 2) + xcodes[valid_rows]
    sub, _ = pd.factorize(key, sort=False)
    sub = sub.astype(np.int64, copy=False)
    S = int(sub.max()) + 1 if len(sub) else 0
    first = valid_rows[_first_rows(sub)]
    row_sub = np.full(given.nrows, -1, dtype=np.int64)
    row_sub[valid_rows] = sub
    yr = yv[valid_rows]
    if raw:
        yp, np_, sdp = _core.summarise_subgroups(yr, sub, S)
    elif info.aggregation == "sum" or nv is not None:
        nr = nv[valid_rows] if nv is not None else None
        ok = ~np.isnan(yr) if nr is None else ~(np.isnan(yr) | np.isnan(nr))
        cnt = np.bincount(sub[ok], minlength=S)
        yp = np.bincount(sub[ok], weights=yr[ok], minlength=S)
        yp[cnt == 0] = np.nan
        if nr is not None:
            np_ = np.bincount(sub[ok], weights=nr[ok], minlength=S)
            np_[cnt == 0] = np.nan
        else:
            np_ = None
        sdp = None
    else:
        # Several values at one x for a chart of single values: their mean (qicharts2's
        # default agg.fun), computed by the engine's subgroup summary.
        yp, _, _ = _core.summarise_subgroups(yr, sub, S)
        np_, sdp = None, None
    return Points(yp, np_, sdp, aggregated=True, raw_subgroups=raw, first_row=first, group=row_group[first],
                  row_subgroup=row_sub)


# -- 4. laying out --------------------------------------------------------------------------------


def lay_out(chart: str, given: Given, groups: Groups, points: Points) -> Prepared:
    """The points series by series (a group's points keep their order), the offsets of the series,
    the parts of each series and the options of the engine."""
    xcol = given.x
    nrows = given.nrows
    yv, nv, sdv = points.y, points.n, points.sd
    point_row: np.ndarray | None = None
    point_sub: np.ndarray | None = None
    part_labels_rows: np.ndarray | None = None
    if given.part is not None:
        part_labels_rows = np.asarray(given.part.values.to_numpy(dtype=object))

    starts = groups.starts
    if points.aggregated:
        assert points.group is not None and points.first_row is not None and xcol is not None
        order = np.argsort(points.group, kind="stable")
        point_group: np.ndarray | None = points.group[order]
        yv = np.ascontiguousarray(yv[order])
        nv = np.ascontiguousarray(nv[order]) if nv is not None else None
        sdv = np.ascontiguousarray(sdv[order]) if sdv is not None else None
        x_points = xcol.values.iloc[points.first_row[order]].reset_index(drop=True)
        point_sub = order
        if part_labels_rows is not None:
            part_labels_rows = part_labels_rows[points.first_row[order]]
    elif starts is None and nrows > 1 and np.any(groups.rows()[1:] < groups.rows()[:-1]):
        order = np.argsort(groups.rows(), kind="stable")
        point_group = groups.rows()[order]
        yv = yv[order]
        nv = nv[order] if nv is not None else None
        sdv = sdv[order] if sdv is not None else None
        x_points = xcol.values.iloc[order].reset_index(drop=True) if xcol is not None else None
        point_row = order
        if part_labels_rows is not None:
            part_labels_rows = part_labels_rows[order]
    else:
        point_group = None  # the rows' groups, built when needed
        x_points = xcol.values if xcol is not None else None
        point_row = None  # identity

    keys = groups.keys
    G = len(keys) if keys is not None else 1
    if starts is not None and not points.aggregated:
        sizes = np.diff(np.append(starts, nrows)) if nrows else np.zeros(G, dtype=np.int64)
    else:
        if point_group is None:
            point_group = groups.rows()
        sizes = np.bincount(point_group, minlength=G) if len(point_group) else np.zeros(G, dtype=np.int64)
    if keys is not None and np.any(sizes == 0):
        # Groups whose every row was dropped (a missing x): no series.
        keep = sizes > 0
        remap = np.cumsum(keep) - 1
        point_group = remap[point_group if point_group is not None else groups.rows()]
        keys = keys.loc[keep].reset_index(drop=True)
        sizes = sizes[keep]
        G = len(keys)
    offsets = np.zeros(G + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])

    series_parts: tuple[np.ndarray, np.ndarray] | None = None
    if part_labels_rows is not None:
        lab_codes, _ = pd.factorize(pd.Series(part_labels_rows), sort=False, use_na_sentinel=False)
        if point_group is None:
            point_group = groups.rows()
        series_parts = csr_from_labels(lab_codes, point_group, offsets)

    return Prepared(
        chart=chart,
        y=np.ascontiguousarray(yv, dtype=np.float64),
        n=None if nv is None else np.ascontiguousarray(nv, dtype=np.float64),
        sd=None if sdv is None else np.ascontiguousarray(sdv, dtype=np.float64),
        offsets=offsets,
        freeze=given.freeze,
        cl=given.cl,
        part_positions=given.part_positions,
        series_parts=series_parts,
        exclude=given.exclude,
        x=x_points,
        groups=keys,
        part_labels=part_labels_rows,
        point_row=point_row,
        point_subgroup=point_sub,
        row_subgroup=points.row_subgroup,
        columns=given.columns,
        index=given.index,
        aggregated=points.aggregated,
        raw_subgroups=points.raw_subgroups,
    )


def _format_label(v: Any) -> str:
    if isinstance(v, pd.Timestamp):
        return v.isoformat() if (v.hour or v.minute or v.second) else v.date().isoformat()
    return repr(v) if isinstance(v, str) else str(v)


def _rows_text(rows: Sequence[int], labels: Sequence[Any] | None) -> str:
    def one(k: int) -> str:
        if labels is not None:
            return f"{rows[k]} (index {_format_label(labels[k])})"
        return str(rows[k])

    shown = min(len(rows), 5)
    text = ", ".join(one(k) for k in range(shown))
    if shown < len(rows):
        text += f" and {len(rows) - shown} more"
    return ("row " if len(rows) == 1 else "rows ") + text


def translate(args: tuple[Any, ...], prep: Prepared, options: dict[str, Any]) -> SPCInputError:
    """The engine's error (argument, 0-based index, problem, series) in the user's terms."""
    argument, index, problem, series = args
    group_key: dict[str, Any] | None = None
    where = ""
    G = len(prep.offsets) - 1
    if prep.groups is not None and series is not None and 0 <= series < G:
        group_key = {str(k): v for k, v in prep.groups.iloc[int(series)].items()}
        where = " in the group " + ", ".join(f"{k}={_format_label(v)}" for k, v in group_key.items())

    if argument in ("y", "n", "sd"):
        col = prep.columns.get(argument)
        what = describe_column(col) if col is not None else f"{argument}="
        if index is None or series is None or not (0 <= series < G):
            return SPCInputError(
                f"qic(): {what}{where}: {problem}", argument=argument, column=col.name if col else None,
                group=group_key, problem=problem,
            )
        point = int(prep.offsets[series]) + int(index)
        if prep.aggregated and prep.point_subgroup is not None and prep.row_subgroup is not None:
            sub = int(prep.point_subgroup[point])
            rows = np.flatnonzero(prep.row_subgroup == sub).tolist()
            labels = prep.index.take(rows).tolist() if prep.index is not None else None
            xlab = _format_label(prep.x.iloc[point]) if prep.x is not None else str(point)
            xcol = prep.columns.get("x")
            xname = describe_column(xcol) if xcol is not None else "x="
            ycol = prep.columns["y"]
            stat = {"y": "the value", "n": "the size", "sd": "the standard deviation"}[argument]
            if prep.raw_subgroups:
                stat = {"y": "the mean", "n": "the size", "sd": "the standard deviation"}[argument]
                source = describe_column(ycol)
            else:
                source = what
            msg = (
                f"qic(): the subgroup x={xlab} ({xname}, {_rows_text(rows, labels)}){where}: "
                f"{stat} computed from {source}: {problem}"
            )
            return SPCInputError(msg, argument=argument, column=col.name if col else None, rows=rows,
                                 labels=labels or [], group=group_key, problem=problem)
        row = int(prep.point_row[point]) if prep.point_row is not None else point
        labels = [prep.index[row]] if prep.index is not None else None
        msg = f"qic(): {what}, {_rows_text([row], labels)}{where}: {problem}"
        return SPCInputError(msg, argument=argument, column=col.name if col else None, rows=[row],
                             labels=labels or [], group=group_key, problem=problem)

    name = {"parts": "part"}.get(argument, argument)
    if "." in name:  # a rule parameter, named as the library names it ("we.run")
        return SPCInputError(f"qic(rule_options=...): {name}: {problem}", argument="rule_options", problem=problem)
    if name in options:
        value = options[name]
        shown = value if not isinstance(value, pd.Series | np.ndarray) else "..."
        msg = f"qic({name}={shown!r}){where}: {problem}"
    else:
        msg = f"qic(): {name}{where}: {problem}"
    return SPCInputError(msg, argument=name, group=group_key, problem=problem)
