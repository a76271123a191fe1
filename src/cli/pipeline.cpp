// The command-line pipeline (pipeline.hpp).
#include "pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>

#include <fmt/format.h>

#include "layout.hpp"
#include "report.hpp"
#include "series_table.hpp"
#include "spc/batch.hpp"
#include "spc/sequential.hpp"

namespace spc::cli {

namespace {

std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
std::string_view command_name = "spc";

std::string rows_text(const series_table& t, std::size_t point) {
  const auto first = t.point_rows.begin() + static_cast<std::ptrdiff_t>(t.point_rows_offsets[point]);
  const auto last = t.point_rows.begin() + static_cast<std::ptrdiff_t>(t.point_rows_offsets[point + 1]);
  const std::size_t count = static_cast<std::size_t>(last - first);
  if (count == 1) return fmt::format("row {}", *first);
  const std::size_t shown = std::min<std::size_t>(count, 5);
  std::string s = "rows ";
  for (std::size_t k = 0; k < shown; ++k) s += fmt::format("{}{}", k ? ", " : "", first[static_cast<std::ptrdiff_t>(k)]);
  if (shown < count) s += fmt::format(" and {} more", count - shown);
  return s;
}

// Why series s could not be charted, in the user's terms: the CSV's rows and columns, or the
// command line's options (`option` is then set).
struct problem_text {
  std::string text;
  bool option = false;
};

problem_text describe_problem(const command& cmd, const request& req, const series_table& t, const series_problem* p,
                              std::size_t s) {
  if (!t.bad_value[s].empty()) return {t.bad_value[s]};
  if (!p) return {};
  const std::string& arg = p->error.argument();
  const std::string& problem = p->error.problem();
  // A sequential chart's parameter that the data cannot give (the values given were checked before
  // reading, so an error about target, sigma or p0 is about their estimate from the baseline).
  if (req.sequential && (arg == "target" || arg == "sigma" || arg == "p0"))
    return {fmt::format("column '{}': {} {}; give --{}", cmd.y, arg, problem, arg)};
  if (arg == "y" || arg == "n" || arg == "sd" || arg == "risk") {
    const auto rows_of_point = [&](std::size_t k) { return t.point_rows_offsets[k + 1] - t.point_rows_offsets[k]; };
    if (t.aggregated && t.aggregation != row_aggregation::subgroup && p->row != input_error::npos &&
        rows_of_point(p->row) > 1) {
      // Rows that share an x, combined into one point.
      const std::string& given = arg == "y" ? cmd.y : cmd.n;
      return {fmt::format("x '{}' (column '{}', {}, {}): column '{}': {}", t.x_of(p->row), cmd.x, rows_text(t, p->row),
                          t.aggregation == row_aggregation::sum || !t.n.empty() ? "summed" : "averaged", given,
                          problem)};
    }
    if (t.aggregated && t.aggregation == row_aggregation::subgroup) {
      // Raw xbar/s input: the library saw subgroup statistics computed from column --y.
      const std::string_view what = arg == "y" ? "mean" : arg == "n" ? "size" : "standard deviation";
      if (p->row != input_error::npos)
        return {fmt::format("subgroup '{}' (column '{}', {}): subgroup {} computed from column '{}': {}",
                            t.x_of(p->row), cmd.x, rows_text(t, p->row), what, cmd.y, problem)};
      return {fmt::format("subgroup {} computed from column '{}': {}", what, cmd.y, problem)};
    }
    const std::string& given = arg == "y" ? cmd.y : arg == "n" ? cmd.n : arg == "sd" ? cmd.sd : cmd.risk;
    const std::string& column = given.empty() ? arg : given;
    if (p->row != input_error::npos)
      return {fmt::format("row {}, column '{}': {}", t.row_in_file(p->row), column, problem)};
    return {fmt::format("column '{}': {}", column, problem)};
  }
  const std::string_view option = option_of(arg);
  if (!option.empty()) return {fmt::format("option --{}: {}", option, problem), true};
  return {fmt::format("{}: {}", arg, problem)};
}

}  // namespace

void start_progress(std::string_view name) {
  started = std::chrono::steady_clock::now();
  command_name = name;
}

void progress(std::string_view what, std::size_t rows, std::string_view extra) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print(stderr, "{}: {} {} rows{} [{:.1f} s]\n", command_name, what, rows, extra, seconds);
  std::fflush(stderr);
}

namespace {

// The series that could not be charted: spc chart fails (nothing is written); spc batch records
// why in `out`. Returns the number of failed series.
std::size_t collect_failures(output_context& out, const std::vector<series_status>& status,
                             const std::function<const series_problem*(std::size_t)>& problem) {
  const series_table& t = out.table;
  std::size_t failures = 0;
  for (std::size_t s = 0; s < t.series(); ++s) {
    if (t.bad_value[s].empty() && status[s] == series_status::ok) continue;
    const problem_text why = describe_problem(out.cmd, out.req, t, problem(s), s);
    if (!out.req.grouped) {
      // spc chart: its one series failed, so the command fails and writes nothing.
      if (why.option) throw usage_error(why.text);
      throw data_error(fmt::format("{}: {}", t.source, why.text));
    }
    out.errors[s] = why.text;
    out.failed[s] = 1;
    ++failures;
  }
  return failures;
}

// The exit status, after listing the series that could not be charted on standard error.
int finish(const output_context& out, std::size_t failures) {
  const series_table& t = out.table;
  const std::size_t rows = t.rows(), S = t.series();
  if (failures == 0) {
    if (rows >= large_input) progress(fmt::format("done: {} series,", S), rows);
    return exit_ok;
  }
  constexpr std::size_t shown = 10;
  std::size_t listed = 0;
  for (std::size_t s = 0; s < S && listed < shown; ++s) {
    if (!out.failed[s]) continue;
    fmt::print(stderr, "spc: error: {}: series {}: {}\n", t.source, t.series_name(out.cmd, s), out.errors[s]);
    ++listed;
  }
  if (failures > listed)
    fmt::print(stderr,
               "spc: error: and {} more series that could not be charted (see the summary's error column)\n",
               failures - listed);
  fmt::print(stderr, "spc batch: {} of {} series charted, {} could not be\n", S - failures, S, failures);
  return exit_data_error;
}

// Every output is opened (as a temporary file) before any is written and committed only when
// all are complete, so that a failure leaves none of them behind.
void write_outputs(const output_context& out) {
  std::optional<io::output_file> points, summary;
  if (out.req.per_point) points.emplace(out.cmd.output);
  if (!out.cmd.summary.empty()) summary.emplace(out.cmd.summary);
  if (points) write_points(out, *points, out.cmd.threads);
  if (summary) write_summary(out, *summary, out.cmd.threads);
  if (points) points->commit();
  if (summary) summary->commit();
}

// The sequential charts (spc/sequential.hpp): their own batch engine and outputs, the same
// reading, error translation and writing.
int run_sequential(const command& cmd, const request& req, const series_table& t) {
  const std::size_t rows = t.rows(), S = t.series();
  if (rows >= large_input) progress(fmt::format("computing {} series,", S), rows);
  sequential_batch_input in;
  in.y = t.y;
  in.risk = t.risk;
  in.offsets = t.offsets;
  sequential_batch_options bo;
  bo.options = *req.sequential;
  bo.threads = cmd.threads;
  const sequential_batch_result r = sequential_batch(in, bo, req.per_point || req.report);
  const batch_result no_shewhart;
  output_context out{cmd, req, t, no_shewhart, std::vector<std::uint8_t>(S, 0), std::vector<std::string>(S), {}, &r};
  const std::size_t failures =
      collect_failures(out, r.summary.status, [&](std::size_t s) { return r.summary.problem(s); });
  write_outputs(out);
  if (req.report) print_report(out);
  return finish(out, failures);
}

}  // namespace

int run_pipeline(const command& cmd, bool grouped) {
  start_progress(grouped ? "spc batch" : "spc chart");
  const request req = check_command(cmd, grouped);
  const series_table t = read_series(cmd, req);
  if (req.sequential) return run_sequential(cmd, req, t);
  const std::size_t rows = t.rows(), S = t.series();
  if (rows >= large_input) progress(fmt::format("computing {} series,", S), rows);

  // The batch engine, one option set for every series.
  chart_options options = req.options;
  if (req.mdc) {
    options = chart_options{};
    options.chart = chart_type::i;
  }
  // --multiply: the MDC chart is linear in y (so --target is in the units shown); every other
  // chart is computed as given and its results multiplied.
  std::vector<double> scaled;
  if (req.mdc && cmd.multiply != 1.0) {
    scaled = t.y;
    for (double& v : scaled) v *= cmd.multiply;
  }
  batch_input in;
  in.y = scaled.empty() ? std::span<const double>(t.y) : std::span<const double>(scaled);
  in.n = t.n;
  in.sd = t.sd;
  in.offsets = t.offsets;
  batch_options bo;
  bo.sets = {&options, 1};
  bo.ratio = !cmd.n.empty();
  bo.threads = cmd.threads;
  batch_rules rules;
  rules.rules = req.rules;
  rules.mdc = req.mdc;
  if (rules.any()) bo.rules = {&rules, 1};
  const std::optional<phase_options> phases = req.phases;
  if (phases) bo.phases = {&phases, 1};
  batch_result r = qic_batch(in, bo, req.per_point || req.report);
  if (!req.mdc && cmd.multiply != 1.0) multiply(r, cmd.multiply);

  // Series that could not be charted: unreadable values first, then the engine's problems.
  output_context out{cmd, req, t, r, std::vector<std::uint8_t>(S, 0), std::vector<std::string>(S), {}};
  const std::size_t failures =
      collect_failures(out, r.summary.status, [&](std::size_t s) { return r.summary.problem(s); });
  if (req.any_rules()) out.shown = rules_shown(out);

  write_outputs(out);
  if (req.report) print_report(out);
  return finish(out, failures);
}

}  // namespace spc::cli
