#include "commands.hpp"

#include <algorithm>
#include <bit>
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
#include "rule_options.hpp"
#include "spc/chart.hpp"
#include "spc/mdc.hpp"
#include "spc/rules.hpp"
#include "spc/subgroups.hpp"
#include "spc/types.hpp"
#include "spc/version.hpp"

namespace spc::cli {

namespace {

// ---------------------------------------------------------------------------------------------
// Option values
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Output options
// ---------------------------------------------------------------------------------------------

// --summary: a file, or standard output when the points go to a file.
void check_summary_option(const chart_command& cmd) {
  if (cmd.summary.empty()) return;
  const bool points_to_stdout = cmd.output.empty() || cmd.output == "-";
  if (cmd.summary == "-" && points_to_stdout)
    throw usage_error(
        "option --summary: the points already go to standard output; give --output FILE to send "
        "the summary there, or give the summary a file name");
  if (!points_to_stdout && cmd.summary == cmd.output)
    throw usage_error(fmt::format("option --summary: '{}' is also the --output file", cmd.summary));
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

// The Making Data Count mode's errors: its options by their command-line names, the rest as above.
[[noreturn]] void translate_mdc(const input_error& e, const chart_command& cmd,
                                const loaded_series& data) {
  const std::string_view option = mdc_option(e.argument());
  if (!option.empty()) throw usage_error(fmt::format("option --{}: {}", option, e.problem()));
  translate(e, cmd, data);
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

// The rules' results laid out for output: per point the point rules that fired, per part of a
// chart (or period of an MDC chart) a summary. A series-level rule (IHI too few or too many runs,
// Anhøj crossings) flags no point; its column is true on every point of a part where it fired.
struct rule_report {
  std::string asked;               // --rules as given
  rule_mask evaluated = 0;         // every rule evaluated
  rule_options options;            // their parameters (for describing the MDC rules)
  std::vector<rule_mask> fired;    // per point: the point rules that fired there
  std::vector<std::size_t> group;  // per point: its part (index into `parts`)
  std::vector<rules_summary> parts;
  std::vector<std::pair<std::size_t, std::size_t>> ranges;  // per part: first, last (0-based)

  rule_mask anywhere() const {
    rule_mask m = 0;
    for (const rules_summary& p : parts) m |= p.fired;
    return m;
  }
  // The label: the highest-precedence point rule that fired (the enum order is the precedence).
  rule label(std::size_t i) const { return label_of(fired[i]); }
  // The rules with a column of their own: those that fired anywhere, in precedence order.
  std::vector<rule> shown() const { return rules_shown(anywhere()); }
  std::int32_t signal_points(std::size_t part) const {
    std::int32_t count = 0;
    for (std::size_t i = ranges[part].first; i <= ranges[part].second; ++i)
      count += label(i) != rule::none;
    return count;
  }
};

rule_report make_report(const std::string& asked, const rule_options& options,
                        std::vector<rule_mask> fired, std::vector<rules_summary> parts,
                        std::vector<std::pair<std::size_t, std::size_t>> ranges) {
  rule_report rr;
  rr.asked = asked;
  rr.evaluated = options.rules;
  rr.options = options;
  rr.group.assign(fired.size(), 0);
  for (std::size_t k = 0; k < ranges.size(); ++k)
    for (std::size_t i = ranges[k].first; i <= ranges[k].second && i < fired.size(); ++i)
      rr.group[i] = k;
  rr.fired = std::move(fired);
  rr.parts = std::move(parts);
  rr.ranges = std::move(ranges);
  return rr;
}

// The rules of every part of a chart, on its own y, centre line and limits.
rule_report chart_rules(const chart_result& r, const rules_request& req, const std::string& asked) {
  rules_result rules = apply_rules(r, req.options);
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  for (const part_summary& p : r.parts) ranges.emplace_back(p.first, p.last);
  if (ranges.empty() && r.size() > 0) ranges.emplace_back(0, r.size() - 1);
  return make_report(asked, req.options, std::move(rules.fired), std::move(rules.parts),
                     std::move(ranges));
}

// Per-point rule columns: one boolean per rule that fired anywhere, then the label.
void write_rule_fields(const rule_report& rr, const std::vector<rule>& shown, std::size_t i,
                       io::csv_writer& out) {
  cli::write_rule_fields(out, shown, rr.fired[i], rr.parts[rr.group[i]].fired);
}

// Per-part rule columns of --summary.
void add_rule_summary_header(const rule_report& rr, std::vector<std::string>& header) {
  cli::add_rule_summary_header(rr.evaluated, header);
}

void write_rule_summary_fields(const rule_report& rr, std::size_t part, io::csv_writer& out) {
  cli::write_rule_summary_fields(out, rr.evaluated, rr.parts[part], rr.signal_points(part));
}

// The runs-analysis columns n_obs .. runs_signal; undefined statistics are empty cells.
void write_runs_fields(const runs_result& runs, io::csv_writer& out) {
  out.field(static_cast<long long>(runs.n_obs));
  out.field(static_cast<long long>(runs.n_useful));
  for (std::int32_t v : {runs.longest_run, runs.longest_run_max, runs.n_crossings, runs.n_crossings_min}) {
    if (runs.defined())
      out.field(static_cast<long long>(v));
    else
      out.field(na);
  }
  out.field(runs.runs_signal);
}

void write_points(const chart_result& r, const loaded_series& data, const std::string& path,
                  const rule_report* rules) {
  const bool with_x = !data.x.empty();
  io::csv_writer out(path);
  std::vector<std::string> header{"i"};
  if (with_x) header.emplace_back("x");
  for (const char* name : {"part", "baseline", "include", "y", "cl", "lcl", "ucl", "lcl_95",
                           "ucl_95", "sigma_signal", "n_obs", "n_useful", "longest_run",
                           "longest_run_max", "n_crossings", "n_crossings_min", "runs_signal"})
    header.emplace_back(name);
  const std::vector<rule> shown = rules ? rules->shown() : std::vector<rule>{};
  if (rules) add_rule_header(shown, header);
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
    write_runs_fields(part[i] ? part[i]->runs : runs_result{}, out);
    if (rules) write_rule_fields(*rules, shown, i, out);
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

// What a rule means, with the MDC rules' lengths and variant as chosen on the command line.
std::string rule_text(const rule_report& rr, rule r) {
  const rule_options::mdc_options& mdc = rr.options.mdc;
  if (r == rule::mdc_trend && mdc.trend != 7)
    return fmt::format("{} points steadily increasing or decreasing", mdc.trend);
  if (r == rule::mdc_shift && mdc.shift != 7)
    return fmt::format("{} points on the same side of the mean", mdc.shift);
  if (r == rule::mdc_two_in_three && mdc.two_in_three == two_in_three_policy::beyond_2sigma)
    return "2 of 3 points beyond 2 sigma (outside the limits too), all 3 on the same side of the "
           "mean";
  return std::string(describe(r));
}

// The rules that fired in one part (or period), for people: each with what it means and where.
void print_rule_lines(const rule_report& rr, std::size_t part, const std::vector<std::string>& labels) {
  const rules_summary& s = rr.parts[part];
  if (s.fired == 0) {
    fmt::print("  rules ({}): none fired\n", rr.asked);
    return;
  }
  for (std::size_t k = 0; k < rule_count; ++k) {
    const rule r = static_cast<rule>(k);
    if (!s.fired_rule(r)) continue;
    if (has_rule(series_rules, r)) {
      fmt::print("  rule {}: {}\n", to_string(r), rule_text(rr, r));
      continue;
    }
    std::vector<std::size_t> where;
    for (std::size_t i = rr.ranges[part].first; i <= rr.ranges[part].second; ++i)
      if (has_rule(rr.fired[i], r)) where.push_back(i);
    fmt::print("  rule {}: {}; at {}\n", to_string(r), rule_text(rr, r), points_text(where, labels));
  }
}

// The human-readable summary printed when the CSV goes to a file.
void print_summary(const chart_command& cmd, chart_type chart, const chart_options& options,
                   const chart_result& r, const loaded_series& data, const rule_report* rules) {
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
    const auto part_index = static_cast<std::size_t>(&p - r.parts.data());
    if (rules && part_index < rules->parts.size()) print_rule_lines(*rules, part_index, labels);
  }
  std::fflush(stdout);
}

// --summary of a chart: one row per part (centre line and limits at the part's last point, the
// runs analysis and, with --rules, the rules).
void write_chart_summary(const std::string& path, const chart_result& r, const loaded_series& data,
                         const rule_report* rules) {
  const bool with_x = !data.x.empty();
  io::csv_writer out(path);
  std::vector<std::string> header{"part", "first", "last"};
  if (with_x) {
    header.emplace_back("x_first");
    header.emplace_back("x_last");
  }
  for (const char* name : {"n_points", "n_missing", "n_excluded", "cl", "lcl", "ucl",
                           "n_sigma_signals", "n_obs", "n_useful", "longest_run",
                           "longest_run_max", "n_crossings", "n_crossings_min", "runs_signal"})
    header.emplace_back(name);
  if (rules) add_rule_summary_header(*rules, header);
  out.header(header);
  for (std::size_t k = 0; k < r.parts.size(); ++k) {
    const part_summary& p = r.parts[k];
    long long missing = 0, excluded = 0;
    for (std::size_t i = p.first; i <= p.last && i < r.size(); ++i) {
      missing += std::isnan(r.y[i]);
      excluded += r.include[i] == 0;
    }
    out.field(static_cast<long long>(p.part));
    out.field(static_cast<long long>(p.first + 1));
    out.field(static_cast<long long>(p.last + 1));
    if (with_x) {
      out.field(std::string_view(data.x[p.first]));
      out.field(std::string_view(data.x[p.last]));
    }
    out.field(static_cast<long long>(p.last - p.first + 1));
    out.field(missing);
    out.field(excluded);
    for (double v : {p.cl, p.lcl, p.ucl}) out.field(v);
    out.field(static_cast<long long>(p.n_sigma_signals));
    write_runs_fields(p.runs, out);
    if (rules) write_rule_summary_fields(*rules, k, out);
    out.end_row();
  }
  out.flush();
}

// ---------------------------------------------------------------------------------------------
// The Making Data Count mode (--chart i --rules mdc)
// ---------------------------------------------------------------------------------------------

// The MDC chart and its rules, ready for output.
struct mdc_output {
  std::vector<double> y;  // the plotted values (y/n with --n)
  mdc_result chart;
  rule_report rules;      // the MDC rules and any other rules asked for, per period
};

// Computes the MDC chart and evaluates any other rules asked for on its own mean and process
// limits, period by period (the MDC rules themselves are NHSRplotthedots', from compute_mdc).
mdc_output compute_mdc_output(const chart_command& cmd, const rules_request& req,
                              const loaded_series& data) {
  mdc_output o;
  // The values (y/n with --n) as the I chart plots them, with the I chart's checks and messages.
  chart_options values;
  values.chart = chart_type::i;
  try {
    o.y = qic(series_view{data.y, data.n, {}}, values).y;
    // The MDC chart is linear in y, so multiplying first is the same as multiplying its results,
    // and puts --target in the units shown.
    for (double& v : o.y) v *= cmd.multiply;
  } catch (const input_error& e) {
    translate(e, cmd, data);
  }
  try {
    o.chart = mdc_chart(o.y, req.mdc);
  } catch (const input_error& e) {
    translate_mdc(e, cmd, data);
  }
  const mdc_result& m = o.chart;

  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  for (const mdc_period& p : m.periods) ranges.emplace_back(p.first, p.last);
  rules_result combined = combine_rules(o.y, m, req.options);
  o.rules = make_report(cmd.rules, req.options, std::move(combined.fired), std::move(combined.parts),
                        std::move(ranges));
  return o;
}

// Whether a point is among the first --fix-after points of its period (all points without it).
bool in_mdc_baseline(const mdc_output& o, const rules_request& req, std::size_t i) {
  if (req.mdc.fix_after_n_points == 0) return true;
  const mdc_period& p = o.chart.periods[static_cast<std::size_t>(o.chart.period[i] - 1)];
  return i - p.first < req.mdc.fix_after_n_points;
}

void write_mdc_points(const mdc_output& o, const rules_request& req, const loaded_series& data,
                      const std::string& path) {
  const bool with_x = !data.x.empty();
  const mdc_result& m = o.chart;
  io::csv_writer out(path);
  std::vector<std::string> header{"i"};
  if (with_x) header.emplace_back("x");
  for (const char* name : mdc_point_columns) header.emplace_back(name);
  const std::vector<rule> shown = o.rules.shown();
  add_rule_header(shown, header);
  out.header(header);
  for (std::size_t i = 0; i < m.size(); ++i) {
    out.field(static_cast<long long>(i + 1));
    if (with_x) out.field(std::string_view(data.x[i]));
    out.field(static_cast<long long>(m.period[i]));
    out.field(in_mdc_baseline(o, req, i));
    for (double v : {o.y[i], m.mean[i], m.lpl[i], m.upl[i]}) out.field(v);
    out.field(to_string(m.cause[i]));
    out.field(to_string(m.type[i]));
    write_rule_fields(o.rules, shown, i, out);
    out.end_row();
  }
  out.flush();
}

// --summary in the MDC mode: one row per period.
void write_mdc_summary(const mdc_output& o, const rules_request& req, const loaded_series& data,
                       const std::string& path) {
  const bool with_x = !data.x.empty();
  io::csv_writer out(path);
  std::vector<std::string> header{"period", "first", "last"};
  if (with_x) {
    header.emplace_back("x_first");
    header.emplace_back("x_last");
  }
  for (const char* name : mdc_period_columns) header.emplace_back(name);
  add_rule_summary_header(o.rules, header);
  out.header(header);
  for (std::size_t k = 0; k < o.chart.periods.size(); ++k) {
    const mdc_period& p = o.chart.periods[k];
    out.field(static_cast<long long>(p.period));
    out.field(static_cast<long long>(p.first + 1));
    out.field(static_cast<long long>(p.last + 1));
    if (with_x) {
      out.field(std::string_view(data.x[p.first]));
      out.field(std::string_view(data.x[p.last]));
    }
    write_mdc_period_fields(out, p, req.mdc.target);
    write_rule_summary_fields(o.rules, k, out);
    out.end_row();
  }
  out.flush();
}

std::string_view variation_text(point_type t) {
  switch (t) {
    case point_type::common_cause: return "common cause variation";
    case point_type::improvement: return "special cause variation \u2014 improvement";
    case point_type::concern: return "special cause variation \u2014 concern";
    case point_type::neutral_high: return "special cause variation \u2014 neutral, high";
    case point_type::neutral_low: return "special cause variation \u2014 neutral, low";
  }
  return "";
}

// The assurance of the target against a period's process limits, in words.
std::string assurance_text(const mdc_options& o, const mdc_period& p) {
  if (std::isnan(o.target)) return "no target given (--target), so no assurance";
  const std::string target = number(o.target);
  if (o.direction == improvement_direction::neutral)
    return fmt::format("no assurance for the target {}: the improvement direction is neutral",
                       target);
  const bool increase = o.direction == improvement_direction::increase;
  const std::string limits =
      fmt::format("process limits {} to {}", number(p.lpl), number(p.upl));
  switch (p.assurance) {
    case assurance_type::consistent_fail:
      return fmt::format("the target {} lies {}: consistently fails ({})", target,
                         increase ? "above the upper process limit" : "below the lower process limit",
                         limits);
    case assurance_type::consistent_pass:
      return fmt::format("the target {} lies {}: consistently passes ({})", target,
                         increase ? "below the lower process limit" : "above the upper process limit",
                         limits);
    case assurance_type::inconsistent:
      if (std::isnan(p.lpl) || std::isnan(p.upl))
        return fmt::format("the process limits are unknown, so the target {} is inconsistent",
                           target);
      return fmt::format(
          "the target {} lies between the process limits {} and {}: inconsistent (it will be met "
          "some of the time)",
          target, number(p.lpl), number(p.upl));
    case assurance_type::none: break;
  }
  return "none";
}

void print_mdc_summary(const chart_command& cmd, const rules_request& req, const mdc_output& o,
                       const loaded_series& data) {
  const mdc_result& m = o.chart;
  const std::vector<std::string>& labels = data.x;
  const std::string what =
      cmd.n.empty() ? fmt::format("'{}'", cmd.y) : fmt::format("'{}' / '{}'", cmd.y, cmd.n);
  fmt::print("Making Data Count XmR chart of {} from {}: {}, {}; improvement direction: {}; "
             "written to {}\n",
             what, data.source, plural(m.size(), "point"), plural(m.periods.size(), "period"),
             to_string(req.mdc.direction), cmd.output);
  if (!req.mdc.screen_outliers) fmt::print("Moving ranges not screened (--no-screen)\n");
  const bool other_rules = (req.mask & ~mdc_set) != 0;
  for (std::size_t k = 0; k < m.periods.size(); ++k) {
    const mdc_period& p = m.periods[k];
    std::string line =
        p.first == p.last ? fmt::format("Period {}: point {}", p.period, p.first + 1)
                          : fmt::format("Period {}: points {}-{}", p.period, p.first + 1, p.last + 1);
    if (!labels.empty())
      line += p.first == p.last ? fmt::format(" ({})", labels[p.first])
                                : fmt::format(" ({} to {})", labels[p.first], labels[p.last]);
    if (p.n_missing) line += fmt::format("; {} missing", p.n_missing);
    fmt::print("{}\n", line);
    line = fmt::format("  mean {}; process limits {} to {}", number(p.mean), number(p.lpl),
                       number(p.upl));
    if (req.mdc.fix_after_n_points > 0 &&
        static_cast<std::size_t>(p.n_points) > req.mdc.fix_after_n_points)
      line += fmt::format(" (from the first {} points)", req.mdc.fix_after_n_points);
    if (p.trial_limits)
      line += fmt::format("; trial limits (fewer than {} points)", req.mdc.trial_limit_points);
    fmt::print("{}\n", line);
    std::vector<std::string> causes;
    for (const point_type t : {point_type::improvement, point_type::concern,
                               point_type::neutral_high, point_type::neutral_low}) {
      std::vector<std::size_t> where;
      for (std::size_t i = p.first; i <= p.last; ++i)
        if (m.type[i] == t) where.push_back(i);
      if (!where.empty())
        causes.push_back(fmt::format("{} at {}", t == point_type::neutral_high  ? "neutral high"
                                                 : t == point_type::neutral_low ? "neutral low"
                                                                                : to_string(t),
                                     points_text(where, labels)));
    }
    if (causes.empty()) {
      fmt::print("  no special cause: common cause variation only\n");
    } else {
      std::string joined;
      for (const auto& c : causes) joined += (joined.empty() ? "" : "; ") + c;
      fmt::print("  special cause: {}\n", joined);
    }
    if (other_rules) print_rule_lines(o.rules, k, labels);
  }
  std::size_t last = m.size();
  for (std::size_t i = m.size(); i-- > 0;)
    if (!std::isnan(o.y[i])) {
      last = i;
      break;
    }
  if (last < m.size())
    fmt::print("Variation (the last point, {}): {}\n", point_text(last, labels),
               variation_text(m.variation));
  else
    fmt::print("Variation: no point has a value\n");
  if (!m.periods.empty())
    fmt::print("Assurance{}: {}\n", m.periods.size() > 1 ? " (the last period)" : "",
               assurance_text(req.mdc, m.periods.back()));
  std::fflush(stdout);
}

int run_mdc_chart(const chart_command& cmd, const rules_request& req, const loaded_series& data) {
  const mdc_output o = compute_mdc_output(cmd, req, data);
  write_mdc_points(o, req, data, cmd.output);
  if (!cmd.summary.empty()) write_mdc_summary(o, req, data, cmd.summary);
  if (!cmd.output.empty() && cmd.output != "-" && cmd.summary != "-")
    print_mdc_summary(cmd, req, o, data);
  return exit_ok;
}

}  // namespace

// -------------------------------------------------------------------------------------------------
// spc chart
// -------------------------------------------------------------------------------------------------

void add_multiply_option(CLI::App* sub, chart_command& cmd) {
  sub->add_option("--multiply", cmd.multiply,
                  "Multiply y, the centre line and the limits by this factor for display, e.g. 100 "
                  "for percentages or 10000 for rates per 10,000 days (as qicharts2's multiply). "
                  "Signals do not change; --cl is in the units before multiplying, --target (MDC) "
                  "in the units after")
      ->check(CLI::Validator(
          [](std::string& s) -> std::string {
            double v = 0;
            if (!io::parse_number(s, v) || !std::isfinite(v) || v <= 0)
              return fmt::format("'{}' is not a positive number", s);
            return {};
          },
          ""))
      ->type_name("K")
      ->default_val(1)
      ->group("Output");
}

CLI::App* add_chart_command(CLI::App& app, chart_command& cmd) {
  CLI::App* sub = app.add_subcommand(
      "chart",
      "Compute one control chart or run chart from a CSV file: centre line, 3- and 2-sigma "
      "limits, sigma signals and the runs analysis of each part, one output row per point; "
      "optionally special-cause rule sets (--rules) or the NHS Making Data Count mode (--chart i "
      "--rules mdc).");

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

  add_multiply_option(sub, cmd);

  sub->add_option("--method", cmd.method,
                  "Runs analysis: anhoej (Anhøj rules: longest run and number of crossings), "
                  "bestbox or cutbox (Anhøj & Wentzel-Larsen 2020, for 10 to 100 useful points; "
                  "the Anhøj rules otherwise)")
      ->type_name("METHOD")
      ->transform(CLI::IsMember(method_names(), CLI::ignore_case))
      ->capture_default_str()
      ->group("Chart");
  CLI::Option* no_screen =
      sub->add_flag("--no-screen", cmd.no_screen,
                    "I chart and Making Data Count mode: keep every moving range in sigma (by "
                    "default moving ranges above 3.267 times their mean are screened out, Nelson "
                    "1982)")
          ->group("Chart");
  sub->add_flag("--screen", cmd.screen,
                "Screen large moving ranges out of sigma: the default, given for clarity")
      ->excludes(no_screen)
      ->group("Chart");

  add_rule_options(sub, cmd);

  sub->add_option("--output,-o", cmd.output,
                  "Write the CSV to this file and print a summary of each part (centre line, "
                  "limits, runs analysis, sigma signals) to standard output. Default: the CSV "
                  "goes to standard output and nothing else is printed there")
      ->type_name("FILE")
      ->group("Output");
  sub->add_option("--summary", cmd.summary,
                  "Write one CSV row per part (Making Data Count mode: per period) to this file: "
                  "its points, centre line, limits, runs analysis and, with --rules, the rules "
                  "that fired. '-' = standard output, only with --output FILE")
      ->type_name("FILE")
      ->group("Output");

  sub->footer(
      "Output: one CSV row per point with the columns i, x (only with --x), part, baseline, "
      "include, y, cl, lcl, ucl, lcl_95, ucl_95, sigma_signal, then the runs analysis of the "
      "point's part: n_obs, n_useful, longest_run, longest_run_max, n_crossings, "
      "n_crossings_min, runs_signal. With --rules: one true/false column per rule that fired "
      "anywhere (named as the rule: sigma3, we1..we4, nelson1..nelson8, ihi_shift, ihi_trend, "
      "ihi_few_runs, ihi_many_runs, anhoej_run, anhoej_crossings, mdc_beyond, mdc_trend, "
      "mdc_two_in_three, mdc_shift; a series-level rule is true on every point of its part), "
      "then 'rule', the highest-precedence rule at the point or none. Positions count from 1. "
      "Booleans are true/false; a missing number is an empty cell.\n\n"
      "Making Data Count mode (--chart i --rules mdc --improvement DIRECTION; as NHSRplotthedots "
      "ptd_spc): an XmR chart with mean +- 2.66 x mean moving range per period (screened moving "
      "ranges unless --no-screen), the MDC rules, and the columns i, x, period, baseline, y, "
      "cl, lcl, ucl, special_cause (none, above_ucl, below_lcl, trend_increasing, "
      "trend_decreasing, two_in_three_above, two_in_three_below, shift_above, shift_below), "
      "point_type (common_cause, improvement, concern, neutral_high, neutral_low), then the rule "
      "columns. Other rule sets given with mdc (e.g. --rules mdc,we) are evaluated on the MDC "
      "chart's own mean and limits. --summary gives per period: period, first, last, n_points, "
      "n_missing, cl, lcl, ucl, amr, the point-type counts, variation (the last point's type), "
      "target, assurance (empty without a target) and trial_limits (fewer than 13 points). "
      "--freeze, --parts, --exclude, --cl and --method do not apply there; use --fix-after and "
      "--rebase.\n\n"
      "Examples: infections per risk day, the first 24 months as the baseline:\n"
      "  spc chart --chart u --input cdi.csv --x month --y n --n days --freeze 24 --output u.csv\n"
      "Making Data Count, higher is better, a target of 0.95 and a new period at week 14:\n"
      "  spc chart --chart i --rules mdc --improvement increase --target 0.95 --rebase 14 \\\n"
      "    --input nhs_accidents.csv --x i --y r --n n --output mdc.csv --summary periods.csv\n"
      "The Western Electric and Nelson rules on a P chart:\n"
      "  spc chart --chart p --rules we,nelson --input nhs_accidents.csv --y r --n n\n\n"
      "Exit status: 0 success, 1 a problem in the data (the message names the row and column), "
      "2 a problem on the command line (the message names the option).");
  return sub;
}

chart_options chart_options_of(const chart_command& cmd, chart_type chart, runs_method method) {
  chart_options options;
  options.chart = chart;
  options.freeze = cmd.freeze;
  options.parts = cmd.parts;
  options.exclude = cmd.exclude;
  options.cl = cmd.cl;
  options.method = method;
  options.screen_mr = !cmd.no_screen;
  return options;
}

int run_chart(const chart_command& cmd) {
  const std::optional<chart_type> chart = parse_chart_type(cmd.chart);
  if (!chart) throw usage_error(fmt::format("option --chart: unknown chart type '{}'", cmd.chart));
  const std::optional<runs_method> method = parse_runs_method(cmd.method);
  if (!method) throw usage_error(fmt::format("option --method: unknown method '{}'", cmd.method));
  check_columns(cmd, *chart);
  const rules_request req = check_rules(cmd, *chart);
  check_summary_option(cmd);

  const loaded_series data =
      needs_subgroup_sd(*chart) && cmd.sd.empty() ? read_subgroups(cmd) : read_points(cmd);
  if (req.mdc_mode) return run_mdc_chart(cmd, req, data);

  chart_options options = chart_options_of(cmd, *chart, *method);

  series_view series{data.y, data.n, data.sd};
  chart_result result;
  try {
    result = qic(series, options);
  } catch (const input_error& e) {
    translate(e, cmd, data);
  }

  std::optional<rule_report> rules;
  if (req.mask != 0) rules = chart_rules(result, req, cmd.rules);
  const rule_report* rules_ptr = rules ? &*rules : nullptr;
  if (cmd.multiply != 1.0) multiply(result, cmd.multiply);

  write_points(result, data, cmd.output, rules_ptr);
  if (!cmd.summary.empty()) write_chart_summary(cmd.summary, result, data, rules_ptr);
  if (!cmd.output.empty() && cmd.output != "-" && cmd.summary != "-")
    print_summary(cmd, *chart, options, result, data, rules_ptr);
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
  app.set_version_flag("--version,-V", std::string("spc ") + SPC_VERSION_STRING);
  // Set before the subcommands are added: they inherit it.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("spc: error: {}\nRun with --help for more information.\n", e.what());
  });
  app.require_subcommand(1);
  app.footer("Run 'spc chart --help' or 'spc batch --help' for the options of a subcommand.");

  chart_command chart;
  CLI::App* chart_app = add_chart_command(app, chart);
  batch_command batch;
  CLI::App* batch_app = add_batch_command(app, batch);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and version exit 0; every other parse error is a usage error.
    return app.exit(e) == 0 ? exit_ok : exit_usage_error;
  }

  try {
    if (chart_app->parsed()) return run_chart(chart);
    if (batch_app->parsed()) return run_batch(batch);
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
