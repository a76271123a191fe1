// One command-line pipeline: `spc chart` is the one-series case of `spc batch`, so the two agree
// on every input: the c chart and --n, a file that starts with blank lines, --screen, raw
// measurements of Xbar and S charts, and outputs that are written whole or not at all.
#include <doctest/doctest.h>

#ifdef SPC_CLI_PATH

#include <string>
#include <vector>

#include "cli_support.hpp"
#include "io/csv_reader.hpp"

namespace spc::test {

namespace {

// The rows of a CSV text without its first `skip` columns (the --by columns of spc batch).
std::vector<std::string> rows_without(const std::string& text, std::size_t skip) {
  std::vector<std::string> rows;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    for (std::size_t k = 0; k < skip; ++k) line.erase(0, line.find(',') + 1);
    rows.push_back(line);
    start = end + 1;
  }
  return rows;
}

const std::string months = "month,n,days\n2024-01,3,100\n2024-02,5,110\n2024-03,2,90\n2024-04,4,120\n"
                           "2024-05,6,100\n2024-06,1,95\n2024-07,3,100\n2024-08,4,105\n";

}  // namespace

TEST_CASE("cli pipeline: the c chart takes no denominator, in spc chart and spc batch alike") {
  const fs::path in = write_text("c_n", months);
  // One documented behaviour (docs/cli.md): --n with the c chart is a usage error naming --n
  // (for rates use the u chart), before any data is read.
  expect_error("chart --chart c --input " + quote(in) + " --x month --y n --n days", 2, {"--n", "u chart"});
  const fs::path grouped = write_text("c_n_by", "unit," + std::string("month,n,days\n") + "A,2024-01,3,100\n");
  expect_error("batch --chart c --by unit --input " + quote(grouped) + " --x month --y n --n days", 2,
               {"--n", "u chart"});
  // Without --n the c chart is the mean count with Poisson limits.
  const cli_result ok = spc_cli("chart --chart c --input " + quote(in) + " --x month --y n");
  REQUIRE(ok.status == 0);
  const std::vector<std::string> rows = rows_without(ok.out, 0);
  CHECK(contains(rows[1], ",3.5,"));  // cl = 28 / 8
}

TEST_CASE("cli pipeline: blank lines before the header read as a file without them") {
  const fs::path plain = write_text("plain", months);
  const fs::path blank = write_text("blank", "\n\r\n\n" + months);
  for (const char* command : {"chart", "batch"}) {
    CAPTURE(command);
    std::string by;
    fs::path a = plain, b = blank;
    if (std::string(command) == "batch") {
      // A constant group column, so that the batch has one series as the chart does.
      std::string with_unit, with_unit_blank = "\n\n";
      for (const auto& line : rows_without(months, 0))
        if (!line.empty()) with_unit += (with_unit.empty() ? "unit," : "A,") + line + "\n";
      with_unit_blank += with_unit;
      a = write_text("plain_by", with_unit);
      b = write_text("blank_by", with_unit_blank);
      by = " --by unit";
    }
    const std::string args = std::string(command) + by + " --chart u --x month --y n --n days --input ";
    const cli_result x = spc_cli(args + quote(a)), y = spc_cli(args + quote(b));
    REQUIRE(x.status == 0);
    CHECK(y.status == 0);
    CHECK(x.out == y.out);
  }
}

TEST_CASE("cli pipeline: spc batch takes every chart option of spc chart (--screen)") {
  std::string csv = "unit,y\n";
  for (int k = 0; k < 20; ++k) csv += "A," + std::to_string(k == 10 ? 40 : 10 + k % 3) + "\n";
  const fs::path in = write_text("screen", csv);
  const cli_result screened = spc_cli("batch --by unit --chart i --y y --screen --input " + quote(in));
  const cli_result plain = spc_cli("batch --by unit --chart i --y y --input " + quote(in));
  const cli_result kept = spc_cli("batch --by unit --chart i --y y --no-screen --input " + quote(in));
  REQUIRE(screened.status == 0);
  REQUIRE(kept.status == 0);
  CHECK(screened.out == plain.out);  // screening is the default
  CHECK(screened.out != kept.out);   // the large moving ranges change sigma
  expect_error("batch --by unit --chart i --y y --screen --no-screen --input " + quote(in), 2, {"--screen"});
}

TEST_CASE("cli pipeline: raw measurements of an Xbar chart in spc batch equal spc chart per series") {
  std::string one = "g,v\n", many = "unit,g,v\n";
  for (int s = 0; s < 2; ++s)
    for (int k = 0; k < 30; ++k) {
      const std::string row = std::to_string(k / 3 + 1) + "," + std::to_string(10 + (k * 7 + s * 3) % 5) + "\n";
      if (s == 1) one += row;
      many += std::string(s == 0 ? "A," : "B,") + row;
    }
  const cli_result chart = spc_cli("chart --chart xbar --x g --y v --input " + quote(write_text("raw_one", one)));
  const cli_result batch =
      spc_cli("batch --chart xbar --by unit --x g --y v --input " + quote(write_text("raw_many", many)));
  REQUIRE(chart.status == 0);
  REQUIRE(batch.status == 0);
  const std::vector<std::string> c = rows_without(chart.out, 0), b = rows_without(batch.out, 1);
  REQUIRE(c.size() == 11);  // the header and ten subgroups
  REQUIRE(b.size() == 1 + 20);
  CHECK(b[0] == c[0]);
  for (std::size_t k = 1; k <= 10; ++k) CHECK(b[10 + k] == c[k]);  // unit B's ten subgroups
}

TEST_CASE("cli pipeline: a command that fails writes no file and leaves an existing one alone") {
  const fs::path bad = write_text("bad_count", "y\n1\n2\n-3\n");
  const fs::path out = scratch_file("never_written"), summary = scratch_file("never_summary");
  expect_error("chart --chart c --y y --input " + quote(bad) + " --output " + quote(out) + " --summary " + quote(summary),
               1, {"row 3"});
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(summary));
  const fs::path kept = write_text("kept", "old contents\n");
  expect_error("chart --chart c --y y --input " + quote(bad) + " --output " + quote(kept), 1, {"row 3"});
  CHECK(slurp(kept) == "old contents\n");
  // A file that cannot be written is an error, not a silent success.
  const fs::path good = write_text("good_count", "y\n1\n2\n3\n");
  expect_error("chart --chart c --y y --input " + quote(good) + " --output " + quote(scratch() / "no_dir" / "out.csv"),
               1, {"cannot write", "no_dir"});
  // No temporary file is left behind in the target's directory.
  for (const auto& entry : fs::directory_iterator(scratch()))
    CHECK_MESSAGE(!contains(entry.path().filename().string(), ".tmp"), entry.path());
}

}  // namespace spc::test

#endif  // SPC_CLI_PATH
