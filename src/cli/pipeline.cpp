// The command-line pipeline (pipeline.hpp).
#include "pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include <fmt/format.h>

#include "layout.hpp"
#include "report.hpp"
#include "series_table.hpp"
#include "spc/batch.hpp"

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

problem_text describe_problem(const command& cmd, const series_table& t, const batch_summary& sum, std::size_t s) {
  if (!t.bad_value[s].empty()) return {t.bad_value[s]};
  const series_problem* p = sum.problem(s);
  if (!p) return {};
  const std::string& arg = p->error.argument();
  const std::string& problem = p->error.problem();
  if (arg == "y" || arg == "n" || arg == "sd") {
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
    const std::string& given = arg == "y" ? cmd.y : arg == "n" ? cmd.n : cmd.sd;
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

int run_pipeline(const command& cmd, bool grouped) {
  start_progress(grouped ? "spc batch" : "spc chart");
  const request req = check_command(cmd, grouped);
  const series_table t = read_series(cmd, req);
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
  batch_result r = qic_batch(in, bo, req.per_point || req.report);
  if (!req.mdc && cmd.multiply != 1.0) multiply(r, cmd.multiply);

  // Series that could not be charted: unreadable values first, then the engine's problems.
  output_context out{cmd, req, t, r, std::vector<std::uint8_t>(S, 0), std::vector<std::string>(S), {}};
  std::size_t failures = 0;
  for (std::size_t s = 0; s < S; ++s) {
    if (t.bad_value[s].empty() && r.summary.status[s] == series_status::ok) continue;
    const problem_text why = describe_problem(cmd, t, r.summary, s);
    if (!grouped) {
      // spc chart: its one series failed, so the command fails and writes nothing.
      if (why.option) throw usage_error(why.text);
      throw data_error(fmt::format("{}: {}", t.source, why.text));
    }
    out.errors[s] = why.text;
    out.failed[s] = 1;
    ++failures;
  }
  if (req.any_rules()) out.shown = rules_shown(out);

  // Every output is opened (as a temporary file) before any is written and committed only when
  // all are complete, so that a failure leaves none of them behind.
  std::optional<io::output_file> points, summary;
  if (req.per_point) points.emplace(cmd.output);
  if (!cmd.summary.empty()) summary.emplace(cmd.summary);
  if (points) write_points(out, *points, cmd.threads);
  if (summary) write_summary(out, *summary, cmd.threads);
  if (points) points->commit();
  if (summary) summary->commit();
  if (req.report) print_report(out);

  if (failures == 0) {
    if (rows >= large_input) progress(fmt::format("done: {} series,", S), rows);
    return exit_ok;
  }
  constexpr std::size_t shown = 10;
  std::size_t listed = 0;
  for (std::size_t s = 0; s < S && listed < shown; ++s) {
    if (!out.failed[s]) continue;
    fmt::print(stderr, "spc: error: {}: series {}: {}\n", t.source, t.series_name(cmd, s), out.errors[s]);
    ++listed;
  }
  if (failures > listed)
    fmt::print(stderr,
               "spc: error: and {} more series that could not be charted (see the summary's error column)\n",
               failures - listed);
  fmt::print(stderr, "spc batch: {} of {} series charted, {} could not be\n", S - failures, S, failures);
  return exit_data_error;
}

}  // namespace spc::cli
