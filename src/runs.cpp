// Runs analysis: Anhøj rules, best box and cut box.
#include "spc/runs.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include <boost/math/distributions/binomial.hpp>

namespace spc {

namespace {

// Best-box / cut-box table for n = 10..100 useful observations (Anhøj & Wentzel-Larsen 2020,
// "Smooth operator", PLoS ONE 15(6):e0233920; crossrunbox, target specificity 0.925 against a
// 0.8 SD shift), as tabulated in statistics.md §1. -1 = NA (no cut for that n).
constexpr int box_first = 10;
constexpr std::array<std::int8_t, 91> box_cb = {2, 3, 3, 3, 3, 4, 5, 5, 5, 5, 6, 7, 6, 6, 6, 6, 9, 9, 9, 10, 11, 11, 11, 11, 11, 12, 13, 14, 13, 15, 15, 15, 14, 14, 17, 17, 17, 17, 19, 19, 19, 19, 19, 21, 21, 21, 21, 23, 23, 23, 23, 23, 25, 25, 26, 26, 27, 27, 27, 28, 29, 29, 29, 30, 30, 31, 31, 31, 32, 33, 33, 33, 34, 33, 35, 35, 35, 35, 37, 37, 38, 37, 39, 39, 39, 39, 39, 41, 41, 42, 41};
constexpr std::array<std::int8_t, 91> box_lb = {6, 7, 6, 6, 6, 7, 8, 7, 7, 7, 7, 8, 7, 7, 7, 7, 9, 8, 8, 8, 10, 9, 8, 8, 8, 8, 9, 10, 8, 11, 9, 9, 8, 8, 10, 9, 9, 9, 12, 10, 9, 9, 9, 11, 10, 9, 9, 12, 10, 10, 9, 9, 11, 10, 11, 10, 12, 10, 10, 11, 14, 11, 10, 11, 10, 12, 11, 10, 11, 13, 11, 10, 11, 10, 11, 11, 10, 10, 12, 11, 12, 10, 13, 11, 11, 10, 10, 12, 11, 12, 10};
constexpr std::array<std::int8_t, 91> box_cbord = {3, 4, -1, -1, -1, 6, 6, -1, 6, 6, -1, -1, 7, 7, 7, -1, 10, 10, 11, -1, 12, 14, -1, 12, 13, -1, 15, -1, -1, -1, -1, 17, -1, -1, -1, -1, 19, 20, 20, 21, -1, 21, 21, 23, 23, -1, 23, 25, 24, 26, -1, 24, 27, 27, 27, 27, 29, -1, 29, 29, 30, 31, 30, 31, -1, 32, 34, 33, 33, 37, 35, -1, 36, 36, -1, 38, 36, 38, 38, 39, -1, 39, 41, 40, 42, -1, 41, 42, 44, 43, 42};
constexpr std::array<std::int8_t, 91> box_lbord = {5, 6, -1, -1, -1, 6, 7, -1, 6, 5, -1, -1, 6, 6, 6, -1, 7, 7, 7, -1, 9, 8, -1, 7, 7, -1, 8, -1, -1, -1, -1, 8, -1, -1, -1, -1, 8, 7, 11, 9, -1, 8, 7, 9, 8, -1, 8, 11, 9, 8, -1, 8, 9, 9, 10, 9, 10, -1, 8, 8, 13, 9, 9, 10, -1, 9, 8, 9, 8, 11, 9, -1, 10, 7, -1, 8, 9, 8, 10, 9, -1, 9, 12, 10, 8, -1, 8, 9, 9, 10, 9};
// Cmin(n) = qbinom(0.05, n - 1, 0.5): the smallest c with P(X <= c) >= 0.05.
std::int32_t qbinom05(std::int32_t n_useful) {
  if (n_useful <= 1) return 0;
  const boost::math::binomial_distribution<double> bin(static_cast<double>(n_useful - 1), 0.5);
  // Start near the normal approximation and walk to the exact quantile.
  const double trials = n_useful - 1;
  auto c = static_cast<std::int32_t>(std::floor(trials / 2 - 1.6449 * std::sqrt(trials) / 2));
  if (c < 0) c = 0;
  while (c > 0 && boost::math::cdf(bin, c - 1) >= 0.05) --c;
  while (boost::math::cdf(bin, c) < 0.05) ++c;
  return c;
}

// Tabulated once for the sizes that matter in practice, so that batches of many short series do
// not evaluate the binomial CDF per series.
constexpr std::int32_t table_size = 4096;
const std::vector<std::int32_t>& crossings_table() {
  static const std::vector<std::int32_t> table = [] {
    std::vector<std::int32_t> t(table_size);
    for (std::int32_t n = 0; n < table_size; ++n) t[n] = qbinom05(n);
    return t;
  }();
  return table;
}

// Lmax(n) = round(log2(n)) + 3, tabulated like Cmin.
std::int32_t lmax(std::int32_t n_useful) noexcept {
  return static_cast<std::int32_t>(std::lround(std::log2(static_cast<double>(n_useful)))) + 3;
}

const std::array<std::int32_t, table_size>& longest_run_table() noexcept {
  static const std::array<std::int32_t, table_size> table = [] {
    std::array<std::int32_t, table_size> t{};
    for (std::int32_t n = 1; n < table_size; ++n) t[n] = lmax(n);
    return t;
  }();
  return table;
}

bool anhoej_signal(std::int32_t n, std::int32_t L, std::int32_t C) {
  return L > longest_run_limit(n) || C < crossings_limit(n);
}

}  // namespace

std::int32_t longest_run_limit(std::int32_t n_useful) noexcept {
  if (n_useful < 1) return 0;
  if (n_useful < table_size) return longest_run_table()[n_useful];
  return lmax(n_useful);
}

std::int32_t crossings_limit(std::int32_t n_useful) {
  if (n_useful < 1) return 0;
  if (n_useful < table_size) return crossings_table()[n_useful];
  return qbinom05(n_useful);
}

bool runs_signal(runs_method method, std::int32_t n, std::int32_t L, std::int32_t C) {
  if (n < 1) return false;
  if (method == runs_method::anhoej || n < box_first || n > box_first + 90)
    return anhoej_signal(n, L, C);
  const std::size_t k = static_cast<std::size_t>(n - box_first);
  const int cb = box_cb[k], lb = box_lb[k], cbord = box_cbord[k], lbord = box_lbord[k];
  if (method == runs_method::bestbox || cbord < 0) return !(C >= cb && L <= lb);
  // Cut box: the corner (cb, lb) and parts of the border are removed from the box.
  const bool inside = (C >= cb + 1 && L <= lb - 1) || (C == cb && L <= lbord) || (C >= cbord && L <= lb);
  return !inside;
}

runs_result runs_analysis(std::span<const double> y, std::span<const double> cl,
                          std::span<const std::uint8_t> include, runs_method method) {
  runs_result r;
  std::int32_t n_obs = 0, n_useful = 0, runs = 0, current = 0, longest = 0;
  int last_sign = 0;
  const bool all_included = include.empty();
  // Written without branches on the data (the signs of noise defeat branch prediction): a point
  // left out, missing or on the centre line (useful = 0) neither breaks nor extends a run.
  for (std::size_t i = 0; i < y.size(); ++i) {
    const int included = all_included ? 1 : include[i];
    const double d = y[i] - cl[i];
    const int sign = static_cast<int>(d > 0) - static_cast<int>(d < 0);  // NaN: 0
    const int useful = included & (sign != 0);
    const int new_run = useful & (sign != last_sign);
    n_obs += included;
    n_useful += useful;
    runs += new_run;
    current = new_run + (1 - new_run) * (current + useful);  // 1 on a new run, else + useful
    last_sign = useful ? sign : last_sign;
    longest = std::max(longest, current);
  }
  r.n_obs = n_obs;
  r.n_useful = n_useful;
  if (r.n_useful == 0) return r;
  r.longest_run = longest;
  r.n_crossings = runs - 1;
  r.longest_run_max = longest_run_limit(r.n_useful);
  r.n_crossings_min = crossings_limit(r.n_useful);
  r.runs_signal = runs_signal(method, r.n_useful, r.longest_run, r.n_crossings);
  return r;
}

runs_result runs_analysis(std::span<const double> y, double cl, std::span<const std::uint8_t> include,
                          runs_method method) {
  std::vector<double> line(y.size(), cl);
  return runs_analysis(y, line, include, method);
}

}  // namespace spc
