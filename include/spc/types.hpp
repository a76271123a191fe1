// spc/types.hpp: vocabulary shared by every part of the library: chart types, runs-analysis
// methods, missing values and the error policy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace spc {

/// A missing number. Missing values are data (a gap in the series), never an error.
inline constexpr double na = std::numeric_limits<double>::quiet_NaN();

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
  g,     ///< opportunities between rare events (geometric)
};

inline constexpr std::size_t chart_type_count = 12;

/// The name used on the command line and in the golden files ("run", "i", ..., "g").
std::string_view to_string(chart_type c) noexcept;
/// Parses a chart name; returns nothing for an unknown name.
std::optional<chart_type> parse_chart_type(std::string_view name) noexcept;

/// Whether the chart reads a denominator (p, pp, u, up) or a subgroup size (xbar, s).
constexpr bool needs_denominator(chart_type c) noexcept {
  return c == chart_type::p || c == chart_type::pp || c == chart_type::u || c == chart_type::up ||
         c == chart_type::xbar || c == chart_type::s;
}
/// Whether the chart reads a subgroup standard deviation (xbar, s).
constexpr bool needs_subgroup_sd(chart_type c) noexcept {
  return c == chart_type::xbar || c == chart_type::s;
}

/// How runs analysis decides whether a part shows a shift.
enum class runs_method : std::uint8_t {
  anhoej,   ///< Anhøj rules: longest run and crossings against their limits
  bestbox,  ///< Anhøj & Wentzel-Larsen 2020 best box (10..100 useful points; Anhøj otherwise)
  cutbox,   ///< the same with the box corner cut
};

std::string_view to_string(runs_method m) noexcept;
std::optional<runs_method> parse_runs_method(std::string_view name) noexcept;

/// The error policy: bad input throws `spc::input_error`, which names the argument (e.g. "y",
/// "n", "freeze"), the 0-based position when the problem is one value (or `npos`), and the
/// problem. Front ends (CLI, Python) translate the argument and position into their own terms:
/// a CSV row and column, a DataFrame index.
class input_error : public std::invalid_argument {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  input_error(std::string argument, std::size_t index, std::string problem);

  const std::string& argument() const noexcept { return argument_; }
  std::size_t index() const noexcept { return index_; }
  const std::string& problem() const noexcept { return problem_; }

 private:
  std::string argument_;
  std::size_t index_;
  std::string problem_;
};

}  // namespace spc
