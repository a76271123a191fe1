// The special-cause rule options and the Making Data Count mode, shared by `spc chart` and
// `spc batch` (see rule_options.hpp).
#include "rule_options.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "io/csv.hpp"

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

// What --rules accepts, for its help and its error messages.
std::string rule_names_text() {
  std::string sets, rules;
  for (std::size_t k = 0; k < rule_set_count; ++k)
    sets += fmt::format("{}{}", k ? ", " : "", to_string(static_cast<rule_set>(k)));
  for (std::size_t k = 0; k < rule_count; ++k)
    rules += fmt::format("{}{}", k ? ", " : "", to_string(static_cast<rule>(k)));
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
            return fmt::format("'{}' has an empty item; give rule sets or rules separated by commas",
                               s);
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
          return fmt::format("'{}' is not a number of points (a whole number, at least {})", s,
                             mdc_min_fix_points);
        s.erase(0, std::min(s.find_first_not_of('0'), s.size() - 1));
        if (s.size() > 18) return fmt::format("{} points is too large", s);
        if (std::stoull(s) < mdc_min_fix_points)
          return fmt::format(
              "{} points are too few: the mean and limits of a period need at least {} points "
              "(as NHSRplotthedots); leave --fix-after out to use every point",
              s, mdc_min_fix_points);
        return {};
      },
      "");
}

// Rules that read the limits or the sigma zones: they cannot fire on a run chart (no limits).
constexpr rule_mask limit_rules =
    rule_bit(rule::sigma3) | rule_bit(rule::we1) | rule_bit(rule::we2) | rule_bit(rule::we3) |
    rule_bit(rule::nelson1) | rule_bit(rule::nelson5) | rule_bit(rule::nelson6) |
    rule_bit(rule::nelson7) | rule_bit(rule::nelson8) | rule_bit(rule::mdc_beyond) |
    rule_bit(rule::mdc_two_in_three);

}  // namespace

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


CLI::Validator finite_validator() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        double v = 0;
        if (!io::parse_number(s, v) || !std::isfinite(v))
          return fmt::format("'{}' is not a finite number", s);
        return {};
      },
      "");
}


// The names of the rules in a mask, in precedence order.
std::string rule_list_text(rule_mask mask, std::string_view separator) {
  std::string s;
  for (std::size_t k = 0; k < rule_count; ++k)
    if (has_rule(mask, static_cast<rule>(k)))
      s += fmt::format("{}{}", s.empty() ? "" : separator, to_string(static_cast<rule>(k)));
  return s;
}

// Checks the rule and MDC options against the chart before anything is read.
rules_request check_rules(const chart_command& cmd, chart_type chart) {
  rules_request req;
  if (!cmd.rules.empty()) {
    const std::optional<rule_mask> mask = parse_rules(ascii_lower(cmd.rules));
    if (!mask)
      throw usage_error(fmt::format("option --rules: '{}' is not a list of rule sets and rules; {}",
                                    cmd.rules, rule_names_text()));
    req.mask = *mask;
  }
  req.mdc_mode = chart == chart_type::i && (req.mask & mdc_set) == mdc_set;

  // Parameters of the MDC rules, on any chart.
  const bool mdc_rules = (req.mask & mdc_set) != 0;
  const std::pair<bool, std::string_view> rule_parameters[] = {
      {cmd.trend_points.has_value(), "trend-points"},
      {cmd.shift_points.has_value(), "shift-points"},
      {!cmd.two_in_three.empty(), "two-in-three"}};
  for (const auto& [given, name] : rule_parameters)
    if (given && !mdc_rules)
      throw usage_error(fmt::format(
          "option --{}: sets a parameter of the Making Data Count rules, which --rules does not "
          "ask for; add --rules mdc",
          name));
  req.options.rules = req.mask;
  req.options.mdc.trend = cmd.trend_points.value_or(7);
  req.options.mdc.shift = cmd.shift_points.value_or(7);
  if (!cmd.two_in_three.empty())
    req.options.mdc.two_in_three = parse_two_in_three_policy(cmd.two_in_three)
                                       .value_or(two_in_three_policy::band_only);

  const std::pair<bool, std::string_view> mode_options[] = {
      {!cmd.improvement.empty(), "improvement"},
      {!std::isnan(cmd.target), "target"},
      {!cmd.rebase.empty(), "rebase"},
      {cmd.fix_after.has_value(), "fix-after"}};
  if (!req.mdc_mode) {
    for (const auto& [given, name] : mode_options)
      if (given)
        throw usage_error(fmt::format(
            "option --{}: only in the Making Data Count mode, which is --chart i --rules mdc{}",
            name,
            chart == chart_type::i ? std::string()
                                   : fmt::format(" (not --chart {})", to_string(chart))));
    if (chart == chart_type::run && req.mask != 0 && (req.mask & ~limit_rules) == 0)
      throw usage_error(fmt::format(
          "option --rules: {} {} control limits, which a run chart does not have; use a "
          "control chart, or the run-chart rules (anhoej, ihi)",
          rule_list_text(req.mask, ", "), std::popcount(req.mask) == 1 ? "needs" : "need"));
    return req;
  }

  if (cmd.improvement.empty())
    throw usage_error(
        "option --improvement: the Making Data Count mode (--chart i --rules mdc) needs the "
        "improvement direction: increase, decrease or neutral");
  if (cmd.freeze > 0)
    throw usage_error(
        "option --freeze: not in the Making Data Count mode; --fix-after N takes the mean and "
        "limits of each period from its first N points");
  if (!cmd.parts.empty())
    throw usage_error(
        "option --parts: not in the Making Data Count mode; --rebase I,J,... starts new periods "
        "at points I, J, ... (--parts 12 is --rebase 13)");
  if (!cmd.exclude.empty())
    throw usage_error(
        "option --exclude: not in the Making Data Count mode, which has no excluded points (a "
        "missing value is a gap)");
  if (!std::isnan(cmd.cl))
    throw usage_error(
        "option --cl: not in the Making Data Count mode, where the centre line is the mean of "
        "each period");
  if (parse_runs_method(cmd.method) != runs_method::anhoej)
    throw usage_error(
        "option --method: the Making Data Count mode has no runs analysis; --rules mdc,anhoej "
        "adds the Anhøj rules");
  req.mdc.direction =
      parse_improvement_direction(cmd.improvement).value_or(improvement_direction::increase);
  req.mdc.rebase = cmd.rebase;
  req.mdc.fix_after_n_points = cmd.fix_after.value_or(0);
  req.mdc.screen_outliers = !cmd.no_screen;
  req.mdc.target = cmd.target;
  return req;
}

std::string_view mdc_option(std::string_view argument) noexcept {
  constexpr std::pair<std::string_view, std::string_view> names[] = {
      {"rebase", "rebase"},      {"fix_after_n_points", "fix-after"}, {"target", "target"},
      {"trend", "trend-points"}, {"shift", "shift-points"},           {"mdc.trend", "trend-points"},
      {"mdc.shift", "shift-points"}};
  for (const auto& [name, option] : names)
    if (argument == name) return option;
  return {};
}

void add_rule_options(CLI::App* sub, chart_command& cmd) {
  sub->add_option("--rules", cmd.rules,
                  "Special-cause rules, comma-separated: the sets sigma3 (outside the 3-sigma "
                  "limits), anhoej (Anhøj runs), ihi (IHI run-chart rules), we (Western Electric "
                  "1-4), nelson (Nelson 1-8), mdc (NHS Making Data Count), or single rules (we2, "
                  "nelson7, mdc_shift, ...). Evaluated on each part of any chart against its own "
                  "centre line and limits; adds a true/false column per rule that fired anywhere "
                  "and a 'rule' column (the highest-precedence rule at the point, or none). On an "
                  "I chart, mdc switches to the Making Data Count mode (see below)")
      ->type_name("SET,...")
      ->transform(rules_validator())
      ->group("Rules");
  sub->add_option("--two-in-three", cmd.two_in_three,
                  "MDC two-in-three rule: band_only (2 of 3 points between 2 and 3 sigma, as "
                  "NHSRplotthedots 0.2.2; the default) or beyond_2sigma (points beyond the limits "
                  "count too, as the 2023 MDC guidance)")
      ->type_name("VARIANT")
      ->transform(CLI::IsMember({"band_only", "beyond_2sigma"}, CLI::ignore_case))
      ->group("Rules");
  sub->add_option("--trend-points", cmd.trend_points,
                  "MDC trend rule: points steadily increasing or decreasing, 7 (default) or 6")
      ->type_name("N")
      ->check(CLI::IsMember({6, 7}))
      ->group("Rules");
  sub->add_option("--shift-points", cmd.shift_points,
                  "MDC shift rule: points on one side of the mean, 7 (default) or 6")
      ->type_name("N")
      ->check(CLI::IsMember({6, 7}))
      ->group("Rules");

  sub->add_option("--improvement", cmd.improvement,
                  "Making Data Count mode (--chart i --rules mdc; required there): the direction "
                  "of improvement, increase, decrease or neutral; it turns special causes into "
                  "improvement or concern (neutral: neutral_high / neutral_low)")
      ->type_name("DIRECTION")
      ->transform(CLI::IsMember({"increase", "decrease", "neutral"}, CLI::ignore_case))
      ->group("Making Data Count");
  sub->add_option("--target", cmd.target,
                  "Making Data Count mode: a target value, judged against the process limits "
                  "(assurance: consistent_pass, consistent_fail or inconsistent)")
      ->check(finite_validator())
      ->type_name("VALUE")
      ->group("Making Data Count");
  sub->add_option("--rebase", cmd.rebase,
                  "Making Data Count mode: positions where a new period starts (strictly "
                  "increasing, comma-separated; --rebase 14 gives periods 1-13 and 14-end); each "
                  "period gets its own mean, limits and rules")
      ->delimiter(',')
      ->type_name("I,J,...")
      ->transform(position_validator(false))
      ->group("Making Data Count");
  sub->add_option("--fix-after", cmd.fix_after,
                  "Making Data Count mode: the mean and limits of each period from its first N "
                  "points only (N at least 12); default: every point of the period")
      ->type_name("N")
      ->transform(fix_after_validator())
      ->group("Making Data Count");
}

std::vector<rule> rules_shown(rule_mask anywhere) {
  std::vector<rule> out;
  for (std::size_t k = 0; k < rule_count; ++k)
    if (has_rule(anywhere, static_cast<rule>(k))) out.push_back(static_cast<rule>(k));
  return out;
}

void add_rule_header(const std::vector<rule>& shown, std::vector<std::string>& header) {
  for (rule r : shown) header.emplace_back(to_string(r));
  header.emplace_back("rule");
}

void add_rule_summary_header(rule_mask evaluated, std::vector<std::string>& header) {
  header.emplace_back("rule_points");
  header.emplace_back("rules_fired");
  for (std::size_t k = 0; k < rule_count; ++k)
    if (has_rule(evaluated, static_cast<rule>(k))) header.emplace_back(to_string(static_cast<rule>(k)));
  if (evaluated & ihi_runs_rules)
    for (const char* name : {"ihi_useful", "ihi_runs", "ihi_runs_lower", "ihi_runs_upper"}) header.emplace_back(name);
}

}  // namespace spc::cli
