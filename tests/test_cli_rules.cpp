// `spc chart --rules` and the Making Data Count mode, run as a separate process: every case of the
// golden mdc suite (NHSRplotthedots 0.2.2) through `spc chart --chart i --rules mdc`, the IHI,
// Western Electric and Nelson rules on a hand-made I chart, the Anhøj rules on a P chart, other
// rule sets next to the MDC mode, the summaries, help, and bad options (exit status 2 and a
// message naming the option).
#include <doctest/doctest.h>

#ifdef SPC_CLI_PATH

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli_support.hpp"
#include "golden.hpp"
#include "spc/mdc.hpp"
#include "spc/rules.hpp"

using namespace spc;
namespace fs = std::filesystem;

namespace {

using namespace spc::test;

// A CSV written by the tool, read back as text cells by column name.
struct table {
  io::csv_table t;
  explicit table(const fs::path& p) : t(io::read_csv(p.string())) {}
  std::size_t rows() const { return t.rows; }
  bool has(const std::string& c) const {
    return std::find(t.header.begin(), t.header.end(), c) != t.header.end();
  }
  const std::vector<std::string>& col(const std::string& c) const { return t.cells[t.column(c)]; }
  std::vector<double> num(const std::string& c) const { return t.numbers(c); }
  // A true/false column as booleans (every cell must be one of the two).
  std::vector<bool> flags(const std::string& c) const {
    std::vector<bool> out;
    for (const auto& cell : col(c)) {
      CHECK_MESSAGE((cell == "true" || cell == "false"), c << " cell '" << cell << "'");
      out.push_back(cell == "true");
    }
    return out;
  }
};

// The columns after `first` in a header.
std::vector<std::string> columns_after(const table& t, const std::string& first) {
  const auto it = std::find(t.t.header.begin(), t.t.header.end(), first);
  REQUIRE(it != t.t.header.end());
  return {it + 1, t.t.header.end()};
}


// ---------------------------------------------------------------------------------------------
// The golden mdc suite, as text (the inputs go to the tool as written in the files)
// ---------------------------------------------------------------------------------------------

struct mdc_case {
  int id = 0;
  std::string direction, fix_after, rebase, target, variation, assurance;
  bool screen = true;
  std::vector<std::string> value;
  std::vector<double> mean, lpl, upl;
  std::vector<int> group;
  std::vector<std::string> cause, type;
};

const std::vector<mdc_case>& mdc_cases() {
  static const std::vector<mdc_case> cases = [] {
    const io::csv_table c = io::read_csv(test::data_path("golden/mdc/mdc_cases.csv"));
    const io::csv_table p = io::read_csv(test::data_path("golden/mdc/mdc_points.csv"));
    std::vector<mdc_case> out;
    std::map<int, std::size_t> index;
    const auto ids = c.numbers("id");
    for (std::size_t k = 0; k < c.rows; ++k) {
      mdc_case g;
      g.id = static_cast<int>(ids[k]);
      g.direction = c.cells[c.column("improvement_direction")][k];
      g.fix_after = c.cells[c.column("fix_after_n_points")][k];
      g.rebase = c.cells[c.column("rebase")][k];
      std::replace(g.rebase.begin(), g.rebase.end(), ';', ',');
      g.screen = test::truth(c.cells[c.column("screen_outliers")][k]);
      g.target = c.cells[c.column("target")][k];
      g.variation = c.cells[c.column("variation")][k];
      g.assurance = c.cells[c.column("assurance")][k];
      index[g.id] = out.size();
      out.push_back(std::move(g));
    }
    const auto pid = p.numbers("id"), group = p.numbers("rebase_group"), mean = p.numbers("mean"),
               lpl = p.numbers("lpl"), upl = p.numbers("upl");
    for (std::size_t k = 0; k < p.rows; ++k) {
      mdc_case& g = out[index.at(static_cast<int>(pid[k]))];
      g.value.push_back(p.cells[p.column("value")][k]);
      g.mean.push_back(mean[k]);
      g.lpl.push_back(lpl[k]);
      g.upl.push_back(upl[k]);
      g.group.push_back(static_cast<int>(group[k]));
      g.cause.push_back(p.cells[p.column("special_cause_type")][k]);
      g.type.push_back(p.cells[p.column("point_type")][k]);
    }
    return out;
  }();
  return cases;
}

// The options of a golden case on the command line. Screening is on by default; half of the
// screened cases say so with --screen.
std::string mdc_options_of(const mdc_case& g) {
  std::string s = "--chart i --rules mdc --improvement " + g.direction;
  if (!g.target.empty()) s += " --target " + g.target;
  if (!g.rebase.empty()) s += " --rebase " + g.rebase;
  if (!g.fix_after.empty()) s += " --fix-after " + g.fix_after;
  if (!g.screen)
    s += " --no-screen";
  else if (g.id % 2 == 0)
    s += " --screen";
  return s;
}

fs::path mdc_input(const mdc_case& g) {
  std::string text = "week,value\n";
  for (std::size_t k = 0; k < g.value.size(); ++k)
    text += fmt::format("w{},{}\n", k + 1, g.value[k]);
  return write_text("mdc_in", text);
}

const std::vector<std::string> mdc_point_columns{"i",   "x",   "period", "baseline",
                                                 "y",   "cl",  "lcl",    "ucl",
                                                 "special_cause", "point_type"};

const std::vector<std::string> mdc_summary_columns{
    "period",       "first",       "last",         "x_first",     "x_last",
    "n_points",     "n_missing",   "cl",           "lcl",         "ucl",
    "amr",          "improvement", "concern",      "neutral_high", "neutral_low",
    "common_cause", "variation",   "target",       "assurance",   "trial_limits",
    "rule_points",  "rules_fired", "mdc_beyond",   "mdc_trend",   "mdc_two_in_three",
    "mdc_shift"};

// The plain words of the human summary for a variation (PTD vocabulary) and an assurance.
std::string variation_words(const std::string& ptd) {
  switch (*parse_ptd_point_type(ptd)) {
    case point_type::common_cause: return "common cause variation";
    case point_type::improvement: return "special cause variation \u2014 improvement";
    case point_type::concern: return "special cause variation \u2014 concern";
    case point_type::neutral_high: return "special cause variation \u2014 neutral, high";
    case point_type::neutral_low: return "special cause variation \u2014 neutral, low";
  }
  return "?";
}

std::string assurance_words(const std::string& assurance) {
  if (assurance == "consistent_pass") return ": consistently passes";
  if (assurance == "consistent_fail") return ": consistently fails";
  if (assurance == "inconsistent") return ": inconsistent";
  return "no assurance";
}

// One golden case through the tool: points, summary and the words on standard output. Returns the
// number of mismatches.
int check_mdc_case(const mdc_case& g) {
  const fs::path in = mdc_input(g), out = scratch_file("mdc_out"), sum = scratch_file("mdc_sum");
  const std::string args = "chart " + mdc_options_of(g) + " --input " + quote(in) +
                           " --x week --y value --output " + quote(out) + " --summary " + quote(sum);
  const cli_result r = spc_cli(args);
  INFO("golden mdc case " << g.id << ": spc " << args);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  int bad = 0;
  const auto report = [&](std::size_t i, const char* column, const std::string& got,
                          const std::string& want) {
    ++bad;
    MESSAGE("case " << g.id << " point " << i + 1 << " " << column << ": got " << got
                    << ", expected " << want);
  };

  const table p(out);
  // The columns: the MDC columns, one per MDC rule that fired, then the label.
  REQUIRE(p.t.header.size() >= mdc_point_columns.size() + 1);
  CHECK(std::vector<std::string>(p.t.header.begin(), p.t.header.begin() + 10) == mdc_point_columns);
  CHECK(p.t.header.back() == "rule");
  for (const auto& c : columns_after(p, "point_type"))
    if (c != "rule") CHECK_MESSAGE((rules_in(rule_set::mdc) & rule_bit(*parse_rule(c))) != 0, c);
  REQUIRE(p.rows() == g.value.size());
  const auto i = p.num("i"), period = p.num("period"), y = p.num("y"), cl = p.num("cl"),
             lcl = p.num("lcl"), ucl = p.num("ucl");
  for (std::size_t k = 0; k < p.rows(); ++k) {
    if (i[k] != static_cast<double>(k + 1)) report(k, "i", p.col("i")[k], std::to_string(k + 1));
    if (p.col("x")[k] != fmt::format("w{}", k + 1)) report(k, "x", p.col("x")[k], "w");
    if (period[k] != g.group[k] + 1)
      report(k, "period", p.col("period")[k], std::to_string(g.group[k] + 1));
    if (!test::close(y[k], std::stod(g.value[k]))) report(k, "y", p.col("y")[k], g.value[k]);
    if (!test::close(cl[k], g.mean[k])) report(k, "cl", p.col("cl")[k], fmt::format("{}", g.mean[k]));
    if (!test::close(lcl[k], g.lpl[k])) report(k, "lcl", p.col("lcl")[k], fmt::format("{}", g.lpl[k]));
    if (!test::close(ucl[k], g.upl[k])) report(k, "ucl", p.col("ucl")[k], fmt::format("{}", g.upl[k]));
    const auto cause = parse_special_cause(p.col("special_cause")[k]);
    if (!cause || cause != parse_ptd_special_cause(g.cause[k]))
      report(k, "special_cause", p.col("special_cause")[k], g.cause[k]);
    const auto type = parse_point_type(p.col("point_type")[k]);
    if (!type || type != parse_ptd_point_type(g.type[k]))
      report(k, "point_type", p.col("point_type")[k], g.type[k]);
    // The label is the MDC rule behind the special cause.
    const std::string& label = p.col("rule")[k];
    const bool none = cause == special_cause::none;
    if (none != (label == "none")) report(k, "rule", label, p.col("special_cause")[k]);
  }

  const table s(sum);
  CHECK(s.t.header == mdc_summary_columns);
  const int periods = *std::max_element(g.group.begin(), g.group.end()) + 1;
  REQUIRE(s.rows() == static_cast<std::size_t>(periods));
  const auto n_points = s.num("n_points"), first = s.num("first"), last = s.num("last");
  double total = 0;
  for (std::size_t k = 0; k < s.rows(); ++k) {
    total += n_points[k];
    CHECK(last[k] - first[k] + 1 == n_points[k]);
    const auto at = static_cast<std::size_t>(first[k]) - 1;
    CHECK(test::close(s.num("cl")[k], g.mean[at]));
    CHECK(test::close(s.num("lcl")[k], g.lpl[at]));
    CHECK(test::close(s.num("ucl")[k], g.upl[at]));
    // Trial limits below 13 points (the golden series have no missing values).
    CHECK((s.col("trial_limits")[k] == "true") == (n_points[k] < 13));
  }
  CHECK(total == static_cast<double>(g.value.size()));
  const std::size_t last_row = s.rows() - 1;
  const std::string want_variation(to_string(*parse_ptd_point_type(g.variation)));
  if (s.col("variation")[last_row] != want_variation)
    report(g.value.size() - 1, "variation", s.col("variation")[last_row], want_variation);
  if (s.col("assurance")[last_row] != g.assurance)
    report(g.value.size() - 1, "assurance", s.col("assurance")[last_row], g.assurance);
  CHECK(s.col("target")[last_row].empty() == g.target.empty());

  // The human summary says the same in words.
  CHECK(contains(r.out, "Making Data Count"));
  CHECK_MESSAGE(contains(r.out, "): " + variation_words(g.variation) + "\n"), r.out);
  CHECK_MESSAGE(contains(r.out, assurance_words(g.assurance)), r.out);
  return bad;
}

// The hand-made I chart of the rule tests: a baseline of 10 points alternating 9, 11 (centre line
// 10, every moving range 2, sigma 2 / 1.128 = 1.773, limits 4.68 to 15.32 with --freeze 10), then
// point 11 at 20 (beyond 3 sigma), points 12-20 just above the centre line (with point 10, a run
// of 11 above), then points 21-26 steadily falling below it (with points 19 and 20, a trend of 8
// points down, and a run of 6 below). Nothing is beyond 2 sigma but point 11, at most 3 points in
// a row are beyond 1 sigma, no 14 points alternate, no 15 are within 1 sigma, and the 11 runs of
// 26 useful points are within the IHI table's 9 to 19.
const char* const hand_series =
    "y\n9\n11\n9\n11\n9\n11\n9\n11\n9\n11\n"
    "20\n10.6\n10.7\n10.5\n10.6\n10.7\n10.5\n10.6\n10.7\n10.5\n"
    "9.5\n9\n8.5\n8\n7.5\n7\n";

// Points (1-based) from..to.
std::set<std::size_t> span_of(std::size_t from, std::size_t to) {
  std::set<std::size_t> s;
  for (std::size_t k = from; k <= to; ++k) s.insert(k);
  return s;
}

std::set<std::size_t> flagged(const table& t, const std::string& column) {
  std::set<std::size_t> s;
  const auto f = t.flags(column);
  for (std::size_t k = 0; k < f.size(); ++k)
    if (f[k]) s.insert(k + 1);
  return s;
}

}  // namespace

TEST_CASE("cli rules: every golden mdc case (NHSRplotthedots 0.2.2) through --chart i --rules mdc") {
  const auto& cases = mdc_cases();
  REQUIRE(cases.size() == 80);
  int agree = 0;
  for (const auto& g : cases) agree += check_mdc_case(g) == 0;
  MESSAGE(agree << " of " << cases.size() << " golden mdc cases agree through the command line");
  CHECK(agree == static_cast<int>(cases.size()));
}

TEST_CASE("cli rules: the MDC mode's human summary states variation and assurance in words") {
  // Case 1: increase, target 126.6 above the last period's upper limit: consistently fails.
  const auto& g = mdc_cases().front();
  REQUIRE(g.id == 1);
  REQUIRE(g.assurance == "consistent_fail");
  const fs::path out = scratch_file("words_out");
  const cli_result r = spc_cli("chart " + mdc_options_of(g) + " --input " + quote(mdc_input(g)) +
                               " --x week --y value --output " + quote(out));
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "Period 1: points 1-13 (w1 to w13)"));
  CHECK(contains(r.out, "Period 2: points 14-45 (w14 to w45)"));
  CHECK(contains(r.out, "Variation (the last point, 45 (w45)): common cause variation"));
  CHECK(contains(r.out,
                 "Assurance (the last period): the target 126.6 lies above the upper process "
                 "limit: consistently fails"));

  // Lower is better, a high target: consistently passes; the last point is above the limit (the
  // mean is 12.07, the screened mean moving range 14 / 12, the limits 8.97 to 15.18).
  const fs::path in = write_text("words_in", "y\n10\n11\n10\n12\n11\n10\n11\n12\n10\n11\n10\n11\n10\n30\n");
  const cli_result d = spc_cli("chart --chart i --rules mdc --improvement decrease --target 20 --y y --input " +
                               quote(in) + " --output " + quote(scratch_file("words_out")));
  INFO(d.out << d.err);
  REQUIRE(d.status == 0);
  CHECK(contains(d.out, "special cause variation \u2014 concern"));
  CHECK(contains(d.out, "the target 20 lies above the upper process limit: consistently passes"));
  CHECK(contains(d.out, "concern at point 14"));
  CHECK(contains(d.out, "improvement at points 1, 2, 3"));  // 13 points below the mean
  const cli_result t = spc_cli("chart --chart i --rules mdc --improvement decrease --target 5 --rebase 8 --y y --input " +
                               quote(in) + " --output " + quote(scratch_file("words_out")));
  REQUIRE(t.status == 0);
  CHECK(contains(t.out, "trial limits (fewer than 13 points)"));
  CHECK(contains(t.out, "the target 5 lies below the lower process limit: consistently fails"));
  const cli_result n = spc_cli("chart --chart i --rules mdc --improvement neutral --y y --input " +
                               quote(in) + " --output " + quote(scratch_file("words_out")));
  REQUIRE(n.status == 0);
  CHECK(contains(n.out, "special cause variation \u2014 neutral, high"));
  CHECK(contains(n.out, "no target given"));
}

TEST_CASE("cli rules: MDC options (fix-after, rebase, rule lengths, two-in-three variant)") {
  // 30 points: 12 alternating 9, 11, then 18 alternating 12, 13: with --fix-after 12 the mean
  // (10) and limits (10 +- 2.66 x 2) come from the first 12 points, and the step is a shift (7
  // points or more above the mean), inside the limits and the two-sigma band (13.55).
  std::string text = "y\n";
  for (int k = 0; k < 12; ++k) text += k % 2 ? "11\n" : "9\n";
  for (int k = 0; k < 18; ++k) text += k % 2 ? "13\n" : "12\n";
  const fs::path in = write_text("fix_in", text);
  const fs::path out = scratch_file("fix_out"), sum = scratch_file("fix_sum");
  const cli_result r = spc_cli("chart --chart i --rules mdc --improvement increase --fix-after 12 --y y --input " +
                               quote(in) + " --output " + quote(out) + " --summary " + quote(sum));
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  const table p(out);
  REQUIRE(p.rows() == 30);
  const auto baseline = p.flags("baseline");
  for (std::size_t k = 0; k < 30; ++k) CHECK(baseline[k] == (k < 12));
  CHECK(p.num("cl")[29] == doctest::Approx(10));
  CHECK(p.num("ucl")[29] == doctest::Approx(10 + 2.66 * 2));
  CHECK(p.col("special_cause")[12] == "shift_above");
  CHECK(p.col("point_type")[12] == "improvement");
  CHECK(p.col("special_cause")[29] == "shift_above");
  const table s(sum);
  REQUIRE(s.rows() == 1);
  CHECK(s.col("variation")[0] == "improvement");
  CHECK(s.num("improvement")[0] == 19);  // point 12 (11) starts the run above the mean
  CHECK(s.num("common_cause")[0] == 11);
  CHECK(s.col("assurance")[0].empty());
  CHECK(contains(r.out, "(from the first 12 points)"));

  // The same with --rebase 13: two periods, each with its own mean; no special cause.
  const fs::path out2 = scratch_file("rebase_out"), sum2 = scratch_file("rebase_sum");
  const cli_result r2 = spc_cli("chart --chart i --rules mdc --improvement increase --rebase 13 --y y --input " +
                                quote(in) + " --output " + quote(out2) + " --summary " + quote(sum2));
  REQUIRE(r2.status == 0);
  const table p2(out2), s2(sum2);
  CHECK(p2.num("period")[11] == 1);
  CHECK(p2.num("period")[12] == 2);
  CHECK(p2.num("cl")[0] == doctest::Approx(10));
  CHECK(p2.num("cl")[29] == doctest::Approx(12.5));
  REQUIRE(s2.rows() == 2);
  CHECK(s2.col("trial_limits")[0] == "true");
  CHECK(s2.col("trial_limits")[1] == "false");
  CHECK(s2.col("rules_fired")[1].empty());
  for (const auto& t : p2.col("point_type")) CHECK(t == "common_cause");

  // Shift and trend lengths: 6 points above the mean are a shift only with --shift-points 6.
  const fs::path six = write_text("six_in", "y\n10\n9\n10\n9\n10\n9\n10\n9\n12\n11\n12\n11\n12\n11\n9\n10\n9\n10\n");
  const auto cause_of_9 = [&](const std::string& extra) {
    const cli_result c = spc_cli("chart --chart i --rules mdc --improvement decrease " + extra + " --y y --input " + quote(six));
    INFO(c.err);
    REQUIRE(c.status == 0);
    const table t(write_text("six_out", c.out));
    return t.col("special_cause")[8];
  };
  CHECK(cause_of_9("") == "none");
  CHECK(cause_of_9("--shift-points 6") == "shift_above");
  CHECK(cause_of_9("--shift-points 7 --trend-points 6 --two-in-three beyond_2sigma") == "none");
}

TEST_CASE("cli rules: --rules ihi,we,nelson on a hand-made I chart") {
  const fs::path in = write_text("hand_in", hand_series);
  const fs::path out = scratch_file("hand_out"), sum = scratch_file("hand_sum");
  const cli_result r = spc_cli("chart --chart i --freeze 10 --rules ihi,we,nelson --y y --input " + quote(in) +
                               " --output " + quote(out) + " --summary " + quote(sum));
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  const table p(out);
  REQUIRE(p.rows() == 26);
  CHECK(p.num("cl")[0] == doctest::Approx(10));
  CHECK(p.num("ucl")[0] == doctest::Approx(10 + 3 * 2 / 1.128));
  // One column per rule that fired, in precedence order, then the label.
  CHECK(columns_after(p, "runs_signal") ==
        std::vector<std::string>{"we1", "nelson1", "ihi_trend", "nelson3", "ihi_shift", "we4",
                                 "nelson2", "rule"});
  CHECK(flagged(p, "we1") == std::set<std::size_t>{11});
  CHECK(flagged(p, "nelson1") == std::set<std::size_t>{11});
  CHECK(flagged(p, "ihi_trend") == span_of(19, 26));
  CHECK(flagged(p, "nelson3") == span_of(19, 26));
  CHECK(flagged(p, "ihi_shift") == span_of(10, 26));
  CHECK(flagged(p, "we4") == span_of(10, 20));
  CHECK(flagged(p, "nelson2") == span_of(10, 20));
  const auto& label = p.col("rule");
  for (std::size_t k = 1; k <= 26; ++k) {
    INFO("point " << k);
    const std::string want = k == 11              ? "we1"
                             : k >= 19            ? "ihi_trend"
                             : k >= 10            ? "ihi_shift"
                                                  : "none";
    CHECK(label[k - 1] == want);
  }

  // The summary: one row for the one part, the rules that fired, counts per rule evaluated, the
  // IHI runs (11 runs of 26 useful points; the table allows 9 to 19).
  const table s(sum);
  REQUIRE(s.rows() == 1);
  CHECK(s.col("rules_fired")[0] == "we1;nelson1;ihi_trend;nelson3;ihi_shift;we4;nelson2");
  CHECK(s.num("rule_points")[0] == 17);
  CHECK(s.num("we1")[0] == 1);
  CHECK(s.num("ihi_shift")[0] == 17);
  CHECK(s.num("we2")[0] == 0);
  CHECK(s.num("nelson7")[0] == 0);
  CHECK(s.col("ihi_few_runs")[0] == "false");
  CHECK(s.col("ihi_many_runs")[0] == "false");
  CHECK(s.num("ihi_useful")[0] == 26);
  CHECK(s.num("ihi_runs")[0] == 11);
  CHECK(s.num("ihi_runs_lower")[0] == 9);
  CHECK(s.num("ihi_runs_upper")[0] == 19);
  CHECK(!s.has("mdc_shift"));

  // In words.
  CHECK(contains(r.out, "rule we1: 1 point beyond 3 sigma; at point 11"));
  CHECK(contains(r.out, "rule ihi_trend"));

  // The points CSV is the plain chart's plus the rule columns.
  const cli_result plain = spc_cli("chart --chart i --freeze 10 --y y --input " + quote(in));
  const cli_result ruled = spc_cli("chart --chart i --freeze 10 --rules ihi,we,nelson --y y --input " + quote(in));
  REQUIRE(plain.status == 0);
  REQUIRE(ruled.status == 0);
  std::istringstream a(plain.out), b(ruled.out);
  std::string la, lb;
  while (std::getline(a, la) && std::getline(b, lb)) CHECK(lb.rfind(la + ",", 0) == 0);
}

TEST_CASE("cli rules: single rules and nothing fired") {
  const fs::path in = write_text("single_in", hand_series);
  const cli_result r = spc_cli("chart --chart i --freeze 10 --rules we2,nelson7 --y y --input " + quote(in));
  INFO(r.err);
  REQUIRE(r.status == 0);
  const table p(write_text("single_out", r.out));
  CHECK(columns_after(p, "runs_signal") == std::vector<std::string>{"rule"});
  for (const auto& l : p.col("rule")) CHECK(l == "none");
}

TEST_CASE("cli rules: --rules anhoej on a P chart agrees with the runs analysis") {
  // 12 proportions around 0.05 (4 and 6 of 100), then 12 around 0.25: one chart has a shift
  // (runs of 12 > 8, 1 crossing < 8); split after 12, neither part has one.
  std::string text = "d,n\n";
  for (int k = 0; k < 24; ++k) text += fmt::format("{},100\n", (k < 12 ? 4 : 24) + 2 * (k % 2));
  const fs::path in = write_text("p_in", text);
  const fs::path out = scratch_file("p_out"), sum = scratch_file("p_sum");
  const cli_result r = spc_cli("chart --chart p --rules anhoej --y d --n n --input " + quote(in) +
                               " --output " + quote(out) + " --summary " + quote(sum));
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  const table p(out);
  REQUIRE(p.rows() == 24);
  CHECK(columns_after(p, "runs_signal") == std::vector<std::string>{"anhoej_run", "anhoej_crossings", "rule"});
  const auto run = p.flags("anhoej_run"), crossings = p.flags("anhoej_crossings"),
             runs_signal = p.flags("runs_signal");
  const auto longest = p.num("longest_run"), longest_max = p.num("longest_run_max"),
             nc = p.num("n_crossings"), nc_min = p.num("n_crossings_min");
  for (std::size_t k = 0; k < 24; ++k) {
    CHECK(run[k] == (longest[k] > longest_max[k]));  // every point is in a run of 12
    CHECK(crossings[k] == (nc[k] < nc_min[k]));      // a series-level rule: every point
    CHECK(runs_signal[k]);
    CHECK(p.col("rule")[k] == "anhoej_run");
  }
  const table s(sum);
  REQUIRE(s.rows() == 1);
  CHECK(s.col("rules_fired")[0] == "anhoej_run;anhoej_crossings");
  CHECK(s.num("anhoej_run")[0] == 24);
  CHECK(s.col("anhoej_crossings")[0] == "true");
  CHECK(s.col("runs_signal")[0] == "true");
  CHECK(s.num("longest_run")[0] == 12);
  CHECK(s.num("n_crossings")[0] == 1);
  CHECK(contains(r.out, "rule anhoej_run"));
  CHECK(contains(r.out, "rule anhoej_crossings: fewer crossings"));

  const fs::path out2 = scratch_file("p_out"), sum2 = scratch_file("p_sum");
  const cli_result r2 = spc_cli("chart --chart p --parts 12 --rules anhoej --y d --n n --input " + quote(in) +
                                " --output " + quote(out2) + " --summary " + quote(sum2));
  INFO(r2.out << r2.err);
  REQUIRE(r2.status == 0);
  const table p2(out2), s2(sum2);
  CHECK(columns_after(p2, "runs_signal") == std::vector<std::string>{"rule"});
  REQUIRE(s2.rows() == 2);
  for (std::size_t k = 0; k < 2; ++k) {
    CHECK(s2.col("rules_fired")[k].empty());
    CHECK(s2.num("rule_points")[k] == 0);
    CHECK(s2.col("runs_signal")[k] == "false");
  }
  CHECK(contains(r2.out, "rules (anhoej): none fired"));
}

TEST_CASE("cli rules: every rule set runs on every chart type") {
  const std::string input =
      quote(std::string(SPC_EXAMPLES_DATA) + "/cdi.csv");  // month, n (count), days
  const std::string all = "sigma3,anhoej,ihi,we,nelson,mdc";
  for (const char* chart : {"run", "i", "mr", "t", "c", "u", "up", "p", "pp", "g"}) {
    const std::string c = chart;
    std::string args = "chart --chart " + c + " --rules " + (c == "i" ? "sigma3,anhoej,ihi,we,nelson" : all) +
                       " --input " + input + " --x month";
    if (c == "p" || c == "pp" || c == "u" || c == "up")
      args += " --y n --n days";
    else
      args += " --y n";
    const fs::path sum = scratch_file("every_sum");
    const cli_result r = spc_cli(args + " --summary " + quote(sum));
    INFO("spc " << args);
    INFO(r.err);
    REQUIRE(r.status == 0);
    const table p(write_text("every_out", r.out));
    CHECK(p.rows() == 36);
    CHECK(p.t.header.back() == "rule");
    CHECK(table(sum).rows() == 1);
  }
  // Xbar and S charts from raw measurements: the monthly infection counts of six hospitals.
  for (const char* chart : {"xbar", "s"}) {
    const std::string args = std::string("chart --chart ") + chart + " --rules " + all + " --input " +
                             quote(std::string(SPC_EXAMPLES_DATA) + "/hospital_infections.csv") +
                             " --x month --y n";
    const cli_result r = spc_cli(args);
    INFO("spc " << args);
    INFO(r.err);
    REQUIRE(r.status == 0);
    const table p(write_text("every_out", r.out));
    CHECK(p.rows() == 24);
    CHECK(p.t.header.back() == "rule");
  }
  // The I chart of the same series with --parts: one summary row per part.
  const fs::path sum = scratch_file("every_sum");
  const cli_result r = spc_cli("chart --chart i --parts 24 --rules we --input " + input + " --y n --summary " + quote(sum));
  REQUIRE(r.status == 0);
  const table s(sum);
  REQUIRE(s.rows() == 2);
  CHECK(s.num("first")[1] == 25);
}

TEST_CASE("cli rules: other rule sets next to the MDC mode use the MDC chart's limits") {
  // The first golden case with a point outside the process limits.
  const mdc_case* chosen = nullptr;
  for (const auto& g : mdc_cases())
    if (std::find(g.cause.begin(), g.cause.end(), "Above UCL") != g.cause.end() ||
        std::find(g.cause.begin(), g.cause.end(), "Below LCL") != g.cause.end()) {
      chosen = &g;
      break;
    }
  REQUIRE(chosen != nullptr);
  const mdc_case& g = *chosen;
  std::string options = mdc_options_of(g);
  options.replace(options.find("--rules mdc"), 11, "--rules we,mdc");
  const fs::path out = scratch_file("mix_out"), sum = scratch_file("mix_sum");
  const cli_result r = spc_cli("chart " + options + " --input " + quote(mdc_input(g)) +
                               " --x week --y value --output " + quote(out) + " --summary " + quote(sum));
  INFO("case " << g.id << ": " << r.out << r.err);
  REQUIRE(r.status == 0);
  const table p(out);
  REQUIRE(p.rows() == g.value.size());
  const auto we1 = p.flags("we1"), beyond = p.flags("mdc_beyond");
  for (std::size_t k = 0; k < p.rows(); ++k) {
    INFO("point " << k + 1);
    // The MDC columns are unchanged by the other rules.
    CHECK(parse_special_cause(p.col("special_cause")[k]) == parse_ptd_special_cause(g.cause[k]));
    CHECK(test::close(p.num("ucl")[k], g.upl[k]));
    // WE 1 reads the same process limits; it comes first in the precedence.
    CHECK(we1[k] == beyond[k]);
    if (we1[k]) CHECK(p.col("rule")[k] == "we1");
  }
  const table s(sum);
  CHECK(s.has("we4"));
  CHECK(s.has("mdc_shift"));
  std::string fired;
  for (const auto& f : s.col("rules_fired")) fired += f + ";";
  CHECK(contains(fired, "mdc_beyond"));
  CHECK(contains(r.out, "rule we1: 1 point beyond 3 sigma; at"));
}

TEST_CASE("cli rules: help lists the new options") {
  const cli_result r = spc_cli("chart --help");
  REQUIRE(r.status == 0);
  for (const char* text : {"--rules", "--improvement", "--target", "--rebase", "--fix-after", "--screen",
                           "--no-screen", "--two-in-three", "--trend-points", "--shift-points", "--summary",
                           "band_only", "beyond_2sigma", "special_cause", "point_type", "neutral_high",
                           "trial_limits", "assurance", "nelson", "ihi", "Making Data Count"})
    CHECK_MESSAGE(contains(r.out, text), "chart --help should mention " << text);
}

TEST_CASE("cli rules: bad options name the option, exit status 2") {
  const fs::path in = write_text("bad_in", "y,n\n1,10\n2,10\n3,10\n4,10\n5,10\n4,10\n3,10\n2,10\n1,10\n2,10\n");
  const std::string base = "chart --input " + quote(in) + " --y y ";
  const std::string mdc = base + "--chart i --rules mdc --improvement increase ";
  SUBCASE("fix-after below 12") { expect_error(mdc + "--fix-after 5", 2, {"--fix-after", "12"}); }
  SUBCASE("fix-after 0") { expect_error(mdc + "--fix-after 0", 2, {"--fix-after"}); }
  SUBCASE("fix-after not a number") { expect_error(mdc + "--fix-after x", 2, {"--fix-after", "'x'"}); }
  SUBCASE("unknown rule set") { expect_error(base + "--chart i --rules we,foo", 2, {"--rules", "'foo'", "nelson"}); }
  SUBCASE("empty rule in the list") { expect_error(base + "--chart i --rules we,,ihi", 2, {"--rules"}); }
  SUBCASE("unknown improvement direction") {
    expect_error(base + "--chart i --rules mdc --improvement nonsense", 2, {"--improvement", "nonsense"});
  }
  SUBCASE("rebase beyond the series") { expect_error(mdc + "--rebase 4,40", 2, {"--rebase", "40"}); }
  SUBCASE("rebase not increasing") { expect_error(mdc + "--rebase 6,4", 2, {"--rebase"}); }
  SUBCASE("rebase 0") { expect_error(mdc + "--rebase 0", 2, {"--rebase"}); }
  SUBCASE("MDC mode without --improvement") { expect_error(base + "--chart i --rules mdc", 2, {"--improvement"}); }
  SUBCASE("--improvement without the MDC mode") {
    expect_error(base + "--chart i --improvement increase", 2, {"--improvement", "--rules mdc"});
  }
  SUBCASE("--target on a P chart") {
    expect_error(base + "--chart p --n n --rules mdc --target 3", 2, {"--target", "not --chart p"});
  }
  SUBCASE("--rebase without the MDC mode") { expect_error(base + "--chart i --rules we --rebase 4", 2, {"--rebase"}); }
  SUBCASE("--fix-after without the MDC mode") { expect_error(base + "--chart i --fix-after 12", 2, {"--fix-after"}); }
  SUBCASE("non-numeric target") { expect_error(mdc + "--target abc", 2, {"--target"}); }
  SUBCASE("--freeze in the MDC mode") { expect_error(mdc + "--freeze 5", 2, {"--freeze", "--fix-after"}); }
  SUBCASE("--parts in the MDC mode") { expect_error(mdc + "--parts 5", 2, {"--parts", "--rebase"}); }
  SUBCASE("--exclude in the MDC mode") { expect_error(mdc + "--exclude 5", 2, {"--exclude"}); }
  SUBCASE("--cl in the MDC mode") { expect_error(mdc + "--cl 3", 2, {"--cl"}); }
  SUBCASE("--method in the MDC mode") { expect_error(mdc + "--method bestbox", 2, {"--method"}); }
  SUBCASE("trend of 5 points") { expect_error(mdc + "--trend-points 5", 2, {"--trend-points"}); }
  SUBCASE("shift of 8 points") { expect_error(mdc + "--shift-points 8", 2, {"--shift-points"}); }
  SUBCASE("unknown two-in-three variant") { expect_error(mdc + "--two-in-three some", 2, {"--two-in-three"}); }
  SUBCASE("MDC rule parameters without MDC rules") {
    expect_error(base + "--chart i --rules we --trend-points 6", 2, {"--trend-points", "--rules mdc"});
  }
  SUBCASE("--screen and --no-screen") { expect_error(mdc + "--screen --no-screen", 2, {"--screen", "--no-screen"}); }
  SUBCASE("limit rules on a run chart") { expect_error(base + "--chart run --rules sigma3", 2, {"--rules", "run chart"}); }
  SUBCASE("--summary to standard output with the points") { expect_error(mdc + "--summary -", 2, {"--summary"}); }
  SUBCASE("--summary the same file as --output") {
    const std::string f = quote(scratch_file("same"));
    expect_error(mdc + "--output " + f + " --summary " + f, 2, {"--summary", "--output"});
  }
}

TEST_CASE("cli rules: bad data in the MDC mode names the row and column, exit status 1") {
  expect_error("chart --chart i --rules mdc --improvement increase --y y --input " +
                   quote(write_text("bad_data", "y\n1\n2\nabc\n")),
               1, {"row 3", "column 'y'"});
  expect_error("chart --chart i --rules mdc --improvement increase --y y --n n --input " +
                   quote(write_text("bad_data", "y,n\n1,2\n2,0\n3,4\n")),
               1, {"row 2", "column 'n'"});
}

TEST_CASE("cli rules: the MDC mode charts y/n with --n, missing values are gaps") {
  const fs::path in = write_text("ratio_in", "y,n\n1,2\n2,4\n,4\n3,4\n1,4\n2,4\n3,2\n");
  const fs::path sum = scratch_file("ratio_sum");
  const cli_result r = spc_cli("chart --chart i --rules mdc --improvement neutral --y y --n n --input " + quote(in) +
                               " --summary " + quote(sum));
  INFO(r.err);
  REQUIRE(r.status == 0);
  const table p(write_text("ratio_out", r.out));
  REQUIRE(p.rows() == 7);
  CHECK(p.num("y")[0] == doctest::Approx(0.5));
  CHECK(std::isnan(p.num("y")[2]));
  CHECK(p.col("special_cause")[2] == "none");
  CHECK(p.num("y")[6] == doctest::Approx(1.5));
  const table s(sum);
  CHECK(s.num("n_missing")[0] == 1);
  CHECK(s.col("trial_limits")[0] == "true");
  CHECK(s.col("assurance")[0].empty());
}

#endif  // SPC_CLI_PATH
