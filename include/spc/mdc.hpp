// spc/mdc.hpp: the NHS England "Making Data Count" (MDC) method: an XmR chart with improvement
// direction, special-cause types, point types, variation and assurance results.
//
// Reference: NHSRplotthedots 0.2.2 `ptd_spc()` (R/ptd_spc_standard.R,
// R/ptd_calculate_point_type.R, R/ptd_calculate_assurance_type.R), reproduced exactly:
//   - per period (see `rebase`): mean of the baseline points (the first `fix_after_n_points` of
//     the period, or all), AMR = mean moving range of the baseline, screened once when
//     `screen_outliers` (keep MR < 3.267 AMR, strictly; then recompute AMR; the mean is not
//     recomputed);
//   - process limits mean +- 2.66 AMR; "close to the limits" beyond mean +- (2 * 2.66 / 3) AMR
//     but not outside the limits (2.66 = 3 / 1.128, Wheeler's XmR constant);
//   - rules per period, in precedence order: outside the limits > trend (7) > two in three >
//     shift (7) (see spc/rules.hpp); the special-cause type of a point is its highest rule;
//   - point type: the sign of the special cause (+ for above / increasing) times the improvement
//     direction; neutral_high / neutral_low with a neutral direction;
//   - variation: the type of the last point; assurance: the target against the last period's
//     limits (none without a target or with a neutral direction);
//   - a period of fewer than 13 points has trial limits.
// Beyond the reference (which errors or misbehaves on missing values, issue #156): a missing value
// (NaN) is a gap. It takes no part in the mean or a moving range (the moving ranges on each side
// of it are missing), neither counts nor breaks a run, gets special cause `none` and point type
// `common_cause`, and is not counted in the period's point-type counts or its trial-limits test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "spc/rules.hpp"
#include "spc/types.hpp"

namespace spc {

enum class improvement_direction : std::uint8_t { increase, decrease, neutral };

/// The special-cause type of a point: the highest-priority MDC rule that fired there.
enum class special_cause : std::uint8_t {
  none,
  above_ucl,
  below_lcl,
  trend_increasing,
  trend_decreasing,
  two_in_three_above,
  two_in_three_below,
  shift_above,
  shift_below,
};

enum class point_type : std::uint8_t {
  common_cause,
  improvement,
  concern,
  neutral_high,
  neutral_low,
};

enum class assurance_type : std::uint8_t { none, consistent_pass, consistent_fail, inconsistent };

/// +1 for above / increasing, -1 for below / decreasing, 0 for none.
constexpr int direction_of(special_cause c) noexcept {
  switch (c) {
    case special_cause::above_ucl:
    case special_cause::trend_increasing:
    case special_cause::two_in_three_above:
    case special_cause::shift_above: return 1;
    case special_cause::below_lcl:
    case special_cause::trend_decreasing:
    case special_cause::two_in_three_below:
    case special_cause::shift_below: return -1;
    case special_cause::none: return 0;
  }
  return 0;
}

/// The point type of a special cause under an improvement direction (ptd_point_type).
constexpr point_type point_type_of(special_cause c, improvement_direction d) noexcept {
  const int v = direction_of(c);
  if (v == 0) return point_type::common_cause;
  if (d == improvement_direction::neutral)
    return v > 0 ? point_type::neutral_high : point_type::neutral_low;
  const int sign = d == improvement_direction::increase ? v : -v;
  return sign > 0 ? point_type::improvement : point_type::concern;
}

// Names on the command line: "increase", "decrease", "neutral"; "none", "above_ucl", ...;
// "common_cause", "improvement", "concern", "neutral_high", "neutral_low"; "consistent_pass",
// "consistent_fail", "inconsistent", and "" for assurance_type::none (written as a missing cell).
std::string_view to_string(improvement_direction d) noexcept;
std::string_view to_string(special_cause c) noexcept;
std::string_view to_string(point_type t) noexcept;
std::string_view to_string(assurance_type a) noexcept;
std::optional<improvement_direction> parse_improvement_direction(std::string_view s) noexcept;
std::optional<special_cause> parse_special_cause(std::string_view s) noexcept;
std::optional<point_type> parse_point_type(std::string_view s) noexcept;
/// Accepts "" and "none" for assurance_type::none.
std::optional<assurance_type> parse_assurance(std::string_view s) noexcept;

// NHSRplotthedots 0.2.2 vocabulary (its `special_cause_type` and `point_type` columns):
// "Common Cause", "Above UCL", "Below LCL", "7 Point Trend (Increasing)",
// "7 Point Trend (Decreasing)", "2 in 3 Above CL", "2 in 3 Below CL", "7 Points Above CL",
// "7 Points Below CL"; "common_cause", "special_cause_improvement", "special_cause_concern",
// "special_cause_neutral_high", "special_cause_neutral_low". The run lengths in these labels are
// NHSRplotthedots' fixed 7.
std::string_view ptd_label(special_cause c) noexcept;
std::string_view ptd_label(point_type t) noexcept;
std::optional<special_cause> parse_ptd_special_cause(std::string_view s) noexcept;
std::optional<point_type> parse_ptd_point_type(std::string_view s) noexcept;

/// Options of an MDC chart. Positions are 1-based. The rules' parameters (trend and shift
/// lengths, the two-in-three variant) are not here but in `rule_options::mdc`, their one home:
/// `mdc_chart` takes a `rule_options` beside these.
struct mdc_options {
  improvement_direction direction = improvement_direction::increase;
  std::vector<std::size_t> rebase;  ///< points where a new period starts (strictly increasing)
  std::size_t fix_after_n_points = 0;  ///< baseline = first N points of each period; 0 = all;
                                       ///< otherwise at least 12 (NHSRplotthedots)
  bool screen_outliers = true;  ///< drop MR >= 3.267 AMR before the limits (Nelson 1982)
  double target = na;           ///< for the assurance result; NaN = none
  std::size_t trial_limit_points = 13;  ///< periods with fewer points have trial limits
};

/// The rules of a plain MDC chart: the MDC set with its default lengths and variant.
inline rule_options mdc_rules() {
  rule_options r;
  r.rules = rules_in(rule_set::mdc);
  return r;
}

/// The smallest `fix_after_n_points` NHSRplotthedots accepts.
inline constexpr std::size_t mdc_min_fix_points = 12;

/// One period (between rebases) of an MDC chart.
struct mdc_period {
  std::int32_t period = 1;  ///< 1-based period number (NHSRplotthedots' rebase_group + 1)
  std::size_t first = 0;    ///< 0-based position of the first point
  std::size_t last = 0;     ///< 0-based position of the last point (inclusive)
  std::int32_t n_points = 0;   ///< points in the period, missing ones included
  std::int32_t n_missing = 0;  ///< missing values (NaN)
  double mean = na;            ///< centre line
  double amr = na;             ///< mean moving range (after screening)
  double lpl = na;             ///< lower process limit, mean - 2.66 AMR
  double upl = na;             ///< upper process limit, mean + 2.66 AMR
  std::int32_t improvement = 0;
  std::int32_t concern = 0;
  std::int32_t neutral_high = 0;
  std::int32_t neutral_low = 0;
  std::int32_t common_cause = 0;  ///< non-missing points with no special cause
  point_type variation = point_type::common_cause;  ///< type of the last non-missing point
  /// Target against this period's limits. NHSRplotthedots reports it for the last period only;
  /// the series result (`mdc_result::assurance`) is the last period's.
  assurance_type assurance = assurance_type::none;
  bool trial_limits = false;  ///< fewer than `trial_limit_points` non-missing points
  /// The rules of the period: the MDC rules and any other rules asked for (counts of flagged
  /// points, series-level results), as `apply_rules` reports a part.
  rules_summary rules;
};

/// Mutable views of the per-point outputs; any span may be empty (not written).
struct mdc_columns {
  std::span<std::int32_t> period;  ///< 1-based
  std::span<double> mean, lpl, upl;
  std::span<special_cause> cause;
  std::span<point_type> type;
  std::span<rule_mask> fired;  ///< every rule that fired at the point (MDC and others)
  std::span<rule> label;       ///< the highest-precedence of them (`label_of`), or rule::none
  /// The label's direction: an MDC label that of its special cause, another rule's its own.
  std::span<std::int8_t> direction;
};

/// An MDC chart: per-point columns, one summary per period, and the series results.
struct mdc_result {
  std::vector<std::int32_t> period;
  std::vector<double> mean, lpl, upl;
  std::vector<special_cause> cause;
  std::vector<point_type> type;
  std::vector<rule_mask> fired;
  std::vector<rule> label;
  std::vector<std::int8_t> direction;
  std::vector<mdc_period> periods;
  point_type variation = point_type::common_cause;  ///< the last non-missing point's type
  assurance_type assurance = assurance_type::none;  ///< against the last period's limits

  std::size_t size() const noexcept { return period.size(); }
  mdc_columns columns() noexcept;
};

namespace detail {
struct mdc_scratch {
  std::vector<rule_point> points, other_points;
  std::vector<rule_mask> fired, other_fired;
  std::vector<rule> label, other_label;
  std::vector<std::int8_t> direction, other_direction;
  std::vector<special_cause> cause;
  std::vector<double> cl, lcl, ucl;
};
}  // namespace detail

/// Scratch memory reused between calls (one per thread in batch work); opaque.
struct mdc_workspace {
  detail::mdc_scratch scratch;
};

/// Finds the first problem with the series and options, or nothing: a non-finite value other
/// than NaN, rebase positions out of 1..n or not strictly increasing, fix_after_n_points between
/// 1 and 11, an infinite target. (Bad rule lengths: `find_problem(rule_options)`.)
std::optional<input_error> find_problem(std::span<const double> y, const mdc_options& options);

/// The results of a whole series.
struct mdc_series_result {
  point_type variation = point_type::common_cause;  ///< the last non-missing point's type
  assurance_type assurance = assurance_type::none;  ///< against the last period's limits
};

/// Computes an MDC chart into caller-owned columns (each empty or of the series' size), replacing
/// the contents of `periods`, and returns the series results. `rules`: the MDC rules are always
/// evaluated, with the lengths and variant of `rules.mdc`; any other rules of `rules.rules` are
/// evaluated period by period on the chart's own mean and process limits (`--rules mdc,we`) and
/// merged into `fired`, `label`, `direction` and each period's `rules`. Validates first (throws
/// `input_error`). Allocates nothing once `ws` and `periods` are warm.
mdc_series_result mdc_chart_into(std::span<const double> y, const mdc_options& options,
                                 const rule_options& rules, const mdc_columns& out,
                                 std::vector<mdc_period>& periods, mdc_workspace& ws);

/// Computes an MDC chart (`ptd_spc` in NHSRplotthedots), with `rules` as above.
mdc_result mdc_chart(std::span<const double> y, const mdc_options& options = {},
                     const rule_options& rules = mdc_rules());

/// The assurance result of a target against process limits (ptd_calculate_assurance_type).
assurance_type assurance_of(double target, double lpl, double upl,
                            improvement_direction d) noexcept;

}  // namespace spc
