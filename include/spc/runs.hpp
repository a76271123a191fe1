// spc/runs.hpp: runs analysis with the Anhøj rules, and the best-box and cut-box methods.
//
// Sources: Anhøj & Olesen 2014, PLoS ONE 9(11):e113825; Anhøj 2015, PLoS ONE 10(3):e0121349;
// Anhøj & Wentzel-Larsen 2020, PLoS ONE 15(6):e0233920 (best box, cut box).
#pragma once

#include <cstdint>
#include <span>

#include "spc/types.hpp"

namespace spc {

/// The runs analysis of one series (or one part of a chart) against its centre line.
/// When no point is useful (n_useful == 0) the run and crossing statistics are undefined: they
/// are reported as 0 here with `defined() == false`, and written as missing by the front ends.
struct runs_result {
  std::int32_t n_obs = 0;            ///< included points, counting missing values
  std::int32_t n_useful = 0;         ///< included, not missing and not on the centre line
  std::int32_t longest_run = 0;      ///< L: the longest run on one side of the centre line
  std::int32_t longest_run_max = 0;  ///< Lmax = round(log2(n_useful)) + 3
  std::int32_t n_crossings = 0;      ///< C: number of runs minus one
  std::int32_t n_crossings_min = 0;  ///< Cmin = qbinom(0.05, n_useful - 1, 0.5)
  bool runs_signal = false;          ///< a shift: L > Lmax or C < Cmin (or outside the box)

  constexpr bool defined() const noexcept { return n_useful > 0; }
  friend bool operator==(const runs_result&, const runs_result&) = default;
};

/// Lmax(n) = round(log2(n)) + 3 (Anhøj & Olesen 2014). Undefined (0) for n < 1.
std::int32_t longest_run_limit(std::int32_t n_useful) noexcept;

/// Cmin(n): the 5th percentile of Bin(n - 1, 1/2), i.e. the smallest c with P(X <= c) >= 0.05
/// (Chen 2010; Anhøj & Olesen 2014). Exact for every n (Boost.Math binomial CDF), tabulated for
/// the common sizes. Undefined (0) for n < 1.
std::int32_t crossings_limit(std::int32_t n_useful);

/// Whether (longest run L, crossings C) signals a shift for n useful points under `method`.
/// Best box and cut box apply for 10 <= n <= 100 only; outside that range they fall back to the
/// Anhøj rules, as qicharts2 does.
bool runs_signal(runs_method method, std::int32_t n_useful, std::int32_t longest_run,
                 std::int32_t crossings);

/// Runs analysis of the included points of `y` against a per-point centre line `cl`.
/// `include[i] == 0` leaves point i out entirely; a missing y (NaN) counts in n_obs but is not
/// useful; a point exactly on its centre line is dropped and neither breaks nor extends a run.
/// `include` may be empty (all included); `cl` must have the size of `y`.
runs_result runs_analysis(std::span<const double> y, std::span<const double> cl,
                          std::span<const std::uint8_t> include = {},
                          runs_method method = runs_method::anhoej);

/// Runs analysis against one centre line for every point.
runs_result runs_analysis(std::span<const double> y, double cl,
                          std::span<const std::uint8_t> include = {},
                          runs_method method = runs_method::anhoej);

}  // namespace spc
