// cli/rule_options.hpp: the special-cause rule options and the NHS Making Data Count (MDC) mode,
// shared by `spc chart` and `spc batch` so that both take the same options with the same checks
// and messages and write the same columns: the option definitions (--rules, --two-in-three,
// --trend-points, --shift-points, --improvement, --target, --rebase, --fix-after), what they ask
// for (rules_request), and the rule and MDC columns of the per-point and summary outputs.
//
// The column writers are templates over the output: io::csv_writer (spc chart) or a sink that
// formats rows into text blocks (spc batch); either has field(std::string_view), field(double),
// field(long long) and field(bool).
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "spc/mdc.hpp"
#include "spc/rules.hpp"
#include "spc/types.hpp"

namespace CLI {
class App;
class Validator;
}  // namespace CLI

namespace spc::cli {

// --- Options -----------------------------------------------------------------------------------

/// Positions as plain decimal text (CLI11 would read "010" as octal and "-1" as a huge number);
/// leading zeros dropped. 0 is accepted only with `allow_zero`.
CLI::Validator position_validator(bool allow_zero);
/// A finite number.
CLI::Validator finite_validator();

/// Registers --rules, --two-in-three, --trend-points, --shift-points (group "Rules") and
/// --improvement, --target, --rebase, --fix-after (group "Making Data Count") on a subcommand.
void add_rule_options(CLI::App* sub, chart_command& cmd);

inline constexpr rule_mask mdc_set = rules_in(rule_set::mdc);
inline constexpr rule_mask ihi_runs_rules = rule_bit(rule::ihi_few_runs) | rule_bit(rule::ihi_many_runs);

/// The rules and the MDC mode as the options ask for them.
struct rules_request {
  rule_mask mask = 0;     ///< every rule asked for; 0 = no --rules
  rule_options options;   ///< the rule engine's options (the rules and the MDC parameters)
  bool mdc_mode = false;  ///< --chart i with the whole mdc set: NHSRplotthedots' XmR chart
  mdc_options mdc;        ///< the MDC mode's options
};

/// Checks the rule and MDC options against the chart (and --freeze, --parts, --exclude, --cl,
/// --method, which the MDC mode refuses) before anything is read; throws usage_error.
rules_request check_rules(const chart_command& cmd, chart_type chart);

/// The command-line option of an MDC argument of the library ("rebase" -> "rebase",
/// "fix_after_n_points" -> "fix-after", "mdc.trend" -> "trend-points", ...), or "" for others.
std::string_view mdc_option(std::string_view argument) noexcept;

/// The names of the rules in a mask, in precedence order, joined by `separator`.
std::string rule_list_text(rule_mask mask, std::string_view separator);

// --- Per-point columns ---------------------------------------------------------------------------

/// The highest-precedence point rule in a point's mask (the enum order is the precedence).
inline rule label_of(rule_mask fired) noexcept {
  const rule_mask m = fired & ~series_rules;
  return m == 0 ? rule::none : static_cast<rule>(std::countr_zero(m));
}

/// The rules with a column of their own: those that fired anywhere, in precedence order.
std::vector<rule> rules_shown(rule_mask anywhere);

/// One true/false column per rule shown, then "rule" (the label).
void add_rule_header(const std::vector<rule>& shown, std::vector<std::string>& header);

/// The rule columns of a point: whether each rule shown fired there (a series-level rule: in the
/// point's part, `part_fired`), then its label.
template <class Out>
void write_rule_fields(Out& out, const std::vector<rule>& shown, rule_mask point, rule_mask part_fired) {
  for (rule r : shown) out.field(has_rule(series_rules, r) ? has_rule(part_fired, r) : has_rule(point, r));
  out.field(to_string(label_of(point)));
}

/// The columns of the MDC mode's per-point output after i and x.
inline constexpr const char* mdc_point_columns[] = {"period", "baseline", "y", "cl", "lcl", "ucl",
                                                    "special_cause", "point_type"};

// --- Summary columns -----------------------------------------------------------------------------

/// rule_points, rules_fired, one column per rule evaluated, and the IHI runs count when evaluated.
void add_rule_summary_header(rule_mask evaluated, std::vector<std::string>& header);

/// The rule columns of a part (or period): the points with a rule, the rules that fired
/// (semicolon-separated), per rule evaluated the points it flagged (series-level rules:
/// true/false), then the IHI runs count.
template <class Out>
void write_rule_summary_fields(Out& out, rule_mask evaluated, const rules_summary& s, std::int32_t signal_points) {
  out.field(static_cast<long long>(signal_points));
  out.field(std::string_view(rule_list_text(s.fired, ";")));
  for (std::size_t k = 0; k < rule_count; ++k) {
    const rule r = static_cast<rule>(k);
    if (!has_rule(evaluated, r)) continue;
    if (has_rule(series_rules, r))
      out.field(s.fired_rule(r));
    else
      out.field(static_cast<long long>(s.count(r)));
  }
  if (evaluated & ihi_runs_rules) {
    out.field(static_cast<long long>(s.ihi_useful));
    out.field(static_cast<long long>(s.ihi_runs));
    out.field(s.ihi_runs_lower);
    out.field(s.ihi_runs_upper);
  }
}

/// The columns of the MDC mode's summary (one row per period) after period, first, last and the
/// labels of x.
inline constexpr const char* mdc_period_columns[] = {
    "n_points",    "n_missing",   "cl",           "lcl",       "ucl",    "amr",       "improvement", "concern",
    "neutral_high", "neutral_low", "common_cause", "variation", "target", "assurance", "trial_limits"};

template <class Out>
void write_mdc_period_fields(Out& out, const mdc_period& p, double target) {
  out.field(static_cast<long long>(p.n_points));
  out.field(static_cast<long long>(p.n_missing));
  for (double v : {p.mean, p.lpl, p.upl, p.amr}) out.field(v);
  for (std::int32_t v : {p.improvement, p.concern, p.neutral_high, p.neutral_low, p.common_cause})
    out.field(static_cast<long long>(v));
  out.field(to_string(p.variation));
  out.field(target);
  out.field(to_string(p.assurance));
  out.field(p.trial_limits);
}

}  // namespace spc::cli
