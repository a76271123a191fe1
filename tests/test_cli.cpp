// The `spc` command-line tool, run as a separate process: every qicharts2 golden case through
// `spc chart` (the output read back and compared column by column), Xbar and S charts from raw
// measurements, standard input, the summary, help, and every kind of bad input (exit status and
// a message naming the row, column or option).
#include <doctest/doctest.h>

#ifdef SPC_CLI_PATH

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli_support.hpp"
#include "golden.hpp"
#include "spc/subgroups.hpp"

using namespace spc;
namespace fs = std::filesystem;

namespace {

using namespace spc::test;

const std::vector<std::string> output_columns{
    "i",       "part",    "baseline",        "include",     "y",
    "cl",      "lcl",     "ucl",             "lcl_95",      "ucl_95",
    "sigma_signal",       "n_obs",           "n_useful",    "longest_run",
    "longest_run_max",    "n_crossings",     "n_crossings_min", "runs_signal"};

std::vector<std::string> columns_with_x() {
  std::vector<std::string> c = output_columns;
  c.insert(c.begin() + 1, "x");
  return c;
}

std::string join_positions(const std::vector<std::size_t>& p) {
  std::string s;
  for (std::size_t k = 0; k < p.size(); ++k) s += (k ? "," : "") + std::to_string(p[k]);
  return s;
}

// The command-line options of a golden case (chart, baseline, method, centre line).
std::string case_options(const chart_options& o) {
  std::string s = "--chart " + std::string(to_string(o.chart));
  if (o.freeze) s += " --freeze " + std::to_string(o.freeze);
  if (!o.parts.empty()) s += " --parts " + join_positions(o.parts);
  if (!o.exclude.empty()) s += " --exclude " + join_positions(o.exclude);
  s += " --method " + std::string(to_string(o.method));
  if (!std::isnan(o.cl)) s += fmt::format(" --cl {:.17g}", o.cl);
  return s;
}

// Reads a CSV written by `spc chart` back into a chart_result (per-part runs analysis from the
// part's rows), checking the header and that every row of a part carries the same runs analysis.
chart_result read_chart_output(const fs::path& path, bool with_x, std::vector<std::string>* x = nullptr) {
  const io::csv_table t = io::read_csv(path.string());
  CHECK(t.header == (with_x ? columns_with_x() : output_columns));
  chart_result r;
  r.y = t.numbers("y");
  r.cl = t.numbers("cl");
  r.lcl = t.numbers("lcl");
  r.ucl = t.numbers("ucl");
  r.lcl_95 = t.numbers("lcl_95");
  r.ucl_95 = t.numbers("ucl_95");
  const auto i = t.numbers("i"), part = t.numbers("part"), n_obs = t.numbers("n_obs"),
             n_useful = t.numbers("n_useful"), lr = t.numbers("longest_run"),
             lrm = t.numbers("longest_run_max"), nc = t.numbers("n_crossings"),
             ncm = t.numbers("n_crossings_min");
  auto flags = [&](const char* name) {
    std::vector<std::uint8_t> out;
    for (const auto& c : t.cells[t.column(name)]) {
      CHECK_MESSAGE((c == "true" || c == "false"), name << " cell '" << c << "'");
      out.push_back(c == "true");
    }
    return out;
  };
  r.baseline = flags("baseline");
  r.include = flags("include");
  r.sigma_signal = flags("sigma_signal");
  const auto runs_signal = flags("runs_signal");
  auto count = [](double v) { return std::isnan(v) ? 0 : static_cast<std::int32_t>(v); };
  for (std::size_t k = 0; k < t.rows; ++k) {
    CHECK(i[k] == static_cast<double>(k + 1));
    r.part.push_back(static_cast<std::int32_t>(part[k]));
    runs_result rr;
    rr.n_obs = count(n_obs[k]);
    rr.n_useful = count(n_useful[k]);
    rr.longest_run = count(lr[k]);
    rr.longest_run_max = count(lrm[k]);
    rr.n_crossings = count(nc[k]);
    rr.n_crossings_min = count(ncm[k]);
    rr.runs_signal = runs_signal[k] != 0;
    // Undefined statistics are empty cells, defined ones are not.
    for (double v : {lr[k], lrm[k], nc[k], ncm[k]}) CHECK(std::isnan(v) == !rr.defined());
    if (r.parts.empty() || r.parts.back().part != r.part.back()) {
      part_summary p;
      p.part = r.part.back();
      p.first = k;
      p.runs = rr;
      r.parts.push_back(p);
    } else {
      CHECK_MESSAGE(r.parts.back().runs == rr, "row " << k + 1 << ": runs analysis differs within part");
    }
    r.parts.back().last = k;
  }
  if (x && with_x) *x = t.cells[t.column("x")];
  return r;
}

// One golden case through the command line, one row per point (xbar and s with --n and --sd).
void check_golden_case(const test::golden_case& g) {
  const chart_type chart = g.options.chart;
  const bool with_n = needs_denominator(chart);
  const bool with_sd = needs_subgroup_sd(chart);
  const fs::path input = scratch_file("golden_in");
  {
    io::csv_writer w(input.string());
    w.header({"label", "value", "denominator", "subgroup_sd"});
    for (std::size_t k = 0; k < g.points.size(); ++k) {
      w.field(std::string_view("t" + std::to_string(k + 1)));
      w.field(g.value[k]);
      w.field(g.denominator[k]);
      w.field(g.subgroup_sd[k]);
      w.end_row();
    }
  }
  const fs::path output = scratch_file("golden_out");
  std::string args = "chart " + case_options(g.options) + " --input " + quote(input.string()) +
                     " --x label --y value";
  if (with_n) args += " --n denominator";
  if (with_sd) args += " --sd subgroup_sd";
  args += " --output " + quote(output.string());
  const cli_result run = spc_cli(args);
  INFO("golden case " << g.id << ": spc " << args);
  INFO(run.err);
  REQUIRE(run.status == 0);
  CHECK(run.err.empty());
  CHECK(contains(run.out, "Part 1"));  // the summary goes to stdout when the CSV goes to a file
  std::vector<std::string> x;
  const chart_result r = read_chart_output(output, true, &x);
  CHECK(test::compare(g, r) == 0);
  for (std::size_t k = 0; k < x.size(); ++k) CHECK(x[k] == "t" + std::to_string(k + 1));
}

int check_golden_chart(chart_type chart) {
  int cases = 0;
  for (const auto& g : test::qicharts2_cases())
    if (g.options.chart == chart) {
      ++cases;
      check_golden_case(g);
    }
  return cases;
}

// raw.csv: the measurements of the xbar and s cases, by case id.
struct raw_case {
  std::vector<std::string> subgroup;
  std::vector<double> value;
  std::vector<std::string> value_text;
};

const std::map<int, raw_case>& raw_cases() {
  static const std::map<int, raw_case> cases = [] {
    const io::csv_table t = io::read_csv(test::data_path("golden/qicharts2/raw.csv"));
    const auto id = t.numbers("id"), value = t.numbers("value");
    std::map<int, raw_case> out;
    for (std::size_t k = 0; k < t.rows; ++k) {
      raw_case& c = out[static_cast<int>(id[k])];
      c.subgroup.push_back(t.cells[t.column("subgroup")][k]);
      c.value.push_back(value[k]);
      c.value_text.push_back(t.cells[t.column("value")][k]);
    }
    return out;
  }();
  return cases;
}

// An xbar or s case from its raw measurements (--x subgroup): the CLI's result must equal the
// library's on the same subgroup summaries (1e-9), and agree with the golden case to the precision
// of raw.csv (4 decimals), with exactly the same flags and runs analysis. (The golden cases
// themselves, to 1e-9, go through --n and --sd above.)
void check_raw_case(const test::golden_case& g) {
  const raw_case& raw = raw_cases().at(g.id);
  std::string text = "subgroup,value\n";
  for (std::size_t k = 0; k < raw.value.size(); ++k)
    text += raw.subgroup[k] + "," + raw.value_text[k] + "\n";
  const fs::path input = write_text("raw_in", text);
  const fs::path output = scratch_file("raw_out");
  const std::string args = "chart " + case_options(g.options) + " --input " + quote(input.string()) +
                           " --x subgroup --y value --output " + quote(output.string());
  const cli_result run = spc_cli(args);
  INFO("golden case " << g.id << " from raw.csv: spc " << args);
  INFO(run.err);
  REQUIRE(run.status == 0);
  std::vector<std::string> x;
  const chart_result got = read_chart_output(output, true, &x);

  // The library on the same measurements, grouped in order of first appearance.
  std::vector<std::string> labels;
  std::vector<std::size_t> index;
  for (const auto& s : raw.subgroup) {
    auto it = std::find(labels.begin(), labels.end(), s);
    index.push_back(static_cast<std::size_t>(it - labels.begin()));
    if (it == labels.end()) labels.push_back(s);
  }
  const subgroup_summary sum = summarise_subgroups(raw.value, index, labels.size());
  const chart_result want = qic(series_view{sum.mean, sum.size, sum.sd}, g.options);
  CHECK(x == labels);
  REQUIRE(got.size() == want.size());
  REQUIRE(got.size() == g.points.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("point " << i + 1);
    CHECK(test::close(got.y[i], want.y[i]));
    CHECK(test::close(got.cl[i], want.cl[i]));
    CHECK(test::close(got.lcl[i], want.lcl[i]));
    CHECK(test::close(got.ucl[i], want.ucl[i]));
    CHECK(test::close(got.lcl_95[i], want.lcl_95[i]));
    CHECK(test::close(got.ucl_95[i], want.ucl_95[i]));
    // raw.csv rounds measurements to 4 decimals: subgroup means and sds are off by < 1e-4.
    CHECK(std::abs(got.y[i] - g.points[i].y) < 1e-4);
    CHECK(std::abs(got.cl[i] - g.points[i].cl) < 1e-4);
    CHECK(std::abs(got.ucl[i] - g.points[i].ucl) < 1e-4);
    CHECK(sum.size[i] == g.points[i].denominator);
    CHECK(got.part[i] == g.points[i].part);
    CHECK(static_cast<bool>(got.baseline[i]) == g.points[i].baseline);
    CHECK(static_cast<bool>(got.include[i]) == g.points[i].include);
    CHECK(static_cast<bool>(got.sigma_signal[i]) == g.points[i].sigma_signal);
  }
  REQUIRE(got.parts.size() == g.parts.size());
  for (std::size_t k = 0; k < got.parts.size(); ++k) {
    CHECK(got.parts[k].runs == want.parts[k].runs);
    CHECK(got.parts[k].runs == g.parts[k]);
  }
}

// A small CSV for the bad-input cases.
fs::path bad_csv(const std::string& text) { return write_text("bad", text); }


}  // namespace

TEST_CASE("cli: golden qicharts2 run charts") { CHECK(check_golden_chart(chart_type::run) == 10); }
TEST_CASE("cli: golden qicharts2 I charts") { CHECK(check_golden_chart(chart_type::i) == 10); }
TEST_CASE("cli: golden qicharts2 MR charts") { CHECK(check_golden_chart(chart_type::mr) == 10); }
TEST_CASE("cli: golden qicharts2 Xbar charts") { CHECK(check_golden_chart(chart_type::xbar) == 10); }
TEST_CASE("cli: golden qicharts2 S charts") { CHECK(check_golden_chart(chart_type::s) == 10); }
TEST_CASE("cli: golden qicharts2 T charts") { CHECK(check_golden_chart(chart_type::t) == 10); }
TEST_CASE("cli: golden qicharts2 P charts") { CHECK(check_golden_chart(chart_type::p) == 10); }
TEST_CASE("cli: golden qicharts2 Laney P' charts") { CHECK(check_golden_chart(chart_type::pp) == 10); }
TEST_CASE("cli: golden qicharts2 C charts") { CHECK(check_golden_chart(chart_type::c) == 10); }
TEST_CASE("cli: golden qicharts2 U charts") { CHECK(check_golden_chart(chart_type::u) == 10); }
TEST_CASE("cli: golden qicharts2 Laney U' charts") { CHECK(check_golden_chart(chart_type::up) == 10); }
TEST_CASE("cli: golden qicharts2 G charts") { CHECK(check_golden_chart(chart_type::g) == 10); }

TEST_CASE("cli: golden qicharts2 Xbar and S charts from raw measurements") {
  int cases = 0;
  for (const auto& g : test::qicharts2_cases())
    if (g.options.chart == chart_type::xbar || g.options.chart == chart_type::s) {
      ++cases;
      check_raw_case(g);
    }
  CHECK(cases == 20);
}

TEST_CASE("cli: raw measurements: missing values ignored, an all-missing subgroup is a gap") {
  const fs::path in = bad_csv(
      "day,v\n"
      "b,10\nb,12\nb,\n"   // subgroup b (first): mean 11, n 2
      "a,NA\na,\n"         // subgroup a: all missing -> a missing point
      "c,9\nc,11\nc,13\n"  // c: mean 11
      "b,11\n"             // b again: mean 11 over 3
      "d,8\nd,12\n");
  const fs::path out = scratch_file("raw_gap_out");
  const cli_result r =
      spc_cli("chart --chart xbar --input " + quote(in.string()) + " --x day --y v --output " + quote(out.string()));
  INFO(r.err);
  REQUIRE(r.status == 0);
  std::vector<std::string> x;
  const chart_result c = read_chart_output(out, true, &x);
  CHECK(x == std::vector<std::string>{"b", "a", "c", "d"});
  REQUIRE(c.size() == 4);
  CHECK(c.y[0] == doctest::Approx(11));
  CHECK(std::isnan(c.y[1]));
  CHECK(c.y[2] == doctest::Approx(11));
  CHECK(c.y[3] == doctest::Approx(10));
  CHECK(!c.sigma_signal[1]);
}

TEST_CASE("cli: standard input with --input -") {
  const auto& g = test::qicharts2_cases().front();  // a run chart
  std::string text = "y\n";
  for (double v : g.value) text += std::isnan(v) ? "\n" : fmt::format("{:.17g}\n", v);
  const fs::path in = write_text("stdin_in", text);
  const std::string opts = case_options(g.options) + " --y y";
  const cli_result from_stdin = spc_cli("chart " + opts + " --input -", in);
  const cli_result from_file = spc_cli("chart " + opts + " --input " + quote(in.string()));
  INFO(from_stdin.err);
  REQUIRE(from_stdin.status == 0);
  REQUIRE(from_file.status == 0);
  CHECK(from_stdin.err.empty());
  CHECK(from_stdin.out == from_file.out);
  // Without --output, stdout is the CSV and nothing else.
  const fs::path saved = write_text("stdin_out", from_stdin.out);
  CHECK(test::compare(g, read_chart_output(saved, false)) == 0);

  // Errors in standard input are reported as such.
  const fs::path bad = write_text("stdin_bad", "y\n1\nx\n");
  const cli_result r = spc_cli("chart --chart i --y y --input -", bad);
  CHECK(r.status == 1);
  CHECK(contains(r.err, "standard input"));
  CHECK(contains(r.err, "row 2"));
}

TEST_CASE("cli: the summary on the bundled C. difficile data") {
  const fs::path out = scratch_file("cdi_out");
  const cli_result r = spc_cli("chart --chart u --input " + quote(std::string(SPC_EXAMPLES_DATA) + "/cdi.csv") +
                               " --x month --y n --n days --parts 24 --output " + quote(out.string()));
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  CHECK(contains(r.out, "U chart"));
  CHECK(contains(r.out, "Part 1: points 1-24 (2012-11-01 to 2014-10-01)"));
  CHECK(contains(r.out, "Part 2: points 25-36 (2014-11-01 to 2015-10-01)"));
  CHECK(contains(r.out, "centre line"));
  CHECK(contains(r.out, "runs analysis: "));
  const chart_result c = read_chart_output(out, true);
  CHECK(c.size() == 36);
  CHECK(c.parts.size() == 2);
}

TEST_CASE("cli: the summary reports a shift and sigma signals") {
  // 12 low values, then 13 high ones, the last far out: a shift and sigma signals.
  std::string text = "y\n";
  for (int k = 0; k < 24; ++k) text += std::to_string(k < 12 ? 10 + k % 3 : 20 + k % 3) + "\n";
  text += "60\n";
  const fs::path in = write_text("shift_in", text);
  const fs::path out = scratch_file("shift_out");
  const cli_result r = spc_cli("chart --chart i --input " + quote(in.string()) + " --y y --output " + quote(out.string()));
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "signal: shift (longest run 13 > 8; crossings 1 < 8)"));
  CHECK(contains(r.out, "sigma signals (outside the 3-sigma limits) at point"));
  CHECK(contains(r.out, " 25"));
}

TEST_CASE("cli: help and version") {
  const cli_result top = spc_cli("--help");
  CHECK(top.status == 0);
  CHECK(contains(top.out, "chart"));
  const cli_result chart = spc_cli("chart --help");
  CHECK(chart.status == 0);
  for (const char* option : {"--chart", "--input", "--x", "--y", "--n", "--sd", "--freeze", "--parts",
                             "--exclude", "--cl", "--method", "--no-screen", "--output", "anhoej",
                             "bestbox", "cutbox", "xbar", "n_crossings_min", "runs_signal"})
    CHECK_MESSAGE(contains(chart.out, option), "chart --help should mention " << option);
  const cli_result version = spc_cli("--version");
  CHECK(version.status == 0);
  CHECK(contains(version.out, "spc "));
}

TEST_CASE("cli: --no-screen keeps large moving ranges in the I chart's sigma") {
  const fs::path in = write_text("spike", "y\n10\n11\n10\n12\n11\n40\n10\n11\n12\n10\n");
  const cli_result screened = spc_cli("chart --chart i --y y --input " + quote(in.string()));
  const cli_result kept = spc_cli("chart --chart i --y y --no-screen --input " + quote(in.string()));
  REQUIRE(screened.status == 0);
  REQUIRE(kept.status == 0);
  const chart_result a = read_chart_output(write_text("screened", screened.out), false);
  const chart_result b = read_chart_output(write_text("kept", kept.out), false);
  REQUIRE(a.size() == 10);
  REQUIRE(b.size() == 10);
  CHECK(a.cl[0] == doctest::Approx(b.cl[0]));
  CHECK(b.ucl[0] - b.cl[0] > 2 * (a.ucl[0] - a.cl[0]));  // the spike's moving ranges widen the limits
  CHECK(a.sigma_signal[5]);
}

TEST_CASE("cli: missing values are gaps, not errors") {
  const fs::path in = bad_csv("y,n\n1,10\n,10\nNA,10\n4,\n5,10\n");
  const cli_result r = spc_cli("chart --chart p --input " + quote(in.string()) + " --y y --n n");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const fs::path saved = write_text("gaps_out", r.out);
  const chart_result c = read_chart_output(saved, false);
  REQUIRE(c.size() == 5);
  CHECK(std::isnan(c.y[1]));
  CHECK(std::isnan(c.y[2]));
  CHECK(std::isnan(c.y[3]));
  CHECK(c.y[4] == doctest::Approx(0.5));
}

TEST_CASE("cli: bad data names the row and column, exit status 1") {
  SUBCASE("missing column") {
    expect_error("chart --chart i --input " + quote(bad_csv("a,b\n1,2\n").string()) + " --y value", 1,
                 {"column 'value'"});
  }
  SUBCASE("non-numeric cell") {
    expect_error("chart --chart i --input " + quote(bad_csv("y\n1\n2\nabc\n4\n").string()) + " --y y", 1,
                 {"row 3", "column 'y'", "'abc'", "not a number"});
  }
  SUBCASE("negative count") {
    expect_error("chart --chart c --input " + quote(bad_csv("count\n1\n2\n-3\n4\n").string()) + " --y count", 1,
                 {"row 3", "column 'count'", "negative"});
  }
  SUBCASE("numerator above its denominator in a P chart") {
    expect_error("chart --chart p --input " + quote(bad_csv("d,N\n1,10\n12,10\n3,10\n").string()) +
                     " --y d --n N",
                 1, {"row 2", "column 'd'", "above"});
  }
  SUBCASE("zero denominator") {
    expect_error("chart --chart u --input " + quote(bad_csv("e,days\n1,10\n2,10\n3,0\n").string()) +
                     " --y e --n days",
                 1, {"row 3", "column 'days'", "positive"});
  }
  SUBCASE("negative denominator") {
    expect_error("chart --chart p --input " + quote(bad_csv("d,N\n1,-10\n2,10\n").string()) + " --y d --n N",
                 1, {"row 1", "column 'N'", "positive"});
  }
  SUBCASE("a row with the wrong number of fields") {
    expect_error("chart --chart i --input " + quote(bad_csv("x,y\na,1\nb\nc,3\n").string()) + " --y y", 1,
                 {"row 2", "fields"});
  }
  SUBCASE("a file that does not exist") {
    expect_error("chart --chart i --input " + quote((scratch() / "no_such_file.csv").string()) + " --y y", 1,
                 {"no_such_file.csv"});
  }
  SUBCASE("non-numeric raw measurement of an xbar chart") {
    expect_error("chart --chart xbar --input " + quote(bad_csv("g,v\n1,2\n1,3\n2,?\n").string()) +
                     " --x g --y v",
                 1, {"row 3", "column 'v'"});
  }
  SUBCASE("empty subgroup label of an xbar chart") {
    expect_error("chart --chart s --input " + quote(bad_csv("g,v\n1,2\n1,3\n,4\n").string()) + " --x g --y v",
                 1, {"row 3", "column 'g'"});
  }
}

TEST_CASE("cli: bad options name the option, exit status 2") {
  const std::string in = quote(bad_csv("y,n\n1,10\n2,10\n3,10\n4,10\n5,10\n").string());
  const std::string base = "chart --input " + in + " --y y ";
  SUBCASE("freeze beyond the series") { expect_error(base + "--chart i --freeze 6", 2, {"--freeze", "6"}); }
  SUBCASE("exclude position that does not exist") {
    expect_error(base + "--chart i --exclude 2,9", 2, {"--exclude", "9"});
  }
  SUBCASE("parts out of range") { expect_error(base + "--chart i --parts 5", 2, {"--parts"}); }
  SUBCASE("parts not increasing") { expect_error(base + "--chart i --parts 3,2", 2, {"--parts"}); }
  SUBCASE("position 0") { expect_error(base + "--chart i --exclude 0", 2, {"--exclude"}); }
  SUBCASE("negative freeze") { expect_error(base + "--chart i --freeze -1", 2, {"--freeze"}); }
  SUBCASE("non-numeric position") { expect_error(base + "--chart i --parts 2,x", 2, {"--parts", "'x'"}); }
  SUBCASE("leading zeros are decimal, not octal") {
    expect_error(base + "--chart i --freeze 010", 2, {"--freeze", "10"});
  }
  SUBCASE("non-numeric centre line") { expect_error(base + "--chart i --cl abc", 2, {"--cl"}); }
  SUBCASE("unknown chart type") { expect_error(base + "--chart q", 2, {"--chart"}); }
  SUBCASE("unknown method") { expect_error(base + "--chart i --method foo", 2, {"--method"}); }
  SUBCASE("missing --chart") { expect_error(base, 2, {"--chart"}); }
  SUBCASE("missing --y") { expect_error("chart --chart i --input " + in, 2, {"--y"}); }
  SUBCASE("unknown option") { expect_error(base + "--chart i --bogus", 2, {"--bogus"}); }
  SUBCASE("no subcommand") { expect_error("", 2, {"subcommand"}); }
  SUBCASE("P chart without --n") { expect_error(base + "--chart p", 2, {"--n"}); }
  SUBCASE("--sd on an I chart") { expect_error(base + "--chart i --sd n", 2, {"--sd"}); }
  SUBCASE("--n on an MR chart") { expect_error(base + "--chart mr --n n", 2, {"--n"}); }
  SUBCASE("xbar chart without --x or --sd") { expect_error(base + "--chart xbar", 2, {"--x"}); }
  SUBCASE("xbar chart with --sd but no --n") { expect_error(base + "--chart xbar --sd n", 2, {"--n"}); }
}

#endif  // SPC_CLI_PATH

#ifdef SPC_CLI_PATH
TEST_CASE("spc chart and spc batch --multiply: y, centre line and limits scaled, signals unchanged") {
  const std::string cdi = quote(std::string(SPC_EXAMPLES_DATA) + "/cdi.csv");
  const fs::path plain = scratch_file("mult_plain"), scaled = scratch_file("mult_scaled");
  const std::string args = "chart --chart u --input " + cdi + " --x month --y n --n days --parts 24 --output ";
  REQUIRE(spc_cli(args + quote(plain)).status == 0);
  REQUIRE(spc_cli(args + quote(scaled) + " --multiply 10000").status == 0);
  const io::csv_table a = io::read_csv(plain.string()), b = io::read_csv(scaled.string());
  for (const char* column : {"y", "cl", "lcl", "ucl", "lcl_95", "ucl_95"}) {
    const auto x = a.numbers(column), y = b.numbers(column);
    for (std::size_t i = 0; i < x.size(); ++i) CHECK(test::close(x[i] * 10000, y[i]));
  }
  for (const char* column : {"sigma_signal", "runs_signal", "longest_run", "n_crossings"})
    CHECK(a.cells[a.column(column)] == b.cells[b.column(column)]);
  // The vignette's numbers per 10,000 risk days (statistics.md §8.2).
  CHECK(b.numbers("cl")[0] == doctest::Approx(13.024226).epsilon(1e-7));
  CHECK(b.numbers("ucl")[0] == doctest::Approx(21.933253).epsilon(1e-7));

  // The batch gives the same rows (after its group column).
  std::string text = "unit,month,n,days\n";
  {
    const io::csv_table t = io::read_csv(std::string(SPC_EXAMPLES_DATA) + "/cdi.csv");
    for (std::size_t r = 0; r < t.rows; ++r)
      text += "A," + t.cells[t.column("month")][r] + "," + t.cells[t.column("n")][r] + "," +
              t.cells[t.column("days")][r] + "\n";
  }
  const fs::path batch_in = write_text("mult_batch", text), batch_out = scratch_file("mult_batch_out");
  REQUIRE(spc_cli("batch --chart u --input " + quote(batch_in) + " --by unit --x month --y n --n days --parts 24 "
                  "--multiply 10000 --output " + quote(batch_out)).status == 0);
  const io::csv_table c = io::read_csv(batch_out.string());
  for (const char* column : {"y", "cl", "lcl", "ucl"}) CHECK(c.cells[c.column(column)] == b.cells[b.column(column)]);

  // Making Data Count: the target is in the units shown.
  const fs::path mdc = scratch_file("mult_mdc"), mdc_summary = scratch_file("mult_mdc_summary");
  REQUIRE(spc_cli("chart --chart i --rules mdc --improvement decrease --target 10 --input " + cdi +
                  " --y n --n days --multiply 10000 --output " + quote(mdc) + " --summary " + quote(mdc_summary))
              .status == 0);
  const fs::path unscaled = scratch_file("mult_mdc_plain"), unscaled_summary = scratch_file("mult_mdc_plain_summary");
  REQUIRE(spc_cli("chart --chart i --rules mdc --improvement decrease --input " + cdi + " --y n --n days --output " +
                  quote(unscaled) + " --summary " + quote(unscaled_summary))
              .status == 0);
  const io::csv_table m = io::read_csv(mdc_summary.string()), m1 = io::read_csv(unscaled_summary.string());
  for (const char* column : {"cl", "lcl", "ucl", "amr"})
    CHECK(test::close(m.numbers(column)[0], m1.numbers(column)[0] * 10000, 1e-12));
  CHECK(m.cells[m.column("variation")] == m1.cells[m1.column("variation")]);
  // The process limits (about 2.4 to 18.3 per 10,000 days) straddle the target of 10.
  CHECK(m.cells[m.column("assurance")][0] == "inconsistent");

  // A factor must be a positive number.
  for (const char* bad : {"0", "-2", "x"}) {
    const cli_result r = spc_cli(args + quote(scratch_file("mult_bad")) + " --multiply " + bad);
    CHECK(r.status == 2);
    CHECK(contains(r.err, "--multiply"));
  }
}
#endif
