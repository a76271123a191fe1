// cli/layout.hpp: the columns of the pipeline's two outputs, each defined once.
//
// Per point (--output): the --by columns, i, x (with --x), then
//   part, baseline, include, y, cl, lcl, ucl, lcl_95, ucl_95, sigma_signal, and the runs analysis
//   of the point's part (n_obs, n_useful, longest_run, longest_run_max, n_crossings,
//   n_crossings_min, runs_signal);
//   or, in the Making Data Count mode: period, baseline, y, cl, lcl, ucl, special_cause,
//   point_type;
//   then with --rules one true/false column per rule that fired anywhere in the written series and
//   `rule` (the highest-precedence rule at the point).
// Per part (--summary): the --by columns, part, first, last, x_first and x_last (with --x), then
//   n_points, n_missing, n_excluded, cl, lcl, ucl, n_sigma_signals, last_y, last_sigma_signal, the
//   runs analysis, and with --rules the rule summary, last_rule and variation;
//   or, in the Making Data Count mode, per period: n_points, n_missing, cl, lcl, ucl, amr, the
//   point-type counts, variation, target, assurance, trial_limits, and the rule summary;
//   then, with --by, `error` (empty, or why the series could not be charted).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/csv_writer.hpp"
#include "options.hpp"
#include "series_table.hpp"
#include "spc/batch.hpp"

namespace spc::cli {

/// What the writers need: the command, its request, the input and the results.
struct output_context {
  const command& cmd;
  const request& req;
  const series_table& table;
  const batch_result& result;
  std::vector<std::uint8_t> failed;  ///< per series: not charted (nothing per point is written)
  std::vector<std::string> errors;   ///< per series: why, in the user's terms, or ""
  std::vector<rule> shown;           ///< the rules with a column of their own
};

/// The rules that fired anywhere in the series that were charted, in precedence order.
std::vector<rule> rules_shown(const output_context& out);

/// Writes the per-point output into `file` (the caller commits it, once every output is written).
void write_points(const output_context& out, io::output_file& file, int threads);
/// Writes the summary into `file`.
void write_summary(const output_context& out, io::output_file& file, int threads);

}  // namespace spc::cli
