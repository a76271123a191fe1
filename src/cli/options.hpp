// cli/options.hpp: the options of `spc chart` and `spc batch`, defined once.
//
// The two commands are one pipeline (cli/pipeline.hpp) and take the same options; `spc batch`
// adds the group columns (--by) and --threads. Each option is defined once (add_options), checked
// once (check_command, before any data is read) and turned into the library's options once
// (`request`). Chart facts (which charts take --n or --sd, their names and descriptions in the
// help) come from the library's chart table (spc/chart_type.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "io/csv_reader.hpp"
#include "spc/chart.hpp"
#include "spc/mdc.hpp"
#include "spc/phases.hpp"
#include "spc/rules.hpp"
#include "spc/sequential.hpp"

namespace CLI {
class App;
}

namespace spc::cli {

/// Exit codes: 0 success, 1 a problem with the data (a file, a row, a cell), 2 a problem with the
/// command line (an unknown or missing option, a value out of range for the data given).
inline constexpr int exit_ok = 0;
inline constexpr int exit_data_error = 1;
inline constexpr int exit_usage_error = 2;

/// A problem with the command line found after parsing; the message names the option.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A problem with the data, already worded for the user (file, row, column).
class data_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Every option of `spc chart` and `spc batch`, as given on the command line.
struct command {
  // Input
  std::string input;            ///< CSV file; "-" = standard input
  std::vector<std::string> by;  ///< spc batch: the columns naming the series
  std::string x, y, n, sd;      ///< label / value / denominator / subgroup-sd columns ("" = none)
  std::string sep;              ///< field separator: "," ";" "tab" "|"; "" = detected from the header
  std::string decimal = ".";    ///< decimal mark of the input's numbers: "." or ","
  std::string encoding = "utf-8";
  // Chart
  std::string chart;
  std::string method = "anhoej";
  bool no_screen = false, screen = false;
  // Baseline
  std::size_t freeze = 0;
  std::vector<std::size_t> parts, exclude;
  double cl = std::numeric_limits<double>::quiet_NaN();
  // Display
  double multiply = 1.0;
  // Rules and the Making Data Count mode
  std::string rules, improvement, two_in_three;
  double target = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::size_t> rebase;
  std::optional<std::size_t> fix_after;
  std::optional<std::int32_t> trend_points, shift_points;
  // Automatic phases (--phases auto); empty / nullopt = not given
  std::string phases, phase_method, direction;
  std::optional<int> min_phase, runlength, med_rows;
  std::optional<double> alpha;
  // Output
  std::string output, summary;
  int threads = 0;
  // The sequential charts (cusum, ewma, bernoulli, racusum, vlad); --target above is also theirs.
  // Not given = the library's default (spc/sequential.hpp).
  std::string risk;  ///< column of predicted risks (racusum, vlad)
  std::optional<double> sigma, k, h, headstart, lambda, L, p0, odds_ratio, limit, ra, r0;
  bool reset = false, no_reset = false, asymptotic = false;
  /// The long names of the options given on the command line ("k", "no-reset", ...), for the
  /// checks that depend on whether an option was given rather than on its value.
  std::vector<std::string> given;
  bool was_given(std::string_view option) const;
};

/// Registers every option on a subcommand; `grouped` adds --by and --threads (spc batch).
void add_options(CLI::App* sub, command& cmd, bool grouped);
/// Registers the input's dialect options (--sep, --decimal, --encoding) on a subcommand (part of
/// add_options; spc funnel reads its file the same way).
void add_dialect_options(CLI::App* sub, command& cmd);

/// What a checked command line asks for, in the library's terms.
struct request {
  chart_type chart = chart_type::run;
  const chart_info* info = nullptr;
  io::csv_dialect dialect;        ///< of the input (separator 0: detected)
  chart_options options;          ///< freeze, parts, exclude, cl, method, screening
  rule_options rules;             ///< rules.rules == 0: no --rules
  std::optional<mdc_options> mdc; ///< the Making Data Count mode (--chart i --rules mdc)
  /// A sequential chart (spc/sequential.hpp): its options; the Shewhart fields above are unused.
  std::optional<sequential_options> sequential;
  std::optional<phase_options> phases;  ///< automatic phases (--phases auto)
  bool raw_subgroups = false;     ///< xbar / s without --sd: one row per measurement, grouped by x
  /// With --x, the rows of a series become points by their x (ordered, rows sharing an x combined).
  /// spc funnel turns this off: its --x is the unit, whose rows the library sums, in file order.
  bool points_by_x = true;
  bool grouped = false;           ///< spc batch
  bool per_point = true;          ///< the per-point output is asked for
  bool report = false;            ///< print the report for people (spc chart --output FILE)

  bool any_rules() const noexcept { return rules.rules != 0; }
};

/// Checks the options against each other and the chart table before anything is read; throws
/// usage_error naming the option.
request check_command(const command& cmd, bool grouped);

/// The input's dialect from --sep, --decimal and --encoding; throws usage_error naming the option.
io::csv_dialect check_dialect(const command& cmd);

/// Checks --output and --summary against each other (one of them at most on standard output; with
/// one output per row on standard output, `spc chart` needs --output FILE for `--summary -`;
/// different files); `rows` names the rows of --output in the message ("points", "units").
void check_outputs(const command& cmd, bool grouped, std::string_view rows = "points");

/// The command-line option behind an argument of the library's input_error ("freeze" ->
/// "freeze", "fix_after_n_points" -> "fix-after", "mdc.trend" -> "trend-points", "odds_ratio"
/// -> "or", "min_phase" -> "min-phase"), or "" when the argument is a data column (y, n, sd, risk).
std::string_view option_of(std::string_view argument) noexcept;

/// The names of the rules in a mask, in precedence order, joined by `separator`.
std::string rule_list_text(rule_mask mask, std::string_view separator);

}  // namespace spc::cli
