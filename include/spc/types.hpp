// spc/types.hpp: vocabulary shared by every part of the library: missing values, runs-analysis
// methods and the error policy (the chart types are in spc/chart_type.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "spc/chart_type.hpp"

namespace spc {

/// A missing number. Missing values are data (a gap in the series), never an error.
inline constexpr double na = std::numeric_limits<double>::quiet_NaN();

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
