// Real health-care series (examples/data) against the numbers the qicharts2 vignette reports
// (reproduced in statistics.md §8.2).
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

#include "golden.hpp"

using namespace spc;

namespace {

io::csv_table health(const std::string& name) { return io::read_csv(std::string(SPC_EXAMPLES_DATA) + "/" + name); }

int count(const std::vector<std::uint8_t>& flags) { return std::accumulate(flags.begin(), flags.end(), 0); }

}  // namespace

TEST_CASE("C. difficile infections: run chart of all 36 months shows a shift") {
  const auto t = health("cdi.csv");
  const auto r = qic(t.numbers("n"), {}, chart_options{});
  CHECK(r.cl[0] == 17);
  const auto& runs = r.parts[0].runs;
  CHECK(runs.n_useful == 32);
  CHECK(runs.longest_run == 14);
  CHECK(runs.longest_run_max == 8);
  CHECK(runs.n_crossings == 6);
  CHECK(runs.n_crossings_min == 11);
  CHECK(runs.runs_signal);
}

TEST_CASE("C. difficile infections: run chart frozen at the 24 months before the intervention") {
  const auto t = health("cdi.csv");
  chart_options o;
  o.freeze = 24;
  const auto r = qic(t.numbers("n"), {}, o);
  CHECK(r.cl[0] == 19);
  const auto& runs = r.parts[0].runs;
  CHECK(runs.n_obs == 36);
  CHECK(runs.n_useful == 31);
  CHECK(runs.longest_run == 15);
  CHECK(runs.n_crossings == 8);
  CHECK(runs.runs_signal);
}

TEST_CASE("C. difficile infections: run chart split at the intervention shows no signal in either part") {
  const auto t = health("cdi.csv");
  chart_options o;
  o.parts = {24};
  const auto r = qic(t.numbers("n"), {}, o);
  REQUIRE(r.parts.size() == 2);
  CHECK(r.parts[0].cl == 19);
  CHECK(r.parts[0].runs.n_useful == 19);
  CHECK(r.parts[0].runs.longest_run == 3);
  CHECK(r.parts[0].runs.n_crossings == 8);
  CHECK(r.parts[1].cl == 6);
  CHECK(r.parts[1].runs.longest_run == 4);
  CHECK(r.parts[1].runs.n_crossings == 4);
  CHECK_FALSE(r.parts[0].runs.runs_signal);
  CHECK_FALSE(r.parts[1].runs.runs_signal);
}

TEST_CASE("C. difficile infections: C chart split at the intervention (19 -> 7 per month)") {
  const auto t = health("cdi.csv");
  chart_options o;
  o.chart = chart_type::c;
  o.parts = {24};
  const auto r = qic(t.numbers("n"), {}, o);
  CHECK(r.parts[0].cl == doctest::Approx(18.708333).epsilon(1e-7));
  CHECK(r.parts[0].lcl == doctest::Approx(5.732394).epsilon(1e-6));
  CHECK(r.parts[0].ucl == doctest::Approx(31.684273).epsilon(1e-7));
  CHECK(r.parts[1].cl == doctest::Approx(7.083333).epsilon(1e-6));
  CHECK(r.parts[1].lcl == 0);
  CHECK(r.parts[1].ucl == doctest::Approx(15.067693).epsilon(1e-7));
}

TEST_CASE("C. difficile infections: U and U' charts per 10,000 risk days") {
  const auto t = health("cdi.csv");
  chart_options o;
  o.chart = chart_type::u;
  o.parts = {24};
  const auto r = qic(t.numbers("n"), t.numbers("days"), o);
  CHECK(r.parts[0].cl * 1e4 == doctest::Approx(13.024226).epsilon(1e-7));
  CHECK(r.parts[1].cl * 1e4 == doctest::Approx(5.008920).epsilon(1e-6));
  CHECK(r.lcl[0] * 1e4 == doctest::Approx(4.115200).epsilon(1e-6));
  CHECK(r.ucl[0] * 1e4 == doctest::Approx(21.933253).epsilon(1e-7));
  o.chart = chart_type::up;
  const auto rp = qic(t.numbers("n"), t.numbers("days"), o);
  CHECK(count(rp.sigma_signal) == 1);
  CHECK(rp.sigma_signal[19]);
}

TEST_CASE("NHS accidents (Mohammed 2013): P limits flag 16 of 20 weeks, Laney P' limits none") {
  const auto t = health("nhs_accidents.csv");
  chart_options o;
  o.chart = chart_type::p;
  const auto p = qic(t.numbers("r"), t.numbers("n"), o);
  CHECK(p.cl[0] == doctest::Approx(0.95289971).epsilon(1e-8));
  CHECK(p.lcl[0] == doctest::Approx(0.95169956).epsilon(1e-8));
  CHECK(p.ucl[0] == doctest::Approx(0.95409986).epsilon(1e-8));
  CHECK(count(p.sigma_signal) == 16);

  o.chart = chart_type::pp;
  const auto pp = qic(t.numbers("r"), t.numbers("n"), o);
  CHECK(pp.cl[0] == p.cl[0]);
  CHECK(pp.lcl[0] == doctest::Approx(0.94012964).epsilon(1e-8));
  CHECK(pp.ucl[0] == doctest::Approx(0.96566978).epsilon(1e-8));
  // sigma_z = 10.640422: the P' limits are the P limits widened by that factor.
  CHECK((pp.ucl[0] - pp.cl[0]) / (p.ucl[0] - p.cl[0]) == doctest::Approx(10.640422).epsilon(1e-6));
  CHECK(count(pp.sigma_signal) == 0);

  // The I chart of the proportions agrees with P' (Laney's point).
  o.chart = chart_type::i;
  const auto y = t.numbers("r"), n = t.numbers("n");
  std::vector<double> prop(y.size());
  std::transform(y.begin(), y.end(), n.begin(), prop.begin(), std::divides<>());
  const auto i = qic(prop, {}, o);
  CHECK(i.cl[0] == doctest::Approx(0.95296991).epsilon(1e-8));
  CHECK(i.lcl[0] == doctest::Approx(0.94012535).epsilon(1e-8));
  CHECK(i.ucl[0] == doctest::Approx(0.96581447).epsilon(1e-8));
  CHECK(i.parts[0].runs.longest_run == 5);
  CHECK(i.parts[0].runs.n_crossings == 9);
}

TEST_CASE("CABG: I chart of the last 100 patients' ages, with and without the two outliers") {
  const auto t = health("cabg.csv");
  const auto age = t.numbers("age");
  const std::vector<double> last(age.end() - 100, age.end());
  chart_options o;
  o.chart = chart_type::i;
  const auto r = qic(last, {}, o);
  CHECK(r.cl[0] == doctest::Approx(66.33455).epsilon(1e-7));
  CHECK(r.lcl[0] == doctest::Approx(41.898851).epsilon(1e-7));
  CHECK(r.ucl[0] == doctest::Approx(90.770249).epsilon(1e-7));
  CHECK(count(r.sigma_signal) == 2);
  CHECK(r.sigma_signal[44]);
  CHECK(r.sigma_signal[69]);
  o.screen_mr = false;
  const auto unscreened = qic(last, {}, o);
  CHECK(unscreened.lcl[0] == doctest::Approx(38.036).epsilon(1e-4));
  CHECK(unscreened.ucl[0] == doctest::Approx(94.633).epsilon(1e-4));
  o.screen_mr = true;
  o.exclude = {45, 70};
  const auto ex = qic(last, {}, o);
  CHECK(ex.cl[0] == doctest::Approx(67.233724).epsilon(1e-7));
  CHECK(ex.lcl[0] == doctest::Approx(43.233862).epsilon(1e-7));
  CHECK(ex.ucl[0] == doctest::Approx(91.233587).epsilon(1e-7));
  CHECK(ex.sigma_signal[44]);  // excluded points are still tested against the limits
  o = chart_options{};
  o.chart = chart_type::mr;
  const auto mr = qic(last, {}, o);
  CHECK(mr.cl[0] == doctest::Approx(10.640253).epsilon(1e-7));
  CHECK(mr.ucl[0] == doctest::Approx(34.761705).epsilon(1e-7));
  CHECK(count(mr.sigma_signal) == 3);
  CHECK(mr.sigma_signal[45]);
  CHECK(mr.sigma_signal[69]);
  CHECK(mr.sigma_signal[70]);
}
