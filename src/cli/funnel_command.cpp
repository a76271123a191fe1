// `spc funnel` (funnel_command.hpp): the options, the grouping of rows into units, the outputs
// and the report. The statistics are the library's (spc/funnel.hpp); the file is read by the
// pipeline's reader (series_table.hpp) and written by io::output_file.
#include "funnel_command.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_map>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "io/csv_writer.hpp"
#include "options.hpp"
#include "pipeline.hpp"
#include "series_table.hpp"
#include "spc/funnel.hpp"

namespace spc::cli {

namespace {

constexpr const char* description =
    "Compare units (hospitals, municipalities, nursing homes, wards) on one indicator with a funnel plot: "
    "each unit's ratio y/n against its size n, with 95 % and 99.8 % limits around a target that narrow as n "
    "grows, adjusted for over-dispersion between units when there is more than chance explains. A unit "
    "outside the drawn 99.8 % limits is an outlier. Rows that share a unit are summed. One output row per "
    "unit and one summary row per funnel (with --by, one funnel per group).";

// The outputs' columns (after the --by columns), each named once.
constexpr const char* unit_columns[] = {"unit",      "y",         "n",          "ratio",      "z",       "lcl_95",
                                        "ucl_95",    "lcl_998",   "ucl_998",    "od_lcl_95",  "od_ucl_95",
                                        "od_lcl_998", "od_ucl_998", "outlier",  "z_adjusted", "outlier_direction"};
constexpr const char* summary_columns[] = {"n_units",         "target",         "phi",        "tau2",      "overdispersed",
                                           "n_outliers_high", "n_outliers_low", "n_estimate", "adjustment"};

std::string joined(const char* const* first, const char* const* last) {
  std::string s;
  for (auto c = first; c != last; ++c) s += fmt::format("{}{}", c == first ? "" : ", ", *c);
  return s;
}

std::string footer() {
  return fmt::format(
      "Unit output: the --by columns, then {} (unit: the label as in the input; y, n: the sums of the unit's "
      "rows; z: the unadjusted z-score on the type's transformed scale; lcl_/ucl_: the unadjusted limits at the "
      "unit's n; od_*: the adjusted limits drawn, empty when none are; outlier: strictly outside the drawn "
      "99.8 % limits; z_adjusted: z with the additive adjustment; outlier_direction: high, low or empty). A unit "
      "without data (every row with a missing y or n) has its y, n and computed cells empty.\n\n"
      "Summary (--summary): the --by columns, then {} (n_units: units with data; phi, tau2: the dispersion "
      "ratio and the between-unit variance on the transformed scale, empty with fewer than 2 units in the "
      "estimate; overdispersed: phi > 1; n_estimate: the z-scores in the estimate; adjustment: the adjusted "
      "limits drawn, none, additive or multiplicative).\n\n"
      "Types: pr proportions (y cases with the outcome of n cases; exact binomial limits), sr indirectly "
      "standardised ratios O/E (y observed, n expected events; exact Poisson limits; --sr-method shmi: log "
      "scale and SHMI truncation, cqc: square-root scale and winsorising), rc ratios of counts (normal limits "
      "on the log scale). The method and its sources: docs/funnel.md.\n\n"
      "Examples: nursing homes, the share of residents screened for malnutrition:\n"
      "  spc funnel --input screening.csv --unit home --y screened --n residents --type pr --output homes.csv\n"
      "Standardised infection ratios per hospital, one funnel per infection:\n"
      "  spc funnel --input examples/data/hospital_infections_expected.csv --unit hospital --y n --n expected "
      "--type sr --by infection --summary funnels.csv\n\n"
      "Exit status: 0 success, 1 a problem in the data (the message names the group, the unit and its rows, "
      "the column and the value), 2 a problem on the command line (the message names the option).",
      joined(std::begin(unit_columns), std::end(unit_columns)),
      joined(std::begin(summary_columns), std::end(summary_columns)));
}

std::string ascii_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// --- Checks ----------------------------------------------------------------------------------------

struct funnel_request {
  funnel_options options;
  request read;         // for the pipeline's reader: the dialect; rows kept as they are (no points by x)
  bool report = false;  // --output FILE: the report for people on standard output
};

funnel_request check(const funnel_command& c) {
  funnel_request q;
  const std::optional<funnel_type> type = parse_funnel_type(ascii_lower(c.type));
  if (!type) throw usage_error(fmt::format("option --type: unknown type '{}'; the types are pr, sr and rc", c.type));
  q.options.type = *type;
  if (!c.sr_method.empty()) {
    if (*type != funnel_type::sr)
      throw usage_error(fmt::format(
          "option --sr-method: only for standardised ratios (--type sr), not --type {}", to_string(*type)));
    const std::optional<sr_method> method = parse_sr_method(ascii_lower(c.sr_method));
    if (!method) throw usage_error(fmt::format("option --sr-method: unknown method '{}'; use shmi or cqc", c.sr_method));
    q.options.method = *method;
  }
  const std::optional<overdispersion> od = parse_overdispersion(ascii_lower(c.overdispersion));
  if (!od)
    throw usage_error(fmt::format(
        "option --overdispersion: unknown mode '{}'; use auto, none, multiplicative or additive", c.overdispersion));
  q.options.adjustment = *od;
  if (!c.compat.empty()) {
    const std::optional<funnel_compat> compat = parse_funnel_compat(ascii_lower(c.compat));
    if (!compat || *compat == funnel_compat::none)
      throw usage_error(fmt::format("option --compat: unknown mode '{}'; the one mode is funnelplotr", c.compat));
    q.options.compat = *compat;
  }
  q.options.target = c.target;
  // The library's own check of the options, worded as options.
  if (const auto e = find_problem(q.options)) {
    if (e->argument() == "compat")
      throw usage_error(fmt::format("option --compat funnelplotr: {}{}", e->problem(),
                                    c.target ? " (--target)" : " (--overdispersion multiplicative)"));
    throw usage_error(fmt::format("option --{}: {}", e->argument(), e->problem()));
  }
  const command& r = c.read;
  for (const std::string& b : r.by) {
    if (b.empty()) throw usage_error("option --by: a column name is empty");
    for (const std::string* v : {&r.x, &r.y, &r.n})
      if (*v == b) throw usage_error(fmt::format("option --by: column '{}' is also the unit, y or n column", b));
  }
  q.read.dialect = check_dialect(r);
  q.read.points_by_x = false;  // the units' rows are summed by the library (funnel_batch)
  check_outputs(r, false, "units");
  q.report = !r.output.empty() && r.output != "-" && r.summary != "-";
  return q;
}

// --- Units -----------------------------------------------------------------------------------------

// The units of every group in order of first appearance: the unit of each row (over all groups)
// and each unit's first row, with F+1 boundaries over units.
struct unit_table {
  std::vector<std::size_t> of_row;
  std::vector<std::size_t> first_row;
  std::vector<std::size_t> offsets{0};

  std::string_view label(const series_table& t, std::size_t u) const { return t.x_of(first_row[u]); }
};

unit_table find_units(const series_table& t, const funnel_command& c) {
  unit_table u;
  u.of_row.resize(t.rows());
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t s = 0; s < t.series(); ++s) {
    index.clear();
    for (std::size_t r = t.offsets[s]; r < t.offsets[s + 1]; ++r) {
      const std::string_view label = t.x_of(r);
      if (label.empty())
        throw data_error(fmt::format("{}: row {}, column '{}': the unit is empty; every row needs a unit",
                                     t.source, t.row_in_file(r), c.unit()));
      const auto [it, added] = index.try_emplace(label, u.first_row.size());
      if (added) u.first_row.push_back(r);
      u.of_row[r] = it->second;
    }
    u.offsets.push_back(u.first_row.size());
  }
  return u;
}

// "row 3" or "rows 3, 7 and 2 more": the file rows of unit u.
std::string rows_of_unit(const series_table& t, const unit_table& units, std::size_t s, std::size_t u) {
  std::vector<std::uint64_t> rows;
  for (std::size_t r = t.offsets[s]; r < t.offsets[s + 1]; ++r)
    if (units.of_row[r] == u) rows.push_back(t.row_in_file(r));
  if (rows.size() == 1) return fmt::format("row {}", rows.front());
  constexpr std::size_t shown = 5;
  std::string text = "rows ";
  for (std::size_t k = 0; k < rows.size() && k < shown; ++k) text += fmt::format("{}{}", k ? ", " : "", rows[k]);
  if (rows.size() > shown) text += fmt::format(" and {} more", rows.size() - shown);
  return text;
}

// A funnel's problem in the user's terms: the group, the unit and its rows, the column.
std::string describe(const funnel_command& c, const series_table& t, const unit_table& units,
                     const funnel_problem& p) {
  std::string text = t.source + ": ";
  if (!c.read.by.empty()) text += fmt::format("group '{}': ", t.series_name(c.read, p.funnel));
  const std::string& arg = p.error.argument();
  if ((arg == "y" || arg == "n") && p.unit != input_error::npos)
    return text + fmt::format("unit '{}' ({}), column '{}': {}", units.label(t, p.unit),
                              rows_of_unit(t, units, p.funnel, p.unit), arg == "y" ? c.read.y : c.read.n,
                              p.error.problem());
  if (arg == "overdispersion") return text + fmt::format("{} (--overdispersion {})", p.error.problem(), c.overdispersion);
  if (arg == "target") return text + fmt::format("{} (--target VALUE)", p.error.problem());
  return text + p.error.problem();
}

// --- Outputs ---------------------------------------------------------------------------------------

constexpr std::size_t flush_bytes = std::size_t{1} << 20;

std::string header(const funnel_command& c, const char* const* first, const char* const* last) {
  std::string h;
  io::csv_row row(h);
  for (const std::string& b : c.read.by) row.field(std::string_view(b));
  for (auto col = first; col != last; ++col) row.field(*col);
  row.end();
  return h;
}

void group_fields(io::csv_row& row, const series_table& t, std::size_t f) {
  for (std::size_t g = 0; g < t.groups; ++g) row.field(std::string_view(t.keys[f * t.groups + g]));
}

void write_units(io::output_file& out, const funnel_command& c, const series_table& t, const unit_table& units,
                 const funnel_batch_result& b) {
  std::string text = header(c, std::begin(unit_columns), std::end(unit_columns));
  const funnel_units& u = b.units;
  for (std::size_t f = 0; f + 1 < units.offsets.size(); ++f) {
    for (std::size_t k = units.offsets[f]; k < units.offsets[f + 1]; ++k) {
      io::csv_row row(text);
      group_fields(row, t, f);
      row.field(units.label(t, k));
      for (double v : {u.y[k], u.n[k], u.ratio[k], u.z[k], u.lcl_95[k], u.ucl_95[k], u.lcl_998[k], u.ucl_998[k],
                       u.od_lcl_95[k], u.od_ucl_95[k], u.od_lcl_998[k], u.od_ucl_998[k]})
        row.field(v);
      const funnel_flag flag = u.outlier[k];
      if (flag == funnel_flag::no_data)
        row.field(na);  // an empty cell
      else
        row.field(flag == funnel_flag::high || flag == funnel_flag::low);
      row.field(u.z_adjusted[k]);
      row.field(to_string(flag));
      row.end();
      if (text.size() >= flush_bytes) {
        out.write(text);
        text.clear();
      }
    }
  }
  out.write(text);
}

void write_summary(io::output_file& out, const funnel_command& c, const series_table& t,
                   const funnel_batch_result& b) {
  std::string text = header(c, std::begin(summary_columns), std::end(summary_columns));
  for (std::size_t f = 0; f < b.summaries.size(); ++f) {
    const funnel_summary& s = b.summaries[f];
    io::csv_row row(text);
    group_fields(row, t, f);
    row.field(static_cast<long long>(s.n_units));
    row.field(s.target);
    row.field(s.phi);
    row.field(s.tau2);
    row.field(s.overdispersed);
    row.field(static_cast<long long>(s.n_outliers_high));
    row.field(static_cast<long long>(s.n_outliers_low));
    row.field(static_cast<long long>(s.n_estimate));
    row.field(to_string(s.adjustment));
    row.end();
    if (text.size() >= flush_bytes) {
      out.write(text);
      text.clear();
    }
  }
  out.write(text);
}

// --- The report for people -------------------------------------------------------------------------

std::string number(double v) {
  if (std::isnan(v)) return "NA";
  return fmt::format("{:.5g}", v);
}

std::string_view type_noun(const funnel_options& o) {
  switch (o.type) {
    case funnel_type::pr: return "proportions (pr)";
    case funnel_type::sr: return o.method == sr_method::shmi ? "standardised ratios O/E (sr, shmi)"
                                                             : "standardised ratios O/E (sr, cqc)";
    case funnel_type::rc: return "ratios of counts (rc)";
  }
  return "";
}

// "2 high: AHH (1.52), BOH (1.4)": the outliers on one side, the first ten named.
std::string outliers(const series_table& t, const unit_table& units, const funnel_batch_result& b, std::size_t f,
                     funnel_flag side) {
  constexpr std::size_t shown = 10;
  std::string names;
  std::size_t count = 0;
  for (std::size_t k = units.offsets[f]; k < units.offsets[f + 1]; ++k) {
    if (b.units.outlier[k] != side) continue;
    if (count < shown)
      names += fmt::format("{}{} ({})", count ? ", " : ": ", units.label(t, k), number(b.units.ratio[k]));
    ++count;
  }
  if (count > shown) names += fmt::format(" and {} more", count - shown);
  return fmt::format("{} {}{}", count, side == funnel_flag::high ? "high" : "low", names);
}

void print_report(const funnel_command& c, const funnel_request& q, const series_table& t, const unit_table& units,
                  const funnel_batch_result& b) {
  const std::size_t F = b.summaries.size();
  std::size_t with_data = 0;
  for (const funnel_summary& s : b.summaries) with_data += s.n_units;
  const command& r = c.read;
  fmt::print("Funnel plot of {} '{}' / '{}' by '{}' from {}: {}{} units; written to {}\n", type_noun(q.options), r.y,
             r.n, r.x, t.source, F > 1 || !r.by.empty() ? fmt::format("{} funnels, ", F) : "", with_data, r.output);
  constexpr std::size_t shown = 20;
  for (std::size_t f = 0; f < F && f < shown; ++f) {
    const funnel_summary& s = b.summaries[f];
    const std::size_t units_here = units.offsets[f + 1] - units.offsets[f];
    std::string head = r.by.empty() ? "Funnel" : fmt::format("Group {}", t.series_name(r, f));
    fmt::print("{}: {} units{}; target {} ({})\n", head, s.n_units,
               units_here > s.n_units ? fmt::format(" ({} without data)", units_here - s.n_units) : "",
               number(s.target),
               q.options.target ? "given" : q.options.type == funnel_type::sr ? "O = E" : "pooled");
    std::string dispersion =
        std::isnan(s.phi) ? fmt::format("  over-dispersion not estimated (fewer than {} units in the estimate)",
                                        funnel_min_estimate_units)
                          : fmt::format("  phi {}, tau2 {} ({} units in the estimate): {}", number(s.phi),
                                        number(s.tau2), s.n_estimate,
                                        s.overdispersed ? "over-dispersed (phi > 1)" : "not over-dispersed");
    const std::string_view drawn = s.adjustment == funnel_adjustment::none       ? "unadjusted limits drawn"
                                   : s.adjustment == funnel_adjustment::additive ? "additive adjusted limits drawn"
                                                                                 : "multiplicative adjusted limits drawn";
    fmt::print("{}; {}\n", dispersion, drawn);
    fmt::print("  outliers outside the 99.8 % limits: {}; {}\n", outliers(t, units, b, f, funnel_flag::high),
               outliers(t, units, b, f, funnel_flag::low));
  }
  if (F > shown) fmt::print("... and {} more funnels (see the summary, --summary FILE)\n", F - shown);
}

}  // namespace

CLI::App* add_funnel_command(CLI::App& app, funnel_command& c) {
  CLI::App* sub = app.add_subcommand("funnel", description);
  command& r = c.read;
  sub->add_option("--input,-i", r.input,
                  "CSV file with a header row, one row per unit or several (summed); '-' reads standard input. "
                  "Empty cells and NA are missing values: such a row is left out of its unit's sums")
      ->required()
      ->type_name("FILE")
      ->group("Input");
  sub->add_option("--unit", r.x, "Column naming the unit; rows with the same unit (within a --by group) are summed")
      ->required()
      ->type_name("COL")
      ->group("Input");
  sub->add_option("--y", r.y, "Column of numerators: cases with the outcome (pr), observed events (sr), the count (rc)")
      ->required()
      ->type_name("COL")
      ->group("Input");
  sub->add_option("--n", r.n,
                  "Column of denominators: cases (pr, whole numbers), expected events from a risk model (sr), the "
                  "second count (rc)")
      ->required()
      ->type_name("COL")
      ->group("Input");
  sub->add_option("--by", r.by,
                  "Columns naming the funnels (comma-separated): one funnel per distinct combination, in order of "
                  "first appearance, each with its own target, phi, tau2 and summary row. Rows of a group need not "
                  "be next to each other")
      ->delimiter(',')
      ->type_name("COL,...")
      ->group("Input");
  add_dialect_options(sub, r);
  sub->add_option("--type,-t", c.type,
                  "pr (proportions: exact binomial limits), sr (indirectly standardised ratios O/E: exact Poisson "
                  "limits) or rc (ratios of counts: normal limits on the log scale)")
      ->required()
      ->type_name("TYPE")
      ->transform(CLI::IsMember({"pr", "sr", "rc"}, CLI::ignore_case))
      ->group("Funnel");
  sub->add_option("--target", c.target,
                  "The target instead of the default (pr, rc: the pooled sum(y) / sum(n); sr: 1), for every group: "
                  "between 0 and 1 for pr, positive for sr and rc")
      ->type_name("VALUE")
      ->group("Funnel");
  sub->add_option("--overdispersion", c.overdispersion,
                  "Adjusted limits for variation between units beyond chance: auto (additive, drawn when phi > 1), "
                  "none, additive (random effects, tau2; always) or multiplicative (scaled by sqrt(phi); always)")
      ->type_name("MODE")
      ->transform(CLI::IsMember({"auto", "none", "multiplicative", "additive"}, CLI::ignore_case))
      ->capture_default_str()
      ->group("Funnel");
  sub->add_option("--sr-method", c.sr_method,
                  "sr only: shmi (log scale, SHMI truncation of the z-scores; the default) or cqc (square-root scale, "
                  "winsorised z-scores)")
      ->type_name("METHOD")
      ->transform(CLI::IsMember({"shmi", "cqc"}, CLI::ignore_case))
      ->group("Funnel");
  sub->add_option("--compat", c.compat,
                  "funnelplotr: FunnelPlotR 0.6.0's numbers (rounded quantiles, chi-square SR limits, arcsine PR "
                  "limits, its CQC and RC limits, no widening; docs/funnel.md). Not with --target or "
                  "--overdispersion multiplicative")
      ->type_name("MODE")
      ->transform(CLI::IsMember({"funnelplotr"}, CLI::ignore_case))
      ->group("Funnel");
  sub->add_option("--output,-o", r.output,
                  "Write the unit CSV to this file and print a short report to standard output. Default: the CSV goes "
                  "to standard output and nothing else is printed there")
      ->type_name("FILE")
      ->group("Output");
  sub->add_option("--summary", r.summary,
                  "Write one CSV row per funnel to this file ('-' = standard output, only with --output FILE)")
      ->type_name("FILE")
      ->group("Output");
  sub->footer(footer());
  return sub;
}

int run_funnel(const funnel_command& c) {
  start_progress("spc funnel");
  const funnel_request q = check(c);
  const series_table t = read_series(c.read, q.read);
  const std::size_t rows = t.rows();
  for (std::size_t s = 0; s < t.series(); ++s)
    if (!t.bad_value[s].empty()) throw data_error(fmt::format("{}: {}", t.source, t.bad_value[s]));
  const unit_table units = find_units(t, c);
  if (rows >= large_input) progress(fmt::format("computing {} funnels of {} units,", t.series(), units.first_row.size()), rows);

  const funnel_batch_input in{.y = t.y, .n = t.n, .unit = units.of_row, .offsets = units.offsets};
  const funnel_batch_result b = funnel_batch(in, {.sets = {&q.options, 1}, .set_of_funnel = {}, .threads = 0});
  if (!b.problems.empty()) {
    std::string text = describe(c, t, units, b.problems.front());
    if (b.problems.size() > 1)
      text += fmt::format("\nspc: error: and {} more group{} with a problem", b.problems.size() - 1,
                          b.problems.size() > 2 ? "s" : "");
    throw data_error(text);
  }

  // Both files are written to temporary files and committed together at the end.
  io::output_file unit_file(c.read.output);
  std::optional<io::output_file> summary_file;
  if (!c.read.summary.empty()) summary_file.emplace(c.read.summary);
  write_units(unit_file, c, t, units, b);
  if (summary_file) write_summary(*summary_file, c, t, b);
  unit_file.commit();
  if (summary_file) summary_file->commit();
  if (q.report) print_report(c, q, t, units, b);
  if (rows >= large_input) progress(fmt::format("done: {} funnels,", t.series()), rows);
  return exit_ok;
}

}  // namespace spc::cli
