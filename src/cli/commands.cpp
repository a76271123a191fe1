// The subcommands of `spc`, their help texts, and the one place where errors become messages and
// exit codes (commands.hpp).
#include "commands.hpp"

#include <cstdio>
#include <new>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "arl_command.hpp"
#include "funnel_command.hpp"
#include "io/csv_reader.hpp"
#include "options.hpp"
#include "pipeline.hpp"
#include "spc/version.hpp"

namespace spc::cli {

namespace {

constexpr const char* chart_description =
    "Compute one control chart or run chart from a CSV file: centre line, 3- and 2-sigma limits, sigma "
    "signals and the runs analysis of each part, one output row per point; optionally special-cause rule "
    "sets (--rules) or the NHS Making Data Count mode (--chart i --rules mdc). Or a sequential chart (--chart "
    "cusum, ewma, bernoulli, racusum, vlad; the Sequential options).";

constexpr const char* batch_description =
    "Compute one chart per series of a long-format CSV file (one row per point; the --by columns name the "
    "series), in parallel: one output row per point and one summary row per series and part; optionally "
    "special-cause rule sets (--rules) or the NHS Making Data Count mode (--chart i --rules mdc). Or a "
    "sequential chart per series (--chart cusum, ewma, bernoulli, racusum, vlad).";

// The outputs, described once for both commands (the columns are those of layout.hpp).
constexpr const char* output_footer =
    "Per-point output: {by}i (position in the series), x (with --x), part, baseline, include, y, cl, lcl, "
    "ucl, lcl_95, ucl_95, sigma_signal, then the runs analysis of the point's part: n_obs, n_useful, "
    "longest_run, longest_run_max, n_crossings, n_crossings_min, runs_signal. With --rules: one true/false "
    "column per rule that fired anywhere (named as the rule: sigma3, we1..we4, nelson1..nelson8, ihi_shift, "
    "ihi_trend, ihi_few_runs, ihi_many_runs, anhoej_run, anhoej_crossings, mdc_beyond, mdc_trend, "
    "mdc_two_in_three, mdc_shift; a series-level rule is true on every point of its part), then 'rule', the "
    "highest-precedence rule at the point or none. Positions count from 1. Booleans are true/false; a "
    "missing number is an empty cell.\n\n"
    "Summary (--summary): {by}part, first, last, x_first, x_last (with --x), n_points, n_missing, "
    "n_excluded, cl, lcl, ucl (at the part's last point), n_sigma_signals, last_y, last_sigma_signal, the "
    "runs analysis; with --rules rule_points, rules_fired, one column per rule evaluated (the IHI runs "
    "count with ihi), then last_rule and variation (of the part's last point with a value: common_cause, "
    "special_cause_high, special_cause_low or special_cause); with --phases auto (also in the Making Data "
    "Count mode) reason (start, shift_up or shift_down), evidence_first, evidence_last, statistic, limit and "
    "note: why the part starts where it does (docs/phases.md){error}.\n\n"
    "Making Data Count mode (--chart i --rules mdc --improvement DIRECTION; as NHSRplotthedots ptd_spc): "
    "an XmR chart with mean +- 2.66 x mean moving range per period (screened moving ranges unless "
    "--no-screen), the MDC rules, and per point {by}i, x, period, baseline, y, cl, lcl, ucl, special_cause "
    "(none, above_ucl, below_lcl, trend_increasing, trend_decreasing, two_in_three_above, "
    "two_in_three_below, shift_above, shift_below), point_type (common_cause, improvement, concern, "
    "neutral_high, neutral_low), then the rule columns. Other rule sets given with mdc (e.g. --rules "
    "mdc,we) are evaluated on the MDC chart's own mean and limits. The summary gives per period: period, "
    "first, last, n_points, n_missing, cl, lcl, ucl, amr, the point-type counts, variation (the last "
    "point's type), target, assurance (empty without a target), trial_limits (fewer than 13 points) and the "
    "rule columns{error}. --freeze, --parts, --exclude, --cl and --method do not apply there; use "
    "--fix-after and --rebase.\n\n"
    "Sequential charts (docs/sequential.md), per point {by}i, x (with --x), then: cusum y, target, sigma, "
    "cusum_upper, cusum_lower (<= 0), ucl, lcl, signal_upper, signal_lower; ewma y, target, sigma, ewma, cl, "
    "lcl, ucl, signal; bernoulli y, p0, p1, p2, w_upper, w_lower, s_upper, s_lower (<= 0), ucl, lcl, "
    "signal_upper, signal_lower; racusum y, risk, w, cusum, ucl, signal; vlad y, risk, vlad. A missing value "
    "is a gap (empty statistics, no signal); the statistic at a signal is the value that crossed, and with "
    "reset (the default) the next point restarts that side. The summary gives per series n_points, "
    "n_missing, the parameters used (and whether estimated), the signals per side and the first signal of "
    "each{error}. --parts, --exclude, --cl, --rules, --method, --multiply and the Making Data Count options "
    "do not apply.\n\n";

constexpr const char* chart_examples =
    "Examples: infections per risk day, the first 24 months as the baseline:\n"
    "  spc chart --chart u --input cdi.csv --x month --y n --n days --freeze 24 --output u.csv\n"
    "Making Data Count, higher is better, a target of 0.95 and a new period at week 14:\n"
    "  spc chart --chart i --rules mdc --improvement increase --target 0.95 --rebase 14 \\\n"
    "    --input nhs_accidents.csv --x i --y r --n n --output mdc.csv --summary periods.csv\n"
    "The Western Electric and Nelson rules on a P chart:\n"
    "  spc chart --chart p --rules we,nelson --input nhs_accidents.csv --y r --n n\n"
    "A Bernoulli CUSUM of deaths after surgery, the baseline risk from the first 200 operations:\n"
    "  spc chart --chart bernoulli --input cabg.csv --x date --y death --freeze 200 --output b.csv\n"
    "Propose where the C. difficile counts shifted, with the reason (adopt a split when its cause is known):\n"
    "  spc chart --chart i --rules mdc --improvement decrease --phases auto --input cdi.csv --x month --y n \\\n"
    "    --output mdc.csv --summary periods.csv\n\n"
    "Exit status: 0 success, 1 a problem in the data (the message names the row and column), 2 a problem "
    "on the command line (the message names the option).";

constexpr const char* batch_examples =
    "Example: 400 units x 30 indicators, monthly P charts with the Anhøj and Western Electric rules:\n"
    "  spc batch --input rates.csv --by unit,indicator --x month --y events --n patients --chart p "
    "--rules anhoej,we --output points.csv --summary summary.csv\n"
    "Making Data Count, lower is better, for every unit:\n"
    "  spc batch --input waits.csv --by unit --x week --y waits --chart i --rules mdc --improvement "
    "decrease --target 4 --summary periods.csv\n\n"
    "Exit status: 0 success; 1 a problem in the data (a series that could not be charted is named with its "
    "row and column, the others are still written); 2 a problem on the command line.";

std::string footer(bool grouped) {
  return fmt::format(fmt::runtime(output_footer), fmt::arg("by", grouped ? "the --by columns, then " : ""),
                     fmt::arg("error", grouped ? "; then error (empty, or why the series could not be charted)" : "")) +
         (grouped ? batch_examples : chart_examples);
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{
      "spc: statistical process control for health-care quality improvement.\n"
      "Run charts with the Anhøj rules and Shewhart control charts (I, MR, Xbar, S, T, P, P', C, U, U', G) "
      "from CSV files, following qicharts2; sequential charts for small shifts and patient-by-patient outcomes "
      "(CUSUM, EWMA, Bernoulli CUSUM, risk-adjusted CUSUM, VLAD) and their average run lengths (spc arl).",
      "spc"};
  app.set_version_flag("--version,-V", std::string("spc ") + SPC_VERSION_STRING);
  // Set before the subcommands are added: they inherit it.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("spc: error: {}\nRun with --help for more information.\n", e.what());
  });
  app.require_subcommand(1);
  app.footer("Run 'spc chart --help', 'spc batch --help', 'spc funnel --help' or 'spc arl --help' for the options of a "
             "subcommand.");

  command chart, batch;
  CLI::App* chart_app = app.add_subcommand("chart", chart_description);
  add_options(chart_app, chart, false);
  chart_app->footer(footer(false));
  CLI::App* batch_app = app.add_subcommand("batch", batch_description);
  add_options(batch_app, batch, true);
  batch_app->footer(footer(true));
  arl_command arl;
  CLI::App* arl_app = add_arl_command(app, arl);
  funnel_command funnel;
  CLI::App* funnel_app = add_funnel_command(app, funnel);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and version exit 0; every other parse error is a usage error.
    return app.exit(e) == 0 ? exit_ok : exit_usage_error;
  }

  try {
    if (chart_app->parsed()) return run_pipeline(chart, false);
    if (batch_app->parsed()) return run_pipeline(batch, true);
    if (arl_app->parsed()) return run_arl(arl);
    if (funnel_app->parsed()) return run_funnel(funnel);
    return exit_usage_error;  // unreachable: require_subcommand(1)
  } catch (const usage_error& e) {
    fmt::print(stderr, "spc: error: {}\nRun with --help for more information.\n", e.what());
    return exit_usage_error;
  } catch (const data_error& e) {
    fmt::print(stderr, "spc: error: {}\n", e.what());
  } catch (const io::csv_error& e) {
    fmt::print(stderr, "spc: error: {}\n", e.what());
  } catch (const input_error& e) {
    fmt::print(stderr, "spc: error: {}\n", e.what());
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "spc: error: out of memory\n");
  } catch (const std::exception& e) {
    fmt::print(stderr, "spc: internal error: {}\n", e.what());
  }
  return exit_data_error;
}

}  // namespace spc::cli
