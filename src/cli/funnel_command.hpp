// cli/funnel_command.hpp: `spc funnel`: funnel plots from a CSV file, one funnel per --by group
// (docs/cli.md §9, docs/funnel.md).
//
//   options (checked before reading, the library's find_problem)  ->  read and group
//   (series_table.hpp: one series per --by group, the --unit column as the labels)  ->  rows of a
//   unit summed, funnels in parallel (spc::funnel_batch)  ->  problems in the user's terms (group,
//   unit, rows, column)  ->  the unit and summary CSVs (io::output_file, whole or not at all)  ->
//   the report for people (with --output FILE)
//
// Any problem fails the whole command: nothing is written, and the message names the group, the
// unit (with its rows), the column and the value, or the option.
#pragma once

#include <optional>
#include <string>

#include "options.hpp"

namespace spc::cli {

/// Every option of `spc funnel`, as given on the command line.
struct funnel_command {
  /// What the pipeline's reader reads, in its terms: --input, --by, the unit column (as its x),
  /// --y, --n and the dialect (--sep, --decimal, --encoding); and the outputs (--output, --summary).
  command read;
  std::string type;
  std::optional<double> target;
  std::string overdispersion = "auto";
  std::string sr_method;  ///< "" = not given (shmi for sr)
  std::string compat;     ///< "" or "funnelplotr"

  const std::string& unit() const noexcept { return read.x; }
};

/// Adds the `funnel` subcommand and its options (bound to `cmd`) to `app`.
CLI::App* add_funnel_command(CLI::App& app, funnel_command& cmd);

/// Runs a parsed `spc funnel`; returns the exit code. Throws usage_error, data_error and
/// io::csv_error for problems the caller reports (cli/commands.cpp).
int run_funnel(const funnel_command& cmd);

}  // namespace spc::cli
