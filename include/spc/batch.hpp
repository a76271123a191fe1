// spc/batch.hpp: many charts in one call: every unit x every indicator x every month.
//
// The series of a batch lie one after another in contiguous columns (y, and n and sd where the
// charts read them); `offsets` gives their boundaries. Each series is computed exactly as
// `spc::qic_into` computes it alone (the results are bitwise equal to `spc::qic` on that series,
// whatever the number of threads), into per-point columns aligned with the input and one summary
// row per series and part. A series whose data are bad (a negative count, a numerator above its
// denominator, freeze beyond the series, ...) is reported in `batch_summary::problems` with its
// series and row; the other series are computed as usual.
//
// Each option set may also carry special-cause rules (`batch_rules`, parallel to the sets): the
// rule sets of spc/rules.hpp evaluated on each part of each series against its own centre line
// and limits (bitwise what `spc::apply_rules` gives on the series' chart), or the NHS Making Data
// Count mode of spc/mdc.hpp (bitwise what `spc::mdc_chart` gives on the series' values), with
// per-point rule columns (`batch_rule_columns`) and per-row rule results in the summary.
//
// Example: 36,000 P charts (400 units x 30 indicators x 3 wards, 24 months each):
//
//   std::vector<std::size_t> offsets = ...;   // 36,001 boundaries: 0, 24, 48, ...
//   spc::chart_options p{.chart = spc::chart_type::p};
//   spc::batch_input in{.y = counts, .n = denominators, .offsets = offsets};
//   spc::batch_result r = spc::qic_batch(in, {.sets = {&p, 1}});
//   for (const spc::series_part& row : r.summary.parts)
//     if (row.summary.runs.runs_signal || row.last_sigma_signal) report(row.series);
//
// The same with the Anhøj and Western Electric rules, reporting the series whose latest point is
// a special cause:
//
//   spc::batch_rules rules;
//   rules.rules.rules = *spc::parse_rules("anhoej,we");
//   spc::batch_result r = spc::qic_batch(in, {.sets = {&p, 1}, .rules = {&rules, 1}});
//   for (const spc::series_part& row : r.summary.parts)
//     if (row.last_variation != spc::variation::common_cause) report(row.series, row.last_rule);
//
// Each option set may also ask for automatic phases (`batch_options::phases`, parallel to the
// sets; spc/phases.hpp): every series of the set is split where `spc::propose_phases` proposes
// (bitwise what `spc::qic_phased` gives on the series; in the MDC mode the proposals are the
// rebase positions of the series' MDC chart), and `batch_summary::phases` says for each row
// whether its part was proposed, and why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "spc/chart.hpp"
#include "spc/mdc.hpp"
#include "spc/phases.hpp"
#include "spc/rules.hpp"

namespace spc {

/// The input of a batch: the columns of every series, one series after another.
struct batch_input {
  std::span<const double> y;             ///< measurement / count / subgroup mean of every point
  std::span<const double> n = {};        ///< denominator or subgroup size (aligned with y); may be empty
  std::span<const double> sd = {};       ///< subgroup standard deviation (aligned with y); may be empty
  std::span<const std::size_t> offsets;  ///< S+1 boundaries: series s is rows [offsets[s], offsets[s+1])

  /// The number of series S.
  std::size_t series_count() const noexcept { return offsets.empty() ? 0 : offsets.size() - 1; }
};

/// The special-cause rules of an option set, or its Making Data Count (MDC) mode.
struct batch_rules {
  /// The rules evaluated on each part of each series, against the part's own y, centre line and
  /// limits (excluded points take part only in the single-point rules), exactly as
  /// `spc::apply_rules(chart, rules)` on the series' chart. `rules.rules == 0`: no rules.
  rule_options rules = [] {
    rule_options none;
    none.rules = 0;
    return none;
  }();
  /// Set: the Making Data Count mode. Every series of the set is an NHS MDC XmR chart
  /// (`spc::mdc_chart_into` with these options) of the values the I chart plots (y, or y / n with
  /// `batch_options::ratio` and an n column, checked as the I chart checks them), one summary row
  /// per period. The set's chart_options must then be a plain I chart (chart i; no freeze, parts,
  /// exclude or cl: rebase and fix_after_n_points take their place; screening is
  /// `mdc->screen_outliers`). `rules` is then passed to `mdc_chart_into`: the MDC rules are always
  /// evaluated, with the lengths and variant of `rules.mdc`, and the other rules of `rules.rules`
  /// on each period against the MDC chart's own mean and process limits, as
  /// `spc chart --rules mdc,we` does.
  std::optional<mdc_options> mdc;

  bool any() const noexcept { return rules.rules != 0 || mdc.has_value(); }
};

/// How each series of a batch is charted.
struct batch_options {
  /// The table of option sets (chart type, freeze, parts, exclude, cl, method, screening).
  std::span<const chart_options> sets;
  /// Per series, the index of its options in `sets` (one entry per series). Empty: every series
  /// uses sets[0] when `sets` has one entry, or series s uses sets[s] when `sets` has one entry per
  /// series.
  std::span<const std::uint32_t> set_of_series = {};
  /// Run and I charts plot y / n when the batch has an n column (as `spc::qic` does when given n).
  /// The p, pp, u, up, xbar and s charts always read n (and xbar, s read sd); the other charts
  /// never do, so one n column can serve a batch that mixes chart types.
  bool ratio = false;
  /// Threads to use: 0 = OpenMP's default (every core, or OMP_NUM_THREADS). Ignored when the
  /// library is built without OpenMP.
  int threads = 0;
  /// Per option set (one entry per entry of `sets`, in the same order): its special-cause rules
  /// or its Making Data Count mode. Empty: no rules for any series.
  std::span<const batch_rules> rules = {};
  /// Per option set (one entry per entry of `sets`, or none): automatic phases for every series of
  /// the set, or nullopt. The set's chart_options then have no parts, freeze or cl (the phases
  /// replace them; `spc::find_problem(phase_options, chart_options)`), and an MDC set has no rebase
  /// or fix_after_n_points (the proposals are its rebase positions; it proposes as an I chart
  /// with the MDC screening). Empty: no automatic phases.
  std::span<const std::optional<phase_options>> phases = {};
};

/// Whether a series was computed.
enum class series_status : std::uint8_t {
  ok,      ///< computed (an empty series is ok and has no parts)
  failed,  ///< bad data or options: see its `series_problem`; its points are written as missing
};

/// Why a series was not computed.
struct series_problem {
  std::size_t series = 0;  ///< 0-based index of the series
  /// 0-based row of the offending value in the batch input (offsets[series] + error.index()), or
  /// input_error::npos when the problem is not one value (e.g. freeze beyond the series).
  std::size_t row = input_error::npos;
  input_error error;  ///< argument ("y", "n", "freeze", ...), index within the series, problem
};

/// The variation of the last point of a part, as the rules of its series read it.
enum class variation : std::uint8_t {
  none,                ///< no rules for the series, or no point of the part has a value
  common_cause,        ///< no rule flags the last point with a value
  special_cause,       ///< a rule flags it without a direction (Nelson 4, 7 and 8)
  special_cause_high,  ///< a rule flags it above the centre line or increasing
  special_cause_low,   ///< a rule flags it below the centre line or decreasing
};

/// "" (none), "common_cause", "special_cause", "special_cause_high", "special_cause_low".
std::string_view to_string(variation v) noexcept;

/// One row of a batch's summary: one part of one series (in the MDC mode: one period).
struct series_part {
  std::size_t series = 0;    ///< 0-based index of the series
  std::size_t n_points = 0;  ///< points in the part (summary.last - summary.first + 1)
  /// Part number, first and last point (0-based positions within the series), centre line and
  /// 3-sigma limits at the last point, number of sigma signals, runs analysis.
  part_summary summary;
  double last_y = na;              ///< the plotted statistic at the part's last point
  bool last_sigma_signal = false;  ///< whether that point lies outside the 3-sigma limits

  // With rules (or the MDC mode); the defaults otherwise. "The last point" here is the last point
  // of the part that has a value (as the MDC variation is that of the last non-missing point).
  rule_mask rules_fired = 0;       ///< every rule that fired in the part, series-level included
  std::int32_t n_rule_points = 0;  ///< points of the part flagged by some point rule
  rule last_rule = rule::none;     ///< the label of the last point (highest-precedence rule)
  /// The last point: common cause, or special cause with the direction of `last_rule`. (The MDC
  /// point type and assurance of a period are in `batch_summary::periods`.)
  variation last_variation = variation::none;
};

/// The summary of a batch: one row per series and part, and the status of every series.
struct batch_summary {
  std::vector<series_part> parts;  ///< series by series, then part by part; none for failed series
  /// S+1 boundaries: the rows of series s are parts[part_offsets[s] .. part_offsets[s+1]).
  std::vector<std::size_t> part_offsets;
  std::vector<series_status> status;     ///< one per series
  std::vector<series_problem> problems;  ///< one per failed series, in series order
  /// Parallel to `parts` when some option set has rules or the MDC mode, else empty: the rules
  /// of each row, as `spc::apply_rules` gives them per part (MDC: per period, the MDC rules
  /// counted from the points as `spc chart` counts them, and the other rules). A row of a series
  /// without rules holds an empty rules_summary (nothing evaluated).
  std::vector<rules_summary> rules;
  /// Parallel to `parts` when some option set has the MDC mode, else empty: the period of each
  /// row of an MDC series as `spc::mdc_chart_into` gives it (mean, limits, point-type counts, the
  /// last point's type as `variation`, assurance, trial limits); a default mdc_period for rows
  /// of other series. The variation of a whole MDC series is that of its last period with a
  /// value; its assurance that of its last period.
  std::vector<mdc_period> periods;
  /// Parallel to `parts` when some option set has automatic phases, else empty: the phase of each
  /// row as `spc::propose_phases` gives it (reason start, shift_up or shift_down, the evidence, a
  /// note); reason `none` for rows of series without automatic phases.
  std::vector<phase_proposal> phases;

  /// The problem of series s, or nullptr when it was computed.
  const series_problem* problem(std::size_t series) const noexcept;
};

/// Per-point rule outputs of a batch, one element per row (any span may be empty: not written).
/// Rows of a series without rules, and of a failed series, get no rule, rule::none, 0, none and
/// common_cause.
struct batch_rule_columns {
  /// Every point rule that fired at the point (the MDC mode: the MDC rules and the others).
  std::span<rule_mask> fired;
  /// The highest-precedence point rule that fired there, or rule::none.
  std::span<rule> label;
  /// The direction of the label: +1 above / increasing, -1 below / decreasing, 0 none or no
  /// direction. (MDC mode: that of the special cause when the label is an MDC rule.)
  std::span<std::int8_t> direction;
  std::span<special_cause> cause;  ///< MDC mode: the special-cause type of the point
  std::span<point_type> type;      ///< MDC mode: the point type
};

/// The per-point columns and the summary of a batch (the allocating form of `qic_batch_into`).
///
/// The Making Data Count mode writes its chart into the same columns: y the values, cl the mean,
/// lcl and ucl the process limits, lcl_95 and ucl_95 missing, part the period, baseline whether
/// the point is among the first fix_after_n_points of its period (all when 0), include 1, and
/// sigma_signal whether the point lies outside the process limits.
struct batch_result {
  std::vector<double> y, cl, lcl, ucl, lcl_95, ucl_95;  ///< as in chart_result; empty in summary-only mode
  std::vector<std::int32_t> part;
  std::vector<std::uint8_t> baseline, include, sigma_signal;
  /// Per-point rule columns: with rules (any option set), in the per-point mode; cause and type
  /// only with the MDC mode (any option set).
  std::vector<rule_mask> fired;
  std::vector<rule> label;
  std::vector<std::int8_t> direction;
  std::vector<special_cause> cause;
  std::vector<point_type> type;
  batch_summary summary;

  chart_columns columns() noexcept;
  batch_rule_columns rule_columns() noexcept;
};

/// Computes every series of a batch, in parallel over series. `out` holds the per-point columns
/// for all rows of the batch (each span empty = not materialised, or of size input.y.size());
/// leave them all empty for the summary-only mode. A failed series' points are written as
/// missing (part 0, flags 0). `summary` is overwritten.
/// Throws `input_error` only for a malformed call (offsets not increasing from 0 to y.size(),
/// n or sd of another length than y, an option-set index out of range, an output column of the
/// wrong size, rules for another number of option sets, bad rule parameters, an MDC option set
/// that is not a plain I chart, MDC options wrong for any series: fix_after_n_points between 1
/// and 11, an infinite target, rebase positions that are not strictly increasing from 1; phase
/// options for another number of option sets, or wrong for their set); bad data in a series
/// never fail the batch (nor does a rebase position beyond a series, nor a series too short for
/// the runcharter method: that series fails).
void qic_batch_into(const batch_input& input, const batch_options& options, const chart_columns& out,
                    batch_summary& summary);

/// The same with per-point rule outputs (each span empty or of size input.y.size()).
void qic_batch_into(const batch_input& input, const batch_options& options, const chart_columns& out,
                    const batch_rule_columns& rule_out, batch_summary& summary);

/// Computes a batch into new columns: every per-point column when `per_point` (with the rule
/// columns when some option set has rules), else the summary only.
batch_result qic_batch(const batch_input& input, const batch_options& options, bool per_point = true);

/// Scales the plotted statistic, centre lines and limits of every point and summary row by `k`
/// (qicharts2's `multiply`, for display; signals are unchanged). MDC periods are scaled too.
void multiply(batch_result& result, double k) noexcept;

}  // namespace spc
