// cli/arl_command.hpp: `spc arl`: the average run length of a CUSUM or EWMA chart at given
// shifts, or its threshold (h or L) for an in-control ARL (spc/arl.hpp; sequential.md §9.2).
//
//   spc arl --chart cusum --k K (--h H | --arl0 A) [--sided two|one] [--headstart HS]
//           [--shift D,D,...] [--nodes N] [--output FILE]
//   spc arl --chart ewma --lambda LAMBDA (--L L | --arl0 A) [--sided two] [--shift D,D,...]
//           [--nodes N] [--output FILE]
//
// One CSV row per shift: chart, sided, k, h, headstart, shift, arl (cusum) or chart, sided,
// lambda, L, shift, arl (ewma); with --arl0, h (or L) is the critical value found.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace spc::cli {

/// The options of `spc arl`, as given.
struct arl_command {
  std::string chart;
  std::string sided = "two";
  std::optional<double> k, h, headstart, lambda, L, arl0;
  std::vector<std::string> shift;  ///< checked as numbers after parsing (a message naming --shift)
  std::optional<int> nodes;
  std::string output;
};

/// Adds the subcommand `arl` to the tool.
CLI::App* add_arl_command(CLI::App& app, arl_command& cmd);

/// Runs `spc arl`; returns the exit code. Throws usage_error for a problem with the options.
int run_arl(const arl_command& cmd);

}  // namespace spc::cli
