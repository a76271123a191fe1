// The sequential charts (spc/sequential.hpp): every golden case (tests/data/golden/sequential) at
// the README's tolerance, the textbook and paper examples of the specification as named tests,
// the incremental state against the whole series (bitwise, with a save and restore in the
// middle), the batch against the single series, invariants, and bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "golden.hpp"
#include "sequential_golden.hpp"
#include "spc/chart.hpp"
#include "spc/sequential.hpp"

using namespace spc;
using spc::test::sequential_case;
using spc::test::sequential_cases;

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_bits(a[i], b[i])) return false;
  return true;
}

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const input_error& e) {
    return e.what();
  }
  return "no error";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The Montgomery Table 9.1 data (30 samples; mu0 = 10, sigma = 1).
std::vector<double> montgomery_9_1() {
  return io::read_csv(test::data_path("textbook/montgomery_tbl_09_01.csv")).numbers("x");
}

// Each side at the points of a series, through the incremental state with a save and restore
// after `cut` points: returns the points.
template <class State, class Update>
std::vector<decltype(std::declval<Update>()(std::declval<State&>(), std::size_t{}))> run_state(
    State s, std::size_t m, std::size_t cut, Update update) {
  std::vector<decltype(update(s, std::size_t{}))> points;
  for (std::size_t i = 0; i < m; ++i) {
    if (i == cut) {
      const std::string saved = save(s);
      State restored;
      restore(saved, restored);
      CHECK(save(restored) == saved);
      s = restored;
    }
    points.push_back(update(s, i));
  }
  // The state at the end, saved and read back, is the same state.
  State back;
  restore(save(s), back);
  CHECK(save(back) == save(s));
  return points;
}

}  // namespace

// --- Golden cases ------------------------------------------------------------------------------

TEST_CASE("sequential golden: every CUSUM case (statistics 1e-9 of H, parameters 1e-9, signals exactly)") {
  const auto& cases = sequential_cases("cusum");
  REQUIRE(cases.size() == 34);
  int bad = 0;
  test::worst_scaled_error() = 0;
  for (const sequential_case& g : cases) {
    const cusum_result r = cusum(g.value, test::cusum_options_of(g));
    const double H = r.summary.ucl();
    bad += test::compare_parameter(g, "target", r.summary.state.target);
    bad += test::compare_parameter(g, "sigma", r.summary.state.sigma);
    bad += test::compare_parameter(g, "ucl", r.summary.ucl());
    bad += test::compare_parameter(g, "lcl", r.summary.lcl());
    bad += test::compare_column(g, "cusum_upper", r.upper, H);
    bad += test::compare_column(g, "cusum_lower", r.lower, H);
    bad += test::compare_flags(g, "signal_upper", r.signal_upper);
    bad += test::compare_flags(g, "signal_lower", r.signal_lower);
    CHECK(r.summary.target_estimated == !g.given("target"));
    CHECK(r.summary.sigma_estimated == !g.given("sigma"));
  }
  CHECK(bad == 0);
  MESSAGE("largest scaled difference from the golden values: " << test::worst_scaled_error());
}

TEST_CASE("sequential golden: every EWMA case (z and limits 1e-9 of sigma, signals exactly)") {
  const auto& cases = sequential_cases("ewma");
  REQUIRE(cases.size() == 33);
  int bad = 0;
  test::worst_scaled_error() = 0;
  for (const sequential_case& g : cases) {
    const ewma_result r = ewma(g.value, test::ewma_options_of(g));
    const double sigma = r.summary.state.sigma;
    bad += test::compare_parameter(g, "target", r.summary.state.target);
    bad += test::compare_parameter(g, "sigma", sigma);
    bad += test::compare_column(g, "ewma", r.z, sigma);
    bad += test::compare_column(g, "lcl", r.lcl, sigma);
    bad += test::compare_column(g, "ucl", r.ucl, sigma);
    bad += test::compare_flags(g, "signal", r.signal);
  }
  CHECK(bad == 0);
  MESSAGE("largest scaled difference from the golden values: " << test::worst_scaled_error());
}

TEST_CASE("sequential golden: every Bernoulli CUSUM case (qicharts2 bchart, in the library's convention)") {
  const auto& cases = sequential_cases("bernoulli");
  REQUIRE(cases.size() == 32);
  int bad = 0;
  test::worst_scaled_error() = 0;
  for (const sequential_case& g : cases) {
    const bernoulli_cusum_result r = bernoulli_cusum(g.value, test::bernoulli_options_of(g));
    const bernoulli_cusum_state& s = r.summary.state;
    bad += test::compare_parameter(g, "p0", s.p0);
    bad += test::compare_parameter(g, "p1", bernoulli_p1(s));
    bad += test::compare_parameter(g, "p2", bernoulli_p2(s));
    bad += test::compare_parameter(g, "ucl", s.limit);
    bad += test::compare_parameter(g, "lcl", -s.limit);
    bad += test::compare_column(g, "w_upper", r.w_upper, s.limit);
    bad += test::compare_column(g, "w_lower", r.w_lower, s.limit);
    bad += test::compare_column(g, "s_upper", r.upper, s.limit);
    bad += test::compare_column(g, "s_lower", r.lower, s.limit);
    bad += test::compare_flags(g, "signal_upper", r.signal_upper);
    bad += test::compare_flags(g, "signal_lower", r.signal_lower);
  }
  CHECK(bad == 0);
  MESSAGE("largest scaled difference from the golden values: " << test::worst_scaled_error());
}

TEST_CASE("sequential golden: every RA-CUSUM cohort, and VLAD on the same cohorts") {
  const auto& cases = sequential_cases("racusum");
  REQUIRE(cases.size() == 33);
  int bad = 0;
  test::worst_scaled_error() = 0;
  for (const sequential_case& g : cases) {
    const racusum_result r = racusum(g.value, g.risk, test::racusum_options_of(g));
    bad += test::compare_parameter(g, "ucl", r.summary.state.h);
    bad += test::compare_column(g, "w", r.w, r.summary.state.h);
    bad += test::compare_column(g, "cusum", r.cusum, r.summary.state.h);
    bad += test::compare_flags(g, "signal", r.signal);
    const vlad_result v = vlad(g.value, g.risk);
    bad += test::compare_column(g, "vlad", v.vlad, 1.0);
  }
  CHECK(bad == 0);
  MESSAGE("largest scaled difference from the golden values: " << test::worst_scaled_error());
}

// --- The incremental state equals the whole series ------------------------------------------------

TEST_CASE("sequential state: point by point, with a save and restore in the middle, is bitwise the whole series") {
  for (const sequential_case& g : sequential_cases("cusum")) {
    CAPTURE(g.label());
    const cusum_result r = cusum(g.value, test::cusum_options_of(g));
    cusum_options given = test::cusum_options_of(g);
    given.target = r.summary.state.target;
    given.sigma = r.summary.state.sigma;
    const auto points = run_state(start(given), g.value.size(), g.value.size() / 2,
                                  [&](cusum_state& s, std::size_t i) { return update(s, g.value[i]); });
    bool equal = true;
    for (std::size_t i = 0; i < points.size(); ++i)
      equal = equal && same_bits(points[i].upper, r.upper[i]) && same_bits(points[i].lower, r.lower[i]) &&
              points[i].signal_upper == (r.signal_upper[i] != 0) && points[i].signal_lower == (r.signal_lower[i] != 0);
    CHECK(equal);
  }
  for (const sequential_case& g : sequential_cases("ewma")) {
    CAPTURE(g.label());
    const ewma_result r = ewma(g.value, test::ewma_options_of(g));
    ewma_options given = test::ewma_options_of(g);
    given.target = r.summary.state.target;
    given.sigma = r.summary.state.sigma;
    const auto points = run_state(start(given), g.value.size(), g.value.size() / 2,
                                  [&](ewma_state& s, std::size_t i) { return update(s, g.value[i]); });
    bool equal = true;
    for (std::size_t i = 0; i < points.size(); ++i)
      equal = equal && same_bits(points[i].z, r.z[i]) && same_bits(points[i].lcl, r.lcl[i]) &&
              same_bits(points[i].ucl, r.ucl[i]) && points[i].signal == (r.signal[i] != 0);
    CHECK(equal);
  }
  for (const sequential_case& g : sequential_cases("bernoulli")) {
    CAPTURE(g.label());
    const bernoulli_cusum_result r = bernoulli_cusum(g.value, test::bernoulli_options_of(g));
    bernoulli_cusum_options given = test::bernoulli_options_of(g);
    given.p0 = r.summary.state.p0;
    given.freeze = 0;
    const auto points = run_state(start(given), g.value.size(), g.value.size() / 2,
                                  [&](bernoulli_cusum_state& s, std::size_t i) { return update(s, g.value[i]); });
    bool equal = true;
    for (std::size_t i = 0; i < points.size(); ++i)
      equal = equal && same_bits(points[i].upper, r.upper[i]) && same_bits(points[i].lower, r.lower[i]) &&
              same_bits(points[i].w_upper, r.w_upper[i]) && same_bits(points[i].w_lower, r.w_lower[i]) &&
              points[i].signal_upper == (r.signal_upper[i] != 0) && points[i].signal_lower == (r.signal_lower[i] != 0);
    CHECK(equal);
  }
  for (const sequential_case& g : sequential_cases("racusum")) {
    CAPTURE(g.label());
    const racusum_result r = racusum(g.value, g.risk, test::racusum_options_of(g));
    const auto points = run_state(start(test::racusum_options_of(g)), g.value.size(), g.value.size() / 2,
                                  [&](racusum_state& s, std::size_t i) { return update(s, g.value[i], g.risk[i]); });
    bool equal = true;
    for (std::size_t i = 0; i < points.size(); ++i)
      equal = equal && same_bits(points[i].w, r.w[i]) && same_bits(points[i].cusum, r.cusum[i]) &&
              points[i].signal == (r.signal[i] != 0);
    CHECK(equal);
    const vlad_result v = vlad(g.value, g.risk);
    const auto vp = run_state(start(vlad_options{}), g.value.size(), g.value.size() / 3,
                              [&](vlad_state& s, std::size_t i) { return update(s, g.value[i], g.risk[i]); });
    bool vequal = true;
    for (std::size_t i = 0; i < vp.size(); ++i) vequal = vequal && same_bits(vp[i].vlad, v.vlad[i]);
    CHECK(vequal);
  }
}

TEST_CASE("sequential state: the result's state continues the series as the longer series does") {
  // Montgomery's first 20 samples, then the state carries on with the last 10: the same numbers
  // as the 30 at once (the summary's state is the state after the last point).
  const std::vector<double> y = montgomery_9_1();
  const std::vector<double> first(y.begin(), y.begin() + 20);
  cusum_options o{.target = 10, .sigma = 1};
  const cusum_result whole = cusum(y, o), part = cusum(first, o);
  cusum_state s;
  restore(save(part.summary.state), s);
  for (std::size_t i = 20; i < 30; ++i) {
    const cusum_point p = update(s, y[i]);
    CHECK(same_bits(p.upper, whole.upper[i]));
    CHECK(same_bits(p.lower, whole.lower[i]));
  }
  CHECK(save(s) == save(whole.summary.state));
  CHECK(s.points == 30);
}

TEST_CASE("sequential state: the saved form is one documented line of JSON") {
  const cusum_result r = cusum(montgomery_9_1(), {.target = 10, .sigma = 1, .reset = false});
  const std::string saved = save(r.summary.state);
  CHECK(saved.rfind("{\"chart\":\"cusum\",\"version\":1,\"target\":10,\"sigma\":1,\"k\":0.5,\"h\":5,"
                    "\"headstart\":0,\"reset\":false,\"points\":30,\"values\":30,",
                    0) == 0);
  CHECK(contains(saved, "\"signal_upper\":true"));
  // Whitespace between the tokens is accepted (a pretty-printed copy).
  std::string spaced;
  for (char c : saved) spaced += c == ',' ? std::string(",\n  ") : std::string(1, c);
  cusum_state s;
  restore(spaced, s);
  CHECK(save(s) == saved);
  CHECK(save(vlad_state{}) == "{\"chart\":\"vlad\",\"version\":1,\"points\":0,\"values\":0,\"vlad\":0}");
}

TEST_CASE("sequential state: a text that is not a saved state of the chart is refused, naming why") {
  cusum_state c;
  ewma_state e;
  const std::string saved = save(cusum(montgomery_9_1(), {.target = 10, .sigma = 1}).summary.state);
  CHECK(contains(error_of([&] { restore(saved, e); }), "state of a cusum chart, not of a ewma chart"));
  CHECK(contains(error_of([&] { restore("", c); }), "state"));
  CHECK(contains(error_of([&] { restore("{\"chart\":\"cusum\",\"version\":2}", c); }), "version 2"));
  std::string missing = saved;
  missing.erase(missing.find(",\"k\":0.5"), 8);
  CHECK(contains(error_of([&] { restore(missing, c); }), "\"k\" is missing"));
  std::string extra = saved;
  extra.insert(extra.size() - 1, ",\"lambda\":0.2");
  CHECK(contains(error_of([&] { restore(extra, c); }), "\"lambda\" is not part of a cusum state"));
  std::string bad_h = saved;
  bad_h.replace(bad_h.find("\"h\":5"), 5, "\"h\":-5");
  CHECK(contains(error_of([&] { restore(bad_h, c); }), "h"));
  std::string nan = saved;
  nan.replace(nan.find("\"k\":0.5"), 7, "\"k\":nan");
  CHECK(contains(error_of([&] { restore(nan, c); }), "not a finite number"));
  CHECK(contains(error_of([&] { restore(saved + "x", c); }), "text follows"));
  // Nothing was changed by the failures.
  CHECK(c.points == 0);
}

// --- The batch ----------------------------------------------------------------------------------

TEST_CASE("sequential batch: every golden series of a chart in one batch equals the series alone, for 1, 2 and 3 threads") {
  for (const char* suite : {"cusum", "ewma", "bernoulli", "racusum"}) {
    CAPTURE(suite);
    const auto& cases = sequential_cases(suite);
    // The golden cases differ in their options; the batch takes one option set, so each case
    // with the defaults of its suite but the target, sigma and p0 estimated from all its points.
    std::vector<double> y, risk;
    std::vector<std::size_t> offsets{0};
    for (const auto& g : cases) {
      y.insert(y.end(), g.value.begin(), g.value.end());
      risk.insert(risk.end(), g.risk.begin(), g.risk.end());
      offsets.push_back(y.size());
    }
    sequential_batch_options o;
    o.options.chart = *parse_chart_type(suite);
    for (const chart_type chart : {o.options.chart, chart_type::vlad}) {
      if (chart == chart_type::vlad && o.options.chart != chart_type::racusum) continue;
      o.options.chart = chart;
      const bool with_risk = info(chart).reads_risk;
      const sequential_batch_input in{y, with_risk ? std::span<const double>(risk) : std::span<const double>{}, offsets};
      for (int threads : {1, 2, 3}) {
        o.threads = threads;
        sequential_batch_result r = sequential_batch(in, o);
        CHECK(r.summary.problems.empty());
        bool equal = true;
        for (std::size_t s = 0; s < cases.size(); ++s) {
          const std::size_t first = offsets[s], m = offsets[s + 1] - first;
          const std::vector<std::size_t> local{0, m};
          const sequential_batch_input one{std::span<const double>(y).subspan(first, m),
                                           with_risk ? std::span<const double>(risk).subspan(first, m)
                                                     : std::span<const double>{},
                                           local};
          const sequential_batch_result alone = sequential_batch(one, o);
          auto slice = [&](const std::vector<double>& v) {
            return v.empty() ? v : std::vector<double>(v.begin() + first, v.begin() + first + m);
          };
          equal = equal && same_bits(slice(r.statistic), alone.statistic) && same_bits(slice(r.lower), alone.lower) &&
                  same_bits(slice(r.weight), alone.weight) && same_bits(slice(r.lcl), alone.lcl) &&
                  same_bits(slice(r.ucl), alone.ucl) &&
                  std::equal(alone.signal_upper.begin(), alone.signal_upper.end(), r.signal_upper.begin() + first);
          equal = equal && counts_of(r.summary.series[s]).n_signals_upper == counts_of(alone.summary.series[0]).n_signals_upper;
        }
        CHECK(equal);
      }
    }
  }
}

TEST_CASE("sequential batch: a series with bad data fails alone, named with its row; the others are computed") {
  std::vector<double> y = {0, 1, 0, 0, 2, 0, 1, 0, 0, 1, 1, 0};
  const std::vector<std::size_t> offsets{0, 4, 8, 12};
  sequential_batch_options o;
  o.options.chart = chart_type::bernoulli;
  o.options.bernoulli.p0 = 0.2;
  const sequential_batch_result r = sequential_batch({y, {}, offsets}, o);
  REQUIRE(r.summary.problems.size() == 1);
  CHECK(r.summary.problems[0].series == 1);
  CHECK(r.summary.problems[0].row == 4);
  CHECK(r.summary.problems[0].error.argument() == "y");
  CHECK(r.summary.status[0] == series_status::ok);
  CHECK(r.summary.status[1] == series_status::failed);
  CHECK(std::isnan(r.statistic[5]));
  CHECK(r.summary.problem(1) != nullptr);
  CHECK(r.summary.problem(0) == nullptr);
  CHECK(std::holds_alternative<bernoulli_cusum_summary>(r.summary.series[2]));
  // A malformed call throws: risks for a chart that reads none.
  CHECK(contains(error_of([&] { (void)sequential_batch({y, y, offsets}, o); }), "takes no predicted risks"));
  o.options.chart = chart_type::vlad;
  CHECK(contains(error_of([&] { (void)sequential_batch({y, {}, offsets}, o); }), "needs the predicted risk"));
}

TEST_CASE("sequential batch: the summary-only mode gives the same summaries") {
  const std::vector<double> y = montgomery_9_1();
  std::vector<double> all;
  for (int k = 0; k < 5; ++k) all.insert(all.end(), y.begin(), y.end());
  const std::vector<std::size_t> offsets{0, 30, 60, 90, 120, 150};
  sequential_batch_options o;
  o.options.chart = chart_type::ewma;
  o.options.ewma.lambda = 0.1;
  o.options.ewma.L = 2.7;
  o.options.ewma.target = 10;
  o.options.ewma.sigma = 1;
  const sequential_batch_result full = sequential_batch({all, {}, offsets}, o), brief = sequential_batch({all, {}, offsets}, o, false);
  CHECK(brief.statistic.empty());
  for (std::size_t s = 0; s < 5; ++s) {
    CHECK(counts_of(brief.summary.series[s]).first_signal_upper == 28);
    CHECK(save(std::get<ewma_summary>(brief.summary.series[s]).state) ==
          save(std::get<ewma_summary>(full.summary.series[s]).state));
  }
}

// --- Textbook and paper examples (sequential.md §3-7) ---------------------------------------------

TEST_CASE("CUSUM: Montgomery Example 9.1 (Table 9.2): first signal at sample 29, C+ 5.28; with reset C+_30 = 0.02") {
  const std::vector<double> y = montgomery_9_1();
  REQUIRE(y.size() == 30);
  const cusum_result r = cusum(y, {.target = 10, .sigma = 1, .k = 0.5, .h = 5, .reset = false});
  // Table 9.2, to 2 decimals.
  const double upper[] = {0, 0, 0, 1.16, 2.82, 2.50, 0.04};
  const double lower[] = {0.05, 1.56, 1.77, 0, 0, 0, 1.46};
  for (int i = 0; i < 7; ++i) {
    CHECK(r.upper[static_cast<std::size_t>(i)] == doctest::Approx(upper[i]).epsilon(0.005));
    CHECK(-r.lower[static_cast<std::size_t>(i)] == doctest::Approx(lower[i]).epsilon(0.005));
  }
  CHECK(r.upper[21] == 0);
  CHECK(-r.lower[21] == doctest::Approx(0.17).epsilon(0.01));
  CHECK(r.upper[22] == doctest::Approx(1.79).epsilon(0.005));
  CHECK(r.upper[27] == doctest::Approx(4.47).epsilon(0.005));
  CHECK(r.upper[28] == doctest::Approx(5.28).epsilon(0.002));
  CHECK(r.upper[29] == doctest::Approx(5.30).epsilon(0.002));
  CHECK(r.summary.counts.first_signal_upper == 28);
  CHECK(r.summary.counts.n_signals_upper == 2);  // no reset: 29 and 30 are beyond
  CHECK(r.summary.counts.n_signals_lower == 0);
  const cusum_result with_reset = cusum(y, {.target = 10, .sigma = 1});
  CHECK(with_reset.signal_upper[28] == 1);
  CHECK(with_reset.upper[28] == doctest::Approx(5.28).epsilon(0.002));  // the value that crossed
  CHECK(with_reset.upper[29] == doctest::Approx(0.02).epsilon(0.01));   // restarted from 0
  CHECK(with_reset.signal_upper[29] == 0);
}

TEST_CASE("CUSUM: qcc's strict-boundary vector: a statistic on the limit does not signal") {
  const std::vector<double> y = {1.5, 0.5, 0.6, -1.5, -0.5, -0.8};
  const cusum_result r = cusum(y, {.target = 0, .sigma = 1, .k = 0.5, .h = 1, .reset = false});
  CHECK(r.upper == std::vector<double>{1, 1, 1.1, 0, 0, 0});
  const std::vector<double> lower = {0, 0, 0, -1, -1, -1.3};
  for (std::size_t i = 0; i < 6; ++i) CHECK(r.lower[i] == doctest::Approx(lower[i]));
  CHECK(r.signal_upper == std::vector<std::uint8_t>{0, 0, 1, 0, 0, 0});
  CHECK(r.signal_lower == std::vector<std::uint8_t>{0, 0, 0, 0, 0, 1});
}

TEST_CASE("CUSUM: estimated target and screened sigma (sequential.md §3.6)") {
  const std::vector<double> y = {10, 12, 11, 15, 9, 40, 10, 11, 13, 12};
  const cusum_result r = cusum(y);
  CHECK(r.summary.state.target == doctest::Approx(14.3).epsilon(1e-12));
  CHECK(r.summary.state.sigma == doctest::Approx(2.15298885511651).epsilon(1e-12));
  CHECK(r.summary.ucl() == doctest::Approx(10.7649442755826).epsilon(1e-12));
  const double lower[] = {-3.22350557244, -4.44701114488, -6.67051671733, -4.89402228977, -9.11752786221};
  for (std::size_t i = 0; i < 5; ++i) CHECK(r.lower[i] == doctest::Approx(lower[i]).epsilon(1e-10));
  CHECK(r.upper[5] == doctest::Approx(24.6235055724).epsilon(1e-10));
  CHECK(r.signal_upper[5] == 1);
  CHECK(r.upper[6] == 0);
  CHECK(r.lower[6] == doctest::Approx(-3.22350557244).epsilon(1e-10));
  // Without screening the two large moving ranges stay in: AMR 26/3 / 1.128.
  const cusum_result unscreened = cusum(y, {.screen_mr = false});
  CHECK(unscreened.summary.state.sigma == doctest::Approx(78.0 / 9 / 1.128).epsilon(1e-12));
}

TEST_CASE("CUSUM and EWMA: the estimated sigma is the I chart's (UCL - CL) / 3 with the same freeze") {
  for (const sequential_case& g : sequential_cases("cusum")) {
    if (g.given("sigma")) continue;
    const cusum_options o = test::cusum_options_of(g);
    chart_options i;
    i.chart = chart_type::i;
    i.freeze = o.freeze;
    i.screen_mr = o.screen_mr;
    const chart_result c = qic(g.value, {}, i);
    const cusum_result r = cusum(g.value, o);
    CHECK(r.summary.state.sigma == doctest::Approx((c.ucl[0] - c.cl[0]) / 3).epsilon(1e-12));
    if (!g.given("target")) CHECK(r.summary.state.target == doctest::Approx(c.cl[0]).epsilon(1e-12));
  }
}

TEST_CASE("CUSUM: the headstart starts each side (and restarts it after a signal) at headstart * sigma") {
  const std::vector<double> y = montgomery_9_1();
  const cusum_result r = cusum(y, {.target = 10, .sigma = 2, .headstart = 2.5});
  // First point: C+ = max(0, 5 + (9.45 - 10) - 1) = 3.45; C- = max(0, 5 + 0.55 - 1) = 4.55.
  CHECK(r.upper[0] == doctest::Approx(3.45));
  CHECK(r.lower[0] == doctest::Approx(-4.55));
  cusum_state s = start(cusum_options{.target = 0, .sigma = 1, .h = 1, .headstart = 0.5});
  CHECK(s.upper == 0.5);
  CHECK(s.lower == -0.5);
  CHECK(update(s, 2).signal_upper);                      // 0.5 + 2 - 0.5 = 2 > 1
  CHECK(update(s, 0.5).upper == doctest::Approx(0.5));   // restarted at 0.5: 0.5 + 0.5 - 0.5
}

TEST_CASE("CUSUM: a missing value is a gap: no statistic, no signal, the recursion skips it") {
  const std::vector<double> y = {12, na, 13, 9};
  const cusum_result r = cusum(y, {.target = 10, .sigma = 1, .h = 2});
  CHECK(r.upper[0] == 1.5);
  CHECK(std::isnan(r.upper[1]));
  CHECK(std::isnan(r.lower[1]));
  CHECK(r.signal_upper[1] == 0);
  CHECK(r.upper[2] == 4);  // 1.5 + 3 - 0.5, as if the gap were not there
  CHECK(r.signal_upper[2] == 1);
  CHECK(r.upper[3] == 0);  // restarted
  CHECK(r.lower[3] == -0.5);
  CHECK(r.summary.counts.n_missing == 1);
  CHECK(r.summary.state.points == 4);
  CHECK(r.summary.state.values == 3);
}

TEST_CASE("EWMA: Montgomery's example (lambda 0.1, L 2.7): first signal at sample 29, 30 signals too") {
  const std::vector<double> y = montgomery_9_1();
  const ewma_result r = ewma(y, {.target = 10, .sigma = 1, .lambda = 0.1, .L = 2.7});
  CHECK(r.z[0] == doctest::Approx(9.945).epsilon(1e-12));
  CHECK(r.lcl[0] == doctest::Approx(9.73).epsilon(1e-12));
  CHECK(r.ucl[0] == doctest::Approx(10.27).epsilon(1e-12));
  CHECK(r.z[1] == doctest::Approx(9.7495).epsilon(1e-12));
  CHECK(r.lcl[1] == doctest::Approx(9.63675215072901).epsilon(1e-12));
  CHECK(r.ucl[1] == doctest::Approx(10.363247849271).epsilon(1e-12));
  CHECK(r.z[2] == doctest::Approx(9.70355).epsilon(1e-12));
  CHECK(r.z[27] == doctest::Approx(10.573137).epsilon(1e-7));
  CHECK(r.ucl[27] == doctest::Approx(10.618574).epsilon(1e-7));
  CHECK(r.z[28] == doctest::Approx(10.646823).epsilon(1e-7));
  CHECK(r.ucl[28] == doctest::Approx(10.618735).epsilon(1e-7));
  CHECK(r.z[29] == doctest::Approx(10.634141).epsilon(1e-7));
  CHECK(r.ucl[29] == doctest::Approx(10.618866).epsilon(1e-7));
  CHECK(r.summary.counts.first_signal_upper == 28);
  CHECK(r.summary.counts.n_signals_upper == 2);
  CHECK(r.signal[29] == 1);
}

TEST_CASE("EWMA: qcc's vector (lambda 0.5, L 2), asymptotic limits, lambda 1 is the I chart, gaps") {
  const ewma_result r = ewma(std::vector<double>{11, 13, 12}, {.target = 10, .sigma = 2, .lambda = 0.5, .L = 2});
  CHECK(r.z == std::vector<double>{10.5, 11.75, 11.875});
  const double half[] = {1, std::sqrt(1.25), std::sqrt(1.3125)};
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(r.ucl[i] - 10 == doctest::Approx(2 * half[i]).epsilon(1e-12));
    CHECK(10 - r.lcl[i] == doctest::Approx(2 * half[i]).epsilon(1e-12));
  }
  const ewma_result a = ewma(std::vector<double>{11, 13}, {.target = 10, .sigma = 2, .lambda = 0.5, .L = 2, .asymptotic = true});
  CHECK(a.ucl[0] == doctest::Approx(10 + 4 * std::sqrt(1.0 / 3)));
  CHECK(a.ucl[0] == a.ucl[1]);
  // lambda 1: z is y and the limits are mu0 +- L sigma.
  const ewma_result i = ewma(std::vector<double>{9, 16.5}, {.target = 10, .sigma = 2, .lambda = 1, .L = 3});
  CHECK(i.z == std::vector<double>{9, 16.5});
  CHECK(i.ucl == std::vector<double>{16, 16});
  CHECK(i.signal == std::vector<std::uint8_t>{0, 1});
  // A gap before the first value has the limits of t = 0 (both mu0); later gaps those in force.
  const ewma_result g = ewma(std::vector<double>{na, 11, na}, {.target = 10, .sigma = 2, .lambda = 0.5, .L = 2});
  CHECK(std::isnan(g.z[0]));
  CHECK(g.lcl[0] == 10);
  CHECK(g.ucl[0] == 10);
  CHECK(g.ucl[2] == g.ucl[1]);
  CHECK(g.signal[2] == 0);
}

TEST_CASE("Bernoulli CUSUM: the weights of the cabg baseline (p0 0.035, OR 2) and the short series of §5") {
  bernoulli_cusum_state s = start(bernoulli_cusum_options{.p0 = 0.035});
  CHECK(bernoulli_p1(s) == doctest::Approx(0.0676328502415459).epsilon(1e-12));
  CHECK(bernoulli_p2(s) == doctest::Approx(0.0178117048346056).epsilon(1e-12));
  bernoulli_cusum_point one = update(s, 1), zero = update(s, 0);
  CHECK(one.w_upper == doctest::Approx(0.658745753842613).epsilon(1e-12));
  CHECK(zero.w_upper == doctest::Approx(-0.0344014267173323).epsilon(1e-12));
  CHECK(one.w_lower == doctest::Approx(0.675492245321225).epsilon(1e-12));
  CHECK(zero.w_lower == doctest::Approx(-0.0176549352387207).epsilon(1e-12));

  const std::vector<double> y = {1, 1, 0, 1, 1, 0, 0};
  const bernoulli_cusum_result r = bernoulli_cusum(y, {.p0 = 0.1, .odds_ratio = 2, .limit = 1.5});
  CHECK(bernoulli_p1(r.summary.state) == doctest::Approx(0.181818181818182).epsilon(1e-12));
  CHECK(bernoulli_p2(r.summary.state) == doctest::Approx(0.0526315789473684).epsilon(1e-12));
  const double upper[] = {0.597837000756, 1.19567400151, 1.10036382171, 1.69820082246, 0.597837000756, 0.502526820951};
  for (std::size_t i = 0; i < 6; ++i) CHECK(r.upper[i] == doctest::Approx(upper[i]).epsilon(1e-10));
  CHECK(r.signal_upper == std::vector<std::uint8_t>{0, 0, 0, 1, 0, 0, 0});
  const double lower[] = {0, 0, -0.0512932943876, 0, 0, -0.0512932943876, -0.102586588775};
  for (std::size_t i = 0; i < 7; ++i) CHECK(r.lower[i] == doctest::Approx(lower[i]).epsilon(1e-10));
}

TEST_CASE("Bernoulli CUSUM: the cabg deaths with the first 200 operations as baseline: one signal, an improvement at 856") {
  const io::csv_table t = io::read_csv(std::string(SPC_EXAMPLES_DATA) + "/cabg.csv", {"death"});
  std::vector<double> died;
  for (const std::string& cell : t.cells[0]) died.push_back(cell == "True" ? 1 : 0);
  REQUIRE(died.size() == 2205);
  CHECK(std::count(died.begin(), died.end(), 1.0) == 68);
  const bernoulli_cusum_result r = bernoulli_cusum(died, {.freeze = 200});
  CHECK(r.summary.p0_estimated);
  CHECK(r.summary.state.p0 == doctest::Approx(0.035).epsilon(1e-12));
  CHECK(r.summary.counts.n_signals_upper == 0);
  CHECK(r.summary.counts.n_signals_lower == 1);
  CHECK(r.summary.counts.first_signal_lower == 855);
  CHECK(r.lower[855] == doctest::Approx(-3.50872740625557).epsilon(1e-12));
}

TEST_CASE("Bernoulli CUSUM is the RA-CUSUM with every risk p0, R0 = 1 and RA = OR (upper) or 1/OR (lower)") {
  std::mt19937_64 rng(5);
  std::vector<double> y(400);
  for (double& v : y) v = rng() % 9 == 0 ? 1 : 0;
  const double p0 = 0.08, odds_ratio = 2.5;
  const bernoulli_cusum_result b = bernoulli_cusum(y, {.p0 = p0, .odds_ratio = odds_ratio, .limit = 2, .reset = false});
  const std::vector<double> risk(y.size(), p0);
  const racusum_result up = racusum(y, risk, {.ra = odds_ratio, .h = 2, .reset = false});
  const racusum_result down = racusum(y, risk, {.ra = 1 / odds_ratio, .h = 2, .reset = false});
  for (std::size_t i = 0; i < y.size(); ++i) {
    CHECK(b.w_upper[i] == doctest::Approx(up.w[i]).epsilon(1e-12));
    CHECK(b.w_lower[i] == doctest::Approx(-down.w[i]).epsilon(1e-12));
    CHECK(b.upper[i] == doctest::Approx(up.cusum[i]).epsilon(1e-12));
    CHECK(b.lower[i] == doctest::Approx(-down.cusum[i]).epsilon(1e-12));
  }
}

TEST_CASE("RA-CUSUM: Steiner et al. (2000) weights at Parsonnet 0 and 50, for RA 2 and 1/2") {
  const double p0 = 0.0246024284027394, p50 = 0.542397940774351;
  CHECK(1 / (1 + std::exp(3.68)) == doctest::Approx(p0).epsilon(1e-12));  // logit p = -3.68 + 0.077 s
  CHECK(racusum_weight(0, p0, 2, 1) == doctest::Approx(-0.024304662618477).epsilon(1e-12));
  CHECK(racusum_weight(1, p0, 2, 1) == doctest::Approx(0.668842517941468).epsilon(1e-12));
  CHECK(racusum_weight(0, p50, 2, 1) == doctest::Approx(-0.433338309794383).epsilon(1e-12));
  CHECK(racusum_weight(1, p50, 2, 1) == doctest::Approx(0.259808870765562).epsilon(1e-12));
  CHECK(racusum_weight(0, p0, 0.5, 1) == doctest::Approx(0.0123775003908417).epsilon(1e-12));
  CHECK(racusum_weight(1, p0, 0.5, 1) == doctest::Approx(-0.680769680169104).epsilon(1e-12));
  CHECK(racusum_weight(0, p50, 0.5, 1) == doctest::Approx(0.31635452028653).epsilon(1e-12));
  CHECK(racusum_weight(1, p50, 0.5, 1) == doctest::Approx(-0.376792660273416).epsilon(1e-12));
  // Steiner's printed three decimals.
  CHECK(racusum_weight(1, p0, 2, 1) == doctest::Approx(0.669).epsilon(0.001));
}

TEST_CASE("RA-CUSUM: Rigdon & Fricker pp. 225-226 (logit p = -3.67 + 0.077 s), the formula's -0.0945 where the book prints -0.0954") {
  auto risk = [](double s) { return 1 / (1 + std::exp(3.67 - 0.077 * s)); };
  CHECK(racusum_weight(0, risk(19), 2, 1) == doctest::Approx(-0.0945).epsilon(0.0006));
  CHECK(racusum_weight(1, risk(19), 2, 1) == doctest::Approx(0.5986).epsilon(0.0002));
  CHECK(racusum_weight(0, risk(0), 2, 1) == doctest::Approx(-0.0245).epsilon(0.002));
  CHECK(racusum_weight(1, risk(0), 2, 1) == doctest::Approx(0.6686).epsilon(0.0002));
  CHECK(racusum_weight(0, risk(19), 0.5, 1) == doctest::Approx(0.05083).epsilon(0.0002));
}

TEST_CASE("RA-CUSUM and VLAD: the short series of §6 and §7") {
  const std::vector<double> p = {0.05, 0.10, 0.02, 0.30, 0.15}, y = {0, 1, 1, 0, 1};
  const racusum_result r = racusum(y, p);
  const double w[] = {-0.0487901641694321, 0.59783700075562, 0.673344553263766, -0.262364264467491, 0.553385238184787};
  const double x[] = {0, 0.59783700075562, 1.27118155401939, 1.00881728955189, 1.56220252773668};
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(r.w[i] == doctest::Approx(w[i]).epsilon(1e-12));
    CHECK(r.cusum[i] == doctest::Approx(x[i]).epsilon(1e-12));
  }
  CHECK(r.summary.counts.n_signals_upper == 0);
  const vlad_result v = vlad(y, p);
  const double expected[] = {0.05, -0.85, -1.83, -1.53, -2.38};
  for (std::size_t i = 0; i < 5; ++i) CHECK(v.vlad[i] == doctest::Approx(expected[i]).epsilon(1e-12));
  // A missing outcome or a missing risk is a gap in both.
  const std::vector<double> py = {0.05, na, 0.02}, yy = {0, 1, na};
  const racusum_result g = racusum(yy, py);
  CHECK(std::isnan(g.w[1]));
  CHECK(std::isnan(g.cusum[2]));
  CHECK(g.summary.counts.n_missing == 2);
  CHECK(std::isnan(vlad(yy, py).vlad[1]));
}

TEST_CASE("RA-CUSUM: with reset the next patient restarts from 0; without, the statistic runs on") {
  const std::vector<double> y = {1, 1, 1, 0}, p(4, 0.1);
  const racusum_result reset = racusum(y, p, {.h = 1});
  CHECK(reset.signal == std::vector<std::uint8_t>{0, 1, 0, 0});
  CHECK(reset.cusum[2] == doctest::Approx(reset.w[2]));  // restarted
  const racusum_result on = racusum(y, p, {.h = 1, .reset = false});
  CHECK(on.signal == std::vector<std::uint8_t>{0, 1, 1, 1});
}

// --- Bad input ----------------------------------------------------------------------------------

TEST_CASE("sequential bad input: outcomes other than 0/1 and risks outside (0, 1) are refused, naming the point") {
  const std::string two = error_of([] { (void)bernoulli_cusum(std::vector<double>{0, 1, 2}, {.p0 = 0.1}); });
  CHECK(contains(two, "y at point 3"));
  CHECK(contains(two, "the outcome must be 0 or 1 in a bernoulli chart"));
  CHECK(contains(error_of([] { (void)racusum(std::vector<double>{0, 0.5}, std::vector<double>{0.1, 0.1}); }),
                 "y at point 2"));
  const std::string risk = error_of([] { (void)racusum(std::vector<double>{0, 1}, std::vector<double>{0.1, 1}); });
  CHECK(contains(risk, "risk at point 2"));
  CHECK(contains(risk, "strictly between 0 and 1"));
  CHECK(contains(error_of([] { (void)vlad(std::vector<double>{0}, std::vector<double>{0}); }), "risk at point 1"));
  CHECK(contains(error_of([] { (void)vlad(std::vector<double>{0, 1}, std::vector<double>{0.5}); }), "same length"));
  CHECK(contains(error_of([] { (void)cusum(std::vector<double>{1, INFINITY}, {.target = 0, .sigma = 1}); }),
                 "y at point 2: the value inf is not finite"));
  racusum_state s = start(racusum_options{});
  (void)update(s, 0, 0.2);
  CHECK(contains(error_of([&] { (void)update(s, 3, 0.2); }), "y at point 2"));
}

TEST_CASE("sequential bad input: parameters out of range are refused, naming the parameter") {
  auto cusum_error = [](cusum_options o) { return error_of([&] { (void)cusum(std::vector<double>{1, 2, 3}, o); }); };
  CHECK(contains(cusum_error({.k = -0.5}), "k: must be a finite number of at least 0"));
  CHECK(contains(cusum_error({.h = 0}), "h: must be a positive finite number"));
  CHECK(contains(cusum_error({.h = -1}), "h:"));
  CHECK(contains(cusum_error({.headstart = 5}), "headstart"));
  CHECK(contains(cusum_error({.headstart = -1}), "headstart"));
  CHECK(contains(cusum_error({.sigma = 0}), "sigma: must be a positive"));
  CHECK(contains(cusum_error({.freeze = 1}), "freeze"));
  CHECK(contains(cusum_error({.freeze = 4}), "freeze: 4 is beyond the series, which has 3 points"));
  CHECK(cusum_error({.k = 0}) == "no error");
  auto ewma_error = [](ewma_options o) { return error_of([&] { (void)ewma(std::vector<double>{1, 2, 3}, o); }); };
  CHECK(contains(ewma_error({.lambda = 0}), "lambda: must lie in (0, 1]"));
  CHECK(contains(ewma_error({.lambda = 1.5}), "lambda"));
  CHECK(contains(ewma_error({.lambda = -0.2}), "lambda"));
  CHECK(contains(ewma_error({.L = 0}), "L: must be a positive"));
  CHECK(ewma_error({.lambda = 1}) == "no error");
  auto b_error = [](bernoulli_cusum_options o) {
    return error_of([&] { (void)bernoulli_cusum(std::vector<double>{0, 1, 0}, o); });
  };
  CHECK(contains(b_error({.odds_ratio = 1}), "odds_ratio: must be a finite number above 1"));
  CHECK(contains(b_error({.limit = 0}), "limit"));
  CHECK(contains(b_error({.p0 = 1}), "p0: the baseline risk must lie strictly between 0 and 1"));
  CHECK(contains(b_error({.p0 = 0.1, .freeze = 2}), "not both"));
  auto r_error = [](racusum_options o) {
    return error_of([&] { (void)racusum(std::vector<double>{0, 1}, std::vector<double>{0.1, 0.2}, o); });
  };
  CHECK(contains(r_error({.ra = 1}), "ra: must differ from r0"));
  CHECK(contains(r_error({.ra = 0}), "ra: must be a positive"));
  CHECK(contains(r_error({.r0 = -1}), "r0"));
  CHECK(contains(r_error({.h = 0}), "h"));
  // A state needs its parameters given.
  CHECK(contains(error_of([] { (void)start(cusum_options{.sigma = 1}); }), "target: must be given"));
  CHECK(contains(error_of([] { (void)start(bernoulli_cusum_options{}); }), "p0: must be given"));
}

TEST_CASE("sequential bad input: parameters that cannot be estimated from the baseline say why") {
  CHECK(contains(error_of([] { (void)cusum(std::vector<double>{5, 5, 5}); }), "sigma: cannot be estimated: every moving range"));
  CHECK(contains(error_of([] { (void)cusum(std::vector<double>{5, na, 6}); }), "sigma: cannot be estimated: the baseline has no two consecutive"));
  CHECK(contains(error_of([] { (void)ewma(std::vector<double>{na, na}, {.sigma = 1}); }), "target: cannot be estimated"));
  CHECK(contains(error_of([] { (void)bernoulli_cusum(std::vector<double>{0, 0, 0, 1}, {.freeze = 3}); }),
                 "p0: cannot be estimated: the baseline has no events"));
  CHECK(contains(error_of([] { (void)bernoulli_cusum(std::vector<double>{1, 1}); }), "every outcome of the baseline is an event"));
  // Given parameters need no baseline.
  CHECK(cusum(std::vector<double>{5, 5, 5}, {.sigma = 1}).summary.state.target == 5);
}

TEST_CASE("sequential charts in the chart table, refused by spc::qic") {
  for (const chart_type c : {chart_type::cusum, chart_type::ewma, chart_type::bernoulli, chart_type::racusum, chart_type::vlad}) {
    const chart_info& ci = info(c);
    CHECK(ci.sequential());
    CHECK(parse_chart_type(ci.name) == c);
    CHECK(ci.runs_signal == false);
    CHECK(ci.denominator == denominator_use::none);
    chart_options o;
    o.chart = c;
    CHECK(contains(error_of([&] { (void)qic(std::vector<double>{1, 2, 3}, {}, o); }), "is a sequential chart"));
  }
  CHECK(!info(chart_type::i).sequential());
  CHECK(info(chart_type::cusum).reads(chart_parameter::k));
  CHECK(!info(chart_type::ewma).reads(chart_parameter::k));
  CHECK(info(chart_type::bernoulli).y_domain == value_domain::binary);
  CHECK(info(chart_type::racusum).reads_risk);
  CHECK(!info(chart_type::vlad).has_limits);
  CHECK(chart_table().size() == chart_type_count);
  CHECK(shewhart_chart_count == 12);
  sequential_options o;
  o.chart = chart_type::p;
  CHECK(contains(find_problem(o)->what(), "not a sequential chart"));
}
