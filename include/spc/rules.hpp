// spc/rules.hpp: special-cause rule sets: 3-sigma, Anhøj, IHI run-chart rules, Western Electric,
// Nelson and NHS "Making Data Count" (MDC), evaluated over any chart's y, centre line and limits.
//
// Sources (details, defaults and false-alarm behaviour in docs/rules.md):
//   - IHI: Perla, Provost & Murray 2011, BMJ Qual Saf 20:46-51;
//   - Western Electric: Statistical Quality Control Handbook, 1956;
//   - Nelson: Nelson 1984, JQT 16(4):237-239;
//   - MDC: NHS England "Making Data Count"; rules as in NHSRplotthedots 0.2.2;
//   - Anhøj: Anhøj & Olesen 2014, PLoS ONE 9(11):e113825 (limits from spc/runs.hpp).
//
// Every rule reads a per-point classification (`rule_point`): the value, its side of the centre
// line and its zone, where sigma_i = (ucl_i - cl_i) / 3 is each point's own sigma. Choices where
// the sources are silent:
//   - "beyond k sigma" is strict (|y - cl| > k sigma), as the limits are (y > ucl or y < lcl);
//     "within 1 sigma" is its complement (|y - cl| <= sigma);
//   - a missing value (NaN y, or an excluded point) neither counts nor breaks a run: every rule
//     sees the series with the gaps closed up, as the Anhøj runs analysis does. A point with a
//     value but no centre line is a gap for the side and zone rules only; one with no sigma, for
//     the zone rules only;
//   - a point exactly on the centre line breaks a run on one side for Western Electric, Nelson and
//     MDC, and is skipped (neither counts nor breaks) for IHI and Anhøj, as those sources say;
//   - k-of-m rules flag the k (or more) points beyond the band, not the other points of the
//     window; run and trend rules flag every point of the run;
//   - series-level rules (IHI too few / too many runs, Anhøj crossings) are reported in the
//     summary and flag no point.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "spc/chart.hpp"
#include "spc/types.hpp"

namespace spc {

/// Every rule, in order of precedence: when several rules fire at a point, its label is the first
/// of them in this order (beyond the limits, then trends, then k of m beyond a band, then runs on
/// one side, then the other patterns), which generalises the MDC order (NHSRplotthedots).
enum class rule : std::uint8_t {
  sigma3,            ///< 3-sigma: one point outside the limits
  we1,               ///< Western Electric 1: one point beyond 3 sigma
  nelson1,           ///< Nelson 1: one point beyond 3 sigma
  mdc_beyond,        ///< MDC: one point outside the process limits
  mdc_trend,         ///< MDC: 7 points steadily increasing or decreasing (ties break)
  ihi_trend,         ///< IHI: 5 points steadily up or down (ties are counted once)
  nelson3,           ///< Nelson 3: 6 points steadily increasing or decreasing
  mdc_two_in_three,  ///< MDC: 2 of 3 beyond 2 sigma, all 3 on one side of the mean
  we2,               ///< Western Electric 2: 2 of 3 beyond 2 sigma on the same side
  nelson5,           ///< Nelson 5: 2 of 3 beyond 2 sigma on the same side
  we3,               ///< Western Electric 3: 4 of 5 beyond 1 sigma on the same side
  nelson6,           ///< Nelson 6: 4 of 5 beyond 1 sigma on the same side
  mdc_shift,         ///< MDC: 7 points on one side of the mean
  ihi_shift,         ///< IHI: 6 points on one side of the median (points on it skipped)
  we4,               ///< Western Electric 4: 8 points on one side of the centre line
  nelson2,           ///< Nelson 2: 9 points on one side of the centre line
  anhoej_run,        ///< Anhøj: a run on one side longer than round(log2(n)) + 3
  nelson4,           ///< Nelson 4: 14 points alternating up and down
  nelson7,           ///< Nelson 7: 15 points within 1 sigma (stratification)
  nelson8,           ///< Nelson 8: 8 points beyond 1 sigma on either side (mixture)
  ihi_few_runs,      ///< IHI: too few runs (series-level)
  ihi_many_runs,     ///< IHI: too many runs (series-level)
  anhoej_crossings,  ///< Anhøj: fewer crossings than the 5th percentile (series-level)
  none,              ///< no rule: the label of a point where nothing fired
};

inline constexpr std::size_t rule_count = static_cast<std::size_t>(rule::none);

/// A set of rules, one bit per rule (`rule_bit(r)` = 1 << r).
using rule_mask = std::uint32_t;
static_assert(rule_count <= 32);

constexpr rule_mask rule_bit(rule r) noexcept { return rule_mask{1} << static_cast<unsigned>(r); }
constexpr bool has_rule(rule_mask m, rule r) noexcept { return (m & rule_bit(r)) != 0; }

/// The rule sets, as named on the command line (`--rules sigma3,anhoej,ihi,we,nelson,mdc`).
enum class rule_set : std::uint8_t { sigma3, anhoej, ihi, western_electric, nelson, mdc };

inline constexpr std::size_t rule_set_count = 6;

/// The rules of a set.
constexpr rule_mask rules_in(rule_set s) noexcept {
  switch (s) {
    case rule_set::sigma3: return rule_bit(rule::sigma3);
    case rule_set::anhoej: return rule_bit(rule::anhoej_run) | rule_bit(rule::anhoej_crossings);
    case rule_set::ihi:
      return rule_bit(rule::ihi_shift) | rule_bit(rule::ihi_trend) |
             rule_bit(rule::ihi_few_runs) | rule_bit(rule::ihi_many_runs);
    case rule_set::western_electric:
      return rule_bit(rule::we1) | rule_bit(rule::we2) | rule_bit(rule::we3) | rule_bit(rule::we4);
    case rule_set::nelson:
      return rule_bit(rule::nelson1) | rule_bit(rule::nelson2) | rule_bit(rule::nelson3) |
             rule_bit(rule::nelson4) | rule_bit(rule::nelson5) | rule_bit(rule::nelson6) |
             rule_bit(rule::nelson7) | rule_bit(rule::nelson8);
    case rule_set::mdc:
      return rule_bit(rule::mdc_beyond) | rule_bit(rule::mdc_trend) |
             rule_bit(rule::mdc_two_in_three) | rule_bit(rule::mdc_shift);
  }
  return 0;
}

/// The rules that describe a whole series rather than points: they never flag a point.
inline constexpr rule_mask series_rules = rule_bit(rule::ihi_few_runs) |
                                          rule_bit(rule::ihi_many_runs) |
                                          rule_bit(rule::anhoej_crossings);

/// The label of a point: the highest-precedence point rule in the rules that fired there (the
/// enum order is the precedence; series-level rules never label a point), or rule::none.
constexpr rule label_of(rule_mask fired) noexcept {
  const rule_mask m = fired & ~series_rules;
  if (m == 0) return rule::none;
  unsigned k = 0;
  while (!(m & (rule_mask{1} << k))) ++k;
  return static_cast<rule>(k);
}

/// The rule's column name: "sigma3", "we1".."we4", "nelson1".."nelson8", "ihi_shift",
/// "ihi_trend", "ihi_few_runs", "ihi_many_runs", "mdc_beyond", "mdc_trend", "mdc_two_in_three",
/// "mdc_shift", "anhoej_run", "anhoej_crossings"; "none" for rule::none.
std::string_view to_string(rule r) noexcept;
/// One line for people, e.g. "2 of 3 points beyond 2 sigma on the same side".
std::string_view describe(rule r) noexcept;
std::optional<rule> parse_rule(std::string_view name) noexcept;

/// "sigma3", "anhoej", "ihi", "we", "nelson", "mdc".
std::string_view to_string(rule_set s) noexcept;
/// Accepts the names above and the aliases "3sigma", "western_electric", "anhøj".
std::optional<rule_set> parse_rule_set(std::string_view name) noexcept;
/// Parses a comma-separated list of set names and single rule names ("ihi,we", "mdc,nelson2");
/// returns nothing if any item is unknown or the list is empty.
std::optional<rule_mask> parse_rules(std::string_view list) noexcept;

/// Which points the MDC two-in-three rule counts.
enum class two_in_three_policy : std::uint8_t {
  band_only,     ///< between 2 and 3 sigma only, not beyond the limits (NHSRplotthedots 0.2.2)
  beyond_2sigma  ///< beyond 2 sigma, including beyond the limits (MDC 2023; NHSRplotthedots #194)
};
std::string_view to_string(two_in_three_policy p) noexcept;  ///< "band_only", "beyond_2sigma"
std::optional<two_in_three_policy> parse_two_in_three_policy(std::string_view name) noexcept;

/// "k of m consecutive points beyond `sigmas` on the same side".
struct k_of_m {
  std::int32_t k = 2;
  std::int32_t m = 3;
};

/// Parameters of the rules, with the standard defaults. Run and trend lengths count points.
struct rule_options {
  rule_mask rules = rules_in(rule_set::sigma3);  ///< which rules to evaluate

  struct ihi_options {
    std::int32_t shift = 6;  ///< points on one side of the median
    std::int32_t trend = 5;  ///< points steadily up or down (ties counted once)
  } ihi;
  struct we_options {
    k_of_m two_of_three{2, 3};  ///< WE 2: beyond 2 sigma
    k_of_m four_of_five{4, 5};  ///< WE 3: beyond 1 sigma
    std::int32_t run = 8;       ///< WE 4: points on one side
  } we;
  struct nelson_options {
    std::int32_t run = 9;           ///< Nelson 2
    std::int32_t trend = 6;         ///< Nelson 3
    std::int32_t alternating = 14;  ///< Nelson 4
    k_of_m two_of_three{2, 3};      ///< Nelson 5: beyond 2 sigma
    k_of_m four_of_five{4, 5};      ///< Nelson 6: beyond 1 sigma
    std::int32_t stratification = 15;  ///< Nelson 7: points within 1 sigma
    std::int32_t mixture = 8;          ///< Nelson 8: points beyond 1 sigma, either side
  } nelson;
  struct mdc_options {
    std::int32_t trend = 7;  ///< 7 by default, 6 selectable (NHSRplotthedots #202)
    std::int32_t shift = 7;  ///< 7 by default, 6 selectable
    two_in_three_policy two_in_three = two_in_three_policy::band_only;
  } mdc;
};

/// Longest window a k-of-m rule may use.
inline constexpr std::int32_t max_window = 64;

/// Finds the first bad parameter (a run shorter than 2, k > m, m > max_window, ...).
std::optional<input_error> find_problem(const rule_options& options);

/// Per-point outputs, one element per point; any span may be empty (not written).
struct rule_columns {
  std::span<rule_mask> fired;        ///< every point rule that fired at the point
  std::span<rule> label;             ///< the highest-precedence rule that fired, or rule::none
  std::span<std::int8_t> direction;  ///< of the label: +1 above/increasing, -1 below/decreasing,
                                     ///< 0 none or no direction (Nelson 4, 7, 8)
};

/// The rules of one series (or one part of a chart).
struct rules_summary {
  rule_mask evaluated = 0;  ///< the rules that were asked for
  rule_mask fired = 0;      ///< every rule that fired anywhere, series-level rules included
  std::array<std::int32_t, rule_count> points{};  ///< points flagged by each rule
  std::int32_t n_points = 0;                      ///< points in the series (or part)

  // IHI runs (when evaluated): useful points are included, not missing, not on the centre line.
  std::int32_t ihi_useful = 0;
  std::int32_t ihi_runs = 0;     ///< number of runs = crossings + 1
  double ihi_runs_lower = na;    ///< fewer runs than this signal (NaN: fewer than 10 useful)
  double ihi_runs_upper = na;    ///< more runs than this signal
  bool ihi_runs_from_table = false;  ///< table (10..40 useful) or normal approximation

  // Anhøj (when evaluated).
  std::int32_t anhoej_useful = 0;
  std::int32_t longest_run = 0;
  std::int32_t longest_run_max = 0;
  std::int32_t crossings = 0;
  std::int32_t crossings_min = 0;

  bool any() const noexcept { return fired != 0; }
  bool fired_rule(rule r) const noexcept { return has_rule(fired, r); }
  std::int32_t count(rule r) const noexcept { return points[static_cast<std::size_t>(r)]; }
};


// --- Internals of the rule engine (used by the chart, MDC and batch code) ----------------------
namespace detail {

/// How one point reads against its centre line and limits: the input of every rule.
struct rule_point {
  /// Bits of `use`: which rule families may use the point.
  static constexpr std::uint8_t value = 1;   ///< y given and included: trend rules
  static constexpr std::uint8_t side = 2;    ///< and a centre line: run rules
  static constexpr std::uint8_t zone = 4;    ///< and a sigma: zone rules
  static constexpr std::uint8_t limits = 8;  ///< y given and beyond a limit is decidable

  double y = na;
  std::int8_t sign = 0;  ///< sign(y - cl): +1 above, -1 below, 0 on the line
  /// 0 within 1 sigma; +-1 beyond 1 sigma; +-2 beyond 2 sigma; +-3 outside the limits (the sign
  /// is the side).
  std::int8_t band = 0;
  std::uint8_t use = 0;
};

/// Classifies points against their centre line and limits. `lcl` and `ucl` may be empty (a run
/// chart: the zone rules then never fire); `include` may be empty (all included). An excluded
/// point is still tested against the limits (as the chart's sigma signal is) but takes part in
/// no other rule. Every non-empty span must have the size of `y`; `out` too.
void classify(std::span<const double> y, std::span<const double> cl, std::span<const double> lcl,
              std::span<const double> ucl, std::span<const std::uint8_t> include,
              std::span<rule_point> out);

/// Evaluates the rules of `options` over classified points, writing the per-point columns and
/// returning the summary. `out.fired` is required (it is the working state); `out.label` and
/// `out.direction` may be empty (direction is written only with label). Each given column must
/// have the points' size. Validates the options (throws `input_error`). Allocates nothing.
rules_summary evaluate(std::span<const rule_point> points, const rule_options& options,
                       const rule_columns& out);

}  // namespace detail

/// The IHI runs table (Perla, Provost & Murray 2011, Table 1, as reproduced in the project's
/// reference): for 10..40 useful points, the fewest and most runs that do not signal. Returns
/// nothing outside that range.
struct runs_bounds {
  std::int32_t lower = 0;
  std::int32_t upper = 0;
};
std::optional<runs_bounds> ihi_runs_table(std::int32_t n_useful) noexcept;

/// Scratch memory reused between calls (one per thread in batch work); opaque.
struct rules_workspace {
  std::vector<detail::rule_point> points;
  std::vector<rule_mask> fired;
};

/// Applies the rules to one series into caller-owned columns (`out.fired` may be empty: then
/// kept in `ws`; each given column of `y`'s size): `y`, its centre line and limits (per point;
/// `lcl`/`ucl` may be empty). Validates the options and sizes (throws `input_error`).
rules_summary apply_rules_into(std::span<const double> y, std::span<const double> cl,
                               std::span<const double> lcl, std::span<const double> ucl,
                               const rule_options& options, const rule_columns& out,
                               rules_workspace& ws);

/// The rules of a series or chart, with their per-point columns.
struct rules_result {
  std::vector<rule_mask> fired;
  std::vector<rule> label;
  std::vector<std::int8_t> direction;
  std::vector<rules_summary> parts;  ///< one per part of a chart (one for a plain series)

  std::size_t size() const noexcept { return fired.size(); }
  /// Every rule that fired in any part.
  rule_mask fired_anywhere() const noexcept;
  rule_columns columns() noexcept { return {fired, label, direction}; }
};

/// Applies the rules to one series.
rules_result apply_rules(std::span<const double> y, std::span<const double> cl,
                         std::span<const double> lcl, std::span<const double> ucl,
                         const rule_options& options);

/// Applies the rules to each part of a chart separately (no run continues into the next part),
/// on its plotted `y`, `cl`, `lcl` and `ucl`; excluded points take part only in the single-point
/// rules.
rules_result apply_rules(const chart_result& chart, const rule_options& options);

}  // namespace spc
