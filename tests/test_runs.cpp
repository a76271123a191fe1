// Runs analysis (Anhøj rules, best box, cut box) on small hand-made series, and the limits
// against the published table (Anhøj & Olesen 2014; statistics.md §1).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "spc/chart.hpp"
#include "spc/constants.hpp"
#include "spc/runs.hpp"

using namespace spc;

TEST_CASE("runs limits: Lmax and Cmin agree with the published table for n = 1..100") {
  // n: Lmax/Cmin from the vignette's Appendix 2 (statistics.md §1).
  const int table[][3] = {{1, 3, 0},   {2, 4, 0},   {3, 5, 0},   {5, 5, 0},   {6, 6, 1},   {9, 6, 2},
                          {10, 6, 2},  {11, 6, 2},  {12, 7, 3},  {14, 7, 4},  {17, 7, 5},  {19, 7, 6},
                          {22, 7, 7},  {23, 8, 7},  {24, 8, 8},  {27, 8, 9},  {30, 8, 10}, {36, 8, 13},
                          {45, 8, 17}, {46, 9, 17}, {50, 9, 19}, {60, 9, 23}, {75, 9, 30}, {90, 9, 37},
                          {91, 10, 37}, {99, 10, 41}, {100, 10, 41}};
  for (const auto& row : table) {
    INFO("n = " << row[0]);
    CHECK(longest_run_limit(row[0]) == row[1]);
    CHECK(crossings_limit(row[0]) == row[2]);
  }
  CHECK(longest_run_limit(0) == 0);
  CHECK(crossings_limit(0) == 0);
}

TEST_CASE("runs limits: Cmin is the 5th percentile of Bin(n-1, 1/2) beyond the table") {
  // Exact check of the definition at a large n: P(X <= Cmin) >= 0.05 > P(X <= Cmin - 1), using
  // the normal approximation only to bracket.
  for (int n : {500, 4095, 4096, 10000, 100000}) {
    const int c = crossings_limit(n);
    const double mean = (n - 1) / 2.0, sd = std::sqrt(n - 1) / 2.0;
    CHECK(c > mean - 1.645 * sd - 2);
    CHECK(c < mean - 1.645 * sd + 2);
  }
  // Monotone in n (non-decreasing).
  int prev = 0;
  for (int n = 1; n < 5000; ++n) {
    const int c = crossings_limit(n);
    CHECK(c >= prev);
    prev = c;
  }
}

TEST_CASE("runs analysis: a hand-counted series") {
  // Above, above, below, above, above, above, below, below: runs ++ - +++ -- → 4 runs, 3 crossings,
  // longest run 3.
  const std::vector<double> y = {3, 4, 1, 5, 6, 7, 0, 1};
  const auto r = runs_analysis(y, 2.0);
  CHECK(r.n_obs == 8);
  CHECK(r.n_useful == 8);
  CHECK(r.longest_run == 3);
  CHECK(r.n_crossings == 3);
  CHECK(r.longest_run_max == 6);
  CHECK(r.n_crossings_min == 1);
  CHECK_FALSE(r.runs_signal);
}

TEST_CASE("runs analysis: points on the centre line neither break nor extend a run") {
  // 5 above, one on the line, 4 above: one run of 9 useful points (on-line point dropped).
  const std::vector<double> y = {3, 3, 3, 3, 3, 2, 3, 3, 3, 3, 1, 1};
  const auto r = runs_analysis(y, 2.0);
  CHECK(r.n_obs == 12);
  CHECK(r.n_useful == 11);
  CHECK(r.longest_run == 9);
  CHECK(r.n_crossings == 1);
  CHECK(r.longest_run_max == 6);  // round(log2 11) + 3
  CHECK(r.runs_signal);          // 9 > 6
}

TEST_CASE("runs analysis: a point on the median between two sides still counts as one crossing") {
  const std::vector<double> y = {3, 2, 1};
  const auto r = runs_analysis(y, 2.0);
  CHECK(r.n_useful == 2);
  CHECK(r.n_crossings == 1);
  CHECK(r.longest_run == 1);
}

TEST_CASE("runs analysis: ties at the median in a run chart") {
  // Median of {1,2,2,2,3} is 2: three points on the median are dropped.
  chart_options o;
  const std::vector<double> y = {1, 2, 2, 2, 3};
  const auto r = qic(y, {}, o);
  CHECK(r.cl[0] == 2.0);
  CHECK(r.parts[0].runs.n_obs == 5);
  CHECK(r.parts[0].runs.n_useful == 2);
  CHECK(r.parts[0].runs.n_crossings == 1);
}

TEST_CASE("runs analysis: gaps are counted as observations but are not useful, and join the series") {
  const double na = spc::na;
  const std::vector<double> y = {3, na, 3, na, 1, 1};
  const auto r = runs_analysis(y, 2.0);
  CHECK(r.n_obs == 6);
  CHECK(r.n_useful == 4);
  CHECK(r.longest_run == 2);
  CHECK(r.n_crossings == 1);
}

TEST_CASE("runs analysis: excluded points are left out entirely") {
  const std::vector<double> y = {3, 1, 3, 3};
  const std::vector<std::uint8_t> include = {1, 0, 1, 1};
  const auto r = runs_analysis(y, 2.0, include);
  CHECK(r.n_obs == 3);
  CHECK(r.longest_run == 3);
  CHECK(r.n_crossings == 0);
}

TEST_CASE("runs analysis: fewer than 10 points") {
  // n = 5: Lmax 5, Cmin 0. Five points above the line: L = 5, not > 5, so no signal; a sixth
  // useful point on the same side (n = 6, Lmax 6) is still no signal.
  const auto r5 = runs_analysis(std::vector<double>{3, 3, 3, 3, 3}, 2.0);
  CHECK(r5.longest_run == 5);
  CHECK(r5.longest_run_max == 5);
  CHECK(r5.n_crossings_min == 0);
  CHECK_FALSE(r5.runs_signal);
  // n = 3 (Lmax 5) and n = 1.
  CHECK_FALSE(runs_analysis(std::vector<double>{3, 3, 3}, 2.0).runs_signal);
  const auto r1 = runs_analysis(std::vector<double>{3}, 2.0);
  CHECK(r1.n_useful == 1);
  CHECK(r1.longest_run_max == 3);
  CHECK_FALSE(r1.runs_signal);
}

TEST_CASE("runs analysis: a constant series has no useful point and no signal") {
  chart_options o;
  const std::vector<double> y(20, 7.0);
  const auto r = qic(y, {}, o);
  CHECK(r.cl[0] == 7.0);
  const auto& runs = r.parts[0].runs;
  CHECK(runs.n_obs == 20);
  CHECK(runs.n_useful == 0);
  CHECK_FALSE(runs.defined());
  CHECK_FALSE(runs.runs_signal);
  // An I chart of a constant series has zero-width limits and no signal either.
  o.chart = chart_type::i;
  const auto ri = qic(y, {}, o);
  CHECK(ri.ucl[0] == 7.0);
  CHECK(ri.lcl[0] == 7.0);
  CHECK(ri.parts[0].n_sigma_signals == 0);
}

TEST_CASE("runs analysis: the longest-run rule at its boundary") {
  // n = 24: Lmax = 8. A run of 8 does not signal, a run of 9 does (crossings kept high).
  auto series = [](int run) {
    std::vector<double> y;
    for (int k = 0; k < run; ++k) y.push_back(1);
    while (y.size() < 24) y.push_back((y.size() - static_cast<std::size_t>(run)) % 2 ? 1 : -1);
    return y;
  };
  const auto r8 = runs_analysis(series(8), 0.0);
  CHECK(r8.longest_run_max == 8);
  CHECK(r8.longest_run == 8);
  CHECK(r8.n_crossings >= r8.n_crossings_min);
  CHECK_FALSE(r8.runs_signal);
  const auto r9 = runs_analysis(series(9), 0.0);
  CHECK(r9.longest_run == 9);
  CHECK(r9.runs_signal);
}

TEST_CASE("runs analysis: the crossings rule at its boundary") {
  // n = 24: Cmin = 8. Runs of length 3 alternate: 8 runs → 7 crossings (signal); runs of 3 and
  // a last one split to get 9 runs → 8 crossings (no signal).
  std::vector<double> y;
  for (int k = 0; k < 24; ++k) y.push_back((k / 3) % 2 ? -1 : 1);
  const auto r7 = runs_analysis(y, 0.0);
  CHECK(r7.n_crossings == 7);
  CHECK(r7.longest_run == 3);
  CHECK(r7.runs_signal);
  y[23] = -y[23];  // the last point starts a new run
  const auto r8 = runs_analysis(y, 0.0);
  CHECK(r8.n_crossings == 8);
  CHECK_FALSE(r8.runs_signal);
}

TEST_CASE("best box and cut box: table boundaries and fallback to Anhoej outside 10..100") {
  // n = 10: box C >= 2 and L <= 6; cut box border (cbord 3, lbord 5).
  CHECK_FALSE(runs_signal(runs_method::bestbox, 10, 6, 2));
  CHECK(runs_signal(runs_method::bestbox, 10, 7, 2));
  CHECK(runs_signal(runs_method::bestbox, 10, 6, 1));
  // Cut box removes the corner (C = cb, L = lb): signal there, not inside.
  CHECK(runs_signal(runs_method::cutbox, 10, 6, 2));
  CHECK_FALSE(runs_signal(runs_method::cutbox, 10, 5, 2));  // C == cb and L <= lbord
  CHECK_FALSE(runs_signal(runs_method::cutbox, 10, 6, 3));  // C >= cbord and L <= lb
  CHECK_FALSE(runs_signal(runs_method::cutbox, 10, 5, 3));
  // n = 12 has no cut (cbord NA): cut box is best box.
  for (int L = 1; L < 12; ++L)
    for (int C = 0; C < 11; ++C) CHECK(runs_signal(runs_method::cutbox, 12, L, C) == runs_signal(runs_method::bestbox, 12, L, C));
  // Outside 10..100 both fall back to the Anhøj rules.
  for (int n : {5, 9, 101, 200}) {
    for (int L = 1; L < 12; ++L) {
      CHECK(runs_signal(runs_method::bestbox, n, L, 3) == runs_signal(runs_method::anhoej, n, L, 3));
      CHECK(runs_signal(runs_method::cutbox, n, L, 3) == runs_signal(runs_method::anhoej, n, L, 3));
    }
  }
}

TEST_CASE("constants: c4, A3, B3, B4 agree with the tabulated values") {
  using namespace spc::constants;
  // n: c4 A3 B3 B4 (Montgomery Appendix VI; statistics.md §2).
  const double t[][5] = {{2, .7979, 2.659, 0, 3.267},     {3, .8862, 1.954, 0, 2.568},
                         {5, .9400, 1.427, 0, 2.089},     {6, .9515, 1.287, .030, 1.970},
                         {10, .9727, .975, .284, 1.716},  {25, .9896, .606, .565, 1.435}};
  for (const auto& row : t) {
    INFO("n = " << row[0]);
    CHECK(c4(row[0]) == doctest::Approx(row[1]).epsilon(6e-4));
    CHECK(A3(row[0]) == doctest::Approx(row[2]).epsilon(6e-4));
    CHECK(B3(row[0]) == doctest::Approx(row[3]).epsilon(1e-3).scale(1));
    CHECK(B4(row[0]) == doctest::Approx(row[4]).epsilon(6e-4));
  }
  CHECK(std::isnan(c4(1)));
  CHECK(std::isnan(A3(1)));
}
