#include "spc/subgroups.hpp"

#include <cmath>

#include "spc/types.hpp"

namespace spc {

subgroup_summary summarise_subgroups(std::span<const double> values, std::span<const std::size_t> subgroup,
                                     std::size_t subgroups) {
  if (values.size() != subgroup.size())
    throw input_error("subgroup", input_error::npos, "must have one subgroup per measurement");
  subgroup_summary s;
  s.mean.assign(subgroups, 0.0);
  s.size.assign(subgroups, 0.0);
  s.sd.assign(subgroups, 0.0);
  for (std::size_t k = 0; k < values.size(); ++k) {
    if (subgroup[k] >= subgroups)
      throw input_error("subgroup", k, "subgroup index is beyond the number of subgroups");
    if (std::isnan(values[k])) continue;
    s.mean[subgroup[k]] += values[k];
    s.size[subgroup[k]] += 1;
  }
  for (std::size_t g = 0; g < subgroups; ++g) s.mean[g] = s.size[g] > 0 ? s.mean[g] / s.size[g] : na;
  for (std::size_t k = 0; k < values.size(); ++k) {
    if (std::isnan(values[k])) continue;
    const double d = values[k] - s.mean[subgroup[k]];
    s.sd[subgroup[k]] += d * d;
  }
  for (std::size_t g = 0; g < subgroups; ++g) {
    s.sd[g] = s.size[g] > 1 ? std::sqrt(s.sd[g] / (s.size[g] - 1)) : na;
    if (s.size[g] == 0) s.size[g] = na;
  }
  return s;
}

}  // namespace spc
