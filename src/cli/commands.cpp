#include "commands.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <new>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "io/csv.hpp"
#include "spc/chart.hpp"
#include "spc/subgroups.hpp"
#include "spc/types.hpp"

#ifndef SPC_VERSION
#define SPC_VERSION "0.1.0"  // keep in step with project(VERSION) in CMakeLists.txt
#endif

namespace spc::cli {

namespace {

// ---------------------------------------------------------------------------------------------
// Option values
// ---------------------------------------------------------------------------------------------

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// CLI11 converts integers with strtoull(base 0), which accepts "-1" (as a huge number) and reads
// "010" as octal; positions are therefore checked as plain decimal text, and leading zeros
// dropped, before conversion.
CLI::Validator position_validator(bool allow_zero) {
  return CLI::Validator(
      [allow_zero](std::string& s) -> std::string {
        if (!all_digits(s))
          return fmt::format("'{}' is not a position (a whole number counting from 1)", s);
        s.erase(0, std::min(s.find_first_not_of('0'), s.size() - 1));
        if (!allow_zero && s == "0") return "positions count from 1; 0 is not a position";
        if (s.size() > 18) return fmt::format("position {} is too large", s);
        return {};
      },
      "");
}

std::vector<std::string> chart_names() {
  std::vector<std::string> names;
  for (std::size_t k = 0; k < chart_type_count; ++k)
    names.emplace_back(to_string(static_cast<chart_type>(k)));
  return names;
}

std::vector<std::string> method_names() {
  return {std::string(to_string(runs_method::anhoej)), std::string(to_string(runs_method::bestbox)),
          std::string(to_string(runs_method::cutbox))};
}

std::string_view chart_title(chart_type c) {
  switch (c) {
    case chart_type::run: return "Run chart";
    case chart_type::i: return "I chart";
    case chart_type::mr: return "MR chart";
    case chart_type::xbar: return "Xbar chart";
    case chart_type::s: return "S chart";
    case chart_type::t: return "T chart";
    case chart_type::p: return "P chart";
    case chart_type::pp: return "P' chart";
    case chart_type::c: return "C chart";
    case chart_type::u: return "U chart";
    case chart_type::up: return "U' chart";
    case chart_type::g: return "G chart";
  }
  return "chart";
}

// Charts that may divide y by an optional --n (y/n is plotted).
bool takes_optional_denominator(chart_type c) {
  return c == chart_type::run || c == chart_type::i || c == chart_type::c;
}

// ---------------------------------------------------------------------------------------------
// Reading the series
// ---------------------------------------------------------------------------------------------

// The series of one chart as read from the CSV, and how to name its points in messages.
struct loaded_series {
  std::vector<double> y, n, sd;
  std::vector<std::string> x;  // labels (empty without --x)
  std::string source;          // file name or "standard input"
  // Raw xbar/s input: point k is subgroup x[k], made of the measurements in data rows rows[k]
  // (1-based). Empty for one row per point.
  std::vector<std::vector<std::size_t>> rows;
};

// Checks the combination of chart and columns before anything is read.
void check_columns(const chart_command& cmd, chart_type chart) {
  const std::string name(to_string(chart));
  if (needs_subgroup_sd(chart)) {
    if (cmd.sd.empty()) {
      if (cmd.x.empty())
        throw usage_error(fmt::format(
            "option --x: the {} chart reads one row per measurement and needs the subgroup column "
            "(--x COL); for one row per subgroup give --n and --sd instead",
            name));
      if (!cmd.n.empty())
        throw usage_error(fmt::format(
            "option --n: with raw measurements the {} chart counts the subgroup sizes itself; "
            "give --n only together with --sd (one row per subgroup)",
            name));
    } else if (cmd.n.empty()) {
      throw usage_error(fmt::format(
          "option --n: with --sd (one row per subgroup) the {} chart needs the subgroup size "
          "column (--n COL)",
          name));
    }
    return;
  }
  if (!cmd.sd.empty())
    throw usage_error(fmt::format(
        "option --sd: only the xbar and s charts read a subgroup standard deviation, not the {} "
        "chart",
        name));
  if (needs_denominator(chart) && cmd.n.empty())
    throw usage_error(fmt::format("option --n: the {} chart needs a denominator column (--n COL)",
                                  name));
  if (!needs_denominator(chart) && !takes_optional_denominator(chart) && !cmd.n.empty())
    throw usage_error(
        fmt::format("option --n: the {} chart does not use a denominator column", name));
}

std::vector<std::string> wanted_columns(const chart_command& cmd) {
  std::vector<std::string> keep;
  for (const std::string* c : {&cmd.x, &cmd.y, &cmd.n, &cmd.sd})
    if (!c->empty()) keep.push_back(*c);
  return keep;
}

// One row per point.
loaded_series read_points(const chart_command& cmd) {
  const io::csv_table table = io::read_csv(cmd.input, wanted_columns(cmd));
  loaded_series s;
  s.source = table.source;
  if (table.rows == 0) throw data_error(fmt::format("{}: no data rows, only a header", s.source));
  s.y = table.numbers(cmd.y);
  if (!cmd.n.empty()) s.n = table.numbers(cmd.n);
  if (!cmd.sd.empty()) s.sd = table.numbers(cmd.sd);
  if (!cmd.x.empty()) s.x = table.cells[table.column(cmd.x)];
  return s;
}

// Raw measurements (xbar, s): rows grouped by the --x column in order of first appearance, then
// summarised by spc::summarise_subgroups (mean, size, sample sd; missing measurements ignored; a
// subgroup with none is a missing point).
loaded_series read_subgroups(const chart_command& cmd) {
  const io::csv_table table = io::read_csv(cmd.input, wanted_columns(cmd));
  const std::vector<double> values = table.numbers(cmd.y);
  const std::vector<std::string>& labels = table.cells[table.column(cmd.x)];

  loaded_series s;
  s.source = table.source;
  if (table.rows == 0) throw data_error(fmt::format("{}: no data rows, only a header", s.source));
  std::vector<std::size_t> subgroup(table.rows);
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t r = 0; r < table.rows; ++r) {
    if (labels[r].empty())
      throw data_error(fmt::format("{}: row {}, column '{}': the subgroup is empty", s.source,
                                   r + 1, cmd.x));
    auto [it, added] = index.try_emplace(labels[r], s.x.size());
    if (added) {
      s.x.push_back(labels[r]);
      s.rows.emplace_back();
    }
    subgroup[r] = it->second;
    s.rows[it->second].push_back(r + 1);
  }
  subgroup_summary summary = summarise_subgroups(values, subgroup, s.x.size());
  s.y = std::move(summary.mean);
  s.n = std::move(summary.size);
  s.sd = std::move(summary.sd);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Errors from the library, in the user's terms
// ---------------------------------------------------------------------------------------------

std::string rows_text(const std::vector<std::size_t>& rows) {
  if (rows.size() == 1) return fmt::format("row {}", rows[0]);
  const std::size_t shown = std::min<std::size_t>(rows.size(), 5);
  std::string s = "rows ";
  for (std::size_t k = 0; k < shown; ++k) s += fmt::format("{}{}", k ? ", " : "", rows[k]);
  if (shown < rows.size()) s += fmt::format(" and {} more", rows.size() - shown);
  return s;
}

// spc::input_error names an argument of the library ("y", "n", "sd", "freeze", ...) and a 0-based
// point; the user knows CSV rows, column names and command-line options.
[[noreturn]] void translate(const input_error& e, const chart_command& cmd,
                            const loaded_series& data) {
  const std::string& arg = e.argument();
  const std::size_t at = e.index();
  if (arg == "y" || arg == "n" || arg == "sd") {
    if (!data.rows.empty()) {
      // Raw xbar/s input: the library saw subgroup statistics computed from column --y.
      const std::string_view what = arg == "y" ? "mean" : arg == "n" ? "size" : "standard deviation";
      if (at < data.x.size())
        throw data_error(fmt::format(
            "{}: subgroup '{}' (column '{}', {}): subgroup {} computed from column '{}': {}",
            data.source, data.x[at], cmd.x, rows_text(data.rows[at]), what, cmd.y, e.problem()));
      throw data_error(fmt::format("{}: subgroup {} computed from column '{}': {}", data.source,
                                   what, cmd.y, e.problem()));
    }
    const std::string& given = arg == "y" ? cmd.y : arg == "n" ? cmd.n : cmd.sd;
    const std::string& column = given.empty() ? arg : given;
    if (at != input_error::npos)
      throw data_error(
          fmt::format("{}: row {}, column '{}': {}", data.source, at + 1, column, e.problem()));
    throw data_error(fmt::format("{}: column '{}': {}", data.source, column, e.problem()));
  }
  if (arg == "freeze" || arg == "parts" || arg == "exclude" || arg == "cl" || arg == "method" ||
      arg == "chart")
    throw usage_error(fmt::format("option --{}: {}", arg, e.problem()));
  if (at != input_error::npos)
    throw data_error(fmt::format("{}: {} (point {}): {}", data.source, arg, at + 1, e.problem()));
  throw data_error(fmt::format("{}: {}: {}", data.source, arg, e.problem()));
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

// The part summary of every point.
std::vector<const part_summary*> part_of_points(const chart_result& r) {
  std::vector<const part_summary*> of(r.size(), nullptr);
  for (const part_summary& p : r.parts)
    for (std::size_t i = p.first; i <= p.last && i < of.size(); ++i) of[i] = &p;
  return of;
}

void write_points(const chart_result& r, const loaded_series& data, const std::string& path) {
  const bool with_x = !data.x.empty();
  io::csv_writer out(path);
  std::vector<std::string> header{"i"};
  if (with_x) header.emplace_back("x");
  for (const char* name : {"part", "baseline", "include", "y", "cl", "lcl", "ucl", "lcl_95",
                           "ucl_95", "sigma_signal", "n_obs", "n_useful", "longest_run",
                           "longest_run_max", "n_crossings", "n_crossings_min", "runs_signal"})
    header.emplace_back(name);
  out.header(header);

  const std::vector<const part_summary*> part = part_of_points(r);
  for (std::size_t i = 0; i < r.size(); ++i) {
    out.field(static_cast<long long>(i + 1));
    if (with_x) out.field(std::string_view(data.x[i]));
    out.field(static_cast<long long>(r.part[i]));
    out.field(r.baseline[i] != 0);
    out.field(r.include[i] != 0);
    for (double v : {r.y[i], r.cl[i], r.lcl[i], r.ucl[i], r.lcl_95[i], r.ucl_95[i]}) out.field(v);
    out.field(r.sigma_signal[i] != 0);
    const runs_result runs = part[i] ? part[i]->runs : runs_result{};
    out.field(static_cast<long long>(runs.n_obs));
    out.field(static_cast<long long>(runs.n_useful));
    for (std::int32_t v :
         {runs.longest_run, runs.longest_run_max, runs.n_crossings, runs.n_crossings_min}) {
      if (runs.defined())
        out.field(static_cast<long long>(v));
      else
        out.field(na);  // an empty cell
    }
    out.field(runs.runs_signal);
    out.end_row();
  }
  out.flush();
}

std::string number(double v) {
  if (std::isnan(v)) return "NA";
  if (std::fabs(v) >= 1e5 && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
  return fmt::format("{:.5g}", v);
}

std::string plural(std::size_t count, std::string_view noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

// A point for the reader: its 1-based position, and its label when there is one.
std::string point_text(std::size_t index, const std::vector<std::string>& labels) {
  if (index < labels.size() && !labels[index].empty())
    return fmt::format("{} ({})", index + 1, labels[index]);
  return fmt::format("{}", index + 1);
}

// A list of points (0-based), shortened after the first twenty.
std::string points_text(const std::vector<std::size_t>& points, const std::vector<std::string>& labels) {
  constexpr std::size_t max_shown = 20;
  std::string s = points.size() == 1 ? "point " : "points ";
  for (std::size_t k = 0; k < points.size() && k < max_shown; ++k)
    s += (k ? ", " : "") + point_text(points[k], labels);
  if (points.size() > max_shown) s += fmt::format(" and {} more", points.size() - max_shown);
  return s;
}

std::string runs_verdict(const runs_result& runs, runs_method method) {
  if (!runs.defined()) return "not possible (no useful points)";
  const bool long_run = runs.longest_run > runs.longest_run_max;
  const bool few_crossings = runs.n_crossings < runs.n_crossings_min;
  const std::string detail = fmt::format(
      "longest run {} {} {}; crossings {} {} {}", runs.longest_run, long_run ? ">" : "<=",
      runs.longest_run_max, runs.n_crossings, few_crossings ? "<" : ">=", runs.n_crossings_min);
  const std::string by =
      method == runs_method::anhoej ? "" : fmt::format(", {} method", to_string(method));
  return fmt::format("{} ({}{})", runs.runs_signal ? "signal: shift" : "no signal", detail, by);
}

// The human-readable summary printed when the CSV goes to a file.
void print_summary(const chart_command& cmd, chart_type chart, const chart_options& options,
                   const chart_result& r, const loaded_series& data) {
  const runs_method method = options.method;
  std::string what = fmt::format("'{}'", cmd.y);
  if (!data.rows.empty())
    what = fmt::format("'{}' by subgroup '{}' ({} measurements)", cmd.y, cmd.x,
                       [&] {
                         std::size_t m = 0;
                         for (const auto& rows : data.rows) m += rows.size();
                         return m;
                       }());
  else if (!cmd.n.empty())
    what = fmt::format("'{}' / '{}'", cmd.y, cmd.n);
  fmt::print("{} of {} from {}: {}, {}; written to {}\n", chart_title(chart), what, data.source,
             plural(r.size(), "point"), plural(r.parts.size(), "part"), cmd.output);
  if (options.freeze > 0 && options.parts.empty())
    fmt::print("Baseline: centre line and limits from points 1-{}\n", options.freeze);
  if (!std::isnan(options.cl)) fmt::print("Centre line given: {}\n", number(options.cl));

  const std::vector<std::string>& labels = data.x;
  const bool is_run = chart == chart_type::run;
  for (const part_summary& p : r.parts) {
    std::vector<std::size_t> signals, excluded;
    std::size_t missing = 0, last_limits = r.size();
    bool varying = false;
    for (std::size_t i = p.first; i <= p.last && i < r.size(); ++i) {
      if (r.sigma_signal[i]) signals.push_back(i);
      if (!r.include[i]) excluded.push_back(i);
      if (std::isnan(r.y[i])) ++missing;
      if (!std::isnan(r.lcl[i]) || !std::isnan(r.ucl[i])) {
        if (last_limits < r.size() &&
            (std::fabs(r.ucl[i] - r.ucl[last_limits]) > 1e-12 * std::fabs(r.ucl[i]) ||
             std::fabs(r.lcl[i] - r.lcl[last_limits]) > 1e-12 * std::fabs(r.lcl[i])))
          varying = true;
        last_limits = i;
      }
    }
    std::string part_line =
        p.first == p.last ? fmt::format("Part {}: point {}", p.part, p.first + 1)
                          : fmt::format("Part {}: points {}-{}", p.part, p.first + 1, p.last + 1);
    if (!labels.empty())
      part_line += p.first == p.last
                       ? fmt::format(" ({})", labels[p.first])
                       : fmt::format(" ({} to {})", labels[p.first], labels[p.last]);
    if (missing) part_line += fmt::format("; {} missing", missing);
    if (!excluded.empty())
      part_line += "; excluded from the calculations: " + points_text(excluded, labels);
    fmt::print("{}\n", part_line);
    std::string line = fmt::format("  {} {}", is_run ? "median" : "centre line", number(p.cl));
    if (last_limits < r.size()) {
      line += fmt::format("; 3-sigma limits {} to {}", number(r.lcl[last_limits]),
                          number(r.ucl[last_limits]));
      if (varying)
        line += fmt::format(" at point {} (the limits vary from point to point)", last_limits + 1);
    }
    fmt::print("{}\n", line);
    fmt::print("  runs analysis: {}\n", runs_verdict(p.runs, method));
    if (!is_run) {
      if (signals.empty())
        fmt::print("  no points outside the 3-sigma limits\n");
      else
        fmt::print("  sigma signals (outside the 3-sigma limits) at {}\n", points_text(signals, labels));
    }
  }
  std::fflush(stdout);
}

}  // namespace

// -------------------------------------------------------------------------------------------------
// spc chart
// -------------------------------------------------------------------------------------------------

CLI::App* add_chart_command(CLI::App& app, chart_command& cmd) {
  CLI::App* sub = app.add_subcommand(
      "chart",
      "Compute one control chart or run chart from a CSV file: centre line, 3- and 2-sigma "
      "limits, sigma signals and the runs analysis of each part, one output row per point.");

  sub->add_option("--chart,-c", cmd.chart,
                   "Chart type: run (median, runs analysis only), i (individuals), mr (moving "
                   "ranges), xbar (subgroup means), s (subgroup standard deviations), t (time "
                   "between rare events), p (proportions), pp (Laney P'), c (counts), u (rates), "
                   "up (Laney U'), g (opportunities between rare events)")
      ->required()
      ->type_name("TYPE")
      ->transform(CLI::IsMember(chart_names(), CLI::ignore_case))
      ->group("Chart");
  sub->add_option("--input,-i", cmd.input,
                  "CSV file with a header row; '-' reads standard input. Empty cells and NA are "
                  "missing values (gaps), not errors")
      ->required()
      ->type_name("FILE")
      ->group("Input");
  sub->add_option("--x", cmd.x,
                  "Column of point labels (e.g. dates), copied to the output's x column. For xbar "
                  "and s charts on raw measurements: the subgroup column (rows are grouped by it "
                  "in order of first appearance)")
      ->type_name("COL")
      ->group("Input");
  sub->add_option("--y", cmd.y,
                  "Column of values: the measurement (run, i, mr, t, g, and xbar/s raw "
                  "measurements), the count (c, and the numerator of p, pp, u, up) or, with --sd, "
                  "the subgroup mean (xbar, s)")
      ->required()
      ->type_name("COL")
      ->group("Input");
  sub->add_option("--n", cmd.n,
                  "Column of denominators: required for p, pp (the number of cases) and u, up "
                  "(the exposure); optional for run, i and c (y/n is plotted); for xbar and s only "
                  "with --sd (the subgroup size)")
      ->type_name("COL")
      ->group("Input");
  sub->add_option("--sd", cmd.sd,
                  "xbar and s charts with one row per subgroup: column of subgroup standard "
                  "deviations (needs --n). Without --sd, xbar and s read raw measurements, one "
                  "row per measurement, grouped by --x")
      ->type_name("COL")
      ->group("Input");

  sub->add_option("--freeze", cmd.freeze,
                  "Baseline: centre line and limits from points 1..N, applied to every point "
                  "(0 = no freeze; ignored when --parts is given)")
      ->type_name("N")
      ->transform(position_validator(true))
      ->capture_default_str()
      ->group("Baseline");
  sub->add_option("--parts", cmd.parts,
                  "Split the chart after these positions (strictly increasing, comma-separated, "
                  "e.g. 12,30); every part gets its own centre line, limits and runs analysis")
      ->delimiter(',')
      ->type_name("I,J,...")
      ->transform(position_validator(false))
      ->group("Baseline");
  sub->add_option("--exclude", cmd.exclude,
                  "Points left out of the centre line, limits and runs analysis but still shown "
                  "and tested against the limits (comma-separated positions, e.g. 5,9)")
      ->delimiter(',')
      ->type_name("I,J,...")
      ->transform(position_validator(false))
      ->group("Baseline");
  sub->add_option("--cl", cmd.cl,
                  "Centre line given by the user instead of computed; the limits are built "
                  "around it")
      ->check(CLI::Validator(
          [](std::string& s) -> std::string {
            double v = 0;
            if (!io::parse_number(s, v) || !std::isfinite(v))
              return fmt::format("'{}' is not a finite number", s);
            return {};
          },
          ""))
      ->type_name("VALUE")
      ->group("Baseline");

  sub->add_option("--method", cmd.method,
                  "Runs analysis: anhoej (Anhøj rules: longest run and number of crossings), "
                  "bestbox or cutbox (Anhøj & Wentzel-Larsen 2020, for 10 to 100 useful points; "
                  "the Anhøj rules otherwise)")
      ->type_name("METHOD")
      ->transform(CLI::IsMember(method_names(), CLI::ignore_case))
      ->capture_default_str()
      ->group("Chart");
  sub->add_flag("--no-screen", cmd.no_screen,
                "I chart: keep every moving range in sigma (by default moving ranges above 3.267 "
                "times their mean are screened out, Nelson 1982)")
      ->group("Chart");

  sub->add_option("--output,-o", cmd.output,
                  "Write the CSV to this file and print a summary of each part (centre line, "
                  "limits, runs analysis, sigma signals) to standard output. Default: the CSV "
                  "goes to standard output and nothing else is printed there")
      ->type_name("FILE")
      ->group("Output");

  sub->footer(
      "Output: one CSV row per point with the columns i, x (only with --x), part, baseline, "
      "include, y, cl, lcl, ucl, lcl_95, ucl_95, sigma_signal, then the runs analysis of the "
      "point's part: n_obs, n_useful, longest_run, longest_run_max, n_crossings, "
      "n_crossings_min, runs_signal. Positions count from 1. Booleans are true/false; a missing "
      "number is an empty cell.\n\n"
      "Example: infections per risk day, the first 24 months as the baseline:\n"
      "  spc chart --chart u --input cdi.csv --x month --y n --n days --freeze 24 --output u.csv\n\n"
      "Exit status: 0 success, 1 a problem in the data (the message names the row and column), "
      "2 a problem on the command line (the message names the option).");
  return sub;
}

int run_chart(const chart_command& cmd) {
  const std::optional<chart_type> chart = parse_chart_type(cmd.chart);
  if (!chart) throw usage_error(fmt::format("option --chart: unknown chart type '{}'", cmd.chart));
  const std::optional<runs_method> method = parse_runs_method(cmd.method);
  if (!method) throw usage_error(fmt::format("option --method: unknown method '{}'", cmd.method));
  check_columns(cmd, *chart);

  const loaded_series data =
      needs_subgroup_sd(*chart) && cmd.sd.empty() ? read_subgroups(cmd) : read_points(cmd);

  chart_options options;
  options.chart = *chart;
  options.freeze = cmd.freeze;
  options.parts = cmd.parts;
  options.exclude = cmd.exclude;
  options.cl = cmd.cl;
  options.method = *method;
  options.screen_mr = !cmd.no_screen;

  series_view series{data.y, data.n, data.sd};
  chart_result result;
  try {
    result = qic(series, options);
  } catch (const input_error& e) {
    translate(e, cmd, data);
  }

  write_points(result, data, cmd.output);
  if (!cmd.output.empty() && cmd.output != "-") print_summary(cmd, *chart, options, result, data);
  return exit_ok;
}

// -------------------------------------------------------------------------------------------------
// The application
// -------------------------------------------------------------------------------------------------

int run(int argc, char** argv) {
  CLI::App app{
      "spc: statistical process control for health-care quality improvement.\n"
      "Run charts with the Anhøj rules and Shewhart control charts (I, MR, Xbar, S, T, P, P', C, "
      "U, U', G) from CSV files, following qicharts2.",
      "spc"};
  app.set_version_flag("--version,-V", std::string("spc ") + SPC_VERSION);
  // Set before the subcommands are added: they inherit it.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("spc: error: {}\nRun with --help for more information.\n", e.what());
  });
  app.require_subcommand(1);
  app.footer("Run 'spc chart --help' for the options of a subcommand.");

  chart_command chart;
  CLI::App* chart_app = add_chart_command(app, chart);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and version exit 0; every other parse error is a usage error.
    return app.exit(e) == 0 ? exit_ok : exit_usage_error;
  }

  try {
    if (chart_app->parsed()) return run_chart(chart);
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
