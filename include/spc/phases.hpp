// spc/phases.hpp: automatic phases. Proposes where a chart should be split (rebaselined) because
// the process has shifted, and says why; the chart computed with the proposals is the ordinary
// chart with those parts (`--parts`), or, in the Making Data Count mode, with those rebase
// positions.
//
// Specification: phases.md (shared reference; docs/phases.md for users). Three methods:
//   - anhoej (the default, §4): fix a baseline of the first m = min_phase points of the phase,
//     look for a sustained run against its centre line among the later points (longer than the
//     Anhøj limit of the phase, Anhøj & Olesen 2014, or a fixed run length), start the new phase
//     at the first point of the run (Wheeler's rule), re-evaluate what follows; never when fewer
//     than m points would follow, never on a trend (the trend guard below);
//   - changepoint (§5): binary segmentation (Scott & Knott 1974; Vostrikova 1981) with the
//     chart's own likelihood-ratio or score statistic per candidate start (Sullivan & Woodall
//     1996; Hawkins, Qiu & Kang 2003; Pettitt 1979 for run charts), tested against a Bonferroni
//     bound so that a stable series gets a proposal with probability at most alpha;
//   - runcharter (§3): exact compatibility with the R package runcharter (J. MacKintosh,
//     @5f28f68), implemented from its description, never from its (GPL) code. Run charts only.
// The trend guard (§4.4): a proposal at r is refused when, over its window, a straight line (two
// parameters, weighted least squares on the position) fits at least as well as a step at r.
//
// Positions in these structs are 0-based, as in `part_summary`; positions in messages and notes
// count from 1, as users do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "spc/chart.hpp"
#include "spc/types.hpp"

namespace spc {

/// How phases are proposed.
enum class phase_method : std::uint8_t {
  anhoej,       ///< a sustained run against the phase's baseline (the default)
  changepoint,  ///< binary segmentation with a bounded false-proposal rate
  runcharter,   ///< the R package runcharter, exactly (run charts only)
};

/// Which shifts may be proposed: to a higher level, a lower one, or either.
enum class phase_direction : std::uint8_t { both, above, below };

/// Why a phase starts where it does.
enum class phase_reason : std::uint8_t {
  none,        ///< not an automatic phase: the parts as the user gave them (batch rows only)
  start,       ///< the first phase of an automatically phased series
  shift_up,    ///< proposed: the process moved to a higher level
  shift_down,  ///< proposed: the process moved to a lower level
};

// Names as on the command line: "anhoej", "changepoint", "runcharter"; "both", "above",
// "below"; "" (none), "start", "shift_up", "shift_down".
std::string_view to_string(phase_method m) noexcept;
std::string_view to_string(phase_direction d) noexcept;
std::string_view to_string(phase_reason r) noexcept;
std::optional<phase_method> parse_phase_method(std::string_view s) noexcept;
std::optional<phase_direction> parse_phase_direction(std::string_view s) noexcept;

/// The defaults of the parameters a method reads (phases.md §8.1): the baseline and minimum phase
/// length (the MDC baseline minimum of 12), the false-proposal bound, and runcharter's defaults.
inline constexpr int default_min_phase = 12;
inline constexpr double default_phase_alpha = 0.05;
inline constexpr int default_runcharter_runlength = 9;
inline constexpr int default_med_rows = 13;

/// The options of automatic phases. A parameter left empty takes its method's default; one
/// given to a method that does not read it is refused (`find_problem`), as the command line
/// refuses it, so that a setting is never silently ignored.
struct phase_options {
  phase_method method = phase_method::anhoej;
  /// anhoej, changepoint: the baseline length and the minimum phase length, at least 2
  /// (default 12).
  std::optional<int> min_phase = std::nullopt;
  /// anhoej: a fixed sustained-run length (at least 2) instead of the Anhøj limit (much noisier:
  /// phases.md §6); runcharter: its `runlength` L (at least 0; 0 = no re-phasing; default 9).
  std::optional<int> runlength = std::nullopt;
  phase_direction direction = phase_direction::both;
  /// changepoint: the false-proposal bound, 0 < alpha < 1 (default 0.05).
  std::optional<double> alpha = std::nullopt;
  /// runcharter: its baseline `med_rows` M, at least 0 (default 13).
  std::optional<int> med_rows = std::nullopt;

  int min_phase_value() const noexcept { return min_phase.value_or(default_min_phase); }
  double alpha_value() const noexcept { return alpha.value_or(default_phase_alpha); }
  int med_rows_value() const noexcept { return med_rows.value_or(default_med_rows); }
  /// runcharter's L (its default when not given).
  int runcharter_runlength() const noexcept { return runlength.value_or(default_runcharter_runlength); }
};

/// A shift (anhoej) or change (changepoint) that was seen but not proposed, and why.
enum class phase_note_kind : std::uint8_t {
  none,
  too_few_after,  ///< fewer than min_phase points from the shift to the end of the series
  trend,          ///< a straight line fits the window at least as well as a step (§4.4)
};

struct phase_note {
  phase_note_kind kind = phase_note_kind::none;
  bool change = false;            ///< found by the changepoint method (worded "change", not "shift")
  std::size_t at = 0;             ///< 0-based start of the shift or change not proposed
  std::size_t window_first = 0;   ///< trend: the guard's window (0-based, inclusive)
  std::size_t window_last = 0;
  std::size_t points_after = 0;   ///< too_few_after: points from `at` to the end
  std::int32_t min_phase = 0;     ///< too_few_after: the minimum phase length

  bool empty() const noexcept { return kind == phase_note_kind::none; }
  friend bool operator==(const phase_note&, const phase_note&) = default;
};

/// The note in words, as the summary's `note` column gives it: "shift at 20 not proposed: 11
/// points from it to the end, fewer than 12", "change at 16 not proposed: a straight line fits
/// points 1-30 at least as well as a step at 16 (a trend)"; "" for no note.
std::string to_string(const phase_note& note);

/// One phase of an automatically phased series: where it is, why it starts there, and the
/// evidence. The first phase has reason `start` and no evidence.
struct phase_proposal {
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  std::size_t first = 0;  ///< 0-based first point (the proposal's position)
  std::size_t last = 0;   ///< 0-based last point (inclusive)
  phase_reason reason = phase_reason::start;

  /// anhoej: the first and last point of the sustained run; runcharter: its first and its L-th
  /// useful point (q1, qL); changepoint: npos.
  std::size_t evidence_first = npos, evidence_last = npos;
  /// anhoej: the run's length and the threshold T (a run of T or more is sustained);
  /// runcharter: L and L; changepoint: |z| and the critical value. NaN for the first phase.
  double statistic = na, limit = na;

  /// What the shift was measured against. anhoej: the baseline of the phase before (its first m
  /// points) and its centre line; changepoint: the part before the change within the segment
  /// that was split, and its level (the chart's own centre line of it); runcharter: the points
  /// that fixed the centre line before, and that median.
  std::size_t reference_first = npos, reference_last = npos;
  double reference_cl = na;
  /// changepoint: the last point of the part after the change (the segment's end) and its level.
  std::size_t after_last = npos;
  double after_level = na;
  /// anhoej: the useful points of the phase before against its baseline centre line (the n of
  /// the Anhøj limit Lmax(n)).
  std::int32_t n_useful = 0;
  /// changepoint: the number of candidate positions in the segment (the Bonferroni factor).
  std::int32_t candidates = 0;

  /// runcharter: the phase's centre line, runcharter's median (of the baseline, or of the L
  /// points of the evidence; NaN when there is none: med_rows 0 or a baseline of missing values).
  /// NaN for the other methods, whose chart takes each phase's centre line from all its points.
  double cl = na;

  /// A shift seen in this phase but not proposed, and why; empty otherwise.
  phase_note note;

  bool proposed() const noexcept {
    return reason == phase_reason::shift_up || reason == phase_reason::shift_down;
  }
};

namespace detail {
struct phase_scratch {
  std::vector<double> v, num, den;  // the statistic, and the numerator / denominator of its level
  std::vector<double> a, b;         // medians and moving ranges; the z of each candidate
  std::vector<double> rank, cum_num, cum_den, cum_count;  // one segment (changepoint)
  std::vector<std::size_t> order;
  std::vector<std::uint8_t> ones;
  std::vector<phase_proposal> pending;  // the segments still to split (changepoint)
  std::vector<double> y, cl;            // columns the caller did not ask for (qic_phased_into)
  chart_options chart;                  // the chart options with the proposed parts
};
}  // namespace detail

/// Scratch memory reused between calls (one per thread in batch work); opaque.
struct phase_workspace {
  detail::phase_scratch scratch;
  workspace chart;
};

/// Finds a problem with the phase options and the chart they are for, or nothing: a chart other
/// than run, i, c, p and u (argument "chart"); runcharter on a chart other than run
/// ("phase_method"); parts, freeze or a centre line given (they would be replaced: "parts",
/// "freeze", "cl"); excluded points with runcharter ("exclude"); a parameter that the method does
/// not read, or out of range ("min_phase", "runlength", "alpha", "med_rows"). Data are not read:
/// the one data-dependent refusal (runcharter on fewer than med_rows + runlength points) is
/// `propose_phases`'. The Making Data Count mode proposes on its I chart: pass chart i.
std::optional<input_error> find_problem(const phase_options& options, const chart_options& chart);

/// Proposes the phases of a series charted with `chart` (its type, excluded points and moving
/// range screening; no parts, freeze or centre line): one entry per phase, the first with reason
/// `start`, in order. A series too short for any proposal (fewer than 2 min_phase points, for
/// anhoej and changepoint) has one phase. Throws input_error for bad data or options (as
/// `validate` and `find_problem` find them), and for runcharter on fewer than med_rows +
/// runlength points ("med_rows", as runcharter itself stops there).
std::vector<phase_proposal> propose_phases(const series_view& series, const chart_options& chart,
                                           const phase_options& options);

/// The caller-owned form: replaces the contents of `phases`; allocates nothing once `ws` and
/// `phases` are warm.
void propose_phases_into(const series_view& series, const chart_options& chart, const phase_options& options,
                         std::vector<phase_proposal>& phases, phase_workspace& ws);

/// The two fits of the trend guard (phases.md §4.4) over a window.
struct trend_guard_result {
  double rss_step = na;  ///< residual sum of squares of a step (two means) at the step position
  double rss_line = na;  ///< residual sum of squares of a straight line on the position
  /// A line fits at least as well as the step: the shift is not proposed.
  bool refused() const noexcept { return rss_line <= rss_step; }
};

/// The trend guard over the values v of points first..last (0-based, inclusive) with a step at
/// `step` (the first point of the right part): weighted least squares, weights `w` (empty: all 1;
/// the chart's n for p and u charts), over the points with a value. Both models have two
/// parameters and the step's position is not fitted to the window, so the comparison is fair.
trend_guard_result trend_guard(std::span<const double> v, std::span<const double> w, std::size_t first,
                               std::size_t step, std::size_t last);

/// The changepoint statistic z (phases.md §5.2; > 0 when the later part is higher) of every
/// candidate start of the segment first..last (0-based, inclusive): entry k is the split before
/// first + min_phase + k; NaN where it is undefined. Empty when the segment has fewer than
/// 2 min_phase points. For explanations and tests; `propose_phases` computes the same.
std::vector<double> change_statistics(const series_view& series, const chart_options& chart, std::size_t first,
                                      std::size_t last, int min_phase);

/// The proposals as `chart_options::parts` (1-based: a part ends before each proposed start),
/// i.e. `--parts`.
std::vector<std::size_t> parts_of(std::span<const phase_proposal> phases);
/// The proposals as `mdc_options::rebase` (1-based positions where a new period starts), i.e.
/// `--rebase`.
std::vector<std::size_t> rebase_of(std::span<const phase_proposal> phases);

/// A chart with automatic phases: the chart and, parallel to `chart.parts`, the phases.
struct phased_chart {
  chart_result chart;
  std::vector<phase_proposal> phases;
};

/// Proposes the phases and computes the chart with them. anhoej and changepoint: exactly
/// `qic(series, chart with parts = parts_of(phases))`. runcharter: that run chart with
/// runcharter's lines (§3.6): each phase's centre line is its proposal's `cl`, `baseline` marks
/// the points that fixed it (the first med_rows points, and the L points of each run), and each
/// part's runs analysis is against that centre line.
phased_chart qic_phased(const series_view& series, const chart_options& chart, const phase_options& options);

/// The caller-owned form of `qic_phased` (the columns as `qic_into` takes them; `parts` and
/// `phases` replaced). Allocates nothing once the workspaces and vectors are warm.
void qic_phased_into(const series_view& series, const chart_options& chart, const phase_options& options,
                     const chart_columns& out, std::vector<part_summary>& parts,
                     std::vector<phase_proposal>& phases, phase_workspace& ws);

}  // namespace spc
