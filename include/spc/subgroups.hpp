// spc/subgroups.hpp: from raw measurements to subgroup summaries for Xbar and S charts.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace spc {

/// Per-subgroup mean, size (number of non-missing measurements) and sample standard deviation
/// (n - 1 denominator; missing for a subgroup of one). A subgroup whose measurements are all
/// missing has a missing mean and size, so it is a gap in the chart.
struct subgroup_summary {
  std::vector<double> mean, size, sd;
};

/// Summarises `values` by subgroup: `subgroup[k]` is the 0-based subgroup of measurement k (any
/// order; e.g. the order of first appearance of the subgroup labels), `subgroups` the number of
/// subgroups. Missing measurements (NaN) are ignored. Two passes, for the accuracy of R's sd().
subgroup_summary summarise_subgroups(std::span<const double> values, std::span<const std::size_t> subgroup,
                                     std::size_t subgroups);

}  // namespace spc
