// spc/batch.hpp: many charts in one call: every unit x every indicator x every month.
//
// The series of a batch lie one after another in contiguous columns (y, and n and sd where the
// charts read them); `offsets` gives their boundaries. Each series is computed exactly as
// `spc::compute` computes it alone (the results are bitwise equal to `spc::qic` on that series,
// whatever the number of threads), into per-point columns aligned with the input and one summary
// row per series and part. A series whose data are bad (a negative count, a numerator above its
// denominator, freeze beyond the series, ...) is reported in `batch_summary::problems` with its
// series and row; the other series are computed as usual.
//
// Example: 36,000 P charts (400 units x 30 indicators x 3 wards, 24 months each):
//
//   std::vector<std::size_t> offsets = ...;   // 36,001 boundaries: 0, 24, 48, ...
//   spc::chart_options p{.chart = spc::chart_type::p};
//   spc::batch_input in{.y = counts, .n = denominators, .offsets = offsets};
//   spc::batch_result r = spc::qic_batch(in, {.sets = {&p, 1}});
//   for (const spc::series_part& row : r.summary.parts)
//     if (row.summary.runs.runs_signal || row.last_sigma_signal) report(row.series);
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "spc/chart.hpp"

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

/// One row of a batch's summary: one part of one series.
struct series_part {
  std::size_t series = 0;    ///< 0-based index of the series
  std::size_t n_points = 0;  ///< points in the part (summary.last - summary.first + 1)
  /// Part number, first and last point (0-based positions within the series), centre line and
  /// 3-sigma limits at the last point, number of sigma signals, runs analysis.
  part_summary summary;
  double last_y = na;              ///< the plotted statistic at the part's last point
  bool last_sigma_signal = false;  ///< whether that point lies outside the 3-sigma limits
};

/// The summary of a batch: one row per series and part, and the status of every series.
struct batch_summary {
  std::vector<series_part> parts;  ///< series by series, then part by part; none for failed series
  /// S+1 boundaries: the rows of series s are parts[part_offsets[s] .. part_offsets[s+1]).
  std::vector<std::size_t> part_offsets;
  std::vector<series_status> status;     ///< one per series
  std::vector<series_problem> problems;  ///< one per failed series, in series order

  /// The problem of series s, or nullptr when it was computed.
  const series_problem* problem(std::size_t series) const noexcept;
};

/// The per-point columns and the summary of a batch (the allocating form of `compute_batch`).
struct batch_result {
  std::vector<double> y, cl, lcl, ucl, lcl_95, ucl_95;  ///< as in chart_result; empty in summary-only mode
  std::vector<std::int32_t> part;
  std::vector<std::uint8_t> baseline, include, sigma_signal;
  batch_summary summary;

  chart_columns columns() noexcept;
};

/// Computes every series of a batch, in parallel over series. `out` holds the per-point columns
/// for all rows of the batch (each span empty = not materialised, or of size input.y.size());
/// leave them all empty for the summary-only mode. A failed series' points are written as
/// missing (part 0, flags 0). `summary` is overwritten.
/// Throws `input_error` only for a malformed call (offsets not increasing from 0 to y.size(),
/// n or sd of another length than y, an option-set index out of range, an output column of the
/// wrong size); bad data in a series never fail the batch.
void compute_batch(const batch_input& input, const batch_options& options, const chart_columns& out,
                   batch_summary& summary);

/// Computes a batch into new columns: every per-point column when `per_point`, else the summary
/// only.
batch_result qic_batch(const batch_input& input, const batch_options& options, bool per_point = true);

}  // namespace spc
