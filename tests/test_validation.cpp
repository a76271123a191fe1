// Bad input gets a clear error naming the argument, the point and the problem; missing values
// are gaps, not errors.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "spc/chart.hpp"
#include "spc/constants.hpp"

using namespace spc;

namespace {

// The error a chart raises, or "" when it computes.
std::string error_of(const std::vector<double>& y, const std::vector<double>& n, chart_options o,
                     std::string* argument = nullptr, std::size_t* index = nullptr) {
  try {
    (void)qic(y, n, o);
  } catch (const input_error& e) {
    if (argument) *argument = e.argument();
    if (index) *index = e.index();
    return e.what();
  }
  return "";
}

chart_options chart(chart_type c) {
  chart_options o;
  o.chart = c;
  return o;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("bad input: a negative count") {
  std::string arg;
  std::size_t index = 0;
  const auto e = error_of({1, 2, -3}, {5, 5, 5}, chart(chart_type::p), &arg, &index);
  CHECK(arg == "y");
  CHECK(index == 2);
  CHECK(contains(e, "point 3"));
  CHECK(contains(e, "negative"));
  CHECK(contains(error_of({1, -2}, {}, chart(chart_type::c)), "negative"));
  CHECK(contains(error_of({1, -2}, {}, chart(chart_type::g)), "cannot be negative"));
}

TEST_CASE("bad input: a numerator above its denominator in a P chart") {
  const auto e = error_of({1, 6, 3}, {5, 5, 5}, chart(chart_type::p));
  CHECK(contains(e, "point 2"));
  CHECK(contains(e, "above its denominator"));
  // A U chart allows rates above 1.
  CHECK(error_of({1, 6, 3}, {5, 5, 5}, chart(chart_type::u)).empty());
}

TEST_CASE("bad input: a zero or negative denominator") {
  std::string arg;
  CHECK(contains(error_of({1, 2}, {5, 0}, chart(chart_type::u), &arg), "denominator must be positive"));
  CHECK(arg == "n");
  CHECK(contains(error_of({1, 2}, {-5, 5}, chart(chart_type::pp)), "point 1"));
}

TEST_CASE("bad input: a missing denominator column, columns of different lengths") {
  CHECK(contains(error_of({1, 2}, {}, chart(chart_type::p)), "needs a denominator"));
  CHECK(contains(error_of({1, 2, 3}, {5, 5}, chart(chart_type::p)), "same length"));
  CHECK(contains(error_of({1, 2}, {5, 5}, chart(chart_type::c)), "takes no denominator"));
}

TEST_CASE("bad input: non-positive time between events in a T chart") {
  CHECK(contains(error_of({3, 0, 2}, {}, chart(chart_type::t)), "must be positive"));
}

TEST_CASE("bad input: infinite values") {
  CHECK(contains(error_of({1, std::numeric_limits<double>::infinity()}, {}, chart(chart_type::i)), "not finite"));
}

TEST_CASE("bad input: options out of range") {
  std::string arg;
  auto o = chart(chart_type::i);
  o.freeze = 5;
  CHECK(contains(error_of({1, 2, 3}, {}, o, &arg), "beyond the series"));
  CHECK(arg == "freeze");
  o = chart(chart_type::i);
  o.exclude = {4};
  CHECK(contains(error_of({1, 2, 3}, {}, o, &arg), "position 4 does not exist"));
  CHECK(arg == "exclude");
  o.exclude = {0};
  CHECK(contains(error_of({1, 2, 3}, {}, o), "position 0 does not exist"));
  o = chart(chart_type::i);
  o.parts = {3};
  CHECK(contains(error_of({1, 2, 3}, {}, o, &arg), "from 1 to 2"));
  CHECK(arg == "parts");
  o.parts = {2, 1};
  CHECK(contains(error_of({1, 2, 3, 4}, {}, o), "strictly increasing"));
}

TEST_CASE("missing values are gaps, not errors") {
  const double na = spc::na;
  auto o = chart(chart_type::p);
  const auto r = qic(std::vector<double>{1, na, 3, 2}, std::vector<double>{10, 10, na, 10}, o);
  CHECK(std::isnan(r.y[1]));
  CHECK(std::isnan(r.y[2]));
  CHECK(std::isnan(r.ucl[1]));
  CHECK(r.cl[0] == doctest::Approx(3.0 / 20.0));
  CHECK_FALSE(r.sigma_signal[1]);
  CHECK(r.parts[0].runs.n_obs == 4);
  CHECK(r.parts[0].runs.n_useful == 2);
  // An all-missing series computes: no centre line, no signal.
  o = chart(chart_type::i);
  const auto all = qic(std::vector<double>{na, na, na}, {}, o);
  CHECK(std::isnan(all.cl[0]));
  CHECK(all.parts[0].runs.n_useful == 0);
  CHECK(all.parts[0].n_sigma_signals == 0);
  // An empty series computes to an empty chart.
  const auto empty = qic(std::vector<double>{}, {}, o);
  CHECK(empty.size() == 0);
  CHECK(empty.parts.empty());
}

TEST_CASE("a fixed centre line is used for the limits and the runs analysis") {
  auto o = chart(chart_type::c);
  o.cl = 10;
  const auto r = qic(std::vector<double>{8, 9, 12, 30, 9}, {}, o);
  CHECK(r.cl[0] == 10);
  CHECK(r.ucl[0] == doctest::Approx(10 + 3 * std::sqrt(10.0)));
  CHECK(r.sigma_signal[3]);
  CHECK(r.parts[0].runs.longest_run == 2);
}

TEST_CASE("subgroups of one on Xbar and S charts are gaps in the limits, not errors") {
  // Every subgroup has one measurement: no standard deviation anywhere, so no sbar and no limits,
  // but the centre line of the Xbar chart is still the grand mean.
  const double na = spc::na;
  const std::vector<double> mean = {10, 12, 11, 13}, size = {1, 1, 1, 1}, sd = {na, na, na, na};
  chart_options o = chart(chart_type::xbar);
  const auto x = qic(series_view{mean, size, sd}, o);
  CHECK(x.cl[0] == doctest::Approx(11.5));
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(std::isnan(x.ucl[i]));
    CHECK(std::isnan(x.lcl[i]));
    CHECK_FALSE(x.sigma_signal[i]);
  }
  o.chart = chart_type::s;
  const auto s = qic(series_view{mean, size, sd}, o);
  CHECK(std::isnan(s.cl[0]));
  CHECK(std::isnan(s.ucl[0]));
  CHECK(s.parts[0].runs.n_useful == 0);
  // One subgroup of one among subgroups of five: only that point has no limits, and sbar is the
  // mean sd of the subgroups that have one (all of size 5, so the equal-size estimator applies).
  const std::vector<double> mean2 = {10, 12, 11}, size2 = {5, 1, 5}, sd2 = {1.0, na, 2.0};
  const auto x2 = qic(series_view{mean2, size2, sd2}, chart(chart_type::xbar));
  CHECK(std::isnan(x2.ucl[1]));
  CHECK(x2.ucl[0] == doctest::Approx(x2.cl[0] + spc::constants::A3(5.0) * 1.5));
}
