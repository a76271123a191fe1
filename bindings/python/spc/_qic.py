"""spc.qic(): one function for every chart, as qicharts2's qic()."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from collections.abc import Mapping

from . import _core
from ._errors import SPCInputError, SPCInputWarning
from ._inputs import CHARTS, METHODS, positions, prepare, translate
from ._result import QicResult
from ._rules import RuleOptions, rules_text
from ._rules import rule_options as engine_rule_options

__all__ = ["qic"]

# A chart name: one of spc.CHARTS, the names of the library's chart table.
ChartName = str
MethodName = Literal["anhoej", "bestbox", "cutbox"]
# A column of `data` (its name) or the values themselves (a list, numpy array or pandas Series).
Column = str | Sequence[Any] | np.ndarray | pd.Series | pd.Index | pd.Categorical


def qic(
    x: Column | None = None,
    y: Column | None = None,
    n: Column | None = None,
    data: pd.DataFrame | None = None,
    chart: ChartName | str = "run",
    freeze: int | None = None,
    part: int | Sequence[int] | str | pd.Series | pd.Categorical | None = None,
    exclude: int | Sequence[int] | None = None,
    cl: float | None = None,
    method: MethodName | str = "anhoej",
    rules: str | Sequence[str] | None = None,
    multiply: float = 1,
    by: str | Sequence[str] | Column | None = None,
    screen: bool = True,
    improvement: Literal["increase", "decrease", "neutral"] | None = None,
    target: float | None = None,
    rebase: int | Sequence[int] | None = None,
    *,
    sd: Column | None = None,
    title: str | None = None,
    ylab: str | None = None,
    xlab: str | None = None,
    errors: Literal["raise", "warn"] = "raise",
    threads: int = 0,
    rule_options: Mapping[str, Mapping[str, Any]] | RuleOptions | None = None,
    trend_points: int | None = None,
    shift_points: int | None = None,
    two_in_three: Literal["band_only", "beyond_2sigma"] | None = None,
) -> QicResult:
    """Computes a run chart or a Shewhart control chart, or one per group with ``by=``.

    The arguments follow qicharts2's ``qic()``; every number is computed by the C++ engine of
    the spc library (the same code as the command line), all groups in one call.

    Parameters
    ----------
    x:
        The subgroup or time of each row (dates, numbers or labels): a column name of ``data``
        or values. Rows that share an ``x`` within a series are aggregated as qicharts2 does
        (sums of ``y`` and ``n`` for p, p', c, u and u' charts and for any chart with ``n``;
        the mean otherwise); rows with a missing ``x`` are then dropped. For ``xbar`` and ``s``
        charts on raw measurements, ``x`` is the subgroup of each measurement. When ``y`` is
        not given, ``x`` is taken as ``y`` (``qic(values)``, as in qicharts2).
    y:
        The measurement (run, i, mr, t, g), the count (p, pp, c, u, up: the numerator), or, for
        xbar and s, the raw measurement (with ``x``) or the subgroup mean (with ``n`` and
        ``sd``). Missing values (NaN, None, ``pd.NA``) are gaps, never errors.
    n:
        The denominator (p, pp, u, up; optional for run and i charts, which then plot y/n), or,
        for xbar and s charts with subgroup summaries, the subgroup size. The c, mr, t and g
        charts take no denominator: ``n=`` raises TypeError, in the library's words (what
        each chart takes is :data:`spc.CHART_TABLE`).
    data:
        A pandas DataFrame whose columns the names above refer to.
    chart:
        ``"run"``, ``"i"``, ``"mr"``, ``"xbar"``, ``"s"``, ``"t"``, ``"p"``, ``"pp"`` (Laney
        P'), ``"c"``, ``"u"``, ``"up"`` (Laney U') or ``"g"``: the names of
        :data:`spc.CHARTS`, the library's chart table.
    freeze:
        The last point (1-based) of the baseline: the centre line and limits come from points
        1..freeze and apply to every point. Ignored when ``part`` is given.
    part:
        Where to split the chart, each part with its own centre line, limits and runs analysis:
        1-based positions after which to split (``part=24``: points 1..24 and 25..end), or
        labels of each row (a column name, a Series or a Categorical; e.g. a ``period``
        column with "pre"/"post"), split wherever the label changes.
    exclude:
        1-based positions left out of the centre line, limits and runs analysis (still drawn and
        tested against the limits).
    cl:
        A centre line given by the user instead of computed; limits are built around it.
    method:
        The runs analysis: ``"anhoej"`` (Anhøj rules, default), ``"bestbox"`` or ``"cutbox"``.
    rules:
        Special-cause rules evaluated on each part, on top of the sigma signal and the runs
        analysis: rule sets ``"sigma3"``, ``"anhoej"``, ``"ihi"`` (Perla et al. 2011),
        ``"we"`` (Western Electric), ``"nelson"``, ``"mdc"`` (NHS Making Data Count rules over
        this chart's limits), single rules (``"we2"``, ``"nelson7"``, ...; see
        :data:`spc.RULES`), as a list or a comma-separated string. Adds, as the command
        line's ``--rules``, a boolean column per rule that fired and the label ``rule`` to
        ``.data``, and the rules' counts to ``.summary()``. Their parameters (run lengths,
        k of m, ...): ``rule_options``.
    multiply:
        Multiplies ``y``, the centre line and the limits for display (e.g. 100 for percent,
        10000 for rates per 10,000 days); the statistics are unchanged.
    by:
        One or several grouping columns (names of ``data`` or arrays): one chart per group, all
        computed in one call of the C++ engine, in the order in which the groups first appear.
        qicharts2's ``facets``.
    screen:
        Screen large moving ranges (≥ 3.267 × mean) out of the sigma of i, t, p' and u' charts
        (Nelson 1982; qicharts2's default).
    improvement:
        ``"increase"``, ``"decrease"`` or ``"neutral"``: the NHS "Making Data Count" mode (as
        NHSRplotthedots' ``ptd_spc()``): an XmR chart with process limits, the MDC rules, point
        types (improvement, concern, neutral), variation and assurance. There ``freeze`` is
        the number of points of each period that fix the mean and limits
        (``fix_after_n_points``), ``screen`` screens outlying moving ranges, ``part`` and
        ``rebase`` start new periods, with ``n`` the ratio y/n is charted, and ``rules``
        adds other rules on top of the MDC rules.
    target:
        A target value, in the units of the plotted values (after ``multiply``): drawn as a
        line; in Making Data Count mode also judged against the limits (assurance).
    rebase:
        Making Data Count: 1-based positions where a new period starts (``rebase=14``: periods
        1..13 and 14..end; the same as ``part=13``).
    sd:
        Subgroup standard deviations for xbar and s charts given one row per subgroup.
    title, ylab, xlab:
        Texts for :meth:`QicResult.plot` (default: the chart and column names).
    errors:
        ``"raise"`` (default): a series with bad data raises :class:`SPCInputError`.
        ``"warn"``: the other series are computed, the bad ones are left missing, a
        :class:`SPCInputWarning` is issued and ``result.problems`` lists them.
    threads:
        Threads for a batch (0: the engine's default, every core or ``OMP_NUM_THREADS``).
    rule_options:
        The parameters of the rules of ``rules=`` (and of the Making Data Count rules), as a
        dict of dicts, e.g. ``{"we": {"run": 9}, "nelson": {"trend": 7}}``, or a
        :class:`spc.RuleOptions`. The families and their parameters (defaults in brackets):
        ``"ihi"``: ``shift`` (6), ``trend`` (5); ``"we"``: ``two_of_three`` ((2, 3)),
        ``four_of_five`` ((4, 5)), ``run`` (8); ``"nelson"``: ``run`` (9), ``trend`` (6),
        ``alternating`` (14), ``two_of_three`` ((2, 3)), ``four_of_five`` ((4, 5)),
        ``stratification`` (15), ``mixture`` (8); ``"mdc"``: ``trend`` (7), ``shift`` (7),
        ``two_in_three`` (``"band_only"``). Runs and trends count points; a k-of-m parameter is
        a pair ``(k, m)``. A family must be among the rules asked for.
    trend_points, shift_points, two_in_three:
        Shorthands for the Making Data Count rules' parameters (in MDC mode and for
        ``rules="mdc"``), as the command line's options: the trend and shift lengths (7, the
        default, or 6), and which points the two-in-three rule counts (``"band_only"``, the
        default: between 2 and 3 sigma, as NHSRplotthedots 0.2.2; ``"beyond_2sigma"``: beyond
        the limits too, as the 2023 MDC guidance).

    Returns
    -------
    QicResult
        ``.data`` (one row per point), ``.summary()`` (one row per series and part), ``.plot()``
        and a rich notebook display.

    Raises
    ------
    TypeError
        Arguments of the wrong kind or combination (a p chart without ``n``, a c chart with
        ``n``, a column name without ``data``, a non-numeric column, an unknown rule parameter).
    SPCInputError
        (a ValueError) Bad values, with the column, the row (position and index label) and the
        group at fault: a negative count, a numerator above its denominator, a freeze beyond the
        series, parts out of range.

    Examples
    --------
    A run chart of values:

    >>> import spc
    >>> r = spc.qic([5, 7, 6, 8, 7, 6, 9, 8, 7, 8, 6, 7])
    >>> float(r.data["cl"].iloc[0])
    7.0

    A P chart from a DataFrame, split at an intervention:

    >>> import pandas as pd
    >>> df = pd.DataFrame({
    ...     "month": pd.date_range("2024-01-01", periods=8, freq="MS"),
    ...     "harmed": [12, 15, 11, 14, 6, 5, 7, 4],
    ...     "patients": [100, 110, 95, 105, 100, 98, 102, 97],
    ... })
    >>> r = spc.qic("month", "harmed", "patients", data=df, chart="p", part=4)
    >>> r.summary()[["part", "cl"]].round(4)
       part      cl
    0     1  0.1268
    1     2  0.0554

    One chart per hospital, in one call:

    >>> df = pd.DataFrame({"hospital": ["A"] * 6 + ["B"] * 6,
    ...                    "infections": [3, 5, 4, 6, 2, 4, 9, 8, 11, 7, 10, 9]})
    >>> spc.qic(y="infections", data=df, chart="c", by="hospital").summary()[["hospital", "cl"]]
      hospital   cl
    0        A  4.0
    1        B  9.0
    """
    if y is None:
        if x is None:
            raise TypeError("qic() needs y= (the values), e.g. qic(y='column', data=df) or qic(values)")
        x, y = None, x
    if not isinstance(chart, str):
        raise TypeError(f"qic(chart=...): expected a chart name, got {type(chart).__name__}")
    chart_name = chart.strip().lower().replace("'", "p").replace("′", "p")
    if chart_name not in CHARTS:
        raise SPCInputError(
            f"qic(chart={chart!r}): unknown chart; choose one of {', '.join(CHARTS)}",
            argument="chart",
            problem="unknown chart",
        )
    if not isinstance(method, str) or method.lower() not in METHODS:
        raise SPCInputError(
            f"qic(method={method!r}): unknown runs-analysis method; choose one of {', '.join(METHODS)}",
            argument="method",
            problem="unknown method",
        )
    method_name = method.lower()
    if (
        isinstance(multiply, bool)
        or not isinstance(multiply, numbers.Real)
        or not np.isfinite(multiply)
        or multiply <= 0
    ):
        raise SPCInputError(
            f"qic(multiply={multiply!r}): expected a positive number", argument="multiply",
            problem="expected a positive number",
        )
    if not isinstance(screen, bool | np.bool_):
        raise TypeError(f"qic(screen={screen!r}): expected True or False")
    if target is not None and (isinstance(target, bool) or not isinstance(target, numbers.Real)):
        raise TypeError(f"qic(target={target!r}): expected a number")
    if errors not in ("raise", "warn"):
        raise TypeError(f"qic(errors={errors!r}): expected 'raise' or 'warn'")
    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 0:
        raise TypeError(f"qic(threads={threads!r}): expected a whole number >= 0")
    rules_list = rules_text(rules)
    for name, value in (("trend_points", trend_points), ("shift_points", shift_points)):
        if value is not None and (value not in (6, 7) or isinstance(value, bool)):
            raise SPCInputError(f"qic({name}={value!r}): expected 7 (the default) or 6", argument=name)
    if two_in_three is not None and two_in_three not in ("band_only", "beyond_2sigma"):
        raise SPCInputError(
            f"qic(two_in_three={two_in_three!r}): expected 'band_only' or 'beyond_2sigma'", argument="two_in_three"
        )
    engine_rules = engine_rule_options(
        rule_options, rules_list, mdc_mode=improvement is not None,
        trend_points=None if trend_points is None else int(trend_points),
        shift_points=None if shift_points is None else int(shift_points), two_in_three=two_in_three,
    )

    if improvement is not None:
        return _qic_mdc(
            x=x, y=y, n=n, data=data, chart=chart_name, freeze=freeze, part=part, exclude=exclude,
            cl=cl, rules=engine_rules, multiply=float(multiply), by=by, screen=bool(screen),
            improvement=improvement, target=target, rebase=rebase, sd=sd, title=title, ylab=ylab,
            xlab=xlab, threads=int(threads), errors=errors,
        )
    if rebase is not None:
        raise TypeError(
            "qic(rebase=...): rebase is for Making Data Count charts (give improvement=); "
            "to split a standard chart use part="
        )

    prep = prepare(
        x=x, y=y, n=n, sd=sd, data=data, chart=chart_name, freeze=freeze, part=part,
        exclude=exclude, cl=cl, by=by,
    )
    options = {"freeze": freeze, "part": part, "exclude": exclude, "cl": cl, "chart": chart,
               "method": method, "rules": rules, "rule_options": rule_options}
    try:
        out = _core.qic_batch(
            prep.y, prep.n, prep.sd, prep.offsets, prep.chart_options(method_name, bool(screen)),
            rules=engine_rules, parts=prep.series_parts, threads=int(threads),
        )
    except _core.EngineError as err:
        raise translate(err.args, prep, options) from None
    problems = _problems(out["problems"], prep, options, errors)

    ycol = prep.columns.get("y")
    xcol = prep.columns.get("x")
    return QicResult(
        chart=chart_name,
        method=method_name,
        offsets=prep.offsets,
        x=prep.x,
        groups=prep.groups,
        part_labels=prep.part_labels,
        multiply=float(multiply),
        target=None if target is None else float(target),
        title=title,
        ylab=ylab if ylab is not None else (ycol.name if ycol is not None else None),
        xlab=xlab if xlab is not None else (xcol.name if xcol is not None else None),
        engine=out,
        problems=problems,
    )


def _problems(
    raw: list[tuple[int, str, int | None, str]], prep: Any, options: dict[str, Any], errors: str
) -> pd.DataFrame:
    """The engine's per-series problems: raise the first, or warn and list them all."""
    if not raw:
        return pd.DataFrame(columns=["series", "argument", "column", "rows", "problem", "message"])
    translated = [translate((arg, index, problem, series), prep, options) for series, arg, index, problem in raw]
    if errors == "raise":
        raise translated[0]
    table = pd.DataFrame(
        {
            "series": [int(r[0]) for r in raw],
            "argument": [e.argument for e in translated],
            "column": [e.column for e in translated],
            "rows": [e.rows for e in translated],
            "problem": [e.problem for e in translated],
            "message": [str(e) for e in translated],
        }
    )
    if prep.groups is not None:
        keys = prep.groups.iloc[table["series"].to_numpy()].reset_index(drop=True)
        table = pd.concat([keys, table], axis=1)
    shown = "; ".join(str(e) for e in translated[:3])
    more = f" (and {len(translated) - 3} more)" if len(translated) > 3 else ""
    warnings.warn(
        f"qic(): {len(translated)} series could not be computed and are left missing: {shown}{more}; "
        f"see the result's .problems",
        SPCInputWarning,
        stacklevel=3,
    )
    return table


def _qic_mdc(
    *, x: Any, y: Any, n: Any, data: Any, chart: str, freeze: Any, part: Any, exclude: Any, cl: Any,
    rules: Any, multiply: float, by: Any, screen: bool, improvement: str, target: float | None,
    rebase: Any, sd: Any, title: str | None, ylab: str | None, xlab: str | None, threads: int, errors: str,
) -> QicResult:
    """NHS Making Data Count charts (qic(..., improvement=...))."""
    if not isinstance(improvement, str) or improvement.lower() not in ("increase", "decrease", "neutral"):
        raise SPCInputError(
            f"qic(improvement={improvement!r}): expected 'increase', 'decrease' or 'neutral'",
            argument="improvement",
            problem="unknown improvement direction",
        )
    if chart not in ("run", "i"):
        raise TypeError(
            f"qic(chart={chart!r}, improvement=...): Making Data Count charts are XmR (i) charts; "
            f"leave chart= out or give chart='i'"
        )
    for name, value in (("exclude", exclude), ("cl", cl), ("sd", sd)):
        if value is not None:
            raise TypeError(f"qic({name}=..., improvement=...): {name}= does not apply to Making Data Count charts")
    if rebase is not None and part is not None:
        raise TypeError("qic(part=..., rebase=...): give one of them (both start new periods)")
    prep = prepare(x=x, y=y, n=n, sd=None, data=data, chart="i", freeze=None, part=part, exclude=None,
                   cl=None, by=by)
    options = {"freeze": freeze, "part": part, "rebase": rebase, "target": target,
               "improvement": improvement}
    fix = positions(freeze, "freeze")
    if len(fix) > 1:
        raise TypeError("qic(freeze=...): give one number of points")
    mdc = _core.MdcOptions()
    mdc.direction = improvement.lower()
    mdc.fix_after_n_points = fix[0] if fix else 0
    mdc.screen_outliers = screen
    mdc.target = np.nan if target is None else float(target) / multiply
    # A part ends after position p: the next period starts at p + 1.
    series_rebase = None
    if rebase is not None:
        mdc.rebase = positions(rebase, "rebase")
    elif prep.series_parts is not None:
        series_rebase = (prep.series_parts[0] + 1, prep.series_parts[1])
    else:
        mdc.rebase = [p + 1 for p in prep.part_positions]
    try:
        # y / n as the I chart plots it (with the I chart's checks of the denominators) when n is
        # given: the engine computes the values, the charts and the rules in one call.
        out = _core.mdc_batch(prep.y, prep.n, prep.offsets, mdc, rules, rebase=series_rebase, threads=threads)
    except _core.EngineError as err:
        raise translate(err.args, prep, options) from None
    problems = _problems(out["problems"], prep, options, errors)
    ycol = prep.columns.get("y")
    xcol = prep.columns.get("x")
    return QicResult(
        chart="i",
        mode="mdc",
        improvement=improvement.lower(),
        method="anhoej",
        offsets=prep.offsets,
        x=prep.x,
        groups=prep.groups,
        part_labels=prep.part_labels,
        multiply=multiply,
        target=None if target is None else float(target),
        title=title,
        ylab=ylab if ylab is not None else (ycol.name if ycol is not None else None),
        xlab=xlab if xlab is not None else (xcol.name if xcol is not None else None),
        engine=out,
        problems=problems,
    )
