// charts.hpp (internal): one small function per chart type, dispatched from a table.
//
// Each function sees one part of a chart: its raw inputs, the estimation set B (baseline and
// included points; the function itself skips missing values) and the centre line given by the
// user, and writes the plotted statistic, the centre line and the 2- and 3-sigma limits of every
// point of the part.
#pragma once

#include <cstdint>
#include <span>

#include "spc/chart.hpp"

namespace spc::detail {

struct part_input {
  std::span<const double> value;      ///< y as given (count, measurement, subgroup mean)
  std::span<const double> n;          ///< denominator or subgroup size; may be empty
  std::span<const double> sd;         ///< subgroup sd; may be empty
  std::span<const std::uint8_t> use;  ///< 1 = in B (baseline and included)
  double fixed_cl = na;               ///< centre line given by the user, or NaN
  bool screen_mr = true;
};

struct part_output {
  std::span<double> y, cl, lcl, ucl, lcl_95, ucl_95;
};

using chart_function = void (*)(const part_input&, const part_output&, chart_scratch&);

/// One entry of the chart table: the public description and the chart function.
struct chart_entry {
  chart_info info;
  chart_function function = nullptr;
};

/// The chart function for a chart type.
chart_function chart_function_for(chart_type c) noexcept;

/// Median of the non-missing values of `x` where `use` is set (NaN if none). O(n) by selection.
double median_of(std::span<const double> x, std::span<const std::uint8_t> use, std::vector<double>& scratch);

/// Mean moving range of the values where `use` is set, taken over the reduced sequence (a moving
/// range bridges points left out; a missing value makes its two moving ranges missing, and they
/// are dropped). With `screen`, moving ranges >= 3.267 * AMR are dropped and AMR recomputed
/// (Nelson 1982, JQT 14:172). NaN if there is no moving range.
double average_moving_range(std::span<const double> x, std::span<const std::uint8_t> use, bool screen,
                            std::vector<double>& scratch);

}  // namespace spc::detail
