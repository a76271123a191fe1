// spc/chart_type.hpp: the chart types and what each one is: its name and title, the inputs it
// reads, the values it accepts and how rows that share an x are combined.
//
// This is the one description of a chart type. The library's validation, the command line's
// option checks and help texts, and the Python package (through `spc._core.chart_table()`) all
// read it; adding a chart type is one entry of the table in src/charts.cpp (a `switch` over the
// enum, so that the compiler reports a missing entry) plus its chart function and its tests
// (docs/architecture.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace spc {

/// The Shewhart family and the run chart, named as in qicharts2's `qic(chart = ...)`.
enum class chart_type : std::uint8_t {
  run,   ///< run chart: median centre line, no limits
  i,     ///< individuals (XmR) chart
  mr,    ///< moving-range chart
  xbar,  ///< subgroup means
  s,     ///< subgroup standard deviations
  t,     ///< time between rare events (Nelson's 1/3.6 power transform)
  p,     ///< proportions
  pp,    ///< Laney P' (proportions with between-subgroup variation)
  c,     ///< counts
  u,     ///< rates per unit of exposure
  up,    ///< Laney U'
  g,     ///< opportunities between rare events (geometric); keep last (chart_type_count)
};

inline constexpr std::size_t chart_type_count = static_cast<std::size_t>(chart_type::g) + 1;

/// Whether a chart reads a denominator (`n`).
enum class denominator_use : std::uint8_t {
  none,      ///< never: giving one is an error (c, mr, t, g)
  optional,  ///< y / n is charted when n is given (run, i)
  required,  ///< the denominator of a proportion or rate (p, pp, u, up) or the subgroup size
             ///< (xbar, s)
};

/// The values y may take (besides missing values, which are gaps in every chart).
enum class value_domain : std::uint8_t {
  any,          ///< any finite number
  nonnegative,  ///< y >= 0 (counts, opportunities between events)
  positive,     ///< y > 0 (times between events)
};

/// How rows that share an x (the same month, the same subgroup) become one point.
enum class row_aggregation : std::uint8_t {
  mean,      ///< the mean of y (and of n) over the rows (qicharts2's default agg.fun)
  sum,       ///< counts and denominators summed (qicharts2 sums the attribute charts' y and n)
  subgroup,  ///< the rows are the measurements of one subgroup: mean, size and sd (xbar, s)
};

/// What a chart type is and accepts. Messages are built from `noun` and the names here, so
/// that every front end words a refusal the same way.
struct chart_info {
  chart_type type = chart_type::run;
  std::string_view name;         ///< "run", "i", ..., "g": the command line's and golden files'
  std::string_view title;        ///< "P chart", "P' chart", ... for reports
  std::string_view description;  ///< one line for help texts: "proportions"
  denominator_use denominator = denominator_use::none;
  bool subgroup_sd = false;  ///< reads subgroup standard deviations (xbar, s)
  value_domain y_domain = value_domain::any;
  std::string_view y_noun;   ///< what y is, for messages: "a count", "the time between events"
  bool y_at_most_n = false;  ///< y is a numerator: at most its denominator (p, pp)
  row_aggregation aggregation = row_aggregation::mean;
  /// Whether the runs analysis may signal: moving ranges are autocorrelated, so a run-chart
  /// reading of an MR chart means nothing (qicharts2 reports the numbers but never signals).
  bool runs_signal = true;
  /// The chart has 3-sigma limits (every chart but the run chart).
  bool has_limits = true;
};

/// The description of a chart type.
const chart_info& info(chart_type c) noexcept;
/// Every chart type's description, in the order of the enum.
std::span<const chart_info> chart_table() noexcept;

/// The name used on the command line and in the golden files ("run", "i", ..., "g").
std::string_view to_string(chart_type c) noexcept;
/// Parses a chart name; returns nothing for an unknown name.
std::optional<chart_type> parse_chart_type(std::string_view name) noexcept;

/// Whether the chart always reads a denominator (p, pp, u, up) or a subgroup size (xbar, s).
inline bool needs_denominator(chart_type c) noexcept {
  return info(c).denominator == denominator_use::required;
}
/// Whether the chart reads a subgroup standard deviation (xbar, s).
inline bool needs_subgroup_sd(chart_type c) noexcept { return info(c).subgroup_sd; }
/// Whether the chart may be given a denominator at all (required or optional).
inline bool takes_denominator(chart_type c) noexcept {
  return info(c).denominator != denominator_use::none;
}

}  // namespace spc
