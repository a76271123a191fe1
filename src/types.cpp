#include "spc/types.hpp"

#include <array>

#include <fmt/format.h>

namespace spc {

namespace {
constexpr std::array<std::string_view, 3> method_names = {"anhoej", "bestbox", "cutbox"};

std::string describe(const std::string& argument, std::size_t index, const std::string& problem) {
  if (index == input_error::npos) return fmt::format("{}: {}", argument, problem);
  return fmt::format("{} at point {}: {}", argument, index + 1, problem);
}
}  // namespace

std::string_view to_string(runs_method m) noexcept { return method_names[static_cast<std::size_t>(m)]; }

std::optional<runs_method> parse_runs_method(std::string_view name) noexcept {
  for (std::size_t k = 0; k < method_names.size(); ++k)
    if (method_names[k] == name) return static_cast<runs_method>(k);
  return std::nullopt;
}

input_error::input_error(std::string argument, std::size_t index, std::string problem)
    : std::invalid_argument(describe(argument, index, problem)),
      argument_(std::move(argument)),
      index_(index),
      problem_(std::move(problem)) {}

}  // namespace spc
