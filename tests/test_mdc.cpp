// The NHS "Making Data Count" mode: every case of the golden mdc suite (NHSRplotthedots 0.2.2)
// agrees on limits (1e-9 relative), special cause, point type, variation and assurance; then the
// options, errors and missing values on small series.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "golden.hpp"
#include "spc/mdc.hpp"

using namespace spc;

namespace {

using test::mdc_golden_case;

const std::vector<mdc_golden_case>& mdc_cases() { return test::mdc_golden_cases(); }

// Mismatches between a computed chart and a golden case, each reported.
int compare(const mdc_golden_case& g, const mdc_result& r) {
  int bad = 0;
  const auto report = [&](std::size_t i, const char* column, const std::string& got,
                          const std::string& want) {
    ++bad;
    MESSAGE("case " << g.id << " point " << i + 1 << " " << column << ": got " << got
                    << ", expected " << want);
  };
  if (r.size() != g.points.size()) {
    MESSAGE("case " << g.id << ": " << r.size() << " points, expected " << g.points.size());
    return 1;
  }
  for (std::size_t i = 0; i < r.size(); ++i) {
    const auto& e = g.points[i];
    if (r.period[i] - 1 != e.rebase_group)
      report(i, "rebase_group", std::to_string(r.period[i] - 1), std::to_string(e.rebase_group));
    const auto number = [&](const char* column, double got, double want) {
      if (!test::close(got, want)) report(i, column, std::to_string(got), std::to_string(want));
    };
    number("mean", r.mean[i], e.mean);
    number("lpl", r.lpl[i], e.lpl);
    number("upl", r.upl[i], e.upl);
    if (ptd_label(r.cause[i]) != e.cause)
      report(i, "special_cause_type", std::string(ptd_label(r.cause[i])), e.cause);
    if (ptd_label(r.type[i]) != e.type)
      report(i, "point_type", std::string(ptd_label(r.type[i])), e.type);
  }
  if (ptd_label(r.variation) != g.variation)
    report(r.size() - 1, "variation", std::string(ptd_label(r.variation)), g.variation);
  if (to_string(r.assurance) != g.assurance)
    report(r.size() - 1, "assurance", std::string(to_string(r.assurance)), g.assurance);
  return bad;
}

mdc_result chart(std::vector<double> y, mdc_options o = {}, rule_options rules = mdc_rules()) {
  return mdc_chart(y, o, rules);
}

}  // namespace

TEST_CASE("mdc: every golden case of NHSRplotthedots 0.2.2 agrees") {
  const auto& cases = mdc_cases();
  REQUIRE(cases.size() == 80);
  int passed = 0;
  std::size_t points = 0;
  for (const auto& g : cases) {
    CAPTURE(g.id);
    REQUIRE(g.value.size() == g.points.size());
    const auto r = mdc_chart(g.value, g.options);
    const int bad = compare(g, r);
    CHECK(bad == 0);
    passed += bad == 0;
    points += g.points.size();
  }
  MESSAGE(passed << " of " << cases.size() << " golden mdc cases (" << points << " points) agree");
  CHECK(passed == static_cast<int>(cases.size()));
}

TEST_CASE("mdc: the workspace API matches the convenience API and reuses its memory") {
  const auto& cases = mdc_cases();
  mdc_workspace ws;
  std::vector<mdc_period> periods;
  for (const auto& g : cases) {
    const auto r = mdc_chart(g.value, g.options);
    std::vector<special_cause> cause(g.value.size());
    std::vector<double> upl(g.value.size());
    mdc_columns cols;
    cols.cause = cause;
    cols.upl = upl;
    const auto s = mdc_chart_into(g.value, g.options, mdc_rules(), cols, periods, ws);
    CHECK(cause == r.cause);
    CHECK(s.variation == r.variation);
    CHECK(s.assurance == r.assurance);
    CHECK(periods.size() == r.periods.size());
  }
}

TEST_CASE("mdc: limits are mean +- 2.66 AMR with one screening pass, the mean not recomputed") {
  // MRs 1, 1, 1, 1, 20, 20, 1, 1, 1, 1, 1: AMR = 49/11; 3.267 AMR = 14.55, so both 20s go.
  std::vector<double> y = {10, 11, 10, 11, 10, 30, 10, 11, 10, 11, 10, 11};
  const double mean = 145.0 / 12;
  auto r = chart(y);
  CHECK(r.periods.size() == 1);
  CHECK(r.periods[0].amr == doctest::Approx(1.0));
  CHECK(r.mean[0] == doctest::Approx(mean));
  CHECK(r.upl[0] == doctest::Approx(mean + 2.66));
  CHECK(r.lpl[0] == doctest::Approx(mean - 2.66));
  CHECK(r.cause[5] == special_cause::above_ucl);
  CHECK(r.type[5] == point_type::improvement);

  mdc_options o;
  o.screen_outliers = false;
  r = chart(y, o);
  CHECK(r.periods[0].amr == doctest::Approx(49.0 / 11));
  CHECK(r.upl[0] == doctest::Approx(mean + 2.66 * 49.0 / 11));

  // MR exactly 3.267 AMR is screened out (keep strictly below): MRs 0 x 9 and one of x give
  // AMR = x / 10 and 3.267 AMR < x, so x goes and AMR becomes 0.
  y = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 8};
  r = chart(y);
  CHECK(r.periods[0].amr == 0.0);
  CHECK(r.cause[10] == special_cause::above_ucl);
}

TEST_CASE("mdc: a constant series with screening has no limits (every MR screened out)") {
  // NHSRplotthedots: MR = 0 is not < 3.267 * 0, so AMR is the mean of nothing (NaN).
  const std::vector<double> y(15, 4.0);
  auto r = chart(y);
  CHECK(std::isnan(r.upl[0]));
  CHECK(std::isnan(r.lpl[0]));
  CHECK(r.mean[0] == 4.0);
  for (auto c : r.cause) CHECK(c == special_cause::none);
  CHECK(r.assurance == assurance_type::none);
  mdc_options o;
  o.screen_outliers = false;
  o.target = 5;
  r = chart(y, o);
  CHECK(r.upl[0] == 4.0);
  CHECK(r.lpl[0] == 4.0);
  CHECK(r.assurance == assurance_type::consistent_fail);
}

TEST_CASE("mdc: precedence outside > trend > two-in-three > shift, and point types") {
  // A 7-point increasing trend whose last point is above the UCL: the trend points get the
  // trend, the last one "Above UCL".
  std::vector<double> y = {10, 12, 9, 11, 10, 12, 9, 11, 10, 12, 9, 11, 10, 11, 11.5, 12, 12.5,
                           13, 13.5, 30};
  mdc_options o;
  o.screen_outliers = false;
  auto r = chart(y, o);
  CHECK(r.cause[19] == special_cause::above_ucl);
  CHECK(has_rule(r.fired[19], rule::mdc_trend));
  for (std::size_t i = 13; i < 19; ++i) CHECK(r.cause[i] == special_cause::trend_increasing);
  CHECK(r.type[13] == point_type::improvement);
  o.direction = improvement_direction::decrease;
  r = chart(y, o);
  CHECK(r.type[13] == point_type::concern);
  CHECK(r.type[19] == point_type::concern);
  CHECK(r.variation == point_type::concern);
  o.direction = improvement_direction::neutral;
  r = chart(y, o);
  CHECK(r.type[13] == point_type::neutral_high);
  CHECK(r.variation == point_type::neutral_high);
}

TEST_CASE("mdc: a trend that crosses the mean keeps its direction; ties break trends") {
  // Mean 0 over a symmetric background; a falling run of 7 from +2 to -2 crosses it.
  std::vector<double> y = {1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 3, 2, 1, 0, -1, -2, -3, 1, -1};
  mdc_options o;
  o.screen_outliers = false;
  auto r = chart(y, o);
  for (std::size_t i = 10; i <= 16; ++i) {
    CAPTURE(i);
    CHECK(r.cause[i] == special_cause::trend_decreasing);
  }
  CHECK(r.cause[9] != special_cause::trend_decreasing);
  // A tie inside: 6 steps no longer in a row.
  y[13] = y[12];
  r = chart(y, o);
  CHECK(r.cause[13] != special_cause::trend_decreasing);
  CHECK(r.cause[16] != special_cause::trend_decreasing);

  // 6 selectable: a run of 6 points fires only with trend = 6.
  y = {1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 3, 2, 1, 0, -1, -2, 1, -1, 1};
  r = chart(y, o);
  CHECK(r.cause[12] != special_cause::trend_decreasing);
  rule_options six = mdc_rules();
  six.mdc.trend = 6;
  r = chart(y, o, six);
  CHECK(r.cause[12] == special_cause::trend_decreasing);
}

TEST_CASE("mdc: where two trends meet, the direction follows NHSRplotthedots") {
  // Baseline: 12 points alternating 0 and 6 (mean 3, AMR 6: limits far away).
  const std::vector<double> base = {0, 6, 0, 6, 0, 6, 0, 6, 0, 6, 0, 6};
  mdc_options o;
  o.fix_after_n_points = 12;
  o.direction = improvement_direction::neutral;
  // Up 0..6 then down from 6: the shared top point takes the right-hand trend (decreasing).
  std::vector<double> y = base;
  for (double v : {0., 1., 2., 3., 4., 5., 6., 5., 4., 3., 2., 1., 0.}) y.push_back(v);
  auto r = chart(y, o);
  for (std::size_t i = 12; i < 18; ++i) CHECK(r.cause[i] == special_cause::trend_increasing);
  CHECK(r.cause[18] == special_cause::trend_decreasing);
  for (std::size_t i = 19; i < 25; ++i) CHECK(r.cause[i] == special_cause::trend_decreasing);
  CHECK(r.type[12] == point_type::neutral_high);
  CHECK(r.type[24] == point_type::neutral_low);
  // Up 0..6, a drop, up again: NHSRplotthedots reads the last point of the first trend from the
  // step to the next trend point (a fall), so it is labelled decreasing.
  y = base;
  for (double v : {0., 1., 2., 3., 4., 5., 6., 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5}) y.push_back(v);
  r = chart(y, o);
  CHECK(r.cause[17] == special_cause::trend_increasing);
  CHECK(r.cause[18] == special_cause::trend_decreasing);
  CHECK(r.cause[19] == special_cause::trend_increasing);
  CHECK(r.cause[25] == special_cause::trend_increasing);
}

TEST_CASE("mdc: two-in-three, band-only vs beyond-2-sigma policy") {
  // Baseline alternating 9/11 (mean 10, AMR 2, limits 10 +- 5.32, band 13.55..15.32).
  std::vector<double> y = {9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 14, 10.5, 16, 9, 11};
  mdc_options o;
  o.fix_after_n_points = 12;
  auto r = chart(y, o);
  CHECK(r.mean[0] == 10.0);
  CHECK(r.periods[0].amr == 2.0);
  const double upl = r.upl[0];
  REQUIRE(y[12] > r.mean[0] + 2 * 2.66 / 3 * r.periods[0].amr);
  REQUIRE(y[12] < upl);
  REQUIRE(y[14] > upl);
  // Band only: one close point (14) and one beyond (16): no two-in-three.
  CHECK(r.cause[12] == special_cause::none);
  CHECK(r.cause[14] == special_cause::above_ucl);
  CHECK_FALSE(has_rule(r.fired[14], rule::mdc_two_in_three));
  rule_options beyond = mdc_rules();
  beyond.mdc.two_in_three = two_in_three_policy::beyond_2sigma;
  r = chart(y, o, beyond);
  CHECK(r.cause[12] == special_cause::two_in_three_above);
  CHECK(r.cause[13] == special_cause::none);  // the third point is not flagged
  CHECK(r.cause[14] == special_cause::above_ucl);
  CHECK(has_rule(r.fired[14], rule::mdc_two_in_three));

  // Two close points but the middle one below the mean: not all on one side.
  y = {9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 14, 9.5, 14.5, 11, 9};
  r = chart(y, o);  // band only (the default)
  CHECK(r.cause[12] == special_cause::none);
  CHECK(r.cause[14] == special_cause::none);
  y[13] = 10.5;
  r = chart(y, o);
  CHECK(r.cause[12] == special_cause::two_in_three_above);
  CHECK(r.cause[14] == special_cause::two_in_three_above);
}

TEST_CASE("mdc: shift of 7 (6 selectable); a point on the mean breaks it") {
  // Baseline of 16 points with mean exactly 10.
  std::vector<double> y = {10, 12, 8, 11, 9, 10.5, 9.5, 11, 9, 10, 12, 8, 11, 9, 10.5, 9.5};
  for (int k = 0; k < 7; ++k) y.push_back(11 + 0.1 * (k % 2));
  mdc_options o;
  o.fix_after_n_points = 16;
  auto r = chart(y, o);
  REQUIRE(r.mean[0] == 10.0);
  for (std::size_t i = 16; i < 23; ++i) CHECK(r.cause[i] == special_cause::shift_above);
  CHECK(r.type[16] == point_type::improvement);
  // Six above only: nothing with 7, a shift with 6.
  y.pop_back();
  r = chart(y, o);
  CHECK(r.cause[16] == special_cause::none);
  CHECK(r.cause[21] == special_cause::none);
  rule_options six = mdc_rules();
  six.mdc.shift = 6;
  r = chart(y, o, six);
  CHECK(r.cause[16] == special_cause::shift_above);
  // Eight points with the fourth exactly on the mean: broken into runs of 3 and 4.
  y.push_back(11.1);
  y.push_back(11);
  y[19] = 10.0;
  r = chart(y, o);
  for (std::size_t i = 16; i < 24; ++i) CHECK(r.cause[i] == special_cause::none);
}

TEST_CASE("mdc: rebase and fix_after_n_points") {
  std::vector<double> y;
  for (int i = 0; i < 20; ++i) y.push_back(10 + (i % 2));
  for (int i = 0; i < 20; ++i) y.push_back(20 + 2 * (i % 2));
  mdc_options o;
  o.rebase = {21};
  auto r = chart(y, o);
  REQUIRE(r.periods.size() == 2);
  CHECK(r.periods[0].first == 0);
  CHECK(r.periods[0].last == 19);
  CHECK(r.periods[1].first == 20);
  CHECK(r.period[19] == 1);
  CHECK(r.period[20] == 2);
  CHECK(r.mean[0] == doctest::Approx(10.5));
  CHECK(r.mean[20] == doctest::Approx(21));
  CHECK(r.upl[20] == doctest::Approx(21 + 2.66 * 2));
  CHECK_FALSE(r.periods[0].trial_limits);
  CHECK(r.periods[1].common_cause == 20);

  // Fix after 12: the mean of the first 12 points of each period only.
  for (int i = 12; i < 20; ++i) y[i] += 1;
  o.fix_after_n_points = 12;
  r = chart(y, o);
  CHECK(r.mean[0] == doctest::Approx(10.5));
  CHECK(r.mean[25] == doctest::Approx(21));
  // The later points all sit above the fixed mean: a shift.
  CHECK(r.cause[19] == special_cause::shift_above);

  // A rebase at point 1 changes nothing; short periods have trial limits.
  o = {};
  o.rebase = {1, 30};
  r = chart(y, o);
  REQUIRE(r.periods.size() == 2);
  CHECK(r.periods[1].n_points == 11);
  CHECK(r.periods[1].trial_limits);
  CHECK_FALSE(r.periods[0].trial_limits);
}

TEST_CASE("mdc: assurance against the last period's limits") {
  using d = improvement_direction;
  CHECK(assurance_of(12, 8, 11, d::increase) == assurance_type::consistent_fail);
  CHECK(assurance_of(12, 8, 11, d::decrease) == assurance_type::consistent_pass);
  CHECK(assurance_of(7, 8, 11, d::increase) == assurance_type::consistent_pass);
  CHECK(assurance_of(7, 8, 11, d::decrease) == assurance_type::consistent_fail);
  CHECK(assurance_of(11, 8, 11, d::increase) == assurance_type::inconsistent);  // on a limit
  CHECK(assurance_of(8, 8, 11, d::increase) == assurance_type::inconsistent);
  CHECK(assurance_of(12, 8, 11, d::neutral) == assurance_type::none);
  CHECK(assurance_of(na, 8, 11, d::increase) == assurance_type::none);

  std::vector<double> y;
  for (int i = 0; i < 15; ++i) y.push_back(10 + (i % 2));
  for (int i = 0; i < 15; ++i) y.push_back(30 + (i % 2));
  mdc_options o;
  o.target = 20;
  o.rebase = {16};
  const auto r = chart(y, o);
  CHECK(r.periods[0].assurance == assurance_type::consistent_fail);
  CHECK(r.periods[1].assurance == assurance_type::consistent_pass);
  CHECK(r.assurance == assurance_type::consistent_pass);
}

TEST_CASE("mdc: a missing value is a gap") {
  std::vector<double> y = {10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 11};
  const auto full = chart(y);
  y.insert(y.begin() + 7, na);
  auto r = chart(y);
  // The mean skips it; the two moving ranges beside it are missing (here 1 and 1 drop out).
  CHECK(r.mean[0] == doctest::Approx(full.mean[0]));
  CHECK(r.periods[0].amr == doctest::Approx(1.0));
  CHECK(r.cause[7] == special_cause::none);
  CHECK(r.type[7] == point_type::common_cause);
  CHECK(r.periods[0].n_points == 15);
  CHECK(r.periods[0].n_missing == 1);
  CHECK(r.periods[0].common_cause == 14);
  CHECK(r.periods[0].trial_limits == false);

  // A missing value neither breaks nor counts in a trend or a shift.
  y = {1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 0.5, 1, na, 1.5, 2, 2.5, 3, 3.5, -1, 1};
  mdc_options o;
  o.screen_outliers = false;
  r = chart(y, o);
  CHECK(r.cause[12] == special_cause::trend_increasing);
  CHECK(r.cause[14] == special_cause::none);
  CHECK(r.cause[19] == special_cause::trend_increasing);
  // The last point missing: variation is the last non-missing point's type.
  y.push_back(na);
  r = chart(y, o);
  CHECK(r.variation == point_type::common_cause);
  y = {1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, na};
  r = chart(y, o);
  CHECK(r.variation == point_type::improvement);
  // Every value missing: no mean, no limits, no signal.
  r = chart(std::vector<double>(5, na));
  CHECK(std::isnan(r.mean[0]));
  CHECK(r.periods[0].trial_limits);
  CHECK(r.variation == point_type::common_cause);
}

TEST_CASE("mdc: bad input throws input_error naming the argument") {
  const std::vector<double> y(20, 1.0);
  mdc_options o;
  o.fix_after_n_points = 11;
  CHECK_THROWS_AS(mdc_chart(y, o), input_error);
  try {
    mdc_chart(y, o);
  } catch (const input_error& e) {
    CHECK(e.argument() == "fix_after_n_points");
  }
  o.fix_after_n_points = 12;
  CHECK_NOTHROW(mdc_chart(y, o));
  o = {};
  o.rebase = {5, 5};
  CHECK_THROWS_AS(mdc_chart(y, o), input_error);
  o.rebase = {21};
  CHECK_THROWS_AS(mdc_chart(y, o), input_error);
  o.rebase = {0};
  CHECK_THROWS_AS(mdc_chart(y, o), input_error);
  o = {};
  rule_options too_short = mdc_rules();
  too_short.mdc.trend = 1;
  CHECK_THROWS_AS(mdc_chart(y, o, too_short), input_error);
  std::vector<double> bad = y;
  bad[3] = std::numeric_limits<double>::infinity();
  try {
    mdc_chart(bad, {});
    CHECK(false);
  } catch (const input_error& e) {
    CHECK(e.argument() == "y");
    CHECK(e.index() == 3);
  }
  CHECK(mdc_chart(std::vector<double>{}, {}).periods.empty());
}

TEST_CASE("mdc: names for the command line and for NHSRplotthedots") {
  CHECK(to_string(special_cause::two_in_three_below) == "two_in_three_below");
  CHECK(to_string(point_type::neutral_low) == "neutral_low");
  CHECK(to_string(assurance_type::none).empty());
  CHECK(to_string(assurance_type::consistent_pass) == "consistent_pass");
  CHECK(to_string(improvement_direction::decrease) == "decrease");
  CHECK(ptd_label(special_cause::trend_increasing) == "7 Point Trend (Increasing)");
  CHECK(ptd_label(special_cause::shift_below) == "7 Points Below CL");
  CHECK(ptd_label(special_cause::none) == "Common Cause");
  CHECK(ptd_label(point_type::improvement) == "special_cause_improvement");
  for (int k = 0; k <= static_cast<int>(special_cause::shift_below); ++k) {
    const auto c = static_cast<special_cause>(k);
    CHECK(parse_special_cause(to_string(c)) == c);
    CHECK(parse_ptd_special_cause(ptd_label(c)) == c);
  }
  for (int k = 0; k <= static_cast<int>(point_type::neutral_low); ++k) {
    const auto t = static_cast<point_type>(k);
    CHECK(parse_point_type(to_string(t)) == t);
    CHECK(parse_ptd_point_type(ptd_label(t)) == t);
  }
  CHECK(parse_assurance("") == assurance_type::none);
  CHECK(parse_assurance("inconsistent") == assurance_type::inconsistent);
  CHECK_FALSE(parse_improvement_direction("up").has_value());
}
