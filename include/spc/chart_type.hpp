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

/// The Shewhart family and the run chart, named as in qicharts2's `qic(chart = ...)`, then the
/// sequential charts (spc/sequential.hpp).
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
  g,     ///< opportunities between rare events (geometric); the last Shewhart chart
  // The sequential charts: computed by spc/sequential.hpp, not by spc::qic.
  cusum,      ///< tabular CUSUM of a measurement (Page 1954)
  ewma,       ///< exponentially weighted moving average (Roberts 1959)
  bernoulli,  ///< Bernoulli CUSUM of 0/1 outcomes against one baseline rate (Neuburger et al. 2017)
  racusum,    ///< risk-adjusted CUSUM of 0/1 outcomes (Steiner et al. 2000)
  vlad,       ///< variable life-adjusted display (Lovegrove et al. 1997); keep last (chart_type_count)
};

inline constexpr std::size_t chart_type_count = static_cast<std::size_t>(chart_type::vlad) + 1;
/// The run chart and the Shewhart charts come first in the enum: chart types 0 .. this - 1.
inline constexpr std::size_t shewhart_chart_count = static_cast<std::size_t>(chart_type::g) + 1;

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
  binary,       ///< y is 0 or 1: one patient's outcome (1 = the adverse event)
};

/// Which engine computes a chart: spc::qic (chart.hpp) or the sequential charts' functions
/// (sequential.hpp), whose recursions carry evidence from point to point.
enum class chart_family : std::uint8_t {
  shewhart,    ///< the run chart and the Shewhart charts: parts, freeze, exclude, cl, runs, rules
  sequential,  ///< cusum, ewma, bernoulli, racusum, vlad
};

/// The parameters of the sequential charts, as bits of chart_info::parameters: which of them a
/// chart reads. The front ends refuse a parameter the chart does not read, with its name.
enum class chart_parameter : std::uint8_t {
  target,      ///< in-control mean mu0 (cusum, ewma)
  sigma,       ///< in-control standard deviation (cusum, ewma)
  freeze,      ///< baseline points 1..N for the estimated parameters
  screen,      ///< screening of the baseline's moving ranges (Nelson 1982)
  k,           ///< CUSUM reference value, in sigma
  h,           ///< CUSUM decision interval (cusum: in sigma; racusum: in log-likelihood units)
  headstart,   ///< CUSUM fast initial response (Lucas & Crosier 1982), in sigma
  reset,       ///< restart a CUSUM side after its signal
  lambda,      ///< EWMA weight
  L,           ///< EWMA limit width, in sigma of the EWMA
  asymptotic,  ///< EWMA limits at their steady state
  p0,          ///< Bernoulli CUSUM baseline risk
  odds_ratio,  ///< Bernoulli CUSUM odds ratio to detect
  limit,       ///< Bernoulli CUSUM decision limit
  ra,          ///< RA-CUSUM odds ratio under the alternative
  r0,          ///< RA-CUSUM odds ratio in control
};
inline constexpr std::size_t chart_parameter_count = static_cast<std::size_t>(chart_parameter::r0) + 1;

/// The bit of a parameter in chart_info::parameters.
constexpr std::uint32_t parameter_bit(chart_parameter p) noexcept { return std::uint32_t{1} << static_cast<unsigned>(p); }

/// How rows that share an x (the same month, the same subgroup) become one point.
enum class row_aggregation : std::uint8_t {
  mean,      ///< the mean of y (and of n) over the rows (qicharts2's default agg.fun)
  sum,       ///< counts and denominators summed (qicharts2 sums the attribute charts' y and n)
  subgroup,  ///< the rows are the measurements of one subgroup: mean, size and sd (xbar, s)
  each_row,  ///< every row is one point, in file order (the sequential charts: one period or patient)
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
  /// The chart has 3-sigma limits (every chart but the run chart); for the sequential charts:
  /// decision limits (every one but VLAD).
  bool has_limits = true;
  chart_family family = chart_family::shewhart;
  /// Reads a predicted risk per point, in (0, 1) (racusum, vlad).
  bool reads_risk = false;
  /// The sequential parameters the chart reads (parameter_bit of each); 0 for the Shewhart charts,
  /// whose options are chart_options.
  std::uint32_t parameters = 0;

  bool reads(chart_parameter p) const noexcept { return (parameters & parameter_bit(p)) != 0; }
  bool sequential() const noexcept { return family == chart_family::sequential; }
};

/// The description of a chart type.
const chart_info& info(chart_type c) noexcept;
/// Every chart type's description, in the order of the enum.
std::span<const chart_info> chart_table() noexcept;

/// The name used on the command line and in the golden files ("run", "i", ..., "g").
std::string_view to_string(chart_type c) noexcept;
/// Parses a chart name; returns nothing for an unknown name.
std::optional<chart_type> parse_chart_type(std::string_view name) noexcept;

/// The name of a parameter as the library's option structs spell it ("target", "k", "lambda",
/// "odds_ratio", ...).
std::string_view to_string(chart_parameter p) noexcept;

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
