"""The result of :func:`spc.qic`: per-point data, per-part summary, plots and notebook display."""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["QicResult", "POINT_COLUMNS", "SUMMARY_COLUMNS"]

#: The per-point columns of :attr:`QicResult.data` (after the group columns), as the command line
#: writes them.
POINT_COLUMNS: tuple[str, ...] = (
    "i", "x", "part", "baseline", "include", "y", "cl", "lcl", "ucl", "lcl_95", "ucl_95",
    "sigma_signal", "n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings",
    "n_crossings_min", "runs_signal",
)

#: The columns of :meth:`QicResult.summary` (after the group columns).
SUMMARY_COLUMNS: tuple[str, ...] = (
    "part", "first", "last", "n_obs", "n_useful", "longest_run", "longest_run_max",
    "n_crossings", "n_crossings_min", "runs_signal", "avg_lcl", "cl", "avg_ucl", "lcl", "ucl",
    "n_sigma_signals",
)

_SCALED = ("y", "cl", "lcl", "ucl", "lcl_95", "ucl_95")
_RUNS_OPTIONAL = ("longest_run", "longest_run_max", "n_crossings", "n_crossings_min")


def _nullable_int(values: np.ndarray, defined: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(values.astype(np.int64), ~defined)


class QicResult:
    """A computed chart, or a batch of charts (one per group of ``by=``).

    Returned by :func:`spc.qic`; not built directly.

    Attributes
    ----------
    chart:
        The chart type (``"run"``, ``"i"``, ``"p"``, ...).
    method:
        The runs-analysis method (``"anhoej"``, ``"bestbox"``, ``"cutbox"``).
    by:
        The names of the group columns (empty without ``by=``).
    multiply:
        The display multiplier applied to ``y``, ``cl`` and the limits.
    target:
        The target value (display units) or ``None``.

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
        points: dict[str, np.ndarray],
        parts: dict[str, np.ndarray],
        offsets: np.ndarray,
        part_offsets: np.ndarray,
        x: pd.Series | None,
        groups: pd.DataFrame | None,
        part_labels: np.ndarray | None,
        multiply: float,
        target: float | None,
        title: str | None,
        ylab: str | None,
        xlab: str | None,
        extra_points: dict[str, Any] | None = None,
        extra_parts: dict[str, Any] | None = None,
    ) -> None:
        self.chart = chart
        self.method = method
        self.multiply = float(multiply)
        self.target = target
        self.title = title
        self.ylab = ylab
        self.xlab = xlab
        self.by: list[str] = list(groups.columns) if groups is not None else []
        self._points = points
        self._parts = parts
        self._offsets = offsets
        self._part_offsets = part_offsets
        self._x = x
        self._groups = groups
        self._part_labels = part_labels
        self._extra_points = extra_points or {}
        self._extra_parts = extra_parts or {}
        self._data: pd.DataFrame | None = None
        self._summary: pd.DataFrame | None = None

    # -- sizes -----------------------------------------------------------------------------------

    def __len__(self) -> int:
        """The number of points (over every series)."""
        return len(self._points["y"])

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

    def _part_row_of_point(self, series: np.ndarray) -> np.ndarray:
        return self._part_offsets[series] + self._points["part"].astype(np.int64) - 1

    def _x_values(self, i: np.ndarray) -> Any:
        if self._x is None:
            return i
        return self._x.reset_index(drop=True).array

    @property
    def data(self) -> pd.DataFrame:
        """One row per point: the group columns (with ``by=``), then the columns of the command
        line: ``i`` (1-based position in its series), ``x``, ``part``, ``baseline``, ``include``,
        ``y``, ``cl``, ``lcl``, ``ucl``, ``lcl_95``, ``ucl_95``, ``sigma_signal`` and the runs
        analysis of the point's part (``n_obs``, ``n_useful``, ``longest_run``,
        ``longest_run_max``, ``n_crossings``, ``n_crossings_min``, ``runs_signal``; the run and
        crossing statistics are missing (``<NA>``) when the part has no useful point).

        ``y``, ``cl`` and the limits are multiplied by ``multiply``. Built on first access and
        cached; a copy is returned.
        """
        if self._data is None:
            self._data = self._build_data()
        return self._data.copy()

    def _build_data(self) -> pd.DataFrame:
        p = self._points
        series = self._series_of_point()
        i = np.arange(len(series), dtype=np.int64) - self._offsets[series] + 1
        prow = self._part_row_of_point(series)
        cols: dict[str, Any] = {}
        if self._groups is not None:
            for name in self._groups.columns:
                cols[name] = self._groups[name].array.take(series)
        cols["i"] = i
        cols["x"] = self._x_values(i)
        cols["part"] = p["part"]
        cols["baseline"] = p["baseline"]
        cols["include"] = p["include"]
        for name in _SCALED:
            cols[name] = p[name] * self.multiply if self.multiply != 1 else p[name]
        cols["sigma_signal"] = p["sigma_signal"]
        parts = self._parts
        defined = parts["runs_defined"][prow]
        cols["n_obs"] = parts["n_obs"][prow].astype(np.int64)
        cols["n_useful"] = parts["n_useful"][prow].astype(np.int64)
        for name in _RUNS_OPTIONAL:
            cols[name] = _nullable_int(parts[name][prow], defined)
        cols["runs_signal"] = parts["runs_signal"][prow]
        for name, values in self._extra_points.items():
            cols[name] = values
        return pd.DataFrame(cols, copy=False)

    def summary(self) -> pd.DataFrame:
        """One row per series and part: the group columns (with ``by=``), ``part``, ``first`` and
        ``last`` (1-based positions of its points), the runs analysis (``n_obs``, ``n_useful``,
        ``longest_run``, ``longest_run_max``, ``n_crossings``, ``n_crossings_min``,
        ``runs_signal``), the average and last-point limits (``avg_lcl``, ``cl``, ``avg_ucl``,
        ``lcl``, ``ucl``, as qicharts2's aLCL/CL/aUCL) and the number of points outside the
        limits (``n_sigma_signals``).

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
            self._summary = self._build_summary()
        return self._summary.copy()

    def _build_summary(self) -> pd.DataFrame:
        parts = self._parts
        P = len(parts["part"])
        series = self._series_of_point()
        prow = self._part_row_of_point(series)

        def part_mean(values: np.ndarray) -> np.ndarray:
            ok = ~np.isnan(values)
            total = np.bincount(prow[ok], weights=values[ok], minlength=P)
            count = np.bincount(prow[ok], minlength=P)
            with np.errstate(invalid="ignore", divide="ignore"):
                out = total / count
            out[count == 0] = np.nan
            return out

        cols: dict[str, Any] = {}
        s = parts["series"]
        if self._groups is not None:
            for name in self._groups.columns:
                cols[name] = self._groups[name].array.take(s)
        cols["part"] = parts["part"].astype(np.int64)
        if self._part_labels is not None:
            first_point = self._offsets[s] + parts["first"]
            cols["part_label"] = pd.array(self._part_labels[first_point], dtype=object)
        cols["first"] = parts["first"] + 1
        cols["last"] = parts["last"] + 1
        defined = parts["runs_defined"]
        cols["n_obs"] = parts["n_obs"].astype(np.int64)
        cols["n_useful"] = parts["n_useful"].astype(np.int64)
        for name in _RUNS_OPTIONAL:
            cols[name] = _nullable_int(parts[name], defined)
        cols["runs_signal"] = parts["runs_signal"]
        m = self.multiply
        cols["avg_lcl"] = part_mean(self._points["lcl"]) * m
        cols["cl"] = parts["cl"] * m
        cols["avg_ucl"] = part_mean(self._points["ucl"]) * m
        cols["lcl"] = parts["lcl"] * m
        cols["ucl"] = parts["ucl"] * m
        cols["n_sigma_signals"] = parts["n_sigma_signals"].astype(np.int64)
        for name, values in self._extra_parts.items():
            cols[name] = values
        return pd.DataFrame(cols, copy=False)

    # -- pictures --------------------------------------------------------------------------------

    def plot(self, ax: Any = None, **kwargs: Any) -> Figure:
        """Draws the chart with matplotlib and returns the figure.

        The centre line, the 3-sigma limits and the points; points outside the limits in red; a
        red, dashed centre line where the runs analysis finds a shift (as qicharts2 draws it);
        parts drawn apart with their own lines; a target line; a percent axis for p and p'
        charts. With ``by=``, small multiples (one panel per group).

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
        """The chart as PNG bytes (drawn without pyplot, so nothing is shown)."""
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
        kind = f"{self.chart} chart"
        series = f", {self.n_series} series by {', '.join(self.by)}" if self.by else ""
        s = self.summary()
        return (
            f"<spc.QicResult: {kind}, {len(self)} points{series}, {len(s)} part(s), "
            f"{int(s['runs_signal'].sum())} with a runs signal, "
            f"{int(s['n_sigma_signals'].sum())} point(s) outside the limits>"
        )

    def _repr_html_(self) -> str:
        s = self.summary()
        max_rows = 20
        table = s.head(max_rows).to_html(index=False, float_format=lambda v: f"{v:.6g}", na_rep="")
        more = f"<p>… {len(s) - max_rows} more rows: <code>.summary()</code></p>" if len(s) > max_rows else ""
        try:
            png = base64.b64encode(self.to_png(max_panels=12)).decode("ascii")
            img = f'<img src="data:image/png;base64,{png}" alt="{html.escape(self.chart)} chart"/>'
        except Exception as exc:  # a picture must never break the table
            img = f"<p>(no picture: {html.escape(str(exc))})</p>"
        head = html.escape(repr(self))
        return f"<div><p>{head}</p>{img}{table}{more}</div>"
