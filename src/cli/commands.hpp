// cli/commands.hpp: the subcommands of the `spc` command-line tool.
//
// Every subcommand is three things: a struct holding its options (filled in by CLI11), an
// `add_*_command` function that registers the subcommand and its options on the application, and
// a `run_*` function that does the work once the command line has been parsed. `run` (called by
// main) builds the application, parses and dispatches, and turns every error into a message on
// standard error and an exit code. A new subcommand (e.g. `spc batch`) adds its own trio and one
// line of dispatch in `run`; new options of `spc chart` are new members of `chart_command`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "spc/chart.hpp"

namespace CLI {
class App;
}

namespace spc::cli {

/// Exit codes: 0 success, 1 a problem with the data (a file, a row, a cell), 2 a problem with the
/// command line (an unknown or missing option, a value out of range for the data given).
inline constexpr int exit_ok = 0;
inline constexpr int exit_data_error = 1;
inline constexpr int exit_usage_error = 2;

/// A problem with the command line found after parsing (e.g. a P chart without --n). The
/// message names the option; the exit code is `exit_usage_error`.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A problem with the data found by a subcommand (a row, a column, a subgroup), already worded
/// for the user. The exit code is `exit_data_error`.
class data_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The options of `spc chart`, as given on the command line (column names, 1-based positions).
struct chart_command {
  std::string chart;                 ///< run, i, mr, xbar, s, t, p, pp, c, u, up, g
  std::string input;                 ///< CSV file; "-" = standard input
  std::string x;                     ///< label column (xbar/s: the subgroup column); "" = none
  std::string y;                     ///< value column
  std::string n;                     ///< denominator / subgroup-size column; "" = none
  std::string sd;                    ///< subgroup standard-deviation column (xbar/s); "" = none
  std::size_t freeze = 0;            ///< last point of the baseline; 0 = no freeze
  std::vector<std::size_t> parts;    ///< split after these positions
  std::vector<std::size_t> exclude;  ///< positions left out of the calculations
  double cl = std::numeric_limits<double>::quiet_NaN();  ///< given centre line; NaN = computed
  std::string method = "anhoej";    ///< runs-analysis method
  double multiply = 1.0;             ///< scales y, centre line and limits for display
  bool no_screen = false;            ///< keep large moving ranges in the I chart's sigma
  bool screen = false;               ///< --screen: screening asked for explicitly (the default)
  std::string output;                ///< output CSV; "" = standard output (and no summary)
  std::string summary;               ///< --summary: one CSV row per part or period; "" = none

  // Special-cause rules and the NHS "Making Data Count" (MDC) mode (`--chart i --rules mdc`).
  std::string rules;                 ///< rule sets and single rules, comma-separated; "" = none
  std::string improvement;           ///< MDC mode: increase, decrease, neutral; "" = not given
  double target = std::numeric_limits<double>::quiet_NaN();  ///< MDC mode: target; NaN = none
  std::vector<std::size_t> rebase;   ///< MDC mode: positions where a new period starts
  std::optional<std::size_t> fix_after;      ///< MDC mode: first N points of a period fix limits
  std::string two_in_three;                  ///< MDC rule variant; "" = not given (band_only)
  std::optional<std::int32_t> trend_points;  ///< MDC trend length (7 or 6); none = 7
  std::optional<std::int32_t> shift_points;  ///< MDC shift length (7 or 6); none = 7
};

/// The library's chart options from the command line's (shared by `spc chart` and `spc batch`).
chart_options chart_options_of(const chart_command& cmd, chart_type chart, runs_method method);

/// Adds `--multiply` (shared by `spc chart` and `spc batch`) to a subcommand.
void add_multiply_option(CLI::App* sub, chart_command& cmd);

/// Registers `spc chart` on `app`; the parsed options land in `cmd`.
CLI::App* add_chart_command(CLI::App& app, chart_command& cmd);

/// Runs `spc chart`: reads the CSV, computes the chart (with --rules, the rule sets on each part;
/// with `--chart i --rules mdc`, the Making Data Count chart instead), writes one CSV row per
/// point, with --summary one CSV row per part or period and, when the points go to a file, a
/// short report per part to standard output (docs/cli.md). Throws usage_error,
/// data_error or spc::io::csv_error on bad input (the library's spc::input_error is translated
/// into the CSV's rows and columns or the command line's options); returns the exit code.
int run_chart(const chart_command& cmd);

/// The whole tool: parses `argv`, runs the subcommand, reports errors. Returns the exit code.
int run(int argc, char** argv);

// --- spc batch (batch_command.cpp) -------------------------------------------------------------

/// What `spc batch` does, for the help of `spc` and of `spc batch`.
inline constexpr const char* batch_description =
    "Compute one chart per series of a long-format CSV file (one row per point; the --by columns "
    "name the series), in parallel: one output row per point and one summary row per series and "
    "part; optionally special-cause rule sets (--rules) or the NHS Making Data Count mode "
    "(--chart i --rules mdc).";

/// The options of `spc batch`: those of `spc chart` and the columns naming the series.
struct batch_command : chart_command {
  std::vector<std::string> by;  // group columns
  int threads = 0;              // 0 = all cores
};

/// Adds the `batch` subcommand to `app`, its options bound to `cmd`.
CLI::App* add_batch_command(CLI::App& app, batch_command& cmd);

/// Runs `spc batch`: one chart per series of a long-format CSV file (docs/batch.md). Throws as
/// run_chart does; returns the exit code (1 when any series had bad data).
int run_batch(const batch_command& cmd);

}  // namespace spc::cli
