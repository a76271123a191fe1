"""Matplotlib pictures of :class:`spc.QicResult`, drawn as qicharts2 users expect.

- the points and the line through them in blue; points outside the 3-sigma limits in red;
- the centre line in grey, red and dashed where the runs analysis of its part signals a shift;
- the limits in grey (steps where they vary with the denominator);
- every part drawn apart, its own lines, a faint separator and its label;
- the end of a frozen baseline as a dashed vertical line;
- a target line in green; a percent axis for p and p' charts;
- with ``by=``: small multiples, one panel per group.

Nothing is computed here but positions and labels: every number comes from the engine.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._inputs import CHART_TABLE

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ._result import QicResult

__all__ = ["plot_result", "COLOURS", "CHART_TITLES"]

#: The colours (qicharts2's palette).
COLOURS: dict[str, str] = {
    "line": "#5DA5DA",  # points and the line through them
    "limit": "#8C8C8C",  # control limits
    "cl": "#8C8C8C",  # centre line, random variation
    "signal": "#F15854",  # sigma signals and a centre line with a runs signal
    "target": "#059748",  # target line
    "separator": "#BBBBBB",  # part and baseline separators
    "rule": "#FAA43A",  # a point where another rule (rules=) fired
    # NHS Making Data Count (MDC) point colours
    "improvement": "#289DE0",
    "concern": "#FAB428",
    "neutral": "#490092",
    "common": "#7B7D7D",
}

#: Chart titles, from the library's chart table (with a typographic prime: "P′ chart").
CHART_TITLES: dict[str, str] = {name: c.title.replace("'", "′") for name, c in CHART_TABLE.items()}


def _x_positions(x: pd.Series | None, count: int) -> tuple[np.ndarray, list[str] | None, bool]:
    """Positions on the x axis, tick labels for categorical x, and whether x is a date."""
    i = np.arange(1, count + 1, dtype=float)
    if x is None:
        return i, None, False
    dtype = x.dtype
    if isinstance(dtype, pd.PeriodDtype):
        return x.dt.to_timestamp().to_numpy(dtype="datetime64[ns]"), None, True
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:
            x = x.dt.tz_localize(None)
        return x.to_numpy(dtype="datetime64[ns]"), None, True
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return x.to_numpy(dtype=float, na_value=np.nan), None, False
    if x.dtype == object and len(x) and all(isinstance(v, pd.Timestamp) or v is None for v in x):
        return pd.to_datetime(x).to_numpy(dtype="datetime64[ns]"), None, True
    return i, [str(v) for v in x], False


def _midpoint(a: Any, b: Any) -> Any:
    return a + (b - a) / 2


def _number(v: float, percent: bool) -> str:
    if not np.isfinite(v):
        return ""
    if percent:
        return f"{v * 100:.1f}%"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.1f}"
    if a >= 1 or a == 0:
        return f"{v:.2f}"
    return f"{v:.3g}"


def _group_title(result: QicResult, g: int) -> str:
    if result._groups is None:
        return ""
    row = result._groups.iloc[g]
    return " · ".join(str(v) for v in row.tolist())


def _mdc_status(result: QicResult, g: int) -> str:
    """The variation and assurance of an MDC series, in words."""
    s = result._engine["series"]
    variation = {
        0: "common cause variation",
        1: "special cause: improvement",
        2: "special cause: concern",
        3: "special cause: neutral (high)",
        4: "special cause: neutral (low)",
    }[int(s["variation"][g])]
    assurance = {0: "", 1: "consistently passing the target", 2: "consistently failing the target",
                 3: "hit and miss the target"}[int(s["assurance"][g])]
    return variation + (f" · {assurance}" if assurance else "")


def _select(result: QicResult, groups: Any) -> list[int]:
    G = result.n_series
    if groups is None:
        return list(range(G))
    if result._groups is None:
        raise ValueError("plot(groups=...) selects groups of by=; this result has none")
    keys = result._groups
    wanted = groups if isinstance(groups, list | tuple | np.ndarray | pd.Index) else [groups]
    out: list[int] = []
    for w in wanted:
        if isinstance(w, int | np.integer) and not isinstance(w, bool) and (
            len(keys.columns) > 1 or not (keys.iloc[:, 0] == w).any()
        ):
            if not 0 <= int(w) < G:
                raise ValueError(f"plot(groups=...): series {w} does not exist (0..{G - 1})")
            out.append(int(w))
            continue
        key = w if isinstance(w, tuple) else (w,)
        if len(key) != len(keys.columns):
            raise ValueError(f"plot(groups=...): {w!r} is not a key of by={list(keys.columns)}")
        mask = np.ones(G, dtype=bool)
        for col, value in zip(keys.columns, key):
            mask &= (keys[col] == value).to_numpy(dtype=bool, na_value=False)
        hits = np.flatnonzero(mask)
        if len(hits) == 0:
            raise ValueError(f"plot(groups=...): no group {w!r}")
        out.extend(int(h) for h in hits)
    return out


def _draw_series(
    ax: Axes,
    result: QicResult,
    g: int,
    *,
    percent: bool,
    show_95: bool,
    line_labels: bool,
) -> None:
    import matplotlib.dates as mdates
    import matplotlib.transforms as mtransforms

    a, b = int(result._offsets[g]), int(result._offsets[g + 1])
    count = b - a
    if count == 0:
        return
    arr = result._series_arrays(g)
    y, cl, lcl, ucl = arr["y"], arr["cl"], arr["lcl"], arr["ucl"]
    lcl95, ucl95 = arr["lcl_95"], arr["ucl_95"]
    inc, base = arr["include"], arr["baseline"]
    xs = result._x.iloc[a:b].reset_index(drop=True) if result._x is not None else None
    x, ticklabels, is_date = _x_positions(xs, count)
    mdc = result.mode == "mdc"

    blend = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
    rows = arr["parts"]
    for k, (f, last) in enumerate(rows):
        s = slice(f, last)
        runs_signal = arr["runs_signal"][k]
        step = "steps-mid" if last - f > 1 else "default"
        limit_style = {"color": COLOURS["limit"], "lw": 1.0, "drawstyle": step, "zorder": 1}
        if mdc:
            limit_style["ls"] = "--"
        ax.plot(x[s], ucl[s], **limit_style)
        ax.plot(x[s], lcl[s], **limit_style)
        if show_95:
            ax.plot(x[s], ucl95[s], color=COLOURS["limit"], lw=0.8, ls=":", drawstyle=step, zorder=1)
            ax.plot(x[s], lcl95[s], color=COLOURS["limit"], lw=0.8, ls=":", drawstyle=step, zorder=1)
        ax.plot(
            x[s], cl[s],
            color=COLOURS["signal"] if runs_signal else ("#333333" if mdc else COLOURS["cl"]),
            ls="--" if runs_signal else "-", lw=1.3, zorder=2,
        )
        ax.plot(x[s], y[s], color=COLOURS["common"] if mdc else COLOURS["line"], lw=1.4, zorder=3)
        if line_labels:
            for v in (ucl[last - 1], cl[last - 1], lcl[last - 1]):
                if np.isfinite(v):
                    ax.annotate(
                        _number(float(v), percent), (x[last - 1], v), xytext=(4, 0),
                        textcoords="offset points", va="center", ha="left", fontsize=7,
                        color="#555555", annotation_clip=False,
                    )
        if result._part_labels is not None:
            label = result._part_labels[a + f]
            ax.text(_midpoint(x[f], x[last - 1]), 1.01, str(label), transform=blend, ha="center",
                    va="bottom", fontsize=8, color="#555555")
        if k + 1 < len(rows):
            ax.axvline(_midpoint(x[last - 1], x[last]), color=COLOURS["separator"], ls=":", lw=1.0, zorder=0)
    # Points: blue, red outside the limits, amber where another rule fired (or the MDC colours);
    # hollow when excluded.
    colours = np.array([COLOURS[k] for k in arr["colour_keys"]], dtype=object)
    face = np.where(inc, colours, "white")
    ok = ~np.isnan(y)
    ax.scatter(x[ok], y[ok], s=18 if mdc else 16, c=list(face[ok]), edgecolors=list(colours[ok]),
               linewidths=1.0, zorder=4)
    # The end of a frozen baseline.
    if len(rows) == 1 and base.any() and not base.all():
        k = int(np.flatnonzero(base)[-1])
        ax.axvline(_midpoint(x[k], x[k + 1]), color=COLOURS["separator"], ls="--", lw=1.0, zorder=0)
        ax.text(_midpoint(x[k], x[k + 1]), 1.01, "baseline ←", transform=blend, ha="right", va="bottom",
                fontsize=7, color="#555555")
    if result.target is not None and np.isfinite(result.target):
        ax.axhline(result.target, color=COLOURS["target"], ls=(0, (4, 2)), lw=1.1, zorder=1)
        if line_labels:
            ax.annotate(f"target {_number(float(result.target), percent)}", (0, result.target),
                        xycoords=("axes fraction", "data"), xytext=(2, 2), textcoords="offset points",
                        fontsize=7, color=COLOURS["target"])
    if percent:
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    if ticklabels is not None:
        every = max(1, math.ceil(count / 12))
        ax.set_xticks(x[::every])
        ax.set_xticklabels(ticklabels[::every], rotation=45, ha="right", fontsize=8)
    elif is_date:
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    elif xs is None or pd.api.types.is_integer_dtype(xs.dtype):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", color="#EEEEEE", lw=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)


def plot_result(
    result: QicResult,
    ax: Axes | None = None,
    *,
    figure: Figure | None = None,
    groups: Any = None,
    max_panels: int = 24,
    ncols: int | None = None,
    sharey: bool = True,
    figsize: tuple[float, float] | None = None,
    title: str | None = None,
    ylab: str | None = None,
    xlab: str | None = None,
    show_95: bool = False,
    percent: bool | None = None,
    line_labels: bool = True,
) -> Figure:
    """Draws a result (see :meth:`spc.QicResult.plot`) and returns the matplotlib figure.

    Parameters
    ----------
    result:
        What :func:`spc.qic` returned.
    ax:
        An Axes to draw one series into; default a new figure (pyplot).
    figure:
        A figure to draw into instead of a new pyplot figure (e.g. ``matplotlib.figure.Figure()``
        for drawing without pyplot).
    groups:
        With ``by=``: the groups to draw, as keys (a value, or a tuple of values for several
        group columns) or series numbers; default all (up to ``max_panels``).
    max_panels:
        The most panels drawn; more groups are left out with a warning.
    ncols:
        Panels per row (default: about the square root of the number of panels, at most 4).
    sharey:
        One y axis for every panel (qicharts2's ``scales = "fixed"``).
    figsize:
        Figure size in inches.
    title, ylab, xlab:
        Texts; default those given to :func:`spc.qic`, or the chart type and the column names.
    show_95:
        Also draw the 2-sigma limits (dotted).
    percent:
        A percent y axis; default for p and p' charts with ``multiply=1``.
    line_labels:
        Write the values of the centre line and limits at the end of each part.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import spc
    >>> from spc.plotting import plot_result
    >>> r = spc.qic(y=[5, 4, 6, 5, 7, 4, 5, 6, 15, 5], chart="c")
    >>> fig = plot_result(r, title="Falls per month")
    >>> fig.axes[0].get_title(loc="left")
    'Falls per month'
    """
    selected = _select(result, groups)
    if len(selected) > max_panels:
        warnings.warn(
            f"plot(): drawing the first {max_panels} of {len(selected)} groups; choose them with "
            f"groups=[...] or raise max_panels=",
            stacklevel=3,
        )
        selected = selected[:max_panels]
    if percent is None:
        # Proportions (y at most its denominator: p and p' charts) on a percent axis.
        percent = CHART_TABLE[result.chart].y_at_most_n and result.multiply == 1
    k = max(1, len(selected))
    if ax is not None:
        if len(selected) != 1:
            raise ValueError(
                f"plot(ax=...): an Axes holds one series, and this result has {len(selected)}; "
                f"choose one with groups=[...]"
            )
        fig = ax.figure
        axes = [ax]
    else:
        if ncols is None:
            ncols = 1 if k == 1 else min(4, math.ceil(math.sqrt(k)))
        nrows = math.ceil(k / ncols)
        if figsize is None:
            figsize = (8.0, 4.2) if k == 1 else (3.8 * ncols, 2.7 * nrows + 0.7)
        if figure is None:
            import matplotlib.pyplot as plt

            fig = plt.figure(figsize=figsize)
        else:
            fig = figure
            fig.set_size_inches(*figsize)
        grid = fig.subplots(nrows, ncols, squeeze=False, sharey=sharey)
        axes = list(grid.ravel())
        for extra in axes[k:]:
            extra.set_visible(False)
    for panel, g in zip(axes, selected):
        _draw_series(panel, result, g, percent=percent, show_95=show_95, line_labels=line_labels)
        panel_title = _group_title(result, g) if result.by else ""
        if result.mode == "mdc":
            status = _mdc_status(result, g)
            panel_title = f"{panel_title}\n{status}" if panel_title else status
        if panel_title and (result.by or len(axes) > 1):
            panel.set_title(panel_title, fontsize=9, pad=14 if result._part_labels is not None else 6)
    default_title = "XmR chart (Making Data Count)" if result.mode == "mdc" else CHART_TITLES.get(result.chart, result.chart)
    if result.ylab:
        default_title += f" of {result.ylab}"
    text = title if title is not None else (result.title if result.title is not None else default_title)
    ylabel = ylab if ylab is not None else (result.ylab or "")
    xlabel = xlab if xlab is not None else (result.xlab or "")
    if len(axes) == 1 and not result.by:
        if result.mode == "mdc":
            text = f"{text}\n{_mdc_status(result, selected[0])}" if selected else text
        axes[0].set_title(text, loc="left", fontsize=11, pad=16 if result._part_labels is not None else 8)
        axes[0].set_ylabel(ylabel)
        axes[0].set_xlabel(xlabel)
    else:
        fig.suptitle(text, x=0.01, ha="left", fontsize=11)
        if ylabel:
            fig.supylabel(ylabel, fontsize=9)
        if xlabel:
            fig.supxlabel(xlabel, fontsize=9)
    if ax is None:
        fig.tight_layout()
    return fig
