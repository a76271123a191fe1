// spc/chart.hpp: one entry point for every chart: `spc::qic(series, options)`.
//
// The design follows qicharts2's qic() (one function the user learns once, one small function per
// chart type dispatched from a table), implemented from the formulas in docs/charts.md, never from
// qicharts2's code. Semantics (reference: qicharts2 0.8.1):
//   - positions are 1-based in options (as users and the golden files count them);
//   - `parts` splits the chart after the given positions; every part gets its own centre line,
//     limits and runs analysis; `freeze` is ignored when parts are given;
//   - `freeze = N`: centre line and limits come from points 1..N and apply to every point; the runs
//     analysis still covers every included point against that centre line;
//   - `exclude`: points left out of the centre line, limits and runs analysis, but still shown and
//     tested against the limits (sigma signal);
//   - `cl`: a centre line given by the user; limits are built around it;
//   - a missing value (NaN) is a gap: no y, no signal, no contribution to any estimate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "spc/runs.hpp"
#include "spc/types.hpp"

namespace spc {

/// Options of one chart. Positions are 1-based.
struct chart_options {
  chart_type chart = chart_type::run;
  std::size_t freeze = 0;            ///< last point of the baseline; 0 = no freeze
  std::vector<std::size_t> parts;    ///< split after these positions (strictly increasing)
  std::vector<std::size_t> exclude;  ///< positions left out of the calculations
  double cl = na;                    ///< centre line given by the user; NaN = computed
  runs_method method = runs_method::anhoej;
  bool screen_mr = true;  ///< drop moving ranges >= 3.267 * mean MR (Nelson 1982) before sigma
};

/// The input series, as views (nothing is copied).
/// - `y`: the measurement (run, i, mr, t, g), the count (p, pp, c, u, up) or the subgroup mean
///   (xbar, s);
/// - `n`: the denominator (p, pp, u, up; optional for run and i, where y/n is plotted) or the
///   subgroup size (xbar, s);
/// - `sd`: the subgroup standard deviation (xbar, s).
/// Empty spans mean "not given".
struct series_view {
  std::span<const double> y;
  std::span<const double> n = {};
  std::span<const double> sd = {};
};

/// One part of a chart: where it is, its centre line and limits (at its last point), and its
/// runs analysis.
struct part_summary {
  std::int32_t part = 1;     ///< 1-based part number
  std::size_t first = 0;     ///< 0-based position of the first point
  std::size_t last = 0;      ///< 0-based position of the last point (inclusive)
  double cl = na;            ///< centre line (at the last point)
  double lcl = na;           ///< lower 3-sigma limit at the last point
  double ucl = na;           ///< upper 3-sigma limit at the last point
  std::int32_t n_sigma_signals = 0;  ///< points outside the 3-sigma limits
  std::int32_t n_missing = 0;        ///< points with no value (a missing y, or a missing n)
  std::int32_t n_excluded = 0;       ///< points left out of the calculations (`exclude`)
  runs_result runs;
};

/// Mutable views of the per-point outputs, one element per point. Any span may be empty: that
/// column is then not written (the summary-only mode of the batch engine).
struct chart_columns {
  std::span<double> y, cl, lcl, ucl, lcl_95, ucl_95;
  std::span<std::int32_t> part;
  std::span<std::uint8_t> baseline, include, sigma_signal;
};

/// The result of one chart: per-point columns (named as in the golden files) and one summary per
/// part.
struct chart_result {
  chart_type chart = chart_type::run;
  std::vector<double> y;       ///< the plotted statistic (proportion, rate, moving range, sd, ...)
  std::vector<double> cl;      ///< centre line
  std::vector<double> lcl;     ///< lower 3-sigma limit
  std::vector<double> ucl;     ///< upper 3-sigma limit
  std::vector<double> lcl_95;  ///< lower 2-sigma limit
  std::vector<double> ucl_95;  ///< upper 2-sigma limit
  std::vector<std::int32_t> part;        ///< 1-based part of each point
  std::vector<std::uint8_t> baseline;    ///< point is in the baseline (freeze) period
  std::vector<std::uint8_t> include;     ///< point is not excluded
  std::vector<std::uint8_t> sigma_signal;  ///< y strictly outside [lcl, ucl]
  std::vector<part_summary> parts;

  std::size_t size() const noexcept { return y.size(); }
  chart_columns columns() noexcept;
};

namespace detail {
struct chart_scratch {
  std::vector<double> a, b, c;                          // scratch for the chart functions
  std::vector<double> y, cl, lcl, ucl, lcl_95, ucl_95;  // columns the caller did not ask for
  std::vector<std::uint8_t> use, include;
};
}  // namespace detail

/// Scratch memory reused between calls (one per thread in batch work), so that computing many
/// charts allocates nothing after the first few. Opaque: create one and pass it along.
struct workspace {
  detail::chart_scratch scratch;
};

/// Finds the first problem with the series and options, or nothing when they are valid: a
/// negative count, a numerator above its denominator, a non-positive denominator or time, a
/// non-finite value, columns of different lengths, freeze beyond the series, parts not strictly
/// increasing or out of range, an exclude position that does not exist. Missing values (NaN) are
/// not problems.
std::optional<input_error> find_problem(const series_view& series, const chart_options& options);

/// Finds a problem with which inputs are given for a chart type (the chart table's
/// `denominator` and `subgroup_sd`): a denominator missing or not taken, subgroup standard
/// deviations missing or not taken. Front ends call it before reading any data.
std::optional<input_error> check_inputs(const chart_info& chart, bool has_n, bool has_sd);

/// Throws the problem `find_problem` finds, if any.
void validate(const series_view& series, const chart_options& options);

/// Computes a chart: the single entry point (`qic` as in qicharts2).
chart_result qic(const series_view& series, const chart_options& options);

/// The caller-owned form of `qic` (every computation of the library comes in these two forms:
/// `name` returns a new result, `name_into` writes into the caller's memory): the per-point
/// columns into `out` (each span empty = not written, or of the series' size), one summary per
/// part into `parts` (its contents replaced). Validates first (throws `input_error`). Allocates
/// nothing once `ws` and `parts` are warm.
void qic_into(const series_view& series, const chart_options& options, const chart_columns& out,
              std::vector<part_summary>& parts, workspace& ws);

/// Scales the plotted statistic, the centre lines and the limits by `k` (qicharts2's `multiply`:
/// e.g. 100 for percentages, 10000 for rates per 10,000 risk days). For display: every signal and
/// runs analysis is unchanged, since they do not depend on the unit.
void multiply(chart_result& result, double k) noexcept;

/// Convenience overload: `qic(y, n, options)` for charts with a denominator, `qic(y, {}, options)`
/// otherwise.
chart_result qic(std::span<const double> y, std::span<const double> n,
                 const chart_options& options);

}  // namespace spc
