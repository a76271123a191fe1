// The special-cause rule sets on small hand-made series, each rule at its boundary: exactly N
// points and N - 1, a tie, a point on the centre line, a missing value, a trend crossing the
// centre line. Most series use cl = 0 and limits +-3 (sigma = 1), so a value reads in sigmas.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "spc/rules.hpp"
#include "spc/runs.hpp"

using namespace spc;

namespace {

rules_result run(const std::vector<double>& y, rule_mask rules, rule_options o = {}) {
  o.rules = rules;
  const std::vector<double> cl(y.size(), 0.0), lcl(y.size(), -3.0), ucl(y.size(), 3.0);
  return apply_rules(y, cl, lcl, ucl, o);
}

rules_result run(const std::vector<double>& y, rule r, rule_options o = {}) {
  return run(y, rule_bit(r), o);
}

// The 1-based positions flagged by a rule, as "3 5 6" (easy to read in a failure).
std::string flagged(const rules_result& res, rule r) {
  std::string s;
  for (std::size_t i = 0; i < res.size(); ++i)
    if (has_rule(res.fired[i], r)) s += (s.empty() ? "" : " ") + std::to_string(i + 1);
  return s;
}

std::vector<double> repeat(double v, int n) {
  return std::vector<double>(static_cast<std::size_t>(n), v);
}

std::vector<double> concat(std::initializer_list<std::vector<double>> parts) {
  std::vector<double> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace

TEST_CASE("rules: names, sets and parsing for the command line") {
  for (std::size_t k = 0; k < rule_count; ++k) {
    const auto r = static_cast<rule>(k);
    CHECK(parse_rule(to_string(r)) == r);
    CHECK_FALSE(describe(r).empty());
  }
  CHECK(to_string(rule::we2) == "we2");
  CHECK(to_string(rule::mdc_two_in_three) == "mdc_two_in_three");
  CHECK(to_string(rule::none) == "none");
  CHECK(parse_rule_set("ihi") == rule_set::ihi);
  CHECK(parse_rule_set("we") == rule_set::western_electric);
  CHECK(parse_rule_set("western_electric") == rule_set::western_electric);
  CHECK(parse_rule_set("3sigma") == rule_set::sigma3);
  CHECK_FALSE(parse_rule_set("iso").has_value());
  for (std::size_t k = 0; k < rule_set_count; ++k) {
    const auto s = static_cast<rule_set>(k);
    CHECK(parse_rule_set(to_string(s)) == s);
  }
  CHECK(parse_rules("ihi,we") == (rules_in(rule_set::ihi) | rules_in(rule_set::western_electric)));
  CHECK(parse_rules("mdc, nelson2") == (rules_in(rule_set::mdc) | rule_bit(rule::nelson2)));
  CHECK_FALSE(parse_rules("ihi,bogus").has_value());
  CHECK_FALSE(parse_rules("").has_value());
  CHECK(std::popcount(rules_in(rule_set::nelson)) == 8);
  CHECK(std::popcount(rules_in(rule_set::western_electric)) == 4);
  CHECK(std::popcount(rules_in(rule_set::mdc)) == 4);
  CHECK(std::popcount(rules_in(rule_set::ihi)) == 4);
  CHECK(parse_two_in_three_policy(to_string(two_in_three_policy::beyond_2sigma)) ==
        two_in_three_policy::beyond_2sigma);
}

TEST_CASE("rules: bad options throw input_error naming the option") {
  rule_options o;
  o.ihi.shift = 1;
  const std::vector<double> y = {1, 2, 3};
  try {
    run(y, rules_in(rule_set::ihi), o);
    CHECK(false);
  } catch (const input_error& e) {
    CHECK(e.argument() == "ihi.shift");
  }
  o = {};
  o.we.two_of_three = {4, 3};
  CHECK(find_problem(o).has_value());
  o.we.two_of_three = {2, max_window + 1};
  CHECK(find_problem(o).has_value());
  o = {};
  CHECK_FALSE(find_problem(o).has_value());
  const std::vector<double> cl(2, 0.0);
  CHECK_THROWS_AS(apply_rules(y, cl, {}, {}, o), input_error);  // sizes differ
}

TEST_CASE("rules: one point beyond the limits (3-sigma, WE 1, Nelson 1, MDC)") {
  const std::vector<double> y = {0, 3, 3.0001, -3, -3.5, na};
  for (rule r : {rule::sigma3, rule::we1, rule::nelson1, rule::mdc_beyond}) {
    CAPTURE(to_string(r));
    const auto res = run(y, r);
    CHECK(flagged(res, r) == "3 5");  // on a limit is inside
    CHECK(res.label[2] == r);
    CHECK(res.direction[2] == 1);
    CHECK(res.direction[4] == -1);
    CHECK(res.label[1] == rule::none);
    CHECK(res.parts[0].count(r) == 2);
    CHECK(res.parts[0].fired_rule(r));
  }
  // Per-point limits: the same value is out against a narrow limit and in against a wide one.
  const std::vector<double> v = {2, 2}, cl = {0, 0}, lcl = {-1, -3}, ucl = {1, 3};
  rule_options o;
  o.rules = rule_bit(rule::sigma3);
  const auto res = apply_rules(v, cl, lcl, ucl, o);
  CHECK(flagged(res, rule::sigma3) == "1");
  // A run chart has no limits: nothing beyond them.
  CHECK(apply_rules(v, cl, {}, {}, o).parts[0].fired == 0);
}

TEST_CASE("rules: IHI shift, 6 on one side of the median, points on it skipped") {
  const auto ihi = rule::ihi_shift;
  CHECK(flagged(run(concat({repeat(-1, 2), repeat(1, 5), repeat(-1, 2)}), ihi), ihi).empty());
  CHECK(flagged(run(concat({repeat(-1, 2), repeat(1, 6), repeat(-1, 2)}), ihi), ihi) ==
        "3 4 5 6 7 8");
  // A point on the median neither counts nor breaks, and is not flagged.
  auto res = run(concat({repeat(1, 3), {0}, repeat(1, 3)}), ihi);
  CHECK(flagged(res, ihi) == "1 2 3 5 6 7");
  CHECK(res.direction[0] == 1);
  res = run(concat({repeat(-1, 3), {0}, repeat(-1, 2)}), ihi);
  CHECK(flagged(res, ihi).empty());
  // Nor does a missing value.
  res = run(concat({repeat(-1, 3), {na}, repeat(-1, 3)}), ihi);
  CHECK(flagged(res, ihi) == "1 2 3 5 6 7");
  CHECK(res.direction[6] == -1);
  // Selectable length.
  rule_options o;
  o.ihi.shift = 5;
  CHECK(flagged(run(concat({repeat(1, 5), {-1}}), ihi, o), ihi) == "1 2 3 4 5");
}

TEST_CASE("rules: IHI trend, 5 points up or down, ties counted once") {
  const auto t = rule::ihi_trend;
  CHECK(flagged(run({0, 1, 2, 3, 2}, t), t).empty());  // 4 points
  auto res = run({0, 1, 2, 3, 4, 3}, t);
  CHECK(flagged(res, t) == "1 2 3 4 5");
  CHECK(res.direction[0] == 1);
  // A tie is counted once: 1, 2, 2, 3, 4 has 4 values only; one more makes 5, tie included.
  CHECK(flagged(run({1, 2, 2, 3, 4}, t), t).empty());
  CHECK(flagged(run({1, 2, 2, 3, 4, 5}, t), t) == "1 2 3 4 5 6");
  // A trend crossing the median counts (points on it too); a decreasing trend.
  res = run({2, 1, 0, -1, -2}, t);
  CHECK(flagged(res, t) == "1 2 3 4 5");
  CHECK(res.direction[2] == -1);
  // A tie after a reversal belongs to the new trend from its first equal value.
  CHECK(flagged(run({5, 4, 4, 5, 6, 7}, t), t).empty());
  CHECK(flagged(run({5, 4, 4, 5, 6, 7, 8}, t), t) == "2 3 4 5 6 7");
  // A missing value neither counts nor breaks.
  CHECK(flagged(run({0, 1, na, 2, 3, 4}, t), t) == "1 2 4 5 6");
  CHECK(flagged(run({0, 1, na, 2, 3}, t), t).empty());
  // Up then down sharing the top: the top takes the later trend's direction.
  res = run({0, 1, 2, 3, 4, 3, 2, 1, 0}, t);
  CHECK(flagged(res, t) == "1 2 3 4 5 6 7 8 9");
  CHECK(res.direction[3] == 1);
  CHECK(res.direction[4] == -1);
}

TEST_CASE("rules: IHI too few and too many runs") {
  CHECK_FALSE(ihi_runs_table(9).has_value());
  CHECK(ihi_runs_table(10)->lower == 3);
  CHECK(ihi_runs_table(10)->upper == 9);
  CHECK(ihi_runs_table(20)->lower == 6);
  CHECK(ihi_runs_table(20)->upper == 16);
  CHECK(ihi_runs_table(40)->lower == 15);
  CHECK(ihi_runs_table(40)->upper == 27);
  CHECK_FALSE(ihi_runs_table(41).has_value());

  const rule_mask ihi_runs = rule_bit(rule::ihi_few_runs) | rule_bit(rule::ihi_many_runs);
  // 10 useful points alternating: 10 runs > 9.
  std::vector<double> y;
  for (int i = 0; i < 10; ++i) y.push_back(i % 2 ? 1 : -1);
  auto res = run(y, ihi_runs);
  CHECK(res.parts[0].ihi_useful == 10);
  CHECK(res.parts[0].ihi_runs == 10);
  CHECK(res.parts[0].ihi_runs_from_table);
  CHECK(res.parts[0].fired == rule_bit(rule::ihi_many_runs));
  CHECK(res.parts[0].count(rule::ihi_many_runs) == 0);  // a series-level rule flags no point
  CHECK(res.label[0] == rule::none);
  // 9 runs: no signal. Points on the median are removed first.
  y[9] = -1;
  res = run(y, ihi_runs);
  CHECK(res.parts[0].ihi_runs == 9);
  CHECK(res.parts[0].fired == 0);
  y.push_back(0);
  y.push_back(na);
  CHECK(run(y, ihi_runs).parts[0].ihi_useful == 10);
  // 2 runs < 3 (5 and 5); 3 runs is enough.
  res = run(concat({repeat(1, 5), repeat(-1, 5)}), ihi_runs);
  CHECK(res.parts[0].ihi_runs == 2);
  CHECK(res.parts[0].fired == rule_bit(rule::ihi_few_runs));
  res = run(concat({repeat(1, 4), repeat(-1, 4), repeat(1, 2)}), ihi_runs);
  CHECK(res.parts[0].fired == 0);
  // Fewer than 10 useful points: no bounds, no signal.
  res = run({1, -1, 1, -1, 1, -1, 1, -1, 1}, ihi_runs);
  CHECK(std::isnan(res.parts[0].ihi_runs_lower));
  CHECK(res.parts[0].fired == 0);
  // Beyond the table: mu = 1 + 2ab/n, sigma^2 = 2ab(2ab - n)/(n^2 (n - 1)), mu +- 1.96 sigma.
  y.clear();
  for (int i = 0; i < 50; ++i) y.push_back(i % 2 ? 1 : -1);
  res = run(y, ihi_runs);
  const double mu = 1 + 2.0 * 25 * 25 / 50, sd = std::sqrt(1250.0 * 1200 / (2500.0 * 49));
  CHECK_FALSE(res.parts[0].ihi_runs_from_table);
  CHECK(res.parts[0].ihi_runs_lower == doctest::Approx(mu - 1.96 * sd));
  CHECK(res.parts[0].ihi_runs_upper == doctest::Approx(mu + 1.96 * sd));
  CHECK(res.parts[0].fired == rule_bit(rule::ihi_many_runs));
}

TEST_CASE("rules: Western Electric 2 and Nelson 5, 2 of 3 beyond 2 sigma on the same side") {
  for (rule r : {rule::we2, rule::nelson5}) {
    CAPTURE(to_string(r));
    auto res = run({0, 0, 2.5, 0, 2.5}, r);
    CHECK(flagged(res, r) == "3 5");  // the middle point is not flagged
    CHECK(res.direction[2] == 1);
    CHECK(flagged(run({2.5, 0, 0, 2.5}, r), r).empty());     // 2 of 4
    CHECK(flagged(run({2, 2, 0}, r), r).empty());            // exactly 2 sigma is not beyond
    CHECK(flagged(run({2.5, -2.5, 2.5}, r), r) == "1 3");    // the third point may be anywhere
    CHECK(flagged(run({2.5, -2.5, 0}, r), r).empty());       // opposite sides
    CHECK(flagged(run({-3.5, -2.5, 0}, r), r) == "1 2");     // beyond the limits counts
    CHECK(flagged(run({2.5, na, 0, 2.5}, r), r) == "1 4");   // a gap closes up
  }
}

TEST_CASE("rules: Western Electric 3 and Nelson 6, 4 of 5 beyond 1 sigma on the same side") {
  for (rule r : {rule::we3, rule::nelson6}) {
    CAPTURE(to_string(r));
    CHECK(flagged(run({1.5, 1.5, 0, 1.5, 1.5}, r), r) == "1 2 4 5");
    CHECK(flagged(run({1.5, 1.5, 0, 0, 1.5, 1.5}, r), r).empty());  // 3 of 5 at most
    CHECK(flagged(run({1, 1.5, 1.5, 1.5, 0}, r), r).empty());       // 1 sigma exactly
    CHECK(flagged(run({1.01, 1.5, 1.5, 1.5, 0}, r), r) == "1 2 3 4");
    const auto res = run({-1.5, -2.5, -3.5, -1.2, 5}, r);
    CHECK(flagged(res, r) == "1 2 3 4");
    CHECK(res.direction[0] == -1);
  }
}

TEST_CASE("rules: Western Electric 4 and Nelson 2, a run on one side; the centre line breaks it") {
  CHECK(flagged(run(repeat(0.5, 7), rule::we4), rule::we4).empty());
  CHECK(flagged(run(repeat(0.5, 8), rule::we4), rule::we4) == "1 2 3 4 5 6 7 8");
  CHECK(flagged(run(concat({repeat(-0.5, 4), {0}, repeat(-0.5, 4)}), rule::we4), rule::we4)
            .empty());
  CHECK(flagged(run(concat({repeat(-0.5, 4), {na}, repeat(-0.5, 4)}), rule::we4), rule::we4) ==
        "1 2 3 4 6 7 8 9");
  CHECK(flagged(run(repeat(-0.5, 8), rule::nelson2), rule::nelson2).empty());
  const auto res = run(concat({{1}, repeat(-0.5, 9)}), rule::nelson2);
  CHECK(flagged(res, rule::nelson2) == "2 3 4 5 6 7 8 9 10");
  CHECK(res.direction[9] == -1);
}

TEST_CASE("rules: Nelson 3, 6 points steadily up or down; a tie breaks") {
  const auto n3 = rule::nelson3;
  CHECK(flagged(run({0, 0.1, 0.2, 0.3, 0.4}, n3), n3).empty());
  CHECK(flagged(run({0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.1}, n3), n3) == "1 2 3 4 5 6");
  CHECK(flagged(run({1, 1.1, 1.2, 1.2, 1.3, 1.4, 1.5}, n3), n3).empty());
  // Crossing the centre line.
  const auto res = run({2.5, 1.5, 0.5, -0.5, -1.5, -2.5}, n3);
  CHECK(flagged(res, n3) == "1 2 3 4 5 6");
  CHECK(res.direction[5] == -1);
  // The MDC trend is the same test with 7 points.
  CHECK(flagged(run({0, 0.1, 0.2, 0.3, 0.4, 0.5}, rule::mdc_trend), rule::mdc_trend).empty());
  CHECK(flagged(run({0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, rule::mdc_trend), rule::mdc_trend) ==
        "1 2 3 4 5 6 7");
  rule_options o;
  o.mdc.trend = 6;
  CHECK(flagged(run({0, 0.1, 0.2, 0.3, 0.4, 0.5}, rule::mdc_trend, o), rule::mdc_trend) ==
        "1 2 3 4 5 6");
}

TEST_CASE("rules: Nelson 4, 14 points alternating up and down") {
  std::vector<double> y;
  for (int i = 0; i < 14; ++i) y.push_back(i % 2 ? 0.5 : -0.5);
  auto res = run(y, rule::nelson4);
  CHECK(res.parts[0].count(rule::nelson4) == 14);
  CHECK(res.direction[0] == 0);
  y.pop_back();
  CHECK(flagged(run(y, rule::nelson4), rule::nelson4).empty());
  // A tie breaks the alternation.
  y.push_back(0.5);
  y[6] = y[5];
  CHECK(flagged(run(y, rule::nelson4), rule::nelson4).empty());
}

TEST_CASE("rules: Nelson 7, 15 points within 1 sigma; Nelson 8, 8 beyond 1 sigma either side") {
  // 15 within 1 sigma, on the centre line and at exactly 1 sigma included.
  std::vector<double> y = {0, 1, -1, 0.5, -0.5, 0, 0.2, -0.2, 0.9, -0.9, 0.1, -0.1, 0.3, -0.3, 0};
  CHECK(run(y, rule::nelson7).parts[0].count(rule::nelson7) == 15);
  y[7] = 1.01;
  CHECK(flagged(run(y, rule::nelson7), rule::nelson7).empty());
  y.pop_back();
  y[7] = 0;
  CHECK(flagged(run(y, rule::nelson7), rule::nelson7).empty());

  y = {1.5, -1.5, 2.5, -1.1, 1.1, -3.5, 1.5, -1.5};
  auto res = run(y, rule::nelson8);
  CHECK(flagged(res, rule::nelson8) == "1 2 3 4 5 6 7 8");
  CHECK(res.direction[0] == 0);
  y[3] = -1;  // exactly 1 sigma is within
  CHECK(flagged(run(y, rule::nelson8), rule::nelson8).empty());
  y[3] = -1.1;
  y.pop_back();
  CHECK(flagged(run(y, rule::nelson8), rule::nelson8).empty());
}

TEST_CASE("rules: MDC two-in-three and shift in the generic engine") {
  const auto r = rule::mdc_two_in_three;
  // Band only (2..3 sigma, not beyond the limits); all three on one side of the mean.
  CHECK(flagged(run({2.5, 0.5, 2.5}, r), r) == "1 3");
  CHECK(flagged(run({2.5, -0.5, 2.5}, r), r).empty());
  CHECK(flagged(run({2.5, 0, 2.5}, r), r).empty());  // on the mean is no side
  CHECK(flagged(run({3.5, 0.5, 2.5}, r), r).empty());
  rule_options o;
  o.mdc.two_in_three = two_in_three_policy::beyond_2sigma;
  CHECK(flagged(run({3.5, 0.5, 2.5}, r, o), r) == "1 3");
  // Shift: 7 on one side; the mean breaks it; 6 selectable.
  CHECK(flagged(run(repeat(-0.5, 6), rule::mdc_shift), rule::mdc_shift).empty());
  CHECK(flagged(run(repeat(-0.5, 7), rule::mdc_shift), rule::mdc_shift) == "1 2 3 4 5 6 7");
  CHECK(flagged(run(concat({repeat(1, 3), {0}, repeat(1, 4)}), rule::mdc_shift),
                rule::mdc_shift)
            .empty());
  o.mdc.shift = 6;
  CHECK(flagged(run(repeat(-0.5, 6), rule::mdc_shift, o), rule::mdc_shift) == "1 2 3 4 5 6");
}

TEST_CASE("rules: Anhøj, a run longer than Lmax and too few crossings") {
  // 12 useful points: Lmax = round(log2 12) + 3 = 7, Cmin = 3.
  REQUIRE(longest_run_limit(12) == 7);
  REQUIRE(crossings_limit(12) == 3);
  const rule_mask anhoej = rules_in(rule_set::anhoej);
  auto res = run(concat({repeat(1, 8), {-1, 1, -1, 1}}), anhoej);
  CHECK(flagged(res, rule::anhoej_run) == "1 2 3 4 5 6 7 8");
  CHECK(res.parts[0].longest_run == 8);
  CHECK(res.parts[0].longest_run_max == 7);
  CHECK(res.parts[0].crossings == 4);
  CHECK_FALSE(res.parts[0].fired_rule(rule::anhoej_crossings));
  res = run(concat({repeat(1, 7), {-1, 1, -1, 1, -1}}), anhoej);
  CHECK(flagged(res, rule::anhoej_run).empty());
  // 2 crossings < 3; points on the centre line are skipped.
  res = run(concat({repeat(1, 4), {0}, repeat(-1, 4), repeat(1, 4)}), anhoej);
  CHECK(res.parts[0].anhoej_useful == 12);
  CHECK(res.parts[0].crossings == 2);
  CHECK(res.parts[0].fired == rule_bit(rule::anhoej_crossings));
}

TEST_CASE("rules: the label follows the precedence; every rule is still reported") {
  rule_options o;
  const rule_mask we = rules_in(rule_set::western_electric);
  auto res = run({0, 0, 2.5, 0, 3.5}, we);
  CHECK(res.label[4] == rule::we1);
  CHECK(has_rule(res.fired[4], rule::we2));
  CHECK(res.label[2] == rule::we2);
  // A trend inside a shift: the trend wins (MDC order).
  const rule_mask mdc = rules_in(rule_set::mdc);
  res = run({0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7}, mdc);
  CHECK(res.label[0] == rule::mdc_trend);
  CHECK(has_rule(res.fired[0], rule::mdc_shift));
  CHECK(res.parts[0].fired == (rule_bit(rule::mdc_trend) | rule_bit(rule::mdc_shift)));
  CHECK(res.fired_anywhere() == res.parts[0].fired);
  // Several sets at once.
  res = run(repeat(0.5, 9), *parse_rules("we,nelson"));
  CHECK(res.label[0] == rule::we4);
  CHECK(has_rule(res.fired[0], rule::nelson2));
  CHECK(res.parts[0].count(rule::we4) == 9);
  CHECK(res.parts[0].count(rule::nelson2) == 9);
}

TEST_CASE("rules: a missing centre line or sigma makes a gap for the rules that need it") {
  const std::vector<double> y = {2.5, 2.5, 2.5, 0.5, 0.5, 0.5, 0.5, 0.5};
  const std::vector<double> cl = {0, na, 0, 0, 0, 0, 0, 0};
  const std::vector<double> ucl = {3, 3, na, 3, 3, 3, 3, 3};
  const std::vector<double> lcl = {-3, -3, na, -3, -3, -3, -3, -3};
  rule_options o;
  o.rules = rule_bit(rule::we2) | rule_bit(rule::we4) | rule_bit(rule::nelson3);
  auto res = apply_rules(y, cl, lcl, ucl, o);
  // WE 2 sees points 1, 4, 5 (2 has no centre line, 3 no sigma): no two of three.
  CHECK(flagged(res, rule::we2).empty());
  // WE 4 sees every point but the second: 7 above, one short of 8.
  CHECK(flagged(res, rule::we4).empty());
  std::vector<double> y2 = y;
  y2.push_back(0.5);
  std::vector<double> cl2 = cl, lcl2 = lcl, ucl2 = ucl;
  cl2.push_back(0);
  lcl2.push_back(-3);
  ucl2.push_back(3);
  res = apply_rules(y2, cl2, lcl2, ucl2, o);
  CHECK(flagged(res, rule::we4) == "1 3 4 5 6 7 8 9");
}

TEST_CASE("rules: on a chart, each part separately; excluded points only beyond the limits") {
  chart_result c;
  c.chart = chart_type::i;
  c.y = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 5, 1};
  const std::size_t n = c.y.size();
  c.cl.assign(n, 0.0);
  c.lcl.assign(n, -3.0);
  c.ucl.assign(n, 3.0);
  c.include.assign(n, 1);
  c.include[3] = 0;
  c.include[10] = 0;
  part_summary p1, p2;
  p1.part = 1;
  p1.first = 0;
  p1.last = 5;
  p2.part = 2;
  p2.first = 6;
  p2.last = 11;
  c.parts = {p1, p2};
  rule_options o;
  o.rules = rule_bit(rule::sigma3) | rule_bit(rule::ihi_shift);
  auto res = apply_rules(c, o);
  REQUIRE(res.parts.size() == 2);
  // Part 1 has 5 included points above, part 2 has 5: no run of 6 crosses the parts.
  CHECK(flagged(res, rule::ihi_shift).empty());
  CHECK(flagged(res, rule::sigma3) == "11");  // excluded, still tested against the limits
  CHECK(res.parts[1].fired == rule_bit(rule::sigma3));
  // One part: the run is 10 long (the excluded point neither counts nor breaks it).
  c.parts = {};
  res = apply_rules(c, o);
  REQUIRE(res.parts.size() == 1);
  CHECK(flagged(res, rule::ihi_shift) == "1 2 3 5 6 7 8 9 10 12");
}

TEST_CASE("rules: the workspace API writes caller columns") {
  const std::vector<double> y = {0, 3.5, 0, -3.5}, cl(4, 0.0), lcl(4, -3.0), ucl(4, 3.0);
  rule_options o;
  std::vector<rule> label(4);
  rules_workspace ws;
  const auto s = apply_rules_into(y, cl, lcl, ucl, o, rule_columns{{}, label, {}}, ws);
  CHECK(s.count(rule::sigma3) == 2);
  CHECK(label[1] == rule::sigma3);
  CHECK(label[0] == rule::none);
  CHECK(s.n_points == 4);
  CHECK(s.evaluated == rule_bit(rule::sigma3));
}
