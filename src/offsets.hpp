// offsets.hpp (internal): the check of a batch's group boundaries, shared by the batch engines
// (charts, sequential charts, funnels).
#pragma once

#include <cstddef>
#include <span>

#include <fmt/format.h>

#include "spc/types.hpp"

namespace spc::detail {

/// Checks that `offsets` are boundaries of groups: at least one, the first 0, none decreasing,
/// and (unless `rows` is input_error::npos) the last equal to `rows`. `groups` names the count in
/// the message ("S" series, "F" funnels). Throws input_error("offsets", ...).
inline void check_offsets(std::span<const std::size_t> offsets, std::size_t rows, char groups = 'S') {
  if (offsets.empty())
    throw input_error("offsets", input_error::npos, fmt::format("needs {}+1 boundaries (at least one: 0)", groups));
  if (offsets.front() != 0)
    throw input_error("offsets", 0, fmt::format("the first boundary must be 0, not {}", offsets.front()));
  for (std::size_t s = 1; s < offsets.size(); ++s)
    if (offsets[s] < offsets[s - 1])
      throw input_error("offsets", s, fmt::format("boundaries must not decrease ({} after {})", offsets[s], offsets[s - 1]));
  if (rows != input_error::npos && offsets.back() != rows)
    throw input_error("offsets", offsets.size() - 1,
                      fmt::format("the last boundary must be the number of rows, {}, not {}", rows, offsets.back()));
}

}  // namespace spc::detail
