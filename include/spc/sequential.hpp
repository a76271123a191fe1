// spc/sequential.hpp: the sequential charts: tabular CUSUM, EWMA, Bernoulli CUSUM,
// risk-adjusted CUSUM (RA-CUSUM) and VLAD.
//
// Shewhart charts judge each point on its own; these charts carry evidence from point to point,
// so they see a small sustained shift in a measurement (CUSUM, EWMA) or a change in the rate of
// an adverse outcome judged patient by patient (Bernoulli CUSUM, RA-CUSUM, VLAD). Formulas,
// defaults and their sources: docs/sequential.md. Their thresholds are chosen for an in-control
// average run length with spc/arl.hpp.
//
// Conventions shared by every chart:
//   - positions count from 1 in options (freeze), from 0 in results (first_signal_*);
//   - a missing value (NaN; for the risk-based charts a missing outcome or a missing risk) is a gap:
//     the recursion runs over the points that have a value, as if the gap were not there; at a gap
//     the statistics are NaN and no signal is given (the limits are those in force);
//   - the statistic at a signal is the value that crossed the limit; with `reset` (the default of
//     every CUSUM) the *next* point restarts that side, each side of a two-sided chart on its own;
//   - upper-side statistics are >= 0; the lower sides of the two-sided CUSUMs are reported <= 0
//     and compared with a negative limit, so that they plot as they are (as qcc and qicharts2);
//   - CUSUM, RA-CUSUM and EWMA signal strictly beyond the limit (`>`); the Bernoulli CUSUM at `>=`,
//     as qicharts2's bchart, the reference for it.
//
// Every chart comes in four forms, as the rest of the library:
//   - `cusum(y, options)`: the whole series into a new result;
//   - `cusum_into(y, options, columns, workspace)`: the same into the caller's memory;
//   - an incremental state: `start(options)` with the parameters given, then `update(state, y)`
//     point by point (patient by patient), reading the statistic and signal as they come, and
//     `save(state)` / `restore(text, state)` to keep it between runs. The whole-series functions
//     are built on `update`, so the two are bitwise equal; a result's `summary.state` is the state
//     after its last point, from which monitoring continues;
//   - `sequential_batch` / `sequential_batch_into`: many series in parallel (one option set).
//
// The saved state is one line of JSON with the chart, a version and every field of the state
// struct, numbers in the shortest form that reads back to the same double:
//   {"chart":"cusum","version":1,"target":10,"sigma":1,"k":0.5,"h":5,"headstart":0,
//    "reset":true,"points":29,"values":29,"upper":5.28,"lower":0,"signal_upper":true,
//    "signal_lower":false}
// `restore` checks the chart, the version, that every field is there (and no other), and the
// parameters as `start` does; it throws input_error("state", ...) otherwise.
//
// Example: the surgical series so far, then one patient at a time.
//
//   spc::racusum_result r = spc::racusum(died, risk, {.ra = 2, .h = 4.5});
//   std::string saved = spc::save(r.summary.state);          // kept in a file or database
//   ...
//   spc::racusum_state s;
//   spc::restore(saved, s);
//   spc::racusum_point p = spc::update(s, outcome, predicted_risk);
//   if (p.signal) alert();
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "spc/batch.hpp"
#include "spc/chart.hpp"
#include "spc/types.hpp"

namespace spc {

/// "No signal" in first_signal_upper / first_signal_lower.
inline constexpr std::size_t no_signal = static_cast<std::size_t>(-1);

/// What every sequential chart counts over a series.
struct sequential_counts {
  std::size_t n_points = 0;   ///< points, gaps included
  std::size_t n_missing = 0;  ///< gaps
  std::size_t n_signals_upper = 0;  ///< points signalling on the upper side (EWMA: above the UCL; RA-CUSUM: all)
  std::size_t n_signals_lower = 0;  ///< points signalling on the lower side (EWMA: below the LCL)
  std::size_t first_signal_upper = no_signal;  ///< 0-based position of the first, or no_signal
  std::size_t first_signal_lower = no_signal;
};

// --- Tabular CUSUM (Page 1954; Montgomery, Introduction to SQC, 6th ed., 9.1) ------------------

/// Options of the tabular CUSUM. k, h and headstart are in units of sigma.
struct cusum_options {
  double target = na;      ///< in-control mean mu0; NaN = the mean of the baseline values
  double sigma = na;       ///< in-control sd; NaN = estimated from the baseline as the I chart does
  std::size_t freeze = 0;  ///< the baseline is points 1..freeze (at least 2); 0 = every point
  bool screen_mr = true;   ///< screen the baseline's moving ranges (Nelson 1982), as the I chart
  double k = 0.5;          ///< reference value: K = k * sigma (k = delta/2 is optimal for a shift delta)
  double h = 5;            ///< decision interval: H = h * sigma (two-sided ARL0 465 at k 0.5)
  double headstart = 0;    ///< fast initial response (Lucas & Crosier 1982): start at headstart * sigma
  bool reset = true;       ///< restart a side at the headstart after its signal
};

/// The state of a CUSUM after some points: its parameters (in the units of y) and its statistics.
struct cusum_state {
  double target = 0, sigma = 1, k = 0.5, h = 5, headstart = 0;
  bool reset = true;
  std::uint64_t points = 0;  ///< points seen, gaps included
  std::uint64_t values = 0;  ///< points with a value
  double upper = 0;  ///< C+ at the last value (before any value: headstart * sigma)
  double lower = 0;  ///< -C- at the last value (<= 0)
  bool signal_upper = false, signal_lower = false;  ///< at the last value (the next one restarts)
};

/// One point of a CUSUM: the statistics (NaN at a gap) and the signals.
struct cusum_point {
  double upper = na, lower = na;
  bool signal_upper = false, signal_lower = false;
};

struct cusum_summary {
  cusum_state state;  ///< the parameters used and the state after the last point
  bool target_estimated = false, sigma_estimated = false;
  sequential_counts counts;
  double ucl() const noexcept { return state.h * state.sigma; }   ///< H
  double lcl() const noexcept { return -state.h * state.sigma; }  ///< -H
};

/// Per-point outputs of a CUSUM; each span empty (not written) or of the series' size.
struct cusum_columns {
  std::span<double> upper, lower;  ///< cusum_upper = C+, cusum_lower = -C-
  std::span<std::uint8_t> signal_upper, signal_lower;
};

struct cusum_result {
  cusum_summary summary;
  std::vector<double> upper, lower;
  std::vector<std::uint8_t> signal_upper, signal_lower;
  cusum_columns columns() noexcept { return {upper, lower, signal_upper, signal_lower}; }
};

/// The first problem with the options alone (no data), or nothing: k < 0, h <= 0, headstart
/// outside [0, h), sigma <= 0, a value not finite, freeze 1.
std::optional<input_error> find_problem(const cusum_options& options);
/// A state at the start, from options whose target and sigma are given. Throws input_error.
cusum_state start(const cusum_options& options);
/// Adds one point (NaN = a gap): C+ = max(0, C+ + (y - mu0) - K), C- = max(0, C- + (mu0 - y) - K),
/// signals at C > H. Throws input_error("y", points) for a value that is not finite.
cusum_point update(cusum_state& state, double y);
cusum_result cusum(std::span<const double> y, const cusum_options& options = {});
cusum_summary cusum_into(std::span<const double> y, const cusum_options& options, const cusum_columns& out,
                         workspace& ws);

// --- EWMA (Roberts 1959; Lucas & Saccucci 1990; Montgomery 9.2) ----------------------------------

struct ewma_options {
  double target = na;      ///< mu0 (z_0 and the centre line); NaN = the mean of the baseline values
  double sigma = na;       ///< NaN = estimated from the baseline as the I chart does
  std::size_t freeze = 0;  ///< the baseline is points 1..freeze (at least 2); 0 = every point
  bool screen_mr = true;
  double lambda = 0.2;      ///< weight of the newest value, in (0, 1]; 1 is the Shewhart I chart
  double L = 3;             ///< limit width in sigma of z (ARL0 560 at lambda 0.2, asymptotic limits)
  bool asymptotic = false;  ///< steady-state limits instead of the exact, time-varying ones
};

struct ewma_state {
  double target = 0, sigma = 1, lambda = 0.2, L = 3;
  bool asymptotic = false;
  std::uint64_t points = 0, values = 0;
  double z = 0;         ///< z at the last value (before any value: mu0)
  bool signal = false;  ///< at the last value
};

struct ewma_point {
  double z = na;  ///< NaN at a gap
  double lcl = na, ucl = na;  ///< the limits in force at the point
  bool signal = false;
};

/// The limits of an EWMA after t values: mu0 -+ L sigma sqrt(lambda / (2 - lambda) (1 - (1 -
/// lambda)^(2t))), or without the bracket when asymptotic.
void ewma_limits(const ewma_state& state, std::uint64_t t, double& lcl, double& ucl) noexcept;

struct ewma_summary {
  ewma_state state;
  bool target_estimated = false, sigma_estimated = false;
  sequential_counts counts;  ///< upper = above the UCL, lower = below the LCL
};

struct ewma_columns {
  std::span<double> z, lcl, ucl;
  std::span<std::uint8_t> signal;
};

struct ewma_result {
  ewma_summary summary;
  std::vector<double> z, lcl, ucl;
  std::vector<std::uint8_t> signal;
  ewma_columns columns() noexcept { return {z, lcl, ucl, signal}; }
};

std::optional<input_error> find_problem(const ewma_options& options);
ewma_state start(const ewma_options& options);
/// z = lambda y + (1 - lambda) z (no reset after a signal); signal strictly outside the limits.
ewma_point update(ewma_state& state, double y);
ewma_result ewma(std::span<const double> y, const ewma_options& options = {});
ewma_summary ewma_into(std::span<const double> y, const ewma_options& options, const ewma_columns& out,
                       workspace& ws);

// --- Bernoulli CUSUM (Neuburger et al. 2017, BMJ Qual Saf; qicharts2 0.8.1 bchart) ---------------

struct bernoulli_cusum_options {
  double p0 = na;           ///< baseline risk in (0, 1); NaN = the mean of the baseline outcomes
  std::size_t freeze = 0;   ///< baseline outcomes 1..freeze for p0 (not with p0); 0 = every outcome
  double odds_ratio = 2;    ///< > 1: the upper side detects odds x OR, the lower side odds / OR
  double limit = 3.5;       ///< decision limit (signal at s_upper >= limit or s_lower <= -limit)
  bool reset = true;
};

struct bernoulli_cusum_state {
  double p0 = 0.05, odds_ratio = 2, limit = 3.5;
  bool reset = true;
  std::uint64_t points = 0, values = 0;
  double upper = 0;  ///< s_upper >= 0
  double lower = 0;  ///< s_lower <= 0
  bool signal_upper = false, signal_lower = false;
};

/// The shifted risks: p1 = the odds times OR, p2 = the odds divided by OR, as risks.
double bernoulli_p1(const bernoulli_cusum_state& state) noexcept;
double bernoulli_p2(const bernoulli_cusum_state& state) noexcept;

struct bernoulli_cusum_point {
  double w_upper = na, w_lower = na;  ///< the weights added (NaN at a gap)
  double upper = na, lower = na;      ///< s_upper, s_lower
  bool signal_upper = false, signal_lower = false;
};

struct bernoulli_cusum_summary {
  bernoulli_cusum_state state;
  bool p0_estimated = false;
  sequential_counts counts;
};

struct bernoulli_cusum_columns {
  std::span<double> w_upper, w_lower, upper, lower;
  std::span<std::uint8_t> signal_upper, signal_lower;
};

struct bernoulli_cusum_result {
  bernoulli_cusum_summary summary;
  std::vector<double> w_upper, w_lower, upper, lower;
  std::vector<std::uint8_t> signal_upper, signal_lower;
  bernoulli_cusum_columns columns() noexcept { return {w_upper, w_lower, upper, lower, signal_upper, signal_lower}; }
};

std::optional<input_error> find_problem(const bernoulli_cusum_options& options);
bernoulli_cusum_state start(const bernoulli_cusum_options& options);
/// One outcome (0 or 1; NaN = a gap). Throws input_error("y", points) for anything else.
bernoulli_cusum_point update(bernoulli_cusum_state& state, double y);
bernoulli_cusum_result bernoulli_cusum(std::span<const double> y, const bernoulli_cusum_options& options = {});
bernoulli_cusum_summary bernoulli_cusum_into(std::span<const double> y, const bernoulli_cusum_options& options,
                                             const bernoulli_cusum_columns& out);

// --- Risk-adjusted CUSUM (Steiner, Cook, Farewell & Treasure 2000, Biostatistics 1:441) ----------

struct racusum_options {
  double ra = 2;    ///< odds ratio to detect (> 1: deterioration; < 1: improvement)
  double r0 = 1;    ///< odds ratio in control
  double h = 4.5;   ///< decision limit (Steiner et al.: 4.5 for RA 2, 4 for RA 1/2)
  bool reset = true;
};

struct racusum_state {
  double ra = 2, r0 = 1, h = 4.5;
  bool reset = true;
  std::uint64_t points = 0, values = 0;
  double cusum = 0;  ///< X >= 0 whatever the direction
  bool signal = false;
};

struct racusum_point {
  double w = na, cusum = na;  ///< Steiner's weight and X (NaN at a gap)
  bool signal = false;
};

/// Steiner's log-likelihood-ratio weight of one patient with outcome y (0 or 1) and risk p.
double racusum_weight(double y, double p, double ra, double r0) noexcept;

struct racusum_summary {
  racusum_state state;
  sequential_counts counts;  ///< every signal counts as upper
};

struct racusum_columns {
  std::span<double> w, cusum;
  std::span<std::uint8_t> signal;
};

struct racusum_result {
  racusum_summary summary;
  std::vector<double> w, cusum;
  std::vector<std::uint8_t> signal;
  racusum_columns columns() noexcept { return {w, cusum, signal}; }
};

std::optional<input_error> find_problem(const racusum_options& options);
racusum_state start(const racusum_options& options);
/// One patient (a missing outcome or risk is a gap). Throws input_error("y" or "risk", points).
racusum_point update(racusum_state& state, double y, double risk);
racusum_result racusum(std::span<const double> y, std::span<const double> risk, const racusum_options& options = {});
racusum_summary racusum_into(std::span<const double> y, std::span<const double> risk, const racusum_options& options,
                             const racusum_columns& out);

// --- VLAD (Lovegrove et al. 1997, Lancet 350:1128) -----------------------------------------------

struct vlad_options {};  ///< VLAD has no parameters (its signalling rules are a later feature)

struct vlad_state {
  std::uint64_t points = 0, values = 0;
  double vlad = 0;  ///< cumulative expected minus observed outcomes ("lives saved")
};

struct vlad_point {
  double vlad = na;
};

struct vlad_summary {
  vlad_state state;
  sequential_counts counts;
};

struct vlad_columns {
  std::span<double> vlad;
};

struct vlad_result {
  vlad_summary summary;
  std::vector<double> vlad;
  vlad_columns columns() noexcept { return {vlad}; }
};

vlad_state start(const vlad_options& options);
vlad_point update(vlad_state& state, double y, double risk);
vlad_result vlad(std::span<const double> y, std::span<const double> risk);
vlad_summary vlad_into(std::span<const double> y, std::span<const double> risk, const vlad_columns& out);

// --- Saving and restoring a state ---------------------------------------------------------------

std::string save(const cusum_state& state);
std::string save(const ewma_state& state);
std::string save(const bernoulli_cusum_state& state);
std::string save(const racusum_state& state);
std::string save(const vlad_state& state);
/// Reads a saved state back (bitwise the state that was saved). Throws input_error("state", ...).
void restore(std::string_view text, cusum_state& state);
void restore(std::string_view text, ewma_state& state);
void restore(std::string_view text, bernoulli_cusum_state& state);
void restore(std::string_view text, racusum_state& state);
void restore(std::string_view text, vlad_state& state);

// --- Any sequential chart: one option set, one summary type (the batch and the front ends) -------

/// The options of one sequential chart: `chart` says which member applies.
struct sequential_options {
  chart_type chart = chart_type::cusum;
  cusum_options cusum;
  ewma_options ewma;
  bernoulli_cusum_options bernoulli;
  racusum_options racusum;
};

/// The first problem with the options of `chart` (a chart that is not sequential is one).
std::optional<input_error> find_problem(const sequential_options& options);

/// The summary of one series of any sequential chart (monostate: not computed).
using sequential_summary =
    std::variant<std::monostate, cusum_summary, ewma_summary, bernoulli_cusum_summary, racusum_summary, vlad_summary>;

/// The counts of a summary (all zero for monostate).
const sequential_counts& counts_of(const sequential_summary& summary) noexcept;

/// Per-point outputs of any sequential chart: the union of the charts' columns. Each chart writes
/// the spans it has (the others are filled with NaN / 0 when given):
///   statistic     cusum_upper | ewma | s_upper | cusum (racusum) | vlad
///   lower         cusum_lower | -    | s_lower | -               | -
///   weight        -           | -    | w_upper | w               | -
///   weight_lower  -           | -    | w_lower | -               | -
///   lcl, ucl      -H, H       | the limits in force | -limit, limit | NaN, h  | NaN, NaN
///   signal_upper  signal_upper| signal (either side) | signal_upper | signal | 0
///   signal_lower  signal_lower| 0    | signal_lower | 0             | 0
struct sequential_columns {
  std::span<double> statistic, lower, weight, weight_lower, lcl, ucl;
  std::span<std::uint8_t> signal_upper, signal_lower;
};

/// Computes one series of the chart `options.chart` (risk: the predicted risks of racusum and
/// vlad, empty for the others). Throws input_error for bad options or data.
sequential_summary sequential_into(std::span<const double> y, std::span<const double> risk,
                                   const sequential_options& options, const sequential_columns& out, workspace& ws);

// --- Many series --------------------------------------------------------------------------------

/// The series of a batch one after another (as spc::batch_input): y, the risks (racusum, vlad)
/// aligned with y, and S+1 boundaries.
struct sequential_batch_input {
  std::span<const double> y;
  std::span<const double> risk = {};
  std::span<const std::size_t> offsets;
  std::size_t series_count() const noexcept { return offsets.empty() ? 0 : offsets.size() - 1; }
};

struct sequential_batch_options {
  sequential_options options;  ///< one chart and option set for every series
  int threads = 0;             ///< 0 = OpenMP's default; ignored without OpenMP
};

struct sequential_batch_summary {
  std::vector<sequential_summary> series;  ///< one per series (monostate for a failed one)
  std::vector<series_status> status;       ///< one per series
  std::vector<series_problem> problems;    ///< one per failed series, in series order
  const series_problem* problem(std::size_t s) const noexcept;  ///< nullptr when computed
};

struct sequential_batch_result {
  std::vector<double> statistic, lower, weight, weight_lower, lcl, ucl;
  std::vector<std::uint8_t> signal_upper, signal_lower;
  sequential_batch_summary summary;
  sequential_columns columns() noexcept {
    return {statistic, lower, weight, weight_lower, lcl, ucl, signal_upper, signal_lower};
  }
};

/// Computes every series, in parallel over series; each exactly as sequential_into computes it
/// alone (bitwise, whatever the number of threads). A series with bad data (or a freeze beyond
/// it, or parameters that cannot be estimated from it) is reported in `summary.problems` and its
/// points written as missing; the others are computed. Throws input_error for a malformed call
/// (offsets, column sizes, risks for a chart without or missing for one with, bad options).
void sequential_batch_into(const sequential_batch_input& input, const sequential_batch_options& options,
                           const sequential_columns& out, sequential_batch_summary& summary);
/// The same into new columns (those the chart writes) when `per_point`, else the summary only.
sequential_batch_result sequential_batch(const sequential_batch_input& input, const sequential_batch_options& options,
                                         bool per_point = true);

}  // namespace spc
