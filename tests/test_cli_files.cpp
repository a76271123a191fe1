// The files health services have (issue 10): Norwegian Excel exports (semicolons, decimal commas,
// Windows-1252), rows in any order, rows that share an x; outputs that cannot lie; and the
// bad-input matrix through `spc chart` and `spc batch`.
#include <doctest/doctest.h>

#ifdef SPC_CLI_PATH

#include <cmath>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "io/csv_reader.hpp"

namespace spc::test {

namespace {

// The cells of column `name` of a CSV text.
std::vector<std::string> column_of(const std::string& csv, const std::string& name) {
  const fs::path p = write_text("column", csv);
  const io::csv_table t = io::read_csv(p.string());
  return t.cells[t.column(name)];
}

std::vector<double> numbers_of(const std::string& csv, const std::string& name) {
  std::vector<double> out;
  for (const auto& cell : column_of(csv, name)) out.push_back(cell.empty() ? NAN : std::stod(cell));
  return out;
}

// The same monthly infections and risk days three ways.
const std::string plain = "month,n,days\n2024-01-01,12,14460.5\n2024-02-01,27,16177\n2024-03-01,17,14768.42\n"
                          "2024-04-01,20,14227\n2024-05-01,9,15100.25\n2024-06-01,14,14950\n";

}  // namespace

TEST_CASE("files: a Norwegian Excel export (semicolons, decimal commas, Windows-1252) reads as the plain file") {
  // "Måned;Antall;Risikodøgn" in Windows-1252 (å = E5, ø = F8), dates as dd.mm.yyyy, CR LF.
  const std::string excel = "M\xE5ned;Antall;Risikod\xF8gn\r\n01.01.2024;12;14460,5\r\n01.02.2024;27;16177\r\n"
                            "01.03.2024;17;14768,42\r\n01.04.2024;20;14227\r\n01.05.2024;9;15100,25\r\n"
                            "01.06.2024;14;14950\r\n";
  const fs::path a = write_text("plain", plain), b = write_text("excel", excel);
  const cli_result want = spc_cli("chart --chart u --input " + quote(a) + " --x month --y n --n days");
  const cli_result got = spc_cli("chart --chart u --input " + quote(b) +
                                 " --x 'Måned' --y Antall --n 'Risikodøgn' --decimal , --encoding windows-1252");
  REQUIRE(want.status == 0);
  REQUIRE(got.status == 0);
  CHECK(numbers_of(got.out, "y") == numbers_of(want.out, "y"));
  CHECK(numbers_of(got.out, "ucl") == numbers_of(want.out, "ucl"));
  CHECK(column_of(got.out, "x")[2] == "01.03.2024");  // labels as given, output in UTF-8
  // The same through spc batch, the header in UTF-8 text with a group column.
  const cli_result batch = spc_cli("batch --by 'Måned' --chart u --input " + quote(b) +
                                   " --y Antall --n 'Risikodøgn' --decimal , --encoding cp1252 --summary -");
  CHECK(batch.status == 0);
  CHECK(contains(batch.out, "Måned,part,"));
}

TEST_CASE("files: the bundled Norwegian export of the C. difficile data charts as cdi.csv does") {
  const std::string data = std::string(SPC_EXAMPLES_DATA);
  const cli_result nb = spc_cli("chart --chart u --input " + quote(data + "/cdi_excel_nb.csv") +
                                " --encoding windows-1252 --decimal , --x 'Måned' --y Infeksjoner --n 'Risikodøgn'"
                                " --parts 24 --multiply 10000");
  const cli_result en = spc_cli("chart --chart u --input " + quote(data + "/cdi.csv") +
                                " --x month --y n --n days --parts 24 --multiply 10000");
  REQUIRE(nb.status == 0);
  REQUIRE(en.status == 0);
  const std::vector<double> a = numbers_of(nb.out, "cl"), b = numbers_of(en.out, "cl");
  REQUIRE(a.size() == 36);
  REQUIRE(b.size() == 36);
  // The export rounds the risk days to two decimals: the centre lines agree to about 1e-7.
  for (std::size_t k = 0; k < a.size(); ++k) CHECK(a[k] == doctest::Approx(b[k]).epsilon(1e-6));
  CHECK(a[0] == doctest::Approx(13.024).epsilon(1e-4));  // part 1 per 10,000 risk days
  CHECK(a[35] == doctest::Approx(5.0089).epsilon(1e-4));
}

TEST_CASE("files: the separator is detected from the header: comma, semicolon, tab") {
  std::string semi = plain, tab = plain;
  for (char& c : semi) c = c == ',' ? ';' : c;
  for (char& c : tab) c = c == ',' ? '\t' : c;
  const std::string args = " --x month --y n --n days --chart u";
  const cli_result a = spc_cli("chart --input " + quote(write_text("comma", plain)) + args);
  const cli_result b = spc_cli("chart --input " + quote(write_text("semi", semi)) + args);
  const cli_result c = spc_cli("chart --input " + quote(write_text("tab", tab)) + args);
  const cli_result d = spc_cli("chart --input " + quote(write_text("semi2", semi)) + args + " --sep ';'");
  REQUIRE(a.status == 0);
  CHECK(b.out == a.out);
  CHECK(c.out == a.out);
  CHECK(d.out == a.out);
}

TEST_CASE("files: messages that name the option to give") {
  std::string comma = "month;n;days\n";
  comma += "2024-01;3;14768,42\n";
  expect_error("chart --chart u --x month --y n --n days --input " + quote(write_text("dec", comma)), 1,
               {"row 1", "column 'days'", "'14768,42' is not a number", "--decimal ,"});
  expect_error("chart --chart u --x M\xE5ned --y n --n days --input " +
                   quote(write_text("latin", "M\xE5ned,n,days\n2024-01,3,100\n")),
               1, {"not UTF-8", "--encoding windows-1252"});
  expect_error("chart --chart i --y y --input " + quote(write_text("twice", "y,x,y\n1,a,2\n")), 1,
               {"column 'y' twice", "columns 1 and 3"});
  expect_error("chart --chart i --y y --input " + quote(write_text("huge", "y\n1\n1e400\n")), 1,
               {"row 2", "'1e400' is beyond the range of a double"});
  expect_error("chart --chart i --y y --decimal , --sep , --input " + quote(write_text("d", "y\n1\n")), 2,
               {"--decimal", "--sep"});
  expect_error("chart --chart i --y y --decimal , --input " + quote(write_text("d2", "y,z\n1,2\n")), 1,
               {"separated by ','", "--sep"});
  // One column with a decimal comma needs no --sep.
  const cli_result one = spc_cli("chart --chart i --y y --decimal , --input " + quote(write_text("d3", "y\n2,5\n3\n")));
  CHECK(one.status == 0);
  CHECK(numbers_of(one.out, "y") == std::vector<double>{2.5, 3});
  expect_error("chart --chart i --y y --encoding ebcdic --input " + quote(write_text("e", "y\n1\n")), 2,
               {"--encoding", "ebcdic"});
}

TEST_CASE("files: dates and numbers as x are charted in x order; text keeps file order") {
  // The plain file's rows shuffled, and its dates written the Norwegian way.
  const std::string shuffled = "month,n,days\n04.2024,20,14227\n";  // not a date: see below
  std::string rows = "month,n,days\n01.04.2024,20,14227\n1.1.2024,12,14460.5\n01.06.2024,14,14950\n"
                     "01.02.2024,27,16177\n01.05.2024,9,15100.25\n01.03.2024,17,14768.42\n";
  const std::string args = " --chart run --x month --y n --n days";
  const cli_result want = spc_cli("chart --input " + quote(write_text("sorted", plain)) + args);
  const cli_result got = spc_cli("chart --input " + quote(write_text("shuffled", rows)) + args);
  REQUIRE(got.status == 0);
  CHECK(numbers_of(got.out, "y") == numbers_of(want.out, "y"));
  CHECK(column_of(got.out, "x") ==
        std::vector<std::string>{"1.1.2024", "01.02.2024", "01.03.2024", "01.04.2024", "01.05.2024", "01.06.2024"});
  CHECK(column_of(got.out, "runs_signal") == column_of(want.out, "runs_signal"));
  // Numbers as x: numeric order (10 after 9), not text order.
  const cli_result num = spc_cli("chart --chart i --x week --y y --input " +
                                 quote(write_text("weeks", "week,y\n10,5\n9,4\n1,1\n2,2\n")));
  CHECK(column_of(num.out, "x") == std::vector<std::string>{"1", "2", "9", "10"});
  // Text labels: file order.
  const cli_result text = spc_cli("chart --chart i --x ward --y y --input " +
                                  quote(write_text("wards", "ward,y\nsouth,5\nnorth,4\neast,1\n")));
  CHECK(column_of(text.out, "x") == std::vector<std::string>{"south", "north", "east"});
  (void)shuffled;
}

TEST_CASE("files: rows that share an x are one point, combined as the chart table says") {
  // Two rows for February: a U chart sums counts and exposure, an I chart averages.
  const std::string split = "month,n,days\n2024-01,12,1000\n2024-02,20,900\n2024-02,7,300\n2024-03,17,1100\n";
  const std::string summed = "month,n,days\n2024-01,12,1000\n2024-02,27,1200\n2024-03,17,1100\n";
  const cli_result a = spc_cli("chart --chart u --x month --y n --n days --input " + quote(write_text("split", split)));
  const cli_result b = spc_cli("chart --chart u --x month --y n --n days --input " + quote(write_text("sum", summed)));
  REQUIRE(a.status == 0);
  CHECK(a.out == b.out);
  const cli_result i = spc_cli("chart --chart i --x month --y n --input " + quote(write_text("i_split", split)));
  REQUIRE(i.status == 0);
  CHECK(numbers_of(i.out, "y") == std::vector<double>{12, 13.5, 17});
  // A bad value in a combined point names its rows.
  const std::string bad = "month,n,days\n2024-01,12,1000\n2024-02,20,900\n2024-02,-7,300\n2024-03,17,1100\n";
  expect_error("chart --chart u --x month --y n --n days --input " + quote(write_text("bad_split", bad)), 1,
               {"row 3", "column 'n'", "negative"});
  // With --sd each row is one subgroup: two rows with one x are refused.
  expect_error("chart --chart xbar --x g --y m --n k --sd s --input " +
                   quote(write_text("sd_twice", "g,m,k,s\n1,5,4,1\n1,6,4,1\n2,5,4,1\n")),
               1, {"rows 1 and 2", "same x '1'"});
}

TEST_CASE("files: outputs that cannot lie") {
  const fs::path in = write_text("ok", plain);
  const std::string base = "chart --chart u --x month --y n --n days --input " + quote(in);
  // A write that fails is a failure.
  expect_error(base + " --output /dev/full", 1, {"cannot write '/dev/full'", "No space left"});
  // A summary that cannot be written leaves no points file either.
  const fs::path points = scratch_file("points_alone");
  expect_error(base + " --output " + quote(points) + " --summary " + quote(scratch() / "missing" / "s.csv"), 1,
               {"cannot write"});
  CHECK_FALSE(fs::exists(points));
  // One file under two names.
  const fs::path a = scratch() / "same.csv";
  expect_error(base + " --output " + quote(a) + " --summary " + quote(scratch() / "." / "same.csv"), 2,
               {"same file"});
  CHECK_FALSE(fs::exists(a));
}

TEST_CASE("files: spc batch keeps series apart whatever their keys hold") {
  // Keys that joined with U+001F would collide: ("a\x1f", "b") and ("a", "\x1fb").
  const std::string csv = std::string("g1,g2,y\n") + "a\x1f,b,1\na\x1f,b,2\na,\x1f" + "b,10\na,\x1f" + "b,20\n";
  const cli_result r = spc_cli("batch --by g1,g2 --chart run --y y --summary - --input " + quote(write_text("keys", csv)));
  REQUIRE(r.status == 0);
  CHECK(column_of(r.out, "cl") == std::vector<std::string>{"1.5", "15"});
}

TEST_CASE("files: values near the largest double give finite, correct limits") {
  std::string csv = "y\n";
  for (int k = 0; k < 12; ++k) csv += std::to_string(5e307 + k * 1e305) + "\n";
  const cli_result r = spc_cli("chart --chart i --y y --input " + quote(write_text("huge_values", csv)));
  REQUIRE(r.status == 0);
  const std::vector<double> cl = numbers_of(r.out, "cl"), ucl = numbers_of(r.out, "ucl");
  CHECK(cl[0] == doctest::Approx(5.055e307).epsilon(1e-12));
  CHECK(std::isfinite(ucl[0]));
  // The moving ranges are 1e305, so sigma = 1e305 / 1.128 and the UCL 2.66e305 above the mean.
  CHECK((ucl[0] - cl[0]) == doctest::Approx(3 * 1e305 / 1.128).epsilon(1e-9));
}

// Every kind of bad input through both commands: the exit status and the message name the row,
// the column or the option; spc chart then writes no file; spc batch writes the other series.
TEST_CASE("files: the bad-input matrix, through spc chart and spc batch") {
  struct bad_input {
    const char* what;
    std::string csv, args;
    int status;
    std::vector<std::string> names;
  };
  const std::vector<bad_input> matrix = {
      {"not a number", "y\n1\nabc\n", "--chart i --y y", 1, {"row 2", "column 'y'", "'abc' is not a number"}},
      {"decimal comma", "y;n\n1;2,5\n", "--chart u --y y --n n", 1, {"row 1", "column 'n'", "--decimal ,"}},
      {"out of range", "y\n1e999\n", "--chart i --y y", 1, {"row 1", "beyond the range"}},
      {"negative count", "y\n1\n-3\n", "--chart c --y y", 1, {"row 2", "column 'y'", "negative"}},
      {"numerator above denominator", "d,N\n12,10\n", "--chart p --y d --n N", 1, {"row 1", "column 'd'", "above"}},
      {"zero denominator", "e,days\n1,0\n", "--chart u --y e --n days", 1, {"row 1", "column 'days'", "positive"}},
      {"time not positive", "t\n3\n0\n", "--chart t --y t", 1, {"row 2", "positive"}},
      {"infinite value", "y\n1\ninf\n", "--chart i --y y", 1, {"row 2", "column 'y'"}},
      {"missing column", "a\n1\n", "--chart i --y y", 1, {"missing column 'y'"}},
      {"column named twice", "y,y\n1,2\n", "--chart i --y y", 1, {"column 'y' twice"}},
      {"wrong field count", "y,z\n1,2\n3\n", "--chart i --y y", 1, {"row 2", "fields"}},
      {"only a header", "y\n", "--chart i --y y", 1, {"no data rows"}},
      {"c chart with --n", "y,n\n1,2\n", "--chart c --y y --n n", 2, {"--n", "u chart"}},
      {"p chart without --n", "y\n1\n", "--chart p --y y", 2, {"--n"}},
      {"--sd on an I chart", "y,s\n1,2\n", "--chart i --y y --sd s", 2, {"--sd"}},
      {"unknown chart", "y\n1\n", "--chart q --y y", 2, {"--chart"}},
      {"bad separator", "y\n1\n", "--chart i --y y --sep x", 2, {"--sep"}},
      {"bad rules", "y\n1\n", "--chart i --y y --rules foo", 2, {"--rules"}},
  };
  for (const bad_input& b : matrix) {
    CAPTURE(b.what);
    const fs::path in = write_text("matrix", b.csv);
    const fs::path out = scratch_file("matrix_out"), summary = scratch_file("matrix_summary");
    expect_error("chart " + b.args + " --input " + quote(in) + " --output " + quote(out) + " --summary " + quote(summary),
                 b.status, b.names);
    CHECK_FALSE(fs::exists(out));
    CHECK_FALSE(fs::exists(summary));
    // The same data as one series of spc batch (a group column in front): the same status and
    // message, now about the series.
    std::string grouped;
    std::size_t start = 0;
    for (std::size_t line = 0; start < b.csv.size(); ++line) {
      std::size_t end = b.csv.find('\n', start);
      if (end == std::string::npos) end = b.csv.size();
      const char sep = b.csv.find(';') != std::string::npos ? ';' : ',';
      grouped += (line == 0 ? std::string("unit") : std::string("A")) + sep + b.csv.substr(start, end - start) + "\n";
      start = end + 1;
    }
    const cli_result r = spc_cli("batch --by unit " + b.args + " --input " + quote(write_text("matrix_by", grouped)) +
                                 " --summary -");
    CHECK(r.status == b.status);
    for (const auto& n : b.names) CHECK_MESSAGE(contains(r.err, n), "batch stderr should name " << n << ": " << r.err);
  }
}

}  // namespace spc::test

#endif  // SPC_CLI_PATH
