// The options of `spc chart` and `spc batch`: definitions, validators and checks (options.hpp).
#include "options.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <utility>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "io/csv_reader.hpp"

namespace spc::cli {

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string ascii_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// --- Validators ----------------------------------------------------------------------------------

// CLI11 converts integers with strtoull(base 0), which accepts "-1" (as a huge number) and reads
// "010" as octal; positions are therefore checked as plain decimal text, and leading zeros
// dropped, before conversion.
CLI::Validator position_validator(bool allow_zero) {
  return CLI::Validator(
      [allow_zero](std::string& s) -> std::string {
        if (!all_digits(s)) return fmt::format("'{}' is not a position (a whole number counting from 1)", s);
        s.erase(0, std::min(s.find_first_not_of('0'), s.size() - 1));
        if (!allow_zero && s == "0") return "positions count from 1; 0 is not a position";
        if (s.size() > 18) return fmt::format("position {} is too large", s);
        return {};
      },
      "");
}

CLI::Validator number_validator(bool positive) {
  return CLI::Validator(
      [positive](std::string& s) -> std::string {
        double v = 0;
        if (!io::parse_number(s, v) || !std::isfinite(v)) return fmt::format("'{}' is not a finite number", s);
        if (positive && v <= 0) return fmt::format("'{}' is not a positive number", s);
        return {};
      },
      "");
}

// What --rules accepts, for its help and its error messages.
std::string rule_names_text() {
  std::string sets, rules;
  for (std::size_t k = 0; k < rule_set_count; ++k)
    sets += fmt::format("{}{}", k ? ", " : "", to_string(static_cast<rule_set>(k)));
  for (std::size_t k = 0; k < rule_count; ++k) rules += fmt::format("{}{}", k ? ", " : "", to_string(static_cast<rule>(k)));
  return fmt::format("the rule sets are {}; the single rules are {}", sets, rules);
}

// --rules: a comma-separated list of rule sets and single rules, lowercased.
CLI::Validator rules_validator() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        s = ascii_lower(s);
        std::string_view rest = s;
        while (true) {
          const std::size_t comma = rest.find(',');
          const std::string_view item = trimmed(rest.substr(0, comma));
          if (item.empty())
            return fmt::format("'{}' has an empty item; give rule sets or rules separated by commas", s);
          if (!parse_rule_set(item) && !parse_rule(item))
            return fmt::format("'{}' is not a rule set or a rule; {}", item, rule_names_text());
          if (comma == std::string_view::npos) break;
          rest.remove_prefix(comma + 1);
        }
        return {};
      },
      "");
}

// --fix-after: a whole number of points, at least NHSRplotthedots' minimum.
CLI::Validator fix_after_validator() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        if (!all_digits(s))
          return fmt::format("'{}' is not a number of points (a whole number, at least {})", s, mdc_min_fix_points);
        s.erase(0, std::min(s.find_first_not_of('0'), s.size() - 1));
        if (s.size() > 18) return fmt::format("{} points is too large", s);
        if (std::stoull(s) < mdc_min_fix_points)
          return fmt::format(
              "{} points are too few: the mean and limits of a period need at least {} points (as "
              "NHSRplotthedots); leave --fix-after out to use every point",
              s, mdc_min_fix_points);
        return {};
      },
      "");
}

// --- Help texts from the chart table ---------------------------------------------------------------

std::vector<std::string> chart_names() {
  std::vector<std::string> names;
  for (const chart_info& c : chart_table()) names.emplace_back(c.name);
  return names;
}

std::string names_where(bool (*keep)(const chart_info&)) {
  std::string s;
  for (const chart_info& c : chart_table())
    if (keep(c)) s += fmt::format("{}{}", s.empty() ? "" : ", ", c.name);
  return s;
}

std::string chart_help() {
  std::string s = "Chart type: ";
  for (const chart_info& c : chart_table())
    s += fmt::format("{}{} ({})", c.name == chart_table().front().name ? "" : ", ", c.name, c.description);
  return s;
}

std::string n_help() {
  return fmt::format(
      "Column of denominators: required for {} (the number of cases, or the exposure); optional for {} "
      "(y/n is plotted); for {} the subgroup size, only with --sd (one row per subgroup); not taken by {}",
      names_where([](const chart_info& c) { return c.denominator == denominator_use::required && !c.subgroup_sd; }),
      names_where([](const chart_info& c) { return c.denominator == denominator_use::optional; }),
      names_where([](const chart_info& c) { return c.subgroup_sd; }),
      names_where([](const chart_info& c) { return c.denominator == denominator_use::none; }));
}

// Rules that read the limits or the sigma zones: they cannot fire on a chart without limits.
constexpr rule_mask limit_rules = rule_bit(rule::sigma3) | rule_bit(rule::we1) | rule_bit(rule::we2) |
                                  rule_bit(rule::we3) | rule_bit(rule::nelson1) | rule_bit(rule::nelson5) |
                                  rule_bit(rule::nelson6) | rule_bit(rule::nelson7) | rule_bit(rule::nelson8) |
                                  rule_bit(rule::mdc_beyond) | rule_bit(rule::mdc_two_in_three);
constexpr rule_mask mdc_set = rules_in(rule_set::mdc);

// --- Checks ----------------------------------------------------------------------------------------

// The columns against the chart table.
void check_columns(const command& cmd, const chart_info& c, bool grouped) {
  if (c.subgroup_sd) {
    if (cmd.sd.empty()) {
      if (cmd.x.empty())
        throw usage_error(fmt::format(
            "option --x: the {} chart reads one row per measurement and needs the subgroup column (--x COL); "
            "for one row per subgroup give --n and --sd instead",
            c.name));
      if (!cmd.n.empty())
        throw usage_error(fmt::format(
            "option --n: with raw measurements the {} chart counts the subgroup sizes itself; give --n only "
            "together with --sd (one row per subgroup)",
            c.name));
    } else if (cmd.n.empty()) {
      throw usage_error(fmt::format(
          "option --n: with --sd (one row per subgroup) the {} chart needs the subgroup size column (--n COL)",
          c.name));
    }
  } else {
    // The library's own check, worded as options.
    if (auto problem = check_inputs(c, !cmd.n.empty(), !cmd.sd.empty()))
      throw usage_error(fmt::format("option --{}: {}", problem->argument(), problem->problem()));
  }
  const std::string* value_columns[] = {&cmd.x, &cmd.y, &cmd.n, &cmd.sd};
  for (const auto& b : cmd.by) {
    if (b.empty()) throw usage_error("option --by: a column name is empty");
    for (const std::string* v : value_columns)
      if (*v == b) throw usage_error(fmt::format("option --by: column '{}' is also a value or label column", b));
  }
  (void)grouped;
}

}  // namespace

// --sep, --decimal, --encoding.
io::csv_dialect check_dialect(const command& cmd) {
  io::csv_dialect d;
  d.separator = 0;  // detected
  const std::string sep = ascii_lower(cmd.sep);
  if (sep == "tab" || sep == "\\t" || sep == "\t")
    d.separator = '\t';
  else if (sep.size() == 1 && (sep == "," || sep == ";" || sep == "|"))
    d.separator = sep[0];
  else if (!sep.empty())
    throw usage_error(fmt::format("option --sep: '{}' is not a separator; give ',', ';', tab or '|'", cmd.sep));
  if (cmd.decimal != "." && cmd.decimal != ",")
    throw usage_error(fmt::format("option --decimal: '{}' is not a decimal mark; give . or ,", cmd.decimal));
  d.decimal = cmd.decimal[0];
  if (d.separator == d.decimal)
    throw usage_error(
        "option --decimal: a decimal comma needs another separator between fields (--sep ';', as Excel writes "
        "with a decimal comma)");
  const auto encoding = io::parse_text_encoding(cmd.encoding);
  if (!encoding)
    throw usage_error(fmt::format("option --encoding: '{}' is not an encoding this tool reads; give utf-8, "
                                  "windows-1252 or latin-1",
                                  cmd.encoding));
  d.encoding = *encoding;
  return d;
}

void check_outputs(const command& cmd, bool grouped, std::string_view rows) {
  const bool points_to_stdout = cmd.output.empty() || cmd.output == "-";
  if (cmd.summary.empty()) return;
  if (cmd.summary == "-" && cmd.output == "-")
    throw usage_error("options --output and --summary: only one of them can go to standard output");
  if (!grouped && cmd.summary == "-" && points_to_stdout)
    throw usage_error(fmt::format(
        "option --summary: the {} already go to standard output; give --output FILE to send the "
        "summary there, or give the summary a file name",
        rows));
  // The same file under two names (a.csv and ./a.csv, or a link) is the same file.
  const auto same_file = [](const std::string& a, const std::string& b) {
    std::error_code e1, e2, e3;
    if (std::filesystem::equivalent(a, b, e1) && !e1) return true;
    const auto ca = std::filesystem::weakly_canonical(a, e2), cb = std::filesystem::weakly_canonical(b, e3);
    return e2 || e3 ? a == b : ca == cb;
  };
  if (!points_to_stdout && cmd.summary != "-" && same_file(cmd.summary, cmd.output))
    throw usage_error(fmt::format("options --output and --summary: '{}' and '{}' are the same file; the two outputs "
                                  "need different files",
                                  cmd.output, cmd.summary));
}

namespace {

// The rule options, and the Making Data Count mode's.
void check_rules(const command& cmd, request& req) {
  rule_mask mask = 0;
  if (!cmd.rules.empty()) {
    const std::optional<rule_mask> parsed = parse_rules(ascii_lower(cmd.rules));
    if (!parsed)
      throw usage_error(
          fmt::format("option --rules: '{}' is not a list of rule sets and rules; {}", cmd.rules, rule_names_text()));
    mask = *parsed;
  }
  const bool mdc_mode = req.chart == chart_type::i && (mask & mdc_set) == mdc_set;

  const std::pair<bool, std::string_view> rule_parameters[] = {{cmd.trend_points.has_value(), "trend-points"},
                                                               {cmd.shift_points.has_value(), "shift-points"},
                                                               {!cmd.two_in_three.empty(), "two-in-three"}};
  for (const auto& [given, name] : rule_parameters)
    if (given && (mask & mdc_set) == 0)
      throw usage_error(fmt::format(
          "option --{}: sets a parameter of the Making Data Count rules, which --rules does not ask for; add "
          "--rules mdc",
          name));
  req.rules.rules = mask;
  req.rules.mdc.trend = cmd.trend_points.value_or(req.rules.mdc.trend);
  req.rules.mdc.shift = cmd.shift_points.value_or(req.rules.mdc.shift);
  if (!cmd.two_in_three.empty())
    req.rules.mdc.two_in_three = parse_two_in_three_policy(cmd.two_in_three).value_or(two_in_three_policy::band_only);

  const std::pair<bool, std::string_view> mode_options[] = {{!cmd.improvement.empty(), "improvement"},
                                                            {!std::isnan(cmd.target), "target"},
                                                            {!cmd.rebase.empty(), "rebase"},
                                                            {cmd.fix_after.has_value(), "fix-after"}};
  if (!mdc_mode) {
    for (const auto& [given, name] : mode_options)
      if (given)
        throw usage_error(fmt::format(
            "option --{}: only in the Making Data Count mode, which is --chart i --rules mdc{}", name,
            req.chart == chart_type::i ? std::string() : fmt::format(" (not --chart {})", req.info->name)));
    if (!req.info->has_limits && mask != 0 && (mask & ~limit_rules) == 0)
      throw usage_error(fmt::format(
          "option --rules: {} {} control limits, which a run chart does not have; use a control chart, or the "
          "run-chart rules (anhoej, ihi)",
          rule_list_text(mask, ", "), std::popcount(mask) == 1 ? "needs" : "need"));
    return;
  }

  if (cmd.improvement.empty())
    throw usage_error(
        "option --improvement: the Making Data Count mode (--chart i --rules mdc) needs the improvement "
        "direction: increase, decrease or neutral");
  if (cmd.freeze > 0)
    throw usage_error(
        "option --freeze: not in the Making Data Count mode; --fix-after N takes the mean and limits of each "
        "period from its first N points");
  if (!cmd.parts.empty())
    throw usage_error(
        "option --parts: not in the Making Data Count mode; --rebase I,J,... starts new periods at points I, "
        "J, ... (--parts 12 is --rebase 13)");
  if (!cmd.exclude.empty())
    throw usage_error(
        "option --exclude: not in the Making Data Count mode, which has no excluded points (a missing value "
        "is a gap)");
  if (!std::isnan(cmd.cl))
    throw usage_error(
        "option --cl: not in the Making Data Count mode, where the centre line is the mean of each period");
  if (req.options.method != runs_method::anhoej)
    throw usage_error(
        "option --method: the Making Data Count mode has no runs analysis; --rules mdc,anhoej adds the Anhøj "
        "rules");
  for (std::size_t k = 1; k < cmd.rebase.size(); ++k)
    if (cmd.rebase[k] <= cmd.rebase[k - 1]) throw usage_error("option --rebase: positions must be strictly increasing");
  mdc_options m;
  m.direction = parse_improvement_direction(cmd.improvement).value_or(improvement_direction::increase);
  m.rebase = cmd.rebase;
  m.fix_after_n_points = cmd.fix_after.value_or(0);
  m.screen_outliers = !cmd.no_screen;
  m.target = cmd.target;
  req.mdc = std::move(m);
}

// --- The sequential charts (spc/sequential.hpp) ---------------------------------------------------
// Which chart reads which parameter is the chart table's (chart_info::parameters); the values are
// checked by the library's find_problem, worded here as options.

struct sequential_option {
  std::string_view option;  // the long name on the command line
  chart_parameter parameter;
};

constexpr sequential_option sequential_options_table[] = {
    {"target", chart_parameter::target},   {"sigma", chart_parameter::sigma},
    {"freeze", chart_parameter::freeze},   {"no-screen", chart_parameter::screen},
    {"screen", chart_parameter::screen},   {"k", chart_parameter::k},
    {"h", chart_parameter::h},             {"headstart", chart_parameter::headstart},
    {"reset", chart_parameter::reset},     {"no-reset", chart_parameter::reset},
    {"lambda", chart_parameter::lambda},   {"L", chart_parameter::L},
    {"asymptotic", chart_parameter::asymptotic}, {"p0", chart_parameter::p0},
    {"or", chart_parameter::odds_ratio},   {"limit", chart_parameter::limit},
    {"ra", chart_parameter::ra},           {"r0", chart_parameter::r0}};

// The options of the run and Shewhart charts that mean nothing for a sequential chart
// (sequential.md §3.4): refused rather than ignored.
constexpr std::string_view shewhart_options[] = {"parts",       "exclude",    "cl",           "rules",
                                                 "method",      "multiply",   "improvement",  "rebase",
                                                 "fix-after",   "trend-points", "shift-points", "two-in-three"};

// "the cusum chart", "the cusum and racusum charts": the charts that read a parameter.
std::string charts_reading(chart_parameter p) {
  std::vector<std::string_view> names;
  for (const chart_info& c : chart_table())
    if (c.reads(p)) names.push_back(c.name);
  std::string s = "the ";
  for (std::size_t k = 0; k < names.size(); ++k)
    s += fmt::format("{}{}", k == 0 ? "" : k + 1 == names.size() ? " and " : ", ", names[k]);
  return s + (names.size() == 1 ? " chart" : " charts");
}

// A Shewhart chart given an option of the sequential charts.
void refuse_sequential_options(const command& cmd, const chart_info& c) {
  for (const auto& [option, parameter] : sequential_options_table) {
    // --target, --freeze and --(no-)screen are the Shewhart charts' (or the MDC mode's) too.
    if (parameter == chart_parameter::target || parameter == chart_parameter::freeze ||
        parameter == chart_parameter::screen)
      continue;
    if (cmd.was_given(option))
      throw usage_error(fmt::format("option --{}: a parameter of {}, not of the {} chart", option,
                                    charts_reading(parameter), c.name));
  }
  if (!cmd.risk.empty())
    throw usage_error(fmt::format("option --risk: only the {} charts read predicted risks, not the {} chart",
                                  names_where([](const chart_info& i) { return i.reads_risk; }), c.name));
}

void check_sequential(const command& cmd, request& req) {
  const chart_info& c = *req.info;
  for (std::string_view option : shewhart_options)
    if (cmd.was_given(option))
      throw usage_error(fmt::format("option --{}: does not apply to the {} chart, a sequential chart (it applies to the "
                                    "run and Shewhart charts)",
                                    option, c.name));
  if (!cmd.n.empty())
    throw usage_error(fmt::format(
        "option --n: the {} chart takes no denominator: it reads one {} per row{}", c.name,
        c.y_domain == value_domain::binary ? "outcome (0 or 1)" : "value",
        c.y_domain == value_domain::binary ? "" : " (chart a rate by giving it as --y)"));
  if (!cmd.sd.empty()) throw usage_error(fmt::format("option --sd: the {} chart takes no subgroup standard deviations", c.name));
  if (c.reads_risk && cmd.risk.empty())
    throw usage_error(fmt::format("option --risk: the {} chart needs the column of each patient's predicted risk "
                                  "(--risk COL)",
                                  c.name));
  if (!c.reads_risk && !cmd.risk.empty())
    throw usage_error(fmt::format("option --risk: the {} chart reads no predicted risks (only {} do)", c.name,
                                  names_where([](const chart_info& i) { return i.reads_risk; })));
  for (const auto& [option, parameter] : sequential_options_table)
    if (cmd.was_given(option) && !c.reads(parameter))
      throw usage_error(fmt::format("option --{}: not a parameter of the {} chart (it is a parameter of {})", option, c.name,
                                    charts_reading(parameter)));
  for (const auto& b : cmd.by) {
    if (b.empty()) throw usage_error("option --by: a column name is empty");
    for (const std::string* v : {&cmd.x, &cmd.y, &cmd.risk})
      if (*v == b) throw usage_error(fmt::format("option --by: column '{}' is also a value or label column", b));
  }

  sequential_options o;
  o.chart = c.type;
  const bool screen = !cmd.no_screen;
  o.cusum.target = o.ewma.target = cmd.target;
  o.cusum.sigma = o.ewma.sigma = cmd.sigma.value_or(na);
  o.cusum.freeze = o.ewma.freeze = o.bernoulli.freeze = cmd.freeze;
  o.cusum.screen_mr = o.ewma.screen_mr = screen;
  o.cusum.reset = o.bernoulli.reset = o.racusum.reset = !cmd.no_reset;
  o.cusum.k = cmd.k.value_or(o.cusum.k);
  o.cusum.h = cmd.h.value_or(o.cusum.h);
  o.cusum.headstart = cmd.headstart.value_or(o.cusum.headstart);
  o.ewma.lambda = cmd.lambda.value_or(o.ewma.lambda);
  o.ewma.L = cmd.L.value_or(o.ewma.L);
  o.ewma.asymptotic = cmd.asymptotic;
  o.bernoulli.p0 = cmd.p0.value_or(na);
  o.bernoulli.odds_ratio = cmd.odds_ratio.value_or(o.bernoulli.odds_ratio);
  o.bernoulli.limit = cmd.limit.value_or(o.bernoulli.limit);
  o.racusum.ra = cmd.ra.value_or(o.racusum.ra);
  o.racusum.r0 = cmd.r0.value_or(o.racusum.r0);
  o.racusum.h = cmd.h.value_or(o.racusum.h);
  // The library's checks of the values, worded as options (freeze beyond the series is found
  // once the series is read).
  if (auto problem = find_problem(o)) {
    const std::string_view option = option_of(problem->argument());
    throw usage_error(fmt::format("option --{}: {}", option.empty() ? problem->argument() : option, problem->problem()));
  }
  req.sequential = std::move(o);
}

// Automatic phases (phases.md §8.1): the options only with --phases auto; the options the phases
// replace; the method's own parameters and the chart as the library checks them.
void check_phases(const command& cmd, request& req) {
  const std::pair<bool, std::string_view> parameters[] = {
      {!cmd.phase_method.empty(), "phase-method"}, {cmd.min_phase.has_value(), "min-phase"},
      {cmd.runlength.has_value(), "runlength"},    {!cmd.direction.empty(), "direction"},
      {cmd.alpha.has_value(), "alpha"},            {cmd.med_rows.has_value(), "med-rows"}};
  if (cmd.phases.empty()) {
    for (const auto& [given, name] : parameters)
      if (given) throw usage_error(fmt::format("option --{}: a parameter of automatic phases; only with --phases auto", name));
    return;
  }
  if (ascii_lower(cmd.phases) != "auto")
    throw usage_error(fmt::format(
        "option --phases: '{}' is not a value of --phases; auto is the only one (to give the phases yourself, use "
        "--parts, or --rebase in the Making Data Count mode)",
        cmd.phases));
  if (req.mdc && !req.mdc->rebase.empty())
    throw usage_error("option --rebase: not with --phases auto, which proposes the periods");
  if (req.mdc && req.mdc->fix_after_n_points != 0)
    throw usage_error(
        "option --fix-after: not with --phases auto, where each period's mean and limits come from all of its "
        "points");
  phase_options p;
  if (!cmd.phase_method.empty()) p.method = parse_phase_method(ascii_lower(cmd.phase_method)).value_or(p.method);
  if (!cmd.direction.empty()) p.direction = parse_phase_direction(ascii_lower(cmd.direction)).value_or(p.direction);
  p.min_phase = cmd.min_phase;
  p.runlength = cmd.runlength;
  p.alpha = cmd.alpha;
  p.med_rows = cmd.med_rows;
  // The Making Data Count mode proposes on its I chart, screened as its limits are.
  chart_options chart = req.options;
  if (req.mdc) {
    chart = chart_options{};
    chart.chart = chart_type::i;
    chart.screen_mr = req.mdc->screen_outliers;
  }
  if (auto problem = find_problem(p, chart)) {
    const std::string_view option = option_of(problem->argument());
    throw usage_error(fmt::format("option --{}: {}", option.empty() ? problem->argument() : std::string(option),
                                  problem->problem()));
  }
  req.phases = p;
}

}  // namespace

bool command::was_given(std::string_view option) const {
  return std::find(given.begin(), given.end(), option) != given.end();
}

std::string rule_list_text(rule_mask mask, std::string_view separator) {
  std::string s;
  for (std::size_t k = 0; k < rule_count; ++k)
    if (has_rule(mask, static_cast<rule>(k)))
      s += fmt::format("{}{}", s.empty() ? "" : separator, to_string(static_cast<rule>(k)));
  return s;
}

std::string_view option_of(std::string_view argument) noexcept {
  constexpr std::pair<std::string_view, std::string_view> names[] = {
      {"freeze", "freeze"}, {"parts", "parts"},   {"exclude", "exclude"}, {"cl", "cl"},
      {"method", "method"}, {"chart", "chart"},   {"rebase", "rebase"},   {"fix_after_n_points", "fix-after"},
      {"target", "target"}, {"mdc.trend", "trend-points"}, {"mdc.shift", "shift-points"},
      // The sequential charts' parameters (spc/sequential.hpp).
      {"sigma", "sigma"}, {"k", "k"}, {"h", "h"}, {"headstart", "headstart"}, {"lambda", "lambda"}, {"L", "L"},
      {"p0", "p0"}, {"odds_ratio", "or"}, {"limit", "limit"}, {"ra", "ra"}, {"r0", "r0"},
      {"phase_method", "phase-method"}, {"min_phase", "min-phase"}, {"runlength", "runlength"},
      {"alpha", "alpha"}, {"med_rows", "med-rows"}};
  for (const auto& [name, option] : names)
    if (argument == name) return option;
  return {};
}

request check_command(const command& cmd, bool grouped) {
  request req;
  const std::optional<chart_type> chart = parse_chart_type(ascii_lower(cmd.chart));
  if (!chart) throw usage_error(fmt::format("option --chart: unknown chart type '{}'", cmd.chart));
  const std::optional<runs_method> method = parse_runs_method(ascii_lower(cmd.method));
  if (!method) throw usage_error(fmt::format("option --method: unknown method '{}'", cmd.method));
  req.chart = *chart;
  req.info = &info(*chart);
  req.grouped = grouped;
  if (req.info->sequential()) {
    check_sequential(cmd, req);
    check_outputs(cmd, grouped);
    req.per_point = !grouped || !cmd.output.empty() || cmd.summary.empty();
    req.report = !grouped && !cmd.output.empty() && cmd.output != "-" && cmd.summary != "-";
    return req;
  }
  refuse_sequential_options(cmd, *req.info);
  req.options.chart = *chart;
  req.options.freeze = cmd.freeze;
  req.options.parts = cmd.parts;
  req.options.exclude = cmd.exclude;
  req.options.cl = cmd.cl;
  req.options.method = *method;
  req.options.screen_mr = !cmd.no_screen;
  req.dialect = check_dialect(cmd);
  check_columns(cmd, *req.info, grouped);
  check_rules(cmd, req);
  check_phases(cmd, req);
  check_outputs(cmd, grouped);
  req.raw_subgroups = req.info->subgroup_sd && cmd.sd.empty();
  // spc batch with only --summary computes no per-point output.
  req.per_point = !grouped || !cmd.output.empty() || cmd.summary.empty();
  req.report = !grouped && !cmd.output.empty() && cmd.output != "-" && cmd.summary != "-";
  return req;
}

void add_dialect_options(CLI::App* sub, command& cmd) {
  sub->add_option("--sep", cmd.sep,
                  "Field separator of the input: ',', ';', tab or '|'. Default: detected from the header line "
                  "(the most frequent of ',', ';' and tab; Norwegian Excel writes ';')")
      ->type_name("SEP")
      ->group("Input");
  sub->add_option("--decimal", cmd.decimal,
                  "Decimal mark of the input's numbers: '.' or ',' (Norwegian and most European Excel exports); "
                  "with ',' the separator must be another character, e.g. ';'. The output always uses '.'")
      ->type_name("MARK")
      ->capture_default_str()
      ->group("Input");
  sub->add_option("--encoding", cmd.encoding,
                  "Text encoding of the input: utf-8 (with or without a byte-order mark), windows-1252 (Excel's "
                  "ANSI) or latin-1. The output is always UTF-8")
      ->type_name("ENC")
      ->capture_default_str()
      ->group("Input");
}

void add_options(CLI::App* sub, command& cmd, bool grouped) {
  // Input
  sub->add_option("--input,-i", cmd.input,
                  grouped ? "Long-format CSV file with a header row, one row per point (the --by columns name the "
                            "series); '-' reads standard input. Empty cells and NA are missing values (gaps)"
                          : "CSV file with a header row; '-' reads standard input. Empty cells and NA are missing "
                            "values (gaps), not errors")
      ->required()
      ->type_name("FILE")
      ->group("Input");
  if (grouped)
    sub->add_option("--by", cmd.by,
                    "Columns naming the series (comma-separated), e.g. unit,indicator. Rows of one series need "
                    "not be next to each other: series come in order of first appearance, each with its rows in "
                    "file order")
        ->required()
        ->delimiter(',')
        ->type_name("COL,...")
        ->group("Input");
  sub->add_option("--x", cmd.x,
                  "Column of point labels (e.g. dates), copied to the outputs. For xbar and s charts on raw "
                  "measurements: the subgroup column (rows are grouped by it in order of first appearance)")
      ->type_name("COL")
      ->group("Input");
  sub->add_option("--y", cmd.y,
                  "Column of values: the measurement (run, i, mr, t, g, and xbar/s raw measurements), the count "
                  "(c, and the numerator of p, pp, u, up) or, with --sd, the subgroup mean (xbar, s)")
      ->required()
      ->type_name("COL")
      ->group("Input");
  sub->add_option("--n", cmd.n, n_help())->type_name("COL")->group("Input");
  add_dialect_options(sub, cmd);
  sub->add_option("--sd", cmd.sd,
                  "xbar and s charts with one row per subgroup: column of subgroup standard deviations (needs "
                  "--n). Without --sd, xbar and s read raw measurements, one row per measurement, grouped by --x")
      ->type_name("COL")
      ->group("Input");

  // Chart
  sub->add_option("--chart,-c", cmd.chart, chart_help())
      ->required()
      ->type_name("TYPE")
      ->transform(CLI::IsMember(chart_names(), CLI::ignore_case))
      ->group("Chart");
  sub->add_option("--method", cmd.method,
                  "Runs analysis: anhoej (Anhøj rules: longest run and number of crossings), bestbox or cutbox "
                  "(Anhøj & Wentzel-Larsen 2020, for 10 to 100 useful points; the Anhøj rules otherwise)")
      ->type_name("METHOD")
      ->transform(CLI::IsMember(std::vector<std::string>{"anhoej", "bestbox", "cutbox"}, CLI::ignore_case))
      ->capture_default_str()
      ->group("Chart");
  CLI::Option* no_screen =
      sub->add_flag("--no-screen", cmd.no_screen,
                    "I chart, Making Data Count mode, cusum and ewma: keep every moving range in sigma (by default "
                    "moving ranges above 3.267 times their mean are screened out, Nelson 1982)")
          ->group("Chart");
  sub->add_flag("--screen", cmd.screen, "Screen large moving ranges out of sigma: the default, given for clarity")
      ->excludes(no_screen)
      ->group("Chart");

  // Baseline
  const char* every = grouped ? " of every series" : "";
  sub->add_option("--freeze", cmd.freeze,
                  fmt::format("Baseline{}: centre line and limits from points 1..N, applied to every point (0 = "
                              "no freeze; ignored when --parts is given); for cusum, ewma and bernoulli the "
                              "estimated target, sigma or p0{}",
                              every, grouped ? ". A shorter series fails with a message" : ""))
      ->type_name("N")
      ->transform(position_validator(true))
      ->capture_default_str()
      ->group("Baseline");
  sub->add_option("--parts", cmd.parts,
                  fmt::format("Split the chart{} after these positions (strictly increasing, comma-separated, "
                              "e.g. 12,30); every part gets its own centre line, limits and runs analysis",
                              every))
      ->delimiter(',')
      ->type_name("I,J,...")
      ->transform(position_validator(false))
      ->group("Baseline");
  sub->add_option("--exclude", cmd.exclude,
                  "Points left out of the centre line, limits and runs analysis but still shown and tested "
                  "against the limits (comma-separated positions, e.g. 5,9)")
      ->delimiter(',')
      ->type_name("I,J,...")
      ->transform(position_validator(false))
      ->group("Baseline");
  sub->add_option("--cl", cmd.cl, "Centre line given by the user instead of computed; the limits are built around it")
      ->check(number_validator(false))
      ->type_name("VALUE")
      ->group("Baseline");

  // Rules
  sub->add_option("--rules", cmd.rules,
                  "Special-cause rules, comma-separated: the sets sigma3 (outside the 3-sigma limits), anhoej "
                  "(Anhøj runs), ihi (IHI run-chart rules), we (Western Electric 1-4), nelson (Nelson 1-8), mdc "
                  "(NHS Making Data Count), or single rules (we2, nelson7, mdc_shift, ...). Evaluated on each part "
                  "against its own centre line and limits; adds a true/false column per rule that fired anywhere "
                  "and a 'rule' column (the highest-precedence rule at the point, or none). On an I chart, mdc "
                  "switches to the Making Data Count mode (see below)")
      ->type_name("SET,...")
      ->transform(rules_validator())
      ->group("Rules");
  sub->add_option("--two-in-three", cmd.two_in_three,
                  "MDC two-in-three rule: band_only (2 of 3 points between 2 and 3 sigma, as NHSRplotthedots "
                  "0.2.2; the default) or beyond_2sigma (points beyond the limits count too, as the 2023 MDC "
                  "guidance)")
      ->type_name("VARIANT")
      ->transform(CLI::IsMember({"band_only", "beyond_2sigma"}, CLI::ignore_case))
      ->group("Rules");
  sub->add_option("--trend-points", cmd.trend_points,
                  "MDC trend rule: points steadily increasing or decreasing, 7 (default) or 6")
      ->type_name("N")
      ->check(CLI::IsMember({6, 7}))
      ->group("Rules");
  sub->add_option("--shift-points", cmd.shift_points, "MDC shift rule: points on one side of the mean, 7 (default) or 6")
      ->type_name("N")
      ->check(CLI::IsMember({6, 7}))
      ->group("Rules");

  // Making Data Count
  sub->add_option("--improvement", cmd.improvement,
                  "Making Data Count mode (--chart i --rules mdc; required there): the direction of improvement, "
                  "increase, decrease or neutral; it turns special causes into improvement or concern (neutral: "
                  "neutral_high / neutral_low)")
      ->type_name("DIRECTION")
      ->transform(CLI::IsMember({"increase", "decrease", "neutral"}, CLI::ignore_case))
      ->group("Making Data Count");
  sub->add_option("--target", cmd.target,
                  "Making Data Count mode: a target value, judged against the process limits (assurance: "
                  "consistent_pass, consistent_fail or inconsistent). cusum and ewma: the in-control mean mu0 "
                  "(default: the mean of the baseline)")
      ->check(number_validator(false))
      ->type_name("VALUE")
      ->group("Making Data Count");
  sub->add_option("--rebase", cmd.rebase,
                  "Making Data Count mode: positions where a new period starts (strictly increasing, "
                  "comma-separated; --rebase 14 gives periods 1-13 and 14-end); each period gets its own mean, "
                  "limits and rules")
      ->delimiter(',')
      ->type_name("I,J,...")
      ->transform(position_validator(false))
      ->group("Making Data Count");
  sub->add_option("--fix-after", cmd.fix_after,
                  "Making Data Count mode: the mean and limits of each period from its first N points only (N at "
                  "least 12); default: every point of the period")
      ->type_name("N")
      ->transform(fix_after_validator())
      ->group("Making Data Count");

  // Sequential charts (spc/sequential.hpp, docs/sequential.md). Values are checked by the library
  // (find_problem), so the validators only ask for numbers.
  auto sequential = [&](const char* name, std::optional<double>& value, const char* type, const std::string& help) {
    sub->add_option(name, value, help)->check(number_validator(false))->type_name(type)->group("Sequential");
  };
  sub->add_option("--risk", cmd.risk,
                  "racusum and vlad: column of each patient's predicted risk of the outcome, in (0, 1) (from a risk "
                  "model, e.g. Parsonnet or EuroSCORE); --y is then the outcome, 0 or 1 (true/false also read)")
      ->type_name("COL")
      ->group("Sequential");
  sequential("--sigma", cmd.sigma, "S",
             "cusum and ewma: the in-control standard deviation (default: estimated from the baseline's moving "
             "ranges as the I chart does)");
  sequential("--k", cmd.k, "K", "cusum: reference value in sigma, k = shift/2 for the shift to detect (default 0.5)");
  sequential("--h", cmd.h, "H",
             "cusum: decision interval in sigma (default 5: two-sided ARL0 465); racusum: the decision limit "
             "(default 4.5, Steiner et al. 2000). 'spc arl --arl0' finds it for an in-control ARL");
  sequential("--headstart", cmd.headstart, "HS",
             "cusum: fast initial response, each side starts (and restarts) at HS sigma, 0 <= HS < h (default 0; "
             "h/2 is usual)");
  CLI::Option* reset =
      sub->add_flag("--reset", cmd.reset,
                    "cusum, bernoulli, racusum: restart a side after its signal (the default, given for clarity)")
          ->group("Sequential");
  sub->add_flag("--no-reset", cmd.no_reset, "cusum, bernoulli, racusum: let the statistic run on after a signal")
      ->excludes(reset)
      ->group("Sequential");
  sequential("--lambda", cmd.lambda, "LAMBDA", "ewma: weight of the newest value, in (0, 1] (default 0.2)");
  sequential("--L", cmd.L, "L", "ewma: limit width in sigma of the EWMA (default 3)");
  sub->add_flag("--asymptotic", cmd.asymptotic,
                "ewma: steady-state limits (default: the exact limits, narrower for the first points)")
      ->group("Sequential");
  sequential("--p0", cmd.p0, "P",
             "bernoulli: baseline risk in (0, 1) (default: the share of events in the baseline, --freeze N or every "
             "point; not with --freeze)");
  sequential("--or", cmd.odds_ratio, "OR",
             "bernoulli: odds ratio to detect, > 1: the upper side detects odds x OR, the lower side odds / OR "
             "(default 2)");
  sequential("--limit", cmd.limit, "LIMIT", "bernoulli: decision limit of both sides (default 3.5)");
  sequential("--ra", cmd.ra, "RA",
             "racusum: odds ratio to detect, > 1 a deterioration, < 1 an improvement (default 2)");
  sequential("--r0", cmd.r0, "R0", "racusum: odds ratio in control (default 1: the risk model holds)");

  // Automatic phases (phases.md)
  sub->add_option("--phases", cmd.phases,
                  fmt::format("auto: propose phases{} where the process has shifted (a sustained run, or a change "
                              "point), each with its reason; the chart is split there as --parts (Making Data Count "
                              "mode: --rebase) would split it. Proposals are proposals: adopt one when the change has a "
                              "known cause (docs/phases.md)",
                              every))
      ->type_name("auto")
      ->group("Phases");
  sub->add_option("--phase-method", cmd.phase_method,
                  "anhoej (default: a run against the phase's baseline longer than the Anhøj limit), changepoint "
                  "(binary segmentation, false proposals at most --alpha) or runcharter (the R package runcharter, "
                  "run charts only)")
      ->type_name("METHOD")
      ->transform(CLI::IsMember(std::vector<std::string>{"anhoej", "changepoint", "runcharter"}, CLI::ignore_case))
      ->group("Phases");
  sub->add_option("--min-phase", cmd.min_phase,
                  fmt::format("anhoej, changepoint: the baseline and the shortest phase, at least 2 points (default {})",
                              default_min_phase))
      ->type_name("N")
      ->group("Phases");
  sub->add_option("--runlength", cmd.runlength,
                  fmt::format("anhoej: a fixed sustained-run length (at least 2) instead of the Anhøj limit (much "
                              "noisier); runcharter: its runlength (at least 0, 0 = no re-phasing; default {})",
                              default_runcharter_runlength))
      ->type_name("K")
      ->group("Phases");
  sub->add_option("--direction", cmd.direction,
                  "Which shifts may be proposed: above (to a higher level), below, or both (default)")
      ->type_name("DIRECTION")
      ->transform(CLI::IsMember(std::vector<std::string>{"above", "below", "both"}, CLI::ignore_case))
      ->group("Phases");
  sub->add_option("--alpha", cmd.alpha,
                  fmt::format("changepoint: the bound on false proposals in a stable series, between 0 and 1 "
                              "(default {})",
                              default_phase_alpha))
      ->check(number_validator(false))
      ->type_name("A")
      ->group("Phases");
  sub->add_option("--med-rows", cmd.med_rows,
                  fmt::format("runcharter: its baseline, the first N points (at least 0; default {})", default_med_rows))
      ->type_name("N")
      ->group("Phases");

  // Output
  sub->add_option("--multiply", cmd.multiply,
                  "Multiply y, the centre line and the limits by this factor for display, e.g. 100 for percentages "
                  "or 10000 for rates per 10,000 days (as qicharts2's multiply). Signals do not change; --cl is in "
                  "the units before multiplying, --target (MDC) in the units after")
      ->check(number_validator(true))
      ->type_name("K")
      ->default_val(1)
      ->group("Output");
  sub->add_option("--output,-o", cmd.output,
                  grouped ? "Per-point CSV ('-' = standard output). Default: standard output, unless only --summary is "
                            "given (then no per-point output is computed)"
                          : "Write the CSV to this file and print a report of each part (centre line, limits, runs "
                            "analysis, sigma signals) to standard output. Default: the CSV goes to standard output "
                            "and nothing else is printed there")
      ->type_name("FILE")
      ->group("Output");
  sub->add_option("--summary", cmd.summary,
                  grouped ? "Per-series-and-part summary CSV ('-' = standard output)"
                          : "Write one CSV row per part (Making Data Count mode: per period) to this file: its points, "
                            "centre line, limits, runs analysis and, with --rules, the rules that fired. '-' = "
                            "standard output, only with --output FILE")
      ->type_name("FILE")
      ->group("Output");
  if (grouped)
    sub->add_option("--threads", cmd.threads, "Threads to use (0 = every core)")
        ->type_name("N")
        ->check(CLI::Range(0, 4096))
        ->capture_default_str()
        ->group("Output");

  // Which options were given (command::given), once parsing is complete.
  sub->parse_complete_callback([sub, &cmd] {
    cmd.given.clear();
    for (const CLI::Option* option : sub->get_options())
      if (option->count() > 0 && !option->get_lnames().empty()) cmd.given.push_back(option->get_lnames().front());
  });
}

}  // namespace spc::cli
