// The sequential charts and `spc arl` through the `spc` binary: every golden case of
// tests/data/golden/sequential through `spc chart` (the output read back and compared at the
// README's tolerance), every row of arl.csv through `spc arl`, the output columns of
// sequential.md §9.1, spc batch against spc chart, the report, and bad input (exit status and a
// message naming the row, column or option; nothing written).
#include <doctest/doctest.h>

#ifdef SPC_CLI_PATH

#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli_support.hpp"
#include "sequential_golden.hpp"

namespace spc::test {

namespace {

std::string cell(double v) { return std::isnan(v) ? std::string() : fmt::format("{:.17g}", v); }

// The input file of a case: i, y (and risk).
fs::path case_input(const sequential_case& g) {
  std::string csv = g.risk.empty() ? "i,y\n" : "i,y,risk\n";
  for (std::size_t k = 0; k < g.value.size(); ++k) {
    csv += fmt::format("{},{}", k + 1, cell(g.value[k]));
    if (!g.risk.empty()) csv += "," + cell(g.risk[k]);
    csv += "\n";
  }
  return write_text("seq_case", csv);
}

// The command-line options of a case, from its option columns (an empty cell is not passed).
std::string case_options(const sequential_case& g, const std::string& chart) {
  std::string s = "--chart " + chart;
  auto pass = [&](const char* column, const char* option) {
    if (g.given(column)) s += fmt::format(" --{} {}", option, g.option.at(column));
  };
  auto flag = [&](const char* column, const char* on, const char* off) {
    if (!g.given(column)) return;
    const char* f = truth(g.option.at(column)) ? on : off;
    if (*f) s += fmt::format(" --{}", f);
  };
  if (chart == "cusum" || chart == "ewma") {
    pass("target", "target");
    pass("sigma", "sigma");
    pass("freeze", "freeze");
    flag("screen", "screen", "no-screen");
  }
  if (chart == "cusum") {
    pass("k", "k");
    pass("h", "h");
    pass("headstart", "headstart");
    flag("reset", "reset", "no-reset");
  } else if (chart == "ewma") {
    pass("lambda", "lambda");
    pass("L", "L");
    flag("asymptotic", "asymptotic", "");
  } else if (chart == "bernoulli") {
    pass("p0", "p0");
    pass("freeze", "freeze");
    pass("or", "or");
    pass("limit", "limit");
    flag("reset", "reset", "no-reset");
  } else if (chart == "racusum") {
    pass("ra", "ra");
    pass("r0", "r0");
    pass("h", "h");
    flag("reset", "reset", "no-reset");
  }
  return s;
}

std::vector<std::uint8_t> flags(const io::csv_table& t, const std::string& column) {
  std::vector<std::uint8_t> out;
  for (const std::string& c : t.cells[t.column(column)]) {
    CHECK((c == "true" || c == "false"));
    out.push_back(c == "true");
  }
  return out;
}

// A per-series parameter column: the same on every row, equal to the expected value.
int compare_constant(const sequential_case& g, const io::csv_table& t, const std::string& column,
                     const std::string& expected) {
  int bad = 0;
  for (double v : t.numbers(column)) bad += compare_parameter(g, expected, v);
  return bad;
}

const std::vector<std::string> cusum_header = {"i", "x", "y", "target", "sigma", "cusum_upper", "cusum_lower",
                                               "ucl", "lcl", "signal_upper", "signal_lower"};
const std::vector<std::string> ewma_header = {"i", "x", "y", "target", "sigma", "ewma", "cl", "lcl", "ucl", "signal"};
const std::vector<std::string> bernoulli_header = {"i",       "x",       "y",       "p0",      "p1",
                                                   "p2",      "w_upper", "w_lower", "s_upper", "s_lower",
                                                   "ucl",     "lcl",     "signal_upper", "signal_lower"};
const std::vector<std::string> racusum_header = {"i", "x", "y", "risk", "w", "cusum", "ucl", "signal"};
const std::vector<std::string> vlad_header = {"i", "x", "y", "risk", "vlad"};

// Runs one golden case through spc chart and reads the output back.
io::csv_table run_case(const sequential_case& g, const std::string& chart) {
  const fs::path in = case_input(g), out = scratch_file("seq_out");
  std::string args = "chart " + case_options(g, chart) + " --input " + quote(in) + " --x i --y y --output " + quote(out);
  if (!g.risk.empty() && (chart == "racusum" || chart == "vlad")) args += " --risk risk";
  const cli_result r = spc_cli(args);
  INFO("spc " << args);
  INFO(r.err);
  REQUIRE(r.status == 0);
  return io::read_csv(out.string());
}

}  // namespace

TEST_CASE("cli sequential golden: every CUSUM case through spc chart") {
  int bad = 0;
  for (const sequential_case& g : sequential_cases("cusum")) {
    const io::csv_table t = run_case(g, "cusum");
    CHECK(t.header == cusum_header);
    const double H = g.expected.at("ucl");
    bad += compare_constant(g, t, "target", "target") + compare_constant(g, t, "sigma", "sigma") +
           compare_constant(g, t, "ucl", "ucl") + compare_constant(g, t, "lcl", "lcl");
    bad += compare_column(g, "cusum_upper", t.numbers("cusum_upper"), H);
    bad += compare_column(g, "cusum_lower", t.numbers("cusum_lower"), H);
    bad += compare_flags(g, "signal_upper", flags(t, "signal_upper"));
    bad += compare_flags(g, "signal_lower", flags(t, "signal_lower"));
  }
  CHECK(bad == 0);
}

TEST_CASE("cli sequential golden: every EWMA case through spc chart") {
  int bad = 0;
  for (const sequential_case& g : sequential_cases("ewma")) {
    const io::csv_table t = run_case(g, "ewma");
    CHECK(t.header == ewma_header);
    const double sigma = g.expected.at("sigma");
    bad += compare_constant(g, t, "target", "target") + compare_constant(g, t, "sigma", "sigma") +
           compare_constant(g, t, "cl", "target");
    bad += compare_column(g, "ewma", t.numbers("ewma"), sigma);
    bad += compare_column(g, "lcl", t.numbers("lcl"), sigma);
    bad += compare_column(g, "ucl", t.numbers("ucl"), sigma);
    bad += compare_flags(g, "signal", flags(t, "signal"));
  }
  CHECK(bad == 0);
}

TEST_CASE("cli sequential golden: every Bernoulli CUSUM case through spc chart") {
  int bad = 0;
  for (const sequential_case& g : sequential_cases("bernoulli")) {
    const io::csv_table t = run_case(g, "bernoulli");
    CHECK(t.header == bernoulli_header);
    const double limit = g.expected.at("ucl");
    for (const char* p : {"p0", "p1", "p2", "ucl", "lcl"}) bad += compare_constant(g, t, p, p);
    for (const char* c : {"w_upper", "w_lower", "s_upper", "s_lower"}) bad += compare_column(g, c, t.numbers(c), limit);
    bad += compare_flags(g, "signal_upper", flags(t, "signal_upper"));
    bad += compare_flags(g, "signal_lower", flags(t, "signal_lower"));
  }
  CHECK(bad == 0);
}

TEST_CASE("cli sequential golden: every RA-CUSUM cohort, and VLAD, through spc chart") {
  int bad = 0;
  for (const sequential_case& g : sequential_cases("racusum")) {
    const io::csv_table t = run_case(g, "racusum");
    CHECK(t.header == racusum_header);
    const double h = g.expected.at("ucl");
    bad += compare_constant(g, t, "ucl", "ucl");
    bad += compare_column(g, "w", t.numbers("w"), h);
    bad += compare_column(g, "cusum", t.numbers("cusum"), h);
    bad += compare_flags(g, "signal", flags(t, "signal"));
    const io::csv_table v = run_case(g, "vlad");
    CHECK(v.header == vlad_header);
    bad += compare_column(g, "vlad", v.numbers("vlad"), 1.0);
  }
  CHECK(bad == 0);
}

TEST_CASE("cli arl golden: every row of arl.csv through spc arl, within 1e-6 relative") {
  const io::csv_table t = io::read_csv(data_path("golden/sequential/arl.csv"));
  int bad = 0;
  for (std::size_t r = 0; r < t.rows; ++r) {
    auto text = [&](const char* column) { return t.cells[t.column(column)][r]; };
    const std::string chart = text("chart"), crit = text("mode");
    std::string args = fmt::format("arl --chart {} --sided {} --shift {}", chart, text("sided"), text("shift"));
    if (chart == "cusum")
      args += fmt::format(" --k {} --headstart {}", text("k"), text("headstart")) +
              (crit == "crit" ? " --arl0 " + text("arl0") : " --h " + text("h"));
    else
      args += fmt::format(" --lambda {}", text("lambda")) + (crit == "crit" ? " --arl0 " + text("arl0") : " --L " + text("L"));
    const cli_result res = spc_cli(args);
    INFO("spc " << args);
    INFO(res.err);
    REQUIRE(res.status == 0);
    const fs::path out = write_text("arl_out", res.out);
    const io::csv_table got = io::read_csv(out.string());
    CHECK(got.header == (chart == "cusum" ? std::vector<std::string>{"chart", "sided", "k", "h", "headstart", "shift", "arl"}
                                          : std::vector<std::string>{"chart", "sided", "lambda", "L", "shift", "arl"}));
    REQUIRE(got.rows == 1);
    const double want_arl = std::stod(text("arl"));
    if (std::abs(got.numbers("arl")[0] - want_arl) > 1e-6 * want_arl) ++bad;
    const char* threshold = chart == "cusum" ? "h" : "L";
    const double want_threshold = std::stod(text(threshold));
    if (std::abs(got.numbers(threshold)[0] - want_threshold) > 1e-6 * want_threshold) ++bad;
  }
  CHECK(bad == 0);
}

TEST_CASE("cli sequential: the columns of §9.1, without --x, and outcomes written true/false read as 1/0") {
  const fs::path in = write_text("seq_cols", "when,died,p\n2024-01,FALSE,0.1\n2024-02,TRUE,0.2\n2024-03,,0.1\n");
  const cli_result r = spc_cli("chart --chart racusum --input " + quote(in) + " --y died --risk p");
  REQUIRE(r.status == 0);
  CHECK(r.out.rfind("i,y,risk,w,cusum,ucl,signal\n1,0,0.1,", 0) == 0);
  CHECK(contains(r.out, "\n3,,0.1,,,4.5,false\n"));  // a gap: no statistic, no signal, the limit kept
  const cli_result v = spc_cli("chart --chart vlad --input " + quote(in) + " --x when --y died --risk p");
  REQUIRE(v.status == 0);
  CHECK(v.out == "i,x,y,risk,vlad\n1,2024-01,0,0.1,0.1\n2,2024-02,1,0.2,-0.7\n3,2024-03,,0.1,\n");
}

TEST_CASE("cli sequential: the report names the parameters, whether estimated, and the signals with their labels") {
  const fs::path out = scratch_file("cabg_b");
  const cli_result r = spc_cli("chart --chart bernoulli --input " + quote(fs::path(SPC_EXAMPLES_DATA) / "cabg.csv") +
                               " --x date --y death --freeze 200 --output " + quote(out));
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "Bernoulli CUSUM chart of 'death'"));
  CHECK(contains(r.out, "2205 points"));
  CHECK(contains(r.out, "Baseline risk p0 0.035 (estimated from the outcomes of points 1-200)"));
  CHECK(contains(r.out, "upper (deterioration): no signal"));
  CHECK(contains(r.out, "lower (improvement): 1 signal at point 856 (2012-09-07)"));
  const io::csv_table t = io::read_csv(out.string());
  CHECK(t.rows == 2205);
  CHECK(t.cells[t.column("signal_lower")][855] == "true");

  const fs::path e = scratch_file("ewma_report");
  const cli_result w = spc_cli("chart --chart ewma --input " + quote(fs::path(SPC_TEST_DATA) / "textbook/montgomery_tbl_09_01.csv") +
                               " --x sample --y x --target 10 --sigma 1 --lambda 0.1 --L 2.7 --output " + quote(e));
  REQUIRE(w.status == 0);
  CHECK(contains(w.out, "Target 10 (given); sigma 1 (given)"));
  CHECK(contains(w.out, "above the upper limit: 2 signals at points 29 (29), 30 (30)"));
  CHECK(contains(w.out, "spc arl"));  // the note on the exact limits and the ARL
}

TEST_CASE("cli sequential: spc batch charts each series as spc chart does, with a summary per series") {
  const std::vector<double> a = {10.2, 9.1, 11.8, 12.9, 13.1, 12.2, 14.0, 9.5};
  const std::vector<double> b = {5, 5.5, 4.8, 6.1, 5.2, 4.4, 5.9, 6.6};
  std::string long_csv = "unit,y\n", csv_a = "y\n", csv_b = "y\n";
  for (std::size_t k = 0; k < a.size(); ++k) {
    long_csv += fmt::format("A,{}\nB,{}\n", a[k], b[k]);  // interleaved: grouped by --by
    csv_a += fmt::format("{}\n", a[k]);
    csv_b += fmt::format("{}\n", b[k]);
  }
  const std::string options = " --chart cusum --y y --k 0.5 --h 3 --freeze 4";
  const cli_result batch = spc_cli("batch --by unit --input " + quote(write_text("seq_long", long_csv)) + options +
                                   " --output - --summary " + quote(scratch_file("unused")));
  REQUIRE(batch.status == 0);
  const cli_result ca = spc_cli("chart --input " + quote(write_text("seq_a", csv_a)) + options);
  const cli_result cb = spc_cli("chart --input " + quote(write_text("seq_b", csv_b)) + options);
  REQUIRE(ca.status == 0);
  REQUIRE(cb.status == 0);
  std::string expected = "unit," + ca.out.substr(0, ca.out.find('\n') + 1);
  for (const auto& [unit, text] : {std::pair{"A", ca.out}, std::pair{"B", cb.out}}) {
    std::size_t at = text.find('\n') + 1;
    while (at < text.size()) {
      const std::size_t end = text.find('\n', at);
      expected += std::string(unit) + "," + text.substr(at, end - at + 1);
      at = end + 1;
    }
  }
  CHECK(batch.out == expected);

  const fs::path summary = scratch_file("seq_summary");
  const cli_result s = spc_cli("batch --by unit --input " + quote(write_text("seq_long2", long_csv + "C,x\n")) + options +
                               " --summary " + quote(summary));
  CHECK(s.status == 1);  // series C cannot be read; A and B are summarised
  CHECK(contains(s.err, "series unit=C"));
  const io::csv_table t = io::read_csv(summary.string());
  CHECK(t.header == std::vector<std::string>{"unit", "n_points", "n_missing", "target", "target_estimated", "sigma",
                                             "sigma_estimated", "k", "h", "headstart", "reset", "ucl", "lcl",
                                             "n_signals_upper", "n_signals_lower", "first_signal_upper",
                                             "first_signal_lower", "error"});
  REQUIRE(t.rows == 3);
  CHECK(t.cells[t.column("n_points")][0] == "8");
  CHECK(t.cells[t.column("target_estimated")][0] == "true");
  CHECK(t.cells[t.column("error")][0].empty());
  CHECK(contains(t.cells[t.column("error")][2], "'x' is not a number"));
}

TEST_CASE("cli sequential bad data: exit 1, naming the row and column, nothing written") {
  const fs::path out = scratch_file("seq_never");
  const fs::path two = write_text("seq_two", "y,p\n0,0.1\n2,0.1\n");
  expect_error("chart --chart bernoulli --p0 0.1 --input " + quote(two) + " --y y --output " + quote(out), 1,
               {"row 2", "column 'y'", "must be 0 or 1"});
  expect_error("chart --chart racusum --input " + quote(two) + " --y y --risk p", 1, {"row 2", "column 'y'"});
  const fs::path risk = write_text("seq_risk", "y,p\n0,0.1\n1,1.5\n");
  expect_error("chart --chart racusum --input " + quote(risk) + " --y y --risk p --output " + quote(out), 1,
               {"row 2", "column 'p'", "strictly between 0 and 1"});
  expect_error("chart --chart vlad --input " + quote(risk) + " --y y --risk p", 1, {"row 2", "column 'p'"});
  const fs::path flat = write_text("seq_flat", "y\n5\n5\n5\n");
  expect_error("chart --chart cusum --input " + quote(flat) + " --y y --output " + quote(out), 1,
               {"column 'y'", "sigma cannot be estimated", "--sigma"});
  const fs::path none = write_text("seq_none", "y\n0\n0\n0\n1\n");
  expect_error("chart --chart bernoulli --freeze 3 --input " + quote(none) + " --y y", 1,
               {"p0 cannot be estimated", "no events", "--p0"});
  const fs::path text = write_text("seq_text", "y\n1\nabc\n");
  expect_error("chart --chart ewma --sigma 1 --input " + quote(text) + " --y y", 1, {"row 2", "'abc' is not a number"});
  CHECK(!fs::exists(out));
}

TEST_CASE("cli sequential bad options: exit 2, naming the option, before any data is read") {
  const fs::path in = write_text("seq_ok", "y,p\n1,0.1\n0,0.2\n1,0.1\n");
  const std::string y = " --input " + quote(in) + " --y y";
  expect_error("chart --chart cusum --k -0.5" + y, 2, {"--k", "at least 0"});
  expect_error("chart --chart cusum --h 0" + y, 2, {"--h", "positive"});
  expect_error("chart --chart racusum --risk p --h -1" + y, 2, {"--h"});
  expect_error("chart --chart cusum --h 4 --headstart 4" + y, 2, {"--headstart"});
  expect_error("chart --chart ewma --lambda 0" + y, 2, {"--lambda", "(0, 1]"});
  expect_error("chart --chart ewma --lambda 1.2" + y, 2, {"--lambda"});
  expect_error("chart --chart ewma --L 0" + y, 2, {"--L"});
  expect_error("chart --chart cusum --sigma 0" + y, 2, {"--sigma"});
  expect_error("chart --chart cusum --freeze 1" + y, 2, {"--freeze"});
  expect_error("chart --chart cusum --freeze 9" + y, 2, {"--freeze", "beyond the series"});
  expect_error("chart --chart bernoulli --or 1" + y, 2, {"--or", "above 1"});
  expect_error("chart --chart bernoulli --limit 0" + y, 2, {"--limit"});
  expect_error("chart --chart bernoulli --p0 0.1 --freeze 2" + y, 2, {"--p0", "not both"});
  expect_error("chart --chart bernoulli --p0 1.5" + y, 2, {"--p0"});
  expect_error("chart --chart racusum --risk p --ra 1" + y, 2, {"--ra", "differ from r0"});
  expect_error("chart --chart racusum --risk p --r0 0" + y, 2, {"--r0"});
  expect_error("chart --chart cusum --reset --no-reset" + y, 2, {"--reset", "--no-reset"});
  expect_error("chart --chart racusum" + y, 2, {"--risk"});
  expect_error("chart --chart cusum --risk p" + y, 2, {"--risk"});
  expect_error("chart --chart i --risk p" + y, 2, {"--risk"});
  expect_error("chart --chart ewma --k 0.5" + y, 2, {"--k", "cusum"});
  expect_error("chart --chart i --lambda 0.2" + y, 2, {"--lambda", "ewma"});
  expect_error("chart --chart vlad --risk p --h 4" + y, 2, {"--h"});
  for (const char* option : {"--parts 2", "--exclude 1", "--cl 3", "--rules we", "--method bestbox", "--multiply 100",
                             "--improvement increase", "--n p"})
    expect_error("chart --chart cusum " + std::string(option) + y, 2, {std::string(option).substr(0, std::string(option).find(' '))});
  expect_error("chart --chart bernoulli --method anhoej" + y, 2, {"--method"});  // refused even at its default
  // --freeze with both --target and --sigma changes nothing, and is allowed.
  CHECK(spc_cli("chart --chart cusum --target 1 --sigma 1 --freeze 2" + y).status == 0);
}

TEST_CASE("cli arl bad options: exit 2, naming the option") {
  expect_error("arl --chart cusum --h 4", 2, {"--k"});
  expect_error("arl --chart cusum --k 0.5", 2, {"--h", "--arl0"});
  expect_error("arl --chart cusum --k 0.5 --h 4 --arl0 370", 2, {"--h", "--arl0"});
  expect_error("arl --chart cusum --k -1 --h 4", 2, {"--k"});
  expect_error("arl --chart cusum --k 0.5 --h 0", 2, {"--h"});
  expect_error("arl --chart cusum --k 0.5 --h 4 --headstart 4", 2, {"--headstart"});
  expect_error("arl --chart cusum --k 0.5 --h 4 --headstart 2.6", 2, {"--headstart", "h/2 + k"});
  expect_error("arl --chart cusum --k 0.5 --arl0 1", 2, {"--arl0"});
  expect_error("arl --chart cusum --k 0.5 --h 4 --shift 0,x", 2, {"--shift", "'x'"});
  expect_error("arl --chart ewma --L 3", 2, {"--lambda"});
  expect_error("arl --chart ewma --lambda 0 --L 3", 2, {"--lambda"});
  expect_error("arl --chart ewma --lambda 0.2 --L -3", 2, {"--L"});
  expect_error("arl --chart ewma --lambda 0.2 --L 3 --sided one", 2, {"--sided", "one-sided"});
  expect_error("arl --chart ewma --lambda 0.2 --L 3 --k 0.5", 2, {"--k"});
  expect_error("arl --chart cusum --k 0.5 --h 4 --nodes 1", 2, {"--nodes"});
  // --output: written whole, the default shift 0.
  const fs::path out = scratch_file("arl");
  REQUIRE(spc_cli("arl --chart cusum --k 0.5 --h 4 --output " + quote(out)).status == 0);
  const io::csv_table t = io::read_csv(out.string());
  REQUIRE(t.rows == 1);
  CHECK(t.numbers("arl")[0] == doctest::Approx(167.683788813614).epsilon(1e-9));
}

}  // namespace spc::test

#endif
