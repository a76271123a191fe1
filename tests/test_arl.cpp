// ARLs and critical values (spc/arl.hpp): every row of the golden arl.csv (r-cran-spc 0.6.7) at
// 1e-6 relative, the published tables as named tests at their printed precision, convergence in
// the number of nodes, and the computed ARLs against run lengths simulated with the library's
// own charts (spc/sequential.hpp), within their standard error.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "golden.hpp"
#include "io/csv_reader.hpp"
#include "spc/arl.hpp"
#include "spc/sequential.hpp"

using namespace spc;

namespace {

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const input_error& e) {
    return e.what();
  }
  return "no error";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

double relative(double got, double want) { return std::abs(got - want) / std::abs(want); }

// Run lengths of a chart on simulated N(shift, 1) observations: the mean and its standard error.
struct run_lengths {
  double mean = 0, se = 0;
};

template <class Start, class Signal>
run_lengths simulate(int runs, double shift, unsigned seed, Start start_chart, Signal step) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(shift, 1.0);
  double sum = 0, sum2 = 0;
  for (int r = 0; r < runs; ++r) {
    auto state = start_chart();
    double t = 0;
    do ++t;
    while (!step(state, normal(rng)));
    sum += t;
    sum2 += t * t;
  }
  const double n = runs, mean = sum / n;
  return {mean, std::sqrt((sum2 / n - mean * mean) / (n - 1))};
}

}  // namespace

TEST_CASE("ARL golden: every row of arl.csv (r-cran-spc 0.6.7) within 1e-6 relative") {
  const io::csv_table t = io::read_csv(test::data_path("golden/sequential/arl.csv"));
  REQUIRE(t.rows == 71);
  const auto k = t.numbers("k"), h = t.numbers("h"), lambda = t.numbers("lambda"), L = t.numbers("L"),
             headstart = t.numbers("headstart"), shift = t.numbers("shift"), arl0 = t.numbers("arl0"),
             arl = t.numbers("arl"), id = t.numbers("id");
  double worst_arl = 0, worst_critical = 0;
  for (std::size_t r = 0; r < t.rows; ++r) {
    CAPTURE(id[r]);
    const std::string chart = t.cells[t.column("chart")][r], mode = t.cells[t.column("mode")][r];
    const arl_sides sides = *parse_arl_sides(t.cells[t.column("sided")][r]);
    double got_arl = 0;
    if (chart == "cusum") {
      cusum_arl_options o{.k = k[r], .h = h[r], .headstart = headstart[r], .sides = sides};
      if (mode == "crit") {
        const double critical = cusum_critical_h(o, arl0[r]);
        worst_critical = std::max(worst_critical, relative(critical, h[r]));
        CHECK(relative(critical, h[r]) <= 1e-6);
        o.h = critical;
      }
      got_arl = cusum_arl(o, shift[r]);
    } else {
      ewma_arl_options o{.lambda = lambda[r], .L = L[r], .sides = sides};
      if (mode == "crit") {
        const double critical = ewma_critical_L(o, arl0[r]);
        worst_critical = std::max(worst_critical, relative(critical, L[r]));
        CHECK(relative(critical, L[r]) <= 1e-6);
        o.L = critical;
      }
      got_arl = ewma_arl(o, shift[r]);
    }
    worst_arl = std::max(worst_arl, relative(got_arl, arl[r]));
    CHECK(relative(got_arl, arl[r]) <= 1e-6);
  }
  MESSAGE("largest relative difference: ARL " << worst_arl << ", critical value " << worst_critical);
  // sequential.md §8.5 expects about 1e-9 on this grid (ARL <= 1e5, lambda >= 0.05).
  CHECK(worst_arl < 1e-8);
  CHECK(worst_critical < 1e-8);
}

TEST_CASE("ARL: Brook & Evans (1972) and Waldmann (1986): one-sided CUSUM k 0.5, h 3 has ARL0 117.59") {
  const cusum_arl_options o{.k = 0.5, .h = 3, .sides = arl_sides::one};
  CHECK(cusum_arl(o) == doctest::Approx(117.59).epsilon(0.0001));
  CHECK(cusum_arl(o, 0.5) == doctest::Approx(17.35).epsilon(0.0005));
}

TEST_CASE("ARL: Lucas & Crosier (1982): two-sided CUSUM k 0.5, h 4: 168, 26.6, 8.38, 3.34; headstart 2: 149, 5.29") {
  const cusum_arl_options o{.k = 0.5, .h = 4};
  const std::vector<double> arls = cusum_arl(o, std::vector<double>{0, 0.5, 1, 2});
  CHECK(arls[0] == doctest::Approx(168).epsilon(0.005));
  CHECK(arls[1] == doctest::Approx(26.6).epsilon(0.005));
  CHECK(arls[2] == doctest::Approx(8.38).epsilon(0.001));
  CHECK(arls[3] == doctest::Approx(3.34).epsilon(0.002));
  const cusum_arl_options fir{.k = 0.5, .h = 4, .headstart = 2};
  CHECK(cusum_arl(fir) == doctest::Approx(149).epsilon(0.005));
  CHECK(cusum_arl(fir, 1) == doctest::Approx(5.29).epsilon(0.001));
}

TEST_CASE("ARL: Montgomery Table 9.3: two-sided CUSUM k 0.5, h 5: 465, 38.0, 10.4, 4.01") {
  const std::vector<double> arls = cusum_arl(cusum_arl_options{}, std::vector<double>{0, 0.5, 1, 2});
  CHECK(arls[0] == doctest::Approx(465).epsilon(0.001));
  CHECK(arls[1] == doctest::Approx(38.0).epsilon(0.002));
  CHECK(arls[2] == doctest::Approx(10.4).epsilon(0.005));
  CHECK(arls[3] == doctest::Approx(4.01).epsilon(0.002));
}

TEST_CASE("ARL: Lucas & Saccucci (1990): EWMA lambda 0.1, L 2.814 and lambda 0.2, L 2.962 have ARL0 500") {
  CHECK(ewma_arl({.lambda = 0.1, .L = 2.814}) == doctest::Approx(500).epsilon(0.001));
  CHECK(ewma_arl({.lambda = 0.1, .L = 2.814}, 1) == doctest::Approx(10.3).epsilon(0.005));
  CHECK(ewma_arl({.lambda = 0.2, .L = 2.962}) == doctest::Approx(500).epsilon(0.001));
  CHECK(ewma_arl({.lambda = 0.2, .L = 2.962}, 0.5) == doctest::Approx(41.8).epsilon(0.002));
}

TEST_CASE("ARL: the EWMA with lambda 1 is the Shewhart chart: 1 / (2 Phi(-3)) and 1 / (Phi(-2) + Phi(-4))") {
  const double Phi3 = 0.5 * std::erfc(3 / std::sqrt(2.0)), Phi2 = 0.5 * std::erfc(2 / std::sqrt(2.0)),
               Phi4 = 0.5 * std::erfc(4 / std::sqrt(2.0));
  CHECK(ewma_arl({.lambda = 1, .L = 3}) == doctest::Approx(1 / (2 * Phi3)).epsilon(1e-10));
  CHECK(ewma_arl({.lambda = 1, .L = 3}, 1) == doctest::Approx(1 / (Phi2 + Phi4)).epsilon(1e-10));
}

TEST_CASE("ARL: the defaults of the charts: CUSUM k 0.5, h 5 two-sided 465.44; EWMA lambda 0.2, L 3 559.87") {
  CHECK(cusum_arl(cusum_arl_options{}) == doctest::Approx(465.443506032038).epsilon(1e-9));
  CHECK(ewma_arl(ewma_arl_options{}) == doctest::Approx(559.874075106812).epsilon(1e-9));
}

TEST_CASE("ARL: Gauss-Legendre converges: 30 nodes agree with 400 to 1e-11 (CUSUM); the EWMA needs more for small lambda") {
  for (double h : {3.0, 5.0, 8.0}) {
    const double a30 = cusum_arl({.k = 0.5, .h = h, .nodes = 30}), a400 = cusum_arl({.k = 0.5, .h = h, .nodes = 400});
    CHECK(relative(a30, a400) < 1e-11);
  }
  const double e40 = ewma_arl({.lambda = 0.05, .L = 3.5, .nodes = 40}), e60 = ewma_arl({.lambda = 0.05, .L = 3.5, .nodes = 60}),
               e200 = ewma_arl({.lambda = 0.05, .L = 3.5, .nodes = 200});
  CHECK(relative(e60, e200) < 1e-10);
  CHECK(relative(e40, e200) > relative(e60, e200));
  // Below lambda 0.02 the default grows with 2c / lambda.
  CHECK(ewma_default_nodes(0.2, 3) == 100);
  CHECK(ewma_default_nodes(0.01, 3.5) > 100);
  CHECK(relative(ewma_arl({.lambda = 0.01, .L = 2.5}), ewma_arl({.lambda = 0.01, .L = 2.5, .nodes = 600})) < 1e-9);
}

TEST_CASE("ARL: critical values (sequential.md §8.5) give the ARL0 asked for") {
  CHECK(cusum_critical_h({.k = 0.5}, 370) == doctest::Approx(4.77383370825473).epsilon(1e-9));
  CHECK(cusum_critical_h({.k = 0.5, .sides = arl_sides::one}, 370) == doctest::Approx(4.09544854888675).epsilon(1e-9));
  CHECK(cusum_critical_h({.k = 0.5}, 500) == doctest::Approx(5.07070385611266).epsilon(1e-9));
  CHECK(ewma_critical_L({.lambda = 0.1}, 370) == doctest::Approx(2.70104615109356).epsilon(1e-9));
  CHECK(ewma_critical_L({.lambda = 0.2}, 370) == doctest::Approx(2.85896056901978).epsilon(1e-9));
  // With a headstart held fixed.
  const double h = cusum_critical_h({.k = 0.5, .headstart = 2}, 370);
  CHECK(cusum_arl({.k = 0.5, .h = h, .headstart = 2}) == doctest::Approx(370).epsilon(1e-9));
  CHECK(h > 4.77383370825473);  // the headstart shortens the in-control run: h must grow
}

TEST_CASE("ARL: the computed ARLs agree with run lengths of the library's charts on simulated data (within 4 standard errors)") {
  // Two-sided CUSUM k 0.5, h 4 at a shift of 1 sigma: the chart of spc::cusum, stopped at its
  // first signal on either side.
  {
    const run_lengths r = simulate(
        20000, 1.0, 11, [] { return start(cusum_options{.target = 0, .sigma = 1, .k = 0.5, .h = 4}); },
        [](cusum_state& s, double x) {
          const cusum_point p = update(s, x);
          return p.signal_upper || p.signal_lower;
        });
    const double arl = cusum_arl({.k = 0.5, .h = 4}, 1);
    CAPTURE(r.mean);
    CAPTURE(r.se);
    CHECK(std::abs(r.mean - arl) < 4 * r.se);
  }
  // With a headstart of 2 (Lucas & Crosier's FIR): 5.29.
  {
    const run_lengths r = simulate(
        20000, 1.0, 12, [] { return start(cusum_options{.target = 0, .sigma = 1, .k = 0.5, .h = 4, .headstart = 2}); },
        [](cusum_state& s, double x) {
          const cusum_point p = update(s, x);
          return p.signal_upper || p.signal_lower;
        });
    CHECK(std::abs(r.mean - cusum_arl({.k = 0.5, .h = 4, .headstart = 2}, 1)) < 4 * r.se);
  }
  // One-sided (the upper side alone), in control: 117.6.
  {
    const run_lengths r = simulate(
        4000, 0.0, 13, [] { return start(cusum_options{.target = 0, .sigma = 1, .k = 0.5, .h = 3}); },
        [](cusum_state& s, double x) { return update(s, x).signal_upper; });
    CAPTURE(r.mean);
    CHECK(std::abs(r.mean - cusum_arl({.k = 0.5, .h = 3, .sides = arl_sides::one})) < 4 * r.se);
  }
  // EWMA with asymptotic limits (the ARL's definition), lambda 0.2, L 2.962, shift 0.5: 41.8.
  {
    const run_lengths r = simulate(
        10000, 0.5, 14,
        [] { return start(ewma_options{.target = 0, .sigma = 1, .lambda = 0.2, .L = 2.962, .asymptotic = true}); },
        [](ewma_state& s, double x) { return update(s, x).signal; });
    CAPTURE(r.mean);
    CHECK(std::abs(r.mean - ewma_arl({.lambda = 0.2, .L = 2.962}, 0.5)) < 4 * r.se);
  }
  // EWMA lambda 0.1, L 2.814 in control: 499.6 (3000 runs, a standard error of about 9).
  {
    const run_lengths r = simulate(
        3000, 0.0, 15,
        [] { return start(ewma_options{.target = 0, .sigma = 1, .lambda = 0.1, .L = 2.814, .asymptotic = true}); },
        [](ewma_state& s, double x) { return update(s, x).signal; });
    CAPTURE(r.mean);
    CHECK(std::abs(r.mean - ewma_arl({.lambda = 0.1, .L = 2.814})) < 4 * r.se);
  }
}

TEST_CASE("ARL bad options: each names the parameter") {
  CHECK(contains(error_of([] { (void)cusum_arl({.k = -1}); }), "k: must be"));
  CHECK(contains(error_of([] { (void)cusum_arl({.h = 0}); }), "h: must be"));
  CHECK(contains(error_of([] { (void)cusum_arl({.h = 4, .headstart = 4}); }), "headstart"));
  CHECK(contains(error_of([] { (void)cusum_arl({.k = 0.5, .h = 4, .headstart = 2.6}); }), "h/2 + k"));
  CHECK(cusum_arl({.k = 0.5, .h = 4, .headstart = 2.6, .sides = arl_sides::one}) > 1);
  CHECK(contains(error_of([] { (void)cusum_arl({.nodes = 1}); }), "nodes"));
  CHECK(contains(error_of([] { (void)ewma_arl({.lambda = 0}); }), "lambda: must lie in (0, 1]"));
  CHECK(contains(error_of([] { (void)ewma_arl({.lambda = 1.2}); }), "lambda"));
  CHECK(contains(error_of([] { (void)ewma_arl({.L = -1}); }), "L: must be"));
  CHECK(contains(error_of([] { (void)ewma_arl({.sides = arl_sides::one}); }), "one-sided EWMA is not offered"));
  CHECK(contains(error_of([] { (void)cusum_critical_h({}, 1); }), "arl0"));
  CHECK(contains(error_of([] { (void)ewma_critical_L({}, 0.5); }), "arl0"));
  CHECK(contains(error_of([] { (void)cusum_arl(cusum_arl_options{}, NAN); }), "shift"));
}
